// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: the ARP and ND responder.  No ARP request or neighbour
 * solicitation for an address of a domain goes to a guest: segfilter
 * answers it, in the name of the endpoint or gateway that owns the
 * address, back through the port it came by.  A routed service
 * instance gets the gateway's MAC for every address but its own.  The
 * gateway also tells a sender that its packet was too big for its path.
 */

#include <linux/etherdevice.h>
#include <linux/icmp.h>
#include <linux/if_arp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <net/addrconf.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ndisc.h>

#include "datapath.h"
#include "domain.h"
#include "endpoint.h"
#include "policy.h"
#include "service.h"

/* Turn an ARP request for an address of @mac into the reply, in place. */
void segf_arp_reply(const struct segf_ctx *ctx, struct sk_buff *skb,
		    const struct segf_pkt *pkt, const u8 *mac)
{
	struct segf_arp_eth_ipv4 *body;
	struct arphdr *arp;
	struct ethhdr *eth;

	if (skb_ensure_writable(skb, pkt->l3_off + sizeof(*arp) +
					 sizeof(*body))) {
		segf_drop(ctx, skb, SEGFILTER_DROP_TX_ERROR);
		return;
	}
	eth = (struct ethhdr *)skb->data;
	ether_addr_copy(eth->h_dest, pkt->src);
	ether_addr_copy(eth->h_source, mac);

	arp = (struct arphdr *)(skb->data + pkt->l3_off);
	arp->ar_op = htons(ARPOP_REPLY);
	body = (struct segf_arp_eth_ipv4 *)(arp + 1);
	ether_addr_copy(body->tha, pkt->arp.sha);
	body->tpa = pkt->arp.spa;
	ether_addr_copy(body->sha, mac);
	body->spa = pkt->arp.tpa;

	skb->ip_summed = CHECKSUM_NONE;
	segf_count(ctx, arp_replies);
	segf_xmit(ctx, ctx->port, skb);
}

/* The neighbour advertisement answering a solicitation. */
struct segf_nd_na {
	struct ipv6hdr ip6;
	struct icmp6hdr icmp6;
	struct in6_addr target;
	u8 opt_type;
	u8 opt_len;
	u8 opt_mac[ETH_ALEN];
} __packed;

/*
 * Answer a neighbour solicitation for an address of @mac with an
 * advertisement sent back through @port.  A solicitation from the
 * unspecified address (duplicate address detection by another guest)
 * gets its answer on the all-nodes group, unsolicited.
 */
void segf_nd_reply(const struct segf_ctx *ctx, struct sk_buff *skb,
		   const struct segf_pkt *pkt, const u8 *mac)
{
	struct segf_nd_na *na;
	struct sk_buff *nskb;
	struct ethhdr *eth;
	bool dad = ipv6_addr_any(&pkt->v6.saddr);
	unsigned int plen = sizeof(*na) - sizeof(na->ip6);

	nskb = netdev_alloc_skb_ip_align(ctx->port->dev, ETH_HLEN + sizeof(*na));
	if (!nskb) {
		segf_drop(ctx, skb, SEGFILTER_DROP_TX_ERROR);
		return;
	}
	consume_skb(skb);

	eth = skb_put(nskb, ETH_HLEN);
	ether_addr_copy(eth->h_dest, pkt->src);
	ether_addr_copy(eth->h_source, mac);
	eth->h_proto = htons(ETH_P_IPV6);

	na = skb_put_zero(nskb, sizeof(*na));
	ip6_flow_hdr(&na->ip6, 0, 0);
	na->ip6.payload_len = htons(plen);
	na->ip6.nexthdr = IPPROTO_ICMPV6;
	na->ip6.hop_limit = 255;
	na->ip6.saddr = pkt->nd_target;
	if (dad)
		ipv6_addr_set(&na->ip6.daddr, htonl(0xff020000), 0, 0,
			      htonl(1));
	else
		na->ip6.daddr = pkt->v6.saddr;

	na->icmp6.icmp6_type = NDISC_NEIGHBOUR_ADVERTISEMENT;
	na->icmp6.icmp6_solicited = !dad;
	na->icmp6.icmp6_override = 1;
	na->target = pkt->nd_target;
	na->opt_type = ND_OPT_TARGET_LL_ADDR;
	na->opt_len = 1;
	ether_addr_copy(na->opt_mac, mac);
	na->icmp6.icmp6_cksum = csum_ipv6_magic(&na->ip6.saddr,
						&na->ip6.daddr, plen,
						IPPROTO_ICMPV6,
						csum_partial(&na->icmp6, plen, 0));

	skb_reset_mac_header(nskb);
	skb_set_network_header(nskb, ETH_HLEN);
	nskb->protocol = htons(ETH_P_IPV6);
	segf_count(ctx, nd_replies);
	segf_xmit(ctx, ctx->port, nskb);
}

