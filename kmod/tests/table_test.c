// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the control-plane objects and the lookup tables the
 * data path uses: domains and groups by id and name, endpoints by MAC
 * and by address, and that every refused change leaves nothing behind.
 */

#include <kunit/test.h>
#include <linux/slab.h>

#include "domain.h"
#include "endpoint.h"
#include "policy.h"
#include "port.h"
#include "segfilter.h"
#include "test_util.h"

struct table_ctx {
	struct segf_net sn;
	struct segf_domain *dom;
	struct segf_group *grp;
	struct segf_port *port;
	struct segf_port *uplink;
};

static struct segf_addr v4(u32 a)
{
	struct segf_addr addr;

	memset(&addr, 0, sizeof(addr));
	addr.family = AF_INET;
	addr.v4 = htonl(a);
	return addr;
}

static struct segf_addr v6(u16 last)
{
	struct segf_addr addr;

	memset(&addr, 0, sizeof(addr));
	addr.family = AF_INET6;
	addr.v6.s6_addr[0] = 0xfd;
	addr.v6.s6_addr[14] = last >> 8;
	addr.v6.s6_addr[15] = last & 0xff;
	return addr;
}

static void mac_of(u8 *mac, u32 n)
{
	mac[0] = 0x02;
	mac[1] = 0;
	mac[2] = n >> 24;
	mac[3] = n >> 16;
	mac[4] = n >> 8;
	mac[5] = n;
}

static const struct segf_domain_cfg test_cfg = {
	.default_action = SEGFILTER_ACTION_ALLOW,
	.flow_limit = 16,
	.endpoint_limit = SEGFILTER_ENDPOINT_LIMIT_DEFAULT,
	.rule_limit = SEGFILTER_RULE_LIMIT_DEFAULT,
	.service_limit = SEGFILTER_SERVICE_LIMIT_DEFAULT,
	.chain_limit = SEGFILTER_CHAIN_LIMIT_DEFAULT,
};

static int table_test_init(struct kunit *test)
{
	struct table_ctx *ctx;
	int err;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	segf_test_net_init(&ctx->sn);
	ctx->port = kunit_kzalloc(test, sizeof(*ctx->port), GFP_KERNEL);
	ctx->uplink = kunit_kzalloc(test, sizeof(*ctx->uplink), GFP_KERNEL);
	if (!ctx->port || !ctx->uplink)
		return -ENOMEM;
	ctx->port->sn = &ctx->sn;
	ctx->port->role = SEGFILTER_PORT_ROLE_ENDPOINT;
	ctx->uplink->sn = &ctx->sn;
	ctx->uplink->role = SEGFILTER_PORT_ROLE_UPLINK;

	mutex_lock(&ctx->sn.lock);
	err = segf_domain_create(&ctx->sn, 10, "tenant-a", &test_cfg,
				 &ctx->dom, NULL);
	if (!err)
		err = segf_group_create(ctx->dom, 1, "web", &ctx->grp, NULL);
	mutex_unlock(&ctx->sn.lock);
	ctx->port->domain = ctx->dom;
	test->priv = ctx;
	return err;
}

static void table_test_exit(struct kunit *test)
{
	struct table_ctx *ctx = test->priv;

	segf_test_net_exit(&ctx->sn);
}

static int add_ep(struct table_ctx *ctx, u32 n, const struct segf_addr *addrs,
		  unsigned int n_addrs, struct segf_endpoint **ep)
{
	struct segf_endpoint *dummy;
	u8 mac[ETH_ALEN];
	int err;

	mac_of(mac, n);
	mutex_lock(&ctx->sn.lock);
	err = segf_endpoint_create(ctx->dom, mac, ctx->grp, ctx->port, NULL,
				   addrs, n_addrs, 1, ep ? ep : &dummy, NULL);
	mutex_unlock(&ctx->sn.lock);
	return err;
}

