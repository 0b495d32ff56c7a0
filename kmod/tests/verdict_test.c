// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the verdict, segf_verdict(): what it decides for a
 * packet between two groups (a rule's allow, deny or redirect, the
 * domain's default), in which order rules are tried, what a port range
 * and an ICMP type match, what is not judged at all, and that deciding
 * changes nothing: no flow is opened, no rule counter moves.  And which
 * ICMP errors speak for a flow (segf_related()), with real endpoints and
 * flows: an error that came in by an exit only for a flow to outside.
 */

#include <kunit/test.h>
#include <linux/etherdevice.h>
#include <linux/icmp.h>
#include <linux/inet.h>
#include <linux/icmpv6.h>
#include <net/ndisc.h>
#include <net/tcp.h>

#include "datapath.h"
#include "domain.h"
#include "endpoint.h"
#include "flow.h"
#include "policy.h"
#include "segfilter.h"
#include "service.h"
#include "test_util.h"

/* ANY in a rule is any group; as an end of a packet, a peer in none. */
enum { WEB = 1, APP = 2, DB = 3, ANY = 0 };

struct verdict_ctx {
	struct segf_net sn;
	struct segf_domain *dom;
	struct segf_policy pol;		/* built by hand, never published */
	struct segf_group grp[4];	/* by id: WEB, APP, DB */
	struct segf_endpoint ep[4];	/* one in each group */
	struct segf_service svc;	/* without an instance: down */
	struct segf_chain chain;
};

static const struct segf_domain_cfg verdict_cfg = {
	.default_action = SEGFILTER_ACTION_DENY,
	.flow_limit = 16,
	.endpoint_limit = SEGFILTER_ENDPOINT_LIMIT_DEFAULT,
	.rule_limit = SEGFILTER_RULE_LIMIT_DEFAULT,
	.service_limit = SEGFILTER_SERVICE_LIMIT_DEFAULT,
	.chain_limit = SEGFILTER_CHAIN_LIMIT_DEFAULT,
};

static int verdict_test_init(struct kunit *test)
{
	struct verdict_ctx *ctx;
	int err, i;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	segf_test_net_init(&ctx->sn);
	mutex_lock(&ctx->sn.lock);
	err = segf_domain_create(&ctx->sn, 1, "t", &verdict_cfg, &ctx->dom,
				 NULL);
	mutex_unlock(&ctx->sn.lock);
	for (i = WEB; i <= DB; i++) {
		ctx->grp[i].id = i;
		ctx->ep[i].group = &ctx->grp[i];
	}
	ctx->pol.gen = 7;
	ctx->pol.cfg = verdict_cfg;
	strscpy(ctx->svc.name, "fw", sizeof(ctx->svc.name));
	strscpy(ctx->chain.name, "inspect", sizeof(ctx->chain.name));
	ctx->chain.n_services = 1;
	ctx->chain.svc[0] = &ctx->svc;
	test->priv = ctx;
	return err;
}

static void verdict_test_exit(struct kunit *test)
{
	struct verdict_ctx *ctx = test->priv;

	if (ctx->pol.index)
		segf_index_put(ctx->pol.index);
	segf_test_net_exit(&ctx->sn);
}

static struct segf_rule *rule(struct kunit *test, u32 id, u32 prio, u16 src,
			      u16 dst, u8 proto, u8 action)
{
	struct segf_rule *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->id = id;
	r->prio = prio;
	r->src_group = src;
	r->dst_group = dst;
	r->proto = proto;
	r->action = action;
	return r;
}

/* Make @rules the policy's, as a commit would publish them. */
static void set_rules(struct kunit *test, struct segf_rule **rules,
		      unsigned int n)
{
	struct verdict_ctx *ctx = test->priv;
	struct segf_index *idx;

	KUNIT_ASSERT_EQ(test, segf_index_build(rules, n, &idx, NULL), 0);
	if (ctx->pol.index)
		segf_index_put(ctx->pol.index);
	ctx->pol.index = idx;
}

/* A TCP SYN (or, with @flags, another segment) to @dport. */
static void tcp4(struct segf_pkt *p, u16 dport, u8 flags)
{
	memset(p, 0, sizeof(*p));
	p->proto = htons(ETH_P_IP);
	p->v4.saddr = htonl(0x0a000001);
	p->v4.daddr = htonl(0x0a000002);
	p->l4proto = IPPROTO_TCP;
	p->flags = SEGF_PKT_L4;
	p->ttl = 64;
	p->sport = htons(40000);
	p->dport = htons(dport);
	p->tcp_flags = flags;
}

static void udp4(struct segf_pkt *p, u16 dport)
{
	tcp4(p, dport, 0);
	p->l4proto = IPPROTO_UDP;
}

static void icmp4(struct segf_pkt *p, u8 type)
{
	tcp4(p, 0, 0);
	p->l4proto = IPPROTO_ICMP;
	p->icmp_type = type;
	p->icmp_id = htons(1);
}

/* What the verdict says for @p from group @src to group @dst. */
static void judge(struct kunit *test, const struct segf_pkt *p, u16 src,
		  u16 dst, struct segf_decision *d)
{
	struct verdict_ctx *ctx = test->priv;

	memset(d, 1, sizeof(*d));	/* nothing left over counts */
	rcu_read_lock();
	segf_verdict(ctx->dom, &ctx->pol, p, ctx->ep[src].group,
		     ctx->ep[dst].group, jiffies, d);
	rcu_read_unlock();
}

/* A rule that allows: it decides, the packet goes and may open a flow. */
static void verdict_test_allow(struct kunit *test)
{
	struct verdict_ctx *ctx = test->priv;
	struct segf_rule *r = rule(test, 1, 100, WEB, APP, IPPROTO_TCP,
				   SEGFILTER_ACTION_ALLOW);
	struct segf_decision d;
	struct segf_pkt p;

	set_rules(test, &r, 1);
	tcp4(&p, 80, TCPHDR_SYN);
	judge(test, &p, WEB, APP, &d);
	KUNIT_EXPECT_EQ(test, d.action, SEGFILTER_ACTION_ALLOW);
	KUNIT_EXPECT_EQ(test, d.drop, 0);
	KUNIT_EXPECT_PTR_EQ(test, d.rule, r);
	KUNIT_EXPECT_FALSE(test, d.by_default);
	KUNIT_EXPECT_NULL(test, d.chain);
	KUNIT_EXPECT_PTR_EQ(test, d.src, &ctx->grp[WEB]);
	KUNIT_EXPECT_PTR_EQ(test, d.dst, &ctx->grp[APP]);
	KUNIT_EXPECT_EQ(test, d.flow, SEGFILTER_TRACE_FLOW_MISS);
	KUNIT_EXPECT_TRUE(test, d.opens);
	KUNIT_EXPECT_NULL(test, d.found);
	KUNIT_EXPECT_NULL(test, d.expired);

	/* Deciding opened no flow: that is the data path's to do. */
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->dom->n_flows), 0);
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, segf_flow_lookup(ctx->dom, &d.key));
	rcu_read_unlock();

	/* The other way round, no rule: the default, deny. */
	judge(test, &p, APP, WEB, &d);
	KUNIT_EXPECT_EQ(test, d.drop, SEGFILTER_DROP_DEFAULT_DENY);
}

