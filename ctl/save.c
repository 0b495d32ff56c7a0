// SPDX-License-Identifier: GPL-2.0
/*
 * segctl save: the whole configuration, as the lines of a batch file
 * that "segctl -b" turns back into it, starting from an empty one.
 *
 * The uplinks come first: they have no domain, and the remote endpoints
 * of every domain sit behind them.  Then the domains, then, domain by
 * domain, its groups, prefixes, ports, endpoints, services, service
 * instances (a
 * drained one is added, then drained), chains and rules: each line only
 * names what lines before it made.  Objects are named by name, not by
 * id, except for a group named "any", which a rule could not tell from
 * any group.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_print.h"
#include "segctl.h"

/* A dump, and the domain of each of its objects. */
struct save_section {
	uint8_t cmd;
	enum save_type type;
	struct sfnl_replies replies;
	uint32_t *domain_ids;
};

/* The callback of save_dump() and what it is given. */
struct save_walk {
	void (*record)(enum save_type type, struct nlattr **tb,
		       const char *domain, void *priv);
	void *priv;
};

/* Print the addresses of @nest, each as "KEYWORD ADDR". */
static void save_addrs(struct nlattr *nest, const char *keyword, FILE *f)
{
	char buf[INET6_ADDRSTRLEN];
	struct nlattr *nla;
	int rem;

	if (!nest)
		return;
	nla_for_each_nested(nla, nest, rem)
		if (format_addr(nla, buf, sizeof(buf)))
			fprintf(f, " %s %s", keyword, buf);
}

/* A group: its name, or its id if it has none or one a rule cannot use. */
static const char *group_str(struct nlattr **tb, int name_attr, int id_attr,
			     char *buf, int size)
{
	if (tb[name_attr] && strcmp(nla_get_string(tb[name_attr]), "any"))
		return nla_get_string(tb[name_attr]);
	snprintf(buf, size, "%u", tb[id_attr] ? nla_get_u16(tb[id_attr]) : 0);
	return buf;
}

static void save_domain(struct nlattr **tb, const char *domain, FILE *f)
{
	const uint8_t *gw = NULL;
	static const uint8_t zero[ETH_ALEN];
	char buf[MAC_STR_SIZE];

	fprintf(f, "domain add %s", domain);
	if (tb[SEGFILTER_A_DOMAIN_ID])
		fprintf(f, " id %u", nla_get_u32(tb[SEGFILTER_A_DOMAIN_ID]));
	if (tb[SEGFILTER_A_DEFAULT_ACTION])
		fprintf(f, " default %s",
			action_name(nla_get_u8(tb[SEGFILTER_A_DEFAULT_ACTION]),
				    buf, sizeof(buf)));
	save_domain_limits(tb, f);
	if (tb[SEGFILTER_A_GW_MAC])
		gw = nla_data(tb[SEGFILTER_A_GW_MAC]);
	if (gw && memcmp(gw, zero, ETH_ALEN)) {
		fprintf(f, " gateway %s", format_mac(gw, buf, sizeof(buf)));
		save_addrs(tb[SEGFILTER_A_GW_ADDRS], "gw-ip", f);
	}
	save_domain_dhcp(tb, f);
	if (tb[SEGFILTER_A_VNI])
		fprintf(f, " vni %u", nla_get_u32(tb[SEGFILTER_A_VNI]));
	fputc('\n', f);
}

/* A group's prefix, or an endpoint's (which save_dump() puts after it). */
static void save_prefix(struct nlattr **tb, const char *domain, FILE *f)
{
	char buf[INET6_ADDRSTRLEN + 8], mac[MAC_STR_SIZE];

	if (!tb[SEGFILTER_A_PREFIX_LEN] || !prefix_str(tb, buf, sizeof(buf)))
		return;
	if (tb[SEGFILTER_A_MAC]) {
		fprintf(f, "prefix add %s domain %s endpoint %s\n", buf, domain,
			format_mac(nla_data(tb[SEGFILTER_A_MAC]), mac,
				   sizeof(mac)));
		return;
	}
	if (!tb[SEGFILTER_A_GROUP_NAME])
		return;
	fprintf(f, "prefix add %s domain %s group %s\n", buf, domain,
		nla_get_string(tb[SEGFILTER_A_GROUP_NAME]));
}

static void save_group(struct nlattr **tb, const char *domain, FILE *f)
{
	if (!tb[SEGFILTER_A_GROUP_NAME] || !tb[SEGFILTER_A_GROUP_ID])
		return;
	fprintf(f, "group add %s id %u domain %s\n",
		nla_get_string(tb[SEGFILTER_A_GROUP_NAME]),
		nla_get_u16(tb[SEGFILTER_A_GROUP_ID]), domain);
}

