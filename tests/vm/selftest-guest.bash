#!/usr/bin/env bash
# selftest-guest.bash - the in-guest half of tests/vm/selftest.bash.
#
# Run by run-vm.bash --nics 2 inside the guest: brings up both igb interfaces,
# captures on the second with tcpdump while selftest_frames.py sends COUNT known
# frames from the first, and leaves the capture in $RESULTS/guest.pcap.  Then
# checks that `modprobe veth` and a veth pair work ($RESULTS/veth.ok).
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: selftest-guest.bash [COUNT]   (inside a run-vm.bash guest with --nics 2)
Sends COUNT (default 2000) frames from the first NIC, captures them on the second
into $RESULTS/guest.pcap, and checks veth ($RESULTS/veth.ok).
USAGE
}
case "${1:-}" in -h | --help) usage; exit 0 ;; esac
count=${1:-2000}
here=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib.sh
. "$here/../lib.sh"	# ipv6_off
: "${RESULTS:?not inside a run-vm.bash guest}"

read -r tx rx <<<"${VM_NIC_IFACES:-}"
read -r tx_mac rx_mac <<<"${VM_NIC_MACS:-}"
[ -n "${rx:-}" ] || { echo "selftest-guest: need two bound NICs, have '${VM_NIC_IFACES:-}'" >&2; exit 1; }

# No IPv6 autoconfiguration chatter on the wire.
ipv6_off "$tx" "$rx"
ip link set "$tx" up
ip link set "$rx" up
for _ in $(seq 100); do
	[ "$(cat "/sys/class/net/$tx/carrier" 2>/dev/null)" = 1 ] &&
		[ "$(cat "/sys/class/net/$rx/carrier" 2>/dev/null)" = 1 ] && break
	sleep 0.1
done
echo "selftest-guest: $tx ($tx_mac) -> $rx ($rx_mac): carrier $(cat "/sys/class/net/$tx/carrier")/$(cat "/sys/class/net/$rx/carrier")"

# tcpdump drops root privileges by default (-Z tcpdump); keep root for /tmp and
# /results.  Capture to the tmpfs and copy afterwards: 9p writes are slow.
tcpdump -Z root -n -i "$rx" -B 8192 -w /tmp/guest.pcap 2>/tmp/tcpdump.log &
tcpdump_pid=$!
for _ in $(seq 300); do
	grep -q 'listening on' /tmp/tcpdump.log && break
	sleep 0.1
done
grep -q 'listening on' /tmp/tcpdump.log || { cat /tmp/tcpdump.log >&2; echo "selftest-guest: tcpdump did not start" >&2; exit 1; }

start=$EPOCHREALTIME
python3 "$here/selftest_frames.py" send "$tx" "$tx_mac" "$rx_mac" "$count"
echo "selftest-guest: python3 start + send took $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }') s"
sleep 1
kill -INT "$tcpdump_pid"
wait "$tcpdump_pid" || true
cat /tmp/tcpdump.log
echo "selftest-guest: $rx rx_packets $(cat "/sys/class/net/$rx/statistics/rx_packets")," \
	"$tx tx_packets $(cat "/sys/class/net/$tx/statistics/tx_packets")"
cp /tmp/guest.pcap "$RESULTS/guest.pcap"

# veth: a module loaded from the host's /lib/modules through the 9p share.
rm -f "$RESULTS/veth.ok"
modprobe veth
ip link add vm-va type veth peer name vm-vb
ip link set vm-va up
ip link set vm-vb up
sleep 0.2
if ip -br link show vm-va | grep -q LOWER_UP && ip -br link show vm-vb | grep -q LOWER_UP; then
	echo "selftest-guest: veth pair up"
	touch "$RESULTS/veth.ok"
fi
ip link del vm-va
