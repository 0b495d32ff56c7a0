// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: the flow table, which makes the policy stateful without
 * netfilter.
 *
 * Each domain has an RCU hash table of flows keyed by the canonical
 * five-tuple: the two (address, port) ends in a fixed order, so that
 * both directions of a connection find the same entry.  A flow caches
 * the verdict of the policy generation that created it; a packet of the
 * reply direction passes on that verdict even where no rule would allow
 * it.  A flow found under a newer generation is checked again against
 * it (see verdict.c): a connection the new policy forbids is revoked at
 * its next packet.
 *
 * TCP is followed just enough to expire connections soon after they
 * close: SYN, SYN-ACK, FIN from each side, RST.  UDP and ICMP echo
 * expire when idle.  Expired entries are found dead by the data path, or
 * reclaimed by a per-domain garbage collector that walks the table in
 * process context, a batch at a time, without stopping the data path.
 *
 * Until a packet of the other end is seen, a flow is "unanswered" and
 * lives at most unreplied_timeout (main.c): a TCP flow picked up
 * mid-stream starts ESTABLISHED, but a bare ACK with a made-up port must
 * not hold an entry for days.
 *
 * Every flow is paid for: the data path allocates it without dipping
 * into the atomic reserves, charged to the memory cgroup of whoever
 * created the domain (not to the task that happens to run the softirq),
 * and never beyond the domain's flow limit nor the namespace's share of
 * the host (max_flows_per_netns).  Half that budget is split into
 * shares, each domain's own; the rest is pooled (segf_flow_split()).  At
 * any limit, a new flow evicts an
 * unanswered one among a few entries next to its own bucket, the one
 * that expires first; an answered flow is never evicted.  When none is
 * found, a packet that the rules allow is still forwarded, only without
 * a flow (counted as flow_table_full).
 *
 * Not charged: the table's bucket arrays, which rhashtable allocates
 * without __GFP_ACCOUNT on the kernels we support (at rhashtable_init()
 * and from its own rehash worker).  They are bounded by the budget all
 * the same, about 8 to 27 bytes per flow the budget allows.
 */

#include <linux/icmp.h>
#include <linux/hash.h>
#include <linux/icmpv6.h>
#include <linux/in.h>
#include <linux/jhash.h>
#include <linux/llist.h>
#include <linux/memcontrol.h>
#include <linux/random.h>
#include <linux/rhashtable.h>
#include <linux/sched/isolation.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <net/dst_metadata.h>
#include <net/tcp.h>

#include "domain.h"
#include "flow.h"
#include "parse.h"
#include "policy.h"
#include "segfilter.h"
#include "service.h"
#include "stats.h"

#define SEGF_FLOW_GC_INTERVAL	(2 * HZ)
#define SEGF_FLOW_GC_BATCH	256
/* The reaper lets others run after freeing so many flows. */
#define SEGF_FLOW_REAP_BATCH	256
/* Early drop looks at this many entries, in at most so many buckets. */
#define SEGF_FLOW_EVICT_ENTRIES	8
#define SEGF_FLOW_EVICT_BUCKETS	32

/* Idle timeouts, in seconds, by state. */
static const unsigned int segf_flow_timeouts[__SEGF_FLOW_STATE_MAX] = {
	[SEGF_FLOW_TCP_SYN_SENT]	= 60,
	[SEGF_FLOW_TCP_SYN_RECV]	= 60,
	[SEGF_FLOW_TCP_ESTABLISHED]	= 5 * 24 * 3600,
	[SEGF_FLOW_TCP_FIN_WAIT]	= 120,
	[SEGF_FLOW_TCP_CLOSED]		= 10,
	[SEGF_FLOW_UDP]			= 30,
	[SEGF_FLOW_UDP_REPLIED]		= 180,
	[SEGF_FLOW_ICMP]		= 30,
};

static struct kmem_cache *segf_flow_cache __read_mostly;

#define SEGF_FLOW_KEY_WORDS	(sizeof(struct segf_flow_key) / sizeof(u64))

/*
 * Whether two keys differ: five u64 words, inline, instead of a call to
 * memcmp() with its length.  Both keys are whole structs (aligned).
 */
static inline bool segf_flow_key_differ(const struct segf_flow_key *a,
					const struct segf_flow_key *b)
{
	const u64 *x = (const u64 *)a, *y = (const u64 *)b;
	u64 diff = 0;
	unsigned int i;

	for (i = 0; i < SEGF_FLOW_KEY_WORDS; i++)
		diff |= x[i] ^ y[i];
	return diff;
}

