/* SPDX-License-Identifier: GPL-2.0 */
/*
 * segfilter: internal objects shared by the module's files.
 *
 * DOC: Locking
 *
 * The data path (segf_handle_frame() and everything it calls) runs in
 * softirq context under rcu_read_lock() and takes no lock at all: every
 * pointer it follows is published with rcu_assign_pointer() or lives in
 * an RCU-safe table (rhashtable, xarray, RCU list).
 *
 * Writers serialise on the per-namespace mutex segf_net::lock.  Port
 * attach and detach change a net_device's rx_handler and therefore also
 * hold RTNL, taken first: RTNL -> segf_net::lock.  Objects unlinked by a
 * writer are freed after a grace period (kfree_rcu() / call_rcu()), and
 * module exit waits for those callbacks with rcu_barrier().
 *
 * Ownership: a namespace owns its domains and ports; a domain owns its
 * groups and endpoints.  Nothing is reference counted: a domain cannot
 * be deleted while ports are attached to it, a group while endpoints
 * belong to it, and detaching a port deletes the endpoints behind it, so
 * no object can outlive what it points to.
 */
#ifndef _SEGFILTER_H
#define _SEGFILTER_H

#include <linux/etherdevice.h>
#include <linux/in6.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/rhashtable-types.h>
#include <linux/u64_stats_sync.h>
#include <linux/xarray.h>
#include <uapi/linux/segfilter.h>

struct genl_info;
struct netlink_ext_ack;

/* Per-CPU counters, one set per port and one per domain. */
struct segf_pcpu_stats {
	u64_stats_t rx_packets;
	u64_stats_t rx_bytes;
	u64_stats_t tx_packets;
	u64_stats_t tx_bytes;
	u64_stats_t forwarded;
	u64_stats_t flooded;
	u64_stats_t arp_replies;
	u64_stats_t nd_replies;
	u64_stats_t drops[__SEGFILTER_DROP_MAX];
	struct u64_stats_sync syncp;
};

/* A snapshot of the counters above, summed over all CPUs. */
struct segf_stats {
	u64 rx_packets;
	u64 rx_bytes;
	u64 tx_packets;
	u64 tx_bytes;
	u64 forwarded;
	u64 flooded;
	u64 arp_replies;
	u64 nd_replies;
	u64 dropped;
	u64 drops[__SEGFILTER_DROP_MAX];
};

struct segf_net {
	struct net *net;
	struct mutex lock;		/* serialises all writers */
	struct xarray domains;		/* by domain id */
	struct xarray ports;		/* by ifindex */
	unsigned int genid;		/* bumped on every change, for dumps */
};

struct segf_domain {
	struct segf_net *sn;
	u32 id;
	char name[SEGFILTER_NAME_SIZE];
	u8 default_action;		/* enum segfilter_action */

	struct xarray groups;		/* by group id */
	struct xarray endpoints;	/* by an allocated index, for dumps */
	struct rhashtable ep_by_mac;
	struct rhashtable ep_by_addr;
	struct list_head ports;		/* RCU list of segf_port */
	unsigned int n_ports;
	unsigned int n_groups;
	unsigned int n_endpoints;

	struct segf_pcpu_stats __percpu *stats;
	struct rcu_head rcu;
};

struct segf_group {
	struct segf_domain *domain;
	u16 id;
	char name[SEGFILTER_NAME_SIZE];
	unsigned int n_endpoints;
	struct rcu_head rcu;
};

struct segf_port {
	struct net_device *dev;
	netdevice_tracker dev_tracker;
	struct segf_domain *domain;
	struct list_head domain_node;	/* in segf_domain::ports */
	u8 role;			/* enum segfilter_port_role */
	unsigned int n_endpoints;

	struct segf_pcpu_stats __percpu *stats;
	struct rcu_head rcu;
};

