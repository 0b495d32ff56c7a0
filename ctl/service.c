// SPDX-License-Identifier: GPL-2.0
/*
 * segctl service add|del|show
 * segctl service instance add|del|drain|undrain|show
 *
 * A service is a kind of middlebox of a domain (a firewall, an IDS),
 * transparent or routed; its instances are the boxes themselves, each
 * plugged into the domain by two service ports, left and right.  Rules
 * redirect flows into chains of services (chain.c), and each flow is
 * pinned to one instance of every service of its chain.
 */
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_print.h"
#include "segctl.h"

static int parse_service_mode(const char *arg, uint8_t *mode)
{
	if (!strcmp(arg, "transparent"))
		*mode = SEGFILTER_SERVICE_TRANSPARENT;
	else if (!strcmp(arg, "routed"))
		*mode = SEGFILTER_SERVICE_ROUTED;
	else
		return usage_error("invalid mode \"%s\" (transparent or routed)",
				   arg);
	return 0;
}

static void print_service_mode(struct nlattr **tb)
{
	char buf[32];

	if (tb[SEGFILTER_A_SERVICE_MODE])
		print_string(PRINT_ANY, "mode", " mode %s",
			     service_mode_name(nla_get_u8(tb[SEGFILTER_A_SERVICE_MODE]),
					       buf, sizeof(buf)));
}

/* service fw domain tenant-a mode transparent instances 2 */
void print_service(struct nlattr **tb)
{
	open_json_object(NULL);
	if (tb[SEGFILTER_A_SERVICE_NAME])
		print_string(PRINT_ANY, "service", "service %s",
			     nla_get_string(tb[SEGFILTER_A_SERVICE_NAME]));
	print_domain_ref(tb);
	print_service_mode(tb);
	if (tb[SEGFILTER_A_N_INSTANCES])
		print_uint(PRINT_ANY, "instances", " instances %u",
			   nla_get_u32(tb[SEGFILTER_A_N_INSTANCES]));
	close_json_object();
	print_nl();
}

/* service add NAME domain DOMAIN mode transparent|routed */
int service_add(int argc, char **argv)
{
	const char *dom = NULL, *mode_arg = NULL;
	const struct keyword kws[] = {
		{ .name = "domain", .value = &dom, .flags = KW_REQUIRED,
		  .missing = "missing \"domain DOMAIN\"" },
		{ .name = "mode", .value = &mode_arg, .flags = KW_REQUIRED,
		  .missing = "missing \"mode transparent|routed\"" },
	};
	struct obj_ref domain;
	struct nl_msg *msg;
	uint8_t mode = SEGFILTER_SERVICE_UNSPEC;

	if (argc < 1)
		return usage_error("missing service NAME");
	if (parse_keywords(argc - 1, argv + 1, kws, ARRAY_SIZE(kws)) ||
	    parse_domain_ref(dom, &domain) ||
	    parse_service_mode(mode_arg, &mode))
		return EXIT_USAGE;

	msg = sfnl_msg(SEGFILTER_CMD_SERVICE_NEW, false);
	if (!msg)
		return 1;
	put_domain_ref(msg, &domain);
	sfnl_put_string(msg, SEGFILTER_A_SERVICE_NAME, argv[0]);
	sfnl_put_u8(msg, SEGFILTER_A_SERVICE_MODE, mode);
	return run_and_print(msg, print_service);
}

/* service del NAME domain DOMAIN */
int service_del(int argc, char **argv)
{
	return del_by_name(argc, argv, SEGFILTER_CMD_SERVICE_DEL,
			   SEGFILTER_A_SERVICE_NAME, "service NAME");
}

/* service show [domain DOMAIN] */
int service_show(int argc, char **argv)
{
	return show_in_domain(argc, argv, SEGFILTER_CMD_SERVICE_GET,
			      print_service);
}

/*
 * Instances.
 */

