#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DHCPv4 and router advertisements answered by the domain's gateway, and
# a tenant's own DHCP server, dropped unless the domain names it.
#
#   domain dc, gateway 02:00:00:00:ff:01 (10.9.0.1, fe80::ff:fe00:ff01),
#   MTU 1400, DNS 10.9.0.53 192.0.2.53, prefix fd09:1::/64
#   +------+ +------+ +------+ +------+ +------+ +------+
#   |  c1  | |  c2  | |  v6  | |  r1  | |  s1  | |  c3  |
#   | dhcp | | .12  | |  RA  | | .14  | | .15  | | dhcp |
#   +--+---+ +--+---+ +--+---+ +--+---+ +--+---+ +--+---+
#      vc1      vc2      vv6      vr1      vs1      vc3
#
# c1 runs busybox udhcpc with Debian's script and is told its endpoint's
# address (10.9.0.11/32), the router, MTU and DNS; r1 sends DHCP server
# traffic meanwhile, which reaches nobody.  v6 autoconfigures from the
# gateway's advertisement the address its endpoint was given
# (fd09:1::ff:fe00:3, EUI-64 of its MAC).  s1 is flagged dhcp-server and
# runs busybox udhcpd: c3 gets its lease from it, not from the gateway.
# i1 (10.9.0.18, no IPv6) sends crafted INFORMs without ciaddr
# (tests/tools/dhcpprobe).  Last, domain dr (VNI 900) gets an uplink
# vxd0 on an underlay veth to the host hvr (192.168.53.2), from which
# dhcpprobe -x sends DHCP as dr's remote endpoint 10.12.0.30.

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

skip_on 6.12 "the module's own logic, the same on every kernel (6.1, debug)"

GW=02:00:00:00:ff:01
GW_LL=fe80::ff:fe00:ff01
SCRIPT=/etc/udhcpc/default.script
PIDS=

cleanup()
{
	local pid
	for pid in $PIDS; do
		kill "$pid" 2>/dev/null || true
	done
	cleanup_vms
	"$IP" link del vxd0 2>/dev/null
	echo 600 >/sys/module/segfilter/parameters/ra_interval 2>/dev/null
	rm -rf /etc/netns/c1 /etc/netns/c3 /tmp/dhcp.*
	[ -z "$RESOLV" ] || rm -f /etc/resolv.conf
}
# ip netns exec mounts /etc/netns/NS/resolv.conf on /etc/resolv.conf,
# which must be there.
RESOLV=
if [ ! -e /etc/resolv.conf ]; then
	: >/etc/resolv.conf
	RESOLV=1
fi
trap cleanup EXIT

# dhcp_vm NS PORT MAC: a VM with no address and no IPv6, whose
# /etc/resolv.conf is its own (ip netns exec mounts /etc/netns/NS/'s).
dhcp_vm()
{
	local ns=$1 port=$2 mac=$3
	quiet_ns "$ns"
	"$IP" link add "$port" type veth peer name eth0 netns "$ns"
	host_port_up "$port"
	n "$ns" "$IP" link set eth0 address "$mac"
	n "$ns" "$IP" link set eth0 up
	mkdir -p "/etc/netns/$ns"
	: >"/etc/netns/$ns/resolv.conf"
}

# udhcpc NS: one lease for eth0 of NS by busybox udhcpc and Debian's
# script; what the script was told is kept in /tmp/dhcp.NS.env.
udhcpc_run()
{
	local ns=$1
	cat >/tmp/dhcp.hook <<-EOF
	#!/bin/sh
	case "\$1" in bound|renew) env >"/tmp/dhcp.\$DHCP_NS.env" ;; esac
	exec $SCRIPT "\$@"
	EOF
	chmod +x /tmp/dhcp.hook
	n "$ns" env DHCP_NS="$ns" timeout 30 udhcpc -i eth0 -f -q -n -t 5 \
		-T 2 -O staticroutes -s /tmp/dhcp.hook
}

# env_of NS VAR: a variable the script was given.
env_of() { sed -n "s/^$2=//p" "/tmp/dhcp.$1.env" 2>/dev/null; }

