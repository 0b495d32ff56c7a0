#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot one kernel under QEMU with segfilter.ko, segctl and the test
# scripts in an initramfs, run the tests there and count the results.
#
# usage: tests/vm/run.sh KERNEL [options]
#   KERNEL         6.1 | 6.12   Debian's cloud kernels (scripts/install-deps.sh)
#                  debug        the KASAN/lockdep/kmemleak/KUnit kernel of
#                               tests/vm/debug-kernel.sh (built if missing)
#   --tests 'a.sh b.sh'  run only these scripts of tests/selftests/
#   --script FILE        run FILE instead of the selftests (make demo);
#                        its output is shown live, without kernel messages
#   --timeout SECS       per-script timeout (default 300, debug 1200;
#                        or $SEGFILTER_TEST_TIMEOUT)
#   --keep               keep the initramfs directory and print its path
#   --ko FILE            test this segfilter.ko (built for the kernel's
#                        release, e.g. by DKMS: tests/deb/check.sh) instead
#                        of building one from the tree; the scripts see
#                        SEGFILTER_KO_GIVEN=1 (stock kernels only)
#   --modules 'a b'      load these stock kernel modules too (make bench:
#                        pktgen, openvswitch)
#   --install SRC[:DST]  copy the host program SRC (with its libraries)
#                        to DST in the guest (default /usr/sbin/<name>)
#   --mem MB             guest memory (default 1024, debug 2048)
#   --pin                one host thread per vCPU (multi-threaded TCG
#                        without KVM), each pinned to its own host CPU
#   --results FILE       copy the guest's test output to FILE as well
#   --append 'ARGS'      more kernel command line
#   --log-name NAME      logs as .build/logs/NAME.* (default: KERNEL)
#   --plugin 'SO,ARGS'   load the QEMU TCG plugin SO with its arguments
#                        (qemu -plugin SO,ARGS); forces TCG with one host
#                        thread for all vCPUs (no --pin), so that what the
#                        plugin sees does not depend on the threads' race
#   -v                   stream the kernel console live as well
#
# In the guest (see guest-init.sh):
#   /segfilter/segfilter.ko      the module; $SEGFILTER_KO points to it
#   /segfilter/VERSION           the tree's VERSION file
#   /segfilter/tests/*           tests/selftests/* and tests/lib.sh
#   /segfilter/lib.sh            tests/lib.sh again, where a script that
#                                sources "$(dirname "$0")/../lib.sh" looks
#   /segfilter/demo.sh           tests/demo.sh
#   /segfilter/VERSION           VERSION
#   /usr/sbin/segctl, /usr/sbin/<each program of tests/tools/> (built with
#   make -C tests/tools), /sbin/ip (iproute2), /usr/sbin/nft (nftables),
#   /usr/sbin/{insmod,rmmod,modprobe,lsmod,modinfo} (kmod),
#   /usr/bin/{unshare,nsenter,setpriv,timeout} (util-linux, coreutils),
#   /bin/bash; busybox for everything else (/bin/sh is busybox);
#   /usr/lib/segfilter/segfilter-restore and
#   /usr/share/bash-completion/completions/segctl (ctl/), as installed.
#   When ynl.sh runs: /segfilter/ynl/{cli.py,lib/,segfilter.yaml} (the
#   kernel's YNL client, from linux-source) and /usr/bin/python3 with
#   the modules the client needs.  When a script has a line
#   "# guest-python: MODULE...": /usr/bin/python3 with those modules of
#   the host (metrics.sh: prometheus_client.parser, Debian's
#   python3-prometheus-client) and what they import.
#   When a script uses etcd (calls etcd_cluster_start of lib.sh):
#   /usr/bin/etcd and /usr/bin/etcdctl (Debian's etcd-server and
#   etcd-client), /usr/bin/openssl (lib.sh's ETCD_TLS=1 makes its
#   certificates with it; no openssl.cnf), /usr/sbin/segd and
#   segctl-etcd if make -C ctl built them, /usr/bin/jq if the host has
#   it (etcd.sh reads JSON with it), and at least 1536 MB of guest
#   memory.  When version.sh runs: /usr/sbin/segd too, if built.
#   Kernel modules loaded at boot: veth, tun, bridge, 8021q, vxlan (with
#   udp_tunnel and ip6_udp_tunnel, for the uplinks of overlay.sh),
#   nf_tables, nft_meta_bridge, nft_ct, nft_objref (nftables in bridge,
#   inet and ip tables, with counters, sets and ct) and what segfilter.ko
#   depends on; the debug kernel has them built in.
#   Scripts run from /tmp with SEGFILTER_KO, SEGFILTER_KERNEL (6.1, 6.12,
#   debug) and SEGFILTER_VM=1 in the environment, stdin from /dev/null;
#   the host's SEGFUZZ_* and SEGSTRESS_* variables (fuzz.sh, stress.sh)
#   are passed on.
#
# Counting: every "TEST: ... [ OK ]" / "[FAIL]" / "[SKIP]" line of a
# script counts once.  A script that exits non-zero (other than 4, "skip")
# without printing a [FAIL] line, or times out (the guest then lists what
# its processes were doing and kills its process group), counts one
# failure; one that prints no TEST line counts one result from its exit
# status.  On the debug kernel each KUnit test case counts once, except a
# parameterised case, which counts each of its parameters instead.  Any
# kernel splat on the console, or a guest that does not reach the end of
# its /init, counts one more failure.  The last line of output is
# "N passed, N failed, N skipped"; the exit status is 1 if anything failed.
#
# Logs: .build/logs/<KERNEL>.console (serial console) and
# .build/logs/<KERNEL>.results (test output), under the project top.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
CACHE=${SEGFILTER_CACHE:-$HOME/.cache/segfilter}
BUILD=$TOP/.build
LOGS=$BUILD/logs

