// SPDX-License-Identifier: GPL-2.0
/*
 * segctl --etcd URLS: the commands of segctl, written to the cluster's
 * desired state in etcd instead of the module (Documentation/cluster.rst).
 *
 * A command is checked as segctl checks it (config_add_line() of the
 * same line, "host H" taken out), then turned into the key and the JSON
 * value of the schema.  All the operations of one command, or of all
 * the lines of -b FILE, go in one etcd transaction.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cluster.h"
#include "json_print.h"
#include "segctl.h"

/* How a keyword's value goes into the JSON object. */
enum kw_type { KT_INT, KT_STR, KT_STRS, KT_FLAG, KT_LIMIT, KT_LIST };

struct kw {
	const char *name;
	const char *field;
	enum kw_type type;
};

static const struct kw domain_kws[] = {
	{ "id", "id", KT_INT }, { "default", "default", KT_STR },
	{ "flow-limit", "flow", KT_LIMIT },
	{ "endpoint-limit", "endpoint", KT_LIMIT },
	{ "rule-limit", "rule", KT_LIMIT },
	{ "service-limit", "service", KT_LIMIT },
	{ "chain-limit", "chain", KT_LIMIT },
	{ "prefix-limit", "prefix", KT_LIMIT },
	{ "bum-limit", "bum", KT_LIMIT },
	{ "gateway", "gateway", KT_STR }, { "gw-ip", "gw_ips", KT_STRS },
	{ "vni", "vni", KT_INT }, { "mtu", "mtu", KT_INT },
	{ "dns", "dns", KT_LIST }, { "ipv6-prefix", "ipv6_prefixes", KT_LIST },
	{ NULL, NULL, 0 }
};

static const struct kw group_kws[] = {
	{ "id", "id", KT_INT }, { "domain", NULL, KT_STR }, { NULL, NULL, 0 }
};

static const struct kw rule_kws[] = {
	{ "id", NULL, KT_STR }, { "domain", NULL, KT_STR },
	{ "prio", "prio", KT_INT }, { "from", "from", KT_STR },
	{ "to", "to", KT_STR }, { "proto", "proto", KT_STR },
	{ "port", "port", KT_STR }, { "type", "type", KT_INT },
	{ "action", "action", KT_STR }, { "log", "log", KT_FLAG },
	{ NULL, NULL, 0 }
};

static const struct kw service_kws[] = {
	{ "domain", NULL, KT_STR }, { "mode", "mode", KT_STR },
	{ NULL, NULL, 0 }
};

static const struct kw chain_kws[] = {
	{ "domain", NULL, KT_STR }, { "services", "services", KT_LIST },
	{ "fail", "fail", KT_STR }, { NULL, NULL, 0 }
};

static const struct kw endpoint_kws[] = {
	{ "domain", NULL, KT_STR }, { "group", "group", KT_STR },
	{ "port", "port", KT_STR }, { "ip", "ips", KT_STRS },
	{ "host", NULL, KT_STR }, { "dhcp-server", "dhcp_server", KT_FLAG },
	{ "prefix", "prefixes", KT_STRS }, { NULL, NULL, 0 }
};

static const struct kw iface_kws[] = {
	{ "mac", "mac", KT_STR }, { "ip", "ips", KT_STRS }, { NULL, NULL, 0 }
};

