#!/usr/bin/env bash
# host-tests.bash - the operations scripts' tests that need no VM and no
# root: parse-hpcap-log on fixture logs (exact output), params.cfg checks on
# a made-up machine (tests/ops/fakesys.bash) with the exact error of every
# kind of mistake, the install plan, gen-hpcap-config, hpcap-status and the
# Prometheus export on fake counters, HPCAP's own forms of params.cfg,
# gen-hpcap-config and parse-hpcap-log (tests/ops/from-hpcap-tests.bash),
# argument checks of the tools, the
# chip list against the driver, systemd-analyze verify of the units, DKMS
# builds, make install/uninstall into a staging directory, shellcheck and
# --help of every script.
set -uo pipefail
case ${1:-} in
-h | --help)
	cat <<'USAGE'
Usage: tests/ops/host-tests.bash

The host half of the operations tests (no VM, no root; see the header of
this file).  One "ok"/"fail" line per check, a summary line, exit 0 only if
every check passed.  Needs shellcheck, gnuplot, python3, systemd-analyze
and dkms with kernel headers (scripts/install-deps.bash).
USAGE
	exit 0
	;;
"") ;;
*) echo "host-tests.bash: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/../.." || exit 1
top=$PWD
. tests/lib.sh
t_init ops-host
# shellcheck source=scripts/hpcap-lib.bash
. scripts/hpcap-lib.bash
# shellcheck source=tests/ops/fakesys.bash
. tests/ops/fakesys.bash
F=$top/tests/ops/fixtures
W=$T_TMP
export TZ=UTC LC_ALL=C
BUILD=${BUILD:-build-ops}
OPS_SCRIPTS=(install_hpcap.bash scripts/hpcap-lib.bash scripts/launch-hpcap-monitors.bash
	scripts/stop-hpcap-monitors.bash scripts/hpcap-monitor.bash scripts/monitorCPUs.bash
	scripts/hpcap-status.bash scripts/hpcap-prometheus.bash scripts/parse-hpcap-log.bash
	scripts/wake_standard_iface.bash scripts/hugepages_mount.bash scripts/hpcap-diag.bash
	scripts/gen-hpcap-config.bash scripts/hpcap-capture.bash scripts/hpcap-postprocess.bash
	scripts/hpcap-mcast-join.bash tests/ops/run-ops-tests.bash tests/ops/host-tests.bash
	tests/ops/vm-guest.bash tests/ops/fakesys.bash tests/ops/from-hpcap-tests.bash)

echo "--- shellcheck and --help"
if command -v shellcheck >/dev/null; then
	t_run "shellcheck -S warning -x (${#OPS_SCRIPTS[@]} scripts)" 0 shellcheck -S warning -x "${OPS_SCRIPTS[@]}"
	[ -z "$T_OUT" ] || echo "$T_OUT" | head -20
else
	t_fail "shellcheck" "not installed (apt install shellcheck)"
