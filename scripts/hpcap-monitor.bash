#!/usr/bin/env bash
# hpcap-monitor.bash - the logger of one captured interface: every interval,
# one line "epoch bytes/s frames/s lost_bytes/s lost_frames/s" appended to
# <basedir>/<YYYY-WW>/<iface>, HPCAP's monitor layout.  Started by
# launch-hpcap-monitors for every adapter; stopped by stop-hpcap-monitors.
set -euo pipefail
PROG=hpcap-monitor

usage() {
	cat <<'USAGE'
Usage: hpcap-monitor [-i SEC] [-d BASEDIR] [-n COUNT] [--stdout] IFACE|ADAPTER

Logs the traffic of one hpcap adapter (by its name, hpcap0 or eth1, or its
number) every SEC seconds, on second boundaries, as one line
  epoch bytes/s frames/s lost_bytes/s lost_frames/s
appended to BASEDIR/<YYYY-WW>/<name> (ISO year and week, local time; a new
directory every week).
  bytes/s, frames/s     what arrived at the port: frames the source offered
                        to hpcap, plus those the NIC itself dropped
  lost_frames/s         frames not captured: dropped by the NIC (missed, no
                        descriptor), by a full buffer (slow client) or for
                        want of a client
  lost_bytes/s          their bytes (the NIC's drops counted at the
                        interval's average frame size: it does not say)
Rates are integers.  An interval in which the counters went back (the
adapter was attached again) writes no line.
When hpcapdd deletes old files of the adapter's queues (retention, as
hpcap-capture runs it), a line
  epoch files_removed bytes_removed files_held limit_unmet
(totals over the queues; files_held: deletions put off because a reader
held the file; limit_unmet: queues whose limit cannot be met) goes to
BASEDIR/<YYYY-WW>/<name>.retention each time one of them changes (with
--stdout, on standard output after the word "retention").

Options:
  -i, --interval SEC   seconds between lines (default 1)
  -d, --basedir DIR    log directory (default /var/log/hpcap)
  -n, --count N        stop after N intervals (default: run until killed)
      --stdout         print the lines instead of appending to the log
  -h, --help           this help
USAGE
}

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
lib=""
for lib in "${HPCAP_LIB:-}" "$here/hpcap-lib.bash" "@HPCAP_DATADIR@/hpcap-lib.bash" "$here/../share/hpcap/hpcap-lib.bash"; do
	[ -n "$lib" ] && [ -r "$lib" ] && break
done
[ -r "$lib" ] || { echo "$PROG: cannot find hpcap-lib.bash (reinstall hpcap, or set HPCAP_LIB)" >&2; exit 1; }
# shellcheck source=hpcap-lib.bash
. "$lib"

interval=1 basedir=/var/log/hpcap count=0 to_stdout=0 target=""
while [ $# -gt 0 ]; do
	case $1 in
	-i | --interval) { [ $# -ge 2 ] && is_uint "$2" && [ "$((10#$2))" -ge 1 ]; } || usage_error "$1 needs a number of seconds >= 1"; interval=$((10#$2)); shift 2 ;;
	-d | --basedir) [ $# -ge 2 ] || usage_error "$1 needs a directory"; basedir=$2; shift 2 ;;
	-n | --count) { [ $# -ge 2 ] && is_uint "$2"; } || usage_error "$1 needs a number"; count=$((10#$2)); shift 2 ;;
	--stdout) to_stdout=1; shift ;;
	-h | --help) usage; exit 0 ;;
	-*) usage_error "unknown option '$1'" ;;
	*) [ -z "$target" ] || usage_error "one interface only"; target=$1; shift ;;
	esac
done
[ -n "$target" ] || usage_error "which interface? (hpcap0, eth1, or an adapter number)"

# sample: the adapter's counters now into SAMPLE (nothing if it is not
# there); all in the shell, no process started, so that a busy machine
# still gets its line every interval
sample() {
	local id name src nq _c
	local txt
	SAMPLE=""
	slurp txt "$HPCAP_SYSFS/class/hpcap/adapters"
	while read -r id name src nq _c; do
		[ -n "$id" ] || continue
		if [ "$name" = "$target" ] || [ "$id" = "$target" ]; then
			logname=$name adapter_id=$id
			snapshot_adapter_v SAMPLE "$id" "$name" "$src" "$nq"
			return 0
		fi
	done <<<"$txt"
	# An hpcap-xdp port (its port file; doc/xdp.md)
	local f
	local -A P
	for f in "$HPCAP_XDP_DIR"/hpcap_*.port; do
		[ -r "$f" ] || continue
		kv_file P "$f"
		[ "${P[state]:-}" = running ] || continue
		if [ "${P[ifname]:-}" = "$target" ] || [ "${P[adapter]:-}" = "$target" ]; then
			logname=${P[ifname]} adapter_id=${P[adapter]}
			snapshot_adapter_v SAMPLE "${P[adapter]}" "${P[ifname]}" xdp 0
			return 0
		fi
	done
	# Shared-memory queues (pcap2hpcap): adapter <A>, named shm<A>
	while read -r id name src nq _c; do
		[ -n "$id" ] || continue
		if [ "$name" = "$target" ] || [ "$id" = "$target" ]; then
			logname=$name
			snapshot_adapter_v SAMPLE "$id" "$name" "$src" "$nq"
			return 0
		fi
	done <<<"$(shm_adapters)"
}

