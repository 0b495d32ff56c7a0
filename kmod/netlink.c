// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: the "segfilter" generic netlink family.
 *
 * Every operation has its own strict policy: an attribute the command
 * does not take is refused, not ignored.  Every refusal carries an
 * extack message.  Reply buffers are allocated before segf_net::lock is
 * taken; a state-changing command validates everything it can before it
 * changes anything, so a failed command leaves the state as it was.
 * Dumps set cb->seq to the namespace's generation so that a dump that
 * raced with a change is flagged NLM_F_DUMP_INTR.
 */

#include <linux/etherdevice.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "compat.h"
#include "segfilter.h"

static struct genl_family segf_family;

static const struct nla_policy segf_addr_policy[SEGFILTER_A_ADDR_MAX + 1] = {
	[SEGFILTER_A_ADDR_IPV4] = { .type = NLA_BE32 },
	[SEGFILTER_A_ADDR_IPV6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
};

#define SEGF_POLICY_NAME	{ .type = NLA_NUL_STRING,		\
				  .len = SEGFILTER_NAME_SIZE - 1 }
#define SEGF_POLICY_DOMAIN						\
	[SEGFILTER_A_DOMAIN_ID] = NLA_POLICY_MIN(NLA_U32, 1),		\
	[SEGFILTER_A_DOMAIN_NAME] = SEGF_POLICY_NAME
#define SEGF_POLICY_GROUP						\
	[SEGFILTER_A_GROUP_ID] = NLA_POLICY_MIN(NLA_U16, 1),		\
	[SEGFILTER_A_GROUP_NAME] = SEGF_POLICY_NAME
#define SEGF_POLICY_ACTION						\
	[SEGFILTER_A_DEFAULT_ACTION] = NLA_POLICY_RANGE(NLA_U8,		\
						SEGFILTER_ACTION_ALLOW,	\
						SEGFILTER_ACTION_MAX)
#define SEGF_POLICY_IFINDEX						\
	[SEGFILTER_A_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1)

static const struct nla_policy segf_domain_new_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	SEGF_POLICY_ACTION,
};

static const struct nla_policy segf_domain_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
};

static const struct nla_policy segf_group_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	SEGF_POLICY_GROUP,
};

static const struct nla_policy segf_port_new_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	SEGF_POLICY_IFINDEX,
	[SEGFILTER_A_PORT_ROLE] = NLA_POLICY_RANGE(NLA_U8,
						   SEGFILTER_PORT_ROLE_ENDPOINT,
						   SEGFILTER_PORT_ROLE_MAX),
};

static const struct nla_policy segf_port_del_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_IFINDEX,
};

static const struct nla_policy segf_port_get_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	SEGF_POLICY_IFINDEX,
};

static const struct nla_policy segf_endpoint_new_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	SEGF_POLICY_GROUP,
	SEGF_POLICY_IFINDEX,
	[SEGFILTER_A_MAC] = NLA_POLICY_ETH_ADDR,
	[SEGFILTER_A_ADDRS] = NLA_POLICY_NESTED(segf_addr_policy),
};

static const struct nla_policy segf_endpoint_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	[SEGFILTER_A_MAC] = NLA_POLICY_ETH_ADDR,
};

static struct segf_net *segf_info_net(struct genl_info *info)
{
	return segf_pernet(genl_info_net(info));
}

/* Refuse a request that lacks @attr, saying which one (@what) it is. */
static bool segf_missing(struct genl_info *info, int attr, const char *what)
{
	if (info->attrs[attr])
		return false;
	GENL_REQ_ATTR_CHECK(info, attr);
	NL_SET_ERR_MSG_FMT_MOD(info->extack, "missing %s", what);
	return true;
}

/*
 * The domain a request names, by id or by name.  With @attrs from a
 * dump request, @required false lets a dump go unfiltered: then NULL
 * means "all domains".
 */
static struct segf_domain *segf_domain_get(struct segf_net *sn,
					   struct nlattr **attrs,
					   bool required,
					   struct netlink_ext_ack *extack)
{
	struct nlattr *id = attrs[SEGFILTER_A_DOMAIN_ID];
	struct nlattr *name = attrs[SEGFILTER_A_DOMAIN_NAME];
	struct segf_domain *dom;

	segf_assert_locked(sn);
	if (id && name) {
		NL_SET_ERR_MSG_ATTR(extack, name,
				    "name the domain by id or by name, not both");
		return ERR_PTR(-EINVAL);
	}
	if (!id && !name) {
		if (!required)
			return NULL;
		NL_SET_ERR_ATTR_MISS(extack, NULL, SEGFILTER_A_DOMAIN_ID);
		NL_SET_ERR_MSG_MOD(extack, "missing domain (id or name)");
		return ERR_PTR(-EINVAL);
	}

