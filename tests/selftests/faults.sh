#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Allocation failures: every configuration command of faults.spec runs
# with its first, second, third... slab or page allocation failing, until
# it no longer reaches the fault (segfuzz sweep).  After each failure the state
# (every dump) must be what it was before the command, and the teardown
# must leave nothing behind; the harness's kmemleak scan at the end of
# the run finds what was lost on the way.  Needs the debug kernel's
# fault injection (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC,
# CONFIG_FAULT_INJECTION_DEBUG_FS): skipped elsewhere.

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

FAILSLAB=/sys/kernel/debug/failslab
FAILPAGE=/sys/kernel/debug/fail_page_alloc

# Count sleeping allocations and order-0 pages too (fail-nth needs no
# probability); a forced failure prints nothing of its own, and the
# kernel's reports of failed page allocations (percpu, vmalloc) that dump
# the stack are let pass by the harness between the marks.
arm()
{
	echo 0 >"$FAILSLAB/ignore-gfp-wait"
	echo 0 >"$FAILSLAB/verbose"
	echo 0 >"$FAILPAGE/ignore-gfp-wait"
	echo 0 >"$FAILPAGE/min-order"
	echo 0 >"$FAILPAGE/verbose"
	echo "<4>segfilter-vm: allocation failures expected" >/dev/kmsg
}

disarm()
{
	echo 1 >"$FAILSLAB/ignore-gfp-wait"
	echo 1 >"$FAILPAGE/ignore-gfp-wait"
	echo 1 >"$FAILPAGE/min-order"
	echo "<4>segfilter-vm: allocation failures over" >/dev/kmsg
}

cleanup()
{
	[ -d "$FAILPAGE" ] && disarm
	"$IP" link del va1 2>/dev/null
	"$IP" link del vb1 2>/dev/null
	"$IP" link del vl1 2>/dev/null
	"$IP" link del vr1 2>/dev/null
	"$IP" link del vx0 2>/dev/null
}
trap cleanup EXIT

if [ ! -e /proc/thread-self/fail-nth ] || [ ! -d "$FAILSLAB" ] ||
   [ ! -d "$FAILPAGE" ]; then
	echo "# no fault injection in this kernel (${SEGFILTER_KERNEL:-?})"
	exit 4
fi

module_reload
for d in va1 vb1 vl1 vr1; do
	"$IP" link add "$d" type veth peer name "${d}p"
	"$IP" link set "$d" up
done
"$IP" link add vx0 type vxlan external gbp dstport 4789
"$IP" link set vx0 up
export IF_A IF_B IF_L IF_R IF_UP
IF_A=$(cat /sys/class/net/va1/ifindex)
IF_B=$(cat /sys/class/net/vb1/ifindex)
IF_L=$(cat /sys/class/net/vl1/ifindex)
IF_R=$(cat /sys/class/net/vr1/ifindex)
IF_UP=$(cat /sys/class/net/vx0/ifindex)

log=$(mktemp)
t0=$SECONDS
arm
"$TOOLS/segfuzz" sweep "$HERE/faults.spec" >"$log" 2>&1
rc=$?
disarm
echo "# the sweep took $((SECONDS - t0)) s"
while read -r line; do
	case $line in
	"ok: "*)
		pass "${line#ok: }"
		;;
	"FAIL: "*)
		echo "$line" >"$OUT"
		fail "${line#FAIL: }"
		;;
	*)
		echo "# $line"
		;;
	esac
done <"$log"
check_eq "segfuzz sweep exits 0" 0 "$rc"

# The checker itself: a case whose teardown forgets what its setup made
# must be caught.
printf '+ domain_new domain_id=u32:9 domain_name=str:left\n= group_new domain_name=str:left group_id=u16:1 group_name=str:g\n' \
	>/tmp/leaky.spec
arm
"$TOOLS/segfuzz" sweep /tmp/leaky.spec >"$OUT" 2>&1
rc=$?
disarm
check_eq "the sweep fails a case that leaves state behind" 1 "$rc"
$SEGCTL domain del left >/dev/null 2>&1
check "the module unloads after the sweep" rmmod segfilter
rm -f "$log"
finish
