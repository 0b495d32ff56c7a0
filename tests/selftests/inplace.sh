#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An endpoint changed in place (segctl endpoint set) and a virtual IP
# taken over by another endpoint (segctl endpoint claim), each one
# transaction: traffic follows at once, and the flows of a changed
# endpoint are judged again by the new policy.
#
#   c  web  10.1.1.10   s  app  10.1.4.10   k1 lb 10.1.2.10  k2 lb 10.1.3.10
#    |vc                 |vs                  |vk1             |vk2
#   +-------------------------------------------------------------------+
#   | domain t, default deny, gateway 02:00:00:00:ff:01 (10.1.N.1)      |
#   | rule 1: web -> lb icmp      rule 2: web -> app tcp 5000           |
#   | rule 3: web2 -> app tcp 5000                                      |
#   +-------------------------------------------------------------------+
#   VIP 10.1.9.9 on k1 and k2's eth0, owned by k1's endpoint at first.
#   Every VM routes through the gateway: its neighbour is the gateway,
#   so where a routed packet goes is the owner of its address now.

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"
skip_on debug "segctl's side; the kernel's transactions are readd.sh's and owned.sh's there"

skip_on 6.12 "the module's own logic, the same on every kernel (6.1, debug)"


cleanup()
{
	kill ${PIDS:-} 2>/dev/null
	cleanup_vms
	rm -f /tmp/inplace.*
}
trap cleanup EXIT

C=02:00:00:00:01:01
S=02:00:00:00:01:04
K1=02:00:00:00:01:02
K2=02:00:00:00:01:03
VIP=10.1.9.9

setup()
{
	module_reload
	$SEGCTL domain add t id 1 default deny gateway 02:00:00:00:ff:01 \
		gw-ip 10.1.1.1 gw-ip 10.1.2.1 gw-ip 10.1.3.1 \
		gw-ip 10.1.4.1 >/dev/null || return 1
	$SEGCTL group add web id 1 domain t >/dev/null &&
	$SEGCTL group add lb id 2 domain t >/dev/null &&
	$SEGCTL group add app id 3 domain t >/dev/null &&
	$SEGCTL group add db id 4 domain t >/dev/null &&
	$SEGCTL group add web2 id 5 domain t >/dev/null || return 1
	tier_vm c vc $C 1 && tier_vm k1 vk1 $K1 2 && tier_vm k2 vk2 $K2 3 &&
	tier_vm s vs $S 4 || return 1
	n k1 "$IP" addr add $VIP/32 dev eth0 &&
	n k2 "$IP" addr add $VIP/32 dev eth0 || return 1
	for p in vc vk1 vk2 vs; do
		$SEGCTL port attach $p domain t >/dev/null || return 1
	done
	$SEGCTL endpoint add $C domain t group web port vc \
		ip 10.1.1.10 >/dev/null &&
	$SEGCTL endpoint add $K1 domain t group lb port vk1 \
		ip 10.1.2.10 ip $VIP >/dev/null &&
	$SEGCTL endpoint add $K2 domain t group lb port vk2 \
		ip 10.1.3.10 >/dev/null &&
	$SEGCTL endpoint add $S domain t group app port vs \
		ip 10.1.4.10 >/dev/null || return 1
	$SEGCTL rule add id 1 domain t from web to lb proto icmp \
		action allow >/dev/null &&
	$SEGCTL rule add id 2 domain t from web to app proto tcp port 5000 \
		action allow >/dev/null &&
	$SEGCTL rule add id 3 domain t from web2 to app proto tcp port 5000 \
		action allow >/dev/null
}

if ! setup; then
	fail "set up domain t: c, s, k1 and k2"
	finish
fi
pass "set up domain t: c, s, k1 and k2"

saved() { $SEGCTL save | grep "^endpoint add $1"; }

# ---- a virtual IP taken over ----

e1=$(in_echos k1)
e2=$(in_echos k2)
check "c pings the virtual IP $VIP" ping4 c $VIP 3
check_ge "...k1, its owner, got the echoes" $((e1 + 3)) "$(in_echos k1)"
check_eq "...k2 none" "$e2" "$(in_echos k2)"

"$IP" netns exec c ping -i 0.1 -W 1 $VIP >/tmp/inplace.ping 2>&1 &
ping_pid=$!
PIDS=$ping_pid
sleep 1
e2=$(in_echos k2)
check "endpoint claim: k2 takes $VIP from k1, one command" \
	$SEGCTL endpoint claim $K2 domain t ip $VIP
sleep 1
kill -INT $ping_pid
wait $ping_pid 2>/dev/null
PIDS=
check_ge "...the pings go on to k2 at once (10 or more in a second)" \
	$((e2 + 10)) "$(in_echos k2)"
