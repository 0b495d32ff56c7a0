// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: service insertion.
 *
 * A service (a virtual firewall, an IPS) is a set of interchangeable
 * instances; a chain is an ordered list of services that a redirect rule
 * sends flows through.  The data path pins every redirected flow to one
 * instance of each service of its chain, and keeps it there while that
 * instance lives: an instance keeps the state of the connections it saw.
 *
 * Which instance: rendezvous (highest random weight) hashing.  Every
 * instance that may take the flow is scored by a hash of the flow's
 * symmetric hash and the instance's id, and the highest score wins.  Both
 * directions of a flow have the same hash, so they pick the same
 * instance; an instance that goes away takes only its own flows with it,
 * and one that comes takes about 1/N of the new flows from each of the
 * others, never more.  The cost is one hash per instance slot of the
 * service, at most SEGFILTER_SERVICE_MAX_INSTANCES, once per flow, and
 * again only when its instance fails.
 *
 * Lifetimes follow the rest of the module: services, chains and
 * instances are changed by commits with segf_net::lock held, deleted
 * ones are unlinked once the commit published its generations and freed
 * after a grace period.  An instance is seen by the data path between
 * the generations it was born and died in, as an endpoint is.  A chain
 * cannot go while rules name it, a service while chains name it or it
 * has instances.  Flows name services and instances by id, never by
 * pointer, and look them up again for every packet.
 */

#include <linux/jhash.h>
#include <linux/netlink.h>
#include <linux/slab.h>

#include "compat.h"
#include "domain.h"
#include "events.h"
#include "policy.h"
#include "port.h"
#include "segfilter.h"
#include "service.h"

struct segf_service *segf_service_find(struct segf_domain *dom,
				       const char *name)
{
	struct segf_service *svc;
	unsigned long id;

	segf_assert_locked(dom->sn);
	xa_for_each(&dom->services, id, svc)
		if (!svc->dying && !strcmp(svc->name, name))
			return svc;
	return NULL;
}

int segf_service_create(struct segf_domain *dom, const char *name, u8 mode,
			struct segf_service **out,
			struct netlink_ext_ack *extack)
{
	struct segf_service *svc;
	int err;

	segf_assert_locked(dom->sn);
	if (segf_service_find(dom, name)) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "service \"%s\" already exists in domain \"%s\"",
				       name, dom->name);
		return -EEXIST;
	}
	err = segf_domain_room(dom, dom->n_services,
			       segf_domain_next_cfg(dom)->service_limit,
			       "service", extack);
	if (err)
		return err;
	svc = kzalloc(sizeof(*svc), GFP_KERNEL_ACCOUNT);
	if (!svc)
		return -ENOMEM;
	svc->domain = dom;
	svc->mode = mode;
	strscpy(svc->name, name, sizeof(svc->name));
	err = xa_alloc(&dom->services, &svc->id, svc,
		       XA_LIMIT(1, U16_MAX), GFP_KERNEL_ACCOUNT);
	if (err) {
		if (err == -EBUSY)
			NL_SET_ERR_MSG_MOD(extack, "no service id left");
		kfree(svc);
		return err;
	}
	dom->n_services++;
	*out = svc;
	return 0;
}

/* Delete a service in the commit being built. */
int segf_service_retire(struct segf_service *svc,
			struct netlink_ext_ack *extack)
{
	if (svc->n_instances) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "service \"%s\" has %u instance(s)",
				       svc->name, svc->n_instances);
		return -EBUSY;
	}
	if (svc->n_chains) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "service \"%s\" is in %u chain(s)",
				       svc->name, svc->n_chains);
		return -EBUSY;
	}
	svc->dying = true;
	svc->domain->n_services--;	/* its slot is free for this commit */
	return 0;
}

/* Undo segf_service_retire(), if it got that far. */
void segf_service_revive(struct segf_service *svc)
{
	if (!svc->dying)
		return;
	svc->dying = false;
	svc->domain->n_services++;
}

/* Its creation undone, or its deletion published. */
void segf_service_unlink(struct segf_service *svc)
{
	xa_erase(&svc->domain->services, svc->id);
	if (!svc->dying)
		svc->domain->n_services--;
	kfree_rcu(svc, rcu);
}

#define segf_inst_succ(inst, sn)					\
	rcu_dereference_check((inst)->succ, lockdep_is_held(&(sn)->lock))

