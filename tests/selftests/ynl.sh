#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The spec is the contract: Documentation/netlink/specs/segfilter.yaml
# and the kernel's own generic netlink client (tools/net/ynl/cli.py of
# Debian's linux-source, copied into the guest by tests/vm/run.sh) are
# enough to configure segfilter, read its state and counters back,
# follow its events and read its errors, with no segctl and nothing else
# of segfilter's own code.  Traffic then shows that what was configured
# that way is what the data path does, and the logged rule's verdict
# event comes to the client's listener.
#
#   a1 (web, 10.0.0.1) --veth-- va1 [blue, default deny] va2 --veth-- a2 (app, 10.0.0.2)
#   rule: web -> app, tcp 8080, allow, log
#   fw-l, fw-r: the two sides of an instance of service fw

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

# The spec against each stock kernel's netlink; netlink.sh and fuzz.sh
# drive the same handlers under the debug kernel's checks.
skip_on debug "the spec's interface, checked on 6.1 and 6.12"

YNL_DIR=${YNL_DIR:-/segfilter/ynl}

cleanup()
{
	cleanup_vms
	"$IP" link del fw-l 2>/dev/null
	"$IP" link del fw-r 2>/dev/null
}
trap cleanup EXIT

if ! [ -f "$YNL_DIR/cli.py" ] || ! command -v python3 >/dev/null; then
	skip "the kernel's YNL client (cli.py and python3) is in $YNL_DIR"
	finish
fi

# ynl ARGS...: the kernel's client, its replies as JSON.
ynl()
{
	python3 "$YNL_DIR/cli.py" --spec "$YNL_DIR/segfilter.yaml" \
		--no-schema --output-json "$@"
}

# field PATH...: values of the JSON on stdin, by paths of keys and list
# indexes (0.stats.drops.default-deny), on one line; lists and objects
# come out as JSON.
field()
{
	python3 -c '
import json, sys
d = json.load(sys.stdin)
out = []
for p in sys.argv[1:]:
    v = d
    for k in p.split("."):
        v = v[int(k)] if isinstance(v, list) else v[k]
    out.append(json.dumps(v, sort_keys=True)
               if isinstance(v, (list, dict)) else str(v))
print(" ".join(out))
' "$@"
}

# listen EVENT FILE: in the background, a listener on the "events" group
# through the client's library (cli.py --subscribe reads only once, after
# its request or a fixed sleep, and fails on an event that comes before
# its reply: design.rst, "The netlink spec").  Once it has joined, FILE.ready exists;
# it stops at the first EVENT or after 60 s and writes to FILE what it
# got, as JSON.
listen()
{
	rm -f "$2.ready"
	python3 - "$YNL_DIR" "$1" "$2.ready" >"$2" 2>&1 <<-'EOF' &
	import json, sys, time
	sys.path.insert(0, sys.argv[1])
	from lib import YnlFamily
	ynl = YnlFamily(sys.argv[1] + '/segfilter.yaml', '')
	ynl.ntf_subscribe('events')
	open(sys.argv[3], 'w').close()
	end = time.time() + 60
	while time.time() < end and \
	        not any(m['name'] == sys.argv[2] for m in ynl.async_msg_queue):
	    time.sleep(0.2)
	    ynl.check_ntf()
	print(json.dumps(ynl.async_msg_queue, default=list))
	EOF
	listener=$!
	wait_for 300 test -e "$2.ready"
}

# event NAME FILE PATH...: the fields PATH... of the first event NAME that
# listen wrote to FILE, or what it wrote.
event()
{
	python3 - "$@" <<-'EOF'
	import json, sys
	name, path = sys.argv[1:3]
	text = open(path).read()
	try:
	    events = json.loads(text.splitlines()[-1])
	except (ValueError, IndexError):
	    print(text.strip()); sys.exit(1)
	for e in events:
	    if e['name'] == name:
	        for p in sys.argv[3:]:
	            v = e['msg']
	            for k in p.split('.'):
	                v = v[k]
	            print(v, end=' ' if p != sys.argv[-1] else '\n')
	        sys.exit(0)
	print(text.strip()); sys.exit(1)
	EOF
}

# ynl_field PATH ARGS...: field PATH of the reply to ynl ARGS.
ynl_field()
{
	local path=$1
	shift
	ynl "$@" | field "$path"
}

ifindex() { cat "/sys/class/net/$1/ifindex"; }