# Kernel messages that fail the run wherever they appear on the console.
SPLAT_RE='BUG:|WARNING:|KASAN:|UBSAN:|general protection fault|Oops|Kernel panic'
SPLAT_RE+='|possible circular locking|possible recursive locking'
SPLAT_RE+='|suspicious RCU usage|inconsistent lock state|unreferenced object'
SPLAT_RE+='|Call Trace:|kernel BUG at|soft lockup|hard LOCKUP|blocked for more than'
SPLAT_RE+='|rcu: INFO:|self-detected stall|list_(add|del) corruption'
# How many console lines after its first line an excerpt of a splat shows.
SPLAT_LINES=60
# Lines that match the above but are known to be harmless.
SPLAT_IGNORE_RE='Spectre V2 : WARNING: Unprivileged eBPF'
# The kernel's reports of a failed allocation, which dump the stack: a
# splat, except between the marks of a test that fails allocations on
# purpose (faults.sh), where only their "Call Trace:" is let pass.
ALLOC_FAIL_RE='page allocation failure: |vmalloc error: |percpu: allocation failed'
ALLOC_FAIL_BEGIN='segfilter-vm: allocation failures expected'
ALLOC_FAIL_END='segfilter-vm: allocation failures over'

KERNEL=
TESTS=
SCRIPT=
KEEP=0
KO_GIVEN=
VERBOSE=0
EXTRA_MODULES=
EXTRA_BINS=()
MEM=
CPUS=2
PIN=0
RESULTS_COPY=
APPEND=
LOG_NAME=
PLUGIN=
TEST_TIMEOUT=${SEGFILTER_TEST_TIMEOUT:-}

# Set by resolve_kernel().
KREL='' VMLINUZ='' KDIR='' MODDIR=''
# Set by build_module() / build_segctl() / make_initramfs().
KO='' SEGCTL='' INITRD='' WORK=''
# Guest paths of the scripts to run.
GUEST_SCRIPTS=()
# Set by make_initramfs(): a script needs etcd in the guest.
NEED_ETCD=0
# Background processes to stop when we exit early.
BG_PIDS=()

log() { printf 'run.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 2; }

usage() {
	sed -n '/^# usage:/,/^#   -v/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

parse_args() {
	[ $# -ge 1 ] || usage
	KERNEL=$1; shift
	case $KERNEL in
	6.1|6.12|debug) ;;
	*) usage ;;
	esac
	while [ $# -gt 0 ]; do
		case $1 in
		--tests) [ $# -ge 2 ] || usage; TESTS=$2; shift ;;
		--script) [ $# -ge 2 ] || usage; SCRIPT=$2; shift ;;
		--timeout) [ $# -ge 2 ] || usage; TEST_TIMEOUT=$2; shift ;;
		--keep) KEEP=1 ;;
		--ko) [ $# -ge 2 ] || usage; KO_GIVEN=$(realpath "$2"); shift ;;
		--modules) [ $# -ge 2 ] || usage; EXTRA_MODULES=$2; shift ;;
		--install) [ $# -ge 2 ] || usage; EXTRA_BINS+=("$2"); shift ;;
		--mem) [ $# -ge 2 ] || usage; MEM=$2; shift ;;
		--pin) PIN=1 ;;
		--results) [ $# -ge 2 ] || usage; RESULTS_COPY=$2; shift ;;
		--append) [ $# -ge 2 ] || usage; APPEND=$2; shift ;;
		--log-name) [ $# -ge 2 ] || usage; LOG_NAME=$2; shift ;;
		--plugin) [ $# -ge 2 ] || usage; PLUGIN=$2; shift ;;
		-v) VERBOSE=1 ;;
		*) usage ;;
		esac
		shift
	done
	[ -z "$TESTS" ] || [ -z "$SCRIPT" ] || die "--tests and --script exclude each other"
	[ -z "$PLUGIN" ] || [ -f "${PLUGIN%%,*}" ] || die "--plugin: no such file ${PLUGIN%%,*}"
	if [ -n "$KO_GIVEN" ]; then
		[ -f "$KO_GIVEN" ] || die "--ko: no such file $KO_GIVEN"
		[ "$KERNEL" != debug ] || die "--ko: the debug kernel's module is built with its KUnit tests"
	fi
	if [ -z "$TEST_TIMEOUT" ]; then
		# TCG is slow; KASAN and lockdep make it several times slower,
		# and make check runs three guests on two CPUs.  The timeout is
		# for a script that hangs, not for a slow one.
		if [ "$KERNEL" = debug ]; then TEST_TIMEOUT=1800; else TEST_TIMEOUT=600; fi
	fi
}

# Find the kernel image, the tree to build modules against and (stock
# kernels) the directory with the kernel's own modules.
resolve_kernel() {
	if [ "$KERNEL" = debug ]; then
		KDIR=$("$HERE/debug-kernel.sh")
		KREL=$(cat "$KDIR/include/config/kernel.release")
		VMLINUZ=$KDIR/arch/x86/boot/bzImage
		MODDIR=
	else
		local f=$CACHE/kernel-$KERNEL root
		[ -f "$f" ] || die "$f missing: run scripts/install-deps.sh"
		KREL=$(cat "$f")
		root=$CACHE/kernels/$KREL/root
		VMLINUZ=$root/boot/vmlinuz-$KREL
		KDIR=/usr/src/linux-headers-$KREL
		MODDIR=$root/lib/modules/$KREL
		[ -d "$MODDIR" ] || MODDIR=$root/usr/lib/modules/$KREL
		[ -d "$MODDIR" ] || die "no modules for $KREL under $root: run scripts/install-deps.sh"
	fi
	[ -f "$VMLINUZ" ] || die "kernel image $VMLINUZ missing: run scripts/install-deps.sh"
	[ -d "$KDIR" ] || die "kernel build tree $KDIR missing: run scripts/install-deps.sh"
}

