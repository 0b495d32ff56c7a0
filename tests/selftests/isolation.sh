#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two tenants on one hypervisor, with the same addresses on purpose:
# traffic flows inside each domain, never across, and the counters say
# why a frame was dropped.
#
#   tenant-a (domain 10)                  tenant-b (domain 20)
#   +------+ +------+ +------+            +------+ +------+ +------+ +------+
#   |  a1  | |  a2  | |  a3  |            |  b1  | |  b2  | |  b3  | |  b4  |
#   | .1   | | .2   | | .3   |            | .1   | | .2   | | .3   | | .4   |
#   +--+---+ +--+---+ +--+---+            +--+---+ +--+---+ +--+---+ +--+---+
#      |veth    |veth    |tap                |veth    |veth    |tap     |veth
#   +--+--------+--------+-------- hypervisor (this namespace) -+--------+---+
#   |  va1     va2      ta3     segfilter.ko    vb1     vb2      tb3     vb4  |
#   +-------------------------------------------------------------------------+
#   IPv4 10.0.0.N/24, IPv6 fd00::N/64, MAC 02:00:00:00:0X:0N (X = a or b)

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

trap cleanup_vms EXIT

setup()
{
	local t i dev
	module_reload
	$SEGCTL domain add tenant-a id 10 >/dev/null
	$SEGCTL domain add tenant-b id 20 >/dev/null
	$SEGCTL group add web id 1 domain tenant-a >/dev/null
	$SEGCTL group add web id 1 domain tenant-b >/dev/null

	for t in a b; do
		for i in 1 2 3; do
			dev=v$t$i
			if [ "$i" = 3 ]; then
				dev=t$t$i
				vm_tap "$t$i" "$dev" "02:00:00:00:0$t:0$i" \
					"10.0.0.$i" "fd00::$i" || return 1
			else
				vm_veth "$t$i" "$dev" "02:00:00:00:0$t:0$i" \
					"10.0.0.$i" "fd00::$i"
			fi
			$SEGCTL port attach "$dev" domain "tenant-$t" >/dev/null
			$SEGCTL endpoint add "02:00:00:00:0$t:0$i" \
				domain "tenant-$t" group web port "$dev" \
				ip "10.0.0.$i" ip "fd00::$i" >/dev/null
		done
	done
	vm_veth b4 vb4 02:00:00:00:0b:04 10.0.0.4 fd00::4
	$SEGCTL port attach vb4 domain tenant-b >/dev/null
	$SEGCTL endpoint add 02:00:00:00:0b:04 domain tenant-b group web \
		port vb4 ip 10.0.0.4 ip fd00::4 >/dev/null
}

if ! setup; then
	fail "set up two tenants with veth and tap ports"
	finish
fi
pass "set up two tenants with veth and tap ports"

# --- inside a domain ---
check "tenant-a: a1 pings a2 (IPv4, veth)" ping4 a1 10.0.0.2
check "tenant-a: a1 pings a3 (IPv4, tap)" ping4 a1 10.0.0.3
check "tenant-a: a1 pings a2 (IPv6, veth)" ping6 a1 fd00::2
check "tenant-a: a3 pings a1 (IPv6, tap)" ping6 a3 fd00::1
check "tenant-b: b1 pings b2 (IPv4)" ping4 b1 10.0.0.2
check "tenant-b: b2 pings b3 (IPv6, tap)" ping6 b2 fd00::3

tcp_ok()
{
	local srv=$1 cli=$2 addr=$3 port=$4 got pid
	rm -f "/tmp/tcp.$srv"
	n "$srv" timeout 10 nc -l -p "$port" >"/tmp/tcp.$srv" &
	pid=$!
	wait_for 50 is_listening "$srv" "$port"
	echo "hello over tcp" | n "$cli" timeout 5 nc -w 2 "$addr" "$port"
	wait "$pid"
	got=$(cat "/tmp/tcp.$srv")
	[ "$got" = "hello over tcp" ]
}
check "tenant-a: TCP from a1 to a2" tcp_ok a2 a1 10.0.0.2 5001
check "tenant-a: TCP from a2 to a3 (tap)" tcp_ok a3 a2 10.0.0.3 5002

# ARP and ND were answered by the module, with the right MAC.
check_ge "tenant-a: ARP requests answered in the kernel" 1 \
	"$(counter domain tenant-a arp_replies)"
check_ge "tenant-a: neighbour solicitations answered in the kernel" 1 \
	"$(counter domain tenant-a nd_replies)"
check "a1 learnt a2's MAC for 10.0.0.2 from the module's ARP reply" \
	sh -c "$IP netns exec a1 $IP neigh show 10.0.0.2 | grep -q 02:00:00:00:0a:02"
