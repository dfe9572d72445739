#!/usr/bin/env bash
# vm-native-guest.bash - inside a QEMU guest with two emulated 82576 NICs
# (see run-capture-bench.bash): the same traffic from the second NIC is
# captured three ways on the first, each run from its own source MAC so
# the host can compare each capture with QEMU's dump of the wire:
#   native: hpcap's polling driver owns the port, hpcapdd writes the queue;
#   generic: igb owns the port, hpcap's generic source taps it;
#   tcpdump: igb owns the port, tcpdump (AF_PACKET) captures it.
set -uo pipefail
top=$PWD
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"	# ipv6_off

bin=$top/${BUILD:-build}/bin
M=$top/tests/vm/module
frames=${FRAMES:-20000}
pps=${PPS:-0}
KO=$top/build/kmod/$(uname -r)/hpcap.ko
CAP=0000:00:04.0
read -r CAP_IF SEND_IF <<<"${VM_NIC_IFACES:-eth0 eth1}"
ipv6_off
ip link set "$SEND_IF" up
send() { # name mac
	echo "$2" > "$RESULTS/$1.src"
	python3 "$M/send_frames.py" "$SEND_IF" --src "$2" --count "$frames" --sizes imix \
		--pps "$pps" --pcap "/tmp/$1-sent.pcap" | sed "s/^/$1 sender: /"
}

# 1. generic source on igb's eth0
ip link set "$CAP_IF" up
sleep 2
insmod "$KO" buf_size=$((32 << 20))
echo "$CAP_IF" > /sys/class/hpcap/attach
mkdir -p /tmp/g
"$bin/hpcapdd" -q 0 0 /tmp/g 2>/dev/null & d=$!
sleep 0.5
send generic 02:00:00:00:02:01
sleep 1; kill -INT $d; wait $d
"$bin/raw2pcap" -q /tmp/g "$RESULTS/generic-got.pcap"
echo "$CAP_IF" > /sys/class/hpcap/detach
rmmod hpcap

# 2. tcpdump on igb's eth0
tcpdump -Z root -q -i "$CAP_IF" -w /tmp/t.pcap --time-stamp-precision=nano 2>/tmp/td.log & t=$!
sleep 2
send tcpdump 02:00:00:00:02:02
sleep 1; kill -INT $t; wait $t
editcap -F pcap /tmp/t.pcap "$RESULTS/tcpdump-got.pcap" 2>/dev/null
grep dropped /tmp/td.log | sed 's/^/tcpdump says: /'

# 3. native driver
insmod "$KO" buf_size=$((32 << 20)) ports=$CAP poll_idle_us=0
echo hpcap > /sys/bus/pci/devices/$CAP/driver_override
echo $CAP > /sys/bus/pci/devices/$CAP/driver/unbind
echo $CAP > /sys/bus/pci/drivers_probe
ip link set hpcap0 up
for _ in $(seq 50); do [ "$(cat /sys/class/net/hpcap0/carrier)" = 1 ] && break; sleep 0.1; done
mkdir -p /tmp/n
"$bin/hpcapdd" -q 0 0 /tmp/n 2>/dev/null & d=$!
sleep 0.5
send native 02:00:00:00:02:03
sleep 1; kill -INT $d; wait $d
"$bin/raw2pcap" -q /tmp/n "$RESULTS/native-got.pcap"
ethtool -S hpcap0 | grep -E 'rx_hpcap|rx_good_frames' | sed 's/^ */native ethtool: /'
