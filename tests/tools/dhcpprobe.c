// SPDX-License-Identifier: GPL-2.0
/*
 * dhcpprobe: one DHCP client message, crafted field by field, and the
 * answer to it, to check what the gateway does with messages a real
 * client rarely sends.
 *
 *   dhcpprobe -i IFNAME -t TYPE [-s SRC_IP] [-c CIADDR] [-b] [-w SECS]
 *   dhcpprobe -x UNDERLAY_ADDR -v VNI -g GROUP -m SRC_MAC -t TYPE
 *             [-s SRC_IP] [-c CIADDR] [-b]
 *
 * The message is a BOOTREQUEST for Ethernet with DHCP's cookie, option
 * 53 TYPE (1 discover, 3 request, 8 inform...) and a parameter request
 * list (mask, router, DNS), chaddr the sender's MAC, ciaddr CIADDR
 * (default 0.0.0.0), the broadcast flag with -b; in an Ethernet
 * broadcast from that MAC carrying IPv4 SRC_IP (default 0.0.0.0) ->
 * 255.255.255.255, UDP 68 -> 67, checksummed.
 *
 * With -i it leaves IFNAME through a packet socket, from IFNAME's MAC;
 * then the first DHCP answer to it (a BOOTREPLY from port 67 with its
 * xid) received on IFNAME within SECS (default 3) is printed on one line:
 *
 *   type=5 yiaddr=0.0.0.0 ciaddr=0.0.0.0 daddr=10.9.0.18 \
 *   dmac=02:00:00:00:00:09 server=10.9.0.1 router=10.9.0.1
 *
 * (daddr and dmac the answer's IP and Ethernet destinations; server and
 * router options 54 and 3, "-" if absent).  A UDP socket bound to port
 * 68 on IFNAME, if the port is free, takes the answer so that no ICMP
 * error goes back.  Exits 0 once an answer is printed, 1 if none came.
 *
 * With -x it is sent from SRC_MAC as a remote endpoint's host would
 * send it: in VXLAN-GBP (flags G|I, group GROUP, VNI) over UDP to
 * UNDERLAY_ADDR port 4789, and nothing is awaited.  Exits 0 once sent.
 *
 * Either way 1 if it could not be sent, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ETH_HLEN	14
#define IP_HLEN		20
#define UDP_HLEN	8
#define VXLAN_HLEN	8
#define BOOTP_LEN	240	/* the fixed part and the cookie */
#define OPTS_LEN	12
#define MSG_LEN		(ETH_HLEN + IP_HLEN + UDP_HLEN + BOOTP_LEN + OPTS_LEN)
#define DHCP_MAGIC	0x63825363

/* Offsets in the BOOTP message. */
#define BP_OP		0
#define BP_XID		4
#define BP_FLAGS	10
#define BP_CIADDR	12
#define BP_YIADDR	16
#define BP_CHADDR	28
#define BP_MAGIC	236

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: dhcpprobe -i IFNAME -t TYPE [-s SRC_IP] [-c CIADDR] [-b] [-w SECS]\n"
		"       dhcpprobe -x UNDERLAY_ADDR -v VNI -g GROUP -m SRC_MAC -t TYPE\n"
		"                 [-s SRC_IP] [-c CIADDR] [-b]\n");
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

static void addr_of(const char *s, struct in_addr *a)
{
	if (inet_pton(AF_INET, s, a) != 1)
		bad_usage();
}

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* The whole frame at @f, from @mac, @src, with @xid. */
static void build(uint8_t *f, const uint8_t *mac, struct in_addr src,
		  struct in_addr ciaddr, uint8_t type, int bcast, uint32_t xid)
{
	uint8_t *ip = f + ETH_HLEN, *udp = ip + IP_HLEN, *bp = udp + UDP_HLEN;
	uint8_t *o = bp + BOOTP_LEN;
	size_t ulen = UDP_HLEN + BOOTP_LEN + OPTS_LEN;
	uint32_t sum, magic = htonl(DHCP_MAGIC);
	struct in_addr dst = { htonl(INADDR_BROADCAST) };

