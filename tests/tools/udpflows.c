// SPDX-License-Identifier: GPL-2.0
/*
 * udpflows: many UDP flows at once, to see which of them get through.
 *
 *   udpflows serve PORT
 *   udpflows send [-r ROUNDS] [-g GAP_MS] [-b SRCADDR]
 *                 DSTADDR PORT N [FIRST_SPORT [TIMEOUT_MS]]
 *
 * serve echoes every datagram that reaches PORT (IPv4, any local
 * address) back to its sender, until killed.
 *
 * send binds N sockets to the source ports FIRST_SPORT (default 20000)
 * to FIRST_SPORT + N - 1, optionally on SRCADDR, sends one datagram from
 * each to DSTADDR:PORT and waits up to TIMEOUT_MS (default 1000) for the
 * echoes.  With -r, it does that ROUNDS times over the same sockets (the
 * same flows), GAP_MS apart; a round ends when every flow has its echo or
 * TIMEOUT_MS after the round's last datagram went out, and an echo counts
 * only for the round that sent it.
 *
 * Prints one line per source port on stdout, "SPORT ok" or "SPORT lost",
 * with one word per round ("SPORT ok lost" after two rounds), then
 * "sent N received M" on stderr.  Exits 0 if every datagram had its echo,
 * 1 if not, 2 on a usage or system error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#define MAX_FLOWS	30000
/* Collect echoes after every this many datagrams, so that a burst of a
 * thousand does not overflow a socket queue on the way.
 */
#define SEND_BATCH	32

struct flow {
	int fd;
	unsigned short sport;
	unsigned char *ok;	/* per round */
};

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: udpflows serve PORT\n"
		"       udpflows send [-r ROUNDS] [-g GAP_MS] [-b SRCADDR]\n"
		"                     DSTADDR PORT N [FIRST_SPORT [TIMEOUT_MS]]\n");
	exit(2);
}

static long parse_number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "udpflows: %s: not a number in [%ld, %ld]\n",
			s, min, max);
		exit(2);
	}
	return v;
}

