# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Part "tcp" of the benchmark (issue 19, item 5): TCP bulk with
# offloads.  iperf3 between two VM namespaces, through the system under
# test:
#
#   iperf3 -c in tXa: eth0 ==veth== hXa [system] hXb ==veth== eth0 in tXb: iperf3 -s
#
# GSO and TSO are on (veth's default), GRO is turned on (ethtool -K) on
# all four veth ends, which gives the veths NAPI.  The neighbours are
# permanent entries: no ARP or ND in the way.  Configurations X:
#
#   S4  segfilter, IPv4: domain tS4, rule cli -> srv tcp 5201
#   B4  a Linux bridge, IPv4
#   N4  nftables on a bridge with conntrack: a bridge-family forward chain
#       "ct state established,related accept", a new connection accepted
#       by a rule, the rest dropped.  In a namespace of its own (tNh):
#       nf_conntrack_bridge tracks every bridge of the namespace the
#       table is in, and must not slow down the other parts' bridges.
#   O4  Open vSwitch's kernel datapath "tcpdp", programmed by ovs-dpctl
#       with ct(): each packet goes through conntrack (zone 9) and is
#       recirculated, new connections to 5201 are committed, established
#       ones forwarded (if ovs-dpctl refuses those flows: plain flows,
#       variant "fwd" instead of "ct", and the run says so).
#   S6  segfilter, IPv6 with BIG TCP: gso_max_size and gro_max_size
#       185000 on all four ends (the 6.1 kernel has BIG TCP for IPv6
#       only) and tcp_min_tso_segs 100 in tXa, so that TCP builds GSO
#       packets over 64 KB even at the emulator's low pacing rate.
#   B6  the bridge, the same.
#
# One job per configuration and round: iperf3 -c for SECS seconds.  Prints
#
#   BENCH tcp SYSTEM VARIANT ROUND KBITS FRAMES BYTES RETR DROPS
#
# KBITS: iperf3's receiver rate; FRAMES and BYTES: what hXa received
# from the client meanwhile (BYTES / FRAMES is the mean GSO packet at
# the port); RETR: the sender's retransmissions (iperf3's); DROPS: the
# frames the four veth ends counted as dropped meanwhile (rx_dropped
# and tx_dropped: a full NAPI ring of a veth).
#
# In the instructions boot (BENCH_INSN=1, run.sh --insn[-profile]) the
# part is opt-in: with BENCH_INSN_TCP=1 its jobs are job_tcp_insn S4,
# B4, S6 and B6 (BENCH_JOBS picks among them), without it none.  Each
# moves a fixed amount of data, iperf3 -n, twice: TCP_INSN_KB's two
# sizes (default "4096 131072" KB), each between two marks of
# insnmark, with both iperf3 processes, both veth pairs' NAPI and the
# system under test on CPU 0, where the marks count.  An iperf3 run
# costs about 40 million instructions whatever it moves (its start, its
# control connection), and that part varies by millions from run to
# run: a few MB of data (3 million instructions a MB) would drown in
# it, 124 MB do not.  A short transfer before the windows warms the
# page cache and the connection's paths.  Prints
#
#   BENCH insntcpwin SYSTEM VARIANT 0 0 ROUND KB1 KB2 M
#   BENCH tcpinsn SYSTEM VARIANT ROUND FRAMES1 BYTES1 FRAMES2 BYTES2 RETR1 RETR2
#
# KB1 and KB2: the kilobytes hXa received in each window (frames with
# their headers; iperf3 -n ends when the client has written its data,
# so the last few hundred KB of a window may cross in the next).
# tests/bench/insn/pair.py makes the first "BENCH insntcp ... KB INSNS"
# (window 2 less window 1: instructions for KB2 - KB1 at the client's
# port, without iperf3's start, its control connection and the marks),
# the second is what hXa received in each window (GSO packets and
# bytes) and the sender's retransmissions (tests/bench/insn/tcp.py
# makes the table).

BENCH_PARTS+=(tcp)

IPERF=/usr/bin/iperf3
TCP_INSN=${BENCH_INSN_TCP:-0}
TCP_INSN_KB=${BENCH_TCP_INSN_KB:-4096 131072}
ETHTOOL=/usr/sbin/ethtool
TCP_PORT=5201
OVS_CT=ct

