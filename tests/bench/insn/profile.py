#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Where a frame's instructions go: insncount.so's profile by function.

usage: profile.py [--top N] [--diff 'A|B']... RAW PROFILE

RAW is the guest's output of an instructions boot with
BENCH_INSN_PROFILE=1 (tests/bench/run.sh --insn-profile): "INSNMARK
LABEL" lines, "BENCH insnwin SYSTEM VARIANT RULES EPS ROUND FRAMES1
FRAMES2 M" lines (see pair.py) and the guest's text symbols as "KSYMZ
BASE64" lines (/proc/kallsyms, gzipped).  PROFILE is the plugin's
profile=FILE: "window SEQ VCPU" (the window that ends at mark SEQ),
then "VADDR INSNS" per translation block run in it.

As pair.py does for the totals, per measurement the window of its
second pair of marks (M.3 to M.4) less that of its first (M.1 to M.2),
here per function: each block's first address falls into the function
of the nearest symbol at or below it ("[user]" below the kernel's
half).  Per configuration (SYSTEM VARIANT RULES EPS) the rounds are
added up and divided by their frames (for "BENCH insnconnwin" lines,
of the conntrack part, variant "conn": by connections; for "BENCH
insntcpwin" lines, of the tcp part: by kilobytes of TCP data).  Prints
markdown: per configuration the top N functions by instructions per
frame, then per
pair of configurations A and B ("SYSTEM VARIANT RULES EPS" each) the
modules ("[bridge]", "[segfilter]", ..., "vmlinux") and the top N
functions by |A - B|.  Without --diff: every segfilter configuration
whose variant starts with "fwd" (or is "conn") against every other
system's of the same variant, and every segfilter TCP configuration
("insntcpwin") against the other systems' of its variant.  Exits 1 if no measurement could be profiled.
"""

import base64
import bisect
import gzip
import sys
from collections import defaultdict

KERNEL_HALF = 1 << 63


def read_guest(path):
    labels, wins, ksymz = [], [], []
    with open(path, errors="replace") as f:
        for line in f:
            w = line.rstrip("\r\n").split()
            if len(w) == 2 and w[0] == "INSNMARK":
                labels.append(w[1])
            elif len(w) == 10 and w[:2] in (["BENCH", "insnwin"],
                                            ["BENCH", "insnconnwin"],
                                            ["BENCH", "insntcpwin"]):
                wins.append(w[2:] + [w[1]])
            elif len(w) == 2 and w[0] == "KSYMZ":
                ksymz.append(w[1])
    return labels, wins, ksymz


class Symbols:
    """The guest's text symbols, from the KSYMZ lines."""

    def __init__(self, ksymz):
        syms = {}
        text = gzip.decompress(base64.b64decode("".join(ksymz)))
        for line in text.decode(errors="replace").splitlines():
            w = line.split()
            if len(w) < 3 or w[1] not in ("t", "T"):
                continue
            addr = int(w[0], 16)
            if not addr:
                continue
            name = w[2] + (" " + w[3] if len(w) > 3 else "")
            # Aliases at one address: keep the first (kallsyms' order).
            syms.setdefault(addr, name)
        self.addrs = sorted(syms)
        self.names = [syms[a] for a in self.addrs]
        self.cache = {}

    def __len__(self):
        return len(self.addrs)

    def name(self, addr):
        if addr < KERNEL_HALF:
            return "[user]"
        got = self.cache.get(addr)
        if got is None:
            i = bisect.bisect_right(self.addrs, addr) - 1
            got = self.names[i] if i >= 0 else "[kernel, no symbol]"
            self.cache[addr] = got
        return got


def read_profile(path, wanted):
    """{seq: (vcpu, {vaddr: insns})} for the windows in wanted."""
    out = {}
    cur = None
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) == 3 and w[0] == "window":
                seq = int(w[1])
                if seq in wanted:
                    cur = defaultdict(int)
                    out[seq] = (int(w[2]), cur)
                else:
                    cur = None
            elif len(w) == 2 and cur is not None:
                cur[int(w[0], 16)] += int(w[1])
    return out


def by_module(per):
    """Instructions per frame by module: "[mod]", or the kernel's."""
    out = defaultdict(float)
    for f, v in per.items():
        w = f.split()
        if f.startswith("["):
            out[f] += v
        elif len(w) > 1 and w[-1].startswith("["):
            out[w[-1]] += v
        else:
            out["vmlinux"] += v
    return out


def table(rows, head):
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print()


