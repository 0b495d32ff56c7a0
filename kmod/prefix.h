/* SPDX-License-Identifier: GPL-2.0 */
/*
 * segfilter: prefix groups (prefix.c).  A group may hold address
 * prefixes: a peer that is not an endpoint of the domain is of the group
 * of the longest prefix that holds its address.  An endpoint may own
 * prefixes too (a subnet behind a router VM, a virtual IP): the frames
 * to an address they hold are routed to it, and it may send from them.
 */
#ifndef _SEGF_PREFIX_H
#define _SEGF_PREFIX_H

#include <linux/if_ether.h>
#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/types.h>

#include "domain.h"

struct netlink_ext_ack;
struct segf_endpoint;
struct segf_policy;

/* A prefix's key: zero the padding and every bit past @len. */
struct segf_pfx_key {
	struct segf_addr addr;
	u8 len;
	u8 pad[3];
};

/*
 * Who owns an endpoint's prefix, for the data path: the endpoint of
 * this MAC that was born in this generation.  One deleted and added
 * again (a change in place) is another owner, which the commit that
 * added it names again.
 */
struct segf_pfx_owner {
	u64 born;
	u8 mac[ETH_ALEN];
};

/*
 * One prefix of a domain, for the control path: a group's, or (with
 * @owned) an endpoint's.  An owned prefix is on its endpoint's list
 * while it has one: deleting the endpoint, in a commit or outside one
 * (its port detached), deletes its prefixes with it.
 */
struct segf_prefix {
	struct rhlist_head node;	/* in segf_domain::prefix_keys */
	/* Zeroed padding, the whole a key: aligned for jhash2's words. */
	struct segf_pfx_key key __aligned(4);
	u32 index;			/* in segf_domain::prefixes */
	struct segf_domain *domain;
	struct segf_group *group;	/* live while the prefix names it */
	bool dying;			/* deleted by the commit being built */
	bool owned;			/* an endpoint's: @group is NULL */
	struct segf_pfx_owner own;
	struct segf_endpoint *owner;	/* live while it has the prefix */
	struct list_head owner_node;	/* in segf_endpoint::owned */
	struct rcu_head rcu;
};

/*
 * A slot of the lookup table: empty while the key's family is 0.  A
 * group's prefix has @group; an endpoint's (SEGF_PFX_OWNED in the key's
 * first pad byte, which lookups do not compare) has @own, in the
 * table's @owners.  32 bytes, owned or not.
 */
struct segf_pfx_slot {
	struct segf_pfx_key key;
	union {
		struct segf_group *group;
		const struct segf_pfx_owner *own;
	};
};

#define SEGF_PFX_OWNED	1

static inline bool segf_pfx_slot_owned(const struct segf_pfx_slot *s)
{
	return s->key.pad[0] & SEGF_PFX_OWNED;
}

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
	struct segf_pfx_owner *owners;	/* of the owned slots */
};

/* prefix.c */
struct segf_group *segf_prefix_group(const struct segf_policy *pol,
				     const struct segf_addr *addr);
struct segf_endpoint *segf_prefix_owner(struct segf_domain *dom,
					const struct segf_policy *pol,
					const struct segf_addr *addr);
bool segf_prefix_owned_by(const struct segf_policy *pol,
			  const struct segf_addr *addr,
			  const struct segf_endpoint *ep);
bool segf_prefix_held_by(const struct segf_policy *pol,
			 const struct segf_addr *addr,
			 const struct segf_endpoint *ep);
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
		       struct segf_group *grp, struct segf_endpoint *owner,
		       struct segf_prefix **out,
		       struct netlink_ext_ack *extack);
void segf_prefix_host_key(struct segf_pfx_key *key,
			  const struct segf_addr *addr);
void segf_prefix_drop_owned(struct segf_endpoint *ep);
void segf_prefix_unlink(struct segf_prefix *pfx);
void segf_prefix_retire(struct segf_prefix *pfx);
void segf_prefix_revive(struct segf_prefix *pfx);
int segf_prefixes_build(struct segf_domain *dom, struct segf_pfx_table **out);
void segf_prefixes_publish(struct segf_domain *dom);

#endif /* _SEGF_PREFIX_H */
