// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: SERVICE_*, INSTANCE_* and CHAIN_* commands.
 */

#include <linux/etherdevice.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "compat.h"
#include "domain.h"
#include "nl.h"
#include "port.h"
#include "segfilter.h"
#include "service.h"
#include "txn.h"

/* ---- services, instances and chains ---- */

static int segf_service_check(struct nlattr **attrs,
			      struct netlink_ext_ack *extack)
{
	if (segf_missing_domain(attrs, extack) ||
	    segf_missing(attrs, extack, SEGFILTER_A_SERVICE_NAME,
			 "service name"))
		return -EINVAL;
	return segf_check_name(attrs, extack, SEGFILTER_A_SERVICE_NAME);
}

static int segf_service_new_check(struct nlattr **attrs,
				  struct netlink_ext_ack *extack)
{
	return segf_service_check(attrs, extack) ?:
	       (segf_missing(attrs, extack, SEGFILTER_A_SERVICE_MODE,
			     "service mode") ? -EINVAL : 0);
}

/* The service a request names in its domain, not deleted already. */
static void *segf_service_lookup(struct segf_net *sn, struct nlattr **attrs,
				 struct netlink_ext_ack *extack)
{
	struct nlattr *name = attrs[SEGFILTER_A_SERVICE_NAME];
	struct segf_service *svc;
	struct segf_domain *dom;

	dom = segf_domain_lookup(sn, attrs, true, extack);
	if (IS_ERR(dom))
		return ERR_CAST(dom);
	if (segf_missing(attrs, extack, SEGFILTER_A_SERVICE_NAME,
			 "service name"))
		return ERR_PTR(-EINVAL);
	svc = segf_service_find(dom, nla_data(name));
	if (svc)
		return svc;
	NL_SET_BAD_ATTR(extack, name);
	NL_SET_ERR_MSG_FMT_MOD(extack,
			       "service \"%s\" does not exist in domain \"%s\"",
			       (char *)nla_data(name), dom->name);
	return ERR_PTR(-ENOENT);
}

static int segf_service_new_apply(struct segf_commit *c,
				  struct nlattr **attrs, void **obj)
{
	struct segf_service *svc;
	struct segf_domain *dom;
	int err;

	dom = segf_domain_lookup(c->sn, attrs, true, c->extack);
	if (IS_ERR(dom))
		return PTR_ERR(dom);
	err = segf_service_create(dom,
				  nla_data(attrs[SEGFILTER_A_SERVICE_NAME]),
				  nla_get_u8(attrs[SEGFILTER_A_SERVICE_MODE]),
				  &svc, c->extack);
	if (err)
		return err;
	err = segf_commit_record(c, SEGF_UNDO_SERVICE_NEW, svc);
	if (err) {
		segf_service_unlink(svc);
		return err;
	}
	*obj = svc;
	return 0;
}

static int segf_service_del_apply(struct segf_commit *c,
				  struct nlattr **attrs, void **obj)
{
	struct segf_service *svc;
	int err;

	svc = segf_service_lookup(c->sn, attrs, c->extack);
	if (IS_ERR(svc))
		return PTR_ERR(svc);
	err = segf_commit_record(c, SEGF_UNDO_SERVICE_DEL, svc);
	if (err)
		return err;
	err = segf_service_retire(svc, c->extack);
	if (err)
		segf_commit_unrecord(c, svc);
	return err;
}

static int segf_fill_service(struct sk_buff *skb, void *obj,
			     const struct segf_msg *m)
{
	struct segf_service *svc = obj;
	struct segf_domain *dom = svc->domain;
	void *hdr = segf_msg_start(skb, m);

	if (!hdr)
		return -EMSGSIZE;
	return segf_msg_end(skb, hdr,
		nla_put_u32(skb, SEGFILTER_A_DOMAIN_ID, dom->id) ||
		nla_put_string(skb, SEGFILTER_A_DOMAIN_NAME, dom->name) ||
		nla_put_string(skb, SEGFILTER_A_SERVICE_NAME, svc->name) ||
		nla_put_u8(skb, SEGFILTER_A_SERVICE_MODE, svc->mode) ||
		nla_put_u32(skb, SEGFILTER_A_N_INSTANCES, svc->n_instances));
}

