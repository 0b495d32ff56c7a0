/* SPDX-License-Identifier: GPL-2.0 */
/*
 * segfilter: internal objects shared by the module's files.
 *
 * DOC: Locking
 *
 * The data path (segf_handle_frame() and everything it calls) runs in
 * softirq context under rcu_read_lock() and takes no lock a writer
 * holds: every pointer it follows is published with rcu_assign_pointer()
 * or lives in an RCU-safe table (rhashtable, xarray, RCU list).  A frame
 * reads its domain's policy generation once and sees the rules and the
 * endpoints of that generation only (segf_endpoint_visible()).  The
 * only locks it takes are its own: flow table buckets, a flow's lock
 * when a newer generation judges it again, the events' rate limit.
 *
 * Writers serialise on the per-namespace mutex segf_net::lock.  Port
 * attach and detach change a net_device's rx_handler and therefore also
 * take RTNL, inside it and only around that change: segf_net::lock ->
 * RTNL, so that RTNL is never held for longer than one port takes.
 * Nothing takes segf_net::lock under RTNL: the netdev notifier unhooks a
 * port that goes away at once and leaves the rest to segf_net::port_work
 * (port.c), so a long commit never makes an RTNL holder wait.  Every
 * change is a
 * commit (txn.c) that publishes new generations with one pointer swap
 * per domain.  Objects unlinked by a writer are freed after a grace
 * period: kfree_rcu() / call_rcu(), queue_rcu_work() on segf_wq for
 * an old generation and the rules only it still used, or a batch per
 * grace period on segf_wq for closed flows (flow.c).  Module exit
 * waits for those with rcu_barrier(), then destroy_workqueue().
 *
 * Ownership: a namespace owns its domains, ports and open transactions;
 * a domain owns its groups, endpoints, rules and flows.  Nothing is
 * reference counted but the rule index, which successive generations
 * share, and a flow's tunnel metadata (a dst_entry): a domain cannot be
 * deleted while ports are attached to it, a group while endpoints
 * belong to it or rules name it, and detaching a port (an uplink too)
 * deletes the endpoints behind it, so no object can outlive what it
 * points to.  Rules are named by group id, never by pointer.  An uplink
 * belongs to no domain: it serves every domain with a VNI.
 *
 * Every delete in a commit (GROUP, ENDPOINT, RULE, SERVICE, INSTANCE and
 * CHAIN_DEL) goes in this order: find the object; record its undo
 * (segf_commit_record(), the only step that fails for want of memory);
 * touch its domain (segf_commit_touch()) if the data path can reach the
 * object (groups, endpoints, rules, instances; services and chains it
 * reaches only through those); retire it.  A retire that refuses (a
 * group or service still used, a chain still named) changes nothing, and
 * the delete then drops its record (segf_commit_unrecord()); otherwise
 * the object is dying, or dead as of the next generation, and is
 * unlinked after the commit publishes, children before their parents
 * (segf_commit_end()).  DOMAIN_DEL and PORT_DEL are not commits: each
 * checks everything, then cannot fail (design.rst says why).
 */
#ifndef _SEGFILTER_H
#define _SEGFILTER_H

#include <linux/etherdevice.h>
#include <linux/in6.h>
#include <linux/llist.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/ratelimit_types.h>
#include <linux/refcount.h>
#include <linux/seqlock.h>
#include <linux/rhashtable-types.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <uapi/linux/segfilter.h>

struct genl_family;
struct genl_info;
struct mem_cgroup;
struct metadata_dst;
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
	u64_stats_t routed;
	u64_stats_t default_allowed;
	u64_stats_t flows_created;
	u64_stats_t flow_table_full;
	u64_stats_t log_suppressed;
	u64_stats_t redirected;
	u64_stats_t bypassed;
	u64_stats_t flows_evicted;
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
	u64 routed;
	u64 default_allowed;
	u64 flows_created;
	u64 flow_table_full;
	u64 log_suppressed;
	u64 redirected;
	u64 bypassed;
	u64 flows_evicted;
	u64 dropped;
	u64 drops[__SEGFILTER_DROP_MAX];
};

