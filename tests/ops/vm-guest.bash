#!/usr/bin/env bash
# vm-guest.bash - the operations scripts end to end, inside a QEMU guest
# with two emulated Intel 82576 NICs on one wire (tests/ops/run-ops-tests.bash
# boots it): make install, bad configurations refused without a change,
# install_hpcap.bash from a sample config (eth0 native, eth1 standard, a veth
# in drop mode), run twice, hpcap-status under traffic, with a stopped and
# without a client, the monitor logs, parse-hpcap-log, the Prometheus export,
# diagnostics, wake_standard_iface.bash, multicast joins, systemd-analyze
# verify of the installed units, --uninstall back to igb, and HPCAP's own
# params.cfg (Appendix A style: ";", hpcapN/xgbN, pages with hugesize)
# installed and uninstalled.
set -uo pipefail
top=$PWD
. "$top/tests/lib.sh"
t_init ops-vm
BUILD=${BUILD:-build-ops}
W=$T_TMP
R=${RESULTS:-$W}
M=$top/tests/vm/module
export PATH=/usr/local/sbin:/usr/local/bin:$PATH
CAP_PCI=0000:00:04.0
read -r CAP_IF SEND_IF <<<"${VM_NIC_IFACES:-eth0 eth1}"
CAP_MAC=52:54:00:00:00:01
LOGS=/tmp/hpcap-logs
ipv6_off

drv() { basename "$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null)" 2>/dev/null; }
ethstat() { ethtool -S "$1" | awk -v k="$2:" '$1 == k { print $2 }'; }
monpids() { cat /run/hpcap/monitor-*.pid 2>/dev/null | sort | paste -sd' ' -; }
state() {
	echo "mod=$(lsmod | awk '$1 == "hpcap"' | wc -l) drv=$(drv $CAP_PCI) if=$(cat /sys/class/net/hpcap0/ifindex 2>/dev/null)"
	cat /sys/class/hpcap/adapters 2>/dev/null
	echo "monitors=$(monpids)"
	cat /sys/module/hpcap/parameters/core 2>/dev/null
}
# json EXPR: evaluate a Python expression over the JSON in $W/st.json
# (j: the object; i(name): that interface's entry)
json() {
	python3 - "$W/st.json" "$1" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
def i(n):
    return next(x for x in j["interfaces"] if x["iface"] == n)
print(eval(sys.argv[2]))
PY
}
send() { # send SRC-SUFFIX COUNT PPS SIZES [IFACE] (exec: "send ... &" gives python's pid)
	exec python3 "$M/send_frames.py" "${5:-$SEND_IF}" --src "02:00:00:00:01:$1" --count "$2" --pps "$3" --sizes "$4" >/dev/null
}
wait_carrier() {
	for _ in $(seq 60); do [ "$(cat "/sys/class/net/$1/carrier" 2>/dev/null)" = 1 ] && return 0; sleep 0.1; done
	return 1
}

tick() { echo "--- ops: $1 ($(uname -r), ${SECONDS} s)"; }
tick "make install"
t_run "make install (PREFIX=/usr/local, into the guest's overlay)" 0 make -s -C "$top" install BUILD="$BUILD"
[ "$T_OUT" ] && echo "$T_OUT" | tail -3
for f in /usr/local/sbin/install_hpcap.bash /usr/local/sbin/launch-hpcap-monitors /usr/local/sbin/wake_standard_iface.bash \
	/usr/local/bin/hpcap-status /usr/local/bin/parse-hpcap-log /usr/local/bin/hpcapdd /usr/local/share/hpcap/hpcap-lib.bash \
	/etc/hpcap/params.cfg /usr/local/lib/systemd/system/hpcap.service /usr/local/lib/systemd/system/hpcap-capture@.service \
	/etc/udev/rules.d/99-hpcap.rules /usr/src/hpcap-0.1.0/dkms.conf /usr/src/hpcap-0.1.0/Kbuild \
	/usr/local/share/man/man8/install_hpcap.8 /usr/local/include/libhpcap_live.h; do
	t_eq "installed: $f" yes "$([ -e "$f" ] && echo yes || echo no)"
