#!/usr/bin/env bash
# run-unit.bash - build with ASan/UBSan and run every unit and tool test.
#
#   tests/run-unit.bash [--no-san]
#
# C unit tests (tests/unit/test_*.c), each tool's tests (samples/*/tests/*.bash),
# and the man-page/--help checks.  Exit 0 only if every suite passed.
set -euo pipefail
cd "$(dirname "$0")/.."

build="build-san"
san=1
if [ "${1:-}" = "--no-san" ]; then build="build"; san=0; fi
if [ "${1:-}" = "--help" ]; then sed -n '2,8p' "$0"; exit 0; fi

jobs=$(nproc 2>/dev/null || echo 2)
make -s -j"$jobs" BUILD="$build" SAN="$san" libs tools

cflags=(-std=c11 -Wall -Wextra -Werror -Wno-format-truncation -O1 -g -Iinclude -Isrclib -Itests/unit -Idriver
	-D_FILE_OFFSET_BITS=64)
if [ "$san" = 1 ]; then
	# shellcheck disable=SC2054 # commas belong to the flag
	cflags+=(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1

failed=()
mkdir -p "$build/tests"
for src in tests/unit/test_*.c; do
	name=$(basename "$src" .c)
	bin="$build/tests/$name"
	libs=()
	pre=()
	grep -q 'pcap/pcap.h' "$src" && libs+=(-lpcap)
	grep -q 'libmgmon.h' "$src" && pre+=("$build/lib/libmgmon.a")
	grep -q "hpcap_ring.h\|hpcap_rxpoll.h" "$src" && libs+=(driver/hpcap_ring.c -lpthread)
	grep -q "hpcap_rxpoll.h" "$src" && libs+=(driver/hpcap_rxpoll.c)
	# srclib/xdp (AF_XDP): only where it was built (libxdp installed).
	if grep -q '"xdp/' "$src"; then
		[ -f "$build/lib/libhpcapxdp.a" ] || { echo "skip $name (no libxdp)"; continue; }
		pre+=("$build/lib/libhpcapxdp.a")
		libs+=(-lxdp -lbpf -lnuma)
	fi
	# shellcheck disable=SC2046 # srclib/LIBS holds several flags
	if ! cc "${cflags[@]}" -o "$bin" "$src" "${pre[@]}" "$build/lib/libhpcap.a" "${libs[@]}" \
		$(cat srclib/LIBS 2>/dev/null) -lpthread; then
		failed+=("$name (build)")
		continue
	fi
	"$bin" || failed+=("$name")
done

# Threaded tests once more under ThreadSanitizer (the ring handoff).
if [ "$san" = 1 ]; then
	for src in tests/unit/test_*.c; do
		grep -q pthread "$src" || continue
		name=$(basename "$src" .c)-tsan
		# shellcheck disable=SC2046 # srclib/LIBS holds several flags
		if ! cc -std=c11 -Wall -Wextra -Werror -Wno-tsan -Wno-format-truncation -O1 -g -fsanitize=thread -Iinclude -Isrclib \
			-Itests/unit -Idriver -D_FILE_OFFSET_BITS=64 -o "$build/tests/$name" "$src" \
			driver/hpcap_ring.c srclib/*.c srclib/mgmon/*.c -lpthread -lpcap $(cat srclib/LIBS 2>/dev/null); then
			failed+=("$name (build)")
			continue
		fi
		TSAN_OPTIONS=halt_on_error=1 "$build/tests/$name" | sed 's/$/ (TSan)/' || failed+=("$name")
	done
fi

for t in samples/*/tests/*.bash tests/man/test-man.bash; do
	[ -f "$t" ] || continue
	st=0
	bash "$t" "$PWD/$build/bin" || st=$?
	if [ "$st" -ne 0 ] && [ "$st" -ne 4 ]; then failed+=("$t"); fi
done

tests/run-shellcheck.bash || failed+=(shellcheck)

if [ "${#failed[@]}" -ne 0 ]; then
	printf 'FAILED: %s\n' "${failed[@]}"
	exit 1
fi
echo "check-unit: all passed"
