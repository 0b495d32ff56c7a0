// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: ENDPOINT_* commands.
 */

#include <linux/etherdevice.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "compat.h"
#include "domain.h"
#include "endpoint.h"
#include "nl.h"
#include "policy.h"
#include "port.h"
#include "prefix.h"
#include "segfilter.h"
#include "txn.h"

static int segf_fill_endpoint(struct sk_buff *skb, void *obj,
			      const struct segf_msg *m)
{
	struct segf_endpoint *ep = obj;
	struct segf_remote *remote = rcu_dereference_protected(ep->remote,
				lockdep_is_held(&ep->domain->sn->lock));
	void *hdr = segf_msg_start(skb, m);
	char name[IFNAMSIZ];
	bool full;

	if (!hdr)
		return -EMSGSIZE;
	segf_port_name(ep->port, name);
	full = nla_put_u32(skb, SEGFILTER_A_DOMAIN_ID, ep->domain->id) ||
	       nla_put_string(skb, SEGFILTER_A_DOMAIN_NAME, ep->domain->name) ||
	       nla_put(skb, SEGFILTER_A_MAC, ETH_ALEN, ep->mac) ||
	       nla_put_u16(skb, SEGFILTER_A_GROUP_ID, ep->group->id) ||
	       nla_put_string(skb, SEGFILTER_A_GROUP_NAME, ep->group->name) ||
	       nla_put_u32(skb, SEGFILTER_A_IFINDEX, ep->port->ifindex) ||
	       nla_put_string(skb, SEGFILTER_A_IFNAME, name) ||
	       segf_put_addr_list(skb, SEGFILTER_A_ADDRS, &ep->addrs[0].key,
				  ep->n_addrs, sizeof(ep->addrs[0])) ||
	       (remote && segf_put_addr(skb, SEGFILTER_A_REMOTE, &remote->addr)) ||
	       (ep->flags &&
		nla_put_u32(skb, SEGFILTER_A_ENDPOINT_FLAGS, ep->flags));
	return segf_msg_end(skb, hdr, full);
}

/* ---- endpoints ---- */

/* REMOTE, if given: exactly one address, counted before it is read. */
static int segf_parse_remote(struct nlattr *nest, struct segf_addr *remote,
			     struct netlink_ext_ack *extack)
{
	unsigned int n = 0;
	struct nlattr *a;
	int rem;

	if (!nest)
		return 0;
	nla_for_each_nested(a, nest, rem)
		n++;
	if (n != 1) {
		NL_SET_BAD_ATTR(extack, nest);
		NL_SET_ERR_MSG_MOD(extack,
				   "the remote host is one address, IPv4 or IPv6");
		return -EINVAL;
	}
	return segf_parse_addrs(nest, remote, &n, extack);
}

static int segf_endpoint_new_check(struct nlattr **attrs,
				   struct netlink_ext_ack *extack)
{
	struct segf_addr addrs[SEGF_EP_ADDRS];
	unsigned int n;

	if (segf_missing_domain(attrs, extack) ||
	    segf_missing(attrs, extack, SEGFILTER_A_MAC, "MAC address") ||
	    segf_missing_group(attrs, extack) ||
	    segf_missing(attrs, extack, SEGFILTER_A_IFINDEX, "port (ifindex)"))
		return -EINVAL;
	/* The clients' broadcasts would never reach it: see dhcp.c. */
	if (attrs[SEGFILTER_A_REMOTE] && attrs[SEGFILTER_A_ENDPOINT_FLAGS] &&
	    (nla_get_u32(attrs[SEGFILTER_A_ENDPOINT_FLAGS]) &
	     SEGFILTER_ENDPOINT_F_DHCP_SERVER)) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[SEGFILTER_A_ENDPOINT_FLAGS],
				    "a remote endpoint cannot be the DHCP server: broadcasts do not cross the overlay");
		return -EINVAL;
	}
	return segf_parse_addrs(attrs[SEGFILTER_A_ADDRS], addrs, &n, extack) ?:
	       segf_parse_remote(attrs[SEGFILTER_A_REMOTE], addrs, extack);
}

/*
 * A domain has at most one DHCP server: the endpoint flagged dhcp-server
 * that its next configuration names, if it is still there.  Naming @ep
 * there stages the domain.
 */
static int segf_endpoint_dhcp_server(struct segf_commit *c,
				     struct segf_domain *dom,
				     struct segf_endpoint *ep)
{
	const struct segf_domain_cfg *cfg = segf_domain_next_cfg(dom);
	struct segf_endpoint *old;

