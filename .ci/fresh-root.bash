#!/usr/bin/env bash
# fresh-root.bash - run commands in a freshly bootstrapped minimal Debian root
# holding a clone of this repository, as a new user on a minimal Debian would.
#
# Nothing installed on this machine can then hide a missing step: the root
# starts as `debootstrap --variant=minbase` plus git and sudo (nothing else),
# with this machine's Debian apt sources (read from its apt configuration,
# never a host name written down).
#
# Usage: .ci/fresh-root.bash [options] [-- COMMAND-LINE...]
#   Each COMMAND-LINE is run with bash -c inside the root, in the clone, in
#   order; the first that fails ends the run with its status.  Default: the
#   README's two quick-start commands.
# Options:
#   --cache DIR    what is safe to keep between runs (default
#                  /var/cache/hpcap-ci): the bootstrapped base (a tarball,
#                  rebuilt when older than --max-age days) and the downloaded
#                  .deb files, plus /var/cache/hpcap (tools the tests build,
#                  e.g. a QEMU, keyed by their own sources).
#   --max-age DAYS base tarball lifetime (default 7)
#   --no-cache     bootstrap and download everything again
#   --root DIR     where to build the root (default: a new directory under
#                  /var/tmp); removed at the end unless --keep
#   --keep         leave the root in place (to look inside after a failure)
#   --rev REV      the commit to clone (default HEAD)
#   -h, --help     this help
# Needs root, debootstrap (installed if missing) and network access to the
# Debian archive this machine uses.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
prog=fresh-root

cache=/var/cache/hpcap-ci
max_age=7
use_cache=1
root=""
keep=0
rev=HEAD
cmds=()
while [ $# -gt 0 ]; do
	case $1 in
	--cache) cache=$2; shift 2 ;;
	--max-age) max_age=$2; shift 2 ;;
	--no-cache) use_cache=0; shift ;;
	--root) root=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	--rev) rev=$2; shift 2 ;;
	-h | --help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; cmds=("$@"); break ;;
	*) echo "$prog: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done
if [ ${#cmds[@]} -eq 0 ]; then
	# The README's quick start, exactly as written there.
	mapfile -t cmds < <(sed -n '/^## Quick start/,/^```$/p' "$top/README.md" |
		sed -n '/^```sh$/,/^```$/p' | sed '1d;$d' | sed 's/[[:space:]]*#.*$//' | grep -v '^[[:space:]]*$')
	[ ${#cmds[@]} -eq 2 ] || { echo "$prog: the README's quick start should hold two commands, found ${#cmds[@]}" >&2; exit 1; }
fi
[ "$(id -u)" = 0 ] || { echo "$prog: run as root (it bootstraps and chroots)" >&2; exit 1; }

step() { printf '\n%s: [%s] %s\n' "$prog" "$(date +%T)" "$*"; }
t0=$(date +%s)

if ! command -v debootstrap >/dev/null; then
	step "installing debootstrap on this machine"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null
fi
mirror=$("$top/scripts/debian-mirror.bash")

[ -n "$root" ] || root=$(mktemp -d /var/tmp/hpcap-fresh-root.XXXXXX)
mkdir -p "$root"
mounted=()
cleanup() {
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount -R -l "${mounted[i]}" 2>/dev/null || true
	done
	if [ "$keep" = 0 ]; then
		rm -rf --one-file-system "$root"
	else
		echo "$prog: root kept in $root"
	fi
}
trap cleanup EXIT
# bind SRC DST [--rbind]: the mount is made a slave, so that unmounting it
# (or anything under it) never reaches this machine's own mounts.
bind() {
	mkdir -p "$2"
	mount "${3:---bind}" "$1" "$2"
	mount --make-rslave "$2"
	mounted+=("$2")
}

# 1. The base: debootstrap --variant=minbase + git and sudo, or the cached
#    tarball of exactly that.
base=$cache/base-bookworm-minbase.tar
if [ "$use_cache" = 1 ] && [ -s "$base" ] && [ -n "$(find "$base" -mtime -"$max_age" 2>/dev/null)" ]; then
	step "base root from the cache ($base)"
	tar -C "$root" -xpf "$base"
else
	step "debootstrap --variant=minbase bookworm (from $mirror)"
	dbs_cache=()
	if [ "$use_cache" = 1 ]; then
		mkdir -p "$cache/debs"
		dbs_cache=(--cache-dir="$cache/debs")
	fi
	debootstrap --variant=minbase --include=git,sudo,ca-certificates \
		"${dbs_cache[@]}" bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1 ||
		{ tail -20 "$root.debootstrap.log" >&2; echo "$prog: debootstrap failed (log above)" >&2; exit 1; }
	rm -f "$root.debootstrap.log"
	# The same apt sources as this machine: its Debian entries as they are.
	rm -f "$root/etc/apt/sources.list"
	for src in /etc/apt/sources.list.d/*.sources; do
		grep -q '^URIs:.*debian' "$src" 2>/dev/null || continue
		case $src in */hpcap-*) continue ;; esac	# added by install-deps: the root adds its own
		cp "$src" "$root/etc/apt/sources.list.d/"
	done
	[ -n "$(ls "$root/etc/apt/sources.list.d/")" ] ||
		echo "deb $mirror bookworm main" >"$root/etc/apt/sources.list"
	rm -f "$root"/var/cache/apt/archives/*.deb
	if [ "$use_cache" = 1 ]; then
		tar -C "$root" -cpf "$base.tmp" . && mv "$base.tmp" "$base"
	fi
fi
echo "hpcap-ci" >"$root/etc/hostname"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

# 2. The root as a mount point of its own (ip netns exec and unshare -m make
#    "/" a slave mount, which fails with EINVAL where "/" is no mount point,
#    as in a plain chroot), then the kernel's file systems, and the caches.
bind "$root" "$root"
mount -t proc proc "$root/proc"; mounted+=("$root/proc")
bind /sys "$root/sys" --rbind
bind /dev "$root/dev" --rbind
mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"; mounted+=("$root/dev/shm")
mount -t tmpfs tmpfs "$root/run"; mounted+=("$root/run")
if [ "$use_cache" = 1 ]; then
	mkdir -p "$cache/apt-archives/partial" "$cache/tools"
	bind "$cache/apt-archives" "$root/var/cache/apt/archives"
	bind "$cache/tools" "$root/var/cache/hpcap"
fi

# 3. A clone of this repository, as a user would make it.
step "cloning $(git -C "$top" rev-parse --short "$rev") into the root"
git clone -q --no-local "$top" "$root/src/hpcap"
git -C "$root/src/hpcap" checkout -q "$(git -C "$top" rev-parse "$rev")"

# 4. The commands.
status=0
for c in "${cmds[@]}"; do
	step "running: $c"
	t=$(date +%s)
	env -i HOME=/root USER=root LOGNAME=root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		chroot "$root" bash -c "cd /src/hpcap && $c" || status=$?
	step "'$c' exited $status after $(($(date +%s) - t)) s"
	[ "$status" = 0 ] || break
done
step "total $(($(date +%s) - t0)) s, status $status"
exit "$status"
