/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * segfilter: a netfilter-free segment filter for VM and container ports.
 *
 * The generic netlink family "segfilter" configures it, one network
 * namespace at a time.  Every command carries a flat set of SEGFILTER_A_*
 * attributes; each command accepts only the attributes listed for it
 * below and rejects any other (strict validation).  Every command, GET
 * and TRACE included, needs CAP_NET_ADMIN in the user namespace that owns
 * the network namespace, and sees only that namespace's configuration.
 * NEW commands reply with the object they created; GET commands answer
 * one object (doit) or all of them (NLM_F_DUMP).
 *
 * Objects are named either by id or by name: a domain by
 * SEGFILTER_A_DOMAIN_ID or SEGFILTER_A_DOMAIN_NAME, a group by
 * SEGFILTER_A_GROUP_ID or SEGFILTER_A_GROUP_NAME.  Names start with a
 * letter, so a tool can tell them from numeric ids.
 *
 * SEGFILTER_CMD_DOMAIN_NEW [txn]
 *     DOMAIN_ID (u32, required), DOMAIN_NAME (string, required),
 *     DEFAULT_ACTION (u8, ALLOW or DENY, default ALLOW),
 *     FLOW_LIMIT (u32, at most SEGFILTER_FLOW_LIMIT_MAX, default
 *     SEGFILTER_FLOW_LIMIT_DEFAULT; 0: no flows, every packet is judged
 *     by the rules alone; the namespace's domains together hold at
 *     most the module parameter max_flows_per_netns; a flow over
 *     either evicts an unanswered flow (SEGFILTER_STATS_FLOWS_EVICTED)
 *     or, when there is none, is allowed but not tracked, and counted
 *     in SEGFILTER_STATS_FLOW_TABLE_FULL),
 *     ENDPOINT_LIMIT, RULE_LIMIT, SERVICE_LIMIT, CHAIN_LIMIT (u32,
 *     0..the _MAX of each, defaults SEGFILTER_*_LIMIT_DEFAULT: the most
 *     endpoints, rules, services and chains the domain may hold; a NEW
 *     over it is refused with ENOSPC, and a limit set below what the
 *     domain holds keeps what it has but takes no more),
 *     GW_MAC (6 bytes, unicast), GW_ADDRS (nest of ADDR_*, needs GW_MAC),
 *     VNI (u32, 1..SEGFILTER_VNI_MAX, unique in the namespace: the VXLAN
 *     network identifier of the domain on the uplinks; without it the
 *     domain has no remote endpoints.  It cannot be changed.)
 *     A namespace holds at most the module parameter
 *     max_domains_per_netns domains: one more is refused with ENOSPC.
 * SEGFILTER_CMD_DOMAIN_SET [txn]
 *     DOMAIN_ID | DOMAIN_NAME, and at least one of DEFAULT_ACTION,
 *     FLOW_LIMIT, ENDPOINT_LIMIT, RULE_LIMIT, SERVICE_LIMIT,
 *     CHAIN_LIMIT, GW_MAC, GW_ADDRS.  GW_MAC 00:00:00:00:00:00 removes the
 *     gateway; GW_ADDRS replaces the gateway's addresses.
 * SEGFILTER_CMD_DOMAIN_DEL
 *     DOMAIN_ID | DOMAIN_NAME; refused while ports are attached to it
 * SEGFILTER_CMD_DOMAIN_GET
 *     doit: DOMAIN_ID | DOMAIN_NAME; dump: all domains
 *     reply: DOMAIN_ID, DOMAIN_NAME, DEFAULT_ACTION, FLOW_LIMIT,
 *            ENDPOINT_LIMIT, RULE_LIMIT, SERVICE_LIMIT, CHAIN_LIMIT,
 *            GW_MAC, GW_ADDRS, VNI, POLICY_GEN, N_PORTS, N_GROUPS,
 *            N_ENDPOINTS, N_RULES, N_SERVICES, N_CHAINS, N_FLOWS, STATS
 *
 * SEGFILTER_CMD_GROUP_NEW [txn]
 *     DOMAIN_ID | DOMAIN_NAME, GROUP_ID (u16, required, 1..65535),
 *     GROUP_NAME (string, required)
 * SEGFILTER_CMD_GROUP_DEL [txn]
 *     DOMAIN_ID | DOMAIN_NAME, GROUP_ID | GROUP_NAME; refused while
 *     endpoints belong to it or rules name it
 * SEGFILTER_CMD_GROUP_GET
 *     doit: domain and group; dump: all groups, or one domain's
 *     reply: DOMAIN_ID, DOMAIN_NAME, GROUP_ID, GROUP_NAME, N_ENDPOINTS
 *
 * SEGFILTER_CMD_PORT_NEW [txn]  (attach)
 *     IFINDEX (u32, required), DOMAIN_ID | DOMAIN_NAME (required, but
 *     for an UPLINK),
 *     PORT_ROLE (u8, enum segfilter_port_role, default ENDPOINT; a
 *     SERVICE port carries no endpoints and gets no floods: it is one
 *     side of a service instance; an UPLINK serves every domain with a
 *     VNI and takes no domain: it must be a VXLAN device in external
 *     (collect metadata) mode with the GBP extension)
 * SEGFILTER_CMD_PORT_DEL (detach)
 *     IFINDEX; the endpoints bound to the port are deleted with it
 * SEGFILTER_CMD_PORT_GET
 *     doit: IFINDEX; dump: all ports, or one domain's
 *     reply: IFINDEX, IFNAME, DOMAIN_ID, DOMAIN_NAME (not for an
 *            uplink), PORT_ROLE, N_ENDPOINTS, STATS
 *
 * SEGFILTER_CMD_ENDPOINT_NEW [txn]
 *     DOMAIN_ID | DOMAIN_NAME, MAC (6 bytes, required),
 *     GROUP_ID | GROUP_NAME (required), IFINDEX (required: the endpoint
 *     port it sits behind, or the uplink that reaches it), ADDRS
 *     (optional), REMOTE (required with and only with an uplink: the
 *     tunnel address of the host it runs on; the domain needs a VNI)
 *         ADDRS: nest of SEGFILTER_A_ADDR_IPV4 (be32) and
 *         SEGFILTER_A_ADDR_IPV6 (16 bytes), each repeated up to
 *         SEGFILTER_EP_MAX_ADDRS times; unicast, unique in the domain
 *         REMOTE: nest of exactly one SEGFILTER_A_ADDR_IPV4 or _IPV6
 *     The endpoints behind one endpoint port belong to at most 4 groups
 *     (floods are judged per group behind a port): ENOSPC for a fifth,
 *     here and at ENDPOINT_SET.
 * SEGFILTER_CMD_ENDPOINT_SET [txn]  (move)
 *     DOMAIN_ID | DOMAIN_NAME, MAC, IFINDEX (required), REMOTE (as for
 *     ENDPOINT_NEW).  The endpoint's new location; its group, addresses
 *     and flows stay.
 * SEGFILTER_CMD_ENDPOINT_DEL [txn]
 *     DOMAIN_ID | DOMAIN_NAME, MAC
 * SEGFILTER_CMD_ENDPOINT_GET
 *     doit: domain and MAC; dump: all endpoints, or one domain's
 *     reply: DOMAIN_ID, DOMAIN_NAME, MAC, GROUP_ID, GROUP_NAME, IFINDEX,
 *            IFNAME, ADDRS, REMOTE (remote endpoints)
 *
 * SEGFILTER_CMD_RULE_NEW [txn]
 *     DOMAIN_ID | DOMAIN_NAME, RULE_ID (u32, 1.., allocated if absent),
 *     PRIORITY (u32, lower first, default SEGFILTER_PRIORITY_DEFAULT),
 *     SRC_GROUP_ID | SRC_GROUP_NAME (absent: any group),
 *     DST_GROUP_ID | DST_GROUP_NAME (absent: any group),
 *     PROTO (u8: 0 any, IPPROTO_TCP, _UDP, _ICMP, _ICMPV6),
 *     PORT_MIN, PORT_MAX (u16, destination port range, TCP/UDP only;
 *     PORT_MAX defaults to PORT_MIN), ICMP_TYPE (u8, ICMP/ICMPv6 only),
 *     ACTION (u8, enum segfilter_action, required),
 *     CHAIN_NAME (string, required with and only with ACTION REDIRECT:
 *     a chain of the domain, which cannot be deleted while rules name it),
 *     RULE_FLAGS (u32, SEGFILTER_RULE_F_*)
 * SEGFILTER_CMD_RULE_DEL [txn]
 *     DOMAIN_ID | DOMAIN_NAME, RULE_ID
 * SEGFILTER_CMD_RULE_GET
 *     doit: domain and RULE_ID; dump: all rules, or one domain's
 *     reply: the attributes of RULE_NEW as stored (group ids and names),
 *            STATS (MATCHED_PACKETS, MATCHED_BYTES)
 *
 * SEGFILTER_CMD_SERVICE_NEW [txn]
 *     DOMAIN_ID | DOMAIN_NAME, SERVICE_NAME (string, required),
 *     SERVICE_MODE (u8, enum segfilter_service_mode, required)
 * SEGFILTER_CMD_SERVICE_DEL [txn]
 *     DOMAIN_ID | DOMAIN_NAME, SERVICE_NAME; refused while it has
 *     instances or a chain names it
 * SEGFILTER_CMD_SERVICE_GET
 *     doit: domain and SERVICE_NAME; dump: all services, or one domain's
 *     reply: DOMAIN_ID, DOMAIN_NAME, SERVICE_NAME, SERVICE_MODE,
 *            N_INSTANCES
 *
 * SEGFILTER_CMD_INSTANCE_NEW [txn]
 *     DOMAIN_ID | DOMAIN_NAME, SERVICE_NAME, INSTANCE_ID (u32, required,
 *     1..SEGFILTER_SERVICE_MAX_INSTANCES), LEFT and RIGHT (required):
 *         nests of SEGFILTER_A_IFACE_*: IFINDEX (required: a port of the
 *         domain attached with the SERVICE role, used by no other
 *         instance); for a ROUTED service also MAC (required: the
 *         instance's interface on that port) and ADDRS (optional: its
 *         addresses there: its ARP requests must come from one of
 *         them, and are not answered for them)
 *     The left side faces the flow's opener, the right side its peer.
 * SEGFILTER_CMD_INSTANCE_DEL [txn]
 *     DOMAIN_ID | DOMAIN_NAME, SERVICE_NAME, INSTANCE_ID; its flows move
 *     to another instance
 * SEGFILTER_CMD_INSTANCE_SET [txn]
 *     DOMAIN_ID | DOMAIN_NAME, SERVICE_NAME, INSTANCE_ID,
 *     INSTANCE_DRAIN (u8, required: 1 drains, 0 undrains).  A drained
 *     instance takes no new flows and keeps those it has.
 * SEGFILTER_CMD_INSTANCE_GET
 *     doit: domain, service and INSTANCE_ID; dump: all instances, or one
 *     domain's
 *     reply: DOMAIN_ID, DOMAIN_NAME, SERVICE_NAME, SERVICE_MODE,
 *            INSTANCE_ID, INSTANCE_STATE, INSTANCE_DRAIN, LEFT, RIGHT
 *            (IFACE_IFNAME too), STATS (FLOWS, TX_* sent to it, RX_*
 *            received back from it)
 *
 * SEGFILTER_CMD_CHAIN_NEW [txn]
 *     DOMAIN_ID | DOMAIN_NAME, CHAIN_NAME (required),
 *     CHAIN_SERVICES (required: nest of SEGFILTER_A_CHAIN_SERVICE
 *     strings, the services in the order a flow's opening direction
 *     crosses them, at most SEGFILTER_CHAIN_MAX_SERVICES, each once),
 *     FAIL_MODE (u8, enum segfilter_fail_mode, default CLOSED)
 * SEGFILTER_CMD_CHAIN_DEL [txn]
 *     DOMAIN_ID | DOMAIN_NAME, CHAIN_NAME; refused while rules name it
 * SEGFILTER_CMD_CHAIN_GET
 *     doit: domain and CHAIN_NAME; dump: all chains, or one domain's
 *     reply: DOMAIN_ID, DOMAIN_NAME, CHAIN_NAME, CHAIN_SERVICES,
 *            FAIL_MODE, N_RULES
 *
 * Transactions.  Commands marked [txn] may carry TXN_ID: they are then
 * checked and staged, not applied, and answer with an ack only.
 * SEGFILTER_CMD_TXN_BEGIN
 *     reply: TXN_ID.  The transaction belongs to the requesting socket
 *     and is aborted when that socket closes.
 * SEGFILTER_CMD_TXN_COMMIT
 *     TXN_ID, TXN_OPS (u32, required: how many commands the caller
 *     staged; a mismatch means one was refused, and nothing is applied).
 *     Applies the staged commands in order, all or none; each domain
 *     touched gets its new policy generation with one RCU pointer swap.
 *     On failure the extack message names the failing command by its
 *     sequence number ("op SEQ: reason"), and the extack cookie
 *     (NLMSGERR_ATTR_COOKIE) holds that sequence number as a u32.
 * SEGFILTER_CMD_TXN_ABORT
 *     TXN_ID
 *
 * SEGFILTER_CMD_TRACE
 *     IFINDEX (required: the ingress port), TUPLE (required: at least
 *     the source and destination address, and PROTO)
 *     Runs the described packet through the data path's lookups without
 *     sending anything or changing any state.  reply: DOMAIN_ID,
 *     DOMAIN_NAME, TRACE_* attributes, CHAIN_NAME when the packet is
 *     redirected, and the TUPLE as understood.
 *
 * SEGFILTER_CMD_VERDICT_EVENT (multicast group SEGFILTER_MCGRP_EVENTS)
 *     A rule with SEGFILTER_RULE_F_LOG decided on a packet: DOMAIN_ID,
 *     DOMAIN_NAME, RULE_ID, SRC_GROUP_ID, DST_GROUP_ID, ACTION, TUPLE.
 *     Rate limited per domain; suppressed events are counted
 *     (SEGFILTER_STATS_LOG_SUPPRESSED).
 *
 * SEGFILTER_CMD_INSTANCE_EVENT (multicast group SEGFILTER_MCGRP_EVENTS)
 *     A service instance changed state (added, deleted, drained, or one
 *     of its ports went down, came up or was detached): DOMAIN_ID,
 *     DOMAIN_NAME, SERVICE_NAME, INSTANCE_ID, INSTANCE_STATE.
 *
 * SEGFILTER_CMD_DOMAIN_SET, _DEL and the other DEL commands answer with
 * an ack only.
 *
 * STATS: nest of SEGFILTER_STATS_* (u64 each, padded for alignment with
 * SEGFILTER_STATS_PAD); SEGFILTER_STATS_DROPS nests one u64 per drop
 * reason, whose attribute type is the enum segfilter_drop_reason value
 * (padding there has type 0, SEGFILTER_DROP_UNSPEC).
 */
