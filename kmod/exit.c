// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: exits, a domain's way to the world outside it.  An exit is
 * a port of the domain (a veth into the host's stack, a VRF or a
 * provider bridge) on whose link the module has an address of its own
 * and a next hop, for IPv4, IPv6 or both.  On that link the module is a
 * router: it answers ARP requests and neighbour solicitations for its
 * own address with the exit device's MAC, and learns the next hop's MAC
 * while it knows none, or from the answer to its own solicitation, asking
 * for it (rate limited) when a packet needs it and none is known, and
 * every exit_probe_interval seconds (a delayed work per exit), so that a
 * next hop replaced by a box with another MAC is found again.
 *
 * Out: a frame an endpoint routes through the gateway to an address that
 * no endpoint of the domain owns leaves by the exit, if a prefix group of
 * the domain holds that address and the policy lets it go there.
 * In: an IP frame from the next hop's MAC to the exit's MAC for an
 * address an endpoint owns is routed to it, if a prefix group holds the
 * source and the policy lets that group reach the endpoint.
 * Both directions share the domain's flow table, so that a stateful
 * rule lets the replies through, and a redirect rule's chain carries
 * them (steer.c).  Both are held to the MTU of the port they leave by.
 * Anything else that comes in by an exit is dropped and counted.
 */

#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/ipv6.h>
#include <linux/random.h>
#include <linux/skbuff.h>
#include <net/addrconf.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ndisc.h>

#include "datapath.h"
#include "domain.h"
#include "endpoint.h"
#include "port.h"
#include "prefix.h"
#include "segfilter.h"

/* The least time between two solicitations of one next hop. */
#define SEGF_EXIT_SOLICIT_GAP	(HZ / 4)
/* How long an answer to a solicitation is taken as one. */
#define SEGF_EXIT_ANSWER_WAIT	HZ

/* Copy the next hop's MAC to @mac; false while none was learned. */
bool segf_exit_nh_mac(const struct segf_exit_link *link, u8 *mac)
{
	u64 v = atomic64_read(&link->nh_mac);

	if (!(v & SEGF_EXIT_MAC_KNOWN))
		return false;
	u64_to_ether_addr(v, mac);
	return true;
}

/* segf_exit_link::asking: what solicitation awaits its answer. */
enum {
	SEGF_EXIT_ASKING_NONE,
	SEGF_EXIT_ASKING_ANY,		/* broadcast, no MAC known: anybody */
	SEGF_EXIT_ASKING_KNOWN,		/* to the MAC known: it alone */
	SEGF_EXIT_ASKING_PROBE,		/* the probe's broadcast: see below */
};

/* segf_exit_link::cand: the MAC known answered the probe's broadcast. */
#define SEGF_EXIT_CAND_KNOWN	SEGF_EXIT_MAC_KNOWN

/*
 * Whether a message that answers a solicitation (by its kind) is the
 * answer to the exit's question @q, which the caller read once: the
 * first within SEGF_EXIT_ANSWER_WAIT of it, which closes it, counted in
 * segf_exit_link::answers for the probe.  The caller has made sure that
 * its sender may answer @q.
 */
static bool segf_exit_answer(struct segf_exit_link *link, int q)
{
	if (q == SEGF_EXIT_ASKING_NONE ||
	    !time_before(jiffies, READ_ONCE(link->solicited) +
				  SEGF_EXIT_ANSWER_WAIT) ||
	    cmpxchg(&link->asking, q, SEGF_EXIT_ASKING_NONE) != q)
		return false;
	atomic_inc(&link->answers);
	return true;
}

/*
 * A MAC other than the one known answered the probe's broadcast: the
 * next hop's new one if it alone does, the MAC known staying silent
 * (segf_exit_probe_end()).  Two MACs that answer cancel each other (an
 * impostor on the link races the real next hop), and so does the MAC
 * known: it stays.
 */
static void segf_exit_candidate(struct segf_exit_link *link, u64 nv)
{
	u64 c = atomic64_cmpxchg(&link->cand, 0, nv);

	if (c && c != nv && c != SEGF_EXIT_CAND_KNOWN)
		atomic64_cmpxchg(&link->cand, c, SEGF_EXIT_MAC_CONFLICT);
}

/* The MAC known answered @q: for the probe's broadcast, it stays. */
static bool segf_exit_known_answers(struct segf_exit_link *link, int q)
{
	if (q == SEGF_EXIT_ASKING_PROBE)
		atomic64_set(&link->cand, SEGF_EXIT_CAND_KNOWN);
	return segf_exit_answer(link, q);
}

