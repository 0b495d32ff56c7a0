#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cluster benchmark (issue 17, "Measured"), run inside one guest by
# tests/bench/cluster-run.sh (make bench-cluster).  Prints "CLUSTER ..."
# lines, one figure each, and "TEST: ..." lines for what must hold for
# the figures to mean anything (every host converged, the moved VM
# answers); no figure is judged.
#
# The set-up is that of tests/selftests/cluster.sh: a 3-member etcd in
# its own namespaces, hypervisors hv1..hv3 on an underlay bridge, each
# with a VXLAN-GBP uplink and segd.  segd's stderr goes through stamp(),
# which prefixes every line with the time it came out, so that "applied"
# is timed by segd's own log, not by polling.
#
#   1. Convergence: VM mob moves between h1 and h2 (its new port made
#      first), wb3 on h3 its peer; and rule 100 of domain shop replaced:
#      from the start of the etcd write to the last of the three hosts
#      logging "revision R ... applied" (R the write's revision), and for
#      a move until wb3's ping is answered again.
#   2. Join: 10 domains of 1000 rules and 1000 endpoints each (on ten
#      hosts r0..r9 that run no segd: their records written by hand),
#      written in transactions of 125 keys (segctl's limit is 128);
#      then hv4's segd starts, with one port of its own in each domain:
#      time to applied, peak and final RSS, etcd range requests (the
#      members' /metrics).
#   3. Idle: CPU ticks of segd of h4 and h1 over 30 s; then N endpoint
#      registrations of host r0, one segctl (one transaction) each: the
#      rate, when h4 applied the last, its CPU and RSS growth.
#
# Parameters, from the environment:
#   BENCH_CLUSTER_ROUNDS  moves and rule changes each (default 50)
#   BENCH_CLUSTER_SCALE   endpoints (and rules) per domain (default 1000)
#   BENCH_CLUSTER_REGS    registrations (default 200)
#   BENCH_CLUSTER_IDLE    seconds of the idle measurement (default 30)

HERE=$(dirname "$0")
if [ -f "$HERE/../lib.sh" ]; then
	# shellcheck source=../lib.sh
	. "$HERE/../lib.sh"
else
	. /segfilter/tests/lib.sh
fi

ROUNDS=${BENCH_CLUSTER_ROUNDS:-50}
SCALE=${BENCH_CLUSTER_SCALE:-1000}
REGS=${BENCH_CLUSTER_REGS:-200}
IDLE=${BENCH_CLUSTER_IDLE:-30}
NDOM=10
SEGD=${SEGD:-/usr/sbin/segd}
ETCDTEST=$TOOLS/etcdtest
EP=
P=/segfilter/v1
D=/tmp/cbench

WB1=02:00:00:00:01:0b
AP2=02:00:00:00:01:16
WB3=02:00:00:00:01:0d
MOB=02:00:00:00:01:17

say() { echo "CLUSTER $*"; }

cleanup()
{
	cluster_segd_stop_all
	etcd_cluster_stop
	wait 2>/dev/null
	cleanup_vms
	"$IP" link del br0 2>/dev/null
}
trap cleanup EXIT

now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }

# stamp: every line of stdin, prefixed with the time it came, in us.
stamp()
{
	local l t
	while IFS= read -r l; do
		t=$EPOCHREALTIME
		printf '%s %s\n' "${t/./}" "$l"
	done
}

sctl() { SEGCTL_ETCD=$EP "$SEGCTL" "$@" >/dev/null; }

# segd_start N: segd of hN; its log stamped (lib.sh's cluster_segd_start).
CLUSTER_SEGD_FILTER=stamp
segd_start() { cluster_segd_start "$1"; }

# applied_at HOST REV: the stamp of HOST's first "applied" at REV or later.
applied_at()
{
	awk -v r="$2" '$3 == "revision" && / applied [0-9]+ commands$/ && $4 + 0 >= r + 0 {
		print $1; found = 1; exit } END { exit !found }' "$D/segd.$1.log"
}

# all_applied REV HOSTS...: the latest of the hosts' applied_at, or fail.
all_applied()
{
	local rev=$1 h t max=0
	shift
	for h in "$@"; do
		t=$(applied_at "$h" "$rev") || return 1
		[ "$t" -le "$max" ] || max=$t
	done
	echo "$max"
}