#ifndef _UAPI_LINUX_SEGFILTER_H
#define _UAPI_LINUX_SEGFILTER_H

#define SEGFILTER_GENL_NAME	"segfilter"
#define SEGFILTER_GENL_VERSION	1

/* Longest domain or group name, including the terminating NUL. */
#define SEGFILTER_NAME_SIZE	32

/* Most IPv4 and, separately, most IPv6 addresses one endpoint may own. */
#define SEGFILTER_EP_MAX_ADDRS	4

/* The same limits apply to a domain's gateway. */
#define SEGFILTER_GW_MAX_ADDRS	SEGFILTER_EP_MAX_ADDRS

#define SEGFILTER_FLOW_LIMIT_DEFAULT	65536
#define SEGFILTER_FLOW_LIMIT_MAX	(1U << 20)

/*
 * What one domain may hold: a tenant's configuration is charged to the
 * memory cgroup of whoever made it, but the limits keep one tenant from
 * taking what the host has for all of them before that.
 */
#define SEGFILTER_ENDPOINT_LIMIT_DEFAULT	16384
#define SEGFILTER_ENDPOINT_LIMIT_MAX		(1U << 20)
#define SEGFILTER_RULE_LIMIT_DEFAULT		65536
#define SEGFILTER_RULE_LIMIT_MAX		1000000
#define SEGFILTER_SERVICE_LIMIT_DEFAULT		64
#define SEGFILTER_SERVICE_LIMIT_MAX		4096
#define SEGFILTER_CHAIN_LIMIT_DEFAULT		64
#define SEGFILTER_CHAIN_LIMIT_MAX		4096
#define SEGFILTER_PRIORITY_DEFAULT	1000

