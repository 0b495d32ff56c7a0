#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""TCP bulk by instructions: the table of the tcp part's windows.

usage: tcp.py RAW INSN

RAW is the guest's output of an instructions boot with BENCH_INSN_TCP=1
(tests/bench/parts/tcp.sh), whose lines

  BENCH tcpinsn SYSTEM VARIANT ROUND FRAMES1 BYTES1 FRAMES2 BYTES2 RETR1 RETR2

say what the client's port received in each window (GSO packets and
bytes) and how often the sender retransmitted; INSN is pair.py's
output, whose lines

  BENCH insntcp SYSTEM VARIANT 0 0 ROUND KB INSNS

give the instructions of CPU 0 for KB kilobytes that the client's port
received (window 2 less window 1).  Prints markdown: per configuration the median and
range over the rounds of the instructions per KB and per GSO packet
the port received (window 2 less window 1), the mean packet there,
the retransmissions, and per round segfilter over the bridge of the
same variant.  Exits 1 if there is no "BENCH insntcp" line.
"""

import statistics
import sys
from collections import defaultdict


def words(path, kind):
    with open(path, errors="replace") as f:
        for line in f:
            w = line.rstrip("\r\n").split()
            if len(w) > 2 and w[0] == "BENCH" and w[1] == kind:
                yield w[2:]


def span(vals, fmt):
    if not vals:
        return "-"
    return (fmt + " (" + fmt + "-" + fmt + ")") % (statistics.median(vals),
                                                   min(vals), max(vals))


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    port = {}
    for w in words(sys.argv[1], "tcpinsn"):
        if len(w) == 9:
            f1, b1, f2, b2, r1, r2 = (int(x) for x in w[3:])
            port[(w[0], w[1], w[2])] = (f1, b1, f2, b2, r1, r2)
    per_kb = defaultdict(dict)
    per_pkt = defaultdict(list)
    mean = defaultdict(list)
    retr = defaultdict(list)
    order = []
    for w in words(sys.argv[2], "insntcp"):
        if len(w) != 7:
            continue
        conf, rnd, kb, insns = (w[0], w[1]), w[4], int(w[5]), int(w[6])
        if conf not in order:
            order.append(conf)
        per_kb[conf][rnd] = insns / kb
        p = port.get((w[0], w[1], rnd))
        if p:
            f1, b1, f2, b2, r1, r2 = p
            if f2 > f1:
                per_pkt[conf].append(insns / (f2 - f1))
            if f2:
                mean[conf].append(b2 / f2)
            retr[conf].append(r1 + r2)
    if not order:
        print("tcp: no BENCH insntcp line in %s" % sys.argv[2], file=sys.stderr)
        return 1
    print("## TCP bulk by instructions")
    print()
    print("Guest instructions of CPU 0 (both iperf3 processes, both veth"
          " pairs, the system under test) per KB the client's port received"
          " (iperf3 -n), window 2 less window 1; per GSO packet: over the"
          " packets the client's port received in window 2 less those of"
          " window 1.  Median (range) over the rounds.")
    print()
    print("| system | variant | rounds | insns/KB | insns/GSO packet |"
          " mean packet (B) | retransmits | x bridge (insns/KB) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for conf in order:
        ratio = "-"
        ref = per_kb.get(("bridge", conf[1]))
        if conf[0] != "bridge" and ref:
            r = [per_kb[conf][k] / ref[k] for k in per_kb[conf] if k in ref]
            ratio = span(r, "%.3f")
        print("| %s | %s | %d | %s | %s | %s | %s | %s |"
              % (conf[0], conf[1], len(per_kb[conf]),
                 span(list(per_kb[conf].values()), "%.0f"),
                 span(per_pkt[conf], "%.0f"), span(mean[conf], "%.0f"),
                 " ".join(str(x) for x in retr[conf]) or "-", ratio))
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
