/* SPDX-License-Identifier: GPL-2.0 */
/*
 * segfilter: the per-CPU counters of a port and a domain (stats.c).
 */
#ifndef _SEGF_STATS_H
#define _SEGF_STATS_H

#include <linux/types.h>
#include <linux/u64_stats_sync.h>
#include <uapi/linux/segfilter.h>

/* Per-CPU counters, one set per port and one per domain. */
struct segf_pcpu_stats {
	u64_stats_t rx_packets;
	u64_stats_t rx_bytes;
	u64_stats_t tx_packets;
	u64_stats_t tx_bytes;
	u64_stats_t forwarded;
	u64_stats_t flooded;
	u64_stats_t arp_replies;
	u64_stats_t nd_replies;
	u64_stats_t routed;
	u64_stats_t default_allowed;
	u64_stats_t flows_created;
	u64_stats_t flow_table_full;
	u64_stats_t log_suppressed;
	u64_stats_t redirected;
	u64_stats_t bypassed;
	u64_stats_t flows_evicted;
	u64_stats_t dhcp_replies;
	u64_stats_t ra_replies;
	u64_stats_t icmp_too_big;
	u64_stats_t ra_sent;
	u64_stats_t icmp_related;
	u64_stats_t nexthop_unanswered;
	u64_stats_t drops[__SEGFILTER_DROP_MAX];
	struct u64_stats_sync syncp;
};

/* A snapshot of the counters above, summed over all CPUs. */
struct segf_stats {
	u64 rx_packets;
	u64 rx_bytes;
	u64 tx_packets;
	u64 tx_bytes;
	u64 forwarded;
	u64 flooded;
	u64 arp_replies;
	u64 nd_replies;
	u64 routed;
	u64 default_allowed;
	u64 flows_created;
	u64 flow_table_full;
	u64 log_suppressed;
	u64 redirected;
	u64 bypassed;
	u64 flows_evicted;
	u64 dhcp_replies;
	u64 ra_replies;
	u64 icmp_too_big;
	u64 ra_sent;
	u64 icmp_related;
	u64 nexthop_unanswered;
	u64 dropped;
	u64 drops[__SEGFILTER_DROP_MAX];
};

/* stats.c */
struct segf_pcpu_stats __percpu *segf_stats_alloc(void);
void segf_stats_read(struct segf_pcpu_stats __percpu *pcpu,
		     struct segf_stats *sum);

#endif /* _SEGF_STATS_H */
