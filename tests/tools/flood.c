// SPDX-License-Identifier: GPL-2.0
/*
 * flood: a noisy neighbour's traffic, bounded in rate, count and time.
 *
 *   flood [-r PPS] [-n COUNT] [-t SECS] [-p DPORT] [-s SEED] syn SRC DST
 *   flood [-r PPS] [-n COUNT] [-t SECS] [-p DPORT] [-s SEED] ack SRC DST
 *   flood [-r PPS] [-n COUNT] [-t SECS] [-p DPORT] bcast IFNAME
 *
 * syn sends TCP SYNs from the IPv4 address SRC (which must be local) to
 * DST, each from a random source port to DPORT (default 80), with a
 * random sequence number: a SYN flood, every packet a new connection.
 * ack sends bare ACKs (no payload), random source and destination ports
 * (DPORT ignored) and random sequence and acknowledgment numbers: every
 * packet a segment of a connection nobody opened.  Both go through a raw
 * socket, so the kernel routes them and resolves DST's MAC as for any
 * packet of SRC's.
 *
 * bcast sends 64-byte UDP datagrams to 255.255.255.255:DPORT (default 9)
 * out of IFNAME: a broadcast storm.
 *
 * At most PPS packets a second (default 1000), until COUNT were sent
 * (default 100000) or SECS seconds passed (default 10), whichever comes
 * first, or until SIGTERM or SIGINT.  A send that fails for lack of buffer space (the queue is
 * full) is retried after a short pause, not counted.  Prints
 * "sent N secs S" on stdout; exits 0 if it sent anything, 1 if not,
 * 2 on a usage or system error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum mode { MODE_SYN, MODE_ACK, MODE_BCAST };

/* Set by the signal handler: volatile sig_atomic_t, as C wants. */
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: flood [-r PPS] [-n COUNT] [-t SECS] [-p DPORT] [-s SEED] syn|ack SRC DST\n"
		"       flood [-r PPS] [-n COUNT] [-t SECS] [-p DPORT] bcast IFNAME\n");
	exit(2);
}

static long parse_number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "flood: %s: not a number in [%ld, %ld]\n",
			s, min, max);
		exit(2);
	}
	return v;
}

static void parse_addr(const char *s, struct in_addr *a)
{
	if (inet_pton(AF_INET, s, a) != 1) {
		fprintf(stderr, "flood: %s: not an IPv4 address\n", s);
		exit(2);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_until(double t)
{
	struct timespec ts;
	double d = t - now();

	if (d <= 0)
		return;
	ts.tv_sec = (time_t)d;
	ts.tv_nsec = (long)((d - ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/* The TCP checksum over the IPv4 pseudo-header and the segment. */
static uint16_t tcp_csum(struct in_addr src, struct in_addr dst,
			 const void *seg, size_t len)
{
	const uint8_t *p = seg;
	uint32_t sum = 0;
	size_t i;

	sum += (ntohl(src.s_addr) >> 16) + (ntohl(src.s_addr) & 0xffff);
	sum += (ntohl(dst.s_addr) >> 16) + (ntohl(dst.s_addr) & 0xffff);
	sum += IPPROTO_TCP + len;
	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

int main(int argc, char **argv)
{
	long pps = 1000, count = 100000, secs = 10, dport = -1, sent = 0;
	unsigned int seed = 1;
	struct sockaddr_in src = { .sin_family = AF_INET };
	struct sockaddr_in dst = { .sin_family = AF_INET };
	char payload[64] = "flood";
	struct tcphdr th;
	double t0, end;
	enum mode mode;
	int fd, opt, one = 1;

	while ((opt = getopt(argc, argv, "r:n:t:p:s:")) != -1) {
		switch (opt) {
		case 'r':
			pps = parse_number(optarg, 1, 10000000);
			break;
		case 'n':
			count = parse_number(optarg, 1, 1000000000);
			break;
		case 't':
			secs = parse_number(optarg, 1, 86400);
			break;
		case 'p':
			dport = parse_number(optarg, 1, 65535);
			break;
		case 's':
			seed = parse_number(optarg, 0, 0x7fffffff);
			break;
		default:
			bad_usage();
		}
	}
	if (optind >= argc)
		bad_usage();
	if (!strcmp(argv[optind], "syn"))
		mode = MODE_SYN;
	else if (!strcmp(argv[optind], "ack"))
		mode = MODE_ACK;
	else if (!strcmp(argv[optind], "bcast"))
		mode = MODE_BCAST;
	else
		bad_usage();
	srandom(seed);
	{
		struct sigaction sa = { .sa_handler = on_signal };

		/* No SA_RESTART: the signal ends a sleep at once. */
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
	}

	if (mode == MODE_BCAST) {
		const char *ifname;

		if (argc - optind != 2)
			bad_usage();
		ifname = argv[optind + 1];
		dst.sin_port = htons(dport > 0 ? dport : 9);
		dst.sin_addr.s_addr = htonl(INADDR_BROADCAST);
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (fd < 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) ||
		    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
			       strlen(ifname) + 1)) {
			perror("flood: broadcast socket");
			return 2;
		}
	} else {
		if (argc - optind != 3)
			bad_usage();
		parse_addr(argv[optind + 1], &src.sin_addr);
		parse_addr(argv[optind + 2], &dst.sin_addr);
		/* The kernel writes the IPv4 header, from the bound address. */
		fd = socket(AF_INET, SOCK_RAW, IPPROTO_TCP);
		if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof(src))) {
			perror("flood: raw socket");
			return 2;
		}
	}

	t0 = now();
	end = t0 + secs;
	while (!stop && sent < count && now() < end) {
		const void *buf = payload;
		size_t len = sizeof(payload);

		if (mode != MODE_BCAST) {
			memset(&th, 0, sizeof(th));
			th.source = htons(1024 + random() % 64512);
			th.seq = htonl(random());
			th.doff = sizeof(th) / 4;
			th.window = htons(512);
			if (mode == MODE_SYN) {
				th.dest = htons(dport > 0 ? dport : 80);
				th.syn = 1;
			} else {
				th.dest = htons(1 + random() % 65535);
				th.ack_seq = htonl(random());
				th.ack = 1;
			}
			th.check = tcp_csum(src.sin_addr, dst.sin_addr, &th,
					    sizeof(th));
			buf = &th;
			len = sizeof(th);
		}
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&dst,
			   sizeof(dst)) < 0) {
			if (errno == ENOBUFS || errno == EAGAIN ||
			    errno == EINTR) {
				usleep(1000);
				continue;
			}
			perror("flood: sendto");
			break;
		}
		sent++;
		/* Never ahead of PPS: the next packet's time, at the latest. */
		sleep_until(t0 + (double)sent / pps);
	}
	printf("sent %ld secs %.2f\n", sent, now() - t0);
	return sent ? 0 : 1;
}
