// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: forwarding.  A frame whose sender passed its checks goes
 * on here: a broadcast or multicast frame floods the domain's endpoint
 * ports, copy by copy as the policy allows; a frame to the domain's
 * gateway is routed to the endpoint that owns its destination address;
 * any other goes to the endpoint that owns its destination MAC.  A
 * unicast frame is judged (verdict.c) and leaves by its destination's
 * port, through the uplink to a remote endpoint's host, or into its
 * flow's service chain (steer.c).
 */

#include <linux/if_arp.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/addrconf.h>
#include <net/dst_metadata.h>
#include <net/ip.h>
#include <net/tcp.h>

#include "bum.h"
#include "compat.h"
#include "datapath.h"
#include "endpoint.h"
#include "flow.h"
#include "overlay.h"
#include "policy.h"
#include "port.h"

/*
 * Send @skb, a whole frame at skb->data, out of @out towards its guest
 * (or, out of an uplink, its tunnel), counted as sent there and on the
 * domain.  False if the device refused it or is going away; nothing is
 * charged then.  Consumes @skb.
 */
bool segf_send(const struct segf_ctx *ctx, struct segf_port *out,
	       struct sk_buff *skb)
{
	unsigned int len = skb->len;
	int ret;

	/*
	 * Its device is going away (see struct segf_port), or it is a
	 * check's dry port, whose device segfilter does not own: dry is
	 * set before the port can be reached and never changes.
	 */
	if (unlikely(READ_ONCE(out->gone) || out->dry)) {
		kfree_skb(skb);
		return false;
	}
	skb->dev = out->dev;
	skb_forward_csum(skb);
	/* An rx timestamp would read as a departure time to fq. */
	skb_clear_tstamp(skb);
	/* net_xmit_eval() evaluates its argument twice: never inline it. */
	ret = dev_queue_xmit(skb);
	if (net_xmit_eval(ret))
		return false;
	segf_count_packet(out->stats, true, len);
	segf_count_packet(ctx->dom->stats, true, len);
	return true;
}

/*
 * segf_send(), and a frame that did not go counted as tx_error on the
 * port it came from.  Consumes @skb.
 */
void segf_xmit(const struct segf_ctx *ctx, struct segf_port *out,
	       struct sk_buff *skb)
{
	if (!segf_send(ctx, out, skb))
		segf_count(ctx, drops[SEGFILTER_DROP_TX_ERROR]);
}

/*
 * Send a frame on to @dst where it is: out of its port, or through the
 * uplink to its host with the sender's group (ctx->gbp) in the tunnel
 * header.  @flow, if the frame has one, keeps the tunnel metadata for its
 * next frames.  Nothing goes from one remote endpoint to another: a host
 * relays no frame between uplinks.  Consumes @skb.
 */
void segf_deliver(const struct segf_ctx *ctx, struct sk_buff *skb,
		  const struct segf_endpoint *dst, struct segf_flow *flow)
{
	struct segf_port *out = segf_endpoint_port(dst);
	struct segf_remote *remote;
	struct metadata_dst *tun;

	if (!segf_port_is_uplink(out)) {
		segf_xmit(ctx, out, skb);
		return;
	}
	remote = rcu_dereference(dst->remote);
	if (ctx->from_remote || !remote) {
		segf_drop(ctx, skb, SEGFILTER_DROP_WRONG_HOST);
		return;
	}
	tun = segf_tunnel_get(flow, &remote->addr, ctx->dom->vni, ctx->gbp);
	if (!tun) {
		segf_drop(ctx, skb, SEGFILTER_DROP_TX_ERROR);
		return;
	}
	skb_dst_drop(skb);
	skb_dst_set(skb, &tun->dst);
	segf_xmit(ctx, out, skb);
}

/*
 * A frame to an endpoint's MAC must be for one of that endpoint's
 * addresses, and a frame to a group MAC for a group address: flows are
 * keyed by address, so a frame judged for one endpoint must not land at
 * another.  That holds for link control too, which no policy judges: a
 * neighbour solicitation may go to the solicited-node group of a target
 * the endpoint owns, nothing else to an address it does not own.
 */
