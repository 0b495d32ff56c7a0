// SPDX-License-Identifier: GPL-2.0
/*
 * The cluster as one host sees it, domain by domain (view.h).
 */
#define _GNU_SOURCE		/* tdestroy() */
#include <errno.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

/* The keys of one domain, or of the base, and what came of them. */
struct part {
	char *name;		/* the domain; "" for the base */
	void *keys;		/* tsearch tree of struct etcd_kv *, owned */
	size_t n_keys;
	size_t own;		/* keys of this host (endpoints, instances) */
	bool dirty;
	struct config *applied;	/* what the module holds of it */
	struct cluster_result res;	/* what it wanted when applied */
	struct etcd_kv *good;	/* the pairs applied, sorted by key */
	size_t n_good;
	/* the computation of the apply under way */
	bool computed;
	struct config *want;
	struct cluster_result wres;
	struct part *next, **pprev;
};

struct view {
	struct cluster_host h;
	char *own_prefix;	/* "P hosts/H/" */
	void *by_name;		/* tsearch tree of struct part *, by name */
	struct part *parts;	/* the domains, in a list */
	struct part base;
	struct part records;	/* hosts/H/record: keys only */
	size_t n_keys;
};

enum key_kind { KEY_OTHER, KEY_RECORD, KEY_DOMAIN };

static int part_cmp(const void *a, const void *b)
{
	return strcmp(((const struct part *)a)->name,
		      ((const struct part *)b)->name);
}

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct etcd_kv *)a)->key,
		      ((const struct etcd_kv *)b)->key);
}

static void kv_free(void *p)
{
	struct etcd_kv *kv = p;

	if (!kv)
		return;
	free(kv->key);
	free(kv->value);
	free(kv);
}

/*
 * What @key is, and for a domain's key the domain (in @dom, at most
 * @size bytes with its NUL; a longer name is no domain of the schema).
 */
static enum key_kind classify(const struct view *v, const char *key,
			      char *dom, size_t size)
{
	size_t plen = strlen(v->h.prefix), n;
	const char *rest = key + plen, *end;

	if (strncmp(key, v->h.prefix, plen))
		return KEY_OTHER;
	if (!strncmp(rest, "config/domains/", 15)) {
		rest += 15;
	} else if (!strncmp(rest, "hosts/", 6)) {
		rest = strchr(rest + 6, '/');
		if (!rest)
			return KEY_OTHER;
		rest++;
		if (!strcmp(rest, "record"))
			return KEY_RECORD;
		if (!strncmp(rest, "endpoints/", 10))
			rest += 10;
		else if (!strncmp(rest, "instances/", 10))
			rest += 10;
		else
			return KEY_OTHER;
		if (!strchr(rest, '/'))
			return KEY_OTHER;
	} else {
		return KEY_OTHER;
	}
	end = strchr(rest, '/');
	n = end ? (size_t)(end - rest) : strlen(rest);
	if (!n || n >= size)
		return KEY_OTHER;
	memcpy(dom, rest, n);
	dom[n] = '\0';
	return KEY_DOMAIN;
}

static struct part *part_get(struct view *v, const char *name, bool make)
{
	struct part probe = { .name = (char *)name }, *p, **slot;

	slot = tfind(&probe, &v->by_name, part_cmp);
	if (slot)
		return *slot;
	if (!make)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->name = strdup(name);
	if (!p->name || !tsearch(p, &v->by_name, part_cmp)) {
		free(p->name);
		free(p);
		return NULL;
	}
	p->next = v->parts;
	if (p->next)
		p->next->pprev = &p->next;
	p->pprev = &v->parts;
	v->parts = p;
	return p;
}

static void good_free(struct etcd_kv *good, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(good[i].key);
		free(good[i].value);
	}
	free(good);
}

/* The computation under way, dropped. */
static void part_forget(struct part *p)
{
	config_free(p->want);
	p->want = NULL;
	cluster_result_free(&p->wres);
	p->computed = false;
}

static void part_clear(struct part *p)
{
	tdestroy(p->keys, kv_free);
	p->keys = NULL;
	p->n_keys = 0;
	p->own = 0;
	config_free(p->applied);
	p->applied = NULL;
	cluster_result_free(&p->res);
	good_free(p->good, p->n_good);
	p->good = NULL;
	p->n_good = 0;
	part_forget(p);
}

