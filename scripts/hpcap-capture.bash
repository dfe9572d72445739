#!/usr/bin/env bash
# hpcap-capture.bash - run hpcapdd on one queue as params.cfg says (output
# under capture_dir, pinned to capture_cores<i>), optionally until a given
# time.  What hpcap-capture@<adapter>_<queue>.service runs.
set -euo pipefail
PROG=hpcap-capture

usage() {
	cat <<'USAGE'
Usage: hpcap-capture [-c FILE] [--until HH:MM] [--dir DIR] <adapter>_<queue>

Runs hpcapdd on /dev/hpcap_<adapter>_<queue>, writing to
<capture_dir>/hpcap<adapter>_<queue>/ (params.cfg's capture_dir, default
/var/lib/hpcap), pinned to the q-th core of capture_cores<adapter> when it
is set, deleting old files as keep_free<adapter>, keep_size<adapter> and
keep_age<adapter> say (retention; counters in
/run/hpcap/retention/hpcap_<adapter>_<queue>.stats).  SIGINT or SIGTERM stop it cleanly (every file passes checkraw).

Options:
  -c, --config FILE  params.cfg (default: the source tree's params.cfg when
                     run from one, else /etc/hpcap/params.cfg)
      --until HH:MM  stop at that local time (today, or tomorrow if it is
                     past), with hpcapdd --duration
      --dir DIR      write here instead
  -n, --dry-run      print the command instead of running it
  -h, --help         this help
Examples:
  hpcap-capture 0_0
  systemctl start hpcap-capture@0_0       # the same as a service
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

config="" until="" dir="" inst="" dry=0
while [ $# -gt 0 ]; do
	case $1 in
	-c | --config) [ $# -ge 2 ] || usage_error "$1 needs a file"; config=$2; shift 2 ;;
	--until) { [ $# -ge 2 ] && [[ $2 =~ ^([01]?[0-9]|2[0-3]):[0-5][0-9]$ ]]; } || usage_error "--until needs a time HH:MM"; until=$2; shift 2 ;;
	--dir) [ $# -ge 2 ] || usage_error "$1 needs a directory"; dir=$2; shift 2 ;;
	-n | --dry-run) dry=1; shift ;;
	-h | --help) usage; exit 0 ;;
	-*) usage_error "unknown option '$1'" ;;
	*) [ -z "$inst" ] || usage_error "one <adapter>_<queue> only"; inst=$1; shift ;;
	esac
done
[[ $inst =~ ^([0-9]+)[_-]([0-9]+)$ ]] || usage_error "which queue? give <adapter>_<queue>, e.g. 0_0"
a=$((10#${BASH_REMATCH[1]})) q=$((10#${BASH_REMATCH[2]}))

capdir=/var/lib/hpcap cores="" keep=()
cfg_pick config
if [ -r "$config" ]; then
	cfg_say_which "$config"
	cfg_load "$config"
	capdir=$(cfg capture_dir /var/lib/hpcap)
	cores=$(cfg "capture_cores$a" "")
	# keep_free<a>, keep_size<a>, keep_age<a> (or without the index)
	cfg_keep_args keep "$a"
fi
dir=${dir:-$capdir/hpcap${a}_$q}
if [ "$dry" = 0 ]; then
	[ -e "/dev/hpcap_${a}_$q" ] || die "no /dev/hpcap_${a}_$q: is hpcap set up (systemctl status hpcap, install_hpcap.bash), and does adapter $a have a queue $q?"
	mkdir -p "$dir" || die "cannot create $dir"
fi

hpcapdd=""
for h in "@HPCAP_BINDIR@/hpcapdd" "$here/../build/bin/hpcapdd" "$(command -v hpcapdd || true)"; do
	[ -x "$h" ] && { hpcapdd=$h; break; }
done
[ -n "$hpcapdd" ] || [ "$dry" = 1 ] || die "hpcapdd not found (make install puts it in /usr/local/bin)"
hpcapdd=${hpcapdd:-hpcapdd}

cmd=()
if [ -n "$cores" ]; then
	mapfile -t list <<<"$(expand_list "$cores")"
	cmd=(taskset -c "${list[q % ${#list[@]}]}")
fi
cmd+=("$hpcapdd" -i 60)
if [ ${#keep[@]} -gt 0 ]; then
	# The counters hpcap-status and hpcap-prometheus show.
	stats=$HPCAP_RUNDIR/retention/hpcap_${a}_$q.stats
	[ "$dry" = 1 ] || mkdir -p "${stats%/*}" || die "cannot create ${stats%/*}"
	cmd+=("${keep[@]}" --retention-stats "$stats")
fi
if [ -n "$until" ]; then
	now=$(date +%s)
	end=$(date -d "today $until" +%s)
	[ "$end" -gt "$now" ] || end=$(date -d "tomorrow $until" +%s)
	cmd+=(--duration $((end - now)))
	say "capturing queue $q of adapter $a into $dir until $(date -d "@$end" '+%Y-%m-%d %H:%M')"
else
	say "capturing queue $q of adapter $a into $dir"
fi
if [ "$dry" = 1 ]; then
	echo "${cmd[*]} $a $q $dir"
	exit 0
fi
exec "${cmd[@]}" "$a" "$q" "$dir"
