#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Paths too small for a packet: the packet is dropped and counted
# (too_big), and its sender is told by the domain's gateway, as by a
# router, with ICMP "fragmentation needed" or ICMPv6 "packet too big"
# carrying the path's MTU, which the sender then uses.
#
# One host (this namespace), domain m, gateway 10.9.0.1, 10.9.1.1,
# fd09::1 (none at first):
#
#   s1 10.9.0.11 fd09::11    r1 10.9.0.12 fd09::12    r2 10.9.1.12 (routed)
#    |vs1 (MTU 1500)          |vr1 (MTU 1280)          |vr2 (MTU 1300)
#
# Two hosts (namespaces hv1, hv2) as in overlay.sh, domain o (VNI 100,
# MTU 1500, gateway 10.8.0.1, fd08::1), a on hv1 and b on hv2:
#
#   a 10.8.0.11 fd08::11 --oa-- hv1 vx0 ==ul1 (MTU 1400)== ul2 hv2 vx0 --ob-- b
#                                                 10.8.0.12 fd08::12
#
# hv1's vx0 sits on ul1 ("dev ul1"): its path carries 1400 - 50 = 1350
# bytes, less than the domain's MTU, which attaching it says.
#
# busybox ping cannot set DF itself: with the default "want", a packet
# under the interface's MTU leaves with DF set, and once a smaller path
# MTU is learned, the kernel fragments (and clears DF) to fit it.

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

GW=02:00:00:00:ff:01
S1=02:00:00:00:09:11
R1=02:00:00:00:09:12
R2=02:00:00:00:09:22
A=02:00:00:00:08:11
B=02:00:00:00:08:12
T1=02:00:00:00:09:13
T2=02:00:00:00:09:14

trap cleanup_vms EXIT

# learned NS ADDR MTU: NS's route to ADDR holds the path MTU MTU.
learned()
{
	n "$1" "$IP" route get "$2" | grep -q "mtu $3"
}

# df_clear_ping NS ADDR SIZE: one ping of SIZE bytes from NS to ADDR
# with DF clear (the namespace's ICMP sockets then do no path MTU
# discovery).
df_clear_ping()
{
	local ret
	n "$1" sysctl -qw net.ipv4.ip_no_pmtu_disc=1
	n "$1" ping -c 1 -W 2 -s "$3" "$2"
	ret=$?
	n "$1" sysctl -qw net.ipv4.ip_no_pmtu_disc=0
	return $ret
}

# tcp_bulk FROM TO ADDR PORT BYTES: BYTES cross one TCP connection.
tcp_bulk()
{
	local from=$1 to=$2 addr=$3 port=$4 bytes=$5 pid
	rm -f /tmp/mtu.got
	n "$to" timeout 60 nc -l -p "$port" >/tmp/mtu.got &
	pid=$!
	wait_for 100 is_listening "$to" "$port" || return 1
	n "$from" timeout 50 bash -c "exec 3<>/dev/tcp/$addr/$port
		head -c $bytes /dev/zero >&3" || return 1
	wait $pid
	[ "$(stat -c %s /tmp/mtu.got)" = "$bytes" ]
}

# ---- one host: an endpoint port with a small MTU ----

setup_local()
{
	module_reload
	$SEGCTL domain add m id 1 >/dev/null &&
	$SEGCTL group add g id 1 domain m >/dev/null || return 1
	vm_veth s1 vs1 $S1 10.9.0.11 fd09::11
	vm_veth r1 vr1 $R1 10.9.0.12 fd09::12
	vm_veth r2 vr2 $R2 10.9.1.12 fd09:1::12
	# Both ends: a veth drops a frame larger than its receiving end's.
	"$IP" link set vr1 mtu 1280 && n r1 "$IP" link set eth0 mtu 1280 &&
	"$IP" link set vr2 mtu 1300 && n r2 "$IP" link set eth0 mtu 1300 &&
	n s1 "$IP" route add 10.9.1.0/24 via 10.9.0.1 &&
	n r2 "$IP" route add default via 10.9.1.1 || return 1
	while read -r dev mac v4 v6; do
		$SEGCTL port attach "$dev" domain m >/dev/null &&
		$SEGCTL endpoint add "$mac" domain m group g port "$dev" \
			ip "$v4" ip "$v6" >/dev/null || return 1
	done <<-EOF
	vs1 $S1 10.9.0.11 fd09::11
	vr1 $R1 10.9.0.12 fd09::12
	vr2 $R2 10.9.1.12 fd09:1::12
	EOF
}