	if (id) {
		dom = segf_domain_find(sn, nla_get_u32(id), NULL);
		if (!dom) {
			NL_SET_BAD_ATTR(extack, id);
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "domain id %u does not exist",
					       nla_get_u32(id));
			return ERR_PTR(-ENOENT);
		}
	} else {
		dom = segf_domain_find(sn, 0, nla_data(name));
		if (!dom) {
			NL_SET_BAD_ATTR(extack, name);
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "domain \"%s\" does not exist",
					       (char *)nla_data(name));
			return ERR_PTR(-ENOENT);
		}
	}
	return dom;
}

static struct segf_group *segf_group_get(struct segf_domain *dom,
					 struct genl_info *info)
{
	struct nlattr *id = info->attrs[SEGFILTER_A_GROUP_ID];
	struct nlattr *name = info->attrs[SEGFILTER_A_GROUP_NAME];
	struct netlink_ext_ack *extack = info->extack;
	struct segf_group *grp;

	if (id && name) {
		NL_SET_ERR_MSG_ATTR(extack, name,
				    "name the group by id or by name, not both");
		return ERR_PTR(-EINVAL);
	}
	if (!id && !name) {
		NL_SET_ERR_ATTR_MISS(extack, NULL, SEGFILTER_A_GROUP_ID);
		NL_SET_ERR_MSG_MOD(extack, "missing group (id or name)");
		return ERR_PTR(-EINVAL);
	}
	grp = segf_group_find(dom, id ? nla_get_u16(id) : 0,
			      name ? nla_data(name) : NULL);
	if (grp)
		return grp;
	NL_SET_BAD_ATTR(extack, id ? id : name);
	if (id)
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "group id %u does not exist in domain \"%s\"",
				       nla_get_u16(id), dom->name);
	else
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "group \"%s\" does not exist in domain \"%s\"",
				       (char *)nla_data(name), dom->name);
	return ERR_PTR(-ENOENT);
}

static int segf_check_name(struct genl_info *info, int attr)
{
	struct nlattr *name = info->attrs[attr];

	if (segf_name_valid(nla_data(name)))
		return 0;
	NL_SET_ERR_MSG_ATTR(info->extack, name,
			    "a name starts with a letter and holds only letters, digits, '-', '_' and '.'");
	return -EINVAL;
}

/* Where a message goes: the reply to a request, or one of a dump's. */
struct segf_msg {
	u32 portid;
	u32 seq;
	int flags;
	u8 cmd;
	struct netlink_callback *cb;	/* only in a dump */
};

static struct segf_msg segf_msg_reply(const struct genl_info *info, u8 cmd)
{
	return (struct segf_msg){
		.portid = info->snd_portid,
		.seq = info->snd_seq,
		.cmd = cmd,
	};
}

static struct segf_msg segf_msg_dump(struct netlink_callback *cb, u8 cmd)
{
	return (struct segf_msg){
		.portid = NETLINK_CB(cb->skb).portid,
		.seq = cb->nlh->nlmsg_seq,
		.flags = NLM_F_MULTI,
		.cmd = cmd,
		.cb = cb,
	};
}

/* Start a message; in a dump, flag it if the state changed meanwhile. */
static void *segf_msg_start(struct sk_buff *skb, const struct segf_msg *m)
{
	void *hdr;

	hdr = genlmsg_put(skb, m->portid, m->seq, &segf_family, m->flags,
			  m->cmd);
	if (hdr && m->cb)
		genl_dump_check_consistent(m->cb, hdr);
	return hdr;
}

