/* SPDX-License-Identifier: GPL-2.0 */
/*
 * segfilter: the frame parser.  It reads a frame once, through
 * skb_header_pointer() so that nonlinear skbs work and nothing is read
 * past the end, and fills a small key that the rest of the data path
 * uses instead of the packet.
 */
#ifndef _SEGFILTER_PARSE_H
#define _SEGFILTER_PARSE_H

#include <linux/bits.h>
#include <linux/if_ether.h>
#include <linux/in6.h>
#include <linux/types.h>

struct sk_buff;

/* Most 802.1Q/802.1ad tags and IPv6 extension headers walked. */
#define SEGF_MAX_VLAN_TAGS	2
#define SEGF_MAX_IPV6_EXTHDRS	8

enum segf_pkt_flags {
	SEGF_PKT_VLAN		= BIT(0),	/* carried an in-band tag */
	SEGF_PKT_FRAGMENT	= BIT(1),	/* an IP fragment */
	SEGF_PKT_L4		= BIT(2),	/* ports or ICMP type valid */
	SEGF_PKT_ND_NS		= BIT(3),	/* IPv6 neighbour solicitation */
	SEGF_PKT_ND_NA		= BIT(4),	/* IPv6 neighbour advertisement */
	SEGF_PKT_ND_LLADDR	= BIT(5),	/* RS/NS/NA link-layer option */
	SEGF_PKT_ND_SOLICITED	= BIT(6),	/* an NA with its S flag */
	SEGF_PKT_ND_OVERRIDE	= BIT(7),	/* an NA with its O flag */
	SEGF_PKT_QUOTED		= BIT(8),	/* an ICMP error: see quoted */
};

/* Most options of a neighbour solicitation or advertisement walked. */
#define SEGF_MAX_ND_OPTS	8

/* The ARP payload for Ethernet and IPv4: struct arphdr is followed by it. */
struct segf_arp_eth_ipv4 {
	u8 sha[ETH_ALEN];
	__be32 spa;
	u8 tha[ETH_ALEN];
	__be32 tpa;
} __packed;

struct segf_pkt {
	u8 dst[ETH_ALEN];
	u8 src[ETH_ALEN];
	__be16 proto;		/* EtherType after any VLAN tags */
	u16 vlan_tci;		/* outermost tag, if SEGF_PKT_VLAN */
	u16 l3_off;		/* network header, from skb->data */
	u16 l4_off;		/* transport header, if SEGF_PKT_L4 */
	u16 flags;
	u8 l4proto;		/* IPPROTO_*, after IPv6 extension headers */
	u8 ttl;			/* IPv4 TTL or IPv6 hop limit */

	union {
		struct {
			__be32 saddr;
			__be32 daddr;
		} v4;
		struct {
			struct in6_addr saddr;
			struct in6_addr daddr;
		} v6;
		struct {
			u16 op;
			u8 sha[ETH_ALEN];
			__be32 spa;
			u8 tha[ETH_ALEN];
			__be32 tpa;
		} arp;
	};

	/* Transport: ports for TCP/UDP, type/code for ICMP/ICMPv6. */
	__be16 sport;
	__be16 dport;
	u8 icmp_type;
	u8 icmp_code;
	u8 tcp_flags;
	__be16 icmp_id;		/* ICMP/ICMPv6 echo request and reply */

	struct in6_addr nd_target;	/* if SEGF_PKT_ND_NS or _NA */
	/* RS or NS source, NA target link-layer address, if SEGF_PKT_ND_LLADDR */
	u8 nd_lladdr[ETH_ALEN];

	/*
	 * If SEGF_PKT_QUOTED: the packet an ICMP or ICMPv6 error quotes
	 * (TCP, UDP, or an echo request or reply), which the error's
	 * destination sent.  Its ports as a flow key has them: for an echo,
	 * the identifier on the side of the request's sender, 0 on the
	 * other.
	 */
	struct {
		union {
			__be32 v4[2];
			struct in6_addr v6[2];
		} addr;			/* its source, then its destination */
		__be16 sport;
		__be16 dport;
		u8 proto;
	} quoted;
};

int segf_parse(const struct sk_buff *skb, struct segf_pkt *pkt);

#endif /* _SEGFILTER_PARSE_H */
