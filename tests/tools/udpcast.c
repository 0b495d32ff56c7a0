// SPDX-License-Identifier: GPL-2.0
/*
 * udpcast: UDP to broadcast and multicast addresses, and a receiver for
 * it, to see which guests a flood reaches.
 *
 *   udpcast recv PORT
 *   udpcast send -i IFNAME [-b SRCADDR] [-p SRCPORT] [-n COUNT] DSTADDR PORT TAG
 *
 * recv binds two sockets to PORT, one on 0.0.0.0 and one on :: (IPv6
 * only), and prints the payload of every datagram either receives on a
 * line of its own, until killed.  A socket bound to the wildcard address
 * gets what is sent to 255.255.255.255, 224.0.0.1 and ff02::1.
 *
 * send sends COUNT (default 5) datagrams "TAG I" (I from 1), 20 ms
 * apart, out of IFNAME (broadcast allowed, multicast out of IFNAME, hop
 * limit 1), from SRCADDR if given (for IPv6: a link-scope destination
 * would otherwise pick a link-local source) and SRCPORT (a DHCP server's
 * 67) if given.  DSTADDR may be IPv4 or
 * IPv6.  Exits 0 if every datagram was sent, 1 if not, 2 on a usage
 * error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: udpcast recv PORT\n"
		"       udpcast send -i IFNAME [-b SRCADDR] [-p SRCPORT] [-n COUNT]\n"
		"                    DSTADDR PORT TAG\n");
	exit(2);
}

static int port_of(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end || v < 1 || v > 65535)
		bad_usage();
	return v;
}

static int do_recv(int port)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	struct pollfd pfd[2];
	char buf[2048];
	int one = 1, i;
	ssize_t len;

	a4.sin_port = htons(port);
	a6.sin6_port = htons(port);
	pfd[0].fd = socket(AF_INET, SOCK_DGRAM, 0);
	pfd[1].fd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (pfd[0].fd < 0 || pfd[1].fd < 0 ||
	    setsockopt(pfd[1].fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		       sizeof(one)) ||
	    bind(pfd[0].fd, (struct sockaddr *)&a4, sizeof(a4)) ||
	    bind(pfd[1].fd, (struct sockaddr *)&a6, sizeof(a6))) {
		perror("udpcast recv");
		return 2;
	}
	pfd[0].events = POLLIN;
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			perror("poll");
			return 2;
		}
		for (i = 0; i < 2; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			len = recv(pfd[i].fd, buf, sizeof(buf) - 1, 0);
			if (len < 0)
				continue;
			buf[len] = 0;
			printf("%s\n", buf);
			fflush(stdout);
		}
	}
}

static int do_send(int argc, char **argv)
{
	const char *ifname = NULL, *src = NULL;
	struct sockaddr_storage dst = {}, from = {};
	struct sockaddr_in6 *d6 = (void *)&dst, *f6 = (void *)&from;
	struct sockaddr_in *d4 = (void *)&dst, *f4 = (void *)&from;
	struct timespec gap = { 0, 20 * 1000 * 1000 };
	int count = 5, fd, one = 1, ifindex, port, sport = 0, i, c, sent = 0;
	socklen_t alen;
	char msg[256];

	while ((c = getopt(argc, argv, "i:b:p:n:")) != -1) {
		switch (c) {
		case 'i':
			ifname = optarg;
			break;
		case 'b':
			src = optarg;
			break;
		case 'n':
			count = atoi(optarg);
			break;
		case 'p':
			sport = port_of(optarg);
			break;
		default:
			bad_usage();
		}
	}
	if (!ifname || argc - optind != 3 || count < 1)
		bad_usage();
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		perror(ifname);
		return 2;
	}
	port = port_of(argv[optind + 1]);
	if (inet_pton(AF_INET, argv[optind], &d4->sin_addr) == 1) {
		d4->sin_family = AF_INET;
		d4->sin_port = htons(port);
		alen = sizeof(*d4);
	} else if (inet_pton(AF_INET6, argv[optind], &d6->sin6_addr) == 1) {
		d6->sin6_family = AF_INET6;
		d6->sin6_port = htons(port);
		d6->sin6_scope_id = ifindex;
		alen = sizeof(*d6);
	} else {
		bad_usage();
	}

	fd = socket(dst.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
		       strlen(ifname) + 1)) {
		perror("udpcast send");
		return 2;
	}
	if (dst.ss_family == AF_INET) {
		struct ip_mreqn mr = { .imr_ifindex = ifindex };

		if (setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one,
			       sizeof(one)) ||
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr,
			       sizeof(mr))) {
			perror("udpcast send: IPv4 options");
			return 2;
		}
	} else if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex,
			      sizeof(ifindex))) {
		perror("udpcast send: IPv6 options");
		return 2;
	}
	if (src || sport) {
		from.ss_family = dst.ss_family;
		if (src &&
		    ((dst.ss_family == AF_INET &&
		      inet_pton(AF_INET, src, &f4->sin_addr) != 1) ||
		     (dst.ss_family == AF_INET6 &&
		      inet_pton(AF_INET6, src, &f6->sin6_addr) != 1)))
			bad_usage();
		/* sin_port and sin6_port are at the same offset */
		f4->sin_port = htons(sport);
		if (bind(fd, (struct sockaddr *)&from, alen)) {
			perror("udpcast send: bind");
			return 2;
		}
	}
	for (i = 1; i <= count; i++) {
		snprintf(msg, sizeof(msg), "%s %d", argv[optind + 2], i);
		if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&dst,
			   alen) < 0)
			perror("sendto");
		else
			sent++;
		nanosleep(&gap, NULL);
	}
	fprintf(stderr, "sent %d of %d\n", sent, count);
	return sent == count ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		bad_usage();
	if (!strcmp(argv[1], "recv")) {
		if (argc != 3)
			bad_usage();
		return do_recv(port_of(argv[2]));
	}
	if (!strcmp(argv[1], "send"))
		return do_send(argc - 1, argv + 1);
	bad_usage();
	return 2;
}