static int err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int err(const char *fmt, ...)
{
	va_list ap;

	fputs("segctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

static const char *dup_str(struct cluster_ops *o, char *s)
{
	char **strs = realloc(o->strs, (o->n_strs + 1) * sizeof(*strs));

	if (!strs || !s) {
		free(s);
		return NULL;
	}
	o->strs = strs;
	strs[o->n_strs++] = s;
	return s;
}

/*
 * Where the operations of this run come from: the command line, or the
 * lines of -b FILE, which etcd takes in one transaction only if no key
 * is written twice in it, and no put falls in a deleted range.  The
 * operations are folded as they come, as one host's batch would apply
 * them in order: a delete then a put of a key is the put, a put then a
 * delete is the delete; two puts of a key are an error.
 */
static struct {
	struct etcd *e;
	const char *file;	/* -b FILE, or NULL */
	unsigned int line;	/* of the command being turned into ops */
	unsigned int *lines;	/* the line each operation comes from */
	size_t size;		/* of lines[] */
} cur;

static void drop_op(struct cluster_ops *o, size_t i)
{
	size_t rest = o->n - i - 1;

	memmove(&o->ops[i], &o->ops[i + 1], rest * sizeof(*o->ops));
	memmove(&cur.lines[i], &cur.lines[i + 1], rest * sizeof(*cur.lines));
	o->n--;
}

static int append_op(struct cluster_ops *o, int type, const char *key,
		     const char *value, const char *range_end,
		     unsigned int line)
{
	struct etcd_op *ops = realloc(o->ops, (o->n + 1) * sizeof(*ops));

	if (!ops)
		return err("out of memory");
	o->ops = ops;
	if (o->n >= cur.size) {
		size_t size = cur.size ? 2 * cur.size : 64;
		unsigned int *lines = realloc(cur.lines,
					      size * sizeof(*lines));

		if (!lines)
			return err("out of memory");
		cur.lines = lines;
		cur.size = size;
	}
	memset(&ops[o->n], 0, sizeof(ops[o->n]));
	ops[o->n].type = type;
	ops[o->n].key = key;
	ops[o->n].value = value;
	ops[o->n].range_end = range_end;
	cur.lines[o->n] = line;
	o->n++;
	return 0;
}

static bool is_range(const struct etcd_op *op)
{
	return op->type == ETCD_DELETE && op->range_end;
}

static bool in_range(const struct etcd_op *op, const char *key)
{
	return is_range(op) && strcmp(key, op->key) >= 0 &&
	       strcmp(key, op->range_end) < 0;
}

/* The single key @key, as put or deleted by @op (not a range). */
static bool is_key(const struct etcd_op *op, int type, const char *key)
{
	return op->type == type && !op->range_end && !strcmp(op->key, key);
}

/*
 * A put falls in range delete @i (domain del, then a record of that
 * domain again): etcd cannot do both in one transaction, so the range
 * becomes a delete of each key in it now.
 */
static int expand_range(struct cluster_ops *o, size_t i)
{
	struct etcd_op range = o->ops[i];
	unsigned int line = cur.lines[i];
	struct etcd_kvs kvs = { 0 };
	const char *key;
	size_t k;
	int ret;

	if (!cur.e || etcd_range(cur.e, range.key, range.range_end, 0, &kvs)) {
		if (cur.e)
			fprintf(stderr, "segctl: etcd: %s\n",
				etcd_strerror(cur.e));
		return 1;
	}
	drop_op(o, i);
	for (ret = 0, k = 0; !ret && k < kvs.n; k++) {
		key = dup_str(o, strdup(kvs.kv[k].key));
		ret = key ? append_op(o, ETCD_DELETE, key, NULL, NULL, line) :
			err("out of memory");
	}
	etcd_kvs_free(&kvs);
	return ret;
}

static int add_op(struct cluster_ops *o, int type, char *key, char *value,
		  char *range_end)
{
	const char *k = dup_str(o, key), *v = NULL, *end = NULL;
	size_t i;
	int ret;

	if (value)
		v = dup_str(o, value);
	if (range_end)
		end = dup_str(o, range_end);
	if (!k || (value && !v) || (range_end && !end))
		return err("out of memory");

	if (type == ETCD_PUT) {
		for (i = 0; i < o->n; i++) {
			if (!is_key(&o->ops[i], ETCD_PUT, k))
				continue;
			if (!cur.file)
				return err("the command writes %s twice", k);
			return err("%s: lines %u and %u both write %s: given twice",
				   cur.file, cur.lines[i], cur.line, k);
		}
		for (i = o->n; i-- > 0;)
			if (in_range(&o->ops[i], k)) {
				ret = expand_range(o, i);
				if (ret)
					return ret;
			}
		for (i = o->n; i-- > 0;)
			if (is_key(&o->ops[i], ETCD_DELETE, k))
				drop_op(o, i);
	} else if (!end) {
		for (i = o->n; i-- > 0;) {
			if (is_key(&o->ops[i], ETCD_PUT, k))
				drop_op(o, i);
			else if (is_key(&o->ops[i], ETCD_DELETE, k) ||
				 in_range(&o->ops[i], k))
				return 0;	/* deleted already */
		}
	} else {
		for (i = o->n; i-- > 0;) {
			if (is_range(&o->ops[i]) && !strcmp(o->ops[i].key, k) &&
			    !strcmp(o->ops[i].range_end, end))
				return 0;
			if (!is_range(&o->ops[i]) &&
			    strcmp(o->ops[i].key, k) >= 0 &&
			    strcmp(o->ops[i].key, end) < 0)
				drop_op(o, i);
		}
	}
	return append_op(o, type, k, v, end, cur.line);
}

static int put_json(struct cluster_ops *o, char *key, json_object *val)
{
	char *s = strdup(json_object_to_json_string_ext(val,
				JSON_C_TO_STRING_PLAIN |
				JSON_C_TO_STRING_NOSLASHESCAPE));

	json_object_put(val);
	return add_op(o, ETCD_PUT, key, s, NULL);
}

void cluster_ops_free(struct cluster_ops *ops)
{
	size_t i;

	for (i = 0; i < ops->n_strs; i++)
		free(ops->strs[i]);
	free(ops->strs);
	free(ops->ops);
	memset(ops, 0, sizeof(*ops));
	free(cur.lines);
	cur.lines = NULL;
	cur.size = 0;
}

static char *keyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *keyf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* The value of @name among the keyword pairs of @argv, or NULL. */
static const char *kwval(int argc, char **argv, const char *name)
{
	int i;

	for (i = 0; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return NULL;
}

/*
 * Fill @obj from the keyword pairs of @argv against @kws; stop at a
 * keyword not in @kws (its index is returned), or return @argc.
 */
static int fill(json_object *obj, int argc, char **argv, const struct kw *kws)
{
	json_object *limits = NULL, *arr;
	const struct kw *k;
	int i = 0;

	while (i < argc) {
		for (k = kws; k->name; k++)
			if (!strcmp(k->name, argv[i]))
				break;
		if (!k->name)
			return i;
		if (k->type == KT_FLAG) {
			json_object_object_add(obj, k->field,
					       json_object_new_boolean(1));
			i++;
			continue;
		}
		if (i + 1 >= argc)
			return i;
		if (!k->field) {
			i += 2;
			continue;
		}
		switch (k->type) {
		case KT_INT:
			json_object_object_add(obj, k->field,
				json_object_new_int64(strtoll(argv[i + 1],
							      NULL, 10)));
			break;
		case KT_STR:
			json_object_object_add(obj, k->field,
				json_object_new_string(argv[i + 1]));
			break;
		case KT_LIMIT:
			/* domain set: the stored limits stay, but for this */
			if (!limits &&
			    (!json_object_object_get_ex(obj, "limits",
							&limits) ||
			     !json_object_is_type(limits,
						  json_type_object))) {
				limits = json_object_new_object();
				json_object_object_add(obj, "limits", limits);
			}
			json_object_object_add(limits, k->field,
				json_object_new_int64(strtoll(argv[i + 1],
							      NULL, 10)));
			break;
		case KT_STRS:
			/* a stored field that is not an array is replaced */
			if (!json_object_object_get_ex(obj, k->field, &arr) ||
			    !json_object_is_type(arr, json_type_array)) {
				arr = json_object_new_array();
				json_object_object_add(obj, k->field, arr);
			}
			json_object_array_add(arr,
				json_object_new_string(argv[i + 1]));
			break;
		case KT_LIST: {
			char *copy = strdup(argv[i + 1]), *p, *save = NULL;

			if (!copy)
				return i;	/* out of memory: an error */
			arr = json_object_new_array();
			for (p = strtok_r(copy, ",", &save); p;
			     p = strtok_r(NULL, ",", &save))
				json_object_array_add(arr,
					json_object_new_string(p));
			free(copy);
			json_object_object_add(obj, k->field, arr);
			break;
		}
		case KT_FLAG:
			break;
		}
		i += 2;
	}
	return i;
}

/* A stored value as a JSON object; NULL if it is not one. */
static json_object *parse_obj(const char *text)
{
	json_object *v = json_tokener_parse(text);

	if (v && !json_object_is_type(v, json_type_object)) {
		json_object_put(v);
		v = NULL;
	}
	return v;
}

static json_object *new_obj(void)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "version", json_object_new_int(1));
	return o;
}

/*
 * The keys of the cluster from @prefix@from to @prefix@to (NULL: those
 * starting with @prefix@from; "": @prefix@from alone), at @rev (0: the
 * latest), into @kvs.  0, or 1 after printing why.
 */
static int read_range(struct etcd *e, const char *prefix, const char *from,
		      const char *to, int64_t rev, struct etcd_kvs *kvs)
{
	char *start = keyf("%s%s", prefix, from), *end = NULL;
	int ret;

	memset(kvs, 0, sizeof(*kvs));
	if (start && !to)
		end = etcd_prefix_end(start);
	else if (start && *to)
		end = keyf("%s%s", prefix, to);
	if (!start || (!end && (!to || *to))) {
		free(start);
		return err("out of memory");
	}
	ret = etcd_range(e, start, end, rev, kvs);
	free(start);
	free(end);
	if (ret) {
		fprintf(stderr, "segctl: etcd: %s\n", etcd_strerror(e));
		return 1;
	}
	return 0;
}

/*
 * read_range(), then what save mode of cluster_want() makes of the keys:
 * the batch lines of the cluster's desired state, and the keys skipped.
 */
static int read_lines(struct etcd *e, const char *prefix, const char *from,
		      const char *to, struct etcd_kvs *kvs,
		      struct cluster_result *res)
{
	struct cluster_host h = { .prefix = prefix };
	int ret;

	memset(res, 0, sizeof(*res));
	ret = read_range(e, prefix, from, to, 0, kvs);
	if (ret)
		return ret;
	if (cluster_want(&h, kvs->kv, kvs->n, NULL, 0, NULL, res)) {
		cluster_result_free(res);
		etcd_kvs_free(kvs);
		return err("out of memory");
	}
	return 0;
}

/*
 * The cluster's objects (not its endpoints and instances, whose devices
 * are on other hosts), as a configuration that the commands of this run
 * are checked against, and added to, as segctl checks a batch file.
 */
static struct config *scratch;

static int scratch_init(struct etcd *e, const char *prefix)
{
	struct config_error ce = { .index = -1 };
	struct cluster_result res;
	struct etcd_kvs kvs;
	size_t i;
	int ret;

	if (scratch)
		return 0;
	ret = read_lines(e, prefix, "config/", NULL, &kvs, &res);
	if (ret)
		return ret;
	scratch = config_new();
	for (i = 0; scratch && i < res.n_lines; i++)
		config_add_line(scratch, res.lines[i], &ce);
	cluster_result_free(&res);
	etcd_kvs_free(&kvs);
	return scratch ? 0 : err("out of memory");
}

/* Check a command that adds an object of the cluster, as segctl would. */
static int validate(struct etcd *e, const char *prefix, int argc, char **argv)
{
	struct config_error ce = { .index = -1 };
	char line[4096] = "";
	size_t len = 0;
	int i, ret;

	ret = scratch_init(e, prefix);
	if (ret)
		return ret;
	for (i = 0; i < argc; i++) {
		len += snprintf(line + len, sizeof(line) - len, "%s%s",
				len ? " " : "", argv[i]);
		if (len >= sizeof(line))
			return err("command too long");
	}
	ret = config_add_line(scratch, line, &ce);
	if (ret)
		return err("%s", ce.msg);
	return 0;
}

/* A delete: forget the record in the checking configuration too. */
static void forget(struct etcd *e, const char *prefix, const char *what,
		   const char *domain, const char *name)
{
	char key[512];

	if (scratch_init(e, prefix))
		return;
	if (name)
		snprintf(key, sizeof(key), "%s %s %s", what, domain, name);
	else
		snprintf(key, sizeof(key), "%s %s", what, domain);
	config_remove(scratch, key);
}

/* Forget the record of etcd key @key, under @under (domain D's "P config/domains/D/"). */
static void forget_key(const char *under, const char *domain, const char *key)
{
	static const struct {
		const char *dir, *what;
	} dirs[] = {
		{ "groups/", "group" }, { "rules/", "rule" },
		{ "services/", "service" }, { "chains/", "chain" },
	};
	size_t len = strlen(under), i;
	char rec[512];

	if (strncmp(key, under, len))
		return;
	key += len;
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (strncmp(key, dirs[i].dir, strlen(dirs[i].dir)))
			continue;
		snprintf(rec, sizeof(rec), "%s %s %s", dirs[i].what, domain,
			 key + strlen(dirs[i].dir));
		config_remove(scratch, rec);
	}
}

/*
 * domain del: forget the domain and its records in the checking
 * configuration, those in etcd and those of the lines before.
 */
static int forget_domain(struct etcd *e, const char *prefix,
			 struct cluster_ops *o, const char *domain)
{
	char *under = keyf("%sconfig/domains/%s/", prefix, domain), *end;
	struct etcd_kvs kvs = { 0 };
	size_t i;
	int ret;

	end = under ? etcd_prefix_end(under) : NULL;
	if (!end) {
		free(under);
		return err("out of memory");
	}
	ret = scratch_init(e, prefix);
	if (!ret && etcd_range(e, under, end, 0, &kvs)) {
		fprintf(stderr, "segctl: etcd: %s\n", etcd_strerror(e));
		ret = 1;
	}
	if (!ret)
		forget(e, prefix, "domain", domain, NULL);
	for (i = 0; !ret && i < kvs.n; i++)
		forget_key(under, domain, kvs.kv[i].key);
	for (i = 0; !ret && i < o->n; i++)
		if (o->ops[i].type == ETCD_PUT)
			forget_key(under, domain, o->ops[i].key);
	etcd_kvs_free(&kvs);
	free(under);
	free(end);
	return ret;
}

/* Keys of the hosts under @prefix whose tail is @tail: into @kvs. */
static int find_host_keys(struct etcd *e, const char *prefix,
			  const char *tail, struct etcd_kvs *out)
{
	char *start = keyf("%shosts/", prefix), *end;
	struct etcd_kvs all = { 0 };
	size_t i, tl = strlen(tail);
	int ret;

	memset(out, 0, sizeof(*out));
	end = start ? etcd_prefix_end(start) : NULL;
	if (!end) {
		free(start);
		return err("out of memory");
	}
	ret = etcd_range(e, start, end, 0, &all);
	free(start);
	free(end);
	if (ret) {
		fprintf(stderr, "segctl: etcd: %s\n", etcd_strerror(e));
		return 1;
	}
	out->kv = calloc(all.n + 1, sizeof(*out->kv));
	for (i = 0; out->kv && i < all.n; i++) {
		size_t kl = strlen(all.kv[i].key);

		if (kl > tl && !strcmp(all.kv[i].key + kl - tl, tail)) {
			out->kv[out->n] = all.kv[i];
			memset(&all.kv[i], 0, sizeof(all.kv[i]));
			out->n++;
		}
	}
	etcd_kvs_free(&all);
	return out->kv ? 0 : err("out of memory");
}

static char *lower(char *s)
{
	char *p;

	for (p = s; *p; p++)
		*p = tolower((unsigned char)*p);
	return s;
}

static int prefix_index(json_object *arr, const char *p);

/*
 * The "prefixes" of a new endpoint's @val as segd reads them (ADDR/LEN,
 * canonical); one that is no prefix, or given twice, is refused.
 */
