// SPDX-License-Identifier: GPL-2.0
/*
 * A client of etcd v3's JSON gateway: libcurl for the HTTP, json-c for
 * the bodies. See etcd.h for the API.
 *
 * Every request is a POST of a JSON object to <endpoint>/v3/<path>; the
 * answer is a JSON object, or {"error":..,"code":<grpc code>} on failure.
 * Keys and values are base64 both ways, int64 fields come as strings.
 * The watch is a streamed answer of one {"result":{..}} object per line
 * on a connection of its own, driven through a curl multi handle so that
 * the caller can wait on its own descriptors at the same time.
 *
 * base64 is done here: the format is short, and libcrypto only for it
 * would be one more library for segd to carry into the test guests.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <limits.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <json.h>

#include "etcd.h"

#define ETCD_TIMEOUT_MS		5000
#define ETCD_PAGE		1000
/* The largest answer taken; anything bigger is refused, not buffered. */
#define ETCD_MAX_RESP		(64u << 20)

/* grpc status codes etcd returns in "code". */
enum {
	GRPC_INVALID_ARGUMENT	= 3,
	GRPC_NOT_FOUND		= 5,
	GRPC_PERMISSION_DENIED	= 7,
	GRPC_OUT_OF_RANGE	= 11,
	GRPC_UNAVAILABLE	= 14,
	GRPC_UNAUTHENTICATED	= 16,
};

struct etcd {
	char **eps;		/* endpoint URLs, without a trailing / */
	size_t neps;
	size_t cur;		/* the endpoint that answered last */
	char *user, *password, *cacert, *cert, *key;
	long timeout_ms;
	char *token;		/* the auth token, or NULL */
	CURL *curl;		/* kept for its connection cache */
	char curl_err[CURL_ERROR_SIZE];	/* libcurl's detail of a failure */
	char err[512];
};

struct buf {
	char *data;
	size_t len, cap;
	bool too_big;
};

static void set_err(struct etcd *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_err(struct etcd *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->err, sizeof(e->err), fmt, ap);
	va_end(ap);
}

/* ---- base64 (RFC 4648, with padding) ---- */

