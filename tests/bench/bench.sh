#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark, run inside one guest boot by tests/bench/run.sh (make
# bench).  Prints "BENCH ..." lines for tests/bench/report.py and, with
# BENCH_CHECK=1, "TEST: ..." lines that check every configuration does
# what it is meant to (frames arrive where they must, drops are counted
# under the right reason), without judging any figure.
#
# Every configuration has its own ports, built once and left in place:
#
#   pktgen -> aX ==veth== bX [hook under test] -> cX ==veth== dX
#
# pktgen (one kernel thread, on CPU 0) sends the same 60-byte UDP frame
# into aX; bX carries the hook (nothing, a bridge, segfilter, nftables on
# a bridge, Open vSwitch), which forwards it out of cX; dX receives it and
# the stack drops it (the destination MAC is not dX's).  The time is
# pktgen's; the frames are those that came out at the far end (dX's
# rx_packets), or for the drop configurations those the hook dropped (its
# own counter).  Each round measures every configuration once, in an
# order drawn anew for each round (run_round).
#
# The configurations (Documentation/performance.rst): plain veth; a
# Linux bridge; segfilter forwarding (with flow entries, and "judged":
# with none), dropping by rule and by default, at each rule count, and
# forwarding at each endpoint count; nftables on a bridge, linear and as
# a verdict map, at each rule count; Open vSwitch's kernel datapath; a
# segfilter redirect through a transparent service instance.  Setting
# them up also measures commits and memory.
#
# North-south (the "ns" cases): a VM endpoint sends to an address
# outside, through the gateway:
#
#   pktgen -> aX ==veth== bX [segfilter exit | bridge, routing, nft] ->
#             cX ==veth== dX (namespace "far", the next hop)
#
# segfilter routes the frame out of its domain's exit cX, by the prefix
# group that holds the destination; the Linux side is a bridge with the
# gateway's MAC, the host's routing to a next hop behind cX and an
# nftables forward chain accepting "ip daddr @set" from an interval set
# of the same prefixes.  dX has the next hop's address in its own
# namespace, where an nftables ingress hook drops it.
#
# Parameters, from the environment (run.sh sets them in a header):
#   BENCH_ROUNDS     rounds (default 9)
#   BENCH_SECS       seconds per measurement (default 1)
#   BENCH_RULES      rule counts (default "1 1000 10000 100000")
#   BENCH_ENDPOINTS  endpoint counts besides 10 (default "1000 10000")
#   BENCH_PREFIXES   prefix counts of the north-south cases (default
#                    "1 10 1000 100000"; 1 is 0.0.0.0/0)
#   BENCH_CASES      which parts: "ew" (all of the above but
#                    north-south), "ns" (north-south), and the parts of
#                    tests/bench/parts/ (default: all of them)
#   BENCH_SEED       the seed of each round's order of the jobs
#   BENCH_QUICK      1: make check's quick mode (parts pick small sizes)
#   BENCH_CHECK      1: print TEST lines as well
#   BENCH_PROFILE    1: instead of the rounds, profile a few
#                    configurations with perf (cpu-clock on CPU 0) and
#                    print "PROFILE ..." lines
#   BENCH_INSN       1: the instructions boot (run.sh --insn, under QEMU's
#                    plugin tests/bench/insn/insncount.so): measure()
#                    counts instructions instead of timing (measure_insn)
#   BENCH_INSN_FRAMES  the frames of its two windows (default "2000
#                    52000", quick "500 2500")
#   BENCH_INSN_PROFILE 1: the plugin profiles too (run.sh --insn-profile):
#                    at the end, print the guest's /proc/kallsyms, text
#                    symbols only, gzipped, as "KSYMZ BASE64" lines for
#                    tests/bench/insn/profile.py
#   BENCH_JOBS       an extended regular expression: run only the jobs
#                    (lines of NAME_jobs, e.g. "job_seg_fwd 1", "peers_job
#                    mirred 64 1") it matches (default: all)

set -u

ROUNDS=${BENCH_ROUNDS:-9}
SECS=${BENCH_SECS:-1}
RULES=${BENCH_RULES:-1 1000 10000 100000}
ENDPOINTS=${BENCH_ENDPOINTS:-1000 10000}
CHECK=${BENCH_CHECK:-0}
PROFILE=${BENCH_PROFILE:-0}
PREFIXES=${BENCH_PREFIXES:-1 10 1000 100000}
CASES=${BENCH_CASES:-ew ns}
BENCH_SEED=${BENCH_SEED:-1}
QUICK=${BENCH_QUICK:-0}
PERF=/usr/bin/perf
INSN=${BENCH_INSN:-0}
if [ "$QUICK" = 1 ]; then
	INSN_FRAMES=${BENCH_INSN_FRAMES:-500 2500}
else
	INSN_FRAMES=${BENCH_INSN_FRAMES:-2000 52000}
fi
INSNMARK=/usr/sbin/insnmark
MARKS=0
INSN_PROFILE=${BENCH_INSN_PROFILE:-0}
JOBS=${BENCH_JOBS:-}

IP=/sbin/ip
BRIDGE=/sbin/bridge
NFT=/usr/sbin/nft
SEGCTL=/usr/sbin/segctl
DPCTL=/usr/sbin/ovs-dpctl
PG=/proc/net/pktgen
W=/tmp/bench
mkdir -p "$W"

# The one frame: from SRC to DST, UDP 1000 -> 9.
SRC_MAC=02:00:00:00:00:01
DST_MAC=02:00:00:00:00:02
DENY_MAC=02:00:00:00:00:03	# group 3: denied by a rule
NONE_MAC=02:00:00:00:00:04	# group 4: no rule, the default drops it
SRC_IP=10.0.0.1
DST_IP=10.0.0.2
DENY_IP=10.0.0.3
NONE_IP=10.0.0.4
# North-south: the gateway's MAC, an outside address that a /30 of every
# prefix list holds (or 0.0.0.0/0), and one that none holds.
GW_MAC=02:00:00:00:ff:01
HIT_IP=11.0.0.5
MISS_IP=9.9.9.9
# Where pktgen sends to (pg_setup).
PG_DMAC=$DST_MAC
PG_DIP=$DST_IP

FAILED=0

say() { echo "BENCH $*"; }
note() { echo "bench: $*" >&2; }
die() { echo "bench: error: $*" >&2; echo "TEST: bench setup: $* [FAIL]"; exit 1; }

