// SPDX-License-Identifier: GPL-2.0
/*
 * segctl's command table, its dispatch and the help, which is generated
 * from the table.  segctl.c parses the options and calls them; batch.c
 * runs a file of commands; segd links this file too (the table is what
 * batch.c and the difference engine run), with its own main.
 */
#include <stdio.h>
#include <string.h>

#include "segctl.h"

static int help(int argc, char **argv);

/* The last column: BATCH if the command may be a line of a batch file. */
#define BATCH	true

static const struct cmd cmds[] = {
	{ "domain", "add",
	  "NAME id ID [default allow|deny] [LIMIT N]... [gateway MAC] [gw-ip ADDR]... "
	  "[mtu N] [dns ADDR[,ADDR]...] [ipv6-prefix P/64[,P/64]...] [vni N]",
	  domain_add, BATCH },
	{ "domain", "set",
	  "DOMAIN [default allow|deny] [LIMIT N]... [gateway MAC|none] [gw-ip ADDR]... "
	  "[mtu N] [dns ADDR[,ADDR]...|none] [ipv6-prefix P/64[,P/64]...|none]",
	  domain_set, BATCH },
	{ "domain", "del", "DOMAIN", domain_del, false },
	{ "domain", "show", "[DOMAIN]", domain_show, false },
	{ "group", "add", "NAME id ID domain DOMAIN", group_add, BATCH },
	{ "group", "del", "GROUP domain DOMAIN", group_del, BATCH },
	{ "group", "show", "[domain DOMAIN]", group_show, false },
	{ "port", "attach",
	  "DEV {domain DOMAIN [role endpoint|service] | domain DOMAIN role exit [ip A/LEN nexthop N] [ip6 A/LEN nexthop6 N] | role uplink}",
	  port_attach, BATCH },
	{ "port", "detach", "DEV", port_detach, false },
	{ "port", "show", "[DEV | domain DOMAIN]", port_show, false },
	{ "endpoint", "add",
	  "MAC domain DOMAIN group GROUP port DEV [ip ADDR]... [remote ADDR] [dhcp-server] [prefix PREFIX]...",
	  endpoint_add, BATCH },
	{ "endpoint", "move", "MAC domain DOMAIN port DEV [remote ADDR]",
	  endpoint_move, BATCH },
	{ "endpoint", "set",
	  "MAC domain DOMAIN [group GROUP] [ip ADDR|none]... [add-ip ADDR]... [del-ip ADDR]... [add-prefix PREFIX]... [del-prefix PREFIX]...",
	  endpoint_set, false },
	{ "endpoint", "claim", "MAC domain DOMAIN ip ADDR...", endpoint_claim,
	  false },
	{ "endpoint", "del", "MAC domain DOMAIN", endpoint_del, BATCH },
	{ "endpoint", "show", "[domain DOMAIN]", endpoint_show, false },
	{ "rule", "add",
	  "[id ID] domain DOMAIN [prio N] [from GROUP|any] [to GROUP|any] [proto any|tcp|udp|icmp|icmpv6] [port N|N-M] [type N] action allow|deny|redirect CHAIN [log]",
	  rule_add, BATCH },
	{ "rule", "del", "ID domain DOMAIN", rule_del, BATCH },
	{ "rule", "show", "[domain DOMAIN]", rule_show, false },
	{ "service", "add", "NAME domain DOMAIN mode transparent|routed",
	  service_add, BATCH },
	{ "service", "del", "NAME domain DOMAIN", service_del, BATCH },
	{ "service", "show", "[domain DOMAIN]", service_show, false },
	{ "service", "instance add",
	  "SERVICE ID domain DOMAIN left DEV [mac MAC] [ip ADDR]... right DEV [mac MAC] [ip ADDR]...",
	  instance_add, BATCH },
	{ "service", "instance del", "SERVICE ID domain DOMAIN", instance_del,
	  BATCH },
	{ "service", "instance drain", "SERVICE ID domain DOMAIN",
	  instance_drain, BATCH },
	{ "service", "instance undrain", "SERVICE ID domain DOMAIN",
	  instance_undrain, BATCH },
	{ "service", "instance show", "[domain DOMAIN]", instance_show, false },
	{ "chain", "add",
	  "NAME domain DOMAIN services SERVICE[,SERVICE]... [fail open|closed]",
	  chain_add, BATCH },
	{ "chain", "del", "NAME domain DOMAIN", chain_del, BATCH },
	{ "chain", "show", "[domain DOMAIN]", chain_show, false },
	{ "prefix", "add",
	  "PREFIX domain DOMAIN { group GROUP | endpoint MAC }", prefix_add,
	  BATCH },
	{ "prefix", "del", "PREFIX domain DOMAIN", prefix_del, BATCH },
	{ "prefix", "show", "[domain DOMAIN]", prefix_show, false },
	{ "prefix", "lookup", "ADDR domain DOMAIN", prefix_lookup, false },
	{ "stats", NULL,
	  "[--prometheus [--max-rules N]] [domain DOMAIN | port DEV]",
	  stats_cmd, false },
	{ "trace", NULL,
	  "DEV from ADDR to ADDR [proto tcp|udp|icmp|icmpv6|N] [sport N] [dport N] [type N] [id N]",
	  trace_cmd, false },
	{ "monitor", NULL, "", monitor_cmd, false },
	{ "save", NULL, "", save_cmd, false },
	{ "sync", NULL, "FILE", sync_cmd, false },
	{ "diff", NULL, "FILE", diff_cmd, false },
	{ "show", NULL, "", show_all, false },
	{ "help", NULL, "[OBJECT [VERB]]", help, false },
};

