// SPDX-License-Identifier: GPL-2.0
/*
 * segctl: configure segfilter, the segment filter for VM and container
 * ports, over its generic netlink family.
 *
 *	segctl [-j] [-p] [-h] OBJECT VERB [ARGS]
 *	segctl [-j] [-c] -b FILE
 *	segctl [-j] -V
 *
 * This file holds the options and main; cmds.c the command table, the
 * dispatch and the help.  batch.c runs a file of commands.
 *
 * Cluster mode (--etcd) is segctl-etcd, this file built with
 * SEGCTL_CLUSTER and linked with the etcd client: segctl itself does
 * not load libcurl and the libraries it brings, which would multiply
 * the time every segctl run takes to start by ten.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster.h"
#include "json_print.h"
#include "segctl.h"

#ifndef SEGCTL_CLUSTER
/* Run segctl-etcd with @argv: the one beside this segctl, else PATH's. */
static int exec_cluster(char **argv)
{
	static const char name[] = "segctl-etcd";
	char path[PATH_MAX];
	char *slash;
	ssize_t n;

	n = readlink("/proc/self/exe", path, sizeof(path) - sizeof(name));
	if (n > 0) {
		path[n] = '\0';
		slash = strrchr(path, '/');
		if (slash) {
			memcpy(slash + 1, name, sizeof(name));
			execv(path, argv);
		}
	}
	execvp(name, argv);
	fprintf(stderr, "segctl: --etcd needs %s, beside segctl or in PATH: %s\n",
		name, strerror(errno));
	return 1;
}
#endif

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json",	no_argument,	NULL, 'j' },
		{ "pretty",	no_argument,	NULL, 'p' },
		{ "batch",	required_argument, NULL, 'b' },
		{ "check",	no_argument,	NULL, 'c' },
		{ "version",	no_argument,	NULL, 'V' },
		{ "etcd",	required_argument, NULL, 'E' },
		{ "user",	required_argument, NULL, 'U' },
		{ "password-file", required_argument, NULL, 'P' },
		{ "help",	no_argument,	NULL, 'h' },
		{ NULL,		0,		NULL, 0 }
	};
	bool json = false, pretty = false, check = false, version = false;
	const char *etcd = getenv("SEGCTL_ETCD");
	const char *batch = NULL, *user = NULL, *pwfile = NULL;
	int opt, ret;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+jphb:cV", options, NULL)) != -1) {
		switch (opt) {
		case 'b':
			batch = optarg;
			break;
		case 'c':
			check = true;
			break;
		case 'V':
			version = true;
			break;
		case 'E':
			etcd = optarg;
			break;
		case 'U':
			user = optarg;
			break;
		case 'P':
			pwfile = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'p':
			pretty = true;
			break;
		case 'h':
			return segctl_help();
		default:
			if (optopt == 'b') {
				fputs("segctl: option \"-b\" needs a FILE\n",
				      stderr);
				return EXIT_USAGE;
			}
			if (optopt)
				fprintf(stderr, "segctl: unknown option \"-%c\"\n",
					optopt);
			else
				fprintf(stderr, "segctl: unknown option \"%s\"\n",
					argv[optind - 1]);
			fputs("Try \"segctl help\".\n", stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (version) {
		if (argc || batch || check) {
			fputs("segctl: \"--version\" takes nothing else\n", stderr);
			return EXIT_USAGE;
		}
		new_json_obj(json, pretty);
		ret = segctl_version();
		delete_json_obj();
		sfnl_close();
		return ret;
	}
	if (check && !batch) {
		fputs("segctl: \"-c\" checks a batch file: \"segctl -c -b FILE\" (\"segctl diff FILE\" tells what sync would change)\n",
		      stderr);
		return EXIT_USAGE;
	}
	if (batch && argc) {
		fprintf(stderr,
			"segctl: \"-b FILE\" takes no command (found \"%s\")\n",
			argv[0]);
		return EXIT_USAGE;
	}
	if (!batch && argc < 1) {
		print_usage(stderr, NULL, NULL);
		return EXIT_USAGE;
	}

	/* Cluster mode: the desired state in etcd, not the module's. */
	if (etcd && *etcd)
#ifdef SEGCTL_CLUSTER
	{
		if (check) {
			fputs("segctl: \"-c\" checks against the module, not etcd\n",
			      stderr);
			return EXIT_USAGE;
		}
		/* -j: show, save and status print JSON */
		new_json_obj(json, pretty);
		ret = cluster_segctl(etcd, getenv("SEGCTL_ETCD_PREFIX"), user,
				     pwfile, batch, argc, argv);
		delete_json_obj();
		if (fflush(stdout) || ferror(stdout)) {
			perror("segctl: write error");
			ret = 1;
		}
		return ret;
	}
#else
		/* "+" kept getopt from permuting: this is argv as given. */
		return exec_cluster(argv - optind);
#endif
	if (user || pwfile) {
		fputs("segctl: \"--user\" and \"--password-file\" are for etcd (--etcd)\n",
		      stderr);
		return EXIT_USAGE;
	}

	new_json_obj(json, pretty);
	sfnl_batch_set_check(check);
	ret = batch ? run_batch(batch) : dispatch(argc, argv);
	delete_json_obj();
	sfnl_close();
	if (fflush(stdout) || ferror(stdout)) {
		perror("segctl: write error");
		ret = 1;
	}
	return ret;
}
