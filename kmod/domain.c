// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: virtual domains (the isolation boundary) and their endpoint
 * groups.  All functions here are called with segf_net::lock held.
 */

#include <linux/ctype.h>
#include <linux/netlink.h>
#include <linux/rhashtable.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "compat.h"
#include "domain.h"
#include "endpoint.h"
#include "flow.h"
#include "policy.h"
#include "port.h"
#include "prefix.h"
#include "segfilter.h"
#include "service.h"
#include "stats.h"
#include "txn.h"

/*
 * Names start with a letter, so that tools can tell them from numeric
 * ids, and hold only characters that are safe to print and to parse.
 */
bool segf_name_valid(const char *name)
{
	const char *c;

	/* ASCII only: the kernel's isalpha() also takes Latin-1 letters. */
	if (!isascii(name[0]) || !isalpha(name[0]))
		return false;
	for (c = name; *c; c++)
		if (!isascii(*c) ||
		    (!isalnum(*c) && *c != '-' && *c != '_' && *c != '.'))
			return false;
	return true;
}

/*
 * Domains by name, for the commands that name them: a transaction that
 * creates thousands of domains must not walk them for each one.
 */
static const struct rhashtable_params segf_domain_name_params = {
	.key_len = SEGFILTER_NAME_SIZE,
	.key_offset = offsetof(struct segf_domain, name),
	.head_offset = offsetof(struct segf_domain, name_node),
	.automatic_shrinking = true,
};

int segf_domain_names_init(struct segf_net *sn)
{
	return rhashtable_init(&sn->domain_names, &segf_domain_name_params);
}

/* Every domain is gone by now. */
void segf_domain_names_destroy(struct segf_net *sn)
{
	rhashtable_destroy(&sn->domain_names);
}

/* Find a domain by id, or by name when @name is not NULL. */
struct segf_domain *segf_domain_find(struct segf_net *sn, u32 id,
				     const char *name)
{
	char key[SEGFILTER_NAME_SIZE] __aligned(4) = {};
	struct segf_domain *dom;

	segf_assert_locked(sn);
	if (!name)
		return xa_load(&sn->domains, id);
	strscpy(key, name, sizeof(key));
	/* The lock keeps what we find; RCU is what the table asks for. */
	rcu_read_lock();
	dom = rhashtable_lookup(&sn->domain_names, key,
				segf_domain_name_params);
	rcu_read_unlock();
	return dom;
}

static void segf_domain_free_rcu(struct rcu_head *head)
{
	struct segf_domain *dom = container_of(head, struct segf_domain, rcu);

	free_percpu(dom->stats);
	kfree(dom);
}

/*
 * Groups by name, for commands that name them: a batch of 100k rules
 * between a few hundred groups must not walk the groups for each one.
 * A group deleted by the transaction being built may still hold the name
 * its successor takes, hence a list table.
 */
static const struct rhashtable_params segf_group_name_params = {
	.key_len = SEGFILTER_NAME_SIZE,
	.key_offset = offsetof(struct segf_group, name),
	.head_offset = offsetof(struct segf_group, name_node),
	.automatic_shrinking = true,
};

/**
 * segf_domain_room - may @dom take one more of what it holds @n of?
 * @dom: the domain
 * @n: how many it holds now, those the commit being built added included
 * @limit: the domain's limit for them, as that commit leaves it
 * @what: their name, for the message
 * @extack: where to say why not
 *
 * Return: 0, or -ENOSPC with a message that names the limit.
 */
int segf_domain_room(struct segf_domain *dom, unsigned int n, u32 limit,
		     const char *what, struct netlink_ext_ack *extack)
{
	if (n < limit)
		return 0;
	NL_SET_ERR_MSG_FMT_MOD(extack,
			       "domain \"%s\" holds %u %ss, its %s-limit",
			       dom->name, n, what, what);
	return -ENOSPC;
}

int segf_domain_create(struct segf_net *sn, u32 id, const char *name,
		       const struct segf_domain_cfg *cfg, struct segf_domain **out,
		       struct netlink_ext_ack *extack)
{
	struct segf_domain *dom;
	int err;

