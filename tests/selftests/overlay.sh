#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Distributed domains: two hypervisors, each a network namespace with
# its own segfilter state, joined by one VXLAN-GBP uplink each.  A
# domain is a VNI on the wire and the GBP field carries the sender's
# group; the receiving host checks both against where and who the sender
# is, then judges the policy again.
#
#              hv1                                        hv2
#   wb1 .11  ap1 .21  mob .23  bl1 .11      wb2 .12  ap2 .22  db2 .32  bl2 .22  [ofw]
#    |owb1    |oap1    |omob    |obl1        |owb2    |oap2    |odb2    |obl2  ofw-l|ofw-r
#   +-------------------------------+      +---------------------------------------+
#   |  segfilter       vx0 (uplink) |      | vx0 (uplink)       segfilter          |
#   +--------------------+----------+      +-------+-------------------------------+
#                        |ul1 192.168.50.1         |ul2 192.168.50.2
#                        +-------- underlay -------+   (veth, MTU 1600)
#
#   domain shop, VNI 100, default deny: groups web 1, app 2, db 3
#   domain blue, VNI 200, default allow: group web 1; bl1 and bl2 have
#   the addresses of wb1 and ap2
#   VM addresses 10.2.0.N/24 (one subnet, no gateway), MAC
#   02:00:00:00:0D:NN with D the domain (1 shop, 2 blue), NN the last
#   octet of the address in hex
#
# Both hosts get the same domains, groups, rules, service and chain; each
# attaches its own VMs' ports and knows the other's VMs as remote
# endpoints (port vx0 remote ADDR).  The firewall instance ofw exists on
# hv2 only.  mob moves from hv1 to hv2 halfway through.
#
#   rule 10: web -> app tcp 8080 allow
#   rule 11: web -> app udp 7000 allow       (the crafted packets' port)
#   rule 20: app -> db  tcp 5432 allow
#   rule 30: web -> db  tcp 5432 redirect inspect (service fw)
#   rule 40: app -> web deny                  (prio 200)
#   rule 50: icmp type 8 allow                (prio 300)
#
# What arrived is read in the VMs (nftables counters and sets of the UDP
# source ports to 7000 they received, which they drop so as to answer
# nothing; their ICMP counters), on the wire (nftables counters of each
# hypervisor's VXLAN packets by flags, group id and VNI) and in the
# firewall; why something was dropped from segctl's counters on each
# host.

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

NFT=/usr/sbin/nft
VXINJECT=$TOOLS/vxinject
UL1=192.168.50.1
UL2=192.168.50.2
ROGUE=192.168.50.3	# hv1's too, but no endpoint's host

WB1=02:00:00:00:01:0b
AP2=02:00:00:00:01:16
MOB=02:00:00:00:01:17
BL1=02:00:00:00:02:0b
BL2=02:00:00:00:02:16

# name host domain group MAC address; port o<name> on its host
VMS="wb1 hv1 shop web $WB1 10.2.0.11
ap1 hv1 shop app 02:00:00:00:01:15 10.2.0.21
mob hv1 shop app $MOB 10.2.0.23
bl1 hv1 blue web $BL1 10.2.0.11
wb2 hv2 shop web 02:00:00:00:01:0c 10.2.0.12
ap2 hv2 shop app $AP2 10.2.0.22
db2 hv2 shop db 02:00:00:00:01:20 10.2.0.32
bl2 hv2 blue web $BL2 10.2.0.22"

BG_PIDS=

cleanup()
{
	kill $BG_PIDS 2>/dev/null
	cleanup_vms
}
trap cleanup EXIT

# hv HOST ARGS...: segctl ARGS on hypervisor HOST, quiet unless it fails.
hv() { local h=$1; shift; n "$h" "$SEGCTL" "$@" >/dev/null; }

# hc HOST STATS-ARGS... KEY: one counter of "segctl stats ARGS" on HOST.
hc()
{
	local h=$1
	shift
	SEGCTL="$IP netns exec $h $SEGCTL" counter "$@"
}

