// SPDX-License-Identifier: GPL-2.0
/*
 * tapwire: stand in for a VM behind a tap device.
 *
 *   tapwire HOSTDEV NETNS GUESTDEV
 *
 * creates the tap HOSTDEV in the current network namespace (the one a
 * hypervisor would attach to segfilter) and a second tap GUESTDEV in the
 * namespace /run/netns/NETNS (the "VM", where the guest's IP stack
 * lives), then copies frames between the two until killed.  What a
 * hypervisor's virtio backend would do, in forty lines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int tap_open(const char *name)
{
	struct ifreq ifr;
	int fd;

	fd = open("/dev/net/tun", O_RDWR);
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	char path[256], buf[65536];
	struct pollfd pfd[2];
	int host, guest, ns, i;

	if (argc != 4) {
		fprintf(stderr, "usage: tapwire HOSTDEV NETNS GUESTDEV\n");
		return 2;
	}
	host = tap_open(argv[1]);
	if (host < 0) {
		perror("tapwire: host tap");
		return 1;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", argv[2]);
	ns = open(path, O_RDONLY);
	if (ns < 0 || setns(ns, CLONE_NEWNET) < 0) {
		perror("tapwire: setns");
		return 1;
	}
	guest = tap_open(argv[3]);
	if (guest < 0) {
		perror("tapwire: guest tap");
		return 1;
	}

	pfd[0].fd = host;
	pfd[1].fd = guest;
	pfd[0].events = pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		for (i = 0; i < 2; i++) {
			ssize_t n;

			if (!(pfd[i].revents & POLLIN))
				continue;
			n = read(pfd[i].fd, buf, sizeof(buf));
			/* A frame the other side cannot take is lost, as on a wire. */
			if (n > 0 && write(pfd[!i].fd, buf, n) < 0 &&
			    errno != EIO && errno != EAGAIN)
				return 1;
		}
	}
}
