// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: ports, the net_devices whose received frames the module
 * takes over through the rx_handler.
 *
 * Attach and detach run with RTNL and segf_net::lock held, in that
 * order.  NETDEV_UNREGISTER detaches a port at once (the device is going
 * away or leaving the namespace); the port memory and the device
 * reference are released after an RCU grace period, so a frame still in
 * flight on another CPU never sees them go.
 */

#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/rtnetlink.h>
#include <net/vxlan.h>

#include "compat.h"
#include "segfilter.h"

/* Called with segf_net::lock held. */
struct segf_port *segf_port_find(struct segf_net *sn, int ifindex)
{
	segf_assert_locked(sn);
	return xa_load(&sn->ports, ifindex);
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
	return 0;
}

static void segf_port_free_rcu(struct rcu_head *head)
{
	struct segf_port *port = container_of(head, struct segf_port, rcu);

	netdev_put(port->dev, &port->dev_tracker);
	free_percpu(port->stats);
	kfree(port);
}

int segf_port_attach(struct segf_net *sn, struct net_device *dev,
		     struct segf_domain *dom, u8 role, u64 born,
		     struct segf_port **out,
		     struct netlink_ext_ack *extack)
{
	struct segf_port *port;
	int err;

	ASSERT_RTNL();
	segf_assert_locked(sn);

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
	if (err)
		return err;

	port = kzalloc(sizeof(*port), GFP_KERNEL_ACCOUNT);
	if (!port)
		return -ENOMEM;
	port->stats = segf_stats_alloc();
	if (!port->stats) {
		err = -ENOMEM;
		goto err_free;
	}
	port->dev = dev;
	port->sn = sn;
	port->domain = dom;
	port->role = role;
	port->born = born;

	err = xa_insert(&sn->ports, dev->ifindex, port, GFP_KERNEL_ACCOUNT);
	if (err)
		goto err_stats;
	/* Publishes the fully initialised port to the data path. */
	err = netdev_rx_handler_register(dev, segf_handle_frame, port);
	if (err) {
		NL_SET_ERR_MSG_FMT_MOD(extack,
				       "%s already has a receive handler", dev->name);
		goto err_xa;
	}
	netdev_hold(dev, &port->dev_tracker, GFP_KERNEL);
	if (dom) {
		list_add_tail_rcu(&port->domain_node, &dom->ports);
		dom->n_ports++;
	}
	if (role == SEGFILTER_PORT_ROLE_SERVICE)
		segf_instance_port_back(port);
	segf_changed(sn);
	*out = port;
	return 0;

err_xa:
	xa_erase(&sn->ports, dev->ifindex);
err_stats:
	free_percpu(port->stats);
err_free:
	kfree(port);
	return err;
}

/* Called with RTNL and segf_net::lock held. */
void segf_port_detach(struct segf_port *port)
{
	struct segf_domain *dom = port->domain;
	struct segf_net *sn = port->sn;

	ASSERT_RTNL();
	segf_assert_locked(sn);

	/* No new frame reaches us from here on. */
	netdev_rx_handler_unregister(port->dev);
	segf_instance_port_gone(port);
	segf_port_flush_endpoints(port);
	if (dom) {
		list_del_rcu(&port->domain_node);
		dom->n_ports--;
	}
	xa_erase(&sn->ports, port->dev->ifindex);
	segf_changed(sn);
	call_rcu(&port->rcu, segf_port_free_rcu);
}

static int segf_netdev_event(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct segf_instance *inst;
	struct segf_port *port;
	struct segf_net *sn;

	if (rtnl_dereference(dev->rx_handler) != segf_handle_frame)
		return NOTIFY_DONE;
	port = rtnl_dereference(dev->rx_handler_data);
	sn = port->sn;

	switch (event) {
	case NETDEV_UNREGISTER:
		mutex_lock(&sn->lock);
		segf_port_detach(port);
		mutex_unlock(&sn->lock);
		break;
	case NETDEV_UP:
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
		/* A service instance's port: tell whether it can work. */
		if (port->role != SEGFILTER_PORT_ROLE_SERVICE)
			break;
		mutex_lock(&sn->lock);
		inst = rcu_dereference_protected(port->inst,
						 lockdep_is_held(&sn->lock));
		if (inst)
			segf_instance_report(inst, false);
		mutex_unlock(&sn->lock);
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
