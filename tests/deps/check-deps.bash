#!/usr/bin/env bash
# check-deps.bash - hold scripts/deps.list against the code and the machine.
#
#   tests/deps/check-deps.bash              the checks below
#   tests/deps/check-deps.bash --preflight [--vm]
#       only: is every program of the list here?  Before the demo and the VM
#       tests, so a missing program stops them at once with its package named
#       instead of turning into a misleading capture mismatch later.
#
# 1. Every program the scripts, tests, demo and benchmarks run (as found by
#    tests/deps/shell_commands.py) is in scripts/deps.list.
# 2. Every program in the list is still run somewhere (or marked indirect).
# 3. Every program in the list is on the system PATH, in a file that an
#    installed package provides, and that package is the one the list names
#    (or one it depends on: gcc -> gcc-12, alternatives such as awk).
# 4. Every package in the list is installed.
# VM-only entries are checked only where the VM tests' packages are installed
# (install-deps.bash without --no-vm).  Exit 0 pass, 1 fail.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
list=$top/scripts/deps.list

if [ "${1:-}" = --preflight ]; then
	groups=" base "
	[ "${2:-}" = --vm ] && groups=" base vm vm-bpo "
	miss=()
	while read -r prog pkg group _; do
		case $prog in '' | '#'* | -) continue ;; esac
		[[ $groups == *" $group "* ]] || continue
		command -v "$prog" >/dev/null 2>&1 || miss+=("$prog (package $pkg)")
	done <"$list"
	if [ ${#miss[@]} -gt 0 ]; then
		echo "missing programs: ${miss[*]}" >&2
		echo "install them with: sudo scripts/install-deps.bash" >&2
		exit 1
	fi
	exit 0
fi
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
t_init deps
cd "$top" || exit 1

sys_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

declare -A pkg_of group_of note_of used_at
while read -r prog pkg group note; do
	case $prog in '' | '#'*) continue ;; esac
	[ "$prog" = - ] && prog="-$pkg"
	pkg_of[$prog]=$pkg
	group_of[$prog]=$group
	note_of[$prog]=${note:-}
done <"$list"

found=$(python3 tests/deps/shell_commands.py) || { t_fail "reading the scripts" "shell_commands.py failed"; t_done; exit 1; }
while read -r prog where; do
	[ -n "$prog" ] && used_at[$prog]=$where
done <<<"$found"

vm_installed=0
dpkg-query -W -f='${Status}\n' qemu-system-x86 2>/dev/null | grep -q "ok installed" && vm_installed=1

# 1. run by a script, but not in the list (programs of the guest's
# initramfs are busybox applets there, or host programs after its chroot)
applets=" $(busybox --list 2>/dev/null | tr '\n' ' ') "
missing=()
for prog in "${!used_at[@]}"; do
	if [[ $prog == busybox/* ]]; then
		p=${prog#busybox/}
		[[ $applets == *" $p "* ]] && continue
		[ "$vm_installed" = 0 ] && [ -z "${pkg_of[$p]:-}" ] && continue
		[ -n "${pkg_of[$p]:-}" ] || missing+=("$p (${used_at[$prog]}: neither a busybox applet nor listed)")
		continue
	fi
	[ -n "${pkg_of[$prog]:-}" ] || missing+=("$prog (${used_at[$prog]})")
done
if [ ${#missing[@]} -eq 0 ]; then
	t_ok "every program the scripts run is in $list (${#used_at[@]} programs)"
else
	t_fail "every program the scripts run is in $list" "not listed: ${missing[*]} (add each with its Debian package)"
fi

# 2. in the list, but run by nothing
stale=()
for prog in "${!pkg_of[@]}"; do
	case $prog in -*) continue ;; esac
	[ -n "${used_at[$prog]:-}" ] && continue
	[ -n "${used_at[busybox/$prog]:-}" ] && continue
	[[ ${note_of[$prog]} == indirect* ]] && continue
	stale+=("$prog")
done
if [ ${#stale[@]} -eq 0 ]; then
	t_ok "every program in the list is run by some script"
else
	t_fail "every program in the list is run by some script" "run by nothing: ${stale[*]} (remove, or mark 'indirect' with where it is run)"
fi


installed() { dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q "ok installed"; }

# The packages that own a path, with usr-merge in mind (a package may list
# /bin/x while PATH finds /usr/bin/x).
owners() {
	local p=$1 alt
	case $p in /usr/*) alt=${p#/usr} ;; *) alt=/usr$p ;; esac
	{ dpkg -S "$p" 2>/dev/null; dpkg -S "$alt" 2>/dev/null; } |
		sed 's/: .*//' | tr ',' '\n' | sed 's/^ *//; s/:[a-z0-9]*$//' | sort -u
}

# 3. and 4.
bad=()
nprog=0
for prog in $(printf '%s\n' "${!pkg_of[@]}" | sort); do
	pkg=${pkg_of[$prog]}
	group=${group_of[$prog]}
	if [ "$group" = ci ] && ! installed "$pkg"; then
		continue	# only on the CI machine, installed by .ci/fresh-root.bash
	fi
	if [[ $group == vm* ]] && [ "$vm_installed" = 0 ]; then
		continue
	fi
	if ! installed "$pkg"; then
		bad+=("$pkg is not installed (run scripts/install-deps.bash)")
		continue
	fi
	case $prog in -*) continue ;; esac
	nprog=$((nprog + 1))
	path=$(PATH=$sys_path command -v "$prog") || { bad+=("$prog: not on the system PATH although $pkg is installed"); continue; }
	real=$(readlink -f "$path")
	mapfile -t own < <({ owners "$path"; owners "$real"; } | sort -u)
	if [ ${#own[@]} -eq 0 ]; then
		bad+=("$prog ($path): no installed package provides it")
		continue
	fi
	ok=0
	deps=" $(dpkg-query -W -f='${Depends} ${Pre-Depends}' "$pkg" 2>/dev/null | tr ',|' '  ' | sed 's/([^)]*)//g; s/:any//g') "
	for o in "${own[@]}"; do
		if [ "$o" = "$pkg" ] || [[ $deps == *" $o "* ]]; then ok=1; fi
	done
	[ "$ok" = 1 ] || bad+=("$prog ($real) comes from ${own[*]}, not from $pkg as the list says")
done
if [ ${#bad[@]} -eq 0 ]; then
	t_ok "every listed program ($nprog) is installed, from the package the list names"
else
	t_fail "every listed program is installed, from the package the list names" "$(printf '%s; ' "${bad[@]}")"
fi
[ "$vm_installed" = 1 ] || echo "note: the VM tests' packages are not installed; their entries were not checked"

# The reader itself: a script it must read right (builtins, functions,
# wrappers, quotes, heredocs, case patterns are not programs).
probe=$T_TMP/probe
mkdir -p "$probe/scripts"
git -C "$probe" init -q
cat >"$probe/scripts/probe.bash" <<'PROBE'
#!/usr/bin/env bash
helper() { echo "$1"; }
u=(B KiB MiB)
case $x in
start | stop) sudo -u nobody progA --flag ;;
*) helper x ;;
esac
ip netns exec peer progB -q 2>/dev/null
val=${val%"${val##*[![:space:]]}"}
out=$(progC | progD) # progE in a comment
cat <<DATA
progF is data
DATA
timeout -s KILL 10 progG && exec 9>/tmp/lock
command -v progH >/dev/null || bash -c 'progI "x"'
[[ $2 =~ ^(([KM])(B)?)?$ ]] && progJ $(((1 << 4) >> 1))
PROBE
git -C "$probe" add -A
got=$(python3 tests/deps/shell_commands.py --repo "$probe" | awk '{ print $1 }' | sort | tr '\n' ' ')
t_eq "the reader finds programs, and only programs, in a probe script" \
	"bash cat ip progA progB progC progD progG progH progI progJ sudo timeout " "$got"

t_done
