// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the policy: how rules fold into the group-pair index
 * (any-group rules, priorities, port ranges, ICMP types), the canonical
 * flow key and the flow state machine, and commits: a generation is
 * published whole or not at all, and endpoints appear and disappear
 * with it.
 */

#include <kunit/test.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <net/tcp.h>

#include "domain.h"
#include "endpoint.h"
#include "flow.h"
#include "parse.h"
#include "policy.h"
#include "port.h"
#include "service.h"
#include "segfilter.h"
#include "test_util.h"
#include "txn.h"

enum { WEB = 1, APP = 2, DB = 3, ANY = 0 };

static struct segf_rule *mk_rule(struct kunit *test, u32 id, u32 prio,
				 u16 src, u16 dst, u8 proto, u8 action)
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

static void set_ports(struct segf_rule *r, u16 lo, u16 hi)
{
	r->flags |= SEGF_RULE_PORTS;
	r->port_min = lo;
	r->port_max = hi;
}

static struct segf_match tcp(u16 dport)
{
	return (struct segf_match){ .proto = IPPROTO_TCP, .has_ports = true,
				    .dport = dport };
}

static struct segf_match udp(u16 dport)
{
	return (struct segf_match){ .proto = IPPROTO_UDP, .has_ports = true,
				    .dport = dport };
}

static struct segf_match icmp(u8 type)
{
	return (struct segf_match){ .proto = IPPROTO_ICMP, .has_type = true,
				    .icmp_type = type };
}

static struct segf_index *build(struct kunit *test, struct segf_rule **rules,
				unsigned int n)
{
	struct segf_index *idx;

	KUNIT_ASSERT_EQ(test, segf_index_build(rules, n, &idx, NULL), 0);
	return idx;
}

/*
 * Pair rules, (g, any), (any, g) and (any, any) rules fold into one list
 * per pair, by priority; a pair with no rule of its own finds the right
 * fold.
 */
static void policy_test_fold(struct kunit *test)
{
	struct segf_rule *web_app = mk_rule(test, 1, 100, WEB, APP,
					    IPPROTO_TCP, SEGFILTER_ACTION_ALLOW);
	struct segf_rule *web_any = mk_rule(test, 2, 50, WEB, ANY,
					    IPPROTO_UDP, SEGFILTER_ACTION_DENY);
	struct segf_rule *any_db = mk_rule(test, 3, 10, ANY, DB, 0,
					   SEGFILTER_ACTION_DENY);
	struct segf_rule *any_any = mk_rule(test, 4, 500, ANY, ANY,
					    IPPROTO_ICMP, SEGFILTER_ACTION_ALLOW);
	struct segf_rule *app_db = mk_rule(test, 5, 5, APP, DB, IPPROTO_TCP,
					   SEGFILTER_ACTION_ALLOW);
	struct segf_rule *rules[] = { web_app, web_any, any_db, any_any,
				      app_db };
	const struct segf_pair *p;
	struct segf_index *idx;
	struct segf_match m;

	set_ports(web_app, 8080, 8080);
	set_ports(app_db, 5432, 5432);
	idx = build(test, rules, ARRAY_SIZE(rules));

	m = tcp(8080);
	KUNIT_EXPECT_PTR_EQ(test, segf_index_lookup(idx, WEB, APP, &m), web_app);
	m = udp(53);
	KUNIT_EXPECT_PTR_EQ(test, segf_index_lookup(idx, WEB, APP, &m), web_any);
	m = icmp(ICMP_ECHO);
	KUNIT_EXPECT_PTR_EQ(test, segf_index_lookup(idx, WEB, APP, &m), any_any);
	/* (web, db) has no rule of its own: (web, any) x (any, db). */
	m = tcp(5432);
	KUNIT_EXPECT_PTR_EQ(test, segf_index_lookup(idx, WEB, DB, &m), any_db);
	/* app_db comes first by priority (5 < 10). */
	KUNIT_EXPECT_PTR_EQ(test, segf_index_lookup(idx, APP, DB, &m), app_db);
	m = tcp(80);
	KUNIT_EXPECT_PTR_EQ(test, segf_index_lookup(idx, APP, DB, &m), any_db);
	/* Nothing for db -> web over TCP: the default decides. */
	KUNIT_EXPECT_NULL(test, segf_index_lookup(idx, DB, WEB, &m));
	m = icmp(ICMP_ECHO);
	KUNIT_EXPECT_PTR_EQ(test, segf_index_lookup(idx, DB, WEB, &m), any_any);
	/* Groups no rule names at all, and floods (no destination group). */
	KUNIT_EXPECT_PTR_EQ(test, segf_index_lookup(idx, 77, 78, &m), any_any);
	m = udp(67);
	KUNIT_EXPECT_PTR_EQ(test, segf_index_lookup(idx, WEB, ANY, &m), web_any);
	KUNIT_EXPECT_NULL(test, segf_index_lookup(idx, APP, ANY, &m));

	/* The folded list of (web, app) is ordered by priority. */
	p = segf_index_pair(idx, WEB, APP);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, p->n, 3);
	KUNIT_EXPECT_PTR_EQ(test, segf_pair_rule(idx, p, 0), web_any);
	KUNIT_EXPECT_PTR_EQ(test, segf_pair_rule(idx, p, 1), web_app);
	KUNIT_EXPECT_PTR_EQ(test, segf_pair_rule(idx, p, 2), any_any);
	/* (web, db): the cross fold, any_db first. */
	p = segf_index_pair(idx, WEB, DB);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, p->n, 3);
	KUNIT_EXPECT_PTR_EQ(test, segf_pair_rule(idx, p, 0), any_db);
	/* A pair only ever holds what applies to it: db -> web, one rule. */
	p = segf_index_pair(idx, DB, WEB);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, p->n, 1);
	segf_index_put(idx);
}

