#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Link control (ARP, neighbour discovery, MLD) passes without policy,
# so it must be what it says: crafted ND and MLD that fail RFC 4861 or
# 3810's checks, carry another's link-layer address, come in fragments,
# or go to a VM's MAC for an address that VM does not own (ARP too), are
# dropped and counted, while their well-formed twins arrive.  And BIG TCP: GSO
# packets over 64 KB cross segfilter.
#
#   +-----------------+  +-----------------+  +-----------------+
#   | a  red          |  | b  red          |  | c  blue         |
#   | 10.2.0.1        |  | 10.2.0.2        |  | 10.2.0.3        |
#   | fd02::1         |  | fd02::2 ::12    |  | fd02::3 ::42    |
#   |                 |  |   ::22 ::32     |  |   ::52          |
#   +--------+--------+  +--------+--------+  +--------+--------+
#            |va                  |vb                  |vc
#   +--------+--------------------+--------------------+--------+
#   |  domain lc, default deny; rule: red -> red allow          |
#   +-----------------------------------------------------------+
#
# Frames are made by tests/tools/ndinject in a, each with a marker, and
# counted by ndinject in the namespace that must (not) receive them.

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

MA=02:00:00:00:0c:01
MB=02:00:00:00:0c:02
MC=02:00:00:00:0c:03
CAP_PIDS=

cleanup()
{
	kill $CAP_PIDS $STREAM_PIDS 2>/dev/null
	cleanup_vms
}
trap cleanup EXIT

setup()
{
	module_reload
	$SEGCTL domain add lc id 1 default deny >/dev/null &&
	$SEGCTL group add red id 1 domain lc >/dev/null &&
	$SEGCTL group add blue id 2 domain lc >/dev/null || return 1
	vm_veth a va $MA 10.2.0.1 fd02::1
	vm_veth b vb $MB 10.2.0.2 fd02::2
	vm_veth c vc $MC 10.2.0.3 fd02::3
	local v
	for v in a b c; do
		$SEGCTL port attach "v$v" domain lc >/dev/null || return 1
	done
	$SEGCTL endpoint add $MA domain lc group red port va ip 10.2.0.1 \
		ip fd02::1 >/dev/null &&
	$SEGCTL endpoint add $MB domain lc group red port vb ip 10.2.0.2 \
		ip fd02::2 ip fd02::12 ip fd02::22 ip fd02::32 >/dev/null &&
	$SEGCTL endpoint add $MC domain lc group blue port vc ip 10.2.0.3 \
		ip fd02::3 ip fd02::42 ip fd02::52 >/dev/null &&
	$SEGCTL rule add id 1 domain lc from red to red action allow >/dev/null
}

# cap NS SECONDS: count what eth0 of NS receives, into /tmp/cap.NS, for
# SECONDS or until the pid in CAP_PIDS (ndinject's: ip execs it) is
# sent SIGTERM.
cap()
{
	"$IP" netns exec "$1" "$TOOLS/ndinject" recv -i eth0 -w "$2" \
		>"/tmp/cap.$1" &
	CAP_PIDS="$CAP_PIDS $!"
}
# cap_stop: a second for the last frames, then the counts.
cap_stop()
{
	sleep 1
	kill -TERM $CAP_PIDS
	wait $CAP_PIDS
	CAP_PIDS=
}
# marks NS ID: frames with marker ID that NS received.
marks()
{
	awk -v i="$2" '$1 == "mark" && $2 == i { c = $3 } END { print c + 0 }' \
		"/tmp/cap.$1"
}
# nas NS TARGET: neighbour advertisements for TARGET that NS received.
nas()
{
	awk -v t="$2" '$1 == "na" && $2 == t { c = $3 } END { print c + 0 }' \
		"/tmp/cap.$1"
}
# inj ARGS...: a sends a crafted frame from its own MAC.
inj() { n a "$TOOLS/ndinject" send -i eth0 -s $MA "$@"; }
drops() { counter port va "$1"; }

if ! setup; then
	fail "set up red a, b and blue c in domain lc"
	finish
fi
pass "set up red a, b and blue c in domain lc"

