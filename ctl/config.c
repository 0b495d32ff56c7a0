// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration model: a configuration is a set of records, one per
 * object, each the canonical batch line "segctl save" would print for
 * it.  A line of a file is checked by the very handler segctl runs for
 * it (its request is captured instead of sent), read back from that
 * request, completed with the kernel's defaults and named as save names
 * things; the module's configuration comes from save's dump.  So a file
 * and the module that holds what it says give the same records, and the
 * difference engine compares lines.
 *
 * Records are found by key in a hash table: building a configuration
 * and diffing two of them is linear (plus one sort for the order).
 */
#define _GNU_SOURCE		/* open_memstream() */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "segctl.h"

struct record {
	enum save_type type;
	char *key;
	char *alias;		/* "domain-id N", "group-id D N", or NULL */
	char *name;		/* the object's name (a domain's, a group's...) */
	char *domain;		/* its domain; NULL for an uplink */
	char *line;		/* the canonical add line, no newline */
	uint32_t id;		/* domain, group or instance id */
	uint32_t vni;
	unsigned int seq;	/* order of addition */
	unsigned int dom_seq;	/* its domain's seq */
	unsigned int lineno;	/* in the file it comes from, or 0 */
	bool drained;		/* an instance */
	bool owned;		/* a prefix an endpoint owns */
	bool dead;		/* removed */
};

/* A hash table of records by a string, open addressing. */
struct map_slot {
	const char *key;	/* NULL: free; set with rec NULL: removed */
	struct record *rec;
};

struct map {
	struct map_slot *slots;
	unsigned int size;	/* a power of two */
	unsigned int used;	/* slots with a key, removed ones too */
};

struct config {
	struct record **recs;
	unsigned int n, alloc;
	struct map keys;
	struct map aliases;
	unsigned int seq;
	unsigned int lineno;	/* the line config_add_file() is at */
};

static unsigned int hash_str(const char *s)
{
	unsigned int h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static struct map_slot *map_find(const struct map *m, const char *key)
{
	unsigned int i;

	if (!m->size)
		return NULL;
	for (i = hash_str(key) & (m->size - 1); m->slots[i].key;
	     i = (i + 1) & (m->size - 1))
		if (m->slots[i].rec && !strcmp(m->slots[i].key, key))
			return &m->slots[i];
	return NULL;
}

static struct record *map_get(const struct map *m, const char *key)
{
	struct map_slot *slot = map_find(m, key);

	return slot ? slot->rec : NULL;
}

static int map_put(struct map *m, const char *key, struct record *rec);

static int map_grow(struct map *m)
{
	struct map old = *m;
	unsigned int i;

	m->size = old.size ? old.size * 2 : 64;
	m->used = 0;
	m->slots = calloc(m->size, sizeof(*m->slots));
	if (!m->slots) {
		*m = old;
		return -ENOMEM;
	}
	for (i = 0; i < old.size; i++)
		if (old.slots[i].rec)
			map_put(m, old.slots[i].key, old.slots[i].rec);
	free(old.slots);
	return 0;
}

static int map_put(struct map *m, const char *key, struct record *rec)
{
	unsigned int i;

	if (2 * (m->used + 1) > m->size && map_grow(m))
		return -ENOMEM;
	for (i = hash_str(key) & (m->size - 1); m->slots[i].key;
	     i = (i + 1) & (m->size - 1))
		;
	m->slots[i].key = key;
	m->slots[i].rec = rec;
	m->used++;
	return 0;
}

static void map_del(struct map *m, const char *key)
{
	struct map_slot *slot = map_find(m, key);

	if (slot)
		slot->rec = NULL;
}

struct config *config_new(void)
{
	return calloc(1, sizeof(struct config));
}

static void record_free(struct record *rec)
{
	free(rec->key);
	free(rec->alias);
	free(rec->name);
	free(rec->domain);
	free(rec->line);
	free(rec);
}

void config_free(struct config *cfg)
{
	unsigned int i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->n; i++)
		record_free(cfg->recs[i]);
	free(cfg->recs);
	free(cfg->keys.slots);
	free(cfg->aliases.slots);
	free(cfg);
}

bool config_has(const struct config *cfg, const char *key)
{
	return map_get(&cfg->keys, key);
}

int config_remove(struct config *cfg, const char *key)
{
	struct record *rec = map_get(&cfg->keys, key);

	if (!rec)
		return -ENOENT;
	map_del(&cfg->keys, key);
	if (rec->alias)
		map_del(&cfg->aliases, rec->alias);
	rec->dead = true;
	return 0;
}

unsigned int config_line_of(const struct config *cfg, const char *key)
{
	struct record *rec = map_get(&cfg->keys, key);

	return rec ? rec->lineno : 0;
}

/* printf() into a new string, or NULL. */
static char *fmt(const char *format, ...)
	__attribute__((format(printf, 1, 2)));

static char *fmt(const char *format, ...)
{
	va_list ap;
	char *s;
	int ret;

	va_start(ap, format);
	ret = vasprintf(&s, format, ap);
	va_end(ap);
	return ret < 0 ? NULL : s;
}

#define set_error(err, ...) \
	snprintf((err)->msg, sizeof((err)->msg), __VA_ARGS__)

/*
 * Attributes made up to complete a request: defaults, and the names or
 * ids of what it refers to.  They live as long as the arena.
 */
struct arena {
	uint32_t buf[512];
	size_t len;		/* in bytes */
};

static struct nlattr *arena_attr(struct arena *a, int type, const void *data,
				 int len)
{
	size_t total = NLA_ALIGN(NLA_HDRLEN + len);
	struct nlattr *nla;

	if (a->len + total > sizeof(a->buf))
		return NULL;
	nla = (struct nlattr *)((char *)a->buf + a->len);
	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	memcpy((char *)nla + NLA_HDRLEN, data, len);
	a->len += total;
	return nla;
}

static void fill_u8(struct arena *a, struct nlattr **tb, int type,
		    uint8_t value)
{
	if (!tb[type])
		tb[type] = arena_attr(a, type, &value, sizeof(value));
}

static void fill_u32(struct arena *a, struct nlattr **tb, int type,
		     uint32_t value)
{
	if (!tb[type])
		tb[type] = arena_attr(a, type, &value, sizeof(value));
}

/* The domain a record names, by name or by id. */
static struct record *find_domain(const struct config *cfg, struct nlattr **tb,
				  struct config_error *err)
{
	struct record *rec;
	char key[64];