/*
 * One side of an instance, as a request describes it.  @routed: the
 * service's mode, once known (at apply); then its port is looked up too.
 */
static int segf_parse_iface(struct segf_net *sn, struct nlattr *nest,
			    const char *what, int routed,
			    struct segf_iface *side,
			    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SEGFILTER_A_IFACE_MAX + 1];
	struct segf_port *port;
	int err;

	err = segf_parse_iface_attrs(tb, nest, extack);
	if (err)
		return err;
	memset(side, 0, sizeof(*side));
	if (!tb[SEGFILTER_A_IFACE_IFINDEX]) {
		NL_SET_ERR_ATTR_MISS(extack, nest, SEGFILTER_A_IFACE_IFINDEX);
		NL_SET_ERR_MSG_FMT_MOD(extack, "missing %s port (ifindex)",
				       what);
		return -EINVAL;
	}
	side->ifindex = nla_get_u32(tb[SEGFILTER_A_IFACE_IFINDEX]);
	err = segf_parse_addrs(tb[SEGFILTER_A_IFACE_ADDRS], side->addrs,
			       &side->n_addrs, extack);
	if (err)
		return err;
	if (tb[SEGFILTER_A_IFACE_MAC]) {
		ether_addr_copy(side->mac, nla_data(tb[SEGFILTER_A_IFACE_MAC]));
		if (!is_valid_ether_addr(side->mac)) {
			NL_SET_BAD_ATTR(extack, tb[SEGFILTER_A_IFACE_MAC]);
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "%s MAC must be unicast", what);
			return -EINVAL;
		}
	}
	if (routed < 0)
		return 0;

	if (routed && !tb[SEGFILTER_A_IFACE_MAC]) {
		NL_SET_ERR_ATTR_MISS(extack, nest, SEGFILTER_A_IFACE_MAC);
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "a routed instance needs its %s MAC",
				       what);
		return -EINVAL;
	}
	if (!routed && (tb[SEGFILTER_A_IFACE_MAC] ||
			tb[SEGFILTER_A_IFACE_ADDRS])) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "a transparent instance has no MAC or address");
		return -EINVAL;
	}
	port = segf_port_find(sn, side->ifindex);
	if (!port) {
		NL_SET_BAD_ATTR(extack, nest);
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "%s: ifindex %d is not an attached port",
				       what, side->ifindex);
		return -ENOENT;
	}
	RCU_INIT_POINTER(side->port, port);
	return 0;
}

static int segf_instance_check(struct nlattr **attrs,
			       struct netlink_ext_ack *extack)
{
	return segf_service_check(attrs, extack) ?:
	       (segf_missing(attrs, extack, SEGFILTER_A_INSTANCE_ID,
			     "instance id") ? -EINVAL : 0);
}

static int segf_instance_new_check(struct nlattr **attrs,
				   struct netlink_ext_ack *extack)
{
	struct segf_iface side;
	int err;

	err = segf_instance_check(attrs, extack);
	if (err)
		return err;
	if (segf_missing(attrs, extack, SEGFILTER_A_LEFT, "left side") ||
	    segf_missing(attrs, extack, SEGFILTER_A_RIGHT, "right side"))
		return -EINVAL;
	return segf_parse_iface(NULL, attrs[SEGFILTER_A_LEFT], "left", -1,
				&side, extack) ?:
	       segf_parse_iface(NULL, attrs[SEGFILTER_A_RIGHT], "right", -1,
				&side, extack);
}

static int segf_instance_set_check(struct nlattr **attrs,
				   struct netlink_ext_ack *extack)
{
	return segf_instance_check(attrs, extack) ?:
	       (segf_missing(attrs, extack, SEGFILTER_A_INSTANCE_DRAIN,
			     "drain (0 or 1)") ? -EINVAL : 0);
}

static void *segf_instance_lookup(struct segf_net *sn, struct nlattr **attrs,
				  struct netlink_ext_ack *extack)
{
	struct nlattr *id = attrs[SEGFILTER_A_INSTANCE_ID];
	struct segf_instance *inst;
	struct segf_service *svc;