setup()
{
	module_reload
	[ -x "$SCRIPT" ] || return 1
	$SEGCTL domain add dc id 1 gateway $GW gw-ip 10.9.0.1 mtu 1400 \
		dns 10.9.0.53,192.0.2.53,fd09::53 ipv6-prefix fd09:1::/64 \
		>/dev/null &&
	$SEGCTL group add vm id 1 domain dc >/dev/null || return 1

	dhcp_vm c1 vc1 02:00:00:00:00:01
	vm_veth c2 vc2 02:00:00:00:00:02 10.9.0.12 fd09:1::12
	vm_veth r1 vr1 02:00:00:00:00:04 10.9.0.14 fd09:1::14
	for p in vc1 vc2 vr1; do
		$SEGCTL port attach $p domain dc >/dev/null || return 1
	done
	$SEGCTL endpoint add 02:00:00:00:00:01 domain dc group vm port vc1 \
		ip 10.9.0.11 >/dev/null &&
	$SEGCTL endpoint add 02:00:00:00:00:02 domain dc group vm port vc2 \
		ip 10.9.0.12 ip fd09:1::12 >/dev/null &&
	$SEGCTL endpoint add 02:00:00:00:00:04 domain dc group vm port vr1 \
		ip 10.9.0.14 ip fd09:1::14 >/dev/null
}

if ! setup; then
	fail "set up a domain with DHCP settings and its VMs"
	finish
fi
pass "set up a domain with DHCP settings and its VMs"

check_eq "domain show lists the MTU, DNS servers and prefixes" \
	"mtu 1400 dns 10.9.0.53,192.0.2.53,fd09::53 ipv6-prefix fd09:1::/64" \
	"$($SEGCTL domain show dc | grep -o 'mtu .*/64')"
check "save writes them back as they were set" \
	grep -q "mtu 1400 dns 10.9.0.53,192.0.2.53,fd09::53 ipv6-prefix fd09:1::/64" \
	<($SEGCTL save)

# --- bad input, refused and nothing changed ---
check_err "an MTU below 68 is refused" "" "at least 68" \
	$SEGCTL domain set dc mtu 60
check_err "a prefix with host bits is refused" "" "host part zero" \
	$SEGCTL domain set dc ipv6-prefix fd09:2::1/64
check_err "a prefix other than /64 is refused" "" "IPv6 /64" \
	$SEGCTL domain set dc ipv6-prefix fd09:2::/48
check_err "a multicast DNS server is refused" "" "unicast host address" \
	$SEGCTL domain set dc dns 224.0.0.1
check_err "a DNS server given twice is refused" "" "given twice" \
	$SEGCTL domain set dc dns 10.9.0.53,192.0.2.53,10.9.0.53
check_err "a prefix given twice is refused" "" "given twice" \
	$SEGCTL domain set dc ipv6-prefix fd09:1::/64,fd09:1::/64
check_err "a remote endpoint cannot be the DHCP server" "" \
	"remote endpoint cannot be the DHCP server" \
	$SEGCTL endpoint add 02:00:00:00:00:09 domain dc group vm port vr1 \
	ip 10.9.0.19 remote 192.0.2.9 dhcp-server
check_eq "the refused settings changed nothing" \
	"mtu 1400 dns 10.9.0.53,192.0.2.53,fd09::53 ipv6-prefix fd09:1::/64" \
	"$($SEGCTL domain show dc | grep -o 'mtu .*/64')"

# --- DHCPv4 from the gateway, a rogue server sending meanwhile ---
n c2 "$TOOLS/udpcast" recv 68 >/tmp/dhcp.c2.recv &
PIDS="$PIDS $!"
n r1 "$TOOLS/udpcast" send -i eth0 -p 67 -n 100 255.255.255.255 68 ROGUE \
	2>/dev/null &
rogue=$!
check "c1 gets a lease with busybox udhcpc" udhcpc_run c1
wait "$rogue"
check_eq "c1's address is its endpoint's, a host route" "10.9.0.11/32" \
	"$(n c1 "$IP" -4 -o addr show dev eth0 | awk '{ print $4 }')"
check "c1's default route is through the gateway" \
	grep -q "default via 10.9.0.1" <(n c1 "$IP" -4 route show)
