/* SPDX-License-Identifier: GPL-2.0 */
/*
 * segctl: declarations shared by the command files.
 *
 * Every command handler gets the arguments that follow its verb and
 * returns the exit status: 0 on success, 1 when the kernel (or the
 * system) refused, 2 on a usage error (nothing was sent).
 */
#ifndef SEGCTL_H
#define SEGCTL_H

#include <stdbool.h>
#include <stdint.h>

#include "nl.h"

#define EXIT_USAGE	2

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * One entry of the command table in cmds.c.  A verb of two words is a
 * verb with sub-verbs: "service instance add" is object "service", verb
 * "instance add".
 */
struct cmd {
	const char *object;
	const char *verb;	/* NULL: the object alone is the command */
	const char *args;	/* usage of the arguments */
	int (*run)(int argc, char **argv);
	bool batch;		/* may be a line of a batch file (-b) */
};

/* The command being run, for usage_error(). */
extern const struct cmd *current_cmd;

/*
 * cmds.c: the command of OBJECT @object whose verb the words @argv
 * start with (a missing word is "show", aliases count), or NULL if
 * there is none.  *n_words is set to how many words of @argv the verb
 * took, or, if there is no such command, to how many name the unknown
 * one.
 */
const struct cmd *find_cmd(const char *object, int argc, char **argv,
			   int *n_words);
/* cmds.c: run "OBJECT [VERB] ARGS..."; returns the exit status. */
int dispatch(int argc, char **argv);
/* cmds.c: the usage of @object (NULL: all), of its @verb if not NULL */
void print_usage(FILE *f, const char *object, const char *verb);
/* cmds.c: segctl --help */
int segctl_help(void);

/* version.c: VERSION, as the Makefile read it */
extern const char segfilter_version[];
/* version.c: segctl --version; returns the exit status. */
int segctl_version(void);

/* batch.c: segctl -b FILE; returns the exit status. */
int run_batch(const char *file);

/*
 * batch.c: the lines of a file of commands, for whoever reads one:
 *
 *	if (batch_open(&r, file))
 *		return 1;
 *	while (!ret && (line = batch_next(&r)))
 *		ret = use(line, r.line_no);
 *	ret = batch_close(&r, ret);
 *
 * batch_next() skips blank lines and comments (a first word starting
 * with "#"), and ends the file at a NUL byte (not a text file: an
 * error).  Errors (cannot open, cannot read, a NUL) are printed with
 * the file's name; batch_close() returns @ret, else the reader's error.
 */
struct batch_reader {
	FILE *f;
	const char *file;	/* "-" is stdin */
	char *line;		/* the current line, with its newline */
	size_t size;
	unsigned int line_no;	/* of the current line, from 1 */
	int ret;
};

int batch_open(struct batch_reader *r, const char *file);
char *batch_next(struct batch_reader *r);
int batch_close(struct batch_reader *r, int ret);

struct config_error;

/*
 * batch.c: split @line into its blank-separated words, in *argv (grown
 * as needed, NULL-terminated; @line is cut).  Returns how many, or -1
 * when out of memory.
 */
int batch_split(char *line, char ***argv, int *size);
/*
 * batch.c: the @n lines of @lines as one transaction, as "segctl -b"
 * would apply them.  Returns 0, or the exit status with @err->index the
 * failing line's index (-1 if none in particular) and @err->msg the
 * parser's or the kernel's message; nothing is applied then.
 */
int batch_lines(char *const *lines, unsigned int n, struct config_error *err);
/* batch.c: one command line, run at once; same return as batch_lines(). */
int batch_run_now(const char *line, struct config_error *err);

/* A domain or a group as named on the command line: by name or by id. */
struct obj_ref {
	const char *name;	/* NULL: by id */
	uint32_t id;
};

/*
 * One keyword of a command, followed by its value: "domain DOMAIN".
 * parse_keywords() stores the value in *value, which must be NULL
 * beforehand and stays NULL if the keyword is not given.  A KW_FLAG
 * keyword has no value ("log"): *value is set to the keyword itself.
 * A value may take a second one: when the value is value2_after, the
 * next argument is stored in *value2 ("action redirect CHAIN").
 */