/*
 * Take @mac as the next hop's, from a message whose sender address is
 * the next hop's: while no MAC is known, or if @answer (an ARP reply or
 * an advertisement with O set) answers a broadcast solicitation the exit
 * sent while it knew none, less than SEGF_EXIT_ANSWER_WAIT ago: that one
 * replaces whatever a claim put there meanwhile.  Anybody on the link can
 * say he is the next hop.  Once a MAC is known, another is only ever
 * taken by the probe (a candidate here).
 *
 * Return: whether @mac is now the next hop's (taken, or the same).
 */
static bool segf_exit_learn(struct segf_exit_link *link, const u8 *mac,
			    bool answer)
{
	u64 v = atomic64_read(&link->nh_mac);
	u64 nv = ether_addr_to_u64(mac) | SEGF_EXIT_MAC_KNOWN;
	/* Read once: what the answer answers, and its ordering (cand). */
	int q = answer ? smp_load_acquire(&link->asking) :
			 SEGF_EXIT_ASKING_NONE;

	if (!is_valid_ether_addr(mac))
		return false;
	if ((v & ~SEGF_EXIT_MAC_CLAIMED) == nv) {
		/* A claim the answer confirms is a claim no more. */
		if (segf_exit_known_answers(link, q) && v != nv)
			atomic64_cmpxchg(&link->nh_mac, v, nv);
		return true;
	}
	/*
	 * The answer to a broadcast asked while no MAC was known replaces a
	 * claim that came in meanwhile (at attach, an impostor's gratuitous
	 * ARP), never a MAC that an answer gave.
	 */
	if (q == SEGF_EXIT_ASKING_ANY &&
	    (!(v & SEGF_EXIT_MAC_KNOWN) || (v & SEGF_EXIT_MAC_CLAIMED)) &&
	    segf_exit_answer(link, q)) {
		atomic64_set(&link->nh_mac, nv);
		return true;
	}
	if (v & SEGF_EXIT_MAC_KNOWN) {
		if (q == SEGF_EXIT_ASKING_PROBE &&
		    time_before(jiffies, READ_ONCE(link->solicited) +
					 SEGF_EXIT_ANSWER_WAIT))
			segf_exit_candidate(link, nv);
		return false;
	}
	/* No MAC known and no question answered: a claim, until an answer. */
	return atomic64_cmpxchg(&link->nh_mac, v,
				nv | SEGF_EXIT_MAC_CLAIMED) == v;
}

/*
 * A solicited advertisement without a link-layer option (Linux answers a
 * unicast solicitation so), sent from @mac, or one with override clear
 * naming @mac: it confirms the known MAC if it is @mac, and answers the
 * open solicitation then.
 *
 * Return: whether @mac is the next hop's.
 */
static bool segf_exit_confirm(struct segf_exit_link *link, const u8 *mac)
{
	u8 known[ETH_ALEN];

	if (!segf_exit_nh_mac(link, known) || !ether_addr_equal(known, mac))
		return false;
	/* Pairs with segf_exit_ask()'s release, as in segf_exit_learn(). */
	segf_exit_known_answers(link, smp_load_acquire(&link->asking));
	return true;
}

/*
 * An ARP request for @link's next hop, from the exit's address: to @to,
 * the MAC known (a probe), or broadcast if NULL.
 */
static struct sk_buff *segf_exit_arp_request(struct net_device *dev,
					     const struct segf_exit_link *link,
					     const u8 *to)
{
	struct segf_arp_eth_ipv4 *body;
	struct sk_buff *skb;
	struct arphdr *arp;
	struct ethhdr *eth;

	skb = netdev_alloc_skb_ip_align(dev, ETH_HLEN + sizeof(*arp) +
					     sizeof(*body));
	if (!skb)
		return NULL;
	eth = skb_put(skb, ETH_HLEN);
	if (to)
		ether_addr_copy(eth->h_dest, to);
	else
		eth_broadcast_addr(eth->h_dest);
	ether_addr_copy(eth->h_source, dev->dev_addr);
	eth->h_proto = htons(ETH_P_ARP);

	arp = skb_put(skb, sizeof(*arp));
	arp->ar_hrd = htons(ARPHRD_ETHER);
	arp->ar_pro = htons(ETH_P_IP);
	arp->ar_hln = ETH_ALEN;
	arp->ar_pln = sizeof(__be32);
	arp->ar_op = htons(ARPOP_REQUEST);
	body = skb_put_zero(skb, sizeof(*body));
	ether_addr_copy(body->sha, dev->dev_addr);
	body->spa = link->addr.v4;
	body->tpa = link->nexthop.v4;

	skb->protocol = htons(ETH_P_ARP);
	return skb;
}

/* A neighbour solicitation, the same message with its own layout. */
struct segf_nd_ns {
	struct ipv6hdr ip6;
	struct icmp6hdr icmp6;
	struct in6_addr target;
	u8 opt_type;
	u8 opt_len;
	u8 opt_mac[ETH_ALEN];
} __packed;