check_eq "c1's MTU is the domain's" 1400 \
	"$(n c1 cat /sys/class/net/eth0/mtu)"
check_eq "c1's resolv.conf names the domain's IPv4 DNS servers" \
	"nameserver 10.9.0.53 nameserver 192.0.2.53" \
	"$(grep nameserver /etc/netns/c1/resolv.conf | tr '\n' ' ' |
		sed 's/ $//')"
check_eq "the lease came from the gateway, not the rogue" 10.9.0.1 \
	"$(env_of c1 serverid)"
check_eq "the gateway was told as router" 10.9.0.1 "$(env_of c1 router)"
check_eq "asked for option 121: a route to the gateway, then through it" \
	"10.9.0.1/32 0.0.0.0 0.0.0.0/0 10.9.0.1" "$(env_of c1 staticroutes)"
check "c1 pings c2 through the gateway" ping4 c1 10.9.0.12
check_ge "the gateway answered c1 (offer and ack)" 2 \
	"$(counter port vc1 dhcp_replies)"
check_eq "the rogue's 100 server datagrams are dropped as dhcp" 100 \
	"$(counter port vr1 dhcp)"
check_eq "no DHCP answer or rogue datagram reached c2" "" \
	"$(cat /tmp/dhcp.c2.recv)"

# Server traffic by other ways: to port 68 from another port, and in
# fragments (r1's MTU of 100 cuts a 160-byte datagram in two).
drops=$(counter port vr1 dhcp)
n r1 "$TOOLS/udpcast" send -i eth0 -p 1067 -n 5 255.255.255.255 68 PORT \
	2>/dev/null
n r1 "$IP" link set eth0 mtu 100
n r1 "$TOOLS/udpcast" send -i eth0 -p 67 -n 5 255.255.255.255 68 \
	"FRAG$(printf '%0150d' 0)" 2>/dev/null
n r1 "$IP" link set eth0 mtu 1500
check_eq "server datagrams from port 1067, or in fragments, are dropped as dhcp" \
	$((drops + 10)) "$(counter port vr1 dhcp)"
sleep 1
check_eq "...and reached no one" "" "$(grep -E 'PORT|FRAG' /tmp/dhcp.c2.recv)"

# --- the endpoint's address changed: the renewal is refused ---
rm -f /tmp/dhcp.c1.env
n c1 env DHCP_NS=c1 udhcpc -i eth0 -f -t 5 -T 2 -s /tmp/dhcp.hook \
	-p /tmp/dhcp.c1.pid >/dev/null 2>&1 &
PIDS="$PIDS $!"
wait_for 100 test -s /tmp/dhcp.c1.env
client=$(cat /tmp/dhcp.c1.pid)
PIDS="$PIDS $client"
rm -f /tmp/dhcp.c1.env
$SEGCTL endpoint del 02:00:00:00:00:01 domain dc >/dev/null
$SEGCTL endpoint add 02:00:00:00:00:01 domain dc group vm port vc1 \
	ip 10.9.0.21 >/dev/null
replies=$(counter port vc1 dhcp_replies)
kill -USR1 "$client"
check "c1's renewal of 10.9.0.11 is refused, it takes 10.9.0.21" \
	wait_for 200 grep -q '^ip=10.9.0.21$' /tmp/dhcp.c1.env
check_ge "the gateway answered the renewal and the new request (NAK, offer, ack)" \
	$((replies + 3)) "$(counter port vc1 dhcp_replies)"
check_eq "c1's address is the new one" "10.9.0.21/32" \
	"$(n c1 "$IP" -4 -o addr show dev eth0 | awk '{ print $4 }')"
kill "$client" 2>/dev/null

# --- a DHCPINFORM without ciaddr (tests/tools/dhcpprobe) ---
# A client with an address asks for the other settings only; RFC 2131
# answers an INFORM at its ciaddr, which a careless client leaves 0.
# The gateway answers such an INFORM at the request's source address,
# by broadcast when that is 0.0.0.0 or the client asked for it, and not
# at all from an address that is not the endpoint's.
PROBE=$TOOLS/dhcpprobe
ACK="type=5 yiaddr=0.0.0.0 ciaddr=0.0.0.0"
ACK_END="dmac=02:00:00:00:00:09 server=10.9.0.1 router=10.9.0.1"
dhcp_vm i1 vi1 02:00:00:00:00:09
n i1 "$IP" addr add 10.9.0.18/32 dev eth0
$SEGCTL port attach vi1 domain dc >/dev/null
$SEGCTL endpoint add 02:00:00:00:00:09 domain dc group vm port vi1 \
	ip 10.9.0.18 >/dev/null