static int segf_flow_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct segf_flow *flow = obj;

	return segf_flow_key_differ(&flow->key, arg->key);
}

/*
 * The table's seeded hash of a key.  An IPv4 key is three words, its
 * addresses and ports, as the kernel's own established sockets hash
 * (inet_ehashfn()), the protocol mixed into the seed; the rest of it is
 * zero.  An IPv6 key: jhash2() over the whole.  Tenants pick the
 * fields: the seed is the table's random one.  Not "seed + proto":
 * jhash_3words() adds its initial value to each word, so a UDP key
 * (a, b, c) would hash as the TCP key (a + 11, b + 11, c + 11) whatever
 * the seed; XOR with a multiple of the protocol makes that offset
 * depend on the secret seed.
 */
static __always_inline u32 segf_flow_hashfn(const void *data, u32 len,
					    u32 seed)
{
	const struct segf_flow_key *key = data;
	u32 ports;

	if (key->family == AF_INET) {
		memcpy(&ports, key->port, sizeof(ports));
		return jhash_3words((__force u32)key->addr.v4[0],
				    (__force u32)key->addr.v4[1], ports,
				    seed ^ hash_32(key->proto, 32));
	}
	return jhash2(data, sizeof(*key) / sizeof(u32), seed);
}

static const struct rhashtable_params segf_flow_params = {
	.key_len = sizeof(struct segf_flow_key),
	.key_offset = offsetof(struct segf_flow, key),
	.head_offset = offsetof(struct segf_flow, node),
	.hashfn = segf_flow_hashfn,
	.obj_cmpfn = segf_flow_cmp,
	.automatic_shrinking = true,
};

unsigned int segf_flow_timeout(u8 state)
{
	return segf_flow_timeouts[state] * HZ;
}

/* The idle timeout of a flow in @state, answered or not yet. */
static unsigned int segf_flow_ttl(u8 state, bool replied)
{
	unsigned int t = segf_flow_timeouts[state];

	if (!replied)
		t = min(t, READ_ONCE(segf_unreplied_timeout));
	return t * HZ;
}

static bool segf_icmp_echo(const struct segf_pkt *pkt, bool *request)
{
	if (pkt->l4proto == IPPROTO_ICMP) {
		*request = pkt->icmp_type == ICMP_ECHO;
		return *request || pkt->icmp_type == ICMP_ECHOREPLY;
	}
	if (pkt->l4proto == IPPROTO_ICMPV6) {
		*request = pkt->icmp_type == ICMPV6_ECHO_REQUEST;
		return *request || pkt->icmp_type == ICMPV6_ECHO_REPLY;
	}
	return false;
}

/* -1, 0 or 1 as @a is below, equal to or above @b. */
static inline int segf_cmp(u64 a, u64 b)
{
	return (a > b) - (a < b);
}

/*
 * memcmp(@a, @b, 4 * @words) of two addresses, without the call: word by
 * word, each a big-endian number.
 */
static inline int segf_addr_cmp(const __be32 *a, const __be32 *b,
				unsigned int words)
{
	unsigned int i;

	for (i = 0; i < words; i++)
		if (a[i] != b[i])
			return segf_cmp(be32_to_cpu(a[i]), be32_to_cpu(b[i]));
	return 0;
}

/*
 * Fill @key from the ends of a packet, @saddr:@sport to @daddr:@dport,
 * in canonical order: by address, then by port, each in network byte
 * order (as memcmp() would sort them).  Return: which end of the key
 * sent it (0 or 1).
 */
static __always_inline u8
segf_flow_key_fill(struct segf_flow_key *key, u8 family, u8 proto,
		   const void *saddr, const void *daddr, __be16 sport,
		   __be16 dport)
{
	int cmp;

	memset(key, 0, sizeof(*key));
	key->family = family;
	key->proto = proto;
	if (family == AF_INET)
		cmp = segf_addr_cmp(saddr, daddr, 1);
	else
		cmp = segf_addr_cmp(saddr, daddr, 4);
	if (!cmp)
		cmp = segf_cmp(ntohs(sport), ntohs(dport));
	if (cmp > 0) {
		swap(saddr, daddr);
		swap(sport, dport);
	}
	if (family == AF_INET) {
		memcpy(&key->addr.v4[0], saddr, sizeof(key->addr.v4[0]));
		memcpy(&key->addr.v4[1], daddr, sizeof(key->addr.v4[1]));
	} else {
		memcpy(&key->addr.v6[0], saddr, sizeof(key->addr.v6[0]));
		memcpy(&key->addr.v6[1], daddr, sizeof(key->addr.v6[1]));
	}
	key->port[0] = sport;
	key->port[1] = dport;
	return cmp > 0;
}

