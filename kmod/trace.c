// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: segctl trace.  A TRACE request describes a packet by its
 * addresses and transport; the reply says what the data path would do
 * with it if the endpoint that owns the source address sent it into the
 * port the request names: the groups, the flow entry if one decides,
 * the rule or default, the action and chain, or the drop reason.  It
 * asks segf_verdict(), as the data path does, and changes nothing.
 */

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <net/genetlink.h>
#include <net/tcp.h>

#include "compat.h"
#include "datapath.h"
#include "domain.h"
#include "endpoint.h"
#include "nl.h"
#include "policy.h"
#include "port.h"
#include "segfilter.h"

/*
 * Run @pkt through the lookups and the verdict, as if it came in by
 * @port.  The source and destination endpoints are those that own the
 * packet's addresses.  Nothing is sent, counted or changed: the flow
 * table is only read.  Called with segf_net::lock held.
 */
static void segf_trace_packet(struct segf_port *port, struct segf_pkt *pkt,
			      struct segf_decision *d)
{
	struct segf_ctx ctx = {
		.dom = port->domain,
		.port = port,
	};
	struct segf_endpoint *src, *dst;
	bool v4 = pkt->proto == htons(ETH_P_IP);

	memset(d, 0, sizeof(*d));
	rcu_read_lock();
	ctx.pol = rcu_dereference(port->domain->policy);
	src = v4 ? segf_lookup_v4(&ctx, pkt->v4.saddr) :
		   segf_lookup_v6(&ctx, &pkt->v6.saddr);
	dst = v4 ? segf_lookup_v4(&ctx, pkt->v4.daddr) :
		   segf_lookup_v6(&ctx, &pkt->v6.daddr);
	if (!src || READ_ONCE(src->port) != port) {
		d->drop = SEGFILTER_DROP_SRC_IP;
		goto out;
	}
	if (!dst) {
		d->src = src->group;
		d->drop = SEGFILTER_DROP_NO_ROUTE;
		goto out;
	}
	ether_addr_copy(pkt->src, src->mac);
	ether_addr_copy(pkt->dst, dst->mac);
	segf_verdict(ctx.dom, ctx.pol, pkt, src->group, dst->group, jiffies,
		     d);
out:
	rcu_read_unlock();
}

/* Build the packet a TRACE request describes. */
static int segf_trace_parse(struct nlattr *nest, struct segf_pkt *pkt,
			    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SEGFILTER_A_TUPLE_MAX + 1];
	int err;

	/* The command's policy (netlink.c) validated the nest already. */
	err = nla_parse_nested(tb, SEGFILTER_A_TUPLE_MAX, nest, NULL, extack);
	if (err)
		return err;
	memset(pkt, 0, sizeof(*pkt));
	if (tb[SEGFILTER_A_TUPLE_SRC_IPV4] && tb[SEGFILTER_A_TUPLE_DST_IPV4]) {
		pkt->proto = htons(ETH_P_IP);
		pkt->v4.saddr = nla_get_in_addr(tb[SEGFILTER_A_TUPLE_SRC_IPV4]);
		pkt->v4.daddr = nla_get_in_addr(tb[SEGFILTER_A_TUPLE_DST_IPV4]);
	} else if (tb[SEGFILTER_A_TUPLE_SRC_IPV6] &&
		   tb[SEGFILTER_A_TUPLE_DST_IPV6]) {
		pkt->proto = htons(ETH_P_IPV6);
		pkt->v6.saddr = nla_get_in6_addr(tb[SEGFILTER_A_TUPLE_SRC_IPV6]);
		pkt->v6.daddr = nla_get_in6_addr(tb[SEGFILTER_A_TUPLE_DST_IPV6]);
	} else {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "a traced packet needs a source and a destination address of one family");
		return -EINVAL;
	}
	if (!tb[SEGFILTER_A_TUPLE_PROTO]) {
		NL_SET_ERR_ATTR_MISS(extack, nest, SEGFILTER_A_TUPLE_PROTO);
		NL_SET_ERR_MSG_MOD(extack, "a traced packet needs a protocol");
		return -EINVAL;
	}
	pkt->l4proto = nla_get_u8(tb[SEGFILTER_A_TUPLE_PROTO]);
	pkt->ttl = 64;
	switch (pkt->l4proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		pkt->flags |= SEGF_PKT_L4;
		pkt->tcp_flags = TCPHDR_SYN;	/* a new connection */
		if (tb[SEGFILTER_A_TUPLE_SPORT])
			pkt->sport = htons(nla_get_u16(tb[SEGFILTER_A_TUPLE_SPORT]));
		if (tb[SEGFILTER_A_TUPLE_DPORT])
			pkt->dport = htons(nla_get_u16(tb[SEGFILTER_A_TUPLE_DPORT]));
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		pkt->flags |= SEGF_PKT_L4;
		if (pkt->l4proto == IPPROTO_ICMP)
			pkt->icmp_type = ICMP_ECHO;
		else
			pkt->icmp_type = ICMPV6_ECHO_REQUEST;
		if (tb[SEGFILTER_A_TUPLE_ICMP_TYPE])
			pkt->icmp_type =
				nla_get_u8(tb[SEGFILTER_A_TUPLE_ICMP_TYPE]);
		if (tb[SEGFILTER_A_TUPLE_ICMP_ID])
			pkt->icmp_id =
				htons(nla_get_u16(tb[SEGFILTER_A_TUPLE_ICMP_ID]));
		break;
	}
	return 0;
}

