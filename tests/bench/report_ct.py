# SPDX-License-Identifier: GPL-2.0
"""The conntrack part's tables and targets (tests/bench/parts/conntrack.sh).

report(raw, res) reads, besides report.py's per-packet summary res:

  ctnew SYSTEM N ROUND NEW HELD     flows made while measuring N flows
  ctmem SYSTEM N COUNT BYTES k=v... memory of the N flows' warm-up
  conn SYSTEM VARIANT ROUND RATE CONNS FAILED MEDIAN_US
  ctflood ROUND HELD EVICTED CREATED

A verdict is given only where the ranges over the rounds (min to max)
separate; where they overlap, "within noise".
"""

import statistics

SYSTEMS = ["segfilter", "nft-ct", "ovs-ct"]
CONN_SYSTEMS = ["bridge", "segfilter", "nft-ct", "ovs-ct"]


def human(n):
    for div, suffix in ((1000000, "M"), (1000, "k")):
        if n >= div and n % div == 0:
            return "%d%s" % (n // div, suffix)
    return str(n)


def pkt_key(system, n):
    if n == 1 and system != "segfilter":
        return (system, "fwd", 0, 0)
    return (system, "flows", n, 2)


def stats(values):
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values),
            "max": max(values), "rounds": len(values)}


def fmt(r, digits=0):
    if not r:
        return "-"
    f = "%%.%df (%%.%df-%%.%df)" % (digits, digits, digits)
    return f % (r["median"], r["min"], r["max"])


def judge(lo_side, hi_side, factor=1.0):
    """PASS if lo_side is below factor * hi_side beyond the ranges, MISS
    if above beyond them, else within noise."""
    if lo_side["max"] <= factor * hi_side["min"]:
        return "PASS"
    if lo_side["min"] > factor * hi_side["max"]:
        return "MISS"
    return "within noise"


def read(raw):
    new, mem, conn, flood = {}, {}, {}, []
    for w in raw:
        try:
            if w[0] == "ctnew" and len(w) >= 5:
                new.setdefault((w[1], int(w[2])), []).append(
                    (int(w[4]), int(w[5]) if len(w) > 5 else -1))
            elif w[0] == "ctmem" and len(w) >= 5:
                extra = dict(x.split("=", 1) for x in w[5:] if "=" in x)
                mem[(w[1], int(w[2]))] = (int(w[3]), int(w[4]), extra)
            elif w[0] == "conn" and len(w) == 8:
                conn.setdefault((w[1], w[2]), []).append(
                    (float(w[4]), int(w[5]), int(w[6]), float(w[7])))
            elif w[0] == "ctflood" and len(w) == 5:
                flood.append(tuple(int(x) for x in w[1:]))
        except ValueError:
            pass
    return new, mem, conn, flood


