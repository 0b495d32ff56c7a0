#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything segfilter's build, tests and demo need, from
# Debian's own packages.  Idempotent: when everything is present it only
# checks and returns within a second or two.
#
# Kernel images are not installed into the host's /boot: they are
# unpacked under $SEGFILTER_CACHE (default ~/.cache/segfilter) for the
# QEMU guests, so the host's boot configuration is never touched.
# Kernel headers are installed normally, as DKMS would want them.

set -euo pipefail

KVER_61_FLAVOUR=cloud-amd64
KVER_612_FLAVOUR=cloud-amd64
CACHE=${SEGFILTER_CACHE:-$HOME/.cache/segfilter}

log() { printf 'deps: %s\n' "$*" >&2; }

need_root() {
	if [ "$(id -u)" != 0 ]; then
		log "run as root (apt-get install is needed): $*"
		exit 1
	fi
}

apt_updated=0
apt_update() {
	[ $apt_updated = 1 ] && return 0
	need_root "apt-get update"
	apt-get update -qq
	apt_updated=1
}

# Add bookworm-backports, reusing the URIs of the existing Debian source so
# that whatever mirror this machine uses is used for backports too.
add_backports() {
	if grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		return 0
	fi
	need_root "add bookworm-backports"
	local uri=""
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		uri=$(awk '/^URIs:/ { u = $2 } /^Suites:/ && / bookworm( |$)/ { print u; exit }' \
			/etc/apt/sources.list.d/debian.sources)
	fi
	if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
		uri=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list)
	fi
	if [ -z "$uri" ]; then
		log "cannot find the Debian bookworm source to derive backports from"
		exit 1
	fi
	log "adding bookworm-backports from $uri"
	cat > /etc/apt/sources.list.d/segfilter-backports.sources <<SRC
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	apt_updated=0
}

PKGS=(
	build-essential gcc make bc bison flex libelf-dev libssl-dev dwarves
	pkg-config libnl-3-dev libnl-genl-3-dev
	qemu-system-x86 busybox-static iproute2 nftables kmod cpio xz-utils
	zstd linux-source-6.1 python3
	# make bench: the plot, and the libraries ovs-dpctl links against
	gnuplot-nox libxdp1 libbpf1 libunbound8 libnuma1 libssl3
	# make bench --profile: perf in the guest
	linux-perf
	# make bench, part peers: the tc-BPF peer, built with clang against
	# libbpf-dev's headers, loaded by tc and filled by bpftool in the guest
	clang llvm libbpf-dev bpftool
	# the netlink spec: the kernel's YNL tooling (linux-source-6.12, from
	# bookworm-security) and what it needs, on the host and in ynl.sh's guest
	linux-source-6.12 python3-yaml python3-jsonschema
	# cluster mode: segd's etcd client (libcurl, json-c) and, in the
	# cluster tests' guests, a real etcd, and openssl for the
	# certificates of its TLS mode (lib.sh's ETCD_TLS=1)
	libcurl4-openssl-dev libjson-c-dev etcd-server etcd-client openssl
	# etcd.sh reads segctl --etcd -j output with jq, in the guest
	jq
	# dhcp.sh: Debian's script for busybox udhcpc (udhcpd and udhcpc
	# themselves are busybox applets), in the guest
	udhcpc
	# make bench, part tcp: iperf3 between VM namespaces, and ethtool to
	# turn veth GRO on, in the guest
	iperf3 ethtool
	# make deb: the Debian packages (debhelper, dh-dkms), checked by
	# lintian and built by DKMS against both kernels' headers; the man
	# pages from Documentation/ (rst2man); the completion's helpers
	debhelper dh-dkms dkms lintian fakeroot python3-docutils bash-completion
	# metrics.sh: Prometheus' own text parser reads segctl's and segd's
	# metrics, in the guest
	python3-prometheus-client
)

missing_pkgs() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

# Resolve the newest ABI of a meta package (linux-image-cloud-amd64 from a
# given suite) to the versioned package name it depends on.
resolve_image() {
	local suite=$1 flavour=$2
	local deps
	deps=$(apt-cache depends -t "$suite" "linux-image-$flavour" 2>/dev/null) || return 0
	awk '/Depends: linux-image-[0-9]/ { print $2; exit }' <<<"$deps"
}

