# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Bash completion for segctl and segd (installed as
# /usr/share/bash-completion/completions/segctl, and segd beside it).
#
# The objects, verbs and keywords come from the command table itself,
# through the usage lines of "segctl help" (read once per shell), so
# a new command or keyword is completed as soon as segctl has it; the
# options from its "Options:" list and, for segd, from its usage.  Live
# names (domains, the groups, services and chains of the domain named
# on the line, attached ports) come from the running module through
# segctl's plain "show" output; "port attach" offers the devices of
# /sys/class/net.  It needs nothing of bash-completion's own functions.

# _segctl_usage PROG: the usage lines of the commands, "OBJECT [VERB
# [SUBVERB]] ARGS", one per line, in _segctl_cmds; the options in
# _segctl_opts.
_segctl_usage()
{
	local prog=$1 help
	[ -n "${_segctl_cmds:-}" ] && return
	help=$("$prog" help 2>/dev/null) || help=''
	_segctl_cmds=$(printf '%s\n' "$help" |
		sed -n 's/^\(Usage:\)\{0,1\} *segctl \([a-z].*\)$/\2/p')
	_segctl_opts=$(printf '%s\n' "$help" |
		sed -n '/^Options:/,/^$/p' | grep -o -E -- '^ +(-[a-zA-Z](, +--[a-z-]+)?|--[a-z-]+)' |
		sed 's/, */\n/g; s/^ *//' | sort -u)
	# The options of a segctl whose help does not list them.
	[ -n "$_segctl_opts" ] ||
		_segctl_opts=$'-j\n-p\n-b\n-h\n--json\n--pretty\n--batch\n--help\n--etcd\n--user\n--password-file'
}

# _segctl_live PROG WHAT DOMAIN: live names of WHAT (domain, group,
# service, chain, port, netdev), those of DOMAIN for a group, service
# or chain.
_segctl_live()
{
	local prog=$1 what=$2 dom=$3
	if [ "$what" = netdev ]; then
		ls /sys/class/net 2>/dev/null
		return
	fi
	case $what in
	domain | port)
		"$prog" "$what" show 2>/dev/null
		;;
	group | service | chain)
		[ -n "$dom" ] || return
		"$prog" "$what" show domain "$dom" 2>/dev/null
		;;
	esac | awk -v w="$what" '$1 == w { print $2 }'
}

# _segctl_args ARGS: parse a command's usage ARGS into
#   pos   the leading placeholders (NAME, DEV, ...), in order;
#   kws   its keywords, with in vals[kw] the words that may follow
#         (lower-case values, or a placeholder such as DOMAIN), and
#         rep[kw]=1 when the keyword may be given again.  A value that
#         a placeholder follows ("redirect CHAIN") gets it in vals too.
_segctl_args()
{
	local t prev='' last='' alt='' a seen_kw=''
	pos=() kws=()
	vals=() rep=()
	# shellcheck disable=SC2086 # the usage's words
	for t in $(printf '%s' "$1" | sed 's/[][{}]/ & /g; s/[[{]/ /g'); do
		case $t in
		'|' | ']' | '}')
			prev='' alt=''
			continue ;;
		...*)
			[ -z "$last" ] || rep[$last]=1
			continue ;;
		esac
		if [[ $t == *... ]]; then
			[ -z "$last" ] || rep[$last]=1
			t=${t%...}
		fi
		if [[ $t =~ ^(--)?[a-z][a-z0-9-]*$ ]] && [ -z "$prev" ]; then
			# a keyword
			[[ " ${kws[*]} " == *" $t "* ]] || kws+=("$t")
			prev=$t last=$t alt='' seen_kw=1
			continue
		fi
		if [ -z "$prev" ]; then
			if [ -n "$alt" ]; then
				vals[$alt]+="${t%%[|,]*} "
			elif [ -z "$seen_kw" ]; then
				# a placeholder before any keyword: positional
				pos+=("${t%%[|,]*}")
			fi
			alt=''
			continue
		fi
		# the value of $prev: alternatives and placeholders
		for a in ${t//|/ }; do
			[ -n "$a" ] || continue
			vals[$prev]+="${a%%,*} "
			alt=$a
		done
		[[ $alt =~ ^[a-z] ]] || alt=''
		prev=''
	done
}

