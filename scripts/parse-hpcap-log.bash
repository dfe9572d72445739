#!/usr/bin/env bash
# parse-hpcap-log.bash - summarize a monitor log (lines "epoch bytes/s
# frames/s lost_bytes/s lost_frames/s"): duration, bytes, packets, rates,
# loss; a timeline of periods with and without losses; a PNG plot of rate
# and losses (gnuplot).
set -euo pipefail
PROG=parse-hpcap-log

usage() {
	cat <<'USAGE'
Usage: parse-hpcap-log [--png FILE | --no-plot] [--utc] <log> [interval]

Reads a log written by hpcap-monitor (<monitor_basedir>/<YYYY-WW>/<iface>,
one line per interval: epoch bytes/s frames/s lost_bytes/s lost_frames/s;
"-" reads standard input) and prints:
  samples, start, end, duration   the span of the log (gaps included)
  bytes, packets                  what arrived (rate x interval, summed)
  rate                            average (over the samples), max and min
                                  of the samples, in Gbps (10^9 bits/s)
  lost                            packets and bytes lost, and % of packets
  timeline                        periods "all ok", "losses" (with their
                                  loss and peak) and "no data" (gaps of
                                  more than 1.5 intervals)
and draws rate and losses over time into a PNG.
interval: seconds per line; default: the most common step between lines.
Times are local (TZ), or UTC with --utc.  Lines that are not five numbers
are skipped and counted; so are repeated timestamps.

Options:
  --png FILE   where to draw the plot (default: ./<log's name>.png)
  --no-plot    no plot
  --utc        times in UTC
  -h, --help   this help
Exit status: 0; 1 if the log has no valid line; 2 usage.
USAGE
}

png="" plot=1 file="" interval=""
while [ $# -gt 0 ]; do
	case $1 in
	--png) [ $# -ge 2 ] || { echo "$PROG: --png needs a file (see --help)" >&2; exit 2; }; png=$2; shift 2 ;;
	--no-plot) plot=0; shift ;;
	--utc) export TZ=UTC; shift ;;
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
	awk -v dup="$tmp/dup" '$1 == last { n++; next } { last = $1; print } END { print n + 0 > dup }' >"$tmp/data"
skipped=$(($(<"$tmp/bad") + $(<"$tmp/dup")))
[ -s "$tmp/data" ] || { echo "$PROG: $file has no valid line (epoch bytes/s frames/s lost_bytes/s lost_frames/s)" >&2; exit 1; }
if [ -z "$interval" ]; then
	interval=$(awk 'NR > 1 && $1 > p { c[$1 - p]++ } { p = $1 }
		END { best = 1; n = 0; for (d in c) if (c[d] > n || (c[d] == n && d + 0 < best)) { n = c[d]; best = d + 0 } print best }' "$tmp/data")
fi

awk -v I="$interval" -v name="$file" -v skipped="$skipped" '
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
{
	e = $1; bps = $2; pps = $3; lbps = $4; lpps = $5
	if (n == 0) { first = e; min = max = bps }
	else if (e - last > 1.5 * I) {
		close_period(last + I - 1)
		pstate = "gap"; pstart = last + I
		close_period(e - 1)
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
	last = e
}
END {
	close_period(last + I - 1)
	span = last - first + I
	printf "log:       %s\n", name
	printf "samples:   %d, every %d s%s\n", n, I, (skipped > 0 ? sprintf(" (%d lines skipped)", skipped) : "")
	printf "start:     %s\n", t(first)
	printf "end:       %s\n", t(last + I - 1)
	printf "duration:  %d s (%s)%s\n", span, hms(span), (span > n * I ? sprintf(", data for %d s", n * I) : "")
	printf "bytes:     %.0f (%s)\n", bytes, si(bytes)
	printf "packets:   %.0f\n", pkts
	printf "rate:      average %.3f Gbps, max %.3f Gbps, min %.3f Gbps\n", 8 * bytes / (n * I) / 1e9, 8 * max / 1e9, 8 * min / 1e9
	printf "lost:      %.0f packets (%.4f%%), %.0f bytes\n", lost, (pkts > 0 ? 100 * lost / pkts : 0), lostb
	print "timeline:"
	for (i = 1; i <= np; i++) print pline[i]
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
