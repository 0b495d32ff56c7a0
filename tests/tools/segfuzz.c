// SPDX-License-Identifier: GPL-2.0
/*
 * segfuzz: an adversary for the segfilter generic netlink family.
 *
 *   segfuzz fuzz [-s SEED] [-n COUNT] [-t SECONDS] [-i IFINDEX,...] [-v]
 *   segfuzz sweep [-v] FILE
 *
 * fuzz sends COUNT messages (or as many as fit in SECONDS) built from
 * templates of every command, with names and ids drawn from small pools
 * so that they create, find and delete real objects, and then mutated:
 * attributes dropped, duplicated, retyped, resized, given out-of-range
 * values or nested garbage; headers truncated or lying about their
 * length; several messages in one send; dumps read half way and then
 * abandoned; transactions opened and left, committed from the wrong
 * socket or with the wrong count; sockets closed under all of it.  The
 * first line it prints is the seed: the same seed on the same setup sends
 * the same messages.  It checks nothing by itself but that the kernel
 * keeps answering; the caller checks the kernel's log and that the
 * module still works and unloads.
 *
 * sweep runs each case of FILE with the n-th allocation (slab or page) of
 * the command under test failing (/proc/thread-self/fail-nth), for n = 1, 2,
 * ... until the command no longer hits the fault.  A case is a block of
 * lines, separated by blank lines:
 *
 *   + CMD ATTR=VALUE...     set up (must succeed)
 *   = CMD ATTR=VALUE...     the command under test (must succeed unfaulted)
 *   - CMD ATTR=VALUE...     tear down (may fail: there may be nothing left)
 *
 * in the syntax of nlsend; a value "$NAME" (u32:$NAME, str:$NAME) takes
 * the environment variable NAME, and $txn the TXN_ID of the last
 * txn_begin.  After each faulted run the state (every dump, sorted) must
 * be what it was before the command if the command failed, what the
 * unfaulted run left if it succeeded, and one of the two if the kernel
 * could not even answer; after each teardown, what it was before the
 * setup.  The caller's failslab and fail_page_alloc must not ignore
 * sleeping allocations.
 *
 * Exit status: 0, 1 if a check failed, 2 on a usage or setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "segf_names.h"

#define MSG_MAX		16384
#define RECV_MAX	65536
#define MAX_TOKENS	48
#define TOKEN_DATA	512
#define MAX_DEPTH	8

static bool verbose;

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "segfuzz: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(2);
}

/* --- Random numbers: xorshift64*, reproducible from the seed --- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* A number in [0, n). */
static unsigned int below(unsigned int n)
{
	return n ? (unsigned int)(rnd() % n) : 0;
}

/* True with probability pct percent. */
static bool chance(unsigned int pct)
{
	return below(100) < pct;
}

/* --- Netlink sockets --- */

struct nl {
	int fd;
	uint32_t seq;
};

static uint16_t family;

static int nl_open(struct nl *nl)
{
	int one = 1, rcvbuf = 1 << 20;

	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0)
		return -errno;
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	nl->seq = 1;
	return 0;
}

static void nl_close(struct nl *nl)
{
	close(nl->fd);
	nl->fd = -1;
}

