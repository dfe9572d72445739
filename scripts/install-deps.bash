#!/usr/bin/env bash
# install-deps.bash - install everything hpcap needs on a fresh Debian bookworm machine.
#
# Build tools, libpcap/tshark for the cross-checks, sanitizer and fuzzer runtimes,
# and for the VM tests of the module: Debian's 6.1 kernel (bookworm) and 6.12 kernel
# (bookworm-backports) with their headers, plus QEMU 10 from backports (bookworm's
# QEMU 7.2 has no igb device).  Safe to run twice.
set -euo pipefail

usage() {
	cat <<'USAGE'
Usage: install-deps.bash [--no-vm] [--help]

Installs the Debian packages hpcap needs to build, test and benchmark.
  --no-vm   skip the kernels and QEMU needed only by the VM tests of the module
  --help    show this help
Run as root (or with sudo available).
USAGE
}

want_vm=1
for arg in "$@"; do
	case "$arg" in
	--no-vm) want_vm=0 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "install-deps.bash: unknown option '$arg' (see --help)" >&2; exit 2 ;;
	esac
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "install-deps.bash: run as root or install sudo" >&2; exit 1; }
	SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
apt_install() { $SUDO apt-get install -y -q --no-install-recommends "$@"; }

# The backports suite is added with the same mirror the machine already uses: the
# URIs line is read from the existing Debian entry, never written down here.
add_backports() {
	local list=/etc/apt/sources.list.d/hpcap-backports.sources src uris
	[ -f "$list" ] && return 0
	src=/etc/apt/sources.list.d/debian.sources
	if [ -f "$src" ]; then
		uris=$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' "$src")
	else
		uris=$(awk '/^deb / && $0 !~ /security/ { print $2; exit }' /etc/apt/sources.list)
	fi
	[ -n "$uris" ] || { echo "install-deps.bash: cannot find the Debian mirror in the apt sources" >&2; exit 1; }
	printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		"$uris" | $SUDO tee "$list" >/dev/null
}

base_pkgs=(
	build-essential pkg-config make gcc clang llvm libclang-rt-14-dev
	libpcap-dev tcpdump tshark zstd libzstd-dev
	sparse shellcheck doxygen gnuplot-nox hyperfine time
	iproute2 ethtool kmod python3 bc xxd file
	dkms numactl hwloc-nox groff-base man-db systemd
)

if [ "$want_vm" = 1 ]; then
	add_backports
fi
$SUDO apt-get update -q
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
apt_install "${base_pkgs[@]}"

if [ "$want_vm" = 1 ]; then
	# Kernels are installed by exact package name so the 6.1 and 6.12 images and
	# headers sit side by side (the linux-image-amd64 metapackage can be only one).
	dep_of() { apt-cache show "$@" | awk -F': ' '/^Depends:/ { split($2, d, /[ ,]/); print d[1]; exit }'; }
	k61=$(dep_of linux-image-amd64/bookworm)
	h61=$(dep_of linux-headers-amd64/bookworm)
	k612=$(dep_of linux-image-amd64/bookworm-backports)
	h612=$(dep_of linux-headers-amd64/bookworm-backports)
	# No bootloader or initramfs work is wanted: these kernels only boot in QEMU.
	$SUDO mkdir -p /etc/initramfs-tools/conf.d
	apt_install initramfs-tools-core busybox-static cpio
	apt_install "$k61" "$h61"
	apt_install -t bookworm-backports "$k612" "$h612" qemu-system-x86 ipxe-qemu

	# QEMU with hpcap's Intel 82599 model (tests/vm/qemu/, doc/qemu-82599.md):
	# its build dependencies (Meson 1.5+ and pycotap from backports), then the
	# build itself, cached under /var/cache/hpcap until the model changes.
	apt_install ninja-build libglib2.0-dev libpixman-1-dev libfdt-dev python3-venv flex bison bzip2
	apt_install -t bookworm-backports meson python3-pycotap
	$SUDO "$(dirname "$0")/../tests/vm/qemu/build-qemu.bash" >/dev/null
fi
echo "install-deps.bash: done"
