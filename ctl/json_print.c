// SPDX-License-Identifier: GPL-2.0
/*
 * Text and JSON output from the same print calls.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "json_print.h"

#define JSON_MAX_DEPTH	16

static bool json;
static bool pretty;

/* The JSON containers currently open, innermost last. */
static struct json_level {
	bool is_array;
	unsigned int count;	/* members written so far */
} stack[JSON_MAX_DEPTH];
static unsigned int depth;
static bool started;		/* anything written, in JSON mode */

bool is_json_context(void)
{
	return json;
}

void new_json_obj(bool want_json, bool want_pretty)
{
	json = want_json;
	pretty = want_json && want_pretty;
	depth = 0;
	started = false;
}

static void json_indent(void)
{
	unsigned int i;

	if (!pretty)
		return;
	putchar('\n');
	for (i = 0; i < depth; i++)
		fputs("    ", stdout);
}

static void json_escape(const char *s)
{
	const unsigned char *p;

	putchar('"');
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\b':
			fputs("\\b", stdout);
			break;
		case '\f':
			fputs("\\f", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\r':
			fputs("\\r", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		default:
			/* Device names need not be UTF-8: JSON must be. */
			if (*p < 0x20 || *p >= 0x7f)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}

/*
 * Write what comes before a value: the separating comma, the indentation
 * and, inside an object, the key.  Inside an array the key is ignored.
 */
static void json_member(const char *key)
{
	struct json_level *lvl;

	if (!depth)
		return;
	lvl = &stack[depth - 1];
	if (lvl->count++)
		putchar(',');
	json_indent();
	if (!lvl->is_array) {
		json_escape(key ? key : "");
		fputs(pretty ? ": " : ":", stdout);
	}
}

static void json_push(bool is_array)
{
	if (depth == JSON_MAX_DEPTH) {
		fputs("segctl: JSON nesting too deep\n", stderr);
		abort();
	}
	started = true;
	stack[depth].is_array = is_array;
	stack[depth].count = 0;
	depth++;
	putchar(is_array ? '[' : '{');
}

static void json_pop(bool is_array)
{
	unsigned int count;

	if (!depth || stack[depth - 1].is_array != is_array) {
		fputs("segctl: unbalanced JSON output\n", stderr);
		abort();
	}
	count = stack[depth - 1].count;
	depth--;
	if (count)
		json_indent();
	putchar(is_array ? ']' : '}');
}

void delete_json_obj(void)
{
	if (!json)
		return;
	while (depth)
		json_pop(stack[depth - 1].is_array);
	if (started)
		putchar('\n');
}

void open_json_object(const char *key)
{
	if (!json)
		return;
	json_member(key);
	json_push(false);
}

void close_json_object(void)
{
	if (json)
		json_pop(false);
}

void open_json_array(const char *key)
{
	if (!json)
		return;
	json_member(key);
	json_push(true);
}

void close_json_array(void)
{
	if (json)
		json_pop(true);
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

/* Whether this call prints text; JSON is handled by the callers. */
static bool want_text(enum output_type type, const char *fmt)
{
	return !json && (type & PRINT_FP) && fmt;
}

void print_string(enum output_type type, const char *key, const char *fmt,
		  const char *value)
{
	if (!value)
		value = "";
	if (json) {
		if (type & PRINT_JSON) {
			json_member(key);
			json_escape(value);
		}
	} else if (want_text(type, fmt)) {
		printf(fmt, value);
	}
}

void print_uint(enum output_type type, const char *key, const char *fmt,
		unsigned int value)
{
	if (json) {
		if (type & PRINT_JSON) {
			json_member(key);
			printf("%u", value);
		}
	} else if (want_text(type, fmt)) {
		printf(fmt, value);
	}
}

void print_u64(enum output_type type, const char *key, const char *fmt,
	       uint64_t value)
{
	if (json) {
		if (type & PRINT_JSON) {
			json_member(key);
			printf("%" PRIu64, value);
		}
	} else if (want_text(type, fmt)) {
		printf(fmt, value);
	}
}

void print_bool(enum output_type type, const char *key, const char *fmt,
		bool value)
{
	if (json) {
		if (type & PRINT_JSON) {
			json_member(key);
			fputs(value ? "true" : "false", stdout);
		}
	} else if (want_text(type, fmt) && value) {
		fputs(fmt, stdout);
	}
}

void print_nl(void)
{
	if (!json)
		putchar('\n');
}

void print_record_end(void)
{
	putchar('\n');
	started = false;
	fflush(stdout);
}