/* Most instances of one service; most services in one chain. */
#define SEGFILTER_SERVICE_MAX_INSTANCES	64
#define SEGFILTER_CHAIN_MAX_SERVICES	8

/* Largest VXLAN network identifier: 24 bits. */
#define SEGFILTER_VNI_MAX	0xffffff

#define SEGFILTER_MCGRP_EVENTS	"events"

/* SEGFILTER_A_RULE_FLAGS */
#define SEGFILTER_RULE_F_LOG	(1U << 0)	/* emit a verdict event */

enum segfilter_cmd {
	SEGFILTER_CMD_UNSPEC,

	SEGFILTER_CMD_DOMAIN_NEW,
	SEGFILTER_CMD_DOMAIN_SET,
	SEGFILTER_CMD_DOMAIN_DEL,
	SEGFILTER_CMD_DOMAIN_GET,

	SEGFILTER_CMD_GROUP_NEW,
	SEGFILTER_CMD_GROUP_DEL,
	SEGFILTER_CMD_GROUP_GET,

	SEGFILTER_CMD_PORT_NEW,
	SEGFILTER_CMD_PORT_DEL,
	SEGFILTER_CMD_PORT_GET,

	SEGFILTER_CMD_ENDPOINT_NEW,
	SEGFILTER_CMD_ENDPOINT_DEL,
	SEGFILTER_CMD_ENDPOINT_GET,