	segf_assert_locked(sn);
	if (xa_load(&sn->domains, id)) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "domain id %u already exists", id);
		return -EEXIST;
	}
	if (segf_domain_find(sn, 0, name)) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "domain \"%s\" already exists",
				       name);
		return -EEXIST;
	}
	if (sn->n_domains >= READ_ONCE(segf_max_domains_per_netns)) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "namespace holds %u domains, the host's max_domains_per_netns",
				       sn->n_domains);
		return -ENOSPC;
	}

	dom = kzalloc(sizeof(*dom), GFP_KERNEL_ACCOUNT);
	if (!dom)
		return -ENOMEM;
	dom->stats = segf_stats_alloc();
	if (!dom->stats) {
		err = -ENOMEM;
		goto err_free;
	}
	dom->ctrs = segf_ctr_pool_new(dom);
	if (!dom->ctrs) {
		err = -ENOMEM;
		goto err_stats;
	}
	dom->sn = sn;
	dom->id = id;
	strscpy(dom->name, name, sizeof(dom->name));
	xa_init(&dom->groups);
	xa_init_flags(&dom->endpoints, XA_FLAGS_ALLOC);
	xa_init_flags(&dom->rules, XA_FLAGS_ALLOC1);
	xa_init_flags(&dom->services, XA_FLAGS_ALLOC1);
	xa_init_flags(&dom->chains, XA_FLAGS_ALLOC1);
	INIT_LIST_HEAD(&dom->ports);
	INIT_LIST_HEAD(&dom->commit_node);
	/* Verdict events: at most 100 every half second per domain. */
	ratelimit_state_init(&dom->log_limit, HZ / 2, 100);
	ratelimit_set_flags(&dom->log_limit, RATELIMIT_MSG_ON_RELEASE);
	/* ICMP errors from the gateway: at most 100 a second per domain. */
	ratelimit_state_init(&dom->icmp_limit, HZ, 100);
	ratelimit_set_flags(&dom->icmp_limit, RATELIMIT_MSG_ON_RELEASE);
	spin_lock_init(&dom->bum_lock);
	dom->bum_start = jiffies;

	err = rhltable_init(&dom->group_names, &segf_group_name_params);
	if (err)
		goto err_stats;
	err = segf_prefixes_init(dom);
	if (err)
		goto err_groups;
	err = segf_endpoint_tables_init(dom);
	if (err)
		goto err_names;
	err = segf_flows_init(dom);
	if (err)
		goto err_tables;
	err = segf_policy_init(dom, cfg);
	if (err)
		goto err_flows;
	err = rhashtable_insert_fast(&sn->domain_names, &dom->name_node,
				     segf_domain_name_params);
	if (err)
		goto err_policy;
	err = xa_insert(&sn->domains, id, dom, GFP_KERNEL_ACCOUNT);
	if (err)
		goto err_name;

	segf_ra_init(dom);
	segf_changed(sn);
	*out = dom;
	return 0;

err_name:
	rhashtable_remove_fast(&sn->domain_names, &dom->name_node,
			       segf_domain_name_params);
err_policy:
	segf_policy_destroy(dom);
err_flows:
	segf_flows_destroy(dom);
err_tables:
	segf_endpoint_tables_destroy(dom);
err_names:
	segf_prefixes_destroy(dom);
err_groups:
	rhltable_destroy(&dom->group_names);
err_stats:
	segf_ctr_pool_put(dom->ctrs);
	free_percpu(dom->stats);
err_free:
	kfree(dom);
	return err;
}

/*
 * Its creation undone, or its deletion published.  Undone, a group that
 * replaced a deleted one gives the slot back to it (the slot exists: the
 * store cannot fail).  Published, a group already replaced leaves its
 * successor's slot alone.
 */
