// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: parse a frame into struct segf_pkt.
 *
 * The frame starts at skb->data with its Ethernet header.  Every read
 * goes through skb_header_pointer() with an explicit length, so a frame
 * that ends early is reported as malformed instead of being read past.
 * Lengths the headers claim are checked against what the frame holds;
 * Ethernet padding after the IP packet is allowed.
 *
 * The buffers of the headers every IP packet has are __uninitialized
 * (compat.h): one is read only through the pointer skb_header_pointer()
 * returns, which points into it only once it is filled.
 */

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

#include "compat.h"
#include "parse.h"

struct segf_arp {
	struct arphdr hdr;
	struct segf_arp_eth_ipv4 body;
} __packed;

static int parse_arp(const struct sk_buff *skb, struct segf_pkt *pkt)
{
	struct segf_arp *arp, buf;

	arp = skb_header_pointer(skb, pkt->l3_off, sizeof(buf), &buf);
	if (!arp)
		return -EBADMSG;
	if (arp->hdr.ar_hrd != htons(ARPHRD_ETHER) ||
	    arp->hdr.ar_pro != htons(ETH_P_IP) ||
	    arp->hdr.ar_hln != ETH_ALEN || arp->hdr.ar_pln != 4)
		return -EBADMSG;

	pkt->arp.op = ntohs(arp->hdr.ar_op);
	ether_addr_copy(pkt->arp.sha, arp->body.sha);
	ether_addr_copy(pkt->arp.tha, arp->body.tha);
	pkt->arp.spa = arp->body.spa;
	pkt->arp.tpa = arp->body.tpa;
	return 0;
}

/*
 * The options of a neighbour discovery message, from @off to @end (RFC
 * 4861 4.6).  The link-layer address option of type @want is what a
 * neighbour cache learns, so it is kept for the caller to compare with
 * the sender's MAC; two of them that differ make the message malformed,
 * as do options that do not fit, an option of length 0 and more options
 * than SEGF_MAX_ND_OPTS.
 */
static int parse_nd_opts(const struct sk_buff *skb, struct segf_pkt *pkt,
			 unsigned int off, unsigned int end, u8 want)
{
	unsigned int i;

	for (i = 0; off < end; i++) {
		u8 *opt, obuf[2 + ETH_ALEN];
		unsigned int olen;

		if (i == SEGF_MAX_ND_OPTS || end - off < 2)
			return -EBADMSG;
		opt = skb_header_pointer(skb, off, 2, obuf);
		if (!opt)
			return -EBADMSG;
		olen = opt[1] * 8;
		if (!olen || olen > end - off)
			return -EBADMSG;
		if (opt[0] == want) {
			/* Options are 8-byte units: the address is there. */
			opt = skb_header_pointer(skb, off, sizeof(obuf), obuf);
			if (!opt)
				return -EBADMSG;
			if ((pkt->flags & SEGF_PKT_ND_LLADDR) &&
			    memcmp(pkt->nd_lladdr, opt + 2, ETH_ALEN))
				return -EBADMSG;
			memcpy(pkt->nd_lladdr, opt + 2, ETH_ALEN);
			pkt->flags |= SEGF_PKT_ND_LLADDR;
		}
		off += olen;
	}
	return 0;
}

/*
 * The body of a neighbour discovery message of @type after the ICMPv6
 * header, at @off and @len bytes long: for a neighbour solicitation or
 * advertisement its target, then options, whose source (NS) or target
 * (NA) link-layer address is kept; for a router solicitation options
 * only, whose source link-layer address is kept.
 */
static int parse_nd(const struct sk_buff *skb, struct segf_pkt *pkt,
		    unsigned int off, unsigned int len, u8 type)
{
	struct in6_addr *target, tbuf;

	if (type == NDISC_ROUTER_SOLICITATION)
		return parse_nd_opts(skb, pkt, off, off + len,
				     ND_OPT_SOURCE_LL_ADDR);
	if (len < sizeof(tbuf))
		return -EBADMSG;
	target = skb_header_pointer(skb, off, sizeof(tbuf), &tbuf);
	if (!target)
		return -EBADMSG;
	pkt->nd_target = *target;
	pkt->flags |= type == NDISC_NEIGHBOUR_SOLICITATION ? SEGF_PKT_ND_NS :
							     SEGF_PKT_ND_NA;
	return parse_nd_opts(skb, pkt, off + sizeof(tbuf), off + len,
			     type == NDISC_NEIGHBOUR_SOLICITATION ?
			     ND_OPT_SOURCE_LL_ADDR : ND_OPT_TARGET_LL_ADDR);
}

