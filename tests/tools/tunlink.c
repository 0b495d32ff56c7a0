// SPDX-License-Identifier: GPL-2.0
/*
 * tunlink: change the link type of a tap, as TUNSETLINK lets its owner.
 *
 *   tunlink DEV TYPE
 *
 * attaches to the existing (persistent) tap DEV and asks for ARPHRD
 * type TYPE (a number: 1 is Ethernet, 65534 none).  Exits 0 if the
 * kernel agreed, 1 with its error if not.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct ifreq ifr;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: tunlink DEV TYPE\n");
		return 2;
	}
	fd = open("/dev/net/tun", O_RDWR);
	if (fd < 0) {
		perror("/dev/net/tun");
		return 1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strncpy(ifr.ifr_name, argv[1], IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "TUNSETIFF %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (ioctl(fd, TUNSETLINK, strtoul(argv[2], NULL, 0)) < 0) {
		fprintf(stderr, "TUNSETLINK %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	close(fd);
	return 0;
}
