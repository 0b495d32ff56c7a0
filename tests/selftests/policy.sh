#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A three-tier application, one subnet per tier, routed by the domain's
# gateway, with zero-trust policy between groups:
#
#   +---------------+  +---------------+  +---------------+
#   | web 10.1.1.10 |  | app 10.1.2.10 |  | db 10.1.3.10  |
#   +-------+-------+  +-------+-------+  +-------+-------+
#           |vweb              |vapp              |vdb
#   +-------+------------------+------------------+-------+
#   |  domain shop, default deny, gateway 02:00:00:00:ff:01 |
#   |  10.1.1.1, 10.1.2.1, 10.1.3.1, fd01:1::1, fd01:2::1    |
#   +------------------------------------------------------+
#
#   rule 10: web -> app tcp 8080 allow (log)
#   rule 20: app -> db  tcp 5432 allow
#   rule 30: web -> db  deny
#   rule 40: any -> any icmp type 8 allow
#
# Allowed connections work over real TCP with their replies (no rule
# allows them: the flow table does); denied ones are dropped at the
# source port and counted under the rule or the default that decided;
# policy changes are transactions, revoke what they forbid, and never
# make traffic they allow skip a beat.

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

skip_on 6.12 "the module's own logic, the same on every kernel (6.1, debug)"

GW=02:00:00:00:ff:01
DEBUG_KERNEL=0
[ -e /sys/kernel/debug/kmemleak ] && DEBUG_KERNEL=1

cleanup()
{
	kill $MONITOR_PID $STREAM_PIDS 2>/dev/null
	cleanup_vms
}
trap cleanup EXIT

setup()
{
	module_reload
	$SEGCTL domain add shop id 1 default deny rule-limit 200000 gateway $GW \
		gw-ip 10.1.1.1 gw-ip 10.1.2.1 gw-ip 10.1.3.1 \
		gw-ip fd01:1::1 gw-ip fd01:2::1 gw-ip fd01:3::1 >/dev/null &&
	$SEGCTL group add web id 1 domain shop >/dev/null &&
	$SEGCTL group add app id 2 domain shop >/dev/null &&
	$SEGCTL group add db id 3 domain shop >/dev/null || return 1
	tier_vm web vweb 02:00:00:00:01:0a 1 v6
	tier_vm app vapp 02:00:00:00:02:0a 2 v6
	tier_vm db vdb 02:00:00:00:03:0a 3 v6
	local t s=1
	for t in web app db; do
		$SEGCTL port attach "v$t" domain shop >/dev/null &&
		$SEGCTL endpoint add "02:00:00:00:0$s:0a" domain shop \
			group "$t" port "v$t" ip "10.1.$s.10" \
			ip "fd01:$s::10" >/dev/null || return 1
		s=$((s + 1))
	done
	$SEGCTL rule add id 10 domain shop prio 100 from web to app \
		proto tcp port 8080 action allow log >/dev/null &&
	$SEGCTL rule add id 20 domain shop prio 100 from app to db \
		proto tcp port 5432 action allow >/dev/null &&
	$SEGCTL rule add id 30 domain shop prio 200 from web to db \
		action deny >/dev/null &&
	$SEGCTL rule add id 40 domain shop prio 300 proto icmp type 8 \
		action allow >/dev/null
}

rule_packets()
{
	$SEGCTL stats domain shop |
		awk -v r="$1" '$1 == "rule" && $2 == r {
			for (i = 3; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}

ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 }'; }

# ping_gapless FILE: a ping stopped by SIGINT (its output in FILE) had
# every request answered, up to the last ones sent: those may still have
# been in flight at the interrupt (a few, under emulation).
ping_gapless()
{
	awk '/ seq=[0-9]+ / { s = $0; sub(/.* seq=/, "", s); sub(/ .*/, "", s)
			if (!((s + 0) in got)) { got[s + 0] = 1; n++ }
			if (s + 0 > max) max = s + 0 }
		/packets transmitted/ { sent = $1 }
		END { if (n == 0 || n != max + 1 || sent - n > 3) {
				printf "%d sent, %d answered, top seq %d\n",
					sent, n, max
				exit 1 } }' "$1"
}