# wait_applied REV SECS HOSTS...: all_applied, polled for SECS.
wait_applied()
{
	local rev=$1 secs=$2 end
	shift 2
	end=$((SECONDS + secs))
	while ! all_applied "$rev" "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.05
	done
}

# stats NAME VALUES...: "CLUSTER NAME median M worst W n N" (ms).
stats()
{
	local name=$1
	shift
	[ $# -gt 0 ] || { say "$name none"; return; }
	printf '%s\n' "$@" | sort -n | awk -v name="$name" '
		{ v[NR] = $1 }
		END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "CLUSTER %s median %.1f worst %.1f best %.1f n %d ms\n",
			     name, m / 1000, v[NR] / 1000, v[1] / 1000, NR }'
}

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
vm_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# Range requests served by all members, "grpc etcd_debugging_mvcc".
etcd_ranges()
{
	local i g=0 m=0 out
	for i in 1 2 3; do
		out=$(wget -q -O - "http://10.99.0.1$i:2379/metrics" 2>/dev/null)
		g=$((g + $(echo "$out" | awk '/^grpc_server_handled_total/ &&
			/grpc_method="Range"/ { s += $2 } END { printf "%d", s }')))
		m=$((m + $(echo "$out" | awk '/^etcd_debugging_mvcc_range_total/ {
			s += $2 } END { printf "%d", s }')))
	done
	echo "$g $m"
}

setup()
{
	local i
	[ -x "$SEGD" ] || { echo "no $SEGD in the guest"; return 1; }
	module_reload
	rm -rf "$D" && mkdir -p "$D"
	CLUSTER_DIR=$D
	cluster_underlay || return 1
	etcd_cluster_start 3 || return 1
	EP=$ETCD_ENDPOINTS
	for i in 1 2 3 4; do
		cluster_hv "$i" || return 1
	done
	for i in 1 2 3; do
		segd_start "$i"
	done
	cluster_vm hv1 wb1 $WB1 10.2.0.11 &&
	cluster_vm hv1 mob $MOB 10.2.0.23 &&
	cluster_vm hv2 ap2 $AP2 10.2.0.22 &&
	cluster_vm hv3 wb3 $WB3 10.2.0.13
}

if ! setup; then
	fail "set up 3 etcd members and 3 hypervisors running segd"
	finish
fi
pass "set up 3 etcd members and 3 hypervisors running segd"
say "guest $(nproc) vCPU, kernel $(uname -r), TCG unless the host had KVM"

cat >"$D/policy.batch" <<EOF
domain add shop id 1 default allow vni 100
group add web id 1 domain shop
group add app id 2 domain shop
rule add id 100 domain shop prio 100 from web to app proto tcp port 1 action allow
endpoint add $WB1 domain shop group web port owb1 ip 10.2.0.11 host h1
endpoint add $MOB domain shop group app port omob ip 10.2.0.23 host h1
endpoint add $AP2 domain shop group app port oap2 ip 10.2.0.22 host h2
endpoint add $WB3 domain shop group web port owb3 ip 10.2.0.13 host h3
EOF
sctl -b "$D/policy.batch"
rev=$(cluster_key_rev "$P/config/domains/shop")
check "the policy and 4 VMs: every host applies it" \
	wait_applied "$rev" 300 h1 h2 h3
check "wb3 (h3) pings mob (h1)" ping4 wb3 10.2.0.23
echo "# t=${SECONDS}s"

# ---- 1. convergence ----

conv=() reach=() bad=0 at=h1
for r in $(seq "$ROUNDS"); do
	to=h2
	[ "$at" = h1 ] || to=h1
	n "hv${at#h}" "$IP" link del omob
	cluster_vm "hv${to#h}" mob $MOB 10.2.0.23 || bad=$((bad + 1))
	sleep 0.2	# the device events of segd settle first
	t0=$(now_us)
	sctl endpoint move $MOB domain shop port omob host "$to"
	rev=$(cluster_key_rev "$P/hosts/$to/endpoints/shop/$MOB")
	if [ -n "$rev" ] && t1=$(wait_applied "$rev" 60 h1 h2 h3) &&
	   [ "$t1" -gt "$t0" ]; then
		conv+=($((t1 - t0)))
		tries=0
		until n wb3 ping -c 1 -W 1 10.2.0.23 >/dev/null 2>&1; do
			tries=$((tries + 1))
			[ "$tries" -lt 20 ] || break
		done
		if [ "$tries" -lt 20 ]; then
			reach+=($(($(now_us) - t0)))
		else
			bad=$((bad + 1))
		fi
	else
		bad=$((bad + 1))
	fi
	at=$to
done
check_eq "$ROUNDS moves: every host applied each, mob answered after each" 0 "$bad"
stats move-applied "${conv[@]}"
stats move-ping-answered "${reach[@]}"
echo "# t=${SECONDS}s"

# Rules 100 and 101 take turns: one transaction deletes one and adds
# the other (etcd refuses a delete and a put of one key in one txn).
conv=() bad=0 old=100
for r in $(seq "$ROUNDS"); do
	new=$((201 - old))
	printf 'rule del %d domain shop\nrule add id %d domain shop prio 100 from web to app proto tcp port %d action allow\n' \
		"$old" "$new" "$r" >"$D/rule.batch"
	t0=$(now_us)
	sctl -b "$D/rule.batch" || { bad=$((bad + 1)); continue; }
	rev=$(cluster_key_rev "$P/config/domains/shop/rules/$new")
	if [ -n "$rev" ] && t1=$(wait_applied "$rev" 60 h1 h2 h3) &&
	   [ "$t1" -gt "$t0" ]; then
		conv+=($((t1 - t0)))
	else
		bad=$((bad + 1))
	fi
	old=$new
done
check_eq "$ROUNDS rule changes: every host applied each" 0 "$bad"
stats rule-applied "${conv[@]}"
echo "# t=${SECONDS}s"

# ---- 2. a host joins a cluster of NDOM * SCALE endpoints and rules ----

for j in $(seq 0 9); do
	"$ETCDTEST" -e "$EP" put "$P/hosts/r$j/record" \
		"{\"version\": 1, \"tunnel\": \"192.168.50.$((10 + j))\"}" >/dev/null
done
for d in $(seq 0 $((NDOM - 1))); do
	echo "domain add d$d id $((10 + d)) default deny vni $((1000 + d))"
	for g in $(seq 0 9); do
		echo "group add g$g id $((g + 1)) domain d$d"
	done
	# One port of h4 in every domain: h4 holds them all.
	echo "endpoint add 02:ee:00:00:00:$(printf %02x "$d") domain d$d group g0 port j$d ip 10.60.0.$((d + 1)) host h4"
done >"$D/join.0"
for d in $(seq 0 $((NDOM - 1))); do
	awk -v d="$d" -v n="$SCALE" 'BEGIN {
		for (k = 0; k < n; k++)
			printf "rule add id %d domain d%d prio 100 from g%d to g%d proto tcp port %d action allow\n",
				k + 1, d, k % 10, int(k / 10) % 10, 1000 + k
	}' >"$D/join.r$d"
	awk -v d="$d" -v n="$SCALE" 'BEGIN {
		for (k = 0; k < n; k++)
			printf "endpoint add 02:%02x:00:00:%02x:%02x domain d%d group g%d port p%d ip 10.50.%d.%d host r%d\n",
				16 + d, int(k / 256), k % 256, d, k % 10, k, int(k / 250), k % 250 + 1, k % 10
	}' >"$D/join.e$d"
done
# segctl -b takes at most 128 operations in one transaction: chunks of
# PER_TXN lines, each one transaction.
PER_TXN=125
cat "$D"/join.0 "$D"/join.r* "$D"/join.e* |
	awk -v n="$PER_TXN" -v p="$D/txn." '{
		f = p sprintf("%05d", int((NR - 1) / n))
		if (f != last) { if (last != "") close(last); last = f }
		print > f }'
t0=$(now_us)
bad=0 txns=0
for f in "$D"/txn.*; do
	sctl -b "$f" || bad=$((bad + 1))
	txns=$((txns + 1))
done
say "join-write txns $txns keys $((2 * NDOM * SCALE + 11 * NDOM)) ms $((($(now_us) - t0) / 1000))"
check_eq "the $((2 * NDOM * SCALE)) endpoints and rules written" 0 "$bad"
rev=$(cluster_rev)
echo "# t=${SECONDS}s, last revision ${rev:-?}"

for d in $(seq 0 $((NDOM - 1))); do
	n hv4 "$IP" link add "j$d" type veth peer name "k$d"
	host_port_up "j$d" hv4
	n hv4 "$IP" link set "k$d" up
done
read -r g0 m0 < <(etcd_ranges)
t0=$(now_us)
segd_start 4
if t1=$(wait_applied "${rev:-0}" 1200 h4); then
	pass "h4 joins and applies revision $rev"
	say "join-applied ms $(((t1 - t0) / 1000)) endpoints $((NDOM * SCALE)) rules $((NDOM * SCALE))"
	sleep 2
	read -r g1 m1 < <(etcd_ranges)
	say "join-segd-rss peak-kb $(vm_kb "${CLUSTER_SEGD_PID[4]}" VmHWM) after-kb $(vm_kb "${CLUSTER_SEGD_PID[4]}" VmRSS)"
	say "join-etcd-ranges grpc $((g1 - g0)) mvcc $((m1 - m0))"
	check "...every domain held (segctl domain show on hv4)" test \
		"$(n hv4 "$SEGCTL" domain show | grep -c 'domain d[0-9]')" = "$NDOM"
else
	fail "h4 joins and applies revision $rev"
	tail -n 5 "$D/segd.h4.log"
fi
grep -E 'keys at revision|applied' "$D/segd.h4.log" | sed 's/^/# h4: /'
echo "# t=${SECONDS}s"

# ---- 3. idle, then registrations ----

for h in 4 1; do
	c0=$(ticks "${CLUSTER_SEGD_PID[$h]}")
	sleep "$IDLE"
	c1=$(ticks "${CLUSTER_SEGD_PID[$h]}")
	say "idle-h$h ticks $((c1 - c0)) secs $IDLE hz $(getconf CLK_TCK 2>/dev/null || echo 100) rss-kb $(vm_kb "${CLUSTER_SEGD_PID[$h]}" VmRSS)"
done

rss0=$(vm_kb "${CLUSTER_SEGD_PID[4]}" VmRSS)
c0=$(ticks "${CLUSTER_SEGD_PID[4]}")
t0=$(now_us)
bad=0
for k in $(seq 0 $((REGS - 1))); do
	sctl endpoint add "02:ff:00:00:$(printf %02x:%02x $((k / 256)) $((k % 256)))" \
		domain d0 group g1 port "q$k" ip "10.70.$((k / 250)).$((k % 250 + 1))" host r0 ||
		bad=$((bad + 1))
done
t1=$(now_us)
last=$((REGS - 1))
rev=$(cluster_key_rev "$P/hosts/r0/endpoints/d0/02:ff:00:00:$(printf %02x:%02x $((last / 256)) $((last % 256)))")
check_eq "$REGS registrations written, one transaction each" 0 "$bad"
say "reg-write n $REGS ms $(((t1 - t0) / 1000)) per-s $(awk -v n="$REGS" -v us=$((t1 - t0)) 'BEGIN { printf "%.2f", n * 1e6 / us }')"
if t2=$(wait_applied "${rev:-0}" 1200 h4); then
	pass "h4 applied the last registration"
	c1=$(ticks "${CLUSTER_SEGD_PID[4]}")
	rss1=$(vm_kb "${CLUSTER_SEGD_PID[4]}" VmRSS)
	say "reg-applied-h4 n $REGS ms-after-first-write $(((t2 - t0) / 1000)) ms-after-last-write $(((t2 - t1) / 1000)) ticks $((c1 - c0)) rss-kb $rss0 $rss1 growth-bytes-per-reg $(((rss1 - rss0) * 1024 / REGS))"
	say "reg-h4-applies $(awk -v t="$t0" '$1 >= t && / applied [0-9]+ commands$/' "$D/segd.h4.log" | wc -l)"
else
	fail "h4 applied the last registration"
fi
echo "# t=${SECONDS}s"

finish
