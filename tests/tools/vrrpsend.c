// SPDX-License-Identifier: GPL-2.0
/*
 * vrrpsend: VRRP advertisements as a router of a VRRP pair sends them,
 * to see which guests a real VRRP packet reaches.
 *
 *   vrrpsend -i IFNAME [-n COUNT] [-r VRID] VIP
 *
 * sends COUNT (default 5) VRRPv2 advertisements (RFC 3768: version 2,
 * type 1, priority 100, one virtual address VIP, no authentication,
 * advertisement interval 1 s, checksummed), 20 ms apart, out of IFNAME
 * through a raw IP socket: IP protocol 112, TTL 255, to 224.0.0.18,
 * whose Ethernet destination the stack makes 01:00:5e:00:00:12.  VRID
 * defaults to 1.  Exits 0 if every advertisement was sent, 1 if not, 2
 * on a usage error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define VRRP_PROTO	112
#define VRRP_GROUP	"224.0.0.18"
#define VRRP_TTL	255

/* RFC 3768 5.1, with one virtual address and no authentication data. */
struct vrrp_adv {
	uint8_t vers_type;
	uint8_t vrid;
	uint8_t priority;
	uint8_t n_addrs;
	uint8_t auth_type;
	uint8_t adver_int;
	uint16_t csum;
	struct in_addr addr;
	uint8_t auth[8];
};

static void bad_usage(void)
{
	fprintf(stderr, "usage: vrrpsend -i IFNAME [-n COUNT] [-r VRID] VIP\n");
	exit(2);
}

static long number(const char *s, long min, long max)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end || v < min || v > max)
		bad_usage();
	return v;
}

/* The Internet checksum of @len bytes at @p. */
static uint16_t csum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct timespec gap = { 0, 20 * 1000 * 1000 };
	struct vrrp_adv adv = {
		.vers_type = 0x21,
		.priority = 100,
		.n_addrs = 1,
		.adver_int = 1,
	};
	const char *ifname = NULL;
	long count = 5, vrid = 1, i;
	struct ip_mreqn mif = { 0 };
	int fd, ttl = VRRP_TTL, loop = 0, opt;

	while ((opt = getopt(argc, argv, "i:n:r:")) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 'n':
			count = number(optarg, 1, 100000);
			break;
		case 'r':
			vrid = number(optarg, 1, 255);
			break;
		default:
			bad_usage();
		}
	}
	if (!ifname || optind != argc - 1 ||
	    inet_pton(AF_INET, argv[optind], &adv.addr) != 1)
		bad_usage();
	mif.imr_ifindex = if_nametoindex(ifname);
	if (!mif.imr_ifindex) {
		perror(ifname);
		return 2;
	}
	adv.vrid = vrid;
	adv.csum = csum(&adv, sizeof(adv));
	inet_pton(AF_INET, VRRP_GROUP, &dst.sin_addr);

	fd = socket(AF_INET, SOCK_RAW, VRRP_PROTO);
	if (fd < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mif, sizeof(mif)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop,
		       sizeof(loop))) {
		perror("vrrpsend: socket");
		return 1;
	}
	for (i = 0; i < count; i++) {
		if (i)
			nanosleep(&gap, NULL);
		if (sendto(fd, &adv, sizeof(adv), 0, (struct sockaddr *)&dst,
			   sizeof(dst)) != sizeof(adv)) {
			perror("vrrpsend: sendto");
			return 1;
		}
	}
	close(fd);
	return 0;
}
