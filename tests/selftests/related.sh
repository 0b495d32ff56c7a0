#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ICMP errors about a flow the policy allows go where the flow goes,
# with no rule of their own (netfilter's RELATED), in a domain that
# denies by default; errors about no flow, or sent by an endpoint that
# is no end of the flow, are judged as any packet.
#
#   domain rel (default deny): a (group ga) -> b (gb) udp 5000 allowed
#   +------+  +------+  +------+
#   |  a   |  |  b   |  |  c   |
#   | .1   |  | .2   |  | .3   |
#   +--+---+  +--+---+  +--+---+
#      va        vb        vc
#
# a sends to b's port 5000, where nothing listens: b's kernel answers
# port unreachable, which reaches a.  c (group gc, no rule) forges the
# same error, and b one about a port a never used: both dropped.

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

skip_on 6.12 "the module's own logic, the same on every kernel (6.1, debug)"

trap cleanup_vms EXIT

setup()
{
	local v i=1
	module_reload
	$SEGCTL domain add rel id 1 default deny >/dev/null || return 1
	for v in a b c; do
		$SEGCTL group add g$v id $i domain rel >/dev/null || return 1
		vm_veth $v v$v 02:00:00:00:00:0$i 10.0.0.$i fd00::$i
		$SEGCTL port attach v$v domain rel >/dev/null || return 1
		$SEGCTL endpoint add 02:00:00:00:00:0$i domain rel group g$v \
			port v$v ip 10.0.0.$i ip fd00::$i >/dev/null || return 1
		i=$((i + 1))
	done
	$SEGCTL rule add id 1 domain rel from ga to gb proto udp port 5000 \
		action allow >/dev/null
}

if ! setup; then
	fail "set up domain rel: a, b, c, a -> b udp 5000 allowed"
	finish
fi
pass "set up domain rel: a, b, c, a -> b udp 5000 allowed"

# unreach4 NS, unreach6 NS: destination unreachable errors NS received.
unreach4()
{
	n "$1" awk '$1 == "Icmp:" { if (!h) { for (i = 2; i <= NF; i++)
		f[$i] = i; h = 1 } else print $(f["InDestUnreachs"]) }' \
		/proc/net/snmp
}
unreach6() { n "$1" awk '$1 == "Icmp6InDestUnreachs" { print $2 }' /proc/net/snmp6; }
# udp_to NS ADDR PORT: one datagram from NS's port 4000.
udp_to() { n "$1" "$TOOLS/udpcast" send -i eth0 -p 4000 -n 1 "$2" "$3" x >/dev/null 2>&1; }
toobig6() { n "$1" awk '$1 == "Icmp6InPktTooBigs" { print $2 }' /proc/net/snmp6; }

# --- an error from the flow's other end ---
u4=$(unreach4 a)
udp_to a 10.0.0.2 5000
check "b's port unreachable for a's datagram to 5000 reaches a" \
	wait_for 30 eval '[ "$(unreach4 a)" -gt "$u4" ]'
check_ge "...let through as related, at b's port" 1 \
	"$(counter port vb icmp_related)"
check_eq "...and nothing dropped at b's port" 0 \
	"$(counter port vb default_deny)"
u6=$(unreach6 a)
udp_to a fd00::2 5000
check "the same over IPv6 (ICMPv6 port unreachable)" \
	wait_for 30 eval '[ "$(unreach6 a)" -gt "$u6" ]'
check_ge "...related too" 2 "$(counter port vb icmp_related)"

# b, the flow's end, says the path to it is smaller (path MTU discovery).
u4=$(unreach4 a)
check "b sends fragmentation needed (MTU 1200) about a's datagram" \
	n b "$TOOLS/icmperr" 10.0.0.1 3 4 10.0.0.1 10.0.0.2 udp 4000 5000 1200
check "...it reaches a" wait_for 30 eval '[ "$(unreach4 a)" -gt "$u4" ]'
tb=$(toobig6 a)
check "b sends packet too big (MTU 1280) about a's IPv6 datagram" \
	n b "$TOOLS/icmperr" fd00::1 2 0 fd00::1 fd00::2 udp 4000 5000 1280
