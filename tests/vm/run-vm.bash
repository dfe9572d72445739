#!/usr/bin/env bash
# run-vm.bash - boot one of the host's Debian kernels in QEMU (TCG) and run a command
# inside the guest, with the host's root filesystem visible read-only.
#
# See usage() below and tests/vm/README.md.
set -euo pipefail

here=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
prog=run-vm

usage() {
	cat <<'USAGE'
Usage: run-vm.bash --kernel KVER [options] -- COMMAND...

Boots /boot/vmlinuz-KVER in QEMU (software emulation, no KVM) and runs COMMAND in
the guest with the host's bash.  The guest's root is the host's / (read-only 9p)
under a tmpfs overlay, so every host program and the repository's own build output
are usable; the working directory is the caller's (if the guest can see it).

COMMAND: a single argument is a bash command line ('make check && echo done');
several arguments are run as one command with those exact arguments.

Options:
  --kernel KVER      kernel to boot (required; see tests/vm/kernels.bash)
  --timeout SEC      kill the guest after SEC seconds (default 300); exit 124
  --results DIR      host directory shared writable at /results in the guest
                     (env RESULTS=/results); gets exit-status and dmesg.txt.
                     Default: a temporary directory, removed afterwards.
  --nics N           number of emulated Intel 82576 NICs (igb), 0-2 (default 0).
                     All are on one virtual wire (a QEMU hub); MACs
                     52:54:00:00:00:01, 52:54:00:00:00:02; PCI slots 0x4, 0x8.
  --nic-driver D     igb (default: the in-tree driver is loaded at boot) or none
                     (NICs left unbound, e.g. for a module under test to claim)
  --dump FILE        QEMU filter-dump of the first NIC's port: pcap of every frame
                     crossing it, both directions, written by QEMU (needs --nics>=1)
  --x599 N           number of emulated Intel 82599 NICs (hpcap's QEMU model
                     hpcap-82599, PCI id 8086:10fb), 0-2 (default 0), on the
                     same wire as the igb NICs; MACs 52:54:00:00:01:01,
                     52:54:00:00:01:02; PCI slots 0x5, 0x6.  Left unbound
                     (`modprobe ixgbe` binds them).  Needs the patched QEMU
                     (tests/vm/qemu/build-qemu.bash).
  --x599-dump FILE   filter-dump of the first 82599's port (needs --x599>=1)
  --x599-opt OPTS    extra hpcap-82599 properties, e.g. link-train-us=1000
  --virtio N         number of virtio-net NICs (virtio-net-pci), 0 or 1
                     (default 0), on the same wire as the igb NICs; MAC
                     52:54:00:00:02:01, PCI slot 0x7; `modprobe virtio_net`
                     in the guest binds it
  --virtio-dump FILE filter-dump of the virtio-net NIC's port (needs --virtio 1)
  --virtio-opt OPTS  extra virtio-net-pci properties, e.g. iommu_platform=on
  --qemu PATH        QEMU binary (default: the system's, or the patched one
                     from tests/vm/qemu/build-qemu.bash when --x599 is used)
  --unimp-log FILE   QEMU's log of device-model accesses it does not implement
                     (-d unimp), e.g. the 82599 registers the model lacks
  --monitor SOCKET   QEMU's human monitor on a Unix socket, for a host-side
                     test to talk to the running guest's devices (set_link)
  --mem MB           guest memory (default 1024)
  --smp N            guest CPUs (default 2)
  --env VAR=VALUE    export VAR in the guest (repeatable)
  --append ARGS      extra kernel command line arguments
  --qemu-arg ARG     extra QEMU argument (repeatable, one word each)
  --debug            show kernel messages on the console, print the QEMU command
  -h, --help         this help

Guest environment: RESULTS=/results, VM_KVER, VM_NICS, and space-separated in NIC
order: VM_NIC_MACS, VM_NIC_PCI (0000:00:04.0 0000:00:08.0), VM_NIC_IFACES
(interface names, when a driver bound the NICs: eth0 eth1 with igb);
VM_X599 and VM_X599_MACS, VM_X599_PCI (0000:00:05.0 0000:00:06.0);
VM_VIRTIO, VM_VIRTIO_MACS, VM_VIRTIO_PCI (0000:00:07.0);
PATH = system directories followed by the caller's PATH.  /tmp is a tmpfs (50% of
the guest memory); /sys/kernel/debug is mounted; lo is up; hostname hpcap-vm.
`modprobe` works inside the guest (the host's /lib/modules/KVER is visible).

Exit status: COMMAND's, as written by the guest into RESULTS/exit-status;
124 if the timeout expired; 125 if the harness failed or the guest died before
writing the status.  The guest console (COMMAND's stdout and stderr) is streamed
to stdout.

Environment: VM_CACHE_DIR (initramfs cache, default tests/vm/.cache),
HPCAP_QEMU (the patched QEMU binary, overriding the cache lookup).
USAGE
}

fail() {
	echo "$prog: $*" >&2
	exit 125
}

kver=""
timeout_s=300
results=""
nics=0
nicdrv=igb
dump=""
x599=0
x599_dump=""
x599_opt=""
virtio=0
virtio_dump=""
virtio_opt=""
qemu_bin=""
unimp_log=""
monitor=""
mem=1024
smp=2
debug=0
append=""
guest_env=()
qemu_extra=()
cmd=()

need_arg() { [ "$2" -ge 2 ] || fail "option $1 needs an argument (see --help)"; }
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) need_arg "$1" $#; kver=$2; shift 2 ;;
	--timeout) need_arg "$1" $#; timeout_s=$2; shift 2 ;;
	--results) need_arg "$1" $#; results=$2; shift 2 ;;
	--nics) need_arg "$1" $#; nics=$2; shift 2 ;;
	--nic-driver) need_arg "$1" $#; nicdrv=$2; shift 2 ;;
	--dump) need_arg "$1" $#; dump=$2; shift 2 ;;
	--x599) need_arg "$1" $#; x599=$2; shift 2 ;;
	--x599-dump) need_arg "$1" $#; x599_dump=$2; shift 2 ;;
	--x599-opt) need_arg "$1" $#; x599_opt=$2; shift 2 ;;
	--virtio) need_arg "$1" $#; virtio=$2; shift 2 ;;
	--virtio-dump) need_arg "$1" $#; virtio_dump=$2; shift 2 ;;
	--virtio-opt) need_arg "$1" $#; virtio_opt=$2; shift 2 ;;
	--qemu) need_arg "$1" $#; qemu_bin=$2; shift 2 ;;
	--unimp-log) need_arg "$1" $#; unimp_log=$2; shift 2 ;;
	--monitor) need_arg "$1" $#; monitor=$2; shift 2 ;;
	--mem) need_arg "$1" $#; mem=$2; shift 2 ;;
	--smp) need_arg "$1" $#; smp=$2; shift 2 ;;
	--env) need_arg "$1" $#; guest_env+=("$2"); shift 2 ;;
	--append) need_arg "$1" $#; append="$append $2"; shift 2 ;;
	--qemu-arg) need_arg "$1" $#; qemu_extra+=("$2"); shift 2 ;;
	--debug) debug=1; shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; cmd=("$@"); break ;;
	*) fail "unknown option '$1' (see --help)" ;;
	esac