module_reload
vm_veth a1 va1 02:00:00:00:0a:01 10.0.0.1 fd00::1
vm_veth a2 va2 02:00:00:00:0a:02 10.0.0.2 fd00::2
for dev in fw-l fw-r; do
	"$IP" link add "$dev" type veth peer name "$dev-i"
	host_port_up "$dev"
	"$IP" link set "$dev-i" up
done
VA1=$(ifindex va1)
VA2=$(ifindex va2)
FWL=$(ifindex fw-l)
FWR=$(ifindex fw-r)

# --- configure, and check each NEW's reply ---
check_eq "domain-new: the reply names the new domain" blue \
	"$(ynl_field domain-name --do domain-new --json \
		'{"domain-id": 10, "domain-name": "blue", "default-action": "deny"}')"
check_eq "group-new: web" web \
	"$(ynl_field group-name --do group-new --json \
		'{"domain-name": "blue", "group-id": 1, "group-name": "web"}')"
check_eq "group-new: app" app \
	"$(ynl_field group-name --do group-new --json \
		'{"domain-name": "blue", "group-id": 2, "group-name": "app"}')"
check_eq "port-new: va1 is an endpoint port of blue" "endpoint blue" \
	"$(ynl --do port-new --json "{\"domain-id\": 10, \"ifindex\": $VA1}" |
		field port-role) $(ynl_field domain-name --do port-get --json \
		"{\"ifindex\": $VA1}")"
check "port-new: va2" ynl --do port-new --json \
	"{\"domain-id\": 10, \"ifindex\": $VA2}"
# 10.0.0.1 is 0x0a000001 (addresses are big-endian u32s: the client takes
# the number), fd00::1 is 16 bytes in hex, MACs too.
check_eq "endpoint-new: a1 in web, its addresses as the reply shows them" \
	'{"ipv4": ["10.0.0.1"], "ipv6": ["fd00::1"]}' \
	"$(ynl_field addrs --do endpoint-new --json "{\"domain-name\": \"blue\",
		\"mac\": \"020000000a01\", \"group-name\": \"web\",
		\"ifindex\": $VA1, \"addrs\": {\"ipv4\": [$((0x0a000001))],
		\"ipv6\": [\"fd000000000000000000000000000001\"]}}")"
check "endpoint-new: a2 in app" ynl --do endpoint-new --json \
	"{\"domain-name\": \"blue\", \"mac\": \"020000000a02\",
	  \"group-id\": 2, \"ifindex\": $VA2,
	  \"addrs\": {\"ipv4\": [$((0x0a000002))],
		    \"ipv6\": [\"fd000000000000000000000000000002\"]}}"
RULE=$(ynl_field rule-id --do rule-new --json '{"domain-name": "blue",
	"src-group-name": "web", "dst-group-name": "app", "proto": 6,
	"port-min": 8080, "action": "allow", "rule-flags": ["log"]}')
check_ge "rule-new: web -> app tcp 8080 allow log, an id allocated" 1 "$RULE"

# --- dump it back ---
dom=$(ynl --dump domain-get --json '{}')
check_eq "domain-get dump: one domain, blue, id 10, default deny" \
	"1 blue 10 deny" \
	"$(echo "$dom" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(len(d), d[0]["domain-name"], d[0]["domain-id"], d[0]["default-action"])')"
check_eq "...holding 2 ports, 2 groups, 2 endpoints, 1 rule" "2 2 2 1" \
	"$(echo "$dom" | field 0.n-ports 0.n-groups 0.n-endpoints 0.n-rules)"
check_eq "...and the default limits (uapi constants)" "65536 16384" \
	"$(echo "$dom" | field 0.flow-limit 0.endpoint-limit)"
check_eq "group-get dump of blue: web 1 and app 2" "web:1 app:2" \
	"$(ynl --dump group-get --json '{"domain-name": "blue"}' | python3 -c '
import json, sys
print(" ".join("%s:%d" % (g["group-name"], g["group-id"])
               for g in sorted(json.load(sys.stdin),
                               key=lambda g: g["group-id"])))')"
check_eq "endpoint-get dump: both endpoints, groups, ports and addresses" \
	"02:00:00:00:0a:01 web va1 10.0.0.1 fd00::1|02:00:00:00:0a:02 app va2 10.0.0.2 fd00::2" \
	"$(ynl --dump endpoint-get --json '{"domain-id": 10}' | python3 -c '
import json, sys
print("|".join(" ".join([e["mac"], e["group-name"], e["ifname"]] +
                        e["addrs"]["ipv4"] + e["addrs"]["ipv6"])
               for e in sorted(json.load(sys.stdin),
                               key=lambda e: e["mac"])))')"