static int nl_send(struct nl *nl, const void *buf, size_t len)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	if (sendto(nl->fd, buf, len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		return -errno;
	return 0;
}

/* --- Building messages --- */

struct msg {
	unsigned char b[MSG_MAX];
	size_t len;
	size_t nest[MAX_DEPTH];
	int depth;
};

static void msg_init(struct msg *m, uint16_t type, uint16_t flags,
		     uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->b;
	struct genlmsghdr *g = (struct genlmsghdr *)(nlh + 1);

	memset(m->b, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	g->cmd = cmd;
	g->version = version;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
	m->depth = 0;
}

/* Appends an attribute; false (and nothing appended) if it does not fit. */
static bool msg_put(struct msg *m, uint16_t type, const void *data,
		    size_t len)
{
	struct nlattr *a = (struct nlattr *)(m->b + m->len);
	size_t room = NLA_ALIGN(NLA_HDRLEN + len);

	if (m->len + room > sizeof(m->b) || NLA_HDRLEN + len > 0xffff)
		return false;
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy(a + 1, data, len);
	memset((char *)(a + 1) + len, 0, room - NLA_HDRLEN - len);
	m->len += room;
	return true;
}

static bool msg_nest_start(struct msg *m, uint16_t type)
{
	if (m->depth == MAX_DEPTH || !msg_put(m, type | NLA_F_NESTED, NULL, 0))
		return false;
	m->nest[m->depth++] = m->len - NLA_HDRLEN;
	return true;
}

static void msg_nest_end(struct msg *m)
{
	struct nlattr *a = (struct nlattr *)(m->b + m->nest[--m->depth]);

	a->nla_len = m->len - m->nest[m->depth];
}

static void msg_finish(struct msg *m, uint32_t seq)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->b;

	while (m->depth)
		msg_nest_end(m);
	nlh->nlmsg_len = m->len;
	nlh->nlmsg_seq = seq;
}

/* --- Requests as token lists (nlsend's syntax), to mutate and send --- */

struct token {
	int depth;		/* 0: top level */
	uint16_t type;		/* with NLA_F_NESTED for a nest */
	uint16_t len;
	unsigned char data[TOKEN_DATA];
};

struct request {
	uint8_t cmd;
	uint16_t flags;
	int n;
	struct token t[MAX_TOKENS];
};

static uint32_t last_txn;


/* "$NAME": the environment's NAME, or $txn; else the text itself. */
static const char *expand(const char *v, char *tmp, size_t size)
{
	const char *e;

	if (*v != '$')
		return v;
	if (!strcmp(v, "$txn")) {
		snprintf(tmp, size, "%u", last_txn);
		return tmp;
	}
	e = getenv(v + 1);
	if (!e)
		die("%s is not set", v);
	return e;
}

static void put_uint(struct token *t, unsigned long long v, int size)
{
	uint8_t u8 = v;
	uint16_t u16 = v;
	uint32_t u32 = v;

	t->len = size;
	memcpy(t->data, size == 1 ? (void *)&u8 : size == 2 ? (void *)&u16 :
	       (void *)&u32, size);
}

/* Parse one line of nlsend's syntax into @r; false on a syntax error. */
static bool parse_request(struct request *r, char *line)
{
	const struct names *stack[MAX_DEPTH + 1] = { &top_names };
	char *word, *save = NULL, tmp[32];
	int depth = 0, c;

	word = strtok_r(line, " \t\n", &save);
	if (!word)
		return false;
	c = segf_name_lookup(word, cmds, ARRAY_SIZE(cmds));
	if (c < 0 || c > 255)
		return false;
	memset(r, 0, offsetof(struct request, t));
	r->cmd = c;
	r->flags = NLM_F_ACK;
	while ((word = strtok_r(NULL, " \t\n", &save))) {
		struct token *t = &r->t[r->n];
		char *eq = strchr(word, '='), *val;
		int type;

		if (!strcmp(word, "}")) {
			if (!depth)
				return false;
			depth--;
			continue;
		}
		if (!eq || r->n == MAX_TOKENS)
			return false;
		*eq = 0;
		val = eq + 1;
		type = segf_name_lookup(word, stack[depth]->name,
					stack[depth]->n);
		if (type < 0)
			return false;
		t->depth = depth;
		t->type = type;
		t->len = 0;
		r->n++;
		if (!strcmp(val, "{")) {
			if (depth == MAX_DEPTH - 1)
				return false;
			t->type |= NLA_F_NESTED;
			stack[depth + 1] = nest_names(stack[depth], type);
			depth++;
		} else if (!strncmp(val, "u8:", 3)) {
			put_uint(t, strtoull(expand(val + 3, tmp, sizeof(tmp)),
					     NULL, 0), 1);
		} else if (!strncmp(val, "u16:", 4)) {
			put_uint(t, strtoull(expand(val + 4, tmp, sizeof(tmp)),
					     NULL, 0), 2);
		} else if (!strncmp(val, "u32:", 4)) {
			put_uint(t, strtoull(expand(val + 4, tmp, sizeof(tmp)),
					     NULL, 0), 4);
		} else if (!strncmp(val, "str:", 4)) {
			const char *s = expand(val + 4, tmp, sizeof(tmp));

			t->len = strlen(s) + 1;
			if (t->len > TOKEN_DATA)
				return false;
			memcpy(t->data, s, t->len);
		} else if (!strncmp(val, "hex:", 4)) {
			const char *h = val + 4;

			while (h[0] && h[1] && t->len < TOKEN_DATA) {
				if (sscanf(h, "%2hhx", &t->data[t->len++]) != 1)
					return false;
				h += 2;
			}
		} else if (*val) {
			return false;
		}
	}
	return depth == 0;
}

/* The number of tokens of the attribute at @i with its nested ones. */
static int subtree(const struct request *r, int i)
{
	int j = i + 1;

	while (j < r->n && r->t[j].depth > r->t[i].depth)
		j++;
	return j - i;
}

static void build(struct msg *m, const struct request *r, uint32_t seq)
{
	int i;

	msg_init(m, family, r->flags, r->cmd, SEGFILTER_GENL_VERSION);
	for (i = 0; i < r->n; i++) {
		const struct token *t = &r->t[i];

		while (m->depth > t->depth)
			msg_nest_end(m);
		if (t->type & NLA_F_NESTED && !t->len)
			msg_nest_start(m, t->type & ~NLA_F_NESTED);
		else
			msg_put(m, t->type, t->data, t->len);
	}
	msg_finish(m, seq);
}

/* --- Answers --- */

/* What one request got back. */
struct answer {
	int error;		/* 0, -errno from the ack, or 1: no answer */
	bool send_failed;
	unsigned int messages;	/* replies and dump parts */
	char extack[128];
};

/* A dump's messages, kept to compare states. */
struct record {
	size_t len;
	unsigned char *data;
};

struct snapshot {
	struct record *rec;
	size_t n, cap;
};

static void snap_add(struct snapshot *s, const void *data, size_t len)
{
	if (!s)
		return;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->rec = realloc(s->rec, s->cap * sizeof(*s->rec));
		if (!s->rec)
			die("%s", "out of memory");
	}
	s->rec[s->n].data = malloc(len);
	if (!s->rec[s->n].data)
		die("%s", "out of memory");
	memcpy(s->rec[s->n].data, data, len);
	s->rec[s->n++].len = len;
}

static void snap_free(struct snapshot *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->rec[i].data);
	free(s->rec);
	memset(s, 0, sizeof(*s));
}

/* Remember a reply's TXN_ID, for $txn and for the fuzzer's commits. */
static void note_txn(const struct nlmsghdr *nlh)
{
	const struct nlattr *a;
	int len;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return;
	a = (const struct nlattr *)((const char *)NLMSG_DATA(nlh) +
				    GENL_HDRLEN);
	len = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	while (len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= len) {
		if ((a->nla_type & NLA_TYPE_MASK) == SEGFILTER_A_TXN_ID &&
		    a->nla_len == NLA_HDRLEN + 4)
			memcpy(&last_txn, a + 1, 4);
		len -= NLA_ALIGN(a->nla_len);
		a = (const struct nlattr *)((const char *)a +
					    NLA_ALIGN(a->nla_len));
	}
}

