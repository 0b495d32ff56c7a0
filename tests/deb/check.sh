#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages, checked on the host (tests/check.sh runs this as
# "deb"):
#   - make deb builds segfilter-dkms and segfilter-tools (from a clean
#     copy of the tree, into .build/deb/);
#   - lintian finds no error in them (its warnings are listed);
#   - VERSION, debian/changelog, the packages' versions, the /usr/src
#     directory and the packaged dkms.conf all say the same version;
#   - the packages hold what they must and nothing of the build or the
#     tests; systemd-analyze verify accepts the units as packaged;
#   - DKMS builds segfilter.ko from the unpacked segfilter-dkms package
#     against each installed kernel's headers (6.1 and 6.12), the two
#     builds side by side and beside lintian.  DKMS runs in a mount
#     namespace of its own, whose /etc/dkms (framework.conf) and
#     /var/lib/dkms are private directories: its trees, and the key it
#     makes to sign modules, stay under a temporary directory; the
#     host's DKMS state and /lib/modules are never touched.  The 6.1
#     module is kept as .build/deb/dkms/<release>/segfilter.ko.
# With --guest, then: that module loads in a 6.1 guest and works
# (tests/selftests/dkms.sh, through tests/vm/run.sh --ko).
#
# Prints one TEST line per check and, last, "N passed, N failed"; the
# exit status is 1 if anything failed.  Needs root (or unshare's user
# namespaces) for the mount namespace.
#
# usage: tests/deb/check.sh [--guest]

set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=$TOP/.build/deb
GUEST=0
[ "${1:-}" = --guest ] && GUEST=1
TMP=$(mktemp -d)
BG=()
cleanup() {
	local p
	for p in "${BG[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT

# shellcheck source=../host.sh
. "$TOP/tests/host.sh"
# The last lines, as tests/vm/run.sh ends (tests/check.sh repeats the
# failures listed so at the end of make check).
counts()
{
	if [ ${#failures[@]} -gt 0 ]; then
		printf '\n==== deb: failures ====\n'
		printf '  %s\n' "${failures[@]}"
	fi
	echo
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ]
}

VERSION=$(cat "$TOP/VERSION")

t0=$SECONDS
ok=0
"$TOP/scripts/make-deb.sh" "$OUT" >"$TMP/make-deb" 2>&1 && ok=1
DKMS_DEB=$(ls "$OUT"/segfilter-dkms_*_all.deb 2>/dev/null)
TOOLS_DEB=$(ls "$OUT"/segfilter-tools_*_"$(dpkg --print-architecture)".deb 2>/dev/null)
CHANGES=$(ls "$OUT"/segfilter_*.changes 2>/dev/null)
[ -f "$DKMS_DEB" ] && [ -f "$TOOLS_DEB" ] && [ -f "$CHANGES" ] || ok=0
result "make deb builds segfilter-dkms and segfilter-tools ($((SECONDS - t0)) s)" $ok "$TMP/make-deb"
if [ $ok != 1 ]; then
	counts
	exit 1
fi

# lintian, in the background while DKMS builds.
lintian --fail-on error --tag-display-limit 0 "$CHANGES" >"$TMP/lintian" 2>&1 &
lintian_pid=$!
BG+=("$lintian_pid")

mkdir -p "$TMP/dkms-pkg" "$TMP/tools-pkg"
dpkg-deb -x "$DKMS_DEB" "$TMP/dkms-pkg"
dpkg-deb -x "$TOOLS_DEB" "$TMP/tools-pkg"

# dkms_build HEADERS: DKMS adds the packaged source and builds it for
# the kernel of /usr/src/linux-headers-<release> HEADERS, in a private
# tree under $TMP/dkms-<release>.  The module goes to $TMP/<release>.ko.
dkms_build()
{
	local headers=$1 krel d
	krel=${headers##*/linux-headers-}
	d=$TMP/dkms-$krel
	mkdir -p "$d/etc" "$d/var" "$d/tree" "$d/install"
	cat >"$d/etc/framework.conf" <<-EOF2
	source_tree="$TMP/dkms-pkg/usr/src"
	dkms_tree="$d/tree"
	install_tree="$d/install"
	mok_signing_key="$d/mok.key"
	mok_certificate="$d/mok.pub"
	EOF2
	local ns=(unshare --mount)
	[ "$(id -u)" = 0 ] || ns+=(--map-root-user)
	# shellcheck disable=SC2016 # expanded by the inner bash
	"${ns[@]}" bash -c '
		set -e
		mount --bind "$1/etc" /etc/dkms
		mount --bind "$1/var" /var/lib/dkms
		dkms add -m segfilter -v "$2"
		dkms build -m segfilter -v "$2" -k "$3" -j 1 \
			--kernelsourcedir "$4"
	' dkms-build "$d" "$VERSION" "$krel" "$headers" >"$d.log" 2>&1 || return 1
	# Compressed as the kernel's own modules are (6.12: xz).
	local ko
	ko=$(ls "$d/tree/segfilter/$VERSION/$krel/"*/module/segfilter.ko*) || return 1
	case $ko in
	*.xz) xz -dc "$ko" >"$TMP/$krel.ko" ;;
	*.zst) zstd -qdc "$ko" >"$TMP/$krel.ko" ;;
	*.gz) gzip -dc "$ko" >"$TMP/$krel.ko" ;;
	*) cp "$ko" "$TMP/$krel.ko" ;;
	esac
}

