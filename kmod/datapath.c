// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: the data path.  Every frame a guest sends into an attached
 * port arrives here, in the port's rx_handler, and leaves only through
 * another port of the same domain, back to its sender as an ARP or ND
 * answer, or into a drop counter.  The host's own stack never sees it.
 *
 * All of this runs in softirq context under rcu_read_lock(), takes no
 * lock and allocates nothing but the clones a flood needs and the
 * neighbour advertisements it answers with.  Every lookup is a hash
 * lookup; the only walk is a flood over the ports of one domain.
 */

#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/addrconf.h>
#include <net/ip6_checksum.h>
#include <net/ndisc.h>

#include "parse.h"
#include "segfilter.h"

#define segf_stat_inc(pcpu, field) do {					\
	struct segf_pcpu_stats *__s = this_cpu_ptr(pcpu);		\
									\
	u64_stats_update_begin(&__s->syncp);				\
	u64_stats_inc(&__s->field);					\
	u64_stats_update_end(&__s->syncp);				\
} while (0)

static void segf_count_packet(struct segf_pcpu_stats __percpu *pcpu,
			      bool tx, unsigned int len)
{
	struct segf_pcpu_stats *s = this_cpu_ptr(pcpu);

	u64_stats_update_begin(&s->syncp);
	if (tx) {
		u64_stats_inc(&s->tx_packets);
		u64_stats_add(&s->tx_bytes, len);
	} else {
		u64_stats_inc(&s->rx_packets);
		u64_stats_add(&s->rx_bytes, len);
	}
	u64_stats_update_end(&s->syncp);
}

/* Count what became of a frame received on @port, there and in its domain. */
#define segf_port_event(port, field) do {				\
	segf_stat_inc((port)->stats, field);				\
	segf_stat_inc((port)->domain->stats, field);			\
} while (0)

/* Drop a frame received on @port, counting why on the port and domain. */
static void segf_drop(struct segf_port *port, struct sk_buff *skb,
		      enum segfilter_drop_reason reason)
{
	segf_port_event(port, drops[reason]);
	kfree_skb(skb);
}

/*
 * Send @skb, a whole frame at skb->data, out of @out towards its guest.
 * @in is the port the frame came from, charged if the device refuses it.
 * Consumes @skb.
 */
static void segf_xmit(struct segf_port *in, struct segf_port *out,
		      struct sk_buff *skb)
{
	unsigned int len = skb->len;
	int ret;

	skb->dev = out->dev;
	skb_forward_csum(skb);
	/* An rx timestamp would read as a departure time to fq. */
	skb_clear_tstamp(skb);
	/* net_xmit_eval() evaluates its argument twice: never inline it. */
	ret = dev_queue_xmit(skb);
	if (net_xmit_eval(ret)) {
		segf_port_event(in, drops[SEGFILTER_DROP_TX_ERROR]);
		return;
	}
	segf_count_packet(out->stats, true, len);
	segf_count_packet(out->domain->stats, true, len);
}

/* Send a copy of a broadcast or multicast frame to every other port. */
static void segf_flood(struct segf_port *in, struct sk_buff *skb)
{
	struct segf_domain *dom = in->domain;
	struct segf_port *out;

	segf_port_event(in, flooded);
	list_for_each_entry_rcu(out, &dom->ports, domain_node) {
		struct sk_buff *nskb;

		if (out == in)
			continue;
		nskb = skb_clone(skb, GFP_ATOMIC);
		if (!nskb) {
			segf_drop(in, skb, SEGFILTER_DROP_TX_ERROR);
			return;
		}
		segf_xmit(in, out, nskb);
	}
	consume_skb(skb);
}

static struct segf_endpoint *segf_lookup_v4(struct segf_domain *dom,
					    __be32 addr)
{
	struct segf_addr key;

	memset(&key, 0, sizeof(key));
	key.family = AF_INET;
	key.v4 = addr;
	return segf_endpoint_by_addr(dom, &key);
}

static struct segf_endpoint *segf_lookup_v6(struct segf_domain *dom,
					    const struct in6_addr *addr)
{
	struct segf_addr key;

	memset(&key, 0, sizeof(key));
	key.family = AF_INET6;
	key.v6 = *addr;
	return segf_endpoint_by_addr(dom, &key);
}

/*
 * Link plumbing that the domain's default action does not apply to:
 * ARP, IPv6 neighbour discovery and MLD.  Policy is about traffic
 * between endpoints, and without these no traffic could be allowed.
 */
