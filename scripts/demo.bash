#!/usr/bin/env bash
# demo.bash - the main job end to end, on an emulated machine when there is
# no capture NIC: boot a Debian kernel in QEMU, load hpcap.ko, capture a
# network interface with it, generate traffic, write the capture to disk
# with hpcapdd, validate it with checkraw, convert it with raw2pcap, and
# compare what was captured with what was sent, frame by frame.
#
#   scripts/demo.bash [--kernel KVER] [--frames N]
#
# Without QEMU or a kernel image it falls back to scripts/demo-offline.bash.
set -euo pipefail
cd "$(dirname "$0")/.."
kver=""
frames=20000
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kver=$2; shift 2 ;;
	--frames) frames=$2; shift 2 ;;
	-h | --help) sed -n '2,10p' "$0"; exit 0 ;;
	*) echo "demo: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done
[ -n "$kver" ] || kver=$(tests/vm/kernels.bash 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$kver" ] || ! command -v qemu-system-x86_64 >/dev/null; then
	echo "demo: no QEMU or kernel image with headers here (scripts/install-deps.bash installs them);"
	echo "demo: showing the storage path without the module instead."
	exec scripts/demo-offline.bash
fi
tests/deps/check-deps.bash --preflight --vm || exit 1
export BUILD=build-demo
make -s BUILD=$BUILD libs tools
scripts/build-module.bash "$kver" >/dev/null
out=build/demo
rm -rf "$out"; mkdir -p "$out"
echo "demo: booting Debian's $kver in QEMU (software emulation, ~10 s)..."
tests/vm/run-vm.bash --kernel "$kver" --timeout 600 --mem 1536 --results "$out" \
	--env BUILD=$BUILD --env FRAMES="$frames" -- scripts/demo-guest.bash
echo "demo: capture files and pcaps kept in $out/ (the guest's PASSED line above is the result)"
