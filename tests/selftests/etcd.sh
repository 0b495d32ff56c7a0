#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The etcd client of segd (ctl/etcd.c), through tests/tools/etcdtest,
# against a real 3-member etcd cluster (etcd_cluster_start of lib.sh):
# paged ranges at a pinned revision, transactions as one revision,
# watches from a revision grouped per revision, leases, a member down,
# compaction under a watch, auth with a prefix-limited user, and errors:
# bad endpoint URLs, no etcd, and answers no etcd gives (a fake one).
# Then segctl --etcd itself, which needs no kernel either: a batch that
# names a key twice folded into one transaction as one host would apply
# it, the limit of 128 operations, show, and -j show, save and status.
#
# It does not touch the kernel: it runs on 6.1 and debug, not 6.12.

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

# It never loads the module: the debug kernel would check nothing more.
case ${SEGFILTER_KERNEL:-} in
6.12|debug)
	echo "# etcd.sh: runs on 6.1 only (no module), not on ${SEGFILTER_KERNEL}"
	exit 4
	;;
esac

ET=${ETCDTEST:-$TOOLS/etcdtest}
FAKE_PORT=${FAKE_PORT:-23799}
FAKE_PID=
WATCH_PID=

cleanup()
{
	[ -z "$WATCH_PID" ] || kill "$WATCH_PID" 2>/dev/null
	[ -z "$FAKE_PID" ] || kill "$FAKE_PID" 2>/dev/null
	etcd_cluster_stop
	rm -f /tmp/etcd.watch /tmp/etcd.out /tmp/etcd.fake /tmp/etcd.go \
		/tmp/etcd.show /tmp/etcd.big /tmp/etcd.small /tmp/etcd.readd \
		/tmp/etcd.putdel /tmp/etcd.twice /tmp/etcd.twice2 /tmp/etcd.redo
}
trap cleanup EXIT

et() { "$ET" -e "$ETCD_ENDPOINTS" "$@"; }
rev_of() { awk '/^revision/ { print $2; exit }'; }

# errs ERRNAME TEXT CMD...: CMD fails (exit 1, not a crash), names
# ERRNAME and says TEXT.
errs()
{
	local name=$1 text=$2 rc=0
	shift 2
	"$@" >/tmp/etcd.out 2>&1 || rc=$?
	[ "$rc" = 1 ] && grep -q -- "$name" /tmp/etcd.out &&
		grep -qF -- "$text" /tmp/etcd.out || { cat /tmp/etcd.out; return 1; }
}

if ! etcd_cluster_start 3; then
	fail "a 3-member etcd cluster starts"
	finish
fi
pass "a 3-member etcd cluster starts"
free -m | awk '/^Mem:/ { print "# memory: " $4 " MB free of " $2 }'
df -m /tmp | awk 'NR == 2 { print "# /tmp: " $3 " MB used, " $4 " MB free" }'

# Range over more keys than one page (1000), at a pinned revision.
r1=$(et fill /t/page/ 2500 | rev_of)
et put /t/page/00000 changed >/dev/null
et txn del:/t/page/02499 >/dev/null
out=$(et range '/t/page/*' "$r1")
check_eq "range of 2500 keys at revision $r1: 3 pages, all there" \
	"revision $r1 count 2500 2501" "$(echo "$out" | head -n 1) $(echo "$out" | wc -l)"
check_eq "range at revision $r1: the value then, the last key" \
	"/t/page/00000 v0|/t/page/02499 v2499" \
	"$(echo "$out" | awk 'NR == 2 || NR == 2501 { printf "%s%s %s", sep, $1, $2; sep = "|" }')"
out=$(et range '/t/page/*')
check_eq "range now: one key fewer, at revision $((r1 + 2))" \
	"revision $((r1 + 2)) count 2499" "$(echo "$out" | head -n 1)"
check_eq "range now: the new value" "/t/page/00000 changed" \
	"$(echo "$out" | awk 'NR == 2 { print $1, $2 }')"
check_eq "a key of the range, alone" "/t/page/00042 v42" \
	"$(et range /t/page/00042 | awk 'NR == 2 { print $1, $2 }')"