static const char b64_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64_encode(const void *in, size_t len)
{
	const unsigned char *p = in;
	char *out, *o;
	size_t i;

	out = malloc((len + 2) / 3 * 4 + 1);
	if (!out)
		return NULL;
	o = out;
	for (i = 0; i + 2 < len; i += 3) {
		*o++ = b64_chars[p[i] >> 2];
		*o++ = b64_chars[(p[i] & 3) << 4 | p[i + 1] >> 4];
		*o++ = b64_chars[(p[i + 1] & 15) << 2 | p[i + 2] >> 6];
		*o++ = b64_chars[p[i + 2] & 63];
	}
	if (i < len) {
		*o++ = b64_chars[p[i] >> 2];
		if (i + 1 < len) {
			*o++ = b64_chars[(p[i] & 3) << 4 | p[i + 1] >> 4];
			*o++ = b64_chars[(p[i + 1] & 15) << 2];
		} else {
			*o++ = b64_chars[(p[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static int b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Decode @in into a NUL-terminated malloc'd buffer; -EPROTO if invalid. */
static int b64_decode(const char *in, char **out, size_t *out_len)
{
	size_t len = strlen(in), n = 0, i;
	unsigned int acc = 0;
	int bits = 0, v;
	char *o;

	while (len && in[len - 1] == '=')
		len--;
	o = malloc(len / 4 * 3 + 3);
	if (!o)
		return -ENOMEM;
	for (i = 0; i < len; i++) {
		v = b64_val(in[i]);
		if (v < 0) {
			free(o);
			return -EPROTO;
		}
		acc = acc << 6 | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[n++] = (acc >> bits) & 0xff;
		}
	}
	o[n] = '\0';
	*out = o;
	*out_len = n;
	return 0;
}

/* ---- JSON helpers ---- */

/* An int64 field, which the gateway writes as a string; 0 if absent. */
static int json_i64(json_object *obj, const char *name, int64_t *v)
{
	json_object *f;
	const char *s;
	char *end;

	*v = 0;
	if (!obj || !json_object_object_get_ex(obj, name, &f))
		return 0;
	if (json_object_is_type(f, json_type_int)) {
		*v = json_object_get_int64(f);
		return 0;
	}
	if (!json_object_is_type(f, json_type_string))
		return -EPROTO;
	s = json_object_get_string(f);
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return -EPROTO;
	return 0;
}

static bool json_flag(json_object *obj, const char *name)
{
	json_object *f;

	return obj && json_object_object_get_ex(obj, name, &f) &&
	       json_object_get_boolean(f);
}

static json_object *json_objf(json_object *obj, const char *name)
{
	json_object *f;

	if (!obj || !json_object_object_get_ex(obj, name, &f) ||
	    !json_object_is_type(f, json_type_object))
		return NULL;
	return f;
}

static const char *json_strf(json_object *obj, const char *name)
{
	json_object *f;

	if (!obj || !json_object_object_get_ex(obj, name, &f) ||
	    !json_object_is_type(f, json_type_string))
		return NULL;
	return json_object_get_string(f);
}

/* Add @name: base64 of the @len bytes at @data. */
static int json_add_b64(json_object *obj, const char *name,
			const void *data, size_t len)
{
	char *s = b64_encode(data, len);

	if (!s)
		return -ENOMEM;
	json_object_object_add(obj, name, json_object_new_string(s));
	free(s);
	return 0;
}

/*
 * A range end as the API gives it: NULL is none, "" stands for "\0"
 * (every key from the start key on: what etcd_prefix_end("") returns).
 */
static int json_add_range_end(json_object *obj, const char *range_end)
{
	if (!range_end)
		return 0;
	if (!*range_end)
		return json_add_b64(obj, "range_end", "", 1);
	return json_add_b64(obj, "range_end", range_end, strlen(range_end));
}

static void json_add_i64(json_object *obj, const char *name, int64_t v)
{
	json_object_object_add(obj, name, json_object_new_int64(v));
}

/* Decode a mvccpb.KeyValue. */
static int parse_kv(struct etcd *e, json_object *o, struct etcd_kv *kv)
{
	const char *key = json_strf(o, "key"), *value = json_strf(o, "value");
	int err;

	memset(kv, 0, sizeof(*kv));
	if (!key || b64_decode(key, &kv->key, &kv->key_len)) {
		set_err(e, "malformed key in etcd's answer");
		return -EPROTO;
	}
	err = b64_decode(value ? value : "", &kv->value, &kv->value_len);
	if (!err)
		err = json_i64(o, "create_revision", &kv->create_revision) ?:
		      json_i64(o, "mod_revision", &kv->mod_revision) ?:
		      json_i64(o, "version", &kv->version) ?:
		      json_i64(o, "lease", &kv->lease);
	if (err) {
		set_err(e, "malformed value in etcd's answer");
		return -EPROTO;
	}
	return 0;
}

static void kv_free(struct etcd_kv *kv)
{
	free(kv->key);
	free(kv->value);
	memset(kv, 0, sizeof(*kv));
}

/*
 * The errno for an etcd error message with grpc @code. "permission
 * denied" is -EACCES whatever else happens to be around it.
 */
static int grpc_errno(int code, const char *msg)
{
	if (strstr(msg, "permission denied") ||
	    strstr(msg, "authentication failed") ||
	    strstr(msg, "user name is empty") ||
	    code == GRPC_PERMISSION_DENIED)
		return -EACCES;
	if (strstr(msg, "too many operations"))
		return -E2BIG;
	if (strstr(msg, "request is too large"))
		return -EMSGSIZE;
	switch (code) {
	case GRPC_NOT_FOUND:
		return -ENOENT;
	case GRPC_OUT_OF_RANGE:
		return -ERANGE;
	case GRPC_INVALID_ARGUMENT:
		return -EINVAL;
	case GRPC_UNAUTHENTICATED:
		return -EACCES;
	case GRPC_UNAVAILABLE:
		return -EAGAIN;
	}
	return -EIO;
}

/* ---- the client ---- */

static int curl_global(void)
{
	static bool done;

	/* Once per process; the library never calls curl_global_cleanup. */
	if (!done && curl_global_init(CURL_GLOBAL_DEFAULT))
		return -ENOMEM;
	done = true;
	return 0;
}

static char *strdup_null(const char *s, bool *fail)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*fail = true;
	return d;
}

struct etcd *etcd_open(const struct etcd_opts *opts)
{
	const char *p, *end;
	bool fail = false;
	struct etcd *e;
	size_t n;

	if (!opts || !opts->endpoints || !*opts->endpoints || curl_global())
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	for (p = opts->endpoints; *p; p = *end ? end + 1 : end) {
		char **eps;

		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		n = end - p;
		while (n && p[n - 1] == '/')
			n--;
		if (!n)
			continue;
		eps = realloc(e->eps, (e->neps + 1) * sizeof(*eps));
		if (!eps)
			goto fail;
		e->eps = eps;
		e->eps[e->neps] = strndup(p, n);
		if (!e->eps[e->neps])
			goto fail;
		e->neps++;
	}
	if (!e->neps)
		goto fail;
	e->user = strdup_null(opts->user, &fail);
	e->password = strdup_null(opts->password ? opts->password : "", &fail);
	e->cacert = strdup_null(opts->cacert, &fail);
	e->cert = strdup_null(opts->cert, &fail);
	e->key = strdup_null(opts->key, &fail);
	e->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : ETCD_TIMEOUT_MS;
	e->curl = curl_easy_init();
	if (fail || !e->curl)
		goto fail;
	return e;
fail:
	etcd_close(e);
	return NULL;
}

void etcd_close(struct etcd *e)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; i < e->neps; i++)
		free(e->eps[i]);
	free(e->eps);
	free(e->user);
	free(e->password);
	free(e->cacert);
	free(e->cert);
	free(e->key);
	free(e->token);
	if (e->curl)
		curl_easy_cleanup(e->curl);
	free(e);
}

const char *etcd_strerror(const struct etcd *e)
{
	return e && e->err[0] ? e->err : "no error";
}

char *etcd_prefix_end(const char *prefix)
{
	char *end = strdup(prefix);
	size_t i;

	if (!end)
		return NULL;
	for (i = strlen(end); i > 0; i--) {
		if ((unsigned char)end[i - 1] != 0xff) {
			end[i - 1]++;
			end[i] = '\0';
			return end;
		}
	}
	/* No byte to increment: every key from @prefix on, "\0" for etcd. */
	end[0] = '\0';
	return end;
}

static size_t buf_write(char *ptr, size_t size, size_t nmemb, void *data)
{
	struct buf *b = data;
	size_t n = size * nmemb;

	if (b->len + n + 1 > ETCD_MAX_RESP) {
		b->too_big = true;
		return 0;	/* aborts the transfer */
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *d;

		while (cap < b->len + n + 1)
			cap *= 2;
		d = realloc(b->data, cap);
		if (!d)
			return 0;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/* Refuse an announced body beyond the limit before reading it. */
static size_t header_cb(char *ptr, size_t size, size_t nmemb, void *data)
{
	struct buf *b = data;
	size_t n = size * nmemb;
	unsigned long long len;

	if (n > 15 && !strncasecmp(ptr, "content-length:", 15) &&
	    sscanf(ptr + 15, "%llu", &len) == 1 && len >= ETCD_MAX_RESP) {
		b->too_big = true;
		return 0;
	}
	return n;
}

/*
 * Why a transfer failed, for a log: libcurl's own detail in @detail when
 * it left one ("SSL certificate problem: unable to get local issuer
 * certificate" says more than the code's "SSL peer certificate or SSH
 * remote key was not OK"), followed by the code's text in parentheses
 * unless the detail has it already.  An empty answer to http:// is what
 * a member that speaks TLS gives: the hint says so.
 */
static void curl_why(char *out, size_t size, CURLcode rc, const char *detail,
		     const char *url)
{
	const char *code = curl_easy_strerror(rc);
	const char *hint = rc == CURLE_GOT_NOTHING &&
			   !strncasecmp(url, "http://", 7) ?
			   "; is it an https:// endpoint?" : "";

	if (!detail[0] || strstr(detail, code))
		snprintf(out, size, "%s%s", detail[0] ? detail : code, hint);
	else
		snprintf(out, size, "%s (%s)%s", detail, code, hint);
}

/*
 * Set up @c for a POST of @body to @url; @hdrs is freed by the caller.
 * libcurl writes the detail of a failure to @errbuf (CURL_ERROR_SIZE).
 */
static int setup_curl(struct etcd *e, CURL *c, const char *url,
		      const char *body, struct curl_slist **hdrs, char *errbuf)
{
	struct curl_slist *h = NULL, *t;
	char *auth = NULL;

	errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, e->timeout_ms);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (e->cacert)
		curl_easy_setopt(c, CURLOPT_CAINFO, e->cacert);
	if (e->cert)
		curl_easy_setopt(c, CURLOPT_SSLCERT, e->cert);
	if (e->key)
		curl_easy_setopt(c, CURLOPT_SSLKEY, e->key);
	t = curl_slist_append(h, "Content-Type: application/json");
	if (!t)
		return -ENOMEM;
	h = t;
	/* No "Expect: 100-continue" round trip for big bodies. */
	t = curl_slist_append(h, "Expect:");
	if (!t)
		goto nomem;
	h = t;
	if (e->token) {
		if (asprintf(&auth, "Authorization: %s", e->token) < 0)
			goto nomem;
		t = curl_slist_append(h, auth);
		free(auth);
		if (!t)
			goto nomem;
		h = t;
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	*hdrs = h;
	return 0;
nomem:
	curl_slist_free_all(h);
	return -ENOMEM;
}

/* Whether a failed transfer never reached the server. */
static bool curl_not_connected(CURL *c, CURLcode rc)
{
	curl_off_t t = 0;

	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return true;
	case CURLE_OPERATION_TIMEDOUT:
		curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &t);
		return t == 0;
	default:
		return false;
	}
}

/*
 * The error in an answer, if any: 0, or -errno with e->err set. The
 * answer of a streamed call nests it as {"error":{"grpc_code":..,
 * "message":..}}.
 */
static int answer_error(struct etcd *e, json_object *j, const char *what)
{
	json_object *err, *code;
	const char *msg;
	int64_t c = 0;

	if (!json_object_object_get_ex(j, "error", &err))
		return 0;
	if (json_object_is_type(err, json_type_object)) {
		msg = json_strf(err, "message");
		json_i64(err, "grpc_code", &c);
	} else {
		msg = json_object_get_string(err);
		if (json_object_object_get_ex(j, "code", &code))
			c = json_object_get_int(code);
	}
	if (!msg)
		msg = "(no message)";
	set_err(e, "%s: %s", what, msg);
	return grpc_errno(c, msg);
}

static int authenticate(struct etcd *e);

/*
 * POST @req to @path on the current endpoint, moving on to the next
 * ones while none answers. *@resp is the parsed answer on success.
 * @auth: renew the token and retry once if etcd no longer knows it.
 */
static int post(struct etcd *e, const char *path, json_object *req,
		json_object **resp, bool auth)
{
	const char *body = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	bool renewed = false;
	int err = -ECONNREFUSED;
	size_t tries = 0;

	*resp = NULL;
	if (auth && e->user && !e->token) {
		err = authenticate(e);
		if (err)
			return err;
		renewed = true;
	}
	while (tries < e->neps) {
		struct curl_slist *hdrs = NULL;
		struct buf b = { 0 };
		json_tokener *tok;
		json_object *j;
		char url[1024], why[CURL_ERROR_SIZE + 64];
		long status = 0;
		CURLcode rc;
		const char *ep = e->eps[e->cur];

		if (snprintf(url, sizeof(url), "%s%s", ep, path) >= (int)sizeof(url)) {
			set_err(e, "endpoint %s: URL too long", ep);
			return -EINVAL;
		}
		curl_easy_reset(e->curl);
		err = setup_curl(e, e->curl, url, body, &hdrs, e->curl_err);
		if (err) {
			set_err(e, "out of memory");
			return err;
		}
		curl_easy_setopt(e->curl, CURLOPT_TIMEOUT_MS, e->timeout_ms);
		curl_easy_setopt(e->curl, CURLOPT_WRITEFUNCTION, buf_write);
		curl_easy_setopt(e->curl, CURLOPT_WRITEDATA, &b);
		curl_easy_setopt(e->curl, CURLOPT_HEADERFUNCTION, header_cb);
		curl_easy_setopt(e->curl, CURLOPT_HEADERDATA, &b);
		rc = curl_easy_perform(e->curl);
		curl_slist_free_all(hdrs);
		if (rc != CURLE_OK)
			curl_why(why, sizeof(why), rc, e->curl_err, url);
		if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT) {
			free(b.data);
			set_err(e, "endpoint %s: %s", ep, why);
			err = -EINVAL;
			goto next;
		}
		if (rc != CURLE_OK) {
			bool nc = curl_not_connected(e->curl, rc);

			free(b.data);
			if (b.too_big) {
				set_err(e, "%s: answer larger than %u MiB", url,
					ETCD_MAX_RESP >> 20);
				return -EFBIG;
			}
			set_err(e, "%s: %s", url, why);
			if (nc) {
				err = -ECONNREFUSED;
				goto next;
			}
			/*
			 * It may have been applied: not sent again, but the
			 * next request goes to another member than this
			 * one, which may have lost its leader.
			 */
			if (rc == CURLE_OPERATION_TIMEDOUT) {
				e->cur = (e->cur + 1) % e->neps;
				return -ETIMEDOUT;
			}
			return -EPROTO;
		}
		curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, &status);
		tok = json_tokener_new();
		j = tok && b.data ? json_tokener_parse_ex(tok, b.data, b.len) : NULL;
		if (j && (json_tokener_get_error(tok) != json_tokener_success ||
			  !json_object_is_type(j, json_type_object))) {
			json_object_put(j);
			j = NULL;
		}
		if (tok)
			json_tokener_free(tok);
		free(b.data);
		if (!j) {
			set_err(e, "%s: HTTP %ld, %s", url, status,
				status == 200 ? "answer is not a JSON object" :
				"no etcd error in the answer");
			return -EPROTO;
		}
		err = answer_error(e, j, path);
		if (err == -EAGAIN) {
			/* Unavailable: no leader here, try another member. */
			json_object_put(j);
			goto next;
		}
		if (err && auth && e->user && !renewed &&
		    (strstr(e->err, "invalid auth token") ||
		     strstr(e->err, "revision of auth store is old"))) {
			json_object_put(j);
			renewed = true;
			err = authenticate(e);
			if (err)
				return err;
			continue;
		}
		if (!err && status != 200) {
			set_err(e, "%s: HTTP %ld", url, status);
			err = -EPROTO;
		}
		if (err) {
			json_object_put(j);
			return err;
		}
		*resp = j;
		return 0;
next:
		tries++;
		e->cur = (e->cur + 1) % e->neps;
	}
	if (err == -EAGAIN)
		err = -EIO;
	return err;
}