	memset(f, 0, MSG_LEN);
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	put16(f + 12, ETHERTYPE_IP);

	ip[0] = 0x45;
	put16(ip + 2, IP_HLEN + ulen);
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	put16(ip + 10, fold(sum16(ip, IP_HLEN, 0)));

	bp[BP_OP] = 1;
	bp[1] = 1;		/* htype Ethernet */
	bp[2] = 6;		/* hlen */
	memcpy(bp + BP_XID, &xid, 4);
	if (bcast)
		put16(bp + BP_FLAGS, 0x8000);
	memcpy(bp + BP_CIADDR, &ciaddr, 4);
	memcpy(bp + BP_CHADDR, mac, 6);
	memcpy(bp + BP_MAGIC, &magic, 4);
	o[0] = 53;
	o[1] = 1;
	o[2] = type;
	o[3] = 55;
	o[4] = 3;
	o[5] = 1;
	o[6] = 3;
	o[7] = 6;
	o[8] = 255;

	put16(udp, 68);
	put16(udp + 2, 67);
	put16(udp + 4, ulen);
	sum = sum16(ip + 12, 8, IPPROTO_UDP + ulen);
	sum = fold(sum16(udp, ulen, sum));
	put16(udp + 6, sum ? sum : 0xffff);
}

/* Option @code of the answer's options at @o (@len bytes), or NULL. */
static const uint8_t *option(const uint8_t *o, size_t len, uint8_t code,
			     uint8_t want)
{
	size_t i = 0;

	while (i < len && o[i] != 255) {
		if (!o[i]) {
			i++;
			continue;
		}
		if (i + 2 > len || i + 2 + o[i + 1] > len)
			return NULL;
		if (o[i] == code && o[i + 1] >= want)
			return o + i + 2;
		i += 2 + o[i + 1];
	}
	return NULL;
}

static const char *ntoa(const void *p)
{
	static char buf[4][INET_ADDRSTRLEN];
	static int n;
	char *b = buf[n++ % 4];

	if (!p)
		return "-";
	inet_ntop(AF_INET, p, b, INET_ADDRSTRLEN);
	return b;
}

/* Print the answer in @f (@len bytes) if it is one to @xid. */
static int answer(const uint8_t *f, size_t len, uint32_t xid)
{
	const uint8_t *ip = f + ETH_HLEN, *udp, *bp, *type;
	size_t hl;

	if (len < ETH_HLEN + IP_HLEN ||
	    f[12] != (ETHERTYPE_IP >> 8) || f[13] != (ETHERTYPE_IP & 0xff) ||
	    ip[9] != IPPROTO_UDP)
		return 0;
	hl = (ip[0] & 0xf) * 4;
	udp = ip + hl;
	bp = udp + UDP_HLEN;
	if (len < ETH_HLEN + hl + UDP_HLEN + BOOTP_LEN ||
	    udp[0] != 0 || udp[1] != 67 || udp[2] != 0 || udp[3] != 68 ||
	    bp[BP_OP] != 2 || memcmp(bp + BP_XID, &xid, 4))
		return 0;
	len -= bp + BOOTP_LEN - f;
	type = option(bp + BOOTP_LEN, len, 53, 1);
	printf("type=%d yiaddr=%s ciaddr=%s daddr=%s ", type ? *type : 0,
	       ntoa(bp + BP_YIADDR), ntoa(bp + BP_CIADDR), ntoa(ip + 16));
	printf("dmac=%02x:%02x:%02x:%02x:%02x:%02x server=%s router=%s\n",
	       f[0], f[1], f[2], f[3], f[4], f[5],
	       ntoa(option(bp + BOOTP_LEN, len, 54, 4)),
	       ntoa(option(bp + BOOTP_LEN, len, 3, 4)));
	return 1;
}

