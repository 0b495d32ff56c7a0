// SPDX-License-Identifier: GPL-2.0
/*
 * segd's metrics endpoint (metrics.h): a minimal HTTP server with one
 * resource, GET /metrics.  Each connection is one request: the answer
 * says "Connection: close" and the socket is closed once it is sent.
 * 404 for another path, 405 for another method on /metrics, 400 for
 * what is not an HTTP/1.x request, 431 for one over METRICS_REQUEST_MAX
 * bytes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"
#include "prom.h"
#include "segctl.h"

struct metrics_client {
	int fd;			/* -1: a free slot */
	int64_t deadline;	/* ms, monotonic */
	size_t len;		/* of the request received */
	char req[METRICS_REQUEST_MAX + 1];
	char *out;		/* the answer, NULL until the request is whole */
	size_t out_len;
	size_t out_off;		/* sent so far */
};

struct metrics {
	int fd;
	uint32_t max_rules;
	/* no fd to accept with: the listener rests until then (ms) */
	int64_t accept_pause;
	struct metrics_client c[METRICS_CLIENTS];
	/* the client of each pollfd metrics_pollfds() filled, -1: fd */
	int slot[METRICS_POLLFDS];
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct metrics *metrics_open(const char *addr, uint32_t max_rules)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV,
	};
	struct addrinfo *ai = NULL;
	struct metrics *m;
	char *host, *port;
	size_t len;
	int one = 1, ret, i;

	host = strdup(addr);
	if (!host) {
		fputs("segd: out of memory\n", stderr);
		return NULL;
	}
	port = strrchr(host, ':');
	if (!port || port == host || !port[1]) {
		fprintf(stderr, "segd: --metrics %s: give ADDR:PORT, %s\n",
			addr, "e.g. 127.0.0.1:9464 or [::1]:9464");
		free(host);
		return NULL;
	}
	*port++ = '\0';
	len = strlen(host);
	if (host[0] == '[' && len > 2 && host[len - 1] == ']') {
		host[len - 1] = '\0';
		memmove(host, host + 1, len - 1);
	}
	ret = getaddrinfo(host, port, &hints, &ai);
	free(host);
	if (ret) {
		fprintf(stderr, "segd: --metrics %s: %s\n", addr,
			gai_strerror(ret));
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		freeaddrinfo(ai);
		fputs("segd: out of memory\n", stderr);
		return NULL;
	}
	m->max_rules = max_rules;
	for (i = 0; i < METRICS_CLIENTS; i++)
		m->c[i].fd = -1;
	m->fd = socket(ai->ai_family,
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->fd < 0 ||
	    setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(m->fd, ai->ai_addr, ai->ai_addrlen) ||
	    listen(m->fd, METRICS_CLIENTS)) {
		fprintf(stderr, "segd: --metrics %s: %s\n", addr,
			strerror(errno));
		if (m->fd >= 0)
			close(m->fd);
		free(m);
		m = NULL;
	}
	freeaddrinfo(ai);
	return m;
}

static void client_close(struct metrics_client *c)
{
	close(c->fd);
	free(c->out);
	c->fd = -1;
	c->out = NULL;
	c->len = 0;
}

void metrics_close(struct metrics *m)
{
	int i;

	if (!m)
		return;
	for (i = 0; i < METRICS_CLIENTS; i++)
		if (m->c[i].fd >= 0)
			client_close(&m->c[i]);
	close(m->fd);
	free(m);
}

unsigned int metrics_pollfds(struct metrics *m, struct pollfd *fds)
{
	unsigned int n = 0;
	int i;

	/* a negative fd is not polled: rest while accept() cannot work */
	fds[n].fd = m->accept_pause > now_ms() ? -1 : m->fd;
	fds[n].events = POLLIN;
	fds[n].revents = 0;
	m->slot[n++] = -1;
	for (i = 0; i < METRICS_CLIENTS; i++) {
		if (m->c[i].fd < 0)
			continue;
		fds[n].fd = m->c[i].fd;
		fds[n].events = m->c[i].out ? POLLOUT : POLLIN;
		fds[n].revents = 0;
		m->slot[n++] = i;
	}
	return n;
}

int metrics_timeout(struct metrics *m)
{
	int64_t first = -1, now = now_ms();
	int i;

	if (m->accept_pause > now)
		first = m->accept_pause;
	for (i = 0; i < METRICS_CLIENTS; i++)
		if (m->c[i].fd >= 0 &&
		    (first < 0 || m->c[i].deadline < first))
			first = m->c[i].deadline;
	if (first < 0)
		return -1;
	return first > now ? (int)(first - now) : 0;
}

/* The answer: a status line, headers and @body (NULL: the reason). */
static void answer(struct metrics_client *c, int code, const char *reason,
		   const char *extra, const char *body, size_t body_len,
		   bool head)
{
	char plain[64];
	FILE *f;
	size_t size;

	if (!body) {
		snprintf(plain, sizeof(plain), "%d %s\n", code, reason);
		body = plain;
		body_len = strlen(plain);
	}
	f = open_memstream(&c->out, &size);
	if (!f)
		return;
	fprintf(f, "HTTP/1.1 %d %s\r\n", code, reason);
	fprintf(f, "Content-Type: %s\r\nContent-Length: %zu\r\n",
		code == 200 ? PROM_CONTENT_TYPE : "text/plain; charset=utf-8",
		body_len);
	fprintf(f, "%sConnection: close\r\n\r\n", extra ? extra : "");
	if (!head)
		fwrite(body, 1, body_len, f);
	if (fclose(f)) {
		free(c->out);
		c->out = NULL;
		return;
	}
	c->out_len = size;
	c->out_off = 0;
}

