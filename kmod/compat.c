// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: what older kernels lack; see compat.h.
 */

#include <linux/atomic.h>
#include <linux/kernel.h>

#include "compat.h"

#ifdef SEGF_COMPAT_MSG_RING
#define SEGF_MSG_RING_SIZE	16
#define SEGF_MSG_LEN		128

static char segf_msg_ring[SEGF_MSG_RING_SIZE][SEGF_MSG_LEN];
static atomic_t segf_msg_next = ATOMIC_INIT(0);

const char *segf_msg_format(const char *fmt, ...)
{
	unsigned int slot;
	va_list args;
	char *buf;

	slot = (unsigned int)atomic_inc_return(&segf_msg_next) %
	       SEGF_MSG_RING_SIZE;
	buf = segf_msg_ring[slot];
	va_start(args, fmt);
	vsnprintf(buf, SEGF_MSG_LEN - 1, fmt, args);
	va_end(args);
	return buf;
}
#endif
