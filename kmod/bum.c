// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: broadcast and multicast across hosts.
 *
 * A frame a local endpoint floods (forward.c) also goes, one copy per
 * host, to each other host that has remote endpoints of the domain:
 * head-end replication over the uplink, in VXLAN-GBP with the sender's
 * group, as a unicast frame to a remote endpoint goes.  Which hosts
 * those are, and the groups of the endpoints each has, is listed per
 * policy generation by the control path (segf_bum_hosts_build()), so
 * that the data path walks at most SEGFILTER_BUM_MAX_HOSTS entries and
 * never the endpoints.  A copy that no group at a host may receive
 * stays here; the receiving host judges every copy again against its
 * own ports (uplink.c), so the groups are a saving, not the guard.
 *
 * Copies are limited per domain to its bum-limit a second, so that one
 * tenant cannot flood the underlay; those over it are dropped and
 * counted as bum_limit.  Link control (ARP, ND, MLD, router discovery)
 * and DHCP are never copied: every host answers the first for the whole
 * domain, and the second stays on the client's host (dhcp.c).
 */

#include <linux/jiffies.h>
#include <linux/netlink.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <net/dst_metadata.h>

#include "bum.h"
#include "compat.h"
#include "datapath.h"
#include "endpoint.h"
#include "overlay.h"
#include "policy.h"
#include "port.h"
#include "segfilter.h"

static struct segf_bum_host *segf_bum_host_find(struct segf_bum_hosts *hosts,
						const struct segf_port *uplink,
						const struct segf_addr *addr)
{
	unsigned int i;

	for (i = 0; i < hosts->n; i++)
		if (hosts->host[i].uplink == uplink &&
		    segf_addr_equal(&hosts->host[i].addr, addr))
			return &hosts->host[i];
	return NULL;
}

static void segf_bum_host_add_group(struct segf_bum_host *h, u16 id)
{
	unsigned int i;

	if (h->any)
		return;
	for (i = 0; i < h->n_groups; i++)
		if (h->groups[i] == id)
			return;
	if (h->n_groups == SEGF_BUM_HOST_GROUPS) {
		h->any = true;
		return;
	}
	h->groups[h->n_groups++] = id;
}

/**
 * segf_bum_hosts_build - the hosts of a domain's next generation
 * @dom: the domain, its endpoints as the commit leaves them
 * @cur: the current generation's list, NULL for none
 * @gfp: GFP_KERNEL_ACCOUNT in a commit; with __GFP_NOFAIL when it cannot
 *	 fail (a port was detached: hosts only went)
 * @out: the list, NULL when no live endpoint is remote
 * @extack: says why not
 *
 * A copy of @cur when no remote endpoint came, went or moved since it
 * was built; else a walk of the domain's endpoints, on the control path
 * only.  Called with segf_net::lock held.
 *
 * Return: 0; -ENOSPC when the endpoints are on more hosts than
 * SEGFILTER_BUM_MAX_HOSTS (never with __GFP_NOFAIL: those are cut off),
 * or -ENOMEM.
 */
int segf_bum_hosts_build(struct segf_domain *dom,
			 const struct segf_bum_hosts *cur, gfp_t gfp,
			 struct segf_bum_hosts **out,
			 struct netlink_ext_ack *extack)
{
	struct segf_bum_hosts *all;
	struct segf_remote *remote;
	struct segf_bum_host *h;
	struct segf_endpoint *ep;
	unsigned long idx;
	unsigned int n;

	segf_assert_locked(dom->sn);
	*out = NULL;
	if (!dom->hosts_changed) {
		if (!cur)
			return 0;
		*out = kmemdup(cur, struct_size(cur, host, cur->n), gfp);
		return *out ? 0 : -ENOMEM;
	}
	all = kzalloc(struct_size(all, host, SEGFILTER_BUM_MAX_HOSTS), gfp);
	if (!all)
		return -ENOMEM;
	xa_for_each(&dom->endpoints, idx, ep) {
		if (!segf_endpoint_live(ep) || !segf_port_is_uplink(ep->port))
			continue;
		remote = rcu_dereference_protected(ep->remote,
						   lockdep_is_held(&dom->sn->lock));
		if (WARN_ON_ONCE(!remote))
			continue;
		h = segf_bum_host_find(all, ep->port, &remote->addr);
		if (!h) {
			if (all->n == SEGFILTER_BUM_MAX_HOSTS) {
				if (gfp & __GFP_NOFAIL)
					continue;
				NL_SET_ERR_MSG_FMT_MOD(extack,
						       "the domain's endpoints would be on more than %u other hosts",
						       SEGFILTER_BUM_MAX_HOSTS);
				kfree(all);
				return -ENOSPC;
			}
			h = &all->host[all->n++];
			h->addr = remote->addr;
			h->uplink = ep->port;
		}
		segf_bum_host_add_group(h, ep->group->id);
	}
	n = all->n;
	if (n)
		*out = kmemdup(all, struct_size(all, host, n), gfp);
	kfree(all);
	if (n && !*out)
		return -ENOMEM;
	dom->hosts_changed = false;
	return 0;
}

