// SPDX-License-Identifier: GPL-2.0
/*
 * The cluster as one host sees it, domain by domain (view.h).
 */
#define _GNU_SOURCE		/* tdestroy() */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "view.h"

/* The keys of one domain, or of the base, and what came of them. */
struct part {
	char *name;		/* the domain; "" for the base */
	void *keys;		/* tsearch tree of struct etcd_kv *, owned */
	void *ctx_keys;		/* those of the domain, groups, services, chains */
	size_t n_ctx;
	size_t n_keys;
	size_t own;		/* keys of this host (endpoints, instances, exits) */
	bool dirty;
	struct config *applied;	/* what the module holds of it */
	struct cluster_result res;	/* what it wanted when applied */
	struct etcd_kv *good;	/* the pairs applied, sorted by key */
	size_t n_good;
	/*
	 * The keys changed since the last commit, while each can be
	 * computed alone (rules, other hosts' endpoints whose MAC and
	 * addresses no other endpoint has); else the whole domain is.
	 */
	char **touched;
	size_t n_touched;
	bool whole;
	bool retry;		/* committed with records refused */
	void *macs, *addrs;	/* tsearch trees of struct count */
	/* the computation of the apply under way */
	bool computed;
	bool sub;		/* of the touched keys only */
	struct config *want;
	struct config *cur_sub;	/* what was applied of them (and context) */
	struct cluster_result wres;
	struct part *next, **pprev;
};

/* How many endpoint keys of a domain have a MAC, or an address. */
struct count {
	char *s;
	int n;
};

#define MAX_TOUCHED	64	/* beyond, the whole domain is computed */

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
	bool last = false;

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
		else if (!strncmp(rest, "exits/", 6))
			last = true;	/* hosts/H/exits/D */
		else
			return KEY_OTHER;
		if (last)
			rest += 6;
		else if (!strchr(rest, '/'))
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
	struct part probe = { .name = (char *)name }, *p, **slot, **pp;

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
	/* in name order: of two domains that want one thing, the first has it */
	for (pp = &v->parts; *pp && strcmp((*pp)->name, name) < 0;
	     pp = &(*pp)->next)
		;
	p->next = *pp;
	if (p->next)
		p->next->pprev = &p->next;
	p->pprev = pp;
	*pp = p;
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

static void touched_clear(struct part *p);
static void count_free(void *p);
static void pend_clear(void);

/* The computation under way, dropped. */
static void part_forget(struct part *p)
{
	config_free(p->want);
	p->want = NULL;
	config_free(p->cur_sub);
	p->cur_sub = NULL;
	cluster_result_free(&p->wres);
	p->computed = false;
	p->sub = false;
}

/* Every key gone: nothing counted, the whole domain to compute. */
static void no_free(void *p)
{
	(void)p;
}

static void part_keys_clear(struct part *p)
{
	tdestroy(p->ctx_keys, no_free);
	p->ctx_keys = NULL;
	p->n_ctx = 0;
	tdestroy(p->keys, kv_free);
	p->keys = NULL;
	p->n_keys = 0;
	p->own = 0;
	tdestroy(p->macs, count_free);
	p->macs = NULL;
	tdestroy(p->addrs, count_free);
	p->addrs = NULL;
	touched_clear(p);
	p->whole = true;
	p->dirty = true;
}

