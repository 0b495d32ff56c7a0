// SPDX-License-Identifier: GPL-2.0
/*
 * segfilter: per-CPU counters of ports and domains.
 */

#include <linux/percpu.h>

#include "stats.h"

struct segf_pcpu_stats __percpu *segf_stats_alloc(void)
{
	struct segf_pcpu_stats __percpu *stats;
	int cpu;

	stats = alloc_percpu_gfp(struct segf_pcpu_stats, GFP_KERNEL_ACCOUNT);
	if (!stats)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(stats, cpu)->syncp);
	return stats;
}

/* Sum the per-CPU counters into @sum.  May run concurrently with writers. */
void segf_stats_read(struct segf_pcpu_stats __percpu *pcpu,
		     struct segf_stats *sum)
{
	int cpu, i;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct segf_pcpu_stats *s = per_cpu_ptr(pcpu, cpu);
		struct segf_stats one;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			one.rx_packets = u64_stats_read(&s->rx_packets);
			one.rx_bytes = u64_stats_read(&s->rx_bytes);
			one.tx_packets = u64_stats_read(&s->tx_packets);
			one.tx_bytes = u64_stats_read(&s->tx_bytes);
			one.forwarded = u64_stats_read(&s->forwarded);
			one.flooded = u64_stats_read(&s->flooded);
			one.arp_replies = u64_stats_read(&s->arp_replies);
			one.nd_replies = u64_stats_read(&s->nd_replies);
			one.routed = u64_stats_read(&s->routed);
			one.default_allowed =
				u64_stats_read(&s->default_allowed);
			one.flows_created = u64_stats_read(&s->flows_created);
			one.flow_table_full =
				u64_stats_read(&s->flow_table_full);
			one.log_suppressed = u64_stats_read(&s->log_suppressed);
			one.redirected = u64_stats_read(&s->redirected);
			one.bypassed = u64_stats_read(&s->bypassed);
			one.flows_evicted = u64_stats_read(&s->flows_evicted);
			one.dhcp_replies = u64_stats_read(&s->dhcp_replies);
			one.ra_replies = u64_stats_read(&s->ra_replies);
			one.icmp_too_big = u64_stats_read(&s->icmp_too_big);
			one.ra_sent = u64_stats_read(&s->ra_sent);
			one.icmp_related = u64_stats_read(&s->icmp_related);
			one.nexthop_unanswered =
				u64_stats_read(&s->nexthop_unanswered);
			for (i = 0; i < __SEGFILTER_DROP_MAX; i++)
				one.drops[i] = u64_stats_read(&s->drops[i]);
		} while (u64_stats_fetch_retry(&s->syncp, start));

		sum->rx_packets += one.rx_packets;
		sum->rx_bytes += one.rx_bytes;
		sum->tx_packets += one.tx_packets;
		sum->tx_bytes += one.tx_bytes;
		sum->forwarded += one.forwarded;
		sum->flooded += one.flooded;
		sum->arp_replies += one.arp_replies;
		sum->nd_replies += one.nd_replies;
		sum->routed += one.routed;
		sum->default_allowed += one.default_allowed;
		sum->flows_created += one.flows_created;
		sum->flow_table_full += one.flow_table_full;
		sum->log_suppressed += one.log_suppressed;
		sum->redirected += one.redirected;
		sum->bypassed += one.bypassed;
		sum->flows_evicted += one.flows_evicted;
		sum->dhcp_replies += one.dhcp_replies;
		sum->ra_replies += one.ra_replies;
		sum->icmp_too_big += one.icmp_too_big;
		sum->ra_sent += one.ra_sent;
		sum->icmp_related += one.icmp_related;
		sum->nexthop_unanswered += one.nexthop_unanswered;
		for (i = 0; i < __SEGFILTER_DROP_MAX; i++) {
			sum->drops[i] += one.drops[i];
			sum->dropped += one.drops[i];
		}
	}
}
