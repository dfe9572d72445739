#!/usr/bin/env bash
# test-hpcapdd-zstd-threads.bash [BINDIR] - the per-frame pipeline with
# pcap + seekable zstd + --sha256 on a shared-memory queue (pcap2hpcap
# replays, read exactly like the module's queues), the frames compressed
# in the writer's thread (--zstd-threads 0) and by pools of 1 and 2
# threads (pinned with --cores), the SHA-256 in the writer's thread
# (--workers 0) or on its own (--workers 1): the runs write the same files and
# sidecars byte for byte; `zstd -d` of the files gives every frame sent,
# once, byte for byte; every sidecar passes sha256sum -c.  A 1 MiB buffer
# keeps the replay waiting on hpcapdd (back-pressure: the pool's writer
# stops reading while every slot is busy), so nothing is lost; the summary
# must say 0 lost.  hpcapdd_p runs the same pipeline: it must write the
# same files too.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
. "$root/tests/lib.sh"
t_init hpcapdd-zstd-threads
bin=${1:-$root/build/bin}
command -v python3 >/dev/null || t_skip "python3 not installed"
command -v tshark >/dev/null || t_skip "tshark not installed"
command -v zstd >/dev/null || t_skip "zstd not installed"
cd "$T_TMP" || exit 1
t_queues

tview() { # the frames as tshark reads them: time, lengths, bytes
	tshark -r "$1" -T fields -e frame.time_epoch -e frame.len -e frame.cap_len 2>/dev/null
	tshark -r "$1" -x 2>/dev/null | grep -v '^$'
}

python3 "$root/tests/tools/gen_pcap.py" in.pcap --count 20000
tview in.pcap >want.txt
last=$(($(nproc) - 1))

q=0
for run in hpcapdd:0:0 hpcapdd:1:1 hpcapdd:2:1 hpcapdd_p:2:0; do
	IFS=: read -r tool n w <<<"$run"
	out=$tool-t$n
	mkdir "$out"
	"$bin/pcap2hpcap" -q -b 1M --file-size 1M in.pcap 1 "$q" &
	pids+=($!)
	replay=$!
	t_wait_queue 1 "$q"
	cores=""
	[ "$n" != 0 ] && cores="--cores 0-$last"
	# shellcheck disable=SC2086 # the option and its value are words
	t_run "$tool --zstd-threads $n --workers $w${cores:+ $cores}: exits 0" 0 "$bin/$tool" --format pcap --zstd=1 \
		--zstd-frame 64K --split-size 2M --sha256 --name '%{seq}' --zstd-threads "$n" --workers "$w" $cores 1 "$q" "$out"
	wait "$replay"
	t_grep "$tool --zstd-threads $n: nothing lost" "(^|[^0-9])0 frames lost|lost: 0 because" "$T_OUT"
	mapfile -t files < <(find "$out" -name '*.pcap.zst' | sort -V)
	t_eq "$tool --zstd-threads $n: several files, a sidecar each" yes \
		"$([ "${#files[@]}" -ge 3 ] && [ "$(find "$out" -name '*.sha256' | wc -l)" = "${#files[@]}" ] && echo yes || echo no)"
	t_run "$tool --zstd-threads $n: every sidecar verifies (sha256sum -c)" 0 sh -c "cd $out && cat *.sha256 | sha256sum -c --quiet"
	t_run "$tool --zstd-threads $n: zstd -t passes on every file" 0 zstd -q -t "${files[@]}"
	: >"$out.pcap"
	for f in "${files[@]}"; do zstd -q -d -c "$f" >"${f%.zst}"; done
	# the pcap files of one run, as one: the first whole, the others
	# without their 24-byte file header
	{ cat "${files[0]%.zst}"; for f in "${files[@]:1}"; do tail -c +25 "${f%.zst}"; done; } >"$out.pcap"
	rm -f "$out"/*.pcap
	tview "$out.pcap" >"got-$out.txt"
	t_same_file "$tool --zstd-threads $n: the files hold every frame, once, byte for byte" want.txt "got-$out.txt"
	t_eq "$tool --zstd-threads $n: no file left pending" "" "$(find "$out" -name '*.pending')"
	q=$((q + 1))
done
for o in hpcapdd-t1 hpcapdd-t2 hpcapdd_p-t2; do
	t_run "$o writes the same files and sidecars as hpcapdd-t0" 0 diff -r hpcapdd-t0 "$o"
done
t_run "--zstd-threads without --zstd is refused" 2 "$bin/hpcapdd" --zstd-threads 2 1 0 hpcapdd-t0
t_grep "... naming the option" "--zstd-threads needs --zstd" "$T_OUT"
t_run "--zstd-threads 65 is refused" 2 "$bin/hpcapdd" --zstd --zstd-threads 65 1 0 hpcapdd-t0
t_grep "... naming the option" "--zstd-threads" "$T_OUT"
t_done
