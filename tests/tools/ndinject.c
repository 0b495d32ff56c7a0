// SPDX-License-Identifier: GPL-2.0
/*
 * ndinject: send crafted neighbour discovery and MLD frames on a link,
 * and count the marked ones (and the neighbour advertisements) that
 * arrive on another.
 *
 *   ndinject send -i DEV -s SRC_MAC -d DST_MAC -S SRC_IP -D DST_IP
 *                 -t TYPE [-T TARGET] [-H HOPS] [-c CODE] [-L LLADDR]
 *                 [-F] [-m ID]
 *
 * sends one Ethernet frame SRC_MAC -> DST_MAC on DEV through a packet
 * socket: IPv6 SRC_IP -> DST_IP with hop limit HOPS (default 255 for
 * neighbour discovery, 1 for MLD) and an ICMPv6 message of type TYPE
 * (a number) and code CODE (default 0) with a correct checksum.  Types
 * 135 and 136 (neighbour solicitation and advertisement, the latter with
 * the override flag) carry TARGET and, with -L, a source (135) or target
 * (136) link-layer address option holding LLADDR, as type 133 (router
 * solicitation) does a source one; types 130 to 132 (MLD)
 * carry the group ff05::1234, type 143 (an MLDv2 report) no record.
 * With -F the message follows a fragment header (offset 0, more
 * fragments).  If SRC_IP and DST_IP are IPv4 addresses the frame is
 * IPv4 (TTL HOPS, default 64) with protocol 58 and the same ICMPv6
 * message as its payload.
 *
 *   ndinject send -i DEV -s SRC_MAC -d DST_MAC -S SENDER_IP -D TARGET_IP
 *                 -A OP [-m ID]
 *
 * sends an ARP message instead: operation OP (1 request, 2 reply) from
 * SRC_MAC and SENDER_IP, for TARGET_IP at DST_MAC (zeros in a request).
 *
 * With -C START,OFFSET (either form) the frame is sent behind a virtio
 * header (PACKET_VNET_HDR) that leaves a checksum to compute: over the
 * frame from byte START on, to be written at START + OFFSET, as a VM's
 * virtio driver asks of its tap.
 *
 * Every message ends with the 8-byte marker fd 01 'l' 'c' 't' 'l' and
 * ID (16 bits, default 0): for neighbour discovery an option of a type
 * nobody knows, which receivers skip; for the others bytes past the
 * message (for ARP, in the frame's padding), which they ignore.
 *
 *   ndinject recv -i DEV -w SECONDS
 *
 * counts for SECONDS, or until SIGTERM, the frames DEV receives: those
 * with a marker, by ID, printed as "mark ID COUNT", the neighbour
 * advertisements, by target, printed as "na TARGET COUNT", and those
 * holding an IP packet of over 64 KB (BIG TCP GSO packets), printed as
 * "big COUNT", and the ARP frames, printed as "arp COUNT LONGEST".
 *
 * Exits 0, 1 if a socket call fails, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ETH_HLEN	14
#define IP_HLEN		20
#define IP6_HLEN	40
#define FRAG_HLEN	8
#define FRAME_MAX	256
#define MAX_IDS		256
#define MAX_TARGETS	16

static const uint8_t marker[6] = { 0xfd, 0x01, 'l', 'c', 't', 'l' };

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: ndinject send -i DEV -s SRC_MAC -d DST_MAC -S SRC_IP -D DST_IP\n"
		"                     -t TYPE [-T TARGET] [-H HOPS] [-c CODE] [-L LLADDR]\n"
		"                     [-F] [-m ID]\n"
		"       ndinject send -i DEV -s SRC_MAC -d DST_MAC -S SENDER_IP -D TARGET_IP\n"
		"                     -A OP [-m ID]\n"
		"       (either with [-C CSUM_START,CSUM_OFFSET])\n"
		"       ndinject recv -i DEV -w SECONDS\n");
	exit(2);
}

static long number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || *end || end == s || v < min || v > max)
		bad_usage();
	return v;
}

static void mac(const char *s, uint8_t *m)
{
	if (sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2],
		   &m[3], &m[4], &m[5]) != 6)
		bad_usage();
}

static int packet_socket(const char *dev, struct sockaddr_ll *sll)
{
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));

	if (fd < 0) {
		perror("socket");
		exit(1);
	}
	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_protocol = htons(ETH_P_ALL);
	sll->sll_ifindex = if_nametoindex(dev);
	if (!sll->sll_ifindex) {
		fprintf(stderr, "no device %s\n", dev);
		exit(1);
	}
	if (bind(fd, (struct sockaddr *)sll, sizeof(*sll))) {
		perror("bind");
		exit(1);
	}
	return fd;
}

static uint32_t sum(uint32_t s, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += p[i] << 8 | p[i + 1];
	if (len & 1)
		s += p[len - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

static void put16(uint8_t *p, unsigned int v)
{
	p[0] = v >> 8;
	p[1] = v;
}

/* The ICMPv6 message of @type at @p; returns its length. */
static size_t icmp6_body(uint8_t *p, int type, int code,
			 const struct in6_addr *target, const uint8_t *lladdr,
			 unsigned int id)
{
	size_t len = 8;

	memset(p, 0, 64);
	p[0] = type;
	p[1] = code;
	if (type == 133 && lladdr) {
		p[len] = 1;
		p[len + 1] = 1;
		memcpy(p + len + 2, lladdr, 6);
		len += 8;
	} else if (type == 135 || type == 136) {
		if (type == 136)
			p[4] = 0x20;	/* override */
		memcpy(p + len, target, 16);
		len += 16;
		if (lladdr) {
			p[len] = type == 135 ? 1 : 2;
			p[len + 1] = 1;
			memcpy(p + len + 2, lladdr, 6);
			len += 8;
		}
	} else if (type >= 130 && type <= 132) {
		struct in6_addr group;

		inet_pton(AF_INET6, "ff05::1234", &group);
		memcpy(p + len, &group, 16);
		len += 16;
	}
	memcpy(p + len, marker, sizeof(marker));
	put16(p + len + 6, id);
	return len + 8;
}

