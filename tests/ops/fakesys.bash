# shellcheck shell=bash
# fakesys.bash - a made-up machine for the host-side tests of the operations
# scripts: a directory tree with the parts of /sys and /proc they read.
# Point the scripts at it with HPCAP_SYSFS=$ROOT/sys HPCAP_PROCFS=$ROOT/proc.
#
#   . tests/ops/fakesys.bash
#   fs_init ROOT
#   fs_cpus "0-3" "4-7"        # online CPUs by NUMA node (node0, node1, ...)
#   fs_smt 0 4                 # CPUs 0 and 4 are hyperthreads of one core
#   fs_nic eth1 0000:03:00.0 8086:10fb ixgbe 1 4   # name addr id driver node rxqueues
#   fs_virt veth0 2            # a virtual Ethernet interface with 2 RX queues
#   fs_mem 16777216 8388608    # MemTotal, MemAvailable in kB
#   fs_buddy 400               # free 2 MiB blocks

FS_ROOT=""

fs_init() {
	FS_ROOT=$1
	rm -rf "$FS_ROOT"
	mkdir -p "$FS_ROOT/sys/class/net" "$FS_ROOT/sys/bus/pci/devices" "$FS_ROOT/sys/bus/pci/drivers" \
		"$FS_ROOT/sys/devices/pci0000:00" "$FS_ROOT/sys/devices/system/cpu" \
		"$FS_ROOT/sys/devices/system/node" "$FS_ROOT/proc/sys/vm"
	: >"$FS_ROOT/proc/mounts"
	fs_mem 16777216 12582912
	fs_buddy 1000
	fs_virt lo 1
	echo 772 >"$FS_ROOT/sys/class/net/lo/type"
}

# fs_cpus LIST-NODE0 [LIST-NODE1 ...]
fs_cpus() {
	local node=0 list c all=""
	for list in "$@"; do
		mkdir -p "$FS_ROOT/sys/devices/system/node/node$node"
		echo "$list" >"$FS_ROOT/sys/devices/system/node/node$node/cpulist"
		for c in $(expand_list "$list"); do
			mkdir -p "$FS_ROOT/sys/devices/system/cpu/cpu$c/topology"
			echo "$c" >"$FS_ROOT/sys/devices/system/cpu/cpu$c/topology/core_id"
			echo "$node" >"$FS_ROOT/sys/devices/system/cpu/cpu$c/topology/physical_package_id"
			echo "$c" >"$FS_ROOT/sys/devices/system/cpu/cpu$c/topology/thread_siblings_list"
			ln -sfn "../../node/node$node" "$FS_ROOT/sys/devices/system/cpu/cpu$c/node$node"
		done
		all+="${all:+,}$list"
		node=$((node + 1))
	done
	echo "$all" >"$FS_ROOT/sys/devices/system/cpu/online"
	echo "0-$((node - 1))" >"$FS_ROOT/sys/devices/system/node/online"
}

# fs_smt A B: CPUs A and B are two hyperthreads of one physical core
fs_smt() {
	local t=$FS_ROOT/sys/devices/system/cpu
	echo "$1,$2" >"$t/cpu$1/topology/thread_siblings_list"
	echo "$1,$2" >"$t/cpu$2/topology/thread_siblings_list"
	cat "$t/cpu$1/topology/core_id" >"$t/cpu$2/topology/core_id"
}

# fs_nic NAME ADDR VENDOR:DEVICE DRIVER NODE RXQUEUES
fs_nic() {
	local name=$1 addr=$2 id=$3 drv=$4 node=$5 nq=$6 d q
	d=$FS_ROOT/sys/devices/pci0000:00/$addr
	mkdir -p "$d/net" "$d/msi_irqs" "$FS_ROOT/sys/bus/pci/drivers/$drv"
	echo "0x${id%%:*}" >"$d/vendor"
	echo "0x${id##*:}" >"$d/device"
	echo "$node" >"$d/numa_node"
	echo "(null)" >"$d/driver_override"
	echo "pci:v0000${id%%:*}d0000${id##*:}sv00008086sd00000000bc02sc00i00" >"$d/modalias"
	ln -sfn ../../../bus/pci "$d/subsystem"
	ln -sfn "../../../bus/pci/drivers/$drv" "$d/driver"
	ln -sfn "../../../devices/pci0000:00/$addr" "$FS_ROOT/sys/bus/pci/devices/$addr"
	ln -sfn "../../../../devices/pci0000:00/$addr" "$FS_ROOT/sys/bus/pci/drivers/$drv/$addr"
	printf 'DRIVER=%s\nPCI_ID=%s\nPCI_SLOT_NAME=%s\n' "$drv" "${id^^}" "$addr" >"$d/uevent"
	for ((q = 0; q <= nq; q++)); do : >"$d/msi_irqs/$((40 + q + 10 * ${#FS_NICS}))"; done
	FS_NICS+=x
	if [ -n "$name" ]; then
		mkdir -p "$d/net/$name"
		ln -sfn "../../devices/pci0000:00/$addr/net/$name" "$FS_ROOT/sys/class/net/$name"
		ln -sfn "../../../$addr" "$d/net/$name/device"
		fs_netdev_files "$d/net/$name" "$nq"
	fi
}
FS_NICS=""