/* The last instance of slot @i's line: the only one that may be live. */
static struct segf_instance *segf_slot_last(const struct segf_service *svc,
					    unsigned int i, unsigned int *n)
{
	struct segf_net *sn = svc->domain->sn;
	struct segf_instance *inst, *next;

	inst = rcu_dereference_protected(svc->inst[i],
					 lockdep_is_held(&sn->lock));
	*n = !!inst;
	while (inst && (next = segf_inst_succ(inst, sn))) {
		inst = next;
		(*n)++;
	}
	return inst;
}

/* The instance @id of @svc as the control path sees it: not deleted. */
struct segf_instance *segf_instance_find(struct segf_service *svc, u32 id)
{
	struct segf_instance *inst;
	unsigned int n;

	if (!id || id > SEGFILTER_SERVICE_MAX_INSTANCES)
		return NULL;
	inst = segf_slot_last(svc, id - 1, &n);
	return inst && inst->dead == SEGF_GEN_NEVER ? inst : NULL;
}

/*
 * The instance of slot @i of @svc that generation @gen sees, if any, for
 * the data path (under rcu_read_lock()).  Walks the slot's line only
 * while a commit re-adds that instance.
 */
struct segf_instance *segf_service_seen(const struct segf_service *svc,
					unsigned int i, u64 gen)
{
	struct segf_instance *inst = rcu_dereference(svc->inst[i]);

	while (inst && !segf_instance_visible(inst, gen))
		inst = segf_inst_succ(inst, svc->domain->sn);
	return inst;
}

/* Which side of @inst port @ifindex is. */
static int segf_side_of(const struct segf_instance *inst, int ifindex)
{
	return inst->side[SEGF_LEFT].ifindex == ifindex ?
	       SEGF_LEFT : SEGF_RIGHT;
}

/*
 * The instance behind service port @port for a frame of generation @gen,
 * and the side of it @port is (the instance's own record: a port handed
 * over may be another side of its new instance).  The instance that
 * takes the port over once a commit publishes serves the frames of the
 * new generation before the hand-over; the caller checks that the
 * instance found is visible in @gen.
 */
struct segf_instance *segf_port_instance(const struct segf_port *port,
					 u64 gen, int *side)
{
	struct segf_instance *inst, *next;

	/*
	 * The claimant first: the publish's hand-over stores the holder
	 * before it clears the claim (segf_instance_unbind()), so a frame
	 * that finds no claim here finds the new holder below, and one
	 * that finds the old holder still has its claimant.  The grace
	 * period of segf_commit_end() does not cover this: the hand-over
	 * runs after it.
	 */
	next = rcu_dereference(port->inst_next);
	/* Pairs with the smp_wmb() of segf_instance_unbind(). */
	smp_rmb();
	inst = rcu_dereference(port->inst);
	if (inst && next && !segf_instance_visible(inst, gen))
		inst = next;
	if (inst)
		*side = segf_side_of(inst, port->ifindex);
	return inst;
}

static struct segf_port *segf_iface_port(const struct segf_iface *side,
					 struct segf_net *sn)
{
	return rcu_dereference_protected(side->port,
					 lockdep_is_held(&sn->lock));
}

static struct segf_instance *segf_port_holder(const struct segf_port *port,
					      bool next)
{
	return rcu_dereference_protected(next ? port->inst_next : port->inst,
					 lockdep_is_held(&port->sn->lock));
}

static void segf_instance_bind(struct segf_instance *inst, int s,
			       struct segf_port *port)
{
	rcu_assign_pointer(port->inst, inst);
	rcu_assign_pointer(inst->side[s].port, port);
}

/*
 * Give side @s of @inst, a new instance, @port: at once if no instance
 * has it, else from the commit's publish on, when the instance deleted
 * in that commit that has it lets go (segf_instance_unbind()).
 */
static void segf_instance_claim(struct segf_instance *inst, int s,
				struct segf_port *port)
{
	if (!segf_port_holder(port, false)) {
		segf_instance_bind(inst, s, port);
		return;
	}
	inst->side[s].displaced = segf_port_holder(port, true);
	rcu_assign_pointer(port->inst_next, inst);
	rcu_assign_pointer(inst->side[s].port, port);
}