struct segf_net {
	struct net *net;
	struct mutex lock;		/* serialises all writers */
	struct xarray domains;		/* by domain id */
	struct rhashtable domain_names;	/* by name */
	struct xarray ports;		/* by ifindex */
	struct xarray vnis;		/* domains, by VNI */
	struct xarray txns;		/* open transactions, by id */
	u32 next_txn;
	unsigned int genid;		/* bumped on every change, for dumps */
	/*
	 * Ports the netdev notifier unhooked or saw change state, for
	 * port_work to finish with under segf_net::lock; and the ports'
	 * names, which the notifier updates.  port_lock guards both.
	 */
	spinlock_t port_lock;
	struct list_head port_todo;
	struct work_struct port_work;
	bool exiting;			/* no port is left: no frame comes */
	/*
	 * Against the host's budget (main.c): domains, counted by
	 * segf_flows_init() and segf_flows_destroy() under @lock (and read
	 * by the data path for the flows' shares), and the
	 * flows of all of them, counted by the data path, and of those the
	 * ones drawn from the pool beyond their domain's share (flow.c).
	 */
	unsigned int n_domains;
	atomic_t n_flows;
	atomic_t n_pooled;
	/* Before 6.2, where formatted extack messages are kept: compat.c */
	struct segf_msg_ring *msgs;
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

#define SEGF_EP_ADDRS	(2 * SEGFILTER_EP_MAX_ADDRS)
#define SEGF_GEN_NEVER	U64_MAX

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

struct segf_rule_pcpu {
	u64_stats_t packets;
	u64_stats_t bytes;
	struct u64_stats_sync syncp;
};

enum segf_rule_flags {
	SEGF_RULE_PORTS		= BIT(0),	/* port_min..port_max apply */
	SEGF_RULE_ICMP_TYPE	= BIT(1),	/* icmp_type applies */
	SEGF_RULE_LOG		= BIT(2),	/* emit a verdict event */
};

struct segf_rule {
	u32 id;
	u32 prio;			/* lower first, then by id */
	u16 src_group;			/* 0: any group */
	u16 dst_group;
	u16 port_min;
	u16 port_max;
	u8 proto;			/* 0: any */
	u8 icmp_type;
	u8 action;			/* enum segfilter_action */
	u8 flags;			/* enum segf_rule_flags */
	bool dying;			/* deleted by the commit being built */
	struct segf_domain *domain;
	struct segf_chain *chain;	/* ACTION_REDIRECT only */
	struct segf_rule_pcpu __percpu *stats;
	struct segf_rule *next_free;	/* freed with an old generation */
};

/* The rules of one (source group, destination group) pair, folded. */
struct segf_pair {
	u32 key;			/* source << 16 | destination */
	u32 n;				/* 0: an empty slot */
	u32 start;			/* its rules: lists[start..start + n) */
};

/*
 * The rule index: immutable once built, shared by successive policy
 * generations whose rules are the same.
 */
struct segf_index {
	refcount_t ref;
	unsigned int slots;		/* at most 2/3 of them hold a pair */
	unsigned int n_rules;
	unsigned int n_pairs;
	struct segf_pair *pairs;
	struct segf_rule **lists;	/* each pair's, by priority, then id */
};

/* The @i-th rule of @p, a pair of @idx. */
static inline struct segf_rule *segf_pair_rule(const struct segf_index *idx,
					       const struct segf_pair *p,
					       unsigned int i)
{
	return idx->lists[p->start + i];
}

/*
 * One generation of a domain's policy: published with a single pointer
 * swap, read by the data path under RCU, freed (with the rules it alone
 * still referenced) a grace period after it was replaced.
 */
struct segf_policy {
	u64 gen;
	struct segf_domain_cfg cfg;
	struct segf_index *index;
	struct segf_rule *free_rules;
	struct rcu_work free_work;
};

enum segf_flow_state {
	SEGF_FLOW_TCP_SYN_SENT,
	SEGF_FLOW_TCP_SYN_RECV,
	SEGF_FLOW_TCP_ESTABLISHED,
	SEGF_FLOW_TCP_FIN_WAIT,
	SEGF_FLOW_TCP_CLOSED,
	SEGF_FLOW_UDP,
	SEGF_FLOW_UDP_REPLIED,
	SEGF_FLOW_ICMP,
	__SEGF_FLOW_STATE_MAX
};

/*
 * The services a redirected flow crosses, in the order its opening
 * direction does, and the instance of each it is pinned to (0: none yet,
 * or none healthy).  Services are named by id, not pointer: a flow may
 * outlive its chain.
 */
struct segf_hop {
	u16 service;
	u8 inst;
	u8 pad;
};

struct segf_path {
	u8 n;
	bool fail_open;
	struct segf_hop hop[SEGFILTER_CHAIN_MAX_SERVICES];
};

/* The canonical five-tuple: end 0 sorts before end 1.  Zero it first. */
struct segf_flow_key {
	union {
		__be32 v4[2];
		struct in6_addr v6[2];
	} addr;
	__be16 port[2];			/* TCP/UDP ports; ICMP: echo id, 0 */
	u8 family;
	u8 proto;
	u8 pad[2];
};

struct segf_flow {
	struct rhash_head node;		/* in segf_domain::flows */
	struct segf_flow_key key;
	u8 init_side;			/* the end that opened it */
	u8 state;			/* enum segf_flow_state */
	u8 fin;				/* FIN seen from end 0 (bit 0), 1 */
	u8 action;
	bool replied;			/* a packet of the other end seen */
	bool pooled;			/* counted in segf_net::n_pooled */
	bool path_changed;		/* a new policy redirected it elsewhere */
	/*
	 * The verdict: the generation that judged it last and the rule that
	 * decided (NULL: the default).  The rule may be freed once its
	 * generation is, so the two are read together under @seq and the
	 * generation only moves forward.
	 */
	spinlock_t lock;
	seqcount_spinlock_t seq;
	u64 gen;
	struct segf_rule *rule;
	struct segf_path path;		/* ACTION_REDIRECT only */
	u32 hash;			/* symmetric: picks the instances */
	/*
	 * The tunnel metadata of the direction that leaves by an uplink, if
	 * one does: built once, used by every frame while the remote end
	 * stays where it is.  Holds a reference; see segf_tunnel_dst().
	 */
	struct metadata_dst __rcu *tun;
	unsigned long expires;		/* jiffies */
	struct llist_node free_node;	/* unlinked: see segf_flow_bury() */
};

/* A flow's verdict, read at once: see segf_flow_read(). */
struct segf_flow_verdict {
	u64 gen;
	struct segf_rule *rule;
	u8 action;
	struct segf_path path;
};

/* What the policy decided for a packet. */
struct segf_verdict {
	u8 action;
	struct segf_rule *rule;		/* NULL: the domain's default */
};

/* The policy-relevant fields of a packet. */
struct segf_match {
	u8 proto;
	u8 icmp_type;
	bool has_ports;
	bool has_type;
	u16 dport;
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
	struct rcu_head rcu;
};

/*
 * The groups of the endpoints behind an endpoint port, which is what a
 * flood copy sent there is judged against (see segf_flood()).  Kept by
 * the control path (endpoint.c) under segf_net::lock, read by the data
 * path under RCU.  A slot counts an endpoint from its creation until it
 * is unlinked, and from a move onto the port until a move away.  A slot
 * whose count fell to zero stays, stale, for the readers of the
 * generations before @dead, until a new group needs the room.
 */
#define SEGF_PORT_GROUPS	4

struct segf_port_group {
	u16 id;				/* 0: a free slot; store-release */
	unsigned int n;			/* endpoints counted: control path */
	u64 born;			/* seen by readers of this gen on */
	u64 dead;			/* ...and before this one */
	u64 gone;			/* @dead once @n falls to zero */
};

/* What segf_net::port_work has to do for a port. */
enum segf_port_todo {
	SEGF_PORT_RELEASE	= BIT(0),	/* its device went away */
	SEGF_PORT_REPORT	= BIT(1),	/* its state changed */
};

/*
 * @dev is only dereferenced while @gone is false: the notifier sets it,
 * unhooks the port and drops its reference to the device under RTNL,
 * and a data-path reader that saw it false finished before the
 * reference went (netdev_rx_handler_unregister() waits for it).  The
 * control path reads the device's name from @name, never from @dev.
 */
struct segf_port {
	struct net_device *dev;
	netdevice_tracker dev_tracker;
	int ifindex;
	bool gone;			/* unhooked: RTNL to write */
	u8 todo;			/* enum segf_port_todo, under port_lock */
	struct list_head todo_node;	/* in segf_net::port_todo */
	char name[IFNAMSIZ];		/* under segf_net::port_lock */
	struct segf_net *sn;
	struct segf_domain *domain;	/* NULL for an uplink */
	struct list_head domain_node;	/* in segf_domain::ports */
	u8 role;			/* enum segfilter_port_role */
	u8 side;			/* of @inst: SEGF_LEFT or SEGF_RIGHT */
	struct segf_instance __rcu *inst;	/* SERVICE ports */
	unsigned int n_endpoints;
	u64 born;			/* the generation that attached it */
	struct segf_port_group groups[SEGF_PORT_GROUPS];

