# shellcheck shell=bash
# shellcheck disable=SC2034 # XDP_ST, W_ST, DISK, ... are for the tests
# tests/xdp/lib-xdp.bash - what the AF_XDP tests share: a veth pair split
# over two network namespaces made for the test (capture side xa in NS_A,
# sender side xb in NS_B) and removed at the end, hpcap-xdp and its readers
# started and stopped, counters read, the loss identity checked.
# Source after tests/lib.sh; call x_init "<suite>" [BINDIR].

X_PIDS=()
X_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
X_FRAMES="$X_TOP/tests/xdp/frames.py"

x_init() {
	t_init "$1"
	X_BIN=${2:-$X_TOP/build/bin}
	[ "$(id -u)" = 0 ] || t_skip "needs root (network namespaces, XDP)"
	[ -x "$X_BIN/hpcap-xdp" ] || t_skip "no $X_BIN/hpcap-xdp (libxdp missing when it was built: scripts/install-deps.bash)"
	command -v python3 >/dev/null || t_skip "python3 not installed"
	python3 -c 'import socket; socket.socket(44, socket.SOCK_RAW).close()' 2>/dev/null ||
		t_skip "this kernel has no AF_XDP sockets (CONFIG_XDP_SOCKETS)"
	NS_A=hpcapxa-$$
	NS_B=hpcapxb-$$
	ip netns add "$NS_A" 2>/dev/null || t_skip "cannot create network namespaces"
	ip netns add "$NS_B"
	# Only the test's frames on the wire: no IPv6 autoconfiguration.
	for ns in "$NS_A" "$NS_B"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
	trap x_cleanup EXIT
	# Queue files in memory, in a directory of the test's own.
	X_Q=$(mktemp -d /dev/shm/hpcap-xdp-test.XXXXXX)
	export HPCAP_DEV_DIR=$X_Q
	cd "$T_TMP" || exit 1
}

