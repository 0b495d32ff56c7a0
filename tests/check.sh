#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: install what is missing, build segctl, build the debug
# kernel if it is not cached, then boot each test kernel under QEMU and
# run the module's tests there (tests/vm/run.sh).
#
# usage: tests/check.sh [KERNEL...]     (default: spec deb 6.1 6.12 debug bench)
#   The debug kernel's run goes beside the others (see main()).
#   Extra options for tests/vm/run.sh can be given in $SEGFILTER_RUN_OPTS
#   (e.g. "-v" or "--tests 'a.sh b.sh'").  "bench" is not a kernel: it
#   runs the benchmark's quick mode (tests/bench/run.sh --quick) on 6.1,
#   which checks that every configuration of make bench works.  "spec"
#   is not a kernel either: the host-side checks of the netlink spec
#   (tests/ynl/check.sh, seconds), run before any guest boots.  "deb"
#   is not a kernel either: the Debian packages (tests/deb/check.sh
#   --guest: make deb, lintian, DKMS builds for 6.1 and 6.12 on the
#   host, about 2 minutes, then the DKMS-built module in a 6.1 guest),
#   first in the stock kernels' lane.
#
# The last line of output is "N passed, N failed" over all kernels; the
# exit status is 1 if anything failed.  Caches live in
# ${SEGFILTER_CACHE:-~/.cache/segfilter} and survive a fresh clone.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${SEGFILTER_CACHE:-$HOME/.cache/segfilter}
export SEGFILTER_CACHE=$CACHE

log() { printf 'check: %s\n' "$*" >&2; }

# Packages and the unpacked guest kernels.  install-deps.sh needs root only
# to install packages; as a normal user it succeeds when all are present.
# Otherwise rerun it through sudo (CI runners have password-less sudo) and
# give the cache back to the user.
install_deps() {
	local deps=$TOP/scripts/install-deps.sh
	if [ "$(id -u)" = 0 ]; then
		"$deps"
		return
	fi
	"$deps" && return 0
	if sudo -n true 2>/dev/null; then
		log "installing the missing packages with sudo"
		sudo env SEGFILTER_CACHE="$CACHE" "$deps"
		sudo chown -R "$(id -u):$(id -g)" "$CACHE"
		return 0
	fi
	log "missing packages: run 'sudo SEGFILTER_CACHE=$CACHE $deps' once"
	return 1
}

# Build the debug kernel up front, so that its (one-time) build time is
# reported on its own and not counted as the debug guest's test time.
debug_kernel() {
	local t0=$SECONDS kdir
	if kdir=$("$TOP/tests/vm/debug-kernel.sh" --cached); then
		log "debug kernel: cached in $kdir"
		return 0
	fi
	log "building the debug kernel (not cached; about 11+ minutes on 2 cores)"
	kdir=$("$TOP/tests/vm/debug-kernel.sh")
	log "debug kernel built in $((SECONDS - t0)) s: $kdir"
}

# no_debug_kernel DIR [K]: record that run K (debug) could not start.
no_debug_kernel() {
	local k=${2:-debug}
	echo 1 >"$1/$k.rc"
	echo 0 >"$1/$k.secs"
	echo "could not build the debug kernel" >"$1/$k.out"
}

# run_one K DIR: boot kernel K (or the benchmark's quick mode) and run
# its tests; the output goes to DIR/K.out, the exit status to DIR/K.rc,
# the time taken to DIR/K.secs.  With a third argument, also to stdout.
run_one() {
	local k=$1 dir=$2 show=${3:-} t0=$SECONDS rc=0 cmd
	if [ "$k" = bench ]; then
		cmd=("$TOP/tests/bench/run.sh" --quick)
	elif [ "$k" = debug ] && [ -n "$debug_a" ]; then
		cmd=("$TOP/tests/vm/run.sh" debug --tests "$debug_a" "${run_opts[@]}")
	elif [ "$k" = debug2 ]; then
		cmd=("$TOP/tests/vm/run.sh" debug --log-name debug2
		     --tests "$debug_b" "${run_opts[@]}")
	elif [ "$k" = spec ]; then
		cmd=("$TOP/tests/ynl/check.sh")
	elif [ "$k" = deb ]; then
		cmd=("$TOP/tests/deb/check.sh" --guest)
	else
		cmd=("$TOP/tests/vm/run.sh" "$k" "${run_opts[@]}")
	fi
	if [ -n "$show" ]; then
		"${cmd[@]}" | tee "$dir/$k.out" || rc=$?
	else
		"${cmd[@]}" >"$dir/$k.out" 2>&1 || rc=$?
	fi
	echo "$rc" >"$dir/$k.rc"
	echo $((SECONDS - t0)) >"$dir/$k.secs"
}

