#!/usr/bin/env bash
# shm-queue-tests.bash [BINDIR] - shared-memory queues (pcap2hpcap) in the
# operations scripts, on the host, with no module: hpcap-status (table and
# --json), hpcap-monitor and hpcap-prometheus show a queue pcap2hpcap feeds
# as adapter <A> named shm<A> (source shm), from the counter file the
# producer keeps beside the queue (<queue>.stats), with the queue's own
# number; the counters add up (frames offered = captured + counted lost),
# the listener reads every frame sent, and the adapter goes away with the
# queue.
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$top/tests/lib.sh"
t_init ops-shm
bin=${1:-$top/build/bin}
command -v python3 >/dev/null || t_skip "python3 not installed"
cd "$T_TMP" || exit 1
t_queues
export HPCAP_SYSFS=$T_TMP/sys
mkdir -p "$HPCAP_SYSFS"	# no module here
S=$top/scripts
era=$top/tests/tools/hpcap_era_read.py
wait_file() { # until the file exists
	for _ in $(seq 1 100); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	return 1
}
jq_() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); i={x['iface']: x for x in j['interfaces']}; print($1)" st.json 2>&1; }

# 8000 frames, replayed at their recorded pace, round after round until
# the checks are done (they take long on a loaded machine).
python3 "$top/tests/tools/gen_pcap.py" in.pcap --count 8000
python3 "$era" pcap in.pcap >sent.txt

t_run "hpcap-status with nothing fed" 1 "$S/hpcap-status.bash" --once -c /nonexistent
t_grep "... says what to do" "no shared-memory queue is fed" "$T_OUT"

# --- Queue 1 of adapter 4, one lossless listener.
"$bin/pcap2hpcap" -q -b 1M --file-size 1M --speed 1 --loop 0 in.pcap 4 1 &
pids+=($!)
replay=$!
wait_file "$HPCAP_DEV_DIR/hpcap_4_1.stats"
t_grep "the producer's counter file: waiting for its listener" "^state waiting$" "$(cat "$HPCAP_DEV_DIR/hpcap_4_1.stats")"
"$bin/hpcap2pcap" 4 1 >got.pcap 2>listener.log &
pids+=($!)
listener=$!
sleep 1.5
# Everything is sampled first, checked after: python starts slowly on a
# loaded machine, and the replay must still run while the tools look.
t_run "hpcap-status --json during the replay" 0 "$S/hpcap-status.bash" --json -i 0.5 -c /nonexistent
echo "$T_OUT" >st.json
t_run "hpcap-status --once (table)" 0 "$S/hpcap-status.bash" --once -i 0.3 -c /nonexistent
table=$T_OUT
t_run "hpcap-prometheus -o -" 0 "$S/hpcap-prometheus.bash" -o -
prom=$T_OUT
t_run "hpcap-monitor shm4 --stdout -n 2" 0 "$S/hpcap-monitor.bash" -i 1 -n 2 --stdout shm4
mon=$T_OUT
t_run "hpcap-monitor by adapter number" 0 "$S/hpcap-monitor.bash" -i 1 -n 1 --stdout 4
mon4=$T_OUT
# A monitor held up past two boundaries (a busy machine) catches up with
# a line per interval, and -n 3 still means three lines.  Held once its
# first line is out: the pass then under way ends late, and the next one
# has intervals to catch up.
"$S/hpcap-monitor.bash" -i 1 -n 3 --stdout shm4 >late.txt 2>&1 &
late=$!
for _ in $(seq 100); do [ -s late.txt ] && break; sleep 0.05; done
kill -STOP "$late"
sleep 2.5
kill -CONT "$late"
wait "$late"
late_st=$?
t_eq "the replay was still running" yes "$(kill -0 "$replay" 2>/dev/null && echo yes || echo no)"
mapfile -t J < <(jq_ "'\\n'.join(str(x) for x in [
	(i['shm4']['adapter'], i['shm4']['iface'], i['shm4']['source']),
	i['shm4']['flags'], i['shm4']['queues'],
	i['shm4']['rx_frames'] > 0 and i['shm4']['rx_pps'] > 0,
	i['shm4']['rx_frames'] == i['shm4']['captured_frames'] and i['shm4']['lost_total'] == 0])")