/* Put what segf_trace_packet() found into the reply. */
static bool segf_trace_fill(struct sk_buff *msg, const struct segf_domain *dom,
			    const struct segf_decision *d,
			    const struct segf_pkt *pkt)
{
	bool full;

	full = nla_put_u32(msg, SEGFILTER_A_DOMAIN_ID, dom->id) ||
	       nla_put_string(msg, SEGFILTER_A_DOMAIN_NAME, dom->name);
	if (d->src)
		full = full ||
		       nla_put_u16(msg, SEGFILTER_A_SRC_GROUP_ID, d->src->id) ||
		       nla_put_string(msg, SEGFILTER_A_SRC_GROUP_NAME,
				      d->src->name);
	if (d->dst)
		full = full ||
		       nla_put_u16(msg, SEGFILTER_A_DST_GROUP_ID, d->dst->id) ||
		       nla_put_string(msg, SEGFILTER_A_DST_GROUP_NAME,
				      d->dst->name);
	if (d->flow)
		full = full || nla_put_u8(msg, SEGFILTER_A_TRACE_FLOW, d->flow);
	if (d->rule)
		full = full ||
		       nla_put_u32(msg, SEGFILTER_A_RULE_ID, d->rule->id);
	else if (d->by_default)
		full = full || nla_put_flag(msg, SEGFILTER_A_TRACE_DEFAULT);
	if (d->action)
		full = full || nla_put_u8(msg, SEGFILTER_A_ACTION, d->action);
	if (d->chain)
		full = full || nla_put_string(msg, SEGFILTER_A_CHAIN_NAME,
					      d->chain->name);
	if (d->drop)
		full = full || nla_put_u32(msg, SEGFILTER_A_DROP_REASON, d->drop);
	return full || segf_put_tuple(msg, pkt);
}

int segf_trace_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_net *sn = segf_pernet(genl_info_net(info));
	struct nlattr *tuple = info->attrs[SEGFILTER_A_TUPLE];
	struct segf_decision d;
	struct segf_port *port;
	struct segf_pkt pkt;
	struct sk_buff *msg;
	void *hdr;
	int err;

	if (!tuple) {
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, SEGFILTER_A_TUPLE);
		NL_SET_ERR_MSG_MOD(info->extack, "missing packet (tuple)");
		return -EINVAL;
	}
	err = segf_trace_parse(tuple, &pkt, info->extack);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	segf_lock(sn);
	port = segf_port_lookup(sn, info->attrs, info->extack);
	if (IS_ERR(port)) {
		err = PTR_ERR(port);
		goto out;
	}
	if (!port->domain) {
		char name[IFNAMSIZ];

		segf_port_name(port, name);
		NL_SET_BAD_ATTR(info->extack, info->attrs[SEGFILTER_A_IFINDEX]);
		NL_SET_ERR_MSG_FMT_MOD(info->extack,
				       "%s is an uplink: trace from the port of the endpoint that sends",
				       name);
		err = -EINVAL;
		goto out;
	}
	segf_trace_packet(port, &pkt, &d);

	err = -EMSGSIZE;
	hdr = genlmsg_put(msg, info->snd_portid, info->snd_seq, &segf_family,
			  0, SEGFILTER_CMD_TRACE);
	if (!hdr)
		goto out;
	if (segf_trace_fill(msg, port->domain, &d, &pkt)) {
		genlmsg_cancel(msg, hdr);
		goto out;
	}
	genlmsg_end(msg, hdr);
	err = 0;
out:
	mutex_unlock(&sn->lock);
	/* A default-sized message always has room: that would be a bug. */
	if (WARN_ON_ONCE(err == -EMSGSIZE) || err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}
