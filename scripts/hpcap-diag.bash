#!/usr/bin/env bash
# hpcap-diag.bash - gather everything a bug report about hpcap needs into
# one archive: module and kernel, kernel log, params.cfg and install state,
# counters, ports, hardware and NUMA layout, monitor log tails.
set -uo pipefail
PROG=hpcap-diag

usage() {
	cat <<'USAGE'
Usage: hpcap-diag [-o FILE] [-c FILE]

Writes hpcap-diag-<host>-<date>.tar.gz (or FILE) holding:
  system/     uname, os-release, kernel command line, lscpu, NUMA layout
              (numactl -H, lstopo-no-graphics when installed, sysfs nodes),
              memory, buddyinfo, hugepages, interrupts, irqbalance
  module/     modinfo, parameters, lsmod, /sys/class/hpcap (adapters, every
              queue's stats, listeners, sizes), poll threads and their cores,
              processes with a queue open, hpcap-status --once
  kernel/     the kernel log lines about hpcap, igb, ixgbe, and the last 300
  net/        ip -s link, for every port: ethtool -i/-S/-k/-l, driver,
              PCI address, NUMA node; lspci -vvnn of the NICs
  config/     params.cfg, install state (/run/hpcap), the units' status
  logs/       the last 200 lines of this week's monitor logs
Commands that are missing or fail leave a note in errors.txt; nothing
stops the collection.  Run as root to see everything.  Nothing is changed.

Options:
  -o, --output FILE  the archive (default ./hpcap-diag-<host>-<date>.tar.gz)
  -c, --config FILE  params.cfg (default: the source tree's params.cfg when
                     run from one, else /etc/hpcap/params.cfg)
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

config="" out=""
while [ $# -gt 0 ]; do
	case $1 in
	-o | --output) [ $# -ge 2 ] || usage_error "$1 needs a file"; out=$2; shift 2 ;;
	-c | --config) [ $# -ge 2 ] || usage_error "$1 needs a file"; config=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) usage_error "unknown argument '$1'" ;;
	esac
done
cfg_pick config
host=$(hostname 2>/dev/null || echo host)
stamp=$(date +%Y%m%d-%H%M%S)
name=hpcap-diag-$host-$stamp
[ -n "$out" ] || out=./$name.tar.gz
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
D=$tmp/$name
mkdir -p "$D"/{system,module,kernel,net,config,logs}
[ "$(id -u)" = 0 ] || echo "not run as root: some files could not be read" >>"$D/errors.txt"

# c FILE CMD...: CMD's output into FILE; a missing or failing command noted
c() {
	local f=$D/$1
	shift
	if ! command -v "$1" >/dev/null 2>&1; then
		echo "$f: $1 is not installed" >>"$D/errors.txt"
		return 0
	fi
	"$@" >"$f" 2>&1 || echo "${f#"$D"/}: '$*' exited $?" >>"$D/errors.txt"
	return 0
}
# f DEST FILE...: copy files that exist
f() {
	local dest=$D/$1 src
	shift
	for src; do [ -r "$src" ] && { echo "== $src"; cat "$src"; }; done >>"$dest" 2>/dev/null
	return 0
}

# system
c system/uname.txt uname -a
f system/os-release.txt /etc/os-release
f system/cmdline.txt "$HPCAP_PROCFS/cmdline"
c system/lscpu.txt lscpu
c system/numactl.txt numactl -H
c system/lstopo.txt lstopo-no-graphics --no-io
f system/meminfo.txt "$HPCAP_PROCFS/meminfo"
f system/buddyinfo.txt "$HPCAP_PROCFS/buddyinfo"
f system/interrupts.txt "$HPCAP_PROCFS/interrupts"
for n in "$HPCAP_SYSFS"/devices/system/node/node*/cpulist; do f system/numa-nodes.txt "$n"; done
{ pgrep -a irqbalance || echo "irqbalance not running"; } >"$D/system/irqbalance.txt" 2>&1
awk '$3 == "hugetlbfs" || $2 ~ /hpcap/' "$HPCAP_PROCFS/mounts" >"$D/system/mounts.txt" 2>&1

# module
if modinfo -n hpcap >/dev/null 2>&1; then c module/modinfo.txt modinfo hpcap; fi
c module/lsmod.txt lsmod
for p in "$HPCAP_SYSFS"/module/hpcap/parameters/* "$HPCAP_SYSFS"/module/hpcap/refcnt; do f module/parameters.txt "$p"; done
f module/adapters.txt "$HPCAP_SYSFS/class/hpcap/adapters"
for d in "$HPCAP_SYSFS"/class/hpcap/hpcap_*_*; do
	[ -d "$d" ] || continue
	for x in ifname source caplen dup buf_size file_size write_pos stats listeners; do
		f "module/queues.txt" "$d/$x"
	done
done
poll_threads >"$D/module/poll-threads.txt" 2>&1
module_users >"$D/module/users.txt" 2>&1
if module_loaded; then
	st=""
	for p in "$here/hpcap-status.bash" "@HPCAP_BINDIR@/hpcap-status" "$(command -v hpcap-status)"; do
		[ -x "$p" ] && { st=$p; break; }
	done
	if [ -n "$st" ]; then
		"$st" --once -c "$config" >"$D/module/status.txt" 2>&1 || echo "module/status.txt: hpcap-status failed" >>"$D/errors.txt"
	else
		echo "module/status.txt: hpcap-status not found" >>"$D/errors.txt"
	fi
fi

# kernel log
if dmesg >"$tmp/dmesg" 2>/dev/null; then
	grep -iE 'hpcap|igb|ixgbe|hugepage|Call Trace|WARNING|BUG' "$tmp/dmesg" >"$D/kernel/hpcap-lines.txt"
	tail -300 "$tmp/dmesg" >"$D/kernel/dmesg-tail.txt"
else
	echo "kernel/: dmesg not readable (run as root)" >>"$D/errors.txt"
fi

# net
c net/ip-link.txt ip -s -d link
for n in "$HPCAP_SYSFS"/class/net/*; do
	i=${n##*/}
	[ "$i" = lo ] && continue
	{
		echo "== $i"
		echo "pci: $(netdev_pci "$i")"
		p=$(netdev_pci "$i")
		[ -n "$p" ] && echo "numa_node: $(pci_numa_node "$p") driver: $(pci_driver "$p") id: $(pci_id "$p")"
		echo "irqs: $(netdev_irqs "$i" | paste -sd, -)"
		for o in -i -S -k -l -g; do
			echo "-- ethtool $o $i"
			ethtool "$o" "$i" 2>&1
		done
	} >>"$D/net/ports.txt" 2>&1
done
command -v lspci >/dev/null && { lspci -vvnn -d 8086: 2>&1; lspci -nn 2>&1; } >"$D/net/lspci.txt"

# config and state
f config/params.cfg "$config"
echo "params.cfg read: $(cfg_which "$config")" >"$D/config/which.txt"
for s in "$HPCAP_RUNDIR"/*; do f config/run-hpcap.txt "$s"; done
if command -v systemctl >/dev/null; then
	systemctl status --no-pager 'hpcap*' >"$D/config/units.txt" 2>&1 || true
fi

# monitor logs
basedir=/var/log/hpcap
if [ -r "$config" ]; then
	cfg_say_which "$config"
	basedir=$(cfg_load "$config" >/dev/null 2>&1 && cfg monitor_basedir) || true
	basedir=${basedir:-/var/log/hpcap}
fi
wd=$(week_dir "$basedir")
for l in "$wd"/*; do
	[ -f "$l" ] || continue
	{ echo "== $l"; tail -200 "$l"; } >>"$D/logs/monitor-tail.txt"
done

tar -C "$tmp" -czf "$out" "$name" || die "cannot write $out"
say "wrote $out ($(du -h "$out" | cut -f1)); attach it to the bug report"
