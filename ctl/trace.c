// SPDX-License-Identifier: GPL-2.0
/*
 * segctl trace DEV from ADDR to ADDR [proto tcp|udp|icmp|icmpv6|N]
 *	[sport N] [dport N] [type N] [id N]
 *
 * Asks the kernel what it would do with such a packet arriving on DEV
 * (an endpoint's port, or an exit for a packet from outside): it runs
 * the data path's lookups without sending anything or changing any
 * state.
 */
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>

#include "json_print.h"
#include "segctl.h"

static const char *const flow_names[] = {
	[SEGFILTER_TRACE_FLOW_NONE]	= "none",
	[SEGFILTER_TRACE_FLOW_MISS]	= "miss",
	[SEGFILTER_TRACE_FLOW_ORIGINAL]	= "original",
	[SEGFILTER_TRACE_FLOW_REPLY]	= "reply",
	[SEGFILTER_TRACE_FLOW_STALE]	= "stale",
};

/* A packet as given on the command line. */
struct trace_spec {
	uint32_t ifindex;
	struct ip_addr src, dst;
	uint8_t proto;
	uint16_t sport, dport, icmp_id;
	uint8_t icmp_type;
	const char *sport_arg, *dport_arg, *type_arg, *id_arg;
};

static int parse_trace(int argc, char **argv, struct trace_spec *t)
{
	const char *from = NULL, *to = NULL, *proto = NULL;
	const struct keyword kws[] = {
		{ .name = "from", .value = &from, .flags = KW_REQUIRED,
		  .missing = "missing \"from ADDR\"" },
		{ .name = "to", .value = &to, .flags = KW_REQUIRED,
		  .missing = "missing \"to ADDR\"" },
		{ .name = "proto", .value = &proto },
		{ .name = "sport", .value = &t->sport_arg },
		{ .name = "dport", .value = &t->dport_arg },
		{ .name = "type", .value = &t->type_arg },
		{ .name = "id", .value = &t->id_arg },
	};
	bool ports;

	if (argc < 1)
		return usage_error("missing DEV");
	if (parse_keywords(argc - 1, argv + 1, kws, ARRAY_SIZE(kws)) ||
	    parse_ip(from, &t->src) || parse_ip(to, &t->dst))
		return EXIT_USAGE;
	if (t->src.family != t->dst.family)
		return usage_error("\"from\" and \"to\" must be both IPv4 or both IPv6");

	ports = t->sport_arg || t->dport_arg;
	if (proto && parse_proto(proto, true, &t->proto))
		return EXIT_USAGE;
	if (!proto && !ports)
		return usage_error("missing proto");
	if (!proto)
		t->proto = IPPROTO_TCP;
	if (ports && !proto_has_ports(t->proto))
		return usage_error("\"sport\" and \"dport\" need proto tcp or udp");
	if ((t->type_arg || t->id_arg) && !proto_is_icmp(t->proto))
		return usage_error("\"type\" and \"id\" need proto icmp or icmpv6");
	if ((t->sport_arg && parse_u16(t->sport_arg, "port", &t->sport)) ||
	    (t->dport_arg && parse_u16(t->dport_arg, "port", &t->dport)) ||
	    (t->type_arg && parse_u8(t->type_arg, "ICMP type",
				     &t->icmp_type)) ||
	    (t->id_arg && parse_u16(t->id_arg, "ICMP id", &t->icmp_id)))
		return EXIT_USAGE;
	return dev_index(argv[0], &t->ifindex);
}

static void put_tuple(struct nl_msg *msg, const struct trace_spec *t)
{
	bool v4 = t->src.family == AF_INET;
	struct nlattr *nest;

	nest = sfnl_nest_start(msg, SEGFILTER_A_TUPLE);
	sfnl_put(msg, v4 ? SEGFILTER_A_TUPLE_SRC_IPV4 :
			   SEGFILTER_A_TUPLE_SRC_IPV6,
		 t->src.addr, v4 ? 4 : 16);
	sfnl_put(msg, v4 ? SEGFILTER_A_TUPLE_DST_IPV4 :
			   SEGFILTER_A_TUPLE_DST_IPV6,
		 t->dst.addr, v4 ? 4 : 16);
	sfnl_put_u8(msg, SEGFILTER_A_TUPLE_PROTO, t->proto);
	if (t->sport_arg)
		sfnl_put_u16(msg, SEGFILTER_A_TUPLE_SPORT, t->sport);
	if (t->dport_arg)
		sfnl_put_u16(msg, SEGFILTER_A_TUPLE_DPORT, t->dport);
	if (t->type_arg)
		sfnl_put_u8(msg, SEGFILTER_A_TUPLE_ICMP_TYPE, t->icmp_type);
	if (t->id_arg)
		sfnl_put_u16(msg, SEGFILTER_A_TUPLE_ICMP_ID, t->icmp_id);
	sfnl_nest_end(msg, nest);
}

