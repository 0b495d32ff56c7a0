// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: endpoints and the per-domain tables that find them.
 *
 * Each domain has two RCU hash tables: endpoints by MAC (forwarding and
 * the source check) and endpoint addresses by IP (ARP/ND answers and
 * the source IP check).  Lookups cost the same whatever the number of
 * endpoints.  The address entries are embedded in the endpoint, so
 * adding an endpoint is one allocation.
 *
 * Writers hold segf_net::lock; lookups from the data path need only
 * rcu_read_lock().
 *
 * A remote endpoint is one of the domain's that runs on another host:
 * it sits behind an uplink, at that host's tunnel address.  It is in the
 * same tables, with the same group and addresses as on its own host;
 * moving an endpoint between hosts changes only its location.
 */

#include <linux/in.h>
#include <linux/jhash.h>
#include <linux/netlink.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <net/ipv6.h>

#include "compat.h"
#include "domain.h"
#include "endpoint.h"
#include "policy.h"
#include "port.h"
#include "prefix.h"
#include "segfilter.h"

/* Two loads and a compare instead of rhashtable's call to memcmp(). */
static int segf_mac_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct segf_endpoint *ep = obj;

	return !ether_addr_equal(ep->mac, arg->key);
}

/*
 * The table's seeded hash of a MAC, inline: its six bytes as two words
 * through jhash_2words(), instead of rhashtable's call to jhash() for a
 * key whose length is not a multiple of four.  The seed is the table's
 * random one, as before: senders pick MACs.  Inlined into the lookup
 * (the table keeps a copy for its rehash).
 */
static __always_inline u32 segf_mac_hash(const void *data, u32 len,
					 u32 seed)
{
	u32 hi;
	u16 lo;

	memcpy(&hi, data, sizeof(hi));
	memcpy(&lo, (const u8 *)data + sizeof(hi), sizeof(lo));
	return jhash_2words(hi, lo, seed);
}

static const struct rhashtable_params segf_mac_params = {
	.key_len = ETH_ALEN,
	.key_offset = offsetof(struct segf_endpoint, mac),
	.head_offset = offsetof(struct segf_endpoint, mac_node),
	.hashfn = segf_mac_hash,
	.obj_cmpfn = segf_mac_cmp,
	.automatic_shrinking = true,
};

static const struct rhashtable_params segf_addr_params = {
	.key_len = sizeof(struct segf_addr),
	.key_offset = offsetof(struct segf_ep_addr, key),
	.head_offset = offsetof(struct segf_ep_addr, node),
	.automatic_shrinking = true,
};

int segf_endpoint_tables_init(struct segf_domain *dom)
{
	int err;

	err = rhashtable_init(&dom->ep_by_mac, &segf_mac_params);
	if (err)
		return err;
	err = rhashtable_init(&dom->ep_by_addr, &segf_addr_params);
	if (err)
		rhashtable_destroy(&dom->ep_by_mac);
	return err;
}

/* The tables must be empty: endpoints are destroyed one by one before. */
void segf_endpoint_tables_destroy(struct segf_domain *dom)
{
	rhashtable_destroy(&dom->ep_by_addr);
	rhashtable_destroy(&dom->ep_by_mac);
}

/*
 * Lookups for the data path (under rcu_read_lock()) and the control path
 * (with segf_net::lock held, which keeps the result alive).  The
 * rhashtable walk itself always needs RCU; the _fast variant takes it,
 * which costs nothing where it is held already.
 */
struct segf_endpoint *segf_endpoint_by_mac(struct segf_domain *dom,
					   const u8 *mac)
{
	return rhashtable_lookup_fast(&dom->ep_by_mac, mac, segf_mac_params);
}

static struct segf_ep_addr *segf_addr_head(struct segf_domain *dom,
					   const struct segf_addr *addr)
{
	return rhashtable_lookup_fast(&dom->ep_by_addr, addr, segf_addr_params);
}

struct segf_endpoint *segf_endpoint_by_addr(struct segf_domain *dom,
					    const struct segf_addr *addr)
{
	struct segf_ep_addr *ea = segf_addr_head(dom, addr);

	return ea ? ea->ep : NULL;
}

/*
 * The next of a key's line (see struct segf_ep_addr): for the data path
 * under rcu_read_lock(), or for a writer.
 */
#define segf_succ(obj, dom)						\
	rcu_dereference_check((obj)->succ,				\
			      lockdep_is_held(&(dom)->sn->lock))

