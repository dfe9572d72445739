#!/usr/bin/env bash
# run-ops-tests.bash - the tests of the operations scripts: the host part
# (tests/ops/host-tests.bash: parse-hpcap-log fixtures, params.cfg errors on
# a made-up machine, gen-hpcap-config, status, Prometheus, systemd units,
# DKMS, make install, shellcheck, --help) and the VM part
# (tests/ops/vm-guest.bash in a QEMU guest with two emulated 82576 NICs, on
# every kernel).  With --x599, instead, the install path on hpcap's 82599
# model (tests/ops/vm-x599-guest.bash; needs the QEMU that
# tests/vm/qemu/build-qemu.bash builds).  Exit 0 only if everything passed.
set -euo pipefail
cd "$(dirname "$0")/../.."

usage() {
	cat <<'USAGE'
Usage: tests/ops/run-ops-tests.bash [--host-only | --vm-only | --x599] [--kernel KVER]...

  --host-only    only the host tests (no QEMU needed)
  --vm-only      only the VM tests
  --x599         only the install path on the emulated 82599 (mode 2 on
                 two queues, mode 3), each capture compared with QEMU's
                 dump of the wire; not part of make check (about 5 minutes
                 per kernel)
  --kernel KVER  boot this kernel (repeatable; default: every kernel of
                 tests/vm/kernels.bash)
Builds the tools into build-ops/ and hpcap.ko into build/kmod/<KVER>/.
Results of the VM runs: build-ops/vm-results/<KVER>/ (output.txt,
dmesg.txt, the status JSON, monitor logs, plots).
USAGE
}

host=1 vm=1 x599=0 kvers=()
while [ $# -gt 0 ]; do
	case $1 in
	--host-only) vm=0; shift ;;
	--vm-only) host=0; shift ;;
	--x599) host=0 x599=1; shift ;;
	--kernel) [ $# -ge 2 ] || { echo "run-ops-tests: --kernel needs a version" >&2; exit 2; }; kvers+=("$2"); shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "run-ops-tests: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done

export BUILD=build-ops
status=0
if [ "$host" = 1 ]; then
	echo "=== operations: host tests"
	tests/ops/host-tests.bash || status=1
	tests/ops/shm-queue-tests.bash || status=1
fi
[ "$vm" = 1 ] || exit $status

[ ${#kvers[@]} -gt 0 ] || mapfile -t kvers < <(tests/vm/kernels.bash)
tests/deps/check-deps.bash --preflight --vm || exit 1
if [ ${#kvers[@]} = 0 ] || ! command -v qemu-system-x86_64 >/dev/null; then
	echo "fail ops-vm        no kernel with headers or no QEMU (scripts/install-deps.bash installs them)"
	exit 1
fi
make -s -j"$(nproc 2>/dev/null || echo 2)" BUILD=$BUILD libs tools
scripts/build-module.bash "${kvers[@]}" >/dev/null
if [ "$x599" = 1 ]; then
	for k in "${kvers[@]}"; do
		res=$BUILD/vm-results/$k-x599
		rm -rf "$res"
		mkdir -p "$res"
		echo "=== operations: the install path on the 82599 model, $k"
		st=0
		SECONDS=0
		tests/vm/run-vm.bash --kernel "$k" --timeout 900 --mem 1536 --smp 2 --nics 2 \
			--x599 1 --x599-dump "$res/truth.pcap" --results "$res" --env BUILD=$BUILD -- \
			tests/ops/vm-x599-guest.bash | tee "$res/output.txt" || st=$?
		# Each capture against the wire itself, as QEMU saw it.
		for src in "$res"/*.src; do
			[ -e "$src" ] || continue
			name=$(basename "$src" .src)
			[ -f "$res/$name-got.pcap" ] || continue
			# shellcheck disable=SC2046 # options are words
			python3 tests/vm/module/compare.py "$res/truth.pcap" "$res/$name-got.pcap" \
				--src "$(cat "$src")" --name "ops-x599 $name: capture = QEMU's dump of the wire" \
				$(cat "$res/$name.opts" 2>/dev/null) | tee -a "$res/output.txt"
		done
		echo "(82599 install path on $k: ${SECONDS} s)"
		if [ "$st" -ne 0 ] || grep -q '^fail' "$res/output.txt"; then
			echo "FAIL ops-x599 on $k (exit $st; guest dmesg in $res/dmesg.txt)"
			status=1
		fi
	done
	exit $status
fi
for k in "${kvers[@]}"; do
	res=$BUILD/vm-results/$k
	rm -rf "$res"
	mkdir -p "$res"
	echo "=== operations: VM tests on $k"
	st=0
	SECONDS=0
	# ~460 s on a loaded 2-core host with the HPCAP params.cfg install at
	# the end; 600 leaves room
	tests/vm/run-vm.bash --kernel "$k" --timeout 600 --mem 1536 --smp 2 --nics 2 \
		--results "$res" --env BUILD=$BUILD -- tests/ops/vm-guest.bash | tee "$res/output.txt" || st=$?
	echo "(VM tests on $k: ${SECONDS} s)"
	if [ "$st" -ne 0 ] || grep -q '^fail' "$res/output.txt"; then
		echo "FAIL ops on $k (exit $st; guest dmesg in $res/dmesg.txt)"
		status=1
	fi
done
exit $status
