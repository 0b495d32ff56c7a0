#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Broadcast and multicast across hosts: three hypervisors, each a network
# namespace with its own segfilter state and a VXLAN-GBP uplink, on one
# underlay (a bridge in hv1).  A flood from a VM goes to its host's other
# ports and, one copy per host, to the hosts that have endpoints of its
# domain, carrying the sender's group; the receiving host checks the
# sender as for unicast and floods its own ports only.
#
#           hv1                         hv2                      hv3
#   wa .11 (web)  ap1 .21 (app)   wb .12 (web)  db .32 (db)    b3 .12
#                                 bl .11 (blue)                 (blue)
#   vx0  ulbr 192.168.51.1        vx0  ul2 192.168.51.2    vx0  ul3 .3
#
#   domain shop, VNI 100, default allow: web 1, app 2, db 3
#     rule 10: web -> db deny; rules 20, 21: app -> web, app -> db deny
#   domain blue, VNI 200, default allow: web 1
#   Every host has both domains and knows the others' VMs as remote
#   endpoints; hv3 has no endpoint of shop.
#
# The VMs count what they receive to UDP port 9000 at 255.255.255.255
# and at 224.0.0.18 (the VRRP group), and real VRRP advertisements (IP
# protocol 112, TTL 255, to 224.0.0.18 and its MAC 01:00:5e:00:00:12),
# with nftables, before any socket; hv2 counts the VXLAN packets it
# receives by VNI and group id, and those that carry such an
# advertisement.

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

skip_on 6.12 "the module's own logic, the same on every kernel (6.1, debug)"


NFT=/usr/sbin/nft
UDPCAST=$TOOLS/udpcast
UL1=192.168.51.1
UL2=192.168.51.2
UL3=192.168.51.3
PORT=9000

# name host domain group MAC address
VMS="wa hv1 shop web 02:00:00:00:01:0b 10.3.0.11
ap1 hv1 shop app 02:00:00:00:01:15 10.3.0.21
wb hv2 shop web 02:00:00:00:01:0c 10.3.0.12
db hv2 shop db 02:00:00:00:01:20 10.3.0.32
bl hv2 blue web 02:00:00:00:02:0b 10.3.0.11
b3 hv3 blue web 02:00:00:00:02:0c 10.3.0.12"

trap cleanup_vms EXIT

# hv HOST ARGS...: segctl ARGS on hypervisor HOST, quiet unless it fails.
hv() { local h=$1; shift; n "$h" "$SEGCTL" "$@" >/dev/null; }

# hc HOST STATS-ARGS... KEY: one counter of "segctl stats ARGS" on HOST.
hc()
{
	local h=$1
	shift
	SEGCTL="$IP netns exec $h $SEGCTL" counter "$@"
}

# vm HOST NAME MAC ADDR: a VM namespace whose eth0 is the far end of the
# veth o<NAME> of HOST, counting the broadcasts and multicasts it gets.
vm()
{
	local h=$1 ns=$2 mac=$3 addr=$4
	quiet_ns "$ns"
	n "$h" "$IP" link add "o$ns" type veth peer name eth0 netns "$ns" &&
	host_port_up "o$ns" "$h" &&
	n "$ns" "$IP" link set eth0 address "$mac" &&
	n "$ns" "$IP" addr add "$addr/24" dev eth0 &&
	n "$ns" "$IP" link set eth0 up &&
	n "$ns" $NFT -f - <<-EOF
	table inet rec {
		counter b { }
		counter m { }
		counter v { }
		chain pre {
			type filter hook prerouting priority -300; policy accept;
			ip daddr 255.255.255.255 udp dport $PORT counter name b
			ip daddr 224.0.0.18 udp dport $PORT counter name m
			ether daddr 01:00:5e:00:00:12 ip daddr 224.0.0.18 ip protocol 112 ip ttl 255 counter name v
		}
	}
	EOF
}

got() { nft_counter "$1" inet rec "$2"; }

# got_at_least NS COUNTER MIN: NS's counter, once it reaches MIN or
# after 5 s.
got_at_least()
{
	local tries=50 v
	while v=$(got "$1" "$2") && [ "$v" -lt "$3" ] && [ $tries -gt 0 ]; do
		tries=$((tries - 1))
		sleep 0.1
	done
	echo "$v"
}

# send NS DST [COUNT]: COUNT (5) datagrams to DST:9000 out of NS's eth0.
send() { n "$1" "$UDPCAST" send -i eth0 -n "${3:-5}" "$2" $PORT bum >/dev/null; }

