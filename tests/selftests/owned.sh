#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Endpoints that own prefixes: a router VM with a subnet behind it, and
# an endpoint with more addresses than its slots, as host routes.
#
#   c  web 10.1.1.10      r  rtr 10.1.2.10 ----- lan 10.9.0.5
#    |vc                   |vr    eth1 (a plain veth,  2001:db8:9::5
#    |                     |      not segfilter's)
#   x  web 10.1.3.10      v  vip 10.1.4.10, owns 10.8.0.1..12/32
#    |vx                   |vv              and 2001:db8:8::1..2/128
#   +--------------------------------------------------------------+
#   | domain t, default deny, gateway 02:00:00:00:ff:01 (10.1.N.1, |
#   | fd01:N::1); r's endpoint owns 10.9.0.0/24, 2001:db8:9::/64   |
#   | rule 1: web -> rtr icmp    rule 2: web -> rtr icmpv6         |
#   | rule 3: web -> rtr tcp 5000   rule 4: web -> vip icmp        |
#   +--------------------------------------------------------------+
#   Later, p (192.0.2.1) beyond an exit (192.0.2.2), group internet
#   (0.0.0.0/0); rule 5: internet -> rtr icmp.
#
# Every VM routes through the gateway.  r forwards between eth0 and eth1.

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

skip_on 6.12 "the module's own logic, the same on every kernel (6.1, debug)"


cleanup()
{
	kill ${PIDS:-} 2>/dev/null
	cleanup_vms
	rm -f /tmp/owned.*
}
trap cleanup EXIT

C=02:00:00:00:02:01
R=02:00:00:00:02:02
X=02:00:00:00:02:03
V=02:00:00:00:02:04
LAN=10.9.0.5
LAN6=2001:db8:9::5
N_VIP=12

setup()
{
	local i
	module_reload
	$SEGCTL domain add t id 1 default deny gateway 02:00:00:00:ff:01 \
		gw-ip 10.1.1.1 gw-ip 10.1.2.1 gw-ip 10.1.3.1 gw-ip 10.1.4.1 \
		gw-ip fd01:1::1 gw-ip fd01:2::1 >/dev/null || return 1
	for g in web:1 rtr:2 vip:3 rtr2:4 ext:5; do
		$SEGCTL group add "${g%:*}" id "${g#*:}" domain t \
			>/dev/null || return 1
	done
	tier_vm c vc $C 1 v6 && tier_vm r vr $R 2 v6 && tier_vm x vx $X 3 &&
	tier_vm v vv $V 4 || return 1
	# lan, behind r on a veth of r's own
	vm_ns lan
	n r "$IP" link add eth1 type veth peer name eth0 netns lan
	n r "$IP" addr add 10.9.0.1/24 dev eth1
	n r "$IP" addr add 2001:db8:9::1/64 dev eth1 nodad
	n r "$IP" link set eth1 up
	# A router solicits a neighbour for a packet it forwards from a
	# link-local address (the packet's source is not its own): eth1 has
	# one, and eth0 knows the gateway (the VMs have no link-local).
	n r "$IP" addr add fe80::1/64 dev eth1 nodad
	n r "$IP" -6 neigh replace fd01:2::1 lladdr 02:00:00:00:ff:01 dev eth0
	n r sysctl -qw net.ipv4.ip_forward=1
	n r sysctl -qw net.ipv6.conf.all.forwarding=1
	n lan "$IP" addr add $LAN/24 dev eth0
	n lan "$IP" addr add $LAN6/64 dev eth0 nodad
	n lan "$IP" link set eth0 up
	n lan "$IP" route add default via 10.9.0.1
	n lan "$IP" -6 route add default via 2001:db8:9::1
	for i in $(seq $N_VIP); do
		n v "$IP" addr add 10.8.0.$i/32 dev eth0 || return 1
	done
	n v "$IP" addr add 2001:db8:8::1/128 dev eth0 nodad
	n v "$IP" addr add 2001:db8:8::2/128 dev eth0 nodad
	for p in vc vr vx vv; do
		$SEGCTL port attach $p domain t >/dev/null || return 1
	done
	$SEGCTL endpoint add $C domain t group web port vc ip 10.1.1.10 \
		ip fd01:1::10 >/dev/null &&
	$SEGCTL endpoint add $R domain t group rtr port vr ip 10.1.2.10 \
		ip fd01:2::10 >/dev/null &&
	$SEGCTL endpoint add $X domain t group web port vx \
		ip 10.1.3.10 >/dev/null &&
	$SEGCTL endpoint add $V domain t group vip port vv \
		ip 10.1.4.10 >/dev/null || return 1
	$SEGCTL rule add id 1 domain t from web to rtr proto icmp \
		action allow >/dev/null &&
	$SEGCTL rule add id 2 domain t from web to rtr proto icmpv6 \
		action allow >/dev/null &&
	$SEGCTL rule add id 3 domain t from web to rtr proto tcp port 5000 \
		action allow >/dev/null &&
	$SEGCTL rule add id 4 domain t from web to vip proto icmp \
		action allow >/dev/null
}