check "a1 learnt a2's MAC for fd00::2 from the module's ND reply" \
	sh -c "$IP netns exec a1 $IP neigh show fd00::2 | grep -q 02:00:00:00:0a:02"
check_ge "tenant-a: unicast frames forwarded" 8 \
	"$(counter domain tenant-a forwarded)"
check_ge "port va1 counts what it received and was forwarded" 2 \
	"$(counter port va1 forwarded)"
check_ge "...and the ARP requests answered for it" 1 \
	"$(counter port va1 arp_replies)"

# --- across domains ---
# The same address in the other tenant answers only its own tenant.
b2_before=$(in_echos b2)
a2_before=$(in_echos a2)
ping4 a1 10.0.0.2 3 >/dev/null 2>&1
check_eq "overlapping addresses: a1's pings of 10.0.0.2 never reach b2" \
	"$b2_before" "$(in_echos b2)"
check_ge "overlapping addresses: ...and do reach a2" $((a2_before + 3)) \
	"$(in_echos a2)"

# An address that exists only in tenant-b is unknown in tenant-a.
before=$(counter domain tenant-a neigh_unknown)
b4_before=$(in_echos b4)
check_fails "a1 cannot reach 10.0.0.4, which only tenant-b has" \
	ping4 a1 10.0.0.4 2
check_ge "...dropped as neigh_unknown in tenant-a" $((before + 1)) \
	"$(counter domain tenant-a neigh_unknown)"
check_eq "...and b4 received nothing" "$b4_before" "$(in_echos b4)"

# Even knowing a tenant-b MAC does not help: it is not in tenant-a.
n a1 "$IP" neigh replace 10.0.0.99 lladdr 02:00:00:00:0b:04 dev eth0
n a1 "$IP" neigh replace fd00::99 lladdr 02:00:00:00:0b:04 dev eth0
before=$(counter domain tenant-a no_dest)
check_fails "a1 sends to b4's MAC directly (IPv4): nothing arrives" \
	ping4 a1 10.0.0.99 3
check_fails "a1 sends to b4's MAC directly (IPv6): nothing arrives" \
	ping6 a1 fd00::99 3
check_ge "...dropped as no_dest in tenant-a" $((before + 6)) \
	"$(counter domain tenant-a no_dest)"
check_eq "...and b4 received nothing" "$b4_before" "$(in_echos b4)"

tcp_refused()
{
	local rc pid
	n b4 timeout 4 nc -l -p 5003 >/tmp/tcp.b4 &
	pid=$!
	wait_for 50 is_listening b4 5003
	echo leak | n a1 timeout 3 nc -w 2 10.0.0.4 5003
	rc=$?
	wait "$pid"
	[ ! -s /tmp/tcp.b4 ] && [ "$rc" -ne 0 ]
}
check "TCP from a1 to tenant-b's 10.0.0.4 does not connect" tcp_refused

# --- anti-spoofing ---
n a1 "$IP" addr add 10.0.0.50/24 dev eth0
before=$(counter domain tenant-a src_ip)
a2_before=$(in_echos a2)
check_fails "a1 spoofing source 10.0.0.50 does not reach a2" \
	n a1 ping -c 2 -W 1 -w 3 -I 10.0.0.50 10.0.0.2
check_ge "...dropped as src_ip" $((before + 2)) \
	"$(counter domain tenant-a src_ip)"
check_eq "...and a2 received nothing" "$a2_before" "$(in_echos a2)"
n a1 "$IP" addr del 10.0.0.50/24 dev eth0

n a1 "$IP" addr add fd00::50/64 dev eth0 nodad
before=$(counter port va1 src_ip)
check_fails "a1 spoofing source fd00::50 does not reach a2" \
	n a1 ping -6 -c 2 -W 1 -w 3 -I fd00::50 fd00::2
check_ge "...dropped as src_ip on port va1" $((before + 2)) \
	"$(counter port va1 src_ip)"
n a1 "$IP" addr del fd00::50/64 dev eth0

# --- established flows: what the flow entry knows is checked again ---
# A flow's first packets teach it its two ends; later packets from one
# end to the other's MAC go straight on (segf_established()).  Anyone
# else on the same five-tuple takes the full path and its checks.
udp_in() { n "$1" cat /proc/net/snmp | awk '/^Udp: [0-9]/ { print $2 }'; }
n a2 "$TOOLS/udpflows" serve 7000 &
UDPSERVE=$!
wait_for 50 n a1 "$TOOLS/udpflows" send 10.0.0.2 7000 1 30500 200 ||
	echo "# the echo server does not answer"