check "a revision past the latest is refused (-ERANGE)" \
	errs -ERANGE "future revision" et range /t/page/00042 $((r1 + 100))

# A transaction of several puts is one revision.
r0=$(et put /t/w/a 0 | rev_of)
r=$(et txn put:/t/w/a=1 put:/t/w/b=2 put:/t/w/c=3 | rev_of)
check_eq "a txn of 3 puts is one revision" "$((r0 + 1))" "$r"
check_eq "its keys all have that revision" "3" \
	"$(et range '/t/w/*' | grep -c "mod=$r ")"
et txn del:/t/w/b put:/t/w/d=4 >/dev/null
et put /t/w/a 5 >/dev/null
check_eq "a range end past every key (delprefix) deletes them in one revision" \
	"revision $((r + 3))" "$(et txn delprefix:/t/w/)"

# A watch from a revision: the later events, one response per revision.
exp="rev $r0: put /t/w/a=0
rev $((r0 + 1)): put /t/w/a=1 put /t/w/b=2 put /t/w/c=3
rev $((r0 + 2)): del /t/w/b put /t/w/d=4
rev $((r0 + 3)): put /t/w/a=5
rev $((r0 + 4)): del /t/w/a del /t/w/c del /t/w/d"
check_eq "watch from revision $r0: its 5 revisions, each whole" "$exp" \
	"$(et watch '/t/w/*' "$r0" 5 5000 | grep '^rev')"
et watch '/t/w/*' 0 2 10000 >/tmp/etcd.watch 2>&1 &
WATCH_PID=$!
wait_for 100 grep -q created /tmp/etcd.watch
et txn put:/t/w/x=1 put:/t/w/y=2 >/dev/null
et put /t/w/x 3 >/dev/null
wait "$WATCH_PID"
rc=$?
WATCH_PID=
check_eq "a live watch gets later puts as they come" \
	"0|rev $((r0 + 5)): put /t/w/x=1 put /t/w/y=2|rev $((r0 + 6)): put /t/w/x=3" \
	"$rc|$(grep '^rev' /tmp/etcd.watch | paste -sd '|')"
check_eq "etcd_watch_poll() waits on the caller's fds too" \
	"idle: revents 0 after the timeout|fd: revents POLLIN after less than 5 s" \
	"$(et watchfd '/t/w/*' 2>&1 | paste -sd '|')"

# Transactions on conditions (what segctl --etcd endpoint claim sends).
rx=$(et txn ifmod:/t/w/none=0 ifmod:/t/none=0 put:/t/if/x=1 | rev_of)
check "a txn on the conditions that two keys do not exist: applied" \
	test -n "$rx"
check "one on the condition that /t/if/x is still at $rx: applied" \
	et txn ifmod:/t/if/x=$rx put:/t/if/z=1
check "one whose condition no longer holds: -EAGAIN, changed meanwhile" \
	errs -EAGAIN "changed meanwhile" et txn ifmod:/t/if/x=0 put:/t/if/y=1
check_eq "...its put is not stored" "/t/if/x /t/if/z" \
	"$(et range '/t/if/*' | awk 'NR > 1 { print $1 }' | paste -sd ' ')"
et txn delprefix:/t/if/ >/dev/null

# Leases: revoked, and expired.
id=$(et lease-grant 60)
et put /t/l/k v "$id" >/dev/null
check_eq "a key with a lease carries it" "/t/l/k lease=$id" \
	"$(et range /t/l/k | awk 'NR == 2 { print $1, $5 }')"
check_ge "keepalive renews a live lease (60 s)" 30 \
	"$(et lease-keepalive "$id" | awk '{ print $2 }')"
check "lease revoke" et lease-revoke "$id"
check_eq "its key is gone with it" "count 0" \
	"$(et range '/t/l/*' | awk '{ print $3, $4 }')"
check "a revoked lease cannot be revoked again (-ENOENT)" \
	errs -ENOENT "lease not found" et lease-revoke "$id"
