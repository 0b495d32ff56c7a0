// SPDX-License-Identifier: GPL-2.0
/*
 * segctl: the netlink plumbing.  libnl builds and sends the messages;
 * the answers are read here directly, so that acks, dump ends, the
 * kernel's extended ack (error message) and interrupted dumps are all
 * handled in one place.
 */
#define _GNU_SOURCE		/* strerrorname_np(), ppoll() */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "nl.h"
#include "nl_gen.h"
#include "segctl.h"

/* How often a dump interrupted by a concurrent change is tried. */
#define DUMP_TRIES	5

static struct nl_sock *sock;
static int family;
static bool msg_overflow;	/* an attribute did not fit in the request */

/* A queued request of a batch: where it is in batch.buf, and its line. */
struct batch_op {
	size_t offset;
	unsigned int line;
};

/*
 * Batch mode.  The requests are queued back to back in buf, as they were
 * built: without TXN_ID, and with no family id yet (the socket is only
 * opened once the whole file is known to be good).  Once sent, request
 * i has the sequence number first_seq + i.
 */
static struct {
	bool active;		/* sfnl_request() queues */
	const char *file;
	unsigned int line;	/* being read */
	unsigned char *buf;
	size_t len, size;
	struct batch_op *ops;
	unsigned int count, alloc;
	uint32_t first_seq;
	unsigned int refused;	/* commands the kernel refused */
	bool lost;		/* answers were lost (receive buffer full) */
} batch;

/* segctl -c: the commit only checks (TXN_CHECK); kept across batches. */
static bool batch_check;

/*
 * How to get the module loaded: modprobe, and, where DKMS builds it (the
 * segfilter-dkms package), whether it did for the running kernel.
 */
void sfnl_print_load_hint(void)
{
	struct utsname u;

	fputs("segctl: load it with \"modprobe segfilter\"", stderr);
	if (!access("/usr/sbin/dkms", X_OK) && !uname(&u))
		fprintf(stderr,
			"; \"dkms status segfilter -k %s\" tells whether DKMS built it for this kernel",
			u.release);
	fputs("\n", stderr);
}

/* sfnl_open(), but when the family is missing, 2 and no message. */
static int open_family(bool quiet_missing)
{
	int one = 1;
	int fd, ret;

	sock = nl_socket_alloc();
	if (!sock) {
		fputs("segctl: out of memory\n", stderr);
		return 1;
	}
	ret = genl_connect(sock);
	if (ret < 0) {
		fprintf(stderr,
			"segctl: cannot open a generic netlink socket: %s\n",
			nl_geterror(ret));
		goto fail;
	}
	family = genl_ctrl_resolve(sock, SEGFILTER_GENL_NAME);
	if (family == -NLE_OBJ_NOTFOUND && quiet_missing) {
		nl_socket_free(sock);
		sock = NULL;
		return 2;
	}
	if (family == -NLE_OBJ_NOTFOUND) {
		fprintf(stderr,
			"segctl: the segfilter module is not loaded (generic netlink family \"%s\" not found)\n",
			SEGFILTER_GENL_NAME);
		sfnl_print_load_hint();
		goto fail;
	}
	if (family < 0) {
		fprintf(stderr,
			"segctl: cannot resolve generic netlink family \"%s\": %s\n",
			SEGFILTER_GENL_NAME, nl_geterror(family));
		goto fail;
	}

	/* From here on, answers are read by receive() below. */
	nl_socket_disable_auto_ack(sock);
	nl_socket_enable_msg_peek(sock);
	fd = nl_socket_get_fd(sock);
	/* Both are best effort: older kernels just give less detail. */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return 0;

fail:
	nl_socket_free(sock);
	sock = NULL;
	return 1;
}

int sfnl_open(void)
{
	return open_family(false);
}

void sfnl_close(void)
{
	if (sock)
		nl_socket_free(sock);
	sock = NULL;
}

struct nl_msg *sfnl_msg(uint8_t cmd, bool dump)
{
	struct nl_msg *msg;
	int flags = dump ? NLM_F_DUMP : NLM_F_ACK;

	/* A batch opens the socket once it is sent; family is set then. */
	if (!sock && !batch.active && sfnl_open())
		return NULL;
	msg = nlmsg_alloc();
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
				 flags, cmd, SEGFILTER_GENL_VERSION)) {
		fputs("segctl: out of memory\n", stderr);
		nlmsg_free(msg);
		return NULL;
	}
	msg_overflow = false;
	return msg;
}

void sfnl_put_u8(struct nl_msg *msg, int type, uint8_t value)
{
	if (nla_put_u8(msg, type, value) < 0)
		msg_overflow = true;
}

