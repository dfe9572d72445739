#!/usr/bin/env bash
# test-faults.bash [BINDIR] - hpcap-xdp when things go wrong: killed with
# SIGKILL under traffic (the port works normally afterwards, the readers
# see the queue end, the files already written pass checkraw), the link
# going down and up, a second instance, another XDP program on the port,
# a program left by a killed run, libxdp's dispatcher, and refusals (no
# capability, locked-memory limit, queue the NIC does not have, unknown
# interface, name taken in /dev): each with a message, exit status 1 and
# nothing left on the port.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
. "$here/../lib.sh"
# shellcheck source=lib-xdp.bash
. "$here/lib-xdp.bash"
x_init xdp-faults "${1:-}"

python3 "$X_FRAMES" gen a.pcap --count 3000 --seed 11
python3 "$X_FRAMES" gen b.pcap --count 3000 --seed 12
python3 "$X_FRAMES" gen long.pcap --count 200000 --sizes 60,1514 --seed 13

# Nothing of a refused or ended run is left: no program, no queue file.
untouched() {
	x_no_prog "$1: no XDP program left"
	t_eq "$1: no queue file left" "" "$(find "$X_Q" -name 'hpcap_[0-9]*' ! -name '*.stats' ! -name '*.port')"
}

# --- Refusals before anything is touched ---------------------------------
x_veth 1
t_run "unknown interface: exit 1" 1 ina "$X_BIN/hpcap-xdp" -a 20 nosuch0
t_grep "unknown interface: says so" "no interface nosuch0" "$T_OUT"
t_run "queue the NIC does not have: exit 1" 1 ina "$X_BIN/hpcap-xdp" -a 20 -Q 3 xa
t_grep "queue the NIC does not have: says how many there are and how to add" \
	"xa has 1 RX queue.*ethtool -L xa" "$T_OUT"
untouched "queue refused"
t_run "no capabilities (user nobody): exit 1" 1 ina setpriv --reuid=65534 --regid=65534 \
	--clear-groups --inh-caps=-all "$X_BIN/hpcap-xdp" -a 20 --no-dev-link xa
t_grep "no capabilities: names them and says what to do" \
	"missing capabilities: CAP_NET_ADMIN CAP_NET_RAW CAP_BPF.*setcap" "$T_OUT"
untouched "capabilities refused"
if command -v capsh >/dev/null; then
	t_run "RLIMIT_MEMLOCK 64 KiB without CAP_IPC_LOCK: exit 1" 1 ina capsh --drop=cap_ipc_lock -- \
		-c "ulimit -l 64; exec '$X_BIN/hpcap-xdp' -a 20 xa"
	t_grep "locked memory: says how much and what to do" \
		"needs 65536 KiB of locked memory.*RLIMIT_MEMLOCK allows 64 KiB.*ulimit -l" "$T_OUT"
	untouched "memlock refused"
	t_run "RLIMIT_MEMLOCK 2 MiB, a 128 KiB UMEM: runs" 0 ina capsh --drop=cap_ipc_lock -- \
		-c "ulimit -l 2048; exec '$X_BIN/hpcap-xdp' -q -a 20 --no-dev-link --umem-frames 64 --frame-size 2048 --rx-ring 32 -d 0.3 xa"
else
	t_ok "memlock test skipped: no capsh"
fi
if command -v setcap >/dev/null; then
	# As a user, with the capabilities on the file instead of root.
	chmod 755 "$T_TMP"
	cp "$X_BIN/hpcap-xdp" capbin
	mkdir -p userq && chmod 777 userq
	if setcap cap_net_admin,cap_net_raw,cap_bpf,cap_ipc_lock+ep capbin 2>/dev/null; then
		t_run "user nobody with file capabilities: runs" 0 ina setpriv --reuid=65534 \
			--regid=65534 --clear-groups ./capbin -q -a 20 -D "$T_TMP/userq" --no-dev-link -d 0.3 xa
		untouched "user with capabilities, after the run"
	else
		t_ok "file-capabilities test skipped: setcap refused here"
	fi
fi
adapter=$((800 + $$ % 100))
if [ ! -e "/dev/hpcap_${adapter}_0" ]; then
	: >"/dev/hpcap_${adapter}_0"
	t_run "a file already at /dev/hpcap_A_0: exit 1" 1 ina "$X_BIN/hpcap-xdp" -a "$adapter" xa
	t_grep "a file at /dev/hpcap_A_0: says what to do" "not a link left by hpcap-xdp.*--no-dev-link" "$T_OUT"
	rm -f "/dev/hpcap_${adapter}_0"
	untouched "/dev name refused"
fi
t_run "usage: unknown XDP mode exits 2" 2 "$X_BIN/hpcap-xdp" -M fast xa
t_run "usage: bad frame size exits 2" 2 "$X_BIN/hpcap-xdp" --frame-size 1000 xa
t_run "usage: bad attach exits 2" 2 "$X_BIN/hpcap-xdp" --attach pinned xa
t_ok "kernel without AF_XDP: not testable here (this kernel has it); the message is in preflight.c"

