// SPDX-License-Identifier: GPL-2.0
/*
 * icmperr: send an ICMP or ICMPv6 error about a packet that was (or was
 * not) sent, as a router or the packet's destination would.
 *
 *   icmperr DST TYPE CODE QSRC QDST PROTO QSPORT QDPORT [MTU]
 *
 * sends to DST an error of TYPE and CODE quoting a packet from QSRC to
 * QDST of PROTO ("udp" or "tcp") with the ports QSPORT and QDPORT, and
 * for "fragmentation needed" / "packet too big" the MTU given.  The
 * family is DST's; the error goes through a raw socket, so its source is
 * the sender's own address.  Exits 0 once sent, 1 on a send error, 2 on
 * a usage error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static void usage(void)
{
	fprintf(stderr,
		"usage: icmperr DST TYPE CODE QSRC QDST udp|tcp QSPORT QDPORT [MTU]\n");
	exit(2);
}

static uint16_t csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

static long num(const char *s, long max)
{
	char *end;
	long v = strtol(s, &end, 0);

	if (*s == '\0' || *end != '\0' || v < 0 || v > max)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	uint8_t buf[128] = { 0 };
	struct sockaddr_in6 to6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in to4 = { .sin_family = AF_INET };
	long type, code, sport, dport, mtu = 0;
	uint8_t *q, proto;
	size_t len, l4;
	int fd, v6;

	if (argc != 9 && argc != 10)
		usage();
	v6 = strchr(argv[1], ':') != NULL;
	type = num(argv[2], 255);
	code = num(argv[3], 255);
	if (!strcmp(argv[6], "udp"))
		proto = IPPROTO_UDP;
	else if (!strcmp(argv[6], "tcp"))
		proto = IPPROTO_TCP;
	else
		usage();
	sport = num(argv[7], 65535);
	dport = num(argv[8], 65535);
	if (argc == 10)
		mtu = num(argv[9], 65535);

	/* The 8-byte ICMP header, then the quoted IP header and 8 bytes. */
	buf[0] = type;
	buf[1] = code;
	q = buf + 8;
	if (v6) {
		if (inet_pton(AF_INET6, argv[1], &to6.sin6_addr) != 1)
			usage();
		/* Packet too big carries the MTU in 32 bits. */
		buf[4] = mtu >> 24;
		buf[5] = mtu >> 16;
		buf[6] = mtu >> 8;
		buf[7] = mtu;
		q[0] = 0x60;
		q[4] = 0;
		q[5] = 48;		/* a 48-byte payload, as quoted */
		q[6] = proto;
		q[7] = 64;
		if (inet_pton(AF_INET6, argv[4], q + 8) != 1 ||
		    inet_pton(AF_INET6, argv[5], q + 24) != 1)
			usage();
		l4 = 40;
	} else {
		if (inet_pton(AF_INET, argv[1], &to4.sin_addr) != 1)
			usage();
		/* Fragmentation needed carries the next hop's MTU in 16. */
		buf[6] = mtu >> 8;
		buf[7] = mtu;
		q[0] = 0x45;
		q[3] = 48;		/* total length */
		q[6] = 0x40;		/* DF */
		q[8] = 64;
		q[9] = proto;
		if (inet_pton(AF_INET, argv[4], q + 12) != 1 ||
		    inet_pton(AF_INET, argv[5], q + 16) != 1)
			usage();
		memcpy(q + 10, (uint16_t[]){ csum(q, 20) }, 2);
		l4 = 20;
	}
	q[l4] = sport >> 8;
	q[l4 + 1] = sport;
	q[l4 + 2] = dport >> 8;
	q[l4 + 3] = dport;
	len = 8 + l4 + 8;

	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW,
		    v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (fd < 0) {
		perror("icmperr: socket");
		return 1;
	}
	/* The kernel sums ICMPv6 over its pseudo-header; ICMP is ours. */
	if (!v6)
		memcpy(buf + 2, (uint16_t[]){ csum(buf, len) }, 2);
	if ((v6 ? sendto(fd, buf, len, 0, (struct sockaddr *)&to6, sizeof(to6)) :
		  sendto(fd, buf, len, 0, (struct sockaddr *)&to4, sizeof(to4))) < 0) {
		perror("icmperr: sendto");
		return 1;
	}
	return 0;
}
