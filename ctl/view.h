/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cluster as one host sees it (segd): the keys it watches, split by
 * the domain they belong to, and per domain the configuration the host
 * applied from them.
 *
 * A key that changes makes its domain dirty, and an apply computes the
 * dirty domains only: cluster_want() on the domain's keys and the
 * hosts' records, diffed against what the domain was applied as.  The
 * cost of a revision thus follows the size of the domains it touches,
 * not the size of the cluster, and a domain the host does not hold (no
 * endpoint or instance of the host in it) costs nothing at all.
 *
 * Besides the domains there is the base: the uplink, and the keys of no
 * domain (hosts' records, keys outside the schema), computed once for
 * the status.  A record that changes makes every held domain dirty:
 * their remote endpoints name its tunnel.
 */
#ifndef SEGCTL_VIEW_H
#define SEGCTL_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "cluster.h"
#include "config.h"
#include "etcd.h"

struct view;

/* @h (its strings) must outlive the view. */
struct view *view_new(const struct cluster_host *h);
void view_free(struct view *v);

/* A key put or deleted (copied; a NUL in a key becomes 0x01). */
int view_put(struct view *v, const struct etcd_kv *kv);
void view_del(struct view *v, const struct etcd_kv *kv);
/* Every key gone, every domain dirty (a new read of the range). */
void view_clear(struct view *v);
size_t view_keys(const struct view *v);

/*
 * Device @dev appeared or changed, or went (@gone); NULL: some device,
 * which one is not known.  The domains that wait for it are dirty, and
 * when it went those that stand on it too (all held ones for the
 * uplink).  A device that exists is all a computation asks of it, so a
 * change of one that a domain stands on (up, down, carrier) marks
 * nothing.  True if a domain is dirty.
 */
bool view_dev(struct view *v, const char *dev, bool gone);
bool view_dirty(const struct view *v);
/*
 * The record @record (a config key) of a domain that is not dirty was
 * refused: its domain is computed again, so that it can be left out.
 */
void view_touch(struct view *v, const char *record);

/*
 * Compute the dirty domains (records in @exclude left out, as for
 * cluster_want()) and put what they want in @want, and what they were
 * applied as in @cur.  With @all, the clean domains too, as applied,
 * in both (a diff against the module's whole configuration).  0,
 * -ENOMEM, or -EEXIST when two domains want one record (a port): *@dup
 * is its key, to be excluded.
 */
int view_want(struct view *v, bool all, const struct cluster_skip *exclude,
	      size_t n_exclude, struct config *want, struct config *cur,
	      const char **dup);
/*
 * The module holds what view_want() computed last: it is applied.  With
 * @again (records were refused and left out), the domains computed are
 * computed again at the next apply, as the refusal may not hold then.
 */
void view_commit(struct view *v, bool again);

/* Copy what was applied, every domain's, to @cfg (for the tests). */
int view_applied(const struct view *v, struct config *cfg);

/*
 * What the host wants and skips, all domains together, as computed
 * last (the arrays are the view's: free with view_result_free()).
 */
void view_result(const struct view *v, struct cluster_result *res);
void view_result_free(struct cluster_result *res);
/* The etcd key record @record comes from, as computed last, or NULL. */
const char *view_src_key(const struct view *v, const char *record);

#endif /* SEGCTL_VIEW_H */
