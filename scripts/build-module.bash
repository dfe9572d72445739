#!/usr/bin/env bash
# build-module.bash [--sparse] [--fault-test] [KVER...] - build hpcap.ko for
# each kernel (default: every kernel with headers, see tests/vm/kernels.bash)
# with W=1, into build/kmod/<KVER>/hpcap.ko.  The sources (Kbuild, driver/,
# core/, include/) are copied per kernel so that builds for several kernels
# never share object files.  --fault-test builds the allocation-failure
# test variant (driver/hpcap_fault.h) into build/kmod-fault/<KVER>/ instead:
# for the VM tests only, never to be installed.
set -euo pipefail
cd "$(dirname "$0")/.."
sparse=0
kmod=build/kmod
fault=()
if [ "${1:-}" = "--help" ]; then sed -n '2,8p' "$0"; exit 0; fi
while [ $# -gt 0 ]; do
	case "$1" in
	--sparse) sparse=1; shift ;;
	--fault-test) kmod=build/kmod-fault; fault=(HPCAP_FAULT_TEST=y); shift ;;
	*) break ;;
	esac
done
kvers=("$@")
[ ${#kvers[@]} -gt 0 ] || mapfile -t kvers < <(tests/vm/kernels.bash)
[ ${#kvers[@]} -gt 0 ] || { echo "build-module: no kernel headers found (scripts/install-deps.bash)" >&2; exit 1; }
for kver in "${kvers[@]}"; do
	out=$kmod/$kver
	mkdir -p "$out/driver" "$out/core" "$out/include"
	# Copy only what differs, so rebuilds stay incremental (and a file
	# that went back in time, after a checkout, is still copied).
	for f in Kbuild driver/*.c driver/*.h core/*.c core/*.h include/*.h; do
		cmp -s "$f" "$out/$f" || cp "$f" "$out/$f"
	done
	# Sources deleted from the tree must not linger in the copy.
	for f in "$out"/driver/*.[ch] "$out"/core/*.[ch] "$out"/include/*.h; do
		[ -e "$f" ] || continue
		case ${f##*/} in *.mod.c) continue ;; esac
		[ -e "${f#"$out"/}" ] || rm -f "$f" "${f%.c}.o"
	done
	args=(-C "/lib/modules/$kver/build" M="$PWD/$out" W=1 "${fault[@]}" modules)
	[ "$sparse" = 1 ] && args+=(C=2)
	echo "build-module: $kver"
	make -s "${args[@]}" 2>&1 | { grep -v "^  \|Skipping BTF" || true; }
	test -f "$out/hpcap.ko"
done
