// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: the rules' counters.
 *
 * A rule has a packet and a byte counter on every CPU.  Each in a
 * per-CPU allocation of its own, they cost twice their size again in
 * what the memory cgroup keeps to charge per-CPU memory; here a domain
 * allocates them for many rules at once, a block of up to 1024 slots
 * with one plain array of counters per possible CPU, and each rule
 * holds a block and a slot in it.  A domain's first block is small
 * (4 slots: 64 bytes a CPU), each next one as large as all before it,
 * rounded down to a power of two, up to 1024: a
 * domain of a few rules does not pay for a thousand on every CPU.
 *
 * A rule takes its slot when it is linked to its domain (control path,
 * under the namespace's lock) and gives it back when it is freed: a
 * grace period after the generation that last listed it was replaced,
 * so no reader can still count into a slot a new rule takes.  A slot is
 * zeroed on every CPU when it is taken.  A block whose last slot is
 * given back is freed; blocks never move.
 */

#include <linux/bitmap.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/netlink.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "counter.h"
#include "segfilter.h"

struct segf_ctr_pool *segf_ctr_pool_new(struct segf_domain *dom)
{
	struct segf_ctr_pool *pool;

	pool = kzalloc(sizeof(*pool), GFP_KERNEL_ACCOUNT);
	if (!pool)
		return NULL;
	pool->dom = dom;
	mutex_init(&pool->lock);
	refcount_set(&pool->ref, 1);
	INIT_LIST_HEAD(&pool->partial);
	return pool;
}

/* Every slot was given back when the last reference goes: no block is left. */
void segf_ctr_pool_put(struct segf_ctr_pool *pool)
{
	if (!pool || !refcount_dec_and_test(&pool->ref))
		return;
	WARN_ON(!list_empty(&pool->partial) || pool->capacity);
	mutex_destroy(&pool->lock);
	kfree(pool);
}

static void segf_ctr_block_free(struct segf_ctr_block *blk)
{
	int cpu;

	for_each_possible_cpu(cpu)
		kvfree(blk->cpu[cpu]);
	kfree(blk);
}

/*
 * A block as large as the @capacity of the blocks there are, rounded
 * down to a power of two (kmalloc() would round its arrays up to one).
 */
static struct segf_ctr_block *segf_ctr_block_new(struct segf_ctr_pool *pool,
						 unsigned int capacity)
{
	unsigned int size = rounddown_pow_of_two(clamp_t(unsigned int,
							 capacity,
							 SEGF_CTR_BLOCK_MIN,
							 SEGF_CTR_BLOCK_MAX));
	struct segf_ctr_block *blk;
	size_t head = struct_size(blk, cpu, nr_cpu_ids);
	int cpu;

	BUILD_BUG_ON(SEGF_CTR_BLOCK_MAX - 1 > U16_MAX);	/* a rule's ctr_slot */

	blk = kzalloc(head + BITS_TO_LONGS(size) * sizeof(long),
		      GFP_KERNEL_ACCOUNT);
	if (!blk)
		return NULL;
	blk->pool = pool;
	blk->size = size;
	blk->map = (unsigned long *)((char *)blk + head);
	for_each_possible_cpu(cpu) {
		struct segf_rule_pcpu *s;
		unsigned int i;

		s = kvzalloc_node(array_size(size, sizeof(*s)),
				  GFP_KERNEL_ACCOUNT, cpu_to_node(cpu));
		if (!s) {
			segf_ctr_block_free(blk);
			return NULL;
		}
		for (i = 0; i < size; i++)
			u64_stats_init(&s[i].syncp);
		blk->cpu[cpu] = s;
	}
	return blk;
}

/**
 * segf_ctr_take - a slot of counters for a new rule, zero on every CPU
 * @pool: its domain's blocks
 * @blk: the block of the slot
 * @slot: the slot in @blk
 * @extack: why not
 *
 * Return: 0, or -ENOMEM when a new block was needed and could not be had.
 */
int segf_ctr_take(struct segf_ctr_pool *pool, struct segf_ctr_block **blk,
		  u16 *slot, struct netlink_ext_ack *extack)
{
	struct segf_ctr_block *b, *fresh = NULL;
	unsigned int i, capacity;
	int cpu;

	mutex_lock(&pool->lock);
	b = list_first_entry_or_null(&pool->partial, struct segf_ctr_block,
				     node);
	if (!b) {
		/*
		 * Allocate without the lock: a give, which may run from the
		 * reclaim workqueue, must not wait on an allocation that
		 * reclaims.  A give may free a slot meanwhile; then that is
		 * used and the new block goes.
		 */
		capacity = pool->capacity;
		mutex_unlock(&pool->lock);
		fresh = segf_ctr_block_new(pool, capacity);
		if (!fresh) {
			NL_SET_ERR_MSG_MOD(extack,
					   "no memory for the rule's counters");
			return -ENOMEM;
		}
		mutex_lock(&pool->lock);
		b = list_first_entry_or_null(&pool->partial,
					     struct segf_ctr_block, node);
		if (!b) {
			b = fresh;
			fresh = NULL;
			list_add(&b->node, &pool->partial);
			pool->capacity += b->size;
		}
	}
	i = find_first_zero_bit(b->map, b->size);
	__set_bit(i, b->map);
	if (++b->used == b->size)
		list_del_init(&b->node);
	refcount_inc(&pool->ref);
	mutex_unlock(&pool->lock);
	if (fresh)
		segf_ctr_block_free(fresh);

	/* Its last rule was freed after a grace period: nobody counts here. */
	for_each_possible_cpu(cpu) {
		struct segf_rule_pcpu *s = &b->cpu[cpu][i];

		u64_stats_set(&s->packets, 0);
		u64_stats_set(&s->bytes, 0);
	}
	*blk = b;
	*slot = i;
	return 0;
}

/* Give back a slot no reader can count into any more. */
void segf_ctr_give(struct segf_ctr_block *blk, u16 slot)
{
	struct segf_ctr_pool *pool = blk->pool;

	mutex_lock(&pool->lock);
	WARN_ON(!__test_and_clear_bit(slot, blk->map));
	if (blk->used-- == blk->size)
		list_add(&blk->node, &pool->partial);
	if (!blk->used) {
		list_del(&blk->node);
		pool->capacity -= blk->size;
		segf_ctr_block_free(blk);
	}
	mutex_unlock(&pool->lock);
	segf_ctr_pool_put(pool);
}

/* The counters of @slot, summed over the CPUs. */
void segf_ctr_read(const struct segf_ctr_block *blk, u16 slot, u64 *packets,
		   u64 *bytes)
{
	int cpu;

	*packets = 0;
	*bytes = 0;
	for_each_possible_cpu(cpu) {
		const struct segf_rule_pcpu *s = &blk->cpu[cpu][slot];
		unsigned int start;
		u64 p, b;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			p = u64_stats_read(&s->packets);
			b = u64_stats_read(&s->bytes);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		*packets += p;
		*bytes += b;
	}
}
