#!/usr/bin/env bash
# monitorCPUs.bash - log the CPU use of every core, of hpcap's poll threads
# and of the capture programs (every process with a queue of hpcap open),
# every interval, to <basedir>/<YYYY-WW>/cpus.  Started by
# launch-hpcap-monitors beside the per-interface loggers.
set -euo pipefail
PROG=monitorCPUs

usage() {
	cat <<'USAGE'
Usage: monitorCPUs [-i SEC] [-d BASEDIR] [-n COUNT] [--stdout]

Every SEC seconds appends to BASEDIR/<YYYY-WW>/cpus one line per online
core and one per poll thread or capture program:
  epoch cpu CORE BUSY%              a core: time not idle (all of user,
                                    system, interrupts, ...)
  epoch NAME[PID] CORE CPU%         hpcap<i>_rx<q> poll threads, and every
                                    process with /dev/hpcap_* open (hpcapdd,
                                    ...): its CPU use and the core it last
                                    ran on
A poll thread that polls without sleeping shows ~100%.  Run as root to see
every process's open files.

Options:
  -i, --interval SEC   seconds between samples (default 1)
  -d, --basedir DIR    log directory (default /var/log/hpcap)
  -n, --count N        stop after N samples (default: until killed)
      --stdout         print instead of appending to the log
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

interval=1 basedir=/var/log/hpcap count=0 to_stdout=0
while [ $# -gt 0 ]; do
	case $1 in
	-i | --interval) { [ $# -ge 2 ] && is_uint "$2" && [ "$((10#$2))" -ge 1 ]; } || usage_error "$1 needs a number of seconds >= 1"; interval=$((10#$2)); shift 2 ;;
	-d | --basedir) [ $# -ge 2 ] || usage_error "$1 needs a directory"; basedir=$2; shift 2 ;;
	-n | --count) { [ $# -ge 2 ] && is_uint "$2"; } || usage_error "$1 needs a number"; count=$((10#$2)); shift 2 ;;
	--stdout) to_stdout=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage_error "unknown argument '$1'" ;;
	esac
done
hz=$(getconf CLK_TCK 2>/dev/null || echo 100)

# sample: the counters now, into the arrays of prefix $1: T (ns), BUSY and
# TOTAL per core (/proc/stat ticks), TICKS, CORE and NAME per process
# (poll threads and capture programs).  Only one process is started (find,
# for the open queue devices), so a busy machine still gets its sample.
sample() {
	local -n _t=${1}T _busy=${1}BUSY _tot=${1}TOTAL _ticks=${1}TICKS _core=${1}CORE _name=${1}NAME
	local line cpu f tot k pid st w comm
	local -a v
	_t=${EPOCHREALTIME/./}
	_busy=() _tot=() _ticks=() _core=() _name=()
	while read -r cpu line; do
		[[ $cpu =~ ^cpu([0-9]+)$ ]] || continue
		read -r -a v <<<"$line"
		tot=0
		for f in "${v[@]}"; do tot=$((tot + f)); done
		k=${BASH_REMATCH[1]}
		_busy[k]=$((tot - v[3] - v[4]))	# all but idle and iowait
		_tot[k]=$tot
	done <"$HPCAP_PROCFS/stat"
	for pid in $(poll_threads_pids; module_users_pids); do
		[ -n "${_ticks[pid]:-}" ] && continue
		read -r st 2>/dev/null <"$HPCAP_PROCFS/$pid/stat" || continue
		comm=${st#*(}
		comm=${comm%)*}
		read -r -a w <<<"${st##*) }"
		# utime, stime, processor: fields 14, 15, 39 (words 11, 12, 36 from 0 after "comm) ")
		_ticks[pid]=$((w[11] + w[12]))
		_core[pid]=${w[36]}
		_name[pid]="${comm}[$pid]"
	done
}
poll_threads_pids() {
	local d comm
	for d in "$HPCAP_PROCFS"/[0-9]*; do
		read -r comm 2>/dev/null <"$d/comm" || continue
		[[ $comm =~ ^hpcap[0-9]+_rx[0-9]+$ ]] && echo "${d##*/}"
	done
	return 0
}
module_users_pids() {
	local fd
	{ find "$HPCAP_PROCFS"/[0-9]*/fd -maxdepth 1 -lname '/dev/hpcap_*' 2>/dev/null || true; } |
		while IFS= read -r fd; do fd=${fd#"$HPCAP_PROCFS"/}; echo "${fd%%/*}"; done
}

# pct10 VAR PART WHOLE: PART/WHOLE in %, one decimal, into VAR
pct10() {
	local -n _pc=$1
	local x=0
	[ "$3" -gt 0 ] && x=$((($2 * 1000 + $3 / 2) / $3))
	_pc="$((x / 10)).$((x % 10))"
}

trap 'exit 0' TERM INT
nap_init
step=$((interval * 1000000))
declare -a PBUSY PTOTAL PTICKS CBUSY CTOTAL CTICKS CCORE CNAME
PT=0 CT=0
# shellcheck disable=SC2034 # the P arrays of sample P: only some are read
PCORE=() PNAME=()
sample P
written=0 dir="" secs=1 pc=0
while [ "$count" = 0 ] || [ "$written" -lt "$count" ]; do
	now=${EPOCHREALTIME/./}
	left=$((step - now % step))
	epoch=$(((now + left) / 1000000))	# the boundary it is due at
	printf -v secs '%d.%06d' $((left / 1000000)) $((left % 1000000))
	nap "$secs"
	sample C
	dt=$((CT - PT))
	out=""
	for k in "${!CTOTAL[@]}"; do
		[ -n "${PTOTAL[k]:-}" ] || continue
		pct10 pc $((CBUSY[k] - PBUSY[k])) $((CTOTAL[k] - PTOTAL[k]))
		out+="$epoch cpu $k $pc"$'\n'
	done
	for pid in "${!CTICKS[@]}"; do
		[ -n "${PTICKS[pid]:-}" ] || continue
		# ticks / hz over dt microseconds, in %
		pct10 pc $(((CTICKS[pid] - PTICKS[pid]) * 1000000 / hz)) "$dt"
		out+="$epoch ${CNAME[pid]} ${CCORE[pid]} $pc"$'\n'
	done
	if [ -n "$out" ] && [ "$dt" -gt 0 ]; then
		if [ "$to_stdout" = 1 ]; then
			printf '%s' "$out"
		else
			week_dir_v dir "$basedir" "$epoch"
			[ -d "$dir" ] || mkdir -p "$dir"
			printf '%s' "$out" >>"$dir/cpus"
		fi
	fi
	written=$((written + 1))
	PT=$CT
	PBUSY=("${CBUSY[@]}") PTOTAL=("${CTOTAL[@]}")
	PTICKS=()
	for pid in "${!CTICKS[@]}"; do PTICKS[pid]=${CTICKS[pid]}; done
done
