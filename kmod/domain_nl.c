// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: DOMAIN_* and GROUP_* commands.
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
#include "segfilter.h"
#include "txn.h"

/*
 * The domain a request names, by id or by name.  With @attrs from a
 * dump request, @required false lets a dump go unfiltered: then NULL
 * means "all domains".
 */
struct segf_domain *segf_domain_lookup(struct segf_net *sn,
				       struct nlattr **attrs, bool required,
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

/*
 * The group named by the attributes @id_attr and @name_attr.  Unless
 * @required, naming none of them is "any group": NULL.
 */
struct segf_group *segf_group_from_attrs(struct segf_domain *dom,
					 struct nlattr **attrs, int id_attr,
					 int name_attr, bool required,
					 struct netlink_ext_ack *extack)
{
	struct nlattr *id = attrs[id_attr];
	struct nlattr *name = attrs[name_attr];
	struct segf_group *grp;

	if (id && name) {
		NL_SET_ERR_MSG_ATTR(extack, name,
				    "name the group by id or by name, not both");
		return ERR_PTR(-EINVAL);
	}
	if (!id && !name) {
		if (!required)
			return NULL;
		NL_SET_ERR_ATTR_MISS(extack, NULL, id_attr);
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

static int segf_put_gateway(struct sk_buff *skb,
			    const struct segf_domain_cfg *cfg)
{
	if (is_zero_ether_addr(cfg->gw_mac))
		return 0;
	if (nla_put(skb, SEGFILTER_A_GW_MAC, ETH_ALEN, cfg->gw_mac))
		return -EMSGSIZE;
	return segf_put_addr_list(skb, SEGFILTER_A_GW_ADDRS, cfg->gw_addrs,
				  cfg->n_gw_addrs, sizeof(cfg->gw_addrs[0]));
}

/* What DHCP and router advertisements tell the domain's endpoints. */
static int segf_put_dhcp(struct sk_buff *skb, const struct segf_domain_cfg *cfg)
{
	struct segf_addr pfx[SEGFILTER_EP_MAX_ADDRS];
	unsigned int i;

	if (cfg->mtu && nla_put_u32(skb, SEGFILTER_A_MTU, cfg->mtu))
		return -EMSGSIZE;
	if (cfg->n_dns &&
	    segf_put_addr_list(skb, SEGFILTER_A_DNS_SERVERS, cfg->dns,
			       cfg->n_dns, sizeof(cfg->dns[0])))
		return -EMSGSIZE;
	if (!cfg->n_ra_prefixes)
		return 0;
	memset(pfx, 0, sizeof(pfx));
	for (i = 0; i < cfg->n_ra_prefixes; i++) {
		pfx[i].family = AF_INET6;
		pfx[i].v6 = cfg->ra_prefixes[i];
	}
	return segf_put_addr_list(skb, SEGFILTER_A_RA_PREFIXES, pfx,
				  cfg->n_ra_prefixes, sizeof(pfx[0]));
}

static int segf_fill_domain(struct sk_buff *skb, void *obj,
			    const struct segf_msg *m)
{
	struct segf_domain *dom = obj;
	struct segf_policy *pol = rcu_dereference_protected(dom->policy,
				lockdep_is_held(&dom->sn->lock));
	void *hdr = segf_msg_start(skb, m);
	bool full;

	if (!hdr)
		return -EMSGSIZE;
	full = nla_put_u32(skb, SEGFILTER_A_DOMAIN_ID, dom->id) ||
	       nla_put_string(skb, SEGFILTER_A_DOMAIN_NAME, dom->name) ||
	       nla_put_u8(skb, SEGFILTER_A_DEFAULT_ACTION,
			  pol->cfg.default_action) ||
	       nla_put_u32(skb, SEGFILTER_A_FLOW_LIMIT, pol->cfg.flow_limit) ||
	       nla_put_u32(skb, SEGFILTER_A_ENDPOINT_LIMIT,
			   pol->cfg.endpoint_limit) ||
	       nla_put_u32(skb, SEGFILTER_A_RULE_LIMIT, pol->cfg.rule_limit) ||
	       nla_put_u32(skb, SEGFILTER_A_SERVICE_LIMIT,
			   pol->cfg.service_limit) ||
	       nla_put_u32(skb, SEGFILTER_A_CHAIN_LIMIT, pol->cfg.chain_limit) ||
	       nla_put_u32(skb, SEGFILTER_A_PREFIX_LIMIT,
			   pol->cfg.prefix_limit) ||
	       nla_put_u32(skb, SEGFILTER_A_BUM_LIMIT, pol->cfg.bum_limit) ||
	       segf_put_gateway(skb, &pol->cfg) ||
	       segf_put_dhcp(skb, &pol->cfg) ||
	       (dom->vni && nla_put_u32(skb, SEGFILTER_A_VNI, dom->vni)) ||
	       nla_put_u64_64bit(skb, SEGFILTER_A_POLICY_GEN, pol->gen,
				 SEGFILTER_A_PAD) ||
	       nla_put_u32(skb, SEGFILTER_A_N_PORTS, dom->n_ports) ||
	       nla_put_u32(skb, SEGFILTER_A_N_GROUPS, dom->n_groups) ||
	       nla_put_u32(skb, SEGFILTER_A_N_ENDPOINTS, dom->n_endpoints) ||
	       nla_put_u32(skb, SEGFILTER_A_N_RULES, dom->n_rules) ||
	       nla_put_u32(skb, SEGFILTER_A_N_SERVICES, dom->n_services) ||
	       nla_put_u32(skb, SEGFILTER_A_N_CHAINS, dom->n_chains) ||
	       nla_put_u32(skb, SEGFILTER_A_N_PREFIXES, dom->n_prefixes) ||
	       nla_put_u32(skb, SEGFILTER_A_N_FLOWS,
			   atomic_read(&dom->n_flows)) ||
	       segf_put_stats(skb, dom->stats);
	return segf_msg_end(skb, hdr, full);
}

static int segf_fill_group(struct sk_buff *skb, void *obj,
			   const struct segf_msg *m)
{
	struct segf_group *grp = obj;
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

/* ---- domains ---- */

/* Whether @a is among the first @n of @addrs. */
static bool segf_addr_listed(const struct segf_addr *addrs, unsigned int n,
			     const struct segf_addr *a)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (segf_addr_equal(&addrs[i], a))
			return true;
	return false;
}

/*
 * The DHCP and router advertisement settings of a request: the MTU, the
 * DNS servers and the /64 prefixes to advertise.  A nest replaces what
 * @cfg had; an empty one removes it.
 */
static int segf_parse_dhcp_cfg(struct nlattr **attrs,
			       struct segf_domain_cfg *cfg,
			       struct netlink_ext_ack *extack)
{
	struct nlattr *pfx = attrs[SEGFILTER_A_RA_PREFIXES];
	struct nlattr *mtu = attrs[SEGFILTER_A_MTU];
	struct segf_addr addrs[SEGF_EP_ADDRS];
	unsigned int n, i;
	int err;

	if (mtu) {
		if (nla_get_u32(mtu) && nla_get_u32(mtu) < 68) {
			NL_SET_ERR_MSG_ATTR(extack, mtu,
					    "an MTU is at least 68 (0: none)");
			return -EINVAL;
		}
		cfg->mtu = nla_get_u32(mtu);
	}
	if (attrs[SEGFILTER_A_DNS_SERVERS]) {
		err = segf_parse_addrs(attrs[SEGFILTER_A_DNS_SERVERS], addrs,
				       &n, extack);
		if (err)
			return err;
		for (i = 0; i < n; i++) {
			if (!segf_addr_unicast(&addrs[i])) {
				NL_SET_ERR_MSG_ATTR(extack,
						    attrs[SEGFILTER_A_DNS_SERVERS],
						    "a DNS server must be a unicast host address");
				return -EINVAL;
			}
			if (segf_addr_listed(addrs, i, &addrs[i])) {
				NL_SET_ERR_MSG_FMT_MOD(extack,
						       "DNS server %u is given twice",
						       i + 1);
				return -EEXIST;
			}
		}
		memcpy(cfg->dns, addrs, sizeof(addrs));
		cfg->n_dns = n;
	}
	if (pfx) {
		err = segf_parse_addrs(pfx, addrs, &n, extack);
		if (err)
			return err;
		for (i = 0; i < n; i++) {
			if (addrs[i].family != AF_INET6 ||
			    !segf_addr_unicast(&addrs[i]) ||
			    (ipv6_addr_type(&addrs[i].v6) &
			     IPV6_ADDR_LINKLOCAL) ||
			    addrs[i].v6.s6_addr32[2] ||
			    addrs[i].v6.s6_addr32[3]) {
				NL_SET_ERR_MSG_ATTR(extack, pfx,
						    "a prefix to advertise is an IPv6 global or unique local /64, its host part zero");
				return -EINVAL;
			}
			if (segf_addr_listed(addrs, i, &addrs[i])) {
				NL_SET_ERR_MSG_FMT_MOD(extack,
						       "prefix %u is given twice",
						       i + 1);
				return -EEXIST;
			}
			cfg->ra_prefixes[i] = addrs[i].v6;
		}
		cfg->n_ra_prefixes = n;
	}
	if (cfg->n_ra_prefixes && is_zero_ether_addr(cfg->gw_mac)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "prefixes to advertise need a gateway MAC");
		return -EINVAL;
	}
	return 0;
}

/*
 * The configuration a DOMAIN_NEW or DOMAIN_SET request gives, on top of
 * @cfg.  Checks what can be checked without the domain.
 */
static int segf_parse_domain_cfg(struct nlattr **attrs,
				 struct segf_domain_cfg *cfg,
				 struct netlink_ext_ack *extack)
{
	struct nlattr *mac = attrs[SEGFILTER_A_GW_MAC];
	struct segf_addr addrs[SEGF_EP_ADDRS];
	unsigned int n, i;
	int err;

	if (attrs[SEGFILTER_A_DEFAULT_ACTION])
		cfg->default_action =
			nla_get_u8(attrs[SEGFILTER_A_DEFAULT_ACTION]);
	if (attrs[SEGFILTER_A_FLOW_LIMIT])
		cfg->flow_limit = nla_get_u32(attrs[SEGFILTER_A_FLOW_LIMIT]);
	if (attrs[SEGFILTER_A_ENDPOINT_LIMIT])
		cfg->endpoint_limit =
			nla_get_u32(attrs[SEGFILTER_A_ENDPOINT_LIMIT]);
	if (attrs[SEGFILTER_A_RULE_LIMIT])
		cfg->rule_limit = nla_get_u32(attrs[SEGFILTER_A_RULE_LIMIT]);
	if (attrs[SEGFILTER_A_SERVICE_LIMIT])
		cfg->service_limit =
			nla_get_u32(attrs[SEGFILTER_A_SERVICE_LIMIT]);
	if (attrs[SEGFILTER_A_CHAIN_LIMIT])
		cfg->chain_limit = nla_get_u32(attrs[SEGFILTER_A_CHAIN_LIMIT]);
	if (attrs[SEGFILTER_A_PREFIX_LIMIT])
		cfg->prefix_limit =
			nla_get_u32(attrs[SEGFILTER_A_PREFIX_LIMIT]);
	if (attrs[SEGFILTER_A_BUM_LIMIT])
		cfg->bum_limit = nla_get_u32(attrs[SEGFILTER_A_BUM_LIMIT]);
	if (mac && is_zero_ether_addr(nla_data(mac))) {
		eth_zero_addr(cfg->gw_mac);
		cfg->n_gw_addrs = 0;
	} else if (mac) {
		if (!is_valid_ether_addr(nla_data(mac))) {
			NL_SET_ERR_MSG_ATTR(extack, mac,
					    "the gateway MAC must be a unicast address");
			return -EINVAL;
		}
		ether_addr_copy(cfg->gw_mac, nla_data(mac));
	}
	if (attrs[SEGFILTER_A_GW_ADDRS]) {
		err = segf_parse_addrs(attrs[SEGFILTER_A_GW_ADDRS], addrs, &n,
				       extack);
		if (err)
			return err;
		for (i = 0; i < n; i++) {
			if (!segf_addr_unicast(&addrs[i])) {
				NL_SET_ERR_MSG_ATTR(extack,
						    attrs[SEGFILTER_A_GW_ADDRS],
						    "a gateway address must be a unicast host address");
				return -EINVAL;
			}
		}
		memcpy(cfg->gw_addrs, addrs, sizeof(addrs));
		cfg->n_gw_addrs = n;
	}
	if (cfg->n_gw_addrs && is_zero_ether_addr(cfg->gw_mac)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "gateway addresses need a gateway MAC");
		return -EINVAL;
	}
	return segf_parse_dhcp_cfg(attrs, cfg, extack);
}

static int segf_domain_new_check(struct nlattr **attrs,
				 struct netlink_ext_ack *extack)
{
	struct segf_domain_cfg cfg = {};

	if (segf_missing(attrs, extack, SEGFILTER_A_DOMAIN_ID, "domain id") ||
	    segf_missing(attrs, extack, SEGFILTER_A_DOMAIN_NAME, "domain name"))
		return -EINVAL;
	return segf_check_name(attrs, extack, SEGFILTER_A_DOMAIN_NAME) ?:
	       segf_parse_domain_cfg(attrs, &cfg, extack);
}

static int segf_domain_new_apply(struct segf_commit *c, struct nlattr **attrs,
				 void **obj)
{
	struct segf_domain_cfg cfg = {
		.default_action = SEGFILTER_ACTION_ALLOW,
		.flow_limit = SEGFILTER_FLOW_LIMIT_DEFAULT,
		.endpoint_limit = SEGFILTER_ENDPOINT_LIMIT_DEFAULT,
		.rule_limit = SEGFILTER_RULE_LIMIT_DEFAULT,
		.service_limit = SEGFILTER_SERVICE_LIMIT_DEFAULT,
		.chain_limit = SEGFILTER_CHAIN_LIMIT_DEFAULT,
		.prefix_limit = SEGFILTER_PREFIX_LIMIT_DEFAULT,
		.bum_limit = SEGFILTER_BUM_LIMIT_DEFAULT,
	};
	struct segf_domain *dom;
	int err;

	err = segf_parse_domain_cfg(attrs, &cfg, c->extack);
	if (err)
		return err;
	err = segf_domain_create(c->sn,
				 nla_get_u32(attrs[SEGFILTER_A_DOMAIN_ID]),
				 nla_data(attrs[SEGFILTER_A_DOMAIN_NAME]), &cfg,
				 &dom, c->extack);
	if (err)
		return err;
	if (attrs[SEGFILTER_A_VNI]) {
		err = segf_domain_set_vni(dom,
					  nla_get_u32(attrs[SEGFILTER_A_VNI]),
					  c->extack);
		if (err) {
			NL_SET_BAD_ATTR(c->extack, attrs[SEGFILTER_A_VNI]);
			segf_domain_destroy(dom, true, NULL);
			return err;
		}
	}
	err = segf_commit_record(c, SEGF_UNDO_DOMAIN_NEW, dom);
	if (err) {
		segf_domain_destroy(dom, true, NULL);
		return err;
	}
	segf_uplinks_warn(c->sn, dom, cfg.mtu, c->extack);
	*obj = dom;
	return 0;
}

static int segf_domain_set_check(struct nlattr **attrs,
				 struct netlink_ext_ack *extack)
{
	if (segf_missing_domain(attrs, extack))
		return -EINVAL;
	if (attrs[SEGFILTER_A_VNI]) {
		NL_SET_BAD_ATTR(extack, attrs[SEGFILTER_A_VNI]);
		NL_SET_ERR_MSG_MOD(extack,
				   "a domain's VNI cannot be changed: it is given when the domain is created");
		return -EINVAL;
	}
	if (!attrs[SEGFILTER_A_DEFAULT_ACTION] &&
	    !attrs[SEGFILTER_A_FLOW_LIMIT] &&
	    !attrs[SEGFILTER_A_ENDPOINT_LIMIT] &&
	    !attrs[SEGFILTER_A_RULE_LIMIT] &&
	    !attrs[SEGFILTER_A_SERVICE_LIMIT] &&
	    !attrs[SEGFILTER_A_CHAIN_LIMIT] &&
	    !attrs[SEGFILTER_A_PREFIX_LIMIT] && !attrs[SEGFILTER_A_GW_MAC] &&
	    !attrs[SEGFILTER_A_GW_ADDRS] && !attrs[SEGFILTER_A_MTU] &&
	    !attrs[SEGFILTER_A_DNS_SERVERS] &&
	    !attrs[SEGFILTER_A_RA_PREFIXES] &&
	    !attrs[SEGFILTER_A_BUM_LIMIT]) {
		NL_SET_ERR_MSG_MOD(extack,
				   "nothing to set: give a default action, a limit, a gateway, an MTU, DNS servers or prefixes");
		return -EINVAL;
	}
	/* The rest depends on the domain's gateway: checked when applied. */
	return 0;
}

static int segf_domain_set_apply(struct segf_commit *c, struct nlattr **attrs,
				 void **obj)
{
	struct segf_domain_cfg cfg;
	struct segf_domain *dom;
	unsigned int i;
	int err;

	dom = segf_domain_lookup(c->sn, attrs, true, c->extack);
	if (IS_ERR(dom))
		return PTR_ERR(dom);
	cfg = *segf_domain_next_cfg(dom);
	err = segf_parse_domain_cfg(attrs, &cfg, c->extack);
	if (err)
		return err;
	if (!is_zero_ether_addr(cfg.gw_mac) &&
	    segf_endpoint_live_mac(dom, cfg.gw_mac)) {
		NL_SET_ERR_MSG_FMT_MOD(c->extack,
				       "gateway MAC %pM is an endpoint's",
				       cfg.gw_mac);
		return -EEXIST;
	}
	for (i = 0; i < cfg.n_gw_addrs; i++) {
		struct segf_endpoint *ep;

		ep = segf_endpoint_live_addr(dom, &cfg.gw_addrs[i]);
		if (ep) {
			NL_SET_ERR_MSG_FMT_MOD(c->extack,
					       "gateway address %u belongs to endpoint %pM",
					       i + 1, ep->mac);
			return -EEXIST;
		}
	}
	/* With prefixes, the gateway's link-local address is its own. */
	if (cfg.n_ra_prefixes) {
		struct segf_endpoint *ep;
		struct segf_addr ll;

		memset(&ll, 0, sizeof(ll));
		ll.family = AF_INET6;
		segf_gw_link_local(&cfg, &ll.v6);
		ep = segf_endpoint_live_addr(dom, &ll);
		if (ep) {
			/* An extack holds 80 bytes: the address would not fit. */
			NL_SET_ERR_MSG_FMT_MOD(c->extack,
					       "the gateway's link-local belongs to endpoint %pM",
					       ep->mac);
			return -EEXIST;
		}
	}
	segf_commit_touch(c, dom);
	dom->next_cfg = cfg;
	if (attrs[SEGFILTER_A_MTU])
		segf_uplinks_warn(c->sn, dom, cfg.mtu, c->extack);
	*obj = dom;
	return 0;
}

int segf_domain_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_net *sn = segf_pernet(genl_info_net(info));
	struct segf_domain *dom;
	int err;

	segf_lock(sn);
	dom = segf_domain_lookup(sn, info->attrs, true, info->extack);
	if (IS_ERR(dom))
		err = PTR_ERR(dom);
	else
		err = segf_domain_destroy(dom, false, info->extack);
	mutex_unlock(&sn->lock);
	return err;
}

