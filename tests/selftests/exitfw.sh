#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Redirect rules on exit traffic: a transparent firewall in front of the
# untrusted network, for north-south traffic in both directions.
#
#  +-----+ +-----+   shop         +--------------------------+
#  | web | | app |----exit------->| provider 192.0.2.1       |
#  | .1. | | .2. |   xshop        | "internet" 203.0.113.10  |
#  +-----+ +-----+                | and 2001:db8:99::10 (lo) |
#      [ fw1: bridge ]            +--------------------------+
#       fw1-l | fw1-r (service ports of shop)
#
# shop, default deny, with an exit as in exit.sh; its outside is the
# prefix group internet (0.0.0.0/0, ::/0).  Rules: internet -> web tcp
# 443 and web -> internet tcp 80 redirect through the chain fwchain
# (service fw, instance fw1, a Linux bridge counting TCP in each
# direction with nftables); internet -> web tcp 22 and web -> internet
# tcp 8080 are allowed straight, not redirected.  internet -> web tcp
# 8443 redirects through rchain instead: service rfw, instance rfw1, a
# routed firewall whose left side faces the internet (the side that
# opens those flows) and right side the domain, both its routes to the
# gateway, which answers its ARP.
#
# Then the MTU on exit traffic: the exit's link at 1300 (the provider's
# routes advertise an MSS of 1460, so that its peers' TCP must learn
# the path), then web's port at 1280: the sender of a packet too big is
# told by the gateway (out) or by the exit's address (in), and TCP's
# path MTU discovery completes a transfer of many segments.
#
# Last, the provider's router is replaced by one with another MAC that
# says nothing (no gratuitous ARP, no unsolicited advertisement): the
# exit's periodic probe of its next hop (exit_probe_interval, 5 s here)
# finds the new MAC; and a next hop that stops answering is counted
# (nexthop_unanswered) and still sent to.

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

skip_on 6.12 "the module's own logic, the same on every kernel (6.1, debug)"

GW=02:00:00:00:ff:01
NFT=/usr/sbin/nft

cleanup() { touch /tmp/exitfw.stop; cleanup_vms; rm -f /tmp/exitfw.stop; }
trap cleanup EXIT

# fw NAME: a transparent firewall, a bridge between eth0 (left) and eth1
# (right), counting the TCP packets it passes each way, IPv4 and IPv6.
fw()
{
	local ns=$1
	svc_ns "$ns" shop || return 1
	n "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0
	svc_bridge "$ns"
	n "$ns" $NFT -f - <<-EOF
	table bridge svc {
		counter ltr { }
		counter rtl { }
		chain gate { }
		chain pass {
			type filter hook forward priority 0; policy accept;
			jump gate
			iifname "eth0" meta l4proto tcp counter name ltr
			iifname "eth1" meta l4proto tcp counter name rtl
		}
	}
	EOF
}

# rfw NAME: a routed firewall, eth0 (left, 192.168.7.1, default route)
# and eth1 (right, 192.168.8.1, route to the domain's 10.1.0.0/16), with
# the same counters.
rfw()
{
	local ns=$1
	svc_ns "$ns" shop || return 1
	n "$ns" sysctl -qw net.ipv4.ip_forward=1
	n "$ns" "$IP" link set eth0 address 02:00:00:00:aa:01
	n "$ns" "$IP" link set eth1 address 02:00:00:00:aa:02
	n "$ns" "$IP" addr add 192.168.7.1/24 dev eth0
	n "$ns" "$IP" addr add 192.168.8.1/24 dev eth1
	n "$ns" "$IP" link set eth0 up
	n "$ns" "$IP" link set eth1 up
	n "$ns" "$IP" route add 10.1.0.0/16 dev eth1
	n "$ns" "$IP" route add default dev eth0
	n "$ns" $NFT -f - <<-EOF
	table inet svc {
		counter ltr { }
		counter rtl { }
		chain pass {
			type filter hook forward priority 0; policy accept;
			iifname "eth0" ip protocol tcp counter name ltr
			iifname "eth1" ip protocol tcp counter name rtl
		}
	}
	EOF
}

ltr() { nft_counter fw1 bridge svc ltr; }

