/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The names of segfilter's commands and attributes, for the test tools
 * that take them on the command line or in files (nlsend, segfuzz).
 */
#ifndef SEGF_NAMES_H
#define SEGF_NAMES_H

#include <linux/segfilter.h>
#include <stdlib.h>
#include <string.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

static const char *const cmds[] = {
	[SEGFILTER_CMD_DOMAIN_NEW] = "domain_new",
	[SEGFILTER_CMD_DOMAIN_SET] = "domain_set",
	[SEGFILTER_CMD_DOMAIN_DEL] = "domain_del",
	[SEGFILTER_CMD_DOMAIN_GET] = "domain_get",
	[SEGFILTER_CMD_GROUP_NEW] = "group_new",
	[SEGFILTER_CMD_GROUP_DEL] = "group_del",
	[SEGFILTER_CMD_GROUP_GET] = "group_get",
	[SEGFILTER_CMD_PORT_NEW] = "port_new",
	[SEGFILTER_CMD_PORT_DEL] = "port_del",
	[SEGFILTER_CMD_PORT_GET] = "port_get",
	[SEGFILTER_CMD_ENDPOINT_NEW] = "endpoint_new",
	[SEGFILTER_CMD_ENDPOINT_DEL] = "endpoint_del",
	[SEGFILTER_CMD_ENDPOINT_GET] = "endpoint_get",
	[SEGFILTER_CMD_RULE_NEW] = "rule_new",
	[SEGFILTER_CMD_RULE_DEL] = "rule_del",
	[SEGFILTER_CMD_RULE_GET] = "rule_get",
	[SEGFILTER_CMD_TXN_BEGIN] = "txn_begin",
	[SEGFILTER_CMD_TXN_COMMIT] = "txn_commit",
	[SEGFILTER_CMD_TXN_ABORT] = "txn_abort",
	[SEGFILTER_CMD_TRACE] = "trace",
	[SEGFILTER_CMD_SERVICE_NEW] = "service_new",
	[SEGFILTER_CMD_SERVICE_DEL] = "service_del",
	[SEGFILTER_CMD_SERVICE_GET] = "service_get",
	[SEGFILTER_CMD_INSTANCE_NEW] = "instance_new",
	[SEGFILTER_CMD_INSTANCE_DEL] = "instance_del",
	[SEGFILTER_CMD_INSTANCE_SET] = "instance_set",
	[SEGFILTER_CMD_INSTANCE_GET] = "instance_get",
	[SEGFILTER_CMD_CHAIN_NEW] = "chain_new",
	[SEGFILTER_CMD_CHAIN_DEL] = "chain_del",
	[SEGFILTER_CMD_CHAIN_GET] = "chain_get",
	[SEGFILTER_CMD_ENDPOINT_SET] = "endpoint_set",
};

static const char *const attrs[] = {
	[SEGFILTER_A_DOMAIN_ID] = "domain_id",
	[SEGFILTER_A_DOMAIN_NAME] = "domain_name",
	[SEGFILTER_A_DEFAULT_ACTION] = "default_action",
	[SEGFILTER_A_GROUP_ID] = "group_id",
	[SEGFILTER_A_GROUP_NAME] = "group_name",
	[SEGFILTER_A_IFINDEX] = "ifindex",
	[SEGFILTER_A_IFNAME] = "ifname",
	[SEGFILTER_A_PORT_ROLE] = "port_role",
	[SEGFILTER_A_MAC] = "mac",
	[SEGFILTER_A_ADDRS] = "addrs",
	[SEGFILTER_A_STATS] = "stats",
	[SEGFILTER_A_FLOW_LIMIT] = "flow_limit",
	[SEGFILTER_A_GW_MAC] = "gw_mac",
	[SEGFILTER_A_GW_ADDRS] = "gw_addrs",
	[SEGFILTER_A_RULE_ID] = "rule_id",
	[SEGFILTER_A_PRIORITY] = "priority",
	[SEGFILTER_A_SRC_GROUP_ID] = "src_group_id",
	[SEGFILTER_A_SRC_GROUP_NAME] = "src_group_name",
	[SEGFILTER_A_DST_GROUP_ID] = "dst_group_id",
	[SEGFILTER_A_DST_GROUP_NAME] = "dst_group_name",
	[SEGFILTER_A_PROTO] = "proto",
	[SEGFILTER_A_PORT_MIN] = "port_min",
	[SEGFILTER_A_PORT_MAX] = "port_max",
	[SEGFILTER_A_ICMP_TYPE] = "icmp_type",
	[SEGFILTER_A_ACTION] = "action",
	[SEGFILTER_A_CHAIN_NAME] = "chain_name",
	[SEGFILTER_A_RULE_FLAGS] = "rule_flags",
	[SEGFILTER_A_TXN_ID] = "txn_id",
	[SEGFILTER_A_TXN_OPS] = "txn_ops",
	[SEGFILTER_A_TUPLE] = "tuple",
	[SEGFILTER_A_SERVICE_NAME] = "service_name",
	[SEGFILTER_A_SERVICE_MODE] = "service_mode",
	[SEGFILTER_A_N_INSTANCES] = "n_instances",
	[SEGFILTER_A_INSTANCE_ID] = "instance_id",
	[SEGFILTER_A_INSTANCE_STATE] = "instance_state",
	[SEGFILTER_A_INSTANCE_DRAIN] = "instance_drain",
	[SEGFILTER_A_LEFT] = "left",
	[SEGFILTER_A_RIGHT] = "right",
	[SEGFILTER_A_CHAIN_SERVICES] = "chain_services",
	[SEGFILTER_A_FAIL_MODE] = "fail_mode",
	[SEGFILTER_A_VNI] = "vni",
	[SEGFILTER_A_REMOTE] = "remote",
	[SEGFILTER_A_ENDPOINT_LIMIT] = "endpoint_limit",
	[SEGFILTER_A_RULE_LIMIT] = "rule_limit",
	[SEGFILTER_A_SERVICE_LIMIT] = "service_limit",
	[SEGFILTER_A_CHAIN_LIMIT] = "chain_limit",
};

