/* SPDX-License-Identifier: GPL-2.0 */
/*
 * segfilter: what the files of the data path share.  A frame goes
 * along its route through them:
 *
 *   rx.c       reception, the port's checks, anti-spoofing;
 *   uplink.c   reception from an uplink (VXLAN), the remote sender's checks;
 *   respond.c  ARP and ND answered on the domain's behalf;
 *   dhcp.c     DHCPv4 and router solicitations answered by the gateway;
 *   verdict.c  the verdict: what the policy and the flow table decide;
 *   forward.c  floods, routing, unicast, and sending out of a port;
 *   steer.c    service steering, and frames back from a service;
 *   exit.c     a domain's exit: its link, and traffic out of and into it;
 *   trace.c    segctl trace: the verdict for a described packet.
 *
 * The helpers below are called for most frames: they are static
 * inline, so that the compiler may inline them into every file as it
 * did when the data path was one file.
 */
#ifndef _SEGFILTER_DATAPATH_H
#define _SEGFILTER_DATAPATH_H

#include <linux/if_arp.h>
#include <linux/ipv6.h>
#include <net/addrconf.h>
#include <net/ndisc.h>
#include <net/tcp.h>

#include "domain.h"
#include "endpoint.h"
#include "events.h"
#include "flow.h"
#include "parse.h"
#include "policy.h"
#include "port.h"
#include "prefix.h"
#include "service.h"
#include "stats.h"

#define segf_stat_inc(pcpu, field) do {					\
	struct segf_pcpu_stats *__s = this_cpu_ptr(pcpu);		\
									\
	u64_stats_update_begin(&__s->syncp);				\
	u64_stats_inc(&__s->field);					\
	u64_stats_update_end(&__s->syncp);				\
} while (0)

static inline void segf_count_packet(struct segf_pcpu_stats __percpu *pcpu,
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

/*
 * What one frame needs to know: the port it came in by, its domain (for
 * a frame from an uplink, the one its VNI names; NULL before that is
 * known), and the policy generation it is judged by, read once, so that
 * the frame sees the endpoints and rules of one generation only.  @gbp
 * is the group of the endpoint that sent it, which a frame sent on to a
 * remote endpoint carries.
 */
struct segf_ctx {
	struct segf_domain *dom;
	const struct segf_policy *pol;
	struct segf_port *port;
	u16 gbp;
	bool from_remote;		/* sent by a remote endpoint */
	/* The frame's flow entry, if segf_established() looked it up. */
	const struct segf_flow_found *found;
};

/* Count what became of a frame, on the port it came by and its domain. */
#define segf_count(ctx, field) do {					\
	const struct segf_ctx *__c = (ctx);				\
									\
	segf_stat_inc(__c->port->stats, field);				\
	if (__c->dom)							\
		segf_stat_inc(__c->dom->stats, field);			\
} while (0)

/* Drop a frame, counting why on the port it came by and its domain. */
static inline void segf_drop(const struct segf_ctx *ctx, struct sk_buff *skb,
			     enum segfilter_drop_reason reason)
{
	segf_count(ctx, drops[reason]);
	kfree_skb(skb);
}

static inline struct segf_endpoint *
segf_lookup_mac(const struct segf_ctx *ctx, const u8 *mac)
{
	return segf_endpoint_seen_mac_rcu(ctx->dom, mac, ctx->pol->gen);
}

static inline struct segf_endpoint *
segf_lookup_addr(const struct segf_ctx *ctx, const struct segf_addr *key)
{
	return segf_endpoint_seen_addr(ctx->dom, key, ctx->pol->gen);
}

static inline void segf_addr_v4(struct segf_addr *key, __be32 addr)
{
	memset(key, 0, sizeof(*key));
	key->family = AF_INET;
	key->v4 = addr;
}

static inline void segf_addr_v6(struct segf_addr *key,
				const struct in6_addr *addr)
{
	memset(key, 0, sizeof(*key));
	key->family = AF_INET6;
	key->v6 = *addr;
}

static inline struct segf_endpoint *
segf_lookup_v4(const struct segf_ctx *ctx, __be32 addr)
{
	struct segf_addr key;

	segf_addr_v4(&key, addr);
	return segf_lookup_addr(ctx, &key);
}

static inline struct segf_endpoint *
segf_lookup_v6(const struct segf_ctx *ctx, const struct in6_addr *addr)
{
	struct segf_addr key;

	segf_addr_v6(&key, addr);
	return segf_lookup_addr(ctx, &key);
}