static int canonical_prefixes(json_object *val)
{
	char p[INET6_ADDRSTRLEN + 8];
	json_object *arr, *v;
	size_t i, n;

	if (!json_object_object_get_ex(val, "prefixes", &arr))
		return 0;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		const char *s = json_object_get_string(
					json_object_array_get_idx(arr, i));

		if (!cluster_prefix_text(s, p, sizeof(p)))
			return err("\"%s\" is not a prefix (ADDR/LEN)", s);
		v = json_object_new_string(p);
		if (!v || json_object_array_put_idx(arr, i, v))
			return err("out of memory");
		if (prefix_index(arr, p) < (int)i)
			return err("prefix %s given twice", p);
	}
	return 0;
}

static int cmd_endpoint(struct etcd *e, const char *prefix, const char *verb,
			int argc, char **argv, struct cluster_ops *o)
{
	const char *domain = kwval(argc - 1, argv + 1, "domain");
	const char *host = kwval(argc - 1, argv + 1, "host");
	struct etcd_kvs found;
	char mac[32], *tail, *newkey;
	json_object *val;
	size_t i;
	int ret;

	if (argc < 3 || !domain)
		return err("endpoint %s MAC domain DOMAIN ...", verb);
	snprintf(mac, sizeof(mac), "%s", argv[0]);
	lower(mac);
	if (!strcmp(verb, "add")) {
		if (!host)
			return err("endpoint add needs \"host HOST\" with --etcd");
		if (kwval(argc - 1, argv + 1, "remote"))
			return err("\"remote\" is segd's: name the endpoint's host");
		val = new_obj();
		if (fill(val, argc - 1, argv + 1, endpoint_kws) != argc - 1) {
			json_object_put(val);
			return err("unknown argument in endpoint add");
		}
		ret = canonical_prefixes(val);
		if (ret) {
			json_object_put(val);
			return ret;
		}
		return put_json(o, keyf("%shosts/%s/endpoints/%s/%s", prefix,
					host, domain, mac), val);
	}
	tail = keyf("/endpoints/%s/%s", domain, mac);
	if (!tail)
		return err("out of memory");
	ret = find_host_keys(e, prefix, tail, &found);
	free(tail);
	if (ret)
		return ret;
	if (!found.n) {
		etcd_kvs_free(&found);
		return err("endpoint %s of domain %s is on no host", mac,
			   domain);
	}
	newkey = host ? keyf("%shosts/%s/endpoints/%s/%s", prefix, host,
			     domain, mac) : NULL;
	/* A move deletes the old keys and puts the new one, in one txn. */
	for (i = 0; i < found.n && !ret; i++)
		if (!newkey || strcmp(newkey, found.kv[i].key))
			ret = add_op(o, ETCD_DELETE, strdup(found.kv[i].key),
				     NULL, NULL);
	if (!ret && !strcmp(verb, "move")) {
		const char *port = kwval(argc - 1, argv + 1, "port");
		size_t reg = 0;

		/* The registered key: the oldest (what segd applies). */
		for (i = 1; i < found.n; i++)
			if (found.kv[i].create_revision <
			    found.kv[reg].create_revision)
				reg = i;
		if (!newkey || !port) {
			etcd_kvs_free(&found);
			free(newkey);
			return err("endpoint move MAC domain DOMAIN port DEV host HOST");
		}
		val = parse_obj(found.kv[reg].value);
		if (!val) {
			ret = err("%s is not a JSON object", found.kv[reg].key);
			etcd_kvs_free(&found);
			free(newkey);
			return ret;
		}
		json_object_object_add(val, "port",
				       json_object_new_string(port));
		ret = put_json(o, newkey, val);
		newkey = NULL;
	}
	free(newkey);
	etcd_kvs_free(&found);
	return ret;
}

/*
 * endpoint set|claim with --etcd: the endpoint keys read, changed and
 * put back in one transaction that holds only if none of them changed
 * since they were read (a compare of each key's mod_revision), so that
 * two agents claiming at once cannot lose each other's writes.
 */

/* @text as inet_pton() reads it, for comparing; false if not an address. */
static bool addr_bin(const char *text, unsigned char *bin, int *family)
{
	*family = strchr(text, ':') ? AF_INET6 : AF_INET;
	return inet_pton(*family, text, bin) == 1;
}

static bool same_addr(const char *a, const char *b)
{
	unsigned char x[16], y[16];
	int fx, fy;

	if (!addr_bin(a, x, &fx) || !addr_bin(b, y, &fy) || fx != fy)
		return !strcmp(a, b);
	return !memcmp(x, y, fx == AF_INET ? 4 : 16);
}

/* The index of @addr in @ips (a JSON array of strings), or -1. */
static int ips_find(json_object *ips, const char *addr)
{
	size_t i, n = ips ? json_object_array_length(ips) : 0;

	for (i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(ips, i);

		if (json_object_is_type(v, json_type_string) &&
		    same_addr(json_object_get_string(v), addr))
			return i;
	}
	return -1;
}

/* @val's "ips", made if missing; NULL if it is not an array. */
static json_object *ips_of(json_object *val)
{
	json_object *ips;

	if (!json_object_object_get_ex(val, "ips", &ips)) {
		ips = json_object_new_array();
		json_object_object_add(val, "ips", ips);
	}
	return json_object_is_type(ips, json_type_array) ? ips : NULL;
}

static int if_unchanged(struct cluster_ops *o, const struct etcd_kv *kv)
{
	const char *k = dup_str(o, strdup(kv->key));

	if (!k || append_op(o, ETCD_IF_MOD, k, NULL, NULL, cur.line))
		return err("out of memory");
	o->ops[o->n - 1].mod_revision = kv->mod_revision;
	return 0;
}

/* The endpoint keys of @domain on every host, in @out. */
static int find_domain_endpoints(struct etcd *e, const char *prefix,
				 const char *domain, struct etcd_kvs *out)
{
	char *mid = keyf("/endpoints/%s/", domain);
	char *start = keyf("%shosts/", prefix), *end = NULL;
	struct etcd_kvs all = { 0 };
	size_t i, pl = start ? strlen(start) : 0;
	int ret = 1;

	memset(out, 0, sizeof(*out));
	if (start)
		end = etcd_prefix_end(start);
	if (!mid || !end) {
		err("out of memory");
		goto out;
	}
	if (etcd_range(e, start, end, 0, &all)) {
		fprintf(stderr, "segctl: etcd: %s\n", etcd_strerror(e));
		goto out;
	}
	out->kv = calloc(all.n + 1, sizeof(*out->kv));
	if (!out->kv) {
		err("out of memory");
		goto out;
	}
	/* hosts/H/endpoints/D/MAC: H and MAC without a slash */
	for (i = 0; i < all.n; i++) {
		const char *host = all.kv[i].key + pl;
		const char *at = strchr(host, '/');

		if (!at || at == host || strncmp(at, mid, strlen(mid)) ||
		    !at[strlen(mid)] || strchr(at + strlen(mid), '/'))
			continue;
		out->kv[out->n++] = all.kv[i];
		memset(&all.kv[i], 0, sizeof(all.kv[i]));
	}
	ret = 0;
out:
	etcd_kvs_free(&all);
	free(mid);
	free(start);
	free(end);
	return ret;
}

/* Of the keys of @found, the one registering @mac: the oldest; or -1. */
static int registered(const struct etcd_kvs *found, const char *mac)
{
	size_t i, ml = strlen(mac);
	int reg = -1;

	for (i = 0; i < found->n; i++) {
		size_t kl = strlen(found->kv[i].key);

		if (kl <= ml || found->kv[i].key[kl - ml - 1] != '/' ||
		    strcmp(found->kv[i].key + kl - ml, mac))
			continue;
		if (reg < 0 || found->kv[i].create_revision <
			       found->kv[reg].create_revision)
			reg = i;
	}
	return reg;
}

static int cmd_endpoint_change(struct etcd *e, const char *prefix,
			       const char *verb, int argc, char **argv,
			       struct cluster_ops *o)
{
	const char *domain = kwval(argc - 1, argv + 1, "domain");
	bool claim = !strcmp(verb, "claim"), ip_given = false;
	json_object **vals = NULL, *ips, *nips;
	bool *changed = NULL;
	struct etcd_kvs found;
	char mac[32];
	size_t i, j;
	int ret, reg, at;

	if (cur.file)
		return err("endpoint %s reads the endpoints: not in a batch file", verb);
	if (argc < 3 || !domain)
		return err("endpoint %s MAC domain DOMAIN ...", verb);
	snprintf(mac, sizeof(mac), "%s", argv[0]);
	lower(mac);
	/* the words: checked before anything is read */
	for (i = 1; i + 1 < (size_t)argc; i += 2) {
		const char *k = argv[i];

		if (!strcmp(k, "domain") || !strcmp(k, "ip") ||
		    (!claim && (!strcmp(k, "group") || !strcmp(k, "add-ip") ||
				!strcmp(k, "del-ip"))))
			continue;
		return err("unknown argument \"%s\" in endpoint %s", k, verb);
	}
	if (i != (size_t)argc)
		return err("\"%s\" needs a value", argv[argc - 1]);
	ret = find_domain_endpoints(e, prefix, domain, &found);
	if (ret)
		return ret;
	reg = registered(&found, mac);
	if (reg < 0) {
		etcd_kvs_free(&found);
		return err("endpoint %s of domain %s is on no host", mac, domain);
	}
	vals = calloc(found.n, sizeof(*vals));
	changed = calloc(found.n, sizeof(*changed));
	if (!vals || !changed) {
		ret = err("out of memory");
		goto out;
	}
	for (i = 0; i < found.n; i++) {
		vals[i] = parse_obj(found.kv[i].value);
		if (!vals[i] && (claim || (int)i == reg)) {
			ret = err("%s is not a JSON object", found.kv[i].key);
			goto out;
		}
	}
	ips = ips_of(vals[reg]);
	if (!ips) {
		ret = err("%s: \"ips\" is not a list", found.kv[reg].key);
		goto out;
	}
	nips = json_object_new_array();
	for (i = 1; i + 1 < (size_t)argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (!strcmp(k, "group")) {
			json_object_object_add(vals[reg], "group",
					       json_object_new_string(v));
		} else if (!strcmp(k, "ip") && !claim) {
			ip_given = true;
			if (strcmp(v, "none") && ips_find(nips, v) < 0)
				json_object_array_add(nips,
					json_object_new_string(v));
		}
	}
	if (ip_given) {
		json_object_object_add(vals[reg], "ips", nips);
		ips = nips;
	} else {
		json_object_put(nips);
	}
	for (i = 1; i + 1 < (size_t)argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];

