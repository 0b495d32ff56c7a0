// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: reception from an uplink.  What a remote endpoint sends
 * reaches this host through the VXLAN device attached as an uplink; it
 * is checked as its own port would check it at home, then judged and
 * sent on as any unicast frame, or flooded to this host's ports as a
 * broadcast or multicast one (forward.c).
 */

#include <linux/if_vlan.h>
#include <linux/skbuff.h>
#include <net/dst_metadata.h>
#include <net/vxlan.h>

#include "compat.h"
#include "datapath.h"
#include "domain.h"
#include "endpoint.h"
#include "policy.h"
#include "port.h"

/*
 * A frame received on an uplink: the VXLAN device decapsulated it and
 * left what its header said as tunnel metadata.  The VNI names the
 * domain; the sender must be a remote endpoint of that domain, located
 * at the host the tunnel came from, and the group id the frame carries
 * must be that endpoint's.  Then the frame is judged as if the endpoint
 * had sent it here: this host does not trust that the sender's enforced
 * anything.  Unicast is taken for an endpoint of this host; broadcast and
 * multicast (its host's copy, bum.c) is flooded to this host's endpoint
 * ports alone, never to another host, each copy judged here.  Link
 * control is answered on every host for the whole domain, so none comes
 * from another.
 */
void segf_rx_uplink(struct segf_port *port, struct sk_buff *skb)
{
	struct segf_ctx ctx = {
		.port = port,
		.from_remote = true,
	};
	enum segfilter_drop_reason reason;
	const struct segf_domain_cfg *cfg;
	struct segf_endpoint *src;
	struct ip_tunnel_info *info;
	struct vxlan_metadata *md;
	struct segf_remote *remote;
	struct segf_addr from;
	struct segf_pkt pkt;
	u16 gbp = 0;

	skb_push(skb, skb->data - skb_mac_header(skb));
	segf_count_packet(port->stats, false, skb->len);

	reason = SEGFILTER_DROP_UNKNOWN_VNI;
	info = skb_tunnel_info(skb);
	if (!info)
		goto drop;
	ctx.dom = xa_load(&port->sn->vnis,
			  be32_to_cpu(tunnel_id_to_key32(info->key.tun_id)));
	if (!ctx.dom)
		goto drop;
	segf_count_packet(ctx.dom->stats, false, skb->len);
	ctx.pol = rcu_dereference(ctx.dom->policy);
	cfg = &ctx.pol->cfg;
	if (ip_tunnel_info_af(info) == AF_INET6)
		segf_addr_v6(&from, &info->key.u.ipv6.src);
	else
		segf_addr_v4(&from, info->key.u.ipv4.src);
	if (segf_tun_has_gbp(info) && info->options_len >= sizeof(*md)) {
		md = ip_tunnel_info_opts(info);
		gbp = md->gbp & VXLAN_GBP_ID_MASK;
	}
	/* All the tunnel said is read: the frame goes on without it. */
	skb_dst_drop(skb);

	reason = SEGFILTER_DROP_VLAN;
	if (skb_vlan_tag_present(skb))
		goto drop;
	reason = SEGFILTER_DROP_MALFORMED;
	if (segf_parse(skb, &pkt))
		goto drop;
	reason = SEGFILTER_DROP_VLAN;
	if (pkt.flags & SEGF_PKT_VLAN)
		goto drop;
	/* A frame the sender's host routed comes from the gateway MAC. */
	src = segf_lookup_mac(&ctx, pkt.src);
	if (!src && !is_zero_ether_addr(cfg->gw_mac) &&
	    ether_addr_equal(pkt.src, cfg->gw_mac)) {
		struct segf_addr saddr;

		/* Or from a prefix its sender owns: a router endpoint's. */
		if (pkt.proto == htons(ETH_P_IP)) {
			segf_addr_v4(&saddr, pkt.v4.saddr);
			src = segf_lookup_route(&ctx, &saddr);
		} else if (pkt.proto == htons(ETH_P_IPV6)) {
			segf_addr_v6(&saddr, &pkt.v6.saddr);
			src = segf_lookup_route(&ctx, &saddr);
		}
	}
	reason = SEGFILTER_DROP_SRC_MAC;
	if (!src)
		goto drop;
	reason = SEGFILTER_DROP_WRONG_HOST;
	if (segf_endpoint_port(src) != port)
		goto drop;
	remote = rcu_dereference(src->remote);
	if (!remote || !segf_addr_equal(&remote->addr, &from))
		goto drop;
	reason = SEGFILTER_DROP_GROUP_MISMATCH;
	if (!gbp || gbp != src->group->id)
		goto drop;
	ctx.gbp = gbp;
	reason = segf_check_source(ctx.pol, src, &pkt);
	if (reason)
		goto drop;
	/* No DHCP server or client across the overlay: see dhcp.c. */
	if (segf_is_dhcp(&pkt) && segf_dhcp(&ctx, skb, &pkt, src))
		return;

	if (is_multicast_ether_addr(pkt.dst)) {
		reason = SEGFILTER_DROP_NO_DEST;
		if (segf_is_link_control(&pkt))
			goto drop;
		/* Its host floods what its endpoint sent, never what it routed. */
		reason = SEGFILTER_DROP_SRC_MAC;
		if (!ether_addr_equal(pkt.src, src->mac))
			goto drop;
		segf_multicast(&ctx, skb, &pkt, src);
		return;
	}
	segf_unicast(&ctx, skb, &pkt, src);
	return;

drop:
	segf_drop(&ctx, skb, reason);
}