gen() { $SEGCTL -j domain show shop | sed -n 's/.*"gen":\([0-9]*\).*/\1/p'; }

if ! setup; then
	fail "set up three tiers behind the gateway"
	finish
fi

# ---- routed three-tier traffic ----

check "web pings app through the gateway (ARP answered in the kernel)" \
	ping4 web 10.1.2.10 1
check_ge "frames to the gateway MAC are routed" 1 \
	"$(counter domain shop routed)"
check "web -> app:8080 over TCP, through the gateway" \
	tcp_ok web app 10.1.2.10 8080
check "app -> db:5432 over TCP, replies allowed by the flow" \
	tcp_ok app db 10.1.3.10 5432
check "web -> app:8080 over IPv6" tcp_ok web app fd01:2::10 8080
check_ge "rule 10 counted the packets it decided" 4 "$(rule_packets 10)"
check_ge "connections opened flows" 3 "$(counter domain shop flows_created)"
check "segctl -j stats gives rule 10's counters too" sh -c \
	"$SEGCTL -j stats domain shop | grep -q '{\"rule\":10,\"domain\":\"shop\",\"packets\":[1-9][0-9]*,\"bytes\":[1-9]'"
check "...and the domain's default_deny and routed counters" sh -c \
	"$SEGCTL -j stats domain shop | grep -q '\"routed\":[1-9].*\"default_deny\":'"

before=$(counter domain shop rule_deny)
check "web -> db:5432 is dropped" tcp_blocked web db 10.1.3.10 5432
check_ge "...counted as denied by a rule" $((before + 1)) \
	"$(counter domain shop rule_deny)"
check_ge "...under rule 30" 1 "$(rule_packets 30)"
before=$(counter port vdb default_deny)
check "db -> web:80 is dropped" tcp_blocked db web 10.1.1.10 80
check_ge "...by the default action, at db's port" $((before + 1)) \
	"$(counter port vdb default_deny)"
check "app -> web:8080 is dropped (rules have a direction)" \
	tcp_blocked app web 10.1.1.10 8080

# A flow is a cached verdict, not a hole: app cannot reach web on the
# port web reached app on, and db cannot open to app's port either.
check "db -> app:5432 is dropped" tcp_blocked db app 10.1.2.10 5432

before=$(counter domain shop ttl_exceeded)
check_fails "a routed ping with TTL 1 does not arrive" \
	n web ping -c 1 -W 1 -t 1 10.1.2.10
check_ge "...and is counted as ttl_exceeded" $((before + 1)) \
	"$(counter domain shop ttl_exceeded)"
check_fails "an address no endpoint owns is not routed" \
	n web ping -c 1 -W 1 10.1.2.99
check_ge "...counted as no_route" 1 "$(counter domain shop no_route)"

# A flow is keyed by addresses, so a frame judged for one endpoint must
# not land at another: web sends to app's MAC with db's address (which
# rule 10 would allow as web -> app), then to db's MAC with the same
# ports, hoping to ride the flow the first one opened.
n web "$IP" route add 10.1.3.10/32 dev eth0
n web "$IP" neigh replace 10.1.3.10 lladdr 02:00:00:00:02:0a dev eth0
before=$(counter port vweb dst_mismatch)
n web timeout 3 nc -w 1 -p 40404 10.1.3.10 8080 </dev/null >/dev/null 2>&1
check_ge "a frame to app's MAC for db's address is dropped" $((before + 1)) \
	"$(counter port vweb dst_mismatch)"
n web "$IP" neigh replace 10.1.3.10 lladdr 02:00:00:00:03:0a dev eth0
check "...and db's MAC with those ports finds no flow to ride" \
	tcp_blocked web db 10.1.3.10 8080 40404
