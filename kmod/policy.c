// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: rules, the rule index, and policy generations.
 *
 * A rule speaks of a (source group, destination group) pair, either of
 * which may be "any" (group 0).  The data path never searches the rules:
 * a commit folds them into an index keyed by group pair, where the list
 * of each pair already holds the any-group rules that apply to it,
 * sorted by priority.  A packet costs at most four probes of an open
 * addressing table and a walk of its own pair's list, however many
 * rules other pairs have.
 *
 * Memory is what a large policy costs, so the index is compact: a pair
 * takes 12 bytes, in a table sized to be at most two thirds full (not
 * rounded up to a power of two), and one pointer per rule it lists.
 *
 * Folding, with S the groups that have (g, any) rules and D those that
 * have (any, g) rules, materialises:
 *   (s, d) for every explicit pair, and for every s in S and d in D;
 *   (s, any) for s in S;  (any, d) for d in D;  (any, any).
 * A lookup for (s, d) takes the first of (s, d), (s, any), (any, d),
 * (any, any) that exists: whichever it finds lists every rule that can
 * apply to the pair.
 *
 * An index is immutable.  A policy generation (struct segf_policy) holds
 * one, with the domain's default action, gateway and flow limit; the
 * commit that builds a generation publishes it with one pointer swap and
 * frees the previous one after a grace period, in process context.
 */

#include <linux/hash.h>
#include <linux/kernel.h>
#include <linux/netlink.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/sort.h>

#include "bum.h"
#include "compat.h"
#include "domain.h"
#include "policy.h"
#include "prefix.h"
#include "segfilter.h"
#include "service.h"

/* Beyond these, a commit is refused rather than eat the host's memory. */
#define SEGF_INDEX_MAX_PAIRS	(1U << 20)
#define SEGF_INDEX_MAX_REFS	(1U << 23)

/*
 * Rules have a cache of their own: kmalloc() would round them up.  (Not
 * __init: the KUnit suites, which run before the module's init, make
 * their own.)
 */
static struct kmem_cache *segf_rule_cache __read_mostly;

int segf_rule_cache_init(void)
{
	/* What a rule costs in memory (performance.rst): keep it so. */
	BUILD_BUG_ON(IS_ENABLED(CONFIG_64BIT) && sizeof(struct segf_rule) > 48);
	segf_rule_cache = KMEM_CACHE(segf_rule, SLAB_ACCOUNT);
	return segf_rule_cache ? 0 : -ENOMEM;
}

void segf_rule_cache_uninit(void)
{
	kmem_cache_destroy(segf_rule_cache);
	segf_rule_cache = NULL;
}

/* A rule gets its counters when it is linked to its domain. */
struct segf_rule *segf_rule_alloc(void)
{
	return kmem_cache_zalloc(segf_rule_cache, GFP_KERNEL_ACCOUNT);
}

/* No reader can see @rule any more: its slot can go to a new rule. */
void segf_rule_free(struct segf_rule *rule)
{
	if (rule->ctrs)
		segf_ctr_give(rule->ctrs, rule->ctr_slot);
	kmem_cache_free(segf_rule_cache, rule);
}

void segf_rule_read_stats(const struct segf_rule *rule, u64 *packets,
			  u64 *bytes)
{
	segf_ctr_read(rule->ctrs, rule->ctr_slot, packets, bytes);
}

static void segf_rule_tally(struct segf_rule *rule, int delta)
{
	struct segf_domain *dom = segf_rule_domain(rule);
	struct segf_group *grp;

	dom->n_rules += delta;
	if (rule->chain)
		rule->chain->n_rules += delta;
	grp = rule->src_group ? xa_load(&dom->groups, rule->src_group) : NULL;
	if (grp)
		grp->n_rules += delta;
	grp = rule->dst_group ? xa_load(&dom->groups, rule->dst_group) : NULL;
	if (grp)
		grp->n_rules += delta;
}

