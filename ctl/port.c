// SPDX-License-Identifier: GPL-2.0
/*
 * segctl port attach|detach|show
 */
#include <net/if.h>
#include <string.h>

#include "json_print.h"
#include "segctl.h"

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
	close_json_object();
	print_nl();
}

/*
 * port attach DEV domain DOMAIN [role endpoint|service]
 * port attach DEV role uplink
 *
 * An uplink takes no domain; one given anyway is sent, for the kernel to
 * refuse.
 */
int port_attach(int argc, char **argv)
{
	const char *dom = NULL, *role_arg = NULL;
	const struct keyword kws[] = {
		{ .name = "domain", .value = &dom },
		{ .name = "role", .value = &role_arg },
	};
	struct obj_ref domain;
	struct nl_msg *msg;
	uint32_t ifindex;
	uint8_t role = SEGFILTER_PORT_ROLE_ENDPOINT;

	if (argc < 1)
		return usage_error("missing DEV");
	if (parse_keywords(argc - 1, argv + 1, kws, ARRAY_SIZE(kws)) ||
	    (dom && parse_domain_ref(dom, &domain)) ||
	    (role_arg && parse_role(role_arg, &role)))
		return EXIT_USAGE;
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
