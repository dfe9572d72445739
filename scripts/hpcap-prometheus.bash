#!/usr/bin/env bash
# hpcap-prometheus.bash - hpcap's counters in the Prometheus text format,
# for node_exporter's textfile collector (written atomically).
set -euo pipefail
PROG=hpcap-prometheus

usage() {
	cat <<'USAGE'
Usage: hpcap-prometheus [-o FILE|-] [-i SEC]

Writes the counters of every hpcap adapter and queue in the Prometheus
text exposition format to FILE (default
/var/lib/prometheus/node-exporter/hpcap.prom, the directory Debian's
prometheus-node-exporter reads with --collector.textfile.directory), through
a temporary file renamed into place, so the collector never reads half a
file.  "-" writes to standard output.

Metrics (labels adapter, iface, and queue where per queue):
  hpcap_up                                 1 if the module is loaded
  hpcap_adapter_info{source}               1 per adapter
  hpcap_link_up                            carrier of the port
  hpcap_rx_frames_total, hpcap_rx_bytes_total          per queue
  hpcap_captured_frames_total, hpcap_captured_bytes_total
  hpcap_lost_frames_total{cause="buffer"|"noclient"}   per queue
  hpcap_lost_bytes_total{cause="buffer"|"noclient"}    per queue
  hpcap_nic_lost_frames_total              per port (cause "nic")
  hpcap_rx_errors_total                    per port (CRC, length, framing)
  hpcap_dup_frames_total                   per queue
  hpcap_listeners                          per queue
  hpcap_buffer_bytes, hpcap_buffer_used_bytes          per queue
  hpcap_hugepages_total, hpcap_hugepages_free
  hpcap_retention_removed_files_total, hpcap_retention_removed_bytes_total,
  hpcap_retention_held_total, hpcap_retention_limit_unmet
                                           per capture queue with retention
                                           (from hpcapdd --retention-stats,
                                           as hpcap-capture runs it)
Loss rate in PromQL, for instance:
  sum by (iface) (rate(hpcap_lost_frames_total[1m])) + on(iface) rate(hpcap_nic_lost_frames_total[1m])

Options:
  -o, --output FILE  where to write (default above; - for stdout)
  -i, --interval SEC write again every SEC seconds until killed (default:
                     once; the systemd timer hpcap-prometheus.timer runs it)
  -h, --help         this help
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

out=/var/lib/prometheus/node-exporter/hpcap.prom interval=0
while [ $# -gt 0 ]; do
	case $1 in
	-o | --output) [ $# -ge 2 ] || usage_error "$1 needs a file"; out=$2; shift 2 ;;
	-i | --interval) { [ $# -ge 2 ] && is_uint "$2" && [ "$((10#$2))" -ge 1 ]; } || usage_error "$1 needs a number of seconds"; interval=$((10#$2)); shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) usage_error "unknown argument '$1'" ;;
	esac
done
if [ "$out" != - ]; then
	[ -d "$(dirname "$out")" ] || die "$(dirname "$out"): no such directory (create it, or give -o FILE)"
fi

# xdp_metrics ID NAME LABELS: the lines of an hpcap-xdp adapter, from its
# counter files (doc/xdp.md)
xdp_metrics() {
	local id=$1 name=$2 l=$3 q ql k v txt
	local -A P
	kv_file P "$HPCAP_XDP_DIR/hpcap_$id.port"
	rd v "$HPCAP_SYSFS/class/net/$name/carrier" 0
	echo "link {$l} $v"
	echo "nic_lost {$l} ${P[nic_rx_missed]:-0}"
	echo "rx_errors {$l} $(($(netdev_stat "$name" rx_crc_errors) + $(netdev_stat "$name" rx_length_errors) + $(netdev_stat "$name" rx_frame_errors)))"
	echo "xdp_mode {$l,mode=\"${P[xdp_mode]:-unknown}\",attach=\"${P[attach]:-unknown}\"} 1"
	for q in $(xdp_queues "$id"); do
		ql="$l,queue=\"$q\""
		slurp txt "$HPCAP_XDP_DIR/hpcap_${id}_$q.stats"
		# The port's lines and the text ones match no metric.
		while read -r k v; do
			case $k in
			"" | xdp_mode) ;;
			buf_size) echo "buffer {$ql} $v" ;;
			*) echo "$k {$ql} $v" ;;
			esac
		done <<<"$txt"
	done
}