if ! setup_local; then
	fail "set up one host with ports of MTU 1500, 1280 and 1300"
	finish
fi
pass "set up one host with ports of MTU 1500, 1280 and 1300"

check "s1 pings r1 with 1200 bytes" n s1 ping -c 1 -W 2 -s 1200 10.9.0.12
check "s1 pings r1 with 1200 bytes over IPv6" \
	n s1 ping -6 -c 1 -W 2 -s 1200 fd09::12

d0=$(counter domain m too_big)
check_fails "no gateway address: 1400 bytes with DF to r1 do not arrive" \
	n s1 ping -c 1 -W 2 -s 1400 10.9.0.12
check_eq "...counted as too_big" $((d0 + 1)) "$(counter domain m too_big)"
check_eq "...and answered by nobody (icmp_too_big)" 0 \
	"$(counter port vs1 icmp_too_big)"
check_fails "...so s1 learned no MTU" learned s1 10.9.0.12 1280

$SEGCTL domain set m gateway $GW gw-ip 10.9.0.1 gw-ip 10.9.1.1 \
	gw-ip fd09::1 gw-ip fd09:1::1 >/dev/null

d0=$(counter domain m too_big)
check_fails "with a gateway: 1400 bytes without DF to r1 do not arrive" \
	df_clear_ping s1 10.9.0.12 1400
check_eq "...dropped as too_big" $((d0 + 1)) "$(counter domain m too_big)"
check_eq "...and not answered: DF was clear" 0 \
	"$(counter port vs1 icmp_too_big)"

d0=$(counter domain m too_big)
check_fails "1400 bytes with DF to r1 (MTU 1280) do not arrive" \
	n s1 ping -c 1 -W 2 -s 1400 10.9.0.12
check_eq "...counted as too_big" $((d0 + 1)) "$(counter domain m too_big)"
check_eq "...answered by the gateway (icmp_too_big on s1's port)" 1 \
	"$(counter port vs1 icmp_too_big)"
check "...with fragmentation needed, mtu 1280: s1's route says so" \
	learned s1 10.9.0.12 1280
check "...so s1's next 1400-byte pings, fragmented, arrive" \
	n s1 ping -c 2 -W 2 -s 1400 10.9.0.12

d0=$(counter domain m too_big)
check_fails "IPv6: 1400 bytes to r1 do not arrive" \
	n s1 ping -6 -c 1 -W 2 -s 1400 fd09::12
check_eq "...counted as too_big" $((d0 + 1)) "$(counter domain m too_big)"
check "...answered with packet too big, mtu 1280: s1's route says so" \
	learned s1 fd09::12 1280
check "...so s1's next 1400-byte pings, fragmented, arrive" \
	n s1 ping -6 -c 2 -W 2 -s 1400 fd09::12

r0=$(counter domain m routed)
check_fails "routed: 1400 bytes with DF to r2 (MTU 1300) do not arrive" \
	n s1 ping -c 1 -W 2 -s 1400 10.9.1.12
check "...fragmentation needed, mtu 1300, from the gateway" \
	learned s1 10.9.1.12 1300
check_eq "...and the frame was not routed" "$r0" "$(counter domain m routed)"
check "...the next ones, fragmented, are routed and arrive" \
	n s1 ping -c 2 -W 2 -s 1400 10.9.1.12
check_eq "icmp_too_big: one per path learned" 3 \
	"$(counter port vs1 icmp_too_big)"

# A sender whose own link carries less than 576 bytes: its error fits.
# (t1 takes a path MTU under 552, the default min_pmtu.)
if vm_veth t1 vt1 $T1 10.9.0.13 fd09::13 &&
	vm_veth t2 vt2 $T2 10.9.0.14 fd09::14 &&
	"$IP" link set vt1 mtu 500 && n t1 "$IP" link set eth0 mtu 500 &&
	"$IP" link set vt2 mtu 400 && n t2 "$IP" link set eth0 mtu 400 &&
	n t1 sysctl -qw net.ipv4.route.min_pmtu=68 &&
	$SEGCTL port attach vt1 domain m >/dev/null &&
	$SEGCTL port attach vt2 domain m >/dev/null &&
	$SEGCTL endpoint add $T1 domain m group g port vt1 \
		ip 10.9.0.13 >/dev/null &&
	$SEGCTL endpoint add $T2 domain m group g port vt2 \
		ip 10.9.0.14 >/dev/null; then
	pass "two more VMs: t1 on a port of MTU 500, t2 on one of 400"
