/* SPDX-License-Identifier: GPL-2.0 */
/*
 * segfilter: endpoints, their addresses and where they run (endpoint.c).
 */
#ifndef _SEGF_ENDPOINT_H
#define _SEGF_ENDPOINT_H

#include <linux/compiler.h>
#include <linux/if_ether.h>
#include <linux/list.h>
#include <linux/rhashtable-types.h>
#include <linux/types.h>

#include "domain.h"
#include "segfilter.h"

struct netlink_ext_ack;
struct segf_group;
struct segf_port;

/*
 * A commit may delete an endpoint and give its MAC or an address of it
 * to a new one: the tables hold one entry per key, so the new entry
 * hangs behind the one it succeeds (@succ, read under RCU; @pred, for
 * the control path) until the commit publishes and unlinks the old, or
 * rolls back and unlinks the new.  Outside commits both are NULL.  The
 * line is as long as the number of times one commit gave that key again.
 */
struct segf_ep_addr {
	struct rhash_head node;		/* in segf_domain::ep_by_addr */
	struct segf_addr key;
	struct segf_endpoint *ep;
	struct segf_ep_addr __rcu *succ;
	struct segf_ep_addr *pred;
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
	struct segf_endpoint __rcu *succ;	/* of the same MAC: see above */
	struct segf_endpoint *pred;
	u8 mac[ETH_ALEN];
	u32 index;			/* in segf_domain::endpoints */
	struct segf_domain *domain;
	struct segf_group *group;
	struct segf_port *port;		/* READ_ONCE() in the data path */
	struct segf_remote __rcu *remote;
	u64 born;
	u64 dead;			/* SEGF_GEN_NEVER while it lives */
	u32 flags;			/* SEGFILTER_ENDPOINT_F_*, fixed */
	unsigned int n_addrs;
	struct segf_ep_addr addrs[SEGF_EP_ADDRS];
	struct list_head owned;		/* its prefixes: control path */
	struct rcu_head rcu;
};

/* endpoint.c */
int segf_endpoint_tables_init(struct segf_domain *dom);
void segf_endpoint_tables_destroy(struct segf_domain *dom);
struct segf_endpoint *segf_endpoint_by_mac(struct segf_domain *dom,
					   const u8 *mac);
struct segf_endpoint *segf_endpoint_by_addr(struct segf_domain *dom,
					    const struct segf_addr *addr);
struct segf_endpoint *segf_endpoint_seen_mac(struct segf_domain *dom,
					     const u8 *mac, u64 gen);
struct segf_endpoint *segf_endpoint_seen_mac_rcu(struct segf_domain *dom,
						 const u8 *mac, u64 gen);
struct segf_endpoint *segf_endpoint_seen_addr(struct segf_domain *dom,
					      const struct segf_addr *addr,
					      u64 gen);
struct segf_endpoint *segf_endpoint_live_mac(struct segf_domain *dom,
					     const u8 *mac);
struct segf_endpoint *segf_endpoint_live_addr(struct segf_domain *dom,
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
bool segf_endpoint_succeeded(struct segf_endpoint *ep);
bool segf_addr_unicast(const struct segf_addr *a);
bool segf_addr_link_local(const struct segf_addr *a);

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

#endif /* _SEGF_ENDPOINT_H */