/*
 * The endpoint with @mac, or @addr, that generation @gen sees.  Walks
 * the key's line only while a commit gives that key to a new endpoint.
 */
static __always_inline struct segf_endpoint *
segf_mac_seen(struct segf_domain *dom, struct segf_endpoint *ep, u64 gen)
{
	while (ep && !segf_endpoint_visible(ep, gen))
		ep = segf_succ(ep, dom);
	return ep;
}

struct segf_endpoint *segf_endpoint_seen_mac(struct segf_domain *dom,
					     const u8 *mac, u64 gen)
{
	return segf_mac_seen(dom, segf_endpoint_by_mac(dom, mac), gen);
}

/*
 * The same for the data path, which holds rcu_read_lock() already: with
 * PREEMPT_RCU, rhashtable_lookup_fast()'s own lock and unlock are two
 * calls a lookup.
 */
struct segf_endpoint *segf_endpoint_seen_mac_rcu(struct segf_domain *dom,
						 const u8 *mac, u64 gen)
{
	return segf_mac_seen(dom, rhashtable_lookup(&dom->ep_by_mac, mac,
						    segf_mac_params), gen);
}

struct segf_endpoint *segf_endpoint_seen_addr(struct segf_domain *dom,
					      const struct segf_addr *addr,
					      u64 gen)
{
	struct segf_ep_addr *ea = segf_addr_head(dom, addr);

	while (ea && !segf_endpoint_visible(ea->ep, gen))
		ea = segf_succ(ea, dom);
	return ea ? ea->ep : NULL;
}

/*
 * The last of a key's line: the only one that may be live, as a key is
 * given again only once every endpoint that had it is deleted, and a
 * rollback revives one only after it unlinked those that followed it.
 */
static struct segf_endpoint *segf_mac_last(struct segf_domain *dom,
					   const u8 *mac, unsigned int *n)
{
	struct segf_endpoint *ep = segf_endpoint_by_mac(dom, mac), *next;

	*n = !!ep;
	while (ep && (next = segf_succ(ep, dom))) {
		ep = next;
		(*n)++;
	}
	return ep;
}

static struct segf_ep_addr *segf_addr_last(struct segf_domain *dom,
					   const struct segf_addr *addr,
					   unsigned int *n)
{
	struct segf_ep_addr *ea = segf_addr_head(dom, addr), *next;

	*n = !!ea;
	while (ea && (next = segf_succ(ea, dom))) {
		ea = next;
		(*n)++;
	}
	return ea;
}

/* For the control path: the endpoint with @mac, or @addr, not deleted. */
struct segf_endpoint *segf_endpoint_live_mac(struct segf_domain *dom,
					     const u8 *mac)
{
	struct segf_endpoint *ep;
	unsigned int n;

	segf_assert_locked(dom->sn);
	ep = segf_mac_last(dom, mac, &n);
	return segf_endpoint_live(ep) ? ep : NULL;
}

struct segf_endpoint *segf_endpoint_live_addr(struct segf_domain *dom,
					      const struct segf_addr *addr)
{
	struct segf_ep_addr *ea;
	unsigned int n;

	segf_assert_locked(dom->sn);
	ea = segf_addr_last(dom, addr, &n);
	return ea && segf_endpoint_live(ea->ep) ? ea->ep : NULL;
}

static void segf_addr_err(struct netlink_ext_ack *extack,
			  const struct segf_addr *a, const char *why)
{
	if (a->family == AF_INET)
		NL_SET_ERR_MSG_FMT_MOD(extack, "address %pI4 %s", &a->v4, why);
	else
		NL_SET_ERR_MSG_FMT_MOD(extack, "address %pI6c %s", &a->v6, why);
}

bool segf_addr_unicast(const struct segf_addr *a)
{
	if (a->family == AF_INET)
		return !ipv4_is_multicast(a->v4) && !ipv4_is_lbcast(a->v4) &&
		       !ipv4_is_zeronet(a->v4) && !ipv4_is_loopback(a->v4);
	return !ipv6_addr_any(&a->v6) && !ipv6_addr_is_multicast(&a->v6) &&
	       !ipv6_addr_loopback(&a->v6);
}

/* IPv4 169.254/16 or IPv6 fe80::/10: never across an exit. */
bool segf_addr_link_local(const struct segf_addr *a)
{
	if (a->family == AF_INET)
		return ipv4_is_linklocal_169(a->v4);
	return ipv6_addr_type(&a->v6) & IPV6_ADDR_LINKLOCAL;
}

