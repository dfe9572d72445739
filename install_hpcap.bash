#!/usr/bin/env bash
# install_hpcap.bash - set up capture from params.cfg: check the whole file,
# build and load hpcap.ko, bind the chosen ports, bring them up, attach the
# generic captures, mount hugetlbfs, pin cores and start the monitors.
# Running it again applies the file again; --uninstall undoes everything.
# See doc/operations.md and params.cfg.sample.
set -euo pipefail
PROG=install_hpcap.bash

usage() {
	cat <<'USAGE'
Usage: install_hpcap.bash [-c FILE] [--check] [--module KO] [--wait SEC] [-q]
       install_hpcap.bash --uninstall

Sets up hpcap as params.cfg says (which one: see -c):
  1. checks the whole file first and stops at the first error, naming the
     key, its value and what is allowed (nothing is changed then);
  2. builds hpcap.ko when needed (from a source tree) and loads it, with
     the native ports' settings as module parameters;
  3. binds the ports in mode 2/3 to hpcap (they become hpcap<i>) and brings
     them up; gives ports in mode 1 back to their normal driver; attaches
     the interfaces in mirror/drop mode (generic capture, adapter <i>);
     starts hpcap-xdp (adapter <i>) on the ports in mode xdp, with the
     NIC's VLAN stripping off: as the systemd unit hpcap-xdp@<iface> when
     systemd runs and the unit is installed, else in the background (pid
     file in /run/hpcap; HPCAP_XDP_START=direct forces that; more
     hpcap-xdp options in HPCAP_XDP_OPTS); the module is not loaded when
     no port needs it;
  4. mounts hugetlbfs and reserves pages when mode 3 or hugepages_reserve
     ask for them; pins interrupts; starts the monitors;
  5. prints what it did.
Running it again is safe: what is already as the file says is left alone;
a change of the native ports' settings reloads the module (refused while a
capture program has a queue open).

Options:
  -c, --config FILE  the configuration; default, as HPCAP: params.cfg at
                     the root of the source tree this script runs from,
                     if there is one, else /etc/hpcap/params.cfg (the
                     plan says which file was read)
      --check        check the file and print what would be done; change
                     nothing (needs no root)
      --module KO    use this hpcap.ko (default: params.cfg's module=, the
                     source tree's build, then the installed module)
      --wait SEC     wait up to SEC seconds for the interfaces of ifs to
                     appear (at boot, NIC drivers may still be loading)
      --no-monitors  do not start the monitors even if monitor_enabled=1
      --uninstall    stop the monitors and hpcap-xdp, give every port back
                     to its normal driver (VLAN stripping and promiscuous
                     mode as they were), unload hpcap, unmount what
                     install mounted
  -q, --quiet        only errors and warnings
  -h, --help         this help

params.cfg as HPCAP installations have it works as it is: lines ending
in ";", sizes like 2GB, ports named hpcapN/xgbN (N: the port's index in
PCI order among the Intel 82576/82599 ports; --check says which PCI
address each became), HPCAP keys hpcap has no use for (use_vf, ntxq,
consumers, ...: a warning names each). Warnings also say when a poll
thread runs on another NUMA node than its NIC, or two share a core.

Exit status: 0 done; 1 an error (the message says what to do); 2 usage.
Examples:
  install_hpcap.bash --check -c params.cfg
  sudo install_hpcap.bash
  sudo install_hpcap.bash --uninstall
USAGE
}

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
lib=""
for lib in "${HPCAP_LIB:-}" "$here/scripts/hpcap-lib.bash" "$here/hpcap-lib.bash" \
	"@HPCAP_DATADIR@/hpcap-lib.bash" "$here/../share/hpcap/hpcap-lib.bash"; do
	[ -n "$lib" ] && [ -r "$lib" ] && break
done
[ -r "$lib" ] || { echo "$PROG: cannot find hpcap-lib.bash (reinstall hpcap, or set HPCAP_LIB)" >&2; exit 1; }
# shellcheck source=scripts/hpcap-lib.bash
. "$lib"

config=""
check=0 uninstall=0 quiet=0 monitors=1 wait_sec=0 opt_module=""
while [ $# -gt 0 ]; do
	case $1 in
	-c | --config) [ $# -ge 2 ] || usage_error "$1 needs a file"; config=$2; shift 2 ;;
	--check) check=1; shift ;;
	--module) [ $# -ge 2 ] || usage_error "--module needs a file"; opt_module=$2; shift 2 ;;
	--wait) { [ $# -ge 2 ] && is_uint "$2"; } || usage_error "--wait needs a number of seconds"; wait_sec=$((10#$2)); shift 2 ;;
	--no-monitors) monitors=0; shift ;;
	--uninstall) uninstall=1; shift ;;
	-q | --quiet) quiet=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage_error "unknown option '$1'" ;;
	esac
done
cfg_pick config

log() { [ "$quiet" = 1 ] || say "$@"; }
# run_tool NAME ARGS: a companion script, from the source tree or installed
# beside this one (or in PATH)
run_tool() {
	local t=$1 p
	shift
	for p in "$here/scripts/$t.bash" "$here/$t.bash" "$here/$t"; do
		[ -x "$p" ] && { "$p" "$@"; return; }
	done
	"$t" "$@"
}

# ------------------------------------------------------------ hpcap-xdp

# A port in mode xdp is captured by hpcap-xdp (doc/xdp.md), one process per
# port, adapter number = the port's index.  What install started is in
# $HPCAP_RUNDIR/xdp-<i>.state ("name value" lines: ifname, how (systemd or
# direct), unit, pid, args); $HPCAP_RUNDIR/rxvlan-<iface> exists while
# install keeps the NIC's VLAN stripping off (it says what to restore).