/*
 * Put a new rule in @dom's rule table, under its id or, when it has
 * none, the first free one.  The data path sees it only once a commit
 * has built and published an index with it.  A rule the same commit
 * deleted gives its id up: the new one takes its slot and keeps it as
 * its shadow until the commit publishes or rolls back.  The new rule
 * takes counters of its own, at zero, from the domain's (counter.c).
 */
int segf_rule_link(struct segf_domain *dom, struct segf_rule *rule,
		   struct netlink_ext_ack *extack)
{
	struct segf_rule *other;
	int err;

	segf_assert_locked(dom->sn);
	err = segf_domain_room(dom, dom->n_rules,
			       segf_domain_next_cfg(dom)->rule_limit, "rule",
			       extack);
	if (err)
		return err;
	/* Given back by segf_rule_free(), whatever fails below. */
	if (!rule->ctrs) {
		err = segf_ctr_take(dom->ctrs, &rule->ctrs, &rule->ctr_slot,
				    extack);
		if (err)
			return err;
	}
	rule->shadow = NULL;
	if (!rule->id) {
		err = xa_alloc(&dom->rules, &rule->id, rule, xa_limit_32b,
			       GFP_KERNEL_ACCOUNT);
		if (err == -EBUSY)
			NL_SET_ERR_MSG_MOD(extack, "no rule id left");
		if (err)
			return err;
	} else {
		other = xa_load(&dom->rules, rule->id);
		if (other && !other->dying) {
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "rule %u already exists in domain \"%s\"",
					       rule->id, dom->name);
			return -EEXIST;
		}
		/* Over an occupied slot, the store allocates nothing. */
		err = other ? xa_err(xa_store(&dom->rules, rule->id, rule,
					      GFP_KERNEL_ACCOUNT)) :
			      xa_insert(&dom->rules, rule->id, rule,
					GFP_KERNEL_ACCOUNT);
		if (err)
			return err;
		rule->shadow = other;
	}
	segf_rule_tally(rule, 1);
	dom->rules_changed = true;
	return 0;
}

/*
 * Undo segf_rule_link(): the rule was never published.  The rule it
 * replaced, if any, gets its slot back; that slot exists, so the store
 * cannot fail.
 */
void segf_rule_unlink(struct segf_rule *rule)
{
	struct xarray *rules = &segf_rule_domain(rule)->rules;

	if (rule->shadow)
		WARN_ON(xa_is_err(xa_store(rules, rule->id, rule->shadow,
					   GFP_NOWAIT)));
	else
		xa_erase(rules, rule->id);
	rule->shadow = NULL;
	segf_rule_tally(rule, -1);
}

/* Delete a rule in the commit being built; publishing frees it. */
void segf_rule_retire(struct segf_rule *rule)
{
	rule->dying = true;
	segf_rule_domain(rule)->rules_changed = true;
	segf_rule_tally(rule, -1);
}

void segf_rule_revive(struct segf_rule *rule)
{
	rule->dying = false;
	segf_rule_tally(rule, 1);
}

static int segf_cmp_u32(u32 a, u32 b)
{
	return a < b ? -1 : a > b;
}

/* The order of the index build: by pair, then by priority and id. */
static int segf_rule_cmp(const void *a, const void *b)
{
	const struct segf_rule *x = *(const struct segf_rule * const *)a;
	const struct segf_rule *y = *(const struct segf_rule * const *)b;

	return segf_cmp_u32(x->src_group, y->src_group) ?:
	       segf_cmp_u32(x->dst_group, y->dst_group) ?:
	       segf_cmp_u32(x->prio, y->prio) ?:
	       segf_cmp_u32(x->id, y->id);
}

static bool segf_rule_before(const struct segf_rule *x,
			     const struct segf_rule *y)
{
	return x->prio < y->prio || (x->prio == y->prio && x->id < y->id);
}

static u32 segf_pair_key(u16 src, u16 dst)
{
	return (u32)src << 16 | dst;
}

