// SPDX-License-Identifier: GPL-2.0
/*
 * Cluster mode: from the keys of the etcd schema to the segctl batch
 * lines one host wants (Documentation/cluster.rst).
 *
 * The keys are sorted into their kinds first, then turned into lines in
 * dependency order (uplink, domains, groups, services, chains, rules,
 * endpoints, instances, exits), so that a record is only added when what it
 * names was: a rule naming a group that was skipped is skipped too,
 * with a reason.  Every line goes through config_add_line(), which
 * checks it as segctl checks a command.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cluster.h"
#include "segctl.h"

/* A key of the schema, split. */
enum kind {
	K_DOMAIN, K_GROUP, K_SERVICE, K_CHAIN, K_RULE,
	K_RECORD, K_ENDPOINT, K_INSTANCE, K_EXIT, K_MAX
};

struct item {
	const struct etcd_kv *kv;
	enum kind kind;
	char *part[4];		/* D [name] | H | H D MAC | H D S ID | H D */
	json_object *val;
	bool ok;		/* made it into the configuration */
	bool superseded;	/* an endpoint with an older key elsewhere */
	char *why;		/* an endpoint the kernel would refuse: why */
	bool kept;		/* kv is the last good pair, not the stored one */
	/*
	 * An exit whose port cannot change in place: its last good value
	 * is not taken, so that the port is detached and attached again.
	 */
	bool fresh;
};

struct ctx {
	const struct cluster_host *h;
	const struct cluster_skip *exclude;
	size_t n_exclude;
	struct config *want;
	struct cluster_result *res;
	struct item *items;
	size_t n;
	int err;
	/* Save mode: the prefix records printed, a hash set. */
	char **pfx_seen;
	size_t pfx_size, pfx_n;
};

struct line {
	char buf[2048];
	size_t len;
	bool trunc;
};

static void lput(struct line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A value larger than this is not a record of the schema: skipped. */
#define CLUSTER_MAX_VALUE	(64u << 10)

/*
 * Whether @s is a word of a batch line: printable bytes only (no blank,
 * no control byte), none of @bad.
 */
static bool word_ok(const char *s, const char *bad)
{
	const unsigned char *p;

	if (!*s)
		return false;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p >= 0x80 || !isgraph(*p) || strchr(bad, *p))
			return false;
	return true;
}

static void lput(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len >= sizeof(l->buf))
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(l->buf) - l->len) {
		l->trunc = true;
		l->len = sizeof(l->buf);
		return;
	}
	l->len += n;
}

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

void cluster_skip_add(struct cluster_skip **list, size_t *n, const char *key,
		      const char *reason)
{
	struct cluster_skip *l = realloc(*list, (*n + 1) * sizeof(**list));

	if (!l)
		return;
	*list = l;
	l[*n].key = xstrdup(key);
	l[*n].reason = xstrdup(reason);
	if (l[*n].key && l[*n].reason)
		(*n)++;
}

void cluster_skips_free(struct cluster_skip *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(list[i].key);
		free(list[i].reason);
	}
	free(list);
}

static void skip(struct ctx *c, const struct item *it, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void skip(struct ctx *c, const struct item *it, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	cluster_skip_add(&c->res->skipped, &c->res->n_skipped, it->kv->key,
			 reason);
}

static void wait_port(struct ctx *c, const struct item *it, const char *port)
{
	struct cluster_result *r = c->res;
	struct cluster_wait *w;

	w = realloc(r->waiting, (r->n_waiting + 1) * sizeof(*w));
	if (!w)
		return;
	r->waiting = w;
	w[r->n_waiting].key = xstrdup(it->kv->key);
	w[r->n_waiting].port = xstrdup(port);
	r->n_waiting++;
}

static void add_src(struct ctx *c, const char *record, const char *key)
{
	struct cluster_result *r = c->res;
	struct cluster_src *s;

	s = realloc(r->src, (r->n_src + 1) * sizeof(*s));
	if (!s)
		return;
	r->src = s;
	s[r->n_src].record = xstrdup(record);
	s[r->n_src].key = xstrdup(key);
	r->n_src++;
}

const char *cluster_src_key(const struct cluster_result *res,
			    const char *record)
{
	size_t i;

	for (i = 0; i < res->n_src; i++)
		if (!strcmp(res->src[i].record, record))
			return res->src[i].key;
	return NULL;
}

void cluster_result_free(struct cluster_result *res)
{
	size_t i;

	free(res->used);

	cluster_skips_free(res->skipped, res->n_skipped);
	for (i = 0; i < res->n_waiting; i++) {
		free(res->waiting[i].key);
		free(res->waiting[i].port);
	}
	free(res->waiting);
	for (i = 0; i < res->n_domains; i++)
		free(res->domains[i]);
	free(res->domains);
	for (i = 0; i < res->n_src; i++) {
		free(res->src[i].record);
		free(res->src[i].key);
	}
	free(res->src);
	for (i = 0; i < res->n_lines; i++)
		free(res->lines[i]);
	free(res->lines);
	memset(res, 0, sizeof(*res));
}

/* Why record @record is excluded, or NULL. */
static const char *excluded(const struct ctx *c, const char *record)
{
	size_t i;

	for (i = 0; i < c->n_exclude; i++)
		if (!strcmp(c->exclude[i].key, record))
			return c->exclude[i].reason;
	return NULL;
}

static bool save_line(struct ctx *c, const char *line);

/*
 * Add @l as the record @record of item @it: false (and @it skipped) if
 * it is excluded or config_add_line() refuses it.
 */
static bool add_line(struct ctx *c, struct item *it, const char *record,
		     struct line *l)
{
	struct config_error err = { .index = -1 };
	const char *why = it->kept ? NULL : excluded(c, record);

	if (why) {
		skip(c, it, "%s", why);
		return false;
	}
	if (l->trunc) {
		skip(c, it, "value too long");
		return false;
	}
	if (!c->h->host)
		return save_line(c, l->buf);
	if (config_add_line(c->want, l->buf, &err)) {
		skip(c, it, "%s", err.msg);
		return false;
	}
	add_src(c, record, it->kv->key);
	return true;
}

/* Save mode (no host): the lines, in order, for segctl --etcd save. */
static bool save_line(struct ctx *c, const char *line)
{
	struct cluster_result *r = c->res;
	char **l = realloc(r->lines, (r->n_lines + 1) * sizeof(*l));

	if (!l)
		return false;
	r->lines = l;
	l[r->n_lines] = xstrdup(line);
	if (l[r->n_lines])
		r->n_lines++;
	return true;
}

/* JSON fields */

/* The fields an object may have: any other is an error. */
static bool fields_ok(struct ctx *c, struct item *it, const char *const *names)
{
	const char *const *n;

	json_object_object_foreach(it->val, k, v) {
		(void)v;
		for (n = names; *n; n++)
			if (!strcmp(*n, k))
				break;
		if (!*n && strcmp(k, "version")) {
			skip(c, it, "unknown field \"%s\"", k);
			return false;
		}
	}
	return true;
}

/* 1 found, 0 missing, -1 bad (skipped) */
static int get_int(struct ctx *c, struct item *it, json_object *obj,
		   const char *name, int64_t min, int64_t max, int64_t *out)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, name, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_int)) {
		skip(c, it, "\"%s\" is not an integer", name);
		return -1;
	}
	errno = 0;
	*out = json_object_get_int64(v);
	if (errno || *out < min || *out > max) {
		skip(c, it, "\"%s\" out of range (%lld..%lld)", name,
		     (long long)min, (long long)max);
		return -1;
	}
	return 1;
}

