// SPDX-License-Identifier: GPL-2.0
/*
 * Prometheus' text exposition format (version 0.0.4) of what segctl
 * stats shows (Documentation/segctl.rst, "Statistics"):
 *
 *	# HELP segfilter_port_drops_total Frames dropped, by reason, ...
 *	# TYPE segfilter_port_drops_total counter
 *	segfilter_port_drops_total{port="va1",domain="a",reason="rule_deny"} 3
 *
 * A family's samples follow its HELP and TYPE lines, which are written
 * once, before its first sample.  A counter of segctl stats NAME on a
 * domain, port or instance is segfilter_<object>_NAME_total; an
 * instance's flows and state are gauges.
 */
#include <inttypes.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "nl_gen.h"
#include "prom.h"
#include "segctl.h"

/* HELP of each counter of a domain or a port; stat_names its name. */
static const char *const stat_help[SEGFILTER_STATS_MAX + 1] = {
	[SEGFILTER_STATS_RX_PACKETS]	= "Frames received from the ports",
	[SEGFILTER_STATS_RX_BYTES]	= "Bytes received from the ports",
	[SEGFILTER_STATS_TX_PACKETS]	= "Frames sent to the ports",
	[SEGFILTER_STATS_TX_BYTES]	= "Bytes sent to the ports",
	[SEGFILTER_STATS_FORWARDED]	= "Unicast frames forwarded",
	[SEGFILTER_STATS_FLOODED]	= "Broadcast and multicast frames flooded",
	[SEGFILTER_STATS_ARP_REPLIES]	= "ARP requests answered in the kernel",
	[SEGFILTER_STATS_ND_REPLIES]	= "Neighbour solicitations answered in the kernel",
	[SEGFILTER_STATS_DROPPED]	= "Frames dropped, whatever the reason",
	[SEGFILTER_STATS_ROUTED]	= "Unicast frames the gateway routed",
	[SEGFILTER_STATS_DEFAULT_ALLOWED] =
		"Packets no rule matched, allowed by the default action",
	[SEGFILTER_STATS_FLOWS_CREATED]	= "Flows created",
	[SEGFILTER_STATS_FLOW_TABLE_FULL] = "Packets allowed for which no flow could be made",
	[SEGFILTER_STATS_LOG_SUPPRESSED] = "Verdict events over the rate limit",
	[SEGFILTER_STATS_REDIRECTED]	= "Frames sent into a service instance",
	[SEGFILTER_STATS_BYPASSED] =
		"Services a fail-open chain skipped for want of an instance",
	[SEGFILTER_STATS_FLOWS_EVICTED]	= "Unanswered flows removed to make room for new ones",
	[SEGFILTER_STATS_DHCP_REPLIES]	= "DHCP requests answered in the kernel",
	[SEGFILTER_STATS_RA_REPLIES]	= "Router solicitations answered in the kernel",
	[SEGFILTER_STATS_ICMP_TOO_BIG] =
		"ICMP errors sent to senders of packets too big for their path",
	[SEGFILTER_STATS_RA_SENT]	= "Router advertisements the gateway sent unasked",
	[SEGFILTER_STATS_ICMP_RELATED]	= "ICMP errors let through for a flow the policy allows",
	[SEGFILTER_STATS_NEXTHOP_UNANSWERED] = "Probes of an exit's next hop that got no answer",
};

/* The counters of an instance: tx is what was sent to it, rx what came back. */
static const struct {
	int attr;
	const char *name;
	const char *help;
} instance_counters[] = {
	{ SEGFILTER_STATS_TX_PACKETS, "tx_packets",
	  "Frames sent to the service instance" },
	{ SEGFILTER_STATS_TX_BYTES, "tx_bytes",
	  "Bytes sent to the service instance" },
	{ SEGFILTER_STATS_RX_PACKETS, "rx_packets",
	  "Frames that came back from the service instance" },
	{ SEGFILTER_STATS_RX_BYTES, "rx_bytes",
	  "Bytes that came back from the service instance" },
};

