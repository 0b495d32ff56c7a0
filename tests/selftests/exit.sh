#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Exits: a domain's way out (north-south), through a port attached with
# role exit, on whose link the module has an address and a next hop.
#
#  +-----+ +-----+ +-----+            +----------+       +-----------------+
#  | web | | app | | db  |   shop     | provider |       | internet        |
#  | .1. | | .2. | | .3. |---exit---->| 192.0.2.1|------>| 203.0.113.10    |
#  +-----+ +-----+ +-----+ xshop      | fd00:2::1|       | 2001:db8:99::10 |
#   10.1.S.10, gateway 10.1.S.1       +----------+       +-----------------+
#   exit 192.0.2.2/24 nexthop 192.0.2.1, fd00:2::2/64 nexthop6 fd00:2::1
#
#  blue: the same addresses (bweb 10.1.1.10) and bdb 10.1.9.10, its exit
#  xblue into provider2, which owns 203.0.113.10 itself.  blue allows
#  everything, but its only prefix is 203.0.113.0/24 (group outside):
#  no other address outside is reachable, either way.
#  lone: an exit into a link where nobody answers for the next hop.
#
# shop's policy, default deny: from internet to web tcp 443; from web to
# internet tcp 80 and icmp echo.  internet is a prefix group holding
# 0.0.0.0/0 and ::/0; a longer prefix of another group takes an address
# out of it.

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

skip_on 6.12 "the module's own logic, the same on every kernel (6.1, debug)"

GW=02:00:00:00:ff:01
OUTSIDE=internet
F=/tmp/exit
mkdir -p "$F"

cleanup() { cleanup_vms; }
trap cleanup EXIT

peer_mac() { n "$1" cat /sys/class/net/eth0/address; }

# The group that stands for the world outside shop: every address.
outside_group()
{
	$SEGCTL group add internet id 9 domain shop >/dev/null &&
	$SEGCTL group add partner id 10 domain shop >/dev/null &&
	$SEGCTL prefix add 0.0.0.0/0 domain shop group internet >/dev/null &&
	$SEGCTL prefix add ::/0 domain shop group internet >/dev/null
}

# router_ns NS DEV ADDR4/LEN ADDR6/LEN: a namespace that forwards, its
# eth0 the far end of DEV here.
router_ns()
{
	local ns=$1 dev=$2
	vm_ns "$ns"
	n "$ns" sysctl -qw net.ipv4.ip_forward=1
	n "$ns" sysctl -qw net.ipv6.conf.all.forwarding=1
	"$IP" link add "$dev" type veth peer name eth0 netns "$ns"
	host_port_up "$dev"
	n "$ns" "$IP" addr add "$3" dev eth0
	n "$ns" "$IP" addr add "$4" dev eth0 nodad
	n "$ns" "$IP" link set eth0 up
}

