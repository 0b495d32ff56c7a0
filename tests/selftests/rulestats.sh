#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Rule counters, which rules take from blocks of slots their domain
# shares (kmod/counter.c): with more rules than one block holds, each
# rule counts what it decided and nothing else; a rule that takes the
# slot of a deleted one, or replaces one of its id, starts at zero; a
# failed commit leaves the counters as they were.
#
#   +-----------+          +-----------+
#   | a1  .1    |          | b1  .2    |
#   +-----+-----+          +-----+-----+
#         |va1                   |vb1
#   +-----+----------------------+-----+
#   |  domain ctr, default allow       |
#   |  rule 1:  a -> b icmp deny       |  first block
#   |  1100 rules c -> d tcp deny      |  fill it, eight more and
#   |  rule 2:  b -> a icmp deny       |  part of the tenth
#   +----------------------------------+
#   IPv4 10.0.0.N/24, IPv6 fd00::N/64

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

skip_on 6.12 "the module's own logic, the same on every kernel (6.1, debug)"

trap cleanup_vms EXIT

FILLERS=1100

setup()
{
	module_reload
	$SEGCTL domain add ctr id 1 default allow >/dev/null &&
	$SEGCTL group add a id 1 domain ctr >/dev/null &&
	$SEGCTL group add b id 2 domain ctr >/dev/null &&
	$SEGCTL group add c id 3 domain ctr >/dev/null &&
	$SEGCTL group add d id 4 domain ctr >/dev/null || return 1
	vm_veth a1 va1 02:00:00:00:0a:01 10.0.0.1 fd00::1
	vm_veth b1 vb1 02:00:00:00:0b:01 10.0.0.2 fd00::2
	$SEGCTL port attach va1 domain ctr >/dev/null &&
	$SEGCTL port attach vb1 domain ctr >/dev/null &&
	$SEGCTL endpoint add 02:00:00:00:0a:01 domain ctr group a port va1 \
		ip 10.0.0.1 ip fd00::1 >/dev/null &&
	$SEGCTL endpoint add 02:00:00:00:0b:01 domain ctr group b port vb1 \
		ip 10.0.0.2 ip fd00::2 >/dev/null
}

# rule_stat ID packets|bytes: one counter of rule ID (empty: no rule).
rule_stat()
{
	$SEGCTL stats domain ctr |
		awk -v r="$1" -v k="$2" '$1 == "rule" && $2 == r {
			for (i = 3; i < NF; i++) if ($i == k) print $(i + 1) }'
}

# The packets counted by the rules other than 1, 2 and 3.
others_packets()
{
	$SEGCTL stats domain ctr |
		awk '$1 == "rule" && $2 > 3 {
			for (i = 3; i < NF; i++) if ($i == "packets") s += $(i + 1) }
			END { print s + 0 }'
}

n_rules()
{
	$SEGCTL stats domain ctr | awk '$1 == "rule" { n++ } END { print n + 0 }'
}

# pings FROM TO COUNT: COUNT echo requests FROM sends TO, which must
# all go unanswered; prints how many it sent ("" if any was answered).
pings()
{
	n "$1" ping -c "$3" -W 1 -w $(($3 + 2)) "$2" |
		awk '/packets transmitted/ { if ($4 == 0) print $1 }'
}

if ! setup; then
	fail "set up a domain with two VMs"
	finish
fi

check "rule 1 (a -> b icmp deny), in the domain's first block" \
	$SEGCTL rule add id 1 domain ctr from a to b proto icmp action deny
awk -v n="$FILLERS" 'BEGIN { for (i = 0; i < n; i++)
	printf "rule add id %d domain ctr from c to d proto tcp port %d action deny\n",
		100 + i, 1 + i }' >/tmp/fillers.batch
check "$FILLERS more rules in one commit, beyond 1024 slots" \
	$SEGCTL -b /tmp/fillers.batch
check "rule 2 (b -> a icmp deny), after them" \
	$SEGCTL rule add id 2 domain ctr from b to a proto icmp action deny