if ! setup; then
	fail "set up domain t: c, r with lan behind it, x and v"
	finish
fi
pass "set up domain t: c, r with lan behind it, x and v"

lookup() { $SEGCTL prefix lookup "$1" domain t; }
saved() { $SEGCTL save | grep -q "$1"; }

# ---- a router VM with a subnet behind it ----

check_eq "prefix add ... endpoint: r's endpoint owns 10.9.0.0/24" \
	"prefix 10.9.0.0/24 endpoint $R group rtr domain t" \
	"$($SEGCTL prefix add 10.9.0.0/24 domain t endpoint $R)"
check "...and 2001:db8:9::/64" \
	$SEGCTL prefix add 2001:db8:9::/64 domain t endpoint $R
check_eq "prefix lookup $LAN: r's prefix, with r's group" \
	"prefix 10.9.0.0/24 endpoint $R group rtr domain t" "$(lookup $LAN)"
check "endpoint show lists r's prefixes" sh -c \
	"$SEGCTL endpoint show domain t | grep '^endpoint $R ' |
	 grep -q ' prefix 10.9.0.0/24 prefix 2001:db8:9::/64\$'"
check "...and -j as \"prefixes\"" sh -c \
	"$SEGCTL -j endpoint show domain t |
	 grep -q '\"prefixes\":\[\"10.9.0.0/24\",\"2001:db8:9::/64\"\]'"
check_eq "...c's line has none" 0 \
	"$($SEGCTL endpoint show domain t | grep "^endpoint $C " | grep -c prefix)"
e0=$(in_echos lan)
src0=$(counter port vr src_ip)
check "c pings $LAN behind r, through the gateway and r" ping4 c $LAN 3
check_ge "...lan got the echoes" $((e0 + 3)) "$(in_echos lan)"
check_eq "...lan's replies (from $LAN) were taken from r: no src_ip" \
	"$src0" "$(counter port vr src_ip)"
if ping6 c $LAN6 2 >"$OUT" 2>&1; then
	pass "c pings $LAN6 behind r"
else
	fail "c pings $LAN6 behind r"
	$SEGCTL stats domain t | sed 's/^/# /'
	$SEGCTL prefix lookup $LAN6 domain t | sed 's/^/# /'
	for ns in c r lan; do
		echo "# --- $ns"
		n $ns "$IP" -6 addr | sed 's/^/# /'
		n $ns "$IP" -6 route | sed 's/^/# /'
		n $ns "$IP" -6 neigh | sed 's/^/# /'
		n $ns cat /proc/net/snmp6 | grep -E 'Ip6(InReceives|InNoRoutes|OutForwDatagrams|InAddrErrors|InDiscards|OutNoRoutes)|Icmp6(InEchos|OutEchoReplies|InEchoReplies)|Icmp6InNeighbor|Icmp6OutNeighbor' | sed 's/^/# /'
		n $ns sysctl net.ipv6.conf.all.forwarding | sed 's/^/# /'
	done