# hypervisor HOST DEV ADDR: its underlay address on DEV, its uplink.
hypervisor()
{
	local h=$1 dev=$2 addr=$3
	n "$h" "$IP" addr add "$addr/24" dev "$dev" &&
	n "$h" "$IP" link set "$dev" up &&
	n "$h" "$IP" link add vx0 type vxlan external gbp dstport 4789 &&
	n "$h" "$IP" link set vx0 up &&
	n "$h" $NFT -f - <<-EOF
	table inet wire {
		counter shop_web { }
		counter shop_web_vrrp { }
		chain in {
			type filter hook input priority 0; policy accept;
			udp dport 4789 @th,64,8 0x88 @th,80,16 1 @th,96,24 100 counter name shop_web
			udp dport 4789 @th,64,8 0x88 @th,80,16 1 @th,96,24 100 @th,128,48 0x01005e000012 @th,224,16 0x0800 @th,304,16 0xff70 @th,368,32 0xe0000012 counter name shop_web_vrrp
		}
	}
	EOF
}

cat >/tmp/bum.batch <<EOF
domain add shop id 1 default allow vni 100
domain add blue id 2 default allow vni 200
group add web id 1 domain shop
group add app id 2 domain shop
group add db id 3 domain shop
group add web id 1 domain blue
rule add id 10 domain shop from web to db action deny
rule add id 20 domain shop from app to web action deny
rule add id 21 domain shop from app to db action deny
EOF

setup()
{
	local name h dom grp mac addr other there
	module_reload
	quiet_ns hv1
	quiet_ns hv2
	quiet_ns hv3
	n hv1 "$IP" link add ulbr type bridge &&
	n hv1 "$IP" link add u2 type veth peer name ul2 netns hv2 &&
	n hv1 "$IP" link add u3 type veth peer name ul3 netns hv3 &&
	n hv1 "$IP" link set u2 master ulbr up &&
	n hv1 "$IP" link set u3 master ulbr up &&
	hypervisor hv1 ulbr $UL1 &&
	hypervisor hv2 ul2 $UL2 &&
	hypervisor hv3 ul3 $UL3 || return 1
	for h in hv1 hv2 hv3; do
		hv $h -b /tmp/bum.batch &&
		hv $h port attach vx0 role uplink || return 1
	done
	while read -r -u 3 name h dom grp mac addr; do
		vm "$h" "$name" "$mac" "$addr" &&
		hv "$h" port attach "o$name" domain "$dom" &&
		hv "$h" endpoint add "$mac" domain "$dom" group "$grp" \
			port "o$name" ip "$addr" || return 1
		there=$UL1
		[ "$h" = hv2 ] && there=$UL2
		[ "$h" = hv3 ] && there=$UL3
		for other in hv1 hv2 hv3; do
			[ "$other" = "$h" ] && continue
			hv "$other" endpoint add "$mac" domain "$dom" \
				group "$grp" port vx0 ip "$addr" \
				remote "$there" || return 1
		done
	done 3<<<"$VMS"
	n hv1 ping -c 1 -W 2 $UL2 >/dev/null &&
	n hv1 ping -c 1 -W 2 $UL3 >/dev/null
}

if ! setup; then
	fail "set up three hypervisors on one underlay"
	finish
fi
pass "set up three hypervisors on one underlay"

# ---- a broadcast from hv1 ----

wb0=$(got wb b) ap0=$(got ap1 b)
tx=$(hc hv1 port vx0 tx_packets)
wire=$(nft_counter hv2 inet wire shop_web)
rx3=$(hc hv3 port vx0 rx_packets)
deny2=$(hc hv2 domain shop rule_deny)
check "wa (hv1, web) sends 5 UDP broadcasts" send wa 255.255.255.255
check_eq "...which wb (hv2, web) receives" $((wb0 + 5)) \
	"$(got_at_least wb b $((wb0 + 5)))"
check_eq "...as does ap1, on hv1" $((ap0 + 5)) "$(got_at_least ap1 b $((ap0 + 5)))"
check_eq "...in one copy each, to hv2 alone: hv1's uplink sent 5" \
	$((tx + 5)) "$(hc hv1 port vx0 tx_packets)"
check_ge "...VNI 100 with web's group id on the wire" $((wire + 5)) \
	"$(nft_counter hv2 inet wire shop_web)"
check_eq "...not db (hv2): web -> db denied" 0 "$(got db b)"
check_ge "...judged on hv2, which counts rule_deny" $((deny2 + 5)) \
	"$(hc hv2 domain shop rule_deny)"