/* A rule that denies: dropped as rule_deny, naming the rule. */
static void verdict_test_deny(struct kunit *test)
{
	struct verdict_ctx *ctx = test->priv;
	struct segf_rule *r = rule(test, 2, 100, WEB, DB, 0,
				   SEGFILTER_ACTION_DENY);
	struct segf_decision d;
	struct segf_pkt p;

	ctx->pol.cfg.default_action = SEGFILTER_ACTION_ALLOW;
	set_rules(test, &r, 1);
	udp4(&p, 5432);
	judge(test, &p, WEB, DB, &d);
	KUNIT_EXPECT_EQ(test, d.action, SEGFILTER_ACTION_DENY);
	KUNIT_EXPECT_EQ(test, d.drop, SEGFILTER_DROP_RULE_DENY);
	KUNIT_EXPECT_PTR_EQ(test, d.rule, r);
	KUNIT_EXPECT_FALSE(test, d.by_default);
}

/*
 * A group pair no rule names gets the domain's default, whichever it
 * is, and says so.
 */
static void verdict_test_default(struct kunit *test)
{
	struct verdict_ctx *ctx = test->priv;
	struct segf_rule *r = rule(test, 3, 100, WEB, APP, 0,
				   SEGFILTER_ACTION_ALLOW);
	struct segf_decision d;
	struct segf_pkt p;

	set_rules(test, &r, 1);
	tcp4(&p, 443, TCPHDR_SYN);
	judge(test, &p, WEB, DB, &d);
	KUNIT_EXPECT_EQ(test, d.action, SEGFILTER_ACTION_DENY);
	KUNIT_EXPECT_EQ(test, d.drop, SEGFILTER_DROP_DEFAULT_DENY);
	KUNIT_EXPECT_NULL(test, d.rule);
	KUNIT_EXPECT_TRUE(test, d.by_default);

	ctx->pol.cfg.default_action = SEGFILTER_ACTION_ALLOW;
	judge(test, &p, WEB, DB, &d);
	KUNIT_EXPECT_EQ(test, d.action, SEGFILTER_ACTION_ALLOW);
	KUNIT_EXPECT_EQ(test, d.drop, 0);
	KUNIT_EXPECT_NULL(test, d.rule);
	KUNIT_EXPECT_TRUE(test, d.by_default);

	/* No rule at all. */
	set_rules(test, NULL, 0);
	judge(test, &p, WEB, APP, &d);
	KUNIT_EXPECT_EQ(test, d.action, SEGFILTER_ACTION_ALLOW);
	KUNIT_EXPECT_TRUE(test, d.by_default);
}

