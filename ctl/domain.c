// SPDX-License-Identifier: GPL-2.0
/*
 * segctl domain add|set|del|show
 */
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
	const char *id = NULL, *def = NULL;
	const struct keyword kws[] = {
		{ .name = "id", .value = &id, .flags = KW_REQUIRED,
		  .missing = "missing \"id ID\"" },
		{ .name = "default", .value = &def },
	};
	struct nl_msg *msg;
	uint8_t action;
	uint32_t domain_id;

	if (argc < 1)
		return usage_error("missing domain NAME");
	if (parse_keywords(argc - 1, argv + 1, kws, ARRAY_SIZE(kws)) ||
	    parse_u32(id, "domain id", &domain_id) ||
	    (def && parse_action(def, &action)))
		return EXIT_USAGE;

	msg = sfnl_msg(SEGFILTER_CMD_DOMAIN_NEW, false);
	if (!msg)
		return 1;
	sfnl_put_u32(msg, SEGFILTER_A_DOMAIN_ID, domain_id);
	sfnl_put_string(msg, SEGFILTER_A_DOMAIN_NAME, argv[0]);
	if (def)
		sfnl_put_u8(msg, SEGFILTER_A_DEFAULT_ACTION, action);
	return run_and_print(msg, print_domain);
}

/* domain set DOMAIN default allow|deny */
int domain_set(int argc, char **argv)
{
	const char *def = NULL;
	const struct keyword kws[] = {
		{ .name = "default", .value = &def, .flags = KW_REQUIRED,
		  .missing = "missing \"default allow|deny\"" },
	};
	struct obj_ref domain;
	struct nl_msg *msg;
	uint8_t action;

	if (argc < 1)
		return usage_error("missing DOMAIN");
	if (parse_domain_ref(argv[0], &domain) ||
	    parse_keywords(argc - 1, argv + 1, kws, ARRAY_SIZE(kws)) ||
	    parse_action(def, &action))
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
	if (parse_keywords(argc - 1, argv + 1, NULL, 0) ||
	    parse_domain_ref(argv[0], &domain))
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

	if (argc && (parse_keywords(argc - 1, argv + 1, NULL, 0) ||
		     parse_domain_ref(argv[0], &domain)))
		return EXIT_USAGE;

	msg = sfnl_msg(SEGFILTER_CMD_DOMAIN_GET, !argc);
	if (!msg)
		return 1;
	if (argc)
		put_domain_ref(msg, &domain);
	return run_and_print(msg, print_domain);
}