		if (!strcmp(k, "del-ip")) {
			at = ips_find(ips, v);
			if (at < 0) {
				ret = err("endpoint %s has no address %s", mac, v);
				goto out;
			}
			json_object_array_del_idx(ips, at, 1);
		} else if (!strcmp(k, "add-ip") ||
			   (claim && !strcmp(k, "ip"))) {
			for (j = 0; claim && j < found.n; j++) {
				json_object *other;

				if ((int)j == reg || !vals[j])
					continue;
				other = ips_of(vals[j]);
				at = other ? ips_find(other, v) : -1;
				if (at < 0)
					continue;
				json_object_array_del_idx(other, at, 1);
				changed[j] = true;
			}
			if (ips_find(ips, v) >= 0) {
				if (claim)
					continue;
				ret = err("endpoint %s has address %s already",
					  mac, v);
				goto out;
			}
			json_object_array_add(ips, json_object_new_string(v));
		}
	}
	changed[reg] = true;
	for (j = 0; j < found.n && !ret; j++)
		if (changed[j])
			ret = if_unchanged(o, &found.kv[j]) ?:
			      put_json(o, strdup(found.kv[j].key),
				       json_object_get(vals[j]));
out:
	for (i = 0; vals && i < found.n; i++)
		json_object_put(vals[i]);
	free(vals);
	free(changed);
	etcd_kvs_free(&found);
	return ret;
}

/*
 * prefix add|del with --etcd: a prefix is an element of its group's
 * "prefixes"; the group keys of the domain are read, the one changed is
 * put back on the condition that none changed meanwhile.
 */

/* The index of prefix @p (canonical) in @arr, or -1. */
static int prefix_index(json_object *arr, const char *p)
{
	char buf[INET6_ADDRSTRLEN + 8];
	size_t i, n;

	if (!arr || !json_object_is_type(arr, json_type_array))
		return -1;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(arr, i);

		if (json_object_is_type(v, json_type_string) &&
		    cluster_prefix_text(json_object_get_string(v), buf, sizeof(buf)) &&
		    !strcmp(buf, p))
			return i;
	}
	return -1;
}

/*
 * An endpoint's prefix: an element of its key's "prefixes".  Added to
 * the endpoint registering @mac (NULL: deleted from the one that has
 * it), on the condition that no endpoint key of the domain changed
 * meanwhile; refused if another endpoint has it.
 */
static int owned_prefix(struct etcd *e, const char *prefix, const char *p,
			const char *domain, const char *mac,
			struct cluster_ops *o)
{
	struct etcd_kvs found = { 0 };
	json_object *val = NULL, *arr;
	int ret = 1, hit = -1, at = -1;
	size_t i;

	if (find_domain_endpoints(e, prefix, domain, &found))
		return 1;
	if (mac) {
		hit = registered(&found, mac);
		if (hit < 0) {
			ret = err("endpoint %s of domain %s is not in the cluster",
				  mac, domain);
			goto out;
		}
	}
	for (i = 0; i < found.n; i++) {
		json_object *v = parse_obj(found.kv[i].value);
		int k = v && json_object_object_get_ex(v, "prefixes", &arr) ?
			prefix_index(arr, p) : -1;

		if (k >= 0 && mac) {
			ret = err("prefix %s is owned by %s already", p,
				  strrchr(found.kv[i].key, '/') + 1);
			json_object_put(v);
			json_object_put(val);
			goto out;
		}
		if (k >= 0 && !mac && hit < 0) {
			hit = i;
			at = k;
		}
		if ((int)i == hit && !val)
			val = v;
		else
			json_object_put(v);
	}
	if (hit < 0) {
		ret = err("prefix %s is in no group or endpoint of domain %s",
			  p, domain);
		goto out;
	}
	if (!val) {
		ret = err("the key of endpoint %s is not JSON",
			  strrchr(found.kv[hit].key, '/') + 1);
		goto out;
	}
	if (!json_object_object_get_ex(val, "prefixes", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		arr = json_object_new_array();
		json_object_object_add(val, "prefixes", arr);
	}
	if (mac)
		json_object_array_add(arr, json_object_new_string(p));
	else
		json_object_array_del_idx(arr, at, 1);
	ret = 0;
	for (i = 0; i < found.n && !ret; i++)
		ret = if_unchanged(o, &found.kv[i]);
	ret = ret ?: put_json(o, strdup(found.kv[hit].key), val);
	val = NULL;
out:
	json_object_put(val);
	etcd_kvs_free(&found);
	return ret;
}

/* Whether an endpoint of @domain owns @p: 1 (its MAC in @who), 0, or -1. */
static int owned_by(struct etcd *e, const char *prefix, const char *domain,
		    const char *p, char *who, size_t size)
{
	struct etcd_kvs found = { 0 };
	json_object *v, *arr;
	int ret = 0;
	size_t i;

	if (find_domain_endpoints(e, prefix, domain, &found))
		return -1;
	for (i = 0; i < found.n && !ret; i++) {
		v = parse_obj(found.kv[i].value);
		if (v && json_object_object_get_ex(v, "prefixes", &arr) &&
		    prefix_index(arr, p) >= 0) {
			snprintf(who, size, "%s",
				 strrchr(found.kv[i].key, '/') + 1);
			ret = 1;
		}
		json_object_put(v);
	}
	etcd_kvs_free(&found);
	return ret;
}

/*
 * prefix add in a batch file (save's output): the prefix joins the
 * "prefixes" of the put of an earlier line, the group's (@group) or the
 * endpoint's (@mac).  Reading etcd instead would be reading before the
 * file's own writes, so a prefix without such a line is refused.
 */
static int batch_prefix(const char *prefix, const char *p, const char *domain,
			const char *group, const char *mac,
			struct cluster_ops *o)
{
	char *key = group ? keyf("%sconfig/domains/%s/groups/%s", prefix,
				 domain, group) :
			    keyf("/endpoints/%s/%s", domain, mac);
	char *hosts = keyf("%shosts/", prefix);
	const char *text;
	json_object *val, *arr;
	size_t kl, i, at = o->n;

