/* SPDX-License-Identifier: GPL-2.0 */
/*
 * segfilter: the other hosts a domain's broadcasts and multicasts are
 * copied to (bum.c).
 */
#ifndef _SEGF_BUM_H
#define _SEGF_BUM_H

#include <linux/gfp.h>
#include <linux/types.h>

#include "domain.h"

struct netlink_ext_ack;
struct segf_ctx;
struct segf_match;
struct segf_pkt;
struct segf_port;
struct sk_buff;

/*
 * The groups of a host's endpoints a copy is judged against before it
 * crosses the underlay; a host with more keeps none (@any) and is sent
 * every copy, for its own judgement.
 */
#define SEGF_BUM_HOST_GROUPS	8

/* A host with remote endpoints of the domain, behind @uplink. */
struct segf_bum_host {
	struct segf_addr addr;
	struct segf_port *uplink;
	u16 groups[SEGF_BUM_HOST_GROUPS];
	u8 n_groups;
	bool any;
};

/* A generation's hosts, at most SEGFILTER_BUM_MAX_HOSTS: immutable. */
struct segf_bum_hosts {
	unsigned int n;
	struct segf_bum_host host[];
};

int segf_bum_hosts_build(struct segf_domain *dom,
			 const struct segf_bum_hosts *cur, gfp_t gfp,
			 struct segf_bum_hosts **out,
			 struct netlink_ext_ack *extack);
void segf_bum_replicate(const struct segf_ctx *ctx, struct sk_buff *skb,
			const struct segf_match *m, u16 sg);

#ifdef SEGFILTER_KUNIT
/* Static but for kmod/tests/bum_test.c. */
bool segf_bum_new_window(unsigned long now, unsigned long start);
bool segf_bum_take(struct segf_domain *dom, u32 limit);
#endif

#endif /* _SEGF_BUM_H */