/*
 * Let go of @inst's ports.  Its deletion published, a port it held goes
 * to the instance that claimed it, if any.  Its creation undone, a port
 * it claimed goes back to the claim it displaced.  A claim displaced
 * by a later one, published, leaves the port to that one.
 */
static void segf_instance_unbind(struct segf_instance *inst)
{
	struct segf_net *sn = inst->svc->domain->sn;
	struct segf_instance *next;
	struct segf_port *port;
	int s, n;

	for (s = SEGF_LEFT; s <= SEGF_RIGHT; s++) {
		port = segf_iface_port(&inst->side[s], sn);
		if (!port)
			continue;
		if (segf_port_holder(port, false) == inst) {
			next = segf_port_holder(port, true);
			rcu_assign_pointer(port->inst, next);
			/*
			 * The new holder before the claim goes: pairs with
			 * the smp_rmb() of segf_port_instance().
			 */
			smp_wmb();
			RCU_INIT_POINTER(port->inst_next, NULL);
			/* Settled: nothing left to give the port back to. */
			if (next) {
				n = segf_side_of(next, port->ifindex);
				next->side[n].displaced = NULL;
			}
		} else if (segf_port_holder(port, true) == inst) {
			rcu_assign_pointer(port->inst_next,
					   inst->side[s].displaced);
		}
		inst->side[s].displaced = NULL;
		RCU_INIT_POINTER(inst->side[s].port, NULL);
	}
}

/*
 * Whether a new instance took @inst's slot or claimed a port of it:
 * see txn.c.
 */
bool segf_instance_succeeded(struct segf_instance *inst)
{
	struct segf_net *sn = inst->svc->domain->sn;
	struct segf_port *port;
	int s;

	if (segf_inst_succ(inst, sn))
		return true;
	for (s = SEGF_LEFT; s <= SEGF_RIGHT; s++) {
		port = segf_iface_port(&inst->side[s], sn);
		if (port && segf_port_holder(port, false) == inst &&
		    segf_port_holder(port, true))
			return true;
	}
	return false;
}

/* Whether a live instance has @port, or takes it over at the publish. */
static bool segf_port_taken(const struct segf_port *port)
{
	struct segf_instance *inst;

	inst = segf_port_holder(port, true) ?: segf_port_holder(port, false);
	return inst && inst->dead == SEGF_GEN_NEVER;
}

/**
 * segf_instance_create - add an instance to a service
 * @svc: the service
 * @id: the instance's id, unique in the service
 * @sides: its left and right side, with their ports resolved
 * @born: the generation that will see it first
 * @out: the new instance
 * @extack: why not
 *
 * The ports must be SERVICE ports of the service's domain that no other
 * instance uses.
 */
int segf_instance_create(struct segf_service *svc, u32 id,
			 struct segf_iface sides[2], u64 born,
			 struct segf_instance **out,
			 struct netlink_ext_ack *extack)
{
	struct segf_net *sn = svc->domain->sn;
	struct segf_instance *inst, *old, *head;
	struct segf_port *port[2];
	unsigned int n;
	int s, cpu;

