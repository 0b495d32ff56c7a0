// SPDX-License-Identifier: GPL-2.0
/*
 * segctl endpoint set|claim: an endpoint changed in place.
 *
 * The module changes an endpoint's group or addresses as one commit
 * that deletes it and adds it again, with its MAC, port and location:
 * the data path sees the old endpoint or the new one, never neither,
 * and every flow it has is judged again by the new generation (a flow
 * the new group may not keep is revoked at its next packet; one it may
 * keep goes on).  These commands read the endpoints of the domain and
 * write that transaction, so that a person or an agent (a keepalived
 * notify script moving a virtual IP) need not.  The prefixes an
 * endpoint owns go with it in the kernel: the transaction gives them to
 * the new one again.
 */
#define _GNU_SOURCE		/* asprintf() */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "segctl.h"

#define ADDR_TEXT	INET6_ADDRSTRLEN
#define PFX_TEXT	(INET6_ADDRSTRLEN + 8)

/* An endpoint as the module has it: what a new "endpoint add" needs. */
struct ep_now {
	char mac[MAC_STR_SIZE];
	char group[SEGFILTER_NAME_SIZE + 8];
	char port[IF_NAMESIZE + 16];
	char remote[ADDR_TEXT];		/* "": a local endpoint */
	char (*addrs)[ADDR_TEXT];
	unsigned int n_addrs;
	char (*pfx)[PFX_TEXT];		/* the prefixes it owns */
	unsigned int n_pfx;
	bool changed;
};

struct ep_list {
	struct ep_now *ep;
	unsigned int n;
};

static void ep_list_free(struct ep_list *l)
{
	unsigned int i;

	for (i = 0; i < l->n; i++) {
		free(l->ep[i].addrs);
		free(l->ep[i].pfx);
	}
	free(l->ep);
}

static int ep_add_pfx(struct ep_now *ep, const char *text)
{
	char (*a)[PFX_TEXT];

	a = realloc(ep->pfx, (ep->n_pfx + 1) * sizeof(*a));
	if (!a) {
		fputs("segctl: out of memory\n", stderr);
		return 1;
	}
	ep->pfx = a;
	snprintf(a[ep->n_pfx++], PFX_TEXT, "%s", text);
	return 0;
}

/* The index of @text among @ep's prefixes, or -1. */
static int ep_find_pfx(const struct ep_now *ep, const char *text)
{
	unsigned int i;

	for (i = 0; i < ep->n_pfx; i++)
		if (!strcmp(ep->pfx[i], text))
			return i;
	return -1;
}

static int ep_add_addr(struct ep_now *ep, const char *text)
{
	char (*a)[ADDR_TEXT];

	a = realloc(ep->addrs, (ep->n_addrs + 1) * sizeof(*a));
	if (!a) {
		fputs("segctl: out of memory\n", stderr);
		return 1;
	}
	ep->addrs = a;
	snprintf(a[ep->n_addrs++], ADDR_TEXT, "%s", text);
	return 0;
}

/* The index of @text among @ep's addresses, or -1. */
static int ep_find_addr(const struct ep_now *ep, const char *text)
{
	unsigned int i;

	for (i = 0; i < ep->n_addrs; i++)
		if (!strcmp(ep->addrs[i], text))
			return i;
	return -1;
}

static void ep_del_addr(struct ep_now *ep, unsigned int i)
{
	memmove(&ep->addrs[i], &ep->addrs[i + 1],
		(ep->n_addrs - i - 1) * sizeof(*ep->addrs));
	ep->n_addrs--;
}

