// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: RULE_* commands.
 */

#include <linux/etherdevice.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "compat.h"
#include "domain.h"
#include "nl.h"
#include "policy.h"
#include "segfilter.h"
#include "service.h"
#include "txn.h"

/* ---- rules ---- */

static int segf_rule_new_check(struct nlattr **attrs,
			       struct netlink_ext_ack *extack)
{
	struct nlattr *chain = attrs[SEGFILTER_A_CHAIN_NAME];
	u8 proto = 0, action;

	if (segf_missing_domain(attrs, extack) ||
	    segf_missing(attrs, extack, SEGFILTER_A_ACTION, "action"))
		return -EINVAL;
	action = nla_get_u8(attrs[SEGFILTER_A_ACTION]);
	if (action == SEGFILTER_ACTION_REDIRECT && !chain) {
		NL_SET_ERR_ATTR_MISS(extack, NULL, SEGFILTER_A_CHAIN_NAME);
		NL_SET_ERR_MSG_MOD(extack, "a redirect names its chain");
		return -EINVAL;
	}
	if (action != SEGFILTER_ACTION_REDIRECT && chain) {
		NL_SET_ERR_MSG_ATTR(extack, chain,
				    "only a redirect names a chain");
		return -EINVAL;
	}
	if (segf_check_name(attrs, extack, SEGFILTER_A_CHAIN_NAME))
		return -EINVAL;

	if (attrs[SEGFILTER_A_PROTO])
		proto = nla_get_u8(attrs[SEGFILTER_A_PROTO]);
	switch (proto) {
	case 0:
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		break;
	default:
		NL_SET_ERR_MSG_ATTR(extack, attrs[SEGFILTER_A_PROTO],
				    "protocol must be any (0), tcp, udp, icmp or icmpv6");
		return -EINVAL;
	}
	if (attrs[SEGFILTER_A_PORT_MAX] && !attrs[SEGFILTER_A_PORT_MIN]) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[SEGFILTER_A_PORT_MAX],
				    "a port range needs its first port");
		return -EINVAL;
	}
	if (attrs[SEGFILTER_A_PORT_MIN]) {
		if (proto != IPPROTO_TCP && proto != IPPROTO_UDP) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[SEGFILTER_A_PORT_MIN],
					    "ports apply to tcp and udp only");
			return -EINVAL;
		}
		if (attrs[SEGFILTER_A_PORT_MAX] &&
		    nla_get_u16(attrs[SEGFILTER_A_PORT_MAX]) <
		    nla_get_u16(attrs[SEGFILTER_A_PORT_MIN])) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[SEGFILTER_A_PORT_MAX],
					    "the port range ends before it starts");
			return -EINVAL;
		}
	}
	if (attrs[SEGFILTER_A_ICMP_TYPE] &&
	    proto != IPPROTO_ICMP && proto != IPPROTO_ICMPV6) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[SEGFILTER_A_ICMP_TYPE],
				    "an ICMP type applies to icmp and icmpv6 only");
		return -EINVAL;
	}
	return 0;
}

/* What a RULE_NEW request says of its rule, checked already. */
static void segf_rule_parse(struct segf_rule *rule, struct nlattr **attrs)
{
	if (attrs[SEGFILTER_A_RULE_ID])
		rule->id = nla_get_u32(attrs[SEGFILTER_A_RULE_ID]);
	rule->prio = attrs[SEGFILTER_A_PRIORITY] ?
		     nla_get_u32(attrs[SEGFILTER_A_PRIORITY]) :
		     SEGFILTER_PRIORITY_DEFAULT;
	if (attrs[SEGFILTER_A_PROTO])
		rule->proto = nla_get_u8(attrs[SEGFILTER_A_PROTO]);
	if (attrs[SEGFILTER_A_PORT_MIN]) {
		rule->flags |= SEGF_RULE_PORTS;
		rule->port_min = nla_get_u16(attrs[SEGFILTER_A_PORT_MIN]);
		rule->port_max = attrs[SEGFILTER_A_PORT_MAX] ?
				 nla_get_u16(attrs[SEGFILTER_A_PORT_MAX]) :
				 rule->port_min;
	}
	if (attrs[SEGFILTER_A_ICMP_TYPE]) {
		rule->flags |= SEGF_RULE_ICMP_TYPE;
		rule->icmp_type = nla_get_u8(attrs[SEGFILTER_A_ICMP_TYPE]);
	}
	if (attrs[SEGFILTER_A_RULE_FLAGS] &&
	    (nla_get_u32(attrs[SEGFILTER_A_RULE_FLAGS]) & SEGFILTER_RULE_F_LOG))
		rule->flags |= SEGF_RULE_LOG;
	rule->action = nla_get_u8(attrs[SEGFILTER_A_ACTION]);
}