replies=$(counter port vi1 dhcp_replies)
check_eq "an INFORM from 10.9.0.18, ciaddr 0: an ACK with no address, to 10.9.0.18" \
	"$ACK daddr=10.9.0.18 $ACK_END" \
	"$(n i1 "$PROBE" -i eth0 -t 8 -s 10.9.0.18)"
check_eq "...from 0.0.0.0: broadcast, to i1's MAC alone" \
	"$ACK daddr=255.255.255.255 $ACK_END" \
	"$(n i1 "$PROBE" -i eth0 -t 8)"
check_eq "...from 10.9.0.18 with the broadcast flag: broadcast" \
	"$ACK daddr=255.255.255.255 $ACK_END" \
	"$(n i1 "$PROBE" -i eth0 -t 8 -s 10.9.0.18 -b)"
check_eq "...each counted as a dhcp_reply" $((replies + 3)) \
	"$(counter port vi1 dhcp_replies)"
drops=$(counter port vi1 src_ip)
check_fails "an INFORM from 10.9.0.99, not i1's, is not answered" \
	n i1 "$PROBE" -i eth0 -t 8 -s 10.9.0.99 -w 1
check_eq "...it is dropped as src_ip" $((drops + 1)) \
	"$(counter port vi1 src_ip)"
check_eq "...and no reply counted" $((replies + 3)) \
	"$(counter port vi1 dhcp_replies)"

# --- router advertisements ---
vm_ns v6
n v6 sysctl -qw net.ipv6.conf.default.addr_gen_mode=0
n v6 sysctl -qw net.ipv6.conf.default.router_solicitations=3
n v6 sysctl -qw net.ipv6.conf.default.router_solicitation_interval=1
"$IP" link add vv6 type veth peer name eth0 netns v6
host_port_up vv6
$SEGCTL port attach vv6 domain dc >/dev/null
$SEGCTL endpoint add 02:00:00:00:00:03 domain dc group vm port vv6 \
	ip fd09:1::ff:fe00:3 >/dev/null
n v6 "$IP" link set eth0 address 02:00:00:00:00:03
n v6 "$IP" link set eth0 up
check "v6 autoconfigures fd09:1::ff:fe00:3 from the advertisement" \
	wait_for 100 eval \
	"n v6 $IP -6 addr show dev eth0 | grep -q 'fd09:1::ff:fe00:3/64'"
check "v6's default route is the gateway's link-local address" \
	wait_for 50 eval \
	"n v6 $IP -6 route show default | grep -q 'via $GW_LL'"
check_eq "the prefix is not on-link: no route for it" "" \
	"$(n v6 "$IP" -6 route show fd09:1::/64)"
check_eq "v6's IPv6 MTU is the domain's" 1400 \
	"$(n v6 cat /proc/sys/net/ipv6/conf/eth0/mtu)"
check "v6 pings c2 through the gateway" ping6 v6 fd09:1::12
check_ge "the gateway answered v6's solicitation" 1 \
	"$(counter port vv6 ra_replies)"
check "the prefix's lifetimes are finite: a day valid, 4 hours preferred" \
	grep -Eq 'valid_lft 86[0-9]{3}sec preferred_lft 14[0-9]{3}sec' \
	<(n v6 "$IP" -6 addr show dev eth0 scope global)

# --- a DHCP server the domain names ---
check_err "a second dhcp-server endpoint is refused" "" \
	"DHCP server already" sh -c "
	$SEGCTL endpoint add 02:00:00:00:00:05 domain dc group vm port vr1 \
		ip 10.9.0.15 dhcp-server >/dev/null &&
	$SEGCTL endpoint add 02:00:00:00:00:06 domain dc group vm port vr1 \
		ip 10.9.0.17 dhcp-server"
