// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: the ARP and ND responder.  No ARP request or neighbour
 * solicitation for an address of a domain goes to a guest: segfilter
 * answers it, in the name of the endpoint or gateway that owns the
 * address, back through the port it came by.  A routed service
 * instance gets the gateway's MAC for every address but its own.
 */

#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <net/addrconf.h>
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
 * its endpoints' and its gateway's, are answered here, whatever their
 * destination MAC.  A solicitation for the sender's own address (an
 * announcement, or duplicate address detection) is left to go on as a
 * normal frame: nobody else in the domain owns that address.  Called
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
		target = segf_lookup_addr(ctx, &key);
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
