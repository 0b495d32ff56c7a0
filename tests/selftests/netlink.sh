#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The control path refuses bad requests with the right errno and a
# message that says why, and a refused request changes nothing.  Some
# requests are ones segctl would never build; tests/tools/nlsend sends
# those raw.  Also: who may change the configuration.

HERE=$(dirname "$0")
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"

NLSEND=$TOOLS/nlsend
EINVAL=22 ENOENT=2 EEXIST=17 ENODEV=19 EBUSY=16 EOPNOTSUPP=95 EPERM=1
ERANGE=34

cleanup()
{
	cleanup_vms
	"$IP" link del br-test 2>/dev/null
	"$IP" link del vbr 2>/dev/null
	"$IP" link del dummy-test 2>/dev/null
}
trap cleanup EXIT

module_reload
$SEGCTL domain add tenant-a id 10 >/dev/null
$SEGCTL domain add tenant-b id 20 >/dev/null
$SEGCTL group add web id 1 domain tenant-a >/dev/null
$SEGCTL group add db id 2 domain tenant-b >/dev/null
vm_veth a1 va1 02:00:00:00:0a:01 10.0.0.1 fd00::1
vm_veth b1 vb1 02:00:00:00:0b:01 10.0.0.1 fd00::1
vm_veth x1 vx1 02:00:00:00:0c:01 10.0.0.9 fd00::9
$SEGCTL port attach va1 domain tenant-a >/dev/null
$SEGCTL port attach vb1 domain tenant-b >/dev/null
$SEGCTL endpoint add 02:00:00:00:0a:01 domain tenant-a group web port va1 \
	ip 10.0.0.1 ip fd00::1 >/dev/null
ifindex_va1=$(cat /sys/class/net/va1/ifindex)
ifindex_vx1=$(cat /sys/class/net/vx1/ifindex)

before=$($SEGCTL show)

# --- missing, wrong and out-of-range attributes ---
check_err "domain without a name: EINVAL, says what is missing" \
	$EINVAL "missing domain name" $NLSEND domain_new domain_id=u32:5
check_err "domain without an id: EINVAL" \
	$EINVAL "missing domain id" $NLSEND domain_new domain_name=str:x
check_err "domain id 0 is out of range: ERANGE" \
	$ERANGE "integer out of range" $NLSEND domain_new domain_id=u32:0 domain_name=str:x
check_err "domain id of the wrong size" \
	$EINVAL "" $NLSEND domain_new domain_id=u8:5 domain_name=str:x
check_err "domain name too long" $EINVAL "" \
	$NLSEND domain_new domain_id=u32:5 \
	domain_name=str:abcdefghijklmnopqrstuvwxyzabcdefghij
check_err "domain name starting with a digit" $EINVAL "starts with a letter" \
	$NLSEND domain_new domain_id=u32:5 domain_name=str:5x
check_err "a name with a non-ASCII letter" $EINVAL "starts with a letter" \
	$NLSEND domain_new domain_id=u32:5 domain_name=hex:61e900
check_err "default action out of range" $ERANGE "integer out of range" \
	$NLSEND domain_new domain_id=u32:5 domain_name=str:x default_action=u8:9
check_err "an attribute the command does not take" $EINVAL "" \
	$NLSEND domain_new domain_id=u32:5 domain_name=str:x ifindex=u32:1
check_err "an attribute beyond the family's last" $EINVAL "" \
	$NLSEND domain_new domain_id=u32:5 domain_name=str:x 200=u32:1
check_err "domain named both by id and name" $EINVAL "not both" \
	$NLSEND domain_del domain_id=u32:10 domain_name=str:tenant-a
check_err "group id 0 is out of range" $ERANGE "integer out of range" \
	$NLSEND group_new domain_id=u32:10 group_id=u16:0 group_name=str:g
check_err "group without a domain" $EINVAL "missing domain" \
	$NLSEND group_new group_id=u16:3 group_name=str:g
check_err "endpoint without a group" $EINVAL "missing group" \
	$NLSEND endpoint_new domain_id=u32:10 mac=hex:02000000aa01 \
	ifindex=u32:"$ifindex_va1"
check_err "endpoint MAC of the wrong length" $ERANGE "size out of range" \
	$NLSEND endpoint_new domain_id=u32:10 mac=hex:02000000aa group_id=u16:1 \
	ifindex=u32:"$ifindex_va1"
check_err "endpoint with a multicast MAC" $EINVAL "not a unicast MAC" \
	$NLSEND endpoint_new domain_id=u32:10 mac=hex:01005e000001 \
	group_id=u16:1 ifindex=u32:"$ifindex_va1"
