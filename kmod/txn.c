// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: commits and transactions.
 *
 * Every change of configuration is a commit.  A single command is a
 * commit of one; a transaction is a commit of all the commands a socket
 * staged.  A commit applies its commands in order, with segf_net::lock
 * held, to the control-path objects (groups, endpoints, rules...), while
 * each domain it touches builds its next policy generation aside:
 *
 *  - new endpoints are born in the next generation, deleted ones die in
 *    it, so the data path, which still reads the current generation,
 *    sees neither change yet;
 *  - rules are added to, or marked dying in, the domain's rule table,
 *    which only the control path reads;
 *  - default action, gateway and flow limit go to segf_domain::next_cfg.
 *
 * Each step records how to undo it.  When every command applied and
 * every touched domain's generation is built, the generations are
 * published, one pointer swap per domain, and what was deleted is
 * unlinked and freed after a grace period.  When anything fails, the
 * steps are undone in reverse and nothing was ever visible.
 *
 * A transaction (SEGFILTER_CMD_TXN_BEGIN) belongs to the socket that
 * opened it.  Staged commands are kept as their attributes, checked for
 * what can be checked alone when staged, and applied at commit.  Closing
 * the socket aborts its transactions.
 *
 * This file knows nothing of the commands: it keeps the staged messages,
 * and the netlink side takes a transaction (segf_txn_take()) and replays
 * them through its command table within one commit.  Deletes record and
 * retire in the order the locking DOC in segfilter.h gives.
 */

#include <linux/netlink.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "compat.h"
#include "domain.h"
#include "endpoint.h"
#include "policy.h"
#include "port.h"
#include "prefix.h"
#include "segfilter.h"
#include "service.h"
#include "txn.h"

/* At most 16 open transactions per namespace, of 64 MiB each. */
#define SEGF_TXN_MAX_OPEN	16
#define SEGF_TXN_MAX_BYTES	(64U << 20)
#define SEGF_TXN_CHUNK		(256U << 10)

struct segf_undo {
	struct list_head node;
	enum segf_undo_kind kind;
	void *obj;
};

void segf_commit_begin(struct segf_commit *c, struct segf_net *sn,
		       struct netlink_ext_ack *extack)
{
	segf_assert_locked(sn);
	c->sn = sn;
	c->extack = extack;
	c->check = false;
	INIT_LIST_HEAD(&c->undo);
	INIT_LIST_HEAD(&c->domains);
}

/* @dom changes in this commit: start its next generation from the current. */
void segf_commit_touch(struct segf_commit *c, struct segf_domain *dom)
{
	struct segf_policy *cur;

	if (dom->touched)
		return;
	cur = rcu_dereference_protected(dom->policy,
					lockdep_is_held(&c->sn->lock));
	dom->touched = true;
	dom->rules_changed = false;
	/* Endpoints gone outside a commit left their prefixes in the table. */
	dom->prefixes_changed = dom->prefixes_stale;
	dom->next_gen = cur->gen + 1;
	dom->next_cfg = cur->cfg;
	list_add_tail(&dom->commit_node, &c->domains);
}

/* A domain destroyed while a commit touched it (undoing its creation). */
void segf_commit_forget(struct segf_domain *dom)
{
	if (dom->touched) {
		list_del(&dom->commit_node);
		dom->touched = false;
	}
}

int segf_commit_record(struct segf_commit *c, enum segf_undo_kind kind,
		       void *obj)
{
	struct segf_undo *u;

	u = kmalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
	if (!u)
		return -ENOMEM;
	u->kind = kind;
	u->obj = obj;
	list_add(&u->node, &c->undo);
	return 0;
}

/*
 * Drop the newest record, made for @obj by a delete that was then
 * refused: the delete changed nothing, so there is nothing to undo.
 */
void segf_commit_unrecord(struct segf_commit *c, void *obj)
{
	struct segf_undo *u;

	u = list_first_entry_or_null(&c->undo, struct segf_undo, node);
	if (WARN_ON_ONCE(!u || u->obj != obj))
		return;
	list_del(&u->node);
	kfree(u);
}

