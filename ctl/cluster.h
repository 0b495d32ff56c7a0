/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cluster mode: the etcd schema of Documentation/cluster.rst, both ways.
 *
 * cluster_want() turns the keys of the cluster (as read from etcd) into
 * the configuration one host wants, as segctl batch lines in a struct
 * config.  A bad key or value is skipped and recorded with its reason;
 * it never stops the rest.
 *
 * cluster_cmd_ops() turns a segctl command line into the etcd
 * operations that write it to the cluster (segctl --etcd).
 */
#ifndef SEGCTL_CLUSTER_H
#define SEGCTL_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "etcd.h"

#define CLUSTER_PREFIX	"/segfilter/v1/"

/* A key left out, and why. */
struct cluster_skip {
	char *key;
	char *reason;
};

/* A key whose device does not exist yet. */
struct cluster_wait {
	char *key;
	char *port;
};

/* Which etcd key a record of the configuration came from. */
struct cluster_src {
	char *record;		/* config key: "rule D ID" */
	char *key;		/* etcd key */
};

struct cluster_result {
	struct cluster_skip *skipped;
	size_t n_skipped;
	struct cluster_wait *waiting;
	size_t n_waiting;
	char **domains;		/* held */
	size_t n_domains;
	struct cluster_src *src;
	size_t n_src;
	char **lines;		/* save mode: the batch lines */
	size_t n_lines;
	const struct etcd_kv **used;	/* the pairs in the configuration */
	size_t n_used;			/* (in the caller's kvs or good) */
};

/*
 * What the host is: its name, its uplink and the prefix of the schema.
 * With no host (NULL), save mode: every domain, every host's endpoints
 * and instances, as the lines of segctl --etcd save (in res->lines,
 * @want untouched), "host H" at the end of those of a host.
 */
struct cluster_host {
	const char *prefix;
	const char *host;
	const char *uplink;
	/*
	 * Optional: the last good pair of each key (what made it into an
	 * applied configuration), sorted by key.  A key whose value is bad
	 * now, or whose record the kernel refused, falls back to it and is
	 * reported: bad data never deletes what a host holds.
	 */
	const struct etcd_kv *good;
	size_t n_good;
	/* No uplink record: the keys are one domain's (see view.h). */
	bool no_uplink;
	/*
	 * A domain held whatever the keys given say (they are some of
	 * the domain's: the host's own may not be among them), or NULL.
	 */
	const char *hold;
};

/*
 * Fill @want with what @h wants from the @n pairs @kvs (keys under
 * @h->prefix).  Records whose config key is in @exclude (a list of
 * @n_exclude skips: key is a config key, reason why) are left out, and
 * so is whatever needs them.  Returns 0, or -ENOMEM.
 */
int cluster_want(const struct cluster_host *h, const struct etcd_kv *kvs,
		 size_t n, const struct cluster_skip *exclude,
		 size_t n_exclude, struct config *want,
		 struct cluster_result *res);
void cluster_result_free(struct cluster_result *res);
/* The etcd key record @record came from, or NULL. */
/* "A/LEN" as segctl writes it back, in @buf; false if it is not one. */
bool cluster_prefix_text(const char *s, char *buf, size_t size);
const char *cluster_src_key(const struct cluster_result *res,
			    const char *record);
/* Record a skip (copies). */
void cluster_skip_add(struct cluster_skip **list, size_t *n, const char *key,
		      const char *reason);
void cluster_skips_free(struct cluster_skip *list, size_t n);

/* Operations for segctl --etcd, one command each. */
struct cluster_ops {
	struct etcd_op *ops;
	size_t n;
	/* the strings the ops point to */
	char **strs;
	size_t n_strs;
};

/*
 * The etcd operations of one segctl command (@argc words of @argv,
 * e.g. "rule add id 5 domain t ..."), appended to @ops.  Reads the
 * cluster through @e where the command needs it (endpoint move, rule
 * del).  Returns 0, or EXIT_USAGE after printing why.
 */
int cluster_cmd_ops(struct etcd *e, const char *prefix, int argc, char **argv,
		    struct cluster_ops *ops);
void cluster_ops_free(struct cluster_ops *ops);

/*
 * segctl --etcd URLS [-b FILE | COMMAND...]: the exit status.  @prefix
 * NULL is the default one; @user NULL is $SEGCTL_ETCD_USER, and
 * @password_file NULL gives the password of $SEGCTL_ETCD_PASSWORD.
 */
int cluster_segctl(const char *urls, const char *prefix, const char *user,
		   const char *password_file, const char *batch,
		   int argc, char **argv);

/* The first line of @file, without its newline (malloc'd), or NULL. */
char *cluster_read_password(const char *file);

#endif /* SEGCTL_CLUSTER_H */
