// SPDX-License-Identifier: GPL-2.0
/*
 * segctl domain add|set|del|show
 */
#include <string.h>

#include "json_print.h"
#include "segctl.h"

void print_domain(struct nlattr **tb)
{
	char buf[32];

	open_json_object(NULL);
	if (tb[SEGFILTER_A_DOMAIN_NAME])
		print_string(PRINT_ANY, "domain", "domain %s",
			     nla_get_string(tb[SEGFILTER_A_DOMAIN_NAME]));
	if (tb[SEGFILTER_A_DOMAIN_ID])
		print_uint(PRINT_ANY, "id", " id %u",
			   nla_get_u32(tb[SEGFILTER_A_DOMAIN_ID]));
	if (tb[SEGFILTER_A_DEFAULT_ACTION])
		print_string(PRINT_ANY, "default", " default %s",
			     action_name(nla_get_u8(tb[SEGFILTER_A_DEFAULT_ACTION]),
					 buf, sizeof(buf)));
	if (tb[SEGFILTER_A_N_PORTS])
		print_uint(PRINT_ANY, "ports", " ports %u",
			   nla_get_u32(tb[SEGFILTER_A_N_PORTS]));
	if (tb[SEGFILTER_A_N_GROUPS])
		print_uint(PRINT_ANY, "groups", " groups %u",
			   nla_get_u32(tb[SEGFILTER_A_N_GROUPS]));
	if (tb[SEGFILTER_A_N_ENDPOINTS])
		print_uint(PRINT_ANY, "endpoints", " endpoints %u",
			   nla_get_u32(tb[SEGFILTER_A_N_ENDPOINTS]));
	close_json_object();
	print_nl();
}

/* domain add NAME id ID [default allow|deny] */
int domain_add(int argc, char **argv)
{
	const char *name, *id = NULL, *def = NULL;
	struct nl_msg *msg;
	uint8_t action;
	uint32_t domain_id;
	int ret = 0;

	if (argc < 1)
		return usage_error("missing domain NAME");
	name = argv[0];
	argc--;
	argv++;
	while (argc > 0 && !ret) {
		if (!strcmp(argv[0], "id"))
			ret = take_value(&argc, &argv, &id);
		else if (!strcmp(argv[0], "default"))
			ret = take_value(&argc, &argv, &def);
		else
			ret = usage_error("unknown argument \"%s\"", argv[0]);
	}
	if (ret)
		return ret;
	if (!id)
		return usage_error("missing \"id ID\"");
	if (parse_u32(id, "domain id", &domain_id))
		return EXIT_USAGE;
	if (def && parse_action(def, &action))
		return EXIT_USAGE;

	msg = sfnl_msg(SEGFILTER_CMD_DOMAIN_NEW, false);
	if (!msg)
		return 1;
	sfnl_put_u32(msg, SEGFILTER_A_DOMAIN_ID, domain_id);
	sfnl_put_string(msg, SEGFILTER_A_DOMAIN_NAME, name);
	if (def)
		sfnl_put_u8(msg, SEGFILTER_A_DEFAULT_ACTION, action);
	return run_and_print(msg, print_domain);
}

/* domain set DOMAIN default allow|deny */
int domain_set(int argc, char **argv)
{
	const char *def = NULL;
	struct obj_ref domain;
	struct nl_msg *msg;
	uint8_t action;
	int ret = 0;

	if (argc < 1)
		return usage_error("missing DOMAIN");
	if (parse_domain_ref(argv[0], &domain))
		return EXIT_USAGE;
	argc--;
	argv++;
	while (argc > 0 && !ret) {
		if (!strcmp(argv[0], "default"))
			ret = take_value(&argc, &argv, &def);
		else
			ret = usage_error("unknown argument \"%s\"", argv[0]);
	}
	if (ret)
		return ret;
	if (!def)
		return usage_error("missing \"default allow|deny\"");
	if (parse_action(def, &action))
		return EXIT_USAGE;

	msg = sfnl_msg(SEGFILTER_CMD_DOMAIN_SET, false);
	if (!msg)
		return 1;
	put_domain_ref(msg, &domain);
	sfnl_put_u8(msg, SEGFILTER_A_DEFAULT_ACTION, action);
	return run_and_print(msg, NULL);
}

/* domain del DOMAIN */
int domain_del(int argc, char **argv)
{
	struct obj_ref domain;
	struct nl_msg *msg;

	if (argc < 1)
		return usage_error("missing DOMAIN");
	if (argc > 1)
		return usage_error("unknown argument \"%s\"", argv[1]);
	if (parse_domain_ref(argv[0], &domain))
		return EXIT_USAGE;

	msg = sfnl_msg(SEGFILTER_CMD_DOMAIN_DEL, false);
	if (!msg)
		return 1;
	put_domain_ref(msg, &domain);
	return run_and_print(msg, NULL);
}

/* domain show [DOMAIN] */
int domain_show(int argc, char **argv)
{
	struct obj_ref domain;
	struct nl_msg *msg;

	if (argc > 1)
		return usage_error("unknown argument \"%s\"", argv[1]);
	if (argc && parse_domain_ref(argv[0], &domain))
		return EXIT_USAGE;

	msg = sfnl_msg(SEGFILTER_CMD_DOMAIN_GET, !argc);
	if (!msg)
		return 1;
	if (argc)
		put_domain_ref(msg, &domain);
	return run_and_print(msg, print_domain);
}
