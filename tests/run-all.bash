#!/usr/bin/env bash
# run-all.bash - what `make check` runs: every suite, one after the other,
# even when an earlier one failed, then one line that says how it went:
# "check: all passed", or "check: FAILED: <suites>" and exit status 1.
# Each suite's output is also kept in build/check-logs/<suite>.log, and the
# fail lines of the failed suites are repeated at the end: CI shows only the
# tail of a long run, and the line that says what failed must be in it.
#
#   tests/run-all.bash [SUITE...]   (default: unit fuzz vm ops xdp)
#     unit  tests/run-unit.bash          (ASan/UBSan, TSan, tools, shellcheck, deps)
#     fuzz  tests/fuzz/run-fuzz.bash     (bounded libFuzzer runs)
#     vm    tests/vm/run-module-tests.bash (the module in QEMU, every kernel)
#     ops   tests/ops/run-ops-tests.bash (operations scripts, host and VM)
#     xdp   tests/xdp/run-xdp-tests.bash (hpcap-xdp on veth; root, AF_XDP)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
case "${1:-}" in -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(unit fuzz vm ops xdp)
failed=()
logs=build/check-logs
mkdir -p "$logs" || exit 1
t0=$(date +%s)
for s in "${suites[@]}"; do
	case $s in
	unit) cmd=(tests/run-unit.bash) ;;
	fuzz) cmd=(tests/fuzz/run-fuzz.bash) ;;
	vm) cmd=(tests/vm/run-module-tests.bash) ;;
	ops) cmd=(tests/ops/run-ops-tests.bash) ;;
	xdp) cmd=(tests/xdp/run-xdp-tests.bash) ;;
	*) echo "run-all: unknown suite '$s' (unit, fuzz, vm, ops, xdp)" >&2; exit 2 ;;
	esac
	t=$(date +%s)
	echo "=== check-$s: ${cmd[*]}"
	"${cmd[@]}" 2>&1 | tee "$logs/$s.log"
	if [ "${PIPESTATUS[0]}" = 0 ]; then
		echo "=== check-$s: passed in $(($(date +%s) - t)) s"
	else
		echo "=== check-$s: FAILED after $(($(date +%s) - t)) s"
		failed+=("check-$s")
	fi
done
if [ ${#failed[@]} -eq 0 ]; then
	echo "check: all passed (${suites[*]}; $(($(date +%s) - t0)) s)"
else
	for f in "${failed[@]}"; do
		log=$logs/${f#check-}.log
		echo "--- $f: its fail lines (whole output in $log)"
		# The tests' own "fail"/"FAIL" lines; a suite that died before
		# printing any shows its last lines instead
		grep -E '^(fail|FAIL)|^not ok' "$log" | tail -n 40 | grep . || tail -n 15 "$log"
	done
	echo "check: FAILED: ${failed[*]} (their fail lines are just above)"
	exit 1
fi
