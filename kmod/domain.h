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
#include <linux/spinlock_types.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/ipv6.h>
#include <uapi/linux/segfilter.h>

struct mem_cgroup;
struct netlink_ext_ack;
struct segf_net;
struct segf_ctr_pool;
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
	u32 prefix_limit;		/* checked by the control path only */
	u32 bum_limit;			/* replicated copies per second */
	struct segf_addr gw_addrs[SEGF_EP_ADDRS];
	/* What DHCP and router advertisements tell endpoints: see dhcp.c. */
	u32 mtu;			/* 0: none; also the uplinks' check */
	u8 n_dns;
	u8 n_ra_prefixes;
	/*
	 * The MAC of the endpoint flagged dhcp-server, all zero for none.
	 * The flag is the endpoint's: an endpoint of this MAC without it
	 * (the flagged one deleted, another added) is no server.
	 */
	u8 dhcp_server[ETH_ALEN];
	struct segf_addr dns[SEGF_EP_ADDRS];
	struct in6_addr ra_prefixes[SEGFILTER_EP_MAX_ADDRS];
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
	struct segf_ctr_pool *ctrs;	/* the rules' counters (counter.c) */
	struct xarray endpoints;	/* by an allocated index, for dumps */
	struct xarray services;		/* by an allocated id, 1..U16_MAX */
	struct xarray chains;		/* by an allocated id */
	struct xarray prefixes;		/* by an allocated index, for dumps */
	struct rhltable prefix_keys;	/* by key; a dying one may share it */
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
	unsigned int n_prefixes;

	/* Flows: see flow.c. */
	u32 flow_seed;			/* of segf_flow_hash() */
	struct rhashtable flows;
	atomic_t n_flows;
	atomic_t n_own;			/* of them, in its own share */
	struct mem_cgroup *memcg;	/* of the domain's creator: pays */
	struct delayed_work flow_gc;
	struct delayed_work ra_work;	/* unsolicited RAs: see dhcp.c */
	struct ratelimit_state log_limit;
	struct ratelimit_state icmp_limit;	/* the gateway's errors */
	/* Flood copies sent to other hosts this second: see bum.c. */
	spinlock_t bum_lock;
	unsigned long bum_start;
	u32 bum_sent;

	/*
	 * The published prefix table holds prefixes of endpoints that went
	 * outside a commit: the next commit builds it again.
	 */
	bool prefixes_stale;
	/* Set while a commit builds this domain's next generation. */
	struct list_head commit_node;
	bool touched;
	bool rules_changed;
	bool prefixes_changed;
	/*
	 * A remote endpoint came, went or moved since the last generation
	 * was built: the next one lists the domain's hosts again (bum.c).
	 * Not reset by a commit's start: cleared when a list is built.
	 */
	bool hosts_changed;
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
	unsigned int n_prefixes;	/* prefixes in it */
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

/* dhcp.c: a domain's unsolicited router advertisements */
void segf_ra_init(struct segf_domain *dom);
void segf_ra_stop(struct segf_domain *dom);

static inline bool segf_addr_equal(const struct segf_addr *a,
				   const struct segf_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/*
 * The gateway's IPv6 link-local address, the modified EUI-64 of its MAC
 * (RFC 4291 appendix A): the source of its router advertisements.
 */
static inline void segf_gw_link_local(const struct segf_domain_cfg *cfg,
				      struct in6_addr *ll)
{
	const u8 *mac = cfg->gw_mac;

	memset(ll, 0, sizeof(*ll));
	ll->s6_addr[0] = 0xfe;
	ll->s6_addr[1] = 0x80;
	ll->s6_addr[8] = mac[0] ^ 0x02;
	ll->s6_addr[9] = mac[1];
	ll->s6_addr[10] = mac[2];
	ll->s6_addr[11] = 0xff;
	ll->s6_addr[12] = 0xfe;
	ll->s6_addr[13] = mac[3];
	ll->s6_addr[14] = mac[4];
	ll->s6_addr[15] = mac[5];
}

/*
 * Whether @a is the gateway's: one of its addresses, or (when the domain
 * has prefixes to advertise, so that endpoints route through it by that
 * address) its link-local one.
 */
static inline bool segf_gw_owns(const struct segf_domain_cfg *cfg,
				const struct segf_addr *a)
{
	struct in6_addr ll;
	unsigned int i;

	if (a->family == AF_INET6 && cfg->n_ra_prefixes &&
	    a->v6.s6_addr32[0] == htonl(0xfe800000)) {
		segf_gw_link_local(cfg, &ll);
		if (ipv6_addr_equal(&ll, &a->v6))
			return true;
	}
	for (i = 0; i < cfg->n_gw_addrs; i++)
		if (segf_addr_equal(&cfg->gw_addrs[i], a))
			return true;
	return false;
}

#endif /* _SEGF_DOMAIN_H */