# ---- legitimate neighbour discovery still resolves ----
check "a pings b (IPv6: the solicitation is answered)" ping6 a fd02::2
check "a pings b (IPv4)" ping4 a 10.2.0.2
check_fails "a cannot ping c (blue: default deny)" ping6 a fd02::3 1

# ---- link control to a VM's MAC: only for an address it owns ----
dm0=$(drops dst_mismatch)
li0=$(drops link_invalid)
dd0=$(drops default_deny)
cap c 100
sleep 1
# Solicitation and advertisement to c's MAC, for another address of c's
# network or for c's own (the target is a's own address: not answered).
inj -d $MC -S fd02::1 -D fd02::99 -t 135 -T fd02::1 -L $MA -m 1
inj -d $MC -S fd02::1 -D fd02::3 -t 135 -T fd02::1 -L $MA -m 2
inj -d $MC -S fd02::1 -D fd02::99 -t 136 -T fd02::1 -L $MA -m 3
inj -d $MC -S fd02::1 -D fd02::3 -t 136 -T fd02::1 -L $MA -m 4
# An MLD report to c's MAC, and to its group's MAC.
inj -d $MC -S :: -D ff05::1234 -t 131 -m 5
inj -d 33:33:00:00:12:34 -S :: -D ff05::1234 -t 131 -m 6
# ...with hop limit 64.
inj -d 33:33:00:00:12:34 -S :: -D ff05::1234 -t 131 -H 64 -m 7
# An advertisement in a fragment is ICMPv6 like any other: policy.
inj -d $MC -S fd02::1 -D fd02::3 -t 136 -T fd02::1 -L $MA -F -m 8
cap_stop

check_eq "NS to c's MAC for an address c does not own: not delivered" \
	0 "$(marks c 1)"
check_eq "...the same NS for c's own address is" 1 "$(marks c 2)"
check_eq "NA to c's MAC for an address c does not own: not delivered" \
	0 "$(marks c 3)"
check_eq "...the same NA for c's own address is" 1 "$(marks c 4)"
check_eq "MLD report to c's MAC for a group address: not delivered" \
	0 "$(marks c 5)"
check_eq "...the same report to the group's MAC is" 1 "$(marks c 6)"
check_eq "MLD report with hop limit 64: not delivered" 0 "$(marks c 7)"
check_eq "NA in a fragment, red -> blue: not delivered (default deny)" \
	0 "$(marks c 8)"
check_eq "...counted as dst_mismatch (NS, NA, MLD to c's MAC)" \
	$((dm0 + 3)) "$(drops dst_mismatch)"
check_eq "...and link_invalid (MLD hop limit)" \
	$((li0 + 1)) "$(drops link_invalid)"
check_ge "...and default_deny (the fragment)" $((dd0 + 1)) \
	"$(drops default_deny)"

# ---- solicitations answered by segfilter: only valid ones ----
li0=$(drops link_invalid)
sm0=$(drops src_mac)
nd0=$(counter port va nd_replies)
cap a 100
sleep 1
inj -d 33:33:ff:00:00:02 -S fd02::1 -D ff02::1:ff00:2 -t 135 \
	-T fd02::2 -L $MA -H 64 -m 11
inj -d 33:33:ff:00:00:12 -S fd02::1 -D ff02::1:ff00:12 -t 135 \
	-T fd02::12 -L $MA -m 12
inj -d 33:33:ff:00:00:22 -S fd02::1 -D ff02::1:ff00:22 -t 135 \
	-T fd02::22 -L 02:00:00:00:ee:ee -m 13
# IPv4 with TTL 255, as a valid solicitation would have it.
inj -d $MB -S 10.2.0.1 -D 10.2.0.2 -t 135 -T fd02::32 -H 255 -m 14
inj -d 33:33:ff:00:00:42 -S fd02::1 -D ff02::1:ff00:42 -t 135 \
	-T fd02::42 -L $MA -F -m 15
inj -d 33:33:ff:00:00:52 -S fd02::1 -D ff02::1:ff00:52 -t 135 \
	-T fd02::52 -L $MA -c 1 -m 16
cap_stop

check_eq "NS with hop limit 64: not answered" 0 "$(nas a fd02::2)"
check_eq "...the same NS with hop limit 255 is" 1 "$(nas a fd02::12)"
check_eq "NS whose source link-layer option is not a's MAC: not answered" \
	0 "$(nas a fd02::22)"
