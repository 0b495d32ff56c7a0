# SPDX-License-Identifier: GPL-2.0
#
# The conntrack anchor (issue 19, items 1 to 3): segfilter's flow table
# against netfilter conntrack, as nftables on a bridge and as Open
# vSwitch's ct() use it, on established flows and on new connections.
#
# Every configuration X lives in a network namespace of its own, nX:
# conntrack, once an nftables ct expression or an OVS ct() action asks
# for it, hooks every bridge and every IPv4 packet of its namespace, and
# neither the references of the other parts nor the other
# configurations may pay for it (nor see each other's entries).
# pktgen stays where it is (it sends in the initial namespace); only the
# hook's ends move:
#
#   pktgen -> aX ==veth== bX [nX: hook] cX ==veth== dX (counted)
#
# Systems (for each count N of flows):
#   segfilter  a domain of its own, rule src -> dst udp 100-163 (its flow
#              table: one entry per flow)
#   nft-ct     a bridge with an nftables bridge table: ct state
#              established,related accept; ct state new and (saddr,
#              daddr, protocol, port) in a set: accept; else drop
#   ovs-ct     a datapath programmed with ovs-dpctl in Neutron's OVS
#              firewall shape: ct(zone), recirc; +trk+est out; +trk+new
#              ct(commit) and out; the same for the replies
#
# N flows are the pairs (source port, destination port) of S source
# ports and D destination ports, S * D = N, S odd and D a power of two:
# pktgen steps both by one each frame, so any N frames in a row carry
# each pair once.  Before the rounds, a warm-up sends every flow one
# way and then back (from dX), so that each is established (conntrack
# has seen the reply; segfilter's flow is answered); the rounds then
# check that no frame they measure made a flow (segfilter's
# flows_created, the set rule's counter, OVS's commit flow).  A round
# sends from the start of the cycle again: with a 2 s measurement the
# first 30k-150k flows of the N carry the frames, from a table that
# holds all N.  Each config's own addresses (10.4S.I.1 -> 10.4S.I.2)
# keep the conntrack entries of one config apart from another's.
#
# Connection setup: for each of bridge (no filter), segfilter, nft-ct
# and ovs-ct, a client namespace and a server namespace on the two
# ports; tests/tools/connrate opens TCP connections one after the other
# (client and server on CPU 0).  The flood jobs: a second tenant floods
# SYNs (tests/tools/flood, on CPU 1) while the first tenant's connrate
# runs, against the same without the flood; for segfilter at the
# flooding domain's flow limit, and for comparison the same flood
# through a bridge (no filter) and through nft-ct (a conntrack entry per
# SYN), each next to its own system's tenant: what the flood's frames
# take from CPU 0 and from the emulator anyway, without a flow table.
#
# In the instructions boot (BENCH_INSN=1, run.sh --insn) the part runs
# only the connection and flood jobs, and counts instead of timing them:
# a loop of bash's /dev/tcp opens CT_INSN_CONNS connections (two
# windows, as measure_insn's frames) between the marks of insnmark, and
# tests/bench/insn/pair.py makes "BENCH insnconn SYSTEM VARIANT 0 0
# ROUND CONNS INSNS" of them: CPU 0's instructions per connection
# (VARIANT conn, or quiet and flood), which the flood on CPU 1 moves
# only by what its handling runs on CPU 0.  BENCH_INSN_CT_COUNTS (e.g.
# "1 100000", default empty) brings back the flow jobs at those counts:
# measure_insn's two windows of frames over the established flows
# (ct_measure_insn), which pair.py makes "BENCH insn" lines of.
#
# Output: BENCH pkt lines (system nft-ct/ovs-ct, variant fwd, one flow;
# variant flows, RULES = N, ENDPOINTS = 2), and
#   BENCH ctnew SYSTEM N ROUND NEW HELD flows made during a measurement,
#                                       flows the table held after it
#   BENCH ctmem SYSTEM N COUNT BYTES slab=. percpu=. vmalloc=. object=.
#                                       memory of N established flows
#                                       (COUNT: the table's count)
#   BENCH conn SYSTEM VARIANT ROUND RATE CONNS FAILED MEDIAN_US MAX_US
#                                       connections per second
#   BENCH ctfloodsent SYSTEM ROUND SENT SECS
#                                       SYNs the flood sent meanwhile
#   BENCH insnconnwin SYSTEM VARIANT 0 0 ROUND CONNS1 CONNS2 M
#                                       the instructions boot's windows
#   BENCH insnwin SYSTEM flows N 2 ROUND FRAMES1 FRAMES2 M
#                                       the same, of frames over N flows
# (tests/bench/report_ct.py).