# Build segfilter.ko out of tree, from a copy of the sources, so that the
# source tree never gets objects from three different kernels.
build_module() {
	local dir=$BUILD/$KREL part vermagic
	local args=()
	if [ -n "$KO_GIVEN" ]; then
		vermagic=$(modinfo -F vermagic "$KO_GIVEN") ||
			die "--ko $KO_GIVEN: not a kernel module"
		[ "${vermagic%% *}" = "$KREL" ] ||
			die "--ko $KO_GIVEN: built for ${vermagic%% *}, not $KREL"
		log "testing the given $KO_GIVEN, not one built from the tree"
		KO=$KO_GIVEN
		return 0
	fi
	[ -f "$TOP/Kbuild" ] || die "$TOP/Kbuild missing: no module to test"
	rm -rf "$dir"
	mkdir -p "$dir"
	for part in Kbuild VERSION kmod uapi; do
		[ -e "$TOP/$part" ] && cp -a "$TOP/$part" "$dir/"
	done
	[ "$KERNEL" = debug ] && args+=(SEGFILTER_KUNIT=1)
	log "building segfilter.ko for $KREL in $dir"
	# W=1 and no warning at all: a warning fails the run like an error.
	make -C "$KDIR" M="$dir" W=1 "${args[@]}" modules 2>&1 |
		tee "$dir/build.log" >&2 ||
		die "building segfilter.ko for $KREL failed"
	if grep -q 'warning:' "$dir/build.log"; then
		die "building segfilter.ko for $KREL gave warnings (W=1)"
	fi
	KO=$dir/segfilter.ko
	[ -f "$KO" ] || die "the build produced no $KO"
}

build_segctl() {
	[ -f "$TOP/ctl/Makefile" ] || die "$TOP/ctl/Makefile missing: cannot build segctl"
	make -C "$TOP/ctl" >&2 || die "building segctl failed"
	SEGCTL=$TOP/ctl/segctl
	[ -x "$SEGCTL" ] || die "make -C ctl produced no $SEGCTL"
}

# Helper programs of the selftests (tests/tools: tapwire, nlsend...);
# lib.sh expects them in /usr/sbin of the guest.
TOOLS=()
build_tools() {
	local dir=$TOP/tests/tools f
	[ -f "$dir/Makefile" ] || return 0
	make -C "$dir" >&2 || die "building tests/tools failed"
	for f in "$dir"/*; do
		[ -f "$f" ] && [ -x "$f" ] && TOOLS+=("$f")
	done
	return 0
}

# Which scripts to run, as paths on the host and in the guest.
select_scripts() {
	local t name
	local -n host=$1
	if [ -n "$SCRIPT" ]; then
		[ -f "$SCRIPT" ] || die "--script $SCRIPT: no such file"
		host=("$(realpath "$SCRIPT")")
		GUEST_SCRIPTS=("$(guest_path "${host[0]}")")
		return
	fi
	if [ -n "$TESTS" ]; then
		for name in $TESTS; do
			t=$TOP/tests/selftests/${name##*/}
			[ -f "$t" ] || die "--tests: $t does not exist"
			host+=("$t")
		done
	else
		for t in "$TOP"/tests/selftests/*.sh; do
			[ -f "$t" ] && host+=("$t")
		done
	fi
	[ ${#host[@]} -gt 0 ] || die "no test scripts in $TOP/tests/selftests/"
	for t in "${host[@]}"; do
		GUEST_SCRIPTS+=("/segfilter/tests/${t##*/}")
	done
}

# Where a host script lives in the guest: tests/selftests/X -> /segfilter/tests/X,
# tests/X -> /segfilter/X, anything else -> /segfilter/extra/<name>.
guest_path() {
	local p=$1
	case $p in
	"$TOP"/tests/selftests/*) echo "/segfilter/tests/${p#"$TOP"/tests/selftests/}" ;;
	"$TOP"/tests/*) echo "/segfilter/${p#"$TOP"/tests/}" ;;
	*) echo "/segfilter/extra/${p##*/}" ;;
	esac
}

