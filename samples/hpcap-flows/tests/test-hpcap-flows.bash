#!/usr/bin/env bash
# test-hpcap-flows.bash [BINDIR] - hpcap-flows on a crafted capture
# (tests/tools/gen_mgmon.py flows: IPv4/IPv6, VLAN and QinQ, TCP and UDP
# conversations, ICMP, ARP) against the flows the generator wrote down;
# JSON = CSV; both directions in one record with --bidir; a live
# pcap2hpcap replay = the RAW file; errors.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
bin=${1:-$top/build/bin}
# shellcheck source=../../../tests/lib.sh
. "$top/tests/lib.sh"
t_init hpcap-flows
command -v python3 >/dev/null || t_skip "python3 not installed"
cd "$T_TMP"
python3 "$top/tests/tools/gen_mgmon.py" flows f.pcap --expect want.txt
"$bin/pcap2raw" -q f.pcap f.raw

# One record per direction: exactly the generator's flows (proto, src,
# sport, dst, dport, vlans, frames, bytes, TCP flags as bits).
t_run "CSV over a RAW file" 0 "$bin/hpcap-flows" --raw f.raw -o f.csv
t_grep "summary: frames, not IP, records" "147 frames, 143 in flows, 4 not IP; 17 flow records" "$T_OUT"
python3 - f.csv >got.txt <<'PY'
import csv, sys
bits = "CEUAPRSF"
rows = []
for r in csv.DictReader(open(sys.argv[1])):
    fl = sum(0x80 >> i for i, c in enumerate(r["tcp_flags"]) if c != ".")
    rows.append("%s %s %s %s %s %s %s %s %s %d" % (r["proto"], r["src"], r["sport"], r["dst"], r["dport"],
                r["vlan"], r["vlan2"], r["packets"], r["bytes"], fl))
key = lambda l: str(tuple(int(x) if x.isdigit() else x for x in l.split()[:7]))
print("\n".join(sorted(rows, key=key)))
PY
sort want.txt >want-s.txt
sort got.txt >got-s.txt
t_same_file "flows = the generator's (every key, frame count, byte count, TCP flags)" want-s.txt got-s.txt

t_run "JSON lines" 0 "$bin/hpcap-flows" -q -F json --raw f.raw -o f.json
t_eq "JSON: every line parses and matches the CSV record" ok "$(python3 - f.json f.csv <<'PY'
import csv, json, sys
js = [json.loads(l) for l in open(sys.argv[1])]
cs = list(csv.DictReader(open(sys.argv[2])))
bad = [i for i, (j, c) in enumerate(zip(js, cs)) if any(str(j[k]) != c[k] for k in c)]
print("ok" if len(js) == len(cs) and not bad else "differ at %s (%d vs %d)" % (bad[:3], len(js), len(cs)))
PY
)"

t_run "--bidir" 0 "$bin/hpcap-flows" --bidir --raw f.raw -o b.csv
t_grep "--bidir: one record per conversation" "; 10 flow records" "$T_OUT"
t_eq "--bidir: conversations = tshark's (UDP and TCP)" \
	"$(tshark -r f.pcap -q -z conv,udp -z conv,tcp 2>/dev/null | grep -c '<->')" \
	"$(awk -F, 'NR > 1 && ($3 == 6 || $3 == 17)' b.csv | wc -l)"
t_eq "--bidir: frames both ways add up to the frames in flows" 143 \
	"$(awk -F, 'NR > 1 { n += $10 + $12 } END { print n }' b.csv)"
t_run "--no-vlan" 0 "$bin/hpcap-flows" -q --no-vlan --raw f.raw
t_eq "--no-vlan: VLAN ids left out" 0 "$(printf '%s\n' "$T_OUT" | awk -F, 'NR > 1 && ($8 != 0 || $9 != 0)' | wc -l)"
t_run "--max-flows 2: the table evicts" 0 "$bin/hpcap-flows" -m 2 --raw f.raw -o /dev/null
t_grep "--max-flows 2: evictions counted" "of them evicted" "$T_OUT"
t_eq "--max-flows 2: no evicted count of 0" no "$(grep -q ' 0 of them evicted' <<<"$T_OUT" && echo yes || echo no)"

# Live: a pcap2hpcap replay gives the records the RAW file gave.
export HPCAP_DEV_DIR=$T_TMP/q
mkdir -p "$HPCAP_DEV_DIR"
"$bin/pcap2hpcap" -q -b 1M f.pcap 3 1 & R=$!
for _ in $(seq 100); do [ -e "$HPCAP_DEV_DIR/hpcap_3_1" ] && break; sleep 0.05; done
t_run "live queue (a replay)" 0 "$bin/hpcap-flows" -q 3 1 -o live.csv
wait "$R"
t_same_file "live records = the RAW file's" f.csv live.csv

# Errors.
t_run "unknown format" 2 "$bin/hpcap-flows" -F xml --raw f.raw
t_grep "... names the formats" "csv or json" "$T_OUT"
t_run "a bad idle time" 2 "$bin/hpcap-flows" -I 5parsecs --raw f.raw
t_grep "... names the units" "ns, us, ms, s, m or h" "$T_OUT"
t_run "--raw without files" 2 "$bin/hpcap-flows" --raw
t_run "one operand" 2 "$bin/hpcap-flows" 0
t_run "unwritable output" 1 "$bin/hpcap-flows" --raw f.raw -o /nonexistent/x.csv
t_run "no such queue" 1 "$bin/hpcap-flows" 9 9
t_grep "... says what to do" "pcap2hpcap|module" "$T_OUT"
t_done
