#!/usr/bin/env bash
# selftest.bash - smoke test of the VM harness (run-vm.bash) on every VM kernel.
#
# For each kernel from kernels.bash: boots with two emulated igb NICs and QEMU's
# filter-dump on the first, sends known frames from the first NIC and captures
# them on the second (selftest-guest.bash), then compares the guest's capture
# with QEMU's own dump on the host.  Also checks modprobe veth in the guest.
set -euo pipefail

here=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)

usage() {
	cat <<'USAGE'
Usage: selftest.bash [--kernel KVER]... [--count N] [--keep DIR] [--help]

Boots each VM kernel (default: all from tests/vm/kernels.bash) with
run-vm.bash --nics 2 --dump, sends N (default 2000) frames of 60..1514 bytes from
the first igb NIC to the second, compares the guest's tcpdump capture with QEMU's
filter-dump ground truth, and checks that a veth pair can be created.
Prints "ok KVER selftest" or "fail KVER selftest - REASON" per kernel; exits 1
if any failed.
  --kernel KVER  test only this kernel (repeatable)
  --count N      frames to send (default 2000)
  --keep DIR     keep each kernel's results (pcaps, console log, dmesg) in DIR/KVER
USAGE
}

kernels=()
count=2000
keep=""
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) [ $# -ge 2 ] || { usage >&2; exit 2; }; kernels+=("$2"); shift 2 ;;
	--count) [ $# -ge 2 ] || { usage >&2; exit 2; }; count=$2; shift 2 ;;
	--keep) [ $# -ge 2 ] || { usage >&2; exit 2; }; keep=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "selftest.bash: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done
[[ $count =~ ^[1-9][0-9]*$ ]] || { echo "selftest.bash: --count wants a positive number" >&2; exit 2; }
if [ ${#kernels[@]} -eq 0 ]; then
	mapfile -t kernels < <("$here/kernels.bash")
fi
[ ${#kernels[@]} -gt 0 ] || { echo "fail selftest - no VM kernels found (see kernels.bash)"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/vm-selftest.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Indents a kernel's log lines under its name.
indent() { while IFS= read -r line; do printf '  [%s] %s\n' "$kver" "$line"; done; }

failed=0
for kver in "${kernels[@]}"; do
	res=$work/$kver
	mkdir -p "$res"
	start=$SECONDS
	rc=0
	"$here/run-vm.bash" --kernel "$kver" --nics 2 --dump "$res/truth.pcap" --results "$res" \
		--timeout 300 -- "$here/selftest-guest.bash" "$count" >"$res/console.log" 2>&1 || rc=$?
	elapsed=$((SECONDS - start))
	indent <"$res/console.log"
	reason=""
	if [ "$rc" != 0 ]; then
		reason="guest run failed with status $rc"
	elif ! cmp_out=$(python3 "$here/selftest_frames.py" compare "$res/truth.pcap" "$res/guest.pcap" \
		52:54:00:00:00:01 "$count" 2>&1); then
		reason=$(printf '%s' "$cmp_out" | tr '\n' ' ' | sed 's/  */ /g')
	elif [ ! -e "$res/veth.ok" ]; then
		reason="veth pair could not be created in the guest"
	fi
	[ -z "${cmp_out:-}" ] || indent <<<"$cmp_out"
	if [ -n "$keep" ]; then
		mkdir -p "$keep"
		rm -rf "${keep:?}/$kver"
		cp -r "$res" "$keep/$kver"
	fi
	if [ -z "$reason" ]; then
		echo "ok $kver selftest (${elapsed} s)"
	else
		echo "fail $kver selftest - $reason"
		failed=1
	fi
	unset cmp_out
done
exit "$failed"