fi
check "c reaches lan over TCP ($LAN:5000, rule 3)" tcp_ok c lan $LAN 5000
check "...and over TCP on IPv6 ($LAN6:5000)" tcp_ok c lan $LAN6 5000
check "a TCP port no rule allows does not cross (5001)" \
	tcp_blocked c lan $LAN 5001

# The router's group decides: a deny rule for web -> rtr icmp, by prio.
d0=$(counter domain t rule_deny)
$SEGCTL rule add id 9 domain t prio 1 from web to rtr proto icmp \
	action deny >/dev/null
e0=$(in_echos lan)
check_fails "with a deny rule web -> rtr, c's pings to $LAN do not cross" \
	ping4 c $LAN 2
check_eq "...lan got none" "$e0" "$(in_echos lan)"
check_ge "...counted as rule_deny" $((d0 + 2)) "$(counter domain t rule_deny)"
$SEGCTL rule del 9 domain t >/dev/null

# The same source from another VM is a spoof.
n x "$IP" addr add $LAN/32 dev eth0
# Its ARP for the gateway would come from $LAN too: known already.
n x "$IP" neigh replace 10.1.3.1 lladdr 02:00:00:00:ff:01 dev eth0
s0=$(counter port vx src_ip)
e0=$(in_echos c)
n x ping -c 2 -W 1 -I $LAN 10.1.1.10 >/dev/null 2>&1
check_ge "x sending from $LAN is dropped as src_ip" $((s0 + 2)) \
	"$(counter port vx src_ip)"
check_eq "...c got none of it" "$e0" "$(in_echos c)"
n x "$IP" addr del $LAN/32 dev eth0

# A prefix holds no endpoint's address, nor the gateway's: x owning
# 10.1.0.0/16 may not send from c's 10.1.1.10 nor from the gateway's.
$SEGCTL prefix add 10.1.0.0/16 domain t endpoint $X >/dev/null
for spoof in 10.1.1.10 10.1.1.1; do
	n x "$IP" addr add $spoof/32 dev eth0
	s0=$(counter port vx src_ip)
	n x ping -c 2 -W 1 -I $spoof 10.1.2.10 >/dev/null 2>&1
	check_ge "x owning 10.1.0.0/16 sending from $spoof: src_ip" \
		$((s0 + 2)) "$(counter port vx src_ip)"
	n x "$IP" addr del $spoof/32 dev eth0
done
check_eq "...and lookup of 10.1.1.10 names c, not x's prefix" "$C" \
	"$($SEGCTL prefix lookup 10.1.1.10 domain t | grep -o "$C")"
$SEGCTL prefix del 10.1.0.0/16 domain t >/dev/null

# A longer group prefix inside r's wins, for lookup and routing.
$SEGCTL prefix add 10.9.0.128/25 domain t group ext >/dev/null
check_eq "a group's 10.9.0.128/25 inside r's prefix wins for 10.9.0.200" \
	"prefix 10.9.0.128/25 group ext domain t" "$(lookup 10.9.0.200)"
n lan "$IP" addr add 10.9.0.200/24 dev eth0
nr0=$(counter domain t no_route)
e0=$(in_echos lan)
check_fails "...c's pings to 10.9.0.200 are not routed to r (no exit)" \
	ping4 c 10.9.0.200 2
check_eq "...lan got none" "$e0" "$(in_echos lan)"
check_ge "...counted as no_route" $((nr0 + 2)) "$(counter domain t no_route)"
check "...$LAN is still r's" ping4 c $LAN 1
$SEGCTL prefix del 10.9.0.128/25 domain t >/dev/null

# ---- an endpoint with more addresses than its slots ----

for i in $(seq $N_VIP); do
	echo "prefix add 10.8.0.$i/32 domain t endpoint $V"
done >/tmp/owned.batch
echo "prefix add 2001:db8:8::1/128 domain t endpoint $V" >>/tmp/owned.batch
echo "prefix add 2001:db8:8::2/128 domain t endpoint $V" >>/tmp/owned.batch
check "v's endpoint owns $N_VIP /32s and 2 /128s, one batch" \
	$SEGCTL -b /tmp/owned.batch
