#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare the targets' verdicts of two make bench runs (twice.sh).

usage: verdicts.py A B

A and B are results.md files, or directories holding one (the wall-clock
targets) and insn/results.md (the instructions targets).  A target line
is "    ID what: figures VERDICT", where VERDICT ends the line (or follows
its last " -> "), maybe with a remark in parentheses after it, and is
PASS, MISS, "within noise" or "n/a ...".  A
target that appears more than once (one line per size) is told apart by
what it says before its first ": ".

Per target: each run's verdict and figures, and how they relate:
"same"; "one decided" where one run says PASS or MISS and the other
"within noise" (one run's intervals separated, the other's did not: no
contradiction); "CONTRADICT" where one says PASS and the other MISS.
Prints a Markdown table and a summary line; exits 1 on a contradiction.
"""

import os
import re
import sys

LINE = re.compile(r"^ {4}([A-Z]+[0-9]+) (.*)$")
END = re.compile(r"(PASS|MISS|within noise|n/a.*)$")
TAIL = re.compile(r"\s*\([^()]*\)$")


def verdict(text):
    if " -> " in text:
        text = text.rsplit(" -> ", 1)[1]
    # "MISS (the profile: ...)", "within noise (medians behind)"
    text = TAIL.sub("", text.strip())
    m = END.search(text)
    if not m:
        return None
    v = m.group(1)
    return "n/a" if v.startswith("n/a") else v


def load(path):
    files = [path]
    if os.path.isdir(path):
        files = [os.path.join(path, "results.md"),
                 os.path.join(path, "insn", "results.md")]
    out = {}
    for name in files:
        if not os.path.exists(name):
            continue
        with open(name) as f:
            for line in f:
                m = LINE.match(line.rstrip("\n"))
                if not m:
                    continue
                ident, rest = m.groups()
                what, _, figures = rest.partition(": ")
                v = verdict(rest)
                if v is None:
                    continue
                key = (ident, what)
                n = 2
                while key in out:	# the same line twice: keep both
                    key = (ident, "%s (#%d)" % (what, n))
                    n += 1
                out[key] = (v, figures)
    return out


def relation(a, b):
    if a == b:
        return "same"
    if {a, b} == {"PASS", "MISS"}:
        return "CONTRADICT"
    if "n/a" in (a, b):
        return "one n/a"
    return "one decided"


def cell(text, width=90):
    text = text.replace("|", "/")
    return text if len(text) <= width else text[:width - 3] + "..."


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    a, b = load(sys.argv[1]), load(sys.argv[2])
    if not a or not b:
        print("verdicts: no target line in %s" %
              (sys.argv[1] if not a else sys.argv[2]), file=sys.stderr)
        return 2
    count = {}
    print("| Target | A | B | | A's figures | B's figures |")
    print("|---|---|---|---|---|---|")
    keys = list(a) + [k for k in b if k not in a]
    for key in keys:
        va, fa = a.get(key, ("-", ""))
        vb, fb = b.get(key, ("-", ""))
        rel = "only one run" if "-" in (va, vb) else relation(va, vb)
        count[rel] = count.get(rel, 0) + 1
        print("| %s %s | %s | %s | %s | %s | %s |" %
              (key[0], cell(key[1], 60), va, vb, rel, cell(fa), cell(fb)))
    print()
    print("verdicts: %d targets: %s" % (
        len(keys), ", ".join("%d %s" % (n, r) for r, n in sorted(count.items()))))
    return 1 if count.get("CONTRADICT") else 0


if __name__ == "__main__":
    sys.exit(main())
