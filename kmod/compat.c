// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: what older kernels lack; see compat.h.
 */

#include <linux/atomic.h>
#include <linux/kernel.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "compat.h"
#include "segfilter.h"

#ifdef SEGF_COMPAT_MSG_RING
/* 63 slots and the counter fit in 8 KiB: one order-1 allocation. */
#define SEGF_MSG_RING_SIZE	63
#define SEGF_MSG_LEN		128

struct segf_msg_ring {
	atomic_t next;
	char text[SEGF_MSG_RING_SIZE][SEGF_MSG_LEN];
};

/*
 * The ring of the calling task's network namespace, made at its first
 * message and charged to the caller.  The task holds the namespace, so
 * the ring lives until netlink_ack() has copied the message; a message
 * is only ever read back by a task of the namespace that wrote it.
 */
static struct segf_msg_ring *segf_msg_ring(void)
{
	struct segf_msg_ring *ring, *old;
	struct segf_net *sn;

	if (!current->nsproxy)
		return NULL;
	sn = segf_pernet(current->nsproxy->net_ns);
	ring = READ_ONCE(sn->msgs);
	if (ring)
		return ring;
	ring = kzalloc(sizeof(*ring), GFP_KERNEL_ACCOUNT);
	if (!ring)
		return NULL;
	old = cmpxchg(&sn->msgs, NULL, ring);
	if (old) {
		kfree(ring);
		return old;
	}
	return ring;
}

/*
 * netlink_ack() measures the message, allocates (and may sleep), then
 * copies it: a slot rewritten in between must keep its length, or the
 * copy overflows the room measured.  So every message is padded with
 * spaces to the same length, and a slot is written with one memcpy() of
 * text that holds no NUL.
 */
const char *segf_msg_format(const char *fmt, ...)
{
	struct segf_msg_ring *ring = segf_msg_ring();
	char text[SEGF_MSG_LEN];
	unsigned int slot;
	va_list args;
	int len;

	if (!ring)
		return KBUILD_MODNAME ": (no memory for the message)";
	va_start(args, fmt);
	len = vscnprintf(text, sizeof(text), fmt, args);
	va_end(args);
	memset(text + len, ' ', sizeof(text) - 1 - len);

	slot = (unsigned int)atomic_inc_return(&ring->next) %
	       SEGF_MSG_RING_SIZE;
	memcpy(ring->text[slot], text, SEGF_MSG_LEN - 1);
	return ring->text[slot];
}

void segf_msg_free(struct segf_net *sn)
{
	kfree(sn->msgs);
}
#endif