# wait_counter MIN HOST STATS-ARGS... KEY: that counter once it reaches
# MIN, or as it is after 5 s.
wait_counter()
{
	local min=$1 tries=50 v
	shift
	while v=$(hc "$@") && [ "$v" -lt "$min" ] && [ $tries -gt 0 ]; do
		tries=$((tries - 1))
		sleep 0.1
	done
	echo "$v"
}

# vm HOST NAME MAC ADDR: a VM namespace whose eth0 is the far end of the
# veth o<NAME> of HOST.
vm()
{
	local h=$1 ns=$2 mac=$3 addr=$4
	quiet_ns "$ns"
	n "$h" "$IP" link add "o$ns" type veth peer name eth0 netns "$ns" &&
	host_port_up "o$ns" "$h" &&
	n "$ns" "$IP" link set eth0 address "$mac" &&
	n "$ns" "$IP" addr add "$addr/24" dev eth0 &&
	n "$ns" "$IP" link set eth0 up
}

# udp_listen NS: NS records the source port of every UDP datagram to
# port 7000 it receives, and drops it, so that nothing answers.
udp_listen()
{
	n "$1" $NFT -f - <<-EOF
	table inet rec {
		counter got { }
		set seen { type inet_service; flags dynamic; size 1024; }
		chain in {
			type filter hook input priority 0; policy accept;
			udp dport 7000 add @seen { udp sport } counter name got drop
		}
	}
	EOF
}

# udp_seen NS SPORT: NS received a datagram to 7000 from source port SPORT.
udp_seen() { n "$1" "$NFT" list set inet rec seen | grep -qw "$2"; }
udp_got() { nft_counter "$1" inet rec got; }

# wire_counters HOST: count the VXLAN packets HOST receives, by the
# flags (G|I), group id and VNI of their VXLAN-GBP header.
wire_counters()
{
	n "$1" $NFT -f - <<-EOF
	table inet wire {
		counter shop_web { }
		counter shop_app { }
		counter blue_web { }
		chain in {
			type filter hook input priority 0; policy accept;
			udp dport 4789 @th,64,8 0x88 @th,80,16 1 @th,96,24 100 counter name shop_web
			udp dport 4789 @th,64,8 0x88 @th,80,16 2 @th,96,24 100 counter name shop_app
			udp dport 4789 @th,64,8 0x88 @th,80,16 1 @th,96,24 200 counter name blue_web
		}
	}
	EOF
}

wire() { nft_counter "$1" inet wire "$2"; }

# A transparent firewall on hv2, as service.sh's: a bridge between eth0
# (left, port ofw-l) and eth1 (right, ofw-r) that counts the TCP frames
# it carries each way and drops what chain gate says.
firewall()
{
	svc_ns ofw shop hv2 || return 1
	svc_bridge ofw
	n ofw $NFT -f - <<-EOF
	table bridge svc {
		counter ltr { }
		counter rtl { }
		chain gate { }
		chain pass {
			type filter hook forward priority 0; policy accept;
			jump gate
			iifname "eth0" ip protocol tcp counter name ltr
			iifname "eth1" ip protocol tcp counter name rtl
		}
	}
	EOF
}

fw_packets() { nft_counter ofw bridge svc "$1"; }

# A hypervisor: its namespace, its uplink (attached by configure).
hypervisor()
{
	local h=$1 ul=$2 addr=$3
	n "$h" "$IP" link set "$ul" mtu 1600 &&
	n "$h" "$IP" addr add "$addr/24" dev "$ul" &&
	n "$h" "$IP" link set "$ul" up &&
	n "$h" "$IP" link add vx0 type vxlan external gbp dstport 4789 &&
	n "$h" "$IP" link set vx0 up &&
	wire_counters "$h"
}