/*
 * Of the rules that match, the lowest priority number decides, then the
 * lowest id; a rule for any source group competes by priority with the
 * pair's own.
 */
static void verdict_test_priority(struct kunit *test)
{
	struct segf_rule *rules[3];
	struct segf_decision d;
	struct segf_pkt p;

	rules[0] = rule(test, 10, 200, WEB, APP, IPPROTO_TCP,
			SEGFILTER_ACTION_ALLOW);
	rules[1] = rule(test, 11, 100, ANY, APP, IPPROTO_TCP,
			SEGFILTER_ACTION_DENY);
	rules[2] = rule(test, 12, 300, WEB, APP, 0, SEGFILTER_ACTION_ALLOW);
	set_rules(test, rules, 3);
	tcp4(&p, 22, TCPHDR_SYN);
	judge(test, &p, WEB, APP, &d);
	KUNIT_ASSERT_NOT_NULL(test, d.rule);
	KUNIT_EXPECT_EQ(test, d.rule->id, 11);
	KUNIT_EXPECT_EQ(test, d.drop, SEGFILTER_DROP_RULE_DENY);

	/* Now the pair's own allow comes first. */
	rules[0] = rule(test, 10, 50, WEB, APP, IPPROTO_TCP,
			SEGFILTER_ACTION_ALLOW);
	rules[1] = rule(test, 11, 100, ANY, APP, IPPROTO_TCP,
			SEGFILTER_ACTION_DENY);
	rules[2] = rule(test, 12, 300, WEB, APP, 0, SEGFILTER_ACTION_ALLOW);
	set_rules(test, rules, 3);
	judge(test, &p, WEB, APP, &d);
	KUNIT_ASSERT_NOT_NULL(test, d.rule);
	KUNIT_EXPECT_EQ(test, d.rule->id, 10);
	KUNIT_EXPECT_EQ(test, d.drop, 0);

	/* UDP matches neither TCP rule: the any-protocol one decides. */
	udp4(&p, 22);
	judge(test, &p, WEB, APP, &d);
	KUNIT_ASSERT_NOT_NULL(test, d.rule);
	KUNIT_EXPECT_EQ(test, d.rule->id, 12);

	/* Same priority: the lower id. */
	rules[0] = rule(test, 21, 100, WEB, APP, 0, SEGFILTER_ACTION_DENY);
	rules[1] = rule(test, 20, 100, WEB, APP, 0, SEGFILTER_ACTION_ALLOW);
	set_rules(test, rules, 2);
	judge(test, &p, WEB, APP, &d);
	KUNIT_ASSERT_NOT_NULL(test, d.rule);
	KUNIT_EXPECT_EQ(test, d.rule->id, 20);
	KUNIT_EXPECT_EQ(test, d.action, SEGFILTER_ACTION_ALLOW);
}