/* The packet's source and destination addresses, as keys. */
static inline void segf_pkt_addrs(const struct segf_pkt *pkt,
				  struct segf_addr *src, struct segf_addr *dst)
{
	if (pkt->proto == htons(ETH_P_IP)) {
		segf_addr_v4(src, pkt->v4.saddr);
		segf_addr_v4(dst, pkt->v4.daddr);
	} else {
		segf_addr_v6(src, &pkt->v6.saddr);
		segf_addr_v6(dst, &pkt->v6.daddr);
	}
}

/*
 * Where a routed frame to @addr goes: the endpoint that has it as an
 * address, else the one that owns the longest prefix holding it (unless
 * a longer group prefix holds it: a peer beyond the exit).
 */
static inline struct segf_endpoint *
segf_lookup_route(const struct segf_ctx *ctx, const struct segf_addr *addr)
{
	return segf_lookup_addr(ctx, addr) ?:
	       segf_prefix_owner(ctx->dom, ctx->pol, addr);
}

/*
 * Whether @ep owns @addr.  Addresses are unique in a domain and an
 * endpoint's are in its table for as long as it lives, so this is the
 * same as asking the table, for the endpoint at hand; a look at its own
 * few addresses is cheaper than a hash lookup.
 */
static inline bool segf_owns_v4(const struct segf_endpoint *ep, __be32 addr)
{
	unsigned int i;

	for (i = 0; i < ep->n_addrs; i++)
		if (ep->addrs[i].key.family == AF_INET &&
		    ep->addrs[i].key.v4 == addr)
			return true;
	return false;
}

static inline bool segf_owns_v6(const struct segf_endpoint *ep,
				const struct in6_addr *addr)
{
	unsigned int i;

	for (i = 0; i < ep->n_addrs; i++)
		if (ep->addrs[i].key.family == AF_INET6 &&
		    ipv6_addr_equal(&ep->addrs[i].key.v6, addr))
			return true;
	return false;
}

/*
 * Link control: ARP, and the ICMPv6 messages of neighbour discovery
 * (RFC 4861: router and neighbour solicitation and advertisement,
 * redirect) and of MLD (RFC 2710, 3810: query, report, done, version 2
 * report), unless they come in a fragment, which RFC 6980 forbids for
 * neighbour discovery and no receiver takes as such.  Router
 * advertisements and redirects from a guest are dropped by
 * segf_check_source(); what is left is checked by
 * segf_check_link_control() before anything else looks at it.
 */
static inline bool segf_is_link_control(const struct segf_pkt *pkt)
{
	if (pkt->proto == htons(ETH_P_ARP))
		return true;
	if (pkt->proto != htons(ETH_P_IPV6) ||
	    pkt->l4proto != IPPROTO_ICMPV6 || !(pkt->flags & SEGF_PKT_L4) ||
	    (pkt->flags & SEGF_PKT_FRAGMENT))
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

static inline void segf_rule_hit(struct segf_rule *rule, unsigned int len)
{
	struct segf_rule_pcpu *s = segf_ctr_this_cpu(rule->ctrs, rule->ctr_slot);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->packets);
	u64_stats_add(&s->bytes, len);
	u64_stats_update_end(&s->syncp);
}

/* Count a packet that was let go, on its rule or as the domain's default. */
static __always_inline void segf_count_allowed(const struct segf_ctx *ctx,
					       struct segf_rule *rule,
					       unsigned int len)
{
	if (rule)
		segf_rule_hit(rule, len);
	else
		segf_count(ctx, default_allowed);
}

/* A group's id; 0 for a peer outside the domain that no prefix holds. */
static inline u16 segf_group_id(const struct segf_group *group)
{
	return group ? group->id : 0;
}

static inline void segf_judge(const struct segf_policy *pol, u16 src,
			      u16 dst, const struct segf_match *m,
			      struct segf_verdict *v)
{
	v->rule = segf_index_lookup(pol->index, src, dst, m);
	v->action = v->rule ? v->rule->action : pol->cfg.default_action;
}

/*
 * What segf_decide() found for a packet it let go: its flow entry, if it
 * has one, and the end of its key that sent it; if it is redirected, the
 * flow whose path it follows (the same entry).
 */
struct segf_steer {
	struct segf_flow *entry;	/* NULL: none, or no room for one */
	struct segf_flow *flow;		/* NULL: straight to its destination */
	u8 side;			/* the end of @entry's key that sent it */
};

/* A logging rule decided: tell listeners, or count what the limit ate. */
static inline void segf_log(const struct segf_ctx *ctx,
			    const struct segf_rule *rule, u16 src, u16 dst,
			    const struct segf_pkt *pkt)
{
	if (!segf_log_verdict(ctx->dom, rule, src, dst, pkt))
		segf_count(ctx, log_suppressed);
}

/*
 * What segf_verdict() decided for a packet, and what it found on the
 * way there: all that segctl trace reports, and what the data path needs
 * to act on it.
 */
