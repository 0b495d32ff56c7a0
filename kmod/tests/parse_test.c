// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the frame parser: a table of well-formed frames with
 * what the parser must find in them, a table of malformed ones, and
 * every prefix of every well-formed frame (a frame cut at any byte is
 * malformed unless the cut falls after the last header it carries).
 */

#include <kunit/test.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/ndisc.h>

#include "parse.h"

#define FRAME_MAX	256

struct frame {
	u8 data[FRAME_MAX];
	unsigned int len;
};

static void *put(struct frame *f, const void *p, unsigned int len)
{
	void *at = f->data + f->len;

	memcpy(at, p, len);
	f->len += len;
	return at;
}

static const u8 mac_a[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x0a };
static const u8 mac_b[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x0b };

static void put_eth(struct frame *f, u16 proto)
{
	struct ethhdr eth;

	ether_addr_copy(eth.h_dest, mac_b);
	ether_addr_copy(eth.h_source, mac_a);
	eth.h_proto = htons(proto);
	put(f, &eth, sizeof(eth));
}

static void put_vlan(struct frame *f, u16 tci, u16 proto)
{
	struct vlan_hdr vh = {
		.h_vlan_TCI = htons(tci),
		.h_vlan_encapsulated_proto = htons(proto),
	};

	put(f, &vh, sizeof(vh));
}

static struct iphdr *put_ipv4(struct frame *f, u8 proto, unsigned int plen)
{
	struct iphdr iph = {
		.version = 4,
		.ihl = 5,
		.ttl = 64,
		.protocol = proto,
		.tot_len = htons(sizeof(iph) + plen),
		.saddr = htonl(0x0a000001),
		.daddr = htonl(0x0a000002),
	};

	return put(f, &iph, sizeof(iph));
}

static struct ipv6hdr *put_ipv6(struct frame *f, u8 nexthdr, unsigned int plen)
{
	struct ipv6hdr ip6h = {
		.version = 6,
		.nexthdr = nexthdr,
		.hop_limit = 255,
		.payload_len = htons(plen),
	};

	ip6h.saddr.s6_addr[0] = 0xfd;
	ip6h.saddr.s6_addr[15] = 1;
	ip6h.daddr.s6_addr[0] = 0xfd;
	ip6h.daddr.s6_addr[15] = 2;
	return put(f, &ip6h, sizeof(ip6h));
}

static void put_exthdr(struct frame *f, u8 nexthdr, unsigned int octets)
{
	u8 buf[64] = { nexthdr, octets - 1 };

	put(f, buf, octets * 8);
}

static void put_tcp(struct frame *f)
{
	struct tcphdr th = {
		.source = htons(40000),
		.dest = htons(80),
		.doff = 5,
		.syn = 1,
	};

	put(f, &th, sizeof(th));
}

static void put_udp(struct frame *f, unsigned int payload)
{
	struct udphdr uh = {
		.source = htons(5353),
		.dest = htons(53),
		.len = htons(sizeof(uh) + payload),
	};
	u8 zero[16] = {};

	put(f, &uh, sizeof(uh));
	put(f, zero, payload);
}

static void put_icmp(struct frame *f, u8 type)
{
	struct icmphdr ih = { .type = type };

	put(f, &ih, sizeof(ih));
}

static void put_arp(struct frame *f, u16 op)
{
	struct arphdr ah = {
		.ar_hrd = htons(ARPHRD_ETHER),
		.ar_pro = htons(ETH_P_IP),
		.ar_hln = ETH_ALEN,
		.ar_pln = 4,
		.ar_op = htons(op),
	};
	struct segf_arp_eth_ipv4 body = {
		.spa = htonl(0x0a000001),
		.tpa = htonl(0x0a000002),
	};

	ether_addr_copy(body.sha, mac_a);
	put(f, &ah, sizeof(ah));
	put(f, &body, sizeof(body));
}

/* ---- well-formed frames ---- */

struct good_case {
	const char *name;
	void (*build)(struct frame *f);
	u16 proto;
	u8 l4proto;
	u16 flags;
	u16 sport;
	u16 dport;
	u8 icmp_type;
	bool whole;	/* every shorter prefix must be malformed */
};

static void b_arp(struct frame *f)
{
	put_eth(f, ETH_P_ARP);
	put_arp(f, ARPOP_REQUEST);
}

static void b_ipv4_tcp(struct frame *f)
{
	put_eth(f, ETH_P_IP);
	put_ipv4(f, IPPROTO_TCP, sizeof(struct tcphdr));
	put_tcp(f);
}

static void b_ipv4_udp(struct frame *f)
{
	put_eth(f, ETH_P_IP);
	put_ipv4(f, IPPROTO_UDP, sizeof(struct udphdr) + 4);
	put_udp(f, 4);
}

static void b_ipv4_icmp(struct frame *f)
{
	put_eth(f, ETH_P_IP);
	put_ipv4(f, IPPROTO_ICMP, sizeof(struct icmphdr));
	put_icmp(f, ICMP_ECHO);
}

