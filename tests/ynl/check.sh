#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side checks of the netlink spec, in seconds and without a guest
# (tests/check.sh runs them first, as "spec"):
#   - Documentation/netlink/specs/segfilter.yaml validates against the
#     kernel's genetlink-legacy schema, loaded by the kernel's own YNL
#     library (jsonschema), and a spec with an unknown type does not;
#   - the files generated from it (scripts/ynl-gen.py, make regen) are
#     committed as the generator writes them, byte for byte, and a
#     generated file edited by hand is caught and named;
#   - the kernel's YNL library numbers it as the generated
#     uapi/linux/segfilter.h does (check-uapi.py), and a header that
#     drifted from it is caught;
#   - and, host-side too though not the spec: segd's computation by
#     domain equals the whole one on random changes (viewcheck); the
#     man pages, the bash completion and the install paths
#     (tests/ops/check.sh).
# The YNL library and schemas come from linux-source-6.12, extracted by
# scripts/install-deps.sh into ${SEGFILTER_CACHE:-~/.cache/segfilter}/ynl.
#
# Prints one TEST line per check and, last, "N passed, N failed"; the
# exit status is 1 if anything failed.

set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${SEGFILTER_CACHE:-$HOME/.cache/segfilter}
YNL=$CACHE/ynl
SPEC=$TOP/Documentation/netlink/specs/segfilter.yaml
HEADER=$TOP/uapi/linux/segfilter.h
SCHEMA=$YNL/Documentation/netlink/genetlink-legacy.yaml
PY=/usr/bin/python3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# shellcheck source=../host.sh
. "$TOP/tests/host.sh"

# validate SPEC: the kernel's YNL library loads SPEC, checked against
# the genetlink-legacy schema.
validate()
{
	"$PY" - "$YNL/tools/net/ynl" "$1" "$SCHEMA" <<-'EOF'
	import sys
	sys.path.insert(0, sys.argv[1])
	from lib import SpecFamily
	f = SpecFamily(sys.argv[2], sys.argv[3])
	print(f"{len(f.ops)} operations, {len(f.ntfs)} events, "
	      f"{len(f.attr_sets)} attribute sets")
	EOF
}

if ! [ -f "$YNL/tools/net/ynl/lib/nlspec.py" ] || ! [ -f "$SCHEMA" ]; then
	echo "no YNL library or schema in $YNL: run scripts/install-deps.sh" >"$TMP/out"
	result "the kernel's YNL library and schemas are installed" 0 "$TMP/out"
	echo "$passed passed, $failed failed"
	exit 1
fi

ok=0
validate "$SPEC" >"$TMP/out" 2>&1 && ok=1
result "the spec validates against the genetlink-legacy schema" $ok "$TMP/out"

# regen_diff TREE: regenerate into a temporary tree and name each file
# that differs from TREE's.  The generator lists the files it writes.
regen_diff()
{
	local tree=$1 out=$TMP/regen f bad=0

	rm -rf "$out"
	mkdir -p "$out"
	"$PY" "$TOP/scripts/ynl-gen.py" --spec "$SPEC" --out "$out" || return 1
	while read -r f; do
		if ! cmp -s "$out/$f" "$tree/$f"; then
			echo "$f differs from what scripts/ynl-gen.py writes (make regen):"
			diff -u "$tree/$f" "$out/$f" | head -n 8
			bad=1
		fi
	done < <(cd "$out" && find . -type f | sed 's|^\./||' | sort)
	[ "$(cd "$out" && find . -type f | wc -l)" -ge 6 ] || bad=1
	return $bad
}

ok=0
regen_diff "$TOP" >"$TMP/out" 2>&1 && ok=1
result "the generated files are what the spec generates (make regen)" $ok \
	"$TMP/out"