static __always_inline bool
__segf_flow_key_make(const struct segf_pkt *pkt, struct segf_flow_key *key,
		     u8 *side)
{
	__be16 sport, dport;
	bool request;

	if (!(pkt->flags & SEGF_PKT_L4))
		return false;
	switch (pkt->l4proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		sport = pkt->sport;
		dport = pkt->dport;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (!segf_icmp_echo(pkt, &request))
			return false;
		/*
		 * Request and reply carry the same identifier: the request's
		 * end holds it, so that the other end's own requests with
		 * that identifier are another flow.
		 */
		sport = request ? pkt->icmp_id : 0;
		dport = request ? 0 : pkt->icmp_id;
		break;
	default:
		return false;
	}

	if (pkt->proto == htons(ETH_P_IP))
		*side = segf_flow_key_fill(key, AF_INET, pkt->l4proto,
					   &pkt->v4.saddr, &pkt->v4.daddr,
					   sport, dport);
	else
		*side = segf_flow_key_fill(key, AF_INET6, pkt->l4proto,
					   &pkt->v6.saddr, &pkt->v6.daddr,
					   sport, dport);
	return true;
}

/**
 * segf_flow_key_make - the canonical key of a packet's flow
 * @pkt: a parsed IPv4 or IPv6 packet
 * @key: filled in
 * @side: which end of the key sent @pkt (0 or 1)
 *
 * Return: false when the packet has no flow: not TCP, UDP or ICMP echo,
 * or a fragment that does not carry the transport header.
 */
bool segf_flow_key_make(const struct segf_pkt *pkt, struct segf_flow_key *key,
			u8 *side)
{
	return __segf_flow_key_make(pkt, key, side);
}

/**
 * segf_flow_key_quoted - the key of the flow an ICMP error is about
 * @pkt: a parsed ICMP or ICMPv6 error with a quote (SEGF_PKT_QUOTED)
 * @key: filled in
 *
 * The quoted packet was sent by the error's destination: the error goes
 * back to it.  A quote from anyone else is no flow's.
 *
 * Return: false when @pkt has no quote of a packet its destination sent.
 */
bool segf_flow_key_quoted(const struct segf_pkt *pkt,
			  struct segf_flow_key *key)
{
	if (!(pkt->flags & SEGF_PKT_QUOTED))
		return false;
	if (pkt->proto == htons(ETH_P_IP)) {
		if (pkt->quoted.addr.v4[0] != pkt->v4.daddr)
			return false;
		segf_flow_key_fill(key, AF_INET, pkt->quoted.proto,
				   &pkt->quoted.addr.v4[0],
				   &pkt->quoted.addr.v4[1],
				   pkt->quoted.sport, pkt->quoted.dport);
	} else {
		if (!ipv6_addr_equal(&pkt->quoted.addr.v6[0], &pkt->v6.daddr))
			return false;
		segf_flow_key_fill(key, AF_INET6, pkt->quoted.proto,
				   &pkt->quoted.addr.v6[0],
				   &pkt->quoted.addr.v6[1],
				   pkt->quoted.sport, pkt->quoted.dport);
	}
	return true;
}

struct segf_flow *segf_flow_lookup(struct segf_domain *dom,
				   const struct segf_flow_key *key)
{
	return rhashtable_lookup(&dom->flows, key, segf_flow_params);
}

/**
 * segf_flow_find - a packet's key and flow entry, in one call
 * @dom: its domain
 * @pkt: the packet
 * @found: filled in
 *
 * segf_flow_key_make() and segf_flow_lookup(), for the established
 * path.  Under rcu_read_lock().
 */
void segf_flow_find(struct segf_domain *dom, const struct segf_pkt *pkt,
		    struct segf_flow_found *found)
{
	found->pkt = pkt;
	found->flow = NULL;
	found->flowable = __segf_flow_key_make(pkt, &found->key,
					       &found->side);
	if (found->flowable)
		found->flow = rhashtable_lookup(&dom->flows, &found->key,
						segf_flow_params);
}

