#!/usr/bin/env bash
# stop-hpcap-monitors.bash - stop the loggers launch-hpcap-monitors started
# (by their pid files in /run/hpcap) and remove the pid files.
set -euo pipefail
PROG=stop-hpcap-monitors

usage() {
	cat <<'USAGE'
Usage: stop-hpcap-monitors [-q]

Stops every monitor started by launch-hpcap-monitors (the pid files
/run/hpcap/monitor-*.pid): SIGTERM, then SIGKILL after 5 s.  A pid file
whose process is gone, or is no longer a monitor, is just removed.  The
logs are kept.

Options:
  -q, --quiet   only errors
  -h, --help    this help
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

quiet=0
while [ $# -gt 0 ]; do
	case $1 in
	-q | --quiet) quiet=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage_error "unknown argument '$1'" ;;
	esac
done

ours() { grep -qa -e hpcap-monitor -e monitorCPUs "$HPCAP_PROCFS/$1/cmdline" 2>/dev/null; }

pids=() left=()
for f in "$HPCAP_RUNDIR"/monitor-*.pid; do
	[ -e "$f" ] || continue
	pid=$(<"$f")
	if [[ $pid =~ ^[0-9]+$ ]] && ours "$pid"; then
		# Its own session and process group (setsid): the group takes its
		# sleep with it.
		kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
		pids+=("$pid")
	fi
	rm -f "$f"
done
for _ in $(seq 50); do
	left=()
	for pid in "${pids[@]}"; do ours "$pid" && left+=("$pid"); done
	[ ${#left[@]} = 0 ] && break
	sleep 0.1
done
for pid in "${left[@]}"; do
	kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
done
rm -f "$HPCAP_RUNDIR/monitors"
[ "$quiet" = 1 ] || say "${#pids[@]} monitor(s) stopped"
