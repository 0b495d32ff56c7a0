// SPDX-License-Identifier: GPL-2.0
/*
 * insnmark: execute the marker instruction that tests/bench/insn's QEMU
 * plugin (insncount.so) recognises, so that it writes the instructions
 * the vCPU has executed so far to its file.
 *
 *   insnmark [-c CPU] LABEL
 *
 * Moves itself to CPU (default 0: where pktgen runs in the bench), prints
 * "INSNMARK LABEL" on stdout, then executes the marker once.  The host
 * pairs the n-th INSNMARK line of the guest's output with the n-th mark of
 * the plugin's file (tests/bench/insn/pair.py).  Without the plugin the
 * marker is a NOP and nothing else happens.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* nopl 0x4b52414d(%rax,%rax,1): 0f 1f 84 00 "MARK" */
static void marker(void)
{
	__asm__ volatile(".byte 0x0f, 0x1f, 0x84, 0x00, 0x4d, 0x41, 0x52, 0x4b"
			 ::: "memory");
}

static void bad_usage(void)
{
	fprintf(stderr, "usage: insnmark [-c CPU] LABEL\n");
	exit(2);
}

int main(int argc, char **argv)
{
	char line[256];
	cpu_set_t set;
	int cpu = 0, opt, n;

	while ((opt = getopt(argc, argv, "c:")) != -1) {
		switch (opt) {
		case 'c':
			cpu = atoi(optarg);
			break;
		default:
			bad_usage();
		}
	}
	if (optind != argc - 1 || strchr(argv[optind], ' '))
		bad_usage();
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("insnmark: sched_setaffinity");
		return 1;
	}
	/* Yield once so that the move has happened before the mark. */
	sched_yield();
	n = snprintf(line, sizeof(line), "INSNMARK %s\n", argv[optind]);
	if (n < 0 || n >= (int)sizeof(line) || write(1, line, n) != n) {
		perror("insnmark: write");
		return 1;
	}
	marker();
	return 0;
}
