#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# segfilter-restore: restore a saved configuration (`segctl save`) at
# boot, once the devices it names exist (segfilter.service runs it
# after loading the module; Documentation/segctl.rst, "Restore at
# boot").
#
# usage: segfilter-restore [-w SECS] [FILE]
#   FILE     the saved configuration; default $SEGFILTER_CONF, else
#            /etc/segfilter/segfilter.conf
#   -w SECS  how long to wait for absent devices; default
#            $SEGFILTER_RESTORE_WAIT, else 60
#
# 1. The whole file is checked first: where every device it names
#    exists, by the `segctl sync` of step 2 itself (one transaction);
#    where some do not, by `segctl diff` in a scratch network namespace
#    in which each device the file names is made (a dummy, a tap or a
#    veth; this needs CAP_SYS_ADMIN, and without it each part is
#    checked as it is applied).  A bad file changes nothing.
# 2. The lines that need no absent device are applied at once, by
#    `segctl sync` (so a restart of the service gives the file's state
#    again).  The lines left out are the `port attach` of an absent
#    device and what lives on it: its endpoints, the prefixes they
#    own, the service instances with a side there and their drains.
# 3. As the absent devices appear, the lines that waited for them are
#    added with `segctl -b` (a transaction each time, nothing deleted,
#    so what was configured in between stays).
#
# Exit status: 0 when everything was restored, or when there is no
# file; 1 when the file is bad (nothing applied) or segctl refused a
# part (the rest stays applied); 3 when the wait ended with devices
# still absent (what could be applied is), naming the devices and the
# lines left out; 2 on a bad command line.

CONF=${SEGFILTER_CONF:-/etc/segfilter/segfilter.conf}
WAIT=${SEGFILTER_RESTORE_WAIT:-60}
SEGCTL=${SEGCTL:-segctl}
SYSNET=/sys/class/net
me=segfilter-restore

usage()
{
	echo "usage: $me [-w SECS] [FILE]" >&2
	exit 2
}

while getopts w:h opt; do
	case $opt in
	w) WAIT=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -le 1 ] || usage
[ $# -eq 0 ] || CONF=$1
case $WAIT in
'' | *[!0-9]*)
	echo "$me: the wait must be a number of seconds, not \"$WAIT\"" >&2
	exit 2
	;;
esac

if [ ! -e "$CONF" ]; then
	echo "$me: no saved configuration in $CONF: nothing to restore"
	exit 0
fi
if [ ! -r "$CONF" ]; then
	echo "$me: cannot read $CONF" >&2
	exit 1
fi

TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT

# deps: for each line of the file, "LINE DEV..." (the devices the line
# needs, its own or through the objects it names), for lines that need
# one; a save file names objects always the same way, so an endpoint or
# instance is known by its words as written.
awk '
function val(key,   i) {
	for (i = 3; i < NF; i++)
		if ($i == key)
			return $(i + 1)
	return ""
}
{ deps = "" }
$1 == "port" && $2 == "attach" { deps = $3 }
$1 == "endpoint" && ($2 == "add" || $2 == "move") {
	deps = val("port")
	if ($2 == "add")
		ep[$3 " " val("domain")] = deps
}
$1 == "prefix" && $2 == "add" && val("endpoint") != "" {
	deps = ep[val("endpoint") " " val("domain")]
}
$1 == "service" && $2 == "instance" {
	key = $4 " " $5 " " val("domain")
	if ($3 == "add") {
		deps = val("left") " " val("right")
		inst[key] = deps
	} else {
		deps = inst[key]
	}
}
deps != "" { print NR, deps }
' "$CONF" >"$TMP/deps" || exit 1

# absent DEV...: those of DEV... with no device now.
absent()
{
	for d in "$@"; do
		[ -e "$SYSNET/$d" ] || printf '%s\n' "$d"
	done
}

# split: $TMP/missing lists the lines that need a device absent now,
# but those applied already ($TMP/applied); $TMP/now has the other lines
# not applied yet, in a copy of the file whose other lines are blank,
# so that segctl's errors name the file's lines.
split()
{
	ls "$SYSNET" >"$TMP/present"
	: >"$TMP/missing"
	: >"$TMP/now"
	awk -v missing="$TMP/missing" -v now="$TMP/now" '
		FILENAME == ARGV[1] { have[$1] = 1; next }
		FILENAME == ARGV[2] { done[$1] = 1; next }
		FILENAME == ARGV[3] {
			if ($1 in done)
				next
			for (i = 2; i <= NF; i++)
				if (!($i in have)) {
					skip[$1] = 1
					print $1 >missing
					next
				}
			next
		}
		{ print (FNR in skip || FNR in done) ? "" : $0 >now }
	' "$TMP/present" "$TMP/applied" "$TMP/deps" "$CONF"
}

