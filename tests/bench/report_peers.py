# SPDX-License-Identifier: GPL-2.0
"""The part "peers" of make bench (tests/bench/parts/peers.sh): the tc
mirred floor, the minimal tc-BPF program, and frame sizes.

Loaded by report.py, which calls report(raw, res).  Its keys:

  (SYSTEM, "fwd-SIZE", RULES, ENDPOINTS)  SIZE-byte frames (FCS
      included) through plain, bridge, segfilter (1 rule, 10
      endpoints), mirred and tc-bpf (RULES: its allowed pairs)
  ("tc-bpf", "drop-pair", 1, 0)           a denied pair, dropped

and, from the part "ew" when it ran in the same boot, segfilter fwd at
each rule count and nft-vmap at 1 rule.

Every figure is judged with report.py's statistics (given to this
module before it runs): a configuration's median with its
distribution-free interval (median_interval), and a ratio taken round by
round, as both sides ran in the same round, with the interval of the
median of those ratios (paired_ratio).  A target is PASS or MISS only
when the interval lies on one side of its bound; otherwise "within
noise"; with fewer than 3 rounds it is not judged.  P2 at 64 bytes is
judged against both bridges of the boot (this part's and the ew
part's) and decided only where they agree.
"""

SIZES = [64, 512, 1500]
SYSTEMS = ["plain", "bridge", "segfilter", "mirred", "tc-bpf"]
MIN_ROUNDS = 3


def rounds_of(raw):
    """{key: {round: ns per packet}} of every pkt line."""
    out = {}
    for w in raw:
        if len(w) != 9 or w[0] != "pkt":
            continue
        try:
            key = (w[1], w[2], int(w[3]), int(w[4]))
            rnd, us, frames = int(w[5]), int(w[6]), int(w[7])
        except ValueError:
            continue
        if frames > 0:
            out.setdefault(key, {})[rnd] = us * 1000.0 / frames
    return out


def ratio(per, a, b):
    """(interval of a/b round by round, rounds paired), or None."""
    if a not in per or b not in per:
        return None
    n = len(set(per[a]) & set(per[b]))
    iv = paired_ratio(a, b)
    return (iv, n) if iv else None


def verdict(rt, bound):
    """PASS/MISS against BOUND when the interval tells, else noise."""
    if rt is None:
        return "n/a"
    iv, n = rt
    if n < MIN_ROUNDS:
        return "n/a (%d round%s: no interval)" % (n, "" if n == 1 else "s")
    return judge(iv, bound)


def fmt_rt(rt):
    return fmt_iv(rt[0]) if rt else "-"


