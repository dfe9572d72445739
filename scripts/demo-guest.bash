#!/usr/bin/env bash
# demo-guest.bash - the inside of scripts/demo.bash, run in the QEMU guest.
set -euo pipefail
top=$PWD
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"	# ipv6_off

bin=$top/${BUILD:-build}/bin
M=$top/tests/vm/module
frames=${FRAMES:-20000}
step() { printf '\n== %s\n' "$*"; }

step "1. load hpcap.ko (64 MiB buffer per queue, 16 MiB files for the demo)"
ipv6_off
modprobe veth
insmod "$top/build/kmod/$(uname -r)/hpcap.ko" buf_size=$((64 << 20)) file_size=$((16 << 20))
dmesg | grep 'hpcap: loaded' | sed 's/^\[[ .0-9]*\] /   /'

step "2. a link to capture: veth pair, the sender in its own namespace"
ip netns add sender
ipv6_off --netns sender
ip link add cap0 type veth peer name wire0
ip link set wire0 netns sender
ip link set cap0 mtu 9000 up
ip netns exec sender ip link set wire0 mtu 9000 up
echo "cap0 mirror" > /sys/class/hpcap/attach
echo "   /sys/class/hpcap/adapters: $(cat /sys/class/hpcap/adapters)"
echo "   device: $(ls /dev/hpcap_0_*)"

step "3. hpcapdd writes the queue to disk; $frames IMIX frames are sent"
mkdir -p /tmp/capture
"$bin/hpcapdd" --interval 2 0 0 /tmp/capture & dd=$!
sleep 0.5
ip netns exec sender python3 "$M/send_frames.py" wire0 --count "$frames" --sizes imix \
	--pcap "$RESULTS/sent.pcap" | sed 's/^/   sender: /'
sleep 1
kill -INT $dd
wait $dd
find /tmp/capture -name '*.raw' -printf '   %p  %s bytes\n'

step "4. checkraw validates every record"
"$bin/checkraw" -q /tmp/capture

step "5. raw2pcap converts, compare.py checks against what was sent"
"$bin/raw2pcap" -q /tmp/capture "$RESULTS/captured.pcap"
python3 "$M/compare.py" "$RESULTS/sent.pcap" "$RESULTS/captured.pcap" --name "captured = sent" | sed 's/^/   /'
cp -r /tmp/capture "$RESULTS/raw"

step "6. the module's counters for the queue"
sed 's/^/   /' /sys/class/hpcap/hpcap_0_0/stats
echo
tshark -r "$RESULTS/captured.pcap" -c 5 -t ad 2>/dev/null | sed 's/^/   /'

# The proof in one line: sent = on disk + counted lost.
stat_of() { awk -v k="$1" '$1 == k { print $2 }' /sys/class/hpcap/hpcap_0_0/stats; }
ondisk=$("$bin/checkraw" -q /tmp/capture 2>&1 | sed -n 's/.* \([0-9][0-9]*\) frames.*/\1/p')
lost=$(($(stat_of client_lost_frames) + $(stat_of noclient_frames)))
echo
if [ "$ondisk" = "$frames" ] && [ "$lost" = 0 ]; then
	echo "demo: PASSED ($frames frames sent, $ondisk on disk, $lost lost)"
elif [ "$((ondisk + lost))" = "$frames" ]; then
	echo "demo: PASSED with losses counted ($frames frames sent, $ondisk on disk, $lost lost and counted)"
else
	echo "demo: FAILED ($frames frames sent, ${ondisk:-?} on disk, $lost counted lost: they do not add up)"
	exit 1
fi