/* End a message, or take it back whole when an attribute did not fit. */
static int segf_msg_end(struct sk_buff *skb, void *hdr, bool full)
{
	if (full) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int segf_put_stats(struct sk_buff *skb,
			  struct segf_pcpu_stats __percpu *pcpu)
{
	static const struct {
		int attr;
		size_t offset;
	} fields[] = {
		{ SEGFILTER_STATS_RX_PACKETS, offsetof(struct segf_stats, rx_packets) },
		{ SEGFILTER_STATS_RX_BYTES, offsetof(struct segf_stats, rx_bytes) },
		{ SEGFILTER_STATS_TX_PACKETS, offsetof(struct segf_stats, tx_packets) },
		{ SEGFILTER_STATS_TX_BYTES, offsetof(struct segf_stats, tx_bytes) },
		{ SEGFILTER_STATS_FORWARDED, offsetof(struct segf_stats, forwarded) },
		{ SEGFILTER_STATS_FLOODED, offsetof(struct segf_stats, flooded) },
		{ SEGFILTER_STATS_ARP_REPLIES, offsetof(struct segf_stats, arp_replies) },
		{ SEGFILTER_STATS_ND_REPLIES, offsetof(struct segf_stats, nd_replies) },
		{ SEGFILTER_STATS_DROPPED, offsetof(struct segf_stats, dropped) },
	};
	struct nlattr *nest, *drops;
	struct segf_stats st;
	unsigned int i;

	segf_stats_read(pcpu, &st);
	nest = nla_nest_start(skb, SEGFILTER_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		u64 v = *(u64 *)((u8 *)&st + fields[i].offset);

		if (nla_put_u64_64bit(skb, fields[i].attr, v,
				      SEGFILTER_STATS_PAD))
			goto cancel;
	}
	drops = nla_nest_start(skb, SEGFILTER_STATS_DROPS);
	if (!drops)
		goto cancel;
	for (i = SEGFILTER_DROP_UNSPEC + 1; i <= SEGFILTER_DROP_MAX; i++)
		if (nla_put_u64_64bit(skb, i, st.drops[i],
				      SEGFILTER_DROP_UNSPEC))
			goto cancel;
	nla_nest_end(skb, drops);
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int segf_fill_domain(struct sk_buff *skb, struct segf_domain *dom,
			    const struct segf_msg *m)
{
	void *hdr = segf_msg_start(skb, m);
	bool full;

	if (!hdr)
		return -EMSGSIZE;
	full = nla_put_u32(skb, SEGFILTER_A_DOMAIN_ID, dom->id) ||
	       nla_put_string(skb, SEGFILTER_A_DOMAIN_NAME, dom->name) ||
	       nla_put_u8(skb, SEGFILTER_A_DEFAULT_ACTION, dom->default_action) ||
	       nla_put_u32(skb, SEGFILTER_A_N_PORTS, dom->n_ports) ||
	       nla_put_u32(skb, SEGFILTER_A_N_GROUPS, dom->n_groups) ||
	       nla_put_u32(skb, SEGFILTER_A_N_ENDPOINTS, dom->n_endpoints) ||
	       segf_put_stats(skb, dom->stats);
	return segf_msg_end(skb, hdr, full);
}

static int segf_fill_group(struct sk_buff *skb, struct segf_group *grp,
			   const struct segf_msg *m)
{
	void *hdr = segf_msg_start(skb, m);
	bool full;

	if (!hdr)
		return -EMSGSIZE;
	full = nla_put_u32(skb, SEGFILTER_A_DOMAIN_ID, grp->domain->id) ||
	       nla_put_string(skb, SEGFILTER_A_DOMAIN_NAME, grp->domain->name) ||
	       nla_put_u16(skb, SEGFILTER_A_GROUP_ID, grp->id) ||
	       nla_put_string(skb, SEGFILTER_A_GROUP_NAME, grp->name) ||
	       nla_put_u32(skb, SEGFILTER_A_N_ENDPOINTS, grp->n_endpoints);
	return segf_msg_end(skb, hdr, full);
}

static int segf_fill_port(struct sk_buff *skb, struct segf_port *port,
			  const struct segf_msg *m)
{
	void *hdr = segf_msg_start(skb, m);
	bool full;

	if (!hdr)
		return -EMSGSIZE;
	full = nla_put_u32(skb, SEGFILTER_A_IFINDEX, port->dev->ifindex) ||
	       nla_put_string(skb, SEGFILTER_A_IFNAME, port->dev->name) ||
	       nla_put_u32(skb, SEGFILTER_A_DOMAIN_ID, port->domain->id) ||
	       nla_put_string(skb, SEGFILTER_A_DOMAIN_NAME, port->domain->name) ||
	       nla_put_u8(skb, SEGFILTER_A_PORT_ROLE, port->role) ||
	       nla_put_u32(skb, SEGFILTER_A_N_ENDPOINTS, port->n_endpoints) ||
	       segf_put_stats(skb, port->stats);
	return segf_msg_end(skb, hdr, full);
}

static int segf_put_addrs(struct sk_buff *skb, const struct segf_endpoint *ep)
{
	struct nlattr *nest;
	unsigned int i;
	int err = 0;

	nest = nla_nest_start(skb, SEGFILTER_A_ADDRS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < ep->n_addrs && !err; i++) {
		const struct segf_addr *a = &ep->addrs[i].key;

		if (a->family == AF_INET)
			err = nla_put_in_addr(skb, SEGFILTER_A_ADDR_IPV4, a->v4);
		else
			err = nla_put_in6_addr(skb, SEGFILTER_A_ADDR_IPV6,
					       &a->v6);
	}
	if (err) {
		nla_nest_cancel(skb, nest);
		return err;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int segf_fill_endpoint(struct sk_buff *skb, struct segf_endpoint *ep,
			      const struct segf_msg *m)
{
	void *hdr = segf_msg_start(skb, m);
	bool full;

	if (!hdr)
		return -EMSGSIZE;
	full = nla_put_u32(skb, SEGFILTER_A_DOMAIN_ID, ep->domain->id) ||
	       nla_put_string(skb, SEGFILTER_A_DOMAIN_NAME, ep->domain->name) ||
	       nla_put(skb, SEGFILTER_A_MAC, ETH_ALEN, ep->mac) ||
	       nla_put_u16(skb, SEGFILTER_A_GROUP_ID, ep->group->id) ||
	       nla_put_string(skb, SEGFILTER_A_GROUP_NAME, ep->group->name) ||
	       nla_put_u32(skb, SEGFILTER_A_IFINDEX, ep->port->dev->ifindex) ||
	       nla_put_string(skb, SEGFILTER_A_IFNAME, ep->port->dev->name) ||
	       segf_put_addrs(skb, ep);
	return segf_msg_end(skb, hdr, full);
}

/*
 * Send @msg, filled with the object a command created or was asked
 * for, as the reply.  A fill failure cannot happen with a default-sized
 * message and would be a bug.
 */
static int segf_reply(struct sk_buff *msg, struct genl_info *info, int err)
{
	if (WARN_ON_ONCE(err == -EMSGSIZE) || err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* A full skb ends a dump pass; an object too big for an empty one fails. */
static int segf_dump_result(struct sk_buff *skb, int err)
{
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ? err : skb->len;
}

/* ---- domains ---- */

static int segf_domain_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_msg reply = segf_msg_reply(info, SEGFILTER_CMD_DOMAIN_NEW);
	struct segf_net *sn = segf_info_net(info);
	struct nlattr **attrs = info->attrs;
	struct segf_domain *dom;
	struct sk_buff *msg;
	u8 action = SEGFILTER_ACTION_ALLOW;
	int err;

	if (segf_missing(info, SEGFILTER_A_DOMAIN_ID, "domain id") ||
	    segf_missing(info, SEGFILTER_A_DOMAIN_NAME, "domain name"))
		return -EINVAL;
	err = segf_check_name(info, SEGFILTER_A_DOMAIN_NAME);
	if (err)
		return err;
	if (attrs[SEGFILTER_A_DEFAULT_ACTION])
		action = nla_get_u8(attrs[SEGFILTER_A_DEFAULT_ACTION]);

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&sn->lock);
	err = segf_domain_create(sn, nla_get_u32(attrs[SEGFILTER_A_DOMAIN_ID]),
				 nla_data(attrs[SEGFILTER_A_DOMAIN_NAME]),
				 action, &dom, info->extack);
	if (!err)
		err = segf_fill_domain(msg, dom, &reply);
	mutex_unlock(&sn->lock);
	return segf_reply(msg, info, err);
}

static int segf_domain_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_net *sn = segf_info_net(info);
	struct segf_domain *dom;
	int err = 0;

	if (segf_missing(info, SEGFILTER_A_DEFAULT_ACTION, "default action"))
		return -EINVAL;
	mutex_lock(&sn->lock);
	dom = segf_domain_get(sn, info->attrs, true, info->extack);
	if (IS_ERR(dom)) {
		err = PTR_ERR(dom);
	} else {
		WRITE_ONCE(dom->default_action,
			   nla_get_u8(info->attrs[SEGFILTER_A_DEFAULT_ACTION]));
		segf_changed(sn);
	}
	mutex_unlock(&sn->lock);
	return err;
}

static int segf_domain_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_net *sn = segf_info_net(info);
	struct segf_domain *dom;
	int err;

	mutex_lock(&sn->lock);
	dom = segf_domain_get(sn, info->attrs, true, info->extack);
	if (IS_ERR(dom))
		err = PTR_ERR(dom);
	else
		err = segf_domain_destroy(dom, false, info->extack);
	mutex_unlock(&sn->lock);
	return err;
}

static int segf_domain_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_msg reply = segf_msg_reply(info, SEGFILTER_CMD_DOMAIN_GET);
	struct segf_net *sn = segf_info_net(info);
	struct segf_domain *dom;
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&sn->lock);
	dom = segf_domain_get(sn, info->attrs, true, info->extack);
	if (IS_ERR(dom))
		err = PTR_ERR(dom);
	else
		err = segf_fill_domain(msg, dom, &reply);
	mutex_unlock(&sn->lock);
	return segf_reply(msg, info, err);
}

