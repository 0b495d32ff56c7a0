/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the KUnit suites that build real domains share: a namespace's
 * state without a namespace, and the workqueue module init would make.
 *
 * KUnit runs a module's suites before the module's init function, so
 * the suites that free policy generations bring segf_wq themselves and
 * take it away again once their frees are done.
 */
#ifndef _SEGFILTER_TEST_UTIL_H
#define _SEGFILTER_TEST_UTIL_H

#include <kunit/test.h>
#include <linux/workqueue.h>

#include "segfilter.h"

static inline int segf_test_wq_init(struct kunit_suite *suite)
{
	int err = segf_rule_cache_init();

	if (err)
		return err;
	segf_wq = alloc_workqueue("segfilter-kunit", WQ_UNBOUND, 0);
	if (!segf_wq) {
		segf_rule_cache_uninit();
		return -ENOMEM;
	}
	return 0;
}

static inline void segf_test_wq_exit(struct kunit_suite *suite)
{
	rcu_barrier();
	destroy_workqueue(segf_wq);
	segf_wq = NULL;
	segf_rule_cache_uninit();
}

/* What segf_net_init() does for a real namespace. */
static inline void segf_test_net_init(struct segf_net *sn)
{
	mutex_init(&sn->lock);
	xa_init(&sn->domains);
	xa_init(&sn->ports);
	xa_init(&sn->vnis);
	xa_init_flags(&sn->txns, XA_FLAGS_ALLOC1);
	sn->genid = 1;
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
	xa_destroy(&sn->domains);
	xa_destroy(&sn->vnis);
}

#endif /* _SEGFILTER_TEST_UTIL_H */