check() {
	local ok=$1; shift
	[ "$CHECK" = 1 ] || return 0
	if [ "$ok" = 1 ]; then
		echo "TEST: $* [ OK ]"
	else
		echo "TEST: $* [FAIL]"
		note "last measurement: ${LAST_DESC:-} frames counted of those that came in"
		FAILED=1
	fi
}

# Microseconds since the epoch.
now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }
ms_since() { echo "$1 $(now_us)" | awk '{ printf "%.1f", ($2 - $1) / 1000 }'; }

stat_of() { cat "/sys/class/net/$1/statistics/$2"; }

# What the kernel holds, in bytes: slab, per-CPU and vmalloc.
kmem() {
	awk '/^(Slab|Percpu|VmallocUsed):/ { v[$1] = $2 * 1024 }
	     END { printf "%d %d %d\n", v["Slab:"], v["Percpu:"], v["VmallocUsed:"] }' /proc/meminfo
}

# mem_report WHAT COUNT BEFORE...: the growth since BEFORE (from kmem).
mem_report() {
	local what=$1 count=$2 s0=$3 p0=$4 v0=$5 s1 p1 v1
	shift 5
	read -r s1 p1 v1 < <(kmem)
	say mem "$what" "$count" $(((s1 - s0) + (p1 - p0) + (v1 - v0))) \
		"slab=$((s1 - s0))" "percpu=$((p1 - p0))" "vmalloc=$((v1 - v0))" "$@"
}

# slab_object NAME: the object size of slab cache NAME.  SLUB merges a
# cache into another of the same size and flags: /proc/slabinfo then has
# no line for it, and /sys/kernel/slab/NAME links to the merged cache.
slab_object() {
	local o
	o=$(awk -v n="$1" '$1 == n { print $4 }' /proc/slabinfo)
	[ -n "$o" ] || o=$(cat "/sys/kernel/slab/$1/object_size" 2>/dev/null)
	echo "${o:-0}"
}

# Configuration memory is charged to the memory cgroup of the process
# that creates it (GFP_KERNEL_ACCOUNT): segctl runs in a cgroup of its
# own, whose counters say to the byte what its objects hold, free of the
# allocator's slack.  Without cgroup v2, the totals of /proc/meminfo.
CG=/sys/fs/cgroup/segctl
cg_setup() {
	mkdir -p /sys/fs/cgroup
	grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts ||
		mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null || return 1
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || return 1
	mkdir -p "$CG" && [ -f "$CG/memory.current" ]
}

# "total slab percpu vmalloc" charged to $CG, in bytes.
cg_mem() {
	awk -v cur="$(cat "$CG/memory.current")" '
	$1 == "slab" || $1 == "percpu" || $1 == "vmalloc" { v[$1] = $2 }
	END { printf "%d %d %d %d\n", cur, v["slab"], v["percpu"], v["vmalloc"] }' "$CG/memory.stat"
}

# ctl_batch WHAT COUNT FILE: segctl -b FILE, timed; with WHAT, say how
# long it took and what COUNT objects cost.
ctl_batch() {
	local what=$1 count=$2 file=$3 t0 m0 m1 plural=${1}s
	[ "$what" = prefix ] && plural=prefixes
	if [ "$HAVE_CG" = 1 ]; then
		read -r -a m0 < <(cg_mem)
	else
		read -r -a m0 < <(kmem)
	fi
	t0=$(now_us)
	if [ "$HAVE_CG" = 1 ]; then
		(echo "$BASHPID" >"$CG/cgroup.procs" && exec $SEGCTL -b "$file") >/dev/null
	else
		$SEGCTL -b "$file" >/dev/null
	fi || die "segctl -b $file"
	[ -n "$what" ] || return 0
	say ctl "segfilter-$plural" "$count" "$(ms_since "$t0")"
	# A commit frees the generation it replaced after a grace period.
	sleep 1
	if [ "$HAVE_CG" = 1 ]; then
		read -r -a m1 < <(cg_mem)
		say mem "$what" "$count" $((m1[0] - m0[0])) "slab=$((m1[1] - m0[1]))" \
			"percpu=$((m1[2] - m0[2]))" "vmalloc=$((m1[3] - m0[3]))" memcg
	else
		mem_report "$what" "$count" "${m0[@]}" meminfo
	fi
}

# pair A B: a veth pair, both ends up, no IPv6 chatter.
pair() {
	$IP link add "$1" type veth peer name "$2" || die "veth $1/$2"
	$IP link set "$1" up
	$IP link set "$2" up
}

# ports X: aX/bX (in) and cX/dX (out).
ports() {
	pair "a$1" "b$1"
	pair "c$1" "d$1"
}

# The file of N - 2 rules between other groups, none of which the frames
# touch, in segctl and nft syntax.  Groups 5.. are sources, 1005.. are
# destinations, 250 of them per source.
filler_groups() {
	local dom=$1 n=$2
	awk -v n="$n" -v d="$dom" 'BEGIN {
		if (n < 3) exit
		ns = int((n - 3) / 250) + 1; nd = (n - 2 < 250) ? n - 2 : 250
		for (i = 0; i < ns; i++) printf "group add s%d id %d domain %s\n", i, 5 + i, d
		for (j = 0; j < nd; j++) printf "group add t%d id %d domain %s\n", j, 1005 + j, d
	}'
}

filler_rules() {
	local dom=$1 n=$2
	awk -v n="$n" -v d="$dom" 'BEGIN {
		for (k = 0; k < n - 2; k++)
			printf "rule add id %d domain %s from s%d to t%d proto udp port 9 action allow\n",
				k + 3, d, int(k / 250), k % 250
	}'
}

# nft: the same N rules, one endpoint per group; the frame's rule last.
nft_linear() {
	local dev=$1 n=$2
	awk -v n="$n" -v dev="$dev" -v s="$SRC_IP" -v t="$DST_IP" 'BEGIN {
		printf "table netdev lin_%s {\n chain in {\n", dev
		printf "  type filter hook ingress device \"%s\" priority 0; policy drop;\n", dev
		for (k = 0; k < n - 1; k++) {
			i = int(k / 250) + 5; j = k % 250 + 1005
			printf "  ip saddr 10.1.%d.%d ip daddr 10.2.%d.%d udp dport 9 accept\n",
				int(i / 256), i % 256, int(j / 256), j % 256
		}
		printf "  ip saddr %s ip daddr %s udp dport 9 accept\n }\n}\n", s, t
	}'
}