/* Where the probes for @key start, and the slot after @i. */
static unsigned int segf_index_home(const struct segf_index *idx, u32 key)
{
	return reciprocal_scale(hash_32(key, 32), idx->slots);
}

static unsigned int segf_index_next(const struct segf_index *idx,
				    unsigned int i)
{
	return i + 1 < idx->slots ? i + 1 : 0;
}

static const struct segf_pair *segf_index_find(const struct segf_index *idx,
					       u32 key)
{
	unsigned int i = segf_index_home(idx, key);

	/* The table always has empty slots: this ends. */
	for (;; i = segf_index_next(idx, i)) {
		const struct segf_pair *p = &idx->pairs[i];

		if (!p->n)
			return NULL;
		if (p->key == key)
			return p;
	}
}

/**
 * segf_index_pair - the folded rule list that applies to a group pair
 * @idx: the index of the current policy generation
 * @src: the source group
 * @dst: the destination group, 0 when there is none (a flood)
 *
 * Return: the pair whose list holds every rule that can apply, or NULL
 * when no rule can.
 */
const struct segf_pair *segf_index_pair(const struct segf_index *idx,
					u16 src, u16 dst)
{
	const struct segf_pair *p;

	if (!idx->n_pairs)
		return NULL;
	if (dst) {
		p = segf_index_find(idx, segf_pair_key(src, dst));
		if (p)
			return p;
	}
	p = segf_index_find(idx, segf_pair_key(src, 0));
	if (p)
		return p;
	if (dst) {
		p = segf_index_find(idx, segf_pair_key(0, dst));
		if (p)
			return p;
	}
	return segf_index_find(idx, segf_pair_key(0, 0));
}

bool segf_rule_matches(const struct segf_rule *rule, const struct segf_match *m)
{
	if (rule->proto && rule->proto != m->proto)
		return false;
	if ((rule->flags & SEGF_RULE_PORTS) &&
	    (!m->has_ports || m->dport < rule->port_min ||
	     m->dport > rule->port_max))
		return false;
	if ((rule->flags & SEGF_RULE_ICMP_TYPE) &&
	    (!m->has_type || m->icmp_type != rule->icmp_type))
		return false;
	return true;
}

/* The first rule, in priority order, that matches; NULL for the default. */
struct segf_rule *segf_index_lookup(const struct segf_index *idx, u16 src,
				    u16 dst, const struct segf_match *m)
{
	const struct segf_pair *p = segf_index_pair(idx, src, dst);
	unsigned int i;

	if (!p)
		return NULL;
	for (i = 0; i < p->n; i++) {
		struct segf_rule *rule = segf_pair_rule(idx, p, i);

		if (segf_rule_matches(rule, m))
			return rule;
	}
	return NULL;
}

/* A run of the sorted rules that share one (source, destination) pair. */
struct segf_seg {
	u16 src;
	u16 dst;
	u32 start;
	u32 n;
};