static bool segf_dst_matches(const struct segf_ctx *ctx,
			     const struct segf_pkt *pkt,
			     const struct segf_endpoint *dst)
{
	struct segf_addr key;
	struct in6_addr snm;

	/*
	 * segfilter answers every ARP request for an address of the domain,
	 * so no reply between endpoints is left to carry, and a request that
	 * is not answered (for the sender's own address) is broadcast.
	 */
	if (pkt->proto == htons(ETH_P_ARP))
		return !dst;
	if (pkt->proto == htons(ETH_P_IP)) {
		if (!dst)
			return ipv4_is_multicast(pkt->v4.daddr) ||
			       ipv4_is_lbcast(pkt->v4.daddr);
		if (segf_owns_v4(dst, pkt->v4.daddr))
			return true;
		/* Or for a prefix it owns: a router endpoint's subnet. */
		segf_addr_v4(&key, pkt->v4.daddr);
		return segf_prefix_held_by(ctx->pol, &key, dst);
	}
	if (pkt->proto == htons(ETH_P_IPV6)) {
		if (!dst)
			return ipv6_addr_is_multicast(&pkt->v6.daddr);
		if (segf_owns_v6(dst, &pkt->v6.daddr))
			return true;
		if (!segf_is_link_control(pkt)) {
			segf_addr_v6(&key, &pkt->v6.daddr);
			return segf_prefix_held_by(ctx->pol, &key, dst);
		}
		if (!(pkt->flags & SEGF_PKT_ND_NS) ||
		    !segf_owns_v6(dst, &pkt->nd_target))
			return false;
		addrconf_addr_solict_mult(&pkt->nd_target, &snm);
		return ipv6_addr_equal(&pkt->v6.daddr, &snm);
	}
	return true;
}

/*
 * Link control passes without policy, so it carries nothing but itself:
 * a flooded ARP frame loses whatever follows its message (the padding of a
 * minimal Ethernet frame, or anything else the sender put there).
 */
static int segf_trim_arp(struct sk_buff *skb, const struct segf_pkt *pkt)
{
	unsigned int len = pkt->l3_off + sizeof(struct arphdr) +
			   sizeof(struct segf_arp_eth_ipv4);

	if (pkt->proto != htons(ETH_P_ARP) || skb->len <= len)
		return 0;
	return pskb_trim_rcsum(skb, len);
}

/*
 * What a flood copy to @out may do: judged against each group that has
 * endpoints behind @out in the frame's generation (at most
 * SEGF_PORT_GROUPS, one rule index lookup each), it goes only if every
 * one of them allows it.  The first group that does not decides why not:
 * its deny, or its redirect (a flood cannot cross a service).  A port
 * with no endpoint the generation sees gets nothing, and no drop is
 * counted.  Rule counters, the default_allowed counter and verdict
 * events count the copy once per rule (or default) that decided it.
 *
 * Return: 0 to send the copy, -ENOENT to skip the port, or why the
 * copy is dropped (an enum segfilter_drop_reason).
 */
static int segf_flood_judge(const struct segf_ctx *ctx,
			    const struct segf_port *out,
			    const struct segf_pkt *pkt,
			    const struct segf_match *m, u16 sg,
			    unsigned int len)
{
	struct segf_rule *rules[SEGF_PORT_GROUPS];
	u16 dgs[SEGF_PORT_GROUPS];
	const struct segf_policy *pol = ctx->pol;
	unsigned int i, j, n = 0;
	bool by_default = false;
	struct segf_verdict v;
	u16 dg;

	for (i = 0; i < SEGF_PORT_GROUPS; i++) {
		dg = segf_port_group(out, i, pol->gen);
		if (!dg)
			continue;
		segf_judge(pol, sg, dg, m, &v);
		if (v.action != SEGFILTER_ACTION_ALLOW) {
			if (v.rule) {
				segf_rule_hit(v.rule, len);
				if (v.rule->flags & SEGF_RULE_LOG)
					segf_log(ctx, v.rule, sg, dg, pkt);
			}
			if (v.action == SEGFILTER_ACTION_REDIRECT)
				return SEGFILTER_DROP_FLOOD_REDIRECT;
			return v.rule ? SEGFILTER_DROP_RULE_DENY :
					SEGFILTER_DROP_DEFAULT_DENY;
		}
		if (!v.rule) {
			by_default = true;
			continue;
		}
		for (j = 0; j < n; j++)
			if (rules[j] == v.rule)
				break;
		if (j == n) {
			rules[n] = v.rule;
			dgs[n++] = dg;
		}
	}
	if (!n && !by_default)
		return -ENOENT;
	for (j = 0; j < n; j++) {
		segf_rule_hit(rules[j], len);
		if (rules[j]->flags & SEGF_RULE_LOG)
			segf_log(ctx, rules[j], sg, dgs[j], pkt);
	}
	if (by_default)
		segf_count(ctx, default_allowed);
	return 0;
}

