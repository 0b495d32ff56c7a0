#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every flow is paid for and bounded.  An unanswered flow (a bare ACK
# with a made-up port) lives only unreplied_timeout; a full flow table
# evicts unanswered flows, never answered ones, for new ones; and root
# of a user namespace that owns a network namespace (a container) gets
# no more domains and flows than the host's budget allows, and the flows
# it makes, created in softirq by packets that other processes send,
# are charged to the memory cgroup of the process that created the
# domain.
#
# In the script's namespace (the host):
#   a1 (10.0.0.1) --veth-- va1 [t] va2 --veth-- a2 (10.0.0.2; 10.0.0.3
#                                               in segfilter only: a
#                                               black hole)
# In the container's network namespace:
#   c1 (10.0.0.1) --veth-- vc1 [cd] vc2 --veth-- c2 (10.0.0.2)

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

P=/sys/module/segfilter/parameters
CG=/sys/fs/cgroup/segfilter-budget
CPID=

cleanup()
{
	[ -z "$CPID" ] || kill "$CPID" 2>/dev/null
	[ -z "$CPID" ] || wait "$CPID" 2>/dev/null
	cleanup_vms
	[ -d "$CG" ] && rmdir "$CG" 2>/dev/null
}
trap cleanup EXIT

# domain_flows [SEGCTL-PREFIX...] DOMAIN: the flows the domain holds.
domain_flows()
{
	local dom=${*: -1}
	"${@:1:$#-1}" $SEGCTL -j domain show "$dom" |
		sed -n 's/.*"flows":\([0-9]*\).*/\1/p'
}

flows_below() { [ "$(domain_flows "$2")" -lt "$1" ]; }

# cstat DOMAIN KEY: a counter of a domain of the container.
cstat()
{
	local v
	v=$(C $SEGCTL stats domain "$1" | tr ' \t' '\n\n' |
		awk -v k="$2" 'prev == k { print; exit } { prev = $0 }')
	echo "${v:-0}"
}

module_reload
vm_veth a1 va1 02:00:00:00:0a:01 10.0.0.1 fd00::1
vm_veth a2 va2 02:00:00:00:0a:02 10.0.0.2 fd00::2
{
	$SEGCTL domain add t id 1 default deny &&
	$SEGCTL group add g id 1 domain t &&
	$SEGCTL port attach va1 domain t &&
	$SEGCTL port attach va2 domain t &&
	$SEGCTL endpoint add 02:00:00:00:0a:01 domain t group g port va1 \
		ip 10.0.0.1 &&
	$SEGCTL endpoint add 02:00:00:00:0a:02 domain t group g port va2 \
		ip 10.0.0.2 ip 10.0.0.3 &&
	$SEGCTL rule add id 1 domain t from g to g action allow
} >/dev/null || echo "# setup of domain t failed"

# --- unanswered flows: a short timeout until the other end speaks ---
check_eq "unreplied_timeout defaults to 60 s" 60 "$(cat $P/unreplied_timeout)"
check_fails "...and 0 is refused" sh -c "echo 0 >$P/unreplied_timeout"
echo 3 >$P/unreplied_timeout
n a2 "$TOOLS/udpflows" serve 7 &
UDPSERVE=$!
wait_for 50 n a1 "$TOOLS/udpflows" send 10.0.0.2 7 1 30000 200 ||
	echo "# the echo server does not answer"
c0=$(counter domain t flows_created)
check "a bare ACK with a new port, to an address that never answers" \
	n a1 "$TOOLS/tcpraw" 10.0.0.1 10.0.0.3 40000 8080 A
check "an answered UDP flow" \
	n a1 "$TOOLS/udpflows" send 10.0.0.2 7 1 30001 1000
check_eq "...both opened a flow" $((c0 + 2)) "$(counter domain t flows_created)"
f0=$(domain_flows t)
check "the ACK's flow, never answered, expires after unreplied_timeout" \
	wait_for 120 flows_below "$f0" t
check_eq "...while the answered ones stay" $((f0 - 1)) "$(domain_flows t)"
echo 60 >$P/unreplied_timeout
# Two flows left: the echo server's check and the answered one.

# --- early drop: a full table evicts unanswered flows, not answered ones ---
$SEGCTL domain set t flow-limit 16 >/dev/null
n a1 "$TOOLS/udpflows" send 10.0.0.2 7 4 31000 1000 >/dev/null 2>&1
n a1 "$TOOLS/tcpraw" 10.0.0.1 10.0.0.3 41000 8080 A 10
check_eq "16 flows: 6 answered, 10 unanswered, the flow-limit" 16 \
	"$(domain_flows t)"
e0=$(counter domain t flows_evicted)
full0=$(counter domain t flow_table_full)
c0=$(counter domain t flows_created)
check "a new connection in the full table" \
	n a1 "$TOOLS/udpflows" send 10.0.0.2 7 1 32000 1000
check_eq "...gets a flow" $((c0 + 1)) "$(counter domain t flows_created)"
check_eq "...by evicting an unanswered one (flows_evicted)" $((e0 + 1)) \
	"$(counter domain t flows_evicted)"