static bool segf_is_link_control(const struct segf_pkt *pkt)
{
	if (pkt->proto == htons(ETH_P_ARP))
		return true;
	if (pkt->proto != htons(ETH_P_IPV6) ||
	    pkt->l4proto != IPPROTO_ICMPV6 || !(pkt->flags & SEGF_PKT_L4))
		return false;
	switch (pkt->icmp_type) {
	case ICMPV6_MGM_QUERY:
	case ICMPV6_MGM_REPORT:
	case ICMPV6_MGM_REDUCTION:
	case ICMPV6_MLD2_REPORT:
	case NDISC_ROUTER_SOLICITATION:
	case NDISC_ROUTER_ADVERTISEMENT:
	case NDISC_NEIGHBOUR_SOLICITATION:
	case NDISC_NEIGHBOUR_ADVERTISEMENT:
	case NDISC_REDIRECT:
		return true;
	default:
		return false;
	}
}

/*
 * Anti-spoofing: the frame's source addresses must be those the
 * endpoint was configured with.  IPv6 neighbour discovery and MLD, which
 * never leave the link, may also come from the unspecified address
 * (duplicate address detection) or a link-local one, but only towards a
 * multicast group.  A neighbour advertisement may only advertise an
 * address of the sender's own, and a guest is no router: its router
 * advertisements and redirects go nowhere.
 */
