/* SPDX-License-Identifier: GPL-2.0 */
/*
 * segfilter: commits, their undo log, and transactions of staged
 * commands (txn.c).
 */
#ifndef _SEGF_TXN_H
#define _SEGF_TXN_H

#include <linux/list.h>
#include <linux/types.h>

struct genl_info;
struct netlink_ext_ack;
struct nlattr;
struct segf_domain;
struct segf_net;

/* A commit being built: see txn.c. */
struct segf_commit {
	struct segf_net *sn;
	struct netlink_ext_ack *extack;
	struct list_head undo;		/* newest first */
	struct list_head domains;	/* touched, by commit_node */
	bool check;			/* build, then undo: publish nothing */
};

enum segf_undo_kind {
	SEGF_UNDO_DOMAIN_NEW,
	SEGF_UNDO_PORT_NEW,
	SEGF_UNDO_GROUP_NEW,
	SEGF_UNDO_GROUP_DEL,
	SEGF_UNDO_ENDPOINT_NEW,
	SEGF_UNDO_ENDPOINT_DEL,
	SEGF_UNDO_RULE_NEW,
	SEGF_UNDO_RULE_DEL,
	SEGF_UNDO_SERVICE_NEW,
	SEGF_UNDO_SERVICE_DEL,
	SEGF_UNDO_INSTANCE_NEW,
	SEGF_UNDO_INSTANCE_DEL,
	SEGF_UNDO_INSTANCE_DRAIN,
	SEGF_UNDO_CHAIN_NEW,
	SEGF_UNDO_CHAIN_DEL,
	SEGF_UNDO_ENDPOINT_MOVE,
	SEGF_UNDO_PREFIX_NEW,
	SEGF_UNDO_PREFIX_DEL,
};

/* txn.c */
struct segf_txn;
struct segf_txn_chunk;

/* One staged command: this header, then its attributes. */
struct segf_txn_op {
	u32 len;		/* of the attributes */
	u32 seq;		/* nlmsg_seq of the request, for errors */
	u8 cmd;
	u8 pad[3];
};

static inline const struct nlattr *
segf_txn_op_attrs(const struct segf_txn_op *op)
{
	return (const struct nlattr *)(op + 1);
}

/* Where segf_txn_next() is in a transaction's staged commands. */
struct segf_txn_cursor {
	struct segf_txn_chunk *chunk;
	size_t off;
};

void segf_commit_begin(struct segf_commit *c, struct segf_net *sn,
		       struct netlink_ext_ack *extack);
void segf_commit_touch(struct segf_commit *c, struct segf_domain *dom);
void segf_commit_forget(struct segf_domain *dom);
int segf_commit_record(struct segf_commit *c, enum segf_undo_kind kind,
		       void *obj);
void segf_commit_unrecord(struct segf_commit *c, void *obj);
int segf_commit_end(struct segf_commit *c, int err);
int segf_txn_begin(struct segf_net *sn, u32 portid, u32 *id,
		   struct netlink_ext_ack *extack);
int segf_txn_stage(struct segf_net *sn, u32 id, const struct genl_info *info);
int segf_txn_abort(struct segf_net *sn, u32 id, u32 portid,
		   struct netlink_ext_ack *extack);
struct segf_txn *segf_txn_take(struct segf_net *sn, u32 id, u32 portid,
			       u32 n_ops, struct netlink_ext_ack *extack);
const struct segf_txn_op *segf_txn_next(struct segf_txn *txn,
					struct segf_txn_cursor *cur);
void segf_txn_blame(struct netlink_ext_ack *extack, u32 seq);
void segf_txn_free(struct segf_txn *txn);
void segf_txn_flush(struct segf_net *sn);
int segf_txn_init(void);
void segf_txn_uninit(void);

#endif /* _SEGF_TXN_H */