/*
 * Send a copy of a broadcast or multicast frame from @src to every other
 * endpoint port of the domain that the frame's generation knows (a port
 * attached by a commit not yet published gets nothing) and that the
 * policy lets it reach: see segf_flood_judge().  Link plumbing (ARP, ND,
 * MLD) is not judged.  A frame from a local endpoint also goes to the
 * domain's other hosts (bum.c), but for link plumbing and DHCP, which
 * stay on this host.  Copies open no flow.  A dropped copy is counted,
 * with its reason, on the port the frame came by and on the domain.
 * Consumes @skb.
 */
static void segf_flood(const struct segf_ctx *ctx, struct sk_buff *skb,
		       const struct segf_pkt *pkt,
		       const struct segf_endpoint *src)
{
	bool judged = !segf_is_link_control(pkt);
	u64 gen = ctx->pol->gen;
	u16 sg = src->group->id;
	struct segf_port *out;
	struct segf_match m;

	segf_count(ctx, flooded);
	if (judged)
		segf_match_of(pkt, &m);
	list_for_each_entry_rcu(out, &ctx->dom->ports, domain_node) {
		struct sk_buff *nskb;

		if (out == ctx->port ||
		    out->role != SEGFILTER_PORT_ROLE_ENDPOINT ||
		    READ_ONCE(out->born) > gen)
			continue;
		if (judged) {
			int reason = segf_flood_judge(ctx, out, pkt, &m, sg,
						      skb->len);

			if (reason == -ENOENT)
				continue;
			if (reason) {
				segf_count(ctx, drops[reason]);
				continue;
			}
		}
		nskb = skb_clone(skb, GFP_ATOMIC);
		if (!nskb) {
			segf_drop(ctx, skb, SEGFILTER_DROP_TX_ERROR);
			return;
		}
		segf_xmit(ctx, out, nskb);
	}
	/*
	 * Copies to other hosts: IP only (a bridge's own protocols, LLDP,
	 * STP, pause frames, stay on their link), none of what came from
	 * one (no loops).
	 */
	if (judged && !ctx->from_remote && ctx->dom->vni &&
	    (pkt->proto == htons(ETH_P_IP) ||
	     pkt->proto == htons(ETH_P_IPV6)) && !segf_is_dhcp(pkt))
		segf_bum_replicate(ctx, skb, &m, sg);
	consume_skb(skb);
}

/*
 * Step 5 for a frame sent to the domain's gateway: the destination is
 * the endpoint that owns the destination address (a host route), else
 * the one that owns the longest prefix that holds it.  segctl trace
 * (trace.c) asks it too.
 */
static __always_inline enum segfilter_drop_reason
__segf_route(const struct segf_ctx *ctx, const struct segf_pkt *pkt,
	     struct segf_endpoint **dst)
{
	struct segf_addr key;

	if (pkt->proto == htons(ETH_P_IP)) {
		if (ipv4_is_multicast(pkt->v4.daddr) ||
		    ipv4_is_lbcast(pkt->v4.daddr))
			return SEGFILTER_DROP_NO_ROUTE;
		segf_addr_v4(&key, pkt->v4.daddr);
		*dst = segf_lookup_route(ctx, &key);
	} else if (pkt->proto == htons(ETH_P_IPV6)) {
		if (ipv6_addr_is_multicast(&pkt->v6.daddr))
			return SEGFILTER_DROP_NO_ROUTE;
		/*
		 * Link control is for the gateway's own addresses, and its
		 * solicitations were answered: it is never routed.
		 */
		if (segf_is_link_control(pkt))
			return SEGFILTER_DROP_DST_MISMATCH;
		segf_addr_v6(&key, &pkt->v6.daddr);
		*dst = segf_lookup_route(ctx, &key);
	} else {
		return SEGFILTER_DROP_NO_DEST;
	}
	if (!*dst)
		return SEGFILTER_DROP_NO_ROUTE;
	if (pkt->ttl <= 1)
		return SEGFILTER_DROP_TTL_EXCEEDED;
	return 0;
}

