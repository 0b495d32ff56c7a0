// SPDX-License-Identifier: GPL-2.0
/*
 * The minimal eBPF peer of segfilter's core (make bench, part "peers"):
 * a tc ingress program that does what segfilter does for an established
 * frame, minus its flow table, per-rule counters and everything around:
 *
 *   the source MAC -> its endpoint (group, address, port), which must
 *   match the frame's IPv4 source and the port it came in on;
 *   the destination MAC -> its endpoint (group, port);
 *   (source group, destination group) in the hash of allowed pairs;
 *   then bpf_redirect() to the destination's port, else TC_ACT_SHOT.
 *
 * Every verdict is counted in a per-CPU array (gp_stats, by enum
 * gp_stat), as segfilter counts its drops per reason.  The maps are
 * filled from the guest with bpftool (tests/bench/parts/peers.sh).
 * Built on the host by tests/bench/bpf/Makefile (clang -target bpf).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* A MAC address as a key: 6 bytes and 2 of padding, always zero. */
struct gp_mac {
	__u8 addr[ETH_ALEN];
	__u16 pad;
};

struct gp_src {
	__u32 group;
	__u32 ip;		/* network order */
	__u32 ifindex;		/* the port the endpoint sits behind */
};

struct gp_dst {
	__u32 group;
	__u32 ifindex;
};

struct gp_pair {
	__u32 src;
	__u32 dst;
};

enum gp_stat {
	GP_PASS,	/* redirected */
	GP_DENY,	/* no allowed pair: the policy's drop */
	GP_NOSRC,	/* unknown sender, or its address or port is wrong */
	GP_NODST,	/* unknown destination */
	GP_OTHER,	/* not IPv4 */
	GP_NR,
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct gp_mac);
	__type(value, struct gp_src);
} gp_srcs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct gp_mac);
	__type(value, struct gp_dst);
} gp_dsts SEC(".maps");

/* Room for the bench's 100k pairs. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 131072);
	__type(key, struct gp_pair);
	__type(value, __u32);
} gp_pairs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, GP_NR);
	__type(key, __u32);
	__type(value, __u64);
} gp_stats SEC(".maps");

static __always_inline int gp_count(__u32 stat, int verdict)
{
	__u64 *n = bpf_map_lookup_elem(&gp_stats, &stat);

	if (n)
		*n += 1;
	return verdict;
}

SEC("tc")
int grouppair(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	struct gp_mac mac = {};
	struct gp_pair pair;
	struct gp_src *src;
	struct gp_dst *dst;

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->ihl < 5)
		return gp_count(GP_OTHER, TC_ACT_SHOT);

	__builtin_memcpy(mac.addr, eth->h_source, ETH_ALEN);
	src = bpf_map_lookup_elem(&gp_srcs, &mac);
	if (!src || src->ip != ip->saddr ||
	    src->ifindex != skb->ingress_ifindex)
		return gp_count(GP_NOSRC, TC_ACT_SHOT);

	__builtin_memcpy(mac.addr, eth->h_dest, ETH_ALEN);
	dst = bpf_map_lookup_elem(&gp_dsts, &mac);
	if (!dst)
		return gp_count(GP_NODST, TC_ACT_SHOT);

	pair.src = src->group;
	pair.dst = dst->group;
	if (!bpf_map_lookup_elem(&gp_pairs, &pair))
		return gp_count(GP_DENY, TC_ACT_SHOT);

	gp_count(GP_PASS, 0);
	return bpf_redirect(dst->ifindex, 0);
}

char _license[] SEC("license") = "GPL";
