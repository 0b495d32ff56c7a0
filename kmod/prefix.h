/* SPDX-License-Identifier: GPL-2.0 */
/*
 * segfilter: prefix groups (prefix.c).  A group may hold address
 * prefixes: a peer that is not an endpoint of the domain is of the group
 * of the longest prefix that holds its address.
 */
#ifndef _SEGF_PREFIX_H
#define _SEGF_PREFIX_H

#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/types.h>

#include "domain.h"

struct netlink_ext_ack;
struct segf_policy;

/* A prefix's key: zero the padding and every bit past @len. */
struct segf_pfx_key {
	struct segf_addr addr;
	u8 len;
	u8 pad[3];
};

/* One prefix of a domain, for the control path. */
struct segf_prefix {
	struct rhlist_head node;	/* in segf_domain::prefix_keys */
	/* Zeroed padding, the whole a key: aligned for jhash2's words. */
	struct segf_pfx_key key __aligned(4);
	u32 index;			/* in segf_domain::prefixes */
	struct segf_domain *domain;
	struct segf_group *group;	/* live while the prefix names it */
	bool dying;			/* deleted by the commit being built */
	struct rcu_head rcu;
};

/* A slot of the lookup table: empty while @group is NULL. */
struct segf_pfx_slot {
	struct segf_group *group;
	struct segf_pfx_key key;
};

/*
 * The prefix lookup: built at commit, immutable, shared by the policy
 * generations whose prefixes are the same.  One open addressing table
 * of every prefix, keyed by (family, length, masked address), and for
 * each family the lengths in use, longest first: a lookup probes once
 * per length in use, whatever the number of prefixes.
 */
struct segf_pfx_table {
	refcount_t ref;
	u32 seed;			/* of the hash: random, per table */
	unsigned int slots;		/* at most 2/3 of them hold a prefix */
	unsigned int n;
	u8 n_lens4;
	u8 n_lens6;
	u8 lens4[33];
	u8 lens6[129];
	struct segf_pfx_slot *tab;
};

/* prefix.c */
struct segf_group *segf_prefix_group(const struct segf_policy *pol,
				     const struct segf_addr *addr);
const struct segf_pfx_slot *segf_pfx_find(const struct segf_pfx_table *t,
					  const struct segf_addr *addr);
int segf_pfx_table_build(struct segf_prefix *const *pfx, unsigned int n,
			 struct segf_pfx_table **out);
void segf_pfx_table_put(struct segf_pfx_table *t);
struct segf_pfx_table *segf_pfx_table_get(struct segf_pfx_table *t);
void segf_pfx_mask(struct segf_addr *addr, unsigned int len);
bool segf_pfx_host_bits(const struct segf_addr *addr, unsigned int len);

int segf_prefixes_init(struct segf_domain *dom);
void segf_prefixes_destroy(struct segf_domain *dom);
struct segf_prefix *segf_prefix_find(struct segf_domain *dom,
				     const struct segf_pfx_key *key);
int segf_prefix_create(struct segf_domain *dom, const struct segf_pfx_key *key,
		       struct segf_group *grp, struct segf_prefix **out,
		       struct netlink_ext_ack *extack);
void segf_prefix_unlink(struct segf_prefix *pfx);
void segf_prefix_retire(struct segf_prefix *pfx);
void segf_prefix_revive(struct segf_prefix *pfx);
int segf_prefixes_build(struct segf_domain *dom, struct segf_pfx_table **out);
void segf_prefixes_publish(struct segf_domain *dom);

#endif /* _SEGF_PREFIX_H */