void print_instance_ref(struct nlattr **tb)
{
	if (tb[SEGFILTER_A_INSTANCE_ID])
		print_uint(PRINT_ANY, "instance", "instance %u",
			   nla_get_u32(tb[SEGFILTER_A_INSTANCE_ID]));
	if (tb[SEGFILTER_A_SERVICE_NAME])
		print_string(PRINT_ANY, "service", " service %s",
			     nla_get_string(tb[SEGFILTER_A_SERVICE_NAME]));
	print_domain_ref(tb);
}

/*
 * "state up", and in JSON "drain" as well.  A drained instance whose
 * port went down is in state down: the text then says "drain" too.
 */
void print_instance_state(struct nlattr **tb)
{
	uint8_t state = SEGFILTER_INSTANCE_UNSPEC;
	char buf[32];
	bool drain;

	if (tb[SEGFILTER_A_INSTANCE_STATE]) {
		state = nla_get_u8(tb[SEGFILTER_A_INSTANCE_STATE]);
		print_string(PRINT_ANY, "state", " state %s",
			     instance_state_name(state, buf, sizeof(buf)));
	}
	if (!tb[SEGFILTER_A_INSTANCE_DRAIN])
		return;
	drain = nla_get_u8(tb[SEGFILTER_A_INSTANCE_DRAIN]);
	print_bool(PRINT_JSON, "drain", NULL, drain);
	print_bool(PRINT_FP, NULL, " drain",
		   drain && state != SEGFILTER_INSTANCE_DRAINED);
}

/* The counters of an instance, in the order printed; the JSON keys. */
static const struct {
	int attr;
	const char *name;
} instance_counters[] = {
	{ SEGFILTER_STATS_FLOWS,	"flows" },
	{ SEGFILTER_STATS_TX_PACKETS,	"tx_packets" },	/* sent to it */
	{ SEGFILTER_STATS_TX_BYTES,	"tx_bytes" },
	{ SEGFILTER_STATS_RX_PACKETS,	"rx_packets" },	/* came back */
	{ SEGFILTER_STATS_RX_BYTES,	"rx_bytes" },
};

/* " flows 3 tx_packets 120 ...": each counter the kernel sent. */
void print_instance_counters(struct nlattr *nest)
{
	struct nlattr *tb[SEGFILTER_STATS_MAX + 1];
	unsigned int i;
	char fmt[32];

	if (!nest || sfnl_parse_stats(nest, tb))
		return;
	for (i = 0; i < ARRAY_SIZE(instance_counters); i++) {
		struct nlattr *nla = tb[instance_counters[i].attr];

		if (!nla)
			continue;
		snprintf(fmt, sizeof(fmt), " %s %%" PRIu64,
			 instance_counters[i].name);
		print_u64(PRINT_ANY, instance_counters[i].name, fmt,
			  nla_get_u64(nla));
	}
}

/*
 * One side: " left fw1-in mac 02:00:00:00:0f:01 ip 10.0.0.5", in JSON
 * {"port": "fw1-in", "ifindex": 7, "mac": "...", "ip": [...]}.
 */
static void print_iface(struct nlattr *nest, const char *side)
{
	struct nlattr *tb[SEGFILTER_A_IFACE_MAX + 1];
	char name[IF_NAMESIZE + 16];
	char mac[MAC_STR_SIZE];
	char fmt[16];

	if (!nest || sfnl_parse_iface(nest, tb))
		return;
	open_json_object(side);
	snprintf(fmt, sizeof(fmt), " %s %%s", side);
	print_string(PRINT_ANY, "port", fmt,
		     ifname_str(tb[SEGFILTER_A_IFACE_IFNAME],
				tb[SEGFILTER_A_IFACE_IFINDEX], name,
				sizeof(name)));
	if (tb[SEGFILTER_A_IFACE_IFINDEX])
		print_uint(PRINT_JSON, "ifindex", NULL,
			   nla_get_u32(tb[SEGFILTER_A_IFACE_IFINDEX]));
	if (tb[SEGFILTER_A_IFACE_MAC])
		print_string(PRINT_ANY, "mac", " mac %s",
			     format_mac(nla_data(tb[SEGFILTER_A_IFACE_MAC]),
					mac, sizeof(mac)));
	print_addrs(tb[SEGFILTER_A_IFACE_ADDRS], "ip", " ip %s");
	close_json_object();
}

