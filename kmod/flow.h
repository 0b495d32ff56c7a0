/* SPDX-License-Identifier: GPL-2.0 */
/*
 * segfilter: the flow table of a domain (flow.c).
 */
#ifndef _SEGF_FLOW_H
#define _SEGF_FLOW_H

#include <linux/in6.h>
#include <linux/jiffies.h>
#include <linux/llist.h>
#include <linux/rhashtable-types.h>
#include <linux/seqlock.h>
#include <linux/spinlock_types.h>
#include <linux/types.h>

#include "service.h"

struct metadata_dst;
struct segf_domain;
struct segf_endpoint;
struct segf_pkt;
struct segf_policy;
struct segf_rule;
struct segf_verdict;

enum segf_flow_state {
	SEGF_FLOW_TCP_SYN_SENT,
	SEGF_FLOW_TCP_SYN_RECV,
	SEGF_FLOW_TCP_ESTABLISHED,
	SEGF_FLOW_TCP_FIN_WAIT,
	SEGF_FLOW_TCP_CLOSED,
	SEGF_FLOW_UDP,
	SEGF_FLOW_UDP_REPLIED,
	SEGF_FLOW_ICMP,
	__SEGF_FLOW_STATE_MAX
};

/*
 * The canonical five-tuple: end 0 sorts before end 1.  Zero it first.
 * Aligned so that lookups compare it as u64 words (segf_flow_cmp()).
 */
struct segf_flow_key {
	union {
		__be32 v4[2];
		struct in6_addr v6[2];
	} addr;
	__be16 port[2];			/* TCP/UDP ports; ICMP: echo id, 0 */
	u8 family;
	u8 proto;
	u8 pad[2];
} __aligned(8);

struct segf_flow {
	struct rhash_head node;		/* in segf_domain::flows */
	struct segf_flow_key key;
	u8 init_side;			/* the end that opened it */
	u8 state;			/* enum segf_flow_state */
	u8 fin;				/* FIN seen from end 0 (bit 0), 1 */
	u8 action;
	bool replied;			/* a packet of the other end seen */
	bool pooled;			/* counted in segf_net::n_pooled */
	bool path_changed;		/* a new policy redirected it elsewhere */
	/*
	 * The verdict: the generation that judged it last and the rule that
	 * decided (NULL: the default).  The rule may be freed once its
	 * generation is, so the two are read together under @seq and the
	 * generation only moves forward.
	 */
	spinlock_t lock;
	seqcount_spinlock_t seq;
	u64 gen;
	struct segf_rule *rule;
	/*
	 * The endpoints generation @gen found at the ends of @key of an
	 * allowed flow: @ends[i] owns @key's address i (the sender check
	 * and the destination check agree on what that means), NULL where
	 * not known yet.  Written with @gen, under @seq (segf_flow_learn());
	 * a new @gen clears them.  Only compared, or read, while @gen is
	 * the reader's: an endpoint that generation sees is not freed
	 * before the reader's grace period ends.
	 */
	const struct segf_endpoint *ends[2];
	/*
	 * jiffies, 32 bits of them (time_after32()): no flow idles longer
	 * than 5 days, nor lingers expired for weeks, whatever HZ is.
	 * With the fields above, in the first 100 bytes: all that an
	 * established packet reads (it read up to byte 136 before).
	 */
	u32 expires;
	struct segf_path path;		/* ACTION_REDIRECT only */
	/*
	 * The tunnel metadata of the direction that leaves by an uplink, if
	 * one does: built once, used by every frame while the remote end
	 * stays where it is.  Holds a reference; see segf_tunnel_dst().
	 */
	struct metadata_dst __rcu *tun;
	struct llist_node free_node;	/* unlinked: see segf_flow_bury() */
};

/*
 * A packet's flow entry as segf_flow_find() found it: looked up once per
 * frame, by segf_established() and, where that does not take the frame,
 * by the verdict after it.  @key and @side only if @flowable.
 */
struct segf_flow_found {
	const struct segf_pkt *pkt;	/* the packet it is for */
	struct segf_flow *flow;		/* NULL: none */
	bool flowable;
	u8 side;
	struct segf_flow_key key;
};