/* Find the segment of (@src, @dst) among @n sorted segments, or NULL. */
static const struct segf_seg *segf_seg_find(const struct segf_seg *segs,
					    unsigned int n, u16 src, u16 dst)
{
	u32 key = segf_pair_key(src, dst);
	unsigned int lo = 0, hi = n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		u32 k = segf_pair_key(segs[mid].src, segs[mid].dst);

		if (k == key)
			return &segs[mid];
		if (k < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* A pair being built: the (at most four) segments it folds. */
struct segf_build_pair {
	const struct segf_seg *segs[4];
};

static struct segf_pair *segf_index_slot(struct segf_index *idx, u32 key,
					 bool *found)
{
	unsigned int i = segf_index_home(idx, key);

	for (;; i = segf_index_next(idx, i)) {
		struct segf_pair *p = &idx->pairs[i];

		*found = p->n && p->key == key;
		if (!p->n || *found)
			return p;
	}
}

/* Claim the slot of @key for the segments in @segs; false if taken. */
static bool segf_index_add(struct segf_index *idx,
			   struct segf_build_pair *build, u32 key,
			   const struct segf_seg *a, const struct segf_seg *b,
			   const struct segf_seg *c, const struct segf_seg *d)
{
	const struct segf_seg *segs[4] = { a, b, c, d };
	struct segf_pair *p;
	unsigned int i, n = 0;
	bool found;

	p = segf_index_slot(idx, key, &found);
	if (found)
		return false;
	for (i = 0; i < 4; i++)
		n += segs[i] ? segs[i]->n : 0;
	p->key = key;
	p->n = n;
	memcpy(build[p - idx->pairs].segs, segs, sizeof(segs));
	idx->n_pairs++;
	return true;
}

/* Merge the sorted segments of @build into @out, by priority then id. */
static void segf_index_merge(struct segf_rule **rules,
			     const struct segf_build_pair *build,
			     struct segf_rule **out, unsigned int n)
{
	unsigned int pos[4] = { 0 };
	unsigned int i, k;

	for (i = 0; i < n; i++) {
		int best = -1;

		for (k = 0; k < 4; k++) {
			const struct segf_seg *s = build->segs[k];

			if (!s || pos[k] == s->n)
				continue;
			if (best < 0 ||
			    segf_rule_before(rules[s->start + pos[k]],
					     rules[build->segs[best]->start +
						   pos[best]]))
				best = k;
		}
		out[i] = rules[build->segs[best]->start + pos[best]];
		pos[best]++;
	}
}

/*
 * The index's two arrays live as long as their generations.  Past the
 * largest slab cache, kmalloc() would round them up to a power of two
 * pages, up to twice what they need: they take whole pages instead
 * (alloc_pages_exact(), in the direct map like kmalloc()'s), else
 * vmalloc().  Their size tells which.
 */
static void *segf_index_zalloc(size_t size)
{
	void *p;

	if (size <= KMALLOC_MAX_CACHE_SIZE)
		return kzalloc(size, GFP_KERNEL_ACCOUNT);
	if (size <= KMALLOC_MAX_SIZE) {
		p = alloc_pages_exact(size, GFP_KERNEL_ACCOUNT | __GFP_ZERO |
					    __GFP_NORETRY | __GFP_NOWARN);
		if (p)
			return p;
	}
	return __vmalloc(size, GFP_KERNEL_ACCOUNT | __GFP_ZERO);
}

static void segf_index_free(void *p, size_t size)
{
	if (!p)
		return;
	if (is_vmalloc_addr(p))
		vfree(p);
	else if (size > KMALLOC_MAX_CACHE_SIZE)
		free_pages_exact(p, size);
	else
		kfree(p);
}

void segf_index_put(struct segf_index *idx)
{
	if (!idx || !refcount_dec_and_test(&idx->ref))
		return;
	segf_index_free(idx->lists, idx->n_refs * sizeof(*idx->lists));
	segf_index_free(idx->pairs, idx->slots * sizeof(*idx->pairs));
	kfree(idx);
}

/**
 * segf_index_build - fold rules into a new index
 * @rules: the rules, in any order; the array is sorted in place
 * @n: how many
 * @out: the new index, with one reference
 * @extack: why it was refused
 *
 * Return: 0, -ENOMEM, or -E2BIG when the any-group rules would fold
 * into more pairs than the host should hold.
 */
int segf_index_build(struct segf_rule **rules, unsigned int n,
		     struct segf_index **out, struct netlink_ext_ack *extack)
{
	unsigned int n_segs = 0, n_src_any = 0, n_dst_any = 0, i, j, slots;
	struct segf_seg *segs, *src_any, *dst_any, *any = NULL;
	struct segf_build_pair *build = NULL;
	struct segf_index *idx;
	u64 bound, refs = 0;
	int err = -ENOMEM;

	idx = kzalloc(sizeof(*idx), GFP_KERNEL_ACCOUNT);
	if (!idx)
		return -ENOMEM;
	refcount_set(&idx->ref, 1);
	idx->n_rules = n;

	sort(rules, n, sizeof(*rules), segf_rule_cmp, NULL);

	/* Segments, with room for the (g, any) and (any, g) lists too. */
	segs = kvmalloc_array(3 * (size_t)max(n, 1U), sizeof(*segs),
			      GFP_KERNEL_ACCOUNT);
	if (!segs)
		goto err_idx;
	for (i = 0; i < n; i++) {
		struct segf_seg *s = n_segs ? &segs[n_segs - 1] : NULL;

		if (!s || s->src != rules[i]->src_group ||
		    s->dst != rules[i]->dst_group) {
			s = &segs[n_segs++];
			s->src = rules[i]->src_group;
			s->dst = rules[i]->dst_group;
			s->start = i;
			s->n = 0;
		}
		s->n++;
	}
	/* Sorted by (src, dst), so each of these lists is sorted too. */
	src_any = segs + n;
	dst_any = segs + 2 * n;
	for (i = 0; i < n_segs; i++) {
		if (!segs[i].src && !segs[i].dst)
			any = &segs[i];
		else if (!segs[i].dst)
			src_any[n_src_any++] = segs[i];
		else if (!segs[i].src)
			dst_any[n_dst_any++] = segs[i];
	}

	/* A domain at its largest rule limit fits, any-group rules aside. */
	BUILD_BUG_ON(SEGFILTER_RULE_LIMIT_MAX >= SEGF_INDEX_MAX_PAIRS);
	bound = (u64)n_segs + (u64)n_src_any * n_dst_any + 1;
	if (bound > SEGF_INDEX_MAX_PAIRS) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "any-group rules fold into %llu pairs (limit %u)",
				       bound, SEGF_INDEX_MAX_PAIRS);
		err = -E2BIG;
		goto err_segs;
	}
	/* Two thirds full at most, and at least one slot always empty. */
	slots = bound + bound / 2 + 1;
	idx->slots = slots;
	idx->pairs = segf_index_zalloc(slots * sizeof(*idx->pairs));
	build = kvcalloc(slots, sizeof(*build), GFP_KERNEL_ACCOUNT);
	if (!idx->pairs || !build)
		goto err_segs;

	/* Explicit pairs, then the any-group folds that have no pair. */
	for (i = 0; i < n_segs; i++) {
		struct segf_seg *s = &segs[i];

		if (!s->src || !s->dst)
			continue;
		segf_index_add(idx, build, segf_pair_key(s->src, s->dst), s,
			       segf_seg_find(src_any, n_src_any, s->src, 0),
			       segf_seg_find(dst_any, n_dst_any, 0, s->dst),
			       any);
	}
	for (i = 0; i < n_src_any; i++)
		for (j = 0; j < n_dst_any; j++)
			segf_index_add(idx, build,
				       segf_pair_key(src_any[i].src,
						     dst_any[j].dst),
				       &src_any[i], &dst_any[j], any, NULL);
	for (i = 0; i < n_src_any; i++)
		segf_index_add(idx, build, segf_pair_key(src_any[i].src, 0),
			       &src_any[i], any, NULL, NULL);
	for (j = 0; j < n_dst_any; j++)
		segf_index_add(idx, build, segf_pair_key(0, dst_any[j].dst),
			       &dst_any[j], any, NULL, NULL);
	if (any)
		segf_index_add(idx, build, 0, any, NULL, NULL, NULL);

	for (i = 0; i < slots; i++)
		refs += idx->pairs[i].n;
	if (refs > SEGF_INDEX_MAX_REFS) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "any-group rules fold into %llu entries (limit %u)",
				       refs, SEGF_INDEX_MAX_REFS);
		err = -E2BIG;
		goto err_segs;
	}
	idx->n_refs = max_t(u64, refs, 1);
	idx->lists = segf_index_zalloc(idx->n_refs * sizeof(*idx->lists));
	if (!idx->lists)
		goto err_segs;
	refs = 0;
	for (i = 0; i < slots; i++) {
		struct segf_pair *p = &idx->pairs[i];

		if (!p->n)
			continue;
		p->start = refs;
		segf_index_merge(rules, &build[i], idx->lists + refs, p->n);
		refs += p->n;
	}

	kvfree(build);
	kvfree(segs);
	*out = idx;
	return 0;