	SEGFILTER_CMD_RULE_NEW,
	SEGFILTER_CMD_RULE_DEL,
	SEGFILTER_CMD_RULE_GET,

	SEGFILTER_CMD_TXN_BEGIN,
	SEGFILTER_CMD_TXN_COMMIT,
	SEGFILTER_CMD_TXN_ABORT,

	SEGFILTER_CMD_TRACE,
	SEGFILTER_CMD_VERDICT_EVENT,

	SEGFILTER_CMD_SERVICE_NEW,
	SEGFILTER_CMD_SERVICE_DEL,
	SEGFILTER_CMD_SERVICE_GET,
	SEGFILTER_CMD_INSTANCE_NEW,
	SEGFILTER_CMD_INSTANCE_DEL,
	SEGFILTER_CMD_INSTANCE_SET,
	SEGFILTER_CMD_INSTANCE_GET,
	SEGFILTER_CMD_CHAIN_NEW,
	SEGFILTER_CMD_CHAIN_DEL,
	SEGFILTER_CMD_CHAIN_GET,
	SEGFILTER_CMD_INSTANCE_EVENT,
	SEGFILTER_CMD_ENDPOINT_SET,

	__SEGFILTER_CMD_MAX
};
#define SEGFILTER_CMD_MAX (__SEGFILTER_CMD_MAX - 1)

