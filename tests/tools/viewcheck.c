// SPDX-License-Identifier: GPL-2.0
/*
 * viewcheck: segd's incremental computation (ctl/view.c) against the
 * whole one (cluster_want() on every key), on random changes.
 *
 *	viewcheck [STEPS [SEED]]
 *	viewcheck -b [DOMAINS [PER_DOMAIN]]
 *
 * A small cluster (five domains, five hosts, host h4 the one computed)
 * takes STEPS random changes: endpoints of any host put, moved and
 * deleted, rules and groups changed, domains changed and deleted,
 * records changed, keys outside the schema, values that are not JSON,
 * exits of any host put (good, malformed, on a device that does not
 * exist) and deleted.
 * After each, the view computes what the change marked and takes it as
 * applied; the union of what it applied must then be, line for line,
 * what cluster_want() computes from all the keys (given the last good
 * values it had, as segd kept them), with the same domains held and
 * the same keys waiting.  Prints one line per failing step, then
 * "viewcheck: N steps, N bad"; exits 1 if any step was bad.
 *
 * With -b, what a computation costs instead: DOMAINS domains (10) of
 * PER_DOMAIN rules and as many endpoints of ten other hosts (1000), h4
 * holding them all; then the time the view takes, diff included, for
 * the first computation, one registration, one rule, a change in a
 * domain h4 does not hold, a host's tunnel, and nothing (performance.rst,
 * "Cluster mode").
 *
 * Devices: "lo" is the uplink; local endpoints of domain d1 may stand
 * on "lo" too, the others on a device that does not exist (waiting).
 * Exits stand on "lo" (refused: the uplink's), on "exn" (waiting) or on
 * "ex0" .. "ex4", one a domain.  The devices are viewcheck's own (it
 * defines if_nametoindex() and if_indextoname(), which the lookups of
 * ctl/util.c then call): the host's own do not matter.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <net/if.h>

#include "cluster.h"
#include "config.h"
#include "json_print.h"
#include "view.h"

#define P	"/segfilter/v1/"

static struct cluster_host host = {
	.prefix = P, .host = "h4", .uplink = "lo",
};
static struct view *view;
static struct etcd_kv *keys;	/* the cluster: every key */
static size_t n_keys, cap_keys;
static struct etcd_kv *good;	/* the whole computation's last good */
static size_t n_good;
static long revision = 1;
static char last_op[600];

/* The devices of the host, as far as the computations ask. */
static const char *const devs[] = { "lo", "ex0", "ex1", "ex2", "ex3", "ex4" };

unsigned int if_nametoindex(const char *name)
{
	unsigned int i;

	for (i = 0; i < sizeof(devs) / sizeof(*devs); i++)
		if (!strcmp(devs[i], name))
			return i + 1;
	return 0;
}

char *if_indextoname(unsigned int ifindex, char name[IF_NAMESIZE])
{
	if (!ifindex || ifindex > sizeof(devs) / sizeof(*devs))
		return NULL;
	return strcpy(name, devs[ifindex - 1]);
}

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct etcd_kv *)a)->key,
		      ((const struct etcd_kv *)b)->key);
}

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (!p) {
		perror("viewcheck");
		exit(2);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	return strcpy(xrealloc(NULL, strlen(s) + 1), s);
}

static void put(const char *key, const char *value)
{
	size_t i;

	revision++;
	snprintf(last_op, sizeof(last_op), "put %s %s", key, value);
	for (i = 0; i < n_keys; i++)
		if (!strcmp(keys[i].key, key))
			break;
	if (i == n_keys) {
		if (n_keys == cap_keys) {
			cap_keys = cap_keys ? 2 * cap_keys : 1024;
			keys = xrealloc(keys, cap_keys * sizeof(*keys));
		}
		memset(&keys[i], 0, sizeof(keys[i]));
		keys[i].key = xstrdup(key);
		keys[i].key_len = strlen(key);
		keys[i].create_revision = revision;
		n_keys++;
	}
	free(keys[i].value);
	keys[i].value = xstrdup(value);
	keys[i].value_len = strlen(value);
	keys[i].mod_revision = revision;
	if (view_put(view, &keys[i])) {
		fputs("viewcheck: view_put failed\n", stderr);
		exit(2);
	}
}