/* Enter @ea in the table, or behind @last, the end of its key's line. */
static int segf_addr_hash(struct segf_domain *dom, struct segf_ep_addr *ea,
			  struct segf_ep_addr *last)
{
	if (!last)
		return rhashtable_lookup_insert_fast(&dom->ep_by_addr,
						     &ea->node,
						     segf_addr_params);
	ea->pred = last;
	/* Publishes @ea's fields to readers that walk the line. */
	rcu_assign_pointer(last->succ, ea);
	return 0;
}

/*
 * Take @ea out of its key's line: the table's entry gives way to its
 * successor in one replacement, so a reader finds one or the other.  A
 * reader standing on @ea still finds the rest of the line through it.
 */
static void segf_addr_unhash(struct segf_domain *dom, struct segf_ep_addr *ea)
{
	struct segf_ep_addr *succ = segf_succ(ea, dom);

	if (succ)
		succ->pred = ea->pred;
	if (ea->pred)
		rcu_assign_pointer(ea->pred->succ, succ);
	else if (succ)
		WARN_ON(rhashtable_replace_fast(&dom->ep_by_addr, &ea->node,
						&succ->node, segf_addr_params));
	else
		rhashtable_remove_fast(&dom->ep_by_addr, &ea->node,
				       segf_addr_params);
	ea->pred = NULL;
}

/* The same for @ep's MAC. */
static void segf_mac_unhash(struct segf_endpoint *ep)
{
	struct segf_domain *dom = ep->domain;
	struct segf_endpoint *succ = segf_succ(ep, dom);

	if (succ)
		succ->pred = ep->pred;
	if (ep->pred)
		rcu_assign_pointer(ep->pred->succ, succ);
	else if (succ)
		WARN_ON(rhashtable_replace_fast(&dom->ep_by_mac, &ep->mac_node,
						&succ->mac_node,
						segf_mac_params));
	else
		rhashtable_remove_fast(&dom->ep_by_mac, &ep->mac_node,
				       segf_mac_params);
	ep->pred = NULL;
}

static void segf_endpoint_unhash(struct segf_endpoint *ep, unsigned int n)
{
	while (n--)
		segf_addr_unhash(ep->domain, &ep->addrs[n]);
}

/*
 * @ep is behind @port now: the first guess at the sender of its frames,
 * unless the port has one (a VM's first MAC is likely its main one).
 */
static void segf_port_hint(struct segf_port *port, struct segf_endpoint *ep)
{
	if (!segf_port_is_uplink(port) && !rcu_access_pointer(port->src_hint))
		rcu_assign_pointer(port->src_hint, ep);
}

/*
 * @ep leaves @port, or goes (readers that have it hold RCU): its guess
 * passes to @next, the endpoint that takes its MAC in a commit, if that
 * one is behind the same port (a change in place), else to nobody until
 * the next endpoint is placed there.
 */
static void segf_port_unhint(struct segf_port *port, struct segf_endpoint *ep,
			     struct segf_endpoint *next)
{
	if (rcu_access_pointer(port->src_hint) != ep)
		return;
	if (next && next->port == port)
		rcu_assign_pointer(port->src_hint, next);
	else
		RCU_INIT_POINTER(port->src_hint, NULL);
}

/* After a grace period: readers may still hold @ep. */
static void segf_endpoint_free(struct segf_endpoint *ep)
{
	struct segf_remote *r = rcu_dereference_protected(ep->remote, true);

	if (r)
		kfree_rcu(r, rcu);
	kfree_rcu(ep, rcu);
}

/*
 * Count an endpoint of group @id, seen from generation @born on, behind
 * @port, for floods: in the slot the group has, stale or not, else in a
 * free one, else in a stale one, once no frame that may still judge by
 * it is in flight.  Only endpoint ports keep groups.
 *
 * Return: 0, or -ENOSPC when the port has endpoints of as many other
 * groups as it can keep.
 */
static int segf_port_group_add(struct segf_port *port, u16 id, u64 born,
			       struct netlink_ext_ack *extack)
{
	struct segf_port_group *pg, *free = NULL, *stale = NULL;
	unsigned int i;

