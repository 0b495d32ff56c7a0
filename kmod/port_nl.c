// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: PORT_* commands.
 */

#include <linux/etherdevice.h>
#include <linux/inetdevice.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>
#include <net/route.h>

#include "compat.h"
#include "domain.h"
#include "endpoint.h"
#include "nl.h"
#include "port.h"
#include "segfilter.h"
#include "txn.h"

/* The attached port a request's SEGFILTER_A_IFINDEX names. */
struct segf_port *segf_port_lookup(struct segf_net *sn, struct nlattr **attrs,
				   struct netlink_ext_ack *extack)
{
	struct nlattr *attr = attrs[SEGFILTER_A_IFINDEX];
	struct segf_port *port;

	if (segf_missing(attrs, extack, SEGFILTER_A_IFINDEX, "ifindex"))
		return ERR_PTR(-EINVAL);
	port = segf_port_find(sn, nla_get_u32(attr));
	if (port)
		return port;
	NL_SET_BAD_ATTR(extack, attr);
	NL_SET_ERR_MSG_FMT_MOD(extack, "ifindex %u is not an attached port",
			       nla_get_u32(attr));
	return ERR_PTR(-ENOENT);
}

/* An exit's addresses, next hops and the next hops' MACs learned. */
static int segf_fill_exit(struct sk_buff *skb, const struct segf_port *port)
{
	static const int mac_attr[SEGF_EXIT_AFS] = {
		[SEGF_EXIT_V4] = SEGFILTER_A_EXIT_NEXTHOP_MAC,
		[SEGF_EXIT_V6] = SEGFILTER_A_EXIT_NEXTHOP6_MAC,
	};
	static const int plen_attr[SEGF_EXIT_AFS] = {
		[SEGF_EXIT_V4] = SEGFILTER_A_EXIT_PLEN,
		[SEGF_EXIT_V6] = SEGFILTER_A_EXIT_PLEN6,
	};
	struct segf_addr addrs[SEGF_EXIT_AFS], nhs[SEGF_EXIT_AFS];
	unsigned int af, n = 0;
	u8 mac[ETH_ALEN];

	for (af = 0; af < SEGF_EXIT_AFS; af++) {
		const struct segf_exit_link *link = &port->exit[af];

		if (!link->on)
			continue;
		addrs[n] = link->addr;
		nhs[n++] = link->nexthop;
		if (nla_put_u8(skb, plen_attr[af], link->plen))
			return -EMSGSIZE;
		if (segf_exit_nh_mac(link, mac) &&
		    nla_put(skb, mac_attr[af], ETH_ALEN, mac))
			return -EMSGSIZE;
	}
	if (segf_put_addr_list(skb, SEGFILTER_A_EXIT_ADDRS, addrs, n,
			       sizeof(addrs[0])) ||
	    segf_put_addr_list(skb, SEGFILTER_A_EXIT_NEXTHOPS, nhs, n,
			       sizeof(nhs[0])))
		return -EMSGSIZE;
	return 0;
}

static int segf_fill_port(struct sk_buff *skb, void *obj,
			  const struct segf_msg *m)
{
	struct segf_port *port = obj;
	void *hdr = segf_msg_start(skb, m);
	char name[IFNAMSIZ];
	bool full;

	if (!hdr)
		return -EMSGSIZE;
	segf_port_name(port, name);
	full = nla_put_u32(skb, SEGFILTER_A_IFINDEX, port->ifindex) ||
	       nla_put_string(skb, SEGFILTER_A_IFNAME, name) ||
	       (port->domain &&
		(nla_put_u32(skb, SEGFILTER_A_DOMAIN_ID, port->domain->id) ||
		 nla_put_string(skb, SEGFILTER_A_DOMAIN_NAME,
				port->domain->name))) ||
	       nla_put_u8(skb, SEGFILTER_A_PORT_ROLE, port->role) ||
	       nla_put_u32(skb, SEGFILTER_A_N_ENDPOINTS, port->n_endpoints) ||
	       segf_put_stats(skb, port->stats) ||
	       nla_put_u32(skb, SEGFILTER_A_PATH_MTU,
			   segf_port_path_mtu(port)) ||
	       (segf_port_is_uplink(port) &&
		nla_put_u32(skb, SEGFILTER_A_MTU_SHORT,
			    segf_uplink_short(port))) ||
	       (segf_port_is_exit(port) && segf_fill_exit(skb, port));
	return segf_msg_end(skb, hdr, full);
}

/* ---- ports ---- */

static bool segf_role_is_uplink(struct nlattr **attrs)
{
	return attrs[SEGFILTER_A_PORT_ROLE] &&
	       nla_get_u8(attrs[SEGFILTER_A_PORT_ROLE]) ==
	       SEGFILTER_PORT_ROLE_UPLINK;
}