/* A port; an uplink (@domain NULL) has no domain. */
static void save_port(struct nlattr **tb, const char *domain, FILE *f)
{
	char name[IF_NAMESIZE + 16];
	char buf[32];

	fprintf(f, "port attach %s", port_name(tb, name, sizeof(name)));
	if (domain)
		fprintf(f, " domain %s", domain);
	if (tb[SEGFILTER_A_PORT_ROLE])
		fprintf(f, " role %s",
			role_name(nla_get_u8(tb[SEGFILTER_A_PORT_ROLE]), buf,
				  sizeof(buf)));
	save_exit(tb, f);
	fputc('\n', f);
}

static void save_endpoint(struct nlattr **tb, const char *domain, FILE *f)
{
	char name[IF_NAMESIZE + 16];
	char mac[MAC_STR_SIZE];
	char buf[16];

	if (!tb[SEGFILTER_A_MAC])
		return;
	fprintf(f, "endpoint add %s domain %s group %s port %s",
		format_mac(nla_data(tb[SEGFILTER_A_MAC]), mac, sizeof(mac)),
		domain,
		group_str(tb, SEGFILTER_A_GROUP_NAME, SEGFILTER_A_GROUP_ID,
			  buf, sizeof(buf)),
		port_name(tb, name, sizeof(name)));
	save_addrs(tb[SEGFILTER_A_REMOTE], "remote", f);
	save_addrs(tb[SEGFILTER_A_ADDRS], "ip", f);
	if (tb[SEGFILTER_A_ENDPOINT_FLAGS] &&
	    (nla_get_u32(tb[SEGFILTER_A_ENDPOINT_FLAGS]) &
	     SEGFILTER_ENDPOINT_F_DHCP_SERVER))
		fputs(" dhcp-server", f);
	fputc('\n', f);
}

static void save_rule(struct nlattr **tb, const char *domain, FILE *f)
{
	uint8_t proto = 0;
	char buf[32];

	if (!tb[SEGFILTER_A_RULE_ID] || !tb[SEGFILTER_A_ACTION])
		return;
	fprintf(f, "rule add id %u domain %s",
		nla_get_u32(tb[SEGFILTER_A_RULE_ID]), domain);
	if (tb[SEGFILTER_A_PRIORITY])
		fprintf(f, " prio %u", nla_get_u32(tb[SEGFILTER_A_PRIORITY]));
	if (tb[SEGFILTER_A_SRC_GROUP_NAME] || tb[SEGFILTER_A_SRC_GROUP_ID])
		fprintf(f, " from %s",
			group_str(tb, SEGFILTER_A_SRC_GROUP_NAME,
				  SEGFILTER_A_SRC_GROUP_ID, buf, sizeof(buf)));
	if (tb[SEGFILTER_A_DST_GROUP_NAME] || tb[SEGFILTER_A_DST_GROUP_ID])
		fprintf(f, " to %s",
			group_str(tb, SEGFILTER_A_DST_GROUP_NAME,
				  SEGFILTER_A_DST_GROUP_ID, buf, sizeof(buf)));
	if (tb[SEGFILTER_A_PROTO])
		proto = nla_get_u8(tb[SEGFILTER_A_PROTO]);
	if (proto)
		fprintf(f, " proto %s", proto_name(proto, buf, sizeof(buf)));
	if (rule_port(tb, buf, sizeof(buf)))
		fprintf(f, " port %s", buf);
	if (tb[SEGFILTER_A_ICMP_TYPE])
		fprintf(f, " type %u", nla_get_u8(tb[SEGFILTER_A_ICMP_TYPE]));
	fprintf(f, " action %s",
		action_name(nla_get_u8(tb[SEGFILTER_A_ACTION]), buf,
			    sizeof(buf)));
	if (tb[SEGFILTER_A_CHAIN_NAME])
		fprintf(f, " %s", nla_get_string(tb[SEGFILTER_A_CHAIN_NAME]));
	if (tb[SEGFILTER_A_RULE_FLAGS] &&
	    (nla_get_u32(tb[SEGFILTER_A_RULE_FLAGS]) & SEGFILTER_RULE_F_LOG))
		fputs(" log", f);
	fputc('\n', f);
}

static void save_service(struct nlattr **tb, const char *domain, FILE *f)
{
	char buf[32];

	if (!tb[SEGFILTER_A_SERVICE_NAME] || !tb[SEGFILTER_A_SERVICE_MODE])
		return;
	fprintf(f, "service add %s domain %s mode %s\n",
		nla_get_string(tb[SEGFILTER_A_SERVICE_NAME]), domain,
		service_mode_name(nla_get_u8(tb[SEGFILTER_A_SERVICE_MODE]),
				  buf, sizeof(buf)));
}