# retention_sample: this adapter's retention totals into RSAMPLE, from the
# counters hpcapdd --retention-stats keeps (nothing without retention)
retention_sample() {
	local f tf=0 tb=0 th=0 tu=0
	local -A R
	RSAMPLE=""
	[ -n "$adapter_id" ] || return 0
	for f in "$HPCAP_RUNDIR/retention/hpcap_${adapter_id}"_*.stats; do
		[ -r "$f" ] || continue
		kv_file R "$f"
		tf=$((tf + ${R[files_removed]:-0})) tb=$((tb + ${R[bytes_removed]:-0}))
		th=$((th + ${R[files_held]:-0})) tu=$((tu + ${R[limit_unmet]:-0}))
		RSAMPLE="$tf $tb $th $tu"
	done
}

logname=$target adapter_id=""
trap 'exit 0' TERM INT
nap_init
step=$((interval * 1000000))
sample
prev=$SAMPLE
rprev=""	# the first interval logs the totals as they are
written=0 dir="" secs=1
now=${EPOCHREALTIME/./}
last=$((now / step * interval))	# the boundary before the first sample
while [ "$count" = 0 ] || [ "$written" -lt "$count" ]; do
	now=${EPOCHREALTIME/./}
	left=$((step - now % step))
	# The line is stamped with the boundary it was due at, not with the
	# (maybe late) moment of the sample: stamps never repeat.
	epoch=$(((now + left) / 1000000))
	printf -v secs '%d.%06d' $((left / 1000000)) $((left % 1000000))
	nap "$secs"
	sample
	cur=$SAMPLE
	covered=1	# intervals this pass accounts for
	if [ -n "$prev" ] && [ -n "$cur" ]; then
		read -r -a p <<<"$prev"
		read -r -a c <<<"$cur"
		# 0 t_ns 1 rx_frames 2 rx_bytes 5 client_lost_frames 6 client_lost_bytes
		# 7 noclient_frames 8 noclient_bytes 10 nic_missed 17 xdp_lost_frames
		# (hpcap-xdp: frames XDP had no room for; counted as the NIC's)
		back=0
		for k in 0 1 2 5 6 7 8 10 17; do [ "${c[k]}" -ge "${p[k]}" ] || back=1; done
		dt=$(((c[0] - p[0]) / 1000))
		if [ "$back" = 0 ] && [ "$dt" -gt 0 ]; then
			fr=$((c[1] - p[1])) by=$((c[2] - p[2])) miss=$((c[10] - p[10] + c[17] - p[17]))
			est=0
			[ "$fr" -gt 0 ] && est=$((miss * by / fr))
			lostf=$((miss + c[5] - p[5] + c[7] - p[7]))
			lostb=$((est + c[6] - p[6] + c[8] - p[8]))
			# per second, rounded: x * 10^6 / dt_us (no overflow below 9 TB per interval)
			line="$((((by + est) * 1000000 + dt / 2) / dt)) $((((fr + miss) * 1000000 + dt / 2) / dt))"
			line+=" $(((lostb * 1000000 + dt / 2) / dt)) $(((lostf * 1000000 + dt / 2) / dt))"
			# A busy machine may have kept this loop past one or more
			# boundaries: each interval since the last line gets one, at
			# the span's average, so the log still has one line per
			# interval and rate x interval still adds up to the counters.
			k=$(((epoch - last) / interval))
			[ "$k" -ge 1 ] || k=1
			covered=$k
			# -n N: N intervals, N lines, even when the last ones came
			# late together (the oldest are kept: they follow the last
			# line written)
			[ "$count" = 0 ] || [ $((written + k)) -le "$count" ] || k=$((count - written))
			out=""
			for ((j = covered - 1; j >= covered - k; j--)); do out+="$((epoch - j * interval)) $line"$'\n'; done
			if [ "$to_stdout" = 1 ]; then
				printf '%s' "$out"
			else
				week_dir_v dir "$basedir" "$epoch"
				[ -d "$dir" ] || mkdir -p "$dir"
				printf '%s' "$out" >>"$dir/$logname"
			fi
		fi
	fi
	retention_sample
	if [ -n "$RSAMPLE" ] && [ "$RSAMPLE" != "$rprev" ]; then
		if [ "$to_stdout" = 1 ]; then
			echo "retention $epoch $RSAMPLE"
		else
			week_dir_v dir "$basedir" "$epoch"
			[ -d "$dir" ] || mkdir -p "$dir"
			echo "$epoch $RSAMPLE" >>"$dir/$logname.retention"
		fi
	fi
	rprev=$RSAMPLE
	last=$epoch
	written=$((written + covered))
	prev=$cur
done
