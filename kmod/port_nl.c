// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: PORT_* commands.
 */

#include <linux/etherdevice.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "compat.h"
#include "domain.h"
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
			    segf_uplink_short(port)));
	return segf_msg_end(skb, hdr, full);
}

/* ---- ports ---- */

static bool segf_role_is_uplink(struct nlattr **attrs)
{
	return attrs[SEGFILTER_A_PORT_ROLE] &&
	       nla_get_u8(attrs[SEGFILTER_A_PORT_ROLE]) ==
	       SEGFILTER_PORT_ROLE_UPLINK;
}

static int segf_port_new_check(struct nlattr **attrs,
			       struct netlink_ext_ack *extack)
{
	if (segf_missing(attrs, extack, SEGFILTER_A_IFINDEX, "ifindex"))
		return -EINVAL;
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
	u8 role = SEGFILTER_PORT_ROLE_ENDPOINT;
	struct segf_domain *dom;
	struct segf_port *port;
	int err;

	if (attrs[SEGFILTER_A_PORT_ROLE])
		role = nla_get_u8(attrs[SEGFILTER_A_PORT_ROLE]);
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
			       dom ? dom->next_gen : 0, &port, c->extack);
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