struct segf_decision {
	u32 drop;			/* enum segfilter_drop_reason; 0: goes */
	u8 action;			/* 0: not judged (link control) */
	u8 flow;			/* enum segfilter_trace_flow */
	bool by_default;		/* no rule: the domain's default */
	bool flowable;			/* @key and @side are valid */
	bool opens;			/* would open a flow if none decided */
	bool related;			/* an ICMP error about a flow allowed */
	u8 side;			/* the end of @key that sent it */
	struct segf_group *src;
	struct segf_group *dst;
	struct segf_rule *rule;		/* NULL: the default (or a flow's) */
	struct segf_chain *chain;	/* ACTION_REDIRECT */
	struct segf_flow *found;	/* the flow that decided, current or stale */
	struct segf_flow *expired;	/* a flow over, or its ports reused */
	struct segf_flow_verdict fv;	/* @found's verdict, as read */
	struct segf_flow_key key;
};

/* rx.c */
bool segf_csum_ok(const struct sk_buff *skb, const struct segf_pkt *pkt);
enum segfilter_drop_reason
segf_check_link_control(const struct segf_pkt *pkt);
enum segfilter_drop_reason
segf_check_source(const struct segf_policy *pol,
		  const struct segf_endpoint *src, const struct segf_pkt *pkt);

/* respond.c */
bool segf_respond(const struct segf_ctx *ctx, struct sk_buff *skb,
		  const struct segf_pkt *pkt, const struct segf_endpoint *src);
bool segf_service_respond(const struct segf_ctx *ctx, struct sk_buff *skb,
			  const struct segf_pkt *pkt,
			  const struct segf_iface *side);
void segf_arp_reply(const struct segf_ctx *ctx, struct sk_buff *skb,
		    const struct segf_pkt *pkt, const u8 *mac);
void segf_nd_reply(const struct segf_ctx *ctx, struct sk_buff *skb,
		   const struct segf_pkt *pkt, const u8 *mac);
void segf_too_big(const struct segf_ctx *ctx, struct sk_buff *skb,
		  const struct segf_pkt *pkt, const struct segf_endpoint *src,
		  unsigned int mtu);
void segf_exit_too_big(const struct segf_ctx *ctx, struct sk_buff *skb,
		       const struct segf_pkt *pkt, const struct segf_addr *from,
		       unsigned int mtu);

/* dhcp.c */
bool segf_dhcp(const struct segf_ctx *ctx, struct sk_buff *skb,
	       const struct segf_pkt *pkt, const struct segf_endpoint *src);
bool segf_ra_reply(const struct segf_ctx *ctx, struct sk_buff *skb,
		   const struct segf_pkt *pkt);

/*
 * IPv4 UDP from the DHCP server port, or to the server or the client
 * port: a whole datagram or its first fragment, the one with ports.
 */
static inline bool segf_is_dhcp(const struct segf_pkt *pkt)
{
	return pkt->proto == htons(ETH_P_IP) &&
	       pkt->l4proto == IPPROTO_UDP &&
	       (pkt->flags & SEGF_PKT_L4) &&
	       (pkt->sport == htons(67) || pkt->dport == htons(67) ||
		pkt->dport == htons(68));
}

/*
 * ARP requests, neighbour and router solicitations are answered by
 * segfilter: see segf_respond() and segf_ra_reply().  Returns true when
 * the frame was consumed.  Every frame passes here; only those three
 * leave the file.
 */
static inline bool segf_answer_neighbour(const struct segf_ctx *ctx,
					 struct sk_buff *skb,
					 const struct segf_pkt *pkt,
					 const struct segf_endpoint *src)
{
	if (pkt->proto == htons(ETH_P_IPV6) &&
	    pkt->l4proto == IPPROTO_ICMPV6 &&
	    pkt->icmp_type == NDISC_ROUTER_SOLICITATION &&
	    segf_is_link_control(pkt))
		return segf_ra_reply(ctx, skb, pkt);
	if (pkt->proto == htons(ETH_P_ARP) ? pkt->arp.op != ARPOP_REQUEST :
					     !(pkt->flags & SEGF_PKT_ND_NS))
		return false;
	return segf_respond(ctx, skb, pkt, src);
}

/* verdict.c */
void segf_match_of(const struct segf_pkt *pkt, struct segf_match *m);
void segf_judge_flow(const struct segf_policy *pol,
		     const struct segf_flow *flow, const struct segf_pkt *pkt,
		     u8 side, u16 src, u16 dst, struct segf_verdict *v);
void segf_verdict(struct segf_domain *dom, const struct segf_policy *pol,
		  const struct segf_pkt *pkt, struct segf_group *src,
		  struct segf_group *dst, unsigned long now,
		  struct segf_decision *d);
