#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Cluster mode over TLS, with a user per host (Documentation/cluster.rst,
# "Roles" and "TLS"): a 3-member etcd whose clients and peers speak TLS
# (lib.sh's ETCD_TLS=1: a throwaway CA, one certificate per member),
# authentication on, and two hypervisors whose segd runs with --cacert,
# --user and --password-file.
#
#   etcd1 .11  etcd2 .12  etcd3 .13   https://10.99.0.1N:2379
#   ====+==========+==========+====   10.99.0.0/24
#   hv1 .1 (h1)        hv2 .2 (h2)    each: ulN, vx0 (VXLAN-GBP), segd
#   wb1                ap2 db2
#        |                  |
#   =====+==================+=====    the underlay: br0 here, 192.168.50.N
#
#   domain shop, VNI 100, default deny: web 1, app 2, db 3
#     rule 10: web -> app icmp allow, later 12: web -> db, 13: app -> web
#   VM addresses 10.2.0.N/24
#
# 6.1 and the debug kernel only, like cluster.sh: skipped on 6.12.

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

SEGD=${SEGD:-/usr/sbin/segd}
ETCDTEST=$TOOLS/etcdtest
EP=
P=/segfilter/v1
D=/tmp/cluster-tls

WB1=02:00:00:00:01:0b
AP2=02:00:00:00:01:16
DB2=02:00:00:00:01:21

case $(uname -r) in
6.12*)
	skip "cluster mode runs on 6.1 and the debug kernel only"
	finish
	;;
esac
# What TLS and per-host users change is segd's and etcd's: the module
# sees what cluster.sh makes it see, which the debug kernel runs.
skip_on debug "TLS and users are userspace; cluster.sh runs on debug"

declare -A SEGD_PID

cleanup()
{
	local p
	if [ "$ksft_fail" -gt 0 ]; then
		for p in 1 2; do
			echo "# segd of h$p:"
			tail -n 20 "$D/segd.h$p.log" | sed 's/^/#   /'
		done
	fi
	for p in "${SEGD_PID[@]}"; do
		kill "$p" 2>/dev/null
	done
	etcd_cluster_stop
	wait 2>/dev/null
	cleanup_vms
	"$IP" link del br0 2>/dev/null
}
trap cleanup EXIT

# et ARGS: etcdtest over TLS as root.
et() { "$ETCDTEST" -e "$EP" -c "$ETCD_CACERT" -u root:rootpw -t 20000 "$@"; }

# sctl ARGS: segctl --etcd as root over TLS, quiet unless it fails.
sctl()
{
	SEGCTL_ETCD=$EP SEGCTL_ETCD_CACERT=$ETCD_CACERT SEGCTL_ETCD_USER=root \
		SEGCTL_ETCD_PASSWORD=rootpw "$SEGCTL" "$@" >/dev/null
}

# as_host N ARGS: segctl --etcd as user hN (options, CA from the
# environment); its stderr in $D/err, exit status kept.
as_host()
{
	SEGCTL_ETCD_CACERT=$ETCD_CACERT "$SEGCTL" --etcd "$EP" --user "h$1" \
		--password-file "$D/h$1.pw" "${@:2}" >/dev/null 2>"$D/err"
}

ul_join()
{
	local ns=$1 dev=$2 addr=$3
	"$IP" link add "b$dev" type veth peer name "$dev" netns "$ns" &&
	"$IP" link set "b$dev" mtu 1600 master br0 up &&
	n "$ns" "$IP" link set "$dev" mtu 1600 &&
	n "$ns" "$IP" addr add "$addr/24" dev "$dev" &&
	n "$ns" "$IP" link set "$dev" up
}

# segd_start N [CACERT]: segd of host hN as user hN, trusting CACERT
# (the cluster's CA unless given).  Not through n(): $! must be segd.
# The record's lease outlives the time segd of h1 spends failing with
# the wrong CA (minutes on the debug kernel): h2 keeps sending to h1.
segd_start()
{
	local i=$1 ca=${2:-$ETCD_CACERT}
	"$IP" netns exec "hv$i" "$SEGD" --etcd "$EP" --host "h$i" \
		--tunnel "192.168.50.$i" --uplink vx0 --lease-ttl 600 \
		--cacert "$ca" --user "h$i" --password-file "$D/h$i.pw" -v \
		>>"$D/segd.h$i.log" 2>&1 &
	SEGD_PID[$i]=$!
}

