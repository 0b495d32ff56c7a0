#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check that guest instructions per packet do not move with the host's
# load: the instructions boot (tests/bench/run.sh --insn) twice, the
# second time with every host CPU but the first kept busy by
# "yes >/dev/null", then compare.  Run it through /work/bin/vmslot or
# alone on the machine: it boots two guests one after the other.
#
# usage: tests/bench/insn/verify.sh OUTDIR [run.sh arguments...]
#
# The sizes come from the environment as for run.sh; by default
# BENCH_RULES=1, no extra endpoints, the ew part, 5 rounds.  Prints
# compare.py's table (OUTDIR/compare.md); exits 1 if a configuration's
# medians differ by more than BENCH_INSN_TOLERANCE (default 0.01).

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -ge 1 ] || { sed -n 's/^# usage: //p' "$0" >&2; exit 2; }
OUT=$1; shift
mkdir -p "$OUT"
export BENCH_RULES=${BENCH_RULES:-1} BENCH_ENDPOINTS=${BENCH_ENDPOINTS:- }
export BENCH_PREFIXES=${BENCH_PREFIXES:- } BENCH_INSN_ROUNDS=${BENCH_INSN_ROUNDS:-5}

. "$HERE/../busy.sh"

run() {
	local name=$1 t0=$SECONDS
	shift
	echo "verify: $name: load $(cut -d' ' -f1-3 /proc/loadavg) before"
	"$HERE/../run.sh" --insn --cases ew --out "$OUT/$name" "$@" >"$OUT/$name.log" 2>&1 ||
		{ tail -n 20 "$OUT/$name.log"; exit 1; }
	echo "verify: $name: $((SECONDS - t0)) s, load $(cut -d' ' -f1-3 /proc/loadavg) after"
}

run quiet "$@"
busy_start
run busy "$@"
busy_stop
python3 "$HERE/compare.py" "$OUT/quiet/insn/insn.txt" "$OUT/busy/insn/insn.txt" |
	tee "$OUT/compare.md"
