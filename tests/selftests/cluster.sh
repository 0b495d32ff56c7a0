#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Cluster mode: a 3-member etcd, three hypervisors each running segd,
# and nothing else touching the hosts after they are set up: the
# policy and the VMs are written to etcd with segctl --etcd, the VMs'
# devices created on their hosts, and segd of every host does the rest
# (Documentation/cluster.rst).
#
#   etcd1 .11  etcd2 .12  etcd3 .13   lib.sh's etcd_cluster_start 3:
#   ====+==========+==========+====   10.99.0.0/24, each hypervisor
#                                     joins it as 10.99.0.N
#   hv1 .1 (h1)   hv2 .2 (h2)   hv3 .3 (h3)   each: ulN, vx0 (VXLAN-GBP
#   wb1 bl1 mob   ap2 [ap4]     db3 wb3 bl3          uplink), segd
#        |             |              |
#   =====+=============+==============+=====  the underlay: br0 here,
#                                             192.168.50.N
#
#   domain shop, VNI 100, default deny: web 1, app 2, db 3
#     rule 10: web -> app icmp allow      (later replaced by rule 12:
#                                          web -> db icmp allow)
#   domain blue, VNI 200, default allow: web 1; bl1 and bl3 have the
#     addresses of wb1 and ap2
#   domain idle, VNI 300: nobody's; no host holds it
#   VM addresses 10.2.0.N/24, MACs 02:00:00:00:0D:NN (D the domain)
#
# 6.1 and the debug kernel only (make check's budget): skipped on 6.12.

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

SEGD=${SEGD:-/usr/sbin/segd}
ETCDTEST=$TOOLS/etcdtest
EP=
P=/segfilter/v1
D=/tmp/cluster

WB1=02:00:00:00:01:0b
AP2=02:00:00:00:01:16
DB3=02:00:00:00:01:21
WB3=02:00:00:00:01:0d
MOB=02:00:00:00:01:17
AP4=02:00:00:00:01:18
BL1=02:00:00:00:02:0b
BL3=02:00:00:00:02:16

case $(uname -r) in
6.12*)
	skip "cluster mode runs on 6.1 and the debug kernel only"
	finish
	;;
esac

declare -A SEGD_PID

cleanup()
{
	local p
	if [ "$ksft_fail" -gt 0 ]; then
		for p in 1 2 3; do
			echo "# segd of h$p:"
			tail -n 30 "$D/segd.h$p.log" | sed 's/^/#   /'
		done
	fi
	for p in "${SEGD_PID[@]}"; do
		kill "$p" 2>/dev/null
	done
	etcd_cluster_stop
	wait 2>/dev/null
	cleanup_vms
	"$IP" link del br0 2>/dev/null
}
trap cleanup EXIT

# sctl ARGS: segctl --etcd, quiet unless it fails.
sctl() { SEGCTL_ETCD=$EP "$SEGCTL" "$@" >/dev/null; }

# A namespace on the underlay bridge: ul_join NS DEV ADDR
ul_join()
{
	local ns=$1 dev=$2 addr=$3
	"$IP" link add "b$dev" type veth peer name "$dev" netns "$ns" &&
	"$IP" link set "b$dev" mtu 1600 master br0 up &&
	n "$ns" "$IP" link set "$dev" mtu 1600 &&
	n "$ns" "$IP" addr add "$addr/24" dev "$dev" &&
	n "$ns" "$IP" link set "$dev" up
}

# segd_start N: segd of host hN in namespace hvN.  Not through n(): $!
# must be segd itself (ip netns exec execs it).
segd_start()
{
	local i=$1
	"$IP" netns exec "hv$i" "$SEGD" --etcd "$EP" --host "h$i" --tunnel "192.168.50.$i" \
		--uplink vx0 --lease-ttl 30 -v >>"$D/segd.h$i.log" 2>&1 &
	SEGD_PID[$i]=$!
}

# vm HOST NAME MAC ADDR: a VM namespace NAME whose eth0 is the far end
# of the veth o<NAME> of hypervisor HOST.
vm()
{
	local h=$1 ns=$2 mac=$3 addr=$4
	"$IP" netns list | grep -qw "$ns" || quiet_ns "$ns"
	n "$h" "$IP" link add "o$ns" type veth peer name eth0 netns "$ns" &&
	host_port_up "o$ns" "$h" &&
	n "$ns" "$IP" link set eth0 address "$mac" &&
	{ n "$ns" "$IP" addr show dev eth0 | grep -q "inet " ||
	  n "$ns" "$IP" addr add "$addr/24" dev eth0; } &&
	n "$ns" "$IP" link set eth0 up
}

hv_up()
{
	local i=$1
	quiet_ns "hv$i"
	ul_join "hv$i" "ul$i" "192.168.50.$i" &&
	etcd_join_ns "hv$i" "10.99.0.$i" &&
	n "hv$i" "$IP" link add vx0 type vxlan external gbp dstport 4789 &&
	n "hv$i" "$IP" link set vx0 up
}