/* Equal priorities: the lower rule id first, whatever the input order. */
static void policy_test_priority(struct kunit *test)
{
	struct segf_rule *a = mk_rule(test, 9, 100, WEB, APP, 0,
				      SEGFILTER_ACTION_DENY);
	struct segf_rule *b = mk_rule(test, 3, 100, WEB, APP, 0,
				      SEGFILTER_ACTION_ALLOW);
	struct segf_rule *c = mk_rule(test, 1, 200, WEB, APP, 0,
				      SEGFILTER_ACTION_DENY);
	struct segf_rule *rules[] = { c, a, b };
	struct segf_match m = tcp(1);
	struct segf_index *idx;

	idx = build(test, rules, ARRAY_SIZE(rules));
	KUNIT_EXPECT_PTR_EQ(test, segf_index_lookup(idx, WEB, APP, &m), b);
	segf_index_put(idx);
}

/* Port ranges are inclusive; a fragment without ports matches none. */
static void policy_test_ports(struct kunit *test)
{
	struct segf_rule *r = mk_rule(test, 1, 1, WEB, APP, IPPROTO_TCP,
				      SEGFILTER_ACTION_ALLOW);
	struct segf_rule *t = mk_rule(test, 2, 1, WEB, APP, IPPROTO_ICMP,
				      SEGFILTER_ACTION_ALLOW);
	struct segf_match m;

	set_ports(r, 1000, 2000);
	m = tcp(999);
	KUNIT_EXPECT_FALSE(test, segf_rule_matches(r, &m));
	m = tcp(1000);
	KUNIT_EXPECT_TRUE(test, segf_rule_matches(r, &m));
	m = tcp(2000);
	KUNIT_EXPECT_TRUE(test, segf_rule_matches(r, &m));
	m = tcp(2001);
	KUNIT_EXPECT_FALSE(test, segf_rule_matches(r, &m));
	m = udp(1500);
	KUNIT_EXPECT_FALSE(test, segf_rule_matches(r, &m));
	m = tcp(1500);
	m.has_ports = false;
	KUNIT_EXPECT_FALSE(test, segf_rule_matches(r, &m));

	t->flags |= SEGF_RULE_ICMP_TYPE;
	t->icmp_type = ICMP_ECHO;
	m = icmp(ICMP_ECHO);
	KUNIT_EXPECT_TRUE(test, segf_rule_matches(t, &m));
	m = icmp(ICMP_TIMESTAMP);
	KUNIT_EXPECT_FALSE(test, segf_rule_matches(t, &m));
}

/*
 * A large policy: every pair finds its own rule and nothing else, pairs
 * without rules find none, and the table (not a power of two in size,
 * so probes wrap at its end) stays at most two thirds full.
 */
static void policy_test_many_pairs(struct kunit *test)
{
	enum { SRCS = 61, DSTS = 53, N = SRCS * DSTS };
	struct segf_match m = udp(9);
	struct segf_rule **rules;
	struct segf_index *idx;
	unsigned int i, s, d;

	rules = kunit_kcalloc(test, N, sizeof(*rules), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rules);
	for (i = 0; i < N; i++)
		rules[i] = mk_rule(test, i + 1, 100, 10 + i / DSTS,
				   1000 + i % DSTS, IPPROTO_UDP,
				   SEGFILTER_ACTION_ALLOW);
	idx = build(test, rules, N);
	KUNIT_EXPECT_EQ(test, idx->n_pairs, N);
	KUNIT_EXPECT_GE(test, 2 * idx->slots, 3 * idx->n_pairs);

	for (s = 0; s < SRCS; s++) {
		for (d = 0; d < DSTS; d++) {
			const struct segf_rule *r;

			r = segf_index_lookup(idx, 10 + s, 1000 + d, &m);
			KUNIT_ASSERT_NOT_NULL(test, r);
			KUNIT_EXPECT_EQ(test, r->id, s * DSTS + d + 1);
		}
		/* The source, towards groups no rule names. */
		KUNIT_EXPECT_NULL(test, segf_index_lookup(idx, 10 + s, 999, &m));
		KUNIT_EXPECT_NULL(test, segf_index_lookup(idx, 10 + s, 0, &m));
	}
	/* Reversed pairs and unknown groups. */
	KUNIT_EXPECT_NULL(test, segf_index_lookup(idx, 1000, 10, &m));
	KUNIT_EXPECT_NULL(test, segf_index_pair(idx, 9, 1000));
	segf_index_put(idx);
}

static void pkt4(struct segf_pkt *p, u32 s, u32 d, u8 proto, u16 sp, u16 dp)
{
	memset(p, 0, sizeof(*p));
	p->proto = htons(ETH_P_IP);
	p->v4.saddr = htonl(s);
	p->v4.daddr = htonl(d);
	p->l4proto = proto;
	p->flags = SEGF_PKT_L4;
	p->sport = htons(sp);
	p->dport = htons(dp);
}

