/* SPDX-License-Identifier: GPL-2.0 */
/*
 * segd --metrics ADDR:PORT: GET /metrics over HTTP/1.0 or 1.1, answered
 * from segd's own poll loop with the counters read from the kernel at
 * that moment (prom.h).  Every socket is non-blocking; a client gets
 * METRICS_TIMEOUT_MS for its request and the answer together, at most
 * METRICS_CLIENTS are served at once and a request is at most
 * METRICS_REQUEST_MAX bytes, so that no client can hold up the agent.
 */
#ifndef SEGCTL_METRICS_H
#define SEGCTL_METRICS_H

#include <poll.h>
#include <stdint.h>

#define METRICS_CLIENTS		8
#define METRICS_REQUEST_MAX	4096
#define METRICS_TIMEOUT_MS	5000
/* The entries metrics_pollfds() fills, at most. */
#define METRICS_POLLFDS		(1 + METRICS_CLIENTS)

struct metrics;

/*
 * Listen on @addr, "IPV4:PORT" or "[IPV6]:PORT"; each answer has the
 * first @max_rules rules.  NULL after printing why.
 */
struct metrics *metrics_open(const char *addr, uint32_t max_rules);
void metrics_close(struct metrics *m);

/* The sockets to poll, into @fds (METRICS_POLLFDS entries): how many. */
unsigned int metrics_pollfds(struct metrics *m, struct pollfd *fds);

/* Milliseconds until the first client's time is up, or -1 if none. */
int metrics_timeout(struct metrics *m);

/* Serve what the @n entries of @fds, as polled, say is ready. */
void metrics_serve(struct metrics *m, const struct pollfd *fds,
		   unsigned int n);

#endif /* SEGCTL_METRICS_H */
