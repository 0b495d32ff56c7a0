#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Cluster mode against bad or hostile keys (issue 17): one etcd member,
# one hypervisor hv1 (host h1) running segd, and keys written straight
# to etcd that segd must skip and report without losing what it holds.
#
#   etcd1 10.99.0.11 ---- hv1 10.99.0.1 (h1): vx0 (uplink), segd
#                          wb1 wb2 wb3, domain shop (VNI 100, default
#                          allow), group web; 10.2.0.1N/24
#
# 6.1 and the debug kernel only, like cluster.sh: skipped on 6.12.

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

SEGD=${SEGD:-/usr/sbin/segd}
ETCDTEST=$TOOLS/etcdtest
EP=
P=/segfilter/v1
D=/tmp/cluster-bad

WB1=02:00:00:00:01:0b
WB2=02:00:00:00:01:0c
WB3=02:00:00:00:01:0d

case $(uname -r) in
6.12*)
	skip "cluster mode runs on 6.1 and the debug kernel only"
	finish
	;;
esac

cleanup()
{
	if [ "$ksft_fail" -gt 0 ]; then
		echo "# segd of h1:"
		tail -n 40 "$D/segd.h1.log" | sed 's/^/#   /'
		SEGCTL_ETCD=$EP "$SEGCTL" status h1 2>&1 | head -n 30 |
			sed 's/^/#   /'
	fi
	cluster_segd_stop_all
	etcd_cluster_stop
	wait 2>/dev/null
	cleanup_vms
}
trap cleanup EXIT

sctl() { SEGCTL_ETCD=$EP "$SEGCTL" "$@" >/dev/null; }
et() { "$ETCDTEST" -e "$EP" "$@"; }

# The revision of the last write: put KEY VALUE
put() { et put "$1" "$2" | sed -n 's/^revision //p'; }

status() { SEGCTL_ETCD=$EP "$SEGCTL" status h1 2>/dev/null; }
status_has() { status | grep -q -- "$1"; }
converged() { cluster_converged "$1" h1; }
# No "error:" line in the status.
status_ok() { ! status | grep -q '^  error:'; }

hsave() { n hv1 "$SEGCTL" save; }