/* One endpoint of a dump, in @l. */
static int ep_from_reply(struct ep_list *l, struct nlattr **tb)
{
	char name[IF_NAMESIZE + 16];
	char buf[ADDR_TEXT];
	struct nlattr *nla;
	struct ep_now *ep;
	int rem;

	if (!tb[SEGFILTER_A_MAC])
		return 0;
	ep = realloc(l->ep, (l->n + 1) * sizeof(*ep));
	if (!ep) {
		fputs("segctl: out of memory\n", stderr);
		return 1;
	}
	l->ep = ep;
	ep = &l->ep[l->n++];
	memset(ep, 0, sizeof(*ep));
	format_mac(nla_data(tb[SEGFILTER_A_MAC]), ep->mac, sizeof(ep->mac));
	if (tb[SEGFILTER_A_GROUP_NAME])
		snprintf(ep->group, sizeof(ep->group), "%s",
			 nla_get_string(tb[SEGFILTER_A_GROUP_NAME]));
	else if (tb[SEGFILTER_A_GROUP_ID])
		snprintf(ep->group, sizeof(ep->group), "%u",
			 nla_get_u16(tb[SEGFILTER_A_GROUP_ID]));
	snprintf(ep->port, sizeof(ep->port), "%s",
		 port_name(tb, name, sizeof(name)));
	format_nest_addr(tb[SEGFILTER_A_REMOTE], ep->remote,
			 sizeof(ep->remote));
	if (!tb[SEGFILTER_A_ADDRS])
		return 0;
	nla_for_each_nested(nla, tb[SEGFILTER_A_ADDRS], rem)
		if (format_addr(nla, buf, sizeof(buf)) && ep_add_addr(ep, buf))
			return 1;
	return 0;
}

/* The endpoints of @domain, as the module has them now. */
static int ep_list_read(const struct obj_ref *domain, struct ep_list *l)
{
	struct nlattr *tb[SEGFILTER_A_MAX + 1];
	struct sfnl_replies replies = {};
	struct nl_msg *msg;
	unsigned int i;
	int ret;

	msg = sfnl_msg(SEGFILTER_CMD_ENDPOINT_GET, true);
	if (!msg)
		return 1;
	put_domain_ref(msg, domain);
	ret = sfnl_request(msg, &replies);
	nlmsg_free(msg);
	for (i = 0; !ret && i < replies.count; i++)
		ret = sfnl_parse(replies.msgs[i], tb) ?:
		      ep_from_reply(l, tb);
	sfnl_replies_free(&replies);
	return ret;
}

static struct ep_now *ep_by_mac(struct ep_list *l, const char *mac)
{
	unsigned int i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->ep[i].mac, mac))
			return &l->ep[i];
	return NULL;
}

/* The prefixes of @domain that endpoints own, each given to its own. */
static int ep_list_read_prefixes(const struct obj_ref *domain,
				 struct ep_list *l)
{
	struct nlattr *tb[SEGFILTER_A_MAX + 1];
	struct sfnl_replies replies = {};
	char mac[MAC_STR_SIZE], buf[PFX_TEXT];
	struct nl_msg *msg;
	struct ep_now *ep;
	unsigned int i;
	int ret;

	msg = sfnl_msg(SEGFILTER_CMD_PREFIX_GET, true);
	if (!msg)
		return 1;
	put_domain_ref(msg, domain);
	ret = sfnl_request(msg, &replies);
	nlmsg_free(msg);
	for (i = 0; !ret && i < replies.count; i++) {
		ret = sfnl_parse(replies.msgs[i], tb);
		if (ret || !tb[SEGFILTER_A_MAC] ||
		    !prefix_str(tb, buf, sizeof(buf)))
			continue;
		format_mac(nla_data(tb[SEGFILTER_A_MAC]), mac, sizeof(mac));
		ep = ep_by_mac(l, mac);
		if (ep)
			ret = ep_add_pfx(ep, buf);
	}
	sfnl_replies_free(&replies);
	return ret;
}

/*
 * The endpoints of @domain (@dom as the user named it) in @l, and the
 * one of MAC @macb among them; NULL, said why, if there is none.
 */
static struct ep_now *ep_list_load(const struct obj_ref *domain,
				   const char *dom, const uint8_t *macb,
				   struct ep_list *l)
{
	char mac[MAC_STR_SIZE];
	struct ep_now *ep;

	if (ep_list_read(domain, l) || ep_list_read_prefixes(domain, l))
		return NULL;
	format_mac(macb, mac, sizeof(mac));
	ep = ep_by_mac(l, mac);
	if (!ep)
		fprintf(stderr, "segctl: no endpoint %s in domain %s\n", mac,
			dom);
	return ep;
}

