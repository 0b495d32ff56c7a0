// SPDX-License-Identifier: GPL-2.0
/*
 * segctl port attach|detach|show
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_print.h"
#include "segctl.h"

/*
 * An exit's link of one family, from a reply or a request: its address,
 * the prefix length, the next hop and the MAC learned, as text.
 */
struct exit_text {
	char addr[INET6_ADDRSTRLEN + 4];
	char nexthop[INET6_ADDRSTRLEN];
	char mac[MAC_STR_SIZE];
};

/* The nest's address of @type (SEGFILTER_A_ADDR_IPV4 or _IPV6), or NULL. */
static const char *nest_addr_of(struct nlattr *nest, int type, char *buf,
				int size)
{
	struct nlattr *nla;
	int rem;

	if (!nest)
		return NULL;
	nla_for_each_nested(nla, nest, rem)
		if (nla_type(nla) == type && format_addr(nla, buf, size))
			return buf;
	return NULL;
}

/* Fill @t for family @v6 of an exit; false if it has no such link. */
static bool exit_text(struct nlattr **tb, bool v6, struct exit_text *t)
{
	int type = v6 ? SEGFILTER_A_ADDR_IPV6 : SEGFILTER_A_ADDR_IPV4;
	struct nlattr *plen = tb[v6 ? SEGFILTER_A_EXIT_PLEN6 :
				    SEGFILTER_A_EXIT_PLEN];
	struct nlattr *mac = tb[v6 ? SEGFILTER_A_EXIT_NEXTHOP6_MAC :
				   SEGFILTER_A_EXIT_NEXTHOP_MAC];
	char buf[INET6_ADDRSTRLEN];

	if (!nest_addr_of(tb[SEGFILTER_A_EXIT_ADDRS], type, buf, sizeof(buf)))
		return false;
	snprintf(t->addr, sizeof(t->addr), "%s/%u", buf,
		 plen ? nla_get_u8(plen) : (v6 ? 128 : 32));
	if (!nest_addr_of(tb[SEGFILTER_A_EXIT_NEXTHOPS], type, t->nexthop,
			  sizeof(t->nexthop)))
		snprintf(t->nexthop, sizeof(t->nexthop), "?");
	t->mac[0] = '\0';
	if (mac && nla_len(mac) == ETH_ALEN)
		format_mac(nla_data(mac), t->mac, sizeof(t->mac));
	return true;
}

/* " ip A/LEN nexthop N ip6 A/LEN nexthop6 N", as port attach takes it. */
void save_exit(struct nlattr **tb, FILE *f)
{
	struct exit_text t;

	if (exit_text(tb, false, &t))
		fprintf(f, " ip %s nexthop %s", t.addr, t.nexthop);
	if (exit_text(tb, true, &t))
		fprintf(f, " ip6 %s nexthop6 %s", t.addr, t.nexthop);
}

static void print_exit(struct nlattr **tb)
{
	struct exit_text t;

	if (exit_text(tb, false, &t)) {
		print_string(PRINT_ANY, "ip", " ip %s", t.addr);
		print_string(PRINT_ANY, "nexthop", " nexthop %s", t.nexthop);
		print_string(PRINT_ANY, "nexthop_mac", " nexthop-mac %s",
			     t.mac[0] ? t.mac : "unresolved");
	}
	if (exit_text(tb, true, &t)) {
		print_string(PRINT_ANY, "ip6", " ip6 %s", t.addr);
		print_string(PRINT_ANY, "nexthop6", " nexthop6 %s", t.nexthop);
		print_string(PRINT_ANY, "nexthop6_mac", " nexthop6-mac %s",
			     t.mac[0] ? t.mac : "unresolved");
	}
}