/*
 * The first bytes of the transport header an ICMP error quotes at @off:
 * the ports of TCP or UDP, the identifier of an echo request or reply of
 * @echo_proto (the quoting error's own protocol).  RFC 792 quotes at
 * least 8 bytes of it, RFC 4443 as much as fits.
 */
static bool parse_quoted_l4(const struct sk_buff *skb, struct segf_pkt *pkt,
			    unsigned int off, unsigned int end, u8 proto,
			    u8 echo_proto)
{
	struct {
		union {
			struct {
				__be16 source;
				__be16 dest;
			};
			struct {
				u8 type;
				u8 code;
				__sum16 csum;
				__be16 id;
			};
		};
	} *q, buf;
	u8 request = echo_proto == IPPROTO_ICMP ? ICMP_ECHO :
						  ICMPV6_ECHO_REQUEST;
	u8 reply = echo_proto == IPPROTO_ICMP ? ICMP_ECHOREPLY :
						ICMPV6_ECHO_REPLY;

	if (off + sizeof(buf) > end)
		return false;
	q = skb_header_pointer(skb, off, sizeof(buf), &buf);
	if (!q)
		return false;
	pkt->quoted.proto = proto;
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
		pkt->quoted.sport = q->source;
		pkt->quoted.dport = q->dest;
		return true;
	}
	if (proto != echo_proto || (q->type != request && q->type != reply))
		return false;
	pkt->quoted.sport = q->type == request ? q->id : 0;
	pkt->quoted.dport = q->type == request ? 0 : q->id;
	return true;
}

/*
 * The packet an ICMP error at pkt->l4_off quotes, after its 8-byte
 * header: its addresses and ports, so that the error can be matched to
 * the flow of the packet it is about (verdict.c).  Only a first
 * fragment or a whole packet of the error's own family, and under IPv6
 * one without extension headers, is recognised; anything else leaves
 * the error without a quote, judged as any packet.  Never an error.
 */
static void parse_quoted(const struct sk_buff *skb, struct segf_pkt *pkt,
			 unsigned int len)
{
	unsigned int off = pkt->l4_off + 8, end = pkt->l4_off + len;

	if (pkt->flags & SEGF_PKT_FRAGMENT)
		return;
	if (pkt->proto == htons(ETH_P_IP)) {
		struct iphdr *iph, buf;

		if (pkt->icmp_type != ICMP_DEST_UNREACH &&
		    pkt->icmp_type != ICMP_TIME_EXCEEDED &&
		    pkt->icmp_type != ICMP_PARAMETERPROB)
			return;
		if (off + sizeof(buf) > end)
			return;
		iph = skb_header_pointer(skb, off, sizeof(buf), &buf);
		if (!iph || iph->version != 4 || iph->ihl < 5 ||
		    (iph->frag_off & htons(IP_OFFSET)))
			return;
		pkt->quoted.addr.v4[0] = iph->saddr;
		pkt->quoted.addr.v4[1] = iph->daddr;
		if (!parse_quoted_l4(skb, pkt, off + iph->ihl * 4, end,
				     iph->protocol, IPPROTO_ICMP))
			return;
	} else {
		struct ipv6hdr *ip6h, buf;

		/* Types 1 to 4: unreachable, too big, time, parameter. */
		if (pkt->icmp_type < ICMPV6_DEST_UNREACH ||
		    pkt->icmp_type > ICMPV6_PARAMPROB)
			return;
		if (off + sizeof(buf) > end)
			return;
		ip6h = skb_header_pointer(skb, off, sizeof(buf), &buf);
		if (!ip6h || ip6h->version != 6)
			return;
		pkt->quoted.addr.v6[0] = ip6h->saddr;
		pkt->quoted.addr.v6[1] = ip6h->daddr;
		if (!parse_quoted_l4(skb, pkt, off + sizeof(buf), end,
				     ip6h->nexthdr, IPPROTO_ICMPV6))
			return;
	}
	pkt->flags |= SEGF_PKT_QUOTED;
}

