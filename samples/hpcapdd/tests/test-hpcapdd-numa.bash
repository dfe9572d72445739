#!/usr/bin/env bash
# test-hpcapdd-numa.bash [BINDIR] - hpcapdd and hpcapdd_p put their buffers
# and threads on the NUMA node of the queue's NIC (--numa-node, default
# auto).  Queues are pcap2hpcap replays; the NIC behind one is named by a
# port file in the queue directory, as hpcap-xdp writes it.  The machine is
# this one (one node: nothing changes) or a made-up one below
# $HPCAP_SYSFS (tests/ops/fakesys.bash) with two nodes: the node chosen,
# the --cores warning, the memory policy the running program got
# (/proc/PID/numa_maps) and, every time, every frame on disk once, byte
# for byte, nothing lost.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
. "$root/tests/lib.sh"
t_init hpcapdd-numa
bin=${1:-$root/build/bin}
command -v python3 >/dev/null || t_skip "python3 not installed"
# shellcheck source=scripts/hpcap-lib.bash
. "$root/scripts/hpcap-lib.bash"
# shellcheck source=tests/ops/fakesys.bash
. "$root/tests/ops/fakesys.bash"
cd "$T_TMP" || exit 1
t_queues

# replay <args...>: start pcap2hpcap in the background
replay() { t_replay -q -b 1M --file-size 1M "$@"; }
nic() { # nic IFNAME|-: the interface behind adapter 0 (a producer's port file)
	if [ "$1" = - ]; then rm -f "$HPCAP_DEV_DIR/hpcap_0.port"; return; fi
	printf 'adapter 0\nifname %s\nsource xdp\n' "$1" >"$HPCAP_DEV_DIR/hpcap_0.port"
}
# capture <name> <tool> <args...>: the whole replay of in.pcap through queue
# 0 0 into directory <name>; the RAW files must hold in.pcap byte for byte.
n=0
capture() {
	local name=$1 tool=$2 files
	shift 2
	n=$((n + 1))
	mkdir "$name"
	replay in.pcap 0 0
	t_wait_queue 0 0
	t_run "$name: $tool" 0 "$bin/$tool" "$@" 0 0 "$name"
	wait "$REPLAY"
	mapfile -t files < <(find "$name" -name '*.raw' | sort)
	"$bin/hpcap2pcap" -q --raw "${files[@]}" >"$name.pcap" 2>/dev/null
	t_same_file "$name: every frame on disk once, byte for byte" in.pcap "$name.pcap"
	case " $* " in
	*" -q "*) ;;	# hpcapdd_p -q prints no summary
	*) t_grep "$name: nothing lost" "(^| )(0 frames lost|lost: 0 )" "$T_OUT" ;;
	esac
}
# policy <tool> <args...>: the memory policy of the running program's
# mappings, "prefer:N" or "default" (queue 0 1, replayed in a loop).
policy() {
	local tool=$1 p
	shift
	replay -L 0 -R in.pcap 0 1
	t_wait_queue 0 1
	"$bin/$tool" "$@" -d 3 0 1 null >policy.out 2>&1 &
	p=$!
	sleep 1
	# The task's policy shows on every mapping without one of its own.
	awk '{ print $2; exit }' "/proc/$p/numa_maps" 2>/dev/null
	wait "$p"
	kill "$REPLAY" 2>/dev/null
	wait "$REPLAY" 2>/dev/null
	rm -f "$HPCAP_DEV_DIR"/hpcap_0_1*
}

python3 "$root/tests/tools/gen_pcap.py" in.pcap --count 3000

# A made-up machine: CPU 0 on node 0, CPU 1 on node 1; eth9 on node 1,
# eth8 on node 0, veth0 virtual.
fs_init "$T_TMP/fake"
fs_cpus 0 1
fs_nic eth9 0000:03:00.0 8086:10fb ixgbe 1 2
fs_nic eth8 0000:04:00.0 8086:10fb ixgbe 0 2
fs_virt veth0 1
fake=$T_TMP/fake/sys
# Built without libnuma the tools place nothing and say so.
# (ldd's whole output first: with pipefail, grep -q leaving early can
# give ldd a SIGPIPE and the pipeline a failure)
if grep -q libnuma <<<"$(ldd "$bin/hpcapdd" 2>/dev/null)"; then
	placed0="buffers on node 0, threads on its CPUs" prefer0=prefer:0
	placed1="the kernel offers no node 1: nothing placed"