static void del(const char *key)
{
	struct etcd_kv kv = { .key = (char *)key, .key_len = strlen(key) };
	size_t i;

	revision++;
	snprintf(last_op, sizeof(last_op), "del %s", key);
	for (i = 0; i < n_keys; i++)
		if (!strcmp(keys[i].key, key))
			break;
	if (i == n_keys)
		return;
	view_del(view, &kv);
	free(keys[i].key);
	free(keys[i].value);
	keys[i] = keys[--n_keys];
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

/* The records of @cfg, one per line, sorted (the order is not compared). */
static char *lines(const struct config *cfg)
{
	char *text, *out, **l = NULL, *p;
	size_t len, n = 0, i;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		exit(2);
	config_print(cfg, f);
	fclose(f);
	for (p = strtok(text, "\n"); p; p = strtok(NULL, "\n")) {
		l = xrealloc(l, (n + 1) * sizeof(*l));
		l[n++] = p;
	}
	qsort(l, n, sizeof(*l), line_cmp);
	out = xrealloc(NULL, len + 2);
	out[0] = '\0';
	for (i = 0; i < n; i++)
		strcat(strcat(out, l[i]), "\n");
	free(l);
	free(text);
	return out;
}

/* Keep what the whole computation used, as segd did before view.c. */
static void keep_good(const struct cluster_result *res)
{
	struct etcd_kv *g = xrealloc(NULL, (res->n_used + 1) * sizeof(*g));
	size_t i;

	for (i = 0; i < res->n_used; i++) {
		g[i] = *res->used[i];
		g[i].key = xstrdup(res->used[i]->key);
		g[i].value = xstrdup(res->used[i]->value);
	}
	qsort(g, res->n_used, sizeof(*g), kv_cmp);
	for (i = 0; i < n_good; i++) {
		free(good[i].key);
		free(good[i].value);
	}
	free(good);
	good = g;
	n_good = res->n_used;
}

/* One step's check: 0 if the view and the whole computation agree. */
static int check(int step)
{
	struct config *want = config_new(), *cur = config_new(), *full;
	struct cluster_host h = host;
	struct cluster_result res, vres;
	const char *dup = NULL;
	char *a, *b;
	int bad = 0;

	/* the view applies what the change marked */
	if (view_want(view, false, NULL, 0, want, cur, &dup)) {
		printf("step %d: view_want failed (%s) after %s\n", step,
		       dup ? dup : "", last_op);
		bad = 1;
	}
	view_commit(view, false);
	config_free(want);
	config_free(cur);

	/* all of it as applied, against all of it computed */
	want = config_new();
	cur = config_new();
	full = config_new();
	if (view_applied(view, want)) {
		printf("step %d: two domains applied one record after %s\n",
		       step, last_op);
		bad = 1;
	}
	qsort(keys, n_keys, sizeof(*keys), kv_cmp);
	h.good = good;
	h.n_good = n_good;
	cluster_want(&h, keys, n_keys, NULL, 0, full, &res);
	keep_good(&res);
	a = lines(want);
	b = lines(full);
	if (strcmp(a, b)) {
		printf("step %d: the view differs after %s\n--- view\n%s--- whole\n%s",
		       step, last_op, a, b);
		bad = 1;
	}
	view_result(view, &vres);
	if (vres.n_domains != res.n_domains ||
	    vres.n_waiting != res.n_waiting) {
		printf("step %d: %zu domains held and %zu keys waiting, not %zu and %zu, after %s\n",
		       step, vres.n_domains, vres.n_waiting, res.n_domains,
		       res.n_waiting, last_op);
		bad = 1;
	}
	view_result_free(&vres);
	cluster_result_free(&res);
	free(a);
	free(b);
	config_free(want);
	config_free(cur);
	config_free(full);
	return bad;
}

static void change(void)
{
	int d = rand() % 5, i = rand() % 20, h = rand() % 5, r = rand() % 4;
	char key[256], value[512], hn[8], dev[8];

	if (h == 4)
		strcpy(hn, "h4");
	else
		snprintf(hn, sizeof(hn), "r%d", h);
	switch (rand() % 17) {
	case 0: case 1: case 2:
		snprintf(key, sizeof(key), P "hosts/%s/endpoints/d%d/02:00:00:00:%02x:%02x",
			 hn, d, d, i);
		snprintf(value, sizeof(value),
			 "{\"version\":1,\"group\":\"g%d\",\"port\":\"%s\",\"ips\":[\"10.0.%d.%d\"]%s}",
			 r, d == 1 && rand() % 2 ? "lo" : "tapx", d,
			 rand() % 25 + 1, "");
		/* a third own a subnet, which two endpoints may claim */
		if (rand() % 3 == 0) {
			value[strlen(value) - 1] = '\0';
			snprintf(value + strlen(value),
				 sizeof(value) - strlen(value),
				 ",\"prefixes\":[\"10.%d.%d.0/24\"]}",
				 100 + d, rand() % 4);
		}
		put(key, value);
		break;
	case 3:
		snprintf(key, sizeof(key), P "hosts/%s/endpoints/d%d/02:00:00:00:%02x:%02x",
			 hn, d, d, i);
		del(key);
		break;
	case 4: case 5:
		snprintf(key, sizeof(key), P "config/domains/d%d/rules/%d", d,
			 i + 1);
		snprintf(value, sizeof(value),
			 "{\"version\":1,\"prio\":%d,\"from\":\"g%d\",\"to\":\"g%d\",\"proto\":\"tcp\",\"port\":\"%d\",\"action\":\"allow\"}",
			 100 + i, r, rand() % 3, 1000 + i);
		put(key, value);
		break;
	case 6:
		snprintf(key, sizeof(key), P "config/domains/d%d/rules/%d", d,
			 i + 1);
		del(key);
		break;
	case 7:
		snprintf(key, sizeof(key), P "config/domains/d%d/groups/g%d",
			 d, r);
		snprintf(value, sizeof(value), "{\"version\":1,\"id\":%d}",
			 rand() % 5 + 1);
		if (rand() % 3)
			put(key, value);
		else
			del(key);
		break;
	case 8:
		snprintf(key, sizeof(key), P "hosts/r%d/record", h);
		snprintf(value, sizeof(value),
			 "{\"version\":1,\"tunnel\":\"192.168.50.%d\"}",
			 rand() % 50 + 1);
		if (rand() % 3)
			put(key, value);
		else
			del(key);
		break;
	case 9:
		snprintf(key, sizeof(key), P "config/domains/d%d", d);
		snprintf(value, sizeof(value),
			 "{\"version\":1,\"id\":%d,\"vni\":%d,\"default\":\"%s\"}",
			 10 + d, 1000 + d, r % 2 ? "deny" : "allow");
		if (r)
			put(key, value);
		else
			del(key);
		break;
	case 10:
		snprintf(key, sizeof(key), P "junk/%d", i);
		put(key, "x");
		break;
	case 12: case 13: case 14:
		/* another host's endpoint, an address of its own */
		snprintf(key, sizeof(key), P "hosts/r%d/endpoints/d%d/02:00:00:00:%02x:%02x",
			 h % 4, d, 0x80 + d, i);
		snprintf(value, sizeof(value),
			 "{\"version\":1,\"group\":\"g%d\",\"port\":\"p%d\",\"ips\":[\"10.%d.%d.%d\"]}",
			 r, i, 100 + d, i, h % 4 + 1);
		if (rand() % 4)
			put(key, value);
		else
			del(key);
		break;
	case 15: case 16:
		/*
		 * an exit of any host: on its domain's device, on "lo" (the
		 * uplink's, as d1's endpoints may be: the keys want one
		 * port), on a device that does not exist, or malformed (no
		 * nexthop, a field it does not have)
		 */
		snprintf(key, sizeof(key), P "hosts/%s/exits/d%d", hn, d);
		snprintf(dev, sizeof(dev), "ex%d", d);
		snprintf(value, sizeof(value),
			 "{\"version\":1,\"port\":\"%s\",\"ip\":\"192.0.2.%d/24\"%s%s}",
			 r == 0 ? "lo" : r == 1 ? "exn" : dev, i + 1,
			 r == 3 ? "" : ",\"nexthop\":\"192.0.2.254\"",
			 rand() % 8 ? "" : ",\"mtu\":1400");
		if (rand() % 4)
			put(key, value);
		else
			del(key);
		break;
	case 11:
		/* a new key (no last good value) that is not JSON */
		snprintf(key, sizeof(key), P "hosts/%s/endpoints/d%d/02:00:00:00:%02x:%02x",
			 hn, d, d, i + 40);
		put(key, "{not json");
	}
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* One apply of the view, timed: computation and diff. */
static void timed(const char *what)
{
	struct config *want = config_new(), *cur = config_new();
	struct config_diff *d;
	const char *dup;
	double t0 = now();

	view_want(view, false, NULL, 0, want, cur, &dup);
	d = config_diff(cur, want);
	printf("viewcheck: %-34s %9.3f ms, %u commands\n", what,
	       (now() - t0) * 1e3, d ? config_diff_count(d) : 0);
	config_diff_free(d);
	view_commit(view, false);
	config_free(want);
	config_free(cur);
}

static int bench(int ndom, int scale)
{
	char key[256], value[512];
	int d, g, i;

	view = view_new(&host);
	if (!view)
		return 2;
	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), P "hosts/r%d/record", i);
		snprintf(value, sizeof(value),
			 "{\"version\":1,\"tunnel\":\"192.168.50.%d\"}", 10 + i);
		put(key, value);
	}
	for (d = 0; d < ndom; d++) {
		snprintf(key, sizeof(key), P "config/domains/d%d", d);
		snprintf(value, sizeof(value),
			 "{\"version\":1,\"id\":%d,\"vni\":%d,\"default\":\"deny\"}",
			 10 + d, 1000 + d);
		put(key, value);
		for (g = 0; g < 10; g++) {
			snprintf(key, sizeof(key),
				 P "config/domains/d%d/groups/g%d", d, g);
			snprintf(value, sizeof(value),
				 "{\"version\":1,\"id\":%d}", g + 1);
			put(key, value);
		}
		snprintf(key, sizeof(key), P "hosts/h4/endpoints/d%d/02:ee:00:00:00:%02x",
			 d, d);
		snprintf(value, sizeof(value),
			 "{\"version\":1,\"group\":\"g0\",\"port\":\"j%d\",\"ips\":[\"10.60.0.%d\"]}",
			 d, d + 1);
		put(key, value);
		for (i = 0; i < scale; i++) {
			snprintf(key, sizeof(key),
				 P "config/domains/d%d/rules/%d", d, i + 1);
			snprintf(value, sizeof(value),
				 "{\"version\":1,\"prio\":100,\"from\":\"g%d\",\"to\":\"g%d\",\"proto\":\"tcp\",\"port\":\"%d\",\"action\":\"allow\"}",
				 i % 10, (i / 10) % 10, 1000 + i);
			put(key, value);
			snprintf(key, sizeof(key),
				 P "hosts/r%d/endpoints/d%d/02:%02x:00:%02x:%02x:%02x",
				 i % 10, d, 16 + d, i >> 16, (i >> 8) & 255,
				 i & 255);
			snprintf(value, sizeof(value),
				 "{\"version\":1,\"group\":\"g%d\",\"port\":\"p%d\",\"ips\":[\"10.%d.%d.%d\"]}",
				 i % 10, i, 64 + (i >> 16), (i >> 8) & 255,
				 i & 255);
			put(key, value);
		}
	}
	printf("viewcheck: %zu keys, %d domains held\n", view_keys(view),
	       ndom);
	timed("first computation");
	put(P "hosts/r3/endpoints/d0/02:33:00:00:ff:01",
	    "{\"version\":1,\"group\":\"g1\",\"port\":\"x\",\"ips\":[\"10.255.0.1\"]}");
	timed("one registration");
	put(P "config/domains/d0/rules/999999",
	    "{\"version\":1,\"prio\":100,\"from\":\"g1\",\"to\":\"g2\",\"proto\":\"tcp\",\"port\":\"80\",\"action\":\"allow\"}");
	timed("one rule");
	put(P "config/domains/other/rules/1", "{\"version\":1,\"prio\":1}");
	timed("a domain not held");
	put(P "hosts/r3/record", "{\"version\":1,\"tunnel\":\"192.168.50.99\"}");
	timed("a host's tunnel (all held domains)");
	timed("nothing");
	view_free(view);
	return 0;
}