static void table_test_domain_lookup(struct kunit *test)
{
	static struct segf_domain *doms[200];
	struct table_ctx *ctx = test->priv;
	struct segf_domain *other;
	char name[16];
	unsigned int i;

	mutex_lock(&ctx->sn.lock);
	KUNIT_EXPECT_PTR_EQ(test, segf_domain_find(&ctx->sn, 10, NULL),
			    ctx->dom);
	KUNIT_EXPECT_PTR_EQ(test, segf_domain_find(&ctx->sn, 0, "tenant-a"),
			    ctx->dom);
	KUNIT_EXPECT_NULL(test, segf_domain_find(&ctx->sn, 11, NULL));
	KUNIT_EXPECT_NULL(test, segf_domain_find(&ctx->sn, 0, "tenant-b"));
	KUNIT_EXPECT_EQ(test, segf_domain_create(&ctx->sn, 10, "tenant-b",
						 &test_cfg, &other, NULL),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, segf_domain_create(&ctx->sn, 11, "tenant-a",
						 &test_cfg, &other, NULL),
			-EEXIST);
	KUNIT_EXPECT_NULL(test, segf_domain_find(&ctx->sn, 11, NULL));

	/* Many domains: each found by its own name; a deleted one is not. */
	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "d%u", i);
		KUNIT_ASSERT_EQ(test, segf_domain_create(&ctx->sn, 100 + i, name,
							 &test_cfg, &doms[i],
							 NULL), 0);
	}
	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "d%u", i);
		KUNIT_EXPECT_PTR_EQ(test, segf_domain_find(&ctx->sn, 0, name),
				    doms[i]);
	}
	KUNIT_EXPECT_EQ(test, segf_domain_destroy(doms[7], false, NULL), 0);
	KUNIT_EXPECT_NULL(test, segf_domain_find(&ctx->sn, 0, "d7"));
	KUNIT_EXPECT_EQ(test, segf_domain_create(&ctx->sn, 99, "d7", &test_cfg,
						 &other, NULL), 0);
	KUNIT_EXPECT_PTR_EQ(test, segf_domain_find(&ctx->sn, 0, "d7"), other);
	mutex_unlock(&ctx->sn.lock);
}

static void table_test_names(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, segf_name_valid("tenant-a"));
	KUNIT_EXPECT_TRUE(test, segf_name_valid("db.prod_2"));
	KUNIT_EXPECT_FALSE(test, segf_name_valid(""));
	KUNIT_EXPECT_FALSE(test, segf_name_valid("10"));
	KUNIT_EXPECT_FALSE(test, segf_name_valid("-x"));
	KUNIT_EXPECT_FALSE(test, segf_name_valid("a b"));
	KUNIT_EXPECT_FALSE(test, segf_name_valid("a\"b"));
}