static int segf_rule_new_apply(struct segf_commit *c, struct nlattr **attrs,
			       void **obj)
{
	struct nlattr *chain_name = attrs[SEGFILTER_A_CHAIN_NAME];
	struct segf_chain *chain = NULL;
	struct segf_group *src, *dst;
	struct segf_domain *dom;
	struct segf_rule *rule;
	int err;

	dom = segf_domain_lookup(c->sn, attrs, true, c->extack);
	if (IS_ERR(dom))
		return PTR_ERR(dom);
	if (chain_name) {
		chain = segf_chain_find(dom, nla_data(chain_name));
		if (!chain) {
			NL_SET_BAD_ATTR(c->extack, chain_name);
			NL_SET_ERR_MSG_FMT_MOD(c->extack,
					       "chain \"%s\" does not exist in domain \"%s\"",
					       (char *)nla_data(chain_name),
					       dom->name);
			return -ENOENT;
		}
	}
	src = segf_group_from_attrs(dom, attrs, SEGFILTER_A_SRC_GROUP_ID,
				    SEGFILTER_A_SRC_GROUP_NAME, false,
				    c->extack);
	if (IS_ERR(src))
		return PTR_ERR(src);
	dst = segf_group_from_attrs(dom, attrs, SEGFILTER_A_DST_GROUP_ID,
				    SEGFILTER_A_DST_GROUP_NAME, false,
				    c->extack);
	if (IS_ERR(dst))
		return PTR_ERR(dst);

	rule = segf_rule_alloc();
	if (!rule)
		return -ENOMEM;
	segf_rule_parse(rule, attrs);
	rule->src_group = src ? src->id : 0;
	rule->dst_group = dst ? dst->id : 0;
	rule->chain = chain;

	segf_commit_touch(c, dom);
	err = segf_rule_link(dom, rule, c->extack);
	if (err) {
		segf_rule_free(rule);
		return err;
	}
	err = segf_commit_record(c, SEGF_UNDO_RULE_NEW, rule);
	if (err) {
		segf_rule_unlink(rule);
		segf_rule_free(rule);
		return err;
	}
	*obj = rule;
	return 0;
}

/* The rule a request names by domain and id, not deleted already. */
static void *segf_rule_lookup(struct segf_net *sn, struct nlattr **attrs,
			      struct netlink_ext_ack *extack)
{
	struct nlattr *id = attrs[SEGFILTER_A_RULE_ID];
	struct segf_domain *dom;
	struct segf_rule *rule;

	dom = segf_domain_lookup(sn, attrs, true, extack);
	if (IS_ERR(dom))
		return ERR_CAST(dom);
	if (segf_missing(attrs, extack, SEGFILTER_A_RULE_ID, "rule id"))
		return ERR_PTR(-EINVAL);
	rule = xa_load(&dom->rules, nla_get_u32(id));
	if (rule && !rule->dying)
		return rule;
	NL_SET_BAD_ATTR(extack, id);
	NL_SET_ERR_MSG_FMT_MOD(extack, "rule %u does not exist in domain \"%s\"",
			       nla_get_u32(id), dom->name);
	return ERR_PTR(-ENOENT);
}

static int segf_rule_del_check(struct nlattr **attrs,
			       struct netlink_ext_ack *extack)
{
	return segf_missing_domain(attrs, extack) ||
	       segf_missing(attrs, extack, SEGFILTER_A_RULE_ID, "rule id") ?
	       -EINVAL : 0;
}

static int segf_rule_del_apply(struct segf_commit *c, struct nlattr **attrs,
			       void **obj)
{
	struct segf_rule *rule;
	int err;

	rule = segf_rule_lookup(c->sn, attrs, c->extack);
	if (IS_ERR(rule))
		return PTR_ERR(rule);
	err = segf_commit_record(c, SEGF_UNDO_RULE_DEL, rule);
	if (err)
		return err;
	segf_commit_touch(c, segf_rule_domain(rule));
	segf_rule_retire(rule);
	return 0;
}