static void note_extack(struct answer *ans, const struct nlmsghdr *nlh)
{
	size_t off = NLMSG_HDRLEN + sizeof(struct nlmsgerr);
	const struct nlattr *a = (const void *)((const char *)nlh + off);
	int len = (int)nlh->nlmsg_len - (int)off;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	while (len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= len) {
		if (a->nla_type == NLMSGERR_ATTR_MSG)
			snprintf(ans->extack, sizeof(ans->extack), "%.*s",
				 (int)(a->nla_len - NLA_HDRLEN),
				 (const char *)(a + 1));
		len -= NLA_ALIGN(a->nla_len);
		a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
}

/*
 * Read the answers to request @seq: until its ack or error, its dump's
 * end, or @max_parts dump parts (0: no limit), waiting at most
 * @timeout_ms for each read.  Replies' payloads go to @snap if given.
 */
static void nl_answer(struct nl *nl, uint32_t seq, struct answer *ans,
		      unsigned int max_parts, int timeout_ms,
		      struct snapshot *snap)
{
	static unsigned char buf[RECV_MAX];
	struct pollfd p = { .fd = nl->fd, .events = POLLIN };

	ans->error = 1;
	ans->messages = 0;
	ans->extack[0] = 0;
	for (;;) {
		struct nlmsghdr *nlh;
		ssize_t n;
		int len;

		if (poll(&p, 1, timeout_ms) <= 0)
			return;
		n = recv(nl->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			ans->error = -errno;	/* ENOBUFS: an answer lost */
			return;
		}
		len = n;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_seq != seq)
				continue;	/* left from an earlier request */
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nlh);

				ans->error = e->error;
				note_extack(ans, nlh);
				return;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				ans->error = 0;
				if (nlh->nlmsg_len >= NLMSG_HDRLEN + 4)
					memcpy(&ans->error, NLMSG_DATA(nlh), 4);
				return;
			}
			ans->messages++;
			note_txn(nlh);
			snap_add(snap, (char *)nlh + NLMSG_HDRLEN,
				 nlh->nlmsg_len - NLMSG_HDRLEN);
			if (!(nlh->nlmsg_flags & NLM_F_MULTI))
				ans->error = 0;	/* a reply; the ack follows */
			if (max_parts && ans->messages >= max_parts)
				return;
		}
	}
}

/* Send @r and wait for its answer. */
static void request(struct nl *nl, const struct request *r,
		    struct answer *ans, struct snapshot *snap)
{
	static struct msg m;
	uint32_t seq = nl->seq++;
	int err;

	build(&m, r, seq);
	err = nl_send(nl, m.b, m.len);
	if (err) {
		ans->send_failed = true;
		ans->error = err;
		ans->messages = 0;
		return;
	}
	ans->send_failed = false;
	nl_answer(nl, seq, ans, 0, 5000, snap);
}

/* The genetlink family's id, by the controller. */
static int resolve_family(struct nl *nl)
{
	static struct msg m;
	static unsigned char buf[RECV_MAX];
	struct pollfd p = { .fd = nl->fd, .events = POLLIN };
	struct nlmsghdr *nlh;
	int len;

	msg_init(&m, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, 1);
	msg_put(&m, CTRL_ATTR_FAMILY_NAME, SEGFILTER_GENL_NAME,
		sizeof(SEGFILTER_GENL_NAME));
	msg_finish(&m, 0);
	if (nl_send(nl, m.b, m.len) || poll(&p, 1, 5000) <= 0)
		return -1;
	len = recv(nl->fd, buf, sizeof(buf), 0);
	for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len);
	     nlh = NLMSG_NEXT(nlh, len)) {
		struct nlattr *a;
		int alen;

		if (nlh->nlmsg_type != GENL_ID_CTRL)
			continue;
		a = (struct nlattr *)((char *)NLMSG_DATA(nlh) + GENL_HDRLEN);
		alen = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
		while (alen >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
		       a->nla_len <= alen) {
			if (a->nla_type == CTRL_ATTR_FAMILY_ID) {
				memcpy(&family, a + 1, 2);
				return 0;
			}
			alen -= NLA_ALIGN(a->nla_len);
			a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
		}
	}
	return -1;
}

/* ======================== fuzz ======================== */

/*
 * Templates: one or more per command, in nlsend's syntax.  A word
 * starting with @ is replaced by a value from its pool, chosen anew each
 * time.
 */
