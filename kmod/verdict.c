// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: the verdict.  segf_verdict() says what the policy and the
 * flow table decide for a packet from one endpoint to another, and
 * changes nothing: it creates, updates and removes no flow, counts
 * nothing and logs nothing.  segf_decide(), its caller on the data
 * path, then does what the verdict implies; segctl trace calls
 * segf_verdict() too (trace.c), so that what it reports is what traffic
 * meets.  A flood is judged copy by copy, by the same rule lookup
 * (segf_judge(), forward.c).
 */

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <net/tcp.h>

#include "compat.h"
#include "datapath.h"
#include "domain.h"
#include "endpoint.h"
#include "flow.h"
#include "policy.h"
#include "prefix.h"
#include "segfilter.h"
#include "service.h"

void segf_match_of(const struct segf_pkt *pkt, struct segf_match *m)
{
	bool l4 = pkt->flags & SEGF_PKT_L4;

	m->proto = pkt->l4proto;
	m->has_ports = l4 && (pkt->l4proto == IPPROTO_TCP ||
			      pkt->l4proto == IPPROTO_UDP);
	m->dport = ntohs(pkt->dport);
	m->has_type = l4 && (pkt->l4proto == IPPROTO_ICMP ||
			     pkt->l4proto == IPPROTO_ICMPV6);
	m->icmp_type = pkt->icmp_type;
}

/*
 * Judge again the direction that opened @flow, from a packet of either
 * direction: the groups of the ends now, the port or ICMP type that the
 * opener sent to.
 */
void segf_judge_flow(const struct segf_policy *pol,
		     const struct segf_flow *flow, const struct segf_pkt *pkt,
		     u8 side, u16 src, u16 dst, struct segf_verdict *v)
{
	struct segf_match m;

	segf_match_of(pkt, &m);
	if (side != flow->init_side) {
		swap(src, dst);
		m.dport = ntohs(pkt->sport);
		/* Only an echo request opens an ICMP flow. */
		m.icmp_type = pkt->l4proto == IPPROTO_ICMP ? ICMP_ECHO :
							    ICMPV6_ECHO_REQUEST;
	}
	segf_judge(pol, src, dst, &m, v);
}

/* Record what decided: a rule, or the domain's default. */
static void segf_decided(struct segf_decision *d, const struct segf_verdict *v)
{
	d->rule = v->rule;
	d->by_default = !v->rule;
	d->action = v->action;
	if (v->action == SEGFILTER_ACTION_REDIRECT)
		d->chain = v->rule->chain;
}

/*
 * The endpoint that has @addr, as an address or in a prefix it owns;
 * NULL for a peer outside.
 */
static struct segf_endpoint *segf_inside(struct segf_domain *dom,
					 const struct segf_policy *pol,
					 const struct segf_addr *addr)
{
	return segf_endpoint_seen_addr(dom, addr, pol->gen) ?:
	       segf_prefix_owner(dom, pol, addr);
}

/*
 * Whether @pkt is an ICMP error about a flow that @pol allows (not a
 * redirected one, not one decided by an older generation): it goes
 * where the flow's packets go, as netfilter's RELATED, so that path MTU
 * discovery and unreachables work in a domain that denies by default.
 * The error must be sent by the quoted packet's destination, or from
 * where that destination is: by the endpoint whose address or prefix
 * holds both (a router VM for the subnet behind it), or for a peer
 * outside, by another peer outside (a router beyond the exit).  What
 * came in by the exit (@outside) is outside whatever its source says,
 * and speaks for flows to outside only.  An endpoint cannot speak for a
 * flow it is not an end of, nor anyone outside for a flow inside.  A
 * flow lookup, and at most two endpoint lookups, for ICMP errors only.
 */