segd_stop()
{
	kill "${SEGD_PID[$1]}"
	wait "${SEGD_PID[$1]}" 2>/dev/null
}

# vm HOST NAME MAC ADDR: VM namespace NAME behind veth o<NAME> of HOST.
vm()
{
	local h=$1 ns=$2 mac=$3 addr=$4
	quiet_ns "$ns"
	n "$h" "$IP" link add "o$ns" type veth peer name eth0 netns "$ns" &&
	host_port_up "o$ns" "$h" &&
	n "$ns" "$IP" link set eth0 address "$mac" &&
	n "$ns" "$IP" addr add "$addr/24" dev eth0 &&
	n "$ns" "$IP" link set eth0 up
}

hv_up()
{
	local i=$1
	quiet_ns "hv$i"
	ul_join "hv$i" "ul$i" "192.168.50.$i" &&
	etcd_join_ns "hv$i" "10.99.0.$i" &&
	n "hv$i" "$IP" link add vx0 type vxlan external gbp dstport 4789 &&
	n "hv$i" "$IP" link set vx0 up
}

hsave() { n "hv$1" "$SEGCTL" save; }

# The status revision of host HOST (read as root).
status_rev()
{
	SEGCTL_ETCD=$EP SEGCTL_ETCD_CACERT=$ETCD_CACERT SEGCTL_ETCD_USER=root \
		SEGCTL_ETCD_PASSWORD=rootpw "$SEGCTL" status "$1" 2>/dev/null |
		sed -n 's/^[^ ]* revision \([0-9]*\) .*/\1/p'
}

converged()
{
	local h r
	for h in h1 h2; do
		r=$(status_rev $h)
		[ "${r:-0}" -ge "$1" ] || return 1
	done
}

key_rev() { et range "$1" | sed -n 's/.* mod=\([0-9]*\).*/\1/p'; }

b64() { printf %s "$1" | base64; }

# grant ROLE TYPE KEY [RANGE_END], through the gateway over TLS
grant()
{
	local end=
	[ -z "${4:-}" ] || end=",\"range_end\":\"$(b64 "$4")\""
	"$ETCDTEST" -e "$EP" -c "$ETCD_CACERT" post /v3/auth/role/grant \
		"{\"name\":\"$1\",\"perm\":{\"permType\":\"$2\",\"key\":\"$(b64 "$3")\"$end}}"
}

# root, and per host hN a role host-hN as cluster.rst gives it and a
# user hN; then auth on.  Through etcdtest: etcdctl is slow under TCG.
auth_setup()
{
	local post=("$ETCDTEST" -e "$EP" -c "$ETCD_CACERT" post) i
	"${post[@]}" /v3/auth/user/add '{"name":"root","password":"rootpw"}' &&
	"${post[@]}" /v3/auth/user/grant '{"user":"root","role":"root"}' ||
		return 1
	for i in 1 2; do
		"${post[@]}" /v3/auth/role/add "{\"name\":\"host-h$i\"}" &&
		grant "host-h$i" READ "$P/config/" "$P/hosts0" &&
		grant "host-h$i" READWRITE "$P/hosts/h$i/" "$P/hosts/h${i}0" &&
		grant "host-h$i" READWRITE "$P/status/h$i" &&
		"${post[@]}" /v3/auth/user/add \
			"{\"name\":\"h$i\",\"password\":\"h${i}pw\"}" &&
		"${post[@]}" /v3/auth/user/grant \
			"{\"user\":\"h$i\",\"role\":\"host-h$i\"}" || return 1
		echo "h${i}pw" >"$D/h$i.pw"
	done
	echo rootpw >"$D/root.pw"
	"${post[@]}" /v3/auth/enable '{}'
}