n web "$IP" route del 10.1.3.10/32 dev eth0
n web "$IP" neigh flush dev eth0

# ---- trace ----

trace_has()
{
	local want=$1
	shift
	echo "segctl trace $*"
	$SEGCTL trace "$@" >/tmp/trace.out 2>&1
	cat /tmp/trace.out
	grep -qx "$want" /tmp/trace.out
}
check "trace web -> app:8080: rule 10 allows" \
	trace_has "rule 10" vweb from 10.1.1.10 to 10.1.2.10 proto tcp dport 8080
check "trace web -> app:8080: action allow" \
	trace_has "action allow" vweb from 10.1.1.10 to 10.1.2.10 proto tcp dport 8080
check "trace web -> db:5432: rule 30, dropped" \
	trace_has "drop rule_deny" vweb from 10.1.1.10 to 10.1.3.10 proto tcp dport 5432
check "trace db -> web:80: no rule, default deny" \
	trace_has "rule default" vdb from 10.1.3.10 to 10.1.1.10 proto tcp dport 80
check "trace db -> web:80: dropped by default_deny" \
	trace_has "drop default_deny" vdb from 10.1.3.10 to 10.1.1.10 proto tcp dport 80
check "trace: groups named" \
	trace_has "to group db" vweb from 10.1.1.10 to 10.1.3.10 proto tcp dport 5432
check "trace from an address not on the port: src_ip" \
	trace_has "drop src_ip" vweb from 10.1.2.10 to 10.1.3.10 proto tcp dport 5432

# ---- a full flow table ----

# Echo requests are allowed by rule 40, echo replies only by their flow.
check "flow limit 0: no room for any flow" \
	$SEGCTL domain set shop flow-limit 0
full0=$(counter domain shop flow_table_full)
echos0=$(in_echos app)
check_fails "pings get no reply without a flow" ping4 web 10.1.2.10 2
check_ge "...but the requests the rule allows still arrive" $((echos0 + 2)) \
	"$(in_echos app)"
check_ge "...and flow_table_full says why" $((full0 + 2)) \
	"$(counter domain shop flow_table_full)"
check "flow limit back to 100" $SEGCTL domain set shop flow-limit 100
check "...and pings get their replies again" ping4 web 10.1.2.10 2

# ---- requests the kernel refuses, changing nothing ----

NLSEND=$TOOLS/nlsend
gen0=$(gen)
check_err "a rule without an action" 22 "missing action" \
	$NLSEND rule_new domain_name=str:shop
check_err "ports on a rule for any protocol" 22 "ports apply to tcp and udp only" \
	$NLSEND rule_new domain_name=str:shop action=u8:1 port_min=u16:80
check_err "a port range that ends before it starts" 22 "ends before it starts" \
	$NLSEND rule_new domain_name=str:shop action=u8:1 proto=u8:6 \
	port_min=u16:90 port_max=u16:80
check_err "a protocol the policy does not know" 22 "protocol must be" \
	$NLSEND rule_new domain_name=str:shop action=u8:1 proto=u8:47
check_err "a redirect without its chain" 22 "a redirect names its chain" \
	$NLSEND rule_new domain_name=str:shop action=u8:3
check_err "a rule naming a missing group" 2 'group "nosuch" does not exist' \
	$NLSEND rule_new domain_name=str:shop action=u8:1 \
	src_group_name=str:nosuch
check_err "a rule id that exists" 17 "rule 10 already exists" \
	$NLSEND rule_new domain_name=str:shop action=u8:1 rule_id=u32:10
check_err "deleting a rule that does not exist" 2 "rule 99 does not exist" \
	$NLSEND rule_del domain_name=str:shop rule_id=u32:99
check_err "the gateway's address cannot be an endpoint's" "" \
	"is the domain's gateway address" \
	$SEGCTL endpoint add 02:00:00:00:09:09 domain shop group web \
	port vweb ip 10.1.1.1