/*
 * instance 1 service fw domain tenant-a mode routed state up
 *	left fw1-in mac 02:00:00:00:0f:01 ip 10.0.0.5
 *	right fw1-out mac 02:00:00:00:0f:02 ip 10.0.1.5
 *	flows 3 tx_packets 120 tx_bytes 9000 rx_packets 118 rx_bytes 8800
 * (on one line).
 */
void print_instance(struct nlattr **tb)
{
	open_json_object(NULL);
	print_instance_ref(tb);
	print_service_mode(tb);
	print_instance_state(tb);
	print_iface(tb[SEGFILTER_A_LEFT], "left");
	print_iface(tb[SEGFILTER_A_RIGHT], "right");
	print_instance_counters(tb[SEGFILTER_A_STATS]);
	close_json_object();
	print_nl();
}

/* "SERVICE ID", which every instance command starts with. */
static int parse_instance_ref(int argc, char **argv, uint32_t *id)
{
	if (argc < 1)
		return usage_error("missing SERVICE");
	if (argc < 2)
		return usage_error("missing instance ID");
	return parse_u32(argv[1], "instance id", id);
}

static void put_instance_ref(struct nl_msg *msg, const struct obj_ref *domain,
			     const char *service, uint32_t id)
{
	put_domain_ref(msg, domain);
	sfnl_put_string(msg, SEGFILTER_A_SERVICE_NAME, service);
	sfnl_put_u32(msg, SEGFILTER_A_INSTANCE_ID, id);
}

/* One side of an instance as given: "left DEV [mac MAC] [ip ADDR]..." */
struct iface_spec {
	const char *name;		/* "left" or "right" */
	const char *dev, *mac_arg;
	uint8_t mac[ETH_ALEN];
	struct ip_addrs addrs;
	uint32_t ifindex;
	struct iface_spec **cur;	/* the side "mac" and "ip" go to */
};

/* "left DEV" or "right DEV": the "mac" and "ip" that follow are its. */
static int select_side(const char *value, void *priv)
{
	struct iface_spec *side = priv;

	(void)value;
	*side->cur = side;
	return 0;
}

static int collect_side_mac(const char *value, void *priv)
{
	struct iface_spec *side = *(struct iface_spec **)priv;

	if (!side)
		return usage_error("\"mac\" must follow \"left DEV\" or \"right DEV\"");
	if (side->mac_arg)
		return usage_error("\"mac\" given twice for \"%s\"",
				   side->name);
	side->mac_arg = value;
	return parse_mac(value, side->mac);
}

static int collect_side_ip(const char *value, void *priv)
{
	struct iface_spec *side = *(struct iface_spec **)priv;

	if (!side)
		return usage_error("\"ip\" must follow \"left DEV\" or \"right DEV\"");
	return collect_ip(value, &side->addrs);
}

static void put_iface(struct nl_msg *msg, int type,
		      const struct iface_spec *side)
{
	struct nlattr *nest;

	nest = sfnl_nest_start(msg, type);
	sfnl_put_u32(msg, SEGFILTER_A_IFACE_IFINDEX, side->ifindex);
	if (side->mac_arg)
		sfnl_put(msg, SEGFILTER_A_IFACE_MAC, side->mac, ETH_ALEN);
	if (side->addrs.n)
		put_addrs(msg, SEGFILTER_A_IFACE_ADDRS, &side->addrs);
	sfnl_nest_end(msg, nest);
}

/*
 * service instance add SERVICE ID domain DOMAIN
 *	left DEV [mac MAC] [ip ADDR]... right DEV [mac MAC] [ip ADDR]...
 */
