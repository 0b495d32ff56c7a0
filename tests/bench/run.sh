#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: boot Debian's 6.1 kernel in QEMU once, with every vCPU
# thread pinned to a host CPU of its own, run tests/bench/bench.sh there
# and turn what it prints into a table and a plot (tests/bench/report.py).
#
# usage: tests/bench/run.sh [--quick] [--profile] [--cases L] [--out DIR]
#   --quick    small sizes, one short round, checks on: what make check
#              runs to keep the benchmark working (no figure is judged)
#   --profile  no rounds: where the time goes, by perf in the guest, for
#              plain veth, bridge, segfilter, nftables (map) and OVS
#   --cases L  which parts: "ew" (all but north-south), "ns"
#              (north-south: exits and prefix lookup against routing
#              and nftables sets) and those of tests/bench/parts/
#              (default: all)
#   --out DIR  where the results go (default .build/bench/<date-time>,
#              with .build/bench/latest pointing to it)
#
# The environment can override the sizes: BENCH_ROUNDS, BENCH_SECS,
# BENCH_RULES, BENCH_ENDPOINTS, BENCH_PREFIXES, BENCH_SEED (see bench.sh).  The
# last line of output is "N passed, N failed, N skipped", as for
# tests/vm/run.sh.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
CACHE=${SEGFILTER_CACHE:-$HOME/.cache/segfilter}
QUICK=0
PROFILE=0
OUT=

log() { printf 'bench: %s\n' "$*" >&2; }

# The names of the parts in tests/bench/parts/.
parts() {
	local f names=()
	for f in "$HERE"/parts/*.sh; do
		[ -e "$f" ] || continue
		f=${f##*/}
		names+=("${f%.sh}")
	done
	echo "${names[*]}"
}

while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--profile) PROFILE=1 ;;
	--cases) [ $# -ge 2 ] || { log "--cases needs a list"; exit 2; }; BENCH_CASES=$2; shift ;;
	--out) [ $# -ge 2 ] || { log "--out needs a directory"; exit 2; }; OUT=$2; shift ;;
	*) sed -n '/^# usage:/,/^#   --out/s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
	shift
done

if [ "$PROFILE" = 1 ]; then
	: "${BENCH_ROUNDS:=0}" "${BENCH_SECS:=3}" "${BENCH_RULES:=1}"
	: "${BENCH_ENDPOINTS:=}" "${BENCH_CHECK:=0}" "${BENCH_PROFILE:=1}"
	: "${BENCH_CASES:=ew}" "${BENCH_PREFIXES:=}"
	timeout=900
elif [ "$QUICK" = 1 ]; then
	: "${BENCH_ROUNDS:=1}" "${BENCH_SECS:=1}" "${BENCH_RULES:=1 1000}"
	: "${BENCH_ENDPOINTS:=1000}" "${BENCH_CHECK:=1}" "${BENCH_PREFIXES:=10}"
	timeout=900
else
	: "${BENCH_ROUNDS:=5}" "${BENCH_SECS:=2}" "${BENCH_RULES:=1 1000 10000 100000}"
	: "${BENCH_ENDPOINTS:=1000 10000}" "${BENCH_CHECK:=0}"
	: "${BENCH_PREFIXES:=1 10 1000 100000}"
	timeout=5400
fi
if [ -z "$OUT" ]; then
	suffix=
	[ "$QUICK" = 0 ] || suffix=-quick
	[ -z "${BENCH_CASES:-}" ] || suffix=$suffix-${BENCH_CASES// /-}
	OUT=$TOP/.build/bench/$(date +%Y%m%d-%H%M%S)$suffix
	mkdir -p "$OUT"
	ln -sfn "${OUT##*/}" "$TOP/.build/bench/latest"
fi
mkdir -p "$OUT"

dpctl=$CACHE/ovs/current/usr/bin/ovs-dpctl
[ -x "$dpctl" ] || { log "$dpctl missing: run scripts/install-deps.sh (make deps)"; exit 2; }

# The guest script: bench.sh with its parameters set at the top, then
# the parts of tests/bench/parts/ (see bench.sh), then the call to main.
{
	echo '#!/bin/bash'
	: "${BENCH_PROFILE:=0}"
	: "${BENCH_CASES:=ew ns $(parts)}"
	: "${BENCH_SEED:=$(date +%s)}"
	BENCH_QUICK=$QUICK
	for v in BENCH_ROUNDS BENCH_SECS BENCH_RULES BENCH_ENDPOINTS BENCH_CHECK \
		BENCH_PROFILE BENCH_PREFIXES BENCH_CASES BENCH_SEED BENCH_QUICK; do
		printf '%s=%q\n' "$v" "${!v}"
	done
	tail -n +2 "$HERE/bench.sh" | sed '/^main$/d'
	for f in "$HERE"/parts/*.sh; do
		[ -e "$f" ] || continue
		printf '\n# ---- %s ----\n' "${f#"$TOP"/}"
		cat "$f"
	done
	echo main
} >"$OUT/bench-guest.sh"

# The TSC as clock: QEMU's emulated HPET, the default under TCG, costs
# pktgen (which reads the clock for every frame) a tenth of its time,
# the same in every configuration, which would only dilute the ratios.
APPEND="clocksource=tsc tsc=reliable"

log "results in $OUT"
extra=()
[ "$PROFILE" = 1 ] && extra=(--install /usr/bin/perf:/usr/bin/perf)
rc=0
"$TOP/tests/vm/run.sh" 6.1 --script "$OUT/bench-guest.sh" --timeout "$timeout" \
	--modules 'pktgen openvswitch nf_conntrack_bridge' --install "$dpctl" --install /sbin/bridge:/sbin/bridge \
	--mem 3072 --pin --results "$OUT/raw.txt" --append "$APPEND" --log-name bench \
	"${extra[@]}" |
	tee "$OUT/run.log" || rc=$?
if [ "$PROFILE" = 1 ]; then
	sed -n 's/^PROFILE //p' "$OUT/raw.txt" | tr -d '\r' >"$OUT/profile.txt"
	echo "profile: $OUT/profile.txt"
	exit "$rc"
fi

counts=$(tail -n 1 "$OUT/run.log" |
	sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p')
read -r passed failed skipped <<<"${counts:-0 1 0}"

# The report must come out of whatever the guest printed.
if python3 "$HERE/report.py" "$OUT/raw.txt" "$OUT" >"$OUT/report.log" 2>&1 &&
	[ -s "$OUT/results.md" ] && [ -s "$OUT/ns-per-packet.png" ]; then
	echo "TEST: report.py writes results.md and ns-per-packet.png [ OK ]"
	passed=$((passed + 1))
	[ "$QUICK" = 1 ] || cat "$OUT/results.md"
else
	echo "TEST: report.py writes results.md and ns-per-packet.png [FAIL]"
	cat "$OUT/report.log"
	failed=$((failed + 1))
fi
[ "$rc" = 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "results: $OUT"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