BENCH_PARTS+=(conntrack)
declare -A CT_WARM=()

CT_PORT=5000
# The flows' destination ports, CT_UDP and up (at most 64 of them):
# above 67 and 68, which segfilter takes as DHCP (dropped or answered,
# no flow), as 9-72 did: 2 of the 64 ports of a million flows.
CT_UDP=100
CT_FLOOD_LIMIT=1000
CONNRATE=/usr/sbin/connrate
FLOOD=/usr/sbin/flood
if [ "$QUICK" = 1 ]; then
	CT_COUNTS="1000"
	CT_INSN_CONNS="20 100"
else
	CT_COUNTS="1 1000 100000 1000000"
	CT_INSN_CONNS="100 600"
fi
# The instructions boot counts connections, and established flows only
# at the counts BENCH_INSN_CT_COUNTS names (e.g. "1 100000"; default
# none): their warm-up alone takes minutes under the plugin.
[ "$INSN" = 1 ] && CT_COUNTS=${BENCH_INSN_CT_COUNTS:-}

# cx X CMD...: CMD in config X's namespace.
cx() {
	local x=$1
	shift
	$IP netns exec "n$x" "$@"
}

# The index of a count, and the pktgen ranges of its flows.
ct_idx() {
	case $1 in
	1) echo 0 ;; 1000) echo 1 ;; 100000) echo 2 ;; 1000000) echo 3 ;;
	*) echo 9 ;;
	esac
}

ct_ranges() {
	local n=$1 d=1
	while [ $((n % (d * 2))) = 0 ] && [ $((d * 2)) -le 64 ]; do
		d=$((d * 2))
	done
	echo "$((n / d)) $d"
}

# ct_letter SYSTEM: S, N or O; ct_net SYSTEM: the second octet.
ct_letter() {
	case $1 in segfilter) echo S ;; nft-ct) echo N ;; ovs-ct) echo O ;; esac
}

ct_net() {
	case $1 in segfilter) echo 40 ;; nft-ct) echo 41 ;; ovs-ct) echo 42 ;; esac
}

# ct_ports X: aX and dX here, bX and cX in namespace nX.
ct_ports() {
	local x=$1
	$IP netns add "n$x" || die "namespace n$x"
	cx "$x" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	cx "$x" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	cx "$x" sysctl -qw net.netfilter.nf_conntrack_udp_timeout=3600 2>/dev/null
	cx "$x" sysctl -qw net.netfilter.nf_conntrack_udp_timeout_stream=3600 2>/dev/null
	pair "a$x" "b$x"
	pair "c$x" "d$x"
	$IP link set "b$x" netns "n$x" || die "b$x into n$x"
	$IP link set "c$x" netns "n$x" || die "c$x into n$x"
	cx "$x" $IP link set "b$x" up
	cx "$x" $IP link set "c$x" up
}

# The nftables table of bridge brX: established passes, new connections
# only if the set holds them.  NEW counts the packets of new ones.
ct_nft() {
	local x=$1 src=$2 dst=$3
	cx "$x" $NFT -f - <<-EOF || die "nft: table bridge ct_$x"
	table bridge ct_$x {
	 counter opened {}
	 set allowed {
	  type ipv4_addr . ipv4_addr . inet_proto . inet_service
	  flags interval
	  elements = { $src . $dst . udp . $CT_UDP-$((CT_UDP + 63)), $src . $dst . tcp . $CT_PORT }
	 }
	 chain fw {
	  type filter hook forward priority 0; policy drop;
	  ct state established,related accept
	  ether type arp accept
	  ct state new ip saddr . ip daddr . meta l4proto . th dport @allowed counter name opened accept
	 }
	}
	EOF
}

ct_bridge() {
	local x=$1
	cx "$x" $IP link add "br$x" type bridge || die "bridge br$x"
	cx "$x" $IP link set "b$x" master "br$x"
	cx "$x" $IP link set "c$x" master "br$x"
	cx "$x" $IP link set "br$x" up
}