void sfnl_put_u16(struct nl_msg *msg, int type, uint16_t value)
{
	if (nla_put_u16(msg, type, value) < 0)
		msg_overflow = true;
}

void sfnl_put_u32(struct nl_msg *msg, int type, uint32_t value)
{
	if (nla_put_u32(msg, type, value) < 0)
		msg_overflow = true;
}

void sfnl_put_string(struct nl_msg *msg, int type, const char *value)
{
	if (nla_put_string(msg, type, value) < 0)
		msg_overflow = true;
}

void sfnl_put_flag(struct nl_msg *msg, int type)
{
	if (nla_put_flag(msg, type) < 0)
		msg_overflow = true;
}

void sfnl_put(struct nl_msg *msg, int type, const void *data, int len)
{
	if (nla_put(msg, type, len, data) < 0)
		msg_overflow = true;
}

struct nlattr *sfnl_nest_start(struct nl_msg *msg, int type)
{
	struct nlattr *nest = nla_nest_start(msg, type);

	if (!nest)
		msg_overflow = true;
	return nest;
}

void sfnl_nest_end(struct nl_msg *msg, struct nlattr *nest)
{
	if (nest)
		nla_nest_end(msg, nest);
}

void sfnl_replies_free(struct sfnl_replies *replies)
{
	unsigned int i;

	for (i = 0; i < replies->count; i++)
		free(replies->msgs[i]);
	free(replies->msgs);
	replies->msgs = NULL;
	replies->count = 0;
	replies->size = 0;
}

static int save_reply(struct sfnl_replies *replies,
		      const struct nlmsghdr *nlh)
{
	struct nlmsghdr *copy;

	if (replies->count == replies->size) {
		unsigned int size = replies->size ? 2 * replies->size : 16;
		struct nlmsghdr **msgs;

		msgs = realloc(replies->msgs, size * sizeof(*msgs));
		if (!msgs)
			goto nomem;
		replies->msgs = msgs;
		replies->size = size;
	}
	copy = malloc(nlh->nlmsg_len);
	if (!copy)
		goto nomem;
	memcpy(copy, nlh, nlh->nlmsg_len);
	replies->msgs[replies->count++] = copy;
	return 0;

nomem:
	fputs("segctl: out of memory\n", stderr);
	return 1;
}

/* The name of the request attribute at byte @offset of @req, if any. */
static const char *attr_at(struct nlmsghdr *req, uint32_t offset)
{
	struct genlmsghdr *ghdr = nlmsg_data(req);
	struct nlattr *nla;
	int rem;

	nla_for_each_attr(nla, genlmsg_attrdata(ghdr, 0),
			  genlmsg_attrlen(ghdr, 0), rem) {
		uint32_t start = (char *)nla - (char *)req;

		if (offset < start || offset >= start + nla->nla_len)
			continue;
		if (nla_type(nla) <= SEGFILTER_A_MAX)
			return sfnl_attr_names[nla_type(nla)];
		return NULL;
	}
	return NULL;
}

/* The outcome of a request, as an NLMSG_ERROR or NLMSG_DONE tells it. */
struct ack {
	int error;			/* 0 or a negative errno */
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	const char *text;		/* the kernel's message, or NULL */
	int text_len;
};

/* Fill @ack from @error and the extended ack attributes at @tlvs. */
static void parse_ack(struct ack *ack, int error, struct nlattr *tlvs,
		      int len)
{
	struct nlattr *msg;

	memset(ack, 0, sizeof(*ack));
	ack->error = error;
	if (tlvs && len > 0)
		nla_parse(ack->tb, NLMSGERR_ATTR_MAX, tlvs, len, NULL);
	msg = ack->tb[NLMSGERR_ATTR_MSG];
	if (!msg)
		return;
	ack->text = nla_data(msg);
	ack->text_len = strnlen(ack->text, nla_len(msg));
	/* Kernels before 6.2 get the module's messages padded. */
	while (ack->text_len > 0 && ack->text[ack->text_len - 1] == ' ')
		ack->text_len--;
	if (!ack->text_len)
		ack->text = NULL;
}

/* "FILE:LINE: " for @line of the batch file, nothing for line 0. */
static void print_line(FILE *f, unsigned int line);

/* The last error the kernel answered, for sfnl_last_error(). */
static struct {
	unsigned int line;
	char msg[256];
} last_error;

/* sfnl_set_quiet(): the kernel's errors are recorded, not printed. */
static bool quiet;

/*
 * Report the outcome of a request: on failure the kernel's message, or
 * the errno and the attribute it points at in @req (which may be NULL);
 * on success, only a message the kernel attached as a warning.  @line
 * is the batch file's line the request comes from, or 0.
 */
