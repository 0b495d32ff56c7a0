# SPDX-License-Identifier: GPL-2.0
"""The tables and targets of the parts "cpus" and "tcp" (issue 19, items
4 and 5), for report.py.

  BENCH cpu SYSTEM THREADS CPU ROUND ELAPSED_US FRAMES SENT
  BENCH tcp SYSTEM VARIANT ROUND KBITS FRAMES BYTES

Both are wall clock on a shared host: every figure is a median over the
rounds with a distribution-free interval (order statistics of the
rounds, see interval()); a target is judged only where the intervals
of the two systems do not overlap, else it is "within noise".
"""

import math
import statistics


def interval(xs):
    """(median, low, high, coverage) of xs: the widest-inward pair of
    order statistics x(k), x(n-k+1) that holds the true median with 95%
    probability or more; min-max (and its coverage) when there are too
    few rounds for 95%."""
    xs = sorted(xs)
    n = len(xs)
    med = statistics.median(xs)

    def cover(k):
        # P(x(k) <= median <= x(n-k+1)) = 1 - 2 P(Binom(n, 1/2) < k)
        tail = sum(math.comb(n, i) for i in range(k)) / 2.0 ** n
        return 1 - 2 * tail

    k = 1
    while k + 1 <= (n + 1) // 2 and cover(k + 1) >= 0.95:
        k += 1
    return med, xs[k - 1], xs[n - k], cover(k)


def fmt_iv(iv, f="%.2f"):
    med, lo, hi, cov = iv
    return "%s [%s-%s, %d%%]" % (f % med, f % lo, f % hi,
                                 int(cov * 100 + 1e-9))


def compare(a, b):
    """'above', 'below' or 'within noise': a's interval against b's."""
    if a[1] > b[2]:
        return "above"
    if a[2] < b[1]:
        return "below"
    return "within noise"


def verdict_at_least(a, b):
    c = compare(a, b)
    if c == "above":
        return "PASS"
    if c == "below":
        return "MISS"
    return ("within noise (medians %s)"
            % ("at least as good" if a[0] >= b[0] else "behind"))


def cpu_report(rows):
    # rate[(sys, round)][(threads, cpu)] = Mpps
    rate = {}
    for w in rows:
        try:
            sys_, threads, cpu, rnd = w[1], int(w[2]), int(w[3]), int(w[4])
            us, frames = int(w[5]), int(w[6])
        except (IndexError, ValueError):
            continue
        if us <= 0:
            continue
        rate.setdefault((sys_, rnd), {})[(threads, cpu)] = frames / us
    per = {}
    for (sys_, rnd), r in rate.items():
        if not all(k in r for k in ((1, 0), (1, 1), (2, 0), (2, 1))):
            continue
        one = (r[(1, 0)] + r[(1, 1)]) / 2
        two = r[(2, 0)] + r[(2, 1)]
        if one <= 0:
            continue
        d = per.setdefault(sys_, {"one": {}, "two": {}, "scale": {},
                                  "cpu0": {}, "cpu1": {}})
        d["one"][rnd] = one
        d["two"][rnd] = two
        d["scale"][rnd] = two / one
        d["cpu0"][rnd] = r[(1, 0)]
        d["cpu1"][rnd] = r[(1, 1)]
    md, tl = [], []
    if not per:
        return md, tl
    md += ["", "## Two CPUs", "",
           "One pktgen thread (kpktgend_0 on CPU 0, then kpktgend_1 on "
           "CPU 1, each into ports of its own), then both at once; the same "
           "segfilter domain (or the same bridge) for both.  Mpps: frames "
           "that reached the far ports over pktgen's time.  Scaling = "
           "rate(both) / mean(rate(CPU 0 alone), rate(CPU 1 alone)), 2.00 "
           "is perfect.  Median over the rounds [interval, its coverage "
           "of the true median].", "",
           "| System | CPU 0 alone Mpps | CPU 1 alone Mpps | both Mpps "
           "| scaling | rounds |", "|---|---:|---:|---:|---:|---:|"]
    ivs = {}
    for sys_ in sorted(per, key=lambda s: (s != "segfilter", s)):
        d = per[sys_]
        ivs[sys_] = interval(list(d["scale"].values()))
        md.append("| %s | %s | %s | %s | %s | %d |"
                  % (sys_, fmt_iv(interval(list(d["cpu0"].values())), "%.4f"),
                     fmt_iv(interval(list(d["cpu1"].values())), "%.4f"),
                     fmt_iv(interval(list(d["two"].values())), "%.4f"),
                     fmt_iv(ivs[sys_]), len(d["scale"])))
    if "plot" in globals():
        plot("cpus", "Mpps against the CPUs receiving (median of the rounds)",
             "CPUs", "Mpps (QEMU TCG guest)",
             [(sys_, [(1, statistics.median(per[sys_]["one"].values())),
                      (2, statistics.median(per[sys_]["two"].values()))])
              for sys_ in sorted(per)])
        md += ["", "Plot: cpus.png."]
    if "segfilter" in ivs and "bridge" in ivs:
        s, b = ivs["segfilter"], ivs["bridge"]
        common = sorted(set(per["segfilter"]["scale"]) &
                        set(per["bridge"]["scale"]))
        extra = ""
        if common:
            rel = interval([per["segfilter"]["scale"][r] /
                            per["bridge"]["scale"][r] for r in common])
            extra = "; per round segfilter/bridge %s" % fmt_iv(rel)
        tl.append("M1 scaling from one CPU to two at least the bridge's: "
                  "segfilter %s, bridge %s%s %s"
                  % (fmt_iv(s), fmt_iv(b), extra, verdict_at_least(s, b)))
    return md, tl