static enum segfilter_drop_reason
segf_check_source(struct segf_endpoint *src, const struct segf_pkt *pkt)
{
	struct segf_domain *dom = src->domain;

	switch (pkt->proto) {
	case htons(ETH_P_ARP):
		if (!ether_addr_equal(pkt->arp.sha, pkt->src))
			return SEGFILTER_DROP_SRC_MAC;
		/* An ARP probe has no sender address yet. */
		if (!pkt->arp.spa)
			return 0;
		if (segf_lookup_v4(dom, pkt->arp.spa) != src)
			return SEGFILTER_DROP_SRC_IP;
		return 0;
	case htons(ETH_P_IP):
		if (segf_lookup_v4(dom, pkt->v4.saddr) != src)
			return SEGFILTER_DROP_SRC_IP;
		return 0;
	case htons(ETH_P_IPV6):
		if (pkt->l4proto == IPPROTO_ICMPV6 &&
		    (pkt->icmp_type == NDISC_ROUTER_ADVERTISEMENT ||
		     pkt->icmp_type == NDISC_REDIRECT))
			return SEGFILTER_DROP_ND_ROUTER;
		if ((pkt->flags & SEGF_PKT_ND_NA) &&
		    segf_lookup_v6(dom, &pkt->nd_target) != src)
			return SEGFILTER_DROP_SRC_IP;
		if (segf_lookup_v6(dom, &pkt->v6.saddr) == src)
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


/* Turn an ARP request for @target's address into the reply, in place. */
static void segf_arp_reply(struct segf_port *port, struct sk_buff *skb,
			   const struct segf_pkt *pkt,
			   const struct segf_endpoint *target)
{
	struct segf_arp_eth_ipv4 *body;
	struct arphdr *arp;
	struct ethhdr *eth;

	if (skb_ensure_writable(skb, pkt->l3_off + sizeof(*arp) +
					 sizeof(*body))) {
		segf_drop(port, skb, SEGFILTER_DROP_TX_ERROR);
		return;
	}
	eth = (struct ethhdr *)skb->data;
	ether_addr_copy(eth->h_dest, pkt->src);
	ether_addr_copy(eth->h_source, target->mac);

	arp = (struct arphdr *)(skb->data + pkt->l3_off);
	arp->ar_op = htons(ARPOP_REPLY);
	body = (struct segf_arp_eth_ipv4 *)(arp + 1);
	ether_addr_copy(body->tha, pkt->arp.sha);
	body->tpa = pkt->arp.spa;
	ether_addr_copy(body->sha, target->mac);
	body->spa = pkt->arp.tpa;

	skb->ip_summed = CHECKSUM_NONE;
	segf_port_event(port, arp_replies);
	segf_xmit(port, port, skb);
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
 * Answer a neighbour solicitation for @target's address with an
 * advertisement sent back through @port.  A solicitation from the
 * unspecified address (duplicate address detection by another guest)
 * gets its answer on the all-nodes group, unsolicited.
 */
static void segf_nd_reply(struct segf_port *port, struct sk_buff *skb,
			  const struct segf_pkt *pkt,
			  const struct segf_endpoint *target)
{
	struct segf_nd_na *na;
	struct sk_buff *nskb;
	struct ethhdr *eth;
	bool dad = ipv6_addr_any(&pkt->v6.saddr);
	unsigned int plen = sizeof(*na) - sizeof(na->ip6);

	nskb = netdev_alloc_skb_ip_align(port->dev, ETH_HLEN + sizeof(*na));
	if (!nskb) {
		segf_drop(port, skb, SEGFILTER_DROP_TX_ERROR);
		return;
	}
	consume_skb(skb);

	eth = skb_put(nskb, ETH_HLEN);
	ether_addr_copy(eth->h_dest, pkt->src);
	ether_addr_copy(eth->h_source, target->mac);
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
	ether_addr_copy(na->opt_mac, target->mac);
	na->icmp6.icmp6_cksum = csum_ipv6_magic(&na->ip6.saddr,
						&na->ip6.daddr, plen,
						IPPROTO_ICMPV6,
						csum_partial(&na->icmp6, plen, 0));

	skb_reset_mac_header(nskb);
	skb_set_network_header(nskb, ETH_HLEN);
	nskb->protocol = htons(ETH_P_IPV6);
	segf_port_event(port, nd_replies);
	segf_xmit(port, port, nskb);
}

/*
 * ARP requests and neighbour solicitations for addresses of the domain
 * are answered here, whatever their destination MAC.  Returns true when
 * the frame was consumed.  A solicitation for the sender's own address
 * (an announcement, or duplicate address detection) is left to go on as
 * a normal frame: nobody else in the domain owns that address.
 */
static bool segf_answer_neighbour(struct segf_port *port, struct sk_buff *skb,
				  const struct segf_pkt *pkt,
				  const struct segf_endpoint *src)
{
	struct segf_domain *dom = port->domain;
	struct segf_endpoint *target;

	if (pkt->proto == htons(ETH_P_ARP)) {
		if (pkt->arp.op != ARPOP_REQUEST)
			return false;
		target = segf_lookup_v4(dom, pkt->arp.tpa);
	} else if (pkt->flags & SEGF_PKT_ND_NS) {
		/* RFC 4861 7.1.1: anything else is not a valid solicitation. */
		if (pkt->ttl != 255 || pkt->icmp_code)
			return false;
		target = segf_lookup_v6(dom, &pkt->nd_target);
	} else {
		return false;
	}

	if (target == src)
		return false;
	if (!target)
		segf_drop(port, skb, SEGFILTER_DROP_NEIGH_UNKNOWN);
	else if (pkt->proto == htons(ETH_P_ARP))
		segf_arp_reply(port, skb, pkt, target);
	else
		segf_nd_reply(port, skb, pkt, target);
	return true;
}

/* Decide where a frame received on @port goes.  Consumes @skb. */
static void segf_rx(struct segf_port *port, struct sk_buff *skb)
{
	struct segf_domain *dom = port->domain;
	enum segfilter_drop_reason reason;
	struct segf_endpoint *src, *dst;
	struct segf_pkt pkt;

	/* The rx path pulled the Ethernet header; we work on whole frames. */
	skb_push(skb, skb->data - skb_mac_header(skb));
	segf_count_packet(port->stats, false, skb->len);
	segf_count_packet(dom->stats, false, skb->len);

	reason = SEGFILTER_DROP_VLAN;
	if (skb_vlan_tag_present(skb))
		goto drop;
	reason = SEGFILTER_DROP_MALFORMED;
	if (segf_parse(skb, &pkt))
		goto drop;
	reason = SEGFILTER_DROP_VLAN;
	if (pkt.flags & SEGF_PKT_VLAN)
		goto drop;

	/* Source identity: an endpoint bound to this very port. */
	src = segf_endpoint_by_mac(dom, pkt.src);
	reason = SEGFILTER_DROP_SRC_MAC;
	if (!src || src->port != port)
		goto drop;
	reason = segf_check_source(src, &pkt);
	if (reason)
		goto drop;

	if (segf_answer_neighbour(port, skb, &pkt, src))
		return;

	reason = SEGFILTER_DROP_DEFAULT_DENY;
	if (READ_ONCE(dom->default_action) == SEGFILTER_ACTION_DENY &&
	    !segf_is_link_control(&pkt))
		goto drop;

	if (is_multicast_ether_addr(pkt.dst)) {
		segf_flood(port, skb);
		return;
	}

	dst = segf_endpoint_by_mac(dom, pkt.dst);
	reason = SEGFILTER_DROP_NO_DEST;
	if (!dst)
		goto drop;
	segf_port_event(port, forwarded);
	segf_xmit(port, dst->port, skb);
	return;

drop:
	segf_drop(port, skb, reason);
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

	segf_rx(port, skb);
	return RX_HANDLER_CONSUMED;
}