setup_shop()
{
	local t s=1 v6
	$SEGCTL domain add shop id 1 default deny gateway $GW \
		gw-ip 10.1.1.1 gw-ip 10.1.2.1 gw-ip 10.1.3.1 \
		gw-ip fd01:1::1 >/dev/null || return 1
	for t in web app db; do
		$SEGCTL group add $t id $s domain shop >/dev/null || return 1
		s=$((s + 1))
	done
	outside_group
	tier_vm web vweb 02:00:00:00:01:0a 1 v6
	tier_vm app vapp 02:00:00:00:02:0a 2
	tier_vm db vdb 02:00:00:00:03:0a 3
	s=1
	for t in web app db; do
		v6=()
		[ $t = web ] && v6=(ip fd01:1::10)
		$SEGCTL port attach "v$t" domain shop >/dev/null &&
		$SEGCTL endpoint add "02:00:00:00:0$s:0a" domain shop \
			group "$t" port "v$t" ip "10.1.$s.10" "${v6[@]}" \
			>/dev/null || return 1
		s=$((s + 1))
	done

	# The provider routes the domain's subnets to the exit, and the
	# internet behind it.
	router_ns provider xshop 192.0.2.1/24 fd00:2::1/64
	n provider "$IP" route add 10.1.0.0/16 via 192.0.2.2
	n provider "$IP" -6 route add fd01::/16 via fd00:2::2
	vm_ns internet
	n provider "$IP" link add inet0 type veth peer name eth0 netns internet
	n provider "$IP" addr add 203.0.113.1/24 dev inet0
	n provider "$IP" addr add 2001:db8:99::1/64 dev inet0 nodad
	n provider "$IP" link set inet0 up
	n internet "$IP" addr add 203.0.113.10/24 dev eth0
	n internet "$IP" addr add 2001:db8:99::10/64 dev eth0 nodad
	n internet "$IP" link set eth0 up
	n internet "$IP" route add default via 203.0.113.1
	n internet "$IP" -6 route add default via 2001:db8:99::1
	# Without link-local addresses (vm_ns), neighbour discovery between
	# two Linux namespaces gets nowhere: this link, not the exit's, is
	# given its neighbours.
	n provider "$IP" -6 neigh replace 2001:db8:99::10 dev inet0 \
		lladdr "$(peer_mac internet)" nud permanent
	n internet "$IP" -6 neigh replace 2001:db8:99::1 dev eth0 \
		lladdr "$(n provider cat /sys/class/net/inet0/address)" \
		nud permanent

	$SEGCTL port attach xshop domain shop role exit ip 192.0.2.2/24 \
		nexthop 192.0.2.1 ip6 fd00:2::2/64 nexthop6 fd00:2::1 \
		>/dev/null || return 1
	$SEGCTL rule add id 10 domain shop from $OUTSIDE to web proto tcp \
		port 443 action allow >/dev/null &&
	$SEGCTL rule add id 20 domain shop from web to $OUTSIDE proto tcp \
		port 80 action allow >/dev/null &&
	$SEGCTL rule add id 30 domain shop from web to $OUTSIDE proto icmp \
		type 8 action allow >/dev/null
}

setup_blue()
{
	$SEGCTL domain add blue id 2 default allow gateway $GW \
		gw-ip 10.1.1.1 gw-ip 10.1.9.1 >/dev/null &&
	$SEGCTL group add all id 1 domain blue >/dev/null &&
	$SEGCTL group add outside id 2 domain blue >/dev/null &&
	$SEGCTL prefix add 203.0.113.0/24 domain blue group outside \
		>/dev/null || return 1
	tier_vm bweb vbweb 02:00:00:00:01:0a 1
	tier_vm bdb vbdb 02:00:00:00:09:0a 9
	$SEGCTL port attach vbweb domain blue >/dev/null &&
	$SEGCTL port attach vbdb domain blue >/dev/null &&
	$SEGCTL endpoint add 02:00:00:00:01:0a domain blue group all \
		port vbweb ip 10.1.1.10 >/dev/null &&
	$SEGCTL endpoint add 02:00:00:00:09:0a domain blue group all \
		port vbdb ip 10.1.9.10 >/dev/null || return 1
	router_ns provider2 xblue 192.0.2.1/24 fd00:2::1/64
	n provider2 "$IP" addr add 203.0.113.10/32 dev lo
	n provider2 "$IP" route add 10.1.0.0/16 via 192.0.2.2
	$SEGCTL port attach xblue domain blue role exit ip 192.0.2.2/24 \
		nexthop 192.0.2.1 >/dev/null
}

# A domain whose exit's link has nobody at the next hop's address.
setup_lone()
{
	$SEGCTL domain add lone id 3 default allow gateway $GW \
		gw-ip 10.1.1.1 >/dev/null &&
	$SEGCTL group add all id 1 domain lone >/dev/null &&
	$SEGCTL group add world id 2 domain lone >/dev/null &&
	$SEGCTL prefix add 0.0.0.0/0 domain lone group world >/dev/null ||
		return 1
	tier_vm lvm vlvm 02:00:00:00:01:0a 1
	router_ns deadend xlone 192.0.2.7/24 fd00:2::7/64
	$SEGCTL port attach vlvm domain lone >/dev/null &&
	$SEGCTL endpoint add 02:00:00:00:01:0a domain lone group all \
		port vlvm ip 10.1.1.10 >/dev/null &&
	$SEGCTL port attach xlone domain lone role exit ip 192.0.2.2/24 \
		nexthop 192.0.2.1 >/dev/null
}