	segf_assert_locked(sn);
	/* One this commit deleted gives its id up: see the struct. */
	old = segf_slot_last(svc, id - 1, &n);
	if (old && old->dead == SEGF_GEN_NEVER) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "instance %u of service \"%s\" exists",
				       id, svc->name);
		return -EEXIST;
	}
	if (n >= SEGF_READD_MAX) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "instance %u of \"%s\" re-added too often",
				       id, svc->name);
		return -ENOSPC;
	}
	for (s = SEGF_LEFT; s <= SEGF_RIGHT; s++) {
		char name[IFNAMSIZ];

		port[s] = segf_iface_port(&sides[s], sn);
		segf_port_name(port[s], name);
		if (port[s]->domain != svc->domain ||
		    port[s]->role != SEGFILTER_PORT_ROLE_SERVICE) {
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "%s is not a service port of domain \"%s\"",
					       name, svc->domain->name);
			return -EINVAL;
		}
		if (segf_port_taken(port[s])) {
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "%s is used by another instance",
					       name);
			return -EBUSY;
		}
	}
	if (port[SEGF_LEFT] == port[SEGF_RIGHT]) {
		NL_SET_ERR_MSG_MOD(extack, "left and right are the same port");
		return -EINVAL;
	}

	inst = kzalloc(sizeof(*inst), GFP_KERNEL_ACCOUNT);
	if (!inst)
		return -ENOMEM;
	inst->stats = alloc_percpu_gfp(struct segf_inst_pcpu,
				       GFP_KERNEL_ACCOUNT);
	if (!inst->stats) {
		kfree(inst);
		return -ENOMEM;
	}
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(inst->stats, cpu)->syncp);
	inst->svc = svc;
	inst->id = id;
	inst->born = born;
	inst->dead = SEGF_GEN_NEVER;
	/*
	 * The same ports as the instance flows may be pinned to (the head
	 * of the line, published; those this commit added and deleted
	 * again never were): the same VM, changed settings; else another.
	 */
	head = rcu_dereference_protected(svc->inst[id - 1],
					 lockdep_is_held(&sn->lock));
	if (head &&
	    (head->side[SEGF_LEFT].ifindex != port[SEGF_LEFT]->ifindex ||
	     head->side[SEGF_RIGHT].ifindex != port[SEGF_RIGHT]->ifindex))
		inst->incarn = head->incarn + 1;
	else if (head)
		inst->incarn = head->incarn;
	for (s = SEGF_LEFT; s <= SEGF_RIGHT; s++) {
		inst->side[s] = sides[s];
		RCU_INIT_POINTER(inst->side[s].port, NULL);
		inst->side[s].ifindex = port[s]->ifindex;
		inst->side[s].displaced = NULL;
		segf_instance_claim(inst, s, port[s]);
	}
	if (old) {
		inst->pred = old;
		rcu_assign_pointer(old->succ, inst);
	} else {
		rcu_assign_pointer(svc->inst[id - 1], inst);
	}
	if (id > svc->n_slots)
		WRITE_ONCE(svc->n_slots, id);
	svc->n_instances++;
	*out = inst;
	return 0;
}

/* Delete an instance in the commit being built: gone from generation @gen. */
void segf_instance_retire(struct segf_instance *inst, u64 gen)
{
	WRITE_ONCE(inst->dead, gen);
	inst->svc->n_instances--;
}

void segf_instance_revive(struct segf_instance *inst)
{
	WRITE_ONCE(inst->dead, SEGF_GEN_NEVER);
	inst->svc->n_instances++;
}

static void segf_instance_free_rcu(struct rcu_head *head)
{
	struct segf_instance *inst = container_of(head, struct segf_instance,
						  rcu);

	free_percpu(inst->stats);
	kfree(inst);
}

/* Its creation undone, or its deletion published: let go of it. */
void segf_instance_unlink(struct segf_instance *inst)
{
	struct segf_service *svc = inst->svc;
	struct segf_instance *succ = segf_inst_succ(inst, svc->domain->sn);

	segf_instance_unbind(inst);
	/* Out of its slot's line; a reader on it still finds the rest. */
	if (succ)
		succ->pred = inst->pred;
	if (inst->pred)
		rcu_assign_pointer(inst->pred->succ, succ);
	else
		rcu_assign_pointer(svc->inst[inst->id - 1], succ);
	inst->pred = NULL;
	if (inst->dead == SEGF_GEN_NEVER)
		svc->n_instances--;
	call_rcu(&inst->rcu, segf_instance_free_rcu);
}

/* Called with segf_net::lock held. */
u8 segf_instance_state(const struct segf_instance *inst)
{
	struct segf_net *sn = inst->svc->domain->sn;
	struct segf_port *port;
	int s;

	for (s = SEGF_LEFT; s <= SEGF_RIGHT; s++) {
		port = segf_iface_port(&inst->side[s], sn);
		if (!port || !segf_port_running(port))
			return SEGFILTER_INSTANCE_DOWN;
	}
	return inst->drained ? SEGFILTER_INSTANCE_DRAINED :
			       SEGFILTER_INSTANCE_UP;
}

/* Tell listeners when @inst changed state since they last heard. */
void segf_instance_report(struct segf_instance *inst, bool deleted)
{
	u8 state = deleted ? SEGFILTER_INSTANCE_DELETED :
			     segf_instance_state(inst);

	if (state == inst->reported)
		return;
	inst->reported = state;
	segf_instance_notify(inst, state);
}