static const char *const addr_attrs[] = {
	[SEGFILTER_A_ADDR_IPV4] = "ipv4",
	[SEGFILTER_A_ADDR_IPV6] = "ipv6",
};

static const char *const iface_attrs[] = {
	[SEGFILTER_A_IFACE_IFINDEX] = "ifindex",
	[SEGFILTER_A_IFACE_IFNAME] = "ifname",
	[SEGFILTER_A_IFACE_MAC] = "mac",
	[SEGFILTER_A_IFACE_ADDRS] = "addrs",
};

static const char *const chain_attrs[] = {
	[SEGFILTER_A_CHAIN_SERVICE] = "service",
};

static const char *const tuple_attrs[] = {
	[SEGFILTER_A_TUPLE_SRC_IPV4] = "src_ipv4",
	[SEGFILTER_A_TUPLE_DST_IPV4] = "dst_ipv4",
	[SEGFILTER_A_TUPLE_SRC_IPV6] = "src_ipv6",
	[SEGFILTER_A_TUPLE_DST_IPV6] = "dst_ipv6",
	[SEGFILTER_A_TUPLE_PROTO] = "proto",
	[SEGFILTER_A_TUPLE_SPORT] = "sport",
	[SEGFILTER_A_TUPLE_DPORT] = "dport",
	[SEGFILTER_A_TUPLE_ICMP_TYPE] = "icmp_type",
	[SEGFILTER_A_TUPLE_ICMP_ID] = "icmp_id",
};

/* The attribute names that apply at one level of nesting. */
struct names {
	const char *const *name;
	int n;
};

#define NAMES(a)	{ a, ARRAY_SIZE(a) }

static const struct names top_names = NAMES(attrs);
static const struct names addr_names = NAMES(addr_attrs);
static const struct names iface_names = NAMES(iface_attrs);
static const struct names chain_names = NAMES(chain_attrs);
static const struct names tuple_names = NAMES(tuple_attrs);
static const struct names no_names = { NULL, 0 };

/* The names inside the nest @type of the level named by @outer. */
static const struct names *nest_names(const struct names *outer, int type)
{
	if (outer == &top_names) {
		switch (type) {
		case SEGFILTER_A_ADDRS:
		case SEGFILTER_A_GW_ADDRS:
		case SEGFILTER_A_REMOTE:
			return &addr_names;
		case SEGFILTER_A_LEFT:
		case SEGFILTER_A_RIGHT:
			return &iface_names;
		case SEGFILTER_A_CHAIN_SERVICES:
			return &chain_names;
		case SEGFILTER_A_TUPLE:
			return &tuple_names;
		}
	} else if (outer == &iface_names && type == SEGFILTER_A_IFACE_ADDRS) {
		return &addr_names;
	}
	return &no_names;	/* numbers only */
}

/* The number of name @s in @names, or @s itself if it is a number. */
static inline int segf_name_lookup(const char *s, const char *const *names,
				   int n)
{
	char *end;
	long v;
	int i;

	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(s, names[i]))
			return i;
	v = strtol(s, &end, 0);
	if (*s && !*end && v >= 0 && v < 65536)
		return v;
	return -1;
}

#endif /* SEGF_NAMES_H */