e0=$(in_echos v)
ok=0
for i in $(seq $N_VIP); do
	ping4 c 10.8.0.$i 1 >/dev/null 2>&1 && ok=$((ok + 1))
done
check_eq "c pings each of the $N_VIP, and each answers" $N_VIP $ok
check_ge "...v got the echoes" $((e0 + N_VIP)) "$(in_echos v)"
check "save writes them after the endpoints" sh -c \
	"$SEGCTL save | grep -n '' | grep -A99 ':endpoint add $V ' |
	 grep -q 'prefix add 10.8.0.12/32 domain t endpoint $V\$'"

# ---- changed in place: flows judged again ----

live()
{
	n lan timeout 60 nc -l -p 5000 >"$1" &
	PIDS="$PIDS $!"
	wait_for 50 is_listening lan 5000 || return 1
	n c timeout 60 bash -c "exec 3<>/dev/tcp/$LAN/5000 &&
		for i in \$(seq 200); do echo \"tick \$i\" >&3; sleep 0.2; done" &
	PIDS="$PIDS $!"
	wait_for 50 grep -q "tick 3" "$1"
}
lines() { wc -l <"$1"; }

check "c holds a live TCP connection to $LAN:5000" live /tmp/owned.a
rev0=$(counter domain t revoked)
check "endpoint set: r's group becomes rtr2, which no rule lets web reach" \
	$SEGCTL endpoint set $R domain t group rtr2
check_eq "...r's prefix went with it to the new endpoint" \
	"prefix 10.9.0.0/24 endpoint $R group rtr2 domain t" "$(lookup $LAN)"
sleep 1
l0=$(lines /tmp/owned.a)
sleep 1.5
check_eq "...the connection is cut: nothing more arrives" "$l0" \
	"$(lines /tmp/owned.a)"
check_ge "...its packets are dropped as revoked" $((rev0 + 1)) \
	"$(counter domain t revoked)"
kill $PIDS 2>/dev/null
PIDS=
"$IP" netns pids c | xargs -r kill 2>/dev/null
"$IP" netns pids lan | xargs -r kill 2>/dev/null
check "endpoint set: r back in rtr" $SEGCTL endpoint set $R domain t group rtr
check "...c reaches $LAN again" ping4 c $LAN 1
check "endpoint set del-prefix: r no longer owns 10.9.0.0/24" \
	$SEGCTL endpoint set $R domain t del-prefix 10.9.0.0/24
nr0=$(counter domain t no_route)
check_fails "...c's pings to $LAN go nowhere" ping4 c $LAN 2
check_ge "...counted as no_route" $((nr0 + 2)) "$(counter domain t no_route)"
check "...r keeps its IPv6 prefix" saved \
	"^prefix add 2001:db8:9::/64 domain t endpoint $R\$"
check "endpoint set add-prefix: and owns it again" \
	$SEGCTL endpoint set $R domain t add-prefix 10.9.0.0/24
check "...c reaches $LAN again" ping4 c $LAN 1

# ---- from outside, through the exit ----

# p, beyond the domain's exit, routes 10.1.0.0/16 and r's subnet to it.
vm_ns p
"$IP" link add xt type veth peer name eth0 netns p
host_port_up xt
n p "$IP" addr add 192.0.2.1/24 dev eth0
n p "$IP" link set eth0 up
n p "$IP" route add 10.1.0.0/16 via 192.0.2.2
n p "$IP" route add 10.9.0.0/24 via 192.0.2.2
p_mac=$(n p cat /sys/class/net/eth0/address)
{
	$SEGCTL group add internet id 6 domain t &&
	$SEGCTL prefix add 0.0.0.0/0 domain t group internet &&
	$SEGCTL rule add id 5 domain t from internet to rtr proto icmp \
		action allow &&
	$SEGCTL port attach xt domain t role exit ip 192.0.2.2/24 \
		nexthop 192.0.2.1
} >/dev/null
nexthop_known() { $SEGCTL port show xt | grep -q " nexthop-mac $p_mac"; }
wait_for 30 nexthop_known
e0=$(in_echos lan)
check "a host beyond the exit pings $LAN: routed in to r" ping4 p $LAN 2
check_ge "...lan got the echoes" $((e0 + 2)) "$(in_echos lan)"
n p "$IP" addr add 10.9.0.7/32 dev eth0
nr0=$(counter domain t no_route)
n p ping -c 2 -W 1 -I 10.9.0.7 10.1.2.10 >/dev/null 2>&1
check_ge "...from inside r's prefix, it is no peer: no_route" $((nr0 + 2)) \
	"$(counter domain t no_route)"

