#!/usr/bin/env bash
# build-module.bash [--sparse] [KVER...] - build hpcap.ko for each kernel
# (default: every kernel with headers, see tests/vm/kernels.bash) with W=1,
# into build/kmod/<KVER>/driver/hpcap.ko.  The sources are copied per
# kernel so that builds for several kernels never share object files.
set -euo pipefail
cd "$(dirname "$0")/.."
sparse=0
if [ "${1:-}" = "--help" ]; then sed -n '2,5p' "$0"; exit 0; fi
if [ "${1:-}" = "--sparse" ]; then sparse=1; shift; fi
kvers=("$@")
[ ${#kvers[@]} -gt 0 ] || mapfile -t kvers < <(tests/vm/kernels.bash)
[ ${#kvers[@]} -gt 0 ] || { echo "build-module: no kernel headers found (scripts/install-deps.bash)" >&2; exit 1; }
for kver in "${kvers[@]}"; do
	out=build/kmod/$kver
	mkdir -p "$out/driver" "$out/include"
	# Copy only what changed, so rebuilds stay incremental.
	cp -u driver/*.c driver/*.h driver/Kbuild "$out/driver/"
	cp -u include/*.h "$out/include/"
	args=(-C "/lib/modules/$kver/build" M="$PWD/$out/driver" W=1 modules)
	[ "$sparse" = 1 ] && args+=(C=2)
	echo "build-module: $kver"
	make -s "${args[@]}" 2>&1 | { grep -v "^  \|Skipping BTF" || true; }
	test -f "$out/driver/hpcap.ko"
done