# tcp_big CLIENT SERVER ADDR PORT: CLIENT sends 30000 bytes to SERVER's
# ADDR:PORT over TCP, and all of them arrive.
tcp_big()
{
	local cli=$1 srv=$2 addr=$3 port=$4 pid
	rm -f "/tmp/big.$srv"
	n "$srv" timeout 20 nc -l -p "$port" >"/tmp/big.$srv" &
	pid=$!
	wait_for 50 is_listening "$srv" "$port" || return 1
	# bash, not busybox nc, which quits at its input's end with
	# data still unsent.
	n "$cli" timeout 15 bash -c \
		"head -c 30000 /dev/zero >/dev/tcp/$addr/$port"
	wait $pid
	[ "$(stat -c %s "/tmp/big.$srv")" = 30000 ]
}

# learned NS ADDR MTU: NS's route to ADDR holds the path MTU MTU.
learned() { n "$1" "$IP" route get "$2" | grep -q "mtu $3"; }
rtl() { nft_counter fw1 bridge svc rtl; }

# inst FIELD: a counter of instance 1 of fw, from service instance show.
inst()
{
	$SEGCTL service instance show domain shop |
		awk -v k="$1" '$1 == "instance" && $2 == 1 && $4 == "fw" {
			for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'
}

PROBE=/sys/module/segfilter/parameters/exit_probe_interval

setup()
{
	module_reload
	# Before the exit's attach, which arms its first probe with it.
	probe_default=$(cat $PROBE)
	echo 5 >$PROBE || return 1
	$SEGCTL domain add shop id 1 default deny gateway $GW \
		gw-ip 10.1.1.1 gw-ip 10.1.2.1 gw-ip fd01:1::1 >/dev/null &&
	$SEGCTL group add web id 1 domain shop >/dev/null &&
	$SEGCTL group add app id 2 domain shop >/dev/null &&
	$SEGCTL group add internet id 9 domain shop >/dev/null &&
	$SEGCTL prefix add 0.0.0.0/0 domain shop group internet >/dev/null &&
	$SEGCTL prefix add ::/0 domain shop group internet >/dev/null ||
		return 1
	tier_vm web vweb 02:00:00:00:01:0a 1 v6
	tier_vm app vapp 02:00:00:00:02:0a 2
	$SEGCTL port attach vweb domain shop >/dev/null &&
	$SEGCTL endpoint add 02:00:00:00:01:0a domain shop group web \
		port vweb ip 10.1.1.10 ip fd01:1::10 >/dev/null &&
	$SEGCTL port attach vapp domain shop >/dev/null &&
	$SEGCTL endpoint add 02:00:00:00:02:0a domain shop group app \
		port vapp ip 10.1.2.10 >/dev/null || return 1

	# The provider is the internet too: its addresses on lo, the
	# domain's subnets routed to the exit, from the internet's address.
	vm_ns provider
	n provider sysctl -qw net.ipv4.ip_forward=1
	"$IP" link add xshop type veth peer name eth0 netns provider
	host_port_up xshop
	n provider "$IP" addr add 192.0.2.1/24 dev eth0
	n provider "$IP" addr add fd00:2::1/64 dev eth0 nodad
	n provider "$IP" addr add 203.0.113.10/32 dev lo
	n provider "$IP" addr add 2001:db8:99::10/128 dev lo
	n provider "$IP" link set eth0 up
	n provider "$IP" route add 10.1.0.0/16 via 192.0.2.2 src 203.0.113.10
	n provider "$IP" -6 route add fd01::/16 via fd00:2::2 \
		src 2001:db8:99::10
	$SEGCTL port attach xshop domain shop role exit ip 192.0.2.2/24 \
		nexthop 192.0.2.1 ip6 fd00:2::2/64 nexthop6 fd00:2::1 \
		>/dev/null || return 1
	# As in exit.sh: the provider keeps the exit's IPv6 neighbour entry.
	n provider "$IP" -6 neigh replace fd00:2::2 dev eth0 \
		lladdr "$(cat /sys/class/net/xshop/address)" nud permanent

	fw fw1 && rfw rfw1 || return 1
	$SEGCTL service add rfw domain shop mode routed >/dev/null &&
	$SEGCTL service instance add rfw 1 domain shop \
		left rfw1-l mac 02:00:00:00:aa:01 ip 192.168.7.1 \
		right rfw1-r mac 02:00:00:00:aa:02 ip 192.168.8.1 >/dev/null &&
	$SEGCTL chain add rchain domain shop services rfw >/dev/null &&
	$SEGCTL rule add id 50 domain shop from internet to web proto tcp \
		port 8443 action redirect rchain >/dev/null &&
	$SEGCTL service add fw domain shop mode transparent >/dev/null &&
	$SEGCTL service instance add fw 1 domain shop \
		left fw1-l right fw1-r >/dev/null &&
	$SEGCTL chain add fwchain domain shop services fw >/dev/null &&
	$SEGCTL rule add id 10 domain shop from internet to web proto tcp \
		port 443 action redirect fwchain >/dev/null &&
	$SEGCTL rule add id 20 domain shop from web to internet proto tcp \
		port 80 action redirect fwchain >/dev/null &&
	$SEGCTL rule add id 30 domain shop from internet to web proto tcp \
		port 22 action allow >/dev/null &&
	$SEGCTL rule add id 40 domain shop from web to internet proto tcp \
		port 8080 action allow >/dev/null
}