# shm_metrics ID LABELS: the lines of adapter ID's shared-memory queues
# (pcap2hpcap), from their counter files; no NIC, so no link or NIC lines
shm_metrics() {
	local id=$1 l=$2 f k v q ql txt
	local -A S
	while IFS= read -r f; do
		[ -n "$f" ] || continue
		kv_file S "$f"
		q=${S[queue]:-0}
		ql="$l,queue=\"$q\""
		slurp txt "$f"
		while read -r k v; do
			case $k in
			"" | source | producer | pid | adapter | queue | state | input) ;;
			buf_size) echo "buffer {$ql} $v" ;;
			*) echo "$k {$ql} $v" ;;
			esac
		done <<<"$txt"
	done <<<"$(shm_queue_files "$id")"
}

metrics() {
	local up=0 id name src nq _c q d k v buf wp rp min l ql txt
	capture_running && up=1
	printf '# HELP hpcap_up 1 if the hpcap module is loaded, an hpcap-xdp runs or a shared-memory queue is fed.\n# TYPE hpcap_up gauge\nhpcap_up %s\n' "$up"
	[ "$up" = 1 ] || return 0
	{
		while read -r id name src nq _c; do
			[ -n "$id" ] || continue
			l="adapter=\"$id\",iface=\"$name\""
			echo "info {$l,source=\"$src\"} 1"
			if [ "$src" = xdp ]; then
				xdp_metrics "$id" "$name" "$l"
				continue
			fi
			if [ "$src" = shm ]; then
				shm_metrics "$id" "$l"
				continue
			fi
			if [ "$src" != synthetic ]; then
				rd v "$HPCAP_SYSFS/class/net/$name/carrier"
				echo "link {$l} $v"
				echo "nic_lost {$l} $(($(netdev_stat "$name" rx_missed_errors) + $(netdev_stat "$name" rx_fifo_errors)))"
				echo "rx_errors {$l} $(($(netdev_stat "$name" rx_crc_errors) + $(netdev_stat "$name" rx_length_errors) + $(netdev_stat "$name" rx_frame_errors)))"
			fi
			for ((q = 0; q < nq; q++)); do
				d=$(qdir "$id" "$q")
				[ -r "$d/stats" ] || continue
				ql="$l,queue=\"$q\""
				slurp txt "$d/stats"
				while read -r k v; do [ -z "$k" ] || echo "$k {$ql} $v"; done <<<"$txt"
				rd buf "$d/buf_size"
				rd wp "$d/write_pos"
				min=$wp
				slurp txt "$d/listeners"
				while read -r _ _ rp _; do
					[ -n "$rp" ] && [ "$rp" -lt "$min" ] && min=$rp
				done <<<"$txt"
				echo "buffer {$ql} $buf"
				echo "buffer_used {$ql} $((wp - min))"
			done
		done <<<"$(all_adapters)"
		local ra rq _st rf rb rh ru
		while read -r ra rq _st rf rb rh ru _; do
			[ -n "$ra" ] || continue
			l="adapter=\"$ra\",queue=\"$rq\""
			echo "ret_files {$l} $rf"
			echo "ret_bytes {$l} $rb"
			echo "ret_held {$l} $rh"
			echo "ret_unmet {$l} $ru"
		done <<<"$(retention_lines)"
		echo "huge_total {} $(meminfo HugePages_Total)"
		echo "huge_free {} $(meminfo HugePages_Free)"
	} | awk '
	# Every line of a metric family must come in one group: collect, then print.
	function emit(m, help, type, labels, v) {
		if (!(m in fam)) { fam[m] = ++nfam; order[nfam] = m; hlp[m] = help; typ[m] = type }
		gsub(/[{}]/, "", labels)
		body[m] = body[m] sprintf("%s%s %s\n", m, labels == "" ? "" : "{" labels "}", v)
	}
	{ k = $1; lab = $2; v = $3 }
	k == "info" { emit("hpcap_adapter_info", "An hpcap adapter (capture source).", "gauge", lab, v) }
	k == "link" { emit("hpcap_link_up", "1 if the port has a link.", "gauge", lab, v) }
	k == "nic_lost" { emit("hpcap_nic_lost_frames_total", "Frames the NIC dropped before hpcap saw them (missed, no descriptor).", "counter", lab, v) }
	k == "rx_errors" { emit("hpcap_rx_errors_total", "Frames received with errors (CRC, length, framing).", "counter", lab, v) }
	k == "rx_frames" { emit("hpcap_rx_frames_total", "Frames the source offered to the queue.", "counter", lab, v) }
	k == "rx_bytes" { emit("hpcap_rx_bytes_total", "Bytes (frame lengths on the wire) the source offered to the queue.", "counter", lab, v) }
	k == "captured_frames" { emit("hpcap_captured_frames_total", "Frames written into the capture buffer.", "counter", lab, v) }
	k == "captured_bytes" { emit("hpcap_captured_bytes_total", "Record bytes written into the capture buffer (12-byte headers included).", "counter", lab, v) }
	k == "client_lost_frames" { sub(/}$/, ",cause=\"buffer\"}", lab); emit("hpcap_lost_frames_total", "Frames dropped by hpcap, by cause: buffer full (slow client) or no client.", "counter", lab, v) }
	k == "noclient_frames" { sub(/}$/, ",cause=\"noclient\"}", lab); emit("hpcap_lost_frames_total", "", "counter", lab, v) }
	k == "client_lost_bytes" { sub(/}$/, ",cause=\"buffer\"}", lab); emit("hpcap_lost_bytes_total", "Bytes of the frames dropped by hpcap, by cause.", "counter", lab, v) }
	k == "noclient_bytes" { sub(/}$/, ",cause=\"noclient\"}", lab); emit("hpcap_lost_bytes_total", "", "counter", lab, v) }
	k == "dup_frames" { emit("hpcap_dup_frames_total", "Duplicate frames removed.", "counter", lab, v) }
	k == "listeners" { emit("hpcap_listeners", "Listeners (capture programs) open on the queue.", "gauge", lab, v) }
	k == "buffer" { emit("hpcap_buffer_bytes", "Size of the queue capture buffer.", "gauge", lab, v) }
	k == "buffer_used" { emit("hpcap_buffer_used_bytes", "Bytes of the buffer the slowest listener has not read yet.", "gauge", lab, v) }
	k == "xdp_rx_dropped" { sub(/}$/, ",cause=\"rx_dropped\"}", lab); emit("hpcap_xdp_lost_frames_total", "Frames XDP sent to an hpcap-xdp socket that had no room, by cause (XDP_STATISTICS).", "counter", lab, v) }
	k == "xdp_rx_ring_full" { sub(/}$/, ",cause=\"rx_ring_full\"}", lab); emit("hpcap_xdp_lost_frames_total", "", "counter", lab, v) }
	k == "xdp_rx_invalid_descs" { sub(/}$/, ",cause=\"invalid\"}", lab); emit("hpcap_xdp_lost_frames_total", "", "counter", lab, v) }
	k == "xdp_rx_fill_ring_empty_descs" { emit("hpcap_xdp_fill_ring_empty_total", "Times the kernel found no free UMEM chunk for an hpcap-xdp socket.", "counter", lab, v) }
	k == "xdp_mode" { emit("hpcap_xdp_mode", "The XDP mode of an hpcap-xdp port (zc, copy, skb), with how its program is attached.", "gauge", lab, v) }
	k == "ts_nic_frames" { sub(/}$/, ",source=\"nic\"}", lab); emit("hpcap_stamps_total", "Frames by the source of their timestamp (hpcap-xdp).", "counter", lab, v) }
	k == "ts_kernel_frames" { sub(/}$/, ",source=\"kernel\"}", lab); emit("hpcap_stamps_total", "", "counter", lab, v) }
	k == "ts_user_frames" { sub(/}$/, ",source=\"user\"}", lab); emit("hpcap_stamps_total", "", "counter", lab, v) }
	k == "ret_files" { emit("hpcap_retention_removed_files_total", "Capture files hpcapdd retention deleted (since that hpcapdd started).", "counter", lab, v) }
	k == "ret_bytes" { emit("hpcap_retention_removed_bytes_total", "Bytes of the capture files retention deleted, sidecars included.", "counter", lab, v) }
	k == "ret_held" { emit("hpcap_retention_held_total", "Deletions retention put off because a reader (hpcap-extract, hpcap-index) held the file.", "counter", lab, v) }
	k == "ret_unmet" { emit("hpcap_retention_limit_unmet", "1 while a retention limit cannot be met (nothing more may be deleted).", "gauge", lab, v) }
	k == "huge_total" { emit("hpcap_hugepages_total", "hugetlbfs pages reserved (HugePages_Total).", "gauge", lab, v) }
	k == "huge_free" { emit("hpcap_hugepages_free", "hugetlbfs pages free (HugePages_Free).", "gauge", lab, v) }
	END {
		for (i = 1; i <= nfam; i++) {
			m = order[i]
			printf "# HELP %s %s\n# TYPE %s %s\n%s", m, hlp[m], m, typ[m], body[m]
		}
	}'
}

write_once() {
	local tmp
	if [ "$out" = - ]; then
		metrics
		return
	fi
	tmp=$(mktemp "$out.XXXXXX")
	if metrics >"$tmp"; then
		chmod 644 "$tmp"
		mv -f "$tmp" "$out"
	else
		rm -f "$tmp"
		die "collecting the counters failed"
	fi
}

write_once
[ "$interval" = 0 ] && exit 0
while sleep "$interval"; do write_once; done