nft_vmap() {
	local dev=$1 n=$2
	awk -v n="$n" -v dev="$dev" -v s="$SRC_IP" -v t="$DST_IP" 'BEGIN {
		printf "table netdev map_%s {\n map pairs {\n", dev
		printf "  type ipv4_addr . ipv4_addr . inet_service : verdict\n  elements = {\n"
		for (k = 0; k < n - 1; k++) {
			i = int(k / 250) + 5; j = k % 250 + 1005
			printf "   10.1.%d.%d . 10.2.%d.%d . 9 : accept,\n",
				int(i / 256), i % 256, int(j / 256), j % 256
		}
		printf "   %s . %s . 9 : accept\n  }\n }\n", s, t
		printf " chain in {\n  type filter hook ingress device \"%s\" priority 0; policy drop;\n", dev
		printf "  ip saddr . ip daddr . udp dport vmap @pairs\n }\n}\n"
	}'
}

# bridge_ports BR X: aX/bX and cX/dX with bX and cX in bridge BR, the
# destination's address fixed on cX.
bridge_ports() {
	local br=$1 x=$2
	ports "$x"
	$IP link add "$br" type bridge || die "bridge $br"
	$IP link set "b$x" master "$br"
	$IP link set "c$x" master "$br"
	$IP link set "$br" up
	$BRIDGE fdb add "$DST_MAC" dev "c$x" master static || die "fdb on c$x"
}

# seg_domain NAME ID NRULES NEPS KIND: a segfilter domain on ports NAME.
# KIND allow: rule 1 allows group 1 -> 2 udp 9; with 2 rules or more,
# rule 2 denies group 3 -> 2; the rest are filler.  KIND deny: only the
# deny rule.  Endpoints: the three sources on bNAME, the destination and
# NEPS - 4 more (in group 2) on cNAME.
seg_domain() {
	local d=$1 id=$2 n=$3 neps=$4 kind=$5
	ports "$d"
	{
		echo "domain add $d id $id default deny rule-limit 1000000 endpoint-limit 1000000"
		echo "group add src id 1 domain $d"
		echo "group add dst id 2 domain $d"
		echo "group add denied id 3 domain $d"
		echo "group add nobody id 4 domain $d"
		echo "port attach b$d domain $d"
		echo "port attach c$d domain $d"
		echo "endpoint add $SRC_MAC domain $d group src port b$d ip $SRC_IP"
		echo "endpoint add $DENY_MAC domain $d group denied port b$d ip $DENY_IP"
		echo "endpoint add $NONE_MAC domain $d group nobody port b$d ip $NONE_IP"
		echo "endpoint add $DST_MAC domain $d group dst port c$d ip $DST_IP"
		filler_groups "$d" "$n"
	} >"$W/$d.setup"
	$SEGCTL -b "$W/$d.setup" >/dev/null || die "segctl -b $W/$d.setup"

	if [ "$neps" -gt 4 ]; then
		awk -v n="$neps" -v d="$d" 'BEGIN {
			for (k = 0; k < n - 4; k++)
				printf "endpoint add 02:10:00:%02x:%02x:01 domain %s group dst port c%s ip 10.3.%d.%d\n",
					int(k / 256), k % 256, d, d, int(k / 256), k % 256
		}' >"$W/$d.eps"
		if [ "$neps" -ge 1000 ]; then
			ctl_batch endpoint $((neps - 4)) "$W/$d.eps"
		else
			ctl_batch "" 0 "$W/$d.eps"
		fi
	fi

	{
		if [ "$kind" = allow ]; then
			echo "rule add id 1 domain $d from src to dst proto udp port 9 action allow"
			[ "$n" -ge 2 ] && echo "rule add id 2 domain $d from denied to dst action deny"
		else
			echo "rule add id 2 domain $d from denied to dst action deny"
		fi
		filler_rules "$d" "$n"
	} >"$W/$d.rules"
	if [ "$n" -ge 1000 ]; then
		ctl_batch rule "$n" "$W/$d.rules"
	else
		ctl_batch "" 0 "$W/$d.rules"
	fi
	return 0
}

nft_config() {
	local kind=$1 n=$2 x t0
	x=${kind:0:1}$n
	bridge_ports "br$x" "$x"
	if [ "$kind" = linear ]; then
		nft_linear "b$x" "$n" >"$W/$x.nft"
	else
		nft_vmap "b$x" "$n" >"$W/$x.nft"
	fi
	t0=$(now_us)
	$NFT -f "$W/$x.nft" || die "nft -f $W/$x.nft"
	[ "$n" -ge 1000 ] && say ctl "nft-$kind" "$n" "$(ms_since "$t0")"
	return 0
}

# Open vSwitch's kernel datapath, programmed without its daemon: bO is
# port 1, cO port 2, and one flow sends the frame from 1 to 2.
ovs_config() {
	ports O
	$DPCTL add-dp benchdp || die "ovs-dpctl add-dp"
	$DPCTL add-if benchdp bO || die "ovs-dpctl add-if bO"
	$DPCTL add-if benchdp cO || die "ovs-dpctl add-if cO"
	$DPCTL add-flow benchdp \
		"in_port(1),eth(src=$SRC_MAC,dst=$DST_MAC),eth_type(0x0800),ipv4(src=$SRC_IP,dst=$DST_IP,proto=17,frag=no),udp(src=1000,dst=9)" \
		2 || die "ovs-dpctl add-flow"
}