static int get_str(struct ctx *c, struct item *it, json_object *obj,
		   const char *name, const char **out)
{
	json_object *v;
	const char *s;

	if (!json_object_object_get_ex(obj, name, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_string)) {
		skip(c, it, "\"%s\" is not a string", name);
		return -1;
	}
	s = json_object_get_string(v);
	/* A word of a batch line: nothing that would split or end it. */
	if (!word_ok(s, "#\"'\\")) {
		skip(c, it, "\"%s\" is empty or has a blank, control byte or quote",
		     name);
		return -1;
	}
	*out = s;
	return 1;
}

static int get_bool(struct ctx *c, struct item *it, json_object *obj,
		    const char *name, bool *out)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, name, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_boolean)) {
		skip(c, it, "\"%s\" is not true or false", name);
		return -1;
	}
	*out = json_object_get_boolean(v);
	return 1;
}

/* An array of strings, each appended as " KEYWORD S" (or joined by @sep). */
static int put_strs(struct ctx *c, struct item *it, json_object *obj,
		    const char *name, const char *keyword, struct line *l)
{
	json_object *v, *e;
	size_t i, n;
	const char *s;

	if (!json_object_object_get_ex(obj, name, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_array)) {
		skip(c, it, "\"%s\" is not an array", name);
		return -1;
	}
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(v, i);
		s = e ? json_object_get_string(e) : NULL;
		if (!e || !json_object_is_type(e, json_type_string) ||
		    !word_ok(s, "#\"'\\,")) {
			skip(c, it, "\"%s\" has an element that is not a word",
			     name);
			return -1;
		}
		if (keyword)
			lput(l, " %s %s", keyword, s);
		else
			lput(l, "%s%s", i ? "," : " ", s);
	}
	return 1;
}

/* A list field as " KEYWORD A,B", or nothing when it is empty or missing. */
static int put_list(struct ctx *c, struct item *it, const char *name,
		    const char *keyword, struct line *l)
{
	json_object *v;

	if (json_object_object_get_ex(it->val, name, &v) && v &&
	    json_object_is_type(v, json_type_array) &&
	    json_object_array_length(v))
		lput(l, " %s", keyword);
	return put_strs(c, it, it->val, name, NULL, l);
}

/* Names in keys */

/* A name of segctl: starts with a letter, no blank. */
static bool name_ok(const char *s)
{
	return ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')) &&
	       word_ok(s, "#\"'\\,");
}

static bool num_ok(const char *s)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	return !*end && !errno && v >= 1 && v <= 0xffffffffUL;
}

/* Lower-case a MAC in place; false if it is not one. */
static bool mac_ok(char *s)
{
	unsigned int b[6];
	char rest;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &rest) != 6)
		return false;
	snprintf(s, 18, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2],
		 b[3], b[4], b[5]);
	return true;
}

static bool dev_ok(const char *s)
{
	return strlen(s) < IF_NAMESIZE && word_ok(s, "/#\"'\\");
}

/*
 * Keys of printable bytes only (a NUL in an etcd key arrives as 0x01 from
 * segd's copy), values of a sane size.
 */
static bool key_ok(struct ctx *c, struct item *it)
{
	const unsigned char *p = (const unsigned char *)it->kv->key;
	bool bad = it->kv->key_len > strlen(it->kv->key);

	for (; *p && !bad; p++)
		bad = *p < 0x20 || *p == 0x7f;
	if (bad) {
		skip(c, it, "the key has a NUL or control byte");
		return false;
	}
	if (it->kv->value_len > CLUSTER_MAX_VALUE) {
		skip(c, it, "the value is larger than %u KiB",
		     CLUSTER_MAX_VALUE >> 10);
		return false;
	}
	return true;
}

/* Sort a key into its kind; false (skipped) if it is none. */
static bool parse_key(struct ctx *c, struct item *it)
{
	const char *rest = it->kv->key + strlen(c->h->prefix);
	char *w[8], *copy, *p;
	int n = 0;

	copy = strdup(rest);
	if (!copy) {
		c->err = -ENOMEM;
		return false;
	}
	for (p = strtok(copy, "/"); p && n < 8; p = strtok(NULL, "/"))
		w[n++] = p;
	/* strtok swallows empty parts: a key with "//" is not one of ours */
	if (strstr(rest, "//") || rest[strlen(rest) - 1] == '/')
		n = 0;

	if (n >= 3 && !strcmp(w[0], "config") && !strcmp(w[1], "domains")) {
		if (!name_ok(w[2]))
			goto bad_name;
		it->part[0] = strdup(w[2]);
		if (n == 3) {
			it->kind = K_DOMAIN;
			goto out;
		}
		if (n != 5)
			goto unknown;
		if (!strcmp(w[3], "groups"))
			it->kind = K_GROUP;
		else if (!strcmp(w[3], "rules"))
			it->kind = K_RULE;
		else if (!strcmp(w[3], "services"))
			it->kind = K_SERVICE;
		else if (!strcmp(w[3], "chains"))
			it->kind = K_CHAIN;
		else
			goto unknown;
		if (it->kind == K_RULE ? !num_ok(w[4]) : !name_ok(w[4]))
			goto bad_name;
		it->part[1] = strdup(w[4]);
		goto out;
	}
	if (n >= 3 && !strcmp(w[0], "hosts")) {
		/* a word of segctl --etcd save's lines: "host H" */
		if (!word_ok(w[1], "#\"'\\,"))
			goto bad_name;
		it->part[0] = strdup(w[1]);
		if (n == 3 && !strcmp(w[2], "record")) {
			it->kind = K_RECORD;
			goto out;
		}
		if (n == 5 && !strcmp(w[2], "endpoints")) {
			it->kind = K_ENDPOINT;
			if (!name_ok(w[3]) || !mac_ok(w[4]))
				goto bad_name;
			it->part[1] = strdup(w[3]);
			it->part[2] = strdup(w[4]);
			goto out;
		}
		if (n == 4 && !strcmp(w[2], "exits")) {
			it->kind = K_EXIT;
			if (!name_ok(w[3]))
				goto bad_name;
			it->part[1] = strdup(w[3]);
			goto out;
		}
		if (n == 6 && !strcmp(w[2], "instances")) {
			it->kind = K_INSTANCE;
			if (!name_ok(w[3]) || !name_ok(w[4]) || !num_ok(w[5]))
				goto bad_name;
			it->part[1] = strdup(w[3]);
			it->part[2] = strdup(w[4]);
			it->part[3] = strdup(w[5]);
			goto out;
		}
	}
unknown:
	free(copy);
	skip(c, it, "not a key of the schema");
	return false;
bad_name:
	free(copy);
	skip(c, it, "a name in the key is not valid");
	return false;
out:
	free(copy);
	return true;
}

