// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: PREFIX_* commands.
 */

#include <net/genetlink.h>
#include <net/netlink.h>

#include "compat.h"
#include "domain.h"
#include "endpoint.h"
#include "nl.h"
#include "policy.h"
#include "prefix.h"
#include "segfilter.h"
#include "txn.h"

/*
 * The PREFIX nest (exactly one address) and PREFIX_LEN of a request, as
 * a key.  Without PREFIX_LEN, *has_len is false and the key is the
 * address alone (a lookup); with @need_len, that is refused.
 */
static int segf_parse_prefix(struct nlattr **attrs, bool need_len,
			     struct segf_pfx_key *key, bool *has_len,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *nest = attrs[SEGFILTER_A_PREFIX];
	struct nlattr *len = attrs[SEGFILTER_A_PREFIX_LEN];
	struct segf_addr *addr = &key->addr;
	unsigned int n = 0, max;
	struct nlattr *a, *one = NULL;
	int rem;

	memset(key, 0, sizeof(*key));
	if (segf_missing(attrs, extack, SEGFILTER_A_PREFIX, "prefix"))
		return -EINVAL;
	if (need_len &&
	    segf_missing(attrs, extack, SEGFILTER_A_PREFIX_LEN,
			 "prefix length"))
		return -EINVAL;
	nla_for_each_nested(a, nest, rem) {
		one = a;
		n++;
	}
	if (n != 1) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "a prefix holds exactly one address");
		return -EINVAL;
	}
	if (nla_type(one) == SEGFILTER_A_ADDR_IPV4) {
		addr->family = AF_INET;
		addr->v4 = nla_get_in_addr(one);
		max = 32;
	} else if (nla_type(one) == SEGFILTER_A_ADDR_IPV6) {
		addr->family = AF_INET6;
		addr->v6 = nla_get_in6_addr(one);
		max = 128;
	} else {
		/* The policy lets no other through; a replay parses without it. */
		NL_SET_ERR_MSG_ATTR(extack, one, "not an address");
		return -EINVAL;
	}
	*has_len = len;
	if (!len)
		return 0;
	key->len = nla_get_u8(len);
	if (key->len > max) {
		NL_SET_BAD_ATTR(extack, len);
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "prefix length %u is beyond IPv%u's %u",
				       key->len, max == 32 ? 4 : 6, max);
		return -EINVAL;
	}
	if (segf_pfx_host_bits(addr, key->len)) {
		NL_SET_BAD_ATTR(extack, nest);
		if (addr->family == AF_INET)
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "%pI4/%u has bits set past its length",
					       &addr->v4, key->len);
		else
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "the IPv6 prefix has bits set past its length %u",
					       key->len);
		return -EINVAL;
	}
	return 0;
}

/*
 * A reply: a prefix of @dom and its group, or (@len_too false, @mac
 * set) the address of an endpoint that owns it, and its group; or a
 * prefix an endpoint owns (@mac set), with that endpoint's group unless
 * it has none any more (@grp NULL).
 */
static int segf_put_prefix(struct sk_buff *skb, const struct segf_msg *m,
			   struct segf_domain *dom,
			   const struct segf_pfx_key *key, bool len_too,
			   const struct segf_group *grp, const u8 *mac)
{
	void *hdr = segf_msg_start(skb, m);
	bool full;

	if (!hdr)
		return -EMSGSIZE;
	full = nla_put_u32(skb, SEGFILTER_A_DOMAIN_ID, dom->id) ||
	       nla_put_string(skb, SEGFILTER_A_DOMAIN_NAME, dom->name) ||
	       segf_put_addr(skb, SEGFILTER_A_PREFIX, &key->addr) ||
	       (len_too &&
		nla_put_u8(skb, SEGFILTER_A_PREFIX_LEN, key->len)) ||
	       (grp && nla_put_u16(skb, SEGFILTER_A_GROUP_ID, grp->id)) ||
	       (grp && nla_put_string(skb, SEGFILTER_A_GROUP_NAME, grp->name)) ||
	       (mac && nla_put(skb, SEGFILTER_A_MAC, ETH_ALEN, mac));
	return segf_msg_end(skb, hdr, full);
}