static void report(const struct ack *ack, struct nlmsghdr *req,
		   unsigned int line)
{
	const char *name = NULL;
	const char *errname;
	char buf[sizeof(last_error.msg)];
	char *msg = buf;
	size_t size = sizeof(buf);
	int n;

	if (!ack->error) {
		if (ack->text && !quiet) {
			fputs("Warning: ", stderr);
			print_line(stderr, line);
			fprintf(stderr, "%.*s\n", ack->text_len, ack->text);
		}
		return;
	}
	if (ack->text) {
		snprintf(msg, size, "%.*s", ack->text_len, ack->text);
	} else {
		/* No message: say what errno, and which attribute if known. */
		errname = strerrorname_np(-ack->error);
		n = snprintf(msg, size, "%s (%s)", strerror(-ack->error),
			     errname ? errname : "unknown errno");
		if (req && ack->tb[NLMSGERR_ATTR_OFFS] &&
		    nla_len(ack->tb[NLMSGERR_ATTR_OFFS]) >= 4)
			name = attr_at(req,
				       nla_get_u32(ack->tb[NLMSGERR_ATTR_OFFS]));
		if (name && n >= 0 && (size_t)n < size)
			n += snprintf(msg + n, size - n, ", attribute %s",
				      name);
		if (ack->tb[NLMSGERR_ATTR_MISS_TYPE] &&
		    nla_len(ack->tb[NLMSGERR_ATTR_MISS_TYPE]) >= 4 &&
		    n >= 0 && (size_t)n < size) {
			uint32_t type =
				nla_get_u32(ack->tb[NLMSGERR_ATTR_MISS_TYPE]);

			if (type <= SEGFILTER_A_MAX && sfnl_attr_names[type])
				snprintf(msg + n, size - n,
					 ", missing attribute %s",
					 sfnl_attr_names[type]);
			else
				snprintf(msg + n, size - n,
					 ", missing attribute %u", type);
		}
	}
	/* The first error is the one that stopped a batch. */
	if (!last_error.msg[0]) {
		last_error.line = line;
		memcpy(last_error.msg, buf, sizeof(buf));
	}
	if (quiet)
		return;
	fputs("Error: ", stderr);
	print_line(stderr, line);
	fprintf(stderr, "%s\n", msg);
}

const char *sfnl_last_error(unsigned int *line)
{
	if (line)
		*line = last_error.line;
	return last_error.msg[0] ? last_error.msg : NULL;
}

void sfnl_clear_error(void)
{
	last_error.line = 0;
	last_error.msg[0] = '\0';
}

void sfnl_set_quiet(bool on)
{
	quiet = on;
}

/*
 * The extended ack attributes of an NLMSG_ERROR or NLMSG_DONE message,
 * which start @offset bytes into its payload.
 */
static struct nlattr *ack_tlvs(struct nlmsghdr *nlh, size_t offset,
			       int *len)
{
	size_t datalen = nlmsg_datalen(nlh);

	*len = 0;
	offset = NLMSG_ALIGN(offset);
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || offset >= datalen)
		return NULL;
	*len = datalen - offset;
	return (struct nlattr *)((char *)nlmsg_data(nlh) + offset);
}

/* Parse an NLMSG_ERROR message; returns 0, or 1 if it is truncated. */
static int parse_error(struct nlmsghdr *nlh, struct ack *ack)
{
	struct nlmsgerr *err = nlmsg_data(nlh);
	struct nlattr *tlvs;
	size_t offset;
	int len;

	if (nlmsg_datalen(nlh) < (int)sizeof(*err)) {
		fputs("segctl: truncated netlink error message\n", stderr);
		return 1;
	}
	/* The error, then the request's header or all of it, then TLVs. */
	offset = sizeof(err->error);
	if (nlh->nlmsg_flags & NLM_F_CAPPED)
		offset += sizeof(err->msg);
	else
		offset += err->msg.nlmsg_len;
	tlvs = ack_tlvs(nlh, offset, &len);
	parse_ack(ack, err->error, tlvs, len);
	return 0;
}

static int handle_error(struct nlmsghdr *nlh, struct nlmsghdr *req)
{
	struct ack ack;

	if (parse_error(nlh, &ack))
		return 1;
	report(&ack, req, 0);
	return ack.error ? 1 : 0;
}