check_eq "...not by going without (flow_table_full)" "$full0" \
	"$(counter domain t flow_table_full)"
n a1 "$TOOLS/tcpraw" 10.0.0.1 10.0.0.3 42000 8080 A 200
check_ge "200 more bare ACKs evict unanswered flows" $((e0 + 150)) \
	"$(counter domain t flows_evicted)"
check_eq "...and the table stays at its limit" 16 "$(domain_flows t)"
c0=$(counter domain t flows_created)
check "the answered flows still pass" \
	n a1 "$TOOLS/udpflows" send 10.0.0.2 7 4 31000 1000
check_eq "...on their own flows: none was evicted" "$c0" \
	"$(counter domain t flows_created)"
$SEGCTL domain set t flow-limit 8 >/dev/null
e0=$(counter domain t flows_evicted)
full0=$(counter domain t flow_table_full)
n a1 "$TOOLS/tcpraw" 10.0.0.1 10.0.0.3 43000 8080 A
check_eq "the limit lowered to 8: a new flow evicts nothing" "$e0" \
	"$(counter domain t flows_evicted)"
check_eq "...and goes without (flow_table_full)" $((full0 + 1)) \
	"$(counter domain t flow_table_full)"
check_eq "...the 16 flows stay until they expire" 16 "$(domain_flows t)"
kill "$UDPSERVE" 2>/dev/null
wait "$UDPSERVE" 2>/dev/null

# --- a container's budget, and who pays for its flows ---
mkdir -p /sys/fs/cgroup
grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts ||
	mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null
echo +memory >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
mkdir -p "$CG"
[ -f "$CG/memory.current" ] || echo "# no memory controller"
echo 2 >$P/max_domains_per_netns
echo 6000 >$P/max_flows_per_netns

# The container: a user namespace, and a network namespace it owns.
(echo "$BASHPID" >"$CG/cgroup.procs" && exec /usr/bin/unshare -U -r -n sleep 600) &
CPID=$!
wait_for 50 sh -c "[ \"\$(readlink /proc/$CPID/ns/net)\" != \"\$(readlink /proc/self/ns/net)\" ]"
# C CMD...: run CMD as the container's root, in its cgroup.
C()
{
	(echo "$BASHPID" >"$CG/cgroup.procs" &&
		exec /usr/bin/nsenter -t "$CPID" -U -n "$@")
}
vm_veth c1 vc1 02:00:00:00:0c:01 10.0.0.1 fd00::1
vm_veth c2 vc2 02:00:00:00:0c:02 10.0.0.2 fd00::2
vm_veth c3 vc3 02:00:00:00:0c:03 10.0.0.1 fd00::1
vm_veth c4 vc4 02:00:00:00:0c:04 10.0.0.2 fd00::2
for d in vc1 vc2 vc3 vc4; do
	"$IP" link set "$d" netns "$CPID"
done
for d in vc1 vc2 vc3 vc4; do
	C sysctl -qw "net.ipv6.conf.$d.disable_ipv6=1"
	C "$IP" link set "$d" up
done

check "the container's root creates a domain" C $SEGCTL domain add cd id 1
check "...and a second" C $SEGCTL domain add cd2 id 2
check_err "a third is over the host's budget: ENOSPC, and it says so" "" \
	"namespace holds 2 domains, the host's max_domains_per_netns" \
	C $SEGCTL domain add cd3 id 3
check "the host's namespace has a budget of its own" sh -c \
	"$SEGCTL domain add h2 id 2 >/dev/null && $SEGCTL domain del h2"
check_fails "the container's root cannot raise the budget" \
	C sh -c "echo 100 >$P/max_domains_per_netns"
check_eq "...which is unchanged" 2 "$(cat $P/max_domains_per_netns)"
replace_domain() { C $SEGCTL domain del cd2 && C $SEGCTL domain add cd3 id 3; }
check "deleting a domain makes room for another" replace_domain
echo 3 >$P/max_domains_per_netns
check "the host's administrator raises it: a third" \
	C $SEGCTL domain add cd4 id 4

# two_vms DOMAIN N M: VMs cN (10.0.0.1) and cM (10.0.0.2) of the
# container, in one group of DOMAIN.
two_vms()
{
	local dom=$1 n i=1
	C $SEGCTL group add g id 1 domain "$dom" || return 1
	for n in "$2" "$3"; do
		C $SEGCTL port attach "vc$n" domain "$dom" &&
		C $SEGCTL endpoint add "02:00:00:00:0c:0$n" domain "$dom" \
			group g port "vc$n" ip "10.0.0.$i" || return 1
		i=$((i + 1))
	done
}
two_vms cd 1 2 >/dev/null || echo "# setup of domain cd failed"
two_vms cd3 3 4 >/dev/null || echo "# setup of domain cd3 failed"
# The echo servers and the senders run in the host's cgroup, not $CG.
n c2 "$TOOLS/udpflows" serve 9 &
UDPSERVE=$!
n c4 "$TOOLS/udpflows" serve 9 &
UDPSERVE="$UDPSERVE $!"
wait_for 50 n c1 "$TOOLS/udpflows" send 10.0.0.2 9 1 19999 200

