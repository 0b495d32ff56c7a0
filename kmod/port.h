/* SPDX-License-Identifier: GPL-2.0 */
/*
 * segfilter: a port, the tap, veth or uplink device segfilter took over
 * (port.c), and the rx_handler it hooks (rx.c).
 */
#ifndef _SEGF_PORT_H
#define _SEGF_PORT_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <uapi/linux/segfilter.h>

#include "domain.h"

struct netlink_ext_ack;
struct segf_domain;
struct segf_instance;
struct segf_net;
struct segf_pcpu_stats;
struct sk_buff;
struct work_struct;

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

/*
 * One family of an exit's link (exit.c): the module's own address there
 * and the next hop, set at attach and never changed, and the next hop's
 * MAC, learned by the data path from its ARP or ND messages and checked
 * by the exit's periodic probe (segf_port::probe_work).
 */
enum {
	SEGF_EXIT_V4,
	SEGF_EXIT_V6,
	SEGF_EXIT_AFS
};

#define SEGF_EXIT_MAC_KNOWN	BIT_ULL(48)

struct segf_exit_link {
	bool on;			/* the exit has this family */
	u8 plen;
	struct segf_addr addr;		/* the module's own, on the link */
	struct segf_addr nexthop;
	/* The next hop's MAC in the low 48 bits, with SEGF_EXIT_MAC_KNOWN. */
	atomic64_t nh_mac;
	unsigned long solicited;	/* jiffies of the last solicitation */
	int asking;			/* a solicitation awaits: exit.c */
	atomic_t answers;		/* answers taken, ever */
	/*
	 * Another MAC that answered the probe's broadcast, as @nh_mac, or
	 * SEGF_EXIT_MAC_CONFLICT: the probe decides (exit.c).
	 */
	atomic64_t cand;
	/* The probe's own, written by probe_work alone: */
	unsigned int probe_answers;	/* @answers when it asked */
	u8 probe;			/* its step: see exit.c */
	u8 probe_tries;			/* solicitations to the MAC known */
};

#define SEGF_EXIT_MAC_CONFLICT	BIT_ULL(49)
/* In @nh_mac: taken from a claim, which an answer may still replace. */
#define SEGF_EXIT_MAC_CLAIMED	BIT_ULL(50)

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
	bool dry;			/* a check's: holds @dev, not hooked */
	u8 todo;			/* enum segf_port_todo, under port_lock */
	struct list_head todo_node;	/* in segf_net::port_todo */
	char name[IFNAMSIZ];		/* under segf_net::port_lock */
	struct segf_net *sn;
	struct segf_domain *domain;	/* NULL for an uplink */
	struct list_head domain_node;	/* in segf_domain::ports */
	u8 role;			/* enum segfilter_port_role */
	struct segf_instance __rcu *inst;	/* SERVICE ports */
	/* Takes the port over when a commit publishes: see service.h. */
	struct segf_instance __rcu *inst_next;
	unsigned int n_endpoints;
	/*
	 * An endpoint port's first guess at a frame's sender: the first
	 * endpoint placed behind it, or the one that took its MAC there
	 * (see segf_port_unhint()), or none.  The data path takes it only
	 * if it has the frame's source MAC and the frame's generation sees
	 * it, as the MAC table would; cleared before that endpoint leaves
	 * or is freed.
	 */
	struct segf_endpoint __rcu *src_hint;
	u64 born;			/* the generation that attached it */
	/*
	 * The largest IP packet a frame sent out of the port may carry:
	 * the device's MTU; for an uplink, the least of its VXLAN device's
	 * and its underlay's less the encapsulation, to a remote host of
	 * IPv4 (@mtu) and of IPv6 (@mtu6).  Written under RTNL at attach,
	 * on NETDEV_CHANGEMTU of the device or the uplink's underlay
	 * (@underlay, the VXLAN device's lower device, 0 if none) and on
	 * NETDEV_CHANGE of an uplink (its VXLAN link may have changed);
	 * read by the data path.
	 */
	unsigned int mtu;
	unsigned int mtu6;
	int underlay;
	bool underlay_v6;		/* the VXLAN's local address is IPv6 */
	/* The device drops a frame over its MTU (a veth; not a tap). */
	bool drops_big;
	/* The gateway's ICMP errors to its sender this second: respond.c */
	unsigned long icmp_stamp;	/* jiffies the second began */
	unsigned int icmp_count;
	struct segf_port_group groups[SEGF_PORT_GROUPS];
	struct segf_exit_link exit[SEGF_EXIT_AFS];	/* EXIT ports */
	/* Re-probes an exit's next hops; cancelled at release: exit.c */
	struct delayed_work probe_work;

	struct segf_pcpu_stats __percpu *stats;
	struct rcu_head rcu;
};

static inline bool segf_port_is_exit(const struct segf_port *port)
{
	return port->role == SEGFILTER_PORT_ROLE_EXIT;
}

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

/* What VXLAN adds to a frame over an IPv4 and an IPv6 underlay. */
#define SEGF_VXLAN_OVERHEAD4	50
#define SEGF_VXLAN_OVERHEAD6	70

/* The gateway's ICMP errors a second at most, per port (and domain: 100). */
#define SEGF_PORT_ICMP_PER_SEC	10

/* The least MTU of an IPv4 link (RFC 791); IPv6's is IPV6_MIN_MTU. */
#define SEGF_IPV4_MIN_MTU	68

/*
 * The MTU of the path a frame takes out of @port, to a remote host of
 * family @v6 for an uplink: see struct segf_port.  Any context.
 */
static inline unsigned int segf_port_mtu(const struct segf_port *port,
					 bool v6)
{
	return v6 ? READ_ONCE(port->mtu6) : READ_ONCE(port->mtu);
}

/* port.c */
unsigned int segf_port_path_mtu(const struct segf_port *port);
unsigned int segf_uplink_short(const struct segf_port *port);
void segf_uplink_warn(const struct segf_port *port,
		      struct netlink_ext_ack *extack);
void segf_uplinks_warn(struct segf_net *sn, const struct segf_domain *dom,
		       u32 mtu, struct netlink_ext_ack *extack);
int segf_port_attach(struct segf_net *sn, int ifindex,
		     struct segf_domain *dom, u8 role, u64 born,
		     const struct segf_exit_link *exit, bool dry,
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

/* exit.c */
void segf_exit_solicit(struct segf_port *port, unsigned int af, bool force);
bool segf_exit_nh_mac(const struct segf_exit_link *link, u8 *mac);
void segf_exit_probe_start(struct segf_port *port);
void segf_exit_probe_stop(struct segf_port *port);

/* rx.c: the rx_handler every attached port hooks */
rx_handler_result_t segf_handle_frame(struct sk_buff **pskb);

#endif /* _SEGF_PORT_H */
