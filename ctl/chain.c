// SPDX-License-Identifier: GPL-2.0
/*
 * segctl chain add|del|show
 *
 * A chain is an ordered list of services of a domain; a rule with
 * "action redirect CHAIN" sends the flows it allows through an instance
 * of each, in that order (the replies cross them the other way).  When
 * a service has no instance to take a flow, the chain's fail mode
 * decides: closed drops it, open skips that service.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_print.h"
#include "segctl.h"

const char *chain_service_name(const struct nlattr *nla)
{
	if (nla_type(nla) != SEGFILTER_A_CHAIN_SERVICE || nla_len(nla) < 1 ||
	    !memchr(nla_data(nla), '\0', nla_len(nla)))
		return NULL;	/* unknown (a newer kernel's) or malformed */
	return nla_data(nla);
}

/* " services fw,ids"; in JSON an array "services". */
static void print_chain_services(struct nlattr *nest)
{
	const char *fmt = " services %s";
	struct nlattr *nla;
	const char *name;
	int rem;

	open_json_array("services");
	nla_for_each_nested(nla, nest, rem) {
		name = chain_service_name(nla);
		if (!name)
			continue;
		print_string(PRINT_ANY, NULL, fmt, name);
		fmt = ",%s";
	}
	close_json_array();
}

/* chain inspect domain tenant-a services fw,ids fail closed rules 1 */
void print_chain(struct nlattr **tb)
{
	char buf[32];

	open_json_object(NULL);
	if (tb[SEGFILTER_A_CHAIN_NAME])
		print_string(PRINT_ANY, "chain", "chain %s",
			     nla_get_string(tb[SEGFILTER_A_CHAIN_NAME]));
	print_domain_ref(tb);
	if (tb[SEGFILTER_A_CHAIN_SERVICES])
		print_chain_services(tb[SEGFILTER_A_CHAIN_SERVICES]);
	if (tb[SEGFILTER_A_FAIL_MODE])
		print_string(PRINT_ANY, "fail", " fail %s",
			     fail_mode_name(nla_get_u8(tb[SEGFILTER_A_FAIL_MODE]),
					    buf, sizeof(buf)));
	if (tb[SEGFILTER_A_N_RULES])
		print_uint(PRINT_ANY, "rules", " rules %u",
			   nla_get_u32(tb[SEGFILTER_A_N_RULES]));
	close_json_object();
	print_nl();
}

static int parse_fail_mode(const char *arg, uint8_t *fail)
{
	if (!strcmp(arg, "closed"))
		*fail = SEGFILTER_FAIL_CLOSED;
	else if (!strcmp(arg, "open"))
		*fail = SEGFILTER_FAIL_OPEN;
	else
		return usage_error("invalid fail mode \"%s\" (open or closed)",
				   arg);
	return 0;
}

/*
 * "fw,ids": the services in order, in a copy of @arg (to be freed)
 * whose commas are now NULs; *n is how many.  How many a chain may
 * have, and whether they exist, is the kernel's to say.
 */
static int parse_services(const char *arg, char **list, unsigned int *n)
{
	const char *name;
	unsigned int i;
	char *p;

	*list = strdup(arg);
	if (!*list) {
		fputs("segctl: out of memory\n", stderr);
		return 1;
	}
	*n = 1;
	for (p = *list; (p = strchr(p, ',')); p++) {
		*p = '\0';
		(*n)++;
	}
	for (i = 0, name = *list; i < *n; i++, name += strlen(name) + 1)
		if (!*name)
			return usage_error("invalid service list \"%s\": empty service name",
					   arg);
	return 0;
}

/*
 * chain add NAME domain DOMAIN services SERVICE[,SERVICE]...
 *	     [fail open|closed]
 */
int chain_add(int argc, char **argv)
{
	const char *dom = NULL, *services = NULL, *fail_arg = NULL;
	const struct keyword kws[] = {
		{ .name = "domain", .value = &dom, .flags = KW_REQUIRED,
		  .missing = "missing \"domain DOMAIN\"" },
		{ .name = "services", .value = &services, .flags = KW_REQUIRED,
		  .missing = "missing \"services SERVICE[,SERVICE]...\"" },
		{ .name = "fail", .value = &fail_arg },
	};
	struct obj_ref domain;
	struct nlattr *nest;
	struct nl_msg *msg;
	unsigned int i, n;
	char *list = NULL;
	const char *name;
	uint8_t fail = SEGFILTER_FAIL_UNSPEC;
	int ret;

	if (argc < 1)
		return usage_error("missing chain NAME");
	if (parse_keywords(argc - 1, argv + 1, kws, ARRAY_SIZE(kws)) ||
	    parse_domain_ref(dom, &domain) ||
	    (fail_arg && parse_fail_mode(fail_arg, &fail)))
		return EXIT_USAGE;
	ret = parse_services(services, &list, &n);
	if (ret)
		goto out;

	ret = 1;
	msg = sfnl_msg(SEGFILTER_CMD_CHAIN_NEW, false);
	if (!msg)
		goto out;
	put_domain_ref(msg, &domain);
	sfnl_put_string(msg, SEGFILTER_A_CHAIN_NAME, argv[0]);
	nest = sfnl_nest_start(msg, SEGFILTER_A_CHAIN_SERVICES);
	for (i = 0, name = list; i < n; i++, name += strlen(name) + 1)
		sfnl_put_string(msg, SEGFILTER_A_CHAIN_SERVICE, name);
	sfnl_nest_end(msg, nest);
	if (fail_arg)
		sfnl_put_u8(msg, SEGFILTER_A_FAIL_MODE, fail);
	ret = run_and_print(msg, print_chain);
out:
	free(list);
	return ret;
}

/* chain del NAME domain DOMAIN */
int chain_del(int argc, char **argv)
{
	return del_by_name(argc, argv, SEGFILTER_CMD_CHAIN_DEL,
			   SEGFILTER_A_CHAIN_NAME, "chain NAME");
}

/* chain show [domain DOMAIN] */
int chain_show(int argc, char **argv)
{
	return show_in_domain(argc, argv, SEGFILTER_CMD_CHAIN_GET,
			      print_chain);
}