/* The states an instance is shown in, each a series of its own. */
static const uint8_t instance_states[] = {
	SEGFILTER_INSTANCE_UP,
	SEGFILTER_INSTANCE_DRAINED,
	SEGFILTER_INSTANCE_DOWN,
};

enum prom_kind {
	PROM_DOMAIN,
	PROM_PORT,
	PROM_RULE,
	PROM_INSTANCE,
};

/* A domain, port, rule or instance: its labels and its counters. */
struct prom_obj {
	const char *domain;		/* NULL: none (an uplink) */
	const char *port;
	const char *service;
	char id[16];			/* a rule's or an instance's */
	char name[IF_NAMESIZE + 16];	/* a port's, if not sent */
	int state;			/* an instance's, -1 if not sent */
	int drain;			/* likewise */
	struct nlattr *stats[SEGFILTER_STATS_MAX + 1];
};

struct prom_objs {
	enum prom_kind kind;
	struct prom_obj *v;
	unsigned int n;
};

/*
 * The first @max objects of @r.  The strings point into @r; the
 * replies were checked (stats_read()), so they parse.  0 or -1.
 */
static int parse_objs(const struct sfnl_replies *r, unsigned int max,
		      enum prom_kind kind, struct prom_objs *o)
{
	struct nlattr *tb[SEGFILTER_A_MAX + 1];
	unsigned int i;

	o->kind = kind;
	o->n = 0;
	o->v = calloc(r->count ? r->count : 1, sizeof(*o->v));
	if (!o->v)
		return -1;
	for (i = 0; i < r->count && o->n < max; i++) {
		struct prom_obj *p = &o->v[o->n];

		if (sfnl_parse(r->msgs[i], tb))
			continue;
		p->state = -1;
		p->drain = -1;
		if (tb[SEGFILTER_A_DOMAIN_NAME])
			p->domain = nla_get_string(tb[SEGFILTER_A_DOMAIN_NAME]);
		if (kind == PROM_PORT)
			p->port = port_name(tb, p->name, sizeof(p->name));
		if (kind == PROM_RULE && tb[SEGFILTER_A_RULE_ID])
			snprintf(p->id, sizeof(p->id), "%u",
				 nla_get_u32(tb[SEGFILTER_A_RULE_ID]));
		if (kind == PROM_INSTANCE) {
			if (tb[SEGFILTER_A_INSTANCE_ID])
				snprintf(p->id, sizeof(p->id), "%u",
					 nla_get_u32(tb[SEGFILTER_A_INSTANCE_ID]));
			if (tb[SEGFILTER_A_SERVICE_NAME])
				p->service = nla_get_string(tb[SEGFILTER_A_SERVICE_NAME]);
			if (tb[SEGFILTER_A_INSTANCE_STATE])
				p->state = nla_get_u8(tb[SEGFILTER_A_INSTANCE_STATE]);
			if (tb[SEGFILTER_A_INSTANCE_DRAIN])
				p->drain = nla_get_u8(tb[SEGFILTER_A_INSTANCE_DRAIN]);
		}
		if (tb[SEGFILTER_A_STATS] &&
		    sfnl_parse_stats(tb[SEGFILTER_A_STATS], p->stats))
			continue;
		o->n++;
	}
	return 0;
}