static void part_free(struct view *v, struct part *p)
{
	tdelete(p, &v->by_name, part_cmp);
	*p->pprev = p->next;
	if (p->next)
		p->next->pprev = p->pprev;
	part_clear(p);
	free(p->name);
	free(p);
}

struct view *view_new(const struct cluster_host *h)
{
	struct view *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->h = *h;
	v->own_prefix = malloc(strlen(h->prefix) + strlen(h->host) + 8);
	v->base.name = strdup("");
	v->records.name = strdup("");
	if (!v->own_prefix || !v->base.name || !v->records.name) {
		view_free(v);
		return NULL;
	}
	sprintf(v->own_prefix, "%shosts/%s/", h->prefix, h->host);
	v->base.dirty = true;
	return v;
}

void view_free(struct view *v)
{
	if (!v)
		return;
	while (v->parts)
		part_free(v, v->parts);
	part_clear(&v->base);
	part_clear(&v->records);
	free(v->base.name);
	free(v->records.name);
	free(v->own_prefix);
	free(v);
}

size_t view_keys(const struct view *v)
{
	return v->n_keys;
}

/* A record changed: the held domains name its tunnel. */
static void records_changed(struct view *v)
{
	struct part *p;

	v->base.dirty = true;
	for (p = v->parts; p; p = p->next)
		if (p->own || p->applied)
			p->dirty = true;
}

/* The part @key goes to, or NULL when out of memory. */
static struct part *part_of(struct view *v, const char *key)
{
	char dom[256];

	switch (classify(v, key, dom, sizeof(dom))) {
	case KEY_RECORD:
		return &v->records;
	case KEY_DOMAIN:
		return part_get(v, dom, true);
	default:
		return &v->base;
	}
}

static bool is_own(const struct view *v, const struct part *p,
		   const char *key)
{
	return p != &v->base && p != &v->records &&
	       !strncmp(key, v->own_prefix, strlen(v->own_prefix));
}

/*
 * A key of @len bytes as a string: etcd's keys may hold NUL bytes, which
 * become 0x01 (cluster_want() skips such a key, and reports it) so that
 * "K\0X" can neither stand for nor replace the key "K".
 */
static char *key_copy(const char *key, size_t len)
{
	char *k;
	size_t i;

	if (len < strlen(key))
		len = strlen(key);
	k = malloc(len + 1);
	if (!k)
		return NULL;
	for (i = 0; i < len; i++)
		k[i] = key[i] ? key[i] : 1;
	k[len] = '\0';
	return k;
}

int view_put(struct view *v, const struct etcd_kv *src)
{
	struct etcd_kv *kv = calloc(1, sizeof(*kv)), **slot, *old;
	struct part *p;

	if (!kv)
		return -ENOMEM;
	*kv = *src;
	kv->key = key_copy(src->key, src->key_len);
	kv->value = malloc(src->value_len + 1);
	p = kv->key ? part_of(v, kv->key) : NULL;
	if (!kv->key || !kv->value || !p) {
		kv_free(kv);
		return -ENOMEM;
	}
	memcpy(kv->value, src->value ? src->value : "", src->value_len);
	kv->value[src->value_len] = '\0';
	slot = tsearch(kv, &p->keys, kv_cmp);
	if (!slot) {
		kv_free(kv);
		return -ENOMEM;
	}
	if (*slot != kv) {
		old = *slot;
		*slot = kv;
		/* the same value again (a lease renewed) changes nothing */
		if (old->value_len == kv->value_len &&
		    old->create_revision == kv->create_revision &&
		    !memcmp(old->value, kv->value, kv->value_len)) {
			kv_free(old);
			return 0;
		}
		kv_free(old);
	} else {
		p->n_keys++;
		v->n_keys++;
		if (is_own(v, p, kv->key))
			p->own++;
	}
	if (p == &v->records)
		records_changed(v);
	else
		p->dirty = true;
	return 0;
}

void view_del(struct view *v, const struct etcd_kv *del)
{
	struct etcd_kv probe = { 0 }, **slot, *kv;
	struct part *p;
	char dom[256];

	probe.key = key_copy(del->key, del->key_len);
	if (!probe.key)
		return;
	switch (classify(v, probe.key, dom, sizeof(dom))) {
	case KEY_RECORD:
		p = &v->records;
		break;
	case KEY_DOMAIN:
		p = part_get(v, dom, false);
		break;
	default:
		p = &v->base;
	}
	slot = p ? tfind(&probe, &p->keys, kv_cmp) : NULL;
	if (!slot) {
		free(probe.key);
		return;
	}
	kv = *slot;
	tdelete(&probe, &p->keys, kv_cmp);
	p->n_keys--;
	v->n_keys--;
	if (is_own(v, p, probe.key))
		p->own--;
	free(probe.key);
	kv_free(kv);
	if (p == &v->records)
		records_changed(v);
	else
		p->dirty = true;
}

