#!/usr/bin/env bash
# gen-hpcap-config.bash - write a params.cfg whose poll threads sit where
# the HPCAP guide says capture runs best: on each NIC's NUMA node, each on
# a physical core of its own (never CPU 0's, which the kernel keeps busy),
# apart from the capture programs' cores and the system's.  The topology
# comes from hwloc (hyperthreads, caches, PCI locality), or from sysfs when
# hwloc is not installed.  Asks a few questions on a terminal, or takes
# flags; HPCAP's form, "gen-hpcap-config params.cfg", works too.
set -euo pipefail
PROG=gen-hpcap-config

usage() {
	cat <<'USAGE'
Usage: gen-hpcap-config [options] [IFACE...]
       gen-hpcap-config [options] FILE        (HPCAP's form)

Writes a params.cfg for the given interfaces (kernel names, PCI addresses,
or HPCAP's names hpcapN/xgbN).  Without them, and on a terminal, it lists
the ports and asks.  HPCAP's form: the output file as the only argument
(an argument that is no interface, and ends in .cfg or has a "/" when
interfaces are given too), asking the rest on a terminal.

How cores are chosen, from the machine's topology (hwloc's view: each
port's NUMA node, which logical CPUs are hyperthreads of one physical core,
which share a last-level cache; sysfs when hwloc is not installed):
  - CPU 0's physical core never polls nor takes a port's interrupts (the
    kernel does housekeeping there that cannot be moved);
  - the first --system-cores physical cores are left to the system; the
    monitors run on the first of them (monitor_core);
  - each port in mode 2/3 gets --queues poll cores on its NIC's node, as
    the HPCAP guide asks: a run of consecutive CPU numbers (the module
    polls queue q on core<i>+q), each on a different physical core, in a
    last-level cache with room for the port's capture programs when there
    is one;
  - a port in mirror/drop mode gets one core for its interrupts;
  - then --app-cores cores per queue for the capture programs
    (capture_cores<i>), on the same node, sharing the poll cores' cache
    first;
  - no two of these share a physical core: the other hyperthread of a
    chosen core is left idle.
It stops with an error saying what to change when a node has too few cores.

Options:
  -o, --output FILE     where to write (default: standard output; asked on
                        a terminal); also HPCAP's positional FILE
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
      --topology SRC    auto (default: hwloc when installed, else sysfs),
                        hwloc (lstopo-no-graphics; honours HWLOC_XMLFILE)
                        or sysfs
  -y, --yes             never ask (fail if something is missing)
  -h, --help            this help

Examples:
  gen-hpcap-config -y -q 2 -o /etc/hpcap/params.cfg eth1 eth2
  gen-hpcap-config params.cfg       # HPCAP's form, interactive
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

out="" mode="" queues="" appc="" sysc=1 bufsize="" caplen=0 yes=0 topo=auto
mbase=/var/log/hpcap cdir=/var/lib/hpcap
ifaces=() args=()
while [ $# -gt 0 ]; do
	case $1 in
	-o | --output) [ $# -ge 2 ] || usage_error "$1 needs a file"; out=$2; shift 2 ;;
	--topology)
		{ [ $# -ge 2 ] && [[ $2 =~ ^(auto|hwloc|sysfs)$ ]]; } || usage_error "--topology needs auto, hwloc or sysfs"
		topo=$2; shift 2 ;;
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
	*) args+=("$1"); shift ;;
	esac
done

# is_port SPEC: an interface, a PCI address or an HPCAP name of this machine
is_port() {
	# shellcheck disable=SC2034 # p is filled through a nameref
	local p=""
	if [[ $1 =~ ^(hpcap|xgb)[0-9]+$ ]] && hpcap_name_resolve p "$1"; then return 0; fi
	if is_pci_addr "$1"; then pci_exists "$(pci_norm "$1")"; return; fi
	netdev_exists "$1"
}
# The arguments: ports, and at most one output file (HPCAP's form).
files=()
for a in "${args[@]}"; do
	if is_port "$a"; then ifaces+=("$a"); else files+=("$a"); fi
done
if [ ${#files[@]} -gt 1 ]; then
	die "${files[*]}: no such network interfaces or PCI devices (ip link, lspci -D list them); give the output file with -o FILE"
elif [ ${#files[@]} = 1 ]; then
	f=${files[0]}
	if is_pci_addr "$f"; then
		die "$f: no PCI device has this address (lspci -D lists them)"
	elif [[ $f =~ ^(hpcap|xgb)[0-9]+$ ]]; then
		die "$f: HPCAP's name for port ${f//[a-z]/} of the Intel 82576/82599 ports in PCI order, and this machine has ${#HPCAP_NAME_PORTS[@]}"
	elif [ ${#ifaces[@]} -gt 0 ] && [[ $f != */* ]] && [[ $f != *.cfg ]] && [[ $f != *.conf ]]; then
		die "$f: no such network interface (ip link lists them); to write to a file of that name, give -o $f"
	fi
	[ -z "$out" ] || usage_error "two output files: -o $out and $f"
	out=$f
fi
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
topo_load "$topo"
declare -A NODE_OF=() CORE_OF=() L3_OF=() TAKEN=() NOPOLL=() CORE_CPUS=()
cpus=()
for c in "${CPUS[@]}"; do
	[ -n "${TOPO_NODE[$c]:-}" ] || continue
	cpus+=("$c")
	NODE_OF[$c]=${TOPO_NODE[$c]}
	[ "${NODE_OF[$c]}" -ge 0 ] 2>/dev/null || NODE_OF[$c]=0
	CORE_OF[$c]=${TOPO_CORE[$c]}
	L3_OF[$c]=${TOPO_L3[$c]:-}
	CORE_CPUS[${CORE_OF[$c]}]+="$c "
done
mapfile -t cpus < <(printf '%s\n' "${cpus[@]}" | sort -n)
ncpu=${#cpus[@]}
[ "$ncpu" -gt 0 ] || die "no online CPU found in the topology ($TOPO_SRC)"
# CPU 0's physical core: timers, RCU callbacks and the interrupts nobody
# moved run there; a poll thread or a port's interrupts would share it.
if [ -n "${CORE_OF[0]:-}" ]; then
	for c in ${CORE_CPUS[${CORE_OF[0]}]}; do NOPOLL[$c]=1; done
fi

# port_line SPEC: "name pci driver node N chip" of a port
port_line() {
	local spec=$1 pci="" name
	if [[ $spec =~ ^(hpcap|xgb)[0-9]+$ ]] && hpcap_name_resolve pci "$spec"; then
		first_netdev name "$pci"
	elif is_pci_addr "$spec"; then
		pci=$(pci_norm "$spec")
		first_netdev name "$pci"
	else
		name=$spec
		pci=$(netdev_pci "$spec")
	fi
	if [ -n "$pci" ]; then
		echo "${name:--} $pci $(pci_driver "$pci") node $(topo_pci_node "$pci") ${HPCAP_CHIPS[$(pci_id "$pci")]:-other}"
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
	ask a "Interfaces to capture (names, PCI addresses or HPCAP names, separated by spaces)" ""
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

take() { local s; for s in ${CORE_CPUS[${CORE_OF[$1]}]}; do TAKEN[$s]=1; done; }
free_on() { # free_on NODE: free CPUs of a node (-1: any), ascending
	local c
	for c in "${cpus[@]}"; do
		[ -z "${TAKEN[$c]:-}" ] || continue
		[ "$1" -lt 0 ] || [ "${NODE_OF[$c]}" = "$1" ] || continue
		echo "$c"
	done
}
node_list() { # node_list NODE: its CPUs, as a list "a-b,c"
	local c l="" prev=-2 start=-1
	for c in "${cpus[@]}" 99999999; do
		[ "$c" = 99999999 ] || [ "${NODE_OF[$c]}" = "$1" ] || continue
		if [ "$c" = $((prev + 1)) ]; then prev=$c; continue; fi
		[ "$start" -lt 0 ] || l+="${l:+,}$start$([ "$prev" != "$start" ] && echo "-$prev")"
		start=$c prev=$c
	done
	echo "$l"
}
node_text() { # node_text NODE: "NUMA node N (CPUs a-b)"
	if [ "$1" -lt 0 ]; then echo "no particular NUMA node"; else echo "NUMA node $1 (CPUs $(node_list "$1"))"; fi
}
# free_cores_near CPU NODE EXCL: free physical cores on NODE sharing CPU's
# last-level cache (all of NODE when caches are unknown), not counting the
# CPUs in EXCL
free_cores_near() {
	local c k=0 l3=${L3_OF[$1]}
	local -A seen=()
	for c in $(free_on "$2"); do
		[ -z "${NOPOLL[$c]:-}" ] || continue
		[[ " $3 " != *" $c "* ]] || continue
		[ "${L3_OF[$c]}" = "$l3" ] || continue
		[ -z "${seen[${CORE_OF[$c]}]:-}" ] || continue
		seen[${CORE_OF[$c]}]=1
		k=$((k + 1))
	done
	echo "$k"
}

# The system's cores.
sys_list=()
for ((k = 0; k < sysc; k++)); do
	# (not "free_on -1 | head -1": under pipefail, free_on writing after
	# head has gone would end the script with SIGPIPE, now and then)
	c=""
	for x in "${cpus[@]}"; do [ -n "${TAKEN[$x]:-}" ] || { c=$x; break; }; done
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
	if [[ ${ifaces[i]} =~ ^(hpcap|xgb)[0-9]+$ ]] && [ "$pci" != - ]; then
		:
	elif is_pci_addr "${ifaces[i]}"; then
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
	# Runs of nq consecutive free CPUs on the node, on distinct physical
	# cores, none on CPU 0's core; the first whose cache has room for the
	# capture programs too, else the first.
	first="" fallback=""
	for c in $(free_on "$node"); do
		ok=1 run=""
		declare -A phys=()
		for ((q = 0; q < nq; q++)); do
			d=$((c + q))
			if [ -n "${TAKEN[$d]:-}" ] || [ -n "${NOPOLL[$d]:-}" ] || [ -z "${NODE_OF[$d]:-}" ] ||
				{ [ "$node" -ge 0 ] && [ "${NODE_OF[$d]}" != "$node" ]; }; then
				ok=0
				break
			fi
			[ -z "${phys[${CORE_OF[$d]}]:-}" ] || { ok=0; break; }
			phys[${CORE_OF[$d]}]=1
			run+=" ${CORE_CPUS[${CORE_OF[$d]}]}"
		done
		unset phys
		[ "$ok" = 1 ] || continue
		[ -n "$fallback" ] || fallback=$c
		if [ "$appc" = 0 ] || [ "$(free_cores_near "$c" "$node" "$run")" -ge $((nq * appc)) ]; then
			first=$c
			break
		fi
	done
	first=${first:-$fallback}
	what="$nq poll thread(s)"
	is_native "$m" || what="its interrupts"
	if [ -z "$first" ]; then
		die "${ifaces[i]} is on $(node_text "$node"): $what need(s) $nq consecutive free CPU number(s) there, on distinct physical cores other than CPU 0's, and there are not (free: $(free_on "$node" | paste -sd, -); kept for the system: ${sys_list[*]:-none}): use fewer --queues, fewer --app-cores, fewer --system-cores, or fewer ports on this node"
	fi
	for ((q = 0; q < nq; q++)); do take $((first + q)); done
	P_NAME[i]=${ifaces[i]} P_MODE[i]=$m P_CORE[i]=$first P_NODE[i]=$node
	P_DESC[i]="$name ($pci, $drv, $chip) on $(node_text "$node")"
	total_q=$((total_q + nq))
done
# Capture programs' cores, after every port has its poll cores: on the
# port's node, those sharing the poll cores' last-level cache first.
for ((i = 0; i < ${#ifaces[@]}; i++)); do
	if is_native "${P_MODE[i]}"; then nq=$queues; else nq=1; fi
	want=$((nq * appc))
	P_APP[i]=""
	[ "$want" -gt 0 ] || continue
	got=()
	l3=${L3_OF[${P_CORE[i]}]}
	for c in $(free_on "${P_NODE[i]}" | while read -r x; do
		if [ "${L3_OF[$x]}" = "$l3" ]; then echo "0 $x"; else echo "1 $x"; fi
	done | sort -k1,1n -k2,2n | cut -d' ' -f2); do
		[ -z "${TAKEN[$c]:-}" ] || continue
		[ -z "${NOPOLL[$c]:-}" ] || continue
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
	echo "# Machine: $ncpu CPUs, $(printf '%s\n' "${CORE_OF[@]}" | sort -u | wc -l) physical cores, $(printf '%s\n' "${NODE_OF[@]}" | sort -u | wc -l) NUMA node(s); topology from $TOPO_SRC."
	for ((i = 0; i < ${#ifaces[@]}; i++)); do echo "#   interface $i: ${P_DESC[i]}"; done
	echo "# Poll threads sit on their NIC's node, one physical core each (not CPU 0's); the"
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
