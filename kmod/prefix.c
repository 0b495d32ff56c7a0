// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: prefix groups.
 *
 * A prefix (family, address, length) belongs to one group of a domain.
 * The control path keeps a domain's prefixes in an xarray (for dumps)
 * and in a list table by key (an equal prefix is refused; a commit may
 * delete a prefix and add it again, to another group).  A commit whose
 * prefixes changed builds a new lookup table (struct segf_pfx_table)
 * for the generation it publishes; the others share the current one.
 *
 * The lookup table is one open addressing array of every prefix of the
 * domain, at most two thirds full, keyed by family, length and masked
 * address, beside the lengths in use for each family, longest first.
 * An address is masked to each of those lengths in turn and probed:
 * the first hit is the longest match.  A lookup costs at most one probe
 * sequence per length in use (33 for IPv4, 129 for IPv6), however many
 * prefixes the domain has.
 *
 * A prefix an endpoint owns is in the same table: its slot names the
 * endpoint by MAC and birth generation, never by pointer, so a table
 * that an older generation still uses never points at an endpoint
 * freed since.  The data path finds the owner with one more lookup by
 * MAC (segf_prefix_owner()).
 */

#include <linux/etherdevice.h>
#include <linux/jhash.h>
#include <linux/kernel.h>
#include <linux/netlink.h>
#include <linux/random.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "compat.h"
#include "domain.h"
#include "endpoint.h"
#include "policy.h"
#include "prefix.h"
#include "segfilter.h"

/* The bits of @addr past the first @len, cleared. */
void segf_pfx_mask(struct segf_addr *addr, unsigned int len)
{
	unsigned int i;

	if (addr->family == AF_INET) {
		addr->v4 &= len ? htonl(~0U << (32 - len)) : 0;
		return;
	}
	for (i = 0; i < 4; i++, len = len > 32 ? len - 32 : 0)
		addr->v6.s6_addr32[i] &= len >= 32 ? ~0U :
					 len ? htonl(~0U << (32 - len)) : 0;
}

/* Whether @addr has a bit set past its first @len. */
bool segf_pfx_host_bits(const struct segf_addr *addr, unsigned int len)
{
	struct segf_addr masked = *addr;

	segf_pfx_mask(&masked, len);
	return !segf_addr_equal(&masked, addr);
}

/*
 * A table's seed is random, so that nobody can pick prefixes that all
 * fall in one cluster of slots: a lookup's probes stay few.
 */
static u32 segf_pfx_hash(const struct segf_pfx_table *t,
			 const struct segf_pfx_key *key)
{
	u32 seed = t->seed ^ ((u32)key->addr.family << 8 | key->len);

	if (key->addr.family == AF_INET)
		return jhash_1word((__force u32)key->addr.v4, seed);
	return jhash2(key->addr.v6.s6_addr32, 4, seed);
}

/* The padding is left out: a slot keeps its flags there. */
static bool segf_pfx_key_equal(const struct segf_pfx_key *a,
			       const struct segf_pfx_key *b)
{
	return !memcmp(a, b, offsetof(struct segf_pfx_key, pad));
}

static unsigned int segf_pfx_home(const struct segf_pfx_table *t,
				  const struct segf_pfx_key *key)
{
	return reciprocal_scale(segf_pfx_hash(t, key), t->slots);
}

static unsigned int segf_pfx_next(const struct segf_pfx_table *t,
				  unsigned int i)
{
	return i + 1 < t->slots ? i + 1 : 0;
}

static const struct segf_pfx_slot *
segf_pfx_probe(const struct segf_pfx_table *t, const struct segf_pfx_key *key)
{
	unsigned int i = segf_pfx_home(t, key);

	/* The table always has an empty slot: this ends. */
	for (;; i = segf_pfx_next(t, i)) {
		const struct segf_pfx_slot *s = &t->tab[i];

		if (!s->key.addr.family)
			return NULL;
		if (segf_pfx_key_equal(&s->key, key))
			return s;
	}
}