static int segf_fill_prefix(struct sk_buff *skb, void *obj,
			    const struct segf_msg *m)
{
	struct segf_prefix *pfx = obj;

	if (pfx->owned)
		return segf_put_prefix(skb, m, pfx->domain, &pfx->key, true,
				       pfx->owner ? pfx->owner->group : NULL,
				       pfx->own.mac);
	return segf_put_prefix(skb, m, pfx->domain, &pfx->key, true,
			       pfx->group, NULL);
}

static int segf_prefix_new_check(struct nlattr **attrs,
				 struct netlink_ext_ack *extack)
{
	struct segf_pfx_key key;
	bool has_len;

	if (segf_missing_domain(attrs, extack))
		return -EINVAL;
	/* A group's prefix, or (by MAC) an endpoint's: one of the two. */
	if (attrs[SEGFILTER_A_MAC] &&
	    (attrs[SEGFILTER_A_GROUP_ID] || attrs[SEGFILTER_A_GROUP_NAME])) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[SEGFILTER_A_MAC],
				    "a prefix is a group's or an endpoint's (mac), not both");
		return -EINVAL;
	}
	if (!attrs[SEGFILTER_A_MAC] && segf_missing_group(attrs, extack))
		return -EINVAL;
	return segf_parse_prefix(attrs, true, &key, &has_len, extack);
}

/* The live endpoint of @dom that a PREFIX_NEW names by MAC. */
static struct segf_endpoint *segf_prefix_owner_lookup(struct segf_domain *dom,
						      struct nlattr *mac,
						      struct netlink_ext_ack *extack)
{
	struct segf_endpoint *ep = segf_endpoint_live_mac(dom, nla_data(mac));

	if (ep)
		return ep;
	NL_SET_BAD_ATTR(extack, mac);
	NL_SET_ERR_MSG_FMT_MOD(extack,
			       "endpoint %pM does not exist in domain \"%s\"",
			       nla_data(mac), dom->name);
	return ERR_PTR(-ENOENT);
}

static int segf_prefix_new_apply(struct segf_commit *c, struct nlattr **attrs,
				 void **obj)
{
	struct segf_endpoint *owner = NULL;
	struct segf_group *grp = NULL;
	struct segf_pfx_key key;
	struct segf_domain *dom;
	struct segf_prefix *pfx;
	bool has_len;
	int err;

	err = segf_parse_prefix(attrs, true, &key, &has_len, c->extack);
	if (err)
		return err;
	dom = segf_domain_lookup(c->sn, attrs, true, c->extack);
	if (IS_ERR(dom))
		return PTR_ERR(dom);
	if (attrs[SEGFILTER_A_MAC]) {
		owner = segf_prefix_owner_lookup(dom, attrs[SEGFILTER_A_MAC],
						 c->extack);
		if (IS_ERR(owner))
			return PTR_ERR(owner);
	} else {
		grp = segf_group_lookup(dom, attrs, c->extack);
		if (IS_ERR(grp))
			return PTR_ERR(grp);
	}
	segf_commit_touch(c, dom);
	err = segf_prefix_create(dom, &key, grp, owner, &pfx, c->extack);
	if (err)
		return err;
	err = segf_commit_record(c, SEGF_UNDO_PREFIX_NEW, pfx);
	if (err) {
		segf_prefix_unlink(pfx);
		return err;
	}
	*obj = pfx;
	return 0;
}

static void segf_prefix_missing(struct netlink_ext_ack *extack,
				struct segf_domain *dom,
				const struct segf_pfx_key *key)
{
	if (key->addr.family == AF_INET)
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "prefix %pI4/%u does not exist in domain \"%s\"",
				       &key->addr.v4, key->len, dom->name);
	else
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "the IPv6 prefix does not exist in domain \"%s\"",
				       dom->name);
}

static int segf_prefix_del_check(struct nlattr **attrs,
				 struct netlink_ext_ack *extack)
{
	struct segf_pfx_key key;
	bool has_len;

	if (segf_missing_domain(attrs, extack))
		return -EINVAL;
	return segf_parse_prefix(attrs, true, &key, &has_len, extack);
}