/* " left DEV [mac MAC] [ip ADDR]..." */
static void save_iface(struct nlattr *nest, const char *side, FILE *f)
{
	struct nlattr *tb[SEGFILTER_A_IFACE_MAX + 1];
	char name[IF_NAMESIZE + 16];
	char mac[MAC_STR_SIZE];

	if (!nest || sfnl_parse_iface(nest, tb))
		return;
	fprintf(f, " %s %s", side,
		ifname_str(tb[SEGFILTER_A_IFACE_IFNAME],
			   tb[SEGFILTER_A_IFACE_IFINDEX], name, sizeof(name)));
	if (tb[SEGFILTER_A_IFACE_MAC])
		fprintf(f, " mac %s",
			format_mac(nla_data(tb[SEGFILTER_A_IFACE_MAC]), mac,
				   sizeof(mac)));
	save_addrs(tb[SEGFILTER_A_IFACE_ADDRS], "ip", f);
}

static void save_instance(struct nlattr **tb, const char *domain, FILE *f)
{
	const char *service;
	uint32_t id;
	bool drain;

	if (!tb[SEGFILTER_A_SERVICE_NAME] || !tb[SEGFILTER_A_INSTANCE_ID])
		return;
	service = nla_get_string(tb[SEGFILTER_A_SERVICE_NAME]);
	id = nla_get_u32(tb[SEGFILTER_A_INSTANCE_ID]);
	fprintf(f, "service instance add %s %u domain %s", service, id, domain);
	save_iface(tb[SEGFILTER_A_LEFT], "left", f);
	save_iface(tb[SEGFILTER_A_RIGHT], "right", f);
	fputc('\n', f);

	/* Drained, whatever its state (its port may be down as well). */
	if (tb[SEGFILTER_A_INSTANCE_DRAIN])
		drain = nla_get_u8(tb[SEGFILTER_A_INSTANCE_DRAIN]);
	else
		drain = tb[SEGFILTER_A_INSTANCE_STATE] &&
			nla_get_u8(tb[SEGFILTER_A_INSTANCE_STATE]) ==
			SEGFILTER_INSTANCE_DRAINED;
	if (drain)
		fprintf(f, "service instance drain %s %u domain %s\n", service, id,
			domain);
}

static void save_chain(struct nlattr **tb, const char *domain, FILE *f)
{
	const char *sep = " services ";
	struct nlattr *nla;
	const char *name;
	char buf[32];
	int rem;

	if (!tb[SEGFILTER_A_CHAIN_NAME] || !tb[SEGFILTER_A_CHAIN_SERVICES])
		return;
	fprintf(f, "chain add %s domain %s",
		nla_get_string(tb[SEGFILTER_A_CHAIN_NAME]), domain);
	nla_for_each_nested(nla, tb[SEGFILTER_A_CHAIN_SERVICES], rem) {
		name = chain_service_name(nla);
		if (!name)
			continue;
		fprintf(f, "%s%s", sep, name);
		sep = ",";
	}
	if (tb[SEGFILTER_A_FAIL_MODE])
		fprintf(f, " fail %s",
			fail_mode_name(nla_get_u8(tb[SEGFILTER_A_FAIL_MODE]),
				       buf, sizeof(buf)));
	fputc('\n', f);
}

/* Dump a section, and note the domain of each of its objects. */
static int dump_section(struct save_section *sec)
{
	struct nlattr *tb[SEGFILTER_A_MAX + 1];
	struct nl_msg *msg;
	unsigned int i;
	int ret;

	msg = sfnl_msg(sec->cmd, true);
	if (!msg)
		return 1;
	ret = sfnl_request(msg, &sec->replies);
	nlmsg_free(msg);
	if (ret)
		return ret;
	sec->domain_ids = calloc(sec->replies.count + 1,
				 sizeof(*sec->domain_ids));
	if (!sec->domain_ids) {
		fputs("segctl: out of memory\n", stderr);
		return 1;
	}
	for (i = 0; i < sec->replies.count; i++) {
		if (sfnl_parse(sec->replies.msgs[i], tb))
			return 1;
		if (tb[SEGFILTER_A_DOMAIN_ID])
			sec->domain_ids[i] =
				nla_get_u32(tb[SEGFILTER_A_DOMAIN_ID]);
	}
	return 0;
}

/* A domain: its name, or its id if it has none. */
static const char *domain_str(struct nlattr **tb, uint32_t id, char *buf,
			      int size)
{
	if (tb[SEGFILTER_A_DOMAIN_NAME])
		return nla_get_string(tb[SEGFILTER_A_DOMAIN_NAME]);
	snprintf(buf, size, "%u", id);
	return buf;
}