	if (!key || !hosts) {
		free(key);
		free(hosts);
		return err("out of memory");
	}
	kl = strlen(key);
	for (i = o->n; i-- > 0 && at == o->n;) {
		const struct etcd_op *op = &o->ops[i];
		size_t l = strlen(op->key);

		if (op->type != ETCD_PUT || op->range_end)
			continue;
		if (group ? !strcmp(op->key, key) :
		    (!strncmp(op->key, hosts, strlen(hosts)) && l > kl &&
		     !strcmp(op->key + l - kl, key)))
			at = i;
	}
	free(key);
	free(hosts);
	if (at == o->n)
		return err("%s: prefix add in a batch file goes after the line that adds %s %s of domain %s",
			   cur.file, group ? "group" : "endpoint",
			   group ? group : mac, domain);
	val = parse_obj(o->ops[at].value);
	if (!val)
		return err("out of memory");
	if (!json_object_object_get_ex(val, "prefixes", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		arr = json_object_new_array();
		json_object_object_add(val, "prefixes", arr);
	}
	if (prefix_index(arr, p) >= 0) {
		json_object_put(val);
		return err("%s: prefix %s of %s %s given twice", cur.file, p,
			   group ? "group" : "endpoint", group ? group : mac);
	}
	json_object_array_add(arr, json_object_new_string(p));
	text = dup_str(o, strdup(json_object_to_json_string_ext(val,
				JSON_C_TO_STRING_PLAIN |
				JSON_C_TO_STRING_NOSLASHESCAPE)));
	json_object_put(val);
	if (!text)
		return err("out of memory");
	o->ops[at].value = text;
	return 0;
}

static int cmd_prefix(struct etcd *e, const char *prefix, const char *verb,
		      int argc, char **argv, struct cluster_ops *o)
{
	const char *domain = kwval(argc - 1, argv + 1, "domain");
	const char *group = kwval(argc - 1, argv + 1, "group");
	const char *owner = kwval(argc - 1, argv + 1, "endpoint");
	char mac[32];
	bool add = !strcmp(verb, "add");
	char p[INET6_ADDRSTRLEN + 8], *start, *end = NULL;
	struct etcd_kvs kvs = { 0 };
	json_object *val = NULL, *arr;
	int ret = 1, at = -1;
	size_t i, hit = 0;

	if (cur.file && strcmp(verb, "add"))
		return err("prefix %s reads the groups: not in a batch file", verb);
	if (strcmp(verb, "add") && strcmp(verb, "del"))
		return err("\"prefix %s\" is not a command of segctl --etcd", verb);
	if (argc < 3 || !domain || (add && !group == !owner) ||
	    argc != (add ? 5 : 3))
		return err(add ? "prefix add PREFIX domain DOMAIN group GROUP|endpoint MAC" :
			   "prefix del PREFIX domain DOMAIN");
	if (!cluster_prefix_text(argv[0], p, sizeof(p)))
		return err("\"%s\" is not a prefix (ADDR/LEN)", argv[0]);
	if (owner) {
		uint8_t bytes[6];

		if (parse_mac(owner, bytes))
			return err("\"%s\" is not a MAC address", owner);
		format_mac(bytes, mac, sizeof(mac));
		lower(mac);
	}
	if (cur.file)
		return batch_prefix(prefix, p, domain, group,
				    owner ? mac : NULL, o);
	start = keyf("%sconfig/domains/%s/groups/", prefix, domain);
	if (start)
		end = etcd_prefix_end(start);
	if (!start || !end) {
		ret = err("out of memory");
		goto out;
	}
	if (etcd_range(e, start, end, 0, &kvs)) {
		fprintf(stderr, "segctl: etcd: %s\n", etcd_strerror(e));
		goto out;
	}
	for (i = 0; i < kvs.n; i++) {
		json_object *v = parse_obj(kvs.kv[i].value);
		const char *name = kvs.kv[i].key + strlen(start);
		int k;

		if (!v)
			continue;
		k = json_object_object_get_ex(v, "prefixes", &arr) ?
		    prefix_index(arr, p) : -1;
		if (k >= 0 && (add || at >= 0)) {
			json_object_put(v);
			json_object_put(val);
			ret = add ? err("prefix %s is in group \"%s\" already", p,
					name) :
				    err("prefix %s is in two groups", p);
			goto out;
		}
		if ((add && group && !strcmp(name, group)) ||
		    (!add && k >= 0)) {
			val = v;
			hit = i;
			at = k;
			continue;
		}
		json_object_put(v);
	}
	/* An endpoint's, or one no group has: the endpoints' keys. */
	if (owner || (!add && !val)) {
		json_object_put(val);
		val = NULL;
		ret = owned_prefix(e, prefix, p, domain, owner ? mac : NULL, o);
		goto out;
	}
	if (!val) {
		ret = err("group %s of domain %s is not in the cluster", group,
			  domain);
		goto out;
	}
	if (add) {
		int owned = owned_by(e, prefix, domain, p, mac, sizeof(mac));

		if (owned) {
			json_object_put(val);
			ret = owned < 0 ? 1 :
			      err("prefix %s is owned by %s already", p, mac);
			goto out;
		}
	}
	if (!json_object_object_get_ex(val, "prefixes", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		arr = json_object_new_array();
		json_object_object_add(val, "prefixes", arr);
	}
	if (add)
		json_object_array_add(arr, json_object_new_string(p));
	else
		json_object_array_del_idx(arr, at, 1);
	ret = if_unchanged(o, &kvs.kv[hit]) ?:
	      put_json(o, strdup(kvs.kv[hit].key), val);
out:
	etcd_kvs_free(&kvs);
	free(start);
	free(end);
	return ret;
}

/* "left DEV [mac MAC] [ip ADDR]..." at @argv: the words it took. */
static int fill_side(json_object *val, const char *side, int argc,
		     char **argv)
{
	json_object *o;
	int n;

	if (argc < 2 || strcmp(argv[0], side))
		return -1;
	o = json_object_new_object();
	json_object_object_add(o, "dev", json_object_new_string(argv[1]));
	n = fill(o, argc - 2, argv + 2, iface_kws);
	json_object_object_add(val, side, o);
	return n + 2;
}

static int cmd_instance(struct etcd *e, const char *prefix, const char *verb,
			int argc, char **argv, struct cluster_ops *o)
{
	const char *domain = kwval(argc - 2, argv + 2, "domain");
	const char *host = kwval(argc - 2, argv + 2, "host");
	struct etcd_kvs found;
	json_object *val;
	char *tail;
	size_t i;
	int ret, n, at;

	if (argc < 4 || !domain)
		return err("service instance %s SERVICE ID domain DOMAIN ...",
			   verb);
	if (!strcmp(verb, "add")) {
		if (!host)
			return err("service instance add needs \"host HOST\" with --etcd");
		val = new_obj();
		/* domain D, host H, left ..., right ... in any order */
		for (at = 2; at < argc;) {
			if (!strcmp(argv[at], "domain") ||
			    !strcmp(argv[at], "host")) {
				at += 2;
				continue;
			}
			n = strcmp(argv[at], "left") &&
			    strcmp(argv[at], "right") ? -1 :
			    fill_side(val, argv[at], argc - at, argv + at);
			if (n < 0) {
				json_object_put(val);
				return err("unknown argument \"%s\"", argv[at]);
			}
			at += n;
		}
		json_object_object_add(val, "drain",
				       json_object_new_boolean(0));
		return put_json(o, keyf("%shosts/%s/instances/%s/%s/%s",
					prefix, host, domain, argv[0],
					argv[1]), val);
	}
	tail = keyf("/instances/%s/%s/%s", domain, argv[0], argv[1]);
	if (!tail)
		return err("out of memory");
	ret = find_host_keys(e, prefix, tail, &found);
	free(tail);
	if (ret)
		return ret;
	if (!found.n)
		ret = err("instance %s of service %s is on no host", argv[1],
			  argv[0]);
	for (i = 0; i < found.n && !ret; i++) {
		if (!strcmp(verb, "del")) {
			ret = add_op(o, ETCD_DELETE, strdup(found.kv[i].key),
				     NULL, NULL);
			continue;
		}
		val = parse_obj(found.kv[i].value);
		if (!val) {
			ret = err("%s is not a JSON object", found.kv[i].key);
			break;
		}
		json_object_object_add(val, "drain",
			json_object_new_boolean(!strcmp(verb, "drain")));
		ret = put_json(o, strdup(found.kv[i].key), val);
	}
	etcd_kvs_free(&found);
	return ret;
}

/*
 * port attach DEV domain D role exit [ip A/LEN nexthop N] [ip6 A/LEN
 * nexthop6 N] host H: the exit of D on H, key P hosts/H/exits/D.  port
 * detach DEV host H [domain D]: the exit of H on DEV goes.  Other ports
 * have no key: an endpoint's and an instance's come with them, the
 * uplink is segd's --uplink.
 */
static int cmd_port(struct etcd *e, const char *prefix, const char *verb,
		    int argc, char **argv, struct cluster_ops *o)
{
	static const char *const kws[] = {
		"domain", "role", "host", "ip", "nexthop", "ip6", "nexthop6",
		NULL };
	const char *domain = kwval(argc - 1, argv + 1, "domain");
	const char *host = kwval(argc - 1, argv + 1, "host");
	const char *role = kwval(argc - 1, argv + 1, "role");
	char text[INET6_ADDRSTRLEN + 8], *under;
	unsigned char addr[16];
	struct etcd_kvs found;
	json_object *val, *port;
	int i, k, fam, ret;
	size_t j;

	if (argc < 1 || (strcmp(verb, "attach") && strcmp(verb, "detach")))
		return err("port attach|detach DEV ... host HOST");
	for (i = 1; i < argc; i += 2) {
		for (k = 0; kws[k] && strcmp(kws[k], argv[i]); k++)
			;
		if (!kws[k] || i + 1 >= argc)
			return err(kws[k] ? "\"%s\" needs a value" :
				   "unknown argument \"%s\"", argv[i]);
	}
	if (!host)
		return err("port %s needs \"host HOST\" with --etcd", verb);
	if (!strcmp(verb, "detach")) {
		under = keyf("hosts/%s/exits/", host);
		if (!under)
			return err("out of memory");
		ret = read_range(e, prefix, under, NULL, 0, &found);
		free(under);
		if (ret)
			return ret;
		for (j = 0, k = 0; j < found.n && !ret; j++) {
			val = parse_obj(found.kv[j].value);
			if (val && json_object_object_get_ex(val, "port", &port) &&
			    !strcmp(json_object_get_string(port), argv[0]) &&
			    (!domain || !strcmp(strrchr(found.kv[j].key, '/') + 1,
						domain))) {
				ret = add_op(o, ETCD_DELETE,
					     strdup(found.kv[j].key), NULL, NULL);
				k++;
			}
			json_object_put(val);
		}
		etcd_kvs_free(&found);
		if (!ret && !k)
			ret = err("host %s has no exit on %s in the cluster", host,
				  argv[0]);
		return ret;
	}
	if (!domain || !role || strcmp(role, "exit"))
		return err("port attach with --etcd is for exits only: port attach DEV domain DOMAIN role exit ... host HOST");
	val = new_obj();
	json_object_object_add(val, "port", json_object_new_string(argv[0]));
	for (i = 1; i < argc; i += 2) {
		fam = !strcmp(argv[i], "ip") || !strcmp(argv[i], "nexthop") ?
		      AF_INET : AF_INET6;
		if (!strcmp(argv[i], "ip") || !strcmp(argv[i], "ip6")) {
			if (!cluster_prefix_text(argv[i + 1], text,
						 sizeof(text)) ||
			    (fam == AF_INET6) != !!strchr(text, ':')) {
				json_object_put(val);
				return err("%s \"%s\" is not an IPv%c prefix A/LEN",
					   argv[i], argv[i + 1],
					   fam == AF_INET ? '4' : '6');
			}
		} else if (!strcmp(argv[i], "nexthop") ||
			   !strcmp(argv[i], "nexthop6")) {
			if (inet_pton(fam, argv[i + 1], addr) != 1) {
				json_object_put(val);
				return err("%s \"%s\" is not an IPv%c address",
					   argv[i], argv[i + 1],
					   fam == AF_INET ? '4' : '6');
			}
			inet_ntop(fam, addr, text, sizeof(text));
		} else {
			continue;
		}
		json_object_object_add(val, argv[i],
				       json_object_new_string(text));
	}
	for (k = 0; k < 2; k++) {
		const char *ip = k ? "ip6" : "ip";
		const char *nh = k ? "nexthop6" : "nexthop";
		bool has_ip = json_object_object_get_ex(val, ip, NULL);

		if (has_ip != json_object_object_get_ex(val, nh, NULL)) {
			json_object_put(val);
			return err("\"%s\" needs \"%s\"", has_ip ? ip : nh,
				   has_ip ? nh : ip);
		}
	}
	if (!json_object_object_get_ex(val, "ip", NULL) &&
	    !json_object_object_get_ex(val, "ip6", NULL)) {
		json_object_put(val);
		return err("an exit needs \"ip A/LEN nexthop N\" or \"ip6 A/LEN nexthop6 N\"");
	}
	return put_json(o, keyf("%shosts/%s/exits/%s", prefix, host, domain),
			val);
}

/* domain set: the stored value, changed. */
/*
 * The numbers among the keyword pairs of a domain's @argv: what fill()
 * would write of one that is not a number is 0, which is a value too.
 * The flood limit has the module's range (SEGFILTER_BUM_LIMIT_MAX).
 */
static int check_numbers(int argc, char **argv)
{
	const struct kw *k;
	uint32_t v;
	int i;

	for (i = 0; i + 1 < argc; i += 2) {
		for (k = domain_kws; k->name; k++)
			if (!strcmp(k->name, argv[i]))
				break;
		if (!k->name || (k->type != KT_INT && k->type != KT_LIMIT))
			continue;
		if (parse_u32(argv[i + 1], argv[i], &v))
			return EXIT_USAGE;
		if (!strcmp(argv[i], "bum-limit") && v > 1000000)
			return err("invalid bum-limit \"%s\": larger than 1000000 (copies a second)",
				   argv[i + 1]);
	}
	return 0;
}

static int cmd_domain_set(struct etcd *e, const char *prefix, int argc,
			  char **argv, struct cluster_ops *o)
{
	char *key = keyf("%sconfig/domains/%s", prefix, argv[0]);
	struct etcd_kvs kvs = { 0 };
	json_object *val;
	int i, ret;

	if (!key)
		return err("out of memory");
	if (check_numbers(argc - 1, argv + 1)) {
		free(key);
		return EXIT_USAGE;
	}
	ret = etcd_range(e, key, NULL, 0, &kvs);
	if (ret) {
		free(key);
		fprintf(stderr, "segctl: etcd: %s\n", etcd_strerror(e));
		return 1;
	}
	val = kvs.n ? parse_obj(kvs.kv[0].value) : NULL;
	if (!val) {
		ret = kvs.n ? err("%s is not a JSON object", key) :
			err("domain %s does not exist in the cluster", argv[0]);
		etcd_kvs_free(&kvs);
		free(key);
		return ret;
	}
	etcd_kvs_free(&kvs);
	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "id") || !strcmp(argv[i], "vni")) {
			json_object_put(val);
			free(key);
			return err("domain set cannot change \"%s\"", argv[i]);
		}
		if (!strcmp(argv[i], "gateway") && !strcmp(argv[i + 1], "none")) {
			json_object_object_del(val, "gateway");
			json_object_object_del(val, "gw_ips");
			argv[i] = (char *)"";
			argv[i + 1] = (char *)"";
		} else if (!strcmp(argv[i], "gw-ip")) {
			json_object_object_del(val, "gw_ips");
		} else if ((!strcmp(argv[i], "dns") ||
			    !strcmp(argv[i], "ipv6-prefix")) &&
			   !strcmp(argv[i + 1], "none")) {
			json_object_object_del(val, *argv[i] == 'd' ?
					       "dns" : "ipv6_prefixes");
			argv[i] = (char *)"";
			argv[i + 1] = (char *)"";
		} else if (!strcmp(argv[i], "mtu") &&
			   !strcmp(argv[i + 1], "0")) {
			json_object_object_del(val, "mtu");
			argv[i] = (char *)"";
			argv[i + 1] = (char *)"";
		}
	}
	for (i = 1; i + 1 < argc; i += 2) {
		if (!*argv[i])
			continue;
		if (fill(val, 2, argv + i, domain_kws) != 2) {
			json_object_put(val);
			free(key);
			return err("unknown argument \"%s\"", argv[i]);
		}
	}
	if (i != argc) {
		json_object_put(val);
		free(key);
		return err("a keyword without its value");
	}
	return put_json(o, key, val);
}

