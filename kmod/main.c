// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: module init and exit, and the per-namespace state.
 *
 * Teardown, in order:
 *  1. the generic netlink family goes, so no new configuration arrives
 *     (genl_unregister_family() waits for requests in progress);
 *  2. every namespace's state is torn down (pernet exit): ports are
 *     detached under RTNL, then domains with their groups and endpoints
 *     are unlinked and queued for freeing after a grace period;
 *  3. the netdev notifier goes: no port is left for it to detach;
 *  4. rcu_barrier() waits for the queued frees before the code that
 *     runs them is unloaded, and destroying the workqueue waits for
 *     the frees that RCU handed to it (old policy generations) and for
 *     the closed flows its reaper has yet to free.
 */

#include <linux/capability.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "compat.h"
#include "domain.h"
#include "events.h"
#include "flow.h"
#include "nl.h"
#include "policy.h"
#include "port.h"
#include "segfilter.h"
#include "txn.h"

unsigned int segf_net_id __read_mostly;

/* Frees after a grace period, and flow garbage collection. */
struct workqueue_struct *segf_wq __read_mostly;

/*
 * Who listens to events (events.h): the netlink side, once registered.
 * Verdict events read it under RCU (softirq), instance events under
 * segf_events_srcu (process context: they may sleep to allocate).
 */
const struct segf_event_ops __rcu *segf_events;
DEFINE_SRCU(segf_events_srcu);

void segf_events_register(const struct segf_event_ops *ops)
{
	rcu_assign_pointer(segf_events, ops);
}

/* No caller is inside the old ops once this returns. */
void segf_events_unregister(void)
{
	RCU_INIT_POINTER(segf_events, NULL);
	synchronize_rcu();
	synchronize_srcu(&segf_events_srcu);
}

/*
 * The host's budget for each network namespace, whoever owns it: root of
 * a user namespace may configure its own network namespace, but not make
 * the host hold more than this.  Only the host's administrator changes
 * these: the files under /sys/module/segfilter/parameters belong to the
 * initial namespace's root, and a write also needs CAP_SYS_ADMIN there.
 */
unsigned int segf_max_domains_per_netns __read_mostly = 256;
unsigned int segf_max_flows_per_netns __read_mostly = 262144;
/* Seconds a flow lives without an answer (see flow.c). */
unsigned int segf_unreplied_timeout __read_mostly = 60;
/* Seconds between unsolicited router advertisements, at most (dhcp.c). */
unsigned int segf_ra_interval __read_mostly = 600;
/* Seconds between probes of an exit's next hop, about (exit.c). */
unsigned int segf_exit_probe_interval __read_mostly = 30;

static int segf_param_set(const char *val, const struct kernel_param *kp,
			  unsigned int min, unsigned int max)
{
	unsigned int v;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	err = kstrtouint(val, 0, &v);
	if (err)
		return err;
	if (v < min || v > max)
		return -ERANGE;
	WRITE_ONCE(*(unsigned int *)kp->arg, v);
	return 0;
}

static int segf_budget_set(const char *val, const struct kernel_param *kp)
{
	return segf_param_set(val, kp, 0, INT_MAX);
}

static int segf_timeout_set(const char *val, const struct kernel_param *kp)
{
	return segf_param_set(val, kp, 1, 3600);
}

/* RFC 4861 6.2.1's MaxRtrAdvInterval range, from 1 s for tests. */
static int segf_ra_interval_set(const char *val,
				const struct kernel_param *kp)
{
	return segf_param_set(val, kp, 1, 1800);
}

static const struct kernel_param_ops segf_budget_ops = {
	.set = segf_budget_set,
	.get = param_get_uint,
};

static const struct kernel_param_ops segf_timeout_ops = {
	.set = segf_timeout_set,
	.get = param_get_uint,
};

module_param_cb(max_domains_per_netns, &segf_budget_ops,
		&segf_max_domains_per_netns, 0644);
MODULE_PARM_DESC(max_domains_per_netns,
		 "Domains one network namespace may hold (default 256)");
module_param_cb(max_flows_per_netns, &segf_budget_ops,
		&segf_max_flows_per_netns, 0644);
MODULE_PARM_DESC(max_flows_per_netns,
		 "Flows the domains of one network namespace may hold together (default 262144)");
module_param_cb(unreplied_timeout, &segf_timeout_ops,
		&segf_unreplied_timeout, 0644);
MODULE_PARM_DESC(unreplied_timeout,
		 "Seconds an unanswered flow lives, 1..3600 (default 60)");

