#!/bin/bash
# guest-run.bash - runs INSIDE the guest (chrooted into the host-root overlay) as
# /run/vm/guest-run.bash, started by the initramfs /init of run-vm.bash.
#
# Not meant to be run by hand: run-vm.bash copies it into the guest together with
# /run/vm/env (the command, working directory and environment, as bash assignments).
# It runs the command, then saves dmesg and finally the command's exit status into
# /results (the writable 9p share) for run-vm.bash to pick up.
set -uo pipefail

if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
	sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi

# shellcheck source=/dev/null
. /run/vm/env || { echo "run-vm: guest: cannot read /run/vm/env" >&2; exit 1; }

# System directories first, then the caller's PATH, without repeats.
path=""
IFS=: read -r -a dirs <<<"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${VM_PATH_EXTRA:-}"
for d in "${dirs[@]}"; do
	case ":$path:" in *":$d:"*) ;; *) [ -z "$d" ] || path="${path:+$path:}$d" ;; esac
done
export PATH=$path
unset path dirs d
export HOME=/root TERM=dumb LANG=C.UTF-8 RESULTS=/results
export VM_KVER VM_NICS VM_NIC_MACS VM_NIC_PCI VM_X599 VM_X599_MACS VM_X599_PCI
export VM_VIRTIO VM_VIRTIO_MACS VM_VIRTIO_PCI
unset VM_PATH_EXTRA

# Interface names of the emulated NICs, in --nics order, found by MAC address (only
# when a driver has bound them, e.g. the in-tree igb that /init loads by default).
VM_NIC_IFACES=""
for mac in $VM_NIC_MACS; do
	for dev in /sys/class/net/*; do
		if [ "$(cat "$dev/address" 2>/dev/null)" = "$mac" ]; then
			VM_NIC_IFACES="${VM_NIC_IFACES:+$VM_NIC_IFACES }${dev##*/}"
		fi
	done
done
export VM_NIC_IFACES

for kv in "${VM_ENV[@]}"; do
	export "${kv?}"
done

if ! cd "$VM_CWD" 2>/dev/null; then
	echo "run-vm: guest: warning: working directory $VM_CWD is not visible in the guest" \
		"(host /tmp, /run and /dev are replaced by the guest's own); running in /" >&2
	cd /
fi

# The host boots again a guest whose QEMU crashed before this point
# (run-vm.bash), never one that got here.
: >/results/.started && sync /results/.started
bash -c "$VM_CMD" </dev/null
rc=$?

dmesg >/results/dmesg.txt 2>&1 || true
# Everything written to /results reaches the host before the status does (the
# share is mounted cache=mmap, so writes are cached in the guest until synced);
# the status itself is written last, through a rename, never seen partial.
sync
echo "$rc" >/results/.exit-status.tmp && sync /results/.exit-status.tmp &&
	mv -f /results/.exit-status.tmp /results/exit-status
sync
exit 0