#define N_CMDS		ARRAY_SIZE(cmds)

/* Other spellings of verbs. */
static const struct {
	const char *alias;
	const char *verb;
} verb_aliases[] = {
	{ "delete", "del" },
	{ "list", "show" },
	{ "ls", "show" },
};

#define N_ALIASES	ARRAY_SIZE(verb_aliases)

const struct cmd *current_cmd;

static void print_cmd_usage(FILE *f, const char *prefix, const struct cmd *c)
{
	fprintf(f, "%ssegctl %s%s%s%s%s\n", prefix, c->object,
		c->verb ? " " : "", c->verb ? c->verb : "",
		*c->args ? " " : "", c->args);
}

static const char *resolve_alias(const char *verb)
{
	unsigned int i;

	for (i = 0; i < N_ALIASES; i++)
		if (!strcmp(verb, verb_aliases[i].alias))
			return verb_aliases[i].verb;
	return verb;
}

/* How many words @verb has: 1, or 2 for a sub-verb ("instance add"). */
static int verb_words(const char *verb)
{
	return strchr(verb, ' ') ? 2 : 1;
}

/* Whether word @n (0 or 1) of @verb is @word. */
static bool verb_word_is(const char *verb, int n, const char *word)
{
	const char *space = strchr(verb, ' ');
	size_t len;

	if (n) {
		if (!space)
			return false;
		verb = space + 1;
		len = strlen(verb);
	} else {
		len = space ? (size_t)(space - verb) : strlen(verb);
	}
	return strlen(word) == len && !strncmp(verb, word, len);
}

/* Whether @object has a verb whose first word is @word. */
static bool has_verb(const char *object, const char *word)
{
	unsigned int i;

	for (i = 0; i < N_CMDS; i++)
		if (!strcmp(cmds[i].object, object) && cmds[i].verb &&
		    verb_word_is(cmds[i].verb, 0, word))
			return true;
	return false;
}

/* Whether @object has a verb whose sub-verbs follow the word @word. */
static bool has_sub_verbs(const char *object, const char *word)
{
	unsigned int i;

	for (i = 0; i < N_CMDS; i++)
		if (!strcmp(cmds[i].object, object) && cmds[i].verb &&
		    verb_words(cmds[i].verb) == 2 &&
		    verb_word_is(cmds[i].verb, 0, word))
			return true;
	return false;
}

/*
 * The usage of every command of @object, or of all when it is NULL; of
 * only those whose verb starts with the word @verb if that is set.
 */
void print_usage(FILE *f, const char *object, const char *verb)
{
	const char *prefix = "Usage: ";
	unsigned int i;

	for (i = 0; i < N_CMDS; i++) {
		if (object && strcmp(cmds[i].object, object))
			continue;
		if (verb && (!cmds[i].verb ||
			     !verb_word_is(cmds[i].verb, 0, verb)))
			continue;
		print_cmd_usage(f, prefix, &cmds[i]);
		prefix = "       ";
	}
}

static bool is_object(const char *object)
{
	unsigned int i;

	for (i = 0; i < N_CMDS; i++)
		if (!strcmp(cmds[i].object, object))
			return true;
	return false;
}