# nexthop_mac DEV [6]: the next hop's MAC port show reports for exit DEV.
nexthop_mac()
{
	$SEGCTL port show "$1" |
		sed -n "s/.* nexthop${2:-}-mac \([^ ]*\).*/\1/p"
}

# nexthop_is DEV MAC [6]: port show reports MAC as DEV's next hop's.
nexthop_is() { [ "$(nexthop_mac "$1" "${3:-}")" = "$2" ]; }

# foreign_reaches N: xshop has counted N exit_foreign drops.
foreign_reaches() { [ "$(counter port xshop exit_foreign)" -ge "$1" ]; }

module_reload
if ! setup_shop || ! setup_blue || ! setup_lone; then
	fail "set up shop, blue and lone with their exits"
	finish
fi

# ---- the exit's link ----

check "port show: shop's exit, its addresses and next hops" sh -c \
	"$SEGCTL port show xshop | grep -q ' domain shop role exit endpoints 0 path-mtu 1500 ip 192.0.2.2/24 nexthop 192.0.2.1 nexthop-mac .* ip6 fd00:2::2/64 nexthop6 fd00:2::1 '"
check "the provider resolves the exit's address to the exit's MAC" sh -c \
	"$IP netns exec provider ping -c 1 -W 2 192.0.2.2 >/dev/null;
	 $IP netns exec provider $IP neigh show 192.0.2.2 dev eth0 |
		grep -qi 'lladdr $(cat /sys/class/net/xshop/address)'"
v6_resolved()
{
	n provider ping -6 -c 1 -W 1 fd00:2::2 >/dev/null
	n provider "$IP" -6 neigh show fd00:2::2 dev eth0 |
		grep -qi "lladdr $(cat /sys/class/net/xshop/address)"
}
if wait_for 5 v6_resolved; then
	pass "...and its IPv6 address too (neighbour solicitation answered)"
else
	fail "...and its IPv6 address too (neighbour solicitation answered)"
	n provider "$IP" -6 neigh show dev eth0 | sed 's/^/# provider: /'
	$SEGCTL port show xshop | sed 's/^/# /'
	$SEGCTL stats port xshop | sed 's/^/# /'
fi
# The provider, without a link-local address, cannot probe the exit's
# IPv6 address again once its entry is stale (a forwarded packet's
# source is not its own): a slow run then loses it.  Solicitation was
# checked just above; from here on the entry stays.
n provider "$IP" -6 neigh replace fd00:2::2 dev eth0 \
	lladdr "$(cat /sys/class/net/xshop/address)" nud permanent
check "the exit learned the next hop's MAC (ARP)" \
	wait_for 30 nexthop_is xshop "$(peer_mac provider)"

# Another host of the provider's link (a forged MAC) claims the next hop.
ROGUE=02:00:00:00:66:66
before=$(counter port xshop exit_foreign)
n provider "$TOOLS/ndinject" send -i eth0 -s $ROGUE -d ff:ff:ff:ff:ff:ff \
	-S 192.0.2.1 -D 192.0.2.1 -A 1
n provider "$TOOLS/ndinject" send -i eth0 -s $ROGUE -d ff:ff:ff:ff:ff:ff \
	-S 192.0.2.1 -D 192.0.2.1 -A 2
check "a gratuitous ARP (request, reply) for the next hop from $ROGUE..." \
	wait_for 20 foreign_reaches $((before + 2))
check "...is dropped as exit_foreign: the next hop's MAC is the same" \
	nexthop_is xshop "$(peer_mac provider)"

# ---- in: the internet reaches web on 443, and nothing else ----

check "internet -> web:443 over TCP, through provider and exit" \
	tcp_ok internet web 10.1.1.10 443
before=$(counter port xshop default_deny)
check "internet -> web:22 does not connect" \
	tcp_blocked internet web 10.1.1.10 22
check_ge "...dropped by the default, counted on the exit" $((before + 1)) \
	"$(counter port xshop default_deny)"
check "internet -> app:443 does not connect" \
	tcp_blocked internet app 10.1.2.10 443
check_ge "...default_deny again" $((before + 2)) \
	"$(counter port xshop default_deny)"

# ---- out: web reaches the internet's port 80, with its replies ----

check "web -> internet:80 over TCP, replies ride the flow" \
	tcp_ok web internet 203.0.113.10 80
