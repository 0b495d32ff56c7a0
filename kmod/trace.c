// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: segctl trace.  A TRACE request describes a packet by its
 * addresses and transport; the reply says what the data path would do
 * with it if the endpoint that owns the source address (or a prefix
 * holding it) sent it into the port the request names, or, for an exit,
 * if it came in from outside: the groups, the flow entry if one
 * decides, the rule or default, the action and chain, the exit it
 * leaves by, or the drop reason.  It asks the data path's lookups and
 * segf_verdict(), as the data path does, and changes nothing.
 */

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <net/genetlink.h>
#include <net/tcp.h>

#include "compat.h"
#include "datapath.h"
#include "domain.h"
#include "endpoint.h"
#include "nl.h"
#include "policy.h"
#include "port.h"
#include "segfilter.h"

/* What a trace found: the verdict, and the exit the packet leaves by. */
struct segf_trace {
	struct segf_decision d;
	struct segf_port *exit;		/* NULL: it stays in the domain */
};

/*
 * A packet from @src to a peer outside the domain, as segf_exit_route()
 * sees it: out by the exit, if the domain has one of its family, a
 * prefix group holds the destination (segf_exit_peer()) and the exit
 * knows its next hop's MAC; else no_route, or nexthop_unresolved (a
 * trace asks the next hop nothing).
 */
static void segf_trace_out(const struct segf_ctx *ctx, struct segf_pkt *pkt,
			   const struct segf_addr *saddr,
			   const struct segf_addr *daddr,
			   const struct segf_endpoint *src,
			   struct segf_trace *t)
{
	struct segf_decision *d = &t->d;
	struct segf_group *dgroup = NULL;

	if (!segf_addr_link_local(saddr))
		dgroup = segf_exit_peer(ctx, daddr);
	if (!dgroup) {
		d->src = src->group;
		d->drop = SEGFILTER_DROP_NO_ROUTE;
		return;
	}
	t->exit = segf_exit_next_hop(ctx, pkt->proto == htons(ETH_P_IPV6),
				     pkt->dst);
	if (!t->exit) {
		/* segf_exit_peer() saw the exit: its next hop is unknown. */
		t->exit = rcu_dereference(ctx->dom->exit);
		d->src = src->group;
		d->dst = dgroup;
		d->drop = SEGFILTER_DROP_NEXTHOP_UNRESOLVED;
		return;
	}
	segf_verdict(ctx->dom, ctx->pol, pkt, src->group, dgroup, jiffies, d);
}

/*
 * A packet an endpoint behind @ctx->port sends, routed as segf_rx() and
 * segf_routed() route it.  Its sender is the endpoint whose address, or
 * prefix (a router VM's subnet), holds the source, if it sits behind
 * the port and segf_check_source() lets it send from there; its
 * destination is the endpoint that has the destination address or the
 * longest prefix holding it (segf_route()), else a peer outside by the
 * exit.  The MACs are those of the two endpoints: a trace has no frame.
 */
static void segf_trace_endpoint(struct segf_ctx *ctx, struct segf_pkt *pkt,
				struct segf_trace *t)
{
	struct segf_decision *d = &t->d;
	struct segf_endpoint *src, *dst = NULL;
	struct segf_addr saddr, daddr;
	u32 reason;

	segf_pkt_addrs(pkt, &saddr, &daddr);
	src = segf_lookup_route(ctx, &saddr);
	if (!src || READ_ONCE(src->port) != ctx->port) {
		d->drop = SEGFILTER_DROP_SRC_IP;
		return;
	}
	ether_addr_copy(pkt->src, src->mac);
	reason = segf_check_source(ctx->pol, src, pkt);
	if (reason) {
		d->drop = reason;
		return;
	}
	reason = segf_route(ctx, pkt, &dst);
	/* Only a domain with a gateway routes anything, out by its exit too. */
	if (reason == SEGFILTER_DROP_NO_ROUTE && !dst &&
	    !is_zero_ether_addr(ctx->pol->cfg.gw_mac)) {
		segf_trace_out(ctx, pkt, &saddr, &daddr, src, t);
		return;
	}
	if (reason) {
		d->src = src->group;
		d->drop = reason;
		return;
	}
	ether_addr_copy(pkt->dst, dst->mac);
	segf_verdict(ctx->dom, ctx->pol, pkt, src->group, dst->group, jiffies,
		     d);
}

/*
 * A packet from outside, in by the exit @ctx->port from its next hop,
 * to the exit's MAC, as segf_rx_exit() takes it: of a family the exit
 * has, once it knows its next hop (else exit_foreign), then where
 * segf_exit_in_dest() sends it, from the prefix group of its source.
 */
