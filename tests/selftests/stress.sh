#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Concurrency stress: traffic on every port while, all at once, rules are
# committed and withdrawn in batches, endpoints come, move and go,
# services with instances and chains are built and torn down, whole
# domains are made and deleted (their ports' devices deleted first, under
# the attachment), VM namespaces and a second hypervisor namespace with
# a configuration of its own are destroyed while attached, and dumps,
# stats, traces and saves read all of it.  Then, with the traffic still
# flowing, the module is unloaded.  The kernel must stay quiet: any
# splat, any task blocked for SEGSTRESS_HUNG seconds (the hung task
# detector, lowered) fails the run, and the harness scans for leaks.
#
# SEGSTRESS_SECS (default 40) bounds the churn; make check runs the
# default, Documentation/testing.rst says how to run it for longer.
#
#   a1 (10.0.0.1) --veth-- va1 [s1] va2 --veth-- a2 (10.0.0.2)
#   a3 (10.0.0.3) --tap--- ta3 [s1]
#   b1 (10.0.0.1) --veth-- vb1 [s2] vb2 --veth-- b2 (10.0.0.2)
#                          svl [s2] svr: service ports, a bridge in "svc"

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

skip_on 6.12 "the module's own logic, the same on every kernel (6.1, debug)"

SECS=${SEGSTRESS_SECS:-40}
HUNG=${SEGSTRESS_HUNG:-60}
W=$(mktemp -d)
WORKERS=()
TRAFFIC=()
HUNG_SYSCTL=/proc/sys/kernel/hung_task_timeout_secs

cleanup()
{
	local p
	for p in "${WORKERS[@]}" "${TRAFFIC[@]}"; do
		kill "$p" 2>/dev/null
	done
	cleanup_vms
	"$IP" netns del svc 2>/dev/null
	"$IP" netns del hv2 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

[ -w "$HUNG_SYSCTL" ] && echo "$HUNG" >"$HUNG_SYSCTL"
# A blocked task's holder is often running: show every CPU's stack too.
echo 1 >/proc/sys/kernel/hung_task_all_cpu_backtrace 2>/dev/null

ep()	# MAC DOMAIN GROUP PORT IP
{
	$SEGCTL endpoint add "$1" domain "$2" group "$3" port "$4" ip "$5"
}

module_reload
vm_veth a1 va1 02:00:00:00:0a:01 10.0.0.1 fd00::1
vm_veth a2 va2 02:00:00:00:0a:02 10.0.0.2 fd00::2
vm_tap a3 ta3 02:00:00:00:0a:03 10.0.0.3 fd00::3
vm_veth b1 vb1 02:00:00:00:0b:01 10.0.0.1 fd00::1
vm_veth b2 vb2 02:00:00:00:0b:02 10.0.0.2 fd00::2
"$IP" netns add svc
"$IP" link add svl type veth peer name eth0 netns svc
"$IP" link add svr type veth peer name eth1 netns svc
n svc "$IP" link add br0 type bridge
n svc "$IP" link set eth0 master br0
n svc "$IP" link set eth1 master br0
for d in eth0 eth1 br0; do n svc "$IP" link set "$d" up; done
for d in svl svr; do host_port_up "$d"; done
{
	$SEGCTL domain add s1 id 1 &&
	$SEGCTL domain add s2 id 2 default deny &&
	$SEGCTL group add web id 1 domain s1 &&
	$SEGCTL group add churn id 2 domain s1 &&
	$SEGCTL group add web id 1 domain s2 &&
	$SEGCTL group add db id 2 domain s2 &&
	for p in va1:s1 va2:s1 ta3:s1 vb1:s2 vb2:s2; do
		$SEGCTL port attach "${p%%:*}" domain "${p#*:}" || exit 1
	done &&
	$SEGCTL port attach svl domain s2 role service &&
	$SEGCTL port attach svr domain s2 role service &&
	ep 02:00:00:00:0a:01 s1 web va1 10.0.0.1 &&
	ep 02:00:00:00:0a:02 s1 web va2 10.0.0.2 &&
	ep 02:00:00:00:0a:03 s1 web ta3 10.0.0.3 &&
	ep 02:00:00:00:0b:01 s2 web vb1 10.0.0.1 &&
	ep 02:00:00:00:0b:02 s2 db vb2 10.0.0.2 &&
	$SEGCTL rule add id 1 domain s2 from web to db action allow
} >/dev/null
check "the stressed configuration" $SEGCTL show
check "a1 pings a2 before the stress" ping4 a1 10.0.0.2
check "b1 pings b2 before the stress" ping4 b1 10.0.0.2

# Traffic on every port, longer than the churn: the unload comes while
# it still flows.  Not through n(): the pid must be the program's own.
flood()	# NS DEST
{
	"$IP" netns exec "$1" ping -A -q -w $((SECS + 30)) "$2" >/dev/null 2>&1 &
	TRAFFIC+=($!)
}
flood a1 10.0.0.2
flood a2 10.0.0.3
flood a3 10.0.0.1
flood b1 10.0.0.2
flood b2 10.0.0.1
"$IP" netns exec a1 "$TOOLS/udpflows" serve 9 &
TRAFFIC+=($!)
(
	while :; do
		n a2 "$TOOLS/udpflows" send -r 3 -g 10 10.0.0.1 9 64 >/dev/null 2>&1
	done
) &
TRAFFIC+=($!)

deadline=$((SECONDS + SECS))

# worker NAME: run the function NAME until the deadline, counting rounds
# in $W/NAME.
worker()
{
	(
		local i=0
		while [ $SECONDS -lt $deadline ]; do
			"$1" "$i" >/dev/null 2>&1
			i=$((i + 1))
			echo "$i" >"$W/$1"
		done
	) &
	WORKERS+=($!)
}

# 300 rules in one commit, between s1's groups (web to churn, deny and
# allow, so flows of web to web stay allowed), then all withdrawn.
rules()
{
	awk -v r="$1" 'BEGIN {
		for (i = 1; i <= 300; i++)
			printf "rule add id %d domain s1 prio %d from %s to churn proto udp port %d action %s\n",
				1000 + i, i, i % 2 ? "web" : "churn", i, i % 3 ? "allow" : "deny"
	}' >"$W/rules.add"
	awk 'BEGIN { for (i = 1; i <= 300; i++) printf "rule del %d domain s1\n", 1000 + i }' \
		>"$W/rules.del"
	$SEGCTL -b "$W/rules.add"
	# A rule that revokes s1's own traffic now and then.
	if [ $(($1 % 4)) = 0 ]; then
		$SEGCTL rule add id 9 domain s1 from web to web action deny
		$SEGCTL rule del 9 domain s1
	fi
	$SEGCTL -b "$W/rules.del"
}