/* The same, out of line, for segctl trace: the data path inlines it. */
enum segfilter_drop_reason
segf_route(const struct segf_ctx *ctx, const struct segf_pkt *pkt,
	   struct segf_endpoint **dst)
{
	return __segf_route(ctx, pkt, dst);
}

/*
 * Make a routed frame a router's: from @src_mac (the gateway's, or an
 * exit's) to @dst_mac, its TTL or hop limit one less.
 */
int segf_route_rewrite(struct sk_buff *skb, const struct segf_pkt *pkt,
		       const u8 *src_mac, const u8 *dst_mac)
{
	bool v4 = pkt->proto == htons(ETH_P_IP);
	struct ethhdr *eth;

	if (skb_ensure_writable(skb, pkt->l3_off + (v4 ? sizeof(struct iphdr) :
						  sizeof(struct ipv6hdr))))
		return -ENOMEM;
	eth = (struct ethhdr *)skb->data;
	ether_addr_copy(eth->h_dest, dst_mac);
	ether_addr_copy(eth->h_source, src_mac);
	/* A changed IPv6 header voids CHECKSUM_COMPLETE: segf_xmit() drops it. */
	if (v4)
		ip_decrease_ttl((struct iphdr *)(skb->data + pkt->l3_off));
	else
		((struct ipv6hdr *)(skb->data + pkt->l3_off))->hop_limit--;
	return 0;
}

/*
 * A redirected flow crosses its chain on the host of its responder (the
 * end it was opened to), through that host's instances, in both
 * directions; on the opener's host, when that is another, it goes
 * straight over the overlay.  One host steers, so a stateful service
 * sees both directions, and the responder's host, which never trusts
 * that another enforced, is the one that does.
 */
static bool segf_steers_here(const struct segf_steer *st,
			     const struct segf_endpoint *src,
			     const struct segf_endpoint *dst)
{
	const struct segf_endpoint *responder;

	responder = st->side == st->flow->init_side ? dst : src;
	return !segf_port_is_uplink(segf_endpoint_port(responder));
}

/**
 * segf_out_mtu - the MTU a packet out of a port is held to
 * @skb: the frame
 * @pkt: what segf_parse() found in it
 * @out: the port it leaves by: an endpoint's, an uplink or an exit
 * @v6: through an uplink, whether the far host is reached over IPv6
 *
 * The path's MTU (@out's device's, or through an uplink, what reaches a
 * host of that family), where the packet's sender can be told (IPv6,
 * IPv4 with DF set and not a later fragment) or the device would drop
 * it anyway (a veth).  A DF-clear IPv4 packet or a fragment goes to a
 * tap or a remote host whatever its size, as before the check: tun does
 * not check the MTU, and the VXLAN device fragments the outer packet.
 * A path under the protocol's minimum is not one (PTB would loop).
 *
 * Return: the MTU, 0 for none.
 */
unsigned int segf_out_mtu(const struct sk_buff *skb,
			  const struct segf_pkt *pkt,
			  const struct segf_port *out, bool v6)
{
	const struct iphdr *iph;
	unsigned int mtu, min;
	struct iphdr buf;

	if (pkt->proto == htons(ETH_P_IPV6))
		min = IPV6_MIN_MTU;
	else if (pkt->proto == htons(ETH_P_IP))
		min = SEGF_IPV4_MIN_MTU;
	else
		return 0;
	mtu = segf_port_mtu(out, v6);
	/* 0 or at least @min: segf_fits_any() relies on it. */
	if (mtu < min)
		return 0;
	if (pkt->proto == htons(ETH_P_IPV6) ||
	    (out->drops_big && !skb_is_gso(skb)))
		return mtu;
	iph = skb_header_pointer(skb, pkt->l3_off, sizeof(buf), &buf);
	if (!iph || (iph->frag_off & htons(IP_DF | IP_OFFSET)) != htons(IP_DF))
		return 0;
	return mtu;
}

/* segf_out_mtu() for a packet to @dst, out of its port. */
unsigned int segf_path_mtu(const struct sk_buff *skb,
			   const struct segf_pkt *pkt,
			   const struct segf_endpoint *dst)
{
	const struct segf_port *out = segf_endpoint_port(dst);
	const struct segf_remote *remote;
	bool v6 = false;

	if (segf_port_is_uplink(out)) {
		remote = rcu_dereference(dst->remote);
		v6 = remote && remote->addr.family == AF_INET6;
	}
	return segf_out_mtu(skb, pkt, out, v6);
}