check_err "endpoint addresses that are not a nest" $EINVAL "" \
	$NLSEND endpoint_new domain_id=u32:10 mac=hex:02000000aa01 \
	group_id=u16:1 ifindex=u32:"$ifindex_va1" addrs=u32:1
check_err "endpoint with five IPv4 addresses" "" "at most 4 IPv4" \
	$SEGCTL endpoint add 02:00:00:00:aa:01 domain tenant-a group web \
	port va1 ip 10.0.0.51 ip 10.0.0.52 ip 10.0.0.53 ip 10.0.0.54 \
	ip 10.0.0.55
check_err "endpoint with a multicast address" "" "not a unicast host" \
	$SEGCTL endpoint add 02:00:00:00:aa:01 domain tenant-a group web \
	port va1 ip 224.0.0.1
check_err "port role out of range" $ERANGE "integer out of range" \
	$NLSEND port_new domain_id=u32:10 ifindex=u32:"$ifindex_vx1" port_role=u8:9

# --- unknown objects ---
check_err "unknown domain by name: ENOENT" "" 'domain "nosuch" does not exist' \
	$SEGCTL group add g id 3 domain nosuch
check_err "unknown domain by id: ENOENT" $ENOENT "domain id 99 does not exist" \
	$NLSEND domain_get domain_id=u32:99
check_err "unknown group" "" 'group "nosuch" does not exist' \
	$SEGCTL endpoint add 02:00:00:00:aa:01 domain tenant-a group nosuch port va1
check_err "unknown endpoint" "" "does not exist in domain" \
	$SEGCTL endpoint del 02:00:00:00:aa:01 domain tenant-a
check_err "bad ifindex: ENODEV" $ENODEV "no device with ifindex 99999" \
	$NLSEND port_new domain_id=u32:10 ifindex=u32:99999
check_err "detaching a device that is not attached" $ENOENT "not an attached port" \
	$NLSEND port_del ifindex=u32:"$ifindex_vx1"
check_err "endpoint on a device that is not attached" "" "not an attached port" \
	$SEGCTL endpoint add 02:00:00:00:aa:01 domain tenant-a group web port vx1

# --- duplicates ---
check_err "duplicate domain id: EEXIST" $EEXIST "domain id 10 already exists" \
	$NLSEND domain_new domain_id=u32:10 domain_name=str:other
check_err "duplicate domain name" "" 'domain "tenant-a" already exists' \
	$SEGCTL domain add tenant-a id 11
check_err "duplicate group id" "" "group id 1 already exists" \
	$SEGCTL group add app id 1 domain tenant-a
check_err "duplicate endpoint MAC" "" "already exists in domain" \
	$SEGCTL endpoint add 02:00:00:00:0a:01 domain tenant-a group web port va1
check_err "address already owned by another endpoint" "" \
	"10.0.0.1 already belongs to another endpoint" \
	$SEGCTL endpoint add 02:00:00:00:aa:01 domain tenant-a group web \
	port va1 ip 10.0.0.7 ip 10.0.0.1
check_err "the same address twice in one request" "" "is given twice" \
	$SEGCTL endpoint add 02:00:00:00:aa:01 domain tenant-a group web \
	port va1 ip fd00::7 ip fd00::7
check_err "device attached twice: EBUSY" "" \
	'va1 is already attached to domain "tenant-a"' \
	$SEGCTL port attach va1 domain tenant-b

# --- ports that cannot be attached ---
"$IP" link add br-test type bridge
"$IP" link add vbr type veth peer name vbr-peer
"$IP" link set vbr master br-test
check_err "a bridge port: EBUSY, names the bridge" "" \
	"vbr is already a bridge port (master br-test)" \
	$SEGCTL port attach vbr domain tenant-a
check_err "a device that is not veth or tap: EOPNOTSUPP" "" \
	"br-test is not a veth or tap device" \
	$SEGCTL port attach br-test domain tenant-a
check_err "the loopback device" "" "lo is not a veth or tap device" \
	$SEGCTL port attach lo domain tenant-a
check_err "an uplink with a domain: EINVAL" $EINVAL "an uplink serves every domain" \
	$NLSEND port_new domain_id=u32:10 ifindex=u32:"$ifindex_vx1" port_role=u8:3
check_err "a veth as an uplink: EOPNOTSUPP" $EOPNOTSUPP "vx1 is not a VXLAN device" \
	$NLSEND port_new ifindex=u32:"$ifindex_vx1" port_role=u8:3
check_err "an endpoint port without a domain" $EINVAL "missing domain" \
	$NLSEND port_new ifindex=u32:"$ifindex_vx1"

