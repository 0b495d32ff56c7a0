// SPDX-License-Identifier: GPL-2.0
/*
 * insncount.so: a QEMU TCG plugin that counts the instructions each
 * vCPU of the guest executes and, whenever the guest executes the
 * marker instruction (tests/tools/insnmark), writes that vCPU's count
 * to a file.  tests/bench/run.sh --insn pairs these lines with what the
 * guest printed around them (tests/bench/insn/pair.py).
 *
 *   qemu-system-x86_64 ... -plugin insncount.so,out=FILE
 *
 * One line per mark:
 *
 *   mark SEQ VCPU INSNS TOTAL
 *
 * SEQ counts the marks from 1, VCPU is the vCPU that executed it, INSNS
 * the instructions that vCPU executed before the marker, TOTAL those of
 * all vCPUs (the other vCPUs' figures as of their last translation block).
 *
 * The marker is "nopl 0x4b52414d(%rax,%rax,1)" (0f 1f 84 00 4d 41 52 4b,
 * "MARK" as displacement): a NOP that does nothing in the guest, which
 * the plugin recognises from its bytes when it translates a block.
 *
 * Counting: every translation block adds its number of instructions to
 * its vCPU's counter when it starts.  A block left early (a fault in its
 * middle) counts whole; interrupts are taken between blocks.  Each vCPU
 * writes only its own counter, so the counts are exact with one host
 * thread per vCPU as well as with one for all.
 *
 * With profile=FILE as well (opt-in: without it nothing below runs and
 * the plugin costs what it did), it also writes where the instructions
 * went: at every mark, for the window since that vCPU's previous mark
 * (the profiled vCPU is the one that executed the last mark), the
 * instructions that vCPU executed in each translation block, by the
 * block's first guest address:
 *
 *   window SEQ VCPU       (the window that ends at mark SEQ)
 *   VADDR INSNS           (hex, decimal; one line per block run in it)
 *
 * The first window starts at mark 1 (nothing is profiled before).  A
 * block is counted whole into the window in which it starts, as for the
 * counts above; the few instructions after a marker in its block fall
 * into the window that the marker ends, the same in every window.
 * tests/bench/insn/profile.py maps the addresses to the guest's
 * functions.  It needs one host thread for all vCPUs (tests/vm/run.sh
 * --plugin), since the window's blocks are written by the vCPU that
 * runs them and read by the one that executes the mark.
 *
 * Debian ships no qemu-plugin.h: plugin-api.h declares the part of QEMU
 * 7.2's plugin API (version 1) that this file uses.
 */
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include "plugin-api.h"

PLUGIN_EXPORT int qemu_plugin_version = PLUGIN_API_VERSION;

#define MAX_VCPUS 64

static const unsigned char marker[] = {
	0x0f, 0x1f, 0x84, 0x00, 'M', 'A', 'R', 'K'
};

/* One counter per vCPU, each on a cache line of its own. */
struct vcpu_count {
	u64 insns;
} __aligned(64);

static struct vcpu_count counts[MAX_VCPUS];
static unsigned int nvcpus;
static FILE *out;
static u64 marks;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * profile=FILE: one of these per translation (a block translated again
 * gets another; the dump adds them up by address, profile.py too).
 * Only the profiled vCPU counts; a block that runs for the first time
 * in a window goes onto the window's list, which the next mark writes
 * and empties.
 */
struct prof_tb {
	u64 vaddr;
	u64 ninsns;
	u64 runs;
	struct prof_tb *next;
};

static FILE *prof;
static unsigned int prof_vcpu = UINT32_MAX;
static struct prof_tb *prof_list;

static void tb_exec(unsigned int vcpu, void *udata)
{
	if (vcpu < MAX_VCPUS)
		counts[vcpu].insns += (uintptr_t)udata;
}

static void tb_exec_prof(unsigned int vcpu, void *udata)
{
	struct prof_tb *p = udata;

	if (vcpu < MAX_VCPUS)
		counts[vcpu].insns += p->ninsns;
	if (vcpu != prof_vcpu)
		return;
	if (!p->runs++) {
		p->next = prof_list;
		prof_list = p;
	}
}