/* The counters, now. */
static void answer_metrics(struct metrics *m, struct metrics_client *c,
			   bool head)
{
	struct stats_dump d;
	char *body = NULL;
	size_t size = 0;
	FILE *f;
	int ret;

	if (stats_read(&d, NULL, NULL)) {
		answer(c, 500, "Cannot Read The Counters", NULL, NULL, 0,
		       head);
		return;
	}
	f = open_memstream(&body, &size);
	if (!f) {
		stats_free(&d);
		return;
	}
	ret = prom_write(f, &d, m->max_rules);
	stats_free(&d);
	if (fclose(f) || ret)
		answer(c, 500, "Internal Server Error", NULL, NULL, 0, head);
	else
		answer(c, 200, "OK", NULL, body, size, head);
	free(body);
}

/*
 * The request is whole (its headers end in an empty line): answer it.
 * Only the request line matters; a body is not read.
 */
static void handle(struct metrics *m, struct metrics_client *c)
{
	char *method = c->req, *path, *version = NULL, *end;

	end = strpbrk(c->req, "\r\n");
	if (end)
		*end = '\0';
	path = strchr(method, ' ');
	if (path) {
		*path++ = '\0';
		version = strchr(path, ' ');
		if (version)
			*version++ = '\0';
	}
	if (!path || !version || strncmp(version, "HTTP/1.", 7) ||
	    !*method || path[0] != '/') {
		answer(c, 400, "Bad Request", NULL, NULL, 0, false);
		return;
	}
	/* a query string is ignored */
	path[strcspn(path, "?")] = '\0';
	if (strcmp(path, "/metrics")) {
		answer(c, 404, "Not Found", NULL, NULL, 0,
		       !strcmp(method, "HEAD"));
		return;
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		answer(c, 405, "Method Not Allowed", "Allow: GET, HEAD\r\n",
		       NULL, 0, false);
		return;
	}
	answer_metrics(m, c, !strcmp(method, "HEAD"));
}

/* Read what came; once the headers are whole, answer.  false: close. */
static bool client_read(struct metrics *m, struct metrics_client *c)
{
	ssize_t n;

	n = recv(c->fd, c->req + c->len, METRICS_REQUEST_MAX - c->len, 0);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		return false;	/* gone before asking */
	c->len += n;
	c->req[c->len] = '\0';
	if (memchr(c->req, '\0', c->len)) {
		answer(c, 400, "Bad Request", NULL, NULL, 0, false);
	} else if (strstr(c->req, "\r\n\r\n") || strstr(c->req, "\n\n")) {
		handle(m, c);
	} else if (c->len == METRICS_REQUEST_MAX) {
		answer(c, 431, "Request Header Fields Too Large", NULL, NULL,
		       0, false);
	} else {
		return true;	/* more to come */
	}
	return c->out;	/* NULL: no answer, out of memory */
}

/* Send what the socket takes.  false: done, or the client is gone. */
static bool client_write(struct metrics_client *c)
{
	ssize_t n;

	while (c->out_off < c->out_len) {
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		c->out_off += n;
	}
	shutdown(c->fd, SHUT_WR);
	return false;
}

static void accept_clients(struct metrics *m)
{
	int fd, i;

	for (;;) {
		fd = accept4(m->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			/*
			 * Out of fds or memory, the connection stays queued
			 * and the listener readable: poll() would return at
			 * once, forever.  Rest for a second instead.
			 */
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				m->accept_pause = now_ms() + 1000;
			return;	/* none left, or no fd to take it */
		}
		for (i = 0; i < METRICS_CLIENTS && m->c[i].fd >= 0; i++)
			;
		if (i == METRICS_CLIENTS) {
			close(fd);	/* too many at once */
			continue;
		}
		m->c[i].fd = fd;
		m->c[i].len = 0;
		m->c[i].deadline = now_ms() + METRICS_TIMEOUT_MS;
	}
}

void metrics_serve(struct metrics *m, const struct pollfd *fds,
		   unsigned int n)
{
	int64_t now = now_ms();
	unsigned int i;
	bool keep;
	int j;

	for (i = 0; i < n; i++) {
		struct metrics_client *c;

		if (m->slot[i] < 0 || !fds[i].revents)
			continue;
		c = &m->c[m->slot[i]];
		if (c->fd != fds[i].fd)
			continue;
		if (fds[i].revents & (POLLERR | POLLNVAL))
			keep = false;
		else if (c->out)
			keep = client_write(c);
		else
			keep = client_read(m, c) && (!c->out ||
						     client_write(c));
		if (!keep)
			client_close(c);
	}
	/* whoever is still here when time is up */
	for (j = 0; j < METRICS_CLIENTS; j++)
		if (m->c[j].fd >= 0 && m->c[j].deadline <= now)
			client_close(&m->c[j]);
	for (i = 0; i < n; i++)
		if (m->slot[i] < 0 && (fds[i].revents & POLLIN))
			accept_clients(m);
}
