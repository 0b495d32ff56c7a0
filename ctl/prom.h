/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The counters of segctl stats in Prometheus' text exposition format,
 * version 0.0.4: segctl stats --prometheus (a node-exporter textfile)
 * and segd --metrics (an HTTP endpoint) write the same.
 */
#ifndef SEGCTL_PROM_H
#define SEGCTL_PROM_H

#include <stdint.h>
#include <stdio.h>

struct stats_dump;

/*
 * Rules whose series are written, at most, by default: each rule is two
 * series, where a domain or a port is about 50, and a domain may hold
 * tens of thousands of rules.
 */
#define PROM_MAX_RULES		1000

/* What prom_write() writes, for HTTP's Content-Type. */
#define PROM_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/*
 * Write the counters of @d to @f: every domain, port and instance, the
 * first @max_rules rules in the kernel's order, and how many rules were
 * left out.  0, or 1 after printing why (out of memory).
 */
int prom_write(FILE *f, const struct stats_dump *d, uint32_t max_rules);

#endif /* SEGCTL_PROM_H */