# Endpoints of group churn come and go on va2; a2's own endpoint moves
# to ta3 and back.
endpoints()
{
	local k
	for k in 1 2 3 4 5 6 7 8; do
		ep "02:00:00:00:0c:0$k" s1 churn va2 "10.0.1.$k"
	done
	$SEGCTL endpoint move 02:00:00:00:0a:02 domain s1 port ta3
	$SEGCTL endpoint move 02:00:00:00:0a:02 domain s1 port va2
	for k in 1 2 3 4 5 6 7 8; do
		$SEGCTL endpoint del "02:00:00:00:0c:0$k" domain s1
	done
}

# s2's traffic redirected through a transparent service and back.
services()
{
	$SEGCTL service add fw domain s2 mode transparent
	$SEGCTL service instance add fw 1 domain s2 left svl right svr
	$SEGCTL chain add c1 domain s2 services fw
	$SEGCTL rule add id 2 domain s2 prio 10 from web to db action redirect c1
	sleep 0.2
	$SEGCTL service instance drain fw 1 domain s2
	$SEGCTL rule del 2 domain s2
	$SEGCTL chain del c1 domain s2
	$SEGCTL service instance del fw 1 domain s2
	$SEGCTL service del fw domain s2
}

# A whole domain with ports, endpoints and rules; its devices deleted
# under the attachment, then the domain.
domains()
{
	local d=c$(($1 % 3)) id=$((10 + $1 % 3))
	# Two pairs: the two ends of one veth cannot both be ports.
	"$IP" link add "x$d" type veth peer name "xp$d"
	"$IP" link add "y$d" type veth peer name "yp$d"
	"$IP" link set "x$d" up
	"$IP" link set "y$d" up
	$SEGCTL domain add "$d" id "$id"
	$SEGCTL group add g id 1 domain "$d"
	$SEGCTL port attach "x$d" domain "$d"
	$SEGCTL port attach "y$d" domain "$d"
	ep 02:00:00:00:0d:01 "$d" g "x$d" 10.0.2.1
	ep 02:00:00:00:0d:02 "$d" g "y$d" 10.0.2.2
	$SEGCTL rule add domain "$d" from g to g action allow
	"$IP" link del "x$d"
	"$IP" link del "y$d"
	$SEGCTL domain del "$d"
}