/**
 * segf_respond - answer an ARP request or a neighbour solicitation
 * @ctx: the frame's context
 * @skb: the frame
 * @pkt: what segf_parse() found in it, and segf_check_source() passed
 * @src: the endpoint that sent it
 *
 * ARP requests and neighbour solicitations for addresses of the domain,
 * its endpoints' (with those that a prefix an endpoint owns holds) and
 * its gateway's, are answered here, whatever their destination MAC.  A
 * solicitation for the sender's own address (an announcement, or
 * duplicate address detection) is left to go on as a normal frame:
 * nobody else in the domain owns that address.  Called
 * through segf_answer_neighbour(), which lets every other frame pass.
 *
 * Return: true when the frame was consumed.
 */
bool segf_respond(const struct segf_ctx *ctx, struct sk_buff *skb,
		  const struct segf_pkt *pkt, const struct segf_endpoint *src)
{
	const struct segf_domain_cfg *cfg = &ctx->pol->cfg;
	struct segf_endpoint *target;
	struct segf_addr key;
	const u8 *mac;

	if (pkt->proto == htons(ETH_P_ARP)) {
		if (pkt->arp.op != ARPOP_REQUEST)
			return false;
		segf_addr_v4(&key, pkt->arp.tpa);
	} else if (pkt->flags & SEGF_PKT_ND_NS) {
		/* Valid, not in a fragment: segf_check_source() passed it. */
		segf_addr_v6(&key, &pkt->nd_target);
	} else {
		return false;
	}

	if (segf_gw_owns(cfg, &key)) {
		mac = cfg->gw_mac;
	} else {
		/* An address, or one a prefix holds: a virtual IP on-link. */
		target = segf_lookup_route(ctx, &key);
		if (target == src)
			return false;
		if (!target) {
			segf_drop(ctx, skb, SEGFILTER_DROP_NEIGH_UNKNOWN);
			return true;
		}
		mac = target->mac;
	}
	if (pkt->proto == htons(ETH_P_ARP))
		segf_arp_reply(ctx, skb, pkt, mac);
	else
		segf_nd_reply(ctx, skb, pkt, mac);
	return true;
}

/* The gateway's first address of @family, or NULL if it has none. */
static const struct segf_addr *segf_gw_addr(const struct segf_domain_cfg *cfg,
					    u8 family)
{
	unsigned int i;

	if (is_zero_ether_addr(cfg->gw_mac))
		return NULL;
	for (i = 0; i < cfg->n_gw_addrs; i++)
		if (cfg->gw_addrs[i].family == family)
			return &cfg->gw_addrs[i];
	return NULL;
}

/*
 * Whether a packet too big for its path gets an ICMP error (RFC 1191,
 * 8201, 1812 4.3.2.7): an IPv4 one only if it says not to fragment it
 * and is not a fragment past the first (segfilter fragments nothing);
 * neither if it is an ICMP error itself.
 */
static bool segf_too_big_answered(const struct sk_buff *skb,
				  const struct segf_pkt *pkt)
{
	bool l4 = pkt->flags & SEGF_PKT_L4;
	const struct iphdr *iph;
	struct iphdr buf;

	if (pkt->proto == htons(ETH_P_IPV6))
		return !(l4 && pkt->l4proto == IPPROTO_ICMPV6 &&
			 !(pkt->icmp_type & ICMPV6_INFOMSG_MASK));
	iph = skb_header_pointer(skb, pkt->l3_off, sizeof(buf), &buf);
	if (!iph || (iph->frag_off & htons(IP_DF | IP_OFFSET)) != htons(IP_DF))
		return false;
	return !(l4 && pkt->l4proto == IPPROTO_ICMP &&
		 icmp_is_err(pkt->icmp_type));
}

/*
 * An IPv4 ICMP error is at most this long (RFC 1812), an ICMPv6 one
 * IPV6_MIN_MTU (RFC 4443), and neither longer than the link it goes by.
 */
#define SEGF_ICMP_MAX4		576U

/*
 * The gateway's ICMP fragmentation needed (IPv4) or packet too big
 * (IPv6) about the packet in @skb, from @gw (the gateway's address, or
 * an exit's own) and @mac to its sender, quoting as much of it as an
 * error may and the sender's port carries.  NULL without memory.
 */