err_segs:
	kvfree(build);
	kvfree(segs);
err_idx:
	segf_index_free(idx->pairs, idx->slots * sizeof(*idx->pairs));
	kfree(idx);
	return err;
}

static void segf_policy_free_work(struct work_struct *work)
{
	struct segf_policy *pol = container_of(to_rcu_work(work),
					       struct segf_policy, free_work);
	struct segf_rule *rule, *next;

	for (rule = pol->free_rules; rule; rule = next) {
		next = rule->next_free;
		segf_rule_free(rule);
		cond_resched();
	}
	segf_index_put(pol->index);
	segf_pfx_table_put(pol->prefixes);
	kfree(pol->hosts);
	kfree(pol);
}

/* Free @pol, and the rules queued on it, once no reader can see them. */
void segf_policy_release(struct segf_policy *pol)
{
	INIT_RCU_WORK(&pol->free_work, segf_policy_free_work);
	queue_rcu_work(segf_wq, &pol->free_work);
}

/* The published generation, for the control path. */
struct segf_policy *segf_policy_current(struct segf_domain *dom)
{
	return rcu_dereference_protected(dom->policy,
					 lockdep_is_held(&dom->sn->lock));
}

/* The first generation of a new domain: no rules, @cfg. */
int segf_policy_init(struct segf_domain *dom, const struct segf_domain_cfg *cfg)
{
	struct segf_policy *pol;
	int err;

	pol = kzalloc(sizeof(*pol), GFP_KERNEL_ACCOUNT);
	if (!pol)
		return -ENOMEM;
	err = segf_index_build(NULL, 0, &pol->index, NULL);
	if (err) {
		kfree(pol);
		return err;
	}
	pol->gen = 1;
	pol->cfg = *cfg;
	RCU_INIT_POINTER(dom->policy, pol);
	return 0;
}