	if (port->role != SEGFILTER_PORT_ROLE_ENDPOINT)
		return 0;
	for (i = 0; i < SEGF_PORT_GROUPS; i++) {
		pg = &port->groups[i];
		if (pg->id == id) {
			if (!pg->n++)
				WRITE_ONCE(pg->dead, SEGF_GEN_NEVER);
			if (born < pg->born)
				WRITE_ONCE(pg->born, born);
			return 0;
		}
		if (!pg->id && !free)
			free = pg;
		else if (pg->id && !pg->n && (!stale || pg->gone < stale->gone))
			stale = pg;
	}
	pg = free;
	if (!pg && stale) {
		pg = stale;
		/*
		 * A frame that read the old id may still read born and dead:
		 * none may be in flight when they change under it.  Rare: a
		 * fifth group on a port whose old ones are all gone.
		 */
		WRITE_ONCE(pg->id, 0);
		synchronize_rcu();
	}
	if (!pg) {
		char name[IFNAMSIZ];

		segf_port_name(port, name);
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "port %s already has endpoints of %u groups, the limit",
				       name, SEGF_PORT_GROUPS);
		return -ENOSPC;
	}
	pg->n = 1;
	pg->gone = 0;
	WRITE_ONCE(pg->born, born);
	WRITE_ONCE(pg->dead, SEGF_GEN_NEVER);
	/* Pairs with the acquire in segf_port_group(). */
	smp_store_release(&pg->id, id);
	return 0;
}

/*
 * Uncount an endpoint of group @id behind @port.  Frames of generations
 * before @dead may still see it there: when it was the group's last, the
 * slot keeps serving those.
 */
static void segf_port_group_del(struct segf_port *port, u16 id, u64 dead)
{
	struct segf_port_group *pg;
	unsigned int i;

	if (port->role != SEGFILTER_PORT_ROLE_ENDPOINT)
		return;
	for (i = 0; i < SEGF_PORT_GROUPS; i++) {
		pg = &port->groups[i];
		if (pg->id != id)
			continue;
		if (WARN_ON(!pg->n))
			return;
		pg->gone = max(pg->gone, dead);
		if (!--pg->n)
			WRITE_ONCE(pg->dead, pg->gone);
		return;
	}
	WARN_ON(1);
}

/*
 * The first generation that no longer sees @ep, which is being unlinked:
 * the one that deleted it; for one deleted outside a commit, the next;
 * 0 for one no generation ever saw.
 */
static u64 segf_endpoint_gone(const struct segf_endpoint *ep)
{
	struct segf_domain *dom = ep->domain;
	const struct segf_policy *pol;

	if (ep->dead != SEGF_GEN_NEVER)
		return ep->dead;
	pol = rcu_dereference_protected(dom->policy,
					lockdep_is_held(&dom->sn->lock));
	return pol && ep->born <= pol->gen ? pol->gen + 1 : 0;
}

static void segf_endpoint_count(struct segf_endpoint *ep, int delta)
{
	ep->group->n_endpoints += delta;
	ep->port->n_endpoints += delta;
	ep->domain->n_endpoints += delta;
	if (segf_port_is_uplink(ep->port))
		ep->domain->hosts_changed = true;
}

/**
 * segf_endpoint_check_location - may an endpoint of @dom sit there?
 * @dom: the endpoint's domain
 * @port: an endpoint port of @dom, or an uplink
 * @remote: the host's tunnel address, with and only with an uplink
 * @extack: says why not
 *
 * Return: 0, or -EINVAL.
 */
int segf_endpoint_check_location(struct segf_domain *dom,
				 struct segf_port *port,
				 const struct segf_addr *remote,
				 struct netlink_ext_ack *extack)
{
	char name[IFNAMSIZ];

	if (segf_port_is_uplink(port)) {
		if (!dom->vni) {
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "domain \"%s\" has no VNI: it has no remote endpoints",
					       dom->name);
			return -EINVAL;
		}
		if (!remote) {
			NL_SET_ERR_MSG_MOD(extack,
					   "an endpoint behind an uplink needs the remote host's address");
			return -EINVAL;
		}
		if (!segf_addr_unicast(remote)) {
			segf_addr_err(extack, remote,
				      "is not a unicast host address");
			return -EINVAL;
		}
		return 0;
	}
	segf_port_name(port, name);
	if (remote) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "%s is not an uplink: a local endpoint has no remote address",
				       name);
		return -EINVAL;
	}
	if (port->role != SEGFILTER_PORT_ROLE_ENDPOINT) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "%s is not an endpoint port", name);
		return -EINVAL;
	}
	if (port->domain != dom) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "port %s belongs to domain \"%s\", not \"%s\"",
				       name, port->domain->name,
				       dom->name);
		return -EINVAL;
	}
	return 0;
}