# 10 s: on a loaded host, 5 s once ran out between the grant and the put.
id=$(et lease-grant 10)
check "a key on a 10 s lease" et put /t/l/e v "$id"
key_gone() { et range /t/l/e | grep -q 'count 0'; }
check "the key disappears when the lease expires" wait_for 250 key_gone
check_eq "keepalive of the expired lease: ttl 0" "ttl 0" \
	"$(et lease-keepalive "$id")"

# A member down: requests go on through the next endpoint.
leader=$(etcd_leader)
down=$((leader % 3 + 1))
others=
for i in 1 2 3; do
	[ "$i" = "$down" ] || others+=",http://10.99.0.1$i:2379"
done
etcd_member_stop "$down" KILL
eps="http://10.99.0.1$down:2379$others"
check "member $down killed: a put through endpoints $down,... succeeds" \
	"$ET" -e "$eps" put /t/m/k after
check_eq "...and a range" "/t/m/k after" \
	"$("$ET" -e "$eps" range /t/m/k | awk 'NR == 2 { print $1, $2 }')"
check "...and a watch" "$ET" -e "$eps" watch /t/m/k 1 1 5000
check "only the dead member: -ECONNREFUSED" \
	errs -ECONNREFUSED "Couldn't connect" "$ET" -e "http://10.99.0.1$down:2379" range /t/m/k
etcd_member_start "$down"
check "member $down back on its data: the cluster is healthy" wait_for 300 etcd_healthy
check_eq "member $down has the put made while it was down" "/t/m/k after" \
	"$("$ET" -e "http://10.99.0.1$down:2379" range /t/m/k | awk 'NR == 2 { print $1, $2 }')"

# Compaction past a watch's start revision.
c0=$(et put /t/c/k 1 | rev_of)
et put /t/c/k 2 >/dev/null
c2=$(et put /t/c/k 3 | rev_of)
check "compact to revision $c2" et compact "$c2"
rc=0
et watch '/t/c/*' "$c0" 1 5000 >/tmp/etcd.out 2>&1 || rc=$?
check_eq "a watch from $c0: ETCD_COMPACTED (exit 5), it says from where" \
	"5 1" "$rc $(grep -c "has revisions from $c2" /tmp/etcd.out)"
check "a range at $c0: -ERANGE, compacted" \
	errs -ERANGE "compacted" et range /t/c/k "$c0"
check_eq "a watch from $c2 still works" "rev $c2: put /t/c/k=3" \
	"$(et watch '/t/c/*' "$c2" 1 5000 | grep '^rev')"

# segctl --etcd (segctl-etcd): batches folded per key, show and -j.
sc() { SEGCTL_ETCD=$ETCD_ENDPOINTS "$SEGCTL" "$@"; }
now() { et range /t/none | rev_of; }
# val KEY: the stored value of KEY under the schema's prefix, or "none".
val()
{
	et range "/segfilter/v1/$1" |
		awk 'NR == 2 { print $2; found = 1 } END { if (!found) print "none" }'
}
# batch NAME LINES...: a batch file /tmp/etcd.NAME, one line per argument.
batch() { local f=/tmp/etcd.$1; shift; printf '%s\n' "$@" >"$f"; echo "$f"; }
# sc_errs TEXT ARGS: segctl --etcd ARGS is refused (exit 2) saying TEXT.
sc_errs()
{
	local text=$1 rc=0
	shift
	sc "$@" >/tmp/etcd.out 2>&1 || rc=$?
	[ "$rc" = 2 ] && grep -qF -- "$text" /tmp/etcd.out || { cat /tmp/etcd.out; return 1; }
}
R5='rule add id 5 domain shop prio 10 from web to db proto tcp'
K5=config/domains/shop/rules/5
check "segctl --etcd -b: a domain, two groups, a rule, endpoints on h1, h2" \
	sc -b "$(batch small 'domain add shop id 10 vni 100' \
		'group add web id 1 domain shop' 'group add db id 2 domain shop' \
		"$R5 port 5432 action allow" \
		'# the VMs' '' \
		'endpoint add 02:00:00:00:00:01 domain shop group web port tap1 ip 10.0.0.1 host h1' \
		'endpoint add 02:00:00:00:00:02 domain shop group db port tap2 ip 10.0.0.2 host h2')"