check "...it reaches a" wait_for 30 eval '[ "$(toobig6 a)" -gt "$tb" ]'
check_ge "...4 errors related at b's port" 4 "$(counter port vb icmp_related)"

# --- errors that are not the flow's ---
u4=$(unreach4 a)
related=$(counter port vc icmp_related)
check "c forges b's port unreachable to a (c is no end of the flow)" \
	n c "$TOOLS/icmperr" 10.0.0.1 3 3 10.0.0.1 10.0.0.2 udp 4000 5000
check "...dropped at c's port as default_deny" \
	wait_for 30 eval '[ "$(counter port vc default_deny)" -ge 1 ]'
check_eq "...a got nothing" "$u4" "$(unreach4 a)"
check_eq "...not related" "$related" "$(counter port vc icmp_related)"
check "c forges it over IPv6" \
	n c "$TOOLS/icmperr" fd00::1 1 4 fd00::1 fd00::2 udp 4000 5000
check "...dropped too" \
	wait_for 30 eval '[ "$(counter port vc default_deny)" -ge 2 ]'
deny=$(counter port vb default_deny)
check "b sends an error about port 5999, which a never sent to" \
	n b "$TOOLS/icmperr" 10.0.0.1 3 3 10.0.0.1 10.0.0.2 udp 4000 5999
check "...no flow: dropped at b's port as default_deny" \
	wait_for 30 eval "[ \"\$(counter port vb default_deny)\" -gt $deny ]"
deny=$(counter port vb default_deny)
check "b sends one about a's datagram from another port (4001)" \
	n b "$TOOLS/icmperr" 10.0.0.1 3 3 10.0.0.1 10.0.0.2 udp 4001 5000
check "...no flow: dropped" \
	wait_for 30 eval "[ \"\$(counter port vb default_deny)\" -gt $deny ]"
# An error quoting a packet b sent, to a: not back to that packet's sender.
deny=$(counter port vb default_deny)
check "b sends one to a, quoting a packet b sent to a" \
	n b "$TOOLS/icmperr" 10.0.0.1 3 3 10.0.0.2 10.0.0.1 udp 5000 4000
check "...dropped: an error goes back to the quoted packet's sender" \
	wait_for 30 eval "[ \"\$(counter port vb default_deny)\" -gt $deny ]"

# --- through an exit: errors from outside about a flow that went out ---
# The provider (192.0.2.1, beyond the exit 192.0.2.2) owns 198.51.100.7,
# the only prefix of group internet; a may send it UDP to port 5000, and
# nothing else comes in.  The provider's own address is in no group: as
# a router on the path, it may send errors about a's flow, nothing else.
exit_setup()
{
	$SEGCTL domain set rel gateway 02:00:00:00:ff:01 gw-ip 10.0.0.254 \
		>/dev/null &&
	$SEGCTL group add internet id 9 domain rel >/dev/null &&
	$SEGCTL prefix add 198.51.100.0/24 domain rel group internet \
		>/dev/null &&
	$SEGCTL rule add id 2 domain rel from ga to internet proto udp \
		port 5000 action allow >/dev/null || return 1
	n a "$IP" route add default via 10.0.0.254
	vm_ns provider
	"$IP" link add xrel type veth peer name eth0 netns provider
	host_port_up xrel
	n provider "$IP" addr add 192.0.2.1/24 dev eth0
	n provider "$IP" addr add 198.51.100.7/32 dev lo
	n provider "$IP" link set eth0 up
	n provider "$IP" route add 10.0.0.0/24 via 192.0.2.2
	$SEGCTL port attach xrel domain rel role exit ip 192.0.2.2/24 \
		nexthop 192.0.2.1 >/dev/null
}
# dropped_at PORT REASON BEFORE: PORT counted more REASON drops than BEFORE.
dropped_at()
{
	wait_for 30 eval "[ \"\$(counter port $1 $2)\" -gt $3 ]"
}
check "an exit to a provider owning 198.51.100.7, a -> internet udp 5000" \
	exit_setup
