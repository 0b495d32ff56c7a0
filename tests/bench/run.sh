#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: boot Debian's 6.1 kernel in QEMU once, with every vCPU
# thread pinned to a host CPU of its own, run tests/bench/bench.sh there
# and turn what it prints into a table and a plot (tests/bench/report.py).
# Then boot it again under QEMU's plugin tests/bench/insn/insncount.so,
# on one host thread, to count the guest instructions each packet costs
# (BENCH_INSN_ROUNDS rounds, default 3), which the host's load does not
# move: results.md gets both (Documentation/performance.rst).
#
# usage: tests/bench/run.sh [--quick] [--profile] [--insn|--insn-profile|--no-insn] [--cases L] [--out DIR]
#   --quick    small sizes, one short round, checks on: what make check
#              runs to keep the benchmark working (no figure is judged);
#              its instructions boot has 1 rule and the ew part only
#   --insn     only the second boot: guest instructions per packet,
#              counted by a QEMU plugin (tests/bench/insn/), which the
#              host's load cannot move; results in DIR/insn/
#   --insn-profile  --insn, and the plugin profiles each window by
#              guest address too (insncount.so profile=FILE): DIR/insn/
#              profile.md, instructions per frame by guest function and
#              the differences between configurations
#              (tests/bench/insn/profile.py); 1 round unless
#              BENCH_INSN_ROUNDS says otherwise, BENCH_JOBS to pick jobs
#   --no-insn  only the first boot, the wall-clock one
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
# BENCH_RULES, BENCH_ENDPOINTS, BENCH_PREFIXES, BENCH_SEED, BENCH_JOBS (see bench.sh).  The
# last line of output is "N passed, N failed, N skipped", as for
# tests/vm/run.sh.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
CACHE=${SEGFILTER_CACHE:-$HOME/.cache/segfilter}
QUICK=0
PROFILE=0
OUT=
WALL=1
INSN=1
INSN_PROFILE=0

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
	--insn) WALL=0 INSN=1 ;;
	--insn-profile) WALL=0 INSN=1 INSN_PROFILE=1 ;;
	--no-insn) INSN=0 ;;
	--cases) [ $# -ge 2 ] || { log "--cases needs a list"; exit 2; }; BENCH_CASES=$2; shift ;;
	--out) [ $# -ge 2 ] || { log "--out needs a directory"; exit 2; }; OUT=$2; shift ;;
	*) sed -n '/^# usage:/,/^#   --out/s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
	shift
done

if [ "$PROFILE" = 1 ]; then
	INSN=0
	: "${BENCH_ROUNDS:=0}" "${BENCH_SECS:=3}" "${BENCH_RULES:=1}"
	: "${BENCH_ENDPOINTS:=}" "${BENCH_CHECK:=0}" "${BENCH_PROFILE:=1}"
	: "${BENCH_CASES:=ew}" "${BENCH_PREFIXES:=}"
	timeout=900
elif [ "$QUICK" = 1 ]; then
	: "${BENCH_ROUNDS:=1}" "${BENCH_SECS:=1}" "${BENCH_RULES:=1 1000}"
	: "${BENCH_ENDPOINTS=1000}" "${BENCH_CHECK:=1}" "${BENCH_PREFIXES=10}"
	timeout=900
else
	: "${BENCH_ROUNDS:=9}" "${BENCH_SECS:=1}" "${BENCH_RULES:=1 1000 10000 100000}"
	: "${BENCH_ENDPOINTS=1000 10000}" "${BENCH_CHECK:=0}"
	: "${BENCH_PREFIXES=1 10 1000 100000}"
	timeout=5400
