// SPDX-License-Identifier: GPL-2.0
/*
 * vxinject: send one crafted VXLAN packet, as another host's uplink
 * would, or would not.
 *
 *   vxinject [-g GROUP] [-b BIND_ADDR] [-s SPORT] [-p PORT]
 *            DST_ADDR VNI SRC_MAC DST_MAC SRC_IP DST_IP DPORT [PAYLOAD]
 *
 * sends, over an ordinary UDP socket (bound to BIND_ADDR if given, so
 * that the packet comes from that address of the host), one datagram to
 * DST_ADDR port PORT (default 4789, VXLAN's) holding:
 *
 *   the VXLAN header: flags I (0x08), and with -g also G (0x80) and the
 *   16-bit group policy id GROUP (the VXLAN-GBP draft's layout: byte 0
 *   the flags G|I, byte 1 the D and A bits, 0 here, bytes 2-3 the group
 *   id, bytes 4-6 the VNI, byte 7 reserved, 0);
 *
 *   an Ethernet frame SRC_MAC -> DST_MAC carrying IPv4 SRC_IP -> DST_IP
 *   (TTL 64, DF, header checksum) and UDP from SPORT (default 40000) to
 *   DPORT with a correct checksum, whose payload is PAYLOAD (default
 *   "vxinject").
 *
 * Without -g the packet has no group policy id at all (flags I only).
 * Prints nothing; exits 0 once the datagram is sent, 1 if it could not
 * be, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define VXLAN_PORT	4789
#define VXLAN_HLEN	8
#define ETH_HLEN	14
#define IP_HLEN		20
#define UDP_HLEN	8
#define MAX_PAYLOAD	1400

#define VXLAN_FLAG_I	0x08
#define VXLAN_FLAG_G	0x80

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: vxinject [-g GROUP] [-b BIND_ADDR] [-s SPORT] [-p PORT]\n"
		"                DST_ADDR VNI SRC_MAC DST_MAC SRC_IP DST_IP DPORT [PAYLOAD]\n");
	exit(2);
}

static long parse_number(const char *s, const char *what, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "vxinject: %s %s: not a number in [%ld, %ld]\n",
			what, s, min, max);
		exit(2);
	}
	return v;
}

static void parse_addr(const char *s, struct in_addr *a)
{
	if (inet_pton(AF_INET, s, a) != 1) {
		fprintf(stderr, "vxinject: %s: not an IPv4 address\n", s);
		exit(2);
	}
}

static void parse_mac(const char *s, uint8_t *mac)
{
	unsigned int b[6];
	int i, len = 0;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2],
		   &b[3], &b[4], &b[5], &len) != 6 || s[len]) {
		fprintf(stderr, "vxinject: %s: not a MAC address\n", s);
		exit(2);
	}
	for (i = 0; i < 6; i++)
		mac[i] = b[i];
}

static void put16(uint8_t *p, unsigned int v)
{
	p[0] = v >> 8;
	p[1] = v;
}

/* The ones' complement sum of @len bytes, added to @sum, not folded. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	while (len > 1) {
		sum += p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct sockaddr_in src = { .sin_family = AF_INET };
	uint8_t pkt[VXLAN_HLEN + ETH_HLEN + IP_HLEN + UDP_HLEN + MAX_PAYLOAD];
	uint8_t *vx = pkt, *eth, *ip, *udp;
	struct in_addr saddr, daddr;
	long group = -1, vni, sport = 40000, dport;
	const char *payload = "vxinject";
	size_t plen, udp_len, len;
	uint8_t pseudo[12];
	uint32_t sum;
	uint16_t check;
	int c, fd;

	dst.sin_port = htons(VXLAN_PORT);
	while ((c = getopt(argc, argv, "g:b:s:p:")) != -1) {
		switch (c) {
		case 'g':
			group = parse_number(optarg, "group", 0, 0xffff);
			break;
		case 'b':
			parse_addr(optarg, &src.sin_addr);
			break;
		case 's':
			sport = parse_number(optarg, "source port", 1, 65535);
			break;
		case 'p':
			dst.sin_port = htons(parse_number(optarg, "port", 1,
							  65535));
			break;
		default:
			bad_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 7 || argc > 8)
		bad_usage();
	parse_addr(argv[0], &dst.sin_addr);
	vni = parse_number(argv[1], "VNI", 0, 0xffffff);
	if (argc > 7)
		payload = argv[7];
	plen = strlen(payload);
	if (plen > MAX_PAYLOAD) {
		fprintf(stderr, "vxinject: a payload of at most %d bytes\n",
			MAX_PAYLOAD);
		return 2;
	}
	memset(pkt, 0, sizeof(pkt));

	/* VXLAN(-GBP) header */
	vx[0] = VXLAN_FLAG_I;
	if (group >= 0) {
		vx[0] |= VXLAN_FLAG_G;
		put16(vx + 2, group);
	}
	vx[4] = vni >> 16;
	vx[5] = vni >> 8;
	vx[6] = vni;

	/* Ethernet */
	eth = vx + VXLAN_HLEN;
	parse_mac(argv[3], eth);
	parse_mac(argv[2], eth + 6);
	put16(eth + 12, 0x0800);

	/* IPv4 */
	ip = eth + ETH_HLEN;
	parse_addr(argv[4], &saddr);
	parse_addr(argv[5], &daddr);
	udp_len = UDP_HLEN + plen;
	ip[0] = 0x45;
	put16(ip + 2, IP_HLEN + udp_len);
	put16(ip + 4, getpid() & 0xffff);
	put16(ip + 6, 0x4000);		/* DF */
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, &saddr, 4);
	memcpy(ip + 16, &daddr, 4);
	put16(ip + 10, csum_fold(csum_add(0, ip, IP_HLEN)));

	/* UDP, its checksum over the pseudo-header too */
	udp = ip + IP_HLEN;
	dport = parse_number(argv[6], "destination port", 1, 65535);
	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, udp_len);
	memcpy(udp + UDP_HLEN, payload, plen);
	memcpy(pseudo, &saddr, 4);
	memcpy(pseudo + 4, &daddr, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_UDP;
	put16(pseudo + 10, udp_len);
	sum = csum_add(0, pseudo, sizeof(pseudo));
	check = csum_fold(csum_add(sum, udp, udp_len));
	put16(udp + 6, check ? check : 0xffff);

	len = VXLAN_HLEN + ETH_HLEN + IP_HLEN + udp_len;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("vxinject: socket");
		return 1;
	}
	if (src.sin_addr.s_addr != htonl(INADDR_ANY) &&
	    bind(fd, (struct sockaddr *)&src, sizeof(src))) {
		perror("vxinject: bind");
		return 1;
	}
	if (sendto(fd, pkt, len, 0, (struct sockaddr *)&dst,
		   sizeof(dst)) != (ssize_t)len) {
		perror("vxinject: sendto");
		return 1;
	}
	close(fd);
	return 0;
}