/* @arg as the module writes an address, or a usage error. */
static int addr_text(const char *arg, char *buf)
{
	struct ip_addr a;

	if (parse_ip(arg, &a))
		return EXIT_USAGE;
	inet_ntop(a.family, a.addr, buf, ADDR_TEXT);
	return 0;
}

/* "endpoint add" of @ep as it is now; NULL when out of memory. */
static char *ep_line(const struct ep_now *ep, const char *domain)
{
	size_t size = 256 + ep->n_addrs * (ADDR_TEXT + 4);
	unsigned int i;
	char *line;
	int len;

	line = malloc(size);
	if (!line)
		return NULL;
	len = snprintf(line, size, "endpoint add %s domain %s group %s port %s",
		       ep->mac, domain, ep->group, ep->port);
	if (ep->remote[0])
		len += snprintf(line + len, size - len, " remote %s",
				ep->remote);
	for (i = 0; i < ep->n_addrs; i++)
		len += snprintf(line + len, size - len, " ip %s",
				ep->addrs[i]);
	return line;
}

/*
 * The changed endpoints of @l deleted, then added again as they are
 * now, in one transaction: deletions first, so that an address that
 * goes from one to another is free when the other is added.  The
 * kernel's message, if it refuses, names the line.
 */
static int ep_list_apply(const struct ep_list *l, const char *domain)
{
	unsigned int i, j, n = 0, k, size = 2 * l->n + 1;
	struct config_error err;
	char **lines;
	int ret = 1;

	for (i = 0; i < l->n; i++)
		size += l->ep[i].n_pfx;
	lines = calloc(size, sizeof(*lines));
	if (!lines)
		goto oom;
	for (i = 0; i < l->n; i++)
		if (l->ep[i].changed &&
		    asprintf(&lines[n++], "endpoint del %s domain %s",
			     l->ep[i].mac, domain) < 0) {
			lines[--n] = NULL;
			goto oom;
		}
	k = n;
	for (i = 0; i < l->n; i++)
		if (l->ep[i].changed) {
			lines[n] = ep_line(&l->ep[i], domain);
			if (!lines[n++])
				goto oom;
		}
	/* Its prefixes went with the endpoint deleted: to the new one. */
	for (i = 0; i < l->n; i++)
		for (j = 0; l->ep[i].changed && j < l->ep[i].n_pfx; j++)
			if (asprintf(&lines[n++],
				     "prefix add %s domain %s endpoint %s",
				     l->ep[i].pfx[j], domain,
				     l->ep[i].mac) < 0) {
				lines[--n] = NULL;
				goto oom;
			}
	ret = 0;
	if (k) {
		ret = batch_lines(lines, n, &err);
		if (ret)
			fprintf(stderr, "segctl: %s%s%s\n",
				err.index >= 0 ? lines[err.index] : "",
				err.index >= 0 ? ": " : "", err.msg);
	}
	goto out;
oom:
	ret = 1;
	fputs("segctl: out of memory\n", stderr);
out:
	for (i = 0; lines && i < size; i++)
		free(lines[i]);
	free(lines);
	return ret;
}

struct set_args {
	struct ep_now *ep;
	char (*ip)[ADDR_TEXT];
	unsigned int n_ip;
	bool ip_given;
	int err;
};

static int collect_text(const char *arg, char (**list)[ADDR_TEXT],
			unsigned int *n)
{
	char (*a)[ADDR_TEXT];

	a = realloc(*list, (*n + 1) * sizeof(*a));
	if (!a) {
		fputs("segctl: out of memory\n", stderr);
		return 1;
	}
	*list = a;
	return addr_text(arg, a[(*n)++]);
}

static int collect_set_ip(const char *arg, void *priv)
{
	struct set_args *s = priv;

	s->ip_given = true;
	if (!strcmp(arg, "none"))
		return 0;
	return collect_text(arg, &s->ip, &s->n_ip);
}

struct addr_list {
	char (*a)[ADDR_TEXT];
	unsigned int n;
};

