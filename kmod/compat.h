/* SPDX-License-Identifier: GPL-2.0 */
/*
 * segfilter: the few places where the kernels we support (6.1 to 6.12)
 * differ in an API we use.  Everything else is written against the
 * current API directly.
 */
#ifndef _SEGFILTER_COMPAT_H
#define _SEGFILTER_COMPAT_H

#include <linux/version.h>
#include <net/genetlink.h>

#ifndef NL_SET_ERR_MSG_FMT_MOD
#define SEGF_COMPAT_MSG_RING
/*
 * Before 6.2 an extack message must be a string that outlives the
 * request, so formatted messages go to a ring of buffers shared by all
 * namespaces (see compat.c): under a storm of concurrent failures a
 * caller may read another's text, padded with spaces to a fixed length,
 * but never a string whose length changed under netlink_ack().
 */
const char *segf_msg_format(const char *fmt, ...) __printf(1, 2);
#define NL_SET_ERR_MSG_FMT_MOD(extack, fmt, args...) do {		\
	struct netlink_ext_ack *__extack = (extack);			\
									\
	if (__extack)							\
		__extack->_msg = segf_msg_format(KBUILD_MODNAME ": " fmt, \
						 ##args);		\
} while (0)
#endif

/* genl_info_dump() came with 6.6; no macro tells, so the version does. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 6, 0)
static inline struct nlattr **segf_dump_attrs(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb)->attrs;
}
#else
static inline struct nlattr **segf_dump_attrs(struct netlink_callback *cb)
{
	return genl_info_dump(cb)->attrs;
}
#endif

#endif /* _SEGFILTER_COMPAT_H */