SEGF_STATIC_KUNIT bool segf_related(struct segf_domain *dom,
				    const struct segf_policy *pol,
				    const struct segf_pkt *pkt, bool outside,
				    unsigned long now, struct segf_decision *d)
{
	struct segf_flow_verdict fv;
	struct segf_flow_key key;
	struct segf_addr from, to;
	struct segf_flow *flow;
	bool same;

	if (!segf_flow_key_quoted(pkt, &key))
		return false;
	if (pkt->proto == htons(ETH_P_IP)) {
		same = pkt->v4.saddr == pkt->quoted.addr.v4[1];
		segf_addr_v4(&from, pkt->v4.saddr);
		segf_addr_v4(&to, pkt->quoted.addr.v4[1]);
	} else {
		same = ipv6_addr_equal(&pkt->v6.saddr,
				       &pkt->quoted.addr.v6[1]);
		segf_addr_v6(&from, &pkt->v6.saddr);
		segf_addr_v6(&to, &pkt->quoted.addr.v6[1]);
	}
	if (outside) {
		if (segf_inside(dom, pol, &to))
			return false;
	} else if (!same &&
		   segf_inside(dom, pol, &from) != segf_inside(dom, pol, &to)) {
		return false;
	}
	flow = segf_flow_lookup(dom, &key);
	if (!flow || segf_flow_expired(flow, now))
		return false;
	segf_flow_read(flow, &fv);
	if (fv.gen != pol->gen || fv.action != SEGFILTER_ACTION_ALLOW)
		return false;
	d->related = true;
	d->action = SEGFILTER_ACTION_ALLOW;
	return true;
}

/* segf_verdict(), inlined into segf_decide() as it was written there. */
static __always_inline void
__segf_verdict(struct segf_domain *dom, const struct segf_policy *pol,
	       const struct segf_pkt *pkt, struct segf_group *src,
	       struct segf_group *dst, bool outside, unsigned long now,
	       const struct segf_flow_found *found, struct segf_decision *d)
{
	struct segf_flow *flow = NULL;
	struct segf_verdict v;
	struct segf_match m;

	d->drop = 0;
	d->action = 0;
	d->flow = SEGFILTER_TRACE_FLOW_NONE;
	d->by_default = false;
	d->flowable = false;
	d->opens = false;
	d->related = false;
	d->src = NULL;
	d->dst = NULL;
	d->rule = NULL;
	d->chain = NULL;
	d->found = NULL;
	d->expired = NULL;
	if (segf_is_link_control(pkt))
		return;
	d->src = src;
	d->dst = dst;

	/* Looked up already for this very packet, or now. */
	if (found && found->pkt == pkt) {
		d->flowable = found->flowable;
		if (d->flowable) {
			d->key = found->key;
			d->side = found->side;
			flow = found->flow;
		}
	} else {
		d->flowable = segf_flow_key_make(pkt, &d->key, &d->side);
		if (d->flowable)
			flow = segf_flow_lookup(dom, &d->key);
	}
	if (d->flowable) {
		d->flow = SEGFILTER_TRACE_FLOW_MISS;
		if (flow && segf_flow_over(flow, pkt, now)) {
			d->expired = flow;
			flow = NULL;
		}
	}

	if (flow) {
		d->found = flow;
		segf_flow_read(flow, &d->fv);
		if (d->fv.gen == pol->gen) {
			d->flow = d->side == flow->init_side ?
				  SEGFILTER_TRACE_FLOW_ORIGINAL :
				  SEGFILTER_TRACE_FLOW_REPLY;
			v.rule = d->fv.rule;
			v.action = d->fv.action;
			segf_decided(d, &v);
			return;
		}
		/* Decided under another generation: is it still allowed? */
		d->flow = SEGFILTER_TRACE_FLOW_STALE;
		segf_judge_flow(pol, flow, pkt, d->side, segf_group_id(d->src),
				segf_group_id(d->dst), &v);
		segf_decided(d, &v);
		if (v.action == SEGFILTER_ACTION_DENY)
			d->drop = SEGFILTER_DROP_REVOKED;
		return;
	}
	if (!d->flowable && (pkt->flags & SEGF_PKT_QUOTED) &&
	    segf_related(dom, pol, pkt, outside, now, d))
		return;

	segf_match_of(pkt, &m);
	segf_judge(pol, segf_group_id(d->src), segf_group_id(d->dst), &m, &v);
	segf_decided(d, &v);
	d->opens = d->flowable && segf_flow_opens(pkt);
	if (v.action == SEGFILTER_ACTION_DENY)
		d->drop = v.rule ? SEGFILTER_DROP_RULE_DENY :
				   SEGFILTER_DROP_DEFAULT_DENY;
	else if (v.action == SEGFILTER_ACTION_REDIRECT && !d->opens)
		/* What comes back from a service is let in only for a flow. */
		d->drop = SEGFILTER_DROP_CHAIN_DOWN;
}

