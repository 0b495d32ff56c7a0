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
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "compat.h"
#include "parse.h"
#include "segfilter.h"

struct genl_family segf_family;

static const struct nla_policy segf_addr_policy[SEGFILTER_A_ADDR_MAX + 1] = {
	[SEGFILTER_A_ADDR_IPV4] = { .type = NLA_BE32 },
	[SEGFILTER_A_ADDR_IPV6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
};

static const struct nla_policy segf_tuple_policy[SEGFILTER_A_TUPLE_MAX + 1] = {
	[SEGFILTER_A_TUPLE_SRC_IPV4] = { .type = NLA_BE32 },
	[SEGFILTER_A_TUPLE_DST_IPV4] = { .type = NLA_BE32 },
	[SEGFILTER_A_TUPLE_SRC_IPV6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[SEGFILTER_A_TUPLE_DST_IPV6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[SEGFILTER_A_TUPLE_PROTO] = { .type = NLA_U8 },
	[SEGFILTER_A_TUPLE_SPORT] = { .type = NLA_U16 },
	[SEGFILTER_A_TUPLE_DPORT] = { .type = NLA_U16 },
	[SEGFILTER_A_TUPLE_ICMP_TYPE] = { .type = NLA_U8 },
	[SEGFILTER_A_TUPLE_ICMP_ID] = { .type = NLA_U16 },
};

/* An ifindex is a positive int. */
static struct netlink_range_validation segf_ifindex_range = {
	.min = 1,
	.max = INT_MAX,
};

#define SEGF_POLICY_NAME	{ .type = NLA_NUL_STRING,		\
				  .len = SEGFILTER_NAME_SIZE - 1 }
#define SEGF_POLICY_DOMAIN						\
	[SEGFILTER_A_DOMAIN_ID] = NLA_POLICY_MIN(NLA_U32, 1),		\
	[SEGFILTER_A_DOMAIN_NAME] = SEGF_POLICY_NAME
#define SEGF_POLICY_GROUP						\
	[SEGFILTER_A_GROUP_ID] = NLA_POLICY_MIN(NLA_U16, 1),		\
	[SEGFILTER_A_GROUP_NAME] = SEGF_POLICY_NAME
#define SEGF_POLICY_IFINDEX						\
	[SEGFILTER_A_IFINDEX] = NLA_POLICY_FULL_RANGE(NLA_U32,		\
						      &segf_ifindex_range)
#define SEGF_POLICY_TXN							\
	[SEGFILTER_A_TXN_ID] = NLA_POLICY_MIN(NLA_U32, 1)

static struct netlink_range_validation segf_flow_limit_range = {
	.max = SEGFILTER_FLOW_LIMIT_MAX,
};

static struct netlink_range_validation segf_endpoint_limit_range = {
	.max = SEGFILTER_ENDPOINT_LIMIT_MAX,
};

static struct netlink_range_validation segf_rule_limit_range = {
	.max = SEGFILTER_RULE_LIMIT_MAX,
};

static struct netlink_range_validation segf_service_limit_range = {
	.max = SEGFILTER_SERVICE_LIMIT_MAX,
};

static struct netlink_range_validation segf_chain_limit_range = {
	.max = SEGFILTER_CHAIN_LIMIT_MAX,
};

static struct netlink_range_validation segf_vni_range = {
	.min = 1,
	.max = SEGFILTER_VNI_MAX,
};

static const struct nla_policy segf_domain_new_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	SEGF_POLICY_TXN,
	[SEGFILTER_A_DEFAULT_ACTION] = NLA_POLICY_RANGE(NLA_U8,
							SEGFILTER_ACTION_ALLOW,
							SEGFILTER_ACTION_DENY),
	[SEGFILTER_A_FLOW_LIMIT] = NLA_POLICY_FULL_RANGE(NLA_U32,
							 &segf_flow_limit_range),
	[SEGFILTER_A_ENDPOINT_LIMIT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &segf_endpoint_limit_range),
	[SEGFILTER_A_RULE_LIMIT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &segf_rule_limit_range),
	[SEGFILTER_A_SERVICE_LIMIT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &segf_service_limit_range),
	[SEGFILTER_A_CHAIN_LIMIT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &segf_chain_limit_range),
	[SEGFILTER_A_GW_MAC] = NLA_POLICY_EXACT_LEN(ETH_ALEN),
	[SEGFILTER_A_GW_ADDRS] = NLA_POLICY_NESTED(segf_addr_policy),
	[SEGFILTER_A_VNI] = NLA_POLICY_FULL_RANGE(NLA_U32, &segf_vni_range),
};

static const struct nla_policy segf_domain_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
};

static const struct nla_policy segf_group_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	SEGF_POLICY_GROUP,
	SEGF_POLICY_TXN,
};

static const struct nla_policy segf_group_get_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	SEGF_POLICY_GROUP,
};

static const struct nla_policy segf_port_new_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	SEGF_POLICY_IFINDEX,
	SEGF_POLICY_TXN,
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
	SEGF_POLICY_TXN,
	[SEGFILTER_A_MAC] = NLA_POLICY_ETH_ADDR,
	[SEGFILTER_A_ADDRS] = NLA_POLICY_NESTED(segf_addr_policy),
	[SEGFILTER_A_REMOTE] = NLA_POLICY_NESTED(segf_addr_policy),
};

static const struct nla_policy segf_endpoint_set_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	SEGF_POLICY_IFINDEX,
	SEGF_POLICY_TXN,
	[SEGFILTER_A_MAC] = NLA_POLICY_ETH_ADDR,
	[SEGFILTER_A_REMOTE] = NLA_POLICY_NESTED(segf_addr_policy),
};

static const struct nla_policy segf_endpoint_del_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	SEGF_POLICY_TXN,
	[SEGFILTER_A_MAC] = NLA_POLICY_ETH_ADDR,
};

static const struct nla_policy segf_endpoint_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	[SEGFILTER_A_MAC] = NLA_POLICY_ETH_ADDR,
};

static const struct nla_policy segf_rule_new_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	SEGF_POLICY_TXN,
	[SEGFILTER_A_RULE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[SEGFILTER_A_PRIORITY] = { .type = NLA_U32 },
	[SEGFILTER_A_SRC_GROUP_ID] = NLA_POLICY_MIN(NLA_U16, 1),
	[SEGFILTER_A_SRC_GROUP_NAME] = SEGF_POLICY_NAME,
	[SEGFILTER_A_DST_GROUP_ID] = NLA_POLICY_MIN(NLA_U16, 1),
	[SEGFILTER_A_DST_GROUP_NAME] = SEGF_POLICY_NAME,
	[SEGFILTER_A_PROTO] = { .type = NLA_U8 },
	[SEGFILTER_A_PORT_MIN] = { .type = NLA_U16 },
	[SEGFILTER_A_PORT_MAX] = { .type = NLA_U16 },
	[SEGFILTER_A_ICMP_TYPE] = { .type = NLA_U8 },
	[SEGFILTER_A_ACTION] = NLA_POLICY_RANGE(NLA_U8, SEGFILTER_ACTION_ALLOW,
						SEGFILTER_ACTION_MAX),
	[SEGFILTER_A_CHAIN_NAME] = SEGF_POLICY_NAME,
	[SEGFILTER_A_RULE_FLAGS] = NLA_POLICY_MASK(NLA_U32,
						   SEGFILTER_RULE_F_LOG),
};

