#!/usr/bin/env bash
# run-soak.bash [--kernel KVER]... [--frames N] [--pps RATE] [--keep] - the
# soak (make soak; not part of CI, an hour or more per kernel): for each
# kernel, tests/vm/soak/soak-guest.bash in a QEMU guest with two emulated
# 82576 NICs, then soak_check.py against QEMU's dump of the wire, checkraw
# on every file, the guest's memory over time and its kernel log.
# Results in build/soak/<KVER>/ (the capture and the dump are removed
# after the check unless --keep: they take about 2 x 900 bytes per frame).
set -euo pipefail
cd "$(dirname "$0")/../../.."
if [ "${1:-}" = "--help" ]; then sed -n '2,8p' "$0"; exit 0; fi
kvers=()
frames=10000000
pps=8000
keep=0
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kvers+=("$2"); shift 2 ;;
	--frames) frames=$2; shift 2 ;;
	--pps) pps=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	*) echo "run-soak: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
done
[ ${#kvers[@]} -gt 0 ] || mapfile -t kvers < <(tests/vm/kernels.bash)
tests/deps/check-deps.bash --preflight --vm || exit 1
export BUILD=build-soak
make -s -j2 BUILD=$BUILD libs tools
scripts/build-module.bash "${kvers[@]}"
mkdir -p $BUILD/tests-vm
cc -std=c11 -Wall -Wextra -Werror -O2 -Iinclude -Isrclib -o $BUILD/tests-vm/listener \
	tests/vm/module/listener.c $BUILD/lib/libhpcap.a
status=0
for k in "${kvers[@]}"; do
	res=build/soak/$k
	rm -rf "$res"; mkdir -p "$res"
	echo "=== soak on $k: $frames frames at $pps/s"
	start=$(date +%s)
	st=0
	tests/vm/run-vm.bash --kernel "$k" --timeout $((frames / pps * 3 + 900)) --mem 2048 \
		--results "$res" --env BUILD=$BUILD --env SOAK_FRAMES="$frames" --env SOAK_PPS="$pps" \
		--nics 2 --dump "$res/truth.pcap" -- tests/vm/soak/soak-guest.bash | tee "$res/output.txt" || st=$?
	echo "guest exit status $st after $(($(date +%s) - start)) s" | tee -a "$res/output.txt"
	[ "$st" = 0 ] || status=1
	{
		# All of the traffic went out (a stopped pktgen leaves a short
		# soak that would pass every other check).
		sent=$(awk '/pkts-sofar:/ { n += $2 } END { print n + 0 }' "$res/pktgen.txt" 2>/dev/null)
		echo "$([ "$sent" = "$frames" ] && echo "ok  " || echo fail) soak pktgen sent every frame asked for ($sent of $frames)"
		python3 tests/vm/soak/soak_check.py "$res" || status=1
		if $BUILD/bin/checkraw -q "$res/cap/q0" "$res/cap/q1"; then
			echo "ok   soak every file passes checkraw ($(find "$res/cap" -name '*.raw' | wc -l) files)"
		else
			echo "fail soak checkraw"; status=1
		fi
		# Memory: flat while the traffic runs (MemAvailable within 64 MiB,
		# slab within 16 MiB, from the second sample to the last before
		# the end), and all of it back once the module is gone (the last
		# sample, after rmmod and dropping caches, at least the first).
		awk 'NR == 1 { first = $2 } { t[NR] = $2; s[NR] = $3; n = NR } END {
			amin = amax = t[2]; smin = smax = s[2]
			for (i = 2; i < n; i++) {
				if (t[i] < amin) amin = t[i]; if (t[i] > amax) amax = t[i]
				if (s[i] < smin) smin = s[i]; if (s[i] > smax) smax = s[i]
			}
			ok = (amax - amin) < 65536 && (smax - smin) < 16384 && t[n] >= first
			printf "%s soak guest memory flat: MemAvailable %d-%d MiB and slab %d-%d MiB over %d samples while capturing; %d MiB before, %d MiB after unloading\n",
				(ok ? "ok  " : "fail"), amin / 1024, amax / 1024, smin / 1024, smax / 1024, n - 2, first / 1024, t[n] / 1024 }' "$res/mem.txt"
		oops=$(grep -cE 'WARNING|BUG|Oops|general protection' "$res/dmesg.txt" || true)
		echo "$([ "$oops" = 0 ] && echo "ok  " || echo fail) soak no oops or warning in the guest's kernel log ($oops)"
	} | tee "$res/verdict.txt"
	grep -q '^fail' "$res/verdict.txt" && status=1
	[ "$keep" = 1 ] || rm -rf "$res/cap" "$res/truth.pcap"
done
exit $status
