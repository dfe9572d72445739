#!/usr/bin/env bash
# test-hpcapdd-retention.bash [BINDIR] - retention (--keep-free,
# --keep-size, --keep-age) on small tmpfs file systems under pcap2hpcap
# replays bigger than the file system: with retention the capture never
# stops and loses nothing, the files left are the newest, whole and
# contiguous, and hold exactly the last frames sent; without it, a full
# disk stops hpcapdd cleanly (every finished file whole); two hpcapdd
# sharing one tree never delete each other's newest file; files being
# written, files a reader holds (flock) and the newest are never deleted;
# old files go by age; usage errors.  Needs root (mount -t tmpfs).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
bin=${1:-$top/build/bin}
# shellcheck source=../../../tests/lib.sh
. "$top/tests/lib.sh"
t_init retention
command -v python3 >/dev/null || t_skip "python3 not installed"
[ "$(id -u)" = 0 ] || t_skip "needs root (mounts tmpfs file systems)"
cd "$T_TMP" || exit 1
t_queues
mounts=()
t_cleanup_extra() { # the replays are gone: unmount
	local m
	wait 2>/dev/null
	for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || true; done
}
replay() { t_replay -q "$@"; }
small_fs() { # small_fs DIR SIZE
	mkdir -p "$1"
	mount -t tmpfs -o size="$2" tmpfs "$1" || t_skip "cannot mount tmpfs"
	mounts+=("$1")
}
records() { tail -c +25 "$1"; }

# 30000 frames of 1000 bytes: about 30 MiB, three times the file systems.
python3 "$top/tests/tools/gen_pcap.py" in.pcap --count 30000 --sizes 1000
sent=30000

# --- --keep-free: the capture outlives the file system
small_fs fs1 10M
mkdir fs1/cap
replay -b 4M --file-size 1M in.pcap 1 0
t_wait_queue 1 0
t_run "--keep-free 3M on a 10 MiB file system" 0 "$bin/hpcapdd" -i 0 --keep-free 3M --sha256 \
	--retention-stats "$T_TMP/stats1" --name '%{seq}' 1 0 fs1/cap
wait "$REPLAY"
out=$T_OUT
t_grep "... nothing lost" "hpcapdd: 0 frames lost" "$out"
t_grep "... every frame received" "hpcapdd: $sent frames received" "$out"
ndel=$(grep -c "retention: deleted .* limit)" <<<"$out")
t_eq "... files were deleted, each logged with its size and age" yes "$([ "$ndel" -ge 10 ] && echo yes || echo no)"
t_grep "... the summary counts them" "retention: $ndel files deleted" "$out"
kv() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
t_eq "... --retention-stats: the same count, the queue, state stopped at the end" \
	"$ndel 1 0 stopped 0 0" \
	"$(for k in files_removed adapter queue state limit_unmet files_held; do kv $k stats1; done | paste -sd' ' -)"