static void parse_addr(const char *s, struct in_addr *a)
{
	if (inet_pton(AF_INET, s, a) != 1) {
		fprintf(stderr, "udpflows: %s: not an IPv4 address\n", s);
		exit(2);
	}
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Ask for a big receive queue: as root past net.core.rmem_max. */
static void big_rcvbuf(int fd)
{
	int size = 8 << 20;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

static int echo_server(int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	struct sockaddr_in peer;
	socklen_t len;
	char buf[65536];
	ssize_t n;
	int fd;

	if (argc != 2)
		bad_usage();
	addr.sin_port = htons(parse_number(argv[1], 1, 65535));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		perror("udpflows: serve");
		return 2;
	}
	big_rcvbuf(fd);
	for (;;) {
		len = sizeof(peer);
		n = recvfrom(fd, buf, sizeof(buf), 0,
			     (struct sockaddr *)&peer, &len);
		if (n < 0) {
			/* ICMP errors for earlier echoes surface here. */
			if (errno == EINTR || errno == ECONNREFUSED ||
			    errno == EHOSTUNREACH || errno == ENETUNREACH)
				continue;
			perror("udpflows: recvfrom");
			return 2;
		}
		/* A lost echo is the sender's business, not ours. */
		sendto(fd, buf, n, 0, (struct sockaddr *)&peer, len);
	}
}

/* Raise the soft limit on open files, if need be, for n sockets. */
static void enough_fds(int n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= (rlim_t)n + 16)
		return;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * Read one datagram of a flow into buf (NUL-terminated); -1 once there
 * is none left.  An ICMP error for an earlier datagram (ECONNREFUSED...)
 * is reported once and then cleared, so it is skipped.
 */
static ssize_t receive(int fd, char *buf, size_t size)
{
	int errors = 0;
	ssize_t len;

	for (;;) {
		len = recv(fd, buf, size - 1, MSG_DONTWAIT);
		if (len >= 0) {
			buf[len] = '\0';
			return len;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK || ++errors > 4)
			return -1;
	}
}

/* Throw away what earlier rounds left queued: late echoes, ICMP errors. */
static void drain(struct flow *flows, int n)
{
	char buf[64];
	int i;

	for (i = 0; i < n; i++)
		while (receive(flows[i].fd, buf, sizeof(buf)) >= 0)
			;
}

/*
 * Read every echo that is waiting, for up to wait_ms (0: only what is
 * there).  Returns how many flows of this round got their echo.
 */
static int collect(struct flow *flows, int n, struct pollfd *pfd,
		   int round, int wait_ms)
{
	char buf[64], want[64];
	int i, got = 0;

	for (i = 0; i < n; i++) {
		pfd[i].fd = flows[i].ok[round] ? -1 : flows[i].fd;
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	if (poll(pfd, n, wait_ms) <= 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (!pfd[i].revents)
			continue;
		snprintf(want, sizeof(want), "udpflows %d %u", round,
			 flows[i].sport);
		/* All of it: echoes of earlier rounds may come first. */
		while (receive(flows[i].fd, buf, sizeof(buf)) >= 0) {
			if (!flows[i].ok[round] && !strcmp(buf, want)) {
				flows[i].ok[round] = 1;
				got++;
			}
		}
	}
	return got;
}

static int send_flows(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rounds", required_argument, NULL, 'r' },
		{ "gap-ms", required_argument, NULL, 'g' },
		{ "bind", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 }
	};
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct sockaddr_in src = { .sin_family = AF_INET };
	int rounds = 1, gap_ms = 0, timeout_ms = 1000, first = 20000;
	long long sent = 0, received = 0, deadline;
	int c, i, n, r, left, len;
	struct pollfd *pfd;
	struct flow *flows;
	char msg[64];

	while ((c = getopt_long(argc, argv, "r:g:b:", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			rounds = parse_number(optarg, 1, 1000);
			break;
		case 'g':
			gap_ms = parse_number(optarg, 0, 600000);
			break;
		case 'b':
			parse_addr(optarg, &src.sin_addr);
			break;
		default:
			bad_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 3 || argc > 5)
		bad_usage();
	parse_addr(argv[0], &dst.sin_addr);
	dst.sin_port = htons(parse_number(argv[1], 1, 65535));
	n = parse_number(argv[2], 1, MAX_FLOWS);
	if (argc > 3)
		first = parse_number(argv[3], 1, 65535);
	if (argc > 4)
		timeout_ms = parse_number(argv[4], 0, 600000);
	if (first + n - 1 > 65535) {
		fprintf(stderr, "udpflows: ports %d + %d go past 65535\n",
			first, n);
		return 2;
	}

	flows = calloc(n, sizeof(*flows));
	pfd = calloc(n, sizeof(*pfd));
	if (!flows || !pfd) {
		perror("udpflows");
		return 2;
	}
	enough_fds(n);
	for (i = 0; i < n; i++) {
		flows[i].sport = first + i;
		flows[i].ok = calloc(rounds, 1);
		flows[i].fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (!flows[i].ok || flows[i].fd < 0) {
			perror("udpflows: socket");
			return 2;
		}
		src.sin_port = htons(flows[i].sport);
		/* Connected: only the echo's source gets through, and
		 * ICMP errors come back to this socket.
		 */
		if (bind(flows[i].fd, (struct sockaddr *)&src, sizeof(src)) ||
		    connect(flows[i].fd, (struct sockaddr *)&dst, sizeof(dst))) {
			fprintf(stderr, "udpflows: source port %u: %s\n",
				flows[i].sport, strerror(errno));
			return 2;
		}
	}

	for (r = 0; r < rounds; r++) {
		if (r) {
			sleep_ms(gap_ms);
			drain(flows, n);
		}
		left = n;
		for (i = 0; i < n; i++) {
			len = snprintf(msg, sizeof(msg), "udpflows %d %u", r,
				       flows[i].sport);
			/* Once more after an ICMP error for an earlier round
			 * that came in since drain(); a full queue loses it.
			 */
			if (send(flows[i].fd, msg, len, 0) == len ||
			    (errno != EAGAIN && send(flows[i].fd, msg, len, 0) == len))
				sent++;
			if (i % SEND_BATCH == SEND_BATCH - 1)
				left -= collect(flows, n, pfd, r, 0);
		}
		deadline = now_ms() + timeout_ms;
		while (left > 0) {
			long long wait = deadline - now_ms();

			if (wait < 0)
				break;
			left -= collect(flows, n, pfd, r, (int)wait);
		}
		received += n - left;
	}

	for (i = 0; i < n; i++) {
		printf("%u", flows[i].sport);
		for (r = 0; r < rounds; r++)
			printf(" %s", flows[i].ok[r] ? "ok" : "lost");
		printf("\n");
	}
	fflush(stdout);
	fprintf(stderr, "sent %lld received %lld\n", sent, received);
	return received == (long long)n * rounds ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		bad_usage();
	if (!strcmp(argv[1], "serve"))
		return echo_server(argc - 1, argv + 1);
	if (!strcmp(argv[1], "send"))
		return send_flows(argc - 1, argv + 1);
	bad_usage();
	return 2;
}
