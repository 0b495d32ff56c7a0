# SPDX-License-Identifier: GPL-2.0
#
# make bench, part "peers" (issue 19, items 1 and 6): the floor and the
# eBPF peer, and frame sizes.  Appended to bench.sh by run.sh; see the
# part's interface there.
#
# Its own ports, all as in bench.sh (pktgen -> aX ==veth== bX [hook]
# -> cX ==veth== dX):
#
#   plain      aQ/bQ, no hook (bQ's stack drops the frame)
#   bridge     aQB..dQB, bQB and cQB in bridge brQB
#   segfilter  domain qs (aqs..dqs), 1 rule, 10 endpoints (seg_domain)
#   mirred     aQM..dQM: on bQM's clsact ingress, a matchall filter
#              with "action mirred egress redirect dev cQM": the floor,
#              moving a frame from one port to another and nothing else
#   tc-bpf     aQTn..dQTn, n pairs (each of BENCH_RULES): on bQTn's
#              ingress, tests/bench/bpf/grouppair.bpf.c with n allowed
#              group pairs (n - 1 between groups the frame never has)
#
# Each is measured at 64, 512 and 1500-byte frames (with the FCS, as
# the 64 of bench.sh: pktgen's pkt_size is 4 less), variant "fwd-SIZE";
# tc-bpf at its other pair counts with 64-byte frames, and dropping a
# denied pair (variant "drop-pair": frames from group 3, which no pair
# allows, counted by the program's GP_DENY counter).  Quick mode:
# 64 bytes everywhere, 1500 through segfilter and tc-bpf only.

BENCH_PARTS+=(peers)

TC=/sbin/tc
BPFTOOL=/usr/sbin/bpftool
GP_OBJ=/usr/lib/bench/grouppair.bpf.o
PEERS_SIZES="64 512 1500"
PEERS_SYSTEMS="plain bridge segfilter mirred tc-bpf"
# enum gp_stat of grouppair.bpf.c
GP_PASS=0
GP_DENY=1

# The map ids of each tc-bpf instance: PEERS_MAP[X.NAME].
declare -A PEERS_MAP

# pktgen's frame size: bench.sh's pg_setup writes 60 bytes; with
# PEERS_PKT set (by peers_job, for its measurement only), that instead.
eval "peers_pg_setup_60() $(declare -f pg_setup | sed 1d)"
pg_setup() {
	peers_pg_setup_60 "$@"
	[ -z "${PEERS_PKT:-}" ] || pg "$1" "pkt_size $PEERS_PKT"
}

# le32 V: V as the 4 bytes of a little-endian __u32, in hex.
le32() {
	printf '%02x %02x %02x %02x' $(($1 & 255)) $(($1 >> 8 & 255)) \
		$(($1 >> 16 & 255)) $(($1 >> 24 & 255))
}

# ip_hex A.B.C.D: the address in network order, in hex.
ip_hex() {
	local IFS=.
	# shellcheck disable=SC2086 # the four octets
	printf '%02x %02x %02x %02x' $1
}

ifindex_of() { cat "/sys/class/net/$1/ifindex"; }

# peers_stat X STAT: the sum over the CPUs of counter STAT of tc-bpf X.
# bpftool prints the values as bytes ("value (CPU 00): 05 00 ..."), or
# with the map's BTF as numbers ("value": 5).
peers_stat() {
	$BPFTOOL map lookup id "${PEERS_MAP[$1.gp_stats]}" key "$2" 0 0 0 |
		awk 'function hex(s, d) {
			d = "0123456789abcdef"
			return (index(d, substr(s, 1, 1)) - 1) * 16 + index(d, substr(s, 2, 1)) - 1
		}
		/^value \(CPU/ { v = 0; for (i = NF; i > NF - 8; i--) v = v * 256 + hex($i); t += v }
		/"value": [0-9]/ { v = $0; sub(/.*"value": /, "", v); t += v + 0 }
		END { printf "%d\n", t }'
}