	if (tb[SEGFILTER_A_DOMAIN_NAME]) {
		const char *name = nla_get_string(tb[SEGFILTER_A_DOMAIN_NAME]);
		char *k = fmt("domain %s", name);

		rec = k ? map_get(&cfg->keys, k) : NULL;
		free(k);
		if (!rec)
			set_error(err, "domain \"%s\" does not exist", name);
		return rec;
	}
	if (!tb[SEGFILTER_A_DOMAIN_ID]) {
		set_error(err, "no domain given");
		return NULL;
	}
	snprintf(key, sizeof(key), "domain-id %u",
		 nla_get_u32(tb[SEGFILTER_A_DOMAIN_ID]));
	rec = map_get(&cfg->aliases, key);
	if (!rec)
		set_error(err, "domain %u does not exist",
			  nla_get_u32(tb[SEGFILTER_A_DOMAIN_ID]));
	return rec;
}

/*
 * A group of @dom that a request names by @name_attr or @id_attr (none:
 * any group, fine): both attributes are set from the group found.
 */
static int find_group(const struct config *cfg, const struct record *dom,
		      struct nlattr **tb, int name_attr, int id_attr,
		      struct arena *a, struct config_error *err)
{
	struct record *rec;
	uint16_t id;
	char *key;

	if (tb[name_attr]) {
		key = fmt("group %s %s", dom->name,
			  nla_get_string(tb[name_attr]));
		rec = key ? map_get(&cfg->keys, key) : NULL;
		free(key);
		if (!rec) {
			set_error(err, "group \"%s\" does not exist in domain \"%s\"",
				  nla_get_string(tb[name_attr]), dom->name);
			return EXIT_USAGE;
		}
	} else if (tb[id_attr]) {
		key = fmt("group-id %s %u", dom->name,
			  nla_get_u16(tb[id_attr]));
		rec = key ? map_get(&cfg->aliases, key) : NULL;
		free(key);
		if (!rec) {
			set_error(err, "group %u does not exist in domain \"%s\"",
				  nla_get_u16(tb[id_attr]), dom->name);
			return EXIT_USAGE;
		}
	} else {
		return 0;
	}
	id = rec->id;
	tb[id_attr] = arena_attr(a, id_attr, &id, sizeof(id));
	tb[name_attr] = arena_attr(a, name_attr, rec->name,
				   strlen(rec->name) + 1);
	return 0;
}

/* Does "KIND D NAME" exist?  If not, say so. */
static int need(const struct config *cfg, const char *kind,
		const struct record *dom, const char *name,
		struct config_error *err)
{
	char *key = fmt("%s %s %s", kind, dom->name, name);
	bool found = key && map_get(&cfg->keys, key);

	free(key);
	if (!found)
		set_error(err, "%s \"%s\" does not exist in domain \"%s\"",
			  kind, name, dom->name);
	return found ? 0 : EXIT_USAGE;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Sort each run of "ip ADDR" (or "gw-ip ADDR") pairs of @line, in
 * place: the kernel keeps addresses as given, a file may give them in
 * any order.
 */
static void sort_addrs(char *line)
{
	char **words = NULL, **vals = NULL;
	char *copy = strdup(line), *p;
	int n, size = 0, i, j, k;

	if (!copy)
		return;
	n = batch_split(copy, &words, &size);
	vals = n > 0 ? calloc(n, sizeof(*vals)) : NULL;
	if (!vals)
		goto out;
	for (i = 0; i + 1 < n; i++) {
		if (strcmp(words[i], "ip") && strcmp(words[i], "gw-ip"))
			continue;
		for (j = i, k = 0; j + 1 < n && !strcmp(words[j], words[i]);
		     j += 2)
			vals[k++] = words[j + 1];
		qsort(vals, k, sizeof(*vals), cmp_str);
		for (j = 0; j < k; j++)
			words[i + 2 * j + 1] = vals[j];
		i += 2 * k - 1;
	}
	p = line;
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i ? " " : "", words[i]);
out:
	free(vals);
	free(words);
	free(copy);
}

/* The canonical line(s) of a record, from its attributes. */
static char *record_text(enum save_type type, struct nlattr **tb,
			 const char *domain)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	save_record(type, tb, domain, f);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

static int add_record(struct config *cfg, struct record *rec,
		      struct config_error *err)
{
	if (cfg->n == cfg->alloc) {
		unsigned int alloc = cfg->alloc ? 2 * cfg->alloc : 256;
		struct record **recs;

		recs = realloc(cfg->recs, alloc * sizeof(*recs));
		if (!recs)
			goto nomem;
		cfg->recs = recs;
		cfg->alloc = alloc;
	}
	if (map_put(&cfg->keys, rec->key, rec))
		goto nomem;
	if (rec->alias && map_put(&cfg->aliases, rec->alias, rec)) {
		map_del(&cfg->keys, rec->key);
		goto nomem;
	}
	rec->seq = cfg->seq++;
	rec->lineno = cfg->lineno;
	cfg->recs[cfg->n++] = rec;
	return 0;
nomem:
	set_error(err, "out of memory");
	return 1;
}

static char *dup_null(const char *s, bool *fail)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*fail = true;
	return d;
}

/* Add a copy of @src to @dst, after its domain's record if it has one. */
static int copy_record(struct config *dst, const struct record *src)
{
	struct record *rec = calloc(1, sizeof(*rec));
	struct config_error err;
	const struct record *dom;
	bool fail = !rec;
	char *key;

	if (fail)
		return -ENOMEM;
	*rec = *src;
	rec->key = dup_null(src->key, &fail);
	rec->alias = dup_null(src->alias, &fail);
	rec->name = dup_null(src->name, &fail);
	rec->domain = dup_null(src->domain, &fail);
	rec->line = dup_null(src->line, &fail);
	if (fail) {
		record_free(rec);
		return -ENOMEM;
	}
	if (rec->domain) {
		key = fmt("domain %s", rec->domain);
		if (!key) {
			record_free(rec);
			return -ENOMEM;
		}
		dom = map_get(&dst->keys, key);
		free(key);
		rec->dom_seq = dom ? dom->seq : 0;
	}
	if (add_record(dst, rec, &err)) {
		record_free(rec);
		return -ENOMEM;
	}
	return 0;
}


int config_copy_if(struct config *dst, const struct config *src,
		   bool (*keep)(const char *key, void *arg), void *arg,
		   const char **dup)
{
	const struct record *rec;
	unsigned int i;
	int ret;

	for (i = 0; i < src->n; i++) {
		rec = src->recs[i];
		if (rec->dead || (keep && !keep(rec->key, arg)))
			continue;
		if (map_get(&dst->keys, rec->key) ||
		    (rec->alias && map_get(&dst->aliases, rec->alias))) {
			if (dup)
				*dup = rec->key;
			return -EEXIST;
		}
		ret = copy_record(dst, rec);
		if (ret)
			return ret;
	}
	return 0;
}