static int collect_addr(const char *arg, void *priv)
{
	struct addr_list *l = priv;

	return collect_text(arg, &l->a, &l->n);
}

struct pfx_list {
	char (*a)[PFX_TEXT];
	unsigned int n;
};

/* "ADDR/LEN" (or "ADDR", the host's) as the module writes it. */
static int collect_pfx(const char *arg, void *priv)
{
	char addr[ADDR_TEXT], text[ADDR_TEXT];
	struct pfx_list *l = priv;
	const char *slash = strchr(arg, '/');
	char (*a)[PFX_TEXT];
	struct ip_addr ip;
	unsigned int len;
	char *end;

	snprintf(addr, sizeof(addr), "%.*s",
		 slash ? (int)(slash - arg) : (int)strlen(arg), arg);
	if (parse_ip(addr, &ip))
		return EXIT_USAGE;
	len = ip.family == AF_INET ? 32 : 128;
	if (slash) {
		len = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || len > (ip.family == AF_INET ? 32 : 128))
			return usage_error("invalid prefix \"%s\"", arg);
	}
	inet_ntop(ip.family, ip.addr, text, sizeof(text));
	a = realloc(l->a, (l->n + 1) * sizeof(*a));
	if (!a) {
		fputs("segctl: out of memory\n", stderr);
		return 1;
	}
	l->a = a;
	snprintf(a[l->n++], PFX_TEXT, "%s/%u", text, len);
	return 0;
}

/*
 * endpoint set MAC domain DOMAIN [group GROUP] [ip ADDR|none]...
 *		[add-ip ADDR]... [del-ip ADDR]...
 *		[add-prefix PREFIX]... [del-prefix PREFIX]...
 *
 * "ip" gives the whole new list of addresses; "add-ip" and "del-ip"
 * change the list there is; "add-prefix" and "del-prefix" the prefixes
 * it owns.
 */
int endpoint_set(int argc, char **argv)
{
	const char *dom = NULL, *grp = NULL, *ip = NULL, *add = NULL;
	const char *del = NULL, *addp = NULL, *delp = NULL;
	struct set_args s = {};
	struct addr_list adds = {}, dels = {};
	struct pfx_list addps = {}, delps = {};
	const struct keyword kws[] = {
		{ .name = "domain", .value = &dom, .flags = KW_REQUIRED,
		  .missing = "missing \"domain DOMAIN\"" },
		{ .name = "group", .value = &grp },
		{ .name = "ip", .value = &ip, .flags = KW_REPEAT,
		  .collect = collect_set_ip, .priv = &s },
		{ .name = "add-ip", .value = &add, .flags = KW_REPEAT,
		  .collect = collect_addr, .priv = &adds },
		{ .name = "del-ip", .value = &del, .flags = KW_REPEAT,
		  .collect = collect_addr, .priv = &dels },
		{ .name = "add-prefix", .value = &addp, .flags = KW_REPEAT,
		  .collect = collect_pfx, .priv = &addps },
		{ .name = "del-prefix", .value = &delp, .flags = KW_REPEAT,
		  .collect = collect_pfx, .priv = &delps },
	};
	struct ep_list l = {};
	uint8_t macb[ETH_ALEN];
	struct obj_ref domain;
	struct ep_now *ep;
	unsigned int i;
	int ret, at;

	if (argc < 1)
		return usage_error("missing MAC");
	ret = parse_mac(argv[0], macb) ?:
	      parse_keywords(argc - 1, argv + 1, kws, ARRAY_SIZE(kws)) ?:
	      parse_domain_ref(dom, &domain);
	if (!ret && !grp && !s.ip_given && !adds.n && !dels.n && !addps.n &&
	    !delps.n)
		ret = usage_error("nothing to change: give group, ip, add-ip, del-ip, add-prefix or del-prefix");
	if (!ret && s.ip_given && s.n_ip && ip && !strcmp(ip, "none"))
		ret = usage_error("\"ip none\" with other addresses");
	if (ret)
		goto out;
	ret = 1;
	ep = ep_list_load(&domain, dom, macb, &l);
	if (!ep)
		goto out;
	if (grp)
		snprintf(ep->group, sizeof(ep->group), "%s", grp);
	if (s.ip_given) {
		ep->n_addrs = 0;
		for (i = 0; i < s.n_ip; i++)
			if (ep_find_addr(ep, s.ip[i]) < 0 &&
			    ep_add_addr(ep, s.ip[i]))
				goto out;
	}
	for (i = 0; i < dels.n; i++) {
		at = ep_find_addr(ep, dels.a[i]);
		if (at < 0) {
			fprintf(stderr, "segctl: endpoint %s has no address %s\n",
				ep->mac, dels.a[i]);
			goto out;
		}
		ep_del_addr(ep, at);
	}
	for (i = 0; i < adds.n; i++) {
		if (ep_find_addr(ep, adds.a[i]) >= 0) {
			fprintf(stderr, "segctl: endpoint %s has address %s already\n",
				ep->mac, adds.a[i]);
			goto out;
		}
		if (ep_add_addr(ep, adds.a[i]))
			goto out;
	}
	for (i = 0; i < delps.n; i++) {
		at = ep_find_pfx(ep, delps.a[i]);
		if (at < 0) {
			fprintf(stderr, "segctl: endpoint %s has no prefix %s\n",
				ep->mac, delps.a[i]);
			goto out;
		}
		memmove(&ep->pfx[at], &ep->pfx[at + 1],
			(ep->n_pfx - at - 1) * sizeof(*ep->pfx));
		ep->n_pfx--;
	}
	for (i = 0; i < addps.n; i++) {
		if (ep_find_pfx(ep, addps.a[i]) >= 0) {
			fprintf(stderr, "segctl: endpoint %s has prefix %s already\n",
				ep->mac, addps.a[i]);
			goto out;
		}
		if (ep_add_pfx(ep, addps.a[i]))
			goto out;
	}
	ep->changed = true;
	ret = ep_list_apply(&l, dom);
out:
	ep_list_free(&l);
	free(s.ip);
	free(adds.a);
	free(dels.a);
	free(addps.a);
	free(delps.a);
	return ret;
}