# nul_keys N: N keys "$P/hosts/h9/x\0NNNNN" (a NUL byte in each), in
# transactions of 125 puts through etcd's JSON gateway (base64 keys).
nul_keys()
{
	local total=$1 pfx b64 body
	pfx="$P/hosts/h9/x"
	# base64 of the prefix and of each suffix can be joined only if the
	# prefix is a whole number of 3-byte groups.
	[ $((${#pfx} % 3)) -eq 0 ] || return 1
	b64=$(printf %s "$pfx" | base64)
	awk -v n="$total" -v pfx="$b64" '
	function enc(s,    t, i, a, b, c, out) {
		t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
		out = ""
		for (i = 1; i <= length(s); i += 3) {
			a = ord[substr(s, i, 1)]; b = ord[substr(s, i + 1, 1)]
			c = ord[substr(s, i + 2, 1)]
			out = out substr(t, int(a / 4) + 1, 1) \
				substr(t, (a % 4) * 16 + int(b / 16) + 1, 1) \
				substr(t, (b % 16) * 4 + int(c / 64) + 1, 1) \
				substr(t, c % 64 + 1, 1)
		}
		return out
	}
	BEGIN {
		for (i = 48; i < 58; i++)
			ord[sprintf("%c", i)] = i
		ord["Z"] = 0	# the NUL byte, written as Z below
		for (i = 0; i < n; i++) {
			if (i % 125 == 0)
				printf "%s{\"success\":[", i ? "\n" : ""
			else
				printf ","
			printf "{\"request_put\":{\"key\":\"%s%s\",\"value\":\"eA==\"}}",
				pfx, enc("Z" sprintf("%05d", i))
			if (i % 125 == 124 || i == n - 1)
				printf "]}"
		}
		printf "\n"
	}' | while read -r body; do
		et post /v3/kv/txn "$body" >/dev/null || return 1
	done
}

setup()
{
	[ -x "$SEGD" ] || { echo "no $SEGD in the guest"; return 1; }
	module_reload
	rm -rf "$D" && mkdir -p "$D"
	CLUSTER_DIR=$D
	etcd_cluster_start 1 || return 1
	EP=$ETCD_ENDPOINTS
	cluster_hv 1 noul &&
	cluster_vm hv1 wb1 $WB1 10.2.0.11 &&
	cluster_vm hv1 wb2 $WB2 10.2.0.12 &&
	cluster_vm hv1 wb3 $WB3 10.2.0.13
}

if ! setup; then
	fail "set up 1 etcd member and hv1"
	finish
fi
pass "set up 1 etcd member and hv1"

cat >"$D/policy.batch" <<EOF
domain add shop id 1 default allow vni 100
group add web id 1 domain shop
group add db id 2 domain shop
endpoint add $WB1 domain shop group web port owb1 ip 10.2.0.11 host h1
endpoint add $WB2 domain shop group web port owb2 ip 10.2.0.12 host h1
EOF
check "the policy and 2 VMs written with segctl --etcd -b" \
	sctl -b "$D/policy.batch"

# ---- 1. keys with a NUL byte, more than a page of them ----

check "1005 keys with a NUL byte written under hosts/h9/" nul_keys 1005
rev=$(put "$P/config/domains/shop/groups/app" '{"version":1,"id":3}')
cluster_segd_start 1 -v
check "segd starts and pages past them (status revision $rev)" \
	wait_for 300 converged "$rev"
check "...its status skips them: a NUL or control byte" \
	status_has 'hosts/h9/x.*: the key has a NUL or control byte'
check "...and applies the rest: wb1 pings wb2" ping4 wb1 10.2.0.12
check "...h1 has group app" sh -c "$IP netns exec hv1 $SEGCTL save |
	grep -q 'group add app id 3 domain shop'"

# ---- 6. endpoints the kernel would refuse ----

ops=()
for i in $(seq 10 26); do
	ops+=("put:$P/hosts/h1/endpoints/shop/01:00:5e:00:00:$i={\"version\":1,\"group\":\"web\",\"port\":\"owb1\"}")
done
ops+=("put:$P/hosts/h1/endpoints/shop/02:00:00:00:01:0e={\"version\":1,\"group\":\"web\",\"port\":\"owb2\",\"ips\":[\"10.2.0.11\"]}")
ops+=("put:$P/hosts/h1/endpoints/shop/$WB3={\"version\":1,\"group\":\"web\",\"port\":\"owb3\",\"ips\":[\"10.2.0.13\"]}")
rev=$(et txn "${ops[@]}" | sed -n 's/^revision //p')
check "17 multicast MACs, a duplicate address and wb3 in one txn" \
	wait_for 300 converged "${rev:-999999}"
check "...the multicast MACs skipped: not a unicast address" \
	status_has 'shop/01:00:5e:00:00:26: MAC 01:00:5e:00:00:26 is not a unicast address'
check "...the second holder of 10.2.0.11 skipped, wb1 named" \
	status_has "02:00:00:00:01:0e: ip 10.2.0.11 is the address of endpoint $WB1 already"
check "...and no error in the status" status_ok
check "...wb3 was applied: wb1 pings wb3" ping4 wb1 10.2.0.13

# ---- 7. another host writes an endpoint of h1 under its own name ----

et put "$P/hosts/h2/record" '{"version":1,"tunnel":"192.168.50.2"}' >/dev/null
rev=$(put "$P/hosts/h2/endpoints/shop/$WB1" \
	'{"version":1,"group":"web","port":"evil0"}')
check "h2 registers wb1's MAC under hosts/h2/" wait_for 300 converged "$rev"
check "...h1's status: wb1 is registered by host h1 already" \
	status_has "hosts/h2/endpoints/shop/$WB1: MAC $WB1 is registered by host h1 already"
check "...h1 still has wb1 behind owb1, not at h2" sh -c \
	"$IP netns exec hv1 $SEGCTL save | grep '$WB1' | grep -q 'port owb1 '"
check "...and wb2 still pings wb1" ping4 wb2 10.2.0.11

# ---- 4. a bad value for a key that was good keeps the good one ----

# (rule 20, for part 3: segctl --etcd checks it against the stored
# group web, which is bad from here on)
check "rule 20 written: web -> web icmp allow" \
	sctl rule add id 20 domain shop prio 100 from web to web proto icmp action allow

rev=$(put "$P/config/domains/shop" \
	'{"version":1,"id":1,"default":"dney","vni":100}')
check "a typo in domain shop (default \"dney\")" wait_for 300 converged "$rev"
check "...h1's status: refused, its last good value is kept" \
	status_has 'domains/shop: .*; its last good value is kept'
check "...h1 still holds shop (segctl save)" sh -c \
	"$IP netns exec hv1 $SEGCTL save | grep -q '^domain add shop id 1'"
check "...and wb1 still pings wb2" ping4 wb1 10.2.0.12
rev=$(put "$P/config/domains/shop/groups/web" '{"version":2,"id":1}')
check "group web rewritten as version 2" wait_for 300 converged "$rev"
check "...h1's status: version out of range, the last good value kept" \
	status_has 'groups/web: "version" out of range (1..1); its last good value is kept'
check "...wb1 and wb2 are still there: wb2 pings wb1" ping4 wb2 10.2.0.11
check "...and no error in the status" status_ok

# ---- 5. what cannot change in place ----

rev=$(put "$P/config/domains/shop" '{"version":1,"id":1,"vni":101}')
check "domain shop's VNI changed 100 -> 101" wait_for 300 converged "$rev"
check "...h1's status: cannot change in place, the last good value kept" \
	status_has 'domains/shop: domain shop: its id or VNI cannot change in place.*its last good value is kept'
check "...h1 still has shop at VNI 100" sh -c \
	"$IP netns exec hv1 $SEGCTL save | grep -q '^domain add shop id 1.* vni 100'"
check "...and wb1 still pings wb2 (the rest applies)" ping4 wb1 10.2.0.12
sctl domain add blue id 2 default allow vni 200
sctl group add web id 1 domain blue
rev=$(et txn "del:$P/hosts/h1/endpoints/shop/$WB3" \
	"put:$P/hosts/h1/endpoints/blue/$WB3={\"version\":1,\"group\":\"web\",\"port\":\"owb3\",\"ips\":[\"10.2.0.13\"]}" |
	sed -n 's/^revision //p')
check "wb3 moved from domain shop to blue (its port owb3 too)" \
	wait_for 300 converged "${rev:-999999}"
check "...h1 detached owb3 from shop and attached it to blue" wait_for 30 \
	sh -c "$IP netns exec hv1 $SEGCTL save | grep -q '^port attach owb3 domain blue'"
check "...wb3 is an endpoint of blue" sh -c \
	"$IP netns exec hv1 $SEGCTL save | grep '$WB3' | grep -q 'domain blue'"
check_fails "...wb1 (shop) no longer reaches wb3 (blue)" ping4 wb1 10.2.0.13 1

# ---- 3. a group that changes takes its endpoints and rules along ----

rev=$(put "$P/config/domains/shop/groups/web" '{"version":1,"id":5}')
check "group web's id changed 1 -> 5 (it has 2 endpoints, rule 20)" \
	wait_for 300 converged "$rev"
check "...h1 applied it: group web id 5" sh -c \
	"$IP netns exec hv1 $SEGCTL save | grep -q '^group add web id 5 domain shop'"
check "...wb1 and wb2 were added again with it" sh -c \
	"test \$($IP netns exec hv1 $SEGCTL save | grep -c 'domain shop group web') -eq 2"
check "...and rule 20 too" sh -c \
	"$IP netns exec hv1 $SEGCTL save | grep -q '^rule add id 20 domain shop'"
check "...no error in the status" status_ok
check "...wb1 pings wb2" ping4 wb1 10.2.0.12

# ---- 9. segctl --etcd on a stored value that is not an object ----

# h1 holds domain arr (an endpoint of its own there): a host reports the
# bad keys of the domains it holds, and reads no other.
put "$P/hosts/h1/endpoints/arr/02:00:00:00:09:01" \
	'{"version":1,"group":"web","port":"oarr"}' >/dev/null
rev=$(put "$P/config/domains/arr" '[1,2]')
SEGCTL_ETCD=$EP "$SEGCTL" domain set arr default deny >"$D/set.out" 2>&1
rc=$?
check_eq "segctl --etcd domain set on [1,2]: exit 2 (usage), no abort" \
	2 "$rc"
check "...saying the key is not a JSON object" \
	grep -q 'domains/arr is not a JSON object' "$D/set.out"
check "segd skips it: not a JSON object" \
	wait_for 300 status_has 'domains/arr: not a JSON object'
check "...and the endpoint in it: no domain for it" \
	status_has 'endpoints/arr/02:00:00:00:09:01: domain "arr" does not exist'
# A domain no host holds is read by none: a bad value there costs
# nothing and is reported by nobody (segctl --etcd refuses to write it).
put "$P/config/domains/nobody" '[3]' >/dev/null
rev=$(put "$P/config/domains/shop/rules/21" \
	'{"version":1,"prio":21,"from":"web","to":"web","action":"allow"}')
check "a bad value in a domain h1 does not hold: h1 applies on" \
	wait_for 300 converged "$rev"
check_fails "...and does not read it (not in its status)" \
	status_has 'domains/nobody'

# ---- 10. prefix groups through etcd ----

sctl group add internet id 9 domain shop
sctl prefix add 0.0.0.0/0 domain shop group internet
rev=$(put "$P/config/domains/shop/groups/partner" \
	'{"version":1,"id":10,"prefixes":["203.0.113.0/24","0.0.0.0/0","10.0.0.0/33",7]}')
check "a group whose prefixes are a good one, an equal one and two bad" \
	wait_for 300 converged "$rev"
check "...h1 holds internet's 0.0.0.0/0 and partner's 203.0.113.0/24" sh -c \
	"$IP netns exec hv1 $SEGCTL save | grep -q '^prefix add 0.0.0.0/0 domain shop group internet' &&
	 $IP netns exec hv1 $SEGCTL save | grep -q '^prefix add 203.0.113.0/24 domain shop group partner'"
check "...partner's equal 0.0.0.0/0 skipped: internet has it" \
	status_has 'groups/partner: prefix 0.0.0.0/0 of domain shop given twice'
check "...the bad elements skipped: no prefix" \
	status_has 'groups/partner: "prefixes" has an element that is no prefix'
check "...and wb1 still pings wb2" ping4 wb1 10.2.0.12

# ---- 11. an exit from etcd ----

# Domain blue (wb3) gets a gateway and a prefix group for the outside
# 203.0.113.0/24, and an exit on h1 into namespace out1 (the next hop
# 192.0.2.1, which owns 203.0.113.10) whose veth xblue does not exist
# yet; shop gets an exit without a next hop.
hcounter() { SEGCTL="$IP netns exec hv1 $SEGCTL" counter "$@"; }
et txn "put:$P/config/domains/blue={\"version\":1,\"id\":2,\"default\":\"allow\",\"vni\":200,\"gateway\":\"02:00:00:00:ff:01\",\"gw_ips\":[\"10.2.0.1\"]}" \
	"put:$P/config/domains/blue/groups/outside={\"version\":1,\"id\":9,\"prefixes\":[\"203.0.113.0/24\"]}" \
	"put:$P/hosts/h1/exits/shop={\"version\":1,\"port\":\"xshop\",\"ip\":\"192.0.2.2/24\"}" \
	>/dev/null
check "segctl --etcd port attach xblue ... role exit ... host h1" \
	sctl port attach xblue domain blue role exit ip 192.0.2.2/24 \
	nexthop 192.0.2.1 host h1
rev=$(cluster_key_rev "$P/hosts/h1/exits/blue")
check "...h1 applies its revision" wait_for 300 converged "${rev:-999999}"
check "...h1's status: the exit waits for xblue" \
	status_has "waiting $P/hosts/h1/exits/blue: port xblue"
check "...shop's exit without a next hop is skipped" \
	status_has 'exits/shop: "ip" needs "nexthop"'
SEGCTL_ETCD=$EP "$SEGCTL" show >"$D/show.out" 2>&1
check "...show lists the exit and counts it for h1" sh -c \
	"grep -q '^ *port attach xblue domain blue role exit ip 192.0.2.2/24 nexthop 192.0.2.1 host h1$' '$D/show.out' &&
	 grep -q '^host h1: .* 2 exits, ' '$D/show.out'"
quiet_ns out1
n hv1 "$IP" link add xblue type veth peer name eth0 netns out1
host_port_up xblue hv1
n out1 "$IP" addr add 192.0.2.1/24 dev eth0
n out1 "$IP" addr add 203.0.113.10/32 dev lo
n out1 "$IP" link set eth0 up
n out1 "$IP" route add 10.2.0.0/24 via 192.0.2.2
n wb3 "$IP" route add default via 10.2.0.1
check "xblue appears: segd attaches it as blue's exit" wait_for 100 sh -c \
	"$IP netns exec hv1 $SEGCTL save | grep -q '^port attach xblue domain blue role exit ip 192.0.2.2/24 nexthop 192.0.2.1$'"
check "...wb3 (blue) pings 203.0.113.10 outside, through it" \
	wait_for 5 ping4 wb3 203.0.113.10 1
check_ge "...the exit port counts what it sent and received" 2 \
	"$(($(hcounter port xblue rx_packets) + $(hcounter port xblue tx_packets)))"
# The kernel cannot change an exit's addresses: segd detaches it and
# attaches it again with the new ones.
n out1 "$IP" route replace 10.2.0.0/24 via 192.0.2.3
check "the exit's address changed to 192.0.2.3 with segctl --etcd" \
	sctl port attach xblue domain blue role exit ip 192.0.2.3/24 \
	nexthop 192.0.2.1 host h1
check "...segd attaches xblue again with it" wait_for 100 sh -c \
	"$IP netns exec hv1 $SEGCTL save | grep -q '^port attach xblue domain blue role exit ip 192.0.2.3/24 nexthop 192.0.2.1$'"
check "...and wb3 pings 203.0.113.10 through it" \
	wait_for 5 ping4 wb3 203.0.113.10 1
check "segctl --etcd port detach xblue host h1" sctl port detach xblue host h1
check "...segd detaches the exit" wait_for 100 sh -c \
	"! $IP netns exec hv1 $SEGCTL save | grep -q '^port attach xblue'"
check_fails "...and wb3 no longer reaches 203.0.113.10" \
	ping4 wb3 203.0.113.10 1

# ---- 12. prefixes an endpoint owns, from etcd ----

hsaved() { "$IP" netns exec hv1 "$SEGCTL" save | grep -q "$1"; }
check "segctl --etcd prefix add 10.9.0.0/24 domain shop endpoint wb2" \
	sctl prefix add 10.9.0.0/24 domain shop endpoint $WB2
check "...segd has wb2 own it" wait_for 100 \
	hsaved "^prefix add 10.9.0.0/24 domain shop endpoint $WB2\$"
check_err "...another endpoint may not have it with segctl --etcd" "" \
	"is owned by $WB2 already" env SEGCTL_ETCD=$EP "$SEGCTL" prefix add \
	10.9.0.0/24 domain shop endpoint $WB1
rev=$(put "$P/hosts/h1/endpoints/shop/$WB1" \
	"{\"version\":1,\"group\":\"web\",\"port\":\"owb1\",\"ips\":[\"10.2.0.11\"],\"prefixes\":[\"10.9.0.0/24\",\"bogus\",\"10.9.1.0/24\"]}")
check "wb1's key written with 10.9.0.0/24 too and an element no prefix" \
	wait_for 300 converged "${rev:-999999}"
# As for an address claimed twice, the first key (wb1's) has it.
check "...the first key has it: wb1" \
	hsaved "^prefix add 10.9.0.0/24 domain shop endpoint $WB1\$"
check "...wb2's is skipped alone and reported" \
	status_has "prefix 10.9.0.0/24 of domain shop given twice"
check "...so is the bad element" \
	status_has '"prefixes" has an element that is no prefix'
check "...wb1's other prefix is applied" \
	hsaved "^prefix add 10.9.1.0/24 domain shop endpoint $WB1\$"
check "...and wb1 still pings wb2" ping4 wb1 10.2.0.12
rev=$(put "$P/hosts/h1/endpoints/shop/$WB1" \
	"{\"version\":1,\"group\":\"web\",\"port\":\"owb1\",\"ips\":[\"10.2.0.11\"]}")
check "wb1's prefixes taken out of its key" \
	wait_for 300 converged "${rev:-999999}"
check "...wb2 has 10.9.0.0/24 again" \
	hsaved "^prefix add 10.9.0.0/24 domain shop endpoint $WB2\$"
check "segctl --etcd prefix del 10.9.0.0/24 domain shop (wb2's)" \
	sctl prefix del 10.9.0.0/24 domain shop
check "...segd takes it away" wait_for 100 \
	eval "! hsaved 'domain shop endpoint'"

# ---- 13. a domain's bum-limit; save's output replayed ----

bum_of() { n hv1 "$SEGCTL" save |
	sed -n 's/^domain add blue .* bum-limit \([0-9]*\).*/\1/p'; }
check "segctl --etcd domain set blue bum-limit 7" \
	sctl domain set blue bum-limit 7
check "...segd sets blue's bum-limit to 7" wait_for 100 \
	eval '[ "$(bum_of)" = 7 ]'
check_err "...segctl --etcd refuses bum-limit 1000001" "" \
	'invalid bum-limit "1000001": larger than 1000000' \
	env SEGCTL_ETCD=$EP "$SEGCTL" domain set blue bum-limit 1000001
check_err "...and bum-limit lots" "" 'invalid bum-limit "lots": not a number' \
	env SEGCTL_ETCD=$EP "$SEGCTL" domain set blue bum-limit lots
good=$(et range "$P/config/domains/blue" |
	sed -n '2s/^[^ ]* \(.*\) mod=.*/\1/p')
for bad in '"lots":is not an integer' '1000001:out of range (0..1000000)' \
	   '-1:out of range (0..1000000)'; do
	rev=$(put "$P/config/domains/blue" \
		"$(printf %s "$good" | sed "s/\"bum\":7/\"bum\":${bad%%:*}/")")
	check "blue's key written with \"bum\": ${bad%%:*}" \
		wait_for 300 converged "${rev:-999999}"
	check "...skipped: \"bum\" ${bad#*:}; the last good value kept" \
		status_has "domains/blue: \"bum\" ${bad#*:}; its last good value is kept"
	check_eq "...blue's bum-limit is still 7" 7 "$(bum_of)"
done
rev=$(put "$P/config/domains/blue" "$good")
check "blue's good key again" wait_for 300 converged "${rev:-999999}"

# What save prints, segctl --etcd -b takes: prefix add lines included.
sctl prefix add 10.9.0.0/24 domain shop endpoint $WB2
SEGCTL_ETCD=$EP "$SEGCTL" save | grep -v '^#' >"$D/saved"
check "segctl --etcd save prints a group's and an endpoint's prefix" sh -c \
	"grep -q '^prefix add .* group ' '$D/saved' &&
	 grep -q '^prefix add 10.9.0.0/24 domain shop endpoint $WB2\$' '$D/saved'"
check "...segctl --etcd -b of it, under another prefix" \
	env SEGCTL_ETCD_PREFIX=/replay/v1/ SEGCTL_ETCD=$EP "$SEGCTL" -b "$D/saved"
check_eq "...whose save is the same" "$(cat "$D/saved")" \
	"$(SEGCTL_ETCD_PREFIX=/replay/v1/ SEGCTL_ETCD=$EP "$SEGCTL" save |
	   grep -v '^#')"
check "...and blue's bum-limit 7 came along" \
	grep -q '^domain add blue .* bum-limit 7' "$D/saved"
printf '%s\n' "prefix add 10.4.0.0/16 domain shop group web" >"$D/alone"
check_err "...a prefix add whose group no line of the file adds: refused" \
	"" "goes after the line that adds group web of domain shop" \
	env SEGCTL_ETCD=$EP "$SEGCTL" -b "$D/alone"

check "segd of h1 still runs" kill -0 "${CLUSTER_SEGD_PID[1]}"
echo "# t=${SECONDS}s"
finish