/*
 * A solicitation of @link's next hop, to its solicited-node group, or
 * to its address and @to, the MAC known, for a probe (RFC 4861 7.3.3).
 */
static struct sk_buff *segf_exit_nd_request(struct net_device *dev,
					    const struct segf_exit_link *link,
					    const u8 *to)
{
	unsigned int plen = sizeof(struct segf_nd_ns) - sizeof(struct ipv6hdr);
	struct segf_nd_ns *ns;
	struct sk_buff *skb;
	struct ethhdr *eth;

	skb = netdev_alloc_skb_ip_align(dev, ETH_HLEN + sizeof(*ns));
	if (!skb)
		return NULL;
	ns = (struct segf_nd_ns *)(skb->data + ETH_HLEN);
	skb_put_zero(skb, ETH_HLEN + sizeof(*ns));
	eth = (struct ethhdr *)skb->data;
	ether_addr_copy(eth->h_source, dev->dev_addr);
	eth->h_proto = htons(ETH_P_IPV6);

	ip6_flow_hdr(&ns->ip6, 0, 0);
	ns->ip6.payload_len = htons(plen);
	ns->ip6.nexthdr = IPPROTO_ICMPV6;
	ns->ip6.hop_limit = 255;
	ns->ip6.saddr = link->addr.v6;
	if (to) {
		ns->ip6.daddr = link->nexthop.v6;
		ether_addr_copy(eth->h_dest, to);
	} else {
		addrconf_addr_solict_mult(&link->nexthop.v6, &ns->ip6.daddr);
		ipv6_eth_mc_map(&ns->ip6.daddr, eth->h_dest);
	}

	ns->icmp6.icmp6_type = NDISC_NEIGHBOUR_SOLICITATION;
	ns->target = link->nexthop.v6;
	ns->opt_type = ND_OPT_SOURCE_LL_ADDR;
	ns->opt_len = 1;
	ether_addr_copy(ns->opt_mac, dev->dev_addr);
	ns->icmp6.icmp6_cksum = csum_ipv6_magic(&ns->ip6.saddr,
						&ns->ip6.daddr, plen,
						IPPROTO_ICMPV6,
						csum_partial(&ns->icmp6, plen, 0));
	skb->protocol = htons(ETH_P_IPV6);
	return skb;
}

/*
 * Send a solicitation of @port's next hop of family @af, to @to or
 * broadcast (NULL), and open it for its answer as question @q (see
 * segf_exit_learn()).  Any context.
 */
static void segf_exit_ask(struct segf_port *port, unsigned int af,
			  const u8 *to, int q)
{
	struct segf_exit_link *link = &port->exit[af];
	struct sk_buff *skb;
	unsigned int len;
	int ret;

	/* The control path too: the per-cpu counters want BHs off. */
	local_bh_disable();
	rcu_read_lock();
	if (READ_ONCE(port->gone))
		goto out;
	skb = af == SEGF_EXIT_V4 ? segf_exit_arp_request(port->dev, link, to) :
				   segf_exit_nd_request(port->dev, link, to);
	if (!skb)
		goto out;
	skb_reset_mac_header(skb);
	skb_set_network_header(skb, ETH_HLEN);
	skb->dev = port->dev;
	len = skb->len;
	/*
	 * Open for its answer only once it is on its way; whoever sees it
	 * open sees the probe's candidate cleared.
	 */
	smp_store_release(&link->asking, q);
	/* net_xmit_eval() evaluates its argument twice. */
	ret = dev_queue_xmit(skb);
	if (!net_xmit_eval(ret))
		segf_count_packet(port->stats, true, len);
out:
	rcu_read_unlock();
	local_bh_enable();
}

/**
 * segf_exit_solicit - ask the next hop of an exit for its MAC
 * @port: the exit
 * @af: SEGF_EXIT_V4 (ARP) or SEGF_EXIT_V6 (neighbour solicitation)
 * @force: whatever the rate limit says (the control path, at attach)
 *
 * At most one solicitation per SEGF_EXIT_SOLICIT_GAP unless @force.
 * Any context; sent from the exit's device, counted on the port.
 */
void segf_exit_solicit(struct segf_port *port, unsigned int af, bool force)
{
	struct segf_exit_link *link = &port->exit[af];
	unsigned long now = jiffies;
	unsigned long last = READ_ONCE(link->solicited);

	if (!force && (time_before(now, last + SEGF_EXIT_SOLICIT_GAP) ||
		       cmpxchg(&link->solicited, last, now) != last))
		return;
	if (force)
		WRITE_ONCE(link->solicited, now);
	segf_exit_ask(port, af, NULL, SEGF_EXIT_ASKING_ANY);
}