/*
 * One step of the verdict per line, each only if the kernel says it:
 *
 *	domain three-tier
 *	from group web
 *	to group app
 *	flow miss
 *	rule 7			(or: rule default)
 *	action allow		(or: action redirect, then: chain inspect)
 *	exit xshop		(out of the domain by its exit)
 *	drop rule_deny
 *
 * JSON: one object, with "rule" a number or "default".
 */
static void print_trace(struct nlattr **tb)
{
	char buf[32], name[IF_NAMESIZE];

	open_json_object(NULL);
	if (tb[SEGFILTER_A_DOMAIN_NAME])
		print_string(PRINT_ANY, "domain", "domain %s\n",
			     nla_get_string(tb[SEGFILTER_A_DOMAIN_NAME]));
	if (tb[SEGFILTER_A_SRC_GROUP_NAME])
		print_string(PRINT_ANY, "from", "from group %s\n",
			     nla_get_string(tb[SEGFILTER_A_SRC_GROUP_NAME]));
	if (tb[SEGFILTER_A_DST_GROUP_NAME])
		print_string(PRINT_ANY, "to", "to group %s\n",
			     nla_get_string(tb[SEGFILTER_A_DST_GROUP_NAME]));
	if (tb[SEGFILTER_A_TRACE_FLOW]) {
		uint8_t flow = nla_get_u8(tb[SEGFILTER_A_TRACE_FLOW]);
		const char *name = buf;

		if (flow < ARRAY_SIZE(flow_names))
			name = flow_names[flow];
		else
			snprintf(buf, sizeof(buf), "flow_%u", flow);
		print_string(PRINT_ANY, "flow", "flow %s\n", name);
	}
	if (tb[SEGFILTER_A_RULE_ID])
		print_uint(PRINT_ANY, "rule", "rule %u\n",
			   nla_get_u32(tb[SEGFILTER_A_RULE_ID]));
	else if (tb[SEGFILTER_A_TRACE_DEFAULT])
		print_string(PRINT_ANY, "rule", "rule %s\n", "default");
	if (tb[SEGFILTER_A_ACTION])
		print_string(PRINT_ANY, "action", "action %s\n",
			     action_name(nla_get_u8(tb[SEGFILTER_A_ACTION]),
					 buf, sizeof(buf)));
	if (tb[SEGFILTER_A_CHAIN_NAME])
		print_string(PRINT_ANY, "chain", "chain %s\n",
			     nla_get_string(tb[SEGFILTER_A_CHAIN_NAME]));
	if (tb[SEGFILTER_A_TRACE_EXIT])
		print_string(PRINT_ANY, "exit", "exit %s\n",
			     ifname_str(NULL, tb[SEGFILTER_A_TRACE_EXIT], name,
					sizeof(name)));
	if (tb[SEGFILTER_A_DROP_REASON])
		print_string(PRINT_ANY, "drop", "drop %s\n",
			     drop_name(nla_get_u32(tb[SEGFILTER_A_DROP_REASON]),
				       buf, sizeof(buf)));
	close_json_object();
}

int trace_cmd(int argc, char **argv)
{
	struct sfnl_replies replies = {};
	struct nlattr *tb[SEGFILTER_A_MAX + 1];
	struct trace_spec t = {};
	struct nl_msg *msg;
	int ret;

	ret = parse_trace(argc, argv, &t);
	if (ret)
		return ret;

	msg = sfnl_msg(SEGFILTER_CMD_TRACE, false);
	if (!msg)
		return 1;
	sfnl_put_u32(msg, SEGFILTER_A_IFINDEX, t.ifindex);
	put_tuple(msg, &t);
	ret = sfnl_request(msg, &replies);
	nlmsg_free(msg);
	if (!ret && !replies.count) {
		fputs("segctl: the kernel sent no trace\n", stderr);
		ret = 1;
	}
	if (!ret)
		ret = sfnl_parse(replies.msgs[0], tb);
	if (!ret)
		print_trace(tb);
	sfnl_replies_free(&replies);
	return ret;
}
