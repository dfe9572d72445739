#!/usr/bin/env bash
# pipeline-bench.bash - the capture pipeline's numbers (part of `make
# bench`): seekable zstd against plain zstd on the same captures, the
# per-frame pipeline's throughput by output, and, in a QEMU guest, hpcapdd
# with splitting and a post hook against plain hpcapdd on the synthetic
# source.  Appends a dated section to bench/RESULTS.md.
#
#   bench/pipeline-bench.bash [--no-vm] [--no-append] [--size MiB] [--rounds N]
#   bench/pipeline-bench.bash --guest      (the in-guest half, run by the above)
set -euo pipefail
cd "$(dirname "$0")/.."
vm=1; append=1; size=256; rounds=3; guest=0
while [ $# -gt 0 ]; do
	case "$1" in
	--no-vm) vm=0; shift ;;
	--no-append) append=0; shift ;;
	--size) size=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--guest) guest=1; shift ;;
	-h | --help) sed -n '2,10p' "$0"; exit 0 ;;
	*) echo "pipeline-bench: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done

# ---------------------------------------------------------------- guest half
if [ "$guest" = 1 ]; then
	set +e
	top=$PWD
	bin=$top/${BUILD:-build}/bin
	KO=$top/build/kmod/$(uname -r)/driver/hpcap.ko
	dur=${DUR:-4}
	modprobe virtio_blk 2>/dev/null
	modprobe ext4 2>/dev/null
	mkfs.ext4 -q -F /dev/vda && mkdir -p /mnt/disk && mount /dev/vda /mnt/disk || exit 1
	insmod "$KO" || exit 1
	echo "synth syn0 sizes=64,594,64,1518,64,594,64,594 bufsize=64M filesize=64M" > /sys/class/hpcap/attach
	one() { # name hpcapdd-options...
		local name=$1 t0 t1 b
		shift
		rm -rf /mnt/disk/out; mkdir -p /mnt/disk/out; sync
		t0=$(date +%s.%N)
		"$bin/hpcapdd" -q --duration "$dur" "$@" 0 0 /mnt/disk/out 2> "/tmp/$name.log"
		sync
		t1=$(date +%s.%N)
		b=$(du -sb /mnt/disk/out | cut -f1)
		echo "run $name $(echo "$t1 - $t0" | bc) $b $(find /mnt/disk/out -type f ! -name '*.sha256' | wc -l) $(grep -c . /tmp/hooks.log 2>/dev/null || echo 0)"
		"$bin/checkraw" -q /mnt/disk/out > /dev/null 2>&1 || case "$*" in *format*) ;; *) echo "checkraw_failed $name" ;; esac
		rm -f /tmp/hooks.log
	}
	printf '#!/bin/sh\necho "$1" >> /tmp/hooks.log\nstat -c %%s "$1" > /dev/null\n' > /tmp/hook.sh
	chmod +x /tmp/hook.sh
	for r in $(seq "${ROUNDS:-3}"); do
		one plain
		one split_post --split-time 1s --post /tmp/hook.sh
		one split_post_sha --split-time 1s --sha256 --post /tmp/hook.sh
	done
	one frame_pcap --format pcap --split-time 1s --post /tmp/hook.sh
	one frame_pcap_zstd1 --format pcap --zstd=1 --split-time 1s --post /tmp/hook.sh
	echo syn0 > /sys/class/hpcap/detach
	rmmod hpcap
	umount /mnt/disk
	exit 0
fi

# ---------------------------------------------------------------- host half
BUILD=${BUILD:-build}
make -s BUILD="$BUILD" libs tools
mkdir -p "$BUILD/bench" bench/data
B=$BUILD/bench/pipeline-bench
cc -std=c11 -O2 -g -Wall -Wextra -Werror -Iinclude -Isrclib -D_FILE_OFFSET_BITS=64 \
	-o "$B" bench/pipeline-bench.c "$BUILD/lib/libhpcap.a" -lzstd -lpcap