done

[ -n "$kver" ] || fail "--kernel KVER is required (see --help)"
[ ${#cmd[@]} -gt 0 ] || fail "no command given after -- (see --help)"
is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
if ! is_uint "$timeout_s" || [ "$timeout_s" -eq 0 ]; then fail "--timeout wants a positive number of seconds"; fi
if ! is_uint "$mem" || [ "$mem" -lt 256 ]; then fail "--mem wants megabytes (at least 256)"; fi
if ! is_uint "$smp" || [ "$smp" -eq 0 ]; then fail "--smp wants a positive number"; fi
[[ $nics =~ ^[012]$ ]] || fail "--nics must be 0, 1 or 2"
case "$nicdrv" in igb | none) ;; *) fail "--nic-driver must be igb or none" ;; esac
[ -z "$dump" ] || [ "$nics" -ge 1 ] || fail "--dump needs --nics 1 or 2"
[[ $x599 =~ ^[012]$ ]] || fail "--x599 must be 0, 1 or 2"
[ -z "$x599_dump" ] || [ "$x599" -ge 1 ] || fail "--x599-dump needs --x599 1 or 2"
[[ $x599_opt =~ ^[A-Za-z0-9_=,.-]*$ ]] || fail "--x599-opt wants prop=value[,prop=value...], got '$x599_opt'"
[[ $virtio =~ ^[01]$ ]] || fail "--virtio must be 0 or 1"
[ -z "$virtio_dump" ] || [ "$virtio" -ge 1 ] || fail "--virtio-dump needs --virtio 1"
[[ $virtio_opt =~ ^[A-Za-z0-9_=,.-]*$ ]] || fail "--virtio-opt wants prop=value[,prop=value...], got '$virtio_opt'"
for kv in "${guest_env[@]}"; do
	[[ $kv =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || fail "--env wants VAR=VALUE, got '$kv'"
done

vmlinuz=/boot/vmlinuz-$kver
moddir=/lib/modules/$kver
[ -r "$vmlinuz" ] || fail "no readable kernel image $vmlinuz (see tests/vm/kernels.bash)"
[ -d "$moddir" ] || fail "no module directory $moddir"
for tool in timeout modprobe cpio; do
	command -v "$tool" >/dev/null || fail "$tool not found (run scripts/install-deps.bash)"
done
# The 82599 model exists only in the patched QEMU (tests/vm/qemu/).
qemu_firmware=()
if [ -z "$qemu_bin" ] && [ "$x599" -gt 0 ]; then
	qemu_bin=${HPCAP_QEMU:-}
	if [ -z "$qemu_bin" ]; then
		# shellcheck source=tests/vm/qemu/qemu-model.bash
		. "$here/qemu/qemu-model.bash"
		qemu_bin=$(hpcap_qemu_find) ||
			fail "--x599 needs QEMU with the 82599 model: run tests/vm/qemu/build-qemu.bash (as root)"
	fi
fi
if [ -n "$qemu_bin" ]; then
	[ -x "$qemu_bin" ] || fail "QEMU binary $qemu_bin is not executable"
	# A QEMU built from source looks for firmware under its own prefix:
	# point it at the system's (qemu-system-data, seabios, ipxe-qemu).
	for d in /usr/share/qemu /usr/share/seabios /usr/lib/ipxe/qemu; do
		[ -d "$d" ] && qemu_firmware+=(-L "$d")
	done
else
	qemu_bin=$(command -v qemu-system-x86_64) || fail "qemu-system-x86_64 not found (run scripts/install-deps.bash)"
fi

# ---------------------------------------------------------------------------
# initramfs: static busybox + /init + the modules needed before the chroot, in
# dependency order.  Cached per kernel under a name derived from all its inputs.
# ---------------------------------------------------------------------------

find_static_busybox() {
	local c
	for c in /bin/busybox /usr/bin/busybox "$(command -v busybox || true)"; do
		if [ -z "$c" ] || [ ! -x "$c" ]; then continue; fi
		if [[ $(LC_ALL=C ldd "$c" 2>&1 || true) == *"not a dynamic executable"* ]]; then
			echo "$c"
			return 0
		fi
	done
	return 1
}

# Module files (absolute paths) that `modprobe` would insert for each module named,
# dependencies first, without repeats; built-in modules are skipped.
resolve_modules() {
	local m out
	for m in "$@"; do
		out=$(modprobe -S "$kver" --show-depends "$m" 2>&1) ||
			fail "modprobe -S $kver --show-depends $m: $out"
		awk '$1 == "insmod" { print $2 }' <<<"$out"
	done | awk '!seen[$0]++'
}

boot_mods=(virtio_pci 9pnet_virtio 9p overlay)
nic_mods=(igb)

busybox=$(find_static_busybox) || fail "no statically linked busybox (install busybox-static)"
mapfile -t boot_files < <(resolve_modules "${boot_mods[@]}")
mapfile -t nic_files < <(resolve_modules "${nic_mods[@]}" | grep -vxF -f <(printf '%s\n' "${boot_files[@]}" "") || true)

cache_dir=${VM_CACHE_DIR:-$here/.cache}
mkdir -p "$cache_dir" || fail "cannot create the cache directory $cache_dir"
cache_key=$(
	{
		echo "format 1 $kver"
		stat -L -c '%n %s %Y' "$busybox" "${boot_files[@]}" "${nic_files[@]}"
		echo "boot: ${boot_files[*]}"
		echo "nic: ${nic_files[*]}"
		cat "$here/initramfs-init.sh"
	} | sha256sum | cut -c1-16
)
initrd=$cache_dir/initrd-$kver-$cache_key.cpio

# Copies one module into the staging tree, uncompressed (busybox insmod cannot
# load compressed modules), and prints the name it got there.
stage_module() {
	local src=$1 dst=$2 base
	base=${src##*/}
	case "$src" in
	*.ko.xz) base=${base%.xz}; xz -dc "$src" >"$dst/$base" ;;
	*.ko.zst) base=${base%.zst}; zstd -q -dc "$src" >"$dst/$base" ;;
	*.ko.gz) base=${base%.gz}; gzip -dc "$src" >"$dst/$base" ;;
	*) cp "$src" "$dst/$base" ;;
	esac
	echo "$base"
}