done
t_grep "installed scripts know where their library is" "/usr/local/share/hpcap/hpcap-lib.bash" "$(grep -h 'share/hpcap/hpcap-lib.bash' /usr/local/bin/hpcap-status)"
t_eq "group hpcap created for the udev rule" 1 "$(getent group hpcap | wc -l)"
units=(hpcap.service hpcap-capture@0_0.service hpcap-weekday@0_0.service hpcap-weekday@0_0.timer hpcap-mcast@eth1.service hpcap-prometheus.service hpcap-prometheus.timer)
# (hpcap-xdp is only built, and installed, where libxdp is)
[ -x /usr/local/bin/hpcap-xdp ] && units+=(hpcap-xdp@eth1.service)
t_run "systemd-analyze verify of the installed units (man pages included)" 0 \
	env SYSTEMD_LOG_LEVEL=notice systemd-analyze verify "${units[@]}"
[ -z "$T_OUT" ] || echo "$T_OUT" | head -5

tick "configuration"
modprobe veth
ip link add vcap0 type veth peer name vpeer0
ip link set vpeer0 up
cat >"$W/params.cfg" <<EOF
# the VM's configuration: eth0 captured by the native driver, eth1 left
# to igb (it sends), vcap0 (a veth) captured in drop mode
ifs="$CAP_IF $SEND_IF vcap0"
nif=3
mode0=2
core0=1
nrxq0=1
bufsize0=4M
mode1=1
mode2=drop
nrxq2=1
bufsize2=2M
caplen2=0
filesize=1M
poll_idle_us=1000
capture_dir=$W/capture
monitor_enabled=1
monitor_interval=1
monitor_core=0
monitor_basedir=$LOGS
hugetlbfs_dir=/tmp/huge
hugepages_reserve=4
EOF
cp "$W/params.cfg" "$R/params.cfg"

# bad CFG-EDIT EXPECTED-MESSAGE: a broken copy of the config is refused,
# with that message, and nothing changes
bad() {
	local name=$1 edit=$2 want=$3 before
	sed "$edit" "$W/params.cfg" >"$W/bad.cfg"
	before=$(state)
	t_run "bad config ($name) refused" 1 install_hpcap.bash -c "$W/bad.cfg"
	t_grep "bad config ($name): the message" "$want" "$T_OUT"
	t_eq "bad config ($name): nothing changed" "$before" "$(state)"
}
# Every kind of mistake and its exact message is in the host tests
# (tests/ops/bad-configs.txt); here: that nothing changes, on a real machine,
# before and after install.
bad "unknown key" '$a colour=blue' "bad.cfg:[0-9]+: colour=blue: unknown key; allowed: ifs, nif"
bad "interface not present" "s/^ifs=.*/ifs=\"$CAP_IF eth9 vcap0\"/" "ifs=$CAP_IF eth9 vcap0: eth9: no such network interface"
bad "buffer over memory" 's/^bufsize0=4M/bufsize0=64G/' "bufsize0=64G: 1 queue\\(s\\) x 64 GiB bring the capture buffers and hugepages_reserve to .*, more than the .* this machine can spare"
t_eq "no module loaded after the bad configs" 0 "$(lsmod | awk '$1 == "hpcap"' | wc -l)"
t_eq "$CAP_IF still on igb after the bad configs" igb "$(drv $CAP_PCI)"
t_run "install --check: valid, nothing changed" 0 install_hpcap.bash --check -c "$W/params.cfg"
t_grep "install --check prints the plan" "mode 2: hpcap0, 1 queue\\(s\\) polled on core\\(s\\) 1" "$T_OUT"