real=bench/data/real-${size}M.pcap
imix=bench/data/imix-${size}M.pcap
[ -f "$real" ] || "$B" gen "$real" "$size"
[ -f "${real%.pcap}.raw" ] || "$BUILD/bin/pcap2raw" -q "$real" "${real%.pcap}.raw"
# (the IMIX capture is bench/run-bench.bash's; used when it is there)
out=$(mktemp)
scratch=/dev/shm/pipeline-bench.$$
trap 'rm -rf "$out" "$scratch"' EXIT
calc() { awk "BEGIN { printf \"%.${1}f\", $2 }"; }
best() { sort -g | head -1; }

{
	echo "## Capture pipeline, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, kernel $(uname -r), libzstd $(pkg-config --modversion libzstd 2>/dev/null || echo ?), load $(cut -d' ' -f1-3 /proc/loadavg). Best of $rounds rounds, in memory (tmpfs), one thread."
	echo
	echo "### zstd seekable (1 MiB frames + seek table) vs one plain zstd stream, same level"
	echo
	echo "| capture | level | seekable MB/s | seekable ratio | plain MB/s | plain ratio | size cost of seekable | 1500-byte random read | plain: decompress whole |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
} > "$out"
for data in "$real" "$imix"; do
	[ -f "$data" ] || continue
	for level in 1 3 9; do
		declare -A v=()
		ss=(); ps=(); rr=()
		for _ in $(seq "$rounds"); do
			while read -r k val; do v[$k]=$val; done < <("$B" zstd "$data" "$level")
			ss+=("${v[seek_seconds]}"); ps+=("${v[plain_seconds]}"); rr+=("${v[random_read_ms]}")
		done
		s=$(printf '%s\n' "${ss[@]}" | best); p=$(printf '%s\n' "${ps[@]}" | best); r=$(printf '%s\n' "${rr[@]}" | best)
		n=${v[input_bytes]}
		case $data in *real*) name="mixed (70% of flows TLS)" ;; *) name="IMIX, 64 KiB payload pool" ;; esac
		echo "| $name | $level | $(calc 0 "$n / $s / 1e6") | $(calc 2 "$n / ${v[seek_bytes]}") | $(calc 0 "$n / $p / 1e6") | $(calc 2 "$n / ${v[plain_bytes]}") | $(calc 2 "100 * (${v[seek_bytes]} - ${v[plain_bytes]}) / ${v[plain_bytes]}")% | $r ms | ${v[whole_decompress_ms]} ms |" >> "$out"
	done
done
{
	echo
	echo "Inputs: nanosecond pcaps of ${size} MiB. \"mixed\": bench/pipeline-bench.c gen, 4096 flows, 70% TLS (random payloads) and HTTP, DNS, syslog text, a third of TCP segments pure ACKs: most bytes do not compress, as on a real link.  \"IMIX\": bench/gen-traffic.c, payloads cut from a 64 KiB pool, so it compresses far better than real traffic (an upper bound).  Random read: the mean time of 1000 reads of 1500 bytes at random offsets through hpcap_zsk_pread() (one 1 MiB frame decompressed per read); a plain .zst has to be decompressed from its start."
	echo
	echo "### Per-frame pipeline (hpcap_pipe), RAW file in, files out on tmpfs"
	echo
	echo "| output | MB/s (RAW in) | Mframes/s |"
	echo "|---|---:|---:|"
} >> "$out"
mkdir -p "$scratch"
for cfg in raw raw+split pcap pcapng pcap+sha256 pcap+bpf pcap+zstd1 pcap+zstd3; do
	ts=()
	for _ in $(seq "$rounds"); do
		rm -rf "$scratch"; mkdir -p "$scratch"
		line=$("$B" pipe "${real%.pcap}.raw" "$scratch" "$cfg")
		read -r _ _ t _ fr _ _ _ by <<<"$line"
		ts+=("$t")
	done
	t=$(printf '%s\n' "${ts[@]}" | best)
	echo "| $cfg | $(calc 0 "$by / $t / 1e6") | $(calc 2 "$fr / $t / 1e6") |" >> "$out"
