#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Service insertion: web -> db traffic sent through virtual firewalls,
# each a network namespace that does its own filtering with nftables.
#
#   web 10.1.1.10   app 10.1.2.10   db 10.1.3.10      (gateway GW)
#        |sweb           |sapp           |sdb
#   +----+---------------+---------------+------------------------+
#   |  domain shop, default deny                                  |
#   +--+------+-----+------+-----+------+------+------+-----------+
#      |fw1-l |fw1-r|ips-l |ips-r|rfw-l |rfw-r |lbN-l |lbN-r   (service ports)
#   [ fw1: bridge ][ ips: bridge ][ rfw: router ][ lb1..3: bridges ]
#
# fw1, ips and lb1..3 are transparent (a Linux bridge between the two
# sides); rfw is routed (ip_forward, 10.1.1.254 left, 10.1.3.254 right).
# Their nftables rules count what crosses them in each direction, record
# which UDP flows did, and drop on demand: that is the service's
# business, and what the test looks at to know where traffic went.

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

skip_on 6.12 "the module's own logic, the same on every kernel (6.1, debug)"

GW=02:00:00:00:ff:01
WEB=02:00:00:00:01:0a
DB=02:00:00:00:03:0a
NFT=/usr/sbin/nft

cleanup()
{
	kill $SERVER_PIDS 2>/dev/null
	cleanup_vms
}
trap cleanup EXIT

# bridge_fw NAME: a transparent firewall, a hub between eth0 and eth1,
# counting what goes left to right (ltr) and right to left (rtl), and
# recording the UDP flows to port 7777 it carried.
bridge_fw()
{
	local ns=$1
	svc_ns "$ns" shop || return 1
	svc_bridge "$ns"
	n "$ns" $NFT -f - <<-EOF
	table bridge svc {
		counter ltr { }
		counter rtl { }
		set seen_l { type ipv4_addr . inet_service; flags dynamic; size 4096; }
		set seen_r { type ipv4_addr . inet_service; flags dynamic; size 4096; }
		chain gate { }
		chain pass {
			type filter hook forward priority 0; policy accept;
			jump gate
			iifname "eth0" ip protocol tcp counter name ltr
			iifname "eth1" ip protocol tcp counter name rtl
			iifname "eth0" udp dport 7777 add @seen_l { ip saddr . udp sport }
			iifname "eth1" udp sport 7777 add @seen_r { ip daddr . udp dport }
		}
	}
	EOF
}