tick "install"
t_run "install_hpcap.bash from the sample" 0 "$top/install_hpcap.bash" -c "$W/params.cfg"
echo "$T_OUT" >"$R/install.txt"
echo "$T_OUT" | sed 's/^/    /' | head -30
t_eq "$CAP_PCI bound to hpcap" hpcap "$(drv $CAP_PCI)"
t_eq "it is hpcap0, with eth0's MAC" "$CAP_MAC" "$(cat /sys/class/net/hpcap0/address 2>/dev/null)"
t_eq "hpcap0 up with carrier" 1 "$(cat /sys/class/net/hpcap0/carrier 2>/dev/null)"
t_eq "IPv6 kept off hpcap0" 1 "$(cat /proc/sys/net/ipv6/conf/hpcap0/disable_ipv6 2>/dev/null)"
t_eq "poll thread hpcap0_rx0 on core 1" 1 "$(ps -o psr= -p "$(pgrep -x hpcap0_rx0)" 2>/dev/null | tr -d ' ')"
t_eq "$SEND_IF left to igb" igb "$(drv 0000:00:08.0)"
t_eq "adapters: hpcap0 native, vcap0 drop as adapter 2" "0 hpcap0 native 1 65523
2 vcap0 generic-drop 1 65523" "$(cat /sys/class/hpcap/adapters)"
t_eq "device nodes" "/dev/hpcap_0_0 /dev/hpcap_2_0" "$(echo /dev/hpcap_[0-9]*)"
t_eq "buffers as configured" "4194304 2097152" "$(cat /sys/class/hpcap/hpcap_0_0/buf_size /sys/class/hpcap/hpcap_2_0/buf_size | paste -sd' ' -)"
t_eq "file size as configured" 1048576 "$(cat /sys/class/hpcap/hpcap_0_0/file_size)"
t_eq "vcap0 in promiscuous mode" 1 "$(($(cat /sys/class/net/vcap0/flags) >> 8 & 1))"
t_eq "hugetlbfs mounted at /tmp/huge" 1 "$(awk '$2 == "/tmp/huge" && $3 == "hugetlbfs"' /proc/mounts | wc -l)"
t_eq "4 hugetlbfs pages reserved" 4 "$(awk '/^HugePages_Total/ { print $2 }' /proc/meminfo)"
t_eq "monitors running: hpcap0, vcap0, cpus" 3 "$(for p in $(monpids); do [ -d /proc/$p ] && echo; done | wc -l)"
t_eq "monitors pinned to monitor_core 0" 0 "$(taskset -pc "$(cat /run/hpcap/monitor-hpcap0.pid)" | awk '{ print $NF }')"
t_eq "node group from the udev-less guest stays root (rule installed)" 1 "$(grep -c 'GROUP="hpcap"' /etc/udev/rules.d/99-hpcap.rules)"

before=$(state)
t_run "install_hpcap.bash a second time" 0 "$top/install_hpcap.bash" -c "$W/params.cfg"
t_grep "second run: monitors left alone" "monitors already running" "$T_OUT"
t_eq "second run changed nothing (binding, adapters, monitors, cores)" "$before" "$(state)"

tick "bad configurations with hpcap installed"
bad "core out of range" 's/^core0=1/core0=2/' "bad.cfg:[0-9]+: core0=2: out of range: this machine has 2 online CPUs; allowed: -1 \\(the last cores\\) or 0 to 1"
bad "buffer over memory" 's/^bufsize0=4M/bufsize0=64G/' "bufsize0=64G: 1 queue\\(s\\) x 64 GiB bring the capture buffers to .*, more than the .* this machine can spare"
bad "native mode on a veth" 's/^mode2=drop/mode2=2/' "mode2=2: vcap0 is not a PCI network port; allowed: xdp, mirror or drop"
bad "monitor on a poll core" 's/^monitor_core=0/monitor_core=1/' "monitor_core=1: core 1 polls interface 0 \\($CAP_IF\\) queue 0"
t_eq "still installed after the bad configs" "$before" "$(state)"

tick "status under traffic"
wait_carrier hpcap0
mkdir -p "$W/capture"
hpcap-capture -c "$W/params.cfg" 0_0 >"$W/capture.log" 2>&1 &
CAPPID=$!
for _ in $(seq 100); do
	[ "$(awk '$1 == "listeners" { print $2 }' /sys/class/hpcap/hpcap_0_0/stats)" = 1 ] && break
	sleep 0.1