/* A flow's verdict, read at once: see segf_flow_read(). */
struct segf_flow_verdict {
	u64 gen;
	struct segf_rule *rule;
	u8 action;
	struct segf_path path;
};

/* flow.c */
bool segf_flow_key_make(const struct segf_pkt *pkt, struct segf_flow_key *key,
			u8 *side);
bool segf_flow_key_quoted(const struct segf_pkt *pkt,
			  struct segf_flow_key *key);
struct segf_flow *segf_flow_lookup(struct segf_domain *dom,
				   const struct segf_flow_key *key);
void segf_flow_find(struct segf_domain *dom, const struct segf_pkt *pkt,
		    struct segf_flow_found *found);
bool segf_flow_opens(const struct segf_pkt *pkt);
struct segf_flow *segf_flow_create(struct segf_domain *dom,
				   const struct segf_policy *pol,
				   const struct segf_flow_key *key, u8 side,
				   const struct segf_pkt *pkt,
				   const struct segf_verdict *v,
				   const struct segf_path *path);
void segf_flow_update(struct segf_flow *flow, const struct segf_pkt *pkt,
		      u8 side, unsigned long now);
void segf_flow_rejudged(struct segf_flow *flow, u64 gen,
			const struct segf_verdict *v,
			const struct segf_path *path);
void segf_flow_pin(struct segf_flow *flow, unsigned int hop, u16 service,
		   u8 inst, u8 incarn);
void segf_flow_learn(struct segf_flow *flow, u64 gen, u8 side,
		     const struct segf_endpoint *src,
		     const struct segf_endpoint *dst);
void segf_flow_remove(struct segf_domain *dom, struct segf_flow *flow);
unsigned int segf_flow_timeout(u8 state);
u32 segf_flow_hash(const struct segf_domain *dom,
		   const struct segf_flow *flow);
int segf_flows_init(struct segf_domain *dom);
void segf_flows_destroy(struct segf_domain *dom);
int segf_flow_cache_init(void);
void segf_flow_cache_uninit(void);

/* Inline: both are on every established packet's path. */
static inline bool segf_flow_expired(const struct segf_flow *flow,
				     unsigned long now)
{
	return time_after32((u32)now, READ_ONCE(flow->expires));
}

/**
 * segf_flow_read - a flow's verdict
 * @flow: the flow
 * @fv: its generation, rule (NULL: the default), action and path
 *
 * @fv->rule may be used only if @fv->gen is the generation the caller
 * reads, which keeps the rule alive.
 */
static inline void segf_flow_read(struct segf_flow *flow,
				  struct segf_flow_verdict *fv)
{
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&flow->seq);
		fv->gen = flow->gen;
		fv->rule = flow->rule;
		fv->action = flow->action;
		fv->path = flow->path;
	} while (read_seqcount_retry(&flow->seq, seq));
}

/**
 * segf_flow_known - an allowed flow whose ends generation @gen knows
 * @flow: the flow
 * @gen: the generation the packet is judged by
 * @side: the end of the key that sent it
 * @src: the endpoint that sent it
 * @dst: the endpoint at the other end, set when it returns true
 * @rule: the rule that let the flow go (NULL: the default), likewise
 *
 * Return: whether @flow is allowed (not redirected) by generation @gen,
 * which found @src at end @side and *@dst at the other: the packet needs
 * neither the sender check nor the destination's lookup and check.
 */
static inline bool segf_flow_known(struct segf_flow *flow, u64 gen, u8 side,
				   const struct segf_endpoint *src,
				   const struct segf_endpoint **dst,
				   struct segf_rule **rule)
{
	unsigned int seq;
	bool known;

	do {
		seq = read_seqcount_begin(&flow->seq);
		known = flow->gen == gen &&
			flow->action == SEGFILTER_ACTION_ALLOW &&
			flow->ends[side] == src && flow->ends[!side];
		*dst = flow->ends[!side];
		*rule = flow->rule;
	} while (read_seqcount_retry(&flow->seq, seq));
	return known;
}

#endif /* _SEGF_FLOW_H */