#ifdef SEGFILTER_KUNIT
/* Static but for kmod/tests/verdict_test.c. */
bool segf_related(struct segf_domain *dom, const struct segf_policy *pol,
		  const struct segf_pkt *pkt, bool outside, unsigned long now,
		  struct segf_decision *d);
#endif
enum segfilter_drop_reason
segf_decide(const struct segf_ctx *ctx, const struct segf_pkt *pkt,
	    unsigned int len, struct segf_group *src, struct segf_group *dst,
	    struct segf_steer *st);

/* forward.c */
bool segf_send(const struct segf_ctx *ctx, struct segf_port *out,
	       struct sk_buff *skb);
void segf_xmit(const struct segf_ctx *ctx, struct segf_port *out,
	       struct sk_buff *skb);
void segf_deliver(const struct segf_ctx *ctx, struct sk_buff *skb,
		  const struct segf_endpoint *dst, struct segf_flow *flow);
void segf_multicast(const struct segf_ctx *ctx, struct sk_buff *skb,
		    const struct segf_pkt *pkt,
		    const struct segf_endpoint *src);
void segf_routed(const struct segf_ctx *ctx, struct sk_buff *skb,
		 const struct segf_pkt *pkt, const struct segf_endpoint *src);
enum segfilter_drop_reason
segf_route(const struct segf_ctx *ctx, const struct segf_pkt *pkt,
	   struct segf_endpoint **dst);
int segf_route_rewrite(struct sk_buff *skb, const struct segf_pkt *pkt,
		       const u8 *src_mac, const u8 *dst_mac);
unsigned int segf_out_mtu(const struct sk_buff *skb,
			  const struct segf_pkt *pkt,
			  const struct segf_port *out, bool v6);
unsigned int segf_path_mtu(const struct sk_buff *skb,
			   const struct segf_pkt *pkt,
			   const struct segf_endpoint *dst);
bool segf_fits(const struct sk_buff *skb, const struct segf_pkt *pkt,
	       unsigned int mtu);

/*
 * Whether @skb fits any path segf_out_mtu() can give (0, or at least the
 * protocol's least MTU): a frame not cut into segments whose IP packet
 * is no longer than IPv4's least MTU (68), or IPv6's (1280) for IPv6.
 * One compare that spares small packets the path's MTU and segf_fits().
 */
static inline bool segf_fits_any(const struct sk_buff *skb,
				 const struct segf_pkt *pkt)
{
	unsigned int len = skb->len - pkt->l3_off;

	if (skb_is_gso(skb))
		return false;
	return len <= SEGF_IPV4_MIN_MTU ||
	       (len <= IPV6_MIN_MTU && pkt->proto == htons(ETH_P_IPV6));
}

/*
 * Whether @flow is over for @pkt: expired, or a new connection (a SYN
 * without ACK) on the ports of a closed one.  Both the verdict and
 * segf_established() ask.
 */
static inline bool segf_flow_over(const struct segf_flow *flow,
				  const struct segf_pkt *pkt,
				  unsigned long now)
{
	return segf_flow_expired(flow, now) ||
	       (READ_ONCE(flow->state) == SEGF_FLOW_TCP_CLOSED &&
		(pkt->tcp_flags & (TCPHDR_SYN | TCPHDR_ACK)) == TCPHDR_SYN);
}

bool segf_established(const struct segf_ctx *ctx, struct sk_buff *skb,
		      const struct segf_pkt *pkt,
		      const struct segf_endpoint *src,
		      struct segf_flow_found *found);
void segf_unicast(const struct segf_ctx *ctx, struct sk_buff *skb,
		  const struct segf_pkt *pkt, const struct segf_endpoint *src);

/* steer.c */
void segf_steer_start(const struct segf_ctx *ctx, struct sk_buff *skb,
		      const struct segf_steer *st,
		      const struct segf_endpoint *dst);
void segf_rx_service(struct segf_port *port, struct sk_buff *skb);

/* uplink.c */
void segf_rx_uplink(struct segf_port *port, struct sk_buff *skb);

/* exit.c */
void segf_rx_exit(struct segf_port *port, struct sk_buff *skb);
bool segf_exit_route(const struct segf_ctx *ctx, struct sk_buff *skb,
		     const struct segf_pkt *pkt,
		     const struct segf_endpoint *src);
enum segfilter_drop_reason
segf_exit_in_dest(const struct segf_ctx *ctx, const struct segf_pkt *pkt,
		  struct segf_endpoint **dst, struct segf_group **sgroup);
struct segf_group *segf_exit_peer(const struct segf_ctx *ctx,
				  const struct segf_addr *addr);
struct segf_port *segf_exit_next_hop(const struct segf_ctx *ctx, bool v6,
				     u8 *nh);

#endif /* _SEGFILTER_DATAPATH_H */