done
t_eq "hpcap-capture runs hpcapdd as a listener of queue 0" 1 "$(awk '$1 == "listeners" { print $2 }' /sys/class/hpcap/hpcap_0_0/stats)"
send 01 3000 1000 60-1514 &
SPID=$!
send 02 3000 1000 64-1400 vpeer0 &
VPID=$!
# python starts slowly under emulation: wait for the traffic itself
for _ in $(seq 150); do
	[ "$(awk '$1 == "rx_frames" { print $2 }' /sys/class/hpcap/hpcap_0_0/stats)" -ge 300 ] &&
		[ "$(awk '$1 == "rx_frames" { print $2 }' /sys/class/hpcap/hpcap_2_0/stats)" -ge 300 ] && break
	sleep 0.1
done
# The counters read just before and just after hpcap-status: the window
# its rate covers lies between them, so rate x interval, taken back from
# the total it reports, must land between the two readings.
c0=$(awk '$1 == "rx_frames" { print $2 }' /sys/class/hpcap/hpcap_0_0/stats)
hpcap-status --json -i 1 >"$W/st.json"
c1=$(awk '$1 == "rx_frames" { print $2 }' /sys/class/hpcap/hpcap_0_0/stats)
cp "$W/st.json" "$R/status-traffic.json"
wait $SPID $VPID
t_eq "status JSON: two interfaces" "['hpcap0', 'vcap0']" "$(json '[x["iface"] for x in j["interfaces"]]')"
t_eq "status: hpcap0 receives (rx_pps > 0)" True "$(json 'i("hpcap0")["rx_pps"] > 0')"
t_eq "status: hpcap0 rate x interval = frames counted in its window ($c0 <= start, end <= $c1)" True \
	"$(json "(lambda x: $c0 - 2 <= x['rx_frames'] - round(x['rx_pps'] * x['interval']) <= x['rx_frames'] <= $c1)(i('hpcap0'))")"
t_eq "status: bits/s = 8 x bytes/s of the same window (average frame 60-1514 B)" True \
	"$(json "(lambda x: 60 * 8 * x['rx_pps'] * 0.95 <= x['rx_bps'] <= 1514 * 8 * x['rx_pps'] * 1.05)(i('hpcap0'))")"
t_eq "status: hpcap0 flags L--- (link, a client, no loss)" "L---" "$(json 'i("hpcap0")["flags"]')"
t_eq "status: hpcap0 no loss" 0 "$(json 'i("hpcap0")["lost_total"]')"
t_eq "status: hpcap0 one listener on queue 0" 1 "$(json 'i("hpcap0")["queues"][0]["listeners"]')"
t_eq "status: vcap0 receives too" True "$(json 'i("vcap0")["rx_pps"] > 0')"
t_eq "status: vcap0 flags L-D- (no client)" "L-D-" "$(json 'i("vcap0")["flags"]')"
t_eq "status: vcap0 losses all for want of a client" True "$(json 'i("vcap0")["lost_pps"]["noclient"] > 0 and i("vcap0")["lost_pps"]["buffer"] == 0 and i("vcap0")["lost_pps"]["nic"] == 0')"
t_eq "status: vcap0 loss 100% of what arrived" "100.0" "$(json 'round(i("vcap0")["lost_pct"], 1)')"
t_eq "status: hugepage state" "4 /tmp/huge" "$(json 'str(j["hugepages"]["total"]) + " " + j["hugepages"]["mounts"]')"
sleep 1
t_eq "every frame sent reached the capture (rx_hpcap_captured_frames)" 3000 "$(ethstat hpcap0 rx_hpcap_captured_frames)"
t_run "hpcap-status --once (the table)" 0 hpcap-status --once -i 0.5
echo "$T_OUT" >"$R/status-once.txt"
t_grep "table: a line for hpcap0 with its flags" "^0 +hpcap0 +L--- " "$T_OUT"
t_grep "table: hugepage line" "^hugepages: 4 of 4 free .*hugetlbfs: /tmp/huge" "$T_OUT"

