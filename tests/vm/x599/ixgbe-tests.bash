#!/usr/bin/env bash
# ixgbe-tests.bash - proves hpcap's QEMU model of the Intel 82599 against
# Linux's own ixgbe driver, on every kernel (or those given with --kernel).
#
# Per kernel: a guest with one igb NIC and one hpcap-82599 model on the same
# virtual wire runs ixgbe-guest.bash (bind, MAC, link, 100,000 mixed frames,
# RSS, counters); then, on the host, the frames tcpdump saw on the 82599 are
# compared with QEMU's own dump of the 82599's port (none lost, none
# altered, in order within each flow), and the model's log of registers it
# does not implement must be empty: every register the driver touched has
# been reviewed (tests/vm/qemu/hw/net/hpcap_82599_regtab.c).
#
# Skips (exit 0, "skip" line) when the patched QEMU is not built.
# Results in build/vm-results/KVER-x599/.  Exit 0 only if all passed.
set -euo pipefail
cd "$(dirname "$0")/../../.."
prog=ixgbe-tests

usage() {
	cat <<'USAGE'
Usage: tests/vm/x599/ixgbe-tests.bash [--kernel KVER]... [--frames N] [--pps RATE]

Runs Linux's ixgbe against the hpcap-82599 QEMU model on each kernel (all of
tests/vm/kernels.bash by default) and checks it end to end against QEMU's
dump of the wire.  Needs the patched QEMU (tests/vm/qemu/build-qemu.bash, or
HPCAP_QEMU=path); without it prints a "skip" line and exits 0.
  --frames N    frames in the main stream (default 100000)
  --pps RATE    sender pace, frames per second (default 5000)
USAGE
}

kvers=()
frames=100000
pps=5000
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) [ $# -ge 2 ] || { echo "$prog: --kernel needs a version" >&2; exit 2; }; kvers+=("$2"); shift 2 ;;
	--frames) frames=$2; shift 2 ;;
	--pps) pps=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "$prog: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done
[[ $frames =~ ^[1-9][0-9]*$ && $pps =~ ^[1-9][0-9]*$ ]] ||
	{ echo "$prog: --frames and --pps want positive numbers" >&2; exit 2; }

# shellcheck source=tests/vm/qemu/qemu-model.bash
. tests/vm/qemu/qemu-model.bash
qemu_bin=${HPCAP_QEMU:-}
if [ -z "$qemu_bin" ] && ! qemu_bin=$(hpcap_qemu_find); then
	echo "skip x599           no QEMU with the 82599 model for this model version (key $(hpcap_qemu_key));" \
		"build it with: sudo tests/vm/qemu/build-qemu.bash"
	exit 0
fi
[ ${#kvers[@]} -gt 0 ] || mapfile -t kvers < <(tests/vm/kernels.bash)

# pcap_count FILE MAC: frames from source MAC in a pcap
pcap_count() {
	python3 - "$1" "$2" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
src = bytes.fromhex(sys.argv[2].replace(":", ""))
off, n = 24, 0
while off + 16 <= len(data):
    incl = struct.unpack_from("<I", data, off + 8)[0]
    n += data[off + 22:off + 28] == src
    off += 16 + incl
print(n)
PY
}

# link_operator SOCKET: passes the console through, and answers the guest's
# "x599: set_link off|on please" by telling QEMU's monitor to take the
# 82599's link (its netdev x0) down or up.
link_operator() {
	local sock=$1 line words
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case "$line" in
		"x599: set_link "*" please")
			read -ra words <<<"$line"
			python3 - "$sock" "${words[2]}" <<'PY' || echo "link_operator: cannot reach QEMU's monitor" >&2
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(f"set_link x0 {sys.argv[2]}\n".encode())
time.sleep(0.5)
s.close()
PY
			;;
		esac
	done
}

status=0
# the per-queue check is only as good as this hash
python3 tests/vm/x599/rss_expect.py --selftest || status=1
for k in "${kvers[@]}"; do
	res=build/vm-results/$k-x599
	rm -rf "$res"
	mkdir -p "$res"
	echo "=== ixgbe on the 82599 model, $k"
	st=0
	mon=$res/monitor.sock
	tests/vm/run-vm.bash --kernel "$k" --qemu "$qemu_bin" --timeout 900 --smp 4 --mem 1536 \
		--results "$res" --nics 1 --dump "$res/igb-wire.pcap" --x599 1 --x599-dump "$res/truth.pcap" \
		--unimp-log "$res/unimp.log" --monitor "$mon" \
		--env X599_FRAMES="$frames" --env X599_PPS="$pps" --env X599_MONITOR=1 -- \
		tests/vm/x599/ixgbe-guest.bash | tee "$res/output.txt" | link_operator "$mon" || st=$?
	{
		if [ -s "$res/got.pcap" ]; then
			# where each test frame was seen: a loss before the 82599's
			# port is the sender's, not the model's
			src=$(cat "$res/src.txt")
			echo "info frames sent $(pcap_count "$res/sent.pcap" "$src"), on the igb's wire" \
				"$(pcap_count "$res/igb-wire.pcap" "$src"), at the 82599's port" \
				"$(pcap_count "$res/truth.pcap" "$src"), captured by tcpdump" \
				"$(pcap_count "$res/got.pcap" "$src")"
			python3 tests/vm/module/compare.py "$res/truth.pcap" "$res/got.pcap" \
				--src "$(cat "$res/src.txt")" --flows \
				--name "ixgbe capture = QEMU's dump of the 82599's wire"
			python3 tests/vm/module/compare.py "$res/truth.pcap" "$res/vlan-off.pcap" \
				--src 02:00:00:00:00:ab --flows \
				--name "VLAN frames, stripping off = QEMU's dump"
		else
			echo "fail ixgbe capture - no got.pcap from the guest"
		fi
		unimp=$(grep -c 'hpcap-82599: unimplemented' "$res/unimp.log" 2>/dev/null || true)
		if [ "${unimp:-0}" = 0 ]; then
			echo "ok   model: no access to an unreviewed register"
		else
			echo "fail model: $unimp accesses to unreviewed registers - see $res/unimp.log"
		fi
	} | tee -a "$res/output.txt"
	if [ "$st" -ne 0 ] || grep -q '^fail' "$res/output.txt"; then
		echo "FAIL (x599) on $k (exit $st; guest dmesg in $res/dmesg.txt)"
		status=1
	fi
done
exit $status
