#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Versions: segctl -V, segd --version, the module's MODULE_VERSION and
# info-get all say what VERSION says; segctl -V says so when tool and
# module differ, and when the module is not loaded; a command that
# finds no module says how to load it (modprobe, dkms status).
#
# A module of another version is this one with its version's bytes
# rewritten (the same length): no second build is needed.

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"
skip_on 6.12 "the tools' side and one op, the same on every kernel"

NLSEND=$TOOLS/nlsend
V=$(cat /segfilter/VERSION)
KREL=$(uname -r)
KO_OTHER=/tmp/version-other.ko
ERR=/tmp/version.err
cleanup()
{
	rm -f "$KO_OTHER" "$ERR" /usr/sbin/dkms
	rm -rf "/lib/modules/$KREL/extra"
	depmod -a
	module_load
}
trap cleanup EXIT

module_reload

# ---- the same version everywhere ----
check_eq "VERSION is one line, not empty" 1 "$(grep -c . /segfilter/VERSION)"
check_eq "modinfo shows VERSION" "$V" "$(modinfo -F version "$SEGFILTER_KO")"
check_eq "/sys/module/segfilter/version shows VERSION" "$V" \
	"$(cat /sys/module/segfilter/version)"
out=$($SEGCTL --version 2>"$ERR")
check_eq "segctl --version: its own, then the module's" \
	"segctl $V|segfilter module $V (netlink protocol 1)" \
	"$(echo "$out" | paste -sd '|')"
check_eq "...and nothing on stderr when they agree" "" "$(cat "$ERR")"
check_eq "segctl -V is the same" "$out" "$($SEGCTL -V 2>&1)"
check_eq "segctl -j -V" "{\"segctl\":\"$V\",\"module\":\"$V\",\"protocol\":1}" \
	"$($SEGCTL -j -V)"
check_err "-V takes nothing else" "" '"--version" takes nothing else' \
	$SEGCTL -V domain show
if [ -x /usr/sbin/segd ]; then
	check_eq "segd --version" "segd $V" "$(segd --version)"
else
	# run.sh installs segd when it was built and version.sh runs.
	echo "segd was not built (make -C ctl)" >"$OUT"
	fail "segd --version"
fi
# Anyone may read the version, as in /sys/module: info-get alone needs
# no privilege.
check_eq "an unprivileged user reads the module's version too" \
	"segfilter module $V (netlink protocol 1)" \
	"$(/usr/bin/setpriv --reuid 1000 --regid 1000 --clear-groups \
		$SEGCTL -V 2>&1 | sed -n 2p)"
check_err "info-get takes no attribute" 22 "" \
	$NLSEND info_get domain_id=u32:1

# ---- a module of another version ----
# The version's last character changed: 0.9.0 -> 0.9.1, 1.0~rc1 -> 1.0~rc2.
last=${V: -1}
case $last in
[0-8]) W=${V%?}$((last + 1)) ;;
*) W=${V%?}0 ;;
esac
hex() { printf '%s' "$1" | xxd -p; }
# The version is a NUL-terminated string after "=" (modinfo) or a NUL.
xxd -p "$SEGFILTER_KO" | tr -d '\n' |
	sed -e "s/\(3d\|00\)$(hex "$V")00/\1$(hex "$W")00/g" |
	xxd -r -p >"$KO_OTHER"
check_eq "the rewritten module says $W" "$W" "$(modinfo -F version "$KO_OTHER")"
module_unload
check "...and loads" insmod "$KO_OTHER"
check_eq "...its /sys/module version is $W" "$W" \
	"$(cat /sys/module/segfilter/version)"
out=$($SEGCTL -V 2>"$ERR")
rc=$?
check_eq "segctl -V with a module of another version exits 0" 0 "$rc"
check_eq "...prints both" "segctl $V|segfilter module $W (netlink protocol 1)" \
	"$(echo "$out" | paste -sd '|')"
check_eq "...and says on one line that they differ" \
	"segctl: warning: segctl $V and the loaded segfilter module $W differ" \
	"$(cat "$ERR")"
check "an ordinary command works with it, and warns of nothing" \
	sh -c "$SEGCTL domain add d id 1 2>$ERR && $SEGCTL domain show d &&
		! [ -s $ERR ]"
module_unload

# ---- no module ----
out=$($SEGCTL -V 2>"$ERR")
rc=$?
check_eq "segctl -V without the module exits 0" 0 "$rc"
check_eq "...prints its own version and says the module is not loaded" \
	"segctl $V|segfilter module: not loaded" "$(echo "$out" | paste -sd '|')"
check "...on stderr too, with how to load it" \
	grep -q "modprobe segfilter" "$ERR"
check_eq "segctl -j -V without the module" \
	"{\"segctl\":\"$V\",\"module_loaded\":false}" "$($SEGCTL -j -V 2>/dev/null)"
$SEGCTL domain show >/dev/null 2>"$ERR"
rc=$?
check_eq "a command without the module exits 1" 1 "$rc"
check "...says the module is not loaded" grep -q "module is not loaded" "$ERR"
check "...and how to load it: modprobe segfilter" \
	grep -q 'load it with "modprobe segfilter"' "$ERR"
check_fails "...without dkms, no word of it" grep -q dkms "$ERR"
# Where DKMS is installed, the hint names the running kernel.
printf '#!/bin/sh\nexit 0\n' >/usr/sbin/dkms
chmod +x /usr/sbin/dkms
$SEGCTL domain show >/dev/null 2>"$ERR"
check "with dkms: \"dkms status segfilter -k $KREL\"" \
	grep -qF "\"dkms status segfilter -k $KREL\"" "$ERR"
rm -f /usr/sbin/dkms
# The hint works: the module where modprobe finds it, then modprobe.
mkdir -p "/lib/modules/$KREL/extra"
cp "$SEGFILTER_KO" "/lib/modules/$KREL/extra/segfilter.ko"
depmod -a
check "modprobe segfilter, as the hint says, loads it" modprobe segfilter
check_eq "...and segctl -V finds it" "segfilter module $V (netlink protocol 1)" \
	"$($SEGCTL -V 2>&1 | sed -n 2p)"
module_unload
rm -rf "/lib/modules/$KREL/extra"
depmod -a

finish
