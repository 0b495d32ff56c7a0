#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Broadcast and multicast are judged copy by copy, against the group of
# the endpoints behind each port a copy would go to:
#
#   +--------------+  +--------------+  +--------------+
#   | web 10.9.0.1 |  | app 10.9.0.2 |  | db 10.9.0.3  |
#   +------+-------+  +------+-------+  +------+-------+
#          |vweb             |vapp             |vdb
#   +------+-----------------+-----------------+-------+
#   |  domain shop, one subnet, no gateway              |
#   +---------------------------------------------------+
#
# web sends UDP to 224.0.0.1, 255.255.255.255 and ff02::1; app and db
# listen on the wildcard addresses (tests/tools/udpcast).  A rule that
# keeps web from db keeps web's floods from db too, and only from db;
# the drops say why, and the rule that decided counts the copies.

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

# Module logic only, the same on every kernel: 6.1 and debug run it.
if [ "${SEGFILTER_KERNEL:-}" = 6.12 ]; then
	echo "# flood.sh: runs on 6.1 and debug only"
	exit 4
fi

UDP=5999
RECV_PIDS=

cleanup()
{
	# shellcheck disable=SC2086
	kill $RECV_PIDS 2>/dev/null
	cleanup_vms
}
trap cleanup EXIT

rule_packets()
{
	$SEGCTL stats domain shop |
		awk -v r="$1" '$1 == "rule" && $2 == r {
			for (i = 3; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}

# udp_bound NS: both of udpcast's sockets are bound in NS.
udp_bound()
{
	local hex
	hex=$(printf ':%04X' $UDP)
	n "$1" grep -q "$hex " /proc/net/udp && n "$1" grep -q "$hex " /proc/net/udp6
}

# listen NS: a receiver on the wildcard addresses, into /tmp/flood.NS.
listen()
{
	rm -f "/tmp/flood.$1"
	n "$1" "$TOOLS/udpcast" recv $UDP >"/tmp/flood.$1" &
	RECV_PIDS="$RECV_PIDS $!"
	wait_for 50 udp_bound "$1"
}

# got NS TAG: how many datagrams tagged TAG reached NS.
got()
{
	grep -c "^$2 " "/tmp/flood.$1"
}

# blast TAG: web sends five datagrams to each group address, tagged
# TAG-m4, TAG-b4 and TAG-m6.
blast()
{
	n web "$TOOLS/udpcast" send -i eth0 "224.0.0.1" $UDP "$1-m4" &&
	n web "$TOOLS/udpcast" send -i eth0 "255.255.255.255" $UDP "$1-b4" &&
	n web "$TOOLS/udpcast" send -i eth0 -b fd09::1 "ff02::1" $UDP "$1-m6" &&
	sleep 1
}

setup()
{
	local t s=1
	module_reload
	$SEGCTL domain add shop id 1 default allow >/dev/null &&
	$SEGCTL group add web id 1 domain shop >/dev/null &&
	$SEGCTL group add app id 2 domain shop >/dev/null &&
	$SEGCTL group add db id 3 domain shop >/dev/null || return 1
	for t in web app db; do
		vm_veth "$t" "v$t" "02:00:00:00:09:0$s" "10.9.0.$s" "fd09::$s"
		$SEGCTL port attach "v$t" domain shop >/dev/null &&
		$SEGCTL endpoint add "02:00:00:00:09:0$s" domain shop \
			group "$t" port "v$t" ip "10.9.0.$s" \
			ip "fd09::$s" >/dev/null || return 1
		s=$((s + 1))
	done
	$SEGCTL rule add id 30 domain shop from web to db action deny >/dev/null
}

if ! setup; then
	fail "set up web, app and db in one domain"
	finish
fi
check "app listens on 0.0.0.0 and :: port $UDP" listen app
check "db listens on 0.0.0.0 and :: port $UDP" listen db

# ---- default allow, from web to db deny ----

deny0=$(counter domain shop rule_deny)
rule0=$(rule_packets 30)
allowed0=$(counter domain shop default_allowed)
check "web sends to 224.0.0.1, 255.255.255.255 and ff02::1" blast a
for d in m4 b4 m6; do
	check_eq "default allow: app gets web's a-$d" 5 "$(got app "a-$d")"
	check_eq "default allow, web -> db deny: db gets no a-$d" 0 \
		"$(got db "a-$d")"
done
check_eq "the 15 copies for db are counted as rule_deny" $((deny0 + 15)) \
	"$(counter domain shop rule_deny)"
check_eq "...and on rule 30" $((rule0 + 15)) "$(rule_packets 30)"
check_ge "the copies for app are counted as default_allowed" \
	$((allowed0 + 15)) "$(counter domain shop default_allowed)"
check "unicast web -> app still goes" ping4 web 10.9.0.2 1

# ---- default deny, from web to app allow ----

check "default deny, rule 30 gone, web -> app allowed" \
	sh -c "$SEGCTL domain set shop default deny && \
	       $SEGCTL rule del 30 domain shop && \
	       $SEGCTL rule add id 31 domain shop from web to app action allow"
ddeny0=$(counter domain shop default_deny)
rule0=$(rule_packets 31)
check "web floods again" blast b
for d in m4 b4 m6; do
	check_eq "web -> app allow: app gets b-$d" 5 "$(got app "b-$d")"
	check_eq "default deny: db gets no b-$d" 0 "$(got db "b-$d")"
done
check_eq "the 15 copies for db are counted as default_deny" \
	$((ddeny0 + 15)) "$(counter domain shop default_deny)"
check_eq "rule 31 counted the 15 copies to app" $((rule0 + 15)) \
	"$(rule_packets 31)"

# ---- a redirect cannot take a flood through a service ----

check "web -> db redirected to a chain" \
	sh -c "$SEGCTL service add fw domain shop mode transparent && \
	       $SEGCTL chain add c1 domain shop services fw && \
	       $SEGCTL rule add id 32 domain shop from web to db action redirect c1"
redir0=$(counter domain shop flood_redirect)
down0=$(counter domain shop chain_down)
rule0=$(rule_packets 32)
check "web floods a third time" blast c
check_eq "app still gets c-m4" 5 "$(got app c-m4)"
check_eq "db gets no c-m4 through a redirect" 0 "$(got db c-m4)"
check_eq "the copies for db are counted as flood_redirect" $((redir0 + 15)) \
	"$(counter domain shop flood_redirect)"
check_eq "...not as chain_down" "$down0" "$(counter domain shop chain_down)"
check_eq "...and on rule 32" $((rule0 + 15)) "$(rule_packets 32)"

# ---- a port with endpoints of two groups ----

check "rule 32 gone, an endpoint of db joins app's port" sh -c \
	"$SEGCTL rule del 32 domain shop && \
	 $SEGCTL endpoint add 02:00:00:00:09:0b domain shop group db \
		port vapp ip 10.9.0.12"
ddeny0=$(counter domain shop default_deny)
check "web floods a fourth time" blast d
check_eq "app's port, shared with db, gets no d-m4" 0 "$(got app d-m4)"
check_eq "...no d-m6" 0 "$(got app d-m6)"
check_eq "...judged against db too: 30 copies default_deny" \
	$((ddeny0 + 30)) "$(counter domain shop default_deny)"
check "...until the db endpoint leaves it" \
	$SEGCTL endpoint del 02:00:00:00:09:0b domain shop
check "web floods a fifth time" blast e
check_eq "app gets e-m4 again" 5 "$(got app e-m4)"

# A port keeps the groups of its endpoints for floods, four at most.
for g in 4 5 6 7; do
	$SEGCTL group add "g$g" id "$g" domain shop >/dev/null
done
check "endpoints of three more groups on app's port" sh -c \
	"$SEGCTL endpoint add 02:00:00:00:09:14 domain shop group g4 port vapp && \
	 $SEGCTL endpoint add 02:00:00:00:09:15 domain shop group g5 port vapp && \
	 $SEGCTL endpoint add 02:00:00:00:09:16 domain shop group g6 port vapp"
check_err "a fifth group on one port is refused" "" \
	"port vapp already has endpoints of 4 groups" \
	$SEGCTL endpoint add 02:00:00:00:09:17 domain shop group g7 port vapp
check "...and changes nothing: another g6 endpoint is taken" \
	$SEGCTL endpoint add 02:00:00:00:09:26 domain shop group g6 port vapp
check "...a g7 endpoint is taken once a group left the port" sh -c \
	"$SEGCTL endpoint del 02:00:00:00:09:14 domain shop && \
	 $SEGCTL endpoint add 02:00:00:00:09:17 domain shop group g7 port vapp"

finish
