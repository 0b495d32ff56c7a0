// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: the data path.  Every frame a guest sends into an attached
 * port arrives here, in the port's rx_handler, and leaves only through
 * another port of the same domain, back to its sender as an ARP or ND
 * answer, or into a drop counter.  The host's own stack never sees it.
 *
 * All of this runs in softirq context under rcu_read_lock().  It takes
 * no lock the control path holds: only the flow table's bucket locks,
 * a flow's own lock when a new policy generation judges it again, and
 * the verdict events' rate limit.  It allocates the clones a flood
 * needs, the neighbour advertisements it answers with, flow entries and
 * verdict events (GFP_ATOMIC).  Every lookup is a hash lookup or a walk
 * of one group pair's rules; the only other walk is a flood over the
 * ports of one domain.
 */

#include <linux/icmp.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/addrconf.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ndisc.h>
#include <net/dst_metadata.h>
#include <net/tcp.h>
#include <net/vxlan.h>

#include "compat.h"
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
	struct segf_trace *trace;	/* a trace: change nothing */
	u16 gbp;
	bool from_remote;		/* sent by a remote endpoint */
};

/* Count what became of a frame, on the port it came by and its domain. */
#define segf_count(ctx, field) do {					\
	segf_stat_inc((ctx)->port->stats, field);			\
	if ((ctx)->dom)							\
		segf_stat_inc((ctx)->dom->stats, field);		\
} while (0)

/* Drop a frame, counting why on the port it came by and its domain. */
static void segf_drop(const struct segf_ctx *ctx, struct sk_buff *skb,
		      enum segfilter_drop_reason reason)
{
	segf_count(ctx, drops[reason]);
	kfree_skb(skb);
}

/*
 * Send @skb, a whole frame at skb->data, out of @out towards its guest
 * (or, out of an uplink, its tunnel).  The port the frame came from is
 * charged if the device refuses it.  Consumes @skb.
 */
static void segf_xmit(const struct segf_ctx *ctx, struct segf_port *out,
		      struct sk_buff *skb)
{
	unsigned int len = skb->len;
	int ret;

	/* Its device is going away: see struct segf_port. */
	if (unlikely(READ_ONCE(out->gone))) {
		segf_drop(ctx, skb, SEGFILTER_DROP_TX_ERROR);
		return;
	}
	skb->dev = out->dev;
	skb_forward_csum(skb);
	/* An rx timestamp would read as a departure time to fq. */
	skb_clear_tstamp(skb);
	/* net_xmit_eval() evaluates its argument twice: never inline it. */
	ret = dev_queue_xmit(skb);
	if (net_xmit_eval(ret)) {
		segf_count(ctx, drops[SEGFILTER_DROP_TX_ERROR]);
		return;
	}
	segf_count_packet(out->stats, true, len);
	segf_count_packet(ctx->dom->stats, true, len);
}

static struct segf_endpoint *segf_lookup_mac(const struct segf_ctx *ctx,
					     const u8 *mac)
{
	struct segf_endpoint *ep = segf_endpoint_by_mac(ctx->dom, mac);

	return segf_endpoint_visible(ep, ctx->pol->gen) ? ep : NULL;
}

static struct segf_endpoint *segf_lookup_addr(const struct segf_ctx *ctx,
					      const struct segf_addr *key)
{
	struct segf_endpoint *ep = segf_endpoint_by_addr(ctx->dom, key);

	return segf_endpoint_visible(ep, ctx->pol->gen) ? ep : NULL;
}

static void segf_addr_v4(struct segf_addr *key, __be32 addr)
{
	memset(key, 0, sizeof(*key));
	key->family = AF_INET;
	key->v4 = addr;
}

static void segf_addr_v6(struct segf_addr *key, const struct in6_addr *addr)
{
	memset(key, 0, sizeof(*key));
	key->family = AF_INET6;
	key->v6 = *addr;
}

static struct segf_endpoint *segf_lookup_v4(const struct segf_ctx *ctx,
					    __be32 addr)
{
	struct segf_addr key;

	segf_addr_v4(&key, addr);
	return segf_lookup_addr(ctx, &key);
}

static struct segf_endpoint *segf_lookup_v6(const struct segf_ctx *ctx,
					    const struct in6_addr *addr)
{
	struct segf_addr key;

	segf_addr_v6(&key, addr);
	return segf_lookup_addr(ctx, &key);
}

/*
 * Whether @ep owns @addr.  Addresses are unique in a domain and an
 * endpoint's are in its table for as long as it lives, so this is the
 * same as asking the table, for the endpoint at hand; a look at its own
 * few addresses is cheaper than a hash lookup.
 */
static bool segf_owns_v4(const struct segf_endpoint *ep, __be32 addr)
{
	unsigned int i;

	for (i = 0; i < ep->n_addrs; i++)
		if (ep->addrs[i].key.family == AF_INET &&
		    ep->addrs[i].key.v4 == addr)
			return true;
	return false;
}

