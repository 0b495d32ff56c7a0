// SPDX-License-Identifier: GPL-2.0
/*
 * segctl rule add|del|show
 *
 * A rule of a domain matches packets by source and destination group,
 * protocol, destination port range or ICMP type, and allows, denies or
 * redirects them.  The kernel tries a domain's rules by priority, then
 * by id, and the first that matches decides.
 */
#include <stdio.h>
#include <string.h>

#include "json_print.h"
#include "segctl.h"

const char *rule_port(struct nlattr **tb, char *buf, int size)
{
	uint16_t min, max;

	if (!tb[SEGFILTER_A_PORT_MIN])
		return NULL;
	min = nla_get_u16(tb[SEGFILTER_A_PORT_MIN]);
	max = tb[SEGFILTER_A_PORT_MAX] ?
	      nla_get_u16(tb[SEGFILTER_A_PORT_MAX]) : min;
	if (min == max)
		snprintf(buf, size, "%u", min);
	else
		snprintf(buf, size, "%u-%u", min, max);
	return buf;
}

/* A rule's group: its name, and its id in JSON; nothing for any. */
static void print_rule_group(struct nlattr **tb, int name_attr,
			     int id_attr, const char *key)
{
	char id_key[16];
	char fmt[16];

	snprintf(fmt, sizeof(fmt), " %s %%s", key);
	snprintf(id_key, sizeof(id_key), "%s_id", key);
	if (tb[name_attr])
		print_string(PRINT_ANY, key, fmt,
			     nla_get_string(tb[name_attr]));
	if (tb[id_attr])
		print_uint(PRINT_JSON, id_key, NULL, nla_get_u16(tb[id_attr]));
}

/*
 * rule 7 domain three-tier prio 100 from web to app proto tcp port 8080
 *	action allow log
 * and, in JSON only, the counters.
 */
void print_rule(struct nlattr **tb)
{
	struct nlattr *stats[SEGFILTER_STATS_MAX + 1];
	struct nlattr *packets, *bytes;
	uint32_t flags = 0;
	uint8_t proto = 0;
	char buf[32];

	open_json_object(NULL);
	if (tb[SEGFILTER_A_RULE_ID])
		print_uint(PRINT_ANY, "rule", "rule %u",
			   nla_get_u32(tb[SEGFILTER_A_RULE_ID]));
	print_domain_ref(tb);
	if (tb[SEGFILTER_A_PRIORITY])
		print_uint(PRINT_ANY, "prio", " prio %u",
			   nla_get_u32(tb[SEGFILTER_A_PRIORITY]));
	print_rule_group(tb, SEGFILTER_A_SRC_GROUP_NAME,
			 SEGFILTER_A_SRC_GROUP_ID, "from");
	print_rule_group(tb, SEGFILTER_A_DST_GROUP_NAME,
			 SEGFILTER_A_DST_GROUP_ID, "to");
	if (tb[SEGFILTER_A_PROTO])
		proto = nla_get_u8(tb[SEGFILTER_A_PROTO]);
	if (proto)
		print_string(PRINT_ANY, "proto", " proto %s",
			     proto_name(proto, buf, sizeof(buf)));
	if (rule_port(tb, buf, sizeof(buf)))
		print_string(PRINT_ANY, "port", " port %s", buf);
	if (tb[SEGFILTER_A_ICMP_TYPE])
		print_uint(PRINT_ANY, "type", " type %u",
			   nla_get_u8(tb[SEGFILTER_A_ICMP_TYPE]));
	if (tb[SEGFILTER_A_ACTION])
		print_string(PRINT_ANY, "action", " action %s",
			     action_name(nla_get_u8(tb[SEGFILTER_A_ACTION]),
					 buf, sizeof(buf)));
	if (tb[SEGFILTER_A_CHAIN_NAME])
		print_string(PRINT_ANY, "chain", " %s",
			     nla_get_string(tb[SEGFILTER_A_CHAIN_NAME]));
	if (tb[SEGFILTER_A_RULE_FLAGS])
		flags = nla_get_u32(tb[SEGFILTER_A_RULE_FLAGS]);
	print_bool(PRINT_ANY, "log", " log", flags & SEGFILTER_RULE_F_LOG);
	if (tb[SEGFILTER_A_STATS] &&
	    !sfnl_parse_stats(tb[SEGFILTER_A_STATS], stats)) {
		packets = stats[SEGFILTER_STATS_MATCHED_PACKETS];
		bytes = stats[SEGFILTER_STATS_MATCHED_BYTES];
		if (packets)
			print_u64(PRINT_JSON, "packets", NULL,
				  nla_get_u64(packets));
		if (bytes)
			print_u64(PRINT_JSON, "bytes", NULL, nla_get_u64(bytes));
	}
	close_json_object();
	print_nl();
}