def tcp_report(rows):
    gb, size = {}, {}
    for w in rows:
        try:
            key = (w[1], w[2])
            rnd, kb = int(w[3]), int(w[4])
            frames, nbytes = int(w[5]), int(w[6])
        except (IndexError, ValueError):
            continue
        if kb <= 0:
            continue
        gb.setdefault(key, {})[rnd] = kb / 1e6
        if frames > 0:
            size.setdefault(key, []).append(nbytes / frames)
    md, tl = [], []
    if not gb:
        return md, tl

    def base(key):
        return ("bridge", "v6-big" if key[1] == "v6-big" else "v4")

    order = ["segfilter", "bridge", "nft-ct", "ovs"]
    md += ["", "## TCP bulk with offloads", "",
           "iperf3 between two VM namespaces through each system, GSO, TSO "
           "and GRO on; v6-big: IPv6 with BIG TCP sizes (185000).  Gbit/s "
           "(iperf3's receiver), median [interval, coverage]; x bridge: "
           "per round, over the bridge of the same address family; mean "
           "packet: bytes per packet the client's port received.", "",
           "| System | Variant | Gbit/s | x bridge | mean packet (B) "
           "| rounds |", "|---|---|---:|---:|---:|---:|"]
    ivs = {}
    for key in sorted(gb, key=lambda k: (k[1] == "v6-big",
                                         order.index(k[0])
                                         if k[0] in order else 9, k)):
        ivs[key] = interval(list(gb[key].values()))
        b = gb.get(base(key))
        rel = "-"
        if b and key != base(key):
            common = sorted(set(gb[key]) & set(b))
            if common:
                rel = fmt_iv(interval([gb[key][r] / b[r] for r in common]))
        md.append("| %s | %s | %s | %s | %.0f | %d |"
                  % (key[0], key[1], fmt_iv(ivs[key]), rel,
                     statistics.median(size.get(key, [0])), len(gb[key])))
    for var, t in (("v4", "M2"), ("v6-big", "M3")):
        s, b = ivs.get(("segfilter", var)), ivs.get(("bridge", var))
        if s and b:
            # The rounds pair the two: the host's noise of a round
            # falls on both.
            sg, bg = gb[("segfilter", var)], gb[("bridge", var)]
            common = sorted(set(sg) & set(bg))
            rel = interval([sg[r] / bg[r] for r in common])
            tl.append("%s TCP bulk (%s) through segfilter at least the "
                      "bridge's: segfilter %s Gbit/s, bridge %s; per round "
                      "segfilter/bridge %s %s"
                      % (t, var, fmt_iv(s), fmt_iv(b), fmt_iv(rel),
                         verdict_at_least(s, b)))
    for key in (("nft-ct", "v4"), ("ovs", "ct"), ("ovs", "fwd")):
        s, o = ivs.get(("segfilter", "v4")), ivs.get(key)
        if s and o:
            tl.append("   (info) TCP bulk, segfilter against %s %s: %s "
                      "(segfilter %s)" % (key[0], key[1], compare(s, o),
                                          fmt_iv(s)))
    big = size.get(("segfilter", "v6-big"))
    if big:
        m = statistics.median(big)
        tl.append("M4 BIG TCP through segfilter (IPv6, packets over 64 KB "
                  "at its port): mean packet %.0f bytes %s"
                  % (m, "PASS" if m > 65535 else "MISS"))
    return md, tl


def report(raw, res):
    cpu = [w for w in raw if w and w[0] == "cpu"]
    tcp = [w for w in raw if w and w[0] == "tcp"]
    m1, t1 = cpu_report(cpu)
    m2, t2 = tcp_report(tcp)
    return m1 + m2, t1 + t2