struct keyword {
	const char *name;
	const char **value;
	unsigned int flags;
	const char *missing;	/* KW_REQUIRED: the error when not given */
	/* If set, called with each value as it is read; 0 or EXIT_USAGE. */
	int (*collect)(const char *value, void *priv);
	void *priv;
	const char *value2_after;
	const char **value2;
};

#define KW_REQUIRED	0x1	/* "missing" is a usage error if not given */
#define KW_REPEAT	0x2	/* may be given again; *value is the last */
#define KW_FLAG		0x4	/* no value */

/* An IP address of the command line, in network byte order. */
struct ip_addr {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];
};

/* The addresses of a repeated keyword ("ip ADDR..."), in the order given. */
struct ip_addrs {
	struct ip_addr *addr;	/* to be freed */
	int n;
};

#ifndef ETH_ALEN
#define ETH_ALEN	6
#endif
#define MAC_STR_SIZE	18	/* "02:00:00:00:0a:01" */

/* util.c: argument parsing; each returns 0 or EXIT_USAGE (printed). */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * util.c: while @buf is set, usage_error() and dev_index() write their
 * first message to @buf (@size bytes; emptied here), without the
 * "segctl: " prefix nor the usage line, instead of stderr.  NULL ends it.
 */
void usage_capture(char *buf, size_t size);
/*
 * util.c: while @req is set, run_and_print() sends nothing and keeps a
 * malloc'd copy of its request in *@req (emptied here).  NULL ends it.
 */
void request_capture(struct nlmsghdr **req);
/* util.c: whether run_and_print() keeps its request (above). */
bool request_capturing(void);
/*
 * Parse "KEYWORD VALUE..." against @kws, in order: stop at the first
 * unknown keyword, repeated one or missing value, then check that the
 * KW_REQUIRED ones were given, in the order of @kws.  With no keywords
 * (NULL, 0), any argument is an unknown one.  Values are only checked
 * by "collect"; the caller parses the others.
 */
int parse_keywords(int argc, char **argv, const struct keyword *kws,
		   unsigned int n_kws);
int parse_u32(const char *arg, const char *what, uint32_t *value);
int parse_u16(const char *arg, const char *what, uint16_t *value);
int parse_u8(const char *arg, const char *what, uint8_t *value);
int parse_domain_ref(const char *arg, struct obj_ref *ref);
int parse_group_ref(const char *arg, struct obj_ref *ref);
int parse_mac(const char *arg, uint8_t *mac);
int parse_action(const char *arg, uint8_t *action);
int parse_rule_action(const char *arg, uint8_t *action);
int parse_role(const char *arg, uint8_t *role);
int parse_ip(const char *arg, struct ip_addr *addr);
/* A keyword's collect(): add an address to the struct ip_addrs @priv. */
int collect_ip(const char *arg, void *priv);
/*
 * tcp, udp, icmp, icmpv6, and also "any" (0) for a rule, or any number
 * when @numeric is set.
 */
int parse_proto(const char *arg, bool numeric, uint8_t *proto);
bool proto_has_ports(uint8_t proto);
bool proto_is_icmp(uint8_t proto);

/* util.c: returns 0, or 1 after printing that the device does not exist */
int dev_index(const char *name, uint32_t *ifindex);
/*
 * The ifindex of device @name, 0 if there is none.  Between
 * dev_cache(true) and dev_cache(false) a name is asked of the kernel
 * once (a computation of segd sees one state of the devices, and would
 * otherwise ask three system calls per endpoint).
 */
uint32_t dev_lookup(const char *name);
void dev_cache(bool on);

