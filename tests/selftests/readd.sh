#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One transaction deletes an object and adds it again under the same key
# (what `segctl sync` sends for a changed object): the kernel accepts
# it, traffic follows the new object from the commit on, a transaction
# that fails later leaves the old ones working, and traffic between
# other endpoints flows on while such commits follow each other.
#
#   a 10.0.0.1   b 10.0.0.2   c 10.0.0.3   d 10.0.0.4
#   (web)        (db)         (app)        (app)
#     |va          |vb          |vc          |vd
#   +-+------------+------------+------------+---------+
#   |  domain t, default deny                          |
#   |  rule 1: web -> db icmp allow;                   |
#   |  rule 9: app -> app icmp allow                   |
#   +--------------------------------------------------+
#   MAC 02:00:00:00:00:0N

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

skip_on 6.12 "the control path only, the same on every kernel"

trap cleanup_vms EXIT

mac() { echo "02:00:00:00:00:0$1"; }
B=$(mac 2)
C=$(mac 3)
D=$(mac 4)

setup()
{
	local i vm
	module_reload
	$SEGCTL domain add t id 10 default deny >/dev/null &&
	$SEGCTL group add web id 1 domain t >/dev/null &&
	$SEGCTL group add db id 2 domain t >/dev/null &&
	$SEGCTL group add app id 4 domain t >/dev/null || return 1
	i=1
	for vm in a b c d; do
		vm_veth "$vm" "v$vm" "$(mac $i)" "10.0.0.$i" "fd00::$i"
		$SEGCTL port attach "v$vm" domain t >/dev/null || return 1
		i=$((i + 1))
	done
	$SEGCTL endpoint add "$(mac 1)" domain t group web port va \
		ip 10.0.0.1 >/dev/null &&
	$SEGCTL endpoint add "$B" domain t group db port vb \
		ip 10.0.0.2 >/dev/null &&
	$SEGCTL endpoint add "$C" domain t group app port vc \
		ip 10.0.0.3 >/dev/null &&
	$SEGCTL endpoint add "$D" domain t group app port vd \
		ip 10.0.0.4 >/dev/null &&
	$SEGCTL rule add id 1 domain t prio 10 from web to db proto icmp \
		action allow >/dev/null &&
	$SEGCTL rule add id 9 domain t prio 10 from app to app proto icmp \
		action allow >/dev/null &&
	$SEGCTL service add fw domain t mode transparent >/dev/null &&
	$SEGCTL chain add ch domain t services fw >/dev/null
}

if ! setup; then
	fail "set up four VMs in domain t"
	finish
fi
pass "set up four VMs in domain t"
check "a (web) pings b (db): rule 1 allows" ping4 a 10.0.0.2

saved() { $SEGCTL save | grep "$1"; }

# --- a rule replaced under its id ---
cat >/tmp/readd.batch <<EOF
rule del 1 domain t
rule add id 1 domain t prio 10 from web to db proto icmp action deny
EOF
check "a batch deletes and re-adds rule 1 as deny" $SEGCTL -b /tmp/readd.batch
check "rule 1 is saved with action deny" saved "^rule add id 1 .* action deny"
deny0=$(counter domain t rule_deny)
check_fails "a no longer pings b" ping4 a 10.0.0.2
check_ge "the denied pings are counted as rule_deny" $((deny0 + 2)) \
	"$(counter domain t rule_deny)"

# --- a group id re-added under another name, with its endpoint ---
cat >/tmp/readd.batch <<EOF
endpoint del $B domain t
rule del 1 domain t
group del db domain t
group add store id 2 domain t
endpoint add $B domain t group store port vb ip 10.0.0.2
rule add id 1 domain t prio 10 from web to store proto icmp action allow
EOF
check "a batch re-adds group id 2 as store, endpoint b and rule 1" \
	$SEGCTL -b /tmp/readd.batch
