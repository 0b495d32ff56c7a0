#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Where a configuration's frames spend segfilter.ko's instructions, by
translation block and source line.

usage: lines.py RAW PROFILE 'SYSTEM VARIANT RULES EPS' MODULE.ko [MIN]

RAW and PROFILE as for profile.py (an instructions boot with
--insn-profile).  For the named configuration, each block's
instructions per frame (window 2 less window 1, over the rounds, as
profile.py counts them) for the blocks that start in segfilter.ko,
MIN (default 0.5) and more, sorted by function and offset, with the
source line of the block's first address and the functions inlined
there (addr2line -i -f on MODULE.ko, which must be the module the guest
loaded, with its debug information: .build/KERNEL/segfilter.ko).  The
guest's addresses map to the module's by each function's offset, since
KASLR moves the module every boot.  Exits 1 if the configuration has
no profiled window.
"""

import bisect
import subprocess
import sys
from collections import defaultdict

import profile as prof


def module_symbols(ko):
    """{function: address} of the module's text symbols."""
    out = subprocess.run(["nm", ko], capture_output=True, text=True,
                         check=True).stdout
    syms = {}
    for line in out.splitlines():
        w = line.split()
        if len(w) == 3 and w[1] in ("t", "T"):
            syms[w[2]] = int(w[0], 16)
    return syms


def source_of(ko, addr):
    """The inline chain at @addr: "f:file:line < caller:file:line"."""
    out = subprocess.run(["addr2line", "-i", "-f", "-s", "-e", ko,
                          "0x%x" % addr],
                         capture_output=True, text=True).stdout.split("\n")
    return " < ".join("%s:%s" % (out[i], out[i + 1])
                      for i in range(0, len(out) - 1, 2))


def main():
    if len(sys.argv) not in (5, 6):
        print(__doc__.strip().splitlines()[3], file=sys.stderr)
        return 2
    raw, profile, conf, ko = sys.argv[1:5]
    least = float(sys.argv[5]) if len(sys.argv) == 6 else 0.5
    labels, wins, ksymz = prof.read_guest(raw)
    if not ksymz:
        print("lines: no KSYMZ lines in %s" % raw, file=sys.stderr)
        return 1
    syms = prof.Symbols(ksymz)
    seq = {label: i + 1 for i, label in enumerate(labels)}
    meas = []
    for w in wins:
        if " ".join(w[:4]) != conf:
            continue
        s = [seq.get("%s.%d" % (w[7], i)) for i in range(1, 5)]
        if None not in s:
            meas.append((int(w[6]) - int(w[5]), s[1], s[3]))
    wanted = {x for _, a, b in meas for x in (a, b)}
    windows = prof.read_profile(profile, wanted)
    blocks, frames = defaultdict(int), 0
    for n, w1, w2 in meas:
        if w1 not in windows or w2 not in windows:
            continue
        for sign, (_, got) in ((-1, windows[w1]), (1, windows[w2])):
            for addr, insns in got.items():
                blocks[addr] += sign * insns
        frames += n
    if not frames:
        print("lines: no profiled window of %s" % conf, file=sys.stderr)
        return 1
    kosyms = module_symbols(ko)
    rows = []
    for addr, insns in blocks.items():
        per = insns / frames
        name = syms.name(addr)
        if abs(per) < least or not name.endswith("[segfilter]"):
            continue
        fn = name.split()[0]
        if fn not in kosyms:
            continue
        off = addr - syms.addrs[bisect.bisect_right(syms.addrs, addr) - 1]
        rows.append((fn, off, per))
    for fn, off, per in sorted(rows):
        print("%-28s +0x%-5x %7.1f  %s" % (fn, off, per,
                                           source_of(ko, kosyms[fn] + off)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