/**
 * segf_verdict - what the policy decides for a packet
 * @dom: the domain, whose flow table is looked up (and not changed)
 * @pol: the policy generation the packet is judged by
 * @pkt: the packet
 * @src: the group of the endpoint that sends it, or for a peer outside
 *	the domain (through its exit) its prefix group, NULL for none
 * @dst: the same for the peer it goes to
 * @now: the time, in jiffies, that flows expire against
 * @d: what was decided, filled in
 *
 * Link control (ARP, neighbour discovery, MLD) is not traffic between
 * endpoints, and without it no traffic could be allowed: it is not
 * judged (@d->action is 0).  Otherwise a flow of @pol's generation
 * decides at once, for either direction; a flow of an older generation
 * is judged again, and revoked if the policy no longer allows it;
 * without a flow the rules decide, then the domain's default.  A
 * redirected packet needs a flow to carry its path through the
 * services: one that cannot open a flow is dropped as chain_down.
 *
 * Nothing is changed, counted or logged: see segf_decide() for what
 * the data path then does.  Runs under rcu_read_lock().
 */
void segf_verdict(struct segf_domain *dom, const struct segf_policy *pol,
		  const struct segf_pkt *pkt, struct segf_group *src,
		  struct segf_group *dst, unsigned long now,
		  struct segf_decision *d)
{
	__segf_verdict(dom, pol, pkt, src, dst, false, now, NULL, d);
}

/* A rule decided: count the packet on it, and log it if it says so. */
static void segf_rule_decided(const struct segf_ctx *ctx,
			      const struct segf_decision *d,
			      const struct segf_pkt *pkt, unsigned int len)
{
	segf_rule_hit(d->rule, len);
	if (d->rule->flags & SEGF_RULE_LOG)
		segf_log(ctx, d->rule, segf_group_id(d->src), segf_group_id(d->dst), pkt);
}

/* Open a flow for a packet the rules let go; count whether there was room. */
static struct segf_flow *segf_open_flow(const struct segf_ctx *ctx,
					const struct segf_decision *d,
					const struct segf_pkt *pkt,
					const struct segf_path *path)
{
	struct segf_verdict v = { .action = d->action, .rule = d->rule };
	struct segf_flow *flow;

	flow = segf_flow_create(ctx->dom, ctx->pol, &d->key, d->side, pkt, &v,
				path);
	if (flow)
		segf_count(ctx, flows_created);
	else
		segf_count(ctx, flow_table_full);
	return flow;
}

/**
 * segf_decide - step 6, the verdict, and what follows from it
 * @ctx: the frame's context
 * @pkt: the packet
 * @len: its length, for the rule counters
 * @src: the group of its sender (NULL: a peer outside in no group, a
 *	router on the path, which may send ICMP errors about a flow only)
 * @dst: the group of the peer it goes to (a flood is judged copy by
 *	copy: see segf_flood())
 * @st: where it goes on: its flow entry, and the flow whose path it
 *	follows if it is redirected
 *
 * Asks segf_verdict(), then does what the verdict implies: removes a
 * flow that is over, updates or judges again the flow that decided,
 * opens a flow for a packet the rules let go, counts the packet on the
 * rule that decided (or as allowed by default) and logs it if the rule
 * says so.  A flow revoked by a newer generation is removed; a packet
 * still judged by an older generation than its flow's leaves the flow
 * alone: the newer one allowed it.
 *
 * Return: 0 to let it go, or why it must be dropped.
 */
