#!/usr/bin/env bash
# hugepages_mount.bash - mount hugetlbfs where install_hpcap.bash expects it
# (params.cfg's hugetlbfs_dir), and optionally reserve 2 MiB pages.
set -euo pipefail
PROG=hugepages_mount

usage() {
	cat <<'USAGE'
Usage: hugepages_mount [-c FILE] [-d DIR] [-n PAGES] [-u]

Mounts hugetlbfs (2 MiB pages) at DIR: params.cfg's hugetlbfs_dir, or
/mnt/hugetlbfs.  Already mounted there: nothing to do.  With -n, makes sure
at least PAGES pages of 2 MiB are reserved (vm.nr_hugepages; never lowers
it); the kernel may find fewer when memory is fragmented: a warning says
so, and reserving them at boot (hugepages=N on the kernel command line)
always works.

Options:
  -c, --config FILE  params.cfg (optional; default: the source tree's
                     params.cfg when run from one, else
                     /etc/hpcap/params.cfg)
  -d, --dir DIR      mount point (overrides the configuration)
  -n, --pages N      reserve at least N pages of 2 MiB
  -u, --umount       unmount it instead
  -h, --help         this help
USAGE
}

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
lib=""
for lib in "${HPCAP_LIB:-}" "$here/hpcap-lib.bash" "@HPCAP_DATADIR@/hpcap-lib.bash" "$here/../share/hpcap/hpcap-lib.bash"; do
	[ -n "$lib" ] && [ -r "$lib" ] && break
done
[ -r "$lib" ] || { echo "$PROG: cannot find hpcap-lib.bash (reinstall hpcap, or set HPCAP_LIB)" >&2; exit 1; }
# shellcheck source=hpcap-lib.bash
. "$lib"

config="" dir="" pages="" umount=0
while [ $# -gt 0 ]; do
	case $1 in
	-c | --config) [ $# -ge 2 ] || usage_error "$1 needs a file"; config=$2; shift 2 ;;
	-d | --dir) [ $# -ge 2 ] || usage_error "$1 needs a directory"; dir=$2; shift 2 ;;
	-n | --pages) { [ $# -ge 2 ] && is_uint "$2"; } || usage_error "$1 needs a number of pages"; pages=$((10#$2)); shift 2 ;;
	-u | --umount) umount=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage_error "unknown argument '$1'" ;;
	esac
done
if [ -z "$dir" ]; then
	dir=/mnt/hugetlbfs
	cfg_pick config
	if [ -r "$config" ]; then
		cfg_say_which "$config"
		cfg_load "$config"
		dir=$(cfg hugetlbfs_dir /mnt/hugetlbfs)
	fi
fi
[[ $dir == /* ]] || die "'$dir' is not an absolute path"
need_root "mounts a file system" "$*"

if [ "$umount" = 1 ]; then
	if hugetlbfs_mounts | grep -qx "$dir"; then
		umount "$dir" || die "cannot unmount $dir: a program still maps files there (fuser -m $dir)"
		say "hugetlbfs at $dir unmounted"
	else
		say "no hugetlbfs at $dir"
	fi
	exit 0
fi
if hugetlbfs_mounts | grep -qx "$dir"; then
	say "hugetlbfs already mounted at $dir"
else
	mkdir -p "$dir"
	mount -t hugetlbfs -o pagesize=2M hpcap-huge "$dir" || die "cannot mount hugetlbfs at $dir (is CONFIG_HUGETLBFS in the kernel?)"
	say "hugetlbfs mounted at $dir"
fi
if [ -n "$pages" ]; then
	have=$(meminfo HugePages_Total)
	if [ "$pages" -gt "$have" ]; then
		echo "$pages" >"$HPCAP_PROCFS/sys/vm/nr_hugepages"
		have=$(meminfo HugePages_Total)
		[ "$have" -ge "$pages" ] ||
			warn "asked for $pages pages of 2 MiB, the kernel found $have (memory is fragmented: add hugepages=$pages to the kernel command line)"
	fi
	say "$have pages of 2 MiB reserved, $(meminfo HugePages_Free) free"
fi