check "web pings the internet (TTL decremented on the way)" sh -c \
	"$IP netns exec web ping -c 1 -W 2 203.0.113.10 | grep -q 'ttl=62'"
check "web -> internet:80 over IPv6 (next hop resolved by ND)" \
	tcp_ok web internet 2001:db8:99::10 80
check "the exit learned the IPv6 next hop's MAC" \
	nexthop_is xshop "$(peer_mac provider)" 6
before=$(counter port xshop exit_foreign)
n provider "$TOOLS/ndinject" send -i eth0 -s $ROGUE -d 33:33:00:00:00:01 \
	-S fd00:2::1 -D ff02::1 -t 136 -T fd00:2::1 -L $ROGUE
check "an unsolicited advertisement of the next hop from $ROGUE..." \
	wait_for 20 foreign_reaches $((before + 1))
check "...is dropped as exit_foreign: the IPv6 next hop's MAC is the same" \
	nexthop_is xshop "$(peer_mac provider)" 6
before=$(counter port vapp default_deny)
check "app -> internet:80 does not connect" \
	tcp_blocked app internet 203.0.113.10 80
check_ge "...dropped at app's port as default_deny" $((before + 1)) \
	"$(counter port vapp default_deny)"
before=$(counter port vdb default_deny)
check_fails "db pings nothing outside" n db ping -c 1 -W 1 203.0.113.10
check_ge "...default_deny at db's port" $((before + 1)) \
	"$(counter port vdb default_deny)"
check_ge "the exit port counts what it sent and received" 10 \
	"$(($(counter port xshop rx_packets) + $(counter port xshop tx_packets)))"
check_ge "rule 10 counted the packets it let in" 1 \
	"$($SEGCTL stats domain shop | awk '$1 == "rule" && $2 == 10 {
		for (i = 3; i < NF; i++) if ($i == "packets") print $(i + 1) }')"

# ---- a longer prefix takes an address out of internet ----

check "prefix 203.0.113.0/24 of group partner, which no rule allows" \
	$SEGCTL prefix add 203.0.113.0/24 domain shop group partner
check_eq "...prefix lookup says 203.0.113.10 is partner's now" "partner" \
	"$($SEGCTL -j prefix lookup 203.0.113.10 domain shop |
	   sed -n 's/.*"group":"\([a-z]*\)".*/\1/p')"
before=$(counter port vweb default_deny)
check "web -> 203.0.113.10:80 no longer connects (longest prefix wins)" \
	tcp_blocked web internet 203.0.113.10 80
check_ge "...default_deny at web's port" $((before + 1)) \
	"$(counter port vweb default_deny)"
check "...over IPv6 (::/0, still internet) it still connects" \
	tcp_ok web internet 2001:db8:99::10 80
check "the /24 deleted: web -> 203.0.113.10:80 connects again" \
	eval '$SEGCTL prefix del 203.0.113.0/24 domain shop &&
	      tcp_ok web internet 203.0.113.10 80'

# ---- an address no prefix holds is not reachable ----

before=$(counter port vweb no_route)
check "::/0 deleted: web -> internet:80 over IPv6 does not connect" \
	eval '$SEGCTL prefix del ::/0 domain shop &&
	      tcp_blocked web internet 2001:db8:99::10 80'
check_ge "...counted as no_route at web's port" $((before + 1)) \
	"$(counter port vweb no_route)"
check "::/0 back in internet: it connects again" \
	eval '$SEGCTL prefix add ::/0 domain shop group internet &&
	      tcp_ok web internet 2001:db8:99::10 80'

# ---- a second domain with the same addresses, its own exit ----

tx=$(counter port xblue tx_packets)
check "shop's web -> 203.0.113.10:80 reaches the internet" \
	tcp_ok web internet 203.0.113.10 80
check_eq "...and nothing of it went out of blue's exit" "$tx" \
	"$(counter port xblue tx_packets)"
check "blue's bweb (same address) -> 203.0.113.10:80 reaches provider2" \
	tcp_ok bweb provider2 203.0.113.10 80
rx=$(counter port xshop rx_packets)
check "...and provider2 -> bweb (10.1.1.10) answers there" \
	n provider2 ping -c 1 -W 2 -I 203.0.113.10 10.1.1.10
