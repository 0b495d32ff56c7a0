#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Metrics: segctl stats --prometheus and segd --metrics, read with
# Prometheus' own parser (Debian's python3-prometheus-client) and held
# against segctl -j stats: the same numbers, every object there.
#
# Part 1, segctl, in this namespace:
#
#   a1 10.4.0.1 (web)   b1 10.4.0.2 (app)   q"\1 (a port, no endpoint)
#        |va1                |vb1                |
#   +----+-------------------+-------------------+-----+
#   |  domain shop, default deny                       |
#   |  rule 10: web -> app icmp redirect inspect (fw)  |
#   |  rule 11: app -> web icmp deny                   |
#   |  rule 12: web -> app tcp 80 allow                |
#   +------+------+------------------------------------+
#          |fw-l  |fw-r     fw: a bridge, instance 1 of service fw
#
# Part 2, segd of host h1 in hv1 with --metrics 127.0.0.1:9464 and
# --metrics-rules 2, on one etcd member: domain blue, web 1, rules 1-3,
# a2 10.5.0.1 on oa2; GET /metrics over HTTP, 404, 405, and clients that
# never finish their request hold up neither a scrape nor an apply.
#
# 6.1 and the debug kernel only: skipped on 6.12.
#
# guest-python: prometheus_client.parser urllib.request json socket

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

skip_on 6.12 "userspace over the module's dumps, the same on every kernel (6.1, debug)"

MA=02:00:00:00:04:01
MB=02:00:00:00:04:02
MC=02:00:00:00:05:01
QPORT='q"\1'
D=/tmp/metrics
PY=$D/prom.py
CLUSTER_DIR=$D

cleanup()
{
	if [ "$ksft_fail" -gt 0 ] && [ -f "$D/segd.h1.log" ]; then
		echo "# segd of h1:"
		tail -n 30 "$D/segd.h1.log" | sed 's/^/#   /'
	fi
	cluster_segd_stop_all
	etcd_cluster_stop
	cleanup_vms
	"$IP" link del "$QPORT" 2>/dev/null
	wait 2>/dev/null
}
trap cleanup EXIT

rm -rf "$D" && mkdir -p "$D"

# The guest's Python: compare, fetch over HTTP, hold connections open.
cat >"$PY" <<'EOF'
import json
import socket
import sys
import time
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def expected(st, cap):
    """The series segctl -j stats says there must be, with their values."""
    exp = {}

    def put(name, labels, value):
        exp[(name, tuple(sorted(labels.items())))] = float(value)

    for kind in ('domain', 'port'):
        for o in st.get(kind + 's', []):
            lab = {'domain': o['domain']} if kind == 'domain' else \
                {'port': o['port']}
            if kind == 'port' and 'domain' in o:
                lab['domain'] = o['domain']
            for k, v in o['stats'].items():
                if k != 'drops':
                    put('segfilter_%s_%s_total' % (kind, k), lab, v)
                    continue
                for reason, n in v.items():
                    put('segfilter_%s_drops_total' % kind,
                        dict(lab, reason=reason), n)
    rules = st.get('rules', [])
    for r in rules[:cap]:
        lab = {'domain': r['domain'], 'rule': str(r['rule'])}
        put('segfilter_rule_packets_total', lab, r['packets'])
        put('segfilter_rule_bytes_total', lab, r['bytes'])
    for i in st.get('instances', []):
        lab = {'domain': i['domain'], 'service': i['service'],
               'instance': str(i['instance'])}
        put('segfilter_instance_flows', lab, i['flows'])
        for k in ('tx_packets', 'tx_bytes', 'rx_packets', 'rx_bytes'):
            put('segfilter_instance_%s_total' % k, lab, i[k])
        for s in ('up', 'drained', 'down'):
            put('segfilter_instance_state', dict(lab, state=s),
                i['state'] == s)
        put('segfilter_instance_drain', lab, i['drain'])
    put('segfilter_metrics_rules_omitted', {}, max(0, len(rules) - cap))
    return exp


