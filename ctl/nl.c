// SPDX-License-Identifier: GPL-2.0
/*
 * segctl: the netlink plumbing.  libnl builds and sends the messages;
 * the answers are read here directly, so that acks, dump ends, the
 * kernel's extended ack (error message) and interrupted dumps are all
 * handled in one place.
 */
#define _GNU_SOURCE		/* strerrorname_np() */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "nl.h"

/* How often a dump interrupted by a concurrent change is tried. */
#define DUMP_TRIES	5

static struct nl_sock *sock;
static int family;
static bool msg_overflow;	/* an attribute did not fit in the request */

/* Names of the request attributes, for errors that point at one. */
static const char *const attr_names[SEGFILTER_A_MAX + 1] = {
	[SEGFILTER_A_PAD]		= "SEGFILTER_A_PAD",
	[SEGFILTER_A_DOMAIN_ID]		= "SEGFILTER_A_DOMAIN_ID",
	[SEGFILTER_A_DOMAIN_NAME]	= "SEGFILTER_A_DOMAIN_NAME",
	[SEGFILTER_A_DEFAULT_ACTION]	= "SEGFILTER_A_DEFAULT_ACTION",
	[SEGFILTER_A_GROUP_ID]		= "SEGFILTER_A_GROUP_ID",
	[SEGFILTER_A_GROUP_NAME]	= "SEGFILTER_A_GROUP_NAME",
	[SEGFILTER_A_IFINDEX]		= "SEGFILTER_A_IFINDEX",
	[SEGFILTER_A_IFNAME]		= "SEGFILTER_A_IFNAME",
	[SEGFILTER_A_PORT_ROLE]		= "SEGFILTER_A_PORT_ROLE",
	[SEGFILTER_A_MAC]		= "SEGFILTER_A_MAC",
	[SEGFILTER_A_ADDRS]		= "SEGFILTER_A_ADDRS",
	[SEGFILTER_A_N_PORTS]		= "SEGFILTER_A_N_PORTS",
	[SEGFILTER_A_N_GROUPS]		= "SEGFILTER_A_N_GROUPS",
	[SEGFILTER_A_N_ENDPOINTS]	= "SEGFILTER_A_N_ENDPOINTS",
	[SEGFILTER_A_STATS]		= "SEGFILTER_A_STATS",
};

/* What a reply's attributes must look like before they are read. */
static struct nla_policy attr_policy[SEGFILTER_A_MAX + 1] = {
	[SEGFILTER_A_DOMAIN_ID]		= { .type = NLA_U32 },
	[SEGFILTER_A_DOMAIN_NAME]	= { .type = NLA_STRING },
	[SEGFILTER_A_DEFAULT_ACTION]	= { .type = NLA_U8 },
	[SEGFILTER_A_GROUP_ID]		= { .type = NLA_U16 },
	[SEGFILTER_A_GROUP_NAME]	= { .type = NLA_STRING },
	[SEGFILTER_A_IFINDEX]		= { .type = NLA_U32 },
	[SEGFILTER_A_IFNAME]		= { .type = NLA_STRING },
	[SEGFILTER_A_PORT_ROLE]		= { .type = NLA_U8 },
	[SEGFILTER_A_MAC]		= { .minlen = 6 },
	[SEGFILTER_A_ADDRS]		= { .type = NLA_NESTED },
	[SEGFILTER_A_N_PORTS]		= { .type = NLA_U32 },
	[SEGFILTER_A_N_GROUPS]		= { .type = NLA_U32 },
	[SEGFILTER_A_N_ENDPOINTS]	= { .type = NLA_U32 },
	[SEGFILTER_A_STATS]		= { .type = NLA_NESTED },
};

static struct nla_policy stats_policy[SEGFILTER_STATS_MAX + 1] = {
	[SEGFILTER_STATS_RX_PACKETS]	= { .type = NLA_U64 },
	[SEGFILTER_STATS_RX_BYTES]	= { .type = NLA_U64 },
	[SEGFILTER_STATS_TX_PACKETS]	= { .type = NLA_U64 },
	[SEGFILTER_STATS_TX_BYTES]	= { .type = NLA_U64 },
	[SEGFILTER_STATS_FORWARDED]	= { .type = NLA_U64 },
	[SEGFILTER_STATS_FLOODED]	= { .type = NLA_U64 },
	[SEGFILTER_STATS_ARP_REPLIES]	= { .type = NLA_U64 },
	[SEGFILTER_STATS_ND_REPLIES]	= { .type = NLA_U64 },
	[SEGFILTER_STATS_DROPPED]	= { .type = NLA_U64 },
	[SEGFILTER_STATS_DROPS]		= { .type = NLA_NESTED },
};