t_eq "JSON: the queue's adapter, named shm4, source shm" "(4, 'shm4', 'shm')" "${J[0]:-}"
t_eq "JSON: flags: link (no NIC to lose it), shared memory" "L---S" "${J[1]:-}"
t_eq "JSON: its queue by number, one listener" "[{'queue': 1, 'listeners': 1, 'buffer_used_pct': 0.0}]" "${J[2]:-}"
t_eq "JSON: frames are arriving" True "${J[3]:-}"
t_eq "JSON: offered = captured + lost (none lost)" True "${J[4]:-}"
t_grep "table: shm4 with its queue" "^4   shm4 +L---S .* q1:1 \\(\\?\\)$" "$table"
t_grep "prometheus: up" "^hpcap_up 1$" "$prom"
t_grep "prometheus: the adapter, source shm" '^hpcap_adapter_info\{adapter="4",iface="shm4",source="shm"\} 1$' "$prom"
t_grep "prometheus: its queue's frames" '^hpcap_rx_frames_total\{adapter="4",iface="shm4",queue="1"\} [1-9][0-9]*$' "$prom"
t_grep "prometheus: its listener" '^hpcap_listeners\{adapter="4",iface="shm4",queue="1"\} 1$' "$prom"
t_grep "prometheus: its buffer" '^hpcap_buffer_bytes\{adapter="4",iface="shm4",queue="1"\} 1048576$' "$prom"
t_eq "prometheus: no NIC line for it" "" "$(grep -E '^hpcap_(link_up|nic_lost)' <<<"$prom")"
# verdict ANSWER LINES: yes, or no with the lines (for the fail message)
verdict() { if [ "$1" = yes ]; then echo yes; else echo "no: $(tr '\n' '|' <<<"$2")"; fi; }
t_eq "monitor: two lines, frames arriving, nothing lost" yes \
	"$(verdict "$(awk 'NF == 5 && $3 > 0 && $5 == 0 { n++ } END { print (n == 2 && NR == 2) ? "yes" : "no" }' <<<"$mon")" "$mon")"
t_eq "monitor held up 2.5 s: exit 0" 0 "$late_st"
t_eq "... -n 3: three lines, one second apart, frames arriving" yes \
	"$(verdict "$(awk 'NF == 5 && $3 > 0 { n++ } NR > 1 && $1 != p + 1 { n = -9 } { p = $1 } END { print (n == 3 && NR == 3) ? "yes" : "no" }' late.txt)" "$(cat late.txt)")"
t_eq "monitor by adapter number: one line" 1 "$(grep -c . <<<"$mon4")"
# The first round whole in the queue before the replay is stopped (on a
# fast machine the checks above take less than a round): 60 s at most.
for _ in $(seq 600); do
	[ "$(awk '$1 == "captured_frames" { print $2 }' "$HPCAP_DEV_DIR/hpcap_4_1.stats" 2>/dev/null)" -ge "$(wc -l <sent.txt)" ] 2>/dev/null && break
	sleep 0.1
done
kill "$replay"
wait "$replay"
t_eq "the replay ends at SIGTERM with status 0" 0 $?
wait "$listener"
python3 "$era" pcap got.pcap | head -n "$(wc -l <sent.txt)" >got.txt
t_same_file "the listener read every frame of the first round, byte for byte" sent.txt got.txt
t_eq "the counter file goes with the queue" "" "$(ls "$HPCAP_DEV_DIR")"
t_run "hpcap-status: nothing fed any more" 1 "$S/hpcap-status.bash" --once -c /nonexistent

# --- No listener: every frame offered is counted lost (no client).
"$bin/pcap2hpcap" -q -l 0 --speed 1 --loop 0 in.pcap 5 0 &
pids+=($!)
replay=$!
wait_file "$HPCAP_DEV_DIR/hpcap_5_0.stats"
sleep 1.5
t_run "hpcap-status --json, a queue nobody reads" 0 "$S/hpcap-status.bash" --json -i 0.5 -c /nonexistent
echo "$T_OUT" >st.json
t_run "hpcap-prometheus: the losses by cause" 0 "$S/hpcap-prometheus.bash" -o -
prom=$T_OUT
t_eq "the replay was still running" yes "$(kill -0 "$replay" 2>/dev/null && echo yes || echo no)"
mapfile -t J < <(jq_ "'\\n'.join(str(x) for x in [i['shm5']['flags'],
	i['shm5']['rx_frames'] > 0 and i['shm5']['captured_frames'] == 0 and i['shm5']['lost']['noclient'] == i['shm5']['rx_frames'] == i['shm5']['lost_total']])")
t_eq "JSON: flags: no client" "L-D-S" "${J[0]:-}"
t_eq "JSON: offered = captured + lost (all lost for want of a client)" True "${J[1]:-}"
t_grep "... noclient" '^hpcap_lost_frames_total\{adapter="5",iface="shm5",queue="0",cause="noclient"\} [1-9][0-9]*$' "$prom"
kill "$replay"
wait "$replay"
t_eq "interrupted, the replay takes its counter file with it" "" "$(ls "$HPCAP_DEV_DIR")"
# A counter file left by a producer that was killed outright is ignored.
printf 'source shm\npid 999999\nadapter 6\nqueue 0\nstate running\nrx_frames 5\n' >"$HPCAP_DEV_DIR/hpcap_6_0.stats"
t_run "hpcap-status ignores a dead producer's file" 1 "$S/hpcap-status.bash" --once -c /nonexistent
t_done