static const struct nla_policy segf_rule_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	SEGF_POLICY_TXN,
	[SEGFILTER_A_RULE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

static const struct nla_policy segf_rule_get_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	[SEGFILTER_A_RULE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

#define SEGF_POLICY_SERVICE						\
	[SEGFILTER_A_SERVICE_NAME] = SEGF_POLICY_NAME
#define SEGF_POLICY_INSTANCE						\
	[SEGFILTER_A_INSTANCE_ID] =					\
		NLA_POLICY_RANGE(NLA_U32, 1, SEGFILTER_SERVICE_MAX_INSTANCES)

static const struct nla_policy segf_iface_policy[SEGFILTER_A_IFACE_MAX + 1] = {
	[SEGFILTER_A_IFACE_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[SEGFILTER_A_IFACE_MAC] = NLA_POLICY_ETH_ADDR,
	[SEGFILTER_A_IFACE_ADDRS] = NLA_POLICY_NESTED(segf_addr_policy),
};

static const struct nla_policy segf_chain_svc_policy[SEGFILTER_A_CHAIN_MAX + 1] = {
	[SEGFILTER_A_CHAIN_SERVICE] = SEGF_POLICY_NAME,
};

static const struct nla_policy segf_service_new_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	SEGF_POLICY_TXN,
	SEGF_POLICY_SERVICE,
	[SEGFILTER_A_SERVICE_MODE] = NLA_POLICY_RANGE(NLA_U8,
						      SEGFILTER_SERVICE_TRANSPARENT,
						      SEGFILTER_SERVICE_MAX),
};

static const struct nla_policy segf_service_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	SEGF_POLICY_TXN,
	SEGF_POLICY_SERVICE,
};

static const struct nla_policy segf_service_get_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	SEGF_POLICY_SERVICE,
};

static const struct nla_policy segf_instance_new_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	SEGF_POLICY_TXN,
	SEGF_POLICY_SERVICE,
	SEGF_POLICY_INSTANCE,
	[SEGFILTER_A_LEFT] = NLA_POLICY_NESTED(segf_iface_policy),
	[SEGFILTER_A_RIGHT] = NLA_POLICY_NESTED(segf_iface_policy),
};

static const struct nla_policy segf_instance_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	SEGF_POLICY_TXN,
	SEGF_POLICY_SERVICE,
	SEGF_POLICY_INSTANCE,
};

static const struct nla_policy segf_instance_set_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	SEGF_POLICY_TXN,
	SEGF_POLICY_SERVICE,
	SEGF_POLICY_INSTANCE,
	[SEGFILTER_A_INSTANCE_DRAIN] = NLA_POLICY_MAX(NLA_U8, 1),
};

static const struct nla_policy segf_instance_get_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	SEGF_POLICY_SERVICE,
	SEGF_POLICY_INSTANCE,
};

static const struct nla_policy segf_chain_new_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	SEGF_POLICY_TXN,
	[SEGFILTER_A_CHAIN_NAME] = SEGF_POLICY_NAME,
	[SEGFILTER_A_CHAIN_SERVICES] = NLA_POLICY_NESTED(segf_chain_svc_policy),
	[SEGFILTER_A_FAIL_MODE] = NLA_POLICY_RANGE(NLA_U8, SEGFILTER_FAIL_CLOSED,
						   SEGFILTER_FAIL_MAX),
};

static const struct nla_policy segf_chain_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	SEGF_POLICY_TXN,
	[SEGFILTER_A_CHAIN_NAME] = SEGF_POLICY_NAME,
};

static const struct nla_policy segf_chain_get_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_DOMAIN,
	[SEGFILTER_A_CHAIN_NAME] = SEGF_POLICY_NAME,
};

static const struct nla_policy segf_txn_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_TXN,
	[SEGFILTER_A_TXN_OPS] = { .type = NLA_U32 },
};

static const struct nla_policy segf_txn_abort_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_TXN,
};

static const struct nla_policy segf_empty_policy[SEGFILTER_A_MAX + 1] = {
};

static const struct nla_policy segf_trace_policy[SEGFILTER_A_MAX + 1] = {
	SEGF_POLICY_IFINDEX,
	[SEGFILTER_A_TUPLE] = NLA_POLICY_NESTED(segf_tuple_policy),
};

static struct segf_net *segf_info_net(struct genl_info *info)
{
	return segf_pernet(genl_info_net(info));
}

/* Refuse a request that lacks @attr, saying which one (@what) it is. */
static bool segf_missing(struct nlattr **attrs, struct netlink_ext_ack *extack,
			 int attr, const char *what)
{
	if (attrs[attr])
		return false;
	NL_SET_ERR_ATTR_MISS(extack, NULL, attr);
	NL_SET_ERR_MSG_FMT_MOD(extack, "missing %s", what);
	return true;
}

/*
 * A request must name @what by id or by name; whether it exists is
 * checked when the request is applied.  Staged requests are checked
 * for this when staged, so that the error names the request itself.
 */
static bool segf_missing_ref(struct nlattr **attrs,
			     struct netlink_ext_ack *extack, int id_attr,
			     int name_attr, const char *what)
{
	if (attrs[id_attr] || attrs[name_attr])
		return false;
	NL_SET_ERR_ATTR_MISS(extack, NULL, id_attr);
	NL_SET_ERR_MSG_FMT_MOD(extack, "missing %s (id or name)", what);
	return true;
}

#define segf_missing_domain(attrs, extack)				\
	segf_missing_ref(attrs, extack, SEGFILTER_A_DOMAIN_ID,		\
			 SEGFILTER_A_DOMAIN_NAME, "domain")
#define segf_missing_group(attrs, extack)				\
	segf_missing_ref(attrs, extack, SEGFILTER_A_GROUP_ID,		\
			 SEGFILTER_A_GROUP_NAME, "group")

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

/*
 * The group named by the attributes @id_attr and @name_attr.  Unless
 * @required, naming none of them is "any group": NULL.
 */
