#!/usr/bin/env bash
# xdp-systemd-guest.bash - runs INSIDE a QEMU guest (xdp-vm-tests.bash
# --systemd starts it): install_hpcap.bash's systemd path for mode0=xdp.
# The guest has no systemd of its own (its init is run-vm's), so this
# starts the host's systemd as PID 1 of a new PID and mount namespace
# (basic.target only), installs hpcap there (make install: units in
# /usr/local/lib/systemd/system) and runs the rest inside those
# namespaces: install starts hpcap-xdp@<if> through systemctl, hpcapdd
# captures what the second igb sends (compared with the sender's record),
# a SIGKILL of hpcap-xdp is restarted by the unit, and --uninstall stops
# the unit and leaves the port as it was.
set -uo pipefail
top=$PWD
. "$top/tests/lib.sh"
BIN=$top/${BUILD:-build}/bin
if [ "${1:-}" != --inside ]; then
	t_init xdp-systemd
	ipv6_off
	make -s -C "$top" install BUILD="${BUILD:-build}" >"$T_TMP/install.log" 2>&1 ||
		{ t_fail "make install" "$(tail -3 "$T_TMP/install.log")"; t_done; exit 1; }
	[ -x /usr/local/bin/hpcap-xdp ] || t_skip "make install put no hpcap-xdp (built without libxdp)"
	mountpoint -q /sys/fs/cgroup || mount -t cgroup2 cgroup2 /sys/fs/cgroup
	# systemd as PID 1 of its own namespaces; its console output to a file
	# (systemd-tmpfiles empties /tmp at its start: not there).
	mkdir -p /var/tmp/xdp-sd
	unshare --pid --fork --mount-proc env container=hpcap-vm /lib/systemd/systemd --system \
		--unit=basic.target --show-status=0 --log-target=console --log-level=warning \
		</dev/null >/var/tmp/xdp-sd/systemd.log 2>&1 &
	sd=$!
	child=""
	for _ in $(seq 50); do
		child=$(pgrep -P "$sd" | head -1)
		[ -n "$child" ] && break
		sleep 0.1
	done
	inside() { nsenter -t "$child" -p -m -r -w "$@"; }
	st=""
	for i in $(seq 300); do
		st=$(inside systemctl is-system-running 2>/dev/null)
		case $st in running | degraded) break ;; esac
		sleep 1
	done
	t_grep "systemd runs in the guest (basic.target, $i s)" "^(running|degraded)$" "$st"
	# The rest inside its namespaces, where systemctl and the pids match.
	# (systemd's working directory is /: give the path and directory)
	inside env VM_NIC_MACS="${VM_NIC_MACS:-}" BUILD="${BUILD:-build}" \
		bash -c 'cd "$1" && exec bash "$2" --inside' _ "$top" "$top/tests/vm/xdp/${0##*/}"
	rc=$?
	kill -9 "$child" 2>/dev/null
	wait "$sd" 2>/dev/null
	t_eq "the tests inside systemd's namespaces passed" 0 "$rc"
	t_done
	exit
fi

t_init xdp-systemd
export PATH=$BIN:$PATH
M=$top/tests/vm/module
W=/var/tmp/xdp-sd
# by MAC: systemd's udev renames the NICs (eth0 becomes ens4, ...)
ifname() {
	local d
	for d in /sys/class/net/*; do
		[ "$(cat "$d/address" 2>/dev/null)" = "$1" ] && echo "${d##*/}"
	done
}
read -r mac0 mac1 <<<"${VM_NIC_MACS:-}"
CAP=$(ifname "$mac0")
SEND_IF=$(ifname "$mac1")
[ -n "$CAP" ] && [ -n "$SEND_IF" ] || { t_fail "the igb NICs" "none with MACs ${VM_NIC_MACS:-?}"; t_done; exit 1; }
echo "note: capture on $CAP, send from $SEND_IF"
INSTALL=/usr/local/sbin/install_hpcap.bash
unit=hpcap-xdp@$CAP.service
ip link set "$SEND_IF" up
ip link set "$CAP" up
for _ in $(seq 100); do
	[ "$(cat "/sys/class/net/$CAP/carrier")$(cat "/sys/class/net/$SEND_IF/carrier")" = 11 ] && break
	sleep 0.1