/* Port unreachable about a datagram 10.0.0.1:5353 -> 10.0.0.2:53. */
static void b_ipv4_icmp_error(struct frame *f)
{
	unsigned int quote = sizeof(struct iphdr) + sizeof(struct udphdr);

	put_eth(f, ETH_P_IP);
	put_ipv4(f, IPPROTO_ICMP, sizeof(struct icmphdr) + quote);
	put_icmp(f, ICMP_DEST_UNREACH);
	put_ipv4(f, IPPROTO_UDP, sizeof(struct udphdr));
	put_udp(f, 0);
}

/* An error quoting a later fragment: no flow to match it to. */
static void b_ipv4_icmp_error_frag(struct frame *f)
{
	struct iphdr *q;

	b_ipv4_icmp_error(f);
	q = (struct iphdr *)(f->data + ETH_HLEN + sizeof(struct iphdr) +
			     sizeof(struct icmphdr));
	q->frag_off = htons(8);
}

/* Packet too big about a segment fd00::1:40000 -> fd00::2:80. */
static void b_ipv6_icmp_error(struct frame *f)
{
	unsigned int quote = sizeof(struct ipv6hdr) + sizeof(struct tcphdr);

	put_eth(f, ETH_P_IPV6);
	put_ipv6(f, IPPROTO_ICMPV6, sizeof(struct icmp6hdr) + quote);
	put_icmp(f, ICMPV6_PKT_TOOBIG);
	put_ipv6(f, IPPROTO_TCP, sizeof(struct tcphdr));
	put_tcp(f);
}

static void b_ipv4_padded(struct frame *f)
{
	static const u8 pad[18];

	b_ipv4_icmp(f);
	put(f, pad, sizeof(pad));	/* Ethernet minimum-size padding */
}

static void b_ipv4_options(struct frame *f)
{
	static const u8 opts[8] = { IPOPT_NOOP, IPOPT_NOOP, IPOPT_NOOP,
				    IPOPT_END };
	struct iphdr *iph;

	put_eth(f, ETH_P_IP);
	iph = put_ipv4(f, IPPROTO_UDP, sizeof(opts) + sizeof(struct udphdr));
	iph->ihl = 7;
	put(f, opts, sizeof(opts));
	put_udp(f, 0);
}

static void b_ipv4_first_frag(struct frame *f)
{
	struct iphdr *iph;

	put_eth(f, ETH_P_IP);
	iph = put_ipv4(f, IPPROTO_UDP, sizeof(struct udphdr) + 8);
	iph->frag_off = htons(IP_MF);
	put_udp(f, 8);
	/* The UDP length covers the whole datagram, not this fragment. */
	((struct udphdr *)(f->data + ETH_HLEN + 20))->len = htons(4000);
}

static void b_ipv4_later_frag(struct frame *f)
{
	static const u8 data[16];
	struct iphdr *iph;

	put_eth(f, ETH_P_IP);
	iph = put_ipv4(f, IPPROTO_UDP, sizeof(data));
	iph->frag_off = htons(2);	/* offset 16 bytes: no UDP header */
	put(f, data, sizeof(data));
}

static void b_ipv4_other(struct frame *f)
{
	static const u8 data[12];

	put_eth(f, ETH_P_IP);
	put_ipv4(f, IPPROTO_GRE, sizeof(data));
	put(f, data, sizeof(data));
}

static void b_ipv6_tcp(struct frame *f)
{
	put_eth(f, ETH_P_IPV6);
	put_ipv6(f, IPPROTO_TCP, sizeof(struct tcphdr));
	put_tcp(f);
}

static void b_ipv6_exthdrs(struct frame *f)
{
	put_eth(f, ETH_P_IPV6);
	put_ipv6(f, NEXTHDR_HOP, 8 + 16 + 8 + sizeof(struct udphdr));
	put_exthdr(f, NEXTHDR_ROUTING, 1);
	put_exthdr(f, NEXTHDR_DEST, 2);
	put_exthdr(f, IPPROTO_UDP, 1);
	put_udp(f, 0);
}

static void b_ipv6_frag_first(struct frame *f)
{
	struct frag_hdr fh = { .nexthdr = IPPROTO_UDP,
			       .frag_off = htons(IP6_MF) };

	put_eth(f, ETH_P_IPV6);
	put_ipv6(f, NEXTHDR_FRAGMENT, sizeof(fh) + sizeof(struct udphdr));
	put(f, &fh, sizeof(fh));
	put_udp(f, 0);
	((struct udphdr *)(f->data + f->len - 8))->len = htons(4000);
}

static void b_ipv6_frag_later(struct frame *f)
{
	struct frag_hdr fh = { .nexthdr = IPPROTO_UDP,
			       .frag_off = htons(64) };
	static const u8 data[8];

	put_eth(f, ETH_P_IPV6);
	put_ipv6(f, NEXTHDR_FRAGMENT, sizeof(fh) + sizeof(data));
	put(f, &fh, sizeof(fh));
	put(f, data, sizeof(data));
}

static void b_ipv6_ns(struct frame *f)
{
	struct icmp6hdr ih = { .icmp6_type = NDISC_NEIGHBOUR_SOLICITATION };
	struct in6_addr target = {};

	target.s6_addr[0] = 0xfd;
	target.s6_addr[15] = 2;
	put_eth(f, ETH_P_IPV6);
	put_ipv6(f, IPPROTO_ICMPV6, sizeof(ih) + sizeof(target));
	put(f, &ih, sizeof(ih));
	put(f, &target, sizeof(target));
}