/* A rule as given on the command line. */
struct rule_spec {
	bool has_id, has_prio, has_port, has_type, log;
	uint32_t id, prio;
	struct obj_ref domain;
	const char *from, *to;		/* NULL: any group */
	struct obj_ref src, dst;
	uint8_t proto;			/* 0: any */
	uint16_t port_min, port_max;
	uint8_t type;
	uint8_t action;
	const char *chain;		/* action redirect */
};

/* "from GROUP|any": @ref is set and true returned unless it is any. */
static int parse_rule_group(const char *arg, const char **group,
			    struct obj_ref *ref)
{
	*group = NULL;
	if (!arg || !strcmp(arg, "any"))
		return 0;
	*group = arg;
	return parse_group_ref(arg, ref);
}

/* "N" or "N-M" */
static int parse_port_range(const char *arg, uint16_t *min, uint16_t *max)
{
	char buf[16];
	char *dash;

	if (strlen(arg) >= sizeof(buf))
		return usage_error("invalid port range \"%s\"", arg);
	strcpy(buf, arg);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (parse_u16(buf, "port", min))
		return EXIT_USAGE;
	*max = *min;
	if (dash && parse_u16(dash + 1, "port", max))
		return EXIT_USAGE;
	if (*min > *max)
		return usage_error("invalid port range \"%s\": %u > %u", arg,
				   *min, *max);
	return 0;
}

/*
 * [id ID] domain DOMAIN [prio N] [from GROUP|any] [to GROUP|any]
 * [proto any|tcp|udp|icmp|icmpv6] [port N|N-M] [type N]
 * action allow|deny|redirect CHAIN [log]
 */
static int parse_rule(int argc, char **argv, struct rule_spec *r)
{
	const char *id = NULL, *dom = NULL, *prio = NULL, *from = NULL,
		   *to = NULL, *proto = NULL, *port = NULL, *type = NULL,
		   *action = NULL, *chain = NULL, *log = NULL;
	const struct keyword kws[] = {
		{ .name = "id", .value = &id },
		{ .name = "domain", .value = &dom, .flags = KW_REQUIRED,
		  .missing = "missing \"domain DOMAIN\"" },
		{ .name = "prio", .value = &prio },
		{ .name = "from", .value = &from },
		{ .name = "to", .value = &to },
		{ .name = "proto", .value = &proto },
		{ .name = "port", .value = &port },
		{ .name = "type", .value = &type },
		{ .name = "action", .value = &action, .flags = KW_REQUIRED,
		  .missing = "missing \"action allow|deny|redirect CHAIN\"",
		  .value2_after = "redirect", .value2 = &chain },
		{ .name = "log", .value = &log, .flags = KW_FLAG },
	};

	memset(r, 0, sizeof(*r));
	if (parse_keywords(argc, argv, kws, ARRAY_SIZE(kws)))
		return EXIT_USAGE;
	r->has_id = id != NULL;
	r->has_prio = prio != NULL;
	r->has_port = port != NULL;
	r->has_type = type != NULL;
	r->log = log != NULL;
	r->chain = chain;
	if ((id && parse_u32(id, "rule id", &r->id)) ||
	    parse_domain_ref(dom, &r->domain) ||
	    (prio && parse_u32(prio, "priority", &r->prio)) ||
	    parse_rule_group(from, &r->from, &r->src) ||
	    parse_rule_group(to, &r->to, &r->dst) ||
	    (proto && parse_proto(proto, false, &r->proto)) ||
	    parse_rule_action(action, &r->action))
		return EXIT_USAGE;
	if (port && !proto_has_ports(r->proto))
		return usage_error("\"port\" needs \"proto tcp\" or \"proto udp\"");
	if (port && parse_port_range(port, &r->port_min, &r->port_max))
		return EXIT_USAGE;
	if (type && !proto_is_icmp(r->proto))
		return usage_error("\"type\" needs \"proto icmp\" or \"proto icmpv6\"");
	if (type && parse_u8(type, "ICMP type", &r->type))
		return EXIT_USAGE;
	return 0;
}