# What both hosts configure alike.
cat >/tmp/overlay.batch <<EOF
domain add shop id 1 default deny vni 100
domain add blue id 2 default allow vni 200
group add web id 1 domain shop
group add app id 2 domain shop
group add db id 3 domain shop
group add web id 1 domain blue
service add fw domain shop mode transparent
chain add inspect domain shop services fw
rule add id 10 domain shop prio 100 from web to app proto tcp port 8080 action allow
rule add id 11 domain shop prio 100 from web to app proto udp port 7000 action allow
rule add id 20 domain shop prio 100 from app to db proto tcp port 5432 action allow
rule add id 30 domain shop prio 100 from web to db proto tcp port 5432 action redirect inspect
rule add id 40 domain shop prio 200 from app to web action deny
rule add id 50 domain shop prio 300 proto icmp type 8 action allow
EOF

setup()
{
	local name h dom grp mac addr other there
	module_reload
	quiet_ns hv1
	quiet_ns hv2
	n hv1 "$IP" link add ul1 type veth peer name ul2 netns hv2 &&
	hypervisor hv1 ul1 $UL1 &&
	hypervisor hv2 ul2 $UL2 || return 1
	for h in hv1 hv2; do
		hv $h -b /tmp/overlay.batch &&
		hv $h port attach vx0 role uplink || return 1
	done
	while read -r -u 3 name h dom grp mac addr; do
		other=hv2 there=$UL1
		[ "$h" = hv2 ] && other=hv1 there=$UL2
		vm "$h" "$name" "$mac" "$addr" &&
		hv "$h" port attach "o$name" domain "$dom" &&
		hv "$h" endpoint add "$mac" domain "$dom" group "$grp" \
			port "o$name" ip "$addr" &&
		hv "$other" endpoint add "$mac" domain "$dom" group "$grp" \
			port vx0 ip "$addr" remote "$there" || return 1
	done 3<<<"$VMS"
	firewall &&
	hv hv2 service instance add fw 1 domain shop left ofw-l right ofw-r &&
	udp_listen ap2 &&
	udp_listen bl2
}

if ! setup; then
	fail "set up two hypervisors joined by VXLAN-GBP uplinks"
	finish
fi
pass "set up two hypervisors joined by VXLAN-GBP uplinks"

check "the underlay: hv1 reaches hv2" n hv1 ping -c 1 -W 2 $UL2

# ---- uplinks and VNIs refused ----

n hv1 "$IP" link add obad type veth peer name obad-p
n hv1 "$IP" link add vxplain type vxlan external dstport 4790
check_err "a veth is refused as an uplink" "" "not a VXLAN device" \
	n hv1 "$SEGCTL" port attach obad role uplink
check_err "a VXLAN device without gbp is refused as an uplink" "" "gbp" \
	n hv1 "$SEGCTL" port attach vxplain role uplink
check_fails "a second domain with VNI 100 on one host is refused" \
	n hv1 "$SEGCTL" domain add dup id 9 vni 100
n hv1 "$IP" link del obad
n hv1 "$IP" link del vxplain

# ---- policy across hosts ----

a1=$(hc hv1 domain shop arp_replies)
check "wb1 (hv1) pings ap2 (hv2)" ping4 wb1 10.2.0.22
check "...with ap2's MAC, from hv1's ARP reply" sh -c \
	"$IP netns exec wb1 $IP neigh show 10.2.0.22 | grep -q $AP2"
check_ge "...which hv1 answered itself" $((a1 + 1)) \
	"$(hc hv1 domain shop arp_replies)"
check "wb1 (hv1) -> ap2:8080 (hv2), web to app" tcp_ok wb1 ap2 10.2.0.22 8080
check_ge "...on the wire: VNI 100 with web's group id" 3 "$(wire hv2 shop_web)"
check_ge "...and the replies with app's" 2 "$(wire hv1 shop_app)"
check_ge "...received by hv2's uplink" 3 "$(hc hv2 port vx0 rx_packets)"
check "wb2 (hv2) -> ap1:8080 (hv1), the other way round" \
	tcp_ok wb2 ap1 10.2.0.21 8080