void view_clear(struct view *v)
{
	struct part *p;

	for (p = v->parts; p; p = p->next) {
		tdestroy(p->keys, kv_free);
		p->keys = NULL;
		p->n_keys = 0;
		p->own = 0;
		p->dirty = true;
	}
	tdestroy(v->base.keys, kv_free);
	v->base.keys = NULL;
	v->base.n_keys = 0;
	v->base.dirty = true;
	tdestroy(v->records.keys, kv_free);
	v->records.keys = NULL;
	v->records.n_keys = 0;
	v->n_keys = 0;
}

/*
 * Whether the computation of @p waits for device @dev or, with
 * @attached, stands on it as a port.
 */
static bool names_dev(const struct part *p, const char *dev, bool attached)
{
	const struct cluster_result *r = p->computed ? &p->wres : &p->res;
	size_t i;

	for (i = 0; i < r->n_waiting; i++)
		if (!strcmp(r->waiting[i].port, dev))
			return true;
	for (i = 0; attached && i < r->n_src; i++)
		if (!strncmp(r->src[i].record, "port ", 5) &&
		    !strcmp(r->src[i].record + 5, dev))
			return true;
	return false;
}

bool view_dev(struct view *v, const char *dev, bool gone)
{
	bool any = false;
	struct part *p;

	if (!dev || (gone && !strcmp(dev, v->h.uplink))) {
		records_changed(v);
		return true;
	}
	if (names_dev(&v->base, dev, gone)) {
		v->base.dirty = true;
		any = true;
	}
	for (p = v->parts; p; p = p->next)
		if (names_dev(p, dev, gone)) {
			p->dirty = true;
			any = true;
		}
	return any;
}

void view_touch(struct view *v, const char *record)
{
	struct part *p;

	if (v->base.applied && config_has(v->base.applied, record))
		v->base.dirty = true;
	for (p = v->parts; p; p = p->next)
		if (p->applied && config_has(p->applied, record))
			p->dirty = true;
}

bool view_dirty(const struct view *v)
{
	const struct part *p;

	if (v->base.dirty)
		return true;
	for (p = v->parts; p; p = p->next)
		if (p->dirty)
			return true;
	return false;
}

/* Computing */

static struct etcd_kv *walk_out;
static size_t walk_n;

static void walk_collect(const void *node, VISIT which, int depth)
{
	(void)depth;
	if (which == postorder || which == leaf)
		walk_out[walk_n++] = **(struct etcd_kv *const *)node;
}

/* Shallow copies of the pairs of @a and @b, in *@n. */
static struct etcd_kv *collect(const struct part *a, const struct part *b,
			       size_t *n)
{
	walk_out = calloc(a->n_keys + b->n_keys + 1, sizeof(*walk_out));
	walk_n = 0;
	if (!walk_out)
		return NULL;
	twalk(a->keys, walk_collect);
	twalk(b->keys, walk_collect);
	*n = walk_n;
	return walk_out;
}

/* The last good pairs of @a and @b together, sorted (shallow). */
static struct etcd_kv *goods(const struct part *a, const struct part *b,
			     size_t *n)
{
	struct etcd_kv *g = calloc(a->n_good + b->n_good + 1, sizeof(*g));

	if (!g)
		return NULL;
	memcpy(g, a->good, a->n_good * sizeof(*g));
	memcpy(g + a->n_good, b->good, b->n_good * sizeof(*g));
	*n = a->n_good + b->n_good;
	qsort(g, *n, sizeof(*g), kv_cmp);
	return g;
}

/*
 * Keep in @r what belongs to a domain's computation: the records it
 * read are the base's to report and to keep.
 */
static void drop_records(const struct view *v, struct cluster_result *r)
{
	char dom[256];
	size_t i, j;

	for (i = j = 0; i < r->n_skipped; i++) {
		if (classify(v, r->skipped[i].key, dom, sizeof(dom)) ==
		    KEY_RECORD) {
			free(r->skipped[i].key);
			free(r->skipped[i].reason);
			continue;
		}
		r->skipped[j++] = r->skipped[i];
	}
	r->n_skipped = j;
	for (i = j = 0; i < r->n_used; i++)
		if (classify(v, r->used[i]->key, dom, sizeof(dom)) !=
		    KEY_RECORD)
			r->used[j++] = r->used[i];
	r->n_used = j;
}

