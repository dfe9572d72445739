#!/usr/bin/env bash
# launch-hpcap-monitors.bash - start one hpcap-monitor per hpcap adapter and
# one monitorCPUs, as params.cfg's monitor_* keys say, with pid files in
# /run/hpcap.  Already running with the same settings: left alone.
set -euo pipefail
PROG=launch-hpcap-monitors

usage() {
	cat <<'USAGE'
Usage: launch-hpcap-monitors [-c FILE] [--restart] [-q]

Starts, in the background, one logger (hpcap-monitor) per adapter of the
hpcap module (/sys/class/hpcap/adapters: native ports hpcap<i> and generic
captures) and one monitorCPUs, with params.cfg's monitor_interval,
monitor_basedir and monitor_core (the loggers are pinned there).  Pid files:
/run/hpcap/monitor-<iface>.pid, /run/hpcap/monitor-cpus.pid.
If they already run with the same settings and adapters, nothing is done;
otherwise they are stopped and started again.  install_hpcap.bash runs this
when monitor_enabled=1.

Options:
  -c, --config FILE  params.cfg (default: the source tree's params.cfg when
                     run from one, else /etc/hpcap/params.cfg)
      --restart      stop and start them even if nothing changed
  -q, --quiet        only errors
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

config="" restart=0 quiet=0
while [ $# -gt 0 ]; do
	case $1 in
	-c | --config) [ $# -ge 2 ] || usage_error "$1 needs a file"; config=$2; shift 2 ;;
	--restart) restart=1; shift ;;
	-q | --quiet) quiet=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage_error "unknown argument '$1'" ;;
	esac
done
log() { [ "$quiet" = 1 ] || say "$@"; }

cfg_pick config
[ "$quiet" = 1 ] || cfg_say_which "$config"
cfg_load "$config"
interval=1 core=-1
cpus_load
cfg_int interval monitor_interval 1 1 3600 "1 to 3600 seconds"
cfg_int core monitor_core -1 -1 $((${#CPUS[@]} - 1)) "-1 (any core) or 0 to $((${#CPUS[@]} - 1))"
basedir=$(cfg monitor_basedir /var/log/hpcap)
[[ $basedir == /* ]] || cfg_fail monitor_basedir "not an absolute path" "a directory such as /var/log/hpcap"
module_loaded || die "the hpcap module is not loaded: run install_hpcap.bash first"
mkdir -p "$HPCAP_RUNDIR" "$basedir" || die "cannot create $HPCAP_RUNDIR or $basedir"

# tool NAME: a companion script, from the source tree or installed beside this one
tool() {
	local p
	for p in "$here/$1.bash" "$here/$1"; do
		[ -x "$p" ] && { echo "$p"; return 0; }
	done
	command -v "$1"
}
monitor=$(tool hpcap-monitor) || die "hpcap-monitor not found (reinstall hpcap)"
cpumon=$(tool monitorCPUs) || die "monitorCPUs not found (reinstall hpcap)"

names=$(adapters | awk '{ print $2 }' | tr '\n' ' ')
sig="interval=$interval core=$core basedir=$basedir adapters=$names"

alive() {
	local f=$1 pid
	[ -r "$f" ] || return 1
	pid=$(<"$f")
	[ -n "$pid" ] && grep -qa -e hpcap-monitor -e monitorCPUs "$HPCAP_PROCFS/$pid/cmdline" 2>/dev/null
}

if [ "$restart" = 0 ] && [ "$(cat "$HPCAP_RUNDIR/monitors" 2>/dev/null)" = "$sig" ]; then
	all=1
	for n in $names cpus; do alive "$HPCAP_RUNDIR/monitor-$n.pid" || all=0; done
	if [ "$all" = 1 ]; then
		log "monitors already running ($names+ cpus)"
		exit 0
	fi
fi

stopper=$(tool stop-hpcap-monitors) || die "stop-hpcap-monitors not found (reinstall hpcap)"
"$stopper" -q || true

pin=()
[ "$core" -ge 0 ] && pin=(taskset -c "$core")
# start PIDFILE CMD...: in its own session, detached from our output
start() {
	local pidfile=$1
	shift
	# Only stdin/out/err: no descriptor of the caller (install_hpcap.bash's
	# lock) may stay open in a process that runs for months.
	setsid "${pin[@]}" "$@" </dev/null >/dev/null 2>>"$HPCAP_RUNDIR/monitors.log" \
		3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
	echo $! >"$pidfile"
}
for n in $names; do
	start "$HPCAP_RUNDIR/monitor-$n.pid" "$monitor" -i "$interval" -d "$basedir" "$n"
done
start "$HPCAP_RUNDIR/monitor-cpus.pid" "$cpumon" -i "$interval" -d "$basedir"
echo "$sig" >"$HPCAP_RUNDIR/monitors"
log "monitors started for ${names:-no adapter yet }+ cpus: every $interval s into $basedir/$(date +%G-%V)/$([ "$core" -ge 0 ] && echo ", on core $core")"
