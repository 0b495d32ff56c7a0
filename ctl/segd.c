// SPDX-License-Identifier: GPL-2.0
/*
 * segd: the cluster agent.  It makes the module of the network
 * namespace it runs in hold what etcd says its host wants
 * (Documentation/cluster.rst).
 *
 *	segd --etcd URLS --host H --tunnel ADDR --uplink DEV [--prefix P]
 *	     [--user U --password-file F] [--cacert F] [--lease-ttl S]
 *	     [--metrics ADDR:PORT [--metrics-rules N]] [-v]
 *
 * It keeps a copy of the keys of [P config/, P hosts0), read at one
 * revision and then followed by a watch, resumed from the next revision
 * when it ends; read again only when that revision was compacted.  The
 * copy is split by domain (view.h).  After the revisions received
 * together (and after a link event) it computes again what the changed
 * keys touch, and applies the difference from what it applied of them
 * last as one kernel transaction.  The module's own configuration is
 * read only when segd's copy of it may be wrong: at start, on each
 * resync, after a failed apply and after a device that held a port went
 * (it takes its port with it).
 *
 * With --metrics it also answers GET /metrics (metrics.h) from the same
 * poll loop, with the module's counters at that moment.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <search.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cluster.h"
#include "config.h"
#include "etcd.h"
#include "json_print.h"
#include "metrics.h"
#include "prom.h"
#include "segctl.h"
#include "view.h"

#define MAX_ROUNDS	16	/* refusals taken out per revision */
#define BACKOFF_MIN_MS	500
#define BACKOFF_MAX_MS	10000
#define STATUS_EVERY_MS	1000	/* at most one status write per second */

struct segd {
	struct cluster_host host;
	const char *tunnel;
	int64_t lease_ttl;
	bool verbose;

	struct etcd *e;
	struct etcd_watch *w;
	char *start, *end;	/* the range watched */
	char *record_key, *status_key;

	struct view *view;	/* the keys, by domain, and what was applied */
	int64_t revision;
	int64_t lease;
	int64_t next_keepalive;	/* ms, monotonic */

	int rtnl;
	/* the module holds what segd applied; false: read it */
	bool module_known;
	char last_error[300];
	char *last_status;	/* the status last queued, without its time */
	json_object *status;	/* the status to write, NULL: none */
	int64_t status_due;	/* ms, monotonic: when it may be written */
	int64_t status_written;	/* ms, monotonic: the last write */

	struct metrics *metrics;	/* --metrics, NULL: none */
};

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void logmsg(const char *fmt, ...)
{
	va_list ap;

	fputs("segd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The copy of the keys: the view's (view.h) */

static void store_clear(struct segd *s)
{
	view_clear(s->view);
}

static int store_put(struct segd *s, const struct etcd_kv *src)
{
	return view_put(s->view, src);
}

static void store_del(struct segd *s, const struct etcd_kv *del)
{
	view_del(s->view, del);
}

/* The status key */

/*
 * Queue the status after an apply.  Nothing is queued when nothing in it
 * changed; a change is written by flush_status() at most once every
 * STATUS_EVERY_MS, so a burst of revisions costs one write.
 */
static void write_status(struct segd *s, const struct cluster_result *res)
{
	json_object *st = json_object_new_object(), *arr, *o;
	const char *text;
	size_t i;

	json_object_object_add(st, "version", json_object_new_int(1));
	json_object_object_add(st, "revision",
			       json_object_new_int64(s->revision));
	arr = json_object_new_array();
	for (i = 0; i < res->n_domains; i++)
		json_object_array_add(arr,
				      json_object_new_string(res->domains[i]));
	json_object_object_add(st, "domains", arr);
	json_object_object_add(st, "error",
			       json_object_new_string(s->last_error));
	arr = json_object_new_array();
	for (i = 0; i < res->n_skipped; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "key",
			json_object_new_string(res->skipped[i].key));
		json_object_object_add(o, "reason",
			json_object_new_string(res->skipped[i].reason));
		json_object_array_add(arr, o);
	}
	json_object_object_add(st, "skipped", arr);
	arr = json_object_new_array();
	for (i = 0; i < res->n_waiting; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "key",
			json_object_new_string(res->waiting[i].key));
		json_object_object_add(o, "port",
			json_object_new_string(res->waiting[i].port));
		json_object_array_add(arr, o);
	}
	json_object_object_add(st, "waiting", arr);

	/* A link event that changed nothing writes nothing. */
	text = json_object_to_json_string_ext(st, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s->last_status && !strcmp(s->last_status, text)) {
		json_object_put(st);
		return;
	}
	free(s->last_status);
	s->last_status = strdup(text);
	if (s->status)
		json_object_put(s->status);
	s->status = st;
	if (s->status_due < s->status_written + STATUS_EVERY_MS)
		s->status_due = s->status_written + STATUS_EVERY_MS;
}