/* Parse the value: a JSON object of version 1. */
static bool parse_val(struct ctx *c, struct item *it)
{
	struct json_tokener *tok;
	int64_t version;
	int ret;

	tok = json_tokener_new();
	if (!tok) {
		c->err = -ENOMEM;
		return false;
	}
	it->val = json_tokener_parse_ex(tok, it->kv->value,
					(int)it->kv->value_len);
	if (!it->val || json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)it->kv->value_len) {
		json_tokener_free(tok);
		if (it->val)
			json_object_put(it->val);
		it->val = NULL;
		skip(c, it, "not valid JSON");
		return false;
	}
	json_tokener_free(tok);
	if (!json_object_is_type(it->val, json_type_object)) {
		skip(c, it, "not a JSON object");
		return false;
	}
	ret = get_int(c, it, it->val, "version", 1, 1, &version);
	if (ret == 0)
		skip(c, it, "no \"version\"");
	if (ret <= 0)
		return false;
	return true;
}

/* Lookups among the items */

/* Items sort by kind, then by the parts of their key. */
static int item_cmp(const void *x, const void *y)
{
	const struct item *a = x, *b = y;
	int i, r;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	for (i = 0; i < 4; i++) {
		r = strcmp(a->part[i] ? a->part[i] : "",
			   b->part[i] ? b->part[i] : "");
		if (r)
			return r;
	}
	return 0;
}

/* The item of @kind whose key parts are @a and @b: a binary search. */
static struct item *find(struct ctx *c, enum kind kind, const char *a,
			 const char *b)
{
	struct item key = { .kind = kind, .part = { (char *)a, (char *)b } };

	return bsearch(&key, c->items, c->n, sizeof(*c->items), item_cmp);
}

/*
 * Endpoints by domain and MAC, the oldest key first (then by host, so
 * that two keys made in one transaction still have an order).
 */
static int endpoint_cmp(const void *x, const void *y)
{
	const struct item *a = *(struct item * const *)x;
	const struct item *b = *(struct item * const *)y;
	int r = strcmp(a->part[1], b->part[1]);

	if (!r)
		r = strcmp(a->part[2], b->part[2]);
	if (!r && a->kv->create_revision != b->kv->create_revision)
		r = a->kv->create_revision < b->kv->create_revision ? -1 : 1;
	if (!r)
		r = strcmp(a->part[0], b->part[0]);
	return r;
}

/*
 * A MAC under two hosts: the key made first keeps it.  A move deletes
 * the old key in the transaction that makes the new one, so a second key
 * is another host claiming an endpoint that is not its own: reported.
 */
static void mark_superseded(struct ctx *c)
{
	struct item **eps;
	size_t i, n = 0, first = 0;

	eps = calloc(c->n + 1, sizeof(*eps));
	if (!eps) {
		c->err = -ENOMEM;
		return;
	}
	for (i = 0; i < c->n; i++)
		if (c->items[i].kind == K_ENDPOINT)
			eps[n++] = &c->items[i];
	qsort(eps, n, sizeof(*eps), endpoint_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(eps[i]->part[1], eps[first]->part[1]) ||
		    strcmp(eps[i]->part[2], eps[first]->part[2])) {
			first = i;
			continue;
		}
		eps[i]->superseded = true;
		skip(c, eps[i], "MAC %s is registered by host %s already",
		     eps[i]->part[2], eps[first]->part[0]);
	}
	free(eps);
}

/* An address of an endpoint, for the check of duplicates. */
struct ep_addr {
	const char *domain;
	unsigned char addr[16];
	int family;
	size_t index;		/* of its item: the first key keeps it */
};

static int ep_addr_cmp(const void *x, const void *y)
{
	const struct ep_addr *a = x, *b = y;
	int r = strcmp(a->domain, b->domain);

	if (!r && a->family != b->family)
		r = a->family < b->family ? -1 : 1;
	if (!r)
		r = memcmp(a->addr, b->addr, sizeof(a->addr));
	if (!r && a->index != b->index)
		r = a->index < b->index ? -1 : 1;
	return r;
}

static bool addr_unicast(int family, const unsigned char *a)
{
	static const unsigned char any6[16], lo6[16] = { [15] = 1 };

	if (family == AF_INET)
		return a[0] != 0 && a[0] != 127 && (a[0] & 0xf0) != 0xe0 &&
		       !(a[0] == 255 && a[1] == 255 && a[2] == 255 &&
			 a[3] == 255);
	return a[0] != 0xff && memcmp(a, any6, 16) && memcmp(a, lo6, 16);
}