else
	fail "two more VMs: t1 on a port of MTU 500, t2 on one of 400"
fi
check_fails "450 bytes with DF from t1 to t2 do not arrive" \
	n t1 ping -c 1 -W 2 -s 450 10.9.0.14
check "...the error, cut to t1's 500 bytes, reached t1: route mtu 400" \
	learned t1 10.9.0.14 400
check_eq "...counted once on t1's port (icmp_too_big)" 1 \
	"$(counter port vt1 icmp_too_big)"

cleanup_vms

# ---- two hosts: an uplink whose underlay is too small ----

# host H UL ADDR: hypervisor namespace H, its underlay UL at ADDR and
# its uplink vx0 on it, the domain and its VM's port.
host()
{
	local h=$1 ul=$2 addr=$3
	n "$h" "$IP" link set "$ul" mtu 1600 &&
	n "$h" "$IP" addr add "$addr/24" dev "$ul" &&
	n "$h" "$IP" link set "$ul" up &&
	n "$h" "$IP" link add vx0 type vxlan external gbp dstport 4789 \
		dev "$ul" &&
	n "$h" "$IP" link set vx0 up &&
	n "$h" "$SEGCTL" domain add o id 2 vni 100 mtu 1500 gateway $GW \
		gw-ip 10.8.0.1 gw-ip fd08::1 >/dev/null &&
	n "$h" "$SEGCTL" group add g id 1 domain o >/dev/null
}

# vm H NAME MAC V4 V6 OTHER-HOST OTHER-UNDERLAY: the VM and its port
# o<NAME> on H; OTHER-HOST knows it as a remote endpoint.
vm()
{
	local h=$1 name=$2 mac=$3 v4=$4 v6=$5 other=$6 there=$7
	vm_veth "$name" "o$name" "$mac" "$v4" "$v6" "$h" &&
	n "$h" "$SEGCTL" port attach "o$name" domain o >/dev/null &&
	n "$h" "$SEGCTL" endpoint add "$mac" domain o group g \
		port "o$name" ip "$v4" ip "$v6" >/dev/null &&
	n "$other" "$SEGCTL" endpoint add "$mac" domain o group g \
		port vx0 ip "$v4" ip "$v6" remote "$there" >/dev/null
}

setup_overlay()
{
	quiet_ns hv1
	quiet_ns hv2
	n hv1 "$IP" link add ul1 type veth peer name ul2 netns hv2 &&
	host hv1 ul1 192.168.60.1 &&
	host hv2 ul2 192.168.60.2 &&
	n hv2 "$SEGCTL" port attach vx0 role uplink >/dev/null || return 1
	# Smaller than what the VXLAN device took from it: 1600 - 50.
	n hv1 "$IP" link set ul1 mtu 1400 &&
	n hv2 "$IP" link set ul2 mtu 1400
}

if ! setup_overlay; then
	fail "set up two hosts joined by VXLAN-GBP over an underlay of 1400"
	finish
fi
pass "set up two hosts joined by VXLAN-GBP over an underlay of 1400"

check_eq "vx0 took the underlay's first MTU: 1600 - 50" 1550 \
	"$(n hv1 cat /sys/class/net/vx0/mtu)"
n hv1 "$SEGCTL" port attach vx0 role uplink >/tmp/mtu.attach 2>&1
check "attaching hv1's uplink works" n hv1 "$SEGCTL" port show vx0
check "...and warns: vx0 carries 1350, under domain o's MTU 1500" \
	grep -q "Warning: .*vx0 carries 1350 < MTU 1500 of \"o\"" \
	/tmp/mtu.attach
check "segctl port show vx0: path-mtu 1350 mtu-short 1" \
	sh -c "$IP netns exec hv1 $SEGCTL port show vx0 |
		grep -q 'path-mtu 1350 mtu-short 1'"
n hv1 "$IP" link set ul1 mtu 1600
check "the underlay back to 1600: path-mtu 1550, no domain short" \
	sh -c "$IP netns exec hv1 $SEGCTL port show vx0 |
		grep -q 'path-mtu 1550\$'"
n hv1 "$IP" link set ul1 mtu 1400
check "...and at 1400 again: path-mtu 1350" \
	sh -c "$IP netns exec hv1 $SEGCTL port show vx0 |
		grep -q 'path-mtu 1350 mtu-short 1'"
