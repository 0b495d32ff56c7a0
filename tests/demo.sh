#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: two tenants on one hypervisor, built with segctl.  Runs in
# the QEMU guest of tests/vm/run.sh; every command it runs is printed.

HERE=$(dirname "$0")
# shellcheck source=lib.sh
. "$HERE/lib.sh"

say() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

try_ping()
{
	local from=$1 to=$2 what=$3
	if n "$from" ping -c 2 -W 1 -w 3 "$to" >/dev/null 2>&1; then
		printf '   %-4s -> %-10s %-34s delivered\n' "$from" "$to" "$what"
	else
		printf '   %-4s -> %-10s %-34s NOT delivered\n' "$from" "$to" "$what"
	fi
}

cat <<'EOF'
segfilter demo
--------------
This guest is a hypervisor.  Four "VMs" are network namespaces plugged
into it by veth pairs, as a VM's tap or a container's veth would be.
Two tenants, "blue" and "red", use the SAME addresses (10.0.0.1 and
10.0.0.2): segfilter keeps each tenant in its own virtual domain.

      blue-1 10.0.0.1   blue-2 10.0.0.2      red-1 10.0.0.1   red-2 10.0.0.2
          |                 |                    |                |
      vblue1            vblue2              vred1            vred2
      +------------------ segfilter.ko (rx_handler on each port) --------+
EOF

say "Load the module"
run insmod "$SEGFILTER_KO"

say "Create the VMs' network plumbing (not segfilter yet)"
vm_veth blue-1 vblue1 02:00:00:00:b1:01 10.0.0.1 fd00::1
vm_veth blue-2 vblue2 02:00:00:00:b1:02 10.0.0.2 fd00::2
vm_veth red-1 vred1 02:00:00:00:ed:01 10.0.0.1 fd00::1
vm_veth red-2 vred2 02:00:00:00:ed:02 10.0.0.2 fd00::2
echo "   four namespaces, four veth pairs"

say "One virtual domain per tenant, with an endpoint group"
run segctl domain add blue id 100
run segctl domain add red id 200
run segctl group add web id 1 domain blue
run segctl group add web id 1 domain red

say "Attach the ports and declare who sits behind them"
run segctl port attach vblue1 domain blue
run segctl port attach vblue2 domain blue
run segctl port attach vred1 domain red
run segctl port attach vred2 domain red
run segctl endpoint add 02:00:00:00:b1:01 domain blue group web port vblue1 ip 10.0.0.1 ip fd00::1
run segctl endpoint add 02:00:00:00:b1:02 domain blue group web port vblue2 ip 10.0.0.2 ip fd00::2
run segctl endpoint add 02:00:00:00:ed:01 domain red group web port vred1 ip 10.0.0.1 ip fd00::1
run segctl endpoint add 02:00:00:00:ed:02 domain red group web port vred2 ip 10.0.0.2 ip fd00::2

say "Traffic inside each tenant flows"
try_ping blue-1 10.0.0.2 "(blue to blue, IPv4)"
try_ping red-2 10.0.0.1 "(red to red, IPv4)"
if n blue-2 ping -6 -c 2 -W 1 -w 3 fd00::1 >/dev/null 2>&1; then
	printf '   %-4s -> %-10s %-34s delivered\n' blue-2 fd00::1 "(blue to blue, IPv6)"
else
	printf '   %-4s -> %-10s %-34s NOT delivered\n' blue-2 fd00::1 "(blue to blue, IPv6)"
fi
echo "   blue-2 (10.0.0.2) received $(in_echos blue-2) echo requests, from blue-1;"
echo "   red-2, also 10.0.0.2, received $(in_echos red-2): the address is blue's in blue"

say "Traffic across tenants does not"
echo "   blue-1 is told that 10.0.0.99 lives at red-1's MAC address:"
run ip netns exec blue-1 ip neigh replace 10.0.0.99 lladdr 02:00:00:00:ed:01 dev eth0
try_ping blue-1 10.0.0.99 "(blue to red-1's MAC)"
echo "   red-1 has received $(in_echos red-1) echo requests in all: the 2 red-2 sent, none of blue's"
echo "   and a VM that forges its source address gets nowhere either:"
run ip netns exec blue-1 ip addr add 10.0.0.50/24 dev eth0
if n blue-1 ping -c 2 -W 1 -w 3 -I 10.0.0.50 10.0.0.2 >/dev/null 2>&1; then
	echo "   blue-1 as 10.0.0.50 -> 10.0.0.2: delivered"
else
	echo "   blue-1 as 10.0.0.50 -> 10.0.0.2: NOT delivered"
fi

say "What segfilter holds"
run segctl show

say "And what it did (ARP/ND answered in the kernel, drops with a reason)"
run segctl stats domain blue
run segctl stats domain red

cat <<'EOF'

Read the counters: blue forwarded its own pings and answered ARP and
neighbour solicitations itself; the frame for red-1's MAC was dropped as
"no_dest" (not in blue), and the forged source as "src_ip".  Red saw
nothing of blue.  Try "segctl -j stats" for the same numbers in JSON.
EOF