void segf_group_unlink(struct segf_group *grp)
{
	struct segf_domain *dom = grp->domain;

	if (grp->shadow)
		WARN_ON(xa_is_err(xa_store(&dom->groups, grp->id, grp->shadow,
					   GFP_NOWAIT)));
	else
		xa_cmpxchg(&dom->groups, grp->id, grp, NULL, GFP_NOWAIT);
	grp->shadow = NULL;
	rhltable_remove(&dom->group_names, &grp->name_node,
			segf_group_name_params);
	dom->n_groups--;
	kfree_rcu(grp, rcu);
}

/* Its creation published: the group it replaced is no longer its to restore. */
void segf_group_settle(struct segf_group *grp)
{
	grp->shadow = NULL;
}

/**
 * segf_domain_set_vni - give a new domain its VXLAN network identifier
 * @dom: the domain, just created
 * @vni: 1..SEGFILTER_VNI_MAX, unique in the namespace
 * @extack: says why not
 *
 * Frames received on an uplink with @vni belong to @dom from here on.
 *
 * Return: 0, -EEXIST or -ENOMEM.
 */
int segf_domain_set_vni(struct segf_domain *dom, u32 vni,
			struct netlink_ext_ack *extack)
{
	struct segf_net *sn = dom->sn;
	struct segf_domain *other;
	int err;

	segf_assert_locked(sn);
	other = xa_load(&sn->vnis, vni);
	if (other) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "VNI %u belongs to domain \"%s\"",
				       vni, other->name);
		return -EEXIST;
	}
	err = xa_insert(&sn->vnis, vni, dom, GFP_KERNEL_ACCOUNT);
	if (err)
		return err;
	dom->vni = vni;
	return 0;
}

/*
 * Delete a domain.  Unless @force (namespace teardown, where ports are
 * gone already), refuse while ports are attached: the endpoints behind
 * them live in the domain, and an operator who deletes a tenant with
 * running VMs has most likely named the wrong one.
 */
int segf_domain_destroy(struct segf_domain *dom, bool force,
			struct netlink_ext_ack *extack)
{
	struct segf_net *sn = dom->sn;
	struct segf_endpoint *ep;
	struct segf_group *grp;
	unsigned long idx;

	segf_assert_locked(sn);
	if (dom->n_ports && !force) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "domain \"%s\" has %u port(s) attached; detach them first",
				       dom->name, dom->n_ports);
		return -EBUSY;
	}
	/*
	 * Readers reach a domain only through its ports' rx_handlers, and
	 * detaching each port waited for those (synchronize_net()), so
	 * nothing walks the tables freed below.
	 */
	if (WARN_ON(dom->n_ports))
		return -EBUSY;
	segf_ra_stop(dom);

	/*
	 * Uplinks find a domain by its VNI: wait for frames that did,
	 * unless the namespace is going and has no uplink left.
	 */
	if (dom->vni) {
		xa_erase(&sn->vnis, dom->vni);
		if (!sn->exiting)
			synchronize_net();
	}
	segf_commit_forget(dom);
	rhashtable_remove_fast(&sn->domain_names, &dom->name_node,
			       segf_domain_name_params);
	xa_erase(&sn->domains, dom->id);
	xa_for_each(&dom->endpoints, idx, ep)
		segf_endpoint_destroy(ep);
	segf_services_destroy(dom);
	segf_policy_destroy(dom);
	/* Its rules, freed with the last generation, hold the blocks. */
	segf_ctr_pool_put(dom->ctrs);
	segf_prefixes_destroy(dom);
	xa_for_each(&dom->groups, idx, grp)
		segf_group_unlink(grp);
	segf_flows_destroy(dom);
	segf_endpoint_tables_destroy(dom);
	rhltable_destroy(&dom->group_names);
	xa_destroy(&dom->groups);
	xa_destroy(&dom->endpoints);
	xa_destroy(&dom->rules);
	segf_changed(sn);
	call_rcu(&dom->rcu, segf_domain_free_rcu);
	return 0;
}