enum segfilter_drop_reason
segf_decide(const struct segf_ctx *ctx, const struct segf_pkt *pkt,
	    unsigned int len, struct segf_group *src, struct segf_group *dst,
	    struct segf_steer *st)
{
	const struct segf_policy *pol = ctx->pol;
	unsigned long now = jiffies;
	/*
	 * Not zeroed (compat.h): __segf_verdict() sets each field of @d
	 * that is read (@key, @side and @fv only where it says they are
	 * valid), @path is written by segf_path_init() and @v by hand
	 * before either is read.
	 */
	struct segf_decision d __uninitialized;
	struct segf_path path __uninitialized;
	struct segf_verdict v;
	struct segf_flow *flow;

	st->entry = NULL;
	st->flow = NULL;
	/* What came in by an exit is outside, whatever its source says. */
	__segf_verdict(ctx->dom, pol, pkt, src, dst,
		       ctx->port->role == SEGFILTER_PORT_ROLE_EXIT, now,
		       ctx->found, &d);
	if (!src && !d.related)
		return SEGFILTER_DROP_NO_ROUTE;
	if (!d.action)
		return 0;
	if (d.expired)
		segf_flow_remove(ctx->dom, d.expired);
	flow = d.found;

	switch (d.flow) {
	case SEGFILTER_TRACE_FLOW_ORIGINAL:
	case SEGFILTER_TRACE_FLOW_REPLY:
		segf_flow_update(flow, pkt, d.side, now);
		segf_count_allowed(ctx, d.rule, len);
		st->entry = flow;
		st->side = d.side;
		if (d.action == SEGFILTER_ACTION_REDIRECT)
			st->flow = flow;
		return 0;
	case SEGFILTER_TRACE_FLOW_STALE:
		if (d.drop) {
			if (d.fv.gen < pol->gen)
				segf_flow_remove(ctx->dom, flow);
			if (d.rule && (d.rule->flags & SEGF_RULE_LOG))
				segf_log(ctx, d.rule, segf_group_id(d.src), segf_group_id(d.dst),
					 pkt);
			return d.drop;
		}
		if (d.action == SEGFILTER_ACTION_REDIRECT) {
			/* Where it crosses the same services, it stays. */
			segf_path_init(&path, d.chain, &d.fv.path);
			st->flow = flow;
		}
		v.action = d.action;
		v.rule = d.rule;
		segf_flow_rejudged(flow, pol->gen, &v, st->flow ? &path : NULL);
		segf_flow_update(flow, pkt, d.side, now);
		st->entry = flow;
		st->side = d.side;
		segf_count_allowed(ctx, d.rule, len);
		return 0;
	}

	if (d.related) {
		segf_count(ctx, icmp_related);
		return 0;
	}

	/* No flow: the rules or the default decided. */
	switch (d.action) {
	case SEGFILTER_ACTION_DENY:
		if (d.rule)
			segf_rule_decided(ctx, &d, pkt, len);
		return d.drop;
	case SEGFILTER_ACTION_REDIRECT:
		flow = NULL;
		if (!d.drop) {
			segf_path_init(&path, d.chain, NULL);
			flow = segf_open_flow(ctx, &d, pkt, &path);
		}
		segf_rule_decided(ctx, &d, pkt, len);
		if (!flow)
			return SEGFILTER_DROP_CHAIN_DOWN;
		st->entry = flow;
		st->flow = flow;
		st->side = d.side;
		return 0;
	}
	if (d.opens) {
		st->entry = segf_open_flow(ctx, &d, pkt, NULL);
		st->side = d.side;
	}
	segf_count_allowed(ctx, d.rule, len);
	if (d.rule && (d.rule->flags & SEGF_RULE_LOG))
		segf_log(ctx, d.rule, segf_group_id(d.src), segf_group_id(d.dst), pkt);
	return 0;
}
