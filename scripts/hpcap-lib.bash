# shellcheck shell=bash
# hpcap-lib.bash - shared by hpcap's operations scripts (install_hpcap.bash,
# hpcap-status, the monitors, ...): messages, params.cfg parsing and
# validation, the view of the machine (sysfs, /proc, and hwloc for the
# topology) and the counters of the hpcap module.  Sourced, never run.
#
# Every read of the machine goes through $HPCAP_SYSFS (default /sys) and
# $HPCAP_PROCFS (default /proc), so the host-side tests can point the
# scripts at a made-up machine (tests/ops/fakesys.bash).  $HPCAP_ETC
# (default /etc/hpcap) is where the installed params.cfg is looked for.
#
# Variables set here are used by the scripts that source this file:
# shellcheck disable=SC2034

HPCAP_VERSION=0.1.0
HPCAP_SYSFS=${HPCAP_SYSFS:-/sys}
HPCAP_PROCFS=${HPCAP_PROCFS:-/proc}
HPCAP_RUNDIR=${HPCAP_RUNDIR:-/run/hpcap}
HPCAP_ETC=${HPCAP_ETC:-/etc/hpcap}
# Where hpcap-xdp keeps its queues and counter files (its --dir default).
HPCAP_XDP_DIR=${HPCAP_DEV_DIR:-/dev/shm}
PROG=${PROG:-${0##*/}}

die() { printf '%s: %s\n' "$PROG" "$*" >&2; exit 1; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }
say() { printf '%s: %s\n' "$PROG" "$*"; }
usage_error() { printf '%s: %s (see --help)\n' "$PROG" "$*" >&2; exit 2; }

need_root() {
	[ "$(id -u)" -eq 0 ] || die "must run as root (it $1); try: sudo $PROG $2"
}

# ------------------------------------------------------------- numbers

# is_uint STR: a plain decimal number (leading zeros allowed, read as decimal)
is_uint() { [[ $1 =~ ^[0-9]{1,18}$ ]]; }
is_int() { [[ $1 =~ ^-?[0-9]{1,18}$ ]]; }
# dec STR: the decimal value of an is_int string (never octal)
dec() {
	if [[ $1 == -* ]]; then echo $((-10#${1#-})); else echo $((10#$1)); fi
}

# size_of VAR STR: bytes of a size into VAR (no fork); false if bad.
# A size is decimal digits, optionally followed by K, M, G or T (powers of
# 1024), and that letter optionally by B or iB: 512M, 2G, 2GB, 4096MB,
# 512KiB (HPCAP's hugesize took "2GB" and "4096MB").  No octal, no
# fractions, nothing that does not fit in 62 bits.
size_of() {
	local -n _so=$1
	local sh=0
	[[ $2 =~ ^([0-9]{1,15})(([KkMmGgTt])([Ii]?[Bb])?)?$ ]] || return 1
	case ${BASH_REMATCH[3]} in
	K | k) sh=10 ;;
	M | m) sh=20 ;;
	G | g) sh=30 ;;
	T | t) sh=40 ;;
	esac
	[ "$((10#${BASH_REMATCH[1]}))" -le $(((1 << 62) >> sh)) ] || return 1
	_so=$((10#${BASH_REMATCH[1]} << sh))
}
# parse_size STR: the same, printed; nothing and false if bad
parse_size() {
	local n
	size_of n "$1" || return 1
	echo "$n"
}

# human_bytes N: "64 MiB", "1.5 GiB", "4 KiB", "100 B" (binary units)
human_bytes() {
	local n=$1 i=0 r=0
	local u=(B KiB MiB GiB TiB PiB)
	while [ "$n" -ge 1024 ] && [ $i -lt 5 ]; do
		r=$((n % 1024))
		n=$((n / 1024))
		i=$((i + 1))
	done
	if [ "$r" = 0 ]; then echo "$n ${u[i]}"; else echo "$n.$((r * 10 / 1024)) ${u[i]}"; fi
}

# ------------------------------------------------------------- machine

# expand_list_a ARRAY "0-3,6,8-9": the numbers into ARRAY (no fork)
expand_list_a() {
	local -n _el=$1
	local part a b
	local IFS=,
	_el=()
	for part in $2; do
		part=${part//[[:space:]]/}
		[ -n "$part" ] || continue
		if [[ $part =~ ^([0-9]+)-([0-9]+)$ ]]; then
			for ((a = 10#${BASH_REMATCH[1]}, b = 10#${BASH_REMATCH[2]}; a <= b; a++)); do _el+=("$a"); done
		elif [[ $part =~ ^[0-9]+$ ]]; then
			_el+=("$((10#$part))")
		fi
	done
}
# expand_list "0-3,6,8-9": one number per line
expand_list() {
	local l=()
	expand_list_a l "$1"
	[ ${#l[@]} = 0 ] || printf '%s\n' "${l[@]}"
}

# cpus_online: the online CPU numbers, one per line; ncpus: how many
CPUS=()
cpus_load() {
	local f=$HPCAP_SYSFS/devices/system/cpu/online line
	if [ -r "$f" ]; then
		read -r line <"$f"
		expand_list_a CPUS "$line"
	else
		expand_list_a CPUS "0-$(($(nproc) - 1))"
	fi
}
cpus_online() { cpus_load; printf '%s\n' "${CPUS[@]}"; }
ncpus() { cpus_load; echo "${#CPUS[@]}"; }

# meminfo KEY: the value of KEY in /proc/meminfo (kB, or a count)
declare -gA MEMINFO=()
meminfo_load() {
	local k v _
	MEMINFO=()
	while read -r k v _; do MEMINFO[${k%:}]=$v; done <"$HPCAP_PROCFS/meminfo"
}
meminfo() { meminfo_load; echo "${MEMINFO[$1]:-}"; }

# free_2m_blocks: free physically contiguous 2 MiB blocks (buddy orders >= 9)
free_2m_blocks() {
	awk '{ for (i = 5; i <= NF; i++) if (i - 5 >= 9) n += $i * 2 ^ (i - 5 - 9) }
	     END { printf "%.0f\n", n }' "$HPCAP_PROCFS/buddyinfo" 2>/dev/null || echo 0
}

netdev_exists() { [ -n "$1" ] && [ -e "$HPCAP_SYSFS/class/net/$1" ]; }

# netdev_pci IF: the PCI address of a network interface ("" if virtual)
netdev_pci() {
	local line
	[ -r "$HPCAP_SYSFS/class/net/$1/device/uevent" ] || return 0
	while IFS= read -r line; do
		[[ $line == PCI_SLOT_NAME=* ]] && { echo "${line#PCI_SLOT_NAME=}"; return 0; }
	done <"$HPCAP_SYSFS/class/net/$1/device/uevent"
	return 0
}

# pci_netdevs ADDR: the network interfaces of a PCI function
pci_netdevs() {
	local d
	for d in "$HPCAP_SYSFS/bus/pci/devices/$1/net"/*; do
		[ -e "$d" ] && echo "${d##*/}"
	done
	return 0
}

# first_netdev VAR ADDR: the first network interface of a PCI function, or ""
first_netdev() {
	local -n _fn=$1
	local d
	_fn=""
	for d in "$HPCAP_SYSFS/bus/pci/devices/$2/net"/*; do
		[ -e "$d" ] && { _fn=${d##*/}; return 0; }
	done
	return 0
}
# read_pci_slot VAR IF: the PCI address of an interface into VAR ("" if virtual)
read_pci_slot() {
	local -n _rp=$1
	local line
	_rp=""
	[ -r "$HPCAP_SYSFS/class/net/$2/device/uevent" ] || return 0
	while IFS= read -r line; do
		[[ $line == PCI_SLOT_NAME=* ]] && { _rp=${line#PCI_SLOT_NAME=}; return 0; }
	done <"$HPCAP_SYSFS/class/net/$2/device/uevent"
	return 0
}

pci_exists() { [ -e "$HPCAP_SYSFS/bus/pci/devices/$1" ]; }
# pci_driver ADDR: the driver bound to a PCI function (each driver's
# directory has a link named after every device it holds)
pci_driver() {
	local d
	for d in "$HPCAP_SYSFS"/bus/pci/drivers/*/"$1"; do
		[ -e "$d" ] || continue
		d=${d%/*}
		echo "${d##*/}"
		return 0
	done
	return 0
}
pci_id() {
	local d=$HPCAP_SYSFS/bus/pci/devices/$1 v p
	read -r v <"$d/vendor"
	read -r p <"$d/device"
	echo "${v#0x}:${p#0x}"
}
pci_numa_node() {
	local n=-1
	read -r n 2>/dev/null <"$HPCAP_SYSFS/bus/pci/devices/$1/numa_node" || n=-1
	echo "${n:--1}"
}

# is_pci_addr STR: a PCI address, 0000:03:00.0 (the domain may be left out)
is_pci_addr() { [[ $1 =~ ^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$ ]]; }
pci_norm() {
	local a=${1,,}
	[[ $a =~ ^[0-9a-f]{4}: ]] || a=0000:$a
	echo "$a"
}

# The ports hpcap's native driver brings up, as the chips' files list them
# (*_device_ids[] in driver/hpcap_hw_82576.c: copper 82576, and
# driver/hpcap_hw_82599.c: SFP+ 82599); tests/ops/host-tests.bash
# checks that the two lists agree.
declare -gA HPCAP_CHIPS=(
	[8086:10c9]=82576 [8086:10e8]=82576 [8086:1526]=82576 [8086:150a]=82576
	[8086:10fb]=82599 [8086:1507]=82599 [8086:1529]=82599 [8086:1557]=82599
	[8086:154d]=82599
)
# RX queues and link speeds each chip takes (hpcap_hw_*.c: max_queues,
# setup_link).
declare -gA HPCAP_CHIP_QUEUES=([82576]=8 [82599]=16)
declare -gA HPCAP_CHIP_SPEEDS=([82576]="0 10 100 1000" [82599]="0 1000 10000")

# HPCAP's interface names: hpcapN (a captured port) and xgbN (a port left
# to the standard driver), where N is the port's index, in PCI address
# order, among the ports of the NIC families HPCAP's driver took.  These
# are the PCI ids of the 82576 and 82599 families (82599 variants and the
# X540, as HPCAP listed them), beyond the ones hpcap's native driver brings
# up: a port hpcap cannot capture natively still counts, so that the
# numbers are HPCAP's.
declare -gA HPCAP_NAMING_IDS=(
	[8086:10c9]=82576 [8086:10e6]=82576 [8086:10e7]=82576 [8086:10e8]=82576
	[8086:1526]=82576 [8086:150a]=82576 [8086:1518]=82576 [8086:150d]=82576
	[8086:10fb]=82599 [8086:10f7]=82599 [8086:10f8]=82599 [8086:10f9]=82599
	[8086:10fc]=82599 [8086:1517]=82599 [8086:151c]=82599 [8086:1507]=82599
	[8086:1557]=82599 [8086:1529]=82599 [8086:152a]=82599 [8086:154d]=82599
	[8086:154f]=82599 [8086:1528]=X540
)
# hpcap_name_resolve VAR NAME: the PCI address HPCAP's name hpcapN/xgbN
# stands for into VAR; false when the machine has no port N.  The list is
# read once per run (HPCAP_NAME_PORTS).
declare -ga HPCAP_NAME_PORTS=()
HPCAP_NAME_PORTS_READ=0
hpcap_name_resolve() {
	local -n _hr=$1
	local nn
	[[ $2 =~ ^(hpcap|xgb)([0-9]{1,3})$ ]] || return 1
	nn=$((10#${BASH_REMATCH[2]}))
	if [ "$HPCAP_NAME_PORTS_READ" = 0 ]; then
		hpcap_name_ports HPCAP_NAME_PORTS
		HPCAP_NAME_PORTS_READ=1
	fi
	[ "$nn" -lt "${#HPCAP_NAME_PORTS[@]}" ] || return 1
	_hr=${HPCAP_NAME_PORTS[nn]}
}
# hpcap_name_ports ARRAY: the PCI addresses HPCAP's names count, in order
hpcap_name_ports() {
	local -n _hn=$1
	local d v p LC_ALL=C
	_hn=()
	for d in "$HPCAP_SYSFS"/bus/pci/devices/*; do
		read -r v 2>/dev/null <"$d/vendor" || continue
		read -r p 2>/dev/null <"$d/device" || continue
		[ -n "${HPCAP_NAMING_IDS[${v#0x}:${p#0x}]:-}" ] && _hn+=("${d##*/}")
	done
	return 0
}

# netdev_irqs IF: the interrupt numbers of a NIC (MSI-X vectors, else its
# legacy line)
netdev_irqs() {
	local dev=$HPCAP_SYSFS/class/net/$1/device f
	if [ -d "$dev/msi_irqs" ]; then
		for f in "$dev/msi_irqs"/*; do
			[ -e "$f" ] && echo "${f##*/}"
		done | sort -n
	elif [ -r "$dev/irq" ] && [ "$(<"$dev/irq")" != 0 ]; then
		cat "$dev/irq"
	fi
}

# poll_threads: "<comm> <pid> <cpu>" for every running hpcap poll thread
poll_threads() {
	local d comm st w
	for d in "$HPCAP_PROCFS"/[0-9]*; do
		read -r comm 2>/dev/null <"$d/comm" || continue
		[[ $comm =~ ^hpcap[0-9]+_rx[0-9]+$ ]] || continue
		read -r st 2>/dev/null <"$d/stat" || continue
		# field 39 of stat (processor) is word 37 after "comm) "
		read -r -a w <<<"${st##*) }"
		echo "$comm ${d##*/} ${w[36]}"
	done
	return 0
}

# ------------------------------------------------------------- topology

# The machine's topology, for placing threads where they run best: per
# online CPU its NUMA node (TOPO_NODE), its physical core (TOPO_CORE: one
# key for all hyperthreads of a core) and its last-level cache (TOPO_L3:
# one key for the CPUs behind one L3, "" if unknown); per PCI device its
# node (TOPO_PCI_NODE, -1 unknown).  From hwloc when it is installed (it
# knows hyperthreads and caches on every architecture, and the locality of
# PCI devices from the firmware's tables), else from sysfs.  TOPO_SRC says
# which.
declare -gA TOPO_NODE=() TOPO_CORE=() TOPO_L3=() TOPO_PCI_NODE=()
TOPO_SRC=""

# topo_load auto|hwloc|sysfs: fill the TOPO_* arrays.  auto: hwloc when
# lstopo-no-graphics is installed and looks at this machine (HPCAP_SYSFS is
# /sys), or at the topology $HWLOC_XMLFILE names; else sysfs.
topo_load() {
	local how=$1 why=""
	TOPO_NODE=() TOPO_CORE=() TOPO_L3=() TOPO_PCI_NODE=()
	cpus_load
	if [ "$how" = auto ]; then
		how=sysfs
		if command -v lstopo-no-graphics >/dev/null 2>&1 && { [ "$HPCAP_SYSFS" = /sys ] || [ -n "${HWLOC_XMLFILE:-}" ]; }; then
			how=hwloc
		fi
	fi
	if [ "$how" = hwloc ]; then
		if ! command -v lstopo-no-graphics >/dev/null 2>&1; then
			why="lstopo-no-graphics is not installed (apt install hwloc-nox)"
		elif topo_from_hwloc; then
			TOPO_SRC="hwloc ($(lstopo-no-graphics --version 2>/dev/null | awk '{ print $NF }')${HWLOC_XMLFILE:+, $HWLOC_XMLFILE})"
			return 0
		else
			why="hwloc gave no topology"
		fi
	fi
	topo_from_sysfs
	TOPO_SRC="sysfs${why:+ ($why)}"
}

# topo_from_hwloc: the TOPO_* arrays from hwloc's XML export.  Objects
# nest as the hardware does: a PU's core and L3 are its ancestors, its node
# is its nodeset; a PCI device's node is that of the nearest ancestor that
# has one (its host bridge's package or group).
topo_from_hwloc() {
	local kind a b c d n=0
	local -A online=()
	for c in "${CPUS[@]}"; do online[$c]=1; done
	while read -r kind a b c d; do
		case $kind in
		pu)
			[ -n "${online[$a]:-}" ] || continue
			TOPO_NODE[$a]=$b TOPO_CORE[$a]=$c TOPO_L3[$a]=${d#-}
			n=$((n + 1))
			;;
		pci) TOPO_PCI_NODE[$a]=$b ;;
		esac
	done < <(lstopo-no-graphics --of xml - 2>/dev/null | awk '
		# the lowest set bit of a bitmap "0x...,0x..." (most significant
		# word first), and whether exactly one bit is set
		function onebit(m,   w, k, i, v, h, bit, cnt, res) {
			k = split(m, w, ",")
			cnt = 0; res = -1
			for (i = k; i >= 1; i--) {
				h = tolower(w[i]); sub(/^0x/, "", h)
				v = 0
				while (h != "") { v = v * 16 + index("0123456789abcdef", substr(h, 1, 1)) - 1; h = substr(h, 2) }
				for (bit = 0; v > 0; bit++) {
					if (v % 2) { cnt++; if (res < 0) res = (k - i) * 32 + bit }
					v = int(v / 2)
				}
			}
			return cnt == 1 ? res : -1
		}
		function attr(name,   r) {
			if (match($0, " " name "=\"[^\"]*\"")) {
				r = substr($0, RSTART + length(name) + 3, RLENGTH - length(name) - 4)
				return r
			}
			return ""
		}
		/<object / {
			d++
			type[d] = attr("type"); os[d] = attr("os_index"); gp[d] = attr("gp_index")
			ns[d] = attr("nodeset"); bus[d] = attr("pci_busid")
			if (gp[d] == "") gp[d] = "l" NR
			if (type[d] == "PU") {
				core = "pu" os[d]; l3 = "-"
				for (i = d - 1; i >= 1; i--) {
					if (type[i] == "Core" && core ~ /^pu/) core = "core" gp[i]
					if (type[i] == "L3Cache" && l3 == "-") l3 = "l3" gp[i]
				}
				print "pu", os[d], onebit(ns[d]), core, l3
			} else if (type[d] == "PCIDev") {
				node = -1
				for (i = d - 1; i >= 1; i--) if (ns[i] != "") { node = onebit(ns[i]); break }
				print "pci", bus[d], node
			}
			if ($0 ~ /\/>[[:space:]]*$/) d--
			next
		}
		/<\/object>/ { d-- }')
	[ "$n" -gt 0 ]
}

# topo_from_sysfs: the same from /sys: the nodes' cpulists, each CPU's
# thread_siblings_list and the cache of level 3 it shares, each PCI
# device's numa_node (read when asked: topo_pci_node).
topo_from_sysfs() {
	local c s d l
	local -a cl
	cpu_nodes_load
	for c in "${CPUS[@]}"; do
		TOPO_NODE[$c]=${CPU_NODE[$c]:-0}
		s=$c
		read -r s 2>/dev/null <"$HPCAP_SYSFS/devices/system/cpu/cpu$c/topology/thread_siblings_list" || s=$c
		expand_list_a cl "$s"
		TOPO_CORE[$c]=core${cl[0]:-$c}
		TOPO_L3[$c]=""
		for d in "$HPCAP_SYSFS/devices/system/cpu/cpu$c/cache"/index*; do
			read -r l 2>/dev/null <"$d/level" || continue
			[ "$l" = 3 ] || continue
			read -r s 2>/dev/null <"$d/shared_cpu_list" || continue
			expand_list_a cl "$s"
			TOPO_L3[$c]=l3-${cl[0]:-$c}
		done
	done
}

# topo_pci_node ADDR: a PCI device's NUMA node (-1 unknown): hwloc's, else
# the device's numa_node in sysfs
topo_pci_node() {
	if [ "${TOPO_PCI_NODE[$1]:--1}" -ge 0 ]; then
		echo "${TOPO_PCI_NODE[$1]}"
	else
		pci_numa_node "$1"
	fi
}

# ------------------------------------------------------------- module

module_loaded() { [ -d "$HPCAP_SYSFS/module/hpcap" ] && [ -d "$HPCAP_SYSFS/class/hpcap" ]; }
module_refcnt() { cat "$HPCAP_SYSFS/module/hpcap/refcnt" 2>/dev/null || echo 0; }

# module_users: "pid comm" of every process that has an hpcap device open
module_users() {
	local fd pid comm
	{ find "$HPCAP_PROCFS"/[0-9]*/fd -maxdepth 1 -lname '/dev/hpcap_*' 2>/dev/null || true; } |
		while IFS= read -r fd; do
			pid=${fd#"$HPCAP_PROCFS"/}
			pid=${pid%%/*}
			read -r comm 2>/dev/null <"$HPCAP_PROCFS/$pid/comm" || comm='?'
			echo "$pid $comm"
		done | sort -un
}

# slurp VAR FILE: the whole of a (sysfs) file into VAR with one read.
# Reading it line by line would not do: the shell seeks back after each
# line, and sysfs generates the file again at every such read, so the
# lines of a counters file would come from different moments.
slurp() {
	local -n _sl=$1
	_sl=""
	IFS= read -r -d '' _sl 2>/dev/null <"$2" || true
}

# adapters: the lines of /sys/class/hpcap/adapters, "id name source queues caplen"
adapters() {
	local txt
	slurp txt "$HPCAP_SYSFS/class/hpcap/adapters"
	printf '%s' "$txt"
}

# qdir A Q: the sysfs directory of queue Q of adapter A
qdir() { echo "$HPCAP_SYSFS/class/hpcap/hpcap_$1_$2"; }

# The AF_XDP source (hpcap-xdp, doc/xdp.md) is not part of the module: each
# running hpcap-xdp keeps HPCAP_XDP_DIR/hpcap_<A>.port (the port) and
# hpcap_<A>_<Q>.stats (each queue: the module's queue counters under the
# same names, its XDP losses, buf_size, write_pos), rewritten whole every
# interval.  A file whose pid is no longer a running hpcap-xdp was left by
# a killed one (the next run or hpcap-xdp --cleanup removes it).

# kv_file ARRAY FILE: the "name value" lines of FILE into an associative array
kv_file() {
	local -n _kv=$1
	local txt k v
	_kv=()
	slurp txt "$2"
	while read -r k v; do
		if [ -n "$k" ]; then _kv[$k]=$v; fi
	done <<<"$txt"
	return 0
}

# retention_lines: one line per capture queue with retention (the
# counters hpcapdd --retention-stats keeps in HPCAP_RUNDIR/retention/, which
# hpcap-capture asks for), by adapter and queue:
#   adapter queue state files_removed bytes_removed files_held limit_unmet dir
# state is running, stopped (the totals of a run that ended) or gone (the
# hpcapdd that wrote it ended without saying so).
retention_lines() {
	local f st
	local -A R
	for f in "$HPCAP_RUNDIR"/retention/hpcap_*_*.stats; do
		[ -r "$f" ] || continue
		kv_file R "$f"
		[[ ${R[adapter]:-} =~ ^[0-9]+$ ]] && [[ ${R[queue]:-} =~ ^[0-9]+$ ]] || continue
		st=${R[state]:-gone}
		if [ "$st" = running ] && ! kill -0 "${R[pid]:-0}" 2>/dev/null; then
			# (kill -0 also fails for another user's process: EPERM
			# still means it runs)
			[ -d "$HPCAP_PROCFS/${R[pid]:-0}" ] || st=gone
		fi
		echo "${R[adapter]} ${R[queue]} $st ${R[files_removed]:-0} ${R[bytes_removed]:-0} ${R[files_held]:-0} ${R[limit_unmet]:-0} ${R[dir]:-?}"
	done | sort -n -k1,1 -k2,2
}

# xdp_alive PID: PID is a running hpcap-xdp (not a zombie nobody reaped)
xdp_alive() {
	local st
	[[ $1 =~ ^[0-9]+$ ]] || return 1
	read -r st 2>/dev/null <"$HPCAP_PROCFS/$1/stat" || return 1
	[[ $st == *"(hpcap-xdp) "[!ZX]* ]]
}

# xdp_adapters: "id name xdp nq caplen" (as adapters prints them) for every
# running hpcap-xdp, by adapter number
xdp_adapters() {
	local f
	local -A P
	local -a ql
	for f in "$HPCAP_XDP_DIR"/hpcap_*.port; do
		[ -r "$f" ] || continue
		kv_file P "$f"
		[ "${P[state]:-}" = running ] && xdp_alive "${P[pid]:-}" || continue
		expand_list_a ql "${P[queues]:-}"
		echo "${P[adapter]} ${P[ifname]} xdp ${#ql[@]} ${P[caplen]:-65523}"
	done | sort -n
}

# all_adapters: the module's adapters, then hpcap-xdp's, then the
# shared-memory queues'
all_adapters() {
	local a
	a=$(adapters)
	[ -z "$a" ] || echo "$a"
	xdp_adapters
	shm_adapters
}

# capture_running: the module is loaded, an hpcap-xdp runs, or a
# shared-memory queue is fed
capture_running() { module_loaded || [ -n "$(xdp_adapters)" ] || [ -n "$(shm_queue_files "")" ]; }

# xdp_queues A: the queue numbers of an hpcap-xdp adapter, one per line
xdp_queues() {
	local -A P
	local -a ql
	kv_file P "$HPCAP_XDP_DIR/hpcap_$1.port"
	expand_list_a ql "${P[queues]:-}"
	[ ${#ql[@]} = 0 ] || printf '%s\n' "${ql[@]}"
}

# A shared-memory queue (pcap2hpcap; srclib/queue/shm_*) is not the
# module's either, and cannot be asked without joining it as a listener:
# its producer keeps HPCAP_XDP_DIR/hpcap_<A>_<Q>.stats ("source shm", pid,
# adapter, queue, state, the module's queue counters under the same names,
# buf_size, write_pos), rewritten every 100 ms and removed with the
# queue.  Such queues show as adapter <A> named shm<A>, source shm.

# shm_alive PID: PID is a running process (not a zombie nobody reaped)
shm_alive() {
	local st
	[[ $1 =~ ^[0-9]+$ ]] || return 1
	read -r st 2>/dev/null <"$HPCAP_PROCFS/$1/stat" || return 1
	[[ $st != *") "[ZX]* ]]
}

# shm_queue_files A: the counter files of adapter A's live shared-memory
# queues ("" for A: every adapter's), one per line, by queue number
shm_queue_files() {
	local f
	local -A S
	local -a all=("$HPCAP_XDP_DIR"/hpcap_*_*.stats)
	[ -e "${all[0]}" ] || return 0	# none: no process started
	for f in "${all[@]}"; do
		[ -r "$f" ] || continue
		kv_file S "$f"
		[ "${S[source]:-}" = shm ] && shm_alive "${S[pid]:-}" || continue
		[ -z "$1" ] || [ "${S[adapter]:-}" = "$1" ] || continue
		echo "${S[queue]:-0} $f"
	done | sort -n | cut -d' ' -f2-
}

# shm_adapters: "id shm<id> shm nq caplen" (as adapters prints them) for
# every adapter number with a live shared-memory queue
shm_adapters() {
	local f a
	local -A S nq_of=()
	while IFS= read -r f; do
		[ -n "$f" ] || continue
		kv_file S "$f"
		a=${S[adapter]:-0}
		nq_of[$a]=$((${nq_of[$a]:-0} + 1))
	done <<<"$(shm_queue_files "")"
	for a in "${!nq_of[@]}"; do echo "$a shm$a shm ${nq_of[$a]} 65523"; done | sort -n
}

# rd VAR FILE [DEFAULT]: the first line of FILE into VAR, without a fork
rd() {
	local -n _rd_var=$1
	IFS= read -r _rd_var 2>/dev/null <"$2" || _rd_var=${3:-0}
	[ -n "$_rd_var" ] || _rd_var=${3:-0}
}

# netdev_stat IF NAME: /sys/class/net/IF/statistics/NAME, 0 if absent
netdev_stat() {
	local v
	rd v "$HPCAP_SYSFS/class/net/$1/statistics/$2"
	echo "$v"
}

# snapshot_adapter ID NAME SOURCE NQ: one line of counters for an adapter,
#   time_ns rx_frames rx_bytes captured_frames captured_bytes
#   client_lost_frames client_lost_bytes noclient_frames noclient_bytes
#   dup_frames nic_missed rx_errors link listeners(q0,q1,...) buf_size
#   used(q0,q1,... bytes the slowest listener has not read; "-" unknown)
#   queues(ids, q0,q1,...) xdp_lost_frames xdp_mode attach timestamp
#   nic_rx_dropped
# nic_missed: frames the NIC itself dropped (native: MPC + no-descriptor
# drops, RNBC or the 82599's QPRDC; generic:
# the driver's rx_missed_errors + rx_fifo_errors; xdp: the same since
# hpcap-xdp started); rx_errors: CRC, length and framing errors.  A
# synthetic source has neither, nor a link (1).  xdp_lost_frames: frames
# XDP sent to a socket that had no room (xdp only; 0 for the module);
# xdp_mode (zc, copy, skb), attach (link, dispatcher), timestamp (nic,
# kernel) and nic_rx_dropped (the driver's rx_dropped since the start) are
# "-" for the module's adapters.
snapshot_adapter() {
	local line
	snapshot_adapter_v line "$@"
	echo "$line"
}
# snapshot_adapter_v VAR ID NAME SOURCE NQ: the same into VAR, no fork
snapshot_adapter_v() {
	local -n _sa=$1
	shift
	local id=$1 name=$2 src=$3 nq=$4 q k v d wp rp min lst="" used="" buf txt
	local -A s=()
	local t=${EPOCHREALTIME/./}000	# nanoseconds
	if [ "$src" = xdp ]; then
		snapshot_xdp_v _sa "$id" "$name" "$t"
		return
	fi
	if [ "$src" = shm ]; then
		snapshot_shm_v _sa "$id" "$t"
		return
	fi
	for ((q = 0; q < nq; q++)); do
		d=$HPCAP_SYSFS/class/hpcap/hpcap_${id}_$q
		[ -r "$d/stats" ] || continue
		slurp txt "$d/stats"
		while read -r k v; do
			case $k in
			"") ;;
			listeners) lst+="${lst:+,}$v" ;;
			*) s[$k]=$((${s[$k]:-0} + v)) ;;
			esac
		done <<<"$txt"
		rd wp "$d/write_pos"
		min=$wp
		slurp txt "$d/listeners"
		while read -r _ _ rp _; do
			[ -n "$rp" ] && [ "$rp" -lt "$min" ] && min=$rp
		done <<<"$txt"
		used+="${used:+,}$((wp - min))"
	done
	local missed=0 errs=0 link=1 n=$HPCAP_SYSFS/class/net/$name a b c
	if [ "$src" != synthetic ] && [ -e "$n" ]; then
		rd a "$n/statistics/rx_missed_errors"
		rd b "$n/statistics/rx_fifo_errors"
		missed=$((a + b))
		rd a "$n/statistics/rx_crc_errors"
		rd b "$n/statistics/rx_length_errors"
		rd c "$n/statistics/rx_frame_errors"
		errs=$((a + b + c))
		rd link "$n/carrier"
	elif [ "$src" != synthetic ]; then
		link=0
	fi
	rd buf "$HPCAP_SYSFS/class/hpcap/hpcap_${id}_0/buf_size"
	_sa="$t ${s[rx_frames]:-0} ${s[rx_bytes]:-0} ${s[captured_frames]:-0}"
	_sa+=" ${s[captured_bytes]:-0} ${s[client_lost_frames]:-0} ${s[client_lost_bytes]:-0}"
	_sa+=" ${s[noclient_frames]:-0} ${s[noclient_bytes]:-0} ${s[dup_frames]:-0}"
	_sa+=" $missed $errs $link ${lst:--} $buf ${used:--}"
	_sa+=" $(seq -s, 0 $((nq - 1))) 0 - - - -"
}

# queue_files_sum ARRAY FILE...: the counter files of userspace producers'
# queues (the module's names, srclib/queue/qstats_text.c; unreadable ones
# skipped) added up into the associative ARRAY: the module's frame and
# byte counters and xdp_lost_frames summed; listeners and queues (the queue
# numbers) as comma lists in FILE order; buf_size, the last file's; used, a
# "-" per queue (how far the slowest listener is behind is known to the
# producer only: not in the file)
queue_files_sum() {
	local -n _qs=$1
	local f k
	local -A Q
	shift
	_qs=()
	for f in "$@"; do
		[ -r "$f" ] || continue
		kv_file Q "$f"
		for k in rx_frames rx_bytes captured_frames captured_bytes client_lost_frames \
			client_lost_bytes noclient_frames noclient_bytes dup_frames xdp_lost_frames; do
			_qs[$k]=$((${_qs[$k]:-0} + ${Q[$k]:-0}))
		done
		_qs["listeners"]+="${_qs["listeners"]:+,}${Q[listeners]:-0}"
		_qs["queues"]+="${_qs["queues"]:+,}${Q[queue]:-0}"
		_qs["buf_size"]=${Q[buf_size]:-0}
		_qs["used"]+="${_qs["used"]:+,}-"
	done
}

# snapshot_xdp_v VAR ID NAME TIME_NS: snapshot_adapter_v's line for an
# hpcap-xdp adapter, from its counter files
snapshot_xdp_v() {
	local -n _sx=$1
	local id=$2 name=$3 t=$4 q errs=0 link=0 a b c
	local -A P s
	local -a ql files=()
	kv_file P "$HPCAP_XDP_DIR/hpcap_$id.port"
	expand_list_a ql "${P[queues]:-}"
	for q in "${ql[@]}"; do files+=("$HPCAP_XDP_DIR/hpcap_${id}_$q.stats"); done
	queue_files_sum s "${files[@]}"
	local n=$HPCAP_SYSFS/class/net/$name
	if [ -e "$n" ]; then
		rd a "$n/statistics/rx_crc_errors"
		rd b "$n/statistics/rx_length_errors"
		rd c "$n/statistics/rx_frame_errors"
		errs=$((a + b + c))
		rd link "$n/carrier"
	fi
	_sx="$t ${s[rx_frames]:-0} ${s[rx_bytes]:-0} ${s[captured_frames]:-0}"
	_sx+=" ${s[captured_bytes]:-0} ${s[client_lost_frames]:-0} ${s[client_lost_bytes]:-0}"
	_sx+=" ${s[noclient_frames]:-0} ${s[noclient_bytes]:-0} ${s[dup_frames]:-0}"
	_sx+=" ${P[nic_rx_missed]:-0} $errs $link ${s[listeners]:--} ${s[buf_size]:-0} ${s[used]:--} ${s[queues]:--} ${s[xdp_lost_frames]:-0}"
	_sx+=" ${P[xdp_mode]:--} ${P[attach]:--} ${P[timestamp]:--} ${P[nic_rx_dropped]:-0}"
}

# snapshot_shm_v VAR ID TIME_NS: snapshot_adapter_v's line for the
# shared-memory queues of adapter ID, from their counter files: no NIC, so
# no NIC losses or errors, and a link that is always up, as for a
# synthetic source
snapshot_shm_v() {
	local -n _sh=$1
	local id=$2 t=$3
	local -A s
	local -a files
	mapfile -t files < <(shm_queue_files "$id")
	queue_files_sum s "${files[@]}"
	_sh="$t ${s[rx_frames]:-0} ${s[rx_bytes]:-0} ${s[captured_frames]:-0}"
	_sh+=" ${s[captured_bytes]:-0} ${s[client_lost_frames]:-0} ${s[client_lost_bytes]:-0}"
	_sh+=" ${s[noclient_frames]:-0} ${s[noclient_bytes]:-0} ${s[dup_frames]:-0}"
	_sh+=" 0 0 1 ${s[listeners]:--} ${s[buf_size]:-0} ${s[used]:--} ${s[queues]:--} 0 - - - -"
}

# snapshot: "id name source nq <snapshot_adapter fields>" for every adapter
# (the module's, hpcap-xdp's and the shared-memory queues')
snapshot() {
	local id name src nq _c
	while read -r id name src nq _c; do
		[ -n "$id" ] || continue
		echo "$id $name $src $nq $(snapshot_adapter "$id" "$name" "$src" "$nq")"
	done <<<"$(all_adapters)"
}

# huge_adapters: the adapter numbers whose buffers are in 2 MiB pages
huge_adapters() {
	local f=$HPCAP_SYSFS/module/hpcap/parameters/huge i=0 v
	[ -r "$f" ] || return 0
	local IFS=,
	for v in $(<"$f"); do
		[ "$v" = 1 ] && echo "$i"
		i=$((i + 1))
	done
	return 0
}

# hugetlbfs_mounts: mount points of hugetlbfs
hugetlbfs_mounts() { awk '$3 == "hugetlbfs" { print $2 }' "$HPCAP_PROCFS/mounts" 2>/dev/null || true; }

# week_dir BASEDIR [EPOCH]: HPCAP's per-week log directory, BASEDIR/YYYY-WW
# (ISO 8601 year and week, local time); week_dir_v VAR BASEDIR EPOCH: into VAR
week_dir() { local d; week_dir_v d "$1" "${2:--1}"; echo "$d"; }
week_dir_v() {
	local -n _wd=$1
	printf -v _wd '%s/%(%G-%V)T' "$2" "$3"
}

# nap SECONDS: sleep without starting a process (read with a timeout on a
# FIFO nobody writes), once nap_init has opened it; else sleep(1)
NAP_FD=""
nap_init() {
	local f
	f=$(mktemp -u "${TMPDIR:-/tmp}/hpcap-nap.XXXXXX") && mkfifo -m 600 "$f" 2>/dev/null || return 0
	exec {NAP_FD}<>"$f"
	rm -f "$f"
}
nap() {
	if [ -n "$NAP_FD" ]; then
		read -r -t "$1" -u "$NAP_FD" _ || true
	else
		sleep "$1"
	fi
}

# ------------------------------------------------------------- params.cfg

# Where params.cfg is, as HPCAP had it: a params.cfg at the root of the
# source tree the scripts run from, else the installed one in /etc/hpcap.
# -c FILE (or $HPCAP_CONFIG) overrides both.  HPCAP_SRCDIR is the source
# tree this library belongs to ("" when it is installed): a directory
# holding install_hpcap.bash and driver/ above scripts/hpcap-lib.bash.
HPCAP_SRCDIR=""
_hl_self=$(readlink -f "${BASH_SOURCE[0]}" 2>/dev/null || echo "${BASH_SOURCE[0]}")
_hl_root=${_hl_self%/*}
_hl_root=${_hl_root%/scripts}
if [ "$_hl_root" != "${_hl_self%/*}" ] && [ -f "$_hl_root/install_hpcap.bash" ] && [ -d "$_hl_root/driver" ]; then
	HPCAP_SRCDIR=$_hl_root
fi
unset _hl_self _hl_root
CFG_WHY=""

# cfg_pick VAR: the params.cfg to read into VAR, unless VAR is set already
# (by -c); CFG_WHY says how it was chosen, for cfg_which.
cfg_pick() {
	local -n _cp=$1
	if [ -n "$_cp" ]; then
		CFG_WHY="given with -c"
	elif [ -n "${HPCAP_CONFIG:-}" ]; then
		_cp=$HPCAP_CONFIG
		CFG_WHY="from \$HPCAP_CONFIG"
	elif [ -n "$HPCAP_SRCDIR" ] && [ -e "$HPCAP_SRCDIR/params.cfg" ]; then
		_cp=$HPCAP_SRCDIR/params.cfg
		CFG_WHY="the source tree's"
	else
		_cp=$HPCAP_ETC/params.cfg
		CFG_WHY="the installed one"
		[ -z "$HPCAP_SRCDIR" ] || CFG_WHY+="; the source tree $HPCAP_SRCDIR has no params.cfg"
	fi
}
# cfg_which FILE: "FILE (how it was chosen)", for messages
cfg_which() { echo "$1${CFG_WHY:+ ($CFG_WHY)}"; }
# cfg_say_which FILE: tell which params.cfg is read, on stderr, when it
# was not named on the command line
cfg_say_which() {
	[ "$CFG_WHY" = "given with -c" ] || printf '%s: reading %s\n' "$PROG" "$(cfg_which "$1")" >&2
}
# cfg_missing_hint: what to do when there is no params.cfg
cfg_missing_hint() {
	if [ "$CFG_WHY" = "given with -c" ] || [ "$CFG_WHY" = "from \$HPCAP_CONFIG" ]; then
		echo "copy params.cfg.sample there and edit it, or give another with -c FILE"
	elif [ -n "$HPCAP_SRCDIR" ]; then
		echo "looked for $HPCAP_SRCDIR/params.cfg (this source tree's) and $HPCAP_ETC/params.cfg: copy params.cfg.sample to one of them (or run gen-hpcap-config params.cfg), or give -c FILE"
	else
		echo "copy $HPCAP_ETC/params.cfg.sample there and edit it (or run gen-hpcap-config), or give -c FILE"
	fi
}

# Keys: global, and per interface (followed by the interface's index i,
# its position in ifs counting from 0).
HPCAP_GLOBAL_KEYS="ifs nif nrxq filesize poll_idle_us ts_per_frame monitor_enabled monitor_interval monitor_core monitor_basedir hugetlbfs_dir hugepages_reserve module capture_dir postprocess_cmd keep_free keep_size keep_age"
HPCAP_IF_KEYS="mode core nrxq dup vel caplen pages bufsize hugesize jumbo capture_cores xdpmode keep_free keep_size keep_age"
# Keys of HPCAP's params.cfg that hpcap has no use for: accepted with a
# warning that names them, so that an HPCAP installation's file works as
# it is.  Global ones, then per-interface ones (with their index).
declare -gA HPCAP_IGNORED_KEYS=(
	[use_vf]="HPCAP's switch for its virtual-function driver; hpcap has none (capture a VF in mirror or drop mode)"
	[ntxq]="TX queues; hpcap's capture ports only receive"
	[consumers]="hpcap40g's consumer threads per queue; in hpcap each capture program attaches to a queue by itself (up to 16 per queue)"
	[basedir]="HPCAP's source directory; hpcap's scripts find their files themselves"
	[version]="HPCAP's driver version; hpcap has one module for every supported NIC"
	[nr_req]="block-queue depth of HPCAP's disk helper; hpcap does not mount disks"
)
declare -gA HPCAP_IGNORED_IF_KEYS=(
	[ntxq]="TX queues; hpcap's capture ports only receive"
	[ip]="an address for a mode-1 port; set it with wake_standard_iface.bash or the system's network configuration"
	[mask]="a netmask for a mode-1 port; set it with wake_standard_iface.bash or the system's network configuration"
)

declare -gA CFG=() CFG_LINE=()
CFG_FILE=""

# cfg_fail KEY PROBLEM ALLOWED: the error for a key, with its line, value
# and what is allowed, then exit 1
cfg_fail() {
	local key=$1 where
	if [ -n "${CFG_LINE[$key]:-}" ]; then
		where="$CFG_FILE:${CFG_LINE[$key]}: $key=${CFG[$key]}"
	else
		where="$CFG_FILE: $key"
	fi
	die "$where: $2${3:+; allowed: $3}"
}
# cfg_where KEY: "FILE:LINE: KEY=VALUE", for warnings and notes
cfg_where() {
	if [ -n "${CFG_LINE[$1]:-}" ]; then
		echo "$CFG_FILE:${CFG_LINE[$1]}: $1=${CFG[$1]}"
	else
		echo "$CFG_FILE: $1"
	fi
}
# note TEXT: how an HPCAP form was read (stderr; not a problem)
note() { printf '%s: note: %s\n' "$PROG" "$*" >&2; }
# cfg_warn / cfg_note: once per file and run: a script that install_hpcap.bash
# starts (the monitors) reads the same file and keeps quiet about it
# (HPCAP_CFG_TOLD, exported once told).
cfg_warn() { [ "${HPCAP_CFG_TOLD:-}" = "$CFG_FILE" ] || warn "$@"; }
cfg_note() { [ "${HPCAP_CFG_TOLD:-}" = "$CFG_FILE" ] || note "$@"; }

# cfg_load FILE: read params.cfg into CFG (key -> value) and CFG_LINE.
# Lines are "key=value", blank or "# comment"; a value may be quoted with
# "" or '', and an unquoted one ends at " #".  Blanks around the key, the
# "=" and the value, and one ";" ending the value (HPCAP's files end every
# line with it: "nrxq=1;"), are not part of it.  HPCAP keys hpcap has no
# use for are kept out of CFG with a warning.  The file is parsed, never
# run as shell code.
cfg_load() {
	local file=$1 n=0 line key val known base
	CFG=() CFG_LINE=()
	CFG_FILE=$file
	[ -e "$file" ] || die "$file: no such file ($(cfg_missing_hint))"
	[ -r "$file" ] || die "$file: cannot read it (permissions?)"
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		line=${line%$'\r'}
		[[ $line =~ ^[[:space:]]*(#.*)?$ ]] && continue
		if ! [[ $line =~ ^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*=[[:space:]]*(.*)$ ]]; then
			die "$file:$n: '$line' is not a setting; allowed: key=value, a comment (#) or an empty line"
		fi
		key=${BASH_REMATCH[1]} val=${BASH_REMATCH[2]}
		if [[ $val =~ ^\"([^\"]*)\"[[:space:]]*\;?[[:space:]]*(#.*)?$ ]] || [[ $val =~ ^\'([^\']*)\'[[:space:]]*\;?[[:space:]]*(#.*)?$ ]]; then
			val=${BASH_REMATCH[1]}
		elif [[ $val == [\"\']* ]]; then
			die "$file:$n: $key=$val: the quote is not closed; allowed: a value in matching quotes"
		else
			[[ $val =~ ^(.*[^[:space:]]|)[[:space:]]+#.*$ ]] && val=${BASH_REMATCH[1]}
			[[ $val == \#* ]] && val=""
			val=${val%"${val##*[![:space:]]}"}
			# HPCAP's "key=value;"
			if [[ $val == *\; ]]; then
				val=${val%\;}
				val=${val%"${val##*[![:space:]]}"}
			fi
		fi
		known=0
		if [[ " $HPCAP_GLOBAL_KEYS " == *" $key "* ]]; then
			known=1
		elif [[ $key =~ ^([a-z_]+[a-z])([0-9]+)$ ]] && [[ " $HPCAP_IF_KEYS " == *" ${BASH_REMATCH[1]} "* ]]; then
			known=1
		fi
		if [ $known = 0 ]; then
			base=""
			[[ $key =~ ^([a-z_]+[a-z])([0-9]+)$ ]] && base=${BASH_REMATCH[1]}
			if [ -n "${HPCAP_IGNORED_KEYS[$key]:-}" ]; then
				cfg_warn "$file:$n: $key=$val: ignored: ${HPCAP_IGNORED_KEYS[$key]}"
				continue
			elif [ -n "$base" ] && [ -n "${HPCAP_IGNORED_IF_KEYS[$base]:-}" ]; then
				cfg_warn "$file:$n: $key=$val: ignored: ${HPCAP_IGNORED_IF_KEYS[$base]}"
				continue
			fi
			local g=${HPCAP_GLOBAL_KEYS// /, } p=${HPCAP_IF_KEYS// /<i>, }
			die "$file:$n: $key=$val: unknown key; allowed: $g, and per interface i (its place in ifs, from 0): $p<i>"
		fi
		if [ -n "${CFG_LINE[$key]:-}" ]; then
			die "$file:$n: $key=$val: $key is already set on line ${CFG_LINE[$key]}; allowed: each key once"
		fi
		CFG[$key]=$val
		CFG_LINE[$key]=$n
	done <"$file"
	return 0
}

# cfg KEY [DEFAULT]: a setting's value; cfgv VAR KEY [DEFAULT]: into VAR
cfg() {
	if [ -n "${CFG[$1]+x}" ]; then echo "${CFG[$1]}"; else echo "${2:-}"; fi
}
cfgv() {
	local -n _cv=$1
	if [ -n "${CFG[$2]+x}" ]; then _cv=${CFG[$2]}; else _cv=${3:-}; fi
}
cfg_set() { [ -n "${CFG[$1]+x}" ]; }

# cfg_int VAR KEY DEFAULT MIN MAX ALLOWED-TEXT: an integer setting, checked
cfg_int() {
	local -n _ci=$1
	local key=$2 v
	cfgv v "$key" "$3"
	is_int "$v" || cfg_fail "$key" "not a number" "$6"
	if [[ $v == -* ]]; then v=$((-10#${v#-})); else v=$((10#$v)); fi
	{ [ "$v" -ge "$4" ] && [ "$v" -le "$5" ]; } || cfg_fail "$key" "out of range" "$6"
	_ci=$v
}

# cfg_keep_args VAR I: hpcapdd's retention options for the queues of
# interface I into the array VAR (empty: no retention), from keep_free<I>,
# keep_size<I> and keep_age<I>, each falling back to the key without an
# index.  Checked here with hpcapdd's own rules, so that install_hpcap.bash
# --check refuses what hpcapdd would (and names the key).
#   keep_free  PCT% (1 to 99) of the file system, or a size, kept free
#   keep_size  the queue's files add up to at most this size (>= 1M)
#   keep_age   files older than this go: a whole number with s, m, h or d
cfg_keep_args() {
	local -n _ka=$1
	local i=$2 k key v n
	_ka=()
	for k in keep_free keep_size keep_age; do
		key=$k$i
		cfg_set "$key" || key=$k
		cfg_set "$key" || continue
		cfgv v "$key"
		[ -n "$v" ] || continue
		case $k in
		keep_free)
			if [[ $v =~ ^([0-9]{1,3})%$ ]]; then
				n=$((10#${BASH_REMATCH[1]}))
				{ [ "$n" -ge 1 ] && [ "$n" -le 99 ]; } ||
					cfg_fail "$key" "out of range" "1% to 99% of the file system, or a size such as 50G"
			else
				{ size_of n "$v" && [ "$n" -gt 0 ]; } ||
					cfg_fail "$key" "not a percentage or a size" "1% to 99% of the file system, or a size such as 50G"
			fi
			;;
		keep_size)
			{ size_of n "$v" && [ "$n" -ge $((1 << 20)) ]; } ||
				cfg_fail "$key" "not a size of at least 1M" "a size such as 500G (each queue's files add up to at most this)"
			;;
		keep_age)
			[[ $v =~ ^([0-9]{1,9})(s|m|min|h|d)?$ ]] && [ "$((10#${BASH_REMATCH[1]}))" -gt 0 ] ||
				cfg_fail "$key" "not a duration" "a whole number of seconds, or with m, h or d: 12h, 7d"
			case ${BASH_REMATCH[2]} in
			"" | s) n=1 ;; m | min) n=60 ;; h) n=3600 ;; d) n=86400 ;;
			esac
			[ "$((10#${BASH_REMATCH[1]} * n))" -le $((366 * 86400)) ] ||
				cfg_fail "$key" "more than a year" "at most 366d"
			;;
		esac
		_ka+=("--${k/_/-}" "$v")
	done
	return 0
}

# cfg_bool VAR KEY DEFAULT
cfg_bool() {
	local -n _cb=$1
	local v
	cfgv v "$2" "$3"
	case $v in
	0 | 1) _cb=$v ;;
	*) cfg_fail "$2" "not 0 or 1" "0 (off) or 1 (on)" ;;
	esac
}

# The validated configuration, per interface index i:
#   IF_SPEC (as written in ifs), IF_NAME (netdev now, "" if none), IF_PCI,
#   IF_MODE (1, 2, 3, mirror, drop, xdp), IF_CHIP, IF_CORE ("" = not set),
#   IF_NRXQ, IF_BUF (bytes per queue), IF_NQ (queues the buffers are for),
#   IF_CAPLEN, IF_DUP, IF_VEL, IF_JUMBO, IF_APPCORES, IF_HPNAME (the
#   HPCAP name hpcapN/xgbN ifs gave it, or ""), IF_BUFKEY (the key the
#   buffer size came from), IF_XDPMODE (mode xdp: the XDP modes allowed,
#   hpcap-xdp -M)
# CFG_NOTES: how HPCAP forms of the file were read, one line each, for the
# plan (not problems: the file is valid).
declare -ga IF_SPEC=() IF_NAME=() IF_PCI=() IF_MODE=() IF_CHIP=() IF_CORE=()
declare -ga IF_NRXQ=() IF_BUF=() IF_NQ=() IF_CAPLEN=() IF_DUP=() IF_VEL=()
declare -ga IF_JUMBO=() IF_APPCORES=() IF_KEEP=() IF_PCIID=() IF_HPNAME=() IF_BUFKEY=() IF_XDPMODE=()
declare -ga CFG_NOTES=()
NIF=0
declare -gA POLL_CORE_OWNER=()

# state_lookup NAME: the PCI address a previous install recorded for an
# interface name (it is hpcapN now, or gone)
state_lookup() {
	local f=$HPCAP_RUNDIR/ports spec pci
	[ -r "$f" ] || return 0
	# lines: index spec netdev pci mode promisc
	while read -r _ spec _ pci _; do
		[ "$spec" = "$1" ] && [ "$pci" != - ] && { echo "$pci"; return 0; }
	done <"$f"
	return 0
}

# current_buffers_bytes: memory the loaded module's buffers take now
current_buffers_bytes() {
	local f sum=0
	for f in "$HPCAP_SYSFS"/class/hpcap/hpcap_*_*/buf_size; do
		[ -r "$f" ] && sum=$((sum + $(<"$f")))
	done
	echo "$sum"
}

is_native() { [ "$1" = 2 ] || [ "$1" = 3 ]; }
is_generic() { [ "$1" = mirror ] || [ "$1" = drop ]; }
is_xdp() { [ "$1" = xdp ]; }
# is_polled MODE: the port's queues each have a thread of their own, pinned
# from core<i> on (the module's poll threads, hpcap-xdp's queue threads)
is_polled() { is_native "$1" || is_xdp "$1"; }
# need_module: a port of the validated configuration needs hpcap.ko (an
# xdp-only configuration does not)
need_module() {
	local i
	for ((i = 0; i < NIF; i++)); do
		if is_native "${IF_MODE[i]}" || is_generic "${IF_MODE[i]}"; then return 0; fi
	done
	return 1
}

# hpcap-xdp's memory per queue beside its buffer: the UMEM, 16384 frames
# of 4 KiB by default (hpcap-xdp --umem-frames, --frame-size); and the
# largest frame a UMEM frame holds (4096 - 256 bytes of headroom), as an
# MTU (less the Ethernet header and one VLAN tag).
XDP_UMEM_BYTES=$((16384 * 4096))
XDP_MAX_MTU=$((4096 - 256 - 18))

# cpu_nodes_load: CPU_NODE[cpu] = its NUMA node, from the nodes' cpulists
declare -gA CPU_NODE=() NODE_CPUS=()
cpu_nodes_load() {
	local n l c
	local -a cl
	CPU_NODE=() NODE_CPUS=()
	for n in "$HPCAP_SYSFS"/devices/system/node/node[0-9]*; do
		read -r l 2>/dev/null <"$n/cpulist" || continue
		NODE_CPUS[${n##*node}]=$l
		expand_list_a cl "$l"
		for c in "${cl[@]}"; do CPU_NODE[$c]=${n##*node}; done
	done
}

# poll_placement_warnings: where the poll threads of the validated
# configuration run, against where the HPCAP guide says they belong: on
# their NIC's NUMA node (else every frame crosses between the nodes), one
# physical core each (two poll threads on hyperthreads of one core share
# it).  Warnings, not errors: the file is still valid.
poll_placement_warnings() {
	local i q c nn pn bad s
	local -a sib
	cpu_nodes_load
	for ((i = 0; i < NIF; i++)); do
		is_polled "${IF_MODE[i]}" && [ -n "${IF_PCI[i]}" ] || continue
		pn=$(pci_numa_node "${IF_PCI[i]}")
		[ "$pn" -ge 0 ] 2>/dev/null || continue
		bad="" nn=""
		for ((q = 0; q < IF_NRXQ[i]; q++)); do
			c=$((IF_CORE[i] + q))
			[ -n "${CPU_NODE[$c]:-}" ] || continue
			if [ "${CPU_NODE[$c]}" != "$pn" ]; then
				bad+="${bad:+,}$c"
				[[ " $nn " == *" ${CPU_NODE[$c]} "* ]] || nn+="${nn:+ }${CPU_NODE[$c]}"
			fi
		done
		[ -n "$bad" ] || continue
		cfg_warn "$(cfg_where "core$i"): ${IF_SPEC[i]} (${IF_PCI[i]}) is on NUMA node $pn, and its poll thread(s) run on core(s) $bad of node ${nn// /, }: every frame would cross between the nodes; give it cores of node $pn (${NODE_CPUS[$pn]:-?}), as gen-hpcap-config does"
	done
	local -a pc
	mapfile -t pc < <(printf '%s\n' "${!POLL_CORE_OWNER[@]}" | sort -n)
	for c in "${pc[@]}"; do
		[ -n "$c" ] || continue
		read -r s 2>/dev/null <"$HPCAP_SYSFS/devices/system/cpu/cpu$c/topology/thread_siblings_list" || continue
		expand_list_a sib "$s"
		for s in "${sib[@]}"; do
			if [ "$s" -gt "$c" ] && [ -n "${POLL_CORE_OWNER[$s]:-}" ]; then
				cfg_warn "poll threads on cores $c (${POLL_CORE_OWNER[$c]}) and $s (${POLL_CORE_OWNER[$s]}) are hyperthreads of one physical core, and each wants a whole core: move one (gen-hpcap-config leaves a poll core's sibling idle)"
			fi
		done
	done
	return 0
}

# cfg_validate: check the whole loaded configuration against this machine;
# the first problem ends the program with the key, its value and what is
# allowed.  Fills the IF_* arrays.  Changes nothing.
cfg_validate() {
	local ifs spec i n key v pci name ncpu maxcpu mode chip q c buf nq
	local -A seen=()
	IF_SPEC=() IF_NAME=() IF_PCI=() IF_MODE=() IF_CHIP=() IF_CORE=() IF_NRXQ=()
	IF_BUF=() IF_NQ=() IF_CAPLEN=() IF_DUP=() IF_VEL=() IF_JUMBO=() IF_APPCORES=() IF_KEEP=()
	IF_HPNAME=() IF_BUFKEY=() IF_XDPMODE=() CFG_NOTES=()
	POLL_CORE_OWNER=()
	cpus_load
	meminfo_load
	ncpu=${#CPUS[@]}
	maxcpu=$((ncpu - 1))

	cfg_set ifs || cfg_fail ifs "is not set" "the interfaces to use, by name or PCI address: ifs=\"eth1 eth2\""
	cfgv ifs ifs
	read -r -a IF_SPEC <<<"$ifs"
	NIF=${#IF_SPEC[@]}
	[ "$NIF" -gt 0 ] || cfg_fail ifs "lists no interface" "one or more interface names or PCI addresses"
	[ "$NIF" -le 32 ] || cfg_fail ifs "lists $NIF interfaces" "at most 32 (the module's adapter numbers 0-31)"
	# nif: hpcap counts ifs.  HPCAP's nif was the number of ports its
	# driver took on the machine, which may be more than ifs lists: then it
	# is ignored, with a warning.
	local hnif=0
	if cfg_set nif; then
		cfgv v nif
		is_uint "$v" || cfg_fail nif "not a number" "the number of interfaces in ifs ($NIF), or leave nif out"
		hnif=$((10#$v))
		if [ "$hnif" -ne "$NIF" ]; then
			cfg_warn "$(cfg_where nif): ignored: ifs lists $NIF interface(s), and hpcap takes them from ifs (HPCAP's nif counted every port of its driver)"
		fi
	fi
	# Per-interface keys must name an interface of ifs.  HPCAP's files
	# also set them for ports ifs does not list, up to nif: those are
	# ignored, with a warning (the ports stay with their driver).
	local -a beyond=()
	for key in "${!CFG[@]}"; do
		if [[ $key =~ ^([a-z_]+[a-z])([0-9]+)$ ]] && [[ " $HPCAP_IF_KEYS " == *" ${BASH_REMATCH[1]} "* ]]; then
			i=$((10#${BASH_REMATCH[2]}))
			[ "$i" -lt "$NIF" ] && continue
			if [ "$i" -lt "$hnif" ]; then
				beyond+=("$key")
				continue
			fi
			cfg_fail "$key" "ifs lists $NIF interface(s), so there is no interface $i" "${BASH_REMATCH[1]}0 to ${BASH_REMATCH[1]}$((NIF - 1))"
		fi
	done
	if [ ${#beyond[@]} -gt 0 ]; then
		mapfile -t beyond < <(printf '%s\n' "${beyond[@]}" | sort -V)
		local bl
		bl=$(IFS=,; echo "${beyond[*]}")
		cfg_warn "$CFG_FILE: ${bl//,/, }: ignored: ifs lists $NIF interface(s), and these are for ports it does not list (HPCAP's nif=$hnif ports; they stay with their driver)"
		for key in "${beyond[@]}"; do unset "CFG[$key]" "CFG_LINE[$key]"; done
	fi

	# Which interface is which, before anything is unbound: names become
	# hpcapN once their port is bound to hpcap.
	for ((i = 0; i < NIF; i++)); do
		spec=${IF_SPEC[i]}
		name="" pci=""
		IF_HPNAME[i]=""
		if [[ $spec =~ ^(hpcap|xgb)([0-9]+)$ ]] && hpcap_name_resolve pci "$spec"; then
			# HPCAP's name: the N-th port in PCI order (even when a
			# network interface has that name: hpcap's own hpcap<i> are
			# named after their place in ifs, HPCAP's after N)
			IF_HPNAME[i]=$spec
			first_netdev name "$pci"
		elif is_pci_addr "$spec"; then
			pci=${spec,,}
			[[ $pci =~ ^[0-9a-f]{4}: ]] || pci=0000:$pci
			pci_exists "$pci" || cfg_fail ifs "$spec: no PCI device has this address (lspci -D lists them)" "names of present interfaces or addresses of present PCI devices"
			first_netdev name "$pci"
		elif netdev_exists "$spec"; then
			name=$spec
			pci=""
			read_pci_slot pci "$spec"
		else
			pci=$(state_lookup "$spec")
			if [[ $spec =~ ^(hpcap|xgb)([0-9]+)$ ]]; then
				local hn=("${HPCAP_NAME_PORTS[@]}")
				cfg_fail ifs "$spec: HPCAP's name for port ${BASH_REMATCH[2]} of the Intel 82576/82599 ports in PCI order (counting from 0), and this machine has ${#hn[@]}${hn[*]:+ (${hn[*]})}" "hpcap<N> or xgb<N> with N below ${#hn[@]}, names of present interfaces, or PCI addresses"
			fi
			if [ -z "$pci" ] || ! pci_exists "$pci" || [ "$(pci_driver "$pci")" != hpcap ]; then
				cfg_fail ifs "$spec: no such network interface (present: $(ls "$HPCAP_SYSFS/class/net" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'))" "names of present interfaces, or PCI addresses"
			fi
			first_netdev name "$pci"
		fi
		key=${pci:-$name}
		[ -z "${seen[$key]:-}" ] || cfg_fail ifs "$spec is the same port as ${seen[$key]}" "each port once"
		seen[$key]=$spec
		IF_NAME[i]=$name
		IF_PCI[i]=$pci
		IF_CHIP[i]=""
		if [ -n "$pci" ]; then
			local vid did
			read -r vid <"$HPCAP_SYSFS/bus/pci/devices/$pci/vendor"
			read -r did <"$HPCAP_SYSFS/bus/pci/devices/$pci/device"
			IF_CHIP[i]=${HPCAP_CHIPS[${vid#0x}:${did#0x}]:-}
			IF_PCIID[i]=${vid#0x}:${did#0x}
		fi
	done

	# Modes.
	for ((i = 0; i < NIF; i++)); do
		key=mode$i
		cfg_set "$key" || cfg_fail "$key" "is not set (ifs lists ${IF_SPEC[i]} as interface $i)" "1 (standard driver), 2 (hpcap), 3 (hpcap, 2 MiB pages), mirror or drop (generic capture), xdp (AF_XDP, hpcap-xdp)"
		cfgv mode "$key"
		case $mode in
		1 | 2 | 3 | mirror | drop | xdp) ;;
		*) cfg_fail "$key" "unknown mode" "1 (standard driver), 2 (hpcap), 3 (hpcap, 2 MiB pages), mirror or drop (generic capture), xdp (AF_XDP, hpcap-xdp)" ;;
		esac
		if is_native "$mode" && [ -z "${IF_CHIP[i]}" ]; then
			if [ -z "${IF_PCI[i]}" ]; then
				cfg_fail "$key" "${IF_SPEC[i]} is not a PCI network port" "xdp, mirror or drop (generic capture) or 1 for this interface"
			fi
			cfg_fail "$key" "${IF_SPEC[i]} (${IF_PCI[i]}) is a ${IF_PCIID[i]} device, and hpcap's native driver drives copper Intel 82576 and SFP+ 82599 ports only" "xdp (AF_XDP), mirror or drop (generic capture) or 1 for this port"
		fi
		if is_generic "$mode" || is_xdp "$mode"; then
			if [ -z "${IF_NAME[i]}" ] && [ ! -e "$HPCAP_SYSFS/bus/pci/drivers/hpcap/${IF_PCI[i]}" ]; then
				cfg_fail "$key" "${IF_SPEC[i]} has no network interface (no driver bound to it)" "2 or 3 for an Intel 82576/82599 port, or bind its driver first"
			fi
			local mtu=0
			if is_xdp "$mode" && [ -n "${IF_NAME[i]}" ]; then
				rd mtu "$HPCAP_SYSFS/class/net/${IF_NAME[i]}/mtu" 0
				if [ "$mtu" -gt "$XDP_MAX_MTU" ]; then
					cfg_warn "$(cfg_where "$key"): ${IF_NAME[i]}'s MTU is $mtu, and hpcap-xdp keeps frames of up to $((XDP_MAX_MTU + 18)) bytes (a 4 KiB UMEM frame less its headroom): longer ones are dropped and counted as XDP losses; use mode mirror or drop for jumbo frames, or an MTU of at most $XDP_MAX_MTU"
				fi
			fi
			local t=""
			[ -z "${IF_NAME[i]}" ] || read -r t 2>/dev/null <"$HPCAP_SYSFS/class/net/${IF_NAME[i]}/type" || t=""
			if [ -n "${IF_NAME[i]}" ] && [ "$t" != 1 ]; then
				cfg_fail "$key" "${IF_NAME[i]} is not an Ethernet interface (RAW files hold Ethernet frames)" "an Ethernet interface"
			fi
		fi
		IF_MODE[i]=$mode
	done

	# HPCAP's names: how they were read.
	local hp_used=0
	for ((i = 0; i < NIF; i++)); do
		[ -n "${IF_HPNAME[i]}" ] || continue
		hp_used=1
		[[ ${IF_HPNAME[i]} =~ ^(hpcap|xgb)([0-9]+)$ ]]
		if [ "${BASH_REMATCH[1]}" = xgb ] && is_native "${IF_MODE[i]}"; then
			CFG_NOTES+=("ifs: ${IF_HPNAME[i]} is HPCAP's name for a port left to its driver, and mode$i=${IF_MODE[i]} captures it: the mode decides, as in HPCAP")
		elif [ "${BASH_REMATCH[1]}" = hpcap ] && ! is_native "${IF_MODE[i]}"; then
			CFG_NOTES+=("ifs: ${IF_HPNAME[i]} is HPCAP's name for a captured port, and mode$i=${IF_MODE[i]}: the mode decides, as in HPCAP")
		fi
		if [ "$((10#${BASH_REMATCH[2]}))" != "$i" ] && is_native "${IF_MODE[i]}"; then
			CFG_NOTES+=("ifs: ${IF_HPNAME[i]} is interface $i in ifs, so it is captured as hpcap$i with its keys ending in $i (HPCAP wanted ifs in port order, without gaps)")
		fi
	done
	if [ "$hp_used" = 1 ]; then
		local fam="" p2
		for p2 in "${HPCAP_NAME_PORTS[@]}"; do
			fam+=" $(pci_id "$p2")"
		done
		local f82576=0 f82599=0 id2
		for id2 in $fam; do
			case ${HPCAP_NAMING_IDS[$id2]} in 82576) f82576=1 ;; *) f82599=1 ;; esac
		done
		if [ "$f82576" = 1 ] && [ "$f82599" = 1 ]; then
			cfg_warn "ifs: hpcap<N>/xgb<N> count this machine's 82576 and 82599 ports together, in PCI order; HPCAP counted only the ports its driver took (the 82599 family): if this file comes from an HPCAP machine, check which port each name became (install_hpcap.bash --check), or name the ports by PCI address"
		fi
	fi

	# Queues, buffers, frames.
	local gnrxq
	cfgv gnrxq nrxq ""
	if [ -n "$gnrxq" ]; then
		{ is_uint "$gnrxq" && [ "$((10#$gnrxq))" -le 32 ]; } ||
			cfg_fail nrxq "not a number of queues" "1 to 32 (0 for generic capture: one per RX queue)"
		gnrxq=$((10#$gnrxq))
	fi
	local total=0 huge_total=0 maxq
	for ((i = 0; i < NIF; i++)); do
		mode=${IF_MODE[i]}
		chip=${IF_CHIP[i]}
		# nrxq
		cfgv v "nrxq$i" "$gnrxq"
		key=nrxq$i
		cfg_set "$key" || key=nrxq
		if is_native "$mode"; then
			maxq=${HPCAP_CHIP_QUEUES[$chip]}
			v=${v:-1}
			{ is_uint "$v" && [ "$((10#$v))" -ge 1 ] && [ "$((10#$v))" -le "$maxq" ]; } ||
				cfg_fail "$key" "the $chip of ${IF_SPEC[i]} has $maxq RX queues" "1 to $maxq"
			IF_NRXQ[i]=$((10#$v))
			IF_NQ[i]=${IF_NRXQ[i]}
		elif is_xdp "$mode"; then
			# hpcap-xdp captures RX queues 0 to nrxq-1: at most what the
			# NIC has now (ethtool -l shows them, ethtool -L changes them)
			n=0
			if [ -n "${IF_NAME[i]}" ]; then
				local xq
				for xq in "$HPCAP_SYSFS/class/net/${IF_NAME[i]}/queues"/rx-*; do [ -e "$xq" ] && n=$((n + 1)); done
			fi
			[ "$n" -ge 1 ] || n=1
			[ "$n" -le 64 ] || n=64
			v=${v:-0}
			{ is_uint "$v" && [ "$((10#$v))" -le "$n" ]; } ||
				cfg_fail "$key" "${IF_NAME[i]:-${IF_SPEC[i]}} has $n RX queue(s) (ethtool -L changes that)" "0 (all $n) or 1 to $n"
			IF_NRXQ[i]=$((10#$v))
			[ "${IF_NRXQ[i]}" -gt 0 ] || IF_NRXQ[i]=$n
			IF_NQ[i]=${IF_NRXQ[i]}
		elif is_generic "$mode"; then
			v=${v:-0}
			{ is_uint "$v" && [ "$((10#$v))" -le 32 ]; } ||
				cfg_fail "$key" "not a number of queues" "0 (one per RX queue of the interface) to 32"
			IF_NRXQ[i]=$((10#$v))
			n=0
			if [ -n "${IF_NAME[i]}" ]; then
				local rq
				for rq in "$HPCAP_SYSFS/class/net/${IF_NAME[i]}/queues"/rx-*; do [ -e "$rq" ] && n=$((n + 1)); done
			fi
			[ "$n" -ge 1 ] || n=1
			[ "$n" -le 32 ] || n=32
			if [ "${IF_NRXQ[i]}" -gt 0 ] && [ "${IF_NRXQ[i]}" -lt "$n" ]; then n=${IF_NRXQ[i]}; fi
			IF_NQ[i]=$n
		else
			IF_NRXQ[i]=0
			IF_NQ[i]=0
		fi
		# buffer per queue
		IF_BUF[i]=0
		IF_BUFKEY[i]=""
		if [ "${IF_NQ[i]}" -gt 0 ]; then
			local bkeys=() k unit=$((1 << 20)) unit_text="1 MiB"
			[ "$mode" = 3 ] && unit=$((2 << 20)) unit_text="2 MiB"
			for k in "pages$i" "bufsize$i" "hugesize$i"; do cfg_set "$k" && bkeys+=("$k"); done
			# HPCAP's files give a mode-3 port both pages<i> and
			# hugesize<i>: HPCAP's mode 3 took hugesize, its mode 2 pages.
			if [ ${#bkeys[@]} = 2 ] && [ "${bkeys[0]}" = "pages$i" ] && [ "${bkeys[1]}" = "hugesize$i" ]; then
				if [ "$mode" = 3 ]; then
					CFG_NOTES+=("$(cfg_where "pages$i") is not used: mode 3 takes its buffer from hugesize$i, as HPCAP did")
					bkeys=("hugesize$i")
				else
					CFG_NOTES+=("$(cfg_where "hugesize$i") is not used: mode $mode takes its buffer from pages$i (hugesize is mode 3's, as in HPCAP)")
					bkeys=("pages$i")
				fi
			fi
			if [ ${#bkeys[@]} -gt 1 ]; then
				cfg_fail "${bkeys[1]}" "${bkeys[0]} sets the buffer of interface $i already" "one of pages$i, bufsize$i or hugesize$i"
			fi
			buf=$((64 << 20))
			if [ ${#bkeys[@]} = 1 ]; then
				key=${bkeys[0]}
				IF_BUFKEY[i]=$key
				cfgv v "$key"
				case $key in
				pages*)
					{ is_uint "$v" && [ "$((10#$v))" -gt 0 ] && [ "$((10#$v))" -le $((1 << 40)) ]; } ||
						cfg_fail "$key" "not a number of pages" "a positive number of 4 KiB pages (256 = 1 MiB)"
					buf=$((10#$v * 4096))
					# HPCAP took any number of pages; hpcap's buffers are
					# whole MiB (2 MiB in mode 3): round up, and say so.
					if [ $((buf % unit)) != 0 ]; then
						buf=$(((buf + unit - 1) / unit * unit))
						CFG_NOTES+=("$(cfg_where "$key"): $((10#$v)) pages of 4 KiB rounded up to $((buf >> 20)) MiB (buffers are whole multiples of $unit_text)")
					fi
					;;
				hugesize*)
					[ "$mode" = 3 ] || cfg_fail "$key" "hugesize is the buffer of mode 3; interface $i is in mode $mode" "bufsize$i or pages$i for this mode"
					size_of buf "$v" || cfg_fail "$key" "not a size" "a size in bytes or with K, M, G (or KB, MB, GB), e.g. 1G or 2GB; rounded up to 2 MiB"
					[ "$buf" -gt 0 ] || cfg_fail "$key" "an empty buffer" "a positive size, e.g. 512M"
					# As HPCAP, aligned to the 2 MiB page at run time.
					if [ $((buf % unit)) != 0 ]; then
						buf=$(((buf + unit - 1) / unit * unit))
						CFG_NOTES+=("$(cfg_where "$key"): rounded up to $((buf >> 20)) MiB (whole 2 MiB pages, as HPCAP did)")
					fi
					;;
				*)
					size_of buf "$v" || cfg_fail "$key" "not a size" "a multiple of 1 MiB, in bytes or with K, M or G (e.g. 512M)"
					{ [ "$buf" -gt 0 ] && [ $((buf % (1 << 20))) = 0 ]; } ||
						cfg_fail "$key" "not a whole number of MiB" "a positive multiple of 1 MiB (e.g. 512M)"
					;;
				esac
				if [ "$mode" = 3 ] && [ $((buf % (2 << 20))) != 0 ]; then
					cfg_fail "$key" "mode 3 buffers are made of 2 MiB pages" "a positive multiple of 2 MiB"
				fi
			fi
			IF_BUF[i]=$buf
			total=$((total + IF_NQ[i] * buf))
			[ "$mode" = 3 ] && huge_total=$((huge_total + IF_NQ[i] * buf))
		fi
		# caplen, dup, vel, jumbo
		cfgv v "caplen$i" 0
		{ is_uint "$v" && [ "$((10#$v))" -le 65523 ]; } ||
			cfg_fail "caplen$i" "not a frame length" "0 (whole frames) or 1 to 65523 bytes"
		IF_CAPLEN[i]=$((10#$v))
		cfg_bool "IF_DUP[$i]" "dup$i" 0
		if [ "${IF_DUP[i]}" = 1 ] && ! is_native "$mode"; then
			cfg_fail "dup$i" "duplicate removal needs the NIC's RSS hash: modes 2 and 3 only; interface $i is in mode $mode" "0"
		fi
		IF_XDPMODE[i]=""
		if is_xdp "$mode"; then
			cfgv v "xdpmode$i" zc,copy
			local xm xok=1
			[[ ,$v, =~ ^(,(zc|copy|skb))+,$ ]] || xok=0
			for xm in zc copy skb; do
				if [[ ,$v, == *,$xm,*,$xm,* ]]; then xok=0; fi
			done
			[ "$xok" = 1 ] ||
				cfg_fail "xdpmode$i" "not a list of XDP modes" "zc, copy and skb, comma-separated, each once (default zc,copy; skb is generic XDP, for drivers without XDP)"
			IF_XDPMODE[i]=$v
		elif cfg_set "xdpmode$i"; then
			cfg_fail "xdpmode$i" "a setting of mode xdp; interface $i is in mode $mode" "leave it out, or mode$i=xdp"
		fi
		cfg_bool "IF_JUMBO[$i]" "jumbo$i" 0
		if [ "${IF_JUMBO[i]}" = 1 ] && ! is_native "$mode"; then
			cfg_fail "jumbo$i" "jumbo is a setting of hpcap's native driver; interface $i is in mode $mode (set the MTU with ip link instead)" "0"
		fi
		cfgv v "vel$i" 0
		is_uint "$v" || cfg_fail "vel$i" "not a speed" "0 (autonegotiate) or a speed in Mb/s"
		v=$((10#$v))
		if is_native "$mode"; then
			[[ " ${HPCAP_CHIP_SPEEDS[$chip]} " == *" $v "* ]] ||
				cfg_fail "vel$i" "the $chip cannot run at $v Mb/s" "${HPCAP_CHIP_SPEEDS[$chip]// /, } (0 = autonegotiate)"
		else
			[[ " 0 10 100 1000 2500 5000 10000 25000 40000 50000 100000 " == *" $v "* ]] ||
				cfg_fail "vel$i" "not an Ethernet speed" "0 (autonegotiate), 10, 100, 1000, 2500, 5000, 10000, 25000, 40000, 50000 or 100000"
			if [ "$v" != 0 ] && [ -z "${IF_PCI[i]}" ]; then
				cfg_fail "vel$i" "${IF_SPEC[i]} is not a physical port" "0"
			fi
		fi
		IF_VEL[i]=$v
	done

	# Cores: poll threads of native ports and hpcap-xdp's queue threads
	# (queue q on core<i>+q; -1 = the last cores, counting down past those
	# earlier -1 ports took, as the module does), the one core that takes
	# the interrupts of a standard or generic port.  The module and
	# hpcap-xdp are given explicit cores, so that the binding order cannot
	# change them.
	local auto=0 top
	for ((i = 0; i < NIF; i++)); do
		mode=${IF_MODE[i]}
		key=core$i
		IF_CORE[i]=""
		if is_polled "$mode"; then
			cfgv v "$key" -1
		elif cfg_set "$key"; then
			cfgv v "$key"
		else
			continue
		fi
		is_int "$v" || cfg_fail "$key" "not a core number" "-1 (the last cores) or 0 to $maxcpu"
		if [[ $v == -* ]]; then c=$((-10#${v#-})); else c=$((10#$v)); fi
		{ [ "$c" -ge -1 ] && [ "$c" -le "$maxcpu" ]; } ||
			cfg_fail "$key" "out of range: this machine has $ncpu online CPUs" "-1 (the last cores) or 0 to $maxcpu"
		if ! is_polled "$mode"; then
			[ "$c" -ge 0 ] || c=$maxcpu
			IF_CORE[i]=$c
			continue
		fi
		nq=${IF_NRXQ[i]}
		if [ "$c" -ge 0 ]; then
			if [ $((c + nq - 1)) -gt "$maxcpu" ]; then
				cfg_fail "$key" "with $nq queues, queue $((nq - 1)) would poll on core $((c + nq - 1)), and this machine has cores 0 to $maxcpu" "-1 or 0 to $((maxcpu - nq + 1))"
			fi
		else
			top=$((maxcpu - auto))
			if [ $((top - nq + 1)) -lt 0 ]; then
				cfg_fail "$key" "counting down from the last core, past the $auto core(s) earlier ports at -1 took, $nq poll thread(s) do not fit in $ncpu CPUs" "explicit cores, or fewer queues"
			fi
			c=$((top - nq + 1))
			auto=$((auto + nq))
		fi
		IF_CORE[i]=$c
		for ((q = 0; q < nq; q++)); do
			n=$((c + q))
			if [ -n "${POLL_CORE_OWNER[$n]:-}" ]; then
				cfg_fail "$key" "a poll thread of this port would run on core $n, where ${POLL_CORE_OWNER[$n]} polls already (a poll thread keeps its core busy)" "cores no other poll thread uses"
			fi
			POLL_CORE_OWNER[$n]="interface $i (${IF_SPEC[i]}) queue $q"
		done
	done
	poll_placement_warnings
	for ((i = 0; i < NIF; i++)); do
		c=${IF_CORE[i]}
		if ! is_polled "${IF_MODE[i]}" && [ -n "$c" ] && [ -n "${POLL_CORE_OWNER[$c]:-}" ]; then
			cfg_fail "core$i" "core $c polls ${POLL_CORE_OWNER[$c]}; its interrupts would starve" "a core no poll thread uses"
		fi
		IF_APPCORES[i]=""
		if cfg_set "capture_cores$i"; then
			cfgv v "capture_cores$i"
			[[ $v =~ ^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$ ]] ||
				cfg_fail "capture_cores$i" "not a list of cores" "a list like 2,3 or 4-7"
			local cl=()
			expand_list_a cl "$v"
			for n in "${cl[@]}"; do
				[ "$n" -le "$maxcpu" ] || cfg_fail "capture_cores$i" "core $n is out of range" "cores 0 to $maxcpu"
				[ -z "${POLL_CORE_OWNER[$n]:-}" ] ||
					cfg_fail "capture_cores$i" "core $n polls ${POLL_CORE_OWNER[$n]}" "cores no poll thread uses"
			done
			IF_APPCORES[i]=$v
		fi
		local ka=()
		cfg_keep_args ka "$i"
		IF_KEEP[i]="${ka[*]}"
	done

	# Global settings.
	cfgv v filesize 2G
	size_of FILE_SIZE "$v" || cfg_fail filesize "not a size" "a multiple of 1 MiB, in bytes or with K, M or G (default 2G)"
	{ [ "$FILE_SIZE" -gt 0 ] && [ $((FILE_SIZE % (1 << 20))) = 0 ]; } ||
		cfg_fail filesize "not a whole number of MiB" "a positive multiple of 1 MiB (default 2G)"
	cfg_int POLL_IDLE_US poll_idle_us 0 0 1000000 "0 (poll without sleeping) to 1000000 microseconds"
	cfg_bool TS_PER_FRAME ts_per_frame 0
	cfg_bool MON_ENABLED monitor_enabled 1
	cfg_int MON_INTERVAL monitor_interval 1 1 3600 "1 to 3600 seconds"
	cfg_int MON_CORE monitor_core -1 -1 "$maxcpu" "-1 (any core) or 0 to $maxcpu"
	if [ "$MON_CORE" -ge 0 ] && [ -n "${POLL_CORE_OWNER[$MON_CORE]:-}" ]; then
		cfg_fail monitor_core "core $MON_CORE polls ${POLL_CORE_OWNER[$MON_CORE]}" "-1 or a core no poll thread uses"
	fi
	cfgv MON_BASEDIR monitor_basedir /var/log/hpcap
	[[ $MON_BASEDIR == /* ]] || cfg_fail monitor_basedir "not an absolute path" "a directory such as /var/log/hpcap"
	cfgv HUGE_DIR hugetlbfs_dir /mnt/hugetlbfs
	[[ $HUGE_DIR == /* ]] || cfg_fail hugetlbfs_dir "not an absolute path" "a directory such as /mnt/hugetlbfs"
	cfg_int HUGE_RESERVE hugepages_reserve 0 0 1048576 "a number of 2 MiB hugetlbfs pages for programs that map them (0 = none)"
	cfgv CAPTURE_DIR capture_dir /var/lib/hpcap
	[[ $CAPTURE_DIR == /* ]] || cfg_fail capture_dir "not an absolute path" "a directory such as /var/lib/hpcap"
	cfgv MODULE_PATH module ""
	if [ -n "$MODULE_PATH" ] && [ ! -r "$MODULE_PATH" ]; then
		cfg_fail module "no such file" "the path of hpcap.ko, or leave it out to use the installed module"
	fi

	# Memory: every buffer, plus the hugetlbfs pages to reserve, must fit in
	# what the machine can spare.  A loaded module's buffers are counted as
	# free (install replaces them); so are hugetlbfs pages reserved already.
	local avail_kb spare have_huge hp_size_kb extra_huge keep
	avail_kb=${MEMINFO[MemAvailable]:-0}
	keep=$((${MEMINFO[MemTotal]:-0} / 10))
	[ "$keep" -ge $((256 << 10)) ] || keep=$((256 << 10))
	local cur=0 bf b
	for bf in "$HPCAP_SYSFS"/class/hpcap/hpcap_*_*/buf_size; do
		[ -r "$bf" ] && read -r b <"$bf" && cur=$((cur + b))
	done
	# So are the running hpcap-xdp's (install restarts them).
	local xa xq
	local -A XS
	while read -r xa _; do
		[ -n "$xa" ] || continue
		for xq in $(xdp_queues "$xa"); do
			kv_file XS "$HPCAP_XDP_DIR/hpcap_${xa}_$xq.stats"
			cur=$((cur + ${XS[buf_size]:-0} + XDP_UMEM_BYTES))
		done
	done <<<"$(xdp_adapters)"
	spare=$(((avail_kb - keep) * 1024 + cur))
	[ "$spare" -ge 0 ] || spare=0
	have_huge=${MEMINFO[HugePages_Total]:-0}
	hp_size_kb=${MEMINFO[Hugepagesize]:-2048}
	extra_huge=0
	if [ "$HUGE_RESERVE" -gt "${have_huge:-0}" ]; then
		extra_huge=$(((HUGE_RESERVE - ${have_huge:-0}) * ${hp_size_kb:-2048} * 1024))
	fi
	if [ "$extra_huge" -gt "$spare" ]; then
		cfg_fail hugepages_reserve "$(human_bytes "$extra_huge") more of hugetlbfs pages than the $(human_bytes "$spare") this machine can spare" "at most $((spare / (hp_size_kb * 1024) + have_huge)) pages"
	fi
	local sum=$extra_huge per umem
	for ((i = 0; i < NIF; i++)); do
		[ "${IF_NQ[i]}" -gt 0 ] || continue
		per=$(human_bytes "${IF_BUF[i]}") umem=0
		if is_xdp "${IF_MODE[i]}"; then
			umem=$XDP_UMEM_BYTES
			per="($per + $(human_bytes "$umem") of UMEM)"
		fi
		sum=$((sum + IF_NQ[i] * (IF_BUF[i] + umem)))
		if [ "$sum" -gt "$spare" ]; then
			key=${IF_BUFKEY[i]:-nrxq$i}
			cfg_fail "$key" "${IF_NQ[i]} queue(s) x $per bring the capture buffers$([ "$extra_huge" -gt 0 ] && echo " and hugepages_reserve") to $(human_bytes "$sum"), more than the $(human_bytes "$spare") this machine can spare (MemAvailable $(human_bytes $((avail_kb * 1024))), less $(human_bytes $((keep * 1024))) kept for the system)" "smaller buffers or fewer queues: at most $(human_bytes "$spare") in all"
		fi
	done
	HUGE_TOTAL=$huge_total
	TOTAL_BUF=$total
	return 0
}

# pci_handback ADDR: give a port back to its normal driver (clear
# driver_override, unbind it from hpcap, probe).  Prints the driver that
# took it, or nothing.
pci_handback() {
	local pci=$1 d=$HPCAP_SYSFS/bus/pci/devices/$1 drv
	if [ "$(cat "$d/driver_override" 2>/dev/null)" != "(null)" ]; then
		echo >"$d/driver_override"
	fi
	if [ "$(pci_driver "$pci")" = hpcap ]; then
		echo "$pci" >"$HPCAP_SYSFS/bus/pci/drivers/hpcap/unbind"
	fi
	if [ -z "$(pci_driver "$pci")" ]; then
		# The normal driver may not be loaded (hpcap took the port at boot).
		modprobe -q "$(cat "$d/modalias")" 2>/dev/null || true
		echo "$pci" >"$HPCAP_SYSFS/bus/pci/drivers_probe" 2>/dev/null || true
	fi
	drv=$(pci_driver "$pci")
	echo "$drv"
}

# pci_to_hpcap ADDR: bind a port to hpcap (driver_override, unbind, probe)
pci_to_hpcap() {
	local pci=$1 d=$HPCAP_SYSFS/bus/pci/devices/$1 drv
	echo hpcap >"$d/driver_override"
	drv=$(pci_driver "$pci")
	[ "$drv" = hpcap ] && return 0
	[ -n "$drv" ] && echo "$pci" >"$d/driver/unbind"
	echo "$pci" >"$HPCAP_SYSFS/bus/pci/drivers_probe" 2>/dev/null || true
	[ "$(pci_driver "$pci")" = hpcap ]
}

# pin_irqs IF CORE: every interrupt of IF to CORE; prints how many
pin_irqs() {
	local irq n=0 bad=0
	for irq in $(netdev_irqs "$1"); do
		if echo "$2" >"$HPCAP_PROCFS/irq/$irq/smp_affinity_list" 2>/dev/null; then
			n=$((n + 1))
		else
			bad=$((bad + 1))
		fi
	done
	[ "$bad" = 0 ] || warn "$1: $bad interrupt(s) could not be moved to core $2 (managed by the kernel)"
	echo "$n"
}

irqbalance_running() { pgrep -x irqbalance >/dev/null 2>&1; }