static void b_ipv6_na(struct frame *f)
{
	b_ipv6_ns(f);
	((struct icmp6hdr *)(f->data + ETH_HLEN + 40))->icmp6_type =
		NDISC_NEIGHBOUR_ADVERTISEMENT;
}

/* An advertisement that answers a solicitation and overrides. */
static void b_ipv6_na_so(struct frame *f)
{
	struct icmp6hdr *ih;

	b_ipv6_na(f);
	ih = (struct icmp6hdr *)(f->data + ETH_HLEN + 40);
	ih->icmp6_solicited = 1;
	ih->icmp6_override = 1;
}

/* An option of 8 bytes: type, length 1, a MAC. */
static void put_nd_lladdr(struct frame *f, u8 type, const u8 *mac)
{
	u8 opt[8] = { type, 1 };

	memcpy(opt + 2, mac, ETH_ALEN);
	put(f, opt, sizeof(opt));
}

static void b_ipv6_ns_lladdr(struct frame *f)
{
	b_ipv6_ns(f);
	((struct ipv6hdr *)(f->data + ETH_HLEN))->payload_len = htons(24 + 8);
	put_nd_lladdr(f, ND_OPT_SOURCE_LL_ADDR, mac_a);
}

static void b_ipv6_na_lladdr(struct frame *f)
{
	b_ipv6_na(f);
	((struct ipv6hdr *)(f->data + ETH_HLEN))->payload_len = htons(24 + 16);
	/* A source option in an advertisement is not the one kept. */
	put_nd_lladdr(f, ND_OPT_SOURCE_LL_ADDR, mac_b);
	put_nd_lladdr(f, ND_OPT_TARGET_LL_ADDR, mac_a);
}

/* A router solicitation: options right after the ICMPv6 header. */
static void b_ipv6_rs_lladdr(struct frame *f)
{
	struct icmp6hdr ih = { .icmp6_type = NDISC_ROUTER_SOLICITATION };

	put_eth(f, ETH_P_IPV6);
	put_ipv6(f, IPPROTO_ICMPV6, sizeof(ih) + 8);
	put(f, &ih, sizeof(ih));
	put_nd_lladdr(f, ND_OPT_SOURCE_LL_ADDR, mac_a);
}

/* A solicitation in a first fragment is ICMPv6, not neighbour discovery. */
static void b_ipv6_ns_fragment(struct frame *f)
{
	struct frag_hdr fh = { .nexthdr = IPPROTO_ICMPV6,
			       .frag_off = htons(IP6_MF) };
	struct icmp6hdr ih = { .icmp6_type = NDISC_NEIGHBOUR_SOLICITATION };
	struct in6_addr target = {};

	target.s6_addr[0] = 0xfd;
	target.s6_addr[15] = 2;
	put_eth(f, ETH_P_IPV6);
	put_ipv6(f, NEXTHDR_FRAGMENT, sizeof(fh) + sizeof(ih) + sizeof(target));
	put(f, &fh, sizeof(fh));
	put(f, &ih, sizeof(ih));
	put(f, &target, sizeof(target));
}

/* IPv4 with protocol 58 and what would be a solicitation as payload. */
static void b_ipv4_proto_icmpv6(struct frame *f)
{
	struct icmp6hdr ih = { .icmp6_type = NDISC_NEIGHBOUR_SOLICITATION };
	struct in6_addr target = {};

	put_eth(f, ETH_P_IP);
	put_ipv4(f, IPPROTO_ICMPV6, sizeof(ih) + sizeof(target));
	put(f, &ih, sizeof(ih));
	put(f, &target, sizeof(target));
}

/* IPv6 with next header 1 (ICMP for IPv4) and an echo request. */
static void b_ipv6_proto_icmp(struct frame *f)
{
	put_eth(f, ETH_P_IPV6);
	put_ipv6(f, IPPROTO_ICMP, sizeof(struct icmphdr));
	put_icmp(f, ICMP_ECHO);
}

static void b_ipv6_none(struct frame *f)
{
	put_eth(f, ETH_P_IPV6);
	put_ipv6(f, NEXTHDR_NONE, 0);
}

static void b_vlan_ipv4(struct frame *f)
{
	put_eth(f, ETH_P_8021Q);
	put_vlan(f, 100, ETH_P_IP);
	put_ipv4(f, IPPROTO_ICMP, sizeof(struct icmphdr));
	put_icmp(f, ICMP_ECHOREPLY);
}

static void b_qinq_arp(struct frame *f)
{
	put_eth(f, ETH_P_8021AD);
	put_vlan(f, 200, ETH_P_8021Q);
	put_vlan(f, 100, ETH_P_ARP);
	put_arp(f, ARPOP_REPLY);
}

static void b_other_ethertype(struct frame *f)
{
	static const u8 data[46];

	put_eth(f, ETH_P_LOOPBACK);
	put(f, data, sizeof(data));
}