static struct segf_group *segf_group_ref(struct segf_domain *dom,
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

static struct segf_group *segf_group_get(struct segf_domain *dom,
					 struct nlattr **attrs,
					 struct netlink_ext_ack *extack)
{
	return segf_group_ref(dom, attrs, SEGFILTER_A_GROUP_ID,
			      SEGFILTER_A_GROUP_NAME, true, extack);
}

static int segf_check_name(struct nlattr **attrs,
			   struct netlink_ext_ack *extack, int attr)
{
	struct nlattr *name = attrs[attr];

	if (!name || segf_name_valid(nla_data(name)))
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, name,
			    "a name starts with a letter and holds only letters, digits, '-', '_' and '.'");
	return -EINVAL;
}

/* The attached port a request's SEGFILTER_A_IFINDEX names. */
struct segf_port *segf_port_get(struct segf_net *sn, struct nlattr **attrs,
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

/*
 * Collect the addresses of an ADDRS or GW_ADDRS nest: at most
 * SEGFILTER_EP_MAX_ADDRS of each family, unicast.
 */
static int segf_parse_addrs(struct nlattr *nest, struct segf_addr *addrs,
			    unsigned int *n_addrs,
			    struct netlink_ext_ack *extack)
{
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
			NL_SET_BAD_ATTR(extack, a);
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "at most %d IPv4 and %d IPv6 addresses",
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
		{ SEGFILTER_STATS_ROUTED, offsetof(struct segf_stats, routed) },
		{ SEGFILTER_STATS_DEFAULT_ALLOWED, offsetof(struct segf_stats, default_allowed) },
		{ SEGFILTER_STATS_FLOWS_CREATED, offsetof(struct segf_stats, flows_created) },
		{ SEGFILTER_STATS_FLOW_TABLE_FULL, offsetof(struct segf_stats, flow_table_full) },
		{ SEGFILTER_STATS_LOG_SUPPRESSED, offsetof(struct segf_stats, log_suppressed) },
		{ SEGFILTER_STATS_REDIRECTED, offsetof(struct segf_stats, redirected) },
		{ SEGFILTER_STATS_BYPASSED, offsetof(struct segf_stats, bypassed) },
		{ SEGFILTER_STATS_FLOWS_EVICTED, offsetof(struct segf_stats, flows_evicted) },
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

static int segf_put_gateway(struct sk_buff *skb,
			    const struct segf_domain_cfg *cfg)
{
	struct nlattr *nest;
	unsigned int i;
	int err = 0;

	if (is_zero_ether_addr(cfg->gw_mac))
		return 0;
	if (nla_put(skb, SEGFILTER_A_GW_MAC, ETH_ALEN, cfg->gw_mac))
		return -EMSGSIZE;
	nest = nla_nest_start(skb, SEGFILTER_A_GW_ADDRS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < cfg->n_gw_addrs && !err; i++) {
		const struct segf_addr *a = &cfg->gw_addrs[i];

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

static int segf_fill_domain(struct sk_buff *skb, struct segf_domain *dom,
			    const struct segf_msg *m)
{
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
	       segf_put_gateway(skb, &pol->cfg) ||
	       (dom->vni && nla_put_u32(skb, SEGFILTER_A_VNI, dom->vni)) ||
	       nla_put_u64_64bit(skb, SEGFILTER_A_POLICY_GEN, pol->gen,
				 SEGFILTER_A_PAD) ||
	       nla_put_u32(skb, SEGFILTER_A_N_PORTS, dom->n_ports) ||
	       nla_put_u32(skb, SEGFILTER_A_N_GROUPS, dom->n_groups) ||
	       nla_put_u32(skb, SEGFILTER_A_N_ENDPOINTS, dom->n_endpoints) ||
	       nla_put_u32(skb, SEGFILTER_A_N_RULES, dom->n_rules) ||
	       nla_put_u32(skb, SEGFILTER_A_N_SERVICES, dom->n_services) ||
	       nla_put_u32(skb, SEGFILTER_A_N_CHAINS, dom->n_chains) ||
	       nla_put_u32(skb, SEGFILTER_A_N_FLOWS,
			   atomic_read(&dom->n_flows)) ||
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

static int segf_put_addr(struct sk_buff *skb, int attr,
			 const struct segf_addr *a)
{
	struct nlattr *nest;
	int err;

	nest = nla_nest_start(skb, attr);
	if (!nest)
		return -EMSGSIZE;
	if (a->family == AF_INET)
		err = nla_put_in_addr(skb, SEGFILTER_A_ADDR_IPV4, a->v4);
	else
		err = nla_put_in6_addr(skb, SEGFILTER_A_ADDR_IPV6, &a->v6);
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
	       segf_put_addrs(skb, ep) ||
	       (remote && segf_put_addr(skb, SEGFILTER_A_REMOTE, &remote->addr));
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
	return 0;
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
	    !attrs[SEGFILTER_A_CHAIN_LIMIT] && !attrs[SEGFILTER_A_GW_MAC] &&
	    !attrs[SEGFILTER_A_GW_ADDRS]) {
		NL_SET_ERR_MSG_MOD(extack,
				   "nothing to set: give a default action, a limit or a gateway");
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

	dom = segf_domain_get(c->sn, attrs, true, c->extack);
	if (IS_ERR(dom))
		return PTR_ERR(dom);
	cfg = *segf_domain_next_cfg(dom);
	err = segf_parse_domain_cfg(attrs, &cfg, c->extack);
	if (err)
		return err;
	if (!is_zero_ether_addr(cfg.gw_mac) &&
	    segf_endpoint_live(segf_endpoint_by_mac(dom, cfg.gw_mac))) {
		NL_SET_ERR_MSG_FMT_MOD(c->extack,
				       "gateway MAC %pM is an endpoint's",
				       cfg.gw_mac);
		return -EEXIST;
	}
	for (i = 0; i < cfg.n_gw_addrs; i++) {
		struct segf_endpoint *ep;

		ep = segf_endpoint_by_addr(dom, &cfg.gw_addrs[i]);
		if (segf_endpoint_live(ep)) {
			NL_SET_ERR_MSG_FMT_MOD(c->extack,
					       "gateway address %u belongs to endpoint %pM",
					       i + 1, ep->mac);
			return -EEXIST;
		}
	}
	segf_commit_touch(c, dom);
	dom->next_cfg = cfg;
	*obj = dom;
	return 0;
}

static int segf_domain_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_net *sn = segf_info_net(info);
	struct segf_domain *dom;
	int err;

	segf_lock(sn);
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
	segf_lock(sn);
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

	segf_lock(sn);
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

	dom = segf_domain_get(c->sn, attrs, true, c->extack);
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

	dom = segf_domain_get(c->sn, attrs, true, c->extack);
	if (IS_ERR(dom))
		return PTR_ERR(dom);
	grp = segf_group_get(dom, attrs, c->extack);
	if (IS_ERR(grp))
		return PTR_ERR(grp);
	err = segf_group_retire(grp, c->extack);
	if (err)
		return err;
	err = segf_commit_record(c, SEGF_UNDO_GROUP_DEL, grp);
	if (err) {
		grp->dying = false;
		return err;
	}
	segf_commit_touch(c, dom);
	return 0;
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
	segf_lock(sn);
	dom = segf_domain_get(sn, info->attrs, true, info->extack);
	grp = IS_ERR(dom) ? ERR_CAST(dom) : segf_group_get(dom, info->attrs,
							      info->extack);
	if (IS_ERR(grp))
		err = PTR_ERR(grp);
	else
		err = segf_fill_group(msg, grp, &reply);
	mutex_unlock(&sn->lock);
	return segf_reply(msg, info, err);
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
		dom = segf_domain_get(c->sn, attrs, true, c->extack);
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
	*obj = port;
	return 0;
}

static int segf_port_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_net *sn = segf_info_net(info);
	struct segf_port *port;
	int err = 0;

	segf_lock(sn);
	port = segf_port_get(sn, info->attrs, info->extack);
	if (IS_ERR(port))
		err = PTR_ERR(port);
	else
		segf_port_detach(port);
	mutex_unlock(&sn->lock);
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
	segf_lock(sn);
	port = segf_port_get(sn, info->attrs, info->extack);
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

	segf_lock(sn);
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
	return segf_parse_addrs(attrs[SEGFILTER_A_ADDRS], addrs, &n, extack) ?:
	       segf_parse_remote(attrs[SEGFILTER_A_REMOTE], addrs, extack);
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
	dom = segf_domain_get(c->sn, attrs, true, c->extack);
	if (IS_ERR(dom))
		return PTR_ERR(dom);
	grp = segf_group_get(dom, attrs, c->extack);
	if (IS_ERR(grp))
		return PTR_ERR(grp);
	port = segf_port_get(c->sn, attrs, c->extack);
	if (IS_ERR(port))
		return PTR_ERR(port);
	segf_commit_touch(c, dom);
	err = segf_endpoint_create(dom, nla_data(attrs[SEGFILTER_A_MAC]), grp,
				   port, remote_attr ? &remote : NULL, addrs,
				   n_addrs, dom->next_gen, &ep, c->extack);
	if (err)
		return err;
	err = segf_commit_record(c, SEGF_UNDO_ENDPOINT_NEW, ep);
	if (err) {
		segf_endpoint_destroy(ep);
		return err;
	}
	*obj = ep;
	return 0;
}

/* The endpoint a request names by domain and MAC, not deleted already. */
static struct segf_endpoint *segf_endpoint_get(struct segf_net *sn,
					       struct nlattr **attrs,
					       struct netlink_ext_ack *extack)
{
	struct nlattr *mac = attrs[SEGFILTER_A_MAC];
	struct segf_endpoint *ep;
	struct segf_domain *dom;

	dom = segf_domain_get(sn, attrs, true, extack);
	if (IS_ERR(dom))
		return ERR_CAST(dom);
	if (segf_missing(attrs, extack, SEGFILTER_A_MAC, "MAC address"))
		return ERR_PTR(-EINVAL);
	ep = segf_endpoint_by_mac(dom, nla_data(mac));
	if (segf_endpoint_live(ep))
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

static int segf_endpoint_del_apply(struct segf_commit *c,
				   struct nlattr **attrs, void **obj)
{
	struct segf_endpoint *ep;
	int err;

	ep = segf_endpoint_get(c->sn, attrs, c->extack);
	if (IS_ERR(ep))
		return PTR_ERR(ep);
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
	ep = segf_endpoint_get(c->sn, attrs, c->extack);
	if (IS_ERR(ep))
		return PTR_ERR(ep);
	port = segf_port_get(c->sn, attrs, c->extack);
	if (IS_ERR(port))
		return PTR_ERR(port);
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
	segf_lock(sn);
	ep = segf_endpoint_get(sn, info->attrs, info->extack);
	if (IS_ERR(ep))
		err = PTR_ERR(ep);
	else
		err = segf_fill_endpoint(msg, ep, &reply);
	mutex_unlock(&sn->lock);
	return segf_reply(msg, info, err);
}

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

static int segf_rule_new_apply(struct segf_commit *c, struct nlattr **attrs,
			       void **obj)
{
	struct nlattr *chain_name = attrs[SEGFILTER_A_CHAIN_NAME];
	struct segf_chain *chain = NULL;
	struct segf_group *src, *dst;
	struct segf_domain *dom;
	struct segf_rule *rule;
	int err;

	dom = segf_domain_get(c->sn, attrs, true, c->extack);
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
	src = segf_group_ref(dom, attrs, SEGFILTER_A_SRC_GROUP_ID,
			     SEGFILTER_A_SRC_GROUP_NAME, false, c->extack);
	if (IS_ERR(src))
		return PTR_ERR(src);
	dst = segf_group_ref(dom, attrs, SEGFILTER_A_DST_GROUP_ID,
			     SEGFILTER_A_DST_GROUP_NAME, false, c->extack);
	if (IS_ERR(dst))
		return PTR_ERR(dst);

	rule = segf_rule_alloc();
	if (!rule)
		return -ENOMEM;
	if (attrs[SEGFILTER_A_RULE_ID])
		rule->id = nla_get_u32(attrs[SEGFILTER_A_RULE_ID]);
	rule->prio = attrs[SEGFILTER_A_PRIORITY] ?
		     nla_get_u32(attrs[SEGFILTER_A_PRIORITY]) :
		     SEGFILTER_PRIORITY_DEFAULT;
	rule->src_group = src ? src->id : 0;
	rule->dst_group = dst ? dst->id : 0;
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
static struct segf_rule *segf_rule_get(struct segf_net *sn,
				       struct nlattr **attrs,
				       struct netlink_ext_ack *extack)
{
	struct nlattr *id = attrs[SEGFILTER_A_RULE_ID];
	struct segf_domain *dom;
	struct segf_rule *rule;

	dom = segf_domain_get(sn, attrs, true, extack);
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

	rule = segf_rule_get(c->sn, attrs, c->extack);
	if (IS_ERR(rule))
		return PTR_ERR(rule);
	err = segf_commit_record(c, SEGF_UNDO_RULE_DEL, rule);
	if (err)
		return err;
	segf_commit_touch(c, rule->domain);
	segf_rule_retire(rule);
	return 0;
}

static int segf_fill_rule(struct sk_buff *skb, struct segf_rule *rule,
			  const struct segf_msg *m)
{
	struct segf_domain *dom = rule->domain;
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

static int segf_rule_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_msg reply = segf_msg_reply(info, SEGFILTER_CMD_RULE_GET);
	struct segf_net *sn = segf_info_net(info);
	struct segf_rule *rule;
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	segf_lock(sn);
	rule = segf_rule_get(sn, info->attrs, info->extack);
	if (IS_ERR(rule))
		err = PTR_ERR(rule);
	else
		err = segf_fill_rule(msg, rule, &reply);
	mutex_unlock(&sn->lock);
	return segf_reply(msg, info, err);
}

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
static struct segf_service *segf_service_get(struct segf_net *sn,
					     struct nlattr **attrs,
					     struct netlink_ext_ack *extack)
{
	struct nlattr *name = attrs[SEGFILTER_A_SERVICE_NAME];
	struct segf_service *svc;
	struct segf_domain *dom;

	dom = segf_domain_get(sn, attrs, true, extack);
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

	dom = segf_domain_get(c->sn, attrs, true, c->extack);
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

	svc = segf_service_get(c->sn, attrs, c->extack);
	if (IS_ERR(svc))
		return PTR_ERR(svc);
	err = segf_commit_record(c, SEGF_UNDO_SERVICE_DEL, svc);
	if (err)
		return err;
	/* On failure the undo log finds nothing to revive. */
	return segf_service_retire(svc, c->extack);
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

static int segf_service_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_msg reply = segf_msg_reply(info, SEGFILTER_CMD_SERVICE_GET);
	struct segf_net *sn = segf_info_net(info);
	struct segf_service *svc;
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	segf_lock(sn);
	svc = segf_service_get(sn, info->attrs, info->extack);
	err = IS_ERR(svc) ? PTR_ERR(svc) : segf_fill_service(msg, svc, &reply);
	mutex_unlock(&sn->lock);
	return segf_reply(msg, info, err);
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

	err = nla_parse_nested(tb, SEGFILTER_A_IFACE_MAX, nest,
			       segf_iface_policy, extack);
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

static struct segf_instance *segf_instance_get(struct segf_net *sn,
					       struct nlattr **attrs,
					       struct netlink_ext_ack *extack)
{
	struct nlattr *id = attrs[SEGFILTER_A_INSTANCE_ID];
	struct segf_instance *inst;
	struct segf_service *svc;

	svc = segf_service_get(sn, attrs, extack);
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

	svc = segf_service_get(c->sn, attrs, c->extack);
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

	inst = segf_instance_get(c->sn, attrs, c->extack);
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

	inst = segf_instance_get(c->sn, attrs, c->extack);
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
	struct nlattr *nest, *addrs;
	struct segf_port *port;
	char name[IFNAMSIZ];
	unsigned int i;

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
	if (side->n_addrs) {
		addrs = nla_nest_start(skb, SEGFILTER_A_IFACE_ADDRS);
		if (!addrs)
			return -EMSGSIZE;
		for (i = 0; i < side->n_addrs; i++) {
			const struct segf_addr *a = &side->addrs[i];

			if (a->family == AF_INET ?
			    nla_put_in_addr(skb, SEGFILTER_A_ADDR_IPV4, a->v4) :
			    nla_put_in6_addr(skb, SEGFILTER_A_ADDR_IPV6, &a->v6))
				return -EMSGSIZE;
		}
		nla_nest_end(skb, addrs);
	}
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

static int segf_instance_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_msg reply = segf_msg_reply(info,
					       SEGFILTER_CMD_INSTANCE_GET);
	struct segf_net *sn = segf_info_net(info);
	struct segf_instance *inst;
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	segf_lock(sn);
	inst = segf_instance_get(sn, info->attrs, info->extack);
	err = IS_ERR(inst) ? PTR_ERR(inst) :
			     segf_fill_instance(msg, inst, &reply);
	mutex_unlock(&sn->lock);
	return segf_reply(msg, info, err);
}

/* Called with segf_net::lock held, in process context. */
void segf_instance_notify(const struct segf_instance *inst, u8 state)
{
	struct segf_service *svc = inst->svc;
	struct segf_domain *dom = svc->domain;
	struct net *net = dom->sn->net;
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&segf_family, net, 0))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &segf_family, 0,
			  SEGFILTER_CMD_INSTANCE_EVENT);
	if (!hdr ||
	    nla_put_u32(msg, SEGFILTER_A_DOMAIN_ID, dom->id) ||
	    nla_put_string(msg, SEGFILTER_A_DOMAIN_NAME, dom->name) ||
	    nla_put_string(msg, SEGFILTER_A_SERVICE_NAME, svc->name) ||
	    nla_put_u32(msg, SEGFILTER_A_INSTANCE_ID, inst->id) ||
	    nla_put_u8(msg, SEGFILTER_A_INSTANCE_STATE, state)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&segf_family, net, msg, 0, 0, GFP_KERNEL);
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

static struct segf_chain *segf_chain_get(struct segf_net *sn,
					 struct nlattr **attrs,
					 struct netlink_ext_ack *extack)
{
	struct nlattr *name = attrs[SEGFILTER_A_CHAIN_NAME];
	struct segf_domain *dom;
	struct segf_chain *chain;

	dom = segf_domain_get(sn, attrs, true, extack);
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

	dom = segf_domain_get(c->sn, attrs, true, c->extack);
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

	chain = segf_chain_get(c->sn, attrs, c->extack);
	if (IS_ERR(chain))
		return PTR_ERR(chain);
	err = segf_chain_retire(chain, c->extack);
	if (err)
		return err;
	err = segf_commit_record(c, SEGF_UNDO_CHAIN_DEL, chain);
	if (err)
		segf_chain_revive(chain);
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

static int segf_chain_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_msg reply = segf_msg_reply(info, SEGFILTER_CMD_CHAIN_GET);
	struct segf_net *sn = segf_info_net(info);
	struct segf_chain *chain;
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	segf_lock(sn);
	chain = segf_chain_get(sn, info->attrs, info->extack);
	err = IS_ERR(chain) ? PTR_ERR(chain) :
			      segf_fill_chain(msg, chain, &reply);
	mutex_unlock(&sn->lock);
	return segf_reply(msg, info, err);
}

/* ---- commands that change state: one commit each, or staged ---- */

/*
 * Every command that changes the configuration is described here: what
 * it checks on its own (also when staged in a transaction), how it
 * applies within a commit, and what it replies with.
 */
struct segf_write_op {
	u8 cmd;
	const struct nla_policy *policy;
	int (*check)(struct nlattr **attrs, struct netlink_ext_ack *extack);
	int (*apply)(struct segf_commit *c, struct nlattr **attrs, void **obj);
	int (*fill)(struct sk_buff *skb, void *obj, const struct segf_msg *m);
};

static int segf_fill_domain_obj(struct sk_buff *skb, void *obj,
				const struct segf_msg *m)
{
	return segf_fill_domain(skb, obj, m);
}

static int segf_fill_group_obj(struct sk_buff *skb, void *obj,
			       const struct segf_msg *m)
{
	return segf_fill_group(skb, obj, m);
}

static int segf_fill_port_obj(struct sk_buff *skb, void *obj,
			      const struct segf_msg *m)
{
	return segf_fill_port(skb, obj, m);
}

static int segf_fill_endpoint_obj(struct sk_buff *skb, void *obj,
				  const struct segf_msg *m)
{
	return segf_fill_endpoint(skb, obj, m);
}

static int segf_fill_rule_obj(struct sk_buff *skb, void *obj,
			      const struct segf_msg *m)
{
	return segf_fill_rule(skb, obj, m);
}

static const struct segf_write_op segf_write_ops[] = {
	{ SEGFILTER_CMD_DOMAIN_NEW, segf_domain_new_policy,
	  segf_domain_new_check, segf_domain_new_apply, segf_fill_domain_obj },
	{ SEGFILTER_CMD_DOMAIN_SET, segf_domain_new_policy,
	  segf_domain_set_check, segf_domain_set_apply, NULL },
	{ SEGFILTER_CMD_GROUP_NEW, segf_group_policy,
	  segf_group_new_check, segf_group_new_apply, segf_fill_group_obj },
	{ SEGFILTER_CMD_GROUP_DEL, segf_group_policy,
	  segf_group_del_check, segf_group_del_apply, NULL },
	{ SEGFILTER_CMD_PORT_NEW, segf_port_new_policy,
	  segf_port_new_check, segf_port_new_apply, segf_fill_port_obj },
	{ SEGFILTER_CMD_ENDPOINT_NEW, segf_endpoint_new_policy,
	  segf_endpoint_new_check, segf_endpoint_new_apply,
	  segf_fill_endpoint_obj },
	{ SEGFILTER_CMD_ENDPOINT_DEL, segf_endpoint_del_policy,
	  segf_endpoint_del_check, segf_endpoint_del_apply, NULL },
	{ SEGFILTER_CMD_ENDPOINT_SET, segf_endpoint_set_policy,
	  segf_endpoint_set_check, segf_endpoint_set_apply, NULL },
	{ SEGFILTER_CMD_RULE_NEW, segf_rule_new_policy,
	  segf_rule_new_check, segf_rule_new_apply, segf_fill_rule_obj },
	{ SEGFILTER_CMD_RULE_DEL, segf_rule_policy,
	  segf_rule_del_check, segf_rule_del_apply, NULL },
	{ SEGFILTER_CMD_SERVICE_NEW, segf_service_new_policy,
	  segf_service_new_check, segf_service_new_apply, segf_fill_service },
	{ SEGFILTER_CMD_SERVICE_DEL, segf_service_policy,
	  segf_service_check, segf_service_del_apply, NULL },
	{ SEGFILTER_CMD_INSTANCE_NEW, segf_instance_new_policy,
	  segf_instance_new_check, segf_instance_new_apply,
	  segf_fill_instance },
	{ SEGFILTER_CMD_INSTANCE_DEL, segf_instance_policy,
	  segf_instance_check, segf_instance_del_apply, NULL },
	{ SEGFILTER_CMD_INSTANCE_SET, segf_instance_set_policy,
	  segf_instance_set_check, segf_instance_set_apply, NULL },
	{ SEGFILTER_CMD_CHAIN_NEW, segf_chain_new_policy,
	  segf_chain_new_check, segf_chain_new_apply, segf_fill_chain },
	{ SEGFILTER_CMD_CHAIN_DEL, segf_chain_policy,
	  segf_chain_check, segf_chain_del_apply, NULL },
};

static const struct segf_write_op *segf_write_op(u8 cmd)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(segf_write_ops); i++)
		if (segf_write_ops[i].cmd == cmd)
			return &segf_write_ops[i];
	return NULL;
}

static int segf_write_doit(struct sk_buff *skb, struct genl_info *info)
{
	const struct segf_write_op *op = segf_write_op(info->genlhdr->cmd);
	struct segf_msg reply = segf_msg_reply(info, info->genlhdr->cmd);
	struct nlattr *txn = info->attrs[SEGFILTER_A_TXN_ID];
	struct segf_net *sn = segf_info_net(info);
	struct sk_buff *msg = NULL;
	struct segf_commit c;
	void *obj = NULL;
	int err;

	if (WARN_ON_ONCE(!op))
		return -EOPNOTSUPP;
	err = op->check(info->attrs, info->extack);
	if (err)
		return err;
	if (txn)
		return segf_txn_stage(sn, nla_get_u32(txn), info);

	if (op->fill) {
		msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
		if (!msg)
			return -ENOMEM;
	}
	segf_lock(sn);
	segf_commit_begin(&c, sn, info->extack);
	err = segf_commit_end(&c, op->apply(&c, info->attrs, &obj));
	if (!err && msg)
		err = op->fill(msg, obj, &reply);
	mutex_unlock(&sn->lock);
	if (msg)
		return segf_reply(msg, info, err);
	return err;
}

/* Apply one command a transaction staged: see segf_txn_commit(). */
static int segf_txn_apply(struct segf_commit *c, u8 cmd,
			  const struct nlattr *head, int len)
{
	const struct segf_write_op *op = segf_write_op(cmd);
	struct nlattr *attrs[SEGFILTER_A_MAX + 1];
	void *obj;
	int err;

	if (WARN_ON_ONCE(!op))
		return -EOPNOTSUPP;
	/* Validated when staged: this only finds the attributes again. */
	err = nla_parse_deprecated(attrs, SEGFILTER_A_MAX, head, len,
				   op->policy, c->extack);
	return err ?: op->apply(c, attrs, &obj);
}

static int segf_txn_begin_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_net *sn = segf_info_net(info);
	struct sk_buff *msg;
	void *hdr;
	u32 id;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	segf_lock(sn);
	err = segf_txn_begin(sn, info->snd_portid, &id, info->extack);
	mutex_unlock(&sn->lock);
	if (err)
		goto err_free;
	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &segf_family, 0,
				SEGFILTER_CMD_TXN_BEGIN);
	if (!hdr || nla_put_u32(msg, SEGFILTER_A_TXN_ID, id))
		goto err_abort;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_abort:
	segf_lock(sn);
	segf_txn_abort(sn, id, info->snd_portid, NULL);
	mutex_unlock(&sn->lock);
err_free:
	nlmsg_free(msg);
	return err;
}