static int do_send(int argc, char **argv)
{
	const char *dev = NULL, *src = NULL, *dst = NULL;
	uint8_t frame[FRAME_MAX + 16] = {}, lladdr[6], *l3, *icmp;
	int type = -1, code = 0, hops = -1, frag = 0, arp = 0, opt, fd;
	int csum_start = -1, csum_offset = 0;
	struct in6_addr s6, d6, target = {};
	struct in_addr s4, d4;
	int have_lladdr = 0, v4;
	unsigned int id = 0;
	struct sockaddr_ll sll;
	size_t len, plen;
	uint32_t c;

	while ((opt = getopt(argc, argv, "i:s:d:S:D:t:T:H:c:L:Fm:A:C:")) != -1) {
		switch (opt) {
		case 'i': dev = optarg; break;
		case 's': mac(optarg, frame + 6); break;
		case 'd': mac(optarg, frame); break;
		case 'S': src = optarg; break;
		case 'D': dst = optarg; break;
		case 't': type = number(optarg, 0, 255); break;
		case 'T':
			if (inet_pton(AF_INET6, optarg, &target) != 1)
				bad_usage();
			break;
		case 'H': hops = number(optarg, 0, 255); break;
		case 'c': code = number(optarg, 0, 255); break;
		case 'L': mac(optarg, lladdr); have_lladdr = 1; break;
		case 'F': frag = 1; break;
		case 'm': id = number(optarg, 0, 65535); break;
		case 'A': arp = number(optarg, 1, 2); break;
		case 'C':
			if (sscanf(optarg, "%d,%d", &csum_start, &csum_offset) != 2 ||
			    csum_start < 0 || csum_start > FRAME_MAX ||
			    csum_offset < 0 || csum_offset > FRAME_MAX)
				bad_usage();
			break;
		default: bad_usage();
		}
	}
	if (!dev || !src || !dst || (type < 0 && !arp))
		bad_usage();
	v4 = inet_pton(AF_INET, src, &s4) == 1;
	if (v4 ? inet_pton(AF_INET, dst, &d4) != 1 :
		 inet_pton(AF_INET6, src, &s6) != 1 ||
		 inet_pton(AF_INET6, dst, &d6) != 1)
		bad_usage();

	l3 = frame + ETH_HLEN;
	if (arp) {
		if (!v4)
			bad_usage();
		put16(frame + 12, ETH_P_ARP);
		put16(l3, 1);			/* Ethernet */
		put16(l3 + 2, ETH_P_IP);
		l3[4] = 6;
		l3[5] = 4;
		put16(l3 + 6, arp);
		memcpy(l3 + 8, frame + 6, 6);	/* sender: the source MAC */
		memcpy(l3 + 14, &s4, 4);
		if (arp == 2)
			memcpy(l3 + 18, frame, 6);
		memcpy(l3 + 24, &d4, 4);
		memcpy(l3 + 28, marker, sizeof(marker));
		put16(l3 + 34, id);
		len = ETH_HLEN + 36;
	} else if (v4) {
		put16(frame + 12, ETH_P_IP);
		icmp = l3 + IP_HLEN;
		plen = icmp6_body(icmp, type, code, &target,
				  have_lladdr ? lladdr : NULL, id);
		l3[0] = 0x45;
		put16(l3 + 2, IP_HLEN + plen);
		l3[8] = hops < 0 ? 64 : hops;
		l3[9] = IPPROTO_ICMPV6;
		memcpy(l3 + 12, &s4, 4);
		memcpy(l3 + 16, &d4, 4);
		put16(l3 + 10, fold(sum(0, l3, IP_HLEN)));
		/* Summed as ICMPv6 would be, over an IPv4 pseudo-header. */
		c = sum(0, l3 + 12, 8) + IPPROTO_ICMPV6 + plen;
		put16(icmp + 2, fold(sum(c, icmp, plen)));
		len = ETH_HLEN + IP_HLEN + plen;
	} else {
		if (hops < 0)
			hops = type == 135 || type == 136 || type == 133 ?
			       255 : 1;
		put16(frame + 12, ETH_P_IPV6);
		icmp = l3 + IP6_HLEN + (frag ? FRAG_HLEN : 0);
		plen = icmp6_body(icmp, type, code, &target,
				  have_lladdr ? lladdr : NULL, id);
		l3[0] = 0x60;
		put16(l3 + 4, plen + (frag ? FRAG_HLEN : 0));
		l3[6] = frag ? 44 : IPPROTO_ICMPV6;
		l3[7] = hops;
		memcpy(l3 + 8, &s6, 16);
		memcpy(l3 + 24, &d6, 16);
		if (frag) {
			uint8_t *fh = l3 + IP6_HLEN;

			fh[0] = IPPROTO_ICMPV6;
			put16(fh + 2, 1);		/* offset 0, more */
			memcpy(fh + 4, "\x12\x34\x56\x78", 4);
		}
		c = sum(0, l3 + 8, 32) + IPPROTO_ICMPV6 + plen;
		put16(icmp + 2, fold(sum(c, icmp, plen)));
		len = ETH_HLEN + IP6_HLEN + (frag ? FRAG_HLEN : 0) + plen;
	}

	fd = packet_socket(dev, &sll);
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, frame, 6);
	if (csum_start >= 0) {
		/* The frame goes out behind a virtio header asking for it. */
		struct virtio_net_hdr vh = {
			.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
			.gso_type = VIRTIO_NET_HDR_GSO_NONE,
			.csum_start = csum_start,
			.csum_offset = csum_offset,
		};
		int one = 1;

		if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one,
			       sizeof(one))) {
			perror("PACKET_VNET_HDR");
			return 1;
		}
		memmove(frame + sizeof(vh), frame, len);
		memcpy(frame, &vh, sizeof(vh));
		len += sizeof(vh);
	}
	if (sendto(fd, frame, len, 0, (struct sockaddr *)&sll,
		   sizeof(sll)) != (ssize_t)len) {
		perror("sendto");
		return 1;
	}
	close(fd);
	return 0;
}

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int do_recv(int argc, char **argv)
{
	static unsigned int marks[MAX_IDS + 1];
	struct in6_addr targets[MAX_TARGETS];
	unsigned int nas[MAX_TARGETS] = {};
	uint8_t buf[2048];
	const char *dev = NULL;
	struct sockaddr_ll sll;
	unsigned int i, n_targets = 0, big = 0, arp = 0;
	size_t arp_max = 0;
	struct sigaction sa = { .sa_handler = on_term };
	double secs = -1, end;
	int opt, fd;
	char a[INET6_ADDRSTRLEN];

	while ((opt = getopt(argc, argv, "i:w:")) != -1) {
		switch (opt) {
		case 'i': dev = optarg; break;
		case 'w': secs = number(optarg, 1, 600); break;
		default: bad_usage();
		}
	}
	if (!dev || secs < 0)
		bad_usage();
	sigaction(SIGTERM, &sa, NULL);
	fd = packet_socket(dev, &sll);
	end = now() + secs;

	while (!stop && now() < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		socklen_t sl = sizeof(sll);
		ssize_t len;
		size_t j;

		if (poll(&pfd, 1, (end - now()) * 1000 + 1) <= 0)
			continue;
		/* MSG_TRUNC: the frame's length, not what was copied. */
		len = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC,
			       (struct sockaddr *)&sll, &sl);
		if (len < 0 || sll.sll_pkttype == PACKET_OUTGOING)
			continue;
		if (len > 65535 + ETH_HLEN)
			big++;
		if (len >= ETH_HLEN && buf[12] == 0x08 && buf[13] == 0x06) {
			arp++;
			if ((size_t)len > arp_max)
				arp_max = len;
		}
		if (len > (ssize_t)sizeof(buf))
			len = sizeof(buf);
		for (j = ETH_HLEN; j + 8 <= (size_t)len; j++) {
			if (!memcmp(buf + j, marker, sizeof(marker))) {
				unsigned int id = buf[j + 6] << 8 | buf[j + 7];

				marks[id < MAX_IDS ? id : MAX_IDS]++;
				break;
			}
		}
		/* An advertisement right after the IPv6 header. */
		if (len >= ETH_HLEN + IP6_HLEN + 24 &&
		    buf[12] == 0x86 && buf[13] == 0xdd &&
		    buf[ETH_HLEN + 6] == IPPROTO_ICMPV6 &&
		    buf[ETH_HLEN + IP6_HLEN] == 136) {
			const uint8_t *t = buf + ETH_HLEN + IP6_HLEN + 8;

			for (i = 0; i < n_targets; i++)
				if (!memcmp(&targets[i], t, 16))
					break;
			if (i == n_targets && n_targets < MAX_TARGETS)
				memcpy(&targets[n_targets++], t, 16);
			if (i < n_targets)
				nas[i]++;
		}
	}
	for (i = 0; i <= MAX_IDS; i++)
		if (marks[i])
			printf("mark %u %u\n", i, marks[i]);
	for (i = 0; i < n_targets; i++)
		printf("na %s %u\n",
		       inet_ntop(AF_INET6, &targets[i], a, sizeof(a)), nas[i]);
	printf("big %u\n", big);
	printf("arp %u %zu\n", arp, arp_max);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		bad_usage();
	if (!strcmp(argv[1], "send"))
		return do_send(argc - 1, argv + 1);
	if (!strcmp(argv[1], "recv"))
		return do_recv(argc - 1, argv + 1);
	bad_usage();
	return 2;
}
