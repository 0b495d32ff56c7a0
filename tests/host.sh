# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What the host-side checks share (tests/ynl/check.sh, tests/ops/check.sh,
# tests/deb/check.sh): result() prints a TEST line as tests/lib.sh does
# in the guest and counts it.

passed=0 failed=0 skipped=0 failures=()

# result DESC OK [OUT]: OK is 1 (passed), skip, or anything else
# (failed, and its DESC kept in failures); the tail of OUT is shown
# under a failure or a skip.
result()
{
	local desc=$1 ok=$2 out=${3:-/dev/null}
	if [ "$ok" = 1 ]; then
		printf 'TEST: %-64s [ OK ]\n' "$desc"
		passed=$((passed + 1))
	elif [ "$ok" = skip ]; then
		printf 'TEST: %-64s [SKIP]\n' "$desc"
		sed 's/^/    | /' "$out" | tail -n 5
		skipped=$((skipped + 1))
	else
		printf 'TEST: %-64s [FAIL]\n' "$desc"
		sed 's/^/    | /' "$out" | tail -n 30
		failed=$((failed + 1))
		failures+=("$desc")
	fi
}
