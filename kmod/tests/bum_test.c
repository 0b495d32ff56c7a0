// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the per-domain limit on flood copies to other hosts
 * (bum.c): when a one-second window begins again, across a wrap of
 * 32-bit jiffies too, and that a window's spent budget drops copies
 * until the next one refills it.
 */

#include <kunit/test.h>
#include <linux/jiffies.h>
#include <linux/limits.h>

#include "bum.h"
#include "domain.h"

/*
 * A second after the window's start is a new window; anything within
 * it, or a tick before it (a CPU whose jiffies read lags the one that
 * opened the window), is not.
 */
static void bum_test_window(struct kunit *test)
{
	unsigned long start = 100000;

	KUNIT_EXPECT_FALSE(test, segf_bum_new_window(start, start));
	KUNIT_EXPECT_FALSE(test, segf_bum_new_window(start + HZ - 1, start));
	KUNIT_EXPECT_TRUE(test, segf_bum_new_window(start + HZ, start));
	KUNIT_EXPECT_TRUE(test, segf_bum_new_window(start + 3600 * HZ, start));
	KUNIT_EXPECT_FALSE(test, segf_bum_new_window(start - 1, start));
	KUNIT_EXPECT_FALSE(test, segf_bum_new_window(start - HZ, start));
	/* Well before the start: the counter wrapped since. */
	KUNIT_EXPECT_TRUE(test, segf_bum_new_window(start - HZ - 1, start));
}

/*
 * A window opened just before jiffies wraps: the second runs on across
 * the wrap and ends a second after its start, on the other side.  On
 * a 32-bit kernel unsigned long is jiffies' width; on 64 bits the same
 * arithmetic holds at ULONG_MAX.
 */
static void bum_test_window_wrap(struct kunit *test)
{
	unsigned long start = ULONG_MAX - HZ / 2;

	KUNIT_EXPECT_FALSE(test, segf_bum_new_window(start + HZ / 4, start));
	/* Past the wrap, still within the second. */
	KUNIT_EXPECT_FALSE(test, segf_bum_new_window(start + HZ - 1, start));
	KUNIT_EXPECT_LT(test, start + HZ - 1, start);
	KUNIT_EXPECT_TRUE(test, segf_bum_new_window(start + HZ, start));
	/*
	 * The domain sent nothing for more than half the counter's range:
	 * time_after() reads @now as before the start.  It is well before,
	 * so a new window all the same, not a window that never ends.
	 */
	KUNIT_EXPECT_FALSE(test, time_after_eq(start + ULONG_MAX / 2 + HZ + 1,
					       start + HZ));
	KUNIT_EXPECT_TRUE(test, segf_bum_new_window(start + ULONG_MAX / 2 +
						    HZ + 1, start));
	KUNIT_EXPECT_TRUE(test, segf_bum_new_window(start + ULONG_MAX - HZ,
						    start));
}

static struct segf_domain *bum_domain(struct kunit *test)
{
	struct segf_domain *dom = kunit_kzalloc(test, sizeof(*dom),
						GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, dom);
	spin_lock_init(&dom->bum_lock);
	return dom;
}

/* A window's copies up to the limit go, the next ones are dropped. */
static void bum_test_take(struct kunit *test)
{
	struct segf_domain *dom = bum_domain(test);
	unsigned int i;

	/* A window long past: the first copy opens a new one. */
	dom->bum_start = jiffies - 10 * HZ;
	dom->bum_sent = 3;
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_TRUE_MSG(test, segf_bum_take(dom, 3), "copy %u", i);
	KUNIT_EXPECT_EQ(test, dom->bum_sent, 3);
	KUNIT_EXPECT_FALSE(test, time_after(dom->bum_start, jiffies));
	/* Spent: dropped, and the count stays at the limit. */
	KUNIT_EXPECT_FALSE(test, segf_bum_take(dom, 3));
	KUNIT_EXPECT_FALSE(test, segf_bum_take(dom, 3));
	KUNIT_EXPECT_EQ(test, dom->bum_sent, 3);

	/* A limit of 0 sends nothing, whatever the window. */
	dom->bum_start = jiffies - 10 * HZ;
	dom->bum_sent = 0;
	KUNIT_EXPECT_FALSE(test, segf_bum_take(dom, 0));
	KUNIT_EXPECT_EQ(test, dom->bum_sent, 0);
}

/* The next second refills a spent budget, across a wrap too. */
static void bum_test_refill(struct kunit *test)
{
	struct segf_domain *dom = bum_domain(test);

	/* This second's budget, spent. */
	dom->bum_start = jiffies;
	dom->bum_sent = 2;
	KUNIT_EXPECT_FALSE(test, segf_bum_take(dom, 2));
	/* The window began a second ago: a new one, one copy taken. */
	dom->bum_start = jiffies - HZ;
	KUNIT_EXPECT_TRUE(test, segf_bum_take(dom, 2));
	KUNIT_EXPECT_EQ(test, dom->bum_sent, 1);
	KUNIT_EXPECT_TRUE(test, segf_bum_take(dom, 2));
	KUNIT_EXPECT_FALSE(test, segf_bum_take(dom, 2));

	/*
	 * A spent window whose start lies far ahead of now, as after a
	 * wrap of 32-bit jiffies while the domain sent nothing: refilled,
	 * not a budget spent until jiffies comes round again.
	 */
	dom->bum_start = jiffies + 10 * HZ;
	dom->bum_sent = 2;
	KUNIT_EXPECT_TRUE(test, segf_bum_take(dom, 2));
	KUNIT_EXPECT_EQ(test, dom->bum_sent, 1);
	KUNIT_EXPECT_FALSE(test, time_after(dom->bum_start, jiffies));
}

static struct kunit_case segf_bum_test_cases[] = {
	KUNIT_CASE(bum_test_window),
	KUNIT_CASE(bum_test_window_wrap),
	KUNIT_CASE(bum_test_take),
	KUNIT_CASE(bum_test_refill),
	{}
};

static struct kunit_suite segf_bum_test_suite = {
	.name = "segfilter_bum",
	.test_cases = segf_bum_test_cases,
};

kunit_test_suites(&segf_bum_test_suite);