def report(raw, res):
    new, mem, conn, flood = read(raw)
    counts = sorted({k[1] for k in new} |
                    {k[2] for k in res if k[1] == "flows"})
    if not counts and not conn:
        return [], []
    md, tl = [], []
    bridge = res.get(("bridge", "fwd", 0, 0))
    # The peers part's mirred and bridge are "fwd-64" (its frame sizes):
    # the same 64-byte frame as the ew part's "fwd".
    mirred = res.get(("mirred", "fwd", 0, 0)) or res.get(("mirred", "fwd-64", 0, 0))
    bridge = bridge or res.get(("bridge", "fwd-64", 0, 0))

    # Established flows.
    md += ["", "## Established flows: segfilter's flow table and conntrack",
           "",
           "ns per packet (median, min-max of the rounds) with N established "
           "UDP flows in the table, pktgen stepping through them; x bridge "
           "and x mirred: over the one-flow Linux bridge and tc mirred of "
           "the same boot.  new: flows the measured frames made (must be "
           "0); held: the fewest flows the table held after a measurement.",
           "", "| Flows | System | ns/pkt | x bridge | x mirred | new | held "
           "| rounds |", "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for n in counts:
        for s in SYSTEMS:
            r = res.get(pkt_key(s, n))
            nw = new.get((s, n), [])
            if not r and not nw:
                continue
            xb = "%.2f" % (r["median"] / bridge["median"]) if r and bridge else "-"
            xm = "%.2f" % (r["median"] / mirred["median"]) if r and mirred else "n/a"
            md.append("| %s | %s | %s | %s | %s | %s | %s | %s |"
                      % (human(n), s, fmt(r), xb, xm,
                         max(x[0] for x in nw) if nw else "-",
                         min(x[1] for x in nw) if nw else "-",
                         r["rounds"] if r else 0))

    # The plot of this question: ns per packet against the flows held.
    series = []
    for s_ in SYSTEMS:
        pts = [(n, r["median"], r["min"], r["max"]) for n in counts
               for r in [res.get(pkt_key(s_, n))] if r]
        if pts:
            series.append((s_, pts))
    if series and "plot" in globals():
        plot("flows", "ns per packet against established flows (median, "
             "range)", "flows in the table", "ns per packet (QEMU TCG guest)",
             series, logx=True)
        md += ["", "Plot: flows.png."]

    # C1 and C2: segfilter's established packets, every count.
    c1, c2, ok1, ok2 = [], [], [], []
    for n in counts:
        r = res.get(pkt_key("segfilter", n))
        if not r:
            continue
        if bridge:
            v = judge(r, bridge)
            c1.append("%s: %.0f vs %.0f ns %s" % (human(n), r["median"],
                                                 bridge["median"], v))
            ok1.append(v)
        if mirred:
            v = judge(r, mirred, 1.3)
            c2.append("%s: %.2fx %s" % (human(n), r["median"] / mirred["median"], v))
            ok2.append(v)

    def overall(verdicts):
        if "MISS" in verdicts:
            return "MISS"
        if "within noise" in verdicts:
            return "within noise"
        return "PASS"

    if c1:
        tl.append("C1 established packets at most the bridge's cost at every "
                  "flow count: %s -> %s" % ("; ".join(c1), overall(ok1)))
    else:
        tl.append("C1 established packets at most the bridge's cost: n/a")
    if c2:
        tl.append("C2 established packets within 1.3x tc mirred at every "
                  "flow count: %s -> %s" % ("; ".join(c2), overall(ok2)))
    else:
        tl.append("C2 established packets within 1.3x tc mirred: n/a (no "
                  "mirred in this run)")
    for s in ("nft-ct", "ovs-ct"):
        parts = []
        for n in counts:
            a, b = res.get(pkt_key("segfilter", n)), res.get(pkt_key(s, n))
            if a and b:
                parts.append("%s: %s/segfilter %.2fx" % (human(n), s,
                                                         b["median"] / a["median"]))
        if parts:
            tl.append("   (info) against %s, established: %s" % (s, "; ".join(parts)))

    # Memory.
    if mem:
        md += ["", "## Memory of established flows", "",
               "Growth of the kernel's slab, per-CPU and vmalloc memory over "
               "each warm-up, per flow the table counted after it (object: "
               "the slab object size of segf_flow or nf_conntrack).  "
               "conntrack's hash (preallocated, 8 bytes a bucket) is not in "
               "its figure; segfilter's rhashtable buckets are.", "",
               "| System | Flows | held | bytes each | slab each | vmalloc each "
               "| object |", "|---|---:|---:|---:|---:|---:|---:|"]
        for (s, n) in sorted(mem, key=lambda k: (k[1], SYSTEMS.index(k[0])
                                                 if k[0] in SYSTEMS else 9)):
            held, total, extra = mem[(s, n)]
            if held <= 0:
                continue
            md.append("| %s | %s | %d | %.0f | %.0f | %.0f | %s |"
                      % (s, human(n), held, total / held,
                         int(extra.get("slab", 0)) / held,
                         int(extra.get("vmalloc", 0)) / held,
                         extra.get("object", "-")))
    seg = [(n, v) for (s, n), v in mem.items() if s == "segfilter" and n >= 1000
           and v[0] > 0]
    if seg:
        n, (held, total, extra) = max(seg)
        per = total / held
        obj = int(extra.get("object", 0))
        tl.append("C5 a flow at most 192 bytes: %.0f bytes each of %s (slab "
                  "object %d) %s" % (per, human(n), obj,
                                     "PASS" if per <= 192 else "MISS"))
    else:
        tl.append("C5 a flow at most 192 bytes: n/a")

    # Connection setup.
    rates = {k: stats([x[0] for x in v]) for k, v in conn.items()}
    if conn:
        md += ["", "## New TCP connections", "",
               "Connections per second that tests/tools/connrate completes, "
               "one after the other, between two namespaces through each "
               "system (client and server on CPU 0): median, min-max of the "
               "rounds; latency: median of the rounds' median connect() "
               "time.  flood: a second segfilter tenant floods SYNs at its "
               "flow limit from CPU 1 meanwhile.", "",
               "| System | Variant | conn/s | x bridge | connect() us | failed "
               "| rounds |", "|---|---|---:|---:|---:|---:|---:|"]
        br = rates.get(("bridge", "new"))
        for k in sorted(conn, key=lambda k: (CONN_SYSTEMS.index(k[0])
                                             if k[0] in CONN_SYSTEMS else 9, k[1])):
            r = rates[k]
            md.append("| %s | %s | %s | %s | %.0f | %d | %d |"
                      % (k[0], k[1], fmt(r),
                         "%.2f" % (r["median"] / br["median"]) if br else "-",
                         statistics.median([x[3] for x in conn[k]]),
                         sum(x[2] for x in conn[k]), r["rounds"]))
    seg_new = rates.get(("segfilter", "new"))
    for s, t in (("nft-ct", "C3"), ("ovs-ct", "C4")):
        o = rates.get((s, "new"))
        if seg_new and o:
            # judge() wants the smaller side first: 2 * other <= segfilter.
            two = {k: 2 * v for k, v in o.items() if k != "rounds"}
            v = judge(two, seg_new)
            tl.append("%s new connections/s at least 2x %s: %.0f vs %.0f/s "
                      "(%.2fx) %s" % (t, s, seg_new["median"], o["median"],
                                      seg_new["median"] / o["median"], v))
        else:
            tl.append("%s new connections/s at least 2x %s: n/a" % (t, s))
    quiet, fl = rates.get(("segfilter", "quiet")), rates.get(("segfilter", "flood"))
    if quiet and fl:
        # Holds: the rate under the flood is at least 90% of the quiet one.
        lo = {k: 0.9 * v for k, v in quiet.items() if k != "rounds"}
        v = judge(lo, fl)
        v = {"PASS": "PASS", "MISS": "MISS"}.get(v, "PASS (within noise)")
        held = min(x[1] for x in flood) if flood else 0
        ev = sum(x[2] for x in flood)
        tl.append("C6 another tenant's connection rate holds under a SYN "
                  "flood at the flow limit (within 10%%): %.0f/s quiet, %.0f/s "
                  "flooded (%.2fx; flooding tenant held >= %d flows, %d "
                  "evicted) %s" % (quiet["median"], fl["median"],
                                   fl["median"] / quiet["median"], held, ev, v))
    else:
        tl.append("C6 another tenant's connection rate holds under a SYN flood: n/a")
    return md, tl