/* ---- groups ---- */

static int segf_group_new_check(struct nlattr **attrs,
				struct netlink_ext_ack *extack)
{
	if (segf_missing_domain(attrs, extack) ||
	    segf_missing(attrs, extack, SEGFILTER_A_GROUP_ID, "group id") ||
	    segf_missing(attrs, extack, SEGFILTER_A_GROUP_NAME, "group name"))
		return -EINVAL;
	return segf_check_name(attrs, extack, SEGFILTER_A_GROUP_NAME);
}

static int segf_group_new_apply(struct segf_commit *c, struct nlattr **attrs,
				void **obj)
{
	struct segf_domain *dom;
	struct segf_group *grp;
	int err;

	dom = segf_domain_lookup(c->sn, attrs, true, c->extack);
	if (IS_ERR(dom))
		return PTR_ERR(dom);
	err = segf_group_create(dom, nla_get_u16(attrs[SEGFILTER_A_GROUP_ID]),
				nla_data(attrs[SEGFILTER_A_GROUP_NAME]), &grp,
				c->extack);
	if (err)
		return err;
	err = segf_commit_record(c, SEGF_UNDO_GROUP_NEW, grp);
	if (err) {
		segf_group_unlink(grp);
		return err;
	}
	*obj = grp;
	return 0;
}