u4=$(unreach4 a)
udp_to a 198.51.100.7 5000
check "the provider's port unreachable for a's datagram reaches a" \
	wait_for 50 eval '[ "$(unreach4 a)" -gt "$u4" ]'
check_ge "...related, at the exit" 1 "$(counter port xrel icmp_related)"
u4=$(unreach4 a)
check "the provider, a router in no group, says the path is 1200 bytes" \
	n provider "$TOOLS/icmperr" 10.0.0.1 3 4 10.0.0.1 198.51.100.7 udp \
	4000 5000 1200
check "...it reaches a (path MTU discovery from the path)" \
	wait_for 30 eval '[ "$(unreach4 a)" -gt "$u4" ]'
nr=$(counter port xrel no_route)
check "the router sends an error about port 5999, which a never used" \
	n provider "$TOOLS/icmperr" 10.0.0.1 3 3 10.0.0.1 198.51.100.7 udp \
	4000 5999
check "...dropped at the exit as no_route (no group, no flow)" \
	dropped_at xrel no_route "$nr"
# Nobody outside speaks for a flow between two endpoints.
udp_to a 10.0.0.2 5000
u4=$(unreach4 a)
nr=$(counter port xrel no_route)
check "the router sends an error about a's flow to b" \
	n provider "$TOOLS/icmperr" 10.0.0.1 3 4 10.0.0.1 10.0.0.2 udp \
	4000 5000 1200
check "...dropped at the exit as no_route" dropped_at xrel no_route "$nr"
n provider "$IP" route replace 10.0.0.0/24 via 192.0.2.2 src 198.51.100.7
deny=$(counter port xrel default_deny)
check "198.51.100.7 (group internet) sends the same" \
	n provider "$TOOLS/icmperr" 10.0.0.1 3 4 10.0.0.1 10.0.0.2 udp \
	4000 5000 1200
check "...dropped as default_deny: internet may not reach a" \
	dropped_at xrel default_deny "$deny"
check_eq "...a got neither" "$u4" "$(unreach4 a)"

# What comes in by the exit is outside, whatever its source: b owns
# 10.99.0.0/16, and the provider sends from 10.99.0.1.
$SEGCTL prefix add 10.99.0.0/16 domain rel endpoint 02:00:00:00:00:02 >/dev/null
n provider "$IP" addr add 10.99.0.1/32 dev lo
n provider "$IP" route replace 10.0.0.0/24 via 192.0.2.2 src 10.99.0.1
udp_to a 198.51.100.7 5000
u4=$(unreach4 a)
check "from 10.99.0.1 (inside b's prefix), an error about a's flow out" \
	n provider "$TOOLS/icmperr" 10.0.0.1 3 4 10.0.0.1 198.51.100.7 udp \
	4000 5000 1200
check "...reaches a: it came in by the exit, so it is outside" \
	wait_for 30 eval '[ "$(unreach4 a)" -gt "$u4" ]'
udp_to a 10.99.0.5 5000
nr=$(counter port xrel no_route)
u4=$(unreach4 a)
check "from 10.99.0.1, one about a's flow to 10.99.0.5 (b's)" \
	n provider "$TOOLS/icmperr" 10.0.0.1 3 4 10.0.0.1 10.99.0.5 udp \
	4000 5000 1200
check "...dropped: nobody outside speaks for a flow inside" \
	dropped_at xrel no_route "$nr"
check_eq "...a got nothing of it" "$u4" "$(unreach4 a)"

# --- a policy that no longer allows the flow ---
$SEGCTL rule del 1 domain rel >/dev/null
deny=$(counter port vb default_deny)
check "with the rule gone, b's error about a's datagram" \
	n b "$TOOLS/icmperr" 10.0.0.1 3 3 10.0.0.1 10.0.0.2 udp 4000 5000
check "...is dropped: the flow is no longer allowed" \
	wait_for 30 eval "[ \"\$(counter port vb default_deny)\" -gt $deny ]"

finish