/* Get a token for e->user; 0 or -errno. */
static int authenticate(struct etcd *e)
{
	json_object *req = json_object_new_object(), *resp;
	const char *tok;
	int err;

	free(e->token);
	e->token = NULL;
	if (!req)
		return -ENOMEM;
	json_object_object_add(req, "name", json_object_new_string(e->user));
	json_object_object_add(req, "password", json_object_new_string(e->password));
	err = post(e, "/v3/auth/authenticate", req, &resp, false);
	json_object_put(req);
	if (err) {
		if (err == -EINVAL)	/* etcd's answer to a bad password */
			err = -EACCES;
		return err;
	}
	tok = json_strf(resp, "token");
	if (tok) {
		e->token = strdup(tok);
		err = e->token ? 0 : -ENOMEM;
	} else {
		/* Auth disabled: etcd gives no token, none is needed. */
		err = 0;
	}
	json_object_put(resp);
	return err;
}

static int header_revision(struct etcd *e, json_object *resp, int64_t *rev)
{
	if (json_i64(json_objf(resp, "header"), "revision", rev)) {
		set_err(e, "malformed revision in etcd's answer");
		return -EPROTO;
	}
	return 0;
}

void etcd_kvs_free(struct etcd_kvs *kvs)
{
	size_t i;

	if (!kvs)
		return;
	for (i = 0; i < kvs->n; i++)
		kv_free(&kvs->kv[i]);
	free(kvs->kv);
	memset(kvs, 0, sizeof(*kvs));
}