/*
 * Dumps walk the domains from cb->args[0] and, for objects that live in
 * domains, the objects of each from cb->args[1].  A domain named in the
 * request limits the walk to that one: [*first, *last] is the range of
 * domain ids to visit.
 */
static int segf_dump_range(struct segf_net *sn, struct netlink_callback *cb,
			   unsigned long *first, unsigned long *last)
{
	struct segf_domain *only;

	only = segf_domain_get(sn, segf_dump_attrs(cb), false, cb->extack);
	if (IS_ERR(only))
		return PTR_ERR(only);
	*first = cb->args[0];
	*last = ULONG_MAX;
	if (only) {
		*first = max_t(unsigned long, *first, only->id);
		*last = only->id;
	}
	return 0;
}

static int segf_domain_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct segf_msg m = segf_msg_dump(cb, SEGFILTER_CMD_DOMAIN_GET);
	struct segf_net *sn = segf_pernet(sock_net(skb->sk));
	struct segf_domain *dom;
	unsigned long idx, last;
	int err;

	mutex_lock(&sn->lock);
	cb->seq = sn->genid;
	err = segf_dump_range(sn, cb, &idx, &last);
	if (err)
		goto out;
	xa_for_each_range(&sn->domains, idx, dom, idx, last) {
		err = segf_fill_domain(skb, dom, &m);
		if (err)
			break;
		cb->args[0] = idx + 1;
	}