static const struct good_case good_cases[] = {
	{ "arp", b_arp, ETH_P_ARP, 0, 0, 0, 0, 0, true },
	{ "ipv4_tcp", b_ipv4_tcp, ETH_P_IP, IPPROTO_TCP, SEGF_PKT_L4,
	  40000, 80, 0, true },
	{ "ipv4_udp", b_ipv4_udp, ETH_P_IP, IPPROTO_UDP, SEGF_PKT_L4,
	  5353, 53, 0, true },
	{ "ipv4_icmp", b_ipv4_icmp, ETH_P_IP, IPPROTO_ICMP, SEGF_PKT_L4,
	  0, 0, ICMP_ECHO, true },
	{ "ipv4_icmp_error", b_ipv4_icmp_error, ETH_P_IP, IPPROTO_ICMP,
	  SEGF_PKT_L4 | SEGF_PKT_QUOTED, 0, 0, ICMP_DEST_UNREACH, true },
	{ "ipv4_icmp_error_later_fragment", b_ipv4_icmp_error_frag, ETH_P_IP,
	  IPPROTO_ICMP, SEGF_PKT_L4, 0, 0, ICMP_DEST_UNREACH, true },
	{ "ipv6_icmp_error", b_ipv6_icmp_error, ETH_P_IPV6, IPPROTO_ICMPV6,
	  SEGF_PKT_L4 | SEGF_PKT_QUOTED, 0, 0, ICMPV6_PKT_TOOBIG, true },
	{ "ipv4_padded", b_ipv4_padded, ETH_P_IP, IPPROTO_ICMP, SEGF_PKT_L4,
	  0, 0, ICMP_ECHO, false },
	{ "ipv4_options", b_ipv4_options, ETH_P_IP, IPPROTO_UDP, SEGF_PKT_L4,
	  5353, 53, 0, true },
	{ "ipv4_first_fragment", b_ipv4_first_frag, ETH_P_IP, IPPROTO_UDP,
	  SEGF_PKT_L4 | SEGF_PKT_FRAGMENT, 5353, 53, 0, true },
	{ "ipv4_later_fragment", b_ipv4_later_frag, ETH_P_IP, IPPROTO_UDP,
	  SEGF_PKT_FRAGMENT, 0, 0, 0, true },
	{ "ipv4_gre", b_ipv4_other, ETH_P_IP, IPPROTO_GRE, 0, 0, 0, 0, true },
	{ "ipv6_tcp", b_ipv6_tcp, ETH_P_IPV6, IPPROTO_TCP, SEGF_PKT_L4,
	  40000, 80, 0, true },
	{ "ipv6_extension_headers", b_ipv6_exthdrs, ETH_P_IPV6, IPPROTO_UDP,
	  SEGF_PKT_L4, 5353, 53, 0, true },
	{ "ipv6_first_fragment", b_ipv6_frag_first, ETH_P_IPV6, IPPROTO_UDP,
	  SEGF_PKT_L4 | SEGF_PKT_FRAGMENT, 5353, 53, 0, true },
	{ "ipv6_later_fragment", b_ipv6_frag_later, ETH_P_IPV6, IPPROTO_UDP,
	  SEGF_PKT_FRAGMENT, 0, 0, 0, true },
	{ "ipv6_neighbour_solicitation", b_ipv6_ns, ETH_P_IPV6,
	  IPPROTO_ICMPV6, SEGF_PKT_L4 | SEGF_PKT_ND_NS, 0, 0,
	  NDISC_NEIGHBOUR_SOLICITATION, true },
	{ "ipv6_neighbour_advertisement", b_ipv6_na, ETH_P_IPV6,
	  IPPROTO_ICMPV6, SEGF_PKT_L4 | SEGF_PKT_ND_NA, 0, 0,
	  NDISC_NEIGHBOUR_ADVERTISEMENT, true },
	{ "ipv6_advertisement_flags", b_ipv6_na_so, ETH_P_IPV6,
	  IPPROTO_ICMPV6, SEGF_PKT_L4 | SEGF_PKT_ND_NA |
	  SEGF_PKT_ND_SOLICITED | SEGF_PKT_ND_OVERRIDE, 0, 0,
	  NDISC_NEIGHBOUR_ADVERTISEMENT, true },
	{ "ipv6_solicitation_lladdr", b_ipv6_ns_lladdr, ETH_P_IPV6,
	  IPPROTO_ICMPV6, SEGF_PKT_L4 | SEGF_PKT_ND_NS | SEGF_PKT_ND_LLADDR,
	  0, 0, NDISC_NEIGHBOUR_SOLICITATION, true },
	{ "ipv6_advertisement_lladdr", b_ipv6_na_lladdr, ETH_P_IPV6,
	  IPPROTO_ICMPV6, SEGF_PKT_L4 | SEGF_PKT_ND_NA | SEGF_PKT_ND_LLADDR,
	  0, 0, NDISC_NEIGHBOUR_ADVERTISEMENT, true },
	{ "ipv6_router_solicitation_lladdr", b_ipv6_rs_lladdr, ETH_P_IPV6,
	  IPPROTO_ICMPV6, SEGF_PKT_L4 | SEGF_PKT_ND_LLADDR, 0, 0,
	  NDISC_ROUTER_SOLICITATION, true },
	{ "ipv6_solicitation_in_fragment", b_ipv6_ns_fragment, ETH_P_IPV6,
	  IPPROTO_ICMPV6, SEGF_PKT_L4 | SEGF_PKT_FRAGMENT, 0, 0,
	  NDISC_NEIGHBOUR_SOLICITATION, true },
	{ "ipv4_protocol_58_not_icmpv6", b_ipv4_proto_icmpv6, ETH_P_IP,
	  IPPROTO_ICMPV6, 0, 0, 0, 0, true },
	{ "ipv6_protocol_1_not_icmp", b_ipv6_proto_icmp, ETH_P_IPV6,
	  IPPROTO_ICMP, 0, 0, 0, 0, true },
	{ "ipv6_no_next_header", b_ipv6_none, ETH_P_IPV6, NEXTHDR_NONE, 0,
	  0, 0, 0, true },
	{ "vlan_ipv4", b_vlan_ipv4, ETH_P_IP, IPPROTO_ICMP,
	  SEGF_PKT_L4 | SEGF_PKT_VLAN, 0, 0, ICMP_ECHOREPLY, true },
	{ "qinq_arp", b_qinq_arp, ETH_P_ARP, 0, SEGF_PKT_VLAN, 0, 0, 0, true },
	{ "other_ethertype", b_other_ethertype, ETH_P_LOOPBACK, 0, 0, 0, 0, 0,
	  false },
};