# --- overlay attributes: VNI, remote address, moves ---
check_err "VNI 0 is out of range" $ERANGE "integer out of range" \
	$NLSEND domain_new domain_id=u32:5 domain_name=str:x vni=u32:0
check_err "VNI above 24 bits is out of range" $ERANGE "integer out of range" \
	$NLSEND domain_new domain_id=u32:5 domain_name=str:x vni=u32:16777216
check_err "a domain's VNI cannot be set later" $EINVAL "cannot be changed" \
	$NLSEND domain_set domain_name=str:tenant-a vni=u32:7
check_err "a remote address behind a local port" $EINVAL \
	"va1 is not an uplink: a local endpoint has no remote address" \
	$NLSEND endpoint_new domain_name=str:tenant-a group_id=u16:1 \
	mac=hex:02000000aa02 ifindex=u32:"$ifindex_va1" \
	remote={ ipv4=hex:c0a83202 }
check_err "a remote host of two addresses" $EINVAL "the remote host is one address" \
	$NLSEND endpoint_new domain_name=str:tenant-a group_id=u16:1 \
	mac=hex:02000000aa02 ifindex=u32:"$ifindex_va1" \
	remote={ ipv4=hex:c0a83202 ipv4=hex:c0a83203 }
check_err "a move to a remote of eight addresses" $EINVAL "the remote host is one address" \
	$NLSEND endpoint_set domain_name=str:tenant-a mac=hex:020000000a01 \
	ifindex=u32:"$ifindex_va1" remote={ ipv4=hex:c0a83201 ipv4=hex:c0a83202 \
	ipv4=hex:c0a83203 ipv4=hex:c0a83204 ipv6=hex:fd000000000000000000000000000001 \
	ipv6=hex:fd000000000000000000000000000002 \
	ipv6=hex:fd000000000000000000000000000003 \
	ipv6=hex:fd000000000000000000000000000004 }
check_err "an empty remote" $EINVAL "the remote host is one address" \
	$NLSEND endpoint_set domain_name=str:tenant-a mac=hex:020000000a01 \
	ifindex=u32:"$ifindex_va1" remote={ }
check_err "moving an endpoint that does not exist: ENOENT" $ENOENT \
	"endpoint 02:00:00:00:aa:09 does not exist" \
	$NLSEND endpoint_set domain_name=str:tenant-a mac=hex:02000000aa09 \
	ifindex=u32:"$ifindex_va1"
check_err "moving without saying where" $EINVAL "missing port (ifindex)" \
	$NLSEND endpoint_set domain_name=str:tenant-a mac=hex:020000000a01
check_err "moving to another domain's port" "" \
	'port vb1 belongs to domain "tenant-b", not "tenant-a"' \
	$SEGCTL endpoint move 02:00:00:00:0a:01 domain tenant-a port vb1
check_err "endpoint behind a port of another domain" "" \
	'port vb1 belongs to domain "tenant-b", not "tenant-a"' \
	$SEGCTL endpoint add 02:00:00:00:aa:01 domain tenant-a group web port vb1

# --- objects in use ---
check_err "deleting a domain with ports: EBUSY" $EBUSY "port(s) attached" \
	$NLSEND domain_del domain_name=str:tenant-a
check_err "deleting a group with endpoints: EBUSY" $EBUSY "endpoint(s)" \
	$NLSEND group_del domain_id=u32:10 group_name=str:web

check_eq "none of the refused requests changed anything" "$before" \
	"$($SEGCTL show)"
check "...and the bridge port still belongs to the bridge" \
	sh -c "$IP link show vbr | grep -q 'master br-test'"
check_fails "...and the refused address was not added" \
	sh -c "$SEGCTL endpoint show | grep -q 10.0.0.7"

# --- replies ---
check "NEW replies with the created object" \
	sh -c "$SEGCTL group add app id 7 domain tenant-a | grep -q 'group app id 7 domain tenant-a'"
check_eq "a dump filtered by domain shows only that domain" \
	"group db id 2 domain tenant-b endpoints 0" \
	"$(timeout 10 $SEGCTL group show domain tenant-b)"
check_eq "...and so does a filtered endpoint dump" 1 \
	"$(timeout 10 $SEGCTL endpoint show domain tenant-a | wc -l)"
check "...and a filtered domain dump" sh -c \
	"$NLSEND -d domain_get domain_name=str:tenant-b | grep -q 'messages 1 '"
check_err "a port is named by its ifindex alone" $EINVAL "ifindex alone" \
	$NLSEND port_get ifindex=u32:"$ifindex_va1" domain_id=u32:10
check_eq "...and a filtered port dump" "vb1" \
	"$(timeout 10 $SEGCTL port show domain tenant-b | awk '{ print $2 }')"