if ! setup; then
	fail "set up shop, its exit and a transparent firewall"
	finish
fi

# ---- in: the internet reaches web:443 through the firewall ----

red=$(counter domain shop redirected)
check "internet -> web:443 over TCP, through the firewall" \
	tcp_ok provider web 10.1.1.10 443
check_ge "...which passed it left to right (nft counter)" 3 "$(ltr)"
check_ge "...and web's replies right to left" 2 "$(rtl)"
check_ge "...instance fw1 counts what it was sent" 5 "$(inst tx_packets)"
check_ge "...and what it sent back" 5 "$(inst rx_packets)"
check_eq "...one flow pinned to it" 1 "$(inst flows)"
check_ge "the module counts the frames it redirected" $((red + 5)) \
	"$(counter domain shop redirected)"

# ---- out: web reaches the internet's port 80 through the firewall ----

l=$(ltr) r=$(rtl)
check "web -> internet:80 over TCP, through the firewall" \
	tcp_ok web provider 203.0.113.10 80
check_ge "...which passed it left to right" $((l + 3)) "$(ltr)"
check_ge "...and the replies right to left" $((r + 2)) "$(rtl)"
check_eq "...a second flow pinned to fw1" 2 "$(inst flows)"
l=$(ltr) r=$(rtl)
check "web -> internet:80 over IPv6, through the firewall" \
	tcp_ok web provider 2001:db8:99::10 80
check_ge "...which passed it both ways" $((l + r + 5)) "$(($(ltr) + $(rtl)))"

# ---- what the rule does not redirect does not cross it ----

l=$(ltr) r=$(rtl) tx=$(inst tx_packets)
check "internet -> web:22 (allowed, not redirected) connects" \
	tcp_ok provider web 10.1.1.10 22
check "web -> internet:8080 (allowed, not redirected) connects" \
	tcp_ok web provider 203.0.113.10 8080
check_eq "...and neither crossed the firewall" "$l $r $tx" \
	"$(ltr) $(rtl) $(inst tx_packets)"
deny=$(counter port xshop default_deny)
check "internet -> app:443 (no rule) does not connect" \
	tcp_blocked provider app 10.1.2.10 443
check_ge "...default_deny on the exit" $((deny + 1)) \
	"$(counter port xshop default_deny)"

# ---- a routed firewall ----

l=$(ltr) r=$(rtl)
check "internet -> web:8443 over TCP, through the routed firewall" \
	tcp_ok provider web 10.1.1.10 8443
check_ge "...which routed it left to right" 3 \
	"$(nft_counter rfw1 inet svc ltr)"
check_ge "...and web's replies right to left, out of the exit" 2 \
	"$(nft_counter rfw1 inet svc rtl)"
check_eq "...and nothing of it crossed fw1" "$l $r" "$(ltr) $(rtl)"

# ---- the firewall decides ----

n fw1 $NFT add rule bridge svc gate tcp dport 443 drop
check "a drop rule inside the firewall blocks internet -> web:443" \
	tcp_blocked provider web 10.1.1.10 443
n fw1 $NFT flush chain bridge svc gate
check "...and lifting it lets it through again" \
	tcp_ok provider web 10.1.1.10 443

# ---- instance down: chain_down, both ways ----

n fw1 "$IP" link set eth0 down
inst_down()
{
	$SEGCTL service instance show domain shop |
		grep -q 'instance 1 service fw .*state down'
}
check "fw1 down: service instance show says so" wait_for 30 inst_down
down=$(counter port xshop chain_down)
check "internet -> web:443 does not connect" \
	tcp_blocked provider web 10.1.1.10 443
check_ge "...dropped as chain_down on the exit" $((down + 1)) \
	"$(counter port xshop chain_down)"
down=$(counter port vweb chain_down)
check "web -> internet:80 does not connect" \
	tcp_blocked web provider 203.0.113.10 80
check_ge "...dropped as chain_down at web's port" $((down + 1)) \
	"$(counter port vweb chain_down)"
