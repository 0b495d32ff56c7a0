/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the KUnit suites that build real domains share: a namespace's
 * state without a namespace, and the workqueue module init would make.
 *
 * The kernel this was written for (6.1) runs a module's suites before
 * the module's init function, so the suites that allocate rules, open
 * flows and free policy generations bring the rule and flow caches and
 * segf_wq themselves and take them away again once their frees are
 * done.  A kernel that runs the suites after init has all three
 * already: the suites use those and leave them alone.
 */
#ifndef _SEGFILTER_TEST_UTIL_H
#define _SEGFILTER_TEST_UTIL_H

#include <kunit/test.h>
#include <linux/workqueue.h>

#include "domain.h"
#include "flow.h"
#include "policy.h"
#include "port.h"
#include "segfilter.h"

/* Whether segf_test_wq_init() made the globals, for its exit to undo. */
static bool segf_test_made_globals;

static inline int segf_test_wq_init(struct kunit_suite *suite)
{
	int err;

	if (segf_wq)
		return 0;
	err = segf_rule_cache_init();
	if (err)
		return err;
	err = segf_flow_cache_init();
	if (err) {
		segf_rule_cache_uninit();
		return err;
	}
	segf_wq = alloc_workqueue("segfilter-kunit", WQ_UNBOUND, 0);
	if (!segf_wq) {
		segf_flow_cache_uninit();
		segf_rule_cache_uninit();
		return -ENOMEM;
	}
	segf_test_made_globals = true;
	return 0;
}

static inline void segf_test_wq_exit(struct kunit_suite *suite)
{
	rcu_barrier();
	if (!segf_test_made_globals) {
		flush_workqueue(segf_wq);
		return;
	}
	destroy_workqueue(segf_wq);
	segf_wq = NULL;
	segf_flow_cache_uninit();
	segf_rule_cache_uninit();
	segf_test_made_globals = false;
}

/* What segf_net_init() does for a real namespace. */
static inline void segf_test_net_init(struct segf_net *sn)
{
	mutex_init(&sn->lock);
	xa_init(&sn->domains);
	xa_init(&sn->ports);
	xa_init(&sn->vnis);
	xa_init_flags(&sn->txns, XA_FLAGS_ALLOC1);
	spin_lock_init(&sn->port_lock);
	INIT_LIST_HEAD(&sn->port_todo);
	INIT_WORK(&sn->port_work, segf_port_work);
	sn->genid = 1;
	WARN_ON(segf_domain_names_init(sn));
}

/* Destroy what a test left, and wait for the RCU frees. */
static inline void segf_test_net_exit(struct segf_net *sn)
{
	struct segf_domain *dom;
	unsigned long idx;

	mutex_lock(&sn->lock);
	xa_for_each(&sn->domains, idx, dom)
		segf_domain_destroy(dom, true, NULL);
	mutex_unlock(&sn->lock);
	rcu_barrier();
	segf_domain_names_destroy(sn);
	xa_destroy(&sn->domains);
	xa_destroy(&sn->vnis);
}

#endif /* _SEGFILTER_TEST_UTIL_H */
