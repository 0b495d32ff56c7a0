// SPDX-License-Identifier: GPL-2.0
/*
 * segctl -b FILE: the commands of FILE (- for stdin), one per line,
 * applied as one transaction: all of them, or none.
 *
 * Every line is parsed and its request built before anything is sent,
 * by the very handlers of the command line, which nl.c's batch mode
 * makes queue their request instead of sending it.  Only commands that
 * create, change or delete configuration may appear.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "segctl.h"

/* The blank-separated words of @line, in *argv (grown as needed). */
static int split(char *line, char ***argv, int *size)
{
	char *p = line;
	int argc = 0;

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			return argc;
		if (argc + 1 >= *size) {
			int new_size = *size ? 2 * *size : 32;
			char **new_argv;

			new_argv = realloc(*argv, new_size * sizeof(**argv));
			if (!new_argv)
				return -1;
			*argv = new_argv;
			*size = new_size;
		}
		(*argv)[argc++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = '\0';
		(*argv)[argc] = NULL;
	}
}

/* Parse one command and queue its request; returns the exit status. */
static int batch_command(int argc, char **argv)
{
	const struct cmd *cmd;
	int n_words;

	cmd = find_cmd(argv[0], argc - 1, argv + 1, &n_words);
	if (!cmd) {
		current_cmd = NULL;
		return usage_error("unknown command \"%s%s%s%s%s\"", argv[0],
				   n_words > 0 ? " " : "",
				   n_words > 0 ? argv[1] : "",
				   n_words > 1 ? " " : "",
				   n_words > 1 ? argv[2] : "");
	}
	current_cmd = cmd;
	if (!cmd->batch)
		return usage_error("\"%s%s%s\" cannot be used in a batch file",
				   cmd->object, cmd->verb ? " " : "",
				   cmd->verb ? cmd->verb : "");
	return cmd->run(argc - 1 - n_words, argv + 1 + n_words);
}

int run_batch(const char *file)
{
	unsigned int line_no = 0;
	char **argv = NULL;
	char *line = NULL;
	size_t line_size = 0;
	int argc, argv_size = 0;
	int ret = 0;
	FILE *f;

	if (!strcmp(file, "-")) {
		f = stdin;
	} else {
		f = fopen(file, "r");
		if (!f) {
			fprintf(stderr, "segctl: cannot open %s: %s\n", file,
				strerror(errno));
			return 1;
		}
	}

	sfnl_batch_start(file);
	while (!ret && getline(&line, &line_size, f) >= 0) {
		sfnl_batch_line(++line_no);
		argc = split(line, &argv, &argv_size);
		if (argc < 0) {
			fputs("segctl: out of memory\n", stderr);
			ret = 1;
		} else if (argc && argv[0][0] != '#') {
			ret = batch_command(argc, argv);
		}
	}
	if (!ret && ferror(f)) {
		fprintf(stderr, "segctl: cannot read %s: %s\n", file,
			strerror(errno));
		ret = 1;
	}
	if (f != stdin)
		fclose(f);
	free(line);
	free(argv);
	current_cmd = NULL;

	/* Nothing is sent unless every line is good. */
	if (ret) {
		sfnl_batch_discard();
		return ret;
	}
	return sfnl_batch_commit();
}