static int handle_done(struct nlmsghdr *nlh, struct nlmsghdr *req)
{
	struct nlattr *tlvs;
	struct ack ack;
	int error = 0;
	int len;

	/* The end of a dump carries the dump's error, then TLVs. */
	if (nlmsg_datalen(nlh) >= (int)sizeof(error))
		memcpy(&error, nlmsg_data(nlh), sizeof(error));
	tlvs = ack_tlvs(nlh, sizeof(error), &len);
	parse_ack(&ack, error, tlvs, len);
	report(&ack, req, 0);
	return error ? 1 : 0;
}

/*
 * Handle one message of the answer to @req.  Returns -1 while more is to
 * come, otherwise the exit status of the request.
 */
static int handle(struct nlmsghdr *nlh, struct nlmsghdr *req,
		  struct sfnl_replies *replies, bool *intr)
{
	if (nlh->nlmsg_seq != req->nlmsg_seq)
		return -1;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		*intr = true;

	switch (nlh->nlmsg_type) {
	case NLMSG_NOOP:
		return -1;
	case NLMSG_ERROR:
		return handle_error(nlh, req);
	case NLMSG_DONE:
		return handle_done(nlh, req);
	case NLMSG_OVERRUN:
		fputs("segctl: netlink overrun\n", stderr);
		return 1;
	}
	if (nlh->nlmsg_type != family)
		return -1;
	if (replies && save_reply(replies, nlh))
		return 1;
	/* A dump ends with NLMSG_DONE, any other request with its ack. */
	return -1;
}

/* Read the answer to @req up to its end. */
static int receive(struct nlmsghdr *req, struct sfnl_replies *replies,
		   bool *intr)
{
	struct sockaddr_nl peer;
	struct nlmsghdr *nlh;
	unsigned char *buf;
	int ret = -1;
	int len;

	while (ret < 0) {
		buf = NULL;
		len = nl_recv(sock, &peer, &buf, NULL);
		if (len <= 0) {
			fprintf(stderr, "segctl: netlink receive: %s\n",
				len ? nl_geterror(len) : "connection closed");
			free(buf);
			return 1;
		}
		if (peer.nl_pid) {	/* not from the kernel */
			free(buf);
			continue;
		}
		nlh = (struct nlmsghdr *)buf;
		for (; ret < 0 && nlmsg_ok(nlh, len);
		     nlh = nlmsg_next(nlh, &len))
			ret = handle(nlh, req, replies, intr);
		free(buf);
	}
	return ret;
}

static int batch_queue(struct nlmsghdr *req);

int sfnl_request(struct nl_msg *msg, struct sfnl_replies *replies)
{
	struct nlmsghdr *req = nlmsg_hdr(msg);
	bool dump = req->nlmsg_flags & NLM_F_DUMP;
	bool intr;
	int tries, ret;

	if (msg_overflow) {
		fputs("segctl: ", stderr);
		sfnl_print_where(stderr);
		fputs("the request is too large\n", stderr);
		return EXIT_USAGE;	/* nothing was sent */
	}
	if (batch.active)
		return batch_queue(req);
	for (tries = 0; tries < DUMP_TRIES; tries++) {
		req->nlmsg_seq = NL_AUTO_SEQ;	/* a new one for each try */
		ret = nl_send_auto(sock, msg);
		if (ret < 0) {
			fprintf(stderr, "segctl: netlink send: %s\n",
				nl_geterror(ret));
			return 1;
		}
		intr = false;
		ret = receive(req, replies, &intr);
		if (ret || !intr || !dump)
			return ret;
		/* The state changed during the dump: start again. */
		if (replies)
			sfnl_replies_free(replies);
	}
	fprintf(stderr,
		"Error: the configuration kept changing during the dump (%d tries)\n",
		DUMP_TRIES);
	return 1;
}

int sfnl_parse(struct nlmsghdr *nlh, struct nlattr **tb)
{
	int ret;

	/*
	 * The spec's policy (nl_gen.c), but POLICY_GEN may also be the u32
	 * that modules sent before it was widened: domain.c reads either.
	 */
	sfnl_segfilter_policy[SEGFILTER_A_POLICY_GEN] =
		(struct nla_policy){ .minlen = 4 };
	ret = genlmsg_parse(nlh, 0, tb, SEGFILTER_A_MAX, sfnl_segfilter_policy);
	if (ret < 0) {
		fprintf(stderr, "segctl: malformed reply from the kernel: %s\n",
			nl_geterror(ret));
		return 1;
	}
	return 0;
}

/* Parse the nest @nest of a reply; @what names it in the error. */
static int sfnl_parse_nest(struct nlattr *nest, struct nlattr **tb, int max,
			   struct nla_policy *policy, const char *what)
{
	int ret;

