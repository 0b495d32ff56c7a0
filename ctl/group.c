// SPDX-License-Identifier: GPL-2.0
/*
 * segctl group add|del|show
 */
#include <string.h>

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
	if (tb[SEGFILTER_A_DOMAIN_NAME])
		print_string(PRINT_ANY, "domain", " domain %s",
			     nla_get_string(tb[SEGFILTER_A_DOMAIN_NAME]));
	if (tb[SEGFILTER_A_DOMAIN_ID])
		print_uint(PRINT_JSON, "domain_id", NULL,
			   nla_get_u32(tb[SEGFILTER_A_DOMAIN_ID]));
	if (tb[SEGFILTER_A_N_ENDPOINTS])
		print_uint(PRINT_ANY, "endpoints", " endpoints %u",
			   nla_get_u32(tb[SEGFILTER_A_N_ENDPOINTS]));
	close_json_object();
	print_nl();
}

/* group add NAME id ID domain DOMAIN */
int group_add(int argc, char **argv)
{
	const char *name, *id = NULL, *dom = NULL;
	struct obj_ref domain;
	struct nl_msg *msg;
	uint16_t group_id;
	int ret = 0;

	if (argc < 1)
		return usage_error("missing group NAME");
	name = argv[0];
	argc--;
	argv++;
	while (argc > 0 && !ret) {
		if (!strcmp(argv[0], "id"))
			ret = take_value(&argc, &argv, &id);
		else if (!strcmp(argv[0], "domain"))
			ret = take_value(&argc, &argv, &dom);
		else
			ret = usage_error("unknown argument \"%s\"", argv[0]);
	}
	if (ret)
		return ret;
	if (!id)
		return usage_error("missing \"id ID\"");
	if (!dom)
		return usage_error("missing \"domain DOMAIN\"");
	if (parse_u16(id, "group id", &group_id) ||
	    parse_domain_ref(dom, &domain))
		return EXIT_USAGE;

	msg = sfnl_msg(SEGFILTER_CMD_GROUP_NEW, false);
	if (!msg)
		return 1;
	put_domain_ref(msg, &domain);
	sfnl_put_u16(msg, SEGFILTER_A_GROUP_ID, group_id);
	sfnl_put_string(msg, SEGFILTER_A_GROUP_NAME, name);
	return run_and_print(msg, print_group);
}

/* group del GROUP domain DOMAIN */
int group_del(int argc, char **argv)
{
	struct obj_ref domain, group;
	const char *dom = NULL;
	struct nl_msg *msg;
	int ret = 0;

	if (argc < 1)
		return usage_error("missing GROUP");
	if (parse_group_ref(argv[0], &group))
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

	msg = sfnl_msg(SEGFILTER_CMD_GROUP_GET, true);
	if (!msg)
		return 1;
	if (dom)
		put_domain_ref(msg, &domain);
	return run_and_print(msg, print_group);
}
