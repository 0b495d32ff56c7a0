# SPDX-License-Identifier: GPL-2.0
#
# segfilter: the kernel module (segfilter.ko) and its tool (segctl).
#
#   make              build both, the module against $(KDIR)
#   make install      install both on this host (modules_install, depmod)
#   make demo         boot a Debian kernel in QEMU and show two tenants
#   make check        all tests: KUnit and selftests on 6.1, 6.12, debug,
#                     and the benchmark's quick mode
#   make bench        the benchmark (Documentation/performance.rst), in a
#                     6.1 guest; results in .build/bench/latest/
#   make bench-cluster  cluster mode measured (segd, a 3-member etcd) in a
#                     6.1 guest; results in .build/bench/cluster/latest/
#   make fuzz         the netlink fuzzer, long, on the debug kernel:
#                     FUZZ_COUNT (1000000), FUZZ_SECS, FUZZ_SEED (random),
#                     FUZZ_KERNEL (debug)
#   make stress       the concurrency stress, long, on the debug kernel:
#                     STRESS_SECS (1800), STRESS_KERNEL (debug); with
#                     NOISY_SECS, noisy.sh too, its noise that long
#   make deb          the Debian packages segfilter-dkms and segfilter-tools,
#                     built from a clean copy of the tree, into .build/deb/
#   make deps         install what the build and tests need (root)
#   make regen        regenerate the C files of the netlink contract from
#                     Documentation/netlink/specs/segfilter.yaml

# The running kernel's build tree, else the newest Debian headers.
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	  $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1))
W ?= 1
PREFIX ?= /usr/local

FUZZ_KERNEL ?= debug
FUZZ_COUNT ?= 1000000
FUZZ_SEED ?= $(shell od -An -N4 -tu4 /dev/urandom | tr -d ' ')
STRESS_KERNEL ?= debug
STRESS_SECS ?= 1800

.PHONY: all module segctl install modules_install deps check bench bench-cluster fuzz stress \
	demo regen clean deb

all: module segctl

module:
	@test -n "$(KDIR)" || { echo "no kernel build tree: install linux-headers or set KDIR" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=$(W) modules

segctl:
	$(MAKE) -C ctl

modules_install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	depmod -a $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) \
		$(shell $(MAKE) -s -C $(KDIR) kernelrelease 2>/dev/null)

install: modules_install segctl
	$(MAKE) -C ctl install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

deps:
	scripts/install-deps.sh

deb:
	scripts/make-deb.sh

# The uapi header, the kernel's policies and op table, segctl's and the
# test tools' tables: written from the spec, committed, and checked by
# tests/ynl/check.sh (make check) to be what this writes.
regen:
	/usr/bin/python3 scripts/ynl-gen.py

check: deps
	tests/check.sh

bench: deps
	tests/bench/run.sh

bench-cluster: deps
	tests/bench/cluster-run.sh

# The fixed rounds of make check, for as long as asked (testing.rst).
fuzz: deps
	$(MAKE) -C ctl
	SEGFUZZ_COUNT=$(FUZZ_COUNT) SEGFUZZ_SEED=$(FUZZ_SEED) \
		$(if $(FUZZ_SECS),SEGFUZZ_SECS=$(FUZZ_SECS)) \
		tests/vm/run.sh $(FUZZ_KERNEL) --tests fuzz.sh --timeout 14400 \
		--log-name fuzz

stress: deps
	$(MAKE) -C ctl
	SEGSTRESS_SECS=$(STRESS_SECS) \
		$(if $(NOISY_SECS),SEGSTRESS_NOISY_SECS=$(NOISY_SECS)) \
		tests/vm/run.sh $(STRESS_KERNEL) \
		--tests 'stress.sh$(if $(NOISY_SECS), noisy.sh)' \
		--timeout $$(($(STRESS_SECS) + $(or $(NOISY_SECS),0) + 600)) \
		--log-name stress

demo: deps
	$(MAKE) -C ctl
	tests/vm/run.sh 6.1 --script tests/demo.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C ctl clean
	rm -rf .build
