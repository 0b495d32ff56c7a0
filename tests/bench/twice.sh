#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Do make bench's verdicts survive the host's load?  Run the whole
# benchmark (tests/bench/run.sh, both boots) twice on this machine, the
# second time with every host CPU but the first kept busy by
# "yes >/dev/null", and compare the targets' verdicts
# (tests/bench/verdicts.py): the same verdict, or one run decided where
# the other says "within noise", is agreement; PASS in one and MISS in
# the other is a contradiction.  Two full runs take hours: run it alone
# on the machine.
#
# usage: tests/bench/twice.sh OUTDIR [--quiet-from DIR] [run.sh arguments...]
#   --quiet-from DIR  take the quiet run from DIR (an earlier run.sh
#                     --out DIR of the same commit) instead of running it
#
# Writes OUTDIR/quiet/ and OUTDIR/busy/ (run.sh's results, with their
# logs beside them), OUTDIR/quiet.report/ and OUTDIR/busy.report/ (both
# raw outputs judged again by this tree's report.py, so that a quiet run
# taken from an earlier commit is judged alike) and OUTDIR/verdicts.md;
# exits 1 on a contradiction, on a target one run judged and the other
# did not (but for the instructions' targets with --no-insn), or when a
# run's checks failed.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -ge 1 ] || { sed -n 's/^# usage: //p' "$0" >&2; exit 2; }
OUT=$1; shift
QUIET=
if [ "${1:-}" = --quiet-from ]; then
	[ $# -ge 2 ] || { echo "twice: --quiet-from needs a directory" >&2; exit 2; }
	QUIET=$2
	shift 2
	[ -f "$QUIET/raw.txt" ] || { echo "twice: no raw.txt in $QUIET" >&2; exit 2; }
fi
# A run without the instructions boot compares only the wall clock's
# targets; one without the wall-clock boot is insn/verify.sh's job.
partial=
for a in "$@"; do
	case $a in
	--no-insn) partial=--partial ;;
	--insn|--insn-profile|--profile|--quick)
		echo "twice: $a: compare complete runs (insn/verify.sh for --insn)" >&2
		exit 2 ;;
	esac
done
mkdir -p "$OUT"

. "$HERE/busy.sh"

rc=0
run() {
	local name=$1 t0=$SECONDS
	shift
	echo "twice: $name: $(date -u +%H:%M) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
	# A failed check still leaves its verdicts to compare; a run
	# without results.md does not.
	rm -f "$OUT/$name/raw.txt" "$OUT/$name/results.md"
	"$HERE/run.sh" --out "$OUT/$name" "$@" >"$OUT/$name.log" 2>&1 || rc=1
	[ -f "$OUT/$name/raw.txt" ] ||
		{ tail -n 20 "$OUT/$name.log"; exit 1; }
	echo "twice: $name: $((SECONDS - t0)) s, $(tail -n 1 "$OUT/$name.log")"
}

if [ -n "$QUIET" ]; then
	if [ -e "$OUT/quiet" ] && [ ! -L "$OUT/quiet" ]; then
		echo "twice: $OUT/quiet exists and is not a link" >&2
		exit 2
	fi
	ln -sfn "$(cd "$QUIET" && pwd)" "$OUT/quiet"
else
	run quiet "$@"
fi
busy_start
run busy "$@"
busy_stop
# Both judged by this tree's report (raw.txt holds both boots' lines),
# whichever commit wrote the runs' own results.md.
for name in quiet busy; do
	python3 "$HERE/report.py" "$OUT/$name/raw.txt" "$OUT/$name.report" \
		>"$OUT/$name.report.log" 2>&1 ||
		{ tail -n 20 "$OUT/$name.report.log"; exit 1; }
done
python3 "$HERE/verdicts.py" $partial "$OUT/quiet.report" "$OUT/busy.report" \
	>"$OUT/verdicts.md" || rc=1
tail -n 1 "$OUT/verdicts.md"
exit "$rc"