check "ap1 (hv1) -> db2:5432 (hv2), app to db" tcp_ok ap1 db2 10.2.0.32 5432
for h in hv1 hv2; do
	check_eq "$h's uplink dropped none of it" 0 \
		"$(hc $h port vx0 dropped)"
done

sleep 1		# the last ACKs of those connections
rx=$(hc hv2 port vx0 rx_packets)
before=$(hc hv1 domain shop default_deny)
check "wb1 (hv1) -> db2:3306 (hv2), no rule: nothing arrives" \
	tcp_blocked wb1 db2 10.2.0.32 3306
check_ge "...dropped at its source, hv1, as default_deny" $((before + 1)) \
	"$(hc hv1 domain shop default_deny)"
before=$(hc hv1 domain shop rule_deny)
check "ap1 (hv1) -> wb2:8080 (hv2), app to web denied: nothing arrives" \
	tcp_blocked ap1 wb2 10.2.0.12 8080
check_ge "...dropped at its source, hv1, as rule_deny" $((before + 1)) \
	"$(hc hv1 domain shop rule_deny)"
check_eq "...and hv2's uplink received nothing of either" "$rx" \
	"$(hc hv2 port vx0 rx_packets)"

# ---- what the receiving host believes ----

# inject [-g GROUP] [-b ADDR] -s SPORT VNI SRC_MAC DST_MAC SRC_IP DST_IP:
# one crafted VXLAN packet from hv1 to hv2's uplink, its inner frame a
# UDP datagram from SPORT to port 7000.
inject()
{
	local opts=()
	while [ "${1#-}" != "$1" ]; do
		opts+=("$1" "$2")
		shift 2
	done
	n hv1 "$VXINJECT" "${opts[@]}" $UL2 "$1" "$2" "$3" "$4" "$5" 7000 \
		"from overlay.sh"
}

# dropped_as REASON DESCRIPTION INJECT-ARGS...: the crafted packet is
# dropped by hv2 as REASON, on its uplink and in domain shop.
dropped_as()
{
	local reason=$1 desc=$2 p d
	shift 2
	p=$(hc hv2 port vx0 "$reason")
	d=$(hc hv2 domain shop "$reason")
	inject "$@"
	check_ge "$desc: $reason on hv2's uplink" $((p + 1)) \
		"$(wait_counter $((p + 1)) hv2 port vx0 "$reason")"
	check_ge "...and in domain shop" $((d + 1)) \
		"$(hc hv2 domain shop "$reason")"
}

got=$(udp_got ap2)
dropped_as group_mismatch "wb1 -> ap2 with db's group id" \
	-g 3 -s 41001 100 $WB1 $AP2 10.2.0.11 10.2.0.22
check_fails "...not delivered" udp_seen ap2 41001
inject -g 1 -s 41002 100 $WB1 $AP2 10.2.0.11 10.2.0.22
check "the same with web's group id is delivered to ap2" \
	wait_for 50 udp_seen ap2 41002
check_eq "...once" $((got + 1)) "$(udp_got ap2)"
dropped_as group_mismatch "wb1 -> ap2 without a group id" \
	-s 41003 100 $WB1 $AP2 10.2.0.11 10.2.0.22
check_fails "...not delivered" udp_seen ap2 41003
p=$(hc hv2 port vx0 unknown_vni)
inject -g 1 -s 41004 999 $WB1 $AP2 10.2.0.11 10.2.0.22
check_ge "a VNI no domain has: unknown_vni on hv2's uplink" $((p + 1)) \
	"$(wait_counter $((p + 1)) hv2 port vx0 unknown_vni)"
check_eq "...counted on the uplink only" 0 \
	"$(hc hv2 domain shop unknown_vni)"
