#!/usr/bin/env bash
# vm-x599-guest.bash - the install path on hpcap's emulated Intel 82599
# (tests/ops/run-ops-tests.bash --x599 boots it: the model at 00:05.0 on
# the same wire as two igb NICs, QEMU dumping the model's port). As an
# operator would: a params.cfg with the 82599 in mode 2 and two RSS queues,
# install_hpcap.bash, hpcap-capture on each queue, hpcap-status under
# traffic, --uninstall back to ixgbe; then the same port in mode 3 (its
# buffer in hugepages). Every capture is compared here with what was sent
# and, on the host, with QEMU's dump of the wire (the .src/-got.pcap pairs
# left in the results).
set -uo pipefail
top=$PWD
. "$top/tests/lib.sh"
t_init ops-x599
BUILD=${BUILD:-build-ops}
W=$T_TMP
R=${RESULTS:-$W}
M=$top/tests/vm/module
export PATH=/usr/local/sbin:/usr/local/bin:$PATH
X_PCI=0000:00:05.0
read -r _ SEND_IF <<<"${VM_NIC_IFACES:-eth0 eth1}"
ipv6_off

drv() { basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null; }
stat_q() { awk -v k="$2" '$1 == k { print $2 }' "/sys/class/hpcap/hpcap_0_$1/stats" 2>/dev/null; }
wait_carrier() {
	for _ in $(seq 100); do [ "$(cat "/sys/class/net/$1/carrier" 2>/dev/null)" = 1 ] && return 0; sleep 0.1; done
	return 1
}
# json EXPR over $W/st.json (j: the object; i(name): that interface)
json() {
	python3 - "$W/st.json" "$1" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
def i(n):
    return next(x for x in j["interfaces"] if x["iface"] == n)
print(eval(sys.argv[2]))
PY
}
# send NAME MAC-SUFFIX [send_frames options]: frames recorded in NAME-sent.pcap
# (on one CPU: igb picks its TX queue by CPU, two queues could reorder)
send() {
	local name=$1 mac=02:00:00:00:05:$2
	shift 2
	echo "$mac" >"$R/$name.src"
	taskset -c 0 python3 "$M/send_frames.py" "$SEND_IF" --src "$mac" --pcap "$W/$name-sent.pcap" "$@" >/dev/null
}
# wait_frames N QUEUES: until the queues together received N frames (2 min)
wait_frames() {
	local n=$1 q sum
	shift
	for _ in $(seq 1200); do
		sum=0
		for q in "$@"; do sum=$((sum + $(stat_q "$q" rx_frames || echo 0))); done
		[ "$sum" -ge "$n" ] && return 0
		sleep 0.1
	done
	return 1
}
# captured NAME DIR [compare options]: every file valid, capture = sent
captured() {
	local name=$1 dir=$2 line
	shift 2
	t_run "$name: checkraw on every file" 0 checkraw -q "$dir"
	raw2pcap -q "$dir" "$W/$name-got.pcap" 2>/dev/null
	cp "$W/$name-got.pcap" "$R/"
	echo "$*" >"$R/$name.opts"
	line=$(python3 "$M/compare.py" "$W/$name-sent.pcap" "$W/$name-got.pcap" \
		--src "$(cat "$R/$name.src")" --name "$name: capture = sent" "$@")
	case "$line" in ok*) t_ok "${line#ok   }" ;; *) t_fail "${line#fail }" "see $R/$name-got.pcap" ;; esac
}
tick() { echo "--- ops-x599: $1 ($(uname -r), ${SECONDS} s)"; }

# ixgbe probes the model in the background of the boot: up to 60 s
modprobe ixgbe 2>/dev/null
for _ in $(seq 600); do
	[ "$(drv $X_PCI)" = ixgbe ] && [ -d "/sys/bus/pci/devices/$X_PCI/net" ] && break
	sleep 0.1
