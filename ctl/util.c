// SPDX-License-Identifier: GPL-2.0
/*
 * segctl: argument parsing and helpers shared by the commands.
 *
 * Only what is needed to encode a request is checked here (numbers that
 * must fit their attribute, MAC and IP address syntax, keywords); ranges
 * and the existence of objects are the kernel's business, and its error
 * message is what the user sees.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_print.h"
#include "segctl.h"

/* Where usage_error() and dev_index() write while captured, or NULL. */
static char *capture_buf;
static size_t capture_size;
/* Where run_and_print() keeps its request while captured, or NULL. */
static struct nlmsghdr **capture_req;

void usage_capture(char *buf, size_t size)
{
	capture_buf = buf;
	capture_size = size;
	if (buf && size)
		buf[0] = '\0';
}

void request_capture(struct nlmsghdr **req)
{
	capture_req = req;
	if (req)
		*req = NULL;
}

bool request_capturing(void)
{
	return capture_req;
}

/* Keep the first message only: it says what went wrong first. */
static void capture_vprintf(const char *fmt, va_list ap)
{
	if (capture_size && !capture_buf[0])
		vsnprintf(capture_buf, capture_size, fmt, ap);
}

static void capture_printf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void capture_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	capture_vprintf(fmt, ap);
	va_end(ap);
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	if (capture_buf) {
		va_start(ap, fmt);
		capture_vprintf(fmt, ap);
		va_end(ap);
		return EXIT_USAGE;
	}
	fputs("segctl: ", stderr);
	sfnl_print_where(stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	/* A batch file's line is named instead. */
	if (current_cmd && !sfnl_batch_mode())
		fprintf(stderr, "Usage: segctl %s%s%s%s%s\n",
			current_cmd->object,
			current_cmd->verb ? " " : "",
			current_cmd->verb ? current_cmd->verb : "",
			*current_cmd->args ? " " : "", current_cmd->args);
	return EXIT_USAGE;
}

static const struct keyword *find_keyword(const char *name,
					  const struct keyword *kws,
					  unsigned int n_kws)
{
	unsigned int i;

	for (i = 0; i < n_kws; i++)
		if (!strcmp(kws[i].name, name))
			return &kws[i];
	return NULL;
}