$SEGCTL endpoint del 02:00:00:00:00:05 domain dc 2>/dev/null
vm_veth s1 vs1 02:00:00:00:00:05 10.9.0.15 fd09:1::15
dhcp_vm c3 vc3 02:00:00:00:00:07
$SEGCTL port attach vs1 domain dc >/dev/null
$SEGCTL port attach vc3 domain dc >/dev/null
check "s1 is flagged dhcp-server" \
	$SEGCTL endpoint add 02:00:00:00:00:05 domain dc group vm port vs1 \
	ip 10.9.0.15 ip fd09:1::15 dhcp-server
$SEGCTL endpoint add 02:00:00:00:00:07 domain dc group vm port vc3 \
	ip 10.9.0.16 >/dev/null
check "endpoint show says which is the DHCP server" \
	grep -q "dhcp-server" <($SEGCTL endpoint show domain dc |
		grep 02:00:00:00:00:05)
check "save keeps the flag" grep -q "port vs1 .*dhcp-server" <($SEGCTL save)
n s1 "$TOOLS/udpcast" send -i eth0 -p 67 -n 3 255.255.255.255 68 SERVER \
	2>/dev/null
check "s1's DHCP server broadcasts are flooded (reach c2)" \
	wait_for 30 grep -q "SERVER 3" /tmp/dhcp.c2.recv
cat >/tmp/dhcp.udhcpd.conf <<EOF
start 10.9.0.16
end 10.9.0.16
interface eth0
lease_file /tmp/dhcp.leases
static_lease 02:00:00:00:00:07 10.9.0.16
option subnet 255.255.255.255
option router 10.9.0.1
option dns 10.9.0.99
option lease 600
EOF
: >/tmp/dhcp.leases
n s1 udhcpd -f /tmp/dhcp.udhcpd.conf >/dev/null 2>&1 &
PIDS="$PIDS $!"
gw_replies=$(counter domain dc dhcp_replies)
check "c3 gets a lease from s1's udhcpd" udhcpc_run c3
check_eq "the lease came from s1" 10.9.0.15 "$(env_of c3 serverid)"
check_eq "c3's address is 10.9.0.16" "10.9.0.16/32" \
	"$(n c3 "$IP" -4 -o addr show dev eth0 | awk '{ print $4 }')"
check_eq "c3's resolv.conf names s1's DNS server" "nameserver 10.9.0.99" \
	"$(grep nameserver /etc/netns/c3/resolv.conf)"
check_eq "the gateway answered no DHCP meanwhile" "$gw_replies" \
	"$(counter domain dc dhcp_replies)"
check_eq "s1's server traffic was not dropped" 0 "$(counter port vs1 dhcp)"

# A renewal is unicast to s1's address through the gateway MAC: it is
# answered at once only if it reaches s1's MAC (else after -T 10 s, by
# the broadcast of rebinding).
rm -f /tmp/dhcp.c3.env
n c3 env DHCP_NS=c3 udhcpc -i eth0 -f -t 5 -T 10 -s /tmp/dhcp.hook \
	-p /tmp/dhcp.c3.pid >/dev/null 2>&1 &
PIDS="$PIDS $!"
wait_for 100 test -s /tmp/dhcp.c3.env
client=$(cat /tmp/dhcp.c3.pid)
PIDS="$PIDS $client"
rm -f /tmp/dhcp.c3.env
kill -USR1 "$client"
check "c3's unicast renewal is answered by s1 within 5 s" \
	wait_for 50 grep -q '^ip=10.9.0.16$' /tmp/dhcp.c3.env
kill "$client" 2>/dev/null

# Requests that are no BOOTREQUEST of the sender's are not sent on.
drops=$(counter port vc3 dhcp)
n c3 "$TOOLS/udpcast" send -i eth0 -p 68 -n 3 255.255.255.255 67 BOGUS \
	2>/dev/null
n c3 "$TOOLS/udpcast" send -i eth0 -p 1068 -n 3 255.255.255.255 67 BOGUS \
	2>/dev/null
check_eq "requests to s1 that are no BOOTREQUEST are dropped as dhcp" \
	$((drops + 6)) "$(counter port vc3 dhcp)"