# xdp_bin: the hpcap-xdp to run: $HPCAP_XDP, the installed one, the source
# tree's build, or PATH's
xdp_bin() {
	local b
	for b in "${HPCAP_XDP:-}" "@HPCAP_BINDIR@/hpcap-xdp" "$here/${BUILD:-build}/bin/hpcap-xdp" \
		"$here/build/bin/hpcap-xdp" "$(command -v hpcap-xdp || true)"; do
		[ -n "$b" ] && [ -x "$b" ] && { echo "$b"; return 0; }
	done
	return 1
}

# xdp_args I: hpcap-xdp's options for interface I (the interface follows)
xdp_args() {
	local i=$1 nq=${IF_NQ[$1]} a
	a="-a $i -Q 0-$((nq - 1)) -c $(seq -s, "${IF_CORE[i]}" $((IF_CORE[i] + nq - 1)))"
	a+=" -b $((IF_BUF[i] >> 20))M --file-size $((FILE_SIZE >> 20))M -M ${IF_XDPMODE[i]} -i 0.25"
	[ "${IF_CAPLEN[i]}" = 0 ] || a+=" -s ${IF_CAPLEN[i]}"
	# More of hpcap-xdp's options for every xdp port (e.g. -A dispatcher)
	[ -z "${HPCAP_XDP_OPTS:-}" ] || a+=" $HPCAP_XDP_OPTS"
	echo "$a"
}

