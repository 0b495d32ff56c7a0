// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the prefix lookup (prefix.c): masking, /0, /32, /128,
 * nested prefixes, prefixes endpoints own among groups', and a few
 * thousand random prefixes of each family checked against a brute-force
 * longest match; and, with real endpoints in a domain, which addresses
 * an endpoint's prefix holds for the data path (segf_prefix_held_by()).
 */

#include <kunit/test.h>
#include <linux/etherdevice.h>
#include <linux/inet.h>
#include <linux/random.h>
#include <net/ipv6.h>

#include "domain.h"
#include "endpoint.h"
#include "policy.h"
#include "port.h"
#include "prefix.h"
#include "segfilter.h"
#include "test_util.h"

/* Groups by id: a slot's group is all the lookup gives back. */
#define N_GROUPS	8
static struct segf_group groups[N_GROUPS];

static struct segf_addr v4(const char *s)
{
	struct segf_addr a = { .family = AF_INET };

	WARN_ON(!in4_pton(s, -1, (u8 *)&a.v4, -1, NULL));
	return a;
}

static struct segf_addr v6(const char *s)
{
	struct segf_addr a = { .family = AF_INET6 };

	WARN_ON(!in6_pton(s, -1, a.v6.s6_addr, -1, NULL));
	return a;
}

static struct segf_prefix *mk_pfx(struct kunit *test, struct segf_addr a,
				  u8 len, u16 group)
{
	struct segf_prefix *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	segf_pfx_mask(&a, len);
	p->key.addr = a;
	p->key.len = len;
	p->group = &groups[group];
	return p;
}

/* The group id the table gives @a, 0 for none. */
static u16 lookup(const struct segf_pfx_table *t, struct segf_addr a)
{
	const struct segf_pfx_slot *s = segf_pfx_find(t, &a);

	return s ? s->group->id : 0;
}

static void prefix_test_init_groups(void)
{
	unsigned int i;

	for (i = 0; i < N_GROUPS; i++)
		groups[i].id = i;
}

