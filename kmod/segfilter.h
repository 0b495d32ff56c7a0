/* SPDX-License-Identifier: GPL-2.0 */
/*
 * segfilter: the per-namespace state, the module's parameters and the
 * writers' lock.  Each object has its own header beside its .c file
 * (domain.h, port.h, endpoint.h, policy.h, service.h, flow.h, txn.h,
 * stats.h, overlay.h); this one includes none of them.
 *
 * DOC: Locking
 *
 * The data path (segf_handle_frame() and everything it calls) runs in
 * softirq context under rcu_read_lock() and takes no lock a writer
 * holds: every pointer it follows is published with rcu_assign_pointer()
 * or lives in an RCU-safe table (rhashtable, xarray, RCU list).  A frame
 * reads its domain's policy generation once and sees the rules and the
 * endpoints of that generation only (segf_endpoint_visible()).  The
 * only locks it takes are its own: flow table buckets, a flow's lock
 * when a newer generation judges it again, the rate limits of the
 * events and of the gateway's ICMP errors.
 *
 * Writers serialise on the per-namespace mutex segf_net::lock.  Port
 * attach and detach change a net_device's rx_handler and therefore also
 * take RTNL, inside it and only around that change: segf_net::lock ->
 * RTNL, so that RTNL is never held for longer than one port takes.
 * Nothing takes segf_net::lock under RTNL: the netdev notifier unhooks a
 * port that goes away at once and leaves the rest to segf_net::port_work
 * (port.c), so a long commit never makes an RTNL holder wait.  Every
 * change is a
 * commit (txn.c) that publishes new generations with one pointer swap
 * per domain.  Objects unlinked by a writer are freed after a grace
 * period: kfree_rcu() / call_rcu(), queue_rcu_work() on segf_wq for
 * an old generation and the rules only it still used, or a batch per
 * grace period and CPU for closed flows (flow.c, on a per-CPU workqueue
 * of its own).  Module exit waits for those with rcu_barrier(), then
 * destroy_workqueue() of segf_wq and of the flows' queue.
 *
 * Ownership: a namespace owns its domains, ports and open transactions;
 * a domain owns its groups, endpoints, rules, prefixes and flows.
 * Nothing is reference counted but the rule index and the prefix table,
 * which successive generations share, and a flow's tunnel metadata (a
 * dst_entry): a domain cannot be deleted while ports are attached to it,
 * a group while endpoints belong to it, rules name it or prefixes are in
 * it, and detaching a port (an uplink too) deletes the endpoints behind
 * it, so no object can outlive what it
 * points to.  Rules are named by group id, never by pointer.  An uplink
 * belongs to no domain: it serves every domain with a VNI.
 *
 * Every delete in a commit (GROUP, ENDPOINT, RULE, SERVICE, INSTANCE,
 * CHAIN and PREFIX_DEL) goes in this order: find the object; record its
 * undo (segf_commit_record(), the only step that fails for want of
 * memory); touch its domain (segf_commit_touch()) if the data path can
 * reach the object (groups, endpoints, rules, prefixes, instances;
 * services and chains it reaches only through those); retire it.  A retire that refuses (a
 * group or service still used, a chain still named) changes nothing, and
 * the delete then drops its record (segf_commit_unrecord()); otherwise
 * the object is dying, or dead as of the next generation, and is
 * unlinked after the commit publishes, children before their parents
 * (segf_commit_end()).  DOMAIN_DEL and PORT_DEL are not commits: each
 * checks everything, then cannot fail (design.rst says why).
 */
#ifndef _SEGFILTER_H
#define _SEGFILTER_H

#include <linux/atomic.h>
#include <linux/limits.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock_types.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

/*
 * A function of the data path that is static but for the KUnit suites
 * (kmod/tests/, SEGFILTER_KUNIT=1), which call it through a declaration
 * in its header under the same condition.  The kernel's own
 * VISIBLE_IF_KUNIT (6.7 on) follows CONFIG_KUNIT instead, which a
 * module built without its suites may meet too.
 */
#ifdef SEGFILTER_KUNIT
#define SEGF_STATIC_KUNIT
#else
#define SEGF_STATIC_KUNIT static
#endif

struct net;
struct segf_msg_ring;
struct workqueue_struct;

struct segf_net {
	struct net *net;
	struct mutex lock;		/* serialises all writers */
	struct xarray domains;		/* by domain id */
	struct rhashtable domain_names;	/* by name */
	struct xarray ports;		/* by ifindex */
	struct xarray vnis;		/* domains, by VNI */
	struct xarray txns;		/* open transactions, by id */
	u32 next_txn;
	unsigned int genid;		/* bumped on every change, for dumps */
	/*
	 * Ports the netdev notifier unhooked or saw change state, for
	 * port_work to finish with under segf_net::lock; and the ports'
	 * names, which the notifier updates.  port_lock guards both.
	 */
	spinlock_t port_lock;
	struct list_head port_todo;
	struct work_struct port_work;
	bool exiting;			/* no port is left: no frame comes */
	/*
	 * Against the host's budget (main.c): domains, counted by
	 * segf_flows_init() and segf_flows_destroy() under @lock (and read
	 * by the data path for the flows' shares), and the
	 * flows of all of them, counted by the data path, and of those the
	 * ones drawn from the pool beyond their domain's share (flow.c).
	 */
	unsigned int n_domains;
	atomic_t n_flows;
	atomic_t n_pooled;
	/* Before 6.2, where formatted extack messages are kept: compat.c */
	struct segf_msg_ring *msgs;
};

/* The @dead of an object (or a port slot) that lives: never reached. */
#define SEGF_GEN_NEVER	U64_MAX

/*
 * How many objects one key (an endpoint's MAC or address, an instance
 * id) may have within one commit: the one it had and those the commit
 * deleted and gave it to again.  Bounds the walk of a key's line (see
 * segf_endpoint_seen_mac()) for the control and the data path.
 */
#define SEGF_READD_MAX	4

/* main.c */
extern unsigned int segf_net_id;
extern struct workqueue_struct *segf_wq;
extern unsigned int segf_max_domains_per_netns;
extern unsigned int segf_max_flows_per_netns;
extern unsigned int segf_unreplied_timeout;
extern unsigned int segf_ra_interval;
extern unsigned int segf_exit_probe_interval;
struct segf_net *segf_pernet(const struct net *net);

static inline void segf_assert_locked(struct segf_net *sn)
{
	lockdep_assert_held(&sn->lock);
}

/* port.c */
void segf_port_reap(struct segf_net *sn);

/*
 * Take the namespace's mutex, as every request does, and first finish
 * what the netdev notifier left: a request never sees a port whose
 * device went before it.
 */
static inline void segf_lock(struct segf_net *sn)
{
	mutex_lock(&sn->lock);
	segf_port_reap(sn);
}

/* Called with segf_net::lock held: remember that dumps must restart. */
static inline void segf_changed(struct segf_net *sn)
{
	segf_assert_locked(sn);
	/* Zero would read as "no generation yet" to the dump check. */
	if (!++sn->genid)
		sn->genid = 1;
}

#endif /* _SEGFILTER_H */