static int help(int argc, char **argv)
{
	unsigned int i;

	if (argc == 1 && is_object(argv[0])) {
		print_usage(stdout, argv[0], NULL);
		return 0;
	}
	/* "help domain add", "help service instance" */
	if (argc == 2 && has_verb(argv[0], resolve_alias(argv[1]))) {
		print_usage(stdout, argv[0], resolve_alias(argv[1]));
		return 0;
	}
	if (argc > 0 && is_object(argv[0]))
		return usage_error("unknown argument \"%s\"", argv[1]);
	if (argc > 0)
		return usage_error("unknown object \"%s\"", argv[0]);

	puts("Usage: segctl [-j] [-p] [-h] OBJECT VERB [ARGS]\n"
	     "       segctl [-j] [-c] -b FILE\n"
	     "       segctl [-j] -V\n"
	     "       segctl --etcd URLS {OBJECT VERB [ARGS] [host H] | -b FILE |\n"
	     "                           [-j] {show | save | status [HOST]}}\n");
	for (i = 0; i < N_CMDS; i++)
		print_cmd_usage(stdout, "       ", &cmds[i]);
	puts("\n"
	     "Options:\n"
	     "  -j, --json        JSON output\n"
	     "  -p, --pretty      pretty-print JSON output (with -j)\n"
	     "  -b, --batch FILE  run the commands of FILE (- for stdin), one per\n"
	     "                    line, as one transaction: domain add|set,\n"
	     "                    group add|del, port attach,\n"
	     "                    endpoint add|move|del, rule add|del,\n"
	     "                    service add|del, service instance\n"
	     "                    add|del|drain|undrain, chain add|del\n"
	     "  -c, --check       with -b: the kernel checks the whole\n"
	     "                    transaction, then undoes it: nothing changes\n"
	     "  -V, --version     segctl's version and the loaded module's\n"
	     "  --etcd URLS       write the cluster's desired state in etcd\n"
	     "                    (or $SEGCTL_ETCD; Documentation/cluster.rst);\n"
	     "                    show: per domain its objects, per host its\n"
	     "                    status; save: the batch lines (-j: the keys)\n"
	     "  --user U          etcd's user (or $SEGCTL_ETCD_USER)\n"
	     "  --password-file F the first line of F is its password\n"
	     "                    (or $SEGCTL_ETCD_PASSWORD)\n"
	     "  -h, --help        this help\n"
	     "\n"
	     "DOMAIN and GROUP are a name (starting with a letter) or a numeric id.\n"
	     "DEV is a network interface name, MAC is 6 hex bytes separated by\n"
	     "colons, ADDR an IPv4 or IPv6 address, PREFIX an ADDR/LENGTH (an\n"
	     "ADDR alone is /32 or /128).  LIMIT is flow-limit, endpoint-limit,\n"
	     "rule-limit, service-limit, chain-limit, prefix-limit or bum-limit\n"
	     "(copies of broadcasts to other hosts per second).\n"
	     "\"segctl OBJECT\" alone is \"segctl OBJECT show\", and \"segctl\n"
	     "service instance\" alone is \"segctl service instance show\".");
	fputs("Verb aliases:", stdout);
	for (i = 0; i < N_ALIASES; i++)
		printf(" %s = %s%s", verb_aliases[i].alias, verb_aliases[i].verb,
		       i + 1 < N_ALIASES ? "," : "\n");
	return 0;
}

const struct cmd *find_cmd(const char *object, int argc, char **argv,
			   int *n_words)
{
	const char *word;
	unsigned int i;
	int n, w;

	for (i = 0; i < N_CMDS; i++) {
		if (strcmp(cmds[i].object, object))
			continue;
		if (!cmds[i].verb) {
			*n_words = 0;
			return &cmds[i];
		}
		n = verb_words(cmds[i].verb);
		for (w = 0; w < n; w++) {
			word = w < argc ? resolve_alias(argv[w]) : "show";
			if (!verb_word_is(cmds[i].verb, w, word))
				break;
		}
		if (w == n) {
			*n_words = n < argc ? n : argc;
			return &cmds[i];
		}
	}
	if (argc > 1 && has_sub_verbs(object, argv[0]))
		*n_words = 2;
	else
		*n_words = argc > 0;
	return NULL;
}

/* Run "OBJECT [VERB] ARGS..."; returns the exit status. */
int dispatch(int argc, char **argv)
{
	const char *object = argv[0];
	int n_words, i;

	if (!is_object(object)) {
		fprintf(stderr,
			"segctl: unknown object \"%s\"; try \"segctl help\"\n",
			object);
		return EXIT_USAGE;
	}
	if (strcmp(object, "help") && argc > 1) {
		/* "OBJECT help", "service instance help" */
		if (!strcmp(argv[1], "help")) {
			print_usage(stdout, object, NULL);
			return 0;
		}
		if (argc > 2 && !strcmp(argv[2], "help") &&
		    has_sub_verbs(object, argv[1])) {
			print_usage(stdout, object, argv[1]);
			return 0;
		}
	}

	current_cmd = find_cmd(object, argc - 1, argv + 1, &n_words);
	if (!current_cmd) {
		fprintf(stderr, "segctl: unknown command \"%s", object);
		for (i = 1; i <= n_words; i++)
			fprintf(stderr, " %s", argv[i]);
		fputs("\"\n", stderr);
		print_usage(stderr, object, NULL);
		return EXIT_USAGE;
	}
	return current_cmd->run(argc - 1 - n_words, argv + 1 + n_words);
}

int segctl_help(void)
{
	return help(0, NULL);
}