_segctl()
{
	local prog line cur words=() i w obj='' verb='' args='' dom=''
	local -a pos kws
	local -A vals rep
	prog=${COMP_WORDS[0]}
	[[ $prog == */* ]] || prog=$(type -P "$prog") || prog=segctl
	# Whole words, MACs and addresses with colons included.
	line=${COMP_LINE:0:COMP_POINT}
	read -r -a words <<<"$line"
	cur=''
	if [ -n "$line" ] && [[ $line != *[[:space:]] ]]; then
		cur=${words[-1]}
		unset 'words[-1]'
	fi
	COMPREPLY=()
	_segctl_usage "$prog"

	# The options, then the command's words.
	i=1
	while [ "$i" -lt "${#words[@]}" ]; do
		w=${words[i]}
		case $w in
		-b | --batch | --password-file | --user | --etcd)
			i=$((i + 2))
			continue
			;;
		-*)
			i=$((i + 1))
			continue
			;;
		esac
		break
	done
	case ${words[-1]} in
	-b | --batch | --password-file)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
		;;
	--user | --etcd)
		return
		;;
	esac
	if [ "$i" -ge "${#words[@]}" ]; then
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$_segctl_opts" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$(printf '%s\n' \
				"$_segctl_cmds" | awk '{ print $1 }' | sort -u)" \
				-- "$cur")
		fi
		return
	fi
	words=("${words[@]:i}")

	# The command: OBJECT, VERB (two words for "service instance"),
	# then its arguments.
	obj=${words[0]}
	local cmds
	cmds=$(printf '%s\n' "$_segctl_cmds" | awk -v o="$obj" '$1 == o')
	[ -n "$cmds" ] || return
	i=1
	if printf '%s\n' "$cmds" | awk '$2 !~ /^[a-z]/ { f = 1 } END { exit f }'; then
		# OBJECT VERB ...: complete or read the verb
		if [ "${#words[@]}" -lt 2 ]; then
			mapfile -t COMPREPLY < <(compgen -W "$(printf '%s\n' \
				"$cmds" | awk '{ print $2 }' | sort -u)" -- "$cur")
			return
		fi
		verb=${words[1]}
		i=2
		case $verb in
		delete) verb=del ;;
		list | ls) verb=show ;;
		esac
		if [ "$obj $verb" = "service instance" ]; then
			if [ "${#words[@]}" -lt 3 ]; then
				mapfile -t COMPREPLY < <(compgen -W "$(printf \
					'%s\n' "$cmds" | awk '$2 == "instance" \
					{ print $3 }')" -- "$cur")
				return
			fi
			verb="instance ${words[2]}"
			i=3
		fi
		args=$(printf '%s\n' "$cmds" | awk -v v="$obj $verb " \
			'index($0 " ", v) == 1 { print substr($0, length(v) + 1); exit }')
	else
		args=$(printf '%s\n' "$cmds" | awk '{ $1 = ""; print; exit }')
	fi
	_segctl_args "$args"
	# "LIMIT N": the limits segctl help names under LIMIT
	if [ -n "${vals[LIMIT]+x}" ] || [[ " $args " == *" [LIMIT N]..."* ]]; then
		for w in flow-limit endpoint-limit rule-limit service-limit \
			chain-limit prefix-limit bum-limit; do
			kws+=("$w")
			vals[$w]='N '
		done
	fi
	words=("${words[@]:i}")

	# The domain named on the line, for its groups and services.
	for ((i = 0; i < ${#words[@]}; i++)); do
		[ "${words[i]}" != domain ] || dom=${words[i + 1]:-}
	done
	[ "$obj" != domain ] || [ "${#words[@]}" -lt 1 ] ||
		[ "${pos[0]:-}" != DOMAIN ] || dom=${words[0]}

	local what='' prevw='' cand=''
	[ "${#words[@]}" = 0 ] || prevw=${words[-1]}
	if [ -n "$prevw" ] && [ -n "${vals[$prevw]+x}" ]; then
		# the value of a keyword
		for w in ${vals[$prevw]}; do
			case $w in
			DOMAIN | GROUP | SERVICE | CHAIN)
				cand+=" $(_segctl_live "$prog" "${w,,}" "$dom")" ;;
			DEV)	cand+=" $(_segctl_live "$prog" port '')" ;;
			FILE)	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
				return ;;
			[a-z]*)	cand+=" $w" ;;
			esac
		done
		mapfile -t COMPREPLY < <(compgen -W "$cand" -- "$cur")
		return
	fi
	if [ "${#words[@]}" -lt "${#pos[@]}" ]; then
		# a leading argument
		what=${pos[${#words[@]}]}
		case $what in
		DOMAIN | GROUP | SERVICE | CHAIN)
			cand=$(_segctl_live "$prog" "${what,,}" "$dom") ;;
		DEV)
			if [ "$obj $verb" = "port attach" ]; then
				cand=$(_segctl_live "$prog" netdev '')
			else
				cand=$(_segctl_live "$prog" port '')
			fi ;;
		FILE)
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			return ;;
		OBJECT)
			cand=$(printf '%s\n' "$_segctl_cmds" | awk '{ print $1 }' |
				sort -u) ;;
		esac
		# "show [DOMAIN]", "port show [DEV | domain D]": the
		# keywords fit here too
		[[ " $args " != *" [${what}"* ]] || cand+=" ${kws[*]}"
		mapfile -t COMPREPLY < <(compgen -W "$cand" -- "$cur")
		return
	fi
	# a keyword: those not given yet, and those that repeat
	for w in "${kws[@]}"; do
		if [ -n "${rep[$w]:-}" ] || [[ " ${words[*]} " != *" $w "* ]]; then
			cand+=" $w"
		fi
	done
	mapfile -t COMPREPLY < <(compgen -W "$cand" -- "$cur")
}

_segd()
{
	local prog line cur words=() opts
	prog=${COMP_WORDS[0]}
	[[ $prog == */* ]] || prog=$(type -P "$prog") || prog=segd
	line=${COMP_LINE:0:COMP_POINT}
	read -r -a words <<<"$line"
	cur=''
	if [ -n "$line" ] && [[ $line != *[[:space:]] ]]; then
		cur=${words[-1]}
		unset 'words[-1]'
	fi
	COMPREPLY=()
	case ${words[${#words[@]} - 1]} in
	--uplink)
		mapfile -t COMPREPLY < <(compgen -W "$(ls /sys/class/net \
			2>/dev/null)" -- "$cur")
		return ;;
	--password-file | --cacert)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return ;;
	--etcd | --host | --tunnel | --prefix | --user | --lease-ttl)
		return ;;
	esac
	# segd's usage names its options (segd --help)
	opts=$("$prog" --help 2>&1 | sed -n '/^Usage:/,$p' |
		grep -o -- '--[a-z][a-z-]*' | sort -u)
	mapfile -t COMPREPLY < <(compgen -W "$opts -v --verbose" -- "$cur")
}

complete -F _segctl segctl
complete -F _segd segd