static void good_case_desc(const struct good_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(good, good_cases, good_case_desc);

/* Build an skb holding @f; @split > 0 puts all bytes from @split on in a
 * page fragment, so that the parser has to read across the boundary.
 */
static struct sk_buff *frame_skb(struct kunit *test, const struct frame *f,
				 unsigned int len, unsigned int split)
{
	struct sk_buff *skb;
	struct page *page;

	skb = alloc_skb(FRAME_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	if (!split || split >= len) {
		skb_put_data(skb, f->data, len);
		return skb;
	}
	skb_put_data(skb, f->data, split);
	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	memcpy(page_address(page), f->data + split, len - split);
	skb_add_rx_frag(skb, 0, page, 0, len - split, PAGE_SIZE);
	return skb;
}

static void check_good(struct kunit *test, const struct good_case *c,
		       const struct segf_pkt *pkt)
{
	KUNIT_EXPECT_EQ(test, ntohs(pkt->proto), c->proto);
	KUNIT_EXPECT_TRUE(test, ether_addr_equal(pkt->src, mac_a));
	KUNIT_EXPECT_TRUE(test, ether_addr_equal(pkt->dst, mac_b));
	KUNIT_EXPECT_EQ(test, pkt->flags, c->flags);
	if (c->proto == ETH_P_IP || c->proto == ETH_P_IPV6)
		KUNIT_EXPECT_EQ(test, pkt->l4proto, c->l4proto);
	KUNIT_EXPECT_EQ(test, ntohs(pkt->sport), c->sport);
	KUNIT_EXPECT_EQ(test, ntohs(pkt->dport), c->dport);
	KUNIT_EXPECT_EQ(test, pkt->icmp_type, c->icmp_type);
	if (c->proto == ETH_P_IP) {
		KUNIT_EXPECT_EQ(test, ntohl(pkt->v4.saddr), 0x0a000001);
		KUNIT_EXPECT_EQ(test, ntohl(pkt->v4.daddr), 0x0a000002);
	}
	if (c->proto == ETH_P_ARP) {
		KUNIT_EXPECT_EQ(test, ntohl(pkt->arp.tpa), 0x0a000002);
		KUNIT_EXPECT_TRUE(test, ether_addr_equal(pkt->arp.sha, mac_a));
	}
	if (c->flags & (SEGF_PKT_ND_NS | SEGF_PKT_ND_NA))
		KUNIT_EXPECT_EQ(test, pkt->nd_target.s6_addr[15], 2);
	if (c->flags & SEGF_PKT_ND_LLADDR)
		KUNIT_EXPECT_TRUE(test, ether_addr_equal(pkt->nd_lladdr, mac_a));
	if (c->flags & SEGF_PKT_QUOTED && c->proto == ETH_P_IP) {
		KUNIT_EXPECT_EQ(test, pkt->quoted.proto, IPPROTO_UDP);
		KUNIT_EXPECT_EQ(test, ntohs(pkt->quoted.sport), 5353);
		KUNIT_EXPECT_EQ(test, ntohs(pkt->quoted.dport), 53);
		KUNIT_EXPECT_EQ(test, ntohl(pkt->quoted.addr.v4[0]), 0x0a000001);
		KUNIT_EXPECT_EQ(test, ntohl(pkt->quoted.addr.v4[1]), 0x0a000002);
	}
	if (c->flags & SEGF_PKT_QUOTED && c->proto == ETH_P_IPV6) {
		KUNIT_EXPECT_EQ(test, pkt->quoted.proto, IPPROTO_TCP);
		KUNIT_EXPECT_EQ(test, ntohs(pkt->quoted.sport), 40000);
		KUNIT_EXPECT_EQ(test, ntohs(pkt->quoted.dport), 80);
		KUNIT_EXPECT_EQ(test, pkt->quoted.addr.v6[0].s6_addr[15], 1);
		KUNIT_EXPECT_EQ(test, pkt->quoted.addr.v6[1].s6_addr[15], 2);
	}
}

/* The whole frame parses, linear and split across a page fragment. */
static void parse_test_good(struct kunit *test)
{
	const struct good_case *c = test->param_value;
	struct segf_pkt pkt;
	struct sk_buff *skb;
	struct frame f = {};
	unsigned int split;

	c->build(&f);
	for (split = 0; split < f.len; split += 7) {
		skb = frame_skb(test, &f, f.len, split);
		KUNIT_EXPECT_EQ_MSG(test, segf_parse(skb, &pkt), 0,
				    "split at %u", split);
		check_good(test, c, &pkt);
		kfree_skb(skb);
	}
}

/* The frame cut short at every byte is malformed. */
static void parse_test_truncated(struct kunit *test)
{
	const struct good_case *c = test->param_value;
	struct segf_pkt pkt;
	struct sk_buff *skb;
	struct frame f = {};
	unsigned int len;

	c->build(&f);
	if (!c->whole)
		kunit_skip(test, "frame has bytes past its headers");
	for (len = 0; len < f.len; len++) {
		skb = frame_skb(test, &f, len, len / 2);
		KUNIT_EXPECT_EQ_MSG(test, segf_parse(skb, &pkt), -EBADMSG,
				    "cut at %u of %u", len, f.len);
		kfree_skb(skb);
	}
}

/* ---- malformed frames ---- */

struct bad_case {
	const char *name;
	void (*build)(struct frame *f);
};

static void m_ipv4_version(struct frame *f)
{
	b_ipv4_icmp(f);
	((struct iphdr *)(f->data + ETH_HLEN))->version = 6;
}

static void m_ipv4_ihl(struct frame *f)
{
	b_ipv4_icmp(f);
	((struct iphdr *)(f->data + ETH_HLEN))->ihl = 4;
}

static void m_ipv4_ihl_past_total(struct frame *f)
{
	struct iphdr *iph;

	b_ipv4_icmp(f);
	iph = (struct iphdr *)(f->data + ETH_HLEN);
	iph->ihl = 7;			/* a 28-byte header... */
	iph->tot_len = htons(24);	/* ...in a 24-byte packet */
}

static void m_ipv4_total_long(struct frame *f)
{
	b_ipv4_icmp(f);
	((struct iphdr *)(f->data + ETH_HLEN))->tot_len = htons(1500);
}

static void m_tcp_doff_small(struct frame *f)
{
	b_ipv4_tcp(f);
	((struct tcphdr *)(f->data + ETH_HLEN + 20))->doff = 4;
}

static void m_tcp_doff_large(struct frame *f)
{
	b_ipv4_tcp(f);
	((struct tcphdr *)(f->data + ETH_HLEN + 20))->doff = 15;
}

static void m_udp_len_short(struct frame *f)
{
	b_ipv4_udp(f);
	((struct udphdr *)(f->data + ETH_HLEN + 20))->len = htons(7);
}

static void m_udp_len_long(struct frame *f)
{
	b_ipv4_udp(f);
	((struct udphdr *)(f->data + ETH_HLEN + 20))->len = htons(13);
}

static void m_ipv6_payload_long(struct frame *f)
{
	b_ipv6_tcp(f);
	((struct ipv6hdr *)(f->data + ETH_HLEN))->payload_len = htons(21);
}

static void m_ipv6_jumbo(struct frame *f)
{
	b_ipv6_tcp(f);
	((struct ipv6hdr *)(f->data + ETH_HLEN))->payload_len = 0;
}

static void m_ipv6_version(struct frame *f)
{
	b_ipv6_tcp(f);
	((struct ipv6hdr *)(f->data + ETH_HLEN))->version = 4;
}

static void m_ipv6_exthdr_past_payload(struct frame *f)
{
	put_eth(f, ETH_P_IPV6);
	put_ipv6(f, NEXTHDR_DEST, 8);
	put_exthdr(f, IPPROTO_UDP, 2);	/* 16 bytes in an 8-byte payload */
}

static void m_ipv6_exthdr_chain(struct frame *f)
{
	int i;

	put_eth(f, ETH_P_IPV6);
	put_ipv6(f, NEXTHDR_DEST, 8 * (SEGF_MAX_IPV6_EXTHDRS + 1) + 8);
	for (i = 0; i < SEGF_MAX_IPV6_EXTHDRS + 1; i++)
		put_exthdr(f, NEXTHDR_DEST, 1);
	put_udp(f, 0);
}

static void m_arp_hlen(struct frame *f)
{
	b_arp(f);
	((struct arphdr *)(f->data + ETH_HLEN))->ar_hln = 8;
}

static void m_arp_proto(struct frame *f)
{
	b_arp(f);
	((struct arphdr *)(f->data + ETH_HLEN))->ar_pro = htons(ETH_P_IPV6);
}

static void m_vlan_three_tags(struct frame *f)
{
	put_eth(f, ETH_P_8021AD);
	put_vlan(f, 1, ETH_P_8021AD);
	put_vlan(f, 2, ETH_P_8021Q);
	put_vlan(f, 3, ETH_P_IP);
	put_ipv4(f, IPPROTO_ICMP, sizeof(struct icmphdr));
	put_icmp(f, ICMP_ECHO);
}

static void m_ns_short(struct frame *f)
{
	struct icmp6hdr ih = { .icmp6_type = NDISC_NEIGHBOUR_SOLICITATION };
	static const u8 half[8];

	put_eth(f, ETH_P_IPV6);
	put_ipv6(f, IPPROTO_ICMPV6, sizeof(ih) + sizeof(half));
	put(f, &ih, sizeof(ih));
	put(f, half, sizeof(half));
}

static void m_nd_option_length_0(struct frame *f)
{
	b_ipv6_ns_lladdr(f);
	f->data[f->len - 7] = 0;
}

static void m_nd_option_past_payload(struct frame *f)
{
	b_ipv6_ns_lladdr(f);
	f->data[f->len - 7] = 2;	/* 16 bytes, 8 there */
}

static void m_nd_lladdr_twice(struct frame *f)
{
	b_ipv6_ns_lladdr(f);
	((struct ipv6hdr *)(f->data + ETH_HLEN))->payload_len = htons(24 + 16);
	put_nd_lladdr(f, ND_OPT_SOURCE_LL_ADDR, mac_b);
}

static void m_rs_option_length_0(struct frame *f)
{
	b_ipv6_rs_lladdr(f);
	f->data[f->len - 7] = 0;
}

static void m_rs_option_past_payload(struct frame *f)
{
	b_ipv6_rs_lladdr(f);
	f->data[f->len - 7] = 2;	/* 16 bytes, 8 there */
}

static void m_rs_lladdr_twice(struct frame *f)
{
	b_ipv6_rs_lladdr(f);
	((struct ipv6hdr *)(f->data + ETH_HLEN))->payload_len = htons(8 + 16);
	put_nd_lladdr(f, ND_OPT_SOURCE_LL_ADDR, mac_b);
}

static void m_ipv4_total_length_0(struct frame *f)
{
	b_ipv4_tcp(f);
	((struct iphdr *)(f->data + ETH_HLEN))->tot_len = 0;
}

static const struct bad_case bad_cases[] = {
	{ "ipv4_version", m_ipv4_version },
	{ "ipv4_ihl_below_5", m_ipv4_ihl },
	{ "ipv4_ihl_past_total_length", m_ipv4_ihl_past_total },
	{ "ipv4_total_length_past_frame", m_ipv4_total_long },
	{ "tcp_doff_below_5", m_tcp_doff_small },
	{ "tcp_doff_past_packet", m_tcp_doff_large },
	{ "udp_length_below_header", m_udp_len_short },
	{ "udp_length_past_packet", m_udp_len_long },
	{ "ipv6_payload_past_frame", m_ipv6_payload_long },
	{ "ipv6_jumbo_payload", m_ipv6_jumbo },
	{ "ipv6_version", m_ipv6_version },
	{ "ipv6_exthdr_past_payload", m_ipv6_exthdr_past_payload },
	{ "ipv6_exthdr_chain_too_long", m_ipv6_exthdr_chain },
	{ "arp_hardware_length", m_arp_hlen },
	{ "arp_protocol", m_arp_proto },
	{ "vlan_three_tags", m_vlan_three_tags },
	{ "nd_solicitation_short", m_ns_short },
	{ "nd_option_length_0", m_nd_option_length_0 },
	{ "nd_option_past_payload", m_nd_option_past_payload },
	{ "nd_lladdr_options_differ", m_nd_lladdr_twice },
	{ "rs_option_length_0", m_rs_option_length_0 },
	{ "rs_option_past_payload", m_rs_option_past_payload },
	{ "rs_lladdr_options_differ", m_rs_lladdr_twice },
	{ "ipv4_total_length_0", m_ipv4_total_length_0 },
};

static void bad_case_desc(const struct bad_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(bad, bad_cases, bad_case_desc);

static void parse_test_malformed(struct kunit *test)
{
	const struct bad_case *c = test->param_value;
	struct segf_pkt pkt;
	struct sk_buff *skb;
	struct frame f = {};

	c->build(&f);
	skb = frame_skb(test, &f, f.len, 0);
	KUNIT_EXPECT_EQ(test, segf_parse(skb, &pkt), -EBADMSG);
	kfree_skb(skb);
}

/* ---- BIG TCP: GSO packets over 64 KB ---- */

#define BIG_PAYLOAD	70000

/*
 * An skb with the headers of @f and BIG_PAYLOAD bytes after them, a GSO
 * packet of @gso_type, or not GSO if 0.
 */
static struct sk_buff *big_skb(struct kunit *test, const struct frame *f,
			       unsigned int gso_type)
{
	unsigned int order = get_order(BIG_PAYLOAD);
	struct sk_buff *skb;
	struct page *page;

	skb = alloc_skb(FRAME_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_put_data(skb, f->data, f->len);
	page = alloc_pages(GFP_KERNEL | __GFP_COMP | __GFP_ZERO, order);
	if (!page)
		kfree_skb(skb);
	KUNIT_ASSERT_NOT_NULL(test, page);
	skb_add_rx_frag(skb, 0, page, 0, BIG_PAYLOAD, PAGE_SIZE << order);
	if (gso_type) {
		skb_shinfo(skb)->gso_size = 1448;
		skb_shinfo(skb)->gso_type = gso_type;
	}
	return skb;
}

static int big_parse(struct kunit *test, const struct frame *f,
		     unsigned int gso_type, struct segf_pkt *pkt)
{
	struct sk_buff *skb = big_skb(test, f, gso_type);
	int err = segf_parse(skb, pkt);

	kfree_skb(skb);
	return err;
}

/* IPv4 BIG TCP: total length 0, the length is the skb's. */
static void parse_test_big_tcp_ipv4(struct kunit *test)
{
	struct segf_pkt pkt;
	struct frame f = {};

	put_eth(&f, ETH_P_IP);
	put_ipv4(&f, IPPROTO_TCP, 0)->tot_len = 0;
	put_tcp(&f);

	KUNIT_EXPECT_EQ(test, big_parse(test, &f, SKB_GSO_TCPV4, &pkt), 0);
	KUNIT_EXPECT_EQ(test, pkt.flags, SEGF_PKT_L4);
	KUNIT_EXPECT_EQ(test, ntohs(pkt.dport), 80);
	/* The same packet not GSO, or GSO but not TCP, is malformed. */
	KUNIT_EXPECT_EQ(test, big_parse(test, &f, 0, &pkt), -EBADMSG);
	KUNIT_EXPECT_EQ(test, big_parse(test, &f, SKB_GSO_UDP_L4, &pkt),
			-EBADMSG);
}

/*
 * IPv6 BIG TCP: payload length 0 and a hop-by-hop jumbo option, or
 * (kernels after 6.12) no hop-by-hop header and the skb's length.
 */
static void parse_test_big_tcp_ipv6(struct kunit *test)
{
	struct hop_jumbo_hdr jh = {
		.nexthdr = IPPROTO_TCP,
		.tlv_type = IPV6_TLV_JUMBO,
		.tlv_len = 4,
		.jumbo_payload_len = htonl(sizeof(jh) + sizeof(struct tcphdr) +
					   BIG_PAYLOAD),
	};
	struct hop_jumbo_hdr *at;
	struct segf_pkt pkt;
	struct frame f = {};

	put_eth(&f, ETH_P_IPV6);
	put_ipv6(&f, NEXTHDR_HOP, 0);
	at = put(&f, &jh, sizeof(jh));
	put_tcp(&f);

	KUNIT_EXPECT_EQ(test, big_parse(test, &f, SKB_GSO_TCPV6, &pkt), 0);
	KUNIT_EXPECT_EQ(test, pkt.flags, SEGF_PKT_L4);
	KUNIT_EXPECT_EQ(test, pkt.l4proto, IPPROTO_TCP);
	KUNIT_EXPECT_EQ(test, ntohs(pkt.dport), 80);
	KUNIT_EXPECT_EQ(test, big_parse(test, &f, 0, &pkt), -EBADMSG);

	/* A jumbo length past the frame, or one that fits 16 bits. */
	at->jumbo_payload_len = htonl(ntohl(jh.jumbo_payload_len) + 1);
	KUNIT_EXPECT_EQ(test, big_parse(test, &f, SKB_GSO_TCPV6, &pkt),
			-EBADMSG);
	at->jumbo_payload_len = htonl(IPV6_MAXPLEN);
	KUNIT_EXPECT_EQ(test, big_parse(test, &f, SKB_GSO_TCPV6, &pkt),
			-EBADMSG);
	/* Another option than the jumbo one. */
	*at = jh;
	at->tlv_type = IPV6_TLV_PADN;
	KUNIT_EXPECT_EQ(test, big_parse(test, &f, SKB_GSO_TCPV6, &pkt),
			-EBADMSG);

	/* No hop-by-hop header: GSO TCP only. */
	f.len = 0;
	put_eth(&f, ETH_P_IPV6);
	put_ipv6(&f, IPPROTO_TCP, 0);
	put_tcp(&f);
	KUNIT_EXPECT_EQ(test, big_parse(test, &f, SKB_GSO_TCPV6, &pkt), 0);
	KUNIT_EXPECT_EQ(test, ntohs(pkt.dport), 80);
	KUNIT_EXPECT_EQ(test, big_parse(test, &f, 0, &pkt), -EBADMSG);
}

static struct kunit_case segf_parse_test_cases[] = {
	KUNIT_CASE_PARAM(parse_test_good, good_gen_params),
	KUNIT_CASE_PARAM(parse_test_truncated, good_gen_params),
	KUNIT_CASE_PARAM(parse_test_malformed, bad_gen_params),
	KUNIT_CASE(parse_test_big_tcp_ipv4),
	KUNIT_CASE(parse_test_big_tcp_ipv6),
	{}
};

static struct kunit_suite segf_parse_test_suite = {
	.name = "segfilter_parse",
	.test_cases = segf_parse_test_cases,
};

kunit_test_suite(segf_parse_test_suite);