	ret = nla_parse_nested(tb, max, nest, policy);
	if (ret < 0) {
		fprintf(stderr, "segctl: malformed %s from the kernel: %s\n",
			what, nl_geterror(ret));
		return 1;
	}
	return 0;
}

int sfnl_parse_stats(struct nlattr *nest, struct nlattr **tb)
{
	return sfnl_parse_nest(nest, tb, SEGFILTER_STATS_MAX, sfnl_stats_policy,
			       "statistics");
}

int sfnl_parse_tuple(struct nlattr *nest, struct nlattr **tb)
{
	return sfnl_parse_nest(nest, tb, SEGFILTER_A_TUPLE_MAX,
			       sfnl_tuple_policy, "tuple");
}

int sfnl_parse_iface(struct nlattr *nest, struct nlattr **tb)
{
	return sfnl_parse_nest(nest, tb, SEGFILTER_A_IFACE_MAX,
			       sfnl_iface_policy, "instance interface");
}

/*
 * Batch mode.
 */

/* The receive buffer a batch asks for, and the most it sends at once. */
#define BATCH_RCVBUF		(8 << 20)
#define BATCH_SNDBUF		(256 << 10)
#define BATCH_SEND_MAX		(64 << 10)
#define BATCH_SEND_MIN		(4 << 10)
/*
 * An error answer takes at most this many times the room of the request
 * in the receive buffer (an skb of its own, and the kernel's message).
 */
#define BATCH_ERR_RATIO		32
/* Room for a TXN_ID attribute, appended to each request as it is sent. */
#define TXN_ID_SIZE		NLA_ALIGN(NLA_HDRLEN + sizeof(uint32_t))

void sfnl_batch_start(const char *file)
{
	batch.active = true;
	batch.file = file;
	batch.line = 0;
}

void sfnl_batch_set_check(bool check)
{
	batch_check = check;
}

void sfnl_batch_line(unsigned int line)
{
	batch.line = line;
}

bool sfnl_batch_mode(void)
{
	return batch.active;
}

static void print_line(FILE *f, unsigned int line)
{
	if (batch.file && line)
		fprintf(f, "%s:%u: ", batch.file, line);
}

void sfnl_print_where(FILE *f)
{
	if (batch.active)
		print_line(f, batch.line);
}

static void batch_free(void)
{
	free(batch.buf);
	free(batch.ops);
	memset(&batch, 0, sizeof(batch));
}

void sfnl_batch_discard(void)
{
	batch_free();
}

/* sfnl_request() in batch mode: keep a copy of @req for later. */
static int batch_queue(struct nlmsghdr *req)
{
	size_t len = NLMSG_ALIGN(req->nlmsg_len);

	if (req->nlmsg_flags & NLM_F_DUMP) {
		fputs("segctl: ", stderr);
		sfnl_print_where(stderr);
		fputs("a query cannot be part of a batch\n", stderr);
		return 1;
	}
	/* Every staged request must fit in the smallest write, with TXN_ID. */
	if (len + TXN_ID_SIZE > BATCH_SEND_MIN) {
		fputs("segctl: ", stderr);
		sfnl_print_where(stderr);
		fputs("the request is too large\n", stderr);
		return EXIT_USAGE;
	}
	if (batch.count == batch.alloc) {
		unsigned int alloc = batch.alloc ? 2 * batch.alloc : 256;
		struct batch_op *ops;

		ops = realloc(batch.ops, alloc * sizeof(*ops));
		if (!ops)
			goto nomem;
		batch.ops = ops;
		batch.alloc = alloc;
	}
	if (batch.size - batch.len < len) {
		size_t size = batch.size ? 2 * batch.size : 64 << 10;
		unsigned char *buf;

		while (size - batch.len < len)
			size *= 2;
		buf = realloc(batch.buf, size);
		if (!buf)
			goto nomem;
		batch.buf = buf;
		batch.size = size;
	}
	memset(batch.buf + batch.len, 0, len);
	memcpy(batch.buf + batch.len, req, req->nlmsg_len);
	batch.ops[batch.count].offset = batch.len;
	batch.ops[batch.count].line = batch.line;
	batch.count++;
	batch.len += len;
	return 0;

nomem:
	fputs("segctl: out of memory\n", stderr);
	return 1;
}

static struct nlmsghdr *batch_req(unsigned int i)
{
	return (struct nlmsghdr *)(batch.buf + batch.ops[i].offset);
}

/* The queued request @seq was sent as, or -1 if none. */
static long batch_op_of(uint32_t seq)
{
	uint32_t i = seq - batch.first_seq;

	return i < batch.count ? (long)i : -1;
}