/*
 * Build the generation a commit prepared for @dom: its rules as they
 * stand (those the commit deleted left out), with dom->next_cfg.
 */
int segf_policy_build(struct segf_domain *dom, struct segf_policy **out,
		      struct netlink_ext_ack *extack)
{
	struct segf_policy *cur = segf_policy_current(dom);
	struct segf_rule **rules, *rule;
	struct segf_policy *pol;
	unsigned long id;
	unsigned int n = 0;
	int err;

	pol = kzalloc(sizeof(*pol), GFP_KERNEL_ACCOUNT);
	if (!pol)
		return -ENOMEM;
	pol->gen = dom->next_gen;
	pol->cfg = dom->next_cfg;
	err = segf_bum_hosts_build(dom, cur->hosts, GFP_KERNEL_ACCOUNT,
				   &pol->hosts, extack);
	if (err) {
		kfree(pol);
		return err;
	}
	if (dom->prefixes_changed) {
		err = segf_prefixes_build(dom, &pol->prefixes);
		if (err) {
			kfree(pol->hosts);
			kfree(pol);
			return err;
		}
	} else {
		pol->prefixes = segf_pfx_table_get(cur->prefixes);
	}
	if (!dom->rules_changed) {
		refcount_inc(&cur->index->ref);
		pol->index = cur->index;
		*out = pol;
		return 0;
	}