# The module's configuration on host N, as segctl save prints it.
hsave() { n "hv$1" "$SEGCTL" save; }

# status_has HOST TEXT: the status key of HOST mentions TEXT.
status_has() { SEGCTL_ETCD=$EP "$SEGCTL" status "$1" | grep -q -- "$2"; }

# The status revision of host HOST.
status_rev()
{
	SEGCTL_ETCD=$EP "$SEGCTL" status "$1" 2>/dev/null |
		sed -n 's/^[^ ]* revision \([0-9]*\) .*/\1/p'
}

# converged REV: every host applied revision REV or later.
converged()
{
	local h r
	for h in h1 h2 h3; do
		r=$(status_rev $h)
		[ "${r:-0}" -ge "$1" ] || return 1
	done
}


# Milliseconds since boot (busybox's date has no %N).
now_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# key_rev KEY: the revision KEY was last written at.
key_rev() { "$ETCDTEST" -e "$EP" range "$1" | sed -n 's/.* mod=\([0-9]*\).*/\1/p'; }

setup()
{
	local i
	[ -x "$SEGD" ] || { echo "no $SEGD in the guest"; return 1; }
	module_reload
	rm -rf "$D" && mkdir -p "$D"
	"$IP" link add br0 type bridge &&
	"$IP" link set br0 mtu 1600 up &&
	"$IP" addr add 192.168.50.100/24 dev br0 || return 1
	etcd_cluster_start 3 || return 1
	EP=$ETCD_ENDPOINTS
	for i in 1 2 3; do
		hv_up "$i" || return 1
	done
	for i in 1 2 3; do
		segd_start "$i"
	done
	vm hv1 wb1 $WB1 10.2.0.11 &&
	vm hv1 bl1 $BL1 10.2.0.11 &&
	vm hv1 mob $MOB 10.2.0.23 &&
	vm hv2 ap2 $AP2 10.2.0.22 &&
	vm hv3 db3 $DB3 10.2.0.33 &&
	vm hv3 wb3 $WB3 10.2.0.13 &&
	vm hv3 bl3 $BL3 10.2.0.22
}

if ! setup; then
	fail "set up 3 etcd members and 3 hypervisors running segd"
	finish
fi
pass "set up 3 etcd members and 3 hypervisors running segd"
echo "# t=${SECONDS}s"

# ---- the policy and the VMs, written to etcd only ----

cat >"$D/policy.batch" <<EOF
domain add shop id 1 default deny vni 100
domain add blue id 2 default allow vni 200
domain add idle id 3 vni 300
group add web id 1 domain shop
group add app id 2 domain shop
group add db id 3 domain shop
group add web id 1 domain blue
rule add id 10 domain shop prio 100 from web to app proto icmp action allow
endpoint add $WB1 domain shop group web port owb1 ip 10.2.0.11 host h1
endpoint add $MOB domain shop group app port omob ip 10.2.0.23 host h1
endpoint add $BL1 domain blue group web port obl1 ip 10.2.0.11 host h1
endpoint add $AP2 domain shop group app port oap2 ip 10.2.0.22 host h2
endpoint add $DB3 domain shop group db port odb3 ip 10.2.0.33 host h3
endpoint add $WB3 domain shop group web port owb3 ip 10.2.0.13 host h3
endpoint add $BL3 domain blue group web port obl3 ip 10.2.0.22 host h3
EOF
check "segctl --etcd -b: the policy and 7 VMs in one etcd transaction" \
	sctl -b "$D/policy.batch"
rev=$(key_rev "$P/config/domains/shop")
check "every host applies it (status revision $rev)" wait_for 300 converged "$rev"
echo "# t=${SECONDS}s"

check "wb1 (h1) pings ap2 (h2): web -> app icmp allowed" ping4 wb1 10.2.0.22
check "wb3 (h3) pings ap2 (h2)" ping4 wb3 10.2.0.22
check_fails "ap2 (h2) cannot ping wb1 (h1): app -> web, no rule" \
	ping4 ap2 10.2.0.11 1
before=$(SEGCTL="$IP netns exec hv1 $SEGCTL" counter domain shop default_deny)
check_fails "wb1 (h1) cannot ping db3 (h3): web -> db, no rule" \
	ping4 wb1 10.2.0.33 1
check_ge "...dropped on h1 as default_deny" $((before + 1)) \
	"$(SEGCTL="$IP netns exec hv1 $SEGCTL" counter domain shop default_deny)"

e_ap2=$(in_echos ap2)
e_bl3=$(in_echos bl3)
check "bl1 (h1, blue) pings 10.2.0.22 (h3)" ping4 bl1 10.2.0.22
check "...which is bl3 of blue" \
	test "$(in_echos bl3)" -ge $((e_bl3 + 2))