def human(n):
    for div, suffix in ((1000000, "M"), (1000, "k")):
        if n >= div and n % div == 0:
            return "%d%s" % (n // div, suffix)
    return str(n)


def key_of(sys_, size, pairs=1):
    if sys_ == "segfilter":
        return (sys_, "fwd-%d" % size, 1, 10)
    if sys_ == "tc-bpf":
        return (sys_, "fwd-%d" % size, pairs, 0)
    return (sys_, "fwd-%d" % size, 0, 0)


def report(raw, res):
    per = rounds_of(raw)
    md, tl = [], []
    if not any(k[0] in ("mirred", "tc-bpf") for k in per):
        return md, tl

    md += ["", "## The floor, the eBPF peer and frame sizes (part peers)", "",
           "ns per packet through each system with frames of 64, 512 and "
           "1500 bytes (FCS included; pktgen sends 4 bytes less): median "
           "of the rounds, its 95% interval and the range; ratios to the "
           "bridge and to tc mirred at the same size, round by round: "
           "their median and its interval.", "",
           "| Size | System | ns/pkt | interval | min-max | Mpps | Gbit/s "
           "| x bridge | x mirred | rounds |",
           "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size in SIZES:
        for sys_ in SYSTEMS:
            k = key_of(sys_, size)
            if k not in per:
                continue
            med, lo, hi = median_interval(per[k].values())
            vals = per[k].values()
            cells = []
            for base in ("bridge", "mirred"):
                rt = ratio(per, k, key_of(base, size))
                cells.append(fmt_rt(rt) if base != sys_ else "-")
            md.append("| %d | %s | %.0f | %.0f-%.0f | %.0f-%.0f | %.3f | "
                      "%.2f | %s | %s | %d |"
                      % (size, sys_, med, lo, hi, min(vals), max(vals),
                         1000.0 / med, size * 8.0 / med, cells[0], cells[1],
                         len(per[k])))

    # The plot of this question: ns per packet against the frame size.
    series = []
    for sys_ in SYSTEMS:
        pts = []
        for size in SIZES:
            k = key_of(sys_, size)
            if k in per:
                med, lo, hi = median_interval(per[k].values())
                pts.append((size, med, lo, hi))
        if pts:
            series.append((sys_, pts))
    if "plot" in globals():
        plot("sizes", "ns per packet against the frame size (median, "
             "interval)", "frame size, bytes", "ns per packet (QEMU TCG guest)",
             series)
        md += ["", "Plot: sizes.png."]

    # tc-bpf against segfilter at each size of the policy.
    rows = []
    for k in sorted(per):
        if k[0] != "tc-bpf" or k[1] != "fwd-64":
            continue
        n = k[2]
        seg = ("segfilter", "fwd-64", 1, 10) if n == 1 else \
            ("segfilter", "fwd", n, 10)
        rows.append((n, k, seg if seg in per else None))
    if rows:
        md += ["", "tc-BPF with N allowed group pairs against segfilter with "
               "N rules (64 bytes; segfilter at 1 rule from this part, at "
               "more from the part ew, same boot):", "",
               "| Pairs/rules | tc-bpf ns/pkt | segfilter ns/pkt "
               "| segfilter/tc-bpf |", "|---:|---:|---:|---:|"]
        for n, k, seg in rows:
            b = median_interval(per[k].values())[0]
            if seg:
                s = median_interval(per[seg].values())[0]
                rt = ratio(per, seg, k)
                md.append("| %s | %.0f | %.0f | %s |"
                          % (human(n), b, s, fmt_rt(rt)))
            else:
                md.append("| %s | %.0f | - | - |" % (human(n), b))
    k = ("tc-bpf", "drop-pair", 1, 0)
    if k in per:
        b, lo, hi = median_interval(per[k].values())
        md += ["", "tc-bpf dropping a denied pair: %.0f ns/pkt [%.0f-%.0f]"
               % (b, lo, hi)]

    # The targets of issue 19 this part covers.
    for t, base, bound, what in (
            ("P1", "mirred", 1.3, "within 1.3x of the tc mirred floor"),
            ("P2", "bridge", 1.0, "at most the bridge's cost")):
        for size in SIZES:
            # At 64 bytes the ew part's bridge ("fwd") carries the same
            # frame through ports of its own.  Two bridges doing the
            # same work differ by a few percent in a run, one way in
            # one run and the other way in the next (performance.rst,
            # "Two runs"), more than a run's own intervals say: decide
            # only where every reference agrees.
            refs = [key_of(base, size)]
            if size == 64 and (base, "fwd", 0, 0) in per:
                refs.append((base, "fwd", 0, 0))
            rts = [(r, ratio(per, key_of("segfilter", size), r))
                   for r in refs]
            rts = [(r, rt) for r, rt in rts if rt]
            if not rts:
                continue
            vs = [verdict(rt, bound) for _, rt in rts]
            v = agreed(vs)
            figs = ", ".join("%s (%s)" % (fmt_rt(rt), r[1]) if len(rts) > 1
                             else fmt_rt(rt) for r, rt in rts)
            tl.append("%s established packets %s, %d bytes: segfilter/%s "
                      "%s %s" % (t, what, size, base, figs, v))
    for n, k, seg in rows:
        if not seg:
            continue
        rt = ratio(per, seg, k)
        v = verdict(rt, 1.0)
        if v == "MISS":
            v += " (the profile: performance.rst, the floor and the eBPF peer)"
        tl.append("P3 ahead of the minimal tc-BPF program, %s pairs/rules: "
                  "segfilter/tc-bpf %s %s" % (human(n), fmt_rt(rt), v))
    rt = ratio(per, ("segfilter", "fwd", 1, 10), ("nft-vmap", "fwd", 1, 0))
    if rt:
        v = verdict(rt, 1.0)
        if v == "within noise":
            v = "within noise, PASS"
        tl.append("P4 the nftables verdict map at 1 rule not ahead of "
                  "segfilter beyond noise: segfilter/nft-vmap %s %s"
                  % (fmt_rt(rt), v))
    return md, tl