# tcp_conf X: "SYSTEM VARIANT INDEX" of configuration X.
tcp_conf() {
	case $1 in
	S4) echo "segfilter v4 1" ;;
	B4) echo "bridge v4 2" ;;
	N4) echo "nft-ct v4 3" ;;
	O4) echo "ovs $OVS_CT 4" ;;
	S6) echo "segfilter v6-big 5" ;;
	B6) echo "bridge v6-big 6" ;;
	esac
}

tcp_mac() { printf '02:00:00:09:%02x:%02x\n' "$1" "$2"; }

# tcp_vm X SIDE I [HOSTNS]: namespace tX<SIDE> with eth0, whose other end
# hX<SIDE> is in HOSTNS (default: this one).
tcp_vm() {
	local x=$1 s=$2 i=$3 h=${4:-} ns=t$1$2 n=1
	[ "$s" = b ] && n=2
	$IP netns add "$ns" || die "namespace $ns"
	$IP -n "$ns" link set lo up
	$IP netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0
	$IP netns exec "$ns" sysctl -qw net.ipv6.conf.default.router_solicitations=0
	if [ -n "$h" ]; then
		$IP -n "$h" link add "h$x$s" type veth peer name eth0 netns "$ns" ||
			die "veth h$x$s"
		$IP -n "$h" link set "h$x$s" up
	else
		$IP link add "h$x$s" type veth peer name eth0 netns "$ns" || die "veth h$x$s"
		$IP link set "h$x$s" up
	fi
	$IP -n "$ns" link set eth0 address "$(tcp_mac "$i" "$n")"
	$IP -n "$ns" addr add "10.9.$i.$n/24" dev eth0
	$IP -n "$ns" addr add "fd09:$i::$n/64" dev eth0 nodad
	$IP -n "$ns" link set eth0 up
	local m=1
	[ "$n" = 1 ] && m=2
	$IP -n "$ns" neigh replace "10.9.$i.$m" dev eth0 lladdr "$(tcp_mac "$i" "$m")" nud permanent
	$IP -n "$ns" neigh replace "fd09:$i::$m" dev eth0 lladdr "$(tcp_mac "$i" "$m")" nud permanent
	$IP netns exec "$ns" $ETHTOOL -K eth0 gro on || die "ethtool -K eth0 gro on in $ns"
	if [ -n "$h" ]; then
		$IP netns exec "$h" $ETHTOOL -K "h$x$s" gro on || die "ethtool -K h$x$s gro on"
	else
		$ETHTOOL -K "h$x$s" gro on || die "ethtool -K h$x$s gro on"
	fi
}

# tcp_big X [HOSTNS]: BIG TCP sizes on all four ends of X.
tcp_big() {
	local x=$1 h=${2:-} s
	for s in a b; do
		$IP -n "t$x$s" link set dev eth0 gso_max_size 185000 gro_max_size 185000 ||
			die "BIG TCP sizes on eth0 of t$x$s"
		$IP ${h:+-n "$h"} link set dev "h$x$s" gso_max_size 185000 gro_max_size 185000 ||
			die "BIG TCP sizes on h$x$s"
	done
	$IP netns exec "t${x}a" sysctl -qw net.ipv4.tcp_min_tso_segs=100
}

tcp_seg() {
	local x=$1 i=$2
	tcp_vm "$x" a "$i"
	tcp_vm "$x" b "$i"
	cat >"$W/t$x.setup" <<-EOF
	domain add t$x id $((80 + i)) default deny
	group add cli id 1 domain t$x
	group add srv id 2 domain t$x
	port attach h${x}a domain t$x
	port attach h${x}b domain t$x
	endpoint add $(tcp_mac "$i" 1) domain t$x group cli port h${x}a ip 10.9.$i.1 ip fd09:$i::1
	endpoint add $(tcp_mac "$i" 2) domain t$x group srv port h${x}b ip 10.9.$i.2 ip fd09:$i::2
	rule add id 1 domain t$x from cli to srv proto tcp port $TCP_PORT action allow
	EOF
	$SEGCTL -b "$W/t$x.setup" >/dev/null || die "segctl -b $W/t$x.setup"
}

# tcp_bridge X I [HOSTNS]: bridge br<X> between hXa and hXb.
tcp_bridge() {
	local x=$1 i=$2 h=${3:-}
	tcp_vm "$x" a "$i" "$h"
	tcp_vm "$x" b "$i" "$h"
	$IP ${h:+-n "$h"} link add "brt$x" type bridge || die "bridge brt$x"
	$IP ${h:+-n "$h"} link set "h${x}a" master "brt$x"
	$IP ${h:+-n "$h"} link set "h${x}b" master "brt$x"
	$IP ${h:+-n "$h"} link set "brt$x" up
}

