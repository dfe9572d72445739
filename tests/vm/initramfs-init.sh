#!/bin/busybox sh
# shellcheck shell=sh
# /init of the initramfs built by run-vm.bash (runs under busybox in the guest).
#
# Loads the modules needed to reach the host's root filesystem, builds the guest
# root as an overlay (tmpfs upper) on top of the host's / exported read-only over
# 9p, mounts the writable results share at /results, then chroots into it and runs
# /run/vm/guest-run.bash (a copy of tests/vm/guest-run.bash) with the host's bash.
# Whatever happens, the guest ends with `poweroff -f`: run-vm.bash decides success
# from the exit-status file that guest-run.bash writes into /results.

case "${1:-}" in
-h | --help)
	echo "Usage: /init (the initramfs init of tests/vm/run-vm.bash; not run by hand)."
	echo "Kernel parameters: vm.ctl=DIR (required) vm.nics=N vm.nicdrv=igb|none"
	echo "  vm.msize=BYTES vm.rootcache=MODE vm.rescache=MODE (9p tuning)"
	exit 0
	;;
esac

PATH=/bin
export PATH

power_off() {
	sync
	# Console log level 0 (below KERN_EMERG) keeps the kernel's "reboot: Power down"
	# off the console; until here oopses and panics (levels 0-2) are shown.
	for p in /proc /newroot/proc; do
		[ -w "$p/sys/kernel/printk" ] && echo 0 >"$p/sys/kernel/printk"
	done
	poweroff -f
	sleep 10
}

die() {
	echo "run-vm: guest init: $*"
	echo "run-vm: guest init: powering off without running the command"
	power_off
}

mount -t devtmpfs devtmpfs /dev 2>/dev/null
# The cpio has no /dev/console node (it is built without root), so reopen stdio now.
exec 0</dev/console 1>/dev/console 2>&1
# Plain "\n" line ends on the serial console, so the caller sees no "\r".
stty -onlcr 2>/dev/null
mount -t proc proc /proc || die "cannot mount /proc"
mount -t sysfs sysfs /sys || die "cannot mount /sys"

vm_ctl=""
vm_nics=0
vm_nicdrv=igb
vm_msize=512000
vm_rootcache=loose
vm_rescache=mmap
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case "$arg" in
	vm.ctl=*) vm_ctl=${arg#vm.ctl=} ;;
	vm.nics=*) vm_nics=${arg#vm.nics=} ;;
	vm.nicdrv=*) vm_nicdrv=${arg#vm.nicdrv=} ;;
	vm.msize=*) vm_msize=${arg#vm.msize=} ;;
	vm.rootcache=*) vm_rootcache=${arg#vm.rootcache=} ;;
	vm.rescache=*) vm_rescache=${arg#vm.rescache=} ;;
	esac
done
[ -n "$vm_ctl" ] || die "no vm.ctl= on the kernel command line"

load_list() {
	# $1: a file listing module files (under /modules) in dependency order.
	[ -f "$1" ] || return 0
	while read -r ko; do
		[ -n "$ko" ] || continue
		# "File exists" (already loaded) is fine; anything else is fatal.
		if ! out=$(insmod "/modules/$ko" 2>&1); then
			case "$out" in
			*"File exists"*) ;;
			*) die "insmod $ko failed: $out" ;;
			esac
		fi
	done <"$1"
}
load_list /modules/boot.list

mkdir -p /host /overlay /newroot
mount -t 9p -o "trans=virtio,version=9p2000.L,ro,msize=$vm_msize,cache=$vm_rootcache" \
	hostroot /host || die "cannot mount the host root over 9p"
mount -t tmpfs -o size=50%,mode=0755 tmpfs /overlay || die "cannot mount the overlay tmpfs"
mkdir -p /overlay/upper /overlay/work
mount -t overlay overlay -o lowerdir=/host,upperdir=/overlay/upper,workdir=/overlay/work \
	/newroot || die "cannot mount the overlay root"

for d in dev proc sys; do
	mount --move "/$d" "/newroot/$d" || die "cannot move /$d into the new root"
done
mkdir -p /newroot/dev/pts /newroot/dev/shm
# bash process substitution needs /dev/fd
ln -sf /proc/self/fd /newroot/dev/fd 2>/dev/null
mount -t devpts -o gid=5,mode=0620,ptmxmode=0666 devpts /newroot/dev/pts
mount -t tmpfs -o mode=1777 tmpfs /newroot/dev/shm
mount -t tmpfs -o size=50%,mode=1777 tmpfs /newroot/tmp || die "cannot mount /tmp"
mount -t tmpfs -o mode=0755 tmpfs /newroot/run || die "cannot mount /run"
[ -d /newroot/sys/kernel/debug ] && mount -t debugfs debugfs /newroot/sys/kernel/debug 2>/dev/null
[ -d /newroot/sys/kernel/tracing ] && mount -t tracefs tracefs /newroot/sys/kernel/tracing 2>/dev/null
mkdir -p /newroot/results
mount -t 9p -o "trans=virtio,version=9p2000.L,msize=$vm_msize,cache=$vm_rescache" results /newroot/results ||
	die "cannot mount the results share"

# The control directory is read through the raw host share (/host), which is not
# hidden by the guest's own /tmp.
mkdir -p /newroot/run/vm
cp "/host$vm_ctl/"* /newroot/run/vm/ || die "cannot read the control directory $vm_ctl"

# A caller working under /tmp or /run (a CI checkout, say) would be hidden
# by the guest's own: show that directory through the raw host share.
vm_cwd=$(sed -n 's/^VM_CWD=//p' "/host$vm_ctl/env")
case "$vm_cwd" in
/tmp/* | /run/*)
	mkdir -p "/newroot$vm_cwd" && mount --bind "/host$vm_cwd" "/newroot$vm_cwd" ;;
esac

hostname hpcap-vm
ip link set lo up

if [ "$vm_nics" -gt 0 ] && [ "$vm_nicdrv" = igb ]; then
	load_list /modules/igb.list
fi

chroot /newroot /bin/bash /run/vm/guest-run.bash
rc=$?
[ "$rc" = 0 ] || echo "run-vm: guest init: guest-run.bash ended with status $rc"
power_off