static void set_why(struct ctx *c, struct item *it, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_why(struct ctx *c, struct item *it, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	if (it->why)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	it->why = xstrdup(why);
	if (!it->why)
		c->err = -ENOMEM;
}

/*
 * What the kernel would refuse of an endpoint, found before it is asked:
 * a MAC that is not unicast, an address that is not, an address another
 * endpoint of the domain has (the key first in order keeps it).  One
 * refusal per command would cost a round of segd each.
 */
static void check_endpoints(struct ctx *c)
{
	struct ep_addr *as = NULL, *na;
	size_t i, j, n = 0, cap = 0, len;
	unsigned int b0;
	json_object *ips, *e;

	for (i = 0; i < c->n; i++) {
		struct item *it = &c->items[i];

		if (it->kind != K_ENDPOINT || !it->val || it->superseded)
			continue;
		if (sscanf(it->part[2], "%2x", &b0) != 1 || (b0 & 1) ||
		    !strcmp(it->part[2], "00:00:00:00:00:00")) {
			set_why(c, it, "MAC %s is not a unicast address",
				it->part[2]);
			continue;
		}
		if (!json_object_object_get_ex(it->val, "ips", &ips) ||
		    !json_object_is_type(ips, json_type_array))
			continue;	/* want_endpoint() says why */
		len = json_object_array_length(ips);
		for (j = 0; j < len; j++) {
			struct ep_addr a = { .domain = it->part[1], .index = i };
			const char *ip;

			e = json_object_array_get_idx(ips, j);
			if (!e || !json_object_is_type(e, json_type_string))
				continue;
			ip = json_object_get_string(e);
			a.family = strchr(ip, ':') ? AF_INET6 : AF_INET;
			if (inet_pton(a.family, ip, a.addr) != 1)
				continue;	/* config_add_line() says why */
			if (!addr_unicast(a.family, a.addr)) {
				set_why(c, it, "ip %s is not a unicast address",
					ip);
				continue;
			}
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				na = realloc(as, cap * sizeof(*as));
				if (!na) {
					c->err = -ENOMEM;
					free(as);
					return;
				}
				as = na;
			}
			as[n++] = a;
		}
	}
	if (n)
		qsort(as, n, sizeof(*as), ep_addr_cmp);
	for (i = 1, j = 0; i < n; i++) {
		char text[INET6_ADDRSTRLEN];

		if (strcmp(as[i].domain, as[j].domain) ||
		    as[i].family != as[j].family ||
		    memcmp(as[i].addr, as[j].addr, sizeof(as[i].addr))) {
			j = i;	/* the first of a run keeps the address */
			continue;
		}
		if (as[i].index == as[j].index)
			continue;
		inet_ntop(as[i].family, as[i].addr, text, sizeof(text));
		set_why(c, &c->items[as[i].index],
			"ip %s is the address of endpoint %s already", text,
			c->items[as[j].index].part[2]);
	}
	free(as);
}

static bool held(const struct ctx *c, const char *domain)
{
	size_t i;

	if (!c->h->host)
		return true;

	for (i = 0; i < c->res->n_domains; i++)
		if (!strcmp(c->res->domains[i], domain))
			return true;
	return false;
}

static void hold(struct ctx *c, const char *domain)
{
	char **d;

	if (held(c, domain))
		return;
	d = realloc(c->res->domains, (c->res->n_domains + 1) * sizeof(*d));
	if (!d)
		return;
	c->res->domains = d;
	d[c->res->n_domains] = xstrdup(domain);
	if (d[c->res->n_domains])
		c->res->n_domains++;
}

/* Whether the domain of @it is one this host holds and was added. */
static bool domain_added(struct ctx *c, struct item *it)
{
	struct item *d = find(c, K_DOMAIN, it->part[0], NULL);

	return d && d->ok;
}

/* A group, service or chain of @domain that was added. */
static bool ref_ok(struct ctx *c, struct item *it, enum kind kind,
		   const char *domain, const char *name, const char *what)
{
	struct item *r = find(c, kind, domain, name);

	if (r && r->ok)
		return true;
	skip(c, it, "%s \"%s\" %s", what, name,
	     r ? "was skipped" : "does not exist in its domain");
	return false;
}

/* The objects */

static void want_domain(struct ctx *c, struct item *it)
{
	static const char *const fields[] = {
		"id", "vni", "default", "gateway", "gw_ips", "limits", "mtu",
		"dns", "ipv6_prefixes", NULL };
	/* The flood limit's range is the module's: copies a second. */
	static const struct {
		const char *name;
		int64_t max;
	} limits[] = {
		{ "flow", 0xffffffffLL }, { "endpoint", 0xffffffffLL },
		{ "rule", 0xffffffffLL }, { "service", 0xffffffffLL },
		{ "chain", 0xffffffffLL }, { "prefix", 0xffffffffLL },
		{ "bum", 1000000 }, { NULL, 0 } };
	struct line l = { .len = 0 };
	const char *def = NULL, *gw = NULL;
	json_object *lim;
	int64_t id, vni, v;
	char record[256];
	int i;

	if (!fields_ok(c, it, fields))
		return;
	if (get_int(c, it, it->val, "id", 1, 0xffffffffLL, &id) <= 0) {
		if (!json_object_object_get_ex(it->val, "id", NULL))
			skip(c, it, "no \"id\"");
		return;
	}
	lput(&l, "domain add %s id %lld", it->part[0], (long long)id);
	if (get_str(c, it, it->val, "default", &def) < 0)
		return;
	if (def)
		lput(&l, " default %s", def);
	if (json_object_object_get_ex(it->val, "limits", &lim)) {
		if (!json_object_is_type(lim, json_type_object)) {
			skip(c, it, "\"limits\" is not an object");
			return;
		}
		json_object_object_foreach(lim, k, val) {
			(void)val;
			for (i = 0; limits[i].name; i++)
				if (!strcmp(limits[i].name, k))
					break;
			if (!limits[i].name) {
				skip(c, it, "unknown limit \"%s\"", k);
				return;
			}
		}
		for (i = 0; limits[i].name; i++) {
			int ret = get_int(c, it, lim, limits[i].name, 0,
					  limits[i].max, &v);

			if (ret < 0)
				return;
			if (ret)
				lput(&l, " %s-limit %lld", limits[i].name,
				     (long long)v);
		}
	}
	if (get_str(c, it, it->val, "gateway", &gw) < 0)
		return;
	if (gw)
		lput(&l, " gateway %s", gw);
	if (put_strs(c, it, it->val, "gw_ips", "gw-ip", &l) < 0)
		return;
	i = get_int(c, it, it->val, "mtu", 0, 65535, &v);
	if (i < 0)
		return;
	if (i)
		lput(&l, " mtu %lld", (long long)v);
	if (put_list(c, it, "dns", "dns", &l) < 0 ||
	    put_list(c, it, "ipv6_prefixes", "ipv6-prefix", &l) < 0)
		return;
	i = get_int(c, it, it->val, "vni", 1, 0xffffff, &vni);
	if (i < 0)
		return;
	if (i)
		lput(&l, " vni %lld", (long long)vni);
	snprintf(record, sizeof(record), "domain %s", it->part[0]);
	it->ok = add_line(c, it, record, &l);
}

bool cluster_prefix_text(const char *s, char *buf, size_t size)
{
	unsigned char bin[16];
	char addr[INET6_ADDRSTRLEN], *end;
	const char *slash = strchr(s, '/');
	int family;
	long len;

	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		return false;
	memcpy(addr, s, slash - s);
	addr[slash - s] = '\0';
	family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	len = strtol(slash + 1, &end, 10);
	if (inet_pton(family, addr, bin) != 1 || end == slash + 1 || *end ||
	    len < 0 || len > (family == AF_INET ? 32 : 128))
		return false;
	inet_ntop(family, bin, addr, sizeof(addr));
	snprintf(buf, size, "%s/%ld", addr, len);
	return true;
}

