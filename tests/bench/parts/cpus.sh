# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Part "cpus" of the benchmark (issue 19, item 4): does forwarding scale
# from one CPU to two?  Two pktgen threads, kpktgend_0 on CPU 0 and
# kpktgend_1 on CPU 1, each send one flow into a port of its own:
#
#   kpktgend_0 -> aM0 ==veth== bM0 [hook] -> cM0 ==veth== dM0
#   kpktgend_1 -> aM1 ==veth== bM1 [hook] -> cM1 ==veth== dM1
#
# The hook is one segfilter domain "mc" (bmc0, cmc0, bmc1, cmc1: one
# policy generation, one flow table, one rule and the domain's counters
# for both flows) or one Linux bridge "brmb" (bmb0, cmb0, bmb1, cmb1).
# A veth delivers into the backlog of the CPU that sent, so each frame is
# judged and forwarded on its thread's CPU.  Each round measures, for
# each system, thread 0 alone, thread 1 alone and both at once (three
# jobs); frames per second are the frames that reached dM0 (dM1) over
# pktgen's time.  Scaling = rate(both) / mean(rate(0 alone), rate(1
# alone)): 2.0 is perfect.  Prints
#
#   BENCH cpu SYSTEM THREADS CPU ROUND ELAPSED_US FRAMES SENT
#
# one line per thread that ran (THREADS 1 or 2); report_cpu.py turns them
# into the scaling of each system, per round, and its median.

BENCH_PARTS+=(cpus)

# The sources and destinations of thread 0 and 1.
CPUS_SMAC=(02:00:00:00:10:01 02:00:00:00:10:02)
CPUS_DMAC=(02:00:00:00:20:01 02:00:00:00:20:02)
CPUS_SIP=(10.0.1.1 10.0.1.2)
CPUS_DIP=(10.0.2.1 10.0.2.2)

cpus_setup() {
	local t
	# segfilter: one domain, both pairs of ports, one rule for both.
	for t in 0 1; do
		ports "mc$t"
	done
	{
		echo "domain add mc id 70 default deny"
		echo "group add src id 1 domain mc"
		echo "group add dst id 2 domain mc"
		for t in 0 1; do
			echo "port attach bmc$t domain mc"
			echo "port attach cmc$t domain mc"
			echo "endpoint add ${CPUS_SMAC[t]} domain mc group src port bmc$t ip ${CPUS_SIP[t]}"
			echo "endpoint add ${CPUS_DMAC[t]} domain mc group dst port cmc$t ip ${CPUS_DIP[t]}"
		done
		echo "rule add id 1 domain mc from src to dst proto udp port 9 action allow"
	} >"$W/mc.setup"
	$SEGCTL -b "$W/mc.setup" >/dev/null || die "segctl -b $W/mc.setup"

	# The bridge: one, with both pairs.
	$IP link add brmb type bridge || die "bridge brmb"
	for t in 0 1; do
		ports "mb$t"
		$IP link set "bmb$t" master brmb
		$IP link set "cmb$t" master brmb
	done
	$IP link set brmb up
	for t in 0 1; do
		$BRIDGE fdb add "${CPUS_DMAC[t]}" dev "cmb$t" master static ||
			die "fdb on cmb$t"
	done
}

# cpus_pg THREAD X: thread THREAD's flow from aX.
cpus_pg() {
	local t=$1 dev=a$2
	echo "add_device $dev" >"$PG/kpktgend_$t" || die "pktgen add_device $dev to kpktgend_$t"
	pg "$dev" "count 0"
	pg "$dev" "clone_skb 0"
	pg "$dev" "pkt_size 60"
	pg "$dev" "delay 0"
	pg "$dev" "src_mac ${CPUS_SMAC[t]}"
	pg "$dev" "dst_mac ${CPUS_DMAC[t]}"
	pg "$dev" "src_min ${CPUS_SIP[t]}"
	pg "$dev" "src_max ${CPUS_SIP[t]}"
	pg "$dev" "dst_min ${CPUS_DIP[t]}"
	pg "$dev" "dst_max ${CPUS_DIP[t]}"
	pg "$dev" "udp_src_min 1000"
	pg "$dev" "udp_src_max 1000"
	pg "$dev" "udp_dst_min 9"
	pg "$dev" "udp_dst_max 9"
}

