#!/usr/bin/env bash
# test-capture-index.bash [BINDIR] - hpcapdd --index (block copy) and
# hpcapdd_p --index (per frame, pcap and pcapng output, and pcap and RAW
# compressed with seekable zstd) on pcap2hpcap
# replays: every finished file gets FILE.idx, equal to what hpcap-index
# builds for it (--verify); the capture holds every frame sent (none
# counted lost); hpcap-extract over the capture directory with a filter
# and a time range = tcpdump over the replayed pcap; usage errors.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
bin=${1:-$top/build/bin}
# shellcheck source=../../../tests/lib.sh
. "$top/tests/lib.sh"
t_init capture-index
for p in python3 tcpdump tshark; do
	command -v $p >/dev/null || t_skip "$p not installed"
done
cd "$T_TMP" || exit 1
t_queues
mkdir gen
replay() { t_replay -q "$@"; }
records() { tail -c +25 "$1"; }

python3 "$here/../../hpcap-extract/tests/gen_queues.py" gen --queues 1 --count 20000 --step-ns 10000
cp gen/q0.pcap in.pcap
filter="udp and net 10.1.0.0/16"
b=1700000000.05
e=1700000000.15
tshark -r in.pcap -Y "frame.time_epoch >= $b && frame.time_epoch < $e" -F nsecpcap -w range.pcap 2>/dev/null
tcpdump --time-stamp-precision=nano -r range.pcap -w want.pcap "$filter" 2>/dev/null
records want.pcap >want.rec
records in.pcap >all.rec

# check NAME DIR: indexes beside every file, = hpcap-index's; extraction
# = tcpdump; every frame there.
check() {
	local name=$1 dir=$2 n ni
	n=$(find "$dir" -type f ! -name '*.idx' | wc -l)
	ni=$(find "$dir" -type f -name '*.idx' | wc -l)
	t_eq "$name: an index for each of the $n files" "$n" "$ni"
	t_eq "$name: several files" yes "$([ "$n" -ge 3 ] && echo yes || echo no)"
	t_run "$name: each = what hpcap-index builds (--verify)" 0 "$bin/hpcap-index" --verify -q "$dir"
	t_run "$name: extract everything" 0 "$bin/hpcap-extract" -q -o all.pcap "$dir"
	records all.pcap >got-all.rec
	t_same_file "$name: every frame sent is on disk, in order" all.rec got-all.rec
	t_run "$name: extract a range and a filter" 0 "$bin/hpcap-extract" -b $b -e $e -f "$filter" -o got.pcap "$dir"
	t_grep "$name: ... using the indexes" "skipped by index \\([1-9][0-9]* time" "$T_OUT"
	records got.pcap >got.rec
	t_same_file "$name: ... = tcpdump over the replayed pcap" want.rec got.rec
}

mkdir dd
# The block copy indexes from the buffer and may keep half of it for the
# index: 16 MiB holds the whole replay (7 MB), so however slowly the index
# thread runs on a loaded machine, no file goes unindexed.
replay -b 16M --file-size 1M in.pcap 1 0
t_wait_queue 1 0
t_run "hpcapdd --index (block copy)" 0 "$bin/hpcapdd" -i 0 --index --index-queue 4096 --name '%{seq}' 1 0 dd
wait "$REPLAY"
t_grep "hpcapdd: indexes counted" "indexes: [1-9][0-9]* written, 0 skipped \\(indexer behind\\), 0 failed" "$T_OUT"
t_grep "hpcapdd: nothing lost" "hpcapdd: 0 frames lost" "$T_OUT"
check hpcapdd dd

for fmt in pcap pcapng; do
	mkdir "p$fmt"
	replay -b 4M in.pcap 1 1
	t_wait_queue 1 1
	t_run "hpcapdd_p --index --format $fmt" 0 "$bin/hpcapdd_p" --index --index-queue 4096 --format $fmt \
		--split-size 256K --name '%{seq}' 1 1 "p$fmt"
	wait "$REPLAY"
	t_grep "hpcapdd_p $fmt: indexes counted" "indexes: [1-9][0-9]* written, 0 skipped" "$T_OUT"
	check "hpcapdd_p $fmt" "p$fmt"
done

# An indexer with room for one waiting file on a capture that finishes
# files fast: files it cannot take are named and counted, never waited
# for; every file is indexed or reported; the extraction does not change.
mkdir behind
replay -b 4M in.pcap 1 2
t_wait_queue 1 2
t_run "--index-queue 1" 0 "$bin/hpcapdd_p" -q --index --index-queue 1 --split-size 64K --name '%{seq}' 1 2 behind
wait "$REPLAY"
summary=$(grep -E "indexes: [0-9]+ written" <<<"$T_OUT" | sed -E 's/.*indexes: ([0-9]+) written, ([0-9]+) skipped.*/\1 \2/')
files=$(find behind -type f ! -name '*.idx' | wc -l)
t_eq "... every file indexed or skipped (and counted)" "$files" "$(( ${summary% *} + ${summary#* } ))"
t_eq "... each skipped file named" "${summary#* }" "$(grep -c 'not indexed: the indexer is behind' <<<"$T_OUT")"
t_eq "... indexes on disk = written" "${summary% *}" "$(find behind -name '*.idx' | wc -l)"
t_run "... extraction with what indexes there are" 0 "$bin/hpcap-extract" -q -b $b -e $e -f "$filter" -o behind.pcap behind
records behind.pcap >behind.rec
t_same_file "... = tcpdump over the replayed pcap" want.rec behind.rec

# Compressed output (seekable zstd, small frames so a file holds many):
# the index counts in the decompressed content and the extraction seeks
# through the seek table, with the same frames as tcpdump.
for fmt in pcap raw; do
	mkdir "z$fmt"
	replay -b 4M in.pcap 1 1
	t_wait_queue 1 1
	t_run "hpcapdd_p --index --zstd --format $fmt" 0 "$bin/hpcapdd_p" --index --index-queue 4096 --format $fmt \
		--zstd=1 --zstd-frame 16K --split-size 1M --name '%{seq}' 1 1 "z$fmt"
	wait "$REPLAY"
	t_grep "hpcapdd_p zstd $fmt: indexes counted" "indexes: [1-9][0-9]* written, 0 skipped" "$T_OUT"
	t_eq "hpcapdd_p zstd $fmt: the files are zstd" yes \
		"$([ "$(find "z$fmt" -name '*.zst' | wc -l)" -ge 3 ] && echo yes || echo no)"
	t_grep "hpcapdd_p zstd $fmt: the index says so" "$fmt \\(zstd\\)" \
		"$("$bin/hpcap-index" --show "$(find "z$fmt" -name '*.zst' | sort | head -1)")"
	check "hpcapdd_p zstd $fmt" "z$fmt"
done

for tool in hpcapdd hpcapdd_p; do
	t_run "$tool: --index-queue without --index" 2 "$bin/$tool" --index-queue 3 0 0 "$T_TMP"
	t_run "$tool: --index-queue 0" 2 "$bin/$tool" --index --index-queue 0 0 0 "$T_TMP"
done
t_done