/*
 * endpoint claim MAC domain DOMAIN ip ADDR...
 *
 * Each address goes to the endpoint MAC, from the endpoint of the
 * domain that owns it if one does: a virtual IP taken over, in one
 * transaction, so that traffic to it follows at once.
 */
int endpoint_claim(int argc, char **argv)
{
	const char *dom = NULL, *ip = NULL;
	struct addr_list want = {};
	const struct keyword kws[] = {
		{ .name = "domain", .value = &dom, .flags = KW_REQUIRED,
		  .missing = "missing \"domain DOMAIN\"" },
		{ .name = "ip", .value = &ip, .flags = KW_REPEAT | KW_REQUIRED,
		  .missing = "missing \"ip ADDR\"",
		  .collect = collect_addr, .priv = &want },
	};
	struct ep_list l = {};
	uint8_t macb[ETH_ALEN];
	struct obj_ref domain;
	struct ep_now *ep;
	unsigned int i, j;
	int ret, at;

	if (argc < 1)
		return usage_error("missing MAC");
	ret = parse_mac(argv[0], macb) ?:
	      parse_keywords(argc - 1, argv + 1, kws, ARRAY_SIZE(kws)) ?:
	      parse_domain_ref(dom, &domain);
	if (ret)
		goto out;
	ret = 1;
	ep = ep_list_load(&domain, dom, macb, &l);
	if (!ep)
		goto out;
	for (i = 0; i < want.n; i++) {
		if (ep_find_addr(ep, want.a[i]) >= 0)
			continue;
		for (j = 0; j < l.n; j++) {
			at = ep_find_addr(&l.ep[j], want.a[i]);
			if (at >= 0) {
				ep_del_addr(&l.ep[j], at);
				l.ep[j].changed = true;
			}
		}
		if (ep_add_addr(ep, want.a[i]))
			goto out;
		ep->changed = true;
	}
	ret = ep_list_apply(&l, dom);
out:
	ep_list_free(&l);
	free(want.a);
	return ret;
}