/*
 * Whether the segments of an IPv6 BIG TCP packet of Linux 6.1 to 6.12
 * (see parse_ipv6_big()) fit a path of @mtu: the jumbo hop-by-hop header
 * it carries is not theirs.  Only for a GSO packet found too big.
 */
static bool segf_big_tcp_fits(const struct sk_buff *skb,
			      const struct segf_pkt *pkt, unsigned int mtu)
{
	const struct ipv6hdr *ip6h;
	struct ipv6hdr buf;

	if (pkt->proto != htons(ETH_P_IPV6) || !skb_is_gso_tcp(skb))
		return false;
	ip6h = skb_header_pointer(skb, pkt->l3_off, sizeof(buf), &buf);
	if (!ip6h || ip6h->payload_len || ip6h->nexthdr != NEXTHDR_HOP)
		return false;
	return skb_gso_validate_network_len(skb, mtu +
					    sizeof(struct hop_jumbo_hdr));
}

/*
 * Whether the IP packet in @skb fits a path of @mtu (0: any does); a GSO
 * frame's, by the segments it will be cut into.
 */
bool segf_fits(const struct sk_buff *skb, const struct segf_pkt *pkt,
	       unsigned int mtu)
{
	if (!mtu)
		return true;
	if (!skb_is_gso(skb))
		return skb->len - pkt->l3_off <= mtu;
	return !skb_transport_header_was_set(skb) ||
	       skb_gso_validate_network_len(skb, mtu) ||
	       segf_big_tcp_fits(skb, pkt, mtu);
}

/* A frame segf_decide() let go from @src to @dst: on its way. */
static __always_inline void segf_forward(const struct segf_ctx *ctx,
					 struct sk_buff *skb,
					 const struct segf_steer *st,
					 const struct segf_endpoint *src,
					 const struct segf_endpoint *dst)
{
	if (st->flow && segf_steers_here(st, src, dst))
		segf_steer_start(ctx, skb, st, dst);
	else
		segf_deliver(ctx, skb, dst, st->entry);
}

/*
 * A broadcast or multicast frame from @src: to a group address, with
 * nothing but the ARP message if it is one, flooded.  Consumes @skb.
 */
void segf_multicast(const struct segf_ctx *ctx, struct sk_buff *skb,
		    const struct segf_pkt *pkt,
		    const struct segf_endpoint *src)
{
	if (!segf_dst_matches(ctx, pkt, NULL)) {
		segf_drop(ctx, skb, SEGFILTER_DROP_DST_MISMATCH);
		return;
	}
	if (segf_trim_arp(skb, pkt)) {
		segf_drop(ctx, skb, SEGFILTER_DROP_MALFORMED);
		return;
	}
	segf_flood(ctx, skb, pkt, src);
}

/*
 * A frame from @src to the domain's gateway: routed to an endpoint, or
 * out of the domain's exit.  Consumes @skb.
 */
void segf_routed(const struct segf_ctx *ctx, struct sk_buff *skb,
		 const struct segf_pkt *pkt, const struct segf_endpoint *src)
{
	struct segf_endpoint *dst = NULL;
	enum segfilter_drop_reason reason;
	struct segf_steer st;
	unsigned int mtu;

	reason = __segf_route(ctx, pkt, &dst);
	/*
	 * No endpoint has the address nor owns a prefix of it: the
	 * domain's exit may take it.
	 */
	if (reason == SEGFILTER_DROP_NO_ROUTE && !dst &&
	    segf_exit_route(ctx, skb, pkt, src))
		return;
	if (!reason)
		reason = segf_decide(ctx, pkt, skb->len, src->group,
				     dst->group, &st);
	if (reason)
		goto drop;
	/* Before the TTL goes down: the error quotes what the sender sent. */
	if (!segf_fits_any(skb, pkt)) {
		mtu = segf_path_mtu(skb, pkt, dst);
		if (unlikely(!segf_fits(skb, pkt, mtu))) {
			segf_too_big(ctx, skb, pkt, src, mtu);
			return;
		}
	}
	reason = SEGFILTER_DROP_TX_ERROR;
	if (segf_route_rewrite(skb, pkt, ctx->pol->cfg.gw_mac, dst->mac))
		goto drop;
	segf_count(ctx, routed);
	segf_forward(ctx, skb, &st, src, dst);
	return;

drop:
	segf_drop(ctx, skb, reason);
}