tick "a stopped client"
kill -STOP "$CAPPID"
send 03 5000 1250 1400 &
SPID=$!
# The buffer (4 MiB) fills after ~3000 of these frames: then losses begin.
for _ in $(seq 100); do
	[ "$(awk '$1 == "client_lost_frames" { print $2 }' /sys/class/hpcap/hpcap_0_0/stats)" -gt 0 ] && break
	sleep 0.1
done
hpcap-status --json -i 1 >"$W/st.json"
cp "$W/st.json" "$R/status-stopped.json"
wait $SPID
t_eq "status: stopped client gives C (client losses)" "LC--" "$(json 'i("hpcap0")["flags"]')"
t_eq "status: losses counted as buffer (slow client) losses" True "$(json 'i("hpcap0")["lost_pps"]["buffer"] > 0 and i("hpcap0")["lost_pps"]["noclient"] == 0')"
t_eq "status: loss % above 0, at most 100" True "$(json '0 < i("hpcap0")["lost_pct"] <= 100')"
t_eq "status: time without losses back to 0" True "$(json 'i("hpcap0")["no_loss_seconds"] <= 1')"
kill -CONT "$CAPPID"
kill -INT "$CAPPID"
wait "$CAPPID"
t_eq "hpcap-capture (hpcapdd) stopped cleanly" 0 "$?"
t_run "its files pass checkraw" 0 checkraw -q "$W/capture/hpcap0_0"

tick "no client"
n0=$(awk '$1 == "noclient_frames" { print $2 }' /sys/class/hpcap/hpcap_0_0/stats)
send 04 8000 1000 200 &
SPID=$!
for _ in $(seq 150); do
	[ "$(awk '$1 == "noclient_frames" { print $2 }' /sys/class/hpcap/hpcap_0_0/stats)" -ge $((n0 + 300)) ] && break
	sleep 0.1
done
hpcap-status --json -i 1 >"$W/st.json"
cp "$W/st.json" "$R/status-noclient.json"
kill "$SPID" 2>/dev/null
wait $SPID
t_eq "status: no client gives D" "L-D-" "$(json 'i("hpcap0")["flags"]')"
t_eq "status: losses counted as no-client losses" True "$(json 'i("hpcap0")["lost_pps"]["noclient"] > 0 and i("hpcap0")["lost_pps"]["buffer"] == 0')"
t_eq "status: totals split by cause add up" True "$(json 'i("hpcap0")["lost"]["buffer"] + i("hpcap0")["lost"]["noclient"] + i("hpcap0")["lost"]["nic"] == i("hpcap0")["lost_total"]')"
sleep 2	# one more monitor line after the traffic

