#!/usr/bin/env bash
# xdp-bench.bash - the AF_XDP source's benchmark (part of `make bench`): on
# a veth pair, one RX queue, 64-byte and IMIX frames made in the kernel by
# bench/xdp-gen (pinned to one core), the highest rate each receiver takes
# with no frame lost, found by bisection:
#   hpcap-xdp   into an hpcap queue (one hpcap_producer_put_batch() per RX
#               batch), read by hpcapdd to null (both on the other core):
#               the whole capture path
#   tcpdump     libpcap's TPACKET_V3, -w /dev/null, 64 MiB buffer
#   xdp-rxdrop  the same AF_XDP socket as hpcap-xdp, frames only counted
#               (bench/xdp-rxdrop.c): the ceiling of the mechanism here
# A frame is lost if it was sent and not captured, wherever it went.
# Appends a dated section to bench/RESULTS.md (--no-append: print only).
#
#   bench/xdp-bench.bash [--no-append] [--seconds S] [--steps N] [--sizes "64 imix"]
set -euo pipefail
cd "$(dirname "$0")/.."
append=1 secs=2 steps=7 sizes="64 imix" extra=()
while [ $# -gt 0 ]; do
	case "$1" in
	--no-append) append=0; shift ;;
	--seconds) secs=$2; shift 2 ;;
	--steps) steps=$2; shift 2 ;;
	--sizes) sizes=$2; shift 2 ;;
	--hpcap-xdp-args) read -ra extra <<<"$2"; shift 2 ;;
	-h | --help) sed -n '2,15p' "$0"; exit 0 ;;
	*) echo "xdp-bench: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "xdp-bench: needs root (namespaces, XDP); skipped"; exit 0; }
make -s libs tools
[ -x build/bin/hpcap-xdp ] || { echo "xdp-bench: hpcap-xdp not built (libxdp missing); skipped"; exit 0; }
command -v tcpdump >/dev/null || { echo "xdp-bench: no tcpdump; skipped"; exit 0; }
make -s build/bench/xdp-gen build/bench/xdp_gen.o build/bench/xdp-rxdrop \
	build/bench/producer-bench build/bench/cpu-gaps

RX_CPU=0 GEN_CPU=1
RX_MASK=$(printf '0x%x' $((1 << RX_CPU)))
# The same 256 MiB on each side: tcpdump's ring (-B 262144); the AF_XDP
# receivers' UMEM (131072 chunks of 2 KiB), which absorbs the generator's
# bursts (4096 frames per BPF_PROG_RUN call) and the moments the receiving
# thread is not scheduled (this machine has no isolated cores: see the
# cpu-gaps line in the output).  A UMEM holds one frame per chunk whatever
# its size; tcpdump's ring packs frames, so at 64 bytes it holds ~20 times
# more of them in the same memory.
UMEM=(--frame-size 2048 --umem-frames 131072 --rx-ring 65536)
NA=hpcapbxa-$$ NB=hpcapbxb-$$
Q=$(mktemp -d /dev/shm/hpcap-xdp-bench.XXXXXX)
tmp=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	ip netns del "$NA" 2>/dev/null || true
	ip netns del "$NB" 2>/dev/null || true
	rm -rf "$Q" "$tmp"
}
trap cleanup EXIT
ip netns add "$NA"
ip netns add "$NB"
for n in "$NA" "$NB"; do
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip link add xa netns "$NA" type veth peer name xb netns "$NB"
ip -n "$NA" link set xa up
ip -n "$NB" link set xb up
# veth takes frames sent into it by XDP only if the other end runs NAPI:
# XDP does that for the AF_XDP receivers, GRO for tcpdump.
ip netns exec "$NA" ethtool -K xa gro on >/dev/null

rx_dropped() { ip netns exec "$NA" cat /sys/class/net/xa/statistics/rx_dropped; }

# gen SIZE RATE FRAMES: send; GEN_SENT, GEN_PPS
gen() {
	local out
	out=$(ip netns exec "$NB" build/bench/xdp-gen -i xb -o build/bench/xdp_gen.o \
		-s "$1" -r "$2" -n "$3" -c "$GEN_CPU")
	GEN_SENT=$(awk '{ print $2 }' <<<"$out")
	GEN_PPS=$(awk '{ print $7 }' <<<"$out")
}