HEADERS=()
for h in /usr/src/linux-headers-6.1.*-cloud-amd64 /usr/src/linux-headers-6.12.*-cloud-amd64; do
	[ -d "$h" ] && HEADERS+=("$h")
done
t0=$SECONDS
declare -A dkms_pid=()
for h in "${HEADERS[@]}"; do
	dkms_build "$h" &
	dkms_pid[$h]=$!
	BG+=("$!")
done

# --- versions ---
ok=1
{
	cl=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -SVersion)
	echo "VERSION: $VERSION; debian/changelog: $cl"
	[ "${cl%-*}" = "$VERSION" ] || ok=0
	for deb in "$DKMS_DEB" "$TOOLS_DEB"; do
		v=$(dpkg-deb -f "$deb" Version)
		echo "${deb##*/}: $v"
		[ "${v%-*}" = "$VERSION" ] || ok=0
	done
	v=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' \
		"$TMP/dkms-pkg/usr/src/segfilter-$VERSION/dkms.conf" 2>/dev/null)
	echo "packaged dkms.conf: PACKAGE_VERSION=$v"
	[ "$v" = "$VERSION" ] || ok=0
	v=$(cat "$TMP/dkms-pkg/usr/src/segfilter-$VERSION/VERSION" 2>/dev/null)
	echo "packaged VERSION: $v"
	[ "$v" = "$VERSION" ] || ok=0
} >"$TMP/versions" 2>&1
result "VERSION, changelog, packages and dkms.conf agree on $VERSION" $ok "$TMP/versions"

# --- contents ---
ok=1
src=$TMP/dkms-pkg/usr/src/segfilter-$VERSION
{
	for f in Kbuild VERSION dkms.conf kmod/main.c uapi/linux/segfilter.h; do
		[ -f "$src/$f" ] || { echo "missing: /usr/src/segfilter-$VERSION/$f"; ok=0; }
	done
	# Every object Kbuild names (outside its KUnit part) has its source.
	for o in $(sed '/^ifeq/,/^endif/d' "$TOP/Kbuild" | grep -o 'kmod/[a-z_]*\.o'); do
		[ -f "$src/${o%.o}.c" ] || { echo "missing: ${o%.o}.c"; ok=0; }
	done
	extra=$(cd "$TMP/dkms-pkg" && find . -type f ! -path "./usr/src/segfilter-$VERSION/*" \
		! -path './usr/share/doc/segfilter-dkms/*')
	extra+=$(cd "$src" && find . -type f \( -path '*tests*' -o -name '*.o' \
		-o -name '*.ko' -o -name '*.cmd' -o -name '*.mod*' \))
	[ -z "$extra" ] || { echo "not wanted in segfilter-dkms: $extra"; ok=0; }
	for f in usr/sbin/segctl usr/sbin/segctl-etcd usr/sbin/segd \
		lib/systemd/system/segfilter.service lib/systemd/system/segd.service \
		etc/default/segd; do
		[ -f "$TMP/tools-pkg/$f" ] || { echo "missing in segfilter-tools: /$f"; ok=0; }
	done
} >"$TMP/contents" 2>&1
result "the packages hold the module's source, the tools and the units" $ok "$TMP/contents"