/*
 * An address is not one another endpoint owns as a host route (/32,
 * /128): that one's frames would go to the other.
 */
static int segf_endpoint_check_host_route(struct segf_domain *dom,
					  const u8 *mac,
					  const struct segf_addr *addr,
					  struct netlink_ext_ack *extack)
{
	struct segf_prefix *pfx;
	struct segf_pfx_key key;

	segf_prefix_host_key(&key, addr);
	pfx = segf_prefix_find(dom, &key);
	if (!pfx || !pfx->owned || ether_addr_equal(pfx->own.mac, mac))
		return 0;
	segf_addr_err(extack, addr, "is another endpoint's prefix");
	return -EEXIST;
}

static struct segf_remote *segf_remote_alloc(const struct segf_addr *addr)
{
	struct segf_remote *r;

	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (r)
		r->addr = *addr;
	return r;
}

int segf_endpoint_create(struct segf_domain *dom, const u8 *mac,
			 struct segf_group *grp, struct segf_port *port,
			 const struct segf_addr *remote,
			 const struct segf_addr *addrs, unsigned int n_addrs,
			 u64 born, struct segf_endpoint **out,
			 struct netlink_ext_ack *extack)
{
	struct segf_ep_addr *addr_last[SEGF_EP_ADDRS];
	struct segf_endpoint *ep, *mac_last;
	unsigned int i, j, n;
	int err;

	segf_assert_locked(dom->sn);
	if (WARN_ON(n_addrs > SEGF_EP_ADDRS))
		return -EINVAL;
	err = segf_endpoint_check_location(dom, port, remote, extack) ?:
	      segf_domain_room(dom, dom->n_endpoints,
			       segf_domain_next_cfg(dom)->endpoint_limit,
			       "endpoint", extack);
	if (err)
		return err;
	if (!is_valid_ether_addr(mac)) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "%pM is not a unicast MAC address", mac);
		return -EINVAL;
	}
	if (ether_addr_equal(mac, segf_domain_next_cfg(dom)->gw_mac)) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "%pM is the gateway MAC of domain \"%s\"",
				       mac, dom->name);
		return -EEXIST;
	}
	/* A MAC or address this commit deleted is free: see segf_ep_addr. */
	mac_last = segf_mac_last(dom, mac, &n);
	if (segf_endpoint_live(mac_last)) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "endpoint %pM already exists in domain \"%s\"",
				       mac, dom->name);
		return -EEXIST;
	}
	if (n >= SEGF_READD_MAX) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "endpoint %pM re-added too often", mac);
		return -ENOSPC;
	}
	for (i = 0; i < n_addrs; i++) {
		if (!segf_addr_unicast(&addrs[i])) {
			segf_addr_err(extack, &addrs[i],
				      "is not a unicast host address");
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			if (segf_addr_equal(&addrs[j], &addrs[i])) {
				segf_addr_err(extack, &addrs[i],
					      "is given twice");
				return -EEXIST;
			}
		}
		addr_last[i] = segf_addr_last(dom, &addrs[i], &n);
		if (addr_last[i] && segf_endpoint_live(addr_last[i]->ep)) {
			segf_addr_err(extack, &addrs[i],
				      "already belongs to another endpoint");
			return -EEXIST;
		}
		if (n >= SEGF_READD_MAX) {
			segf_addr_err(extack, &addrs[i],
				      "re-added too often");
			return -ENOSPC;
		}
		if (segf_gw_owns(segf_domain_next_cfg(dom), &addrs[i])) {
			segf_addr_err(extack, &addrs[i],
				      "is the domain's gateway address");
			return -EEXIST;
		}
		err = segf_endpoint_check_host_route(dom, mac, &addrs[i],
						     extack);
		if (err)
			return err;
	}

	err = segf_port_group_add(port, grp->id, born, extack);
	if (err)
		return err;
	ep = kzalloc(sizeof(*ep), GFP_KERNEL_ACCOUNT);
	if (!ep)
		goto err_group;
	if (remote) {
		RCU_INIT_POINTER(ep->remote, segf_remote_alloc(remote));
		if (!rcu_access_pointer(ep->remote)) {
			kfree(ep);
			goto err_group;
		}
	}
	ether_addr_copy(ep->mac, mac);
	ep->domain = dom;
	ep->group = grp;
	ep->port = port;
	ep->born = born;
	ep->dead = SEGF_GEN_NEVER;
	INIT_LIST_HEAD(&ep->owned);
	for (i = 0; i < n_addrs; i++) {
		ep->addrs[i].key = addrs[i];
		ep->addrs[i].ep = ep;
	}

	err = xa_alloc(&dom->endpoints, &ep->index, ep, xa_limit_32b,
		       GFP_KERNEL_ACCOUNT);
	if (err)
		goto err_free;
	/* Addresses first: the MAC entry makes the endpoint usable. */
	for (i = 0; i < n_addrs; i++) {
		err = segf_addr_hash(dom, &ep->addrs[i], addr_last[i]);
		if (err)
			goto err_unhash;
		ep->n_addrs++;
	}
	if (mac_last) {
		ep->pred = mac_last;
		rcu_assign_pointer(mac_last->succ, ep);
	} else {
		err = rhashtable_lookup_insert_fast(&dom->ep_by_mac,
						    &ep->mac_node,
						    segf_mac_params);
		if (err)
			goto err_unhash;
	}

	segf_endpoint_count(ep, 1);
	segf_port_hint(port, ep);
	segf_changed(dom->sn);
	*out = ep;
	return 0;