static void segf_undo_one(struct segf_undo *u)
{
	struct segf_ep_move *mv;
	struct segf_instance *inst;
	struct segf_rule *rule;
	struct segf_group *grp;

	switch (u->kind) {
	case SEGF_UNDO_DOMAIN_NEW:
		segf_domain_destroy(u->obj, true, NULL);
		break;
	case SEGF_UNDO_PORT_NEW:
		segf_port_detach(u->obj);
		break;
	case SEGF_UNDO_GROUP_NEW:
		segf_group_unlink(u->obj);
		break;
	case SEGF_UNDO_GROUP_DEL:
		grp = u->obj;
		grp->dying = false;
		break;
	case SEGF_UNDO_ENDPOINT_NEW:
		segf_endpoint_destroy(u->obj);
		break;
	case SEGF_UNDO_ENDPOINT_DEL:
		segf_endpoint_revive(u->obj);
		break;
	case SEGF_UNDO_RULE_NEW:
		rule = u->obj;
		segf_rule_unlink(rule);
		segf_rule_free(rule);
		break;
	case SEGF_UNDO_RULE_DEL:
		segf_rule_revive(u->obj);
		break;
	case SEGF_UNDO_SERVICE_NEW:
		segf_service_unlink(u->obj);
		break;
	case SEGF_UNDO_SERVICE_DEL:
		segf_service_revive(u->obj);
		break;
	case SEGF_UNDO_INSTANCE_NEW:
		segf_instance_unlink(u->obj);
		break;
	case SEGF_UNDO_INSTANCE_DEL:
		segf_instance_revive(u->obj);
		break;
	case SEGF_UNDO_INSTANCE_DRAIN:
		inst = u->obj;
		inst->next_drained = !inst->next_drained;
		break;
	case SEGF_UNDO_CHAIN_NEW:
		segf_chain_unlink(u->obj);
		break;
	case SEGF_UNDO_CHAIN_DEL:
		segf_chain_revive(u->obj);
		break;
	case SEGF_UNDO_ENDPOINT_MOVE:
		mv = u->obj;
		segf_endpoint_unmove(mv->ep, mv->port, mv->remote);
		kfree(mv);
		break;
	case SEGF_UNDO_PREFIX_NEW:
		segf_prefix_unlink(u->obj);
		break;
	case SEGF_UNDO_PREFIX_DEL:
		segf_prefix_revive(u->obj);
		break;
	}
}

/*
 * Whether the commit gave a key of an object it deleted (an endpoint's
 * MAC or address, an instance's id or port) to a new object, which the
 * data path finds in the old one's place once that is unlinked.
 */
static bool segf_commit_handover(const struct segf_commit *c)
{
	struct segf_undo *u;

	list_for_each_entry(u, &c->undo, node) {
		if (u->kind == SEGF_UNDO_ENDPOINT_DEL &&
		    segf_endpoint_succeeded(u->obj))
			return true;
		if (u->kind == SEGF_UNDO_INSTANCE_DEL &&
		    segf_instance_succeeded(u->obj))
			return true;
	}
	return false;
}

/* After the new generations are live: let go of what was deleted. */
static void segf_finalize_one(struct segf_undo *u)
{
	struct segf_ep_move *mv;
	struct segf_instance *inst;

	switch (u->kind) {
	case SEGF_UNDO_GROUP_NEW:
		segf_group_settle(u->obj);
		break;
	case SEGF_UNDO_GROUP_DEL:
		segf_group_unlink(u->obj);
		break;
	case SEGF_UNDO_ENDPOINT_DEL:
		segf_endpoint_unlink(u->obj);
		break;
	case SEGF_UNDO_SERVICE_DEL:
		segf_service_unlink(u->obj);
		break;
	case SEGF_UNDO_INSTANCE_DRAIN:
		inst = u->obj;
		WRITE_ONCE(inst->drained, inst->next_drained);
		segf_instance_report(inst, false);
		break;
	case SEGF_UNDO_INSTANCE_NEW:
		segf_instance_report(u->obj, false);
		break;
	case SEGF_UNDO_INSTANCE_DEL:
		segf_instance_report(u->obj, true);
		segf_instance_unlink(u->obj);
		break;
	case SEGF_UNDO_CHAIN_DEL:
		segf_chain_unlink(u->obj);
		break;
	case SEGF_UNDO_ENDPOINT_MOVE:
		mv = u->obj;
		if (mv->remote)
			kfree_rcu(mv->remote, rcu);
		kfree(mv);
		break;
	default:
		/*
		 * Created objects stay; deleted rules and prefixes went
		 * with publish.
		 */
		break;
	}
}