/*
 * Parse the transport header at pkt->l4_off, which the IP layer says is
 * @len bytes long up to the end of the IP packet.
 */
static __always_inline int parse_l4(const struct sk_buff *skb,
				    struct segf_pkt *pkt, unsigned int len)
{
	unsigned int off = pkt->l4_off;

	switch (pkt->l4proto) {
	case IPPROTO_TCP: {
		struct tcphdr *th, buf __uninitialized;

		if (len < sizeof(buf))
			return -EBADMSG;
		th = skb_header_pointer(skb, off, sizeof(buf), &buf);
		if (!th || th->doff < 5 || th->doff * 4 > len)
			return -EBADMSG;
		pkt->sport = th->source;
		pkt->dport = th->dest;
		pkt->tcp_flags = ((u8 *)th)[13];
		break;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh, buf __uninitialized;

		if (len < sizeof(buf))
			return -EBADMSG;
		uh = skb_header_pointer(skb, off, sizeof(buf), &buf);
		if (!uh || ntohs(uh->len) < sizeof(buf))
			return -EBADMSG;
		/* A first fragment's UDP length is the whole datagram's. */
		if (!(pkt->flags & SEGF_PKT_FRAGMENT) && ntohs(uh->len) > len)
			return -EBADMSG;
		pkt->sport = uh->source;
		pkt->dport = uh->dest;
		break;
	}
	case IPPROTO_ICMP: {
		struct icmphdr *ih, buf __uninitialized;

		/* Only IPv4 carries ICMP, and only IPv6 carries ICMPv6. */
		if (pkt->proto != htons(ETH_P_IP))
			return 0;
		if (len < sizeof(buf))
			return -EBADMSG;
		ih = skb_header_pointer(skb, off, sizeof(buf), &buf);
		if (!ih)
			return -EBADMSG;
		pkt->icmp_type = ih->type;
		pkt->icmp_code = ih->code;
		pkt->icmp_id = ih->un.echo.id;
		parse_quoted(skb, pkt, len);
		break;
	}
	case IPPROTO_ICMPV6: {
		struct icmp6hdr *ih, buf __uninitialized;

		if (pkt->proto != htons(ETH_P_IPV6))
			return 0;
		if (len < sizeof(buf))
			return -EBADMSG;
		ih = skb_header_pointer(skb, off, sizeof(buf), &buf);
		if (!ih)
			return -EBADMSG;
		pkt->icmp_type = ih->icmp6_type;
		pkt->icmp_code = ih->icmp6_code;
		pkt->icmp_id = ih->icmp6_identifier;
		parse_quoted(skb, pkt, len);
		/*
		 * RFC 6980: neighbour discovery never comes in fragments.
		 * One that does is an ICMPv6 packet like any other.
		 */
		if ((ih->icmp6_type == NDISC_ROUTER_SOLICITATION ||
		     ih->icmp6_type == NDISC_NEIGHBOUR_SOLICITATION ||
		     ih->icmp6_type == NDISC_NEIGHBOUR_ADVERTISEMENT) &&
		    !(pkt->flags & SEGF_PKT_FRAGMENT)) {
			int err = parse_nd(skb, pkt, off + sizeof(buf),
					   len - sizeof(buf), ih->icmp6_type);

			if (err)
				return err;
			if (ih->icmp6_type == NDISC_NEIGHBOUR_ADVERTISEMENT) {
				if (ih->icmp6_solicited)
					pkt->flags |= SEGF_PKT_ND_SOLICITED;
				if (ih->icmp6_override)
					pkt->flags |= SEGF_PKT_ND_OVERRIDE;
			}
		}
		break;
	}
	default:
		/* Other protocols have no header we look into. */
		return 0;
	}
	pkt->flags |= SEGF_PKT_L4;
	return 0;
}

