// SPDX-License-Identifier: GPL-2.0
/*
 * segctl domain add|set|del|show
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json_print.h"
#include "segctl.h"

static bool is_zero_mac(const uint8_t *mac)
{
	static const uint8_t zero[ETH_ALEN];

	return !memcmp(mac, zero, ETH_ALEN);
}

/* The gateway, if the domain has one: its MAC and addresses. */
static void print_gateway(struct nlattr **tb)
{
	const uint8_t *gw_mac;
	char mac[MAC_STR_SIZE];

	if (!tb[SEGFILTER_A_GW_MAC])
		return;
	gw_mac = nla_data(tb[SEGFILTER_A_GW_MAC]);
	if (is_zero_mac(gw_mac))
		return;
	print_string(PRINT_ANY, "gateway", " gateway %s",
		     format_mac(gw_mac, mac, sizeof(mac)));
	print_addrs(tb[SEGFILTER_A_GW_ADDRS], "gw-ip", " gw-ip %s");
}

/*
 * The DNS servers or the prefixes a domain tells its endpoints, as one
 * comma-separated list (a prefix with its "/64"): @f NULL prints them
 * (text and a JSON array @key), else writes " key LIST" to @f.
 */
static void dhcp_list(struct nlattr *nest, const char *key, const char *sfx,
		      FILE *f)
{
	char buf[INET6_ADDRSTRLEN], item[INET6_ADDRSTRLEN + 8];
	struct nlattr *nla;
	int rem, n = 0;

	if (!nest)
		return;
	if (f)
		fprintf(f, " %s", key);
	else
		print_text(" %s", key);
	if (!f)
		open_json_array(key);
	nla_for_each_nested(nla, nest, rem) {
		if (!format_addr(nla, buf, sizeof(buf)))
			continue;
		snprintf(item, sizeof(item), "%s%s", buf, sfx);
		if (f)
			fprintf(f, "%s%s", n ? "," : " ", item);
		else
			print_string(PRINT_ANY, NULL, n ? ",%s" : " %s", item);
		n++;
	}
	if (!f)
		close_json_array();
}

/* What DHCP and router advertisements tell the domain's endpoints. */
static void print_dhcp(struct nlattr **tb)
{
	if (tb[SEGFILTER_A_MTU])
		print_uint(PRINT_ANY, "mtu", " mtu %u",
			   nla_get_u32(tb[SEGFILTER_A_MTU]));
	dhcp_list(tb[SEGFILTER_A_DNS_SERVERS], "dns", "", NULL);
	dhcp_list(tb[SEGFILTER_A_RA_PREFIXES], "ipv6-prefix", "/64", NULL);
}

/* The same, for save: " mtu N dns A,B ipv6-prefix P/64". */
void save_domain_dhcp(struct nlattr **tb, FILE *f)
{
	if (tb[SEGFILTER_A_MTU])
		fprintf(f, " mtu %u", nla_get_u32(tb[SEGFILTER_A_MTU]));
	dhcp_list(tb[SEGFILTER_A_DNS_SERVERS], "dns", "", f);
	dhcp_list(tb[SEGFILTER_A_RA_PREFIXES], "ipv6-prefix", "/64", f);
}

/* A domain's limits: keyword, attribute, and what it limits. */
static const struct {
	int attr;
	const char *key;
	const char *fmt;
	const char *what;
} limits[] = {
	{ SEGFILTER_A_FLOW_LIMIT, "flow-limit", " flow-limit %u",
	  "flow limit" },
	{ SEGFILTER_A_ENDPOINT_LIMIT, "endpoint-limit", " endpoint-limit %u",
	  "endpoint limit" },
	{ SEGFILTER_A_RULE_LIMIT, "rule-limit", " rule-limit %u",
	  "rule limit" },
	{ SEGFILTER_A_SERVICE_LIMIT, "service-limit", " service-limit %u",
	  "service limit" },
	{ SEGFILTER_A_CHAIN_LIMIT, "chain-limit", " chain-limit %u",
	  "chain limit" },
	{ SEGFILTER_A_PREFIX_LIMIT, "prefix-limit", " prefix-limit %u",
	  "prefix limit" },
	{ SEGFILTER_A_BUM_LIMIT, "bum-limit", " bum-limit %u",
	  "broadcast copy limit" },
};

