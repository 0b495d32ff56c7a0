// SPDX-License-Identifier: GPL-2.0
/*
 * segctl sync FILE: make the module's configuration what FILE says, in
 * one transaction (and the port detaches and domain deletes that
 * follow it), touching nothing else.
 *
 * segctl diff FILE: print what sync would do, and change nothing.  Like
 * diff(1), it exits 0 when there is no difference, 1 when there is one,
 * 2 on trouble.
 */
#include <stdio.h>

#include "config.h"
#include "json_print.h"
#include "segctl.h"

/* The file's configuration and the module's; 0, or the exit status. */
static int load(int argc, char **argv, struct config **want,
		struct config **cur)
{
	int ret;

	*want = NULL;
	*cur = NULL;
	if (argc < 1)
		return usage_error("missing FILE");
	if (parse_keywords(argc - 1, argv + 1, NULL, 0))
		return EXIT_USAGE;
	if (is_json_context())
		return usage_error("no JSON output here (it prints batch lines)");
	*want = config_new();
	*cur = config_new();
	if (!*want || !*cur) {
		fputs("segctl: out of memory\n", stderr);
		return 1;
	}
	ret = config_add_file(*want, argv[0]);
	if (!ret)
		ret = config_from_module(*cur);
	return ret;
}

/* sync FILE */
int sync_cmd(int argc, char **argv)
{
	struct config *want, *cur;
	struct config_diff *d = NULL;
	struct config_error err;
	const char *key;
	unsigned int line;
	int ret;

	ret = load(argc, argv, &want, &cur);
	if (ret)
		goto out;
	d = config_diff(cur, want);
	if (!d) {
		fputs("segctl: out of memory\n", stderr);
		ret = 1;
		goto out;
	}
	if (config_diff_empty(d))
		goto out;
	ret = config_diff_apply(d, &err);
	if (!ret)
		goto out;
	/* Name the file's line the failing command comes from, if any. */
	key = config_diff_key(d, err.index);
	line = key ? config_line_of(want, key) : 0;
	fputs("Error: ", stderr);
	if (line)
		fprintf(stderr, "%s:%u: ", argv[0], line);
	fputs(err.msg, stderr);
	if (err.index >= 0)
		fprintf(stderr, " (in \"%s\")", config_diff_line(d, err.index));
	fputc('\n', stderr);
out:
	config_diff_free(d);
	config_free(want);
	config_free(cur);
	return ret;
}

/* diff FILE */
int diff_cmd(int argc, char **argv)
{
	struct config *want, *cur;
	struct config_diff *d = NULL;
	int ret;

	ret = load(argc, argv, &want, &cur);
	if (ret) {
		ret = 2;
		goto out;
	}
	d = config_diff(cur, want);
	if (!d) {
		fputs("segctl: out of memory\n", stderr);
		ret = 2;
		goto out;
	}
	if (config_diff_error(d)) {
		fprintf(stderr, "Error: %s\n", config_diff_error(d));
		ret = 2;
		goto out;
	}
	config_diff_print(d, stdout);
	ret = !config_diff_empty(d);
out:
	config_diff_free(d);
	config_free(want);
	config_free(cur);
	return ret;
}