check "domain set o mtu 1400 warns too" sh -c \
	"$IP netns exec hv1 $SEGCTL domain set o mtu 1400 2>&1 |
		grep -q 'Warning: .*vx0 carries 1350: under this domain.s MTU 1400'"
check "domain set o mtu 1300 does not" sh -c \
	"! $IP netns exec hv1 $SEGCTL domain set o mtu 1300 2>&1 |
		grep -q Warning"
check "...and domain show o says mtu 1300" sh -c \
	"$IP netns exec hv1 $SEGCTL domain show o | grep -q ' mtu 1300 '"
check_err "domain set o mtu 60 is refused" "" "an MTU is at least 68" \
	n hv1 "$SEGCTL" domain set o mtu 60

if ! { vm hv1 a $A 10.8.0.11 fd08::11 hv2 192.168.60.1 &&
	vm hv2 b $B 10.8.0.12 fd08::12 hv1 192.168.60.2; }; then
	fail "a VM on each host"
	finish
fi
pass "a VM on each host"

check "a pings b across the hosts" n a ping -c 1 -W 2 10.8.0.12
# Before a learns any path MTU: its DF-clear packets and its fragments
# leave whole, too big for the path, and the VXLAN device fragments the
# outer packet on the underlay, as it did before segfilter checked.
t0=$(SEGCTL="$IP netns exec hv1 $SEGCTL" counter domain o too_big)
check "1400 bytes without DF from a to b arrive over a path of 1350" \
	df_clear_ping a 10.8.0.12 1400
check "3000 bytes, fragmented by a to its MTU of 1500, arrive too" \
	df_clear_ping a 10.8.0.12 3000
check_eq "...neither dropped as too_big on hv1" "$t0" \
	"$(SEGCTL="$IP netns exec hv1 $SEGCTL" counter domain o too_big)"
check_eq "...nor on hv2, the replies' way" 0 \
	"$(SEGCTL="$IP netns exec hv2 $SEGCTL" counter domain o too_big)"
check_fails "...and a learned no path MTU" learned a 10.8.0.12 1350
t0=$(SEGCTL="$IP netns exec hv1 $SEGCTL" counter domain o too_big)
check "TCP: 256 KB from a to b arrive, over a path of 1350" \
	tcp_bulk a b 10.8.0.12 5001 262144
check "...hv1's gateway told a: its route to b learned mtu 1350" \
	learned a 10.8.0.12 1350
check_ge "...after dropping what did not fit (too_big)" $((t0 + 1)) \
	"$(SEGCTL="$IP netns exec hv1 $SEGCTL" counter domain o too_big)"
t0=$(SEGCTL="$IP netns exec hv1 $SEGCTL" counter domain o too_big)
check "TCP over IPv6: 256 KB from a to b arrive" \
	tcp_bulk a b fd08::12 5002 262144
check "...a's route to b learned mtu 1350 from packet too big" \
	learned a fd08::12 1350
check_ge "...after dropping what did not fit (too_big)" $((t0 + 1)) \
	"$(SEGCTL="$IP netns exec hv1 $SEGCTL" counter domain o too_big)"
check_ge "too_big counted on a's port too" 2 \
	"$(SEGCTL="$IP netns exec hv1 $SEGCTL" counter port oa too_big)"
check_eq "...and hv2 dropped nothing for its size" 0 \
	"$(SEGCTL="$IP netns exec hv2 $SEGCTL" counter domain o too_big)"

# The VXLAN device moved to another link: only NETDEV_CHANGE says so
# (vxlan lowers vx0's own MTU to fit without NETDEV_CHANGEMTU).
n hv1 "$IP" link add ul3 mtu 1300 type veth peer name ul4 &&
	n hv1 "$IP" link set vx0 type vxlan dev ul3
check "vx0 moved to an underlay of 1300: path-mtu 1250" \
	sh -c "$IP netns exec hv1 $SEGCTL port show vx0 |
		grep -qw 'path-mtu 1250'"
n hv1 "$IP" link set vx0 type vxlan dev ul1 &&
	n hv1 "$IP" link set vx0 mtu 1350
check "...back on ul1, vx0's MTU 1350 (ul1's less 50): path-mtu 1350" \
	sh -c "$IP netns exec hv1 $SEGCTL port show vx0 |
		grep -qw 'path-mtu 1350'"
n hv1 "$IP" link set ul3 mtu 1200
check "...which ul3's MTU no longer changes" \
	sh -c "$IP netns exec hv1 $SEGCTL port show vx0 |
		grep -qw 'path-mtu 1350'"

finish