static void segf_trace_exit_in(struct segf_ctx *ctx, struct segf_pkt *pkt,
			       struct segf_trace *t)
{
	struct segf_exit_link *link;
	struct segf_decision *d = &t->d;
	struct segf_group *sgroup = NULL;
	struct segf_endpoint *dst;
	u32 reason;

	link = &ctx->port->exit[pkt->proto == htons(ETH_P_IP) ?
				SEGF_EXIT_V4 : SEGF_EXIT_V6];
	if (READ_ONCE(ctx->port->born) > ctx->pol->gen) {
		d->drop = SEGFILTER_DROP_NO_ROUTE;
		return;
	}
	if (!link->on || !segf_exit_nh_mac(link, pkt->src)) {
		d->drop = SEGFILTER_DROP_EXIT_FOREIGN;
		return;
	}
	/* Link control on an exit is for the exit's own link: exit.c. */
	if (segf_is_link_control(pkt)) {
		d->drop = SEGFILTER_DROP_EXIT_FOREIGN;
		return;
	}
	reason = segf_exit_in_dest(ctx, pkt, &dst, &sgroup);
	if (reason) {
		d->src = sgroup;
		d->drop = reason;
		return;
	}
	segf_verdict(ctx->dom, ctx->pol, pkt, sgroup, dst->group, jiffies, d);
}

/*
 * Run @pkt through the lookups and the verdict, as if it came in by
 * @port: from an endpoint behind it, or from outside if it is the
 * domain's exit.  Nothing is sent, counted or changed: the flow table
 * is only read.  Called with segf_net::lock held.
 */
static void segf_trace_packet(struct segf_port *port, struct segf_pkt *pkt,
			      struct segf_trace *t)
{
	struct segf_ctx ctx = {
		.dom = port->domain,
		.port = port,
	};

	memset(t, 0, sizeof(*t));
	rcu_read_lock();
	ctx.pol = rcu_dereference(port->domain->policy);
	if (segf_port_is_exit(port))
		segf_trace_exit_in(&ctx, pkt, t);
	else
		segf_trace_endpoint(&ctx, pkt, t);
	rcu_read_unlock();
}

/* Build the packet a TRACE request describes. */
static int segf_trace_parse(struct nlattr *nest, struct segf_pkt *pkt,
			    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SEGFILTER_A_TUPLE_MAX + 1];
	int err;

	/* The command's policy (netlink.c) validated the nest already. */
	err = nla_parse_nested(tb, SEGFILTER_A_TUPLE_MAX, nest, NULL, extack);
	if (err)
		return err;
	memset(pkt, 0, sizeof(*pkt));
	if (tb[SEGFILTER_A_TUPLE_SRC_IPV4] && tb[SEGFILTER_A_TUPLE_DST_IPV4]) {
		pkt->proto = htons(ETH_P_IP);
		pkt->v4.saddr = nla_get_in_addr(tb[SEGFILTER_A_TUPLE_SRC_IPV4]);
		pkt->v4.daddr = nla_get_in_addr(tb[SEGFILTER_A_TUPLE_DST_IPV4]);
	} else if (tb[SEGFILTER_A_TUPLE_SRC_IPV6] &&
		   tb[SEGFILTER_A_TUPLE_DST_IPV6]) {
		pkt->proto = htons(ETH_P_IPV6);
		pkt->v6.saddr = nla_get_in6_addr(tb[SEGFILTER_A_TUPLE_SRC_IPV6]);
		pkt->v6.daddr = nla_get_in6_addr(tb[SEGFILTER_A_TUPLE_DST_IPV6]);
	} else {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "a traced packet needs a source and a destination address of one family");
		return -EINVAL;
	}
	if (!tb[SEGFILTER_A_TUPLE_PROTO]) {
		NL_SET_ERR_ATTR_MISS(extack, nest, SEGFILTER_A_TUPLE_PROTO);
		NL_SET_ERR_MSG_MOD(extack, "a traced packet needs a protocol");
		return -EINVAL;
	}
	pkt->l4proto = nla_get_u8(tb[SEGFILTER_A_TUPLE_PROTO]);
	pkt->ttl = 64;
	switch (pkt->l4proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		pkt->flags |= SEGF_PKT_L4;
		pkt->tcp_flags = TCPHDR_SYN;	/* a new connection */
		if (tb[SEGFILTER_A_TUPLE_SPORT])
			pkt->sport = htons(nla_get_u16(tb[SEGFILTER_A_TUPLE_SPORT]));
		if (tb[SEGFILTER_A_TUPLE_DPORT])
			pkt->dport = htons(nla_get_u16(tb[SEGFILTER_A_TUPLE_DPORT]));
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		pkt->flags |= SEGF_PKT_L4;
		if (pkt->l4proto == IPPROTO_ICMP)
			pkt->icmp_type = ICMP_ECHO;
		else
			pkt->icmp_type = ICMPV6_ECHO_REQUEST;
		if (tb[SEGFILTER_A_TUPLE_ICMP_TYPE])
			pkt->icmp_type =
				nla_get_u8(tb[SEGFILTER_A_TUPLE_ICMP_TYPE]);
		if (tb[SEGFILTER_A_TUPLE_ICMP_ID])
			pkt->icmp_id =
				htons(nla_get_u16(tb[SEGFILTER_A_TUPLE_ICMP_ID]));
		break;
	}
	return 0;
}

