/* SPDX-License-Identifier: GPL-2.0 */
/*
 * segfilter: events, from the data path and the objects to whoever
 * listens.
 *
 * The data path (verdict logs) and service.c (instance states) call the
 * two entry points below and know nothing of netlink: the netlink side
 * registers its const ops at init and unregisters them before the
 * family goes.  A NULL pointer means no listener.  segf_log_verdict()
 * reads the pointer and calls the op under rcu_read_lock(), so ->verdict
 * must not sleep; segf_instance_notify(), called in process context,
 * does both under segf_events_srcu, so ->instance may allocate with
 * GFP_KERNEL.  segf_events_unregister() waits for the callers of both.
 */
#ifndef _SEGF_EVENTS_H
#define _SEGF_EVENTS_H

#include <linux/rcupdate.h>
#include <linux/srcu.h>
#include <linux/types.h>

struct segf_domain;
struct segf_instance;
struct segf_pkt;
struct segf_rule;

struct segf_event_ops {
	/* A logging rule decided: false when the event was rate limited. */
	bool (*verdict)(struct segf_domain *dom, const struct segf_rule *rule,
			u16 src, u16 dst, const struct segf_pkt *pkt);
	/* An instance changed state (enum segfilter_instance_state). */
	void (*instance)(const struct segf_instance *inst, u8 state);
};

extern const struct segf_event_ops __rcu *segf_events;
extern struct srcu_struct segf_events_srcu;

void segf_events_register(const struct segf_event_ops *ops);
void segf_events_unregister(void);

/**
 * segf_log_verdict - tell listeners that a logging rule decided
 * @dom: the domain whose rule it is
 * @rule: the rule, which has SEGF_RULE_LOG
 * @src: source group id
 * @dst: destination group id (of each destination, for a flood)
 * @pkt: the packet
 *
 * Called from the data path: atomic, rate limited per domain.
 *
 * Return: false when the rate limit suppressed the event.
 */
static inline bool segf_log_verdict(struct segf_domain *dom,
				    const struct segf_rule *rule, u16 src,
				    u16 dst, const struct segf_pkt *pkt)
{
	const struct segf_event_ops *ops;
	bool sent = true;

	rcu_read_lock();
	ops = rcu_dereference(segf_events);
	if (ops)
		sent = ops->verdict(dom, rule, src, dst, pkt);
	rcu_read_unlock();
	return sent;
}

/* Tell listeners that @inst is now in @state. */
static inline void segf_instance_notify(const struct segf_instance *inst,
					u8 state)
{
	const struct segf_event_ops *ops;
	int idx;

	might_sleep();
	idx = srcu_read_lock(&segf_events_srcu);
	ops = srcu_dereference(segf_events, &segf_events_srcu);
	if (ops)
		ops->instance(inst, state);
	srcu_read_unlock(&segf_events_srcu, idx);
}

#endif /* _SEGF_EVENTS_H */
