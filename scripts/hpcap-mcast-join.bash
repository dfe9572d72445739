#!/usr/bin/env bash
# hpcap-mcast-join.bash - join (or leave) the multicast groups to record on
# a port the kernel still owns, so that the switch's IGMP snooping forwards
# the feeds to it.  What hpcap-mcast@<iface>.service runs.
set -euo pipefail
PROG=hpcap-mcast-join

usage() {
	cat <<'USAGE'
Usage: hpcap-mcast-join [--leave] [--igmp-version 2|3] <iface> [GROUP...]

Makes the kernel a member of each IPv4 multicast GROUP on <iface> (ip
address add GROUP/32 dev <iface> autojoin): it sends the IGMP reports and
answers the switch's queries for as long as the membership lasts, so a
switch with IGMP snooping keeps forwarding those groups to the port, where
hpcap records them.  No process has to stay running.  Without GROUPs they
are read from /etc/hpcap/mcast-<iface>.conf (one group per line, "#"
comments).  Groups already joined are left alone.

<iface> must be a port the kernel's IP stack still sees: mode 1, or a
generic capture in mirror mode.  Not a native port (hpcap<i>: no IP stack)
nor a drop-mode capture (the stack never sees the switch's queries, so the
membership would expire after a few minutes).  It needs no IP address; the
reports then come from 0.0.0.0, which most switches accept (give the port
an address, wake_standard_iface.bash, for those that do not).

Options:
      --leave            leave the groups instead
      --igmp-version N   force IGMPv2 or IGMPv3 reports on <iface> (for
                         switches that want one; sysctl force_igmp_version)
  -h, --help             this help
Examples:
  hpcap-mcast-join eth2 239.1.1.1 239.1.1.2
  systemctl enable --now hpcap-mcast@eth2      # groups from the file
USAGE
}

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
lib=""
for lib in "${HPCAP_LIB:-}" "$here/hpcap-lib.bash" "@HPCAP_DATADIR@/hpcap-lib.bash" "$here/../share/hpcap/hpcap-lib.bash"; do
	[ -n "$lib" ] && [ -r "$lib" ] && break
done
[ -r "$lib" ] || { echo "$PROG: cannot find hpcap-lib.bash (reinstall hpcap, or set HPCAP_LIB)" >&2; exit 1; }
# shellcheck source=hpcap-lib.bash
. "$lib"

leave=0 igmp="" iface="" groups=()
while [ $# -gt 0 ]; do
	case $1 in
	--leave) leave=1; shift ;;
	--igmp-version) { [ $# -ge 2 ] && [[ $2 =~ ^[23]$ ]]; } || usage_error "--igmp-version needs 2 or 3"; igmp=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	-*) usage_error "unknown option '$1'" ;;
	*) if [ -z "$iface" ]; then iface=$1; else groups+=("$1"); fi; shift ;;
	esac
done
[ -n "$iface" ] || usage_error "which interface?"
netdev_exists "$iface" || die "$iface: no such interface (ip link lists them)"
if [ ${#groups[@]} = 0 ]; then
	conf=${HPCAP_MCAST_DIR:-/etc/hpcap}/mcast-$iface.conf
	[ -r "$conf" ] || die "no groups given and no $conf (one group per line)"
	mapfile -t groups <<<"$(sed 's/#.*//; s/[[:space:]]//g; /^$/d' "$conf")"
	[ -n "${groups[0]}" ] || groups=()
	[ ${#groups[@]} -gt 0 ] || die "$conf lists no group"
fi
for g in "${groups[@]}"; do
	IFS=. read -r o1 o2 o3 o4 extra <<<"$g"
	ok=1
	for o in "$o1" "$o2" "$o3" "$o4"; do [[ $o =~ ^[0-9]{1,3}$ ]] && [ "$((10#$o))" -le 255 ] || ok=0; done
	[ -z "${extra:-}" ] || ok=0
	{ [ "$ok" = 1 ] && [ "$((10#$o1))" -ge 224 ] && [ "$((10#$o1))" -le 239 ]; } ||
		die "'$g' is not an IPv4 multicast group (224.0.0.0 to 239.255.255.255)"
done
drv=$(basename "$(readlink "$HPCAP_SYSFS/class/net/$iface/device/driver" 2>/dev/null)" 2>/dev/null || true)
[ "$drv" != hpcap ] || die "$iface is a native hpcap port: the kernel has no IP stack on it; join on a port in mode 1 or mirror (the same VLAN of the switch)"
if adapters | awk -v n="$iface" '$2 == n && $3 == "generic-drop" { f = 1 } END { exit !f }'; then
	die "$iface is captured in drop mode: the kernel never sees the switch's IGMP queries, so the membership would expire; capture it in mirror mode (mode<i>=mirror), or join on another port"
fi
need_root "changes multicast memberships" "$*"

if [ -n "$igmp" ]; then
	# /proc/sys directly: no sysctl needed, and a dotted VLAN name
	# (eth0.100) needs no escaping there
	echo "$igmp" >"/proc/sys/net/ipv4/conf/$iface/force_igmp_version" ||
		die "cannot set the IGMP version of $iface (/proc/sys/net/ipv4/conf/$iface/force_igmp_version)"
fi
ip link set dev "$iface" up
have=$(ip -4 -o addr show dev "$iface" | awk '{ print $4 }')
n=0
for g in "${groups[@]}"; do
	if [ "$leave" = 1 ]; then
		if grep -qx "$g/32" <<<"$have"; then
			ip addr del "$g/32" dev "$iface" && n=$((n + 1))
		fi
	elif ! grep -qx "$g/32" <<<"$have"; then
		ip addr add "$g/32" dev "$iface" autojoin || die "cannot join $g on $iface (ip addr add ... autojoin needs Linux 4.1 or later)"
		n=$((n + 1))
	fi
done
if [ "$leave" = 1 ]; then
	say "$iface: left $n group(s)"
else
	say "$iface: joined $n new group(s); member of: $(ip -4 -o addr show dev "$iface" | awk '$4 ~ /^2(2[4-9]|3[0-9])\./ { sub(/\/32$/, "", $4); printf "%s%s", s, $4; s = " " }')"
fi