fi
if [ -z "$OUT" ]; then
	suffix=
	[ "$QUICK" = 0 ] || suffix=-quick
	[ "$WALL" = 1 ] || suffix=$suffix-insn
	[ -z "${BENCH_CASES:-}" ] || suffix=$suffix-${BENCH_CASES// /-}
	OUT=$TOP/.build/bench/$(date +%Y%m%d-%H%M%S)$suffix
	mkdir -p "$OUT"
	ln -sfn "${OUT##*/}" "$TOP/.build/bench/latest"
fi
mkdir -p "$OUT"

dpctl=$CACHE/ovs/current/usr/bin/ovs-dpctl
[ -x "$dpctl" ] || { log "$dpctl missing: run scripts/install-deps.sh (make deps)"; exit 2; }
# The eBPF programs of the parts (tests/bench/bpf/), into $OUT.
make -s -C "$HERE/bpf" O="$OUT" || { log "tests/bench/bpf: build failed"; exit 2; }

# The guest script: bench.sh with its parameters set at the top, then
# the parts of tests/bench/parts/ (see bench.sh), then the call to main.
: "${BENCH_PROFILE:=0}"
: "${BENCH_CASES:=ew ns $(parts)}"
: "${BENCH_SEED:=$(date +%s)}"
# shellcheck disable=SC2034 # guest_script reads them as ${!v}
BENCH_QUICK=$QUICK BENCH_INSN=0 BENCH_INSN_PROFILE=$INSN_PROFILE
: "${BENCH_INSN_FRAMES:=}" "${BENCH_JOBS:=}"
guest_script() {
	echo '#!/bin/bash'
	for v in BENCH_ROUNDS BENCH_SECS BENCH_RULES BENCH_ENDPOINTS BENCH_CHECK \
		BENCH_PROFILE BENCH_PREFIXES BENCH_CASES BENCH_SEED BENCH_QUICK \
		BENCH_INSN BENCH_INSN_FRAMES BENCH_INSN_PROFILE BENCH_JOBS; do
		printf '%s=%q\n' "$v" "${!v}"
	done
	# The conntrack part's flow counts in the instructions boot (opt-in).
	[ -z "${BENCH_INSN_CT_COUNTS:-}" ] ||
		printf 'BENCH_INSN_CT_COUNTS=%q\n' "$BENCH_INSN_CT_COUNTS"
	# The tcp part's windows in the instructions boot (opt-in).
	[ -z "${BENCH_INSN_TCP:-}" ] || printf 'BENCH_INSN_TCP=%q\n' "$BENCH_INSN_TCP"
	[ -z "${BENCH_TCP_INSN_KB:-}" ] ||
		printf 'BENCH_TCP_INSN_KB=%q\n' "$BENCH_TCP_INSN_KB"
	tail -n +2 "$HERE/bench.sh" | sed '/^main$/d'
	for f in "$HERE"/parts/*.sh; do
		[ -e "$f" ] || continue
		printf '\n# ---- %s ----\n' "${f#"$TOP"/}"
		cat "$f"
	done
	echo main
}

# The TSC as clock: QEMU's emulated HPET, the default under TCG, costs
# pktgen (which reads the clock for every frame) a tenth of its time,
# the same in every configuration, which would only dilute the ratios.
APPEND="clocksource=tsc tsc=reliable"

# "passed failed skipped" from the last line of a run.sh log.
counts_of() {
	tail -n 1 "$1" |
		sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p'
}

log "results in $OUT"
# What the guest needs besides the harness's own: pktgen, OVS's
# datapath and ovs-dpctl, bridge, the peers part's tc, its modules,
# bpftool and the eBPF object, the tcp part's iperf3 and ethtool and
# conntrack on bridges.  The same for both boots.
GUEST_MODULES='pktgen openvswitch act_mirred cls_matchall sch_ingress cls_bpf nf_conntrack_bridge'
GUEST_INSTALL=(--install "$dpctl" --install /sbin/bridge:/sbin/bridge
	--install /sbin/tc:/sbin/tc --install /usr/sbin/bpftool:/usr/sbin/bpftool
	--install "$OUT/grouppair.bpf.o:/usr/lib/bench/grouppair.bpf.o"
	--install /usr/bin/iperf3:/usr/bin/iperf3 --install /usr/sbin/ethtool:/usr/sbin/ethtool)
passed=0 failed=0 skipped=0

# host_check OK DESC [LOG]: a TEST line for a check made here on the
# host (OK is 1 when it passed), counted; LOG is shown when it failed.
host_check() {
	if [ "$1" = 1 ]; then
		echo "TEST: $2 [ OK ]"
		passed=$((passed + 1))
	else
		echo "TEST: $2 [FAIL]"
		[ -z "${3:-}" ] || cat "$3"
		failed=$((failed + 1))
	fi
}
if [ "$WALL" = 1 ]; then
	guest_script >"$OUT/bench-guest.sh"
	extra=()
	[ "$PROFILE" = 1 ] && extra=(--install /usr/bin/perf:/usr/bin/perf)
	rc=0
	"$TOP/tests/vm/run.sh" 6.1 --script "$OUT/bench-guest.sh" --timeout "$timeout" \
		--modules "$GUEST_MODULES" "${GUEST_INSTALL[@]}" \
		--mem 3072 --pin --results "$OUT/raw.txt" --append "$APPEND" --log-name bench \
		"${extra[@]}" |
		tee "$OUT/run.log" || rc=$?
	if [ "$PROFILE" = 1 ]; then
		sed -n 's/^PROFILE //p' "$OUT/raw.txt" | tr -d '\r' >"$OUT/profile.txt"
		echo "profile: $OUT/profile.txt"
		exit "$rc"
	fi
	read -r passed failed skipped <<<"$(counts_of "$OUT/run.log")"
	: "${passed:=0}" "${failed:=1}" "${skipped:=0}"
	[ "$rc" = 0 ] || [ "$failed" -gt 0 ] || failed=1
fi

# The instructions boot (tests/bench/insn/): the same guest script with
# BENCH_INSN=1, under QEMU's plugin insncount.so, whose marks
# tests/bench/insn/pair.py pairs with the guest's output into "BENCH
# insn" lines (DIR/insn/insn.txt).  After a wall-clock boot they are
# appended to its raw.txt, so that results.md has both.  Quick mode: a
# boot of its own only when the ew part is on, with 1 rule and ew alone.
INSN_OK=0
if [ "$INSN" = 1 ] && [ "$QUICK" = 1 ] && [ "$WALL" = 1 ] &&
	[[ " $BENCH_CASES " != *" ew "* ]]; then
	INSN=0
fi
if [ "$INSN" = 1 ]; then
	mkdir -p "$OUT/insn"
	make -s -C "$HERE/insn" >&2 || { log "cannot build tests/bench/insn"; exit 2; }
	# shellcheck disable=SC2034 # guest_script reads it as ${!v}
	BENCH_INSN=1
	: "${BENCH_INSN_ROUNDS:=$([ "$QUICK" = 1 ] || [ "$INSN_PROFILE" = 1 ] && echo 1 || echo 3)}"
	plugin=$HERE/insn/insncount.so,out=$OUT/insn/marks.txt
	[ "$INSN_PROFILE" = 0 ] || plugin+=,profile=$OUT/insn/profile.txt
	if [ "$QUICK" = 1 ]; then
		# (A blank, not an empty list: bench.sh takes "" as unset.)
		BENCH_CASES=ew BENCH_RULES=1 BENCH_ENDPOINTS=' ' BENCH_PREFIXES=' ' \
			BENCH_ROUNDS=$BENCH_INSN_ROUNDS guest_script >"$OUT/insn/bench-guest.sh"
	else
		BENCH_ROUNDS=$BENCH_INSN_ROUNDS guest_script >"$OUT/insn/bench-guest.sh"
	fi
	rc=0
	"$TOP/tests/vm/run.sh" 6.1 --script "$OUT/insn/bench-guest.sh" --timeout "$timeout" \
		--modules "$GUEST_MODULES" "${GUEST_INSTALL[@]}" \
		--mem 3072 --results "$OUT/insn/raw.txt" --append "$APPEND" --log-name bench-insn \
		--plugin "$plugin" |
		tee "$OUT/insn/run.log" || rc=$?
	read -r p f s <<<"$(counts_of "$OUT/insn/run.log")"
	passed=$((passed + ${p:-0})) failed=$((failed + ${f:-1})) skipped=$((skipped + ${s:-0}))
	[ "$rc" = 0 ] || [ "${f:-1}" -gt 0 ] || failed=$((failed + 1))
	python3 "$HERE/insn/pair.py" "$OUT/insn/raw.txt" "$OUT/insn/marks.txt" \
		>"$OUT/insn/insn.txt" 2>"$OUT/insn/pair.log" && [ -s "$OUT/insn/insn.txt" ] &&
		INSN_OK=1
	host_check "$INSN_OK" "every mark of the instructions boot pairs with its measurement" \
		"$OUT/insn/pair.log"
	[ "$WALL" = 0 ] || cat "$OUT/insn/insn.txt" >>"$OUT/raw.txt"
	if [ "$INSN_PROFILE" = 1 ]; then
		ok=0
		python3 "$HERE/insn/profile.py" "$OUT/insn/raw.txt" "$OUT/insn/profile.txt" \
			>"$OUT/insn/profile.md" 2>"$OUT/insn/profile.log" &&
			grep -q '^## Instructions per frame by function' "$OUT/insn/profile.md" &&
			ok=1 && cat "$OUT/insn/profile.md"
		host_check "$ok" "profile.py maps the profile to the guest's functions" \
			"$OUT/insn/profile.log"
	fi
fi

# The report must come out of whatever the guest printed.
if [ "$WALL" = 1 ]; then
	ok=0
	python3 "$HERE/report.py" "$OUT/raw.txt" "$OUT" >"$OUT/report.log" 2>&1 &&
		[ -s "$OUT/results.md" ] &&
		{ [ -s "$OUT/ns-per-packet.png" ] || ! grep -q '^BENCH pkt ' "$OUT/raw.txt"; } &&
		ok=1
	host_check "$ok" "report.py writes results.md and ns-per-packet.png" "$OUT/report.log"
	[ "$ok" = 0 ] || [ "$QUICK" = 1 ] || cat "$OUT/results.md"
	# (Per packet: unless only the conntrack part's connections were
	# counted, --cases conntrack.)
	if [ "$INSN_OK" = 1 ] && grep -q '^BENCH insn ' "$OUT/insn/insn.txt"; then
		ok=0
		grep -q '^## Instructions per packet' "$OUT/results.md" && ok=1
		host_check "$ok" "results.md has the instructions per packet"
	fi
elif [ "$INSN_OK" = 1 ] && grep -q '^BENCH insn ' "$OUT/insn/insn.txt"; then
	ok=0
	python3 "$HERE/report_insn.py" "$OUT/insn/insn.txt" >"$OUT/insn/results.md" \
		2>"$OUT/report.log" && grep -q '^## Instructions per packet' "$OUT/insn/results.md" &&
		ok=1
	host_check "$ok" "report_insn.py writes insn/results.md" "$OUT/report.log"
	[ "$ok" = 0 ] || [ "$QUICK" = 1 ] || cat "$OUT/insn/results.md"
fi
# The conntrack part's instructions per connection, in an instructions
# boot alone (after a wall-clock boot, results.md has them).
if [ "$WALL" = 0 ] && [ "$INSN_OK" = 1 ] && grep -q '^BENCH insnconn ' "$OUT/insn/insn.txt"; then
	ok=0
	python3 "$HERE/report_ct.py" "$OUT/insn/insn.txt" >"$OUT/insn/conn.md" \
		2>>"$OUT/report.log" && ok=1
	host_check "$ok" "report_ct.py writes insn/conn.md" "$OUT/report.log"
	[ "$ok" = 0 ] || cat "$OUT/insn/conn.md"
fi
# The tcp part's instructions per KB (BENCH_INSN_TCP=1).
if [ "$INSN_OK" = 1 ] && grep -q '^BENCH insntcp ' "$OUT/insn/insn.txt"; then
	ok=0
	python3 "$HERE/insn/tcp.py" "$OUT/insn/raw.txt" "$OUT/insn/insn.txt" \
		>"$OUT/insn/tcp.md" 2>>"$OUT/report.log" && ok=1
	host_check "$ok" "insn/tcp.py writes insn/tcp.md" "$OUT/report.log"
	[ "$ok" = 0 ] || cat "$OUT/insn/tcp.md"
fi
echo "results: $OUT"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