/**
 * segf_pfx_find - the longest prefix of a table that holds an address
 * @t: the table, NULL when there are no prefixes
 * @addr: the address
 *
 * Return: its slot, or NULL when no prefix holds @addr.
 */
const struct segf_pfx_slot *segf_pfx_find(const struct segf_pfx_table *t,
					  const struct segf_addr *addr)
{
	const struct segf_pfx_slot *s;
	struct segf_pfx_key key;
	unsigned int i, n;
	const u8 *lens;

	if (!t || !t->n)
		return NULL;
	if (addr->family == AF_INET) {
		lens = t->lens4;
		n = t->n_lens4;
	} else {
		lens = t->lens6;
		n = t->n_lens6;
	}
	/* Field by field: the caller's padding may be anything. */
	memset(&key, 0, sizeof(key));
	key.addr.family = addr->family;
	if (addr->family == AF_INET)
		key.addr.v4 = addr->v4;
	else
		key.addr.v6 = addr->v6;
	for (i = 0; i < n; i++) {
		/* Longest first: each length only clears more bits. */
		key.len = lens[i];
		segf_pfx_mask(&key.addr, key.len);
		s = segf_pfx_probe(t, &key);
		if (s)
			return s;
	}
	return NULL;
}

/**
 * segf_prefix_group - the prefix group of a peer that is not an endpoint
 * @pol: the domain's policy generation the caller read
 * @addr: the peer's address
 *
 * Data path, under rcu_read_lock(): the group stays valid as long as
 * @pol does.
 *
 * Return: the group of the longest prefix of @pol that holds @addr, or
 * NULL when none does.
 */
struct segf_group *segf_prefix_group(const struct segf_policy *pol,
				     const struct segf_addr *addr)
{
	const struct segf_pfx_slot *s = segf_pfx_find(pol->prefixes, addr);

	/* An endpoint's prefix holds no peer from outside. */
	return s && !segf_pfx_slot_owned(s) ? s->group : NULL;
}

/*
 * Whether an endpoint's prefix may hold @addr: a unicast address, not
 * link-local, that is neither the gateway's nor an endpoint's (those
 * are theirs whatever prefix covers them).  Asked only once an owned
 * prefix matched.
 */
static bool segf_pfx_may_own(struct segf_domain *dom,
			     const struct segf_policy *pol,
			     const struct segf_addr *addr)
{
	return segf_addr_unicast(addr) && !segf_addr_link_local(addr) &&
	       !segf_gw_owns(&pol->cfg, addr) &&
	       !segf_endpoint_seen_addr(dom, addr, pol->gen);
}

/**
 * segf_prefix_owner - the endpoint that owns the longest prefix of an address
 * @dom: the domain
 * @pol: the domain's policy generation the caller read
 * @addr: the address
 *
 * Data path, under rcu_read_lock(); for the control path, with
 * segf_net::lock held.  A longer group prefix inside the endpoint's wins.
 *
 * Return: the endpoint, as @pol sees it, or NULL when the longest prefix
 * that holds @addr is a group's, or none does, or its owner is gone.
 */
struct segf_endpoint *segf_prefix_owner(struct segf_domain *dom,
					const struct segf_policy *pol,
					const struct segf_addr *addr)
{
	const struct segf_pfx_slot *s = segf_pfx_find(pol->prefixes, addr);
	struct segf_endpoint *ep;

	if (!s || !segf_pfx_slot_owned(s) || !segf_pfx_may_own(dom, pol, addr))
		return NULL;
	ep = segf_endpoint_seen_mac(dom, s->own->mac, pol->gen);
	return ep && ep->born == s->own->born ? ep : NULL;
}