static void part_clear(struct part *p)
{
	part_keys_clear(p);
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
	pend_clear();
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
		if (p->own || p->applied) {
			p->dirty = true;
			p->whole = true;
		}
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

/* The touched keys */

static int count_cmp(const void *a, const void *b)
{
	return strcmp(((const struct count *)a)->s,
		      ((const struct count *)b)->s);
}

static void count_free(void *p)
{
	struct count *c = p;

	free(c->s);
	free(c);
}

/* Add @d to the count of @s; the count before, or -1 if out of memory. */
static int count_add(void **tree, const char *s, int d)
{
	struct count probe = { .s = (char *)s }, *c, **slot;
	int before;

	slot = tfind(&probe, tree, count_cmp);
	if (!d)
		return slot ? (*slot)->n : 0;
	if (!slot) {
		if (d < 0)
			return 0;
		c = calloc(1, sizeof(*c));
		if (c)
			c->s = strdup(s);
		if (!c || !c->s || !tsearch(c, tree, count_cmp)) {
			if (c)
				free(c->s);
			free(c);
			return -1;
		}
		c->n = d;
		return 0;
	}
	c = *slot;
	before = c->n;
	c->n += d;
	if (c->n <= 0) {
		tdelete(c, tree, count_cmp);
		count_free(c);
	}
	return before;
}

static void touched_clear(struct part *p)
{
	size_t i;

	for (i = 0; i < p->n_touched; i++)
		free(p->touched[i]);
	free(p->touched);
	p->touched = NULL;
	p->n_touched = 0;
	p->whole = false;
}

static bool is_touched(const struct part *p, const char *key)
{
	size_t i;

	for (i = 0; i < p->n_touched; i++)
		if (!strcmp(p->touched[i], key))
			return true;
	return false;
}

static void touch(struct part *p, const char *key)
{
	char **t;

	if (p->whole || is_touched(p, key))
		return;
	if (p->n_touched >= MAX_TOUCHED) {
		p->whole = true;
		return;
	}
	t = realloc(p->touched, (p->n_touched + 1) * sizeof(*t));
	if (t) {
		p->touched = t;
		t[p->n_touched] = strdup(key);
	}
	if (!t || !t[p->n_touched]) {
		p->whole = true;
		return;
	}
	p->n_touched++;
}

/*
 * Count the MAC of endpoint key @key (if @mac) and the addresses of
 * its @value by @d; false if another endpoint had or has one of them
 * (the domain is then computed whole: the oldest key keeps a MAC, the
 * first an address), or if it owns prefixes (whose lines may clash
 * with any other key's of the domain).
 */
static bool count_endpoint(struct part *p, const char *key, bool mac,
			   const char *value, int d)
{
	const char *m = strrchr(key, '/');
	json_object *val, *ips, *ip;
	char lower[32], text[64];
	unsigned char addr[16];
	bool alone = true;
	size_t i, n;
	int before;

	/* a MAC is counted as its key comes or goes, looked at always */
	if (m && strlen(m + 1) < sizeof(lower)) {
		for (i = 0; m[i + 1]; i++)
			lower[i] = tolower((unsigned char)m[i + 1]);
		lower[i] = '\0';
		before = count_add(&p->macs, lower, mac ? d : 0);
		if (before < 0 || before + (mac ? d : 0) > 1 || before > 1)
			alone = false;
	}
	val = json_tokener_parse(value);
	if (val && json_object_object_get_ex(val, "prefixes", NULL))
		alone = false;
	if (val && json_object_object_get_ex(val, "ips", &ips) &&
	    json_object_is_type(ips, json_type_array)) {
		n = json_object_array_length(ips);
		for (i = 0; i < n; i++) {
			ip = json_object_array_get_idx(ips, i);
			if (!ip || !json_object_is_type(ip, json_type_string))
				continue;
			memset(addr, 0, sizeof(addr));
			if (inet_pton(AF_INET, json_object_get_string(ip),
				      addr) != 1 &&
			    inet_pton(AF_INET6, json_object_get_string(ip),
				      addr) != 1)
				continue;
			for (int b = 0; b < 16; b++)
				sprintf(text + 2 * b, "%02x", addr[b]);
			before = count_add(&p->addrs, text, d);
			if (before < 0 || before + d > 1 ||
			    (d < 0 && before > 1))
				alone = false;
		}
	}
	if (val)
		json_object_put(val);
	return alone;
}

/*
 * Key @key of domain part @p changes from @old (NULL: it is new) to
 * @new (NULL: deleted): what must be computed again.
 */
static void changed(struct view *v, struct part *p, const char *key,
		    const char *old, const char *new)
{
	size_t plen = strlen(v->h.prefix);
	bool alone = true;
	const char *rest;

	p->dirty = true;
	if (p == &v->base)
		return;
	rest = key + plen;
	if (!strncmp(rest, "hosts/", 6) && strstr(rest, "/endpoints/")) {
		if (old)
			alone &= count_endpoint(p, key, !new, old, -1);
		if (new)
			alone &= count_endpoint(p, key, !old, new, 1);
		/* an endpoint of another host, alone with its addresses */
		if (alone && !is_own(v, p, key))
			touch(p, key);
		else
			p->whole = true;
		return;
	}
	if (!strncmp(rest, "config/domains/", 15) && strstr(rest, "/rules/")) {
		touch(p, key);
		return;
	}
	/*
	 * the domain, a group, service, chain; an own endpoint, instance,
	 * exit; another host's instance or exit (computed to report it)
	 */
	p->whole = true;
}

/*
 * Whether @key is one a computation of touched keys reads of their
 * domain: the domain's own, a group's, a service's or a chain's.
 */
static bool is_ctx_key(const struct view *v, const struct part *p,
		       const char *key)
{
	size_t plen = strlen(v->h.prefix), nlen = strlen(p->name);
	const char *rest = key + plen + 15;

	if (p == &v->base || p == &v->records ||
	    strncmp(key, v->h.prefix, plen) ||
	    strncmp(key + plen, "config/domains/", 15) ||
	    strncmp(rest, p->name, nlen))
		return false;
	rest += nlen;
	return !*rest || !strncmp(rest, "/groups/", 8) ||
	       !strncmp(rest, "/services/", 10) ||
	       !strncmp(rest, "/chains/", 8);
}

/* @kv is now the pair of its key: in the context tree too if it is one. */
static void ctx_put(struct view *v, struct part *p, struct etcd_kv *kv)
{
	struct etcd_kv **slot;

	if (!is_ctx_key(v, p, kv->key))
		return;
	slot = tsearch(kv, &p->ctx_keys, kv_cmp);
	if (!slot) {
		p->whole = true;	/* no sub computation without it */
		return;
	}
	if (*slot == kv)
		p->n_ctx++;
	*slot = kv;
}

static void ctx_del(struct view *v, struct part *p, const struct etcd_kv *kv)
{
	if (is_ctx_key(v, p, kv->key) && tdelete(kv, &p->ctx_keys, kv_cmp))
		p->n_ctx--;
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
	old = NULL;
	if (*slot != kv) {
		old = *slot;
		*slot = kv;
		ctx_put(v, p, kv);
		/* the same value again (a lease renewed) changes nothing */
		if (old->value_len == kv->value_len &&
		    old->create_revision == kv->create_revision &&
		    !memcmp(old->value, kv->value, kv->value_len)) {
			kv_free(old);
			return 0;
		}
	} else {
		p->n_keys++;
		v->n_keys++;
		if (is_own(v, p, kv->key))
			p->own++;
		ctx_put(v, p, kv);
	}
	if (p == &v->records)
		records_changed(v);
	else if (old && old->create_revision != kv->create_revision) {
		/* deleted and made again: its age (for a MAC) changed */
		changed(v, p, kv->key, old->value, NULL);
		changed(v, p, kv->key, NULL, kv->value);
		p->whole = true;
	} else
		changed(v, p, kv->key, old ? old->value : NULL, kv->value);
	kv_free(old);
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
	ctx_del(v, p, kv);
	tdelete(&probe, &p->keys, kv_cmp);
	p->n_keys--;
	v->n_keys--;
	if (is_own(v, p, probe.key))
		p->own--;
	if (p == &v->records)
		records_changed(v);
	else
		changed(v, p, probe.key, kv->value, NULL);
	free(probe.key);
	kv_free(kv);
}

void view_clear(struct view *v)
{
	struct part *p;

	for (p = v->parts; p; p = p->next)
		part_keys_clear(p);
	part_keys_clear(&v->base);
	part_keys_clear(&v->records);
	v->n_keys = 0;
}

/*
 * Whether the computation of @p waits for device @dev or, with
 * @attached, stands on it as a port.
 */
static bool names_dev(const struct part *p, const char *dev, bool attached)
{
	const struct cluster_result *r = p->computed && !p->sub ? &p->wres :
					 &p->res;
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
			p->whole = true;
			any = true;
		}
	return any;
}

