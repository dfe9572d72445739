#!/usr/bin/env bash
# gen-hpcap-config.bash - write a params.cfg whose poll threads sit on each
# NIC's NUMA node, each on a physical core of its own, apart from the
# capture programs' cores and the system's.  Asks a few questions, or takes
# flags for a non-interactive run.
set -euo pipefail
PROG=gen-hpcap-config

usage() {
	cat <<'USAGE'
Usage: gen-hpcap-config [options] [IFACE...]

Writes a params.cfg for the given interfaces (names or PCI addresses).
Without them, and on a terminal, it lists the ports and asks.

How cores are chosen, from the machine's topology in sysfs (the data hwloc
and libnuma read: each port's NUMA node from its PCI device, each node's
CPUs, and which logical CPUs are hyperthreads of one physical core):
  - the first --system-cores physical cores are left to the system; the
    monitors run on the first of them (monitor_core);
  - each port in mode 2/3 gets --queues poll cores on its NIC's node: a run
    of consecutive CPU numbers (the module polls queue q on core<i>+q),
    each on a different physical core;
  - a port in mirror/drop mode gets one core for its interrupts;
  - then --app-cores cores per queue for the capture programs
    (capture_cores<i>), on the same node;
  - no two of these share a physical core: the other hyperthread of a
    chosen core is left idle.
It stops with an error saying what to change when a node has too few cores.

Options:
  -o, --output FILE     where to write (default: standard output; asked on
                        a terminal)
  -m, --mode MODE       2, 3, mirror or drop for every port (default: 2 for
                        Intel 82576/82599 ports, mirror for others)
  -q, --queues N        RX queues (poll threads) per port (default 1)
  -a, --app-cores N     cores per queue for capture programs (default 1; 0 =
                        do not reserve any)
  -s, --system-cores N  physical cores left to the system (default 1)
  -b, --bufsize SIZE    buffer per queue (default: half of the available
                        memory shared out, at most 1G, a multiple of 2 MiB)
      --caplen N        bytes kept per frame (default 0 = all)
      --monitor-basedir DIR   (default /var/log/hpcap)
      --capture-dir DIR       (default /var/lib/hpcap)
  -y, --yes             never ask (fail if something is missing)
  -h, --help            this help

Examples:
  gen-hpcap-config -y -q 2 -o /etc/hpcap/params.cfg eth1 eth2
  gen-hpcap-config                  # interactive
Check the result with: install_hpcap.bash --check -c FILE
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

out="" mode="" queues="" appc="" sysc=1 bufsize="" caplen=0 yes=0
mbase=/var/log/hpcap cdir=/var/lib/hpcap
ifaces=()
while [ $# -gt 0 ]; do
	case $1 in
	-o | --output) [ $# -ge 2 ] || usage_error "$1 needs a file"; out=$2; shift 2 ;;
	-m | --mode) [ $# -ge 2 ] || usage_error "$1 needs a mode"; mode=$2; shift 2 ;;
	-q | --queues) [ $# -ge 2 ] || usage_error "$1 needs a number"; queues=$2; shift 2 ;;
	-a | --app-cores) [ $# -ge 2 ] || usage_error "$1 needs a number"; appc=$2; shift 2 ;;
	-s | --system-cores) [ $# -ge 2 ] || usage_error "$1 needs a number"; sysc=$2; shift 2 ;;
	-b | --bufsize) [ $# -ge 2 ] || usage_error "$1 needs a size"; bufsize=$2; shift 2 ;;
	--caplen) [ $# -ge 2 ] || usage_error "$1 needs a number"; caplen=$2; shift 2 ;;
	--monitor-basedir) [ $# -ge 2 ] || usage_error "$1 needs a directory"; mbase=$2; shift 2 ;;
	--capture-dir) [ $# -ge 2 ] || usage_error "$1 needs a directory"; cdir=$2; shift 2 ;;
	-y | --yes) yes=1; shift ;;
	-h | --help) usage; exit 0 ;;
	-*) usage_error "unknown option '$1'" ;;
	*) ifaces+=("$1"); shift ;;
	esac