# A thousand groups with long names fill several dump messages.  On
# the debug kernel they go in as one batch: a thousand segctl processes
# would each take group_new, which the commands above took already,
# while the dumps below are what this is for.
long=group-with-a-long-name-no
if on_debug; then
	for i in $(seq 100 1099); do
		echo "group add $long$i id $i domain tenant-b"
	done >/tmp/groups.batch
	check "many objects (one batch) dump across several messages" sh -c '
		'"$SEGCTL"' -b /tmp/groups.batch >/dev/null &&
		[ "$('"$SEGCTL"' group show | grep -c "domain tenant-b")" = 1001 ]'
else
	check "many objects dump across several messages" sh -c '
		for i in $(seq 100 1099); do
			'"$SEGCTL"' group add "'"$long"'$i" id "$i" domain tenant-b \
				>/dev/null || exit 1
		done
		[ "$('"$SEGCTL"' group show | grep -c "domain tenant-b")" = 1001 ]'
fi
check "a dump that races no change is not flagged" sh -c \
	"$NLSEND -d group_get domain_name=str:tenant-b | tee /dev/stderr |
		grep -q 'messages 1001 interrupted no'"
check "a dump that races a change is flagged NLM_F_DUMP_INTR" sh -c \
	"$NLSEND -d -x '$SEGCTL group add late id 2000 domain tenant-b' \
		group_get domain_name=str:tenant-b | tee /dev/stderr |
		grep -q 'interrupted yes'"

# --- privilege ---
check_err "a user namespace may not change the host's configuration" "" \
	"Operation not permitted" /usr/bin/unshare -U -r $SEGCTL domain add u id 77
check_err "...nor detach its ports" $EPERM "" \
	/usr/bin/unshare -U -r $NLSEND port_del ifindex=u32:"$ifindex_va1"
check_err "an unprivileged user gets EPERM" "" "Operation not permitted" \
	/usr/bin/setpriv --reuid 1000 --regid 1000 --clear-groups \
	$SEGCTL domain del tenant-b
# Every command, each with attributes that would be valid, from a user
# with no capability and from root of a user namespace that does not own
# this network namespace: EPERM before anything is parsed or looked up.
unpriv_ok=0 unpriv_total=0 state=$($SEGCTL show)
for c in domain_new domain_set domain_del group_new group_del port_new \
	port_del endpoint_new endpoint_set endpoint_del rule_new rule_del \
	service_new service_del instance_new instance_set instance_del \
	chain_new chain_del txn_begin txn_commit txn_abort trace \
	domain_get group_get port_get endpoint_get rule_get service_get \
	instance_get chain_get; do
	for who in "/usr/bin/setpriv --reuid 1000 --regid 1000 --clear-groups" \
		"/usr/bin/unshare -U -r"; do
		unpriv_total=$((unpriv_total + 1))
		# shellcheck disable=SC2086
		if ! $who $NLSEND "$c" domain_name=str:tenant-a >"$OUT" 2>&1 &&
			grep -q "^error $EPERM:" "$OUT"; then
			unpriv_ok=$((unpriv_ok + 1))
		fi
	done
	case $c in *_get)
		unpriv_total=$((unpriv_total + 1))
		if ! /usr/bin/setpriv --reuid 1000 --regid 1000 --clear-groups \
			$NLSEND -d "$c" >"$OUT" 2>&1 &&
			grep -q "^error $EPERM:" "$OUT"; then
			unpriv_ok=$((unpriv_ok + 1))
		fi
	esac
done
check_eq "every command and every dump: EPERM without CAP_NET_ADMIN" \
	"$unpriv_total" "$unpriv_ok"
check_eq "...and the configuration is unchanged" "$state" "$($SEGCTL show)"
check "a user namespace may configure a network namespace it owns" \
	/usr/bin/unshare -U -r -n sh -c "$SEGCTL domain add mine id 5 >/dev/null &&
		$SEGCTL domain show | grep -q mine &&
		! $SEGCTL domain show | grep -q tenant-a"
check_fails "...which the host does not see" \
	sh -c "$SEGCTL domain show | grep -q mine"
check_eq "the host's domains are still there" 2 \
	"$($SEGCTL domain show | grep -c '^domain')"

# --- detach and delete in order ---
check "detaching a port deletes its endpoints" \
	sh -c "$SEGCTL port detach va1 && ! $SEGCTL endpoint show | grep -q 0a:01"
check "a domain without ports can be deleted" $SEGCTL domain del tenant-a
check_err "...and is gone" $ENOENT "does not exist" \
	$NLSEND domain_get domain_name=str:tenant-a

finish
