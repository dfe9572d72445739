#!/usr/bin/env bash
# test-hpcapdd-sha256.bash [BINDIR] - hpcapdd's block copy with --sha256 on
# a shared-memory queue (pcap2hpcap replays, read exactly like the module's
# queues), the hash in the copy's thread (--workers 0) and on a thread of
# its own (--workers 1, pinned with --cores): every frame sent is in the
# RAW files once, byte for byte; the two runs write the same files and the
# same sidecars; every sidecar passes sha256sum -c.  A 1 MiB buffer (1 MiB
# files) keeps the replay waiting on hpcapdd (back-pressure: the copy
# acknowledges only what is hashed).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
. "$root/tests/lib.sh"
t_init hpcapdd-sha256
bin=${1:-$root/build/bin}
command -v python3 >/dev/null || t_skip "python3 not installed"
command -v tshark >/dev/null || t_skip "tshark not installed"
cd "$T_TMP" || exit 1
t_queues

tview() { # the frames as tshark reads them: time, lengths, bytes
	tshark -r "$1" -T fields -e frame.time_epoch -e frame.len -e frame.cap_len 2>/dev/null
	tshark -r "$1" -x 2>/dev/null | grep -v '^$'
}

python3 "$root/tests/tools/gen_pcap.py" in.pcap --count 20000
tview in.pcap >want.txt

for w in 0 1; do
	mkdir "w$w"
	"$bin/pcap2hpcap" -q -b 1M --file-size 1M in.pcap 1 "$w" &
	pids+=($!)
	replay=$!
	t_wait_queue 1 "$w"
	cores=""
	[ "$w" = 1 ] && cores="--cores $(($(nproc) - 1))"
	# shellcheck disable=SC2086 # the option and its value are words
	t_run "--sha256 --workers $w${cores:+ $cores}: exits 0" 0 "$bin/hpcapdd" -q --sha256 --name '%{seq}' \
		--workers "$w" $cores 1 "$w" "w$w"
	wait "$replay"
	mapfile -t files < <(find "w$w" -name '*.raw' | sort -V)
	"$bin/hpcap2pcap" -q --raw "${files[@]}" >"w$w.pcap"
	tview "w$w.pcap" >"got$w.txt"
	t_same_file "--workers $w: the RAW files hold every frame, once, byte for byte" want.txt "got$w.txt"
	t_eq "--workers $w: several files, a sidecar each" yes \
		"$([ "${#files[@]}" -ge 4 ] && [ "$(find "w$w" -name '*.sha256' | wc -l)" = "${#files[@]}" ] && echo yes || echo no)"
	t_run "--workers $w: every sidecar verifies (sha256sum -c)" 0 sh -c "cd w$w && cat *.sha256 | sha256sum -c --quiet"
	t_eq "--workers $w: no file left pending" "" "$(find "w$w" -name '*.pending')"
done
t_run "--workers 0 and 1 write the same files" 0 diff -r w0 w1
t_run "--workers 2 is refused" 2 "$bin/hpcapdd" --sha256 --workers 2 1 0 w0
t_grep "... naming the option" "--workers" "$T_OUT"
t_run "--cores with a bad list is refused" 2 "$bin/hpcapdd" --sha256 --cores 1-x 1 0 w0
t_grep "... naming the option" "--cores" "$T_OUT"
t_done