/*
 * The probe.  A next hop may be replaced, or fail over to a box with
 * another MAC, without a gratuitous ARP or an unsolicited advertisement
 * (which the exit would not take anyway: see segf_exit_learn()).  As the
 * host's neighbour code probes a stale entry, every exit_probe_interval
 * seconds or so the exit asks each next hop again: by a solicitation to
 * the MAC it knows, up to SEGF_EXIT_PROBE_UCAST times, each awaited for
 * SEGF_EXIT_ANSWER_WAIT, then by a broadcast one (to the solicited-node
 * group for IPv6).  One lost answer does not open the broadcast, whose
 * answer from a new MAC is taken only when the wait ends, and only if
 * that MAC alone answered (segf_exit_candidate()): a host on the link
 * that answers every broadcast races the real next hop, which answers
 * too, and loses.  With no MAC known, the broadcast one alone, whose
 * first answer is taken, as at attach.  A probe that got no
 * answer to either is counted as nexthop_unanswered on the port and its
 * domain; the MAC known stays in use (the neighbour code would keep it
 * until its probes ran out, and there is nothing better to send to),
 * and the next probe asks again.
 *
 * Process context, on segf_wq, one work item per exit port: never the
 * data path.  Each link's step (@probe) and the answers it saw when it
 * asked (@probe_answers) are the work's alone; the answers come from the
 * data path, counted in @answers by segf_exit_answer().  The work ends
 * once the port is gone; segf_exit_probe_stop() cancels it, waiting,
 * before the port is released and freed.
 */
#define SEGF_EXIT_PROBE_UCAST	3	/* solicitations to the MAC known */

enum {
	SEGF_EXIT_PROBE_IDLE,		/* until the next probe */
	SEGF_EXIT_PROBE_UNICAST,	/* asked the MAC known */
	SEGF_EXIT_PROBE_BROADCAST,	/* asked everybody */
};

/* The time to the next probe: the upper quarter of the interval. */
static unsigned long segf_exit_probe_delay(void)
{
	unsigned long max = READ_ONCE(segf_exit_probe_interval) * HZ;

	return max - max / 4 + get_random_u32() % (max / 4 + 1);
}

/* Ask @link's next hop; @to the MAC known, or NULL: broadcast. */
static void segf_exit_probe_ask(struct segf_port *port, unsigned int af,
				const u8 *to)
{
	struct segf_exit_link *link = &port->exit[af];

	link->probe = to ? SEGF_EXIT_PROBE_UNICAST : SEGF_EXIT_PROBE_BROADCAST;
	/* No question open while it changes: a late answer finds none. */
	WRITE_ONCE(link->asking, SEGF_EXIT_ASKING_NONE);
	atomic64_set(&link->cand, 0);
	WRITE_ONCE(link->solicited, jiffies);
	segf_exit_ask(port, af, to,
		      to ? SEGF_EXIT_ASKING_KNOWN :
		      atomic64_read(&link->nh_mac) ? SEGF_EXIT_ASKING_PROBE :
						     SEGF_EXIT_ASKING_ANY);
}

/*
 * The broadcast's wait ended with no answer from the MAC known (or, with
 * none known, from anybody): take the one other MAC that answered, if
 * one alone did.  Returns whether the next hop answered at all.
 */
static bool segf_exit_probe_end(struct segf_port *port,
				struct segf_exit_link *link)
{
	char name[IFNAMSIZ];
	u8 mac[ETH_ALEN];
	u64 c;

	WRITE_ONCE(link->asking, SEGF_EXIT_ASKING_NONE);
	c = atomic64_xchg(&link->cand, 0);
	if (!c)
		return false;
	if (c == SEGF_EXIT_CAND_KNOWN)
		return true;
	/* At most one line per exit and family per probe: not rate limited. */
	segf_port_name(port, name);
	if (c == SEGF_EXIT_MAC_CONFLICT) {
		pr_warn("segfilter: exit %s: two MACs answered for its next hop; it keeps the one it knew\n",
			name);
		return false;
	}
	atomic64_set(&link->nh_mac, c);
	u64_to_ether_addr(c, mac);
	pr_info("segfilter: exit %s: its next hop is at %pM now\n", name, mac);
	return true;
}