/* Delete key @key and every key under @key/. */
static int del_tree(struct cluster_ops *o, char *key)
{
	char *under = keyf("%s/", key), *end;

	if (!under) {
		free(key);
		return err("out of memory");
	}
	end = etcd_prefix_end(under);
	if (add_op(o, ETCD_DELETE, key, NULL, NULL))
		return 1;
	return add_op(o, ETCD_DELETE, under, NULL, end);
}

static int object_ops(struct etcd *e, const char *prefix, int argc,
		      char **argv, struct cluster_ops *o)
{
	const char *obj = argv[0], *verb = argc > 1 ? argv[1] : "";
	const char *domain;
	json_object *val;
	int rest, ret;
	char **a = argv + 2;
	int n = argc - 2;

	if (!strcmp(obj, "port"))
		return cmd_port(e, prefix, verb, argc - 2, argv + 2, o);
	if (!strcmp(obj, "service") && !strcmp(verb, "instance")) {
		if (argc < 3)
			return err("service instance add|del|drain|undrain ...");
		return cmd_instance(e, prefix, argv[2], argc - 3, argv + 3, o);
	}
	if (argc < 3)
		return err("%s %s: too few arguments", obj, verb);
	domain = kwval(n - 1, a + 1, "domain");

	if (!strcmp(obj, "prefix"))
		return cmd_prefix(e, prefix, verb, n, a, o);
	if (!strcmp(obj, "endpoint") &&
	    (!strcmp(verb, "set") || !strcmp(verb, "claim")))
		return cmd_endpoint_change(e, prefix, verb, n, a, o);
	if (!strcmp(obj, "endpoint"))
		return cmd_endpoint(e, prefix, verb, n, a, o);

	if (!strcmp(obj, "domain")) {
		if (!strcmp(verb, "add")) {
			if (check_numbers(n - 1, a + 1))
				return EXIT_USAGE;
			val = new_obj();
			rest = fill(val, n - 1, a + 1, domain_kws);
			if (rest != n - 1) {
				json_object_put(val);
				return err("unknown argument \"%s\"",
					   a[rest + 1]);
			}
			return put_json(o, keyf("%sconfig/domains/%s", prefix,
						a[0]), val);
		}
		if (!strcmp(verb, "set"))
			return cmd_domain_set(e, prefix, n, a, o);
		if (!strcmp(verb, "del")) {
			ret = forget_domain(e, prefix, o, a[0]);
			if (ret)
				return ret;
			return del_tree(o, keyf("%sconfig/domains/%s", prefix,
						a[0]));
		}
		return err("domain %s: not with --etcd", verb);
	}
	if (!strcmp(obj, "rule") && !strcmp(verb, "add")) {
		const char *id = kwval(n, a, "id");
		int i;

		domain = kwval(n, a, "domain");
		if (!id || !domain)
			return err("rule add needs \"id ID\" and \"domain DOMAIN\" with --etcd");
		val = new_obj();
		for (i = 0; i < n;) {
			rest = fill(val, n - i, a + i, rule_kws);
			i += rest;
			/* "action redirect CHAIN" */
			if (i < n && i > 0 && !strcmp(a[i - 1], "redirect")) {
				json_object_object_add(val, "chain",
					json_object_new_string(a[i]));
				i++;
			} else if (i < n) {
				json_object_put(val);
				return err("unknown argument \"%s\"", a[i]);
			}
		}
		return put_json(o, keyf("%sconfig/domains/%s/rules/%s", prefix,
					domain, id), val);
	}
	if (!domain)
		return err("%s %s: \"domain DOMAIN\" missing", obj, verb);

	{
		static const struct {
			const char *obj, *dir;
			const struct kw *kws;
		} objs[] = {
			{ "group", "groups", group_kws },
			{ "rule", "rules", NULL },
			{ "service", "services", service_kws },
			{ "chain", "chains", chain_kws },
		};
		unsigned int i;

		for (i = 0; i < ARRAY_SIZE(objs); i++) {
			char *key;

			if (strcmp(objs[i].obj, obj))
				continue;
			key = keyf("%sconfig/domains/%s/%s/%s", prefix, domain,
				   objs[i].dir, a[0]);
			if (!strcmp(verb, "del")) {
				forget(e, prefix, objs[i].obj, domain, a[0]);
				return add_op(o, ETCD_DELETE, key, NULL, NULL);
			}
			if (strcmp(verb, "add") || !objs[i].kws) {
				free(key);
				break;
			}
			val = new_obj();
			rest = fill(val, n - 1, a + 1, objs[i].kws);
			if (rest != n - 1) {
				free(key);
				json_object_put(val);
				return err("unknown argument \"%s\"",
					   a[rest + 1]);
			}
			return put_json(o, key, val);
		}
	}
	return err("\"%s %s\" is not a command of segctl --etcd", obj, verb);
}

int cluster_cmd_ops(struct etcd *e, const char *prefix, int argc, char **argv,
		    struct cluster_ops *o)
{
	int ret = object_ops(e, prefix, argc, argv, o);

	/*
	 * An add of a domain, group, rule, service or chain is checked
	 * after its put is made, so that a key written twice is refused
	 * naming both lines.  An endpoint's, or its prefix's, needs the
	 * hosts' keys, which the check does not read: owned_prefix()
	 * checked what it could.
	 */
	if (!ret && argc > 2 && !strcmp(argv[1], "add") &&
	    strcmp(argv[0], "endpoint") &&
	    !(!strcmp(argv[0], "prefix") &&
	      kwval(argc - 1, argv + 1, "endpoint")))
		ret = validate(e, prefix, argc, argv);
	return ret;
}

/*
 * A JSON value of etcd, with json_print.h.  What it cannot write as such
 * (null, a negative or fractional number, nesting past @depth 8) is
 * written as a string of its JSON text.
 */