r=$(now)
sc -b "$(batch readd 'rule del 5 domain shop' "$R5 port 6000 action allow")" >/tmp/etcd.out 2>&1
check_eq "a batch deleting and re-adding rule 5: accepted, one revision, the new value" \
	"0 $((r + 1)) \"port\":\"6000\"" "$? $(now) $(val $K5 | grep -o '"port":"[0-9]*"')"
r=$(now)
sc -b "$(batch putdel 'rule del 5 domain shop' "$R5 port 7000 action allow" \
	'rule del 5 domain shop')" >/tmp/etcd.out 2>&1
check_eq "rule 5 deleted, added, deleted in a batch: the delete, one revision" \
	"0 $((r + 1)) none" "$? $(now) $(val $K5)"
sc rule add id 5 domain shop prio 10 from web to db proto tcp port 6000 action allow
r=$(now)
check "an endpoint added twice (a comment between): refused, naming lines 1 and 3" \
	sc_errs "etcd.twice: lines 1 and 3 both write /segfilter/v1/hosts/h1/endpoints/shop/02:00:00:00:00:03: given twice" \
	-b "$(batch twice \
		'endpoint add 02:00:00:00:00:03 domain shop group web port tap3 host h1' \
		'# the same MAC again' \
		'endpoint add 02:00:00:00:00:03 domain shop group db port tap3 host h1')"
R8='rule add id 8 domain shop prio 10 from web to db proto tcp'
check "rule 8 added twice after a good line: refused, naming lines 2 and 3" \
	sc_errs "lines 2 and 3 both write /segfilter/v1/config/domains/shop/rules/8: given twice" \
	-b "$(batch twice2 'group add app id 3 domain shop' \
		"$R8 port 8000 action allow" "$R8 port 8001 action deny")"
check_eq "...nothing written: the revision, no group app, no rule 8" \
	"$r none none" \
	"$(now) $(val config/domains/shop/groups/app) $(val config/domains/shop/rules/8)"
# 200 lines of del then add of rules 1000..1099 (of a domain of their
# own): 100 operations once folded, under the limit of 128.
{
	echo 'domain add big id 11'
	echo 'group add g id 1 domain big'
	for i in $(seq 1000 1099); do
		echo "rule del $i domain big"
		echo "rule add id $i domain big prio $i from g to g action allow"
	done
} >/tmp/etcd.big
r=$(now)
sc -b /tmp/etcd.big >/tmp/etcd.out 2>&1
check_eq "202 lines folding into 102 operations: accepted, one revision" \
	"0 $((r + 1)) 100" \
	"$? $(now) $(et range '/segfilter/v1/config/domains/big/rules/*' | awk 'NR == 1 { print $4 }')"
r=$(now)
sc -b "$(batch redo 'domain del big' 'domain add big id 11' \
	'group add g id 1 domain big' \
	'rule add id 7 domain big prio 7 from g to g action allow')" >/tmp/etcd.out 2>&1
check_eq "domain del big, then big again with rule 7: one revision, its 100 rules gone" \
	"0 $((r + 1)) count 1 /segfilter/v1/config/domains/big/rules/7" \
	"$? $(now) $(et range '/segfilter/v1/config/domains/big/rules/*' | awk '{ print $3, $4; getline; print $1 }' | paste -sd ' ')"
for i in $(seq 2000 2128); do
	echo "rule add id $i domain big prio $i from g to g action allow"
done >/tmp/etcd.big
check "129 operations: refused, saying how to raise the limit" \
	sc_errs "SEGCTL_ETCD_MAX_TXN_OPS=N" -b /tmp/etcd.big
check_eq "...nothing written" "$((r + 1))" "$(now)"
check "SEGCTL_ETCD_MAX_TXN_OPS=129 (etcd's --max-txn-ops is 10000): taken" \
	env SEGCTL_ETCD_MAX_TXN_OPS=129 SEGCTL_ETCD="$ETCD_ENDPOINTS" "$SEGCTL" -b /tmp/etcd.big
sc domain del big