build_initramfs() {
	local stage f applet tmp
	stage=$(mktemp -d "${TMPDIR:-/tmp}/run-vm-initramfs.XXXXXX")
	mkdir -p "$stage"/{bin,dev,proc,sys,modules}
	cp "$busybox" "$stage/bin/busybox"
	for applet in $("$busybox" --list); do
		[ "$applet" = busybox ] || ln -s busybox "$stage/bin/$applet"
	done
	cp "$here/initramfs-init.sh" "$stage/init"
	chmod 0755 "$stage/init"
	: >"$stage/modules/boot.list"
	: >"$stage/modules/igb.list"
	for f in "${boot_files[@]}"; do
		stage_module "$f" "$stage/modules" >>"$stage/modules/boot.list"
	done
	for f in "${nic_files[@]}"; do
		[ -n "$f" ] && stage_module "$f" "$stage/modules" >>"$stage/modules/igb.list"
	done
	tmp=$(mktemp "$cache_dir/.initrd.XXXXXX")
	(cd "$stage" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet) >"$tmp"
	rm -rf "$stage"
	# Older initramfs images of this kernel are stale now.
	find "$cache_dir" -maxdepth 1 -name "initrd-$kver-*.cpio" ! -name "${initrd##*/}" -delete 2>/dev/null || true
	mv -f "$tmp" "$initrd"
}

