#!/usr/bin/env bash
# test-seqgap.bash [BINDIR] - seqgap on crafted multicast feeds with
# planned gaps, duplicates, late datagrams and a reset
# (tests/tools/gen_mgmon.py seq, which writes the events to expect): one
# 4-byte big-endian number per datagram, and MoldUDP64 (8 bytes at 10,
# message count at 18); IPv4, IPv6 and VLAN groups; unicast and TCP noise
# ignored; the text form, the summary, --group, --endian, errors.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
bin=${1:-$top/build/bin}
# shellcheck source=../../../tests/lib.sh
. "$top/tests/lib.sh"
t_init seqgap
command -v python3 >/dev/null || t_skip "python3 not installed"
cd "$T_TMP"
gen=$top/tests/tools/gen_mgmon.py

python3 "$gen" seq s.pcap --expect want.csv
"$bin/pcap2raw" -q s.pcap s.raw
t_run "4-byte numbers" 0 "$bin/seqgap" --csv --window 64 --raw s.raw
printf '%s\n' "$T_OUT" | grep -E '^[0-9]+\.[0-9]+,' >got.csv || true
t_same_file "events exactly as planned" want.csv got.csv
for ev in gap dup late reset; do
	t_eq "events: some $ev" yes "$(grep -q ",$ev," got.csv && echo yes || echo no)"
done
t_grep "CSV header" "^time,group,event,expected,got,count$" "$T_OUT"
t_grep "summary: gaps, late, still missing" "seqgap: \[ff15::1:1\]:6000: 198 datagrams, sequence 1000..1199; 4 gaps \(6 missing, 2 late, 4 still missing\), 2 duplicates, 0 resets" "$T_OUT"
t_grep "summary: a clean group" "239.1.1.4:5004: 200 datagrams, sequence 1000..1199; 0 gaps" "$T_OUT"
t_grep "summary: the VLAN group is there" "239.1.1.3:5002: 200 datagrams" "$T_OUT"
t_grep "summary: totals; unicast and TCP ignored" "seqgap: 6 groups, 1147 datagrams checked, 16 events" "$T_OUT"

python3 "$gen" seq m.pcap --expect want-m.csv --mold
"$bin/pcap2raw" -q m.pcap m.raw
"$bin/seqgap" -q --csv --window 64 --offset 10 --size 8 --count-offset 18 --raw m.raw >/dev/null 2>q.err
t_eq "-q: no event lines" 0 "$("$bin/seqgap" -q --csv --window 64 --offset 10 --size 8 --count-offset 18 --raw m.raw 2>/dev/null | wc -l)"
"$bin/seqgap" --csv --window 64 --offset 10 --size 8 --count-offset 18 --raw m.raw 2>/dev/null | tail -n +2 >got-m.csv
t_same_file "MoldUDP64 layout: events exactly as planned" want-m.csv got-m.csv

# A capture that joins mid-burst: numbers below the first one seen are
# early, never late, and nothing is missing but the one real gap.
python3 "$gen" seq j.pcap --expect want-j.csv --late-join
"$bin/pcap2raw" -q j.pcap j.raw
t_run "late join" 0 "$bin/seqgap" --csv --window 256 --raw j.raw
printf '%s\n' "$T_OUT" | grep -E '^[0-9]+\.[0-9]+,' >got-j.csv || true
t_same_file "late join: events exactly as planned (early, gap, late, dup)" want-j.csv got-j.csv
t_grep "late join: the summary agrees with the events" "239.1.1.5:5005: 100 datagrams, sequence 1003..1099; 1 gap \(1 missing, 1 late, 0 still missing\), 1 duplicate, 0 resets, 2 early \(sent before the first number seen\)" "$T_OUT"
t_run "late join: text form" 0 "$bin/seqgap" --window 256 --raw j.raw
t_grep "text: an early datagram" "239.1.1.5:5005 early: 1001 arrived after 1004, before the first number seen \(1003\)$" "$T_OUT"

# Text form.
t_run "text output" 0 "$bin/seqgap" --window 64 --raw s.raw
t_grep "text: a gap" "^2023-11-14 22:13:20\.[0-9]{9} 239.1.1.1:5000 gap: expected 1020, got 1023: 3 missing$" "$T_OUT"
t_grep "text: a duplicate" "239.1.1.2:5000 duplicate: 1050 \(expected 1051\)$" "$T_OUT"
t_grep "text: a late datagram" "239.1.1.3:5002 late: 1070 arrived after 1072 \(1 filled\)$" "$T_OUT"
t_grep "text: a reset" "239.9.9.9:7000 reset: expected 101, got 1$" "$T_OUT"

# --group, IPv6 bracket form, and the port.
t_run "--group" 0 "$bin/seqgap" --csv -q -g 239.1.1.1:5000 -g '[ff15::1:1]:6000' --raw s.raw
t_grep "--group: two groups only" "seqgap: 2 groups, " "$T_OUT"
t_run "--group with another port" 0 "$bin/seqgap" -q -g 239.1.1.1:5001 --raw s.raw
t_grep "--group: nothing on that port" "seqgap: 0 groups, 0 datagrams" "$T_OUT"
t_run "--group without a port" 0 "$bin/seqgap" -q -g ff15::1:1 --raw s.raw
t_grep "--group: IPv6 without brackets" "seqgap: 1 group, 198 datagrams" "$T_OUT"
t_run "--all-udp" 0 "$bin/seqgap" -q --all-udp --raw s.raw
t_grep "--all-udp: the unicast noise is a group too" "10.3.0.2:5000" "$T_OUT"
t_run "--by-source" 0 "$bin/seqgap" -q --by-source -g 239.1.1.1 --raw s.raw
t_grep "--by-source: source in the name" "10.2.0.1>239.1.1.1:5000" "$T_OUT"
# The wrong byte order sees nonsense: no longer the planned events.
"$bin/seqgap" --csv --window 64 --endian little --raw s.raw 2>/dev/null | tail -n +2 >le.csv
t_eq "--endian little on big-endian numbers: different events" yes "$(cmp -s want.csv le.csv && echo no || echo yes)"
# A large window: the reset becomes a duplicate of number 1.
t_run "default window" 0 "$bin/seqgap" --csv --raw s.raw
t_grep "default window: no reset for a restart this close" "239.9.9.9:7000: 150 datagrams.*0 resets" "$T_OUT"

# Numbers past the end of short datagrams are counted, not read.
t_run "offset past the payload" 0 "$bin/seqgap" -q --offset 2000 --raw s.raw
t_grep "short datagrams counted" "too short to hold the sequence number" "$T_OUT"

# Errors.
t_run "bad size" 2 "$bin/seqgap" --size 3 --raw s.raw
t_run "bad endian" 2 "$bin/seqgap" --endian middle --raw s.raw
t_run "bad group" 2 "$bin/seqgap" -g 239.1.1 --raw s.raw
t_run "bad window" 2 "$bin/seqgap" -w 100 --raw s.raw
t_run "bad count size" 2 "$bin/seqgap" --count-size 3 --raw s.raw
t_run "no operands" 2 "$bin/seqgap"
head -c 5000 s.raw >cut.raw
t_run "damaged file: reported, the next file read" 1 "$bin/seqgap" -q --raw cut.raw s.raw
t_grep "damage reported" "cut.raw: record at offset [0-9]+ .*cut by end of file" "$T_OUT"
t_grep "the next file was read" "seqgap: 6 groups" "$T_OUT"
t_done