/* What save prints of a domain's limits (a "domain add" line's part). */
void save_domain_limits(struct nlattr **tb, FILE *f)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(limits); i++)
		if (tb[limits[i].attr])
			fprintf(f, limits[i].fmt,
				nla_get_u32(tb[limits[i].attr]));
}

void print_domain(struct nlattr **tb)
{
	static const struct {
		int attr;
		const char *key;
		const char *fmt;
	} counts[] = {
		{ SEGFILTER_A_N_PORTS,	   "ports",	" ports %u" },
		{ SEGFILTER_A_N_GROUPS,	   "groups",	" groups %u" },
		{ SEGFILTER_A_N_ENDPOINTS, "endpoints",	" endpoints %u" },
		{ SEGFILTER_A_N_RULES,	   "rules",	" rules %u" },
		{ SEGFILTER_A_N_SERVICES,  "services",	" services %u" },
		{ SEGFILTER_A_N_CHAINS,	   "chains",	" chains %u" },
		{ SEGFILTER_A_N_PREFIXES,  "prefixes",	" prefixes %u" },
		{ SEGFILTER_A_N_FLOWS,	   "flows",	" flows %u" },
	};
	unsigned int i;
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
	for (i = 0; i < ARRAY_SIZE(limits); i++)
		if (tb[limits[i].attr])
			print_uint(PRINT_ANY, limits[i].key, limits[i].fmt,
				   nla_get_u32(tb[limits[i].attr]));
	print_gateway(tb);
	print_dhcp(tb);
	if (tb[SEGFILTER_A_VNI])
		print_uint(PRINT_ANY, "vni", " vni %u",
			   nla_get_u32(tb[SEGFILTER_A_VNI]));
	for (i = 0; i < ARRAY_SIZE(counts); i++)
		if (tb[counts[i].attr])
			print_uint(PRINT_ANY, counts[i].key, counts[i].fmt,
				   nla_get_u32(tb[counts[i].attr]));
	if (tb[SEGFILTER_A_POLICY_GEN]) {
		struct nlattr *gen = tb[SEGFILTER_A_POLICY_GEN];

		print_u64(PRINT_ANY, "gen", " gen %" PRIu64,
			  nla_len(gen) >= 8 ? nla_get_u64(gen) :
					      nla_get_u32(gen));
	}
	close_json_object();
	print_nl();
}

/* The settings "domain add" and "domain set" have in common. */
struct domain_opts {
	const char *def, *gateway, *gw_ip, *mtu_arg, *dns, *prefix;
	const char *limit_arg[ARRAY_SIZE(limits)];
	uint32_t limit[ARRAY_SIZE(limits)];
	uint32_t mtu;
	struct ip_addrs gw_addrs, dns_addrs, prefixes;
	uint8_t action;
	uint8_t mac[ETH_ALEN];
};

#define DOMAIN_KEYWORDS(o)						\
	{ .name = "default", .value = &(o)->def },			\
	{ .name = "flow-limit", .value = &(o)->limit_arg[0] },		\
	{ .name = "endpoint-limit", .value = &(o)->limit_arg[1] },	\
	{ .name = "rule-limit", .value = &(o)->limit_arg[2] },		\
	{ .name = "service-limit", .value = &(o)->limit_arg[3] },	\
	{ .name = "chain-limit", .value = &(o)->limit_arg[4] },		\
	{ .name = "prefix-limit", .value = &(o)->limit_arg[5] },	\
	{ .name = "bum-limit", .value = &(o)->limit_arg[6] },		\
	{ .name = "gateway", .value = &(o)->gateway },			\
	{ .name = "gw-ip", .value = &(o)->gw_ip, .flags = KW_REPEAT,	\
	  .collect = collect_ip, .priv = &(o)->gw_addrs },		\
	{ .name = "mtu", .value = &(o)->mtu_arg },			\
	{ .name = "dns", .value = &(o)->dns },				\
	{ .name = "ipv6-prefix", .value = &(o)->prefix }

