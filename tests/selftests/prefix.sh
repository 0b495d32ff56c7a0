#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prefix groups: a group holds address prefixes of peers that are not
# endpoints; "segctl prefix lookup" answers what the data path's lookup
# gives for an address: the endpoint that owns it, else the longest
# prefix.  Bad input is refused with a message and changes nothing.
# PREFIX_COUNT (100000; 20000 on the debug kernel) IPv4 and as many
# IPv6 prefixes go in one transaction each, nested, and the longest
# match wins among them.
#
#   w1 (198.51.100.7, 2001:db8:ffff:ffff::7) --veth-- vw1 [t]

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

skip_on 6.12 "the module's own logic, the same on every kernel (6.1, debug)"


# The debug kernel (KASAN, kmemleak, under TCG) takes a fifth: make
# check's budget.
if [ "${SEGFILTER_KERNEL:-}" = debug ]; then
	PREFIX_COUNT=${PREFIX_COUNT:-20000}
else
	PREFIX_COUNT=${PREFIX_COUNT:-100000}
fi

CG=/sys/fs/cgroup/segfilter-prefix

cleanup()
{
	cleanup_vms
	rm -f /tmp/prefix*.batch /tmp/prefix*.save /tmp/prefix.show \
		/tmp/prefix.diff /tmp/prefix.expected
	[ -d "$CG" ] && rmdir "$CG" 2>/dev/null
}
trap cleanup EXIT