out:
	mutex_unlock(&sn->lock);
	return segf_dump_result(skb, err);
}

/* ---- groups ---- */

static int segf_group_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_msg reply = segf_msg_reply(info, SEGFILTER_CMD_GROUP_NEW);
	struct segf_net *sn = segf_info_net(info);
	struct nlattr **attrs = info->attrs;
	struct segf_domain *dom;
	struct segf_group *grp;
	struct sk_buff *msg;
	int err;

	if (segf_missing(info, SEGFILTER_A_GROUP_ID, "group id") ||
	    segf_missing(info, SEGFILTER_A_GROUP_NAME, "group name"))
		return -EINVAL;
	err = segf_check_name(info, SEGFILTER_A_GROUP_NAME);
	if (err)
		return err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&sn->lock);
	dom = segf_domain_get(sn, attrs, true, info->extack);
	if (IS_ERR(dom)) {
		err = PTR_ERR(dom);
		goto out;
	}
	err = segf_group_create(dom, nla_get_u16(attrs[SEGFILTER_A_GROUP_ID]),
				nla_data(attrs[SEGFILTER_A_GROUP_NAME]), &grp,
				info->extack);
	if (!err)
		err = segf_fill_group(msg, grp, &reply);
out:
	mutex_unlock(&sn->lock);
	return segf_reply(msg, info, err);
}

static int segf_group_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_net *sn = segf_info_net(info);
	struct segf_domain *dom;
	struct segf_group *grp;
	int err;

	mutex_lock(&sn->lock);
	dom = segf_domain_get(sn, info->attrs, true, info->extack);
	grp = IS_ERR(dom) ? ERR_CAST(dom) : segf_group_get(dom, info);
	if (IS_ERR(grp))
		err = PTR_ERR(grp);
	else
		err = segf_group_destroy(grp, info->extack);
	mutex_unlock(&sn->lock);
	return err;
}

static int segf_group_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_msg reply = segf_msg_reply(info, SEGFILTER_CMD_GROUP_GET);
	struct segf_net *sn = segf_info_net(info);
	struct segf_domain *dom;
	struct segf_group *grp;
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&sn->lock);
	dom = segf_domain_get(sn, info->attrs, true, info->extack);
	grp = IS_ERR(dom) ? ERR_CAST(dom) : segf_group_get(dom, info);
	if (IS_ERR(grp))
		err = PTR_ERR(grp);
	else
		err = segf_fill_group(msg, grp, &reply);
	mutex_unlock(&sn->lock);
	return segf_reply(msg, info, err);
}

static int segf_group_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct segf_msg m = segf_msg_dump(cb, SEGFILTER_CMD_GROUP_GET);
	struct segf_net *sn = segf_pernet(sock_net(skb->sk));
	unsigned long didx, last, gidx;
	struct segf_domain *dom;
	struct segf_group *grp;
	int err;

	mutex_lock(&sn->lock);
	cb->seq = sn->genid;
	err = segf_dump_range(sn, cb, &didx, &last);
	if (err)
		goto out;
	xa_for_each_range(&sn->domains, didx, dom, didx, last) {
		xa_for_each_start(&dom->groups, gidx, grp, cb->args[1]) {
			err = segf_fill_group(skb, grp, &m);
			if (err)
				goto out;
			cb->args[1] = gidx + 1;
		}
		cb->args[0] = didx + 1;
		cb->args[1] = 0;
	}
out:
	mutex_unlock(&sn->lock);
	return segf_dump_result(skb, err);
}

/* ---- ports ---- */

