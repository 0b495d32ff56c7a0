#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tenant limits: a domain holds at most so many endpoints, rules,
# services and chains (and tracks at most so many flows); one that would go over is
# refused with ENOSPC and a message that names the limit, nothing of the
# request is applied, and the other domains keep working.  And a
# tenant's configuration is charged to the memory cgroup of the segctl
# that made it.
#
#   a1 (10.0.0.1) --veth-- va1 [small] va2 --veth-- a2 (10.0.0.2)
#   b1 (10.0.0.1) --veth-- vb1 [other] vb2 --veth-- b2 (10.0.0.2)

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

CG=/sys/fs/cgroup/segfilter-limits

cleanup()
{
	cleanup_vms
	[ -d "$CG" ] && rmdir "$CG" 2>/dev/null
}
trap cleanup EXIT

ep()
{
	$SEGCTL endpoint add "$1" domain "$2" group g port "$3" ip "$4"
}

module_reload
vm_veth a1 va1 02:00:00:00:0a:01 10.0.0.1 fd00::1
vm_veth a2 va2 02:00:00:00:0a:02 10.0.0.2 fd00::2
vm_veth b1 vb1 02:00:00:00:0b:01 10.0.0.1 fd00::1
vm_veth b2 vb2 02:00:00:00:0b:02 10.0.0.2 fd00::2
{
	$SEGCTL domain add small id 1 endpoint-limit 2 rule-limit 2 \
		service-limit 1 chain-limit 1 &&
	$SEGCTL domain add other id 2 &&
	$SEGCTL group add g id 1 domain small &&
	$SEGCTL group add g id 1 domain other &&
	for p in va1:small va2:small vb1:other vb2:other; do
		$SEGCTL port attach "${p%%:*}" domain "${p#*:}" || exit 1
	done
} >/dev/null

check "domain show gives the limits" sh -c \
	"$SEGCTL domain show small | grep -q 'endpoint-limit 2 rule-limit 2 service-limit 1 chain-limit 1'"
check "...and the defaults where none was given" sh -c \
	"$SEGCTL domain show other | grep -q 'flow-limit 65536 endpoint-limit 16384 rule-limit 65536 service-limit 64 chain-limit 64'"

# --- endpoints ---
check "two endpoints in a domain limited to two: the first" \
	ep 02:00:00:00:0a:01 small va1 10.0.0.1
check "...the second" ep 02:00:00:00:0a:02 small va2 10.0.0.2
check_err "a third: ENOSPC, and the message names the limit" "" \
	"holds 2 endpoints, its endpoint-limit" \
	ep 02:00:00:00:0a:03 small va2 10.0.0.3
check_eq "...and it is not there" 2 \
	"$($SEGCTL endpoint show domain small | grep -c '^endpoint')"
ep 02:00:00:00:0b:01 other vb1 10.0.0.1 >/dev/null
ep 02:00:00:00:0b:02 other vb2 10.0.0.2 >/dev/null
check "another domain still takes a third endpoint" \
	ep 02:00:00:00:0b:03 other vb2 10.0.0.3
check "...and forwards" ping4 b1 10.0.0.2
check "the limited domain forwards between what it has" ping4 a1 10.0.0.2

# --- rules, one by one and in a transaction ---
check "two rules in a domain limited to two" sh -c \
	"$SEGCTL rule add id 1 domain small from g to g proto udp action allow >/dev/null &&
	 $SEGCTL rule add id 2 domain small from g to g proto tcp action allow >/dev/null"
check_err "a third: ENOSPC" "" "holds 2 rules, its rule-limit" \
	$SEGCTL rule add id 3 domain small from g to g proto icmp action allow
cat >/tmp/limits.batch <<EOF
rule del 2 domain small
rule add id 4 domain small proto icmp action allow
rule add id 5 domain small proto icmpv6 action allow
EOF
check_err "a batch that would end with three: refused as a whole" "" \
	"rule-limit" $SEGCTL -b /tmp/limits.batch
check "...rule 2 is still there, 4 is not" sh -c \
	"$SEGCTL rule show domain small | grep -q '^rule 2 ' &&
	 ! $SEGCTL rule show domain small | grep -q '^rule 4 '"
