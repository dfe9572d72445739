#!/usr/bin/env bash
# hpcap-postprocess.bash - run params.cfg's postprocess_cmd after a capture
# stopped (ExecStopPost= of hpcap-weekday@.service), with the capture's
# adapter, queue, directory and result in its environment.
set -euo pipefail
PROG=hpcap-postprocess

usage() {
	cat <<'USAGE'
Usage: hpcap-postprocess [-c FILE] <adapter>_<queue>

Runs params.cfg's postprocess_cmd (with bash -c) once a capture of
/dev/hpcap_<adapter>_<queue> has stopped, with in its environment:
  HPCAP_ADAPTER, HPCAP_QUEUE   the queue
  HPCAP_DIR                    where the capture wrote
                               (<capture_dir>/hpcap<adapter>_<queue>)
  HPCAP_RESULT                 how the capture ended: systemd's
                               $SERVICE_RESULT ("success", "exit-code", ...),
                               or "manual" when run by hand
Nothing is run when postprocess_cmd is empty or not set.  Its exit status
is this script's.

Options:
  -c, --config FILE  params.cfg (default: the source tree's params.cfg when
                     run from one, else /etc/hpcap/params.cfg)
  -h, --help         this help
Example (params.cfg):
  postprocess_cmd="raw2pcap $HPCAP_DIR /srv/pcap/$(date +%F)-q$HPCAP_QUEUE.pcap"
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

config="" inst=""
while [ $# -gt 0 ]; do
	case $1 in
	-c | --config) [ $# -ge 2 ] || usage_error "$1 needs a file"; config=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	-*) usage_error "unknown option '$1'" ;;
	*) [ -z "$inst" ] || usage_error "one <adapter>_<queue> only"; inst=$1; shift ;;
	esac
done
[[ $inst =~ ^([0-9]+)[_-]([0-9]+)$ ]] || usage_error "which queue? give <adapter>_<queue>, e.g. 0_0"
export HPCAP_ADAPTER=$((10#${BASH_REMATCH[1]})) HPCAP_QUEUE=$((10#${BASH_REMATCH[2]}))
cfg_pick config
cfg_say_which "$config"
cfg_load "$config"
cmd=$(cfg postprocess_cmd "")
if [ -z "$cmd" ]; then
	say "no postprocess_cmd in $config: nothing to do"
	exit 0
fi
export HPCAP_DIR
HPCAP_DIR=$(cfg capture_dir /var/lib/hpcap)/hpcap${HPCAP_ADAPTER}_$HPCAP_QUEUE
export HPCAP_RESULT=${SERVICE_RESULT:-manual}
say "running: $cmd (HPCAP_DIR=$HPCAP_DIR, result $HPCAP_RESULT)"
exec bash -c "$cmd"