# Copy a host executable to the same or a given path in the guest root,
# with the shared libraries ldd says it needs.
install_bin() {
	local root=$1 src=$2 dst=${3:-$2} lib
	[ -e "$src" ] || die "$src missing on the host (scripts/install-deps.sh)"
	mkdir -p "$root/${dst%/*}"
	cp -L "$src" "$root/$dst"
	# A static binary makes ldd fail; it needs nothing more.
	for lib in $(ldd "$src" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		[ -e "$root/$lib" ] && continue
		mkdir -p "$root/${lib%/*}"
		cp -L "$lib" "$root/$lib"
	done
}

# The given kernel modules and everything they depend on (modinfo), as
# paths relative to $MODDIR.
module_closure() {
	local todo=("$@") seen=" " name file dep
	while [ ${#todo[@]} -gt 0 ]; do
		name=${todo[0]}; todo=("${todo[@]:1}")
		name=${name//-/_}
		case $seen in *" $name "*) continue ;; esac
		seen+="$name "
		# modules.builtin lists built-in ones: nothing to copy.
		grep -q "/${name//_/[_-]}\.ko$" "$MODDIR/modules.builtin" && continue
		file=$(cd "$MODDIR" && find kernel -name "${name//_/[_-]}.ko*" | head -n 1)
		[ -n "$file" ] || die "kernel module $name not found in $MODDIR"
		echo "$file"
		for dep in $(modinfo -F depends "$MODDIR/$file" | tr ',' ' '); do
			todo+=("$dep")
		done
	done
}

# Whether the stock kernel has the module NAME as a file of its own (not
# built in, nor part of another module).
have_module() {
	local name=$1
	[ -n "$(cd "$MODDIR" && find kernel -name "${name//_/[_-]}.ko*" | head -n 1)" ]
}

# The modules segfilter.ko itself needs from the stock kernel.
module_deps() {
	modinfo -F depends "$KO" | tr ',' ' '
}

# Copy the host's Python FILES (python-files.py's list) into the guest:
# install_python ROOT FILES.
install_python() {
	local root=$1 files=$2 f py=''
	for f in $files; do
		case $f in
		/usr/bin/python*) py=$f; install_bin "$root" "$f" ;;
		*.so) install_bin "$root" "$f" ;;
		*) mkdir -p "$root/${f%/*}"; cp "$f" "$root/$f" ;;
		esac
	done
	[ -n "$py" ] || die "python-files.py named no interpreter"
	[ "$py" = /usr/bin/python3 ] || ln -sf "${py##*/}" "$root/usr/bin/python3"
}

# ynl.sh drives the module with the kernel's own YNL client, which needs
# python3 with yaml.  Only for it, and only the files the client imports
# (python-files.py, about 12 MB), not the host's whole Python: the other
# scripts' guests stay as small as they were.
install_ynl() {
	local root=$1 ynl=$CACHE/ynl/tools/net/ynl files
	local spec=$TOP/Documentation/netlink/specs/segfilter.yaml
	[ -f "$ynl/cli.py" ] || die "$ynl/cli.py missing: run scripts/install-deps.sh"
	[ -x /usr/bin/python3 ] || die "/usr/bin/python3 missing: run scripts/install-deps.sh"
	mkdir -p "$root/segfilter/ynl/lib"
	cp "$ynl/cli.py" "$spec" "$root/segfilter/ynl/"
	cp "$ynl"/lib/*.py "$root/segfilter/ynl/lib/"
	files=$(/usr/bin/python3 "$HERE/python-files.py" "$ynl" "$spec") ||
		die "cannot list the Python files cli.py needs"
	install_python "$root" "$files"
}

# A script whose line "# guest-python: MODULE..." names the modules its
# own Python code imports (metrics.sh: Debian's prometheus_client) gets
# python3 with them and what they import, likewise.
install_guest_python() {
	local root=$1 mods files
	shift
	mods=$(sed -n 's/^# guest-python: *//p' "$@" | tr '\n' ' ')
	[ -n "${mods// /}" ] || return 0
	[ -x /usr/bin/python3 ] || die "/usr/bin/python3 missing: run scripts/install-deps.sh"
	# shellcheck disable=SC2086 # a list of module names
	files=$(/usr/bin/python3 "$HERE/python-files.py" --import $mods) ||
		die "cannot import $mods on the host: run scripts/install-deps.sh"
	install_python "$root" "$files"
}

make_initramfs() {
	local root=$WORK/root name t mod
	local host_scripts=() modprobe=() deps=() mods
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc,proc,sys,dev,run,tmp,var,segfilter/tests}
	ln -s ../run "$root/var/run"

	# busybox first, its applets as links in /bin; the real tools below
	# sit earlier in PATH (/usr/sbin:/usr/bin:/sbin:/bin).
	install_bin "$root" /bin/busybox
	for name in $(/bin/busybox --list); do
		[ -e "$root/bin/$name" ] || ln -s busybox "$root/bin/$name"
	done
	install_bin "$root" /bin/bash /bin/bash
	install_bin "$root" /sbin/ip /sbin/ip
	install_bin "$root" /usr/sbin/nft /usr/sbin/nft
	install_bin "$root" /bin/kmod /bin/kmod
	for name in insmod rmmod modprobe lsmod modinfo depmod; do
		ln -s /bin/kmod "$root/usr/sbin/$name"
	done
	install_bin "$root" /usr/bin/unshare
	install_bin "$root" /usr/bin/nsenter
	install_bin "$root" /usr/bin/setpriv
	install_bin "$root" /usr/bin/timeout
	install_bin "$root" "$SEGCTL" /usr/sbin/segctl
	# The restore script and the bash completion, where make install
	# puts them (restore.sh).
	mkdir -p "$root/usr/lib/segfilter" \
		"$root/usr/share/bash-completion/completions"
	[ ! -f "$TOP/ctl/segfilter-restore.sh" ] ||
		install -m 0755 "$TOP/ctl/segfilter-restore.sh" \
			"$root/usr/lib/segfilter/segfilter-restore"
	[ ! -f "$TOP/ctl/segctl.bash" ] ||
		cp "$TOP/ctl/segctl.bash" \
			"$root/usr/share/bash-completion/completions/segctl"
	for t in "${TOOLS[@]}"; do
		install_bin "$root" "$t" "/usr/sbin/${t##*/}"
	done
	for t in "${EXTRA_BINS[@]}"; do
		case $t in
		*:*) install_bin "$root" "${t%%:*}" "${t#*:}" ;;
		*) install_bin "$root" "$t" "/usr/sbin/${t##*/}" ;;
		esac
	done
	[ -d /etc/iproute2 ] && cp -a /etc/iproute2 "$root/etc/"
	# Names of protocols and services for ip and nft (netbase).
	for name in protocols services; do
		[ -f "/etc/$name" ] && cp "/etc/$name" "$root/etc/"
	done
	# Debian udhcpc's script, which dhcp.sh gives busybox udhcpc.
	if [ -f /etc/udhcpc/default.script ]; then
		mkdir -p "$root/etc/udhcpc"
		cp /etc/udhcpc/default.script "$root/etc/udhcpc/"
	fi
	echo 'root:x:0:0:root:/tmp:/bin/sh' >"$root/etc/passwd"
	echo 'root:x:0:' >"$root/etc/group"
	printf '127.0.0.1 localhost\n::1 localhost\n' >"$root/etc/hosts"
	# Only root can make device nodes; guest-init.sh copes without it.
	mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true

	cp "$KO" "$root/segfilter/segfilter.ko"
	[ -f "$TOP/VERSION" ] && cp "$TOP/VERSION" "$root/segfilter/VERSION"
	if [ -d "$TOP/tests/selftests" ]; then
		cp -a "$TOP/tests/selftests/." "$root/segfilter/tests/"
	fi
	if [ -f "$TOP/tests/lib.sh" ]; then
		cp "$TOP/tests/lib.sh" "$root/segfilter/tests/lib.sh"
		ln -s tests/lib.sh "$root/segfilter/lib.sh"
	fi
	[ -f "$TOP/tests/demo.sh" ] && cp "$TOP/tests/demo.sh" "$root/segfilter/demo.sh"
	cp "$TOP/VERSION" "$root/segfilter/VERSION"
	select_scripts host_scripts
	# A cluster test: etcd in the guest (see the top of this file).
	NEED_ETCD=0
	if grep -qs 'etcd_cluster_start' "${host_scripts[@]}"; then
		NEED_ETCD=1
	fi
	for t in "${!host_scripts[@]}"; do
		mkdir -p "$root/$(dirname "${GUEST_SCRIPTS[$t]}")"
		cp "${host_scripts[$t]}" "$root/${GUEST_SCRIPTS[$t]}"
		chmod +x "$root/${GUEST_SCRIPTS[$t]}"
	done
	case " ${GUEST_SCRIPTS[*]} " in
	*/ynl.sh\ *) install_ynl "$root" ;;
	esac
	install_guest_python "$root" "${host_scripts[@]}"
	# version.sh asks segd its version.
	case " ${GUEST_SCRIPTS[*]} " in
	*/version.sh\ *)
		[ ! -x "$TOP/ctl/segd" ] ||
			install_bin "$root" "$TOP/ctl/segd" /usr/sbin/segd ;;
	esac
	if [ "$NEED_ETCD" = 1 ]; then
		install_bin "$root" /usr/bin/etcd /usr/bin/etcd
		install_bin "$root" /usr/bin/etcdctl /usr/bin/etcdctl
		install_bin "$root" /usr/bin/openssl /usr/bin/openssl
		[ ! -x "$TOP/ctl/segd" ] ||
			install_bin "$root" "$TOP/ctl/segd" /usr/sbin/segd
		[ ! -x "$TOP/ctl/segctl-etcd" ] ||
			install_bin "$root" "$TOP/ctl/segctl-etcd" \
				/usr/sbin/segctl-etcd
		# etcd.sh reads segctl --etcd -j's JSON with it
		[ ! -x /usr/bin/jq ] || install_bin "$root" /usr/bin/jq
	fi

	# Stock kernels: the drivers the tests need are modules; the debug
	# kernel has them built in (its modules.builtin lets modprobe say so).
	mkdir -p "$root/lib/modules/$KREL"
	if [ -n "$MODDIR" ]; then
		# nf_tables carries the bridge, inet and ip families, counters
		# and (dynamic) sets; nft_ct brings nf_conntrack with it.  Where
		# nft_meta_bridge is a module, a bridge table's every meta
		# expression (iifname, l4proto...) needs it: nf_tables leaves
		# them to it, and the guest has no modprobe to autoload it.
		# vxlan: the uplinks; module_closure brings udp_tunnel and
		# ip6_udp_tunnel, its dependencies, along.  8021q: rtnl.sh
		# checks that a port takes no VLAN on top.
		modprobe=(veth tun bridge vxlan 8021q nf_tables nft_meta_bridge
			  nft_ct)
		# Named counters: their own module on 6.1, in nf_tables on 6.12.
		have_module nft_objref && modprobe+=(nft_objref)
		read -r -a deps <<<"$(module_deps)"
		modprobe+=("${deps[@]}")
		read -r -a deps <<<"$EXTRA_MODULES"
		modprobe+=("${deps[@]}")
		# (Not in a for list directly, so that a missing module stops us.)
		mods=$(module_closure "${modprobe[@]}") || exit 2
		for mod in $mods; do
			mkdir -p "$root/lib/modules/$KREL/${mod%/*}"
			cp "$MODDIR/$mod" "$root/lib/modules/$KREL/$mod"
		done
		cp "$MODDIR"/modules.{order,builtin,builtin.modinfo} "$root/lib/modules/$KREL/"
	else
		cp "$KDIR"/modules.{order,builtin,builtin.modinfo} "$root/lib/modules/$KREL/" 2>/dev/null || true
	fi
	depmod -b "$root" "$KREL"

	install -m 755 "$HERE/guest-init.sh" "$root/init"
	local kdebug=0
	[ "$KERNEL" = debug ] && kdebug=1
	cat >"$root/segfilter/vm.conf" <<-EOF
	# Generated by tests/vm/run.sh for guest-init.sh.
	SEGFILTER_KERNEL=$KERNEL
	TEST_TIMEOUT=$TEST_TIMEOUT
	MODPROBE="${modprobe[*]}"
	KUNIT=$kdebug
	KMEMLEAK=$kdebug
	CPUS=$CPUS
	SCRIPTS="${GUEST_SCRIPTS[*]}"
	EOF
	[ -z "$KO_GIVEN" ] || echo "export SEGFILTER_KO_GIVEN=1" >>"$root/segfilter/vm.conf"
	# The knobs of the adversaries (fuzz.sh, stress.sh) pass through.
	local v
	for v in $(compgen -v | grep -E '^(SEGFUZZ|SEGSTRESS)_' || true); do
		printf 'export %s=%q\n' "$v" "${!v}" >>"$root/segfilter/vm.conf"
	done

	INITRD=$WORK/initramfs.cpio.gz
	(cd "$root" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) |
		gzip -1 >"$INITRD"
}

