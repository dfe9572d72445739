#!/usr/bin/env bash
# parse-hpcap-log.bash - summarize a monitor log (lines "epoch bytes/s
# frames/s lost_bytes/s lost_frames/s"): duration, bytes, packets, rates,
# loss; a timeline of periods with and without losses; HPCAP's per-period
# lines ("At ... all ok (N secs). Received N frames, X Mbits, Y Gbps."); a
# PNG plot of rate and losses (gnuplot).  As HPCAP's did, it leaves out the
# idle lines (no frames, no losses) at the start and the end of the log,
# so that a capture's averages are not diluted by the minutes around it.
set -euo pipefail
PROG=parse-hpcap-log

usage() {
	cat <<'USAGE'
Usage: parse-hpcap-log [--png FILE | --no-plot] [--utc] [--no-trim] <log> [interval]

Reads a log written by hpcap-monitor (<monitor_basedir>/<YYYY-WW>/<iface>,
one line per interval: epoch bytes/s frames/s lost_bytes/s lost_frames/s;
"-" reads standard input).  Idle lines (no frames and no losses) at the
start and the end of the log are left out, as HPCAP's parse-hpcap-log
did: a log that begins before the traffic and ends after it summarizes
the traffic only (--no-trim keeps them).  It prints:
  trimmed                         the idle lines left out (when there were)
  samples, start, end, duration   the span of the log (gaps included)
  bytes, packets                  what arrived (rate x interval, summed)
  rate                            average (over the samples), max and min
                                  of the samples, in Gbps (10^9 bits/s)
  lost                            packets and bytes lost, and % of packets
  timeline                        periods "all ok", "losses" (with their
                                  loss and peak) and "no data" (gaps of
                                  more than 1.5 intervals)
  periods                         the same periods as HPCAP printed them:
                                  "At <date> (ts <epoch>, elapsed <s> secs)
                                  all ok|losses (<d> secs). [Lost N frames.]
                                  Received N frames, X Mbits, Y Gbps."
                                  (a period with frames and one without are
                                  two periods, as in HPCAP; gaps are "no
                                  data")
and draws rate and losses over time into a PNG.
interval: seconds per line; default: the most common step between lines.
Times are local (TZ), or UTC with --utc.  Lines that are not five numbers
are skipped and counted; so are repeated timestamps.

Options:
  --png FILE   where to draw the plot (default: ./<log's name>.png)
  --no-plot    no plot
  --utc        times in UTC
  --no-trim    keep the idle lines at the start and the end
  -h, --help   this help
Exit status: 0; 1 if the log has no valid line; 2 usage.
USAGE
}

png="" plot=1 file="" interval="" trim=1
while [ $# -gt 0 ]; do
	case $1 in
	--png) [ $# -ge 2 ] || { echo "$PROG: --png needs a file (see --help)" >&2; exit 2; }; png=$2; shift 2 ;;
	--no-plot) plot=0; shift ;;
	--utc) export TZ=UTC; shift ;;
	--no-trim) trim=0; shift ;;
	-h | --help) usage; exit 0 ;;
	-?*) echo "$PROG: unknown option '$1' (see --help)" >&2; exit 2 ;;
	*)
		if [ -z "$file" ]; then
			file=$1
		elif [ -z "$interval" ]; then
			[[ $1 =~ ^[0-9]+$ ]] && [ "$((10#$1))" -gt 0 ] || { echo "$PROG: interval '$1' is not a whole number of seconds > 0 (see --help)" >&2; exit 2; }
			interval=$((10#$1))
		else
			echo "$PROG: too many arguments (see --help)" >&2; exit 2
		fi
		shift ;;
	esac
done
[ -n "$file" ] || { echo "$PROG: which log? (see --help)" >&2; exit 2; }
if [ "$file" != - ] && [ ! -r "$file" ]; then
	echo "$PROG: cannot read $file" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Valid lines, in time order; the rest counted.
awk -v bad="$tmp/bad" '
	NF == 5 && $1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+(\.[0-9]+)?$/ && $3 ~ /^[0-9]+(\.[0-9]+)?$/ &&
	$4 ~ /^[0-9]+(\.[0-9]+)?$/ && $5 ~ /^[0-9]+(\.[0-9]+)?$/ { print; next }
	NF > 0 { n++ }
	END { print n + 0 > bad }' "$file" | sort -s -n -k1,1 |
	awk -v dup="$tmp/dup" '$1 == last { n++; next } { last = $1; print } END { print n + 0 > dup }' >"$tmp/all"
skipped=$(($(<"$tmp/bad") + $(<"$tmp/dup")))
[ -s "$tmp/all" ] || { echo "$PROG: $file has no valid line (epoch bytes/s frames/s lost_bytes/s lost_frames/s)" >&2; exit 1; }
# Idle lines at both ends out (HPCAP's rule: a line is idle when it has no
# frames and no losses); a log that is idle throughout is kept whole.
if [ "$trim" = 1 ]; then
	awk -v tf="$tmp/trim" '{ l[NR] = $0; if ($3 + 0 > 0 || $5 + 0 > 0) { if (!f) f = NR; e = NR } }
		END { if (!f) { f = 1; e = NR; idle = 1 } for (i = f; i <= e; i++) print l[i]; print f - 1, NR - e, idle + 0 > tf }' "$tmp/all" >"$tmp/data"
else
	mv "$tmp/all" "$tmp/data"
	echo 0 0 0 >"$tmp/trim"
fi
read -r trim_head trim_tail all_idle <"$tmp/trim"
if [ -z "$interval" ]; then
	interval=$(awk 'NR > 1 && $1 > p { c[$1 - p]++ } { p = $1 }
		END { best = 1; n = 0; for (d in c) if (c[d] > n || (c[d] == n && d + 0 < best)) { n = c[d]; best = d + 0 } print best }' "$tmp/data")
fi

awk -v I="$interval" -v name="$file" -v skipped="$skipped" -v th="$trim_head" -v tt="$trim_tail" -v idle="$all_idle" '
function t(e) { return strftime("%Y-%m-%d %H:%M:%S", e) }
function hms(s) { return sprintf("%dh%02dm%02ds", int(s / 3600), int(s % 3600 / 60), s % 60) }
function si(b) { return b >= 1e12 ? sprintf("%.2f TB", b / 1e12) : b >= 1e9 ? sprintf("%.2f GB", b / 1e9) : b >= 1e6 ? sprintf("%.2f MB", b / 1e6) : b >= 1e3 ? sprintf("%.2f kB", b / 1e3) : sprintf("%.0f B", b) }
function close_period(endt) {
	if (pstate == "") return
	np++
	pline[np] = sprintf("  %s - %s  %6d s  ", t(pstart), t(endt), endt - pstart + 1)
	if (pstate == "ok") pline[np] = pline[np] "all ok"
	else if (pstate == "gap") pline[np] = pline[np] "no data"
	else pline[np] = pline[np] sprintf("losses: %.0f packets (%.4f%%), peak %.0f pps", plost, ppk > 0 ? 100 * plost / ppk : 0, pmax)
	pstate = ""
}
# HPCAP'"'"'s lines: a period is a run of lines alike in having frames and
# in having losses; its rate is over its own duration.
function hp_close(endt,   d) {
	if (hstate == "") return
	d = endt - hstart + 1
	hl = sprintf("  At %s (ts %d, elapsed %d secs) ", strftime("%a %b %e %H:%M:%S %Z %Y", hstart), hstart, hstart - first)
	if (hstate == "gap")
		hl = hl sprintf("no data (%d secs).", d)
	else
		hl = hl sprintf("%s (%d secs). %sReceived %.0f frames, %.2f Mbits, %.3f Gbps.", hstate ~ /L/ ? "losses" : "all ok", d,
			hstate ~ /L/ ? sprintf("Lost %.0f frames. ", hlost) : "", hpk, 8 * hbytes / 1e6, 8 * hbytes / d / 1e9)
	nh++
	hline[nh] = hl
	hstate = ""
}
{
	e = $1; bps = $2; pps = $3; lbps = $4; lpps = $5
	if (n == 0) { first = e; min = max = bps }
	else if (e - last > 1.5 * I) {
		close_period(last + I - 1)
		pstate = "gap"; pstart = last + I
		close_period(e - 1)
		hp_close(last + I - 1)
		hstate = "gap"; hstart = last + I
		hp_close(e - 1)
	}
	n++
	bytes += bps * I; pkts += pps * I; lost += lpps * I; lostb += lbps * I
	if (bps > max) max = bps
	if (bps < min) min = bps
	st = lpps > 0 ? "loss" : "ok"
	if (st != pstate) {
		close_period(e - 1)
		pstate = st; pstart = e; plost = 0; ppk = 0; pmax = 0
	}
	plost += lpps * I; ppk += pps * I
	if (lpps > pmax) pmax = lpps
	hs = (pps > 0 ? "F" : "-") (lpps > 0 ? "L" : "-")
	if (hs != hstate) {
		hp_close(e - 1)
		hstate = hs; hstart = e; hlost = 0; hpk = 0; hbytes = 0
	}
	hlost += lpps * I; hpk += pps * I; hbytes += bps * I
	last = e
}
END {
	close_period(last + I - 1)
	hp_close(last + I - 1)
	span = last - first + I
	printf "log:       %s\n", name
	printf "samples:   %d, every %d s%s\n", n, I, (skipped > 0 ? sprintf(" (%d lines skipped)", skipped) : "")
	if (th + tt > 0)
		printf "trimmed:   %d idle line(s) at the start, %d at the end (no frames, no losses; --no-trim keeps them)\n", th, tt
	else if (idle)
		printf "trimmed:   nothing: every line is idle (no frames, no losses)\n"
	printf "start:     %s\n", t(first)
	printf "end:       %s\n", t(last + I - 1)
	printf "duration:  %d s (%s)%s\n", span, hms(span), (span > n * I ? sprintf(", data for %d s", n * I) : "")
	printf "bytes:     %.0f (%s)\n", bytes, si(bytes)
	printf "packets:   %.0f\n", pkts
	printf "rate:      average %.3f Gbps, max %.3f Gbps, min %.3f Gbps\n", 8 * bytes / (n * I) / 1e9, 8 * max / 1e9, 8 * min / 1e9
	printf "lost:      %.0f packets (%.4f%%), %.0f bytes\n", lost, (pkts > 0 ? 100 * lost / pkts : 0), lostb
	print "timeline:"
	for (i = 1; i <= np; i++) print pline[i]
	print "periods (as HPCAP printed them):"
	for (i = 1; i <= nh; i++) print hline[i]
}' "$tmp/data"

[ "$plot" = 1 ] || exit 0
if ! command -v gnuplot >/dev/null; then
	echo "$PROG: no gnuplot here, so no plot (apt install gnuplot-nox)" >&2
	exit 0
fi
if [ -z "$png" ]; then
	base=${file##*/}
	[ "$file" = - ] && base=stdin
	png=./$base.png
fi
# gnuplot reads epochs as UTC: shift them by the local offset for the axis.
off=$(date +%z)
off=$(((10#${off:1:2} * 3600 + 10#${off:3:2} * 60) * (${off:0:1}1)))
# A blank line where data is missing breaks the line there.
awk -v off="$off" -v I="$interval" 'NR > 1 && $1 - p > 1.5 * I { print "" }
	{ printf "%.0f %.6f %s\n", $1 + off, 8 * $2 / 1e9, $5; p = $1 }' "$tmp/data" >"$tmp/plot"
gnuplot <<GP 2>"$tmp/gp.err" || { echo "$PROG: gnuplot failed: $(head -3 "$tmp/gp.err")" >&2; exit 1; }
set terminal png size 1200,500
set output '$png'
set title "${file//\'/} (every $interval s)" noenhanced
set xdata time
set timefmt '%s'
set format x "%m-%d\\n%H:%M:%S"
set ylabel 'Gbps'
set y2label 'lost packets/s'
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set grid
set key top left
plot '$tmp/plot' using 1:2 with lines lw 2 title 'rate (Gbps)', \
     '$tmp/plot' using 1:3 axes x1y2 with impulses lw 3 lc rgb 'red' title 'lost packets/s'
GP
echo "plot:      $png"
