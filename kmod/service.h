/* SPDX-License-Identifier: GPL-2.0 */
/*
 * segfilter: services, their instances, chains of them, and the path a
 * redirected flow takes through a chain (service.c).
 */
#ifndef _SEGF_SERVICE_H
#define _SEGF_SERVICE_H

#include <linux/if_ether.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>
#include <uapi/linux/segfilter.h>

#include "domain.h"

struct netlink_ext_ack;
struct segf_port;

/*
 * The services a redirected flow crosses, in the order its opening
 * direction does, and the instance of each it is pinned to (0: none yet,
 * or none healthy) with its @incarn.  Services are named by id, not
 * pointer: a flow may outlive its chain.
 */
struct segf_hop {
	u16 service;
	u8 inst;
	u8 incarn;
};

struct segf_path {
	u8 n;
	bool fail_open;
	struct segf_hop hop[SEGFILTER_CHAIN_MAX_SERVICES];
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
	/* The port's claimant this one's claim displaced: see below. */
	struct segf_instance *displaced;
	int ifindex;
	u8 mac[ETH_ALEN];
	unsigned int n_addrs;
	struct segf_addr addrs[SEGF_EP_ADDRS];
};

/*
 * A service instance (a firewall VM, say) takes new flows while it is
 * visible in the generation (born..dead, as endpoints), both its ports
 * are attached and up, and it is not drained.
 *
 * A commit may delete an instance and add one with the same id, and
 * give it the deleted one's ports.  The new instance then hangs behind
 * the old in its service's slot (@succ, read under RCU; @pred), as an
 * endpoint does behind the one whose MAC it takes, so that each
 * generation finds its own.  A port keeps its instance in
 * segf_port::inst and the one that takes it over from the commit's
 * generation on in segf_port::inst_next; the commit's publish hands the
 * port over.  Outside commits, @succ, @pred and inst_next are NULL.
 */
struct segf_instance {
	struct segf_service *svc;
	struct segf_instance __rcu *succ;
	struct segf_instance *pred;
	u8 id;				/* 1..SEGFILTER_SERVICE_MAX_INSTANCES */
	bool drained;			/* as the data path sees it */
	bool next_drained;		/* as the commit being built leaves it */
	u8 reported;			/* the state last sent in an event */
	/*
	 * That of the published instance the same commit deleted under
	 * the id, plus one if this one is on other ports: another VM, so
	 * the flows pinned to the id pick again (struct segf_hop).  Else 0.
	 */
	u8 incarn;
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

/* Whether @inst exists in generation @gen, whatever its ports' state. */
static inline bool segf_instance_visible(const struct segf_instance *inst,
					 u64 gen)
{
	return inst->born <= gen && gen < READ_ONCE(inst->dead);
}

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
bool segf_instance_succeeded(struct segf_instance *inst);
u8 segf_instance_state(const struct segf_instance *inst);
void segf_instance_report(struct segf_instance *inst, bool deleted);
void segf_instance_read_stats(const struct segf_instance *inst,
			      u64 counters[5]);
struct segf_instance *segf_service_seen(const struct segf_service *svc,
					unsigned int i, u64 gen);
struct segf_instance *segf_port_instance(const struct segf_port *port,
					 u64 gen, int *side);
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

#endif /* _SEGF_SERVICE_H */