int parse_keywords(int argc, char **argv, const struct keyword *kws,
		   unsigned int n_kws)
{
	const struct keyword *kw;
	unsigned int i;
	int used, ret;

	for (; argc > 0; argc -= used, argv += used) {
		kw = find_keyword(argv[0], kws, n_kws);
		if (!kw)
			return usage_error("unknown argument \"%s\"", argv[0]);
		if (*kw->value && !(kw->flags & KW_REPEAT))
			return usage_error("\"%s\" given twice", argv[0]);
		if (kw->flags & KW_FLAG) {
			*kw->value = kw->name;
			used = 1;
			continue;
		}
		if (argc < 2)
			return usage_error("missing value after \"%s\"",
					   argv[0]);
		*kw->value = argv[1];
		used = 2;
		if (kw->value2 && !strcmp(argv[1], kw->value2_after)) {
			if (argc < 3)
				return usage_error("missing value after \"%s %s\"",
						   argv[0], argv[1]);
			*kw->value2 = argv[2];
			used = 3;
		}
		if (kw->collect) {
			ret = kw->collect(argv[1], kw->priv);
			if (ret)
				return ret;
		}
	}
	for (i = 0; i < n_kws; i++)
		if ((kws[i].flags & KW_REQUIRED) && !*kws[i].value)
			return usage_error("%s", kws[i].missing);
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static int parse_number(const char *arg, const char *what,
			unsigned long max, unsigned long *value)
{
	unsigned long v;

	if (!all_digits(arg))
		return usage_error("invalid %s \"%s\": not a number", what,
				   arg);
	errno = 0;
	v = strtoul(arg, NULL, 10);
	if (errno || v > max)
		return usage_error("invalid %s \"%s\": larger than %lu", what,
				   arg, max);
	*value = v;
	return 0;
}

int parse_u32(const char *arg, const char *what, uint32_t *value)
{
	unsigned long v;
	int ret;

	ret = parse_number(arg, what, UINT32_MAX, &v);
	if (!ret)
		*value = v;
	return ret;
}

int parse_u16(const char *arg, const char *what, uint16_t *value)
{
	unsigned long v;
	int ret;

	ret = parse_number(arg, what, UINT16_MAX, &v);
	if (!ret)
		*value = v;
	return ret;
}

int parse_u8(const char *arg, const char *what, uint8_t *value)
{
	unsigned long v;
	int ret;

	ret = parse_number(arg, what, UINT8_MAX, &v);
	if (!ret)
		*value = v;
	return ret;
}

/* A string of digits is an id, anything else a name. */
static int parse_ref(const char *arg, const char *what, unsigned long max,
		     struct obj_ref *ref)
{
	unsigned long id;
	int ret;

	if (!all_digits(arg)) {
		ref->name = arg;
		return 0;
	}
	ret = parse_number(arg, what, max, &id);
	if (!ret) {
		ref->name = NULL;
		ref->id = id;
	}
	return ret;
}

int parse_domain_ref(const char *arg, struct obj_ref *ref)
{
	return parse_ref(arg, "domain id", UINT32_MAX, ref);
}

int parse_group_ref(const char *arg, struct obj_ref *ref)
{
	return parse_ref(arg, "group id", UINT16_MAX, ref);
}

/* Six bytes in hex, separated by colons: 02:00:00:00:0a:01. */
int parse_mac(const char *arg, uint8_t *mac)
{
	const char *p = arg;
	int i, n;

	for (i = 0; i < 6; i++) {
		unsigned int byte = 0;

		for (n = 0; n < 2 && isxdigit((unsigned char)*p); n++, p++)
			byte = byte * 16 + (isdigit((unsigned char)*p) ?
					    *p - '0' :
					    tolower((unsigned char)*p) - 'a' + 10);
		if (!n || *p != (i < 5 ? ':' : '\0'))
			return usage_error("invalid MAC address \"%s\"", arg);
		mac[i] = byte;
		p++;
	}
	return 0;
}

int parse_ip(const char *arg, struct ip_addr *addr)
{
	if (inet_pton(AF_INET, arg, addr->addr) == 1)
		addr->family = AF_INET;
	else if (inet_pton(AF_INET6, arg, addr->addr) == 1)
		addr->family = AF_INET6;
	else
		return usage_error("invalid IP address \"%s\"", arg);
	return 0;
}

int collect_ip(const char *arg, void *priv)
{
	struct ip_addrs *addrs = priv;
	struct ip_addr *addr;

	addr = realloc(addrs->addr, (addrs->n + 1) * sizeof(*addr));
	if (!addr) {
		fputs("segctl: out of memory\n", stderr);
		return 1;
	}
	addrs->addr = addr;
	return parse_ip(arg, &addrs->addr[addrs->n++]);
}

void put_addrs(struct nl_msg *msg, int type, const struct ip_addrs *addrs)
{
	struct nlattr *nest;
	int i;

	nest = sfnl_nest_start(msg, type);
	for (i = 0; i < addrs->n; i++) {
		const struct ip_addr *a = &addrs->addr[i];

		if (a->family == AF_INET)
			sfnl_put(msg, SEGFILTER_A_ADDR_IPV4, a->addr, 4);
		else
			sfnl_put(msg, SEGFILTER_A_ADDR_IPV6, a->addr, 16);
	}
	sfnl_nest_end(msg, nest);
}

int parse_action(const char *arg, uint8_t *action)
{
	if (!strcmp(arg, "allow"))
		*action = SEGFILTER_ACTION_ALLOW;
	else if (!strcmp(arg, "deny"))
		*action = SEGFILTER_ACTION_DENY;
	else
		return usage_error("invalid default action \"%s\" (allow or deny)",
				   arg);
	return 0;
}

int parse_rule_action(const char *arg, uint8_t *action)
{
	if (!strcmp(arg, "allow"))
		*action = SEGFILTER_ACTION_ALLOW;
	else if (!strcmp(arg, "deny"))
		*action = SEGFILTER_ACTION_DENY;
	else if (!strcmp(arg, "redirect"))
		*action = SEGFILTER_ACTION_REDIRECT;
	else
		return usage_error("invalid action \"%s\" (allow, deny or redirect)",
				   arg);
	return 0;
}

static const struct {
	const char *name;
	uint8_t proto;
} protos[] = {
	{ "tcp",	IPPROTO_TCP },
	{ "udp",	IPPROTO_UDP },
	{ "icmp",	IPPROTO_ICMP },
	{ "icmpv6",	IPPROTO_ICMPV6 },
};

int parse_proto(const char *arg, bool numeric, uint8_t *proto)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(protos); i++) {
		if (!strcmp(arg, protos[i].name)) {
			*proto = protos[i].proto;
			return 0;
		}
	}
	if (!numeric && !strcmp(arg, "any")) {
		*proto = 0;
		return 0;
	}
	if (numeric && all_digits(arg))
		return parse_u8(arg, "protocol", proto);
	if (numeric)
		return usage_error("invalid protocol \"%s\" (tcp, udp, icmp, icmpv6 or a number)",
				   arg);
	return usage_error("invalid protocol \"%s\" (any, tcp, udp, icmp or icmpv6)",
			   arg);
}