static int segf_txn_commit_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_net *sn = segf_info_net(info);

	if (segf_missing(info->attrs, info->extack, SEGFILTER_A_TXN_ID,
			 "transaction id") ||
	    segf_missing(info->attrs, info->extack, SEGFILTER_A_TXN_OPS,
			 "number of staged commands"))
		return -EINVAL;
	return segf_txn_commit(sn, nla_get_u32(info->attrs[SEGFILTER_A_TXN_ID]),
			       info,
			       nla_get_u32(info->attrs[SEGFILTER_A_TXN_OPS]),
			       segf_txn_apply);
}

static int segf_txn_abort_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct segf_net *sn = segf_info_net(info);
	int err;

	if (segf_missing(info->attrs, info->extack, SEGFILTER_A_TXN_ID,
			 "transaction id"))
		return -EINVAL;
	segf_lock(sn);
	err = segf_txn_abort(sn, nla_get_u32(info->attrs[SEGFILTER_A_TXN_ID]),
			     info->snd_portid, info->extack);
	mutex_unlock(&sn->lock);
	return err;
}

/* ---- trace and verdict events ---- */

int segf_put_tuple(struct sk_buff *skb, const struct segf_pkt *pkt)
{
	bool v4 = pkt->proto == htons(ETH_P_IP);
	struct nlattr *nest;
	bool full;

	nest = nla_nest_start(skb, SEGFILTER_A_TUPLE);
	if (!nest)
		return -EMSGSIZE;
	if (v4)
		full = nla_put_in_addr(skb, SEGFILTER_A_TUPLE_SRC_IPV4,
				       pkt->v4.saddr) ||
		       nla_put_in_addr(skb, SEGFILTER_A_TUPLE_DST_IPV4,
				       pkt->v4.daddr);
	else
		full = nla_put_in6_addr(skb, SEGFILTER_A_TUPLE_SRC_IPV6,
					&pkt->v6.saddr) ||
		       nla_put_in6_addr(skb, SEGFILTER_A_TUPLE_DST_IPV6,
					&pkt->v6.daddr);
	full = full || nla_put_u8(skb, SEGFILTER_A_TUPLE_PROTO, pkt->l4proto);
	if (!full && (pkt->flags & SEGF_PKT_L4)) {
		if (pkt->l4proto == IPPROTO_TCP || pkt->l4proto == IPPROTO_UDP)
			full = nla_put_u16(skb, SEGFILTER_A_TUPLE_SPORT,
					   ntohs(pkt->sport)) ||
			       nla_put_u16(skb, SEGFILTER_A_TUPLE_DPORT,
					   ntohs(pkt->dport));
		else if (pkt->l4proto == IPPROTO_ICMP ||
			 pkt->l4proto == IPPROTO_ICMPV6)
			full = nla_put_u8(skb, SEGFILTER_A_TUPLE_ICMP_TYPE,
					  pkt->icmp_type) ||
			       nla_put_u16(skb, SEGFILTER_A_TUPLE_ICMP_ID,
					   ntohs(pkt->icmp_id));
	}
	if (full) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/**
 * segf_log_verdict - tell listeners that a logging rule decided
 * @dom: the domain whose rule it is
 * @rule: the rule, which has SEGF_RULE_LOG
 * @src: source group id
 * @dst: destination group id (of each destination, for a flood)
 * @pkt: the packet
 *
 * Called from the data path: atomic, rate limited per domain.
 *
 * Return: false when the rate limit suppressed the event.
 */
bool segf_log_verdict(struct segf_domain *dom, const struct segf_rule *rule,
		      u16 src, u16 dst, const struct segf_pkt *pkt)
{
	struct net *net = dom->sn->net;
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&segf_family, net, 0))
		return true;
	if (!__ratelimit(&dom->log_limit))
		return false;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!msg)
		return true;
	hdr = genlmsg_put(msg, 0, 0, &segf_family, 0,
			  SEGFILTER_CMD_VERDICT_EVENT);
	if (!hdr ||
	    nla_put_u32(msg, SEGFILTER_A_DOMAIN_ID, dom->id) ||
	    nla_put_string(msg, SEGFILTER_A_DOMAIN_NAME, dom->name) ||
	    nla_put_u32(msg, SEGFILTER_A_RULE_ID, rule->id) ||
	    nla_put_u16(msg, SEGFILTER_A_SRC_GROUP_ID, src) ||
	    (dst && nla_put_u16(msg, SEGFILTER_A_DST_GROUP_ID, dst)) ||
	    nla_put_u8(msg, SEGFILTER_A_ACTION, rule->action) ||
	    segf_put_tuple(msg, pkt)) {
		nlmsg_free(msg);
		return true;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&segf_family, net, msg, 0, 0, GFP_ATOMIC);
	return true;
}

