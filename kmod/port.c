// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: ports, the net_devices whose received frames the module
 * takes over through the rx_handler.
 *
 * Attach and detach run with segf_net::lock held and take RTNL only
 * around the change of the device's rx_handler, so that a commit never
 * holds RTNL for more than one port at a time.
 *
 * The netdev notifier runs under RTNL and never takes segf_net::lock,
 * which a commit may hold for seconds: on NETDEV_UNREGISTER (the device
 * is going away or leaving the namespace) it unhooks the port at once
 * and lets go of the device, and leaves the rest (the endpoints behind
 * the port, its service instance, its tables) to segf_net::port_work.
 * Until that ran, the port is "gone": the data path sends nothing to it
 * and the control path no longer finds it.  The port memory is freed
 * after an RCU grace period.
 */

#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/rtnetlink.h>
#include <net/vxlan.h>

#include "compat.h"
#include "domain.h"
#include "endpoint.h"
#include "policy.h"
#include "port.h"
#include "segfilter.h"
#include "service.h"
#include "stats.h"

/* Called with segf_net::lock held.  A port whose device went is not found. */
struct segf_port *segf_port_find(struct segf_net *sn, int ifindex)
{
	struct segf_port *port;

	segf_assert_locked(sn);
	port = xa_load(&sn->ports, ifindex);
	return port && !READ_ONCE(port->gone) ? port : NULL;
}

/* Copy @port's device name, as it was last renamed, to @name (IFNAMSIZ). */
void segf_port_name(const struct segf_port *port, char *name)
{
	spin_lock(&port->sn->port_lock);
	strscpy(name, port->name, IFNAMSIZ);
	spin_unlock(&port->sn->port_lock);
}

/*
 * Whether frames sent into @port reach its other end: its device is
 * administratively up (a tap keeps its carrier when closed) and
 * operationally up.  False once it is gone.  Any context.
 */
bool segf_port_running(const struct segf_port *port)
{
	bool up = false;

	rcu_read_lock();
	if (!READ_ONCE(port->gone))
		up = netif_running(port->dev) && netif_oper_up(port->dev);
	rcu_read_unlock();
	return up;
}

/*
 * VM and container ports are the host side of a veth pair or a tap
 * device: Ethernet devices whose other end is a guest, never a physical
 * network.
 */
static bool segf_dev_is_guest_port(const struct net_device *dev)
{
	const char *kind;

	if (dev->type != ARPHRD_ETHER || (dev->flags & IFF_LOOPBACK) ||
	    !dev->rtnl_link_ops)
		return false;
	kind = dev->rtnl_link_ops->kind;
	/* tun devices of type ARPHRD_ETHER are taps. */
	return !strcmp(kind, "veth") || !strcmp(kind, "tun");
}

/*
 * An uplink is the kernel's VXLAN device in external (collect metadata)
 * mode, with the Group Based Policy extension: one device for every
 * domain, each domain its VNI.  The module gives each frame it sends
 * the tunnel's destination, VNI and group id as metadata, and reads
 * them from each frame received; the device does the encapsulation.
 */
static int segf_check_uplink(const struct net_device *dev,
			     struct netlink_ext_ack *extack)
{
	const struct vxlan_dev *vxlan;

	if (!netif_is_vxlan(dev)) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "%s is not a VXLAN device: an uplink must be one",
				       dev->name);
		return -EOPNOTSUPP;
	}
	vxlan = netdev_priv(dev);
	if (!(vxlan->cfg.flags & VXLAN_F_COLLECT_METADATA) ||
	    !(vxlan->cfg.flags & VXLAN_F_GBP)) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "VXLAN device %s needs \"external\" and \"gbp\" to be an uplink",
				       dev->name);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Say who already owns a device's rx_handler, or NULL if nobody does. */
static const char *segf_dev_owner(const struct net_device *dev)
{
	if (netif_is_bridge_port(dev))
		return "a bridge port";
	if (netif_is_bond_slave(dev))
		return "a bond slave";
	if (netif_is_team_port(dev))
		return "a team port";
	if (netif_is_ovs_port(dev))
		return "an Open vSwitch port";
	if (netif_is_macvlan_port(dev))
		return "the lower device of a macvlan";
	return NULL;
}