tick "monitor logs"
week=$(date +%G-%V)
log=$LOGS/$week/hpcap0
cp -r "$LOGS" "$R/logs" 2>/dev/null
t_eq "monitor log $LOGS/<YYYY-WW>/hpcap0 exists" yes "$([ -s "$log" ] && echo yes || echo no)"
t_eq "monitor log for vcap0 exists" yes "$([ -s "$LOGS/$week/vcap0" ] && echo yes || echo no)"
t_eq "every line is 'epoch bytes/s frames/s lost_bytes/s lost_frames/s'" 0 "$(grep -cvE '^[0-9]{10} [0-9]+ [0-9]+ [0-9]+ [0-9]+$' "$log")"
t_eq "one line per second" 0 "$(awk 'NR > 1 && $1 != p + 1 { n++ } { p = $1 } END { print n + 0 }' "$log")"
sent=$(awk '$1 == "rx_frames" { print $2 }' /sys/class/hpcap/hpcap_0_0/stats)
got=$(awk '{ s += $3 } END { print s }' "$log")
t_eq "frames/s summed over the log = frames received ($sent, within 2%)" yes "$(awk -v g="$got" -v s="$sent" 'BEGIN { print (s > 7000 && g >= 0.98 * s && g <= 1.02 * s) ? "yes" : "no (" g ")" }')"
lost_log=$(awk '{ s += $5 } END { print s }' "$log")
lost_cnt=$(($(awk '$1 ~ /_lost_frames|noclient_frames/ { s += $2 } END { print s }' /sys/class/hpcap/hpcap_0_0/stats)))
t_eq "lost frames/s summed = the queue's lost counters ($lost_cnt, within 2%)" yes "$(awk -v g="$lost_log" -v s="$lost_cnt" 'BEGIN { print (s > 0 && g >= 0.98 * s && g <= 1.02 * s) ? "yes" : "no (" g ")" }')"
vc=$(awk '$1 == "rx_frames" { print $2 }' /sys/class/hpcap/hpcap_2_0/stats)
t_eq "vcap0's log: every frame it got ($vc) was lost (no client)" yes "$(awk -v n="$vc" '{ p += $3; l += $5 } END { print (p > 0.98 * n && p < 1.02 * n && p == l) ? "yes" : "no (" p " " l ")" }' "$LOGS/$week/vcap0")"
t_grep "monitorCPUs logs the poll thread on core 1" "^[0-9]+ hpcap0_rx0\\[[0-9]+\\] 1 [0-9.]+$" "$(cat "$LOGS/$week/cpus")"
t_grep "monitorCPUs logs every core" "^[0-9]+ cpu 1 [0-9.]+$" "$(cat "$LOGS/$week/cpus")"
t_run "parse-hpcap-log on the hpcap0 log" 0 parse-hpcap-log --png "$R/hpcap0.png" "$log"
echo "$T_OUT" >"$R/parse-hpcap0.txt"
t_eq "parse-hpcap-log: packets = the log's frames" "$got" "$(awk '/^packets:/ { print $2 }' <<<"$T_OUT")"
t_grep "parse-hpcap-log: a losses period in the timeline" "losses: [0-9]+ packets" "$T_OUT"
t_eq "parse-hpcap-log: PNG written" "PNG" "$(head -c 4 "$R/hpcap0.png" | tail -c 3)"

