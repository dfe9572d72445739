#!/usr/bin/env bash
# xdp-vm-tests.bash [--kernel KVER]... [--frames N] [--pps RATE] [--systemd]
# - the AF_XDP source (hpcap-xdp) on real NIC drivers in a QEMU guest, per
# kernel: the emulated Intel 82576 (igb: native XDP, copy mode) and
# virtio-net (native XDP; zero-copy where the kernel offers it: the mode
# obtained is printed), each set up through params.cfg mode0=xdp and
# install_hpcap.bash, captured by hpcapdd, uninstalled
# (tests/vm/xdp/xdp-guest.bash).  Then, on the host, each capture against
# QEMU's own dump of the captured port: the same frames byte for byte, in
# order per flow, and frames on the wire = frames on disk + frames
# hpcap-xdp counted lost, exactly.  --systemd: then a second guest per
# kernel runs install's systemd path (hpcap-xdp@<if> under the host's
# systemd started in the guest: xdp-systemd-guest.bash).
# Not part of make check (4-8 minutes per kernel on a loaded 2-core
# host): run it by hand after changing srclib/xdp/, samples/hpcap-xdp/ or
# install's xdp path, or through tests/vm/run-module-tests.bash --only xdp.
# Exit 0 only if every kernel passed.
set -euo pipefail
cd "$(dirname "$0")/../../.."
if [ "${1:-}" = --help ]; then sed -n '2,17p' "$0"; exit 0; fi
kvers=()
env_opts=()
systemd=0
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kvers+=("$2"); shift 2 ;;
	--frames) env_opts+=(--env "XDP_VM_FRAMES=$2"); shift 2 ;;
	--systemd) systemd=1; shift ;;
	--pps) env_opts+=(--env "XDP_VM_PPS=$2"); shift 2 ;;
	*) echo "xdp-vm-tests: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done
[ ${#kvers[@]} -gt 0 ] || mapfile -t kvers < <(tests/vm/kernels.bash)
[ ${#kvers[@]} -gt 0 ] || { echo "xdp-vm-tests: no kernels with headers (scripts/install-deps.bash)"; exit 1; }
BUILD=${BUILD:-build}
make -s BUILD="$BUILD" tools
if [ ! -x "$BUILD/bin/hpcap-xdp" ]; then
	echo "skip xdp-vm: no $BUILD/bin/hpcap-xdp (libxdp missing when it was built: scripts/install-deps.bash)"
	exit 0
fi

status=0
for k in "${kvers[@]}"; do
	res=build/vm-results/$k-xdp
	rm -rf "$res"; mkdir -p "$res"
	echo "=== AF_XDP source on igb and virtio-net on $k"
	start=$SECONDS
	st=0
	tests/vm/run-vm.bash --kernel "$k" --timeout 1200 --mem 1536 --results "$res" --env BUILD="$BUILD" \
		"${env_opts[@]}" --nics 2 --dump "$res/igb-truth.pcap" --virtio 1 --virtio-dump "$res/virtio-truth.pcap" -- \
		tests/vm/xdp/xdp-guest.bash | tee "$res/output.txt" || st=$?
	# Each capture against QEMU's dump of its port.
	for name in igb virtio; do
		[ -f "$res/$name-got.pcap" ] || continue
		src=$(cat "$res/$name.src")
		lost=$(cat "$res/$name.lost")
		line=$(python3 tests/vm/module/compare.py "$res/$name-truth.pcap" "$res/$name-got.pcap" --src "$src" \
			--flows --allow-missing "$lost" --name "xdp-vm $name on $k ($(cat "$res/$name.mode") mode): capture = QEMU's dump of the wire" || true)
		echo "$line" | tee -a "$res/output.txt"
		# frames on the wire = on disk + counted lost, exactly
		if [[ $line =~ \(([0-9]+)\ of\ ([0-9]+)\ frames ]]; then
			disk=${BASH_REMATCH[1]} wire=${BASH_REMATCH[2]}
			if [ "$wire" -eq $((disk + lost)) ] && [ "$wire" -gt 0 ]; then
				echo "ok   xdp-vm $name on $k: on the wire $wire = on disk $disk + counted lost $lost" | tee -a "$res/output.txt"
			else
				echo "fail xdp-vm $name on $k: on the wire $wire, on disk $disk + counted lost $lost" | tee -a "$res/output.txt"
			fi
		fi
	done
	if grep -qE 'WARNING|BUG|Oops' "$res/dmesg.txt" 2>/dev/null; then
		echo "fail xdp-vm on $k: kernel warnings in the guest: $(grep -m1 -E 'WARNING|BUG|Oops' "$res/dmesg.txt")" | tee -a "$res/output.txt"
	fi
	echo "xdp-vm on $k: $((SECONDS - start)) s"
	if [ "$systemd" = 1 ]; then
		sres=build/vm-results/$k-xdp-systemd
		rm -rf "$sres"; mkdir -p "$sres"
		echo "=== install's systemd path for mode0=xdp on $k"
		start=$SECONDS
		tests/vm/run-vm.bash --kernel "$k" --timeout 1200 --mem 1536 --results "$sres" --env BUILD="$BUILD" \
			--nics 2 -- tests/vm/xdp/xdp-systemd-guest.bash | tee "$sres/output.txt" || st=$?
		echo "xdp-vm systemd on $k: $((SECONDS - start)) s"
		if grep -q '^fail' "$sres/output.txt"; then st=1; fi
	fi
	if [ "$st" -ne 0 ] || grep -q '^fail' "$res/output.txt"; then
		echo "FAIL (xdp) on $k (exit $st; guest dmesg in $res/dmesg.txt)"
		status=1
	fi
done
exit $status
