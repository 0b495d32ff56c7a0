#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-cluster: boot Debian's 6.1 kernel in QEMU once and run
# tests/bench/cluster.sh there (a 3-member etcd, four hosts running
# segd: convergence, a host joining a large cluster, idle and per
# registration costs; Documentation/performance.rst, "Cluster mode").
#
# usage: tests/bench/cluster-run.sh [--out DIR]
#   --out DIR  where the results go (default .build/bench/cluster/<date-time>,
#              with .build/bench/cluster/latest pointing to it)
#
# The environment can override the sizes: BENCH_CLUSTER_ROUNDS,
# BENCH_CLUSTER_SCALE, BENCH_CLUSTER_REGS, BENCH_CLUSTER_IDLE (see
# cluster.sh).  results.txt holds the figures, one "CLUSTER" line each;
# the last line of output is "N passed, N failed, N skipped".

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
OUT=

log() { printf 'bench-cluster: %s\n' "$*" >&2; }

while [ $# -gt 0 ]; do
	case $1 in
	--out) [ $# -ge 2 ] || { log "--out needs a directory"; exit 2; }; OUT=$2; shift ;;
	*) sed -n '/^# usage:/,/^#   --out/s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
	shift
done

if [ -z "$OUT" ]; then
	OUT=$TOP/.build/bench/cluster/$(date +%Y%m%d-%H%M%S)
	mkdir -p "$OUT"
	ln -sfn "${OUT##*/}" "$TOP/.build/bench/cluster/latest"
fi
mkdir -p "$OUT"

# The guest script: cluster.sh with its parameters set at the top.  Its
# name keeps "cluster.sh" in it; run.sh installs etcd for any script that
# calls etcd_cluster_start.
{
	echo '#!/bin/bash'
	for v in BENCH_CLUSTER_ROUNDS BENCH_CLUSTER_SCALE BENCH_CLUSTER_REGS BENCH_CLUSTER_IDLE; do
		[ -z "${!v:-}" ] || printf '%s=%q\n' "$v" "${!v}"
	done
	tail -n +2 "$HERE/cluster.sh"
} >"$OUT/cluster-guest.sh"

log "results in $OUT"
rc=0
"$TOP/tests/vm/run.sh" 6.1 --script "$OUT/cluster-guest.sh" --timeout 3600 \
	--mem 3072 --results "$OUT/raw.txt" --log-name "bench-cluster-${OUT##*/}" |
	tee "$OUT/run.log" || rc=$?
{
	echo "# make bench-cluster, $(date -u +%Y-%m-%dT%H:%MZ), $(git -C "$TOP" describe --always --dirty 2>/dev/null)"
	echo "# guest: Debian 6.1 under QEMU (TCG unless KVM was available): slow, relative figures"
	grep '^CLUSTER ' "$OUT/raw.txt" | tr -d '\r' | sed 's/^CLUSTER //'
} >"$OUT/results.txt" 2>/dev/null || true
cat "$OUT/results.txt"
echo "results: $OUT/results.txt"
exit "$rc"