# xdp_use_systemd: start hpcap-xdp as systemd units (systemd runs and the
# unit is installed), unless HPCAP_XDP_START=direct
xdp_use_systemd() {
	[ "${HPCAP_XDP_START:-}" != direct ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null &&
		systemctl cat hpcap-xdp@.service >/dev/null 2>&1
}

xdp_state() { echo "$HPCAP_RUNDIR/xdp-$1.state"; }

# xdp_listeners I: listeners on the queues of the hpcap-xdp of interface I
xdp_listeners() {
	local q n=0
	local -A X
	for q in $(xdp_queues "$1"); do
		kv_file X "$HPCAP_XDP_DIR/hpcap_$1_$q.stats"
		n=$((n + ${X[listeners]:-0}))
	done
	echo "$n"
}

# xdp_running I: what install started for interface I runs; prints its
# args and interface
xdp_running() {
	local -A S
	[ -r "$(xdp_state "$1")" ] || return 1
	kv_file S "$(xdp_state "$1")"
	xdp_alive "$(xdp_pid "$1")" || return 1
	echo "${S[args]:-} ${S[ifname]:-}"
}

# xdp_pid I: the pid of interface I's hpcap-xdp (its port file's, checked)
xdp_pid() {
	local -A P
	kv_file P "$HPCAP_XDP_DIR/hpcap_$1.port"
	echo "${P[pid]:-}"
}

# xdp_start I NAME: start hpcap-xdp on NAME as adapter I and wait until it
# captures (its port file says running with its pid); the reasons it gives
# if it does not
xdp_start() {
	local i=$1 name=$2 bin args unit pid="" log=$HPCAP_RUNDIR/xdp-$2.log how=direct
	bin=$(xdp_bin) || die "mode$i=xdp: hpcap-xdp not found (make install puts it in $(dirname "@HPCAP_BINDIR@/x"); it needs libxdp: scripts/install-deps.bash)"
	args=$(xdp_args "$i")
	# The NIC hands XDP the frame without its 802.1Q tag when it strips
	# tags in hardware: keep them (restored on uninstall).
	if ethtool -k "$name" 2>/dev/null | grep -q '^rx-vlan-offload: on$'; then
		if ethtool -K "$name" rxvlan off 2>/dev/null; then
			echo on >"$HPCAP_RUNDIR/rxvlan-$name"
			log "$name: VLAN stripping off (tags stay in the frames)"
		else
			warn "$name: cannot turn VLAN stripping off (ethtool -K $name rxvlan off): 802.1Q tags will be missing from its frames"
		fi
	elif ethtool -k "$name" 2>/dev/null | grep -q '^rx-vlan-offload: on \[fixed\]'; then
		warn "$name: its driver strips VLAN tags and cannot stop (rx-vlan-offload on [fixed]): 802.1Q tags will be missing from its frames"
	fi
	if xdp_use_systemd; then
		how=systemd
		unit=$(systemd-escape --template=hpcap-xdp@.service "$name")
		{
			echo "HPCAP_XDP_ARGS=$args"
			[ -z "${HPCAP_DEV_DIR:-}" ] || echo "HPCAP_DEV_DIR=$HPCAP_DEV_DIR"
		} >"$HPCAP_RUNDIR/xdp-$name.env"
		systemctl reset-failed "$unit" 2>/dev/null || true
		systemctl start "$unit" || die "mode$i=xdp: systemctl start $unit failed: journalctl -u $unit says why"
	else
		unit=-
		: >"$log"
		# Its own session, only stdin/out/err (not install's lock), locked
		# memory as the unit gives it (the UMEM).
		# shellcheck disable=SC2086 # args are words
		(ulimit -l unlimited 2>/dev/null || true; exec setsid "$bin" $args "$name") \
			</dev/null >>"$log" 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
		pid=$!
	fi
	printf 'ifname %s\nhow %s\nunit %s\nargs %s\n' "$name" "$how" "$unit" "$args" >"$(xdp_state "$i")"
	local n
	# Under a loaded machine (or an emulator) the XDP program and the
	# sockets take seconds to set up.
	for ((n = 0; n < 300; n++)); do
		if [ "$how" = direct ]; then
			if ! kill -0 "$pid" 2>/dev/null; then
				rm -f "$(xdp_state "$i")"
				xdp_vlan_restore "$name"
				die "mode$i=xdp: hpcap-xdp did not start on $name: $(tail -3 "$log" | paste -sd' ' -)"
			fi
			[ "$(xdp_pid "$i")" = "$pid" ] && break
		else
			if systemctl is-failed -q "$unit"; then
				rm -f "$(xdp_state "$i")"
				xdp_vlan_restore "$name"
				die "mode$i=xdp: $unit failed: $(journalctl -q -n 3 -o cat -u "$unit" 2>/dev/null | paste -sd' ' -)"
			fi
			pid=$(systemctl show -p MainPID --value "$unit" 2>/dev/null)
			[ -n "$pid" ] && [ "$pid" != 0 ] && [ "$(xdp_pid "$i")" = "$pid" ] && break
		fi
		sleep 0.1
	done
	if [ "$n" -ge 300 ]; then
		die "mode$i=xdp: hpcap-xdp on $name did not report within 30 s (see $([ "$how" = direct ] && echo "$log" || echo "journalctl -u $unit"))"
	fi
	local -A P
	kv_file P "$HPCAP_XDP_DIR/hpcap_$i.port"
	log "$name: hpcap-xdp as adapter $i ($how, pid $pid): ${P[xdp_mode]:-?} mode, ${IF_NQ[i]} queue(s), stamps from the ${P[timestamp]:-?} clock${P[notes]:+; ${P[notes]}}"
}

# xdp_vlan_restore NAME: VLAN stripping back on if install turned it off
xdp_vlan_restore() {
	local f=$HPCAP_RUNDIR/rxvlan-$1
	[ -e "$f" ] || return 0
	if netdev_exists "$1" && ethtool -K "$1" rxvlan on 2>/dev/null; then
		log "$1: VLAN stripping on again"
	fi
	rm -f "$f"
}

# xdp_stop I: stop what install started for interface I (SIGTERM: it
# drains, ends its queues, detaches its program), restore VLAN stripping
xdp_stop() {
	local i=$1 f pid n
	local -A S
	f=$(xdp_state "$i")
	[ -r "$f" ] || return 0
	kv_file S "$f"
	pid=$(xdp_pid "$i")
	if [ "${S[how]:-}" = systemd ]; then
		systemctl stop "${S[unit]}" 2>/dev/null || warn "systemctl stop ${S[unit]} failed"
	elif xdp_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((n = 0; n < 150; n++)); do
			xdp_alive "$pid" || break
			sleep 0.1
		done
		if xdp_alive "$pid"; then
			warn "hpcap-xdp on ${S[ifname]} (pid $pid) did not stop within 15 s: killed"
			kill -KILL "$pid" 2>/dev/null || true
			sleep 0.2
		fi
	fi
	# What a killed one leaves (its program in libxdp's dispatcher, its
	# files); nothing after a clean stop.
	if netdev_exists "${S[ifname]}" && [ "${S[how]:-}" != systemd ]; then
		local bin
		bin=$(xdp_bin) && "$bin" --cleanup -q "${S[ifname]}" >/dev/null 2>&1 || true
	fi
	xdp_vlan_restore "${S[ifname]}"
	rm -f "$f" "$HPCAP_RUNDIR/xdp-${S[ifname]}.env"
	log "${S[ifname]}: hpcap-xdp (adapter $i) stopped"
}

# xdp_started: the interface indexes install started hpcap-xdp for
xdp_started() {
	local f
	for f in "$HPCAP_RUNDIR"/xdp-*.state; do
		[ -e "$f" ] || continue
		f=${f##*/xdp-}
		echo "${f%.state}"
	done
}

# ------------------------------------------------------------ uninstall

do_uninstall() {
	need_root "unbinds ports and unloads the module" "--uninstall"
	mkdir -p "$HPCAP_RUNDIR"
	if module_loaded && [ "$(module_refcnt)" -gt 0 ]; then
		die "hpcap is in use ($(module_users | awk '{ printf "%s%s[%s]", s, $2, $1; s = ", " }')): stop the capture programs first (systemctl stop 'hpcap-capture@*', or kill them), then run --uninstall again"
	fi
	local x
	for x in $(xdp_started); do
		if [ "$(xdp_listeners "$x")" -gt 0 ]; then
			die "adapter $x (hpcap-xdp) is in use: a capture program has one of its queues open; stop the capture programs first (systemctl stop 'hpcap-capture@*', or kill them), then run --uninstall again"
		fi
	done
	run_tool stop-hpcap-monitors -q || true
	for x in $(xdp_started); do xdp_stop "$x"; done
	local d pci drv n=0 name
	# Every port bound to hpcap, or left with an override naming it.
	for d in "$HPCAP_SYSFS"/bus/pci/devices/*; do
		pci=${d##*/}
		if [ "$(pci_driver "$pci")" = hpcap ] || [ "$(cat "$d/driver_override" 2>/dev/null)" = hpcap ]; then
			drv=$(pci_handback "$pci")
			n=$((n + 1))
			if [ -n "$drv" ]; then
				name=""
				for _ in $(seq 50); do
					first_netdev name "$pci"
					[ -n "$name" ] && break
					sleep 0.1
				done
				log "$pci: back to $drv${name:+ ($name)}"
			else
				warn "$pci: no driver took it back (modprobe its driver, then: echo $pci > /sys/bus/pci/drivers_probe)"
			fi
		fi
	done
	if module_loaded || [ -d "$HPCAP_SYSFS/module/hpcap" ]; then
		rmmod hpcap || die "rmmod hpcap failed: see dmesg; a capture program may have opened a queue meanwhile"
		log "hpcap unloaded"
	fi
	# Generic and xdp ports: promiscuous mode as it was.
	local i spec mode promisc
	if [ -r "$HPCAP_RUNDIR/ports" ]; then
		while read -r i spec name pci mode promisc; do
			: "$i$spec$pci"
			if { is_generic "$mode" || is_xdp "$mode"; } && [ "$promisc" = 0 ] && netdev_exists "$name"; then
				ip link set dev "$name" promisc off 2>/dev/null && log "$name: promiscuous mode off again"
			fi
		done <"$HPCAP_RUNDIR/ports"
	fi
	if [ -r "$HPCAP_RUNDIR/huge" ]; then
		local what val
		while read -r what val; do
			case $what in
			mounted) umount "$val" 2>/dev/null && log "hugetlbfs at $val unmounted" ;;
			nr_hugepages) echo "$val" >"$HPCAP_PROCFS/sys/vm/nr_hugepages" && log "hugetlbfs pages back to $val" ;;
			esac
		done <"$HPCAP_RUNDIR/huge"
	fi
	rm -f "$HPCAP_RUNDIR/ports" "$HPCAP_RUNDIR/modparams" "$HPCAP_RUNDIR/huge"
	log "uninstalled: $n port(s) given back"
}

