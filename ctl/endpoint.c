// SPDX-License-Identifier: GPL-2.0
/*
 * segctl endpoint add|del|show
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	if (tb[SEGFILTER_A_DOMAIN_NAME])
		print_string(PRINT_ANY, "domain", " domain %s",
			     nla_get_string(tb[SEGFILTER_A_DOMAIN_NAME]));
	if (tb[SEGFILTER_A_DOMAIN_ID])
		print_uint(PRINT_JSON, "domain_id", NULL,
			   nla_get_u32(tb[SEGFILTER_A_DOMAIN_ID]));
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

static int parse_addr(const char *arg, struct ep_addr *addr)
{
	if (inet_pton(AF_INET, arg, addr->addr) == 1)
		addr->family = AF_INET;
	else if (inet_pton(AF_INET6, arg, addr->addr) == 1)
		addr->family = AF_INET6;
	else
		return usage_error("invalid IP address \"%s\"", arg);
	return 0;
}

static void put_addrs(struct nl_msg *msg, const struct ep_addr *addrs,
		      int n)
{
	struct nlattr *nest;
	int i;

	nest = sfnl_nest_start(msg, SEGFILTER_A_ADDRS);
	for (i = 0; i < n; i++) {
		if (addrs[i].family == AF_INET)
			sfnl_put(msg, SEGFILTER_A_ADDR_IPV4, addrs[i].addr, 4);
		else
			sfnl_put(msg, SEGFILTER_A_ADDR_IPV6, addrs[i].addr, 16);
	}
	sfnl_nest_end(msg, nest);
}

/* endpoint add MAC domain DOMAIN group GROUP port DEV [ip ADDR]... */
int endpoint_add(int argc, char **argv)
{
	const char *dom = NULL, *grp = NULL, *dev = NULL;
	struct obj_ref domain, group;
	struct ep_addr *addrs;
	uint8_t mac[ETH_ALEN];
	struct nl_msg *msg;
	uint32_t ifindex;
	int n_addrs = 0;
	int ret = 0;

	if (argc < 1)
		return usage_error("missing MAC");
	if (parse_mac(argv[0], mac))
		return EXIT_USAGE;
	argc--;
	argv++;

	/* At most one address per two arguments. */
	addrs = calloc(argc / 2 + 1, sizeof(*addrs));
	if (!addrs) {
		fputs("segctl: out of memory\n", stderr);
		return 1;
	}
	while (argc > 0 && !ret) {
		const char *ip = NULL;

		if (!strcmp(argv[0], "domain")) {
			ret = take_value(&argc, &argv, &dom);
		} else if (!strcmp(argv[0], "group")) {
			ret = take_value(&argc, &argv, &grp);
		} else if (!strcmp(argv[0], "port")) {
			ret = take_value(&argc, &argv, &dev);
		} else if (!strcmp(argv[0], "ip")) {
			ret = take_value(&argc, &argv, &ip);
			if (!ret)
				ret = parse_addr(ip, &addrs[n_addrs++]);
		} else {
			ret = usage_error("unknown argument \"%s\"", argv[0]);
		}
	}
	if (ret)
		goto out;
	ret = EXIT_USAGE;
	if (!dom) {
		usage_error("missing \"domain DOMAIN\"");
		goto out;
	}
	if (!grp) {
		usage_error("missing \"group GROUP\"");
		goto out;
	}
	if (!dev) {
		usage_error("missing \"port DEV\"");
		goto out;
	}
	if (parse_domain_ref(dom, &domain) || parse_group_ref(grp, &group))
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
	if (n_addrs)
		put_addrs(msg, addrs, n_addrs);
	ret = run_and_print(msg, print_endpoint);
out:
	free(addrs);
	return ret;
}

/* endpoint del MAC domain DOMAIN */
int endpoint_del(int argc, char **argv)
{
	const char *dom = NULL;
	uint8_t mac[ETH_ALEN];
	struct obj_ref domain;
	struct nl_msg *msg;
	int ret = 0;

	if (argc < 1)
		return usage_error("missing MAC");
	if (parse_mac(argv[0], mac))
		return EXIT_USAGE;
	argc--;
	argv++;
	while (argc > 0 && !ret) {
		if (!strcmp(argv[0], "domain"))
			ret = take_value(&argc, &argv, &dom);
		else
			ret = usage_error("unknown argument \"%s\"", argv[0]);
	}
	if (ret)
		return ret;
	if (!dom)
		return usage_error("missing \"domain DOMAIN\"");
	if (parse_domain_ref(dom, &domain))
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
	const char *dom = NULL;
	struct obj_ref domain;
	struct nl_msg *msg;
	int ret = 0;

	while (argc > 0 && !ret) {
		if (!strcmp(argv[0], "domain"))
			ret = take_value(&argc, &argv, &dom);
		else
			ret = usage_error("unknown argument \"%s\"", argv[0]);
	}
	if (ret)
		return ret;
	if (dom && parse_domain_ref(dom, &domain))
		return EXIT_USAGE;

	msg = sfnl_msg(SEGFILTER_CMD_ENDPOINT_GET, true);
	if (!msg)
		return 1;
	if (dom)
		put_domain_ref(msg, &domain);
	return run_and_print(msg, print_endpoint);
}
