#!/usr/bin/env bash
# csr-lock-guest.bash - the guest half of csr-lock-tests.bash: hpcap takes
# the 82599 model while the host traces the model's register accesses
# (asked for on the console: "x599: trace on please", acknowledged with
# $RESULTS/trace-on), brings the port up at 10 Gb/s, then loads it again with
# vel=1000 (the other AUTOC link mode), then the trace is turned off and the module
# removed.
set -uo pipefail
top=$PWD
. "$top/tests/lib.sh"
t_init x599-lock
KO=${HPCAP_KO:-$top/build/kmod/$(uname -r)/hpcap.ko}
CAP=${VM_X599_PCI%% *}

# ask WHAT: the host operator's answer is the file $RESULTS/WHAT
ask() {
	rm -f "$RESULTS/$1"
	echo "x599: $1 please"
	for _ in $(seq 100); do [ -e "$RESULTS/$1" ] && return 0; sleep 0.1; done
	t_fail "host operator: $1" "no answer in 10 s"
	return 1
}

take() { # take VEL: load hpcap for the model at link speed VEL, bind it, up
	rmmod hpcap 2>/dev/null
	insmod "$KO" ports="$CAP" vel="$1" poll_idle_us=100 buf_size=4194304 file_size=1048576 ||
		{ t_fail "insmod vel=$1" "failed"; return 1; }
	echo hpcap >"/sys/bus/pci/devices/$CAP/driver_override"
	[ -e "/sys/bus/pci/devices/$CAP/driver" ] || echo "$CAP" >/sys/bus/pci/drivers_probe
	t_eq "vel=$1: the model is bound to hpcap" hpcap "$(basename "$(readlink "/sys/bus/pci/devices/$CAP/driver")")"
	ip link set hpcap0 up
}

ask trace-on || exit 1
take 0
for _ in $(seq 50); do [ "$(cat /sys/class/net/hpcap0/carrier 2>/dev/null)" = 1 ] && break; sleep 0.1; done
t_eq "vel=0: link up at 10 Gb/s" "Speed: 10000Mb/s" "$(ethtool hpcap0 | grep -o 'Speed: .*')"
# 1 Gb/s without autonegotiation (AUTOC.LMS 0): the model's SR module
# does not link there, but the driver takes the semaphore again, so the
# first probe must have given it back
take 1000
rmmod hpcap
ask trace-off
t_eq "no semaphore warning from hpcap" "" "$(dmesg | grep -i 'semaphore')"
t_done