check "...while web -> internet:8080, not redirected, still connects" \
	tcp_ok web provider 203.0.113.10 8080
n fw1 "$IP" link set eth0 up
inst_up()
{
	$SEGCTL service instance show domain shop |
		grep -q 'instance 1 service fw .*state up'
}
wait_for 30 inst_up
check "fw1 up again: internet -> web:443 connects through it" \
	tcp_ok provider web 10.1.1.10 443

# ---- MTU: out of an exit whose link carries 1300 ----

"$IP" link set xshop mtu 1300
n provider "$IP" link set eth0 mtu 1300
n provider "$IP" route replace 10.1.0.0/16 via 192.0.2.2 src 203.0.113.10 \
	advmss 1460
n provider "$IP" -6 route replace fd01::/16 via fd00:2::2 \
	src 2001:db8:99::10 advmss 1440
check "port show xshop: path-mtu 1300" sh -c \
	"$SEGCTL port show xshop | grep -q ' path-mtu 1300 '"
big=$(counter port vweb too_big) icmp=$(counter port vweb icmp_too_big)
check "web -> internet:8080, 30000 bytes over TCP (segments of 1500)" \
	tcp_big web provider 203.0.113.10 8080
check "...web learned the exit's MTU from the gateway: route mtu 1300" \
	learned web 203.0.113.10 1300
check_ge "...too big ones dropped at web's port (too_big)" $((big + 1)) \
	"$(counter port vweb too_big)"
check_ge "...and answered (icmp_too_big)" $((icmp + 1)) \
	"$(counter port vweb icmp_too_big)"
check "...over IPv6 too: 30000 bytes arrive" \
	tcp_big web provider 2001:db8:99::10 8080
check "...after packet too big, mtu 1300" learned web 2001:db8:99::10 1300
"$IP" link set xshop mtu 1500
n provider "$IP" link set eth0 mtu 1500

# ---- MTU: in, to web's port of 1280 ----

"$IP" link set vweb mtu 1280
big=$(counter port xshop too_big) icmp=$(counter port xshop icmp_too_big)
check "internet -> web:22, 30000 bytes over TCP (segments of 1500)" \
	tcp_big provider web 10.1.1.10 22
check "...the provider learned web's port's MTU: route mtu 1280" \
	learned provider 10.1.1.10 1280
check_ge "...too big ones dropped on the exit (too_big)" $((big + 1)) \
	"$(counter port xshop too_big)"
check_ge "...and answered out of the exit (icmp_too_big)" $((icmp + 1)) \
	"$(counter port xshop icmp_too_big)"
check "...over IPv6 too: 30000 bytes arrive" \
	tcp_big provider web fd01:1::10 22
check "...after packet too big, mtu 1280" learned provider fd01:1::10 1280
"$IP" link set vweb mtu 1500

# ---- the next hop changes its MAC and says nothing ----

# nh_mac [6]: the MAC the exit sends to, of its IPv4 (IPv6) next hop.
nh_mac()
{
	$SEGCTL port show xshop |
		sed -n "s/.* nexthop${1}-mac \([^ ]*\).*/\1/p"
}
# ping1 NS ADDR: one echo answered within a second.
ping1() { n "$1" ping -c 1 -W 1 "$2"; }
# probed TX: the exit sent something since it had sent TX frames.
probed() { [ "$(counter port xshop tx_packets)" -gt "$1" ]; }
unanswered_gt() { [ "$(counter port xshop nexthop_unanswered)" -gt "$1" ]; }

check_eq "exit_probe_interval is 30 s by default" 30 "$probe_default"
check_fails "exit_probe_interval 0 is refused" sh -c "echo 0 >$PROBE"
check_fails "...and 3601" sh -c "echo 3601 >$PROBE"
check_eq "...either way it stays 5" 5 "$(cat $PROBE)"

# The router says nothing when its MAC changes (the defaults, made
# sure), and its entry for the exit stays, so that the exit sends
# nothing but its probes while no traffic goes out.
n provider sysctl -qw net.ipv4.conf.eth0.arp_notify=0
n provider sysctl -qw net.ipv6.conf.eth0.ndisc_notify=0
n provider "$IP" neigh replace 192.0.2.2 dev eth0 \
	lladdr "$(cat /sys/class/net/xshop/address)" nud permanent
old=$(n provider cat /sys/class/net/eth0/address)
NEW=02:00:00:00:99:01
check_eq "the exit sends to the provider's MAC" "$old $old" \
	"$(nh_mac) $(nh_mac 6)"