/* A port range matches its ends and what lies between, nothing else. */
static void verdict_test_ports(struct kunit *test)
{
	struct segf_rule *r = rule(test, 30, 100, WEB, APP, IPPROTO_TCP,
				   SEGFILTER_ACTION_ALLOW);
	static const struct {
		u16 port;
		bool allowed;
	} want[] = {
		{ 7999, false }, { 8000, true }, { 8042, true },
		{ 8080, true }, { 8081, false }, { 0, false },
	};
	struct segf_decision d;
	struct segf_pkt p;
	unsigned int i;

	r->flags |= SEGF_RULE_PORTS;
	r->port_min = 8000;
	r->port_max = 8080;
	set_rules(test, &r, 1);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		tcp4(&p, want[i].port, TCPHDR_SYN);
		judge(test, &p, WEB, APP, &d);
		KUNIT_EXPECT_EQ_MSG(test, d.drop, want[i].allowed ? 0 :
				    SEGFILTER_DROP_DEFAULT_DENY,
				    "port %u", want[i].port);
		KUNIT_EXPECT_PTR_EQ_MSG(test, d.rule,
					want[i].allowed ? r : NULL,
					"port %u", want[i].port);
	}
	/* The same port over UDP: not this TCP rule's. */
	udp4(&p, 8042);
	judge(test, &p, WEB, APP, &d);
	KUNIT_EXPECT_EQ(test, d.drop, SEGFILTER_DROP_DEFAULT_DENY);
}

/* An ICMP rule with a type matches that type only. */
static void verdict_test_icmp_type(struct kunit *test)
{
	struct segf_rule *r = rule(test, 40, 100, WEB, APP, IPPROTO_ICMP,
				   SEGFILTER_ACTION_ALLOW);
	struct segf_decision d;
	struct segf_pkt p;

	r->flags |= SEGF_RULE_ICMP_TYPE;
	r->icmp_type = ICMP_ECHO;
	set_rules(test, &r, 1);
	icmp4(&p, ICMP_ECHO);
	judge(test, &p, WEB, APP, &d);
	KUNIT_EXPECT_EQ(test, d.drop, 0);
	KUNIT_EXPECT_PTR_EQ(test, d.rule, r);
	KUNIT_EXPECT_TRUE(test, d.opens);

	icmp4(&p, ICMP_TIMESTAMP);
	judge(test, &p, WEB, APP, &d);
	KUNIT_EXPECT_EQ(test, d.drop, SEGFILTER_DROP_DEFAULT_DENY);
	KUNIT_EXPECT_NULL(test, d.rule);
}

/*
 * A redirect names its chain.  Whether an instance of the chain's
 * services takes the flow is steering's to find out (steer.c): the
 * verdict for a chain that is down is the same redirect.  But a
 * redirected packet travels with a flow, and one that cannot open a
 * flow (a TCP reset, an ICMP message other than an echo request) is
 * dropped as chain_down by the verdict itself, so that trace says so
 * too.
 */