tcp_nft() {
	local x=N4 i
	i=$(tcp_conf $x | cut -d' ' -f3)
	$IP netns add tNh || die "namespace tNh"
	$IP -n tNh link set lo up
	tcp_bridge "$x" "$i" tNh
	$IP netns exec tNh $NFT -f - <<-EOF || die "nft: table bridge tcpct"
	table bridge tcpct {
	 chain fw {
	  type filter hook forward priority 0; policy drop;
	  ct state established,related accept
	  ct state new ip saddr 10.9.$i.1 ip daddr 10.9.$i.2 tcp dport $TCP_PORT counter accept
	 }
	}
	EOF
}

# The datapath's ports: 1 hO4a, 2 hO4b.
tcp_ovs_flows() {
	local i=$1 a b e
	a=$(tcp_mac "$i" 1)
	b=$(tcp_mac "$i" 2)
	e="eth_type(0x0800),ipv4(frag=no)"
	if [ "$OVS_CT" = ct ]; then
		$DPCTL add-flow tcpdp "recirc_id(0),in_port(1),eth(src=$a,dst=$b),$e" \
			"ct(zone=9),recirc(1)" &&
		$DPCTL add-flow tcpdp "recirc_id(1),in_port(1),ct_state(+new+trk),eth(src=$a,dst=$b),eth_type(0x0800),ipv4(proto=6,frag=no),tcp(dst=$TCP_PORT)" \
			"ct(commit,zone=9),2" &&
		$DPCTL add-flow tcpdp "recirc_id(1),in_port(1),ct_state(+est+trk),eth(src=$a,dst=$b),$e" 2 &&
		$DPCTL add-flow tcpdp "recirc_id(0),in_port(2),eth(src=$b,dst=$a),$e" \
			"ct(zone=9),recirc(2)" &&
		$DPCTL add-flow tcpdp "recirc_id(2),in_port(2),ct_state(+est+trk),eth(src=$b,dst=$a),$e" 1
	else
		$DPCTL add-flow tcpdp "in_port(1),eth(src=$a,dst=$b),$e" 2 &&
		$DPCTL add-flow tcpdp "in_port(2),eth(src=$b,dst=$a),$e" 1
	fi
}

tcp_ovs() {
	local x=O4 i
	i=$(tcp_conf $x | cut -d' ' -f3)
	tcp_vm "$x" a "$i"
	tcp_vm "$x" b "$i"
	$DPCTL add-dp tcpdp || die "ovs-dpctl add-dp tcpdp"
	$DPCTL add-if tcpdp hO4a || die "ovs-dpctl add-if hO4a"
	$DPCTL add-if tcpdp hO4b || die "ovs-dpctl add-if hO4b"
	if ! tcp_ovs_flows "$i"; then
		note "ovs-dpctl refused the ct() flows: plain forwarding"
		$DPCTL del-flows tcpdp
		OVS_CT=fwd
		tcp_ovs_flows "$i" || die "ovs-dpctl add-flow tcpdp"
	fi
	say info ovs-tcp "$([ "$OVS_CT" = ct ] && echo "ct() in the datapath flows, zone 9" ||
		echo "plain forwarding: ovs-dpctl refused ct()")"
}

tcp_setup() {
	local x
	TCP_PIN=
	if [ "$INSN" = 1 ]; then
		[ "$TCP_INSN" = 1 ] || return 0
		TCP_PIN=1
	fi
	[ -x "$IPERF" ] || die "no $IPERF in the guest"
	[ -x "$ETHTOOL" ] || die "no $ETHTOOL in the guest"
	tcp_seg S4 1
	tcp_bridge B4 2
	tcp_nft
	tcp_ovs
	tcp_seg S6 5
	tcp_big S6
	tcp_bridge B6 6
	tcp_big B6
	# (The instructions boot counts CPU 0 only: the servers run there.)
	for x in S4 B4 N4 O4 S6 B6; do
		${TCP_PIN:+taskset -c 0} $IP netns exec "t${x}b" $IPERF -s -D -p $TCP_PORT ||
			die "iperf3 server in t${x}b"
	done
	sleep 1
}

