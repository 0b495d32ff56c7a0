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

#include "config.h"
#include "segctl.h"

int batch_split(char *line, char ***argv, int *size)
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

int batch_open(struct batch_reader *r, const char *file)
{
	memset(r, 0, sizeof(*r));
	r->file = file;
	if (!strcmp(file, "-")) {
		r->f = stdin;
		return 0;
	}
	r->f = fopen(file, "r");
	if (!r->f) {
		fprintf(stderr, "segctl: cannot open %s: %s\n", file,
			strerror(errno));
		return 1;
	}
	return 0;
}

char *batch_next(struct batch_reader *r)
{
	ssize_t len;
	char *p;

	while (!r->ret && (len = getline(&r->line, &r->size, r->f)) >= 0) {
		r->line_no++;
		/* A NUL would end the line early: not a text file. */
		if (memchr(r->line, '\0', len)) {
			fprintf(stderr,
				"segctl: %s:%u: a NUL byte: not a text file\n",
				r->file, r->line_no);
			r->ret = EXIT_USAGE;
			break;
		}
		for (p = r->line; isspace((unsigned char)*p); p++)
			;
		if (*p && *p != '#')
			return r->line;
	}
	return NULL;
}

int batch_close(struct batch_reader *r, int ret)
{
	if (!ret)
		ret = r->ret;
	if (!ret && ferror(r->f)) {
		fprintf(stderr, "segctl: cannot read %s: %s\n", r->file,
			strerror(errno));
		ret = 1;
	}
	if (r->f != stdin)
		fclose(r->f);
	free(r->line);
	memset(r, 0, sizeof(*r));
	return ret;
}

int run_batch(const char *file)
{
	struct batch_reader r;
	char **argv = NULL, *line;
	int argc, argv_size = 0;
	int ret = 0;

	if (batch_open(&r, file))
		return 1;
	sfnl_batch_start(file);
	while (!ret && (line = batch_next(&r))) {
		sfnl_batch_line(r.line_no);
		argc = batch_split(line, &argv, &argv_size);
		if (argc < 0) {
			fputs("segctl: out of memory\n", stderr);
			ret = 1;
		} else {
			ret = batch_command(argc, argv);
		}
	}
	ret = batch_close(&r, ret);
	free(argv);
	current_cmd = NULL;

	/* Nothing is sent unless every line is good. */
	if (ret) {
		sfnl_batch_discard();
		return ret;
	}
	return sfnl_batch_commit();
}

/*
 * Run @fn(@arg) with the kernel's errors recorded instead of printed:
 * the error becomes @err's message, with the index of the line it is
 * about (batch lines are numbered from 1, the index from 0).  A failure
 * that is not the kernel's answer (no socket, no memory) was printed;
 * @err then says where to look.
 */
static int run_recorded(int (*fn)(void *arg), void *arg,
			struct config_error *err)
{
	unsigned int line;
	const char *msg;
	int ret;

	sfnl_clear_error();
	sfnl_set_quiet(true);
	ret = fn(arg);
	sfnl_set_quiet(false);
	if (!ret || err->msg[0])
		return ret;
	msg = sfnl_last_error(&line);
	if (line)
		err->index = line - 1;
	snprintf(err->msg, sizeof(err->msg), "%s",
		 msg ? msg : "the transaction failed (see the messages above)");
	return ret;
}

/* Queue the request of one line; the parser's message goes to @err. */
static int queue_line(const char *line, struct config_error *err)
{
	char **argv = NULL;
	int argc, size = 0;
	char *copy;
	int ret;

	copy = strdup(line);
	if (!copy) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return 1;
	}
	argc = batch_split(copy, &argv, &size);
	if (argc < 0) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		ret = 1;
	} else if (!argc) {
		ret = 0;
	} else {
		usage_capture(err->msg, sizeof(err->msg));
		ret = batch_command(argc, argv);
		usage_capture(NULL, 0);
		current_cmd = NULL;
		if (ret && !err->msg[0])
			snprintf(err->msg, sizeof(err->msg),
				 "invalid command \"%s\"", line);
	}
	free(argv);
	free(copy);
	return ret;
}

static int commit(void *arg)
{
	(void)arg;
	return sfnl_batch_commit();
}

int batch_lines(char *const *lines, unsigned int n, struct config_error *err)
{
	unsigned int i;
	int ret = 0;

	err->index = -1;
	err->msg[0] = '\0';
	sfnl_batch_start("line");
	for (i = 0; i < n && !ret; i++) {
		sfnl_batch_line(i + 1);
		ret = queue_line(lines[i], err);
		if (ret)
			err->index = i;
	}
	if (ret) {
		sfnl_batch_discard();
		return ret;
	}
	/* The commit opens a socket of its own. */
	sfnl_close();
	return run_recorded(commit, NULL, err);
}

/* A command line run at once, as segctl would run it. */
static int run_line(void *arg)
{
	const char *line = arg;
	const struct cmd *cmd;
	char **argv = NULL;
	int argc, size = 0, n_words;
	char *copy;
	int ret;

	copy = strdup(line);
	if (!copy)
		return 1;
	argc = batch_split(copy, &argv, &size);
	ret = argc <= 0;
	if (!ret) {
		cmd = find_cmd(argv[0], argc - 1, argv + 1, &n_words);
		if (cmd) {
			current_cmd = cmd;
			ret = cmd->run(argc - 1 - n_words, argv + 1 + n_words);
			current_cmd = NULL;
		} else {
			fprintf(stderr, "segctl: unknown command \"%s\"\n", line);
			ret = EXIT_USAGE;
		}
	}
	free(argv);
	free(copy);
	return ret;
}

int batch_run_now(const char *line, struct config_error *err)
{
	err->index = -1;
	err->msg[0] = '\0';
	return run_recorded(run_line, (void *)line, err);
}