# ct_ovs X ZONE: datapath dpX, bX port 1 and cX port 2, Neutron's OVS
# firewall shape in datapath flows.
ct_ovs() {
	local x=$1 z=$2 dp=dp$1 f
	cx "$x" $DPCTL add-dp "$dp" || die "ovs-dpctl add-dp $dp"
	cx "$x" $DPCTL add-if "$dp" "b$x" || die "ovs-dpctl add-if b$x"
	cx "$x" $DPCTL add-if "$dp" "c$x" || die "ovs-dpctl add-if c$x"
	for f in \
		"recirc_id(0),in_port(1),eth(src=$SRC_MAC,dst=$DST_MAC),eth_type(0x0800),ipv4(frag=no) ct(zone=$z),recirc(1)" \
		"recirc_id(1),in_port(1),ct_state(+est+trk),eth(src=$SRC_MAC,dst=$DST_MAC),eth_type(0x0800),ipv4(frag=no) 2" \
		"recirc_id(1),in_port(1),ct_state(+new+trk),eth(src=$SRC_MAC,dst=$DST_MAC),eth_type(0x0800),ipv4(frag=no) ct(commit,zone=$z),2" \
		"recirc_id(0),in_port(2),eth(src=$DST_MAC,dst=$SRC_MAC),eth_type(0x0800),ipv4(frag=no) ct(zone=$z),recirc(2)" \
		"recirc_id(2),in_port(2),ct_state(+est+trk),eth(src=$DST_MAC,dst=$SRC_MAC),eth_type(0x0800),ipv4(frag=no) 1"; do
		# shellcheck disable=SC2086 # the flow, then its actions
		cx "$x" $DPCTL add-flow "$dp" $f || die "ovs-dpctl add-flow $dp $f"
	done
	# ARP both ways, as Neutron lets it through (the namespaces here
	# have static neighbours, so these see nothing in the bench).
	for f in \
		"recirc_id(0),in_port(1),eth(src=$SRC_MAC,dst=ff:ff:ff:ff:ff:ff),eth_type(0x0806),arp() 2" \
		"recirc_id(0),in_port(2),eth(src=$DST_MAC,dst=$SRC_MAC),eth_type(0x0806),arp() 1"; do
		# shellcheck disable=SC2086 # the flow, then its actions
		cx "$x" $DPCTL add-flow "$dp" $f || note "ovs-dpctl add-flow $dp $f refused"
	done
}

# ct_seg X ID SRC DST [LIMIT]: a segfilter domain on bX/cX.
ct_seg() {
	local x=$1 id=$2 src=$3 dst=$4 limit=${5:-1048576}
	cat >"$W/ct$x.setup" <<-EOF
	domain add ct$x id $id default deny flow-limit $limit
	group add src id 1 domain ct$x
	group add dst id 2 domain ct$x
	port attach b$x domain ct$x
	port attach c$x domain ct$x
	endpoint add $SRC_MAC domain ct$x group src port b$x ip $src
	endpoint add $DST_MAC domain ct$x group dst port c$x ip $dst
	rule add id 1 domain ct$x from src to dst proto udp port $CT_UDP-$((CT_UDP + 63)) action allow
	rule add id 2 domain ct$x from src to dst proto tcp port $CT_PORT action allow
	EOF
	cx "$x" $SEGCTL -b "$W/ct$x.setup" >/dev/null || die "segctl -b $W/ct$x.setup"
}

ct_domain_flows() {
	cx "$1" $SEGCTL -j domain show "ct$1" | sed -n 's/.*"flows":\([0-9]*\).*/\1/p'
}

ct_domain_stat() {
	local v
	v=$(cx "$1" $SEGCTL stats domain "ct$1" | tr ' \t' '\n\n' |
		awk -v k="$2" 'prev == k { print; exit } { prev = $0 }')
	echo "${v:-0}"
}

ct_count() { cx "$1" cat /proc/sys/net/netfilter/nf_conntrack_count; }

# ct_new SYSTEM X: how many packets opened a connection so far.
ct_new() {
	case $1 in
	segfilter) ct_domain_stat "$2" flows_created ;;
	nft-ct)
		cx "$2" $NFT list counter bridge "ct_$2" opened |
			sed -n 's/.*packets \([0-9]*\).*/\1/p' ;;
	ovs-ct|ovs)
		cx "$2" $DPCTL dump-flows "dp$2" |
			awk '/commit/ { for (i = 1; i <= NF; i++) if ($i ~ /^packets:/) {
				sub(/^packets:/, "", $i); sub(/,$/, "", $i); s += $i } }
			     END { print s + 0 }' ;;
	*) echo 0 ;;
	esac
}