/* Nobody reads @flow any more. */
static void segf_flow_free(struct segf_flow *flow)
{
	struct metadata_dst *tun = rcu_dereference_protected(flow->tun, true);

	if (tun)
		dst_release(&tun->dst);
	kmem_cache_free(segf_flow_cache, flow);
}

/*
 * Closed flows wait for their grace period in batches.  A flood can
 * close thousands of flows a second; one RCU callback each would make
 * every rcu_barrier() on the host (each netdev unregistration has one)
 * wait for all of them, which takes seconds on a debug kernel.  So an
 * unlinked flow goes on a list of the CPU that unlinked it, and that
 * CPU's work item takes the list, waits for one grace period and frees
 * what it took.  Flows unlinked meanwhile wait for the next round.
 *
 * The work runs on the CPU whose list it empties: the CPU that evicts
 * or closes flows (a flood's) pays for freeing them, not the CPU of
 * another tenant that an unbound worker happens to run on, and the
 * objects go back to the slab of the CPU that likely allocated them.
 */
struct segf_flow_grave {
	struct llist_head flows;
	struct work_struct reap;
};

static DEFINE_PER_CPU(struct segf_flow_grave, segf_flow_graveyard);
/* Per CPU (not unbound), and with a rescuer: it frees memory. */
static struct workqueue_struct *segf_reap_wq;

static void segf_flow_reap(struct work_struct *work)
{
	struct segf_flow_grave *grave = container_of(work, struct segf_flow_grave,
						     reap);
	struct llist_node *batch = llist_del_all(&grave->flows);
	struct segf_flow *flow, *next;
	unsigned int n = 0;

	if (!batch)
		return;
	/* Every flow of the batch was unlinked before this grace period. */
	synchronize_rcu();
	llist_for_each_entry_safe(flow, next, batch, free_node) {
		segf_flow_free(flow);
		if (++n % SEGF_FLOW_REAP_BATCH == 0)
			cond_resched();
	}
}

/* Free @flow, just unlinked, once no reader can hold it. */
static void segf_flow_bury(struct segf_flow *flow)
{
	/* This CPU stays online until put_cpu(): its work can be queued. */
	int cpu = get_cpu();
	struct segf_flow_grave *grave = per_cpu_ptr(&segf_flow_graveyard, cpu);

	/*
	 * A CPU isolated from unbound work (nohz_full) is not given this
	 * either: an unbound worker frees its flows, as before.
	 */
	if (llist_add(&flow->free_node, &grave->flows)) {
		if (housekeeping_cpu(cpu, HK_TYPE_WQ))
			queue_work_on(cpu, segf_reap_wq, &grave->reap);
		else
			queue_work(segf_wq, &grave->reap);
	}
	put_cpu();
}

/*
 * The namespace's budget in two halves.  One is split evenly between as
 * many domains as the namespace may hold (max_domains_per_netns, or as
 * many as it holds if that was lowered below them): each domain's share
 * is its own, which no other domain can take, however busy, and which a
 * domain created last gets as well as the first.  The rest is a pool
 * that any domain draws on, first come, once its own share is full.
 * The shares and the pool add up to the budget.
 */
static void segf_flow_split(const struct segf_net *sn, unsigned int *share,
			    unsigned int *pool)
{
	unsigned int budget = READ_ONCE(segf_max_flows_per_netns);
	unsigned int domains = max3(READ_ONCE(segf_max_domains_per_netns),
				    READ_ONCE(sn->n_domains), 1U);

	*share = budget / 2 / domains;
	*pool = budget - *share * domains;
}

/* Count one more in @v if that keeps it at most @max. */
static bool segf_inc_upto(atomic_t *v, unsigned int max)
{
	int old = atomic_read(v);

	do {
		if ((unsigned int)old >= max)
			return false;
	} while (!atomic_try_cmpxchg(v, &old, old + 1));
	return true;
}

/* Give back a flow's place in its domain and namespace. */
static void segf_flow_unreserve(struct segf_domain *dom, bool pooled)
{
	if (pooled)
		atomic_dec(&dom->sn->n_pooled);
	else
		atomic_dec(&dom->n_own);
	atomic_dec(&dom->sn->n_flows);
	atomic_dec(&dom->n_flows);
}

/*
 * Take a place for one more flow, if the domain's limit and its share
 * or the pool leave one; *@pooled says which it came from.
 */