int config_copy(struct config *dst, const struct config *src,
		const char **dup)
{
	*dup = NULL;
	return config_copy_if(dst, src, NULL, NULL, dup);
}

int config_copy_key(struct config *dst, const struct config *src,
		    const char *key)
{
	const struct record *rec = map_get(&src->keys, key);

	if (!rec)
		return -ENOENT;
	if (map_get(&dst->keys, rec->key) ||
	    (rec->alias && map_get(&dst->aliases, rec->alias)))
		return -EEXIST;
	return copy_record(dst, rec);
}

const char *config_conflict(const struct config *dst,
			    const struct config *src)
{
	const struct record *rec;
	unsigned int i;

	for (i = 0; i < src->n; i++) {
		rec = src->recs[i];
		if (!rec->dead && (map_get(&dst->keys, rec->key) ||
				   (rec->alias &&
				    map_get(&dst->aliases, rec->alias))))
			return rec->key;
	}
	return NULL;
}

unsigned int config_dead(const struct config *cfg)
{
	return cfg->n - config_count(cfg);
}

unsigned int config_count(const struct config *cfg)
{
	unsigned int i, n = 0;

	for (i = 0; i < cfg->n; i++)
		n += !cfg->recs[i]->dead;
	return n;
}

/* "rule 5 of domain t" for the messages: the key, said in words. */
static void say_key(const struct record *rec, char *buf, size_t size)
{
	static const char * const kinds[SAVE_TYPES] = {
		[SAVE_DOMAIN] = "domain", [SAVE_GROUP] = "group",
		[SAVE_PREFIX] = "prefix",
		[SAVE_PORT] = "port", [SAVE_ENDPOINT] = "endpoint",
		[SAVE_SERVICE] = "service", [SAVE_INSTANCE] = "instance",
		[SAVE_CHAIN] = "chain", [SAVE_RULE] = "rule",
	};

	if (!rec->domain || rec->type == SAVE_DOMAIN)
		snprintf(buf, size, "%s %s", kinds[rec->type], rec->name);
	else if (rec->type == SAVE_INSTANCE)
		snprintf(buf, size, "instance %u of service %s of domain %s",
			 rec->id, rec->name, rec->domain);
	else
		snprintf(buf, size, "%s %s of domain %s", kinds[rec->type],
			 rec->name, rec->domain);
}

/*
 * Make the record of an object from the attributes of its request (or
 * of a dump's reply) and add it.  @dom_name: the domain, when the dump
 * says it.
 */
static int add_object(struct config *cfg, enum save_type type,
		      struct nlattr **tb, struct config_error *err)
{
	char buf[64], mac[MAC_STR_SIZE], what[200];
	const struct record *dom = NULL;
	struct arena *a = NULL;
	struct record *rec;
	const char *name;
	char *text, *nl;
	int ret = EXIT_USAGE;

	rec = calloc(1, sizeof(*rec));
	a = calloc(1, sizeof(*a));
	if (!rec || !a)
		goto nomem;
	rec->type = type;

	if (type != SAVE_DOMAIN &&
	    (type != SAVE_PORT || tb[SEGFILTER_A_DOMAIN_NAME] ||
	     tb[SEGFILTER_A_DOMAIN_ID])) {
		dom = find_domain(cfg, tb, err);
		if (!dom)
			goto out;
		rec->domain = strdup(dom->name);
		rec->dom_seq = dom->seq;
		if (!rec->domain)
			goto nomem;
	}

