#!/usr/bin/env bash
# run-fuzz.bash [SECONDS] - build the libFuzzer targets with ASan/UBSan and
# run each for a bounded time (default 30 s) from the seed corpus of RAW
# fixtures (one of them zstd-compressed).  A crash leaves its input in build-fuzz/ and fails the run.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-30}
if [ "${1:-}" = "--help" ]; then sed -n '2,4p' "$0"; exit 0; fi
command -v clang >/dev/null || { echo "run-fuzz: clang is needed (scripts/install-deps.bash)"; exit 1; }
out=build-fuzz
mkdir -p "$out/corpus-raw"
cp tests/fixtures/small-16k/*.raw "$out/corpus-raw/" 2>/dev/null || true
tests/fixtures/unhex.bash tests/fixtures/tiny.raw.hex "$out/corpus-raw/tiny.raw"
# A zstd-compressed capture too, so capscan's zstd path (file/capzst.c)
# is reached from the start.
zstd -q -f -c "$out/corpus-raw/tiny.raw" >"$out/corpus-raw/tiny.raw.zst"
make -s -j2 BUILD="$out" SAN=fuzz CC=clang fuzz-targets
for t in tests/fuzz/fuzz_*.c; do
	name=$(basename "$t" .c)
	cp "$out/fuzz/$name" "$out/$name"
	echo "fuzz: $name for ${secs}s"
	"$out/$name" -max_total_time="$secs" -max_len=200000 -timeout=10 \
		-artifact_prefix="$out/$name-" -print_final_stats=1 \
		"$out/corpus-raw" 2>&1 | grep -E 'stat::number_of_executed_units|ERROR|SUMMARY|Done' || true
	if ls "$out/$name"-crash-* "$out/$name"-leak-* "$out/$name"-timeout-* >/dev/null 2>&1; then
		echo "fail fuzz $name: see $out/$name-*"
		exit 1
	fi
	echo "ok   fuzz $name"
done