/* Both directions of a flow find one key, from opposite ends. */
static void policy_test_flow_key(struct kunit *test)
{
	struct segf_flow_key k1, k2;
	struct segf_pkt p;
	u8 s1, s2;

	pkt4(&p, 0x0a000102, 0x0a000101, IPPROTO_TCP, 40000, 8080);
	KUNIT_ASSERT_TRUE(test, segf_flow_key_make(&p, &k1, &s1));
	pkt4(&p, 0x0a000101, 0x0a000102, IPPROTO_TCP, 8080, 40000);
	KUNIT_ASSERT_TRUE(test, segf_flow_key_make(&p, &k2, &s2));
	KUNIT_EXPECT_EQ(test, memcmp(&k1, &k2, sizeof(k1)), 0);
	KUNIT_EXPECT_NE(test, s1, s2);

	/* Same addresses, other ports: another flow. */
	pkt4(&p, 0x0a000102, 0x0a000101, IPPROTO_TCP, 40001, 8080);
	KUNIT_ASSERT_TRUE(test, segf_flow_key_make(&p, &k2, &s2));
	KUNIT_EXPECT_NE(test, memcmp(&k1, &k2, sizeof(k1)), 0);
	/* And another protocol. */
	pkt4(&p, 0x0a000102, 0x0a000101, IPPROTO_UDP, 40000, 8080);
	KUNIT_ASSERT_TRUE(test, segf_flow_key_make(&p, &k2, &s2));
	KUNIT_EXPECT_NE(test, memcmp(&k1, &k2, sizeof(k1)), 0);

	/* Echo request and reply: one flow, by identifier. */
	pkt4(&p, 0x0a000102, 0x0a000101, IPPROTO_ICMP, 0, 0);
	p.icmp_type = ICMP_ECHO;
	p.icmp_id = htons(77);
	KUNIT_ASSERT_TRUE(test, segf_flow_key_make(&p, &k1, &s1));
	pkt4(&p, 0x0a000101, 0x0a000102, IPPROTO_ICMP, 0, 0);
	p.icmp_type = ICMP_ECHOREPLY;
	p.icmp_id = htons(77);
	KUNIT_ASSERT_TRUE(test, segf_flow_key_make(&p, &k2, &s2));
	KUNIT_EXPECT_EQ(test, memcmp(&k1, &k2, sizeof(k1)), 0);
	KUNIT_EXPECT_NE(test, s1, s2);
	/* The other end's own request with that id does not ride it. */
	p.icmp_type = ICMP_ECHO;
	KUNIT_ASSERT_TRUE(test, segf_flow_key_make(&p, &k2, &s2));
	KUNIT_EXPECT_NE(test, memcmp(&k1, &k2, sizeof(k1)), 0);
	/* Other ICMP and fragments without ports have no flow. */
	p.icmp_type = ICMP_DEST_UNREACH;
	KUNIT_EXPECT_FALSE(test, segf_flow_key_make(&p, &k2, &s2));
	pkt4(&p, 0x0a000102, 0x0a000101, IPPROTO_UDP, 0, 0);
	p.flags = SEGF_PKT_FRAGMENT;
	KUNIT_EXPECT_FALSE(test, segf_flow_key_make(&p, &k2, &s2));

	/* IPv6: the same symmetry. */
	memset(&p, 0, sizeof(p));
	p.proto = htons(ETH_P_IPV6);
	p.v6.saddr.s6_addr[15] = 2;
	p.v6.daddr.s6_addr[15] = 1;
	p.l4proto = IPPROTO_UDP;
	p.flags = SEGF_PKT_L4;
	p.sport = htons(5000);
	p.dport = htons(53);
	KUNIT_ASSERT_TRUE(test, segf_flow_key_make(&p, &k1, &s1));
	swap(p.v6.saddr, p.v6.daddr);
	swap(p.sport, p.dport);
	KUNIT_ASSERT_TRUE(test, segf_flow_key_make(&p, &k2, &s2));
	KUNIT_EXPECT_EQ(test, memcmp(&k1, &k2, sizeof(k1)), 0);
	KUNIT_EXPECT_NE(test, s1, s2);
}

/*
 * End 0 of a key is the lower address in network byte order, then the
 * lower port: the order flows had when the ends were sorted by memcmp().
 */
static void policy_test_flow_key_order(struct kunit *test)
{
	struct segf_flow_key k;
	struct segf_pkt p;
	u8 side;

	/* 10.0.1.2 < 10.0.2.1, though not as little-endian words. */
	pkt4(&p, 0x0a000201, 0x0a000102, IPPROTO_UDP, 1, 2);
	KUNIT_ASSERT_TRUE(test, segf_flow_key_make(&p, &k, &side));
	KUNIT_EXPECT_EQ(test, side, 1);
	KUNIT_EXPECT_EQ(test, k.addr.v4[0], htonl(0x0a000102));
	KUNIT_EXPECT_EQ(test, k.port[0], htons(2));
	/* Same address: by port, 0x0100 above 0x00ff. */
	pkt4(&p, 0x0a000101, 0x0a000101, IPPROTO_TCP, 0x100, 0xff);
	KUNIT_ASSERT_TRUE(test, segf_flow_key_make(&p, &k, &side));
	KUNIT_EXPECT_EQ(test, side, 1);
	KUNIT_EXPECT_EQ(test, k.port[0], htons(0xff));

	/* IPv6: the addresses differ in the first and in the last byte. */
	memset(&p, 0, sizeof(p));
	p.proto = htons(ETH_P_IPV6);
	p.l4proto = IPPROTO_UDP;
	p.flags = SEGF_PKT_L4;
	p.v6.saddr.s6_addr[0] = 0xfd;
	p.v6.saddr.s6_addr[15] = 1;
	p.v6.daddr.s6_addr[0] = 0xfc;
	p.v6.daddr.s6_addr[15] = 2;
	KUNIT_ASSERT_TRUE(test, segf_flow_key_make(&p, &k, &side));
	KUNIT_EXPECT_EQ(test, side, 1);
	KUNIT_EXPECT_EQ(test, k.addr.v6[0].s6_addr[0], 0xfc);
	p.v6.daddr.s6_addr[0] = 0xfd;
	p.v6.daddr.s6_addr[8] = 1;
	KUNIT_ASSERT_TRUE(test, segf_flow_key_make(&p, &k, &side));
	KUNIT_EXPECT_EQ(test, side, 0);
	KUNIT_EXPECT_EQ(test, k.addr.v6[1].s6_addr[8], 1);
	p.v6.daddr.s6_addr[8] = 0;
	KUNIT_ASSERT_TRUE(test, segf_flow_key_make(&p, &k, &side));
	KUNIT_EXPECT_EQ(test, side, 0);
	KUNIT_EXPECT_EQ(test, k.addr.v6[1].s6_addr[15], 2);
}