kept_raw=(fs1/cap/*.raw) kept_sum=(fs1/cap/*.sha256)
t_eq "... and the bytes of the files and sidecars deleted (all the same size here)" \
	"$(($(kv files_removed stats1) * ($(stat -c %s "${kept_raw[0]}") + $(stat -c %s "${kept_sum[0]}"))))" \
	"$(kv bytes_removed stats1)"
t_eq "... the limits" "3145728 0 0 0" "$(for k in keep_free_bytes keep_free_pct keep_size keep_age_s; do kv $k stats1; done | paste -sd' ' -)"
t_grep "... a deletion names file, size, age, limit" "retention: deleted fs1/cap/000000.raw \\([0-9.]+ [KM]iB, [0-9]+ s old; free space limit\\)" "$out"
left=$(cd fs1/cap && ls ./*.raw | sed 's|./||; s|.raw||' | sort -n)
first=$((10#$(head -1 <<<"$left")))
last=$((10#$(tail -1 <<<"$left")))
t_eq "... the files left are the newest, contiguous" "$((last - first + 1))" "$(wc -l <<<"$left")"
t_eq "... ... up to the last file" "$last" "$(( $(grep -c "hpcapdd: file " <<<"$out") - 1 ))"
t_eq "... no sidecar of a deleted file left" "$(ls fs1/cap/*.raw | wc -l)" "$(ls fs1/cap/*.sha256 | wc -l)"
t_run "... each file left is whole (checkraw)" 0 "$bin/checkraw" fs1/cap
avail=$(df -B1 --output=avail fs1 | tail -1)
t_eq "... at least 3 MiB free at the end" yes "$([ "$avail" -ge $((3 << 20)) ] && echo yes || echo no)"
"$bin/hpcap-extract" -q -o left.pcap fs1/cap
nleft=$(python3 -c "import os; print((os.path.getsize('left.pcap') - 24) // 1016)")
editcap -F nsecpcap -r in.pcap tail.pcap "$((sent - nleft + 1))-$sent" 2>/dev/null
records tail.pcap >want.rec
records left.pcap >got.rec
t_same_file "... they hold exactly the last $nleft frames sent" want.rec got.rec

# --- no retention: a full disk stops hpcapdd cleanly
small_fs fs2 6M
mkdir fs2/cap
replay -b 4M --file-size 1M in.pcap 1 1
t_wait_queue 1 1
t_run "no retention: a full disk stops hpcapdd" 1 "$bin/hpcapdd" -i 0 --name '%{seq}' 1 1 fs2/cap
kill "$REPLAY" 2>/dev/null; wait "$REPLAY" 2>/dev/null
t_grep "... saying why" "[Nn]o space left" "$T_OUT"
mkdir fs2-done
find fs2/cap -name '*.raw' -exec cp {} fs2-done/ \;
t_run "... every finished file is whole (checkraw)" 0 "$bin/checkraw" fs2-done
t_eq "... some were finished" yes "$([ "$(ls fs2-done | wc -l)" -ge 3 ] && echo yes || echo no)"

# --- two writers sharing one tree with --keep-size: neither deletes the
# other's newest file; both capture everything.
small_fs fs3 40M
mkdir fs3/cap
replay -b 4M --file-size 1M in.pcap 2 0
R0=$REPLAY
replay -b 4M --file-size 1M in.pcap 2 1
R1=$REPLAY
t_wait_queue 2 0
t_wait_queue 2 1
# (each writer's end time is kept: once a writer has ended, its newest
# file is no longer protected, and the other may delete it)
for q in 0 1; do
	("$bin/hpcapdd" -i 0 --keep-size 8M --name '%{queue}_%{seq}' 2 "$q" fs3/cap >w$q.out 2>&1
	 echo $? >w$q.st; date +%s%N >w$q.end) &
	pids+=($!)
	eval "W$q=\$!"
done
wait "$W0" "$W1"
wait "$R0" "$R1" 2>/dev/null
t_eq "two writers: both end well" "0 0" "$(cat w0.st) $(cat w1.st)"
for q in 0 1; do
	o=$(cat w$q.out)
	t_grep "writer $q: nothing lost" "hpcapdd: 0 frames lost" "$o"
	n=$(grep -c "hpcapdd: file " <<<"$o")
	newest=fs3/cap/${q}_$(printf %06d $((n - 1))).raw
	other=$((1 - q))
	if [ -e "$newest" ]; then
		kept=yes
	elif [ "$(cat w$other.end)" -gt "$(cat w$q.end)" ] &&
		grep -q "retention: deleted $newest " w$other.out; then
		kept=yes	# deleted by the other writer after this one ended
	else
		kept=no
	fi
	t_eq "writer $q: its newest file was kept while it ran" yes "$kept"
done
total=$(du -cb fs3/cap/*.raw | tail -1 | cut -f1)
t_eq "two writers: the tree is within 8 MiB (+ one file each finishing)" yes \
	"$([ "$total" -le $(((8 + 2) << 20)) ] && echo yes || echo no)"
t_eq "two writers: no marker left behind" "" "$(find fs3/cap -maxdepth 1 -name '.hpcap-newest-*')"

# --- --keep-age: old files go; a file a reader holds, a file being
# written (.pending) and the newest stay.
mkdir age
cp fs1/cap/"$(printf %06d "$first")".raw age/old1.raw
cp age/old1.raw age/old2.raw
cp age/old1.raw age/held.raw
cp age/old1.raw age/writing.raw.pending
touch -d '3 days ago' age/old1.raw age/old2.raw age/held.raw age/writing.raw.pending
flock -s age/held.raw sleep 60 &
pids+=($!)
HOLD=$!
sleep 0.2
python3 "$top/tests/tools/gen_pcap.py" small.pcap --count 2000 --sizes 1000
replay -b 4M --file-size 1M small.pcap 3 0
t_wait_queue 3 0
t_run "--keep-age 1d" 0 "$bin/hpcapdd" -i 0 --keep-age 1d --retention-stats "$T_TMP/stats3" --name 'new_%{seq}' 3 0 age
wait "$REPLAY"
t_grep "... the old files go, for their age" "deleted age/old1.raw .*age limit" "$T_OUT"
t_eq "... both of them" "no no" "$([ -e age/old1.raw ] && echo yes || echo no) $([ -e age/old2.raw ] && echo yes || echo no)"
t_eq "... a file a reader holds stays" yes "$([ -e age/held.raw ] && echo yes || echo no)"
t_eq "... a file being written stays" yes "$([ -e age/writing.raw.pending ] && echo yes || echo no)"
t_eq "... the new files stay" 2 "$(ls age/new_*.raw | wc -l)"
t_grep "... the summary counts the deletions a reader put off" "retention: [1-9][0-9]* deletions put off while a reader held the file" "$T_OUT"
t_eq "... so does --retention-stats: 2 removed, held at each try" "2 $(grep -o 'retention: [0-9]* deletions put off' <<<"$T_OUT" | grep -o '[0-9]*')" \
	"$(kv files_removed stats3) $(kv files_held stats3)"
kill "$HOLD" 2>/dev/null

# --- usage
for tool in hpcapdd hpcapdd_p; do
	t_run "$tool: --keep-free 100%" 2 "$bin/$tool" --keep-free 100% 0 0 "$T_TMP"
	t_run "$tool: --keep-free 0" 2 "$bin/$tool" --keep-free 0 0 0 "$T_TMP"
	t_run "$tool: --keep-free junk" 2 "$bin/$tool" --keep-free lots 0 0 "$T_TMP"
	t_grep "$tool: ... names the option" "--keep-free" "$T_OUT"
	t_run "$tool: --keep-size 10K" 2 "$bin/$tool" --keep-size 10K 0 0 "$T_TMP"
	t_run "$tool: --keep-age 5y" 2 "$bin/$tool" --keep-age 5y 0 0 "$T_TMP"
	t_run "$tool: retention needs a directory" 2 "$bin/$tool" --keep-age 1d 0 0 null
	t_run "$tool: --retention-stats without a limit" 2 "$bin/$tool" --retention-stats s 0 0 "$T_TMP"
	t_grep "$tool: ... says which options it counts" "--retention-stats counts what --keep-free, --keep-size or --keep-age delete" "$T_OUT"
	t_run "$tool: --retention-stats into a missing directory" 1 "$bin/$tool" --keep-age 1d --retention-stats "$T_TMP/none/s" 0 0 "$T_TMP"
	t_grep "$tool: ... says so" "cannot write $T_TMP/none/s: No such file or directory" "$T_OUT"
done
t_done