static int parse_ipv4(const struct sk_buff *skb, struct segf_pkt *pkt)
{
	struct iphdr *iph, buf __uninitialized;
	unsigned int hlen, tot_len;

	iph = skb_header_pointer(skb, pkt->l3_off, sizeof(buf), &buf);
	if (!iph || iph->version != 4 || iph->ihl < 5)
		return -EBADMSG;
	hlen = iph->ihl * 4;
	tot_len = ntohs(iph->tot_len);
	/*
	 * BIG TCP (Linux 6.3 on): a TCP GSO packet over 64 KB has a total
	 * length of 0 and its length is the skb's, as ip_rcv_core() takes
	 * it.  Any other packet with a total length of 0 is malformed: not
	 * TCP, or not over 64 KB.
	 */
	if (!tot_len && skb_is_gso(skb) && skb_is_gso_tcp(skb) &&
	    iph->protocol == IPPROTO_TCP &&
	    skb->len - pkt->l3_off > IP_MAX_MTU)
		tot_len = skb->len - pkt->l3_off;
	if (tot_len < hlen || pkt->l3_off + tot_len > skb->len)
		return -EBADMSG;

	pkt->v4.saddr = iph->saddr;
	pkt->v4.daddr = iph->daddr;
	pkt->l4proto = iph->protocol;
	pkt->ttl = iph->ttl;
	pkt->l4_off = pkt->l3_off + hlen;

	if (ip_is_fragment(iph)) {
		pkt->flags |= SEGF_PKT_FRAGMENT;
		/* Only the first fragment carries the transport header. */
		if (iph->frag_off & htons(IP_OFFSET))
			return 0;
	}
	return parse_l4(skb, pkt, tot_len - hlen);
}

/*
 * The payload length of an IPv6 BIG TCP packet, a TCP GSO packet over
 * 64 KB whose payload length is 0.  Linux 6.1 to 6.12 put a hop-by-hop
 * header with only a jumbo payload option (RFC 2675) right after the
 * IPv6 header, and take the length from it (ipv6_hop_jumbo()); later
 * kernels leave that header out and take the length from the skb.  Only
 * these two shapes, and only on a TCP GSO skb, are accepted: a
 * jumbogram cannot be a frame on an Ethernet link.
 */
static int parse_ipv6_big(const struct sk_buff *skb,
			  const struct segf_pkt *pkt, u8 nexthdr,
			  unsigned int *plen)
{
	unsigned int room = skb->len - pkt->l3_off - sizeof(struct ipv6hdr);
	struct hop_jumbo_hdr *jh, jbuf;
	u32 len;

	if (!skb_is_gso(skb) || !skb_is_gso_tcp(skb) || room <= IPV6_MAXPLEN)
		return -EBADMSG;
	if (nexthdr != NEXTHDR_HOP) {
		*plen = room;
		return 0;
	}
	jh = skb_header_pointer(skb, pkt->l3_off + sizeof(struct ipv6hdr),
				sizeof(jbuf), &jbuf);
	if (!jh || jh->hdrlen || jh->tlv_type != IPV6_TLV_JUMBO ||
	    jh->tlv_len != sizeof(jh->jumbo_payload_len))
		return -EBADMSG;
	len = ntohl(jh->jumbo_payload_len);
	if (len <= IPV6_MAXPLEN || len > room)
		return -EBADMSG;
	*plen = len;
	return 0;
}