static void segf_commit_clear(struct segf_commit *c)
{
	struct segf_domain *dom, *tmp;

	list_for_each_entry_safe(dom, tmp, &c->domains, commit_node) {
		list_del(&dom->commit_node);
		dom->touched = false;
		dom->rules_changed = false;
		dom->prefixes_changed = false;
	}
}

static void segf_commit_rollback(struct segf_commit *c)
{
	struct segf_undo *u, *tmp;

	list_for_each_entry_safe(u, tmp, &c->undo, node) {
		list_del(&u->node);
		segf_undo_one(u);
		kfree(u);
	}
	segf_commit_clear(c);
}

/**
 * segf_commit_end - publish what a commit built, or undo it
 * @c: the commit
 * @err: 0 if every command applied, else the error of the one that failed
 *
 * A commit that is only a check (@c->check) builds every generation, as
 * one that publishes would, then throws them away and undoes its steps:
 * what would fail fails the same, and nothing changes either way.
 *
 * Return: 0 when the new generations are live (or, for a check, were
 * built); else an error, with the state exactly as before the commit
 * began.
 */
int segf_commit_end(struct segf_commit *c, int err)
{
	struct segf_domain *dom;
	struct segf_undo *u, *tmp;
	unsigned int n = 0, i = 0;
	struct segf_policy **built;

	if (err)
		goto rollback;

	list_for_each_entry(dom, &c->domains, commit_node)
		n++;
	built = kcalloc(max(n, 1U), sizeof(*built), GFP_KERNEL);
	if (!built) {
		err = -ENOMEM;
		goto rollback;
	}
	list_for_each_entry(dom, &c->domains, commit_node) {
		err = segf_policy_build(dom, &built[i], c->extack);
		if (err)
			break;
		i++;
	}
	if (err || c->check) {
		while (i--) {
			segf_index_put(built[i]->index);
			segf_pfx_table_put(built[i]->prefixes);
			kfree(built[i]->hosts);
			kfree(built[i]);
		}
		kfree(built);
		goto rollback;
	}

	/* Nothing can fail from here on. */
	i = 0;
	list_for_each_entry(dom, &c->domains, commit_node)
		segf_policy_publish(dom, built[i++]);
	kfree(built);
	/*
	 * A frame that read an old generation and looked a key up after
	 * its old object was unlinked would find only the new one, which
	 * its generation does not see, and be dropped: where the commit
	 * gave keys again, let such frames finish first.
	 */
	if (segf_commit_handover(c))
		synchronize_rcu();
	/*
	 * Oldest first: what a commit deletes, it deletes children first
	 * (an endpoint before its group, an instance before its service),
	 * and a child lets go of its parent before the parent is freed.
	 */
	list_for_each_entry_safe_reverse(u, tmp, &c->undo, node) {
		list_del(&u->node);
		segf_finalize_one(u);
		kfree(u);
	}
	segf_commit_clear(c);
	segf_changed(c->sn);
	return 0;

rollback:
	segf_commit_rollback(c);
	return err;
}

/* ---- transactions ---- */

struct segf_txn_chunk {
	struct list_head node;
	size_t used;
	size_t size;
	u8 data[];
};

struct segf_txn {
	u32 id;
	u32 portid;
	u32 n_ops;
	size_t bytes;
	struct list_head chunks;
};

void segf_txn_free(struct segf_txn *txn)
{
	struct segf_txn_chunk *chunk, *tmp;

	list_for_each_entry_safe(chunk, tmp, &txn->chunks, node)
		kvfree(chunk);
	kfree(txn);
}

int segf_txn_begin(struct segf_net *sn, u32 portid, u32 *id,
		   struct netlink_ext_ack *extack)
{
	struct segf_txn *txn;
	unsigned long idx;
	unsigned int n = 0;
	int err;