# KVM when we may use it.  Else TCG, single-threaded: with one host thread
# per vCPU (thread=multi), Debian's 6.12 under QEMU 7.2 sometimes oopses
# at boot on an int3 of the kernel's live text patching ("Oops: int3" in
# sched_clock_cpu, about 1 boot in 12; never seen single-threaded).  The
# cost is small: most of what the tests do is serial anyway.
#
# KVM needs more than /dev/kvm: some virtual machines offer the device
# without the CPU's virtualisation extensions (no vmx or svm flag), and
# there a KVM guest hangs before its first line (or QEMU aborts setting
# an MSR).  SEGFILTER_ACCEL=kvm or tcg overrides the choice.
qemu_accel() {
	local want=${SEGFILTER_ACCEL:-}
	if [ -z "$want" ]; then
		want=tcg
		if [ -r /dev/kvm ] && [ -w /dev/kvm ] &&
			grep -qwE 'vmx|svm' /proc/cpuinfo; then
			want=kvm
		fi
	fi
	case $want in
	kvm) echo kvm ;;
	*) echo tcg,thread=single ;;
	esac
}

# -cpu max with la57 (5-level paging) makes Debian's 6.12 double-fault
# under QEMU 7.2.  Under TCG, QEMU 7.2 also corrupts EFLAGS after
# "cmpxchg16b %gs:(...)", which 6.12's SLUB uses (this_cpu_cmpxchg128)
# when the CPU has CX16: a stray TF bit then gives a WARNING in
# exc_debug_kernel or a panic in a third to a half of the boots.  Without CX16 the kernel
# takes a fallback that does not use the instruction.
qemu_cpu() {
	case $(qemu_accel) in
	kvm) echo max,la57=off ;;
	*) echo max,la57=off,cx16=off ;;
	esac
}