static void prefix_test_mask(struct kunit *test)
{
	struct segf_addr a = v4("192.0.2.255");

	KUNIT_EXPECT_TRUE(test, segf_pfx_host_bits(&a, 24));
	KUNIT_EXPECT_FALSE(test, segf_pfx_host_bits(&a, 32));
	segf_pfx_mask(&a, 24);
	KUNIT_EXPECT_EQ(test, a.v4, v4("192.0.2.0").v4);
	KUNIT_EXPECT_FALSE(test, segf_pfx_host_bits(&a, 24));
	segf_pfx_mask(&a, 0);
	KUNIT_EXPECT_EQ(test, a.v4, 0);

	a = v6("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	KUNIT_EXPECT_TRUE(test, segf_pfx_host_bits(&a, 127));
	KUNIT_EXPECT_FALSE(test, segf_pfx_host_bits(&a, 128));
	segf_pfx_mask(&a, 36);
	KUNIT_EXPECT_TRUE(test, segf_addr_equal(&a, &(struct segf_addr){
		.family = AF_INET6, .v6 = v6("2001:db8:f000::").v6 }));
	segf_pfx_mask(&a, 0);
	KUNIT_EXPECT_TRUE(test, ipv6_addr_any(&a.v6));
}

static void prefix_test_nested(struct kunit *test)
{
	struct segf_prefix *pfx[] = {
		mk_pfx(test, v4("0.0.0.0"), 0, 1),
		mk_pfx(test, v4("10.0.0.0"), 8, 2),
		mk_pfx(test, v4("10.1.0.0"), 16, 3),
		mk_pfx(test, v4("10.1.2.3"), 32, 4),
		mk_pfx(test, v6("::"), 0, 5),
		mk_pfx(test, v6("2001:db8::"), 32, 6),
		mk_pfx(test, v6("2001:db8::1"), 128, 7),
	};
	struct segf_pfx_table *t;

	prefix_test_init_groups();
	KUNIT_ASSERT_EQ(test, segf_pfx_table_build(pfx, ARRAY_SIZE(pfx), &t),
			0);
	KUNIT_EXPECT_EQ(test, t->n_lens4, 4);
	KUNIT_EXPECT_EQ(test, t->n_lens6, 3);
	KUNIT_EXPECT_EQ(test, lookup(t, v4("198.51.100.7")), 1);
	KUNIT_EXPECT_EQ(test, lookup(t, v4("10.200.0.1")), 2);
	KUNIT_EXPECT_EQ(test, lookup(t, v4("10.1.2.4")), 3);
	KUNIT_EXPECT_EQ(test, lookup(t, v4("10.1.2.3")), 4);
	KUNIT_EXPECT_EQ(test, lookup(t, v4("255.255.255.255")), 1);
	KUNIT_EXPECT_EQ(test, lookup(t, v6("2001:db9::1")), 5);
	KUNIT_EXPECT_EQ(test, lookup(t, v6("2001:db8::2")), 6);
	KUNIT_EXPECT_EQ(test, lookup(t, v6("2001:db8::1")), 7);
	segf_pfx_table_put(t);

	/* Without /0, what no prefix holds has no group. */
	KUNIT_ASSERT_EQ(test, segf_pfx_table_build(pfx + 1, 3, &t), 0);
	KUNIT_EXPECT_EQ(test, lookup(t, v4("11.0.0.1")), 0);
	KUNIT_EXPECT_EQ(test, lookup(t, v4("10.1.2.3")), 4);
	KUNIT_EXPECT_EQ(test, lookup(t, v6("2001:db8::1")), 0);
	segf_pfx_table_put(t);

	/* No prefix at all: no table, and every lookup misses. */
	KUNIT_ASSERT_EQ(test, segf_pfx_table_build(pfx, 0, &t), 0);
	KUNIT_EXPECT_NULL(test, t);
	KUNIT_EXPECT_EQ(test, lookup(t, v4("10.1.2.3")), 0);
}

/* A prefix @ep owns, as PREFIX_NEW with a MAC makes it. */
static struct segf_prefix *mk_owned(struct kunit *test, struct segf_addr a,
				    u8 len, const struct segf_endpoint *ep)
{
	struct segf_prefix *p = mk_pfx(test, a, len, 0);

	p->group = NULL;
	p->owned = true;
	p->own.born = ep->born;
	ether_addr_copy(p->own.mac, ep->mac);
	return p;
}

/*
 * An endpoint's prefix in the longest match: it wins over a shorter
 * group prefix and loses to a longer one inside it; it gives no group
 * to outside peers; it is its endpoint's, not another's, nor that of an
 * endpoint of the same MAC born later (a change in place).
 */
static void prefix_test_owned(struct kunit *test)
{
	struct segf_endpoint *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct segf_endpoint *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	struct segf_policy *pol = kunit_kzalloc(test, sizeof(*pol),
						GFP_KERNEL);
	struct segf_prefix *pfx[5];
	struct segf_addr a;

	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_ASSERT_NOT_NULL(test, x);
	KUNIT_ASSERT_NOT_NULL(test, pol);
	prefix_test_init_groups();
	eth_random_addr(r->mac);
	eth_random_addr(x->mac);
	r->born = 3;
	x->born = 3;
	pfx[0] = mk_pfx(test, v4("10.0.0.0"), 8, 1);
	pfx[1] = mk_owned(test, v4("10.9.0.0"), 24, r);
	pfx[2] = mk_pfx(test, v4("10.9.0.128"), 25, 2);
	pfx[3] = mk_owned(test, v4("10.9.0.200"), 32, x);
	pfx[4] = mk_owned(test, v6("2001:db8:9::"), 64, r);
	KUNIT_ASSERT_EQ(test, segf_pfx_table_build(pfx, ARRAY_SIZE(pfx),
						   &pol->prefixes), 0);

	a = v4("10.9.0.5");
	KUNIT_EXPECT_TRUE(test, segf_prefix_owned_by(pol, &a, r));
	KUNIT_EXPECT_FALSE(test, segf_prefix_owned_by(pol, &a, x));
	KUNIT_EXPECT_NULL(test, segf_prefix_group(pol, &a));
	/* The group's /25 inside r's /24 wins, and x's /32 inside it. */
	a = v4("10.9.0.130");
	KUNIT_EXPECT_FALSE(test, segf_prefix_owned_by(pol, &a, r));
	KUNIT_EXPECT_PTR_EQ(test, segf_prefix_group(pol, &a), &groups[2]);
	a = v4("10.9.0.200");
	KUNIT_EXPECT_TRUE(test, segf_prefix_owned_by(pol, &a, x));
	KUNIT_EXPECT_FALSE(test, segf_prefix_owned_by(pol, &a, r));
	a = v4("10.1.0.1");
	KUNIT_EXPECT_PTR_EQ(test, segf_prefix_group(pol, &a), &groups[1]);
	KUNIT_EXPECT_FALSE(test, segf_prefix_owned_by(pol, &a, r));
	a = v6("2001:db8:9::5");
	KUNIT_EXPECT_TRUE(test, segf_prefix_owned_by(pol, &a, r));
	a = v6("2001:db8:a::5");
	KUNIT_EXPECT_FALSE(test, segf_prefix_owned_by(pol, &a, r));
	/* The same MAC born again is another endpoint. */
	r->born = 4;
	a = v4("10.9.0.5");
	KUNIT_EXPECT_FALSE(test, segf_prefix_owned_by(pol, &a, r));
	segf_pfx_table_put(pol->prefixes);
}

#define N_RANDOM	2000
#define N_PROBES	2000

/* A random address near the ones in use, so that lookups hit nests. */
static struct segf_addr random_addr(int family)
{
	struct segf_addr a = { .family = family };

	if (family == AF_INET) {
		/* 10.0.0.0/12: prefixes of 8..32 nest often. */
		a.v4 = htonl(0x0a000000 | (get_random_u32() & 0x000fffff));
	} else {
		get_random_bytes(&a.v6, sizeof(a.v6));
		a.v6.s6_addr32[0] = htonl(0x20010db8);
		a.v6.s6_addr[4] &= 0x0f;
	}
	return a;
}

/* The longest prefix that holds @a, by walking them all; NULL if none. */
static struct segf_prefix *brute(struct segf_prefix **pfx, unsigned int n,
				 const struct segf_addr *a)
{
	struct segf_prefix *best = NULL;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct segf_addr m = *a;

		if (pfx[i]->key.addr.family != a->family)
			continue;
		segf_pfx_mask(&m, pfx[i]->key.len);
		if (segf_addr_equal(&m, &pfx[i]->key.addr) &&
		    (!best || pfx[i]->key.len > best->key.len))
			best = pfx[i];
	}
	return best;
}

