#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The netlink fuzzer (tests/tools/segfuzz) against a host with a live
# configuration and traffic on its ports.  Its names, ids, MACs and
# addresses overlap this configuration's, so its valid messages find,
# change and delete real objects (these ports detached, these endpoints
# moved) while its broken ones look for a parser that trusts them.
# The kernel must stay quiet (any splat fails the run, and the harness
# scans for leaks at the end), keep answering, and after all of it
# unload with traffic still flowing, then load and forward again.
#
#   a1 (10.0.0.1) --veth-- va1 [d1] va2 --veth-- a2 (10.0.0.2)
#   b1 (10.0.0.3) --veth-- vb1 [d2]      spare veths vs1, vs2 (unattached)
#
# SEGFUZZ_SEED, SEGFUZZ_COUNT and SEGFUZZ_SECS override the fixed round
# that make check runs (Documentation/testing.rst: make fuzz).

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

SEED=${SEGFUZZ_SEED:-20261204}
COUNT=${SEGFUZZ_COUNT:-20000}
SECS=${SEGFUZZ_SECS:-}
FLOODS=()

cleanup()
{
	local p
	for p in "${FLOODS[@]}"; do
		kill "$p" 2>/dev/null
	done
	cleanup_vms
	"$IP" link del vs1 2>/dev/null
}
trap cleanup EXIT

# The fuzzer's pools: domains d1..d3 with ids 1..3, groups g1..g4 with
# ids 1..4, MACs 02:00:00:00:00:01..06, IPv4 10.0.0.1..6.
configure()
{
	$SEGCTL domain add d1 id 1 &&
	$SEGCTL domain add d2 id 2 &&
	$SEGCTL group add g1 id 1 domain d1 &&
	$SEGCTL group add g2 id 2 domain d1 &&
	$SEGCTL group add g1 id 1 domain d2 &&
	$SEGCTL port attach va1 domain d1 &&
	$SEGCTL port attach va2 domain d1 &&
	$SEGCTL port attach vb1 domain d2 &&
	$SEGCTL endpoint add 02:00:00:00:00:01 domain d1 group g1 port va1 \
		ip 10.0.0.1 &&
	$SEGCTL endpoint add 02:00:00:00:00:02 domain d1 group g2 port va2 \
		ip 10.0.0.2 &&
	$SEGCTL endpoint add 02:00:00:00:00:03 domain d2 group g1 port vb1 \
		ip 10.0.0.3 &&
	$SEGCTL rule add domain d1 from g1 to g2 action allow &&
	$SEGCTL rule add domain d1 from g2 to g1 action allow
} >/dev/null

# Not through n(): the pid must be ping's own, to stop it.
flood()
{
	"$IP" netns exec "$1" ping -A -q -w "$3" "$2" >/dev/null 2>&1 &
	FLOODS+=($!)
}

module_reload
vm_veth a1 va1 02:00:00:00:00:01 10.0.0.1 fd00::1
vm_veth a2 va2 02:00:00:00:00:02 10.0.0.2 fd00::2
vm_veth b1 vb1 02:00:00:00:00:03 10.0.0.3 fd00::3
"$IP" link add vs1 type veth peer name vs2
"$IP" link set vs1 up
"$IP" link set vs2 up
check "the fuzzer's target configuration" configure
check "a1 pings a2 before the fuzzer starts" ping4 a1 10.0.0.2

ifindexes=
for d in va1 va2 vb1 vs1 vs2 lo; do
	ifindexes+=$(cat "/sys/class/net/$d/ifindex"),
done

args=(-s "$SEED" -i "${ifindexes%,}")
if [ -n "$SECS" ]; then
	args+=(-t "$SECS")
	[ -n "${SEGFUZZ_COUNT:-}" ] && args+=(-n "$COUNT")
	limit=$((SECS + 60))
else
	args+=(-n "$COUNT")
	limit=$((COUNT / 5 + 60))
fi
flood a1 10.0.0.2 "$limit"
flood a2 10.0.0.1 "$limit"
flood b1 10.0.0.1 "$limit"

log=$(mktemp)
t0=$SECONDS
"$TOOLS/segfuzz" fuzz "${args[@]}" >"$log" 2>&1
rc=$?
sed 's/^/# /' "$log"
echo "# fuzzing took $((SECONDS - t0)) s"
cp "$log" "$OUT"
check_eq "segfuzz ran to the end (seed $SEED)" 0 "$rc"
sent=$(sed -n 's/^segfuzz: seed [0-9]*: \([0-9]*\) messages.*/\1/p' "$log")
if [ -z "$SECS" ]; then
	check_ge "it sent all $COUNT messages" "$COUNT" "${sent:-0}"
fi
# Structured messages must reach past the parser: some were accepted,
# and some refused for what they said rather than how.
check_ge "the kernel accepted some of them" 1 \
	"$(sed -n 's/^segfuzz: answers: \([0-9]*\) ok.*/\1/p' "$log")"
check "...refused others with a reason (EINVAL, ENOENT, EEXIST)" \
	grep -qE '^segfuzz: refused:.*EINVAL.*' "$log"
check_eq "...and left no acked request unanswered" 0 \
	"$(sed -n 's/.* \([0-9]*\) unanswered.*/\1/p' "$log")"
check "segctl still reads the whole configuration" $SEGCTL show
check "rmmod segfilter with whatever the fuzzer left, traffic flowing" \
	rmmod segfilter
for p in "${FLOODS[@]}"; do
	kill "$p" 2>/dev/null
done
FLOODS=()
check "insmod again" insmod "$SEGFILTER_KO"
check "the configuration again" configure
check "a1 pings a2 after the fuzzer" ping4 a1 10.0.0.2
check_fails "b1 (another domain) still cannot reach a1" ping4 b1 10.0.0.1 1
rm -f "$log"
finish