/*
 * Dump what the domains hold in one of their xarrays (groups, endpoints,
 * rules): the table at @table in each domain, from cb->args[1] in the
 * domain cb->args[0] names.
 */
static int segf_dump_in_domains(struct sk_buff *skb,
				struct netlink_callback *cb, u8 cmd,
				size_t table,
				int (*fill)(struct sk_buff *skb, void *obj,
					    const struct segf_msg *m))
{
	struct segf_msg m = segf_msg_dump(cb, cmd);
	struct segf_net *sn = segf_pernet(sock_net(skb->sk));
	unsigned long didx, last, idx;
	struct segf_domain *dom;
	void *obj;
	int err;

	segf_lock(sn);
	cb->seq = sn->genid;
	err = segf_dump_range(sn, cb, &didx, &last);
	if (err)
		goto out;
	xa_for_each_range(&sn->domains, didx, dom, didx, last) {
		struct xarray *xa = (void *)dom + table;

		xa_for_each_start(xa, idx, obj, cb->args[1]) {
			err = fill(skb, obj, &m);
			if (err)
				goto out;
			cb->args[1] = idx + 1;
		}
		cb->args[0] = didx + 1;
		cb->args[1] = 0;
	}
out:
	mutex_unlock(&sn->lock);
	return segf_dump_result(skb, err);
}