static int segf_fill_rule(struct sk_buff *skb, void *obj,
			  const struct segf_msg *m)
{
	struct segf_rule *rule = obj;
	struct segf_domain *dom = segf_rule_domain(rule);
	void *hdr = segf_msg_start(skb, m);
	struct segf_group *grp;
	struct nlattr *nest;
	u64 packets, bytes;
	bool full;

	if (!hdr)
		return -EMSGSIZE;
	full = nla_put_u32(skb, SEGFILTER_A_DOMAIN_ID, dom->id) ||
	       nla_put_string(skb, SEGFILTER_A_DOMAIN_NAME, dom->name) ||
	       nla_put_u32(skb, SEGFILTER_A_RULE_ID, rule->id) ||
	       nla_put_u32(skb, SEGFILTER_A_PRIORITY, rule->prio) ||
	       nla_put_u8(skb, SEGFILTER_A_PROTO, rule->proto) ||
	       nla_put_u8(skb, SEGFILTER_A_ACTION, rule->action) ||
	       nla_put_u32(skb, SEGFILTER_A_RULE_FLAGS,
			   rule->flags & SEGF_RULE_LOG ? SEGFILTER_RULE_F_LOG : 0);
	grp = rule->src_group ? xa_load(&dom->groups, rule->src_group) : NULL;
	if (grp)
		full = full ||
		       nla_put_u16(skb, SEGFILTER_A_SRC_GROUP_ID, grp->id) ||
		       nla_put_string(skb, SEGFILTER_A_SRC_GROUP_NAME, grp->name);
	grp = rule->dst_group ? xa_load(&dom->groups, rule->dst_group) : NULL;
	if (grp)
		full = full ||
		       nla_put_u16(skb, SEGFILTER_A_DST_GROUP_ID, grp->id) ||
		       nla_put_string(skb, SEGFILTER_A_DST_GROUP_NAME, grp->name);
	if (rule->flags & SEGF_RULE_PORTS)
		full = full ||
		       nla_put_u16(skb, SEGFILTER_A_PORT_MIN, rule->port_min) ||
		       nla_put_u16(skb, SEGFILTER_A_PORT_MAX, rule->port_max);
	if (rule->flags & SEGF_RULE_ICMP_TYPE)
		full = full ||
		       nla_put_u8(skb, SEGFILTER_A_ICMP_TYPE, rule->icmp_type);
	if (rule->chain)
		full = full ||
		       nla_put_string(skb, SEGFILTER_A_CHAIN_NAME,
				      rule->chain->name);
	if (full)
		return segf_msg_end(skb, hdr, true);

	segf_rule_read_stats(rule, &packets, &bytes);
	nest = nla_nest_start(skb, SEGFILTER_A_STATS);
	full = !nest ||
	       nla_put_u64_64bit(skb, SEGFILTER_STATS_MATCHED_PACKETS, packets,
				 SEGFILTER_STATS_PAD) ||
	       nla_put_u64_64bit(skb, SEGFILTER_STATS_MATCHED_BYTES, bytes,
				 SEGFILTER_STATS_PAD);
	if (!full)
		nla_nest_end(skb, nest);
	return segf_msg_end(skb, hdr, full);
}

const struct segf_nl_cmd segf_rule_new_cmd = {
	.flags = SEGF_NL_STAGE,
	.check = segf_rule_new_check,
	.apply = segf_rule_new_apply,
	.fill = segf_fill_rule,
};

const struct segf_nl_cmd segf_rule_del_cmd = {
	.flags = SEGF_NL_STAGE,
	.check = segf_rule_del_check,
	.apply = segf_rule_del_apply,
};

static const struct segf_nl_dump segf_rule_dump = {
	.net_table = offsetof(struct segf_net, domains),
	.dom_table = offsetof(struct segf_domain, rules),
	.in_domains = true,
};

const struct segf_nl_cmd segf_rule_get_cmd = {
	.lookup = segf_rule_lookup,
	.fill = segf_fill_rule,
	.dump = &segf_rule_dump,
};