enum segfilter_attr {
	SEGFILTER_A_UNSPEC,
	SEGFILTER_A_PAD,

	SEGFILTER_A_DOMAIN_ID,		/* u32, 1.. */
	SEGFILTER_A_DOMAIN_NAME,	/* string */
	SEGFILTER_A_DEFAULT_ACTION,	/* u8, enum segfilter_action */
	SEGFILTER_A_GROUP_ID,		/* u16, 1.. */
	SEGFILTER_A_GROUP_NAME,		/* string */
	SEGFILTER_A_IFINDEX,		/* u32 */
	SEGFILTER_A_IFNAME,		/* string, in replies */
	SEGFILTER_A_PORT_ROLE,		/* u8, enum segfilter_port_role */
	SEGFILTER_A_MAC,		/* 6 bytes */
	SEGFILTER_A_ADDRS,		/* nest, SEGFILTER_A_ADDR_* */
	SEGFILTER_A_N_PORTS,		/* u32, in replies */
	SEGFILTER_A_N_GROUPS,		/* u32, in replies */
	SEGFILTER_A_N_ENDPOINTS,	/* u32, in replies */
	SEGFILTER_A_STATS,		/* nest, SEGFILTER_STATS_* */

	SEGFILTER_A_FLOW_LIMIT,		/* u32 */
	SEGFILTER_A_GW_MAC,		/* 6 bytes */
	SEGFILTER_A_GW_ADDRS,		/* nest, SEGFILTER_A_ADDR_* */
	SEGFILTER_A_POLICY_GEN,		/* u64, in replies */
	SEGFILTER_A_N_RULES,		/* u32, in replies */
	SEGFILTER_A_N_FLOWS,		/* u32, in replies */

	SEGFILTER_A_RULE_ID,		/* u32, 1.. */
	SEGFILTER_A_PRIORITY,		/* u32 */
	SEGFILTER_A_SRC_GROUP_ID,	/* u16 */
	SEGFILTER_A_SRC_GROUP_NAME,	/* string */
	SEGFILTER_A_DST_GROUP_ID,	/* u16 */
	SEGFILTER_A_DST_GROUP_NAME,	/* string */
	SEGFILTER_A_PROTO,		/* u8, IPPROTO_* or 0 */
	SEGFILTER_A_PORT_MIN,		/* u16 */
	SEGFILTER_A_PORT_MAX,		/* u16 */
	SEGFILTER_A_ICMP_TYPE,		/* u8 */
	SEGFILTER_A_ACTION,		/* u8, enum segfilter_action */
	SEGFILTER_A_CHAIN_NAME,		/* string */
	SEGFILTER_A_RULE_FLAGS,		/* u32, SEGFILTER_RULE_F_* */