err_unhash:
	segf_endpoint_unhash(ep, ep->n_addrs);
	xa_erase(&dom->endpoints, ep->index);
err_free:
	/* Readers may have found an address entry already. */
	segf_endpoint_free(ep);
	segf_port_group_del(port, grp->id, 0);
	return err;
err_group:
	segf_port_group_del(port, grp->id, 0);
	return -ENOMEM;
}

/* Take an endpoint out of its tables; it must not be counted any more. */
void segf_endpoint_unlink(struct segf_endpoint *ep)
{
	struct segf_domain *dom = ep->domain;
	struct segf_endpoint *succ = segf_succ(ep, dom);

	segf_assert_locked(dom->sn);
	segf_prefix_drop_owned(ep);
	segf_mac_unhash(ep);
	segf_endpoint_unhash(ep, ep->n_addrs);
	xa_erase(&dom->endpoints, ep->index);
	segf_port_group_del(ep->port, ep->group->id, segf_endpoint_gone(ep));
	segf_port_unhint(ep->port, ep, succ);
	segf_changed(dom->sn);
	segf_endpoint_free(ep);
}

/* Whether a new endpoint took @ep's MAC or an address of it: see txn.c. */
bool segf_endpoint_succeeded(struct segf_endpoint *ep)
{
	struct segf_domain *dom = ep->domain;
	unsigned int i;

	if (segf_succ(ep, dom))
		return true;
	for (i = 0; i < ep->n_addrs; i++)
		if (segf_succ(&ep->addrs[i], dom))
			return true;
	return false;
}

/* Delete an endpoint now, for every reader. */
void segf_endpoint_destroy(struct segf_endpoint *ep)
{
	if (segf_endpoint_live(ep))
		segf_endpoint_count(ep, -1);
	segf_endpoint_unlink(ep);
}

/*
 * Delete an endpoint as of generation @gen, which a commit is building:
 * the data path sees it until that generation is published, the control
 * path no more.
 */
void segf_endpoint_retire(struct segf_endpoint *ep, u64 gen)
{
	segf_assert_locked(ep->domain->sn);
	WRITE_ONCE(ep->dead, gen);
	segf_endpoint_count(ep, -1);
}

void segf_endpoint_revive(struct segf_endpoint *ep)
{
	WRITE_ONCE(ep->dead, SEGF_GEN_NEVER);
	segf_endpoint_count(ep, 1);
}

/*
 * Delete @dom's endpoints behind @port, and publish a generation without
 * them.  They leave that generation, and give up the prefixes they own,
 * before it is published (so that it is built without those prefixes),
 * and are freed after: a flow entry that learned one (segf_flow_learn())
 * names it only for the generations before, whose readers the grace
 * period waits for.
 */
static void segf_domain_flush_port(struct segf_domain *dom,
				   struct segf_port *port)
{
	u64 gen = segf_policy_current(dom)->gen + 1;
	struct segf_endpoint *ep;
	unsigned long idx;
	bool any = false;