struct segf_group *segf_group_find(struct segf_domain *dom, u16 id,
				   const char *name)
{
	struct segf_group *grp, *found = NULL;
	char key[SEGFILTER_NAME_SIZE] = {};
	struct rhlist_head *list, *pos;

	segf_assert_locked(dom->sn);
	if (!name) {
		grp = xa_load(&dom->groups, id);
		return grp && !grp->dying ? grp : NULL;
	}
	strscpy(key, name, sizeof(key));
	/* The lock keeps what we find; RCU is what the table asks for. */
	rcu_read_lock();
	list = rhltable_lookup(&dom->group_names, key, segf_group_name_params);
	rhl_for_each_entry_rcu(grp, pos, list, name_node) {
		if (!grp->dying) {
			found = grp;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

int segf_group_create(struct segf_domain *dom, u16 id, const char *name,
		      struct segf_group **out, struct netlink_ext_ack *extack)
{
	struct segf_group *grp, *old;
	int err;

	segf_assert_locked(dom->sn);
	old = xa_load(&dom->groups, id);
	if (old && !old->dying) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "group id %u already exists in domain \"%s\"",
				       id, dom->name);
		return -EEXIST;
	}
	if (segf_group_find(dom, 0, name)) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "group \"%s\" already exists in domain \"%s\"",
				       name, dom->name);
		return -EEXIST;
	}

	grp = kzalloc(sizeof(*grp), GFP_KERNEL_ACCOUNT);
	if (!grp)
		return -ENOMEM;
	grp->domain = dom;
	grp->id = id;
	strscpy(grp->name, name, sizeof(grp->name));
	/* Names first: a failure then leaves the id's slot untouched. */
	err = rhltable_insert(&dom->group_names, &grp->name_node,
			      segf_group_name_params);
	if (err) {
		kfree(grp);
		return err;
	}
	/* A group this commit deleted gives its id up (see the struct). */
	err = old ? xa_err(xa_store(&dom->groups, id, grp,
				    GFP_KERNEL_ACCOUNT)) :
		    xa_insert(&dom->groups, id, grp, GFP_KERNEL_ACCOUNT);
	if (err) {
		rhltable_remove(&dom->group_names, &grp->name_node,
				segf_group_name_params);
		kfree_rcu(grp, rcu);
		return err;
	}
	grp->shadow = old;
	dom->n_groups++;
	segf_changed(dom->sn);
	*out = grp;
	return 0;
}

/*
 * Delete a group in the commit being built: it stays in the table, dying,
 * until the commit publishes (then segf_group_unlink()) or rolls back.
 */
int segf_group_retire(struct segf_group *grp, struct netlink_ext_ack *extack)
{
	segf_assert_locked(grp->domain->sn);
	if (grp->n_endpoints) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "group \"%s\" still has %u endpoint(s)",
				       grp->name, grp->n_endpoints);
		return -EBUSY;
	}
	if (grp->n_rules) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "group \"%s\" is named by %u rule(s)",
				       grp->name, grp->n_rules);
		return -EBUSY;
	}
	if (grp->n_prefixes) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "group \"%s\" holds %u prefix(es)",
				       grp->name, grp->n_prefixes);
		return -EBUSY;
	}
	grp->dying = true;
	return 0;
}

/*
 * Tear down everything a namespace configured: called from the pernet
 * exit, and from module exit through it.  Ports first, then the domains
 * they pointed to.  When a namespace goes, its devices went before this
 * runs, and the netdev notifier unhooked their ports: what is left is
 * their release, and only module exit finds ports still hooked (each
 * then takes RTNL alone, briefly).  With no port left no frame can
 * reach a domain, so deleting one waits for nothing.
 */
void segf_net_teardown(struct segf_net *sn)
{
	struct segf_domain *dom;
	struct segf_port *port;
	unsigned long idx;

	segf_port_flush_work(sn);
	segf_lock(sn);
	xa_for_each(&sn->ports, idx, port)
		segf_port_detach(port);
	sn->exiting = true;
	xa_for_each(&sn->domains, idx, dom)
		segf_domain_destroy(dom, true, NULL);
	mutex_unlock(&sn->lock);
	segf_port_flush_work(sn);
}