	SEGFILTER_A_TXN_ID,		/* u32 */
	SEGFILTER_A_TXN_OPS,		/* u32 */

	SEGFILTER_A_TUPLE,		/* nest, SEGFILTER_A_TUPLE_* */
	SEGFILTER_A_TRACE_FLOW,		/* u8, enum segfilter_trace_flow */
	SEGFILTER_A_TRACE_DEFAULT,	/* flag: no rule matched */
	SEGFILTER_A_DROP_REASON,	/* u32, enum segfilter_drop_reason */

	SEGFILTER_A_SERVICE_NAME,	/* string */
	SEGFILTER_A_SERVICE_MODE,	/* u8, enum segfilter_service_mode */
	SEGFILTER_A_N_INSTANCES,	/* u32, in replies */
	SEGFILTER_A_INSTANCE_ID,	/* u32, 1..SERVICE_MAX_INSTANCES */
	SEGFILTER_A_INSTANCE_STATE,	/* u8, enum segfilter_instance_state */
	SEGFILTER_A_INSTANCE_DRAIN,	/* u8, 0 or 1 */
	SEGFILTER_A_LEFT,		/* nest, SEGFILTER_A_IFACE_* */
	SEGFILTER_A_RIGHT,		/* nest, SEGFILTER_A_IFACE_* */
	SEGFILTER_A_CHAIN_SERVICES,	/* nest, SEGFILTER_A_CHAIN_SERVICE */
	SEGFILTER_A_FAIL_MODE,		/* u8, enum segfilter_fail_mode */
	SEGFILTER_A_VNI,		/* u32, 1..SEGFILTER_VNI_MAX */
	SEGFILTER_A_REMOTE,		/* nest, one SEGFILTER_A_ADDR_* */
	SEGFILTER_A_ENDPOINT_LIMIT,	/* u32 */
	SEGFILTER_A_RULE_LIMIT,		/* u32 */
	SEGFILTER_A_SERVICE_LIMIT,	/* u32 */
	SEGFILTER_A_N_SERVICES,		/* u32, in replies */
	SEGFILTER_A_CHAIN_LIMIT,	/* u32 */
	SEGFILTER_A_N_CHAINS,		/* u32, in replies */

	__SEGFILTER_A_MAX
};
#define SEGFILTER_A_MAX (__SEGFILTER_A_MAX - 1)

enum segfilter_addr_attr {
	SEGFILTER_A_ADDR_UNSPEC,
	SEGFILTER_A_ADDR_IPV4,		/* be32 */
	SEGFILTER_A_ADDR_IPV6,		/* 16 bytes */

	__SEGFILTER_A_ADDR_MAX
};
#define SEGFILTER_A_ADDR_MAX (__SEGFILTER_A_ADDR_MAX - 1)

/* One side of a service instance. */
enum segfilter_iface_attr {
	SEGFILTER_A_IFACE_UNSPEC,
	SEGFILTER_A_IFACE_IFINDEX,	/* u32 */
	SEGFILTER_A_IFACE_IFNAME,	/* string, in replies */
	SEGFILTER_A_IFACE_MAC,		/* 6 bytes, routed services */
	SEGFILTER_A_IFACE_ADDRS,	/* nest, SEGFILTER_A_ADDR_* */

	__SEGFILTER_A_IFACE_MAX
};
#define SEGFILTER_A_IFACE_MAX (__SEGFILTER_A_IFACE_MAX - 1)

enum segfilter_chain_attr {
	SEGFILTER_A_CHAIN_UNSPEC,
	SEGFILTER_A_CHAIN_SERVICE,	/* string, repeated in order */

	__SEGFILTER_A_CHAIN_MAX
};
#define SEGFILTER_A_CHAIN_MAX (__SEGFILTER_A_CHAIN_MAX - 1)

/*
 * TRANSPARENT: a bump in the wire.  A frame leaves unchanged through the
 * instance's left port and comes back on its right one (the reverse
 * direction: right, then left).  ROUTED: the frame is addressed to the
 * instance's interface MAC, from the domain's gateway MAC, and comes
 * back routed to the gateway MAC; the domain needs a gateway.
 */
enum segfilter_service_mode {
	SEGFILTER_SERVICE_UNSPEC,
	SEGFILTER_SERVICE_TRANSPARENT,
	SEGFILTER_SERVICE_ROUTED,

