/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit suites of a module run before the module's init function, so
 * the suites that free policy generations bring the workqueue that init
 * would have made, and take it away again once their frees are done.
 */
#ifndef _SEGFILTER_TEST_WQ_H
#define _SEGFILTER_TEST_WQ_H

#include <kunit/test.h>
#include <linux/workqueue.h>

#include "segfilter.h"

static inline int segf_test_wq_init(struct kunit_suite *suite)
{
	segf_wq = alloc_workqueue("segfilter-kunit", WQ_UNBOUND, 0);
	return segf_wq ? 0 : -ENOMEM;
}

static inline void segf_test_wq_exit(struct kunit_suite *suite)
{
	rcu_barrier();
	destroy_workqueue(segf_wq);
	segf_wq = NULL;
}

#endif /* _SEGFILTER_TEST_WQ_H */