static bool segf_flow_reserve(struct segf_domain *dom, u32 limit,
			      bool *pooled)
{
	unsigned int budget = READ_ONCE(segf_max_flows_per_netns);
	struct segf_net *sn = dom->sn;
	unsigned int share, pool;

	segf_flow_split(sn, &share, &pool);
	if (!segf_inc_upto(&dom->n_flows, limit))
		return false;
	*pooled = !segf_inc_upto(&dom->n_own, share);
	if (*pooled && !segf_inc_upto(&sn->n_pooled, pool))
		goto undo_domain;
	/* Only a budget or a domain limit lowered under the flows held. */
	if (!segf_inc_upto(&sn->n_flows, budget))
		goto undo_share;
	return true;

undo_share:
	if (*pooled)
		atomic_dec(&sn->n_pooled);
	else
		atomic_dec(&dom->n_own);
undo_domain:
	atomic_dec(&dom->n_flows);
	return false;
}

/*
 * Whether one flow less would make room: the table is at its limits,
 * not over one that was lowered (then flows leave as they expire).  An
 * evicted flow of the domain frees its place in the domain and in its
 * own share or the pool, whichever it came from; so it helps if either
 * is not over its size.
 */
static bool segf_flow_full(struct segf_domain *dom, u32 limit)
{
	unsigned int budget = READ_ONCE(segf_max_flows_per_netns);
	unsigned int share, pool;

	segf_flow_split(dom->sn, &share, &pool);
	return limit && atomic_read(&dom->n_flows) <= limit &&
	       (atomic_read(&dom->n_own) <= share ||
		atomic_read(&dom->sn->n_pooled) <= pool) &&
	       atomic_read(&dom->sn->n_flows) <= budget;
}

/* Unlink @flow; whoever unlinks it first frees it, and returns true. */
static bool segf_flow_unlink(struct segf_domain *dom, struct segf_flow *flow)
{
	if (rhashtable_remove_fast(&dom->flows, &flow->node, segf_flow_params))
		return false;
	segf_flow_unreserve(dom, flow->pooled);
	segf_flow_bury(flow);
	return true;
}

void segf_flow_remove(struct segf_domain *dom, struct segf_flow *flow)
{
	segf_flow_unlink(dom, flow);
}

/**
 * segf_flow_update - follow a packet of @flow sent by end @side
 * @flow: the flow
 * @pkt: the packet
 * @side: the end of the key that sent it
 * @now: jiffies
 *
 * Concurrent updates from several CPUs may interleave: the worst they
 * do is pick one of two timeouts that each packet alone would give.
 */
void segf_flow_update(struct segf_flow *flow, const struct segf_pkt *pkt,
		      u8 side, unsigned long now)
{
	bool reply = side != flow->init_side;
	bool replied = READ_ONCE(flow->replied);
	u8 state = READ_ONCE(flow->state);
	u8 flags = pkt->tcp_flags;
	u32 expires;

	if (reply && !replied) {
		replied = true;
		WRITE_ONCE(flow->replied, true);
	}

	switch (state) {
	case SEGF_FLOW_UDP:
		if (reply)
			state = SEGF_FLOW_UDP_REPLIED;
		break;
	case SEGF_FLOW_UDP_REPLIED:
	case SEGF_FLOW_ICMP:
		break;
	default:
		if (flags & TCPHDR_RST) {
			state = SEGF_FLOW_TCP_CLOSED;
		} else if (flags & TCPHDR_FIN) {
			u8 fin = READ_ONCE(flow->fin) | BIT(side);

			WRITE_ONCE(flow->fin, fin);
			state = fin == 3 ? SEGF_FLOW_TCP_CLOSED :
					   SEGF_FLOW_TCP_FIN_WAIT;
		} else if (state == SEGF_FLOW_TCP_SYN_SENT && reply &&
			   (flags & (TCPHDR_SYN | TCPHDR_ACK)) ==
			   (TCPHDR_SYN | TCPHDR_ACK)) {
			state = SEGF_FLOW_TCP_SYN_RECV;
		} else if (state == SEGF_FLOW_TCP_SYN_RECV && !reply &&
			   (flags & TCPHDR_ACK) && !(flags & TCPHDR_SYN)) {
			state = SEGF_FLOW_TCP_ESTABLISHED;
		}
		break;
	}
	if (state != flow->state)
		WRITE_ONCE(flow->state, state);
	/* Spare the cache line when the deadline moves by less than 1 s. */
	expires = now + segf_flow_ttl(state, replied);
	if (abs((s32)(expires - READ_ONCE(flow->expires))) >= HZ)
		WRITE_ONCE(flow->expires, expires);
}