# router_fw NAME: a routed firewall between 10.1.1.0/24 (left) and
# 10.1.3.0/24 (right), with the same counters.
router_fw()
{
	local ns=$1
	svc_ns "$ns" shop || return 1
	n "$ns" sysctl -qw net.ipv4.ip_forward=1
	n "$ns" "$IP" link set eth0 address 02:00:00:00:aa:01
	n "$ns" "$IP" link set eth1 address 02:00:00:00:aa:02
	n "$ns" "$IP" addr add 10.1.1.254/24 dev eth0
	n "$ns" "$IP" addr add 10.1.3.254/24 dev eth1
	n "$ns" "$IP" link set eth0 up
	n "$ns" "$IP" link set eth1 up
	n "$ns" $NFT -f - <<-EOF
	table inet svc {
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

# nft_packets NS FAMILY COUNTER: a service's counter.
nft_packets() { nft_counter "$1" "$2" svc "$3"; }

# flows NS SET: the source ports of the UDP flows a service recorded.
flows()
{
	n "$1" $NFT list set bridge svc "$2" | tr -d '\n' |
		grep -o '\. [0-9][0-9]*' | awk '{ print $2 }' | sort -n
}

block() { n "$1" $NFT add rule "$2" svc gate tcp dport 5432 drop; }
unblock() { n "$1" $NFT flush chain "$2" svc gate; }

# redirect_to OLD NEW CHAIN: replace rule OLD, web -> db tcp 5432, with
# rule NEW redirecting it to CHAIN, in one transaction.
redirect_to()
{
	printf '%s\n' \
		"rule del $1 domain shop" \
		"rule add id $2 domain shop prio 100 from web to db proto tcp port 5432 action redirect $3" \
		>/tmp/redirect.batch
	$SEGCTL -b /tmp/redirect.batch
}

setup()
{
	module_reload
	$SEGCTL domain add shop id 1 default deny gateway $GW \
		gw-ip 10.1.1.1 gw-ip 10.1.2.1 gw-ip 10.1.3.1 >/dev/null &&
	$SEGCTL group add web id 1 domain shop >/dev/null &&
	$SEGCTL group add app id 2 domain shop >/dev/null &&
	$SEGCTL group add db id 3 domain shop >/dev/null || return 1
	tier_vm web sweb $WEB 1
	tier_vm app sapp 02:00:00:00:02:0a 2
	tier_vm db sdb $DB 3
	local t s=1
	for t in web app db; do
		$SEGCTL port attach "s$t" domain shop >/dev/null &&
		$SEGCTL endpoint add "02:00:00:00:0$s:0a" domain shop \
			group "$t" port "s$t" ip "10.1.$s.10" >/dev/null ||
			return 1
		s=$((s + 1))
	done
	bridge_fw fw1 && bridge_fw ips && router_fw rfw || return 1
	$SEGCTL service add fw domain shop mode transparent >/dev/null &&
	$SEGCTL service instance add fw 1 domain shop \
		left fw1-l right fw1-r >/dev/null &&
	$SEGCTL service add ips domain shop mode transparent >/dev/null &&
	$SEGCTL service instance add ips 1 domain shop \
		left ips-l right ips-r >/dev/null &&
	$SEGCTL service add rfw domain shop mode routed >/dev/null &&
	$SEGCTL service instance add rfw 1 domain shop \
		left rfw-l mac 02:00:00:00:aa:01 ip 10.1.1.254 \
		right rfw-r mac 02:00:00:00:aa:02 ip 10.1.3.254 >/dev/null &&
	$SEGCTL chain add tchain domain shop services fw >/dev/null &&
	$SEGCTL chain add rchain domain shop services rfw >/dev/null &&
	$SEGCTL chain add two domain shop services fw,ips >/dev/null &&
	$SEGCTL rule add id 10 domain shop prio 100 from web to db \
		proto tcp port 5432 action redirect tchain >/dev/null &&
	$SEGCTL rule add id 20 domain shop prio 100 from web to app \
		proto tcp port 8080 action allow >/dev/null
}

if ! setup; then
	fail "set up three tiers and their firewalls"
	finish
fi

# ---- transparent ----

check "web -> db:5432 through the transparent firewall" \
	tcp_ok web db 10.1.3.10 5432
check_ge "...which saw it go left to right" 3 "$(nft_packets fw1 bridge ltr)"
check_ge "...and the replies right to left" 2 "$(nft_packets fw1 bridge rtl)"
check_ge "the module counts the frames it redirected" 5 \
	"$(counter domain shop redirected)"
check "segctl shows the instance's counters" sh -c \
	"$SEGCTL service instance show domain shop | grep -E 'instance 1 service fw .*state up'"
before=$(nft_packets fw1 bridge ltr)
check "web -> app:8080, not redirected, arrives" tcp_ok web app 10.1.2.10 8080
check_eq "...and never crosses the firewall" "$before" \
	"$(nft_packets fw1 bridge ltr)"
block fw1 bridge
check "a drop rule inside the firewall blocks web -> db:5432" \
	tcp_blocked web db 10.1.3.10 5432
unblock fw1 bridge
check "...and lifting it lets it through again" tcp_ok web db 10.1.3.10 5432
check "trace names the chain" sh -c \
	"$SEGCTL trace sweb from 10.1.1.10 to 10.1.3.10 proto tcp dport 5432 | grep -q tchain"

# ---- routed ----

check "redirect to the routed firewall instead" redirect_to 10 11 rchain
check "web -> db:5432 through the routed firewall" \
	tcp_ok web db 10.1.3.10 5432
check_ge "...which routed it left to right" 3 "$(nft_packets rfw inet ltr)"
check_ge "...and the replies right to left" 2 "$(nft_packets rfw inet rtl)"
gw_neigh() { n rfw "$IP" neigh show dev eth1 | grep -qi "10.1.3.10 .*$GW"; }
check "...and answered its ARP with the gateway" gw_neigh
block rfw inet
check "a drop rule inside the routed firewall blocks it" \
	tcp_blocked web db 10.1.3.10 5432
unblock rfw inet

# ---- a chain of two: fw, then ips ----

# fw marks what it passes left to right, ips what it passes right to
# left; each counts what arrives marked by the other, which it only
# can if the chain crossed the other first.
n fw1 $NFT -f - <<-EOF
	table bridge order {
		counter marked { }
		chain pass {
			type filter hook forward priority 10; policy accept;
			iifname "eth0" ip protocol tcp ip dscp set cs1
			iifname "eth1" ip dscp cs2 counter name marked
		}
	}
EOF
n ips $NFT -f - <<-EOF
	table bridge order {
		counter marked { }
		chain pass {
			type filter hook forward priority 10; policy accept;
			iifname "eth0" ip dscp cs1 counter name marked
			iifname "eth1" ip protocol tcp ip dscp set cs2
		}
	}
EOF
order_packets()
{
	n "$1" $NFT list counter bridge order marked |
		sed -n 's/.*packets \([0-9]*\).*/\1/p'
}
check "redirect to the chain fw,ips" redirect_to 11 12 two
check "web -> db:5432 through fw and ips" tcp_ok web db 10.1.3.10 5432
check_ge "ips saw what fw had marked: fw came first" 3 "$(order_packets ips)"
check_ge "fw saw replies ips had marked: ips came first back" 2 \
	"$(order_packets fw1)"

# ---- a service may not speak for flows it was not given ----

before=$(counter domain shop service_forged)
echos=$(in_echos db)
n fw1 "$IP" addr add 10.1.1.10/32 dev br0
n fw1 "$IP" route add 10.1.3.0/24 dev br0
n fw1 "$IP" neigh replace 10.1.3.10 lladdr $DB dev br0
check_fails "a firewall pinging db as web gets no answer" \
	n fw1 ping -c 3 -W 1 -w 3 10.1.3.10
check_eq "...db never saw the forged echo requests" "$echos" "$(in_echos db)"
check_ge "...which were dropped as service_forged" $((before + 3)) \
	"$(counter domain shop service_forged)"
n fw1 "$IP" addr flush dev br0

# ---- scale-out ----

for i in 1 2 3; do
	bridge_fw "lb$i" || fail "set up lb$i"
done
$SEGCTL service add lb domain shop mode transparent >/dev/null
for i in 1 2 3; do
	$SEGCTL service instance add lb $i domain shop \
		left "lb$i-l" right "lb$i-r" >/dev/null
done
$SEGCTL chain add scale domain shop services lb >/dev/null
$SEGCTL chain add scale-open domain shop services lb fail open >/dev/null
$SEGCTL rule add id 30 domain shop prio 100 from web to db proto udp \
	port 7777 action redirect scale >/dev/null
n db "$TOOLS/udpflows" serve 7777 &
SERVER_PIDS="$SERVER_PIDS $!"
sleep 0.5

flush_sets()
{
	local i
	for i in 1 2 3; do
		n "lb$i" $NFT flush set bridge svc seen_l
		n "lb$i" $NFT flush set bridge svc seen_r
	done
}

# send FIRST N: N UDP flows from web, source ports FIRST..
send() { n web "$TOOLS/udpflows" send 10.1.3.10 7777 "$2" "$1" 2000; }

check "300 UDP flows through three instances all answered" \
	send 20000 300
for i in 1 2 3; do
	flows "lb$i" seen_l >"/tmp/lb$i.fwd"
	flows "lb$i" seen_r >"/tmp/lb$i.rev"
	check "lb$i carried both directions of the same flows" \
		cmp "/tmp/lb$i.fwd" "/tmp/lb$i.rev"
	n_i=$(wc -l <"/tmp/lb$i.fwd")
	echo "# lb$i carried $n_i of 300 flows"
	check_ge "lb$i got at least 60 flows (100 expected)" 60 "$n_i"
	check_ge "lb$i got at most 140 flows" "$n_i" 140
done
check_eq "every flow crossed exactly one instance" 300 \
	"$(cat /tmp/lb1.fwd /tmp/lb2.fwd /tmp/lb3.fwd | sort -u | wc -l)"


# Drained: keeps its flows, takes no new ones.
$SEGCTL service instance drain lb 3 domain shop >/dev/null
flush_sets
check "300 new flows with lb3 drained all answered" send 21000 300
check_eq "...and none went to lb3" 0 "$(flows lb3 seen_l | wc -l)"
flush_sets
check "the first 300 flows again" send 20000 300
check "...stayed where they were, lb3's too" \
	cmp /tmp/lb3.fwd <(flows lb3 seen_l)
$SEGCTL service instance undrain lb 3 domain shop >/dev/null

# Down: only its flows move.
n lb2 "$IP" link set eth0 down
wait_for 30 sh -c "$SEGCTL service instance show domain shop | grep -q 'instance 2 service lb .*state down'"
flush_sets
check "the first 300 flows with lb2 down all answered" send 20000 300
for i in 1 3; do
	flows "lb$i" seen_l >"/tmp/lb$i.now"
	check_eq "lb$i kept every flow it had" 0 \
		"$(grep -cvxFf "/tmp/lb$i.now" "/tmp/lb$i.fwd")"
done
moved=$(( $(wc -l </tmp/lb1.now) + $(wc -l </tmp/lb3.now) -
	  $(wc -l </tmp/lb1.fwd) - $(wc -l </tmp/lb3.fwd) ))
echo "# $moved flows moved, lb2 had $(wc -l </tmp/lb2.fwd)"
check_eq "exactly lb2's flows moved" "$(wc -l </tmp/lb2.fwd)" "$moved"

# Every instance down: the chain's failure mode decides.
n lb1 "$IP" link set eth0 down
n lb3 "$IP" link set eth0 down
wait_for 30 sh -c "$SEGCTL service instance show domain shop | grep -q 'instance 3 service lb .*state down'"
answered() { send "$@" 2>/dev/null | grep -c ' ok$'; }
before=$(counter domain shop chain_down)
check_eq "fail closed: new flows with every instance down are dropped" 0 \
	"$(answered 22000 20)"
check_ge "...counted as chain_down" $((before + 20)) \
	"$(counter domain shop chain_down)"
printf '%s\n' "rule del 30 domain shop" \
	"rule add id 31 domain shop prio 100 from web to db proto udp port 7777 action redirect scale-open" \
	>/tmp/open.batch
$SEGCTL -b /tmp/open.batch
before=$(counter domain shop bypassed)
check "fail open: they bypass the service" send 22100 20
check_ge "...counted as bypassed" $((before + 20)) \
	"$(counter domain shop bypassed)"

# A service holding frames of a flow the policy now sends through other
# services, or no longer redirects (or replaying them), cannot deliver
# them: lb1 sends one of its own flows' datagrams, as web, out of both
# its sides, after rule 31 is replaced by a redirect through fw and ips,
# then another after that is gone too.
n lb1 "$IP" link set eth0 up
udp_in() { n "$1" cat /proc/net/snmp | awk '/^Udp: [0-9]/ { print $2 }'; }
n lb1 "$IP" addr add 10.1.1.10/32 dev br0
n lb1 "$IP" route add 10.1.3.0/24 dev br0
n lb1 "$IP" neigh replace 10.1.3.10 lladdr $DB dev br0
# lb1_replays N: the Nth of lb1's flows (each is judged again once).
lb1_replays()
{
	n lb1 "$TOOLS/udpflows" send -b 10.1.1.10 10.1.3.10 7777 1 \
		"$(sed -n "$1p" /tmp/lb1.fwd)" 300 >/dev/null 2>&1
}
printf '%s\n' "rule del 31 domain shop" \
	"rule add id 32 domain shop prio 100 from web to db proto udp port 7777 action redirect two" \
	>/tmp/moved.batch
$SEGCTL -b /tmp/moved.batch
before=$(counter domain shop path_changed)
datagrams=$(udp_in db)
lb1_replays 1
check_eq "a flow's datagram from a service it no longer crosses never reaches db" \
	"$datagrams" "$(udp_in db)"
check_ge "...it is judged again and counted as path_changed" \
	$((before + 1)) "$(counter domain shop path_changed)"
before=$(counter domain shop path_changed)
lb1_replays 1
check_eq "...and so is the next, its flow judged already" \
	$((before + 1)) "$(counter domain shop path_changed)"
$SEGCTL rule del 32 domain shop >/dev/null
before=$(counter domain shop revoked)
lb1_replays 2
check_eq "a revoked flow's datagram from its service never reaches db" \
	"$datagrams" "$(udp_in db)"
check_ge "...it is judged again and counted as revoked" $((before + 1)) \
	"$(counter domain shop revoked)"
n lb1 "$IP" addr flush dev br0

# ---- bad input ----

check_err "an instance on an endpoint port is refused" "" \
	"is not a service port" \
	$SEGCTL service instance add fw 2 domain shop left sweb right sapp
check_err "a chain with an unknown service is refused" "" \
	"does not exist" \
	$SEGCTL chain add bad domain shop services fw,nosuch
check_err "a chain named by a rule cannot be deleted" "" \
	"is named by" $SEGCTL chain del two domain shop
check_err "a service with instances cannot be deleted" "" \
	"instance(s)" $SEGCTL service del lb domain shop
check_err "a routed instance needs its MACs" "" "needs its left MAC" \
	$SEGCTL service instance add rfw 2 domain shop left lb1-l right lb1-r
check_err "a redirect to an unknown chain is refused" "" "does not exist" \
	$SEGCTL rule add domain shop from web to db action redirect nosuch

# A delete the kernel refuses when a transaction commits undoes the
# whole transaction, what came before it included, and leaves the
# refused object and the domain's counts as they were.
nsvc() { $SEGCTL domain show shop | grep -o ' services [0-9]* chains [0-9]*'; }
svc0=$(nsvc)
check_err "a transaction whose chain delete is refused applies nothing" \
	"" "is named by" sh -c "printf '%s\\n' \
	'service add txa domain shop mode transparent' \
	'chain del two domain shop' | $SEGCTL -b -"
check_err "...and one whose service delete is refused" "" "instance(s)" \
	sh -c "printf '%s\\n' \
	'service add txb domain shop mode transparent' \
	'service del lb domain shop' | $SEGCTL -b -"
check_fails "...neither created its service" \
	sh -c "$SEGCTL service show domain shop | grep -Eq '^service txa|^service txb'"
check_eq "...and the domain counts the services and chains it had" "$svc0" "$(nsvc)"
check "...the chain is still there, named by its rule" \
	sh -c "$SEGCTL chain show domain shop | grep -Eq '^chain two .* rules [1-9]'"
check "...and the service still has its instances" \
	sh -c "$SEGCTL service show domain shop | grep -Eq '^service lb .*instances [1-9]'"

check "segctl save and -b restore the services" sh -c \
	"$SEGCTL save >/tmp/svc.saved && grep -q 'service instance add lb 3' /tmp/svc.saved"

finish