static int segf_group_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return segf_dump_in_domains(skb, cb, SEGFILTER_CMD_GROUP_GET,
				    offsetof(struct segf_domain, groups),
				    segf_fill_group_obj);
}

static int segf_endpoint_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	return segf_dump_in_domains(skb, cb, SEGFILTER_CMD_ENDPOINT_GET,
				    offsetof(struct segf_domain, endpoints),
				    segf_fill_endpoint_obj);
}

static int segf_rule_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return segf_dump_in_domains(skb, cb, SEGFILTER_CMD_RULE_GET,
				    offsetof(struct segf_domain, rules),
				    segf_fill_rule_obj);
}

static int segf_service_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb)
{
	return segf_dump_in_domains(skb, cb, SEGFILTER_CMD_SERVICE_GET,
				    offsetof(struct segf_domain, services),
				    segf_fill_service);
}

static int segf_chain_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return segf_dump_in_domains(skb, cb, SEGFILTER_CMD_CHAIN_GET,
				    offsetof(struct segf_domain, chains),
				    segf_fill_chain);
}

/*
 * Every instance of every service: cb->args[0] and [1] as in
 * segf_dump_in_domains(), cb->args[2] the next instance slot.
 */
static int segf_instance_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct segf_msg m = segf_msg_dump(cb, SEGFILTER_CMD_INSTANCE_GET);
	struct segf_net *sn = segf_pernet(sock_net(skb->sk));
	unsigned long didx, last, idx;
	struct segf_instance *inst;
	struct segf_service *svc;
	struct segf_domain *dom;
	int err;

	segf_lock(sn);
	cb->seq = sn->genid;
	err = segf_dump_range(sn, cb, &didx, &last);
	if (err)
		goto out;
	xa_for_each_range(&sn->domains, didx, dom, didx, last) {
		xa_for_each_start(&dom->services, idx, svc, cb->args[1]) {
			for (; cb->args[2] < svc->n_slots; cb->args[2]++) {
				inst = segf_instance_find(svc, cb->args[2] + 1);
				if (!inst)
					continue;
				err = segf_fill_instance(skb, inst, &m);
				if (err)
					goto out;
			}
			cb->args[1] = idx + 1;
			cb->args[2] = 0;
		}
		cb->args[0] = didx + 1;
		cb->args[1] = 0;
	}
