// SPDX-License-Identifier: GPL-2.0
/*
 * segctl endpoint add|del|show
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>

#include "json_print.h"
#include "segctl.h"

#define ETH_ALEN	6

/* An IP address of the command line, in network byte order. */
struct ep_addr {
	int family;
	uint8_t addr[16];
};

static void print_addrs(struct nlattr *nest)
{
	char buf[INET6_ADDRSTRLEN];
	struct nlattr *nla;
	int rem;

	open_json_array("ip");
	if (nest) {
		nla_for_each_nested(nla, nest, rem) {
			int family;

			if (nla_type(nla) == SEGFILTER_A_ADDR_IPV4 &&
			    nla_len(nla) == 4)
				family = AF_INET;
			else if (nla_type(nla) == SEGFILTER_A_ADDR_IPV6 &&
				 nla_len(nla) == 16)
				family = AF_INET6;
			else
				continue;	/* unknown: newer kernel */
			if (inet_ntop(family, nla_data(nla), buf, sizeof(buf)))
				print_string(PRINT_ANY, NULL, " ip %s", buf);
		}
	}
	close_json_array();
}

void print_endpoint(struct nlattr **tb)
{
	char name[IF_NAMESIZE + 16];
	char mac[3 * ETH_ALEN];

	open_json_object(NULL);
	if (tb[SEGFILTER_A_MAC]) {
		const uint8_t *m = nla_data(tb[SEGFILTER_A_MAC]);

		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			 m[0], m[1], m[2], m[3], m[4], m[5]);
		print_string(PRINT_ANY, "endpoint", "endpoint %s", mac);
	}
	print_domain_ref(tb);
	if (tb[SEGFILTER_A_GROUP_NAME])
		print_string(PRINT_ANY, "group", " group %s",
			     nla_get_string(tb[SEGFILTER_A_GROUP_NAME]));
	if (tb[SEGFILTER_A_GROUP_ID])
		print_uint(PRINT_JSON, "group_id", NULL,
			   nla_get_u16(tb[SEGFILTER_A_GROUP_ID]));
	if (tb[SEGFILTER_A_IFNAME] || tb[SEGFILTER_A_IFINDEX])
		print_string(PRINT_ANY, "port", " port %s",
			     port_name(tb, name, sizeof(name)));
	if (tb[SEGFILTER_A_IFINDEX])
		print_uint(PRINT_JSON, "ifindex", NULL,
			   nla_get_u32(tb[SEGFILTER_A_IFINDEX]));
	print_addrs(tb[SEGFILTER_A_ADDRS]);
	close_json_object();
	print_nl();
}

/* The addresses of "ip ADDR...", in the order given. */
struct ep_addrs {
	struct ep_addr *addr;
	int n;
};

/* A keyword's collect(): parse an address as soon as it is read. */
static int add_addr(const char *arg, void *priv)
{
	struct ep_addrs *addrs = priv;
	struct ep_addr *addr = &addrs->addr[addrs->n++];

	if (inet_pton(AF_INET, arg, addr->addr) == 1)
		addr->family = AF_INET;
	else if (inet_pton(AF_INET6, arg, addr->addr) == 1)
		addr->family = AF_INET6;
	else
		return usage_error("invalid IP address \"%s\"", arg);
	return 0;
}

static void put_addrs(struct nl_msg *msg, const struct ep_addrs *addrs)
{
	struct nlattr *nest;
	int i;

	nest = sfnl_nest_start(msg, SEGFILTER_A_ADDRS);
	for (i = 0; i < addrs->n; i++) {
		const struct ep_addr *a = &addrs->addr[i];

		if (a->family == AF_INET)
			sfnl_put(msg, SEGFILTER_A_ADDR_IPV4, a->addr, 4);
		else
			sfnl_put(msg, SEGFILTER_A_ADDR_IPV6, a->addr, 16);
	}
	sfnl_nest_end(msg, nest);
}

/* endpoint add MAC domain DOMAIN group GROUP port DEV [ip ADDR]... */
int endpoint_add(int argc, char **argv)
{
	const char *dom = NULL, *grp = NULL, *dev = NULL, *ip = NULL;
	struct ep_addrs addrs = {};
	const struct keyword kws[] = {
		{ .name = "domain", .value = &dom, .flags = KW_REQUIRED,
		  .missing = "missing \"domain DOMAIN\"" },
		{ .name = "group", .value = &grp, .flags = KW_REQUIRED,
		  .missing = "missing \"group GROUP\"" },
		{ .name = "port", .value = &dev, .flags = KW_REQUIRED,
		  .missing = "missing \"port DEV\"" },
		{ .name = "ip", .value = &ip, .flags = KW_REPEAT,
		  .collect = add_addr, .priv = &addrs },
	};
	struct obj_ref domain, group;
	uint8_t mac[ETH_ALEN];
	struct nl_msg *msg;
	uint32_t ifindex;
	int ret;

	if (argc < 1)
		return usage_error("missing MAC");
	if (parse_mac(argv[0], mac))
		return EXIT_USAGE;

	/* At most one address per two arguments. */
	addrs.addr = calloc((argc - 1) / 2 + 1, sizeof(*addrs.addr));
	if (!addrs.addr) {
		fputs("segctl: out of memory\n", stderr);
		return 1;
	}
	ret = EXIT_USAGE;
	if (parse_keywords(argc - 1, argv + 1, kws, ARRAY_SIZE(kws)) ||
	    parse_domain_ref(dom, &domain) || parse_group_ref(grp, &group))
		goto out;
	ret = 1;
	if (dev_index(dev, &ifindex))
		goto out;

	msg = sfnl_msg(SEGFILTER_CMD_ENDPOINT_NEW, false);
	if (!msg)
		goto out;
	put_domain_ref(msg, &domain);
	sfnl_put(msg, SEGFILTER_A_MAC, mac, ETH_ALEN);
	put_group_ref(msg, &group);
	sfnl_put_u32(msg, SEGFILTER_A_IFINDEX, ifindex);
	if (addrs.n)
		put_addrs(msg, &addrs);
	ret = run_and_print(msg, print_endpoint);
out:
	free(addrs.addr);
	return ret;
}

/* endpoint del MAC domain DOMAIN */
int endpoint_del(int argc, char **argv)
{
	const char *dom = NULL;
	const struct keyword kws[] = {
		{ .name = "domain", .value = &dom, .flags = KW_REQUIRED,
		  .missing = "missing \"domain DOMAIN\"" },
	};
	uint8_t mac[ETH_ALEN];
	struct obj_ref domain;
	struct nl_msg *msg;

	if (argc < 1)
		return usage_error("missing MAC");
	if (parse_mac(argv[0], mac) ||
	    parse_keywords(argc - 1, argv + 1, kws, ARRAY_SIZE(kws)) ||
	    parse_domain_ref(dom, &domain))
		return EXIT_USAGE;

	msg = sfnl_msg(SEGFILTER_CMD_ENDPOINT_DEL, false);
	if (!msg)
		return 1;
	put_domain_ref(msg, &domain);
	sfnl_put(msg, SEGFILTER_A_MAC, mac, ETH_ALEN);
	return run_and_print(msg, NULL);
}

/* endpoint show [domain DOMAIN] */
int endpoint_show(int argc, char **argv)
{
	return show_in_domain(argc, argv, SEGFILTER_CMD_ENDPOINT_GET,
			      print_endpoint);
}
