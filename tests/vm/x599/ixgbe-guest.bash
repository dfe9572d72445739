#!/usr/bin/env bash
# ixgbe-guest.bash - inside a QEMU guest with one igb NIC (the sender) and
# one hpcap-82599 model on the same wire (see ixgbe-tests.bash): Linux's own
# ixgbe must bind to the model, read its MAC, get link at 10 Gb/s, receive
# every frame of a paced mixed stream, spread flows over its queues exactly
# as RSS on the datasheet says, and count the frames in `ip -s link`.
# Leaves got.pcap, ethtool output and counters in $RESULTS for the host's
# comparison with QEMU's own dump of the 82599's wire.
#
# Environment: X599_FRAMES (default 100000), X599_PPS (default 5000).
set -uo pipefail
top=$PWD
. "$top/tests/lib.sh"
t_init ixgbe-82599
here=$top/tests/vm/x599
W=$T_TMP
frames=${X599_FRAMES:-100000}
pps=${X599_PPS:-5000}
pci=${VM_X599_PCI%% *}
mac=${VM_X599_MACS%% *}
src=02:00:00:00:00:aa

[ -n "$pci" ] || t_skip "no 82599 NIC in this guest (run-vm.bash --x599 1)"
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1

# 1. The in-tree driver binds to the model and reads its MAC from RAL0.
modprobe ixgbe || t_fail "modprobe ixgbe" "failed"
for _ in $(seq 50); do
	[ -e "/sys/bus/pci/devices/$pci/net" ] && break
	sleep 0.1
done
t_eq "ixgbe bound to $pci" ixgbe "$(basename "$(readlink "/sys/bus/pci/devices/$pci/driver")")"
rx_if=$(find "/sys/bus/pci/devices/$pci/net" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | head -n1)
[ -n "$rx_if" ] || { t_fail "ixgbe interface" "none under $pci"; t_done; exit 1; }
t_eq "MAC read from the EEPROM (RAL0/RAH0)" "$mac" "$(cat "/sys/class/net/$rx_if/address")"
tx_if=""
for d in /sys/class/net/*; do
	[ "$(basename "$(readlink -f "$d/device/driver" 2>/dev/null)")" = igb ] && tx_if=${d##*/}
done
[ -n "$tx_if" ] || { t_fail "igb sender" "no igb interface"; t_done; exit 1; }

# 2. Link at 10 Gb/s.
ip link set "$tx_if" up
ip link set "$rx_if" up
for _ in $(seq 100); do
	[ "$(cat "/sys/class/net/$rx_if/carrier" 2>/dev/null)" = 1 ] &&
		[ "$(cat "/sys/class/net/$tx_if/carrier" 2>/dev/null)" = 1 ] && break
	sleep 0.1
done
t_eq "link up on $rx_if" 1 "$(cat "/sys/class/net/$rx_if/carrier")"
t_eq "link speed (Mb/s)" 10000 "$(cat "/sys/class/net/$rx_if/speed")"
t_grep "ixgbe reports the link" "NIC Link is Up 10 Gbps" "$(dmesg | grep "$pci")"

# RSS over all four tuples, UDP included; then the key and table in use.
ethtool -N "$rx_if" rx-flow-hash udp4 sdfn >/dev/null 2>&1
ethtool -N "$rx_if" rx-flow-hash udp6 sdfn >/dev/null 2>&1
ethtool -x "$rx_if" >"$W/ethtool-x.txt"
nq=$(find "/sys/class/net/$rx_if/queues" -maxdepth 1 -name 'rx-*' | wc -l)

# 3. The stream: tcpdump on the 82599's interface, the igb sends.
rx_count() { cat "/sys/class/net/$rx_if/statistics/rx_packets"; }
ethtool -S "$rx_if" >"$W/stats-before.txt"
ip -s link show "$rx_if" >"$W/ip-before.txt"
rx0=$(rx_count)
tcpdump -i "$rx_if" -nn -s 0 -B 65536 --immediate-mode -w "$W/got.pcap" 2>"$W/tcpdump.err" &
tcpdump_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$W/tcpdump.err" && break; sleep 0.1; done
# (the igb's counters and queueing discipline are kept: a frame missing
# from QEMU's dump of the wire was lost by the sender, not by the 82599)
ethtool -S "$tx_if" >"$W/igb-before.txt"
python3 "$here/mixed_frames.py" "$tx_if" --dst "$mac" --src "$src" --count "$frames" \
	--pps "$pps" --flows 64 --pcap "$W/sent.pcap" >"$W/send.txt" 2>&1 ||
	t_fail "sender" "$(cat "$W/send.txt")"
# wait until the receive counter has stopped moving for a second, then
# give tcpdump time to write what it has read
last=-1
for _ in $(seq 200); do
	now=$(rx_count)
	[ "$now" = "$last" ] && break
	last=$now
	sleep 1
done
sleep 2
kill -INT "$tcpdump_pid"
wait "$tcpdump_pid"
ethtool -S "$tx_if" >"$W/igb-after.txt"
tc -s qdisc show dev "$tx_if" >"$W/igb-qdisc.txt"
ethtool -S "$rx_if" >"$W/stats-after.txt"
ip -s link show "$rx_if" >"$W/ip-after.txt"
rx1=$(rx_count)

t_grep "tcpdump lost nothing" "^0 packets dropped by kernel" "$(cat "$W/tcpdump.err")"
t_eq "tcpdump wrote every frame its filter received" \
	"$(awk '/received by filter/ { print $1 }' "$W/tcpdump.err")" \
	"$(awk '/packets captured/ { print $1 }' "$W/tcpdump.err")"