/*
 * Both ends of one veth pair as ports would hand every frame sent out of
 * one straight to the rx_handler of the other: refuse the second.  The
 * peer may be in another namespace, whose name stays unsaid.
 */
static bool segf_peer_is_port(struct net_device *dev)
{
	struct net_device *peer;
	bool busy = false;

	if (!dev->netdev_ops->ndo_get_peer_dev)
		return false;
	rcu_read_lock();
	peer = dev->netdev_ops->ndo_get_peer_dev(dev);
	if (peer)
		busy = rcu_access_pointer(peer->rx_handler) ==
		       segf_handle_frame;
	rcu_read_unlock();
	return busy;
}

static int segf_port_check_free(struct net_device *dev,
				struct netlink_ext_ack *extack)
{
	struct net_device *master;
	struct segf_port *other;
	const char *owner;

	ASSERT_RTNL();
	if (rtnl_dereference(dev->rx_handler) == segf_handle_frame) {
		other = rtnl_dereference(dev->rx_handler_data);
		if (segf_port_is_uplink(other))
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "%s is already attached as an uplink",
					       dev->name);
		else
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "%s is already attached to domain \"%s\"",
					       dev->name, other->domain->name);
		return -EBUSY;
	}
	master = netdev_master_upper_dev_get(dev);
	owner = segf_dev_owner(dev);
	if (owner && master) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "%s is already %s (master %s)",
				       dev->name, owner, master->name);
		return -EBUSY;
	}
	if (owner) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "%s is already %s",
				       dev->name, owner);
		return -EBUSY;
	}
	if (master) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "%s is enslaved to %s",
				       dev->name, master->name);
		return -EBUSY;
	}
	/*
	 * A VLAN (or macvlan, ipvlan...) on top of a port would take the
	 * frames tagged for it before the rx_handler sees them.
	 */
	if (netdev_has_any_upper_dev(dev)) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "%s has upper devices (a VLAN?): they would bypass the filter",
				       dev->name);
		return -EBUSY;
	}
	if (segf_peer_is_port(dev)) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "the other end of veth %s is a segfilter port already",
				       dev->name);
		return -EBUSY;
	}
	return 0;
}

static unsigned int segf_mtu_less(unsigned int mtu, unsigned int overhead)
{
	return mtu > overhead ? mtu - overhead : 0;
}

/*
 * Find what @port's path carries again: see struct segf_port.  An
 * uplink's underlay is its VXLAN device's lower device ("dev" of ip
 * link), looked up in the VXLAN device's namespace.  Called with RTNL
 * held, for a port whose device has not gone.
 */
static void segf_port_mtu_update(struct segf_port *port)
{
	unsigned int mtu = READ_ONCE(port->dev->mtu), mtu6 = mtu;
	const struct vxlan_dev *vxlan;
	struct net_device *lower;

	ASSERT_RTNL();
	port->drops_big = port->dev->rtnl_link_ops &&
			  !strcmp(port->dev->rtnl_link_ops->kind, "veth");
	if (segf_port_is_uplink(port)) {
		vxlan = netdev_priv(port->dev);
		port->underlay = vxlan->cfg.remote_ifindex;
		port->underlay_v6 = vxlan->cfg.saddr.sa.sa_family == AF_INET6;
		lower = port->underlay ?
			__dev_get_by_index(vxlan->net, port->underlay) : NULL;
		if (lower) {
			mtu6 = min(mtu, segf_mtu_less(lower->mtu,
						      SEGF_VXLAN_OVERHEAD6));
			mtu = min(mtu, segf_mtu_less(lower->mtu,
						     SEGF_VXLAN_OVERHEAD4));
		}
	}
	/* Under a protocol's minimum, the data path checks nothing. */
	if ((mtu < IPV6_MIN_MTU || mtu6 < IPV6_MIN_MTU) &&
	    (mtu != READ_ONCE(port->mtu) || mtu6 != READ_ONCE(port->mtu6)))
		netdev_warn(port->dev,
			    "segfilter: path MTU %u (%u to IPv6 hosts) under IPv6's minimum 1280: %s\n",
			    mtu, mtu6, mtu < SEGF_IPV4_MIN_MTU ||
			    mtu6 < SEGF_IPV4_MIN_MTU ?
			    "IP packets out of it are not checked against it" :
			    "IPv6 packets out of it are not checked against it");
	WRITE_ONCE(port->mtu, mtu);
	WRITE_ONCE(port->mtu6, mtu6);
}