void view_touch(struct view *v, const char *record)
{
	struct part *p;

	/* a domain computed now that wants it is the one refused */
	if (v->base.computed && config_has(v->base.want, record))
		return;
	for (p = v->parts; p; p = p->next)
		if (p->computed && p->want && config_has(p->want, record))
			return;
	if (v->base.applied && config_has(v->base.applied, record))
		v->base.dirty = true;
	for (p = v->parts; p; p = p->next)
		if (p->applied && config_has(p->applied, record)) {
			p->dirty = true;
			p->whole = true;
		}
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
	if (a->n_good)
		memcpy(g, a->good, a->n_good * sizeof(*g));
	if (b->n_good)
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

/* Computing the touched keys alone */

static void walk_ctx(const void *node, VISIT which, int depth)
{
	(void)depth;
	if (which == postorder || which == leaf)
		walk_out[walk_n++] = **(struct etcd_kv *const *)node;
}

/*
 * The keys a computation of @p's touched keys reads: the touched keys
 * that are there, the context, and the records.
 */
static struct etcd_kv *collect_sub(const struct view *v, const struct part *p,
				   size_t *n)
{
	struct etcd_kv probe = { 0 }, **slot;
	size_t i;

	walk_out = calloc(p->n_touched + p->n_ctx + v->records.n_keys + 1,
			  sizeof(*walk_out));
	walk_n = 0;
	if (!walk_out)
		return NULL;
	for (i = 0; i < p->n_touched; i++) {
		probe.key = p->touched[i];
		slot = tfind(&probe, &p->keys, kv_cmp);
		if (slot)
			walk_out[walk_n++] = **slot;
	}
	twalk(p->ctx_keys, walk_ctx);
	twalk(v->records.keys, walk_collect);
	*n = walk_n;
	return walk_out;
}

/* The record key that etcd key @key gave in @r, or NULL. */
static const char *record_of(const struct cluster_result *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->n_src; i++)
		if (!strcmp(r->src[i].key, key))
			return r->src[i].record;
	return NULL;
}