# A transparent service instance: a namespace bridging its two ports,
# and a rule that redirects the frame's flow through it.
redirect_config() {
	local d=rdr
	ports "$d"
	$IP netns add svc
	$IP link add svl type veth peer name eth0 netns svc
	$IP link add svr type veth peer name eth1 netns svc
	$IP link set svl up
	$IP link set svr up
	$IP -n svc link add br0 type bridge
	$IP -n svc link set eth0 master br0
	$IP -n svc link set eth1 master br0
	$IP -n svc link set eth0 up
	$IP -n svc link set eth1 up
	$IP -n svc link set br0 up
	cat >"$W/rdr.setup" <<-EOF
	domain add $d id 90 default deny
	group add src id 1 domain $d
	group add dst id 2 domain $d
	port attach b$d domain $d
	port attach c$d domain $d
	port attach svl domain $d role service
	port attach svr domain $d role service
	endpoint add $SRC_MAC domain $d group src port b$d ip $SRC_IP
	endpoint add $DST_MAC domain $d group dst port c$d ip $DST_IP
	service add fw domain $d mode transparent
	service instance add fw 1 domain $d left svl right svr
	chain add through-fw domain $d services fw
	rule add id 1 domain $d from src to dst proto udp port 9 action redirect through-fw
	EOF
	$SEGCTL -b "$W/rdr.setup" >/dev/null || die "segctl -b $W/rdr.setup"
}

# pktgen on DEV: the frame from MAC/IP to the destination.
pg() { echo "$2" >"$PG/$1" || die "pktgen $1: $2"; }

# pg_clear [T]: pktgen thread T (default 0) holds no device.  The thread
# acts on "rem_device_all" when it next runs, which a busy host can delay
# past the 125 ms its writer waits: a device added meanwhile would go with
# the others.  So it is asked only when it holds devices, and until it
# holds none.
pg_clear() {
	local t=$PG/kpktgend_${1:-0} i
	pg_holds "$t" || return 0
	echo "rem_device_all" >"$t"
	for i in $(seq 200); do
		pg_holds "$t" || return 0
		sleep 0.05
	done
	die "pktgen thread ${1:-0} still holds devices after rem_device_all"
}

pg_holds() { grep -qE '^(Running|Stopped): *[^ ]' "$1"; }

pg_setup() {
	local dev=$1 mac=$2 ip=$3
	pg_clear 0
	echo "add_device $dev" >"$PG/kpktgend_0" || die "pktgen add_device $dev"
	pg "$dev" "count 0"
	pg "$dev" "clone_skb 0"
	pg "$dev" "pkt_size 60"
	pg "$dev" "delay 0"
	pg "$dev" "src_mac $mac"
	pg "$dev" "dst_mac $PG_DMAC"
	pg "$dev" "src_min $ip"
	pg "$dev" "src_max $ip"
	pg "$dev" "dst_min $PG_DIP"
	pg "$dev" "dst_max $PG_DIP"
	pg "$dev" "udp_src_min ${PG_SPORT:-1000}"
	pg "$dev" "udp_src_max ${PG_SPORT:-1000}"
	pg "$dev" "udp_dst_min 9"
	pg "$dev" "udp_dst_max 9"
}

# Wait until COUNTER (a command) stops moving: frames still queued from
# the last measurement must not count in the next.
settle() {
	local a b
	a=$("$@")
	for _ in $(seq 100); do
		sleep 0.2
		b=$("$@")
		[ "$a" = "$b" ] && return 0
		a=$b
	done
	note "counter '$*' still moving after 20 s"
}

drops_of() {
	$SEGCTL -j stats port "$1" |
		sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"
}

# dom_stat D NAME: counter NAME of domain D (flows_created, ...).
dom_stat() {
	local v
	v=$($SEGCTL stats domain "$1" | tr -s ' \t' '\n' |
		awk -v k="$2" 'prev == k { print; exit } { prev = $0 }')
	echo "${v:-0}"
}