done
cat >"$W/params.cfg" <<CFG
ifs=$CAP
mode0=xdp
core0=0
bufsize0=16M
monitor_enabled=0
CFG
t_run "install_hpcap.bash (mode0=xdp, systemd runs): exit 0" 0 "$INSTALL" -c "$W/params.cfg"
t_grep "install started hpcap-xdp through systemd" "$CAP: hpcap-xdp as adapter 0 \(systemd, pid [0-9]+\): copy mode" "$T_OUT"
t_eq "$unit is active" active "$(systemctl is-active "$unit")"
pid=$(systemctl show -p MainPID --value "$unit")
t_eq "the unit's main process is the port's hpcap-xdp" "$pid" "$(awk '$1 == "pid" { print $2 }' /dev/shm/hpcap_0.port)"
t_grep "the unit got install's options" "^HPCAP_XDP_ARGS=-a 0 " "$(cat /run/hpcap/xdp-"$CAP".env)"
t_eq "its XDP program is on $CAP" yes "$(ip link show "$CAP" | grep -q 'prog/xdp' && echo yes || echo no)"

# capture what is sent, through the /dev links, all queues
nq=$(awk '$1 == "queues" { print $2 }' /dev/shm/hpcap_0.port | tr ',' ' ' | wc -w)
pids=()
for ((q = 0; q < nq; q++)); do
	mkdir -p "$W/cap/q$q"
	hpcapdd -q 0 "$q" "$W/cap/q$q" 2>>"$W/dd.err" &
	pids+=($!)
done
sleep 2
taskset -c 1 python3 "$M/send_frames.py" "$SEND_IF" --src 02:00:00:00:02:cc --count 1000 --sizes imix \
	--seed 41 --pps 1000 --pcap "$W/sent.pcap" >/dev/null
sleep 1.5
kill -INT "${pids[@]}"
wait "${pids[@]}"
raw2pcap -q "$W/cap" "$W/got.pcap"
line=$(python3 "$M/compare.py" "$W/sent.pcap" "$W/got.pcap" --src 02:00:00:00:02:cc --name "systemd: capture = sent")
case "$line" in ok*) t_ok "${line#ok   }" ;; *) t_fail "${line#fail }" "see above" ;; esac

# A killed hpcap-xdp: the kernel detaches its program, the unit restarts it.
kill -9 "$pid"
for _ in $(seq 300); do
	npid=$(systemctl show -p MainPID --value "$unit")
	[ -n "$npid" ] && [ "$npid" != 0 ] && [ "$npid" != "$pid" ] &&
		[ "$(awk '$1 == "pid" { print $2 }' /dev/shm/hpcap_0.port 2>/dev/null)" = "$npid" ] && break
	sleep 0.1
done
t_eq "SIGKILL: the unit started hpcap-xdp again (Restart=on-failure)" yes \
	"$([ -n "$npid" ] && [ "$npid" != 0 ] && [ "$npid" != "$pid" ] && echo yes || echo "no: MainPID $npid, $(systemctl is-active "$unit")")"
t_eq "SIGKILL: the new one captures (program on $CAP)" yes "$(ip link show "$CAP" | grep -q 'prog/xdp' && echo yes || echo no)"

t_run "--uninstall: exit 0" 0 "$INSTALL" --uninstall
t_eq "--uninstall: $unit stopped" inactive "$(systemctl is-active "$unit")"
t_eq "--uninstall: the XDP program is off $CAP" no "$(ip link show "$CAP" | grep -q 'prog/xdp' && echo yes || echo no)"
t_eq "--uninstall: promiscuous mode off again" no "$(ip link show "$CAP" | grep -q PROMISC && echo yes || echo no)"
t_eq "--uninstall: no queue file left" "" "$(ls /dev/shm/hpcap_* /dev/hpcap_* 2>/dev/null)"
t_done