done
if [ "$(drv $X_PCI)" != ixgbe ] || [ ! -d "/sys/bus/pci/devices/$X_PCI/net" ]; then
	t_fail "the 82599 model at $X_PCI has an ixgbe interface" \
		"driver '$(drv $X_PCI)', device $([ -e "/sys/bus/pci/devices/$X_PCI" ] && echo present || echo absent) (boot with --x599 1)"
	t_done
	exit 1
fi
X_IF=$(ls "/sys/bus/pci/devices/$X_PCI/net")
X_MAC=$(cat "/sys/class/net/$X_IF/address")
ip link set "$SEND_IF" up

tick "make install"
t_run "make install (into the guest's overlay)" 0 make -s -C "$top" install BUILD="$BUILD"

tick "mode 2, two RSS queues"
cat >"$W/params.cfg" <<EOF
# the 82599 model captured natively on two queues, igb sends
ifs="$X_IF $SEND_IF"
nif=2
mode0=2
core0=0
nrxq0=2
bufsize0=4M
mode1=1
filesize=1M
poll_idle_us=1000
capture_dir=$W/capture
monitor_enabled=0
EOF
cp "$W/params.cfg" "$R/params.cfg"
t_run "install --check" 0 "$top/install_hpcap.bash" --check -c "$W/params.cfg"
t_grep "install --check: the 82599 in mode 2 on two queues" "mode 2: hpcap0, 2 queue\\(s\\) polled on core\\(s\\) 0" "$T_OUT"
t_run "install_hpcap.bash" 0 "$top/install_hpcap.bash" -c "$W/params.cfg"
echo "$T_OUT" >"$R/install-mode2.txt"
t_eq "$X_PCI bound to hpcap" hpcap "$(drv $X_PCI)"
t_eq "it is hpcap0, with $X_IF's MAC" "$X_MAC" "$(cat /sys/class/net/hpcap0/address 2>/dev/null)"
t_eq "hpcap0 has carrier" 0 "$(wait_carrier hpcap0; echo $?)"
t_grep "ethtool: 10 Gb/s" "Speed: 10000Mb/s" "$(ethtool hpcap0 2>&1)"
t_eq "a device per queue" "/dev/hpcap_0_0 /dev/hpcap_0_1" "$(echo /dev/hpcap_0_*)"
t_eq "poll threads on cores 0 and 1" "0 1" "$(for q in 0 1; do ps -o psr= -p "$(pgrep -x hpcap0_rx$q)" | tr -d ' '; done | paste -sd' ' -)"
t_eq "$SEND_IF left to igb" igb "$(drv 0000:00:08.0)"

mkdir -p "$W/capture"
CAPS=()
for q in 0 1; do
	hpcap-capture -c "$W/params.cfg" "0_$q" >"$W/capture-$q.log" 2>&1 & CAPS+=($!)
done
for _ in $(seq 100); do
	[ "$(stat_q 0 listeners)$(stat_q 1 listeners)" = 11 ] && break
	sleep 0.1
done
t_eq "hpcap-capture: one listener per queue" 11 "$(stat_q 0 listeners)$(stat_q 1 listeners)"
send mode2 01 --count 4000 --sizes 60-1514 --flows 64 --pps 1000 --seed 51
wait_frames 4000 0 1
hpcap-status --json -i 1 >"$W/st.json"
cp "$W/st.json" "$R/status-mode2.json"
t_eq "status: hpcap0 counted every frame (4000)" True "$(json 'i("hpcap0")["rx_frames"] >= 4000')"
t_eq "status: no loss of any cause" 0 "$(json 'i("hpcap0")["lost_total"]')"
t_eq "status: a listener on each queue" "[1, 1]" "$(json '[q["listeners"] for q in i("hpcap0")["queues"]]')"
t_eq "RSS: both queues received flows" yes "$([ "$(stat_q 0 rx_frames)" -gt 0 ] && [ "$(stat_q 1 rx_frames)" -gt 0 ] && echo yes || echo "no ($(stat_q 0 rx_frames)/$(stat_q 1 rx_frames))")"
kill -INT "${CAPS[@]}"
wait "${CAPS[@]}"
cat "$W"/capture-*.log >"$R/capture-mode2.log"
captured mode2 "$W/capture" --flows