void save_record(enum save_type type, struct nlattr **tb, const char *domain,
		 FILE *f)
{
	static void (* const save[SAVE_TYPES])(struct nlattr **tb,
					       const char *domain, FILE *f) = {
		[SAVE_DOMAIN] = save_domain,
		[SAVE_GROUP] = save_group,
		[SAVE_PREFIX] = save_prefix,
		[SAVE_PORT] = save_port,
		[SAVE_ENDPOINT] = save_endpoint,
		[SAVE_SERVICE] = save_service,
		[SAVE_INSTANCE] = save_instance,
		[SAVE_CHAIN] = save_chain,
		[SAVE_RULE] = save_rule,
	};

	save[type](tb, domain, f);
}

/*
 * The objects of @sec in domain @id (all of them for the domains); with
 * @id 0, those that have no domain (uplinks), for which @domain is NULL.
 */
static void save_objects(const struct save_section *sec, uint32_t id,
			 bool all, const char *domain,
			 const struct save_walk *walk, int owned)
{
	struct nlattr *tb[SEGFILTER_A_MAX + 1];
	char buf[16];
	unsigned int i;

	for (i = 0; i < sec->replies.count; i++) {
		if (!all && sec->domain_ids[i] != id)
			continue;
		sfnl_parse(sec->replies.msgs[i], tb);
		/* Prefixes: @owned 1 for endpoints', 0 for groups', -1 all. */
		if (sec->type == SAVE_PREFIX && owned >= 0 &&
		    !!tb[SEGFILTER_A_MAC] != owned)
			continue;
		/* The domains: each is its own domain. */
		if (all)
			domain = domain_str(tb, sec->domain_ids[i], buf,
					    sizeof(buf));
		walk->record(sec->type, tb, domain, walk->priv);
	}
}

int save_dump(void (*record)(enum save_type type, struct nlattr **tb,
			     const char *domain, void *priv),
	      void *priv)
{
	struct save_section sections[] = {
		{ .cmd = SEGFILTER_CMD_DOMAIN_GET, .type = SAVE_DOMAIN },
		{ .cmd = SEGFILTER_CMD_GROUP_GET, .type = SAVE_GROUP },
		{ .cmd = SEGFILTER_CMD_PREFIX_GET, .type = SAVE_PREFIX },
		{ .cmd = SEGFILTER_CMD_PORT_GET, .type = SAVE_PORT },
		{ .cmd = SEGFILTER_CMD_ENDPOINT_GET, .type = SAVE_ENDPOINT },
		{ .cmd = SEGFILTER_CMD_SERVICE_GET, .type = SAVE_SERVICE },
		{ .cmd = SEGFILTER_CMD_INSTANCE_GET, .type = SAVE_INSTANCE },
		{ .cmd = SEGFILTER_CMD_CHAIN_GET, .type = SAVE_CHAIN },
		{ .cmd = SEGFILTER_CMD_RULE_GET, .type = SAVE_RULE },
	};
	const struct save_walk walk = { .record = record, .priv = priv };
	struct nlattr *tb[SEGFILTER_A_MAX + 1];
	const struct save_section *domains = &sections[0];
	const struct save_section *ports = &sections[3];
	const struct save_section *prefixes = &sections[2];
	unsigned int i, j;
	int ret = 0;

	/* Everything is dumped first: a failure reports nothing. */
	for (i = 0; i < ARRAY_SIZE(sections) && !ret; i++)
		ret = dump_section(&sections[i]);
	if (ret)
		goto out;

	save_objects(ports, 0, false, NULL, &walk, -1);
	save_objects(domains, 0, true, NULL, &walk, -1);
	for (i = 0; i < domains->replies.count; i++) {
		const char *name;
		char buf[16];

		sfnl_parse(domains->replies.msgs[i], tb);
		name = domain_str(tb, domains->domain_ids[i], buf, sizeof(buf));
		/* An endpoint's prefixes come after the endpoints. */
		for (j = 1; j < ARRAY_SIZE(sections); j++) {
			save_objects(&sections[j], domains->domain_ids[i],
				     false, name, &walk, 0);
			if (sections[j].type == SAVE_ENDPOINT)
				save_objects(prefixes, domains->domain_ids[i],
					     false, name, &walk, 1);
		}
	}
out:
	for (i = 0; i < ARRAY_SIZE(sections); i++) {
		sfnl_replies_free(&sections[i].replies);
		free(sections[i].domain_ids);
	}
	return ret;
}

/* save_dump()'s callback for save: the header, then the lines. */
static void print_record(enum save_type type, struct nlattr **tb,
			 const char *domain, void *priv)
{
	bool *started = priv;

	if (!*started)
		puts("# segctl save");
	*started = true;
	save_record(type, tb, domain, stdout);
}

/* save */
int save_cmd(int argc, char **argv)
{
	bool started = false;
	int ret;

	if (parse_keywords(argc, argv, NULL, 0))
		return EXIT_USAGE;
	if (is_json_context())
		return usage_error("save has no JSON output (it prints batch lines)");

	ret = save_dump(print_record, &started);
	if (!ret && !started)
		puts("# segctl save");
	return ret;
}