check_eq "...with nothing through shop's exit" "$rx" \
	"$(counter port xshop rx_packets)"
before=$(counter port vbweb no_route)
check_fails "blue allows all, but bweb reaches no 198.51.100.1 (no prefix)" \
	n bweb ping -c 1 -W 1 198.51.100.1
check_ge "...counted as no_route at bweb's port" $((before + 1)) \
	"$(counter port vbweb no_route)"
before=$(counter port xblue no_route)
check_fails "provider2 -> bweb from 192.0.2.1 (no prefix holds it)" \
	n provider2 ping -c 1 -W 1 10.1.1.10
check_ge "...counted as no_route on blue's exit" $((before + 1)) \
	"$(counter port xblue no_route)"

# ---- what the outside must not do ----

echos=$(in_echos bdb)
before=$(counter port xshop no_route)
check_fails "provider -> 10.1.9.10 (blue's address) through shop's exit" \
	n provider ping -c 1 -W 1 10.1.9.10
check_eq "...blue's bdb got nothing" "$echos" "$(in_echos bdb)"
check_ge "...counted as no_route on shop's exit" $((before + 1)) \
	"$(counter port xshop no_route)"
check_fails "provider -> 10.1.2.99 (nobody's) through the exit" \
	n provider ping -c 1 -W 1 10.1.2.99
check_ge "...no_route again" $((before + 2)) "$(counter port xshop no_route)"
check_fails "provider -> shop's gateway address 10.1.1.1" \
	n provider ping -c 1 -W 1 10.1.1.1
check_ge "...no_route again" $((before + 3)) "$(counter port xshop no_route)"
echos=$(in_echos web)
before=$(counter port xshop src_ip)
n provider "$IP" addr add 10.1.2.10/32 dev lo
check_fails "provider -> web from app's address (spoofed source)" \
	n provider ping -c 1 -W 1 -I 10.1.2.10 10.1.1.10
n provider "$IP" addr del 10.1.2.10/32 dev lo
check_ge "...counted as src_ip on the exit" $((before + 1)) \
	"$(counter port xshop src_ip)"
check_eq "...and web got no echo request" "$echos" "$(in_echos web)"
before=$(counter port xshop exit_foreign)
n provider "$IP" neigh replace 192.0.2.3 lladdr 02:00:00:00:99:99 dev eth0
n provider "$IP" route add 10.1.1.10/32 via 192.0.2.3
check_fails "provider -> web, to a MAC not the exit's" \
	n provider ping -c 1 -W 1 10.1.1.10
n provider "$IP" route del 10.1.1.10/32 via 192.0.2.3
check_ge "...counted as exit_foreign" $((before + 1)) \
	"$(counter port xshop exit_foreign)"
before=$(counter port xshop exit_foreign)
deny=$(counter port xshop default_deny)
n provider "$TOOLS/ndinject" send -i eth0 -s $ROGUE \
	-d "$(cat /sys/class/net/xshop/address)" -S 203.0.113.10 \
	-D 10.1.1.10 -t 128
check "IP to the exit's MAC from $ROGUE, not the next hop: exit_foreign" \
	wait_for 20 foreign_reaches $((before + 1))
check_eq "...never judged by the policy" "$deny" \
	"$(counter port xshop default_deny)"
before=$(counter port xshop no_route)
n provider "$IP" addr add 169.254.7.7/32 dev lo
check_fails "provider -> web from 169.254.7.7 (link-local)" \
	n provider ping -c 1 -W 1 -I 169.254.7.7 10.1.1.10
n provider "$IP" addr del 169.254.7.7/32 dev lo
check_ge "...counted as no_route on the exit" $((before + 1)) \
	"$(counter port xshop no_route)"

# DHCP server traffic never comes in by an exit (dhcp.sh: the domain's
# DHCP is the gateway's or its flagged server's).
before=$(counter port xshop dhcp)
n provider "$TOOLS/udpcast" send -i eth0 -p 67 -n 3 10.1.1.10 68 OFFER \
	>/dev/null 2>&1
check_ge "provider -> web from UDP 67 to 68: dropped on the exit as dhcp" \
	$((before + 3)) "$(counter port xshop dhcp)"

# ---- an exit whose next hop does not answer ----

