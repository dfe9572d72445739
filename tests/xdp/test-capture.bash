#!/usr/bin/env bash
# test-capture.bash [BINDIR] - hpcap-xdp on a veth pair: what hpcapdd writes
# is what was sent, byte for byte and in order per queue, with stamps taken
# during the sending; frames sent = frames on disk + frames counted lost,
# exactly, for each cause of loss (none, XDP, slow listener, no listener,
# frames too long for the UMEM); the /dev link that lets "hpcapdd A Q"
# find the queue; several queues; caplen; generic mode; the port left as it
# was.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
. "$here/../lib.sh"
# shellcheck source=lib-xdp.bash
. "$here/lib-xdp.bash"
x_init xdp-capture "${1:-}"

python3 "$X_FRAMES" gen imix.pcap --count 30000 --vlan-every 7 --seed 3
python3 "$X_FRAMES" gen small.pcap --count 2000 --seed 4
now() { date +%s%N; }

# --- One queue, one lossless listener, nothing lost ---------------------
x_veth 1
x_start 3 xa
t_grep "start report names the mode" "xa: (zc|copy) mode" "$(cat xdp.err)"
t_eq "the mode is in the port file" copy "$(x_port 3 xdp_mode)"
x_dd 3 0 cap
t0=$(now)
x_send imix.pcap
t1=$(now)
sleep 0.5
x_stop INT
t_eq "SIGINT: exit status 0" 0 "$XDP_ST"
x_wait "$DD_PID"
t_eq "hpcapdd ends by itself when the queue does" 0 "$W_ST"
x_raw2pcap cap got.pcap
x_check "every frame, byte for byte, in order, stamped while sent" \
	imix.pcap got.pcap --after "$t0" --before "$t1"
t_grep "VLAN-tagged frames kept whole" "captured 30000 missing 0" "$T_OUT"
t_run "the files pass checkraw" 0 "$X_BIN/checkraw" cap
x_identity "lossless" 3 "$DISK" 0
t_eq "every frame went through the socket" "$SENT" "$(x_stat 3 0 rx_frames)"
t_eq "stamps from the kernel clock (veth has no NIC stamps)" "$SENT" "$(x_stat 3 0 ts_kernel_frames)"
t_eq "the queue file is gone" no "$([ -e "$X_Q/hpcap_3_0" ] && echo yes || echo no)"
t_eq "counter files kept with --keep-stats, state stopped" stopped "$(x_stat 3 0 state)"
x_no_prog "SIGINT: the XDP program is detached"

# --- The /dev link: hpcapdd <adapter> <queue> with no setting ------------
adapter=$((900 + $$ % 100))
if [ -e "/dev/hpcap_${adapter}_0" ]; then
	t_ok "/dev link test skipped: /dev/hpcap_${adapter}_0 exists"
else
	X_DEVLINK=1 x_start "$adapter" xa
	t_eq "/dev/hpcap_A_Q links to the queue" "$X_Q/hpcap_${adapter}_0" \
		"$(readlink "/dev/hpcap_${adapter}_0")"
	mkdir -p devcap
	(unset HPCAP_DEV_DIR; exec "$X_BIN/hpcapdd" -q "$adapter" 0 devcap) 2>dd-dev.err &
	DD_PID=$!
	X_PIDS+=("$DD_PID")
	for _ in $(seq 1 100); do
		[ "$(x_stat "$adapter" 0 listeners)" = 1 ] && break
		sleep 0.05
	done
	x_send small.pcap
	sleep 0.3
	x_stop TERM
	t_eq "SIGTERM: exit status 0" 0 "$XDP_ST"
	x_wait "$DD_PID"
	x_raw2pcap devcap devgot.pcap
	x_check "hpcapdd $adapter 0 (HPCAP_DEV_DIR unset) got every frame" small.pcap devgot.pcap
	t_eq "the /dev link is removed at the end" no \
		"$([ -L "/dev/hpcap_${adapter}_0" ] && echo yes || echo no)"
fi

# --- Four queues, one hpcapdd each: per-queue order, union = sent --------
x_veth 4
python3 "$X_FRAMES" gen mq.pcap --count 20000 --flows 64 --seed 5
x_start 4 -Q 0-3 -c 0,1 xa
dds=()
for q in 0 1 2 3; do
	x_dd 4 "$q" "mq$q"
	dds+=("$DD_PID")
done
x_send mq.pcap
sleep 0.5
x_stop INT
got=()
for q in 0 1 2 3; do
	x_wait "${dds[q]}"
	x_raw2pcap "mq$q" "mq$q.pcap"
	got+=("mq$q.pcap")
done
x_check "4 queues: every frame once, byte for byte, in order within each queue" \
	mq.pcap "${got[@]}"
