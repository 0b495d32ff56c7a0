// SPDX-License-Identifier: GPL-2.0
/*
 * segctl stats [domain DOMAIN | port DEV]
 */
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "json_print.h"
#include "nl_gen.h"
#include "prom.h"
#include "segctl.h"

/*
 * The counters, in the order printed; their names are the JSON keys and
 * the middle of the Prometheus metrics' names (prom.c).
 */
const char *const stat_names[SEGFILTER_STATS_MAX + 1] = {
	[SEGFILTER_STATS_RX_PACKETS]	= "rx_packets",
	[SEGFILTER_STATS_RX_BYTES]	= "rx_bytes",
	[SEGFILTER_STATS_TX_PACKETS]	= "tx_packets",
	[SEGFILTER_STATS_TX_BYTES]	= "tx_bytes",
	[SEGFILTER_STATS_FORWARDED]	= "forwarded",
	[SEGFILTER_STATS_FLOODED]	= "flooded",
	[SEGFILTER_STATS_ARP_REPLIES]	= "arp_replies",
	[SEGFILTER_STATS_ND_REPLIES]	= "nd_replies",
	[SEGFILTER_STATS_DROPPED]	= "dropped",
	[SEGFILTER_STATS_ROUTED]	= "routed",
	[SEGFILTER_STATS_DEFAULT_ALLOWED] = "default_allowed",
	[SEGFILTER_STATS_FLOWS_CREATED]	= "flows_created",
	[SEGFILTER_STATS_FLOW_TABLE_FULL] = "flow_table_full",
	[SEGFILTER_STATS_LOG_SUPPRESSED] = "log_suppressed",
	[SEGFILTER_STATS_REDIRECTED]	= "redirected",
	[SEGFILTER_STATS_BYPASSED]	= "bypassed",
	[SEGFILTER_STATS_FLOWS_EVICTED]	= "flows_evicted",
	[SEGFILTER_STATS_DHCP_REPLIES]	= "dhcp_replies",
	[SEGFILTER_STATS_RA_REPLIES]	= "ra_replies",
	[SEGFILTER_STATS_ICMP_TOO_BIG]	= "icmp_too_big",
	[SEGFILTER_STATS_RA_SENT]	= "ra_sent",
	[SEGFILTER_STATS_ICMP_RELATED]	= "icmp_related",
	[SEGFILTER_STATS_NEXTHOP_UNANSWERED] = "nexthop_unanswered",
};

const char *drop_name(unsigned int reason, char *buf, int size)
{
	if (reason <= SEGFILTER_DROP_MAX && sfnl_drop_reason_names[reason])
		return sfnl_drop_reason_names[reason];
	snprintf(buf, size, "reason_%u", reason);	/* a newer kernel's */
	return buf;
}

/* Type 0 (SEGFILTER_DROP_UNSPEC) is the padding of the u64 counters. */
static bool is_drop_counter(const struct nlattr *nla)
{
	return nla_type(nla) != SEGFILTER_DROP_UNSPEC && nla_len(nla) >= 8;
}

/*
 * The drop counters: in text only the non-zero ones, on a line of their
 * own; in JSON all of them.
 */
static void print_drops(struct nlattr *nest)
{
	struct nlattr *nla;
	bool any = false;
	char buf[32];
	char fmt[64];
	int rem;

	nla_for_each_nested(nla, nest, rem)
		if (is_drop_counter(nla) && nla_get_u64(nla))
			any = true;
	if (any)
		print_text("\n    drops:");

	open_json_object("drops");
	nla_for_each_nested(nla, nest, rem) {
		const char *name;
		uint64_t value;

		if (!is_drop_counter(nla))
			continue;
		value = nla_get_u64(nla);
		name = drop_name(nla_type(nla), buf, sizeof(buf));
		snprintf(fmt, sizeof(fmt), " %s %%" PRIu64, name);
		print_u64(value ? PRINT_ANY : PRINT_JSON, name, fmt, value);
	}
	close_json_object();
}

/* The stats of a domain or port, on indented lines after its header. */
static void print_stats(struct nlattr *nest)
{
	struct nlattr *tb[SEGFILTER_STATS_MAX + 1];
	const char *sep = "\n    ";
	char fmt[64];
	int i;

	if (!nest || sfnl_parse_stats(nest, tb))
		return;
	open_json_object("stats");
	for (i = 0; i <= SEGFILTER_STATS_MAX; i++) {
		if (!stat_names[i] || !tb[i])
			continue;
		snprintf(fmt, sizeof(fmt), "%s%s %%" PRIu64, sep,
			 stat_names[i]);
		print_u64(PRINT_ANY, stat_names[i], fmt, nla_get_u64(tb[i]));
		sep = " ";
	}
	if (tb[SEGFILTER_STATS_DROPS])
		print_drops(tb[SEGFILTER_STATS_DROPS]);
	close_json_object();
}

