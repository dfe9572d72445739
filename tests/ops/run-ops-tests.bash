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
# The ops guest, or with --x599 the install path on the 82599 model
# (whose captures are then compared with QEMU's dump of its port)
guest=tests/ops/vm-guest.bash suffix="" label=ops timeout=600
# ~460 s on a loaded 2-core host with the HPCAP params.cfg install at the
# end; 600 leaves room (the 82599 path: 556 s at load 20)
[ "$x599" = 0 ] || guest=tests/ops/vm-x599-guest.bash suffix=-x599 label=ops-x599 timeout=900
for k in "${kvers[@]}"; do
	res=$BUILD/vm-results/$k$suffix
	rm -rf "$res"
	mkdir -p "$res"
	echo "=== operations: VM tests on $k ($guest)"
	model=()
	[ "$x599" = 0 ] || model=(--x599 1 --x599-dump "$res/truth.pcap")
	st=0
	SECONDS=0
	tests/vm/run-vm.bash --kernel "$k" --timeout "$timeout" --mem 1536 --smp 2 --nics 2 "${model[@]}" \
		--results "$res" --env BUILD=$BUILD -- "$guest" | tee "$res/output.txt" || st=$?
	[ "$x599" = 0 ] || tests/vm/compare-with-dump.bash "$res" "$label"
	echo "(VM tests on $k: ${SECONDS} s)"
	if [ "$st" -ne 0 ] || grep -q '^fail' "$res/output.txt"; then
		echo "FAIL $label on $k (exit $st; guest dmesg in $res/dmesg.txt)"
		status=1
	fi
done
exit $status