static void put_rule_group(struct nl_msg *msg, const struct obj_ref *ref,
			   int name_attr, int id_attr)
{
	if (ref->name)
		sfnl_put_string(msg, name_attr, ref->name);
	else
		sfnl_put_u16(msg, id_attr, ref->id);
}

static void put_rule(struct nl_msg *msg, const struct rule_spec *r)
{
	put_domain_ref(msg, &r->domain);
	if (r->has_id)
		sfnl_put_u32(msg, SEGFILTER_A_RULE_ID, r->id);
	if (r->has_prio)
		sfnl_put_u32(msg, SEGFILTER_A_PRIORITY, r->prio);
	if (r->from)
		put_rule_group(msg, &r->src, SEGFILTER_A_SRC_GROUP_NAME,
			       SEGFILTER_A_SRC_GROUP_ID);
	if (r->to)
		put_rule_group(msg, &r->dst, SEGFILTER_A_DST_GROUP_NAME,
			       SEGFILTER_A_DST_GROUP_ID);
	if (r->proto)
		sfnl_put_u8(msg, SEGFILTER_A_PROTO, r->proto);
	if (r->has_port) {
		sfnl_put_u16(msg, SEGFILTER_A_PORT_MIN, r->port_min);
		sfnl_put_u16(msg, SEGFILTER_A_PORT_MAX, r->port_max);
	}
	if (r->has_type)
		sfnl_put_u8(msg, SEGFILTER_A_ICMP_TYPE, r->type);
	sfnl_put_u8(msg, SEGFILTER_A_ACTION, r->action);
	if (r->chain)
		sfnl_put_string(msg, SEGFILTER_A_CHAIN_NAME, r->chain);
	if (r->log)
		sfnl_put_u32(msg, SEGFILTER_A_RULE_FLAGS, SEGFILTER_RULE_F_LOG);
}

/* rule add [id ID] domain DOMAIN ... action allow|deny|redirect CHAIN */
int rule_add(int argc, char **argv)
{
	struct rule_spec rule;
	struct nl_msg *msg;

	if (parse_rule(argc, argv, &rule))
		return EXIT_USAGE;

	msg = sfnl_msg(SEGFILTER_CMD_RULE_NEW, false);
	if (!msg)
		return 1;
	put_rule(msg, &rule);
	return run_and_print(msg, print_rule);
}

/* rule del ID domain DOMAIN */
int rule_del(int argc, char **argv)
{
	const char *dom = NULL;
	const struct keyword kws[] = {
		{ .name = "domain", .value = &dom, .flags = KW_REQUIRED,
		  .missing = "missing \"domain DOMAIN\"" },
	};
	struct obj_ref domain;
	struct nl_msg *msg;
	uint32_t id;

	if (argc < 1)
		return usage_error("missing rule ID");
	if (parse_u32(argv[0], "rule id", &id) ||
	    parse_keywords(argc - 1, argv + 1, kws, ARRAY_SIZE(kws)) ||
	    parse_domain_ref(dom, &domain))
		return EXIT_USAGE;

	msg = sfnl_msg(SEGFILTER_CMD_RULE_DEL, false);
	if (!msg)
		return 1;
	put_domain_ref(msg, &domain);
	sfnl_put_u32(msg, SEGFILTER_A_RULE_ID, id);
	return run_and_print(msg, NULL);
}

/* rule show [domain DOMAIN] */
int rule_show(int argc, char **argv)
{
	return show_in_domain(argc, argv, SEGFILTER_CMD_RULE_GET, print_rule);
}