/* TCP follows the handshake and closing; idle flows expire. */
static void policy_test_flow_expiry(struct kunit *test)
{
	struct segf_flow f = { .init_side = 0, .state = SEGF_FLOW_TCP_SYN_SENT };
	unsigned long now = 100000;
	struct segf_pkt p;

	pkt4(&p, 1, 2, IPPROTO_TCP, 1, 2);
	f.expires = now + segf_flow_timeout(f.state);
	KUNIT_EXPECT_FALSE(test, segf_flow_expired(&f, now));
	KUNIT_EXPECT_TRUE(test, segf_flow_expired(&f, now + 61 * HZ));

	p.tcp_flags = TCPHDR_SYN | TCPHDR_ACK;
	segf_flow_update(&f, &p, 1, now);
	KUNIT_EXPECT_EQ(test, f.state, SEGF_FLOW_TCP_SYN_RECV);
	p.tcp_flags = TCPHDR_ACK;
	segf_flow_update(&f, &p, 0, now);
	KUNIT_EXPECT_EQ(test, f.state, SEGF_FLOW_TCP_ESTABLISHED);
	KUNIT_EXPECT_FALSE(test, segf_flow_expired(&f, now + 3600 * HZ));

	p.tcp_flags = TCPHDR_FIN | TCPHDR_ACK;
	segf_flow_update(&f, &p, 0, now);
	KUNIT_EXPECT_EQ(test, f.state, SEGF_FLOW_TCP_FIN_WAIT);
	segf_flow_update(&f, &p, 1, now);
	KUNIT_EXPECT_EQ(test, f.state, SEGF_FLOW_TCP_CLOSED);
	KUNIT_EXPECT_TRUE(test, segf_flow_expired(&f, now + 11 * HZ));

	/* A reset closes at once. */
	f.state = SEGF_FLOW_TCP_ESTABLISHED;
	f.fin = 0;
	p.tcp_flags = TCPHDR_RST;
	segf_flow_update(&f, &p, 1, now);
	KUNIT_EXPECT_EQ(test, f.state, SEGF_FLOW_TCP_CLOSED);

	/* UDP: a reply lengthens the idle timeout. */
	f.state = SEGF_FLOW_UDP;
	pkt4(&p, 1, 2, IPPROTO_UDP, 1, 2);
	segf_flow_update(&f, &p, 0, now);
	KUNIT_EXPECT_EQ(test, f.state, SEGF_FLOW_UDP);
	KUNIT_EXPECT_TRUE(test, segf_flow_expired(&f, now + 31 * HZ));
	segf_flow_update(&f, &p, 1, now);
	KUNIT_EXPECT_EQ(test, f.state, SEGF_FLOW_UDP_REPLIED);
	KUNIT_EXPECT_FALSE(test, segf_flow_expired(&f, now + 31 * HZ));
}

/* A flow no packet of the other end answered lives unreplied_timeout. */
static void policy_test_flow_unreplied(struct kunit *test)
{
	struct segf_flow f = { .init_side = 0,
			       .state = SEGF_FLOW_TCP_ESTABLISHED };
	unsigned int ttl = READ_ONCE(segf_unreplied_timeout);
	unsigned long now = 100000;
	struct segf_pkt p;

	/* A bare ACK, as a flow picked up mid-stream starts. */
	pkt4(&p, 1, 2, IPPROTO_TCP, 1, 2);
	p.tcp_flags = TCPHDR_ACK;
	segf_flow_update(&f, &p, 0, now);
	KUNIT_EXPECT_FALSE(test, f.replied);
	KUNIT_EXPECT_FALSE(test, segf_flow_expired(&f, now + (ttl - 1) * HZ));
	KUNIT_EXPECT_TRUE(test, segf_flow_expired(&f, now + (ttl + 1) * HZ));

	/* The other end answers: the state's own timeout. */
	segf_flow_update(&f, &p, 1, now);
	KUNIT_EXPECT_TRUE(test, f.replied);
	KUNIT_EXPECT_FALSE(test, segf_flow_expired(&f, now + 3600 * HZ));
}

/*
 * A flow's ends (segf_flow_learn(), segf_flow_known()): known only to
 * the generation that learned them, only for the end that sent and only
 * while the flow is allowed; a new generation's judgement forgets them.
 */