/**
 * segf_prefix_owned_by - whether an endpoint owns the longest prefix of an address
 * @pol: the domain's policy generation the caller read
 * @addr: the address
 * @ep: an endpoint @pol sees
 *
 * Return: true if the longest prefix of @pol that holds @addr is @ep's.
 */
bool segf_prefix_owned_by(const struct segf_policy *pol,
			  const struct segf_addr *addr,
			  const struct segf_endpoint *ep)
{
	const struct segf_pfx_slot *s = segf_pfx_find(pol->prefixes, addr);

	return s && segf_pfx_slot_owned(s) && s->own->born == ep->born &&
	       ether_addr_equal(s->own->mac, ep->mac);
}

/**
 * segf_prefix_held_by - whether an endpoint may use an address by its prefix
 * @pol: the domain's policy generation the caller read
 * @addr: the address
 * @ep: an endpoint @pol sees
 *
 * Return: true if @ep owns the longest prefix of @pol that holds @addr
 * (segf_prefix_owned_by()) and @addr is one an endpoint's prefix may
 * hold: no endpoint's address, nor the gateway's, link-local or not
 * unicast.  The data path's question, for sources and destinations.
 */
bool segf_prefix_held_by(const struct segf_policy *pol,
			 const struct segf_addr *addr,
			 const struct segf_endpoint *ep)
{
	return segf_prefix_owned_by(pol, addr, ep) &&
	       segf_pfx_may_own(ep->domain, pol, addr);
}

struct segf_pfx_table *segf_pfx_table_get(struct segf_pfx_table *t)
{
	if (t)
		refcount_inc(&t->ref);
	return t;
}

void segf_pfx_table_put(struct segf_pfx_table *t)
{
	if (!t || !refcount_dec_and_test(&t->ref))
		return;
	kvfree(t->tab);
	kvfree(t->owners);
	kfree(t);
}

/* The lengths set in @used (of 0..@max), longest first, into @lens. */
static u8 segf_pfx_lens(const unsigned long *used, unsigned int max, u8 *lens)
{
	unsigned int len, n = 0;

	for (len = max + 1; len-- > 0;)
		if (test_bit(len, used))
			lens[n++] = len;
	return n;
}

/**
 * segf_pfx_table_build - a lookup table of prefixes
 * @pfx: the prefixes, each unique and masked, none dying
 * @n: how many
 * @out: the table, with one reference; NULL when @n is 0
 *
 * Return: 0 or -ENOMEM.
 */
int segf_pfx_table_build(struct segf_prefix *const *pfx, unsigned int n,
			 struct segf_pfx_table **out)
{
	DECLARE_BITMAP(used4, 33) = {};
	DECLARE_BITMAP(used6, 129) = {};
	unsigned int i, j, n_owned = 0;
	struct segf_pfx_table *t;
	struct segf_pfx_slot *s;

	*out = NULL;
	if (!n)
		return 0;
	t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t)
		return -ENOMEM;
	refcount_set(&t->ref, 1);
	t->n = n;
	t->seed = get_random_u32();
	/* Two thirds full at most, and at least one slot always empty. */
	t->slots = n + n / 2 + 1;
	t->tab = kvcalloc(t->slots, sizeof(*t->tab), GFP_KERNEL_ACCOUNT);
	for (i = 0; i < n; i++)
		n_owned += pfx[i]->owned;
	if (n_owned)
		t->owners = kvcalloc(n_owned, sizeof(*t->owners),
				     GFP_KERNEL_ACCOUNT);
	if (!t->tab || (n_owned && !t->owners)) {
		kvfree(t->tab);
		kvfree(t->owners);
		kfree(t);
		return -ENOMEM;
	}
	n_owned = 0;
	for (i = 0; i < n; i++) {
		const struct segf_pfx_key *key = &pfx[i]->key;

		for (j = segf_pfx_home(t, key); t->tab[j].key.addr.family;
		     j = segf_pfx_next(t, j))
			;
		s = &t->tab[j];
		s->key = *key;
		if (pfx[i]->owned) {
			t->owners[n_owned] = pfx[i]->own;
			s->own = &t->owners[n_owned++];
			s->key.pad[0] = SEGF_PFX_OWNED;
		} else {
			s->group = pfx[i]->group;
		}
		__set_bit(key->len,
			  key->addr.family == AF_INET ? used4 : used6);
		if (!(i % 4096))
			cond_resched();
	}
	t->n_lens4 = segf_pfx_lens(used4, 32, t->lens4);
	t->n_lens6 = segf_pfx_lens(used6, 128, t->lens6);
	*out = t;
	return 0;
}