/*
 * Copy the pairs @p's computation used (they point into @kvs, or into
 * the good pairs given to it): its last good pairs once applied.
 */
static struct etcd_kv *copy_used(const struct cluster_result *r, size_t *n)
{
	struct etcd_kv *g = calloc(r->n_used + 1, sizeof(*g));
	size_t i;

	if (!g)
		return NULL;
	for (i = 0; i < r->n_used; i++) {
		const struct etcd_kv *u = r->used[i];

		g[i] = *u;
		g[i].key = strdup(u->key);
		g[i].value = malloc(u->value_len + 1);
		if (!g[i].key || !g[i].value) {
			good_free(g, i + 1);
			return NULL;
		}
		memcpy(g[i].value, u->value, u->value_len);
		g[i].value[u->value_len] = '\0';
	}
	qsort(g, r->n_used, sizeof(*g), kv_cmp);
	*n = r->n_used;
	return g;
}

static const char *uplink_key(const struct view *v)
{
	static char key[64];

	snprintf(key, sizeof(key), "port %s", v->h.uplink);
	return key;
}

/* Whether the base wants the uplink: computed (before the domains), or as applied. */
static bool uplink_wanted(const struct view *v)
{
	const struct config *b = v->base.computed ? v->base.want :
				 v->base.applied;

	return b && config_has(b, uplink_key(v));
}

/*
 * Compute what @p wants.  The pairs its result points to are copied
 * before they go (res.used into wgood); the rest of the result holds
 * copies of its own.
 */
static int compute(struct view *v, struct part *p,
		   const struct cluster_skip *exclude, size_t n_exclude,
		   struct etcd_kv **wgood, size_t *n_wgood)
{
	struct cluster_host h = v->h;
	struct etcd_kv *kvs, *good = NULL;
	size_t n = 0, n_g = 0;
	int ret = 0;

	part_forget(p);
	p->want = config_new();
	if (!p->want)
		return -ENOMEM;
	p->computed = true;
	*wgood = NULL;
	*n_wgood = 0;
	/* a domain this host holds nothing in wants nothing */
	if (p != &v->base && !p->own)
		return 0;
	kvs = collect(p, &v->records, &n);
	good = p == &v->base ? goods(p, &v->records, &n_g) :
	       goods(p, &v->base, &n_g);
	if (!kvs || !good) {
		free(kvs);
		free(good);
		return -ENOMEM;
	}
	h.good = good;
	h.n_good = n_g;
	h.no_uplink = p != &v->base;
	/*
	 * The remote endpoints of a domain stand on the uplink, which is
	 * the base's: there for the check of their lines, then taken out.
	 */
	if (h.no_uplink && uplink_wanted(v)) {
		struct config_error err;
		char line[64];

		snprintf(line, sizeof(line), "port attach %s role uplink",
			 h.uplink);
		ret = config_add_line(p->want, line, &err);
	}
	if (!ret)
		ret = cluster_want(&h, kvs, n, exclude, n_exclude, p->want,
				   &p->wres);
	if (h.no_uplink && uplink_wanted(v))
		config_remove(p->want, uplink_key(v));
	if (!ret && p != &v->base)
		drop_records(v, &p->wres);
	if (!ret) {
		*wgood = copy_used(&p->wres, n_wgood);
		if (!*wgood)
			ret = -ENOMEM;
	}
	/* the result must not point into what is freed here */
	free(p->wres.used);
	p->wres.used = NULL;
	p->wres.n_used = 0;
	free(kvs);
	free(good);
	return ret;
}

/* The good pairs of each computed part, until view_commit(). */
struct pending_good {
	struct part *p;
	struct etcd_kv *good;
	size_t n;
};

static struct pending_good *pend;
static size_t n_pend;

static void pend_clear(void)
{
	size_t i;

	for (i = 0; i < n_pend; i++)
		good_free(pend[i].good, pend[i].n);
	free(pend);
	pend = NULL;
	n_pend = 0;
}

static int pend_add(struct part *p, struct etcd_kv *good, size_t n)
{
	struct pending_good *np = realloc(pend, (n_pend + 1) * sizeof(*np));

	if (!np) {
		good_free(good, n);
		return -ENOMEM;
	}
	pend = np;
	pend[n_pend].p = p;
	pend[n_pend].good = good;
	pend[n_pend].n = n;
	n_pend++;
	return 0;
}

