/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A segfilter configuration as a set of segctl batch lines, one record
 * per object, and the difference between two of them.
 *
 * Each record is canonical: defaults filled in, keywords in a fixed
 * order, domains and groups named as "segctl save" names them.  Two
 * configurations are thus equal when their lines are, and the
 * difference engine compares records by key and line alone.
 *
 * Used by "segctl sync", "segctl diff" and by segd.
 */
#ifndef SEGCTL_CONFIG_H
#define SEGCTL_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

struct config;

/*
 * An error of config_add_line() or config_diff_apply(): @index is the
 * line or command it concerns (-1 if none in particular), @msg the text.
 */
struct config_error {
	int index;
	char msg[256];
};

/* An empty configuration, or NULL when out of memory. */
struct config *config_new(void);
void config_free(struct config *cfg);

/*
 * Add one batch line ("domain add", "group add", "prefix add", "port attach",
 * "endpoint add", "rule add", "service add", "service instance add",
 * "service instance drain", "chain add"); blank and # lines are
 * ignored.  Returns 0, or EXIT_USAGE with @err->msg set (nothing
 * added).  The message is not prefixed with where the line comes from:
 * the caller formats that.  The line is checked at least as segctl's
 * own parser checks it.  A second record with the same key is an error
 * ("rule 5 of domain t given twice").
 */
int config_add_line(struct config *cfg, const char *line,
		    struct config_error *err);

/*
 * Add every line of the batch file @file ("-" for stdin).  Errors are
 * printed to stderr as FILE:LINE: message.  Returns 0 or EXIT_USAGE
 * (or 1 when the file cannot be read).
 */
int config_add_file(struct config *cfg, const char *file);

/* Add the module's configuration, as "segctl save" dumps it.  0 or 1. */
int config_from_module(struct config *cfg);

/*
 * Record keys: "domain D", "group D G", "prefix D ADDR/LEN", "port DEV",
 * "endpoint D MAC", "rule D ID", "service D S", "instance D S ID",
 * "chain D C", where D and G are the names "segctl save" prints.
 */
/* Remove the record of @key: 0, or -ENOENT if there is none. */
int config_remove(struct config *cfg, const char *key);
bool config_has(const struct config *cfg, const char *key);
/*
 * Copy every record of @src to @dst.  0, -ENOMEM, or -EEXIST when @dst
 * has the key (or the domain or group id) of a record already: *@dup is
 * that key (in @src), and what came before it was copied.
 */
int config_copy(struct config *dst, const struct config *src,
		const char **dup);
/* The same, of the records whose key @keep keeps (@dup may be NULL). */
int config_copy_if(struct config *dst, const struct config *src,
		   bool (*keep)(const char *key, void *arg), void *arg,
		   const char **dup);
/* Copy the record of key @key: 0, -ENOENT, -EEXIST, -ENOMEM. */
int config_copy_key(struct config *dst, const struct config *src,
		    const char *key);
/*
 * The key of the first record of @src whose key, domain id or group id
 * @dst has already, or NULL.
 */
const char *config_conflict(const struct config *dst,
			    const struct config *src);
/* The number of records, and of those removed that still take room. */
unsigned int config_count(const struct config *cfg);
unsigned int config_dead(const struct config *cfg);
/* Print every record, in "segctl save"'s form and order. */
void config_print(const struct config *cfg, FILE *f);

struct config_diff;

/*
 * The commands that turn @cur into @want, or NULL when out of memory.
 * The configurations must stay alive as long as the diff.
 */
struct config_diff *config_diff(const struct config *cur,
				const struct config *want);
bool config_diff_empty(const struct config_diff *d);
/* The number of commands, those that follow the transaction included. */
unsigned int config_diff_count(const struct config_diff *d);
/*
 * Print what "segctl diff" prints: the batch lines of the transaction,
 * then the commands that follow it (port detach, domain del, which the
 * kernel cannot stage in a transaction), marked as such.
 */
void config_diff_print(const struct config_diff *d, FILE *f);
/* The key of the record the @index-th command of the diff changes. */
const char *config_diff_key(const struct config_diff *d, int index);
/*
 * Apply the diff: one kernel transaction, then the post-commit
 * commands.  Returns 0, or 1 with @err->index the failing command (-1
 * if none in particular) and @err->msg the kernel's extack message.
 * When the transaction fails, nothing is applied.
 */
int config_diff_apply(const struct config_diff *d, struct config_error *err);
void config_diff_free(struct config_diff *d);

/*
 * Beyond the shared contract, for segctl sync and diff: the line of the
 * file @key's record comes from (0 if none), the @index-th command of a
 * diff, and why a diff cannot be applied (NULL if it can).
 */
unsigned int config_line_of(const struct config *cfg, const char *key);
const char *config_diff_line(const struct config_diff *d, int index);
const char *config_diff_error(const struct config_diff *d);
/* The key of the record a diff's error is about (NULL if none). */
const char *config_diff_error_key(const struct config_diff *d);

#endif /* SEGCTL_CONFIG_H */
