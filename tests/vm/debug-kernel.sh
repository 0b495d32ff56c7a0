#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) the debug kernel the tests boot: Debian's linux-source-6.1,
# `allnoconfig` + tests/vm/debug.config (KUnit, KASAN, lockdep, kmemleak,
# UBSAN, veth/tun/bridge and nftables built in).
#
# Usage: tests/vm/debug-kernel.sh [-v | --cached]
#   Prints the object tree (the KDIR for `make M=...`, with
#   arch/x86/boot/bzImage and Module.symvers) on stdout; progress on stderr.
#   -v        streams the kernel build output instead of keeping it in a log.
#   --cached  only prints the tree if it is already built; exit 1 if not.
#
# The result is cached outside the source tree, in
#   ${SEGFILTER_CACHE:-~/.cache/segfilter}/debug-kernel-<key>/
# where <key> hashes the settings of the config fragment and the
# linux-source package version.  That directory is the kernel source; the objects are in its
# obj/ subdirectory.  Because obj/ is a direct child of the source tree,
# Kbuild refers to the sources as ".." (relative), so the tree can be
# built under a temporary name and renamed into place when complete: an
# interrupted build never looks cached.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FRAGMENT=$HERE/debug.config
SOURCE_TARBALL=/usr/src/linux-source-6.1.tar.xz
SOURCE_PKG=linux-source-6.1
CACHE=${SEGFILTER_CACHE:-$HOME/.cache/segfilter}
VERBOSE=0

log() { printf 'debug-kernel: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

cache_key() {
	local ver
	ver=$(dpkg-query -W -f='${Version}' "$SOURCE_PKG" 2>/dev/null) ||
		die "$SOURCE_PKG is not installed (run scripts/install-deps.sh)"
	# Only the settings count, so that editing a comment does not cost a
	# rebuild; "# CONFIG_X is not set" is a setting.
	{
		grep -E '^(CONFIG_|# CONFIG_[A-Za-z0-9_]+ is not set)' "$FRAGMENT"
		echo "$SOURCE_PKG $ver"
	} | sha256sum | cut -c1-16
}

# Run make in the object tree, quietly into the build log unless -v.
kmake() {
	local src=$1; shift
	if [ "$VERBOSE" = 1 ]; then
		make -C "$src" O=obj "$@" >&2
	else
		make -C "$src" O=obj "$@" >>"$src/build.log" 2>&1 || {
			log "make $* failed; last lines of $src/build.log:"
			tail -n 60 "$src/build.log" >&2
			return 1
		}
	fi
}

# Every option the fragment sets must survive olddefconfig with the same
# value, and every "is not set" must stay unset: Kconfig silently drops an
# option whose dependencies are missing, which would quietly weaken the
# debug checks.
verify_config() {
	local config=$1 line opt bad=()
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF -- "$line" "$config" || bad+=("$line (have: $(grep -E "^(# )?${line%%=*}[= ]" "$config" || echo absent))")
			;;
		"# CONFIG_"*" is not set")
			opt=${line#\# }; opt=${opt%% *}
			! grep -q "^$opt=" "$config" || bad+=("$line (have: $(grep "^$opt=" "$config"))")
			;;
		esac
	done < "$FRAGMENT"
	if [ ${#bad[@]} -gt 0 ]; then
		log "these options of $FRAGMENT are not in the final .config (missing dependencies?):"
		printf '  %s\n' "${bad[@]}" >&2
		return 1
	fi
}

build() {
	local final=$1 tmp=$2 start=$SECONDS
	log "building the debug kernel in $tmp (about 11+ minutes on 2 cores)"
	log "extracting $SOURCE_TARBALL"
	tar -xJf "$SOURCE_TARBALL" -C "$tmp" --strip-components=1
	mkdir -p "$tmp/obj"
	[ "$VERBOSE" = 1 ] || log "build log: $tmp/build.log (kept as $final/build.log)"
	kmake "$tmp" KCONFIG_ALLCONFIG="$FRAGMENT" allnoconfig
	kmake "$tmp" olddefconfig
	verify_config "$tmp/obj/.config"
	kmake "$tmp" -j"$(nproc)" all
	# modules_prepare is part of "all"; Module.symvers comes from modpost.
	[ -f "$tmp/obj/Module.symvers" ] || die "no Module.symvers after the build"
	[ -f "$tmp/obj/arch/x86/boot/bzImage" ] || die "no bzImage after the build"
	# The rename below is only safe if nothing recorded the temporary path.
	if grep -qsF "$tmp" "$tmp/obj/Makefile" "$tmp/obj/include/config/auto.conf.cmd"; then
		die "the object tree refers to $tmp by absolute path; cannot rename it"
	fi
	mv -T "$tmp" "$final"
	log "built $(cat "$final/obj/include/config/kernel.release") in $((SECONDS - start)) s"
}

main() {
	local cached_only=0
	case ${1:-} in
	-v) VERBOSE=1 ;;
	--cached) cached_only=1 ;;
	"") ;;
	*) die "usage: $0 [-v | --cached]" ;;
	esac
	[ -r "$SOURCE_TARBALL" ] || die "$SOURCE_TARBALL missing (run scripts/install-deps.sh)"
	mkdir -p "$CACHE"
	local key final
	key=$(cache_key)
	final=$CACHE/debug-kernel-$key
	if [ "$cached_only" = 1 ]; then
		[ -d "$final" ] && echo "$final/obj" && return 0
		return 1
	fi

	# One builder at a time per key; a second caller waits, then finds
	# the finished tree.
	exec 9>"$final.lock"
	if ! flock -n 9; then
		log "another build of $final is running; waiting for it"
		flock 9
	fi
	if [ ! -d "$final" ]; then
		# Leftovers of interrupted builds (we hold the lock, so they are dead).
		rm -rf "$final".tmp.*
		local tmp
		tmp=$(mktemp -d "$final.tmp.XXXXXX")
		# On failure or interrupt, drop the half-built tree: it is big.
		trap 'rm -rf "$tmp"' EXIT
		trap 'exit 130' INT TERM HUP
		build "$final" "$tmp"
		trap - EXIT INT TERM HUP
	fi
	echo "$final/obj"
}

# Parse the whole command before running it, so that editing this file
# while a build runs cannot change what the running bash reads next.
main "$@"; exit
