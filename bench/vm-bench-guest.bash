#!/usr/bin/env bash
# vm-bench-guest.bash - inside the QEMU guest (see run-capture-bench.bash):
# 1) storage path: synthetic source -> hpcapdd -> ext4 on a virtio disk,
#    next to dd oflag=direct writing the same volume to the same disk;
# 2) capture loss: the generic source + hpcapdd and tcpdump (AF_PACKET)
#    capturing the same veth traffic at the same offered rate.
# Prints "key value" lines that the host turns into a table.
set -uo pipefail
top=$PWD
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"	# ipv6_off

bin=$top/${BUILD:-build}/bin
M=$top/tests/vm/module
vol_mb=${VOL_MB:-512}
frames=${FRAMES:-20000}
pps=${PPS:-0}
KO=$top/build/kmod/$(uname -r)/hpcap.ko
ipv6_off
modprobe virtio_blk 2>/dev/null
modprobe veth
modprobe ext4 2>/dev/null

secs() { date +%s.%N; }

# ---- 1. storage path
if [ -b /dev/vda ]; then
	mkfs.ext4 -q -F /dev/vda && mkdir -p /mnt/disk && mount /dev/vda /mnt/disk
	sync
	t0=$(secs)
	dd if=/dev/zero of=/mnt/disk/dd.bin bs=1M count="$vol_mb" oflag=direct status=none
	sync
	t1=$(secs)
	echo "dd_seconds $(echo "$t1 - $t0" | bc)"
	rm -f /mnt/disk/dd.bin; sync
	insmod "$KO"
	echo "synth syn0 sizes=1500 bufsize=64M filesize=64M" > /sys/class/hpcap/attach
	mkdir -p /mnt/disk/cap
	files=$((vol_mb / 64))
	t0=$(secs)
	"$bin/hpcapdd" -q --max-files "$files" 0 0 /mnt/disk/cap 2> /tmp/dd.log
	sync
	t1=$(secs)
	echo "hpcapdd_seconds $(echo "$t1 - $t0" | bc)"
	echo "hpcapdd_bytes $(du -sb /mnt/disk/cap | cut -f1)"
	echo "hpcapdd_files $(find /mnt/disk/cap -name '*.raw' | wc -l)"
	"$bin/checkraw" -q /mnt/disk/cap >/dev/null 2>&1 && echo "hpcapdd_checkraw ok" || echo "hpcapdd_checkraw FAIL"
	grep -o '[0-9]* frames lost' /tmp/dd.log | sed 's/ frames lost//; s/^/synth_lost /'
	echo syn0 > /sys/class/hpcap/detach
	rmmod hpcap
	umount /mnt/disk
fi

# ---- 2. capture loss at the same offered rate
ip netns add peer
ipv6_off --netns peer
ip link add va type veth peer name vb
ip link set vb netns peer
ip link set va up
ip netns exec peer ip link set vb up
send() { ip netns exec peer python3 "$M/send_frames.py" vb --count "$frames" --sizes imix --pps "$pps" --pcap "$1"; }

insmod "$KO" buf_size=$((32 << 20))
echo va > /sys/class/hpcap/attach
mkdir -p /tmp/h
"$bin/hpcapdd" -q 0 0 /tmp/h 2>/dev/null & d=$!
sleep 0.5
send /tmp/sent-h.pcap > /tmp/send-h.txt
sleep 1
kill -INT $d; wait $d
"$bin/raw2pcap" -q /tmp/h /tmp/h.pcap
echo "send_hpcap $(cat /tmp/send-h.txt)"
python3 "$M/compare.py" /tmp/sent-h.pcap /tmp/h.pcap --allow-missing "$frames" --name hpcap | sed 's/^/hpcap_result /'
echo "hpcap_captured $(tshark -r /tmp/h.pcap 2>/dev/null | wc -l)"
echo va > /sys/class/hpcap/detach
rmmod hpcap

tcpdump -Z root -q -i va -w /tmp/t.pcap --time-stamp-precision=nano 2> /tmp/tcpdump.log & t=$!
sleep 2
send /tmp/sent-t.pcap > /tmp/send-t.txt
sleep 1
kill -INT $t; wait $t
echo "send_tcpdump $(cat /tmp/send-t.txt)"
editcap -F pcap /tmp/t.pcap /tmp/t2.pcap 2>/dev/null
python3 "$M/compare.py" /tmp/sent-t.pcap /tmp/t2.pcap --allow-missing "$frames" --name tcpdump | sed 's/^/tcpdump_result /'
echo "tcpdump_captured $(tshark -r /tmp/t.pcap 2>/dev/null | wc -l)"
grep -E 'dropped' /tmp/tcpdump.log | sed 's/^/tcpdump_says /'
echo "frames_sent $frames"