# ---- refused, and nothing changed ----

$SEGCTL domain add u id 2 >/dev/null
$SEGCTL group add ext id 1 domain u >/dev/null
$SEGCTL prefix add 10.6.0.0/16 domain t group ext >/dev/null
before=$($SEGCTL save)
check_err "a prefix for an endpoint of another domain is refused" "" \
	"endpoint $R does not exist in domain \"u\"" \
	$SEGCTL prefix add 10.7.0.0/24 domain u endpoint $R
check_err "an owned prefix equal to a group's is refused (EEXIST)" "" \
	"prefix 10.6.0.0/16 is already in group \"ext\"" \
	$SEGCTL prefix add 10.6.0.0/16 domain t endpoint $R
check_err "a group prefix equal to an owned one is refused" "" \
	"prefix 10.9.0.0/24 is already owned by $R" \
	$SEGCTL prefix add 10.9.0.0/24 domain t group ext
check_err "...and one another endpoint owns" "" \
	"prefix 10.8.0.1/32 is already owned by $V" \
	$SEGCTL prefix add 10.8.0.1/32 domain t endpoint $R
check_err "a host route to another endpoint's address is refused" "" \
	"prefix 10.1.1.10/32 is an address of endpoint $C" \
	$SEGCTL prefix add 10.1.1.10/32 domain t endpoint $R
check_err "an address that is another endpoint's host route is refused" "" \
	"10.8.0.1 is another endpoint's prefix" \
	$SEGCTL endpoint set $C domain t add-ip 10.8.0.1
check_err "endpoint claim of r's address by an endpoint of another domain" \
	"" "no endpoint $C in domain u" \
	$SEGCTL endpoint claim $C domain u ip 10.1.2.10
check_err "group and endpoint both is a usage error" "" "one of the two" \
	$SEGCTL prefix add 10.5.0.0/16 domain t group ext endpoint $R
check_eq "...and the configuration is as it was" "$before" "$($SEGCTL save)"

# ---- save, sync and diff know owned prefixes ----

$SEGCTL save >/tmp/owned.saved
check_eq "save lists r's prefixes after the endpoints" 0 \
	"$(awk '/^endpoint add/ { e = NR } /^prefix add .* endpoint / && !p { p = NR }
	END { print (p > e) ? 0 : 1 }' /tmp/owned.saved)"
check "diff of the saved file: nothing" \
	eval "[ -z \"\$($SEGCTL diff /tmp/owned.saved)\" ]"
gen() { $SEGCTL -j domain show t | sed -n 's/.*"gen":\([0-9]*\).*/\1/p'; }
g0=$(gen)
check "sync of the saved file" $SEGCTL sync /tmp/owned.saved
check_eq "...commits nothing (the policy generation)" "$g0" "$(gen)"
# r's group changes: the endpoint is deleted and added, its prefixes too.
sed "/^endpoint add $R /s/ group rtr / group ext /" /tmp/owned.saved \
	>/tmp/owned.regroup
check "diff of r in another group: its prefixes go and come back" eval \
	"$SEGCTL diff /tmp/owned.regroup | grep -q '^prefix add 10.9.0.0/24 domain t endpoint $R'"
check "sync applies it" $SEGCTL sync /tmp/owned.regroup
check_eq "...r owns 10.9.0.0/24 still" "10.9.0.0/24" \
	"$($SEGCTL prefix show domain t | grep "endpoint $R" |
		grep -o '10.9.0.0/24')"