check_fails "...not delivered" udp_seen ap2 41004
n hv1 "$IP" addr add $ROGUE/24 dev ul1
dropped_as wrong_host "wb1 -> ap2, web's group id, but from $ROGUE" \
	-g 1 -b $ROGUE -s 41005 100 $WB1 $AP2 10.2.0.11 10.2.0.22
check_fails "...not delivered" udp_seen ap2 41005
n hv1 "$IP" addr del $ROGUE/24 dev ul1
# The right one opened a flow on hv2: a forgery of it is still checked.
got=$(udp_got ap2)
dropped_as group_mismatch "the delivered datagram's flow again, db's group id" \
	-g 3 -s 41002 100 $WB1 $AP2 10.2.0.11 10.2.0.22
check_eq "...not delivered" "$got" "$(udp_got ap2)"

# ---- a second domain with the same addresses ----

e_ap2=$(in_echos ap2)
e_bl2=$(in_echos bl2)
check "blue: bl1 (hv1) pings 10.2.0.22, bl2 (hv2)" ping4 bl1 10.2.0.22
check_ge "...bl2 got the echo requests" $((e_bl2 + 2)) "$(in_echos bl2)"
check_eq "...ap2, shop's 10.2.0.22, none of them" "$e_ap2" "$(in_echos ap2)"
check "blue: bl1 -> bl2:8080 across the hosts" tcp_ok bl1 bl2 10.2.0.22 8080
check_ge "...on the wire with VNI 200" 3 "$(wire hv2 blue_web)"
n bl1 "$TOOLS/udpflows" send 10.2.0.22 7000 1 42000 300 >/dev/null 2>&1
n wb1 "$TOOLS/udpflows" send 10.2.0.22 7000 1 42001 300 >/dev/null 2>&1
check "blue's datagram to 10.2.0.22:7000 reaches bl2" \
	wait_for 50 udp_seen bl2 42000
check_fails "...and not ap2" udp_seen ap2 42000
check "shop's reaches ap2" wait_for 50 udp_seen ap2 42001
check_fails "...and not bl2" udp_seen bl2 42001

p=$(hc hv2 port vx0 src_mac)
d=$(hc hv2 domain blue src_mac)
inject -g 1 -s 41010 200 $WB1 $BL2 10.2.0.11 10.2.0.22
check_ge "shop's wb1 as the source on VNI 200: src_mac on hv2's uplink" \
	$((p + 1)) "$(wait_counter $((p + 1)) hv2 port vx0 src_mac)"
check_ge "...and in domain blue" $((d + 1)) "$(hc hv2 domain blue src_mac)"
check_fails "...not delivered to bl2" udp_seen bl2 41010
check_fails "...nor to ap2" udp_seen ap2 41010
inject -g 1 -s 41011 200 $BL1 $BL2 10.2.0.11 10.2.0.22
check "...while bl1 as the source is delivered to bl2" \
	wait_for 50 udp_seen bl2 41011
dropped_as src_mac "blue's bl1 as the source on VNI 100" \
	-g 1 -s 41012 100 $BL1 $AP2 10.2.0.11 10.2.0.22
check_fails "...not delivered to ap2" udp_seen ap2 41012

# ---- redirect to a firewall on the responder's host ----

check "hv2's firewall instance is up" wait_for 50 sh -c \
	"$IP netns exec hv2 $SEGCTL service instance show domain shop | grep -qE 'instance 1 service fw .*state up'"
check "wb1 (hv1) -> db2:5432 (hv2), redirected to fw" \
	tcp_ok wb1 db2 10.2.0.32 5432
check_ge "...the firewall on hv2 saw it left to right" 3 "$(fw_packets ltr)"
check_ge "...and the replies right to left" 2 "$(fw_packets rtl)"
check_ge "...hv2 redirected it" 5 "$(hc hv2 domain shop redirected)"
check_eq "...hv1, the opener's host, sent it straight over the overlay" 0 \
	"$(hc hv1 domain shop redirected)"
