# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers shared by the selftests and the demo.  Sourced, never run.
#
# Model: the namespace the script runs in is the hypervisor; every VM or
# container is a network namespace whose eth0 is the far end of a veth
# (or of a tap, through tests/tools/tapwire) whose near end the
# hypervisor attaches to segfilter.

IP=${IP:-/sbin/ip}
SEGCTL=${SEGCTL:-segctl}
TOOLS=${TOOLS:-/usr/sbin}
SEGFILTER_KO=${SEGFILTER_KO:-/segfilter/segfilter.ko}

ksft_pass=0
ksft_fail=0
ksft_skip=0
OUT=$(mktemp)

# One line per check, kselftest style; the harness counts them.
pass() { printf 'TEST: %-64s [ OK ]\n' "$1"; ksft_pass=$((ksft_pass + 1)); }
skip() { printf 'TEST: %-64s [SKIP]\n' "$1"; ksft_skip=$((ksft_skip + 1)); }
fail()
{
	printf 'TEST: %-64s [FAIL]\n' "$1"
	ksft_fail=$((ksft_fail + 1))
	if [ -s "$OUT" ]; then
		sed 's/^/    | /' "$OUT" | tail -n 20
	fi
}

# check DESCRIPTION CMD...: CMD must succeed.
check()
{
	local desc=$1
	shift
	if "$@" >"$OUT" 2>&1; then pass "$desc"; else fail "$desc"; fi
}