$SEGCTL rule add id 60 domain shop from web to internet proto icmp \
	action allow >/dev/null
$SEGCTL rule add id 61 domain shop from web to internet proto icmpv6 \
	action allow >/dev/null
check "web pings the internet (rules 60, 61), IPv4..." \
	ping1 web 203.0.113.10
check "...and IPv6" ping1 web 2001:db8:99::10
un=$(counter port xshop nexthop_unanswered)
# Just after a probe, answered (to the MAC known), the next is 4.75 s away
# at least: time to see the old MAC fail.
tx=$(counter port xshop tx_packets)
check "a probe of the next hops goes out within the interval" \
	wait_for 100 probed "$tx"
n provider "$IP" link set eth0 address $NEW
check_fails "the router's MAC changed: web -> internet goes to the old one" \
	ping1 web 203.0.113.10
check_eq "...which the exit still sends to" "$old" "$(nh_mac)"
check "...until its next probe: web -> internet gets through again" \
	wait_for 20 ping1 web 203.0.113.10
check_eq "...to the new MAC, IPv4 and IPv6" "$NEW $NEW" \
	"$(nh_mac) $(nh_mac 6)"
check "...web -> internet over IPv6 gets through too" \
	ping1 web 2001:db8:99::10
check_eq "...answered (by broadcast): nexthop_unanswered unchanged" \
	"$un" "$(counter port xshop nexthop_unanswered)"

# The router stops answering ARP.
n provider sysctl -qw net.ipv4.conf.eth0.arp_ignore=8
check "the next hop answers no ARP: nexthop_unanswered grows" \
	wait_for 200 unanswered_gt "$un"
check_ge "...on the domain too" $((un + 1)) \
	"$(counter domain shop nexthop_unanswered)"
check "...while web -> internet still goes to the MAC known" \
	ping1 web 203.0.113.10
check_eq "...which the exit keeps" "$NEW" "$(nh_mac)"
n provider sysctl -qw net.ipv4.conf.eth0.arp_ignore=0

# The router takes another MAC again, silently, while an impostor on
# the provider's link answers for the next hop with its own MAC ten
# times a second: the probe's three unicasts to the old MAC go
# unanswered, and both answer its broadcast.  Two new MACs cancel each
# other: the exit keeps the one it knew, and says so in the kernel log.
# With the impostor gone, the next probe takes the router's.
IMP=02:00:00:00:66:66
NEW2=02:00:00:00:99:02
conflicts() { dmesg | grep -c "exit xshop: two MACs answered"; }
more_conflicts() { [ "$(conflicts)" -gt "$1" ]; }
nh_is() { [ "$(nh_mac)" = "$1" ]; }
w0=$(conflicts)
fo=$(counter port xshop exit_foreign)
xmac=$(cat /sys/class/net/xshop/address)
rm -f /tmp/exitfw.stop
n provider bash -c "while [ ! -e /tmp/exitfw.stop ]; do
	$TOOLS/ndinject send -i eth0 -s $IMP -d $xmac -S 192.0.2.1 \
		-D 192.0.2.2 -A 2; sleep 0.1; done" &
IMP_PID=$!
n provider "$IP" link set eth0 address $NEW2
check "the router's new MAC and an impostor answer one broadcast: a warning" \
	wait_for 300 more_conflicts "$w0"
check_eq "...the exit keeps the MAC it knew" "$NEW" "$(nh_mac)"
check_ge "...the impostor's answers counted as exit_foreign" $((fo + 5)) \
	"$(counter port xshop exit_foreign)"
touch /tmp/exitfw.stop
wait $IMP_PID 2>/dev/null
check "the impostor gone: the next probe takes the router's new MAC" \
	wait_for 300 nh_is $NEW2
check "...web -> internet gets through again" \
	wait_for 20 ping1 web 203.0.113.10

# The exit's device goes while attached: the port is released, and its
# probe with it (the debug kernel's run says whether cleanly), so that
# another exit can be attached, whose own probe, unanswered on a link
# with nobody to answer, counts.
"$IP" link del xshop
"$IP" link add xshop2 type veth peer name eth1 netns provider
host_port_up xshop2
check "the exit's device deleted: another exit attaches to shop" \
	$SEGCTL port attach xshop2 domain shop role exit ip 192.0.2.2/24 \
	nexthop 192.0.2.1
unanswered2() { [ "$(counter port xshop2 nexthop_unanswered)" -gt 0 ]; }
check "...and its probe, unanswered, counts" wait_for 150 unanswered2

finish