/*
 * The MTU of a device changed: if it is the underlay of uplinks of its
 * namespace, they carry something else now.  The uplinks are found by
 * their devices, whose ports stay hooked while RTNL is held (a port in
 * segf_net::ports may be half attached).  Called with RTNL held.
 */
static void segf_underlay_changed(struct net_device *dev)
{
	const struct vxlan_dev *vxlan;
	struct segf_port *port;
	struct net_device *up;

	ASSERT_RTNL();
	for_each_netdev(dev_net(dev), up) {
		if (rtnl_dereference(up->rx_handler) != segf_handle_frame)
			continue;
		port = rtnl_dereference(up->rx_handler_data);
		if (!segf_port_is_uplink(port) ||
		    port->underlay != dev->ifindex)
			continue;
		vxlan = netdev_priv(up);
		if (net_eq(vxlan->net, dev_net(dev)))
			segf_port_mtu_update(port);
	}
}

/*
 * The MTU that the domains' frames out of @port may have: for an
 * uplink, over the underlay's family (struct segf_port).
 */
unsigned int segf_port_path_mtu(const struct segf_port *port)
{
	return segf_port_mtu(port, segf_port_is_uplink(port) &&
			     READ_ONCE(port->underlay_v6));
}

/*
 * How many domains with a VNI have an MTU that the uplink @port cannot
 * carry, and the first of them in @first.  With segf_net::lock held.
 */
static unsigned int segf_uplink_short_first(const struct segf_port *port,
					    struct segf_domain **first)
{
	unsigned int path = segf_port_path_mtu(port), n = 0;
	struct segf_domain *dom;
	unsigned long i;

	segf_assert_locked(port->sn);
	*first = NULL;
	xa_for_each(&port->sn->domains, i, dom) {
		if (!dom->vni || segf_domain_next_cfg(dom)->mtu <= path)
			continue;
		if (!n++)
			*first = dom;
	}
	return n;
}

unsigned int segf_uplink_short(const struct segf_port *port)
{
	struct segf_domain *first;

	return segf_uplink_short_first(port, &first);
}

/*
 * Warn, in @extack of a request that goes on, that the uplink @port
 * cannot carry the MTU of some domain.  With segf_net::lock held.
 */
void segf_uplink_warn(const struct segf_port *port,
		      struct netlink_ext_ack *extack)
{
	struct segf_domain *first;
	char name[IFNAMSIZ];
	unsigned int n;

	n = segf_uplink_short_first(port, &first);
	if (!n)
		return;
	segf_port_name(port, name);
	NL_SET_ERR_MSG_FMT_MOD(extack,
			       "uplink %s carries %u < MTU %u of \"%s\"%s",
			       name, segf_port_path_mtu(port),
			       segf_domain_next_cfg(first)->mtu, first->name,
			       n > 1 ? " etc." : "");
}

/*
 * Warn, in @extack of a request that goes on, that an uplink cannot
 * carry @mtu, the MTU @dom is given.  With segf_net::lock held.
 */
void segf_uplinks_warn(struct segf_net *sn, const struct segf_domain *dom,
		       u32 mtu, struct netlink_ext_ack *extack)
{
	struct segf_port *port;
	char name[IFNAMSIZ];
	unsigned long i;

	segf_assert_locked(sn);
	if (!dom->vni || !mtu)
		return;
	xa_for_each(&sn->ports, i, port) {
		if (!segf_port_is_uplink(port) || READ_ONCE(port->gone) ||
		    segf_port_path_mtu(port) >= mtu)
			continue;
		segf_port_name(port, name);
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "uplink %s carries %u: under this domain's MTU %u",
				       name, segf_port_path_mtu(port), mtu);
		return;
	}
}