# check_fails DESCRIPTION CMD...: CMD must fail.
check_fails()
{
	local desc=$1
	shift
	if "$@" >"$OUT" 2>&1; then fail "$desc"; else pass "$desc"; fi
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq()
{
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		echo "expected '$2', got '$3'" >"$OUT"
		fail "$1"
	fi
}

# check_ge DESCRIPTION MIN ACTUAL
check_ge()
{
	if [ "$3" -ge "$2" ] 2>/dev/null; then
		pass "$1"
	else
		echo "expected at least $2, got '$3'" >"$OUT"
		fail "$1"
	fi
}

# check_err DESCRIPTION ERRNO MESSAGE CMD...: CMD (nlsend or segctl)
# must fail, and its output name ERRNO (a number, for nlsend) and carry
# MESSAGE.
check_err()
{
	local desc=$1 errno=$2 msg=$3
	shift 3
	if "$@" >"$OUT" 2>&1; then
		fail "$desc"
	elif [ -n "$errno" ] && ! grep -q "error $errno:" "$OUT"; then
		fail "$desc"
	elif ! grep -qF -- "$msg" "$OUT"; then
		fail "$desc"
	else
		pass "$desc"
	fi
}

# Exit with the kselftest code of what was counted.
finish()
{
	printf '# %s: %d passed, %d failed, %d skipped\n' \
		"$(basename "$0")" "$ksft_pass" "$ksft_fail" "$ksft_skip"
	[ "$ksft_fail" -eq 0 ] || exit 1
	exit 0
}

# skip_on KERNEL WHY: the script exits 4 (skipped) on KERNEL, where it
# would check nothing that differs from the other kernels (make check's
# time is tight).
skip_on()
{
	[ "${SEGFILTER_KERNEL:-}" = "$1" ] || return 0
	echo "# $(basename "$0"): not run on $1: $2"
	exit 4
}

# on_debug: true on the debug kernel (KASAN, lockdep, kmemleak), where
# every script is CPU-bound and 3-5x slower.  Its run is there to take
# every path once under the sanitizers, not many times.
on_debug() { [ "${SEGFILTER_KERNEL:-}" = debug ]; }

# reps N M: prints N on stock kernels, M on the debug kernel.  For a loop
# that repeats one path; say at the loop why M still covers it, and
# count the checks that depend on it from the same variable.
reps() { if on_debug; then echo "$2"; else echo "$1"; fi; }

# Run a command in a namespace: n NS CMD...
n() { local ns=$1; shift; "$IP" netns exec "$ns" "$@"; }

# wait_for TRIES CMD...: poll every 0.1 s until CMD succeeds.
wait_for()
{
	local tries=$1
	shift
	while ! "$@" >/dev/null 2>&1; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.1
	done
}

module_load()
{
	grep -q '^segfilter ' /proc/modules || insmod "$SEGFILTER_KO"
}

module_unload()
{
	! grep -q '^segfilter ' /proc/modules || rmmod segfilter
}

# Every script starts from an empty configuration.
module_reload()
{
	module_unload && insmod "$SEGFILTER_KO"
}

# A fresh VM namespace with lo up, no IPv6 autoconfiguration and no
# duplicate address detection, so that addresses are usable at once and
# the guest sends nothing it was not asked to.
vm_ns()
{
	local ns=$1
	"$IP" netns add "$ns"
	n "$ns" "$IP" link set lo up
	n "$ns" sysctl -qw net.ipv6.conf.default.addr_gen_mode=1
	n "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0
	n "$ns" sysctl -qw net.ipv6.conf.default.router_solicitations=0
}

# Configure eth0 of VM namespace NS: vm_addr NS MAC IPV4 IPV6
vm_addr()
{
	local ns=$1 mac=$2 ip4=$3 ip6=$4
	n "$ns" "$IP" link set eth0 address "$mac"
	n "$ns" "$IP" addr add "$ip4/24" dev eth0
	n "$ns" "$IP" addr add "$ip6/64" dev eth0 nodad
	n "$ns" "$IP" link set eth0 up
}

# The hypervisor side of a port carries no IP traffic of its own.
host_port_up()
{
	local dev=$1 hns=${2:-}
	if [ -n "$hns" ]; then
		n "$hns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1"
		n "$hns" "$IP" link set "$dev" up
	else
		sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1"
		"$IP" link set "$dev" up
	fi
}

# tier_vm NS PORT MAC SUBNET [v6]: a VM namespace NS behind the veth PORT
# of this namespace, 10.1.SUBNET.10/24 routed by the domain's gateway
# (10.1.SUBNET.1), with "v6" also fd01:SUBNET::10/64 (gateway ::1).
tier_vm()
{
	local ns=$1 port=$2 mac=$3 s=$4 v6=${5:-}
	vm_ns "$ns"
	"$IP" link add "$port" type veth peer name eth0 netns "$ns"
	host_port_up "$port"
	n "$ns" "$IP" link set eth0 address "$mac"
	n "$ns" "$IP" addr add "10.1.$s.10/24" dev eth0
	[ -z "$v6" ] || n "$ns" "$IP" addr add "fd01:$s::10/64" dev eth0 nodad
	n "$ns" "$IP" link set eth0 up
	n "$ns" "$IP" route add default via "10.1.$s.1"
	[ -z "$v6" ] || n "$ns" "$IP" -6 route add default via "fd01:$s::1"
}

# quiet_ns NS: a namespace that sends nothing of its own: no IPv6 at all.
quiet_ns()
{
	"$IP" netns add "$1"
	n "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	n "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	n "$1" "$IP" link set lo up
}

# svc_ns NS DOMAIN [HOSTNS]: a quiet service namespace NS with eth0
# (left) and eth1 (right), whose far ends NS-l and NS-r, in HOSTNS or
# here, are attached to DOMAIN there as service ports.
svc_ns()
{
	local ns=$1 dom=$2 hns=${3:-} s i
	quiet_ns "$ns"
	for s in l r; do
		i=0
		[ $s = r ] && i=1
		if [ -n "$hns" ]; then
			n "$hns" "$IP" link add "$ns-$s" type veth peer \
				name "eth$i" netns "$ns"
		else
			"$IP" link add "$ns-$s" type veth peer name "eth$i" \
				netns "$ns"
		fi
		host_port_up "$ns-$s" "$hns" &&
		${hns:+n "$hns"} $SEGCTL port attach "$ns-$s" domain "$dom" \
			role service >/dev/null || return 1
	done
}

# svc_bridge NS: a transparent service, a bridge br0 between eth0 and
# eth1 of NS that learns nothing.
svc_bridge()
{
	local ns=$1 d
	n "$ns" "$IP" link add br0 type bridge
	for d in eth0 eth1; do
		n "$ns" "$IP" link set "$d" master br0
		n "$ns" "$IP" link set "$d" type bridge_slave learning off
		n "$ns" "$IP" link set "$d" up
	done
	n "$ns" "$IP" link set br0 up
}

# nft_counter NS FAMILY TABLE COUNTER: the packets of a named counter.
nft_counter()
{
	n "$1" /usr/sbin/nft list counter "$2" "$3" "$4" |
		sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

# vm_veth NS HOSTDEV MAC IPV4 IPV6 [HOSTNS]: a VM on a veth port.  The
# port is HOSTDEV in the hypervisor namespace (HOSTNS, or ours).
vm_veth()
{
	local ns=$1 dev=$2 mac=$3 ip4=$4 ip6=$5 hns=${6:-}
	vm_ns "$ns"
	if [ -n "$hns" ]; then
		n "$hns" "$IP" link add "$dev" type veth peer name eth0 netns "$ns"
	else
		"$IP" link add "$dev" type veth peer name eth0 netns "$ns"
	fi
	host_port_up "$dev" "$hns"
	vm_addr "$ns" "$mac" "$ip4" "$ip6"
}

# vm_tap NS HOSTDEV MAC IPV4 IPV6: a VM on a tap port, which tapwire
# connects to the VM namespace's own tap eth0.
vm_tap()
{
	local ns=$1 dev=$2 mac=$3 ip4=$4 ip6=$5
	vm_ns "$ns"
	"$TOOLS/tapwire" "$dev" "$ns" eth0 &
	TAPWIRE_PIDS="${TAPWIRE_PIDS:-} $!"
	wait_for 50 "$IP" link show "$dev" || return 1
	wait_for 50 n "$ns" "$IP" link show eth0 || return 1
	host_port_up "$dev"
	vm_addr "$ns" "$mac" "$ip4" "$ip6"
}

# Remove every namespace and tapwire the script made.
cleanup_vms()
{
	local ns pid
	for pid in ${TAPWIRE_PIDS:-}; do
		kill "$pid" 2>/dev/null || true
	done
	for ns in $("$IP" netns list | awk '{ print $1 }'); do
		# A process left in it (timeout(1) runs in a process group
		# of its own) would keep it, and its veths, for the next
		# script: a device name taken, a namespace without eth0.
		"$IP" netns pids "$ns" 2>/dev/null | xargs -r kill -KILL \
			2>/dev/null
		"$IP" netns del "$ns" 2>/dev/null || true
	done
	TAPWIRE_PIDS=
}

# counter STATS-ARGS... KEY: one counter of "segctl stats ARGS", by its
# name (rx_packets, forwarded, no_dest, ...); 0 when not shown.
counter()
{
	local key=${*: -1}
	local v
	v=$($SEGCTL stats "${@:1:$#-1}" | tr ' \t' '\n\n' |
		awk -v k="$key" 'prev == k { print; exit } { prev = $0 }')
	echo "${v:-0}"
}

# Count of ICMP echo requests a namespace has received.
in_echos()
{
	n "$1" cat /proc/net/snmp | awk '/^Icmp: [0-9]/ { print $10 }'
}

# is_listening NS PORT: a TCP socket of NS listens on PORT.
is_listening()
{
	local hex
	hex=$(printf '%04X' "$2")
	n "$1" cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 }
			END { exit !f }'
}

# tcp_ok CLIENT SERVER ADDR PORT: one message crosses a fresh connection.
tcp_ok()
{
	local cli=$1 srv=$2 addr=$3 port=$4 pid
	rm -f "/tmp/tcp.$srv"
	n "$srv" timeout 8 nc -l -p "$port" >"/tmp/tcp.$srv" &
	pid=$!
	wait_for 50 is_listening "$srv" "$port" || return 1
	echo "hello $port" | n "$cli" timeout 5 nc -w 2 "$addr" "$port"
	wait $pid
	grep -q "hello $port" "/tmp/tcp.$srv"
}

# tcp_blocked CLIENT SERVER ADDR PORT [SPORT]: nothing arrives (from
# source port SPORT if given).
tcp_blocked()
{
	local cli=$1 srv=$2 addr=$3 port=$4 pid
	local sport=()
	[ -z "${5:-}" ] || sport=(-p "$5")
	rm -f "/tmp/tcp.$srv"
	n "$srv" timeout 4 nc -l -p "$port" >"/tmp/tcp.$srv" &
	pid=$!
	wait_for 50 is_listening "$srv" "$port" || return 1
	echo "leak $port" |
		n "$cli" timeout 3 nc -w 2 "${sport[@]}" "$addr" "$port"
	wait $pid
	! grep -q "leak" "/tmp/tcp.$srv"
}

ping4() { n "$1" ping -c "${3:-2}" -W 2 -w 4 "$2"; }
ping6() { n "$1" ping -6 -c "${3:-2}" -W 2 -w 4 "$2"; }

# ---- etcd (cluster mode) ----
#
# A real etcd cluster for the tests of segd and its client, each member
# in a network namespace of its own on a bridge of its own namespace:
#
#   etcd_cluster_start N     N (1 or 3) members etcd1..etcdN at
#                            10.99.0.11.., data under a tmpdir; sets and
#                            prints ETCD_ENDPOINTS ("http://10.99.0.11:2379,
#                            ..."); the script's own namespace joins the
#                            bridge as 10.99.0.254.  Returns once every
#                            member is healthy (1 if not within 60 s).
#   etcd_join_ns NS ADDR     plug namespace NS (. for the script's own)
#                            into the bridge with address ADDR (10.99.0.x)
#   etcd_member_stop I [SIG] stop member I (TERM, or SIG: KILL for a crash)
#   etcd_member_start I      start member I again on its data
#   etcd_cluster_stop        stop every member, delete the namespaces and
#                            the data (call it before cleanup_vms: the
#                            members would outlive their namespaces)
#   etcd_leader              the number I of the leader now
#   etcdctl_ ARGS...         etcdctl on ETCD_ENDPOINTS
#
# ETCD_NS_PREFIX (default etcd) names the namespaces: <prefix>1.., and
# <prefix>net for the bridge.  Every member runs with --max-txn-ops
# 10000; ETCD_ARGS adds more flags to each.
#
# ETCD_TLS=1 for etcd_cluster_start (in the script or for the call
# only; the cluster keeps it until etcd_cluster_stop): clients and
# peers speak TLS.  A throwaway CA (openssl, EC P-256) signs one
# certificate per member, for its address (an IP SAN), used for client
# and peer traffic both; peers must show theirs, clients need none.
# ETCD_ENDPOINTS are https://, ETCD_CACERT the CA's certificate, which
# etcdctl_, etcd_healthy and etcd_leader pass on (etcdtest -c, etcdctl
# --cacert).  They pass no user: once auth is on, ask as a user.
#   etcd_tls_ca NAME         another CA, $ETCD_DIR/tls/NAME.{crt,key}
#                            (the CA itself is "ca")
ETCD=${ETCD:-etcd}
ETCDCTL=${ETCDCTL:-etcdctl}
ETCD_NS_PREFIX=${ETCD_NS_PREFIX:-etcd}
ETCD_ARGS=${ETCD_ARGS:-}
ETCD_TLS=${ETCD_TLS:-}
ETCD_SCHEME=http
ETCD_ENDPOINTS=
ETCD_CACERT=
ETCD_DIR=
ETCD_N=0
ETCD_CLUSTER=
ETCD_JOINED=
declare -a ETCD_PIDS=()

etcdctl_()
{
	"$ETCDCTL" --endpoints "$ETCD_ENDPOINTS" --dial-timeout 3s \
		${ETCD_CACERT:+--cacert "$ETCD_CACERT"} "$@"
}

# openssl with the configuration etcd_tls_conf wrote: the guest has no
# /usr/lib/ssl/openssl.cnf.
etcd_openssl()
{
	OPENSSL_CONF=$ETCD_DIR/tls/openssl.cnf ETCD_SAN=${ETCD_SAN:-0.0.0.0} \
		openssl "$@"
}

etcd_tls_conf()
{
	mkdir -p "$ETCD_DIR/tls" || return 1
	cat >"$ETCD_DIR/tls/openssl.cnf" <<-'EOF'
	[req]
	distinguished_name = dn
	prompt = no
	[dn]
	CN = segfilter-test
	[ca]
	basicConstraints = critical,CA:TRUE
	keyUsage = critical,keyCertSign,cRLSign
	subjectKeyIdentifier = hash
	[member]
	basicConstraints = CA:FALSE
	keyUsage = critical,digitalSignature
	extendedKeyUsage = serverAuth,clientAuth
	subjectAltName = IP:${ENV::ETCD_SAN}
	EOF
}

etcd_tls_ca()
{
	local t=$ETCD_DIR/tls
	[ -f "$t/openssl.cnf" ] || etcd_tls_conf || return 1
	etcd_openssl req -x509 -new -nodes -newkey ec \
		-pkeyopt ec_paramgen_curve:prime256v1 -days 2 \
		-subj "/CN=segfilter test $1" -extensions ca \
		-keyout "$t/$1.key" -out "$t/$1.crt" 2>>"$t/openssl.log"
}

# etcd_tls_member I: the key and certificate of member I, signed by "ca".
etcd_tls_member()
{
	local i=$1 t=$ETCD_DIR/tls
	etcd_openssl req -new -nodes -newkey ec \
		-pkeyopt ec_paramgen_curve:prime256v1 -subj "/CN=etcd$i" \
		-keyout "$t/etcd$i.key" -out "$t/etcd$i.csr" \
		2>>"$t/openssl.log" &&
	ETCD_SAN=10.99.0.1$i etcd_openssl x509 -req -in "$t/etcd$i.csr" \
		-CA "$t/ca.crt" -CAkey "$t/ca.key" -set_serial "$((1000 + i))" \
		-days 2 -extfile "$t/openssl.cnf" -extensions member \
		-out "$t/etcd$i.crt" 2>>"$t/openssl.log"
}

etcd_join_ns()
{
	local ns=$1 addr=$2 br=${ETCD_NS_PREFIX}net peer tmp
	# Named after the address on both sides, so that joins never clash.
	peer="j${addr##*.}-$ETCD_NS_PREFIX"
	peer=${peer:0:15}
	tmp="ej${addr##*.}-$ETCD_NS_PREFIX"
	tmp=${tmp:0:15}
	[ "$ns" != . ] || tmp=etcd0
	"$IP" link add "$tmp" type veth peer name "$peer" || return 1
	"$IP" link set "$peer" netns "$br" || return 1
	n "$br" "$IP" link set "$peer" master br0 up || return 1
	if [ "$ns" != . ]; then
		"$IP" link set "$tmp" netns "$ns" || return 1
		n "$ns" "$IP" link set "$tmp" name etcd0 || return 1
		n "$ns" "$IP" link set lo up
		n "$ns" "$IP" addr add "$addr/24" dev etcd0 || return 1
		n "$ns" "$IP" link set etcd0 up
	else
		"$IP" addr add "$addr/24" dev etcd0 || return 1
		"$IP" link set etcd0 up
		ETCD_JOINED=1
	fi
}

etcd_member_start()
{
	local i=$1 ns=${ETCD_NS_PREFIX}$1 addr=10.99.0.1$1 s=$ETCD_SCHEME
	local t=$ETCD_DIR/tls tls=()
	[ "$s" = http ] ||
		tls=(--cert-file "$t/etcd$i.crt" --key-file "$t/etcd$i.key"
		     --peer-cert-file "$t/etcd$i.crt" --peer-key-file "$t/etcd$i.key"
		     --peer-trusted-ca-file "$t/ca.crt" --peer-client-cert-auth)
	# Not through n(): $! must be etcd itself (ip netns exec execs it).
	# shellcheck disable=SC2086 # ETCD_ARGS is a list of flags
	"$IP" netns exec "$ns" "$ETCD" --name "etcd$i" --data-dir "$ETCD_DIR/etcd$i" \
		--listen-client-urls "$s://$addr:2379" \
		--advertise-client-urls "$s://$addr:2379" \
		--listen-peer-urls "$s://$addr:2380" \
		--initial-advertise-peer-urls "$s://$addr:2380" "${tls[@]}" \
		--initial-cluster "$ETCD_CLUSTER" --initial-cluster-state new \
		--initial-cluster-token segfilter-test --max-txn-ops 10000 \
		$ETCD_ARGS >>"$ETCD_DIR/etcd$i.log" 2>&1 &
	ETCD_PIDS[i]=$!
}

etcd_member_stop()
{
	local i=$1 sig=${2:-TERM} pid=${ETCD_PIDS[$1]:-}
	[ -n "$pid" ] || return 0
	kill "-$sig" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	ETCD_PIDS[i]=
	return 0
}

# Every member answers a linearizable read (so has a leader).  Through
# tests/tools/etcdtest where there is one: etcdctl, a Go program, takes
# seconds to start under TCG.
etcd_healthy()
{
	local ep
	if [ ! -x "$TOOLS/etcdtest" ]; then
		etcdctl_ endpoint health >/dev/null 2>&1
		return
	fi
	for ep in ${ETCD_ENDPOINTS//,/ }; do
		"$TOOLS/etcdtest" -e "$ep" ${ETCD_CACERT:+-c "$ETCD_CACERT"} \
			-t 2000 range /health >/dev/null 2>&1 ||
			return 1
	done
}

etcd_cluster_start()
{
	local n=$1 i br=${ETCD_NS_PREFIX}net eps=() start=$SECONDS s=http
	[ -z "$ETCD_TLS" ] || s=https
	ETCD_SCHEME=$s
	ETCD_N=$n
	ETCD_DIR=$(mktemp -d /tmp/etcd.XXXXXX)
	ETCD_CLUSTER=
	ETCD_CACERT=
	if [ -n "$ETCD_TLS" ]; then
		etcd_tls_ca ca || { cat "$ETCD_DIR/tls/openssl.log"; return 1; }
		for i in $(seq "$n"); do
			etcd_tls_member "$i" ||
				{ cat "$ETCD_DIR/tls/openssl.log"; return 1; }
		done
		ETCD_CACERT=$ETCD_DIR/tls/ca.crt
	fi
	"$IP" netns add "$br" || return 1
	n "$br" "$IP" link set lo up
	n "$br" "$IP" link add br0 type bridge || return 1
	n "$br" "$IP" link set br0 up
	for i in $(seq "$n"); do
		vm_ns "${ETCD_NS_PREFIX}$i" || return 1
		etcd_join_ns "${ETCD_NS_PREFIX}$i" "10.99.0.1$i" || return 1
		ETCD_CLUSTER+="${ETCD_CLUSTER:+,}etcd$i=$s://10.99.0.1$i:2380"
		eps+=("$s://10.99.0.1$i:2379")
	done
	etcd_join_ns . 10.99.0.254 || return 1
	ETCD_ENDPOINTS=$(IFS=,; echo "${eps[*]}")
	for i in $(seq "$n"); do
		etcd_member_start "$i"
	done
	echo "ETCD_ENDPOINTS=$ETCD_ENDPOINTS"
	if ! wait_for 600 etcd_healthy; then
		echo "# etcd: not healthy after $((SECONDS - start)) s"
		tail -n 5 "$ETCD_DIR"/etcd*.log
		return 1
	fi
	echo "# etcd: $n members healthy after $((SECONDS - start)) s"
}

etcd_cluster_stop()
{
	local i
	for i in $(seq "$ETCD_N"); do
		etcd_member_stop "$i"
	done
	for i in $(seq "$ETCD_N"); do
		"$IP" netns del "${ETCD_NS_PREFIX}$i" 2>/dev/null
	done
	"$IP" netns del "${ETCD_NS_PREFIX}net" 2>/dev/null
	[ -z "$ETCD_JOINED" ] || "$IP" link del etcd0 2>/dev/null
	[ -z "$ETCD_DIR" ] || rm -rf "$ETCD_DIR"
	ETCD_N=0 ETCD_DIR= ETCD_JOINED= ETCD_ENDPOINTS= ETCD_CACERT=
	ETCD_SCHEME=http
	return 0
}

# The member (1..N) that leads now; fails if none does.
etcd_leader()
{
	local i
	for i in $(seq "$ETCD_N"); do
		[ -n "${ETCD_PIDS[$i]:-}" ] || continue
		if "$ETCDCTL" --endpoints "$ETCD_SCHEME://10.99.0.1$i:2379" \
			${ETCD_CACERT:+--cacert "$ETCD_CACERT"} --dial-timeout 2s \
			endpoint status 2>/dev/null | awk -F', ' '{ print $5 }' |
			grep -qx true; then
			echo "$i"
			return 0
		fi
	done
	return 1
}

# ---- cluster mode: hypervisors running segd ----
#
# The set-up shared by tests/selftests/cluster.sh, cluster-bad.sh and
# tests/bench/cluster.sh, on the etcd network of etcd_cluster_start:
#
#   cluster_underlay          bridge br0 here, 192.168.50.100/24, mtu
#                             1600: the hypervisors' underlay
#   cluster_hv I [noul]       hypervisor namespace hvI on the etcd network
#                             as 10.99.0.I and, unless noul, on the
#                             underlay as 192.168.50.I (device ulI), with
#                             vx0, a VXLAN-GBP device in external mode
#   cluster_vm HV NS MAC ADDR a VM namespace NS whose eth0 is the far end
#                             of the veth oNS of hypervisor HV; an NS that
#                             exists keeps its address (a VM that moves)
#   cluster_segd_start I [ARGS...]
#                             segd of host hI in hvI (tunnel 192.168.50.I,
#                             uplink vx0, lease TTL 30 s, ARGS added) on
#                             CLUSTER_EP (default ETCD_ENDPOINTS), its
#                             stderr appended to $CLUSTER_DIR/segd.hI.log,
#                             through the command CLUSTER_SEGD_FILTER if
#                             set; CLUSTER_SEGD_PID[I] is segd's pid
#   cluster_segd_stop I       kill segd of hI and wait for it
#   cluster_segd_stop_all     every segd started
#   cluster_status_rev HOST   the revision HOST's status key says it
#                             applied (segctl status; the environment's
#                             SEGCTL_ETCD_USER and _PASSWORD apply)
#   cluster_converged REV HOST...
#                             every HOST's status revision is REV or later
#   cluster_key_rev KEY       the revision KEY was last written at
#   cluster_rev               etcd's revision now
#
# cluster_key_rev and cluster_rev go through tests/tools/etcdtest, as
# the user of the array CLUSTER_ETCDTEST_AUTH (-u USER:PASSWORD) if set.
CLUSTER_EP=
CLUSTER_DIR=${CLUSTER_DIR:-/tmp}
CLUSTER_SEGD_FILTER=
declare -a CLUSTER_SEGD_PID=()
declare -a CLUSTER_ETCDTEST_AUTH=()

cluster_underlay()
{
	"$IP" link add br0 type bridge &&
	"$IP" link set br0 mtu 1600 up &&
	"$IP" addr add 192.168.50.100/24 dev br0
}

cluster_hv()
{
	local i=$1 ul=ul$1
	quiet_ns "hv$i"
	if [ "${2:-}" != noul ]; then
		"$IP" link add "b$ul" type veth peer name "$ul" netns "hv$i" &&
		"$IP" link set "b$ul" mtu 1600 master br0 up &&
		n "hv$i" "$IP" link set "$ul" mtu 1600 &&
		n "hv$i" "$IP" addr add "192.168.50.$i/24" dev "$ul" &&
		n "hv$i" "$IP" link set "$ul" up || return 1
	fi
	etcd_join_ns "hv$i" "10.99.0.$i" &&
	n "hv$i" "$IP" link add vx0 type vxlan external gbp dstport 4789 &&
	n "hv$i" "$IP" link set vx0 up
}

cluster_vm()
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

cluster_segd_start()
{
	local i=$1 log=$CLUSTER_DIR/segd.h$1.log
	local cmd=("$IP" netns exec "hv$i" "${SEGD:-/usr/sbin/segd}"
		   --etcd "${CLUSTER_EP:-$ETCD_ENDPOINTS}" --host "h$i"
		   --tunnel "192.168.50.$i" --uplink vx0 --lease-ttl 30)
	shift
	# Not through n(): $! must be segd itself (ip netns exec execs it).
	if [ -n "$CLUSTER_SEGD_FILTER" ]; then
		"${cmd[@]}" "$@" 2> >($CLUSTER_SEGD_FILTER >>"$log") \
			>/dev/null &
	else
		"${cmd[@]}" "$@" >>"$log" 2>&1 &
	fi
	CLUSTER_SEGD_PID[i]=$!
}

cluster_segd_stop()
{
	local pid=${CLUSTER_SEGD_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	CLUSTER_SEGD_PID[$1]=
	return 0
}

cluster_segd_stop_all()
{
	local i
	for i in "${!CLUSTER_SEGD_PID[@]}"; do
		cluster_segd_stop "$i"
	done
}

cluster_status_rev()
{
	SEGCTL_ETCD=${CLUSTER_EP:-$ETCD_ENDPOINTS} "$SEGCTL" status "$1" \
		2>/dev/null | sed -n 's/^[^ ]* revision \([0-9]*\) .*/\1/p'
}

cluster_converged()
{
	local rev=$1 h r
	shift
	for h in "$@"; do
		r=$(cluster_status_rev "$h")
		[ "${r:-0}" -ge "$rev" ] || return 1
	done
}

cluster_key_rev()
{
	"$TOOLS/etcdtest" -e "${CLUSTER_EP:-$ETCD_ENDPOINTS}" \
		"${CLUSTER_ETCDTEST_AUTH[@]}" range "$1" |
		sed -n 's/.* mod=\([0-9]*\).*/\1/p'
}

cluster_rev()
{
	"$TOOLS/etcdtest" -e "${CLUSTER_EP:-$ETCD_ENDPOINTS}" \
		"${CLUSTER_ETCDTEST_AUTH[@]}" range /none |
		sed -n 's/^revision \([0-9]*\).*/\1/p'
}