if [ ! -s "$initrd" ]; then
	build_initramfs || fail "building the initramfs for $kver failed"
fi

# ---------------------------------------------------------------------------
# Control directory (read by the guest's /init through the host share) and the
# results directory (second, writable share).
# ---------------------------------------------------------------------------

ctl=""
tmp_results=""
qpid=""
# shellcheck disable=SC2317 # (called from traps)
cleanup() {
	[ -z "$ctl" ] || rm -rf "$ctl"
	[ -z "$tmp_results" ] || rm -rf "$tmp_results"
}
# shellcheck disable=SC2317 # (called from traps)
on_signal() {
	echo "$prog: interrupted, stopping the guest" >&2
	[ -z "$qpid" ] || kill -TERM "$qpid" 2>/dev/null || true
	cleanup
	exit 130
}
trap cleanup EXIT
trap on_signal INT TERM HUP

ctl=$(mktemp -d "${TMPDIR:-/tmp}/run-vm-ctl.XXXXXX")
ctl=$(cd -P "$ctl" && pwd)
[[ $ctl =~ ^[A-Za-z0-9_./+-]+$ ]] || fail "temporary directory path '$ctl' has unusual characters; set TMPDIR"

if [ -n "$results" ]; then
	mkdir -p "$results" || fail "cannot create $results"
else
	tmp_results=$(mktemp -d "${TMPDIR:-/tmp}/run-vm-results.XXXXXX")
	results=$tmp_results
fi
results=$(cd -P "$results" && pwd)
rm -f "$results/exit-status" "$results/.exit-status.tmp" "$results/dmesg.txt" "$results/.started"