fi
for s in "${OPS_SCRIPTS[@]}"; do
	case $s in *lib.bash | *fakesys.bash | tests/ops/vm-guest.bash) continue ;; esac
	t_run "$s --help" 0 "./$s" --help
	t_grep "$s --help: a Usage line" "^Usage: " "$T_OUT"
	case $s in tests/*) continue ;; esac
	t_run "$s --bogus-option: usage error" 2 "./$s" --bogus-option
	t_grep "$s --bogus-option: says so on stderr" "unknown (option|argument) '--bogus-option'|needs <iface>" "$T_OUT"
done

echo "--- the chips hpcap drives: the scripts' list = the driver's"
# (each chip's file lists its PCI device ids: *_device_ids[] = { ..., 0 })
drv_ids=$(for chip in 82576 82599; do
	grep '_device_ids\[\] = {' "driver/hpcap_hw_$chip.c" | grep -o '0x[0-9a-f]\{4\}' | sed "s/0x/8086:/; s/\$/=$chip/"
done | sort | paste -sd' ' -)
lib_ids=$(for k in "${!HPCAP_CHIPS[@]}"; do echo "$k=${HPCAP_CHIPS[$k]}"; done | sort | paste -sd' ' -)
t_eq "HPCAP_CHIPS in hpcap-lib.bash = the device ids in driver/hpcap_hw_8257x.c" "$drv_ids" "$lib_ids"
t_eq "max queues per chip = the driver's" "82576=$(awk '/\.max_queues/ { gsub(/[^0-9]/, "", $3); print $3 }' driver/hpcap_hw_82576.c) 82599=$(awk '/\.max_queues/ { gsub(/[^0-9]/, "", $3); print $3 }' driver/hpcap_hw_82599.c)" \
	"82576=${HPCAP_CHIP_QUEUES[82576]} 82599=${HPCAP_CHIP_QUEUES[82599]}"

echo "--- parse-hpcap-log on fixture logs"
(
	cd "$F" || exit 1
	for f in steady losses interval5; do
		"$top/scripts/parse-hpcap-log.bash" --no-plot --utc "$f.log" >"$W/$f.out" 2>&1
		echo "$f $?"
	done
) >"$W/parse-status"
for f in steady losses interval5; do
	t_eq "parse-hpcap-log $f.log: exit 0" "$f 0" "$(grep "^$f " "$W/parse-status")"
	t_same_file "parse-hpcap-log $f.log: exactly the expected summary and timeline" "$F/$f.expected" "$W/$f.out"
done
t_run "parse-hpcap-log with the interval given (2 s per line)" 0 scripts/parse-hpcap-log.bash --no-plot --utc "$F/steady.log" 2
t_grep "... doubles bytes and packets" "^packets: +2000000$" "$T_OUT"
printf 'nothing useful\nhere\n' >"$W/junk.log"
t_run "parse-hpcap-log on a log without a valid line" 1 scripts/parse-hpcap-log.bash --no-plot "$W/junk.log"
t_grep "... says what a line should be" "has no valid line \\(epoch bytes/s frames/s lost_bytes/s lost_frames/s\\)" "$T_OUT"
t_run "parse-hpcap-log reads standard input (-)" 0 bash -c "scripts/parse-hpcap-log.bash --no-plot --utc - <'$F/losses.log'"
t_grep "... with the same totals" "^lost: +30100 packets \\(2.8667%\\), 37625000 bytes$" "$T_OUT"
t_run "parse-hpcap-log: a bad interval" 2 scripts/parse-hpcap-log.bash "$F/steady.log" 0
if command -v gnuplot >/dev/null; then
	t_run "parse-hpcap-log draws a PNG" 0 scripts/parse-hpcap-log.bash --utc --png "$W/plot.png" "$F/losses.log"
	t_grep "... and says where" "^plot: +$W/plot.png$" "$T_OUT"
	t_eq "... a PNG file" "PNG" "$(head -c 4 "$W/plot.png" 2>/dev/null | tail -c 3)"
else
	t_fail "parse-hpcap-log plot" "gnuplot is not installed (apt install gnuplot-nox)"
fi

echo "--- params.cfg on a made-up machine: 8 CPUs on 2 nodes, two 82599 ports, a virtio port, a veth"
fs_init "$W/m"
fs_cpus 0-3 4-7
fs_nic eth1 0000:03:00.0 8086:10fb ixgbe 1 8
fs_nic eth2 0000:03:00.1 8086:10fb ixgbe 1 8
fs_nic eth3 0000:00:03.0 1af4:1041 virtio-pci 0 2
fs_virt veth0 4
fs_mem 16777216 12582912
export HPCAP_SYSFS=$W/m/sys HPCAP_PROCFS=$W/m/proc HPCAP_RUNDIR=$W/m/run
: >"$W/hpcap.ko"
cp "$F/base.cfg" "$W/params.cfg"
t_run "install --check of a valid configuration" 0 ./install_hpcap.bash --check -c "$W/params.cfg" --module "$W/hpcap.ko"
t_eq "the plan: exactly what install would do" "$(sed "s|@FILE@|$W/params.cfg|" "$F/plan.expected")" "$T_OUT"
t_eq "--check changed nothing (no state directory)" no "$([ -e "$W/m/run" ] && echo yes || echo no)"
t_run "params.cfg.sample is valid (on a machine with eth1 and eth2)" 0 ./install_hpcap.bash --check -c params.cfg.sample --module "$W/hpcap.ko"
{ cat "$F/base.cfg"; printf 'keep_free=10%%\nkeep_age0=7d\nkeep_size3=500G\n'; } >"$W/keep.cfg"
t_run "install --check with retention keys" 0 ./install_hpcap.bash --check -c "$W/keep.cfg" --module "$W/hpcap.ko"
t_grep "... interface 0: its own keep_age, the global keep_free" "^   0 eth1 .*, retention keep 10% free, files up to 7d old$" "$T_OUT"
t_grep "... interface 3: the global keep_free and its keep_size" "^   3 veth0 .*, retention keep 10% free, at most 500G per queue$" "$T_OUT"
t_eq "... without them, no retention in the plan" "" "$(grep -c retention <<<"$(./install_hpcap.bash --check -c "$W/params.cfg" --module "$W/hpcap.ko")" | grep -v '^0$')"

# Every mistake: a sed edit of base.cfg, and the exact error (after "install_hpcap.bash: ").
while IFS='|' read -r name edit want; do
	case $name in "" | "#"*) continue ;; esac
	sed "$edit" "$F/base.cfg" >"$W/bad.cfg"
	t_run "bad config, $name: refused" 1 ./install_hpcap.bash --check -c "$W/bad.cfg" --module "$W/hpcap.ko"
	t_eq "bad config, $name: the message" "install_hpcap.bash: $W/bad.cfg$want" "$T_OUT"
done <"$F/bad-configs.txt"
t_run "no configuration file" 1 ./install_hpcap.bash --check -c "$W/none.cfg"
t_eq "... says what to do" "install_hpcap.bash: $W/none.cfg: no such file (copy params.cfg.sample there and edit it, or give another with -c FILE)" "$T_OUT"
chmod -R a+rX "$W"
t_run "a real install needs root" 1 env -u SUDO_USER setpriv --reuid=65534 --regid=65534 --clear-groups ./install_hpcap.bash -c "$W/params.cfg" --module "$W/hpcap.ko"
t_grep "... and says so" "must run as root \\(it loads a module and binds ports\\); try: sudo install_hpcap.bash" "$T_OUT"
t_run "--uninstall needs root" 1 setpriv --reuid=65534 --regid=65534 --clear-groups ./install_hpcap.bash --uninstall
t_run "install_hpcap.bash --wait needs a number" 2 ./install_hpcap.bash --wait soon

echo "--- gen-hpcap-config on a machine with hyperthreads: 16 CPUs (8 cores x 2), 2 nodes"
fs_init "$W/g"
fs_cpus 0-3,8-11 4-7,12-15
for c in 0 1 2 3 4 5 6 7; do fs_smt "$c" $((c + 8)); done
fs_nic eth1 0000:03:00.0 8086:10fb ixgbe 1 8
fs_nic eth2 0000:03:00.1 8086:10fb ixgbe 1 8
fs_nic eth3 0000:00:19.0 8086:15b8 e1000e 0 1
fs_mem 33554432 16777216
export HPCAP_SYSFS=$W/g/sys HPCAP_PROCFS=$W/g/proc
t_run "gen-hpcap-config -y -q 2 eth1 eth3" 0 scripts/gen-hpcap-config.bash -y -q 2 -o "$W/gen.cfg" eth1 eth3
t_eq "the settings written (comments aside)" "$(cat "$F/gen.expected")" "$(grep -v '^#' "$W/gen.cfg")"
t_run "install --check accepts what it wrote" 0 ./install_hpcap.bash --check -c "$W/gen.cfg" --module "$W/hpcap.ko"
t_grep "... poll threads on eth1's node (1), capture programs beside them" "mode 2: hpcap0, 2 queue\\(s\\) polled on core\\(s\\) 4,5, .*capture programs on core\\(s\\) 6,7" "$T_OUT"
t_run "two ports with 2 queues and a capture core each do not fit on node 1" 1 scripts/gen-hpcap-config.bash -y -q 2 eth1 eth2
t_eq "... and it says what to change" "gen-hpcap-config: eth1 is on NUMA node 1 (CPUs 4-7,12-15): after the poll cores, 2 core(s) for its capture programs are not free there (found 0): use --app-cores 0 or fewer --queues" "$T_OUT"
t_run "... they do with --app-cores 0" 0 scripts/gen-hpcap-config.bash -y -q 2 -a 0 -o "$W/gen2.cfg" eth1 eth2
t_eq "... on 4 distinct physical cores of node 1" "core0=4 core1=6" "$(grep -o '^core[01]=[0-9]*' "$W/gen2.cfg" | paste -sd' ' -)"
t_run "mode 2 refused for a port hpcap cannot drive" 1 scripts/gen-hpcap-config.bash -y -m 2 eth3
t_grep "... with the way out" "eth3 is not an Intel 82576/82599 port, so it cannot be in mode 2: use --mode mirror or drop" "$T_OUT"
t_run "without interfaces and not on a terminal: usage error" 2 scripts/gen-hpcap-config.bash -y
if command -v script >/dev/null; then
	t_run "interactive: it lists the ports and asks (on a terminal)" 0 \
		bash -c "printf 'eth1\\n\\n2\\n1\\n-\\n' | script -qec '$top/scripts/gen-hpcap-config.bash' /dev/null"
	t_grep "... the ports, with driver, node and chip" "eth1 +0000:03:00.0 ixgbe node 1 82599" "$T_OUT"
	t_grep "... and writes what was answered" "core0=4 .*capture_cores0=6,7" "$(tr '\r\n' '  ' <<<"$T_OUT")"
fi

# HPCAP's own forms: params.cfg, gen-hpcap-config, parse-hpcap-log (issue 16)
# shellcheck source=tests/ops/from-hpcap-tests.bash
. tests/ops/from-hpcap-tests.bash

echo "--- hpcap-status and hpcap-prometheus on fake counters"
fs_init "$W/s"
fs_cpus 0-3
fs_nic "" 0000:03:00.0 8086:10fb hpcap 0 4
fs_virt hpcap0 1
fs_virt veth0 2
fs_module
fs_adapter 0 hpcap0 native 2 65523 4194304
fs_adapter 1 veth0 generic-mirror 1 128 1048576
fs_stats 0 0 1000 100000 900 100 0 0 1
fs_stats 0 1 1000 100000 1000 0 0 0 1
fs_stats 1 0 500 50000 0 0 500 0 0
echo 3 >"$W/s/sys/class/net/hpcap0/statistics/rx_missed_errors"
echo 2097152 >"$W/s/sys/class/hpcap/hpcap_0_0/write_pos"
echo "3 lossless 1048576 1048576 0 0" >"$W/s/sys/class/hpcap/hpcap_0_0/listeners"
export HPCAP_SYSFS=$W/s/sys HPCAP_PROCFS=$W/s/proc HPCAP_RUNDIR=$W/s/run
t_run "hpcap-status --json" 0 scripts/hpcap-status.bash --json -i 0.2 -c /nonexistent
echo "$T_OUT" >"$W/st.json"
jq_() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); i={x['iface']: x for x in j['interfaces']}; print($1)" "$W/st.json" 2>&1; }
t_eq "JSON: both adapters" "['hpcap0', 'veth0']" "$(jq_ "[x['iface'] for x in j['interfaces']]")"
t_eq "JSON: totals" "2000 200000 1900" "$(jq_ "i['hpcap0']['rx_frames'], i['hpcap0']['rx_bytes'], i['hpcap0']['captured_frames']" | tr -d '(),')"
t_eq "JSON: losses split by cause (nic, xdp, buffer, noclient)" "{'nic': 3, 'xdp': 0, 'buffer': 100, 'noclient': 0} 103" "$(jq_ "i['hpcap0']['lost'], i['hpcap0']['lost_total']" | sed 's/^(//; s/)$//; s/}, /} /')"
t_eq "JSON: loss % of what arrived (103 of 2003)" "5.1423" "$(jq_ "i['hpcap0']['lost_total_pct']")"
t_eq "JSON: flags: link; no client on veth0" "L--- L-D-" "$(jq_ "i['hpcap0']['flags'] + ' ' + i['veth0']['flags']")"
t_eq "JSON: listeners and buffer use per queue" "[{'queue': 0, 'listeners': 1, 'buffer_used_pct': 25.0}, {'queue': 1, 'listeners': 1, 'buffer_used_pct': 0.0}]" "$(jq_ "i['hpcap0']['queues']")"
t_eq "JSON: no rates without traffic" "0 0" "$(jq_ "i['hpcap0']['rx_pps'], i['hpcap0']['rx_bps']" | tr -d '(),')"
t_eq "JSON: hugepage state" "{'total': 0, 'free': 0, 'reserved': 0, 'size_kb': 2048, 'mounts': '', 'huge_adapters': ''}" "$(jq_ "j['hugepages']")"
t_run "hpcap-status --once (table)" 0 scripts/hpcap-status.bash --once -i 0.2 -c /nonexistent
t_grep "table header" "^#   IFACE +FLAGS RX RATE +RX TOTAL +LOST NOW nic/buf/nocl +LOST % +TOTAL LOST nic/buf/nocl +NO LOSS +QUEUES" "$T_OUT"
t_grep "table: hpcap0" "^0   hpcap0 +L--- +0 b/s 0 pps +200.0 kB 2.0k pkt +0/0/0 pps +0.000% +103 \\(3/100/0\\) 5.142% +>=0h00m0[0-9]s +q0:1 \\(25%\\) q1:1 \\(0%\\)$" "$T_OUT"
t_grep "table: veth0" "^1   veth0 +L-D- .* 500 \\(0/0/500\\) 100.000% " "$T_OUT"
if command -v script >/dev/null; then
	t_run "live view on a terminal: refreshes until q" 0 \
		bash -c "(sleep 8; printf q) | script -qec '$top/scripts/hpcap-status.bash -i 1 -c /nonexistent' /dev/null"
	t_eq "... drew at least twice" yes "$([ "$(grep -c 'hpcap-status  ' <<<"$T_OUT")" -ge 2 ] && echo yes || echo no)"
	t_grep "... clearing the screen each time" $'\033\\[H\033\\[2J' "$T_OUT"
fi
mkdir -p "$W/logs/$(date +%G-%V)"
now=$(date +%s)
printf '%s 1 1 0 0\n%s 1 1 5 5\n%s 1 1 0 0\n' $((now - 300)) $((now - 200)) $((now - 100)) >"$W/logs/$(date +%G-%V)/hpcap0"
echo "monitor_basedir=$W/logs" >"$W/mon.cfg"
t_run "hpcap-status: time without losses from the monitor log" 0 scripts/hpcap-status.bash --json -i 0.1 -c "$W/mon.cfg"
echo "$T_OUT" >"$W/st.json"
t_eq "... since its last loss, 200 s ago" True "$(jq_ "200 <= i['hpcap0']['no_loss_seconds'] <= 202 and i['hpcap0']['no_loss_known']")"
t_run "hpcap-prometheus -o -" 0 scripts/hpcap-prometheus.bash -o -
t_eq "the exposition, exactly" "$(cat "$F/prometheus.expected")" "$T_OUT"
t_run "hpcap-prometheus -o FILE (atomic rename)" 0 scripts/hpcap-prometheus.bash -o "$W/hpcap.prom"
t_same_file "... the same in the file" "$F/prometheus.expected" "$W/hpcap.prom"
t_eq "... and no temporary file left" "hpcap.prom" "$(cd "$W" && ls hpcap.prom*)"
mkdir -p "$W/s/run/retention"
printf 'pid %s\nstate running\nadapter 0\nqueue 1\ndir /srv/cap/hpcap0_1\nfiles_removed 12\nbytes_removed 3221225472\nfiles_held 1\nlimit_unmet 0\n' $$ >"$W/s/run/retention/hpcap_0_1.stats"
printf 'pid 999999999\nstate stopped\nadapter 0\nqueue 0\ndir /srv/my "cap"\nfiles_removed 2\nbytes_removed 2048\nfiles_held 0\nlimit_unmet 1\n' >"$W/s/run/retention/hpcap_0_0.stats"
t_run "hpcap-status --json with retention counters" 0 scripts/hpcap-status.bash --json -i 0.1 -c /nonexistent
echo "$T_OUT" >"$W/st.json"
t_eq "JSON: retention per queue, in order" "[{'adapter': 0, 'queue': 0, 'state': 'stopped', 'files_removed': 2, 'bytes_removed': 2048, 'files_held': 0, 'limit_unmet': True, 'dir': '/srv/my \"cap\"'}, {'adapter': 0, 'queue': 1, 'state': 'running', 'files_removed': 12, 'bytes_removed': 3221225472, 'files_held': 1, 'limit_unmet': False, 'dir': '/srv/cap/hpcap0_1'}]" "$(jq_ "j['retention']")"
t_run "hpcap-status --once with retention counters" 0 scripts/hpcap-status.bash --once -i 0.1 -c /nonexistent
t_grep "table: retention of queue 1" "^  hpcap_0_1 running  12 files \\(3.22 GB\\) removed, 1 put off \\(a reader held them\\), limits met  /srv/cap/hpcap0_1$" "$T_OUT"
t_grep "table: a limit not met" "^  hpcap_0_0 stopped  2 files \\(2.0 kB\\) removed, 0 put off .*A LIMIT IS NOT MET" "$T_OUT"
printf 'pid 999999999\nstate running\nadapter 0\nqueue 0\ndir /srv/x\nfiles_removed 2\nbytes_removed 2048\nfiles_held 0\nlimit_unmet 0\n' >"$W/s/run/retention/hpcap_0_0.stats"
t_grep "... an hpcapdd that ended without saying so: gone" "^  hpcap_0_0 gone " "$(scripts/hpcap-status.bash --once -i 0.1 -c /nonexistent 2>&1)"
t_run "hpcap-prometheus with retention counters" 0 scripts/hpcap-prometheus.bash -o -
t_eq "... the retention families, exactly" "# HELP hpcap_retention_removed_files_total Capture files hpcapdd retention deleted (since that hpcapdd started).
# TYPE hpcap_retention_removed_files_total counter
hpcap_retention_removed_files_total{adapter=\"0\",queue=\"0\"} 2
hpcap_retention_removed_files_total{adapter=\"0\",queue=\"1\"} 12
# HELP hpcap_retention_removed_bytes_total Bytes of the capture files retention deleted, sidecars included.
# TYPE hpcap_retention_removed_bytes_total counter
hpcap_retention_removed_bytes_total{adapter=\"0\",queue=\"0\"} 2048
hpcap_retention_removed_bytes_total{adapter=\"0\",queue=\"1\"} 3221225472
# HELP hpcap_retention_held_total Deletions retention put off because a reader (hpcap-extract, hpcap-index) held the file.
# TYPE hpcap_retention_held_total counter
hpcap_retention_held_total{adapter=\"0\",queue=\"0\"} 0
hpcap_retention_held_total{adapter=\"0\",queue=\"1\"} 1
# HELP hpcap_retention_limit_unmet 1 while a retention limit cannot be met (nothing more may be deleted).
# TYPE hpcap_retention_limit_unmet gauge
hpcap_retention_limit_unmet{adapter=\"0\",queue=\"0\"} 0
hpcap_retention_limit_unmet{adapter=\"0\",queue=\"1\"} 0" "$(grep retention <<<"$T_OUT")"
t_eq "... and the rest as without them" "$(cat "$F/prometheus.expected")" "$(grep -v retention <<<"$T_OUT")"
t_run "hpcap-monitor --stdout: the retention totals of the adapter's queues" 0 scripts/hpcap-monitor.bash -i 1 -n 1 --stdout hpcap0
t_grep "... epoch files bytes held unmet" "^retention [0-9]+ 14 3221227520 1 0$" "$T_OUT"
t_run "hpcap-monitor into its log" 0 scripts/hpcap-monitor.bash -i 1 -n 2 -d "$W/rlogs" hpcap0
t_eq "... one line in <iface>.retention (the totals did not change after)" 1 "$(cat "$W"/rlogs/*/hpcap0.retention | wc -l)"
t_eq "... and the traffic log as before" 2 "$(cat "$W"/rlogs/*/hpcap0 | wc -l)"
rm -rf "$W/s/run/retention"
t_run "hpcap-prometheus into a missing directory" 1 scripts/hpcap-prometheus.bash -o "$W/none/hpcap.prom"
t_grep "... says what to do" "no such directory \\(create it, or give -o FILE\\)" "$T_OUT"
rm -rf "$W/s/sys/class/hpcap" "$W/s/sys/module/hpcap"
t_run "hpcap-status without the module" 1 scripts/hpcap-status.bash --once
t_eq "... says what to do" "hpcap-status: nothing captures: the hpcap module is not loaded (no /sys/class/hpcap), no hpcap-xdp runs and no shared-memory queue is fed; run install_hpcap.bash" "$T_OUT"
t_eq "hpcap-prometheus without the module: hpcap_up 0" "hpcap_up 0" "$(scripts/hpcap-prometheus.bash -o - | grep -v '^#')"