check "sync back to the saved file" $SEGCTL sync /tmp/owned.saved
check_eq "...as saved" "$(cat /tmp/owned.saved)" "$($SEGCTL save)"
grep -v "^prefix add 10.9.0.0/24 " /tmp/owned.saved >/tmp/owned.less
check "sync to a file without one of r's prefixes" $SEGCTL sync /tmp/owned.less
check_eq "...deletes it alone" "$(cat /tmp/owned.less)" "$($SEGCTL save)"
$SEGCTL sync /tmp/owned.saved >/dev/null
first=$(grep -m 1 '^prefix add .* endpoint ' /tmp/owned.saved)
grep -v -x -F -- "$first" /tmp/owned.saved |
	awk -v m="$first" '/^endpoint add/ && !d { print m; d = 1 } { print }' \
	>/tmp/owned.early
check_err "a file with an owned prefix before its endpoint: refused" "" \
	"before its prefix" $SEGCTL sync /tmp/owned.early

# ---- a port flap: the endpoint and its prefixes go, and come back ----

# A VM's tap is deleted and made again (a reboot, a migration back): the
# detach deletes the endpoint behind the port and the prefixes it owns,
# and the agent adds both again as it first did.
check "port detach of r's port (a flap)" $SEGCTL port detach vr
check_eq "...r's prefixes went with its endpoint" "" \
	"$($SEGCTL prefix show domain t | grep "endpoint $R")"
check "...and from the data path's table: $LAN is the internet's now" \
	eval "lookup $LAN | grep -q 'group internet' && ! lookup $LAN | grep -q $R"
check_fails "...c's pings to $LAN go nowhere" ping4 c $LAN 2
check "port attach of r's port again" $SEGCTL port attach vr domain t
check "endpoint add of r again" $SEGCTL endpoint add $R domain t \
	group rtr port vr ip 10.1.2.10 ip fd01:2::10
printf 'prefix add %s domain t endpoint %s\n' 10.9.0.0/24 $R \
	2001:db8:9::/64 $R >/tmp/owned.readd
check "...and its prefixes, taken as new" $SEGCTL -b /tmp/owned.readd
check "...c reaches $LAN again" ping4 c $LAN 1
check_eq "...everything as saved" "$(sort /tmp/owned.saved)" \
	"$($SEGCTL save | sort)"

# ---- a virtual IP on-link: ARP and ND resolve it to its owner ----

# c takes v's addresses as on-link, as a VM does with a keepalived
# address in its own subnet: it asks for 10.8.0.1, not for the gateway.
lladdr() { n c "$IP" "$1" neigh show "$2" | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2; }
n c "$IP" route add 10.8.0.0/24 dev eth0
n c "$IP" -6 route add 2001:db8:8::/64 dev eth0
check "c pings 10.8.0.1 on-link" ping4 c 10.8.0.1 1
check_eq "...ARP resolved it to v's MAC" "$V" "$(lladdr -4 10.8.0.1)"
# Policy lets web ping vip over IPv4 only: the solicitation is answered.
n c ping -6 -c 1 -W 2 2001:db8:8::2 >/dev/null 2>&1
check_eq "...ND resolves 2001:db8:8::2 to v's MAC" "$V" \
	"$(lladdr -6 2001:db8:8::2)"
nu0=$(counter domain t neigh_unknown)
n c ping -c 1 -W 1 10.8.0.99 >/dev/null 2>&1
check_ge "...ARP for an address nobody holds: neigh_unknown" $((nu0 + 1)) \
	"$(counter domain t neigh_unknown)"
n c "$IP" route del 10.8.0.0/24 dev eth0
n c "$IP" -6 route del 2001:db8:8::/64 dev eth0

# ---- the endpoint goes, its prefixes with it ----

check "endpoint del of r" $SEGCTL endpoint del $R domain t
check_eq "...its prefixes went with it" "" \
	"$($SEGCTL prefix show domain t | grep "endpoint $R")"
check_eq "...v's are still there" $((N_VIP + 2)) \
	"$($SEGCTL prefix show domain t | grep -c "endpoint $V")"


