// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: the "segfilter" generic netlink family.
 *
 * The generic machinery: requests and replies, the command table and the
 * dispatch through it (see "Command table" in nl.h), transactions,
 * trace, the events, the family.  Each object's commands live in its
 * own file (domain_nl.c, port_nl.c, endpoint_nl.c, rule_nl.c,
 * service_nl.c).
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
#include <linux/nospec.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "compat.h"
#include "domain.h"
#include "events.h"
#include "nl.h"
#include "nl_gen.h"
#include "parse.h"
#include "policy.h"
#include "segfilter.h"
#include "service.h"
#include "stats.h"
#include "txn.h"

static struct segf_net *segf_info_net(struct genl_info *info)
{
	return segf_pernet(genl_info_net(info));
}

/* Refuse a request that lacks @attr, saying which one (@what) it is. */
bool segf_missing(struct nlattr **attrs, struct netlink_ext_ack *extack,
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
bool segf_missing_ref(struct nlattr **attrs, struct netlink_ext_ack *extack,
		      int id_attr, int name_attr, const char *what)
{
	if (attrs[id_attr] || attrs[name_attr])
		return false;
	NL_SET_ERR_ATTR_MISS(extack, NULL, id_attr);
	NL_SET_ERR_MSG_FMT_MOD(extack, "missing %s (id or name)", what);
	return true;
}

int segf_check_name(struct nlattr **attrs, struct netlink_ext_ack *extack,
		    int attr)
{
	struct nlattr *name = attrs[attr];

	if (!name || segf_name_valid(nla_data(name)))
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, name,
			    "a name starts with a letter and holds only letters, digits, '-', '_' and '.'");
	return -EINVAL;
}

/* An instance's side (LEFT, RIGHT), validated: see service_nl.c. */
int segf_parse_iface_attrs(struct nlattr **tb, const struct nlattr *nest,
			   struct netlink_ext_ack *extack)
{
	return nla_parse_nested(tb, SEGFILTER_A_IFACE_MAX, nest,
				segf_iface_nest_policy, extack);
}

/*
 * Collect the addresses of an ADDRS or GW_ADDRS nest: at most
 * SEGFILTER_EP_MAX_ADDRS of each family, unicast.
 */
int segf_parse_addrs(struct nlattr *nest, struct segf_addr *addrs,
		     unsigned int *n_addrs, struct netlink_ext_ack *extack)
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
void *segf_msg_start(struct sk_buff *skb, const struct segf_msg *m)
{
	void *hdr;

	hdr = genlmsg_put(skb, m->portid, m->seq, &segf_family, m->flags,
			  m->cmd);
	if (hdr && m->cb)
		genl_dump_check_consistent(m->cb, hdr);
	return hdr;
}