def main():
    args = sys.argv[1:]
    top, diffs = 25, []
    while args and args[0].startswith("--"):
        if args[0] == "--top" and len(args) > 1:
            top = int(args[1])
        elif args[0] == "--diff" and len(args) > 1 and "|" in args[1]:
            diffs.append(tuple(x.strip() for x in args[1].split("|", 1)))
        else:
            print(__doc__.strip().splitlines()[2], file=sys.stderr)
            return 2
        args = args[2:]
    if len(args) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    labels, wins, ksymz = read_guest(args[0])
    if not ksymz:
        print("profile: no KSYMZ lines in %s (BENCH_INSN_PROFILE=1?)" % args[0],
              file=sys.stderr)
        return 1
    syms = Symbols(ksymz)
    seq = {label: i + 1 for i, label in enumerate(labels)}

    # Which windows each measurement needs: those that end at M.2 and
    # M.4, each started by the mark just before (M.1, M.3).
    meas = []
    tcp = set()
    for w in wins:
        m = w[7]
        s = [seq.get("%s.%d" % (m, i)) for i in range(1, 5)]
        if None in s or s[1] != s[0] + 1 or s[3] != s[2] + 1:
            print("profile: marks of %s missing or not in a row" % " ".join(w),
                  file=sys.stderr)
            continue
        conf = " ".join(w[:4])
        if w[-1] == "insntcpwin":
            conf += " tcp"
            tcp.add(conf)
        meas.append((conf, int(w[6]) - int(w[5]), s[1], s[3]))
    wanted = {x for _, _, a, b in meas for x in (a, b)}
    prof = read_profile(args[1], wanted)

    # Per configuration: instructions by function (window 2 less window
    # 1, over the rounds) and frames.
    by_conf = defaultdict(lambda: defaultdict(int))
    frames = defaultdict(int)
    rounds = defaultdict(int)
    order = []
    for conf, nframes, w1, w2 in meas:
        if w1 not in prof or w2 not in prof or prof[w1][0] != prof[w2][0]:
            print("profile: windows of %s missing or on several vCPUs" % conf,
                  file=sys.stderr)
            continue
        fn = by_conf[conf]
        for sign, (_, blocks) in ((-1, prof[w1]), (1, prof[w2])):
            for vaddr, insns in blocks.items():
                fn[syms.name(vaddr)] += sign * insns
        frames[conf] += nframes
        rounds[conf] += 1
        if conf not in order:
            order.append(conf)
    if not order:
        print("profile: no measurement profiled", file=sys.stderr)
        return 1
    per = {c: {f: v / frames[c] for f, v in by_conf[c].items()} for c in order}

    print("## Instructions per frame by function")
    print()
    print("Guest instructions per frame by function (insncount.so profile=,"
          " tests/bench/insn/profile.py): the second window of each"
          " measurement less its first, over the rounds, divided by their"
          " frames; %d text symbols of the guest's /proc/kallsyms."
          % len(syms))
    print()
    for c in order:
        tot = sum(per[c].values())
        unit = "KB" if c in tcp else "frame"
        print("### %s (%d round%s, %d %ss): %.0f per %s"
              % (c, rounds[c], "" if rounds[c] == 1 else "s", frames[c], unit,
                 tot, unit))
        print()
        fns = sorted(per[c].items(), key=lambda kv: -kv[1])
        shown = fns[:top]
        rest = sum(v for _, v in fns[top:])
        rows = [(f, "%.0f" % v, "%.1f%%" % (100 * v / tot if tot else 0))
                for f, v in shown]
        rows.append(("(the other %d)" % max(len(fns) - top, 0), "%.0f" % rest,
                     "%.1f%%" % (100 * rest / tot if tot else 0)))
        table(rows, ["function", "insns/" + unit, "share"])

    if not diffs:
        for a in order:
            sa = a.split()
            if sa[0] != "segfilter" or not (sa[1].startswith("fwd") or
                                            sa[1] == "conn"):
                continue
            for b in order:
                sb = b.split()
                if sb[0] != "segfilter" and sb[1] == sa[1]:
                    diffs.append((a, b))
        for a in order:
            sa = a.split()
            if a not in tcp or sa[0] != "segfilter":
                continue
            for b in order:
                if b in tcp and b.split()[0] != "segfilter" and \
                        b.split()[1] == sa[1]:
                    diffs.append((a, b))
    for a, b in diffs:
        if a not in per or b not in per:
            print("profile: --diff %s|%s: not both profiled" % (a, b),
                  file=sys.stderr)
            continue
        pa, pb = per[a], per[b]
        fns = set(pa) | set(pb)
        d = sorted(fns, key=lambda f: -abs(pa.get(f, 0) - pb.get(f, 0)))
        ta, tb = sum(pa.values()), sum(pb.values())
        print("### %s minus %s: %+.0f per %s (%.0f against %.0f, %.3fx)"
              % (a, b, ta - tb, "KB" if a in tcp else "frame", ta, tb,
                 ta / tb if tb else 0))
        print()
        ma, mb = by_module(pa), by_module(pb)
        mods = sorted(set(ma) | set(mb),
                      key=lambda m: -abs(ma.get(m, 0) - mb.get(m, 0)))
        table([(m, "%.0f" % ma.get(m, 0), "%.0f" % mb.get(m, 0),
                "%+.0f" % (ma.get(m, 0) - mb.get(m, 0))) for m in mods],
              ["module", "A", "B", "A - B"])
        rows = [(f, "%.0f" % pa.get(f, 0), "%.0f" % pb.get(f, 0),
                 "%+.0f" % (pa.get(f, 0) - pb.get(f, 0))) for f in d[:top]]
        rest = sum(pa.get(f, 0) - pb.get(f, 0) for f in d[top:])
        rows.append(("(the other %d)" % max(len(d) - top, 0), "", "", "%+.0f" % rest))
        table(rows, ["function", "A", "B", "A - B"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