static const struct kernel_param_ops segf_ra_interval_ops = {
	.set = segf_ra_interval_set,
	.get = param_get_uint,
};

module_param_cb(ra_interval, &segf_ra_interval_ops, &segf_ra_interval, 0644);
MODULE_PARM_DESC(ra_interval,
		 "Seconds between unsolicited router advertisements, at most, 1..1800 (default 600); a domain takes a new value after its next one");

/*
 * The neighbour code's base_reachable_time by default; from 1 s for
 * tests, to an hour for a provider that minds the traffic: the range
 * of a timeout.
 */
module_param_cb(exit_probe_interval, &segf_timeout_ops,
		&segf_exit_probe_interval, 0644);
MODULE_PARM_DESC(exit_probe_interval,
		 "Seconds between probes of an exit's next hop, about, 1..3600 (default 30); an exit takes a new value after its next one");

struct segf_net *segf_pernet(const struct net *net)
{
	return net_generic(net, segf_net_id);
}

static int __net_init segf_net_init(struct net *net)
{
	struct segf_net *sn = segf_pernet(net);

	sn->net = net;
	sn->genid = 1;
	atomic_set(&sn->n_flows, 0);
	atomic_set(&sn->n_pooled, 0);
	mutex_init(&sn->lock);
	xa_init(&sn->domains);
	xa_init(&sn->ports);
	xa_init(&sn->vnis);
	xa_init_flags(&sn->txns, XA_FLAGS_ALLOC1);
	spin_lock_init(&sn->port_lock);
	INIT_LIST_HEAD(&sn->port_todo);
	INIT_WORK(&sn->port_work, segf_port_work);
	return segf_domain_names_init(sn);
}

static void __net_exit segf_net_exit(struct net *net)
{
	struct segf_net *sn = segf_pernet(net);

	segf_net_teardown(sn);
	segf_txn_flush(sn);
	segf_domain_names_destroy(sn);
	xa_destroy(&sn->txns);
	xa_destroy(&sn->ports);
	xa_destroy(&sn->vnis);
	xa_destroy(&sn->domains);
	mutex_destroy(&sn->lock);
	segf_msg_free(sn);
}

static struct pernet_operations segf_net_ops = {
	.init = segf_net_init,
	.exit = segf_net_exit,
	.id = &segf_net_id,
	.size = sizeof(struct segf_net),
};

static int __init segf_init(void)
{
	int err;

	/* It frees memory (closed flows): keep a rescuer for when it is low. */
	segf_wq = alloc_workqueue("segfilter", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!segf_wq)
		return -ENOMEM;
	err = segf_flow_cache_init();
	if (err)
		goto err_cache;
	err = segf_rule_cache_init();
	if (err)
		goto err_rule_cache;
	err = register_pernet_subsys(&segf_net_ops);
	if (err)
		goto err_pernet;
	err = segf_port_init();
	if (err)
		goto err_port;
	err = segf_txn_init();
	if (err)
		goto err_txn;
	err = segf_genl_init();
	if (err)
		goto err_genl;
	pr_info("segment filter loaded\n");
	return 0;

err_genl:
	segf_txn_uninit();
err_txn:
	segf_port_uninit();
err_port:
	unregister_pernet_subsys(&segf_net_ops);
err_pernet:
	/*
	 * Rules and flows are freed by RCU callbacks and queued work;
	 * segf_flow_cache_uninit() drains the flows' own queue.
	 */
	rcu_barrier();
	flush_workqueue(segf_wq);
	segf_rule_cache_uninit();
err_rule_cache:
	segf_flow_cache_uninit();
err_cache:
	destroy_workqueue(segf_wq);
	return err;
}

static void __exit segf_exit(void)
{
	segf_genl_uninit();
	segf_txn_uninit();
	unregister_pernet_subsys(&segf_net_ops);
	segf_port_uninit();
	/*
	 * Queued frees: RCU callbacks, then the work they queue, then the
	 * closed flows (which segf_wq's collectors may have added to).
	 */
	rcu_barrier();
	destroy_workqueue(segf_wq);
	segf_rule_cache_uninit();
	segf_flow_cache_uninit();
}

module_init(segf_init);
module_exit(segf_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("segfilter: netfilter-free segment filter for VM and container ports");
MODULE_AUTHOR("The segfilter developers");
MODULE_VERSION(SEGFILTER_VERSION);
MODULE_ALIAS_GENL_FAMILY(SEGFILTER_GENL_NAME);
