#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: build the Debian packages (debian/) into .build/deb/:
# segfilter-dkms_VERSION_all.deb, segfilter-tools_VERSION_ARCH.deb and
# their .buildinfo and .changes.
#
# From a clean copy of the tree (the files git knows, and new ones it
# does not ignore, as they are in the work tree), so that no object,
# segfilter.ko or test output of the tree gets into a package; and into
# .build/, not into the parent directory of the tree, where
# dpkg-buildpackage would put them and which may be shared.
#
# usage: scripts/make-deb.sh [OUTDIR]     (default: .build/deb)

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:-$TOP/.build/deb}
log() { printf 'make-deb: %s\n' "$*" >&2; }

version=$(cat "$TOP/VERSION")
work=$OUT/build
src=$work/segfilter-$version

rm -rf "$work"
mkdir -p "$src"
if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# Deleted but not yet committed files are listed too: skip them.
	git -C "$TOP" ls-files -z --cached --others --exclude-standard |
		tar -C "$TOP" --null -T - --ignore-failed-read -cf - 2>/dev/null |
		tar -C "$src" -xf -
else
	tar -C "$TOP" --exclude=./.build --exclude='*.o' --exclude='*.ko' -cf - . |
		tar -C "$src" -xf -
fi

log "building the packages of segfilter $version in $work"
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 || {
	tail -n 40 "$work/build.log" >&2
	log "dpkg-buildpackage failed: $work/build.log"
	exit 1
}
rm -f "$OUT"/*.deb "$OUT"/*.buildinfo "$OUT"/*.changes
mv "$work"/*.deb "$work"/*.buildinfo "$work"/*.changes "$OUT/"
rm -rf "$src"
ls "$OUT"/*.deb