/* An uplink serves every domain: its reply names none. */
void print_port(struct nlattr **tb)
{
	char name[IF_NAMESIZE + 16];
	char buf[32];

	open_json_object(NULL);
	print_string(PRINT_ANY, "port", "port %s",
		     port_name(tb, name, sizeof(name)));
	if (tb[SEGFILTER_A_IFINDEX])
		print_uint(PRINT_ANY, "ifindex", " ifindex %u",
			   nla_get_u32(tb[SEGFILTER_A_IFINDEX]));
	print_domain_ref(tb);
	if (tb[SEGFILTER_A_PORT_ROLE])
		print_string(PRINT_ANY, "role", " role %s",
			     role_name(nla_get_u8(tb[SEGFILTER_A_PORT_ROLE]),
				       buf, sizeof(buf)));
	if (tb[SEGFILTER_A_N_ENDPOINTS])
		print_uint(PRINT_ANY, "endpoints", " endpoints %u",
			   nla_get_u32(tb[SEGFILTER_A_N_ENDPOINTS]));
	if (tb[SEGFILTER_A_PATH_MTU])
		print_uint(PRINT_ANY, "path_mtu", " path-mtu %u",
			   nla_get_u32(tb[SEGFILTER_A_PATH_MTU]));
	/* Domains whose MTU the uplink cannot carry: only if there are. */
	if (tb[SEGFILTER_A_MTU_SHORT] && nla_get_u32(tb[SEGFILTER_A_MTU_SHORT]))
		print_uint(PRINT_ANY, "mtu_short", " mtu-short %u",
			   nla_get_u32(tb[SEGFILTER_A_MTU_SHORT]));
	print_exit(tb);
	close_json_object();
	print_nl();
}

/* "A/LEN" (LEN optional: a host address) of @family into @addr, @plen. */
static int parse_prefix(const char *kw, const char *arg, int family,
			struct ip_addr *addr, uint8_t *plen)
{
	int max = family == AF_INET ? 32 : 128;
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash, *end;
	unsigned long n = max;

	if (strlen(arg) >= sizeof(buf))
		return usage_error("invalid %s \"%s\"", kw, arg);
	strcpy(buf, arg);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		n = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || n > (unsigned long)max)
			return usage_error("invalid prefix length in %s \"%s\" (0-%d)",
					   kw, arg, max);
	}
	if (parse_ip(buf, addr))
		return EXIT_USAGE;
	if (addr->family != family)
		return usage_error("%s takes an IPv%d address, not \"%s\"", kw,
				   family == AF_INET ? 4 : 6, arg);
	*plen = n;
	return 0;
}

/*
 * The exit's keywords: "ip A/LEN nexthop N" and "ip6 A/LEN nexthop6 N",
 * each address with its next hop.  The kernel checks the rest.
 */
static int put_exit(struct nl_msg *msg, const char *const *arg)
{
	static const char *const kw[] = { "ip", "nexthop", "ip6", "nexthop6" };
	struct ip_addr addr[2], nh[2];
	struct ip_addrs addrs = { .addr = addr }, nhs = { .addr = nh };
	uint8_t plen[2] = { 32, 128 };
	int v6, family;

	for (v6 = 0; v6 < 2; v6++) {
		family = v6 ? AF_INET6 : AF_INET;
		if (!arg[2 * v6] != !arg[2 * v6 + 1])
			return usage_error("\"%s\" and \"%s\" go together",
					   kw[2 * v6], kw[2 * v6 + 1]);
		if (!arg[2 * v6])
			continue;
		if (parse_prefix(kw[2 * v6], arg[2 * v6], family,
				 &addr[addrs.n], &plen[v6]) ||
		    parse_prefix(kw[2 * v6 + 1], arg[2 * v6 + 1], family,
				 &nh[nhs.n], &(uint8_t){ 0 }))
			return EXIT_USAGE;
		if (strchr(arg[2 * v6 + 1], '/'))
			return usage_error("a next hop is an address, not a prefix: \"%s\"",
					   arg[2 * v6 + 1]);
		addrs.n++;
		nhs.n++;
	}
	if (!addrs.n)
		return usage_error("an exit needs \"ip A/LEN nexthop N\" or \"ip6 A/LEN nexthop6 N\"");
	put_addrs(msg, SEGFILTER_A_EXIT_ADDRS, &addrs);
	put_addrs(msg, SEGFILTER_A_EXIT_NEXTHOPS, &nhs);
	if (arg[0])
		sfnl_put_u8(msg, SEGFILTER_A_EXIT_PLEN, plen[0]);
	if (arg[2])
		sfnl_put_u8(msg, SEGFILTER_A_EXIT_PLEN6, plen[1]);
	return 0;
}

