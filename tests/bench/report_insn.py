#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Guest instructions per packet (tests/bench/run.sh's instructions boot).

Reads the lines tests/bench/insn/pair.py made of the plugin's marks:

  BENCH insn SYSTEM VARIANT RULES EPS ROUND FRAMES INSNS

and gives a table (instructions per packet, their ratio to the plain
veth and to the bridge, next to the wall-clock ratio to the bridge of
the same configuration when the first boot measured it) and report.py's
targets judged on instructions instead of time, marked "I".  report.py
calls report(raw, res); run.sh --insn, with no wall-clock boot, runs
this file on its own:

  report_insn.py INSN.TXT    prints the markdown
"""

import importlib.util
import os
import re
import statistics
import sys

# The spread of a configuration's instructions per packet that the
# host's load cannot explain away (Documentation/performance.rst,
# "Instructions per packet"): two boots, one with the other host CPU
# busy, agreed within this.  A target whose figure is nearer its bound
# than this is "within noise".
TOLERANCE = 0.01


def _report_module():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "report.py")
    spec = importlib.util.spec_from_file_location("bench_report", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def summarise(raw, rounds=None):
    """{configuration: median, min, max, rounds}; with ROUNDS (a dict),
    also {configuration: {round: insns per frame}} into it, for
    report.py's paired_ratio()."""
    runs, by_round = {}, {}
    for w in raw:
        if len(w) != 8 or w[0] != "insn":
            continue
        try:
            key = (w[1], w[2], int(w[3]), int(w[4]))
            rnd, frames, insns = int(w[5]), int(w[6]), int(w[7])
        except ValueError:
            continue
        if frames > 0:
            runs.setdefault(key, []).append(insns / frames)
            by_round.setdefault(key, {}).setdefault(rnd, []).append(
                insns / frames)
    out = {}
    for key, v in runs.items():
        out[key] = {"median": statistics.median(v), "min": min(v),
                    "max": max(v), "rounds": len(v)}
    if rounds is not None:
        for key, per in by_round.items():
            rounds[key] = {r: statistics.mean(v) for r, v in per.items()}
    return out


def _ratio(res, key, base):
    if key not in res or base not in res:
        return None
    return res[key]["median"] / res[base]["median"]


def _fmt(r):
    return "-" if r is None else "%.2f" % r


def _close(text):
    """"within noise" for a ratio target whose figure is within
    TOLERANCE of its bound."""
    m = re.search(r": ([0-9.]+)x .*(PASS|MISS)$", text)
    b = re.search(r"<= ([0-9.]+)x", text)
    if m and b:
        r, bound = float(m.group(1)), float(b.group(1))
        if abs(r - bound) <= bound * 2 * TOLERANCE:
            return text[:-4] + "within noise"
    return text


def report(raw, res):
    # A report module of its own: its ROUNDS, which T1 and T4 pair
    # round by round, are the instructions boot's, not the wall clock's.
    rep = _report_module()
    ires = summarise(raw, rep.ROUNDS)
    if not ires:
        return [], []
    md = ["", "## Instructions per packet", "",
          "Guest instructions executed on CPU 0 per frame, counted by QEMU's "
          "plugin tests/bench/insn/insncount.so in a boot of their own "
          "(run.sh --insn): median and range over the rounds.  The host's "
          "load does not move them (within %.0f%%, performance.rst); they "
          "do not model caches, memory latency or contention."
          % (TOLERANCE * 100), "",
          "| System | Variant | Rules | Endpoints | insns/pkt | min-max "
          "| x plain | x bridge | wall-clock x bridge | rounds |",
          "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key in sorted(ires, key=rep.sort_key):
        r = ires[key]
        md.append("| %s | %s | %s | %s | %.0f | %.0f-%.0f | %s | %s | %s "
                  "| %d |"
                  % (key[0], key[1], rep.human(key[2]), rep.human(key[3]),
                     r["median"], r["min"], r["max"],
                     _fmt(_ratio(ires, key, rep.BASE)),
                     _fmt(_ratio(ires, key, rep.BRIDGE)),
                     _fmt(_ratio(res or {}, key, rep.BRIDGE)), r["rounds"]))
    targets = []
    for t in rep.targets(ires, {}, []):
        # T5-T7 are about commits and memory, not packets.
        if t.split(" ", 1)[0] in ("T5", "T6", "T7"):
            continue
        t = t.replace(" ns)", " instructions)")
        targets.append("I" + _close(t))
    return md, targets


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    rep = _report_module()
    md, targets = report(rep.bench_words(sys.argv[1]), {})
    return rep.print_alone("report_insn", "insn", sys.argv[1], md, targets,
                           "Targets, on instructions",
                           "# segfilter benchmark: instructions per packet")


if __name__ == "__main__":
    sys.exit(main())