/* A newer generation @gen still lets @flow go, as @v and @path say. */
/* Whether two paths cross the same services, in the same order. */
static bool segf_path_same_services(const struct segf_path *a,
				    const struct segf_path *b)
{
	unsigned int i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (a->hop[i].service != b->hop[i].service)
			return false;
	return true;
}

void segf_flow_rejudged(struct segf_flow *flow, u64 gen,
			const struct segf_verdict *v,
			const struct segf_path *path)
{
	spin_lock(&flow->lock);
	/* Never back: a CPU still on an older generation loses. */
	if (gen > flow->gen) {
		/* Frames still in its old services come back to nothing. */
		if (flow->action == SEGFILTER_ACTION_REDIRECT &&
		    (!path || !segf_path_same_services(&flow->path, path)))
			WRITE_ONCE(flow->path_changed, true);
		write_seqcount_begin(&flow->seq);
		flow->gen = gen;
		flow->rule = v->rule;
		flow->action = v->action;
		WRITE_ONCE(flow->ends[0], NULL);
		WRITE_ONCE(flow->ends[1], NULL);
		if (path)
			flow->path = *path;
		else
			flow->path.n = 0;
		write_seqcount_end(&flow->seq);
	}
	spin_unlock(&flow->lock);
}

/*
 * Pin @flow to instance @inst, incarnation @incarn, of the service at
 * @hop of its path.
 */
void segf_flow_pin(struct segf_flow *flow, unsigned int hop, u16 service,
		   u8 inst, u8 incarn)
{
	spin_lock(&flow->lock);
	/* Unless a new generation gave it another path meanwhile. */
	if (hop < flow->path.n && flow->path.hop[hop].service == service) {
		write_seqcount_begin(&flow->seq);
		flow->path.hop[hop].inst = inst;
		flow->path.hop[hop].incarn = incarn;
		write_seqcount_end(&flow->seq);
	}
	spin_unlock(&flow->lock);
}

/*
 * What picks the instances of @flow's services: its key hashed with the
 * domain's seed.  The key is canonical: both directions hash alike.
 * Computed when an instance is picked, not kept in every flow.
 */
u32 segf_flow_hash(const struct segf_domain *dom, const struct segf_flow *flow)
{
	return jhash2((const u32 *)&flow->key,
		      sizeof(flow->key) / sizeof(u32), dom->flow_seed);
}

/**
 * segf_flow_learn - the ends of a flow, as a packet found them
 * @flow: the flow the packet was let go by, not redirected
 * @gen: the generation that judged it
 * @side: the end of the key that sent it
 * @src: its sender, which owns that end's address
 * @dst: its destination, which owns the other's
 *
 * Kept only while @flow is of generation @gen: see segf_flow_known().
 * Written once per flow and generation, not per packet.
 */
void segf_flow_learn(struct segf_flow *flow, u64 gen, u8 side,
		     const struct segf_endpoint *src,
		     const struct segf_endpoint *dst)
{
	if (READ_ONCE(flow->ends[side]) == src &&
	    READ_ONCE(flow->ends[!side]) == dst)
		return;
	spin_lock(&flow->lock);
	if (flow->gen == gen) {
		write_seqcount_begin(&flow->seq);
		WRITE_ONCE(flow->ends[side], src);
		WRITE_ONCE(flow->ends[!side], dst);
		write_seqcount_end(&flow->seq);
	}
	spin_unlock(&flow->lock);
}

/* The state a flow opened by @pkt starts in. */
static u8 segf_flow_first_state(const struct segf_pkt *pkt)
{
	switch (pkt->l4proto) {
	case IPPROTO_TCP:
		if ((pkt->tcp_flags & (TCPHDR_SYN | TCPHDR_ACK)) == TCPHDR_SYN)
			return SEGF_FLOW_TCP_SYN_SENT;
		/* Picked up mid-stream, e.g. after the module was reloaded. */
		return SEGF_FLOW_TCP_ESTABLISHED;
	case IPPROTO_UDP:
		return SEGF_FLOW_UDP;
	default:
		return SEGF_FLOW_ICMP;
	}
}

/* Whether @pkt, allowed, should open a flow at all. */
bool segf_flow_opens(const struct segf_pkt *pkt)
{
	bool request;

	if (pkt->l4proto == IPPROTO_TCP)
		return !(pkt->tcp_flags & TCPHDR_RST);
	if (pkt->l4proto == IPPROTO_UDP)
		return true;
	return segf_icmp_echo(pkt, &request) && request;
}