check_eq "...and had no chain_down for want of an instance" 0 \
	"$(hc hv1 domain shop chain_down)"
before=$(fw_packets ltr)
check "ap1 -> db2:5432, app to db, allowed" tcp_ok ap1 db2 10.2.0.32 5432
check_eq "...never crosses the firewall" "$before" "$(fw_packets ltr)"
n ofw $NFT add rule bridge svc gate tcp dport 5432 drop
check "a drop rule inside the firewall blocks wb1 -> db2:5432" \
	tcp_blocked wb1 db2 10.2.0.32 5432
n ofw $NFT flush chain bridge svc gate
check "...and lifting it lets it through again" tcp_ok wb1 db2 10.2.0.32 5432

# ---- mobility: mob moves from hv1 to hv2 ----

# located HOST MAC WORD...: the endpoint's line in HOST's "segctl
# endpoint show" has every WORD ("group app") and none of the !WORDs.
located()
{
	local line w
	line=$(n "$1" "$SEGCTL" endpoint show domain shop | grep -i "^endpoint $2 ")
	echo "$line"
	[ -n "$line" ] || return 1
	shift 2
	for w in "$@"; do
		case $w in
		!*) case "$line " in *" ${w#!} "*) return 1 ;; esac ;;
		*) case "$line " in *" $w "*) ;; *) return 1 ;; esac ;;
		esac
	done
}

check "wb1 -> mob:8080, both on hv1" tcp_ok wb1 mob 10.2.0.23 8080
before=$(hc hv1 domain shop rule_deny)
check "mob -> wb1:8080, app to web, is denied" tcp_blocked mob wb1 10.2.0.11 8080
check_ge "...on hv1, as rule_deny" $((before + 1)) \
	"$(hc hv1 domain shop rule_deny)"

# (1) hv2 prepares mob's new port (the VM's new NIC, down for now).
n hv2 "$IP" link add omob2 type veth peer name eth1 netns mob
host_port_up omob2 hv2
n mob "$IP" link set eth1 address $MOB
hv hv2 port attach omob2 domain shop

# A connection wb1 -> mob that stays open across the move: one line
# before, one after, on the same connection (nc -l takes only one).
rm -f /tmp/ovl.moved /tmp/ovl.mob
sleep 90 | "$IP" netns exec mob timeout 90 nc -l -p 8080 >/tmp/ovl.mob &
BG_PIDS="$BG_PIDS $!"
wait_for 50 is_listening mob 8080
{
	echo "before the move"
	wait_for 600 test -e /tmp/ovl.moved
	echo "after the move"
	sleep 2
} | "$IP" netns exec wb1 timeout 90 nc 10.2.0.23 8080 &
BG_PIDS="$BG_PIDS $!"
check "an open connection wb1 -> mob carries a line" \
	wait_for 50 grep -q "before the move" /tmp/ovl.mob

# stamp: each line read, after the uptime at which it came.
stamp()
{
	local line up
	while IFS= read -r line; do
		read -r up _ </proc/uptime
		echo "$up $line"
	done
}

# And a ping every 100 ms, each reply stamped with when it came.
"$IP" netns exec wb1 ping -i 0.1 10.2.0.23 > >(stamp >/tmp/ovl.ping) 2>&1 &
ping_pid=$!
BG_PIDS="$BG_PIDS $ping_pid"
replies() { grep -c 'seq=' /tmp/ovl.ping; }
replies_ge() { [ "$(replies)" -ge "$1" ]; }
check "wb1 pings mob every 100 ms" wait_for 50 replies_ge 5

