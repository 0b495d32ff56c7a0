// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: what a frame to a remote endpoint carries out of an uplink.
 *
 * An uplink is a VXLAN device in external mode: it encapsulates each
 * frame as the frame's tunnel metadata (a metadata_dst set as the skb's
 * dst) says, to the remote host's address, with the domain's VNI and,
 * in the Group Based Policy field, the group of the endpoint that sent
 * it.  The metadata of a flow's frames is the same from one frame to the
 * next, so the flow entry keeps it and each frame takes a reference; a
 * frame without a flow entry gets its own.
 */

#include <net/dst_metadata.h>
#include <net/vxlan.h>

#include "compat.h"
#include "domain.h"
#include "flow.h"
#include "overlay.h"

static struct metadata_dst *segf_tunnel_alloc(const struct segf_addr *remote,
					      u32 vni, u16 gbp)
{
	struct ip_tunnel_info *info;
	struct vxlan_metadata *md;
	struct metadata_dst *tun;

	tun = metadata_dst_alloc(sizeof(*md), METADATA_IP_TUNNEL, GFP_ATOMIC);
	if (!tun)
		return NULL;
	info = &tun->u.tun_info;
	info->mode = IP_TUNNEL_INFO_TX;
	if (remote->family == AF_INET6) {
		info->mode |= IP_TUNNEL_INFO_IPV6;
		info->key.u.ipv6.dst = remote->v6;
	} else {
		info->key.u.ipv4.dst = remote->v4;
	}
	/* Source address, UDP ports, TTL: the device's own choice. */
	info->key.tun_id = key32_to_tunnel_id(cpu_to_be32(vni));
	segf_tun_set_flags(info);
	/* A VXLAN socket drops IPv6 datagrams without a UDP checksum. */
	if (remote->family == AF_INET6)
		segf_tun_set_csum(info);
	md = ip_tunnel_info_opts(info);
	md->gbp = gbp;
	info->options_len = sizeof(*md);
	return tun;
}

static bool segf_tunnel_matches(struct metadata_dst *tun,
				const struct segf_addr *remote, u32 vni,
				u16 gbp)
{
	struct ip_tunnel_info *info = &tun->u.tun_info;
	struct vxlan_metadata *md = ip_tunnel_info_opts(info);

	if (info->key.tun_id != key32_to_tunnel_id(cpu_to_be32(vni)) ||
	    md->gbp != gbp)
		return false;
	if (remote->family == AF_INET6)
		return (info->mode & IP_TUNNEL_INFO_IPV6) &&
		       ipv6_addr_equal(&info->key.u.ipv6.dst, &remote->v6);
	return !(info->mode & IP_TUNNEL_INFO_IPV6) &&
	       info->key.u.ipv4.dst == remote->v4;
}

/**
 * segf_tunnel_get - the tunnel metadata of a frame to a remote endpoint
 * @flow: the frame's flow entry, or NULL
 * @remote: the remote endpoint's host
 * @vni: the domain's VNI
 * @gbp: the group of the endpoint that sent the frame
 *
 * The flow's metadata when it still says the same (the remote end may
 * have moved since), else a new one, which the flow keeps from then on.
 * Called from the data path, under rcu_read_lock().
 *
 * Return: a reference for the frame to hold, or NULL without memory.
 */
struct metadata_dst *segf_tunnel_get(struct segf_flow *flow,
				     const struct segf_addr *remote, u32 vni,
				     u16 gbp)
{
	struct metadata_dst *tun, *old;

	if (flow) {
		tun = rcu_dereference(flow->tun);
		/* The flow may drop its reference to it at any time. */
		if (tun && segf_tunnel_matches(tun, remote, vni, gbp) &&
		    dst_hold_safe(&tun->dst))
			return tun;
	}
	tun = segf_tunnel_alloc(remote, vni, gbp);
	if (!tun || !flow)
		return tun;
	/* A second reference, the flow's. */
	dst_hold(&tun->dst);
	old = unrcu_pointer(xchg(&flow->tun, RCU_INITIALIZER(tun)));
	if (old)
		dst_release(&old->dst);
	return tun;
}