static void segf_flow_count_evicted(struct segf_domain *dom)
{
	struct segf_pcpu_stats *s = this_cpu_ptr(dom->stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->flows_evicted);
	u64_stats_update_end(&s->syncp);
}

/*
 * Early drop, for a new flow @key in a full table: of the first few
 * entries from @key's bucket on, unlink the unanswered (or expired) one
 * that expires first.  Bounded work, whatever the table holds; an
 * answered flow that lives is never a victim.
 *
 * Return: whether a flow was evicted.
 */
static bool segf_flow_evict(struct segf_domain *dom,
			    const struct segf_flow_key *key, unsigned long now)
{
	struct bucket_table *tbl = rht_dereference_rcu(dom->flows.tbl,
						       &dom->flows);
	struct segf_flow *flow, *victim = NULL;
	unsigned int hash, i, seen = 0;
	struct rhash_head *pos;

	hash = rht_key_hashfn(&dom->flows, tbl, key, segf_flow_params);
	for (i = 0; i < SEGF_FLOW_EVICT_BUCKETS && i < tbl->size &&
	     seen < SEGF_FLOW_EVICT_ENTRIES; i++) {
		rht_for_each_entry_rcu(flow, pos, tbl,
				       (hash + i) & (tbl->size - 1), node) {
			if ((!READ_ONCE(flow->replied) ||
			     segf_flow_expired(flow, now)) &&
			    (!victim ||
			     time_before32(READ_ONCE(flow->expires),
					   READ_ONCE(victim->expires))))
				victim = flow;
			if (++seen == SEGF_FLOW_EVICT_ENTRIES)
				break;
		}
	}
	if (!victim || !segf_flow_unlink(dom, victim))
		return false;
	segf_flow_count_evicted(dom);
	return true;
}

/**
 * segf_flow_create - remember an allowed packet's flow
 * @dom: its domain
 * @pol: the generation that allowed it
 * @key: its canonical key
 * @side: the end of @key that sent it, the flow's initiator
 * @pkt: the packet
 * @v: the verdict
 * @path: for a redirect, the services it crosses; else NULL
 *
 * Return: the flow (possibly one another CPU created at the same time),
 * or NULL when there is no room or no memory; the caller counts that.
 * Called under rcu_read_lock(), in softirq or with bottom halves off.
 */
struct segf_flow *segf_flow_create(struct segf_domain *dom,
				   const struct segf_policy *pol,
				   const struct segf_flow_key *key, u8 side,
				   const struct segf_pkt *pkt,
				   const struct segf_verdict *v,
				   const struct segf_path *path)
{
	u32 limit = pol->cfg.flow_limit;
	struct segf_flow *flow, *old;
	struct mem_cgroup *memcg;
	unsigned long now = jiffies;
	bool pooled;

	if (!segf_flow_reserve(dom, limit, &pooled) &&
	    (!segf_flow_full(dom, limit) || !segf_flow_evict(dom, key, now) ||
	     !segf_flow_reserve(dom, limit, &pooled)))
		return NULL;
	/*
	 * The domain's creator pays, up to its cgroup's memory.max: no
	 * __GFP_HIGH, which would let the charge go over it.
	 */
	memcg = set_active_memcg(dom->memcg);
	flow = kmem_cache_zalloc(segf_flow_cache,
				 GFP_NOWAIT | __GFP_NOWARN | __GFP_ACCOUNT);
	if (!flow)
		goto err_count;
	flow->key = *key;
	flow->pooled = pooled;
	spin_lock_init(&flow->lock);
	seqcount_spinlock_init(&flow->seq, &flow->lock);
	flow->init_side = side;
	flow->gen = pol->gen;
	flow->rule = v->rule;
	flow->action = v->action;
	if (path)
		flow->path = *path;
	flow->state = segf_flow_first_state(pkt);
	flow->expires = now + segf_flow_ttl(flow->state, false);

	old = rhashtable_lookup_get_insert_fast(&dom->flows, &flow->node,
						segf_flow_params);
	set_active_memcg(memcg);
	if (old) {
		kmem_cache_free(segf_flow_cache, flow);
		segf_flow_unreserve(dom, pooled);
		return IS_ERR(old) ? NULL : old;
	}
	if (!delayed_work_pending(&dom->flow_gc))
		queue_delayed_work(segf_wq, &dom->flow_gc,
				   SEGF_FLOW_GC_INTERVAL);
	return flow;

err_count:
	set_active_memcg(memcg);
	segf_flow_unreserve(dom, pooled);
	return NULL;
}