	svc = segf_service_lookup(sn, attrs, extack);
	if (IS_ERR(svc))
		return ERR_CAST(svc);
	if (segf_missing(attrs, extack, SEGFILTER_A_INSTANCE_ID,
			 "instance id"))
		return ERR_PTR(-EINVAL);
	inst = segf_instance_find(svc, nla_get_u32(id));
	if (inst)
		return inst;
	NL_SET_BAD_ATTR(extack, id);
	NL_SET_ERR_MSG_FMT_MOD(extack,
			       "service \"%s\" has no instance %u",
			       svc->name, nla_get_u32(id));
	return ERR_PTR(-ENOENT);
}

static int segf_instance_new_apply(struct segf_commit *c,
				   struct nlattr **attrs, void **obj)
{
	struct segf_instance *inst;
	struct segf_service *svc;
	struct segf_iface *sides;
	int routed, err;

	svc = segf_service_lookup(c->sn, attrs, c->extack);
	if (IS_ERR(svc))
		return PTR_ERR(svc);
	routed = svc->mode == SEGFILTER_SERVICE_ROUTED;
	sides = kcalloc(2, sizeof(*sides), GFP_KERNEL);
	if (!sides)
		return -ENOMEM;
	err = segf_parse_iface(c->sn, attrs[SEGFILTER_A_LEFT], "left", routed,
			       &sides[SEGF_LEFT], c->extack) ?:
	      segf_parse_iface(c->sn, attrs[SEGFILTER_A_RIGHT], "right",
			       routed, &sides[SEGF_RIGHT], c->extack);
	if (err)
		goto out;
	segf_commit_touch(c, svc->domain);
	err = segf_instance_create(svc,
				   nla_get_u32(attrs[SEGFILTER_A_INSTANCE_ID]),
				   sides, svc->domain->next_gen, &inst,
				   c->extack);
	if (err)
		goto out;
	err = segf_commit_record(c, SEGF_UNDO_INSTANCE_NEW, inst);
	if (err) {
		segf_instance_unlink(inst);
		goto out;
	}
	*obj = inst;
out:
	kfree(sides);
	return err;
}

static int segf_instance_del_apply(struct segf_commit *c,
				   struct nlattr **attrs, void **obj)
{
	struct segf_instance *inst;
	int err;

	inst = segf_instance_lookup(c->sn, attrs, c->extack);
	if (IS_ERR(inst))
		return PTR_ERR(inst);
	err = segf_commit_record(c, SEGF_UNDO_INSTANCE_DEL, inst);
	if (err)
		return err;
	segf_commit_touch(c, inst->svc->domain);
	segf_instance_retire(inst, inst->svc->domain->next_gen);
	return 0;
}

static int segf_instance_set_apply(struct segf_commit *c,
				   struct nlattr **attrs, void **obj)
{
	bool drain = nla_get_u8(attrs[SEGFILTER_A_INSTANCE_DRAIN]);
	struct segf_instance *inst;
	int err;

	inst = segf_instance_lookup(c->sn, attrs, c->extack);
	if (IS_ERR(inst))
		return PTR_ERR(inst);
	if (inst->next_drained == drain)
		return 0;
	err = segf_commit_record(c, SEGF_UNDO_INSTANCE_DRAIN, inst);
	if (err)
		return err;
	/* The data path sees it once the commit is published. */
	inst->next_drained = drain;
	return 0;
}

