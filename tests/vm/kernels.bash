#!/usr/bin/env bash
# kernels.bash - list the kernel versions usable for VM tests, one per line.
#
# A kernel qualifies when /lib/modules/KVER exists with a `build` directory (its
# headers, to build the module against) and /boot/vmlinuz-KVER is readable.
set -euo pipefail

case "${1:-}" in
-h | --help)
	cat <<'USAGE'
Usage: kernels.bash
Prints, one per line (version-sorted), every KVER with /lib/modules/KVER/build
(kernel headers) and a readable /boot/vmlinuz-KVER: the kernels run-vm.bash can
boot and the module can be built for.
USAGE
	exit 0
	;;
"") ;;
*) echo "kernels.bash: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac

for dir in /lib/modules/*/; do
	[ -d "$dir" ] || continue
	kver=$(basename -- "$dir")
	if [ -d "$dir/build" ] && [ -r "/boot/vmlinuz-$kver" ]; then
		echo "$kver"
	fi
done | sort -V
