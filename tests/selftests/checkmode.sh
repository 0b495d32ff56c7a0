#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# segctl -c -b FILE: the kernel applies and builds the whole transaction,
# then undoes it.  A good file exits 0 and changes nothing (segctl save,
# the domain's generation, the ports); a bad one fails with the kernel's
# error and its line and changes nothing either, nor does one whose
# error only the commit's build finds.  And files that are not text:
# refused, naming the line, nothing sent.
#
#   domain t (id 1, default allow), groups web (1) and db (2); a on the
#   port va (web, 10.0.0.1); b's veth vb and vx0, a VXLAN-GBP device,
#   not attached; later c's veth vc, with an address of the hypervisor's.

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"
skip_on 6.12 "segctl and the control path, the same on every kernel"

F=/tmp/checkmode
cleanup()
{
	cleanup_vms
	"$IP" link del vx0 2>/dev/null
	rm -rf "$F"
}
trap cleanup EXIT

gen() { $SEGCTL -j domain show t | sed -n 's/.*"gen":\([0-9]*\).*/\1/p'; }
ports() { $SEGCTL port show | awk '{ print $2 }' | sort | paste -sd ' '; }

module_reload
mkdir -p "$F"
vm_veth a va 02:00:00:00:00:01 10.0.0.1 fd00::1
vm_veth b vb 02:00:00:00:00:02 10.0.0.2 fd00::2
"$IP" link add vx0 type vxlan external gbp dstport 4789
"$IP" link set vx0 up
printf '%s\n' \
	"domain add t id 1 default allow" \
	"group add web id 1 domain t" \
	"group add db id 2 domain t" \
	"port attach va domain t" \
	"endpoint add 02:00:00:00:00:01 domain t group web port va ip 10.0.0.1" \
	>"$F/base"
check "the base configuration" $SEGCTL -b "$F/base"

# base: remember the state that every -c must leave as it is.
base()
{
	save0=$($SEGCTL save)
	gen0=$(gen)
	ports0=$(ports)
}

# same WHAT: nothing changed since base.
same()
{
	check_eq "$1: segctl save is unchanged" "$save0" "$($SEGCTL save)"
	check_eq "$1: the domain's generation too" "$gen0" "$(gen)"
	check_eq "$1: and the ports" "$ports0" "$(ports)"
}
base

# ---- a good file ----
printf '%s\n' \
	"# a second VM, a rule, the default changed, a new domain" \
	"port attach vb domain t" \
	"endpoint add 02:00:00:00:00:02 domain t group db port vb ip 10.0.0.2" \
	"rule add domain t from web to db proto icmp action allow" \
	"domain set t default deny" \
	"domain add u id 2" \
	"group add app id 1 domain u" \
	>"$F/good"
$SEGCTL -c -b "$F/good" >"$OUT" 2>&1
rc=$?
check_eq "-c on a good file exits 0" 0 "$rc"
check_eq "...silently" "" "$(cat "$OUT")"
same "-c on a good file"
check_fails "a still does not reach b (vb was not kept)" \
	n a ping -c 1 -W 1 10.0.0.2
check "the same file for real: exit 0" $SEGCTL -b "$F/good"
check "...and it is there" sh -c "$SEGCTL save | grep -q 'domain add u id 2' &&
	$SEGCTL endpoint show domain t | grep -q 02:00:00:00:00:02"
check "...a reaches b now" n a ping -c 1 -W 2 10.0.0.2

# Back to the base.
module_reload
$SEGCTL -b "$F/base"
base

# ---- a command's error, found when the commit applies it ----
printf '%s\n' \
	"port attach vb domain t" \
	"group del db domain t" \
	"rule add domain t from web to db proto tcp port 80 action allow" \
	>"$F/bad"
check_err "-c on a rule naming a group the file deletes: error, line 3" \
	"" "Error: $F/bad:3: " $SEGCTL -c -b "$F/bad"
cp "$OUT" "$F/bad.out"
check "...which names the group" grep -q 'group "db"' "$F/bad.out"
$SEGCTL -c -b "$F/bad" >/dev/null 2>&1
check_eq "...exit 1" 1 "$?"
same "-c on a bad file"
check_err "without -c, the same error" "" "Error: $F/bad:3: " \
	$SEGCTL -b "$F/bad"
same "the bad file without -c"

# ---- an error only the commit's build finds ----
# A domain on 65 other hosts: every command is good, but its generation
# cannot be built (64 at most).
{
	echo "port attach vx0 role uplink"
	echo "domain add wide id 3 vni 300"
	echo "group add g id 1 domain wide"
	for i in $(seq 1 65); do
		printf 'endpoint add 02:00:00:00:03:%02x domain wide group g port vx0 ip 10.4.0.%d remote 192.168.60.%d\n' \
			"$i" "$i" "$i"
	done
} >"$F/wide"
check_err "-c on a file whose generation cannot be built: the build's error" \
	"" "more than 64 other hosts" $SEGCTL -c -b "$F/wide"
same "-c on a file the build refuses"
head -n 67 "$F/wide" >"$F/wide64"
check "...64 hosts pass -c" $SEGCTL -c -b "$F/wide64"
same "-c of 64 hosts"

