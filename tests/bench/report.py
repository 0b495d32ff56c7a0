#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn what tests/bench/bench.sh printed into results.

usage: report.py RAW OUTDIR

RAW holds the guest's output; the lines that start with "BENCH " count:

  BENCH info KEY VALUE...                    a fact about the run
  BENCH pkt SYSTEM VARIANT RULES ENDPOINTS ROUND ELAPSED_US FRAMES SENT
  BENCH ctl WHAT N MS                        a control-plane time
  BENCH mem WHAT COUNT BYTES [KEY=VALUE...]  memory for COUNT objects

A configuration is (SYSTEM, VARIANT, RULES, ENDPOINTS); each round
measured it once.  The north-south configurations (variants "exit",
"exit-miss" and "route", system "routed") count prefixes in RULES and
get a table of their own.  Every other "BENCH KIND ..." line is for
the report modules of the parts (tests/bench/report_*.py, see
extra_reports()).  Written to OUTDIR: results.md (the tables and the
targets), results.csv (one row per configuration) and ns-per-packet.png
(by gnuplot, with plot.dat and plot.gp to render it again); each plot
also as text, NAME.txt (medians only), for the documentation.
"""

import csv
import glob
import importlib.util
import math
import os
import shutil
import statistics
import subprocess
import sys

SYSTEMS = ["plain", "bridge", "segfilter", "nft-linear", "nft-vmap", "ovs",
           "routed", "nft-set"]
VARIANTS = ["fwd", "judged", "drop-rule", "drop-default", "redirect",
            "exit", "exit-miss", "route"]
# What the text plot of ns per packet against rules shows.
TEXT_SERIES = [("bridge", "fwd"), ("segfilter", "fwd"),
               ("segfilter", "judged"), ("nft-vmap", "fwd"), ("ovs", "fwd")]
BASE = ("plain", "fwd", 0, 0)
BRIDGE = ("bridge", "fwd", 0, 0)
ROUTED = ("routed", "fwd", 0, 0)


def north_south(key):
    return key[0] == "routed" or key[1] in ("exit", "exit-miss", "route")


def human(n):
    if n == 0:
        return "-"
    for div, suffix in ((1000000, "M"), (1000, "k")):
        if n >= div and n % div == 0:
            return "%d%s" % (n // div, suffix)
    return str(n)


def order(name, known):
    return (known.index(name), name) if name in known else (len(known), name)


def bench_words(path):
    """The words of each "BENCH ..." line of PATH, less "BENCH"."""
    raw = []
    with open(path, errors="replace") as f:
        for line in f:
            w = line.split()
            if w and w[0] == "BENCH":
                raw.append(w[1:])
    return raw


def print_alone(prog, what, path, md, targets, heading, title=None):
    """A report_*.py run alone: its markdown and targets on stdout, or,
    with no WHAT line in PATH, an error.  Returns the exit status."""
    if not md:
        print("%s: no BENCH %s line in %s" % (prog, what, path),
              file=sys.stderr)
        return 1
    if title:
        print(title)
    print("\n".join(md))
    print("\n## %s\n" % heading)
    print("\n".join("    " + t for t in targets))
    return 0


def parse(path):
    info, pkt, ctl, mem, raw = [], {}, {}, [], []
    global ROUNDS
    rounds = ROUNDS
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if not line.startswith("BENCH "):
                continue
            w = line.split()
            raw.append(w[1:])
            try:
                if w[1] == "info" and len(w) >= 3:
                    info.append((w[2], " ".join(w[3:])))
                elif w[1] == "pkt" and len(w) == 10:
                    key = (w[2], w[3], int(w[4]), int(w[5]))
                    us, frames, sent = int(w[7]), int(w[8]), int(w[9])
                    pkt.setdefault(key, []).append((us, frames, sent))
                    rounds.setdefault(key, {})[int(w[6])] = (
                        us * 1000.0 / frames if frames > 0 else None)
                elif w[1] == "ctl" and len(w) == 5:
                    ctl.setdefault((w[2], int(w[3])), []).append(float(w[4]))
                elif w[1] == "mem" and len(w) >= 5:
                    # A key without a value (no such slab cache) is
                    # left out, not the line.
                    extra = [x.split("=", 1) for x in w[5:] if "=" in x]
                    mem.append((w[2], int(w[3]), int(w[4]),
                                [(k, int(v)) for k, v in extra if v]))
            except ValueError:
                print("report: cannot read: " + line, file=sys.stderr)
    return info, pkt, ctl, mem, raw


# ns/pkt of each configuration by round: {key: {round: ns or None}}.
ROUNDS = {}


def median_interval(values):
    """The median and a distribution-free interval for it.

    The interval is [x(k), x(n+1-k)] of the sorted values, with k the
    largest for which the binomial(n, 1/2) chance of fewer than k values
    below the median, on either side, stays under 2.5%: a 95% (or more)
    interval that assumes nothing of the distribution. With n = 5 it is
    the whole range (94%); with 9, from the 2nd to the 8th (96%).
    Returns (median, low, high), or None without values."""
    v = sorted(x for x in values if x is not None)
    n = len(v)
    if not n:
        return None
    k, tail = 0, 0.0
    # tail = P(Binomial(n, 1/2) <= k - 1), grown while it stays small.
    while k < n // 2:
        nxt = tail + math.comb(n, k) / 2.0 ** n
        if nxt > 0.025:
            break
        tail = nxt
        k += 1
    lo, hi = (v[k - 1], v[n - k]) if k > 0 else (v[0], v[-1])
    return statistics.median(v), lo, hi


def paired_ratio(a, b):
    """The ratio of configuration a to b, round by round.

    Each round measures every configuration once, in an order of its
    own, so a round's ratio cancels the drift of the host between
    rounds; the median of the rounds' ratios and its interval
    (median_interval).  None unless both were measured in a round."""
    ra, rb = ROUNDS.get(a, {}), ROUNDS.get(b, {})
    rs = [ra[r] / rb[r] for r in ra if r in rb and ra[r] and rb[r]]
    return median_interval(rs)


def paired_rounds(a, b):
    """How many rounds measured both a and b (paired_ratio's sample)."""
    ra, rb = ROUNDS.get(a, {}), ROUNDS.get(b, {})
    return sum(1 for r in ra if r in rb and ra[r] and rb[r])


def judge(iv, bound, above_is_bad=True):
    """PASS, MISS or "within noise" for an interval (median, lo, hi)
    against a bound: PASS only if the whole interval is on the good side,
    MISS only if the whole of it is on the bad side."""
    if iv is None:
        return "n/a"
    _, lo, hi = iv
    if not above_is_bad:
        lo, hi = -hi, -lo
        bound = -bound
    if hi <= bound:
        return "PASS"
    if lo > bound:
        return "MISS"
    return "within noise"


def agreed(verdicts):
    """One verdict from a target judged against several references that
    do the same work (the boot's two bridges, performance.rst "Two
    runs"): PASS or MISS only where all say so, n/a if one could not be
    judged, else "within noise"."""
    na = [v for v in verdicts if v.startswith("n/a")]
    if na:
        return na[0]
    return verdicts[0] if len(set(verdicts)) == 1 else "within noise"


def fmt_iv(iv, unit="x"):
    if iv is None:
        return "n/a"
    return "%.2f%s [%.2f-%.2f]" % (iv[0], unit, iv[1], iv[2])


def plot(name, title, xlabel, ylabel, series, logx=False, logy=False):
    """OUTDIR/NAME.png by gnuplot: one line per series, each a list of
    (x, y) or (x, y, low, high) points (with error bars); plot.NAME.dat
    and plot.NAME.gp are kept to render it again."""
    if not series:
        return
    blocks, plots = [], []
    for i, (label, pts) in enumerate(series):
        pts = sorted(pts)
        bars = all(len(p) == 4 for p in pts)
        blocks.append("# %s\n%s\n\n\n" % (label, "\n".join(
            " ".join("%g" % v for v in p) for p in pts)))
        plots.append("'plot.%s.dat' index %d using %s title '%s'"
                     % (name, i, "1:2:3:4 with yerrorlines" if bars
                        else "1:2 with linespoints", label))
    with open(os.path.join(OUTDIR, "plot.%s.dat" % name), "w") as f:
        f.write("".join(blocks))
    gp = ["set terminal png size 900,560",
          "set output '%s.png'" % name, "set title '%s'" % title,
          "set xlabel '%s'" % xlabel, "set ylabel '%s'" % ylabel,
          "set key outside right", "set grid", "set yrange [0:*]"]
    if logx:
        gp.append("set logscale x")
    if logy:
        gp += ["set logscale y", "set yrange [*:*]"]
    gp.append("plot " + ", \\\n     ".join(plots))
    with open(os.path.join(OUTDIR, "plot.%s.gp" % name), "w") as f:
        f.write("\n".join(gp) + "\n")
    if shutil.which("gnuplot"):
        subprocess.run(["gnuplot", "plot.%s.gp" % name], cwd=OUTDIR,
                       check=True)
    text_plot(OUTDIR, name, title.split(" (")[0] + " (medians)",
              ["set xlabel '%s'" % xlabel] +
              (["set logscale x"] if logx else []) +
              (["set logscale y"] if logy else []),
              ["'plot.%s.dat' index %d using 1:2 with linespoints title '%s'"
               % (name, i, label) for i, (label, _) in enumerate(series)])


OUTDIR = "."


def text_plot(outdir, name, title, settings, plots):
    """OUTDIR/NAME.txt: the medians of a plot in text, by gnuplot's dumb
    terminal (plot.NAME.txt.gp), for Documentation/performance.rst.  Its
    y axis does not start at zero: it shows where the lines part."""
    gp = ["set terminal dumb size 76,30",
          "set output '%s.txt'" % name, "set title '%s'" % title,
          "set key below", "set yrange [*:*]"] + settings
    gp.append("plot " + ", \\\n     ".join(plots))
    script = "plot.%s.txt.gp" % name
    with open(os.path.join(outdir, script), "w") as f:
        f.write("\n".join(gp) + "\n")
    if shutil.which("gnuplot"):
        subprocess.run(["gnuplot", script], cwd=outdir, check=True)


def extra_reports(raw, res):
    """The parts' own tables and targets.

    Each tests/bench/report_NAME.py has report(raw, res), given every
    BENCH line (split, without "BENCH") and the per-packet summary of
    summarise(); it returns (markdown lines, target lines).  Before it
    runs, the module is given this one's median_interval, paired_ratio,
    judge, agreed, fmt_iv and plot, and OUTDIR."""
    md, tl = [], []
    here = os.path.dirname(os.path.abspath(__file__))
    for path in sorted(glob.glob(os.path.join(here, "report_*.py"))):
        name = os.path.basename(path)[:-3]
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        for f in (median_interval, paired_ratio, judge, agreed, fmt_iv,
                  plot):
            setattr(mod, f.__name__, f)
        mod.OUTDIR = OUTDIR
        spec.loader.exec_module(mod)
        m, t = mod.report(raw, res)
        md += m
        tl += t
    return md, tl


def summarise(pkt):
    """Per configuration: ns/pkt median, min, max, lost fraction, rounds."""
    out, invalid = {}, []
    for key, runs in pkt.items():
        ns = [us * 1000.0 / fr for us, fr, _ in runs if fr > 0]
        if len(ns) < len(runs):
            invalid.append((key, len(runs) - len(ns)))
        if not ns:
            continue
        lost = statistics.median([1 - fr / s if s else 0 for _, fr, s in runs])
        out[key] = {"median": statistics.median(ns), "min": min(ns),
                    "max": max(ns), "lost": max(lost, 0.0), "rounds": len(ns)}
    return out, invalid


def sort_key(key):
    return (order(key[0], SYSTEMS), order(key[1], VARIANTS), key[2], key[3])


def ratio(res, key, base):
    if key not in res or base not in res:
        return None
    return res[key]["median"] / res[base]["median"]


def fmt_ratio(r):
    return "-" if r is None else "%.2f" % r


def median_of(res, sys_, var, rules, eps):
    r = res.get((sys_, var, rules, eps))
    return r["median"] if r else None


def targets(res, ctl, mem):
    lines = []

    def verdict(ok):
        return "PASS" if ok else "MISS"

    # T1: segfilter forwarding with a policy check against a plain bridge,
    # judged on the rounds' paired ratios.
    iv = paired_ratio(("segfilter", "fwd", 1, 10), BRIDGE)
    n = paired_rounds(("segfilter", "fwd", 1, 10), BRIDGE)
    if iv:
        lines.append("T1 segfilter forwarding (1 rule, 10 endpoints) <= 1.1x "
                     "Linux bridge: %s %s" % (fmt_iv(iv), judge(iv, 1.1)
                                              if n >= 3 else
                                              "n/a (%d round%s: no interval)"
                                              % (n, "" if n == 1 else "s")))
    else:
        lines.append("T1 segfilter forwarding <= 1.1x bridge: n/a")

    # T2: spread over rules and endpoints.
    for var in ("fwd", "judged", "drop-rule", "drop-default"):
        vals = [v["median"] for k, v in res.items()
                if k[0] == "segfilter" and k[1] == var]
        if len(vals) < 2:
            continue
        spread = max(vals) / min(vals) - 1
        text = ("segfilter %s: from %d configurations, slowest/fastest "
                "median = +%.1f%%" % (var, len(vals), spread * 100))
        if var == "fwd":
            lines.append("T2 per-packet cost within 10%% over 1..100k rules "
                         "and 10..10k endpoints, %s %s"
                         % (text, verdict(spread <= 0.10)))
        else:
            lines.append("   (info) " + text)

    # T3: against nftables' linear rules at each rule count.
    parts, ok, seen = [], True, False
    for rules in sorted({k[2] for k in res if k[0] == "nft-linear"}):
        s = median_of(res, "segfilter", "fwd", rules, 10)
        o = median_of(res, "nft-linear", "fwd", rules, 0)
        if rules < 1000 or not s or not o:
            continue
        seen = True
        ok = ok and s < o
        parts.append("%s rules: nft-linear/segfilter %.2fx" % (human(rules),
                                                               o / s))
    lines.append("T3 segfilter beats nftables with linear rules at 1k rules "
                 "and more: %s %s" % ("; ".join(parts) if seen else "",
                                      verdict(ok) if seen else "n/a"))
    # T4: the verdict map is not ahead of segfilter beyond the noise: the
    # interval of segfilter/nft-vmap reaches down to 1 at every size.
    parts, worst = [], None
    for rules in sorted({k[2] for k in res if k[0] == "nft-vmap"}):
        iv = paired_ratio(("segfilter", "fwd", rules, 10),
                          ("nft-vmap", "fwd", rules, 0))
        if not iv:
            continue
        j = "PASS" if iv[1] <= 1.0 else "MISS"
        if paired_rounds(("segfilter", "fwd", rules, 10),
                         ("nft-vmap", "fwd", rules, 0)) < 3:
            j = "n/a (fewer than 3 rounds: no interval)"
        worst = j if worst in (None, "PASS") else worst
        parts.append("%s rules: segfilter/nft-vmap %s%s"
                     % (human(rules), fmt_iv(iv),
                        "" if iv[2] <= 1.0 else
                        (" (within noise)" if j == "PASS" else "")))
    lines.append("T4 nftables' verdict map not ahead of segfilter beyond "
                 "the noise, at any size: %s %s"
                 % ("; ".join(parts), worst or "n/a"))

    # T5: committing 100k rules against nft -f.
    s = ctl.get(("segfilter-rules", 100000))
    n = ctl.get(("nft-linear", 100000))
    v = ctl.get(("nft-vmap", 100000))
    if s and n:
        sm, nm = statistics.median(s), statistics.median(n)
        extra = (", nft -f of a verdict map %.0f ms" % statistics.median(v)
                 if v else "")
        lines.append("T5 committing 100k rules no slower than nft -f: segctl "
                     "%.0f ms, nft -f (linear) %.0f ms%s %s"
                     % (sm, nm, extra, verdict(sm <= nm)))
    else:
        lines.append("T5 committing 100k rules no slower than nft -f: n/a")

    # T6 and T7: memory.
    for what, limit, t in (("flow", 192, "T6"), ("rule", 128, "T7")):
        rows = [m for m in mem if m[0] == what]
        if not rows:
            lines.append("%s a %s costs at most %d bytes: n/a" % (t, what, limit))
            continue
        big = max(rows, key=lambda m: m[1])
        per = big[2] / big[1]
        lines.append("%s a %s costs at most %d bytes: %.0f bytes (of %s) %s"
                     % (t, what, limit, per, human(big[1]),
                        verdict(per <= limit)))

    # N1 and N2: north-south, through an exit against routing and nft.
    exits = {k[2]: v["median"] for k, v in res.items()
             if k[0] == "segfilter" and k[1] == "exit"}
    parts = []
    for n in sorted(exits):
        o = median_of(res, "nft-set", "route", n, 0)
        if o:
            parts.append("%s prefixes: nft-set/segfilter %.2fx"
                         % (human(n), o / exits[n]))
    if parts:
        lines.append("N1 (info) through an exit against a bridge, routing "
                     "and an nftables interval set: " + "; ".join(parts))
    many = [v for n, v in exits.items() if n >= 10]
    if len(many) >= 2:
        spread = max(many) / min(many) - 1
        lines.append("N2 an exit's prefix lookup costs the same from 10 to "
                     "%s prefixes (within 10%%): slowest/fastest median = "
                     "+%.1f%% %s" % (human(max(n for n in exits if n >= 10)),
                                    spread * 100, verdict(spread <= 0.10)))
    return lines


def write_md(path, info, res, invalid, ctl, mem, tlines, parts_md):
    o = ["# segfilter benchmark", "", "## Setup", ""]
    o += ["- %s: %s" % (k, v) for k, v in info]
    o += ["", "## Per packet", "",
          "ns per packet: pktgen's time over the frames that completed the "
          "path; median over the rounds and its 95% interval (the "
          "order statistics that hold the median with 95% confidence or "
          "more, whatever the distribution: the whole range up to 8 "
          "rounds).  x bridge: the median of the rounds' own ratios (each "
          "round measured both), with its interval.", "",
          "| System | Variant | Rules | Endpoints | ns/pkt | interval "
          "| x plain | x bridge | Mpps | lost | rounds |",
          "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key in sorted(res, key=sort_key):
        if north_south(key):
            continue
        r = res[key]
        iv = median_interval(ROUNDS.get(key, {}).values())
        lo, hi = (iv[1], iv[2]) if iv else (r["min"], r["max"])
        o.append("| %s | %s | %s | %s | %.0f | %.0f-%.0f | %s | %s | %.3f "
                 "| %.1f%% | %d |"
                 % (key[0], key[1], human(key[2]), human(key[3]), r["median"],
                    lo, hi, fmt_ratio(ratio(res, key, BASE)),
                    fmt_iv(paired_ratio(key, BRIDGE), ""), 1000.0 / r["median"],
                    100 * r["lost"], r["rounds"]))
    ns = sorted((k for k in res if north_south(k)), key=sort_key)
    if ns:
        o += ["", "## North-south", "",
              "A VM endpoint to an outside address, through segfilter's exit "
              "or a bridge, the host's routing and nftables; x nft-set: over "
              "nftables' interval set of the same prefixes.", "",
              "| System | Variant | Prefixes | ns/pkt | min-max | x plain "
              "| x routed | x nft-set | Mpps | lost | rounds |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for key in ns:
            r = res[key]
            o.append("| %s | %s | %s | %.0f | %.0f-%.0f | %s | %s | %s "
                     "| %.3f | %.1f%% | %d |"
                     % (key[0], key[1], human(key[2]), r["median"], r["min"],
                        r["max"], fmt_ratio(ratio(res, key, BASE)),
                        fmt_ratio(ratio(res, key, ROUTED)),
                        fmt_ratio(None if key[1] == "exit-miss" else
                                  ratio(res, key,
                                        ("nft-set", "route", key[2], 0))),
                        1000.0 / r["median"], 100 * r["lost"], r["rounds"]))
    o += ["", "## Control plane", "", "| What | N | ms | per second |",
          "|---|---:|---:|---:|"]
    for (what, n), ms in sorted(ctl.items()):
        m = statistics.median(ms)
        o.append("| %s | %s | %.0f | %.0f |" % (what, human(n), m,
                                                n * 1000.0 / m if m else 0))
    o += ["", "## Memory", "", "| What | Count | bytes each | of which |",
          "|---|---:|---:|---|"]
    for what, count, total, kinds in mem:
        parts = ", ".join("%s %.1f" % (k, v / count) if k != "object"
                          else "object size %d" % v for k, v in kinds)
        o.append("| %s | %s | %.1f | %s |" % (what, human(count),
                                               total / count, parts))
    o += parts_md
    o += ["", "## Targets", ""] + ["    " + t for t in tlines]
    if invalid:
        o += ["", "## Invalid measurements", ""]
        o += ["- %s: %d round(s) with no frame" % (" ".join(map(str, k)), n)
              for k, n in invalid]
    with open(path, "w") as f:
        f.write("\n".join(o) + "\n")
    return "\n".join(o) + "\n"


def write_csv(path, res):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["system", "variant", "rules", "endpoints", "ns_median",
                    "ns_min", "ns_max", "ratio_plain", "ratio_bridge",
                    "mpps", "lost", "rounds"])
        for key in sorted(res, key=sort_key):
            r = res[key]
            w.writerow(list(key) + ["%.1f" % r["median"], "%.1f" % r["min"],
                                    "%.1f" % r["max"],
                                    fmt_ratio(ratio(res, key, BASE)),
                                    fmt_ratio(ratio(res, key, BRIDGE)),
                                    "%.4f" % (1000.0 / r["median"]),
                                    "%.4f" % r["lost"], r["rounds"]])


def write_plot(outdir, res):
    """One line per (system, variant) against rules; flat ones across."""
    series = {}
    for key, r in res.items():
        if key[3] not in (0, 10) and key[2] != 0:
            continue
        if key[1] == "redirect":
            continue
        series.setdefault((key[0], key[1]), []).append((key[2], r))
    xs = sorted({k[2] for k in res if k[2] > 0}) or [1]
    lo, hi = xs[0], xs[-1]
    blocks, plots, zoom, text, i = [], [], [], [], 0
    for name in sorted(series, key=lambda s: (order(s[0], SYSTEMS),
                                              order(s[1], VARIANTS))):
        pts = sorted(series[name], key=lambda p: p[0])
        if all(x == 0 for x, _ in pts):
            r = pts[0][1]
            pts = [(lo, r), (hi, r)]
        rows = ["%d %.1f %.1f %.1f" % (x, r["median"], r["min"], r["max"])
                for x, r in pts]
        # gnuplot's "index" counts blocks apart by two blank lines.
        blocks.append("# %s %s\n%s\n\n\n" % (name[0], name[1],
                                               "\n".join(rows)))
        title = name[0] if name[1] == "fwd" else "%s %s" % name
        plots.append("'plot.dat' index %d using 1:2:3:4 with yerrorlines "
                     "title '%s'" % (i, title))
        if name[0] != "nft-linear":
            zoom.append("'plot.dat' index %d using 1:2 with linespoints "
                        "title '%s'" % (i, title))
        # The text plot: the east-west systems only, which stay apart.
        if name in TEXT_SERIES:
            text.append("'plot.dat' index %d using 1:2 with linespoints "
                        "title '%s'" % (i, title))
        i += 1
    if not plots:
        # A run of parts whose rows are not against rules (--cases).
        plots = zoom = ["1 title 'no configuration against rules in this run'"]
    with open(os.path.join(outdir, "plot.dat"), "w") as f:
        f.write("".join(blocks))
    # All of it on a log scale, then the ones that stay flat up close.
    gp = ["set terminal png size 900,560",
          "set output 'ns-per-packet.png'",
          "set title 'ns per packet against number of rules (median and "
          "range of the rounds)'",
          "set logscale x", "set xrange [%g:%g]" % (lo / 1.5, hi * 1.5),
          "set logscale y",
          "set xlabel 'rules (prefixes for the north-south lines)'", "set ylabel 'ns per packet (QEMU TCG guest)'",
          "set key outside right", "set grid",
          "plot " + ", \\\n     ".join(plots),
          "set output 'ns-per-packet-zoom.png'",
          "set title 'the same, without nftables linear rules, linear scale'",
          "unset logscale y", "set yrange [0:*]",
          "plot " + ", \\\n     ".join(zoom)]
    with open(os.path.join(outdir, "plot.gp"), "w") as f:
        f.write("\n".join(gp) + "\n")
    if not shutil.which("gnuplot"):
        print("report: no gnuplot, no plot", file=sys.stderr)
        return
    subprocess.run(["gnuplot", "plot.gp"], cwd=outdir, check=True)
    if text:
        text_plot(outdir, "ns-per-packet", "ns per packet against rules "
                  "(medians)",
                  ["set logscale x",
                   "set xrange [%g:%g]" % (lo / 1.5, hi * 1.5),
                   "set xlabel 'rules'"], text)


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    raw, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    global OUTDIR
    OUTDIR = outdir
    info, pkt, ctl, mem, lines = parse(raw)
    res, invalid = summarise(pkt)
    # A run of parts that print no "BENCH pkt" line has only their own.
    if not res and not any(w[0] not in ("info", "pkt", "ctl", "mem")
                           for w in lines if w):
        print("report: no measurement in " + raw, file=sys.stderr)
        return 1
    tlines = targets(res, ctl, mem)
    extra, etargets = extra_reports(lines, res)
    text = write_md(os.path.join(outdir, "results.md"), info, res, invalid,
                    ctl, mem, tlines + etargets, extra)
    write_csv(os.path.join(outdir, "results.csv"), res)
    if res:
        write_plot(outdir, res)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