/* flows, tx packets, tx bytes, rx packets, rx bytes */
void segf_instance_read_stats(const struct segf_instance *inst, u64 c[5])
{
	int cpu;

	memset(c, 0, 5 * sizeof(*c));
	for_each_possible_cpu(cpu) {
		const struct segf_inst_pcpu *s = per_cpu_ptr(inst->stats, cpu);
		unsigned int start;
		u64 v[5];

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			v[0] = u64_stats_read(&s->flows);
			v[1] = u64_stats_read(&s->tx_packets);
			v[2] = u64_stats_read(&s->tx_bytes);
			v[3] = u64_stats_read(&s->rx_packets);
			v[4] = u64_stats_read(&s->rx_bytes);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		c[0] += v[0];
		c[1] += v[1];
		c[2] += v[2];
		c[3] += v[3];
		c[4] += v[4];
	}
}

/*
 * A service port is being detached: its instance stays configured, down,
 * and comes back if the same device is attached again.
 */
void segf_instance_port_gone(struct segf_port *port)
{
	struct segf_instance *inst;

	inst = segf_port_holder(port, false);
	if (!inst)
		return;
	RCU_INIT_POINTER(inst->side[segf_side_of(inst, port->ifindex)].port,
			 NULL);
	RCU_INIT_POINTER(port->inst, NULL);
	if (!port->dry)
		segf_instance_report(inst, false);
}

/*
 * A SERVICE port was attached: is it the missing side of an instance?
 * Only the first instance of a slot's line can miss a port: the others
 * were added by the commit running now, on ports attached then, and no
 * port is detached inside a commit (PORT_DEL and NETDEV_UNREGISTER are
 * outside it).
 */
void segf_instance_port_back(struct segf_port *port)
{
	struct segf_domain *dom = port->domain;
	struct segf_instance *inst;
	struct segf_service *svc;
	unsigned long id;
	unsigned int i;
	int s;

	xa_for_each(&dom->services, id, svc) {
		for (i = 0; i < svc->n_slots; i++) {
			inst = rcu_dereference_protected(svc->inst[i],
							 lockdep_is_held(&dom->sn->lock));
			if (!inst)
				continue;
			for (s = SEGF_LEFT; s <= SEGF_RIGHT; s++) {
				if (inst->side[s].ifindex != port->ifindex ||
				    segf_iface_port(&inst->side[s], dom->sn))
					continue;
				segf_instance_bind(inst, s, port);
				/* A check's port: the instance stays down. */
				if (!port->dry)
					segf_instance_report(inst, false);
				return;
			}
		}
	}
}

struct segf_chain *segf_chain_find(struct segf_domain *dom, const char *name)
{
	struct segf_chain *chain;
	unsigned long id;

	segf_assert_locked(dom->sn);
	xa_for_each(&dom->chains, id, chain)
		if (!chain->dying && !strcmp(chain->name, name))
			return chain;
	return NULL;
}

int segf_chain_create(struct segf_domain *dom, const char *name, u8 fail_mode,
		      struct segf_service **svcs, unsigned int n,
		      struct segf_chain **out, struct netlink_ext_ack *extack)
{
	struct segf_chain *chain;
	unsigned int i;
	int err;

	segf_assert_locked(dom->sn);
	if (segf_chain_find(dom, name)) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "chain \"%s\" already exists in domain \"%s\"",
				       name, dom->name);
		return -EEXIST;
	}
	err = segf_domain_room(dom, dom->n_chains,
			       segf_domain_next_cfg(dom)->chain_limit, "chain",
			       extack);
	if (err)
		return err;
	chain = kzalloc(sizeof(*chain), GFP_KERNEL_ACCOUNT);
	if (!chain)
		return -ENOMEM;
	chain->domain = dom;
	chain->fail_mode = fail_mode;
	strscpy(chain->name, name, sizeof(chain->name));
	err = xa_alloc(&dom->chains, &chain->id, chain, xa_limit_32b,
		       GFP_KERNEL_ACCOUNT);
	if (err) {
		kfree(chain);
		return err;
	}
	dom->n_chains++;
	chain->n_services = n;
	for (i = 0; i < n; i++) {
		chain->svc[i] = svcs[i];
		svcs[i]->n_chains++;
	}
	*out = chain;
	return 0;
}

static void segf_chain_count(struct segf_chain *chain, int delta)
{
	unsigned int i;

	for (i = 0; i < chain->n_services; i++)
		chain->svc[i]->n_chains += delta;
}

