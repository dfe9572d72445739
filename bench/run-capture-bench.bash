#!/usr/bin/env bash
# run-capture-bench.bash - the capture path's benchmarks (part of
# `make bench`):
#  1. the module's producer routine, compiled in userspace unchanged:
#     ns per frame and Mpps at 64 and 1500 bytes, next to a plain memcpy of
#     the same bytes in the same run (bench/ring-bench.c); libhpcap's
#     userspace producer, frame by frame against batches, in the same run
#     (bench/producer-bench.c); the native poll loop with descriptors and
#     frames in its own cache, then with a second thread on the other core
#     playing the NIC (bench/rxpoll-bench.c --nic-thread, about 30 s,
#     SCHED_FIFO when run as root; --no-nic-thread skips it);
#  2. in a QEMU guest (when available): synthetic source -> hpcapdd ->
#     ext4 on a virtio disk vs dd oflag=direct of the same volume, and the
#     generic source vs tcpdump on the same veth traffic (frames lost).
# Appends a dated section to bench/RESULTS.md (--no-append: print only).
#
#   bench/run-capture-bench.bash [--no-vm] [--no-nic-thread] [--no-append] [--frames N] [--pps N]
set -euo pipefail
cd "$(dirname "$0")/.."
vm=1; nic=1; append=1; frames=20000; pps=0
while [ $# -gt 0 ]; do
	case "$1" in
	--no-vm) vm=0; shift ;;
	--no-nic-thread) nic=0; shift ;;
	--no-append) append=0; shift ;;
	--frames) frames=$2; shift 2 ;;
	--pps) pps=$2; shift 2 ;;
	-h | --help) sed -n '2,17p' "$0"; exit 0 ;;
	*) echo "run-capture-bench: unknown option $1" >&2; exit 2 ;;
	esac
done
out=$(mktemp)
trap 'rm -f "$out"' EXIT
make -s build/bench/ring-bench build/bench/rxpoll-bench build/bench/producer-bench
{
	echo "## Capture path, $(date -u +%Y-%m-%d)"
	echo
	echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, kernel $(uname -r)."
	echo
	echo "### Producer routine (core/hpcap_ring.c in userspace), best of 5"
	echo
	build/bench/ring-bench
	echo
	echo "### Userspace producer (libhpcap, shared-memory queue): per-frame put against batches, best of 5"
	echo
	build/bench/producer-bench
	echo
	echo "### Native driver's poll+copy loop (core/hpcap_rxpoll.c) over a simulated descriptor ring"
	echo
	echo "One core; target >= 59.5 Mpps at 64 bytes (40 GbE line rate; 10 GbE needs 14.88)."
	echo "The NIC's write-backs are made untimed between passes; frame buffers are cache-warm."
	echo
	build/bench/rxpoll-bench
	echo
	if [ "$nic" = 1 ]; then
		echo "### The same loop with a NIC thread on the other core (rxpoll-bench --nic-thread)"
		echo
		echo "Descriptors and frames written by a second thread on the other core while the loop"
		echo "runs (store-release of DD last; descriptors recycled through the tail the loop writes;"
		echo "a frame with no free descriptor is an overrun, as MPC counts). Goal: 64 B at or above"
		echo "14.88 Mpps (10 GbE) per queue on one core; 40 GbE's 59.5 Mpps needs 59.5 / (the 64 B"
		echo "figure) cores. The hot-cache column is the table above's loop, same core, same run."
		echo
		rt=()
		[ "$(id -u)" = 0 ] && rt=(--rt)
		build/bench/rxpoll-bench --nic-thread "${rt[@]}"
		echo
	fi
} > "$out"
cat "$out"