check "group 2 is saved as store" saved "^group add store id 2 domain t$"
check_fails "group db is gone" saved "^group add db "
check "endpoint b is saved in group store" saved "^endpoint add $B .* group store "
check "a pings b again: rule 1 allows web -> store" ping4 a 10.0.0.2
check "c (app) pings d (app): rule 9" ping4 c 10.0.0.4

# --- an endpoint MAC re-added with another group and address ---
n b "$IP" addr add 10.0.0.22/24 dev eth0
cat >/tmp/readd.batch <<EOF
endpoint del $B domain t
endpoint add $B domain t group app port vb ip 10.0.0.22
EOF
check "a batch re-adds b in group app with 10.0.0.22" $SEGCTL -b /tmp/readd.batch
check "endpoint b is saved in group app with 10.0.0.22" \
	saved "^endpoint add $B .* group app .*ip 10.0.0.22"
check "c (app) pings b at 10.0.0.22: rule 9" ping4 c 10.0.0.22
dd0=$(counter domain t default_deny)
check_fails "a (web) no longer pings b: no rule web -> app" ping4 a 10.0.0.22
check_ge "a's pings are counted as default_deny" $((dd0 + 2)) \
	"$(counter domain t default_deny)"
nu0=$(counter domain t neigh_unknown)
check_fails "nobody owns 10.0.0.2 any more" ping4 c 10.0.0.2
check_ge "c's ARP for it is counted as neigh_unknown" $((nu0 + 1)) \
	"$(counter domain t neigh_unknown)"

# --- a service and a chain re-added under their names ---
cat >/tmp/readd.batch <<EOF
chain del ch domain t
service del fw domain t
service add fw domain t mode routed
chain add ch domain t services fw fail open
EOF
check "a batch re-adds service fw (routed) and chain ch (fail open)" \
	$SEGCTL -b /tmp/readd.batch
check "service fw is saved routed" saved "^service add fw domain t mode routed$"
check "chain ch is saved fail open" saved "^chain add ch .* fail open"

# --- a transaction that fails at its last line changes nothing ---
$SEGCTL save >/tmp/readd.before
cat >/tmp/readd.batch <<EOF
rule del 9 domain t
rule add id 9 domain t prio 10 from app to app proto icmp action deny
endpoint del $C domain t
endpoint add $C domain t group web port vc ip 10.0.0.3
endpoint del $B domain t
endpoint add $C domain t group app port vb ip 10.0.0.22
EOF
check_err "a batch whose last line fails is refused" "" "already exists" \
	$SEGCTL -b /tmp/readd.batch
cat >/tmp/readd.batch <<EOF
rule del 1 domain t
endpoint del $B domain t
group del store domain t
group add other id 2 domain t
endpoint add $B domain t group other port vb ip 10.0.0.22
chain del ch domain t
service del fw domain t
service add fw domain t mode transparent
chain add ch domain t services fw
rule add id 1 domain t from web to nosuch action allow
EOF
check_err "another whose last line fails is refused" "" "nosuch" \
	$SEGCTL -b /tmp/readd.batch
$SEGCTL save >/tmp/readd.after
check "segctl save is unchanged" diff -u /tmp/readd.before /tmp/readd.after
check "c pings d as before: rule 9 still allows" ping4 c 10.0.0.4
check "c pings b at 10.0.0.22 as before" ping4 c 10.0.0.22
check_fails "a still does not ping b" ping4 a 10.0.0.22

# --- one key re-added too often in one transaction ---
: >/tmp/readd.batch
for i in 1 2 3 4 5; do
	echo "endpoint del $C domain t" >>/tmp/readd.batch
	echo "endpoint add $C domain t group app port vc ip 10.0.0.3" \
		>>/tmp/readd.batch
done
check_err "a batch re-adding c 5 times is refused" "" \
	"endpoint $C re-added too often" \
	$SEGCTL -b /tmp/readd.batch
