/* SPDX-License-Identifier: GPL-2.0 */
/*
 * segfilter: prefix groups, the groups of peers that are not endpoints.
 * A stub until prefix groups land: no prefix holds any address, so a
 * peer outside the domain is in no group (id 0) and only the rules whose
 * side is "any" apply to it.
 */
#ifndef _SEGF_PREFIX_H
#define _SEGF_PREFIX_H

struct segf_addr;
struct segf_group;
struct segf_policy;

/*
 * The group of the longest prefix of @pol's generation that holds @addr
 * (a peer that is not an endpoint), or NULL when no prefix does.  Data
 * path, under rcu_read_lock(); the group stays valid as long as @pol.
 */
static inline struct segf_group *
segf_prefix_group(const struct segf_policy *pol, const struct segf_addr *addr)
{
	return NULL;
}

#endif /* _SEGF_PREFIX_H */