# --- A second instance is refused; the first keeps capturing ------------
x_start 21 xa
first=$XDP_PID
x_dd 21 0 second
t_run "a second hpcap-xdp on xa: exit 1" 1 ina "$X_BIN/hpcap-xdp" -a 22 xa
t_grep "a second instance: names the first one's pid" "already captured by hpcap-xdp \(pid $first\)" "$T_OUT"
x_send a.pcap
sleep 0.3
XDP_PID=$first
x_stop INT
x_wait "$DD_PID"
x_raw2pcap second second.pcap
x_check "the first instance captured everything meanwhile" a.pcap second.pcap

# --- SIGKILL under traffic -----------------------------------------------
x_start 23 xa
x_dd 23 0 killed
inb python3 "$X_FRAMES" send xb long.pcap >/dev/null &
sender=$!
X_PIDS+=("$sender")
for _ in $(seq 1 400); do
	[ "$(x_stat 23 0 captured_frames)" -gt 5000 ] 2>/dev/null && break
	sleep 0.05
done
x_stop KILL
t_eq "SIGKILL: killed" 137 "$XDP_ST"
x_no_prog "SIGKILL: the kernel detached the program (BPF link)"
x_wait "$DD_PID"
t_eq "SIGKILL: hpcapdd sees the queue end and exits 0" 0 "$W_ST"
t_grep "SIGKILL: hpcapdd says the source went away" "went away" "$(cat dd-23-0.err)"
t_run "SIGKILL: the files written pass checkraw" 0 "$X_BIN/checkraw" killed
x_raw2pcap killed killed.pcap
x_check "SIGKILL: the frames written are exact and in order" long.pcap killed.pcap --allow-missing
t_grep "SIGKILL: frames were captured before the kill ($DISK)" '^[1-9][0-9]{3,}' "$DISK"
kill "$sender" 2>/dev/null || true
wait "$sender" 2>/dev/null || true
# The port works normally: IP traffic between the namespaces...
ina ip addr add 10.77.0.1/24 dev xa
inb ip addr add 10.77.0.2/24 dev xb
t_run "after SIGKILL: UDP from xb reaches a socket on xa" 0 ina python3 -c '
import socket, subprocess, sys
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.bind(("10.77.0.1", 9999)); r.settimeout(5)
subprocess.run(["ip", "netns", "exec", sys.argv[1], "python3", "-c",
    "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); [s.sendto(b\"hello\", (\"10.77.0.1\", 9999)) for _ in range(3)]"], check=True)
sys.exit(0 if r.recv(100) == b"hello" else 1)' "$NS_B"
ina ip addr flush dev xa
inb ip addr flush dev xb
# ...and a new capture starts at once and gets every frame.
x_start 23 xa
x_dd 23 0 after
x_send b.pcap
sleep 0.3
x_stop INT
x_wait "$DD_PID"
x_raw2pcap after after.pcap
x_check "after SIGKILL: a new capture gets every frame" b.pcap after.pcap

# --- The link goes down and up -------------------------------------------
x_start 24 xa
x_dd 24 0 flap
x_send a.pcap
sent_a=$SENT
ina ip link set xa down
sleep 0.3
ina ip link set xa up
sleep 0.3
x_send b.pcap
sleep 0.3
t_eq "link down and up: still running" yes "$(kill -0 "$XDP_PID" 2>/dev/null && echo yes || echo no)"
x_stop INT
x_wait "$DD_PID"
x_raw2pcap flap flap.pcap
python3 "$X_FRAMES" gen ab.pcap --count 0
python3 - a.pcap b.pcap ab.pcap "$X_FRAMES" <<'EOF'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("f", sys.argv[4])
f = importlib.util.module_from_spec(spec)
spec.loader.exec_module(f)
f.write_pcap(sys.argv[3], [d for p in sys.argv[1:3] for _, _, d in f.read_pcap(p)])
EOF
x_check "link down and up: frames before and after, all exact and in order" ab.pcap flap.pcap
SENT=$((sent_a + SENT))
x_identity "link down and up" 24 "$DISK" 0

# --- Another XDP program on the port -------------------------------------
filt=$(dpkg -L xdp-tools 2>/dev/null | grep -m1 'xdpfilt_alw_all.o$' || true)
if [ -n "$filt" ] && command -v xdp-loader >/dev/null; then
	ina xdp-loader load -m native xa "$filt" 2>/dev/null
	t_run "another XDP program on xa: exit 1" 1 ina "$X_BIN/hpcap-xdp" -a 25 xa
	t_grep "another XDP program: named, with how to remove or share" \
		'xdpfilt_alw_all.*ip link set dev xa xdp off.*--attach dispatcher' "$T_OUT"
	t_grep "another XDP program: left in place" "xdpfilt_alw_all" "$(ina ip link show xa)"
	ina xdp-loader unload xa --all 2>/dev/null || ina ip link set dev xa xdp off
else
	t_ok "foreign-program test skipped: no xdp-tools"
fi