static size_t str_hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

/*
 * Save mode: whether prefix record @record was printed already (then a
 * host would refuse it: given twice); if not, it is now.  Out of memory
 * it says no, as save did before.
 */
static bool pfx_seen(struct ctx *c, const char *record)
{
	size_t i, j;

	if (2 * (c->pfx_n + 1) > c->pfx_size) {
		size_t size = c->pfx_size ? 2 * c->pfx_size : 64;
		char **t = calloc(size, sizeof(*t));

		if (!t)
			return false;
		for (i = 0; i < c->pfx_size; i++) {
			if (!c->pfx_seen[i])
				continue;
			for (j = str_hash(c->pfx_seen[i]) & (size - 1); t[j];
			     j = (j + 1) & (size - 1))
				;
			t[j] = c->pfx_seen[i];
		}
		free(c->pfx_seen);
		c->pfx_seen = t;
		c->pfx_size = size;
	}
	for (j = str_hash(record) & (c->pfx_size - 1); c->pfx_seen[j];
	     j = (j + 1) & (c->pfx_size - 1))
		if (!strcmp(c->pfx_seen[j], record))
			return true;
	c->pfx_seen[j] = xstrdup(record);
	if (c->pfx_seen[j])
		c->pfx_n++;
	return false;
}

/*
 * The prefixes of a group or an endpoint that was added (@owner:
 * "group G" or "endpoint MAC"): each its own line, so that one the
 * kernel refuses (an equal prefix in the domain) is skipped alone,
 * with its reason.
 */
static void want_prefixes(struct ctx *c, struct item *it, const char *domain,
			  const char *owner)
{
	char text[INET6_ADDRSTRLEN + 8], record[512];
	json_object *v, *e;
	size_t i, n;

	if (!json_object_object_get_ex(it->val, "prefixes", &v) || !v)
		return;
	if (!json_object_is_type(v, json_type_array)) {
		skip(c, it, "\"prefixes\" is not an array");
		return;
	}
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		struct line l = { .len = 0 };

		e = json_object_array_get_idx(v, i);
		if (!e || !json_object_is_type(e, json_type_string) ||
		    !cluster_prefix_text(json_object_get_string(e), text,
				 sizeof(text))) {
			skip(c, it, "\"prefixes\" has an element that is no prefix");
			continue;
		}
		lput(&l, "prefix add %s domain %s %s", text, domain, owner);
		snprintf(record, sizeof(record), "prefix %s %s", domain, text);
		/* What a host refuses, save does not print. */
		if (!c->h->host && pfx_seen(c, record)) {
			skip(c, it, "prefix %s of domain %s given twice", text,
			     domain);
			continue;
		}
		add_line(c, it, record, &l);
	}
}

static void want_group(struct ctx *c, struct item *it)
{
	static const char *const fields[] = { "id", "prefixes", NULL };
	struct line l = { .len = 0 };
	char record[256];
	int64_t id;

	if (!fields_ok(c, it, fields))
		return;
	if (get_int(c, it, it->val, "id", 1, 65535, &id) <= 0) {
		if (!json_object_object_get_ex(it->val, "id", NULL))
			skip(c, it, "no \"id\"");
		return;
	}
	lput(&l, "group add %s id %lld domain %s", it->part[1], (long long)id,
	     it->part[0]);
	snprintf(record, sizeof(record), "group %s %s", it->part[0],
		 it->part[1]);
	it->ok = add_line(c, it, record, &l);
	if (it->ok) {
		snprintf(record, sizeof(record), "group %s", it->part[1]);
		want_prefixes(c, it, it->part[0], record);
	}
}

static void want_service(struct ctx *c, struct item *it)
{
	static const char *const fields[] = { "mode", NULL };
	struct line l = { .len = 0 };
	const char *mode = NULL;
	char record[256];

	if (!fields_ok(c, it, fields))
		return;
	if (get_str(c, it, it->val, "mode", &mode) <= 0) {
		if (!mode && !json_object_object_get_ex(it->val, "mode", NULL))
			skip(c, it, "no \"mode\"");
		return;
	}
	lput(&l, "service add %s domain %s mode %s", it->part[1], it->part[0],
	     mode);
	snprintf(record, sizeof(record), "service %s %s", it->part[0],
		 it->part[1]);
	it->ok = add_line(c, it, record, &l);
}

static void want_chain(struct ctx *c, struct item *it)
{
	static const char *const fields[] = { "services", "fail", NULL };
	struct line l = { .len = 0 };
	const char *fail = NULL;
	char record[256];
	json_object *svcs;
	size_t i, n;

	if (!fields_ok(c, it, fields))
		return;
	if (!json_object_object_get_ex(it->val, "services", &svcs) ||
	    !json_object_is_type(svcs, json_type_array) ||
	    !json_object_array_length(svcs)) {
		skip(c, it, "\"services\" is not a non-empty array");
		return;
	}
	lput(&l, "chain add %s domain %s services", it->part[1], it->part[0]);
	if (put_strs(c, it, it->val, "services", NULL, &l) < 0)
		return;
	n = json_object_array_length(svcs);
	for (i = 0; i < n; i++)
		if (!ref_ok(c, it, K_SERVICE, it->part[0],
			    json_object_get_string(json_object_array_get_idx(svcs, i)),
			    "service"))
			return;
	if (get_str(c, it, it->val, "fail", &fail) < 0)
		return;
	if (fail)
		lput(&l, " fail %s", fail);
	snprintf(record, sizeof(record), "chain %s %s", it->part[0],
		 it->part[1]);
	it->ok = add_line(c, it, record, &l);
}