	switch (type) {
	case SAVE_DOMAIN:
		if (!tb[SEGFILTER_A_DOMAIN_NAME] || !tb[SEGFILTER_A_DOMAIN_ID]) {
			set_error(err, "a domain needs a name and an id");
			goto out;
		}
		name = nla_get_string(tb[SEGFILTER_A_DOMAIN_NAME]);
		rec->id = nla_get_u32(tb[SEGFILTER_A_DOMAIN_ID]);
		fill_u8(a, tb, SEGFILTER_A_DEFAULT_ACTION,
			SEGFILTER_ACTION_ALLOW);
		fill_u32(a, tb, SEGFILTER_A_FLOW_LIMIT,
			 SEGFILTER_FLOW_LIMIT_DEFAULT);
		fill_u32(a, tb, SEGFILTER_A_ENDPOINT_LIMIT,
			 SEGFILTER_ENDPOINT_LIMIT_DEFAULT);
		fill_u32(a, tb, SEGFILTER_A_RULE_LIMIT,
			 SEGFILTER_RULE_LIMIT_DEFAULT);
		fill_u32(a, tb, SEGFILTER_A_SERVICE_LIMIT,
			 SEGFILTER_SERVICE_LIMIT_DEFAULT);
		fill_u32(a, tb, SEGFILTER_A_CHAIN_LIMIT,
			 SEGFILTER_CHAIN_LIMIT_DEFAULT);
		fill_u32(a, tb, SEGFILTER_A_PREFIX_LIMIT,
			 SEGFILTER_PREFIX_LIMIT_DEFAULT);
		fill_u32(a, tb, SEGFILTER_A_BUM_LIMIT,
			 SEGFILTER_BUM_LIMIT_DEFAULT);
		/* VNI 0 is no VNI, which the kernel does not report. */
		if (tb[SEGFILTER_A_VNI] && !nla_get_u32(tb[SEGFILTER_A_VNI]))
			tb[SEGFILTER_A_VNI] = NULL;
		if (tb[SEGFILTER_A_VNI])
			rec->vni = nla_get_u32(tb[SEGFILTER_A_VNI]);
		rec->key = fmt("domain %s", name);
		rec->alias = fmt("domain-id %u", rec->id);
		if (rec->alias && map_get(&cfg->aliases, rec->alias)) {
			set_error(err, "domain id %u given twice", rec->id);
			goto out;
		}
		break;
	case SAVE_GROUP:
		if (!tb[SEGFILTER_A_GROUP_NAME] || !tb[SEGFILTER_A_GROUP_ID])
			goto bad;
		name = nla_get_string(tb[SEGFILTER_A_GROUP_NAME]);
		rec->id = nla_get_u16(tb[SEGFILTER_A_GROUP_ID]);
		rec->key = fmt("group %s %s", dom->name, name);
		rec->alias = fmt("group-id %s %u", dom->name, rec->id);
		if (rec->alias && map_get(&cfg->aliases, rec->alias)) {
			set_error(err, "group id %u of domain %s given twice",
				  rec->id, dom->name);
			goto out;
		}
		break;
	case SAVE_PREFIX:
		if (!tb[SEGFILTER_A_PREFIX_LEN] ||
		    !prefix_str(tb, buf, sizeof(buf)))
			goto bad;
		name = buf;
		if (tb[SEGFILTER_A_MAC]) {
			/* An endpoint's: after it, as save puts it. */
			if (nla_len(tb[SEGFILTER_A_MAC]) != ETH_ALEN)
				goto bad;
			format_mac(nla_data(tb[SEGFILTER_A_MAC]), mac,
				   sizeof(mac));
			text = fmt("endpoint %s %s", dom->name, mac);
			if (text && !map_get(&cfg->keys, text)) {
				set_error(err, "endpoint %s is not in domain \"%s\" before its prefix",
					  mac, dom->name);
				free(text);
				goto out;
			}
			free(text);
			rec->owned = true;
		} else if (!tb[SEGFILTER_A_GROUP_NAME] &&
			   !tb[SEGFILTER_A_GROUP_ID]) {
			goto bad;
		} else if (find_group(cfg, dom, tb, SEGFILTER_A_GROUP_NAME,
				      SEGFILTER_A_GROUP_ID, a, err)) {
			goto out;
		}
		rec->key = fmt("prefix %s %s", dom->name, name);
		break;
	case SAVE_PORT:
		name = port_name(tb, buf, sizeof(buf));
		fill_u8(a, tb, SEGFILTER_A_PORT_ROLE,
			SEGFILTER_PORT_ROLE_ENDPOINT);
		rec->key = fmt("port %s", name);
		break;
	case SAVE_ENDPOINT:
		if (!tb[SEGFILTER_A_MAC] ||
		    nla_len(tb[SEGFILTER_A_MAC]) != ETH_ALEN)
			goto bad;
		name = format_mac(nla_data(tb[SEGFILTER_A_MAC]), mac,
				  sizeof(mac));
		if (find_group(cfg, dom, tb, SEGFILTER_A_GROUP_NAME,
			       SEGFILTER_A_GROUP_ID, a, err))
			goto out;
		text = fmt("port %s", port_name(tb, buf, sizeof(buf)));
		if (text && !map_get(&cfg->keys, text)) {
			set_error(err, "port \"%s\" is not attached",
				  text + strlen("port "));
			free(text);
			goto out;
		}
		free(text);
		rec->key = fmt("endpoint %s %s", dom->name, name);
		break;
	case SAVE_RULE:
		if (!tb[SEGFILTER_A_RULE_ID]) {
			set_error(err, "a rule needs \"id ID\" here");
			goto out;
		}
		rec->id = nla_get_u32(tb[SEGFILTER_A_RULE_ID]);
		snprintf(buf, sizeof(buf), "%u", rec->id);
		name = buf;
		fill_u32(a, tb, SEGFILTER_A_PRIORITY,
			 SEGFILTER_PRIORITY_DEFAULT);
		if (find_group(cfg, dom, tb, SEGFILTER_A_SRC_GROUP_NAME,
			       SEGFILTER_A_SRC_GROUP_ID, a, err) ||
		    find_group(cfg, dom, tb, SEGFILTER_A_DST_GROUP_NAME,
			       SEGFILTER_A_DST_GROUP_ID, a, err))
			goto out;
		if (tb[SEGFILTER_A_CHAIN_NAME] &&
		    need(cfg, "chain", dom,
			 nla_get_string(tb[SEGFILTER_A_CHAIN_NAME]), err))
			goto out;
		rec->key = fmt("rule %s %u", dom->name, rec->id);
		break;
	case SAVE_SERVICE:
		if (!tb[SEGFILTER_A_SERVICE_NAME])
			goto bad;
		name = nla_get_string(tb[SEGFILTER_A_SERVICE_NAME]);
		rec->key = fmt("service %s %s", dom->name, name);
		break;
	case SAVE_INSTANCE:
		if (!tb[SEGFILTER_A_SERVICE_NAME] ||
		    !tb[SEGFILTER_A_INSTANCE_ID])
			goto bad;
		name = nla_get_string(tb[SEGFILTER_A_SERVICE_NAME]);
		rec->id = nla_get_u32(tb[SEGFILTER_A_INSTANCE_ID]);
		if (need(cfg, "service", dom, name, err))
			goto out;
		rec->key = fmt("instance %s %s %u", dom->name, name, rec->id);
		break;
	case SAVE_CHAIN: {
		struct nlattr *nla;
		int rem;

		if (!tb[SEGFILTER_A_CHAIN_NAME] ||
		    !tb[SEGFILTER_A_CHAIN_SERVICES])
			goto bad;
		name = nla_get_string(tb[SEGFILTER_A_CHAIN_NAME]);
		nla_for_each_nested(nla, tb[SEGFILTER_A_CHAIN_SERVICES], rem)
			if (chain_service_name(nla) &&
			    need(cfg, "service", dom, chain_service_name(nla),
				 err))
				goto out;
		fill_u8(a, tb, SEGFILTER_A_FAIL_MODE, SEGFILTER_FAIL_CLOSED);
		rec->key = fmt("chain %s %s", dom->name, name);
		break;
	}
	default:
		goto bad;
	}
	rec->name = strdup(name);
	if (!rec->key || !rec->name || (type <= SAVE_GROUP && !rec->alias))
		goto nomem;
	if (map_get(&cfg->keys, rec->key)) {
		say_key(rec, what, sizeof(what));
		set_error(err, "%s given twice", what);
		goto out;
	}

	text = record_text(type, tb, type == SAVE_DOMAIN ? name : rec->domain);
	if (!text)
		goto nomem;
	nl = strchr(text, '\n');
	if (nl) {
		*nl = '\0';
		rec->drained = !!strstr(nl + 1, "instance drain");
	}
	sort_addrs(text);
	rec->line = text;
	ret = add_record(cfg, rec, err);
	if (!ret)
		rec = NULL;
	goto out;

bad:
	set_error(err, "incomplete object");
	goto out;
nomem:
	set_error(err, "out of memory");
	ret = 1;
out:
	if (rec)
		record_free(rec);
	free(a);
	return ret;
}

/* "service instance drain S ID domain D": mark the instance. */
static int drain_instance(struct config *cfg, struct nlattr **tb,
			  struct config_error *err)
{
	const struct record *dom;
	struct record *rec;
	char *key;

	dom = find_domain(cfg, tb, err);
	if (!dom)
		return EXIT_USAGE;
	key = fmt("instance %s %s %u", dom->name,
		  nla_get_string(tb[SEGFILTER_A_SERVICE_NAME]),
		  nla_get_u32(tb[SEGFILTER_A_INSTANCE_ID]));
	rec = key ? map_get(&cfg->keys, key) : NULL;
	free(key);
	if (!rec) {
		set_error(err, "instance %u of service \"%s\" does not exist in domain \"%s\"",
			  nla_get_u32(tb[SEGFILTER_A_INSTANCE_ID]),
			  nla_get_string(tb[SEGFILTER_A_SERVICE_NAME]),
			  dom->name);
		return EXIT_USAGE;
	}
	if (rec->drained) {
		set_error(err, "instance %u of service %s of domain %s drained twice",
			  rec->id, rec->name, rec->domain);
		return EXIT_USAGE;
	}
	rec->drained = true;
	return 0;
}