# Pings in flight when the owner changed may be lost: no more.
lost=$(awk '/packets transmitted/ { print $1 - $4 }' /tmp/inplace.ping)
check_ge "...at most 2 of the pings across the takeover lost" "${lost:-99}" 2
check "...k2's endpoint owns it" saved "$K2 .* ip $VIP"
check "...k1's no longer" eval "! saved '$K1 .* ip $VIP'"
check "...k1 keeps its own address" saved "$K1 .* ip 10.1.2.10\$"
srcip0=$(counter port vk1 src_ip)
n k1 ping -c 2 -W 1 -I $VIP 10.1.1.10 >/dev/null 2>&1
check_ge "...k1 may no longer send from it (src_ip)" $((srcip0 + 2)) \
	"$(counter port vk1 src_ip)"

check "endpoint claim of an address the endpoint has changes nothing" \
	$SEGCTL endpoint claim $K2 domain t ip $VIP
check_err "a claim in a domain that does not exist is refused" "" \
	"nosuch" $SEGCTL endpoint claim $K2 domain nosuch ip $VIP
$SEGCTL domain add u id 2 >/dev/null
check_err "a claim for an endpoint of another domain is refused" "" \
	"no endpoint $K2 in domain u" $SEGCTL endpoint claim $K2 domain u \
	ip $VIP
check "...and $VIP stayed with k2" saved "$K2 .* ip $VIP"

# ---- a group changed in place under a live connection ----

# live SERVER-FILE: a TCP connection from c to s:5000 that sends a line
# every 0.2 s; the server writes what it gets to the file.
live()
{
	n s timeout 60 nc -l -p 5000 >"$1" &
	PIDS="$PIDS $!"
	wait_for 50 is_listening s 5000 || return 1
	# bash's own TCP client: one connection, a line every 0.2 s
	n c timeout 60 bash -c 'exec 3<>/dev/tcp/10.1.4.10/5000 &&
		for i in $(seq 200); do echo "tick $i" >&3; sleep 0.2; done' &
	PIDS="$PIDS $!"
	wait_for 50 grep -q "tick 3" "$1"
}
lines() { wc -l <"$1"; }

if live /tmp/inplace.a; then
	pass "c holds a live TCP connection to s:5000 (rule 2)"
else
	fail "c holds a live TCP connection to s:5000 (rule 2)"
	$SEGCTL stats domain t | sed 's/^/# /'
	sed 's/^/# got: /' /tmp/inplace.a
fi
check "endpoint set: c's group becomes web2, which rule 3 allows too" \
	$SEGCTL endpoint set $C domain t group web2
check "...c is in web2 now" saved "$C .* group web2 "
l0=$(lines /tmp/inplace.a)
sleep 1.5
check_ge "...the connection survives: 5 more lines in 1.5 s" $((l0 + 5)) \
	"$(lines /tmp/inplace.a)"
rev0=$(counter domain t revoked)
check "endpoint set: s's group becomes db, which no rule lets c reach" \
	$SEGCTL endpoint set $S domain t group db
sleep 1
l0=$(lines /tmp/inplace.a)
sleep 1.5
check_eq "...the connection is cut: nothing more arrives" "$l0" \
	"$(lines /tmp/inplace.a)"
check_ge "...its packets are dropped as revoked" $((rev0 + 1)) \
	"$(counter domain t revoked)"
kill $PIDS 2>/dev/null
PIDS=
# timeout(1) puts nc and the sender in process groups of their own.
"$IP" netns pids c | xargs -r kill 2>/dev/null
"$IP" netns pids s | xargs -r kill 2>/dev/null
check "s back in app" $SEGCTL endpoint set $S domain t group app

# ---- addresses changed in place ----

check "endpoint set add-ip: s gets a second address" \
	$SEGCTL endpoint set $S domain t add-ip 10.1.4.11
n s "$IP" addr add 10.1.4.11/32 dev eth0
check "...c (web2) reaches s on it: rule 3" tcp_ok c s 10.1.4.11 5000
check "endpoint set del-ip: and loses it" \
	$SEGCTL endpoint set $S domain t del-ip 10.1.4.11
check "...which no longer routes (no_route)" \
	tcp_blocked c s 10.1.4.11 5000
check "endpoint set ip: the whole list replaced" \
	$SEGCTL endpoint set $S domain t ip 10.1.4.10 ip 10.1.4.12
check "...saved as such" saved "$S .* ip 10.1.4.10 ip 10.1.4.12\$"

# ---- refused, and nothing changed ----

before=$($SEGCTL save)
check_err "an address another endpoint owns is refused" "" "10.1.2.10" \
	$SEGCTL endpoint set $S domain t add-ip 10.1.2.10
check_err "a group the domain does not have is refused" "" "nosuch" \
	$SEGCTL endpoint set $S domain t group nosuch
check_err "an address the endpoint does not have cannot be deleted" "" \
	"has no address" $SEGCTL endpoint set $S domain t del-ip 10.1.7.7
check_err "no such endpoint" "" "no endpoint" \
	$SEGCTL endpoint set 02:00:00:00:09:09 domain t group app
check_err "nothing to change is a usage error" "" "nothing to change" \
	$SEGCTL endpoint set $S domain t
check_eq "...and the configuration is as it was" "$before" "$($SEGCTL save)"

finish