static void verdict_test_redirect(struct kunit *test)
{
	struct verdict_ctx *ctx = test->priv;
	struct segf_rule *r = rule(test, 50, 100, WEB, DB, 0,
				   SEGFILTER_ACTION_REDIRECT);
	struct segf_decision d;
	struct segf_pkt p;

	r->chain = &ctx->chain;
	set_rules(test, &r, 1);
	KUNIT_ASSERT_EQ(test, ctx->svc.n_instances, 0);

	tcp4(&p, 5432, TCPHDR_SYN);
	judge(test, &p, WEB, DB, &d);
	KUNIT_EXPECT_EQ(test, d.action, SEGFILTER_ACTION_REDIRECT);
	KUNIT_EXPECT_EQ(test, d.drop, 0);
	KUNIT_EXPECT_PTR_EQ(test, d.rule, r);
	KUNIT_EXPECT_PTR_EQ(test, d.chain, &ctx->chain);
	KUNIT_EXPECT_TRUE(test, d.opens);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->dom->n_flows), 0);

	tcp4(&p, 5432, TCPHDR_RST);
	judge(test, &p, WEB, DB, &d);
	KUNIT_EXPECT_EQ(test, d.action, SEGFILTER_ACTION_REDIRECT);
	KUNIT_EXPECT_EQ(test, d.drop, SEGFILTER_DROP_CHAIN_DOWN);
	KUNIT_EXPECT_PTR_EQ(test, d.chain, &ctx->chain);

	icmp4(&p, ICMP_ECHOREPLY);
	judge(test, &p, WEB, DB, &d);
	KUNIT_EXPECT_EQ(test, d.drop, SEGFILTER_DROP_CHAIN_DOWN);
	icmp4(&p, ICMP_ECHO);
	judge(test, &p, WEB, DB, &d);
	KUNIT_EXPECT_EQ(test, d.drop, 0);
}

/*
 * Link control is not judged: a neighbour solicitation passes under a
 * default deny, names no group and looks up no flow.
 */
static void verdict_test_link_control(struct kunit *test)
{
	struct segf_decision d;
	struct segf_pkt p;

	set_rules(test, NULL, 0);
	memset(&p, 0, sizeof(p));
	p.proto = htons(ETH_P_IPV6);
	p.l4proto = IPPROTO_ICMPV6;
	p.flags = SEGF_PKT_L4 | SEGF_PKT_ND_NS;
	p.icmp_type = NDISC_NEIGHBOUR_SOLICITATION;
	p.ttl = 255;
	judge(test, &p, WEB, APP, &d);
	KUNIT_EXPECT_EQ(test, d.action, 0);
	KUNIT_EXPECT_EQ(test, d.drop, 0);
	KUNIT_EXPECT_NULL(test, d.src);
	KUNIT_EXPECT_EQ(test, d.flow, SEGFILTER_TRACE_FLOW_NONE);

	/* An echo request is traffic: the default denies it. */
	p.flags = SEGF_PKT_L4;
	p.icmp_type = ICMPV6_ECHO_REQUEST;
	judge(test, &p, WEB, APP, &d);
	KUNIT_EXPECT_EQ(test, d.drop, SEGFILTER_DROP_DEFAULT_DENY);
}

/*
 * A peer in no group is judged as group 0: only rules whose side is
 * "any" apply to it, in either direction, and it names no group.  An
 * exit no longer passes one (a peer outside every prefix group is not
 * reachable), but segf_verdict() still takes it.
 */