/*
 * The kernel's message about a failed commit starts with "op SEQ: " (or
 * has it right after its "segfilter: " prefix); the line number replaces
 * it.  Writes the message without it to @buf, which has text_len + 1
 * bytes, if it is there.
 */
static bool strip_op(const struct ack *ack, uint32_t seq, char *buf)
{
	const char *text = ack->text;
	char op[32];
	int op_len, skip = 0;
	const char *colon;

	op_len = snprintf(op, sizeof(op), "op %u: ", seq);
	colon = memchr(text, ':', ack->text_len);
	if (ack->text_len >= op_len && !memcmp(text, op, op_len)) {
		skip = 0;
	} else if (colon && colon + 2 - text + op_len <= ack->text_len &&
		   colon[1] == ' ' &&
		   !memcmp(colon + 2, op, op_len)) {
		skip = colon + 2 - text;
	} else {
		return false;
	}
	memcpy(buf, text, skip);
	memcpy(buf + skip, text + skip + op_len,
	       ack->text_len - skip - op_len);
	buf[ack->text_len - op_len] = '\0';
	return true;
}

/*
 * The answer to the commit: say why it failed, unless a refused command
 * already did.  The kernel names the command that failed by its
 * sequence number, in the cookie and at the start of its message.
 */
static int batch_commit_result(struct ack *ack, struct nlmsghdr *req)
{
	struct nlattr *cookie = ack->tb[NLMSGERR_ATTR_COOKIE];
	uint32_t seq;
	long op = -1;
	char *buf;

	if (!ack->error) {
		report(ack, req, 0);	/* a warning, if any */
		return 0;
	}
	if (batch.lost)
		fputs("segctl: some of the kernel's answers were lost\n",
		      stderr);
	if (batch.refused)
		return 1;
	if (cookie && nla_len(cookie) == sizeof(seq)) {
		memcpy(&seq, nla_data(cookie), sizeof(seq));
		op = batch_op_of(seq);
	}
	if (op < 0) {
		report(ack, req, 0);
		return 1;
	}
	buf = ack->text ? malloc(ack->text_len + 1) : NULL;
	if (buf && strip_op(ack, seq, buf)) {
		ack->text = buf;
		ack->text_len = strlen(buf);
	}
	/* An offset in the error would be one into the commit request. */
	report(ack, NULL, batch.ops[op].line);
	free(buf);
	return 1;
}

/*
 * Read what the kernel answered to the batch: the errors of refused
 * commands, reported with their line, and, when @commit is set, all up
 * to the answer to @commit.  Without @commit, only what is there already
 * is read: the kernel handles a send before it returns, so that is all
 * it had to say about it.  Returns the exit status.
 */
static int batch_receive(struct nlmsghdr *commit)
{
	static unsigned char buf[64 << 10];
	int fd = nl_socket_get_fd(sock);
	struct sockaddr_nl peer;
	struct nlmsghdr *nlh;
	socklen_t peer_len;
	struct ack ack;
	int ret = -1;
	ssize_t n;
	int len;
	long op;

	while (ret < 0) {
		peer_len = sizeof(peer);
		n = recvfrom(fd, buf, sizeof(buf), commit ? 0 : MSG_DONTWAIT,
			     (struct sockaddr *)&peer, &peer_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    !commit)
			return 0;
		if (n < 0 && errno == ENOBUFS) {
			batch.lost = true;
			continue;
		}
		if (n <= 0) {
			fprintf(stderr, "segctl: netlink receive: %s\n",
				n ? strerror(errno) : "connection closed");
			return 1;
		}
		if (peer.nl_pid)	/* not from the kernel */
			continue;
		len = n;
		nlh = (struct nlmsghdr *)buf;
		for (; ret < 0 && nlmsg_ok(nlh, len);
		     nlh = nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			if (parse_error(nlh, &ack))
				return 1;
			op = batch_op_of(nlh->nlmsg_seq);
			if (op >= 0 && ack.error) {
				report(&ack, batch_req(op), batch.ops[op].line);
				batch.refused++;
			} else if (commit &&
				   nlh->nlmsg_seq == commit->nlmsg_seq) {
				ret = batch_commit_result(&ack, commit);
			}
		}
	}
	return ret;
}

/* Send @len bytes of requests at @buf, then read the errors they caused. */
static int batch_flush(unsigned char *buf, size_t len)
{
	int ret;

	ret = nl_sendto(sock, buf, len);
	if (ret < 0) {
		fprintf(stderr, "segctl: netlink send: %s\n", nl_geterror(ret));
		return 1;
	}
	return batch_receive(NULL);
}

/*
 * A batch is sent in chunks small enough that the errors of a chunk all
 * fit in the receive buffer, should every command of it be refused.
 */