$SEGCTL save >/tmp/readd.after
check "segctl save is unchanged" diff -u /tmp/readd.before /tmp/readd.after
check "c pings d as before" ping4 c 10.0.0.4

# --- traffic between two endpoints flows while they are re-added ---
cat >/tmp/readd.batch <<EOF
rule del 9 domain t
rule add id 9 domain t prio 10 from app to app proto icmp action allow
endpoint del $C domain t
endpoint add $C domain t group app port vc ip 10.0.0.3
endpoint del $D domain t
endpoint add $D domain t group app port vd ip 10.0.0.4
EOF
# Each commit takes the same paths (both endpoints and the rule deleted
# and re-added in one transaction, under the pings); on the debug kernel
# 6 take them under the sanitizers as well as 20, and the pings, fewer
# too, still outlast the commits (6 x (0.2 s + a commit) after 0.5 s).
commits=$(reps 20 6)
pings=$(reps 400 150)
n c ping -q -i 0.02 -c "$pings" -W 1 10.0.0.4 >/tmp/readd.ping 2>&1 &
pid=$!
sleep 0.5
ok=0
us=0
for i in $(seq "$commits"); do
	t0=${EPOCHREALTIME/./}
	$SEGCTL -b /tmp/readd.batch && ok=$((ok + 1))
	us=$((us + ${EPOCHREALTIME/./} - t0))
	sleep 0.2
done
wait $pid
echo "# a commit that re-adds two endpoints and a rule: $((us / commits / 1000)) ms on average"
check_eq "$commits commits re-add c, d and rule 9" "$commits" "$ok"
# iputils: "400 received", busybox: "400 packets received"
recv=$(sed -n 's/.*[^0-9]\([0-9][0-9]*\) \(packets \)\{0,1\}received.*/\1/p' \
	/tmp/readd.ping)
sed -n 's/^/# /; /transmitted/p' /tmp/readd.ping
[ "$recv" = "$pings" ] || $SEGCTL stats domain t | sed 's/^/# /'
check_eq "c -> d loses no ping meanwhile" "$pings" "$recv"

# --- an instance re-added under its id, with its ports ---
# a (web) -> c (app) is redirected through tfw, a bridge in namespace fw1.
fw1_rx() { n fw1 cat /sys/class/net/eth0/statistics/rx_packets; }
setup_fw()
{
	svc_ns fw1 t || return 1
	svc_bridge fw1
	$SEGCTL service add tfw domain t mode transparent >/dev/null &&
	$SEGCTL service instance add tfw 1 domain t left fw1-l \
		right fw1-r >/dev/null &&
	$SEGCTL chain add tch domain t services tfw >/dev/null &&
	$SEGCTL rule add id 20 domain t prio 10 from web to app proto icmp \
		action redirect tch >/dev/null
}
check "a service tfw, its instance 1 and a redirect web -> app" setup_fw
rx0=$(fw1_rx)
check "a pings c through tfw's instance 1" ping4 a 10.0.0.3
check_ge "the pings crossed the instance" $((rx0 + 2)) "$(fw1_rx)"
cat >/tmp/readd.batch <<EOF
service instance del tfw 1 domain t
service instance add tfw 1 domain t left fw1-l right fw1-r
EOF
$SEGCTL save >/tmp/readd.before
{
	cat /tmp/readd.batch
	echo "rule add id 21 domain t from web to nosuch action allow"
} >/tmp/readd.bad
check_err "instance 1 re-added, then a failing line: refused" "" "nosuch" \
	$SEGCTL -b /tmp/readd.bad
$SEGCTL save >/tmp/readd.after
check "segctl save is unchanged" diff -u /tmp/readd.before /tmp/readd.after
rx0=$(fw1_rx)
check "a still pings c through instance 1" ping4 a 10.0.0.3
check_ge "the pings crossed the instance" $((rx0 + 2)) "$(fw1_rx)"
check "a batch re-adds instance 1 with its ports" $SEGCTL -b /tmp/readd.batch
check "instance 1 is up" sh -c \
	"$SEGCTL service instance show domain t | grep -E 'instance 1 service tfw .*state up'"
