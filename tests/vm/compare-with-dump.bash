#!/usr/bin/env bash
# compare-with-dump.bash RESULTS LABEL - each capture a guest left in
# RESULTS (NAME.src: the test's source MAC, NAME-got.pcap: what it
# captured, NAME.opts: compare.py options) against QEMU's dump of the wire,
# RESULTS/truth.pcap; one ok/fail line per capture, also appended to
# RESULTS/output.txt (which the callers grep for failures).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
res=$1 label=$2
for src in "$res"/*.src; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .src)
	[ -f "$res/$name-got.pcap" ] || continue
	# shellcheck disable=SC2046 # options are words
	python3 tests/vm/module/compare.py "$res/truth.pcap" "$res/$name-got.pcap" \
		--src "$(cat "$src")" --name "$label $name: capture = QEMU's dump of the wire" \
		$(cat "$res/$name.opts" 2>/dev/null) | tee -a "$res/output.txt"
done
exit 0
