/* SPDX-License-Identifier: GPL-2.0 */
/*
 * segfilter: the tunnel metadata of a flow that leaves by an uplink
 * (overlay.c).
 */
#ifndef _SEGF_OVERLAY_H
#define _SEGF_OVERLAY_H

#include <linux/types.h>

struct metadata_dst;
struct segf_addr;
struct segf_flow;

/* overlay.c */
struct metadata_dst *segf_tunnel_get(struct segf_flow *flow,
				     const struct segf_addr *remote, u32 vni,
				     u16 gbp);

#endif /* _SEGF_OVERLAY_H */