# ovs-dpctl, for make bench: it programs Open vSwitch's kernel datapath
# without the daemons, so the package is unpacked, not installed, and no
# service starts on this host.
fetch_ovs_dpctl() {
	local ver dir
	ver=$(apt-cache policy openvswitch-switch 2>/dev/null | awk '/Candidate:/ { print $2 }')
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		apt_update
		ver=$(apt-cache policy openvswitch-switch | awk '/Candidate:/ { print $2 }')
	fi
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		log "no openvswitch-switch package to take ovs-dpctl from"
		exit 1
	fi
	dir=$CACHE/ovs/$ver
	if [ ! -x "$dir/usr/bin/ovs-dpctl" ]; then
		log "unpacking ovs-dpctl of openvswitch-switch $ver into $dir"
		rm -rf "$dir"; mkdir -p "$dir"
		(cd "$dir" && apt-get download -qq "openvswitch-switch=$ver" &&
			dpkg-deb -x ./*.deb . && rm -f ./*.deb)
		if [ ! -x "$dir/usr/bin/ovs-dpctl" ]; then
			log "no ovs-dpctl in openvswitch-switch $ver"
			exit 1
		fi
	fi
	ln -sfn "$ver" "$CACHE/ovs/current"
}

# The kernel's YNL tooling (tools/net/ynl: cli.py and its library) and
# the netlink spec schemas, extracted from linux-source-6.12's tarball
# into $CACHE/ynl-<version>, $CACHE/ynl pointing to it: make check
# validates Documentation/netlink/specs/segfilter.yaml with them, and
# ynl.sh drives the module with cli.py.  Nothing else of the tarball.
extract_ynl() {
	local ver dir tarball=/usr/src/linux-source-6.12.tar.xz
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
	ver=${ver%%-*}
	dir=$CACHE/ynl-$ver
	if [ ! -f "$dir/.done" ]; then
		log "extracting tools/net/ynl and the netlink schemas of linux-source $ver into $dir"
		rm -rf "$dir"; mkdir -p "$dir"
		tar -xJf "$tarball" -C "$dir" --strip-components=1 --wildcards \
			'linux-source-6.12/tools/net/ynl/*' \
			'linux-source-6.12/Documentation/netlink/*'
		touch "$dir/.done"
	fi
	ln -sfn "ynl-$ver" "$CACHE/ynl"
}

main() {
	add_backports
	local img61 img612
	img61=$(resolve_image bookworm $KVER_61_FLAVOUR)
	img612=$(resolve_image bookworm-backports $KVER_612_FLAVOUR)
	if [ -z "$img61" ] || [ -z "$img612" ]; then
		apt_update
		img61=$(resolve_image bookworm $KVER_61_FLAVOUR)
		img612=$(resolve_image bookworm-backports $KVER_612_FLAVOUR)
	fi
	[ -n "$img61" ] && [ -n "$img612" ] || {
		log "cannot resolve the 6.1 and 6.12 kernel packages"; exit 1; }
	local kv61=${img61#linux-image-} kv612=${img612#linux-image-}

	local want=("${PKGS[@]}" "linux-headers-$kv61")
	local m
	m=$(missing_pkgs "${want[@]}")
	if [ -n "$m" ]; then
		apt_update
		log "installing: $(echo $m)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $m >/dev/null
	fi
	m=$(missing_pkgs "linux-headers-$kv612")
	if [ -n "$m" ]; then
		apt_update
		log "installing: $m (bookworm-backports)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			-t bookworm-backports "linux-headers-$kv612" >/dev/null
	fi

	# Kernel images for the guests: unpacked, not installed.
	local kv pkg dir
	for kv in "$kv61" "$kv612"; do
		dir=$CACHE/kernels/$kv
		[ -f "$dir/.done" ] && continue
		pkg=linux-image-$kv
		log "unpacking $pkg into $dir"
		rm -rf "$dir"; mkdir -p "$dir"
		(cd "$dir" && apt-get download -qq "$pkg" && dpkg-deb -x ./*.deb root && rm -f ./*.deb)
		touch "$dir/.done"
	done
	mkdir -p "$CACHE"
	fetch_ovs_dpctl
	extract_ynl
	printf '%s\n' "$kv61" > "$CACHE/kernel-6.1"
	printf '%s\n' "$kv612" > "$CACHE/kernel-6.12"
}

main "$@"
