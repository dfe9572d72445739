#!/usr/bin/env bash
# hpcap-status.bash - live view of every hpcap adapter: flags, RX rate and
# totals, losses by cause (NIC, buffer, no client), time without losses,
# listeners and buffer use per queue, hugepage state.  --once and --json for
# scripts.
set -euo pipefail
PROG=hpcap-status

usage() {
	cat <<'USAGE'
Usage: hpcap-status [-i SEC] [--once] [--json] [-c FILE]

Shows, for every adapter of the hpcap module (native ports hpcap<i> and
generic captures), of every running hpcap-xdp (AF_XDP) and of every
shared-memory queue a producer feeds (pcap2hpcap: adapter <A> shown as
shm<A>), refreshed every SEC seconds until q or Ctrl-C:
  FLAGS      L link up; C client losses (a full buffer dropped frames: a
             capture program is too slow or stopped); D no client (a queue
             has no listener, its frames are discarded); E receive errors
             (CRC, length); "-" where a flag is off.  C and E are about the
             last interval.  X: an AF_XDP port (hpcap-xdp).  S: shared-
             memory queues (no NIC: no NIC losses or errors, link up).
  RX         rate (bits/s, frames/s) of what the port received, and totals
  LOST NOW   frames/s lost in the last interval, by cause:
               nic  the NIC dropped them (missed, no descriptor); for
                    hpcap-xdp also those XDP had no room for in its
                    socket (apart in --json: "xdp")
               buf  the buffer was full (slow client)
               nocl nobody was listening
             and the % of what arrived
  TOTAL LOST frames lost since attach, with the same split, and its %
  NO LOSS    time since the last loss (from the monitor logs when there are
             some, else since hpcap-status started: shown as ">=")
  QUEUES     per queue: listeners, and how full the buffer is for its
             slowest listener ("?" for hpcap-xdp and shared-memory
             queues: not known outside their producer)
and the hugepage state (hugetlbfs pages, mount, adapters whose buffers are
in 2 MiB pages), then, for every capture queue whose hpcapdd deletes old
files (retention: keep_free, keep_size, keep_age in params.cfg), the files
and bytes removed, the deletions put off because a reader held the file,
and whether a limit cannot be met.

Options:
  -i, --interval SEC  seconds between refreshes, and the span of the rates
                      with --once (default 1; may be a fraction, e.g. 0.5)
      --once          one sample over SEC seconds, printed once, then exit
      --json          print one JSON object (implies --once): see
                      doc/operations.md for its fields
  -c, --config FILE   params.cfg, for monitor_basedir (optional; default:
                      the source tree's params.cfg when run from one,
                      else /etc/hpcap/params.cfg)
  -h, --help          this help

Exit status: 0; 1 if nothing captures (no module, hpcap-xdp or
shared-memory queue).
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

interval=1 once=0 json=0 config=""
while [ $# -gt 0 ]; do
	case $1 in
	-i | --interval)
		{ [ $# -ge 2 ] && [[ $2 =~ ^[0-9]+(\.[0-9]+)?$ ]] && [[ $2 =~ [1-9] ]]; } || usage_error "$1 needs a number of seconds"
		interval=$2; shift 2 ;;
	--once) once=1; shift ;;
	--json) json=1; once=1; shift ;;
	-c | --config) [ $# -ge 2 ] || usage_error "$1 needs a file"; config=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) usage_error "unknown argument '$1'" ;;
	esac
done
capture_running || die "nothing captures: the hpcap module is not loaded (no /sys/class/hpcap), no hpcap-xdp runs and no shared-memory queue is fed; run install_hpcap.bash"

cfg_pick config
basedir=/var/log/hpcap
if [ -r "$config" ]; then
	cfg_say_which "$config"
	# A file install_hpcap.bash would refuse must not stop the status:
	# read it in a subshell, quietly.
	basedir=$(cfg_load "$config" >/dev/null 2>&1 && cfg monitor_basedir) || true
	basedir=${basedir:-/var/log/hpcap}
fi
state=$(mktemp)
trap 'rm -f "$state"' EXIT
start=$(date +%s)

# last_loss NAME: "epoch known" of the last loss the monitor log shows
last_loss() {
	local f e
	f=$(week_dir "$basedir")/$1
	if [ -r "$f" ]; then
		e=$(tac "$f" | awk 'NF == 5 && $5 > 0 { print $1; exit }')
		[ -n "$e" ] || e=$(awk 'NF == 5 { print $1; exit }' "$f")
		[ -n "$e" ] && { echo "$e 1"; return; }
	fi
	echo "$start 0"
}

# The state file: "name last_loss_epoch known", kept between refreshes.
init_state() {
	local name
	for name in $(all_adapters | awk '{ print $2 }'); do
		grep -q "^$name " "$state" || echo "$name $(last_loss "$name")" >>"$state"
	done
}

hugeinfo() {
	echo "$(meminfo HugePages_Total) $(meminfo HugePages_Free) $(meminfo HugePages_Rsvd) $(meminfo Hugepagesize)" \
		"$(hugetlbfs_mounts | paste -sd, -) $(huge_adapters | paste -sd, -)"
}

# render PREV CUR: the view (table or JSON) of two snapshots; updates the state
render() {
	awk -v prev="$1" -v cur="$2" -v json="$json" -v statefile="$state" -v host="$(hostname)" \
		-v huge="$(hugeinfo)" -v ret="$(retention_lines)" -v now="$(date +%s)" -v nowtxt="$(date '+%Y-%m-%d %H:%M:%S')" '
	function bits(v) { return v >= 1e9 ? sprintf("%.2f Gb/s", v / 1e9) : v >= 1e6 ? sprintf("%.1f Mb/s", v / 1e6) : v >= 1e3 ? sprintf("%.1f kb/s", v / 1e3) : sprintf("%.0f b/s", v) }
	function cnt(v, u) { if (u != "") u = " " u
		return v >= 1e9 ? sprintf("%.2fG%s", v / 1e9, u) : v >= 1e6 ? sprintf("%.2fM%s", v / 1e6, u) : v >= 1e3 ? sprintf("%.1fk%s", v / 1e3, u) : sprintf("%.0f%s", v, u) }
	function bytes(v) { return v >= 1e12 ? sprintf("%.2f TB", v / 1e12) : v >= 1e9 ? sprintf("%.2f GB", v / 1e9) : v >= 1e6 ? sprintf("%.1f MB", v / 1e6) : v >= 1e3 ? sprintf("%.1f kB", v / 1e3) : sprintf("%.0f B", v) }
	function dur(s,   h, m) { h = int(s / 3600); m = int((s % 3600) / 60); s = s % 60
		return h >= 24 ? sprintf("%dd%02dh%02dm", h / 24, h % 24, m) : sprintf("%dh%02dm%02ds", h, m, s) }
	function pct(a, b) { return b > 0 ? 100 * a / b : 0 }
	function jstr(x,   i, c, o) { o = ""
		for (i = 1; i <= length(x); i++) { c = substr(x, i, 1); o = o ((c == "\"" || c == "\\") ? "\\" : "") c }
		return o }
	BEGIN {
		while ((getline line < statefile) > 0) { split(line, f, " "); ll[f[1]] = f[2]; llk[f[1]] = f[3] }
		close(statefile)
		np = split(prev, pl, "\n")
		for (k = 1; k <= np; k++) { split(pl[k], f, " "); if (f[2] != "") P[f[2]] = pl[k] }
		nc = split(cur, cl, "\n")
		split(huge, hg, " ")
		if (!json) {
			printf "hpcap-status  %s  %s\n", host, nowtxt
			printf "%-3s %-12s %-5s %-24s %-22s %-26s %-8s %-30s %-11s %s\n", "#", "IFACE", "FLAGS", "RX RATE", "RX TOTAL", "LOST NOW nic/buf/nocl", "LOST %", "TOTAL LOST nic/buf/nocl", "NO LOSS", "QUEUES listeners (buffer use)"
		} else {
			printf "{\"time\":%s,\"host\":\"%s\",\"interfaces\":[", now, host
		}
		out = 0
		for (k = 1; k <= nc; k++) {
			n = split(cl[k], c, " ")
			if (n < 20) continue
			name = c[2]
			# id name source nq | t rx_f rx_b cap_f cap_b cl_f cl_b nc_f nc_b dup miss err link lst buf used
			havep = (name in P)
			if (havep) split(P[name], p, " "); else for (j = 1; j <= n; j++) p[j] = c[j]
			dt = (c[5] - p[5]) / 1e9
			if (dt <= 0 || c[6] < p[6]) { dt = 0 }
			drx = c[6] - p[6]; dby = c[7] - p[7]; dcl = c[10] - p[10]; dnc = c[12] - p[12]
			dmiss = c[15] - p[15]; derr = c[16] - p[16]
			# hpcap-xdp: XDP losses (no room in the socket) count with
			# the NIC ones in the table, apart in the JSON
			xdp = (c[3] == "xdp"); dx = xdp ? c[22] - p[22] : 0; tot_x = xdp ? c[22] : 0
			dmiss += dx
			if (dt > 0) { pps = drx / dt; bps = 8 * dby / dt; lnic = dmiss / dt; lbuf = dcl / dt; lnc = dnc / dt }
			else { pps = bps = lnic = lbuf = lnc = 0 }
			lostnow = dmiss + dcl + dnc
			lpct = pct(lostnow, drx + dmiss)
			tot_nic = c[15] + tot_x; tot_buf = c[10]; tot_nc = c[12]; tot = tot_nic + tot_buf + tot_nc
			tpct = pct(tot, c[6] + c[15])
			nq = split(c[18], lq, ","); split(c[20], uq, ",")
			# the queue numbers, where the line has them (a
			# shared-memory adapter may have queue 1 alone)
			nid = split(n >= 21 ? c[21] : "", qid, ",")
			noclient = 0; qs = ""; qj = ""
			for (q = 1; q <= nq; q++) {
				if (lq[q] == 0) noclient = 1
				use = pct(uq[q], c[19])
				# (the use of an hpcap-xdp buffer is not known)
				qn = (nid == nq && qid[q] ~ /^[0-9]+$/) ? qid[q] : q - 1
				qs = qs sprintf("%sq%d:%d (%s)", q > 1 ? " " : "", qn, lq[q], uq[q] == "-" ? "?" : sprintf("%.0f%%", use))
				qj = qj sprintf("%s{\"queue\":%d,\"listeners\":%d,\"buffer_used_pct\":%.1f}", q > 1 ? "," : "", qn, lq[q], use)
			}
			flags = (c[17] == 1 ? "L" : "-") (dcl > 0 ? "C" : "-") (noclient ? "D" : "-") (derr > 0 ? "E" : "-") (xdp ? "X" : "") (c[3] == "shm" ? "S" : "")
			if (!(name in ll)) { ll[name] = now; llk[name] = 0 }
			if (lostnow > 0) { ll[name] = now; llk[name] = 1 }
			since = now - ll[name]
			if (!json) {
				printf "%-3s %-12s %-5s %-24s %-22s %-26s %-8s %-30s %-11s %s\n", c[1], name, flags,
					bits(bps) " " cnt(pps, "pps"), bytes(c[7]) " " cnt(c[6], "pkt"),
					sprintf("%.0f/%.0f/%.0f pps", lnic, lbuf, lnc), sprintf("%.3f%%", lpct),
					sprintf("%s (%s/%s/%s) %.3f%%", cnt(tot, ""), cnt(tot_nic, ""), cnt(tot_buf, ""), cnt(tot_nc, ""), tpct),
					(llk[name] ? "" : ">=") dur(since), qs
			} else {
				printf "%s{\"adapter\":%d,\"iface\":\"%s\",\"source\":\"%s\",\"flags\":\"%s\",\"link\":%s,", out ? "," : "", c[1], name, c[3], flags, c[17] == 1 ? "true" : "false"
				printf "\"interval\":%.3f,\"rx_bps\":%.0f,\"rx_pps\":%.0f,\"rx_frames\":%.0f,\"rx_bytes\":%.0f,\"captured_frames\":%.0f,", dt, bps, pps, c[6], c[7], c[8]
				lx = dt > 0 ? dx / dt : 0
				printf "\"lost_pps\":{\"nic\":%.0f,\"xdp\":%.0f,\"buffer\":%.0f,\"noclient\":%.0f},\"lost_pct\":%.4f,", lnic - lx, lx, lbuf, lnc, lpct
				printf "\"lost\":{\"nic\":%.0f,\"xdp\":%.0f,\"buffer\":%.0f,\"noclient\":%.0f},\"lost_total\":%.0f,\"lost_total_pct\":%.4f,", tot_nic - tot_x, tot_x, tot_buf, tot_nc, tot, tpct
				if (xdp) printf "\"xdp_mode\":\"%s\",\"attach\":\"%s\",\"timestamp_source\":\"%s\",\"nic_rx_dropped\":%.0f,", c[23], c[24], c[25], c[26]
				printf "\"dup_frames\":%.0f,\"rx_errors\":%.0f,\"no_loss_seconds\":%d,\"no_loss_known\":%s,\"buffer_bytes\":%.0f,\"queues\":[%s]}", c[14], c[16], since, llk[name] ? "true" : "false", c[19], qj
			}
			out++
			seen[name] = 1
		}
		if (!json) {
			if (!out) print "(no adapter: nothing is captured; see install_hpcap.bash)"
			printf "hugepages: %s of %s free (%s reserved, %s kB each); hugetlbfs: %s; 2 MiB-page buffers: %s\n", hg[2], hg[1], hg[3], hg[4], hg[5] != "" ? hg[5] : "not mounted", hg[6] != "" ? "adapters " hg[6] : "none"
		} else {
			printf "],\"hugepages\":{\"total\":%d,\"free\":%d,\"reserved\":%d,\"size_kb\":%d,\"mounts\":\"%s\",\"huge_adapters\":\"%s\"},\"retention\":[", hg[1], hg[2], hg[3], hg[4], hg[5], hg[6]
		}
		# adapter queue state files_removed bytes_removed files_held limit_unmet dir
		nr = ret == "" ? 0 : split(ret, rl, "\n")
		for (k = 1; k <= nr; k++) {
			n = split(rl[k], r, " ")
			if (n < 8) continue
			dir = rl[k]; for (j = 1; j <= 7; j++) sub(/^[^ ]+ /, "", dir)
			if (!json) {
				if (k == 1) print "retention (files hpcapdd --keep-* deleted):"
				printf "  hpcap_%s_%s %-8s %s files (%s) removed, %s put off (a reader held them), %s  %s\n", r[1], r[2], r[3], r[4], bytes(r[5]), r[6], r[7] == 1 ? "A LIMIT IS NOT MET" : "limits met", dir
			} else {
				printf "%s{\"adapter\":%d,\"queue\":%d,\"state\":\"%s\",\"files_removed\":%.0f,\"bytes_removed\":%.0f,\"files_held\":%.0f,\"limit_unmet\":%s,\"dir\":\"%s\"}", (k > 1) ? "," : "", r[1], r[2], r[3], r[4], r[5], r[6], r[7] == 1 ? "true" : "false", jstr(dir)
			}
		}
		if (json) print "]}"
		for (name in seen) print name, ll[name], llk[name] > statefile
	}'
}

init_state
prev=$(snapshot)
if [ "$once" = 1 ]; then
	sleep "$interval"
	render "$prev" "$(snapshot)"
	exit 0
fi
# Live view: redraw in place; q quits.
if [ -t 1 ]; then
	tput civis 2>/dev/null || true
	trap 'tput cnorm 2>/dev/null || true; rm -f "$state"; echo' EXIT
	trap 'exit 0' INT TERM
fi
while :; do
	key=""
	if [ -t 0 ]; then
		read -rsn1 -t "$interval" key || true
	else
		sleep "$interval"
	fi
	[ "$key" = q ] && exit 0
	cur=$(snapshot)
	init_state
	view=$(render "$prev" "$cur")
	if [ -t 1 ]; then printf '\033[H\033[2J%s\n' "$view"; else printf '%s\n\n' "$view"; fi
	prev=$cur
done