static void segf_exit_probe_work(struct work_struct *work)
{
	struct segf_port *port = container_of(to_delayed_work(work),
					      struct segf_port, probe_work);
	struct segf_domain *dom = port->domain;
	struct segf_exit_link *link;
	bool start = true, wait = false;
	u8 mac[ETH_ALEN];
	unsigned int af;

	if (READ_ONCE(port->gone))
		return;
	for (af = 0; af < SEGF_EXIT_AFS; af++)
		if (port->exit[af].probe != SEGF_EXIT_PROBE_IDLE)
			start = false;
	for (af = 0; af < SEGF_EXIT_AFS; af++) {
		link = &port->exit[af];
		if (!link->on)
			continue;
		if (start) {
			link->probe_answers = atomic_read(&link->answers);
			link->probe_tries = 0;
			segf_exit_probe_ask(port, af,
					    segf_exit_nh_mac(link, mac) ?
					    mac : NULL);
			wait = true;
			continue;
		}
		if (link->probe == SEGF_EXIT_PROBE_IDLE)
			continue;
		if (atomic_read(&link->answers) != link->probe_answers) {
			link->probe = SEGF_EXIT_PROBE_IDLE;
			WRITE_ONCE(link->asking, SEGF_EXIT_ASKING_NONE);
		} else if (link->probe == SEGF_EXIT_PROBE_UNICAST) {
			/* Silent thrice, as the neighbour code's ucast_solicit. */
			if (++link->probe_tries < SEGF_EXIT_PROBE_UCAST &&
			    segf_exit_nh_mac(link, mac))
				segf_exit_probe_ask(port, af, mac);
			else
				segf_exit_probe_ask(port, af, NULL);
			wait = true;
		} else {
			link->probe = SEGF_EXIT_PROBE_IDLE;
			if (segf_exit_probe_end(port, link))
				continue;
			/* As in softirq: the per-CPU counters. */
			local_bh_disable();
			segf_stat_inc(port->stats, nexthop_unanswered);
			segf_stat_inc(dom->stats, nexthop_unanswered);
			local_bh_enable();
		}
	}
	queue_delayed_work(segf_wq, &port->probe_work,
			   wait ? SEGF_EXIT_ANSWER_WAIT :
				  segf_exit_probe_delay());
}

/**
 * segf_exit_probe_start - probe an exit's next hops from now on
 * @port: the exit, just attached
 *
 * The first probe comes an interval after the solicitation at attach.
 */
void segf_exit_probe_start(struct segf_port *port)
{
	INIT_DELAYED_WORK(&port->probe_work, segf_exit_probe_work);
	queue_delayed_work(segf_wq, &port->probe_work,
			   segf_exit_probe_delay());
}

/**
 * segf_exit_probe_stop - no probe of the exit's next hops any more
 * @port: the exit, being released
 *
 * Once this returned, the work is neither queued nor running (it does
 * not take segf_net::lock, which the caller may hold).
 */
void segf_exit_probe_stop(struct segf_port *port)
{
	cancel_delayed_work_sync(&port->probe_work);
}

/*
 * ARP on an exit: learn the next hop's MAC (segf_exit_learn()), and
 * answer requests for the exit's address.  A claim of the next hop's
 * address from another MAC than the known one is dropped (exit_foreign).
 */
static void segf_exit_arp(const struct segf_ctx *ctx, struct sk_buff *skb,
			  const struct segf_pkt *pkt)
{
	struct segf_exit_link *link = &ctx->port->exit[SEGF_EXIT_V4];
	enum segfilter_drop_reason reason = SEGFILTER_DROP_EXIT_FOREIGN;
	bool learned = false;

	if (!link->on)
		goto drop;
	reason = SEGFILTER_DROP_SRC_MAC;
	if (!ether_addr_equal(pkt->arp.sha, pkt->src))
		goto drop;
	if (pkt->arp.spa == link->nexthop.v4) {
		learned = segf_exit_learn(link, pkt->arp.sha,
					  pkt->arp.op == ARPOP_REPLY &&
					  pkt->arp.tpa == link->addr.v4);
		reason = SEGFILTER_DROP_EXIT_FOREIGN;
		if (!learned)
			goto drop;
	}
	if (pkt->arp.op == ARPOP_REQUEST && pkt->arp.tpa == link->addr.v4) {
		segf_arp_reply(ctx, skb, pkt, skb->dev->dev_addr);
		return;
	}
	if (learned) {
		consume_skb(skb);
		return;
	}
	reason = SEGFILTER_DROP_EXIT_FOREIGN;
drop:
	segf_drop(ctx, skb, reason);
}

/*
 * Neighbour discovery on an exit, the same for IPv6: advertisements of
 * the next hop and its solicitations teach its MAC as segf_exit_learn()
 * says (an advertisement answers if its S and O flags are set);
 * solicitations for the exit's address are answered.  Other link
 * control (MLD, router messages) is for nobody here.
 */