# Frames CPU's backlog processed (/proc/net/softnet_stat, in hex).
cpus_softnet() {
	printf '%d\n' "0x$(sed -n "$(($1 + 1))s/ .*//p" /proc/net/softnet_stat)"
}

cpus_far() { echo $(($(stat_of "d${1}0" rx_packets) + $(stat_of "d${1}1" rx_packets))); }

# The rule's packets, from segctl stats domain mc.
cpus_rule_packets() {
	$SEGCTL stats domain mc | awk '$1 == "rule" && $2 == 1 {
		for (i = 3; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}

# cpus_run SYS P THREADS ROUND: pktgen on the threads THREADS ("0", "1"
# or "0 1"), each into aP<thread>, for SECS seconds.
cpus_run() {
	local sys=$1 p=$2 threads=$3 r=$4 t n=0 res us sent c0=() c1=() e0=() e1=()
	local s0=() s1=() r0 r1 ok=1
	pg_clear 0
	pg_clear 1
	for t in $threads; do
		cpus_pg "$t" "$p$t"
		n=$((n + 1))
	done
	settle cpus_far "$p"
	for t in $threads; do
		c0[t]=$(stat_of "d$p$t" rx_packets)
		e0[t]=$(stat_of "b$p$t" rx_packets)
		s0[t]=$(cpus_softnet "$t")
	done
	[ "$sys" = segfilter ] && r0=$(cpus_rule_packets)
	echo start >"$PG/pgctrl" &
	local pg_pid=$!
	sleep "$SECS"
	echo stop >"$PG/pgctrl"
	wait "$pg_pid"
	for t in $threads; do
		c1[t]=$(stat_of "d$p$t" rx_packets)
		res=$(grep 'Result:' "$PG/a$p$t")
		us=$(echo "$res" | sed -n 's/.*OK: \([0-9]*\)(.*/\1/p')
		sent=$(echo "$res" | sed -n 's/.*usec, \([0-9]*\) (.*/\1/p')
		[ -n "$us" ] && [ -n "$sent" ] || { note "no pktgen result for a$p$t: $res"; us=0 sent=0; }
		say cpu "$sys" "$n" "$t" "$r" "$us" $((c1[t] - c0[t])) "$sent"
	done
	settle cpus_far "$p"
	for t in $threads; do
		c1[t]=$(stat_of "d$p$t" rx_packets)
		e1[t]=$(stat_of "b$p$t" rx_packets)
		s1[t]=$(cpus_softnet "$t")
		# Every frame that came in at bM<t> reached dM<t> (1% lost at
		# most), and CPU <t>'s backlog processed each of them twice
		# (at bM<t> and at dM<t>): the thread's CPU did the work.
		[ $((c1[t] - c0[t])) -gt 0 ] &&
			[ $(((c1[t] - c0[t]) * 100)) -ge $(((e1[t] - e0[t]) * 99)) ] &&
			[ $((s1[t] - s0[t])) -ge $((2 * (c1[t] - c0[t]))) ] || ok=0
	done
	LAST_DESC="threads $threads: at d: $(for t in $threads; do echo -n "$((c1[t] - c0[t])) "; done)of $(for t in $threads; do echo -n "$((e1[t] - e0[t])) "; done)"
	check "$ok" "$sys, pktgen threads $threads: each thread's frames reach its dM port, through its own CPU's backlog"
	if [ "$sys" = segfilter ]; then
		r1=$(cpus_rule_packets)
		local sum=0
		for t in $threads; do
			sum=$((sum + c1[t] - c0[t]))
		done
		# The shared rule counted every frame of both threads.
		check "$([ $((r1 - r0)) -ge "$sum" ] && echo 1 || echo 0)" \
			"segfilter, threads $threads: the shared rule counted each frame ($((r1 - r0)) of $sum)"
	fi
	pg_clear 1
	pg_clear 0
}

job_cpus() {
	local sys=$1 threads=$2 r=$3 p=mb
	[ "$sys" = segfilter ] && p=mc
	cpus_run "$sys" "$p" "${threads//,/ }" "$r"
}

cpus_jobs() {
	local sys
	[ "$(grep -c ^processor /proc/cpuinfo)" -ge 2 ] || { note "cpus: one CPU only"; return 0; }
	for sys in segfilter bridge; do
		echo "job_cpus $sys 0"
		echo "job_cpus $sys 1"
		echo "job_cpus $sys 0,1"
	done
}