static u8 segf_role_of(struct nlattr **attrs)
{
	return attrs[SEGFILTER_A_PORT_ROLE] ?
	       nla_get_u8(attrs[SEGFILTER_A_PORT_ROLE]) :
	       SEGFILTER_PORT_ROLE_ENDPOINT;
}

/* Whether @nh is inside @addr/@plen, the exit's own prefix. */
static bool segf_exit_onlink(const struct segf_addr *addr, u8 plen,
			     const struct segf_addr *nh)
{
	if (addr->family == AF_INET)
		return !((addr->v4 ^ nh->v4) & inet_make_mask(plen));
	return ipv6_prefix_equal(&addr->v6, &nh->v6, plen);
}

/*
 * Read an exit's addresses and next hops from @attrs into @links (both
 * families): at most one address of each family, each with a next hop
 * of its family on its link, and no next hop without an address.
 */
static int segf_exit_parse(struct nlattr **attrs,
			   struct segf_exit_link *links,
			   struct netlink_ext_ack *extack)
{
	static const int plen_attr[SEGF_EXIT_AFS] = {
		[SEGF_EXIT_V4] = SEGFILTER_A_EXIT_PLEN,
		[SEGF_EXIT_V6] = SEGFILTER_A_EXIT_PLEN6,
	};
	struct segf_addr addrs[2 * SEGFILTER_EP_MAX_ADDRS];
	struct segf_addr nhs[2 * SEGFILTER_EP_MAX_ADDRS];
	unsigned int i, n_addrs, n_nhs, af;
	int err;

	memset(links, 0, SEGF_EXIT_AFS * sizeof(*links));
	if (segf_missing(attrs, extack, SEGFILTER_A_EXIT_ADDRS,
			 "exit addresses (ip A/LEN or ip6 A/LEN)") ||
	    segf_missing(attrs, extack, SEGFILTER_A_EXIT_NEXTHOPS,
			 "next hops (nexthop N or nexthop6 N)"))
		return -EINVAL;
	err = segf_parse_addrs(attrs[SEGFILTER_A_EXIT_ADDRS], addrs, &n_addrs,
			       extack) ?:
	      segf_parse_addrs(attrs[SEGFILTER_A_EXIT_NEXTHOPS], nhs, &n_nhs,
			       extack);
	if (err)
		return err;
	for (i = 0; i < n_addrs; i++) {
		af = addrs[i].family == AF_INET ? SEGF_EXIT_V4 : SEGF_EXIT_V6;
		if (links[af].on || !segf_addr_unicast(&addrs[i])) {
			NL_SET_ERR_MSG_ATTR(extack,
					    attrs[SEGFILTER_A_EXIT_ADDRS],
					    "an exit has one unicast address of each family");
			return -EINVAL;
		}
		links[af].on = true;
		links[af].addr = addrs[i];
		links[af].plen = af == SEGF_EXIT_V4 ? 32 : 128;
		if (attrs[plen_attr[af]])
			links[af].plen = nla_get_u8(attrs[plen_attr[af]]);
	}
	for (i = 0; i < n_nhs; i++) {
		af = nhs[i].family == AF_INET ? SEGF_EXIT_V4 : SEGF_EXIT_V6;
		if (!links[af].on || links[af].nexthop.family ||
		    !segf_addr_unicast(&nhs[i])) {
			NL_SET_ERR_MSG_ATTR(extack,
					    attrs[SEGFILTER_A_EXIT_NEXTHOPS],
					    "an exit has one unicast next hop for each family of its addresses, and none for another");
			return -EINVAL;
		}
		if (segf_addr_equal(&nhs[i], &links[af].addr) ||
		    !segf_exit_onlink(&links[af].addr, links[af].plen,
				      &nhs[i])) {
			NL_SET_ERR_MSG_ATTR(extack,
					    attrs[SEGFILTER_A_EXIT_NEXTHOPS],
					    "an exit's next hop must be another address inside its own prefix");
			return -EINVAL;
		}
		links[af].nexthop = nhs[i];
	}
	for (af = 0; af < SEGF_EXIT_AFS; af++) {
		if (links[af].on && !links[af].nexthop.family) {
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "the exit's IPv%d address needs an IPv%d next hop",
					       af == SEGF_EXIT_V4 ? 4 : 6,
					       af == SEGF_EXIT_V4 ? 4 : 6);
			return -EINVAL;
		}
	}
	return 0;
}

static int segf_port_new_check(struct nlattr **attrs,
			       struct netlink_ext_ack *extack)
{
	static const int exit_attrs[] = {
		SEGFILTER_A_EXIT_ADDRS, SEGFILTER_A_EXIT_PLEN,
		SEGFILTER_A_EXIT_PLEN6, SEGFILTER_A_EXIT_NEXTHOPS,
	};
	struct segf_exit_link links[SEGF_EXIT_AFS];
	unsigned int i;