static void policy_test_flow_ends(struct kunit *test)
{
	struct segf_flow *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	const struct segf_endpoint *a, *b, *c, *dst;
	struct segf_verdict v = { .action = SEGFILTER_ACTION_ALLOW };
	struct segf_rule *rule;

	KUNIT_ASSERT_NOT_NULL(test, f);
	a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, a && b && c);
	spin_lock_init(&f->lock);
	seqcount_spinlock_init(&f->seq, &f->lock);
	f->gen = 5;
	f->action = SEGFILTER_ACTION_ALLOW;

	KUNIT_EXPECT_FALSE(test, segf_flow_known(f, 5, 0, a, &dst, &rule));
	/* A packet judged by an older generation teaches nothing. */
	segf_flow_learn(f, 4, 0, a, b);
	KUNIT_EXPECT_FALSE(test, segf_flow_known(f, 5, 0, a, &dst, &rule));

	segf_flow_learn(f, 5, 0, a, b);
	KUNIT_EXPECT_TRUE(test, segf_flow_known(f, 5, 0, a, &dst, &rule));
	KUNIT_EXPECT_PTR_EQ(test, dst, b);
	KUNIT_EXPECT_TRUE(test, segf_flow_known(f, 5, 1, b, &dst, &rule));
	KUNIT_EXPECT_PTR_EQ(test, dst, a);
	/* Another sender, either end's, or another generation: not known. */
	KUNIT_EXPECT_FALSE(test, segf_flow_known(f, 5, 0, c, &dst, &rule));
	KUNIT_EXPECT_FALSE(test, segf_flow_known(f, 5, 1, a, &dst, &rule));
	KUNIT_EXPECT_FALSE(test, segf_flow_known(f, 6, 0, a, &dst, &rule));

	/* Judged again by generation 6: its ends must be learned anew. */
	segf_flow_rejudged(f, 6, &v, NULL);
	KUNIT_EXPECT_FALSE(test, segf_flow_known(f, 6, 0, a, &dst, &rule));
	segf_flow_learn(f, 6, 1, b, c);
	KUNIT_EXPECT_TRUE(test, segf_flow_known(f, 6, 0, c, &dst, &rule));
	KUNIT_EXPECT_PTR_EQ(test, dst, b);

	/* A redirected flow always takes the full path. */
	v.action = SEGFILTER_ACTION_REDIRECT;
	segf_flow_rejudged(f, 7, &v, NULL);
	segf_flow_learn(f, 7, 0, a, b);
	KUNIT_EXPECT_FALSE(test, segf_flow_known(f, 7, 0, a, &dst, &rule));
}

struct commit_ctx {
	struct segf_net sn;
	struct segf_domain *dom;
	struct segf_group *web;
	struct segf_port port;
};

static const struct segf_domain_cfg commit_cfg = {
	.default_action = SEGFILTER_ACTION_DENY,
	.flow_limit = 16,
	.endpoint_limit = SEGFILTER_ENDPOINT_LIMIT_DEFAULT,
	.rule_limit = SEGFILTER_RULE_LIMIT_DEFAULT,
	.service_limit = SEGFILTER_SERVICE_LIMIT_DEFAULT,
	.chain_limit = SEGFILTER_CHAIN_LIMIT_DEFAULT,
};

static int commit_test_init(struct kunit *test)
{
	struct commit_ctx *ctx;
	int err;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	segf_test_net_init(&ctx->sn);
	mutex_lock(&ctx->sn.lock);
	err = segf_domain_create(&ctx->sn, 1, "t", &commit_cfg, &ctx->dom,
				 NULL);
	if (!err)
		err = segf_group_create(ctx->dom, WEB, "web", &ctx->web, NULL);
	mutex_unlock(&ctx->sn.lock);
	ctx->port.sn = &ctx->sn;
	ctx->port.domain = ctx->dom;
	ctx->port.role = SEGFILTER_PORT_ROLE_ENDPOINT;
	test->priv = ctx;
	return err;
}

static void commit_test_exit(struct kunit *test)
{
	struct commit_ctx *ctx = test->priv;

	segf_test_net_exit(&ctx->sn);
}

static struct segf_policy *current_policy(struct commit_ctx *ctx)
{
	return rcu_dereference_protected(ctx->dom->policy,
					 lockdep_is_held(&ctx->sn.lock));
}

static struct segf_rule *commit_rule(struct segf_commit *c,
				     struct commit_ctx *ctx, u32 id)
{
	struct segf_rule *rule = segf_rule_alloc();

	if (!rule)
		return NULL;
	rule->id = id;
	rule->src_group = WEB;
	rule->action = SEGFILTER_ACTION_ALLOW;
	segf_commit_touch(c, ctx->dom);
	if (segf_rule_link(ctx->dom, rule, NULL)) {
		segf_rule_free(rule);
		return NULL;
	}
	if (segf_commit_record(c, SEGF_UNDO_RULE_NEW, rule)) {
		segf_rule_unlink(rule);
		segf_rule_free(rule);
		return NULL;
	}
	return rule;
}

/*
 * A commit publishes its rules and endpoints in one new generation; the
 * data path's view of the old one does not change until then.  A failed
 * commit leaves the generation, the rules and the endpoints as they were.
 */