out:
	mutex_unlock(&sn->lock);
	return segf_dump_result(skb, err);
}

/*
 * Every command, reads included, needs CAP_NET_ADMIN over the network
 * namespace (in the user namespace that owns it): the configuration names
 * tenants, their addresses and their traffic counters, which are no more
 * for an unprivileged local user than the verdict events are.
 */
#define SEGF_OP(_cmd, _doit, _dumpit, _policy) {			\
	.cmd = _cmd,							\
	.doit = _doit,							\
	.dumpit = _dumpit,						\
	.policy = _policy,						\
	.maxattr = SEGFILTER_A_MAX,					\
	.flags = GENL_UNS_ADMIN_PERM,					\
}

static const struct genl_ops segf_ops[] = {
	SEGF_OP(SEGFILTER_CMD_DOMAIN_NEW, segf_write_doit, NULL,
		segf_domain_new_policy),
	SEGF_OP(SEGFILTER_CMD_DOMAIN_SET, segf_write_doit, NULL,
		segf_domain_new_policy),
	SEGF_OP(SEGFILTER_CMD_DOMAIN_DEL, segf_domain_del_doit, NULL,
		segf_domain_policy),
	SEGF_OP(SEGFILTER_CMD_DOMAIN_GET, segf_domain_get_doit,
		segf_domain_dumpit, segf_domain_policy),
	SEGF_OP(SEGFILTER_CMD_GROUP_NEW, segf_write_doit, NULL,
		segf_group_policy),
	SEGF_OP(SEGFILTER_CMD_GROUP_DEL, segf_write_doit, NULL,
		segf_group_policy),
	SEGF_OP(SEGFILTER_CMD_GROUP_GET, segf_group_get_doit,
		segf_group_dumpit, segf_group_get_policy),
	SEGF_OP(SEGFILTER_CMD_PORT_NEW, segf_write_doit, NULL,
		segf_port_new_policy),
	SEGF_OP(SEGFILTER_CMD_PORT_DEL, segf_port_del_doit, NULL,
		segf_port_del_policy),
	SEGF_OP(SEGFILTER_CMD_PORT_GET, segf_port_get_doit,
		segf_port_dumpit, segf_port_get_policy),
	SEGF_OP(SEGFILTER_CMD_ENDPOINT_NEW, segf_write_doit, NULL,
		segf_endpoint_new_policy),
	SEGF_OP(SEGFILTER_CMD_ENDPOINT_DEL, segf_write_doit, NULL,
		segf_endpoint_del_policy),
	SEGF_OP(SEGFILTER_CMD_ENDPOINT_SET, segf_write_doit, NULL,
		segf_endpoint_set_policy),
	SEGF_OP(SEGFILTER_CMD_ENDPOINT_GET, segf_endpoint_get_doit,
		segf_endpoint_dumpit, segf_endpoint_policy),
	SEGF_OP(SEGFILTER_CMD_RULE_NEW, segf_write_doit, NULL,
		segf_rule_new_policy),
	SEGF_OP(SEGFILTER_CMD_RULE_DEL, segf_write_doit, NULL,
		segf_rule_policy),
	SEGF_OP(SEGFILTER_CMD_RULE_GET, segf_rule_get_doit,
		segf_rule_dumpit, segf_rule_get_policy),
	SEGF_OP(SEGFILTER_CMD_TXN_BEGIN, segf_txn_begin_doit, NULL,
		segf_empty_policy),
	SEGF_OP(SEGFILTER_CMD_TXN_COMMIT, segf_txn_commit_doit, NULL,
		segf_txn_policy),
	SEGF_OP(SEGFILTER_CMD_TXN_ABORT, segf_txn_abort_doit, NULL,
		segf_txn_abort_policy),
	SEGF_OP(SEGFILTER_CMD_TRACE, segf_trace_doit, NULL,
		segf_trace_policy),
	SEGF_OP(SEGFILTER_CMD_SERVICE_NEW, segf_write_doit, NULL,
		segf_service_new_policy),
	SEGF_OP(SEGFILTER_CMD_SERVICE_DEL, segf_write_doit, NULL,
		segf_service_policy),
	SEGF_OP(SEGFILTER_CMD_SERVICE_GET, segf_service_get_doit,
		segf_service_dumpit, segf_service_get_policy),
	SEGF_OP(SEGFILTER_CMD_INSTANCE_NEW, segf_write_doit, NULL,
		segf_instance_new_policy),
	SEGF_OP(SEGFILTER_CMD_INSTANCE_DEL, segf_write_doit, NULL,
		segf_instance_policy),
	SEGF_OP(SEGFILTER_CMD_INSTANCE_SET, segf_write_doit, NULL,
		segf_instance_set_policy),
	SEGF_OP(SEGFILTER_CMD_INSTANCE_GET, segf_instance_get_doit,
		segf_instance_dumpit, segf_instance_get_policy),
	SEGF_OP(SEGFILTER_CMD_CHAIN_NEW, segf_write_doit, NULL,
		segf_chain_new_policy),
	SEGF_OP(SEGFILTER_CMD_CHAIN_DEL, segf_write_doit, NULL,
		segf_chain_policy),
	SEGF_OP(SEGFILTER_CMD_CHAIN_GET, segf_chain_get_doit,
		segf_chain_dumpit, segf_chain_get_policy),
};

/* Verdict events carry tenants' addresses: for the namespace's admins. */
static const struct genl_multicast_group segf_mcgrps[] = {
	{ .name = SEGFILTER_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

struct genl_family segf_family __ro_after_init = {
	.name = SEGFILTER_GENL_NAME,
	.version = SEGFILTER_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = segf_ops,
	.n_ops = ARRAY_SIZE(segf_ops),
	.mcgrps = segf_mcgrps,
	.n_mcgrps = ARRAY_SIZE(segf_mcgrps),
};

int __init segf_genl_init(void)
{
	return genl_register_family(&segf_family);
}

void segf_genl_uninit(void)
{
	genl_unregister_family(&segf_family);
}