fs_virt() {
	local d=$FS_ROOT/sys/devices/virtual/net/$1
	mkdir -p "$d"
	ln -sfn "../../devices/virtual/net/$1" "$FS_ROOT/sys/class/net/$1"
	fs_netdev_files "$d" "$2"
}

fs_netdev_files() {
	local d=$1 nq=$2 q s
	echo 1 >"$d/type"
	echo 0x1003 >"$d/flags"
	echo 1 >"$d/carrier"
	mkdir -p "$d/statistics"
	for s in rx_missed_errors rx_fifo_errors rx_crc_errors rx_length_errors rx_frame_errors; do
		echo 0 >"$d/statistics/$s"
	done
	for ((q = 0; q < nq; q++)); do mkdir -p "$d/queues/rx-$q"; done
}

fs_mem() {
	printf 'MemTotal:       %s kB\nMemFree:        %s kB\nMemAvailable:   %s kB\nHugePages_Total:       0\nHugePages_Free:        0\nHugePages_Rsvd:        0\nHugepagesize:       2048 kB\n' \
		"$1" "$2" "$2" >"$FS_ROOT/proc/meminfo"
}

# fs_buddy N: N free blocks of order 9 (2 MiB) in zone Normal of node 0
fs_buddy() {
	printf 'Node 0, zone   Normal %s\n' "100 100 100 100 100 100 100 100 100 $1 0" >"$FS_ROOT/proc/buddyinfo"
}

# fs_module: the hpcap module is loaded (no adapter yet)
fs_module() {
	mkdir -p "$FS_ROOT/sys/module/hpcap/parameters" "$FS_ROOT/sys/class/hpcap"
	echo 0 >"$FS_ROOT/sys/module/hpcap/refcnt"
	: >"$FS_ROOT/sys/class/hpcap/adapters"
	printf '0%.0s,' {1..31} | sed 's/,$/\n/' >"$FS_ROOT/sys/module/hpcap/parameters/huge"
}

# fs_adapter ID NAME SOURCE NQ CAPLEN BUFSIZE: an adapter and its queues
fs_adapter() {
	local q d
	echo "$1 $2 $3 $4 $5" >>"$FS_ROOT/sys/class/hpcap/adapters"
	for ((q = 0; q < $4; q++)); do
		d=$FS_ROOT/sys/class/hpcap/hpcap_$1_$q
		mkdir -p "$d"
		echo "$6" >"$d/buf_size"
		echo 2147483648 >"$d/file_size"
		echo "$5" >"$d/caplen"
		echo 0 >"$d/write_pos"
		: >"$d/listeners"
		fs_stats "$1" "$q" 0 0 0 0 0 0 0
	done
}

# fs_stats ID Q RX_FRAMES RX_BYTES CAPTURED CLIENT_LOST NOCLIENT DUP LISTENERS
fs_stats() {
	local d=$FS_ROOT/sys/class/hpcap/hpcap_$1_$2
	printf 'rx_frames %s\nrx_bytes %s\ncaptured_frames %s\ncaptured_bytes %s\nclient_lost_frames %s\nclient_lost_bytes %s\nnoclient_frames %s\nnoclient_bytes %s\ndup_frames %s\noversize_frames 0\nlisteners %s\n' \
		"$3" "$4" "$5" "$(($5 * 100))" "$6" "$(($6 * 100))" "$7" "$(($7 * 100))" "$8" "$9" >"$d/stats"
}

# fs_l3 LIST...: each LIST of CPUs shares one L3 cache (sysfs cache/index3)
fs_l3() {
	local l c d
	for l in "$@"; do
		for c in $(expand_list "$l"); do
			d=$FS_ROOT/sys/devices/system/cpu/cpu$c/cache/index3
			mkdir -p "$d"
			echo 3 >"$d/level"
			echo Unified >"$d/type"
			echo "$l" >"$d/shared_cpu_list"
		done
	done
}