/*
 * Whether a copy from group @sg may go to @h: some group there may
 * receive it, by the rules or the default.  Counts nothing: the host
 * that receives it judges again and counts there.  Else the reason the
 * first group there refused it.
 */
static int segf_bum_judge(const struct segf_policy *pol,
			  const struct segf_bum_host *h,
			  const struct segf_match *m, u16 sg)
{
	struct segf_verdict v;
	int reason = 0;
	unsigned int i;

	if (h->any)
		return 0;
	for (i = 0; i < h->n_groups; i++) {
		segf_judge(pol, sg, h->groups[i], m, &v);
		if (v.action == SEGFILTER_ACTION_ALLOW)
			return 0;
		if (reason)
			continue;
		if (v.action == SEGFILTER_ACTION_REDIRECT)
			reason = SEGFILTER_DROP_FLOOD_REDIRECT;
		else
			reason = v.rule ? SEGFILTER_DROP_RULE_DENY :
					  SEGFILTER_DROP_DEFAULT_DENY;
	}
	return reason;
}

/*
 * Whether @now is past the window that began at @start: a second later,
 * or (32-bit jiffies wrapped while the domain sent nothing) well before
 * it.  A CPU whose @now is a tick older than a window another opened is
 * in it.
 */
SEGF_STATIC_KUNIT bool segf_bum_new_window(unsigned long now,
					   unsigned long start)
{
	return time_after_eq(now, start + HZ) || time_before(now, start - HZ);
}

/* One more copy within the domain's @limit for this second? */
SEGF_STATIC_KUNIT bool segf_bum_take(struct segf_domain *dom, u32 limit)
{
	unsigned long now = jiffies, start;
	bool ok;

	if (!limit)
		return false;
	/* This second's copies all sent: a storm does not take the lock. */
	start = READ_ONCE(dom->bum_start);
	if (READ_ONCE(dom->bum_sent) >= limit && !segf_bum_new_window(now, start))
		return false;
	spin_lock(&dom->bum_lock);
	/* The time again: a wait for the lock must not open a stale window. */
	now = jiffies;
	if (segf_bum_new_window(now, dom->bum_start)) {
		WRITE_ONCE(dom->bum_start, now);
		WRITE_ONCE(dom->bum_sent, 0);
	}
	ok = dom->bum_sent < limit;
	if (ok)
		WRITE_ONCE(dom->bum_sent, dom->bum_sent + 1);
	spin_unlock(&dom->bum_lock);
	return ok;
}

/**
 * segf_bum_replicate - copy a flooded frame to the domain's other hosts
 * @ctx: the frame's context: from a local endpoint, in a domain with a VNI
 * @skb: the frame, which the caller keeps
 * @m: its policy fields
 * @sg: its sender's group, which the copies carry
 *
 * One copy per host of the generation's list that some group there may
 * receive, within the domain's bum-limit.  A copy not sent is counted
 * with its reason on the port the frame came by and on the domain.
 */
void segf_bum_replicate(const struct segf_ctx *ctx, struct sk_buff *skb,
			const struct segf_match *m, u16 sg)
{
	const struct segf_bum_hosts *hosts = ctx->pol->hosts;
	const struct segf_bum_host *h;
	struct metadata_dst *tun;
	struct sk_buff *nskb;
	unsigned int i;
	int reason;

	if (!hosts)
		return;
	for (i = 0; i < hosts->n; i++) {
		h = &hosts->host[i];
		reason = segf_bum_judge(ctx->pol, h, m, sg);
		if (!reason && !segf_bum_take(ctx->dom, ctx->pol->cfg.bum_limit))
			reason = SEGFILTER_DROP_BUM_LIMIT;
		if (reason) {
			segf_count(ctx, drops[reason]);
			continue;
		}
		nskb = skb_clone(skb, GFP_ATOMIC);
		tun = nskb ? segf_tunnel_get(NULL, &h->addr, ctx->dom->vni,
					     sg) : NULL;
		if (!tun) {
			kfree_skb(nskb);
			segf_count(ctx, drops[SEGFILTER_DROP_TX_ERROR]);
			continue;
		}
		skb_dst_drop(nskb);
		skb_dst_set(nskb, &tun->dst);
		segf_xmit(ctx, h->uplink, nskb);
	}
}