# shown FILE: segctl's messages about a copy of the file, naming it.
shown()
{
	sed "s|$TMP/[a-z]*|$CONF|g" "$1" >&2
}

# Step 1: a file that names absent devices is checked whole where they
# all exist.
: >"$TMP/applied"
devs=$(awk '{ $1 = ""; print }' "$TMP/deps" | tr ' ' '\n' | sort -u)
# shellcheck disable=SC2086 # a list of names
gone=$(absent $devs)
if [ -n "$gone" ]; then
	cp "$CONF" "$TMP/whole"
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -n sh -c '
		ip link set lo up
		i=0
		for d in $1; do
			i=$((i + 1))
			ip link show "$d" >/dev/null 2>&1 ||
			ip link add "$d" type dummy 2>/dev/null ||
			ip tuntap add "$d" mode tap 2>/dev/null ||
			ip link add "$d" type veth peer name "restore$i" ||
			exit 3
		done
		"$0" diff "$2" >/dev/null 2>"$3"
		[ $? -le 1 ]
	' "$SEGCTL" "$devs" "$TMP/whole" "$TMP/check.err" 2>"$TMP/ns.err"
	rc=$?
	if [ "$rc" = 1 ] && [ -s "$TMP/check.err" ]; then
		echo "$me: $CONF is not a configuration segctl can restore; nothing applied:" >&2
		shown "$TMP/check.err"
		exit 1
	elif [ "$rc" != 0 ]; then
		echo "$me: could not check the whole file ahead (a scratch network namespace: $(head -n 1 "$TMP/ns.err")); each part is checked as it is applied" >&2
	fi
fi

# Step 2: what needs no absent device, at once.
split
if ! "$SEGCTL" sync "$TMP/now" 2>"$TMP/err"; then
	echo "$me: restoring $CONF failed; nothing applied:" >&2
	shown "$TMP/err"
	exit 1
fi
# The file's lines that are applied now.
awk 'NF { print NR }' "$TMP/now" >"$TMP/applied"
if [ ! -s "$TMP/missing" ]; then
	echo "$me: restored $CONF"
	exit 0
fi

# shellcheck disable=SC2086 # a list of names
echo "$me: restored $CONF but for the devices not there yet:" $gone \
	"(waiting up to $WAIT s)"

# Step 3: the lines of each device that appears.
rc=0
end=$(($(date +%s) + WAIT))
while [ -s "$TMP/missing" ]; do
	sleep 1
	now=$(date +%s)
	cp "$TMP/missing" "$TMP/before"
	split
	if ! cmp -s "$TMP/missing" "$TMP/before"; then
		# The lines that no longer wait, alone in a copy of the file.
		awk -v before="$TMP/before" -v missing="$TMP/missing" '
			BEGIN {
				while ((getline l < before) > 0) was[l] = 1
				while ((getline l < missing) > 0) still[l] = 1
			}
			{ print (FNR in was && !(FNR in still)) ? $0 : "" }
		' "$CONF" >"$TMP/late"
		if "$SEGCTL" -b "$TMP/late" 2>"$TMP/err"; then
			echo "$me: restored the lines of $(awk 'NF && $1 == "port" { printf "%s%s", s, $3; s = " " }' "$TMP/late")"
		else
			echo "$me: restoring these lines of $CONF failed:" >&2
			awk 'NF { print "  " FNR ": " $0 }' "$TMP/late" >&2
			shown "$TMP/err"
			rc=1
		fi
		# Done with, applied or not.
		awk 'NF { print FNR }' "$TMP/late" >>"$TMP/applied"
	fi
	[ "$now" -lt "$end" ] || break
done

if [ -s "$TMP/missing" ]; then
	# shellcheck disable=SC2046 # a list of names
	echo "$me: gave up after $WAIT s; still absent:" $(absent $(awk '
		FILENAME == ARGV[1] { m[$1] = 1; next }
		$1 in m { for (i = 2; i <= NF; i++) print $i }
	' "$TMP/missing" "$TMP/deps" | sort -u)) >&2
	echo "$me: these lines of $CONF were not restored:" >&2
	while read -r line; do
		printf '  %s: %s\n' "$line" "$(sed -n "${line}p" "$CONF")" >&2
	done <"$TMP/missing"
	exit 3
fi
[ "$rc" != 0 ] || echo "$me: restored $CONF"
exit "$rc"