per=$(awk 'NR == 1 { print $6 }' <<<"$T_OUT")
t_grep "4 queues: each queue got frames ($per)" '^[1-9][0-9]*,[1-9][0-9]*,[1-9][0-9]*,[1-9][0-9]*$' "$per"
x_identity "4 queues" 4 "$DISK" 0 1 2 3
t_eq "4 queues: core of queue 2 (cores reused in turn)" 0 "$(x_stat 4 2 core)"

# --- XDP losses: the capture stopped, its RX ring overflows --------------
x_veth 1
python3 "$X_FRAMES" gen burst.pcap --count 5000 --seed 6
x_start 5 --umem-frames 256 --rx-ring 128 xa
x_dd 5 0 xdploss
kill -STOP "$XDP_PID"
x_send_free burst.pcap
kill -CONT "$XDP_PID"
sleep 0.5
x_stop INT
x_wait "$DD_PID"
x_raw2pcap xdploss xdploss.pcap
x_check "XDP losses: what was captured is exact and in order" \
	burst.pcap xdploss.pcap --allow-missing
lost=$(x_stat 5 0 xdp_lost_frames)
t_grep "XDP losses happened and were counted ($lost)" '^[1-9]' "$lost"
x_identity "XDP losses" 5 "$DISK" 0
t_eq "XDP losses: rx_frames = captured (none in the buffer)" "$(x_stat 5 0 rx_frames)" \
	"$(x_stat 5 0 captured_frames)"
t_eq "veth counts XDP's losses in its rx_dropped too (doc/xdp.md)" "$lost" "$(x_port 5 nic_rx_dropped)"

# --- Buffer losses: a lossless listener stopped, a 1 MiB buffer ----------
x_start 6 -b 1M xa
x_dd 6 0 bufloss
kill -STOP "$DD_PID"
x_send imix.pcap
sleep 0.3
kill -CONT "$DD_PID"
sleep 0.5
x_stop INT
x_wait "$DD_PID"
x_raw2pcap bufloss bufloss.pcap
x_check "slow listener: what it wrote is exact and in order" \
	imix.pcap bufloss.pcap --allow-missing
t_grep "slow listener: losses counted as client_lost_frames" '^[1-9]' "$(x_stat 6 0 client_lost_frames)"
x_identity "slow listener" 6 "$DISK" 0

# --- No listener: counted, not written -----------------------------------
x_start 7 xa
x_send small.pcap
sleep 0.5
x_stop INT
t_eq "no listener: every frame counted as noclient" "$SENT" "$(x_stat 7 0 noclient_frames)"
x_identity "no listener" 7 0 0

# --- Frames too long for a 2048-byte UMEM frame: dropped by the kernel ---
x_veth 1 3000
python3 "$X_FRAMES" gen long.pcap --count 3000 --sizes 60,3000,1514,1800,2500 --seed 7
x_start 8 --frame-size 2048 xa
x_dd 8 0 long
x_send long.pcap
sleep 0.5
x_stop INT
x_wait "$DD_PID"
x_raw2pcap long long-got.pcap
x_check "2048-byte frames: shorter frames exact and in order" \
	long.pcap long-got.pcap --allow-missing
t_eq "2048-byte frames: 3000-, 2500- and 1800-byte frames counted in xdp_rx_dropped" \
	1800 "$(x_stat 8 0 xdp_rx_dropped)"
x_identity "frames too long" 8 "$DISK" 0

# --- caplen: frames cut, wire length kept --------------------------------
x_veth 1
x_start 9 -s 100 xa
x_dd 9 0 cut
x_send small.pcap
sleep 0.5
x_stop INT
x_wait "$DD_PID"
x_raw2pcap cut cut.pcap
x_check "--caplen 100: frames cut to 100 bytes, wire length kept" \
	small.pcap cut.pcap --caplen 100

# --- Generic (SKB) mode, on an interface without native XDP (lo) ---------
t_run "lo has no native XDP: refused by default, saying what to do" 1 \
	ina "$X_BIN/hpcap-xdp" -a 10 -d 1 lo
t_grep "the message names generic mode" "no native.*--xdp-mode zc,copy,skb" "$T_OUT"
t_eq "refused: nothing attached to lo" 0 "$(ina ip link show lo | grep -c prog/xdp || true)"
x_start 10 -M zc,copy,skb lo
x_dd 10 0 skb
out=$(ina python3 "$X_FRAMES" send lo small.pcap --sync "$X_Q/hpcap_10_0.stats")
SENT=${out#sent }
sleep 0.5
x_stop INT
x_wait "$DD_PID"
t_eq "generic mode on lo" skb "$(x_stat 10 0 xdp_mode)"
x_raw2pcap skb skb.pcap
x_check "generic mode: every frame, byte for byte" small.pcap skb.pcap
t_eq "generic mode: nothing left attached to lo" 0 "$(ina ip link show lo | grep -c prog/xdp || true)"

t_done
