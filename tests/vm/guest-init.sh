#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=dash # busybox ash: POSIX sh plus "local"
#
# /init of the test guest.  tests/vm/run.sh copies this file into the
# initramfs and generates /segfilter/vm.conf next to it, which says what
# to run.  Runs under busybox sh; the real iproute2/kmod tools are called
# by full path because busybox's shell prefers its own applets.
#
# Two serial ports, so that the host can tell kernel output from test
# output without the two interleaving inside a line:
#   ttyS0 (console): kernel log, this script's own messages, the kmemleak
#                    report.  The host scans it for splats.
#   ttyS1 (results): the test scripts' stdout+stderr, the KUnit KTAP lines
#                    and "SEGFILTER-VM: ..." markers the host counts.
# Keep the marker format in sync with analyse_results() in run.sh.

PATH=/usr/sbin:/usr/bin:/sbin:/bin
HOME=/tmp
export PATH HOME

# The initramfs may lack /dev/console (creating it needs root on the
# host), so get devtmpfs first and then point stdio at the console.
mount -t devtmpfs devtmpfs /dev
exec </dev/null >/dev/console 2>&1

RESULTS=/dev/ttyS1
KO=/segfilter/segfilter.ko

# Markers go to the results port and, for context around splats, to the
# kernel log (level 4 so they reach the console at loglevel=5).
mark() {
	echo "SEGFILTER-VM: $*" >"$RESULTS"
	echo "<4>segfilter-vm: $*" >/dev/kmsg
}

# A harness-level failure: counted as one failed test by the host.
fail() {
	mark "fail $*"
}

uptime_s() {
	read -r up _ </proc/uptime
	echo "$up"
}

setup_system() {
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t debugfs debugfs /sys/kernel/debug
	# ip netns keeps its mounts in /run/netns (/var/run is a link to /run).
	mount -t tmpfs -o mode=0755 tmpfs /run
	mount -t tmpfs -o mode=1777 tmpfs /tmp
	mkdir -p /dev/pts /dev/shm /run/netns
	mount -t devpts devpts /dev/pts
	mount -t tmpfs tmpfs /dev/shm
	# devtmpfs has no /dev/fd; bash's process substitution wants it.
	ln -sf /proc/self/fd /dev/fd
	ln -sf /proc/self/fd/0 /dev/stdin
	ln -sf /proc/self/fd/1 /dev/stdout
	ln -sf /proc/self/fd/2 /dev/stderr
	hostname segfilter-vm
	/sbin/ip link set lo up || fail "cannot bring lo up"
	echo 1 >/proc/sys/kernel/panic_on_oops
}

# Debug kernel: the module built with SEGFILTER_KUNIT=1 runs its KUnit
# suites when loaded (run.sh passes kunit.enable=1).  KUnit logs at
# KERN_INFO, below the console level, so the KTAP lines are taken from the
# kernel log buffer afterwards.
run_kunit() {
	dmesg -c >/dev/null
	mark "kunit begin"
	if /usr/sbin/insmod "$KO"; then
		/usr/sbin/rmmod segfilter || fail "rmmod segfilter after the KUnit run"
	else
		fail "insmod $KO (KUnit run) failed"
	fi
	dmesg | sed 's/^\[[ 0-9.]*\] //' |
		grep -E '^ *(KTAP version|TAP version|1\.\.|# |ok |not ok )' >"$RESULTS"
	mark "kunit end"
}

# What every user process is doing, for a script that timed out: state,
# command line and kernel stack (a task stuck in the module shows there).
dump_processes() {
	local d cmd
	echo "SEGFILTER-VM: timeout: the guest's processes:"
	for d in /proc/[0-9]*; do
		cmd=$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)
		# Kernel threads have no command line; /init and its watchdog
		# are not what is stuck.
		case $cmd in "" | "/bin/sh /init ") continue ;; esac
		echo "pid ${d#/proc/} $(grep '^State:' "$d/status" 2>/dev/null): $cmd"
		sed 's/^/    /' "$d/stack" 2>/dev/null
	done
}

# Run one script from /tmp in a session of its own, so that its whole
# process group (background helpers included) can be killed when it times
# out, after a dump of what its processes were doing.  Returns the
# script's exit status, 124 if it timed out.
run_one() {
	local t=$1 pid watchdog rc flag=/tmp/.segfilter-vm-timeout
	rm -f "$flag"
	(
		cd /tmp &&
		SEGFILTER_KO=$KO SEGFILTER_KERNEL=$SEGFILTER_KERNEL SEGFILTER_VM=1 \
			exec setsid "$t"
	) </dev/null >"$RESULTS" 2>&1 &
	pid=$!
	(
		sleep "$TEST_TIMEOUT"
		: >"$flag"
		dump_processes >"$RESULTS" 2>&1
		kill -TERM -- "-$pid" 2>/dev/null
		sleep 5
		kill -KILL -- "-$pid" 2>/dev/null
	) &
	watchdog=$!
	wait "$pid"
	rc=$?
	kill "$watchdog" 2>/dev/null
	[ -e "$flag" ] && rc=124
	# Helpers the script left running would disturb the next script.
	kill -KILL -- "-$pid" 2>/dev/null
	return "$rc"
}

run_scripts() {
	local t name start end rc
	for t in $SCRIPTS; do
		name=${t#/segfilter/}
		mark "begin $name"
		start=$(uptime_s)
		run_one "$t"
		rc=$?
		end=$(uptime_s)
		mark "end $name rc=$rc secs=$(( ${end%.*} - ${start%.*} ))"
	done
}

# kmemleak only reports objects that stayed unreferenced for 5 s and over
# a scan, hence two scans with a pause (automatic scanning is off).
check_leaks() {
	local f=/sys/kernel/debug/kmemleak
	if [ ! -w "$f" ]; then
		fail "kmemleak is not available (disabled at boot?)"
		return
	fi
	echo scan >"$f"
	sleep 6
	echo scan >"$f"
	echo "segfilter-vm: kmemleak report:"
	cat "$f"
	echo "segfilter-vm: kmemleak report end"
}

main() {
	setup_system
	# shellcheck source=/dev/null # generated by run.sh
	. /segfilter/vm.conf
	mark "boot $SEGFILTER_KERNEL $(uname -r) uptime=$(uptime_s) cpus=$(nproc)"
	# The stress and the data path's per-CPU state want real concurrency.
	[ "$(nproc)" = "$CPUS" ] || fail "the kernel brought up $(nproc) of the $CPUS CPUs QEMU gave it"
	if [ -n "$MODPROBE" ]; then
		# shellcheck disable=SC2086 # a list of module names
		/usr/sbin/modprobe -a $MODPROBE || fail "modprobe -a $MODPROBE"
	fi
	[ "$KUNIT" = 1 ] && run_kunit
	run_scripts
	if grep -q '^segfilter ' /proc/modules; then
		/usr/sbin/rmmod segfilter || fail "rmmod segfilter at the end"
	fi
	[ "$KMEMLEAK" = 1 ] && check_leaks
	mark "done uptime=$(uptime_s)"
	sync
	reboot -f
	# Not reached unless reboot failed; the host's timeout ends the guest.
	sleep 3600
}

main
