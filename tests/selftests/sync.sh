#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# segctl sync FILE and segctl diff FILE: the module's configuration made
# equal to a file in one transaction, or the difference printed.
#
#   domain t (id 1), groups web (1) and db (2), one /24:
#
#   a   web  va   10.0.0.1        c   web  vc   10.0.0.3
#   b   db   vb   10.0.0.2        d   db   vd   10.0.0.4
#   m   db   vm1  10.0.0.5 (namespace m1), later on vm2 (namespace m2,
#                                     the same MAC and address)
#
#   rule 10: web -> db icmp allow
#   rule 20: db -> db tcp 1000-2000 to chain ch of service fw, whose
#            one instance (the ports fw1-l, fw1-r) is drained
#
# First default allow; the new file makes it default deny, adds rule
# 30 (db -> web icmp allow), removes c and moves m from vm1 to vm2.

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"
skip_on debug "segctl's side; the kernel's transactions are readd.sh's and owned.sh's there"

skip_on 6.12 "segctl and the control path, the same on every kernel"

F=/tmp/sync
cleanup()
{
	[ -z "${PING_PID:-}" ] || kill "$PING_PID" 2>/dev/null
	cleanup_vms
	rm -rf "$F"
}
trap cleanup EXIT

mac() { printf '02:00:00:00:00:%02x' "$1"; }
gen() { $SEGCTL -j domain show t | sed -n 's/.*"gen":\([0-9]*\).*/\1/p'; }
save() { $SEGCTL save; }

# gapless FILE: a ping stopped by SIGINT (output in FILE) got an answer
# to every request but the last few, which may still have been in flight.
gapless()
{
	awk '/ seq=[0-9]+ / { s = $0; sub(/.* seq=/, "", s); sub(/ .*/, "", s)
			if (!((s + 0) in got)) { got[s + 0] = 1; n++ }
			if (s + 0 > top) top = s + 0 }
		/packets transmitted/ { sent = $1 }
		END { if (!n || n != top + 1 || sent - n > 3) {
				printf "%d sent, %d answered, top seq %d\n",
					sent, n, top
				exit 1 } }' "$1"
}

setup()
{
	local i dev ns
	module_reload
	mkdir -p "$F"
	i=1
	for ns in a b c d; do
		vm_veth "$ns" "v$ns" "$(mac $i)" "10.0.0.$i" "fd00::$i"
		i=$((i + 1))
	done
	vm_veth m1 vm1 "$(mac 5)" 10.0.0.5 fd00::5
	vm_veth m2 vm2 "$(mac 5)" 10.0.0.5 fd00::5
	quiet_ns fw1
	for dev in l r; do
		"$IP" link add "fw1-$dev" type veth peer name "eth-$dev" \
			netns fw1
		host_port_up "fw1-$dev"
	done
	# Written by hand: ids for names, keywords in any order, defaults
	# left out.
	cat >"$F/start" <<-EOF
	# the start
	domain add t id 1
	group add web domain t id 1
	group add db id 2 domain 1
	EOF
	for dev in va vb vc vd vm1 vm2; do
		echo "port attach $dev domain t"
	done >>"$F/start"
	echo "port attach fw1-l role service domain t" >>"$F/start"
	echo "port attach fw1-r domain t role service" >>"$F/start"
	cat >>"$F/start" <<-EOF
	endpoint add $(mac 1) group web domain t port va ip 10.0.0.1
	endpoint add $(mac 2) domain t group 2 port vb ip 10.0.0.2
	endpoint add $(mac 3) domain t group web port vc ip 10.0.0.3
	endpoint add $(mac 4) domain t group db port vd ip 10.0.0.4
	endpoint add $(mac 5) domain 1 group db port vm1 ip 10.0.0.5
	rule add domain t action allow proto icmp from web id 10 to db
	service add fw mode transparent domain t
	service instance add fw 1 domain t right fw1-r left fw1-l
	service instance drain fw 1 domain 1
	chain add ch services fw domain t
	rule add id 20 domain t from db to db port 1000-2000 proto tcp log action redirect ch
	EOF
	$SEGCTL -b "$F/start"
}

if ! setup; then
	fail "set up domain t from a hand-written batch file"
	finish
fi

# ---- nothing to do ----

save >"$F/saved"
check "save holds the drained instance and the redirect rule" \
	sh -c "grep -q '^service instance drain fw 1 domain t$' $F/saved &&
	       grep -q '^rule add id 20 .* action redirect ch log$' $F/saved"
check_eq "diff of a hand-written file equal to the module is empty" \
	"0:" "$($SEGCTL diff "$F/start" >"$F/out"; echo "$?:$(cat "$F/out")")"
check_eq "diff of what save printed is empty, and exits 0" \
	"0:" "$($SEGCTL diff "$F/saved" >"$F/out"; echo "$?:$(cat "$F/out")")"