static struct config *sub_dst;
static const struct config *sub_src;
static const char *sub_domain;
static size_t sub_plen;
static int sub_err;

/* The record of a context key: "domain D", "group D G"... */
static void copy_ctx(const void *node, VISIT which, int depth)
{
	const struct etcd_kv *kv = *(struct etcd_kv *const *)node;
	const char *rest = kv->key + sub_plen + 15 + strlen(sub_domain);
	char rec[600];
	int ret;

	(void)depth;
	if (which != postorder && which != leaf)
		return;
	if (!*rest)
		snprintf(rec, sizeof(rec), "domain %s", sub_domain);
	else if (!strncmp(rest, "/groups/", 8))
		snprintf(rec, sizeof(rec), "group %s %s", sub_domain, rest + 8);
	else if (!strncmp(rest, "/services/", 10))
		snprintf(rec, sizeof(rec), "service %s %s", sub_domain,
			 rest + 10);
	else
		snprintf(rec, sizeof(rec), "chain %s %s", sub_domain, rest + 8);
	ret = config_copy_key(sub_dst, sub_src, rec);
	if (ret && ret != -ENOENT && !sub_err)
		sub_err = ret;
}

/*
 * What was applied of @p's touched keys, with what their lines need
 * (the domain, its groups, services and chains): the diff against the
 * computation of the same keys is the change.
 */
static int sub_cur(const struct view *v, struct part *p)
{
	size_t i, j;
	int ret;

	sub_dst = p->cur_sub;
	sub_src = p->applied;
	sub_domain = p->name;
	sub_plen = strlen(v->h.prefix);
	sub_err = 0;
	/* in key order: the domain's own key, a prefix of the others, first */
	twalk(p->ctx_keys, copy_ctx);
	if (sub_err)
		return sub_err;
	/* one walk of the sources for all the touched keys */
	for (i = 0; i < p->res.n_src; i++)
		for (j = 0; j < p->n_touched; j++)
			if (!strcmp(p->res.src[i].key, p->touched[j])) {
				ret = config_copy_key(p->cur_sub, p->applied,
						      p->res.src[i].record);
				if (ret && ret != -ENOENT)
					return ret;
				break;
			}
	return 0;
}

/* Whether @key is the record of a touched key in @p's computation. */
static bool keep_touched(const char *key, void *arg)
{
	const struct part *p = arg;
	size_t i;

	for (i = 0; i < p->wres.n_src; i++)
		if (!strcmp(p->wres.src[i].record, key))
			return is_touched(p, p->wres.src[i].key);
	return false;
}

/* The entries of @r from touched keys (@in) or from others (!@in). */
static void filter_result(const struct part *p, struct cluster_result *r,
			  bool in)
{
	size_t i, j;

	for (i = j = 0; i < r->n_skipped; i++) {
		if (is_touched(p, r->skipped[i].key) == in) {
			r->skipped[j++] = r->skipped[i];
			continue;
		}
		free(r->skipped[i].key);
		free(r->skipped[i].reason);
	}
	r->n_skipped = j;
	for (i = j = 0; i < r->n_waiting; i++) {
		if (is_touched(p, r->waiting[i].key) == in) {
			r->waiting[j++] = r->waiting[i];
			continue;
		}
		free(r->waiting[i].key);
		free(r->waiting[i].port);
	}
	r->n_waiting = j;
	for (i = j = 0; i < r->n_src; i++) {
		if (is_touched(p, r->src[i].key) == in) {
			r->src[j++] = r->src[i];
			continue;
		}
		free(r->src[i].record);
		free(r->src[i].key);
	}
	r->n_src = j;
}