/* ---- the control path's prefixes ---- */

static const struct rhashtable_params segf_prefix_params = {
	.key_len = sizeof(struct segf_pfx_key),
	.key_offset = offsetof(struct segf_prefix, key),
	.head_offset = offsetof(struct segf_prefix, node),
	.automatic_shrinking = true,
};

int segf_prefixes_init(struct segf_domain *dom)
{
	xa_init_flags(&dom->prefixes, XA_FLAGS_ALLOC);
	return rhltable_init(&dom->prefix_keys, &segf_prefix_params);
}

/* Domain teardown, after its last generation went. */
void segf_prefixes_destroy(struct segf_domain *dom)
{
	struct segf_prefix *pfx;
	unsigned long idx;

	/* rhltable_destroy() below lets go of the keys all at once. */
	xa_for_each(&dom->prefixes, idx, pfx) {
		kfree_rcu(pfx, rcu);
		if (!(idx % 4096))
			cond_resched();
	}
	xa_destroy(&dom->prefixes);
	rhltable_destroy(&dom->prefix_keys);
}

/* The prefix of @key in @dom that no commit deleted, or NULL. */
struct segf_prefix *segf_prefix_find(struct segf_domain *dom,
				     const struct segf_pfx_key *key)
{
	struct segf_prefix *pfx, *found = NULL;
	struct rhlist_head *list, *pos;

	segf_assert_locked(dom->sn);
	/* The lock keeps what we find; RCU is what the table asks for. */
	rcu_read_lock();
	list = rhltable_lookup(&dom->prefix_keys, key, segf_prefix_params);
	rhl_for_each_entry_rcu(pfx, pos, list, node) {
		if (!pfx->dying) {
			found = pfx;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

static void segf_prefix_tally(struct segf_prefix *pfx, int delta)
{
	pfx->domain->n_prefixes += delta;
	if (pfx->group)
		pfx->group->n_prefixes += delta;
}

static void segf_prefix_err(struct netlink_ext_ack *extack,
			    const struct segf_pfx_key *key, const char *why,
			    const char *name)
{
	/* An extack message holds 80 bytes: an IPv6 one names the group. */
	if (key->addr.family == AF_INET)
		NL_SET_ERR_MSG_FMT_MOD(extack, "prefix %pI4/%u %s \"%s\"",
				       &key->addr.v4, key->len, why, name);
	else
		NL_SET_ERR_MSG_FMT_MOD(extack, "the prefix %s \"%s\"", why,
				       name);
}

/* The same, for a prefix an endpoint owns or whose address it has. */
static void segf_prefix_ep_err(struct netlink_ext_ack *extack,
			       const struct segf_pfx_key *key, const char *why,
			       const u8 *mac)
{
	if (key->addr.family == AF_INET)
		NL_SET_ERR_MSG_FMT_MOD(extack, "prefix %pI4/%u %s %pM",
				       &key->addr.v4, key->len, why, mac);
	else
		NL_SET_ERR_MSG_FMT_MOD(extack, "the IPv6 prefix %s %pM", why,
				       mac);
}

/* The host route (/32, /128) of @addr, as a key. */
void segf_prefix_host_key(struct segf_pfx_key *key,
			  const struct segf_addr *addr)
{
	memset(key, 0, sizeof(*key));
	key->addr.family = addr->family;
	if (addr->family == AF_INET) {
		key->addr.v4 = addr->v4;
		key->len = 32;
	} else {
		key->addr.v6 = addr->v6;
		key->len = 128;
	}
}

/*
 * May @owner (NULL: a group) have the prefix @key?  Not one equal to a
 * prefix of the domain, nor, for an endpoint, a host route to another
 * endpoint's address or one that is not unicast.
 */
static int segf_prefix_check(struct segf_domain *dom,
			     const struct segf_pfx_key *key,
			     const struct segf_endpoint *owner,
			     struct netlink_ext_ack *extack)
{
	unsigned int host = key->addr.family == AF_INET ? 32 : 128;
	struct segf_prefix *pfx;
	struct segf_endpoint *ep;

	pfx = segf_prefix_find(dom, key);
	if (pfx && pfx->owned) {
		segf_prefix_ep_err(extack, key, "is already owned by",
				   pfx->own.mac);
		return -EEXIST;
	}
	if (pfx) {
		segf_prefix_err(extack, key, "is already in group",
				pfx->group->name);
		return -EEXIST;
	}
	if (!owner || key->len != host)
		return 0;
	if (!segf_addr_unicast(&key->addr)) {
		segf_prefix_ep_err(extack, key, "is no unicast address, for",
				   owner->mac);
		return -EINVAL;
	}
	ep = segf_endpoint_live_addr(dom, &key->addr);
	if (ep && ep != owner) {
		segf_prefix_ep_err(extack, key, "is an address of endpoint",
				   ep->mac);
		return -EEXIST;
	}
	return 0;
}

/**
 * segf_prefix_create - add a prefix to a domain in the commit being built
 * @dom: the domain
 * @key: the prefix, checked (no host bits, a length the family has)
 * @grp: its group, live; NULL for an endpoint's
 * @owner: the live endpoint of @dom that owns it; NULL for a group's
 * @out: the new prefix
 * @extack: why not
 *
 * Return: 0, -EEXIST for a prefix equal to one the domain has or (for
 * an endpoint's) a host route to another endpoint's address, -EINVAL
 * for a host route to no unicast address, -ENOSPC over the domain's
 * prefix-limit, or -ENOMEM.
 */
int segf_prefix_create(struct segf_domain *dom, const struct segf_pfx_key *key,
		       struct segf_group *grp, struct segf_endpoint *owner,
		       struct segf_prefix **out,
		       struct netlink_ext_ack *extack)
{
	u32 limit = segf_domain_next_cfg(dom)->prefix_limit;
	struct segf_prefix *pfx;
	int err;

	segf_assert_locked(dom->sn);
	if (WARN_ON(!grp == !owner || (owner && owner->domain != dom)))
		return -EINVAL;
	err = segf_prefix_check(dom, key, owner, extack);
	if (err)
		return err;
	if (dom->n_prefixes >= limit) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "domain \"%s\" holds %u prefixes, its prefix-limit",
				       dom->name, dom->n_prefixes);
		return -ENOSPC;
	}
	pfx = kzalloc(sizeof(*pfx), GFP_KERNEL_ACCOUNT);
	if (!pfx)
		return -ENOMEM;
	pfx->key = *key;
	pfx->domain = dom;
	pfx->group = grp;
	INIT_LIST_HEAD(&pfx->owner_node);
	if (owner) {
		pfx->owned = true;
		pfx->owner = owner;
		pfx->own.born = owner->born;
		ether_addr_copy(pfx->own.mac, owner->mac);
	}
	err = xa_alloc(&dom->prefixes, &pfx->index, pfx, xa_limit_32b,
		       GFP_KERNEL_ACCOUNT);
	if (err) {
		kfree(pfx);
		return err;
	}
	err = rhltable_insert(&dom->prefix_keys, &pfx->node,
			      segf_prefix_params);
	if (err) {
		xa_erase(&dom->prefixes, pfx->index);
		kfree(pfx);
		return err;
	}
	segf_prefix_tally(pfx, 1);
	if (owner)
		list_add_tail(&pfx->owner_node, &owner->owned);
	dom->prefixes_changed = true;
	*out = pfx;
	return 0;
}

/* Remove a prefix from the control path's tables and free it. */
static void segf_prefix_free(struct segf_prefix *pfx)
{
	struct segf_domain *dom = pfx->domain;

	xa_erase(&dom->prefixes, pfx->index);
	rhltable_remove(&dom->prefix_keys, &pfx->node, segf_prefix_params);
	list_del(&pfx->owner_node);
	kfree_rcu(pfx, rcu);
}

/**
 * segf_prefix_drop_owned - an endpoint goes outside a commit, with its prefixes
 * @ep: the endpoint: its port detached, its domain deleted, or the commit
 *	that created it undone
 *
 * Its prefixes go with it, as they do when a commit deletes it, so that
 * the endpoint can be added again with them after a port flap.  The
 * table the data path reads may hold them until segf_policy_bump() or
 * the domain's next commit builds another; it names their owner by MAC
 * and birth, which no endpoint has again, so they route nothing
 * meanwhile.
 */
void segf_prefix_drop_owned(struct segf_endpoint *ep)
{
	struct segf_prefix *pfx, *tmp;
	unsigned int n = 0;

	list_for_each_entry_safe(pfx, tmp, &ep->owned, owner_node) {
		/* An endpoint may own up to the domain's prefix-limit. */
		if (!(++n % 4096))
			cond_resched();
		pfx->owner = NULL;
		if (pfx->dying) {
			/* A commit deleted it already: its publish frees it. */
			list_del_init(&pfx->owner_node);
			continue;
		}
		segf_prefix_tally(pfx, -1);
		segf_prefix_free(pfx);
		ep->domain->prefixes_stale = true;
	}
}

/* Undo segf_prefix_create(): no generation ever held the prefix. */
void segf_prefix_unlink(struct segf_prefix *pfx)
{
	segf_prefix_tally(pfx, -1);
	segf_prefix_free(pfx);
}

/* Delete a prefix in the commit being built; publishing frees it. */
void segf_prefix_retire(struct segf_prefix *pfx)
{
	pfx->dying = true;
	pfx->domain->prefixes_changed = true;
	segf_prefix_tally(pfx, -1);
}

void segf_prefix_revive(struct segf_prefix *pfx)
{
	pfx->dying = false;
	segf_prefix_tally(pfx, 1);
}

/* The lookup table of @dom's prefixes as the commit being built leaves them. */
int segf_prefixes_build(struct segf_domain *dom, struct segf_pfx_table **out)
{
	struct segf_prefix **pfx, *p;
	unsigned int n = 0;
	unsigned long idx;
	int err;

	if (!dom->n_prefixes) {
		*out = NULL;
		return 0;
	}
	pfx = kvmalloc_array(dom->n_prefixes, sizeof(*pfx), GFP_KERNEL_ACCOUNT);
	if (!pfx)
		return -ENOMEM;
	xa_for_each(&dom->prefixes, idx, p) {
		if (p->dying)
			continue;
		if (WARN_ON_ONCE(n == dom->n_prefixes))
			break;
		pfx[n++] = p;
	}
	err = segf_pfx_table_build(pfx, n, out);
	kvfree(pfx);
	return err;
}

/*
 * The commit published: the prefixes it deleted go.  The table that
 * still holds them copied what it needs, and their groups outlive it.
 */
void segf_prefixes_publish(struct segf_domain *dom)
{
	struct segf_prefix *pfx;
	unsigned long idx;

	xa_for_each(&dom->prefixes, idx, pfx)
		if (pfx->dying)
			segf_prefix_free(pfx);
}
