#!/usr/bin/env bash
# soak-guest.bash - the soak's guest half (tests/vm/soak/run-soak.bash
# boots it with two emulated 82576 NICs and QEMU's dump of the wire): the
# first NIC is a native hpcap port (jumbo on, two RSS queues), the second,
# on igb, sends with the kernel's pktgen.
#
# Traffic: SOAK_FRAMES frames (default 10,000,000) at SOAK_PPS (default
# 8000) from three pktgen devices, each with its own source MAC:
#   60 % 64-128 bytes with an 802.1Q tag, 30 % 500-1500 bytes QinQ,
#   10 % 1519-9000 bytes untagged; random UDP source ports (RSS).
# Meanwhile: a lossless hpcapdd per queue writes to $RESULTS/cap/qN; a
# lossy listener is killed with SIGKILL and restarted every 2-4 s; the
# caplen goes from 65523 to 256 halfway; memory is sampled every 20 s.
# Leaves in $RESULTS: cap/, stats-qN.txt, source-qN.txt, ethtool.txt,
# mem.txt, pktgen.txt, soak.log.  The host checks it all (soak_check.py).
set -uo pipefail
top=$PWD
. "$top/tests/lib.sh"
KO=${HPCAP_KO:-$top/build/kmod/$(uname -r)/hpcap.ko}
BIN=$top/${BUILD:-build}/bin
TB=$top/${BUILD:-build}/tests-vm
CAP=0000:00:04.0
read -r _ SEND_IF <<<"${VM_NIC_IFACES:-eth0 eth1}"
frames=${SOAK_FRAMES:-10000000}
pps=${SOAK_PPS:-8000}
R=$RESULTS
log() { echo "soak: $(date +%T) $*" | tee -a "$R/soak.log"; }

ipv6_off
ip link set "$SEND_IF" mtu 9000 up
insmod "$KO" ports=$CAP nrxq=2 jumbo=1 buf_size=$((64 << 20)) file_size=$((64 << 20)) poll_idle_us=20 ||
	{ log "insmod failed"; exit 1; }
echo hpcap > /sys/bus/pci/devices/$CAP/driver_override
[ -e /sys/bus/pci/devices/$CAP/driver ] && echo $CAP > /sys/bus/pci/devices/$CAP/driver/unbind
echo $CAP > /sys/bus/pci/drivers_probe
ip link set hpcap0 up
for _ in $(seq 100); do [ "$(cat /sys/class/net/hpcap0/carrier)" = 1 ] && break; sleep 0.1; done
dst=$(cat /sys/class/net/hpcap0/address)

mkdir -p "$R/cap/q0" "$R/cap/q1"
"$BIN/hpcapdd" -q 0 0 "$R/cap/q0" 2>"$R/hpcapdd-q0.log" & DD0=$!
"$BIN/hpcapdd" -q 0 1 "$R/cap/q1" 2>"$R/hpcapdd-q1.log" & DD1=$!

memsample() { # time MemAvailable Slab VmallocUsed (kB)
	awk -v t="$(date +%s)" '$1 == "MemAvailable:" { a = $2 } $1 == "Slab:" { s = $2 }
		$1 == "VmallocUsed:" { v = $2 } END { print t, a, s, v }' /proc/meminfo >> "$R/mem.txt"
}
( while [ ! -e /tmp/soak-stop ]; do memsample; sleep 20; done ) & MEM=$!
# A lossy listener, killed without warning every 2-4 s and started again.
( n=0; while [ ! -e /tmp/soak-stop ]; do
	timeout -s KILL $((2 + RANDOM % 3)) "$TB/listener" --lossy 0 0 >/dev/null 2>&1
	n=$((n + 1)); echo "$n" > /tmp/soak-lossy-runs
done ) & LOSSY=$!
sleep 1

# pktgen: three devices on the sending port, one thread.
modprobe pktgen
pg() { echo "$2" > "/proc/net/pktgen/$1" || log "pktgen $1: '$2' refused"; }
pg kpktgend_0 rem_device_all
na=$((frames * 6 / 10)); nb=$((frames * 3 / 10)); nc=$((frames - na - nb))
i=0
for spec in "$na 64 128 100 -" "$nb 500 1500 300 200" "$nc 1519 9000 - -"; do
	read -r count lo hi vlan svlan <<<"$spec"
	i=$((i + 1))
	dev=$SEND_IF@$i
	pg kpktgend_0 "add_device $dev"
	pg "$dev" "count $count"
	pg "$dev" "min_pkt_size $lo"
	pg "$dev" "max_pkt_size $hi"
	pg "$dev" "flag TXSIZE_RND"
	pg "$dev" "flag UDPSRC_RND"
	pg "$dev" "udp_src_min 1024"
	pg "$dev" "udp_src_max 65000"
	pg "$dev" "dst_mac $dst"
	pg "$dev" "src_mac 02:00:00:00:0a:0$i"
	pg "$dev" "dst 10.0.0.1"
	pg "$dev" "ratep $((pps * count / frames))"
	[ "$vlan" = - ] || pg "$dev" "vlan_id $vlan"
	[ "$svlan" = - ] || pg "$dev" "svlan_id $svlan"
done

half=$((frames / pps / 2))
( sleep "$half"; for f in /sys/class/hpcap/hpcap_0_*/caplen; do echo 256 > "$f"; done
  log "caplen 256 on every queue" ) & CAPLEN=$!
log "sending $frames frames at $pps/s ($na small VLAN, $nb QinQ, $nc jumbo)"
start=$(date +%s)
# pktgen stops every device as soon as the writer of "start" has a signal
# pending, and this shell gets SIGCHLD when the caplen job above ends:
# write it from a process with no children of its own.
sh -c 'echo start > /proc/net/pktgen/pgctrl'
log "pktgen done after $(($(date +%s) - start)) s"
for i in 1 2 3; do cat "/proc/net/pktgen/$SEND_IF@$i"; done > "$R/pktgen.txt"
wait $CAPLEN
sleep 3

touch /tmp/soak-stop
wait $LOSSY $MEM
kill -INT $DD0 $DD1
wait $DD0; s0=$?
wait $DD1; s1=$?
log "hpcapdd exit status $s0 $s1; lossy listener runs $(cat /tmp/soak-lossy-runs 2>/dev/null)"
for q in 0 1; do
	cat /sys/class/hpcap/hpcap_0_$q/stats > "$R/stats-q$q.txt"
	cat /sys/class/hpcap/hpcap_0_$q/source_stats > "$R/source-q$q.txt"
done
ethtool -S hpcap0 > "$R/ethtool.txt"
ip link set hpcap0 down
echo $CAP > /sys/bus/pci/drivers/hpcap/unbind
rmmod hpcap
sync; echo 3 > /proc/sys/vm/drop_caches
memsample
log "oops/warnings in the kernel log: $(dmesg | grep -cE 'WARNING|BUG|Oops|general protection')"