# A VM that comes, talks and has its namespace deleted while attached;
# and a hypervisor namespace with a configuration of its own, deleted
# whole.
namespaces()
{
	vm_veth v9 va9 02:00:00:00:0a:09 10.0.0.9 fd00::9
	$SEGCTL port attach va9 domain s1
	ep 02:00:00:00:0a:09 s1 web va9 10.0.0.9
	n v9 ping -c 1 -W 1 10.0.0.1
	"$IP" netns del v9
	"$IP" netns add hv2
	n hv2 "$IP" link add h0 type veth peer name h1
	n hv2 "$IP" link set h0 up
	n hv2 "$IP" link set h1 up
	n hv2 $SEGCTL domain add t id 1
	n hv2 $SEGCTL group add g id 1 domain t
	n hv2 $SEGCTL port attach h0 domain t
	n hv2 $SEGCTL port attach h1 domain t
	n hv2 $SEGCTL endpoint add 02:00:00:00:0e:01 domain t group g port h0
	"$IP" netns del hv2
}

# Everything that reads.
readers()
{
	$SEGCTL show
	$SEGCTL -j stats
	$SEGCTL save
	$SEGCTL trace va1 from 10.0.0.1 to 10.0.0.2 proto udp dport 9
	"$TOOLS/nlsend" -d rule_get
}

t0=$SECONDS
for w in rules endpoints services domains namespaces readers; do
	worker "$w"
done
wait "${WORKERS[@]}"
WORKERS=()
echo "# churned for $((SECONDS - t0)) s"
for w in rules endpoints services domains namespaces readers; do
	check_ge "worker $w went round at least once" 1 "$(cat "$W/$w" 2>/dev/null)"
	echo "# $w: $(cat "$W/$w" 2>/dev/null) rounds"
done
check "the configuration still reads whole" $SEGCTL show
# Every ICMP raw socket of a1 gets a copy of every echo the floods bring
# (to a1's own flood ping: hundreds dropped per run, its socket full),
# so a reply segfilter forwarded can still be lost in ping's socket: one
# answer in three tries.
answered()	# NS DEST
{
	local i
	for i in 1 2 3; do
		n "$1" ping -c 1 -W 2 "$2" && return 0
	done
	return 1
}
check "a1 still reaches a2" answered a1 10.0.0.2
check "rmmod segfilter with five pings and a UDP storm still flowing" \
	rmmod segfilter
for p in "${TRAFFIC[@]}"; do
	kill "$p" 2>/dev/null
done
wait "${TRAFFIC[@]}" 2>/dev/null
TRAFFIC=()
check "insmod again" insmod "$SEGFILTER_KO"
check "...and a fresh domain forwards" sh -c \
	"$SEGCTL domain add s1 id 1 >/dev/null && $SEGCTL group add web id 1 domain s1 >/dev/null &&
	 $SEGCTL port attach va1 domain s1 >/dev/null && $SEGCTL port attach va2 domain s1 >/dev/null &&
	 $SEGCTL endpoint add 02:00:00:00:0a:01 domain s1 group web port va1 ip 10.0.0.1 >/dev/null &&
	 $SEGCTL endpoint add 02:00:00:00:0a:02 domain s1 group web port va2 ip 10.0.0.2 >/dev/null &&
	 $IP netns exec a1 ping -c 2 -W 2 10.0.0.2 >/dev/null"
[ -w "$HUNG_SYSCTL" ] && echo 120 >"$HUNG_SYSCTL"
echo 0 >/proc/sys/kernel/hung_task_all_cpu_backtrace 2>/dev/null
finish