lookup() { $SEGCTL prefix lookup "$1" domain "${2:-t}"; }
show() { $SEGCTL prefix show domain t; }
count() { $SEGCTL -j domain show "${1:-t}" | sed -n 's/.*"prefixes":\([0-9]*\).*/\1/p'; }
# Milliseconds, from bash's clock (busybox's date has no %N).
ms() { local t=${EPOCHREALTIME/./}; echo $((10#$t / 1000)); }
gen() { $SEGCTL -j domain show t | sed -n 's/.*"gen":\([0-9]*\).*/\1/p'; }

module_reload
vm_veth w1 vw1 02:00:00:00:0a:01 198.51.100.7 2001:db8:ffff:ffff::7
{
	$SEGCTL domain add t id 1 prefix-limit $((2 * PREFIX_COUNT + 100)) &&
	$SEGCTL domain add small id 2 prefix-limit 2 &&
	for g in internet:1 partner:2 web:3 a:4 b:5 c:6 d:7 e:8; do
		$SEGCTL group add "${g%:*}" id "${g#*:}" domain t || exit 1
	done &&
	$SEGCTL group add g id 1 domain small &&
	$SEGCTL port attach vw1 domain t &&
	$SEGCTL endpoint add 02:00:00:00:0a:01 domain t group web port vw1 \
		ip 198.51.100.7 ip 2001:db8:ffff:ffff::7
} >/dev/null || exit 1

# --- add, show, lookup ---
check "prefix add 0.0.0.0/0 and ::/0 to internet" sh -c \
	"$SEGCTL prefix add 0.0.0.0/0 domain t group internet >/dev/null &&
	 $SEGCTL prefix add ::/0 domain t group internet >/dev/null"
check_eq "prefix add answers with the prefix and its group" \
	"prefix 198.51.100.0/24 group partner domain t" \
	"$($SEGCTL prefix add 198.51.100.0/24 domain t group partner)"
check "prefix add 2001:db8::/32 to partner" \
	$SEGCTL prefix add 2001:db8::/32 domain t group partner
check_eq "prefix show lists the four" 4 "$(show | grep -c '^prefix ')"
check_eq "domain show counts them" 4 "$(count)"
check "prefix show -j gives prefix and group" sh -c \
	"$SEGCTL -j prefix show domain t | grep -q '\"prefix\":\"2001:db8::/32\",\"group\":\"partner\"'"
check_eq "lookup 198.51.100.9: the /24 wins over the /0" \
	"prefix 198.51.100.0/24 group partner domain t" "$(lookup 198.51.100.9)"
check_eq "lookup 203.0.113.1: only the /0 holds it" \
	"prefix 0.0.0.0/0 group internet domain t" "$(lookup 203.0.113.1)"
check_eq "lookup 2001:db8::1: the /32 wins over ::/0" \
	"prefix 2001:db8::/32 group partner domain t" "$(lookup 2001:db8::1)"
check_eq "lookup 198.51.100.7: the endpoint's own address wins" \
	"address 198.51.100.7 endpoint 02:00:00:00:0a:01 group web domain t" \
	"$(lookup 198.51.100.7)"
check_eq "...for IPv6 too" \
	"address 2001:db8:ffff:ffff::7 endpoint 02:00:00:00:0a:01 group web domain t" \
	"$(lookup 2001:db8:ffff:ffff::7)"
check_err "lookup in a domain without prefixes: ENOENT, with why" "" \
	"no endpoint nor prefix of domain \"small\" holds 192.0.2.1" \
	lookup 192.0.2.1 small

# --- bad input: refused, with a message, and nothing changed ---
show >/tmp/prefix.show
unchanged() { show | cmp -s - /tmp/prefix.show; }
check_err "host bits past the length are refused" "" \
	"198.51.100.1/24 has bits set past its length" \
	$SEGCTL prefix add 198.51.100.1/24 domain t group web
check_err "an IPv4 length of 33 is refused" "" "prefix length 33 is beyond IPv4's 32" \
	$SEGCTL prefix add 10.0.0.0/33 domain t group web
check_err "an IPv6 length of 129 is refused" "" "out of range" \
	$SEGCTL prefix add 2001:db8::/129 domain t group web
check_err "an equal prefix in another group is refused (EEXIST)" "" \
	"prefix 198.51.100.0/24 is already in group \"partner\"" \
	$SEGCTL prefix add 198.51.100.0/24 domain t group web
check_err "...and in the same group" "" "is already in group \"internet\"" \
	$SEGCTL prefix add ::/0 domain t group internet
check_err "an unknown group is refused" "" \
	"group \"nosuch\" does not exist in domain \"t\"" \
	$SEGCTL prefix add 192.0.2.0/24 domain t group nosuch
check_err "a group that holds prefixes cannot be deleted (EBUSY)" "" \
	"group \"partner\" holds 2 prefix(es)" $SEGCTL group del partner domain t
check_err "deleting a prefix the domain does not have" "" \
	"prefix 192.0.2.0/24 does not exist in domain \"t\"" \
	$SEGCTL prefix del 192.0.2.0/24 domain t
printf 'prefix add 192.0.2.0/24 domain t group web\nprefix add 192.0.2.0/24 domain t group a\n' \
	>/tmp/prefix-bad.batch
check_err "a batch whose second line repeats its first is refused whole" "" \
	"already in group \"web\"" $SEGCTL -b /tmp/prefix-bad.batch
check "...nothing of any of them changed the prefixes" unchanged
check "group partner is still there" sh -c \
	"$SEGCTL group show domain t | grep -q '^group partner '"
check "two prefixes in a domain limited to two" sh -c \
	"$SEGCTL prefix add 10.0.0.0/8 domain small group g >/dev/null &&
	 $SEGCTL prefix add fd00::/8 domain small group g >/dev/null"
check_err "a third: ENOSPC, and the message names the limit" "" \
	"domain \"small\" holds 2 prefixes, its prefix-limit" \
	$SEGCTL prefix add 10.1.0.0/16 domain small group g
check_eq "...and it is not there" 2 "$(count small)"

# --- changes in a transaction ---
printf 'prefix del 198.51.100.0/24 domain t\nprefix add 198.51.100.0/24 domain t group a\n' \
	>/tmp/prefix-move.batch
check "a prefix moved to another group in one batch" $SEGCTL -b /tmp/prefix-move.batch
check_eq "...lookup follows it" "prefix 198.51.100.0/24 group a domain t" \
	"$(lookup 198.51.100.9)"
check "prefix del, and the group it emptied can go" sh -c \
	"$SEGCTL prefix del 2001:db8::/32 domain t &&
	 $SEGCTL group del partner domain t"
check_eq "...lookup of 2001:db8::1 falls back to ::/0" \
	"prefix ::/0 group internet domain t" "$(lookup 2001:db8::1)"

# --- save, sync, diff ---
$SEGCTL save >/tmp/prefix.save
check "save prints the prefixes after the groups, before the ports" sh -c \
	"grep -n '' /tmp/prefix.save | grep -A1 '^[0-9]*:group add e ' |
	 grep -q ':prefix add 0.0.0.0/0 domain t group internet\$' &&
	 grep -q '^prefix add 198.51.100.0/24 domain t group a\$' /tmp/prefix.save"
g0=$(gen)
check "sync of the saved file" $SEGCTL sync /tmp/prefix.save
check_eq "...commits nothing (the policy generation)" "$g0" "$(gen)"
sed 's|^prefix add 198.51.100.0/24 domain t group a$|prefix add 198.51.100.0/24 domain t group b|' \
	/tmp/prefix.save >/tmp/prefix-new.save
printf 'prefix del 198.51.100.0/24 domain t\nprefix add 198.51.100.0/24 domain t group b\n' \
	>/tmp/prefix.expected
$SEGCTL diff /tmp/prefix-new.save >/tmp/prefix.diff
check "diff of a prefix given another group: a del and an add" \
	diff -u /tmp/prefix.expected /tmp/prefix.diff
check "sync applies it" $SEGCTL sync /tmp/prefix-new.save
check_eq "...and lookup follows it" "prefix 198.51.100.0/24 group b domain t" \
	"$(lookup 198.51.100.9)"

# --- PREFIX_COUNT of each family, nested, one transaction each ---
# IPv4: /24s 11.0.0.0, 11.0.1.0, ... in a, b, c by turns; a /32 (.7) in d
# inside every 99th; 12.0.0.0/8 and /16s 13.K.0.0 in e.
# IPv6: /64s 2001:db8:X:Y:: the same way, /128s (::7) in d, /48s
# 2001:db9:K:: in e.
n_host=$((PREFIX_COUNT / 100))
n_net=$((PREFIX_COUNT - n_host - 10))
awk -v n="$n_net" -v h="$n_host" 'BEGIN {
	split("a b c", g, " ")
	base = 11 * 16777216
	for (i = 0; i < n; i++) {
		a = base + i * 256
		printf "prefix add %d.%d.%d.0/24 domain t group %s\n",
			int(a / 16777216), int(a / 65536) % 256,
			int(a / 256) % 256, g[i % 3 + 1]
	}
	for (j = 0; j < h; j++) {
		a = base + j * 99 * 256
		printf "prefix add %d.%d.%d.7/32 domain t group d\n",
			int(a / 16777216), int(a / 65536) % 256,
			int(a / 256) % 256
	}
	print "prefix add 12.0.0.0/8 domain t group e"
	for (k = 0; k < 9; k++)
		printf "prefix add 13.%d.0.0/16 domain t group e\n", k
}' >/tmp/prefix4.batch
awk -v n="$n_net" -v h="$n_host" 'BEGIN {
	split("a b c", g, " ")
	for (i = 0; i < n; i++)
		printf "prefix add 2001:db8:%x:%x::/64 domain t group %s\n",
			int(i / 65536), i % 65536, g[i % 3 + 1]
	for (j = 0; j < h; j++)
		printf "prefix add 2001:db8:%x:%x::7/128 domain t group d\n",
			int(j * 99 / 65536), (j * 99) % 65536
	for (k = 0; k < 10; k++)
		printf "prefix add 2001:db9:%x::/48 domain t group e\n", k
}' >/tmp/prefix6.batch

# The IPv4 transaction runs in a memory cgroup of its own, if there is
# a memory controller: its prefixes are charged to it.
mkdir -p /sys/fs/cgroup
grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts ||
	mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null
memcg=''
if echo +memory >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null &&
	mkdir -p "$CG" && [ -f "$CG/memory.stat" ]; then
	memcg=1
fi
slab_now() { awk '$1 == "slab" { print $2 }' "$CG/memory.stat"; }
slab_grew() { [ $(($(slab_now) - s0)) -ge $((PREFIX_COUNT * 64)) ]; }

before=$(count)
for f in 4 6; do
	[ -n "$memcg" ] && [ $f = 4 ] && s0=$(slab_now)
	t0=$(ms)
	if (if [ -n "$memcg" ] && [ $f = 4 ]; then
		echo "$BASHPID" >"$CG/cgroup.procs" || exit 1
	    fi
	    exec $SEGCTL -b /tmp/prefix$f.batch) >"$OUT" 2>&1; then
		t1=$(ms)
		echo "# $PREFIX_COUNT IPv$f prefixes in one transaction: $((t1 - t0)) ms (segctl -b, staging and commit)"
		pass "$PREFIX_COUNT IPv$f prefixes in one transaction"
	else
		fail "$PREFIX_COUNT IPv$f prefixes in one transaction"
	fi
done
if [ -n "$memcg" ]; then
	# memory.stat is folded from per-CPU deltas, at the latest every 2 s.
	sleep 1
	wait_for 50 slab_grew
	echo "# $PREFIX_COUNT IPv4 prefixes: $(($(slab_now) - s0)) bytes of slab charged to $CG"
	check_ge "the IPv4 prefixes are charged to segctl's memory cgroup (>= 64 B each)" \
		$((PREFIX_COUNT * 64)) $(($(slab_now) - s0))
else
	skip "no memory controller in this kernel"
fi
check_eq "domain show counts them all" $((before + 2 * PREFIX_COUNT)) "$(count)"

# The group the /24 (or /64) number I is in: a, b or c by turns.
nth() { local g=(a b c); echo "${g[$(($1 % 3))]}"; }
last=$((n_net - 1))
la=$((11 * 16777216 + last * 256))
last4="$((la >> 24)).$(((la >> 16) & 255)).$(((la >> 8) & 255))"
mid=$(((n_host - 1) * 99))
ma=$((11 * 16777216 + mid * 256))
mid4="$((ma >> 24)).$(((ma >> 16) & 255)).$(((ma >> 8) & 255))"
check_eq "11.0.0.7: the /32 wins over its /24 and the /0" \
	"prefix 11.0.0.7/32 group d domain t" "$(lookup 11.0.0.7)"
check_eq "11.0.0.8: its /24" "prefix 11.0.0.0/24 group a domain t" \
	"$(lookup 11.0.0.8)"
check_eq "11.0.1.9: the next /24, the next group" \
	"prefix 11.0.1.0/24 group b domain t" "$(lookup 11.0.1.9)"
check_eq "$mid4.7: the last /32" "prefix $mid4.7/32 group d domain t" \
	"$(lookup "$mid4.7")"
check_eq "$mid4.8: its /24" "prefix $mid4.0/24 group $(nth $mid) domain t" \
	"$(lookup "$mid4.8")"
check_eq "$last4.200: the last /24" \
	"prefix $last4.0/24 group $(nth $last) domain t" "$(lookup "$last4.200")"
check_eq "12.250.0.1: beyond the /24s, the /8" \
	"prefix 12.0.0.0/8 group e domain t" "$(lookup 12.250.0.1)"
check_eq "13.3.4.5: a /16" "prefix 13.3.0.0/16 group e domain t" \
	"$(lookup 13.3.4.5)"
check_eq "13.9.0.1: no /16, the /0" "prefix 0.0.0.0/0 group internet domain t" \
	"$(lookup 13.9.0.1)"
check_eq "198.51.100.7: still the endpoint's" \
	"address 198.51.100.7 endpoint 02:00:00:00:0a:01 group web domain t" \
	"$(lookup 198.51.100.7)"
m6=$(printf '2001:db8:%x:%x' $((mid / 65536)) $((mid % 65536)))
l6=$(printf '2001:db8:%x:%x' $((last / 65536)) $((last % 65536)))
check_eq "2001:db8::7: the /128 wins over its /64 and ::/0" \
	"prefix 2001:db8::7/128 group d domain t" "$(lookup 2001:db8::7)"
check_eq "2001:db8:0:1::9: its /64" "prefix 2001:db8:0:1::/64 group b domain t" \
	"$(lookup 2001:db8:0:1::9)"
check_eq "$m6::7: the last /128" "prefix $m6::7/128 group d domain t" \
	"$(lookup "$m6::7")"
check_eq "$m6::8: its /64" "prefix $m6::/64 group $(nth $mid) domain t" \
	"$(lookup "$m6::8")"
check_eq "$l6::1: the last /64" "prefix $l6::/64 group $(nth $last) domain t" \
	"$(lookup "$l6::1")"
check_eq "2001:db9:3::1: a /48" "prefix 2001:db9:3::/48 group e domain t" \
	"$(lookup 2001:db9:3::1)"
check_eq "2001:db9:77::1: no /48, ::/0" "prefix ::/0 group internet domain t" \
	"$(lookup 2001:db9:77::1)"

t0=$(ms)
$SEGCTL save >/tmp/prefix.save
g0=$(gen)
check "sync of the saved file, with all of them" $SEGCTL sync /tmp/prefix.save
t1=$(ms)
echo "# save and sync of $((2 * PREFIX_COUNT)) prefixes: $((t1 - t0)) ms"
check_eq "...commits nothing (the policy generation)" "$g0" "$(gen)"
finish