static int segf_prefix_del_apply(struct segf_commit *c, struct nlattr **attrs,
				 void **obj)
{
	struct segf_pfx_key key;
	struct segf_domain *dom;
	struct segf_prefix *pfx;
	bool has_len;
	int err;

	err = segf_parse_prefix(attrs, true, &key, &has_len, c->extack);
	if (err)
		return err;
	dom = segf_domain_lookup(c->sn, attrs, true, c->extack);
	if (IS_ERR(dom))
		return PTR_ERR(dom);
	pfx = segf_prefix_find(dom, &key);
	if (!pfx) {
		NL_SET_BAD_ATTR(c->extack, attrs[SEGFILTER_A_PREFIX]);
		segf_prefix_missing(c->extack, dom, &key);
		return -ENOENT;
	}
	err = segf_commit_record(c, SEGF_UNDO_PREFIX_DEL, pfx);
	if (err)
		return err;
	segf_commit_touch(c, dom);
	segf_prefix_retire(pfx);
	return 0;
}

/*
 * PREFIX_GET: one prefix by its key or, without a length, what the
 * data path makes of an address: the endpoint that owns it, else the
 * longest prefix of the current generation that holds it.
 */
static int segf_prefix_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_msg reply = {
		.portid = info->snd_portid,
		.seq = info->snd_seq,
		.cmd = SEGFILTER_CMD_PREFIX_GET,
	};
	struct segf_net *sn = segf_pernet(genl_info_net(info));
	struct netlink_ext_ack *extack = info->extack;
	const struct segf_pfx_slot *slot;
	struct segf_endpoint *ep;
	struct segf_pfx_key key;
	struct segf_domain *dom;
	struct segf_prefix *pfx;
	struct segf_policy *pol;
	struct sk_buff *msg;
	bool has_len;
	int err;

	err = segf_parse_prefix(info->attrs, false, &key, &has_len, extack);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	segf_lock(sn);
	dom = segf_domain_lookup(sn, info->attrs, true, extack);
	if (IS_ERR(dom)) {
		err = PTR_ERR(dom);
		goto out;
	}
	if (has_len) {
		pfx = segf_prefix_find(dom, &key);
		if (pfx) {
			err = segf_fill_prefix(msg, pfx, &reply);
		} else {
			NL_SET_BAD_ATTR(extack, info->attrs[SEGFILTER_A_PREFIX]);
			segf_prefix_missing(extack, dom, &key);
			err = -ENOENT;
		}
		goto out;
	}
	ep = segf_endpoint_live_addr(dom, &key.addr);
	if (ep) {
		err = segf_put_prefix(msg, &reply, dom, &key, false,
				      ep->group, ep->mac);
		goto out;
	}
	pol = rcu_dereference_protected(dom->policy, lockdep_is_held(&sn->lock));
	slot = segf_pfx_find(pol->prefixes, &key.addr);
	if (slot && segf_pfx_slot_owned(slot)) {
		ep = segf_prefix_owner(dom, pol, &key.addr);
		err = segf_put_prefix(msg, &reply, dom, &slot->key, true,
				      ep ? ep->group : NULL, slot->own->mac);
		goto out;
	}
	if (slot) {
		err = segf_put_prefix(msg, &reply, dom, &slot->key, true,
				      slot->group, NULL);
		goto out;
	}
	NL_SET_BAD_ATTR(extack, info->attrs[SEGFILTER_A_PREFIX]);
	if (key.addr.family == AF_INET)
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "no endpoint nor prefix of domain \"%s\" holds %pI4",
				       dom->name, &key.addr.v4);
	else
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "no endpoint nor prefix of domain \"%s\" holds it",
				       dom->name);
	err = -ENOENT;
out:
	mutex_unlock(&sn->lock);
	if (err) {
		WARN_ON_ONCE(err == -EMSGSIZE);
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

const struct segf_nl_cmd segf_prefix_new_cmd = {
	.flags = SEGF_NL_STAGE,
	.check = segf_prefix_new_check,
	.apply = segf_prefix_new_apply,
	.fill = segf_fill_prefix,
};

const struct segf_nl_cmd segf_prefix_del_cmd = {
	.flags = SEGF_NL_STAGE,
	.check = segf_prefix_del_check,
	.apply = segf_prefix_del_apply,
};

static const struct segf_nl_dump segf_prefix_dump = {
	.net_table = offsetof(struct segf_net, domains),
	.dom_table = offsetof(struct segf_domain, prefixes),
	.in_domains = true,
};

/* A do is its own (segf_prefix_get_doit()); a dump is the generic one. */
const struct segf_nl_cmd segf_prefix_get_cmd = {
	.doit = segf_prefix_get_doit,
	.fill = segf_fill_prefix,
	.dump = &segf_prefix_dump,
};