static bool any_limit(const struct domain_opts *o)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(limits); i++)
		if (o->limit_arg[i])
			return true;
	return false;
}

/*
 * A comma-separated list of addresses, or of IPv6 /64 prefixes if
 * @prefix, into @out; "none" is the empty list (removal) if @none.
 */
static int parse_addr_list(const char *arg, bool prefix, bool none,
			   struct ip_addrs *out)
{
	char *copy, *item, *save = NULL, *slash;
	int ret = 0;

	if (none && !strcmp(arg, "none"))
		return 0;
	copy = strdup(arg);
	if (!copy) {
		fputs("segctl: out of memory\n", stderr);
		return 1;
	}
	for (item = strtok_r(copy, ",", &save); item && !ret;
	     item = strtok_r(NULL, ",", &save)) {
		slash = strchr(item, '/');
		if (prefix) {
			if (!slash || strcmp(slash, "/64")) {
				ret = usage_error("\"%s\": a prefix is an IPv6 /64, as P/64",
						  item);
				break;
			}
			*slash = '\0';
		}
		ret = collect_ip(item, out);
		if (!ret && prefix && out->addr[out->n - 1].family != AF_INET6)
			ret = usage_error("\"%s\" is not an IPv6 prefix", item);
	}
	if (!ret && !out->n)
		ret = usage_error("\"%s\": no address in the list", arg);
	free(copy);
	return ret;
}

/* Check the values; "gateway none" (removal) only if @none is set. */
static int parse_domain_opts(struct domain_opts *o, bool none)
{
	unsigned int i;

	if (o->mtu_arg && parse_u32(o->mtu_arg, "MTU", &o->mtu))
		return EXIT_USAGE;
	if (o->dns && parse_addr_list(o->dns, false, none, &o->dns_addrs))
		return EXIT_USAGE;
	if (o->prefix &&
	    parse_addr_list(o->prefix, true, none, &o->prefixes))
		return EXIT_USAGE;

	if (o->def && parse_action(o->def, &o->action))
		return EXIT_USAGE;
	for (i = 0; i < ARRAY_SIZE(limits); i++)
		if (o->limit_arg[i] &&
		    parse_u32(o->limit_arg[i], limits[i].what, &o->limit[i]))
			return EXIT_USAGE;
	if (o->gateway && none && !strcmp(o->gateway, "none"))
		memset(o->mac, 0, ETH_ALEN);
	else if (o->gateway && parse_mac(o->gateway, o->mac))
		return EXIT_USAGE;
	return 0;
}

/*
 * A list that replaces the domain's: an empty one ("none") removes it.
 * libnl drops a nest left empty, so that one is written by hand.
 */
static void put_addr_list(struct nl_msg *msg, int type,
			  const struct ip_addrs *addrs)
{
	if (addrs->n)
		put_addrs(msg, type, addrs);
	else
		sfnl_put(msg, type | NLA_F_NESTED, NULL, 0);
}

static void put_domain_opts(struct nl_msg *msg, const struct domain_opts *o)
{
	if (o->def)
		sfnl_put_u8(msg, SEGFILTER_A_DEFAULT_ACTION, o->action);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(limits); i++)
		if (o->limit_arg[i])
			sfnl_put_u32(msg, limits[i].attr, o->limit[i]);
	if (o->gateway)
		sfnl_put(msg, SEGFILTER_A_GW_MAC, o->mac, ETH_ALEN);
	if (o->gw_addrs.n)
		put_addrs(msg, SEGFILTER_A_GW_ADDRS, &o->gw_addrs);
	if (o->mtu_arg)
		sfnl_put_u32(msg, SEGFILTER_A_MTU, o->mtu);
	if (o->dns)
		put_addr_list(msg, SEGFILTER_A_DNS_SERVERS, &o->dns_addrs);
	if (o->prefix)
		put_addr_list(msg, SEGFILTER_A_RA_PREFIXES, &o->prefixes);
}

static void free_domain_opts(struct domain_opts *o)
{
	free(o->gw_addrs.addr);
	free(o->dns_addrs.addr);
	free(o->prefixes.addr);
}