def parse(text):
    """The samples, by name and labels; the errors of form."""
    got, errs, names = {}, [], []
    for fam in text_string_to_metric_families(text):
        if fam.name in names:
            errs.append('family %s twice' % fam.name)
        names.append(fam.name)
        if not fam.documentation:
            errs.append('family %s has no HELP' % fam.name)
        for s in fam.samples:
            key = (s.name, tuple(sorted(s.labels.items())))
            if key in got:
                errs.append('sample %s twice' % (key,))
            got[key] = s.value
            if (fam.type == 'counter') != s.name.endswith('_total'):
                errs.append('%s: type %s' % (s.name, fam.type))
    return got, errs


def cmp(json_file, prom_file, cap):
    with open(json_file) as f:
        st = json.load(f)
    with open(prom_file) as f:
        text = f.read()
    exp = expected(st, int(cap))
    got, errs = parse(text)
    for k in sorted(exp.keys() - got.keys()):
        errs.append('missing %s' % (k,))
    for k in sorted(got.keys() - exp.keys()):
        errs.append('extra %s' % (k,))
    for k in sorted(exp.keys() & got.keys()):
        if exp[k] != got[k]:
            errs.append('%s: %s, segctl -j stats %s' % (k, got[k], exp[k]))
    for e in errs[:30]:
        print(e)
    print('%d series, %d expected, %d errors' % (len(got), len(exp),
                                                len(errs)))
    return 1 if errs else 0


def get(url, out, method='GET'):
    """Print the status and the Content-Type; the body into out."""
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            body, code, ctype = r.read(), r.status, r.headers['Content-Type']
    except urllib.error.HTTPError as e:
        body, code, ctype = e.read(), e.code, e.headers['Content-Type']
    with open(out, 'wb') as f:
        f.write(body)
    print(code, ctype)
    return 0


def hold(host, port, n):
    """n clients that send half a request: seconds until segd closes."""
    socks = []
    for _ in range(int(n)):
        s = socket.create_connection((host, int(port)), timeout=30)
        s.sendall(b'GET /metr')
        socks.append(s)
    t0 = time.monotonic()
    for s in socks:
        try:
            s.recv(100)
        except OSError:
            pass
    print(round(time.monotonic() - t0))
    return 0


sys.exit(globals()[sys.argv[1]](*sys.argv[2:]))
EOF

# prom_value FILE SAMPLE: the value of SAMPLE (name{labels}) in FILE.
prom_value()
{
	awk -v k="$2" 'index($0, k " ") == 1 { print $2 }' "$1"
}

# snap OUT [NS]: segctl -j stats and stats --prometheus of NS (or
# here), read again until two -j reads agree (nothing moved between).
snap()
{
	local out=$1 ns=${2:-} i
	for i in 1 2 3 4 5; do
		${ns:+n "$ns"} $SEGCTL -j stats >"$out.json" &&
		${ns:+n "$ns"} $SEGCTL stats --prometheus "${@:3}" >"$out.prom" &&
		${ns:+n "$ns"} $SEGCTL -j stats >"$out.json2" || return 1
		cmp -s "$out.json" "$out.json2" && return 0
		sleep 0.5
	done
	return 1
}

setup1()
{
	module_reload
	$SEGCTL domain add shop id 1 default deny >/dev/null &&
	$SEGCTL group add web id 1 domain shop >/dev/null &&
	$SEGCTL group add app id 2 domain shop >/dev/null || return 1
	vm_veth a1 va1 $MA 10.4.0.1 fd04::1 &&
	vm_veth b1 vb1 $MB 10.4.0.2 fd04::2 || return 1
	quiet_ns q1 && "$IP" link add "$QPORT" type veth peer name eth0 \
		netns q1 && host_port_up "$QPORT" || return 1
	$SEGCTL port attach va1 domain shop >/dev/null &&
	$SEGCTL port attach vb1 domain shop >/dev/null &&
	$SEGCTL port attach "$QPORT" domain shop >/dev/null &&
	$SEGCTL endpoint add $MA domain shop group web port va1 \
		ip 10.4.0.1 ip fd04::1 >/dev/null &&
	$SEGCTL endpoint add $MB domain shop group app port vb1 \
		ip 10.4.0.2 ip fd04::2 >/dev/null &&
	svc_ns fw shop && svc_bridge fw &&
	$SEGCTL service add fw domain shop mode transparent >/dev/null &&
	$SEGCTL service instance add fw 1 domain shop left fw-l \
		right fw-r >/dev/null &&
	$SEGCTL chain add inspect domain shop services fw >/dev/null &&
	$SEGCTL rule add id 10 domain shop from web to app proto icmp \
		action redirect inspect >/dev/null &&
	$SEGCTL rule add id 11 domain shop from app to web proto icmp \
		action deny >/dev/null &&
	$SEGCTL rule add id 12 domain shop from web to app proto tcp \
		port 80 action allow >/dev/null
}