	__SEGFILTER_SERVICE_MAX
};
#define SEGFILTER_SERVICE_MAX (__SEGFILTER_SERVICE_MAX - 1)

enum segfilter_instance_state {
	SEGFILTER_INSTANCE_UNSPEC,
	SEGFILTER_INSTANCE_UP,		/* takes new flows */
	SEGFILTER_INSTANCE_DRAINED,	/* keeps its flows, takes no new ones */
	SEGFILTER_INSTANCE_DOWN,	/* a port is down or detached */
	SEGFILTER_INSTANCE_DELETED,	/* in events only */

	__SEGFILTER_INSTANCE_MAX
};
#define SEGFILTER_INSTANCE_MAX (__SEGFILTER_INSTANCE_MAX - 1)

/* What a chain does with a flow when one of its services has no instance. */
enum segfilter_fail_mode {
	SEGFILTER_FAIL_UNSPEC,
	SEGFILTER_FAIL_CLOSED,		/* drop, SEGFILTER_DROP_CHAIN_DOWN */
	SEGFILTER_FAIL_OPEN,		/* skip it, SEGFILTER_STATS_BYPASSED */

	__SEGFILTER_FAIL_MAX
};
#define SEGFILTER_FAIL_MAX (__SEGFILTER_FAIL_MAX - 1)

/* A packet's five-tuple: in TRACE requests and replies, and in events. */
enum segfilter_tuple_attr {
	SEGFILTER_A_TUPLE_UNSPEC,
	SEGFILTER_A_TUPLE_SRC_IPV4,	/* be32 */
	SEGFILTER_A_TUPLE_DST_IPV4,	/* be32 */
	SEGFILTER_A_TUPLE_SRC_IPV6,	/* 16 bytes */
	SEGFILTER_A_TUPLE_DST_IPV6,	/* 16 bytes */
	SEGFILTER_A_TUPLE_PROTO,	/* u8, IPPROTO_* */
	SEGFILTER_A_TUPLE_SPORT,	/* u16, TCP/UDP */
	SEGFILTER_A_TUPLE_DPORT,	/* u16, TCP/UDP */
	SEGFILTER_A_TUPLE_ICMP_TYPE,	/* u8, ICMP/ICMPv6 */
	SEGFILTER_A_TUPLE_ICMP_ID,	/* u16, ICMP/ICMPv6 echo */

	__SEGFILTER_A_TUPLE_MAX
};
#define SEGFILTER_A_TUPLE_MAX (__SEGFILTER_A_TUPLE_MAX - 1)

/* What the flow table said about a traced packet. */
enum segfilter_trace_flow {
	SEGFILTER_TRACE_FLOW_NONE,	/* not looked up (no policy applies) */
	SEGFILTER_TRACE_FLOW_MISS,	/* no flow: the rules decide */
	SEGFILTER_TRACE_FLOW_ORIGINAL,	/* a flow, same direction */
	SEGFILTER_TRACE_FLOW_REPLY,	/* a flow, reply direction */
	SEGFILTER_TRACE_FLOW_STALE,	/* a flow of an older policy: rechecked */
};

enum segfilter_action {
	SEGFILTER_ACTION_UNSPEC,
	SEGFILTER_ACTION_ALLOW,
	SEGFILTER_ACTION_DENY,
	SEGFILTER_ACTION_REDIRECT,	/* rules only: through a service chain */

	__SEGFILTER_ACTION_MAX
};
#define SEGFILTER_ACTION_MAX (__SEGFILTER_ACTION_MAX - 1)

enum segfilter_port_role {
	SEGFILTER_PORT_ROLE_UNSPEC,
	SEGFILTER_PORT_ROLE_ENDPOINT,	/* a VM or container port */
	SEGFILTER_PORT_ROLE_SERVICE,	/* a service instance's port */
	SEGFILTER_PORT_ROLE_UPLINK,	/* VXLAN-GBP, towards other hosts */

	__SEGFILTER_PORT_ROLE_MAX
};
#define SEGFILTER_PORT_ROLE_MAX (__SEGFILTER_PORT_ROLE_MAX - 1)

