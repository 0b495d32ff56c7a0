#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# segfilter-restore (ctl/segfilter-restore.sh, what segfilter.service
# runs at boot): a saved configuration restored while one of its ports
# does not exist yet, and the bash completion's live names.
#
#   domain t (id 1), groups web (1) and db (2), rule 10 web -> db allow,
#   default deny:
#
#   a   web  va  10.0.0.1        present from the start
#   b   db   vb  10.0.0.2        present from the start
#   c   db   vc  10.0.0.3        made only a few seconds after the
#                                restore started; owns 10.9.0.0/24
#
# The restore applies a and b at once (a reaches b while it still
# waits), then c's lines when vc appears (a reaches c), keeps what was
# configured in between, exits 0, and segctl save is the file again.
# Then: the wait runs out, no file, a bad file.

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"
skip_on 6.12 "a shell script over segctl, the same on every kernel"

RESTORE=/usr/lib/segfilter/segfilter-restore
F=/tmp/restore
cleanup()
{
	[ -z "${RPID:-}" ] || kill "$RPID" 2>/dev/null
	cleanup_vms
	rm -rf "$F"
}
trap cleanup EXIT

mac() { printf '02:00:00:00:00:%02x' "$1"; }
ping_ok() { n "$1" ping -c 1 -W 1 "$2"; }
sorted() { sort "$1" | grep -v '^$'; }

vm_c() { vm_veth c vc "$(mac 3)" 10.0.0.3 fd00::3; }
# c and its port go away.
no_c()
{
	"$IP" netns del c
	wait_for 50 sh -c "! $IP link show vc"
}

setup()
{
	module_reload
	mkdir -p "$F"
	vm_veth a va "$(mac 1)" 10.0.0.1 fd00::1
	vm_veth b vb "$(mac 2)" 10.0.0.2 fd00::2
	vm_c
	$SEGCTL -b - <<-EOF
	domain add t id 1 default deny
	group add web id 1 domain t
	group add db id 2 domain t
	port attach va domain t
	port attach vb domain t
	port attach vc domain t
	endpoint add $(mac 1) domain t group web port va ip 10.0.0.1
	endpoint add $(mac 2) domain t group db port vb ip 10.0.0.2
	endpoint add $(mac 3) domain t group db port vc ip 10.0.0.3
	prefix add 10.9.0.0/24 domain t endpoint $(mac 3)
	rule add id 10 domain t from web to db action allow
	EOF
}

if ! setup >"$OUT" 2>&1 || ! $SEGCTL save >"$F/conf"; then
	fail "set up domain t and save it"
	finish
fi
check "the configuration works before it is saved" ping_ok a 10.0.0.3

# ---- one port appears late ----

module_reload
no_c
SEGFILTER_RESTORE_WAIT=60 $RESTORE "$F/conf" >"$F/out" 2>&1 &
RPID=$!
check "a and b are restored at once" \
	wait_for 100 sh -c "$SEGCTL port show | grep -q '^port vb '"
check "a reaches b at once" ping_ok a 10.0.0.2
check "...while the restore still waits for vc" kill -0 "$RPID"
check_eq "vc's lines wait (its port, endpoint, prefix)" "" \
	"$($SEGCTL save | grep -e vc -e "$(mac 3)" -e 10.9.0.0)"
# What an operator or orchestrator adds meanwhile stays.
check "a group added while the restore waits" \
	$SEGCTL group add extra id 9 domain t
sleep 2
vm_c
rc=0
wait "$RPID" || rc=$?
RPID=
echo "# $(tr '\n' ' ' <"$F/out")"
check_eq "the restore exits 0 once vc is there" 0 "$rc"
check "...and says it restored vc's lines" \
	grep -q 'restored the lines of vc' "$F/out"
check "a reaches c, on the late port" ping_ok a 10.0.0.3
check "c's prefix is restored with it" \
	sh -c "$SEGCTL prefix lookup 10.9.0.5 domain t | grep -q '$(mac 3)'"
check "the group added meanwhile is still there" \
	sh -c "$SEGCTL group show domain t | grep -q '^group extra '"
$SEGCTL group del extra domain t
$SEGCTL save >"$F/saved"
check_eq "segctl save is the file again" "$(sorted "$F/conf")" \
	"$(sorted "$F/saved")"
check_eq "segctl diff of the file is empty" "0:" \
	"$($SEGCTL diff "$F/conf" >"$F/out" 2>&1; echo "$?:$(cat "$F/out")")"

# ---- the completion's live names, against this configuration ----

# comp LINE: what completing at the end of LINE offers.
comp()
{
	bash -c '
		. /usr/share/bash-completion/completions/segctl
		COMP_LINE=$1 COMP_POINT=${#1}
		read -ra COMP_WORDS <<<"$1"
		[[ $1 != *" " ]] || COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_segctl
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "
	' comp "$1"
}
check_eq "completion: domains" "t " "$(comp 'segctl group show domain ')"
check_eq "completion: the groups of the domain on the line" "any db web " \
	"$(comp 'segctl rule add domain t from ')"
check_eq "completion: attached ports" "va vb vc " \
	"$(comp 'segctl port detach ')"
check_eq "completion: devices to attach" "va vb vc " \
	"$(comp 'segctl port attach v')"
check_eq "completion: port attach's keywords" \
	"domain ip ip6 nexthop nexthop6 role " \
	"$(comp 'segctl port attach va ')"

# ---- the wait runs out ----

module_reload
no_c
rc=0
$RESTORE -w 2 "$F/conf" >"$F/out" 2>&1 || rc=$?
check_eq "the wait runs out: exit 3" 3 "$rc"
check "...naming the absent device" \
	grep -q 'still absent: vc$' "$F/out"
check "...and the lines left out" \
	sh -c "grep -q 'endpoint add $(mac 3)' $F/out &&
	       grep -q 'port attach vc' $F/out"
check "...having restored the rest" ping_ok a 10.0.0.2

# ---- no file ----

rc=0
$RESTORE "$F/none" >"$F/out" 2>&1 || rc=$?
check_eq "no file: exit 0" 0 "$rc"
check "...saying there is nothing to restore" \
	grep -q 'nothing to restore' "$F/out"

# ---- a bad file: nothing applied ----

# bad FILE LINE: restoring FILE fails with exit 1, names its line LINE
# and changes nothing.
bad()
{
	local rc=0
	module_reload
	$RESTORE -w 2 "$1" >"$F/out" 2>&1 || rc=$?
	[ "$rc" = 1 ] || { echo "exit $rc"; cat "$F/out"; return 1; }
	grep -q "$1:$2: " "$F/out" || { cat "$F/out"; return 1; }
	# save's header alone
	[ -z "$($SEGCTL save | grep -v '^#')" ] || { $SEGCTL save; return 1; }
}
# A line of the late device: the whole file is checked before anything
# is applied.
sed "s/group db port vc/group nosuch port vc/" "$F/conf" >"$F/bad-late"
check "a bad line of an absent device: nothing applied" bad "$F/bad-late" \
	"$(grep -n 'group nosuch' "$F/bad-late" | cut -d: -f1)"
vm_c
sed '$a rule add id 11 domain t from web to db proto tcp port 99999 action allow' \
	"$F/conf" >"$F/bad"
check "a bad line, every device there: nothing applied" bad "$F/bad" \
	"$(wc -l <"$F/bad")"

finish