static int segf_put_iface(struct sk_buff *skb, int attr,
			  const struct segf_instance *inst, int s)
{
	const struct segf_iface *side = &inst->side[s];
	struct segf_net *sn = inst->svc->domain->sn;
	struct nlattr *nest;
	struct segf_port *port;
	char name[IFNAMSIZ];

	port = rcu_dereference_protected(side->port,
					 lockdep_is_held(&sn->lock));
	if (port)
		segf_port_name(port, name);
	nest = nla_nest_start(skb, attr);
	if (!nest ||
	    nla_put_u32(skb, SEGFILTER_A_IFACE_IFINDEX, side->ifindex) ||
	    (port && nla_put_string(skb, SEGFILTER_A_IFACE_IFNAME, name)))
		return -EMSGSIZE;
	if (inst->svc->mode == SEGFILTER_SERVICE_ROUTED &&
	    nla_put(skb, SEGFILTER_A_IFACE_MAC, ETH_ALEN, side->mac))
		return -EMSGSIZE;
	if (side->n_addrs &&
	    segf_put_addr_list(skb, SEGFILTER_A_IFACE_ADDRS, side->addrs,
			       side->n_addrs, sizeof(side->addrs[0])))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int segf_put_instance_stats(struct sk_buff *skb,
				   const struct segf_instance *inst)
{
	static const int attrs[5] = {
		SEGFILTER_STATS_FLOWS,
		SEGFILTER_STATS_TX_PACKETS, SEGFILTER_STATS_TX_BYTES,
		SEGFILTER_STATS_RX_PACKETS, SEGFILTER_STATS_RX_BYTES,
	};
	struct nlattr *nest;
	u64 c[5];
	int i;

	segf_instance_read_stats(inst, c);
	nest = nla_nest_start(skb, SEGFILTER_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < 5; i++)
		if (nla_put_u64_64bit(skb, attrs[i], c[i],
				      SEGFILTER_STATS_PAD))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int segf_fill_instance(struct sk_buff *skb, void *obj,
			      const struct segf_msg *m)
{
	struct segf_instance *inst = obj;
	struct segf_service *svc = inst->svc;
	struct segf_domain *dom = svc->domain;
	void *hdr = segf_msg_start(skb, m);

	if (!hdr)
		return -EMSGSIZE;
	return segf_msg_end(skb, hdr,
		nla_put_u32(skb, SEGFILTER_A_DOMAIN_ID, dom->id) ||
		nla_put_string(skb, SEGFILTER_A_DOMAIN_NAME, dom->name) ||
		nla_put_string(skb, SEGFILTER_A_SERVICE_NAME, svc->name) ||
		nla_put_u8(skb, SEGFILTER_A_SERVICE_MODE, svc->mode) ||
		nla_put_u32(skb, SEGFILTER_A_INSTANCE_ID, inst->id) ||
		nla_put_u8(skb, SEGFILTER_A_INSTANCE_STATE,
			   segf_instance_state(inst)) ||
		nla_put_u8(skb, SEGFILTER_A_INSTANCE_DRAIN, inst->drained) ||
		segf_put_iface(skb, SEGFILTER_A_LEFT, inst, SEGF_LEFT) ||
		segf_put_iface(skb, SEGFILTER_A_RIGHT, inst, SEGF_RIGHT) ||
		segf_put_instance_stats(skb, inst));
}

static int segf_chain_check(struct nlattr **attrs,
			    struct netlink_ext_ack *extack)
{
	if (segf_missing_domain(attrs, extack) ||
	    segf_missing(attrs, extack, SEGFILTER_A_CHAIN_NAME, "chain name"))
		return -EINVAL;
	return segf_check_name(attrs, extack, SEGFILTER_A_CHAIN_NAME);
}

static int segf_chain_new_check(struct nlattr **attrs,
				struct netlink_ext_ack *extack)
{
	const char *names[SEGFILTER_CHAIN_MAX_SERVICES];
	struct nlattr *nest = attrs[SEGFILTER_A_CHAIN_SERVICES];
	unsigned int n = 0, i;
	struct nlattr *a;
	int rem, err;

	err = segf_chain_check(attrs, extack);
	if (err)
		return err;
	if (segf_missing(attrs, extack, SEGFILTER_A_CHAIN_SERVICES,
			 "services"))
		return -EINVAL;
	nla_for_each_nested(a, nest, rem) {
		if (n == SEGFILTER_CHAIN_MAX_SERVICES) {
			NL_SET_BAD_ATTR(extack, a);
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "a chain has at most %d services",
					       SEGFILTER_CHAIN_MAX_SERVICES);
			return -E2BIG;
		}
		names[n] = nla_data(a);
		if (!segf_name_valid(names[n])) {
			NL_SET_ERR_MSG_ATTR(extack, a, "invalid service name");
			return -EINVAL;
		}
		for (i = 0; i < n; i++) {
			if (strcmp(names[i], names[n]))
				continue;
			NL_SET_BAD_ATTR(extack, a);
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "service \"%s\" is in the chain twice",
					       names[n]);
			return -EINVAL;
		}
		n++;
	}
	if (!n) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "a chain needs a service");
		return -EINVAL;
	}
	return 0;
}

