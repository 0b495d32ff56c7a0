// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the rules' counter slots (counter.c): more slots than
 * one block holds are all distinct and count apart; a slot given back
 * and taken again starts at zero; blocks go with their last slot, and
 * the pool with its last reference.
 */

#include <kunit/test.h>
#include <linux/slab.h>

#include "counter.h"

#define N_SLOTS	(SEGF_CTR_BLOCK_MAX + 200)

struct ctr_ref {
	struct segf_ctr_block *blk;
	u16 slot;
};

/* Count @n packets of @n * 100 bytes on every CPU. */
static void ctr_count(const struct ctr_ref *r, u64 n)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct segf_rule_pcpu *s = &r->blk->cpu[cpu][r->slot];

		u64_stats_add(&s->packets, n);
		u64_stats_add(&s->bytes, n * 100);
	}
}

static void ctr_expect(struct kunit *test, const struct ctr_ref *r, u64 n)
{
	u64 packets, bytes;

	segf_ctr_read(r->blk, r->slot, &packets, &bytes);
	KUNIT_EXPECT_EQ(test, packets, n * num_possible_cpus());
	KUNIT_EXPECT_EQ(test, bytes, n * 100 * num_possible_cpus());
}

static void counter_test_slots(struct kunit *test)
{
	struct segf_ctr_pool *pool = segf_ctr_pool_new(NULL);
	struct ctr_ref *refs, again;
	unsigned int i, blocks = 0;

	KUNIT_ASSERT_NOT_NULL(test, pool);
	refs = kunit_kcalloc(test, N_SLOTS, sizeof(*refs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, refs);

	for (i = 0; i < N_SLOTS; i++) {
		KUNIT_ASSERT_EQ(test, 0, segf_ctr_take(pool, &refs[i].blk,
						       &refs[i].slot, NULL));
		KUNIT_EXPECT_LT(test, refs[i].slot, refs[i].blk->size);
		if (!i || refs[i].blk != refs[i - 1].blk)
			blocks++;
		ctr_expect(test, &refs[i], 0);
		ctr_count(&refs[i], i + 1);
	}
	/* 4, 4, 8, ... 512, then full blocks of 1024: ten. */
	KUNIT_EXPECT_EQ(test, blocks, 10U);
	KUNIT_EXPECT_EQ(test, refcount_read(&pool->ref), N_SLOTS + 1U);
	/* Each counted only its own: no two share a slot. */
	for (i = 0; i < N_SLOTS; i++)
		ctr_expect(test, &refs[i], i + 1);

	/* The slot given back is the one taken next, at zero. */
	segf_ctr_give(refs[40].blk, refs[40].slot);
	KUNIT_ASSERT_EQ(test, 0, segf_ctr_take(pool, &again.blk, &again.slot,
					       NULL));
	KUNIT_EXPECT_PTR_EQ(test, again.blk, refs[40].blk);
	KUNIT_EXPECT_EQ(test, again.slot, refs[40].slot);
	ctr_expect(test, &again, 0);
	ctr_expect(test, &refs[41], 42);
	refs[40] = again;

	/* The first block goes with its last slot; the others stay. */
	KUNIT_EXPECT_EQ(test, pool->capacity, 2U * SEGF_CTR_BLOCK_MAX);
	for (i = 0; i < SEGF_CTR_BLOCK_MIN; i++)
		segf_ctr_give(refs[i].blk, refs[i].slot);
	KUNIT_EXPECT_EQ(test, pool->capacity,
			2U * SEGF_CTR_BLOCK_MAX - SEGF_CTR_BLOCK_MIN);
	ctr_expect(test, &refs[N_SLOTS - 1], N_SLOTS);

	/* The domain's reference goes first, its rules' slots after. */
	segf_ctr_pool_put(pool);
	for (i = SEGF_CTR_BLOCK_MIN; i < N_SLOTS; i++)
		segf_ctr_give(refs[i].blk, refs[i].slot);
}

static struct kunit_case segf_counter_test_cases[] = {
	KUNIT_CASE(counter_test_slots),
	{}
};

static struct kunit_suite segf_counter_test_suite = {
	.name = "segfilter_counter",
	.test_cases = segf_counter_test_cases,
};

kunit_test_suites(&segf_counter_test_suite);
