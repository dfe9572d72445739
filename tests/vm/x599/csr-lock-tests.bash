#!/usr/bin/env bash
# csr-lock-tests.bash - hpcap writes the 82599's AUTOC only under the
# software/firmware semaphore, checked in the register accesses themselves:
# QEMU traces every access to the hpcap-82599 model while hpcap takes it
# (tests/vm/x599/csr-lock-guest.bash), and csr_lock_check.py follows SWSM,
# SW_FW_SYNC and AUTOC in order.  The model grants the semaphore at once (it
# has no firmware), so only this trace can tell a driver that takes it from
# one that does not.
#
# Skips (exit 0, "skip" line) when the patched QEMU is not built.
# Results in build/vm-results/KVER-x599-lock/.  Exit 0 only if all passed.
set -euo pipefail
cd "$(dirname "$0")/../../.."
prog=csr-lock-tests

usage() {
	cat <<'USAGE'
Usage: tests/vm/x599/csr-lock-tests.bash [--kernel KVER]...

Checks on each kernel (all of tests/vm/kernels.bash by default) that hpcap
writes AUTOC on the hpcap-82599 QEMU model only while it owns SW_FW_SYNC's
MAC CSR bit, taken and given back under SWSM.  Needs hpcap.ko built for the
kernel (scripts/build-module.bash; HPCAP_KO=path for another build) and the
patched QEMU (tests/vm/qemu/build-qemu.bash, or HPCAP_QEMU=path); without
the QEMU it prints a "skip" line and exits 0.
USAGE
}

kvers=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) [ $# -ge 2 ] || { echo "$prog: --kernel needs a version" >&2; exit 2; }; kvers+=("$2"); shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "$prog: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done

# shellcheck source=tests/vm/qemu/qemu-model.bash
. tests/vm/qemu/qemu-model.bash
qemu_bin=${HPCAP_QEMU:-}
if [ -z "$qemu_bin" ] && ! qemu_bin=$(hpcap_qemu_find); then
	echo "skip x599-lock      no QEMU with the 82599 model for this model version (key $(hpcap_qemu_key));" \
		"build it with: sudo tests/vm/qemu/build-qemu.bash"
	exit 0
fi
[ ${#kvers[@]} -gt 0 ] || mapfile -t kvers < <(tests/vm/kernels.bash)

# trace_operator SOCKET RESULTS: passes the console through and answers the
# guest's "x599: trace-on|trace-off please" through QEMU's monitor (the
# trace of MMIO accesses on or off), then with the file RESULTS/trace-...
trace_operator() {
	local sock=$1 res=$2 line what
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case "$line" in
		"x599: trace-on please" | "x599: trace-off please")
			what=${line#x599: }
			what=${what% please}
			python3 - "$sock" "$what" <<'PY' || echo "trace_operator: cannot reach QEMU's monitor" >&2
import socket, sys
# QEMU's human monitor: wait for its prompt, give the command, wait for the
# next prompt (the command has been done), however loaded the host is
s = socket.socket(socket.AF_UNIX)
s.settimeout(60)
s.connect(sys.argv[1])
def prompt():
    buf = b""
    while not buf.endswith(b"(qemu) "):
        chunk = s.recv(4096)
        if not chunk:
            sys.exit("QEMU's monitor closed")
        buf += chunk
prompt()
cmd = ("log trace:memory_region_ops_read,trace:memory_region_ops_write"
       if sys.argv[2] == "trace-on" else "log none")
s.sendall((cmd + "\n").encode())
prompt()
s.close()
PY
			touch "$res/$what"
			;;
		esac
	done
}

status=0
for k in "${kvers[@]}"; do
	res=build/vm-results/$k-x599-lock
	rm -rf "$res"
	mkdir -p "$res"
	echo "=== hpcap's AUTOC writes under the SW/FW semaphore, 82599 model, $k"
	st=0
	mon=$res/monitor.sock
	tests/vm/run-vm.bash --kernel "$k" --qemu "$qemu_bin" --timeout 300 --mem 1024 \
		--results "$res" --nics 0 --x599 1 --monitor "$mon" \
		--qemu-arg -D --qemu-arg "$PWD/$res/trace.log" \
		${HPCAP_KO:+--env HPCAP_KO="$HPCAP_KO"} -- \
		tests/vm/x599/csr-lock-guest.bash | tee "$res/output.txt" | trace_operator "$mon" "$res" || st=$?
	python3 tests/vm/x599/csr_lock_check.py "$res/trace.log" \
		--name "x599-lock: AUTOC under the MAC CSR semaphore ($k)" | tee -a "$res/output.txt"
	if [ "$st" -ne 0 ] || grep -q '^fail' "$res/output.txt"; then
		echo "FAIL (x599-lock) on $k (exit $st; guest dmesg in $res/dmesg.txt)"
		status=1
	fi
done
exit $status