# ct_pg DEV SMAC DMAC SIP DIP SPORT S DPORT D: pktgen on DEV, S source
# ports from SPORT and D destination ports from DPORT.
ct_pg() {
	local dev=$1 smac=$2 dmac=$3 sip=$4 dip=$5 sp=$6 s=$7 dport=$8 d=$9
	PG_DMAC=$dmac PG_DIP=$dip pg_setup "$dev" "$smac" "$sip"
	pg "$dev" "udp_src_min $sp"
	pg "$dev" "udp_src_max $((sp + s))"
	pg "$dev" "udp_dst_min $dport"
	pg "$dev" "udp_dst_max $((dport + d))"
}

# ct_config SYSTEM N: ports, hook and warm-up of N flows.
ct_config() {
	local sys=$1 n=$2 i x net src dst s d z
	i=$(ct_idx "$n")
	x=K$(ct_letter "$sys")$i
	net=$(ct_net "$sys")
	src=10.$net.$i.1
	dst=10.$net.$i.2
	ct_ports "$x"
	case $sys in
	segfilter) ct_seg "$x" $((120 + i)) "$src" "$dst" ;;
	nft-ct)
		ct_bridge "$x"
		cx "$x" $BRIDGE fdb add "$DST_MAC" dev "c$x" master static
		cx "$x" $BRIDGE fdb add "$SRC_MAC" dev "b$x" master static
		ct_nft "$x" "$src" "$dst" ;;
	ovs-ct) z=$((10 + i)); ct_ovs "$x" "$z" ;;
	esac
	read -r s d < <(ct_ranges "$n")
	CT_WARM[$x]=0
	ct_warm "$sys" "$n" "$x" "$src" "$dst" "$s" "$d" full
}

# The flows of a config, in the table it keeps them in.
ct_held() {
	case $1 in
	segfilter) ct_domain_flows "$2" ;;
	*) ct_count "$2" ;;
	esac
}

# ct_warm SYSTEM N X SRC DST S D full|refresh: every flow one way, then
# back.  full: all N (until the table holds them), with the memory they
# took; refresh: every flow once more, so that none expires (conntrack's
# are set to an hour: from the far end after 1800 s).  segfilter's
# answered UDP flows live 180 s idle, a fixed timeout, and the set-up
# of a million flows or a round can take longer than that: after 100 s
# both ways again, so that a flow gone meanwhile is made and answered
# before the measurement, not by it.
ct_warm() {
	local sys=$1 n=$2 x=$3 src=$4 dst=$5 s=$6 d=$7 how=$8
	local c0 held want tries=0 m0 obj age=1800
	if [ "$how" = refresh ]; then
		[ "$sys" = segfilter ] && age=100
		[ $((SECONDS - ${CT_WARM[$x]})) -ge "$age" ] || return 0
		if [ "$sys" = segfilter ]; then
			ct_pg "a$x" "$SRC_MAC" "$DST_MAC" "$src" "$dst" 1024 "$s" "$CT_UDP" "$d"
			pg "a$x" "count $n"
			echo start >"$PG/pgctrl"
			settle stat_of "d$x" rx_packets
		fi
		ct_pg "d$x" "$DST_MAC" "$SRC_MAC" "$dst" "$src" "$CT_UDP" "$d" 1024 "$s"
		pg "d$x" "count $n"
		echo start >"$PG/pgctrl"
		settle stat_of "a$x" rx_packets
		CT_WARM[$x]=$SECONDS
		return 0
	else
		settle ct_held "$sys" "$x"
		read -r -a m0 < <(kmem)
		c0=$(ct_held "$sys" "$x")
	fi
	while :; do
		ct_pg "a$x" "$SRC_MAC" "$DST_MAC" "$src" "$dst" 1024 "$s" "$CT_UDP" "$d"
		pg "a$x" "count $n"
		echo start >"$PG/pgctrl"
		ct_pg "d$x" "$DST_MAC" "$SRC_MAC" "$dst" "$src" "$CT_UDP" "$d" 1024 "$s"
		pg "d$x" "count $n"
		echo start >"$PG/pgctrl"
		settle stat_of "a$x" rx_packets
		held=$(($(ct_held "$sys" "$x") - c0))
		want=$(((n * 999 + 999) / 1000))
		tries=$((tries + 1))
		[ "$held" -lt "$want" ] && [ "$tries" -lt 3 ] || break
		note "$sys: $held of $n flows after pass $tries"
	done
	CT_WARM[$x]=$SECONDS
	check "$([ "$held" -ge "$want" ] && echo 1 || echo 0)" \
		"$sys: the warm-up makes $n flows ($held)"
	case $sys in
	segfilter) obj=$(slab_object segf_flow) ;;
	*) obj=$(slab_object nf_conntrack) ;;
	esac
	mem_report x 1 "${m0[@]}" | {
		read -r _ _ _ _ total rest
		say ctmem "$sys" "$n" "$held" "$total" $rest "object=${obj:-0}"
	}
}