# measure SYSTEM VARIANT RULES EPS ROUND DEV MAC IP COUNTER...: run
# pktgen for SECS seconds from DEV and print what COUNTER counted.  In
# the instructions boot (BENCH_INSN=1), measure_insn instead.
measure() {
	if [ "$INSN" = 1 ]; then
		measure_insn "$@"
		return
	fi
	local sys=$1 var=$2 n=$3 eps=$4 round=$5 dev=$6 mac=$7 ip=$8
	shift 8
	local c0 c1 c2 e0 e1 res us sent peer=b${dev#a} pg_pid
	pg_setup "$dev" "$mac" "$ip"
	settle "$@"
	c0=$("$@")
	e0=$(stat_of "$peer" rx_packets)
	backlog_mark "$dev"
	echo start >"$PG/pgctrl" &
	pg_pid=$!
	sleep "$SECS"
	echo stop >"$PG/pgctrl"
	# pktgen's writer only: a part's background helpers are not ours.
	wait "$pg_pid"
	c1=$("$@")
	res=$(grep 'Result:' "$PG/$dev")
	us=$(echo "$res" | sed -n 's/.*OK: \([0-9]*\)(.*/\1/p')
	sent=$(echo "$res" | sed -n 's/.*usec, \([0-9]*\) (.*/\1/p')
	[ -n "$us" ] && [ -n "$sent" ] || { note "no pktgen result for $dev: $res"; us=0 sent=0; }
	say pkt "$sys" "$var" "$n" "$eps" "$round" "$us" $((c1 - c0)) "$sent"
	measure_check "$peer" "$c0" "$e0" "$@"
}

# Frames the guest's per-CPU backlogs dropped (softnet_stat's second
# column, every CPU): a veth hands its frame to the peer's backlog, which
# overflows when the host stalls the vCPU that empties it.
backlog_drops() {
	local _ d n=0
	while read -r _ d _; do
		n=$((n + 16#$d))
	done </proc/net/softnet_stat
	echo "$n"
}

# backlog_mark DEV: what backlog_lost then compares with.
backlog_mark() {
	BL_DEV=$1
	BL0=$(backlog_drops)
	BLTX0=$(stat_of "$1" tx_dropped)
}

# Frames a backlog dropped on their way from the hook to their end
# since backlog_mark: every backlog drop less those of pktgen's own veth
# (counted there as tx_dropped), which never came into the hook.
backlog_lost() {
	echo $(($(backlog_drops) - BL0 - ($(stat_of "$BL_DEV" tx_dropped) - BLTX0)))
}

# measure_check PEER C0 E0 COUNTER...: once the queues are empty, every
# frame that came into the hook (PEER's rx_packets, E0 before) must have
# been counted where it should (COUNTER, C0 before; a few may be lost at
# most: 1%, or MIN_PCT), or dropped by a backlog on the way there
# (backlog_lost, since measure's backlog_mark): lost by the host's
# queues, not by the filter, and not counted anywhere else.  Sets
# LAST_OK and LAST_DESC for check().
measure_check() {
	local peer=$1 c0=$2 e0=$3 c2 e1 lost
	shift 3
	settle "$@"
	c2=$("$@")
	e1=$(stat_of "$peer" rx_packets)
	lost=$(backlog_lost)
	[ "$lost" -gt 0 ] || lost=0
	LAST_OK=0
	if [ $((c2 - c0)) -gt 0 ] &&
		[ $(((c2 - c0 + lost) * 100)) -ge $(((e1 - e0) * ${MIN_PCT:-99})) ]; then
		LAST_OK=1
	fi
	LAST_DESC="$((c2 - c0)) of $((e1 - e0))"
	if [ "$lost" -gt 0 ]; then
		LAST_DESC="$LAST_DESC, $lost dropped by a backlog on the way"
		note "$LAST_DESC"
	fi
}

# The instructions boot: pktgen sends a fixed number of frames (count N,
# its write to pgctrl returns when they are sent) between two marks of
# insnmark, on CPU 0 where pktgen's thread and the whole path run; QEMU's
# plugin writes CPU 0's instruction count at each mark.  Two windows,
# of the two counts of INSN_FRAMES: the host (tests/bench/insn/pair.py)
# subtracts the first from the second, which takes away what starting
# pktgen, the shell and the marks cost, and prints "BENCH insn SYSTEM
# VARIANT RULES EPS ROUND FRAMES INSNS" from this function's
# "BENCH insnwin ... FRAMES1 FRAMES2 MARK" line.  Nothing but the marks
# and the write to pgctrl runs in a window: the counters are read
# outside.
measure_insn() {
	local sys=$1 var=$2 n=$3 eps=$4 round=$5 dev=$6 mac=$7 ip=$8
	shift 8
	local c0 c1 c2 e0 s1 s2 small big m peer=b${dev#a}
	read -r small big <<<"$INSN_FRAMES"
	MARKS=$((MARKS + 1))
	m=m$MARKS
	pg_setup "$dev" "$mac" "$ip"
	pg "$dev" "count $small"
	settle "$@"
	c0=$("$@")
	e0=$(stat_of "$peer" rx_packets)
	backlog_mark "$dev"
	$INSNMARK "$m.1" || die "insnmark"
	echo start >"$PG/pgctrl"
	$INSNMARK "$m.2"
	s1=$(pg_sent "$dev")
	settle "$@"
	c1=$("$@")
	pg "$dev" "count $big"
	$INSNMARK "$m.3"
	echo start >"$PG/pgctrl"
	$INSNMARK "$m.4"
	s2=$(pg_sent "$dev")
	settle "$@"
	c2=$("$@")
	# The write to pgctrl returns early on a signal, with pktgen still
	# sending: such a window holds only part of its frames' work.
	if [ "$s1" = "$small" ] && [ "$s2" = "$big" ]; then
		say insnwin "$sys" "$var" "$n" "$eps" "$round" $((c1 - c0)) $((c2 - c1)) "$m"
	else
		note "$sys $var $n $eps round $round: pktgen sent $s1 and $s2 frames, not $small and $big: no figure"
	fi
	measure_check "$peer" "$c0" "$e0" "$@"
}

# Frames pktgen sent from DEV in its last run (its Result line).
pg_sent() {
	sed -n 's/.*usec, \([0-9]*\) (.*/\1/p' "$PG/$1"
}

# What must not have arrived: frames at dX during a drop measurement.
FAR0=0
far_mark() { FAR0=$(stat_of "d$1" rx_packets); }
far_none() { [ "$(stat_of "d$1" rx_packets)" = "$FAR0" ] && echo 1 || echo 0; }

# The east-west jobs: one line per measurement (or per measurements
# that belong together), each a function called with the round number
# as its last argument.  main() runs the jobs of every part in an order
# of their own each round (see run_round).
job_plain() {
	measure plain fwd 0 0 "$1" aP "$SRC_MAC" "$SRC_IP" stat_of bP rx_packets
	check "$LAST_OK" "plain veth: pktgen's frames reach bP"
}

job_bridge() {
	measure bridge fwd 0 0 "$1" aB "$SRC_MAC" "$SRC_IP" stat_of dB rx_packets
	check "$LAST_OK" "bridge forwards to dB"
}

# The flow entry decides: the frames of a measurement make at most one
# flow (the first frame's, when the last measurement's has expired).
job_seg_fwd() {
	local n=$1 r=$2 d=s$1 f0 e0
	f0=$(dom_stat "$d" flows_created)
	e0=$(stat_of "b$d" rx_packets)
	measure segfilter fwd "$n" 10 "$r" "a$d" "$SRC_MAC" "$SRC_IP" stat_of "d$d" rx_packets
	check "$LAST_OK" "segfilter, $n rules: the allowed frame reaches d$d"
	f0=$(($(dom_stat "$d" flows_created) - f0))
	e0=$(($(stat_of "b$d" rx_packets) - e0))
	check "$([ "$f0" -le 1 ] && [ "$e0" -gt 1 ] && echo 1 || echo 0)" \
		"segfilter, $n rules: $e0 frames took the flow entry ($f0 flows created)"
}

# Every frame judged: the domain's flow limit at 0, and the frames of a
# source port of their own (1001), which no flow entry holds.  Lowering
# the limit keeps the flows a domain has: with fwd's source port, the
# entry its measurement made decides these frames too for as long as it
# lives (30 s idle, unanswered; every frame renews it).
job_seg_judged() {
	local n=$1 r=$2 d=s$1 f0 e0
	$SEGCTL domain set "$d" flow-limit 0 || die "flow-limit 0 on $d"
	f0=$(dom_stat "$d" flow_table_full)
	e0=$(stat_of "b$d" rx_packets)
	PG_SPORT=1001 measure segfilter judged "$n" 10 "$r" "a$d" "$SRC_MAC" "$SRC_IP" stat_of "d$d" rx_packets
	check "$LAST_OK" "segfilter, $n rules, no flow entries: the allowed frame reaches d$d"
	f0=$(($(dom_stat "$d" flow_table_full) - f0))
	e0=$(($(stat_of "b$d" rx_packets) - e0))
	check "$([ "$e0" -gt 0 ] && [ $((f0 * 100)) -ge $((e0 * 99)) ] && echo 1 || echo 0)" \
		"segfilter, $n rules, no flow entries: every frame was judged ($f0 of $e0 found no room for a flow)"
	$SEGCTL domain set "$d" flow-limit 65536 || die "flow-limit back on $d"
}

job_seg_drops() {
	local n=$1 r=$2 d=s$1
	if [ "$n" -ge 2 ]; then
		far_mark "$d"
		measure segfilter drop-rule "$n" 10 "$r" "a$d" "$DENY_MAC" "$DENY_IP" drops_of "b$d" rule_deny
	else
		far_mark deny
		measure segfilter drop-rule "$n" 10 "$r" adeny "$DENY_MAC" "$DENY_IP" drops_of bdeny rule_deny
		check "$(far_none deny)" "segfilter, one deny rule: no denied frame reaches ddeny"
		far_mark "$d"
	fi
	check "$LAST_OK" "segfilter, $n rules: the denied frames are counted as rule_deny"
	measure segfilter drop-default "$n" 10 "$r" "a$d" "$NONE_MAC" "$NONE_IP" drops_of "b$d" default_deny
	check "$LAST_OK" "segfilter, $n rules: frames no rule allows are counted as default_deny"
	check "$(far_none "$d")" "segfilter, $n rules: no dropped frame reaches d$d"
}

job_nft_linear() {
	measure nft-linear fwd "$1" 0 "$2" "al$1" "$SRC_MAC" "$SRC_IP" stat_of "dl$1" rx_packets
	check "$LAST_OK" "nftables, $1 linear rules: the frame reaches dl$1"
}

job_nft_vmap() {
	measure nft-vmap fwd "$1" 0 "$2" "av$1" "$SRC_MAC" "$SRC_IP" stat_of "dv$1" rx_packets
	check "$LAST_OK" "nftables, verdict map of $1: the frame reaches dv$1"
}

job_seg_eps() {
	local e=$1 d=e$1
	measure segfilter fwd 1 "$e" "$2" "a$d" "$SRC_MAC" "$SRC_IP" stat_of "d$d" rx_packets
	check "$LAST_OK" "segfilter, $e endpoints: the allowed frame reaches d$d"
}

job_ovs() {
	measure ovs fwd 0 0 "$1" aO "$SRC_MAC" "$SRC_IP" stat_of dO rx_packets
	check "$LAST_OK" "Open vSwitch forwards to dO"
}

job_redirect() {
	measure segfilter redirect 1 2 "$1" ardr "$SRC_MAC" "$SRC_IP" stat_of drdr rx_packets
	check "$LAST_OK" "segfilter redirect: the frame crosses the service to drdr"
}

ew_jobs() {
	local n e
	echo job_plain
	echo job_bridge
	for n in $RULES; do
		echo "job_seg_fwd $n"
		echo "job_seg_judged $n"
		echo "job_seg_drops $n"
		echo "job_nft_linear $n"
		echo "job_nft_vmap $n"
	done
	for e in $ENDPOINTS; do
		echo "job_seg_eps $e"
	done
	echo job_ovs
	echo job_redirect
}

# Flow entries: 20000 UDP flows (one frame each, source ports 1..20000)
# in a domain of their own.  The figure is the growth of the host's slab
# totals (performance.rst, "What a flow costs"): the objects, their
# slabs' slack, the memory cgroup's vector for them and the hash table's
# buckets, and whatever else the host allocated meanwhile.
flow_memory() {
	local d=fl n=20000 s0 p0 v0 flows
	seg_domain "$d" 95 1 10 allow
	$SEGCTL domain set "$d" flow-limit 100000 >/dev/null
	pg_setup "a$d" "$SRC_MAC" "$SRC_IP"
	pg "a$d" "count $n"
	pg "a$d" "udp_src_min 1"
	pg "a$d" "udp_src_max $n"
	sleep 1
	read -r s0 p0 v0 < <(kmem)
	echo start >"$PG/pgctrl"
	settle stat_of "d$d" rx_packets
	flows=$($SEGCTL -j domain show "$d" | sed -n 's/.*"flows":\([0-9]*\).*/\1/p')
	check "$([ "${flows:-0}" -ge $((n * 9 / 10)) ] && echo 1 || echo 0)" \
		"$n pktgen flows make flow entries (${flows:-none})"
	# Flow entries are made in softirq context, charged to the domain's
	# creator: the host's slab totals, and the object size of their cache.
	[ "${flows:-0}" -gt 0 ] && mem_report flow "$flows" "$s0" "$p0" "$v0" \
		"object=$(slab_object segf_flow)"
}

# ---- north-south ----

# prefix_list N: N IPv4 prefixes outside 10/8, none overlapping another,
# of the 17 lengths /32 to /16 in turn (fewer for N under 17), each
# aligned to its length; the third is 11.0.0.4/30, which holds HIT_IP.
# For N = 1: 0.0.0.0/0.
prefix_list() {
	awk -v n="$1" 'BEGIN {
		if (n == 1) { print "0.0.0.0/0"; exit }
		c = 11 * 16777216
		for (k = 0; k < n; k++) {
			len = 32 - k % 17
			sz = 1
			for (j = len; j < 32; j++)
				sz *= 2
			c = int((c + sz - 1) / sz) * sz
			printf "%d.%d.%d.%d/%d\n", int(c / 16777216), int(c / 65536) % 256,
				int(c / 256) % 256, c % 256, len
			c += sz
		}
	}'
}

# far_rx X: frames dX received, in namespace far.
far_rx() { $IP netns exec far cat "/sys/class/net/d$1/statistics/rx_packets"; }

# far_miss X: IPv4 frames to $MISS_IP that dX received.  Not far_rx: the
# exit's neighbour entry for dX is confirmed now and then by ARP, which
# dX counts too (bench, 2026-12-06).
far_miss()
{
	$IP netns exec far $NFT list chain netdev "far_$1" in |
		awk '/daddr/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}

# ns_ports X I: aX/bX, and cX/dX with dX in namespace far, holding the
# next hop's address 198.18.I.1/24.  dX answers ARP but drops every IP
# frame as it comes in (after counting it), as cheaply as the other
# configurations' far ends, which are not the frame's destination.
ns_ports() {
	local x=$1 i=$2
	pair "a$x" "b$x"
	pair "c$x" "d$x"
	$IP link set "d$x" netns far || die "d$x into far"
	$IP -n far addr add "198.18.$i.1/24" dev "d$x"
	$IP -n far link set "d$x" up
	$IP netns exec far $NFT -f - <<-EOF2 || die "nft: ingress of d$x"
	table netdev far_$x {
	 chain in {
	  type filter hook ingress device "d$x" priority 0; policy accept;
	  ip daddr $MISS_IP counter drop
	  meta protocol ip drop
	 }
	}
	EOF2
}

# ns_segfilter N I: domain xN, the endpoint on bxN, prefix group out
# holding the N prefixes, the exit cxN, and a rule from src to out.
ns_segfilter() {
	local n=$1 i=$2 d=x$1 t
	ns_ports "$d" "$i"
	cat >"$W/$d.setup" <<-EOF2
	domain add $d id $((60 + i)) default deny gateway $GW_MAC gw-ip 10.0.0.254 prefix-limit 1048576
	group add src id 1 domain $d
	group add out id 2 domain $d
	port attach b$d domain $d
	port attach c$d domain $d role exit ip 198.18.$i.2/24 nexthop 198.18.$i.1
	endpoint add $SRC_MAC domain $d group src port b$d ip $SRC_IP
	rule add id 1 domain $d from src to out proto udp port 9 action allow
	EOF2
	$SEGCTL -b "$W/$d.setup" >/dev/null || die "segctl -b $W/$d.setup"
	prefix_list "$n" | sed "s|^|prefix add |; s|\$| domain $d group out|" >"$W/$d.pfx"
	if [ "$n" -ge 1000 ]; then
		ctl_batch prefix "$n" "$W/$d.pfx"
	else
		ctl_batch "" 0 "$W/$d.pfx"
	fi
	for t in $(seq 50); do
		$SEGCTL port show "c$d" | grep -q 'nexthop-mac [0-9a-f]' && return 0
		sleep 0.2
	done
	die "the exit c$d has not resolved its next hop 198.18.$i.1"
}

# ns_linux N I: the same for Linux: bridge brrN (the gateway's MAC) with
# brN, routed by table 100 + I to the next hop behind crN; with N > 0,
# nftables' forward chain accepts from brrN only what set pN holds.
ns_linux() {
	local n=$1 i=$2 x=r$1 t0
	ns_ports "$x" "$i"
	$IP link add "br$x" type bridge || die "bridge br$x"
	$IP link set "br$x" address "$GW_MAC"
	$IP link set "b$x" master "br$x"
	$IP link set "br$x" up
	sysctl -qw "net.ipv4.conf.br$x.rp_filter=0"
	$IP addr add "198.18.$i.2/24" dev "c$x"
	$IP rule add iif "br$x" table $((100 + i)) || die "ip rule for br$x"
	$IP route add default via "198.18.$i.1" dev "c$x" table $((100 + i)) ||
		die "route for br$x"
	$IP neigh replace "198.18.$i.1" dev "c$x" nud permanent \
		lladdr "$($IP netns exec far cat "/sys/class/net/d$x/address")"
	[ "$n" -gt 0 ] || return 0
	{
		printf 'table ip ns {\n set p%d {\n  type ipv4_addr; flags interval\n' "$n"
		printf '  elements = {\n'
		prefix_list "$n" | sed 's/^/   /; $!s/$/,/'
		printf '  }\n }\n chain f%d {\n  ip daddr @p%d accept\n  drop\n }\n}\n' "$n" "$n"
		printf 'add element ip ns ifs { "br%s" : jump f%d }\n' "$x" "$n"
	} >"$W/$x.nft"
	t0=$(now_us)
	$NFT -f "$W/$x.nft" || die "nft -f $W/$x.nft"
	[ "$n" -ge 1000 ] && say ctl nft-set "$n" "$(ms_since "$t0")"
	return 0
}

ns_setup() {
	local n i=1
	$IP netns add far || die "namespace far"
	$IP netns exec far sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	$IP netns exec far sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	sysctl -qw net.ipv4.ip_forward=1
	sysctl -qw net.ipv4.conf.all.rp_filter=0
	sysctl -qw net.ipv4.conf.default.rp_filter=0
	# One forward chain: the bridge a frame came from picks its set.
	$NFT -f - <<-EOF2 || die "nft: table ip ns"
	table ip ns {
	 map ifs {
	  type ifname : verdict
	 }
	 chain filter_fwd {
	  type filter hook forward priority 0; policy accept;
	  meta iifname vmap @ifs
	 }
	}
	EOF2
	ns_linux 0 "$i"
	for n in $PREFIXES; do
		i=$((i + 1))
		ns_segfilter "$n" "$i"
		i=$((i + 1))
		ns_linux "$n" "$i"
	done
}

# The north-south jobs.  pktgen sends to the gateway's MAC and an
# outside address; every job puts the east-west destination back.
job_routed() {
	PG_DMAC=$GW_MAC PG_DIP=$HIT_IP
	# The host's routing lost 1.7% of the frames on their way to dr100000
	# in one round of five (2026-12-06); a filter that drops would lose
	# them all.
	MIN_PCT=95 measure routed fwd 0 0 "$1" ar0 "$SRC_MAC" "$SRC_IP" far_rx r0
	check "$LAST_OK" "bridge and routing: the frames reach the next hop (dr0)"
	PG_DMAC=$DST_MAC PG_DIP=$DST_IP
}

job_seg_exit() {
	local n=$1 r=$2 f0
	PG_DMAC=$GW_MAC PG_DIP=$HIT_IP
	measure segfilter exit "$n" 0 "$r" "ax$n" "$SRC_MAC" "$SRC_IP" far_rx "x$n"
	check "$LAST_OK" "segfilter exit, $n prefixes: the frames to $HIT_IP reach the next hop (dx$n)"
	if [ "$n" -gt 1 ]; then
		PG_DIP=$MISS_IP
		f0=$(far_miss "x$n")
		measure segfilter exit-miss "$n" 0 "$r" "ax$n" "$SRC_MAC" "$SRC_IP" \
			drops_of "bx$n" no_route
		check "$LAST_OK" "segfilter exit, $n prefixes: frames to $MISS_IP, which none holds, are counted as no_route"
		check "$([ -n "$f0" ] && [ "$(far_miss "x$n")" = "$f0" ] && echo 1 || echo 0)" \
			"segfilter exit, $n prefixes: no frame to $MISS_IP reaches the next hop"
	fi
	PG_DMAC=$DST_MAC PG_DIP=$DST_IP
}

job_nft_set() {
	local n=$1
	PG_DMAC=$GW_MAC PG_DIP=$HIT_IP
	MIN_PCT=95 measure nft-set route "$n" 0 "$2" "ar$n" "$SRC_MAC" "$SRC_IP" \
		far_rx "r$n"
	check "$LAST_OK" "nftables interval set of $n prefixes: the frames reach the next hop (dr$n)"
	PG_DMAC=$DST_MAC PG_DIP=$DST_IP
}

ns_jobs() {
	local n
	[ -n "$PREFIXES" ] || return 0
	echo job_routed
	for n in $PREFIXES; do
		echo "job_seg_exit $n"
		echo "job_nft_set $n"
	done
}

# ---- the parts ----
#
# A part is a file of tests/bench/parts/ that run.sh puts into the guest
# script after this one.  It adds its name to BENCH_PARTS and defines
# NAME_setup (called once, before the rounds, when BENCH_CASES names the
# part) and NAME_jobs (prints its jobs, as ew_jobs does).  ew and ns are
# the parts above.
BENCH_PARTS=(ew ns)
ew_setup() {
	ports P
	bridge_ports brB B
	for n in $RULES; do
		seg_domain "s$n" "$((10 + ${#n}))" "$n" 10 allow
		nft_config linear "$n"
		nft_config vmap "$n"
	done
	seg_domain deny 30 1 10 deny
	for e in $ENDPOINTS; do
		seg_domain "e$e" "$((40 + ${#e}))" 1 "$e" allow
	done
	ovs_config
	redirect_config
	flow_memory
}

ns_setup_part() { [ -z "$PREFIXES" ] || ns_setup; }

part_on() { case " $CASES " in *" $1 "*) return 0 ;; esac; return 1; }

# run_round R: the jobs of every part that is on (those BENCH_JOBS
# matches, if set), in an order drawn
# for this round from BENCH_SEED and R, so that no configuration always
# runs right after the same other one (a slow neighbour, a warm cache)
# and drift of the emulated machine falls on all of them alike.
run_round() {
	local r=$1 p job
	for p in "${BENCH_PARTS[@]}"; do
		part_on "$p" && "${p}_jobs"
	done | JOBS=$JOBS awk -v seed="$((BENCH_SEED + r))" '
		BEGIN { srand(seed); re = ENVIRON["JOBS"] }
		re == "" || $0 ~ re { print rand() "\t" $0 }' | sort -k1,1 | cut -f2- >"$W/jobs.$r"
	while read -r job; do
		# shellcheck disable=SC2086 # a job is a command and its words
		$job "$r"
	done <"$W/jobs.$r"
}

# profile NAME DEV MAC IP: where CPU 0's time goes while pktgen sends.
profile() {
	local name=$1 dev=$2 mac=$3 ip=$4 pg_pid
	pg_setup "$dev" "$mac" "$ip"
	echo start >"$PG/pgctrl" &
	pg_pid=$!
	sleep 1
	$PERF record -q -C 0 -e cpu-clock -F 4000 -o "$W/perf.data" -- sleep "$SECS" \
		>/dev/null 2>&1
	echo stop >"$PG/pgctrl"
	wait "$pg_pid"
	$PERF report -i "$W/perf.data" --stdio --no-children --sort sym -q 2>/dev/null |
		awk -v n="$name" 'NF && $1 + 0 >= 0.5 { print "PROFILE " n " " $0 }' | head -n 40
}

# With the part "peers" on too (--cases 'ew peers'): the tc mirred
# floor and the tc-BPF program with one pair.
profiles() {
	[ -x "$PERF" ] || die "no $PERF in the guest"
	profile plain aP "$SRC_MAC" "$SRC_IP"
	profile bridge aB "$SRC_MAC" "$SRC_IP"
	profile segfilter-fwd as1 "$SRC_MAC" "$SRC_IP"
	profile nft-vmap av1 "$SRC_MAC" "$SRC_IP"
	profile ovs aO "$SRC_MAC" "$SRC_IP"
	if part_on peers; then
		profile mirred aQM "$SRC_MAC" "$SRC_IP"
		profile tc-bpf aQT1 "$SRC_MAC" "$SRC_IP"
	fi
}

main() {
	local n e r t0 nproc p any=0
	[ -d "$PG" ] || die "no $PG: pktgen is not loaded"
	insmod "$SEGFILTER_KO" || die "insmod segfilter.ko"
	sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	nproc=$(grep -c ^processor /proc/cpuinfo)
	say info kernel "$(uname -r)"
	say info cpus "$nproc (pktgen and the path under test on CPU 0)"
	say info cpu "$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)"
	say info rounds "$ROUNDS"
	say info seconds "$SECS per measurement"
	say info frame "60 bytes, UDP 1000 -> 9, one flow"
	say info order "each round's own, seed $BENCH_SEED"
	[ "$INSN" = 1 ] && say info insn "instructions of CPU 0 per frame, by QEMU's plugin: windows of $INSN_FRAMES frames"
	HAVE_CG=0
	cg_setup && HAVE_CG=1

	t0=$SECONDS
	for p in "${BENCH_PARTS[@]}"; do
		part_on "$p" || continue
		any=1
		if [ "$p" = ns ]; then
			ns_setup_part
		else
			"${p}_setup"
		fi
	done
	[ "$any" = 1 ] || die "BENCH_CASES \"$CASES\": names no part (${BENCH_PARTS[*]})"
	note "set up in $((SECONDS - t0)) s"
	if [ "$PROFILE" = 1 ]; then
		part_on ew && profiles
		return 0
	fi

	for r in $(seq "$ROUNDS"); do
		t0=$SECONDS
		run_round "$r"
		note "round $r in $((SECONDS - t0)) s"
	done
	[ "$INSN_PROFILE" = 1 ] && ksyms
	return $FAILED
}

# The guest's text symbols, kernel and modules, for the addresses of
# the plugin's profile (KASLR moves them every boot; Debian's
# System.map is empty): gzip and base64 keep the serial port's share
# of the boot short.
ksyms() {
	sysctl -qw kernel.kptr_restrict=0
	awk '$2 ~ /^[tT]$/' /proc/kallsyms | gzip -c | base64 | sed 's/^/KSYMZ /'
}

main