/* Write the queued status if it is due. */
static void flush_status(struct segd *s)
{
	struct etcd_op op = { .type = ETCD_PUT };
	time_t t = time(NULL);
	char when[64];
	int64_t rev;

	if (!s->status || now_ms() < s->status_due)
		return;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	json_object_object_add(s->status, "time",
			       json_object_new_string(when));
	op.key = s->status_key;
	op.value = json_object_to_json_string_ext(s->status,
						  JSON_C_TO_STRING_PLAIN |
						  JSON_C_TO_STRING_NOSLASHESCAPE);
	s->status_written = now_ms();
	s->status_due = s->status_written + STATUS_EVERY_MS;
	if (etcd_txn(s->e, &op, 1, &rev)) {
		/* kept, and tried again in a second */
		logmsg("cannot write %s: %s", s->status_key,
		       etcd_strerror(s->e));
		return;
	}
	json_object_put(s->status);
	s->status = NULL;
}

/* Apply */

/*
 * Make the module hold what the stored keys want: the domains whose keys
 * changed are computed again and their difference from what segd
 * applied of them is applied, as one kernel transaction; when segd does
 * not know what the module holds, every domain is diffed against the
 * module's configuration.  A command the kernel refuses takes its record
 * out and the rest is tried again.
 */
static void apply(struct segd *s, const char *why)
{
	struct cluster_skip *exclude = NULL;
	struct cluster_result res = { 0 };
	size_t n_exclude = 0;
	static bool again;
	bool in_place = false, applied = false;
	int round;

	/*
	 * Nothing changed and the module holds what was applied: no
	 * round, but the status says the revision was seen.
	 */
	round = s->module_known && !view_dirty(s->view) ? MAX_ROUNDS + 1 : 0;
	if (!round)
		s->last_error[0] = '\0';
	for (; round < MAX_ROUNDS; round++) {
		struct config *cur = config_new(), *want = config_new();
		struct config_error err = { .index = -1 };
		bool all = !s->module_known;
		struct config_diff *d = NULL;
		const char *key = NULL, *dup = NULL;
		int ret = 1, r = -ENOMEM;

		/* read the module only when its state is not known */
		s->module_known = false;
		if (cur && want && all && config_from_module(cur)) {
			snprintf(s->last_error, sizeof(s->last_error),
				 "cannot read the module's configuration");
			logmsg("%s", s->last_error);
		} else if (cur && want) {
			r = view_want(s->view, all, exclude, n_exclude, want,
				      cur, &dup);
		}
		if (!r)
			d = config_diff(cur, want);
		if (r == -EEXIST) {
			/* two domains want one record (a port): neither */
			snprintf(err.msg, sizeof(err.msg),
				 "wanted by two domains");
			key = dup;
		} else if (!d) {
			if (!s->last_error[0]) {
				snprintf(s->last_error, sizeof(s->last_error),
					 "out of memory");
				logmsg("%s", s->last_error);
			}
		} else if (config_diff_empty(d)) {
			ret = 0;
		} else {
			if (s->verbose) {
				fprintf(stderr, "segd: revision %lld (%s):\n",
					(long long)s->revision, why);
				config_diff_print(d, stderr);
			}
			ret = config_diff_apply(d, &err);
			if (!ret)
				logmsg("revision %lld (%s): applied %u commands",
				       (long long)s->revision, why,
				       config_diff_count(d));
		}
		if (!key && ret && d && err.index >= 0)
			key = config_diff_key(d, err.index);
		/*
		 * A record that cannot change in place (a domain's id or
		 * VNI, a port's domain or role) is taken out like a refused
		 * one: a domain keeps its last good value, a port is
		 * detached, to be attached again by the next apply.
		 */
		if (ret && d && !key && config_diff_error_key(d)) {
			key = config_diff_error_key(d);
			in_place = true;
		}
		if (ret && d && !key) {
			snprintf(s->last_error, sizeof(s->last_error),
				 "revision %lld: %s", (long long)s->revision,
				 err.msg);
			logmsg("%s", s->last_error);
		}
		/* a refusal of what want does not hold cannot be taken out */
		for (size_t i = 0; key && i < n_exclude; i++)
			if (!strcmp(exclude[i].key, key)) {
				snprintf(s->last_error, sizeof(s->last_error),
					 "revision %lld: %s: %s",
					 (long long)s->revision, key, err.msg);
				logmsg("%s", s->last_error);
				key = NULL;
			}
		if (key) {
			const char *src = view_src_key(s->view, key);

			logmsg("revision %lld: %s (%s) refused: %s",
			       (long long)s->revision, key, src ? src : "?",
			       err.msg);
			cluster_skip_add(&exclude, &n_exclude, key, err.msg);
			/* its domain is computed again, without it */
			view_touch(s->view, key);
		}
		config_diff_free(d);
		/* applied: the module holds what was wanted */
		if (!ret) {
			view_commit(s->view, n_exclude > 0);
			s->module_known = true;
			applied = true;
		}
		config_free(cur);
		config_free(want);
		if (!key)
			break;
	}
	/* Still refused after every round: nothing of it was applied. */
	if (round == MAX_ROUNDS) {
		snprintf(s->last_error, sizeof(s->last_error),
			 "revision %lld: the kernel refused %d commands, not applied",
			 (long long)s->revision, MAX_ROUNDS);
		logmsg("%s", s->last_error);
	}
	view_result(s->view, &res);
	for (size_t i = 0; i < res.n_skipped; i++)
		if (s->verbose)
			logmsg("skipped %s: %s", res.skipped[i].key,
			       res.skipped[i].reason);
	write_status(s, &res);
	view_result_free(&res);
	cluster_skips_free(exclude, n_exclude);
	/* once more for what a detach made possible (a port's new domain) */
	if (in_place && applied && !again) {
		again = true;
		view_dev(s->view, NULL, false);
		apply(s, why);
		again = false;
	}
}