allowed0=$(counter domain tenant-a default_allowed)
fwd0=$(counter domain tenant-a forwarded)
check "a1 -> a2 UDP 5000 -> 7000, three rounds on one flow" \
	n a1 "$TOOLS/udpflows" send -r 3 -g 100 10.0.0.2 7000 1 5000 1000
check_eq "...its 6 packets counted as allowed by default" \
	$((allowed0 + 6)) "$(counter domain tenant-a default_allowed)"
check_eq "...and as forwarded" $((fwd0 + 6)) \
	"$(counter domain tenant-a forwarded)"

# a3, on another port, sends on that five-tuple with a1's address.
n a3 "$IP" addr add 10.0.0.1/32 dev eth0
n a3 "$IP" neigh replace 10.0.0.2 lladdr 02:00:00:00:0a:02 dev eth0 \
	nud permanent
before=$(counter port ta3 src_ip)
a2_before=$(udp_in a2)
check_fails "a3 sending on a1's established flow, from a1's address, gets nothing" \
	n a3 "$TOOLS/udpflows" send -b 10.0.0.1 10.0.0.2 7000 1 5000 500
check_ge "...dropped as src_ip on port ta3" $((before + 1)) \
	"$(counter port ta3 src_ip)"
check_eq "...and a2 received nothing" "$a2_before" "$(udp_in a2)"
n a3 "$IP" neigh del 10.0.0.2 dev eth0
n a3 "$IP" addr del 10.0.0.1/32 dev eth0

# a1 sends on its own flow, but to a3's MAC.
n a1 "$IP" neigh replace 10.0.0.2 lladdr 02:00:00:00:0a:03 dev eth0 \
	nud permanent
before=$(counter port va1 dst_mismatch)
a2_before=$(udp_in a2)
check_fails "a1's flow to a2, sent to a3's MAC, gets nothing" \
	n a1 "$TOOLS/udpflows" send 10.0.0.2 7000 1 5000 500
check_ge "...dropped as dst_mismatch on port va1" $((before + 1)) \
	"$(counter port va1 dst_mismatch)"
check_eq "...and a2, the flow's other end, received nothing" \
	"$a2_before" "$(udp_in a2)"
n a1 "$IP" neigh del 10.0.0.2 dev eth0
check "...and to a2's MAC again, it goes" \
	n a1 "$TOOLS/udpflows" send 10.0.0.2 7000 1 5000 1000

# A new generation judges the flow again: a default that denies it.
$SEGCTL domain set tenant-a default deny >/dev/null
before=$(counter domain tenant-a revoked)
check_fails "a default of deny stops the established flow" \
	n a1 "$TOOLS/udpflows" send 10.0.0.2 7000 1 5000 500
check_ge "...dropped as revoked" $((before + 1)) \
	"$(counter domain tenant-a revoked)"
$SEGCTL domain set tenant-a default allow >/dev/null
check "...and allowed again, it goes" \
	n a1 "$TOOLS/udpflows" send 10.0.0.2 7000 1 5000 1000
kill "$UDPSERVE" 2>/dev/null
wait "$UDPSERVE" 2>/dev/null

# Taking over another tenant's MAC does not help either.
n a2 "$IP" link set eth0 address 02:00:00:00:0b:01
before=$(counter port va2 src_mac)
check_fails "a2 with b1's MAC reaches nobody" ping4 a2 10.0.0.1 2
check_ge "...dropped as src_mac on port va2" $((before + 2)) \
	"$(counter port va2 src_mac)"
n a2 "$IP" link set eth0 address 02:00:00:00:0a:02
check "a2 with its own MAC back reaches a1 again" ping4 a2 10.0.0.1

# --- default action ---
$SEGCTL domain set tenant-b default deny
before=$(counter domain tenant-b default_deny)
check_fails "tenant-b default deny: b1 cannot ping b2" ping4 b1 10.0.0.2 2
check_ge "...dropped as default_deny" $((before + 2)) \
	"$(counter domain tenant-b default_deny)"
check "tenant-a, default allow, is unaffected" ping4 a1 10.0.0.2
$SEGCTL domain set tenant-b default allow
check "tenant-b default allow again: b1 pings b2" ping4 b1 10.0.0.2

# --- what segctl shows ---
check "segctl show lists both domains" \
	sh -c "$SEGCTL domain show | grep -q 'tenant-a id 10' && $SEGCTL domain show | grep -q 'tenant-b id 20'"
check_eq "tenant-b has four endpoints" 4 \
	"$($SEGCTL -j domain show tenant-b | tr ',{}' '\n\n\n' | sed -n 's/.*"endpoints":\([0-9]*\).*/\1/p')"
check "segctl -j stats is JSON with the drop reasons" \
	sh -c "$SEGCTL -j stats domain tenant-a | grep -q '\"no_dest\":[1-9]'"

finish