static void table_test_group(struct kunit *test)
{
	struct table_ctx *ctx = test->priv;
	struct segf_group *grp;

	mutex_lock(&ctx->sn.lock);
	KUNIT_EXPECT_PTR_EQ(test, segf_group_find(ctx->dom, 1, NULL),
			    ctx->grp);
	KUNIT_EXPECT_PTR_EQ(test, segf_group_find(ctx->dom, 0, "web"),
			    ctx->grp);
	KUNIT_EXPECT_EQ(test, segf_group_create(ctx->dom, 1, "app", &grp,
						NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, segf_group_create(ctx->dom, 2, "web", &grp,
						NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, ctx->dom->n_groups, 1);
	mutex_unlock(&ctx->sn.lock);

	/* A group with endpoints cannot go. */
	KUNIT_ASSERT_EQ(test, add_ep(ctx, 1, NULL, 0, NULL), 0);
	mutex_lock(&ctx->sn.lock);
	KUNIT_EXPECT_EQ(test, segf_group_retire(ctx->grp, NULL), -EBUSY);
	KUNIT_EXPECT_PTR_EQ(test, segf_group_find(ctx->dom, 1, NULL),
			    ctx->grp);
	mutex_unlock(&ctx->sn.lock);
}

/*
 * Names are looked up in a table of their own.  A group deleted by the
 * commit being built no longer answers to its name, and a new group may
 * take the name before the old one is gone.
 */
static void table_test_group_names(struct kunit *test)
{
	struct table_ctx *ctx = test->priv;
	struct segf_group *grp[200], *app, *web2;
	char name[SEGFILTER_NAME_SIZE];
	unsigned int i;

	mutex_lock(&ctx->sn.lock);
	for (i = 0; i < ARRAY_SIZE(grp); i++) {
		snprintf(name, sizeof(name), "g%u", i);
		KUNIT_ASSERT_EQ(test, segf_group_create(ctx->dom, 100 + i, name,
							&grp[i], NULL), 0);
	}
	for (i = 0; i < ARRAY_SIZE(grp); i++) {
		snprintf(name, sizeof(name), "g%u", i);
		KUNIT_EXPECT_PTR_EQ(test, segf_group_find(ctx->dom, 0, name),
				    grp[i]);
	}
	KUNIT_EXPECT_NULL(test, segf_group_find(ctx->dom, 0, "g200"));
	KUNIT_EXPECT_NULL(test, segf_group_find(ctx->dom, 0, "g1 "));

	KUNIT_ASSERT_EQ(test, segf_group_create(ctx->dom, 2, "app", &app,
						NULL), 0);
	KUNIT_EXPECT_EQ(test, segf_group_retire(ctx->grp, NULL), 0);
	KUNIT_EXPECT_NULL(test, segf_group_find(ctx->dom, 0, "web"));
	KUNIT_ASSERT_EQ(test, segf_group_create(ctx->dom, 3, "web", &web2,
						NULL), 0);
	KUNIT_EXPECT_PTR_EQ(test, segf_group_find(ctx->dom, 0, "web"), web2);
	segf_group_unlink(ctx->grp);
	ctx->grp = NULL;
	KUNIT_EXPECT_PTR_EQ(test, segf_group_find(ctx->dom, 0, "web"), web2);
	KUNIT_EXPECT_PTR_EQ(test, segf_group_find(ctx->dom, 0, "app"), app);
	segf_group_unlink(app);
	KUNIT_EXPECT_NULL(test, segf_group_find(ctx->dom, 0, "app"));
	KUNIT_EXPECT_EQ(test, ctx->dom->n_groups, ARRAY_SIZE(grp) + 1);
	mutex_unlock(&ctx->sn.lock);
}

static void table_test_endpoint_lookup(struct kunit *test)
{
	struct table_ctx *ctx = test->priv;
	struct segf_addr addrs[] = { v4(0x0a000001), v6(1), v6(2) };
	struct segf_addr missing = v4(0x0a000002);
	struct segf_endpoint *ep;
	u8 mac[ETH_ALEN];

	KUNIT_ASSERT_EQ(test, add_ep(ctx, 1, addrs, ARRAY_SIZE(addrs), &ep), 0);
	mac_of(mac, 1);
	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, segf_endpoint_by_mac(ctx->dom, mac), ep);
	KUNIT_EXPECT_PTR_EQ(test, segf_endpoint_by_addr(ctx->dom, &addrs[0]),
			    ep);
	KUNIT_EXPECT_PTR_EQ(test, segf_endpoint_by_addr(ctx->dom, &addrs[2]),
			    ep);
	KUNIT_EXPECT_NULL(test, segf_endpoint_by_addr(ctx->dom, &missing));
	mac_of(mac, 2);
	KUNIT_EXPECT_NULL(test, segf_endpoint_by_mac(ctx->dom, mac));
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, ctx->grp->n_endpoints, 1);
	KUNIT_EXPECT_EQ(test, ctx->port->n_endpoints, 1);

	mutex_lock(&ctx->sn.lock);
	segf_endpoint_destroy(ep);
	mutex_unlock(&ctx->sn.lock);
	mac_of(mac, 1);
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, segf_endpoint_by_mac(ctx->dom, mac));
	KUNIT_EXPECT_NULL(test, segf_endpoint_by_addr(ctx->dom, &addrs[1]));
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, ctx->dom->n_endpoints, 0);
	KUNIT_EXPECT_EQ(test, ctx->grp->n_endpoints, 0);
}