# --- unsolicited router advertisements ---
# A host solicits only when its link comes up: it keeps its default route
# and addresses because the gateway advertises again, unasked.  With
# ra_interval at 1 s, domain du's gateway does so every 0.75-1 s to each
# port with an endpoint; u1 never solicits, and still configures itself.
# u2's domain has no prefix to advertise: it gets nothing.
PARAM=/sys/module/segfilter/parameters/ra_interval
check_eq "ra_interval is 600 s by default" 600 "$(cat $PARAM)"
check_fails "ra_interval 0 is refused" sh -c "echo 0 >$PARAM"
echo 1 >$PARAM
$SEGCTL domain add du id 2 gateway 02:00:00:00:ff:02 gw-ip 10.10.0.1 \
	ipv6-prefix fd0a:1::/64 >/dev/null
$SEGCTL domain add dn id 3 gateway 02:00:00:00:ff:03 gw-ip 10.11.0.1 \
	>/dev/null
$SEGCTL group add vm id 1 domain du >/dev/null
$SEGCTL group add vm id 1 domain dn >/dev/null
for u in u1 u2; do
	vm_ns $u
	n $u sysctl -qw net.ipv6.conf.default.addr_gen_mode=0
	"$IP" link add v$u type veth peer name eth0 netns $u
	host_port_up v$u
done
$SEGCTL port attach vu1 domain du >/dev/null
$SEGCTL port attach vu2 domain dn >/dev/null
$SEGCTL endpoint add 02:00:00:00:00:31 domain du group vm port vu1 \
	ip fd0a:1::ff:fe00:31 >/dev/null
$SEGCTL endpoint add 02:00:00:00:00:32 domain dn group vm port vu2 \
	ip 10.11.0.32 >/dev/null
n u1 "$IP" link set eth0 address 02:00:00:00:00:31
n u2 "$IP" link set eth0 address 02:00:00:00:00:32
n u1 "$IP" link set eth0 up
n u2 "$IP" link set eth0 up
check "u1, which never solicits, autoconfigures fd0a:1::ff:fe00:31" \
	wait_for 100 eval \
	"n u1 $IP -6 addr show dev eth0 | grep -q 'fd0a:1::ff:fe00:31/64'"
check "...and routes by the gateway's link-local address" \
	wait_for 50 eval \
	"n u1 $IP -6 route show default | grep -q 'via fe80::ff:fe00:ff02'"
sent=$(counter port vu1 ra_sent)
sleep 3
check_ge "the gateway keeps advertising: 2+ more to u1 in 3 s" \
	$((sent + 2)) "$(counter port vu1 ra_sent)"
check_eq "none was asked for" 0 "$(counter port vu1 ra_replies)"
check_eq "u2's domain has no prefix: nothing sent to u2" 0 \
	"$(counter port vu2 ra_sent)"
check_eq "...and u2 has no default route" "" \
	"$(n u2 "$IP" -6 route show default)"
$SEGCTL domain set du ipv6-prefix none >/dev/null
sleep 1.5	# an advertisement already on its way when the set returned
sent=$(counter port vu1 ra_sent)
sleep 2
check_eq "a domain whose prefixes are removed advertises no more" \
	"$sent" "$(counter port vu1 ra_sent)"
echo 600 >$PARAM

# --- removal, and sync ---
$SEGCTL save >/tmp/dhcp.saved
check "the domain's DNS servers and prefixes can be removed" \
	$SEGCTL domain set dc dns none ipv6-prefix none mtu 0
check_eq "domain show lists them no more" "" \
	"$($SEGCTL domain show dc | grep -Eo ' (mtu|dns|ipv6-prefix) ')"
$SEGCTL endpoint add 02:00:00:00:00:08 domain dc group vm port vr1 \
	ip $GW_LL >/dev/null
check_err "no prefix while an endpoint has the gateway's link-local address" \
	"" "belongs to endpoint" $SEGCTL domain set dc ipv6-prefix fd09:1::/64
check_eq "...and none set" "" \
	"$($SEGCTL domain show dc | grep -Eo ' ipv6-prefix ')"
$SEGCTL endpoint del 02:00:00:00:00:08 domain dc >/dev/null
check_err "prefixes need a gateway: removing it alone is refused" "" \
	"need a gateway MAC" sh -c "$SEGCTL domain set dc ipv6-prefix fd09:1::/64 &&
	$SEGCTL domain set dc gateway none"