# tcp_hstat X COUNTER: COUNTER of hXa, wherever it is.
tcp_hstat() {
	if [ "$1" = N4 ]; then
		$IP netns exec tNh cat "/sys/class/net/h${1}a/statistics/$2"
	else
		stat_of "h${1}a" "$2"
	fi
}

# What shows that each system did its filtering: "COUNT" before and after.
tcp_evidence() {
	case $1 in
	S*) $SEGCTL stats domain "t$1" | awk '$1 == "rule" && $2 == 1 {
		for (i = 3; i < NF; i++) if ($i == "packets") print $(i + 1) }' ;;
	N4) $IP netns exec tNh $NFT list chain bridge tcpct fw |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p' ;;
	# The flows after recirculation that only output: the +est ones.
	O4) $DPCTL dump-flows tcpdp |
		awk '/recirc_id\((0x)?[12]\)/ && /actions:[12]$/ {
			sub(/.*packets:/, ""); sub(/,.*/, ""); n += $0 }
		END { print n + 0 }' ;;
	*) echo 0 ;;
	esac
}

# tcp_drops X: rx_dropped and tx_dropped of X's four veth ends, added
# (one process per namespace: make check's quick mode runs it too).
tcp_drops() {
	local x=$1 h=
	[ "$x" = N4 ] && h=tNh
	{
		$IP netns exec "t${x}a" cat /sys/class/net/eth0/statistics/{rx,tx}_dropped
		$IP netns exec "t${x}b" cat /sys/class/net/eth0/statistics/{rx,tx}_dropped
		${h:+$IP netns exec "$h"} cat /sys/class/net/h"$x"{a,b}/statistics/{rx,tx}_dropped
	} | awk '{ n += $1 } END { print n + 0 }'
}

job_tcp() {
	local x=$1 r=$2 sys var i addr kb p0 b0 p1 b1 v0 v1 out d0 d1
	read -r sys var i < <(tcp_conf "$x")
	addr=10.9.$i.2
	[ "${x:1}" = 6 ] && addr=fd09:$i::2
	p0=$(tcp_hstat "$x" rx_packets)
	b0=$(tcp_hstat "$x" rx_bytes)
	v0=$(tcp_evidence "$x")
	d0=$(tcp_drops "$x")
	out=$($IP netns exec "t${x}a" timeout $((SECS + 30)) $IPERF -c "$addr" \
		-p $TCP_PORT -t "$SECS" -f k 2>&1)
	d1=$(tcp_drops "$x")
	kb=$(echo "$out" | awk '/receiver/ { for (i = 2; i <= NF; i++)
		if ($i == "Kbits/sec") print $(i - 1) }' | tail -n 1)
	p1=$(tcp_hstat "$x" rx_packets)
	b1=$(tcp_hstat "$x" rx_bytes)
	v1=$(tcp_evidence "$x")
	[ -n "$kb" ] || { note "iperf3 through $x: $(echo "$out" | tail -n 3)"; kb=0; }
	say tcp "$sys" "$var" "$r" "${kb%.*}" $((p1 - p0)) $((b1 - b0)) \
		"$(echo "$out" | awk '/sender$/ { r = $(NF - 1) } END { print r + 0 }')" $((d1 - d0))
	check "$([ "${kb%.*}" -gt 0 ] && echo 1 || echo 0)" \
		"TCP bulk through $sys ($var): iperf3 moves data (${kb%.*} kbit/s)"
	case $x in
	# The rule counts both directions of its connections: at least
	# what the client sent (1% lost at most).
	S*) check "$([ $((v1 - v0)) -gt 0 ] && [ $(((v1 - v0) * 100)) -ge $(((p1 - p0) * 99)) ] && echo 1 || echo 0)" \
		"TCP bulk through segfilter ($var): rule 1 counted the connections' packets ($((v1 - v0)), the client's alone $((p1 - p0)))" ;;
	N4) check "$([ $((v1 - v0)) -ge 1 ] && [ $((v1 - v0)) -le 4 ] && echo 1 || echo 0)" \
		"TCP bulk through nftables: only the connections' first packets were new ($((v1 - v0)))" ;;
	O4) [ "$OVS_CT" = ct ] && check "$([ $((v1 - v0)) -gt 0 ] && echo 1 || echo 0)" \
		"TCP bulk through OVS ct(): established packets took the +est flows ($((v1 - v0)))" ;;
	esac
	if [ "$var" = v6-big ] && [ "$p1" -gt "$p0" ]; then
		say info "tcp-frame-$sys" "$(((b1 - b0) / (p1 - p0))) bytes per frame at h${x}a, round $r"
	fi
	return 0
}

