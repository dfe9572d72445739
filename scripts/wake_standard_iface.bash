#!/usr/bin/env bash
# wake_standard_iface.bash - set up a port left in standard mode (mode 1):
# its IPv4 address, link up, all its interrupts on one core away from
# hpcap's poll threads, and optionally a forced speed.  HPCAP's arguments.
set -euo pipefail
PROG=wake_standard_iface.bash

usage() {
	cat <<'USAGE'
Usage: wake_standard_iface.bash <iface> <ip> <netmask> <core> [speed]

For a port left to its normal driver (mode 1 in params.cfg), as HPCAP's
script of the same name:
  - sets its IPv4 address to <ip>/<netmask>, replacing the IPv4 addresses
    it had (netmask dotted, 255.255.255.0, or a prefix length, 24);
  - brings the link up;
  - moves every interrupt of the port (its MSI-X vectors) to <core>, which
    must not be a core where an hpcap poll thread runs;
  - with [speed] (Mb/s: 10, 100, 1000, 10000, ...), forces that speed, full
    duplex, without autonegotiation.
irqbalance, if running, may move the interrupts again: stop it or ban the
core (a warning says so).

Examples:
  wake_standard_iface.bash eth3 192.168.10.2 255.255.255.0 0
  wake_standard_iface.bash eth3 10.0.0.5 16 2 1000
Exit status: 0 done; 1 error; 2 usage.
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

case ${1:-} in -h | --help) usage; exit 0 ;; esac
[ $# -ge 4 ] && [ $# -le 5 ] || usage_error "needs <iface> <ip> <netmask> <core> [speed]"
iface=$1 ip=$2 mask=$3 core=$4 speed=${5:-}

ipv4_ok() {
	local IFS=. o
	# shellcheck disable=SC2086 # splitting on dots is the point
	set -- $1
	[ $# = 4 ] || return 1
	for o; do [[ $o =~ ^[0-9]{1,3}$ ]] && [ "$((10#$o))" -le 255 ] || return 1; done
}
netdev_exists "$iface" || die "$iface: no such interface (ip link lists them)"
drv=$(basename "$(readlink "$HPCAP_SYSFS/class/net/$iface/device/driver" 2>/dev/null)" 2>/dev/null || true)
[ "$drv" != hpcap ] || die "$iface is an hpcap capture port (mode 2/3): it has no IP stack; give it mode 1 in params.cfg and run install_hpcap.bash"
ipv4_ok "$ip" || die "'$ip' is not an IPv4 address (a.b.c.d)"
if [[ $mask =~ ^[0-9]{1,2}$ ]] && [ "$((10#$mask))" -le 32 ]; then
	prefix=$((10#$mask))
elif ipv4_ok "$mask"; then
	prefix=0 bits=1
	IFS=. read -r a b c d <<<"$mask"
	m=$((((10#$a) << 24) | ((10#$b) << 16) | ((10#$c) << 8) | (10#$d)))
	for ((k = 31; k >= 0; k--)); do
		if (((m >> k) & 1)); then
			[ "$bits" = 1 ] || die "netmask '$mask' is not contiguous (255.255.255.0 is)"
			prefix=$((prefix + 1))
		else
			bits=0
		fi
	done
else
	die "netmask '$mask' is neither a.b.c.d nor a prefix length 0-32"
fi
max=$(($(ncpus) - 1))
{ is_uint "$core" && [ "$((10#$core))" -le "$max" ]; } || die "core '$core' is not a core of this machine (0 to $max)"
core=$((10#$core))
polled=$(poll_threads | awk -v c="$core" '$3 == c { printf "%s%s", s, $1; s = ", " }')
[ -z "$polled" ] || die "core $core runs hpcap's poll thread(s) $polled, which keep it busy: choose another core (poll cores: $(poll_threads | awk '{ print $3 }' | sort -un | paste -sd, -))"
if [ -n "$speed" ]; then
	[[ " 10 100 1000 2500 5000 10000 25000 40000 50000 100000 " == *" $speed "* ]] ||
		die "speed '$speed' is not an Ethernet speed in Mb/s (10, 100, 1000, 10000, ...)"
fi
need_root "changes addresses and interrupts" "$*"

ip -4 addr flush dev "$iface"
ip addr add "$ip/$prefix" dev "$iface"
ip link set dev "$iface" up
say "$iface: $ip/$prefix, up"
n=$(pin_irqs "$iface" "$core")
if [ "$n" = 0 ]; then
	warn "$iface: no interrupt found to move (a virtual interface?)"
else
	say "$iface: $n interrupt(s) on core $core"
fi
if irqbalance_running; then
	warn "irqbalance is running and may move them again: systemctl stop irqbalance, or IRQBALANCE_BANNED_CPULIST=$core in /etc/default/irqbalance"
fi
if [ -n "$speed" ]; then
	if out=$(ethtool -s "$iface" speed "$speed" duplex full autoneg off 2>&1); then
		say "$iface: speed forced to $speed Mb/s, full duplex"
	else
		die "$iface: ethtool could not force $speed Mb/s: ${out:-no reason given} (does the NIC support it? ethtool $iface lists the modes)"
	fi
fi