# Pin each vCPU thread of the qemu under timeout $1 to a host CPU of its
# own (vCPU n to the n-th CPU we may use), as far as there are CPUs.
pin_vcpus() {
	local tpid=$1 qpid='' cpus=() task name n c
	for _ in $(seq 50); do
		qpid=$(pgrep -P "$tpid" -x qemu-system-x86 || true)
		[ -n "$qpid" ] && grep -qs '^CPU [0-9]*/' /proc/"$qpid"/task/*/comm && break
		sleep 0.1
	done
	[ -n "$qpid" ] || { log "warning: no qemu process to pin"; return 0; }
	# The CPUs we may use, from a list such as "0-3,6".
	for c in $(taskset -pc "$qpid" | sed 's/.*: //' | tr ',' ' '); do
		case $c in
		*-*) mapfile -t -O "${#cpus[@]}" cpus < <(seq "${c%-*}" "${c#*-}") ;;
		*) cpus+=("$c") ;;
		esac
	done
	for task in /proc/"$qpid"/task/*; do
		name=$(cat "$task/comm" 2>/dev/null) || continue
		case $name in
		"CPU "*/*) n=${name#CPU }; n=${n%%/*} ;;
		*) continue ;;
		esac
		[ "$n" -lt "${#cpus[@]}" ] || continue
		taskset -pc "${cpus[$n]}" "${task##*/}" >/dev/null &&
			log "vCPU $n (thread ${task##*/}) pinned to host CPU ${cpus[$n]}"
	done
}

# Stream a growing log file until qemu ($1) exits.  Markers become short
# headers, carriage returns from the serial line are dropped.
stream() {
	local pid=$1; shift
	tail -q -n +1 -s 0.3 --pid="$pid" -F "$@" 2>/dev/null |
		sed -u -e 's/\r$//' \
			-e '/^SEGFILTER-VM: \(boot\|end\|done\|kunit end\)/d' \
			-e 's/^SEGFILTER-VM: begin \(.*\)/--- \1/' \
			-e 's/^SEGFILTER-VM: kunit begin/--- KUnit (insmod segfilter.ko)/' \
			-e 's/^SEGFILTER-VM: fail \(.*\)/FAIL: \1/'
}

