#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side checks of what an operator installs beside the programs, in
# seconds and without a guest (tests/ynl/check.sh runs them, in make
# check's "spec" lane):
#   - rst2man builds segctl.8 and segd.8 from Documentation/ with no
#     warning (and a page with a broken reference fails the build);
#   - every command of segctl's table (ctl/cmds.c) is in segctl.8's
#     synopsis, every long option of segctl.c in segctl.8 and every
#     long option of segd.c in segd.8 (and a missing one is named);
#   - the bash completion, with bash-completion loaded, offers every
#     object and verb of the table, the options, and for a few lines the
#     keywords and values expected; segd's options too;
#   - make -C ctl install puts the programs, pages, completion and
#     restore script where the packages expect them.
# The restore script and the completion's live names run in a guest
# (tests/selftests/restore.sh).
#
# Prints one TEST line per check and, last, "N passed, N failed"; the
# exit status is 1 if anything failed.

set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# shellcheck source=../host.sh
. "$TOP/tests/host.sh"

# ---- man pages ----

man_build()
{
	rm -f "$TOP/ctl/segctl.8" "$TOP/ctl/segd.8"
	make -s -C "$TOP/ctl" man 2>&1
}
ok=0
man_build >"$TMP/out" && [ ! -s "$TMP/out" ] &&
	[ -s "$TOP/ctl/segctl.8" ] && [ -s "$TOP/ctl/segd.8" ] && ok=1
result "rst2man builds segctl.8 and segd.8 with no warning" $ok "$TMP/out"

# A page with a reference to no section: the same rule fails.
mkdir -p "$TMP/Documentation" "$TMP/ctl"
cp "$TOP/ctl/Makefile" "$TMP/ctl/"
sed '$a See `No such section`_.' "$TOP/Documentation/segd.rst" \
	>"$TMP/Documentation/segd.rst"
ok=0
if ! make -s -C "$TMP/ctl" segd.8 >"$TMP/out" 2>&1 &&
	grep -q 'Unknown target name' "$TMP/out" && [ ! -e "$TMP/ctl/segd.8" ]; then
	ok=1
fi
result "...and a page with a warning fails to build" $ok "$TMP/out"

# page_text PAGE: the page as text, hyphens unescaped, blanks folded.
page_text()
{
	sed 's/\\-/-/g; s/\\(aq/'"'"'/g; s/\\fB//g; s/\\fP//g; s/\\fI//g' "$1" |
		tr -s ' \t' '  '
}

# synopsis PAGE: the SYNOPSIS section of PAGE.
synopsis()
{
	page_text "$1" | sed -n '/^\.SH SYNOPSIS/,/^\.SH /p'
}

# table_cmds CMDS.C: "segctl OBJECT [VERB]" for each command of the table.
table_cmds()
{
	sed -n 's/^[[:space:]]*{ "\([a-z]*\)", \("\([a-z ]*\)"\|NULL\),.*/segctl \1 \3/p' "$1" |
		sed 's/ *$//'
}

# missing_cmds CMDS.C PAGE: the commands of CMDS.C not in PAGE's synopsis.
missing_cmds()
{
	local c
	synopsis "$2" >"$TMP/syn"
	table_cmds "$1" | while read -r c; do
		grep -q -e "^ *$c\( \|$\)" "$TMP/syn" || echo "$c"
	done
}

table_cmds "$TOP/ctl/cmds.c" >"$TMP/cmds"
n=$(wc -l <"$TMP/cmds")
ok=0
missing_cmds "$TOP/ctl/cmds.c" "$TOP/ctl/segctl.8" >"$TMP/out" &&
	[ ! -s "$TMP/out" ] && [ "$n" -ge 40 ] && ok=1
result "every command of segctl's table ($n) is in segctl.8's synopsis" $ok \
	"$TMP/out"

# A command added to the table without a page: named.
sed 's/^\(\t{ "stats", NULL,\)/\t{ "frob", "twist", "", frob, false },\n\1/' \
	"$TOP/ctl/cmds.c" >"$TMP/cmds.c"
