#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare instructions per packet of two boots (verify.sh).

usage: compare.py A B

A and B are pair.py's outputs ("BENCH insn SYSTEM VARIANT RULES EPS ROUND
FRAMES INSNS").  Per configuration: the median over the rounds of each,
their difference, and each boot's spread (max/min - 1 over its rounds).
Exits 1 if a median differs by more than BENCH_INSN_TOLERANCE (default
0.01).
"""

import os
import statistics
import sys


def load(path):
    out = {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) == 9 and w[:2] == ["BENCH", "insn"] and int(w[7]) > 0:
                out.setdefault(tuple(w[2:6]), []).append(int(w[8]) / int(w[7]))
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    tol = float(os.environ.get("BENCH_INSN_TOLERANCE", "0.01"))
    a, b = load(sys.argv[1]), load(sys.argv[2])
    print("| Configuration | quiet insns/pkt | spread | busy insns/pkt "
          "| spread | busy/quiet |")
    print("|---|---:|---:|---:|---:|---:|")
    worst, ok = 0.0, True
    for key in sorted(set(a) & set(b)):
        ma, mb = statistics.median(a[key]), statistics.median(b[key])
        d = mb / ma - 1
        worst = max(worst, abs(d))
        ok = ok and abs(d) <= tol
        print("| %s | %.1f | %.2f%% | %.1f | %.2f%% | %+.2f%% |"
              % (" ".join(key), ma, 100 * (max(a[key]) / min(a[key]) - 1),
                 mb, 100 * (max(b[key]) / min(b[key]) - 1), 100 * d))
    print("\nlargest difference of medians: %.2f%% (tolerance %.1f%%) %s"
          % (100 * worst, 100 * tol, "PASS" if ok else "MISS"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