# ct_measure SYSTEM N ROUND: the N established flows, through the hook.
ct_measure() {
	local sys=$1 n=$2 r=$3 i x net src dst s d c0 c1 c2 e0 e1 new0 new1
	local res us sent var=flows rules=$2 eps=2
	i=$(ct_idx "$n")
	x=K$(ct_letter "$sys")$i
	net=$(ct_net "$sys")
	src=10.$net.$i.1
	dst=10.$net.$i.2
	read -r s d < <(ct_ranges "$n")
	ct_warm "$sys" "$n" "$x" "$src" "$dst" "$s" "$d" refresh
	# One flow of nftables or OVS: their row next to the bridge's.
	if [ "$n" = 1 ] && [ "$sys" != segfilter ]; then
		var=fwd rules=0 eps=0
	fi
	ct_pg "a$x" "$SRC_MAC" "$DST_MAC" "$src" "$dst" 1024 "$s" "$CT_UDP" "$d"
	settle stat_of "d$x" rx_packets
	c0=$(stat_of "d$x" rx_packets)
	e0=$(cx "$x" cat "/sys/class/net/b$x/statistics/rx_packets")
	new0=$(ct_new "$sys" "$x")
	if [ "$INSN" = 1 ]; then
		ct_measure_insn "$sys" "$var" "$rules" "$eps" "$r" "$x"
	else
		echo start >"$PG/pgctrl" &
		local pg_pid=$!
		sleep "$SECS"
		echo stop >"$PG/pgctrl"
		wait "$pg_pid"
		c1=$(stat_of "d$x" rx_packets)
		res=$(grep 'Result:' "$PG/a$x")
		us=$(echo "$res" | sed -n 's/.*OK: \([0-9]*\)(.*/\1/p')
		sent=$(echo "$res" | sed -n 's/.*usec, \([0-9]*\) (.*/\1/p')
		[ -n "$us" ] && [ -n "$sent" ] || { note "no pktgen result for a$x: $res"; us=0 sent=0; }
		say pkt "$sys" "$var" "$rules" "$eps" "$r" "$us" $((c1 - c0)) "$sent"
	fi
	settle stat_of "d$x" rx_packets
	c2=$(stat_of "d$x" rx_packets)
	e1=$(cx "$x" cat "/sys/class/net/b$x/statistics/rx_packets")
	new1=$(ct_new "$sys" "$x")
	say ctnew "$sys" "$n" "$r" $((new1 - new0)) "$(ct_held "$sys" "$x")"
	check "$([ $((c2 - c0)) -gt 0 ] && [ $(((c2 - c0) * 100)) -ge $(((e1 - e0) * 99)) ] &&
		echo 1 || echo 0)" "$sys, $n flows: the frames reach d$x ($((c2 - c0)) of $((e1 - e0)))"
	check "$([ $((new1 - new0)) = 0 ] && echo 1 || echo 0)" \
		"$sys, $n flows: every frame measured was of an established flow ($((new1 - new0)) new)"
}

# ct_measure_insn SYSTEM VARIANT RULES EPS ROUND X: measure_insn's two
# windows over the flows of config X, pktgen already set up on aX by
# ct_measure (its port ranges, which measure_insn's pg_setup would
# reset; and bX, whose rx_packets measure_check reads, is in nX).
# Prints "BENCH insnwin SYSTEM VARIANT RULES EPS ROUND F1 F2 MARK" for
# tests/bench/insn/pair.py; ct_measure checks the frames afterwards.
ct_measure_insn() {
	local sys=$1 var=$2 rules=$3 eps=$4 r=$5 x=$6 small big m s1 s2 c0 c1 c2
	read -r small big <<<"$INSN_FRAMES"
	MARKS=$((MARKS + 1))
	m=m$MARKS
	c0=$(stat_of "d$x" rx_packets)
	pg "a$x" "count $small"
	$INSNMARK "$m.1" || die "insnmark"
	echo start >"$PG/pgctrl"
	$INSNMARK "$m.2"
	s1=$(pg_sent "a$x")
	settle stat_of "d$x" rx_packets
	c1=$(stat_of "d$x" rx_packets)
	pg "a$x" "count $big"
	$INSNMARK "$m.3"
	echo start >"$PG/pgctrl"
	$INSNMARK "$m.4"
	s2=$(pg_sent "a$x")
	settle stat_of "d$x" rx_packets
	c2=$(stat_of "d$x" rx_packets)
	if [ "$s1" = "$small" ] && [ "$s2" = "$big" ]; then
		say insnwin "$sys" "$var" "$rules" "$eps" "$r" $((c1 - c0)) $((c2 - c1)) "$m"
	else
		note "$sys $rules flows round $r: pktgen sent $s1 and $s2 frames, not $small and $big: no figure"
	fi
}