tick "uninstall"
t_run "install_hpcap.bash --uninstall" 0 "$top/install_hpcap.bash" --uninstall
t_eq "$X_PCI back on ixgbe" ixgbe "$(drv $X_PCI)"
back=$(ls "/sys/bus/pci/devices/$X_PCI/net" 2>/dev/null)
t_eq "its interface is back with its MAC" "$X_MAC" "$(cat "/sys/class/net/$back/address" 2>/dev/null)"
t_eq "module unloaded" 0 "$(lsmod | awk '$1 == "hpcap"' | wc -l)"
# (promiscuous: the test frames are not addressed to the model's MAC)
ip link set "$back" promisc on up
# ixgbe's link comes up from its watchdog, after the SFP+ is identified
for _ in 1 2 3; do wait_carrier "$back" && break; done
t_eq "ixgbe has the link again" 1 "$(cat "/sys/class/net/$back/carrier" 2>/dev/null)"
rx0=$(cat "/sys/class/net/$back/statistics/rx_packets")
send back 02 --count 300 --sizes 100 --pps 1000 --seed 52
for _ in $(seq 50); do
	rx=$(($(cat "/sys/class/net/$back/statistics/rx_packets") - rx0))
	[ "$rx" -ge 300 ] && break
	sleep 0.2
done
t_eq "ixgbe receives on it again (300 frames)" yes "$([ "$rx" -ge 300 ] && echo yes || echo "no ($rx; $(dmesg | grep "$X_PCI" | tail -2 | tr '\n' ' '))")"

tick "mode 3 (hugepages)"
sed -e 's/^mode0=2/mode0=3/' -e 's/^nrxq0=2/nrxq0=1/' -e 's/^bufsize0=4M/hugesize0=4M/' \
	-e 's/^ifs=.*/ifs="'"$back $SEND_IF"'"/' "$W/params.cfg" >"$W/mode3.cfg"
cp "$W/mode3.cfg" "$R/mode3.cfg"
t_run "install_hpcap.bash (mode 3)" 0 "$top/install_hpcap.bash" -c "$W/mode3.cfg"
echo "$T_OUT" >"$R/install-mode3.txt"
t_eq "mode 3: $X_PCI is hpcap0 again" "hpcap $X_MAC" "$(drv $X_PCI) $(cat /sys/class/net/hpcap0/address 2>/dev/null)"
t_eq "mode 3: a 4 MiB buffer in 2 MiB pages" "4194304 1" "$(cat /sys/class/hpcap/hpcap_0_0/buf_size 2>/dev/null) $(cut -d, -f1 /sys/module/hpcap/parameters/huge 2>/dev/null)"
wait_carrier hpcap0
rm -rf "$W/capture"
mkdir -p "$W/capture"
hpcap-capture -c "$W/mode3.cfg" 0_0 >"$W/capture-m3.log" 2>&1 &
CAP=$!
for _ in $(seq 100); do [ "$(stat_q 0 listeners)" = 1 ] && break; sleep 0.1; done
send mode3 03 --count 2000 --sizes 60-1514 --pps 1000 --seed 53
wait_frames 2000 0
hpcap-status --json -i 1 >"$W/st.json"
cp "$W/st.json" "$R/status-mode3.json"
t_eq "mode 3 status: no loss" 0 "$(json 'i("hpcap0")["lost_total"]')"
kill -INT "$CAP"
wait "$CAP"
captured mode3 "$W/capture"
t_run "--uninstall (mode 3)" 0 "$top/install_hpcap.bash" --uninstall
t_eq "... back on ixgbe" ixgbe "$(drv $X_PCI)"
t_eq "... hugepages given back" 0 "$(awk '/^HugePages_Total/ { print $2 }' /proc/meminfo)"
t_eq "no kernel warning or bug" 0 "$(dmesg | grep -cE 'WARNING|BUG|Oops|general protection')"
t_done
