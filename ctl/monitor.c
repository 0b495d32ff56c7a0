// SPDX-License-Identifier: GPL-2.0
/*
 * segctl monitor: print the verdict events of rules with "log", and the
 * changes of state of service instances, as they come, until SIGINT or
 * SIGTERM.
 *
 *	verdict domain three-tier rule 7 from 1 to 3 action deny proto tcp
 *		10.0.1.10:40000 -> 10.0.3.10:5432
 *	instance 1 service fw domain three-tier state drained
 *
 * (each on one line).  With -j, one JSON object per line.
 */
#include <arpa/inet.h>
#include <stdio.h>

#include <linux/genetlink.h>

#include "json_print.h"
#include "segctl.h"

/* "10.0.1.10", and with a port "10.0.1.10:80" or "[fd00::1]:80". */
static const char *endpoint_str(const struct nlattr *addr, bool v6,
				struct nlattr *port, char *buf, int size)
{
	char ip[INET6_ADDRSTRLEN];

	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, nla_data(addr), ip,
		       sizeof(ip)))
		snprintf(ip, sizeof(ip), "?");
	if (!port)
		snprintf(buf, size, "%s", ip);
	else if (v6)
		snprintf(buf, size, "[%s]:%u", ip, nla_get_u16(port));
	else
		snprintf(buf, size, "%s:%u", ip, nla_get_u16(port));
	return buf;
}

/* The tuple: "proto tcp SRC:SPORT -> DST:DPORT" or "... type N". */
static void print_event_tuple(struct nlattr *nest)
{
	struct nlattr *tb[SEGFILTER_A_TUPLE_MAX + 1];
	char src[INET6_ADDRSTRLEN + 16], dst[INET6_ADDRSTRLEN + 16];
	struct nlattr *saddr, *daddr, *sport = NULL, *dport = NULL;
	uint8_t proto = 0;
	char ip[INET6_ADDRSTRLEN];
	char buf[16];
	bool v6;

	if (!nest || sfnl_parse_tuple(nest, tb))
		return;
	if (tb[SEGFILTER_A_TUPLE_PROTO])
		proto = nla_get_u8(tb[SEGFILTER_A_TUPLE_PROTO]);
	print_string(PRINT_ANY, "proto", " proto %s",
		     proto_name(proto, buf, sizeof(buf)));

	v6 = !tb[SEGFILTER_A_TUPLE_SRC_IPV4];
	if (v6) {
		saddr = tb[SEGFILTER_A_TUPLE_SRC_IPV6];
		daddr = tb[SEGFILTER_A_TUPLE_DST_IPV6];
	} else {
		saddr = tb[SEGFILTER_A_TUPLE_SRC_IPV4];
		daddr = tb[SEGFILTER_A_TUPLE_DST_IPV4];
	}
	if (proto_has_ports(proto)) {
		sport = tb[SEGFILTER_A_TUPLE_SPORT];
		dport = tb[SEGFILTER_A_TUPLE_DPORT];
	}
	if (saddr && daddr) {
		print_text(" %s -> %s",
			   endpoint_str(saddr, v6, sport, src, sizeof(src)),
			   endpoint_str(daddr, v6, dport, dst, sizeof(dst)));
		print_string(PRINT_JSON, "src", NULL,
			     endpoint_str(saddr, v6, NULL, ip, sizeof(ip)));
		print_string(PRINT_JSON, "dst", NULL,
			     endpoint_str(daddr, v6, NULL, ip, sizeof(ip)));
	}
	if (sport)
		print_uint(PRINT_JSON, "sport", NULL, nla_get_u16(sport));
	if (dport)
		print_uint(PRINT_JSON, "dport", NULL, nla_get_u16(dport));
	if (proto_is_icmp(proto) && tb[SEGFILTER_A_TUPLE_ICMP_TYPE])
		print_uint(PRINT_ANY, "type", " type %u",
			   nla_get_u8(tb[SEGFILTER_A_TUPLE_ICMP_TYPE]));
}

static void print_verdict(struct nlattr **tb)
{
	char buf[32];

	print_string(PRINT_ANY, "event", "%s", "verdict");
	if (tb[SEGFILTER_A_DOMAIN_NAME])
		print_string(PRINT_ANY, "domain", " domain %s",
			     nla_get_string(tb[SEGFILTER_A_DOMAIN_NAME]));
	if (tb[SEGFILTER_A_RULE_ID])
		print_uint(PRINT_ANY, "rule", " rule %u",
			   nla_get_u32(tb[SEGFILTER_A_RULE_ID]));
	if (tb[SEGFILTER_A_SRC_GROUP_ID])
		print_uint(PRINT_ANY, "from", " from %u",
			   nla_get_u16(tb[SEGFILTER_A_SRC_GROUP_ID]));
	if (tb[SEGFILTER_A_DST_GROUP_ID])
		print_uint(PRINT_ANY, "to", " to %u",
			   nla_get_u16(tb[SEGFILTER_A_DST_GROUP_ID]));
	if (tb[SEGFILTER_A_ACTION])
		print_string(PRINT_ANY, "action", " action %s",
			     action_name(nla_get_u8(tb[SEGFILTER_A_ACTION]),
					 buf, sizeof(buf)));
	print_event_tuple(tb[SEGFILTER_A_TUPLE]);
}

/* "instance 1 service fw domain tenant-a state drained" */
static void print_instance_event(struct nlattr **tb)
{
	print_string(PRINT_JSON, "event", NULL, "instance");
	print_instance_ref(tb);
	print_instance_state(tb);
}

static void print_event(struct nlmsghdr *nlh)
{
	struct genlmsghdr *ghdr = nlmsg_data(nlh);
	struct nlattr *tb[SEGFILTER_A_MAX + 1];

	if (sfnl_parse(nlh, tb))
		return;
	if (ghdr->cmd != SEGFILTER_CMD_VERDICT_EVENT &&
	    ghdr->cmd != SEGFILTER_CMD_INSTANCE_EVENT)
		return;

	open_json_object(NULL);
	if (ghdr->cmd == SEGFILTER_CMD_VERDICT_EVENT)
		print_verdict(tb);
	else
		print_instance_event(tb);
	close_json_object();
	print_record_end();
}

/* monitor */
int monitor_cmd(int argc, char **argv)
{
	if (parse_keywords(argc, argv, NULL, 0))
		return EXIT_USAGE;
	return sfnl_monitor(SEGFILTER_MCGRP_EVENTS, print_event);
}