# Boot the guest; sets GUEST_SECS and GUEST_STATUS (timeout's exit code).
GUEST_SECS=0 GUEST_STATUS=0 GUEST_LIMIT=0
boot() {
	local console=$1 results=$2 mem=1024 start pid accel
	[ "$KERNEL" = debug ] && mem=2048
	# Three etcd members, their WAL files on the guest's tmpfs.
	[ "$NEED_ETCD" = 1 ] && [ "$mem" -lt 1536 ] && mem=1536
	[ -n "$MEM" ] && mem=$MEM
	accel=$(qemu_accel)
	[ "$PIN" = 1 ] && [ "$accel" != kvm ] && accel=tcg,thread=multi
	# Plugins are TCG's; one thread runs the vCPUs in turn.
	local pin=$PIN
	local cpu
	cpu=$(qemu_cpu)
	[ -z "$PLUGIN" ] || { accel=tcg,thread=single; pin=0; cpu=max,la57=off,cx16=off; }
	# The whole guest: boot, KUnit, every script with its own timeout,
	# and the leak scan, with slack.
	local boot_allowance=120
	[ "$KERNEL" = debug ] && boot_allowance=600
	GUEST_LIMIT=${SEGFILTER_VM_TIMEOUT:-$((boot_allowance + ${#GUEST_SCRIPTS[@]} * (TEST_TIMEOUT + 15)))}
	: >"$console"
	: >"$results"
	local cmdline="console=ttyS0 panic=-1 oops=panic loglevel=5 printk.devkmsg=on log_buf_len=4M"
	# KUnit suites of modules run on load only when KUnit is enabled.
	[ "$KERNEL" = debug ] && cmdline+=" kunit.enable=1"
	[ -z "$APPEND" ] || cmdline+=" $APPEND"
	# One socket per CPU, not QEMU's default of one socket with all
	# the cores: the debug kernel has no ACPI and counts CPUs in
	# SeaBIOS's MP table, which lists only the first CPU of a package,
	# so it would run on one (guest-init.sh checks).
	# shellcheck disable=SC2054 # the commas are qemu option syntax
	local qemu=(
		qemu-system-x86_64 -nodefaults -display none -monitor none -no-reboot
		-name segfilter,debug-threads=on
		-accel "$accel" -cpu "$cpu" -smp "$CPUS,sockets=$CPUS,cores=1,threads=1" -m "$mem"
		-chardev "file,id=console,path=$console,append=on" -serial chardev:console
		-chardev "file,id=results,path=$results,append=on" -serial chardev:results
		-kernel "$VMLINUZ" -initrd "$INITRD" -append "$cmdline"
	)
	[ -z "$PLUGIN" ] || qemu+=(-plugin "$PLUGIN")
	log "booting $KERNEL ($KREL) with $accel, time limit ${GUEST_LIMIT}s"
	start=$SECONDS
	timeout -k 10 "$GUEST_LIMIT" "${qemu[@]}" </dev/null &
	pid=$!
	BG_PIDS+=("$pid")
	[ "$pin" = 1 ] && pin_vcpus "$pid"
	if [ "$VERBOSE" = 1 ]; then
		stream "$pid" "$console" "$results" &
	else
		stream "$pid" "$results" &
	fi
	BG_PIDS+=("$!")
	GUEST_STATUS=0
	wait "$pid" || GUEST_STATUS=$?
	wait "${BG_PIDS[-1]}" || true
	BG_PIDS=()
	GUEST_SECS=$((SECONDS - start))
	if [ "$GUEST_STATUS" = 124 ] || [ "$GUEST_STATUS" = 137 ]; then
		log "the guest did not finish within ${GUEST_LIMIT}s and was killed"
	fi
}

# Count results from the results port.  Prints "fail <message>" lines for
# each failure worth naming, then "counts <passed> <failed> <skipped>
# <kunit results> <done:0|1> <uptime>".  Keep in sync with guest-init.sh.
analyse_results() {
	awk '
	function failmsg(m) { failed++; print "fail " m }
	# KTAP result lines: suites at indent 0, cases at 4, parameters at 8.
	# Parameters come before the line of their case.
	function ktap(line,   indent, depth, ok, skipped, name) {
		if (line !~ /^ *(not ok|ok) [0-9]+ /)
			return
		indent = line; sub(/[^ ].*/, "", indent)
		depth = int(length(indent) / 4)
		ok = (line !~ /^ *not ok/)
		skipped = (line ~ / # [Ss][Kk][Ii][Pp]/)
		name = line; sub(/^ *(not ok|ok) [0-9]+ (- )?/, "", name); sub(/ # .*/, "", name)
		if (depth >= 2) {
			kunit++; nparam++
			if (skipped) skip++
			else if (ok) passed++
			else { failed++; param_fails = param_fails "\n" name }
		} else if (depth == 1) {
			if (nparam == 0) {
				kunit++
				if (skipped) skip++
				else if (ok) passed++
				else { failmsg("KUnit " suite ": " name); suite_fails++ }
			} else if (param_fails != "") {
				n = split(substr(param_fails, 2), p, "\n")
				for (i = 1; i <= n; i++)
					print "fail KUnit " suite ": " name " [" p[i] "]"
				suite_fails++
			} else if (!ok && !skipped) {
				failmsg("KUnit " suite ": " name " (outside its parameters)")
				suite_fails++
			}
			nparam = 0; param_fails = ""
		} else {
			# A suite that failed without a failed case (init failed...).
			if (!ok && !skipped && suite_fails == 0)
				failmsg("KUnit suite " name)
			suite_fails = 0
		}
	}
	function end_script(name, rc) {
		if (rc == 124)
			failmsg(name ": timed out after " timeout "s (its processes are listed at the end of its output)")
		else if (rc != 0 && rc != 4 && nfail == 0)
			failmsg(name ": exited with status " rc " without a [FAIL] line")
		else if (ntest == 0) {
			if (rc == 4) skip++
			else if (rc == 0) passed++
		}
	}
	BEGIN { passed = failed = skip = kunit = done = 0; cur = "" }
	{ sub(/\r$/, "") }
	/^SEGFILTER-VM: begin / { cur = $3; ntest = nfail = 0; next }
	/^SEGFILTER-VM: end / {
		rc = $0; sub(/.* rc=/, "", rc); sub(/ .*/, "", rc)
		end_script($3, rc + 0); cur = ""; next
	}
	/^SEGFILTER-VM: kunit begin/ { inkunit = 1; next }
	# The "# Subtest:" line indented like the cases names their suite.
	inkunit && /^(    )?# Subtest: / { suite = $0; sub(/^ *# Subtest: /, "", suite) }
	/^SEGFILTER-VM: kunit end/ { inkunit = 0; next }
	/^SEGFILTER-VM: fail / { failmsg(substr($0, 20)); next }
	/^SEGFILTER-VM: done/ { done = 1; uptime = $3; sub(/uptime=/, "", uptime); next }
	/^SEGFILTER-VM: / { next }
	inkunit { ktap($0); next }
	/^TEST: .*\[ *OK *\] *$/ { passed++; ntest++; next }
	/^TEST: .*\[ *SKIP *\] *$/ { skip++; ntest++; next }
	/^TEST: .*\[ *FAIL *\] *$/ { nfail++; ntest++; failmsg(cur ": " $0); next }
	END {
		# Counted by the caller as "guest did not reach the end".
		if (cur != "")
			print "running " cur
		print "counts", passed, failed, skip, kunit, done, (uptime == "" ? "-" : uptime)
	}' timeout="$TEST_TIMEOUT" "$1"
}

# Console lines that look like kernel splats, as "lineno:text".
find_splats() {
	tr -d '\r' <"$1" | expected_alloc_failures |
		grep -n -E -e "$SPLAT_RE" | grep -v -E -e "$SPLAT_IGNORE_RE" || true
}

# The console with the stack dumps of expected allocation failures blanked
# (line numbers kept): the "Call Trace:" a few lines below a report, in a
# window a test opened, which its end closes if the test did not.
expected_alloc_failures() {
	awk -v re="$ALLOC_FAIL_RE" \
	    -v b="$ALLOC_FAIL_BEGIN" -v e="$ALLOC_FAIL_END" '
		index($0, b) { window = 1 }
		index($0, e) || index($0, "segfilter-vm: end ") { window = 0 }
		window && $0 ~ re { report = 6 }
		report > 0 && /Call Trace:/ { report = 0; print ""; next }
		report > 0 { report-- }
		{ print }'
}

# Print a splat with context, and the test that was running when it came.
show_splat() {
	local console=$1 line=$2 during
	during=$(head -n "$line" "$console" | tr -d '\r' |
		sed -n 's/.*segfilter-vm: \(begin\|kunit begin\)\( \(.*\)\)\{0,1\}$/\1 \3/p' | tail -n 1)
	[ -n "$during" ] || during="boot"
	echo "---- kernel splat at $console:$line (last marker: $during) ----"
	tr -d '\r' <"$console" | sed -n "$((line > 5 ? line - 5 : 1)),$((line + SPLAT_LINES))p"
	echo "----"
}

# Called from the EXIT trap.
# shellcheck disable=SC2317
cleanup() {
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	if [ "$KEEP" = 1 ]; then
		log "kept $WORK"
	else
		rm -rf "$WORK"
	fi
}

main() {
	parse_args "$@"
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/segfilter-vm.XXXXXX")
	trap cleanup EXIT
	trap 'exit 130' INT TERM HUP

	local t0=$SECONDS
	# Runs for the same kernel share .build/<release>/ and the logs.
	mkdir -p "$LOGS"
	exec 8>"$LOGS/$KERNEL.lock"
	if ! flock -n 8; then
		log "another run.sh $KERNEL is under way; waiting for it"
		flock 8
	fi
	resolve_kernel
	build_module
	build_segctl
	build_tools
	make_initramfs
	# The guest needs nothing more of .build/: another run may go on.
	flock -u 8
	local console=$LOGS/${LOG_NAME:-$KERNEL}.console results=$LOGS/${LOG_NAME:-$KERNEL}.results
	boot "$console" "$results"

	local passed=0 failed=0 skipped=0 kunit=0 guest_done=0 uptime=- line last=0 msgs=()
	local running="" while_running=""
	while IFS= read -r line; do
		case $line in
		fail\ *) msgs+=("${line#fail }") ;;
		running\ *) running=${line#running } ;;
		counts\ *) read -r _ passed failed skipped kunit guest_done uptime <<<"$line" ;;
		esac
	done < <(analyse_results "$results")

	local splats
	splats=$(find_splats "$console")
	if [ -n "$splats" ]; then
		failed=$((failed + 1))
		msgs+=("kernel splat on the console ($(wc -l <<<"$splats") suspicious lines)")
	fi
	if [ "$guest_done" != 1 ]; then
		failed=$((failed + 1))
		[ -z "$running" ] || while_running=", while running $running"
		if [ "$GUEST_STATUS" = 124 ] || [ "$GUEST_STATUS" = 137 ]; then
			msgs+=("the guest timed out after ${GUEST_LIMIT}s before the end of /init$while_running")
		else
			msgs+=("the guest stopped before the end of /init$while_running (kernel panic? see the console)")
		fi
	fi
	if [ "$KERNEL" = debug ] && [ "$kunit" = 0 ]; then
		log "warning: no KUnit results from segfilter.ko (built with SEGFILTER_KUNIT=1)"
	fi

	if [ ${#msgs[@]} -gt 0 ]; then
		echo
		echo "==== $KERNEL: failures ===="
		printf '  %s\n' "${msgs[@]}"
		if [ -n "$splats" ]; then
			local n=0
			while IFS=: read -r line _; do
				# One excerpt per splat: skip lines inside the last one shown.
				[ "$n" -gt 0 ] && [ "$line" -le "$((last + SPLAT_LINES))" ] && continue
				show_splat "$console" "$line"
				last=$line; n=$((n + 1))
				[ "$n" -ge 5 ] && { echo "(more splats in $console)"; break; }
			done <<<"$splats"
		fi
		if [ "$guest_done" != 1 ] && [ -z "$splats" ]; then
			echo "---- last lines of the console ($console) ----"
			tr -d '\r' <"$console" | tail -n 40
			echo "----"
		fi
	fi
	echo
	[ "$guest_done" = 1 ] && uptime="${uptime}s" || uptime="never reached"
	echo "== $KERNEL ($KREL): $passed passed, $failed failed, $skipped skipped" \
		"(KUnit results: $kunit); guest ${GUEST_SECS}s wall, end of /init at uptime $uptime," \
		"total $((SECONDS - t0))s"
	echo "   console: $console"
	echo "   results: $results"
	if [ -n "$RESULTS_COPY" ]; then cp "$results" "$RESULTS_COPY"; fi
	if [ "$KEEP" = 1 ]; then echo "   initramfs: $WORK"; fi
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ]
}


# Parse the whole command before running it, so that editing this file
# while a run is under way cannot change what the running bash reads next.
main "$@"; exit