# ---- a checked port attach leaves the device's frames alone ----
# c pings the hypervisor itself through vc, every 20 ms, while a long
# file that attaches vc is checked: none may be lost.  The same file
# applied for real but failing at its last line takes vc's frames
# for as long as the commit runs, and loses some: the control.
vm_veth c vc 02:00:00:00:00:03 10.0.0.3 fd00::3
"$IP" addr add 10.9.0.1/24 dev vc
n c "$IP" addr add 10.9.0.2/24 dev eth0
# (The debug kernel, 3-5 times slower, holds the port as long with
# fewer rules.)
{
	echo "port attach vc domain t"
	awk -v n="$(reps 60000 10000)" 'BEGIN { for (i = 1; i <= n; i++)
		printf "rule add domain t from web to db proto tcp port %d action allow\n",
			i % 65535 + 1 }'
} >"$F/long"
cp "$F/long" "$F/long-bad"
echo "rule add domain t from web to nosuch action allow" >>"$F/long-bad"

# lost NS ADDR CMD...: how many of NS's pings to ADDR CMD's run lost (one
# in flight at the end aside).
lost()
{
	local pid ns=$1 addr=$2
	shift 2
	# ping itself, not a subshell (which would ignore SIGINT).
	"$IP" netns exec "$ns" ping -i 0.02 "$addr" >"$F/ping" 2>&1 &
	pid=$!
	wait_for 50 grep -q "seq=5 " "$F/ping"
	"$@" >/dev/null 2>&1
	sleep 0.2
	kill -INT "$pid"
	wait "$pid"
	awk '/packets transmitted/ { n = $1 - $4; print (n > 1 ? n - 1 : 0) }' \
		"$F/ping"
}
check_ge "the control: a failing commit attaching vc loses c's pings" 3 \
	"$(lost c 10.9.0.1 $SEGCTL -b "$F/long-bad")"
check_eq "-c of the file attaching vc loses none" 0 \
	"$(lost c 10.9.0.1 $SEGCTL -c -b "$F/long")"
same "-c of the long file"

# ---- a checked endpoint move is not made ----
# A move takes effect in the data path at once in a commit (no
# generation gates a location).  a pings b while a file that attaches
# vc and moves a's endpoint there is checked: b's answers must still
# reach a by va, and a's pings be taken from va.  The same file failing
# at its last line moves a to vc for as long as the commit runs: the
# control.
printf '%s\n' "port attach vb domain t" \
	"endpoint add 02:00:00:00:00:02 domain t group db port vb ip 10.0.0.2" \
	>"$F/b"
check "b attached" $SEGCTL -b "$F/b"
check "a reaches b" n a ping -c 1 -W 2 10.0.0.2
base
{
	echo "port attach vc domain t"
	echo "endpoint move 02:00:00:00:00:01 domain t port vc"
	tail -n +2 "$F/long"
} >"$F/move"
cp "$F/move" "$F/move-bad"
echo "rule add domain t from web to nosuch action allow" >>"$F/move-bad"
check_ge "the control: a failing commit moving a to vc loses a's pings" 3 \
	"$(lost a 10.0.0.2 $SEGCTL -b "$F/move-bad")"
check "...and a is back on va" sh -c \
	"$SEGCTL endpoint show domain t | grep 02:00:00:00:00:01 | grep -qw va"
check_eq "-c of the file moving a to vc loses none of a's pings" 0 \
	"$(lost a 10.0.0.2 $SEGCTL -c -b "$F/move")"
same "-c of the move"
printf '%s\n' "endpoint move 02:00:00:00:00:01 domain t port vc" \
	>"$F/move-free"
check_err "-c of a move to a device not attached: the kernel's refusal" "" \
	"Error: $F/move-free:1: " $SEGCTL -c -b "$F/move-free"
same "-c of the refused move"

# ---- -c is for -b ----
check_err "-c without -b is refused" "" '"-c" checks a batch file' \
	$SEGCTL -c domain show
check_err "...and -c with sync" "" '"-c" checks a batch file' \
	$SEGCTL -c sync "$F/good"
: >"$F/empty"
check "an empty file passes -c" $SEGCTL -c -b "$F/empty"

# ---- files that are not text ----
head -c 4096 /dev/zero >"$F/zero"
printf 'domain add z id 9\n\0\n' >"$F/nul"
printf 'domain add z id 9\ngroup add g id 1 domain z\0junk\n' >"$F/nul2"
check_err "a zero-filled file is refused, at its line 1" "" \
	"segctl: $F/zero:1: a NUL byte: not a text file" $SEGCTL -b "$F/zero"
$SEGCTL -b "$F/zero" >/dev/null 2>&1
check_eq "...exit 2" 2 "$?"
check_err "a NUL byte alone on line 2" "" \
	"segctl: $F/nul:2: a NUL byte: not a text file" $SEGCTL -b "$F/nul"
check_err "...in the middle of line 2" "" \
	"segctl: $F/nul2:2: a NUL byte: not a text file" $SEGCTL -b "$F/nul2"
check_err "...with -c as well" "" "$F/nul:2: a NUL byte" \
	$SEGCTL -c -b "$F/nul"
check_err "segctl sync refuses it too" "" "$F/nul:2: a NUL byte" \
	$SEGCTL sync "$F/nul"
check_err "...and diff" "" "$F/zero:1: a NUL byte" $SEGCTL diff "$F/zero"
check_err "...and stdin" "" "-:1: a NUL byte" \
	sh -c "$SEGCTL -b - <$F/zero"
same "files that are not text: nothing sent"

finish