int segf_chain_retire(struct segf_chain *chain, struct netlink_ext_ack *extack)
{
	if (chain->n_rules) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "chain \"%s\" is named by %u rule(s)",
				       chain->name, chain->n_rules);
		return -EBUSY;
	}
	chain->dying = true;
	segf_chain_count(chain, -1);
	chain->domain->n_chains--;
	return 0;
}

void segf_chain_revive(struct segf_chain *chain)
{
	chain->dying = false;
	segf_chain_count(chain, 1);
	chain->domain->n_chains++;
}

/* Its creation undone, or its deletion published. */
void segf_chain_unlink(struct segf_chain *chain)
{
	if (!chain->dying) {
		segf_chain_count(chain, -1);
		chain->domain->n_chains--;
	}
	xa_erase(&chain->domain->chains, chain->id);
	kfree_rcu(chain, rcu);
}

/* Domain teardown: no port is attached, nothing reads these any more. */
void segf_services_destroy(struct segf_domain *dom)
{
	struct segf_chain *chain;
	struct segf_service *svc;
	struct segf_instance *inst;
	unsigned long id;
	unsigned int i;

	xa_for_each(&dom->chains, id, chain)
		segf_chain_unlink(chain);
	xa_for_each(&dom->services, id, svc) {
		for (i = 0; i < svc->n_slots; i++) {
			/* An unlinked head gives the slot to its successor. */
			while ((inst = rcu_dereference_protected(svc->inst[i],
								 true)))
				segf_instance_unlink(inst);
		}
		segf_service_unlink(svc);
	}
	xa_destroy(&dom->chains);
	xa_destroy(&dom->services);
}

/*
 * The path of a flow newly redirected to @chain.  Where @old, the path
 * it had, already crossed the same service, the flow stays with the
 * instance it had there.
 */
void segf_path_init(struct segf_path *path, const struct segf_chain *chain,
		    const struct segf_path *old)
{
	unsigned int i, j;

	memset(path, 0, sizeof(*path));
	path->n = chain->n_services;
	path->fail_open = chain->fail_mode == SEGFILTER_FAIL_OPEN;
	for (i = 0; i < chain->n_services; i++) {
		path->hop[i].service = chain->svc[i]->id;
		for (j = 0; old && j < old->n; j++)
			if (old->hop[j].service == path->hop[i].service)
				path->hop[i] = old->hop[j];
	}
}

/*
 * Whether the data path, reading generation @gen with @cfg, may send to
 * @inst: it exists in that generation and both its ports are attached
 * and up.  A routed instance also needs the domain's gateway MAC.
 */
bool segf_instance_alive(const struct segf_instance *inst, u64 gen,
			 const struct segf_domain_cfg *cfg)
{
	const struct segf_port *port;
	int s;

	if (!inst || inst->born > gen || gen >= READ_ONCE(inst->dead))
		return false;
	for (s = SEGF_LEFT; s <= SEGF_RIGHT; s++) {
		port = rcu_dereference(inst->side[s].port);
		/* A port attached by a commit not yet published is not. */
		if (!port || READ_ONCE(port->born) > gen ||
		    !segf_port_running(port))
			return false;
	}
	return inst->svc->mode != SEGFILTER_SERVICE_ROUTED ||
	       !is_zero_ether_addr(cfg->gw_mac);
}

/**
 * segf_service_pick - the instance a flow goes to
 * @svc: the service
 * @hash: the flow's symmetric hash
 * @gen: the generation the caller reads
 * @cfg: its configuration
 *
 * Called under rcu_read_lock().
 *
 * Return: the live, undrained instance with the highest score for
 * @hash, or NULL when there is none.
 */
struct segf_instance *segf_service_pick(const struct segf_service *svc,
					u32 hash, u64 gen,
					const struct segf_domain_cfg *cfg)
{
	unsigned int i, n = READ_ONCE(svc->n_slots);
	struct segf_instance *inst, *best = NULL;
	u32 score, best_score = 0;

	for (i = 0; i < n; i++) {
		inst = segf_service_seen(svc, i, gen);
		if (!segf_instance_alive(inst, gen, cfg) ||
		    READ_ONCE(inst->drained))
			continue;
		score = jhash_2words(hash, svc->id << 8 | inst->id, 0);
		if (!best || score > best_score) {
			best = inst;
			best_score = score;
		}
	}
	return best;
}