static void verdict_test_outside(struct kunit *test)
{
	struct verdict_ctx *ctx = test->priv;
	struct segf_rule *in = rule(test, 1, 100, ANY, WEB, IPPROTO_TCP,
				    SEGFILTER_ACTION_ALLOW);
	struct segf_rule *out = rule(test, 3, 100, WEB, ANY, IPPROTO_UDP,
				     SEGFILTER_ACTION_ALLOW);
	/* set_rules() sorts the array: @in and @out keep their rules. */
	struct segf_rule *r[] = {
		in,
		rule(test, 2, 100, WEB, APP, IPPROTO_TCP,
		     SEGFILTER_ACTION_ALLOW),
		out,
	};
	struct segf_decision d;
	struct segf_pkt p;

	set_rules(test, r, ARRAY_SIZE(r));
	tcp4(&p, 443, TCPHDR_SYN);
	judge(test, &p, ANY, WEB, &d);
	KUNIT_EXPECT_EQ(test, d.action, SEGFILTER_ACTION_ALLOW);
	KUNIT_EXPECT_PTR_EQ(test, d.rule, in);
	KUNIT_EXPECT_NULL(test, d.src);
	KUNIT_EXPECT_PTR_EQ(test, d.dst, &ctx->grp[WEB]);

	/* web -> app does not let the outside reach app. */
	judge(test, &p, ANY, APP, &d);
	KUNIT_EXPECT_EQ(test, d.drop, SEGFILTER_DROP_DEFAULT_DENY);

	udp4(&p, 53);
	judge(test, &p, WEB, ANY, &d);
	KUNIT_EXPECT_PTR_EQ(test, d.rule, out);
	KUNIT_EXPECT_NULL(test, d.dst);
	judge(test, &p, APP, ANY, &d);
	KUNIT_EXPECT_EQ(test, d.drop, SEGFILTER_DROP_DEFAULT_DENY);
}

static struct kunit_case segf_verdict_test_cases[] = {
	KUNIT_CASE(verdict_test_allow),
	KUNIT_CASE(verdict_test_deny),
	KUNIT_CASE(verdict_test_default),
	KUNIT_CASE(verdict_test_priority),
	KUNIT_CASE(verdict_test_ports),
	KUNIT_CASE(verdict_test_icmp_type),
	KUNIT_CASE(verdict_test_redirect),
	KUNIT_CASE(verdict_test_link_control),
	KUNIT_CASE(verdict_test_outside),
	{}
};

static struct kunit_suite segf_verdict_test_suite = {
	.name = "segfilter_verdict",
	.suite_init = segf_test_wq_init,
	.suite_exit = segf_test_wq_exit,
	.init = verdict_test_init,
	.exit = verdict_test_exit,
	.test_cases = segf_verdict_test_cases,
};

/*
 * segf_related(): A (10.0.0.1), B (10.0.0.2) and a router endpoint R
 * (10.0.0.3, which owns 10.50.0.0/16) in one domain; O (198.51.100.7)
 * outside, beyond the exit.  A has three allowed UDP flows: to O, to B
 * and to 10.50.0.9 behind R.  Each error goes to A and quotes what A
 * sent.
 */
#define REL_A		"10.0.0.1"
#define REL_B		"10.0.0.2"
#define REL_R		"10.0.0.3"
#define REL_BEHIND_R	"10.50.0.9"
#define REL_R_NET	"10.50.0.1"
#define REL_O		"198.51.100.7"
#define REL_O_ROUTER	"203.0.113.1"

struct related_ctx {
	struct segf_net sn;
	struct segf_domain *dom;
	struct segf_group *grp;
	struct segf_port port;
	struct segf_policy pol;		/* built by hand, never published */
	struct segf_endpoint *r;
};

static __be32 ip4(const char *s)
{
	__be32 a;

	WARN_ON(!in4_pton(s, -1, (u8 *)&a, -1, NULL));
	return a;
}

static struct segf_endpoint *related_endpoint(struct kunit *test,
					      struct related_ctx *ctx, u8 last,
					      const char *addr)
{
	u8 mac[ETH_ALEN] = { 2, 0, 0, 0, 0, last };
	struct segf_addr a;
	struct segf_endpoint *ep;
	int err;

	segf_addr_v4(&a, ip4(addr));
	mutex_lock(&ctx->sn.lock);
	err = segf_endpoint_create(ctx->dom, mac, ctx->grp, &ctx->port, NULL,
				   &a, 1, 1, &ep, NULL);
	mutex_unlock(&ctx->sn.lock);
	KUNIT_ASSERT_EQ(test, err, 0);
	return ep;
}