	if (segf_missing(attrs, extack, SEGFILTER_A_IFINDEX, "ifindex"))
		return -EINVAL;
	if (segf_role_of(attrs) == SEGFILTER_PORT_ROLE_EXIT) {
		int err = segf_exit_parse(attrs, links, extack);

		if (err)
			return err;
	} else {
		for (i = 0; i < ARRAY_SIZE(exit_attrs); i++) {
			if (!attrs[exit_attrs[i]])
				continue;
			NL_SET_ERR_MSG_ATTR(extack, attrs[exit_attrs[i]],
					    "only an exit takes addresses and next hops");
			return -EINVAL;
		}
	}
	if (!segf_role_is_uplink(attrs))
		return segf_missing_domain(attrs, extack) ? -EINVAL : 0;
	if (attrs[SEGFILTER_A_DOMAIN_ID] || attrs[SEGFILTER_A_DOMAIN_NAME]) {
		NL_SET_BAD_ATTR(extack, attrs[SEGFILTER_A_DOMAIN_ID] ?:
					attrs[SEGFILTER_A_DOMAIN_NAME]);
		NL_SET_ERR_MSG_MOD(extack,
				   "an uplink serves every domain: attach it without one");
		return -EINVAL;
	}
	return 0;
}

/* Attaching a port sets the device's rx_handler: it takes RTNL for that. */
static int segf_port_new_apply(struct segf_commit *c, struct nlattr **attrs,
			       void **obj)
{
	u32 ifindex = nla_get_u32(attrs[SEGFILTER_A_IFINDEX]);
	struct segf_exit_link links[SEGF_EXIT_AFS];
	u8 role = segf_role_of(attrs);
	struct segf_domain *dom;
	struct segf_port *port;
	int err;

	if (role == SEGFILTER_PORT_ROLE_EXIT) {
		err = segf_exit_parse(attrs, links, c->extack);
		if (err)
			return err;
	}
	if (role == SEGFILTER_PORT_ROLE_UPLINK) {
		dom = NULL;
	} else {
		dom = segf_domain_lookup(c->sn, attrs, true, c->extack);
		if (IS_ERR(dom))
			return PTR_ERR(dom);
	}
	if (dom)
		segf_commit_touch(c, dom);
	err = segf_port_attach(c->sn, ifindex, dom, role,
			       dom ? dom->next_gen : 0,
			       role == SEGFILTER_PORT_ROLE_EXIT ? links : NULL,
			       c->check, &port, c->extack);
	if (err) {
		if (err == -ENODEV)
			NL_SET_BAD_ATTR(c->extack, attrs[SEGFILTER_A_IFINDEX]);
		return err;
	}
	err = segf_commit_record(c, SEGF_UNDO_PORT_NEW, port);
	if (err) {
		segf_port_detach(port);
		return err;
	}
	/* It works, but some domain's frames may not fit: say so. */
	if (role == SEGFILTER_PORT_ROLE_UPLINK)
		segf_uplink_warn(port, c->extack);
	*obj = port;
	return 0;
}

int segf_port_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_net *sn = segf_pernet(genl_info_net(info));
	struct segf_port *port;
	int err = 0;

	segf_lock(sn);
	port = segf_port_lookup(sn, info->attrs, info->extack);
	if (IS_ERR(port))
		err = PTR_ERR(port);
	else
		segf_port_detach(port);
	mutex_unlock(&sn->lock);
	return err;
}

/* The policy takes a domain for dumps, which it filters, not for a get. */
static void *segf_port_get_lookup(struct segf_net *sn, struct nlattr **attrs,
				  struct netlink_ext_ack *extack)
{
	struct nlattr *dom_attr = attrs[SEGFILTER_A_DOMAIN_ID] ?:
				  attrs[SEGFILTER_A_DOMAIN_NAME];

	if (dom_attr) {
		NL_SET_ERR_MSG_ATTR(extack, dom_attr,
				    "a port is named by its ifindex alone");
		return ERR_PTR(-EINVAL);
	}
	return segf_port_lookup(sn, attrs, extack);
}

static struct segf_domain *segf_port_owner(void *obj)
{
	return ((struct segf_port *)obj)->domain;
}

/*
 * Attaching a port sets the device's rx_handler: segf_port_attach() takes
 * RTNL for that alone, inside segf_net::lock.
 */
const struct segf_nl_cmd segf_port_new_cmd = {
	.flags = SEGF_NL_STAGE,
	.check = segf_port_new_check,
	.apply = segf_port_new_apply,
	.fill = segf_fill_port,
};

/* Outside the commit path: see "Commits and transactions" in design.rst. */
const struct segf_nl_cmd segf_port_del_cmd = {
	.doit = segf_port_del_doit,
};

static const struct segf_nl_dump segf_port_dump = {
	.net_table = offsetof(struct segf_net, ports),
	.owner = segf_port_owner,
};

const struct segf_nl_cmd segf_port_get_cmd = {
	.lookup = segf_port_get_lookup,
	.fill = segf_fill_port,
	.dump = &segf_port_dump,
};