const char *proto_name(uint8_t proto, char *buf, int size)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(protos); i++)
		if (protos[i].proto == proto)
			return protos[i].name;
	snprintf(buf, size, "%u", proto);
	return buf;
}

bool proto_has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

bool proto_is_icmp(uint8_t proto)
{
	return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

int parse_role(const char *arg, uint8_t *role)
{
	if (!strcmp(arg, "endpoint"))
		*role = SEGFILTER_PORT_ROLE_ENDPOINT;
	else if (!strcmp(arg, "service"))
		*role = SEGFILTER_PORT_ROLE_SERVICE;
	else if (!strcmp(arg, "uplink"))
		*role = SEGFILTER_PORT_ROLE_UPLINK;
	else if (!strcmp(arg, "exit"))
		*role = SEGFILTER_PORT_ROLE_EXIT;
	else
		return usage_error("invalid role \"%s\" (endpoint, service, uplink or exit)",
				   arg);
	return 0;
}

/* The devices looked up since dev_cache(true), by name. */
static struct dev_cached {
	char name[IF_NAMESIZE];
	uint32_t ifindex;
} *dev_cached;
static size_t n_dev_cached;
static bool dev_caching;

void dev_cache(bool on)
{
	free(dev_cached);
	dev_cached = NULL;
	n_dev_cached = 0;
	dev_caching = on;
}

uint32_t dev_lookup(const char *name)
{
	struct dev_cached *c;
	uint32_t ifindex;
	size_t i;

	for (i = 0; dev_caching && i < n_dev_cached; i++)
		if (!strcmp(dev_cached[i].name, name))
			return dev_cached[i].ifindex;
	ifindex = if_nametoindex(name);
	if (!dev_caching || strlen(name) >= IF_NAMESIZE)
		return ifindex;
	c = realloc(dev_cached, (n_dev_cached + 1) * sizeof(*c));
	if (c) {
		dev_cached = c;
		strcpy(c[n_dev_cached].name, name);
		c[n_dev_cached++].ifindex = ifindex;
	}
	return ifindex;
}

/* if_indextoname(), through the cache (dev_cache()). */
static char *dev_name(uint32_t ifindex, char *buf)
{
	size_t i;

	for (i = 0; dev_caching && ifindex && i < n_dev_cached; i++)
		if (dev_cached[i].ifindex == ifindex)
			return strcpy(buf, dev_cached[i].name);
	if (!if_indextoname(ifindex, buf))
		return NULL;
	if (dev_caching)
		dev_lookup(buf);	/* now known both ways */
	return buf;
}

int dev_index(const char *name, uint32_t *ifindex)
{
	*ifindex = dev_lookup(name);
	if (!*ifindex && capture_buf) {
		capture_printf("device \"%s\" does not exist", name);
		return 1;
	}
	if (!*ifindex) {
		fputs("Error: ", stderr);
		sfnl_print_where(stderr);
		fprintf(stderr, "device \"%s\" does not exist\n", name);
		return 1;
	}
	return 0;
}

void put_domain_ref(struct nl_msg *msg, const struct obj_ref *ref)
{
	if (ref->name)
		sfnl_put_string(msg, SEGFILTER_A_DOMAIN_NAME, ref->name);
	else
		sfnl_put_u32(msg, SEGFILTER_A_DOMAIN_ID, ref->id);
}

void put_group_ref(struct nl_msg *msg, const struct obj_ref *ref)
{
	if (ref->name)
		sfnl_put_string(msg, SEGFILTER_A_GROUP_NAME, ref->name);
	else
		sfnl_put_u16(msg, SEGFILTER_A_GROUP_ID, ref->id);
}

/*
 * Print each reply with @print.  They are all parsed first, so that
 * nothing is printed if one is malformed.
 */
int print_replies(const struct sfnl_replies *replies,
		  void (*print)(struct nlattr **tb))
{
	struct nlattr *tb[SEGFILTER_A_MAX + 1];
	unsigned int i;

	for (i = 0; i < replies->count; i++)
		if (sfnl_parse(replies->msgs[i], tb))
			return 1;
	for (i = 0; i < replies->count; i++) {
		sfnl_parse(replies->msgs[i], tb);
		print(tb);
	}
	return 0;
}

/*
 * Send @msg, free it, and print the replies (the object a NEW command
 * created, the objects a GET found) with @print, as a JSON array.
 * @print is NULL when no reply is of interest (SET, DEL).
 */
int run_and_print(struct nl_msg *msg, void (*print)(struct nlattr **tb))
{
	struct sfnl_replies replies = {};
	bool dump = nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP;
	struct nlmsghdr *req;
	int ret;

	if (capture_req) {
		req = nlmsg_hdr(msg);
		*capture_req = malloc(req->nlmsg_len);
		if (*capture_req)
			memcpy(*capture_req, req, req->nlmsg_len);
		nlmsg_free(msg);
		if (!*capture_req)
			fputs("segctl: out of memory\n", stderr);
		return *capture_req ? 0 : 1;
	}
	ret = sfnl_request(msg, &replies);
	nlmsg_free(msg);
	/* An empty dump is still an (empty) list; a DEL prints nothing. */
	if (!ret && print && (replies.count || dump)) {
		open_json_array(NULL);
		ret = print_replies(&replies, print);
		close_json_array();
	}
	sfnl_replies_free(&replies);
	return ret;
}

/* "OBJECT show [domain DOMAIN]": dump @cmd's objects, all or a domain's. */
int show_in_domain(int argc, char **argv, uint8_t cmd,
		   void (*print)(struct nlattr **tb))
{
	const char *dom = NULL;
	const struct keyword kws[] = {
		{ .name = "domain", .value = &dom },
	};
	struct obj_ref domain = {};	/* set if dom is */
	struct nl_msg *msg;

	if (parse_keywords(argc, argv, kws, ARRAY_SIZE(kws)) ||
	    (dom && parse_domain_ref(dom, &domain)))
		return EXIT_USAGE;

	msg = sfnl_msg(cmd, true);
	if (!msg)
		return 1;
	if (dom)
		put_domain_ref(msg, &domain);
	return run_and_print(msg, print);
}

int del_by_name(int argc, char **argv, uint8_t cmd, int name_attr,
		const char *what)
{
	const char *dom = NULL;
	const struct keyword kws[] = {
		{ .name = "domain", .value = &dom, .flags = KW_REQUIRED,
		  .missing = "missing \"domain DOMAIN\"" },
	};
	struct obj_ref domain;
	struct nl_msg *msg;

	if (argc < 1)
		return usage_error("missing %s", what);
	if (parse_keywords(argc - 1, argv + 1, kws, ARRAY_SIZE(kws)) ||
	    parse_domain_ref(dom, &domain))
		return EXIT_USAGE;

	msg = sfnl_msg(cmd, false);
	if (!msg)
		return 1;
	put_domain_ref(msg, &domain);
	sfnl_put_string(msg, name_attr, argv[0]);
	return run_and_print(msg, NULL);
}

/* The domain a reply's object is in: its name, and its id in JSON. */
void print_domain_ref(struct nlattr **tb)
{
	if (tb[SEGFILTER_A_DOMAIN_NAME])
		print_string(PRINT_ANY, "domain", " domain %s",
			     nla_get_string(tb[SEGFILTER_A_DOMAIN_NAME]));
	if (tb[SEGFILTER_A_DOMAIN_ID])
		print_uint(PRINT_JSON, "domain_id", NULL,
			   nla_get_u32(tb[SEGFILTER_A_DOMAIN_ID]));
}

const char *action_name(uint8_t action, char *buf, int size)
{
	switch (action) {
	case SEGFILTER_ACTION_ALLOW:
		return "allow";
	case SEGFILTER_ACTION_DENY:
		return "deny";
	case SEGFILTER_ACTION_REDIRECT:
		return "redirect";
	}
	snprintf(buf, size, "action_%u", action);
	return buf;
}

const char *role_name(uint8_t role, char *buf, int size)
{
	switch (role) {
	case SEGFILTER_PORT_ROLE_ENDPOINT:
		return "endpoint";
	case SEGFILTER_PORT_ROLE_SERVICE:
		return "service";
	case SEGFILTER_PORT_ROLE_UPLINK:
		return "uplink";
	case SEGFILTER_PORT_ROLE_EXIT:
		return "exit";
	}
	snprintf(buf, size, "role_%u", role);
	return buf;
}

const char *service_mode_name(uint8_t mode, char *buf, int size)
{
	switch (mode) {
	case SEGFILTER_SERVICE_TRANSPARENT:
		return "transparent";
	case SEGFILTER_SERVICE_ROUTED:
		return "routed";
	}
	snprintf(buf, size, "mode_%u", mode);
	return buf;
}

const char *instance_state_name(uint8_t state, char *buf, int size)
{
	switch (state) {
	case SEGFILTER_INSTANCE_UP:
		return "up";
	case SEGFILTER_INSTANCE_DRAINED:
		return "drained";
	case SEGFILTER_INSTANCE_DOWN:
		return "down";
	case SEGFILTER_INSTANCE_DELETED:
		return "deleted";
	}
	snprintf(buf, size, "state_%u", state);
	return buf;
}

const char *fail_mode_name(uint8_t fail, char *buf, int size)
{
	switch (fail) {
	case SEGFILTER_FAIL_CLOSED:
		return "closed";
	case SEGFILTER_FAIL_OPEN:
		return "open";
	}
	snprintf(buf, size, "fail_%u", fail);
	return buf;
}

const char *ifname_str(struct nlattr *name, struct nlattr *index, char *buf,
		       int size)
{
	uint32_t ifindex;

	if (name)
		return nla_get_string(name);
	if (!index)
		return "";
	ifindex = nla_get_u32(index);
	if (size >= IF_NAMESIZE && dev_name(ifindex, buf))
		return buf;
	snprintf(buf, size, "if%u", ifindex);
	return buf;
}

const char *port_name(struct nlattr **tb, char *buf, int size)
{
	return ifname_str(tb[SEGFILTER_A_IFNAME], tb[SEGFILTER_A_IFINDEX], buf,
			  size);
}

const char *format_mac(const uint8_t *m, char *buf, int size)
{
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x",
		 m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

const char *format_addr(const struct nlattr *nla, char *buf, int size)
{
	int family;

	if (nla_type(nla) == SEGFILTER_A_ADDR_IPV4 && nla_len(nla) == 4)
		family = AF_INET;
	else if (nla_type(nla) == SEGFILTER_A_ADDR_IPV6 && nla_len(nla) == 16)
		family = AF_INET6;
	else
		return NULL;	/* unknown: newer kernel */
	return inet_ntop(family, nla_data(nla), buf, size);
}

const char *format_nest_addr(struct nlattr *nest, char *buf, int size)
{
	struct nlattr *nla;
	int rem;

	if (!nest)
		return NULL;
	nla_for_each_nested(nla, nest, rem)
		if (format_addr(nla, buf, size))
			return buf;
	return NULL;
}

/*
 * The addresses of a SEGFILTER_A_ADDR_* nest: in text " ip ADDR" each
 * (@fmt), in JSON an array @key, empty if @nest is NULL.
 */
void print_addrs(struct nlattr *nest, const char *key, const char *fmt)
{
	char buf[INET6_ADDRSTRLEN];
	struct nlattr *nla;
	int rem;

	open_json_array(key);
	if (nest) {
		nla_for_each_nested(nla, nest, rem)
			if (format_addr(nla, buf, sizeof(buf)))
				print_string(PRINT_ANY, NULL, fmt, buf);
	}
	close_json_array();
}