static void *segf_chain_lookup(struct segf_net *sn, struct nlattr **attrs,
			       struct netlink_ext_ack *extack)
{
	struct nlattr *name = attrs[SEGFILTER_A_CHAIN_NAME];
	struct segf_domain *dom;
	struct segf_chain *chain;

	dom = segf_domain_lookup(sn, attrs, true, extack);
	if (IS_ERR(dom))
		return ERR_CAST(dom);
	if (segf_missing(attrs, extack, SEGFILTER_A_CHAIN_NAME, "chain name"))
		return ERR_PTR(-EINVAL);
	chain = segf_chain_find(dom, nla_data(name));
	if (chain)
		return chain;
	NL_SET_BAD_ATTR(extack, name);
	NL_SET_ERR_MSG_FMT_MOD(extack,
			       "chain \"%s\" does not exist in domain \"%s\"",
			       (char *)nla_data(name), dom->name);
	return ERR_PTR(-ENOENT);
}

static int segf_chain_new_apply(struct segf_commit *c, struct nlattr **attrs,
				void **obj)
{
	struct segf_service *svcs[SEGFILTER_CHAIN_MAX_SERVICES];
	u8 fail = SEGFILTER_FAIL_CLOSED;
	struct segf_domain *dom;
	struct segf_chain *chain;
	unsigned int n = 0;
	struct nlattr *a;
	int rem, err;

	dom = segf_domain_lookup(c->sn, attrs, true, c->extack);
	if (IS_ERR(dom))
		return PTR_ERR(dom);
	nla_for_each_nested(a, attrs[SEGFILTER_A_CHAIN_SERVICES], rem) {
		if (WARN_ON_ONCE(n == SEGFILTER_CHAIN_MAX_SERVICES))
			return -E2BIG;
		svcs[n] = segf_service_find(dom, nla_data(a));
		if (!svcs[n]) {
			NL_SET_BAD_ATTR(c->extack, a);
			NL_SET_ERR_MSG_FMT_MOD(c->extack,
					       "service \"%s\" does not exist in domain \"%s\"",
					       (char *)nla_data(a), dom->name);
			return -ENOENT;
		}
		n++;
	}
	if (attrs[SEGFILTER_A_FAIL_MODE])
		fail = nla_get_u8(attrs[SEGFILTER_A_FAIL_MODE]);
	err = segf_chain_create(dom, nla_data(attrs[SEGFILTER_A_CHAIN_NAME]),
				fail, svcs, n, &chain, c->extack);
	if (err)
		return err;
	err = segf_commit_record(c, SEGF_UNDO_CHAIN_NEW, chain);
	if (err) {
		segf_chain_unlink(chain);
		return err;
	}
	*obj = chain;
	return 0;
}

static int segf_chain_del_apply(struct segf_commit *c, struct nlattr **attrs,
				void **obj)
{
	struct segf_chain *chain;
	int err;

	chain = segf_chain_lookup(c->sn, attrs, c->extack);
	if (IS_ERR(chain))
		return PTR_ERR(chain);
	err = segf_commit_record(c, SEGF_UNDO_CHAIN_DEL, chain);
	if (err)
		return err;
	err = segf_chain_retire(chain, c->extack);
	if (err)
		segf_commit_unrecord(c, chain);
	return err;
}