done
interactive=0
[ "$yes" = 0 ] && [ -t 0 ] && interactive=1

ask() { # ask VAR QUESTION DEFAULT
	local -n _v=$1
	local _ans=""
	read -r -p "$2 [$3]: " _ans || true
	_v=${_ans:-$3}
}
a=""

# ---- the machine
declare -A NODE_OF=() SIBS=() TAKEN=()
cpus=$(cpus_online | sort -n)
for n in "$HPCAP_SYSFS"/devices/system/node/node[0-9]*; do
	[ -r "$n/cpulist" ] || continue
	for c in $(expand_list "$(<"$n/cpulist")"); do NODE_OF[$c]=${n##*node}; done
done
for c in $cpus; do
	NODE_OF[$c]=${NODE_OF[$c]:-0}
	s=$(cat "$HPCAP_SYSFS/devices/system/cpu/cpu$c/topology/thread_siblings_list" 2>/dev/null || echo "$c")
	SIBS[$c]=$(expand_list "$s" | tr '\n' ' ')
done
ncpu=$(wc -w <<<"$cpus")

port_line() { # name pci driver node chip
	local spec=$1 pci name
	if is_pci_addr "$spec"; then pci=$(pci_norm "$spec"); name=$(pci_netdevs "$pci" | head -1); else name=$spec; pci=$(netdev_pci "$spec"); fi
	if [ -n "$pci" ]; then
		echo "${name:--} $pci $(pci_driver "$pci") node $(pci_numa_node "$pci") ${HPCAP_CHIPS[$(pci_id "$pci")]:-other}"
	else
		echo "${name:--} - virtual node -1 other"
	fi
}

if [ ${#ifaces[@]} = 0 ]; then
	[ "$interactive" = 1 ] || usage_error "which interfaces? (give them as arguments, or run on a terminal)"
	echo "Network ports of this machine:"
	for n in "$HPCAP_SYSFS"/class/net/*; do
		i=${n##*/}
		[ "$i" = lo ] && continue
		printf '  %-12s %s\n' "$i" "$(port_line "$i" | cut -d' ' -f2-)"
	done
	ask a "Interfaces to capture (names or PCI addresses, separated by spaces)" ""
	read -r -a ifaces <<<"$a"
	[ ${#ifaces[@]} -gt 0 ] || die "no interface given"
fi
if [ "$interactive" = 1 ]; then
	[ -n "$mode" ] || ask mode "Mode: 2 (hpcap), 3 (hpcap, 2 MiB pages), mirror, drop, or auto (2 where possible)" auto
	[ -n "$queues" ] || ask queues "RX queues (poll threads) per port" 1
	[ -n "$appc" ] || ask appc "Cores per queue to keep for the capture programs" 1
	[ -n "$out" ] || ask out "Write the configuration to (- = screen)" /etc/hpcap/params.cfg
fi
[ "$mode" != auto ] || mode=""
queues=${queues:-1} appc=${appc:-1} out=${out:--}
case $mode in "" | 2 | 3 | mirror | drop) ;; *) usage_error "--mode must be 2, 3, mirror or drop" ;; esac
{ is_uint "$queues" && [ "$((10#$queues))" -ge 1 ] && [ "$((10#$queues))" -le 16 ]; } || usage_error "--queues must be 1 to 16"
is_uint "$appc" || usage_error "--app-cores must be a number"
is_uint "$sysc" || usage_error "--system-cores must be a number"
{ is_uint "$caplen" && [ "$((10#$caplen))" -le 65523 ]; } || usage_error "--caplen must be 0 to 65523"
queues=$((10#$queues)) appc=$((10#$appc)) sysc=$((10#$sysc))

take() { local s; for s in ${SIBS[$1]}; do TAKEN[$s]=1; done; }
free_on() { # free_on NODE: free CPUs of a node (-1: any), ascending
	local c
	for c in $cpus; do
		[ -z "${TAKEN[$c]:-}" ] || continue
		[ "$1" -lt 0 ] || [ "${NODE_OF[$c]}" = "$1" ] || continue
		echo "$c"
	done
}
node_text() { # node_text NODE: "node N (CPUs a-b)"
	if [ "$1" -lt 0 ]; then echo "no particular NUMA node"; else echo "NUMA node $1 (CPUs $(cat "$HPCAP_SYSFS/devices/system/node/node$1/cpulist" 2>/dev/null))"; fi
}

# The system's cores.
sys_list=()
for ((k = 0; k < sysc; k++)); do
	c=$(free_on -1 | head -1)
	[ -n "$c" ] || die "--system-cores $sysc: this machine has only $ncpu CPUs"
	sys_list+=("$c")
	take "$c"
done
mon_core=${sys_list[0]:--1}

# Ports.
declare -a P_NAME P_MODE P_CORE P_APP P_NODE P_DESC
total_q=0
for ((i = 0; i < ${#ifaces[@]}; i++)); do
	read -r name pci drv _ node chip <<<"$(port_line "${ifaces[i]}")"
	if is_pci_addr "${ifaces[i]}"; then
		pci_exists "$pci" || die "${ifaces[i]}: no PCI device has this address (lspci -D lists them)"
	else
		netdev_exists "$name" || die "${ifaces[i]}: no such network interface (ip link lists them)"
	fi
	m=$mode
	if [ -z "$m" ]; then
		if [ "$chip" != other ]; then m=2; else m=mirror; fi
	fi
	if is_native "$m" && [ "$chip" = other ]; then
		die "${ifaces[i]} is not an Intel 82576/82599 port, so it cannot be in mode $m: use --mode mirror or drop (or leave --mode out)"
	fi
	is_native "$m" && [ "$queues" -gt "${HPCAP_CHIP_QUEUES[$chip]}" ] &&
		die "--queues $queues: the $chip of ${ifaces[i]} has ${HPCAP_CHIP_QUEUES[$chip]} RX queues"
	[[ $node =~ ^-?[0-9]+$ ]] || node=-1
	if is_native "$m"; then nq=$queues; else nq=1; fi
	# A run of nq consecutive free CPUs on the node, on distinct physical cores.
	first=""
	for c in $(free_on "$node"); do
		ok=1
		declare -A phys=()
		for ((q = 0; q < nq; q++)); do
			d=$((c + q))
			if [ -n "${TAKEN[$d]:-}" ] || [ -z "${NODE_OF[$d]:-}" ] || { [ "$node" -ge 0 ] && [ "${NODE_OF[$d]}" != "$node" ]; }; then ok=0; break; fi
			key=${SIBS[$d]}
			[ -z "${phys[$key]:-}" ] || { ok=0; break; }
			phys[$key]=1
		done
		unset phys
		[ "$ok" = 1 ] && { first=$c; break; }
	done
	what="$nq poll thread(s)"
	is_native "$m" || what="its interrupts"
	if [ -z "$first" ]; then
		die "${ifaces[i]} is on $(node_text "$node"): $what need(s) $nq consecutive free CPU number(s) there, on distinct physical cores, and there are not (free: $(free_on "$node" | paste -sd, -); kept for the system: ${sys_list[*]:-none}): use fewer --queues, fewer --app-cores, fewer --system-cores, or fewer ports on this node"
	fi
	for ((q = 0; q < nq; q++)); do take $((first + q)); done
	P_NAME[i]=${ifaces[i]} P_MODE[i]=$m P_CORE[i]=$first P_NODE[i]=$node
	P_DESC[i]="$name ($pci, $drv, $chip) on $(node_text "$node")"
	total_q=$((total_q + nq))
done
# Capture programs' cores, after every port has its poll cores.
for ((i = 0; i < ${#ifaces[@]}; i++)); do
	if is_native "${P_MODE[i]}"; then nq=$queues; else nq=1; fi
	want=$((nq * appc))
	P_APP[i]=""
	[ "$want" -gt 0 ] || continue
	got=()
	for c in $(free_on "${P_NODE[i]}"); do
		[ -z "${TAKEN[$c]:-}" ] || continue
		got+=("$c")
		take "$c"
		[ ${#got[@]} -lt "$want" ] || break
	done
	if [ ${#got[@]} -lt "$want" ]; then
		die "${P_NAME[i]} is on $(node_text "${P_NODE[i]}"): after the poll cores, $want core(s) for its capture programs are not free there (found ${#got[@]}): use --app-cores 0 or fewer --queues"
	fi
	P_APP[i]=$(IFS=,; echo "${got[*]}")
done

# Buffers: half the available memory shared out, at most 1 GiB, 2 MiB multiples.
if [ -z "$bufsize" ]; then
	avail=$(($(meminfo MemAvailable) * 1024))
	b=$((avail / 2 / (total_q > 0 ? total_q : 1)))
	[ "$b" -le $((1 << 30)) ] || b=$((1 << 30))
	b=$((b / (2 << 20) * (2 << 20)))
	[ "$b" -ge $((4 << 20)) ] || b=$((4 << 20))
	bufsize="$((b >> 20))M"
else
	parse_size "$bufsize" >/dev/null || usage_error "--bufsize: '$bufsize' is not a size (512M, 1G)"
fi

gen() {
	local i
	echo "# params.cfg for hpcap, written by gen-hpcap-config on $(hostname 2>/dev/null || echo this machine), $(date '+%Y-%m-%d %H:%M')."
	echo "# Machine: $ncpu CPUs; $(ls -d "$HPCAP_SYSFS"/devices/system/node/node[0-9]* 2>/dev/null | wc -l) NUMA node(s)."
	for ((i = 0; i < ${#ifaces[@]}; i++)); do echo "#   interface $i: ${P_DESC[i]}"; done
	echo "# Poll threads sit on their NIC's node, one physical core each; the"
	echo "# capture programs (capture_cores<i>) and the system (core(s) ${sys_list[*]:-none}) have"
	echo "# their own.  See params.cfg.sample and doc/operations.md for every key."
	echo
	echo "ifs=\"${ifaces[*]}\""
	echo "nif=${#ifaces[@]}"
	echo "nrxq=$queues"
	for ((i = 0; i < ${#ifaces[@]}; i++)); do
		echo
		echo "mode$i=${P_MODE[i]}"
		if is_native "${P_MODE[i]}"; then
			echo "core$i=${P_CORE[i]}    # queue q polls on core $((P_CORE[i]))+q"
		else
			echo "core$i=${P_CORE[i]}    # its interrupts"
			echo "nrxq$i=1"
		fi
		echo "caplen$i=$((10#$caplen))"
		if [ "${P_MODE[i]}" = 3 ]; then echo "hugesize$i=$bufsize"; else echo "bufsize$i=$bufsize"; fi
		is_native "${P_MODE[i]}" && echo "dup$i=0" && echo "vel$i=0"
		[ -z "${P_APP[i]}" ] || echo "capture_cores$i=${P_APP[i]}"
	done
	echo
	echo "filesize=2G"
	echo "poll_idle_us=0"
	echo "capture_dir=$cdir"
	echo "hugetlbfs_dir=/mnt/hugetlbfs"
	echo "hugepages_reserve=0"
	echo "monitor_enabled=1"
	echo "monitor_interval=1"
	echo "monitor_core=$mon_core"
	echo "monitor_basedir=$mbase"
}

if [ "$out" = - ]; then
	gen
else
	mkdir -p "$(dirname "$out")"
	if [ -e "$out" ] && [ "$interactive" = 1 ]; then
		ask a "$out exists: overwrite it? (y/n)" n
		[ "$a" = y ] || die "nothing written"
	fi
	gen >"$out.tmp" && mv "$out.tmp" "$out"
	say "wrote $out; check it with: install_hpcap.bash --check -c $out"
fi