ok=0
missing_cmds "$TMP/cmds.c" "$TOP/ctl/segctl.8" >"$TMP/out"
[ "$(cat "$TMP/out")" = "segctl frob twist" ] && ok=1
result "...and a command missing from the page is named" $ok "$TMP/out"

# long_opts FILE.C: the long options of FILE.C's getopt table.
long_opts()
{
	sed -n 's/^[[:space:]]*{ "\([a-z-]*\)",[[:space:]]*\(required\|no\|optional\)_argument.*/--\1/p' "$1"
}

# missing_opts FILE.C PAGE: FILE.C's long options PAGE does not name.
missing_opts()
{
	local o
	page_text "$2" >"$TMP/page"
	long_opts "$1" | while read -r o; do
		grep -q -e "$o\b" "$TMP/page" || echo "$o"
	done
}

for prog in segd segctl; do
	n=$(long_opts "$TOP/ctl/$prog.c" | wc -l)
	ok=0
	missing_opts "$TOP/ctl/$prog.c" "$TOP/ctl/$prog.8" >"$TMP/out" &&
		[ ! -s "$TMP/out" ] && [ "$n" -ge 6 ] && ok=1
	result "every long option of $prog.c ($n) is in $prog.8" $ok "$TMP/out"
done
sed 's/^\(\t\t{ "verbose",\)/\t\t{ "frobnicate", no_argument, NULL, 1 },\n\1/' \
	"$TOP/ctl/segd.c" >"$TMP/segd.c"
ok=0
missing_opts "$TMP/segd.c" "$TOP/ctl/segd.8" >"$TMP/out"
[ "$(cat "$TMP/out")" = "--frobnicate" ] && ok=1
result "...and an option missing from the page is named" $ok "$TMP/out"

# ---- bash completion ----

make -s -C "$TOP/ctl" segctl segd >/dev/null 2>&1

# segd --help: the usage on standard output, exit 0; a wrong option:
# the usage on standard error, exit 2 (segd.service does not restart
# on 2).
ok=0
"$TOP/ctl/segd" --help >"$TMP/out" 2>/dev/null &&
	grep -q '^Usage: segd --etcd' "$TMP/out" &&
	"$TOP/ctl/segd" -h 2>/dev/null | grep -q '^Usage: segd --etcd' && ok=1
result "segd --help and -h print the usage on standard output, exit 0" $ok "$TMP/out"
ok=0
"$TOP/ctl/segd" --no-such-option >"$TMP/out" 2>"$TMP/err"
[ $? = 2 ] && [ ! -s "$TMP/out" ] && grep -q '^Usage: segd' "$TMP/err" && ok=1
result "...and an unknown option prints it on standard error, exit 2" $ok "$TMP/err"
BC=/usr/share/bash-completion/bash_completion