check_eq "...never ap2 of shop, who has that address too" "$e_ap2" \
	"$(in_echos ap2)"

check "h1 holds shop and blue" sh -c \
	"$IP netns exec hv1 $SEGCTL domain show | grep -q 'domain shop' &&
	 $IP netns exec hv1 $SEGCTL domain show | grep -q 'domain blue'"
check_fails "h2 holds neither blue nor idle (no VM of them)" sh -c \
	"$IP netns exec hv2 $SEGCTL domain show | grep -Eq 'domain (blue|idle)'"
check_fails "no host holds idle" sh -c \
	"for h in hv1 hv3; do $IP netns exec \$h $SEGCTL domain show; done |
	 grep -q 'domain idle'"
check "h2 knows wb1 as remote behind its uplink, at h1's tunnel" sh -c \
	"$IP netns exec hv2 $SEGCTL save | grep '$WB1' |
	 grep -q 'port vx0 remote 192.168.50.1'"

# ---- registered before its device exists ----

sctl endpoint add $AP4 domain shop group app port oap4 ip 10.2.0.24 host h2
check "ap4 registered on h2 before its port: h2's status says it waits" \
	wait_for 300 status_has h2 'waiting .*: port oap4$'
vm hv2 ap4 $AP4 10.2.0.24
check "its port oap4 appears: h2 attaches it, wb1 (h1) pings ap4" \
	wait_for 10 ping4 wb1 10.2.0.24 1
check_fails "...and h2's status no longer lists it waiting" \
	status_has h2 'waiting .*: port oap4$'

echo "# t=${SECONDS}s"
# ---- a VM moves from h1 to h2 while wb3 (h3) pings it ----

check "wb3 (h3) pings mob (h1)" ping4 wb3 10.2.0.23
n wb3 ping -i 0.2 -W 1 -w 60 10.2.0.23 >"$D/ping.mob" 2>&1 &
ping_pid=$!
sleep 1
# The VM's memory goes over; its port appears on h2, then etcd is told.
n hv1 "$IP" link del omob
vm hv2 mob $MOB 10.2.0.23
t0=$(now_ms)
sctl endpoint move $MOB domain shop port omob host h2
until n wb3 ping -c 1 -W 1 10.2.0.23 >/dev/null 2>&1; do
	[ $(($(now_ms) - t0)) -lt 20000 ] || break
done
t1=$(now_ms)
echo "# migration: mob answers again $((t1 - t0)) ms after the etcd write"
check "mob answers wb3 again within 20 s of the move" \
	test $((t1 - t0)) -lt 20000
kill $ping_pid 2>/dev/null
wait $ping_pid 2>/dev/null
check "...the pings before the move were answered too" \
	grep -q "bytes from" "$D/ping.mob"
check "h3 now sends to mob at h2's tunnel address" sh -c \
	"$IP netns exec hv3 $SEGCTL save | grep '$MOB' |
	 grep -q 'remote 192.168.50.2'"
check "h2 has mob behind its own port omob" sh -c \
	"$IP netns exec hv2 $SEGCTL save | grep '$MOB' | grep -q 'port omob'"

echo "# t=${SECONDS}s"
# ---- a policy change in one etcd transaction ----

for i in 1 2 3; do
	lines[$i]=$(wc -l <"$D/segd.h$i.log")
done
cat >"$D/change.batch" <<EOF
rule del 10 domain shop
rule add id 12 domain shop prio 100 from web to db proto icmp action allow
EOF
check "segctl --etcd -b: rule 10 out, rule 12 in, one transaction" \
	sctl -b "$D/change.batch"
rev=$(key_rev "$P/config/domains/shop/rules/12")
check "every host applies it" wait_for 300 converged "$rev"
for i in 1 2 3; do
	new=$(tail -n +$((lines[i] + 1)) "$D/segd.h$i.log" | grep 'applied')
	check_eq "h$i applied it as one kernel transaction of 2 commands" \
		"revision $rev (watch): applied 2 commands" \
		"$(echo "$new" | sed 's/^segd: //')"
done
check "wb1 (h1) now pings db3 (h3)" ping4 wb1 10.2.0.33
check_fails "...and no longer ap2 (h2)" ping4 wb1 10.2.0.22 1

echo "# t=${SECONDS}s"
# ---- segd restarted under traffic ----

hsave 3 >"$D/h3.before"
n wb1 ping -i 0.1 -c 80 -W 1 10.2.0.33 >"$D/ping.restart" 2>&1 &
ping_pid=$!
sleep 1
kill "${SEGD_PID[3]}"
wait "${SEGD_PID[3]}" 2>/dev/null
: >"$D/segd.h3.log"
segd_start 3
check "segd of h3 restarted: it read etcd again" \
	wait_for 300 grep -q 'keys at revision' "$D/segd.h3.log"