# Output files given by the caller: absolute paths, old copies removed.
abs_out() {
	mkdir -p "$(dirname -- "$1")"
	echo "$(cd -P "$(dirname -- "$1")" && pwd)/$(basename -- "$1")"
}
for var in dump x599_dump virtio_dump unimp_log monitor; do
	if [ -n "${!var}" ]; then
		printf -v "$var" '%s' "$(abs_out "${!var}")"
		rm -f "${!var}"
	fi
done

if [ ${#cmd[@]} -eq 1 ]; then
	command_line=${cmd[0]}
else
	command_line=$(printf '%q ' "${cmd[@]}")
fi

macs=()
pci=()
nic_slots=(0x4 0x8)
for ((i = 0; i < nics; i++)); do
	macs+=("52:54:00:00:00:0$((i + 1))")
	pci+=("$(printf '0000:00:%02x.0' "${nic_slots[i]}")")
done
x599_macs=()
x599_pci=()
x599_slots=(0x5 0x6)
for ((i = 0; i < x599; i++)); do
	x599_macs+=("52:54:00:00:01:0$((i + 1))")
	x599_pci+=("$(printf '0000:00:%02x.0' "${x599_slots[i]}")")
done
virtio_macs=()
virtio_pci=()
for ((i = 0; i < virtio; i++)); do
	virtio_macs+=("52:54:00:00:02:0$((i + 1))")
	virtio_pci+=("0000:00:07.0")
done

{
	printf 'VM_CMD=%q\n' "$command_line"
	printf 'VM_CWD=%q\n' "$(pwd -P)"
	printf 'VM_KVER=%q\n' "$kver"
	printf 'VM_NICS=%q\n' "$nics"
	printf 'VM_NIC_MACS=%q\n' "${macs[*]}"
	printf 'VM_NIC_PCI=%q\n' "${pci[*]}"
	printf 'VM_X599=%q\n' "$x599"
	printf 'VM_X599_MACS=%q\n' "${x599_macs[*]}"
	printf 'VM_X599_PCI=%q\n' "${x599_pci[*]}"
	printf 'VM_VIRTIO=%q\n' "$virtio"
	printf 'VM_VIRTIO_MACS=%q\n' "${virtio_macs[*]}"
	printf 'VM_VIRTIO_PCI=%q\n' "${virtio_pci[*]}"
	printf 'VM_PATH_EXTRA=%q\n' "$PATH"
	printf 'VM_ENV=('
	for kv in "${guest_env[@]}"; do printf '%q ' "$kv"; done
	printf ')\n'
} >"$ctl/env"
cp "$here/guest-run.bash" "$ctl/guest-run.bash"

# ---------------------------------------------------------------------------
# QEMU
# ---------------------------------------------------------------------------

if [ "$debug" = 1 ]; then
	kcmd="console=ttyS0 loglevel=7"
else
	kcmd="console=ttyS0 quiet loglevel=3"
fi
# no_timer_check: under emulation on a loaded host the kernel's check of
# the IO-APIC timer can miss its ticks and panic at boot ("IO-APIC + timer
# doesn't work"), which was seen twice at load 19.
kcmd="$kcmd panic=-1 mitigations=off no_timer_check vm.ctl=$ctl vm.nics=$nics vm.nicdrv=$nicdrv$append"

# Paths inside QEMU's comma-separated option strings need their commas doubled.
qesc() { printf '%s' "${1//,/,,}"; }

qemu=(
	"$qemu_bin" "${qemu_firmware[@]}"
	-nodefaults -no-user-config -display none -no-reboot
	-machine pc -cpu max -m "$mem" -smp "$smp"
	-chardev "stdio,id=con0,signal=off" -serial chardev:con0
	-kernel "$vmlinuz" -initrd "$initrd" -append "$kcmd"
	# 9p shares at explicit slots: 0x2/0x3 stay clear of the igb NICs (0x4, 0x8)
	# and the slots those reserve for their virtual functions (0x14-0x15, 0x18-0x19).
	-fsdev "local,id=fsroot,path=/,security_model=none,readonly=on,multidevs=remap"
	-device "virtio-9p-pci,fsdev=fsroot,mount_tag=hostroot,addr=0x2"
	-fsdev "local,id=fsres,path=$(qesc "$results"),security_model=none,multidevs=remap"
	-device "virtio-9p-pci,fsdev=fsres,mount_tag=results,addr=0x3"
)
for ((i = 0; i < nics; i++)); do
	qemu+=(
		-netdev "hubport,id=p$i,hubid=0"
		-device "igb,netdev=p$i,mac=${macs[i]},addr=${nic_slots[i]}"
	)
done
[ -z "$dump" ] || qemu+=(-object "filter-dump,id=dump0,netdev=p0,file=$(qesc "$dump")")
# 82599 NICs on the same hub as the igb ones, at slots clear of the igb
# virtual-function reservations.
for ((i = 0; i < x599; i++)); do
	qemu+=(
		-netdev "hubport,id=x$i,hubid=0"
		-device "hpcap-82599,netdev=x$i,mac=${x599_macs[i]},addr=${x599_slots[i]}${x599_opt:+,$x599_opt}"
	)
done
[ -z "$x599_dump" ] || qemu+=(-object "filter-dump,id=dump1,netdev=x0,file=$(qesc "$x599_dump")")
# virtio-net on the same hub, at a slot clear of the others (0x7).
for ((i = 0; i < virtio; i++)); do
	qemu+=(
		-netdev "hubport,id=v$i,hubid=0"
		-device "virtio-net-pci,netdev=v$i,mac=${virtio_macs[i]},addr=0x7${virtio_opt:+,$virtio_opt}"
	)
done
[ -z "$virtio_dump" ] || qemu+=(-object "filter-dump,id=dump2,netdev=v0,file=$(qesc "$virtio_dump")")
[ -z "$unimp_log" ] || qemu+=(-d unimp -D "$unimp_log")
[ -z "$monitor" ] || qemu+=(-monitor "unix:$(qesc "$monitor"),server=on,wait=off")
qemu+=("${qemu_extra[@]}")

[ "$debug" = 0 ] || { printf '%q ' "${qemu[@]}"; echo; } >&2

# QEMU runs in the background (stdin /dev/null, so it never touches a terminal)
# so that a signal to this script can stop it; `timeout` kills a hung guest.
start=$SECONDS
# QEMU 10.0's multi-threaded TCG sometimes dies of SIGSEGV while the guest
# boots (in address_space_translate_for_iotlb, a vCPU thread; 2 of 25 boots
# with --smp 4 and no hpcap model, 4 of 30 with it, on the CI machine).
# Such a boot never reached the test command (no .started), so it is booted
# again, at most twice, and said so; a crash once the command ran is the
# test's failure as before.
for boot in 1 2 3; do
	# (QEMU's warning that the NICs' hub has no host-side network is expected.)
	timeout --kill-after=10 "$timeout_s" "${qemu[@]}" </dev/null \
		2> >(grep --line-buffered -v 'warning: hub [0-9]* is not connected to host network' >&2) &
	qpid=$!
	qrc=0
	wait "$qpid" || qrc=$?
	qpid=""
	if [ "$qrc" -gt 128 ] && [ "$qrc" != 137 ] && [ ! -e "$results/.started" ] && [ "$boot" -lt 3 ]; then
		echo "$prog: QEMU died of signal $((qrc - 128)) while the $kver guest booted (before the command started): booting again ($((boot + 1)) of 3)" >&2
		continue
	fi
	break
done
elapsed=$((SECONDS - start))

if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	echo "$prog: TIMEOUT: the $kver guest did not finish within $timeout_s s; it was killed" >&2
	exit 124
fi
if [ ! -s "$results/exit-status" ]; then
	echo "$prog: the $kver guest stopped after $elapsed s without reporting the command's exit status" \
		"(QEMU exit status $qrc); see the console output above" >&2
	exit 125
fi
status=$(cat "$results/exit-status")
is_uint "$status" || fail "garbled exit status '$status' in $results/exit-status"
[ "$debug" = 0 ] || echo "$prog: $kver guest finished in $elapsed s, command status $status" >&2
exit "$status"