/* A unicast frame let go from @src to @dst: out, if it fits. */
static __always_inline void
segf_unicast_out(const struct segf_ctx *ctx, struct sk_buff *skb,
		 const struct segf_pkt *pkt, const struct segf_endpoint *src,
		 const struct segf_endpoint *dst, const struct segf_steer *st)
{
	unsigned int mtu;

	if (!segf_fits_any(skb, pkt)) {
		mtu = segf_path_mtu(skb, pkt, dst);
		if (unlikely(!segf_fits(skb, pkt, mtu))) {
			segf_too_big(ctx, skb, pkt, src, mtu);
			return;
		}
	}
	segf_count(ctx, forwarded);
	segf_forward(ctx, skb, st, src, dst);
}

/**
 * segf_established - a packet of a flow whose ends are known
 * @ctx: the frame's context
 * @skb: the frame
 * @pkt: what segf_parse() found in it
 * @src: the endpoint that sent it, on this port
 * @found: its flow entry, looked up here, for the full path to use
 *
 * A flow that the current generation allows, not redirected, and whose
 * ends that generation found (segf_flow_learn()) already answers the
 * questions segf_check_source(), the destination's MAC lookup,
 * segf_dst_matches() and segf_decide() would ask of its next packets:
 * @src owns the source address, and the endpoint at the other end owns
 * the destination address and (checked here) the destination MAC.  Such
 * a packet goes out as segf_unicast() would send it; anything else is
 * left to the full path.  Not for a frame from a remote endpoint, nor
 * to the gateway or a group.
 *
 * Return: true if it consumed @skb.
 */
bool segf_established(const struct segf_ctx *ctx, struct sk_buff *skb,
		      const struct segf_pkt *pkt,
		      const struct segf_endpoint *src,
		      struct segf_flow_found *found)
{
	const struct segf_endpoint *dst;
	unsigned long now = jiffies;
	struct segf_rule *rule;
	struct segf_flow *flow;
	struct segf_steer st;
	u8 side;

	segf_flow_find(ctx->dom, pkt, found);
	flow = found->flow;
	if (!flow || segf_flow_over(flow, pkt, now))
		return false;
	side = found->side;
	if (!segf_flow_known(flow, ctx->pol->gen, side, src, &dst, &rule) ||
	    !ether_addr_equal(dst->mac, pkt->dst))
		return false;
	segf_flow_update(flow, pkt, side, now);
	segf_count_allowed(ctx, rule, skb->len);
	st.entry = flow;
	st.flow = NULL;
	st.side = side;
	segf_unicast_out(ctx, skb, pkt, src, dst, &st);
	return true;
}

/*
 * A frame from @src, local (rx.c) or remote (uplink.c), to the endpoint
 * that owns its destination MAC, which must own its destination address
 * too.  Nothing goes from one remote endpoint to another.  Consumes @skb.
 */
void segf_unicast(const struct segf_ctx *ctx, struct sk_buff *skb,
		  const struct segf_pkt *pkt, const struct segf_endpoint *src)
{
	enum segfilter_drop_reason reason;
	struct segf_endpoint *dst;
	struct segf_steer st;

	dst = segf_lookup_mac(ctx, pkt->dst);
	reason = SEGFILTER_DROP_NO_DEST;
	if (!dst)
		goto drop;
	reason = SEGFILTER_DROP_WRONG_HOST;
	if (ctx->from_remote && segf_port_is_uplink(segf_endpoint_port(dst)))
		goto drop;
	reason = SEGFILTER_DROP_DST_MISMATCH;
	if (!segf_dst_matches(ctx, pkt, dst))
		goto drop;
	reason = segf_decide(ctx, pkt, skb->len, src->group, dst->group,
			     &st);
	if (reason)
		goto drop;
	/* Its next packets may take segf_established(). */
	if (st.entry && !st.flow)
		segf_flow_learn(st.entry, ctx->pol->gen, st.side, src, dst);
	segf_unicast_out(ctx, skb, pkt, src, dst, &st);
	return;

drop:
	segf_drop(ctx, skb, reason);
}