static int segf_group_del_check(struct nlattr **attrs,
				struct netlink_ext_ack *extack)
{
	return segf_missing_domain(attrs, extack) ||
	       segf_missing_group(attrs, extack) ? -EINVAL : 0;
}

static int segf_group_del_apply(struct segf_commit *c, struct nlattr **attrs,
				void **obj)
{
	struct segf_domain *dom;
	struct segf_group *grp;
	int err;

	dom = segf_domain_lookup(c->sn, attrs, true, c->extack);
	if (IS_ERR(dom))
		return PTR_ERR(dom);
	grp = segf_group_lookup(dom, attrs, c->extack);
	if (IS_ERR(grp))
		return PTR_ERR(grp);
	err = segf_commit_record(c, SEGF_UNDO_GROUP_DEL, grp);
	if (err)
		return err;
	segf_commit_touch(c, dom);
	err = segf_group_retire(grp, c->extack);
	if (err)
		segf_commit_unrecord(c, grp);
	return err;
}

static void *segf_domain_get_lookup(struct segf_net *sn, struct nlattr **attrs,
				    struct netlink_ext_ack *extack)
{
	return segf_domain_lookup(sn, attrs, true, extack);
}

static void *segf_group_get_lookup(struct segf_net *sn, struct nlattr **attrs,
				   struct netlink_ext_ack *extack)
{
	struct segf_domain *dom = segf_domain_lookup(sn, attrs, true, extack);