/* Write the window that ends at mark SEQ, start the next one on VCPU. */
static void prof_dump(u64 seq, unsigned int vcpu)
{
	struct prof_tb *p = prof_list, *next;

	if (prof_vcpu != UINT32_MAX)
		fprintf(prof, "window %llu %u\n", (unsigned long long)seq,
			prof_vcpu);
	for (; p; p = next) {
		next = p->next;
		if (prof_vcpu != UINT32_MAX)
			fprintf(prof, "%llx %llu\n", (unsigned long long)p->vaddr,
				(unsigned long long)(p->runs * p->ninsns));
		p->runs = 0;
		p->next = NULL;
	}
	prof_list = NULL;
	prof_vcpu = vcpu;
	fflush(prof);
}

/*
 * udata: the instructions of the marker's block from the marker to its
 * end, which tb_exec() has counted already.
 */
static void mark_exec(unsigned int vcpu, void *udata)
{
	u64 total = 0, mine;
	unsigned int i;

	if (vcpu >= MAX_VCPUS)
		return;
	mine = counts[vcpu].insns - (uintptr_t)udata;
	for (i = 0; i < nvcpus; i++)
		total += counts[i].insns;
	total -= (uintptr_t)udata;
	pthread_mutex_lock(&out_lock);
	if (!out) {
		pthread_mutex_unlock(&out_lock);
		return;
	}
	marks++;
	fprintf(out, "mark %llu %u %llu %llu\n", (unsigned long long)marks,
		vcpu, (unsigned long long)mine, (unsigned long long)total);
	fflush(out);
	if (prof)
		prof_dump(marks, vcpu);
	pthread_mutex_unlock(&out_lock);
}

static void tb_trans(u64 id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb), i;
	struct prof_tb *p;

	if (!prof) {
		qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec,
						     QEMU_PLUGIN_CB_NO_REGS,
						     (void *)(uintptr_t)n);
	} else {
		p = calloc(1, sizeof(*p));
		if (!p) {
			qemu_plugin_outs("insncount: out of memory\n");
			abort();
		}
		p->vaddr = qemu_plugin_tb_vaddr(tb);
		p->ninsns = n;
		qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec_prof,
						     QEMU_PLUGIN_CB_NO_REGS, p);
	}
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

		if (qemu_plugin_insn_size(insn) != sizeof(marker) ||
		    memcmp(qemu_plugin_insn_data(insn), marker, sizeof(marker)))
			continue;
		qemu_plugin_register_vcpu_insn_exec_cb(insn, mark_exec,
						       QEMU_PLUGIN_CB_NO_REGS,
						       (void *)(uintptr_t)(n - i));
	}
}

static void at_exit(u64 id, void *udata)
{
	unsigned int i;

	pthread_mutex_lock(&out_lock);
	for (i = 0; i < nvcpus; i++)
		fprintf(out, "end %u %llu\n", i,
			(unsigned long long)counts[i].insns);
	fclose(out);
	out = NULL;
	if (prof) {
		fclose(prof);
		prof = NULL;
	}
	pthread_mutex_unlock(&out_lock);
}

PLUGIN_EXPORT int qemu_plugin_install(u64 id,
				      const struct qemu_info *info,
				      int argc, char **argv)
{
	const char *path = NULL, *prof_path = NULL;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4)) {
			path = argv[i] + 4;
		} else if (!strncmp(argv[i], "profile=", 8)) {
			prof_path = argv[i] + 8;
		} else {
			qemu_plugin_outs("insncount: unknown argument (out=FILE, profile=FILE)\n");
			return -1;
		}
	}
	if (!path) {
		qemu_plugin_outs("insncount: out=FILE is required\n");
		return -1;
	}
	if (!info->system_emulation) {
		qemu_plugin_outs("insncount: for system emulation only\n");
		return -1;
	}
	nvcpus = info->system.max_vcpus;
	if (nvcpus > MAX_VCPUS) {
		qemu_plugin_outs("insncount: too many vCPUs\n");
		return -1;
	}
	out = fopen(path, "w");
	if (!out) {
		qemu_plugin_outs("insncount: cannot open the out= file\n");
		return -1;
	}
	if (prof_path) {
		prof = fopen(prof_path, "w");
		if (!prof) {
			qemu_plugin_outs("insncount: cannot open the profile= file\n");
			return -1;
		}
		fprintf(prof, "insncount-profile %s vcpus %u\n",
			info->target_name, nvcpus);
	}
	fprintf(out, "insncount %s vcpus %u\n", info->target_name, nvcpus);
	fflush(out);
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