head -n 2 /tmp/limits.batch >/tmp/limits2.batch
check "a batch that deletes one and adds one fits" $SEGCTL -b /tmp/limits2.batch
check "the limit raised, the third rule goes in" sh -c \
	"$SEGCTL domain set small rule-limit 3 && $SEGCTL rule add id 3 domain small proto tcp action deny >/dev/null"
check "a limit lowered below what the domain holds keeps what it has" \
	$SEGCTL domain set small endpoint-limit 1
check_eq "...both endpoints stay" 2 \
	"$($SEGCTL endpoint show domain small | grep -c '^endpoint')"
check_err "...and it takes no more" "" "its endpoint-limit" \
	ep 02:00:00:00:0a:04 small va2 10.0.0.4
check_err "a limit over the maximum is refused" "" "out of range" \
	$SEGCTL domain set small rule-limit 2000000

# --- services ---
check "one service in a domain limited to one" \
	$SEGCTL service add fw domain small mode transparent
check_err "a second: ENOSPC" "" "holds 1 services, its service-limit" \
	$SEGCTL service add ids domain small mode transparent
check "another domain takes both" sh -c \
	"$SEGCTL service add fw domain other mode transparent >/dev/null &&
	 $SEGCTL service add ids domain other mode transparent >/dev/null"
check "deleting the first makes room" sh -c \
	"$SEGCTL service del fw domain small && $SEGCTL service add ids domain small mode transparent >/dev/null"
printf 'service del ids domain small\nservice add fw domain small mode transparent\n' \
	>/tmp/replace.batch
check "a service replaced in one batch at the limit" $SEGCTL -b /tmp/replace.batch
check_eq "domain show counts the services" 1 \
	"$($SEGCTL -j domain show small | sed -n 's/.*"services":\([0-9]*\).*/\1/p')"
check "one chain in a domain limited to one" \
	$SEGCTL chain add c1 domain small services fw
check_err "a second: ENOSPC" "" "holds 1 chains, its chain-limit" \
	$SEGCTL chain add c2 domain small services fw
printf 'chain del c1 domain small\nchain add c2 domain small services fw\n' \
	>/tmp/replace.batch
check "a chain replaced in one batch at the limit" $SEGCTL -b /tmp/replace.batch
check "another domain takes both" sh -c \
	"$SEGCTL chain add c1 domain other services fw >/dev/null &&
	 $SEGCTL chain add c2 domain other services fw,ids >/dev/null"
check_eq "domain show counts the chains" 1 \
	"$($SEGCTL -j domain show small | sed -n 's/.*"chains":\([0-9]*\).*/\1/p')"

# --- flows: over the limit, allowed but not tracked, and counted ---
$SEGCTL domain set small flow-limit 1 >/dev/null
n a1 "$TOOLS/udpflows" send 10.0.0.2 9 4 >/dev/null 2>&1
check_ge "flows over the flow-limit are counted (flow_table_full)" 1 \
	"$(counter domain small flow_table_full)"
check "the other domain still makes flows" ping4 b1 10.0.0.2

# --- memory cgroups ---
mkdir -p /sys/fs/cgroup
grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts ||
	mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null
if echo +memory >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null &&
	mkdir -p "$CG" && [ -f "$CG/memory.stat" ]; then
	awk 'BEGIN {
		print "domain add charged id 9 rule-limit 10000"
		print "group add g id 1 domain charged"
		for (i = 1; i <= 2000; i++)
			printf "rule add id %d domain charged from g to g proto udp port %d action allow\n", i, i
	}' >/tmp/charged.batch
	s0=$(awk '$1 == "slab" { print $2 }' "$CG/memory.stat")
	(echo "$BASHPID" >"$CG/cgroup.procs" && exec $SEGCTL -b /tmp/charged.batch) \
		>/dev/null
	sleep 1
	s1=$(awk '$1 == "slab" { print $2 }' "$CG/memory.stat")
	echo "# 2000 rules: $((s1 - s0)) bytes of slab charged to $CG"
	check_ge "2000 rules are charged to the segctl's memory cgroup (>= 64 B each)" \
		$((2000 * 64)) $((s1 - s0))
	$SEGCTL domain del charged >/dev/null
else
	skip "no memory controller in this kernel"
fi
finish