static void prefix_test_random(struct kunit *test, int family)
{
	unsigned int max = family == AF_INET ? 32 : 128, min = 8;
	struct segf_prefix **pfx;
	struct segf_pfx_table *t;
	unsigned int n = 0, i, hits = 0;

	prefix_test_init_groups();
	pfx = kunit_kcalloc(test, N_RANDOM, sizeof(*pfx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pfx);
	while (n < N_RANDOM) {
		struct segf_addr a = random_addr(family);
		u8 len = min + get_random_u32() % (max - min + 1);
		u16 group = 1 + get_random_u32() % (N_GROUPS - 1);
		struct segf_prefix *p = mk_pfx(test, a, len, group);

		/* Equal prefixes are refused by the control path. */
		for (i = 0; i < n; i++)
			if (!memcmp(&pfx[i]->key, &p->key, sizeof(p->key)))
				break;
		if (i == n)
			pfx[n++] = p;
	}
	KUNIT_ASSERT_EQ(test, segf_pfx_table_build(pfx, n, &t), 0);
	for (i = 0; i < N_PROBES; i++) {
		/* Half the probes are a prefix's own address. */
		struct segf_addr a = i % 2 ? random_addr(family) :
					     pfx[i % n]->key.addr;
		const struct segf_pfx_slot *s = segf_pfx_find(t, &a);
		struct segf_prefix *want = brute(pfx, n, &a);

		if (!want) {
			KUNIT_EXPECT_NULL(test, s);
			continue;
		}
		hits++;
		KUNIT_ASSERT_NOT_NULL(test, s);
		KUNIT_EXPECT_EQ(test, s->key.len, want->key.len);
		KUNIT_EXPECT_TRUE(test, segf_addr_equal(&s->key.addr,
							&want->key.addr));
		KUNIT_EXPECT_PTR_EQ(test, s->group, want->group);
	}
	/* The probes did test something. */
	KUNIT_EXPECT_GE(test, hits, N_PROBES / 2);
	segf_pfx_table_put(t);
}

static void prefix_test_random_v4(struct kunit *test)
{
	prefix_test_random(test, AF_INET);
}

static void prefix_test_random_v6(struct kunit *test)
{
	prefix_test_random(test, AF_INET6);
}

static struct kunit_case segf_prefix_test_cases[] = {
	KUNIT_CASE(prefix_test_mask),
	KUNIT_CASE(prefix_test_nested),
	KUNIT_CASE(prefix_test_owned),
	KUNIT_CASE(prefix_test_random_v4),
	KUNIT_CASE(prefix_test_random_v6),
	{}
};

static struct kunit_suite segf_prefix_test_suite = {
	.name = "segfilter_prefix",
	.test_cases = segf_prefix_test_cases,
};

struct held_ctx {
	struct segf_net sn;
	struct segf_domain *dom;
	struct segf_group *grp;
	struct segf_port port;
	struct segf_policy pol;		/* built by hand, never published */
	struct segf_endpoint *rtr;	/* owns 0.0.0.0/0, ::/0, 10.9.0.0/24 */
	struct segf_endpoint *vm;	/* 10.9.0.7 and 2001:db8:9::7 */
};

static const struct segf_domain_cfg held_cfg = {
	.default_action = SEGFILTER_ACTION_DENY,
	.flow_limit = 16,
	.endpoint_limit = SEGFILTER_ENDPOINT_LIMIT_DEFAULT,
	.rule_limit = SEGFILTER_RULE_LIMIT_DEFAULT,
	.service_limit = SEGFILTER_SERVICE_LIMIT_DEFAULT,
	.chain_limit = SEGFILTER_CHAIN_LIMIT_DEFAULT,
};

/* An endpoint of @ctx's domain, seen from generation 1 on. */
static struct segf_endpoint *held_endpoint(struct kunit *test,
					   struct held_ctx *ctx, u8 last,
					   const struct segf_addr *addrs,
					   unsigned int n)
{
	u8 mac[ETH_ALEN] = { 2, 0, 0, 0, 0, last };
	struct segf_endpoint *ep;
	int err;

	mutex_lock(&ctx->sn.lock);
	err = segf_endpoint_create(ctx->dom, mac, ctx->grp, &ctx->port, NULL,
				   addrs, n, 1, &ep, NULL);
	mutex_unlock(&ctx->sn.lock);
	KUNIT_ASSERT_EQ(test, err, 0);
	return ep;
}

/*
 * A domain whose gateway has 10.9.0.1, a router endpoint that owns the
 * default routes and 10.9.0.0/24, and a VM with an address inside it.
 */
static int held_test_init(struct kunit *test)
{
	struct segf_addr vm_addrs[] = { v4("10.9.0.7"), v6("2001:db8:9::7") };
	struct segf_addr rtr_addr = v4("10.8.0.1");
	struct segf_prefix *pfx[3];
	struct held_ctx *ctx;
	int err;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	test->priv = ctx;
	segf_test_net_init(&ctx->sn);
	mutex_lock(&ctx->sn.lock);
	err = segf_domain_create(&ctx->sn, 1, "t", &held_cfg, &ctx->dom, NULL);
	if (!err)
		err = segf_group_create(ctx->dom, 1, "vm", &ctx->grp, NULL);
	mutex_unlock(&ctx->sn.lock);
	if (err)
		return err;
	ctx->port.sn = &ctx->sn;
	ctx->port.domain = ctx->dom;
	ctx->port.role = SEGFILTER_PORT_ROLE_ENDPOINT;
	ctx->rtr = held_endpoint(test, ctx, 1, &rtr_addr, 1);
	ctx->vm = held_endpoint(test, ctx, 2, vm_addrs, ARRAY_SIZE(vm_addrs));

	ctx->pol.gen = 1;
	ctx->pol.cfg = held_cfg;
	ctx->pol.cfg.gw_addrs[0] = v4("10.9.0.1");
	ctx->pol.cfg.n_gw_addrs = 1;
	pfx[0] = mk_owned(test, v4("0.0.0.0"), 0, ctx->rtr);
	pfx[1] = mk_owned(test, v6("::"), 0, ctx->rtr);
	pfx[2] = mk_owned(test, v4("10.9.0.0"), 24, ctx->rtr);
	return segf_pfx_table_build(pfx, ARRAY_SIZE(pfx), &ctx->pol.prefixes);
}

static void held_test_exit(struct kunit *test)
{
	struct held_ctx *ctx = test->priv;

	segf_pfx_table_put(ctx->pol.prefixes);
	segf_test_net_exit(&ctx->sn);
}

/* Whether @ep may use @s by its prefix, as the data path asks. */
static bool held(struct held_ctx *ctx, const char *s,
		 const struct segf_endpoint *ep)
{
	struct segf_addr a = strchr(s, ':') ? v6(s) : v4(s);
	bool ret;

	rcu_read_lock();
	ret = segf_prefix_held_by(&ctx->pol, &a, ep);
	rcu_read_unlock();
	return ret;
}

/*
 * The router's prefixes hold the unicast addresses beyond it, and only
 * for the router: another endpoint does not get them by being inside.
 */
static void held_test_owner(struct kunit *test)
{
	struct held_ctx *ctx = test->priv;

	KUNIT_EXPECT_TRUE(test, held(ctx, "10.9.0.5", ctx->rtr));
	KUNIT_EXPECT_TRUE(test, held(ctx, "198.51.100.7", ctx->rtr));
	KUNIT_EXPECT_TRUE(test, held(ctx, "2001:db8:1::5", ctx->rtr));
	KUNIT_EXPECT_FALSE(test, held(ctx, "10.9.0.5", ctx->vm));
	KUNIT_EXPECT_FALSE(test, held(ctx, "198.51.100.7", ctx->vm));
	KUNIT_EXPECT_FALSE(test, held(ctx, "2001:db8:1::5", ctx->vm));
}

/*
 * Inside the router's prefixes, what is not the router's to use: the
 * VM's addresses (in its /24 and its ::/0), the router's own (an
 * endpoint's address is its own, not a prefix's), the gateway's,
 * link-local and multicast addresses, the limited broadcast.
 */
static void held_test_not_held(struct kunit *test)
{
	struct held_ctx *ctx = test->priv;
	static const char *const not_held[] = {
		"10.9.0.7", "2001:db8:9::7", "10.8.0.1", "10.9.0.1",
		"169.254.1.1", "fe80::1", "224.0.0.18", "239.1.2.3",
		"ff02::1", "ff0e::101", "255.255.255.255",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(not_held); i++)
		KUNIT_EXPECT_FALSE_MSG(test,
				       held(ctx, not_held[i], ctx->rtr),
				       "%s", not_held[i]);
	/* The neighbours of those addresses are the router's. */
	KUNIT_EXPECT_TRUE(test, held(ctx, "10.9.0.8", ctx->rtr));
	KUNIT_EXPECT_TRUE(test, held(ctx, "10.9.0.2", ctx->rtr));
	KUNIT_EXPECT_TRUE(test, held(ctx, "2001:db8:9::8", ctx->rtr));
	/* And the VM's addresses are not the VM's by a prefix either. */
	KUNIT_EXPECT_FALSE(test, held(ctx, "10.9.0.7", ctx->vm));
}

/* A deleted VM's address goes back to the prefix that holds it. */
static void held_test_deleted(struct kunit *test)
{
	struct held_ctx *ctx = test->priv;

	KUNIT_EXPECT_FALSE(test, held(ctx, "10.9.0.7", ctx->rtr));
	/* Deleted as of generation 2: the data path there no longer sees it. */
	WRITE_ONCE(ctx->vm->dead, 2);
	ctx->pol.gen = 2;
	KUNIT_EXPECT_TRUE(test, held(ctx, "10.9.0.7", ctx->rtr));
	ctx->pol.gen = 1;
	KUNIT_EXPECT_FALSE(test, held(ctx, "10.9.0.7", ctx->rtr));
	WRITE_ONCE(ctx->vm->dead, SEGF_GEN_NEVER);
}

static struct kunit_case segf_prefix_held_test_cases[] = {
	KUNIT_CASE(held_test_owner),
	KUNIT_CASE(held_test_not_held),
	KUNIT_CASE(held_test_deleted),
	{}
};

static struct kunit_suite segf_prefix_held_test_suite = {
	.name = "segfilter_prefix_held",
	.suite_init = segf_test_wq_init,
	.suite_exit = segf_test_wq_exit,
	.init = held_test_init,
	.exit = held_test_exit,
	.test_cases = segf_prefix_held_test_cases,
};

kunit_test_suites(&segf_prefix_test_suite, &segf_prefix_held_test_suite);