# ---- part 1: segctl stats --prometheus ----

if ! setup1; then
	fail "set up domain shop with 3 ports, 3 rules and a service"
	finish
fi
pass "set up domain shop with 3 ports, 3 rules and a service"

check "web pings app through the firewall instance" ping4 a1 10.4.0.2 3
check_fails "app cannot ping web (rule 11 denies)" ping4 b1 10.4.0.1 2

if snap "$D/s1"; then
	check "stats --prometheus parses and equals segctl -j stats" \
		/usr/bin/python3 "$PY" cmp "$D/s1.json" "$D/s1.prom" 1000
	echo "# $(tail -n 1 "$OUT")"
else
	fail "segctl -j stats and stats --prometheus read"
fi
P=$D/s1.prom
check_ge "rule_deny drops counted by reason" 2 \
	"$(prom_value "$P" 'segfilter_domain_drops_total{domain="shop",reason="rule_deny"}')"
check_ge "rule 10's packets counted" 3 \
	"$(prom_value "$P" 'segfilter_rule_packets_total{domain="shop",rule="10"}')"
check_ge "frames sent into instance fw 1 counted" 3 \
	"$(prom_value "$P" 'segfilter_instance_tx_packets_total{domain="shop",service="fw",instance="1"}')"
check_eq "instance fw 1 is up" 1 \
	"$(prom_value "$P" 'segfilter_instance_state{domain="shop",service="fw",instance="1",state="up"}')"
check "a port named q\"\\1 is a label escaped as the format wants" \
	grep -qF 'segfilter_port_rx_packets_total{port="q\"\\1",domain="shop"}' "$P"
check_eq "one HELP and one TYPE per family" 0 \
	"$(grep '^# TYPE' "$P" | awk '{ print $3 }' | sort | uniq -d | wc -l)"

# The cap: one rule of three, two left out.
if snap "$D/s2" "" --max-rules 1; then
	check "--max-rules 1: one rule's series, the rest as in -j stats" \
		/usr/bin/python3 "$PY" cmp "$D/s2.json" "$D/s2.prom" 1
	echo "# $(tail -n 1 "$OUT")"
else
	fail "segctl stats --prometheus --max-rules 1 read"
fi
check_eq "--max-rules 1: segfilter_metrics_rules_omitted 2" 2 \
	"$(prom_value "$D/s2.prom" segfilter_metrics_rules_omitted)"
check_eq "--max-rules 1: one rule's packets" 1 \
	"$(grep -c '^segfilter_rule_packets_total{' "$D/s2.prom")"
check_fails "--max-rules without --prometheus is refused" \
	$SEGCTL stats --max-rules 1
check_fails "--prometheus with -j is refused" $SEGCTL -j stats --prometheus

# ---- part 2: segd --metrics ----