tick "exports and tools"
t_run "hpcap-prometheus -o FILE" 0 hpcap-prometheus -o "$W/hpcap.prom"
cp "$W/hpcap.prom" "$R/"
t_grep "prometheus: captured frames of hpcap0 queue 0" "^hpcap_captured_frames_total\\{adapter=\"0\",iface=\"hpcap0\",queue=\"0\"\\} [0-9]+$" "$(cat "$W/hpcap.prom")"
t_grep "prometheus: losses by cause" "^hpcap_lost_frames_total\\{adapter=\"2\",iface=\"vcap0\",queue=\"0\",cause=\"noclient\"\\} [1-9][0-9]*$" "$(cat "$W/hpcap.prom")"
t_eq "prometheus: every sample line is name{labels} value" 0 "$(grep -v '^#' "$W/hpcap.prom" | grep -cvE '^[a-z_]+(\{[a-z]+="[^"]*"(,[a-z]+="[^"]*")*\})? [0-9]+$')"
t_eq "prometheus: each metric in one group" 0 "$(grep -v '^#' "$W/hpcap.prom" | sed 's/[{ ].*//' | uniq | sort | uniq -d | wc -l)"
t_run "hpcap-diag" 0 hpcap-diag -c "$W/params.cfg" -o "$W/diag.tar.gz"
list=$(tar tzf "$W/diag.tar.gz")
for m in module/adapters.txt module/queues.txt module/status.txt kernel/hpcap-lines.txt config/params.cfg net/ports.txt system/meminfo.txt logs/monitor-tail.txt; do
	t_grep "diagnostics archive has $m" "/$m\$" "$list"
done
t_run "wake_standard_iface.bash refuses a poll core" 1 wake_standard_iface.bash "$SEND_IF" 10.9.0.1 255.255.255.0 1
t_grep "... and says which thread polls there" "core 1 runs hpcap's poll thread\\(s\\) hpcap0_rx0" "$T_OUT"
t_run "wake_standard_iface.bash $SEND_IF 10.9.0.1 255.255.255.0 0" 0 wake_standard_iface.bash "$SEND_IF" 10.9.0.1 255.255.255.0 0
t_grep "address set" "inet 10.9.0.1/24" "$(ip -4 addr show dev "$SEND_IF")"
irqs=$(ls "/sys/class/net/$SEND_IF/device/msi_irqs")
aff=$(for q in $irqs; do cat "/proc/irq/$q/smp_affinity_list"; done | sort -u | paste -sd' ' -)
t_eq "every interrupt of $SEND_IF on core 0" 0 "$aff"
t_run "hpcap-mcast-join $SEND_IF 239.1.2.3 239.1.2.4" 0 hpcap-mcast-join "$SEND_IF" 239.1.2.3 239.1.2.4
{ ip maddr show dev "$SEND_IF"; cat /proc/net/igmp; ip -4 addr show dev "$SEND_IF"; } >"$R/mcast.txt" 2>&1
t_eq "kernel member of both groups on $SEND_IF (IGMP)" 2 "$(ip maddr show dev "$SEND_IF" | grep -cE 'inet +239\.1\.2\.[34]$')"
t_run "joining again changes nothing" 0 hpcap-mcast-join "$SEND_IF" 239.1.2.3 239.1.2.4
t_grep "... says so" "joined 0 new group" "$T_OUT"
t_run "hpcap-mcast-join refuses a drop-mode port" 1 hpcap-mcast-join vcap0 239.1.2.3
t_grep "... saying why" "drop mode: the kernel never sees the switch's IGMP queries" "$T_OUT"
t_run "hpcap-mcast-join --leave" 0 hpcap-mcast-join --leave "$SEND_IF" 239.1.2.3 239.1.2.4
t_eq "groups left" 0 "$(ip maddr show dev "$SEND_IF" | grep -cE 'inet +239\.1\.2\.[34]$')"

tick "uninstall"
t_run "install_hpcap.bash --uninstall" 0 install_hpcap.bash --uninstall
echo "$T_OUT" | sed 's/^/    /'
t_eq "port back on igb" igb "$(drv $CAP_PCI)"
back=$(ls "/sys/bus/pci/devices/$CAP_PCI/net" 2>/dev/null)
t_eq "its interface is back with its MAC" "$CAP_MAC" "$(cat "/sys/class/net/$back/address" 2>/dev/null)"
t_eq "driver_override cleared" "(null)" "$(cat /sys/bus/pci/devices/$CAP_PCI/driver_override)"
t_eq "module unloaded" 0 "$(lsmod | awk '$1 == "hpcap"' | wc -l)"
t_eq "monitors stopped" "" "$(pgrep -f 'hpcap-monitor|monitorCPUs')"
t_eq "pid files removed" "" "$(ls /run/hpcap/*.pid 2>/dev/null)"
t_eq "hugetlbfs unmounted" 0 "$(awk '$3 == "hugetlbfs" && $2 == "/tmp/huge"' /proc/mounts | wc -l)"
t_eq "hugetlbfs pages given back" 0 "$(awk '/^HugePages_Total/ { print $2 }' /proc/meminfo)"
t_eq "vcap0 out of promiscuous mode" 0 "$(($(cat /sys/class/net/vcap0/flags) >> 8 & 1))"
ip link set "$back" up
wait_carrier "$back"
send 05 200 1000 100 &
sleep 0.2
rx0=$(cat "/sys/class/net/$back/statistics/rx_packets")
wait
sleep 0.3
t_eq "igb receives on it again" yes "$([ $(($(cat "/sys/class/net/$back/statistics/rx_packets") - rx0)) -gt 100 ] && echo yes || echo no)"
t_run "--uninstall again: nothing to do" 0 install_hpcap.bash --uninstall

tick "HPCAP's own params.cfg (the User Guide's Appendix A style)"
# As HPCAP installations have it: ";" ending every line, HPCAP's names
# (hpcap0 = the first 82576 in PCI order, xgb1 the second), keys hpcap has
# no use for, pages and hugesize both for the mode-3 port.
cat >"$W/hpcap.cfg" <<EOF
nrxq=1;
ntxq=1;
use_vf=0;
consumers=1;
nif=2;
ifs=hpcap0 xgb1;
mode0=3;
mode1=1;
core0=1;
core1=0;
dup0=0;
dup1=0;
caplen0=0;
caplen1=0;
pages0=1;
pages1=1;
hugesize0=4MB;
filesize=1M;
poll_idle_us=1000;
monitor_enabled=0;
monitor_core=0;
monitor_basedir=$LOGS;
EOF
cp "$W/hpcap.cfg" "$R/hpcap.cfg"
# From the source tree, as the main install above: the installed script
# would build the module with DKMS first (minutes in a guest).
t_run "install --check of HPCAP's params.cfg" 0 "$top/install_hpcap.bash" --check -c "$W/hpcap.cfg"
echo "$T_OUT" >"$R/hpcap-check.txt"
t_grep "... hpcap0 is $CAP_PCI, xgb1 the other 82576" "HPCAP names .*: hpcap0 = $CAP_PCI \\($back\\), xgb1 = 0000:00:08.0 \\($SEND_IF\\)$" "$T_OUT"
t_grep "... use_vf ignored, with a warning" "warning: .*hpcap.cfg:3: use_vf=0: ignored" "$T_OUT"
t_run "install_hpcap.bash -c it" 0 "$top/install_hpcap.bash" -c "$W/hpcap.cfg"
echo "$T_OUT" >"$R/hpcap-install.txt"
t_eq "$CAP_PCI is hpcap0" "hpcap $CAP_MAC" "$(drv $CAP_PCI) $(cat /sys/class/net/hpcap0/address 2>/dev/null)"
t_eq "... in mode 3: a 4 MiB buffer (hugesize0=4MB) in 2 MiB pages" "4194304 1" "$(cat /sys/class/hpcap/hpcap_0_0/buf_size 2>/dev/null) $(cut -d, -f1 /sys/module/hpcap/parameters/huge 2>/dev/null)"
t_eq "xgb1 ($SEND_IF) left to igb" igb "$(drv 0000:00:08.0)"
wait_carrier hpcap0
send 07 300 1000 100 &
wait
sleep 0.3
# (at least the 300: $SEND_IF, which has an address now, may send an ARP
# or IGMP frame of its own meanwhile)
t_eq "hpcap0 receives what $SEND_IF sends (300 frames)" yes "$(awk '$1 == "rx_frames" { print ($2 >= 300 && $2 < 320) ? "yes" : "no (" $2 ")" }' /sys/class/hpcap/hpcap_0_0/stats 2>/dev/null)"
t_run "--uninstall" 0 install_hpcap.bash --uninstall
t_eq "... $CAP_PCI back on igb" igb "$(drv $CAP_PCI)"
t_run "hugepages_mount -d /tmp/huge2 -n 3" 0 hugepages_mount -c "$W/params.cfg" -d /tmp/huge2 -n 3
t_eq "... hugetlbfs mounted, 3 pages reserved" "1 3" "$(awk '$2 == "/tmp/huge2" && $3 == "hugetlbfs"' /proc/mounts | wc -l) $(awk '/^HugePages_Total/ { print $2 }' /proc/meminfo)"
t_run "hugepages_mount again: already there" 0 hugepages_mount -d /tmp/huge2 -n 3
t_grep "... says so" "already mounted at /tmp/huge2" "$T_OUT"
t_run "hugepages_mount -u" 0 hugepages_mount -d /tmp/huge2 -u
echo 0 >/proc/sys/vm/nr_hugepages
t_eq "... unmounted" 0 "$(awk '$2 == "/tmp/huge2"' /proc/mounts | wc -l)"
t_eq "no kernel warning or bug" 0 "$(dmesg | grep -cE 'WARNING|BUG|Oops|general protection')"
t_done
