#!/usr/bin/env bash
# run-module-tests.bash [--kernel KVER]... [--only generic|native|pipeline|fault|x599|native-x599|xdp] [--native TEST]... [TEST...]
# - build hpcap.ko for every kernel with headers (W=1, sparse when available), then boot
# each kernel in QEMU and run the module's tests inside (the fault suite runs
# fault-tests.bash with the allocation-failure test build); x599 (Linux's ixgbe on
# the 82599 model, skipped without the patched QEMU) and hpcap's AUTOC semaphore
# check on the model run by default, the whole native suite on the model
# (native-x599) only when asked, as is the AF_XDP source on igb and
# virtio-net (xdp: tests/vm/xdp/xdp-vm-tests.bash, no module build).
# Exit 0 only if every kernel passed every test.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${1:-}" = "--help" ]; then sed -n '2,10p' "$0"; exit 0; fi
kvers=()
native_tests=""
only=""
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kvers+=("$2"); shift 2 ;;
	--native) native_tests="$native_tests $2"; shift 2 ;;
	--only) only=$2; shift 2 ;;
	*) break ;;
	esac
done
[ ${#kvers[@]} -gt 0 ] || mapfile -t kvers < <(tests/vm/kernels.bash)
[ ${#kvers[@]} -gt 0 ] || { echo "check-vm: no kernels with headers (scripts/install-deps.bash)"; exit 1; }
tests/deps/check-deps.bash --preflight --vm || exit 1
# The AF_XDP source needs no module: its suite has a runner of its own.
if [ "$only" = xdp ]; then
	kargs=()
	for k in "${kvers[@]}"; do kargs+=(--kernel "$k"); done
	exec tests/vm/xdp/xdp-vm-tests.bash "${kargs[@]}"
fi

# A build of its own: the guest runs these binaries through 9p while the
# tests run, so a rebuild of build/ at the same time can not disturb them.
export BUILD=build-vm
jobs=$(nproc 2>/dev/null || echo 2)
make -s -j"$jobs" BUILD=$BUILD libs tools
sparse_opt=()
command -v sparse >/dev/null && sparse_opt=(--sparse)
mkdir -p build/kmod
{
	scripts/build-module.bash "${sparse_opt[@]}" "${kvers[@]}"
	if [ -z "$only" ] || [ "$only" = fault ]; then
		scripts/build-module.bash "${sparse_opt[@]}" --fault-test "${kvers[@]}"
	fi
} 2>&1 | tee build/kmod/build.log
if grep -qE 'warning|error' build/kmod/build.log; then
	echo "fail module build: compiler or sparse warnings (see build/kmod/build.log)"
	exit 1
fi
mkdir -p $BUILD/tests-vm
for src in tests/vm/module/*.c; do
	cc -std=c11 -Wall -Wextra -Werror -O2 -g -Iinclude -Isrclib -o "$BUILD/tests-vm/$(basename "$src" .c)" \
		"$src" $BUILD/lib/libhpcap.a
done
# The HPCAP User Guide's libmgmon example, as its users build it (the
# guest runs it on a live queue: guest-tests.bash guide)
read -r -a libs_extra <srclib/LIBS
cc -std=gnu11 -Wall -Wextra -Werror -O2 -Iinclude -o $BUILD/tests-vm/hpcap_guide_example \
	tests/compat/hpcap_guide_example.c $BUILD/lib/libmgmon.a $BUILD/lib/libhpcap.a -lpcap -lpthread "${libs_extra[@]}"


# run_native KVER LABEL [run-vm options]: tests/vm/module/native-tests.bash in a
# guest with two igb NICs (and whatever the options add); each test's capture
# is then compared with QEMU's dump of the captured port.
run_native() {
	local k=$1 label=$2 nres st=0 dump
	shift 2
	nres=build/vm-results/$k-$label
	rm -rf "$nres"; mkdir -p "$nres"
	echo "=== $label driver tests on $k"
	dump=(--dump "$nres/truth.pcap")
	[[ " $* " == *" --x599 "* ]] && dump=(--x599-dump "$nres/truth.pcap")
	# shellcheck disable=SC2086 # the test names are words
	tests/vm/run-vm.bash --kernel "$k" --timeout 1800 --mem 1536 --results "$nres" --env BUILD=$BUILD \
		--nics 2 "${dump[@]}" "$@" -- \
		tests/vm/module/native-tests.bash $native_tests | tee "$nres/output.txt" || st=$?
	# Each test's capture against the wire itself.
	tests/vm/compare-with-dump.bash "$nres" "$label"
	if [ "$st" -ne 0 ] || grep -q '^fail' "$nres/output.txt"; then
		echo "FAIL ($label) on $k (exit $st; guest dmesg in $nres/dmesg.txt)"
		return 1
	fi
}

status=0
for k in "${kvers[@]}"; do
	if [ -z "$only" ] || [ "$only" = generic ]; then
		res=build/vm-results/$k
		rm -rf "$res"; mkdir -p "$res"
		echo "=== module tests on $k"
		st=0
		tests/vm/run-vm.bash --kernel "$k" --timeout 900 --mem 1536 --results "$res" --env BUILD=$BUILD -- \
			tests/vm/module/guest-tests.bash "$@" | tee "$res/output.txt" || st=$?
		if [ "$st" -ne 0 ] || grep -q '^fail' "$res/output.txt"; then
			echo "FAIL on $k (exit $st; guest dmesg in $res/dmesg.txt)"
			status=1
		fi
	fi
	if [ -z "$only" ] || [ "$only" = pipeline ]; then
		pres=build/vm-results/$k-pipeline
		rm -rf "$pres"; mkdir -p "$pres"
		echo "=== pipeline tests on $k"
		st=0
		tests/vm/run-vm.bash --kernel "$k" --timeout 600 --mem 1536 --results "$pres" --env BUILD=$BUILD -- \
			tests/vm/module/pipeline-tests.bash | tee "$pres/output.txt" || st=$?
		if [ "$st" -ne 0 ] || grep -q '^fail' "$pres/output.txt"; then
			echo "FAIL (pipeline) on $k (exit $st; guest dmesg in $pres/dmesg.txt)"
			status=1
		fi
	fi
	if [ -z "$only" ] || [ "$only" = x599 ]; then
		# Linux's ixgbe against the 82599 model (skips without the patched
		# QEMU); 30,000 frames keep make check inside CI's hour, the
		# 100,000-frame proof is tests/vm/x599/ixgbe-tests.bash by hand.
		tests/vm/x599/ixgbe-tests.bash --kernel "$k" --frames 30000 || status=1
	fi
	if [ -z "$only" ] || [ "$only" = native-x599 ]; then
		# AUTOC only under the SW/FW semaphore, in the model's access trace
		# (about a minute per kernel: in make check too; skips without
		# the patched QEMU)
		tests/vm/x599/csr-lock-tests.bash --kernel "$k" || status=1
	fi
	if [ "$only" = native-x599 ]; then
		# hpcap's native driver on the 82599 model, the igb at 0x8 sending
		run_native "$k" native-x599 --x599 1 --env NATIVE_CAP=0000:00:05.0 \
			--env NATIVE_SPEED=10000 --env NATIVE_DRIVER=ixgbe || status=1
	fi
	if [ -z "$only" ] || [ "$only" = fault ]; then
		fres=build/vm-results/$k-fault
		rm -rf "$fres"; mkdir -p "$fres"
		echo "=== fault tests on $k (allocation-failure test build)"
		st=0
		tests/vm/run-vm.bash --kernel "$k" --timeout 1200 --mem 1536 --results "$fres" --env BUILD=$BUILD \
			--nics 2 -- tests/vm/module/fault-tests.bash | tee "$fres/output.txt" || st=$?
		if [ "$st" -ne 0 ] || grep -q '^fail' "$fres/output.txt"; then
			echo "FAIL (fault) on $k (exit $st; guest dmesg in $fres/dmesg.txt)"
			status=1
		fi
	fi
	[ -n "$only" ] && [ "$only" != native ] && continue

	# The native driver on two emulated 82576 NICs, QEMU's dump of the
	# captured port as ground truth.
	run_native "$k" native || status=1
done
exit $status