echo "--- argument checks of the tools (before anything is changed)"
fs_init "$W/w"
fs_cpus 0-3
fs_nic eth3 0000:00:03.0 8086:10c9 igb 0 2
export HPCAP_SYSFS=$W/w/sys HPCAP_PROCFS=$W/w/proc
while IFS='|' read -r what want; do
	read -r -a args <<<"$what"
	t_run "wake_standard_iface.bash $what" 1 scripts/wake_standard_iface.bash "${args[@]}"
	t_eq "... the message" "wake_standard_iface.bash: $want" "$T_OUT"
done <<'EOF'
eth9 10.0.0.1 24 0|eth9: no such interface (ip link lists them)
eth3 10.0.0.300 24 0|'10.0.0.300' is not an IPv4 address (a.b.c.d)
eth3 10.0.0.1 255.0.255.0 0|netmask '255.0.255.0' is not contiguous (255.255.255.0 is)
eth3 10.0.0.1 33 0|netmask '33' is neither a.b.c.d nor a prefix length 0-32
eth3 10.0.0.1 24 4|core '4' is not a core of this machine (0 to 3)
eth3 10.0.0.1 24 0 1234|speed '1234' is not an Ethernet speed in Mb/s (10, 100, 1000, 10000, ...)
EOF
t_run "wake_standard_iface.bash with 3 arguments" 2 scripts/wake_standard_iface.bash eth3 10.0.0.1 24
t_run "hpcap-mcast-join: not a multicast group" 1 scripts/hpcap-mcast-join.bash eth3 10.1.1.1
t_eq "... the message" "hpcap-mcast-join: '10.1.1.1' is not an IPv4 multicast group (224.0.0.0 to 239.255.255.255)" "$T_OUT"
t_run "hpcap-mcast-join: no groups and no file" 1 env HPCAP_MCAST_DIR="$W" scripts/hpcap-mcast-join.bash eth3
t_eq "... the message" "hpcap-mcast-join: no groups given and no $W/mcast-eth3.conf (one group per line)" "$T_OUT"
t_run "hpcap-capture: not a queue" 2 scripts/hpcap-capture.bash zero
t_run "hpcap-capture: a queue without a device" 1 scripts/hpcap-capture.bash -c /nonexistent 7_3
t_grep "... the message" "no /dev/hpcap_7_3: is hpcap set up" "$T_OUT"
printf 'capture_dir=/srv/cap\ncapture_cores0=2,3\n' >"$W/cap.cfg"
t_run "hpcap-capture --dry-run: hpcapdd on the queue's capture core, into capture_dir" 0 scripts/hpcap-capture.bash -n -c "$W/cap.cfg" 0_1
t_grep "... the command" "^taskset -c 3 [^ ]*hpcapdd -i 60 0 1 /srv/cap/hpcap0_1$" "$T_OUT"
printf 'capture_dir=/srv/cap\nkeep_free=10%%\nkeep_age1=7d\nkeep_size=2T\nkeep_size1=500G\n' >"$W/keep.cfg"
t_run "hpcap-capture --dry-run with retention keys" 0 scripts/hpcap-capture.bash -n -c "$W/keep.cfg" 1_2
t_grep "... hpcapdd gets them, the interface's over the global ones, and keeps its counters in the run directory" "hpcapdd -i 60 --keep-free 10% --keep-size 500G --keep-age 7d --retention-stats $W/s/run/retention/hpcap_1_2.stats 1 2 /srv/cap/hpcap1_2$" "$T_OUT"
printf 'keep_age=soon\n' >"$W/keep-bad.cfg"
t_run "... a bad value is refused, naming the key" 1 scripts/hpcap-capture.bash -n -c "$W/keep-bad.cfg" 0_0
t_grep "... the message" "keep_age=soon: not a duration" "$T_OUT"
t_run "hpcap-capture --until HH:MM: a duration up to that time" 0 scripts/hpcap-capture.bash -n -c "$W/cap.cfg" --until "$(date -d '+2 hours' +%H:%M)" 0_2
t_grep "... about two hours" "hpcapdd -i 60 --duration (71[4-9][0-9]|720[0-9]) 0 2 /srv/cap/hpcap0_2$" "$T_OUT"
t_run "hpcap-capture --until a time already past today: tomorrow" 0 scripts/hpcap-capture.bash -n -c "$W/cap.cfg" --until "$(date -d '-1 hours' +%H:%M)" 0_0
t_grep "... about 23 hours" "--duration (82[6-9][0-9][0-9]) " "$T_OUT"
printf 'postprocess_cmd="echo done $HPCAP_ADAPTER $HPCAP_QUEUE $HPCAP_DIR $HPCAP_RESULT"\ncapture_dir=/srv/cap\n' >"$W/pp.cfg"
t_run "hpcap-postprocess runs postprocess_cmd with the capture's environment" 0 env SERVICE_RESULT=success scripts/hpcap-postprocess.bash -c "$W/pp.cfg" 2_1
t_grep "... and the command saw it" "^done 2 1 /srv/cap/hpcap2_1 success$" "$T_OUT"
printf 'capture_dir=/srv/cap\n' >"$W/pp.cfg"
t_run "hpcap-postprocess without postprocess_cmd: nothing to do" 0 scripts/hpcap-postprocess.bash -c "$W/pp.cfg" 0_0
t_run "hpcap-monitor without an interface" 2 scripts/hpcap-monitor.bash
unset HPCAP_SYSFS HPCAP_PROCFS HPCAP_RUNDIR