# -------------------------------------------------------------- the plan

# Module parameters for the native ports, arrays indexed by adapter number
# (= the interface's place in ifs).
modparams() {
	local i last=-1 ports="" nrxq="" core="" vel="" caplen="" dup="" bufmb="" huge="" jumbo="" sep=""
	for ((i = 0; i < NIF; i++)); do is_native "${IF_MODE[i]}" && last=$i; done
	for ((i = 0; i <= last; i++)); do
		if is_native "${IF_MODE[i]}"; then
			ports+="$sep${IF_PCI[i]}" nrxq+="$sep${IF_NRXQ[i]}" core+="$sep${IF_CORE[i]}"
			vel+="$sep${IF_VEL[i]}" caplen+="$sep${IF_CAPLEN[i]}" dup+="$sep${IF_DUP[i]}"
			bufmb+="$sep$((IF_BUF[i] >> 20))" jumbo+="$sep${IF_JUMBO[i]}"
			huge+="$sep$([ "${IF_MODE[i]}" = 3 ] && echo 1 || echo 0)"
		else
			ports+="$sep-" nrxq+="${sep}1" core+="$sep-1" vel+="${sep}0" caplen+="${sep}0"
			dup+="${sep}0" bufmb+="${sep}0" huge+="${sep}0" jumbo+="${sep}0"
		fi
		sep=,
	done
	if [ "$last" -ge 0 ]; then
		printf 'ports=%s nrxq=%s core=%s vel=%s caplen=%s dup=%s bufmb=%s huge=%s jumbo=%s ' \
			"$ports" "$nrxq" "$core" "$vel" "$caplen" "$dup" "$bufmb" "$huge" "$jumbo"
	fi
	printf 'file_size=%s poll_idle_us=%s ts_per_frame=%s\n' "$FILE_SIZE" "$POLL_IDLE_US" "$TS_PER_FRAME"
}

# attach_req I: the generic attach request of interface I
attach_req() {
	local i=$1
	echo "${IF_NAME[i]} ${IF_MODE[i]} caplen=${IF_CAPLEN[i]} queues=${IF_NRXQ[i]} bufsize=${IF_BUF[i]} filesize=$FILE_SIZE adapter=$i"
}

# nodes A N: the device nodes of N queues of adapter A
nodes() {
	if [ "$2" = 1 ]; then echo "/dev/hpcap_$1_0"; else echo "/dev/hpcap_$1_{0..$(($2 - 1))}"; fi
}

# describe I: one line about interface I, for the plan and the summary
describe() {
	local i=$1 m cores what where
	m=${IF_MODE[i]} where=${IF_SPEC[i]}
	[ -n "${IF_PCI[i]}" ] && [ "${IF_PCI[i]}" != "${IF_SPEC[i]}" ] && where+=" (${IF_PCI[i]})"
	case $m in
	1)
		what="mode 1: left to its normal driver"
		[ "${IF_VEL[i]}" != 0 ] && what+=", speed ${IF_VEL[i]} Mb/s"
		[ -n "${IF_CORE[i]}" ] && what+=", interrupts on core ${IF_CORE[i]}"
		;;
	2 | 3)
		cores=$(seq -s, "${IF_CORE[i]}" $((IF_CORE[i] + IF_NRXQ[i] - 1)))
		what="mode $m: hpcap$i, ${IF_NRXQ[i]} queue(s) polled on core(s) $cores, buffers ${IF_NQ[i]} x $(human_bytes "${IF_BUF[i]}")"
		[ "$m" = 3 ] && what+=" in 2 MiB pages"
		what+=", caplen $([ "${IF_CAPLEN[i]}" = 0 ] && echo all || echo "${IF_CAPLEN[i]}")"
		what+=", duplicates $([ "${IF_DUP[i]}" = 1 ] && echo removed || echo kept)"
		[ "${IF_VEL[i]}" != 0 ] && what+=", speed ${IF_VEL[i]} Mb/s"
		[ "${IF_JUMBO[i]}" = 1 ] && what+=", jumbo frames"
		what+=", $(nodes "$i" "${IF_NQ[i]}")"
		;;
	xdp)
		cores=$(seq -s, "${IF_CORE[i]}" $((IF_CORE[i] + IF_NRXQ[i] - 1)))
		what="xdp: hpcap-xdp as adapter $i, ${IF_NQ[i]} queue(s) on core(s) $cores, modes ${IF_XDPMODE[i]}, buffers ${IF_NQ[i]} x $(human_bytes "${IF_BUF[i]}") (+ $(human_bytes "$XDP_UMEM_BYTES") UMEM each)"
		what+=", caplen $([ "${IF_CAPLEN[i]}" = 0 ] && echo all || echo "${IF_CAPLEN[i]}")"
		[ "${IF_VEL[i]}" != 0 ] && what+=", speed ${IF_VEL[i]} Mb/s"
		what+=", VLAN stripping off, $(nodes "$i" "${IF_NQ[i]}")"
		;;
	*)
		what="generic $m capture as adapter $i, ${IF_NQ[i]} queue(s), buffers ${IF_NQ[i]} x $(human_bytes "${IF_BUF[i]}")"
		what+=", caplen $([ "${IF_CAPLEN[i]}" = 0 ] && echo all || echo "${IF_CAPLEN[i]}")"
		[ -n "${IF_CORE[i]}" ] && what+=", interrupts on core ${IF_CORE[i]}"
		[ "${IF_VEL[i]}" != 0 ] && what+=", speed ${IF_VEL[i]} Mb/s"
		what+=", $(nodes "$i" "${IF_NQ[i]}")"
		;;
	esac
	[ -n "${IF_APPCORES[i]}" ] && what+=", capture programs on core(s) ${IF_APPCORES[i]}"
	[ -n "${IF_KEEP[i]}" ] && what+=", retention $(keep_words "${IF_KEEP[i]}")"
	printf '  %2d %-28s %s\n' "$i" "$where" "$what"
}