setup()
{
	local i
	[ -x "$SEGD" ] || { echo "no $SEGD in the guest"; return 1; }
	command -v openssl >/dev/null || { echo "no openssl in the guest"; return 1; }
	module_reload
	rm -rf "$D" && mkdir -p "$D"
	"$IP" link add br0 type bridge &&
	"$IP" link set br0 mtu 1600 up || return 1
	# Every client here is a new process that logs in: at etcd's
	# default bcrypt cost of 10 one login takes seconds under TCG.
	ETCD_ARGS="--bcrypt-cost 4"
	ETCD_TLS=1 etcd_cluster_start 3 || return 1
	EP=$ETCD_ENDPOINTS
	auth_setup >"$D/auth.out" 2>&1 || { cat "$D/auth.out"; return 1; }
	# The first login after auth enable can take longer than segctl's
	# 5 s under a loaded TCG host: wait for it here, with etcdtest's 20.
	wait_for 30 et range /x || { echo "etcd refuses root"; return 1; }
	for i in 1 2; do
		hv_up "$i" || return 1
	done
	vm hv1 wb1 $WB1 10.2.0.11 &&
	vm hv2 ap2 $AP2 10.2.0.22 &&
	vm hv2 db2 $DB2 10.2.0.33
}

if ! setup; then
	fail "set up a 3-member etcd over TLS with auth, 2 hypervisors"
	finish
fi
pass "set up a 3-member etcd over TLS with auth, 2 hypervisors"
echo "# ETCD_ENDPOINTS=$EP, t=${SECONDS}s"

# ---- the policy by root, each VM registered by its host ----

check "etcd refuses a client without a user (auth is on)" test \
	"$("$ETCDTEST" -e "$EP" -c "$ETCD_CACERT" range /x 2>&1 |
	   grep -c EACCES)" = 1
cat >"$D/policy.batch" <<EOF
domain add shop id 1 default deny vni 100
group add web id 1 domain shop
group add app id 2 domain shop
group add db id 3 domain shop
rule add id 10 domain shop prio 100 from web to app proto icmp action allow
EOF
check "root writes the policy over TLS (segctl --etcd, SEGCTL_ETCD_CACERT)" \
	sctl -b "$D/policy.batch"
check "h1 registers wb1 under hosts/h1/ (--user h1 --password-file)" \
	as_host 1 endpoint add $WB1 domain shop group web port owb1 \
	ip 10.2.0.11 host h1
# as_h2 ARGS: segctl --etcd as h2, credentials from the environment
as_h2()
{
	SEGCTL_ETCD=$EP SEGCTL_ETCD_CACERT=$ETCD_CACERT SEGCTL_ETCD_USER=h2 \
		SEGCTL_ETCD_PASSWORD=h2pw "$SEGCTL" "$@" >/dev/null
}
check "h2 registers ap2 under hosts/h2/ (SEGCTL_ETCD_USER)" \
	as_h2 endpoint add $AP2 domain shop group app port oap2 ip 10.2.0.22 \
	host h2
for i in 1 2; do
	segd_start "$i"
done
rev=$(key_rev "$P/hosts/h2/endpoints/shop/$AP2")
check "segd of h1 and h2 (https, --cacert, --user) apply revision $rev" \
	wait_for 300 converged "$rev"
echo "# t=${SECONDS}s"
check "wb1 (h1) pings ap2 (h2): web -> app icmp allowed" ping4 wb1 10.2.0.22
check "h2 knows wb1 as remote at h1's tunnel" sh -c \
	"$IP netns exec hv2 $SEGCTL save | grep '$WB1' |
	 grep -q 'port vx0 remote 192.168.50.1'"

# ---- later writes come through the watch, over TLS ----

check "h2 registers db2 while segd runs" \
	as_h2 endpoint add $DB2 domain shop group db port odb2 ip 10.2.0.33 \
	host h2
rev=$(key_rev "$P/hosts/h2/endpoints/shop/$DB2")
check "...both hosts apply it (status revision $rev)" \
	wait_for 300 converged "$rev"
check "...h1 knows db2 as remote at h2's tunnel" sh -c \
	"$IP netns exec hv1 $SEGCTL save | grep '$DB2' |
	 grep -q 'port vx0 remote 192.168.50.2'"
check_fails "wb1 (h1) cannot ping db2 (h2): web -> db, no rule" \
	ping4 wb1 10.2.0.33 1
check "root adds rule 12: web -> db icmp allow" \
	sctl rule add id 12 domain shop prio 100 from web to db proto icmp \
	action allow
check "...wb1 (h1) now pings db2 (h2)" wait_for 30 ping4 wb1 10.2.0.33 1

# ---- one member stopped: clients move on to the next, over TLS ----

