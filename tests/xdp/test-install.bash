#!/usr/bin/env bash
# test-install.bash [BINDIR] - params.cfg with mode0=xdp through
# install_hpcap.bash on a veth in a network namespace: --check plans no
# module; install starts hpcap-xdp for the port (promiscuous, XDP program
# attached); hpcap-status (table and --json), hpcap-prometheus and
# hpcap-monitor show its counters, which match what was sent and what
# hpcapdd wrote; installing again keeps it, a changed setting restarts it;
# --uninstall refuses while a capture program reads a queue, then stops it
# and leaves the port as it was.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
. "$here/../lib.sh"
# shellcheck source=lib-xdp.bash
. "$here/lib-xdp.bash"
x_init xdp-install "${1:-}"

# install's own state in the test's directory; hpcap-xdp in the background
# (no systemd here), without /dev links (adapter 0 is the host's name).
export HPCAP_RUNDIR=$T_TMP/run HPCAP_XDP_START=direct HPCAP_XDP_OPTS=--no-dev-link
export HPCAP_XDP=$X_BIN/hpcap-xdp
INSTALL=$X_TOP/install_hpcap.bash
STATUS=$X_TOP/scripts/hpcap-status.bash
PROM=$X_TOP/scripts/hpcap-prometheus.bash
MON=$X_TOP/scripts/hpcap-monitor.bash

x_veth 1
write_cfg() {
	cat >params.cfg <<EOF
ifs=xa
mode0=xdp
core0=0
bufsize0=16M
caplen0=$1
monitor_enabled=0
EOF
}
# pid of the running hpcap-xdp of adapter 0 (its port file), killed at the end
xpid() {
	local p
	p=$(x_port 0 pid 2>/dev/null || true)
	[ -z "$p" ] || X_PIDS+=("$p")
	echo "$p"
}
# (a zombie has ended: where no one reaps orphans at once, as under a
# subreaper or in a chroot, kill -0 still finds it)
alive() {
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null &&
		[ "$(awk '$1 == "State:" { print $2 }' "/proc/$1/status" 2>/dev/null)" != Z ] &&
		echo yes || echo no
}
# json EXPR: a Python expression over the interface of adapter 0 (i) in
# hpcap-status --json
json() {
	ina "$STATUS" --json -i 0.2 |
		python3 -c 'import json,sys; d=json.load(sys.stdin); i=[x for x in d["interfaces"] if x["adapter"]==0][0]; print('"$1"')'
}
# prom METRIC: its value for adapter 0 (queue 0 when it has queues)
prom() {
	ina "$PROM" -o - | awk -v m="$1" '($1 == m || index($1, m "{") == 1) && ($1 !~ /queue=/ || $1 ~ /queue="0"/) { print $2; exit }'
}

python3 "$X_FRAMES" gen small.pcap --count 2000 --seed 21

# --- --check: the plan, no module --------------------------------------
write_cfg 0
t_run "--check: valid" 0 ina "$INSTALL" --check -c params.cfg
t_grep "--check: hpcap-xdp as adapter 0" "xdp: hpcap-xdp as adapter 0, 1 queue" "$T_OUT"
t_grep "--check: no module needed" "module: not needed" "$T_OUT"
t_eq "--check: nothing started" "" "$(find "$X_Q" -name 'hpcap_*.port')"

# --- install -------------------------------------------------------------
t_run "install: exit 0" 0 ina "$INSTALL" -c params.cfg
t_grep "install: says the mode it got" "xa: hpcap-xdp as adapter 0 \(direct, pid [0-9]+\): copy mode" "$T_OUT"
pid=$(xpid)
t_eq "install: hpcap-xdp runs" yes "$(alive "$pid")"
t_eq "install: its XDP program is on xa" yes "$(ina ip link show xa | grep -q 'prog/xdp' && echo yes || echo no)"
t_eq "install: xa promiscuous" yes "$(ina ip link show xa | grep -q PROMISC && echo yes || echo no)"

# --- status, Prometheus, monitor show it ---------------------------------
t_run "hpcap-status --once: exit 0" 0 ina "$STATUS" --once -i 0.2
t_grep "hpcap-status: xa as an AF_XDP port (flag X)" "^0 +xa +L-D-X " "$T_OUT"
t_eq "hpcap-status --json: source xdp, copy mode" "xdp copy" "$(json 'i["source"], i["xdp_mode"]' | tr -d "(),'")"