static void policy_test_generation(struct kunit *test)
{
	struct commit_ctx *ctx = test->priv;
	struct segf_match m = tcp(80);
	struct segf_policy *before, *after;
	struct segf_endpoint *ep;
	struct segf_commit c;
	u8 mac[ETH_ALEN] = { 2, 0, 0, 0, 0, 1 };
	u64 gen;

	mutex_lock(&ctx->sn.lock);
	before = current_policy(ctx);
	gen = before->gen;

	/* A rule and an endpoint, then a failure: nothing happened. */
	segf_commit_begin(&c, &ctx->sn, NULL);
	KUNIT_ASSERT_NOT_NULL(test, commit_rule(&c, ctx, 7));
	KUNIT_ASSERT_EQ(test, segf_endpoint_create(ctx->dom, mac, ctx->web,
						   &ctx->port, NULL, NULL, 0,
						   ctx->dom->next_gen, &ep,
						   NULL), 0);
	KUNIT_ASSERT_EQ(test, segf_commit_record(&c, SEGF_UNDO_ENDPOINT_NEW,
						 ep), 0);
	/* Not visible to the generation the data path reads. */
	KUNIT_EXPECT_FALSE(test, segf_endpoint_visible(ep, gen));
	KUNIT_EXPECT_EQ(test, segf_commit_end(&c, -EINVAL), -EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, current_policy(ctx), before);
	KUNIT_EXPECT_EQ(test, ctx->dom->n_rules, 0);
	KUNIT_EXPECT_EQ(test, ctx->dom->n_endpoints, 0);
	KUNIT_EXPECT_EQ(test, ctx->web->n_endpoints, 0);
	KUNIT_EXPECT_EQ(test, ctx->web->n_rules, 0);
	KUNIT_EXPECT_NULL(test, xa_load(&ctx->dom->rules, 7));
	KUNIT_EXPECT_NULL(test, segf_endpoint_by_mac(ctx->dom, mac));
	KUNIT_EXPECT_NULL(test, segf_index_lookup(before->index, WEB, APP, &m));

	/* The same, committed: one new generation with both. */
	segf_commit_begin(&c, &ctx->sn, NULL);
	KUNIT_ASSERT_NOT_NULL(test, commit_rule(&c, ctx, 7));
	KUNIT_ASSERT_EQ(test, segf_endpoint_create(ctx->dom, mac, ctx->web,
						   &ctx->port, NULL, NULL, 0,
						   ctx->dom->next_gen, &ep,
						   NULL), 0);
	KUNIT_ASSERT_EQ(test, segf_commit_record(&c, SEGF_UNDO_ENDPOINT_NEW,
						 ep), 0);
	KUNIT_EXPECT_EQ(test, segf_commit_end(&c, 0), 0);
	after = current_policy(ctx);
	KUNIT_EXPECT_PTR_NE(test, after, before);
	KUNIT_EXPECT_EQ(test, after->gen, gen + 1);
	KUNIT_EXPECT_TRUE(test, segf_endpoint_visible(ep, after->gen));
	KUNIT_EXPECT_FALSE(test, segf_endpoint_visible(ep, gen));
	KUNIT_EXPECT_EQ(test, ctx->web->n_rules, 1);
	KUNIT_EXPECT_EQ(test,
			segf_index_lookup(after->index, WEB, APP, &m)->id, 7);

	/* Deleting the endpoint: seen by the old generation until published. */
	segf_commit_begin(&c, &ctx->sn, NULL);
	KUNIT_ASSERT_EQ(test, segf_commit_record(&c, SEGF_UNDO_ENDPOINT_DEL,
						 ep), 0);
	segf_commit_touch(&c, ctx->dom);
	segf_endpoint_retire(ep, ctx->dom->next_gen);
	KUNIT_EXPECT_TRUE(test, segf_endpoint_visible(ep, after->gen));
	KUNIT_EXPECT_FALSE(test, segf_endpoint_live(ep));
	/* ... and a failure brings it back. */
	KUNIT_EXPECT_EQ(test, segf_commit_end(&c, -ENOMEM), -ENOMEM);
	KUNIT_EXPECT_TRUE(test, segf_endpoint_live(ep));
	KUNIT_EXPECT_EQ(test, ctx->dom->n_endpoints, 1);
	KUNIT_EXPECT_PTR_EQ(test, current_policy(ctx), after);
	mutex_unlock(&ctx->sn.lock);
}

/* What readd_ops() made: the rule, group and endpoint that replace. */
struct readd_objs {
	struct segf_rule *rule;
	struct segf_group *grp;
	struct segf_endpoint *ep;
};

/*
 * In commit @c: delete rule 7, group @old_grp and endpoint @old_ep, and
 * add them again under the same id, MAC and address.
 */
static void readd_ops(struct kunit *test, struct commit_ctx *ctx,
		      struct segf_commit *c, struct segf_rule *old_rule,
		      struct segf_group *old_grp, struct segf_endpoint *old_ep,
		      const struct segf_addr *addr, struct readd_objs *o)
{
	struct segf_domain *dom = ctx->dom;

	KUNIT_ASSERT_EQ(test, segf_commit_record(c, SEGF_UNDO_RULE_DEL,
						 old_rule), 0);
	segf_commit_touch(c, dom);
	segf_rule_retire(old_rule);
	o->rule = commit_rule(c, ctx, 7);
	KUNIT_ASSERT_NOT_NULL(test, o->rule);
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&dom->rules, 7), o->rule);

	KUNIT_ASSERT_EQ(test, segf_commit_record(c, SEGF_UNDO_GROUP_DEL,
						 old_grp), 0);
	KUNIT_ASSERT_EQ(test, segf_group_retire(old_grp, NULL), 0);
	KUNIT_ASSERT_EQ(test, segf_group_create(dom, 2, "store", &o->grp,
						NULL), 0);
	KUNIT_ASSERT_EQ(test, segf_commit_record(c, SEGF_UNDO_GROUP_NEW,
						 o->grp), 0);
	KUNIT_EXPECT_PTR_EQ(test, segf_group_find(dom, 2, NULL), o->grp);

	KUNIT_ASSERT_EQ(test, segf_commit_record(c, SEGF_UNDO_ENDPOINT_DEL,
						 old_ep), 0);
	segf_endpoint_retire(old_ep, dom->next_gen);
	KUNIT_ASSERT_EQ(test, segf_endpoint_create(dom, old_ep->mac, o->grp,
						   &ctx->port, NULL, addr, 1,
						   dom->next_gen, &o->ep,
						   NULL), 0);
	KUNIT_ASSERT_EQ(test, segf_commit_record(c, SEGF_UNDO_ENDPOINT_NEW,
						 o->ep), 0);
}

/*
 * A commit that deletes a rule, a group and an endpoint and adds them
 * again under the same keys: until it publishes, the current generation
 * finds the old endpoint and the next the new one; a rollback restores
 * the old objects in their slots, a publish leaves the new ones there.
 */
