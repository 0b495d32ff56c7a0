// SPDX-License-Identifier: GPL-2.0
/*
 * segctl show: the whole configuration, one section per kind of object.
 */
#include "json_print.h"
#include "segctl.h"

static const struct show_section {
	const char *key;	/* JSON */
	uint8_t cmd;
	void (*print)(struct nlattr **tb);
} sections[] = {
	{ "domains",	SEGFILTER_CMD_DOMAIN_GET,	print_domain },
	{ "groups",	SEGFILTER_CMD_GROUP_GET,	print_group },
	{ "prefixes",	SEGFILTER_CMD_PREFIX_GET,	print_prefix },
	{ "ports",	SEGFILTER_CMD_PORT_GET,		print_port },
	{ "endpoints",	SEGFILTER_CMD_ENDPOINT_GET,	print_endpoint },
	{ "services",	SEGFILTER_CMD_SERVICE_GET,	print_service },
	{ "instances",	SEGFILTER_CMD_INSTANCE_GET,	print_instance },
	{ "chains",	SEGFILTER_CMD_CHAIN_GET,	print_chain },
	{ "rules",	SEGFILTER_CMD_RULE_GET,		print_rule },
};

#define N_SECTIONS	ARRAY_SIZE(sections)

/*
 * Everything is dumped before anything is printed, so that a failure
 * does not leave half an answer.  Text: the domains, then the groups,
 * prefixes, ports, endpoints, services, service instances, chains and rules, one
 * per line.  JSON: {"domains": [...], ...}.
 */
int show_all(int argc, char **argv)
{
	struct sfnl_replies replies[N_SECTIONS] = {};
	struct nl_msg *msg;
	unsigned int i;
	int ret = 0;

	if (parse_keywords(argc, argv, NULL, 0))
		return EXIT_USAGE;

	for (i = 0; i < N_SECTIONS && !ret; i++) {
		msg = sfnl_msg(sections[i].cmd, true);
		if (!msg) {
			ret = 1;
			break;
		}
		ret = sfnl_request(msg, &replies[i]);
		nlmsg_free(msg);
	}

	if (!ret) {
		open_json_object(NULL);
		for (i = 0; i < N_SECTIONS && !ret; i++) {
			open_json_array(sections[i].key);
			ret = print_replies(&replies[i], sections[i].print);
			close_json_array();
		}
		close_json_object();
	}

	for (i = 0; i < N_SECTIONS; i++)
		sfnl_replies_free(&replies[i]);
	return ret;
}
