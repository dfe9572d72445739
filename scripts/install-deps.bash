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

here=$(cd "$(dirname "$0")" && pwd)
export DEBIAN_FRONTEND=noninteractive
apt_install() { $SUDO apt-get install -y -q --no-install-recommends "$@"; }

# The backports suite is added with the same mirror the machine already uses: the
# URIs line is read from the existing Debian entry, never written down here.
add_backports() {
	local list=/etc/apt/sources.list.d/hpcap-backports.sources uris
	[ -f "$list" ] && return 0
	uris=$("$here/debian-mirror.bash") || exit 1
	printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		"$uris" | $SUDO tee "$list" >/dev/null
}

# The packages come from scripts/deps.list (program, package, group), which
# tests/deps/check-deps.bash holds against every program the scripts run.
deps_list=$here/deps.list
[ -r "$deps_list" ] || { echo "install-deps.bash: $deps_list is missing (run it from the source tree)" >&2; exit 1; }
pkgs_of_group() { awk -v g="$1" '!/^#/ && NF >= 3 && $3 == g { print $2 }' "$deps_list" | sort -u; }
mapfile -t base_pkgs < <(pkgs_of_group base)
mapfile -t vm_pkgs < <(pkgs_of_group vm)
mapfile -t vm_bpo_pkgs < <(pkgs_of_group vm-bpo)

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
	apt_install "${vm_pkgs[@]}"
	apt_install "$k61" "$h61"
	apt_install -t bookworm-backports "$k612" "$h612" "${vm_bpo_pkgs[@]}"

	# QEMU with hpcap's Intel 82599 model (tests/vm/qemu/, doc/qemu-82599.md),
	# built from Debian's source with the build dependencies in deps.list
	# (group vm and vm-bpo), cached under /var/cache/hpcap until the model
	# or the QEMU source changes.
	$SUDO "$here/../tests/vm/qemu/build-qemu.bash" >/dev/null
fi
echo "install-deps.bash: done"
