#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare the targets' verdicts of two make bench runs (twice.sh).

usage: verdicts.py [--partial] A B

A and B are results.md files, or directories holding one (the wall-clock
targets) and insn/results.md (the instructions targets).  A target line
is "    ID what: figures VERDICT", where VERDICT ends the line (or follows
its last " -> "), maybe with a remark in parentheses after it, and is
PASS, MISS, "within noise" or "n/a ...".  A
target that appears more than once (one line per size) is told apart by
what it says before its first ": ".

A target is keyed by its ID (and, for an ID with a line per size, the
sizes it names); C1 and C2 also give a row to each flow count's own
verdict.  A line with an ID and no verdict shows as "no verdict";
"(info)" lines are not targets.

Per target: each run's verdict and line, and how they relate: "same";
"neither judged" (n/a in both); "one decided" where one run says PASS
or MISS and the other "within noise" (one run's intervals separated,
the other's did not: no contradiction); "one n/a"; "only one run";
"CONTRADICT" where one says PASS and the other MISS.  Prints a Markdown
table and a summary line.  Exits 1 on a contradiction, and on a target
that one run judged and the other lost or could not judge, unless
--partial (one run without the instructions boot, say).
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


def key_of(ident, what, repeated):
    """A target's key: its ID and the sizes it names (P1 has a line per
    frame size), so that the wording of an n/a line or a run's own
    figure in parentheses does not count; an ID on several lines that
    name no size is told apart by the rest of its text."""
    what = re.sub(r"\([^()]*\)", "", what)
    sizes = re.findall(r"[0-9]+[kM]? ?(?:bytes|pairs/rules|rules|flows)\b",
                       what)
    if sizes:
        return "%s %s" % (ident, " ".join(sizes))
    return "%s %s" % (ident, what.strip()) if repeated else ident


def sub_verdicts(figures):
    """C1's and C2's "1k: ... PASS; 1M: ... MISS -> MISS": each count's
    own verdict, as (label, verdict)."""
    if " -> " not in figures:
        return []
    out = []
    for part in figures.rsplit(" -> ", 1)[0].split("; "):
        label, _, rest = part.partition(": ")
        v = verdict(rest)
        if v:
            out.append((label.strip(), v))
    return out


def load(path):
    files = [path]
    if os.path.isdir(path):
        files = [os.path.join(path, "results.md"),
                 os.path.join(path, "insn", "results.md")]
    lines = []
    for name in files:
        if not os.path.exists(name):
            continue
        with open(name) as f:
            for line in f:
                m = LINE.match(line.rstrip("\n"))
                if m and not m.group(2).startswith("(info)"):
                    lines.append(m.groups())
    ids = [ident for ident, _ in lines]
    out = {}
    for ident, rest in lines:
        what, _, figures = rest.partition(": ")
        key = key_of(ident, what, ids.count(ident) > 1)
        v = verdict(rest) or "no verdict"
        n = 2
        while key in out:	# the same line twice: keep both
            key = "%s #%d" % (key_of(ident, what, True), n)
            n += 1
        out[key] = (v, what + ": " + figures)
        for label, sv in sub_verdicts(figures):
            out["%s at %s" % (key, label)] = (sv, "")
    return out


def relation(a, b):
    if a == b == "n/a":
        return "neither judged"
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
    args = sys.argv[1:]
    partial = "--partial" in args
    args = [a for a in args if a != "--partial"]
    if len(args) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    a, b = load(args[0]), load(args[1])
    if not a or not b:
        print("verdicts: no target line in %s" %
              (args[0] if not a else args[1]), file=sys.stderr)
        return 2
    count = {}
    print("| Target | A | B | | A's line | B's line |")
    print("|---|---|---|---|---|---|")
    keys = list(a) + [k for k in b if k not in a]
    for key in keys:
        va, fa = a.get(key, ("-", ""))
        vb, fb = b.get(key, ("-", ""))
        rel = "only one run" if "-" in (va, vb) else relation(va, vb)
        count[rel] = count.get(rel, 0) + 1
        print("| %s | %s | %s | %s | %s | %s |" %
              (key, va, vb, rel, cell(fa), cell(fb)))
    print()
    print("verdicts: %d targets: %s" % (
        len(keys), ", ".join("%d %s" % (n, r) for r, n in sorted(count.items()))))
    if count.get("CONTRADICT"):
        return 1
    # A target that one run judged and the other lost, or could not
    # judge, is not agreement either, unless the runs were partial by
    # design (one without the instructions boot).
    if not partial and (count.get("only one run") or count.get("one n/a")):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