static size_t batch_chunk_size(void)
{
	int fd = nl_socket_get_fd(sock);
	int size = BATCH_RCVBUF;
	socklen_t len = sizeof(size);
	size_t chunk;

	/* The kernel caps SO_RCVBUF unless we may force it; try both. */
	nl_socket_set_buffer_size(sock, BATCH_RCVBUF, BATCH_SNDBUF);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, &len))
		size = 0;
	chunk = size / BATCH_ERR_RATIO;
	if (chunk > BATCH_SEND_MAX)
		chunk = BATCH_SEND_MAX;
	if (chunk < BATCH_SEND_MIN)
		chunk = BATCH_SEND_MIN;
	return chunk;
}

/* Send every queued request, each with TXN_ID @txn_id and without ack. */
static int batch_send(uint32_t txn_id)
{
	uint32_t port = nl_socket_get_local_port(sock);
	size_t chunk = batch_chunk_size();
	size_t len = 0;
	unsigned char *buf;
	unsigned int i;
	int ret = 0;

	buf = malloc(chunk);
	if (!buf) {
		fputs("segctl: out of memory\n", stderr);
		return 1;
	}
	for (i = 0; i < batch.count && !ret; i++) {
		struct nlmsghdr *req = batch_req(i);
		size_t req_len = NLMSG_ALIGN(req->nlmsg_len);
		struct nlmsghdr *nlh;
		struct nlattr *nla;

		if (len && len + req_len + TXN_ID_SIZE > chunk) {
			ret = batch_flush(buf, len);
			len = 0;
			if (ret)
				break;
		}
		nlh = (struct nlmsghdr *)(buf + len);
		memcpy(nlh, req, req_len);
		nla = (struct nlattr *)((char *)nlh + req_len);
		nla->nla_type = SEGFILTER_A_TXN_ID;
		nla->nla_len = NLA_HDRLEN + sizeof(txn_id);
		memcpy((char *)nla + NLA_HDRLEN, &txn_id, sizeof(txn_id));
		nlh->nlmsg_len = req_len + TXN_ID_SIZE;
		nlh->nlmsg_type = family;
		nlh->nlmsg_flags = NLM_F_REQUEST;	/* staged: no ack */
		nlh->nlmsg_seq = nl_socket_use_seq(sock);
		nlh->nlmsg_pid = port;
		if (!i)
			batch.first_seq = nlh->nlmsg_seq;
		len += nlh->nlmsg_len;
	}
	if (!ret && len)
		ret = batch_flush(buf, len);
	free(buf);
	return ret;
}

/* TXN_BEGIN: returns 0 and the transaction's id, or 1. */
static int batch_begin(uint32_t *txn_id)
{
	struct sfnl_replies replies = {};
	struct nlattr *tb[SEGFILTER_A_MAX + 1];
	struct nl_msg *msg;
	int ret;

	msg = sfnl_msg(SEGFILTER_CMD_TXN_BEGIN, false);
	if (!msg)
		return 1;
	ret = sfnl_request(msg, &replies);
	nlmsg_free(msg);
	if (!ret && replies.count && !sfnl_parse(replies.msgs[0], tb) &&
	    tb[SEGFILTER_A_TXN_ID]) {
		*txn_id = nla_get_u32(tb[SEGFILTER_A_TXN_ID]);
	} else if (!ret) {
		fputs("segctl: the kernel did not start a transaction\n",
		      stderr);
		ret = 1;
	}
	sfnl_replies_free(&replies);
	return ret;
}

/* TXN_COMMIT, acked; its answer comes after those of the commands. */
static int batch_commit(uint32_t txn_id)
{
	struct nl_msg *msg;
	int ret;

	msg = sfnl_msg(SEGFILTER_CMD_TXN_COMMIT, false);
	if (!msg)
		return 1;
	sfnl_put_u32(msg, SEGFILTER_A_TXN_ID, txn_id);
	sfnl_put_u32(msg, SEGFILTER_A_TXN_OPS, batch.count);
	if (batch_check)
		sfnl_put_flag(msg, SEGFILTER_A_TXN_CHECK);
	ret = nl_send_auto(sock, msg);
	if (ret < 0) {
		fprintf(stderr, "segctl: netlink send: %s\n", nl_geterror(ret));
		ret = 1;
	} else {
		ret = batch_receive(nlmsg_hdr(msg));
	}
	nlmsg_free(msg);
	return ret;
}

