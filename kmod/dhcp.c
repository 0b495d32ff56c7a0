// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: DHCPv4 and router advertisements, answered on the domain's
 * behalf as the ARP and ND responder answers neighbours (respond.c).
 * The module knows every endpoint's addresses and the domain's gateway
 * in the policy generation a frame is judged by, so it answers in
 * softirq from what the frame's own generation says: no daemon to keep
 * in step, nothing that could answer from an older configuration.
 *
 * DHCP (RFC 2131, 2132): a DISCOVER gets an OFFER of the endpoint's
 * first IPv4 address, a REQUEST for it an ACK (a NAK for any other
 * address), an INFORM an ACK without an address.  The answer comes
 * from the gateway's MAC and first IPv4 address and goes to the
 * endpoint that asked, never flooded.  The address is a host route:
 * mask 255.255.255.255, the gateway as router (option 3, and with
 * option 121 to the clients that ask for it, a host route to the
 * gateway then the default route through it).
 *
 * Router solicitations get an advertisement from the gateway's
 * link-local address (its MAC's modified EUI-64) with the domain's /64
 * prefixes, autonomous and not on-link: every packet goes through the
 * gateway, as with IPv4's host routes.
 *
 * A domain with an endpoint flagged dhcp-server leaves DHCP to it: the
 * clients' requests go to that endpoint alone, its replies go on as
 * any other frame.  Anyone else's DHCP server traffic is dropped.
 */

#include <linux/etherdevice.h>
#include <linux/ip.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ndisc.h>

#include "datapath.h"
#include "domain.h"
#include "endpoint.h"
#include "policy.h"

#define SEGF_DHCP_SERVER_PORT	67
#define SEGF_DHCP_CLIENT_PORT	68
#define SEGF_DHCP_MAGIC		0x63825363
#define SEGF_DHCP_LEASE		86400		/* seconds */
#define SEGF_DHCP_BROADCAST	0x8000		/* of segf_bootp::flags */

/* Message types (option 53). */
enum {
	SEGF_DHCPDISCOVER = 1,
	SEGF_DHCPOFFER,
	SEGF_DHCPREQUEST,
	SEGF_DHCPDECLINE,
	SEGF_DHCPACK,
	SEGF_DHCPNAK,
	SEGF_DHCPRELEASE,
	SEGF_DHCPINFORM,
};

/* Options read or written. */
enum {
	SEGF_OPT_PAD = 0,
	SEGF_OPT_MASK = 1,
	SEGF_OPT_ROUTER = 3,
	SEGF_OPT_DNS = 6,
	SEGF_OPT_MTU = 26,
	SEGF_OPT_REQUESTED = 50,
	SEGF_OPT_LEASE = 51,
	SEGF_OPT_TYPE = 53,
	SEGF_OPT_SERVER = 54,
	SEGF_OPT_PARAMS = 55,
	SEGF_OPT_ROUTES = 121,
	SEGF_OPT_END = 255,
};

/* The fixed part of a BOOTP message, with DHCP's magic cookie. */
struct segf_bootp {
	u8 op;
	u8 htype;
	u8 hlen;
	u8 hops;
	__be32 xid;
	__be16 secs;
	__be16 flags;
	__be32 ciaddr;
	__be32 yiaddr;
	__be32 siaddr;
	__be32 giaddr;
	u8 chaddr[16];
	u8 sname[64];
	u8 file[128];
	__be32 magic;
} __packed;

/*
 * Room for the options of an answer: type (3), server (6), lease (6),
 * mask (6), router (6), MTU (4), DNS (2 + 4 * 4), routes (2 + 9 + 5),
 * end (1): 66 bytes.  With the fixed part, 320: more than the 300 of a
 * BOOTP message that some clients insist on.
 */
#define SEGF_DHCP_OPTS_SIZE	80

struct segf_dhcp_msg {
	struct iphdr ip;
	struct udphdr udp;
	struct segf_bootp bootp;
	u8 opts[SEGF_DHCP_OPTS_SIZE];
} __packed;

/* What a client's request says. */
struct segf_dhcp_req {
	u8 type;
	bool wants_routes;		/* option 121 in its parameter list */
	__be32 requested;		/* option 50, or 0 */
	__be32 server;			/* option 54, or 0 */
	__be32 saddr;			/* the IPv4 source address */
};

/* The first IPv4 address of an endpoint or the gateway, or 0. */
static __be32 segf_first_v4(const struct segf_addr *addrs, unsigned int n,
			    size_t stride)
{
	const struct segf_addr *a;
	unsigned int i;

	for (i = 0; i < n; i++) {
		a = (const void *)((const u8 *)addrs + i * stride);
		if (a->family == AF_INET)
			return a->v4;
	}
	return 0;
}

/*
 * Read the client's message: a BOOTREQUEST over Ethernet from the MAC
 * that sent the frame, not relayed, and its options.  Returns false for
 * anything else.  The walk is as long as the message, at most a frame.
 */
static bool segf_dhcp_read(const struct sk_buff *skb,
			   const struct segf_pkt *pkt, struct segf_bootp *bp,
			   struct segf_dhcp_req *req)
{
	unsigned int off = pkt->l4_off, end, len, i;
	const struct udphdr *uh;
	u8 code;
	struct udphdr _uh;
	u8 _o[2], _v[4];
	const u8 *o, *v;

	uh = skb_header_pointer(skb, off, sizeof(_uh), &_uh);
	if (!uh)
		return false;
	end = min_t(unsigned int, off + ntohs(uh->len), skb->len);
	off += sizeof(*uh);
	if (end < off + sizeof(*bp) ||
	    skb_copy_bits(skb, off, bp, sizeof(*bp)))
		return false;
	if (bp->op != 1 || bp->htype != 1 || bp->hlen != ETH_ALEN ||
	    bp->giaddr || bp->magic != htonl(SEGF_DHCP_MAGIC) ||
	    !ether_addr_equal(bp->chaddr, pkt->src))
		return false;

	memset(req, 0, sizeof(*req));
	req->saddr = pkt->v4.saddr;
	off += sizeof(*bp);
	while (off < end) {
		o = skb_header_pointer(skb, off, 1, _o);
		if (!o || o[0] == SEGF_OPT_END)
			break;
		if (o[0] == SEGF_OPT_PAD) {
			off++;
			continue;
		}
		o = skb_header_pointer(skb, off, 2, _o);
		if (!o || off + 2 + o[1] > end)
			return false;
		code = o[0];
		len = o[1];
		off += 2;
		switch (code) {
		case SEGF_OPT_TYPE:
			v = skb_header_pointer(skb, off, 1, _v);
			if (len != 1 || !v)
				return false;
			req->type = v[0];
			break;
		case SEGF_OPT_REQUESTED:
		case SEGF_OPT_SERVER:
			v = skb_header_pointer(skb, off, 4, _v);
			if (len != 4 || !v)
				return false;
			memcpy(code == SEGF_OPT_SERVER ? &req->server :
							 &req->requested, v, 4);
			break;
		case SEGF_OPT_PARAMS:
			for (i = 0; i < len; i++) {
				v = skb_header_pointer(skb, off + i, 1, _v);
				if (v && v[0] == SEGF_OPT_ROUTES)
					req->wants_routes = true;
			}
			break;
		default:
			break;
		}
		off += len;
	}
	return req->type != 0;
}

static u8 *segf_opt(u8 *p, u8 code, u8 len, const void *val)
{
	*p++ = code;
	*p++ = len;
	memcpy(p, val, len);
	return p + len;
}

static u8 *segf_opt_be32(u8 *p, u8 code, __be32 val)
{
	return segf_opt(p, code, sizeof(val), &val);
}

/*
 * Option 121 (RFC 3442): a route to the gateway itself on the link,
 * then the default route through it, so that a client that takes this
 * option (and then ignores option 3) can reach its router from a /32.
 */
static u8 *segf_opt_routes(u8 *p, __be32 gw)
{
	*p++ = SEGF_OPT_ROUTES;
	*p++ = 9 + 5;
	*p++ = 32;
	memcpy(p, &gw, 4);
	p += 4;
	memset(p, 0, 4);		/* on the link */
	p += 4;
	*p++ = 0;			/* 0.0.0.0/0 */
	memcpy(p, &gw, 4);
	return p + 4;
}

/* The answer to @bp, @type, sent back to the endpoint that asked. */
static void segf_dhcp_reply(const struct segf_ctx *ctx, struct sk_buff *skb,
			    const struct segf_bootp *bp,
			    const struct segf_dhcp_req *req, u8 type,
			    __be32 yiaddr, __be32 gw)
{
	const struct segf_domain_cfg *cfg = &ctx->pol->cfg;
	struct segf_dhcp_msg *m;
	struct sk_buff *nskb;
	struct ethhdr *eth;
	unsigned int i, n, ulen;
	__be32 dns[SEGFILTER_EP_MAX_ADDRS];
	__be32 daddr;
	u8 *p;

	nskb = netdev_alloc_skb_ip_align(ctx->port->dev,
					 ETH_HLEN + sizeof(*m));
	if (!nskb) {
		segf_drop(ctx, skb, SEGFILTER_DROP_TX_ERROR);
		return;
	}
	consume_skb(skb);

	eth = skb_put(nskb, ETH_HLEN);
	ether_addr_copy(eth->h_dest, bp->chaddr);
	ether_addr_copy(eth->h_source, cfg->gw_mac);
	eth->h_proto = htons(ETH_P_IP);
	m = skb_put_zero(nskb, sizeof(*m));

	m->bootp.op = 2;
	m->bootp.htype = 1;
	m->bootp.hlen = ETH_ALEN;
	m->bootp.xid = bp->xid;
	m->bootp.flags = bp->flags;
	m->bootp.ciaddr = type == SEGF_DHCPACK ? bp->ciaddr : 0;
	m->bootp.yiaddr = yiaddr;
	ether_addr_copy(m->bootp.chaddr, bp->chaddr);
	m->bootp.magic = htonl(SEGF_DHCP_MAGIC);

	p = segf_opt(m->opts, SEGF_OPT_TYPE, 1, &type);
	p = segf_opt_be32(p, SEGF_OPT_SERVER, gw);
	if (type != SEGF_DHCPNAK) {
		if (yiaddr)
			p = segf_opt_be32(p, SEGF_OPT_LEASE,
					  htonl(SEGF_DHCP_LEASE));
		p = segf_opt_be32(p, SEGF_OPT_MASK, htonl(0xffffffff));
		p = segf_opt_be32(p, SEGF_OPT_ROUTER, gw);
		if (cfg->mtu) {
			__be16 mtu = htons(min_t(u32, cfg->mtu, U16_MAX));

			p = segf_opt(p, SEGF_OPT_MTU, sizeof(mtu), &mtu);
		}
		for (i = 0, n = 0; i < cfg->n_dns; i++)
			if (cfg->dns[i].family == AF_INET)
				dns[n++] = cfg->dns[i].v4;
		if (n)
			p = segf_opt(p, SEGF_OPT_DNS, n * 4, dns);
		if (req->wants_routes)
			p = segf_opt_routes(p, gw);
	}
	*p = SEGF_OPT_END;

	/* RFC 2131 4.1: where a server sends its answer. */
	if (type == SEGF_DHCPNAK)
		daddr = htonl(INADDR_BROADCAST);
	else if (bp->ciaddr)
		daddr = bp->ciaddr;
	else if (ntohs(bp->flags) & SEGF_DHCP_BROADCAST)
		daddr = htonl(INADDR_BROADCAST);
	else if (yiaddr)
		daddr = yiaddr;
	else if (req->saddr)
		daddr = req->saddr;	/* an INFORM without ciaddr */
	else
		daddr = htonl(INADDR_BROADCAST);

	ulen = sizeof(*m) - sizeof(m->ip);
	m->udp.source = htons(SEGF_DHCP_SERVER_PORT);
	m->udp.dest = htons(SEGF_DHCP_CLIENT_PORT);
	m->udp.len = htons(ulen);
	m->udp.check = csum_tcpudp_magic(gw, daddr, ulen, IPPROTO_UDP,
					 csum_partial(&m->udp, ulen, 0));
	if (!m->udp.check)
		m->udp.check = CSUM_MANGLED_0;

	m->ip.version = 4;
	m->ip.ihl = 5;
	m->ip.tot_len = htons(sizeof(*m));
	m->ip.ttl = 64;
	m->ip.protocol = IPPROTO_UDP;
	m->ip.saddr = gw;
	m->ip.daddr = daddr;
	m->ip.check = ip_fast_csum(&m->ip, m->ip.ihl);

	skb_reset_mac_header(nskb);
	skb_set_network_header(nskb, ETH_HLEN);
	nskb->protocol = htons(ETH_P_IP);
	segf_count(ctx, dhcp_replies);
	segf_xmit(ctx, ctx->port, nskb);
}

/* The domain's DHCP server, if an endpoint flagged so is seen. */
static struct segf_endpoint *segf_dhcp_server(const struct segf_ctx *ctx)
{
	const struct segf_domain_cfg *cfg = &ctx->pol->cfg;
	struct segf_endpoint *ep;

	if (is_zero_ether_addr(cfg->dhcp_server))
		return NULL;
	ep = segf_lookup_mac(ctx, cfg->dhcp_server);
	if (!ep || !(ep->flags & SEGFILTER_ENDPOINT_F_DHCP_SERVER) ||
	    segf_port_is_uplink(segf_endpoint_port(ep)))
		return NULL;
	return ep;
}

/*
 * A request checked as the gateway checks what it answers, sent on to
 * the domain's server.  A renewal is unicast to the server's address
 * through the gateway MAC (the server's address is no neighbour of a
 * /32): it goes to the server's MAC, or its NIC would not take it.
 */
static void segf_dhcp_to_server(const struct segf_ctx *ctx,
				struct sk_buff *skb,
				const struct segf_endpoint *server)
{
	struct ethhdr *eth;

	if (!is_multicast_ether_addr(skb->data)) {
		if (skb_ensure_writable(skb, ETH_HLEN)) {
			segf_drop(ctx, skb, SEGFILTER_DROP_TX_ERROR);
			return;
		}
		eth = (struct ethhdr *)skb->data;
		ether_addr_copy(eth->h_dest, server->mac);
	}
	segf_count(ctx, forwarded);
	segf_deliver(ctx, skb, server, NULL);
}

/**
 * segf_dhcp - DHCP from an endpoint: answer it, pass it, or drop it
 * @ctx: the frame's context
 * @skb: the frame, IPv4 UDP from port 67 or to port 67 or 68, or the
 *	first fragment of such a datagram
 * @pkt: what segf_parse() found in it
 * @src: the endpoint that sent it
 *
 * Server traffic (from port 67, or to port 68 from any port) goes on,
 * as any frame, only from the domain's DHCP server, a local endpoint.
 * A client's request (to port 67, whole, from 0.0.0.0 or an address of
 * its own, a BOOTREQUEST whose chaddr is the sender's MAC) goes to that
 * server if the domain has one, else is answered here.  No request is
 * taken from an uplink.  A REQUEST from an address that is
 * not the sender's (a renewal of an address its endpoint no longer has)
 * gets a NAK, so that the client starts over at once.
 *
 * Return: true when the frame was consumed; false lets it go on its
 * way as any other frame.
 */
bool segf_dhcp(const struct segf_ctx *ctx, struct sk_buff *skb,
	       const struct segf_pkt *pkt, const struct segf_endpoint *src)
{
	const struct segf_domain_cfg *cfg = &ctx->pol->cfg;
	struct segf_endpoint *server = segf_dhcp_server(ctx);
	struct segf_dhcp_req req;
	struct segf_bootp bp;
	__be32 gw, mine;
	bool owned;

	/*
	 * Server traffic: from port 67, or to a client's port 68 from any
	 * port, a first fragment too.  A remote endpoint is never the
	 * server.
	 */
	if (pkt->sport == htons(SEGF_DHCP_SERVER_PORT) ||
	    pkt->dport == htons(SEGF_DHCP_CLIENT_PORT)) {
		if (server == src && !ctx->from_remote)
			return false;
		segf_drop(ctx, skb, SEGFILTER_DROP_DHCP);
		return true;
	}
	/*
	 * A request, to port 67 from any port: whole, and from a local
	 * endpoint, whose own host answers it or sends it to its server.
	 */
	if ((pkt->flags & SEGF_PKT_FRAGMENT) || ctx->from_remote) {
		segf_drop(ctx, skb, SEGFILTER_DROP_DHCP);
		return true;
	}
	owned = !pkt->v4.saddr || segf_owns_v4(src, pkt->v4.saddr);
	if (!owned && server) {
		segf_drop(ctx, skb, SEGFILTER_DROP_SRC_IP);
		return true;
	}
	if (!segf_dhcp_read(skb, pkt, &bp, &req)) {
		segf_drop(ctx, skb, SEGFILTER_DROP_DHCP);
		return true;
	}
	if (server) {
		if (server == src) {
			segf_drop(ctx, skb, SEGFILTER_DROP_DHCP);
			return true;
		}
		segf_dhcp_to_server(ctx, skb, server);
		return true;
	}

	gw = segf_first_v4(cfg->gw_addrs, cfg->n_gw_addrs,
			   sizeof(cfg->gw_addrs[0]));
	if (!gw) {
		segf_drop(ctx, skb, SEGFILTER_DROP_DHCP);
		return true;
	}
	if (!owned && req.type != SEGF_DHCPREQUEST) {
		segf_drop(ctx, skb, SEGFILTER_DROP_SRC_IP);
		return true;
	}
	mine = segf_first_v4(&src->addrs[0].key, src->n_addrs,
			     sizeof(src->addrs[0]));

	switch (req.type) {
	case SEGF_DHCPDISCOVER:
		if (!mine)
			break;
		segf_dhcp_reply(ctx, skb, &bp, &req, SEGF_DHCPOFFER, mine, gw);
		return true;
	case SEGF_DHCPREQUEST:
		/* Another server's offer taken: not ours to answer. */
		if (req.server && req.server != gw)
			break;
		if (!req.requested)
			req.requested = bp.ciaddr;
		if (!owned || !mine || req.requested != mine)
			segf_dhcp_reply(ctx, skb, &bp, &req, SEGF_DHCPNAK, 0,
					gw);
		else
			segf_dhcp_reply(ctx, skb, &bp, &req, SEGF_DHCPACK,
					mine, gw);
		return true;
	case SEGF_DHCPINFORM:
		segf_dhcp_reply(ctx, skb, &bp, &req, SEGF_DHCPACK, 0, gw);
		return true;
	default:
		/* RELEASE and DECLINE: the address stays the endpoint's. */
		break;
	}
	segf_drop(ctx, skb, SEGFILTER_DROP_DHCP);
	return true;
}

/* A router advertisement's prefix information option (RFC 4861 4.6.2). */
struct segf_ra_prefix {
	u8 type;
	u8 len;
	u8 prefix_len;
	u8 flags;
	__be32 valid;
	__be32 preferred;
	__be32 reserved;
	struct in6_addr prefix;
} __packed;

#define SEGF_RA_AUTONOMOUS	0x40
#define SEGF_RA_LIFETIME	9000	/* seconds: RFC 4861's longest */
/*
 * A prefix's lifetimes: finite, so that an address of a prefix the
 * domain no longer advertises is deprecated then dropped by the hosts.
 */
#define SEGF_RA_VALID		86400	/* seconds */
#define SEGF_RA_PREFERRED	14400
#define SEGF_ND_OPT_RDNSS	25

static const struct in6_addr segf_all_nodes = IN6ADDR_LINKLOCAL_ALLNODES_INIT;
static const u8 segf_all_nodes_mac[ETH_ALEN] = { 0x33, 0x33, 0, 0, 0, 1 };

struct segf_ra {
	struct ipv6hdr ip6;
	struct icmp6hdr icmp6;
	__be32 reachable;
	__be32 retrans;
	u8 sll_type;
	u8 sll_len;
	u8 sll_mac[ETH_ALEN];
	u8 mtu_type;
	u8 mtu_len;
	__be16 mtu_reserved;
	__be32 mtu;
	struct segf_ra_prefix prefixes[SEGFILTER_EP_MAX_ADDRS];
	u8 rdnss_type;
	u8 rdnss_len;
	__be16 rdnss_reserved;
	__be32 rdnss_lifetime;
	struct in6_addr rdnss[SEGFILTER_EP_MAX_ADDRS];
} __packed;

/*
 * A router advertisement from the gateway of @cfg to @mac at @daddr,
 * ready to send out of @dev, or NULL when no memory was left.
 */
static struct sk_buff *segf_ra_build(const struct segf_domain_cfg *cfg,
				     struct net_device *dev, const u8 *mac,
				     const struct in6_addr *daddr, gfp_t gfp)
{
	struct segf_ra_prefix *pi;
	unsigned int i, n6, plen;
	struct sk_buff *nskb;
	struct segf_ra *ra;
	struct ethhdr *eth;
	u8 *p;

	nskb = __netdev_alloc_skb_ip_align(dev, ETH_HLEN + sizeof(*ra), gfp);
	if (!nskb)
		return NULL;

	eth = skb_put(nskb, ETH_HLEN);
	ether_addr_copy(eth->h_dest, mac);
	ether_addr_copy(eth->h_source, cfg->gw_mac);
	eth->h_proto = htons(ETH_P_IPV6);
	ra = skb_put_zero(nskb, offsetof(struct segf_ra, mtu_type));

	ip6_flow_hdr(&ra->ip6, 0, 0);
	ra->ip6.nexthdr = IPPROTO_ICMPV6;
	ra->ip6.hop_limit = 255;
	segf_gw_link_local(cfg, &ra->ip6.saddr);
	ra->ip6.daddr = *daddr;

	ra->icmp6.icmp6_type = NDISC_ROUTER_ADVERTISEMENT;
	ra->icmp6.icmp6_hop_limit = 64;
	ra->icmp6.icmp6_rt_lifetime = htons(SEGF_RA_LIFETIME);
	ra->sll_type = ND_OPT_SOURCE_LL_ADDR;
	ra->sll_len = 1;
	ether_addr_copy(ra->sll_mac, cfg->gw_mac);

	if (cfg->mtu >= IPV6_MIN_MTU) {
		p = skb_put_zero(nskb, 8);
		p[0] = ND_OPT_MTU;
		p[1] = 1;
		put_unaligned_be32(cfg->mtu, p + 4);
	}
	for (i = 0; i < cfg->n_ra_prefixes; i++) {
		pi = skb_put_zero(nskb, sizeof(*pi));
		pi->type = ND_OPT_PREFIX_INFO;
		pi->len = sizeof(*pi) / 8;
		pi->prefix_len = 64;
		/* Not on-link: there is no subnet, the gateway routes. */
		pi->flags = SEGF_RA_AUTONOMOUS;
		pi->valid = htonl(SEGF_RA_VALID);
		pi->preferred = htonl(SEGF_RA_PREFERRED);
		pi->prefix = cfg->ra_prefixes[i];
	}
	for (i = 0, n6 = 0; i < cfg->n_dns; i++)
		n6 += cfg->dns[i].family == AF_INET6;
	if (n6) {
		/* RFC 8106: the IPv6 DNS servers. */
		p = skb_put_zero(nskb, 8);
		p[0] = SEGF_ND_OPT_RDNSS;
		p[1] = 1 + 2 * n6;
		put_unaligned_be32(SEGF_RA_LIFETIME, p + 4);
		for (i = 0; i < cfg->n_dns; i++)
			if (cfg->dns[i].family == AF_INET6)
				skb_put_data(nskb, &cfg->dns[i].v6,
					     sizeof(struct in6_addr));
	}

	plen = nskb->len - ETH_HLEN - sizeof(ra->ip6);
	ra->ip6.payload_len = htons(plen);
	ra->icmp6.icmp6_cksum = csum_ipv6_magic(&ra->ip6.saddr,
						&ra->ip6.daddr, plen,
						IPPROTO_ICMPV6,
						csum_partial(&ra->icmp6, plen,
							     0));
	skb_reset_mac_header(nskb);
	skb_set_network_header(nskb, ETH_HLEN);
	nskb->protocol = htons(ETH_P_IPV6);
	return nskb;
}

/**
 * segf_ra_reply - answer a router solicitation for the gateway
 * @ctx: the frame's context
 * @skb: the solicitation, which segf_check_source() passed
 * @pkt: what segf_parse() found in it
 *
 * Only in a domain with prefixes to advertise (and so a gateway).  The
 * advertisement goes to the endpoint that asked: to its source address,
 * or all nodes for one from the unspecified address, at its MAC.
 *
 * Return: true when the frame was consumed.
 */
bool segf_ra_reply(const struct segf_ctx *ctx, struct sk_buff *skb,
		   const struct segf_pkt *pkt)
{
	const struct segf_domain_cfg *cfg = &ctx->pol->cfg;
	struct sk_buff *nskb;

	if (!cfg->n_ra_prefixes)
		return false;
	nskb = segf_ra_build(cfg, ctx->port->dev, pkt->src,
			     ipv6_addr_any(&pkt->v6.saddr) ?
			     &segf_all_nodes : &pkt->v6.saddr, GFP_ATOMIC);
	if (!nskb) {
		segf_drop(ctx, skb, SEGFILTER_DROP_TX_ERROR);
		return true;
	}
	consume_skb(skb);
	segf_count(ctx, ra_replies);
	segf_xmit(ctx, ctx->port, nskb);
	return true;
}

/*
 * The next unsolicited advertisement: RFC 4861 6.2.4 spreads them
 * uniformly over [MinRtrAdvInterval, MaxRtrAdvInterval], the minimum
 * being a third of the maximum by default; segfilter keeps the upper
 * three quarters, so that hosts hear from the gateway well within the
 * router lifetime it gives them.
 */
static unsigned long segf_ra_delay(void)
{
	unsigned int max = READ_ONCE(segf_ra_interval) * HZ;

	return max - max / 4 + get_random_u32() % (max / 4 + 1);
}

/*
 * Unsolicited router advertisements (RFC 4861 6.2.4): every endpoint
 * port of a domain with prefixes to advertise gets one to all nodes
 * every ra_interval seconds or so.  Hosts only solicit when their link
 * comes up; without these, their default route would end with the
 * router lifetime (SEGF_RA_LIFETIME) and their addresses with the
 * prefixes' valid lifetime.  Runs on segf_wq, under RCU as a reader of
 * the domain's published generation, and walks only this domain's
 * ports; segf_domain_destroy() cancels it before the ports' and the
 * policy's memory can go.
 */
static void segf_ra_work(struct work_struct *work)
{
	struct segf_domain *dom = container_of(to_delayed_work(work),
					       struct segf_domain, ra_work);
	struct segf_ctx ctx = { .dom = dom };
	const struct segf_domain_cfg *cfg;
	struct segf_port *out;
	struct sk_buff *nskb;
	unsigned int i;

	rcu_read_lock();
	ctx.pol = rcu_dereference(dom->policy);
	cfg = &ctx.pol->cfg;
	if (!cfg->n_ra_prefixes || is_zero_ether_addr(cfg->gw_mac))
		goto out;
	list_for_each_entry_rcu(out, &dom->ports, domain_node) {
		if (out->role != SEGFILTER_PORT_ROLE_ENDPOINT ||
		    READ_ONCE(out->born) > ctx.pol->gen)
			continue;
		/* Only a port that has an endpoint of this generation. */
		for (i = 0; i < SEGF_PORT_GROUPS; i++)
			if (segf_port_group(out, i, ctx.pol->gen))
				break;
		if (i == SEGF_PORT_GROUPS)
			continue;
		nskb = segf_ra_build(cfg, out->dev, segf_all_nodes_mac,
				     &segf_all_nodes, GFP_ATOMIC);
		if (!nskb)
			break;
		ctx.port = out;
		/*
		 * As in softirq (the per-CPU counters, dev_queue_xmit()),
		 * one port at a time: a domain with many ports does not
		 * keep softirqs off this CPU for the whole walk.
		 */
		local_bh_disable();
		if (segf_send(&ctx, out, nskb)) {
			segf_stat_inc(out->stats, ra_sent);
			segf_stat_inc(dom->stats, ra_sent);
		}
		local_bh_enable();
	}
out:
	rcu_read_unlock();
	queue_delayed_work(segf_wq, &dom->ra_work, segf_ra_delay());
}

void segf_ra_init(struct segf_domain *dom)
{
	INIT_DELAYED_WORK(&dom->ra_work, segf_ra_work);
	queue_delayed_work(segf_wq, &dom->ra_work, segf_ra_delay());
}

void segf_ra_stop(struct segf_domain *dom)
{
	cancel_delayed_work_sync(&dom->ra_work);
}
