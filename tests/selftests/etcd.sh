#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The etcd client of segd (ctl/etcd.c), through tests/tools/etcdtest,
# against a real 3-member etcd cluster (etcd_cluster_start of lib.sh):
# paged ranges at a pinned revision, transactions as one revision,
# watches from a revision grouped per revision, leases, a member down,
# compaction under a watch, auth with a prefix-limited user, and errors:
# bad endpoint URLs, no etcd, and answers no etcd gives (a fake one).
#
# It does not touch the kernel: it runs on 6.1 and debug, not 6.12.

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

case ${SEGFILTER_KERNEL:-} in
6.12)
	echo "# etcd.sh: runs on 6.1 and debug only, not on ${SEGFILTER_KERNEL}"
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
	rm -f /tmp/etcd.watch /tmp/etcd.out /tmp/etcd.fake /tmp/etcd.go
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
id=$(et lease-grant 5)
check "a key on a 5 s lease" et put /t/l/e v "$id"
key_gone() { et range /t/l/e | grep -q 'count 0'; }
check "the key disappears when the lease expires" wait_for 200 key_gone
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