static const char *const templates[] = {
	"domain_new domain_id=u32:@did domain_name=str:@dom",
	"domain_new domain_id=u32:@did domain_name=str:@dom default_action=u8:@act flow_limit=u32:@num",
	"domain_new domain_id=u32:@did domain_name=str:@dom vni=u32:@vni gw_mac=hex:@mac gw_addrs={ ipv4=hex:@ip4 ipv6=hex:@ip6 }",
	"domain_set domain_name=str:@dom default_action=u8:@act",
	"domain_set domain_id=u32:@did flow_limit=u32:@num",
	"domain_set domain_name=str:@dom gw_mac=hex:@mac gw_addrs={ ipv4=hex:@ip4 }",
	"domain_del domain_name=str:@dom",
	"domain_del domain_id=u32:@did",
	"domain_get domain_name=str:@dom",
	"group_new domain_name=str:@dom group_id=u16:@gid group_name=str:@grp",
	"group_new domain_id=u32:@did group_id=u16:@gid group_name=str:@grp",
	"group_del domain_name=str:@dom group_name=str:@grp",
	"group_del domain_name=str:@dom group_id=u16:@gid",
	"group_get domain_name=str:@dom group_name=str:@grp",
	"port_new ifindex=u32:@ifi domain_name=str:@dom",
	"port_new ifindex=u32:@ifi domain_name=str:@dom port_role=u8:@role",
	"port_new ifindex=u32:@ifi port_role=u8:3",
	"port_del ifindex=u32:@ifi",
	"port_get ifindex=u32:@ifi",
	"endpoint_new domain_name=str:@dom group_name=str:@grp ifindex=u32:@ifi mac=hex:@mac addrs={ ipv4=hex:@ip4 ipv6=hex:@ip6 }",
	"endpoint_new domain_id=u32:@did group_id=u16:@gid ifindex=u32:@ifi mac=hex:@mac",
	"endpoint_new domain_name=str:@dom group_name=str:@grp ifindex=u32:@ifi mac=hex:@mac remote={ ipv4=hex:@ip4 }",
	"endpoint_set domain_name=str:@dom mac=hex:@mac ifindex=u32:@ifi",
	"endpoint_set domain_name=str:@dom mac=hex:@mac ifindex=u32:@ifi remote={ ipv6=hex:@ip6 }",
	"endpoint_del domain_name=str:@dom mac=hex:@mac",
	"endpoint_get domain_name=str:@dom mac=hex:@mac",
	"rule_new domain_name=str:@dom src_group_name=str:@grp dst_group_name=str:@grp action=u8:@act",
	"rule_new domain_name=str:@dom rule_id=u32:@rid priority=u32:@num src_group_id=u16:@gid dst_group_id=u16:@gid proto=u8:@proto port_min=u16:@port port_max=u16:@port action=u8:@act rule_flags=u32:@flags",
	"rule_new domain_name=str:@dom rule_id=u32:@rid proto=u8:1 icmp_type=u8:@small action=u8:@act",
	"rule_new domain_name=str:@dom rule_id=u32:@rid src_group_name=str:@grp action=u8:3 chain_name=str:@chn",
	"rule_del domain_name=str:@dom rule_id=u32:@rid",
	"rule_get domain_name=str:@dom rule_id=u32:@rid",
	"service_new domain_name=str:@dom service_name=str:@svc service_mode=u8:@smode",
	"service_del domain_name=str:@dom service_name=str:@svc",
	"service_get domain_name=str:@dom service_name=str:@svc",
	"instance_new domain_name=str:@dom service_name=str:@svc instance_id=u32:@iid left={ ifindex=u32:@ifi } right={ ifindex=u32:@ifi }",
	"instance_new domain_name=str:@dom service_name=str:@svc instance_id=u32:@iid left={ ifindex=u32:@ifi mac=hex:@mac addrs={ ipv4=hex:@ip4 } } right={ ifindex=u32:@ifi mac=hex:@mac }",
	"instance_set domain_name=str:@dom service_name=str:@svc instance_id=u32:@iid instance_drain=u8:@bool",
	"instance_del domain_name=str:@dom service_name=str:@svc instance_id=u32:@iid",
	"instance_get domain_name=str:@dom service_name=str:@svc instance_id=u32:@iid",
	"chain_new domain_name=str:@dom chain_name=str:@chn chain_services={ service=str:@svc }",
	"chain_new domain_name=str:@dom chain_name=str:@chn fail_mode=u8:@fail chain_services={ service=str:@svc service=str:@svc }",
	"chain_del domain_name=str:@dom chain_name=str:@chn",
	"chain_get domain_name=str:@dom chain_name=str:@chn",
	"prefix_new domain_name=str:@dom group_name=str:@grp prefix={ ipv4=hex:@ip4 } prefix_len=u8:@small",
	"prefix_new domain_name=str:@dom group_id=u16:@gid prefix={ ipv6=hex:@ip6 } prefix_len=u8:128",
	"prefix_new domain_name=str:@dom group_name=str:@grp prefix={ ipv4=hex:0a000000 } prefix_len=u8:24",
	"prefix_del domain_name=str:@dom prefix={ ipv4=hex:@ip4 } prefix_len=u8:32",
	"prefix_del domain_name=str:@dom prefix={ ipv4=hex:0a000000 } prefix_len=u8:24",
	"prefix_get domain_name=str:@dom prefix={ ipv4=hex:@ip4 }",
	"prefix_get domain_name=str:@dom prefix={ ipv6=hex:@ip6 } prefix_len=u8:128",
	"trace ifindex=u32:@ifi tuple={ src_ipv4=hex:@ip4 dst_ipv4=hex:@ip4 proto=u8:@proto sport=u16:@port dport=u16:@port }",
	"trace ifindex=u32:@ifi tuple={ src_ipv6=hex:@ip6 dst_ipv6=hex:@ip6 proto=u8:58 icmp_type=u8:128 icmp_id=u16:@port }",
	"txn_begin",
	"txn_commit txn_id=u32:@txn txn_ops=u32:@small",
	"txn_commit txn_id=u32:@txn txn_ops=u32:@small txn_check=",
	"info_get",
	"txn_abort txn_id=u32:@txn",
};

/* The GET commands, for dumps, with an optional domain filter. */
static const uint8_t dumps[] = {
	SEGFILTER_CMD_DOMAIN_GET, SEGFILTER_CMD_GROUP_GET,
	SEGFILTER_CMD_PORT_GET, SEGFILTER_CMD_ENDPOINT_GET,
	SEGFILTER_CMD_RULE_GET, SEGFILTER_CMD_SERVICE_GET,
	SEGFILTER_CMD_INSTANCE_GET, SEGFILTER_CMD_CHAIN_GET,
	SEGFILTER_CMD_PREFIX_GET,
};

static uint32_t ifindexes[64];
static unsigned int n_ifindexes;

static const char *const domains[] = { "d1", "d2", "d3" };
static const char *const groups[] = { "g1", "g2", "g3", "g4" };
static const char *const services[] = { "s1", "s2" };
static const char *const chains[] = { "c1", "c2" };

/* Interesting numbers, for values of the right size and the wrong one. */
static const uint32_t edges[] = {
	0, 1, 2, 3, 4, 7, 8, 63, 64, 65, 127, 128, 255, 256, 4095, 4096,
	65535, 65536, 0xffffff, 0x1000000, 0x7fffffff, 0x80000000,
	0xfffffffe, 0xffffffff,
};