/* A UDP datagram from @s:@sport to @d:7000 (53 to @O). */
static void related_udp(struct segf_pkt *p, const char *s, u16 sport,
			const char *d)
{
	memset(p, 0, sizeof(*p));
	p->proto = htons(ETH_P_IP);
	p->v4.saddr = ip4(s);
	p->v4.daddr = ip4(d);
	p->l4proto = IPPROTO_UDP;
	p->flags = SEGF_PKT_L4;
	p->ttl = 64;
	p->sport = htons(sport);
	p->dport = htons(strcmp(d, REL_O) ? 7000 : 53);
}

/* Open the flow of a datagram from A, allowed by generation 1. */
static void related_flow(struct kunit *test, struct related_ctx *ctx,
			 u16 sport, const char *d)
{
	struct segf_verdict v = { .action = SEGFILTER_ACTION_ALLOW };
	struct segf_flow_key key;
	struct segf_flow *flow;
	struct segf_pkt p;
	u8 side;

	related_udp(&p, REL_A, sport, d);
	KUNIT_ASSERT_TRUE(test, segf_flow_key_make(&p, &key, &side));
	rcu_read_lock();
	flow = segf_flow_create(ctx->dom, &ctx->pol, &key, side, &p, &v, NULL);
	rcu_read_unlock();
	KUNIT_ASSERT_NOT_NULL(test, flow);
}

static int related_test_init(struct kunit *test)
{
	struct related_ctx *ctx;
	struct segf_prefix *pfx;
	int err;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	pfx = kunit_kzalloc(test, sizeof(*pfx), GFP_KERNEL);
	if (!ctx || !pfx)
		return -ENOMEM;
	test->priv = ctx;
	segf_test_net_init(&ctx->sn);
	mutex_lock(&ctx->sn.lock);
	err = segf_domain_create(&ctx->sn, 1, "t", &verdict_cfg, &ctx->dom,
				 NULL);
	if (!err)
		err = segf_group_create(ctx->dom, WEB, "web", &ctx->grp, NULL);
	mutex_unlock(&ctx->sn.lock);
	if (err)
		return err;
	ctx->port.sn = &ctx->sn;
	ctx->port.domain = ctx->dom;
	ctx->port.role = SEGFILTER_PORT_ROLE_ENDPOINT;
	related_endpoint(test, ctx, 1, REL_A);
	related_endpoint(test, ctx, 2, REL_B);
	ctx->r = related_endpoint(test, ctx, 3, REL_R);

	ctx->pol.gen = 1;
	ctx->pol.cfg = verdict_cfg;
	segf_addr_v4(&pfx->key.addr, ip4("10.50.0.0"));
	pfx->key.len = 16;
	pfx->owned = true;
	pfx->own.born = ctx->r->born;
	ether_addr_copy(pfx->own.mac, ctx->r->mac);
	err = segf_pfx_table_build(&pfx, 1, &ctx->pol.prefixes);
	if (err)
		return err;

	related_flow(test, ctx, 40000, REL_O);
	related_flow(test, ctx, 40001, REL_B);
	related_flow(test, ctx, 40002, REL_BEHIND_R);
	return 0;
}

static void related_test_exit(struct kunit *test)
{
	struct related_ctx *ctx = test->priv;

	segf_pfx_table_put(ctx->pol.prefixes);
	segf_test_net_exit(&ctx->sn);
}

/*
 * Whether an ICMP port unreachable from @from to A, quoting A's
 * datagram from @sport to @to, speaks for its flow, having come in by
 * the exit (@outside) or not.
 */