	old = segf_endpoint_live_mac(dom, cfg->dhcp_server);
	if (old && old != ep &&
	    (old->flags & SEGFILTER_ENDPOINT_F_DHCP_SERVER)) {
		NL_SET_ERR_MSG_FMT_MOD(c->extack,
				       "endpoint %pM is the domain's DHCP server already",
				       old->mac);
		return -EEXIST;
	}
	segf_commit_touch(c, dom);
	ether_addr_copy(dom->next_cfg.dhcp_server, ep->mac);
	return 0;
}

static int segf_endpoint_new_apply(struct segf_commit *c,
				   struct nlattr **attrs, void **obj)
{
	struct segf_addr addrs[SEGF_EP_ADDRS], remote;
	struct nlattr *remote_attr = attrs[SEGFILTER_A_REMOTE];
	struct segf_endpoint *ep;
	struct segf_domain *dom;
	struct segf_group *grp;
	struct segf_port *port;
	unsigned int n_addrs;
	int err;

	err = segf_parse_addrs(attrs[SEGFILTER_A_ADDRS], addrs, &n_addrs,
			       c->extack) ?:
	      segf_parse_remote(remote_attr, &remote, c->extack);
	if (err)
		return err;
	dom = segf_domain_lookup(c->sn, attrs, true, c->extack);
	if (IS_ERR(dom))
		return PTR_ERR(dom);
	grp = segf_group_lookup(dom, attrs, c->extack);
	if (IS_ERR(grp))
		return PTR_ERR(grp);
	port = segf_port_lookup(c->sn, attrs, c->extack);
	if (IS_ERR(port))
		return PTR_ERR(port);
	segf_commit_touch(c, dom);
	err = segf_endpoint_create(dom, nla_data(attrs[SEGFILTER_A_MAC]), grp,
				   port, remote_attr ? &remote : NULL, addrs,
				   n_addrs, dom->next_gen, &ep, c->extack);
	if (err)
		return err;
	if (attrs[SEGFILTER_A_ENDPOINT_FLAGS])
		ep->flags = nla_get_u32(attrs[SEGFILTER_A_ENDPOINT_FLAGS]);
	err = (ep->flags & SEGFILTER_ENDPOINT_F_DHCP_SERVER) ?
	      segf_endpoint_dhcp_server(c, dom, ep) : 0;
	if (!err)
		err = segf_commit_record(c, SEGF_UNDO_ENDPOINT_NEW, ep);
	if (err) {
		segf_endpoint_destroy(ep);
		return err;
	}
	*obj = ep;
	return 0;
}

/* The endpoint a request names by domain and MAC, not deleted already. */
static void *segf_endpoint_lookup(struct segf_net *sn, struct nlattr **attrs,
				  struct netlink_ext_ack *extack)
{
	struct nlattr *mac = attrs[SEGFILTER_A_MAC];
	struct segf_endpoint *ep;
	struct segf_domain *dom;

	dom = segf_domain_lookup(sn, attrs, true, extack);
	if (IS_ERR(dom))
		return ERR_CAST(dom);
	if (segf_missing(attrs, extack, SEGFILTER_A_MAC, "MAC address"))
		return ERR_PTR(-EINVAL);
	ep = segf_endpoint_live_mac(dom, nla_data(mac));
	if (ep)
		return ep;
	NL_SET_BAD_ATTR(extack, mac);
	NL_SET_ERR_MSG_FMT_MOD(extack,
			       "endpoint %pM does not exist in domain \"%s\"",
			       nla_data(mac), dom->name);
	return ERR_PTR(-ENOENT);
}

static int segf_endpoint_del_check(struct nlattr **attrs,
				   struct netlink_ext_ack *extack)
{
	return segf_missing_domain(attrs, extack) ||
	       segf_missing(attrs, extack, SEGFILTER_A_MAC, "MAC address") ?
	       -EINVAL : 0;
}

/*
 * The prefixes an endpoint owns go with it, each recorded as deleted: a
 * change in place (delete and add in one commit) gives them to the new
 * endpoint again, which the data path tells from the old by its birth.
 */
static int segf_endpoint_del_prefixes(struct segf_commit *c,
				      struct segf_endpoint *ep)
{
	struct segf_prefix *pfx;
	int err;

	list_for_each_entry(pfx, &ep->owned, owner_node) {
		if (pfx->dying)
			continue;
		err = segf_commit_record(c, SEGF_UNDO_PREFIX_DEL, pfx);
		if (err)
			return err;
		segf_commit_touch(c, ep->domain);
		segf_prefix_retire(pfx);
	}
	return 0;
}

static int segf_endpoint_del_apply(struct segf_commit *c,
				   struct nlattr **attrs, void **obj)
{
	struct segf_endpoint *ep;
	int err;