static void want_rule(struct ctx *c, struct item *it)
{
	static const char *const fields[] = {
		"prio", "from", "to", "proto", "port", "type", "action",
		"chain", "log", NULL };
	const char *from = NULL, *to = NULL, *proto = NULL, *port = NULL;
	const char *action = NULL, *chain = NULL;
	struct line l = { .len = 0 };
	char record[256];
	int64_t prio, type;
	bool log = false;
	int p, t;

	if (!fields_ok(c, it, fields))
		return;
	p = get_int(c, it, it->val, "prio", 0, 0xffffffffLL, &prio);
	t = get_int(c, it, it->val, "type", 0, 255, &type);
	if (p < 0 || t < 0 ||
	    get_str(c, it, it->val, "from", &from) < 0 ||
	    get_str(c, it, it->val, "to", &to) < 0 ||
	    get_str(c, it, it->val, "proto", &proto) < 0 ||
	    get_str(c, it, it->val, "port", &port) < 0 ||
	    get_str(c, it, it->val, "chain", &chain) < 0 ||
	    get_bool(c, it, it->val, "log", &log) < 0)
		return;
	if (get_str(c, it, it->val, "action", &action) <= 0) {
		if (!json_object_object_get_ex(it->val, "action", NULL))
			skip(c, it, "no \"action\"");
		return;
	}
	if (from && strcmp(from, "any") &&
	    !ref_ok(c, it, K_GROUP, it->part[0], from, "group"))
		return;
	if (to && strcmp(to, "any") &&
	    !ref_ok(c, it, K_GROUP, it->part[0], to, "group"))
		return;
	if (chain && !ref_ok(c, it, K_CHAIN, it->part[0], chain, "chain"))
		return;
	if (chain && strcmp(action, "redirect")) {
		skip(c, it, "\"chain\" without \"action\": \"redirect\"");
		return;
	}

	lput(&l, "rule add id %s domain %s", it->part[1], it->part[0]);
	if (p)
		lput(&l, " prio %lld", (long long)prio);
	if (from)
		lput(&l, " from %s", from);
	if (to)
		lput(&l, " to %s", to);
	if (proto)
		lput(&l, " proto %s", proto);
	if (port)
		lput(&l, " port %s", port);
	if (t)
		lput(&l, " type %lld", (long long)type);
	lput(&l, " action %s", action);
	if (chain)
		lput(&l, " %s", chain);
	if (log)
		lput(&l, " log");
	snprintf(record, sizeof(record), "rule %s %s", it->part[0],
		 it->part[1]);
	it->ok = add_line(c, it, record, &l);
}

static bool dev_exists(const char *dev)
{
	return dev_lookup(dev) != 0;
}

/* Attach @dev to @domain (once), with @role or none. */
static bool want_port(struct ctx *c, struct item *it, const char *dev,
		      const char *domain, const char *role)
{
	struct line l = { .len = 0 };
	char record[64];

	snprintf(record, sizeof(record), "port %s", dev);
	if (config_has(c->want, record))
		return !excluded(c, record);
	lput(&l, "port attach %s domain %s", dev, domain);
	if (role)
		lput(&l, " role %s", role);
	return add_line(c, it, record, &l);
}

static const char *record_tunnel(struct ctx *c, const char *host)
{
	struct item *r = find(c, K_RECORD, host, NULL);
	const char *tunnel = NULL;

	if (!r || !r->ok)
		return NULL;
	get_str(c, r, r->val, "tunnel", &tunnel);
	return tunnel;
}

static void want_record(struct ctx *c, struct item *it)
{
	static const char *const fields[] = { "tunnel", NULL };
	const char *tunnel = NULL;
	unsigned char addr[16];

	if (!fields_ok(c, it, fields))
		return;
	if (get_str(c, it, it->val, "tunnel", &tunnel) <= 0) {
		if (!tunnel && !json_object_object_get_ex(it->val, "tunnel",
							   NULL))
			skip(c, it, "no \"tunnel\"");
		return;
	}
	if (inet_pton(AF_INET, tunnel, addr) != 1 &&
	    inet_pton(AF_INET6, tunnel, addr) != 1) {
		skip(c, it, "\"tunnel\" is not an IP address");
		return;
	}
	it->ok = true;
}

static void want_endpoint(struct ctx *c, struct item *it)
{
	static const char *const fields[] = {
		"group", "port", "ips", "dhcp_server", "prefixes", NULL };
	const char *host = it->part[0], *domain = it->part[1];
	const char *group = NULL, *port = NULL, *tunnel = NULL;
	bool save = !c->h->host;
	bool local = save || !strcmp(host, c->h->host);
	struct line l = { .len = 0 };
	bool dhcp_server = false;
	char record[256];
	struct item *d;

	if (!held(c, domain) || it->superseded)
		return;
	if (it->why) {
		skip(c, it, "%s", it->why);
		return;
	}
	if (!fields_ok(c, it, fields) ||
	    get_str(c, it, it->val, "group", &group) < 0 ||
	    get_str(c, it, it->val, "port", &port) < 0 ||
	    get_bool(c, it, it->val, "dhcp_server", &dhcp_server) < 0)
		return;
	if (!group || !port) {
		skip(c, it, "no \"%s\"", group ? "port" : "group");
		return;
	}
	d = find(c, K_DOMAIN, domain, NULL);
	if (!d || !d->ok) {
		skip(c, it, "domain \"%s\" %s", domain,
		     d ? "was skipped" : "does not exist");
		return;
	}
	if (!ref_ok(c, it, K_GROUP, domain, group, "group"))
		return;
	if (local) {
		if (!dev_ok(port)) {
			skip(c, it, "\"port\" is not a device name");
			return;
		}
		if (!save && !dev_exists(port)) {
			wait_port(c, it, port);
			return;
		}
		if (!save && !want_port(c, it, port, domain, NULL))
			return;
	} else {
		if (!json_object_object_get_ex(d->val, "vni", NULL)) {
			skip(c, it, "domain \"%s\" has no vni", domain);
			return;
		}
		tunnel = record_tunnel(c, host);
		if (!tunnel) {
			skip(c, it, "host %s has no record", host);
			return;
		}
		if (!dev_exists(c->h->uplink)) {
			wait_port(c, it, c->h->uplink);
			return;
		}
	}
	lput(&l, "endpoint add %s domain %s group %s port %s", it->part[2],
	     domain, group, local ? port : c->h->uplink);
	if (put_strs(c, it, it->val, "ips", "ip", &l) < 0)
		return;
	if (!local)
		lput(&l, " remote %s", tunnel);
	/* The server's own host leaves DHCP to it; the others answer. */
	if (dhcp_server && local)
		lput(&l, " dhcp-server");
	if (save)
		lput(&l, " host %s", host);
	snprintf(record, sizeof(record), "endpoint %s %s", domain, it->part[2]);
	it->ok = add_line(c, it, record, &l);
	/* The prefixes it owns (a router VM's subnet), after it. */
	if (it->ok) {
		snprintf(record, sizeof(record), "endpoint %s", it->part[2]);
		want_prefixes(c, it, domain, record);
	}
}

/* " left DEV [mac MAC] [ip ADDR]..."; false if skipped or waiting */
static bool put_side(struct ctx *c, struct item *it, const char *side,
		     struct line *l, bool *waiting)
{
	static const char *const fields[] = { "dev", "mac", "ips", NULL };
	const char *dev = NULL, *mac = NULL;
	const char *const *f;
	json_object *o;