check "a transaction opened by a socket that then closes" \
	$NLSEND txn_begin
check_err "...is gone: it cannot be committed" 2 "no open transaction" \
	$NLSEND txn_commit txn_id=u32:1 txn_ops=u32:0
check_err "...nor can one that never was" 2 "no open transaction" \
	$NLSEND txn_commit txn_id=u32:999 txn_ops=u32:0
check_eq "...and none of that changed the policy" "$gen0" "$(gen)"
$SEGCTL group add spare id 9 domain shop >/dev/null
$SEGCTL rule add id 60 domain shop from spare to db action deny >/dev/null
check_err "a group named by a rule cannot go" 16 "is named by 1 rule(s)" \
	$NLSEND group_del domain_name=str:shop group_name=str:spare
check "...until the rule goes" sh -c "$SEGCTL rule del 60 domain shop &&
	$SEGCTL group del spare domain shop"

# ---- monitor ----

$SEGCTL monitor >/tmp/monitor.out 2>&1 &
MONITOR_PID=$!
sleep 0.5
tcp_ok web app 10.1.2.10 8080 >/dev/null 2>&1
check "monitor receives the verdict of a logging rule" \
	wait_for 30 grep -q "verdict domain shop rule 10 .*action allow.*:8080" \
	/tmp/monitor.out
kill $MONITOR_PID 2>/dev/null
wait $MONITOR_PID 2>/dev/null
MONITOR_PID=

# ---- a long connection, and a policy that forbids it ----

stream_size() { stat -c %s /tmp/stream 2>/dev/null || echo 0; }
# stream_grows MIN: the stream has reached MIN bytes.
stream_grows() { [ "$(stream_size)" -ge "$1" ]; }

rm -f /tmp/stream
n app timeout 60 nc -l -p 8080 >/tmp/stream &
STREAM_PIDS=$!
wait_for 50 is_listening app 8080
# bash's /dev/tcp: busybox nc stops reading a pipe after its first line.
n web timeout 60 bash -c 'exec 3<>/dev/tcp/10.1.2.10/8080
	while echo 0123456789 >&3; do sleep 0.1; done' &
STREAM_PIDS="$STREAM_PIDS $!"
wait_for 50 stream_grows 101
s1=$(stream_size)
check "a long connection web -> app streams" wait_for 50 stream_grows $((s1 + 50))

# A batch that fails half way changes nothing: rule 10 stays.
cat >/tmp/bad.batch <<EOF
rule del 10 domain shop
rule add id 50 domain shop from web to app proto udp port 53 action allow
rule add id 51 domain shop from nosuch to app action allow
EOF
gen0=$(gen)
check_err "a batch naming a missing group is refused" "" \
	'bad.batch:3: segfilter: group "nosuch" does not exist' \
	$SEGCTL -b /tmp/bad.batch
check_eq "...the policy generation did not change" "$gen0" "$(gen)"
check "...rule 10 is still there" sh -c "$SEGCTL rule show domain shop | grep -q '^rule 10 '"
check_fails "...rule 50 never was" sh -c "$SEGCTL rule show domain shop | grep -q '^rule 50 '"
s1=$(stream_size)
check "...and the connection still streams" wait_for 50 stream_grows $((s1 + 50))

# Deleting rule 10 revokes the connection at its next packet.
check "rule 10 deleted" $SEGCTL rule del 10 domain shop
sleep 0.5
s1=$(stream_size)
sleep 1.5
check_eq "the connection stops streaming" "$s1" "$(stream_size)"
check_ge "...its flow was revoked" 1 "$(counter domain shop revoked)"
check "...and a new connection is refused" tcp_blocked web app 10.1.2.10 8080
kill $STREAM_PIDS 2>/dev/null
wait $STREAM_PIDS 2>/dev/null
STREAM_PIDS=
check "rule 10 restored" $SEGCTL rule add id 10 domain shop prio 100 \
	from web to app proto tcp port 8080 action allow log