/* etcd */

/* Our record, under our lease: a new lease when there is none. */
static int put_record(struct segd *s)
{
	struct etcd_op op = { .type = ETCD_PUT };
	char value[256];
	int64_t rev, ttl = 0;
	int ret;

	/* the lease we have if it lives, else a new one */
	if (!s->lease || etcd_lease_keepalive(s->e, s->lease, &ttl) ||
	    ttl <= 0) {
		ret = etcd_lease_grant(s->e, s->lease_ttl, &s->lease);
		if (ret)
			return ret;
	}
	snprintf(value, sizeof(value), "{\"version\":1,\"tunnel\":\"%s\"}",
		 s->tunnel);
	op.key = s->record_key;
	op.value = value;
	op.lease = s->lease;
	ret = etcd_txn(s->e, &op, 1, &rev);
	if (!ret)
		s->next_keepalive = now_ms() + s->lease_ttl * 1000 / 3;
	return ret;
}

static void keepalive(struct segd *s)
{
	int64_t ttl = 0;

	if (now_ms() < s->next_keepalive)
		return;
	s->next_keepalive = now_ms() + s->lease_ttl * 1000 / 3;
	if (etcd_lease_keepalive(s->e, s->lease, &ttl)) {
		logmsg("lease keepalive: %s", etcd_strerror(s->e));
		return;
	}
	if (ttl <= 0) {
		logmsg("lease %lld is gone: a new record",
		       (long long)s->lease);
		s->lease = 0;
		if (put_record(s))
			logmsg("cannot put %s: %s", s->record_key,
			       etcd_strerror(s->e));
	}
}

/* What follow() asks of main(). */
enum {
	WATCH_OK,
	WATCH_RESUME,	/* the stream ended: watch again from revision + 1 */
	WATCH_RELIST,	/* that revision is gone (or the copy is): resync() */
};

/* The most revisions drained into one apply; the rest wait for the next. */
#define MAX_BATCH	1024

/*
 * Read everything at one revision, apply, and watch from the next.  0,
 * -errno, or 1 when all but the watch was done (resume() starts it).
 */
