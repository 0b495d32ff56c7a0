/* SPDX-License-Identifier: GPL-2.0 */
/*
 * All of segctl's netlink plumbing: the socket, the "segfilter" generic
 * netlink family, requests, dumps, acks and the kernel's error messages.
 */
#ifndef SEGCTL_NL_H
#define SEGCTL_NL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include <linux/segfilter.h>

/* The replies to one request or dump, copied, in the order received. */
struct sfnl_replies {
	struct nlmsghdr **msgs;
	unsigned int count;
	unsigned int size;
};

void sfnl_replies_free(struct sfnl_replies *replies);

/*
 * Open the socket and resolve the family.  Returns 0, or 1 (the exit
 * status) after printing why not, e.g. when the module is not loaded.
 */
int sfnl_open(void);
/* How to get the module loaded (modprobe, dkms status), on stderr. */
void sfnl_print_load_hint(void);
void sfnl_close(void);

/*
 * A new request for @cmd: a dump when @dump is set, otherwise a request
 * acked by the kernel.  Add attributes with the sfnl_put_*() helpers;
 * they remember a failure (message too large) and sfnl_request() then
 * refuses to send.  Returns NULL (after printing why) if out of memory.
 */
struct nl_msg *sfnl_msg(uint8_t cmd, bool dump);
void sfnl_put_u8(struct nl_msg *msg, int type, uint8_t value);
void sfnl_put_u16(struct nl_msg *msg, int type, uint16_t value);
void sfnl_put_u32(struct nl_msg *msg, int type, uint32_t value);
void sfnl_put_string(struct nl_msg *msg, int type, const char *value);
void sfnl_put_flag(struct nl_msg *msg, int type);
void sfnl_put(struct nl_msg *msg, int type, const void *data, int len);
struct nlattr *sfnl_nest_start(struct nl_msg *msg, int type);
void sfnl_nest_end(struct nl_msg *msg, struct nlattr *nest);

/*
 * Send @msg and collect the kernel's replies into @replies (which may be
 * NULL when no reply is of interest).  A dump interrupted by a change of
 * the state (NLM_F_DUMP_INTR) is retried from scratch a few times.
 * Returns 0, or 1 (the exit status) after printing the kernel's error,
 * or 2 when the request was too large to build (nothing was sent).
 * @msg is not freed.
 */
int sfnl_request(struct nl_msg *msg, struct sfnl_replies *replies);

/*
 * Parse the SEGFILTER_A_* attributes of a reply into @tb, which has
 * SEGFILTER_A_MAX + 1 entries.  Unknown attributes are ignored.  Returns
 * 0, or 1 after printing that the reply is malformed.
 */
int sfnl_parse(struct nlmsghdr *nlh, struct nlattr **tb);

/* Parse a SEGFILTER_A_STATS nest into @tb (SEGFILTER_STATS_MAX + 1). */
int sfnl_parse_stats(struct nlattr *nest, struct nlattr **tb);

/* Parse a SEGFILTER_A_TUPLE nest into @tb (SEGFILTER_A_TUPLE_MAX + 1). */
int sfnl_parse_tuple(struct nlattr *nest, struct nlattr **tb);

/*
 * Parse a SEGFILTER_A_LEFT or _RIGHT nest into @tb
 * (SEGFILTER_A_IFACE_MAX + 1).
 */
int sfnl_parse_iface(struct nlattr *nest, struct nlattr **tb);

/*
 * Batch mode (segctl -b).  After sfnl_batch_start(), sfnl_request()
 * sends nothing: it checks the request, queues it as a command of one
 * transaction, and returns 0 with no reply.  sfnl_batch_line() tells
 * which line of @file the requests that follow come from; messages
 * about them start with "FILE:LINE: " (sfnl_print_where() prints that,
 * or nothing outside batch mode).  Nothing needs the kernel until
 * sfnl_batch_commit(), which sends all the queued commands in one
 * transaction (TXN_BEGIN, the commands with TXN_ID and without acks,
 * TXN_COMMIT), reports every refused command with its line, and returns
 * the exit status.  It leaves batch mode.
 */
void sfnl_batch_start(const char *file);
void sfnl_batch_line(unsigned int line);
bool sfnl_batch_mode(void);
void sfnl_print_where(FILE *f);
int sfnl_batch_commit(void);
/*
 * With @check, sfnl_batch_commit() asks the kernel to check the
 * transaction (TXN_CHECK): applied, built, then undone; nothing changes.
 */
void sfnl_batch_set_check(bool check);
/* Leave batch mode, sending nothing. */
void sfnl_batch_discard(void);

/*
 * The kernel's first error since sfnl_clear_error() (its extack message,
 * else the errno and the attribute), without "Error: " or the line, or
 * NULL if there was none; *@line is its batch line, or 0.  With
 * sfnl_set_quiet(true), errors are only recorded, not printed (segd
 * reports them its own way); warnings are then dropped.
 */
const char *sfnl_last_error(unsigned int *line);

/*
 * The loaded module's version (INFO_GET), in @version, and the family's
 * protocol version.  Returns 0; 2 when the module is not loaded; 3 when
 * it does not tell (a module older than INFO_GET); 1 on other trouble,
 * printed.
 */
int sfnl_module_version(char *version, size_t size, uint32_t *protocol);
void sfnl_clear_error(void);
void sfnl_set_quiet(bool on);

/*
 * Join the family's multicast group @group and call @event with each
 * message of the family that arrives, until SIGINT or SIGTERM.  Returns
 * the exit status: 0 once stopped by a signal.
 */
int sfnl_monitor(const char *group, void (*event)(struct nlmsghdr *nlh));

#endif /* SEGCTL_NL_H */