/* name="value", the value's backslashes, quotes and newlines escaped */
static void put_label(FILE *f, const char *sep, const char *name,
		      const char *value)
{
	fprintf(f, "%s%s=\"", sep, name);
	for (; *value; value++) {
		switch (*value) {
		case '\\':
			fputs("\\\\", f);
			break;
		case '"':
			fputs("\\\"", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		default:
			fputc(*value, f);
		}
	}
	fputc('"', f);
}

/*
 * One sample: NAME{the object's labels[,@extra="@value"]} VALUE.  A
 * port without a domain (an uplink) has no domain label.
 */
static void put_sample(FILE *f, const char *name, const struct prom_objs *o,
		       const struct prom_obj *p, const char *extra,
		       const char *value, uint64_t v)
{
	const char *sep = "";

	fprintf(f, "%s{", name);
	switch (o->kind) {
	case PROM_PORT:
		put_label(f, sep, "port", p->port ? p->port : "");
		sep = ",";
		break;
	default:
		break;
	}
	if (p->domain || o->kind != PROM_PORT) {
		put_label(f, sep, "domain", p->domain ? p->domain : "");
		sep = ",";
	}
	if (o->kind == PROM_RULE)
		put_label(f, sep, "rule", p->id);
	if (o->kind == PROM_INSTANCE) {
		put_label(f, sep, "service", p->service ? p->service : "");
		put_label(f, sep, "instance", p->id);
	}
	if (extra)
		put_label(f, sep, extra, value);
	fprintf(f, "} %" PRIu64 "\n", v);
}

/* HELP and TYPE of a family, once, before its first sample. */
static void put_family(FILE *f, bool *started, const char *name,
		       const char *type, const char *help)
{
	if (*started)
		return;
	*started = true;
	fprintf(f, "# HELP %s %s.\n# TYPE %s %s\n", name, help, name, type);
}

static const char *const kind_names[] = {
	[PROM_DOMAIN]	= "domain",
	[PROM_PORT]	= "port",
	[PROM_RULE]	= "rule",
	[PROM_INSTANCE]	= "instance",
};

/* Every counter of the domains or ports, then their drops by reason. */
static void put_stats(FILE *f, const struct prom_objs *o)
{
	const char *kind = kind_names[o->kind];
	char name[96], help[160];
	unsigned int i, j;
	bool started;

	for (i = 0; i <= SEGFILTER_STATS_MAX; i++) {
		if (!stat_names[i])
			continue;
		snprintf(name, sizeof(name), "segfilter_%s_%s_total", kind,
			 stat_names[i]);
		snprintf(help, sizeof(help), "%s, per %s (segctl stats %s)",
			 stat_help[i] ? stat_help[i] : "A counter", kind,
			 stat_names[i]);
		started = false;
		for (j = 0; j < o->n; j++) {
			struct nlattr *nla = o->v[j].stats[i];

			if (!nla)
				continue;
			put_family(f, &started, name, "counter", help);
			put_sample(f, name, o, &o->v[j], NULL, NULL,
				   nla_get_u64(nla));
		}
	}

	snprintf(name, sizeof(name), "segfilter_%s_drops_total", kind);
	snprintf(help, sizeof(help),
		 "Frames dropped, by reason, per %s (segctl stats drops)", kind);
	started = false;
	for (j = 0; j < o->n; j++) {
		struct nlattr *nest = o->v[j].stats[SEGFILTER_STATS_DROPS];
		struct nlattr *nla;
		char buf[32];
		int rem;

		if (!nest)
			continue;
		nla_for_each_nested(nla, nest, rem) {
			/* type 0 is the padding of the u64 counters */
			if (nla_type(nla) == SEGFILTER_DROP_UNSPEC ||
			    nla_len(nla) < 8)
				continue;
			put_family(f, &started, name, "counter", help);
			put_sample(f, name, o, &o->v[j], "reason",
				   drop_name(nla_type(nla), buf, sizeof(buf)),
				   nla_get_u64(nla));
		}
	}
}

/* Each rule's packets and bytes. */
static void put_rules(FILE *f, const struct prom_objs *o)
{
	static const struct {
		int attr;
		const char *name;
		const char *help;
	} counters[] = {
		{ SEGFILTER_STATS_MATCHED_PACKETS,
		  "segfilter_rule_packets_total",
		  "Packets the rule decided on, per rule (segctl stats packets)" },
		{ SEGFILTER_STATS_MATCHED_BYTES,
		  "segfilter_rule_bytes_total",
		  "Bytes of the packets the rule decided on, per rule (segctl stats bytes)" },
	};
	unsigned int i, j;
	bool started;

	for (i = 0; i < ARRAY_SIZE(counters); i++) {
		started = false;
		for (j = 0; j < o->n; j++) {
			struct nlattr *nla = o->v[j].stats[counters[i].attr];

			if (!nla)
				continue;
			put_family(f, &started, counters[i].name, "counter",
				   counters[i].help);
			put_sample(f, counters[i].name, o, &o->v[j], NULL,
				   NULL, nla_get_u64(nla));
		}
	}
}

/* Each instance's flows, counters, state and drain. */
static void put_instances(FILE *f, const struct prom_objs *o)
{
	char name[96], help[160], buf[32];
	struct nlattr *nla;
	unsigned int i, j;
	bool started = false;

	for (j = 0; j < o->n; j++) {
		nla = o->v[j].stats[SEGFILTER_STATS_FLOWS];
		if (!nla)
			continue;
		put_family(f, &started, "segfilter_instance_flows", "gauge",
			   "Flows pinned to the service instance now (segctl stats flows)");
		put_sample(f, "segfilter_instance_flows", o, &o->v[j], NULL,
			   NULL, nla_get_u64(nla));
	}
	for (i = 0; i < ARRAY_SIZE(instance_counters); i++) {
		snprintf(name, sizeof(name), "segfilter_instance_%s_total",
			 instance_counters[i].name);
		snprintf(help, sizeof(help), "%s (segctl stats %s)",
			 instance_counters[i].help, instance_counters[i].name);
		started = false;
		for (j = 0; j < o->n; j++) {
			nla = o->v[j].stats[instance_counters[i].attr];
			if (!nla)
				continue;
			put_family(f, &started, name, "counter", help);
			put_sample(f, name, o, &o->v[j], NULL, NULL,
				   nla_get_u64(nla));
		}
	}

	/* one series per state, 1 for the instance's own, 0 for the others */
	started = false;
	for (j = 0; j < o->n; j++) {
		const struct prom_obj *p = &o->v[j];
		bool known = false;

		if (p->state < 0)
			continue;
		put_family(f, &started, "segfilter_instance_state", "gauge",
			   "1 for the state the service instance is in, 0 for the others (segctl stats state)");
		for (i = 0; i < ARRAY_SIZE(instance_states); i++) {
			if (p->state == instance_states[i])
				known = true;
			put_sample(f, "segfilter_instance_state", o, p, "state",
				   instance_state_name(instance_states[i], buf,
						       sizeof(buf)),
				   p->state == instance_states[i]);
		}
		if (!known)	/* a newer kernel's */
			put_sample(f, "segfilter_instance_state", o, p, "state",
				   instance_state_name(p->state, buf,
						       sizeof(buf)), 1);
	}
	started = false;
	for (j = 0; j < o->n; j++) {
		if (o->v[j].drain < 0)
			continue;
		put_family(f, &started, "segfilter_instance_drain", "gauge",
			   "1 if the service instance was drained, 0 if not (segctl stats drain)");
		put_sample(f, "segfilter_instance_drain", o, &o->v[j], NULL,
			   NULL, o->v[j].drain != 0);
	}
}

int prom_write(FILE *f, const struct stats_dump *d, uint32_t max_rules)
{
	struct prom_objs domains = {}, ports = {}, rules = {}, instances = {};
	uint64_t omitted;
	int ret = 1;

	if (parse_objs(&d->domains, UINT32_MAX, PROM_DOMAIN, &domains) ||
	    parse_objs(&d->ports, UINT32_MAX, PROM_PORT, &ports) ||
	    parse_objs(&d->rules, max_rules, PROM_RULE, &rules) ||
	    parse_objs(&d->instances, UINT32_MAX, PROM_INSTANCE, &instances)) {
		fputs("segctl: out of memory\n", stderr);
		goto out;
	}
	put_stats(f, &domains);
	put_stats(f, &ports);
	put_rules(f, &rules);
	put_instances(f, &instances);

	omitted = d->rules.count > max_rules ? d->rules.count - max_rules : 0;
	fprintf(f, "# HELP segfilter_metrics_rules_omitted %s %" PRIu32 "%s.\n",
		"Rules whose series were left out, over the cap of", max_rules,
		" (--max-rules, segd --metrics-rules)");
	fprintf(f, "# TYPE segfilter_metrics_rules_omitted gauge\n");
	fprintf(f, "segfilter_metrics_rules_omitted %" PRIu64 "\n", omitted);
	ret = 0;
out:
	free(domains.v);
	free(ports.v);
	free(rules.v);
	free(instances.v);
	return ret;
}
