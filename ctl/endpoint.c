// SPDX-License-Identifier: GPL-2.0
/*
 * segctl endpoint add|move|del|show
 *
 * A remote endpoint runs on another host: it sits behind an uplink, at
 * that host's tunnel address ("remote ADDR").
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_print.h"
#include "segctl.h"

/* The prefixes endpoints own, for endpoint show: none elsewhere. */
struct owned_pfx {
	uint32_t domain;
	uint8_t mac[ETH_ALEN];
	char text[INET6_ADDRSTRLEN + 8];
};

static struct owned_pfx *owned;
static unsigned int n_owned;

/* Those of the endpoint of @tb, as " prefix P" (JSON: "prefixes"). */
static void print_owned(struct nlattr **tb)
{
	uint32_t dom;
	unsigned int i;
	bool any = false;

	if (!n_owned || !tb[SEGFILTER_A_DOMAIN_ID] || !tb[SEGFILTER_A_MAC])
		return;
	dom = nla_get_u32(tb[SEGFILTER_A_DOMAIN_ID]);
	for (i = 0; i < n_owned; i++) {
		if (owned[i].domain != dom ||
		    memcmp(owned[i].mac, nla_data(tb[SEGFILTER_A_MAC]),
			   ETH_ALEN))
			continue;
		if (!any)
			open_json_array("prefixes");
		any = true;
		print_string(PRINT_ANY, NULL, " prefix %s", owned[i].text);
	}
	if (any)
		close_json_array();
}

void print_endpoint(struct nlattr **tb)
{
	char name[IF_NAMESIZE + 16];
	char addr[INET6_ADDRSTRLEN];
	char mac[MAC_STR_SIZE];

	open_json_object(NULL);
	if (tb[SEGFILTER_A_MAC])
		print_string(PRINT_ANY, "endpoint", "endpoint %s",
			     format_mac(nla_data(tb[SEGFILTER_A_MAC]), mac,
					sizeof(mac)));
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
	if (format_nest_addr(tb[SEGFILTER_A_REMOTE], addr, sizeof(addr)))
		print_string(PRINT_ANY, "remote", " remote %s", addr);
	print_addrs(tb[SEGFILTER_A_ADDRS], "ip", " ip %s");
	if (tb[SEGFILTER_A_ENDPOINT_FLAGS] &&
	    (nla_get_u32(tb[SEGFILTER_A_ENDPOINT_FLAGS]) &
	     SEGFILTER_ENDPOINT_F_DHCP_SERVER))
		print_bool(PRINT_ANY, "dhcp_server", " dhcp-server", true);
	print_owned(tb);
	close_json_object();
	print_nl();
}

/* The nest SEGFILTER_A_REMOTE, of the one address @remote. */
static void put_remote(struct nl_msg *msg, struct ip_addr *remote)
{
	const struct ip_addrs one = { .addr = remote, .n = 1 };

	put_addrs(msg, SEGFILTER_A_REMOTE, &one);
}

/*
 * endpoint add MAC domain DOMAIN group GROUP port DEV [ip ADDR]...
 *		[remote ADDR] [dhcp-server] [prefix PREFIX]...
 *
 * dhcp-server: the domain's DHCP server, whose DHCP server traffic
 * passes; segfilter then leaves the domain's DHCP to it.
 *
 * prefix: a prefix the endpoint owns (prefix add ... endpoint MAC).
 * The endpoint and its prefixes are one transaction: if the kernel
 * refuses a prefix, the endpoint is not added either.  In a batch file
 * they are lines of its transaction; while a configuration's line is
 * read (config.c) only the endpoint's request is kept, config.c adds
 * the prefixes.
 */
int endpoint_add(int argc, char **argv)
{
	const char *dom = NULL, *grp = NULL, *dev = NULL, *ip = NULL;
	const char *remote_arg = NULL, *dhcp_server = NULL, *pfx = NULL;
	struct ip_prefixes pfxs = {};
	struct ip_addrs addrs = {};
	const struct keyword kws[] = {
		{ .name = "domain", .value = &dom, .flags = KW_REQUIRED,
		  .missing = "missing \"domain DOMAIN\"" },
		{ .name = "group", .value = &grp, .flags = KW_REQUIRED,
		  .missing = "missing \"group GROUP\"" },
		{ .name = "port", .value = &dev, .flags = KW_REQUIRED,
		  .missing = "missing \"port DEV\"" },
		{ .name = "ip", .value = &ip, .flags = KW_REPEAT,
		  .collect = collect_ip, .priv = &addrs },
		{ .name = "remote", .value = &remote_arg },
		{ .name = "dhcp-server", .value = &dhcp_server,
		  .flags = KW_FLAG },
		{ .name = "prefix", .value = &pfx, .flags = KW_REPEAT,
		  .collect = collect_prefix, .priv = &pfxs },
	};
	struct obj_ref domain, group;
	bool own_txn = false;
	struct ip_addr remote;
	uint8_t mac[ETH_ALEN];
	struct nl_msg *msg;
	uint32_t ifindex;
	int i, ret;

	if (argc < 1)
		return usage_error("missing MAC");
	if (parse_mac(argv[0], mac))
		return EXIT_USAGE;

	ret = parse_keywords(argc - 1, argv + 1, kws, ARRAY_SIZE(kws));
	if (!ret && (parse_domain_ref(dom, &domain) ||
		     parse_group_ref(grp, &group) ||
		     (remote_arg && parse_ip(remote_arg, &remote))))
		ret = EXIT_USAGE;
	if (ret)
		goto out;
	ret = 1;
	if (dev_index(dev, &ifindex))
		goto out;

	/* With prefixes, a transaction of its own unless in one. */
	own_txn = pfxs.n && !sfnl_batch_mode() && !request_capturing();
	if (own_txn)
		sfnl_batch_start(NULL);
	msg = sfnl_msg(SEGFILTER_CMD_ENDPOINT_NEW, false);
	if (!msg)
		goto out;
	put_domain_ref(msg, &domain);
	sfnl_put(msg, SEGFILTER_A_MAC, mac, ETH_ALEN);
	put_group_ref(msg, &group);
	sfnl_put_u32(msg, SEGFILTER_A_IFINDEX, ifindex);
	if (addrs.n)
		put_addrs(msg, SEGFILTER_A_ADDRS, &addrs);
	if (remote_arg)
		put_remote(msg, &remote);
	if (dhcp_server)
		sfnl_put_u32(msg, SEGFILTER_A_ENDPOINT_FLAGS,
			     SEGFILTER_ENDPOINT_F_DHCP_SERVER);
	ret = run_and_print(msg, print_endpoint);
	for (i = 0; !ret && !request_capturing() && i < pfxs.n; i++)
		ret = owned_prefix_add(&domain, mac, &pfxs, i);
	if (own_txn && !ret)
		ret = sfnl_batch_commit();
out:
	if (own_txn && sfnl_batch_mode())
		sfnl_batch_discard();
	free(addrs.addr);
	ip_prefixes_free(&pfxs);
	return ret;
}