setup2()
{
	[ -x /usr/sbin/segd ] || { echo "no segd in the guest"; return 1; }
	etcd_cluster_start 1 >/dev/null || return 1
	cluster_hv 1 noul || return 1
	cluster_vm hv1 a2 $MC 10.5.0.1 || return 1
	cat >"$D/blue.batch" <<-EOF
	domain add blue id 2 default deny
	group add web id 1 domain blue
	rule add id 1 domain blue from web to web proto tcp port 80 action allow
	rule add id 2 domain blue from web to web proto tcp port 81 action allow
	rule add id 3 domain blue from web to web proto icmp action deny
	endpoint add $MC domain blue group web port oa2 ip 10.5.0.1 host h1
	EOF
	SEGCTL_ETCD=$ETCD_ENDPOINTS $SEGCTL -b "$D/blue.batch" >/dev/null ||
		return 1
	cluster_segd_start 1 --metrics 127.0.0.1:9464 --metrics-rules 2
	wait_for 600 n hv1 $SEGCTL endpoint show domain blue
}

n_rules_hv1() { n hv1 $SEGCTL rule show domain blue | grep -c '^rule'; }
rules_are() { [ "$(n_rules_hv1)" = "$1" ]; }

if ! setup2; then
	fail "segd of h1 with --metrics, on one etcd member"
	finish
fi
pass "segd of h1 with --metrics, on one etcd member"
check_eq "segd applied domain blue's 3 rules" 3 "$(n_rules_hv1)"
# ARP for an address nobody has: drops (neigh_unknown) on oa2
n a2 ping -c 2 -W 1 10.5.0.9 >/dev/null 2>&1

URL=http://127.0.0.1:9464
ok=
for i in 1 2 3 4 5; do
	n hv1 $SEGCTL -j stats >"$D/h.json" &&
	n hv1 /usr/bin/python3 "$PY" get "$URL/metrics" "$D/h.prom" \
		>"$D/h.status" &&
	n hv1 $SEGCTL -j stats >"$D/h.json2" || break
	cmp -s "$D/h.json" "$D/h.json2" && { ok=1; break; }
	sleep 0.5
done
check_eq "GET /metrics: 200 and the format's Content-Type" \
	"200 text/plain; version=0.0.4; charset=utf-8" "$(cat "$D/h.status")"
if [ -n "$ok" ]; then
	check "GET /metrics with --metrics-rules 2 equals segctl -j stats" \
		/usr/bin/python3 "$PY" cmp "$D/h.json" "$D/h.prom" 2
	echo "# $(tail -n 1 "$OUT")"
else
	fail "segctl -j stats and GET /metrics read"
fi
check_eq "--metrics-rules 2 of 3: segfilter_metrics_rules_omitted 1" 1 \
	"$(prom_value "$D/h.prom" segfilter_metrics_rules_omitted)"
check_ge "GET /metrics: a2's frames on oa2" 1 \
	"$(prom_value "$D/h.prom" 'segfilter_port_rx_packets_total{port="oa2",domain="blue"}')"
check_eq "GET /nope: 404" 404 \
	"$(n hv1 /usr/bin/python3 "$PY" get "$URL/nope" "$D/x" | cut -d' ' -f1)"
check_eq "POST /metrics: 405" 405 \
	"$(n hv1 /usr/bin/python3 "$PY" get "$URL/metrics" "$D/x" POST |
		cut -d' ' -f1)"

# Three clients that never finish their request: a scrape and an apply
# go on meanwhile, and segd closes them after its 5 s.
n hv1 /usr/bin/python3 "$PY" hold 127.0.0.1 9464 3 >"$D/hold" &
hold_pid=$!
sleep 1
check_eq "GET /metrics while 3 requests hang: 200" 200 \
	"$(n hv1 /usr/bin/python3 "$PY" get "$URL/metrics" "$D/x" |
		cut -d' ' -f1)"
SEGCTL_ETCD=$ETCD_ENDPOINTS $SEGCTL rule add id 4 domain blue from web \
	to web proto udp port 53 action allow >/dev/null
check "segd applies a new rule while 3 requests hang" \
	wait_for 300 rules_are 4
wait $hold_pid
h=$(cat "$D/hold")
if [ "${h:-0}" -ge 3 ] 2>/dev/null && [ "$h" -le 10 ]; then
	pass "segd closed the hanging requests after its timeout (${h}s)"
else
	echo "closed after '$h' s" >"$OUT"
	fail "segd closed the hanging requests after its timeout"
fi

finish