# The restore script, the man pages and the completion come with
# `make -C ctl install` once ctl/Makefile installs them.
for f in usr/lib/segfilter/segfilter-restore:segfilter-restore \
	usr/share/man/man8/segctl.8.gz:segctl.8 usr/share/man/man8/segd.8.gz:segd.8 \
	usr/share/bash-completion/completions/segctl:bash-completion; do
	base=${f#*:}
	f=${f%%:*}
	if [ -e "$TMP/tools-pkg/$f" ]; then
		result "segfilter-tools holds /$f" 1
	elif grep -q -- "$base" "$TOP/ctl/Makefile"; then
		echo "ctl/Makefile names $base but the package has no /$f" >"$TMP/out"
		result "segfilter-tools holds /$f" 0 "$TMP/out"
	else
		echo "ctl/Makefile does not install $base yet" >"$TMP/out"
		result "segfilter-tools holds /$f" skip "$TMP/out"
	fi
done

# --- the units, as packaged ---
if command -v systemd-analyze >/dev/null; then
	ok=0
	# The programs the units run are looked up on the host, where the
	# package is not installed: one that the package holds is not
	# missing.  (--root wants a whole system under it.)
	(cd "$TMP/tools-pkg/lib/systemd/system" && systemd-analyze verify --man=no \
		./segfilter.service ./segd.service) >"$TMP/verify" 2>&1
	while IFS= read -r line; do
		prog=$(sed -n 's/.*: Command \(\/[^ ]*\) is not executable: .*/\1/p' <<<"$line")
		[ -n "$prog" ] && [ -x "$TMP/tools-pkg$prog" ] && continue
		# The restore script, until ctl/Makefile installs it (above).
		[ "$prog" = /usr/lib/segfilter/segfilter-restore ] &&
			! grep -q segfilter-restore "$TOP/ctl/Makefile" && continue
		echo "$line"
	done <"$TMP/verify" >"$TMP/verify.left"
	[ -s "$TMP/verify.left" ] || ok=1
	cat "$TMP/verify" >>"$TMP/verify.left"
	result "systemd-analyze verify: segfilter.service, segd.service" $ok "$TMP/verify.left"
else
	echo "no systemd-analyze on this host" >"$TMP/out"
	result "systemd-analyze verify: segfilter.service, segd.service" skip "$TMP/out"
fi

# --- DKMS ---
if [ ${#HEADERS[@]} -lt 2 ]; then
	printf 'found: %s\n' "${HEADERS[@]:-none}" >"$TMP/out"
	result "the 6.1 and 6.12 headers are installed (scripts/install-deps.sh)" 0 "$TMP/out"
fi
KO61=
for h in "${HEADERS[@]}"; do
	krel=${h##*/linux-headers-}
	ok=0
	if wait "${dkms_pid[$h]}" && [ -f "$TMP/$krel.ko" ]; then
		magic=$(modinfo -F vermagic "$TMP/$krel.ko")
		echo "vermagic: $magic" >>"$TMP/dkms-$krel.log"
		[ "${magic%% *}" = "$krel" ] && ok=1
		v=$(modinfo -F version "$TMP/$krel.ko")
		if [ -n "$v" ] && [ "$v" != "$VERSION" ]; then
			echo "MODULE_VERSION $v, VERSION $VERSION" >>"$TMP/dkms-$krel.log"
			ok=0
		fi
	fi
	result "DKMS builds segfilter.ko from the package for $krel ($((SECONDS - t0)) s)" \
		$ok "$TMP/dkms-$krel.log"
	if [ $ok = 1 ] && [[ $krel == 6.1.* ]]; then
		mkdir -p "$OUT/dkms/$krel"
		cp "$TMP/$krel.ko" "$OUT/dkms/$krel/segfilter.ko"
		KO61=$OUT/dkms/$krel/segfilter.ko
	fi
done

ok=0
wait "$lintian_pid" && ok=1
grep -q '^E: ' "$TMP/lintian" && ok=0
result "lintian: no errors ($(grep -c '^W: ' "$TMP/lintian") warnings, listed below)" $ok "$TMP/lintian"
grep '^W: ' "$TMP/lintian" | sed 's/^/    lintian /'
BG=()

if [ "$GUEST" = 1 ]; then
	if [ -z "$KO61" ]; then
		echo "no 6.1 module from DKMS" >"$TMP/out"
		result "the DKMS-built module in a 6.1 guest" 0 "$TMP/out"
	else
		"$TOP/tests/vm/run.sh" 6.1 --ko "$KO61" --tests dkms.sh \
			--log-name deb | tee "$TMP/guest"
		if read -r p f s < <(tail -n 1 "$TMP/guest" |
			sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p') &&
			[ -n "$p" ]; then
			passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
		else
			echo "run.sh stopped before counting" >"$TMP/out"
			result "the DKMS-built module in a 6.1 guest" 0 "$TMP/out"
		fi
	fi
fi

counts