# ---- big batches, while allowed traffic flows ----

# big_batch FILE FIRST COUNT VERB: COUNT rules between groups 100.. and
# 200.. (added, or deleted), ids from FIRST.
big_batch()
{
	awk -v first="$2" -v count="$3" -v verb="$4" 'BEGIN {
		for (i = 0; i < count; i++) {
			id = first + i
			if (verb == "add")
				printf "rule add id %d domain shop from %d to %d proto tcp port %d action allow\n",
					id, 100 + i % 50, 200 + int(i / 50) % 50, 1 + i % 60000
			else
				printf "rule del %d domain shop\n", id
		}
	}' >"$1"
}

groups_batch()
{
	local i
	for i in $(seq 100 149) $(seq 200 249); do
		echo "group add g$i id $i domain shop"
	done
}
groups_batch >/tmp/groups.batch
check "a batch of 100 groups" $SEGCTL -b /tmp/groups.batch
big_batch /tmp/add.batch 1000 10000 add
big_batch /tmp/del.batch 1000 10000 del

# Not through n(): a background function would not pass on SIGINT.
"$IP" netns exec web ping -i 0.05 -W 1 10.1.2.10 >/tmp/ping.out 2>&1 &
ping_pid=$!
sleep 1
ok=1
# Every round takes the same paths (10,000 rules staged, the swap of the
# rule table under the pings, the old one freed after RCU); on the debug
# kernel one round, an add and a delete, takes each under the sanitizers.
rounds=$(reps 3 1)
t0=$EPOCHREALTIME
for i in $(seq "$rounds"); do
	$SEGCTL -b /tmp/add.batch >"$OUT" 2>&1 || ok=0
	$SEGCTL -b /tmp/del.batch >>"$OUT" 2>&1 || ok=0
done
t1=$EPOCHREALTIME
echo "# $((2 * rounds)) 10,000-rule commits in $(ms "$t0" "$t1") ms"
sleep 0.5
kill -INT $ping_pid
wait $ping_pid
check_eq "$((2 * rounds)) 10,000-rule commits while web pings app" 1 "$ok"
check "...and not one ping was lost" ping_gapless /tmp/ping.out
grep "packets transmitted" /tmp/ping.out | sed 's/^/# /'

# ---- 100,000 rules in one transaction ----

if [ "$DEBUG_KERNEL" = 1 ]; then
	big=20000
else
	big=100000
fi
big_batch /tmp/huge.batch 200000 $big add
t0=$EPOCHREALTIME
check "$big rules committed in one transaction" $SEGCTL -b /tmp/huge.batch
t1=$EPOCHREALTIME
echo "# $big rules committed in $(ms "$t0" "$t1") ms"
check_eq "...all of them are in the domain" $((big + 3 + 1)) \
	"$($SEGCTL -j domain show shop | sed -n 's/.*"rules":\([0-9]*\).*/\1/p')"
check "...and allowed traffic still flows" tcp_ok web app 10.1.2.10 8080
big_batch /tmp/huge-del.batch 200000 $big del
t0=$EPOCHREALTIME
check "...and deleted in one transaction" $SEGCTL -b /tmp/huge-del.batch
t1=$EPOCHREALTIME
echo "# $big rules deleted in $(ms "$t0" "$t1") ms"

# ---- save and restore ----

$SEGCTL save >/tmp/saved 2>"$OUT"
check "segctl save" test -s /tmp/saved
module_reload
check "segctl -b restores the saved state on a fresh module" \
	$SEGCTL -b /tmp/saved
$SEGCTL save >/tmp/saved.again 2>&1
check "...which saves the same again" cmp /tmp/saved /tmp/saved.again
check "...and web -> app:8080 works again" tcp_ok web app 10.1.2.10 8080
check "...and web -> db:5432 is denied again" tcp_blocked web db 10.1.3.10 5432

finish
