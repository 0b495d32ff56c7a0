// SPDX-License-Identifier: GPL-2.0
/*
 * etcdtest: drive ctl/etcd.c (the etcd client of segd) from a shell, for
 * tests/selftests/etcd.sh.
 *
 * usage: etcdtest [-e ENDPOINTS] [-u USER:PASSWORD] [-c CAFILE] [-t MS] CMD ARGS
 *   -c CAFILE                 the CA that signed https:// endpoints' certificates
 *   put KEY VALUE [LEASE]     one put; prints "revision R"
 *   txn OP...                 one transaction of put:KEY=VALUE, del:KEY,
 *                             delprefix:PREFIX, on the conditions
 *                             ifmod:KEY=REV (KEY's mod_revision is REV, 0:
 *                             KEY does not exist); prints "revision R"
 *   fill PREFIX N [PER_TXN]   PREFIX00000.. PREFIX<N-1> = "v<i>" in
 *                             transactions of PER_TXN (default 500) puts
 *   range KEY|PREFIX* [REV]   prints "revision R count N", then one line
 *                             per key: "KEY VALUE mod=M version=V lease=L";
 *                             a trailing * means the prefix
 *   watch KEY|PREFIX* FROM N MS  prints "created", then each response
 *                             "rev R: put K=V del K ..." until N responses
 *                             with events came (else exits 1 after MS),
 *                             "compacted C" (exit 5) if FROM is compacted
 *   watchfd PREFIX*           a watch and a pipe with a byte in it:
 *                             etcd_watch_poll() must report the pipe
 *   lease-grant TTL           prints the lease ID
 *   lease-keepalive ID        prints "ttl T"
 *   lease-revoke ID
 *   compact REV
 *   again N FILE CMD ARGS     CMD N times in one process (one client:
 *                             its auth token is kept), each time after
 *                             the first once FILE exists (it is removed)
 *   post PATH JSON            a raw POST to the first endpoint (with -u,
 *                             a token of that user); prints the answer,
 *                             fails on an etcd error
 *   fake PORT MODE            a fake etcd answering every request with
 *                             MODE: garbage, http500, huge (announces 1 GB),
 *                             truncated, badwatch (a created line, then
 *                             garbage), bigline (a 70 MiB watch line)
 * Errors: "etcdtest: CMD: -ENAME: etcd_strerror()" on stderr, exit 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "../../ctl/etcd.h"

static const char *cmd;
static struct etcd *etcd;

static const char *errname(int err)
{
	static char buf[32];

	switch (-err) {
	case EACCES: return "-EACCES";
	case ECONNREFUSED: return "-ECONNREFUSED";
	case EINVAL: return "-EINVAL";
	case EPROTO: return "-EPROTO";
	case ENOENT: return "-ENOENT";
	case ETIMEDOUT: return "-ETIMEDOUT";
	case ERANGE: return "-ERANGE";
	case E2BIG: return "-E2BIG";
	case EMSGSIZE: return "-EMSGSIZE";
	case EIO: return "-EIO";
	case EAGAIN: return "-EAGAIN";
	case EPIPE: return "-EPIPE";
	case ENOMEM: return "-ENOMEM";
	}
	snprintf(buf, sizeof(buf), "%d", err);
	return buf;
}

static void fail(int err)
{
	fprintf(stderr, "etcdtest: %s: %s: %s\n", cmd, errname(err),
		etcd_strerror(etcd));
	etcd_close(etcd);
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: etcdtest [-e ENDPOINTS] [-u USER:PASSWORD] [-c CAFILE]\n"
			"                [-t MS] CMD ARGS\n");
	exit(2);
}

/* KEY, or PREFIX* for a prefix: the key, *end the range end or NULL. */
static char *key_arg(const char *arg, char **end)
{
	size_t len = strlen(arg);
	char *key = strdup(arg);

	*end = NULL;
	if (len && arg[len - 1] == '*') {
		key[len - 1] = '\0';
		*end = etcd_prefix_end(key);
	}
	return key;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int do_range(int argc, char **argv)
{
	struct etcd_kvs kvs;
	char *key, *end;
	size_t i;
	int err;

	if (argc < 1)
		usage();
	key = key_arg(argv[0], &end);
	err = etcd_range(etcd, key, end, argc > 1 ? atoll(argv[1]) : 0, &kvs);
	free(key);
	free(end);
	if (err)
		fail(err);
	printf("revision %" PRId64 " count %zu\n", kvs.revision, kvs.n);
	for (i = 0; i < kvs.n; i++)
		printf("%s %s mod=%" PRId64 " version=%" PRId64 " lease=%" PRId64 "\n",
		       kvs.kv[i].key, kvs.kv[i].value, kvs.kv[i].mod_revision,
		       kvs.kv[i].version, kvs.kv[i].lease);
	etcd_kvs_free(&kvs);
	return 0;
}

static int do_txn(int argc, char **argv)
{
	struct etcd_op *ops = calloc(argc ? argc : 1, sizeof(*ops));
	char **bufs = calloc(argc ? argc : 1, sizeof(*bufs));
	int64_t rev = 0;
	int i, err;

	for (i = 0; i < argc; i++) {
		char *a = strdup(argv[i]), *eq = strchr(a, '=');

		bufs[i] = a;
		if (!strncmp(a, "put:", 4) && eq) {
			*eq = '\0';
			ops[i] = (struct etcd_op){ .type = ETCD_PUT, .key = a + 4,
						   .value = eq + 1 };
		} else if (!strncmp(a, "del:", 4)) {
			ops[i] = (struct etcd_op){ .type = ETCD_DELETE,
						   .key = a + 4 };
		} else if (!strncmp(a, "delprefix:", 10)) {
			ops[i] = (struct etcd_op){ .type = ETCD_DELETE,
				.key = a + 10,
				.range_end = etcd_prefix_end(a + 10) };
		} else if (!strncmp(a, "ifmod:", 6) && eq) {
			*eq = '\0';
			ops[i] = (struct etcd_op){ .type = ETCD_IF_MOD,
				.key = a + 6,
				.mod_revision = strtoll(eq + 1, NULL, 10) };
		} else {
			usage();
		}
	}
	err = etcd_txn(etcd, ops, argc, &rev);
	for (i = 0; i < argc; i++) {
		free(bufs[i]);
		free((char *)ops[i].range_end);
	}
	free(bufs);
	free(ops);
	if (err)
		fail(err);
	printf("revision %" PRId64 "\n", rev);
	return 0;
}

static int do_put(int argc, char **argv)
{
	struct etcd_op op = { .type = ETCD_PUT };
	int64_t rev;
	int err;

	if (argc < 2)
		usage();
	op.key = argv[0];
	op.value = argv[1];
	if (argc > 2)
		op.lease = strtoll(argv[2], NULL, 0);
	err = etcd_txn(etcd, &op, 1, &rev);
	if (err)
		fail(err);
	printf("revision %" PRId64 "\n", rev);
	return 0;
}

static int do_fill(int argc, char **argv)
{
	int n, per = 500, i, j, err;
	struct etcd_op *ops;
	char (*keys)[256], (*vals)[32];
	int64_t rev = 0;

	if (argc < 2)
		usage();
	n = atoi(argv[1]);
	if (argc > 2)
		per = atoi(argv[2]);
	if (per < 1)
		usage();
	ops = calloc(per, sizeof(*ops));
	keys = calloc(per, sizeof(*keys));
	vals = calloc(per, sizeof(*vals));
	for (i = 0; i < n; i += per) {
		for (j = 0; j < per && i + j < n; j++) {
			snprintf(keys[j], sizeof(keys[j]), "%s%05d", argv[0], i + j);
			snprintf(vals[j], sizeof(vals[j]), "v%d", i + j);
			ops[j] = (struct etcd_op){ .type = ETCD_PUT,
						   .key = keys[j],
						   .value = vals[j] };
		}
		err = etcd_txn(etcd, ops, j, &rev);
		if (err)
			fail(err);
	}
	free(ops);
	free(keys);
	free(vals);
	printf("revision %" PRId64 "\n", rev);
	return 0;
}

static void print_resp(const struct etcd_watch_resp *r)
{
	size_t i;

	if (r->created)
		printf("created\n");
	if (!r->n)
		return;
	printf("rev %" PRId64 ":", r->revision);
	for (i = 0; i < r->n; i++) {
		const struct etcd_kv *kv = &r->events[i].kv;

		if (r->events[i].type == ETCD_PUT)
			printf(" put %s=%s", kv->key, kv->value);
		else
			printf(" del %s", kv->key);
	}
	printf("\n");
	fflush(stdout);
}

static int do_watch(int argc, char **argv)
{
	struct etcd_watch_resp r;
	struct etcd_watch *w;
	long long deadline;
	char *key, *end;
	int want, got = 0, err;

	if (argc < 4)
		usage();
	key = key_arg(argv[0], &end);
	want = atoi(argv[2]);
	deadline = now_ms() + atoll(argv[3]);
	w = etcd_watch_start(etcd, key, end, atoll(argv[1]));
	free(key);
	free(end);
	if (!w)
		fail(-EIO);
	printf("started\n");
	fflush(stdout);
	while (got < want) {
		long long left = deadline - now_ms();

		err = etcd_watch_next(w, &r);
		if (err == 1) {
			print_resp(&r);
			if (r.n)
				got++;
			etcd_watch_resp_free(&r);
			continue;
		}
		if (err == ETCD_COMPACTED) {
			printf("compacted\n");
			fprintf(stderr, "etcdtest: watch: %s\n", etcd_strerror(etcd));
			etcd_watch_stop(w);
			etcd_close(etcd);
			exit(5);
		}
		if (err < 0) {
			etcd_watch_stop(w);
			fail(err);
		}
		if (left <= 0) {
			fprintf(stderr, "etcdtest: watch: %d of %d responses\n",
				got, want);
			etcd_watch_stop(w);
			etcd_close(etcd);
			exit(1);
		}
		err = etcd_watch_poll(w, NULL, 0, left > 500 ? 500 : left);
		if (err) {
			etcd_watch_stop(w);
			fail(err);
		}
	}
	etcd_watch_stop(w);
	return 0;
}

/* etcd_watch_poll() must report the caller's own fd while etcd is idle. */
static int do_watchfd(int argc, char **argv)
{
	struct pollfd pfd;
	struct etcd_watch_resp r;
	struct etcd_watch *w;
	long long t0, dt;
	char *key, *end;
	int p[2], err;

	if (argc < 1 || pipe(p))
		usage();
	key = key_arg(argv[0], &end);
	w = etcd_watch_start(etcd, key, end, 0);
	free(key);
	free(end);
	if (!w)
		fail(-EIO);
	/* Take the "created" response first. */
	while ((err = etcd_watch_next(w, &r)) == 0)
		etcd_watch_poll(w, NULL, 0, 200);
	if (err < 0)
		fail(err);
	etcd_watch_resp_free(&r);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	t0 = now_ms();
	/* Nothing yet: the poll waits its whole timeout. */
	err = etcd_watch_poll(w, &pfd, 1, 300);
	dt = now_ms() - t0;
	printf("idle: revents %d after %s\n", pfd.revents,
	       dt >= 250 ? "the timeout" : "less than the timeout");
	if (write(p[1], "x", 1) != 1)
		return 1;
	t0 = now_ms();
	err = err ?: etcd_watch_poll(w, &pfd, 1, 10000);
	dt = now_ms() - t0;
	printf("fd: revents %s after %s\n",
	       pfd.revents & POLLIN ? "POLLIN" : "none",
	       dt < 5000 ? "less than 5 s" : "the timeout");
	etcd_watch_stop(w);
	close(p[0]);
	close(p[1]);
	if (err)
		fail(err);
	return 0;
}

static int do_lease(const char *what, int argc, char **argv)
{
	int64_t v = 0;
	int err;

	if (argc < 1)
		usage();
	if (!strcmp(what, "lease-grant")) {
		err = etcd_lease_grant(etcd, atoll(argv[0]), &v);
		if (err)
			fail(err);
		printf("%" PRId64 "\n", v);
	} else if (!strcmp(what, "lease-keepalive")) {
		err = etcd_lease_keepalive(etcd, strtoll(argv[0], NULL, 0), &v);
		if (err)
			fail(err);
		printf("ttl %" PRId64 "\n", v);
	} else {
		err = etcd_lease_revoke(etcd, strtoll(argv[0], NULL, 0));
		if (err)
			fail(err);
	}
	return 0;
}

/*
 * A raw POST of @json to @path on the first endpoint, without auth, for
 * what the client has no call for (setting up users and roles quickly).
 */
static size_t post_out(char *ptr, size_t size, size_t nmemb, void *data)
{
	size_t n = size * nmemb;
	char **body = data;
	size_t len = *body ? strlen(*body) : 0;
	char *b = realloc(*body, len + n + 1);

	if (!b)
		return 0;
	memcpy(b + len, ptr, n);
	b[len + n] = '\0';
	*body = b;
	return n;
}

static char *post_raw(const char *endpoints, const char *cacert,
		      const char *path, const char *json, const char *token,
		      int *failed)
{
	struct curl_slist *h;
	char url[512], *body = NULL, auth[512];
	long status = 0;
	CURLcode rc;
	CURL *c;

	snprintf(url, sizeof(url), "%.*s%s", (int)strcspn(endpoints, ","),
		 endpoints, path);
	c = curl_easy_init();
	h = curl_slist_append(NULL, "Content-Type: application/json");
	if (token) {
		snprintf(auth, sizeof(auth), "Authorization: %s", token);
		h = curl_slist_append(h, auth);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	if (cacert)
		curl_easy_setopt(c, CURLOPT_CAINFO, cacert);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, post_out);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	*failed = rc || status != 200 || !body || strstr(body, "\"error\"");
	if (!body)
		body = strdup(curl_easy_strerror(rc));
	return body;
}

static int do_post(const struct etcd_opts *opts, int argc, char **argv)
{
	char *token = NULL, *body, json[512];
	int failed = 0;

	if (argc < 2)
		usage();
	if (opts->user) {
		const char *t;

		snprintf(json, sizeof(json), "{\"name\":\"%s\",\"password\":\"%s\"}",
			 opts->user, opts->password);
		body = post_raw(opts->endpoints, opts->cacert,
				"/v3/auth/authenticate", json, NULL, &failed);
		t = strstr(body, "\"token\":\"");
		if (failed || !t) {
			printf("%s\n", body);
			free(body);
			return 1;
		}
		token = strndup(t + 9, strcspn(t + 9, "\""));
		free(body);
	}
	body = post_raw(opts->endpoints, opts->cacert, argv[0], argv[1], token,
			&failed);
	printf("%s\n", body);
	free(body);
	free(token);
	return failed;
}

/* ---- fake etcd ---- */

static void fake_reply(int c, const char *mode)
{
	static const char created[] =
		"{\"result\":{\"header\":{\"revision\":\"5\"},\"created\":true}}\n";
	char req[65536], *s;
	size_t len = 0;
	ssize_t n;

	/* Read the request headers and whatever body came with them. */
	while (len < sizeof(req) - 1) {
		n = read(c, req + len, sizeof(req) - 1 - len);
		if (n <= 0)
			return;
		len += n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	if (!strcmp(mode, "garbage")) {
		s = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nnot json!\n";
	} else if (!strcmp(mode, "http500")) {
		s = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\noops\n";
	} else if (!strcmp(mode, "huge")) {
		s = "HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n{\"kvs\":[";
	} else if (!strcmp(mode, "truncated")) {
		s = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"header\":";
	} else if (!strcmp(mode, "badwatch") || !strcmp(mode, "bigline")) {
		s = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
		if (write(c, s, strlen(s)) < 0 ||
		    write(c, created, strlen(created)) < 0)
			return;
		if (!strcmp(mode, "badwatch")) {
			s = "{\"result\":{\"events\":[{\"kv\":{\"key\":\"!!\"}}]}}\n";
		} else {
			char *big = malloc(1 << 20);
			int i;

			memset(big, 'a', 1 << 20);
			for (i = 0; i < 70; i++)
				if (write(c, big, 1 << 20) < 0)
					break;
			free(big);
			return;
		}
	} else {
		s = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
	}
	if (write(c, s, strlen(s)) < 0)
		return;
}

static int do_fake(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int s, c, one = 1;

	if (argc < 2)
		usage();
	signal(SIGPIPE, SIG_IGN);
	sa.sin_port = htons(atoi(argv[0]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) || listen(s, 8)) {
		perror("etcdtest: fake");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		fake_reply(c, argv[1]);
		close(c);
	}
}

static int dispatch(int argc, char **argv)
{
	int i, n, rc = 0;

	if (!strcmp(cmd, "again")) {
		if (argc < 3)
			usage();
		n = atoi(argv[0]);
		for (i = 0; i < n; i++) {
			int tries = 600;

			while (i && access(argv[1], F_OK) && --tries)
				usleep(50000);
			if (i && !tries) {
				fprintf(stderr, "etcdtest: again: no %s\n", argv[1]);
				return 1;
			}
			if (i)
				unlink(argv[1]);
			cmd = argv[2];
			rc = dispatch(argc - 3, argv + 3);
			if (rc)
				return rc;
			cmd = "again";
		}
		return 0;
	}
	if (!strcmp(cmd, "range"))
		rc = do_range(argc, argv);
	else if (!strcmp(cmd, "put"))
		rc = do_put(argc, argv);
	else if (!strcmp(cmd, "txn"))
		rc = do_txn(argc, argv);
	else if (!strcmp(cmd, "fill"))
		rc = do_fill(argc, argv);
	else if (!strcmp(cmd, "watch"))
		rc = do_watch(argc, argv);
	else if (!strcmp(cmd, "watchfd"))
		rc = do_watchfd(argc, argv);
	else if (!strncmp(cmd, "lease-", 6))
		rc = do_lease(cmd, argc, argv);
	else if (!strcmp(cmd, "compact"))
		rc = etcd_compact(etcd, atoll(argc ? argv[0] : "0"));
	else
		usage();
	return rc;
}

int main(int argc, char **argv)
{
	struct etcd_opts opts = { .endpoints = "http://127.0.0.1:2379" };
	char *user = NULL, *colon;
	int opt, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "+e:u:c:t:")) != -1) {
		switch (opt) {
		case 'e':
			opts.endpoints = optarg;
			break;
		case 'u':
			user = strdup(optarg);
			colon = strchr(user, ':');
			if (colon)
				*colon++ = '\0';
			opts.user = user;
			opts.password = colon ? colon : "";
			break;
		case 'c':
			opts.cacert = optarg;
			break;
		case 't':
			opts.timeout_ms = atol(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	cmd = argv[optind];
	argc -= optind + 1;
	argv += optind + 1;
	if (!strcmp(cmd, "fake"))
		return do_fake(argc, argv);
	if (!strcmp(cmd, "post")) {
		rc = do_post(&opts, argc, argv);
		free(user);
		return rc;
	}
	etcd = etcd_open(&opts);
	if (!etcd) {
		fprintf(stderr, "etcdtest: %s: no endpoint in \"%s\"\n", cmd,
			opts.endpoints);
		free(user);
		return 1;
	}
	rc = dispatch(argc, argv);
	if (rc < 0)
		fail(rc);
	etcd_close(etcd);
	free(user);
	return 0;
}