/*
 * port attach DEV domain DOMAIN [role endpoint|service]
 * port attach DEV domain DOMAIN role exit [ip A/LEN nexthop N]
 *	[ip6 A/LEN nexthop6 N]
 * port attach DEV role uplink
 *
 * An uplink takes no domain; one given anyway is sent, for the kernel to
 * refuse.
 */
int port_attach(int argc, char **argv)
{
	const char *dom = NULL, *role_arg = NULL;
	const char *exit_arg[4] = { NULL };
	const struct keyword kws[] = {
		{ .name = "domain", .value = &dom },
		{ .name = "role", .value = &role_arg },
		{ .name = "ip", .value = &exit_arg[0] },
		{ .name = "nexthop", .value = &exit_arg[1] },
		{ .name = "ip6", .value = &exit_arg[2] },
		{ .name = "nexthop6", .value = &exit_arg[3] },
	};
	struct obj_ref domain;
	struct nl_msg *msg;
	uint32_t ifindex;
	uint8_t role = SEGFILTER_PORT_ROLE_ENDPOINT;
	bool exit_given = false;
	int i;

	if (argc < 1)
		return usage_error("missing DEV");
	if (parse_keywords(argc - 1, argv + 1, kws, ARRAY_SIZE(kws)) ||
	    (dom && parse_domain_ref(dom, &domain)) ||
	    (role_arg && parse_role(role_arg, &role)))
		return EXIT_USAGE;
	for (i = 0; i < 4; i++)
		exit_given |= !!exit_arg[i];
	if (exit_given && role != SEGFILTER_PORT_ROLE_EXIT)
		return usage_error("only \"role exit\" takes ip, nexthop, ip6 and nexthop6");
	if (!dom && role != SEGFILTER_PORT_ROLE_UPLINK)
		return usage_error("missing \"domain DOMAIN\"");
	if (dev_index(argv[0], &ifindex))
		return 1;

	msg = sfnl_msg(SEGFILTER_CMD_PORT_NEW, false);
	if (!msg)
		return 1;
	sfnl_put_u32(msg, SEGFILTER_A_IFINDEX, ifindex);
	if (dom)
		put_domain_ref(msg, &domain);
	if (role_arg)
		sfnl_put_u8(msg, SEGFILTER_A_PORT_ROLE, role);
	if (role == SEGFILTER_PORT_ROLE_EXIT && put_exit(msg, exit_arg)) {
		nlmsg_free(msg);
		return EXIT_USAGE;
	}
	return run_and_print(msg, print_port);
}

/* port detach DEV */
int port_detach(int argc, char **argv)
{
	struct nl_msg *msg;
	uint32_t ifindex;

	if (argc < 1)
		return usage_error("missing DEV");
	if (parse_keywords(argc - 1, argv + 1, NULL, 0))
		return EXIT_USAGE;
	if (dev_index(argv[0], &ifindex))
		return 1;

	msg = sfnl_msg(SEGFILTER_CMD_PORT_DEL, false);
	if (!msg)
		return 1;
	sfnl_put_u32(msg, SEGFILTER_A_IFINDEX, ifindex);
	return run_and_print(msg, NULL);
}

/* port show [DEV | domain DOMAIN] */
int port_show(int argc, char **argv)
{
	struct obj_ref domain;
	struct nl_msg *msg;
	uint32_t ifindex;
	bool by_dev = false, by_domain = false;

	if (argc == 2 && !strcmp(argv[0], "domain")) {
		if (parse_domain_ref(argv[1], &domain))
			return EXIT_USAGE;
		by_domain = true;
	} else if (argc == 1 && !strcmp(argv[0], "domain")) {
		return usage_error("missing value after \"domain\"");
	} else if (argc > 1) {
		return usage_error("unknown argument \"%s\"", argv[1]);
	} else if (argc) {
		if (dev_index(argv[0], &ifindex))
			return 1;
		by_dev = true;
	}

	msg = sfnl_msg(SEGFILTER_CMD_PORT_GET, !by_dev);
	if (!msg)
		return 1;
	if (by_dev)
		sfnl_put_u32(msg, SEGFILTER_A_IFINDEX, ifindex);
	if (by_domain)
		put_domain_ref(msg, &domain);
	return run_and_print(msg, print_port);
}