/* Add @p's wanted and applied configurations to @want and @cur. */
static int part_add(struct part *p, bool computed, struct config *want,
		    struct config *cur, const char **dup)
{
	const struct config *w = computed ? p->want : p->applied;
	int ret = 0;

	if (w)
		ret = config_copy(want, w, NULL, dup);
	if (!ret && p->applied && cur)
		ret = config_copy(cur, p->applied, NULL, dup);
	return ret;
}

int view_want(struct view *v, bool all, const struct cluster_skip *exclude,
	      size_t n_exclude, struct config *want, struct config *cur,
	      const char **dup)
{
	struct etcd_kv *good;
	struct part *p;
	size_t n;
	int ret;

	*dup = NULL;
	pend_clear();
	/* the base first: the uplink comes before what stands on it */
	for (p = &v->base; p; p = p == &v->base ? v->parts : p->next) {
		if (!p->dirty) {
			part_forget(p);
			if (all) {
				ret = part_add(p, false, want, NULL, dup);
				if (ret)
					return ret;
			}
			continue;
		}
		ret = compute(v, p, exclude, n_exclude, &good, &n);
		if (!ret)
			ret = pend_add(p, good, n);
		if (!ret)
			ret = part_add(p, true, want, all ? NULL : cur, dup);
		if (ret)
			return ret;
	}
	return 0;
}

void view_commit(struct view *v)
{
	struct part *p, *next;
	size_t i;

	for (i = 0; i < n_pend; i++) {
		p = pend[i].p;
		good_free(p->good, p->n_good);
		p->good = pend[i].good;
		p->n_good = pend[i].n;
		pend[i].good = NULL;
		pend[i].n = 0;
		config_free(p->applied);
		p->applied = p->want;
		p->want = NULL;
		cluster_result_free(&p->res);
		p->res = p->wres;
		memset(&p->wres, 0, sizeof(p->wres));
		p->computed = false;
		p->dirty = false;
	}
	pend_clear();
	/* a domain of no key that the module holds nothing of is gone */
	for (p = v->parts; p; p = next) {
		next = p->next;
		if (!p->n_keys && !p->dirty &&
		    (!p->applied || !config_count(p->applied)))
			part_free(v, p);
	}
}

/* Result */

static const struct cluster_result *last(const struct part *p)
{
	return p->computed ? &p->wres : &p->res;
}

/* Room for @add more elements of @size bytes after the @n of *@arr. */
static bool grow(void *arr, size_t n, size_t add, size_t size)
{
	void **a = arr, *p = realloc(*a, (n + add + 1) * size);

	if (p)
		*a = p;
	return p;
}

static void result_add(struct cluster_result *res,
		       const struct cluster_result *r, const char *domain)
{
	if (grow(&res->skipped, res->n_skipped, r->n_skipped,
		 sizeof(*res->skipped))) {
		memcpy(res->skipped + res->n_skipped, r->skipped,
		       r->n_skipped * sizeof(*r->skipped));
		res->n_skipped += r->n_skipped;
	}
	if (grow(&res->waiting, res->n_waiting, r->n_waiting,
		 sizeof(*res->waiting))) {
		memcpy(res->waiting + res->n_waiting, r->waiting,
		       r->n_waiting * sizeof(*r->waiting));
		res->n_waiting += r->n_waiting;
	}
	if (domain && r->n_domains &&
	    grow(&res->domains, res->n_domains, 1, sizeof(*res->domains)))
		res->domains[res->n_domains++] = (char *)domain;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

void view_result(const struct view *v, struct cluster_result *res)
{
	const struct part *p;

	memset(res, 0, sizeof(*res));
	result_add(res, last(&v->base), NULL);
	for (p = v->parts; p; p = p->next)
		result_add(res, last(p), p->name);
	/* the order of the status, whatever the order of the list */
	if (res->domains)
		qsort(res->domains, res->n_domains, sizeof(*res->domains),
		      str_cmp);
}

void view_result_free(struct cluster_result *res)
{
	free(res->skipped);
	free(res->waiting);
	free(res->domains);
	memset(res, 0, sizeof(*res));
}

const char *view_src_key(const struct view *v, const char *record)
{
	const struct part *p;
	const char *key = cluster_src_key(last(&v->base), record);

	for (p = v->parts; p && !key; p = p->next)
		key = cluster_src_key(last(p), record);
	return key;
}