	xa_for_each(&dom->endpoints, idx, ep) {
		if (ep->port != port)
			continue;
		if (segf_endpoint_live(ep))
			segf_endpoint_retire(ep, gen);
		segf_prefix_drop_owned(ep);
		any = true;
	}
	/* An uplink's detach leaves a domain it had no endpoint of alone. */
	if (!any)
		return;
	segf_policy_bump(dom);
	xa_for_each(&dom->endpoints, idx, ep)
		if (ep->port == port)
			segf_endpoint_destroy(ep);
}

/*
 * Delete the endpoints that sit behind @port, before it goes away: an
 * uplink's are in every domain.  Flows from or to them are checked
 * again before reuse.
 */
void segf_port_flush_endpoints(struct segf_port *port)
{
	struct segf_domain *dom;
	unsigned long idx;

	segf_assert_locked(port->sn);
	if (!port->n_endpoints)
		return;
	if (!segf_port_is_uplink(port)) {
		segf_domain_flush_port(port->domain, port);
	} else {
		xa_for_each(&port->sn->domains, idx, dom)
			if (dom->vni)
				segf_domain_flush_port(dom, port);
	}
	WARN_ON(port->n_endpoints);
}

/* Put @ep at @port, @r; return the remote it had, for the caller to free. */
static struct segf_remote *segf_endpoint_place(struct segf_endpoint *ep,
					       struct segf_port *port,
					       struct segf_remote *r)
{
	struct segf_net *sn = ep->domain->sn;
	struct segf_remote *old;

	segf_assert_locked(sn);
	old = rcu_dereference_protected(ep->remote, lockdep_is_held(&sn->lock));
	/* An uplink in @port always finds an address: see the struct. */
	if (r)
		rcu_assign_pointer(ep->remote, r);
	if (segf_endpoint_live(ep)) {
		ep->port->n_endpoints--;
		port->n_endpoints++;
	}
	/* It is gone from there for every generation: see the caller. */
	segf_port_group_del(ep->port, ep->group->id, 0);
	if (segf_port_is_uplink(ep->port) || segf_port_is_uplink(port))
		ep->domain->hosts_changed = true;
	segf_port_unhint(ep->port, ep, NULL);
	/* Pairs with segf_endpoint_port(): @r is seen before @port. */
	smp_store_release(&ep->port, port);
	segf_port_hint(port, ep);
	if (!r)
		RCU_INIT_POINTER(ep->remote, NULL);
	segf_changed(sn);
	return old;
}

/**
 * segf_endpoint_move - give an endpoint a new location
 * @ep: a live endpoint
 * @port: where it is now: an endpoint port of its domain, or an uplink
 * @remote: with an uplink, the tunnel address of its host; else NULL
 * @old: the remote address it had, if any, which the caller frees
 *	 (kfree_rcu()) or gives back with segf_endpoint_unmove()
 * @extack: says why not
 *
 * Its group, addresses and flows stay.  The data path follows at once,
 * before the commit publishes (no generation gates a location): a frame
 * to @ep leaves by the new location from here on, and frames it sends
 * are accepted there; a rollback puts it back.  See design.rst, "Moving
 * an endpoint".
 *
 * Return: 0, -EINVAL or -ENOMEM; nothing changed on error.
 */
int segf_endpoint_move(struct segf_endpoint *ep, struct segf_port *port,
		       const struct segf_addr *remote,
		       struct segf_remote **old,
		       struct netlink_ext_ack *extack)
{
	struct segf_remote *r = NULL;
	int err;

	err = segf_endpoint_check_location(ep->domain, port, remote, extack);
	if (err)
		return err;
	if (remote) {
		r = segf_remote_alloc(remote);
		if (!r)
			return -ENOMEM;
	}
	/* Counted at the new place before it leaves the old: see place. */
	err = segf_port_group_add(port, ep->group->id, ep->born, extack);
	if (err) {
		kfree(r);
		return err;
	}
	*old = segf_endpoint_place(ep, port, r);
	return 0;
}

/* Undo segf_endpoint_move(): back to @port, @old.  Cannot fail. */
void segf_endpoint_unmove(struct segf_endpoint *ep, struct segf_port *port,
			  struct segf_remote *old)
{
	struct segf_remote *r;

	/* Undone in reverse, the commit left room where the endpoint was. */
	WARN_ON(segf_port_group_add(port, ep->group->id, ep->born, NULL));
	r = segf_endpoint_place(ep, port, old);
	if (r)
		kfree_rcu(r, rcu);
}