check_fails "lone's VM pings outside: its next hop never answered" \
	n lvm ping -c 2 -W 1 203.0.113.10
check_ge "...counted as nexthop_unresolved" 2 \
	"$(counter port vlvm nexthop_unresolved)"
check_eq "...and port show says so" "unresolved" "$(nexthop_mac xlone)"
check_ge "...while the exit asked for it (ARP requests sent)" 2 \
	"$(counter port xlone tx_packets)"

# ---- segctl trace answers as the traffic goes ----

# trace_says 'LINE, LINE...' DEV from ...: segctl trace DEV from ...
# prints each LINE (whole lines), and an "exit" line only if one is
# wanted.
trace_says()
{
	local want=$1 out line
	local -a lines
	shift
	out=$($SEGCTL trace "$@" 2>&1)
	echo "segctl trace $*"
	echo "$out"
	IFS=, read -ra lines <<<"$want"
	for line in "${lines[@]}"; do
		line=${line# }
		grep -qx -- "$line" <<<"$out" || {
			echo "no line \"$line\""
			return 1
		}
	done
	case $want in
	*exit\ *) ;;
	*) ! grep -q '^exit ' <<<"$out" ;;
	esac
}

# Out, allowed and denied, by address family.
check "trace web -> internet:80: rule 20 allows, out by the exit xshop" \
	trace_says "from group web, to group internet, rule 20, action allow, exit xshop" \
	vweb from 10.1.1.10 to 203.0.113.10 dport 80
check "...and web connects so" tcp_ok web internet 203.0.113.10 80
check "...-j: \"exit\":\"xshop\"" sh -c \
	"$SEGCTL -j trace vweb from 10.1.1.10 to 203.0.113.10 dport 80 |
	 grep -q '\"to\":\"internet\".*\"exit\":\"xshop\"'"
check "trace web -> internet:80 over IPv6: out by xshop too" \
	trace_says "to group internet, rule 20, action allow, exit xshop" \
	vweb from fd01:1::10 to 2001:db8:99::10 dport 80
check "...and web connects so" tcp_ok web internet 2001:db8:99::10 80
check "trace app -> internet:80: routed to xshop, default_deny" \
	trace_says "from group app, to group internet, rule default, drop default_deny, exit xshop" \
	vapp from 10.1.2.10 to 203.0.113.10 dport 80
before=$(counter port vapp default_deny)
check "...and app does not connect" \
	tcp_blocked app internet 203.0.113.10 80
check_ge "...default_deny at app's port" $((before + 1)) \
	"$(counter port vapp default_deny)"

# In, on the exit's port: a packet from outside.
check "trace on xshop internet -> web:443: from group internet, rule 10" \
	trace_says "from group internet, to group web, rule 10, action allow" \
	xshop from 203.0.113.10 to 10.1.1.10 dport 443
check "...and the internet connects so" tcp_ok internet web 10.1.1.10 443
check "trace on xshop internet -> web:22: default_deny" \
	trace_says "from group internet, to group web, rule default, drop default_deny" \
	xshop from 203.0.113.10 to 10.1.1.10 dport 22
before=$(counter port xshop default_deny)
check "...and the internet does not connect" \
	tcp_blocked internet web 10.1.1.10 22
check_ge "...default_deny on the exit" $((before + 1)) \
	"$(counter port xshop default_deny)"
check "trace on xshop from app's address (forged): src_ip" \
	trace_says "drop src_ip" \
	xshop from 10.1.2.10 to 10.1.1.10 proto icmp
check "trace on xshop from the gateway's address: src_ip" \
	trace_says "drop src_ip" \
	xshop from 10.1.3.1 to 10.1.1.10 proto icmp
echos=$(in_echos web)
before=$(counter port xshop src_ip)
n provider "$IP" addr add 10.1.2.10/32 dev lo
check_fails "...and the provider's ping from 10.1.2.10 does not arrive" \
	n provider ping -c 1 -W 1 -I 10.1.2.10 10.1.1.10
n provider "$IP" addr del 10.1.2.10/32 dev lo
check_ge "...src_ip on the exit" $((before + 1)) \
	"$(counter port xshop src_ip)"