/* A value for pool @pool, as the text nlsend's syntax wants after "u32:". */
static void pool_value(const char *pool, char *out, size_t size)
{
	static const unsigned int protos[] = { 0, 1, 6, 17, 58 };
	static const unsigned int ports[] = { 9, 22, 80, 1000, 65535 };
	unsigned int i;

	if (!strcmp(pool, "dom"))
		snprintf(out, size, "%s", domains[below(3)]);
	else if (!strcmp(pool, "grp"))
		snprintf(out, size, "%s", groups[below(4)]);
	else if (!strcmp(pool, "svc"))
		snprintf(out, size, "%s", services[below(2)]);
	else if (!strcmp(pool, "chn"))
		snprintf(out, size, "%s", chains[below(2)]);
	else if (!strcmp(pool, "did"))
		snprintf(out, size, "%u", 1 + below(3));
	else if (!strcmp(pool, "gid"))
		snprintf(out, size, "%u", 1 + below(4));
	else if (!strcmp(pool, "rid"))
		snprintf(out, size, "%u", 1 + below(8));
	else if (!strcmp(pool, "iid"))
		snprintf(out, size, "%u", 1 + below(3));
	else if (!strcmp(pool, "act"))
		snprintf(out, size, "%u", 1 + below(2));
	else if (!strcmp(pool, "role"))
		snprintf(out, size, "%u", 1 + below(2));
	else if (!strcmp(pool, "smode") || !strcmp(pool, "fail"))
		snprintf(out, size, "%u", 1 + below(2));
	else if (!strcmp(pool, "bool"))
		snprintf(out, size, "%u", below(2));
	else if (!strcmp(pool, "proto"))
		snprintf(out, size, "%u", protos[below(ARRAY_SIZE(protos))]);
	else if (!strcmp(pool, "port"))
		snprintf(out, size, "%u", ports[below(ARRAY_SIZE(ports))]);
	else if (!strcmp(pool, "vni"))
		snprintf(out, size, "%u", 100 + below(3));
	else if (!strcmp(pool, "num"))
		snprintf(out, size, "%u", chance(50) ? below(1000) : edges[below(ARRAY_SIZE(edges))]);
	else if (!strcmp(pool, "small"))
		snprintf(out, size, "%u", below(4));
	else if (!strcmp(pool, "flags"))
		snprintf(out, size, "%u", below(2));
	else if (!strcmp(pool, "txn"))
		snprintf(out, size, "%u", chance(80) ? last_txn : below(4));
	else if (!strcmp(pool, "ifi"))
		snprintf(out, size, "%u", n_ifindexes && chance(90) ?
			 ifindexes[below(n_ifindexes)] : edges[below(8)]);
	else if (!strcmp(pool, "mac"))
		snprintf(out, size, "02000000%04x", 1 + below(6));
	else if (!strcmp(pool, "ip4"))
		snprintf(out, size, "0a0000%02x", 1 + below(6));
	else if (!strcmp(pool, "ip6"))
		snprintf(out, size, "fd00000000000000000000000000%04x",
			 1 + below(6));
	else
		for (i = 0; i + 1 < size; i++)	/* an unknown pool: noise */
			out[i] = i ? 0 : 'x';
}

/* A template with its pools filled in, ready for parse_request(). */
static void instantiate(const char *tmpl, char *out, size_t size)
{
	size_t o = 0;

	while (*tmpl && o + 64 < size) {
		if (*tmpl == '@') {
			char pool[16];
			size_t n = 0;

			tmpl++;
			while (((*tmpl >= 'a' && *tmpl <= 'z') ||
				(n && *tmpl >= '0' && *tmpl <= '9')) &&
			       n + 1 < sizeof(pool))
				pool[n++] = *tmpl++;
			pool[n] = 0;
			pool_value(pool, out + o, size - o);
			o += strlen(out + o);
		} else {
			out[o++] = *tmpl++;
		}
	}
	out[o] = 0;
}

/* Random bytes of a length that is often right and often not. */
static void random_payload(struct token *t)
{
	static const uint16_t lens[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 15, 16, 17, 31, 32, 33, 64, 255,
		TOKEN_DATA,
	};
	unsigned int i;

	t->len = lens[below(ARRAY_SIZE(lens))];
	for (i = 0; i < t->len; i++)
		t->data[i] = chance(50) ? 'a' + below(26) : rnd();
	if (t->len && chance(50))
		t->data[t->len - 1] = 0;
}

/* One structural mutation of @r. */
static void mutate(struct request *r)
{
	struct token *t;
	int i, k;

	if (!r->n) {
		if (r->n < MAX_TOKENS) {
			t = &r->t[r->n++];
			t->depth = 0;
			t->type = below(SEGFILTER_A_MAX + 4);
			random_payload(t);
		}
		return;
	}
	i = below(r->n);
	t = &r->t[i];
	switch (below(9)) {
	case 0:		/* drop an attribute and what it holds */
		k = subtree(r, i);
		memmove(&r->t[i], &r->t[i + k], (r->n - i - k) * sizeof(*t));
		r->n -= k;
		break;
	case 1:		/* say it twice */
		k = subtree(r, i);
		if (r->n + k > MAX_TOKENS)
			break;
		memmove(&r->t[i + k], &r->t[i], (r->n - i) * sizeof(*t));
		r->n += k;
		break;
	case 2:		/* a value at an edge, in its own size */
		if (t->type & NLA_F_NESTED)
			break;
		if (t->len == 1 || t->len == 2 || t->len == 4)
			put_uint(t, edges[below(ARRAY_SIZE(edges))], t->len);
		else
			random_payload(t);
		break;
	case 3:		/* the wrong size */
		if (!(t->type & NLA_F_NESTED))
			random_payload(t);
		break;
	case 4:		/* another type, maybe one the kernel does not know */
		t->type = (t->type & NLA_F_NESTED) | below(SEGFILTER_A_MAX + 4);
		break;
	case 5:		/* nested or not, whatever it is */
		t->type ^= NLA_F_NESTED;
		if (t->type & NLA_F_NESTED)
			t->len = 0;
		break;
	case 6:		/* a string without its end, or a very long one */
		if (t->type & NLA_F_NESTED)
			break;
		if (chance(50)) {
			memset(t->data, 'n', TOKEN_DATA);
			t->len = chance(50) ? TOKEN_DATA : 32 + below(8);
		} else if (t->len) {
			t->data[t->len - 1] = 'z';
		}
		break;
	case 7:		/* a stranger, anywhere */
		if (r->n == MAX_TOKENS)
			break;
		memmove(&r->t[i + 1], &r->t[i], (r->n - i) * sizeof(*t));
		r->n++;
		t->depth = below(2) && i ? r->t[i - 1].depth : 0;
		t->type = below(SEGFILTER_A_MAX + 4);
		random_payload(t);
		break;
	case 8:		/* garbage inside a nest */
		if (!(t->type & NLA_F_NESTED) || r->n + 2 > MAX_TOKENS ||
		    t->depth + 1 >= MAX_DEPTH)
			break;
		memmove(&r->t[i + 2], &r->t[i + 1],
			(r->n - i - 1) * sizeof(*t));
		r->n++;
		r->t[i + 1].depth = t->depth + 1;
		r->t[i + 1].type = below(12) | (chance(20) ? NLA_F_NESTED : 0);
		random_payload(&r->t[i + 1]);
		if (r->t[i + 1].type & NLA_F_NESTED)
			r->t[i + 1].len = 0;
		break;
	}
}