static int segf_port_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_msg reply = segf_msg_reply(info, SEGFILTER_CMD_PORT_NEW);
	struct segf_net *sn = segf_info_net(info);
	struct nlattr **attrs = info->attrs;
	u8 role = SEGFILTER_PORT_ROLE_ENDPOINT;
	struct segf_domain *dom;
	struct segf_port *port;
	struct net_device *dev;
	struct sk_buff *msg;
	u32 ifindex;
	int err;

	if (segf_missing(info, SEGFILTER_A_IFINDEX, "ifindex"))
		return -EINVAL;
	ifindex = nla_get_u32(attrs[SEGFILTER_A_IFINDEX]);
	if (attrs[SEGFILTER_A_PORT_ROLE])
		role = nla_get_u8(attrs[SEGFILTER_A_PORT_ROLE]);

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	rtnl_lock();
	mutex_lock(&sn->lock);
	dom = segf_domain_get(sn, attrs, true, info->extack);
	if (IS_ERR(dom)) {
		err = PTR_ERR(dom);
		goto out;
	}
	dev = __dev_get_by_index(sn->net, ifindex);
	if (!dev) {
		NL_SET_BAD_ATTR(info->extack, attrs[SEGFILTER_A_IFINDEX]);
		NL_SET_ERR_MSG_FMT_MOD(info->extack,
				       "no device with ifindex %u", ifindex);
		err = -ENODEV;
		goto out;
	}
	err = segf_port_attach(sn, dev, dom, role, &port, info->extack);
	if (!err)
		err = segf_fill_port(msg, port, &reply);
out:
	mutex_unlock(&sn->lock);
	rtnl_unlock();
	return segf_reply(msg, info, err);
}

/* The attached port a request's SEGFILTER_A_IFINDEX names. */
static struct segf_port *segf_port_get(struct segf_net *sn,
				       struct genl_info *info)
{
	struct nlattr *attr = info->attrs[SEGFILTER_A_IFINDEX];
	struct segf_port *port;

	if (segf_missing(info, SEGFILTER_A_IFINDEX, "ifindex"))
		return ERR_PTR(-EINVAL);
	port = segf_port_find(sn, nla_get_u32(attr));
	if (port)
		return port;
	NL_SET_BAD_ATTR(info->extack, attr);
	NL_SET_ERR_MSG_FMT_MOD(info->extack,
			       "ifindex %u is not an attached port",
			       nla_get_u32(attr));
	return ERR_PTR(-ENOENT);
}

static int segf_port_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_net *sn = segf_info_net(info);
	struct segf_port *port;
	int err = 0;

	rtnl_lock();
	mutex_lock(&sn->lock);
	port = segf_port_get(sn, info);
	if (IS_ERR(port))
		err = PTR_ERR(port);
	else
		segf_port_detach(port);
	mutex_unlock(&sn->lock);
	rtnl_unlock();
	return err;
}

static int segf_port_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *dom_attr = info->attrs[SEGFILTER_A_DOMAIN_ID] ?:
				  info->attrs[SEGFILTER_A_DOMAIN_NAME];
	struct segf_msg reply = segf_msg_reply(info, SEGFILTER_CMD_PORT_GET);
	struct segf_net *sn = segf_info_net(info);
	struct segf_port *port;
	struct sk_buff *msg;
	int err;

	/* The policy takes a domain for dumps, which it filters. */
	if (dom_attr) {
		NL_SET_ERR_MSG_ATTR(info->extack, dom_attr,
				    "a port is named by its ifindex alone");
		return -EINVAL;
	}
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&sn->lock);
	port = segf_port_get(sn, info);
	if (IS_ERR(port))
		err = PTR_ERR(port);
	else
		err = segf_fill_port(msg, port, &reply);
	mutex_unlock(&sn->lock);
	return segf_reply(msg, info, err);
}

static int segf_port_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct segf_msg m = segf_msg_dump(cb, SEGFILTER_CMD_PORT_GET);
	struct segf_net *sn = segf_pernet(sock_net(skb->sk));
	struct segf_domain *only;
	struct segf_port *port;
	unsigned long idx;
	int err = 0;

	mutex_lock(&sn->lock);
	cb->seq = sn->genid;
	only = segf_domain_get(sn, segf_dump_attrs(cb), false, cb->extack);
	if (IS_ERR(only)) {
		err = PTR_ERR(only);
		goto out;
	}
	xa_for_each_start(&sn->ports, idx, port, cb->args[0]) {
		if (!only || port->domain == only) {
			err = segf_fill_port(skb, port, &m);
			if (err)
				break;
		}
		cb->args[0] = idx + 1;
	}
out:
	mutex_unlock(&sn->lock);
	return segf_dump_result(skb, err);
}

/* ---- endpoints ---- */