wait $ping_pid
check "wb1 -> db3 pings across the restart: none lost" \
	grep -q ' 0% packet loss' "$D/ping.restart"
hsave 3 >"$D/h3.after"
check "h3's configuration is the same (segctl save)" \
	cmp "$D/h3.before" "$D/h3.after"
check_fails "...and the restart applied nothing" \
	grep -q 'applied' "$D/segd.h3.log"

echo "# t=${SECONDS}s"
# ---- one etcd member stopped ----

etcd_member_stop 1
check "etcd1 stopped: the rule web -> app icmp written through etcd2, etcd3" \
	wait_for 100 sctl rule add id 10 domain shop prio 100 from web \
	to app proto icmp action allow
rev=$(key_rev "$P/config/domains/shop/rules/10")
check "every host converges without etcd1" wait_for 300 converged "$rev"
check "wb1 (h1) pings ap2 (h2) again" ping4 wb1 10.2.0.22

echo "# t=${SECONDS}s"
# ---- every etcd member stopped, then back ----
# segd of h1 is stopped (SIGSTOP) meanwhile: the members' restart breaks
# its watch, and etcd is compacted past its revision before it runs on.

hsave 2 >"$D/h2.before"
h1lines=$(wc -l <"$D/segd.h1.log")
kill -STOP "${SEGD_PID[1]}"
etcd_member_stop 2
etcd_member_stop 3
check "etcd all gone: wb1 (h1) still pings ap2 (h2)" ping4 wb1 10.2.0.22
check "...wb3 (h3) still pings mob (h2)" ping4 wb3 10.2.0.23
hsave 2 >"$D/h2.after"
check "...and h2's configuration is what it was" \
	cmp "$D/h2.before" "$D/h2.after"
for i in 1 2 3; do
	etcd_member_start "$i"
done
check "etcd back (the same members, their data kept)" \
	wait_for 300 etcd_healthy
check "a rule written after etcd is back" \
	wait_for 50 sctl rule add id 13 domain shop prio 100 from app to web \
	proto icmp action allow
rev=$(key_rev "$P/config/domains/shop/rules/13")
check "etcd compacted to revision $rev, past segd of h1 (stopped)" \
	"$ETCDTEST" -e "$EP" compact "$rev"
kill -CONT "${SEGD_PID[1]}"
check "every host converges again (they retried and read it all)" \
	wait_for 300 converged "$rev"
# resync_rev: the revision of the last read of everything since SIGCONT.
resync_rev()
{
	tail -n +$((h1lines + 1)) "$D/segd.h1.log" |
		sed -n 's/.* keys at revision \([0-9]*\)$/\1/p' | tail -n 1
}
check_ge "segd of h1 woke on a broken watch and read everything again" \
	"$rev" "$(resync_rev)"
check "...at most once told its revision was compacted (no loop)" test \
	"$(tail -n +$((h1lines + 1)) "$D/segd.h1.log" | grep -c compacted)" -le 1
check "ap2 (h2) now pings wb1 (h1): app -> web, rule 13" \
	wait_for 30 ping4 ap2 10.2.0.11 1

echo "# t=${SECONDS}s"
# ---- bad data is skipped and reported ----

"$ETCDTEST" -e "$EP" put "$P/config/domains/shop/rules/99" 'not json' >/dev/null
"$ETCDTEST" -e "$EP" put "$P/config/domains/shop/rules/98" \
	'{"version":1,"from":"nope","action":"allow"}' >/dev/null
"$ETCDTEST" -e "$EP" put "$P/config/domains/shop/groups/big" \
	'{"version":1,"id":70000}' >/dev/null
rev=$(key_rev "$P/config/domains/shop/groups/big")
check "hosts go on after three bad values" wait_for 300 converged "$rev"
check "h2's status: rules/99 skipped, not valid JSON" \
	status_has h2 'skipped .*rules/99: not valid JSON'
check "h2's status: rules/98 skipped, its group does not exist" \
	status_has h2 'skipped .*rules/98: group "nope" does not exist'
check "h2's status: groups/big skipped, id out of range" \
	status_has h2 'skipped .*groups/big: "id" out of range'
check "the rest still holds: wb1 (h1) pings ap2 (h2)" ping4 wb1 10.2.0.22

# ---- idle when nothing changes ----

# ticks PID: the CPU time PID used so far, in clock ticks.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
c0=$(ticks "${SEGD_PID[1]}")
sleep 5
c1=$(ticks "${SEGD_PID[1]}")
echo "# segd of h1, idle: $((c1 - c0)) clock ticks of CPU in 5 s"
check "segd of h1 sleeps when nothing changes (under 25 ticks in 5 s)" \
	test $((c1 - c0)) -lt 25

finish