# keep_words "--keep-free 10% --keep-age 7d": "keep 10% free, files up to 7d"
keep_words() {
	local -a a
	local out="" j
	read -r -a a <<<"$1"
	for ((j = 0; j + 1 < ${#a[@]}; j += 2)); do
		case ${a[j]} in
		--keep-free) out+="${out:+, }keep ${a[j + 1]} free" ;;
		--keep-size) out+="${out:+, }at most ${a[j + 1]} per queue" ;;
		--keep-age) out+="${out:+, }files up to ${a[j + 1]} old" ;;
		esac
	done
	echo "$out"
}

# hpcap_names_line: which port each HPCAP name of ifs became
hpcap_names_line() {
	local i l=""
	for ((i = 0; i < NIF; i++)); do
		[ -n "${IF_HPNAME[i]}" ] || continue
		l+="${l:+, }${IF_HPNAME[i]} = ${IF_PCI[i]}${IF_NAME[i]:+ (${IF_NAME[i]})}"
	done
	[ -z "$l" ] || echo "  HPCAP names (port N in PCI order of the ${#HPCAP_NAME_PORTS[@]} Intel 82576/82599 ports): $l"
	return 0
}

print_plan() {
	local i
	echo "$PROG: $(cfg_which "$CFG_FILE"): $NIF interface(s)"
	for ((i = 0; i < NIF; i++)); do describe "$i"; done
	hpcap_names_line
	if [ "$NEED_MODULE" = 1 ]; then
		echo "  module parameters: $(modparams)"
	else
		echo "  module: not needed (no port in mode 2, 3, mirror or drop)"
	fi
	[ "$HUGE_TOTAL" -gt 0 ] || [ "$HUGE_RESERVE" -gt 0 ] &&
		echo "  hugetlbfs at $HUGE_DIR$([ "$HUGE_RESERVE" -gt 0 ] && echo ", $HUGE_RESERVE pages reserved")"
	if [ "$MON_ENABLED" = 1 ]; then
		echo "  monitors: every $MON_INTERVAL s into $MON_BASEDIR/<YYYY-WW>/<iface>$([ "$MON_CORE" -ge 0 ] && echo ", on core $MON_CORE")"
	else
		echo "  monitors: off"
	fi
	return 0
}

