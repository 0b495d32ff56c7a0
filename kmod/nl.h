/* SPDX-License-Identifier: GPL-2.0 */
/*
 * segfilter: the netlink side's own interface, for netlink.c (the
 * generic machinery: messages, dispatch, the family, events) and the
 * object files it dispatches to (domain_nl.c, port_nl.c, endpoint_nl.c,
 * rule_nl.c, service_nl.c).  Nothing below the netlink side includes it.
 *
 * DOC: Command table
 *
 * Every command has one row, struct segf_nl_cmd, in segf_nl_cmds[]
 * (netlink.c), indexed by command.  segf_nl_doit() and segf_nl_dumpit()
 * are the family's only entry points and dispatch on the row:
 *
 *  - a write (->apply) is checked alone (->check), then either staged
 *    in the transaction its SEGFILTER_A_TXN_ID names (SEGF_NL_STAGE) or
 *    applied as a commit of one and answered with ->fill, if it has one;
 *    TXN_COMMIT replays staged writes through the same ->apply;
 *  - a get (->lookup) finds the object under segf_net::lock and answers
 *    with ->fill;
 *  - a dump (->dump) walks the namespace's objects and fills each;
 *  - anything else (transactions, trace, DOMAIN_DEL and PORT_DEL, which
 *    are outside the commit path) is a special ->doit.
 *
 * Adding an object: its netlink file with its rows, their declarations
 * below, and one entry per command in segf_nl_cmds[].
 */
#ifndef _SEGF_NL_H
#define _SEGF_NL_H

#include <net/genetlink.h>
#include <net/netlink.h>
#include <uapi/linux/segfilter.h>

struct segf_addr;
struct segf_commit;
struct segf_domain;
struct segf_group;
struct segf_net;
struct segf_pcpu_stats;
struct segf_port;

/* Where a message goes: the reply to a request, or one of a dump's. */
struct segf_msg {
	u32 portid;
	u32 seq;
	int flags;
	u8 cmd;
	struct netlink_callback *cb;	/* only in a dump */
};

enum segf_nl_flags {
	SEGF_NL_STAGE	= BIT(0),	/* may be staged in a transaction */
};

/*
 * How a dump walks: the xarray of struct segf_net at @net_table; for
 * objects that live in domains (@in_domains, then @net_table is the
 * domains') the xarray at @dom_table of each domain; for objects that
 * are slots of those (@child), slots 0..@n_children - 1 of each.
 * cb->args[0..2] hold the position at each level.  A domain named in the
 * request limits the walk to that domain, or, for the namespace's other
 * objects, to those whose @owner it is.
 */
struct segf_nl_dump {
	size_t net_table;
	size_t dom_table;
	bool in_domains;
	struct segf_domain *(*owner)(void *obj);
	unsigned long (*n_children)(void *obj);
	void *(*child)(void *obj, unsigned long i);
};

struct segf_nl_cmd {
	unsigned int flags;		/* enum segf_nl_flags */
	int (*doit)(struct sk_buff *skb, struct genl_info *info);
	int (*check)(struct nlattr **attrs, struct netlink_ext_ack *extack);
	int (*apply)(struct segf_commit *c, struct nlattr **attrs, void **obj);
	void *(*lookup)(struct segf_net *sn, struct nlattr **attrs,
			struct netlink_ext_ack *extack);
	int (*fill)(struct sk_buff *skb, void *obj, const struct segf_msg *m);
	const struct segf_nl_dump *dump;
};

extern struct genl_family segf_family;
struct segf_pkt;

/* The generic entry points of every operation (netlink.c). */
int segf_nl_doit(struct sk_buff *skb, struct genl_info *info);
int segf_nl_dumpit(struct sk_buff *skb, struct netlink_callback *cb);

/* netlink.c: requests */
bool segf_missing(struct nlattr **attrs, struct netlink_ext_ack *extack,
		  int attr, const char *what);
bool segf_missing_ref(struct nlattr **attrs, struct netlink_ext_ack *extack,
		      int id_attr, int name_attr, const char *what);

#define segf_missing_domain(attrs, extack)				\
	segf_missing_ref(attrs, extack, SEGFILTER_A_DOMAIN_ID,		\
			 SEGFILTER_A_DOMAIN_NAME, "domain")