# comp PROG LINE: what bash-completion with our completion loaded offers
# at the end of LINE, sorted, one line; PROG is segctl or segd of ctl/.
comp()
{
	PATH=$TOP/ctl:$PATH bash -c '
		. "$1" || exit 1
		. "$2" || exit 1
		line=$3
		COMP_LINE=$line COMP_POINT=${#line}
		read -ra COMP_WORDS <<<"$line"
		[[ $line != *" " ]] || COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		f=$(complete -p "${COMP_WORDS[0]}" | sed "s/.*-F \([^ ]*\) .*/\1/")
		"$f"
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " " | sed "s/ $//"
	' comp "$BC" "$TOP/ctl/segctl.bash" "$1"
}

ok=0
[ -f "$BC" ] && ok=1
echo "no $BC (bash-completion, scripts/install-deps.sh)" >"$TMP/out"
result "bash-completion is installed" $ok "$TMP/out"

# expect DESC LINE EXPECTED: completing LINE offers EXPECTED.
expect()
{
	local got
	got=$(comp "$2" 2>&1)
	echo "expected '$3', got '$got'" >"$TMP/out"
	ok=0
	[ "$got" = "$3" ] && ok=1
	result "completion: $1" $ok "$TMP/out"
}

objects=$(awk '{ print $2 }' "$TMP/cmds" | sort -u | tr '\n' ' ' | sed 's/ $//')
expect "every object of the table" "segctl " "$objects"
expect "...after options" "segctl -j -p " "$objects"
ok=1
: >"$TMP/out"
for obj in $(awk '$3 != "" { print $2 }' "$TMP/cmds" | sort -u); do
	want=$(awk -v o="$obj" '$2 == o { print $3 }' "$TMP/cmds" | sort -u |
		tr '\n' ' ' | sed 's/ $//')
	got=$(comp "segctl $obj ")
	[ "$got" = "$want" ] || { ok=0; echo "$obj: expected '$want', got '$got'"; }
done >"$TMP/out"
want=$(awk '$3 == "instance" { print $4 }' "$TMP/cmds" | sort | tr '\n' ' ' |
	sed 's/ $//')
got=$(comp "segctl service instance ")
[ "$got" = "$want" ] || { ok=0; echo "service instance: expected '$want', got '$got'" >>"$TMP/out"; }
result "completion: every verb of the table, per object" $ok "$TMP/out"
# the short options: the letters of segctl.c's getopt_long() string
short=$(sed -n 's/.*getopt_long(argc, argv, "+\{0,1\}\([^"]*\)".*/\1/p' \
	"$TOP/ctl/segctl.c" | tr -d ':' | fold -w 1 | sed 's/^/-/')
expect "options" "segctl -" \
	"$( (long_opts "$TOP/ctl/segctl.c"; echo "$short") |
		sort | tr '\n' ' ' | sed 's/ $//')"
expect "an object by its start" "segctl endp" "endpoint"
expect "domain add's keywords" "segctl domain add t " \
	"bum-limit chain-limit default dns endpoint-limit flow-limit gateway gw-ip id ipv6-prefix mtu prefix-limit rule-limit service-limit vni"
expect "a keyword's values" "segctl rule add domain t proto " \
	"any icmp icmpv6 tcp udp"
expect "keywords not given yet" \
	"segctl rule add id 3 domain t prio 5 from web to db proto tcp " \
	"action log port type"
expect "a repeatable keyword again" \
	"segctl endpoint add 02:00:00:00:00:01 domain t group g port p ip 10.0.0.1 " \
	"dhcp-server ip prefix remote"
expect "role's values" "segctl port attach p domain t role " \
	"endpoint exit service uplink"
expect "a sub-verb's keywords" "segctl service instance add fw 1 domain t " \
	"ip left mac right"
expect "segd's options" "segd --" \
	"$(long_opts "$TOP/ctl/segd.c" | sort | tr '\n' ' ' | sed 's/ $//')"

# ---- install ----

make -s -C "$TOP/ctl" install PREFIX=/usr DESTDIR="$TMP/root" >"$TMP/out" 2>&1
ok=1
for f in /usr/sbin/segctl /usr/sbin/segctl-etcd /usr/sbin/segd \
	/usr/share/man/man8/segctl.8 /usr/share/man/man8/segd.8 \
	/usr/share/bash-completion/completions/segctl \
	/usr/share/bash-completion/completions/segd \
	/usr/lib/segfilter/segfilter-restore; do
	[ -s "$TMP/root$f" ] || { ok=0; echo "missing: $f" >>"$TMP/out"; }
done
[ -x "$TMP/root/usr/lib/segfilter/segfilter-restore" ] ||
	{ ok=0; echo "segfilter-restore is not executable" >>"$TMP/out"; }
result "make -C ctl install puts everything where the packages expect" $ok \
	"$TMP/out"
ok=0
sh -n "$TOP/ctl/segfilter-restore.sh" >"$TMP/out" 2>&1 &&
	dash -n "$TOP/ctl/segfilter-restore.sh" >>"$TMP/out" 2>&1 && ok=1
result "segfilter-restore is a POSIX sh script" $ok "$TMP/out"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