	rules = kvmalloc_array(max(dom->n_rules, 1U), sizeof(*rules),
			       GFP_KERNEL_ACCOUNT);
	if (!rules) {
		segf_pfx_table_put(pol->prefixes);
		kfree(pol->hosts);
		kfree(pol);
		return -ENOMEM;
	}
	xa_for_each(&dom->rules, id, rule) {
		if (rule->dying)
			continue;
		if (WARN_ON_ONCE(n == dom->n_rules))
			break;
		rules[n++] = rule;
	}
	err = segf_index_build(rules, n, &pol->index, extack);
	kvfree(rules);
	if (err) {
		segf_pfx_table_put(pol->prefixes);
		kfree(pol->hosts);
		kfree(pol);
		return err;
	}
	*out = pol;
	return 0;
}

/*
 * The rules of @rule's id that the commit deleted and @rule replaced:
 * they go with @pol, the generation that may still use them.
 */
static void segf_rule_drop_shadows(struct segf_rule *rule,
				   struct segf_policy *pol)
{
	struct segf_rule *shadow, *next;

	for (shadow = rule->shadow; shadow; shadow = next) {
		next = shadow->shadow;
		shadow->shadow = NULL;
		shadow->next_free = pol->free_rules;
		pol->free_rules = shadow;
	}
	rule->shadow = NULL;
}

/*
 * Make @pol the domain's policy.  The rules the commit deleted leave the
 * rule table now and are freed with the generation that still uses them.
 */
void segf_policy_publish(struct segf_domain *dom, struct segf_policy *pol)
{
	struct segf_policy *old;
	struct segf_rule *rule;
	unsigned long id;

	old = rcu_replace_pointer(dom->policy, pol,
				  lockdep_is_held(&dom->sn->lock));
	if (dom->rules_changed) {
		xa_for_each(&dom->rules, id, rule) {
			segf_rule_drop_shadows(rule, old);
			if (!rule->dying)
				continue;
			xa_erase(&dom->rules, id);
			rule->next_free = old->free_rules;
			old->free_rules = rule;
		}
	}
	if (dom->prefixes_changed) {
		segf_prefixes_publish(dom);
		dom->prefixes_stale = false;
	}
	segf_policy_release(old);
}

/*
 * Start a new generation with the same rules and configuration, outside
 * any commit: endpoints went away (a port was detached), and flows
 * decided under the old generation must be checked again before a new
 * endpoint reuses an address.  It cannot be allowed to fail.
 */
void segf_policy_bump(struct segf_domain *dom)
{
	struct segf_policy *cur = segf_policy_current(dom);
	struct segf_policy *pol;

	pol = kzalloc(sizeof(*pol), GFP_KERNEL_ACCOUNT | __GFP_NOFAIL);
	pol->gen = cur->gen + 1;
	pol->cfg = cur->cfg;
	refcount_inc(&cur->index->ref);
	pol->index = cur->index;
	/*
	 * Endpoints that went took their prefixes: a table without them,
	 * if memory allows; else the next commit builds it.
	 */
	if (dom->prefixes_stale && !segf_prefixes_build(dom, &pol->prefixes))
		dom->prefixes_stale = false;
	else
		pol->prefixes = segf_pfx_table_get(cur->prefixes);
	/* Hosts only went: this cannot exceed the bound, nor fail. */
	WARN_ON(segf_bum_hosts_build(dom, cur->hosts,
				     GFP_KERNEL_ACCOUNT | __GFP_NOFAIL,
				     &pol->hosts, NULL));
	rcu_assign_pointer(dom->policy, pol);
	segf_policy_release(cur);
}

/* Domain teardown: the last generation goes, with every rule. */
void segf_policy_destroy(struct segf_domain *dom)
{
	struct segf_policy *pol = segf_policy_current(dom);
	struct segf_rule *rule;
	unsigned long id;

	xa_for_each(&dom->rules, id, rule) {
		xa_erase(&dom->rules, id);
		segf_rule_drop_shadows(rule, pol);
		rule->next_free = pol->free_rules;
		pol->free_rules = rule;
	}
	RCU_INIT_POINTER(dom->policy, NULL);
	segf_policy_release(pol);
}