check_eq "IPv4 protocol 58 shaped as an NS: not answered" \
	0 "$(nas a fd02::32)"
check_eq "NS in a fragment: not answered" 0 "$(nas a fd02::42)"
check_eq "NS with code 1: not answered" 0 "$(nas a fd02::52)"
check_eq "...counted as link_invalid (hop limit, code)" \
	$((li0 + 2)) "$(drops link_invalid)"
check_eq "...and src_mac (link-layer option)" $((sm0 + 1)) "$(drops src_mac)"
check_eq "...segfilter answered the valid NS only" \
	$((nd0 + 1)) "$(counter port va nd_replies)"

# ---- ARP to c's MAC: only for an address of c's; router solicitations ----
dm0=$(drops dst_mismatch)
sm0=$(drops src_mac)
li0=$(drops link_invalid)
mal0=$(drops malformed)
cap c 100
cap b 100
sleep 1
# Router solicitations with a's MAC and with another in their option.
inj -d 33:33:00:00:00:02 -S fe80::1 -D ff02::2 -t 133 -L $MA -m 31
inj -d 33:33:00:00:00:02 -S fe80::1 -D ff02::2 -t 133 \
	-L 02:00:00:00:ee:ee -m 32
# ...and from the unspecified address, which must carry no such option.
inj -d 33:33:00:00:00:02 -S :: -D ff02::2 -t 133 -L $MA -m 33
# segfilter answers every request for an address of the domain, so ARP
# goes to no endpoint's MAC: replies for an address c does not own, for
# c's own, to c's probe, and a request for a's own address.
inj -d $MC -S 10.2.0.1 -D 10.2.0.99 -A 2 -m 21
inj -d $MC -S 10.2.0.1 -D 10.2.0.3 -A 2 -m 22
inj -d $MC -S 10.2.0.1 -D 0.0.0.0 -A 2 -m 23
inj -d $MC -S 10.2.0.1 -D 10.2.0.1 -A 1 -m 24
# A gratuitous request, broadcast, with the marker after its message.
inj -d ff:ff:ff:ff:ff:ff -S 10.2.0.1 -D 10.2.0.1 -A 1 -m 25
# Frames that leave their checksum to a device (a VM's virtio header):
# the same request with "a checksum" to be written over its sender
# address; an MLD report whose checksum is where it belongs, and one
# whose "checksum" would land on its source address.
inj -d ff:ff:ff:ff:ff:ff -S 10.2.0.1 -D 10.2.0.1 -A 1 -m 26 -C 28,0
inj -d 33:33:00:00:12:34 -S :: -D ff05::1234 -t 131 -m 27 -C 54,2
inj -d 33:33:00:00:12:34 -S :: -D ff05::1234 -t 131 -m 28 -C 22,0
cap_stop

check_eq "ARP to c's MAC (replies, a request): none delivered" \
	0 $(($(marks c 21) + $(marks c 22) + $(marks c 23) + $(marks c 24)))
check_eq "...counted as dst_mismatch" $((dm0 + 4)) "$(drops dst_mismatch)"
# arp_seen NS: "COUNT LONGEST" of the ARP frames NS received.
arp_seen() { awk '$1 == "arp" { print $2, $3 }' "/tmp/cap.$1"; }
check_eq "a gratuitous ARP request reaches c, as a bare 42-byte frame" \
	"1 42" "$(arp_seen c)"
check_eq "...the bytes after its message were cut (no marker)" \
	0 "$(marks c 25)"
check_eq "checksum offload: the report with its checksum in place arrives" \
	1 "$(marks c 27)"
check_eq "...one whose checksum would overwrite its source does not" \
	0 "$(marks c 28)"
check_eq "...nor does the ARP request (the gratuitous one came once)" \
	"1 42" "$(arp_seen c)"
check_eq "...both counted as malformed" $((mal0 + 2)) "$(drops malformed)"
check_eq "router solicitation with a's MAC in its option: b receives it" \
	1 "$(marks b 31)"