	if (!json_object_object_get_ex(it->val, side, &o) ||
	    !json_object_is_type(o, json_type_object)) {
		skip(c, it, "\"%s\" is not an object", side);
		return false;
	}
	json_object_object_foreach(o, k, v) {
		(void)v;
		for (f = fields; *f; f++)
			if (!strcmp(*f, k))
				break;
		if (!*f) {
			skip(c, it, "unknown field \"%s\" in \"%s\"", k, side);
			return false;
		}
	}
	if (get_str(c, it, o, "dev", &dev) <= 0 ||
	    get_str(c, it, o, "mac", &mac) < 0) {
		if (!dev && !json_object_object_get_ex(o, "dev", NULL))
			skip(c, it, "no \"dev\" in \"%s\"", side);
		return false;
	}
	if (!dev_ok(dev)) {
		skip(c, it, "\"dev\" of \"%s\" is not a device name", side);
		return false;
	}
	if (c->h->host && !dev_exists(dev)) {
		wait_port(c, it, dev);
		*waiting = true;
		return false;
	}
	lput(l, " %s %s", side, dev);
	if (mac)
		lput(l, " mac %s", mac);
	return put_strs(c, it, o, "ips", "ip", l) >= 0;
}

static void want_instance(struct ctx *c, struct item *it)
{
	static const char *const fields[] = { "left", "right", "drain", NULL };
	const char *domain = it->part[1], *svc = it->part[2];
	struct line l = { .len = 0 }, dl = { .len = 0 };
	bool drain = false, waiting = false;
	json_object *side;
	const char *dev;
	char record[256];
	struct item *d;

	if (c->h->host && strcmp(it->part[0], c->h->host))
		return;
	if (!fields_ok(c, it, fields) ||
	    get_bool(c, it, it->val, "drain", &drain) < 0)
		return;
	d = find(c, K_DOMAIN, domain, NULL);
	if (!d || !d->ok) {
		skip(c, it, "domain \"%s\" %s", domain,
		     d ? "was skipped" : "does not exist");
		return;
	}
	if (!ref_ok(c, it, K_SERVICE, domain, svc, "service"))
		return;
	lput(&l, "service instance add %s %s domain %s", svc, it->part[3],
	     domain);
	if (!put_side(c, it, "left", &l, &waiting) ||
	    !put_side(c, it, "right", &l, &waiting))
		return;
	if (!c->h->host) {
		lput(&l, " host %s", it->part[0]);
	} else {
		json_object_object_get_ex(json_object_object_get(it->val,
								 "left"),
					  "dev", &side);
		dev = json_object_get_string(side);
		if (!want_port(c, it, dev, domain, "service"))
			return;
		json_object_object_get_ex(json_object_object_get(it->val,
								 "right"),
					  "dev", &side);
		dev = json_object_get_string(side);
		if (!want_port(c, it, dev, domain, "service"))
			return;
	}
	snprintf(record, sizeof(record), "instance %s %s %s", domain, svc,
		 it->part[3]);
	it->ok = add_line(c, it, record, &l);
	if (it->ok && drain) {
		lput(&dl, "service instance drain %s %s domain %s", svc,
		     it->part[3], domain);
		/* the drain is part of the instance's record */
		if (!c->h->host)
			save_line(c, dl.buf);
		else
			config_add_line(c->want, dl.buf,
					&(struct config_error){ .index = -1 });
	}
}

/*
 * One family of an exit: " ip A/LEN nexthop N" (or ip6, nexthop6), both
 * or neither given.  1 added, 0 neither, -1 skipped.
 */
static int put_exit_link(struct ctx *c, struct item *it, bool v6,
			 struct line *l)
{
	const char *ipf = v6 ? "ip6" : "ip", *nhf = v6 ? "nexthop6" : "nexthop";
	char text[INET6_ADDRSTRLEN + 8], nhtext[INET6_ADDRSTRLEN];
	const char *ip = NULL, *nh = NULL;
	unsigned char addr[16];
	int family = v6 ? AF_INET6 : AF_INET;

	if (get_str(c, it, it->val, ipf, &ip) < 0 ||
	    get_str(c, it, it->val, nhf, &nh) < 0)
		return -1;
	if (!ip && !nh)
		return 0;
	if (!ip || !nh) {
		skip(c, it, "\"%s\" needs \"%s\"", ip ? ipf : nhf,
		     ip ? nhf : ipf);
		return -1;
	}
	if (!cluster_prefix_text(ip, text, sizeof(text)) ||
	    !strchr(text, ':') != !v6) {
		skip(c, it, "\"%s\" is not an IPv%c prefix A/LEN", ipf,
		     v6 ? '6' : '4');
		return -1;
	}
	if (inet_pton(family, nh, addr) != 1) {
		skip(c, it, "\"%s\" is not an IPv%c address", nhf,
		     v6 ? '6' : '4');
		return -1;
	}
	/* as segctl save writes them */
	lput(l, " %s %s %s %s", ipf, text, nhf,
	     inet_ntop(family, addr, nhtext, sizeof(nhtext)));
	return 1;
}

/*
 * The exit of a domain on a host: its port, attached with role exit.
 * Only the host's own (and every host's in save mode); its device may
 * not exist yet (waiting), and may be no other key's port.
 */
static void want_exit(struct ctx *c, struct item *it)
{
	static const char *const fields[] = {
		"port", "ip", "nexthop", "ip6", "nexthop6", NULL };
	const char *domain = it->part[1], *port = NULL, *why;
	struct line l = { .len = 0 };
	char record[64];
	struct item *d;
	int v4, v6;

	if (c->h->host && strcmp(it->part[0], c->h->host))
		return;
	if (!fields_ok(c, it, fields) ||
	    get_str(c, it, it->val, "port", &port) < 0)
		return;
	if (!port) {
		skip(c, it, "no \"port\"");
		return;
	}
	if (!dev_ok(port)) {
		skip(c, it, "\"port\" is not a device name");
		return;
	}
	d = find(c, K_DOMAIN, domain, NULL);
	if (!d || !d->ok) {
		skip(c, it, "domain \"%s\" %s", domain,
		     d ? "was skipped" : "does not exist");
		return;
	}
	lput(&l, "port attach %s domain %s role exit", port, domain);
	v4 = put_exit_link(c, it, false, &l);
	if (v4 < 0)
		return;
	v6 = put_exit_link(c, it, true, &l);
	if (v6 < 0)
		return;
	if (!v4 && !v6) {
		skip(c, it, "an exit needs \"ip\" and \"nexthop\", or \"ip6\" and \"nexthop6\"");
		return;
	}
	snprintf(record, sizeof(record), "port %s", port);
	if (!c->h->host) {
		lput(&l, " host %s", it->part[0]);
		it->ok = add_line(c, it, record, &l);
		return;
	}
	if (!dev_exists(port)) {
		wait_port(c, it, port);
		return;
	}
	why = excluded(c, record);
	if (why && strstr(why, "cannot change in place"))
		it->fresh = true;
	if (config_has(c->want, record)) {
		skip(c, it, "device %s is the port of another key already",
		     port);
		return;
	}
	it->ok = add_line(c, it, record, &l);
}