rule=$(ynl --do rule-get --json "{\"domain-name\": \"blue\", \"rule-id\": $RULE}")
check_eq "rule-get: the rule as created" \
	"web app 6 8080 8080 allow [\"log\"]" \
	"$(echo "$rule" | field src-group-name dst-group-name proto port-min \
		port-max action rule-flags)"
check_eq "segctl sees the same rule (the client's objects are the real ones)" \
	1 "$($SEGCTL rule show domain blue | grep -c "^rule $RULE .*port 8080")"

# --- the data path does what the client configured, and logs it ---
listen verdict-event "$OUT.vev"
check "web -> app tcp 8080 passes (the rule)" tcp_ok a1 a2 10.0.0.2 8080
check "web -> app tcp 8081 is dropped (default deny)" \
	tcp_blocked a1 a2 10.0.0.2 8081
wait $listener
check_eq "events: the logged rule's verdict-event, its tuple decoded" \
	"blue $RULE 1 2 allow 10.0.0.1 10.0.0.2 6 8080" \
	"$(event verdict-event "$OUT.vev" domain-name rule-id src-group-id \
		dst-group-id action tuple.src-ipv4 tuple.dst-ipv4 tuple.proto \
		tuple.dport)"
check_ge "rule-get: the rule's stats count what it matched" 1 \
	"$(ynl_field stats.matched-packets --do rule-get --json \
		"{\"domain-id\": 10, \"rule-id\": $RULE}")"
check_ge "domain-get: stats.drops by reason count default-deny" 1 \
	"$(ynl_field stats.drops.default-deny --do domain-get --json \
		'{"domain-name": "blue"}')"
check_eq "info-get: the module's version and the protocol's" \
	"$(cat /segfilter/VERSION) 1" \
	"$(ynl --do info-get | field module-version protocol-version)"

# --- events: the "events" group, instance-event ---
fw_setup()
{
	ynl --do port-new --json \
		"{\"domain-id\": 10, \"ifindex\": $FWL, \"port-role\": \"service\"}" &&
	ynl --do port-new --json \
		"{\"domain-id\": 10, \"ifindex\": $FWR, \"port-role\": \"service\"}" &&
	ynl --do service-new --json \
		'{"domain-id": 10, "service-name": "fw", "service-mode": "transparent"}'
}
check "port-new: fw-l and fw-r with the service role; service-new fw" fw_setup
listen instance-event "$OUT.iev"
check "instance-new: fw 1, fw-l left, fw-r right" ynl --do instance-new --json \
	"{\"domain-id\": 10, \"service-name\": \"fw\", \"instance-id\": 1,
	  \"left\": {\"ifindex\": $FWL}, \"right\": {\"ifindex\": $FWR}}"
wait $listener
check_eq "events: its instance-event, state up" "fw 1 up" \
	"$(event instance-event "$OUT.iev" service-name instance-id \
		instance-state)"
check_eq "instance-get: both sides by name" "fw-l fw-r" \
	"$(ynl --do instance-get --json '{"domain-id": 10, "service-name": "fw", "instance-id": 1}' |
		python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["left"]["ifname"], d["right"]["ifname"])')"

# --- errors: the extack, decoded with the spec ---
err=$(ynl --do rule-new --json '{"domain-name": "blue", "proto": 6}' 2>&1)
check "rule-new without action: refused, EINVAL" \
	grep -qF "Netlink error: Invalid argument" <<<"$err"
check "...the kernel's message" grep -qF "missing action" <<<"$err"
check "...the missing attribute, named from the spec" \
	grep -qF "'miss-type': 'action'" <<<"$err"
check_err "group-new with group-id 0: the policy's range, at .group-id" \
	"" "'bad-attr': '.group-id'" \
	ynl --do group-new --json '{"domain-name": "blue", "group-id": 0, "group-name": "x"}'
check_err "endpoint-new of a MAC that exists: the kernel says so" \
	"" "endpoint 02:00:00:00:0a:01 already exists in domain" \
	ynl --do endpoint-new --json "{\"domain-name\": \"blue\",
		\"mac\": \"020000000a01\", \"group-name\": \"app\", \"ifindex\": $VA2}"
check_eq "...and none of the three changed anything" "2 2 1" \
	"$(ynl --do domain-get --json '{"domain-id": 10}' | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["n-groups"], d["n-endpoints"], d["n-rules"])')"

finish