static void segf_exit_nd(const struct segf_ctx *ctx, struct sk_buff *skb,
			 const struct segf_pkt *pkt)
{
	struct segf_exit_link *link = &ctx->port->exit[SEGF_EXIT_V6];
	enum segfilter_drop_reason reason = SEGFILTER_DROP_EXIT_FOREIGN;
	bool ll = pkt->flags & SEGF_PKT_ND_LLADDR;

	if (!link->on || !(pkt->flags & (SEGF_PKT_ND_NS | SEGF_PKT_ND_NA)))
		goto drop;
	reason = segf_check_link_control(pkt);
	if (reason)
		goto drop;
	if (pkt->flags & SEGF_PKT_ND_NA) {
		bool solicited = pkt->flags & SEGF_PKT_ND_SOLICITED;

		reason = SEGFILTER_DROP_EXIT_FOREIGN;
		if (!ipv6_addr_equal(&pkt->nd_target, &link->nexthop.v6))
			goto drop;
		/*
		 * Without O (a proxy's or anycast answer) it may only
		 * confirm the MAC known, as one without the option does.
		 */
		if (ll && solicited && !(pkt->flags & SEGF_PKT_ND_OVERRIDE) &&
		    segf_exit_confirm(link, pkt->nd_lladdr)) {
			consume_skb(skb);
			return;
		}
		if (ll ? !segf_exit_learn(link, pkt->nd_lladdr, solicited &&
					  (pkt->flags & SEGF_PKT_ND_OVERRIDE)) :
			 !solicited || !segf_exit_confirm(link, pkt->src))
			goto drop;
		consume_skb(skb);
		return;
	}
	reason = SEGFILTER_DROP_EXIT_FOREIGN;
	if (ll && ipv6_addr_equal(&pkt->v6.saddr, &link->nexthop.v6) &&
	    !segf_exit_learn(link, pkt->nd_lladdr, false))
		goto drop;
	if (!ipv6_addr_equal(&pkt->nd_target, &link->addr.v6))
		goto drop;
	segf_nd_reply(ctx, skb, pkt, skb->dev->dev_addr);
	return;

drop:
	segf_drop(ctx, skb, reason);
}

/*
 * __segf_exit_in_dest - where an IP packet in by an exit goes, before the verdict
 * @ctx: the packet's context (the exit's)
 * @pkt: the packet, to the exit's MAC from the next hop's
 * @dst: the endpoint that owns its destination, filled in
 * @sgroup: the prefix group of its source, filled in (NULL for none)
 *
 * To the endpoint that owns its destination (an address, or a prefix it
 * owns: a router's subnet), from a source that a prefix group of the
 * domain holds.  A source that is the domain's (an endpoint's or the
 * gateway's address) is forged: nothing outside speaks for the domain.
 * segf_exit_in() and segctl trace (trace.c) both ask it.
 *
 * Return: 0, or why the packet is dropped.
 */
static __always_inline enum segfilter_drop_reason
__segf_exit_in_dest(const struct segf_ctx *ctx, const struct segf_pkt *pkt,
		    struct segf_endpoint **dst, struct segf_group **sgroup)
{
	const struct segf_domain_cfg *cfg = &ctx->pol->cfg;
	struct segf_addr saddr, daddr;

	/* The domain's DHCP is the gateway's, or its flagged server's. */
	if (segf_is_dhcp(pkt))
		return SEGFILTER_DROP_DHCP;
	segf_pkt_addrs(pkt, &saddr, &daddr);
	if (is_zero_ether_addr(cfg->gw_mac) || segf_gw_owns(cfg, &daddr) ||
	    segf_addr_link_local(&saddr) || segf_addr_link_local(&daddr))
		return SEGFILTER_DROP_NO_ROUTE;
	/* An endpoint's address, or a prefix it owns (a router's subnet). */
	*dst = segf_lookup_route(ctx, &daddr);
	if (!*dst)
		return SEGFILTER_DROP_NO_ROUTE;
	if (!segf_addr_unicast(&saddr) || segf_gw_owns(cfg, &saddr) ||
	    segf_lookup_addr(ctx, &saddr))
		return SEGFILTER_DROP_SRC_IP;
	if (pkt->ttl <= 1)
		return SEGFILTER_DROP_TTL_EXCEEDED;
	/* Towards an endpoint on another host: not in this round. */
	if (segf_port_is_uplink(segf_endpoint_port(*dst)))
		return SEGFILTER_DROP_WRONG_HOST;
	/*
	 * Only what a prefix group of the domain holds comes in, and ICMP
	 * errors about a flow out from wherever else on the path
	 * (segf_decide() drops any other packet from a peer in no group as
	 * no_route, and takes what comes in here as outside whatever its
	 * source, even one inside an endpoint's prefix).
	 */
	*sgroup = segf_prefix_group(ctx->pol, &saddr);
	if (!*sgroup && !(pkt->flags & SEGF_PKT_QUOTED))
		return SEGFILTER_DROP_NO_ROUTE;
	return 0;
}

/* The same, out of line, for segctl trace: the data path inlines it. */
enum segfilter_drop_reason
segf_exit_in_dest(const struct segf_ctx *ctx, const struct segf_pkt *pkt,
		  struct segf_endpoint **dst, struct segf_group **sgroup)
{
	return __segf_exit_in_dest(ctx, pkt, dst, sgroup);
}

