// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: reception.  Every frame a guest sends into an attached
 * port arrives here, in the port's rx_handler, and leaves only through
 * another port of the same domain, back to its sender as an ARP, ND,
 * DHCP or router advertisement answer, or into a drop counter.  The
 * host's own stack never sees it.  This file checks what the port may
 * send (its endpoint's MAC and addresses, well-formed link control) and
 * hands the frame on along its route: see datapath.h for the files it
 * crosses.
 *
 * All of the data path runs in softirq context under rcu_read_lock().
 * It takes no lock the control path holds: only the flow table's bucket
 * locks, a flow's own lock when a new policy generation judges it again,
 * and the verdict events' rate limit.  It allocates the clones a flood
 * needs, the neighbour advertisements, DHCP answers and router
 * advertisements it answers with, flow entries and verdict events
 * (GFP_ATOMIC).  Every lookup is a hash lookup or a walk of one group
 * pair's rules; the only other walks are a flood over the ports of one
 * domain and a DHCP request's options, as long as the frame.
 */

#include <linux/icmp.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/tcp.h>

#include "compat.h"
#include "datapath.h"
#include "domain.h"
#include "endpoint.h"
#include "policy.h"
#include "port.h"

/*
 * The checks a receiver makes before it takes an ICMPv6 link-control
 * message as one (RFC 4861 6.1.1 and 7.1, RFC 2710 and 3810 section 5):
 * one that fails them is no link plumbing and must not pass as such.
 *
 * - router and neighbour solicitations and advertisements: hop limit
 *   255 and code 0; one from the unspecified address has no link-layer
 *   address option, and a neighbour solicitation from it (duplicate
 *   address detection) goes to its target's solicited-node group;
 * - MLD: hop limit 1, from a link-local address; reports and done
 *   messages may also come from the unspecified address, as Linux sends
 *   them before the interface has a link-local address (RFC 3810 5.2.13);
 * - the link-layer address a solicitation or advertisement carries is
 *   the sender's MAC, or a neighbour cache would learn another's.
 */
enum segfilter_drop_reason
segf_check_link_control(const struct segf_pkt *pkt)
{
	bool any = ipv6_addr_any(&pkt->v6.saddr);
	bool ll = ipv6_addr_type(&pkt->v6.saddr) & IPV6_ADDR_LINKLOCAL;
	struct in6_addr snm;

	switch (pkt->icmp_type) {
	case ICMPV6_MGM_QUERY:
		any = false;
		fallthrough;
	case ICMPV6_MGM_REPORT:
	case ICMPV6_MGM_REDUCTION:
	case ICMPV6_MLD2_REPORT:
		if (pkt->ttl != 1 || !(ll || any))
			return SEGFILTER_DROP_LINK_INVALID;
		return 0;
	default:
		if (pkt->ttl != 255 || pkt->icmp_code)
			return SEGFILTER_DROP_LINK_INVALID;
		break;
	}
	if ((pkt->flags & SEGF_PKT_ND_LLADDR) &&
	    !ether_addr_equal(pkt->nd_lladdr, pkt->src))
		return SEGFILTER_DROP_SRC_MAC;
	/* From the unspecified address, no link-layer option (RFC 4861). */
	if (any && (pkt->flags & SEGF_PKT_ND_LLADDR))
		return SEGFILTER_DROP_LINK_INVALID;
	if ((pkt->flags & SEGF_PKT_ND_NS) && any) {
		addrconf_addr_solict_mult(&pkt->nd_target, &snm);
		if (!ipv6_addr_equal(&pkt->v6.daddr, &snm))
			return SEGFILTER_DROP_LINK_INVALID;
	}
	return 0;
}

/*
 * Whether @src, which @pol sees, may send from @addr: one of its
 * addresses, or held by a prefix it owns (the longest that holds it).
 * The prefix lookup is only for what is not an address of its own.
 */
static bool segf_src_owns_v4(const struct segf_policy *pol,
			     const struct segf_endpoint *src, __be32 addr)
{
	struct segf_addr key;

	if (segf_owns_v4(src, addr))
		return true;
	segf_addr_v4(&key, addr);
	return segf_prefix_held_by(pol, &key, src);
}

static bool segf_src_owns_v6(const struct segf_policy *pol,
			     const struct segf_endpoint *src,
			     const struct in6_addr *addr)
{
	struct segf_addr key;

	if (segf_owns_v6(src, addr))
		return true;
	segf_addr_v6(&key, addr);
	return segf_prefix_held_by(pol, &key, src);
}

/*
 * Anti-spoofing: the frame's source addresses must be those the
 * endpoint was configured with, or held by the prefixes it owns.  IPv6
 * neighbour discovery and MLD, which never leave the link, may also come
 * from the unspecified address (duplicate address detection) or a
 * link-local one, but only towards a multicast group.  A neighbour
 * advertisement may only advertise an address of the sender's own, and
 * a guest is no router: its router advertisements and redirects go
 * nowhere.  Link control that fails
 * segf_check_link_control() is dropped too.
 */
enum segfilter_drop_reason
segf_check_source(const struct segf_policy *pol,
		  const struct segf_endpoint *src, const struct segf_pkt *pkt)
{
	enum segfilter_drop_reason reason;

	switch (pkt->proto) {
	case htons(ETH_P_ARP):
		if (!ether_addr_equal(pkt->arp.sha, pkt->src))
			return SEGFILTER_DROP_SRC_MAC;
		/* An ARP probe has no sender address yet. */
		if (!pkt->arp.spa)
			return 0;
		if (!segf_src_owns_v4(pol, src, pkt->arp.spa))
			return SEGFILTER_DROP_SRC_IP;
		return 0;
	case htons(ETH_P_IP):
		if (!segf_src_owns_v4(pol, src, pkt->v4.saddr))
			return SEGFILTER_DROP_SRC_IP;
		return 0;
	case htons(ETH_P_IPV6):
		if (pkt->l4proto == IPPROTO_ICMPV6 &&
		    (pkt->icmp_type == NDISC_ROUTER_ADVERTISEMENT ||
		     pkt->icmp_type == NDISC_REDIRECT))
			return SEGFILTER_DROP_ND_ROUTER;
		if (segf_is_link_control(pkt)) {
			reason = segf_check_link_control(pkt);
			if (reason)
				return reason;
		}
		if ((pkt->flags & SEGF_PKT_ND_NA) &&
		    !segf_src_owns_v6(pol, src, &pkt->nd_target))
			return SEGFILTER_DROP_SRC_IP;
		if (segf_src_owns_v6(pol, src, &pkt->v6.saddr))
			return 0;
		if (ipv6_addr_is_multicast(&pkt->v6.daddr) &&
		    segf_is_link_control(pkt) &&
		    (ipv6_addr_any(&pkt->v6.saddr) ||
		     ipv6_addr_type(&pkt->v6.saddr) & IPV6_ADDR_LINKLOCAL))
			return 0;
		return SEGFILTER_DROP_SRC_IP;
	default:
		return SEGFILTER_DROP_ETHERTYPE;
	}
}

/*
 * A neighbour solicitation from a link-local address straight to the
 * gateway's link-local address (neighbour unreachability detection of
 * the router that advertised itself from it): segf_check_source() takes
 * link-local sources towards multicast groups only, but this one is for
 * the gateway, and answered.
 */
static bool segf_ns_for_gateway(const struct segf_ctx *ctx,
				const struct segf_pkt *pkt)
{
	struct segf_addr key;

	if (!(pkt->flags & SEGF_PKT_ND_NS) ||
	    !(ipv6_addr_type(&pkt->v6.saddr) & IPV6_ADDR_LINKLOCAL) ||
	    !(ipv6_addr_type(&pkt->nd_target) & IPV6_ADDR_LINKLOCAL) ||
	    segf_check_link_control(pkt))
		return false;
	segf_addr_v6(&key, &pkt->nd_target);
	return segf_gw_owns(&ctx->pol->cfg, &key);
}

/*
 * A frame may come with its transport checksum still to compute
 * (CHECKSUM_PARTIAL: a VM's virtio header through its tap says where, as
 * does a local sender's packet socket).  The device it leaves by, or the
 * stack, writes the sum where csum_start and csum_offset say, after
 * every check here: they must name the checksum field of the transport
 * header, or a sender could have two bytes it chose written over its
 * checked source address, or into an ARP message.
 */
bool segf_csum_ok(const struct sk_buff *skb, const struct segf_pkt *pkt)
{
	unsigned int field;

	if (skb->ip_summed != CHECKSUM_PARTIAL)
		return true;
	if (!(pkt->flags & SEGF_PKT_L4))
		return false;
	switch (pkt->l4proto) {
	case IPPROTO_TCP:
		field = offsetof(struct tcphdr, check);
		break;
	case IPPROTO_UDP:
		field = offsetof(struct udphdr, check);
		break;
	case IPPROTO_ICMP:
		field = offsetof(struct icmphdr, checksum);
		break;
	case IPPROTO_ICMPV6:
		field = offsetof(struct icmp6hdr, icmp6_cksum);
		break;
	default:
		return false;
	}
	return skb_checksum_start(skb) == skb->data + pkt->l4_off &&
	       skb->csum_offset == field;
}

/*
 * The endpoint that sent a frame from @mac: the port's guess if it is
 * that one (the same answer as the MAC table's: one endpoint has a MAC
 * in a generation), else the table's.
 */
static struct segf_endpoint *segf_sender(const struct segf_ctx *ctx,
					 const u8 *mac)
{
	struct segf_endpoint *ep = rcu_dereference(ctx->port->src_hint);

	if (ep && ether_addr_equal(ep->mac, mac) &&
	    segf_endpoint_visible(ep, ctx->pol->gen))
		return ep;
	return segf_lookup_mac(ctx, mac);
}

/*
 * A frame received on an endpoint port: from the endpoint bound to the
 * port, with its addresses, then on its way.  Consumes @skb.
 */
static __always_inline void segf_rx(struct segf_port *port,
				    struct sk_buff *skb)
{
	struct segf_domain *dom = port->domain;
	const struct segf_domain_cfg *cfg;
	enum segfilter_drop_reason reason;
	struct segf_endpoint *src;
	struct segf_ctx ctx = {
		.dom = dom,
		.pol = rcu_dereference(dom->policy),
		.port = port,
	};
	/* Read only once segf_parse() or segf_flow_find() filled them. */
	struct segf_pkt pkt __uninitialized;
	struct segf_flow_found found __uninitialized;

	/* The rx path pulled the Ethernet header; we work on whole frames. */
	skb_push(skb, skb->data - skb_mac_header(skb));
	segf_count_packet(port->stats, false, skb->len);
	segf_count_packet(dom->stats, false, skb->len);

	reason = SEGFILTER_DROP_VLAN;
	if (skb_vlan_tag_present(skb))
		goto drop;
	reason = SEGFILTER_DROP_MALFORMED;
	if (segf_parse(skb, &pkt) || !segf_csum_ok(skb, &pkt))
		goto drop;
	reason = SEGFILTER_DROP_VLAN;
	if (pkt.flags & SEGF_PKT_VLAN)
		goto drop;

	/* Source identity: an endpoint bound to this very port. */
	src = segf_sender(&ctx, pkt.src);
	reason = SEGFILTER_DROP_SRC_MAC;
	if (!src || READ_ONCE(src->port) != port)
		goto drop;
	ctx.gbp = src->group->id;
	/* DHCP: from 0.0.0.0, or server traffic; see dhcp.c. */
	if (segf_is_dhcp(&pkt) && segf_dhcp(&ctx, skb, &pkt, src))
		return;
	/*
	 * A packet of a flow whose ends are known goes straight on.  Only a
	 * frame to an endpoint's MAC can be one (unicast, and never the
	 * gateway's, which endpoint-add and domain-set refuse to share):
	 * the two tests spare the others the flow lookup.  What it looked
	 * up, the verdict uses.
	 */
	if (!is_multicast_ether_addr(pkt.dst) &&
	    !ether_addr_equal(pkt.dst, ctx.pol->cfg.gw_mac)) {
		if (segf_established(&ctx, skb, &pkt, src, &found))
			return;
		ctx.found = &found;
	}
	reason = segf_check_source(ctx.pol, src, &pkt);
	if (reason == SEGFILTER_DROP_SRC_IP && segf_ns_for_gateway(&ctx, &pkt))
		reason = 0;
	if (reason)
		goto drop;

	if (segf_answer_neighbour(&ctx, skb, &pkt, src))
		return;

	cfg = &ctx.pol->cfg;
	if (is_multicast_ether_addr(pkt.dst))
		segf_multicast(&ctx, skb, &pkt, src);
	else if (!is_zero_ether_addr(cfg->gw_mac) &&
		 ether_addr_equal(pkt.dst, cfg->gw_mac))
		segf_routed(&ctx, skb, &pkt, src);
	else
		segf_unicast(&ctx, skb, &pkt, src);
	return;

drop:
	segf_drop(&ctx, skb, reason);
}

/**
 * segf_handle_frame - the rx_handler of every attached port
 * @pskb: the received frame
 *
 * Called with rcu_read_lock held and bottom halves disabled.
 *
 * Return: RX_HANDLER_PASS for loopback frames, which are not ours;
 * RX_HANDLER_CONSUMED for everything else, forwarded or dropped.
 */
rx_handler_result_t segf_handle_frame(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct segf_port *port;

	if (unlikely(skb->pkt_type == PACKET_LOOPBACK))
		return RX_HANDLER_PASS;

	port = rcu_dereference(skb->dev->rx_handler_data);
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (!skb)
		return RX_HANDLER_CONSUMED;
	*pskb = skb;

	switch (port->role) {
	case SEGFILTER_PORT_ROLE_SERVICE:
		segf_rx_service(port, skb);
		break;
	case SEGFILTER_PORT_ROLE_UPLINK:
		segf_rx_uplink(port, skb);
		break;
	case SEGFILTER_PORT_ROLE_EXIT:
		segf_rx_exit(port, skb);
		break;
	default:
		segf_rx(port, skb);
	}
	return RX_HANDLER_CONSUMED;
}