g0=$(gen)
"$IP" netns exec a ping -i 0.05 -W 1 10.0.0.2 >"$F/ping" 2>&1 &
PING_PID=$!
sleep 1
check "sync of what save printed" $SEGCTL sync "$F/saved"
sleep 0.5
kill -INT "$PING_PID"
wait "$PING_PID"
PING_PID=
check "...lost no ping of a to b meanwhile" gapless "$F/ping"
check "...and save prints the same after" \
	sh -c "$SEGCTL save | cmp -s - $F/saved"
check_eq "...and committed nothing (the policy generation)" "$g0" "$(gen)"

# ---- one sync, many changes ----

check "before: c pings a (default allow)" ping4 c 10.0.0.1
check "before: b pings d (default allow)" ping4 b 10.0.0.4
before=$(in_echos m1)
check "before: a pings m, on vm1" ping4 a 10.0.0.5
check_ge "...which m1 answers" $((before + 2)) "$(in_echos m1)"

sed -e "/^domain add t /s/default allow/default deny/" \
	-e "/$(mac 3)/d" \
	-e "/$(mac 5)/s/port vm1/port vm2/" "$F/saved" >"$F/new"
echo "rule add id 30 domain t from db to web proto icmp action allow" \
	>>"$F/new"
cat >"$F/expected" <<-EOF
endpoint del $(mac 3) domain t
domain set t default deny flow-limit 65536 endpoint-limit 16384 rule-limit 65536 service-limit 64 chain-limit 64 prefix-limit 65536 bum-limit 1000
endpoint move $(mac 5) domain t port vm2
rule add id 30 domain t prio 1000 from db to web proto icmp action allow
EOF
$SEGCTL diff "$F/new" >"$F/diff"
check_eq "diff of the new file exits 1" 1 "$?"
check "...and prints its four commands" diff -u "$F/expected" "$F/diff"
check "...and changed nothing" sh -c "$SEGCTL save | cmp -s - $F/saved"

g0=$(gen)
check "sync of the new file" $SEGCTL sync "$F/new"
check_eq "...in one commit (the policy generation)" $((g0 + 1)) "$(gen)"
check "...after which the new file has no diff" $SEGCTL diff "$F/new"
check "rule 30 added: b pings a" ping4 b 10.0.0.1
check_fails "default deny: b no longer pings d" ping4 b 10.0.0.4
check_fails "c removed: a no longer pings c" ping4 a 10.0.0.3
check_eq "...c is no endpoint" "" \
	"$($SEGCTL endpoint show domain t | grep "$(mac 3)")"
before1=$(in_echos m1)
before2=$(in_echos m2)
check "m moved: a pings m" ping4 a 10.0.0.5
check_ge "...which m2 answers now" $((before2 + 2)) "$(in_echos m2)"
check_eq "...and m1 no more" "$before1" "$(in_echos m1)"

# ---- bad files change nothing ----

save >"$F/saved"
{ grep -v "^rule add id 30 " "$F/new"
  echo "rule add id 40 domain t from nosuch to web action allow"; } \
	>"$F/bad1"
line=$(wc -l <"$F/bad1")
check_err "a file naming an unknown group is refused" "" \
	"$F/bad1:$line: group \"nosuch\" does not exist" $SEGCTL sync "$F/bad1"
check "...and nothing changed (rule 30 still there)" \
	sh -c "$SEGCTL save | cmp -s - $F/saved"

# The kernel refuses the fourth rule: the domain's rule limit is 3.
sed "/^domain add t /s/rule-limit 65536/rule-limit 3/" "$F/new" >"$F/bad2"
echo "rule add id 50 domain t from web to web proto tcp action deny" \
	>>"$F/bad2"
line=$(wc -l <"$F/bad2")
$SEGCTL sync "$F/bad2" >"$F/out" 2>&1
check_eq "a rule the kernel refuses fails the sync" 1 "$?"
check "...with the kernel's message, naming the rule's line" \
	grep -q "^Error: $F/bad2:$line: .*domain \"t\" holds 3 rules, its rule-limit" \
	"$F/out"
check "...and nothing changed (no rule 50, no rule limit 3)" \
	sh -c "$SEGCTL save | cmp -s - $F/saved"
{ cat "$F/new"; grep "^rule add id 10 " "$F/new"; } >"$F/twice"
line=$(wc -l <"$F/twice")
check_err "a record given twice is refused, naming the line" "" \
	"$F/twice:$line: rule 10 of domain t given twice" $SEGCTL diff "$F/twice"

# ---- a rule changed in place: deleted and added again ----

sed "/^rule add id 10 /s/action allow/action deny/" "$F/new" >"$F/change"
$SEGCTL sync "$F/change" >"$F/out" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q "is deleted in this transaction" "$F/out"; then
	skip "rule 10 changed in place (needs a kernel that re-adds)"
else
	check_eq "rule 10 changed in place by one sync" 0 "$rc"
	check_fails "...which now denies a's pings to b" ping4 a 10.0.0.2
fi

finish