x_cleanup() {
	local p ino
	for p in "${X_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	for p in "${X_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	# hpcap-xdp's lock files are named by the namespace: gone with it.
	ino=$(stat -L -c %i "/run/netns/$NS_A" 2>/dev/null || true)
	[ -n "$ino" ] && rm -f /run/hpcap/xdp-"$ino"-*.lock /dev/shm/.hpcap-xdp-"$ino"-*.lock
	ip netns del "$NS_A" 2>/dev/null || true
	ip netns del "$NS_B" 2>/dev/null || true
	[ -n "${X_Q:-}" ] && rm -rf "$X_Q"
	t_cleanup
}

# x_veth [NQUEUES] [MTU]: a fresh pair, xa (NS_A) <-> xb (NS_B)
x_veth() {
	local nq=${1:-1} mtu=${2:-1500}
	ip -n "$NS_A" link del xa 2>/dev/null || true
	ip link add xa netns "$NS_A" numrxqueues "$nq" numtxqueues "$nq" type veth \
		peer name xb netns "$NS_B" numrxqueues "$nq" numtxqueues "$nq"
	ip -n "$NS_A" link set xa mtu "$mtu" up
	ip -n "$NS_B" link set xb mtu "$mtu" up
	ip -n "$NS_A" link set lo up
}

ina() { ip netns exec "$NS_A" "$@"; }
inb() { ip netns exec "$NS_B" "$@"; }

# x_start ADAPTER ARGS...: hpcap-xdp -a ADAPTER ARGS in NS_A (--keep-stats),
# pid in XDP_PID; returns once it runs (its port file names its pid).  Its
# stderr goes to xdp.err.  No links in /dev unless X_DEVLINK=1.
x_start() {
	local a=$1 i link=--no-dev-link
	shift
	[ "${X_DEVLINK:-0}" = 1 ] && link=--keep-stats
	: >xdp.err
	# Not through ina: $! must be hpcap-xdp itself (ip netns exec execs).
	ip netns exec "$NS_A" "$X_BIN/hpcap-xdp" --keep-stats "$link" -i 0.05 -a "$a" "$@" 2>>xdp.err &
	XDP_PID=$!
	X_PIDS+=("$XDP_PID")
	for i in $(seq 1 200); do
		[ "$(x_port "$a" pid 2>/dev/null)" = "$XDP_PID" ] && return 0
		kill -0 "$XDP_PID" 2>/dev/null || break
		sleep 0.05
	done
	t_fail "hpcap-xdp -a $a $* starts" "$(tail -3 xdp.err)"
	return 1
}

# x_stop [SIGNAL]: stop hpcap-xdp, status in XDP_ST
x_stop() {
	kill -"${1:-INT}" "$XDP_PID" 2>/dev/null || true
	XDP_ST=0
	# (braces: bash's "Killed" notice goes to /dev/null too)
	{ wait "$XDP_PID" || XDP_ST=$?; } 2>/dev/null
}

# x_dd ADAPTER QUEUE DIR: hpcapdd in the background, pid in DD_PID
x_dd() {
	mkdir -p "$3"
	"$X_BIN/hpcapdd" -q "$1" "$2" "$3" 2>>"dd-$1-$2.err" &
	DD_PID=$!
	X_PIDS+=("$DD_PID")
	# Attached once the queue counts it.
	local i
	for i in $(seq 1 100); do
		[ "$(x_stat "$1" "$2" listeners)" -ge 1 ] 2>/dev/null && return 0
		sleep 0.05
	done
	t_fail "hpcapdd $1 $2 attaches" "$(tail -2 "dd-$1-$2.err")"
}

# x_wait PID [SECONDS]: wait for a reader to end by itself; status in W_ST
x_wait() {
	W_ST=0
	for _ in $(seq 1 $((${2:-10} * 20))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$1" 2>/dev/null; then
		W_ST=124
		kill -9 "$1" 2>/dev/null || true
	fi
	wait "$1" 2>/dev/null || W_ST=$?
}

# x_stat ADAPTER QUEUE NAME: a counter of a queue's file
x_stat() { awk -v k="$3" '$1 == k { print $2 }' "$X_Q/hpcap_$1_$2.stats"; }
# x_port ADAPTER NAME: a line of the port file
x_port() { awk -v k="$2" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "$X_Q/hpcap_$1.port"; }
# x_check ARGS...: frames.py check; T_OUT its output, DISK the frames found
x_check() {
	t_run "$1" 0 python3 "$X_FRAMES" check "${@:2}"
	DISK=$(awk 'NR == 1 { print $2 }' <<<"$T_OUT")
	grep '^error' <<<"$T_OUT" | head -3 | sed 's/^/     /' || true
}
# x_sum ADAPTER NAME Q...: a counter summed over queues
x_sum() {
	local a=$1 k=$2 q s=0
	shift 2
	for q in "$@"; do s=$((s + $(x_stat "$a" "$q" "$k"))); done
	echo "$s"
}

# x_send PCAP [ARGS]: send it from xb, frames sent in SENT; in steps the
# running capture keeps up with (see frames.py send --sync)
x_send() {
	local out
	out=$(inb python3 "$X_FRAMES" send xb "$1" --sync "$X_Q/hpcap_*.stats" "${@:2}")
	SENT=${out#sent }
}
# x_send_free PCAP: the same, at the sender's own pace
x_send_free() {
	local out
	out=$(inb python3 "$X_FRAMES" send xb "$1")
	SENT=${out#sent }
}

# x_raw2pcap DIR OUT: every RAW file under DIR into one pcap
x_raw2pcap() {
	if [ -n "$(find "$1" -name '*.raw' 2>/dev/null)" ]; then
		"$X_BIN/raw2pcap" -q "$1" "$2"
	else
		python3 -c 'import struct,sys; open(sys.argv[1],"wb").write(struct.pack("<IHHiIII",0xA1B23C4D,2,4,0,0,65535,1))' "$2"
	fi
}

# x_identity WHAT ADAPTER ON_DISK Q...: frames sent = on disk + every
# counted loss (slow listener, no listener, XDP, NIC missed), exactly
x_identity() {
	local what=$1 a=$2 disk=$3 lost
	shift 3
	lost=$(($(x_sum "$a" client_lost_frames "$@") + $(x_sum "$a" noclient_frames "$@") +
		$(x_sum "$a" xdp_lost_frames "$@") + $(x_port "$a" nic_rx_missed)))
	t_eq "$what: sent = on disk + counted lost ($disk + $lost)" "$SENT" "$((disk + lost))"
}

# x_no_prog: the interface has no XDP program any more
x_no_prog() {
	if ina ip link show xa | grep -q 'prog/xdp'; then
		t_fail "$1" "an XDP program is still attached: $(ina ip link show xa | grep prog/xdp)"
	else
		t_ok "$1"
	fi
}