/*
 * An IP frame to the exit's MAC, of the exit's family @af: routed to the
 * endpoint segf_exit_in_dest() finds, if the policy lets the source's
 * prefix group reach it and it fits the endpoint's port.
 */
static void segf_exit_in(const struct segf_ctx *ctx, struct sk_buff *skb,
			 const struct segf_pkt *pkt, unsigned int af)
{
	const struct segf_domain_cfg *cfg = &ctx->pol->cfg;
	enum segfilter_drop_reason reason;
	struct segf_endpoint *dst;
	struct segf_group *sgroup;
	struct segf_steer st;
	unsigned int mtu;

	reason = __segf_exit_in_dest(ctx, pkt, &dst, &sgroup);
	if (reason)
		goto drop;
	reason = segf_decide(ctx, pkt, skb->len, sgroup, dst->group, &st);
	if (reason)
		goto drop;
	/* Too big for the endpoint's port: the exit tells the sender. */
	if (!segf_fits_any(skb, pkt)) {
		mtu = segf_path_mtu(skb, pkt, dst);
		if (unlikely(!segf_fits(skb, pkt, mtu))) {
			segf_exit_too_big(ctx, skb, pkt,
					  &ctx->port->exit[af].addr, mtu);
			return;
		}
	}
	reason = SEGFILTER_DROP_TX_ERROR;
	if (segf_route_rewrite(skb, pkt, cfg->gw_mac, dst->mac))
		goto drop;
	segf_count(ctx, routed);
	/* Redirected: through its chain, on this host (dst is local). */
	if (st.flow)
		segf_steer_start(ctx, skb, &st, dst);
	else
		segf_xmit(ctx, segf_endpoint_port(dst), skb);
	return;

drop:
	segf_drop(ctx, skb, reason);
}

/**
 * segf_rx_exit - a frame received on an exit port
 * @port: the exit
 * @skb: the frame
 *
 * ARP and neighbour discovery for the exit's link; IP frames from the
 * next hop's MAC to the exit's, of a family the exit has, routed in;
 * everything else
 * dropped and counted (exit_foreign).  Consumes @skb.
 */
void segf_rx_exit(struct segf_port *port, struct sk_buff *skb)
{
	struct segf_domain *dom = port->domain;
	enum segfilter_drop_reason reason;
	struct segf_ctx ctx = {
		.dom = dom,
		.pol = rcu_dereference(dom->policy),
		.port = port,
	};
	struct segf_pkt pkt;
	u8 nh[ETH_ALEN];
	unsigned int af;

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

	/*
	 * The link's own business, never judged by the policy: before the
	 * generation check, so that the answer to the solicitation sent at
	 * attach is taken even if it beats the commit's publication.
	 */
	if (pkt.proto == htons(ETH_P_ARP)) {
		segf_exit_arp(&ctx, skb, &pkt);
		return;
	}
	if (segf_is_link_control(&pkt)) {
		segf_exit_nd(&ctx, skb, &pkt);
		return;
	}
	/* Attached by a commit whose generation is not out yet. */
	reason = SEGFILTER_DROP_NO_ROUTE;
	if (READ_ONCE(port->born) > ctx.pol->gen)
		goto drop;
	reason = SEGFILTER_DROP_EXIT_FOREIGN;
	if (!ether_addr_equal(pkt.dst, skb->dev->dev_addr))
		goto drop;
	if (pkt.proto == htons(ETH_P_IP))
		af = SEGF_EXIT_V4;
	else if (pkt.proto == htons(ETH_P_IPV6))
		af = SEGF_EXIT_V6;
	else
		goto drop;
	/* IP comes from the next hop, none other on the link. */
	if (!port->exit[af].on || !segf_exit_nh_mac(&port->exit[af], nh) ||
	    !ether_addr_equal(pkt.src, nh))
		goto drop;
	segf_exit_in(&ctx, skb, &pkt, af);
	return;

drop:
	segf_drop(&ctx, skb, reason);
}

/**
 * segf_exit_route - send a routed frame out of the domain's exit
 * @ctx: the frame's context
 * @skb: the frame, from @src to the gateway's MAC
 * @pkt: what segf_parse() found in it
 * @src: the endpoint that sent it
 *
 * For a frame whose destination no endpoint of the domain owns.  It
 * leaves by the exit of its family, if the domain has one, its
 * destination is a unicast address outside the domain (not the
 * gateway's, not link-local) and the policy lets @src's group reach
 * the destination's prefix group; rewritten as a router would, towards
 * the next hop.
 *
 * Return: false if the domain has no exit for it (@skb untouched: it
 * has no route), true when @skb was consumed, sent or dropped.
 */