static int resync(struct segd *s, const char *why)
{
	struct etcd_kvs kvs = { 0 };
	size_t i;
	int ret;

	if (s->w) {
		etcd_watch_stop(s->w);
		s->w = NULL;
	}
	ret = put_record(s);
	if (ret)
		return ret;
	ret = etcd_range(s->e, s->start, s->end, 0, &kvs);
	if (ret)
		return ret;
	store_clear(s);
	for (i = 0; i < kvs.n; i++)
		if (store_put(s, &kvs.kv[i])) {
			etcd_kvs_free(&kvs);
			return -ENOMEM;
		}
	s->revision = kvs.revision;
	etcd_kvs_free(&kvs);
	logmsg("%s: %zu keys at revision %lld", why, view_keys(s->view),
	       (long long)s->revision);
	/* the module may have been changed meanwhile: read it */
	s->module_known = false;
	apply(s, why);
	s->w = etcd_watch_start(s->e, s->start, s->end, s->revision + 1);
	return s->w ? 0 : 1;
}

/*
 * After an outage: keep the lease if it lived through it, else put the
 * record again under a new one (etcd deleted it with the lease).
 */
static void renew_record(struct segd *s)
{
	int64_t ttl = 0;

	if (s->lease && !etcd_lease_keepalive(s->e, s->lease, &ttl) &&
	    ttl > 0) {
		s->next_keepalive = now_ms() + s->lease_ttl * 1000 / 3;
		return;
	}
	logmsg("lease %lld is gone: a new record", (long long)s->lease);
	s->lease = 0;
	if (put_record(s))
		logmsg("cannot put %s: %s", s->record_key,
		       etcd_strerror(s->e));
}

/*
 * Watch again from the revision after the last one stored, keeping the
 * copy of the keys: what changed meanwhile comes as events.  A start
 * revision compacted meanwhile shows in the watch's first response
 * (follow() then asks for a resync).  0 or -errno.
 */
static int resume(struct segd *s)
{
	if (s->w) {
		etcd_watch_stop(s->w);
		s->w = NULL;
	}
	s->w = etcd_watch_start(s->e, s->start, s->end, s->revision + 1);
	if (!s->w)
		return -EIO;
	logmsg("watch resumed at revision %lld", (long long)s->revision + 1);
	renew_record(s);
	return 0;
}

/*
 * Store the events of one revision.  false when the copy of the keys
 * could not take them (out of memory): it must be read again.
 */
static bool store_events(struct segd *s, const struct etcd_watch_resp *resp,
			 bool *lost_record)
{
	size_t i;

	for (i = 0; i < resp->n; i++) {
		const struct etcd_event *ev = &resp->events[i];

		if (ev->kv.mod_revision > s->revision)
			s->revision = ev->kv.mod_revision;
		if (ev->type == ETCD_DELETE) {
			store_del(s, &ev->kv);
			/* our record went (deleted by hand?): again */
			if (!strcmp(ev->kv.key, s->record_key))
				*lost_record = true;
		} else if (store_put(s, &ev->kv)) {
			return false;
		}
	}
	return true;
}

/*
 * The watch's responses.  Every response already received is stored,
 * each holding the events of one revision, and then the revisions
 * stored are applied together: one computation and one kernel
 * transaction for a burst of them, and an etcd transaction is never
 * applied in part.  WATCH_OK, or what main() must do to watch again.
 */