/* Append the arrays of @from to those of @to (which takes their strings). */
static int result_move(struct cluster_result *to, struct cluster_result *from)
{
	struct cluster_skip *sk;
	struct cluster_wait *w;
	struct cluster_src *sr;

	sk = realloc(to->skipped, (to->n_skipped + from->n_skipped + 1) *
		     sizeof(*sk));
	if (sk)
		to->skipped = sk;
	w = realloc(to->waiting, (to->n_waiting + from->n_waiting + 1) *
		    sizeof(*w));
	if (w)
		to->waiting = w;
	sr = realloc(to->src, (to->n_src + from->n_src + 1) * sizeof(*sr));
	if (sr)
		to->src = sr;
	if (!sk || !w || !sr)
		return -ENOMEM;
	if (from->n_skipped)
		memcpy(to->skipped + to->n_skipped, from->skipped,
		       from->n_skipped * sizeof(*sk));
	to->n_skipped += from->n_skipped;
	if (from->n_waiting)
		memcpy(to->waiting + to->n_waiting, from->waiting,
		       from->n_waiting * sizeof(*w));
	to->n_waiting += from->n_waiting;
	if (from->n_src)
		memcpy(to->src + to->n_src, from->src,
		       from->n_src * sizeof(*sr));
	to->n_src += from->n_src;
	from->n_skipped = 0;
	from->n_waiting = 0;
	from->n_src = 0;
	return 0;
}

/*
 * The touched keys of @p were applied: their old records and results
 * make way for the new.  -ENOMEM leaves @p to be computed whole.
 */
static int commit_sub(struct part *p, struct etcd_kv *good, size_t n_good)
{
	struct config *fresh;
	struct etcd_kv *g;
	size_t i, j, k;
	int ret;

	for (i = 0; i < p->n_touched; i++) {
		const char *rec = record_of(&p->res, p->touched[i]);

		if (rec)
			config_remove(p->applied, rec);
	}
	ret = config_copy_if(p->applied, p->want, keep_touched, p, NULL);
	/* records removed take room: copied anew when they are many */
	if (!ret && config_dead(p->applied) > config_count(p->applied) + 64) {
		const char *dup;

		fresh = config_new();
		ret = fresh ? config_copy(fresh, p->applied, &dup) :
		      -ENOMEM;
		if (!ret) {
			config_free(p->applied);
			p->applied = fresh;
		} else {
			config_free(fresh);
		}
	}
	if (!ret) {
		filter_result(p, &p->res, false);
		filter_result(p, &p->wres, true);
		ret = result_move(&p->res, &p->wres);
	}
	/*
	 * The last good pairs: the others' kept, the touched ones' new,
	 * both sorted (copy_used()), merged.
	 */
	g = ret ? NULL : calloc(p->n_good + n_good + 1, sizeof(*g));
	if (!g) {
		good_free(good, n_good);
		return -ENOMEM;
	}
	for (i = k = j = 0; i < p->n_good || k < n_good;) {
		if (i < p->n_good && is_touched(p, p->good[i].key)) {
			free(p->good[i].key);
			free(p->good[i++].value);
		} else if (k < n_good && !is_touched(p, good[k].key)) {
			free(good[k].key);
			free(good[k++].value);
		} else if (k == n_good ||
			   (i < p->n_good && kv_cmp(&p->good[i], &good[k]) < 0)) {
			g[j++] = p->good[i++];
		} else {
			g[j++] = good[k++];
		}
	}
	free(p->good);
	free(good);
	p->good = g;
	p->n_good = j;
	return 0;
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
static int compute(struct view *v, struct part *p, bool all,
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
	/*
	 * The touched keys alone, in a domain held (by its own keys,
	 * which are not among them: one of those sets whole).
	 */
	p->sub = !all && p != &v->base && !p->whole && p->n_touched &&
		 p->applied && p->res.n_domains;
	if (p->sub) {
		p->cur_sub = config_new();
		ret = p->cur_sub ? sub_cur(v, p) : -ENOMEM;
		if (ret)
			return ret;
		kvs = collect_sub(v, p, &n);
	} else {
		kvs = collect(p, &v->records, &n);
	}
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
	/* its own keys are not among the touched ones: held all the same */
	h.hold = p->sub ? p->name : NULL;
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
	const struct config *c = computed && p->sub ? p->cur_sub : p->applied;
	int ret = 0;

	if (w)
		ret = config_copy(want, w, dup);
	if (!ret && c && cur)
		ret = config_copy(cur, c, dup);
	return ret;
}

/*
 * compute(), and again without what @want (the domains before @p) has
 * already: a port, a domain or group id.  The domain first in name
 * order keeps it, as in one computation of all keys; a domain that is
 * not computed keeps what it holds, and the kernel refuses the other.
 */
static int compute_alone(struct view *v, struct part *p, bool all,
			 const struct cluster_skip *exclude, size_t n_exclude,
			 const struct config *want, struct etcd_kv **good,
			 size_t *n_good)
{
	struct cluster_skip *ex = NULL;
	size_t n_ex = 0, i;
	const char *dup;
	char why[300];
	int ret, tries;

	for (tries = 0; ; tries++) {
		ret = compute(v, p, all, ex ? ex : exclude,
			      ex ? n_ex : n_exclude, good, n_good);
		dup = ret ? NULL : config_conflict(want, p->want);
		if (!dup || tries == 8)
			break;
		good_free(*good, *n_good);
		*good = NULL;
		for (i = 0; !ex && i < n_exclude; i++)
			cluster_skip_add(&ex, &n_ex, exclude[i].key,
					 exclude[i].reason);
		snprintf(why, sizeof(why), "%s is another domain's", dup);
		cluster_skip_add(&ex, &n_ex, dup, why);
	}
	cluster_skips_free(ex, n_ex);
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
		ret = compute_alone(v, p, all, exclude, n_exclude, want,
				    &good, &n);
		if (!ret)
			ret = pend_add(p, good, n);
		if (!ret)
			ret = part_add(p, true, want, all ? NULL : cur, dup);
		if (ret)
			return ret;
	}
	return 0;
}

