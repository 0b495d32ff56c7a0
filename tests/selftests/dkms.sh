#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The segfilter.ko that DKMS built from the segfilter-dkms package
# (tests/deb/check.sh, which boots 6.1 with run.sh --ko) loads and does
# its work: it answers segctl, keeps two tenants' groups apart as the
# rule says, and says which version it is.  Only with a given module
# (SEGFILTER_KO_GIVEN=1): the other runs test the tree's module.
#
#   a 10.0.0.1 (web) --va--+  domain t, default deny   +--vb-- b 10.0.0.2 (db)
#   c 10.0.0.3 (app) --vc--+  rule: web -> db icmp     |

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

if [ "${SEGFILTER_KO_GIVEN:-}" != 1 ]; then
	echo "# $(basename "$0"): only for a given module (tests/deb/check.sh)"
	exit 4
fi

trap cleanup_vms EXIT

WANT=$(cat /segfilter/VERSION 2>/dev/null)

# DKMS signs what it builds with its own key (mok.key, made for the
# build): a module without that signer is not DKMS's.
check_eq "the module under test is signed by DKMS's key" \
	"DKMS module signing key" "$(modinfo -F signer "$SEGFILTER_KO")"

check "the module loads" module_reload
check "segctl answers: domain add" $SEGCTL domain add t id 10 default deny
check "segctl show lists the domain" sh -c "$SEGCTL show | grep -qw t"

setup()
{
	$SEGCTL group add web id 1 domain t &&
	$SEGCTL group add db id 2 domain t &&
	$SEGCTL group add app id 3 domain t &&
	vm_veth a va 02:00:00:00:00:01 10.0.0.1 fd00::1 &&
	vm_veth b vb 02:00:00:00:00:02 10.0.0.2 fd00::2 &&
	vm_veth c vc 02:00:00:00:00:03 10.0.0.3 fd00::3 &&
	$SEGCTL port attach va domain t &&
	$SEGCTL port attach vb domain t &&
	$SEGCTL port attach vc domain t &&
	$SEGCTL endpoint add 02:00:00:00:00:01 domain t group web port va \
		ip 10.0.0.1 &&
	$SEGCTL endpoint add 02:00:00:00:00:02 domain t group db port vb \
		ip 10.0.0.2 &&
	$SEGCTL endpoint add 02:00:00:00:00:03 domain t group app port vc \
		ip 10.0.0.3 &&
	$SEGCTL rule add id 1 domain t prio 10 from web to db proto icmp \
		action allow
}
check "two ports, three endpoints, a rule" setup
check "a (web) pings b (db): the rule allows" ping4 a 10.0.0.2
deny0=$(counter domain t default_deny)
check_fails "c (app) does not ping b: default deny" ping4 c 10.0.0.2
check_ge "c's pings are counted as default_deny" $((deny0 + 2)) \
	"$(counter domain t default_deny)"

# MODULE_VERSION comes from VERSION; before it did, the module had none.
if [ -e /sys/module/segfilter/version ] || [ -n "$(modinfo -F version "$SEGFILTER_KO")" ]; then
	check_eq "/sys/module/segfilter/version is VERSION's" "$WANT" \
		"$(cat /sys/module/segfilter/version 2>/dev/null)"
else
	skip "the module has no version (no MODULE_VERSION yet)"
fi

finish