static void print_jvalue(const char *key, json_object *v, unsigned int depth)
{
	size_t i, n;

	switch (json_object_get_type(v)) {
	case json_type_object:
		if (depth >= 8)
			break;
		open_json_object(key);
		json_object_object_foreach(v, k, m)
			print_jvalue(k, m, depth + 1);
		close_json_object();
		return;
	case json_type_array:
		if (depth >= 8)
			break;
		open_json_array(key);
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			print_jvalue(NULL, json_object_array_get_idx(v, i),
				     depth + 1);
		close_json_array();
		return;
	case json_type_boolean:
		print_bool(PRINT_JSON, key, NULL, json_object_get_boolean(v));
		return;
	case json_type_int:
		if (json_object_get_int64(v) < 0)
			break;
		print_u64(PRINT_JSON, key, NULL, json_object_get_int64(v));
		return;
	case json_type_string:
		print_string(PRINT_JSON, key, NULL, json_object_get_string(v));
		return;
	default:
		break;
	}
	print_string(PRINT_JSON, key, NULL,
		     json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}

/* A stored value: its JSON, or the text itself if it is not JSON. */
static void print_stored(const char *key, const char *text)
{
	json_object *v = json_tokener_parse(text);

	if (v)
		print_jvalue(key, v, 0);
	else
		print_string(PRINT_JSON, key, NULL, text);
	json_object_put(v);
}

static void print_skipped(const struct cluster_result *res)
{
	size_t i;

	open_json_array("skipped");
	for (i = 0; i < res->n_skipped; i++) {
		open_json_object(NULL);
		print_string(PRINT_JSON, "key", NULL, res->skipped[i].key);
		print_string(PRINT_JSON, "reason", NULL,
			     res->skipped[i].reason);
		close_json_object();
		print_text("# skipped %s: %s\n", res->skipped[i].key,
			   res->skipped[i].reason);
	}
	close_json_array();
}

/*
 * The whole cluster's desired state: as batch lines, or (-j) its keys
 * and values.
 */
static int cluster_save(struct etcd *e, const char *prefix)
{
	struct cluster_result res;
	struct etcd_kvs kvs;
	size_t i;
	int ret;

	ret = read_lines(e, prefix, "config/", "hosts0", &kvs, &res);
	if (ret)
		return ret;
	open_json_object(NULL);
	print_u64(PRINT_JSON, "revision", NULL, kvs.revision);
	print_text("# segctl --etcd save, revision %lld\n",
		   (long long)kvs.revision);
	open_json_object("keys");
	for (i = 0; is_json_context() && i < kvs.n; i++)
		print_stored(kvs.kv[i].key, kvs.kv[i].value);
	close_json_object();
	for (i = 0; i < res.n_lines; i++)
		print_text("%s\n", res.lines[i]);
	print_skipped(&res);
	close_json_object();
	cluster_result_free(&res);
	etcd_kvs_free(&kvs);
	return 0;
}

static const char *jstr(json_object *o, const char *name)
{
	json_object *v;

	if (!json_object_object_get_ex(o, name, &v) || !v)
		return "";
	return json_object_get_string(v);
}

static size_t jlen(json_object *o, const char *name)
{
	json_object *arr;

	if (!json_object_object_get_ex(o, name, &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return 0;
	return json_object_array_length(arr);
}

/*
 * One host's status, as text:
 *	h1 revision 42 at 2026-12-06T13:00:00Z, domains shop blue
 *	  error: ...
 *	  skipped KEY: REASON
 *	  waiting KEY: port DEV
 * @brief: "applied revision 42 at ..., N skipped, M waiting" (and
 * the error), the host named by the caller.
 */
static void print_status(const char *host, json_object *st, bool brief)
{
	json_object *arr, *e;
	size_t i, n;

	if (brief)
		printf("applied revision %s", jstr(st, "revision"));
	else
		printf("%s revision %s", host, jstr(st, "revision"));
	printf(" at %s, domains", jstr(st, "time"));
	if (json_object_object_get_ex(st, "domains", &arr) &&
	    json_object_is_type(arr, json_type_array)) {
		n = json_object_array_length(arr);
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(arr, i);
			printf(" %s", json_object_get_string(e));
		}
	}
	if (brief)
		printf(", %zu skipped, %zu waiting", jlen(st, "skipped"),
		       jlen(st, "waiting"));
	putchar('\n');
	if (*jstr(st, "error"))
		printf("  error: %s\n", jstr(st, "error"));
	if (brief)
		return;
	n = jlen(st, "skipped");
	arr = json_object_object_get(st, "skipped");
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(arr, i);
		printf("  skipped %s: %s\n", jstr(e, "key"), jstr(e, "reason"));
	}
	n = jlen(st, "waiting");
	arr = json_object_object_get(st, "waiting");
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(arr, i);
		printf("  waiting %s: port %s\n", jstr(e, "key"),
		       jstr(e, "port"));
	}
}

/* The status key of @host (its name) with value @text. */
static void print_host_status(const char *host, const char *text, bool brief)
{
	json_object *val;

	if (is_json_context()) {
		print_stored("status", text);
		return;
	}
	val = json_tokener_parse(text);
	if (!val || !json_object_is_type(val, json_type_object))
		printf("%s: not JSON: %s\n", host, text);
	else
		print_status(host, val, brief);
	json_object_put(val);
}

/* P status/HOST, or all of them. */
static int cluster_status(struct etcd *e, const char *prefix, int argc,
			  char **argv)
{
	struct etcd_kvs kvs;
	char *from;
	size_t i;
	int ret;

	if (argc > 1)
		return err("status [HOST]");
	from = argc ? keyf("status/%s", argv[0]) : strdup("status/");
	if (!from)
		return err("out of memory");
	ret = read_range(e, prefix, from, argc ? "" : NULL, 0, &kvs);
	free(from);
	if (ret)
		return ret;
	if (argc && !kvs.n) {
		etcd_kvs_free(&kvs);
		fprintf(stderr, "segctl: no status of host %s\n", argv[0]);
		return 1;
	}
	open_json_object(NULL);
	print_u64(PRINT_JSON, "revision", NULL, kvs.revision);
	open_json_object("hosts");
	for (i = 0; i < kvs.n; i++) {
		const char *host = strrchr(kvs.kv[i].key, '/') + 1;

		open_json_object(host);
		print_host_status(host, kvs.kv[i].value, false);
		close_json_object();
	}
	close_json_object();
	close_json_object();
	etcd_kvs_free(&kvs);
	return 0;
}

/* What a key of the cluster is, for show: the kinds in show's order. */
enum show_kind {
	SK_DOMAIN, SK_GROUP, SK_RULE, SK_SERVICE, SK_CHAIN, SK_ENDPOINT,
	SK_INSTANCE, SK_EXIT, SK_OTHER, SK_STATUS,
};

static const char *const show_dirs[] = {
	[SK_GROUP] = "groups", [SK_RULE] = "rules",
	[SK_SERVICE] = "services", [SK_CHAIN] = "chains",
	[SK_ENDPOINT] = "endpoints", [SK_INSTANCE] = "instances",
	[SK_EXIT] = "exits",
};

struct show_item {
	enum show_kind kind;
	const char *domain;	/* NULL: not a domain's (SK_OTHER, SK_STATUS) */
	const char *host;	/* endpoints, instances, exits and status */
	const char *name;	/* rule id, "SERVICE/ID" of an instance... */
	const struct etcd_kv *kv;
	char *buf;		/* the key's copy, cut into the parts */
};

/* The parts of @kv's key (under @prefix) as a show item. */
static int show_item(struct show_item *it, const char *prefix,
		     const struct etcd_kv *kv)
{
	char *p[6] = { NULL };
	size_t plen = strlen(prefix);
	unsigned int n = 0, k;

	memset(it, 0, sizeof(*it));
	it->kind = SK_OTHER;
	it->kv = kv;
	if (strncmp(kv->key, prefix, plen))
		return 0;
	it->buf = strdup(kv->key + plen);
	if (!it->buf)
		return -1;
	for (p[0] = it->buf; n < 5 && (p[n + 1] = strchr(p[n], '/')); n++)
		*p[n + 1]++ = '\0';
	n++;		/* the parts, the last one holding any more '/' */
	if (n == 2 && !strcmp(p[0], "status")) {
		it->kind = SK_STATUS;
		it->host = p[1];
	} else if (n >= 3 && !strcmp(p[0], "config") &&
		   !strcmp(p[1], "domains")) {
		it->domain = p[2];
		if (n == 3)
			it->kind = SK_DOMAIN;
		for (k = SK_GROUP; n == 5 && k <= SK_CHAIN; k++)
			if (!strcmp(p[3], show_dirs[k]))
				it->kind = k;
		it->name = n == 5 ? p[4] : NULL;
	} else if (n >= 5 && !strcmp(p[0], "hosts") &&
		   (!strcmp(p[2], "endpoints") ||
		    (!strcmp(p[2], "instances") && n == 6))) {
		it->kind = p[2][0] == 'e' ? SK_ENDPOINT : SK_INSTANCE;
		it->host = p[1];
		it->domain = p[3];
		it->name = p[4];
		if (n == 6)
			p[4][strlen(p[4])] = '/';	/* "SERVICE/ID" */
	} else if (n == 4 && !strcmp(p[0], "hosts") &&
		   !strcmp(p[2], "exits")) {
		it->kind = SK_EXIT;
		it->host = p[1];
		it->domain = p[3];
	}
	if (it->kind == SK_OTHER)
		it->domain = NULL;
	return 0;
}