static struct sk_buff *segf_too_big_build(const struct segf_ctx *ctx,
					  const struct sk_buff *skb,
					  const struct segf_pkt *pkt,
					  const struct segf_addr *gw,
					  const u8 *mac, unsigned int mtu)
{
	bool v6 = pkt->proto == htons(ETH_P_IPV6);
	unsigned int hlen = v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	unsigned int room = min(v6 ? IPV6_MIN_MTU : SEGF_ICMP_MAX4,
				segf_port_mtu(ctx->port, false));
	unsigned int quote, plen;
	struct sk_buff *nskb;
	struct ethhdr *eth;
	void *l4;

	/* The error fits the sender's link too: its port's MTU. */
	quote = room > hlen + sizeof(struct icmphdr) ?
		room - hlen - sizeof(struct icmphdr) : 0;
	quote = min(quote, skb->len - pkt->l3_off);
	plen = sizeof(struct icmphdr) + quote;

	/* struct icmphdr and struct icmp6hdr are both 8 bytes. */
	BUILD_BUG_ON(sizeof(struct icmphdr) != sizeof(struct icmp6hdr));
	nskb = netdev_alloc_skb_ip_align(ctx->port->dev, ETH_HLEN + hlen + plen);
	if (!nskb)
		return NULL;
	eth = skb_put(nskb, ETH_HLEN);
	ether_addr_copy(eth->h_dest, pkt->src);
	ether_addr_copy(eth->h_source, mac);
	eth->h_proto = pkt->proto;
	skb_reset_mac_header(nskb);
	skb_set_network_header(nskb, ETH_HLEN);
	nskb->protocol = pkt->proto;

	if (v6) {
		struct ipv6hdr *ip6 = skb_put_zero(nskb, hlen);
		struct icmp6hdr *icmp6 = skb_put_zero(nskb, sizeof(*icmp6));

		ip6_flow_hdr(ip6, 0, 0);
		ip6->payload_len = htons(plen);
		ip6->nexthdr = IPPROTO_ICMPV6;
		ip6->hop_limit = 64;
		ip6->saddr = gw->v6;
		ip6->daddr = pkt->v6.saddr;
		icmp6->icmp6_type = ICMPV6_PKT_TOOBIG;
		icmp6->icmp6_mtu = htonl(mtu);
		l4 = icmp6;
	} else {
		struct iphdr *iph = skb_put_zero(nskb, hlen);
		struct icmphdr *icmph = skb_put_zero(nskb, sizeof(*icmph));

		iph->version = 4;
		iph->ihl = hlen / 4;
		iph->tos = IPTOS_PREC_INTERNETCONTROL;
		iph->tot_len = htons(hlen + plen);
		iph->ttl = 64;
		iph->protocol = IPPROTO_ICMP;
		iph->saddr = gw->v4;
		iph->daddr = pkt->v4.saddr;
		ip_send_check(iph);
		icmph->type = ICMP_DEST_UNREACH;
		icmph->code = ICMP_FRAG_NEEDED;
		icmph->un.frag.mtu = htons(mtu);
		l4 = icmph;
	}
	if (skb_copy_bits(skb, pkt->l3_off, skb_put(nskb, quote), quote)) {
		kfree_skb(nskb);
		return NULL;
	}
	if (v6) {
		struct icmp6hdr *icmp6 = l4;

		icmp6->icmp6_cksum = csum_ipv6_magic(&gw->v6, &pkt->v6.saddr,
						     plen, IPPROTO_ICMPV6,
						     csum_partial(l4, plen, 0));
	} else {
		((struct icmphdr *)l4)->checksum =
			csum_fold(csum_partial(l4, plen, 0));
	}
	nskb->ip_summed = CHECKSUM_NONE;
	return nskb;
}

/*
 * Whether @port's sender may have one more ICMP error this second: at
 * most SEGF_PORT_ICMP_PER_SEC, so that one guest cannot spend its
 * domain's whole budget.  A stamp and a count, no lock: CPUs racing
 * here may let a few more through.
 */
static bool segf_icmp_budget(struct segf_port *port)
{
	unsigned long now = jiffies;
	unsigned int n;

	if (time_after_eq(now, READ_ONCE(port->icmp_stamp) + HZ)) {
		WRITE_ONCE(port->icmp_stamp, now);
		WRITE_ONCE(port->icmp_count, 1);
		return true;
	}
	n = READ_ONCE(port->icmp_count);
	if (n >= SEGF_PORT_ICMP_PER_SEC)
		return false;
	WRITE_ONCE(port->icmp_count, n + 1);
	return true;
}

/**
 * segf_too_big - drop a packet too big for its path, and say so
 * @ctx: the frame's context
 * @skb: the frame
 * @pkt: what segf_parse() found in it
 * @src: the endpoint that sent it
 * @mtu: the MTU of its path
 *
 * The frame is dropped and counted (drop reason too_big).  Its sender,
 * when it is behind the port the frame came by, is told, as a router
 * would: the gateway sends it an ICMP fragmentation needed or packet too
 * big, from its first address of the packet's family, straight back
 * through that port (link plumbing: no flow, no policy).  Not for a
 * remote sender, whose host has no way to believe the gateway of
 * another, nor without a gateway address of the family; at most
 * SEGF_PORT_ICMP_PER_SEC a second per port and 100 per domain.
 * Consumes @skb.
 */