# ---- endpoint add ... prefix: an endpoint and its prefixes at once ----

# r comes back on vr with its prefixes in one command; one the kernel
# refuses takes the endpoint with it.  save's output, and a file with
# the prefixes on the endpoint's line, replay into an empty module.
owned_in_one()
{
	local ep="endpoint add $R domain t group rtr port vr ip 10.1.2.10"
	local before e0

	before=$($SEGCTL save)
	check_err "endpoint add ... prefix a group has: refused, the kernel says why" \
		"" "prefix 10.6.0.0/16 is already in group \"ext\"" \
		$SEGCTL $ep ip fd01:2::10 prefix 10.9.0.0/24 prefix 10.6.0.0/16
	check_err "...a prefix with host bits: refused" "" \
		"10.9.0.1/24 has bits set past its length" \
		$SEGCTL $ep prefix 10.9.0.1/24
	# (whole: a long reason leaves out the transaction's "op N: ")
	check_err "...a prefix v owns already: refused, the whole MAC said" "" \
		"prefix 10.8.0.1/32 is already owned by $V" \
		$SEGCTL $ep prefix 10.8.0.1/32
	check_eq "...none added r's endpoint or 10.9.0.0/24: nothing changed" \
		"$before" "$($SEGCTL save)"
	# In a batch file it is part of the file's transaction.
	printf '%s\n' "rule del 4 domain t" \
		"$ep prefix 10.9.0.0/24 prefix 10.8.0.1/32" >/tmp/owned.batch
	check_err "a batch whose endpoint line has a refused prefix fails" "" \
		"/tmp/owned.batch:2: segfilter: prefix 10.8.0.1/32 is already owned by $V" \
		$SEGCTL -b /tmp/owned.batch
	check_eq "...and its rule del did not happen either" \
		"$before" "$($SEGCTL save)"
	check "endpoint add of r with prefix 10.9.0.0/24 and 2001:db8:9::/64" \
		$SEGCTL $ep ip fd01:2::10 prefix 10.9.0.0/24 \
		prefix 2001:db8:9::/64
	check_eq "...prefix lookup $LAN: r's prefix" \
		"prefix 10.9.0.0/24 endpoint $R group rtr domain t" \
		"$(lookup $LAN)"
	check "...endpoint show lists both" sh -c \
		"$SEGCTL endpoint show domain t | grep '^endpoint $R ' |
		 grep -q ' prefix 10.9.0.0/24 prefix 2001:db8:9::/64\$'"
	e0=$(in_echos lan)
	check "...c pings $LAN behind r again" ping4 c $LAN 2
	check_ge "...lan got the echoes" $((e0 + 2)) "$(in_echos lan)"

	# The prefixes on r's line: sync and diff read them as save's lines.
	$SEGCTL save >/tmp/owned.one
	grep -v " domain t endpoint $R\$" /tmp/owned.one |
		sed "/^endpoint add $R /s/\$/ prefix 2001:db8:9::\/64 prefix 10.9.0.0\/24/" \
		>/tmp/owned.inline
	check_eq "diff of a file with r's prefixes on its line: nothing" "" \
		"$($SEGCTL diff /tmp/owned.inline 2>&1)"

	# save's output replays into an empty module, and so does the other
	# (its prefixes are added in another order, which save follows).
	module_reload
	check "segctl -b of save's output into an empty module" \
		$SEGCTL -b /tmp/owned.one
	check_eq "...save is what it was" "$(cat /tmp/owned.one)" \
		"$($SEGCTL save)"
	module_reload
	check "segctl -b of the file with r's prefixes on its line" \
		$SEGCTL -b /tmp/owned.inline
	check_eq "...save has the same lines" "$(sort /tmp/owned.one)" \
		"$($SEGCTL save | sort)"
	e0=$(in_echos lan)
	check "...c pings $LAN behind r" ping4 c $LAN 2
	check_ge "...lan got the echoes" $((e0 + 2)) "$(in_echos lan)"
}
owned_in_one

finish