enum segfilter_stats_attr {
	SEGFILTER_STATS_UNSPEC,
	SEGFILTER_STATS_PAD,
	SEGFILTER_STATS_RX_PACKETS,	/* frames received from the port(s) */
	SEGFILTER_STATS_RX_BYTES,
	SEGFILTER_STATS_TX_PACKETS,	/* frames sent to the port(s) */
	SEGFILTER_STATS_TX_BYTES,
	/* On a port, these four count frames received on that port. */
	SEGFILTER_STATS_FORWARDED,	/* unicast frames forwarded */
	SEGFILTER_STATS_FLOODED,	/* broadcast/multicast frames flooded */
	SEGFILTER_STATS_ARP_REPLIES,	/* ARP requests answered in the kernel */
	SEGFILTER_STATS_ND_REPLIES,	/* neighbour solicitations answered */
	SEGFILTER_STATS_DROPPED,	/* all drops, whatever the reason */
	SEGFILTER_STATS_DROPS,		/* nest: u64 per segfilter_drop_reason */
	SEGFILTER_STATS_ROUTED,		/* unicast frames routed by the gateway */
	SEGFILTER_STATS_DEFAULT_ALLOWED, /* packets no rule matched, allowed */
	SEGFILTER_STATS_FLOWS_CREATED,	/* flow entries created */
	SEGFILTER_STATS_FLOW_TABLE_FULL, /* allowed, but no room for a flow */
	SEGFILTER_STATS_LOG_SUPPRESSED,	/* verdict events over the rate limit */
	SEGFILTER_STATS_MATCHED_PACKETS, /* on a rule: packets it decided */
	SEGFILTER_STATS_MATCHED_BYTES,
	SEGFILTER_STATS_REDIRECTED,	/* frames sent into a service instance */
	SEGFILTER_STATS_BYPASSED,	/* services skipped by a fail-open chain */
	SEGFILTER_STATS_FLOWS,		/* on an instance: flows pinned to it */
	SEGFILTER_STATS_FLOWS_EVICTED,	/* unanswered flows dropped for new ones */

	__SEGFILTER_STATS_MAX
};
#define SEGFILTER_STATS_MAX (__SEGFILTER_STATS_MAX - 1)

/* Why a frame was dropped; counted per port and per domain. */
enum segfilter_drop_reason {
	SEGFILTER_DROP_UNSPEC,
	SEGFILTER_DROP_MALFORMED,	/* headers truncated or inconsistent */
	SEGFILTER_DROP_VLAN,		/* tagged frame on an endpoint port */
	SEGFILTER_DROP_ETHERTYPE,	/* not ARP, IPv4 or IPv6 */
	SEGFILTER_DROP_SRC_MAC,		/* source MAC not bound to the port */
	SEGFILTER_DROP_SRC_IP,		/* source IP not bound to the endpoint */
	SEGFILTER_DROP_NO_DEST,		/* unicast MAC not in the domain */
	SEGFILTER_DROP_NEIGH_UNKNOWN,	/* ARP/ND for an address not in the domain */
	SEGFILTER_DROP_DEFAULT_DENY,	/* the domain's default action */
	SEGFILTER_DROP_TX_ERROR,	/* the destination device refused it */
	SEGFILTER_DROP_ND_ROUTER,	/* router advertisement or redirect */
	SEGFILTER_DROP_RULE_DENY,	/* a rule denied it */
	SEGFILTER_DROP_REVOKED,		/* its flow was revoked by a new policy */
	SEGFILTER_DROP_NO_ROUTE,	/* routed to an address not in the domain */
	SEGFILTER_DROP_TTL_EXCEEDED,	/* routed with TTL or hop limit 1 */
	SEGFILTER_DROP_CHAIN_DOWN,	/* redirected, but no instance or flow entry */
	SEGFILTER_DROP_DST_MISMATCH,	/* destination IP not the destination MAC's */
	SEGFILTER_DROP_SERVICE_FORGED,	/* from a service port, not of a flow sent there */
	/* From an uplink: */
	SEGFILTER_DROP_UNKNOWN_VNI,	/* no tunnel metadata, or no domain has the VNI */
	SEGFILTER_DROP_GROUP_MISMATCH,	/* group id missing, or not the sender's */
	SEGFILTER_DROP_WRONG_HOST,	/* sender not located at the sending host */
	SEGFILTER_DROP_FLOOD_REDIRECT,	/* a flood copy a redirect rule matched */
	SEGFILTER_DROP_LINK_INVALID,	/* ND or MLD failing RFC 4861/2710/3810 checks */
	SEGFILTER_DROP_PATH_CHANGED,	/* back from a service its flow no longer crosses */

	__SEGFILTER_DROP_MAX
};
#define SEGFILTER_DROP_MAX (__SEGFILTER_DROP_MAX - 1)

#endif /* _UAPI_LINUX_SEGFILTER_H */