static void segf_port_free_rcu(struct rcu_head *head)
{
	struct segf_port *port = container_of(head, struct segf_port, rcu);

	free_percpu(port->stats);
	kfree(port);
}

/* Check that @dev can be a port of @role. */
static int segf_port_check(struct net_device *dev, u8 role,
			   struct netlink_ext_ack *extack)
{
	int err;

	ASSERT_RTNL();
	if (role == SEGFILTER_PORT_ROLE_UPLINK) {
		err = segf_check_uplink(dev, extack);
		if (err)
			return err;
	} else if (!segf_dev_is_guest_port(dev)) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "%s is not a veth or tap device", dev->name);
		return -EOPNOTSUPP;
	}
	err = segf_port_check_free(dev, extack);
	return err;
}

/*
 * Hook @port to its device, found by @port->ifindex: takes RTNL, for as
 * long as a few checks and the rx_handler's registration take.  A dry
 * port (a check's, see segf_commit_end()) gets the checks and a
 * reference to the device, and leaves its rx_handler alone: the device's
 * frames go on as before.
 */
static int segf_port_hook(struct segf_port *port,
			  struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	int err;

	rtnl_lock();
	dev = __dev_get_by_index(port->sn->net, port->ifindex);
	if (!dev) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "no device with ifindex %d",
				       port->ifindex);
		err = -ENODEV;
		goto out;
	}
	err = segf_port_check(dev, port->role, extack);
	if (err)
		goto out;
	port->dev = dev;
	strscpy(port->name, dev->name, sizeof(port->name));
	segf_port_mtu_update(port);
	port->icmp_stamp = jiffies - HZ;
	/* Publishes the fully initialised port to the data path. */
	if (port->dry)
		err = netdev_is_rx_handler_busy(dev) ? -EBUSY : 0;
	else
		err = netdev_rx_handler_register(dev, segf_handle_frame, port);
	if (err) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "%s already has a receive handler", dev->name);
		goto out;
	}
	netdev_hold(dev, &port->dev_tracker, GFP_KERNEL);
out:
	rtnl_unlock();
	return err;
}

/*
 * Take @port off its device, if the notifier has not done it already.
 * Called with RTNL held.  Once this returned, no frame is in the
 * rx_handler nor, with the port marked gone, about to be sent to the
 * device: its reference can go.
 */
static void segf_port_unhook(struct segf_port *port)
{
	ASSERT_RTNL();
	if (port->gone)
		return;
	WRITE_ONCE(port->gone, true);
	/*
	 * Unregistering waits for the frames in flight; a dry port has
	 * none of its own, but a reader may have found it (a service side,
	 * the domain's exit) and be past its test of @gone.
	 */
	if (!port->dry)
		netdev_rx_handler_unregister(port->dev);
	else
		synchronize_net();
	netdev_put(port->dev, &port->dev_tracker);
}

/* The exit port of @dom, for the control path. */
static struct segf_port *segf_domain_exit(struct segf_domain *dom)
{
	return rcu_dereference_protected(dom->exit,
					 lockdep_is_held(&dom->sn->lock));
}

/*
 * Attach @ifindex to @dom (NULL for an uplink) as a port of @role; an
 * exit takes @exit, its links (both families), and is the domain's only
 * one.
 */
int segf_port_attach(struct segf_net *sn, int ifindex,
		     struct segf_domain *dom, u8 role, u64 born,
		     const struct segf_exit_link *exit, bool dry,
		     struct segf_port **out,
		     struct netlink_ext_ack *extack)
{
	struct segf_port *port;
	unsigned int af;
	int err;

	segf_assert_locked(sn);