/*
 * domain add NAME id ID [default allow|deny] [flow-limit N]
 *	      [endpoint-limit N] [rule-limit N] [service-limit N]
 *	      [chain-limit N] [prefix-limit N] [gateway MAC] [gw-ip ADDR]...
 *	      [mtu N] [dns ADDR[,ADDR]...] [ipv6-prefix P/64[,P/64]...] [vni N]
 *
 * The VNI is only given here: the kernel cannot change it.
 */
int domain_add(int argc, char **argv)
{
	struct domain_opts o = {};
	const char *id = NULL, *vni_arg = NULL;
	const struct keyword kws[] = {
		{ .name = "id", .value = &id, .flags = KW_REQUIRED,
		  .missing = "missing \"id ID\"" },
		DOMAIN_KEYWORDS(&o),
		{ .name = "vni", .value = &vni_arg },
	};
	struct nl_msg *msg;
	uint32_t domain_id, vni;
	int ret;

	if (argc < 1)
		return usage_error("missing domain NAME");
	ret = parse_keywords(argc - 1, argv + 1, kws, ARRAY_SIZE(kws));
	if (!ret && (parse_u32(id, "domain id", &domain_id) ||
		     parse_domain_opts(&o, false) ||
		     (vni_arg && parse_u32(vni_arg, "VNI", &vni))))
		ret = EXIT_USAGE;
	if (!ret && o.gw_ip && !o.gateway)
		ret = usage_error("\"gw-ip\" needs \"gateway MAC\"");
	if (ret)
		goto out;

	ret = 1;
	msg = sfnl_msg(SEGFILTER_CMD_DOMAIN_NEW, false);
	if (!msg)
		goto out;
	sfnl_put_u32(msg, SEGFILTER_A_DOMAIN_ID, domain_id);
	sfnl_put_string(msg, SEGFILTER_A_DOMAIN_NAME, argv[0]);
	put_domain_opts(msg, &o);
	if (vni_arg)
		sfnl_put_u32(msg, SEGFILTER_A_VNI, vni);
	ret = run_and_print(msg, print_domain);
out:
	free_domain_opts(&o);
	return ret;
}

/*
 * domain set DOMAIN [default allow|deny] [flow-limit N]
 *	      [endpoint-limit N] [rule-limit N] [service-limit N]
 *	      [chain-limit N] [prefix-limit N] [gateway MAC|none] [gw-ip ADDR]...
 *	      [mtu N] [dns ADDR[,ADDR]...|none] [ipv6-prefix P/64[,P/64]...|none]
 */
int domain_set(int argc, char **argv)
{
	struct domain_opts o = {};
	const char *vni_arg = NULL;
	const struct keyword kws[] = {
		DOMAIN_KEYWORDS(&o),
		/* Only to say why not. */
		{ .name = "vni", .value = &vni_arg },
	};
	struct obj_ref domain;
	struct nl_msg *msg;
	int ret;

	if (argc < 1)
		return usage_error("missing DOMAIN");
	if (parse_domain_ref(argv[0], &domain))
		return EXIT_USAGE;
	ret = parse_keywords(argc - 1, argv + 1, kws, ARRAY_SIZE(kws));
	if (!ret && vni_arg)
		ret = usage_error("a domain's VNI cannot be changed");
	if (!ret && parse_domain_opts(&o, true))
		ret = EXIT_USAGE;
	if (!ret && !o.def && !any_limit(&o) && !o.gateway && !o.gw_ip &&
	    !o.mtu_arg && !o.dns && !o.prefix)
		ret = usage_error("nothing to set: give \"default\", a limit, \"gateway\", \"gw-ip\", \"mtu\", \"dns\" or \"ipv6-prefix\"");
	if (ret)
		goto out;

	ret = 1;
	msg = sfnl_msg(SEGFILTER_CMD_DOMAIN_SET, false);
	if (!msg)
		goto out;
	put_domain_ref(msg, &domain);
	put_domain_opts(msg, &o);
	ret = run_and_print(msg, NULL);
out:
	free_domain_opts(&o);
	return ret;
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