void segf_too_big(const struct segf_ctx *ctx, struct sk_buff *skb,
		  const struct segf_pkt *pkt, const struct segf_endpoint *src,
		  unsigned int mtu)
{
	const struct segf_addr *gw;
	struct sk_buff *nskb;

	gw = segf_gw_addr(&ctx->pol->cfg, pkt->proto == htons(ETH_P_IPV6) ?
					  AF_INET6 : AF_INET);
	if (gw && !ctx->from_remote && segf_endpoint_port(src) == ctx->port &&
	    segf_too_big_answered(skb, pkt) && segf_icmp_budget(ctx->port) &&
	    __ratelimit(&ctx->dom->icmp_limit)) {
		nskb = segf_too_big_build(ctx, skb, pkt, gw,
					  ctx->pol->cfg.gw_mac, mtu);
		/* An error that does not go is no second drop of the frame. */
		if (nskb && segf_send(ctx, ctx->port, nskb))
			segf_count(ctx, icmp_too_big);
	}
	segf_drop(ctx, skb, SEGFILTER_DROP_TOO_BIG);
}

/**
 * segf_exit_too_big - drop a packet from outside too big for its path
 * @ctx: the frame's context: it came in by the exit ctx->port
 * @skb: the frame, from the exit's next hop
 * @pkt: what segf_parse() found in it
 * @from: the exit's own address of the packet's family
 * @mtu: the MTU of its path to the endpoint
 *
 * As segf_too_big(), for a packet from a peer outside: the exit is the
 * router that tells it, from its own address and MAC, out of the exit
 * to the next hop it came from; within the exit port's and the domain's
 * ICMP budget.  Consumes @skb.
 */
void segf_exit_too_big(const struct segf_ctx *ctx, struct sk_buff *skb,
		       const struct segf_pkt *pkt, const struct segf_addr *from,
		       unsigned int mtu)
{
	struct sk_buff *nskb;

	if (segf_too_big_answered(skb, pkt) && segf_icmp_budget(ctx->port) &&
	    __ratelimit(&ctx->dom->icmp_limit)) {
		nskb = segf_too_big_build(ctx, skb, pkt, from,
					  ctx->port->dev->dev_addr, mtu);
		if (nskb && segf_send(ctx, ctx->port, nskb))
			segf_count(ctx, icmp_too_big);
	}
	segf_drop(ctx, skb, SEGFILTER_DROP_TOO_BIG);
}

static bool segf_iface_owns(const struct segf_iface *side,
			    const struct segf_addr *a)
{
	unsigned int i;

	for (i = 0; i < side->n_addrs; i++)
		if (segf_addr_equal(&side->addrs[i], a))
			return true;
	return false;
}

/*
 * A routed instance's neighbour is the gateway, for every address but
 * its own: its ARP requests and neighbour solicitations are answered
 * with the gateway MAC.  Returns true when the frame was consumed.
 */
bool segf_service_respond(const struct segf_ctx *ctx, struct sk_buff *skb,
			  const struct segf_pkt *pkt,
			  const struct segf_iface *side)
{
	const u8 *gw_mac = ctx->pol->cfg.gw_mac;
	struct segf_addr key;

	if (pkt->proto == htons(ETH_P_ARP)) {
		if (pkt->arp.op != ARPOP_REQUEST ||
		    !ether_addr_equal(pkt->arp.sha, pkt->src))
			goto forged;
		if (pkt->arp.spa && side->n_addrs) {
			segf_addr_v4(&key, pkt->arp.spa);
			if (!segf_iface_owns(side, &key))
				goto forged;
		}
		segf_addr_v4(&key, pkt->arp.tpa);
	} else if (pkt->flags & SEGF_PKT_ND_NS) {
		if (pkt->ttl != 255 || pkt->icmp_code)
			goto forged;
		segf_addr_v6(&key, &pkt->nd_target);
	} else {
		return false;
	}
	if (is_zero_ether_addr(gw_mac) || segf_iface_owns(side, &key)) {
		segf_drop(ctx, skb, SEGFILTER_DROP_NEIGH_UNKNOWN);
		return true;
	}
	if (pkt->proto == htons(ETH_P_ARP))
		segf_arp_reply(ctx, skb, pkt, gw_mac);
	else
		segf_nd_reply(ctx, skb, pkt, gw_mac);
	return true;

forged:
	segf_drop(ctx, skb, SEGFILTER_DROP_SERVICE_FORGED);
	return true;
}