check_eq "...with another MAC: not delivered" 0 "$(marks b 32)"
check_eq "...counted as src_mac" $((sm0 + 1)) "$(drops src_mac)"
check_eq "...from :: with the option: not delivered" 0 "$(marks b 33)"
check_eq "...counted as link_invalid" $((li0 + 1)) "$(drops link_invalid)"

# ---- BIG TCP: GSO packets over 64 KB ----

# big: let a's and b's eth0 and the hypervisor's va and vb send and take
# GSO packets of up to 185000 bytes, and have TCP in a build packets of
# at least 100 segments: its pacing rate, which sizes them, is low under
# emulation.
big()
{
	local ns dev
	n a sysctl -qw net.ipv4.tcp_min_tso_segs=100 || return 1
	for ns in a b; do
		n "$ns" "$IP" link set dev eth0 gso_max_size 185000 \
			gro_max_size 185000 || return 1
	done
	for dev in va vb; do
		"$IP" link set dev "$dev" gso_max_size 185000 \
			gro_max_size 185000 || return 1
	done
}

# stream FROM TO ADDR PORT MB: MB megabytes cross a TCP connection,
# written a megabyte at a time so that TCP has big packets to send.
stream()
{
	local from=$1 to=$2 addr=$3 port=$4 mb=$5 pid
	rm -f /tmp/big
	n "$to" timeout 60 nc -l -p "$port" >/tmp/big &
	pid=$!
	STREAM_PIDS=$pid
	wait_for 50 is_listening "$to" "$port" || return 1
	n "$from" timeout 60 bash -c "exec 3<>/dev/tcp/$addr/$port
		dd if=/dev/zero bs=1M count=$mb 2>/dev/null >&3" || return 1
	wait $pid
	STREAM_PIDS=
	[ "$(stat -c %s /tmp/big)" = $((mb << 20)) ]
}

# port_num KEY: the first "KEY":N in segctl -j stats port va.
port_num()
{
	$SEGCTL -j stats port va | grep -o "\"$1\":[0-9]*" | head -1 |
		cut -d: -f2
}

check "GSO and GRO up to 185000 bytes on a, b, va and vb" big

# big_stream WHAT ADDR PORT: 8 MB from a to b at ADDR arrive, none
# dropped as malformed, and b received some of them in frames of over
# 64 KB (else BIG TCP was not exercised at all).  Whether TCP builds a
# packet of 100 segments depends on its window and on how busy the
# emulated CPU is, so up to three streams are sent: BIG TCP has to show
# in one of them.
big_stream()
{
	local what=$1 addr=$2 port=$3 mal0 p0 b0 p1 b1 nbig=0 try
	mal0=$(drops malformed)
	for try in 1 2 3; do
		p0=$(port_num rx_packets)
		b0=$(port_num rx_bytes)
		cap b 100
		sleep 1
		check "8 MB from a to b over $what arrive (stream $try)" \
			stream a b "$addr" "$port" 8
		cap_stop
		p1=$(port_num rx_packets)
		b1=$(port_num rx_bytes)
		nbig=$(awk '$1 == "big" { print $2 }' /tmp/cap.b)
		echo "# $what, stream $try: $((p1 - p0)) frames, $((b1 - b0)) bytes from a at va, $nbig over 64 KB at b"
		[ "$nbig" -gt 0 ] && break
	done
	check_eq "...none dropped as malformed" "$mal0" "$(drops malformed)"
	check_ge "...b received frames of over 64 KB (BIG TCP at work)" \
		1 "$nbig"
}

big_stream IPv6 fd02::2 5001

# IPv4 BIG TCP came with Linux 6.3; the guest's iproute2 cannot set its
# sizes, gso4set does.
big4()
{
	local ns dev
	for ns in a b; do
		n "$ns" "$TOOLS/gso4set" eth0 185000 || return 1
	done
	for dev in va vb; do
		"$TOOLS/gso4set" "$dev" 185000 || return 1
	done
}

kv=$(uname -r | awk -F. '{ print $1 * 1000 + $2 }')
if [ "$kv" -lt 6003 ]; then
	skip "IPv4 BIG TCP: not in Linux $(uname -r) (6.3 on)"
else
	check "IPv4 GSO and GRO up to 185000 bytes on a, b, va and vb" big4
	big_stream IPv4 10.2.0.2 5002
fi

finish