static void policy_test_readd(struct kunit *test)
{
	struct commit_ctx *ctx = test->priv;
	struct segf_domain *dom = ctx->dom;
	struct segf_addr addr = { .family = AF_INET,
				  .v4 = htonl(0x0a000001) };
	u8 mac[ETH_ALEN] = { 2, 0, 0, 0, 0, 1 };
	struct segf_endpoint *ep, *other;
	struct segf_match m = tcp(80);
	struct segf_policy *pol;
	struct segf_group *db;
	struct segf_rule *rule;
	struct readd_objs o;
	struct segf_commit c;
	u64 gen;

	mutex_lock(&ctx->sn.lock);
	KUNIT_ASSERT_EQ(test, segf_group_create(dom, 2, "db", &db, NULL), 0);
	segf_commit_begin(&c, &ctx->sn, NULL);
	rule = commit_rule(&c, ctx, 7);
	KUNIT_ASSERT_NOT_NULL(test, rule);
	KUNIT_ASSERT_EQ(test, segf_endpoint_create(dom, mac, ctx->web,
						   &ctx->port, NULL, &addr, 1,
						   dom->next_gen, &ep, NULL),
			0);
	KUNIT_ASSERT_EQ(test, segf_commit_record(&c, SEGF_UNDO_ENDPOINT_NEW,
						 ep), 0);
	KUNIT_ASSERT_EQ(test, segf_commit_end(&c, 0), 0);
	gen = current_policy(ctx)->gen;

	/* Both at once, then a failure. */
	segf_commit_begin(&c, &ctx->sn, NULL);
	readd_ops(test, ctx, &c, rule, db, ep, &addr, &o);
	KUNIT_EXPECT_PTR_EQ(test, segf_endpoint_seen_mac(dom, mac, gen), ep);
	KUNIT_EXPECT_PTR_EQ(test, segf_endpoint_seen_addr(dom, &addr, gen),
			    ep);
	KUNIT_EXPECT_PTR_EQ(test, segf_endpoint_seen_mac(dom, mac, gen + 1),
			    o.ep);
	KUNIT_EXPECT_PTR_EQ(test,
			    segf_endpoint_seen_addr(dom, &addr, gen + 1),
			    o.ep);
	KUNIT_EXPECT_PTR_EQ(test, segf_endpoint_live_mac(dom, mac), o.ep);
	/* The key is taken again: a third endpoint may not have it. */
	KUNIT_EXPECT_EQ(test, segf_endpoint_create(dom, mac, ctx->web,
						   &ctx->port, NULL, NULL, 0,
						   dom->next_gen, &other,
						   NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, segf_commit_end(&c, -EINVAL), -EINVAL);
	KUNIT_EXPECT_EQ(test, current_policy(ctx)->gen, gen);
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&dom->rules, 7), rule);
	KUNIT_EXPECT_FALSE(test, rule->dying);
	KUNIT_EXPECT_PTR_EQ(test, segf_group_find(dom, 2, NULL), db);
	KUNIT_EXPECT_PTR_EQ(test, segf_group_find(dom, 0, "db"), db);
	KUNIT_EXPECT_NULL(test, segf_group_find(dom, 0, "store"));
	KUNIT_EXPECT_PTR_EQ(test, segf_endpoint_by_mac(dom, mac), ep);
	KUNIT_EXPECT_PTR_EQ(test, segf_endpoint_live_mac(dom, mac), ep);
	KUNIT_EXPECT_PTR_EQ(test, segf_endpoint_seen_addr(dom, &addr, gen + 1),
			    ep);
	KUNIT_EXPECT_EQ(test, dom->n_rules, 1);
	KUNIT_EXPECT_EQ(test, dom->n_endpoints, 1);
	KUNIT_EXPECT_EQ(test, dom->n_groups, 2);
	KUNIT_EXPECT_EQ(test, ctx->web->n_rules, 1);
	KUNIT_EXPECT_EQ(test, ctx->web->n_endpoints, 1);

	/* The same, published: the new objects hold the keys alone. */
	segf_commit_begin(&c, &ctx->sn, NULL);
	readd_ops(test, ctx, &c, rule, db, ep, &addr, &o);
	KUNIT_EXPECT_EQ(test, segf_commit_end(&c, 0), 0);
	pol = current_policy(ctx);
	KUNIT_EXPECT_EQ(test, pol->gen, gen + 1);
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&dom->rules, 7), o.rule);
	KUNIT_EXPECT_NULL(test, o.rule->shadow);
	KUNIT_EXPECT_PTR_EQ(test, segf_index_lookup(pol->index, WEB, APP, &m),
			    o.rule);
	KUNIT_EXPECT_PTR_EQ(test, segf_group_find(dom, 2, NULL), o.grp);
	KUNIT_EXPECT_NULL(test, o.grp->shadow);
	KUNIT_EXPECT_PTR_EQ(test, segf_endpoint_by_mac(dom, mac), o.ep);
	KUNIT_EXPECT_PTR_EQ(test, segf_endpoint_by_addr(dom, &addr), o.ep);
	KUNIT_EXPECT_PTR_EQ(test, segf_endpoint_seen_mac(dom, mac, pol->gen),
			    o.ep);
	KUNIT_EXPECT_NULL(test, o.ep->pred);
	KUNIT_EXPECT_EQ(test, dom->n_rules, 1);
	KUNIT_EXPECT_EQ(test, dom->n_endpoints, 1);
	KUNIT_EXPECT_EQ(test, dom->n_groups, 2);
	KUNIT_EXPECT_EQ(test, ctx->web->n_endpoints, 0);
	KUNIT_EXPECT_EQ(test, o.grp->n_endpoints, 1);
	mutex_unlock(&ctx->sn.lock);
}

