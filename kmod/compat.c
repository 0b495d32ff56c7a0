// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: what older kernels lack; see compat.h.
 */

#include <linux/atomic.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "compat.h"

#ifdef SEGF_COMPAT_MSG_RING
#define SEGF_MSG_RING_SIZE	64
#define SEGF_MSG_LEN		128

static char segf_msg_ring[SEGF_MSG_RING_SIZE][SEGF_MSG_LEN];
static atomic_t segf_msg_next = ATOMIC_INIT(0);

/*
 * netlink_ack() measures the message, allocates (and may sleep), then
 * copies it: a slot rewritten in between must keep its length, or the
 * copy overflows the room measured.  So every message is padded with
 * spaces to the same length, and a slot is written with one memcpy() of
 * text that holds no NUL.
 */
const char *segf_msg_format(const char *fmt, ...)
{
	char text[SEGF_MSG_LEN];
	unsigned int slot;
	va_list args;
	int len;

	va_start(args, fmt);
	len = vscnprintf(text, sizeof(text), fmt, args);
	va_end(args);
	memset(text + len, ' ', sizeof(text) - 1 - len);

	slot = (unsigned int)atomic_inc_return(&segf_msg_next) %
	       SEGF_MSG_RING_SIZE;
	memcpy(segf_msg_ring[slot], text, SEGF_MSG_LEN - 1);
	return segf_msg_ring[slot];
}
#endif