/* Domain, then kind, then host and name (keys are unique). */
static int show_cmp(const void *a, const void *b)
{
	const struct show_item *x = a, *y = b;
	int c;

	if (!x->domain != !y->domain)
		return x->domain ? -1 : 1;
	c = x->domain ? strcmp(x->domain, y->domain) : 0;
	if (c)
		return c;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	c = strcmp(x->host ? x->host : "", y->host ? y->host : "");
	return c ? c : strcmp(x->kv->key, y->kv->key);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The domain a batch line of save is about ("domain add D", "... domain D"). */
static const char *line_domain(const char *line, char *buf, size_t size)
{
	const char *p = strstr(line, " domain ");

	if (!strncmp(line, "domain add ", 11))
		p = line + 11;
	else if (p)
		p += 8;
	else
		return "";
	snprintf(buf, size, "%.*s", (int)strcspn(p, " "), p);
	return buf;
}

/* show, in text: per domain its lines, then the hosts. */
static void show_text(const struct cluster_result *res,
		      const struct show_item *items, size_t n,
		      char **hosts, size_t n_hosts, int64_t rev)
{
	char a[256], b[256];
	const char *dom;
	size_t i, j, k;
	bool *done = calloc(res->n_lines + 1, sizeof(*done));

	printf("# segctl --etcd show, revision %lld\n", (long long)rev);
	for (i = 0; done && i < res->n_lines; i++) {
		if (done[i])
			continue;
		dom = line_domain(res->lines[i], a, sizeof(a));
		printf("domain %s\n", dom);
		for (j = i; j < res->n_lines; j++) {
			if (done[j] ||
			    strcmp(dom, line_domain(res->lines[j], b, sizeof(b))))
				continue;
			printf("    %s\n", res->lines[j]);
			done[j] = true;
		}
	}
	free(done);
	for (i = 0; i < n_hosts; i++) {
		unsigned int n_ep = 0, n_inst = 0, n_exit = 0;
		const struct show_item *st = NULL;

		for (k = 0; k < n; k++) {
			if (!items[k].host || strcmp(items[k].host, hosts[i]))
				continue;
			n_ep += items[k].kind == SK_ENDPOINT;
			n_inst += items[k].kind == SK_INSTANCE;
			n_exit += items[k].kind == SK_EXIT;
			if (items[k].kind == SK_STATUS)
				st = &items[k];
		}
		printf("host %s: %u endpoints, %u instances, %u exits, ",
		       hosts[i], n_ep, n_inst, n_exit);
		if (st)
			print_host_status(hosts[i], st->kv->value, true);
		else
			printf("no status\n");
	}
	for (i = 0; i < res->n_skipped; i++)
		printf("# skipped %s: %s\n", res->skipped[i].key,
		       res->skipped[i].reason);
}

/* show -j: the keys as objects, per domain and per host. */
static void show_json(const struct cluster_result *res,
		      const struct show_item *items, size_t n,
		      char **hosts, size_t n_hosts, int64_t rev)
{
	size_t i, j, k;
	unsigned int kind;

	open_json_object(NULL);
	print_u64(PRINT_JSON, "revision", NULL, rev);
	open_json_object("domains");
	for (i = 0; i < n && items[i].domain; i = j) {
		for (j = i; j < n && items[j].domain &&
		     !strcmp(items[j].domain, items[i].domain); j++)
			;
		open_json_object(items[i].domain);
		if (items[i].kind == SK_DOMAIN)
			print_stored("value", items[i].kv->value);
		for (kind = SK_GROUP; kind <= SK_EXIT; kind++) {
			if (kind < SK_ENDPOINT)
				open_json_object(show_dirs[kind]);
			else
				open_json_array(show_dirs[kind]);
			for (k = i; k < j; k++) {
				if (items[k].kind != kind)
					continue;
				if (kind < SK_ENDPOINT) {
					print_stored(items[k].name,
						     items[k].kv->value);
					continue;
				}
				open_json_object(NULL);
				print_string(PRINT_JSON, "host", NULL,
					     items[k].host);
				if (kind != SK_EXIT)
					print_string(PRINT_JSON,
						     kind == SK_ENDPOINT ?
						     "mac" : "name",
						     NULL, items[k].name);
				print_stored("value", items[k].kv->value);
				close_json_object();
			}
			if (kind < SK_ENDPOINT)
				close_json_object();
			else
				close_json_array();
		}
		close_json_object();
	}
	close_json_object();
	open_json_object("hosts");
	for (i = 0; i < n_hosts; i++) {
		unsigned int n_ep = 0, n_inst = 0, n_exit = 0;

		open_json_object(hosts[i]);
		for (k = 0; k < n; k++) {
			if (!items[k].host || strcmp(items[k].host, hosts[i]))
				continue;
			n_ep += items[k].kind == SK_ENDPOINT;
			n_inst += items[k].kind == SK_INSTANCE;
			n_exit += items[k].kind == SK_EXIT;
			if (items[k].kind == SK_STATUS)
				print_stored("status", items[k].kv->value);
		}
		print_uint(PRINT_JSON, "endpoints", NULL, n_ep);
		print_uint(PRINT_JSON, "instances", NULL, n_inst);
		print_uint(PRINT_JSON, "exits", NULL, n_exit);
		close_json_object();
	}
	close_json_object();
	open_json_object("other");
	for (k = 0; k < n; k++)
		if (items[k].kind == SK_OTHER)
			print_stored(items[k].kv->key, items[k].kv->value);
	close_json_object();
	print_skipped(res);
	close_json_object();
}

/*
 * What an operator wants from the cluster: per domain its objects, with
 * the host of each endpoint, instance and exit, then per host its status
 * (the revision it applied, the domains it holds, how many keys it
 * skipped or waits for), all at one revision.
 */
static int cluster_show(struct etcd *e, const char *prefix)
{
	struct show_item *items = NULL;
	struct etcd_kvs kvs, st = { 0 };
	struct cluster_result res;
	char **hosts = NULL;
	size_t i, n = 0, n_hosts = 0;
	int ret;

	ret = read_lines(e, prefix, "config/", "hosts0", &kvs, &res);
	if (ret)
		return ret;
	ret = read_range(e, prefix, "status/", NULL, kvs.revision, &st);
	if (!ret) {
		items = calloc(kvs.n + st.n + 1, sizeof(*items));
		hosts = calloc(kvs.n + st.n + 1, sizeof(*hosts));
		if (!items || !hosts)
			ret = err("out of memory");
	}
	for (i = 0; !ret && i < kvs.n + st.n; i++, n++)
		if (show_item(&items[n], prefix,
			      i < kvs.n ? &kvs.kv[i] : &st.kv[i - kvs.n]))
			ret = err("out of memory");
	if (!ret) {
		qsort(items, n, sizeof(*items), show_cmp);
		for (i = 0; i < n; i++)
			if (items[i].host)
				hosts[n_hosts++] = (char *)items[i].host;
		qsort(hosts, n_hosts, sizeof(*hosts), str_cmp);
		for (i = 0; n_hosts && i < n_hosts - 1;)
			if (!strcmp(hosts[i], hosts[i + 1]))
				memmove(&hosts[i], &hosts[i + 1],
					(--n_hosts - i) * sizeof(*hosts));
			else
				i++;
		if (is_json_context())
			show_json(&res, items, n, hosts, n_hosts,
				  kvs.revision);
		else
			show_text(&res, items, n, hosts, n_hosts,
				  kvs.revision);
	}
	for (i = 0; items && i < n; i++)
		free(items[i].buf);
	free(items);
	free(hosts);
	etcd_kvs_free(&st);
	cluster_result_free(&res);
	etcd_kvs_free(&kvs);
	return ret;
}

/* The lines of @file as operations; errors as FILE:LINE. */
static int batch_ops(struct etcd *e, const char *prefix, const char *file,
		     struct cluster_ops *o)
{
	struct batch_reader r;
	char **words = NULL, *line;
	int argc, size = 0, ret = 0;

	if (batch_open(&r, file))
		return 1;
	while (!ret && (line = batch_next(&r))) {
		argc = batch_split(line, &words, &size);
		if (argc < 0) {
			ret = err("out of memory");
			break;
		}
		if (argc > 254) {
			fprintf(stderr, "segctl: %s:%u: more than 254 words\n",
				file, r.line_no);
			ret = EXIT_USAGE;
			break;
		}
		cur.line = r.line_no;
		ret = cluster_cmd_ops(e, prefix, argc, words, o);
		if (ret)
			fprintf(stderr, "segctl: %s:%u: the line above\n",
				file, r.line_no);
	}
	free(words);
	return batch_close(&r, ret);
}

char *cluster_read_password(const char *file)
{
	char buf[512], *pw;
	FILE *f = fopen(file, "r");

	if (!f) {
		fprintf(stderr, "password file %s: %s\n", file, strerror(errno));
		return NULL;
	}
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	pw = strdup(buf);
	memset(buf, 0, sizeof(buf));
	return pw;
}

int cluster_segctl(const char *urls, const char *prefix, const char *user,
		   const char *password_file, const char *batch,
		   int argc, char **argv)
{
	struct etcd_opts eo = {
		.endpoints = urls,
		.user = user ? user : getenv("SEGCTL_ETCD_USER"),
		.password = getenv("SEGCTL_ETCD_PASSWORD"),
		.cacert = getenv("SEGCTL_ETCD_CACERT"),
	};
	const char *env_ops = getenv("SEGCTL_ETCD_MAX_TXN_OPS");
	/* etcd's default --max-txn-ops */
	long max_ops = 128;
	struct cluster_ops o = { 0 };
	char *password = NULL;
	struct etcd *e;
	int64_t rev;
	int ret;

	if (!prefix)
		prefix = CLUSTER_PREFIX;
	if (env_ops) {
		char *end;

		errno = 0;
		max_ops = strtol(env_ops, &end, 10);
		if (errno || end == env_ops || *end || max_ops < 1)
			return err("SEGCTL_ETCD_MAX_TXN_OPS=\"%s\" is not a number of operations",
				   env_ops);
	}
	if (password_file) {
		password = cluster_read_password(password_file);
		if (!password)
			return 1;
		eo.password = password;
	}
	e = etcd_open(&eo);
	free(password);
	if (!e)
		return err("cannot use etcd at \"%s\"", urls);
	memset(&cur, 0, sizeof(cur));
	cur.e = e;
	cur.file = batch;
	if (batch)
		ret = batch_ops(e, prefix, batch, &o);
	else if (!strcmp(argv[0], "status"))
		ret = cluster_status(e, prefix, argc - 1, argv + 1);
	else if (!strcmp(argv[0], "save") && argc == 1)
		ret = cluster_save(e, prefix);
	else if (!strcmp(argv[0], "show") && argc == 1)
		ret = cluster_show(e, prefix);
	else
		ret = cluster_cmd_ops(e, prefix, argc, argv, &o);
	if (!ret && o.n > (size_t)max_ops) {
		ret = err("%zu etcd operations, more than the %ld of a transaction",
			  o.n, max_ops);
		fputs("segctl: split the file, or raise the limit: etcd --max-txn-ops N\n"
		      "segctl: on every member, and SEGCTL_ETCD_MAX_TXN_OPS=N here\n",
		      stderr);
	}
	if (!ret && o.n && etcd_txn(e, o.ops, o.n, &rev)) {
		fprintf(stderr, "segctl: etcd: %s\n", etcd_strerror(e));
		ret = 1;
	}
	cluster_ops_free(&o);
	config_free(scratch);
	scratch = NULL;
	etcd_close(e);
	return ret;
}
