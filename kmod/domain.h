/* SPDX-License-Identifier: GPL-2.0 */
/*
 * segfilter: a domain, its configuration and its groups (domain.c),
 * and the address every object keys on.  The configuration a domain
 * publishes, segf_domain_cfg(), is read through policy.h.
 */
#ifndef _SEGF_DOMAIN_H
#define _SEGF_DOMAIN_H

#include <linux/atomic.h>
#include <linux/if_ether.h>
#include <linux/in6.h>
#include <linux/list.h>
#include <linux/ratelimit_types.h>
#include <linux/rhashtable-types.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <uapi/linux/segfilter.h>

struct mem_cgroup;
struct netlink_ext_ack;
struct segf_net;
struct segf_pcpu_stats;
struct segf_policy;
struct segf_port;

/* Key of segf_domain::ep_by_addr: zero the padding before use. */
struct segf_addr {
	u8 family;			/* AF_INET or AF_INET6 */
	u8 pad[3];
	union {
		__be32 v4;
		struct in6_addr v6;
	};
};

#define SEGF_EP_ADDRS	(2 * SEGFILTER_EP_MAX_ADDRS)

/*
 * What a domain's policy says besides its rules.  A commit works on a
 * copy (segf_domain::next_cfg) and publishes it with the rules.
 */
struct segf_domain_cfg {
	u8 default_action;		/* ALLOW or DENY */
	u8 n_gw_addrs;
	u8 gw_mac[ETH_ALEN];		/* all zero: no gateway */
	u32 flow_limit;
	u32 endpoint_limit;		/* checked by the control path only */
	u32 rule_limit;
	u32 service_limit;
	u32 chain_limit;
	struct segf_addr gw_addrs[SEGF_EP_ADDRS];
};

struct segf_domain {
	struct segf_net *sn;
	u32 id;
	u32 vni;			/* 0: none, no remote endpoints */
	struct rhash_head name_node;	/* in segf_net::domain_names */
	/* Zero-padded, the whole a key: aligned for jhash2's words. */
	char name[SEGFILTER_NAME_SIZE] __aligned(4);

	struct segf_policy __rcu *policy;

	struct xarray groups;		/* by group id */
	struct rhltable group_names;	/* by name; a dying one may share it */
	struct xarray rules;		/* by rule id */
	struct xarray endpoints;	/* by an allocated index, for dumps */
	struct xarray services;		/* by an allocated id, 1..U16_MAX */
	struct xarray chains;		/* by an allocated id */
	struct rhashtable ep_by_mac;
	struct rhashtable ep_by_addr;
	struct list_head ports;		/* RCU list of segf_port */
	struct segf_port __rcu *exit;	/* its EXIT port, if it has one */
	unsigned int n_ports;
	unsigned int n_groups;
	unsigned int n_endpoints;
	unsigned int n_rules;
	unsigned int n_services;
	unsigned int n_chains;

	/* Flows: see flow.c. */
	u32 flow_seed;			/* of segf_flow::hash */
	struct rhashtable flows;
	atomic_t n_flows;
	atomic_t n_own;			/* of them, in its own share */
	struct mem_cgroup *memcg;	/* of the domain's creator: pays */
	struct delayed_work flow_gc;
	struct ratelimit_state log_limit;

	/* Set while a commit builds this domain's next generation. */
	struct list_head commit_node;
	bool touched;
	bool rules_changed;
	u64 next_gen;
	struct segf_domain_cfg next_cfg;

	struct segf_pcpu_stats __percpu *stats;
	struct rcu_head rcu;
};

struct segf_group {
	struct segf_domain *domain;
	struct rhlist_head name_node;	/* in segf_domain::group_names */
	/* Zero-padded, the whole a key: aligned for jhash2's words. */
	char name[SEGFILTER_NAME_SIZE] __aligned(4);
	u16 id;
	unsigned int n_endpoints;
	unsigned int n_rules;		/* rules naming it */
	bool dying;			/* deleted by the commit being built */
	/*
	 * The group of the same id that the commit being built deleted and
	 * this one replaced in segf_domain::groups: its endpoints' frames
	 * may still reach it until the commit publishes; a rollback puts
	 * it back.  NULL outside commits.
	 */
	struct segf_group *shadow;
	struct rcu_head rcu;
};

/* domain.c */
struct segf_domain *segf_domain_find(struct segf_net *sn, u32 id,
				     const char *name);
int segf_domain_room(struct segf_domain *dom, unsigned int n, u32 limit,
		     const char *what, struct netlink_ext_ack *extack);
int segf_domain_create(struct segf_net *sn, u32 id, const char *name,
		       const struct segf_domain_cfg *cfg, struct segf_domain **out,
		       struct netlink_ext_ack *extack);
int segf_domain_names_init(struct segf_net *sn);
void segf_domain_names_destroy(struct segf_net *sn);
int segf_domain_set_vni(struct segf_domain *dom, u32 vni,
			struct netlink_ext_ack *extack);
int segf_domain_destroy(struct segf_domain *dom, bool force,
			struct netlink_ext_ack *extack);
struct segf_group *segf_group_find(struct segf_domain *dom, u16 id,
				   const char *name);
int segf_group_create(struct segf_domain *dom, u16 id, const char *name,
		      struct segf_group **out, struct netlink_ext_ack *extack);
int segf_group_retire(struct segf_group *grp, struct netlink_ext_ack *extack);
void segf_group_unlink(struct segf_group *grp);
void segf_group_settle(struct segf_group *grp);
bool segf_name_valid(const char *name);
void segf_net_teardown(struct segf_net *sn);

static inline bool segf_addr_equal(const struct segf_addr *a,
				   const struct segf_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static inline bool segf_gw_owns(const struct segf_domain_cfg *cfg,
				const struct segf_addr *a)
{
	unsigned int i;

	for (i = 0; i < cfg->n_gw_addrs; i++)
		if (segf_addr_equal(&cfg->gw_addrs[i], a))
			return true;
	return false;
}

#endif /* _SEGF_DOMAIN_H */
