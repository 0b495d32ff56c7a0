// SPDX-License-Identifier: GPL-2.0
/*
 * segctl prefix add|del|show|lookup
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_print.h"
#include "segctl.h"

/* "10.0.0.0/8", or "192.0.2.1/32" for a prefix, from a reply's attributes. */
const char *prefix_str(struct nlattr **tb, char *buf, int size)
{
	char addr[INET6_ADDRSTRLEN];

	if (!tb[SEGFILTER_A_PREFIX] ||
	    !format_nest_addr(tb[SEGFILTER_A_PREFIX], addr, sizeof(addr)))
		return NULL;
	if (tb[SEGFILTER_A_PREFIX_LEN])
		snprintf(buf, size, "%s/%u", addr,
			 nla_get_u8(tb[SEGFILTER_A_PREFIX_LEN]));
	else
		snprintf(buf, size, "%s", addr);
	return buf;
}

/*
 * A prefix and its group, or the endpoint that owns it and that one's
 * group; or, from a lookup of an address that an endpoint has, the
 * address, the endpoint and its group.
 */
void print_prefix(struct nlattr **tb)
{
	char buf[INET6_ADDRSTRLEN + 8], mac[MAC_STR_SIZE];
	bool addr = tb[SEGFILTER_A_MAC] && !tb[SEGFILTER_A_PREFIX_LEN];

	open_json_object(NULL);
	if (prefix_str(tb, buf, sizeof(buf)))
		print_string(PRINT_ANY, addr ? "address" : "prefix",
			     addr ? "address %s" : "prefix %s", buf);
	if (tb[SEGFILTER_A_MAC] && nla_len(tb[SEGFILTER_A_MAC]) == ETH_ALEN)
		print_string(PRINT_ANY, "endpoint", " endpoint %s",
			     format_mac(nla_data(tb[SEGFILTER_A_MAC]), mac,
					sizeof(mac)));
	if (tb[SEGFILTER_A_GROUP_NAME])
		print_string(PRINT_ANY, "group", " group %s",
			     nla_get_string(tb[SEGFILTER_A_GROUP_NAME]));
	if (tb[SEGFILTER_A_GROUP_ID])
		print_uint(PRINT_JSON, "group_id", NULL,
			   nla_get_u16(tb[SEGFILTER_A_GROUP_ID]));
	print_domain_ref(tb);
	close_json_object();
	print_nl();
}

/*
 * "ADDR/LEN", or "ADDR" for the host's prefix (/32, /128).  What the
 * kernel checks (the length's range for the family, host bits) it says.
 */
static int parse_prefix(const char *arg, struct ip_addr *addr, uint8_t *len)
{
	const char *slash = strchr(arg, '/');
	char buf[INET6_ADDRSTRLEN + 1];

	if (!slash) {
		if (parse_ip(arg, addr))
			return EXIT_USAGE;
		*len = addr->family == AF_INET ? 32 : 128;
		return 0;
	}
	if ((size_t)(slash - arg) >= sizeof(buf))
		return usage_error("invalid prefix \"%s\"", arg);
	memcpy(buf, arg, slash - arg);
	buf[slash - arg] = '\0';
	return parse_ip(buf, addr) ||
	       parse_u8(slash + 1, "prefix length", len) ? EXIT_USAGE : 0;
}

static void put_prefix(struct nl_msg *msg, struct ip_addr *addr)
{
	struct ip_addrs one = { .addr = addr, .n = 1 };

	put_addrs(msg, SEGFILTER_A_PREFIX, &one);
}

int collect_prefix(const char *arg, void *priv)
{
	struct ip_prefixes *p = priv;
	struct ip_addr *addr;
	uint8_t *len;

	addr = realloc(p->addr, (p->n + 1) * sizeof(*addr));
	if (addr)
		p->addr = addr;
	len = realloc(p->len, (p->n + 1) * sizeof(*len));
	if (len)
		p->len = len;
	if (!addr || !len) {
		fputs("segctl: out of memory\n", stderr);
		return 1;
	}
	if (parse_prefix(arg, &p->addr[p->n], &p->len[p->n]))
		return EXIT_USAGE;
	p->n++;
	return 0;
}

void ip_prefixes_free(struct ip_prefixes *p)
{
	free(p->addr);
	free(p->len);
	memset(p, 0, sizeof(*p));
}

