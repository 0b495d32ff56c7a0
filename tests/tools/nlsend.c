// SPDX-License-Identifier: GPL-2.0
/*
 * nlsend: send one hand-made request to the segfilter family and print
 * what the kernel answered.  segctl refuses to build malformed requests;
 * the selftests use this to check that the kernel refuses them too.
 *
 *   nlsend [-d [-x SHELLCMD]] CMD [ATTR=VALUE]...
 *
 * CMD is a command number or name (domain_new, port_del, ...), ATTR an
 * attribute number or name (domain_id, ifindex, ...) and VALUE is typed
 * by a prefix: u8:N, u16:N, u32:N, str:TEXT, hex:BYTES (no separator),
 * or nothing for an empty attribute.  ATTR={ starts a nested attribute
 * (with NLA_F_NESTED) and a lone } ends it; the attributes in between
 * are its own, and take the names of that nest: in left={ and right={,
 * ifindex, ifname, mac, addrs; in addrs={, gw_addrs={ and remote={,
 * ipv4, ipv6;
 * in chain_services={, service; in tuple={, src_ipv4, dst_ipv4,
 * src_ipv6, dst_ipv6, proto, sport, dport, icmp_type, icmp_id.  Each
 * word is one argument:
 *
 *   nlsend chain_new domain_name=str:d chain_name=str:c \
 *	chain_services={ service=str:fw service=str:ids }
 *
 * An empty nest, "left={ }", is sent as an empty attribute with the
 * flag.  -d sends a dump request; -x runs
 * SHELLCMD once the first message of the dump has arrived, while the
 * kernel holds the rest, so that a test can change the state in the
 * middle of a dump.
 *
 * Prints "ok", after a dump "ok messages N interrupted yes|no", or
 * "error ERRNO: MESSAGE", and exits 0 or 1.
 */
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "segf_names.h"

#define MAX_DEPTH	8

/* The nests open: their attribute, and the names that apply inside. */
static struct {
	struct nlattr *attr;
	const struct names *names;
} nests[MAX_DEPTH];
static int depth;

static const struct names *cur_names(void)
{
	return depth ? nests[depth - 1].names : &top_names;
}

static int lookup(const char *s, const char *const *names, int n)
{
	int v = segf_name_lookup(s, names, n);

	if (v < 0) {
		fprintf(stderr, "nlsend: unknown name \"%s\"\n", s);
		exit(2);
	}
	return v;
}

