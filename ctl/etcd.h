/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A client of etcd v3's JSON gateway (POST /v3/...), on libcurl and
 * json-c, for segd and segctl --etcd.
 *
 * Keys and values travel base64-encoded and int64 fields as strings; this
 * file hides both. Every call that talks to etcd returns 0 (or a count)
 * on success and a negative errno on failure, with the reason kept for
 * etcd_strerror():
 *
 *	-ECONNREFUSED	no endpoint could be reached
 *	-ETIMEDOUT	the request took longer than timeout_ms (it may still
 *			have been applied)
 *	-EACCES		etcd said "permission denied" (or the login failed,
 *			or auth is on and no user was given)
 *	-ENOENT		a lease that does not exist
 *	-ERANGE		a revision compacted, or past the latest
 *	-E2BIG		a txn of more operations than etcd's --max-txn-ops
 *	-EMSGSIZE	a request over etcd's --max-request-bytes
 *	-EINVAL		a bad argument or endpoint URL
 *	-EFBIG		an answer over 64 MiB (etcd_range() halves its pages
 *			first, down to one key)
 *	-EPROTO		a malformed answer, an
 *			HTTP error without an etcd error in it
 *	-EPIPE		(watch) the stream ended
 *	-EIO		any other error etcd returned
 *	-ENOMEM		out of memory
 *
 * Endpoints are tried in turn: a request that cannot connect, or that a
 * member without a leader refuses, moves on to the next one, and the
 * client stays there for later requests; after a timeout the next
 * request starts at the next endpoint, this one is not sent again. With
 * a user, /v3/auth/authenticate gives a token that goes in the
 * Authorization header; a token etcd no longer accepts is renewed once
 * and the request retried.
 *
 * A range_end of "" (not NULL) stands for etcd's "\0": every key from
 * the start key on; etcd_prefix_end() returns it for "" and for a prefix
 * of 0xff bytes only.
 *
 * Not thread-safe: one struct etcd per thread. A watch has its own
 * connection and may be polled while the struct etcd it came from is
 * used for other requests.
 */
#ifndef SEGCTL_ETCD_H
#define SEGCTL_ETCD_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct etcd_opts {
	const char *endpoints;	/* "http://a:2379,http://b:2379": tried in turn */
	const char *user;	/* NULL: no auth */
	const char *password;
	const char *cacert, *cert, *key;	/* TLS, optional */
	long timeout_ms;	/* per request; 0: 5000 */
};

/* One key-value pair as etcd stores it. */
struct etcd_kv {
	char *key;		/* NUL-terminated copy; key_len bytes */
	size_t key_len;		/* > strlen(key): the key has a NUL in it */
	char *value;		/* NUL-terminated copy; value_len bytes */
	size_t value_len;
	int64_t create_revision, mod_revision, version, lease;
};

/* The result of etcd_range(): @n pairs in key order, at @revision. */
struct etcd_kvs {
	struct etcd_kv *kv;
	size_t n;
	int64_t revision;
};

enum { ETCD_PUT, ETCD_DELETE, ETCD_IF_MOD };

/*
 * One operation of etcd_txn(): a put of @key (with @lease if not 0), or a
 * delete of @key, or of [@key, @range_end) when @range_end is not NULL;
 * or ETCD_IF_MOD, a condition: @key's mod_revision is still
 * @mod_revision (0: @key does not exist), else nothing is done.
 */
struct etcd_op {
	int type;
	const char *key;
	const char *value;
	int64_t lease;
	const char *range_end;	/* ETCD_DELETE of a range, or NULL */
	int64_t mod_revision;	/* ETCD_IF_MOD */
};

/* A watch event: ETCD_PUT or ETCD_DELETE; a delete's kv has no value. */
struct etcd_event {
	int type;
	struct etcd_kv kv;
};

/*
 * One response of a watch stream. Each response with events holds the
 * events of exactly one revision, in the order of its transaction, and
 * @revision is that revision (etcd's own responses may carry several
 * revisions while a watch catches up: they are split). A response
 * without events (the "created" one) has etcd's header revision.
 */
struct etcd_watch_resp {
	int64_t revision;		/* header revision */
	int64_t compact_revision;	/* >0: canceled, compacted: re-list */
	bool created, canceled;
	struct etcd_event *events;
	size_t n;
};

#define ETCD_COMPACTED	(-1000)	/* etcd_watch_next(): start revision compacted */

/*
 * A client for @opts (copied). Nothing is sent yet: a bad URL or an
 * unreachable etcd shows at the first request. NULL only when out of
 * memory or when @opts->endpoints is empty.
 */
struct etcd *etcd_open(const struct etcd_opts *opts);
void etcd_close(struct etcd *e);
const char *etcd_strerror(const struct etcd *e);	/* the last error, for logs */

/* prefix helper: the range_end of every key starting with @prefix (malloc'd) */
char *etcd_prefix_end(const char *prefix);

/*
 * [key, range_end) at @revision (0: latest), paged (limit 1000 per request,
 * pinned to the first page's revision). 0 or -errno.
 */
int etcd_range(struct etcd *e, const char *key, const char *range_end,
	       int64_t revision, struct etcd_kvs *out);
void etcd_kvs_free(struct etcd_kvs *kvs);

/* All @ops in one etcd transaction (one revision); *revision set. */
int etcd_txn(struct etcd *e, const struct etcd_op *ops, size_t n,
	     int64_t *revision);

/* A lease of @ttl seconds; *id set. 0 or -errno. */
int etcd_lease_grant(struct etcd *e, int64_t ttl, int64_t *id);
/* Renew lease @id; *ttl is its new TTL. */
int etcd_lease_keepalive(struct etcd *e, int64_t id, int64_t *ttl);  /* ttl 0: gone */
/* Revoke lease @id: its keys are deleted. -ENOENT if it is gone. */
int etcd_lease_revoke(struct etcd *e, int64_t id);
/* Compact the key-value history up to @revision. */
int etcd_compact(struct etcd *e, int64_t revision);	/* for tests and tools */

struct etcd_watch;
/* A watch of [key, range_end) from @start_revision, on its own connection. */
struct etcd_watch *etcd_watch_start(struct etcd *e, const char *key,
				    const char *range_end, int64_t start_revision);
void etcd_watch_stop(struct etcd_watch *w);
/*
 * Wait up to @timeout_ms for data on the watch or on @fds (poll()-style,
 * revents filled). 0, or -errno when the stream ended or failed.
 */
int etcd_watch_poll(struct etcd_watch *w, struct pollfd *fds, unsigned int nfds,
		    int timeout_ms);
/*
 * The next whole response received: 1 (resp filled, free with
 * etcd_watch_resp_free), 0 none yet, ETCD_COMPACTED, or -errno (stream
 * ended: the caller re-lists and starts a new watch).
 */
int etcd_watch_next(struct etcd_watch *w, struct etcd_watch_resp *resp);
void etcd_watch_resp_free(struct etcd_watch_resp *resp);

#endif /* SEGCTL_ETCD_H */