# Hosts as segd reports them (status/H), one of them with a problem.
et put /segfilter/v1/status/h1 '{"version":1,"revision":41,"time":"2026-12-06T13:00:00Z","domains":["shop"],"error":"","skipped":[{"key":"/segfilter/v1/x","reason":"bad"}],"waiting":[{"key":"/segfilter/v1/hosts/h1/endpoints/shop/02:00:00:00:00:01","port":"tap1"},{"key":"k","port":"tap9"}]}' >/dev/null
sc -j show >/tmp/etcd.show 2>&1
rev=$(now)
sc show >/tmp/etcd.out 2>&1
check_eq "show: domain shop, its rule and its endpoints with their hosts" \
	"domain shop|$R5 port 6000 action allow|endpoint add 02:00:00:00:00:01 domain shop group web port tap1 ip 10.0.0.1 host h1|endpoint add 02:00:00:00:00:02 domain shop group db port tap2 ip 10.0.0.2 host h2" \
	"$(grep -E '^domain shop|^ +(rule|endpoint)' /tmp/etcd.out | sed 's/^ *//' | paste -sd '|')"
check_eq "show: h1 applied revision 41, holds shop, 1 skipped, 2 waiting; h2 no status" \
	"host h1: 1 endpoints, 0 instances, 0 exits, applied revision 41 at 2026-12-06T13:00:00Z, domains shop, 1 skipped, 2 waiting|host h2: 1 endpoints, 0 instances, 0 exits, no status" \
	"$(grep '^host' /tmp/etcd.out | paste -sd '|')"
check_eq "status h1: the key it skipped, the two it waits for" "1 2" \
	"$(sc status h1 | grep -c '^  skipped') $(sc status h1 | grep -c '^  waiting')"
if command -v jq >/dev/null; then
	check_eq "-j show: rule 5's port, the endpoints' hosts, h1's status" \
		"$rev 6000 h1,h2 41 1 2 shop false" \
		"$(jq -r '[.revision, .domains.shop.rules["5"].port,
			([.domains.shop.endpoints[].host] | join(",")),
			.hosts.h1.status.revision, (.hosts.h1.status.skipped | length),
			(.hosts.h1.status.waiting | length),
			(.hosts.h1.status.domains | join(",")),
			(.hosts.h2 | has("status"))] | map(tostring) | join(" ")' /tmp/etcd.show)"
	check_eq "-j save: every key of config/ and hosts/, values as objects" \
		"$(et range '/segfilter/v1/config/*' | awk 'NR == 1 { n = $4 } END { print n }') 6000 db" \
		"$(sc -j save | jq -r '[(.keys | keys | map(select(contains("/config/"))) | length),
			.keys["/segfilter/v1/'$K5'"].port,
			.keys["/segfilter/v1/hosts/h2/endpoints/shop/02:00:00:00:00:02"].group]
			| map(tostring) | join(" ")')"
	check_eq "-j status: h1's status object" "41 tap9" \
		"$(sc -j status | jq -r '"\(.hosts.h1.status.revision) \(.hosts.h1.status.waiting[1].port)"')"
else
	skip "-j show, save and status: no jq in the guest"
fi

# endpoint claim and set: the endpoint keys rewritten in one revision,
# on the condition that none changed since segctl read it.
E1=hosts/h1/endpoints/shop/02:00:00:00:00:01
E2=hosts/h2/endpoints/shop/02:00:00:00:00:02
ips() { val "$1" | grep -o '"ips":\[[^]]*\]'; }
r=$(now)
sc endpoint claim 02:00:00:00:00:02 domain shop ip 10.0.0.1 >/tmp/etcd.out 2>&1
check_eq "endpoint claim: 10.0.0.1 from h1's endpoint to h2's, one revision" \
	"0 $((r + 1)) \"ips\":[] \"ips\":[\"10.0.0.2\",\"10.0.0.1\"]" \
	"$? $(now) $(ips $E1) $(ips $E2)"
r=$(now)
sc endpoint set 02:00:00:00:00:01 domain shop group db add-ip 10.0.0.9 \
	>/tmp/etcd.out 2>&1