/* Byte-level damage to a built message. */
static void damage(struct msg *m)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->b;
	struct genlmsghdr *g = (struct genlmsghdr *)(nlh + 1);
	unsigned int i, n;

	switch (below(6)) {
	case 0:		/* flip bytes after the headers */
		n = 1 + below(4);
		for (i = 0; i < n && m->len > NLMSG_HDRLEN + GENL_HDRLEN; i++)
			m->b[NLMSG_HDRLEN + GENL_HDRLEN +
			     below(m->len - NLMSG_HDRLEN - GENL_HDRLEN)] ^=
				1 << below(8);
		break;
	case 1:		/* cut short, and say so */
		m->len = below(m->len + 1);
		if (m->len >= sizeof(nlh->nlmsg_len))
			nlh->nlmsg_len = m->len;
		break;
	case 2:		/* cut short, and do not say so */
		m->len = below(m->len + 1);
		break;
	case 3:		/* claim more than there is */
		nlh->nlmsg_len += 1 + below(64);
		break;
	case 4:		/* the wrong command or version */
		if (chance(50))
			g->cmd = below(SEGFILTER_CMD_MAX + 4);
		else
			g->version = below(4);
		break;
	case 5:		/* flags nobody sends */
		nlh->nlmsg_flags = NLM_F_REQUEST | (rnd() & 0x0f3c) |
				   (chance(50) ? NLM_F_ACK : 0);
		break;
	}
}

struct fuzz_stats {
	unsigned long long sent, send_errors, acked, replies, no_answer, silent;
	unsigned long long dumps, dumps_cut, reopened, batches;
	unsigned long long errors[256];
};

static void count_answer(struct fuzz_stats *st, const struct answer *ans)
{
	st->replies += ans->messages;
	if (ans->send_failed)
		st->send_errors++;
	else if (ans->error == 1)
		st->no_answer++;
	else if (!ans->error)
		st->acked++;
	else if (-ans->error < 256)
		st->errors[-ans->error]++;
}

#define N_SOCKS	3

static void fuzz_one(struct nl *socks, struct fuzz_stats *st)
{
	static struct request r;
	static struct msg m, batch;
	char line[4096];
	struct nl *nl = &socks[below(N_SOCKS)];
	struct answer ans;
	unsigned int i, n, what = below(100);
	uint32_t seq;

	if (what < 3) {			/* close a socket: its txns go */
		nl_close(nl);
		if (nl_open(nl))
			die("%s", "cannot reopen a socket");
		st->reopened++;
		return;
	}
	if (what < 15) {		/* a dump, maybe abandoned */
		memset(&r, 0, sizeof(r));
		r.cmd = dumps[below(ARRAY_SIZE(dumps))];
		r.flags = NLM_F_DUMP | (chance(50) ? NLM_F_ACK : 0);
		if (chance(30)) {
			r.n = 1;
			r.t[0].type = SEGFILTER_A_DOMAIN_NAME;
			r.t[0].len = 3;
			memcpy(r.t[0].data, domains[below(3)], 3);
		}
		if (chance(10))
			mutate(&r);
		seq = nl->seq++;
		build(&m, &r, seq);
		st->sent++;
		st->dumps++;
		if (nl_send(nl, m.b, m.len)) {
			st->send_errors++;
			return;
		}
		n = chance(40) ? 1 + below(3) : 0;
		nl_answer(nl, seq, &ans, n, 2000, NULL);
		st->replies += ans.messages;
		if (n && ans.error == 1) {
			st->dumps_cut++;
			if (chance(50)) {	/* and the socket with it */
				nl_close(nl);
				if (nl_open(nl))
					die("%s", "cannot reopen a socket");
				st->reopened++;
			}
		}
		return;
	}

	instantiate(templates[below(ARRAY_SIZE(templates))], line,
		    sizeof(line));
	if (!parse_request(&r, line))
		die("template does not parse: %s", line);
	/* Stage it in the last transaction now and then. */
	if (r.cmd != SEGFILTER_CMD_TXN_BEGIN && chance(10) &&
	    r.n < MAX_TOKENS) {
		r.t[r.n].depth = 0;
		r.t[r.n].type = SEGFILTER_A_TXN_ID;
		put_uint(&r.t[r.n], last_txn, 4);
		r.n++;
	}
	if (what >= 55) {		/* 45%: mutated */
		n = 1 + below(3);
		for (i = 0; i < n; i++)
			mutate(&r);
	}
	if (chance(5))
		r.flags = chance(50) ? 0 : NLM_F_ACK | NLM_F_DUMP;
	seq = nl->seq++;
	build(&m, &r, seq);
	if (what >= 90)			/* 10%: broken bytes too */
		damage(&m);
	if (chance(5) && m.len) {	/* several in one send */
		batch.len = 0;
		n = 2 + below(3);
		for (i = 0; i < n && batch.len + NLMSG_ALIGN(m.len) <=
		     sizeof(batch.b); i++) {
			memcpy(batch.b + batch.len, m.b, m.len);
			((struct nlmsghdr *)(batch.b + batch.len))->nlmsg_seq =
				seq;
			batch.len += NLMSG_ALIGN(m.len);
		}
		st->batches++;
		st->sent += i;
		if (nl_send(nl, batch.b, batch.len))
			st->send_errors++;
		nl_answer(nl, seq, &ans, 0, 100, NULL);
		return;
	}
	if (verbose) {
		printf("send %u:", seq);
		for (i = 0; i < m.len; i++)
			printf("%02x", m.b[i]);
		printf("\n");
	}
	st->sent++;
	if (nl_send(nl, m.b, m.len)) {
		st->send_errors++;
		return;
	}
	/*
	 * A well-formed request that asks for an ack must get an answer:
	 * the kernel handles it before sendmsg() returns.  Requests without
	 * an ack, and broken ones, may get none.
	 */
	if ((r.flags & NLM_F_ACK) && what < 90) {
		nl_answer(nl, seq, &ans, 0, 2000, NULL);
		ans.send_failed = false;
		count_answer(st, &ans);
	} else {
		nl_answer(nl, seq, &ans, 0, 0, NULL);
		st->replies += ans.messages;
		st->silent += ans.error == 1;
	}
}