move()
{
	# (2) The VM runs behind its new NIC: the same MAC and address,
	# the old one gone down.
	n mob "$IP" -batch - <<-EOF &&
	addr flush dev eth0
	link set eth0 down
	addr add 10.2.0.23/24 dev eth1
	link set eth1 up
	EOF
	# (3) hv2: remote -> local.
	hv hv2 endpoint move "$MOB" domain shop port omob2 &&
	# (4) hv1: local -> remote, at hv2.
	hv hv1 endpoint move "$MOB" domain shop port vx0 remote "$UL2" &&
	# (5) hv1 detaches the old port, which has no endpoint any more.
	hv hv1 port detach omob
}
check "move mob to hv2: new NIC up, endpoint moved on both hosts" move
moved_at=$(replies)
touch /tmp/ovl.moved
check "...the open connection carries its next line: it survived" \
	wait_for 100 grep -q "after the move" /tmp/ovl.mob
check "...the pings resume" wait_for 100 replies_ge $((moved_at + 10))
kill -INT $ping_pid 2>/dev/null
wait $ping_pid
# The longest time between two replies, in ms, and the requests lost.
read -r gap lost < <(awk 'match($0, /seq=[0-9]+/) {
		seq = substr($0, RSTART + 4, RLENGTH - 4)
		if (n++ && $1 - t > max)
			max = $1 - t
		if (n == 1)
			first = seq
		t = $1
		last = seq
	}
	END { printf "%d %d\n", n < 2 ? 999999 : max * 1000, last - first + 1 - n }' \
	/tmp/ovl.ping)
echo "# mobility: longest gap between echo replies ${gap} ms," \
	"$lost echo requests lost, $(replies) replies ($moved_at before the move)"
check_ge "...the longest gap between replies is under 5 s" "$gap" 4999
check "hv2 has mob local, behind omob2, still in group app" \
	located hv2 $MOB "group app" "port omob2" "ip 10.2.0.23" "!remote"
check "hv1 has it remote at $UL2, still in group app: detaching deleted nothing" \
	located hv1 $MOB "group app" "port vx0" "remote $UL2" "ip 10.2.0.23"
check_fails "...which no longer has the port omob" sh -c \
	"$IP netns exec hv1 $SEGCTL port show | grep -qw omob"

before=$(hc hv2 domain shop rule_deny)
check "mob -> wb1:8080 is still denied after the move" \
	tcp_blocked mob wb1 10.2.0.11 8080
check_ge "...now on hv2, its new host, as rule_deny" $((before + 1)) \
	"$(hc hv2 domain shop rule_deny)"
check "wb1 -> mob:8080, a new connection across the hosts" \
	tcp_ok wb1 mob 10.2.0.23 8080
check "wb2 -> mob:8080, now on the same host" tcp_ok wb2 mob 10.2.0.23 8080

# ---- the domain's DHCP server stays on its host ----

DHS=02:00:00:00:01:30
dhcp_server_on_hv1()
{
	n hv1 "$IP" link add odhs type veth peer name odhs-p &&
	n hv1 "$IP" link set odhs up &&
	hv hv1 port attach odhs domain shop &&
	hv hv1 endpoint add $DHS domain shop group web port odhs \
		ip 10.2.0.30 dhcp-server
}
check "a flagged dhcp-server endpoint on hv1" dhcp_server_on_hv1
check_err "...cannot move to another host (the uplink): refused" "" \
	"cannot move to another host" \
	n hv1 "$SEGCTL" endpoint move $DHS domain shop port vx0 remote "$UL2"
check "...and stays behind odhs" sh -c \
	"$IP netns exec hv1 $SEGCTL save | grep -qi '^endpoint add $DHS .*port odhs'"
hv hv1 endpoint del $DHS domain shop

# ---- the configuration, saved ----

saved()
{
	n hv1 "$SEGCTL" save >/tmp/ovl.saved &&
	grep -q '^port attach vx0 .*role uplink' /tmp/ovl.saved &&
	grep -q '^domain add shop .*vni 100' /tmp/ovl.saved &&
	grep -qi "^endpoint add $MOB .*remote $UL2" /tmp/ovl.saved
}
check "segctl save on hv1 has the uplink, the VNIs and remote endpoints" \
	saved

finish
