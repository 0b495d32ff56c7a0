// SPDX-License-Identifier: GPL-2.0
/*
 * tcpraw: send TCP segments that no socket would, such as a bare ACK of
 * a connection that was never opened.
 *
 *   tcpraw SRCADDR DSTADDR SPORT DPORT FLAGS [N]
 *
 * sends N (default 1) segments with the given FLAGS (letters of S, A,
 * F, R, P; "-" for none) from SRCADDR to DSTADDR:DPORT, from the source
 * ports SPORT to SPORT + N - 1, through a raw IPv4 socket: the kernel
 * adds the IP header.  Exits 0 once all are sent, 1 on a send error, 2
 * on a usage error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct tcp_hdr {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t off, flags;
	uint16_t window, csum, urg;
};

static uint16_t tcp_csum(struct in_addr src, struct in_addr dst,
			 const struct tcp_hdr *th)
{
	const uint16_t *w = (const uint16_t *)th;
	uint32_t sum = 0;
	size_t i;

	sum += (src.s_addr >> 16) + (src.s_addr & 0xffff);
	sum += (dst.s_addr >> 16) + (dst.s_addr & 0xffff);
	sum += htons(IPPROTO_TCP) + htons(sizeof(*th));
	for (i = 0; i < sizeof(*th) / 2; i++)
		sum += w[i];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static void usage(void)
{
	fprintf(stderr, "usage: tcpraw SRCADDR DSTADDR SPORT DPORT FLAGS [N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct in_addr src;
	struct tcp_hdr th;
	long sport, dport, n = 1, i;
	uint8_t flags = 0;
	const char *f;
	int fd;

	if (argc < 6 || argc > 7)
		usage();
	if (inet_pton(AF_INET, argv[1], &src) != 1 ||
	    inet_pton(AF_INET, argv[2], &to.sin_addr) != 1)
		usage();
	sport = strtol(argv[3], NULL, 10);
	dport = strtol(argv[4], NULL, 10);
	if (argc == 7)
		n = strtol(argv[6], NULL, 10);
	if (sport < 1 || dport < 1 || dport > 65535 || n < 1 ||
	    sport + n - 1 > 65535)
		usage();
	for (f = argv[5]; *f; f++) {
		switch (*f) {
		case 'F': flags |= 0x01; break;
		case 'S': flags |= 0x02; break;
		case 'R': flags |= 0x04; break;
		case 'P': flags |= 0x08; break;
		case 'A': flags |= 0x10; break;
		case '-': break;
		default: usage();
		}
	}

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_TCP);
	if (fd < 0) {
		perror("tcpraw: socket");
		return 1;
	}
	for (i = 0; i < n; i++) {
		memset(&th, 0, sizeof(th));
		th.sport = htons(sport + i);
		th.dport = htons(dport);
		th.seq = htonl(1000 + i);
		th.ack = flags & 0x10 ? htonl(5000) : 0;
		th.off = (sizeof(th) / 4) << 4;
		th.flags = flags;
		th.window = htons(1024);
		th.csum = tcp_csum(src, to.sin_addr, &th);
		if (sendto(fd, &th, sizeof(th), 0, (struct sockaddr *)&to,
			   sizeof(to)) < 0) {
			perror("tcpraw: sendto");
			return 1;
		}
	}
	return 0;
}