static int cmd_fuzz(int argc, char **argv)
{
	unsigned long long count = 0, i, seed = 0;
	struct nl socks[N_SOCKS];
	struct fuzz_stats st = { 0 };
	double secs = 0, start;
	struct timespec ts;
	int opt, e;

	while ((opt = getopt(argc, argv, "s:n:t:i:v")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			count = strtoull(optarg, NULL, 0);
			break;
		case 't':
			secs = strtod(optarg, NULL);
			break;
		case 'i': {
			char *s = optarg, *end;

			while (*s && n_ifindexes < ARRAY_SIZE(ifindexes)) {
				ifindexes[n_ifindexes++] = strtoul(s, &end, 0);
				s = *end ? end + 1 : end;
			}
			break;
		}
		case 'v':
			verbose = true;
			break;
		default:
			return 2;
		}
	}
	if (!count && !secs)
		count = 10000;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	start = ts.tv_sec + ts.tv_nsec / 1e9;
	if (!seed)
		seed = (uint64_t)ts.tv_nsec * 2654435761u ^ getpid();
	rng_state = seed ? seed : 1;
	printf("segfuzz: seed %llu\n", seed);
	fflush(stdout);

	for (e = 0; e < N_SOCKS; e++)
		if (nl_open(&socks[e]))
			die("%s", "cannot open a netlink socket");
	if (resolve_family(&socks[0]))
		die("%s", "the segfilter family is not there");

	for (i = 0; !count || st.sent < count; i++) {
		fuzz_one(socks, &st);
		if (i % 256 == 0) {
			double now;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			now = ts.tv_sec + ts.tv_nsec / 1e9;
			if (secs && now - start >= secs)
				break;
			if (i % 65536 == 0 && i) {
				printf("segfuzz: %llu messages, %.0f s\n",
				       st.sent, now - start);
				fflush(stdout);
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("segfuzz: seed %llu: %llu messages in %.1f s (%llu dumps, %llu cut short, %llu batches, %llu sockets reopened)\n",
	       seed, st.sent, ts.tv_sec + ts.tv_nsec / 1e9 - start, st.dumps,
	       st.dumps_cut, st.batches, st.reopened);
	printf("segfuzz: answers: %llu ok, %llu replies, %llu unanswered, %llu send errors, %llu without ack or broken and silent\n",
	       st.acked, st.replies, st.no_answer, st.send_errors, st.silent);
	printf("segfuzz: refused:");
	for (e = 1; e < 256; e++)
		if (st.errors[e])
			printf(" %s %llu", strerrorname_np(e) ?: "?",
			       st.errors[e]);
	printf("\n");
	for (e = 0; e < N_SOCKS; e++)
		nl_close(&socks[e]);
	return 0;
}

/* ======================== sweep ======================== */

static int cmp_record(const void *a, const void *b)
{
	const struct record *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->data, y->data, n);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Every dump, each sorted: the configuration, whatever order it is in. */
static void snapshot(struct nl *nl, struct snapshot *s)
{
	static struct request r;
	struct answer ans;
	size_t i, from;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < ARRAY_SIZE(dumps); i++) {
		memset(&r, 0, sizeof(r));
		r.cmd = dumps[i];
		r.flags = NLM_F_DUMP;
		from = s->n;
		request(nl, &r, &ans, s);
		if (ans.error)
			die("%s", "a dump failed while taking a snapshot");
		qsort(s->rec + from, s->n - from, sizeof(*s->rec), cmp_record);
		snap_add(s, "--", 2);	/* between dumps */
	}
}

static bool snap_equal(const struct snapshot *a, const struct snapshot *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (cmp_record(&a->rec[i], &b->rec[i]))
			return false;
	return true;
}

#define MAX_LINES	16

struct sweep_case {
	int line;			/* where it starts in the file */
	char *setup[MAX_LINES], *test, *teardown[MAX_LINES];
	int n_setup, n_teardown;
};

static int fail_nth_fd = -1;

static void set_fail_nth(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(fail_nth_fd, buf, len, 0) != len)
		die("%s", "cannot write /proc/thread-self/fail-nth");
}

static unsigned int get_fail_nth(void)
{
	char buf[16] = "";

	if (pread(fail_nth_fd, buf, sizeof(buf) - 1, 0) <= 0)
		die("%s", "cannot read /proc/thread-self/fail-nth");
	return strtoul(buf, NULL, 10);
}

/* Run one line (a copy: parsing cuts it up); false if it failed. */
static bool run_line(struct nl *nl, const char *line, struct answer *ans)
{
	static struct request r;
	char copy[4096];

	snprintf(copy, sizeof(copy), "%s", line);
	if (!parse_request(&r, copy))
		die("cannot parse: %s", line);
	request(nl, &r, ans, NULL);
	return ans->error == 0;
}

/* Set-up lines must succeed; teardown lines may fail (after a DEL). */
static bool run_lines(struct nl *nl, char *const *lines, int n,
		      const char *what, const struct sweep_case *c)
{
	struct answer ans;
	int i;

	for (i = 0; i < n; i++) {
		if (!run_line(nl, lines[i], &ans) && !strcmp(what, "setup")) {
			printf("FAIL: case at line %d: %s failed (%d %s): %s\n",
			       c->line, what, ans.error, ans.extack, lines[i]);
			return false;
		}
	}
	return true;
}

static bool sweep_case(struct nl *nl, const struct sweep_case *c)
{
	struct snapshot base, before, after, now;
	static struct request r;
	unsigned int n, left, faults = 0;
	char copy[4096];
	struct answer ans;
	bool ok = false;
	uint32_t seq;

	snapshot(nl, &base);
	if (!run_lines(nl, c->setup, c->n_setup, "setup", c))
		return false;
	snapshot(nl, &before);
	if (!run_line(nl, c->test, &ans)) {
		printf("FAIL: case at line %d: fails unfaulted (%d %s): %s\n",
		       c->line, ans.error, ans.extack, c->test);
		return false;
	}
	snapshot(nl, &after);
	if (!run_lines(nl, c->teardown, c->n_teardown, "teardown", c))
		return false;

	for (n = 1; n < 2000; n++) {
		static struct msg m;

		if (!run_lines(nl, c->setup, c->n_setup, "setup", c))
			goto out;
		snprintf(copy, sizeof(copy), "%s", c->test);
		if (!parse_request(&r, copy))
			die("cannot parse: %s", c->test);
		seq = nl->seq++;
		build(&m, &r, seq);
		/* Nothing between arming and sending, nor after. */
		set_fail_nth(n);
		ans.error = nl_send(nl, m.b, m.len);
		left = get_fail_nth();
		set_fail_nth(0);
		ans.send_failed = ans.error != 0;
		if (!ans.send_failed)
			nl_answer(nl, seq, &ans, 0, 5000, NULL);
		snapshot(nl, &now);
		if (left) {		/* the fault was never reached */
			if (ans.error || !snap_equal(&now, &after)) {
				printf("FAIL: case at line %d: unfaulted run differs (%d %s)\n",
				       c->line, ans.error, ans.extack);
				goto out_now;
			}
			ok = true;
		} else {
			bool same = snap_equal(&now, &before);
			bool done = snap_equal(&now, &after);

			faults++;
			if (verbose)
				printf("  n=%u: %d %s\n", n, ans.error,
				       ans.extack);
			if ((ans.error < 0 && !ans.send_failed &&
			     ans.error != -ENOBUFS && !same) ||
			    (ans.send_failed && !same) ||
			    (ans.error == 0 && !done) ||
			    ((ans.error == 1 || ans.error == -ENOBUFS) &&
			     !same && !done)) {
				printf("FAIL: case at line %d: allocation %u failed, the command answered %d (%s), and the state is %s\n",
				       c->line, n, ans.error, ans.extack,
				       done ? "the command's" : "neither before's nor after's");
				goto out_now;
			}
		}
		snap_free(&now);
		if (!run_lines(nl, c->teardown, c->n_teardown, "teardown", c))
			goto out;
		snapshot(nl, &now);
		if (!snap_equal(&now, &base)) {
			printf("FAIL: case at line %d: teardown after allocation %u failed leaves state behind\n",
			       c->line, n);
			goto out_now;
		}
		snap_free(&now);
		if (ok)
			break;
	}
	if (ok)
		printf("ok: line %d: %.*s: %u allocations failed in turn, state whole after each\n",
		       c->line, (int)strcspn(c->test, " "), c->test, faults);
	else
		printf("FAIL: case at line %d: still hitting faults after %u\n",
		       c->line, n);
	goto out;
out_now:
	snap_free(&now);
	ok = false;
out:
	snap_free(&base);
	snap_free(&before);
	snap_free(&after);
	return ok;
}

static int cmd_sweep(int argc, char **argv)
{
	static char text[1 << 16];
	struct sweep_case cases[64], *c = NULL;
	int n_cases = 0, i, failed = 0, opt, lineno = 0;
	char *line, *save = NULL;
	struct nl nl;
	FILE *f;
	size_t len;

	while ((opt = getopt(argc, argv, "v")) != -1) {
		if (opt != 'v')
			return 2;
		verbose = true;
	}
	if (optind != argc - 1)
		die("%s", "usage: segfuzz sweep [-v] FILE");
	f = fopen(argv[optind], "r");
	if (!f)
		die("cannot open %s", argv[optind]);
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = 0;

	/* Keep empty lines: they end cases. */
	for (line = text; line && *line; line = save) {
		save = strchr(line, '\n');
		if (save)
			*save++ = 0;
		lineno++;
		if (!*line) {
			c = NULL;
			continue;
		}
		if (*line == '#')
			continue;
		if (!c) {
			if (n_cases == ARRAY_SIZE(cases))
				die("%s", "too many cases");
			c = &cases[n_cases++];
			memset(c, 0, sizeof(*c));
			c->line = lineno;
		}
		if (line[1] != ' ')
			die("bad line: %s", line);
		switch (line[0]) {
		case '+':
			if (c->n_setup == MAX_LINES)
				die("%s", "too many setup lines");
			c->setup[c->n_setup++] = line + 2;
			break;
		case '=':
			c->test = line + 2;
			break;
		case '-':
			if (c->n_teardown == MAX_LINES)
				die("%s", "too many teardown lines");
			c->teardown[c->n_teardown++] = line + 2;
			break;
		default:
			die("bad line: %s", line);
		}
	}

	fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (fail_nth_fd < 0)
		die("%s", "no /proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION?)");
	if (nl_open(&nl) || resolve_family(&nl))
		die("%s", "the segfilter family is not there");
	for (i = 0; i < n_cases; i++) {
		if (!cases[i].test)
			die("%s", "a case without a command under test (=)");
		if (!sweep_case(&nl, &cases[i]))
			failed++;
		fflush(stdout);
	}
	printf("segfuzz: sweep: %d cases, %d failed\n", n_cases, failed);
	nl_close(&nl);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "fuzz"))
		return cmd_fuzz(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "sweep"))
		return cmd_sweep(argc - 1, argv + 1);
	fprintf(stderr,
		"usage: segfuzz fuzz [-s SEED] [-n COUNT] [-t SECONDS] [-i IFINDEX,...] [-v]\n"
		"       segfuzz sweep [-v] FILE\n");
	return 2;
}