done
{
	echo
	echo "Input: the mixed capture as RAW ($(stat -c %s "${real%.pcap}.raw") bytes). raw+split: a new file every 10 ms of capture time; pcap+bpf: filter 'tcp or udp port 53'; files of at most 256 MiB, each fdatasync'ed, renamed and (sha256) hashed by the pipeline itself.  SHA-256 uses the x86 SHA extensions when the CPU has them (this one: $(grep -q sha_ni /proc/cpuinfo && echo yes || echo no))."
	echo
} >> "$out"

kver=$(tests/vm/kernels.bash 2>/dev/null | sort -V | tail -1 || true)
if [ "$vm" = 1 ] && [ -n "$kver" ] && command -v qemu-system-x86_64 >/dev/null; then
	scripts/build-module.bash "$kver" >/dev/null
	disk=$BUILD/bench/pipeline-disk.img
	rm -f "$disk"; truncate -s 6G "$disk"
	res=$BUILD/bench/pipeline-vm; rm -rf "$res"; mkdir -p "$res"
	tests/vm/run-vm.bash --kernel "$kver" --timeout 1200 --mem 1536 --results "$res" \
		--env BUILD="$BUILD" --env ROUNDS="$rounds" \
		--qemu-arg -drive --qemu-arg "file=$disk,if=none,id=bd0,format=raw,cache=none" \
		--qemu-arg -device --qemu-arg "virtio-blk-pci,drive=bd0,addr=0x6" \
		-- bench/pipeline-bench.bash --guest | tee "$res/out.txt"
	rm -f "$disk"
	rate() { # name -> best MB/s
		awk -v n="$1" '$1 == "run" && $2 == n { printf "%.1f\n", $4 / $3 / 1e6 }' "$res/out.txt" | sort -g | tail -1
	}
	files() { awk -v n="$1" '$1 == "run" && $2 == n { print $5 " files, " $6 " hooks" }' "$res/out.txt" | tail -1; }
	plain=$(rate plain)
	{
		echo "### hpcapdd with splitting and a post hook, in a QEMU guest ($kver, TCG, 2 vCPUs)"
		echo
		echo "Synthetic source (64/594/1518-byte frames, 64 MiB buffer) -> hpcapdd -> ext4 on virtio-blk, 4 s per run, best of $rounds interleaved runs; MB/s = bytes in the files / wall time (incl. sync).  The source always has data, so this is hpcapdd's own rate."
		echo
		echo "| hpcapdd options | MB/s | vs plain | files, hooks (last run) |"
		echo "|---|---:|---:|---|"
		for n in plain split_post split_post_sha frame_pcap frame_pcap_zstd1; do
			r=$(rate "$n")
			case $n in
			plain) o="(none: HPCAP's block copy)" ;;
			split_post) o="--split-time 1s --post hook.sh" ;;
			split_post_sha) o="--split-time 1s --sha256 --post hook.sh" ;;
			frame_pcap) o="--format pcap --split-time 1s --post hook.sh (per-frame)" ;;
			frame_pcap_zstd1) o="--format pcap --zstd=1 --split-time 1s --post hook.sh (per-frame)" ;;
			esac
			[ -n "$r" ] && echo "| $o | $r | $(calc 3 "$r / $plain") | $(files "$n") |"
		done
		echo
		sp=$(rate split_post)
		echo "Target: splitting and a post hook cost at most 5% of hpcapdd's throughput: $(calc 1 "100 * (1 - $sp / $plain")% here, $(awk -v a="$sp" -v b="$plain" 'BEGIN { print (a >= 0.95 * b) ? "met" : "**MISSED**" }').$(grep -q checkraw_failed "$res/out.txt" && echo " checkraw FAILED on: $(grep checkraw_failed "$res/out.txt" | awk '{print $2}' | sort -u | xargs)." || echo " checkraw passed on every RAW run.")"
		echo
	} >> "$out"
fi
cat "$out"
if [ "$append" = 1 ]; then
	{ echo; cat "$out"; } >> bench/RESULTS.md
	echo "pipeline-bench: appended to bench/RESULTS.md"
fi