# A copy of the tree where one generated file was edited by hand: the
# same check fails and names it.
mkdir -p "$TMP/edited/kmod"
(cd "$TOP" && tar cf - uapi kmod/nl_gen.c kmod/nl_gen.h ctl/nl_gen.c \
	ctl/nl_gen.h tests/tools/segf_names.h) | tar xf - -C "$TMP/edited"
sed -i 's/NLA_POLICY_MIN(NLA_U32, 1)/NLA_POLICY_MIN(NLA_U32, 0)/' \
	"$TMP/edited/kmod/nl_gen.c"
ok=0
if ! regen_diff "$TMP/edited" >"$TMP/out" 2>&1 &&
	grep -q '^kmod/nl_gen.c differs' "$TMP/out" &&
	[ "$(grep -c ' differs from' "$TMP/out")" = 1 ]; then
	ok=1
fi
result "...and a generated file edited by hand is named" $ok "$TMP/out"

# One attribute of an unknown type: the schema must refuse it.
sed '0,/type: u32/s//type: u33/' "$SPEC" >"$TMP/bad.yaml"
ok=0
if ! validate "$TMP/bad.yaml" >"$TMP/out" 2>&1 &&
	grep -q "'u33' is not one of" "$TMP/out"; then
	ok=1
fi
result "...and a spec with an attribute of type u33 does not" $ok "$TMP/out"

"$PY" "$TOP/tests/ynl/check-uapi.py" "$YNL/tools/net/ynl" "$SPEC" "$HEADER" \
	>"$TMP/uapi" 2>&1
cat "$TMP/uapi"
p=$(grep -c '^TEST: .*\[ OK \]$' "$TMP/uapi")
f=$(grep -c '^TEST: .*\[FAIL\]$' "$TMP/uapi")
if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
	result "check-uapi.py ran" 0 "$TMP/uapi"
fi
passed=$((passed + p)) failed=$((failed + f))

# The same check on a header whose drop reasons moved by one: it fails,
# and says which values differ.
sed 's/^\tSEGFILTER_DROP_MALFORMED,/\tSEGFILTER_DROP_MALFORMED = 2,/' \
	"$HEADER" >"$TMP/drift.h"
ok=0
if ! "$PY" "$TOP/tests/ynl/check-uapi.py" "$YNL/tools/net/ynl" "$SPEC" \
	"$TMP/drift.h" >"$TMP/out" 2>&1 &&
	grep -q 'SEGFILTER_DROP_MALFORMED is 1 in the spec, 2 in the header' \
		"$TMP/out"; then
	ok=1
fi
result "...and it catches a header whose drop reasons moved" $ok "$TMP/out"

# Not the spec, but host-side and quick too: segd's computation by
# domain (ctl/view.c) against the whole computation, on random changes
# of a small cluster (tests/tools/viewcheck.c).
ok=0
if make -s -C "$TOP/ctl" viewcheck >"$TMP/out" 2>&1; then
	for seed in 1 2 3; do
		"$TOP/ctl/viewcheck" 1000 "$seed" >>"$TMP/out" 2>&1 || break
	done
	[ "$(grep -c '^viewcheck: 1000 steps, 0 bad$' "$TMP/out")" = 3 ] &&
		ok=1
fi
result "segd's view computes, domain by domain, what all keys give" $ok \
	"$TMP/out"

# Host-side and quick too: the man pages, the bash completion and the
# install paths (tests/ops/check.sh), its TEST lines counted here.
"$TOP/tests/ops/check.sh" >"$TMP/ops" 2>&1
grep '^TEST: \|^    | ' "$TMP/ops"
p=$(grep -c '^TEST: .*\[ OK \]$' "$TMP/ops")
f=$(grep -c '^TEST: .*\[FAIL\]$' "$TMP/ops")
if ! tail -n 1 "$TMP/ops" | grep -q '^[0-9]* passed, [0-9]* failed$'; then
	f=$((f + 1))
	echo "tests/ops/check.sh stopped before counting:"
	tail -n 5 "$TMP/ops"
fi
passed=$((passed + p)) failed=$((failed + f))

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