# find_module: sets KO (a file to insmod) or KO="" (modprobe the installed
# one); builds it from the source tree when that is older than the sources
find_module() {
	local kver ko f newer=0
	kver=$(uname -r)
	KO=${opt_module:-$MODULE_PATH}
	BUILD_NEEDED=0
	if [ -n "$KO" ]; then
		[ -r "$KO" ] || die "--module $KO: no such file"
		return 0
	fi
	if [ -x "$here/scripts/build-module.bash" ] && [ -d "$here/driver" ]; then
		ko=$here/build/kmod/$kver/hpcap.ko
		if [ -e "$ko" ]; then
			# Up to date when build-module.bash's copy of the sources (it
			# builds from a copy per kernel) is the same as the tree's: by
			# content, as a checkout touches files without changing them.
			local src=() cpy=()
			for f in "$here"/Kbuild "$here"/driver/*.[ch] "$here"/core/*.[ch] "$here"/include/*.h; do
				src+=("$f")
				cpy+=("$here/build/kmod/$kver/${f#"$here"/}")
			done
			[ "$(cat "${src[@]}" | md5sum)" = "$(cat "${cpy[@]}" 2>/dev/null | md5sum)" ] || newer=1
		fi
		if [ ! -e "$ko" ] || [ "$newer" = 1 ]; then
			[ -d "/lib/modules/$kver/build" ] ||
				die "no hpcap.ko built for kernel $kver and no headers to build it: install them (apt install linux-headers-$kver) and run again, or give --module KO"
			BUILD_NEEDED=1
		fi
		KO=$ko
		return 0
	fi
	if modinfo -n hpcap >/dev/null 2>&1; then
		KO=""
		return 0
	fi
	if command -v dkms >/dev/null && [ -d "/usr/src/hpcap-$HPCAP_VERSION" ]; then
		KO="" BUILD_NEEDED=2
		return 0
	fi
	die "no hpcap module for kernel $kver: install it with DKMS (make install, then dkms install hpcap/$HPCAP_VERSION), run this script from the source tree, or give --module KO"
}

build_module() {
	local kver
	kver=$(uname -r)
	case $BUILD_NEEDED in
	1)
		log "building hpcap.ko for $kver"
		"$here/scripts/build-module.bash" "$kver" >/dev/null ||
			die "building the module failed (see above); fix it, or give --module KO"
		;;
	2)
		log "building hpcap.ko for $kver with DKMS"
		dkms install "hpcap/$HPCAP_VERSION" -k "$kver" >/dev/null ||
			die "dkms install hpcap/$HPCAP_VERSION failed: see /var/lib/dkms/hpcap/$HPCAP_VERSION/build/make.log"
		;;
	esac
}

wait_for_ifs() {
	# shellcheck disable=SC2034 # hp_pci is filled through a nameref
	local deadline=$((SECONDS + wait_sec)) spec missing hp_pci=""
	[ "$wait_sec" -gt 0 ] || return 0
	while :; do
		missing=""
		for spec in $(cfg ifs); do
			if [[ $spec =~ ^(hpcap|xgb)[0-9]+$ ]]; then
				HPCAP_NAME_PORTS_READ=0
				hpcap_name_resolve hp_pci "$spec" || netdev_exists "$spec" || missing+=" $spec"
			elif is_pci_addr "$spec"; then
				pci_exists "$(pci_norm "$spec")" || missing+=" $spec"
			elif ! netdev_exists "$spec" && [ -z "$(state_lookup "$spec")" ]; then
				missing+=" $spec"
			fi
		done
		[ -z "$missing" ] && return 0
		[ $SECONDS -lt $deadline ] || return 0
		sleep 0.5
	done
}

# ------------------------------------------------------------- install

# kernel_port_up I: port I (mirror, drop or xdp) on its kernel driver, up,
# promiscuous, at its forced speed if any.  Sets the caller's name (and
# IF_NAME[I]) when the port was a native one handed back, and promisc to
# what the port had before the first install (the ports file keeps it).
kernel_port_up() {
	local i=$1 drv flags old
	if [ -z "$name" ]; then
		# It was a native port: its interface comes back with its driver.
		drv=$(pci_handback "$pci")
		for _ in $(seq 50); do
			first_netdev name "$pci"
			[ -n "$name" ] && break
			sleep 0.1
		done
		[ -n "$name" ] || die "$pci (${IF_SPEC[i]}) has no network interface after binding ${drv:-its driver}: see dmesg"
		IF_NAME[i]=$name
	fi
	flags=$(cat "$HPCAP_SYSFS/class/net/$name/flags")
	promisc=$(((flags & 0x100) != 0))
	if [ -r "$HPCAP_RUNDIR/ports" ]; then
		# keep what it was before the first install
		old=$(awk -v n="$name" '$3 == n && $6 != "-" { print $6 }' "$HPCAP_RUNDIR/ports")
		[ -n "$old" ] && promisc=$old
	fi
	ip link set dev "$name" promisc on up
	if [ "${IF_VEL[i]}" != 0 ]; then
		ethtool -s "$name" speed "${IF_VEL[i]}" duplex full autoneg off ||
			warn "$name: ethtool could not force ${IF_VEL[i]} Mb/s"
	fi
}

main_install() {
	local i pci name drv cur want reload=0 line
	cfg_load "$config"
	wait_for_ifs
	cfg_validate
	local note_line
	for note_line in "${CFG_NOTES[@]}"; do cfg_note "$note_line"; done
	# Told once: the monitors started below read the file again quietly.
	export HPCAP_CFG_TOLD=$CFG_FILE
	NEED_MODULE=0
	need_module && NEED_MODULE=1
	KO="" BUILD_NEEDED=0
	[ "$NEED_MODULE" = 0 ] || find_module
	WANT_PARAMS=$(modparams)
	if [ "$check" = 1 ]; then
		print_plan
		case $BUILD_NEEDED in 1) echo "  hpcap.ko would be built for $(uname -r)" ;; 2) echo "  hpcap.ko would be built with DKMS" ;; esac
		echo "$PROG: $CFG_FILE is valid; nothing was changed (--check)"
		return 0
	fi
	need_root "loads a module and binds ports" "-c $config"
	log "configuration: $(cfg_which "$CFG_FILE")"
	mkdir -p "$HPCAP_RUNDIR"
	exec 9>"$HPCAP_RUNDIR/lock"
	flock -w 120 9 || die "another install_hpcap.bash holds $HPCAP_RUNDIR/lock"

	# What has to change, and may it: all checked before the first change.
	cur=$(cat "$HPCAP_RUNDIR/modparams" 2>/dev/null || true)
	if [ "$NEED_MODULE" = 1 ] && module_loaded && [ "$cur" != "$WANT_PARAMS" ]; then
		reload=1
		if [ "$(module_refcnt)" -gt 0 ]; then
			die "the native ports' settings changed, which needs the module reloaded, but hpcap is in use ($(module_users | awk '{ printf "%s%s[%s]", s, $2, $1; s = ", " }')): stop the capture programs, then run again"
		fi
	fi
	declare -A detach=()
	if module_loaded && [ "$reload" = 0 ]; then
		local id aname src nq
		while read -r id aname src nq _; do
			[ -n "$id" ] || continue
			[ "$src" = native ] && continue
			want=""
			if [ "$id" -lt "$NIF" ] && is_generic "${IF_MODE[id]}"; then
				want="${IF_NAME[id]} generic-${IF_MODE[id]} ${IF_NQ[id]} ${IF_BUF[id]} $FILE_SIZE"
			fi
			line="$aname $src $nq $(cat "$(qdir "$id" 0)/buf_size" 2>/dev/null) $(cat "$(qdir "$id" 0)/file_size" 2>/dev/null)"
			if [ "$line" != "$want" ]; then
				detach[$id]=$aname
				if grep -h '^listeners' "$HPCAP_SYSFS"/class/hpcap/hpcap_"${id}"_*/stats | grep -qv '^listeners 0$'; then
					die "adapter $id ($aname) must be attached again for the new settings, but a capture program has one of its queues open: stop it, then run again"
				fi
			fi
		done <<<"$(adapters)"
	fi
	# hpcap-xdp runs that no longer match the file (another interface,
	# other settings, or no longer mode xdp) are stopped below, and must
	# not be in use.
	declare -A xdp_restart=()
	local x xargs
	for x in $(xdp_started); do
		xargs=""
		if [ "$x" -lt "$NIF" ] && is_xdp "${IF_MODE[x]}" && [ -n "${IF_NAME[x]}" ]; then
			xargs="$(xdp_args "$x") ${IF_NAME[x]}"
		fi
		if [ "$(xdp_running "$x" || true)" != "$xargs" ]; then
			xdp_restart[$x]=1
			if [ "$(xdp_listeners "$x")" -gt 0 ]; then
				die "adapter $x (hpcap-xdp) must be started again for the new settings, but a capture program has one of its queues open: stop it, then run again"
			fi
		fi
	done
	# Mode 3: the module takes its 2 MiB chunks from the page allocator.
	if [ "$HUGE_TOTAL" -gt 0 ]; then
		local need have
		need=$((HUGE_TOTAL / (2 << 20)))
		have=$(free_2m_blocks)
		if [ "$have" -lt "$need" ]; then
			echo 1 >"$HPCAP_PROCFS/sys/vm/compact_memory" 2>/dev/null || true
			have=$(free_2m_blocks)
		fi
		# A loaded module's 2 MiB chunks come back when it is reloaded.
		[ "$reload" = 1 ] && have=$((have + $(current_buffers_bytes) / (2 << 20)))
		if [ "$have" -lt "$need" ]; then
			die "mode 3 needs $need free 2 MiB blocks of memory for its buffers, and only $have are free even after compaction: use smaller hugesize<i>, mode 2, or install right after boot"
		fi
	fi
	build_module

	# From here on things change.
	if [ "$reload" = 1 ]; then
		log "native settings changed: reloading hpcap"
		run_tool stop-hpcap-monitors -q || true
		rmmod hpcap || die "rmmod hpcap failed (see dmesg); nothing else was changed"
	fi
	# Ports bound to hpcap (or marked for it) that are no longer native.
	local d p keep
	for d in "$HPCAP_SYSFS"/bus/pci/devices/*; do
		p=${d##*/}
		[ "$(pci_driver "$p")" = hpcap ] || [ "$(cat "$d/driver_override" 2>/dev/null)" = hpcap ] || continue
		keep=0
		for ((i = 0; i < NIF; i++)); do
			[ "${IF_PCI[i]}" = "$p" ] && is_native "${IF_MODE[i]}" && keep=1
		done
		if [ "$keep" = 0 ]; then
			drv=$(pci_handback "$p")
			log "$p: given back to ${drv:-no driver}"
		fi
	done

	# Hugetlbfs.
	local hugestate="" prev
	if [ "$HUGE_TOTAL" -gt 0 ] || [ "$HUGE_RESERVE" -gt 0 ]; then
		[ -r "$HPCAP_RUNDIR/huge" ] && hugestate=$(cat "$HPCAP_RUNDIR/huge")
		if ! hugetlbfs_mounts | grep -qx "$HUGE_DIR"; then
			mkdir -p "$HUGE_DIR"
			mount -t hugetlbfs -o pagesize=2M hpcap-huge "$HUGE_DIR" ||
				die "cannot mount hugetlbfs at $HUGE_DIR (does the kernel have CONFIG_HUGETLBFS?)"
			hugestate+=$'\n'"mounted $HUGE_DIR"
			log "hugetlbfs mounted at $HUGE_DIR"
		fi
		prev=$(meminfo HugePages_Total)
		if [ "$HUGE_RESERVE" -gt "${prev:-0}" ]; then
			grep -q '^nr_hugepages' <<<"$hugestate" || hugestate+=$'\n'"nr_hugepages $prev"
			echo "$HUGE_RESERVE" >"$HPCAP_PROCFS/sys/vm/nr_hugepages"
			local got
			got=$(meminfo HugePages_Total)
			if [ "$got" -lt "$HUGE_RESERVE" ]; then
				warn "asked for $HUGE_RESERVE hugetlbfs pages, the kernel reserved $got (memory is fragmented: reserve them at boot with hugepages=$HUGE_RESERVE on the kernel command line)"
			else
				log "$got hugetlbfs pages of 2 MiB reserved"
			fi
		fi
		sed '/^$/d' <<<"$hugestate" >"$HPCAP_RUNDIR/huge"
	fi

	# hpcap-xdp runs that do not match the file any more.
	for x in "${!xdp_restart[@]}"; do xdp_stop "$x"; done

	# The module.
	if [ "$NEED_MODULE" = 0 ]; then
		: # xdp ports only
	elif ! module_loaded; then
		local -a params
		read -r -a params <<<"$WANT_PARAMS"
		if [ -n "$KO" ]; then
			insmod "$KO" "${params[@]}" || die "insmod $KO failed: see dmesg | grep hpcap"
		else
			modprobe hpcap "${params[@]}" || die "modprobe hpcap failed: see dmesg | grep hpcap"
		fi
		echo "$WANT_PARAMS" >"$HPCAP_RUNDIR/modparams"
		log "hpcap loaded ($WANT_PARAMS)"
	else
		echo "$WANT_PARAMS" >"$HPCAP_RUNDIR/modparams"
	fi

	# Adapters attached otherwise than the file says (attached again below).
	for i in "${!detach[@]}"; do
		echo "$i" >"$HPCAP_SYSFS/class/hpcap/detach" && log "adapter $i (${detach[$i]}) detached"
	done

	# Ports, in order.
	: >"$HPCAP_RUNDIR/ports.new"
	local promisc flags n
	for ((i = 0; i < NIF; i++)); do
		pci=${IF_PCI[i]}
		name=${IF_NAME[i]}
		promisc=-
		case ${IF_MODE[i]} in
		2 | 3)
			if [ "$(pci_driver "$pci")" != hpcap ] || [ ! -e "$HPCAP_SYSFS/class/net/hpcap$i" ]; then
				pci_to_hpcap "$pci" || true
			fi
			for _ in $(seq 50); do
				[ -e "$HPCAP_SYSFS/bus/pci/devices/$pci/net/hpcap$i" ] && break
				sleep 0.1
			done
			if [ ! -e "$HPCAP_SYSFS/bus/pci/devices/$pci/net/hpcap$i" ]; then
				drv=$(pci_handback "$pci")
				die "$pci (${IF_SPEC[i]}) did not become hpcap$i (given back to ${drv:-no driver}); the kernel log says why: dmesg | grep hpcap"
			fi
			# The stack would try to send (IPv6 autoconfiguration) on a
			# port that transmits nothing: keep IPv6 off it.
			echo 1 >"$HPCAP_PROCFS/sys/net/ipv6/conf/hpcap$i/disable_ipv6" 2>/dev/null || true
			ip link set dev "hpcap$i" up
			n=0
			for _ in $(seq 50); do
				[ "$(cat "$HPCAP_SYSFS/class/net/hpcap$i/carrier" 2>/dev/null)" = 1 ] && { n=1; break; }
				sleep 0.1
			done
			[ "$n" = 1 ] || warn "hpcap$i (${IF_SPEC[i]}) has no link yet: capture starts when it comes up"
			log "hpcap$i up (${IF_SPEC[i]}, $pci)"
			name=hpcap$i
			;;
		1)
			if [ -n "$pci" ]; then
				if [ "$(pci_driver "$pci")" = hpcap ] || [ -z "$(pci_driver "$pci")" ]; then
					drv=$(pci_handback "$pci")
					[ -n "$drv" ] || die "$pci (${IF_SPEC[i]}): no driver took it (modprobe its driver and run again)"
				fi
				for _ in $(seq 50); do
					first_netdev name "$pci"
					[ -n "$name" ] && break
					sleep 0.1
				done
			fi
			if [ -n "$name" ]; then
				ip link set dev "$name" up || warn "cannot bring $name up"
				if [ "${IF_VEL[i]}" != 0 ]; then
					ethtool -s "$name" speed "${IF_VEL[i]}" duplex full autoneg off ||
						warn "$name: ethtool could not force ${IF_VEL[i]} Mb/s"
				fi
				if [ -n "${IF_CORE[i]}" ]; then
					n=$(pin_irqs "$name" "${IF_CORE[i]}")
					log "$name: $n interrupt(s) on core ${IF_CORE[i]}"
				fi
				log "$name: standard mode ($(pci_driver "$pci" 2>/dev/null || true))"
			fi
			;;
		mirror | drop)
			kernel_port_up "$i"
			line=$(adapters | awk -v i="$i" '$1 == i')
			if [ -z "$line" ]; then
				echo "$(attach_req "$i")" >"$HPCAP_SYSFS/class/hpcap/attach" ||
					die "attaching $name failed: dmesg | tail says why (request: $(attach_req "$i"))"
				log "$name: ${IF_MODE[i]} capture as adapter $i"
			fi
			# caplen can change without re-attaching
			want=$((IF_CAPLEN[i] == 0 ? 65523 : IF_CAPLEN[i]))
			if [ "$(cat "$(qdir "$i" 0)/caplen")" != "$want" ]; then
				echo "$want" >"$(qdir "$i" 0)/caplen"
			fi
			if [ -n "${IF_CORE[i]}" ]; then
				n=$(pin_irqs "$name" "${IF_CORE[i]}")
				log "$name: $n interrupt(s) on core ${IF_CORE[i]}"
			fi
			;;
		xdp)
			kernel_port_up "$i"
			if [ -n "$(xdp_running "$i" || true)" ]; then
				log "$name: hpcap-xdp (adapter $i) already runs with these settings"
			else
				xdp_start "$i" "$name"
			fi
			;;
		esac
		echo "$i ${IF_SPEC[i]} ${name:--} ${pci:--} ${IF_MODE[i]} $promisc" >>"$HPCAP_RUNDIR/ports.new"
	done
	mv "$HPCAP_RUNDIR/ports.new" "$HPCAP_RUNDIR/ports"
	if irqbalance_running; then
		for ((i = 0; i < NIF; i++)); do
			if [ -n "${IF_CORE[i]}" ] && ! is_native "${IF_MODE[i]}"; then
				warn "irqbalance is running and may move the interrupts pinned here: stop it, or ban those cores (IRQBALANCE_BANNED_CPULIST)"
				break
			fi
		done
	fi

	# Monitors.
	if [ "$MON_ENABLED" = 1 ] && [ "$monitors" = 1 ]; then
		local qopt=()
		[ "$quiet" = 1 ] && qopt=(-q)
		# 9>&-: the monitors must not inherit (and hold) the lock
		run_tool launch-hpcap-monitors -c "$config" "${qopt[@]}" 9>&-
	else
		run_tool stop-hpcap-monitors -q || true
	fi

	if [ "$quiet" = 0 ]; then
		echo "$PROG: done:"
		for ((i = 0; i < NIF; i++)); do describe "$i"; done
		echo "  status: hpcap-status; capture: hpcapdd <adapter> <queue> <dir>"
	fi
}

if [ "$uninstall" = 1 ]; then
	do_uninstall
else
	main_install
fi