rx0=$(fw1_rx)
red0=$(counter domain t redirected)
check "a pings c through the new instance 1" ping4 a 10.0.0.3
check_ge "the pings crossed it" $((rx0 + 2)) "$(fw1_rx)"
check_ge "and were counted as redirected" $((red0 + 2)) \
	"$(counter domain t redirected)"
# As above: on the debug kernel 4 commits re-add the instance under the
# pings (each the same paths), and 150 pings outlast them.
commits=$(reps 10 4)
pings=$(reps 300 150)
n a ping -q -i 0.02 -c "$pings" -W 1 10.0.0.3 >/tmp/readd.ping 2>&1 &
pid=$!
sleep 0.5
ok=0
for i in $(seq "$commits"); do
	$SEGCTL -b /tmp/readd.batch && ok=$((ok + 1))
	sleep 0.3
done
wait $pid
check_eq "$commits commits re-add instance 1" "$commits" "$ok"
recv=$(sed -n 's/.*[^0-9]\([0-9][0-9]*\) \(packets \)\{0,1\}received.*/\1/p' \
	/tmp/readd.ping)
sed -n 's/^/# /; /transmitted/p' /tmp/readd.ping
[ "$recv" = "$pings" ] || $SEGCTL stats domain t | sed 's/^/# /'
check_eq "a -> c through the instance loses no ping meanwhile" "$pings" "$recv"
cat >/tmp/readd.batch <<EOF
service instance del tfw 1 domain t
service instance add tfw 2 domain t left fw1-r right fw1-l
EOF
check "a batch gives instance 1's ports to a new instance 2, sides swapped" \
	$SEGCTL -b /tmp/readd.batch
check "instance 2 is up" sh -c \
	"$SEGCTL service instance show domain t | grep -E 'instance 2 service tfw .*state up'"
rx0=$(fw1_rx)
check "a pings c through instance 2" ping4 a 10.0.0.3
check_ge "the pings crossed it" $((rx0 + 2)) "$(fw1_rx)"

# --- a flow pinned to instance 2 while it is re-added ---
# On its ports it is the same VM: the flow stays pinned.  On fw2's it is
# another: the flow picks again (and the new instance counts the pick).
inst_flows()
{
	$SEGCTL service instance show domain t |
		sed -n "s/^instance $1 service tfw .* flows \([0-9]*\) .*/\1/p"
}
fw2_rx() { n fw2 cat /sys/class/net/eth0/statistics/rx_packets; }
svc_ns fw2 t && svc_bridge fw2 || fail "a second transparent VM fw2"
n a ping -q -i 0.05 -c 200 -W 1 10.0.0.3 >/tmp/readd.ping 2>&1 &
pid=$!
sleep 1
cat >/tmp/readd.batch <<EOF
service instance del tfw 2 domain t
service instance add tfw 2 domain t left fw1-r right fw1-l
EOF
check "a batch re-adds instance 2 on its ports during a ping" \
	$SEGCTL -b /tmp/readd.batch
sleep 1
check_eq "the ping's flow stays pinned: the new instance 2 has no pick" \
	0 "$(inst_flows 2)"
cat >/tmp/readd.batch <<EOF
service instance del tfw 2 domain t
service instance add tfw 2 domain t left fw2-l right fw2-r
EOF
check "a batch re-adds instance 2 on fw2's ports" $SEGCTL -b /tmp/readd.batch
rx0=$(fw2_rx)
sleep 1
check_eq "the ping's flow picks again: instance 2 on fw2 counts it" \
	1 "$(inst_flows 2)"
check_ge "the ping goes on through fw2" $((rx0 + 10)) "$(fw2_rx)"
wait $pid
sed -n 's/^/# /; /transmitted/p' /tmp/readd.ping

finish
