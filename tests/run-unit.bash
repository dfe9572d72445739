#!/usr/bin/env bash
# run-unit.bash - build with ASan/UBSan and run every unit and tool test.
#
#   tests/run-unit.bash [--no-san]
#
# C unit tests (tests/unit/test_*.c), each tool's tests (samples/*/tests/*.bash),
# the man-page/--help checks, shellcheck, the house plan's floors and the
# dependency list.  Exit 0 only if every suite passed.
set -euo pipefail
cd "$(dirname "$0")/.."

build="build-san"
san=1
if [ "${1:-}" = "--no-san" ]; then build="build"; san=0; fi
if [ "${1:-}" = "--help" ]; then sed -n '2,8p' "$0"; exit 0; fi

jobs=$(nproc 2>/dev/null || echo 2)
make -s -j"$jobs" BUILD="$build" SAN="$san" libs tools

# What each test links is the Makefile's business (unit-tests, tsan-tests).
make -s -j"$jobs" BUILD="$build" SAN="$san" unit-tests
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1

failed=()
for src in tests/unit/test_*.c; do
	name=$(basename "$src" .c)
	# Left out by the Makefile where its libraries are missing (test_xdp).
	[ -x "$build/tests/$name" ] || { echo "skip $name (not built here: see the Makefile)"; continue; }
	"$build/tests/$name" || failed+=("$name")
done

# Threaded tests once more under ThreadSanitizer (the ring handoff).
if [ "$san" = 1 ]; then
	if make -s -j"$jobs" BUILD=build-tsan SAN=thread tsan-tests; then
		for t in $(make -s --no-print-directory -f Makefile print-tsan-tests); do
			TSAN_OPTIONS=halt_on_error=1 "build-tsan/tests/$t" | sed 's/$/ (TSan)/' || failed+=("$t (TSan)")
		done
	else
		failed+=("TSan build")
	fi
fi

for t in samples/*/tests/*.bash tests/compat/*.bash tests/man/test-man.bash; do
	[ -f "$t" ] || continue
	st=0
	bash "$t" "$PWD/$build/bin" || st=$?
	if [ "$st" -ne 0 ] && [ "$st" -ne 4 ]; then failed+=("$t"); fi
done

tests/run-shellcheck.bash || failed+=(shellcheck)
python3 tests/arch/check-floors.py || failed+=("tests/arch/check-floors.py (doc/architecture.md)")
tests/deps/check-deps.bash || failed+=("tests/deps/check-deps.bash (scripts/deps.list)")

if [ "${#failed[@]}" -ne 0 ]; then
	printf 'FAILED: %s\n' "${failed[@]}"
	exit 1
fi
echo "check-unit: all passed"