# fs_mask LIST: a CPU or node list as an hwloc bitmap (0x........, 32-bit
# words, the most significant first)
fs_mask() {
	local -a w=()
	local c n i s=""
	for c in $(expand_list "$1"); do
		i=$((c / 32))
		w[i]=$((${w[i]:-0} | (1 << (c % 32))))
	done
	n=${#w[@]}
	[ "$n" -gt 0 ] || { echo 0x0; return; }
	for ((i = $(printf '%s\n' "${!w[@]}" | sort -n | tail -1); i >= 0; i--)); do
		s+="${s:+,}$(printf '0x%08x' "${w[i]:-0}")"
	done
	echo "$s"
}

# fs_hwloc_xml FILE: the made-up machine as hwloc would export it (what
# lstopo-no-graphics --of xml writes, read back with HWLOC_XMLFILE): a
# package per NUMA node holding its node, its L3 caches (fs_l3), its cores
# (fs_smt) and PUs, and the NICs of that node under a host bridge; NICs of
# no node (-1) under the machine.
fs_hwloc_xml() {
	local out=$1 sys=$FS_ROOT/sys n node cl c k l3 l3l core cores d busid id nd all="" nodes=""
	local -A l3of=() coreof=() seen=()
	for n in "$sys"/devices/system/node/node[0-9]*; do
		all+="${all:+,}$(<"$n/cpulist")"
		nodes+="${nodes:+,}${n##*node}"
	done
	fs_obj() { # type attrs cpulist nodelist [/]
		printf '<object type="%s"%s cpuset="%s" complete_cpuset="%s" nodeset="%s" complete_nodeset="%s"%s>\n' \
			"$1" "$2" "$(fs_mask "$3")" "$(fs_mask "$3")" "$(fs_mask "$4")" "$(fs_mask "$4")" "${5:-}"
	}
	fs_nics() { # the NICs of node $1 under a host bridge
		local d id nd busid first=1
		for d in "$sys"/bus/pci/devices/*; do
			read -r nd <"$d/numa_node"
			[ "$nd" = "$1" ] || continue
			busid=${d##*/}
			id="$(sed 's/^0x//' "$d/vendor"):$(sed 's/^0x//' "$d/device")"
			if [ "$first" = 1 ]; then
				echo '<object type="Bridge" bridge_type="0-1" depth="0" bridge_pci="0000:[00-ff]">'
				first=0
			fi
			printf '<object type="PCIDev" pci_busid="%s" pci_type="0200 [%s] [0000:0000] 01">\n' "$busid" "$id"
			for k in "$d"/net/*; do
				[ -e "$k" ] && printf '<object type="OSDev" name="%s" osdev_type="2"/>\n' "${k##*/}"
			done
			echo '</object>'
		done
		[ "$first" = 1 ] || echo '</object>'
	}
	{
		echo '<?xml version="1.0" encoding="UTF-8"?>'
		echo '<!DOCTYPE topology SYSTEM "hwloc2.dtd">'
		echo '<topology version="2.0">'
		fs_obj Machine ' os_index="0"' "$all" "$nodes"
		for n in "$sys"/devices/system/node/node[0-9]*; do
			node=${n##*node}
			cl=$(<"$n/cpulist")
			fs_obj Package " os_index=\"$node\"" "$cl" "$node"
			fs_obj NUMANode " os_index=\"$node\" local_memory=\"1073741824\"" "$cl" "$node" /
			l3of=() coreof=() seen=()
			for c in $(expand_list "$cl"); do
				l3of[$c]=$(cat "$sys/devices/system/cpu/cpu$c/cache/index3/shared_cpu_list" 2>/dev/null || echo "$cl")
				coreof[$c]=$(<"$sys/devices/system/cpu/cpu$c/topology/thread_siblings_list")
			done
			for c in $(expand_list "$cl"); do
				l3l=${l3of[$c]}
				[ -z "${seen[l3$l3l]:-}" ] || continue
				seen[l3$l3l]=1
				fs_obj L3Cache ' cache_size="8388608" depth="3" cache_linesize="64" cache_associativity="0" cache_type="0"' "$l3l" "$node"
				for k in $(expand_list "$l3l"); do
					cores=${coreof[$k]}
					[ -z "${seen[c$cores]:-}" ] || continue
					seen[c$cores]=1
					fs_obj Core " os_index=\"$k\"" "$cores" "$node"
					for core in $(expand_list "$cores"); do
						fs_obj PU " os_index=\"$core\"" "$core" "$node" /
					done
					echo '</object>'
				done
				echo '</object>'
			done
			fs_nics "$node"
			echo '</object>'
		done
		fs_nics -1
		echo '</object>'
		echo '</topology>'
	} >"$out"
	unset -f fs_obj fs_nics
}