	segf_assert_locked(sn);
	xa_for_each(&sn->txns, idx, txn)
		n++;
	if (n >= SEGF_TXN_MAX_OPEN) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "%u transactions are open already", n);
		return -EBUSY;
	}
	txn = kzalloc(sizeof(*txn), GFP_KERNEL_ACCOUNT);
	if (!txn)
		return -ENOMEM;
	txn->portid = portid;
	INIT_LIST_HEAD(&txn->chunks);
	err = xa_alloc_cyclic(&sn->txns, &txn->id, txn, xa_limit_32b,
			      &sn->next_txn, GFP_KERNEL_ACCOUNT);
	if (err < 0) {
		kfree(txn);
		return err;
	}
	*id = txn->id;
	return 0;
}

static struct segf_txn *segf_txn_lookup(struct segf_net *sn, u32 id,
					u32 portid,
					struct netlink_ext_ack *extack)
{
	struct segf_txn *txn = xa_load(&sn->txns, id);

	if (!txn) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "no open transaction %u", id);
		return ERR_PTR(-ENOENT);
	}
	if (txn->portid != portid) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "transaction %u belongs to another socket",
				       id);
		return ERR_PTR(-EPERM);
	}
	return txn;
}

/* Keep a checked command of transaction @id to apply at commit. */
int segf_txn_stage(struct segf_net *sn, u32 id, const struct genl_info *info)
{
	size_t len = genlmsg_len(info->genlhdr);
	size_t need = sizeof(struct segf_txn_op) + ALIGN(len, 4);
	struct segf_txn_chunk *chunk;
	struct segf_txn_op *op;
	struct segf_txn *txn;
	int err = 0;

	segf_lock(sn);
	txn = segf_txn_lookup(sn, id, info->snd_portid, info->extack);
	if (IS_ERR(txn)) {
		err = PTR_ERR(txn);
		goto out;
	}
	if (txn->bytes + need > SEGF_TXN_MAX_BYTES) {
		NL_SET_ERR_MSG_FMT_MOD(info->extack,
				       "transaction %u holds %u MiB already",
				       id, SEGF_TXN_MAX_BYTES >> 20);
		err = -E2BIG;
		goto out;
	}
	chunk = list_empty(&txn->chunks) ? NULL :
		list_last_entry(&txn->chunks, struct segf_txn_chunk, node);
	if (!chunk || chunk->used + need > chunk->size) {
		chunk = kvmalloc(struct_size(chunk, data,
					     max_t(size_t, need, SEGF_TXN_CHUNK)),
				 GFP_KERNEL_ACCOUNT);
		if (!chunk) {
			err = -ENOMEM;
			goto out;
		}
		chunk->used = 0;
		chunk->size = max_t(size_t, need, SEGF_TXN_CHUNK);
		list_add_tail(&chunk->node, &txn->chunks);
	}
	op = (struct segf_txn_op *)(chunk->data + chunk->used);
	op->len = len;
	op->seq = info->snd_seq;
	op->cmd = info->genlhdr->cmd;
	memcpy(op + 1, genlmsg_data(info->genlhdr), len);
	chunk->used += need;
	txn->bytes += need;
	txn->n_ops++;
out:
	mutex_unlock(&sn->lock);
	return err;
}

int segf_txn_abort(struct segf_net *sn, u32 id, u32 portid,
		   struct netlink_ext_ack *extack)
{
	struct segf_txn *txn;

	segf_assert_locked(sn);
	txn = segf_txn_lookup(sn, id, portid, extack);
	if (IS_ERR(txn))
		return PTR_ERR(txn);
	xa_erase(&sn->txns, id);
	segf_txn_free(txn);
	return 0;
}

/*
 * Name the staged command that failed: its sequence number goes in the
 * message and, for tools, in the extack cookie.  Attribute pointers into
 * the staged copy mean nothing to the requester and are dropped.
 */