static int follow(struct segd *s)
{
	struct etcd_watch_resp resp;
	bool lost_record = false;
	int64_t first = 0;
	size_t batch = 0;
	int ret, next = WATCH_OK;

	while (batch < MAX_BATCH) {
		ret = etcd_watch_next(s->w, &resp);
		if (ret == 0)
			break;
		if (ret == ETCD_COMPACTED) {
			logmsg("revision %lld compacted: read again",
			       (long long)s->revision + 1);
			next = WATCH_RELIST;
			break;
		}
		if (ret < 0) {
			logmsg("watch: %s", etcd_strerror(s->e));
			next = WATCH_RESUME;
			break;
		}
		if (resp.compact_revision > 0) {
			etcd_watch_resp_free(&resp);
			logmsg("revision %lld compacted: read again",
			       (long long)s->revision + 1);
			next = WATCH_RELIST;
			break;
		}
		if (resp.canceled) {
			etcd_watch_resp_free(&resp);
			logmsg("watch canceled: %s", etcd_strerror(s->e));
			next = WATCH_RESUME;
			break;
		}
		if (!resp.n) {
			etcd_watch_resp_free(&resp);
			continue;
		}
		if (!store_events(s, &resp, &lost_record)) {
			etcd_watch_resp_free(&resp);
			logmsg("out of memory: read again");
			return WATCH_RELIST;
		}
		if (!batch)
			first = resp.revision;
		batch++;
		etcd_watch_resp_free(&resp);
	}
	/* what was stored are whole revisions: apply them even so */
	if (batch == 1) {
		apply(s, "watch");
	} else if (batch) {
		char why[80];

		snprintf(why, sizeof(why), "watch, %zu revisions from %lld",
			 batch, (long long)first);
		apply(s, why);
	}
	if (lost_record) {
		logmsg("%s was deleted: put again", s->record_key);
		if (put_record(s))
			logmsg("cannot put %s: %s", s->record_key,
			       etcd_strerror(s->e));
	}
	return next;
}

/* Link events */

static int rtnl_open(void)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_LINK,
	};
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The name of the link of @h, or NULL. */
static const char *link_name(struct nlmsghdr *h)
{
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));
	struct rtattr *rta = IFLA_RTA(ifi);

	for (; len > 0 && RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == IFLA_IFNAME &&
		    RTA_PAYLOAD(rta) > 0 &&
		    memchr(RTA_DATA(rta), '\0', RTA_PAYLOAD(rta)))
			return RTA_DATA(rta);
	return NULL;
}

/* The name each device had at its last link event, by ifindex. */
static struct link_seen {
	int ifindex;
	char name[IF_NAMESIZE];
} *links;
static size_t n_links;

/*
 * Remember @name for @ifindex (forget it if @gone); the name it had
 * before, in @old (empty if none or the same).
 */
static void link_seen(int ifindex, const char *name, bool gone, char *old)
{
	struct link_seen *l;
	size_t i;

	old[0] = '\0';
	for (i = 0; i < n_links && links[i].ifindex != ifindex; i++)
		;
	if (i < n_links) {
		if (strcmp(links[i].name, name))
			strcpy(old, links[i].name);
		if (gone) {
			links[i] = links[--n_links];
			return;
		}
		snprintf(links[i].name, sizeof(links[i].name), "%s", name);
		return;
	}
	if (gone)
		return;
	l = realloc(links, (n_links + 1) * sizeof(*l));
	if (!l)
		return;
	links = l;
	links[n_links].ifindex = ifindex;
	snprintf(links[n_links].name, sizeof(links[n_links].name), "%s",
		 name);
	n_links++;
}

/*
 * Read the link events: the domains that wait for a device that
 * appeared, or stand on one that went, are dirty (all of them when
 * events were lost).  A device that went took its port and what stood
 * behind it: the module is read again.  Whether an apply is due.
 */
static bool rtnl_drain(struct segd *s)
{
	char buf[16384];
	bool changed = false;
	ssize_t n;

	for (;;) {
		char old[IF_NAMESIZE];
		struct nlmsghdr *h;
		const char *name;
		bool gone;

		n = recv(s->rtnl, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == ENOBUFS) {
				view_dev(s->view, NULL, true);
				s->module_known = false;
				changed = true;
			}
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			return changed;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type != RTM_NEWLINK &&
			    h->nlmsg_type != RTM_DELLINK)
				continue;
			gone = h->nlmsg_type == RTM_DELLINK;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
				continue;
			name = link_name(h);
			/*
			 * A device renamed: its old name went (the module's
			 * port follows the device, the configuration not).
			 */
			if (name) {
				link_seen(((struct ifinfomsg *)NLMSG_DATA(h))->ifi_index,
					  name, gone, old);
				if (old[0] && view_dev(s->view, old, true)) {
					changed = true;
					s->module_known = false;
				}
			}
			if (!view_dev(s->view, name, gone))
				continue;
			changed = true;
			if (gone)
				s->module_known = false;
		}
	}
}

/*
 * Fill @pfd: the link events first, then the metrics endpoint's sockets.
 * How many entries; @wait is lowered to a metrics client's timeout.
 */
