#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Pair the marks of insncount.so with what the guest printed.

usage: pair.py RAW MARKS

RAW is the guest's output of the instructions boot (bench.sh with
BENCH_INSN=1): "INSNMARK LABEL" lines (tests/tools/insnmark, one per mark,
in the order the marks were executed) and

  BENCH insnwin SYSTEM VARIANT RULES EPS ROUND FRAMES1 FRAMES2 M

for each measurement, whose marks are M.1 to M.4: window 1 (M.1 to M.2)
sent FRAMES1 frames, window 2 (M.3 to M.4) FRAMES2.  MARKS is the
plugin's file: "mark SEQ VCPU INSNS TOTAL" per mark, in the order the
marks were executed.  The n-th INSNMARK line is the n-th mark.

Prints, per measurement,

  BENCH insn SYSTEM VARIANT RULES EPS ROUND FRAMES INSNS

with FRAMES = FRAMES2 - FRAMES1 and INSNS the instructions of window 2
less those of window 1, both counted on the vCPU that executed the
marks.

The same for connections (tests/bench/parts/conntrack.sh in the
instructions boot): "BENCH insnconnwin ..." lines of the same shape,
whose FRAMES are connections, give "BENCH insnconn ..." lines; and
for TCP bulk (tests/bench/parts/tcp.sh, BENCH_INSN_TCP=1) "BENCH
insntcpwin ..." lines, whose FRAMES are kilobytes of data that iperf3
moved, give "BENCH insntcp ..." lines.

Exits 1 (after printing what it could) if the marks and the INSNMARK
lines do not match one for one, or a measurement's marks are missing or
were not all executed on one vCPU.
"""

import sys


def read_guest(path):
    labels, wins = [], []
    with open(path, errors="replace") as f:
        for line in f:
            w = line.rstrip("\r\n").split()
            if len(w) == 2 and w[0] == "INSNMARK":
                labels.append(w[1])
            elif len(w) == 10 and w[:2] == ["BENCH", "insnwin"]:
                wins.append(w[2:] + ["insn"])
            elif len(w) == 10 and w[:2] == ["BENCH", "insnconnwin"]:
                wins.append(w[2:] + ["insnconn"])
            elif len(w) == 10 and w[:2] == ["BENCH", "insntcpwin"]:
                wins.append(w[2:] + ["insntcp"])
    return labels, wins


def read_marks(path):
    marks = []
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) == 5 and w[0] == "mark":
                marks.append((int(w[2]), int(w[3])))
    return marks


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    labels, wins = read_guest(sys.argv[1])
    marks = read_marks(sys.argv[2])
    ok = True
    if len(labels) != len(marks):
        print("pair: %d INSNMARK lines but %d marks in %s"
              % (len(labels), len(marks), sys.argv[2]), file=sys.stderr)
        ok = False
    at = {}
    for label, mark in zip(labels, marks):
        if label in at:
            print("pair: mark %s twice" % label, file=sys.stderr)
            ok = False
        at[label] = mark
    for w in wins:
        m = w[7]
        got = [at.get("%s.%d" % (m, i)) for i in range(1, 5)]
        if None in got:
            print("pair: marks of %s missing" % " ".join(w[:8]), file=sys.stderr)
            ok = False
            continue
        if len({vcpu for vcpu, _ in got}) != 1:
            print("pair: marks of %s on several vCPUs" % " ".join(w[:8]),
                  file=sys.stderr)
            ok = False
            continue
        f1, f2 = int(w[5]), int(w[6])
        insns = (got[3][1] - got[2][1]) - (got[1][1] - got[0][1])
        print("BENCH %s %s %d %d" % (w[8], " ".join(w[:5]), f2 - f1, insns))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