/* Append the "kvs" of one page to @out; *last is the last key's bytes. */
static int range_page(struct etcd *e, json_object *resp, struct etcd_kvs *out,
		      bool *more)
{
	json_object *arr;
	size_t i, n;
	int err;

	*more = json_flag(resp, "more");
	if (!json_object_object_get_ex(resp, "kvs", &arr))
		return 0;
	if (!json_object_is_type(arr, json_type_array)) {
		set_err(e, "malformed kvs in etcd's answer");
		return -EPROTO;
	}
	n = json_object_array_length(arr);
	if (n) {
		struct etcd_kv *kv = realloc(out->kv, (out->n + n) * sizeof(*kv));

		if (!kv)
			return -ENOMEM;
		out->kv = kv;
	}
	for (i = 0; i < n; i++) {
		err = parse_kv(e, json_object_array_get_idx(arr, i),
			       &out->kv[out->n]);
		if (err)
			return err;
		out->n++;
	}
	return 0;
}

/* Keys in etcd's order: bytes, then length. */
static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if (r || alen == blen)
		return r;
	return alen < blen ? -1 : 1;
}

int etcd_range(struct etcd *e, const char *key, const char *range_end,
	       int64_t revision, struct etcd_kvs *out)
{
	int64_t limit = ETCD_PAGE;
	char *next = NULL;
	size_t next_len = 0, done;
	int err = 0;

	memset(out, 0, sizeof(*out));
	for (;;) {
		json_object *req = json_object_new_object(), *resp;
		const struct etcd_kv *last;
		bool more;

		if (!req) {
			err = -ENOMEM;
			break;
		}
		if (next)
			err = json_add_b64(req, "key", next, next_len);
		else
			err = json_add_b64(req, "key", key, strlen(key));
		err = err ?: json_add_range_end(req, range_end);
		json_add_i64(req, "limit", limit);
		if (revision)
			json_add_i64(req, "revision", revision);
		err = err ?: post(e, "/v3/kv/range", req, &resp, true);
		json_object_put(req);
		/* Large values: the same page again, half as many keys. */
		if (err == -EFBIG && limit > 1) {
			limit /= 2;
			err = 0;
			continue;
		}
		if (err == -EFBIG)
			err = -EPROTO;	/* one key is too large */
		if (err)
			break;
		if (!revision) {
			err = header_revision(e, resp, &revision);
			out->revision = revision;
		}
		done = out->n;
		err = err ?: range_page(e, resp, out, &more);
		json_object_put(resp);
		if (err || !more)
			break;
		if (out->n == done || !range_end) {
			set_err(e, "etcd says more keys follow but gave none");
			err = -EPROTO;
			break;
		}
		/*
		 * The next page starts just after the last key: all its
		 * bytes (a NUL among them too) and a NUL appended.  A page
		 * that does not get past the previous one would loop.
		 */
		last = &out->kv[out->n - 1];
		if (next && bytes_cmp(last->key, last->key_len, next,
				      next_len) < 0) {
			set_err(e, "etcd's range did not advance");
			err = -EPROTO;
			break;
		}
		free(next);
		next_len = last->key_len + 1;
		next = malloc(next_len);
		if (!next) {
			err = -ENOMEM;
			break;
		}
		memcpy(next, last->key, next_len);	/* and the NUL after it */
	}
	free(next);
	if (err) {
		if (err == -ENOMEM)
			set_err(e, "out of memory");
		etcd_kvs_free(out);
		return err;
	}
	out->revision = revision;
	return 0;
}

