# SPDX-License-Identifier: GPL-2.0
#
# Sourced by tests/bench/twice.sh and tests/bench/insn/verify.sh: keep
# every host CPU but the first busy with "yes >/dev/null" (busy_start)
# until busy_stop, which an EXIT trap calls as well.

BUSY_PIDS=()

busy_stop() {
	local p
	for p in "${BUSY_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	BUSY_PIDS=()
}

busy_start() {
	local c p
	[ "$(nproc)" -ge 2 ] || { echo "busy: one CPU: nothing to keep busy" >&2; exit 2; }
	trap busy_stop EXIT
	for c in $(seq 1 $(($(nproc) - 1))); do
		taskset -c "$c" yes >/dev/null &
		BUSY_PIDS+=("$!")
	done
	sleep 1
	for p in "${BUSY_PIDS[@]}"; do
		kill -0 "$p" 2>/dev/null || { echo "busy: taskset/yes died" >&2; exit 2; }
	done
}