/* The pair last applied for @key, or NULL. */
static const struct etcd_kv *good_kv(struct ctx *c, const char *key)
{
	size_t lo = 0, hi = c->h->n_good, mid;
	int r;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		r = strcmp(key, c->h->good[mid].key);
		if (!r)
			return &c->h->good[mid];
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * @it was skipped (the skips from @mark on are its own): if its key has
 * a last good pair of another value, take that instead and report both.
 * For a value that does not parse, @mark is NULL (the last skip is it).
 */
static bool keep_good(struct ctx *c, struct item *it, const size_t *mark)
{
	struct cluster_result *r = c->res;
	const struct etcd_kv *g = good_kv(c, it->kv->key);
	const struct etcd_kv *bad = it->kv;
	size_t from = mark ? *mark : r->n_skipped - 1, i;
	char reason[512];

	if (!g || it->kept || !r->n_skipped || from >= r->n_skipped ||
	    (g->value_len == bad->value_len &&
	     !memcmp(g->value, bad->value, g->value_len)))
		return false;
	snprintf(reason, sizeof(reason), "%s; its last good value is kept",
		 r->skipped[from].reason);
	for (i = from; i < r->n_skipped; i++) {
		free(r->skipped[i].key);
		free(r->skipped[i].reason);
	}
	r->n_skipped = from;
	if (it->val)
		json_object_put(it->val);
	it->val = NULL;
	it->kv = g;
	it->kept = true;
	if (!parse_val(c, it)) {
		it->kept = false;
		return false;
	}
	/* reported under the stored key, which is the same */
	cluster_skip_add(&r->skipped, &r->n_skipped, bad->key, reason);
	return true;
}

static void want_one(struct ctx *c, struct item *it)
{
	switch (it->kind) {
	case K_DOMAIN:
		want_domain(c, it);
		break;
	case K_GROUP:
		want_group(c, it);
		break;
	case K_SERVICE:
		want_service(c, it);
		break;
	case K_CHAIN:
		want_chain(c, it);
		break;
	case K_RULE:
		want_rule(c, it);
		break;
	case K_RECORD:
		want_record(c, it);
		break;
	case K_ENDPOINT:
		want_endpoint(c, it);
		break;
	case K_INSTANCE:
		want_instance(c, it);
		break;
	case K_EXIT:
		want_exit(c, it);
		break;
	case K_MAX:
		break;
	}
}

/* want_one(), with the last good value of a key when the new one fails. */
static void want_kept(struct ctx *c, struct item *it)
{
	size_t mark = c->res->n_skipped, waiting = c->res->n_waiting;
	const struct etcd_kv **u;

	want_one(c, it);
	if (!it->ok && !it->fresh && c->res->n_waiting == waiting &&
	    c->res->n_skipped > mark && keep_good(c, it, &mark))
		want_one(c, it);
	if (!it->ok)
		return;
	u = realloc(c->res->used, (c->res->n_used + 1) * sizeof(*u));
	if (!u) {
		c->err = -ENOMEM;
		return;
	}
	c->res->used = u;
	u[c->res->n_used++] = it->kv;
}

int cluster_want(const struct cluster_host *h, const struct etcd_kv *kvs,
		 size_t n, const struct cluster_skip *exclude,
		 size_t n_exclude, struct config *want,
		 struct cluster_result *res)
{
	struct ctx c = {
		.h = h, .exclude = exclude, .n_exclude = n_exclude,
		.want = want, .res = res,
	};
	size_t plen = strlen(h->prefix), i;
	struct line l = { .len = 0 };
	char uplink[64];
	int k;

	memset(res, 0, sizeof(*res));
	c.items = calloc(n ? n : 1, sizeof(*c.items));
	if (!c.items)
		return -ENOMEM;
	/* one state of the devices for the whole computation */
	dev_cache(true);
	for (i = 0; i < n; i++) {
		struct item *it = &c.items[c.n];

		if (strncmp(kvs[i].key, h->prefix, plen) ||
		    !strncmp(kvs[i].key + plen, "status/", 7))
			continue;
		it->kv = &kvs[i];
		c.n++;
		if (!key_ok(&c, it) || !parse_key(&c, it) ||
		    (!parse_val(&c, it) && !keep_good(&c, it, NULL))) {
			if (it->val)
				json_object_put(it->val);
			it->val = NULL;
			it->kind = K_MAX;
		}
	}

	qsort(c.items, c.n, sizeof(*c.items), item_cmp);
	mark_superseded(&c);
	check_endpoints(&c);

	/* The domains this host holds. */
	if (h->hold)
		hold(&c, h->hold);
	for (i = 0; i < c.n && h->host; i++) {
		struct item *it = &c.items[i];

		if ((it->kind == K_ENDPOINT || it->kind == K_INSTANCE ||
		     it->kind == K_EXIT) && !strcmp(it->part[0], h->host))
			hold(&c, it->part[1]);
	}

	/* The uplink: a record of no key (its source is "--uplink"). */
	lput(&l, "port attach %s role uplink", h->uplink);
	snprintf(uplink, sizeof(uplink), "port %s", h->uplink);
	if (!h->host || h->no_uplink) {
		/* save mode, or the caller adds the uplink itself */
	} else if (!dev_exists(h->uplink)) {
		struct etcd_kv kv = { .key = (char *)"--uplink" };
		struct item it = { .kv = &kv };

		wait_port(&c, &it, h->uplink);
	} else if (!excluded(&c, uplink)) {
		struct config_error ce = { .index = -1 };

		if (!config_add_line(want, l.buf, &ce))
			add_src(&c, uplink, "--uplink");
	}

	for (k = K_DOMAIN; k < K_MAX; k++) {
		for (i = 0; i < c.n; i++) {
			struct item *it = &c.items[i];

			if (it->kind != (enum kind)k || !it->val)
				continue;
			if (k <= K_RULE && !held(&c, it->part[0]))
				continue;
			if (k > K_DOMAIN && k <= K_RULE &&
			    !domain_added(&c, it))
				continue;
			want_kept(&c, it);
		}
	}

	for (i = 0; i < c.n; i++) {
		for (k = 0; k < 4; k++)
			free(c.items[i].part[k]);
		free(c.items[i].why);
		if (c.items[i].val)
			json_object_put(c.items[i].val);
	}
	free(c.items);
	for (i = 0; i < c.pfx_size; i++)
		free(c.pfx_seen[i]);
	free(c.pfx_seen);
	dev_cache(false);
	return c.err;
}