/* Put what segf_trace_packet() found into the reply. */
static bool segf_trace_fill(struct sk_buff *msg, const struct segf_domain *dom,
			    const struct segf_trace *t,
			    const struct segf_pkt *pkt)
{
	const struct segf_decision *d = &t->d;
	bool full;

	full = nla_put_u32(msg, SEGFILTER_A_DOMAIN_ID, dom->id) ||
	       nla_put_string(msg, SEGFILTER_A_DOMAIN_NAME, dom->name);
	if (d->src)
		full = full ||
		       nla_put_u16(msg, SEGFILTER_A_SRC_GROUP_ID, d->src->id) ||
		       nla_put_string(msg, SEGFILTER_A_SRC_GROUP_NAME,
				      d->src->name);
	if (d->dst)
		full = full ||
		       nla_put_u16(msg, SEGFILTER_A_DST_GROUP_ID, d->dst->id) ||
		       nla_put_string(msg, SEGFILTER_A_DST_GROUP_NAME,
				      d->dst->name);
	if (d->flow)
		full = full || nla_put_u8(msg, SEGFILTER_A_TRACE_FLOW, d->flow);
	if (d->rule)
		full = full ||
		       nla_put_u32(msg, SEGFILTER_A_RULE_ID, d->rule->id);
	else if (d->by_default)
		full = full || nla_put_flag(msg, SEGFILTER_A_TRACE_DEFAULT);
	if (d->action)
		full = full || nla_put_u8(msg, SEGFILTER_A_ACTION, d->action);
	if (d->chain)
		full = full || nla_put_string(msg, SEGFILTER_A_CHAIN_NAME,
					      d->chain->name);
	if (d->drop)
		full = full || nla_put_u32(msg, SEGFILTER_A_DROP_REASON, d->drop);
	if (t->exit)
		full = full || nla_put_u32(msg, SEGFILTER_A_TRACE_EXIT,
					   t->exit->ifindex);
	return full || segf_put_tuple(msg, pkt);
}

int segf_trace_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_net *sn = segf_pernet(genl_info_net(info));
	struct nlattr *tuple = info->attrs[SEGFILTER_A_TUPLE];
	struct segf_trace t;
	struct segf_port *port;
	struct segf_pkt pkt;
	struct sk_buff *msg;
	void *hdr;
	int err;

	if (!tuple) {
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, SEGFILTER_A_TUPLE);
		NL_SET_ERR_MSG_MOD(info->extack, "missing packet (tuple)");
		return -EINVAL;
	}
	err = segf_trace_parse(tuple, &pkt, info->extack);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	segf_lock(sn);
	port = segf_port_lookup(sn, info->attrs, info->extack);
	if (IS_ERR(port)) {
		err = PTR_ERR(port);
		goto out;
	}
	if (!port->domain) {
		char name[IFNAMSIZ];

		segf_port_name(port, name);
		NL_SET_BAD_ATTR(info->extack, info->attrs[SEGFILTER_A_IFINDEX]);
		NL_SET_ERR_MSG_FMT_MOD(info->extack,
				       "%s is an uplink: trace from the port of the endpoint that sends",
				       name);
		err = -EINVAL;
		goto out;
	}
	segf_trace_packet(port, &pkt, &t);

	err = -EMSGSIZE;
	hdr = genlmsg_put(msg, info->snd_portid, info->snd_seq, &segf_family,
			  0, SEGFILTER_CMD_TRACE);
	if (!hdr)
		goto out;
	if (segf_trace_fill(msg, port->domain, &t, &pkt)) {
		genlmsg_cancel(msg, hdr);
		goto out;
	}
	genlmsg_end(msg, hdr);
	err = 0;
out:
	mutex_unlock(&sn->lock);
	/* A default-sized message always has room: that would be a bug. */
	if (WARN_ON_ONCE(err == -EMSGSIZE) || err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}