check_eq "the domain shows every rule's counters" $((FILLERS + 2)) "$(n_rules)"
check_eq "...all at zero" 0 \
	"$($SEGCTL stats domain ctr | awk '$1 == "rule" {
		for (i = 3; i < NF; i++) if ($i == "packets") s += $(i + 1) }
		END { print s + 0 }')"

sent_a=$(pings a1 10.0.0.2 3)
check_ge "a1's echoes to b1 are sent and denied" 1 "$sent_a"
sent_b=$(pings b1 10.0.0.1 5)
check_ge "b1's echoes to a1 too" 1 "$sent_b"
check_eq "rule 1 counted every echo a1 sent" "$sent_a" "$(rule_stat 1 packets)"
check_ge "...and their bytes" $((sent_a * 84)) "$(rule_stat 1 bytes)"
check_eq "rule 2, in the last block, every echo b1 sent" "$sent_b" \
	"$(rule_stat 2 packets)"
check_eq "no other rule counted anything" 0 "$(others_packets)"
check_eq "...and the domain counted them all as rule_deny" \
	$((sent_a + sent_b)) "$(counter domain ctr rule_deny)"

# ---- a slot given back, and taken again ----

check "rule 1 deleted" $SEGCTL rule del 1 domain ctr
# Its slot is given back a grace period after the commit.
sleep 1
check "rule 3 (a -> b icmp deny) takes its slot" \
	$SEGCTL rule add id 3 domain ctr from a to b proto icmp action deny
check_eq "...and starts at zero packets" 0 "$(rule_stat 3 packets)"
check_eq "...and zero bytes" 0 "$(rule_stat 3 bytes)"
sent=$(pings a1 10.0.0.2 2)
check_eq "...then counts what it decides" "$sent" "$(rule_stat 3 packets)"
check_eq "rule 2 kept its count" "$sent_b" "$(rule_stat 2 packets)"
check_eq "no other rule counted anything" 0 "$(others_packets)"

# ---- a rule replaced under its id ----

cat >/tmp/bad.batch <<'B'
rule del 2 domain ctr
rule add id 2 domain ctr from b to a proto icmp action deny
rule add id 9 domain ctr from nosuch to a action deny
B
check_fails "a commit that replaces rule 2 and then fails" \
	$SEGCTL -b /tmp/bad.batch
check_eq "...leaves rule 2's count as it was" "$sent_b" \
	"$(rule_stat 2 packets)"
sent=$(pings b1 10.0.0.1 1)
check_eq "...and rule 2 still counts" $((sent_b + sent)) \
	"$(rule_stat 2 packets)"
cat >/tmp/replace.batch <<'B'
rule del 2 domain ctr
rule add id 2 domain ctr from b to a proto icmp action deny
B
check "rule 2 replaced by one of the same id" $SEGCTL -b /tmp/replace.batch
check_eq "...whose counters start at zero" 0 "$(rule_stat 2 packets)"
sent_b=$(pings b1 10.0.0.1 2)
check_eq "...then count what it decides" "$sent_b" "$(rule_stat 2 packets)"

# ---- the blocks go ----

awk -v n="$FILLERS" 'BEGIN { for (i = 0; i < n; i++)
	printf "rule del %d domain ctr\n", 100 + i }' >/tmp/fillers-del.batch
check "the $FILLERS rules deleted in one commit" \
	$SEGCTL -b /tmp/fillers-del.batch
sleep 1
check_eq "two rules are left" 2 "$(n_rules)"
before=$(rule_stat 3 packets)
sent=$(pings a1 10.0.0.2 2)
check_eq "rule 3 still counts, in a block that stayed" \
	$((before + sent)) "$(rule_stat 3 packets)"
check_eq "...and rule 2 kept its count" "$sent_b" "$(rule_stat 2 packets)"
check "a new rule after the blocks went" \
	$SEGCTL rule add id 4 domain ctr from c to d action deny
check_eq "...starts at zero" 0 "$(rule_stat 4 packets)"
check "the domain deleted with its ports" sh -c \
	"$SEGCTL port detach va1 && $SEGCTL port detach vb1 && $SEGCTL domain del ctr"
check "the module unloads" module_unload

finish