# count K DIR: add what run K reported to the totals, the summary and
# the list of failures.
count() {
	local k=$1 dir=$2 out=$2/$1.out rc p f s
	rc=$(cat "$dir/$k.rc")
	# run.sh's last line counts; without it, run.sh itself failed.
	if read -r p f s < <(tail -n 1 "$out" |
		sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed\(, \([0-9]*\) skipped\)\{0,1\}$/\1 \2 \4/p') &&
		[ -n "$p" ]; then
		s=${s:-0}
	else
		p=0 f=1 s=0
		log "run.sh $k stopped before counting (exit $rc)"
	fi
	[ "$rc" = 0 ] || [ "$f" -gt 0 ] || f=1
	# run.sh lists its failures under "==== K: failures ====";
	# repeat them at the end, where a CI log's tail shows them.
	if [ "$f" -gt 0 ]; then
		mapfile -t -O "${#failures[@]}" failures < <(
			sed -n '/^==== .*: failures ====$/,/^$/{s/^  //p}' "$out" |
			cut -c 1-200 | tr -s ' ' | sed "s/^/$k: /")
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	summary+=("$(printf '%-6s %4d passed, %3d failed, %3d skipped  (%d s boot+tests)' \
		"$k" "$p" "$f" "$s" "$(cat "$dir/$k.secs")")")
}

# Each guest runs on one host thread (TCG, single-threaded), and the
# debug kernel's scripts are CPU-bound and the longest by far (about 3x
# the stock kernels').  On a host with two CPUs or more, make check runs
# three lanes at once: the stock kernels and the benchmark in turn,
# starting while the debug kernel builds (or is found in the cache),
# and, once it is there, the debug kernel's scripts split over two
# guests.  The host's scheduler shares the CPUs among the three; make
# check takes about half the CPU time of all its guests.  The stock
# lane's output is shown as it runs, the debug guests' when they end.  SEGFILTER_CHECK_SERIAL=1 runs
# everything in turn.
#
# The selftests the second debug guest runs (those that exist), in
# $debug_b, and the others in $debug_a: the two lists take about as
# long (testing.rst).
DEBUG2_TESTS=${SEGFILTER_DEBUG2_TESTS:-cluster.sh prefix.sh limits.sh exitfw.sh cluster-bad.sh overlay.sh netlink.sh owned.sh checkmode.sh metrics.sh dhcp.sh}

split_debug() {
	local t name
	for t in "$TOP"/tests/selftests/*.sh; do
		name=${t##*/}
		if [[ " $DEBUG2_TESTS " == *" $name "* ]]; then
			debug_b+="${debug_b:+ }$name"
		else
			debug_a+="${debug_a:+ }$name"
		fi
	done
	[ -n "$debug_a" ] || { debug_a=$debug_b; debug_b=''; }
}

main() {
	local kernels=("$@") k dir total0=$SECONDS parallel='' debug_a='' debug_b=''
	local passed=0 failed=0 skipped=0
	local summary=() failures=() stock=() debug_runs=() pids=()
	[ ${#kernels[@]} -gt 0 ] || kernels=(spec deb 6.1 6.12 debug bench)
	run_opts=()
	eval "run_opts=(${SEGFILTER_RUN_OPTS:-})"

	install_deps
	make -C "$TOP/ctl"
	make -C "$TOP/tests/tools"
	dir=$(mktemp -d "${TMPDIR:-/tmp}/segfilter-check.XXXXXX")

	if [ ${#kernels[@]} -gt 1 ] && [ -z "${SEGFILTER_CHECK_SERIAL:-}" ] &&
		[ "$(nproc)" -ge 2 ] && [[ " ${kernels[*]} " == *" debug "* ]]; then
		parallel=1
	fi
	# Split the debug kernel's run in two guests when they can run
	# beside the others and no test list was given.
	if [ -n "$parallel" ] && [[ " ${run_opts[*]} " != *" --tests "* ]] &&
		[[ " ${run_opts[*]} " != *" --script "* ]]; then
		split_debug
		[ -z "$debug_b" ] || kernels+=(debug2)
	fi
	for k in "${kernels[@]}"; do
		case $k in
		spec)
			log "=== spec ==="
			run_one spec "$dir" show
			;;
		debug | debug2) debug_runs+=("$k") ;;
		*) stock+=("$k") ;;
		esac
	done
	if [ -z "$parallel" ]; then
		for k in "${stock[@]}" "${debug_runs[@]}"; do
			log "=== $k ==="
			if [ "$k" = debug ] && ! debug_kernel; then
				no_debug_kernel "$dir"
				continue
			fi
			run_one "$k" "$dir" show
		done
	else
		# The stock lane first, then the debug kernel (its build takes
		# both CPUs for a while), then its two guests.
		if [ ${#stock[@]} -gt 0 ]; then
			log "=== lane: ${stock[*]} (shown as it runs) ==="
			(for k in "${stock[@]}"; do run_one "$k" "$dir" show; done) &
			pids+=($!)
		fi
		if debug_kernel; then
			for k in "${debug_runs[@]}"; do
				log "=== lane: $k (output at its end) ==="
				run_one "$k" "$dir" &
				pids+=($!)
			done
		else
			for k in "${debug_runs[@]}"; do
				no_debug_kernel "$dir" "$k"
			done
		fi
		wait "${pids[@]}" || true
		for k in "${debug_runs[@]}"; do
			log "=== $k ==="
			cat "$dir/$k.out"
		done
	fi
	for k in "${kernels[@]}"; do
		count "$k" "$dir"
	done
	rm -rf "$dir"

	echo
	echo "==== check summary ===="
	printf '%s\n' "${summary[@]}"
	if [ ${#failures[@]} -gt 0 ]; then
		echo "failures:"
		printf '  %s\n' "${failures[@]:0:12}"
		[ ${#failures[@]} -le 12 ] ||
			echo "  ... and $((${#failures[@]} - 12)) more above"
	fi
	echo "total: $skipped skipped; $((SECONDS - total0)) s"
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
}

# Parse the whole command before running it, so that editing this file
# while a long check runs cannot change what the running bash reads next.
main "$@"; exit
