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
#include <net/ip_tunnels.h>

struct segf_net;

#ifndef NL_SET_ERR_MSG_FMT_MOD
#define SEGF_COMPAT_MSG_RING
/*
 * Before 6.2 an extack message must be a string that outlives the
 * request, so formatted messages go to a ring of buffers of the caller's
 * network namespace (see compat.c): under a storm of concurrent failures
 * in one namespace a caller may read another's text, padded with spaces
 * to a fixed length, but never a string whose length changed under
 * netlink_ack(), and never one written in another namespace.
 */
const char *segf_msg_format(const char *fmt, ...) __printf(1, 2);
void segf_msg_free(struct segf_net *sn);
#define NL_SET_ERR_MSG_FMT_MOD(extack, fmt, args...) do {		\
	struct netlink_ext_ack *__extack = (extack);			\
									\
	if (__extack)							\
		__extack->_msg = segf_msg_format(KBUILD_MODNAME ": " fmt, \
						 ##args);		\
} while (0)
#else
static inline void segf_msg_free(struct segf_net *sn)
{
}
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

/*
 * __uninitialized keeps a local out of CONFIG_INIT_STACK_ALL_*'s zeroing;
 * the 6.1 stable series took it late, so older 6.1 trees lack it.  The
 * data path uses it only for a few structs whose fields it writes
 * before it reads them (each says so where it is declared): zeroing
 * them anyway cost about 90 instructions a frame.
 */
#ifndef __uninitialized
#if __has_attribute(__uninitialized__)
#define __uninitialized __attribute__((__uninitialized__))
#else
#define __uninitialized
#endif
#endif

/* skb_gso_validate_network_len() moved to net/gso.h in 6.5. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#include <net/gso.h>
#endif

/*
 * Tunnel flags became a bitmap in 6.10 (IP_TUNNEL_DECLARE_FLAGS): the
 * two that uplinks use, set and tested on either kind.
 */
#ifdef IP_TUNNEL_DECLARE_FLAGS
static inline void segf_tun_set_flags(struct ip_tunnel_info *info)
{
	__set_bit(IP_TUNNEL_KEY_BIT, info->key.tun_flags);
	__set_bit(IP_TUNNEL_VXLAN_OPT_BIT, info->key.tun_flags);
}

static inline bool segf_tun_has_gbp(const struct ip_tunnel_info *info)
{
	return test_bit(IP_TUNNEL_VXLAN_OPT_BIT, info->key.tun_flags);
}

static inline void segf_tun_set_csum(struct ip_tunnel_info *info)
{
	__set_bit(IP_TUNNEL_CSUM_BIT, info->key.tun_flags);
}
#else
static inline void segf_tun_set_flags(struct ip_tunnel_info *info)
{
	info->key.tun_flags |= TUNNEL_KEY | TUNNEL_VXLAN_OPT;
}

static inline bool segf_tun_has_gbp(const struct ip_tunnel_info *info)
{
	return info->key.tun_flags & TUNNEL_VXLAN_OPT;
}

static inline void segf_tun_set_csum(struct ip_tunnel_info *info)
{
	info->key.tun_flags |= TUNNEL_CSUM;
}
#endif

#endif /* _SEGFILTER_COMPAT_H */