static unsigned int pollfds(struct segd *s, struct pollfd *pfd,
			    int64_t *wait)
{
	unsigned int n = 1;
	int t;

	pfd[0].fd = s->rtnl;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	if (!s->metrics)
		return n;
	n += metrics_pollfds(s->metrics, pfd + 1);
	t = metrics_timeout(s->metrics);
	if (t >= 0 && t < *wait)
		*wait = t;
	return n;
}

/*
 * The whole backoff, whatever the links do; a link event is applied
 * meanwhile from the keys read last (if any were), and the metrics are
 * served.
 */
static void backoff_wait(struct segd *s, int ms)
{
	struct pollfd pfd[1 + METRICS_POLLFDS];
	int64_t until = now_ms() + ms, wait;
	unsigned int n;
	int ret;

	while ((wait = until - now_ms()) > 0) {
		n = pollfds(s, pfd, &wait);
		ret = poll(pfd, n, (int)wait);
		if (ret < 0)
			continue;
		/* also when nothing came: a client's time may be up */
		if (s->metrics)
			metrics_serve(s->metrics, pfd + 1, n - 1);
		if (!ret || !(pfd[0].revents & POLLIN) || !rtnl_drain(s) ||
		    !s->revision)
			continue;
		apply(s, "link event, etcd away");
	}
}

static void usage(FILE *f)
{
	fputs("Usage: segd --etcd URLS --host H --tunnel ADDR --uplink DEV [--prefix P]\n"
	      "            [--user U --password-file F] [--cacert F] [--lease-ttl S]\n"
	      "            [--metrics ADDR:PORT [--metrics-rules N]] [-v]\n"
	      "       segd --version | --help\n"
	      "See segd(8).\n",
	      f);
}

/* A decimal number of 0 .. UINT32_MAX: 0, or -1 if @arg is none. */
static int parse_count(const char *arg, uint32_t *value)
{
	unsigned long long v;
	char *end;

	if (*arg < '0' || *arg > '9')
		return -1;
	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -1;
	*value = v;
	return 0;
}