/* End a message, or take it back whole when an attribute did not fit. */
int segf_msg_end(struct sk_buff *skb, void *hdr, bool full)
{
	if (full) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

int segf_put_stats(struct sk_buff *skb, struct segf_pcpu_stats __percpu *pcpu)
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
		{ SEGFILTER_STATS_DHCP_REPLIES, offsetof(struct segf_stats, dhcp_replies) },
		{ SEGFILTER_STATS_RA_REPLIES, offsetof(struct segf_stats, ra_replies) },
		{ SEGFILTER_STATS_ICMP_TOO_BIG, offsetof(struct segf_stats, icmp_too_big) },
		{ SEGFILTER_STATS_RA_SENT, offsetof(struct segf_stats, ra_sent) },
		{ SEGFILTER_STATS_ICMP_RELATED, offsetof(struct segf_stats, icmp_related) },
		{ SEGFILTER_STATS_NEXTHOP_UNANSWERED,
		  offsetof(struct segf_stats, nexthop_unanswered) },
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

static int segf_put_one_addr(struct sk_buff *skb, const struct segf_addr *a)
{
	if (a->family == AF_INET)
		return nla_put_in_addr(skb, SEGFILTER_A_ADDR_IPV4, a->v4);
	return nla_put_in6_addr(skb, SEGFILTER_A_ADDR_IPV6, &a->v6);
}

/*
 * A nest @attr of @n addresses, found @stride bytes apart from @addrs
 * (an array of struct segf_addr, or of structs that begin with one).
 */
int segf_put_addr_list(struct sk_buff *skb, int attr,
		       const struct segf_addr *addrs, unsigned int n,
		       size_t stride)
{
	struct nlattr *nest;
	unsigned int i;

	nest = nla_nest_start(skb, attr);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < n; i++) {
		if (segf_put_one_addr(skb, (const void *)addrs + i * stride)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* A nest @attr of one address. */
int segf_put_addr(struct sk_buff *skb, int attr, const struct segf_addr *a)
{
	return segf_put_addr_list(skb, attr, a, 1, sizeof(*a));
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

/* ---- the command table and the generic doit, get and dump ---- */

static int segf_txn_begin_doit(struct sk_buff *skb, struct genl_info *info);
static int segf_txn_commit_doit(struct sk_buff *skb, struct genl_info *info);
static int segf_txn_abort_doit(struct sk_buff *skb, struct genl_info *info);

static const struct segf_nl_cmd segf_txn_begin_cmd = {
	.doit = segf_txn_begin_doit,
};

static const struct segf_nl_cmd segf_txn_commit_cmd = {
	.doit = segf_txn_commit_doit,
};

static const struct segf_nl_cmd segf_txn_abort_cmd = {
	.doit = segf_txn_abort_doit,
};

static const struct segf_nl_cmd segf_trace_cmd = {
	.doit = segf_trace_doit,
};

static int segf_info_get_doit(struct sk_buff *skb, struct genl_info *info);

static const struct segf_nl_cmd segf_info_get_cmd = {
	.doit = segf_info_get_doit,
};

/* One row per command; events (sent only) have none. */
static const struct segf_nl_cmd *const segf_nl_cmds[] = {
	[SEGFILTER_CMD_DOMAIN_NEW] = &segf_domain_new_cmd,
	[SEGFILTER_CMD_DOMAIN_SET] = &segf_domain_set_cmd,
	[SEGFILTER_CMD_DOMAIN_DEL] = &segf_domain_del_cmd,
	[SEGFILTER_CMD_DOMAIN_GET] = &segf_domain_get_cmd,
	[SEGFILTER_CMD_GROUP_NEW] = &segf_group_new_cmd,
	[SEGFILTER_CMD_GROUP_DEL] = &segf_group_del_cmd,
	[SEGFILTER_CMD_GROUP_GET] = &segf_group_get_cmd,
	[SEGFILTER_CMD_PORT_NEW] = &segf_port_new_cmd,
	[SEGFILTER_CMD_PORT_DEL] = &segf_port_del_cmd,
	[SEGFILTER_CMD_PORT_GET] = &segf_port_get_cmd,
	[SEGFILTER_CMD_ENDPOINT_NEW] = &segf_endpoint_new_cmd,
	[SEGFILTER_CMD_ENDPOINT_DEL] = &segf_endpoint_del_cmd,
	[SEGFILTER_CMD_ENDPOINT_SET] = &segf_endpoint_set_cmd,
	[SEGFILTER_CMD_ENDPOINT_GET] = &segf_endpoint_get_cmd,
	[SEGFILTER_CMD_RULE_NEW] = &segf_rule_new_cmd,
	[SEGFILTER_CMD_RULE_DEL] = &segf_rule_del_cmd,
	[SEGFILTER_CMD_RULE_GET] = &segf_rule_get_cmd,
	[SEGFILTER_CMD_TXN_BEGIN] = &segf_txn_begin_cmd,
	[SEGFILTER_CMD_TXN_COMMIT] = &segf_txn_commit_cmd,
	[SEGFILTER_CMD_TXN_ABORT] = &segf_txn_abort_cmd,
	[SEGFILTER_CMD_TRACE] = &segf_trace_cmd,
	[SEGFILTER_CMD_SERVICE_NEW] = &segf_service_new_cmd,
	[SEGFILTER_CMD_SERVICE_DEL] = &segf_service_del_cmd,
	[SEGFILTER_CMD_SERVICE_GET] = &segf_service_get_cmd,
	[SEGFILTER_CMD_INSTANCE_NEW] = &segf_instance_new_cmd,
	[SEGFILTER_CMD_INSTANCE_DEL] = &segf_instance_del_cmd,
	[SEGFILTER_CMD_INSTANCE_SET] = &segf_instance_set_cmd,
	[SEGFILTER_CMD_INSTANCE_GET] = &segf_instance_get_cmd,
	[SEGFILTER_CMD_CHAIN_NEW] = &segf_chain_new_cmd,
	[SEGFILTER_CMD_CHAIN_DEL] = &segf_chain_del_cmd,
	[SEGFILTER_CMD_CHAIN_GET] = &segf_chain_get_cmd,
	[SEGFILTER_CMD_PREFIX_NEW] = &segf_prefix_new_cmd,
	[SEGFILTER_CMD_PREFIX_DEL] = &segf_prefix_del_cmd,
	[SEGFILTER_CMD_PREFIX_GET] = &segf_prefix_get_cmd,
	[SEGFILTER_CMD_INFO_GET] = &segf_info_get_cmd,
};

static const struct segf_nl_cmd *segf_nl_row(u8 cmd)
{
	if (cmd >= ARRAY_SIZE(segf_nl_cmds))
		return NULL;
	return segf_nl_cmds[array_index_nospec(cmd, ARRAY_SIZE(segf_nl_cmds))];
}

/* A write alone: checked, then staged or applied as a commit of one. */
static int segf_nl_write(const struct segf_nl_cmd *row, struct genl_info *info)
{
	struct segf_msg reply = segf_msg_reply(info, info->genlhdr->cmd);
	struct nlattr *txn = info->attrs[SEGFILTER_A_TXN_ID];
	struct segf_net *sn = segf_info_net(info);
	struct sk_buff *msg = NULL;
	struct segf_commit c;
	void *obj = NULL;
	int err;

	err = row->check(info->attrs, info->extack);
	if (err)
		return err;
	if (txn && !(row->flags & SEGF_NL_STAGE)) {
		NL_SET_ERR_MSG_ATTR(info->extack, txn,
				    "this command cannot be staged in a transaction");
		return -EOPNOTSUPP;
	}
	if (txn)
		return segf_txn_stage(sn, nla_get_u32(txn), info);

	if (row->fill) {
		msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
		if (!msg)
			return -ENOMEM;
	}
	segf_lock(sn);
	segf_commit_begin(&c, sn, info->extack);
	err = segf_commit_end(&c, row->apply(&c, info->attrs, &obj));
	if (!err && msg)
		err = row->fill(msg, obj, &reply);
	mutex_unlock(&sn->lock);
	if (msg)
		return segf_reply(msg, info, err);
	return err;
}

/* A get: find the object under the lock and answer with it. */
static int segf_nl_get(const struct segf_nl_cmd *row, struct genl_info *info)
{
	struct segf_msg reply = segf_msg_reply(info, info->genlhdr->cmd);
	struct segf_net *sn = segf_info_net(info);
	struct sk_buff *msg;
	void *obj;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	segf_lock(sn);
	obj = row->lookup(sn, info->attrs, info->extack);
	err = IS_ERR(obj) ? PTR_ERR(obj) : row->fill(msg, obj, &reply);
	mutex_unlock(&sn->lock);
	return segf_reply(msg, info, err);
}

int segf_nl_doit(struct sk_buff *skb, struct genl_info *info)
{
	const struct segf_nl_cmd *row = segf_nl_row(info->genlhdr->cmd);

	if (WARN_ON_ONCE(!row))
		return -EOPNOTSUPP;
	if (row->doit)
		return row->doit(skb, info);
	if (row->apply)
		return segf_nl_write(row, info);
	if (WARN_ON_ONCE(!row->lookup))
		return -EOPNOTSUPP;
	return segf_nl_get(row, info);
}

/* ---- transactions ---- */

/* Apply one command a transaction staged, through its row. */
static int segf_nl_replay(struct segf_commit *c, const struct segf_txn_op *op)
{
	const struct segf_nl_cmd *row = segf_nl_row(op->cmd);
	struct nlattr *attrs[SEGFILTER_A_MAX + 1];
	void *obj;
	int err;

	if (WARN_ON_ONCE(!row || !(row->flags & SEGF_NL_STAGE)))
		return -EOPNOTSUPP;
	/*
	 * The family's policy validated them when they were staged: this
	 * only finds the attributes again.
	 */
	err = nla_parse_deprecated(attrs, SEGFILTER_A_MAX,
				   segf_txn_op_attrs(op), op->len, NULL,
				   c->extack);
	return err ?: row->apply(c, attrs, &obj);
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
	struct segf_txn_cursor cur = {};
	const struct segf_txn_op *op;
	struct segf_txn *txn;
	struct segf_commit c;
	int err = 0;

	if (segf_missing(info->attrs, info->extack, SEGFILTER_A_TXN_ID,
			 "transaction id") ||
	    segf_missing(info->attrs, info->extack, SEGFILTER_A_TXN_OPS,
			 "number of staged commands"))
		return -EINVAL;
	txn = segf_txn_take(sn, nla_get_u32(info->attrs[SEGFILTER_A_TXN_ID]),
			    info->snd_portid,
			    nla_get_u32(info->attrs[SEGFILTER_A_TXN_OPS]),
			    info->extack);
	if (IS_ERR(txn))
		return PTR_ERR(txn);

	segf_lock(sn);
	segf_commit_begin(&c, sn, info->extack);
	/* Checked only: built, then undone (segf_commit_end()). */
	c.check = nla_get_flag(info->attrs[SEGFILTER_A_TXN_CHECK]);
	while ((op = segf_txn_next(txn, &cur))) {
		err = segf_nl_replay(&c, op);
		if (err) {
			segf_txn_blame(info->extack, op->seq);
			break;
		}
		cond_resched();
	}
	err = segf_commit_end(&c, err);
	mutex_unlock(&sn->lock);
	segf_txn_free(txn);
	return err;
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

/*
 * The module's version and the family's: no state of any namespace, so
 * no lock, and no privilege (the spec's info-get).
 */
static int segf_info_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &segf_family, 0,
				SEGFILTER_CMD_INFO_GET);
	if (!hdr ||
	    nla_put_string(msg, SEGFILTER_A_MODULE_VERSION, SEGFILTER_VERSION) ||
	    nla_put_u32(msg, SEGFILTER_A_PROTOCOL_VERSION,
			SEGFILTER_GENL_VERSION))
		return segf_reply(msg, info, -EMSGSIZE);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
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

/* A logging rule decided, in the data path: see segf_log_verdict(). */
static bool segf_nl_verdict_event(struct segf_domain *dom,
				  const struct segf_rule *rule, u16 src,
				  u16 dst, const struct segf_pkt *pkt)
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
	    (src && nla_put_u16(msg, SEGFILTER_A_SRC_GROUP_ID, src)) ||
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
 * rules, services, chains), with the slots of what they hold (instances)
 * as its nested case, or what the namespace holds (domains, ports): see
 * struct segf_nl_dump.  struct segf_dump is where a dump is: its row,
 * its message, the domain it is limited to.
 */
struct segf_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	const struct segf_nl_cmd *row;
	const struct segf_nl_dump *walk;
	struct segf_msg m;
	struct segf_domain *only;
};

static int segf_dump_xa(struct segf_dump *d, struct xarray *xa, int level,
			unsigned long last);

/* Fill @obj, found at @level - 1, or what it holds from cb->args[@level]. */
static int segf_dump_obj(struct segf_dump *d, void *obj, int level)
{
	unsigned long *pos = &d->cb->args[level];
	unsigned long n;
	void *child;
	int err;

	if (level == 1 && d->walk->in_domains)
		return segf_dump_xa(d, (void *)obj + d->walk->dom_table, level,
				    ULONG_MAX);
	if (!d->walk->child)
		return d->row->fill(d->skb, obj, &d->m);
	n = d->walk->n_children(obj);
	for (; *pos < n; (*pos)++) {
		child = d->walk->child(obj, *pos);
		if (!child)
			continue;
		err = d->row->fill(d->skb, child, &d->m);
		if (err)
			return err;
	}
	return 0;
}

/* The entries of @xa from cb->args[@level] to @last, and what they hold. */
static int segf_dump_xa(struct segf_dump *d, struct xarray *xa, int level,
			unsigned long last)
{
	struct netlink_callback *cb = d->cb;
	unsigned long idx;
	void *obj;
	int err;

	xa_for_each_range(xa, idx, obj, cb->args[level], last) {
		if (!level && d->only && d->walk->owner &&
		    d->walk->owner(obj) != d->only) {
			cb->args[level] = idx + 1;
			continue;
		}
		err = segf_dump_obj(d, obj, level + 1);
		if (err)
			return err;
		cb->args[level] = idx + 1;
		cb->args[level + 1] = 0;
	}
	return 0;
}

/*
 * Every GET with NLM_F_DUMP: cb->args[0] is the place in the namespace's
 * table (domains, or ports), [1] in the domain's, [2] in the slots of
 * what that holds.
 */
int segf_nl_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genlmsghdr *hdr = nlmsg_data(cb->nlh);
	struct segf_net *sn = segf_pernet(sock_net(skb->sk));
	struct segf_dump d = {
		.skb = skb,
		.cb = cb,
		.row = segf_nl_row(hdr->cmd),
		.m = segf_msg_dump(cb, hdr->cmd),
	};
	unsigned long last = ULONG_MAX;
	int err;

	if (WARN_ON_ONCE(!d.row || !d.row->dump))
		return -EOPNOTSUPP;
	d.walk = d.row->dump;
	segf_lock(sn);
	cb->seq = sn->genid;
	d.only = segf_domain_lookup(sn, segf_dump_attrs(cb), false,
				    cb->extack);
	if (IS_ERR(d.only)) {
		err = PTR_ERR(d.only);
		goto out;
	}
	/* Domains are by id: a domain named is the range of one. */
	if (d.only && !d.walk->owner) {
		cb->args[0] = max_t(unsigned long, cb->args[0], d.only->id);
		last = d.only->id;
	}
	err = segf_dump_xa(&d, (void *)sn + d.walk->net_table, 0, last);
out:
	mutex_unlock(&sn->lock);
	return segf_dump_result(skb, err);
}

/*
 * Every command, reads included, needs CAP_NET_ADMIN over the network
 * namespace (in the user namespace that owns it): the configuration names
 * tenants, their addresses and their traffic counters, which are no more
 * for an unprivileged local user than the verdict events are.  The spec
 * says so (uns-admin-perm) for every op but info-get, whose constants
 * /sys/module shows anyone, and for the multicast group, and
 * the generated op table (segf_nl_ops[] in nl_gen.c) sends every command
 * to segf_nl_doit() and every dump to segf_nl_dumpit().
 */

struct genl_family segf_family __ro_after_init = {
	.name = SEGFILTER_GENL_NAME,
	.version = SEGFILTER_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = segf_nl_ops,
	.n_ops = ARRAY_SIZE(segf_nl_ops),
	.mcgrps = segf_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(segf_nl_mcgrps),
};

/*
 * An instance changed state: called with segf_net::lock held, in process
 * context, inside segf_instance_notify()'s SRCU read side, which may
 * sleep: the event is not lost to an atomic allocation.
 */
static void segf_nl_instance_event(const struct segf_instance *inst,
				   u8 state)
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

static const struct segf_event_ops segf_nl_events = {
	.verdict = segf_nl_verdict_event,
	.instance = segf_nl_instance_event,
};

int __init segf_genl_init(void)
{
	int err;

	err = genl_register_family(&segf_family);
	if (!err)
		segf_events_register(&segf_nl_events);
	return err;
}

/* No event is being sent once the family goes. */
void segf_genl_uninit(void)
{
	segf_events_unregister();
	genl_unregister_family(&segf_family);
}