/* Refused endpoints leave no MAC, no address and no count behind. */
static void table_test_endpoint_refused(struct kunit *test)
{
	struct table_ctx *ctx = test->priv;
	struct segf_addr a1[] = { v4(0x0a000001) };
	struct segf_addr twice[] = { v4(0x0a000005), v6(5), v4(0x0a000005) };
	struct segf_addr taken[] = { v4(0x0a000006), v4(0x0a000001) };
	struct segf_addr mcast[] = { v4(0xe0000001) };
	struct segf_addr any6 = v6(0);
	struct segf_addr probe;
	u8 mac[ETH_ALEN];
	unsigned int genid;

	memset(&any6.v6, 0, sizeof(any6.v6));
	KUNIT_ASSERT_EQ(test, add_ep(ctx, 1, a1, 1, NULL), 0);
	genid = ctx->sn.genid;

	KUNIT_EXPECT_EQ(test, add_ep(ctx, 1, NULL, 0, NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, add_ep(ctx, 2, twice, 3, NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, add_ep(ctx, 3, taken, 2, NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, add_ep(ctx, 4, mcast, 1, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, add_ep(ctx, 5, &any6, 1, NULL), -EINVAL);

	KUNIT_EXPECT_EQ(test, ctx->dom->n_endpoints, 1);
	KUNIT_EXPECT_EQ(test, ctx->grp->n_endpoints, 1);
	KUNIT_EXPECT_EQ(test, ctx->sn.genid, genid);
	rcu_read_lock();
	mac_of(mac, 2);
	KUNIT_EXPECT_NULL(test, segf_endpoint_by_mac(ctx->dom, mac));
	probe = v6(5);
	KUNIT_EXPECT_NULL(test, segf_endpoint_by_addr(ctx->dom, &probe));
	probe = v4(0x0a000005);
	KUNIT_EXPECT_NULL(test, segf_endpoint_by_addr(ctx->dom, &probe));
	probe = v4(0x0a000006);
	KUNIT_EXPECT_NULL(test, segf_endpoint_by_addr(ctx->dom, &probe));
	rcu_read_unlock();
}

/* Many endpoints: every one is found by MAC and address, none twice. */
static void table_test_endpoint_many(struct kunit *test)
{
	struct table_ctx *ctx = test->priv;
	const u32 n = 4096;
	struct segf_endpoint *ep;
	struct segf_addr addr;
	u8 mac[ETH_ALEN];
	u32 i;

	for (i = 1; i <= n; i++) {
		addr = v4(0x0a000000 + i);
		KUNIT_ASSERT_EQ(test, add_ep(ctx, i, &addr, 1, NULL), 0);
	}
	KUNIT_EXPECT_EQ(test, ctx->dom->n_endpoints, n);
	rcu_read_lock();
	for (i = 1; i <= n; i++) {
		mac_of(mac, i);
		ep = segf_endpoint_by_mac(ctx->dom, mac);
		KUNIT_ASSERT_NOT_NULL(test, ep);
		addr = v4(0x0a000000 + i);
		KUNIT_EXPECT_PTR_EQ(test, segf_endpoint_by_addr(ctx->dom, &addr),
				    ep);
	}
	rcu_read_unlock();
}

/*
 * Remote endpoints: only in a domain with a VNI, only with the remote
 * host's address; a move changes the location and the counts, and is
 * undone exactly.
 */
static void table_test_remote(struct kunit *test)
{
	struct table_ctx *ctx = test->priv;
	struct segf_addr host = v4(0xc0a83202), addr = v4(0x0a000005);
	struct segf_remote *old, *r;
	struct segf_domain *other;
	struct segf_endpoint *ep;
	u8 mac[ETH_ALEN];

	mac_of(mac, 5);
	mutex_lock(&ctx->sn.lock);
	KUNIT_EXPECT_EQ(test, segf_endpoint_create(ctx->dom, mac, ctx->grp,
						   ctx->uplink, &host, &addr,
						   1, 1, &ep, NULL), -EINVAL);
	KUNIT_ASSERT_EQ(test, segf_domain_set_vni(ctx->dom, 100, NULL), 0);
	KUNIT_ASSERT_EQ(test, segf_domain_create(&ctx->sn, 11, "tenant-b",
						 &test_cfg, &other, NULL), 0);
	KUNIT_EXPECT_EQ(test, segf_domain_set_vni(other, 100, NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, other->vni, 0);
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&ctx->sn.vnis, 100), ctx->dom);

	/* Behind an uplink, an endpoint needs its host. */
	KUNIT_EXPECT_EQ(test, segf_endpoint_create(ctx->dom, mac, ctx->grp,
						   ctx->uplink, NULL, &addr,
						   1, 1, &ep, NULL), -EINVAL);
	KUNIT_ASSERT_EQ(test, segf_endpoint_create(ctx->dom, mac, ctx->grp,
						   ctx->uplink, &host, &addr,
						   1, 1, &ep, NULL), 0);
	KUNIT_EXPECT_EQ(test, ctx->uplink->n_endpoints, 1);
	r = rcu_dereference_protected(ep->remote, true);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_TRUE(test, segf_addr_equal(&r->addr, &host));

	/* It moves here: local, no remote address, counted on the port. */
	KUNIT_ASSERT_EQ(test, segf_endpoint_move(ep, ctx->port, NULL, &old,
						 NULL), 0);
	KUNIT_EXPECT_PTR_EQ(test, old, r);
	KUNIT_EXPECT_PTR_EQ(test, ep->port, ctx->port);
	KUNIT_EXPECT_NULL(test, rcu_dereference_protected(ep->remote, true));
	KUNIT_EXPECT_EQ(test, ctx->uplink->n_endpoints, 0);
	KUNIT_EXPECT_EQ(test, ctx->port->n_endpoints, 1);
	/* Its group and addresses stay. */
	KUNIT_EXPECT_PTR_EQ(test, ep->group, ctx->grp);
	KUNIT_EXPECT_PTR_EQ(test, segf_endpoint_by_addr(ctx->dom, &addr), ep);

	/* A rolled back move puts it back, with the same address object. */
	segf_endpoint_unmove(ep, ctx->uplink, old);
	KUNIT_EXPECT_PTR_EQ(test, ep->port, ctx->uplink);
	KUNIT_EXPECT_PTR_EQ(test, rcu_dereference_protected(ep->remote, true),
			    r);
	KUNIT_EXPECT_EQ(test, ctx->uplink->n_endpoints, 1);
	KUNIT_EXPECT_EQ(test, ctx->port->n_endpoints, 0);

	/* Deleting the domain frees its VNI for another. */
	KUNIT_EXPECT_EQ(test, segf_domain_destroy(ctx->dom, true, NULL), 0);
	ctx->dom = NULL;
	KUNIT_EXPECT_EQ(test, ctx->uplink->n_endpoints, 0);
	KUNIT_EXPECT_NULL(test, xa_load(&ctx->sn.vnis, 100));
	KUNIT_EXPECT_EQ(test, segf_domain_set_vni(other, 100, NULL), 0);
	mutex_unlock(&ctx->sn.lock);
}

/* Which groups a frame of generation @gen judges a flood copy to @port by. */
static unsigned int port_groups(struct segf_port *port, u64 gen)
{
	unsigned int i, mask = 0;
	u16 id;

	for (i = 0; i < SEGF_PORT_GROUPS; i++) {
		id = segf_port_group(port, i, gen);
		if (id)
			mask |= BIT(id);
	}
	return mask;
}

static int add_ep_in(struct table_ctx *ctx, u32 n, struct segf_group *grp,
		     struct segf_port *port, u64 born,
		     struct segf_endpoint **ep)
{
	struct segf_endpoint *dummy;
	u8 mac[ETH_ALEN];

	mac_of(mac, n);
	return segf_endpoint_create(ctx->dom, mac, grp, port, NULL, NULL, 0,
				    born, ep ? ep : &dummy, NULL);
}

/*
 * A port keeps the groups of its endpoints for floods: four at most, each
 * seen by the generations that see one of its endpoints there, and a
 * group's slot is reused only once its last endpoint is gone.
 */
static void table_test_port_groups(struct kunit *test)
{
	struct table_ctx *ctx = test->priv;
	struct segf_endpoint *ep3, *ep4, *late, *moved;
	struct segf_addr host = v4(0xc0a83202);
	struct segf_group *grp[6];
	struct segf_remote *old;
	unsigned int i;
	u8 mac[ETH_ALEN];

	mutex_lock(&ctx->sn.lock);
	grp[1] = ctx->grp;
	for (i = 2; i < ARRAY_SIZE(grp); i++) {
		char name[8];

		snprintf(name, sizeof(name), "g%u", i);
		KUNIT_ASSERT_EQ(test, segf_group_create(ctx->dom, i, name,
							&grp[i], NULL), 0);
	}
	KUNIT_EXPECT_EQ(test, port_groups(ctx->port, 1), 0);
	KUNIT_ASSERT_EQ(test, add_ep_in(ctx, 1, grp[1], ctx->port, 1, NULL), 0);
	KUNIT_ASSERT_EQ(test, add_ep_in(ctx, 2, grp[1], ctx->port, 1, NULL), 0);
	KUNIT_ASSERT_EQ(test, add_ep_in(ctx, 3, grp[2], ctx->port, 1, NULL), 0);
	KUNIT_ASSERT_EQ(test, add_ep_in(ctx, 4, grp[3], ctx->port, 1, &ep3), 0);
	KUNIT_ASSERT_EQ(test, add_ep_in(ctx, 5, grp[4], ctx->port, 1, &ep4), 0);
	KUNIT_EXPECT_EQ(test, port_groups(ctx->port, 1),
			BIT(1) | BIT(2) | BIT(3) | BIT(4));
	/* Endpoints behind an uplink take no room on it. */
	KUNIT_EXPECT_EQ(test, port_groups(ctx->uplink, 1), 0);

	/* A fifth group is refused and leaves nothing behind. */
	KUNIT_EXPECT_EQ(test, add_ep_in(ctx, 6, grp[5], ctx->port, 1, NULL),
			-ENOSPC);
	mac_of(mac, 6);
	KUNIT_EXPECT_NULL(test, segf_endpoint_by_mac(ctx->dom, mac));
	KUNIT_EXPECT_EQ(test, ctx->port->n_endpoints, 5);

	/*
	 * Deleted by the commit that builds generation 2: generation 1
	 * still judges by its group once it is unlinked, 2 no more.
	 */
	segf_endpoint_retire(ep4, 2);
	segf_endpoint_unlink(ep4);
	KUNIT_EXPECT_EQ(test, port_groups(ctx->port, 1),
			BIT(1) | BIT(2) | BIT(3) | BIT(4));
	KUNIT_EXPECT_EQ(test, port_groups(ctx->port, 2),
			BIT(1) | BIT(2) | BIT(3));

	/* Its slot goes to a new group, born in generation 3. */
	KUNIT_ASSERT_EQ(test, add_ep_in(ctx, 7, grp[5], ctx->port, 3, &late),
			0);
	KUNIT_EXPECT_EQ(test, port_groups(ctx->port, 2),
			BIT(1) | BIT(2) | BIT(3));
	KUNIT_EXPECT_EQ(test, port_groups(ctx->port, 3),
			BIT(1) | BIT(2) | BIT(3) | BIT(5));

	/* An endpoint no generation saw leaves no trace when undone. */
	segf_endpoint_destroy(late);
	KUNIT_EXPECT_EQ(test, port_groups(ctx->port, 3),
			BIT(1) | BIT(2) | BIT(3));

	/* A move takes the group along at once, and back when undone. */
	KUNIT_ASSERT_EQ(test, segf_domain_set_vni(ctx->dom, 100, NULL), 0);
	KUNIT_ASSERT_EQ(test, add_ep_in(ctx, 8, grp[4], ctx->port, 1, &moved),
			0);
	KUNIT_EXPECT_EQ(test, port_groups(ctx->port, 1),
			BIT(1) | BIT(2) | BIT(3) | BIT(4));
	KUNIT_ASSERT_EQ(test, segf_endpoint_move(moved, ctx->uplink, &host,
						 &old, NULL), 0);
	KUNIT_EXPECT_EQ(test, port_groups(ctx->port, 1),
			BIT(1) | BIT(2) | BIT(3));
	segf_endpoint_unmove(moved, ctx->port, old);
	KUNIT_EXPECT_EQ(test, port_groups(ctx->port, 1),
			BIT(1) | BIT(2) | BIT(3) | BIT(4));

	/* The last of a group's endpoints leaving frees the room. */
	segf_endpoint_destroy(ep3);
	KUNIT_EXPECT_EQ(test, add_ep_in(ctx, 9, grp[5], ctx->port, 1, NULL),
			0);
	KUNIT_EXPECT_EQ(test, port_groups(ctx->port, 2),
			BIT(1) | BIT(2) | BIT(4) | BIT(5));
	mutex_unlock(&ctx->sn.lock);
}

static struct kunit_case segf_table_test_cases[] = {
	KUNIT_CASE(table_test_domain_lookup),
	KUNIT_CASE(table_test_names),
	KUNIT_CASE(table_test_group),
	KUNIT_CASE(table_test_group_names),
	KUNIT_CASE(table_test_endpoint_lookup),
	KUNIT_CASE(table_test_endpoint_refused),
	KUNIT_CASE(table_test_endpoint_many),
	KUNIT_CASE(table_test_remote),
	KUNIT_CASE(table_test_port_groups),
	{}
};

static struct kunit_suite segf_table_test_suite = {
	.name = "segfilter_tables",
	.suite_init = segf_test_wq_init,
	.suite_exit = segf_test_wq_exit,
	.init = table_test_init,
	.exit = table_test_exit,
	.test_cases = segf_table_test_cases,
};

kunit_test_suite(segf_table_test_suite);