/* "domain tenant-a" and its stats */
static void print_domain_stats(struct nlattr **tb)
{
	open_json_object(NULL);
	if (tb[SEGFILTER_A_DOMAIN_NAME])
		print_string(PRINT_ANY, "domain", "domain %s",
			     nla_get_string(tb[SEGFILTER_A_DOMAIN_NAME]));
	if (tb[SEGFILTER_A_DOMAIN_ID])
		print_uint(PRINT_JSON, "id", NULL,
			   nla_get_u32(tb[SEGFILTER_A_DOMAIN_ID]));
	print_stats(tb[SEGFILTER_A_STATS]);
	close_json_object();
	print_nl();
}

/* "port veth-a1 domain tenant-a" (an uplink has no domain) and its stats */
static void print_port_stats(struct nlattr **tb)
{
	char name[IF_NAMESIZE + 16];

	open_json_object(NULL);
	print_string(PRINT_ANY, "port", "port %s",
		     port_name(tb, name, sizeof(name)));
	if (tb[SEGFILTER_A_IFINDEX])
		print_uint(PRINT_JSON, "ifindex", NULL,
			   nla_get_u32(tb[SEGFILTER_A_IFINDEX]));
	print_domain_ref(tb);
	print_stats(tb[SEGFILTER_A_STATS]);
	close_json_object();
	print_nl();
}

/* "rule 7 domain three-tier packets N bytes N" */
static void print_rule_stats(struct nlattr **tb)
{
	struct nlattr *stats[SEGFILTER_STATS_MAX + 1] = {};

	open_json_object(NULL);
	if (tb[SEGFILTER_A_RULE_ID])
		print_uint(PRINT_ANY, "rule", "rule %u",
			   nla_get_u32(tb[SEGFILTER_A_RULE_ID]));
	if (tb[SEGFILTER_A_DOMAIN_NAME])
		print_string(PRINT_ANY, "domain", " domain %s",
			     nla_get_string(tb[SEGFILTER_A_DOMAIN_NAME]));
	if (tb[SEGFILTER_A_STATS])
		sfnl_parse_stats(tb[SEGFILTER_A_STATS], stats);
	if (stats[SEGFILTER_STATS_MATCHED_PACKETS])
		print_u64(PRINT_ANY, "packets", " packets %" PRIu64,
			  nla_get_u64(stats[SEGFILTER_STATS_MATCHED_PACKETS]));
	if (stats[SEGFILTER_STATS_MATCHED_BYTES])
		print_u64(PRINT_ANY, "bytes", " bytes %" PRIu64,
			  nla_get_u64(stats[SEGFILTER_STATS_MATCHED_BYTES]));
	close_json_object();
	print_nl();
}

/*
 * "instance 1 service fw domain tenant-a state up flows 3 tx_packets N
 * tx_bytes N rx_packets N rx_bytes N": tx is what was sent to it, rx
 * what came back from it.
 */
static void print_instance_stats(struct nlattr **tb)
{
	open_json_object(NULL);
	print_instance_ref(tb);
	print_instance_state(tb);
	print_instance_counters(tb[SEGFILTER_A_STATS]);
	close_json_object();
	print_nl();
}

/* Check that every reply's stats parse, before anything is printed. */
static int check_stats(const struct sfnl_replies *replies)
{
	struct nlattr *stats[SEGFILTER_STATS_MAX + 1];
	struct nlattr *tb[SEGFILTER_A_MAX + 1];
	unsigned int i;

	for (i = 0; i < replies->count; i++) {
		if (sfnl_parse(replies->msgs[i], tb))
			return 1;
		if (tb[SEGFILTER_A_STATS] &&
		    sfnl_parse_stats(tb[SEGFILTER_A_STATS], stats))
			return 1;
	}
	return 0;
}

/* Dump @cmd into @replies, of one domain if @domain is set. */
static int dump(uint8_t cmd, const struct obj_ref *domain,
		struct sfnl_replies *replies)
{
	struct nl_msg *msg;
	int ret;

	msg = sfnl_msg(cmd, true);
	if (!msg)
		return 1;
	if (domain)
		put_domain_ref(msg, domain);
	ret = sfnl_request(msg, replies);
	nlmsg_free(msg);
	return ret;
}