int owned_prefix_add(const struct obj_ref *domain, const uint8_t *mac,
		     const struct ip_prefixes *p, int i)
{
	struct nl_msg *msg;

	msg = sfnl_msg(SEGFILTER_CMD_PREFIX_NEW, false);
	if (!msg)
		return 1;
	put_domain_ref(msg, domain);
	sfnl_put(msg, SEGFILTER_A_MAC, mac, ETH_ALEN);
	put_prefix(msg, &p->addr[i]);
	sfnl_put_u8(msg, SEGFILTER_A_PREFIX_LEN, p->len[i]);
	return run_and_print(msg, NULL);
}

/*
 * prefix add PREFIX domain DOMAIN group GROUP
 * prefix add PREFIX domain DOMAIN endpoint MAC
 *
 * With "endpoint", the prefix is that endpoint's (a subnet behind a
 * router VM, a virtual IP): routed to it, judged with its group.
 */
int prefix_add(int argc, char **argv)
{
	const char *dom = NULL, *grp = NULL, *ep = NULL;
	const struct keyword kws[] = {
		{ .name = "domain", .value = &dom, .flags = KW_REQUIRED,
		  .missing = "missing \"domain DOMAIN\"" },
		{ .name = "group", .value = &grp },
		{ .name = "endpoint", .value = &ep },
	};
	struct obj_ref domain, group;
	uint8_t mac[ETH_ALEN];
	struct ip_addr addr;
	struct nl_msg *msg;
	uint8_t len;
	int ret;

	if (argc < 1)
		return usage_error("missing PREFIX");
	if (parse_prefix(argv[0], &addr, &len) ||
	    parse_keywords(argc - 1, argv + 1, kws, ARRAY_SIZE(kws)) ||
	    parse_domain_ref(dom, &domain))
		return EXIT_USAGE;
	if (!grp == !ep)
		return usage_error("give \"group GROUP\" or \"endpoint MAC\", one of the two");
	ret = ep ? parse_mac(ep, mac) : parse_group_ref(grp, &group);
	if (ret)
		return EXIT_USAGE;

	msg = sfnl_msg(SEGFILTER_CMD_PREFIX_NEW, false);
	if (!msg)
		return 1;
	put_domain_ref(msg, &domain);
	if (ep)
		sfnl_put(msg, SEGFILTER_A_MAC, mac, ETH_ALEN);
	else
		put_group_ref(msg, &group);
	put_prefix(msg, &addr);
	sfnl_put_u8(msg, SEGFILTER_A_PREFIX_LEN, len);
	return run_and_print(msg, print_prefix);
}

/* prefix del PREFIX domain DOMAIN */
int prefix_del(int argc, char **argv)
{
	const char *dom = NULL;
	const struct keyword kws[] = {
		{ .name = "domain", .value = &dom, .flags = KW_REQUIRED,
		  .missing = "missing \"domain DOMAIN\"" },
	};
	struct obj_ref domain;
	struct ip_addr addr;
	struct nl_msg *msg;
	uint8_t len;

	if (argc < 1)
		return usage_error("missing PREFIX");
	if (parse_prefix(argv[0], &addr, &len) ||
	    parse_keywords(argc - 1, argv + 1, kws, ARRAY_SIZE(kws)) ||
	    parse_domain_ref(dom, &domain))
		return EXIT_USAGE;

	msg = sfnl_msg(SEGFILTER_CMD_PREFIX_DEL, false);
	if (!msg)
		return 1;
	put_domain_ref(msg, &domain);
	put_prefix(msg, &addr);
	sfnl_put_u8(msg, SEGFILTER_A_PREFIX_LEN, len);
	return run_and_print(msg, NULL);
}

/* prefix lookup ADDR domain DOMAIN: the data path's answer */
int prefix_lookup(int argc, char **argv)
{
	const char *dom = NULL;
	const struct keyword kws[] = {
		{ .name = "domain", .value = &dom, .flags = KW_REQUIRED,
		  .missing = "missing \"domain DOMAIN\"" },
	};
	struct obj_ref domain;
	struct ip_addr addr;
	struct nl_msg *msg;

	if (argc < 1)
		return usage_error("missing ADDR");
	if (parse_ip(argv[0], &addr) ||
	    parse_keywords(argc - 1, argv + 1, kws, ARRAY_SIZE(kws)) ||
	    parse_domain_ref(dom, &domain))
		return EXIT_USAGE;

	msg = sfnl_msg(SEGFILTER_CMD_PREFIX_GET, false);
	if (!msg)
		return 1;
	put_domain_ref(msg, &domain);
	put_prefix(msg, &addr);
	return run_and_print(msg, print_prefix);
}

/* prefix show [domain DOMAIN] */
int prefix_show(int argc, char **argv)
{
	return show_in_domain(argc, argv, SEGFILTER_CMD_PREFIX_GET,
			      print_prefix);
}