/* Reclaim expired flows, a batch at a time; again later while any are left. */
static void segf_flow_gc(struct work_struct *work)
{
	struct segf_domain *dom = container_of(to_delayed_work(work),
					       struct segf_domain, flow_gc);
	unsigned long now = jiffies;
	struct rhashtable_iter iter;
	struct segf_flow *flow;
	unsigned int n = 0;

	rhashtable_walk_enter(&dom->flows, &iter);
	rhashtable_walk_start(&iter);
	while ((flow = rhashtable_walk_next(&iter))) {
		if (IS_ERR(flow)) {
			if (PTR_ERR(flow) == -EAGAIN)
				continue;
			break;
		}
		if (segf_flow_expired(flow, now))
			segf_flow_remove(dom, flow);
		if (++n % SEGF_FLOW_GC_BATCH == 0) {
			rhashtable_walk_stop(&iter);
			cond_resched();
			rhashtable_walk_start(&iter);
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);

	if (atomic_read(&dom->n_flows))
		queue_delayed_work(segf_wq, &dom->flow_gc,
				   SEGF_FLOW_GC_INTERVAL);
}

/*
 * Called by segf_domain_create(), in the process context of the request
 * that creates @dom, with segf_net::lock held: the flow table counts as
 * one of the namespace's domains, and the flows are charged to the
 * memory cgroup of that request's task for as long as @dom lives.
 */
int segf_flows_init(struct segf_domain *dom)
{
	int err;

	BUILD_BUG_ON(sizeof(struct segf_flow_key) % sizeof(u32));
	BUILD_BUG_ON(sizeof(struct segf_flow_key) != 5 * sizeof(u64));
	BUILD_BUG_ON(offsetof(struct segf_flow, key) % sizeof(u64));
	segf_assert_locked(dom->sn);
	dom->flow_seed = get_random_u32();
	atomic_set(&dom->n_flows, 0);
	atomic_set(&dom->n_own, 0);
	INIT_DELAYED_WORK(&dom->flow_gc, segf_flow_gc);
	err = rhashtable_init(&dom->flows, &segf_flow_params);
	if (err)
		return err;
	dom->memcg = get_mem_cgroup_from_mm(current->mm);
	WRITE_ONCE(dom->sn->n_domains, dom->sn->n_domains + 1);
	return 0;
}

static void segf_flow_free_one(void *ptr, void *arg)
{
	struct segf_flow *flow = ptr;
	struct segf_net *sn = arg;

	if (flow->pooled)
		atomic_dec(&sn->n_pooled);
	segf_flow_free(flow);
}

/* No reader can reach the domain any more (its ports are gone). */
void segf_flows_destroy(struct segf_domain *dom)
{
	segf_assert_locked(dom->sn);
	cancel_delayed_work_sync(&dom->flow_gc);
	atomic_sub(atomic_read(&dom->n_flows), &dom->sn->n_flows);
	rhashtable_free_and_destroy(&dom->flows, segf_flow_free_one, dom->sn);
	mem_cgroup_put(dom->memcg);
	dom->memcg = NULL;
	WRITE_ONCE(dom->sn->n_domains, dom->sn->n_domains - 1);
}

/* Not __init: the KUnit suites make the cache when init has not run. */
int segf_flow_cache_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct segf_flow_grave *grave;

		grave = per_cpu_ptr(&segf_flow_graveyard, cpu);
		init_llist_head(&grave->flows);
		INIT_WORK(&grave->reap, segf_flow_reap);
	}
	segf_reap_wq = alloc_workqueue("segfilter_reap", WQ_MEM_RECLAIM, 0);
	if (!segf_reap_wq)
		return -ENOMEM;
	segf_flow_cache = KMEM_CACHE(segf_flow, SLAB_ACCOUNT);
	if (!segf_flow_cache) {
		destroy_workqueue(segf_reap_wq);
		return -ENOMEM;
	}
	return 0;
}

/*
 * After segf_wq is drained (its garbage collectors bury flows): the
 * flows still buried are freed as the workqueue is destroyed.
 */
void segf_flow_cache_uninit(void)
{
	destroy_workqueue(segf_reap_wq);
	kmem_cache_destroy(segf_flow_cache);
}