/*
 * Read the counters into @d: every domain, port, rule and instance; with
 * @domain, only that domain, its rules and its instances; with @ifindex,
 * only that port.  0, or the exit status after saying why (as
 * sfnl_request()); @d is then freed.
 */
int stats_read(struct stats_dump *d, const struct obj_ref *domain,
	       const uint32_t *ifindex)
{
	struct nl_msg *msg;
	int ret = 0;

	memset(d, 0, sizeof(*d));
	if (!ifindex) {
		msg = sfnl_msg(SEGFILTER_CMD_DOMAIN_GET, !domain);
		if (!msg)
			return 1;
		if (domain)
			put_domain_ref(msg, domain);
		ret = sfnl_request(msg, &d->domains);
		nlmsg_free(msg);
	}
	if (!ret && !domain) {
		msg = sfnl_msg(SEGFILTER_CMD_PORT_GET, !ifindex);
		if (!msg) {
			ret = 1;
			goto out;
		}
		if (ifindex)
			sfnl_put_u32(msg, SEGFILTER_A_IFINDEX, *ifindex);
		ret = sfnl_request(msg, &d->ports);
		nlmsg_free(msg);
	}
	if (!ret && !ifindex)
		ret = dump(SEGFILTER_CMD_RULE_GET, domain, &d->rules);
	if (!ret && !ifindex)
		ret = dump(SEGFILTER_CMD_INSTANCE_GET, domain, &d->instances);
	if (!ret)
		ret = check_stats(&d->domains) || check_stats(&d->ports) ||
		      check_stats(&d->rules) || check_stats(&d->instances);
out:
	if (ret)
		stats_free(d);
	return ret;
}

void stats_free(struct stats_dump *d)
{
	sfnl_replies_free(&d->domains);
	sfnl_replies_free(&d->ports);
	sfnl_replies_free(&d->rules);
	sfnl_replies_free(&d->instances);
}

/*
 * segctl stats [--prometheus [--max-rules N]] [domain DOMAIN | port DEV]
 *
 * Text: each domain, then each port, with its counters, then each rule
 * with the packets and bytes it decided on, then each service instance
 * with its state and counters.  JSON: an object {"domains": [...],
 * "ports": [...], "rules": [...], "instances": [...]}, with only the
 * domain, its rules and its instances when a domain is given, only the
 * port when a port is.  --prometheus: the same counters in Prometheus'
 * text format (prom.c), the rules only up to N of them.
 */
int stats_cmd(int argc, char **argv)
{
	const char *dom = NULL, *dev = NULL, *prom = NULL, *max = NULL;
	const struct keyword kws[] = {
		{ .name = "domain", .value = &dom },
		{ .name = "port", .value = &dev },
		{ .name = "--prometheus", .value = &prom, .flags = KW_FLAG },
		{ .name = "--max-rules", .value = &max },
	};
	uint32_t max_rules = PROM_MAX_RULES;
	struct stats_dump d;
	struct obj_ref domain;
	uint32_t ifindex;
	int ret;

	if (parse_keywords(argc, argv, kws, ARRAY_SIZE(kws)))
		return EXIT_USAGE;
	if (dom && dev)
		return usage_error("give either \"domain DOMAIN\" or \"port DEV\"");
	if (max && !prom)
		return usage_error("\"--max-rules\" goes with \"--prometheus\"");
	if (prom && is_json_context())
		return usage_error("\"--prometheus\" and \"-j\" are two formats: give one");
	if (max && parse_u32(max, "--max-rules", &max_rules))
		return EXIT_USAGE;
	if (dom && parse_domain_ref(dom, &domain))
		return EXIT_USAGE;
	if (dev && dev_index(dev, &ifindex))
		return 1;

	ret = stats_read(&d, dom ? &domain : NULL, dev ? &ifindex : NULL);
	if (ret)
		return ret;
	if (prom) {
		ret = prom_write(stdout, &d, max_rules);
		stats_free(&d);
		return ret;
	}

	open_json_object(NULL);
	if (!dev) {
		open_json_array("domains");
		print_replies(&d.domains, print_domain_stats);
		close_json_array();
	}
	if (!dom) {
		open_json_array("ports");
		print_replies(&d.ports, print_port_stats);
		close_json_array();
	}
	if (!dev) {
		open_json_array("rules");
		print_replies(&d.rules, print_rule_stats);
		close_json_array();
		open_json_array("instances");
		print_replies(&d.instances, print_instance_stats);
		close_json_array();
	}
	close_json_object();
	stats_free(&d);
	return 0;
}