/* Key of segf_domain::ep_by_addr: zero the padding before use. */
struct segf_addr {
	u8 family;			/* AF_INET or AF_INET6 */
	u8 pad[3];
	union {
		__be32 v4;
		struct in6_addr v6;
	};
};

struct segf_ep_addr {
	struct rhash_head node;		/* in segf_domain::ep_by_addr */
	struct segf_addr key;
	struct segf_endpoint *ep;
};

#define SEGF_EP_ADDRS	(2 * SEGFILTER_EP_MAX_ADDRS)

struct segf_endpoint {
	struct rhash_head mac_node;	/* in segf_domain::ep_by_mac */
	u8 mac[ETH_ALEN];
	u32 index;			/* in segf_domain::endpoints */
	struct segf_domain *domain;
	struct segf_group *group;
	struct segf_port *port;
	unsigned int n_addrs;
	struct segf_ep_addr addrs[SEGF_EP_ADDRS];
	struct rcu_head rcu;
};

/* main.c */
extern unsigned int segf_net_id;
struct segf_net *segf_pernet(const struct net *net);

static inline void segf_assert_locked(struct segf_net *sn)
{
	lockdep_assert_held(&sn->lock);
}

/* Called with segf_net::lock held: remember that dumps must restart. */
static inline void segf_changed(struct segf_net *sn)
{
	segf_assert_locked(sn);
	/* Zero would read as "no generation yet" to the dump check. */
	if (!++sn->genid)
		sn->genid = 1;
}

/* stats.c */
struct segf_pcpu_stats __percpu *segf_stats_alloc(void);
void segf_stats_read(struct segf_pcpu_stats __percpu *pcpu,
		     struct segf_stats *sum);

/* domain.c */
struct segf_domain *segf_domain_find(struct segf_net *sn, u32 id,
				     const char *name);
int segf_domain_create(struct segf_net *sn, u32 id, const char *name,
		       u8 default_action, struct segf_domain **out,
		       struct netlink_ext_ack *extack);
int segf_domain_destroy(struct segf_domain *dom, bool force,
			struct netlink_ext_ack *extack);
struct segf_group *segf_group_find(struct segf_domain *dom, u16 id,
				   const char *name);
int segf_group_create(struct segf_domain *dom, u16 id, const char *name,
		      struct segf_group **out, struct netlink_ext_ack *extack);
int segf_group_destroy(struct segf_group *grp, struct netlink_ext_ack *extack);
bool segf_name_valid(const char *name);
void segf_net_teardown(struct segf_net *sn);

/* endpoint.c */
int segf_endpoint_tables_init(struct segf_domain *dom);
void segf_endpoint_tables_destroy(struct segf_domain *dom);
struct segf_endpoint *segf_endpoint_by_mac(struct segf_domain *dom,
					   const u8 *mac);
struct segf_endpoint *segf_endpoint_by_addr(struct segf_domain *dom,
					    const struct segf_addr *addr);
int segf_endpoint_create(struct segf_domain *dom, const u8 *mac,
			 struct segf_group *grp, struct segf_port *port,
			 const struct segf_addr *addrs, unsigned int n_addrs,
			 struct segf_endpoint **out,
			 struct netlink_ext_ack *extack);
void segf_endpoint_destroy(struct segf_endpoint *ep);
void segf_port_flush_endpoints(struct segf_port *port);

/* port.c */
int segf_port_attach(struct segf_net *sn, struct net_device *dev,
		     struct segf_domain *dom, u8 role, struct segf_port **out,
		     struct netlink_ext_ack *extack);
void segf_port_detach(struct segf_port *port);
struct segf_port *segf_port_find(struct segf_net *sn, int ifindex);
int segf_port_init(void);
void segf_port_uninit(void);

/* datapath.c */
rx_handler_result_t segf_handle_frame(struct sk_buff **pskb);

/* netlink.c */
int segf_genl_init(void);
void segf_genl_uninit(void);

#endif /* _SEGFILTER_H */