check_eq "endpoint set: h1's endpoint in group db with 10.0.0.9, one revision" \
	"0 $((r + 1)) \"group\":\"db\" \"ips\":[\"10.0.0.9\"]" \
	"$? $(now) $(val $E1 | grep -o '"group":"[a-z]*"') $(ips $E1)"
r=$(now)
check "endpoint set del-ip of an address it lacks: refused" \
	sc_errs "has no address 10.7.7.7" endpoint set 02:00:00:00:00:01 \
	domain shop del-ip 10.7.7.7
check "endpoint claim for an endpoint on no host: refused" \
	sc_errs "is on no host" endpoint claim 02:00:00:00:00:07 domain shop \
	ip 10.0.0.1
check "endpoint set in a batch file: refused (it reads the endpoints)" \
	sc_errs "not in a batch file" -b "$(batch set \
		'endpoint set 02:00:00:00:00:01 domain shop group web')"
check "an exit whose ip has no /LEN: refused" \
	sc_errs 'ip "192.0.2.2" is not an IPv4 prefix A/LEN' port attach x0 \
	domain shop role exit ip 192.0.2.2 nexthop 192.0.2.1 host h1
check_eq "...none of the four wrote anything" "$r" "$(now)"
sc endpoint set 02:00:00:00:00:01 domain shop group web ip 10.0.0.1 \
	>/dev/null 2>&1
sc endpoint set 02:00:00:00:00:02 domain shop del-ip 10.0.0.1 >/dev/null 2>&1
check_eq "...and both set back as they were" \
	"\"ips\":[\"10.0.0.1\"] \"ips\":[\"10.0.0.2\"]" "$(ips $E1) $(ips $E2)"

# Prefix groups and a domain's DHCP settings in the schema.
G=config/domains/shop/groups
sc group add internet id 9 domain shop >/dev/null 2>&1
r=$(now)
sc prefix add 0.0.0.0/0 domain shop group internet >/tmp/etcd.out 2>&1 &&
sc prefix add 2001:0db8::/32 domain shop group internet >>/tmp/etcd.out 2>&1
check_eq "prefix add twice: two revisions, the group's prefixes, canonical" \
	"0 $((r + 2)) \"prefixes\":[\"0.0.0.0/0\",\"2001:db8::/32\"]" \
	"$? $(now) $(val $G/internet | grep -o '"prefixes":\[[^]]*\]')"
check "an equal prefix in another group: refused" \
	sc_errs 'is in group "internet" already' prefix add 0.0.0.0/0 \
	domain shop group web
check "prefix del of a prefix no group has: refused" \
	sc_errs "is in no group" prefix del 10.9.9.0/24 domain shop
check "prefix del takes it out of its group" \
	sc prefix del 2001:db8::/32 domain shop
sc domain set shop mtu 1400 dns 10.0.0.53,10.0.0.54 >/dev/null 2>&1
sc show >/tmp/etcd.out 2>&1
check_eq "show: the domain's mtu and dns, the group's prefix as its own line" \
	"mtu 1400 dns 10.0.0.53,10.0.0.54|prefix add 0.0.0.0/0 domain shop group internet" \
	"$(grep -o 'mtu [0-9]* dns [0-9.,]*' /tmp/etcd.out)|$(grep -o 'prefix add .*' /tmp/etcd.out)"
sc domain set shop mtu 0 dns none >/dev/null 2>&1
sc group del internet domain shop >/dev/null 2>&1
check_eq "...mtu 0 and dns none take them out of the value" "none none" \
	"$(val config/domains/shop | grep -q '"mtu"' && echo mtu || echo none) $(val config/domains/shop | grep -q '"dns"' && echo dns || echo none)"

# Auth: root, and a user whose role covers /t/lim/ only.
# (etcdctl, a Go program, takes seconds to start under TCG: the steps
# around the one the client is judged on go to the gateway directly.)
{
	et post /v3/auth/user/add '{"name":"root","password":"rootpw"}' &&
	et post /v3/auth/user/grant '{"user":"root","role":"root"}' &&
	et post /v3/auth/role/add '{"name":"lim"}' &&
	etcdctl_ role grant-permission lim --prefix=true readwrite /t/lim/ &&
	et post /v3/auth/user/add '{"name":"lim","password":"limpw"}' &&
	et post /v3/auth/user/grant '{"user":"lim","role":"lim"}' &&
	et post /v3/auth/enable '{}'
} >/tmp/etcd.out 2>&1
check "auth enabled: root and user lim (readwrite /t/lim/)" test $? = 0
check "lim writes under its prefix" et -u lim:limpw put /t/lim/k 1
check "lim reads it back" et -u lim:limpw range /t/lim/k
check "lim's write outside its prefix: -EACCES" \
	errs -EACCES "permission denied" et -u lim:limpw put /t/other 1