x_dd 0 0 cap
t_eq "hpcap-status: the listener shows" 1 "$(json 'i["queues"][0]["listeners"]')"
ina "$MON" --stdout -i 1 xa >mon.out 2>mon.err &
mon=$!
X_PIDS+=("$mon")
sleep 1.2
x_send small.pcap
sleep 0.5
t_eq "hpcap-status --json: captured = sent" "$SENT" "$(json 'i["captured_frames"]')"
t_eq "hpcap-status --json: no loss of any cause" "0 0 0 0" \
	"$(json 'i["lost"]["nic"], i["lost"]["xdp"], i["lost"]["buffer"], i["lost"]["noclient"]' | tr -d '(),')"
t_eq "prometheus: hpcap_up" 1 "$(prom hpcap_up)"
t_eq "prometheus: captured = sent" "$SENT" "$(prom hpcap_captured_frames_total)"
t_eq "prometheus: the XDP mode" 1 "$(ina "$PROM" -o - | awk '/^hpcap_xdp_mode\{.*mode="copy"/ { print $2 }')"
t_eq "prometheus: XDP losses by cause, none" 0 "$(prom hpcap_xdp_lost_frames_total)"
sleep 2.5
kill -TERM "$mon"
x_wait "$mon" 10
# Each line is the rate over the time between two samples, which is not
# exactly the 1 s the line stands for: the sum of the frames/s column is
# what was sent to within a few percent.
got=$(awk '{ s += $3 } END { print s + 0 }' mon.out)
t_eq "hpcap-monitor: the frames/s of its lines add up to what was sent ($got of $SENT)" yes \
	"$([ $((got * 100)) -ge $((SENT * 95)) ] && [ $((got * 100)) -le $((SENT * 105)) ] && echo yes || echo "no: $(paste -sd' ' mon.out mon.err | head -c 300)")"

# --- install again: kept; --uninstall refused while a queue is read ------
t_run "install again: exit 0" 0 ina "$INSTALL" -c params.cfg
t_grep "install again: already runs" "already runs with these settings" "$T_OUT"
t_eq "install again: the same process" "$pid" "$(xpid)"
t_run "--uninstall while hpcapdd reads: refused" 1 ina "$INSTALL" --uninstall
t_grep "--uninstall refused: says what to do" "adapter 0 \(hpcap-xdp\) is in use.*stop the capture programs first" "$T_OUT"
t_eq "--uninstall refused: still running" yes "$(alive "$pid")"

kill -INT "$DD_PID"
x_wait "$DD_PID"
x_raw2pcap cap got.pcap
x_check "hpcapdd got every frame, byte for byte, in order" small.pcap got.pcap
x_identity "install" 0 "$DISK" 0

# --- a changed setting restarts it ---------------------------------------
write_cfg 100
t_run "caplen changed: exit 0" 0 ina "$INSTALL" -c params.cfg
t_grep "caplen changed: stopped and started again" "hpcap-xdp \(adapter 0\) stopped" "$T_OUT"
pid2=$(xpid)
t_eq "caplen changed: the old one ended" no "$(alive "$pid")"
t_eq "caplen changed: a new one runs" yes "$(alive "$pid2")"
t_eq "caplen changed: it keeps 100 bytes" 100 "$(x_port 0 caplen)"

# --- uninstall -------------------------------------------------------------
t_run "--uninstall: exit 0" 0 ina "$INSTALL" --uninstall
t_eq "--uninstall: hpcap-xdp ended" no "$(alive "$pid2")"
x_no_prog "--uninstall: the XDP program is detached"
t_eq "--uninstall: promiscuous mode off again" no "$(ina ip link show xa | grep -q PROMISC && echo yes || echo no)"
t_eq "--uninstall: no queue or counter file left" "" "$(find "$X_Q" -name 'hpcap_*')"
t_eq "--uninstall: install's state gone" "" "$(find "$HPCAP_RUNDIR" -name 'xdp-*.state' -o -name 'rxvlan-*')"
t_run "hpcap-status after: nothing captures" 1 ina "$STATUS" --once
t_grep "hpcap-status after: says so" "nothing captures" "$T_OUT"

t_done