	port = xa_load(&sn->ports, ifindex);
	if (port) {
		char name[IFNAMSIZ];

		segf_port_name(port, name);
		if (READ_ONCE(port->gone))
			/* Went while a commit held the mutex: not yet released. */
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "%s is a port being released", name);
		else if (segf_port_is_uplink(port))
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "%s is already attached as an uplink",
					       name);
		else
			NL_SET_ERR_MSG_FMT_MOD(extack,
					       "%s is already attached to domain \"%s\"",
					       name, port->domain->name);
		return -EBUSY;
	}
	if (role == SEGFILTER_PORT_ROLE_EXIT && segf_domain_exit(dom)) {
		char name[IFNAMSIZ];

		segf_port_name(segf_domain_exit(dom), name);
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "the domain has an exit already, %s: one at most",
				       name);
		return -EBUSY;
	}
	port = kzalloc(sizeof(*port), GFP_KERNEL_ACCOUNT);
	if (!port)
		return -ENOMEM;
	port->stats = segf_stats_alloc();
	if (!port->stats) {
		err = -ENOMEM;
		goto err_free;
	}
	port->ifindex = ifindex;
	port->sn = sn;
	port->domain = dom;
	port->role = role;
	port->born = born;
	port->dry = dry;
	INIT_LIST_HEAD(&port->todo_node);
	for (af = 0; exit && af < SEGF_EXIT_AFS; af++) {
		port->exit[af].on = exit[af].on;
		port->exit[af].plen = exit[af].plen;
		port->exit[af].addr = exit[af].addr;
		port->exit[af].nexthop = exit[af].nexthop;
	}

	err = xa_insert(&sn->ports, ifindex, port, GFP_KERNEL_ACCOUNT);
	if (err)
		goto err_stats;
	err = segf_port_hook(port, extack);
	if (err)
		goto err_xa;
	if (dom) {
		list_add_tail_rcu(&port->domain_node, &dom->ports);
		dom->n_ports++;
	}
	if (role == SEGFILTER_PORT_ROLE_EXIT)
		rcu_assign_pointer(dom->exit, port);
	/*
	 * A dry port takes its instance's side back as a real one would,
	 * so that a check refuses what the commit would, but reports
	 * nothing, and sends nothing (segf_send()).
	 */
	if (role == SEGFILTER_PORT_ROLE_SERVICE)
		segf_instance_port_back(port);
	if (role == SEGFILTER_PORT_ROLE_EXIT && !dry) {
		/* Ask for the next hops' MACs before a packet needs them. */
		for (af = 0; af < SEGF_EXIT_AFS; af++)
			if (port->exit[af].on)
				segf_exit_solicit(port, af, true);
		/* ...and again now and then: they may change. */
		segf_exit_probe_start(port);
	}
	segf_changed(sn);
	*out = port;
	return 0;

err_xa:
	xa_erase(&sn->ports, ifindex);
err_stats:
	free_percpu(port->stats);
err_free:
	kfree(port);
	return err;
}

/*
 * Let go of an unhooked port: the endpoints behind it, its side of a
 * service instance, its place in the tables.  With segf_net::lock held.
 */
static void segf_port_release(struct segf_port *port)
{
	struct segf_domain *dom = port->domain;
	struct segf_net *sn = port->sn;

	segf_assert_locked(sn);
	spin_lock(&sn->port_lock);
	list_del_init(&port->todo_node);
	port->todo = 0;
	spin_unlock(&sn->port_lock);

	/* Neither its work nor a probe outlives the port (call_rcu below). */
	if (segf_port_is_exit(port) && !port->dry)
		segf_exit_probe_stop(port);
	segf_instance_port_gone(port);
	segf_port_flush_endpoints(port);
	if (dom && segf_domain_exit(dom) == port)
		RCU_INIT_POINTER(dom->exit, NULL);
	if (dom) {
		list_del_rcu(&port->domain_node);
		dom->n_ports--;
	}
	xa_erase(&sn->ports, port->ifindex);
	segf_changed(sn);
	call_rcu(&port->rcu, segf_port_free_rcu);
}

/* Called with segf_net::lock held; takes RTNL for the unhooking alone. */
void segf_port_detach(struct segf_port *port)
{
	segf_assert_locked(port->sn);
	rtnl_lock();
	segf_port_unhook(port);
	rtnl_unlock();
	segf_port_release(port);
}