/* Collect the addresses of an ENDPOINT_NEW request. */
static int segf_parse_addrs(struct genl_info *info, struct segf_addr *addrs,
			    unsigned int *n_addrs)
{
	struct nlattr *nest = info->attrs[SEGFILTER_A_ADDRS];
	unsigned int n4 = 0, n6 = 0;
	struct nlattr *a;
	int rem;

	*n_addrs = 0;
	if (!nest)
		return 0;
	nla_for_each_nested(a, nest, rem) {
		struct segf_addr *addr = &addrs[n4 + n6];

		if ((nla_type(a) == SEGFILTER_A_ADDR_IPV4 &&
		     n4 == SEGFILTER_EP_MAX_ADDRS) ||
		    (nla_type(a) == SEGFILTER_A_ADDR_IPV6 &&
		     n6 == SEGFILTER_EP_MAX_ADDRS)) {
			NL_SET_BAD_ATTR(info->extack, a);
			NL_SET_ERR_MSG_FMT_MOD(info->extack,
					       "an endpoint has at most %d IPv4 and %d IPv6 addresses",
					       SEGFILTER_EP_MAX_ADDRS,
					       SEGFILTER_EP_MAX_ADDRS);
			return -E2BIG;
		}
		memset(addr, 0, sizeof(*addr));
		if (nla_type(a) == SEGFILTER_A_ADDR_IPV4) {
			addr->family = AF_INET;
			addr->v4 = nla_get_in_addr(a);
			n4++;
		} else {
			addr->family = AF_INET6;
			addr->v6 = nla_get_in6_addr(a);
			n6++;
		}
	}
	*n_addrs = n4 + n6;
	return 0;
}

static int segf_endpoint_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_msg reply = segf_msg_reply(info, SEGFILTER_CMD_ENDPOINT_NEW);
	struct segf_net *sn = segf_info_net(info);
	struct segf_addr addrs[SEGF_EP_ADDRS];
	struct nlattr **attrs = info->attrs;
	struct segf_endpoint *ep;
	struct segf_domain *dom;
	struct segf_group *grp;
	struct segf_port *port;
	unsigned int n_addrs;
	struct sk_buff *msg;
	int err;

	if (segf_missing(info, SEGFILTER_A_MAC, "MAC address") ||
	    segf_missing(info, SEGFILTER_A_IFINDEX, "port (ifindex)"))
		return -EINVAL;
	err = segf_parse_addrs(info, addrs, &n_addrs);
	if (err)
		return err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&sn->lock);
	dom = segf_domain_get(sn, attrs, true, info->extack);
	if (IS_ERR(dom)) {
		err = PTR_ERR(dom);
		goto out;
	}
	grp = segf_group_get(dom, info);
	if (IS_ERR(grp)) {
		err = PTR_ERR(grp);
		goto out;
	}
	port = segf_port_get(sn, info);
	if (IS_ERR(port)) {
		err = PTR_ERR(port);
		goto out;
	}
	if (port->domain != dom) {
		NL_SET_BAD_ATTR(info->extack, attrs[SEGFILTER_A_IFINDEX]);
		NL_SET_ERR_MSG_FMT_MOD(info->extack,
				       "port %s belongs to domain \"%s\", not \"%s\"",
				       port->dev->name, port->domain->name,
				       dom->name);
		err = -EINVAL;
		goto out;
	}
	err = segf_endpoint_create(dom, nla_data(attrs[SEGFILTER_A_MAC]), grp,
				   port, addrs, n_addrs, &ep, info->extack);
	if (!err)
		err = segf_fill_endpoint(msg, ep, &reply);
out:
	mutex_unlock(&sn->lock);
	return segf_reply(msg, info, err);
}

static struct segf_endpoint *segf_endpoint_get(struct segf_net *sn,
					       struct genl_info *info)
{
	struct nlattr *mac = info->attrs[SEGFILTER_A_MAC];
	struct segf_endpoint *ep;
	struct segf_domain *dom;

	dom = segf_domain_get(sn, info->attrs, true, info->extack);
	if (IS_ERR(dom))
		return ERR_CAST(dom);
	if (segf_missing(info, SEGFILTER_A_MAC, "MAC address"))
		return ERR_PTR(-EINVAL);
	ep = segf_endpoint_by_mac(dom, nla_data(mac));
	if (ep)
		return ep;
	NL_SET_BAD_ATTR(info->extack, mac);
	NL_SET_ERR_MSG_FMT_MOD(info->extack,
			       "endpoint %pM does not exist in domain \"%s\"",
			       nla_data(mac), dom->name);
	return ERR_PTR(-ENOENT);
}

static int segf_endpoint_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_net *sn = segf_info_net(info);
	struct segf_endpoint *ep;
	int err = 0;

	mutex_lock(&sn->lock);
	ep = segf_endpoint_get(sn, info);
	if (IS_ERR(ep))
		err = PTR_ERR(ep);
	else
		segf_endpoint_destroy(ep);
	mutex_unlock(&sn->lock);
	return err;
}