int instance_add(int argc, char **argv)
{
	struct iface_spec *cur = NULL;
	struct iface_spec left = { .name = "left", .cur = &cur };
	struct iface_spec right = { .name = "right", .cur = &cur };
	const char *dom = NULL, *mac = NULL, *ip = NULL;
	const struct keyword kws[] = {
		{ .name = "domain", .value = &dom, .flags = KW_REQUIRED,
		  .missing = "missing \"domain DOMAIN\"" },
		{ .name = "left", .value = &left.dev, .flags = KW_REQUIRED,
		  .missing = "missing \"left DEV\"",
		  .collect = select_side, .priv = &left },
		{ .name = "right", .value = &right.dev, .flags = KW_REQUIRED,
		  .missing = "missing \"right DEV\"",
		  .collect = select_side, .priv = &right },
		{ .name = "mac", .value = &mac, .flags = KW_REPEAT,
		  .collect = collect_side_mac, .priv = &cur },
		{ .name = "ip", .value = &ip, .flags = KW_REPEAT,
		  .collect = collect_side_ip, .priv = &cur },
	};
	struct iface_spec *sides[] = { &left, &right };
	struct obj_ref domain;
	struct nl_msg *msg;
	unsigned int i;
	uint32_t id;
	int ret;

	ret = parse_instance_ref(argc, argv, &id);
	if (!ret)
		ret = parse_keywords(argc - 2, argv + 2, kws, ARRAY_SIZE(kws));
	if (!ret && parse_domain_ref(dom, &domain))
		ret = EXIT_USAGE;
	for (i = 0; !ret && i < ARRAY_SIZE(sides); i++)
		if (sides[i]->addrs.n && !sides[i]->mac_arg)
			ret = usage_error("\"ip\" after \"%s DEV\" needs \"mac\"",
					  sides[i]->name);
	if (ret)
		goto out;
	ret = 1;
	if (dev_index(left.dev, &left.ifindex) ||
	    dev_index(right.dev, &right.ifindex))
		goto out;

	msg = sfnl_msg(SEGFILTER_CMD_INSTANCE_NEW, false);
	if (!msg)
		goto out;
	put_instance_ref(msg, &domain, argv[0], id);
	put_iface(msg, SEGFILTER_A_LEFT, &left);
	put_iface(msg, SEGFILTER_A_RIGHT, &right);
	ret = run_and_print(msg, print_instance);
out:
	free(left.addrs.addr);
	free(right.addrs.addr);
	return ret;
}

/*
 * "SERVICE ID domain DOMAIN": INSTANCE_DEL, or INSTANCE_SET with
 * INSTANCE_DRAIN @drain (0 or 1) if that is not negative.
 */
static int instance_cmd(int argc, char **argv, uint8_t cmd, int drain)
{
	const char *dom = NULL;
	const struct keyword kws[] = {
		{ .name = "domain", .value = &dom, .flags = KW_REQUIRED,
		  .missing = "missing \"domain DOMAIN\"" },
	};
	struct obj_ref domain;
	struct nl_msg *msg;
	uint32_t id;

	if (parse_instance_ref(argc, argv, &id) ||
	    parse_keywords(argc - 2, argv + 2, kws, ARRAY_SIZE(kws)) ||
	    parse_domain_ref(dom, &domain))
		return EXIT_USAGE;

	msg = sfnl_msg(cmd, false);
	if (!msg)
		return 1;
	put_instance_ref(msg, &domain, argv[0], id);
	if (drain >= 0)
		sfnl_put_u8(msg, SEGFILTER_A_INSTANCE_DRAIN, drain);
	return run_and_print(msg, NULL);
}

/* service instance del SERVICE ID domain DOMAIN */
int instance_del(int argc, char **argv)
{
	return instance_cmd(argc, argv, SEGFILTER_CMD_INSTANCE_DEL, -1);
}

/* service instance drain SERVICE ID domain DOMAIN */
int instance_drain(int argc, char **argv)
{
	return instance_cmd(argc, argv, SEGFILTER_CMD_INSTANCE_SET, 1);
}

/* service instance undrain SERVICE ID domain DOMAIN */
int instance_undrain(int argc, char **argv)
{
	return instance_cmd(argc, argv, SEGFILTER_CMD_INSTANCE_SET, 0);
}

/* service instance show [domain DOMAIN] */
int instance_show(int argc, char **argv)
{
	return show_in_domain(argc, argv, SEGFILTER_CMD_INSTANCE_GET,
			      print_instance);
}