check_eq "...not bl (hv2), of domain blue" 0 "$(got bl b)"
check_eq "...and hv3, with no endpoint of shop, got no copy" "$rx3" \
	"$(hc hv3 port vx0 rx_packets)"
check_eq "...nor b3, of blue, there" 0 "$(got b3 b)"

# ---- a multicast from hv2, back ----

wa0=$(got wa m) ap0=$(got ap1 m)
tx=$(hc hv1 port vx0 tx_packets)
check "wb (hv2) sends 5 datagrams to 224.0.0.18" send wb 224.0.0.18
check_eq "...which wa (hv1) receives" $((wa0 + 5)) \
	"$(got_at_least wa m $((wa0 + 5)))"
check_eq "...and ap1 (hv1, app: web -> app allowed)" $((ap0 + 5)) \
	"$(got_at_least ap1 m $((ap0 + 5)))"
check_eq "...hv1 sent none of it back to the overlay" "$tx" \
	"$(hc hv1 port vx0 tx_packets)"
check_eq "...db, on hv2 with wb, got none (web -> db)" 0 "$(got db m)"
check_eq "...nor bl" 0 "$(got bl m)"

# ---- a real VRRP advertisement from hv1 ----
# Not UDP: IP protocol 112, which segfilter parses no further than the
# IP header, judged by rules of any protocol (a rule cannot name 112).

wb0=$(got wb v) ap0=$(got ap1 v) db0=$(got db v)
wire=$(nft_counter hv2 inet wire shop_web_vrrp)
deny2=$(hc hv2 domain shop rule_deny)
check "wa (hv1, web) sends 5 VRRP advertisements (tests/tools/vrrpsend)" \
	n wa "$TOOLS/vrrpsend" -i eth0 -n 5 10.3.0.100
check_eq "...which wb (hv2, web) receives, TTL 255 to 01:00:5e:00:00:12" \
	$((wb0 + 5)) "$(got_at_least wb v $((wb0 + 5)))"
check_eq "...as does ap1, on hv1 (web -> app allowed)" $((ap0 + 5)) \
	"$(got_at_least ap1 v $((ap0 + 5)))"
check_ge "...VNI 100 and web's group id on the wire, the VRRP packet inside" \
	$((wire + 5)) "$(nft_counter hv2 inet wire shop_web_vrrp)"
check_eq "...not db (hv2): web -> db denied" "$db0" "$(got db v)"
check_ge "...which hv2 counts as rule_deny" $((deny2 + 5)) \
	"$(hc hv2 domain shop rule_deny)"
check_eq "...nor bl (hv2), of domain blue" 0 "$(got bl v)"

# ---- the receiving host checks a flood's sender as for unicast ----

# inject GROUP: one crafted broadcast from wa's host, as wa's, with
# GROUP's id, to hv2 (tests/tools/vxinject).
inject()
{
	n hv1 "$TOOLS/vxinject" -g "$1" $UL2 100 02:00:00:00:01:0b \
		ff:ff:ff:ff:ff:ff 10.3.0.11 255.255.255.255 $PORT
}

# mismatched N: hv2 has counted more than N group_mismatch drops in shop.
mismatched() { [ "$(hc hv2 domain shop group_mismatch)" -gt "$1" ]; }

wb0=$(got wb b) mis=$(hc hv2 domain shop group_mismatch)
check "hv1 sends hv2 wa's broadcast with db's group id" inject 3
wait_for 50 mismatched "$mis"
check_ge "...hv2 drops it as group_mismatch" $((mis + 1)) \
	"$(hc hv2 domain shop group_mismatch)"
check_eq "...and wb got nothing" "$wb0" "$(got wb b)"
check "the same with web's group id" inject 1
check_eq "...reaches wb" $((wb0 + 1)) "$(got_at_least wb b $((wb0 + 1)))"

# ---- what no group there may receive stays ----

rx2=$(hc hv2 port vx0 rx_packets)
deny1=$(hc hv1 domain shop rule_deny)
wb0=$(got wb b)
check "ap1 (hv1, app) sends 5 broadcasts" send ap1 255.255.255.255
check_ge "...denied to web and db: hv1 counts rule_deny" $((deny1 + 5)) \
	"$(hc hv1 domain shop rule_deny)"
sleep 0.5
check_eq "...and sends hv2 no copy: its uplink received nothing" "$rx2" \
	"$(hc hv2 port vx0 rx_packets)"
check_eq "...wb got none" "$wb0" "$(got wb b)"

# ---- link plumbing stays on its host ----

rx2=$(hc hv2 port vx0 rx_packets)
rx3=$(hc hv3 port vx0 rx_packets)
unk=$(hc hv1 domain shop neigh_unknown)
check_fails "wa resolves 10.3.0.99, no endpoint's: no answer" \
	n wa ping -c 1 -W 1 10.3.0.99