check_eq "...web got no echo request" "$echos" "$(in_echos web)"
check "trace on xshop to 10.1.2.99 (nobody's): no_route" \
	trace_says "drop no_route" \
	xshop from 192.0.2.1 to 10.1.2.99 proto icmp
before=$(counter port xshop no_route)
check_fails "...and the provider's ping to it goes nowhere" \
	n provider ping -c 1 -W 1 10.1.2.99
check_ge "...no_route on the exit" $((before + 1)) \
	"$(counter port xshop no_route)"

# Domains whose outside is narrower, or unreachable.
check "trace bweb -> 198.51.100.1 (blue: no prefix holds it): no_route" \
	trace_says "drop no_route" \
	vbweb from 10.1.1.10 to 198.51.100.1 proto icmp
before=$(counter port vbweb no_route)
check_fails "...and bweb's ping goes nowhere" \
	n bweb ping -c 1 -W 1 198.51.100.1
check_ge "...no_route at bweb's port" $((before + 1)) \
	"$(counter port vbweb no_route)"
check "trace lone's VM -> outside: to group world, nexthop_unresolved" \
	trace_says "from group all, to group world, drop nexthop_unresolved, exit xlone" \
	vlvm from 10.1.1.10 to 203.0.113.10 proto icmp
before=$(counter port vlvm nexthop_unresolved)
check_fails "...and its ping does not go" n lvm ping -c 1 -W 1 203.0.113.10
check_ge "...nexthop_unresolved at its port" $((before + 1)) \
	"$(counter port vlvm nexthop_unresolved)"
check "trace on xlone (no next hop known): exit_foreign" \
	trace_says "drop exit_foreign" \
	xlone from 192.0.2.7 to 10.1.1.10 proto icmp
before=$(counter port xlone exit_foreign)
n deadend "$IP" route add 10.1.0.0/16 via 192.0.2.2
check_fails "...and deadend's ping through xlone does not arrive" \
	n deadend ping -c 1 -W 1 10.1.1.10
n deadend "$IP" route del 10.1.0.0/16 via 192.0.2.2
check_ge "...exit_foreign on xlone" $((before + 1)) \
	"$(counter port xlone exit_foreign)"

# An owned prefix: db's endpoint owns 10.1.30.0/24 (db has 10.1.30.5).
DB=02:00:00:00:03:0a
if $SEGCTL prefix add 10.1.30.0/24 domain shop endpoint $DB >/dev/null &&
   $SEGCTL rule add id 40 domain shop from web to db proto icmp type 8 \
	action allow >/dev/null &&
   $SEGCTL rule add id 41 domain shop from db to $OUTSIDE proto icmp \
	type 8 action allow >/dev/null &&
   $SEGCTL rule add id 42 domain shop from $OUTSIDE to db proto icmp \
	type 8 action allow >/dev/null &&
   n db "$IP" addr add 10.1.30.5/32 dev eth0 &&
   n db "$IP" addr add 10.1.31.5/32 dev eth0; then
	pass "db's endpoint owns 10.1.30.0/24; rules 40, 41, 42 for pings"
else
	fail "db's endpoint owns 10.1.30.0/24; rules 40, 41, 42 for pings"
fi
check "trace web -> 10.1.30.5 (db's prefix): to group db, rule 40" \
	trace_says "from group web, to group db, rule 40, action allow" \
	vweb from 10.1.1.10 to 10.1.30.5 proto icmp
check "...and web pings it" n web ping -c 1 -W 2 10.1.30.5
check "trace app -> 10.1.30.5: to group db, default_deny" \
	trace_says "from group app, to group db, rule default, drop default_deny" \
	vapp from 10.1.2.10 to 10.1.30.5 proto icmp
before=$(counter port vapp default_deny)
check_fails "...and app's ping does not arrive" \
	n app ping -c 1 -W 1 10.1.30.5
check_ge "...default_deny at app's port" $((before + 1)) \
	"$(counter port vapp default_deny)"
check "trace on xshop internet -> 10.1.30.5: to group db, rule 42" \
	trace_says "from group internet, to group db, rule 42, action allow" \
	xshop from 203.0.113.10 to 10.1.30.5 proto icmp
check "...and the internet pings it through the exit" \
	n internet ping -c 1 -W 2 10.1.30.5
