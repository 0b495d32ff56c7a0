// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: service steering.  A redirected flow crosses the services
 * of its chain, each through the instance the flow is pinned to, in
 * order one way and in reverse the other; what an instance sends back
 * goes on along the same path, if it belongs there.  One end of a flow
 * may be outside the domain, behind its exit: such a flow is steered on
 * the exit's host, and leaves by the exit after its last service.
 */

#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

#include "datapath.h"
#include "domain.h"
#include "endpoint.h"
#include "flow.h"
#include "policy.h"
#include "port.h"
#include "service.h"

#define segf_inst_count(inst, field, len) do {				\
	struct segf_inst_pcpu *__s = this_cpu_ptr((inst)->stats);	\
									\
	u64_stats_update_begin(&__s->syncp);				\
	u64_stats_inc(&__s->field##_packets);				\
	u64_stats_add(&__s->field##_bytes, len);			\
	u64_stats_update_end(&__s->syncp);				\
} while (0)

static void segf_inst_count_flow(struct segf_instance *inst)
{
	struct segf_inst_pcpu *s = this_cpu_ptr(inst->stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->flows);
	u64_stats_update_end(&s->syncp);
}

/*
 * The instance that hop @h of @flow's @path goes through: the one the
 * flow is pinned to while it lives (drained or not), else the one the
 * flow's hash picks among those taking new flows, which the flow is then
 * pinned to.  NULL when the service has none.
 */
static struct segf_instance *segf_hop_instance(const struct segf_ctx *ctx,
					       struct segf_flow *flow,
					       const struct segf_path *path,
					       unsigned int h)
{
	const struct segf_domain_cfg *cfg = &ctx->pol->cfg;
	const struct segf_hop *hop = &path->hop[h];
	struct segf_instance *inst;
	struct segf_service *svc;

	svc = xa_load(&ctx->dom->services, hop->service);
	if (!svc)
		return NULL;
	if (hop->inst && hop->inst <= SEGFILTER_SERVICE_MAX_INSTANCES) {
		inst = segf_service_seen(svc, hop->inst - 1, ctx->pol->gen);
		/* Another incarnation of the id is another VM: pick again. */
		if (segf_instance_alive(inst, ctx->pol->gen, cfg) &&
		    inst->incarn == hop->incarn)
			return inst;
	}
	inst = segf_service_pick(svc, segf_flow_hash(ctx->dom, flow),
				 ctx->pol->gen, cfg);
	if (inst) {
		segf_flow_pin(flow, h, hop->service, inst->id, inst->incarn);
		segf_inst_count_flow(inst);
	}
	return inst;
}

/*
 * Send a redirected frame into side @s of @inst.  A transparent instance
 * gets it as it is; a routed one addressed to its interface, from the
 * gateway.
 */
static void segf_to_instance(const struct segf_ctx *ctx, struct sk_buff *skb,
			     struct segf_instance *inst, int s)
{
	struct segf_port *out = rcu_dereference(inst->side[s].port);
	struct ethhdr *eth;

	/* Detached since segf_instance_alive() looked. */
	if (!out) {
		segf_drop(ctx, skb, SEGFILTER_DROP_CHAIN_DOWN);
		return;
	}
	if (inst->svc->mode == SEGFILTER_SERVICE_ROUTED) {
		if (skb_ensure_writable(skb, ETH_HLEN)) {
			segf_drop(ctx, skb, SEGFILTER_DROP_TX_ERROR);
			return;
		}
		eth = (struct ethhdr *)skb->data;
		ether_addr_copy(eth->h_dest, inst->side[s].mac);
		ether_addr_copy(eth->h_source, ctx->pol->cfg.gw_mac);
	}
	segf_inst_count(inst, tx, skb->len);
	segf_count(ctx, redirected);
	segf_xmit(ctx, out, skb);
}

/*
 * The end of a redirected frame's path, when its destination is outside
 * the domain: out of the exit, as it is (the caller addressed it to the
 * next hop).
 */
static void segf_steer_exit(const struct segf_ctx *ctx, struct sk_buff *skb)
{
	struct segf_port *exit = rcu_dereference(ctx->dom->exit);

	if (!exit) {
		segf_drop(ctx, skb, SEGFILTER_DROP_NO_ROUTE);
		return;
	}
	segf_xmit(ctx, exit, skb);
}

/*
 * Send a redirected frame on along its flow's path, in its direction
 * (@orig: the direction that opened the flow, left to right through the
 * chain's services in order; else right to left, in reverse), after hop
 * @from (-1 or path->n: none crossed yet).  When no service is left, it
 * goes to @dst, or out of the domain's exit if @dst is NULL, as it is:
 * the caller addressed it there.
 */
static void segf_steer(const struct segf_ctx *ctx, struct sk_buff *skb,
		       struct segf_flow *flow, const struct segf_path *path,
		       bool orig, int from, const struct segf_endpoint *dst)
{
	int step = orig ? 1 : -1;
	struct segf_instance *inst;
	int h;

	for (h = from + step; h >= 0 && h < path->n; h += step) {
		inst = segf_hop_instance(ctx, flow, path, h);
		if (inst) {
			segf_to_instance(ctx, skb, inst,
					 orig ? SEGF_LEFT : SEGF_RIGHT);
			return;
		}
		if (!path->fail_open) {
			segf_drop(ctx, skb, SEGFILTER_DROP_CHAIN_DOWN);
			return;
		}
		segf_count(ctx, bypassed);
	}
	if (dst)
		segf_deliver(ctx, skb, dst, flow);
	else
		segf_steer_exit(ctx, skb);
}

/*
 * A frame segf_decide() redirected: into the first service of its path.
 * @dst is NULL for a frame to a peer outside, addressed to the exit's
 * next hop.
 */
void segf_steer_start(const struct segf_ctx *ctx, struct sk_buff *skb,
		      const struct segf_steer *st,
		      const struct segf_endpoint *dst)
{
	struct segf_flow_verdict fv;
	bool orig = st->side == st->flow->init_side;

	segf_flow_read(st->flow, &fv);
	if (fv.action != SEGFILTER_ACTION_REDIRECT)
		fv.path.n = 0;
	segf_steer(ctx, skb, st->flow, &fv.path, orig, orig ? -1 : fv.path.n,
		   dst);
}

/* Which hop of @path @inst is, or -1. */
static int segf_path_find(const struct segf_path *path,
			  const struct segf_instance *inst)
{
	int h;

	for (h = 0; h < path->n; h++)
		if (path->hop[h].service == inst->svc->id &&
		    path->hop[h].inst == inst->id &&
		    path->hop[h].incarn == inst->incarn)
			return h;
	return -1;
}

/*
 * A frame came back from a service for a flow an older generation
 * judged: judge the flow again, as segf_verdict() would for a packet of
 * its ends (groups @sg and @dg now), and update @fv.  A flow no longer
 * redirected goes straight on (fv->path.n is then 0); one the policy
 * denies now is revoked.
 */
static enum segfilter_drop_reason
segf_service_rejudge(const struct segf_ctx *ctx, struct segf_flow *flow,
		     struct segf_flow_verdict *fv, const struct segf_pkt *pkt,
		     u8 side, u16 sg, u16 dg)
{
	const struct segf_policy *pol = ctx->pol;
	struct segf_verdict v;
	struct segf_path path;

	segf_judge_flow(pol, flow, pkt, side, sg, dg, &v);
	if (v.action == SEGFILTER_ACTION_DENY)
		return SEGFILTER_DROP_REVOKED;
	if (v.action == SEGFILTER_ACTION_REDIRECT)
		segf_path_init(&path, v.rule->chain, &fv->path);
	segf_flow_rejudged(flow, pol->gen, &v,
			   v.action == SEGFILTER_ACTION_REDIRECT ? &path : NULL);
	fv->gen = pol->gen;
	fv->rule = v.rule;
	fv->action = v.action;
	if (v.action == SEGFILTER_ACTION_REDIRECT)
		fv->path = path;
	else
		fv->path.n = 0;
	return 0;
}

/*
 * A frame received on a service port: a redirected frame coming back
 * from the instance, to go on along its flow's path.  It must belong to
 * a redirected flow pinned to this very instance, come back on the side
 * the flow's direction leaves by, and be between an endpoint that owns
 * one of its addresses and, at the other, an endpoint again or a peer
 * behind the domain's exit (see segf_exit_peer()); anything else is
 * dropped and counted.  A service
 * may filter and rewrite what it is sent, but it cannot speak for flows
 * it was not given.  Consumes @skb.
 */
void segf_rx_service(struct segf_port *port, struct sk_buff *skb)
{
	struct segf_domain *dom = port->domain;
	const struct segf_domain_cfg *cfg;
	enum segfilter_drop_reason reason;
	struct segf_flow_verdict fv;
	struct segf_endpoint *src, *dst;
	struct segf_group *sgroup, *dgroup;
	struct segf_port *exit = NULL;
	struct segf_addr saddr, daddr;
	struct segf_instance *inst;
	struct segf_flow_key key;
	struct segf_flow *flow;
	struct segf_ctx ctx = {
		.dom = dom,
		.pol = rcu_dereference(dom->policy),
		.port = port,
	};
	struct segf_pkt pkt;
	struct ethhdr *eth;
	bool routed, orig, v6;
	u8 nh[ETH_ALEN];
	int h, s;
	u8 side;

	skb_push(skb, skb->data - skb_mac_header(skb));
	segf_count_packet(port->stats, false, skb->len);
	segf_count_packet(dom->stats, false, skb->len);
	cfg = &ctx.pol->cfg;

	reason = SEGFILTER_DROP_VLAN;
	if (skb_vlan_tag_present(skb))
		goto drop;
	reason = SEGFILTER_DROP_MALFORMED;
	if (segf_parse(skb, &pkt) || !segf_csum_ok(skb, &pkt))
		goto drop;
	reason = SEGFILTER_DROP_SERVICE_FORGED;
	inst = segf_port_instance(port, ctx.pol->gen, &s);
	if (!inst || (pkt.flags & SEGF_PKT_VLAN))
		goto drop;
	routed = inst->svc->mode == SEGFILTER_SERVICE_ROUTED;
	if (routed) {
		if (!ether_addr_equal(pkt.src, inst->side[s].mac))
			goto drop;
		if (segf_service_respond(&ctx, skb, &pkt,
					 &inst->side[s]))
			return;
		if (is_zero_ether_addr(cfg->gw_mac) ||
		    !ether_addr_equal(pkt.dst, cfg->gw_mac))
			goto drop;
	}

	if (!segf_flow_key_make(&pkt, &key, &side))
		goto drop;
	flow = segf_flow_lookup(dom, &key);
	if (!flow || segf_flow_expired(flow, jiffies))
		goto drop;
	segf_flow_read(flow, &fv);
	orig = side == flow->init_side;
	if (s != (orig ? SEGF_RIGHT : SEGF_LEFT) ||
	    !segf_instance_visible(inst, ctx.pol->gen))
		goto drop;
	h = fv.action == SEGFILTER_ACTION_REDIRECT ?
	    segf_path_find(&fv.path, inst) : -1;
	if (h < 0) {
		/* Not its way now: since a policy change, or never. */
		if (READ_ONCE(flow->path_changed))
			reason = SEGFILTER_DROP_PATH_CHANGED;
		goto drop;
	}

	v6 = pkt.proto == htons(ETH_P_IPV6);
	if (v6) {
		segf_addr_v6(&saddr, &pkt.v6.saddr);
		segf_addr_v6(&daddr, &pkt.v6.daddr);
	} else {
		segf_addr_v4(&saddr, pkt.v4.saddr);
		segf_addr_v4(&daddr, pkt.v4.daddr);
	}
	reason = SEGFILTER_DROP_NO_ROUTE;
	dst = segf_lookup_addr(&ctx, &daddr);
	src = segf_lookup_addr(&ctx, &saddr);
	if (dst) {
		dgroup = dst->group;
	} else {
		/* To a peer outside: out of the exit, to its next hop. */
		dgroup = src ? segf_exit_peer(&ctx, &daddr) : NULL;
		if (!dgroup)
			goto drop;
		reason = SEGFILTER_DROP_NEXTHOP_UNRESOLVED;
		exit = segf_exit_next_hop(&ctx, v6, nh);
		if (!exit)
			goto drop;
	}
	reason = SEGFILTER_DROP_SERVICE_FORGED;
	if (src)
		sgroup = src->group;
	else
		sgroup = dst ? segf_exit_peer(&ctx, &saddr) : NULL;
	if (!sgroup)
		goto drop;
	/* It goes on as sent by the flow's end, remote or not. */
	ctx.gbp = sgroup->id;
	ctx.from_remote = src && segf_port_is_uplink(segf_endpoint_port(src));
	if (fv.gen != ctx.pol->gen) {
		/* The policy changed while the frame was in the service. */
		reason = segf_service_rejudge(&ctx, flow, &fv, &pkt, side,
					      sgroup->id, dgroup->id);
		if (reason)
			goto drop;
		h = fv.action == SEGFILTER_ACTION_REDIRECT ?
		    segf_path_find(&fv.path, inst) : fv.path.n;
		/* Redirected now through services that do not include this. */
		reason = SEGFILTER_DROP_PATH_CHANGED;
		if (h < 0)
			goto drop;
	}
	segf_inst_count(inst, rx, skb->len);
	if (routed) {
		/* Routed back to the gateway: the gateway routes it on. */
		reason = SEGFILTER_DROP_TX_ERROR;
		if (skb_ensure_writable(skb, ETH_HLEN))
			goto drop;
		eth = (struct ethhdr *)skb->data;
		if (exit) {
			ether_addr_copy(eth->h_dest, nh);
			ether_addr_copy(eth->h_source, exit->dev->dev_addr);
		} else {
			ether_addr_copy(eth->h_dest, dst->mac);
			ether_addr_copy(eth->h_source, cfg->gw_mac);
		}
	} else if (!ether_addr_equal(pkt.dst, exit ? nh : dst->mac) ||
		   !is_valid_ether_addr(pkt.src)) {
		reason = SEGFILTER_DROP_SERVICE_FORGED;
		goto drop;
	}
	segf_count(&ctx, forwarded);
	segf_steer(&ctx, skb, flow, &fv.path, orig, h, dst);
	return;

drop:
	segf_drop(&ctx, skb, reason);
}