# trial SYSTEM SIZE RATE: GOT (frames captured), SENT, PPS
trial() {
	local sys=$1 size=$2 rate=$3 n p d
	n=$(( rate > 0 ? rate * secs : 2000000 ))
	case $sys in
	hpcap-xdp)
		rm -f "$Q"/hpcap_50*
		ip netns exec "$NA" build/bin/hpcap-xdp -q -a 50 -D "$Q" --no-dev-link --keep-stats \
			-c "$RX_CPU" "${UMEM[@]}" "${extra[@]}" xa 2>"$tmp/x.err" &
		p=$!
		for _ in $(seq 1 200); do [ -f "$Q/hpcap_50_0.stats" ] && break; sleep 0.05; done
		HPCAP_DEV_DIR=$Q taskset "$RX_MASK" build/bin/hpcapdd -q 50 0 null 2>"$tmp/dd.err" &
		d=$!
		# Frames before hpcapdd is attached would go nowhere.
		for _ in $(seq 1 200); do
			[ "$(awk '$1 == "listeners" { print $2 }' "$Q/hpcap_50_0.stats")" = 1 ] && break
			sleep 0.05
		done
		sleep 0.2
		gen "$size" "$rate" "$n"
		sleep 0.5
		kill -INT "$p"; wait "$p" || true
		wait "$d" || true
		# In the buffer, hence read by hpcapdd (a lossless listener).
		GOT=$(awk '$1 == "captured_frames" { print $2 }' "$Q/hpcap_50_0.stats")
		;;
	tcpdump)
		ip netns exec "$NA" taskset "$RX_MASK" tcpdump -i xa -n -q -B 262144 -s 0 -w /dev/null 2>"$tmp/t.err" &
		p=$!
		for _ in $(seq 1 100); do grep -q listening "$tmp/t.err" && break; sleep 0.05; done
		sleep 0.3
		gen "$size" "$rate" "$n"
		sleep 1.5	# it stops at once on SIGINT: let it empty its ring
		kill -INT "$p"; wait "$p" || true
		# "N packets captured": what reached the file.
		GOT=$(awk '/packets captured/ { print $1 }' "$tmp/t.err")
		;;
	xdp-rxdrop)
		ip netns exec "$NA" build/bench/xdp-rxdrop -c "$RX_CPU" -S 2048 -F 131072 -R 65536 xa \
			>"$tmp/r.out" 2>"$tmp/r.err" &
		p=$!
		for _ in $(seq 1 200); do grep -q "mode" "$tmp/r.err" && break; sleep 0.05; done
		sleep 0.3
		gen "$size" "$rate" "$n"
		sleep 0.5
		kill -INT "$p"; wait "$p" || true
		GOT=$(awk '{ print $2 }' "$tmp/r.out")
		;;
	esac
	SENT=$GEN_SENT PPS=$GEN_PPS
}

# best SYSTEM SIZE: the highest loss-free rate, by bisection below the rate
# the generator reaches with this receiver when unpaced
best() {
	local sys=$1 size=$2 lo=0 hi mid i best_pps=0
	trial "$sys" "$size" 0
	hi=${PPS%.*}
	MAX_PPS=$hi MAX_LOSS=$(( SENT - GOT ))
	MAX_SENT=$SENT
	if [ "$MAX_LOSS" = 0 ]; then
		BEST=$hi
		return
	fi
	for ((i = 0; i < steps; i++)); do
		mid=$(( (lo + hi) / 2 ))
		trial "$sys" "$size" "$mid"
		if [ "$GOT" = "$SENT" ]; then
			lo=$mid
			best_pps=${PPS%.*}
		else
			hi=$mid
		fi
	done
	BEST=$best_pps
}

out=$tmp/section.md
load0=$(cut -d' ' -f1-3 /proc/loadavg)
{
	echo "## AF_XDP source (hpcap-xdp) on veth, $(date -u +%Y-%m-%d)"
	echo
	echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, kernel $(uname -r);"
	echo "libxdp $(pkg-config --modversion libxdp), libbpf $(pkg-config --modversion libbpf), $(tcpdump --version 2>&1 | head -2 | paste -sd, -)."
	echo "One RX queue; frames made by bench/xdp-gen on CPU $GEN_CPU in bursts of 4096 (the veth's receive"
	echo "work runs there too, in its softirq), receivers on CPU $RX_CPU; ${secs}s per trial, $steps bisection"
	echo "steps. 256 MiB each: tcpdump -B 262144; AF_XDP UMEM ${UMEM[*]} (hpcap buffer: 64 MiB more)."
	echo "$(build/bench/cpu-gaps "$RX_CPU" 2) (bench/cpu-gaps.c, before the runs)."
	echo "Loss-free rate: the highest rate at which every frame sent was captured."
	echo "Load average before: $load0."
	echo
	echo "| frames | receiver | loss-free (frames/s) | unpaced: sent/s | unpaced: lost |"
	echo "| --- | --- | ---: | ---: | ---: |"
} >"$out"
declare -A res
for size in $sizes; do
	for sys in xdp-rxdrop hpcap-xdp tcpdump; do
		best "$sys" "$size"
		res[$size.$sys]=$BEST
		printf '| %s | %s | %s | %s | %s of %s |\n' "$size" "$sys" "$BEST" "$MAX_PPS" "$MAX_LOSS" "$MAX_SENT" >>"$out"
		tail -1 "$out"
	done
done
{
	echo
	echo "The capture thread's call, hpcap_producer_put_batch() once per RX batch of up to 64"
	echo "frames, against a put per frame, alone on CPU $RX_CPU (bench/producer-bench.c, best of 5):"
	echo
	taskset "$RX_MASK" build/bench/producer-bench
	echo
	for size in $sizes; do
		b=${res[$size.xdp-rxdrop]} h=${res[$size.hpcap-xdp]} t=${res[$size.tcpdump]}
		echo "$size: hpcap-xdp / tcpdump = $(awk -v a="$h" -v b="$t" 'BEGIN { printf (b > 0 ? "%.2f" : "n/a"), (b > 0 ? a / b : 0) }') (goal >= 5);" \
			"hpcap-xdp / xdp-rxdrop = $(awk -v a="$h" -v b="$b" 'BEGIN { printf (b > 0 ? "%.2f" : "n/a"), (b > 0 ? a / b : 0) }') (goal >= 0.80)."
	done
	echo
	echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg); $(build/bench/cpu-gaps "$RX_CPU" 2)."
	echo
} >>"$out"
cat "$out"
if [ "$append" = 1 ]; then
	cat "$out" >>bench/RESULTS.md
	echo "xdp-bench: appended to bench/RESULTS.md"
fi