/*
 * endpoint move MAC domain DOMAIN port DEV [remote ADDR]
 *
 * The endpoint's new location: an endpoint port of its domain, or an
 * uplink and the tunnel address of the host it now runs on.  Its group,
 * addresses and flows stay.
 */
int endpoint_move(int argc, char **argv)
{
	const char *dom = NULL, *dev = NULL, *remote_arg = NULL;
	const struct keyword kws[] = {
		{ .name = "domain", .value = &dom, .flags = KW_REQUIRED,
		  .missing = "missing \"domain DOMAIN\"" },
		{ .name = "port", .value = &dev, .flags = KW_REQUIRED,
		  .missing = "missing \"port DEV\"" },
		{ .name = "remote", .value = &remote_arg },
	};
	struct ip_addr remote;
	uint8_t mac[ETH_ALEN];
	struct obj_ref domain;
	struct nl_msg *msg;
	uint32_t ifindex;

	if (argc < 1)
		return usage_error("missing MAC");
	if (parse_mac(argv[0], mac) ||
	    parse_keywords(argc - 1, argv + 1, kws, ARRAY_SIZE(kws)) ||
	    parse_domain_ref(dom, &domain) ||
	    (remote_arg && parse_ip(remote_arg, &remote)))
		return EXIT_USAGE;
	if (dev_index(dev, &ifindex))
		return 1;

	msg = sfnl_msg(SEGFILTER_CMD_ENDPOINT_SET, false);
	if (!msg)
		return 1;
	put_domain_ref(msg, &domain);
	sfnl_put(msg, SEGFILTER_A_MAC, mac, ETH_ALEN);
	sfnl_put_u32(msg, SEGFILTER_A_IFINDEX, ifindex);
	if (remote_arg)
		put_remote(msg, &remote);
	return run_and_print(msg, NULL);
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

/* The prefixes that endpoints own, of every domain, in @owned. */
static int read_owned(void)
{
	struct nlattr *tb[SEGFILTER_A_MAX + 1];
	struct sfnl_replies replies = {};
	struct owned_pfx *o;
	struct nl_msg *msg;
	unsigned int i;
	int ret;

	msg = sfnl_msg(SEGFILTER_CMD_PREFIX_GET, true);
	if (!msg)
		return 1;
	ret = sfnl_request(msg, &replies);
	nlmsg_free(msg);
	for (i = 0; !ret && i < replies.count; i++) {
		ret = sfnl_parse(replies.msgs[i], tb);
		if (ret || !tb[SEGFILTER_A_MAC] || !tb[SEGFILTER_A_DOMAIN_ID] ||
		    nla_len(tb[SEGFILTER_A_MAC]) != ETH_ALEN)
			continue;
		o = realloc(owned, (n_owned + 1) * sizeof(*o));
		if (!o) {
			fputs("segctl: out of memory\n", stderr);
			ret = 1;
			break;
		}
		owned = o;
		o = &owned[n_owned];
		if (!prefix_str(tb, o->text, sizeof(o->text)))
			continue;
		o->domain = nla_get_u32(tb[SEGFILTER_A_DOMAIN_ID]);
		memcpy(o->mac, nla_data(tb[SEGFILTER_A_MAC]), ETH_ALEN);
		n_owned++;
	}
	sfnl_replies_free(&replies);
	return ret;
}

/* endpoint show [domain DOMAIN]: with the prefixes each owns */
int endpoint_show(int argc, char **argv)
{
	int ret;

	ret = read_owned();
	if (!ret)
		ret = show_in_domain(argc, argv, SEGFILTER_CMD_ENDPOINT_GET,
				     print_endpoint);
	free(owned);
	owned = NULL;
	n_owned = 0;
	return ret;
}