job_ct_flows() { ct_measure "$@"; }

# ---- connection setup ----

# ct_conn_config SYSTEM X: namespaces clX (10.0.0.1 on aX) and svX
# (10.0.0.2 on dX, connrate serve), the hook on bX/cX in nX.
ct_conn_config() {
	local sys=$1 x=$2 ns
	ct_ports "$x"
	for ns in "cl$x" "sv$x"; do
		$IP netns add "$ns" || die "namespace $ns"
		$IP netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		$IP netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		$IP -n "$ns" link set lo up
	done
	$IP link set "a$x" netns "cl$x"
	$IP link set "d$x" netns "sv$x"
	$IP -n "cl$x" link set "a$x" address "$SRC_MAC" up
	$IP -n "sv$x" link set "d$x" address "$DST_MAC" up
	$IP -n "cl$x" addr add 10.0.0.1/24 dev "a$x"
	$IP -n "cl$x" neigh replace 10.0.0.2 dev "a$x" lladdr "$DST_MAC" nud permanent
	case $sys in
	flood*)
		# The server's port has no address for a flood: SYNs die there.
		;;
	*)
		$IP -n "sv$x" addr add 10.0.0.2/24 dev "d$x"
		$IP -n "sv$x" neigh replace 10.0.0.1 dev "d$x" lladdr "$SRC_MAC" nud permanent ;;
	esac
	case $sys in
	bridge) ct_bridge "$x" ;;
	segfilter) ct_seg "$x" 130 10.0.0.1 10.0.0.2 ;;
	flood)
		ct_seg "$x" 131 10.0.0.1 10.0.0.2 "$CT_FLOOD_LIMIT"
		cx "$x" $SEGCTL rule add id 3 domain "ct$x" from src to dst proto tcp port 80 action allow >/dev/null ||
			die "segctl: the flood's rule" ;;
	flood-bridge) ct_bridge "$x" ;;
	flood-nft-ct)
		# A conntrack entry for every SYN (let through, as segfilter's
		# flood rule does); SYN_SENT entries live 10 s, not 120, so
		# that the rounds' floods do not pile up millions.
		ct_bridge "$x"
		ct_nft "$x" 10.0.0.1 10.0.0.2
		cx "$x" $NFT add element bridge "ct_$x" allowed "{ 10.0.0.1 . 10.0.0.2 . tcp . 80 }" ||
			die "nft: the flood's element"
		cx "$x" sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_syn_sent=10 ||
			die "nf_conntrack_tcp_timeout_syn_sent in n$x" ;;
	nft-ct) ct_bridge "$x"; ct_nft "$x" 10.0.0.1 10.0.0.2 ;;
	ovs-ct) ct_ovs "$x" 30 ;;
	esac
	case $sys in flood*) return 0 ;; esac
	# Not a child of ours: measure()'s wait must not wait for it.
	(taskset -c 0 $IP netns exec "sv$x" $CONNRATE serve "$CT_PORT" >/dev/null 2>&1 &)
}

# ct_connrate X: "rate conns failed median_us max_us" of one run.
ct_connrate() {
	taskset -c 0 $IP netns exec "cl$1" $CONNRATE connect -t "$SECS" -w 1000 10.0.0.2 "$CT_PORT" |
		awk '{ print $8, $2, $4, $10, $14 }'
}

# ct_conn_x SYSTEM: the connection config of SYSTEM.
ct_conn_x() {
	case $1 in
	bridge) echo KCB ;; segfilter) echo KCS ;; nft-ct) echo KCN ;; ovs-ct) echo KCO ;;
	esac
}

