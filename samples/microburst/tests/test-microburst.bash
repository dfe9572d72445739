#!/usr/bin/env bash
# test-microburst.bash [BINDIR] - microburst on crafted captures with
# bursts of known place and size (tests/tools/gen_mgmon.py burst, whose
# expectation is computed there by plain binning): CSV records exactly,
# the text form, thresholds in bps and pps, --l1, --all, a burst still
# running at the end, several intervals, and usage errors.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
bin=${1:-$top/build/bin}
# shellcheck source=../../../tests/lib.sh
. "$top/tests/lib.sh"
t_init microburst
command -v python3 >/dev/null || t_skip "python3 not installed"
cd "$T_TMP"
gen=$top/tests/tools/gen_mgmon.py

bursts() { grep -v '^#' "$1" | grep '^burst' || true; }

# 100 us intervals, 1 Gb/s: four bursts, the last one running at the end.
python3 "$gen" burst b.pcap --interval-ns 100000 --threshold-bps 1e9 --expect want.csv
"$bin/pcap2raw" -q b.pcap b.raw
t_run "100us, 1Gbps" 0 "$bin/microburst" --csv -i 100us -t 1Gbps --raw b.raw
printf '%s\n' "$T_OUT" | grep '^burst' >got.csv || true
t_same_file "bursts exactly as expected (start, end, frames, bytes, rates)" want.csv got.csv
t_eq "four bursts" 4 "$(wc -l <got.csv)"
t_grep "summary: bursts and the busiest interval" "4 bursts above 1.000 Gb/s, 1900.000 us in bursts" "$T_OUT"
t_grep "the burst running at the end is reported" "^burst,1700000000.039000000,1700000000.040000000," "$(cat got.csv)"

# Other intervals and thresholds, each checked against the generator.
for spec in "1ms 5e9 1ms 5Gbps" "50us 500e6 50us 500Mbps" "1000000ns 2e9 1000000ns 2000Mbps"; do
	read -r ivl bps arg_i arg_t <<<"$spec"
	ns=$(awk -v s="$ivl" 'BEGIN { if (s ~ /ms$/) print s * 1e6; else if (s ~ /ns$/) print s + 0; else print s * 1e3 }')
	python3 "$gen" burst c.pcap --interval-ns "$ns" --threshold-bps "$bps" --expect want2.csv
	"$bin/pcap2raw" -q c.pcap c.raw
	"$bin/microburst" -q --csv -i "$arg_i" -t "$arg_t" --raw c.raw | grep '^burst' >got2.csv || true
	t_same_file "-i $arg_i -t $arg_t" want2.csv got2.csv
done

# Thresholds in frames per second: 64-byte frames every 70 ns are 14.3
# Mpps but only 7.3 Gb/s.
t_run "pps threshold" 0 "$bin/microburst" -q --csv -i 100us -t 10Mpps --raw b.raw
t_eq "10 Mpps: only the burst of small frames" "1700000000.025000000" \
	"$(printf '%s\n' "$T_OUT" | grep '^burst' | cut -d, -f2 | xargs)"
t_run "bps threshold above the small frames' rate" 0 "$bin/microburst" -q --csv -i 100us -t 8Gbps --raw b.raw
t_eq "8 Gb/s: the three bursts of large frames" 3 "$(printf '%s\n' "$T_OUT" | grep -c '^burst')"
# --l1 adds 24 bytes a frame: the small frames' burst goes above 8 Gb/s.
t_run "--l1" 0 "$bin/microburst" -q --csv --l1 -i 100us -t 8Gbps --raw b.raw
t_eq "--l1: line rate makes the small-frame burst count" 4 "$(printf '%s\n' "$T_OUT" | grep -c '^burst')"

# --all: every interval with traffic, marked when above.
t_run "--all" 0 "$bin/microburst" -q --csv --all -i 100us --raw b.raw
t_eq "--all: 400 intervals" 400 "$(printf '%s\n' "$T_OUT" | grep -c '^interval,')"
t_eq "--all: 19 of them above" 19 "$(printf '%s\n' "$T_OUT" | grep '^interval,' | grep -c ',1$')"
t_run "text output" 0 "$bin/microburst" -i 100us --raw b.raw
t_grep "text: a readable burst line" "^burst 2: 2023-11-14 22:13:20.010000000 .. 2023-11-14 22:13:20.010300000 \(300.000 us, 3 intervals\): 246 frames, 357.42 KiB, mean 9.760 Gb/s, peak 9.760 Gb/s \(820000 pps\)" "$T_OUT"

# A directory of RAW files gives the same as one file.
mkdir d
"$bin/pcap2raw" -q --file-size 1M b.pcap d/
"$bin/microburst" -q --csv -i 100us --raw d | grep '^burst' >dir.csv || true
t_same_file "a directory of 1 MiB files = one file" got.csv dir.csv

# Errors.
t_run "interval without a number" 2 "$bin/microburst" -i ms --raw b.raw
t_run "interval with an unknown unit" 2 "$bin/microburst" -i 10min --raw b.raw
t_grep "... names the units" "ns, us, ms or s" "$T_OUT"
t_run "interval below 1us" 2 "$bin/microburst" -i 500ns --raw b.raw
t_run "threshold without a unit" 2 "$bin/microburst" -t 5 --raw b.raw
t_grep "... lists the units" "bps, Kbps, Mbps, Gbps" "$T_OUT"
t_run "negative threshold" 2 "$bin/microburst" -t -5Gbps --raw b.raw
t_run "--raw without files" 2 "$bin/microburst" --raw
t_run "missing file" 1 "$bin/microburst" --raw nothing.raw
t_grep "missing file named" "cannot open nothing.raw" "$T_OUT"
t_run "no such queue" 1 env HPCAP_DEV_DIR="$T_TMP" "$bin/microburst" 7 7
t_grep "no such queue named" "hpcap_7_7" "$T_OUT"
t_done