int main(int argc, char **argv)
{
	int steps = argc > 1 ? atoi(argv[1]) : 1000, step, bad = 0;
	char key[256], value[256];
	int d, g;

	new_json_obj(false, false);
	if (argc > 1 && !strcmp(argv[1], "-b"))
		return bench(argc > 2 ? atoi(argv[2]) : 10,
			     argc > 3 ? atoi(argv[3]) : 1000);
	srand(argc > 2 ? atoi(argv[2]) : 1);
	view = view_new(&host);
	if (!view)
		return 2;
	put(P "hosts/h4/record", "{\"version\":1,\"tunnel\":\"192.168.50.4\"}");
	for (d = 0; d < 4; d++) {
		snprintf(key, sizeof(key), P "hosts/r%d/record", d);
		snprintf(value, sizeof(value),
			 "{\"version\":1,\"tunnel\":\"192.168.50.%d\"}", 10 + d);
		put(key, value);
		snprintf(key, sizeof(key), P "config/domains/d%d", d);
		snprintf(value, sizeof(value),
			 "{\"version\":1,\"id\":%d,\"vni\":%d,\"default\":\"deny\"}",
			 10 + d, 1000 + d);
		put(key, value);
		for (g = 0; g < 3; g++) {
			snprintf(key, sizeof(key),
				 P "config/domains/d%d/groups/g%d", d, g);
			snprintf(value, sizeof(value),
				 "{\"version\":1,\"id\":%d}", g + 1);
			put(key, value);
		}
	}
	bad += check(0);
	for (step = 1; step <= steps && bad < 3; step++) {
		change();
		bad += check(step);
	}
	printf("viewcheck: %d steps, %d bad\n", step - 1, bad);
	view_free(view);
	return bad ? 1 : 0;
}