# tcp_send X KB OUT: iperf3 -c through X for KB kilobytes, on CPU 0,
# its output in OUT; iperf3's exit status.
tcp_send() {
	local x=$1 kb=$2 sys var i addr
	read -r sys var i < <(tcp_conf "$x")
	addr=10.9.$i.2
	[ "${x:1}" = 6 ] && addr=fd09:$i::2
	taskset -c 0 $IP netns exec "t${x}a" timeout 300 $IPERF -c "$addr" \
		-p $TCP_PORT -n "${kb}K" -i 0 -f k >"$3" 2>&1
}

# The sender's retransmissions in iperf3's output OUT.
tcp_retr() { awk '/sender$/ { r = $(NF - 1) } END { print r + 0 }' "$1"; }

# job_tcp_insn X ROUND: the instructions boot's two windows through X
# (see the header).  Nothing but the marks and iperf3 -c runs in a
# window; the port's counters are read between them.
job_tcp_insn() {
	local x=$1 r=$2 sys var i small big m p0 b0 p1 b1 p2 b2 rc1=0 rc2=0 v0 v1
	read -r sys var i < <(tcp_conf "$x")
	read -r small big <<<"$TCP_INSN_KB"
	MARKS=$((MARKS + 1))
	m=m$MARKS
	tcp_send "$x" 256 "$W/tcp.$x.0" || note "iperf3 -n 256K through $x: $(tail -n 1 "$W/tcp.$x.0")"
	v0=$(tcp_evidence "$x")
	p0=$(tcp_hstat "$x" rx_packets)
	b0=$(tcp_hstat "$x" rx_bytes)
	$INSNMARK "$m.1" || die "insnmark"
	tcp_send "$x" "$small" "$W/tcp.$x.1" || rc1=$?
	$INSNMARK "$m.2"
	p1=$(tcp_hstat "$x" rx_packets)
	b1=$(tcp_hstat "$x" rx_bytes)
	$INSNMARK "$m.3"
	tcp_send "$x" "$big" "$W/tcp.$x.2" || rc2=$?
	$INSNMARK "$m.4"
	p2=$(tcp_hstat "$x" rx_packets)
	b2=$(tcp_hstat "$x" rx_bytes)
	v1=$(tcp_evidence "$x")
	if [ "$rc1" = 0 ] && [ "$rc2" = 0 ]; then
		say insntcpwin "$sys" "$var" 0 0 "$r" $(((b1 - b0) / 1024)) $(((b2 - b1) / 1024)) "$m"
	else
		note "iperf3 -n through $x, round $r: exit $rc1 and $rc2: no figure"
		note "$(tail -n 3 "$W/tcp.$x.1" "$W/tcp.$x.2")"
	fi
	say tcpinsn "$sys" "$var" "$r" $((p1 - p0)) $((b1 - b0)) $((p2 - p1)) $((b2 - b1)) \
		"$(tcp_retr "$W/tcp.$x.1")" "$(tcp_retr "$W/tcp.$x.2")"
	# (iperf3 -n ends when the client has written its data: a window's
	# last few hundred KB may cross the port in the next one.)
	check "$([ "$rc1" = 0 ] && [ "$rc2" = 0 ] &&
		[ $((b2 - b0)) -ge $(((small + big) * 1024)) ] && echo 1 || echo 0)" \
		"TCP bulk through $sys ($var), instructions boot: iperf3 -n ${small}K and ${big}K cross h${x}a ($((b1 - b0)) and $((b2 - b1)) bytes)"
	case $x in
	S*) check "$([ $((v1 - v0)) -ge $((p2 - p0)) ] && echo 1 || echo 0)" \
		"TCP bulk through segfilter ($var), instructions boot: rule 1 counted the connections' packets ($((v1 - v0)), the client's alone $((p2 - p0)))" ;;
	esac
	return 0
}

tcp_jobs() {
	local x
	if [ "$INSN" = 1 ]; then
		[ "$TCP_INSN" = 1 ] || return 0
		for x in S4 B4 S6 B6; do
			echo "job_tcp_insn $x"
		done
		return 0
	fi
	for x in S4 B4 N4 O4 S6 B6; do
		echo "job_tcp $x"
	done
}