else
	placed0="built without libnuma: nothing placed on node 0" prefer0=default
	placed1="built without libnuma: nothing placed on node 1"
fi

for tool in hpcapdd hpcapdd_p; do
	t_run "$tool --help" 0 "$bin/$tool" --help
	t_grep "$tool --help: --numa-node" "--numa-node N\|auto\|off" "$T_OUT"
	t_run "$tool --numa-node junk" 2 "$bin/$tool" --numa-node junk 0 0 null
	t_grep "$tool: ... names the option and the choices" "--numa-node: 'junk' is not a node number, 'auto' or 'off'" "$T_OUT"
	t_run "$tool --numa-node 7 (no such node)" 2 env HPCAP_SYSFS="$fake" "$bin/$tool" --numa-node 7 0 0 null
	t_grep "$tool: ... says the machine has 2" "no NUMA node 7 \(it has 2" "$T_OUT"
	rm -rf "${HPCAP_DEV_DIR:?}"/*

	# This machine.  With one node nothing changes: no policy, one line.
	if [ "$(find /sys/devices/system/node -maxdepth 1 -name 'node[0-9]*' | wc -l)" = 1 ]; then
		nic eth0
		capture "$tool-here" "$tool"
		t_grep "$tool, one node: says nothing is placed" "NUMA: one node: nothing to place" "$T_OUT"
		t_eq "$tool, one node: the memory policy is left alone" default "$(policy "$tool")"
	else
		t_ok "$tool: this machine has several nodes (the one-node case is not tested here)"
	fi

	# Two nodes, the NIC on node 1: that node is chosen; a --cores CPU
	# on node 0 is warned about.  This kernel has no node 1, so nothing
	# is placed, and the line says so.
	export HPCAP_SYSFS=$fake
	nic eth9
	capture "$tool-node1" "$tool" --sha256 --cores 0
	t_grep "$tool, NIC on node 1: node 1 is chosen" "NUMA: eth9 is on node 1: $placed1" "$T_OUT"
	t_grep "$tool, --cores 0: warned (CPU 0 is on node 0)" "warning: --cores: CPU 0 is on node 0, the buffers on node 1 \(eth9 is on node 1\)" "$T_OUT"

	# The NIC on node 0 (a node this kernel has): placed there, and the
	# running program's memory prefers node 0.  No warning for CPU 0.
	nic eth8
	capture "$tool-node0" "$tool" --sha256 --cores 0
	t_grep "$tool, NIC on node 0: placed there" "NUMA: eth8 is on node 0: $placed0" "$T_OUT"
	t_eq "$tool, NIC on node 0: no --cores warning" 0 "$(grep -c 'warning: --cores' <<<"$T_OUT")"
	t_eq "$tool, NIC on node 0: its memory prefers node 0" "$prefer0" "$(policy "$tool")"
	t_grep "$tool, ... (the line of that run)" "$placed0" "$(cat policy.out)"
	t_eq "$tool, --numa-node off: the memory policy is left alone" default "$(policy "$tool" --numa-node off)"
	t_grep "$tool, --numa-node off: says so" "NUMA: off \(--numa-node off\)" "$(cat policy.out)"
	capture "$tool-quiet" "$tool" -q
	t_eq "$tool -q: no NUMA line" 0 "$(grep -c 'NUMA:' <<<"$T_OUT")"

	# --numa-node N wins over the NIC's node.
	nic eth9
	capture "$tool-forced" "$tool" --numa-node 0
	t_grep "$tool, --numa-node 0: node 0" "NUMA: --numa-node 0: ${placed0%%,*}" "$T_OUT"

	# Nothing to go by: a virtual NIC, or a queue that names none.
	nic veth0
	capture "$tool-virtual" "$tool"
	t_grep "$tool, a virtual NIC: nothing placed" "NUMA: veth0 has no NUMA node \(a virtual device\?\): nothing placed" "$T_OUT"
	nic -
	capture "$tool-noname" "$tool"
	t_grep "$tool, no interface: nothing placed" "NUMA: queue 0_0 names no interface .*: nothing placed" "$T_OUT"
	unset HPCAP_SYSFS
done
t_done