check "trace db from 10.1.30.5 -> internet: group db, rule 41, xshop" \
	trace_says "from group db, to group internet, rule 41, action allow, exit xshop" \
	vdb from 10.1.30.5 to 203.0.113.10 proto icmp
check "...and db pings the internet from it" \
	n db ping -c 1 -W 2 -I 10.1.30.5 203.0.113.10
check "trace db from 10.1.30.5 -> web: from group db, default_deny" \
	trace_says "from group db, to group web, rule default, drop default_deny" \
	vdb from 10.1.30.5 to 10.1.1.10 proto icmp
src=$(counter port vdb src_ip)
before=$(counter port vdb default_deny)
check_fails "...and db's ping from it does not arrive" \
	n db ping -c 1 -W 1 -I 10.1.30.5 10.1.1.10
check_ge "...default_deny at db's port" $((before + 1)) \
	"$(counter port vdb default_deny)"
check_eq "...not src_ip: the source is db's" "$src" \
	"$(counter port vdb src_ip)"
check "trace db from 10.1.31.5 (no prefix of db's): src_ip" \
	trace_says "drop src_ip" \
	vdb from 10.1.31.5 to 10.1.1.10 proto icmp
check_fails "...and db's ping from it does not arrive" \
	n db ping -c 1 -W 1 -I 10.1.31.5 10.1.1.10
check_ge "...src_ip at db's port" $((src + 1)) \
	"$(counter port vdb src_ip)"
check "trace web from 10.1.30.5 (db's prefix, not web's): src_ip" \
	trace_says "drop src_ip" \
	vweb from 10.1.30.5 to 10.1.2.10 proto icmp
n db "$IP" addr del 10.1.30.5/32 dev eth0
n db "$IP" addr del 10.1.31.5/32 dev eth0
$SEGCTL rule del 40 domain shop >/dev/null
$SEGCTL rule del 41 domain shop >/dev/null
$SEGCTL rule del 42 domain shop >/dev/null
$SEGCTL prefix del 10.1.30.0/24 domain shop >/dev/null

# ---- bad input: refused, with a message, nothing changed ----

$SEGCTL save >"$F/before"
"$IP" link add xshop2 type veth peer name xshop2p
host_port_up xshop2
check_err "a second exit for shop is refused" "" \
	'the domain has an exit already, xshop: one at most' \
	$SEGCTL port attach xshop2 domain shop role exit ip 192.0.2.2/24 \
		nexthop 192.0.2.1
check_fails "...and xshop2 is not attached" $SEGCTL port show xshop2
check_err "an exit on blue's port vbweb is refused" "" \
	'vbweb is already attached to domain "blue"' \
	$SEGCTL port attach vbweb domain shop role exit ip 192.0.2.2/24 \
		nexthop 192.0.2.1
check_err "an exit address without its next hop is refused" "" \
	'"ip" and "nexthop" go together' \
	$SEGCTL port attach xshop2 domain blue role exit ip 192.0.2.2/24 \
		nexthop6 fd00:2::1
check_err "a next hop outside the exit's prefix is refused" "" \
	"inside its own prefix" \
	$SEGCTL port attach xshop2 domain blue role exit ip 192.0.2.2/24 \
		nexthop 192.0.3.1
check_err "an exit with no address is refused" "" \
	"an exit needs" \
	$SEGCTL port attach xshop2 domain blue role exit
check_err "an endpoint on the exit port is refused" "" \
	"xshop is not an endpoint port" \
	$SEGCTL endpoint add 02:00:00:00:07:0a domain shop group web \
		port xshop ip 10.1.1.77
check "...and nothing changed" sh -c "$SEGCTL save | cmp -s - $F/before"

# ---- save and sync ----

check "save writes the exit's attach line" grep -qx \
	"port attach xshop domain shop role exit ip 192.0.2.2/24 nexthop 192.0.2.1 ip6 fd00:2::2/64 nexthop6 fd00:2::1" \
	"$F/before"
$SEGCTL port detach xshop
check "sync of the saved file attaches the exit again" \
	$SEGCTL sync "$F/before"
check "...and save prints the same after" \
	sh -c "$SEGCTL save | cmp -s - $F/before"
check "web -> internet:80 works through the exit attached again" \
	tcp_ok web internet 203.0.113.10 80

finish