/* Give port_work something to do for @port.  Called with RTNL held. */
static void segf_port_queue(struct segf_port *port, u8 todo)
{
	struct segf_net *sn = port->sn;

	spin_lock(&sn->port_lock);
	port->todo |= todo;
	if (list_empty(&port->todo_node))
		list_add_tail(&port->todo_node, &sn->port_todo);
	spin_unlock(&sn->port_lock);
	queue_work(segf_wq, &sn->port_work);
}

/**
 * segf_port_reap - finish what the netdev notifier left
 * @sn: the namespace, its mutex held
 *
 * Release the ports whose devices went, and tell the state of the
 * service instances whose ports went up or down.  Every writer and
 * reader of the configuration calls it when it takes the mutex (see
 * segf_lock()), so that what a device's removal changes is seen by the
 * next request, whoever gets the mutex first.
 */
void segf_port_reap(struct segf_net *sn)
{
	struct segf_instance *inst;
	struct segf_port *port;
	u8 todo;

	segf_assert_locked(sn);
	for (;;) {
		spin_lock(&sn->port_lock);
		port = list_first_entry_or_null(&sn->port_todo,
						struct segf_port, todo_node);
		if (port) {
			list_del_init(&port->todo_node);
			todo = port->todo;
			port->todo = 0;
		}
		spin_unlock(&sn->port_lock);
		if (!port)
			break;
		if (todo & SEGF_PORT_RELEASE) {
			segf_port_release(port);
			continue;
		}
		inst = rcu_dereference_protected(port->inst,
						 lockdep_is_held(&sn->lock));
		if (inst)
			segf_instance_report(inst, false);
	}
}

/* The same, when nobody else took the mutex first. */
void segf_port_work(struct work_struct *work)
{
	struct segf_net *sn = container_of(work, struct segf_net, port_work);

	segf_lock(sn);
	mutex_unlock(&sn->lock);
}

/* Wait until what the notifier queued for @sn is done. */
void segf_port_flush_work(struct segf_net *sn)
{
	flush_work(&sn->port_work);
}

static int segf_netdev_event(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct netdev_notifier_changeupper_info *upper;
	struct segf_port *port;
	struct segf_net *sn;

	if (event == NETDEV_CHANGEMTU)
		segf_underlay_changed(dev);
	if (rtnl_dereference(dev->rx_handler) != segf_handle_frame)
		return NOTIFY_DONE;
	port = rtnl_dereference(dev->rx_handler_data);
	sn = port->sn;

	switch (event) {
	case NETDEV_UNREGISTER:
		segf_port_unhook(port);
		segf_port_queue(port, SEGF_PORT_RELEASE);
		break;
	case NETDEV_CHANGENAME:
		spin_lock(&sn->port_lock);
		strscpy(port->name, dev->name, sizeof(port->name));
		spin_unlock(&sn->port_lock);
		break;
	case NETDEV_CHANGEMTU:
		segf_port_mtu_update(port);
		break;
	case NETDEV_PRE_TYPE_CHANGE:
		/* A tap turned into something else (TUNSETLINK). */
		return notifier_from_errno(-EBUSY);
	case NETDEV_PRECHANGEUPPER:
		upper = ptr;
		if (!upper->linking)
			break;
		NL_SET_ERR_MSG_MOD(upper->info.extack,
				   "a segfilter port takes no upper device: its frames would bypass the filter");
		return notifier_from_errno(-EBUSY);
	case NETDEV_UP:
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
		/* An uplink's VXLAN device may have a new link (underlay). */
		if (event == NETDEV_CHANGE && segf_port_is_uplink(port))
			segf_port_mtu_update(port);
		/* A service instance's port: tell whether it can work. */
		if (port->role == SEGFILTER_PORT_ROLE_SERVICE)
			segf_port_queue(port, SEGF_PORT_REPORT);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block segf_netdev_notifier = {
	.notifier_call = segf_netdev_event,
};

int segf_port_init(void)
{
	return register_netdevice_notifier(&segf_netdev_notifier);
}

void segf_port_uninit(void)
{
	unregister_netdevice_notifier(&segf_netdev_notifier);
}