static bool related(struct kunit *test, const char *from, u16 sport,
		    const char *to, bool outside)
{
	struct related_ctx *ctx = test->priv;
	struct segf_decision d = {};
	struct segf_pkt p, q;
	bool ret;

	related_udp(&q, REL_A, sport, to);
	memset(&p, 0, sizeof(p));
	p.proto = htons(ETH_P_IP);
	p.v4.saddr = ip4(from);
	p.v4.daddr = ip4(REL_A);
	p.l4proto = IPPROTO_ICMP;
	p.flags = SEGF_PKT_L4 | SEGF_PKT_QUOTED;
	p.ttl = 64;
	p.icmp_type = ICMP_DEST_UNREACH;
	p.icmp_code = ICMP_PORT_UNREACH;
	p.quoted.addr.v4[0] = q.v4.saddr;
	p.quoted.addr.v4[1] = q.v4.daddr;
	p.quoted.sport = q.sport;
	p.quoted.dport = q.dport;
	p.quoted.proto = IPPROTO_UDP;

	rcu_read_lock();
	ret = segf_related(ctx->dom, &ctx->pol, &p, outside, jiffies, &d);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, d.related, ret);
	if (ret)
		KUNIT_EXPECT_EQ(test, d.action, SEGFILTER_ACTION_ALLOW);
	return ret;
}

/* An error from beyond the exit about A's flow to O passes. */
static void related_test_out(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, related(test, REL_O_ROUTER, 40000, REL_O,
					true));
	KUNIT_EXPECT_TRUE(test, related(test, REL_O, 40000, REL_O, true));
	/* No such flow: the ports differ. */
	KUNIT_EXPECT_FALSE(test, related(test, REL_O_ROUTER, 40009, REL_O,
					 true));
}

/*
 * What came in by the exit is outside whatever its source says: it
 * speaks for no flow to an endpoint, nor to a host behind an endpoint's
 * prefix, even with the source of that endpoint or prefix, which from
 * an endpoint's own port would speak for it.
 */
static void related_test_in(struct kunit *test)
{
	/* B's own address, from B's port: B speaks for A's flow to B. */
	KUNIT_EXPECT_TRUE(test, related(test, REL_B, 40001, REL_B, false));
	KUNIT_EXPECT_FALSE(test, related(test, REL_B, 40001, REL_B, true));
	KUNIT_EXPECT_FALSE(test, related(test, REL_O_ROUTER, 40001, REL_B,
					 true));
	/* R's subnet, from R's port: R routes for it. */
	KUNIT_EXPECT_TRUE(test, related(test, REL_R_NET, 40002, REL_BEHIND_R,
					false));
	KUNIT_EXPECT_TRUE(test, related(test, REL_R, 40002, REL_BEHIND_R,
					false));
	KUNIT_EXPECT_FALSE(test, related(test, REL_R_NET, 40002, REL_BEHIND_R,
					 true));
	KUNIT_EXPECT_FALSE(test, related(test, REL_BEHIND_R, 40002,
					 REL_BEHIND_R, true));
}

/*
 * Not by the exit: nobody outside speaks for a flow inside, and no
 * endpoint for a flow it is not an end of.
 */
static void related_test_inside(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, related(test, REL_O_ROUTER, 40001, REL_B,
					 false));
	KUNIT_EXPECT_FALSE(test, related(test, REL_R, 40001, REL_B, false));
	KUNIT_EXPECT_FALSE(test, related(test, REL_B, 40002, REL_BEHIND_R,
					 false));
}

static struct kunit_case segf_related_test_cases[] = {
	KUNIT_CASE(related_test_out),
	KUNIT_CASE(related_test_in),
	KUNIT_CASE(related_test_inside),
	{}
};

static struct kunit_suite segf_related_test_suite = {
	.name = "segfilter_related",
	.suite_init = segf_test_wq_init,
	.suite_exit = segf_test_wq_exit,
	.init = related_test_init,
	.exit = related_test_exit,
	.test_cases = segf_related_test_cases,
};

kunit_test_suites(&segf_verdict_test_suite, &segf_related_test_suite);