static int segf_endpoint_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_msg reply = segf_msg_reply(info, SEGFILTER_CMD_ENDPOINT_GET);
	struct segf_net *sn = segf_info_net(info);
	struct segf_endpoint *ep;
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&sn->lock);
	ep = segf_endpoint_get(sn, info);
	if (IS_ERR(ep))
		err = PTR_ERR(ep);
	else
		err = segf_fill_endpoint(msg, ep, &reply);
	mutex_unlock(&sn->lock);
	return segf_reply(msg, info, err);
}

static int segf_endpoint_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct segf_msg m = segf_msg_dump(cb, SEGFILTER_CMD_ENDPOINT_GET);
	struct segf_net *sn = segf_pernet(sock_net(skb->sk));
	unsigned long didx, last, eidx;
	struct segf_endpoint *ep;
	struct segf_domain *dom;
	int err;

	mutex_lock(&sn->lock);
	cb->seq = sn->genid;
	err = segf_dump_range(sn, cb, &didx, &last);
	if (err)
		goto out;
	xa_for_each_range(&sn->domains, didx, dom, didx, last) {
		xa_for_each_start(&dom->endpoints, eidx, ep, cb->args[1]) {
			err = segf_fill_endpoint(skb, ep, &m);
			if (err)
				goto out;
			cb->args[1] = eidx + 1;
		}
		cb->args[0] = didx + 1;
		cb->args[1] = 0;
	}
out:
	mutex_unlock(&sn->lock);
	return segf_dump_result(skb, err);
}

#define SEGF_OP(_cmd, _doit, _dumpit, _policy, _flags) {		\
	.cmd = _cmd,							\
	.doit = _doit,							\
	.dumpit = _dumpit,						\
	.policy = _policy,						\
	.maxattr = SEGFILTER_A_MAX,					\
	.flags = _flags,						\
}
#define SEGF_ADMIN GENL_UNS_ADMIN_PERM

static const struct genl_ops segf_ops[] = {
	SEGF_OP(SEGFILTER_CMD_DOMAIN_NEW, segf_domain_new_doit, NULL,
		segf_domain_new_policy, SEGF_ADMIN),
	SEGF_OP(SEGFILTER_CMD_DOMAIN_SET, segf_domain_set_doit, NULL,
		segf_domain_new_policy, SEGF_ADMIN),
	SEGF_OP(SEGFILTER_CMD_DOMAIN_DEL, segf_domain_del_doit, NULL,
		segf_domain_policy, SEGF_ADMIN),
	SEGF_OP(SEGFILTER_CMD_DOMAIN_GET, segf_domain_get_doit,
		segf_domain_dumpit, segf_domain_policy, 0),
	SEGF_OP(SEGFILTER_CMD_GROUP_NEW, segf_group_new_doit, NULL,
		segf_group_policy, SEGF_ADMIN),
	SEGF_OP(SEGFILTER_CMD_GROUP_DEL, segf_group_del_doit, NULL,
		segf_group_policy, SEGF_ADMIN),
	SEGF_OP(SEGFILTER_CMD_GROUP_GET, segf_group_get_doit,
		segf_group_dumpit, segf_group_policy, 0),
	SEGF_OP(SEGFILTER_CMD_PORT_NEW, segf_port_new_doit, NULL,
		segf_port_new_policy, SEGF_ADMIN),
	SEGF_OP(SEGFILTER_CMD_PORT_DEL, segf_port_del_doit, NULL,
		segf_port_del_policy, SEGF_ADMIN),
	SEGF_OP(SEGFILTER_CMD_PORT_GET, segf_port_get_doit,
		segf_port_dumpit, segf_port_get_policy, 0),
	SEGF_OP(SEGFILTER_CMD_ENDPOINT_NEW, segf_endpoint_new_doit, NULL,
		segf_endpoint_new_policy, SEGF_ADMIN),
	SEGF_OP(SEGFILTER_CMD_ENDPOINT_DEL, segf_endpoint_del_doit, NULL,
		segf_endpoint_policy, SEGF_ADMIN),
	SEGF_OP(SEGFILTER_CMD_ENDPOINT_GET, segf_endpoint_get_doit,
		segf_endpoint_dumpit, segf_endpoint_policy, 0),
};

static struct genl_family segf_family __ro_after_init = {
	.name = SEGFILTER_GENL_NAME,
	.version = SEGFILTER_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = segf_ops,
	.n_ops = ARRAY_SIZE(segf_ops),
	.resv_start_op = SEGFILTER_CMD_DOMAIN_NEW,
};

int __init segf_genl_init(void)
{
	return genl_register_family(&segf_family);
}

void segf_genl_uninit(void)
{
	genl_unregister_family(&segf_family);
}