static bool segf_owns_v6(const struct segf_endpoint *ep,
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
static bool segf_is_link_control(const struct segf_pkt *pkt)
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
static enum segfilter_drop_reason
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
 * Anti-spoofing: the frame's source addresses must be those the
 * endpoint was configured with.  IPv6 neighbour discovery and MLD, which
 * never leave the link, may also come from the unspecified address
 * (duplicate address detection) or a link-local one, but only towards a
 * multicast group.  A neighbour advertisement may only advertise an
 * address of the sender's own, and a guest is no router: its router
 * advertisements and redirects go nowhere.  Link control that fails
 * segf_check_link_control() is dropped too.
 */
static enum segfilter_drop_reason
segf_check_source(const struct segf_endpoint *src, const struct segf_pkt *pkt)
{
	enum segfilter_drop_reason reason;

	switch (pkt->proto) {
	case htons(ETH_P_ARP):
		if (!ether_addr_equal(pkt->arp.sha, pkt->src))
			return SEGFILTER_DROP_SRC_MAC;
		/* An ARP probe has no sender address yet. */
		if (!pkt->arp.spa)
			return 0;
		if (!segf_owns_v4(src, pkt->arp.spa))
			return SEGFILTER_DROP_SRC_IP;
		return 0;
	case htons(ETH_P_IP):
		if (!segf_owns_v4(src, pkt->v4.saddr))
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
		    !segf_owns_v6(src, &pkt->nd_target))
			return SEGFILTER_DROP_SRC_IP;
		if (segf_owns_v6(src, &pkt->v6.saddr))
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


/* Turn an ARP request for an address of @mac into the reply, in place. */
static void segf_arp_reply(const struct segf_ctx *ctx, struct sk_buff *skb,
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
static void segf_nd_reply(const struct segf_ctx *ctx, struct sk_buff *skb,
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


/*
 * ARP requests and neighbour solicitations for addresses of the domain,
 * its endpoints' and its gateway's, are answered here, whatever their
 * destination MAC.  Returns true when the frame was consumed.  A
 * solicitation for the sender's own address (an announcement, or
 * duplicate address detection) is left to go on as a normal frame:
 * nobody else in the domain owns that address.
 */
static bool segf_answer_neighbour(const struct segf_ctx *ctx,
				  struct sk_buff *skb,
				  const struct segf_pkt *pkt,
				  const struct segf_endpoint *src)
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

static void segf_rule_hit(struct segf_rule *rule, unsigned int len)
{
	struct segf_rule_pcpu *s = this_cpu_ptr(rule->stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->packets);
	u64_stats_add(&s->bytes, len);
	u64_stats_update_end(&s->syncp);
}

static void segf_match_of(const struct segf_pkt *pkt, struct segf_match *m)
{
	bool l4 = pkt->flags & SEGF_PKT_L4;

	m->proto = pkt->l4proto;
	m->has_ports = l4 && (pkt->l4proto == IPPROTO_TCP ||
			      pkt->l4proto == IPPROTO_UDP);
	m->dport = ntohs(pkt->dport);
	m->has_type = l4 && (pkt->l4proto == IPPROTO_ICMP ||
			     pkt->l4proto == IPPROTO_ICMPV6);
	m->icmp_type = pkt->icmp_type;
}

static void segf_judge(const struct segf_policy *pol, u16 src, u16 dst,
		       const struct segf_match *m, struct segf_verdict *v)
{
	v->rule = segf_index_lookup(pol->index, src, dst, m);
	v->action = v->rule ? v->rule->action : pol->cfg.default_action;
}

/*
 * Judge again the direction that opened @flow, from a packet of either
 * direction: the groups of the ends now, the port or ICMP type that the
 * opener sent to.
 */
static void segf_judge_flow(const struct segf_policy *pol,
			    const struct segf_flow *flow,
			    const struct segf_pkt *pkt, u8 side, u16 src,
			    u16 dst, struct segf_verdict *v)
{
	struct segf_match m;

	segf_match_of(pkt, &m);
	if (side != flow->init_side) {
		swap(src, dst);
		m.dport = ntohs(pkt->sport);
		/* Only an echo request opens an ICMP flow. */
		m.icmp_type = pkt->l4proto == IPPROTO_ICMP ? ICMP_ECHO :
							    ICMPV6_ECHO_REQUEST;
	}
	segf_judge(pol, src, dst, &m, v);
}

/* A logging rule decided: tell listeners, or count what the limit ate. */
static void segf_log(const struct segf_ctx *ctx, const struct segf_rule *rule,
		     u16 src, u16 dst, const struct segf_pkt *pkt)
{
	if (!segf_log_verdict(ctx->dom, rule, src, dst, pkt))
		segf_count(ctx, log_suppressed);
}

static void segf_trace_verdict(struct segf_trace *t,
			       const struct segf_verdict *v)
{
	t->rule = v->rule;
	t->by_default = !v->rule;
	t->action = v->action;
	if (v->action == SEGFILTER_ACTION_REDIRECT)
		t->chain = v->rule->chain;
}

/*
 * What segf_decide() found for a packet it let go: its flow entry, if it
 * has one, and if it is redirected, the flow whose path it follows and
 * its sender.
 */
struct segf_steer {
	struct segf_flow *entry;	/* NULL: none, or no room for one */
	struct segf_flow *flow;		/* NULL: straight to its destination */
	u8 side;			/* the end of the flow's key that sent it */
};

/* Count a packet @v allowed, on its rule or as the domain's default. */
static void segf_count_allowed(const struct segf_ctx *ctx,
			       struct segf_rule *rule, unsigned int len)
{
	if (rule)
		segf_rule_hit(rule, len);
	else
		segf_count(ctx, default_allowed);
}

/*
 * Step 6, the verdict: may @pkt go from @src to @dst?  (A flood is
 * judged copy by copy: see segf_flood().)  A flow of the current
 * generation decides at once, for either direction; a flow of an older
 * one is judged again and revoked if the policy no longer allows it;
 * without a flow the rules decide, then the domain's default, and an
 * allowed packet opens a flow.  A redirected packet needs a flow, which
 * carries its path through the services: @st names it.
 *
 * Return: 0 to let it go, or why it must be dropped.
 */
static enum segfilter_drop_reason
segf_decide(const struct segf_ctx *ctx, const struct segf_pkt *pkt,
	    unsigned int len, const struct segf_endpoint *src,
	    const struct segf_endpoint *dst, struct segf_steer *st)
{
	u16 sg = src->group->id, dg = dst->group->id;
	const struct segf_policy *pol = ctx->pol;
	struct segf_trace *t = ctx->trace;
	enum segfilter_drop_reason reason;
	struct segf_flow_verdict fv;
	struct segf_flow *flow = NULL;
	unsigned long now = jiffies;
	struct segf_flow_key key;
	struct segf_path path;
	struct segf_verdict v;
	struct segf_match m;
	bool flowable;
	u8 side;

	st->entry = NULL;
	st->flow = NULL;
	/*
	 * Link plumbing is not traffic between endpoints, and without it no
	 * traffic could be allowed: the default action does not apply.  It
	 * was checked by segf_check_link_control() and segf_dst_matches().
	 */
	if (segf_is_link_control(pkt))
		return 0;
	if (t) {
		t->src = src->group;
		t->dst = dst->group;
	}

	flowable = segf_flow_key_make(pkt, &key, &side);
	if (flowable) {
		flow = segf_flow_lookup(ctx->dom, &key);
		/* Over, or a new connection on the ports of a closed one. */
		if (flow && (segf_flow_expired(flow, now) ||
			     (READ_ONCE(flow->state) == SEGF_FLOW_TCP_CLOSED &&
			      (pkt->tcp_flags & (TCPHDR_SYN | TCPHDR_ACK)) ==
			      TCPHDR_SYN))) {
			if (!t)
				segf_flow_remove(ctx->dom, flow);
			flow = NULL;
		}
	}
	if (t)
		t->flow = flowable ? SEGFILTER_TRACE_FLOW_MISS :
				     SEGFILTER_TRACE_FLOW_NONE;

	if (flow)
		segf_flow_read(flow, &fv);
	if (flow && fv.gen == pol->gen) {
		if (t) {
			t->flow = side == flow->init_side ?
				  SEGFILTER_TRACE_FLOW_ORIGINAL :
				  SEGFILTER_TRACE_FLOW_REPLY;
			v.rule = fv.rule;
			v.action = fv.action;
			segf_trace_verdict(t, &v);
			return 0;
		}
		segf_flow_update(flow, pkt, side, now);
		segf_count_allowed(ctx, fv.rule, len);
		st->entry = flow;
		if (fv.action == SEGFILTER_ACTION_REDIRECT) {
			st->flow = flow;
			st->side = side;
		}
		return 0;
	}

	if (flow) {
		/* Decided under an older generation: does the policy still allow it? */
		segf_judge_flow(pol, flow, pkt, side, sg, dg, &v);
		if (t) {
			t->flow = SEGFILTER_TRACE_FLOW_STALE;
			segf_trace_verdict(t, &v);
		}
		if (v.action != SEGFILTER_ACTION_DENY) {
			if (t)
				return 0;
			if (v.action == SEGFILTER_ACTION_REDIRECT) {
				/* Where it crosses the same services, it stays. */
				segf_path_init(&path, v.rule->chain, &fv.path);
				st->flow = flow;
				st->side = side;
			}
			segf_flow_rejudged(flow, pol->gen, &v,
					   st->flow ? &path : NULL);
			segf_flow_update(flow, pkt, side, now);
			st->entry = flow;
			segf_count_allowed(ctx, v.rule, len);
			return 0;
		}
		if (t) {
			t->drop = SEGFILTER_DROP_REVOKED;
			return t->drop;
		}
		/*
		 * A packet still judged by an older generation than the flow's
		 * leaves the flow alone: the newer one allowed it.
		 */
		if (fv.gen < pol->gen)
			segf_flow_remove(ctx->dom, flow);
		if (v.rule && (v.rule->flags & SEGF_RULE_LOG))
			segf_log(ctx, v.rule, sg, dg, pkt);
		return SEGFILTER_DROP_REVOKED;
	}

	segf_match_of(pkt, &m);
	segf_judge(pol, sg, dg, &m, &v);
	if (t)
		segf_trace_verdict(t, &v);

	if (v.action == SEGFILTER_ACTION_DENY) {
		reason = v.rule ? SEGFILTER_DROP_RULE_DENY :
				  SEGFILTER_DROP_DEFAULT_DENY;
		if (t) {
			t->drop = reason;
			return reason;
		}
		if (v.rule) {
			segf_rule_hit(v.rule, len);
			if (v.rule->flags & SEGF_RULE_LOG)
				segf_log(ctx, v.rule, sg, dg, pkt);
		}
		return reason;
	}
	if (t)
		return 0;

	if (v.action == SEGFILTER_ACTION_REDIRECT) {
		/*
		 * What comes back from a service is let in only for a flow
		 * sent there: no flow, no redirect.
		 */
		flow = NULL;
		if (flowable && segf_flow_opens(pkt)) {
			segf_path_init(&path, v.rule->chain, NULL);
			flow = segf_flow_create(ctx->dom, pol, &key, side, pkt,
						&v, &path);
			if (flow)
				segf_count(ctx, flows_created);
			else
				segf_count(ctx, flow_table_full);
		}
		segf_rule_hit(v.rule, len);
		if (v.rule->flags & SEGF_RULE_LOG)
			segf_log(ctx, v.rule, sg, dg, pkt);
		if (!flow)
			return SEGFILTER_DROP_CHAIN_DOWN;
		st->entry = flow;
		st->flow = flow;
		st->side = side;
		return 0;
	}

	if (flowable && segf_flow_opens(pkt)) {
		st->entry = segf_flow_create(ctx->dom, pol, &key, side, pkt, &v,
					     NULL);
		if (st->entry)
			segf_count(ctx, flows_created);
		else
			segf_count(ctx, flow_table_full);
	}
	segf_count_allowed(ctx, v.rule, len);
	if (v.rule && (v.rule->flags & SEGF_RULE_LOG))
		segf_log(ctx, v.rule, sg, dg, pkt);
	return 0;
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
 * MLD) is not judged.  Copies open no flow.  A dropped copy is counted,
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
	consume_skb(skb);
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
 * A frame to an endpoint's MAC must be for one of that endpoint's
 * addresses, and a frame to a group MAC for a group address: flows are
 * keyed by address, so a frame judged for one endpoint must not land at
 * another.  That holds for link control too, which no policy judges: a
 * neighbour solicitation may go to the solicited-node group of a target
 * the endpoint owns, nothing else to an address it does not own.
 */
static bool segf_dst_matches(const struct segf_pkt *pkt,
			     const struct segf_endpoint *dst)
{
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
		return segf_owns_v4(dst, pkt->v4.daddr);
	}
	if (pkt->proto == htons(ETH_P_IPV6)) {
		if (!dst)
			return ipv6_addr_is_multicast(&pkt->v6.daddr);
		if (segf_owns_v6(dst, &pkt->v6.daddr))
			return true;
		if (!(pkt->flags & SEGF_PKT_ND_NS) ||
		    !segf_owns_v6(dst, &pkt->nd_target))
			return false;
		addrconf_addr_solict_mult(&pkt->nd_target, &snm);
		return ipv6_addr_equal(&pkt->v6.daddr, &snm);
	}
	return true;
}

/*
 * Step 5 for a frame sent to the domain's gateway: the destination is
 * the endpoint that owns the destination address (a host route).
 */
static enum segfilter_drop_reason
segf_route(const struct segf_ctx *ctx, const struct segf_pkt *pkt,
	   struct segf_endpoint **dst)
{
	if (pkt->proto == htons(ETH_P_IP)) {
		if (ipv4_is_multicast(pkt->v4.daddr) ||
		    ipv4_is_lbcast(pkt->v4.daddr))
			return SEGFILTER_DROP_NO_ROUTE;
		*dst = segf_lookup_v4(ctx, pkt->v4.daddr);
	} else if (pkt->proto == htons(ETH_P_IPV6)) {
		if (ipv6_addr_is_multicast(&pkt->v6.daddr))
			return SEGFILTER_DROP_NO_ROUTE;
		/*
		 * Link control is for the gateway's own addresses, and its
		 * solicitations were answered: it is never routed.
		 */
		if (segf_is_link_control(pkt))
			return SEGFILTER_DROP_DST_MISMATCH;
		*dst = segf_lookup_v6(ctx, &pkt->v6.daddr);
	} else {
		return SEGFILTER_DROP_NO_DEST;
	}
	if (!*dst)
		return SEGFILTER_DROP_NO_ROUTE;
	if (pkt->ttl <= 1)
		return SEGFILTER_DROP_TTL_EXCEEDED;
	return 0;
}

/* Make a routed frame the gateway's, towards @dst: MACs, TTL, hop limit. */
static int segf_route_rewrite(struct sk_buff *skb, const struct segf_pkt *pkt,
			      const u8 *gw_mac, const struct segf_endpoint *dst)
{
	bool v4 = pkt->proto == htons(ETH_P_IP);
	struct ethhdr *eth;

	if (skb_ensure_writable(skb, pkt->l3_off + (v4 ? sizeof(struct iphdr) :
						  sizeof(struct ipv6hdr))))
		return -ENOMEM;
	eth = (struct ethhdr *)skb->data;
	ether_addr_copy(eth->h_dest, dst->mac);
	ether_addr_copy(eth->h_source, gw_mac);
	/* A changed IPv6 header voids CHECKSUM_COMPLETE: segf_xmit() drops it. */
	if (v4)
		ip_decrease_ttl((struct iphdr *)(skb->data + pkt->l3_off));
	else
		((struct ipv6hdr *)(skb->data + pkt->l3_off))->hop_limit--;
	return 0;
}

#define segf_inst_count(inst, field, len) do {				\
	struct segf_inst_pcpu *__s = this_cpu_ptr((inst)->stats);	\
									\
	u64_stats_update_begin(&__s->syncp);				\
	u64_stats_inc(&__s->field##_packets);				\
	u64_stats_add(&__s->field##_bytes, len);			\
	u64_stats_update_end(&__s->syncp);				\
} while (0)

static void segf_inst_count_flow(struct segf_instance *inst)
{
	struct segf_inst_pcpu *s = this_cpu_ptr(inst->stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->flows);
	u64_stats_update_end(&s->syncp);
}

/*
 * Send a frame on to @dst where it is: out of its port, or through the
 * uplink to its host with the sender's group (ctx->gbp) in the tunnel
 * header.  @flow, if the frame has one, keeps the tunnel metadata for its
 * next frames.  Nothing goes from one remote endpoint to another: a host
 * relays no frame between uplinks.  Consumes @skb.
 */
static void segf_deliver(const struct segf_ctx *ctx, struct sk_buff *skb,
			 const struct segf_endpoint *dst,
			 struct segf_flow *flow)
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

/*
 * The instance that hop @h of @flow's @path goes through: the one the
 * flow is pinned to while it lives (drained or not), else the one the
 * flow's hash picks among those taking new flows, which the flow is then
 * pinned to.  NULL when the service has none.
 */
static struct segf_instance *segf_hop_instance(const struct segf_ctx *ctx,
					       struct segf_flow *flow,
					       const struct segf_path *path,
					       unsigned int h)
{
	const struct segf_domain_cfg *cfg = &ctx->pol->cfg;
	const struct segf_hop *hop = &path->hop[h];
	struct segf_instance *inst;
	struct segf_service *svc;

	svc = xa_load(&ctx->dom->services, hop->service);
	if (!svc)
		return NULL;
	if (hop->inst && hop->inst <= SEGFILTER_SERVICE_MAX_INSTANCES) {
		inst = rcu_dereference(svc->inst[hop->inst - 1]);
		if (segf_instance_alive(inst, ctx->pol->gen, cfg))
			return inst;
	}
	inst = segf_service_pick(svc, flow->hash, ctx->pol->gen, cfg);
	if (inst) {
		segf_flow_pin(flow, h, hop->service, inst->id);
		segf_inst_count_flow(inst);
	}
	return inst;
}

/*
 * Send a redirected frame into side @s of @inst.  A transparent instance
 * gets it as it is; a routed one addressed to its interface, from the
 * gateway.
 */
static void segf_to_instance(const struct segf_ctx *ctx, struct sk_buff *skb,
			     struct segf_instance *inst, int s)
{
	struct segf_port *out = rcu_dereference(inst->side[s].port);
	struct ethhdr *eth;

	/* Detached since segf_instance_alive() looked. */
	if (!out) {
		segf_drop(ctx, skb, SEGFILTER_DROP_CHAIN_DOWN);
		return;
	}
	if (inst->svc->mode == SEGFILTER_SERVICE_ROUTED) {
		if (skb_ensure_writable(skb, ETH_HLEN)) {
			segf_drop(ctx, skb, SEGFILTER_DROP_TX_ERROR);
			return;
		}
		eth = (struct ethhdr *)skb->data;
		ether_addr_copy(eth->h_dest, inst->side[s].mac);
		ether_addr_copy(eth->h_source, ctx->pol->cfg.gw_mac);
	}
	segf_inst_count(inst, tx, skb->len);
	segf_count(ctx, redirected);
	segf_xmit(ctx, out, skb);
}

/*
 * Send a redirected frame on along its flow's path, in its direction
 * (@orig: the direction that opened the flow, left to right through the
 * chain's services in order; else right to left, in reverse), after hop
 * @from (-1 or path->n: none crossed yet).  When no service is left, it
 * goes to @dst, as it is: the caller addressed it there.
 */
static void segf_steer(const struct segf_ctx *ctx, struct sk_buff *skb,
		       struct segf_flow *flow, const struct segf_path *path,
		       bool orig, int from, const struct segf_endpoint *dst)
{
	int step = orig ? 1 : -1;
	struct segf_instance *inst;
	int h;

	for (h = from + step; h >= 0 && h < path->n; h += step) {
		inst = segf_hop_instance(ctx, flow, path, h);
		if (inst) {
			segf_to_instance(ctx, skb, inst,
					 orig ? SEGF_LEFT : SEGF_RIGHT);
			return;
		}
		if (!path->fail_open) {
			segf_drop(ctx, skb, SEGFILTER_DROP_CHAIN_DOWN);
			return;
		}
		segf_count(ctx, bypassed);
	}
	segf_deliver(ctx, skb, dst, flow);
}

/* A frame segf_decide() redirected: into the first service of its path. */
static void segf_steer_start(const struct segf_ctx *ctx, struct sk_buff *skb,
			     const struct segf_steer *st,
			     const struct segf_endpoint *dst)
{
	struct segf_flow_verdict fv;
	bool orig = st->side == st->flow->init_side;

	segf_flow_read(st->flow, &fv);
	if (fv.action != SEGFILTER_ACTION_REDIRECT)
		fv.path.n = 0;
	segf_steer(ctx, skb, st->flow, &fv.path, orig, orig ? -1 : fv.path.n,
		   dst);
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
static bool segf_service_neighbour(const struct segf_ctx *ctx,
				   struct sk_buff *skb,
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

/* Whether @inst exists in generation @gen, whatever its ports' state. */
static bool segf_instance_visible(const struct segf_instance *inst, u64 gen)
{
	return inst->born <= gen && gen < READ_ONCE(inst->dead);
}

/* Which hop of @path @inst is, or -1. */
static int segf_path_find(const struct segf_path *path,
			  const struct segf_instance *inst)
{
	int h;

	for (h = 0; h < path->n; h++)
		if (path->hop[h].service == inst->svc->id &&
		    path->hop[h].inst == inst->id)
			return h;
	return -1;
}

/*
 * A frame came back from a service for a flow an older generation
 * judged: judge the flow again, as segf_decide() would for a packet of
 * its ends, and update @fv.  A flow no longer redirected goes straight
 * on (fv->path.n is then 0); one the policy denies now is revoked.
 */
static enum segfilter_drop_reason
segf_service_rejudge(const struct segf_ctx *ctx, struct segf_flow *flow,
		     struct segf_flow_verdict *fv, const struct segf_pkt *pkt,
		     u8 side, const struct segf_endpoint *dst)
{
	const struct segf_policy *pol = ctx->pol;
	struct segf_endpoint *src;
	struct segf_verdict v;
	struct segf_path path;

	src = pkt->proto == htons(ETH_P_IP) ?
	      segf_lookup_v4(ctx, pkt->v4.saddr) :
	      segf_lookup_v6(ctx, &pkt->v6.saddr);
	if (!src)
		return SEGFILTER_DROP_REVOKED;
	segf_judge_flow(pol, flow, pkt, side, src->group->id, dst->group->id,
			&v);
	if (v.action == SEGFILTER_ACTION_DENY)
		return SEGFILTER_DROP_REVOKED;
	if (v.action == SEGFILTER_ACTION_REDIRECT)
		segf_path_init(&path, v.rule->chain, &fv->path);
	segf_flow_rejudged(flow, pol->gen, &v,
			   v.action == SEGFILTER_ACTION_REDIRECT ? &path : NULL);
	fv->gen = pol->gen;
	fv->rule = v.rule;
	fv->action = v.action;
	if (v.action == SEGFILTER_ACTION_REDIRECT)
		fv->path = path;
	else
		fv->path.n = 0;
	return 0;
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
static bool segf_csum_ok(const struct sk_buff *skb, const struct segf_pkt *pkt)
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
 * A frame received on a service port: a redirected frame coming back
 * from the instance, to go on along its flow's path.  It must belong to
 * a redirected flow pinned to this very instance, come back on the side
 * the flow's direction leaves by, and be for an endpoint that owns its
 * destination address; anything else is dropped and counted.  A service
 * may filter and rewrite what it is sent, but it cannot speak for flows
 * it was not given.  Consumes @skb.
 */
static void segf_rx_service(struct segf_port *port, struct sk_buff *skb)
{
	struct segf_domain *dom = port->domain;
	const struct segf_domain_cfg *cfg;
	enum segfilter_drop_reason reason;
	struct segf_flow_verdict fv;
	struct segf_endpoint *src, *dst;
	struct segf_instance *inst;
	struct segf_flow_key key;
	struct segf_flow *flow;
	struct segf_ctx ctx = {
		.dom = dom,
		.pol = rcu_dereference(dom->policy),
		.port = port,
	};
	struct segf_pkt pkt;
	struct ethhdr *eth;
	bool routed, orig;
	int h;
	u8 side;

	skb_push(skb, skb->data - skb_mac_header(skb));
	segf_count_packet(port->stats, false, skb->len);
	segf_count_packet(dom->stats, false, skb->len);
	cfg = &ctx.pol->cfg;

	reason = SEGFILTER_DROP_VLAN;
	if (skb_vlan_tag_present(skb))
		goto drop;
	reason = SEGFILTER_DROP_MALFORMED;
	if (segf_parse(skb, &pkt) || !segf_csum_ok(skb, &pkt))
		goto drop;
	reason = SEGFILTER_DROP_SERVICE_FORGED;
	inst = rcu_dereference(port->inst);
	if (!inst || (pkt.flags & SEGF_PKT_VLAN))
		goto drop;
	routed = inst->svc->mode == SEGFILTER_SERVICE_ROUTED;
	if (routed) {
		if (!ether_addr_equal(pkt.src, inst->side[port->side].mac))
			goto drop;
		if (segf_service_neighbour(&ctx, skb, &pkt,
					   &inst->side[port->side]))
			return;
		if (is_zero_ether_addr(cfg->gw_mac) ||
		    !ether_addr_equal(pkt.dst, cfg->gw_mac))
			goto drop;
	}

	if (!segf_flow_key_make(&pkt, &key, &side))
		goto drop;
	flow = segf_flow_lookup(dom, &key);
	if (!flow || segf_flow_expired(flow, jiffies))
		goto drop;
	segf_flow_read(flow, &fv);
	orig = side == flow->init_side;
	if (port->side != (orig ? SEGF_RIGHT : SEGF_LEFT) ||
	    !segf_instance_visible(inst, ctx.pol->gen))
		goto drop;
	h = fv.action == SEGFILTER_ACTION_REDIRECT ?
	    segf_path_find(&fv.path, inst) : -1;
	if (h < 0) {
		/* Not its way now: since a policy change, or never. */
		if (READ_ONCE(flow->path_changed))
			reason = SEGFILTER_DROP_PATH_CHANGED;
		goto drop;
	}

	reason = SEGFILTER_DROP_NO_ROUTE;
	dst = pkt.proto == htons(ETH_P_IP) ?
	      segf_lookup_v4(&ctx, pkt.v4.daddr) :
	      segf_lookup_v6(&ctx, &pkt.v6.daddr);
	src = pkt.proto == htons(ETH_P_IP) ?
	      segf_lookup_v4(&ctx, pkt.v4.saddr) :
	      segf_lookup_v6(&ctx, &pkt.v6.saddr);
	if (!dst)
		goto drop;
	reason = SEGFILTER_DROP_SERVICE_FORGED;
	if (!src)
		goto drop;
	/* It goes on as sent by the flow's end, remote or not. */
	ctx.gbp = src->group->id;
	ctx.from_remote = segf_port_is_uplink(segf_endpoint_port(src));
	if (fv.gen != ctx.pol->gen) {
		/* The policy changed while the frame was in the service. */
		reason = segf_service_rejudge(&ctx, flow, &fv, &pkt, side, dst);
		if (reason)
			goto drop;
		h = fv.action == SEGFILTER_ACTION_REDIRECT ?
		    segf_path_find(&fv.path, inst) : fv.path.n;
		/* Redirected now through services that do not include this. */
		reason = SEGFILTER_DROP_PATH_CHANGED;
		if (h < 0)
			goto drop;
	}
	segf_inst_count(inst, rx, skb->len);
	if (routed) {
		/* Routed back to the gateway: the gateway routes it on. */
		reason = SEGFILTER_DROP_TX_ERROR;
		if (skb_ensure_writable(skb, ETH_HLEN))
			goto drop;
		eth = (struct ethhdr *)skb->data;
		ether_addr_copy(eth->h_dest, dst->mac);
		ether_addr_copy(eth->h_source, cfg->gw_mac);
	} else if (!ether_addr_equal(pkt.dst, dst->mac) ||
		   !is_valid_ether_addr(pkt.src)) {
		reason = SEGFILTER_DROP_SERVICE_FORGED;
		goto drop;
	}
	segf_count(&ctx, forwarded);
	segf_steer(&ctx, skb, flow, &fv.path, orig, h, dst);
	return;

drop:
	segf_drop(&ctx, skb, reason);
}

/* A frame segf_decide() let go from @src to @dst: on its way. */
static void segf_forward(const struct segf_ctx *ctx, struct sk_buff *skb,
			 const struct segf_steer *st,
			 const struct segf_endpoint *src,
			 const struct segf_endpoint *dst)
{
	if (st->flow && segf_steers_here(st, src, dst))
		segf_steer_start(ctx, skb, st, dst);
	else
		segf_deliver(ctx, skb, dst, st->entry);
}

/* Decide where a frame received on @port goes.  Consumes @skb. */
static void segf_rx(struct segf_port *port, struct sk_buff *skb)
{
	struct segf_domain *dom = port->domain;
	const struct segf_domain_cfg *cfg;
	enum segfilter_drop_reason reason;
	struct segf_endpoint *src, *dst;
	struct segf_ctx ctx = {
		.dom = dom,
		.pol = rcu_dereference(dom->policy),
		.port = port,
	};
	struct segf_steer st;
	struct segf_pkt pkt;

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
	src = segf_lookup_mac(&ctx, pkt.src);
	reason = SEGFILTER_DROP_SRC_MAC;
	if (!src || READ_ONCE(src->port) != port)
		goto drop;
	ctx.gbp = src->group->id;
	reason = segf_check_source(src, &pkt);
	if (reason)
		goto drop;

	if (segf_answer_neighbour(&ctx, skb, &pkt, src))
		return;

	if (is_multicast_ether_addr(pkt.dst)) {
		reason = SEGFILTER_DROP_DST_MISMATCH;
		if (!segf_dst_matches(&pkt, NULL))
			goto drop;
		reason = SEGFILTER_DROP_MALFORMED;
		if (segf_trim_arp(skb, &pkt))
			goto drop;
		segf_flood(&ctx, skb, &pkt, src);
		return;
	}

	cfg = &ctx.pol->cfg;
	if (!is_zero_ether_addr(cfg->gw_mac) &&
	    ether_addr_equal(pkt.dst, cfg->gw_mac)) {
		reason = segf_route(&ctx, &pkt, &dst) ?:
			 segf_decide(&ctx, &pkt, skb->len, src, dst, &st);
		if (reason)
			goto drop;
		reason = SEGFILTER_DROP_TX_ERROR;
		if (segf_route_rewrite(skb, &pkt, cfg->gw_mac, dst))
			goto drop;
		segf_count(&ctx, routed);
		segf_forward(&ctx, skb, &st, src, dst);
		return;
	}

	dst = segf_lookup_mac(&ctx, pkt.dst);
	reason = SEGFILTER_DROP_NO_DEST;
	if (!dst)
		goto drop;
	reason = SEGFILTER_DROP_DST_MISMATCH;
	if (!segf_dst_matches(&pkt, dst))
		goto drop;
	reason = segf_decide(&ctx, &pkt, skb->len, src, dst, &st);
	if (reason)
		goto drop;
	segf_count(&ctx, forwarded);
	segf_forward(&ctx, skb, &st, src, dst);
	return;

drop:
	segf_drop(&ctx, skb, reason);
}

/*
 * A frame received on an uplink: the VXLAN device decapsulated it and
 * left what its header said as tunnel metadata.  The VNI names the
 * domain; the sender must be a remote endpoint of that domain, located
 * at the host the tunnel came from, and the group id the frame carries
 * must be that endpoint's.  Then the frame is judged as if the endpoint
 * had sent it here: this host does not trust that the sender's enforced
 * anything.  Only unicast to an endpoint of this host is taken.
 */
static void segf_rx_uplink(struct segf_port *port, struct sk_buff *skb)
{
	struct segf_ctx ctx = {
		.port = port,
		.from_remote = true,
	};
	enum segfilter_drop_reason reason;
	const struct segf_domain_cfg *cfg;
	struct segf_endpoint *src, *dst;
	struct ip_tunnel_info *info;
	struct vxlan_metadata *md;
	struct segf_remote *remote;
	struct segf_addr from;
	struct segf_steer st;
	struct segf_pkt pkt;
	u16 gbp = 0;

	skb_push(skb, skb->data - skb_mac_header(skb));
	segf_count_packet(port->stats, false, skb->len);

	reason = SEGFILTER_DROP_UNKNOWN_VNI;
	info = skb_tunnel_info(skb);
	if (!info)
		goto drop;
	ctx.dom = xa_load(&port->sn->vnis,
			  be32_to_cpu(tunnel_id_to_key32(info->key.tun_id)));
	if (!ctx.dom)
		goto drop;
	segf_count_packet(ctx.dom->stats, false, skb->len);
	ctx.pol = rcu_dereference(ctx.dom->policy);
	cfg = &ctx.pol->cfg;
	if (ip_tunnel_info_af(info) == AF_INET6)
		segf_addr_v6(&from, &info->key.u.ipv6.src);
	else
		segf_addr_v4(&from, info->key.u.ipv4.src);
	if (segf_tun_has_gbp(info) && info->options_len >= sizeof(*md)) {
		md = ip_tunnel_info_opts(info);
		gbp = md->gbp & VXLAN_GBP_ID_MASK;
	}
	/* All the tunnel said is read: the frame goes on without it. */
	skb_dst_drop(skb);

	reason = SEGFILTER_DROP_VLAN;
	if (skb_vlan_tag_present(skb))
		goto drop;
	reason = SEGFILTER_DROP_MALFORMED;
	if (segf_parse(skb, &pkt))
		goto drop;
	reason = SEGFILTER_DROP_VLAN;
	if (pkt.flags & SEGF_PKT_VLAN)
		goto drop;
	reason = SEGFILTER_DROP_NO_DEST;
	if (is_multicast_ether_addr(pkt.dst))
		goto drop;

	/* A frame the sender's host routed comes from the gateway MAC. */
	src = segf_lookup_mac(&ctx, pkt.src);
	if (!src && !is_zero_ether_addr(cfg->gw_mac) &&
	    ether_addr_equal(pkt.src, cfg->gw_mac)) {
		if (pkt.proto == htons(ETH_P_IP))
			src = segf_lookup_v4(&ctx, pkt.v4.saddr);
		else if (pkt.proto == htons(ETH_P_IPV6))
			src = segf_lookup_v6(&ctx, &pkt.v6.saddr);
	}
	reason = SEGFILTER_DROP_SRC_MAC;
	if (!src)
		goto drop;
	reason = SEGFILTER_DROP_WRONG_HOST;
	if (segf_endpoint_port(src) != port)
		goto drop;
	remote = rcu_dereference(src->remote);
	if (!remote || !segf_addr_equal(&remote->addr, &from))
		goto drop;
	reason = SEGFILTER_DROP_GROUP_MISMATCH;
	if (!gbp || gbp != src->group->id)
		goto drop;
	ctx.gbp = gbp;
	reason = segf_check_source(src, &pkt);
	if (reason)
		goto drop;

	dst = segf_lookup_mac(&ctx, pkt.dst);
	reason = SEGFILTER_DROP_NO_DEST;
	if (!dst)
		goto drop;
	reason = SEGFILTER_DROP_WRONG_HOST;
	if (segf_port_is_uplink(segf_endpoint_port(dst)))
		goto drop;
	reason = SEGFILTER_DROP_DST_MISMATCH;
	if (!segf_dst_matches(&pkt, dst))
		goto drop;
	reason = segf_decide(&ctx, &pkt, skb->len, src, dst, &st);
	if (reason)
		goto drop;
	segf_count(&ctx, forwarded);
	segf_forward(&ctx, skb, &st, src, dst);
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
	default:
		segf_rx(port, skb);
	}
	return RX_HANDLER_CONSUMED;
}

/**
 * segf_trace_packet - run a described packet through the lookups
 * @port: the port it would arrive on
 * @pkt: the packet, addresses and transport filled in
 * @t: what each step found
 *
 * The source and destination endpoints are those that own the packet's
 * addresses.  Nothing is sent, counted or changed: the flow table is
 * only read.  Called with segf_net::lock held.
 */
void segf_trace_packet(struct segf_port *port, struct segf_pkt *pkt,
		       struct segf_trace *t)
{
	struct segf_ctx ctx = {
		.dom = port->domain,
		.port = port,
		.trace = t,
	};
	struct segf_endpoint *src, *dst;
	bool v4 = pkt->proto == htons(ETH_P_IP);
	struct segf_steer st;

	rcu_read_lock();
	ctx.pol = rcu_dereference(port->domain->policy);
	src = v4 ? segf_lookup_v4(&ctx, pkt->v4.saddr) :
		   segf_lookup_v6(&ctx, &pkt->v6.saddr);
	dst = v4 ? segf_lookup_v4(&ctx, pkt->v4.daddr) :
		   segf_lookup_v6(&ctx, &pkt->v6.daddr);
	if (!src || READ_ONCE(src->port) != port) {
		t->drop = SEGFILTER_DROP_SRC_IP;
		goto out;
	}
	if (!dst) {
		t->src = src->group;
		t->drop = SEGFILTER_DROP_NO_ROUTE;
		goto out;
	}
	ether_addr_copy(pkt->src, src->mac);
	ether_addr_copy(pkt->dst, dst->mac);
	segf_decide(&ctx, pkt, 0, src, dst, &st);
out:
	rcu_read_unlock();
}