static char *concat(const char *a, const char *b)
{
	char *s = malloc(strlen(a) + strlen(b) + 1);

	if (s)
		strcat(strcpy(s, a), b);
	return s;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "etcd",	   required_argument, NULL, 'e' },
		{ "host",	   required_argument, NULL, 'H' },
		{ "tunnel",	   required_argument, NULL, 't' },
		{ "uplink",	   required_argument, NULL, 'u' },
		{ "prefix",	   required_argument, NULL, 'P' },
		{ "user",	   required_argument, NULL, 'U' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "cacert",	   required_argument, NULL, 'c' },
		{ "lease-ttl",	   required_argument, NULL, 'l' },
		{ "metrics",	   required_argument, NULL, 'm' },
		{ "metrics-rules", required_argument, NULL, 'r' },
		{ "verbose",	   no_argument,	      NULL, 'v' },
		{ "version",	   no_argument,	      NULL, 'V' },
		{ "help",	   no_argument,	      NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct etcd_opts eo = { 0 };
	struct segd s = { .lease_ttl = 60, .rtnl = -1 };
	const char *pwfile = NULL, *metrics = NULL, *metrics_rules = NULL;
	uint32_t max_rules = PROM_MAX_RULES;
	char *password = NULL;
	int backoff = BACKOFF_MIN_MS;
	int need = WATCH_RELIST;
	const char *why = "start";
	int64_t last_try = 0;
	int opt;

	s.host.prefix = CLUSTER_PREFIX;
	while ((opt = getopt_long(argc, argv, "hv", options, NULL)) != -1) {
		switch (opt) {
		case 'e':
			eo.endpoints = optarg;
			break;
		case 'H':
			s.host.host = optarg;
			break;
		case 't':
			s.tunnel = optarg;
			break;
		case 'u':
			s.host.uplink = optarg;
			break;
		case 'P':
			s.host.prefix = optarg;
			break;
		case 'U':
			eo.user = optarg;
			break;
		case 'p':
			pwfile = optarg;
			break;
		case 'c':
			eo.cacert = optarg;
			break;
		case 'l':
			s.lease_ttl = atoll(optarg);
			break;
		case 'm':
			metrics = optarg;
			break;
		case 'r':
			metrics_rules = optarg;
			break;
		case 'v':
			s.verbose = true;
			break;
		case 'V':
			printf("segd %s\n", segfilter_version);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc || !eo.endpoints || !s.host.host || !s.tunnel ||
	    !s.host.uplink) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!*s.host.host || strchr(s.host.host, '/') ||
	    s.host.prefix[0] != '/' ||
	    s.host.prefix[strlen(s.host.prefix) - 1] != '/' ||
	    s.lease_ttl < 5) {
		fputs("segd: --host has no '/', --prefix starts and ends with '/',\n"
		      "      --lease-ttl is at least 5\n", stderr);
		return EXIT_USAGE;
	}
	if (metrics_rules && !metrics) {
		fputs("segd: --metrics-rules goes with --metrics\n", stderr);
		return EXIT_USAGE;
	}
	if (metrics_rules && parse_count(metrics_rules, &max_rules)) {
		fprintf(stderr, "segd: --metrics-rules %s: not a number of 0 to %u\n",
			metrics_rules, UINT32_MAX);
		return EXIT_USAGE;
	}
	if (pwfile) {
		password = cluster_read_password(pwfile);
		if (!password)
			return 1;
	}
	eo.password = password;

	signal(SIGPIPE, SIG_IGN);
	new_json_obj(false, false);
	s.e = etcd_open(&eo);
	s.view = view_new(&s.host);
	s.start = concat(s.host.prefix, "config/");
	s.end = concat(s.host.prefix, "hosts0");
	s.record_key = malloc(strlen(s.host.prefix) + strlen(s.host.host) + 16);
	s.status_key = malloc(strlen(s.host.prefix) + strlen(s.host.host) + 16);
	if (!s.e || !s.view || !s.start || !s.end || !s.record_key ||
	    !s.status_key) {
		fputs("segd: out of memory\n", stderr);
		return 1;
	}
	sprintf(s.record_key, "%shosts/%s/record", s.host.prefix, s.host.host);
	sprintf(s.status_key, "%sstatus/%s", s.host.prefix, s.host.host);
	s.rtnl = rtnl_open();
	if (s.rtnl < 0) {
		perror("segd: rtnetlink");
		return 1;
	}
	if (metrics) {
		s.metrics = metrics_open(metrics, max_rules);
		if (!s.metrics)
			return 1;
		logmsg("metrics on http://%s/metrics", metrics);
	}

	for (;;) {
		struct pollfd pfd[1 + METRICS_POLLFDS];
		unsigned int n;
		int64_t wait;
		int ret;

		if (need != WATCH_OK) {
			/* at most one try every BACKOFF_MIN_MS */
			wait = last_try + BACKOFF_MIN_MS - now_ms();
			if (wait > 0)
				poll(NULL, 0, (int)wait);
			last_try = now_ms();
			/* the keys are kept unless what follows them is gone */
			ret = need == WATCH_RESUME ? resume(&s) : resync(&s, why);
			if (ret > 0)
				need = WATCH_RESUME;
			if (ret) {
				logmsg("etcd: %s; again in %d ms",
				       etcd_strerror(s.e), backoff);
				backoff_wait(&s, backoff);
				backoff = backoff * 2 > BACKOFF_MAX_MS ?
					  BACKOFF_MAX_MS : backoff * 2;
				why = "etcd back";
				continue;
			}
			backoff = BACKOFF_MIN_MS;
			need = WATCH_OK;
		}
		flush_status(&s);
		wait = s.next_keepalive - now_ms();
		if (s.status && s.status_due - now_ms() < wait)
			wait = s.status_due - now_ms();
		n = pollfds(&s, pfd, &wait);
		if (wait < 0)
			wait = 0;
		ret = etcd_watch_poll(s.w, pfd, n, (int)wait);
		if (s.metrics)
			metrics_serve(s.metrics, pfd + 1, n - 1);
		if (ret < 0) {
			logmsg("watch ended: %s", etcd_strerror(s.e));
			need = WATCH_RESUME;
			continue;
		}
		need = follow(&s);
		if (need != WATCH_OK) {
			why = "resync";
			continue;
		}
		if ((pfd[0].revents & POLLIN) && rtnl_drain(&s))
			apply(&s, "link event");
		keepalive(&s);
	}
	return 0;
}