/* The commands a configuration is made of, and the record each makes. */
static const struct {
	int (*run)(int argc, char **argv);
	int type;		/* -1: drain */
} line_cmds[] = {
	{ domain_add, SAVE_DOMAIN },
	{ group_add, SAVE_GROUP },
	{ prefix_add, SAVE_PREFIX },
	{ port_attach, SAVE_PORT },
	{ endpoint_add, SAVE_ENDPOINT },
	{ rule_add, SAVE_RULE },
	{ service_add, SAVE_SERVICE },
	{ instance_add, SAVE_INSTANCE },
	{ instance_drain, -1 },
	{ chain_add, SAVE_CHAIN },
};

/*
 * "endpoint add MAC ... prefix P...": the endpoint's request was kept
 * alone; each prefix is a record of its own, as "prefix add P domain D
 * endpoint MAC" (what save prints).  @argv: MAC and the keywords.
 */
static int owned_lines(struct config *cfg, int argc, char **argv,
		       struct config_error *err)
{
	const char *dom = NULL;
	char *line;
	int i, ret = 0;

	for (i = 1; i + 1 < argc; i += 2)
		if (!strcmp(argv[i], "domain"))
			dom = argv[i + 1];
		else if (!strcmp(argv[i], "dhcp-server"))
			i--;	/* no value */
	for (i = 1; !ret && dom && i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "dhcp-server")) {
			i--;
			continue;
		}
		if (strcmp(argv[i], "prefix"))
			continue;
		line = fmt("prefix add %s domain %s endpoint %s", argv[i + 1],
			   dom, argv[0]);
		if (!line) {
			set_error(err, "out of memory");
			return 1;
		}
		ret = config_add_line(cfg, line, err);
		free(line);
	}
	return ret;
}

int config_add_line(struct config *cfg, const char *line,
		    struct config_error *err)
{
	struct nlattr *tb[SEGFILTER_A_MAX + 1];
	struct nlmsghdr *req = NULL;
	const struct cmd *cmd;
	char **argv = NULL;
	int argc, size = 0, n_words, type = -2;
	bool batch;
	unsigned int i;
	char *copy;
	int ret = EXIT_USAGE;

	err->index = -1;
	err->msg[0] = '\0';
	copy = strdup(line);
	if (!copy) {
		set_error(err, "out of memory");
		return 1;
	}
	argc = batch_split(copy, &argv, &size);
	if (argc < 0) {
		set_error(err, "out of memory");
		goto out;
	}
	if (!argc || argv[0][0] == '#') {
		ret = 0;
		goto out;
	}
	cmd = find_cmd(argv[0], argc - 1, argv + 1, &n_words);
	for (i = 0; cmd && i < ARRAY_SIZE(line_cmds); i++)
		if (cmd->run == line_cmds[i].run)
			type = line_cmds[i].type;
	if (!cmd) {
		set_error(err, "unknown command \"%s%s%s\"", argv[0],
			  n_words > 0 ? " " : "", n_words > 0 ? argv[1] : "");
		goto out;
	}
	if (type == -2) {
		set_error(err, "\"%s%s%s\" cannot be a line of a configuration",
			  cmd->object, cmd->verb ? " " : "",
			  cmd->verb ? cmd->verb : "");
		goto out;
	}

	/* The command's own parser: its request is kept, not sent. */
	batch = !sfnl_batch_mode();
	if (batch)
		sfnl_batch_start(NULL);
	usage_capture(err->msg, sizeof(err->msg));
	request_capture(&req);
	current_cmd = cmd;
	ret = cmd->run(argc - 1 - n_words, argv + 1 + n_words);
	current_cmd = NULL;
	request_capture(NULL);
	usage_capture(NULL, 0);
	if (batch)
		sfnl_batch_discard();
	if (!ret && !req)
		ret = 1;
	if (ret) {
		if (!err->msg[0])
			set_error(err, "invalid line");
		ret = EXIT_USAGE;
		goto out;
	}
	if (sfnl_parse(req, tb)) {
		set_error(err, "cannot read the request back");
		goto out;
	}
	if (type < 0)
		ret = drain_instance(cfg, tb, err);
	else
		ret = add_object(cfg, type, tb, err);
	if (!ret && type == SAVE_ENDPOINT)
		ret = owned_lines(cfg, argc - 1 - n_words, argv + 1 + n_words,
				  err);
out:
	free(req);
	free(argv);
	free(copy);
	return ret;
}

int config_add_file(struct config *cfg, const char *file)
{
	struct config_error err;
	struct batch_reader r;
	char *line;
	int ret = 0;

	if (batch_open(&r, file))
		return 1;
	while (!ret && (line = batch_next(&r))) {
		cfg->lineno = r.line_no;
		ret = config_add_line(cfg, line, &err);
		if (ret)
			fprintf(stderr, "segctl: %s:%u: %s\n", file,
				cfg->lineno, err.msg);
	}
	cfg->lineno = 0;
	return batch_close(&r, ret);
}

/* What save_dump() fills, and the first error. */
struct collect {
	struct config *cfg;
	struct config_error err;
	bool failed;
};

/* save_dump()'s callback: one record of the module's configuration. */
static void collect_record(enum save_type type, struct nlattr **tb,
			   const char *domain, void *priv)
{
	struct collect *ctx = priv;

	(void)domain;	/* the attributes name it */
	if (!ctx->failed && add_object(ctx->cfg, type, tb, &ctx->err))
		ctx->failed = true;
}

int config_from_module(struct config *cfg)
{
	struct collect ctx = { .cfg = cfg };
	int ret;

	ret = save_dump(collect_record, &ctx);
	if (!ret && ctx.failed) {
		fprintf(stderr, "segctl: the module's configuration: %s\n",
			ctx.err.msg);
		ret = 1;
	}
	return ret;
}

/* A record's place among its domain's: by type, an endpoint's prefix after the endpoints. */
static int type_rank(const struct record *r)
{
	return r->owned ? 2 * SAVE_ENDPOINT + 1 : 2 * (int)r->type;
}