check_fails "ap2 (h2) cannot ping wb1 (h1): app -> web, no rule" \
	ping4 ap2 10.2.0.11 1
etcd_member_stop 1
check "etcd1 stopped: root adds rule 13 (app -> web) through etcd2, etcd3" \
	wait_for 100 sctl rule add id 13 domain shop prio 100 from app to web \
	proto icmp action allow
rev=$(key_rev "$P/config/domains/shop/rules/13")
check "...both hosts apply it (status revision $rev)" \
	wait_for 300 converged "$rev"
check "...ap2 (h2) now pings wb1 (h1)" wait_for 30 ping4 ap2 10.2.0.11 1
etcd_member_start 1
# lib.sh's etcd_healthy asks without a user, which auth refuses now
etcd1_up()
{
	"$ETCDTEST" -e "https://10.99.0.11:2379" -c "$ETCD_CACERT" \
		-u root:rootpw -t 5000 range /x
}
check "etcd1 started again on TLS: it answers root" wait_for 100 etcd1_up
echo "# t=${SECONDS}s"

# ---- a host's credentials write its own keys only ----

as_host 1 endpoint add 02:00:00:00:01:1a domain shop group app port ox \
	ip 10.2.0.26 host h2
check_eq "h1 writing under hosts/h2/ over TLS: refused, exit 1" 1 $?
check "...etcd's reason: \"permission denied\"" \
	grep -q "permission denied" "$D/err"
check_eq "...nothing written" "" \
	"$(key_rev "$P/hosts/h2/endpoints/shop/02:00:00:00:01:1a")"
as_host 1 rule add id 11 domain shop prio 100 from web to db proto icmp \
	action allow
check_eq "h1 writing under config/ (a rule): refused, exit 1" 1 $?
check "...etcd's reason: \"permission denied\"" \
	grep -q "permission denied" "$D/err"
check_eq "...nothing written" "" "$(key_rev "$P/config/domains/shop/rules/11")"

# ---- the wrong CA ----

etcd_tls_ca other >/dev/null 2>&1
OTHER=$ETCD_DIR/tls/other.crt
SEGCTL_ETCD_CACERT=$OTHER "$SEGCTL" --etcd "$EP" --user root \
	--password-file "$D/root.pw" save >/dev/null 2>"$D/err"
check_eq "segctl --etcd trusting another CA: exit 1" 1 $?
check "...\"SSL certificate problem\" on stderr" \
	grep -q "SSL certificate problem" "$D/err"
sed 's/^/# /' "$D/err"

hsave 1 >"$D/h1.before"
segd_stop 1
: >"$D/segd.h1.log"
segd_start 1 "$OTHER"
check "segd of h1 trusting another CA: a TLS error in its log" \
	wait_for 100 grep -q "SSL certificate problem" "$D/segd.h1.log"
grep -m 1 "SSL certificate problem" "$D/segd.h1.log" | sed 's/^/# /'
tls_fails_twice()
{
	[ "$(grep -c 'SSL certificate problem' "$D/segd.h1.log")" -ge 2 ]
}
check "...it retries: a second attempt fails alike (no hang)" \
	wait_for 100 tls_fails_twice
hsave 1 >"$D/h1.after"
check "...h1's module unchanged (segctl save)" \
	cmp "$D/h1.before" "$D/h1.after"
check "...wb1 (h1) still pings ap2 (h2)" ping4 wb1 10.2.0.22
check_fails "...nothing read from etcd" \
	grep -q 'keys at revision' "$D/segd.h1.log"

# ---- http:// to the https:// cluster ----

# under timeout: a hang would end as exit 124
t0=$SECONDS
SEGCTL_ETCD_CACERT=$ETCD_CACERT timeout 30 "$SEGCTL" \
	--etcd "${EP//https:/http:}" --user root --password-file "$D/root.pw" \
	save >/dev/null 2>"$D/err"
rc=$?
sed 's/^/# /' "$D/err"
echo "# ...after $((SECONDS - t0)) s"
check_eq "segctl --etcd http:// to the https:// members: exit 1, no hang" \
	1 "$rc"
check "...the error says the endpoint may be https://, not a timeout" \
	grep -q "https:// endpoint" "$D/err"
echo "# t=${SECONDS}s"

finish