static json_object *txn_op(const struct etcd_op *op, int *err)
{
	json_object *o = json_object_new_object(), *r = json_object_new_object();

	*err = -ENOMEM;
	if (!o || !r)
		goto fail;
	*err = -EINVAL;
	if (!op->key)
		goto fail;
	*err = json_add_b64(r, "key", op->key, strlen(op->key));
	if (*err)
		goto fail;
	if (op->type == ETCD_PUT) {
		const char *v = op->value ? op->value : "";

		*err = json_add_b64(r, "value", v, strlen(v));
		if (op->lease)
			json_add_i64(r, "lease", op->lease);
		json_object_object_add(o, "request_put", r);
	} else if (op->type == ETCD_DELETE) {
		*err = json_add_range_end(r, op->range_end);
		json_object_object_add(o, "request_delete_range", r);
	} else {
		*err = -EINVAL;
		goto fail;
	}
	if (*err) {
		json_object_put(o);
		return NULL;
	}
	return o;
fail:
	json_object_put(o);
	json_object_put(r);
	return NULL;
}

/* An ETCD_IF_MOD condition, as a compare of etcd's txn. */
static json_object *txn_compare(const struct etcd_op *op, int *err)
{
	json_object *o = json_object_new_object();

	*err = -ENOMEM;
	if (!o)
		return NULL;
	*err = json_add_b64(o, "key", op->key, strlen(op->key));
	if (*err) {
		json_object_put(o);
		return NULL;
	}
	json_object_object_add(o, "target", json_object_new_string("MOD"));
	json_object_object_add(o, "result", json_object_new_string("EQUAL"));
	json_add_i64(o, "mod_revision", op->mod_revision);
	return o;
}

int etcd_txn(struct etcd *e, const struct etcd_op *ops, size_t n,
	     int64_t *revision)
{
	json_object *req = json_object_new_object(), *arr = json_object_new_array();
	json_object *cmp = json_object_new_array();
	json_object *resp;
	bool conditional = false;
	size_t i;
	int err;

	if (!req || !arr || !cmp) {
		json_object_put(req);
		json_object_put(arr);
		json_object_put(cmp);
		set_err(e, "out of memory");
		return -ENOMEM;
	}
	json_object_object_add(req, "success", arr);
	json_object_object_add(req, "compare", cmp);
	for (i = 0; i < n; i++) {
		json_object *o;

		if (ops[i].type == ETCD_IF_MOD && ops[i].key) {
			o = txn_compare(&ops[i], &err);
			if (!o) {
				json_object_put(req);
				set_err(e, "out of memory");
				return err;
			}
			json_object_array_add(cmp, o);
			conditional = true;
			continue;
		}
		o = txn_op(&ops[i], &err);

		if (!o) {
			json_object_put(req);
			set_err(e, "txn: operation %zu: %s", i,
				err == -EINVAL ? "no key or unknown type" :
				"out of memory");
			return err;
		}
		json_object_array_add(arr, o);
	}
	err = post(e, "/v3/kv/txn", req, &resp, true);
	json_object_put(req);
	if (err)
		return err;
	if (!json_flag(resp, "succeeded") && conditional) {
		set_err(e, "a key it read was changed meanwhile: nothing was written, run it again");
		err = -EAGAIN;
	} else if (!json_flag(resp, "succeeded")) {
		set_err(e, "txn: etcd did not apply it");
		err = -EIO;
	} else if (revision) {
		err = header_revision(e, resp, revision);
	}
	json_object_put(resp);
	return err;
}

int etcd_lease_grant(struct etcd *e, int64_t ttl, int64_t *id)
{
	json_object *req = json_object_new_object(), *resp;
	const char *msg;
	int err;

	if (!req)
		return -ENOMEM;
	json_add_i64(req, "TTL", ttl);
	err = post(e, "/v3/lease/grant", req, &resp, true);
	json_object_put(req);
	if (err)
		return err;
	msg = json_strf(resp, "error");
	if (msg && *msg) {
		set_err(e, "lease grant: %s", msg);
		err = -EIO;
	} else if (json_i64(resp, "ID", id) || !*id) {
		set_err(e, "lease grant: no lease ID in etcd's answer");
		err = -EPROTO;
	}
	json_object_put(resp);
	return err;
}

