/* SPDX-License-Identifier: GPL-2.0 */
/*
 * segfilter: the rules' packet and byte counters, in blocks of slots
 * that a domain shares among its rules (counter.c).
 */
#ifndef _SEGF_COUNTER_H
#define _SEGF_COUNTER_H

#include <linux/cache.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/smp.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>

struct netlink_ext_ack;
struct segf_domain;

/* One rule's counters on one CPU. */
struct segf_rule_pcpu {
	u64_stats_t packets;
	u64_stats_t bytes;
	struct u64_stats_sync syncp;
};

/* Slots a block holds at most, and the fewest a domain's first takes. */
#define SEGF_CTR_BLOCK_MAX	1024
#define SEGF_CTR_BLOCK_MIN	4

/*
 * A block of counter slots: on each possible CPU, an array of @size
 * counters of its own, on that CPU's node.  It never moves; it goes
 * when its last slot is given back.
 */
struct segf_ctr_block {
	struct segf_ctr_pool *pool;
	struct list_head node;		/* in pool->partial while not full */
	unsigned int size;
	unsigned int used;
	unsigned long *map;		/* the slots taken, after @cpu */
	/*
	 * By CPU: @size counters each, read by every packet a rule of the
	 * block counts.  Taking and giving back slots write @used, @node
	 * and @map near them, but only when a rule is added or freed: not
	 * worth a cache line of padding in every block.
	 */
	struct segf_rule_pcpu *cpu[];
};

/*
 * A domain's counter blocks.  The domain holds a reference, and so does
 * every slot taken: a rule gives its slot back when it is freed, which
 * may be after its domain went.
 */
struct segf_ctr_pool {
	struct segf_domain *dom;	/* its rules' domain, while it lives */
	struct mutex lock;		/* the blocks, their maps and list */
	refcount_t ref;
	struct list_head partial;	/* blocks with a free slot */
	unsigned int capacity;		/* slots in all blocks */
};

struct segf_ctr_pool *segf_ctr_pool_new(struct segf_domain *dom);
void segf_ctr_pool_put(struct segf_ctr_pool *pool);
int segf_ctr_take(struct segf_ctr_pool *pool, struct segf_ctr_block **blk,
		  u16 *slot, struct netlink_ext_ack *extack);
void segf_ctr_give(struct segf_ctr_block *blk, u16 slot);
void segf_ctr_read(const struct segf_ctr_block *blk, u16 slot, u64 *packets,
		   u64 *bytes);

/* This CPU's counters of @slot: the data path, BHs off. */
static inline struct segf_rule_pcpu *
segf_ctr_this_cpu(const struct segf_ctr_block *blk, u16 slot)
{
	return &blk->cpu[smp_processor_id()][slot];
}

#endif /* _SEGF_COUNTER_H */