void view_commit(struct view *v, bool again)
{
	struct part *p, *next;
	size_t i;

	for (i = 0; i < n_pend; i++) {
		p = pend[i].p;
		/* what the kernel refused is asked again at the next apply */
		if (again)
			p->retry = true;
		if (p->sub) {
			if (commit_sub(p, pend[i].good, pend[i].n)) {
				/* not known as it should be: all again */
				p->whole = true;
				p->dirty = true;
				part_forget(p);
			} else {
				touched_clear(p);
				p->dirty = false;
				part_forget(p);
			}
			pend[i].good = NULL;
			pend[i].n = 0;
			continue;
		}
		touched_clear(p);
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
	for (p = v->parts; p; p = p->next)
		if (p->retry) {
			p->retry = false;
			p->dirty = true;
			p->whole = true;
		}
	if (v->base.retry) {
		v->base.retry = false;
		v->base.dirty = true;
	}
	/* a domain of no key that the module holds nothing of is gone */
	for (p = v->parts; p; p = next) {
		next = p->next;
		if (!p->n_keys && !p->dirty &&
		    (!p->applied || !config_count(p->applied)))
			part_free(v, p);
	}
}

int view_applied(const struct view *v, struct config *cfg)
{
	const struct part *p;
	const char *dup;
	int ret = 0;

	for (p = &v->base; p && !ret; p = p == &v->base ? v->parts : p->next)
		if (p->applied)
			ret = config_copy(cfg, p->applied, &dup);
	return ret;
}

/* Result */

static const struct cluster_result *last(const struct part *p)
{
	return p->computed && !p->sub ? &p->wres : &p->res;
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
	if (r->n_skipped && grow(&res->skipped, res->n_skipped, r->n_skipped,
				 sizeof(*res->skipped))) {
		memcpy(res->skipped + res->n_skipped, r->skipped,
		       r->n_skipped * sizeof(*r->skipped));
		res->n_skipped += r->n_skipped;
	}
	if (r->n_waiting && grow(&res->waiting, res->n_waiting, r->n_waiting,
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

	for (p = v->parts; p && !key; p = p->next) {
		key = cluster_src_key(last(p), record);
		if (!key && p->computed)
			key = cluster_src_key(&p->wres, record);
	}
	return key;
}
