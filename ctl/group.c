// SPDX-License-Identifier: GPL-2.0
/*
 * segctl group add|del|show
 */
#include "json_print.h"
#include "segctl.h"

void print_group(struct nlattr **tb)
{
	open_json_object(NULL);
	if (tb[SEGFILTER_A_GROUP_NAME])
		print_string(PRINT_ANY, "group", "group %s",
			     nla_get_string(tb[SEGFILTER_A_GROUP_NAME]));
	if (tb[SEGFILTER_A_GROUP_ID])
		print_uint(PRINT_ANY, "id", " id %u",
			   nla_get_u16(tb[SEGFILTER_A_GROUP_ID]));
	print_domain_ref(tb);
	if (tb[SEGFILTER_A_N_ENDPOINTS])
		print_uint(PRINT_ANY, "endpoints", " endpoints %u",
			   nla_get_u32(tb[SEGFILTER_A_N_ENDPOINTS]));
	close_json_object();
	print_nl();
}

/* group add NAME id ID domain DOMAIN */
int group_add(int argc, char **argv)
{
	const char *id = NULL, *dom = NULL;
	const struct keyword kws[] = {
		{ .name = "id", .value = &id, .flags = KW_REQUIRED,
		  .missing = "missing \"id ID\"" },
		{ .name = "domain", .value = &dom, .flags = KW_REQUIRED,
		  .missing = "missing \"domain DOMAIN\"" },
	};
	struct obj_ref domain;
	struct nl_msg *msg;
	uint16_t group_id;

	if (argc < 1)
		return usage_error("missing group NAME");
	if (parse_keywords(argc - 1, argv + 1, kws, ARRAY_SIZE(kws)) ||
	    parse_u16(id, "group id", &group_id) ||
	    parse_domain_ref(dom, &domain))
		return EXIT_USAGE;

	msg = sfnl_msg(SEGFILTER_CMD_GROUP_NEW, false);
	if (!msg)
		return 1;
	put_domain_ref(msg, &domain);
	sfnl_put_u16(msg, SEGFILTER_A_GROUP_ID, group_id);
	sfnl_put_string(msg, SEGFILTER_A_GROUP_NAME, argv[0]);
	return run_and_print(msg, print_group);
}

/* group del GROUP domain DOMAIN */
int group_del(int argc, char **argv)
{
	const char *dom = NULL;
	const struct keyword kws[] = {
		{ .name = "domain", .value = &dom, .flags = KW_REQUIRED,
		  .missing = "missing \"domain DOMAIN\"" },
	};
	struct obj_ref domain, group;
	struct nl_msg *msg;

	if (argc < 1)
		return usage_error("missing GROUP");
	if (parse_group_ref(argv[0], &group) ||
	    parse_keywords(argc - 1, argv + 1, kws, ARRAY_SIZE(kws)) ||
	    parse_domain_ref(dom, &domain))
		return EXIT_USAGE;

	msg = sfnl_msg(SEGFILTER_CMD_GROUP_DEL, false);
	if (!msg)
		return 1;
	put_domain_ref(msg, &domain);
	put_group_ref(msg, &group);
	return run_and_print(msg, NULL);
}

/* group show [domain DOMAIN] */
int group_show(int argc, char **argv)
{
	return show_in_domain(argc, argv, SEGFILTER_CMD_GROUP_GET, print_group);
}