#define segf_missing_group(attrs, extack)				\
	segf_missing_ref(attrs, extack, SEGFILTER_A_GROUP_ID,		\
			 SEGFILTER_A_GROUP_NAME, "group")

int segf_check_name(struct nlattr **attrs, struct netlink_ext_ack *extack,
		    int attr);
int segf_parse_iface_attrs(struct nlattr **tb, const struct nlattr *nest,
			   struct netlink_ext_ack *extack);
int segf_parse_addrs(struct nlattr *nest, struct segf_addr *addrs,
		     unsigned int *n_addrs, struct netlink_ext_ack *extack);

/* netlink.c: replies */
void *segf_msg_start(struct sk_buff *skb, const struct segf_msg *m);
int segf_msg_end(struct sk_buff *skb, void *hdr, bool full);
int segf_put_stats(struct sk_buff *skb, struct segf_pcpu_stats __percpu *pcpu);
int segf_put_addr_list(struct sk_buff *skb, int attr,
		       const struct segf_addr *addrs, unsigned int n,
		       size_t stride);
int segf_put_addr(struct sk_buff *skb, int attr, const struct segf_addr *a);
int segf_put_tuple(struct sk_buff *skb, const struct segf_pkt *pkt);

/* domain_nl.c */
struct segf_domain *segf_domain_lookup(struct segf_net *sn,
				       struct nlattr **attrs, bool required,
				       struct netlink_ext_ack *extack);
struct segf_group *segf_group_from_attrs(struct segf_domain *dom,
					 struct nlattr **attrs, int id_attr,
					 int name_attr, bool required,
					 struct netlink_ext_ack *extack);

/* The group a request names by SEGFILTER_A_GROUP_ID or _NAME. */
static inline struct segf_group *
segf_group_lookup(struct segf_domain *dom, struct nlattr **attrs,
		  struct netlink_ext_ack *extack)
{
	return segf_group_from_attrs(dom, attrs, SEGFILTER_A_GROUP_ID,
				     SEGFILTER_A_GROUP_NAME, true, extack);
}

int segf_domain_del_doit(struct sk_buff *skb, struct genl_info *info);
extern const struct segf_nl_cmd segf_domain_new_cmd, segf_domain_set_cmd,
	segf_domain_del_cmd, segf_domain_get_cmd;
extern const struct segf_nl_cmd segf_group_new_cmd, segf_group_del_cmd,
	segf_group_get_cmd;

/* port_nl.c */
struct segf_port *segf_port_lookup(struct segf_net *sn, struct nlattr **attrs,
				   struct netlink_ext_ack *extack);
int segf_port_del_doit(struct sk_buff *skb, struct genl_info *info);
extern const struct segf_nl_cmd segf_port_new_cmd, segf_port_del_cmd,
	segf_port_get_cmd;

/* endpoint_nl.c */
extern const struct segf_nl_cmd segf_endpoint_new_cmd, segf_endpoint_del_cmd,
	segf_endpoint_set_cmd, segf_endpoint_get_cmd;

/* rule_nl.c */
extern const struct segf_nl_cmd segf_rule_new_cmd, segf_rule_del_cmd,
	segf_rule_get_cmd;

/* service_nl.c: services, their instances, chains of them */
extern const struct segf_nl_cmd segf_service_new_cmd, segf_service_del_cmd,
	segf_service_get_cmd;
extern const struct segf_nl_cmd segf_instance_new_cmd, segf_instance_del_cmd,
	segf_instance_set_cmd, segf_instance_get_cmd;
extern const struct segf_nl_cmd segf_chain_new_cmd, segf_chain_del_cmd,
	segf_chain_get_cmd;

/* prefix_nl.c */
extern const struct segf_nl_cmd segf_prefix_new_cmd, segf_prefix_del_cmd,
	segf_prefix_get_cmd;

/* trace.c: what the verdict makes of a packet a request describes */
int segf_trace_doit(struct sk_buff *skb, struct genl_info *info);

/* netlink.c: the family, for main.c */
int segf_genl_init(void);
void segf_genl_uninit(void);

#endif /* _SEGF_NL_H */