check_ge "...its ARP request dropped on hv1 as neigh_unknown" $((unk + 1)) \
	"$(hc hv1 domain shop neigh_unknown)"
check_eq "...and not copied to hv2" "$rx2" "$(hc hv2 port vx0 rx_packets)"
check_eq "...nor hv3" "$rx3" "$(hc hv3 port vx0 rx_packets)"

# ---- the domain's limit on copies to other hosts ----

check_eq "a domain's bum-limit is 1000 a second unless set" 1000 \
	"$(n hv1 "$SEGCTL" save | sed -n 's/^domain add shop .* bum-limit \([0-9]*\).*/\1/p')"
check_fails "bum-limit 1000001 is refused" \
	n hv1 "$SEGCTL" domain set shop bum-limit 1000001
check "hv1 sets shop's bum-limit to 0" hv hv1 domain set shop bum-limit 0
lim=$(hc hv1 domain shop bum_limit) wb0=$(got wb b) ap0=$(got ap1 b)
check "wa sends 5 broadcasts" send wa 255.255.255.255
check_eq "...ap1, on hv1, receives them" $((ap0 + 5)) \
	"$(got_at_least ap1 b $((ap0 + 5)))"
check_eq "...the 5 copies for hv2 are counted as bum_limit" $((lim + 5)) \
	"$(hc hv1 domain shop bum_limit)"
check_eq "...and wb got none" "$wb0" "$(got wb b)"
check "hv1 sets shop's bum-limit to 1 a second" \
	hv hv1 domain set shop bum-limit 1
lim=$(hc hv1 domain shop bum_limit) wb0=$(got wb b)
check "wa sends 10 broadcasts, 20 ms apart" send wa 255.255.255.255 10
sleep 0.5
dropped=$(($(hc hv1 domain shop bum_limit) - lim))
arrived=$(($(got wb b) - wb0))
check_ge "...at least 5 of the copies are dropped as bum_limit" 5 \
	"$dropped"
check_eq "...and the others reach wb" 10 $((dropped + arrived))
check_ge "...some of them" 1 "$arrived"
hv hv1 domain set shop bum-limit 1000

# ---- an endpoint that moves takes its host's copies with it ----
# On hv1, shop's VMs of hv2 move to hv3 (a migration, as hv1 sees it):
# the next broadcast goes to hv3, not hv2, with no other change.
printf 'endpoint move %s domain shop port vx0 remote %s\n' \
	02:00:00:00:01:0c $UL3 02:00:00:00:01:20 $UL3 >/tmp/bum.move
check "hv1: wb and db move to hv3 (endpoint move)" hv hv1 -b /tmp/bum.move
wire=$(nft_counter hv2 inet wire shop_web)
rx3=$(hc hv3 port vx0 rx_packets)
check "wa sends 5 broadcasts" send wa 255.255.255.255
check_ge "...hv3 gets the copies now" $((rx3 + 5)) \
	"$(hc hv3 port vx0 rx_packets)"
check_eq "...hv2 none" "$wire" "$(nft_counter hv2 inet wire shop_web)"
printf 'endpoint move %s domain shop port vx0 remote %s\n' \
	02:00:00:00:01:0c $UL2 02:00:00:00:01:20 $UL2 >/tmp/bum.move
hv hv1 -b /tmp/bum.move

# ---- at most 64 other hosts per domain ----

{
	echo "domain add wide id 3 vni 300"
	echo "group add g id 1 domain wide"
	for i in $(seq 1 64); do
		printf 'endpoint add 02:00:00:00:03:%02x domain wide group g port vx0 ip 10.4.0.%d remote 192.168.60.%d\n' \
			"$i" "$i" "$i"
	done
} >/tmp/bum.wide
check "a domain takes endpoints on 64 other hosts" hv hv1 -b /tmp/bum.wide
check_err "...one on a 65th is refused" "" "more than 64 other hosts" \
	n hv1 "$SEGCTL" endpoint add 02:00:00:00:03:41 domain wide group g \
	port vx0 ip 10.4.0.65 remote 192.168.60.65
check_eq "...and not added: the domain has its 64" 64 \
	"$(n hv1 "$SEGCTL" endpoint show domain wide | grep -ci 02:00:00:00:03:)"
check "...one more on a host it has is taken" hv hv1 endpoint add \
	02:00:00:00:03:42 domain wide group g port vx0 ip 10.4.0.66 \
	remote 192.168.60.1

finish