echo "--- systemd units"
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$W/sd/units" "$W/sd/sbin" "$W/sd/bin"
	ln -s "$top/install_hpcap.bash" "$W/sd/sbin/install_hpcap.bash"
	for s in hpcap-capture hpcap-postprocess hpcap-mcast-join hpcap-prometheus; do
		ln -s "$top/scripts/$s.bash" "$W/sd/sbin/$s"
	done
	# (verify wants every ExecStart program to exist; hpcap-xdp is only
	# built where libxdp is)
	if [ -x "$top/$BUILD/bin/hpcap-xdp" ]; then
		ln -s "$top/$BUILD/bin/hpcap-xdp" "$W/sd/bin/hpcap-xdp"
	else
		ln -s "$(type -P true)" "$W/sd/bin/hpcap-xdp"	# (the program: command -v names the builtin)
	fi
	for u in systemd/*.service systemd/*.timer; do
		sed -e "s|@SBINDIR@|$W/sd/sbin|g; s|@BINDIR@|$W/sd/bin|g; s|@SYSCONFDIR@|/etc|g; s|@DOCDIR@|/usr/share/doc/hpcap|g" \
			"$u" >"$W/sd/units/${u#systemd/}"
	done
	t_eq "no placeholder left in the units" "" "$(grep -l '@[A-Z]*@' "$W"/sd/units/* 2>/dev/null)"
	t_run "systemd-analyze verify (every unit, templates instantiated)" 0 \
		bash -c "cd '$W/sd/units' && SYSTEMD_UNIT_PATH='$W/sd/units:' systemd-analyze verify --man=no \
			hpcap.service hpcap-capture@0_0.service hpcap-weekday@0_1.service hpcap-weekday@0_1.timer \
			hpcap-mcast@eth2.service hpcap-xdp@eth2.service hpcap-prometheus.service hpcap-prometheus.timer"
	[ -z "$T_OUT" ] || echo "$T_OUT" | head -10
	t_eq "the weekday timer fires Monday to Friday at 08:00" "Mon..Fri *-*-* 08:00:00" \
		"$(systemd-analyze calendar 'Mon..Fri *-*-* 08:00:00' 2>/dev/null | awk -F': ' '/Normalized form/ { print $2 }')"
else
	t_fail "systemd-analyze verify" "systemd-analyze is not installed (apt install systemd)"
fi

echo "--- make install / uninstall into a staging directory"
t_run "make install DESTDIR=... BUILD=$BUILD" 0 make -s install BUILD="$BUILD" DESTDIR="$W/root" PREFIX=/usr/local
[ "$T_OUT" ] && echo "$T_OUT" | grep -v '^hpcap installed\|^Then edit' | head -10
R=$W/root
for f in usr/local/sbin/install_hpcap.bash usr/local/sbin/wake_standard_iface.bash usr/local/sbin/hugepages_mount \
	usr/local/sbin/launch-hpcap-monitors usr/local/sbin/stop-hpcap-monitors usr/local/sbin/hpcap-monitor \
	usr/local/sbin/monitorCPUs usr/local/sbin/hpcap-diag usr/local/sbin/gen-hpcap-config usr/local/sbin/hpcap-capture \
	usr/local/sbin/hpcap-mcast-join usr/local/sbin/hpcap-prometheus usr/local/bin/hpcap-status usr/local/bin/parse-hpcap-log \
	usr/local/bin/hpcapdd usr/local/lib/libhpcap.so.1 usr/local/include/hpcap.h usr/local/include/libhpcap_live.h \
	usr/local/share/hpcap/hpcap-lib.bash usr/local/share/man/man8/install_hpcap.8 usr/local/share/man/man5/hpcap-params.5 \
	usr/local/share/man/man1/hpcapdd.1 usr/local/share/doc/hpcap/operations.md \
	usr/local/lib/systemd/system/hpcap.service usr/local/lib/systemd/system/hpcap-capture@.service \
	usr/local/lib/systemd/system/hpcap-weekday@.timer etc/hpcap/params.cfg etc/hpcap/params.cfg.sample \
	etc/udev/rules.d/99-hpcap.rules usr/src/hpcap-0.1.0/dkms.conf usr/src/hpcap-0.1.0/driver/hpcap_main.c \
	usr/src/hpcap-0.1.0/Kbuild usr/src/hpcap-0.1.0/include/hpcap.h; do
	t_eq "installed: /$f" yes "$([ -e "$R/$f" ] && echo yes || echo no)"
done
t_eq "no placeholder left in what was installed" "" "$(grep -rl '@HPCAP_[A-Z]*@\|@SBINDIR@\|@SYSCONFDIR@\|@DOCDIR@' "$R" 2>/dev/null)"
t_grep "the unit runs the installed install_hpcap.bash" "^ExecStart=/usr/local/sbin/install_hpcap.bash -c /etc/hpcap/params.cfg" "$(cat "$R/usr/local/lib/systemd/system/hpcap.service")"
t_run "the installed hpcap-status finds its library under the staging root" 0 env HPCAP_LIB="$R/usr/local/share/hpcap/hpcap-lib.bash" "$R/usr/local/bin/hpcap-status" --help
echo "edited" >>"$R/etc/hpcap/params.cfg"
t_run "make install again" 0 make -s install BUILD="$BUILD" DESTDIR="$W/root" PREFIX=/usr/local
t_eq "... keeps the user's params.cfg" edited "$(tail -1 "$R/etc/hpcap/params.cfg")"
t_run "make uninstall" 0 make -s uninstall BUILD="$BUILD" DESTDIR="$W/root" PREFIX=/usr/local
t_eq "... leaves only the user's params.cfg" "etc/hpcap/params.cfg" "$(cd "$R" && find . -type f -o -type l | sed 's|^\./||')"

echo "--- DKMS builds the module from the installed sources"
if command -v dkms >/dev/null; then
	mkdir -p "$W/dkms/src/hpcap-0.1.0" "$W/dkms/tree"
	make -s install BUILD="$BUILD" DESTDIR="$W/dkroot" PREFIX=/usr/local >/dev/null 2>&1
	cp -r "$W/dkroot/usr/src/hpcap-0.1.0/." "$W/dkms/src/hpcap-0.1.0/"
	mapfile -t kvers < <(tests/vm/kernels.bash)
	for k in "${kvers[@]}"; do
		t_run "dkms build hpcap/0.1.0 -k $k" 0 dkms build hpcap/0.1.0 -k "$k" --sourcetree "$W/dkms/src" --dkmstree "$W/dkms/tree"
		t_eq "... hpcap.ko for $k" yes "$([ -n "$(find "$W/dkms/tree/hpcap/0.1.0/$k" -name 'hpcap.ko*' 2>/dev/null)" ] && echo yes || echo no)"
	done
	[ ${#kvers[@]} -gt 0 ] || t_fail "dkms build" "no kernel headers (tests/vm/kernels.bash lists none)"
else
	t_fail "dkms build" "dkms is not installed (apt install dkms)"
fi

t_done
