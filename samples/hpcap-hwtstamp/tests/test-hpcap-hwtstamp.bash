#!/usr/bin/env bash
# test-hpcap-hwtstamp.bash [BINDIR] - hpcap-hwtstamp's command line and its
# answers from the kernel where no NIC stamps in hardware: loopback, a
# missing interface, a veth in a private network namespace, and a caller
# without CAP_NET_ADMIN.  (A NIC that stamps is tested nowhere here: QEMU's
# NIC models have no hardware RX timestamping.)
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
. "$root/tests/lib.sh"
t_init hwtstamp
bin=${1:-$root/build/bin}
b=$bin/hpcap-hwtstamp
nohw="this NIC or driver has no hardware RX timestamping"

t_run "--help" 0 "$b" --help
t_grep "--help: a usage line" "^Usage: hpcap-hwtstamp <iface> on\|off\|show" "$T_OUT"
t_run "--version" 0 "$b" --version
t_grep "--version: name and version" "^hpcap-hwtstamp [0-9]+\.[0-9]+" "$T_OUT"
t_run "no operands" 2 "$b"
t_grep "no operands: says what is needed" "need <iface> on\|off\|show" "$T_OUT"
t_run "one operand" 2 "$b" lo
t_run "three operands" 2 "$b" lo show on
t_run "an unknown word" 2 "$b" lo maybe
t_grep "... says which words there are" "'maybe': say on, off or show" "$T_OUT"
t_run "an interface name too long" 2 "$b" abcdefghijklmnopq show
t_grep "... says so" "too long" "$T_OUT"

t_run "no such interface" 1 "$b" nohwts0 show
t_grep "... says so" "nohwts0: .*\(no such interface\)" "$T_OUT"
t_run "loopback has no hardware stamps: show" 1 "$b" lo show
t_grep "... and says why" "lo: .*\($nohw\)" "$T_OUT"

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	t_run "without CAP_NET_ADMIN: on" 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$b" lo on
	t_grep "... says what it needs" "\(needs CAP_NET_ADMIN\)" "$T_OUT"
else
	echo "skip hwtstamp       (not root, or no setpriv: the CAP_NET_ADMIN check)"
fi

# A veth in a network namespace of its own: on and show are refused the
# same way, and the interface is left as it was.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null &&
	unshare -n true 2>/dev/null; then
	out=$(unshare -n sh -c '
		ip link add hwts0 type veth peer name hwts1 || exit 9
		ip link set hwts0 up
		"$1" hwts0 on; echo "on=$?"
		"$1" hwts0 show; echo "show=$?"
		ip -o link show hwts0 | grep -c "[<,]UP[,>]"
	' sh "$b" 2>&1)
	t_grep "veth: on is refused (exit 1)" "^on=1$" "$out"
	t_grep "veth: show is refused (exit 1)" "^show=1$" "$out"
	t_grep "veth: the reason" "hwts0: .*\($nohw\)" "$out"
	t_grep "veth: the interface is still there and up" "^1$" "$out"
else
	echo "skip hwtstamp       (no network namespaces here: the veth checks)"
fi
t_done