/* Save's order: uplinks, domains, then each domain's objects by type. */
static int cmp_records(const void *a, const void *b)
{
	const struct record *x = *(struct record * const *)a;
	const struct record *y = *(struct record * const *)b;
	int rx = x->type == SAVE_DOMAIN ? 1 : x->domain ? 2 : 0;
	int ry = y->type == SAVE_DOMAIN ? 1 : y->domain ? 2 : 0;

	if (rx != ry)
		return rx - ry;
	if (rx == 2 && x->dom_seq != y->dom_seq)
		return x->dom_seq < y->dom_seq ? -1 : 1;
	if (rx == 2 && type_rank(x) != type_rank(y))
		return type_rank(x) - type_rank(y);
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The live records in save's order (to be freed), their number in *n. */
static struct record **sorted(const struct config *cfg, unsigned int *n)
{
	struct record **recs;
	unsigned int i;

	recs = malloc((cfg->n + 1) * sizeof(*recs));
	if (!recs)
		return NULL;
	for (i = 0, *n = 0; i < cfg->n; i++)
		if (!cfg->recs[i]->dead)
			recs[(*n)++] = cfg->recs[i];
	qsort(recs, *n, sizeof(*recs), cmp_records);
	return recs;
}

static char *drain_line(const struct record *rec, bool drain)
{
	return fmt("service instance %s %s %u domain %s",
		   drain ? "drain" : "undrain", rec->name, rec->id,
		   rec->domain);
}

void config_print(const struct config *cfg, FILE *f)
{
	struct record **recs;
	unsigned int i, n;
	char *drain;

	recs = sorted(cfg, &n);
	if (!recs)
		return;
	for (i = 0; i < n; i++) {
		fprintf(f, "%s\n", recs[i]->line);
		if (!recs[i]->drained)
			continue;
		drain = drain_line(recs[i], true);
		if (drain)
			fprintf(f, "%s\n", drain);
		free(drain);
	}
	free(recs);
}

/*
 * The difference.
 */

struct diff_cmd {
	char *line;
	const char *key;
};

struct cmd_list {
	struct diff_cmd *cmds;
	unsigned int n, alloc;
};

struct config_diff {
	struct diff_cmd *cmds;
	unsigned int n;
	unsigned int n_txn;	/* the first n_txn are the transaction */
	char *error;		/* why it cannot be applied, or NULL */
	char *error_key;	/* the record it is about */
};

static int list_add(struct cmd_list *l, char *line, const char *key)
{
	if (!line)
		return -ENOMEM;
	if (l->n == l->alloc) {
		unsigned int alloc = l->alloc ? 2 * l->alloc : 64;
		struct diff_cmd *cmds;

		cmds = realloc(l->cmds, alloc * sizeof(*cmds));
		if (!cmds) {
			free(line);
			return -ENOMEM;
		}
		l->cmds = cmds;
		l->alloc = alloc;
	}
	l->cmds[l->n].line = line;
	l->cmds[l->n].key = key;
	l->n++;
	return 0;
}

static void list_free(struct cmd_list *l)
{
	unsigned int i;

	for (i = 0; i < l->n; i++)
		free(l->cmds[i].line);
	free(l->cmds);
}

/* The delete command of a record. */
static char *del_line(const struct record *rec)
{
	switch (rec->type) {
	case SAVE_DOMAIN:
		return fmt("domain del %s", rec->name);
	case SAVE_PORT:
		return fmt("port detach %s", rec->name);
	case SAVE_INSTANCE:
		return fmt("service instance del %s %u domain %s", rec->name,
			   rec->id, rec->domain);
	case SAVE_GROUP:
	case SAVE_PREFIX:
	case SAVE_ENDPOINT:
	case SAVE_RULE:
	case SAVE_SERVICE:
	case SAVE_CHAIN:
	default:
		return fmt("%s del %s domain %s",
			   rec->type == SAVE_GROUP ? "group" :
			   rec->type == SAVE_PREFIX ? "prefix" :
			   rec->type == SAVE_ENDPOINT ? "endpoint" :
			   rec->type == SAVE_RULE ? "rule" :
			   rec->type == SAVE_SERVICE ? "service" : "chain",
			   rec->name, rec->domain);
	}
}

/*
 * The lines compared here are "OBJECT add NAME" and keyword-value pairs
 * from word PAIRS on: a keyword is a word at an even distance from
 * there, so that a name or a value that happens to be "port" is none.
 */
#define PAIRS	3

/*
 * The words of @line but those of the keywords @skip (each with its
 * value), from word @from on, as one string.
 */
static char *words_but(const char *line, int from, const char * const *skip,
		       unsigned int n_skip)
{
	char **words = NULL, *copy, *out, *p;
	int n, size = 0, i;
	unsigned int j;
	bool skipped;

	copy = strdup(line);
	out = calloc(1, strlen(line) + 1);
	if (!copy || !out)
		goto fail;
	n = batch_split(copy, &words, &size);
	if (n < 0)
		goto fail;
	p = out;
	for (i = from; i < n; i++) {
		skipped = false;
		for (j = 0; j < n_skip && i >= PAIRS && !((i - PAIRS) % 2); j++)
			skipped |= !strcmp(words[i], skip[j]);
		if (skipped) {
			i++;
			continue;
		}
		p += sprintf(p, "%s%s", p == out ? "" : " ", words[i]);
	}
	free(words);
	free(copy);
	return out;
fail:
	free(words);
	free(copy);
	free(out);
	return NULL;
}

/* The value of keyword @kw in @line, as " kw VALUE", or "". */
static char *keyword_of(const char *line, const char *kw)
{
	char **words = NULL, *copy = strdup(line), *ret = NULL;
	int n, size = 0, i;

	if (!copy)
		return NULL;
	n = batch_split(copy, &words, &size);
	for (i = PAIRS; n > 0 && i + 1 < n; i += 2)
		if (!strcmp(words[i], kw)) {
			ret = fmt(" %s %s", kw, words[i + 1]);
			break;
		}
	if (n >= 0 && i + 1 >= n)
		ret = strdup("");
	free(words);
	free(copy);
	return ret;
}

/*
 * An endpoint that only changed place: "endpoint move ...", or NULL
 * (with *nomem set when out of memory) if more changed.
 */
static char *move_line(const struct record *cur, const struct record *want,
		       bool *nomem)
{
	static const char * const place[] = { "port", "remote" };
	char *a = words_but(cur->line, 0, place, ARRAY_SIZE(place));
	char *b = words_but(want->line, 0, place, ARRAY_SIZE(place));
	char *port = keyword_of(want->line, "port");
	char *remote = keyword_of(want->line, "remote");
	char *line = NULL;

	*nomem = !a || !b || !port || !remote;
	if (!*nomem && !strcmp(a, b)) {
		line = fmt("endpoint move %s domain %s%s%s", want->name,
			   want->domain, port, remote);
		*nomem = !line;
	}
	free(a);
	free(b);
	free(port);
	free(remote);
	return line;
}

/*
 * "domain set" of what changed in a domain: every setting of @want.
 * A gateway whose addresses go away is removed first, since setting a
 * gateway keeps the addresses it had (and the prefixes it advertises
 * with it, which need a gateway); an MTU, DNS servers or prefixes that
 * @want lacks are removed.
 */
static int domain_set_lines(struct cmd_list *l, const struct record *cur,
			    const struct record *want)
{
	static const char * const fixed[] = { "id", "vni" };
	static const struct {
		const char *kw, *none;
	} dropped[] = {
		{ "mtu", " mtu 0" },
		{ "dns", " dns none" },
		{ "ipv6-prefix", " ipv6-prefix none" },
	};
	char *set = words_but(want->line, 3, fixed, ARRAY_SIZE(fixed));
	char *cgw = keyword_of(cur->line, "gateway");
	char *wgw = keyword_of(want->line, "gateway");
	char *cip = keyword_of(cur->line, "gw-ip");
	char *wip = keyword_of(want->line, "gw-ip");
	char *cpfx = keyword_of(cur->line, "ipv6-prefix");
	char *gone = calloc(1, 64), *c, *w, *line;
	bool ok = set && cgw && wgw && cip && wip && cpfx && gone;
	bool had_gw = ok && *cgw, has_gw = ok && *wgw;
	bool gw_none = ok && ((had_gw && !has_gw) ||
			      (has_gw && *cip && !*wip));
	bool had_pfx = ok && *cpfx;
	unsigned int i;

	free(cgw);
	free(wgw);
	free(cip);
	free(wip);
	free(cpfx);
	for (i = 0; ok && i < ARRAY_SIZE(dropped); i++) {
		c = keyword_of(cur->line, dropped[i].kw);
		w = keyword_of(want->line, dropped[i].kw);
		ok = c && w;
		if (ok && *c && !*w &&
		    !(gw_none && !strcmp(dropped[i].kw, "ipv6-prefix")))
			strcat(gone, dropped[i].none);
		free(c);
		free(w);
	}
	if (!ok)
		goto nomem;
	if (gw_none) {
		if (list_add(l, fmt("domain set %s gateway none%s", want->name,
				    had_pfx ? " ipv6-prefix none" : ""),
			     want->key))
			goto nomem;
	}
	line = fmt("domain set %s %s%s", want->name, set, gone);
	if (list_add(l, line, want->key))
		goto nomem;
	free(set);
	free(gone);
	return 0;
nomem:
	free(set);
	free(gone);
	return -ENOMEM;
}

/* Whether @line has the word @kw followed by @name (or a list with it). */
static bool names(const char *line, const char *kw, const char *name)
{
	size_t kl = strlen(kw), nl = strlen(name);
	const char *p = line, *v, *e;

	while ((p = strstr(p, kw))) {
		/* a whole word, and the next word after it */
		if ((p != line && p[-1] != ' ') || p[kl] != ' ') {
			p += kl;
			continue;
		}
		v = p + kl + 1;
		for (;;) {
			e = v + strcspn(v, " ,");
			if ((size_t)(e - v) == nl && !strncmp(v, name, nl))
				return true;
			if (*e != ',')
				break;
			v = e + 1;
		}
		p = v;
	}
	return false;
}

/*
 * Whether @r names one of the @n @parents (groups, services, chains,
 * endpoints that change by a del and an add): it has to go and come back
 * with it.
 */
static bool depends(const struct record *r, struct record * const *parents,
		    unsigned int n)
{
	const struct record *p;
	unsigned int i;

	for (i = 0; i < n; i++) {
		p = parents[i];
		if (!r->domain || !p->domain || strcmp(r->domain, p->domain))
			continue;
		switch (p->type) {
		case SAVE_GROUP:
			if (((r->type == SAVE_ENDPOINT ||
			      r->type == SAVE_PREFIX) &&
			     names(r->line, "group", p->name)) ||
			    (r->type == SAVE_RULE &&
			     (names(r->line, "from", p->name) ||
			      names(r->line, "to", p->name))))
				return true;
			break;
		case SAVE_SERVICE:
			if ((r->type == SAVE_CHAIN &&
			     names(r->line, "services", p->name)) ||
			    (r->type == SAVE_INSTANCE &&
			     !strcmp(r->name, p->name)))
				return true;
			break;
		case SAVE_CHAIN:
			if (r->type == SAVE_RULE &&
			    names(r->line, "redirect", p->name))
				return true;
			break;
		case SAVE_ENDPOINT:
			if (r->owned && names(r->line, "endpoint", p->name))
				return true;
			break;
		default:
			break;
		}
	}
	return false;
}

/* Copy the commands of @l to @to; their number. */
static unsigned int list_take(struct diff_cmd *to, const struct cmd_list *l)
{
	if (l->n)
		memcpy(to, l->cmds, l->n * sizeof(*to));
	return l->n;
}

struct config_diff *config_diff(const struct config *cur,
				const struct config *want)
{
	struct cmd_list dels = {}, sets = {}, adds = {}, detach = {},
			ddel = {};
	struct record **c = NULL, **w = NULL, **parents = NULL;
	struct config_diff *d;
	unsigned int nc, nw, i, j, np = 0;
	bool redo;
	struct record *o;
	bool nomem = false;
	char *move;
	int err = 0;

	d = calloc(1, sizeof(*d));
	c = sorted(cur, &nc);
	w = sorted(want, &nw);
	parents = calloc(nw + 1, sizeof(*parents));
	if (!d || !c || !w || !parents)
		goto nomem;

	/*
	 * Groups, services and chains that change go by a del and an add:
	 * what names them goes and comes back in the same transaction (a
	 * chain of a service too, and then the rules that redirect to it).
	 */
	for (i = 0; i < nw; i++) {
		o = map_get(&cur->keys, w[i]->key);
		if (o && strcmp(o->line, w[i]->line) &&
		    (w[i]->type == SAVE_GROUP || w[i]->type == SAVE_SERVICE ||
		     w[i]->type == SAVE_CHAIN))
			parents[np++] = w[i];
		/* An endpoint deleted and added takes its prefixes with it. */
		if (o && strcmp(o->line, w[i]->line) &&
		    w[i]->type == SAVE_ENDPOINT) {
			move = move_line(o, w[i], &nomem);
			if (nomem)
				goto nomem;
			if (!move)
				parents[np++] = w[i];
			free(move);
		}
	}
	for (i = 0; i < nw && np; i++) {
		o = map_get(&cur->keys, w[i]->key);
		if (o && !strcmp(o->line, w[i]->line) &&
		    w[i]->type == SAVE_CHAIN && depends(w[i], parents, np))
			parents[np++] = w[i];
	}

	/* What goes or changes, children first. */
	for (i = nc; i-- > 0 && !err && !d->error;) {
		o = map_get(&want->keys, c[i]->key);
		redo = o && !strcmp(o->line, c[i]->line) &&
		       depends(c[i], parents, np);
		if (o && !strcmp(o->line, c[i]->line) && !redo)
			continue;
		if (redo) {
			err = list_add(&dels, del_line(c[i]), c[i]->key);
		} else if (!o && c[i]->type == SAVE_PORT) {
			err = list_add(&detach, del_line(c[i]), c[i]->key);
		} else if (!o && c[i]->type == SAVE_DOMAIN) {
			err = list_add(&ddel, del_line(c[i]), c[i]->key);
		} else if (!o) {
			err = list_add(&dels, del_line(c[i]), c[i]->key);
		} else if (c[i]->type == SAVE_DOMAIN) {
			if (c[i]->id != o->id || c[i]->vni != o->vni)
				d->error = fmt("domain %s: its id or VNI cannot change in place; delete it first",
					       o->name);
			if (d->error)
				d->error_key = strdup(o->key);
			else
				err = domain_set_lines(&sets, c[i], o);
		} else if (c[i]->type == SAVE_PORT) {
			d->error = fmt("port %s: its domain, role or exit addresses cannot change in place; detach it first",
				       o->name);
			d->error_key = strdup(o->key);
		} else {
			bool moved = false;

			/* A move only is made with the adds. */
			if (c[i]->type == SAVE_ENDPOINT) {
				move = move_line(c[i], o, &nomem);
				moved = move;
				free(move);
			}
			if (nomem)
				goto nomem;
			if (!moved)
				err = list_add(&dels, del_line(c[i]),
					       c[i]->key);
		}
	}
	if (d->error || err)
		goto done;

	/* What comes or changes, parents first. */
	for (i = 0; i < nw && !err; i++) {
		o = map_get(&cur->keys, w[i]->key);
		redo = o && !strcmp(o->line, w[i]->line) &&
		       depends(w[i], parents, np);
		if (o && !strcmp(o->line, w[i]->line) && !redo) {
			if (w[i]->type == SAVE_INSTANCE &&
			    o->drained != w[i]->drained)
				err = list_add(&adds,
					       drain_line(w[i], w[i]->drained),
					       w[i]->key);
			continue;
		}
		if (o && w[i]->type == SAVE_DOMAIN)
			continue;	/* a "domain set" */
		if (o && !redo && w[i]->type == SAVE_ENDPOINT) {
			move = move_line(o, w[i], &nomem);
			if (nomem)
				goto nomem;
			if (move) {
				err = list_add(&adds, move, w[i]->key);
				continue;
			}
		}
		err = list_add(&adds, strdup(w[i]->line), w[i]->key);
		if (!err && w[i]->type == SAVE_INSTANCE && w[i]->drained)
			err = list_add(&adds, drain_line(w[i], true),
				       w[i]->key);
	}
done:
	if (err)
		goto nomem;
	/* The transaction, then what cannot be part of it. */
	d->n = dels.n + sets.n + adds.n + detach.n + ddel.n;
	d->n_txn = dels.n + sets.n + adds.n;
	d->cmds = calloc(d->n + 1, sizeof(*d->cmds));
	if (!d->cmds)
		goto nomem;
	j = 0;
	j += list_take(d->cmds + j, &dels);
	j += list_take(d->cmds + j, &sets);
	j += list_take(d->cmds + j, &adds);
	j += list_take(d->cmds + j, &detach);
	list_take(d->cmds + j, &ddel);
	free(dels.cmds);
	free(sets.cmds);
	free(adds.cmds);
	free(detach.cmds);
	free(ddel.cmds);
	if (d->error) {
		/* Nothing to apply, the error says why. */
		for (i = 0; i < d->n; i++)
			free(d->cmds[i].line);
		d->n = 0;
		d->n_txn = 0;
	}
	free(parents);
	free(c);
	free(w);
	return d;

nomem:
	list_free(&dels);
	list_free(&sets);
	list_free(&adds);
	list_free(&detach);
	list_free(&ddel);
	config_diff_free(d);
	free(parents);
	free(c);
	free(w);
	return NULL;
}

bool config_diff_empty(const struct config_diff *d)
{
	return !d->n && !d->error;
}

unsigned int config_diff_count(const struct config_diff *d)
{
	return d->n;
}

const char *config_diff_error(const struct config_diff *d)
{
	return d->error;
}

void config_diff_print(const struct config_diff *d, FILE *f)
{
	unsigned int i;

	if (d->error) {
		fprintf(f, "# error: %s\n", d->error);
		return;
	}
	for (i = 0; i < d->n_txn; i++)
		fprintf(f, "%s\n", d->cmds[i].line);
	if (d->n > d->n_txn)
		fputs("# after the transaction, each on its own:\n", f);
	for (; i < d->n; i++)
		fprintf(f, "%s\n", d->cmds[i].line);
}

const char *config_diff_key(const struct config_diff *d, int index)
{
	if (index < 0 || (unsigned int)index >= d->n)
		return NULL;
	return d->cmds[index].key;
}

const char *config_diff_line(const struct config_diff *d, int index)
{
	if (index < 0 || (unsigned int)index >= d->n)
		return NULL;
	return d->cmds[index].line;
}

int config_diff_apply(const struct config_diff *d, struct config_error *err)
{
	char **lines;
	unsigned int i;
	int ret = 0;

	err->index = -1;
	err->msg[0] = '\0';
	if (d->error) {
		set_error(err, "%s", d->error);
		return 1;
	}
	if (d->n_txn) {
		lines = malloc(d->n_txn * sizeof(*lines));
		if (!lines) {
			set_error(err, "out of memory");
			return 1;
		}
		for (i = 0; i < d->n_txn; i++)
			lines[i] = d->cmds[i].line;
		ret = batch_lines(lines, d->n_txn, err);
		free(lines);
		if (ret)
			return 1;
	}
	for (i = d->n_txn; i < d->n; i++) {
		ret = batch_run_now(d->cmds[i].line, err);
		if (ret) {
			err->index = i;
			return 1;
		}
	}
	return 0;
}

void config_diff_free(struct config_diff *d)
{
	unsigned int i;

	if (!d)
		return;
	for (i = 0; i < d->n; i++)
		free(d->cmds[i].line);
	free(d->cmds);
	free(d->error);
	free(d->error_key);
	free(d);
}

const char *config_diff_error_key(const struct config_diff *d)
{
	return d->error ? d->error_key : NULL;
}