# peers_bpf X N: ports X, grouppair on bX's ingress, its maps filled:
# the three senders of bench.sh on bX (groups 1, 3 and 4), the
# destination (group 2) behind cX, and N allowed pairs: 1 -> 2 and N - 1
# between the filler groups of bench.sh's rules (5.. -> 1005..).
peers_bpf() {
	local x=$1 n=$2 prog ids id name in out
	ports "$x"
	$TC qdisc add dev "b$x" clsact || die "tc qdisc clsact on b$x"
	$TC filter add dev "b$x" ingress bpf direct-action obj "$GP_OBJ" sec tc ||
		die "tc filter bpf on b$x"
	prog=$($TC filter show dev "b$x" ingress | sed -n 's/.* id \([0-9]*\) .*/\1/p' | head -n 1)
	[ -n "$prog" ] || die "no bpf program on b$x"
	ids=$($BPFTOOL prog show id "$prog" | sed -n 's/.*map_ids \([0-9,]*\).*/\1/p')
	for id in ${ids//,/ }; do
		name=$($BPFTOOL map show id "$id" | sed -n 's/.* name \([a-z_]*\) .*/\1/p')
		PEERS_MAP[$x.$name]=$id
	done
	for name in gp_srcs gp_dsts gp_pairs gp_stats; do
		[ -n "${PEERS_MAP[$x.$name]:-}" ] || die "tc-bpf $x: no map $name (maps $ids)"
	done
	in=$(le32 "$(ifindex_of "b$x")")
	out=$(le32 "$(ifindex_of "c$x")")
	{
		printf 'map update id %s key hex %s 00 00 value hex %s %s %s\n' \
			"${PEERS_MAP[$x.gp_srcs]}" "${SRC_MAC//:/ }" "$(le32 1)" "$(ip_hex "$SRC_IP")" "$in" \
			"${PEERS_MAP[$x.gp_srcs]}" "${DENY_MAC//:/ }" "$(le32 3)" "$(ip_hex "$DENY_IP")" "$in" \
			"${PEERS_MAP[$x.gp_srcs]}" "${NONE_MAC//:/ }" "$(le32 4)" "$(ip_hex "$NONE_IP")" "$in"
		printf 'map update id %s key hex %s 00 00 value hex %s %s\n' \
			"${PEERS_MAP[$x.gp_dsts]}" "${DST_MAC//:/ }" "$(le32 2)" "$out"
		printf 'map update id %s key hex %s %s value hex %s\n' \
			"${PEERS_MAP[$x.gp_pairs]}" "$(le32 1)" "$(le32 2)" "$(le32 1)"
		awk -v n="$n" -v id="${PEERS_MAP[$x.gp_pairs]}" '
		function le(v) {
			return sprintf("%02x %02x %02x %02x", v % 256, int(v / 256) % 256,
				int(v / 65536) % 256, int(v / 16777216))
		}
		BEGIN {
			for (k = 0; k < n - 1; k++)
				printf "map update id %s key hex %s %s value hex %s\n", id,
					le(5 + int(k / 250)), le(1005 + k % 250), le(1)
		}'
	} >"$W/$x.bpftool"
	$BPFTOOL batch file "$W/$x.bpftool" >/dev/null || die "bpftool batch file $W/$x.bpftool"
}

peers_setup() {
	local n
	for n in "$TC" "$BPFTOOL" "$GP_OBJ"; do
		[ -e "$n" ] || die "no $n in the guest"
	done
	grep -q ' /sys/fs/bpf bpf ' /proc/mounts || mount -t bpf bpf /sys/fs/bpf
	sysctl -qw net.core.bpf_jit_kallsyms=1
	pair aQ bQ
	bridge_ports brQB QB
	seg_domain qs 77 1 10 allow
	ports QM
	# (sch_ingress, cls_matchall, act_mirred and cls_bpf: run.sh loads
	# them; the guest has no modprobe for tc to load them itself.)
	$TC qdisc add dev bQM clsact || die "tc qdisc clsact on bQM"
	$TC filter add dev bQM ingress matchall action mirred egress redirect dev cQM ||
		die "tc filter matchall mirred on bQM"
	for n in $RULES; do
		peers_bpf "QT$n" "$n"
	done
	case " $RULES " in *" 1 "*) ;; *) peers_bpf QT1 1 ;; esac
}

# peers_job SYSTEM SIZE PAIRS ROUND: one measurement of SIZE-byte
# frames (PAIRS: tc-bpf's pair count), and a check that they arrived
# at the far end, whole.
peers_job() {
	local sys=$1 size=$2 n=$3 r=$4 x rules=0 eps=0 far='' b0 p0 b1 p1 c0=0
	case $sys in
	plain) x=Q far=bQ ;;
	bridge) x=QB ;;
	segfilter) x=qs rules=1 eps=10 ;;
	mirred) x=QM ;;
	tc-bpf) x=QT$n rules=$n ;;
	esac
	far=${far:-d$x}
	b0=$(stat_of "$far" rx_bytes)
	p0=$(stat_of "$far" rx_packets)
	[ "$sys" = tc-bpf ] && c0=$(peers_stat "$x" "$GP_PASS")
	PEERS_PKT=$((size - 4)) measure "$sys" "fwd-$size" "$rules" "$eps" "$r" "a$x" \
		"$SRC_MAC" "$SRC_IP" stat_of "$far" rx_packets
	check "$LAST_OK" "$sys, $size-byte frames (rules or pairs: $rules): the frames reach $far"
	b1=$(stat_of "$far" rx_bytes)
	p1=$(stat_of "$far" rx_packets)
	check "$([ "$p1" -gt "$p0" ] && [ $(((b1 - b0) / (p1 - p0))) = $((size - 4)) ] &&
		echo 1 || echo 0)" \
		"$sys, $size-byte frames: they arrive at $far with $((size - 4)) bytes (FCS aside)"
	if [ "$sys" = tc-bpf ]; then
		c0=$(($(peers_stat "$x" "$GP_PASS") - c0))
		check "$([ "$c0" -ge $((p1 - p0)) ] && [ $(((c0 - p1 + p0) * 100)) -le "$c0" ] &&
			echo 1 || echo 0)" \
			"tc-bpf, $n pairs: its pass counter counts the frames that reached d$x ($c0 for $((p1 - p0)))"
	fi
}

# A denied pair: frames from group 3 to group 2, which no pair allows,
# dropped and counted as GP_DENY; none reaches dQT1.
peers_job_deny() {
	far_mark QT1
	measure tc-bpf drop-pair 1 0 "$1" aQT1 "$DENY_MAC" "$DENY_IP" peers_stat QT1 "$GP_DENY"
	check "$LAST_OK" "tc-bpf: the frames of a denied pair are counted as dropped (GP_DENY)"
	check "$(far_none QT1)" "tc-bpf: no frame of a denied pair reaches dQT1"
}

peers_jobs() {
	local s sys n
	for s in $PEERS_SIZES; do
		for sys in $PEERS_SYSTEMS; do
			if [ "$QUICK" = 1 ] && [ "$s" != 64 ]; then
				[ "$s" = 1500 ] || continue
				case $sys in segfilter | tc-bpf) ;; *) continue ;; esac
			fi
			echo "peers_job $sys $s 1"
		done
	done
	for n in $RULES; do
		[ "$n" = 1 ] || echo "peers_job tc-bpf 64 $n"
	done
	echo peers_job_deny
}