# frames in a pcap, all or from one source MAC
count() {
	python3 - "$@" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
src = bytes.fromhex(sys.argv[2].replace(":", "")) if len(sys.argv) > 2 else None
n = 0
off = 24
while off + 16 <= len(data):
    incl = struct.unpack_from("<I", data, off + 8)[0]
    if src is None or data[off + 22:off + 28] == src:
        n += 1
    off += 16 + incl
print(n)
PY
}
captured=$(count "$W/got.pcap")
test_frames=$(count "$W/got.pcap" "$src")
t_eq "test frames captured (of $frames sent)" "$frames" "$test_frames"

# 4. ip -s link counts every frame the capture saw.
t_eq "ip -s link RX packets = frames captured" "$captured" "$((rx1 - rx0))"

stat() { awk -v k="$1:" '$1 == k { print $2 }' "$2"; }
delta() { echo $(($(stat "$1" "$W/stats-after.txt") - $(stat "$1" "$W/stats-before.txt"))); }
t_eq "NIC good frames (GPRC) = frames captured" "$captured" "$(delta rx_pkts_nic)"
t_eq "NIC missed (MPC)" 0 "$(delta rx_missed_errors)"
t_eq "NIC queue drops (QPRDC)" 0 "$(delta rx_no_dma_resources)"

# 5. RSS: every queue got exactly what the Toeplitz hash says.
python3 "$here/rss_expect.py" "$W/got.pcap" --ethtool-x "$W/ethtool-x.txt" \
	--udp4 --udp6 >"$W/rss-expected.txt"
: >"$W/rss-got.txt"
used=0
for ((q = 0; q < nq; q++)); do
	n=$(delta "rx_queue_${q}_packets")
	[ "$n" -gt 0 ] && used=$((used + 1))
	[ "$n" -gt 0 ] && echo "$q $n" >>"$W/rss-got.txt"
done
if [ "$nq" -ge 2 ] && [ "$used" -ge 2 ]; then
	t_ok "RSS spread the flows over $used of $nq queues"
else
	t_fail "RSS spread" "$used of $nq queues used"
fi
t_eq "per-queue counts = Toeplitz expectation" "$(tr '\n' ' ' <"$W/rss-expected.txt")" \
	"$(tr '\n' ' ' <"$W/rss-got.txt")"

# 6. VLAN tags: kept in the frame with stripping off, in the descriptor
# with it on; the capture shows the same frames either way.
ethtool -K "$rx_if" rxvlan off >/dev/null 2>&1
tcpdump -i "$rx_if" -nn -s 0 --immediate-mode -w "$W/vlan-off.pcap" 2>"$W/tcpdump2.err" & tcpdump_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$W/tcpdump2.err" && break; sleep 0.1; done
python3 "$here/mixed_frames.py" "$tx_if" --dst "$mac" --src 02:00:00:00:00:ab --count 500 \
	--pps "$pps" --kinds vlan4udp,vlan6tcp --start-seq 1000000 >/dev/null
sleep 3
kill -INT "$tcpdump_pid"
wait "$tcpdump_pid"
t_eq "VLAN frames with stripping off" 500 "$(count "$W/vlan-off.pcap" 02:00:00:00:00:ab)"
cp "$W/vlan-off.pcap" "$RESULTS/"

# 7. Link down and up from QEMU's side (`set_link`, sent by the host when it
# reads the request below on the console).
carrier_is() {
	for _ in $(seq 200); do
		[ "$(cat "/sys/class/net/$rx_if/carrier" 2>/dev/null)" = "$1" ] && return 0
		sleep 0.05
	done
	return 1
}
if [ -n "${X599_MONITOR:-}" ]; then
	echo "x599: set_link off please"
	carrier_is 0 && t_ok "set_link off: carrier lost" || t_fail "set_link off" "carrier still 1"
	t_eq "set_link off: LINKS.UP clear (ethtool)" "Link detected: no" \
		"$(ethtool "$rx_if" | grep -o 'Link detected: .*')"
	echo "x599: set_link on please"
	carrier_is 1 && t_ok "set_link on: carrier back" || t_fail "set_link on" "carrier still 0"
	t_grep "ixgbe saw the link go down" "NIC Link is Down" "$(dmesg | grep "$pci")"
fi

# 8. The module's EEPROM over I2C, the driver's own self-test (registers,
# EEPROM, interrupt, MAC loopback, link), and a clean unload.
t_grep "ethtool -m reads the SFP+ module" "10G Base-SR" "$(ethtool -m "$rx_if" 2>&1)"
t_grep "ethtool -t offline passes" "result is PASS" "$(ethtool -t "$rx_if" offline 2>&1 | tee "$W/selftest.txt")"
t_run "rmmod ixgbe" 0 rmmod ixgbe
t_eq "no kernel warning or bug" 0 "$(dmesg | grep -cE 'WARNING|BUG|Oops|general protection')"

cp "$W"/{got.pcap,sent.pcap,ethtool-x.txt,stats-before.txt,stats-after.txt,ip-before.txt,ip-after.txt,rss-expected.txt,rss-got.txt,tcpdump.err,send.txt,selftest.txt,igb-before.txt,igb-after.txt,igb-qdisc.txt} "$RESULTS/" 2>/dev/null
echo "$src" >"$RESULTS/src.txt"
t_done