/*
 * A commit that deletes instance 1 and adds it again on the same ports:
 * until it publishes, each generation finds its own instance by slot and
 * by port, no third instance may claim the ports, and a rollback gives
 * the slot and the ports back to the old one alone.  (The publish sends
 * instance events, which need a namespace: readd.sh covers it.)
 */
static void policy_test_readd_instance(struct kunit *test)
{
	struct commit_ctx *ctx = test->priv;
	struct segf_domain *dom = ctx->dom;
	struct segf_instance *old, *new, *other;
	struct segf_port *port[2];
	struct segf_iface sides[2];
	struct segf_service *svc;
	struct segf_commit c;
	int s, side = -1;
	u64 gen;

	mutex_lock(&ctx->sn.lock);
	gen = current_policy(ctx)->gen;
	KUNIT_ASSERT_EQ(test, segf_service_create(dom, "fw",
						  SEGFILTER_SERVICE_TRANSPARENT,
						  &svc, NULL), 0);
	memset(sides, 0, sizeof(sides));
	for (s = SEGF_LEFT; s <= SEGF_RIGHT; s++) {
		port[s] = kunit_kzalloc(test, sizeof(*port[s]), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, port[s]);
		port[s]->sn = &ctx->sn;
		port[s]->domain = dom;
		port[s]->role = SEGFILTER_PORT_ROLE_SERVICE;
		port[s]->ifindex = 11 + s;
		port[s]->gone = true;	/* no device behind: down */
		RCU_INIT_POINTER(sides[s].port, port[s]);
	}
	/* Seen by the current generation already. */
	KUNIT_ASSERT_EQ(test, segf_instance_create(svc, 1, sides, gen, &old,
						   NULL), 0);

	segf_commit_begin(&c, &ctx->sn, NULL);
	KUNIT_ASSERT_EQ(test, segf_commit_record(&c, SEGF_UNDO_INSTANCE_DEL,
						 old), 0);
	segf_commit_touch(&c, dom);
	segf_instance_retire(old, dom->next_gen);
	KUNIT_ASSERT_EQ(test, segf_instance_create(svc, 1, sides,
						   dom->next_gen, &new, NULL),
			0);
	KUNIT_ASSERT_EQ(test, segf_commit_record(&c, SEGF_UNDO_INSTANCE_NEW,
						 new), 0);
	KUNIT_EXPECT_PTR_EQ(test, segf_instance_find(svc, 1), new);
	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, segf_service_seen(svc, 0, gen), old);
	KUNIT_EXPECT_PTR_EQ(test, segf_service_seen(svc, 0, gen + 1), new);
	KUNIT_EXPECT_PTR_EQ(test, segf_port_instance(port[SEGF_RIGHT], gen,
						     &side), old);
	KUNIT_EXPECT_EQ(test, side, SEGF_RIGHT);
	KUNIT_EXPECT_PTR_EQ(test, segf_port_instance(port[SEGF_RIGHT],
						     gen + 1, &side), new);
	KUNIT_EXPECT_EQ(test, side, SEGF_RIGHT);
	rcu_read_unlock();
	/* The ports are the new instance's: no other may have them. */
	KUNIT_EXPECT_EQ(test, segf_instance_create(svc, 2, sides,
						   dom->next_gen, &other,
						   NULL), -EBUSY);

	KUNIT_EXPECT_EQ(test, segf_commit_end(&c, -EINVAL), -EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, segf_instance_find(svc, 1), old);
	KUNIT_EXPECT_PTR_EQ(test, rcu_access_pointer(svc->inst[0]), old);
	KUNIT_EXPECT_NULL(test, rcu_access_pointer(old->succ));
	for (s = SEGF_LEFT; s <= SEGF_RIGHT; s++) {
		KUNIT_EXPECT_PTR_EQ(test, rcu_access_pointer(port[s]->inst),
				    old);
		KUNIT_EXPECT_NULL(test, rcu_access_pointer(port[s]->inst_next));
		KUNIT_EXPECT_PTR_EQ(test,
				    rcu_access_pointer(old->side[s].port),
				    port[s]);
	}
	KUNIT_EXPECT_EQ(test, svc->n_instances, 1);
	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, segf_port_instance(port[SEGF_LEFT], gen + 1,
						     &side), old);
	KUNIT_EXPECT_EQ(test, side, SEGF_LEFT);
	rcu_read_unlock();
	mutex_unlock(&ctx->sn.lock);
}

static struct kunit_case segf_policy_test_cases[] = {
	KUNIT_CASE(policy_test_fold),
	KUNIT_CASE(policy_test_priority),
	KUNIT_CASE(policy_test_ports),
	KUNIT_CASE(policy_test_many_pairs),
	KUNIT_CASE(policy_test_flow_key),
	KUNIT_CASE(policy_test_flow_key_order),
	KUNIT_CASE(policy_test_flow_expiry),
	KUNIT_CASE(policy_test_flow_unreplied),
	KUNIT_CASE(policy_test_flow_ends),
	{}
};

static struct kunit_suite segf_policy_test_suite = {
	.name = "segfilter_policy",
	.test_cases = segf_policy_test_cases,
};

static struct kunit_case segf_commit_test_cases[] = {
	KUNIT_CASE(policy_test_generation),
	KUNIT_CASE(policy_test_readd),
	KUNIT_CASE(policy_test_readd_instance),
	{}
};

static struct kunit_suite segf_commit_test_suite = {
	.name = "segfilter_commit",
	.suite_init = segf_test_wq_init,
	.suite_exit = segf_test_wq_exit,
	.init = commit_test_init,
	.exit = commit_test_exit,
	.test_cases = segf_commit_test_cases,
};

kunit_test_suites(&segf_policy_test_suite, &segf_commit_test_suite);