int etcd_lease_keepalive(struct etcd *e, int64_t id, int64_t *ttl)
{
	json_object *req = json_object_new_object(), *resp, *res;
	int err;

	if (!req)
		return -ENOMEM;
	json_add_i64(req, "ID", id);
	/* A stream in gRPC: the gateway answers {"result":{...}}. */
	err = post(e, "/v3/lease/keepalive", req, &resp, true);
	json_object_put(req);
	if (err)
		return err;
	res = json_objf(resp, "result");
	if (!res || json_i64(res, "TTL", ttl)) {
		set_err(e, "lease keepalive: malformed answer");
		err = -EPROTO;
	}
	json_object_put(resp);
	return err;
}

int etcd_lease_revoke(struct etcd *e, int64_t id)
{
	json_object *req = json_object_new_object(), *resp;
	int err;

	if (!req)
		return -ENOMEM;
	json_add_i64(req, "ID", id);
	err = post(e, "/v3/lease/revoke", req, &resp, true);
	json_object_put(req);
	if (!err)
		json_object_put(resp);
	return err;
}

int etcd_compact(struct etcd *e, int64_t revision)
{
	json_object *req = json_object_new_object(), *resp;
	int err;

	if (!req)
		return -ENOMEM;
	json_add_i64(req, "revision", revision);
	err = post(e, "/v3/kv/compaction", req, &resp, true);
	json_object_put(req);
	if (!err)
		json_object_put(resp);
	return err;
}

/* ---- watch ---- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

struct etcd_watch {
	struct etcd *e;
	CURLM *multi;
	CURL *curl;
	struct curl_slist *hdrs;
	char *body;
	struct buf in;		/* received, not yet parsed */
	size_t off;		/* parsed up to here */
	int64_t start;		/* the start revision asked for */
	bool done;		/* the transfer is over */
	int err;		/* its end: -errno */
	/* The responses of the last line, split per revision. */
	struct etcd_watch_resp *queue;
	size_t nqueue, qhead;
	char errmsg[512];
	char curl_err[CURL_ERROR_SIZE];
};

void etcd_watch_resp_free(struct etcd_watch_resp *resp)
{
	size_t i;

	if (!resp)
		return;
	for (i = 0; i < resp->n; i++)
		kv_free(&resp->events[i].kv);
	free(resp->events);
	memset(resp, 0, sizeof(*resp));
}

static size_t watch_write(char *ptr, size_t size, size_t nmemb, void *data)
{
	struct etcd_watch *w = data;
	size_t n = size * nmemb;

	/* Drop what was parsed before growing the buffer. */
	if (w->off) {
		memmove(w->in.data, w->in.data + w->off, w->in.len - w->off + 1);
		w->in.len -= w->off;
		w->off = 0;
	}
	return buf_write(ptr, size, nmemb, &w->in) == n ? n : 0;
}

static void watch_free_transfer(struct etcd_watch *w)
{
	if (w->curl) {
		curl_multi_remove_handle(w->multi, w->curl);
		curl_easy_cleanup(w->curl);
		w->curl = NULL;
	}
	curl_slist_free_all(w->hdrs);
	w->hdrs = NULL;
	free(w->in.data);
	memset(&w->in, 0, sizeof(w->in));
	w->off = 0;
	w->done = false;
	w->err = 0;
}