bool segf_exit_route(const struct segf_ctx *ctx, struct sk_buff *skb,
		     const struct segf_pkt *pkt,
		     const struct segf_endpoint *src)
{
	struct segf_port *exit = rcu_dereference(ctx->dom->exit);
	enum segfilter_drop_reason reason;
	struct segf_addr saddr, daddr;
	struct segf_exit_link *link;
	struct segf_group *dgroup;
	struct segf_steer st;
	u8 nh[ETH_ALEN];
	unsigned int af, mtu;

	if (!exit || READ_ONCE(exit->born) > ctx->pol->gen)
		return false;
	if (pkt->proto == htons(ETH_P_IP))
		af = SEGF_EXIT_V4;
	else if (pkt->proto == htons(ETH_P_IPV6))
		af = SEGF_EXIT_V6;
	else
		return false;
	link = &exit->exit[af];
	segf_pkt_addrs(pkt, &saddr, &daddr);
	if (!link->on || !segf_addr_unicast(&daddr) ||
	    segf_gw_owns(&ctx->pol->cfg, &daddr) ||
	    segf_addr_link_local(&saddr) || segf_addr_link_local(&daddr))
		return false;
	/* Only what a prefix group of the domain holds is reachable. */
	dgroup = segf_prefix_group(ctx->pol, &daddr);
	if (!dgroup)
		return false;

	reason = SEGFILTER_DROP_TTL_EXCEEDED;
	if (pkt->ttl <= 1)
		goto drop;
	/* Before the verdict, so that no flow opens for a frame not sent. */
	reason = SEGFILTER_DROP_NEXTHOP_UNRESOLVED;
	if (!segf_exit_nh_mac(link, nh)) {
		segf_exit_solicit(exit, af, false);
		goto drop;
	}
	reason = segf_decide(ctx, pkt, skb->len, src->group, dgroup, &st);
	if (reason)
		goto drop;
	/* Too big for the exit's link: the gateway tells the sender. */
	if (!segf_fits_any(skb, pkt)) {
		mtu = segf_out_mtu(skb, pkt, exit, false);
		if (unlikely(!segf_fits(skb, pkt, mtu))) {
			segf_too_big(ctx, skb, pkt, src, mtu);
			return true;
		}
	}
	reason = SEGFILTER_DROP_TX_ERROR;
	if (READ_ONCE(exit->gone) ||
	    segf_route_rewrite(skb, pkt, exit->dev->dev_addr, nh))
		goto drop;
	segf_count(ctx, routed);
	/* Redirected: through its chain, on the exit's host, this one. */
	if (st.flow)
		segf_steer_start(ctx, skb, &st, NULL);
	else
		segf_xmit(ctx, exit, skb);
	return true;

drop:
	segf_drop(ctx, skb, reason);
	return true;
}

/**
 * segf_exit_peer - the group of a peer outside the domain, behind its exit
 * @ctx: the frame's context
 * @addr: the peer's address, which no endpoint of the domain owns
 *
 * For a frame that comes back from a service with an end outside: that
 * end must be one the exit could have carried, checked as
 * segf_exit_in() and segf_exit_route() check it (an exit of its family
 * that the frame's generation sees, a unicast address that is not the
 * gateway's nor link-local, held by a prefix group).
 *
 * Return: its prefix group, or NULL if it is none of those.
 */
struct segf_group *segf_exit_peer(const struct segf_ctx *ctx,
				  const struct segf_addr *addr)
{
	struct segf_port *exit = rcu_dereference(ctx->dom->exit);
	unsigned int af = addr->family == AF_INET ? SEGF_EXIT_V4 :
						    SEGF_EXIT_V6;

	if (!exit || READ_ONCE(exit->born) > ctx->pol->gen ||
	    !exit->exit[af].on || !segf_addr_unicast(addr) ||
	    segf_gw_owns(&ctx->pol->cfg, addr) || segf_addr_link_local(addr))
		return NULL;
	return segf_prefix_group(ctx->pol, addr);
}

/**
 * segf_exit_next_hop - where a frame out of the exit goes on the link
 * @ctx: the frame's context
 * @v6: the frame's family
 * @nh: the next hop's MAC, filled in
 *
 * Return: the domain's exit, if it has one of that family, the frame's
 * generation sees it and its next hop's MAC is known; else NULL.
 */
struct segf_port *segf_exit_next_hop(const struct segf_ctx *ctx, bool v6,
				     u8 *nh)
{
	struct segf_port *exit = rcu_dereference(ctx->dom->exit);
	unsigned int af = v6 ? SEGF_EXIT_V6 : SEGF_EXIT_V4;

	if (!exit || READ_ONCE(exit->born) > ctx->pol->gen ||
	    !exit->exit[af].on || !segf_exit_nh_mac(&exit->exit[af], nh))
		return NULL;
	return exit;
}