kver=$(tests/vm/kernels.bash 2>/dev/null | sort -V | tail -1 || true)
if [ "$vm" = 1 ] && [ -n "$kver" ] && command -v qemu-system-x86_64 >/dev/null; then
	export BUILD=build-bench
	make -s BUILD=$BUILD libs tools
	scripts/build-module.bash "$kver" >/dev/null
	disk=build/bench/vm-disk.img
	rm -f "$disk"; truncate -s 2G "$disk"
	res=build/bench/vm; rm -rf "$res"; mkdir -p "$res"
	tests/vm/run-vm.bash --kernel "$kver" --timeout 1200 --mem 1536 --results "$res" \
		--env BUILD=$BUILD --env FRAMES="$frames" --env PPS="$pps" \
		--qemu-arg -drive --qemu-arg "file=$disk,if=none,id=bd0,format=raw,cache=none" \
		--qemu-arg -device --qemu-arg "virtio-blk-pci,drive=bd0,addr=0x6" \
		-- bench/vm-bench-guest.bash | tee "$res/out.txt"
	rm -f "$disk"
	val() { awk -v k="$1" '$1 == k { $1 = ""; print substr($0, 2); exit }' "$res/out.txt"; }
	dd_s=$(val dd_seconds); h_s=$(val hpcapdd_seconds); h_b=$(val hpcapdd_bytes)
	{
		echo "### In a QEMU guest ($kver, software emulation, 2 vCPUs)"
		echo
		echo "Under emulation the guest's CPU, not the disk or the NIC model, sets the pace;"
		echo "only ratios measured in the same guest mean anything."
		echo
		if [ -n "$dd_s" ] && [ -n "$h_s" ]; then
			echo "| storage path, 512 MiB to ext4 on virtio-blk | seconds | MB/s |"
			echo "|---|---:|---:|"
			echo "| dd if=/dev/zero bs=1M oflag=direct | $dd_s | $(echo "scale=1; 536870912 / $dd_s / 1000000" | bc) |"
			echo "| synthetic source -> hpcapdd (1500-byte frames) | $h_s | $(echo "scale=1; $h_b / $h_s / 1000000" | bc) |"
			echo "| hpcapdd / dd | | $(echo "scale=2; ($h_b / $h_s) / (536870912 / $dd_s)" | bc) (target >= 0.90) |"
			echo
			echo "hpcapdd's files: $(val hpcapdd_files), checkraw $(val hpcapdd_checkraw)."
			echo
		fi
		echo "| capture of $frames IMIX frames on veth (offered: ${pps:-0} pps, 0 = as fast as the sender goes) | captured | lost |"
		echo "|---|---:|---:|"
		hc=$(val hpcap_captured); tc=$(val tcpdump_captured)
		echo "| hpcap generic source + hpcapdd | $hc | $((frames - hc)) |"
		echo "| tcpdump (AF_PACKET) | $tc | $((frames - tc)) |"
		echo
		echo "Sender: hpcap run $(val send_hpcap); tcpdump run $(val send_tcpdump). $(val tcpdump_says)"
		echo
		echo "Comparison with what was sent: hpcap: $(val hpcap_result); tcpdump: $(val tcpdump_result)"
		echo
	} >> "$out"
	# Native driver vs generic source vs tcpdump, against QEMU's dump.
	nres=build/bench/vm-native; rm -rf "$nres"; mkdir -p "$nres"
	tests/vm/run-vm.bash --kernel "$kver" --timeout 1200 --mem 1536 --results "$nres" \
		--env BUILD=$BUILD --env FRAMES="$frames" --env PPS="$pps" --nics 2 --dump "$nres/truth.pcap" \
		-- bench/vm-native-guest.bash | tee "$nres/out.txt"
	{
		echo "| $frames IMIX frames from the second emulated 82576, vs QEMU's dump of the wire | frames on the wire | captured identical | lost or altered |"
		echo "|---|---:|---:|---:|"
		for way in native generic tcpdump; do
			line=$(python3 tests/vm/module/compare.py "$nres/truth.pcap" "$nres/$way-got.pcap" \
				--src "$(cat "$nres/$way.src")" --allow-missing "$frames" --name "$way")
			wire=$(python3 - "$nres/truth.pcap" "$(cat "$nres/$way.src")" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read(); src = bytes.fromhex(sys.argv[2].replace(":", ""))
off, n = 24, 0
while off + 16 <= len(data):
    incl = struct.unpack_from("<I", data, off + 8)[0]
    n += data[off + 16 + 6: off + 16 + 12] == src
    off += 16 + incl
print(n)
PY
)
			got=$(echo "$line" | sed -n 's/.*(\([0-9]*\) of.*/\1/p')
			[ -n "$got" ] || got=$(echo "$line" | sed -n 's/.*found \([0-9]*\).*/\1/p')
			echo "| $way | $wire | ${got:-?} | $((wire - ${got:-0})) |"
		done
		echo
		echo "native = hpcap's polling driver owns the port; generic = igb owns it, hpcap's generic source taps it; tcpdump = igb + AF_PACKET. Under software emulation the sender and the NIC model set the pace, so these runs show correctness (nothing lost, nothing altered), not which path is faster."
		echo
	} >> "$out"
	tail -n +$(($(wc -l < "$out") - 35)) "$out"
fi
if [ "$append" = 1 ]; then
	{ echo; cat "$out"; } >> bench/RESULTS.md
	echo "run-capture-bench: appended to bench/RESULTS.md"
fi
