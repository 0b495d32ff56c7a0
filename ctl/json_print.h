/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small text/JSON printer in the style of iproute2: each value is
 * printed with one call, which writes either "text" (printf-like, to
 * stdout) or a JSON member, depending on the mode chosen at startup.
 *
 *	print_string(PRINT_ANY, "domain", "domain %s", name);
 *	print_uint(PRINT_ANY, "id", " id %u", id);
 *	print_uint(PRINT_JSON, "domain_id", NULL, id);	(JSON only)
 *
 * In an array, the key is ignored in JSON and only the value is written.
 */
#ifndef SEGCTL_JSON_PRINT_H
#define SEGCTL_JSON_PRINT_H

#include <stdbool.h>
#include <stdint.h>

enum output_type {
	PRINT_FP	= 1,	/* text mode only */
	PRINT_JSON	= 2,	/* JSON mode only */
	PRINT_ANY	= 3,	/* both */
};

/* Start and finish the output; json and pretty come from -j and -p. */
void new_json_obj(bool json, bool pretty);
void delete_json_obj(void);
bool is_json_context(void);

void open_json_object(const char *key);
void close_json_object(void);
/* Containers only exist in JSON; they print nothing in text mode. */
void open_json_array(const char *key);
void close_json_array(void);

/* Text that only appears in text mode. */
void print_text(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* The format, used in text mode only, takes exactly one value. */
void print_string(enum output_type type, const char *key, const char *fmt,
		  const char *value);
void print_uint(enum output_type type, const char *key, const char *fmt,
		unsigned int value);
void print_u64(enum output_type type, const char *key, const char *fmt,
	       uint64_t value);

/*
 * A boolean: true or false in JSON; in text, @fmt (printed as it is,
 * it takes no value) if @value is true, nothing otherwise.
 */
void print_bool(enum output_type type, const char *key, const char *fmt,
		bool value);

/* End of a text line; nothing in JSON mode. */
void print_nl(void);

/*
 * End of one record of a stream (a monitor event): the line ends, in
 * both modes, and is flushed.  In JSON mode, the record was one
 * top-level object, and the next one starts a new JSON document.
 */
void print_record_end(void);

#endif /* SEGCTL_JSON_PRINT_H */