static int put_attr(struct nl_msg *msg, char *arg)
{
	char *eq = strchr(arg, '='), *val;
	unsigned char bin[256];
	size_t i, n;
	int type;

	if (!strcmp(arg, "}")) {
		if (!depth) {
			fprintf(stderr, "nlsend: \"}\" closes no nest\n");
			exit(2);
		}
		depth--;
		return nla_nest_end_keep_empty(msg, nests[depth].attr);
	}
	if (!eq) {
		fprintf(stderr, "nlsend: \"%s\" is not ATTR=VALUE\n", arg);
		exit(2);
	}
	*eq = 0;
	val = eq + 1;
	type = lookup(arg, cur_names()->name, cur_names()->n);
	if (!strcmp(val, "{")) {
		if (depth == MAX_DEPTH) {
			fprintf(stderr, "nlsend: nests too deep\n");
			exit(2);
		}
		nests[depth].attr = nla_nest_start(msg, type | NLA_F_NESTED);
		if (!nests[depth].attr)
			return -1;
		nests[depth].names = nest_names(cur_names(), type);
		depth++;
		return 0;
	}
	if (!strncmp(val, "u8:", 3))
		return nla_put_u8(msg, type, strtoul(val + 3, NULL, 0));
	if (!strncmp(val, "u16:", 4))
		return nla_put_u16(msg, type, strtoul(val + 4, NULL, 0));
	if (!strncmp(val, "u32:", 4))
		return nla_put_u32(msg, type, strtoul(val + 4, NULL, 0));
	if (!strncmp(val, "str:", 4))
		return nla_put_string(msg, type, val + 4);
	if (!strncmp(val, "hex:", 4)) {
		n = strlen(val + 4) / 2;
		if (n > sizeof(bin))
			exit(2);
		for (i = 0; i < n; i++) {
			if (sscanf(val + 4 + 2 * i, "%2hhx", &bin[i]) != 1) {
				fprintf(stderr, "nlsend: bad hex \"%s\"\n",
					val + 4);
				exit(2);
			}
		}
		return nla_put(msg, type, n, bin);
	}
	if (!*val)
		return nla_put(msg, type, 0, NULL);
	fprintf(stderr, "nlsend: bad value \"%s\"\n", val);
	exit(2);
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)err - 1;
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};
	int *result = arg;
	size_t off = sizeof(*nlh) + sizeof(*err);

	(void)nla;
	*result = err->error;
	if (!err->error)
		return NL_STOP;
	/* With NETLINK_CAP_ACK the request is not echoed back. */
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
		nla_parse(tb, NLMSGERR_ATTR_MAX,
			  (struct nlattr *)((char *)nlh + off),
			  nlh->nlmsg_len - off, NULL);
	printf("error %d: %s\n", -err->error,
	       tb[NLMSGERR_ATTR_MSG] ? (char *)nla_data(tb[NLMSGERR_ATTR_MSG]) :
	       strerror(-err->error));
	fflush(stdout);
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	(void)msg;
	*(int *)arg = 0;
	return NL_STOP;
}

struct dump_state {
	unsigned int messages;
	int interrupted;
	const char *midway;	/* shell command to run after the first */
};

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct dump_state *ds = arg;

	if (nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP_INTR)
		ds->interrupted = 1;
	if (!ds->messages++ && ds->midway && system(ds->midway) != 0)
		fprintf(stderr, "nlsend: \"%s\" failed\n", ds->midway);
	return NL_OK;
}

int main(int argc, char **argv)
{
	int family, cmd, i, one = 1, result = 1, dump = 0;
	struct dump_state ds = { 0 };
	struct nl_sock *sk;
	struct nl_msg *msg;
	struct nl_cb *cb;

	if (argc > 1 && !strcmp(argv[1], "-d")) {
		dump = 1;
		argv++;
		argc--;
		if (argc > 2 && !strcmp(argv[1], "-x")) {
			ds.midway = argv[2];
			argv += 2;
			argc -= 2;
		}
	}
	if (argc < 2) {
		fprintf(stderr, "usage: nlsend [-d] CMD [ATTR=VALUE]...\n");
		return 2;
	}
	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk))
		return 1;
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one,
		   sizeof(one));
	family = genl_ctrl_resolve(sk, SEGFILTER_GENL_NAME);
	if (family < 0) {
		printf("error: family not found\n");
		return 1;
	}
	cmd = lookup(argv[1], cmds, ARRAY_SIZE(cmds));
	msg = nlmsg_alloc();
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
		    dump ? NLM_F_DUMP : NLM_F_ACK, cmd, SEGFILTER_GENL_VERSION);
	for (i = 2; i < argc; i++)
		if (put_attr(msg, argv[i]) < 0)
			return 2;
	if (depth) {
		fprintf(stderr, "nlsend: a nest is not closed (\"}\")\n");
		return 2;
	}

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &result);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &result);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_ack, &result);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &ds);
	if (nl_send_auto(sk, msg) < 0)
		return 1;
	while (result == 1)
		if (nl_recvmsgs(sk, cb) < 0)
			break;
	if (!result && dump)
		printf("ok messages %u interrupted %s\n", ds.messages,
		       ds.interrupted ? "yes" : "no");
	else if (!result)
		printf("ok\n");
	nlmsg_free(msg);
	nl_cb_put(cb);
	nl_socket_free(sk);
	return result ? 1 : 0;
}