	if (IS_ERR(dom))
		return dom;
	return segf_group_lookup(dom, attrs, extack);
}

const struct segf_nl_cmd segf_domain_new_cmd = {
	.flags = SEGF_NL_STAGE,
	.check = segf_domain_new_check,
	.apply = segf_domain_new_apply,
	.fill = segf_fill_domain,
};

const struct segf_nl_cmd segf_domain_set_cmd = {
	.flags = SEGF_NL_STAGE,
	.check = segf_domain_set_check,
	.apply = segf_domain_set_apply,
};

/* Outside the commit path: see "Commits and transactions" in design.rst. */
const struct segf_nl_cmd segf_domain_del_cmd = {
	.doit = segf_domain_del_doit,
};

static const struct segf_nl_dump segf_domain_dump = {
	.net_table = offsetof(struct segf_net, domains),
};

const struct segf_nl_cmd segf_domain_get_cmd = {
	.lookup = segf_domain_get_lookup,
	.fill = segf_fill_domain,
	.dump = &segf_domain_dump,
};

const struct segf_nl_cmd segf_group_new_cmd = {
	.flags = SEGF_NL_STAGE,
	.check = segf_group_new_check,
	.apply = segf_group_new_apply,
	.fill = segf_fill_group,
};

const struct segf_nl_cmd segf_group_del_cmd = {
	.flags = SEGF_NL_STAGE,
	.check = segf_group_del_check,
	.apply = segf_group_del_apply,
};

static const struct segf_nl_dump segf_group_dump = {
	.net_table = offsetof(struct segf_net, domains),
	.dom_table = offsetof(struct segf_domain, groups),
	.in_domains = true,
};

const struct segf_nl_cmd segf_group_get_cmd = {
	.lookup = segf_group_get_lookup,
	.fill = segf_fill_group,
	.dump = &segf_group_dump,
};