void segf_txn_blame(struct netlink_ext_ack *extack, u32 seq)
{
	/* What "segfilter: " leaves of 6.12's 80 bytes. */
	char msg[80 - sizeof(KBUILD_MODNAME ": ") + 1];
	const char *text;

	if (!extack)
		return;
	text = extack->_msg ?: "failed";
	if (!strncmp(text, KBUILD_MODNAME ": ", strlen(KBUILD_MODNAME) + 2))
		text += strlen(KBUILD_MODNAME) + 2;
	strscpy(msg, text, sizeof(msg));
	strim(msg);
	/*
	 * "op 4294967295: " before it leaves 47 bytes: a longer reason
	 * keeps its words rather than its op, which the cookie names.
	 */
	if (strlen(msg) <= 47)
		NL_SET_ERR_MSG_FMT_MOD(extack, "op %u: %s", seq, msg);
	else
		NL_SET_ERR_MSG_FMT_MOD(extack, "%s", msg);
	extack->bad_attr = NULL;
	extack->miss_nest = NULL;
	extack->miss_type = 0;
	memcpy(extack->cookie, &seq, sizeof(seq));
	extack->cookie_len = sizeof(seq);
}

/**
 * segf_txn_take - take a transaction out of the namespace, to commit it
 * @sn: the namespace
 * @id: the transaction
 * @portid: the socket committing it, which must be the one that opened it
 * @n_ops: how many commands the requester staged
 * @extack: for errors
 *
 * The caller replays the staged commands (segf_txn_next()) within one
 * commit, then frees the transaction with segf_txn_free() whatever the
 * outcome.  Takes segf_net::lock.
 *
 * Return: the transaction, or an error pointer (a transaction whose count
 * of commands is wrong is freed: nothing of it is applied).
 */
struct segf_txn *segf_txn_take(struct segf_net *sn, u32 id, u32 portid,
			       u32 n_ops, struct netlink_ext_ack *extack)
{
	struct segf_txn *txn;

	segf_lock(sn);
	txn = segf_txn_lookup(sn, id, portid, extack);
	if (!IS_ERR(txn))
		xa_erase(&sn->txns, id);
	mutex_unlock(&sn->lock);
	if (IS_ERR(txn))
		return txn;

	if (txn->n_ops != n_ops) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "%u commands staged, not %u: nothing applied",
				       txn->n_ops, n_ops);
		segf_txn_free(txn);
		return ERR_PTR(-EINVAL);
	}
	return txn;
}

/*
 * The staged command after the one @cur points at, in the order staged;
 * NULL after the last.  Start with a zeroed cursor.
 */
const struct segf_txn_op *segf_txn_next(struct segf_txn *txn,
					struct segf_txn_cursor *cur)
{
	const struct segf_txn_op *op;

	if (!cur->chunk)
		cur->chunk = list_first_entry_or_null(&txn->chunks,
						      struct segf_txn_chunk,
						      node);
	while (cur->chunk && cur->off >= cur->chunk->used) {
		cur->chunk = list_is_last(&cur->chunk->node, &txn->chunks) ?
			     NULL : list_next_entry(cur->chunk, node);
		cur->off = 0;
	}
	if (!cur->chunk)
		return NULL;
	op = (const void *)(cur->chunk->data + cur->off);
	cur->off += sizeof(*op) + ALIGN(op->len, 4);
	return op;
}

/* The namespace goes: so do its open transactions. */
void segf_txn_flush(struct segf_net *sn)
{
	struct segf_txn *txn;
	unsigned long idx;

	xa_for_each(&sn->txns, idx, txn) {
		xa_erase(&sn->txns, idx);
		segf_txn_free(txn);
	}
}

/* A socket closed: abort the transactions it left open. */
static int segf_txn_release(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct netlink_notify *n = ptr;
	struct segf_txn *txn;
	struct segf_net *sn;
	unsigned long idx;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC ||
	    !n->portid)
		return NOTIFY_DONE;
	sn = segf_pernet(n->net);
	/* Every genetlink socket of the namespace ends up here. */
	if (xa_empty(&sn->txns))
		return NOTIFY_DONE;
	segf_lock(sn);
	xa_for_each(&sn->txns, idx, txn) {
		if (txn->portid != n->portid)
			continue;
		xa_erase(&sn->txns, idx);
		segf_txn_free(txn);
	}
	mutex_unlock(&sn->lock);
	return NOTIFY_DONE;
}

static struct notifier_block segf_txn_notifier = {
	.notifier_call = segf_txn_release,
};

int __init segf_txn_init(void)
{
	return netlink_register_notifier(&segf_txn_notifier);
}

void segf_txn_uninit(void)
{
	netlink_unregister_notifier(&segf_txn_notifier);
}