/* util.c: message building and the common request/print flow */
void put_domain_ref(struct nl_msg *msg, const struct obj_ref *ref);
void put_group_ref(struct nl_msg *msg, const struct obj_ref *ref);
/* A nest @type of SEGFILTER_A_ADDR_* attributes. */
void put_addrs(struct nl_msg *msg, int type, const struct ip_addrs *addrs);
int print_replies(const struct sfnl_replies *replies,
		  void (*print)(struct nlattr **tb));
int run_and_print(struct nl_msg *msg, void (*print)(struct nlattr **tb));
int show_in_domain(int argc, char **argv, uint8_t cmd,
		   void (*print)(struct nlattr **tb));
/*
 * "OBJECT del NAME domain DOMAIN" for an object named by name only:
 * send @cmd with the domain and NAME as @name_attr.  @what is NAME in
 * the usage error when it is missing ("service NAME").
 */
int del_by_name(int argc, char **argv, uint8_t cmd, int name_attr,
		const char *what);

/* util.c: names of values found in replies */
const char *action_name(uint8_t action, char *buf, int size);
const char *role_name(uint8_t role, char *buf, int size);
const char *service_mode_name(uint8_t mode, char *buf, int size);
const char *instance_state_name(uint8_t state, char *buf, int size);
const char *fail_mode_name(uint8_t fail, char *buf, int size);
/*
 * An interface's name: the reply's @name attribute, else whatever the
 * index in the reply's @index attribute is called now, else "ifN".
 */
const char *ifname_str(struct nlattr *name, struct nlattr *index, char *buf,
		       int size);
/* The name of a reply's port: ifname_str() of IFNAME and IFINDEX. */
const char *port_name(struct nlattr **tb, char *buf, int size);
const char *proto_name(uint8_t proto, char *buf, int size);
const char *format_mac(const uint8_t *mac, char *buf, int size);
/*
 * An attribute of a SEGFILTER_A_ADDR_* nest as text (@buf, of at least
 * INET6_ADDRSTRLEN bytes), or NULL if it is not an address segctl knows.
 */
const char *format_addr(const struct nlattr *nla, char *buf, int size);
/* The first address of a nest (the one of SEGFILTER_A_REMOTE), or NULL. */
const char *format_nest_addr(struct nlattr *nest, char *buf, int size);
void print_addrs(struct nlattr *nest, const char *key, const char *fmt);
/* stats.c */
const char *drop_name(unsigned int reason, char *buf, int size);
/* The name of each counter of a domain or port (NULL: none). */
extern const char *const stat_names[SEGFILTER_STATS_MAX + 1];

/* What segctl stats shows, as the kernel's replies. */
struct stats_dump {
	struct sfnl_replies domains;
	struct sfnl_replies ports;
	struct sfnl_replies rules;
	struct sfnl_replies instances;
};

int stats_read(struct stats_dump *d, const struct obj_ref *domain,
	       const uint32_t *ifindex);
void stats_free(struct stats_dump *d);
/*
 * chain.c: the service an attribute of a CHAIN_SERVICES nest names, or
 * NULL if it is not a SEGFILTER_A_CHAIN_SERVICE string.
 */
const char *chain_service_name(const struct nlattr *nla);
/* rule.c: "8080" or "1000-2000", NULL if the rule has no port */
const char *rule_port(struct nlattr **tb, char *buf, int size);

/* The object printers, shared by "OBJECT show", "show" and NEW replies. */
void print_domain_ref(struct nlattr **tb);
void print_domain(struct nlattr **tb);
void save_domain_limits(struct nlattr **tb, FILE *f);
void save_domain_dhcp(struct nlattr **tb, FILE *f);
void print_group(struct nlattr **tb);
void print_port(struct nlattr **tb);
void save_exit(struct nlattr **tb, FILE *f);
void print_endpoint(struct nlattr **tb);
void print_rule(struct nlattr **tb);
void print_service(struct nlattr **tb);
void print_instance(struct nlattr **tb);
void print_chain(struct nlattr **tb);
void print_prefix(struct nlattr **tb);
/* prefix.c: "ADDR/LEN" of a reply's PREFIX and PREFIX_LEN, or NULL */
const char *prefix_str(struct nlattr **tb, char *buf, int size);