# --- A program left by a killed run (dispatcher mode without bpffs) ------
obj=$X_BIN/../bpf/hpcap_xdp.o
if [ -f "$obj" ] && command -v xdp-loader >/dev/null; then
	ina xdp-loader load -m native xa "$obj" 2>/dev/null
	t_grep "a leftover hpcap program is attached" "hpcap_xdp_rx" "$(ina ip link show xa)"
	x_start 26 xa
	t_grep "the next run removes it, and says so" "removed the XDP program a killed hpcap-xdp left" "$(cat xdp.err)"
	x_dd 26 0 leftover
	x_send a.pcap
	sleep 0.3
	x_stop INT
	x_wait "$DD_PID"
	x_raw2pcap leftover leftover.pcap
	x_check "after removing the leftover: every frame" a.pcap leftover.pcap
	x_no_prog "after the run: nothing attached"
	ina xdp-loader load -m native xa "$obj" 2>/dev/null
	a=$((adapter + 1))
	X_DEVLINK=1 x_start "$a" xa
	t_run "--cleanup while hpcap-xdp runs: refused" 1 ina "$X_BIN/hpcap-xdp" --cleanup xa
	t_grep "--cleanup while running: says who runs" "already captured by hpcap-xdp" "$T_OUT"
	x_stop KILL
	ina xdp-loader load -m native xa "$obj" 2>/dev/null
	t_run "--cleanup after a kill: exit 0" 0 ina "$X_BIN/hpcap-xdp" --cleanup xa
	t_grep "--cleanup: program and files removed" "removed the XDP program.*1 capture's queue files removed" "$T_OUT"
	x_no_prog "--cleanup: nothing attached"
	t_eq "--cleanup: the killed run's queue file is gone" no "$([ -e "$X_Q/hpcap_${a}_0" ] && echo yes || echo no)"
	t_eq "--cleanup: its /dev link is gone" no "$([ -L "/dev/hpcap_${a}_0" ] && echo yes || echo no)"
else
	t_ok "leftover-program test skipped: no xdp-loader or no $obj"
fi

# --- libxdp's dispatcher ---------------------------------------------------
# bpffs is mounted in the mount namespace of one ip netns exec; everything
# that needs it runs in that one shell.
ina bash -s "$X_BIN" "$X_Q" "$X_FRAMES" "$filt" "$NS_B" >disp.out 2>&1 <<'EOF' || true
bin=$1 q=$2 frames=$3 filt=$4 nsb=$5
mount -t bpf bpf /sys/fs/bpf || { echo "SKIP no bpffs"; exit 0; }
xdp-loader load -m native xa "$filt" >/dev/null 2>&1
if ! xdp-loader status xa | grep -q 'xdp_dispatcher'; then
	xdp-loader unload xa --all >/dev/null 2>&1 || ip link set dev xa xdp off
	"$bin/hpcap-xdp" -a 28 --attach dispatcher -d 1 xa
	echo "NODISPATCHER exit $?"
	ip link show xa | grep -c prog/xdp
	exit 0
fi
"$bin/hpcap-xdp" -q -a 28 --attach dispatcher --keep-stats xa &
pid=$!
sleep 1
xdp-loader status xa | grep -o 'hpcap_xdp_rx\|xdpfilt_alw_all' | sort | tr '\n' ' '; echo
out=$(ip netns exec "$nsb" python3 "$frames" send xb "$PWD/a.pcap" --sync "$q/hpcap_28_0.stats")
sleep 0.3
echo "SENT ${out#sent } NOCLIENT $(awk '$1 == "noclient_frames" { print $2 }' "$q/hpcap_28_0.stats")"
kill -9 $pid; wait $pid
echo "AFTERKILL $(xdp-loader status xa | grep -o 'hpcap_xdp_rx\|xdpfilt_alw_all' | sort | tr '\n' ' ')"
"$bin/hpcap-xdp" --cleanup xa
echo "AFTERCLEANUP $(xdp-loader status xa | grep -o 'hpcap_xdp_rx\|xdpfilt_alw_all' | sort | tr '\n' ' ')"
xdp-loader unload xa --all >/dev/null 2>&1
EOF
out=$(cat disp.out)
if grep -q "SKIP" <<<"$out" || [ -z "$filt" ]; then
	t_ok "dispatcher test skipped: no bpffs or no xdp-tools"
elif grep -q NODISPATCHER <<<"$out"; then
	t_grep "no dispatcher on this kernel: --attach dispatcher refused, saying why" \
		"libxdp cannot run its dispatcher.*use --attach link" "$out"
	t_grep "no dispatcher: exit 1, nothing attached" "NODISPATCHER exit 1"$'\n'"0" "$out"
else
	t_grep "dispatcher: hpcap's program beside another" "hpcap_xdp_rx xdpfilt_alw_all" "$out"
	t_grep "dispatcher: every frame reached the queue" "SENT 3000 NOCLIENT 3000" "$out"
	t_grep "dispatcher: a SIGKILL leaves hpcap's program in the dispatcher" "AFTERKILL hpcap_xdp_rx xdpfilt_alw_all" "$out"
	t_grep "dispatcher: --cleanup removes it, the other program stays" "AFTERCLEANUP xdpfilt_alw_all $" "$out"
fi

t_done