check "sync puts the saved MTU, DNS servers and prefixes back" \
	$SEGCTL sync /tmp/dhcp.saved
check_eq "...as they were" \
	"mtu 1400 dns 10.9.0.53,192.0.2.53,fd09::53 ipv6-prefix fd09:1::/64" \
	"$($SEGCTL domain show dc | grep -o 'mtu .*/64')"
sed 's/ mtu [0-9]* dns [^ ]* ipv6-prefix [^ ]*//' /tmp/dhcp.saved \
	>/tmp/dhcp.bare
check "sync to a state without them" $SEGCTL sync /tmp/dhcp.bare
check_eq "...removes them" "" \
	"$($SEGCTL domain show dc | grep -Eo ' (mtu|dns|ipv6-prefix) ')"

# --- DHCP from a remote endpoint, over the uplink ---
# A remote client is served by its own host, and DHCP broadcasts are
# never copied to another host (design.rst): one that arrives here all
# the same, crafted as remote endpoint 10.12.0.30's (dhcpprobe -x from
# the host hvr) in domain dr (VNI 900, with a gateway that would answer
# a local client), is checked as the uplink checks every frame, then
# dropped unanswered.  From 0.0.0.0 it fails the source address check
# (src_ip), which on an uplink comes first; from its own address it is
# dropped as dhcp, a DISCOVER, a REQUEST and an INFORM alike.
quiet_ns hvr
"$IP" link add uld0 type veth peer name uld1 netns hvr
"$IP" addr add 192.168.53.1/24 dev uld0
"$IP" link set uld0 up
n hvr "$IP" addr add 192.168.53.2/24 dev uld1
n hvr "$IP" link set uld1 up
"$IP" link add vxd0 type vxlan external gbp dstport 4789
"$IP" link set vxd0 up
check "domain dr: VNI 900, an uplink and a remote endpoint at hvr" sh -c "
	$SEGCTL port attach vxd0 role uplink &&
	$SEGCTL domain add dr id 4 vni 900 gateway 02:00:00:00:ff:04 \
		gw-ip 10.12.0.1 &&
	$SEGCTL group add vm id 1 domain dr &&
	$SEGCTL endpoint add 02:00:00:00:00:0a domain dr group vm port vxd0 \
		ip 10.12.0.30 remote 192.168.53.2"
n hvr ping -c 1 -W 2 192.168.53.1 >/dev/null
# remote_probe ARGS...: dhcpprobe's message sent from the remote endpoint.
remote_probe()
{
	n hvr "$PROBE" -x 192.168.53.1 -v 900 -g 1 -m 02:00:00:00:00:0a "$@"
}
# rx_at_least N: the uplink has received N frames or more.
rx_at_least() { [ "$(counter port vxd0 rx_packets)" -ge "$1" ]; }
replies=$(counter domain dr dhcp_replies)
rx=$(counter port vxd0 rx_packets)
srcip=$(counter port vxd0 src_ip)
dhcp=$(counter port vxd0 dhcp)
check "a remote DISCOVER from 0.0.0.0 is sent" remote_probe -t 1
check "...and one from 10.12.0.30" remote_probe -t 1 -s 10.12.0.30
check "...a REQUEST for 10.12.0.30" remote_probe -t 3 -s 10.12.0.30 \
	-c 10.12.0.30
check "...an INFORM without ciaddr" remote_probe -t 8 -s 10.12.0.30
wait_for 20 rx_at_least $((rx + 4))
check_eq "the uplink received the four" $((rx + 4)) \
	"$(counter port vxd0 rx_packets)"
check_eq "...the one from 0.0.0.0 dropped as src_ip" $((srcip + 1)) \
	"$(counter port vxd0 src_ip)"
check_eq "...the three from 10.12.0.30 as dhcp" $((dhcp + 3)) \
	"$(counter port vxd0 dhcp)"
check_eq "...none answered: no dhcp_replies in dr" "$replies" \
	"$(counter domain dr dhcp_replies)"
check_eq "...nor by the uplink" 0 "$(counter port vxd0 dhcp_replies)"

finish
