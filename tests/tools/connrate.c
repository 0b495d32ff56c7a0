// SPDX-License-Identifier: GPL-2.0
/*
 * connrate: how many TCP connections a client completes per second.
 *
 *   connrate serve PORT
 *   connrate connect [-t SECS] [-w TIMEOUT_MS] ADDR PORT
 *
 * serve accepts every connection to PORT (IPv4, any local address) and
 * closes it at once, until killed.
 *
 * connect opens connections to ADDR:PORT one after the other for SECS
 * seconds (default 3): socket(), a blocking connect() of at most
 * TIMEOUT_MS (default 1000), close().  A connection counts when its
 * connect() completed, that is when the handshake crossed both ways.
 * Prints one line on stdout:
 *
 *   connections N failed F secs S rate R median_us M p99_us P max_us X
 *
 * R is N / S, the others the time each completed connect() took.  Exits
 * 0 if at least one connection completed, 1 if none did, 2 on a usage or
 * system error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SAMPLES	200000

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: connrate serve PORT\n"
		"       connrate connect [-t SECS] [-w TIMEOUT_MS] ADDR PORT\n");
	exit(2);
}

static long parse_number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "connrate: %s: not a number in [%ld, %ld]\n",
			s, min, max);
		exit(2);
	}
	return v;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int serve(int port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
	};
	int one = 1, fd, c;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(fd, 1024)) {
		perror("connrate: listen");
		return 2;
	}
	for (;;) {
		c = accept(fd, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("connrate: accept");
			return 2;
		}
		close(c);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int client(const char *addr, int port, int secs, int timeout_ms)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
	};
	struct timeval tv = {
		.tv_sec = timeout_ms / 1000,
		.tv_usec = (timeout_ms % 1000) * 1000,
	};
	double *lat, t0, t, end, elapsed;
	long n = 0, failed = 0;
	int fd;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "connrate: %s: not an IPv4 address\n", addr);
		return 2;
	}
	lat = calloc(MAX_SAMPLES, sizeof(*lat));
	if (!lat) {
		perror("connrate: calloc");
		return 2;
	}
	t0 = now();
	end = t0 + secs;
	while ((t = now()) < end && n < MAX_SAMPLES) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0) {
			perror("connrate: socket");
			return 2;
		}
		/* SO_SNDTIMEO bounds a blocking connect(). */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
			lat[n++] = now() - t;
		else
			failed++;
		close(fd);
	}
	elapsed = now() - t0;
	qsort(lat, n, sizeof(*lat), cmp_double);
	printf("connections %ld failed %ld secs %.2f rate %.0f ",
	       n, failed, elapsed, n / elapsed);
	printf("median_us %.0f p99_us %.0f max_us %.0f\n",
	       n ? lat[n / 2] * 1e6 : 0, n ? lat[(n * 99) / 100] * 1e6 : 0,
	       n ? lat[n - 1] * 1e6 : 0);
	free(lat);
	return n ? 0 : 1;
}

int main(int argc, char **argv)
{
	int secs = 3, timeout_ms = 1000, opt;

	if (argc >= 3 && !strcmp(argv[1], "serve") && argc == 3)
		return serve(parse_number(argv[2], 1, 65535));
	if (argc < 2 || strcmp(argv[1], "connect"))
		bad_usage();
	optind = 2;
	while ((opt = getopt(argc, argv, "t:w:")) != -1) {
		switch (opt) {
		case 't':
			secs = parse_number(optarg, 1, 86400);
			break;
		case 'w':
			timeout_ms = parse_number(optarg, 1, 60000);
			break;
		default:
			bad_usage();
		}
	}
	if (argc - optind != 2)
		bad_usage();
	return client(argv[optind], parse_number(argv[optind + 1], 1, 65535),
		      secs, timeout_ms);
}