job_ct_conn() {
	local sys=$1 r=$2 x new0 new1 rate conns failed med max
	x=$(ct_conn_x "$sys")
	if [ "$INSN" = 1 ]; then
		ct_conn_insn "$sys" "$x" "$r"
		return
	fi
	new0=$(ct_new "$sys" "$x")
	read -r rate conns failed med max < <(ct_connrate "$x")
	new1=$(ct_new "$sys" "$x")
	say conn "$sys" new "$r" "${rate:-0}" "${conns:-0}" "${failed:-0}" "${med:-0}" "${max:-0}"
	check "$([ "${conns:-0}" -gt 0 ] && [ "${failed:-1}" = 0 ] && echo 1 || echo 0)" \
		"$sys: connrate completes connections (${conns:-0}, ${failed:-?} failed)"
	[ "$sys" = bridge ] && return 0
	check "$([ $((new1 - new0)) -ge "${conns:-1}" ] && echo 1 || echo 0)" \
		"$sys: each connection was judged as new ($((new1 - new0)) for ${conns:-0})"
}

# ct_conn_insn SYSTEM X ROUND [VARIANT]: the instructions boot's
# connection loop (VARIANT: conn, or the flood job's quiet and flood).
# One bash in the client's namespace, on CPU 0 (where the server, the
# softirqs of both veth pairs and the hook run too): a mark, SMALL
# connections, a mark; a mark, BIG connections, a mark.  Each connection
# is bash's /dev/tcp (socket, blocking connect, close: no fork, the same
# for every system); pair.py takes the first window from the second, so
# that only BIG - SMALL connections remain, with the bash loop's own
# instructions, which the bridge has too.
ct_conn_insn() {
	local sys=$1 x=$2 r=$3 var=${4:-conn} small big m new0 new1 rc=0
	read -r small big <<<"$CT_INSN_CONNS"
	MARKS=$((MARKS + 1))
	m=m$MARKS
	new0=$(ct_new "$sys" "$x")
	# shellcheck disable=SC2016 # expanded by the inner bash
	taskset -c 0 $IP netns exec "cl$x" /bin/bash -c '
		conns() {
			local i
			for ((i = 0; i < $1; i++)); do
				exec 3<>"/dev/tcp/10.0.0.2/$2" || exit 1
				exec 3<&-
			done
		}
		"$1" "$2.1" || exit 2
		conns "$3" "$5"
		"$1" "$2.2"
		"$1" "$2.3"
		conns "$4" "$5"
		"$1" "$2.4"' ct_conn_insn "$INSNMARK" "$m" "$small" "$big" "$CT_PORT" || rc=$?
	new1=$(ct_new "$sys" "$x")
	if [ "$rc" = 0 ]; then
		say insnconnwin "$sys" "$var" 0 0 "$r" "$small" "$big" "$m"
	else
		note "$sys round $r: the connection loop failed ($rc): no figure"
	fi
	check "$([ "$rc" = 0 ] && echo 1 || echo 0)" \
		"$sys, $var: the instructions boot's $((small + big)) connections complete"
	[ "$sys" = bridge ] && return 0
	check "$([ $((new1 - new0)) -ge $((small + big)) ] && echo 1 || echo 0)" \
		"$sys: each counted connection was judged as new ($((new1 - new0)) for $((small + big)))"
}

# ct_flood_held SYSTEM: what the flooding tenant's table holds.
ct_flood_held() {
	case $1 in
	segfilter) ct_domain_flows KCF ;;
	nft-ct) ct_count KFN ;;
	bridge) stat_of_ns svKFB dKFB rx_packets ;;
	esac
}

stat_of_ns() { $IP netns exec "$1" cat "/sys/class/net/$2/statistics/$3"; }

