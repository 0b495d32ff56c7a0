/* SPDX-License-Identifier: GPL-2.0 */
/*
 * segfilter: rules, the rule index and a domain's policy generations
 * (policy.c), and what the policy decides for a packet.
 */
#ifndef _SEGF_POLICY_H
#define _SEGF_POLICY_H

#include <linux/bits.h>
#include <linux/lockdep.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>

#include "counter.h"
#include "domain.h"
#include "segfilter.h"

struct netlink_ext_ack;
struct segf_bum_hosts;
struct segf_chain;
struct segf_pfx_table;

enum segf_rule_flags {
	SEGF_RULE_PORTS		= BIT(0),	/* port_min..port_max apply */
	SEGF_RULE_ICMP_TYPE	= BIT(1),	/* icmp_type applies */
	SEGF_RULE_LOG		= BIT(2),	/* emit a verdict event */
};

struct segf_rule {
	u32 id;
	u32 prio;			/* lower first, then by id */
	u16 src_group;			/* 0: any group */
	u16 dst_group;
	u16 port_min;
	u16 port_max;
	u8 proto;			/* 0: any */
	u8 icmp_type;
	u8 action;			/* enum segfilter_action */
	u8 flags;			/* enum segf_rule_flags */
	bool dying;			/* deleted by the commit being built */
	u16 ctr_slot;			/* its counters: a slot of ctrs */
	/* NULL until linked (counter.c); its pool knows the domain */
	struct segf_ctr_block *ctrs;
	struct segf_chain *chain;	/* ACTION_REDIRECT only */
	union {
		/*
		 * The rule of the same id that the commit being built
		 * deleted and this one replaced in segf_domain::rules: the
		 * current generation still uses it, a rollback puts it
		 * back.  NULL outside commits.
		 */
		struct segf_rule *shadow;
		/*
		 * Freed with an old generation: once out of the rule table,
		 * a rule is nobody's shadow and has none.
		 */
		struct segf_rule *next_free;
	};
};

/* The rules of one (source group, destination group) pair, folded. */
struct segf_pair {
	u32 key;			/* source << 16 | destination */
	u32 n;				/* 0: an empty slot */
	u32 start;			/* its rules: lists[start..start + n) */
};

/*
 * The rule index: immutable once built, shared by successive policy
 * generations whose rules are the same.
 */
struct segf_index {
	refcount_t ref;
	unsigned int slots;		/* at most 2/3 of them hold a pair */
	unsigned int n_rules;
	unsigned int n_pairs;
	unsigned int n_refs;		/* entries of lists */
	struct segf_pair *pairs;
	struct segf_rule **lists;	/* each pair's, by priority, then id */
};

/*
 * The domain of a rule linked to it: a rule does not spend a pointer of
 * its own on it, its counters' pool knows it.
 */
static inline struct segf_domain *segf_rule_domain(const struct segf_rule *rule)
{
	return rule->ctrs->pool->dom;
}

/* The @i-th rule of @p, a pair of @idx. */
static inline struct segf_rule *segf_pair_rule(const struct segf_index *idx,
					       const struct segf_pair *p,
					       unsigned int i)
{
	return idx->lists[p->start + i];
}

/*
 * One generation of a domain's policy: published with a single pointer
 * swap, read by the data path under RCU, freed (with the rules it alone
 * still referenced) a grace period after it was replaced.
 */
struct segf_policy {
	u64 gen;
	struct segf_domain_cfg cfg;
	struct segf_index *index;
	struct segf_pfx_table *prefixes;	/* NULL: none (prefix.h) */
	struct segf_bum_hosts *hosts;	/* NULL: none (bum.c) */
	struct segf_rule *free_rules;
	struct rcu_work free_work;
};

/* What the policy decided for a packet. */
struct segf_verdict {
	u8 action;
	struct segf_rule *rule;		/* NULL: the domain's default */
};

/* The policy-relevant fields of a packet. */
struct segf_match {
	u8 proto;
	u8 icmp_type;
	bool has_ports;
	bool has_type;
	u16 dport;
};

/* policy.c */
int segf_rule_link(struct segf_domain *dom, struct segf_rule *rule,
		   struct netlink_ext_ack *extack);
void segf_rule_unlink(struct segf_rule *rule);
void segf_rule_retire(struct segf_rule *rule);
void segf_rule_revive(struct segf_rule *rule);
int segf_rule_cache_init(void);
void segf_rule_cache_uninit(void);
struct segf_rule *segf_rule_alloc(void);
void segf_rule_free(struct segf_rule *rule);
void segf_rule_read_stats(const struct segf_rule *rule, u64 *packets,
			  u64 *bytes);
bool segf_rule_matches(const struct segf_rule *rule,
		       const struct segf_match *m);
int segf_index_build(struct segf_rule **rules, unsigned int n,
		     struct segf_index **out, struct netlink_ext_ack *extack);
void segf_index_put(struct segf_index *idx);
const struct segf_pair *segf_index_pair(const struct segf_index *idx,
					u16 src, u16 dst);
struct segf_rule *segf_index_lookup(const struct segf_index *idx, u16 src,
				    u16 dst, const struct segf_match *m);
int segf_policy_init(struct segf_domain *dom,
		     const struct segf_domain_cfg *cfg);
int segf_policy_build(struct segf_domain *dom, struct segf_policy **out,
		      struct netlink_ext_ack *extack);
void segf_policy_publish(struct segf_domain *dom, struct segf_policy *pol);
void segf_policy_release(struct segf_policy *pol);
struct segf_policy *segf_policy_current(struct segf_domain *dom);
void segf_policy_bump(struct segf_domain *dom);
void segf_policy_destroy(struct segf_domain *dom);

/*
 * The configuration of the current generation, for the control path.
 * Here rather than in domain.h: it reads the domain's policy.
 */
static inline const struct segf_domain_cfg *
segf_domain_cfg(struct segf_domain *dom)
{
	return &rcu_dereference_protected(dom->policy,
					  lockdep_is_held(&dom->sn->lock))->cfg;
}

/* The configuration as the commit being built leaves it. */
static inline const struct segf_domain_cfg *
segf_domain_next_cfg(struct segf_domain *dom)
{
	return dom->touched ? &dom->next_cfg : segf_domain_cfg(dom);
}

#endif /* _SEGF_POLICY_H */