int sfnl_open(void)
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
	if (family == -NLE_OBJ_NOTFOUND) {
		fprintf(stderr,
			"segctl: the segfilter module is not loaded (generic netlink family \"%s\" not found)\n",
			SEGFILTER_GENL_NAME);
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

	if (!sock && sfnl_open())
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
			return attr_names[nla_type(nla)];
		return NULL;
	}
	return NULL;
}

/*
 * Report the outcome of a request: @error (0 or a negative errno) and
 * the extended ack attributes at @tlvs, if any.  On success, only a
 * message the kernel attached as a warning is printed.
 */
static void report(int error, struct nlattr *tlvs, int len,
		   struct nlmsghdr *req)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};
	const char *name = NULL;
	const char *errname;
	const char *text = NULL;
	int text_len = 0;

	if (tlvs && len > 0)
		nla_parse(tb, NLMSGERR_ATTR_MAX, tlvs, len, NULL);
	if (tb[NLMSGERR_ATTR_MSG]) {
		text = nla_data(tb[NLMSGERR_ATTR_MSG]);
		text_len = strnlen(text, nla_len(tb[NLMSGERR_ATTR_MSG]));
		/* Kernels before 6.2 get the module's messages padded. */
		while (text_len > 0 && text[text_len - 1] == ' ')
			text_len--;
		if (!text_len)
			text = NULL;
	}

	if (!error) {
		if (text)
			fprintf(stderr, "Warning: %.*s\n", text_len, text);
		return;
	}
	if (text) {
		fprintf(stderr, "Error: %.*s\n", text_len, text);
		return;
	}

	/* No message: say what errno, and which attribute if known. */
	errname = strerrorname_np(-error);
	fprintf(stderr, "Error: %s (%s)", strerror(-error),
		errname ? errname : "unknown errno");
	if (tb[NLMSGERR_ATTR_OFFS] && nla_len(tb[NLMSGERR_ATTR_OFFS]) >= 4)
		name = attr_at(req, nla_get_u32(tb[NLMSGERR_ATTR_OFFS]));
	if (name)
		fprintf(stderr, ", attribute %s", name);
	if (tb[NLMSGERR_ATTR_MISS_TYPE] &&
	    nla_len(tb[NLMSGERR_ATTR_MISS_TYPE]) >= 4) {
		uint32_t type = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);

		if (type <= SEGFILTER_A_MAX && attr_names[type])
			fprintf(stderr, ", missing attribute %s",
				attr_names[type]);
		else
			fprintf(stderr, ", missing attribute %u", type);
	}
	fputc('\n', stderr);
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

static int handle_error(struct nlmsghdr *nlh, struct nlmsghdr *req)
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
	report(err->error, tlvs, len, req);
	return err->error ? 1 : 0;
}

static int handle_done(struct nlmsghdr *nlh, struct nlmsghdr *req)
{
	struct nlattr *tlvs;
	int error = 0;
	int len;

	/* The end of a dump carries the dump's error, then TLVs. */
	if (nlmsg_datalen(nlh) >= (int)sizeof(error))
		memcpy(&error, nlmsg_data(nlh), sizeof(error));
	tlvs = ack_tlvs(nlh, sizeof(error), &len);
	report(error, tlvs, len, req);
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

int sfnl_request(struct nl_msg *msg, struct sfnl_replies *replies)
{
	struct nlmsghdr *req = nlmsg_hdr(msg);
	bool dump = req->nlmsg_flags & NLM_F_DUMP;
	bool intr;
	int tries, ret;

	if (msg_overflow) {
		fputs("segctl: the request is too large\n", stderr);
		return 1;
	}
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

	ret = genlmsg_parse(nlh, 0, tb, SEGFILTER_A_MAX, attr_policy);
	if (ret < 0) {
		fprintf(stderr, "segctl: malformed reply from the kernel: %s\n",
			nl_geterror(ret));
		return 1;
	}
	return 0;
}

int sfnl_parse_stats(struct nlattr *nest, struct nlattr **tb)
{
	int ret;

	ret = nla_parse_nested(tb, SEGFILTER_STATS_MAX, nest, stats_policy);
	if (ret < 0) {
		fprintf(stderr,
			"segctl: malformed statistics from the kernel: %s\n",
			nl_geterror(ret));
		return 1;
	}
	return 0;
}