# job_ct_flood SYSTEM ROUND: SYSTEM's tenant (KCS, KCB, KCN) opens
# connections while a tenant of the same system floods SYNs from CPU 1
# (KCF, segfilter at its flow limit; KFB, a bridge; KFN, nft-ct); and
# the same without the flood, in either order.
job_ct_flood() {
	local sys=$1 r=$2 v pid f0 h0 held ev0 ev1 rate conns failed med max x sent secs fx want
	x=$(ct_conn_x "$sys")
	case $sys in segfilter) fx=KCF ;; bridge) fx=KFB ;; nft-ct) fx=KFN ;; esac
	for v in $([ $((r % 2)) = 0 ] && echo "quiet flood" || echo "flood quiet"); do
		if [ "$v" = flood ]; then
			[ "$sys" = segfilter ] && ev0=$(ct_domain_stat KCF flows_evicted)
			h0=$(ct_flood_held "$sys")
			taskset -c 1 $IP netns exec "cl$fx" $FLOOD -r 1000000 -n 1000000000 \
				-t $((INSN == 1 ? 300 : SECS + 5)) syn 10.0.0.1 10.0.0.2 >"$W/flood.$fx" &
			pid=$!
			sleep 1
		fi
		f0=$(ct_new "$sys" "$x")
		if [ "$INSN" = 1 ]; then
			# CPU 0's instructions per connection, the flood on CPU 1.
			ct_conn_insn "$sys" "$x" "$r" "$v"
			conns=$((${CT_INSN_CONNS// /+}))
		else
			read -r rate conns failed med max < <(ct_connrate "$x")
			say conn "$sys" "$v" "$r" "${rate:-0}" "${conns:-0}" "${failed:-0}" "${med:-0}" "${max:-0}"
			check "$([ "${conns:-0}" -gt 0 ] && [ "${failed:-1}" = 0 ] && echo 1 || echo 0)" \
				"$sys, $v: the other tenant completes connections (${conns:-0}, ${failed:-?} failed)"
		fi
		[ "$v" = flood ] || continue
		held=$(ct_flood_held "$sys")
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		read -r _ sent _ secs <"$W/flood.$fx"
		say ctfloodsent "$sys" "$r" "${sent:-0}" "${secs:-0}"
		case $sys in
		segfilter)
			ev1=$(ct_domain_stat KCF flows_evicted)
			say ctflood "$r" "${held:-0}" $((ev1 - ev0)) $(($(ct_new segfilter KCS) - f0))
			check "$([ "${held:-0}" -ge $((CT_FLOOD_LIMIT * 9 / 10)) ] && [ $((ev1 - ev0)) -gt 0 ] &&
				echo 1 || echo 0)" \
				"segfilter, flood: the flooding tenant is at its flow limit (${held:-0} of $CT_FLOOD_LIMIT, $((ev1 - ev0)) evicted)" ;;
		bridge)
			settle stat_of_ns svKFB dKFB rx_packets
			held=$(ct_flood_held bridge)
			check "$([ "${sent:-0}" -gt 0 ] && [ $(((held - h0) * 10)) -ge $((${sent:-0} * 9)) ] &&
				echo 1 || echo 0)" \
				"bridge, flood: the SYNs cross the bridge ($((held - h0)) of ${sent:-0})" ;;
		nft-ct)
			# Random source ports: at most 65536 tuples, each an entry.
			want=$((${sent:-0} < 65536 ? ${sent:-0} : 65536))
			check "$([ "${sent:-0}" -gt 0 ] && [ $((held * 2)) -ge "$want" ] && echo 1 || echo 0)" \
				"nft-ct, flood: conntrack holds an entry per SYN's tuple (${held:-0} after ${sent:-0} SYNs)" ;;
		esac
	done
}

conntrack_setup() {
	local sys n
	# Room for a million flows and more in every table.
	echo 4194304 >/sys/module/segfilter/parameters/max_flows_per_netns ||
		die "max_flows_per_netns"
	sysctl -qw net.netfilter.nf_conntrack_max=4194304 || die "nf_conntrack_max"
	echo 1048576 >/sys/module/nf_conntrack/parameters/hashsize || die "conntrack hashsize"
	say info conntrack "hash $(cat /sys/module/nf_conntrack/parameters/hashsize) buckets, max $(sysctl -n net.netfilter.nf_conntrack_max)"
	for n in $CT_COUNTS; do
		for sys in segfilter nft-ct ovs-ct; do
			# Not the warm-up of flows that BENCH_JOBS leaves out.
			[ -z "$JOBS" ] || echo "job_ct_flows $sys $n" | grep -Eq -- "$JOBS" ||
				continue
			ct_config "$sys" "$n"
		done
	done
	ct_conn_config bridge KCB
	ct_conn_config segfilter KCS
	ct_conn_config nft-ct KCN
	ct_conn_config ovs-ct KCO
	if [ "$INSN" = 1 ]; then
		# The boot's first connections cost less than the later ones
		# (the first loop's first window draws on the CRNG: thousands
		# of chacha blocks, which the second window less the first
		# makes negative): connections through each before the rounds.
		for sys in bridge segfilter nft-ct ovs-ct; do
			ct_connrate "$(ct_conn_x "$sys")" >/dev/null
		done
	fi
	ct_conn_config flood KCF
	ct_conn_config flood-bridge KFB
	ct_conn_config flood-nft-ct KFN
}

conntrack_jobs() {
	local n sys
	for n in $CT_COUNTS; do
		for sys in segfilter nft-ct ovs-ct; do
			echo "job_ct_flows $sys $n"
		done
	done
	for sys in bridge segfilter nft-ct ovs-ct; do
		echo "job_ct_conn $sys"
	done
	for sys in segfilter bridge nft-ct; do
		echo "job_ct_flood $sys"
	done
}