	ep = segf_endpoint_lookup(c->sn, attrs, c->extack);
	if (IS_ERR(ep))
		return PTR_ERR(ep);
	/* On error, the commit's rollback revives what went already. */
	err = segf_endpoint_del_prefixes(c, ep);
	if (err)
		return err;
	err = segf_commit_record(c, SEGF_UNDO_ENDPOINT_DEL, ep);
	if (err)
		return err;
	segf_commit_touch(c, ep->domain);
	segf_endpoint_retire(ep, ep->domain->next_gen);
	return 0;
}

static int segf_endpoint_set_check(struct nlattr **attrs,
				   struct netlink_ext_ack *extack)
{
	struct segf_addr remote;

	if (segf_missing_domain(attrs, extack) ||
	    segf_missing(attrs, extack, SEGFILTER_A_MAC, "MAC address") ||
	    segf_missing(attrs, extack, SEGFILTER_A_IFINDEX, "port (ifindex)"))
		return -EINVAL;
	return segf_parse_remote(attrs[SEGFILTER_A_REMOTE], &remote, extack);
}

/* Move an endpoint: a new port, and a new host if that is an uplink. */
static int segf_endpoint_set_apply(struct segf_commit *c,
				   struct nlattr **attrs, void **obj)
{
	struct nlattr *remote_attr = attrs[SEGFILTER_A_REMOTE];
	struct segf_addr remote;
	struct segf_endpoint *ep;
	struct segf_ep_move *mv;
	struct segf_port *port;
	int err;

	err = segf_parse_remote(remote_attr, &remote, c->extack);
	if (err)
		return err;
	ep = segf_endpoint_lookup(c->sn, attrs, c->extack);
	if (IS_ERR(ep))
		return PTR_ERR(ep);
	port = segf_port_lookup(c->sn, attrs, c->extack);
	if (IS_ERR(port))
		return PTR_ERR(port);
	if ((ep->flags & SEGFILTER_ENDPOINT_F_DHCP_SERVER) &&
	    segf_port_is_uplink(port)) {
		NL_SET_BAD_ATTR(c->extack, attrs[SEGFILTER_A_IFINDEX]);
		NL_SET_ERR_MSG_MOD(c->extack,
				   "the DHCP server cannot move to another host: broadcasts do not cross the overlay");
		return -EINVAL;
	}
	/*
	 * To or from another host: the hosts a flood is copied to change,
	 * which a new generation of the domain publishes (bum.c).
	 */
	if (segf_port_is_uplink(ep->port) || segf_port_is_uplink(port))
		segf_commit_touch(c, ep->domain);
	/*
	 * A check moves nothing: no generation gates a location, so the
	 * data path would follow at once, to a dry port that sends
	 * nothing.  It only checks that the endpoint may go there.
	 */
	if (c->check) {
		err = segf_endpoint_check_location(ep->domain, port,
						   remote_attr ? &remote : NULL,
						   c->extack);
		if (err)
			NL_SET_BAD_ATTR(c->extack, remote_attr ?:
					attrs[SEGFILTER_A_IFINDEX]);
		return err;
	}
	mv = kzalloc(sizeof(*mv), GFP_KERNEL_ACCOUNT);
	if (!mv)
		return -ENOMEM;
	mv->ep = ep;
	mv->port = ep->port;
	err = segf_endpoint_move(ep, port, remote_attr ? &remote : NULL,
				 &mv->remote, c->extack);
	if (err) {
		NL_SET_BAD_ATTR(c->extack, remote_attr ?:
				attrs[SEGFILTER_A_IFINDEX]);
		kfree(mv);
		return err;
	}
	err = segf_commit_record(c, SEGF_UNDO_ENDPOINT_MOVE, mv);
	if (err) {
		segf_endpoint_unmove(ep, mv->port, mv->remote);
		kfree(mv);
		return err;
	}
	return 0;
}

const struct segf_nl_cmd segf_endpoint_new_cmd = {
	.flags = SEGF_NL_STAGE,
	.check = segf_endpoint_new_check,
	.apply = segf_endpoint_new_apply,
	.fill = segf_fill_endpoint,
};

const struct segf_nl_cmd segf_endpoint_del_cmd = {
	.flags = SEGF_NL_STAGE,
	.check = segf_endpoint_del_check,
	.apply = segf_endpoint_del_apply,
};

const struct segf_nl_cmd segf_endpoint_set_cmd = {
	.flags = SEGF_NL_STAGE,
	.check = segf_endpoint_set_check,
	.apply = segf_endpoint_set_apply,
};

static const struct segf_nl_dump segf_endpoint_dump = {
	.net_table = offsetof(struct segf_net, domains),
	.dom_table = offsetof(struct segf_domain, endpoints),
	.in_domains = true,
};

const struct segf_nl_cmd segf_endpoint_get_cmd = {
	.lookup = segf_endpoint_lookup,
	.fill = segf_fill_endpoint,
	.dump = &segf_endpoint_dump,
};