# The container may hold 3 domains (cd, cd3, cd4 here) and 6000 flows:
# each domain has 1000 of its own (half the budget in 3 shares), and the
# other 3000 are a pool for whoever needs more.
N=3000
SHARE=1000
POOL=3000
# udpflows needs a socket per flow.
ulimit -n $((N + 100))
objsize=$(cat /sys/kernel/slab/segf_flow/object_size 2>/dev/null || echo 128)
m0=$(cat "$CG/memory.current")
s0=$(awk '$1 == "slab" { print $2 }' "$CG/memory.stat")
n c1 "$TOOLS/udpflows" send 10.0.0.2 9 $N 20000 2000 >/tmp/budget.uf 2>&1
# Flows whose echo was lost on the way stay unanswered: evictable.
lost=$(grep -c ' lost' /tmp/budget.uf)
# memory.stat is folded from per-CPU deltas: 6.12 folds them on a read
# only past a threshold, and otherwise every 2 s.  Give it 5 s.
slab_now() { awk '$1 == "slab" { print $2 }' "$CG/memory.stat"; }
slab_grew() { [ $(($(slab_now) - s0)) -ge $((N * objsize * 3 / 4)) ]; }
sleep 1
wait_for 50 slab_grew
m1=$(cat "$CG/memory.current")
s1=$(slab_now)
echo "# $N flows of $objsize bytes: memory.current $m0 -> $m1" \
	"(+$((m1 - m0))), slab $s0 -> $s1 (+$((s1 - s0)))"
check_eq "$N flows from a VM of the container" $((N + 1)) \
	"$(domain_flows C cd)"
# memory.current is charged ahead in batches of 64 pages per CPU, which
# may already have been counted before m0: it must rise by the flows'
# size less those batches.  The slab counter is exact.
check_ge "...are charged to the cgroup of the domain's creator" \
	$((N * objsize - $(nproc) * 64 * 4096)) $((m1 - m0))
check_ge "...as slab" $((N * objsize * 3 / 4)) $((s1 - s0))

# refused DOMAIN FULL0 EVICTED0: how many new flows DOMAIN turned away
# since its counters read FULL0 and EVICTED0.  A new flow at the
# limit is refused (flow_table_full), or takes the place of a flow whose
# echo has not come back yet (flows_evicted); which one depends on how
# fast the echoes come, which a loaded host decides (6.12, 2026-12-06).
# Either way the domain made no flow beyond its limit.
refused()
{
	echo $(($(cstat "$1" flow_table_full) - $2 + $(cstat "$1" flows_evicted) - $3))
}

full0=$(cstat cd flow_table_full)
ev0=$(cstat cd flows_evicted)
n c1 "$TOOLS/udpflows" send 10.0.0.2 9 2000 30000 1000 >/dev/null 2>&1
check_eq "2000 more: cd holds its own $SHARE and the pool's $POOL, no more" \
	$((SHARE + POOL)) "$(domain_flows C cd)"
check_ge "...the others are refused (flow_table_full) or replace an unanswered flow" \
	900 "$(refused cd "$full0" "$ev0")"
# Any flow of the table the new ones found unanswered (their echoes on
# the way) may have been evicted; the $N answered before may not.  Sent
# again from the same ports, each finds its flow: none is made anew or
# refused (but for the $lost never answered, whose datagram and echo may
# each count).
c0=$(cstat cd flows_created)
full0=$(cstat cd flow_table_full)
n c1 "$TOOLS/udpflows" send 10.0.0.2 9 $N 20000 2000 >/dev/null 2>&1
check_ge "...and none of the $N answered flows was evicted for them" \
	$(($(cstat cd flows_created) - c0 + $(cstat cd flow_table_full) - full0)) \
	$((2 * lost))

full0=$(cstat cd3 flow_table_full)
ev0=$(cstat cd3 flows_evicted)
n c3 "$TOOLS/udpflows" send 10.0.0.2 9 1500 20000 1000 >/dev/null 2>&1
check_eq "cd3 still gets its own $SHARE flows, though cd took the pool" \
	$SHARE "$(domain_flows C cd3)"
check_ge "...and no more: the others are refused or replace an unanswered flow" \
	400 "$(refused cd3 "$full0" "$ev0")"
check_eq "...while cd keeps its flows" $((SHARE + POOL)) \
	"$(domain_flows C cd)"
kill $UDPSERVE 2>/dev/null
wait $UDPSERVE 2>/dev/null
m2=$(cat "$CG/memory.current")
C $SEGCTL domain del cd >/dev/null 2>&1 ||
	{ C $SEGCTL port detach vc1; C $SEGCTL port detach vc2; C $SEGCTL domain del cd; } >/dev/null 2>&1
sleep 2
m3=$(cat "$CG/memory.current")
echo "# domain cd deleted: memory.current $m2 -> $m3 ($((m3 - m2)))"
check_ge "deleting the domain gives its flows' memory back" \
	$((N * objsize / 2)) $((m2 - m3))
finish