static int parse_ipv6(const struct sk_buff *skb, struct segf_pkt *pkt)
{
	struct ipv6hdr *ip6h, buf __uninitialized;
	unsigned int off, end, plen, i;
	u8 nexthdr;

	ip6h = skb_header_pointer(skb, pkt->l3_off, sizeof(buf), &buf);
	if (!ip6h || ip6h->version != 6)
		return -EBADMSG;
	/*
	 * A zero payload length announces a jumbogram, which cannot fit in
	 * an Ethernet frame, unless nothing follows the header at all, or
	 * the frame is a BIG TCP GSO packet (see parse_ipv6_big()).
	 */
	plen = ntohs(ip6h->payload_len);
	if (!plen && ip6h->nexthdr != NEXTHDR_NONE &&
	    parse_ipv6_big(skb, pkt, ip6h->nexthdr, &plen))
		return -EBADMSG;
	end = pkt->l3_off + sizeof(buf) + plen;
	if (end > skb->len)
		return -EBADMSG;

	pkt->v6.saddr = ip6h->saddr;
	pkt->v6.daddr = ip6h->daddr;
	pkt->ttl = ip6h->hop_limit;
	nexthdr = ip6h->nexthdr;
	off = pkt->l3_off + sizeof(buf);

	for (i = 0; i < SEGF_MAX_IPV6_EXTHDRS; i++) {
		struct ipv6_opt_hdr *eh, ebuf;
		struct frag_hdr *fh, fbuf;

		switch (nexthdr) {
		case NEXTHDR_HOP:
		case NEXTHDR_ROUTING:
		case NEXTHDR_DEST:
			eh = skb_header_pointer(skb, off, sizeof(ebuf), &ebuf);
			if (!eh || off + ipv6_optlen(eh) > end)
				return -EBADMSG;
			nexthdr = eh->nexthdr;
			off += ipv6_optlen(eh);
			continue;
		case NEXTHDR_AUTH:
			eh = skb_header_pointer(skb, off, sizeof(ebuf), &ebuf);
			if (!eh || off + ipv6_authlen(eh) > end)
				return -EBADMSG;
			nexthdr = eh->nexthdr;
			off += ipv6_authlen(eh);
			continue;
		case NEXTHDR_FRAGMENT:
			fh = skb_header_pointer(skb, off, sizeof(fbuf), &fbuf);
			if (!fh || off + sizeof(fbuf) > end)
				return -EBADMSG;
			pkt->flags |= SEGF_PKT_FRAGMENT;
			nexthdr = fh->nexthdr;
			off += sizeof(fbuf);
			if (fh->frag_off & htons(IP6_OFFSET)) {
				pkt->l4proto = nexthdr;
				pkt->l4_off = off;
				return 0;
			}
			continue;
		case NEXTHDR_NONE:
			pkt->l4proto = nexthdr;
			pkt->l4_off = off;
			return 0;
		default:
			pkt->l4proto = nexthdr;
			pkt->l4_off = off;
			return parse_l4(skb, pkt, end - off);
		}
	}
	/* More extension headers than any sane sender uses. */
	return -EBADMSG;
}

/**
 * segf_parse - parse the frame at skb->data into @pkt
 * @skb: the frame, starting with its Ethernet header
 * @pkt: the key to fill; zeroed first
 *
 * Return: 0, or -EBADMSG when the frame is truncated or its headers are
 * inconsistent.  An EtherType other than ARP, IPv4 and IPv6 is not an
 * error: @pkt->proto tells the caller what it got.
 */
int segf_parse(const struct sk_buff *skb, struct segf_pkt *pkt)
{
	struct ethhdr *eth, ebuf __uninitialized;
	unsigned int off;
	__be16 proto;
	int i;

	/* The quote is read only under SEGF_PKT_QUOTED, set once it is whole. */
	memset(pkt, 0, offsetof(struct segf_pkt, quoted));

	eth = skb_header_pointer(skb, 0, sizeof(ebuf), &ebuf);
	if (!eth)
		return -EBADMSG;
	ether_addr_copy(pkt->dst, eth->h_dest);
	ether_addr_copy(pkt->src, eth->h_source);
	proto = eth->h_proto;
	off = sizeof(ebuf);

	for (i = 0; eth_type_vlan(proto); i++) {
		struct vlan_hdr *vh, vbuf;

		if (i == SEGF_MAX_VLAN_TAGS)
			return -EBADMSG;
		vh = skb_header_pointer(skb, off, sizeof(vbuf), &vbuf);
		if (!vh)
			return -EBADMSG;
		if (!i) {
			pkt->flags |= SEGF_PKT_VLAN;
			pkt->vlan_tci = ntohs(vh->h_vlan_TCI);
		}
		proto = vh->h_vlan_encapsulated_proto;
		off += sizeof(vbuf);
	}
	/*
	 * An 802.3 length field (LLC frames such as STP) stays in
	 * pkt->proto as it is: the caller refuses it like any EtherType it
	 * does not handle.
	 */
	pkt->proto = proto;
	pkt->l3_off = off;

	switch (proto) {
	case htons(ETH_P_ARP):
		return parse_arp(skb, pkt);
	case htons(ETH_P_IP):
		return parse_ipv4(skb, pkt);
	case htons(ETH_P_IPV6):
		return parse_ipv6(skb, pkt);
	default:
		return 0;
	}
}