/* Prefixes of the command line (ADDR/LEN, or ADDR for the host's). */
struct ip_prefixes {
	struct ip_addr *addr;
	uint8_t *len;
	int n;
};

/* prefix.c: a keyword's collect(): add a prefix to @priv's. */
int collect_prefix(const char *arg, void *priv);
void ip_prefixes_free(struct ip_prefixes *p);
/*
 * prefix.c: the request that gives prefix @i of @p to endpoint @mac of
 * @domain (sent, or queued in batch mode); the exit status.
 */
int owned_prefix_add(const struct obj_ref *domain, const uint8_t *mac,
		     const struct ip_prefixes *p, int i);

/*
 * service.c, for show, stats and monitor: "instance 1 service fw domain
 * tenant-a" (the domain's id too in JSON), and an instance's state and
 * counters.
 */
void print_instance_ref(struct nlattr **tb);
void print_instance_state(struct nlattr **tb);
void print_instance_counters(struct nlattr *stats);

/* The command handlers. */
int domain_add(int argc, char **argv);
int domain_set(int argc, char **argv);
int domain_del(int argc, char **argv);
int domain_show(int argc, char **argv);
int group_add(int argc, char **argv);
int group_del(int argc, char **argv);
int group_show(int argc, char **argv);
int port_attach(int argc, char **argv);
int port_detach(int argc, char **argv);
int port_show(int argc, char **argv);
int endpoint_add(int argc, char **argv);
int endpoint_set(int argc, char **argv);
int endpoint_claim(int argc, char **argv);
int endpoint_move(int argc, char **argv);
int endpoint_del(int argc, char **argv);
int endpoint_show(int argc, char **argv);
int rule_add(int argc, char **argv);
int rule_del(int argc, char **argv);
int rule_show(int argc, char **argv);
int service_add(int argc, char **argv);
int service_del(int argc, char **argv);
int service_show(int argc, char **argv);
int instance_add(int argc, char **argv);
int instance_del(int argc, char **argv);
int instance_drain(int argc, char **argv);
int instance_undrain(int argc, char **argv);
int instance_show(int argc, char **argv);
int chain_add(int argc, char **argv);
int chain_del(int argc, char **argv);
int chain_show(int argc, char **argv);
int prefix_add(int argc, char **argv);
int prefix_del(int argc, char **argv);
int prefix_lookup(int argc, char **argv);
int prefix_show(int argc, char **argv);
int stats_cmd(int argc, char **argv);
int trace_cmd(int argc, char **argv);
int monitor_cmd(int argc, char **argv);
int save_cmd(int argc, char **argv);
int sync_cmd(int argc, char **argv);
int diff_cmd(int argc, char **argv);

/*
 * save.c: the records of a configuration, in the order save prints
 * them: uplinks, domains, then each domain's groups, prefixes, ports,
 * endpoints, services, instances, chains and rules.
 */
enum save_type {
	SAVE_DOMAIN,
	SAVE_GROUP,
	SAVE_PREFIX,
	SAVE_PORT,
	SAVE_ENDPOINT,
	SAVE_SERVICE,
	SAVE_INSTANCE,
	SAVE_CHAIN,
	SAVE_RULE,
	SAVE_TYPES
};

/*
 * Print the batch line(s) of a record as save does, from the attributes
 * of a reply (or of a request that has the same ones) in @tb, @domain
 * being its domain's name (NULL for an uplink; the domain itself for
 * SAVE_DOMAIN).  An instance that is drained gets a second line.
 */
void save_record(enum save_type type, struct nlattr **tb, const char *domain,
		 FILE *f);
/*
 * Dump the module's configuration, then, if all went well, call @record
 * with each record in save's order.  Returns 0 or 1 (printed).
 */
int save_dump(void (*record)(enum save_type type, struct nlattr **tb,
			     const char *domain, void *priv),
	      void *priv);
int show_all(int argc, char **argv);

#endif /* SEGCTL_H */