static int segf_fill_chain(struct sk_buff *skb, void *obj,
			   const struct segf_msg *m)
{
	struct segf_chain *chain = obj;
	struct segf_domain *dom = chain->domain;
	void *hdr = segf_msg_start(skb, m);
	struct nlattr *nest;
	unsigned int i;
	bool full;

	if (!hdr)
		return -EMSGSIZE;
	full = nla_put_u32(skb, SEGFILTER_A_DOMAIN_ID, dom->id) ||
	       nla_put_string(skb, SEGFILTER_A_DOMAIN_NAME, dom->name) ||
	       nla_put_string(skb, SEGFILTER_A_CHAIN_NAME, chain->name) ||
	       nla_put_u8(skb, SEGFILTER_A_FAIL_MODE, chain->fail_mode) ||
	       nla_put_u32(skb, SEGFILTER_A_N_RULES, chain->n_rules);
	nest = full ? NULL : nla_nest_start(skb, SEGFILTER_A_CHAIN_SERVICES);
	full = full || !nest;
	for (i = 0; !full && i < chain->n_services; i++)
		full = nla_put_string(skb, SEGFILTER_A_CHAIN_SERVICE,
				      chain->svc[i]->name);
	if (!full)
		nla_nest_end(skb, nest);
	return segf_msg_end(skb, hdr, full);
}

const struct segf_nl_cmd segf_service_new_cmd = {
	.flags = SEGF_NL_STAGE,
	.check = segf_service_new_check,
	.apply = segf_service_new_apply,
	.fill = segf_fill_service,
};

const struct segf_nl_cmd segf_service_del_cmd = {
	.flags = SEGF_NL_STAGE,
	.check = segf_service_check,
	.apply = segf_service_del_apply,
};

static const struct segf_nl_dump segf_service_dump = {
	.net_table = offsetof(struct segf_net, domains),
	.dom_table = offsetof(struct segf_domain, services),
	.in_domains = true,
};

const struct segf_nl_cmd segf_service_get_cmd = {
	.lookup = segf_service_lookup,
	.fill = segf_fill_service,
	.dump = &segf_service_dump,
};

const struct segf_nl_cmd segf_instance_new_cmd = {
	.flags = SEGF_NL_STAGE,
	.check = segf_instance_new_check,
	.apply = segf_instance_new_apply,
	.fill = segf_fill_instance,
};

const struct segf_nl_cmd segf_instance_del_cmd = {
	.flags = SEGF_NL_STAGE,
	.check = segf_instance_check,
	.apply = segf_instance_del_apply,
};

const struct segf_nl_cmd segf_instance_set_cmd = {
	.flags = SEGF_NL_STAGE,
	.check = segf_instance_set_check,
	.apply = segf_instance_set_apply,
};

static unsigned long segf_service_n_slots(void *obj)
{
	return ((struct segf_service *)obj)->n_slots;
}

/* Slot @i holds instance @i + 1, or nothing. */
static void *segf_service_slot(void *obj, unsigned long i)
{
	return segf_instance_find(obj, i + 1);
}

/* Every instance of every service, in the services' slots. */
static const struct segf_nl_dump segf_instance_dump = {
	.net_table = offsetof(struct segf_net, domains),
	.dom_table = offsetof(struct segf_domain, services),
	.in_domains = true,
	.n_children = segf_service_n_slots,
	.child = segf_service_slot,
};

const struct segf_nl_cmd segf_instance_get_cmd = {
	.lookup = segf_instance_lookup,
	.fill = segf_fill_instance,
	.dump = &segf_instance_dump,
};

const struct segf_nl_cmd segf_chain_new_cmd = {
	.flags = SEGF_NL_STAGE,
	.check = segf_chain_new_check,
	.apply = segf_chain_new_apply,
	.fill = segf_fill_chain,
};

const struct segf_nl_cmd segf_chain_del_cmd = {
	.flags = SEGF_NL_STAGE,
	.check = segf_chain_check,
	.apply = segf_chain_del_apply,
};

static const struct segf_nl_dump segf_chain_dump = {
	.net_table = offsetof(struct segf_net, domains),
	.dom_table = offsetof(struct segf_domain, chains),
	.in_domains = true,
};

const struct segf_nl_cmd segf_chain_get_cmd = {
	.lookup = segf_chain_lookup,
	.fill = segf_fill_chain,
	.dump = &segf_chain_dump,
};
