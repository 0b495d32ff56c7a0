#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Ports come and go while traffic runs: detach and re-attach, the
# attached device deleted, the VM's namespace deleted, a whole
# hypervisor namespace deleted, and the module unloaded during a ping
# flood.  The kernel must stay quiet (the harness fails the run on any
# splat) and the state must follow.
#
#   a1 (10.0.0.1) --veth-- va1 [segfilter: tenant-a] va2 --veth-- a2 (10.0.0.2)
#                                                    ta3 --tap--- a3 (10.0.0.3)

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

cleanup()
{
	cleanup_vms
	"$IP" link del br-test 2>/dev/null
}
trap cleanup EXIT

add_ep()
{
	$SEGCTL endpoint add "02:00:00:00:0a:0$1" domain tenant-a group web \
		port "$2" ip "10.0.0.$1" ip "fd00::$1" >/dev/null
}

module_reload
$SEGCTL domain add tenant-a id 10 >/dev/null
$SEGCTL group add web id 1 domain tenant-a >/dev/null
vm_veth a1 va1 02:00:00:00:0a:01 10.0.0.1 fd00::1
vm_veth a2 va2 02:00:00:00:0a:02 10.0.0.2 fd00::2
vm_tap a3 ta3 02:00:00:00:0a:03 10.0.0.3 fd00::3
for p in 1:va1 2:va2 3:ta3; do
	$SEGCTL port attach "${p#*:}" domain tenant-a >/dev/null
	add_ep "${p%%:*}" "${p#*:}"
done
check "a1 pings a2 before anything happens" ping4 a1 10.0.0.2

# --- detach and re-attach ---
check "detach va2" $SEGCTL port detach va2
check_fails "...its endpoint went with it" \
	sh -c "$SEGCTL endpoint show | grep -q 02:00:00:00:0a:02"
check_fails "...a1 no longer reaches a2" ping4 a1 10.0.0.2 2
check "...while a1 still reaches a3" ping4 a1 10.0.0.3
check "re-attach va2 and re-add its endpoint" \
	sh -c "$SEGCTL port attach va2 domain tenant-a >/dev/null && \
		$SEGCTL endpoint add 02:00:00:00:0a:02 domain tenant-a \
		group web port va2 ip 10.0.0.2 ip fd00::2 >/dev/null"
check "...a1 reaches a2 again" ping4 a1 10.0.0.2
check "...over IPv6 too" ping6 a1 fd00::2

# --- the attached device is deleted ---
check "delete the attached device va2" "$IP" link del va2
check_fails "...the port is gone" sh -c "$SEGCTL port show | grep -q va2"
check_fails "...and so is its endpoint" \
	sh -c "$SEGCTL endpoint show | grep -q 02:00:00:00:0a:02"
check_eq "...the domain counts two ports" 2 \
	"$($SEGCTL domain show tenant-a | sed -n 's/.* ports \([0-9]*\).*/\1/p')"
check "...and the others still talk" ping4 a3 10.0.0.1

# --- the VM's namespace is deleted (its veth dies with it) ---
"$IP" netns del a1
check "delete a1's namespace: port va1 is detached" \
	wait_for 50 sh -c "! $SEGCTL port show | grep -q va1"
check_fails "...and its endpoint deleted" \
	sh -c "$SEGCTL endpoint show | grep -q 02:00:00:00:0a:01"

# --- a hypervisor namespace with its own segfilter state is deleted ---
"$IP" netns add hv
vm_veth h1 hv1 02:00:00:00:0c:01 10.1.0.1 fd01::1 hv
vm_veth h2 hv2 02:00:00:00:0c:02 10.1.0.2 fd01::2 hv
hv() { n hv "$SEGCTL" "$@" >/dev/null; }
hv domain add inner id 10
hv group add web id 1 domain inner
hv port attach hv1 domain inner
hv port attach hv2 domain inner
hv endpoint add 02:00:00:00:0c:01 domain inner group web port hv1 ip 10.1.0.1
hv endpoint add 02:00:00:00:0c:02 domain inner group web port hv2 ip 10.1.0.2
check "a second hypervisor namespace forwards between its own ports" \
	ping4 h1 10.1.0.2
check "...its domain 10 is not ours" \
	sh -c "$SEGCTL domain show | grep -q 'tenant-a id 10' && \
		! $SEGCTL domain show | grep -q inner"
n h2 "$IP" link set eth0 down
check "delete that namespace with its ports attached" "$IP" netns del hv
check "...our own domain is untouched" \
	sh -c "$SEGCTL domain show | grep -q 'tenant-a id 10 default allow .* ports 1 '"

# --- unload during a ping flood ---
vm_veth a1 va1 02:00:00:00:0a:01 10.0.0.1 fd00::1
$SEGCTL port attach va1 domain tenant-a >/dev/null
add_ep 1 va1
check "a1 pings a3 (tap) again" ping4 a1 10.0.0.3
n a1 ping -A -q -w 6 10.0.0.3 >/dev/null 2>&1 &
flood=$!
n a3 ping -6 -A -q -w 6 fd00::1 >/dev/null 2>&1 &
flood6=$!
sleep 2
check "rmmod segfilter while two pings flood" rmmod segfilter
wait $flood $flood6
check_fails "...the module is gone" grep -q '^segfilter ' /proc/modules
"$IP" link add br-test type bridge
check "...and released its ports: va1 can join a bridge now" \
	"$IP" link set va1 master br-test
check "...and the tap port too" "$IP" link set ta3 master br-test
"$IP" link del br-test
check "the module loads again" insmod "$SEGFILTER_KO"
check_eq "...with nothing configured" "" "$($SEGCTL show)"
check "...and unloads again" rmmod segfilter

finish