	struct segf_pcpu_stats __percpu *stats;
	struct rcu_head rcu;
};

struct segf_ep_addr {
	struct rhash_head node;		/* in segf_domain::ep_by_addr */
	struct segf_addr key;
	struct segf_endpoint *ep;
};

/* Where a remote endpoint runs: its host's tunnel address. */
struct segf_remote {
	struct segf_addr addr;
	struct rcu_head rcu;
};

/*
 * An endpoint is seen by the data path from generation @born of its
 * domain's policy until before generation @dead: a commit adds and
 * deletes endpoints together with the rules, at one pointer swap.
 *
 * Its location is @port, an endpoint port of this host or an uplink; a
 * remote endpoint also has @remote.  A move changes both while the data
 * path reads them: @remote is set before @port turns to an uplink and
 * cleared after it turns away, so a reader that sees an uplink in @port
 * finds an address in @remote, old or new.
 */
struct segf_endpoint {
	struct rhash_head mac_node;	/* in segf_domain::ep_by_mac */
	u8 mac[ETH_ALEN];
	u32 index;			/* in segf_domain::endpoints */
	struct segf_domain *domain;
	struct segf_group *group;
	struct segf_port *port;		/* READ_ONCE() in the data path */
	struct segf_remote __rcu *remote;
	u64 born;
	u64 dead;			/* SEGF_GEN_NEVER while it lives */
	unsigned int n_addrs;
	struct segf_ep_addr addrs[SEGF_EP_ADDRS];
	struct rcu_head rcu;
};

enum segf_side {
	SEGF_LEFT,
	SEGF_RIGHT,
};

struct segf_inst_pcpu {
	u64_stats_t flows;
	u64_stats_t tx_packets;
	u64_stats_t tx_bytes;
	u64_stats_t rx_packets;
	u64_stats_t rx_bytes;
	struct u64_stats_sync syncp;
};

/*
 * One side of a service instance: a SERVICE port, and for a routed one,
 * the instance's interface behind it.
 */
struct segf_iface {
	struct segf_port __rcu *port;	/* NULL while detached */
	int ifindex;
	u8 mac[ETH_ALEN];
	unsigned int n_addrs;
	struct segf_addr addrs[SEGF_EP_ADDRS];
};

/*
 * A service instance (a firewall VM, say) takes new flows while it is
 * visible in the generation (born..dead, as endpoints), both its ports
 * are attached and up, and it is not drained.
 */
struct segf_instance {
	struct segf_service *svc;
	u8 id;				/* 1..SEGFILTER_SERVICE_MAX_INSTANCES */
	bool drained;			/* as the data path sees it */
	bool next_drained;		/* as the commit being built leaves it */
	u8 reported;			/* the state last sent in an event */
	u64 born;
	u64 dead;
	struct segf_iface side[2];
	struct segf_inst_pcpu __percpu *stats;
	struct rcu_head rcu;
};

struct segf_service {
	struct segf_domain *domain;
	u32 id;				/* in segf_domain::services */
	char name[SEGFILTER_NAME_SIZE];
	u8 mode;			/* enum segfilter_service_mode */
	bool dying;			/* deleted by the commit being built */
	unsigned int n_slots;		/* highest instance id ever used */
	unsigned int n_instances;	/* live ones */
	unsigned int n_chains;		/* chains naming it */
	struct segf_instance __rcu *inst[SEGFILTER_SERVICE_MAX_INSTANCES];
	struct rcu_head rcu;
};

/* Immutable once created: an ordered list of services. */
struct segf_chain {
	struct segf_domain *domain;
	u32 id;				/* in segf_domain::chains */
	char name[SEGFILTER_NAME_SIZE];
	u8 fail_mode;			/* enum segfilter_fail_mode */
	bool dying;
	unsigned int n_services;
	unsigned int n_rules;		/* rules redirecting to it */
	struct segf_service *svc[SEGFILTER_CHAIN_MAX_SERVICES];
	struct rcu_head rcu;
};

/* A commit being built: see txn.c. */
struct segf_commit {
	struct segf_net *sn;
	struct netlink_ext_ack *extack;
	struct list_head undo;		/* newest first */
	struct list_head domains;	/* touched, by commit_node */
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
};

/* main.c */
extern unsigned int segf_net_id;
extern struct workqueue_struct *segf_wq;
extern unsigned int segf_max_domains_per_netns;
extern unsigned int segf_max_flows_per_netns;
extern unsigned int segf_unreplied_timeout;
struct segf_net *segf_pernet(const struct net *net);

static inline void segf_assert_locked(struct segf_net *sn)
{
	lockdep_assert_held(&sn->lock);
}

void segf_port_reap(struct segf_net *sn);

/*
 * Take the namespace's mutex, as every request does, and first finish
 * what the netdev notifier left: a request never sees a port whose
 * device went before it.
 */
static inline void segf_lock(struct segf_net *sn)
{
	mutex_lock(&sn->lock);
	segf_port_reap(sn);
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
			 const struct segf_addr *remote,
			 const struct segf_addr *addrs, unsigned int n_addrs,
			 u64 born, struct segf_endpoint **out,
			 struct netlink_ext_ack *extack);
void segf_endpoint_destroy(struct segf_endpoint *ep);
void segf_endpoint_retire(struct segf_endpoint *ep, u64 gen);
void segf_endpoint_revive(struct segf_endpoint *ep);
void segf_endpoint_unlink(struct segf_endpoint *ep);
bool segf_addr_unicast(const struct segf_addr *a);

/* The configuration of the current generation, for the control path. */
static inline const struct segf_domain_cfg *
segf_domain_cfg(struct segf_domain *dom)
{
	return &rcu_dereference_protected(dom->policy,
					  lockdep_is_held(&dom->sn->lock))->cfg;
}

/* The configuration as the commit being built leaves it. */
static inline const struct segf_domain_cfg *
segf_domain_next_cfg(struct segf_domain *dom)
{
	return dom->touched ? &dom->next_cfg : segf_domain_cfg(dom);
}

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

/* Whether the data path, reading generation @gen, sees @ep. */
static inline bool segf_endpoint_visible(const struct segf_endpoint *ep,
					 u64 gen)
{
	return ep && ep->born <= gen && gen < READ_ONCE(ep->dead);
}

/* Whether @ep exists for the control path: not deleted by this commit. */
static inline bool segf_endpoint_live(const struct segf_endpoint *ep)
{
	return ep && ep->dead == SEGF_GEN_NEVER;
}

void segf_port_flush_endpoints(struct segf_port *port);
int segf_endpoint_move(struct segf_endpoint *ep, struct segf_port *port,
		       const struct segf_addr *remote,
		       struct segf_remote **old,
		       struct netlink_ext_ack *extack);
void segf_endpoint_unmove(struct segf_endpoint *ep, struct segf_port *port,
			  struct segf_remote *old);

/* What segf_endpoint_move() changed, for a commit to undo. */
struct segf_ep_move {
	struct segf_endpoint *ep;
	struct segf_port *port;
	struct segf_remote *remote;
};

int segf_endpoint_check_location(struct segf_domain *dom,
				 struct segf_port *port,
				 const struct segf_addr *remote,
				 struct netlink_ext_ack *extack);

static inline bool segf_port_is_uplink(const struct segf_port *port)
{
	return port->role == SEGFILTER_PORT_ROLE_UPLINK;
}

/*
 * The group of slot @i of @port that a frame of generation @gen is judged
 * against, or 0 for none.
 */
static inline u16 segf_port_group(const struct segf_port *port,
				  unsigned int i, u64 gen)
{
	const struct segf_port_group *pg = &port->groups[i];
	/* Pairs with the release in segf_port_group_add(). */
	u16 id = smp_load_acquire(&pg->id);

	if (!id || gen < READ_ONCE(pg->born) || gen >= READ_ONCE(pg->dead))
		return 0;
	return id;
}

/* Where the data path finds @ep, which a move may change meanwhile. */
static inline struct segf_port *
segf_endpoint_port(const struct segf_endpoint *ep)
{
	/*
	 * Pairs with the release in segf_endpoint_place(): a reader that
	 * finds an uplink here then finds the remote address published
	 * before it.
	 */
	return smp_load_acquire(&ep->port);
}

/* port.c */
int segf_port_attach(struct segf_net *sn, int ifindex,
		     struct segf_domain *dom, u8 role, u64 born,
		     struct segf_port **out,
		     struct netlink_ext_ack *extack);
void segf_port_detach(struct segf_port *port);
struct segf_port *segf_port_find(struct segf_net *sn, int ifindex);
void segf_port_name(const struct segf_port *port, char *name);
bool segf_port_running(const struct segf_port *port);
void segf_port_work(struct work_struct *work);
void segf_port_flush_work(struct segf_net *sn);
int segf_port_init(void);
void segf_port_uninit(void);

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

/* policy.c */
int segf_rule_link(struct segf_domain *dom, struct segf_rule *rule,
		   struct netlink_ext_ack *extack);
void segf_rule_unlink(struct segf_rule *rule);
void segf_rule_retire(struct segf_rule *rule);
void segf_rule_revive(struct segf_rule *rule);
int segf_rule_cache_init(void);
void segf_rule_cache_uninit(void);
struct segf_rule *segf_rule_alloc(void);
void segf_rule_free(struct segf_rule *rule);
void segf_rule_read_stats(const struct segf_rule *rule, u64 *packets,
			  u64 *bytes);
bool segf_rule_matches(const struct segf_rule *rule,
		       const struct segf_match *m);
int segf_index_build(struct segf_rule **rules, unsigned int n,
		     struct segf_index **out, struct netlink_ext_ack *extack);
void segf_index_put(struct segf_index *idx);
const struct segf_pair *segf_index_pair(const struct segf_index *idx,
					u16 src, u16 dst);
struct segf_rule *segf_index_lookup(const struct segf_index *idx, u16 src,
				    u16 dst, const struct segf_match *m);
int segf_policy_init(struct segf_domain *dom,
		     const struct segf_domain_cfg *cfg);
int segf_policy_build(struct segf_domain *dom, struct segf_policy **out,
		      struct netlink_ext_ack *extack);
void segf_policy_publish(struct segf_domain *dom, struct segf_policy *pol);
void segf_policy_release(struct segf_policy *pol);
void segf_policy_bump(struct segf_domain *dom);
void segf_policy_destroy(struct segf_domain *dom);

/* flow.c */
struct segf_pkt;
bool segf_flow_key_make(const struct segf_pkt *pkt, struct segf_flow_key *key,
			u8 *side);
struct segf_flow *segf_flow_lookup(struct segf_domain *dom,
				   const struct segf_flow_key *key);
bool segf_flow_expired(const struct segf_flow *flow, unsigned long now);
bool segf_flow_opens(const struct segf_pkt *pkt);
struct segf_flow *segf_flow_create(struct segf_domain *dom,
				   const struct segf_policy *pol,
				   const struct segf_flow_key *key, u8 side,
				   const struct segf_pkt *pkt,
				   const struct segf_verdict *v,
				   const struct segf_path *path);
void segf_flow_update(struct segf_flow *flow, const struct segf_pkt *pkt,
		      u8 side, unsigned long now);
void segf_flow_read(struct segf_flow *flow, struct segf_flow_verdict *fv);
void segf_flow_rejudged(struct segf_flow *flow, u64 gen,
			const struct segf_verdict *v,
			const struct segf_path *path);
void segf_flow_pin(struct segf_flow *flow, unsigned int hop, u16 service,
		   u8 inst);
void segf_flow_remove(struct segf_domain *dom, struct segf_flow *flow);
unsigned int segf_flow_timeout(u8 state);
int segf_flows_init(struct segf_domain *dom);
void segf_flows_destroy(struct segf_domain *dom);
int segf_flow_cache_init(void);
void segf_flow_cache_uninit(void);

/* service.c */
struct segf_service *segf_service_find(struct segf_domain *dom,
				       const char *name);
int segf_service_create(struct segf_domain *dom, const char *name, u8 mode,
			struct segf_service **out,
			struct netlink_ext_ack *extack);
int segf_service_retire(struct segf_service *svc,
			struct netlink_ext_ack *extack);
void segf_service_revive(struct segf_service *svc);
void segf_service_unlink(struct segf_service *svc);
struct segf_instance *segf_instance_find(struct segf_service *svc, u32 id);
int segf_instance_create(struct segf_service *svc, u32 id,
			 struct segf_iface sides[2], u64 born,
			 struct segf_instance **out,
			 struct netlink_ext_ack *extack);
void segf_instance_retire(struct segf_instance *inst, u64 gen);
void segf_instance_revive(struct segf_instance *inst);
void segf_instance_unlink(struct segf_instance *inst);
u8 segf_instance_state(const struct segf_instance *inst);
void segf_instance_report(struct segf_instance *inst, bool deleted);
void segf_instance_read_stats(const struct segf_instance *inst,
			      u64 counters[5]);
void segf_instance_port_gone(struct segf_port *port);
void segf_instance_port_back(struct segf_port *port);
struct segf_chain *segf_chain_find(struct segf_domain *dom, const char *name);
int segf_chain_create(struct segf_domain *dom, const char *name, u8 fail_mode,
		      struct segf_service **svcs, unsigned int n,
		      struct segf_chain **out, struct netlink_ext_ack *extack);
int segf_chain_retire(struct segf_chain *chain,
		      struct netlink_ext_ack *extack);
void segf_chain_revive(struct segf_chain *chain);
void segf_chain_unlink(struct segf_chain *chain);
void segf_path_init(struct segf_path *path, const struct segf_chain *chain,
		    const struct segf_path *old);
bool segf_instance_alive(const struct segf_instance *inst, u64 gen,
			 const struct segf_domain_cfg *cfg);
struct segf_instance *segf_service_pick(const struct segf_service *svc,
					u32 hash, u64 gen,
					const struct segf_domain_cfg *cfg);
void segf_services_destroy(struct segf_domain *dom);

/* overlay.c */
struct metadata_dst *segf_tunnel_get(struct segf_flow *flow,
				     const struct segf_addr *remote, u32 vni,
				     u16 gbp);

/* The data path: rx.c and the files datapath.h names */
rx_handler_result_t segf_handle_frame(struct sk_buff **pskb);

/* events.h: segf_log_verdict(), segf_instance_notify() */
#include "events.h"

/* netlink.c */
int segf_genl_init(void);
void segf_genl_uninit(void);

#endif /* _SEGFILTER_H */