static int local(const char *ifname, uint8_t type, struct in_addr src,
		 struct in_addr ciaddr, int bcast, int secs, uint32_t xid)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(68) };
	struct sockaddr_ll ll = { .sll_family = AF_PACKET };
	uint8_t f[MSG_LEN], buf[2048];
	struct timespec end, now;
	struct pollfd pfd;
	struct ifreq ifr;
	int fd, ufd, ms;
	socklen_t sl;
	ssize_t n;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ll.sll_ifindex = if_nametoindex(ifname);
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (!ll.sll_ifindex || fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) ||
	    bind(fd, (struct sockaddr *)&ll, sizeof(ll))) {
		perror("dhcpprobe");
		return 1;
	}
	/* The answer's taker, if the port is free: no ICMP error back. */
	ufd = socket(AF_INET, SOCK_DGRAM, 0);
	if (ufd >= 0 &&
	    (setsockopt(ufd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
			strlen(ifname)) ||
	     bind(ufd, (struct sockaddr *)&a4, sizeof(a4)))) {
		close(ufd);
		ufd = -1;
	}
	build(f, (uint8_t *)ifr.ifr_hwaddr.sa_data, src, ciaddr, type, bcast,
	      xid);
	if (send(fd, f, sizeof(f), 0) != sizeof(f)) {
		perror("dhcpprobe: send");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += secs;
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (end.tv_sec - now.tv_sec) * 1000 +
		     (end.tv_nsec - now.tv_nsec) / 1000000;
		if (ms <= 0 || poll(&pfd, 1, ms) <= 0)
			break;
		sl = sizeof(ll);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ll,
			     &sl);
		if (n > 0 && ll.sll_pkttype != PACKET_OUTGOING &&
		    answer(buf, n, xid))
			return 0;
	}
	if (ufd >= 0)
		close(ufd);
	return 1;
}

static int remote(const char *under, long vni, long group, const char *smac,
		  uint8_t type, struct in_addr src, struct in_addr ciaddr,
		  int bcast, uint32_t xid)
{
	struct sockaddr_in dst = { .sin_family = AF_INET,
				   .sin_port = htons(4789) };
	uint8_t pkt[VXLAN_HLEN + MSG_LEN] = { 0 }, mac[6];
	int fd;

	addr_of(under, &dst.sin_addr);
	if (sscanf(smac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		   &mac[2], &mac[3], &mac[4], &mac[5]) != 6)
		bad_usage();
	pkt[0] = 0x88;			/* G | I */
	put16(pkt + 2, group);
	pkt[4] = vni >> 16;
	pkt[5] = vni >> 8;
	pkt[6] = vni;
	build(pkt + VXLAN_HLEN, mac, src, ciaddr, type, bcast, xid);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&dst,
			     sizeof(dst)) != sizeof(pkt)) {
		perror("dhcpprobe: sendto");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *ifname = NULL, *under = NULL, *smac = NULL;
	struct in_addr src = { 0 }, ciaddr = { 0 };
	long type = 0, vni = -1, group = -1, secs = 3;
	int bcast = 0, opt;
	uint32_t xid;

	while ((opt = getopt(argc, argv, "i:t:s:c:bw:x:v:g:m:")) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 't':
			type = number(optarg, 1, 255);
			break;
		case 's':
			addr_of(optarg, &src);
			break;
		case 'c':
			addr_of(optarg, &ciaddr);
			break;
		case 'b':
			bcast = 1;
			break;
		case 'w':
			secs = number(optarg, 1, 60);
			break;
		case 'x':
			under = optarg;
			break;
		case 'v':
			vni = number(optarg, 0, 0xffffff);
			break;
		case 'g':
			group = number(optarg, 0, 0xffff);
			break;
		case 'm':
			smac = optarg;
			break;
		default:
			bad_usage();
		}
	}
	if (optind != argc || !type || !ifname == !under ||
	    (under && (vni < 0 || group < 0 || !smac)))
		bad_usage();
	if (getrandom(&xid, sizeof(xid), 0) != sizeof(xid))
		xid = time(NULL) ^ getpid();
	if (ifname)
		return local(ifname, type, src, ciaddr, bcast, secs, xid);
	return remote(under, vni, group, smac, type, src, ciaddr, bcast, xid);
}