/* Start the transfer on the current endpoint. */
static int watch_connect(struct etcd_watch *w)
{
	struct etcd *e = w->e;
	char url[1024];
	int err;

	watch_free_transfer(w);
	if (snprintf(url, sizeof(url), "%s/v3/watch", e->eps[e->cur]) >=
	    (int)sizeof(url)) {
		set_err(e, "endpoint %s: URL too long", e->eps[e->cur]);
		return -EINVAL;
	}
	w->curl = curl_easy_init();
	if (!w->curl)
		return -ENOMEM;
	err = setup_curl(e, w->curl, url, w->body, &w->hdrs, w->curl_err);
	if (err)
		return err;
	curl_easy_setopt(w->curl, CURLOPT_WRITEFUNCTION, watch_write);
	curl_easy_setopt(w->curl, CURLOPT_WRITEDATA, w);
	curl_easy_setopt(w->curl, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(w->curl, CURLOPT_HEADERDATA, &w->in);
	/* A dead peer shows as a stream that ends, not one that hangs. */
	curl_easy_setopt(w->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(w->curl, CURLOPT_TCP_KEEPIDLE, 10L);
	curl_easy_setopt(w->curl, CURLOPT_TCP_KEEPINTVL, 5L);
	if (curl_multi_add_handle(w->multi, w->curl))
		return -ENOMEM;
	return 0;
}

/* Run the transfer; note its end in w->done and w->err. */
static void watch_perform(struct etcd_watch *w)
{
	CURLMsg *msg;
	int running, left;

	if (w->done)
		return;
	curl_multi_perform(w->multi, &running);
	while ((msg = curl_multi_info_read(w->multi, &left))) {
		CURLcode rc;
		long status = 0;

		if (msg->msg != CURLMSG_DONE)
			continue;
		rc = msg->data.result;
		w->done = true;
		curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &status);
		if (w->in.too_big) {
			snprintf(w->errmsg, sizeof(w->errmsg),
				 "watch: a response larger than %u MiB",
				 ETCD_MAX_RESP >> 20);
			w->err = -EPROTO;
		} else if (rc == CURLE_OK) {
			snprintf(w->errmsg, sizeof(w->errmsg),
				 "watch: the stream ended (HTTP %ld)", status);
			w->err = -EPIPE;
		} else {
			char why[CURL_ERROR_SIZE + 64], *url = NULL;

			curl_easy_getinfo(w->curl, CURLINFO_EFFECTIVE_URL, &url);
			curl_why(why, sizeof(why), rc, w->curl_err,
				 url ? url : "");
			snprintf(w->errmsg, sizeof(w->errmsg), "watch: %s", why);
			w->err = curl_not_connected(w->curl, rc) ? -ECONNREFUSED :
				 rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EPIPE;
		}
	}
}

/* Whether a whole line is buffered. */
static bool watch_have_line(struct etcd_watch *w)
{
	return w->in.data && memchr(w->in.data + w->off, '\n', w->in.len - w->off);
}

static int event_cmp_rev(const struct etcd_event *a, const struct etcd_event *b)
{
	return a->kv.mod_revision != b->kv.mod_revision;
}

/*
 * Parse one {"result":{..}} line into w->queue: one response per revision
 * of its events (etcd puts several in one while catching up), or the
 * response as it is when it has no events.
 */
static int watch_parse(struct etcd_watch *w, const char *line, size_t len)
{
	struct etcd *e = w->e;
	struct etcd_watch_resp r = { 0 };
	json_object *j, *res, *arr;
	json_tokener *tok;
	size_t i, n = 0, start;
	int err;

	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	j = json_tokener_parse_ex(tok, line, len);
	if (j && (json_tokener_get_error(tok) != json_tokener_success ||
		  !json_object_is_type(j, json_type_object))) {
		json_object_put(j);
		j = NULL;
	}
	json_tokener_free(tok);
	if (!j) {
		set_err(e, "watch: malformed line from etcd");
		return -EPROTO;
	}
	err = answer_error(e, j, "watch");
	if (err)
		goto out;
	res = json_objf(j, "result");
	if (!res) {
		set_err(e, "watch: a line without a result");
		err = -EPROTO;
		goto out;
	}
	r.created = json_flag(res, "created");
	r.canceled = json_flag(res, "canceled");
	err = header_revision(e, res, &r.revision) ?:
	      json_i64(res, "compact_revision", &r.compact_revision);
	if (err) {
		err = -EPROTO;
		goto out;
	}
	if (r.canceled && !r.compact_revision) {
		const char *why = json_strf(res, "cancel_reason");

		set_err(e, "watch canceled: %s", why ? why : "(no reason)");
		err = why ? grpc_errno(0, why) : -EIO;
		if (why && (strstr(why, "invalid auth token") ||
			    strstr(why, "revision of auth store is old")))
			err = -EKEYEXPIRED;
		goto out;
	}
	if (json_object_object_get_ex(res, "events", &arr)) {
		if (!json_object_is_type(arr, json_type_array)) {
			set_err(e, "watch: malformed events");
			err = -EPROTO;
			goto out;
		}
		n = json_object_array_length(arr);
	}
	if (n) {
		r.events = calloc(n, sizeof(*r.events));
		if (!r.events) {
			err = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		json_object *ev = json_object_array_get_idx(arr, i), *kv;
		const char *type = json_strf(ev, "type");

		kv = json_objf(ev, "kv");
		if (!kv) {
			set_err(e, "watch: an event without kv");
			err = -EPROTO;
			goto out;
		}
		err = parse_kv(e, kv, &r.events[i].kv);
		if (err)
			goto out;
		r.n++;
		r.events[i].type = type && !strcmp(type, "DELETE") ?
				   ETCD_DELETE : ETCD_PUT;
	}
	/* Split per revision, in order; events of a revision are adjacent. */
	start = 0;
	do {
		struct etcd_watch_resp *q, *t;

		for (i = start + 1; i < r.n; i++)
			if (event_cmp_rev(&r.events[start], &r.events[i]))
				break;
		if (!r.n)
			i = 0;
		q = realloc(w->queue, (w->nqueue + 1) * sizeof(*q));
		if (!q) {
			err = -ENOMEM;
			goto out;
		}
		w->queue = q;
		t = &q[w->nqueue];
		*t = r;
		t->events = NULL;
		t->n = i - start;
		if (t->n) {
			t->revision = r.events[start].kv.mod_revision;
			t->events = malloc(t->n * sizeof(*t->events));
			if (!t->events) {
				err = -ENOMEM;
				goto out;
			}
			memcpy(t->events, &r.events[start],
			       t->n * sizeof(*t->events));
			/* The kvs now belong to the queue. */
			memset(&r.events[start], 0, t->n * sizeof(*t->events));
		}
		w->nqueue++;
		start = i;
	} while (start < r.n);
out:
	etcd_watch_resp_free(&r);
	json_object_put(j);
	return err;
}

/* Parse buffered lines until the queue has a response; 0 or -errno. */
static int watch_fill(struct etcd_watch *w)
{
	while (w->qhead == w->nqueue && watch_have_line(w)) {
		char *line = w->in.data + w->off;
		char *nl = memchr(line, '\n', w->in.len - w->off);
		size_t len = nl - line;
		int err;

		w->off += len + 1;
		while (len && isspace((unsigned char)line[len - 1]))
			len--;
		if (!len)
			continue;
		free(w->queue);
		w->queue = NULL;
		w->nqueue = 0;
		w->qhead = 0;
		err = watch_parse(w, line, len);
		if (err)
			return err;
	}
	return 0;
}

void etcd_watch_stop(struct etcd_watch *w)
{
	size_t i;

	if (!w)
		return;
	watch_free_transfer(w);
	for (i = w->qhead; i < w->nqueue; i++)
		etcd_watch_resp_free(&w->queue[i]);
	free(w->queue);
	if (w->multi)
		curl_multi_cleanup(w->multi);
	free(w->body);
	free(w);
}

int etcd_watch_poll(struct etcd_watch *w, struct pollfd *fds, unsigned int nfds,
		    int timeout_ms)
{
	struct curl_waitfd *wfds = NULL;
	long long deadline = now_ms() + (timeout_ms < 0 ? INT_MAX : timeout_ms);
	unsigned int i;
	bool ready;
	int n;

	for (i = 0; i < nfds; i++)
		fds[i].revents = 0;
	watch_perform(w);
	if (w->qhead < w->nqueue || watch_have_line(w))
		return 0;
	if (w->done) {
		set_err(w->e, "%s", w->errmsg);
		return w->err;
	}
	if (nfds) {
		wfds = calloc(nfds, sizeof(*wfds));
		if (!wfds)
			return -ENOMEM;
	}
	/* curl wakes up for its own timers too: wait until something is ready. */
	do {
		long long left = deadline - now_ms();

		for (i = 0; i < nfds; i++) {
			wfds[i].fd = fds[i].fd;
			/* CURL_WAIT_POLL* have poll()'s values. */
			wfds[i].events = fds[i].events & (POLLIN | POLLPRI | POLLOUT);
			wfds[i].revents = 0;
		}
		if (curl_multi_poll(w->multi, wfds, nfds,
				    left > 0 ? (left > INT_MAX ? INT_MAX : left) : 0,
				    &n)) {
			free(wfds);
			return -EIO;
		}
		watch_perform(w);
		ready = w->done || watch_have_line(w);
		for (i = 0; i < nfds; i++) {
			fds[i].revents = wfds[i].revents;
			if (fds[i].revents)
				ready = true;
		}
	} while (!ready && now_ms() < deadline);
	free(wfds);
	return 0;
}

int etcd_watch_next(struct etcd_watch *w, struct etcd_watch_resp *resp)
{
	int err;

	memset(resp, 0, sizeof(*resp));
	watch_perform(w);
	err = watch_fill(w);
	if (err) {
		/* The stream is no use after a bad line: end it here. */
		snprintf(w->errmsg, sizeof(w->errmsg), "%s", w->e->err);
		watch_free_transfer(w);
		w->done = true;
		w->err = err;
		return err;
	}
	if (w->qhead < w->nqueue) {
		*resp = w->queue[w->qhead++];
		if (resp->canceled && resp->compact_revision > 0) {
			set_err(w->e, "watch: start revision %" PRId64
				" compacted, etcd has revisions from %" PRId64
				" on", w->start, resp->compact_revision);
			etcd_watch_resp_free(resp);
			return ETCD_COMPACTED;
		}
		return 1;
	}
	if (w->done) {
		set_err(w->e, "%s", w->errmsg);
		return w->err;
	}
	return 0;
}

/*
 * Wait until the watch has a first response or failed; moves to the next
 * endpoint while the connection fails. 0 or -errno.
 */
static int watch_first(struct etcd_watch *w)
{
	struct etcd *e = w->e;
	size_t tries = 0;
	int err = 0;

	while (tries < e->neps) {
		long long deadline = now_ms() + e->timeout_ms;

		err = watch_connect(w);
		if (err)
			return err;
		while (!w->done && !watch_have_line(w) && now_ms() < deadline) {
			int n;

			curl_multi_poll(w->multi, NULL, 0, 100, &n);
			watch_perform(w);
		}
		if (watch_have_line(w))
			return 0;
		if (!w->done) {
			set_err(e, "watch: no answer from %s within %ld ms",
				e->eps[e->cur], e->timeout_ms);
			return -ETIMEDOUT;
		}
		set_err(e, "%s: %s", e->eps[e->cur], w->errmsg);
		if (w->err != -ECONNREFUSED)
			return w->err;
		tries++;
		e->cur = (e->cur + 1) % e->neps;
	}
	return err ?: -ECONNREFUSED;
}

struct etcd_watch *etcd_watch_start(struct etcd *e, const char *key,
				    const char *range_end, int64_t start_revision)
{
	json_object *req = json_object_new_object(), *cr = json_object_new_object();
	struct etcd_watch *w = calloc(1, sizeof(*w));
	bool renewed = false;
	int err = -ENOMEM;

	if (!req || !cr || !w) {
		json_object_put(req);
		json_object_put(cr);
		free(w);
		set_err(e, "watch: out of memory");
		return NULL;
	}
	w->e = e;
	w->start = start_revision;
	json_object_object_add(req, "create_request", cr);
	err = json_add_b64(cr, "key", key, strlen(key)) ?:
	      json_add_range_end(cr, range_end);
	if (err)
		goto fail;
	if (start_revision)
		json_add_i64(cr, "start_revision", start_revision);
	w->body = strdup(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
	w->multi = curl_multi_init();
	err = -ENOMEM;
	if (!w->body || !w->multi)
		goto fail;
	json_object_put(req);
	req = NULL;
	if (e->user && !e->token) {
		err = authenticate(e);
		if (err)
			goto fail;
		renewed = true;
	}
	for (;;) {
		err = watch_first(w);
		if (err)
			goto fail;
		/* Look at the first line: an error shows there. */
		err = watch_fill(w);
		if (err == -EKEYEXPIRED && e->user && !renewed) {
			renewed = true;
			err = authenticate(e);
			if (err)
				goto fail;
			continue;
		}
		if (err == -EKEYEXPIRED)
			err = -EACCES;
		if (err)
			goto fail;
		return w;
	}
fail:
	if (err == -ENOMEM)
		set_err(e, "watch: out of memory");
	json_object_put(req);
	etcd_watch_stop(w);
	return NULL;
}