int sfnl_batch_commit(void)
{
	uint32_t txn_id;
	int ret;

	batch.active = false;	/* from here on, requests are sent */
	if (!batch.count) {
		batch_free();
		return 0;
	}
	ret = sfnl_open() || batch_begin(&txn_id);
	/*
	 * A refused command makes the commit fail too (TXN_OPS no longer
	 * matches), which ends the transaction; a failure to send leaves it
	 * to the socket's closing.
	 */
	if (!ret)
		ret = batch_send(txn_id) || batch_commit(txn_id) ||
		      batch.refused;
	batch_free();
	return ret;
}

/*
 * The module's version.
 */

int sfnl_module_version(char *version, size_t size, uint32_t *protocol)
{
	struct sfnl_replies replies = {};
	struct nlattr *tb[SEGFILTER_A_MAX + 1];
	struct nl_msg *msg;
	int ret;

	if (!sock) {
		ret = open_family(true);
		if (ret)
			return ret;
	}
	msg = sfnl_msg(SEGFILTER_CMD_INFO_GET, false);
	if (!msg)
		return 1;
	/* A module older than info-get refuses it: no version to tell. */
	sfnl_clear_error();
	sfnl_set_quiet(true);
	ret = sfnl_request(msg, &replies);
	sfnl_set_quiet(false);
	nlmsg_free(msg);
	if (ret) {
		ret = 3;
	} else if (replies.count && !sfnl_parse(replies.msgs[0], tb) &&
		   tb[SEGFILTER_A_MODULE_VERSION]) {
		snprintf(version, size, "%.*s",
			 (int)strnlen(nla_data(tb[SEGFILTER_A_MODULE_VERSION]),
				      nla_len(tb[SEGFILTER_A_MODULE_VERSION])),
			 (char *)nla_data(tb[SEGFILTER_A_MODULE_VERSION]));
		*protocol = tb[SEGFILTER_A_PROTOCOL_VERSION] ?
			nla_get_u32(tb[SEGFILTER_A_PROTOCOL_VERSION]) : 0;
	} else {
		ret = 3;
	}
	sfnl_replies_free(&replies);
	return ret;
}

/*
 * Monitor mode.
 */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Read and hand out what has arrived; 0, or 1 on a receive error. */
static int monitor_read(int fd, void (*event)(struct nlmsghdr *nlh))
{
	static unsigned char buf[64 << 10];
	struct sockaddr_nl peer;
	struct nlmsghdr *nlh;
	socklen_t peer_len;
	ssize_t n;
	int len;

	for (;;) {
		peer_len = sizeof(peer);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&peer, &peer_len);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
			      errno == EINTR))
			return 0;
		if (n < 0 && errno == ENOBUFS) {
			fputs("segctl: events were lost (receive buffer full)\n",
			      stderr);
			continue;
		}
		if (n <= 0) {
			fprintf(stderr, "segctl: netlink receive: %s\n",
				n ? strerror(errno) : "connection closed");
			return 1;
		}
		if (peer.nl_pid)	/* not from the kernel */
			continue;
		len = n;
		for (nlh = (struct nlmsghdr *)buf; nlmsg_ok(nlh, len);
		     nlh = nlmsg_next(nlh, &len))
			if (nlh->nlmsg_type == family)
				event(nlh);
	}
}

int sfnl_monitor(const char *group, void (*event)(struct nlmsghdr *nlh))
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct sigaction old_int, old_term;
	sigset_t block, orig;
	struct pollfd pfd;
	int grp, ret = 0;

	if (!sock && sfnl_open())
		return 1;
	grp = genl_ctrl_resolve_grp(sock, SEGFILTER_GENL_NAME, group);
	if (grp < 0) {
		fprintf(stderr,
			"segctl: cannot resolve multicast group \"%s\" of \"%s\": %s\n",
			group, SEGFILTER_GENL_NAME, nl_geterror(grp));
		return 1;
	}
	/* Events come unasked, with sequence number 0. */
	nl_socket_disable_seq_check(sock);
	nl_socket_set_buffer_size(sock, 1 << 20, 0);
	ret = nl_socket_add_membership(sock, grp);
	if (ret < 0) {
		fprintf(stderr,
			"segctl: cannot join multicast group \"%s\": %s\n",
			group, nl_geterror(ret));
		return 1;
	}

	/*
	 * SIGINT and SIGTERM are only let in while waiting, so that one that
	 * comes while an event is handled still ends the wait.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	pfd.fd = nl_socket_get_fd(sock);
	pfd.events = POLLIN;
	ret = 0;
	while (!stop && !ret) {
		if (ppoll(&pfd, 1, NULL, &orig) < 0) {
			if (errno == EINTR)
				continue;
			perror("segctl: poll");
			ret = 1;
			break;
		}
		ret = monitor_read(pfd.fd, event);
	}

	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	return ret;
}