check "lim's read outside its prefix: -EACCES" \
	errs -EACCES "permission denied" et -u lim:limpw range /t/page/00001
check "lim's watch outside its prefix fails, permission denied" \
	errs "" "permission denied" et -u lim:limpw watch /t/other 0 1 3000
check "a wrong password: -EACCES" \
	errs -EACCES "authentication failed" et -u lim:wrong range /t/lim/k
check "no user at all: -EACCES" \
	errs -EACCES "user name is empty" et range /t/lim/k
check "root writes anywhere" et -u root:rootpw put /t/other 1
# Disabling and enabling auth drops every token: the client logs in again.
rm -f /tmp/etcd.go
et -u lim:limpw again 2 /tmp/etcd.go put /t/lim/renew x >/tmp/etcd.watch 2>&1 &
WATCH_PID=$!
wait_for 100 grep -q revision /tmp/etcd.watch
et -u root:rootpw post /v3/auth/disable '{}' >/dev/null &&
	et post /v3/auth/enable '{}' >/dev/null
touch /tmp/etcd.go
wait "$WATCH_PID"
rc=$?
WATCH_PID=
check_eq "a token etcd dropped is renewed and the request retried" \
	"0 2" "$rc $(grep -c revision /tmp/etcd.watch)"

# Bad endpoints, no etcd.
check "a URL of another scheme: -EINVAL" \
	errs -EINVAL "Unsupported protocol" "$ET" -e ftp://10.99.0.11:2379 range k
check "a malformed URL: -EINVAL" \
	errs -EINVAL "bad/illegal format" "$ET" -e 'http://[10.99.0.11' range k
check "no endpoint at all" errs "" "no endpoint" "$ET" -e , range k
check "nothing listening: -ECONNREFUSED" \
	errs -ECONNREFUSED "Couldn't connect" "$ET" -e http://127.0.0.1:1 range k
check "a bad endpoint first, then a good one: it works" \
	"$ET" -e "ftp://x,http://127.0.0.1:1,$ETCD_ENDPOINTS" -u lim:limpw range /t/lim/k

# Answers no etcd gives, from a fake one: clean errors.
fake()
{
	if [ -n "$FAKE_PID" ]; then
		kill "$FAKE_PID" 2>/dev/null
		wait "$FAKE_PID" 2>/dev/null
	fi
	rm -f /tmp/etcd.fake
	"$ET" fake "$FAKE_PORT" "$1" >/tmp/etcd.fake &
	FAKE_PID=$!
	wait_for 50 grep -q listening /tmp/etcd.fake
}
F=http://127.0.0.1:$FAKE_PORT
fake garbage
check "an answer that is not JSON: -EPROTO" \
	errs -EPROTO "not a JSON object" "$ET" -e "$F" range k
fake http500
check "HTTP 500 without an etcd error: -EPROTO" \
	errs -EPROTO "HTTP 500" "$ET" -e "$F" range k
fake huge
check "an answer announcing 1 GB: -EPROTO, not read" \
	errs -EPROTO "larger than 64 MiB" "$ET" -e "$F" range k
fake truncated
check "a truncated answer: -EPROTO" errs -EPROTO "" "$ET" -e "$F" range k
fake badwatch
check "a watch line with a bad key: -EPROTO" \
	errs -EPROTO "malformed key" "$ET" -e "$F" watch k 0 1 5000
fake bigline
check "a watch line over 64 MiB: -EPROTO" \
	errs -EPROTO "larger than 64 MiB" "$ET" -e "$F" watch k 0 1 20000

echo "# etcd.sh: $SECONDS s"
finish
