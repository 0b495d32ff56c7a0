// SPDX-License-Identifier: GPL-2.0
/*
 * gso4set: set a device's IPv4 GSO and GRO maximum sizes (IPv4 BIG TCP,
 * Linux 6.3 on), which the guest's iproute2 cannot.
 *
 *   gso4set DEV SIZE
 *
 * sends one RTM_NEWLINK for DEV with IFLA_GSO_IPV4_MAX_SIZE and
 * IFLA_GRO_IPV4_MAX_SIZE set to SIZE.  A kernel older than 6.3 ignores
 * both.  Exits 0 when the kernel acknowledged, 1 with its error, 2 on a
 * usage error.
 */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct req {
	struct nlmsghdr nlh;
	struct ifinfomsg ifi;
	char attrs[64];
};

static void put_u32(struct req *r, unsigned short type, uint32_t v)
{
	struct rtattr *rta = (void *)((char *)r + NLMSG_ALIGN(r->nlh.nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(sizeof(v));
	memcpy(RTA_DATA(rta), &v, sizeof(v));
	r->nlh.nlmsg_len = NLMSG_ALIGN(r->nlh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

int main(int argc, char **argv)
{
	struct req r = {};
	char buf[4096];
	struct nlmsghdr *nlh = (void *)buf;
	unsigned long size;
	char *end;
	int fd;
	ssize_t n;

	if (argc != 3) {
		fprintf(stderr, "usage: gso4set DEV SIZE\n");
		return 2;
	}
	size = strtoul(argv[2], &end, 0);
	if (*end || !size || size > UINT32_MAX) {
		fprintf(stderr, "gso4set: bad size %s\n", argv[2]);
		return 2;
	}
	r.ifi.ifi_family = AF_UNSPEC;
	r.ifi.ifi_index = if_nametoindex(argv[1]);
	if (!r.ifi.ifi_index) {
		fprintf(stderr, "gso4set: no device %s\n", argv[1]);
		return 1;
	}
	r.nlh.nlmsg_len = NLMSG_LENGTH(sizeof(r.ifi));
	r.nlh.nlmsg_type = RTM_NEWLINK;
	r.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	put_u32(&r, IFLA_GSO_IPV4_MAX_SIZE, size);
	put_u32(&r, IFLA_GRO_IPV4_MAX_SIZE, size);

	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	if (fd < 0 || send(fd, &r, r.nlh.nlmsg_len, 0) < 0) {
		perror("gso4set");
		return 1;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) ||
	    nlh->nlmsg_type != NLMSG_ERROR) {
		fprintf(stderr, "gso4set: no answer\n");
		return 1;
	}
	errno = -((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
	if (errno) {
		perror("gso4set");
		return 1;
	}
	close(fd);
	return 0;
}
