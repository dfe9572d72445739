#!/usr/bin/env bash
# from-hpcap-tests.bash - an HPCAP installation moves over unchanged: the
# operations scripts on HPCAP's own forms (issue 16), on made-up machines
# (tests/ops/fakesys.bash), no VM, no root:
#   - params.cfg as HPCAP installations have it (the User Guide's Appendix A
#     style: ";" ending every line, hpcapN/xgbN names, use_vf/ntxq/consumers,
#     pages and hugesize both for the mode-3 port) passes install --check,
#     with the warnings and notes it should give; sizes 2GB/4096MB/512KB;
#     where params.cfg is found (source tree, /etc/hpcap, -c);
#     poll threads off their NIC's NUMA node or on SMT siblings warned;
#   - gen-hpcap-config in HPCAP's form (the output file as the argument),
#     its core placement, from hwloc (an XML topology) and from sysfs;
#   - parse-hpcap-log: idle lines trimmed, HPCAP's per-period summary.
# Run by tests/ops/host-tests.bash (sourced), or alone.
set -uo pipefail
case ${1:-} in
-h | --help)
	cat <<'USAGE'
Usage: tests/ops/from-hpcap-tests.bash

The HPCAP-compatibility half of the operations host tests (see the header
of this file); tests/ops/host-tests.bash runs it too.  One "ok"/"fail" line
per check, a summary line, exit 0 only if every check passed.
USAGE
	exit 0
	;;
"") ;;
*) echo "from-hpcap-tests.bash: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac
fh_alone=0
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	fh_alone=1
	cd "$(dirname "$0")/../.." || exit 1
	top=$PWD
	. tests/lib.sh
	t_init ops-hpcap
	# shellcheck source=scripts/hpcap-lib.bash
	. scripts/hpcap-lib.bash
	# shellcheck source=tests/ops/fakesys.bash
	. tests/ops/fakesys.bash
	F=$top/tests/ops/fixtures
	W=$T_TMP
	export TZ=UTC LC_ALL=C
fi
: >"$W/hpcap.ko"
fh_env() { export HPCAP_SYSFS=$1/sys HPCAP_PROCFS=$1/proc HPCAP_RUNDIR=$1/run; }

echo "--- from HPCAP: sizes as HPCAP wrote them"
for s in 2G=2147483648 2GB=2147483648 2gb=2147483648 4096MB=4294967296 4096MiB=4294967296 512KB=524288 512K=524288 \
	1T=1099511627776 1048576=1048576; do
	got=""
	size_of got "${s%%=*}" || got=refused
	t_eq "size ${s%%=*}" "${s#*=}" "$got"
done
for s in 2GBB 1.5G 2X G "" -1M 0x10M 99999999999999T; do
	got=accepted
	size_of got2 "$s" || got=refused
	t_eq "size '$s' is not a size" refused "$got"
done

echo "--- from HPCAP: the Appendix A style params.cfg on a machine with four 82599 ports"
# 16 CPUs on 2 nodes; an onboard i350 (not counted by HPCAP's names), two
# 82599 ports on node 0 and two on node 1, in PCI order.
fh_machine() {
	fs_init "$1"
	fs_cpus 0-7 8-15
	fs_nic eth0 0000:02:00.0 8086:1521 igb 0 4
	fs_nic ens5f0 0000:05:00.0 8086:10fb ixgbe 0 8
	fs_nic ens5f1 0000:05:00.1 8086:10fb ixgbe 0 8
	fs_nic ens83f0 0000:83:00.0 8086:10fb ixgbe 1 8
	fs_nic ens83f1 0000:83:00.1 8086:10fb ixgbe 1 8
	fs_mem 67108864 50331648
}
fh_machine "$W/ha"
fh_env "$W/ha"
A=$F/hpcap-appendix-a.cfg
t_eq "the fixture ends every setting with ';'" 0 "$(grep -v '^#' "$A" | grep . | grep -cv ';$')"
t_run "install --check of HPCAP's params.cfg" 0 ./install_hpcap.bash --check -c "$A" --module "$W/hpcap.ko"
t_eq "... exactly this plan, warnings and notes" "$(sed "s|@FILE@|$A|g" "$F/hpcap-appendix-a.expected")" "$T_OUT"
for k in ntxq=1 consumers=1 use_vf=0; do
	t_grep "... a warning names $k and says it is ignored" "warning: $A:[0-9]+: $k: ignored: " "$T_OUT"
done
t_grep "... pages2 with hugesize2 in mode 3: hugesize, with a note" "note: $A:[0-9]+: pages2=1 is not used: mode 3 takes its buffer from hugesize2, as HPCAP did" "$T_OUT"
t_grep "... hpcap2's buffer is hugesize2's 2G, in 2 MiB pages" "^   2 hpcap2 \\(0000:83:00.0\\) +mode 3: hpcap2, .*buffers 1 x 2 GiB in 2 MiB pages" "$T_OUT"
t_grep "... each HPCAP name became the port of its index in PCI order (the i350 not counted)" \
	"HPCAP names .*: hpcap0 = 0000:05:00.0 \\(ens5f0\\), xgb1 = 0000:05:00.1 \\(ens5f1\\), hpcap2 = 0000:83:00.0 \\(ens83f0\\), hpcap3 = 0000:83:00.1 \\(ens83f1\\)$" "$T_OUT"
t_grep "... xgb1 stays with its driver" "^   1 xgb1 \\(0000:05:00.1\\) +mode 1: left to its normal driver" "$T_OUT"
t_eq "... no warning about cores (each poll thread on its NIC's node)" "" "$(grep -i 'numa\|hyperthread' <<<"$T_OUT")"

# The same file after install: ports 0, 2 and 3 are bound to hpcap and
# named hpcap0, hpcap2, hpcap3; xgb1 is still ens5f1.  The names resolve to
# the same ports (PCI order does not change with the driver).
fs_init "$W/hb"
fs_cpus 0-7 8-15
fs_nic eth0 0000:02:00.0 8086:1521 igb 0 4
fs_nic hpcap0 0000:05:00.0 8086:10fb hpcap 0 1
fs_nic ens5f1 0000:05:00.1 8086:10fb ixgbe 0 8
fs_nic hpcap2 0000:83:00.0 8086:10fb hpcap 1 1
fs_nic hpcap3 0000:83:00.1 8086:10fb hpcap 1 1
fs_mem 67108864 50331648
fh_env "$W/hb"
t_run "install --check again, the ports bound to hpcap" 0 ./install_hpcap.bash --check -c "$A" --module "$W/hpcap.ko"
t_grep "... the same ports" "hpcap0 = 0000:05:00.0 \\(hpcap0\\), xgb1 = 0000:05:00.1 \\(ens5f1\\), hpcap2 = 0000:83:00.0 \\(hpcap2\\), hpcap3 = 0000:83:00.1 \\(hpcap3\\)$" "$T_OUT"
t_grep "... the same module parameters" "ports=0000:05:00.0,-,0000:83:00.0,0000:83:00.1 nrxq=1,1,1,1 core=2,-1,9,10 " "$T_OUT"

fh_machine "$W/ha"
fh_env "$W/ha"
# cfg EDIT...: a copy of the fixture with sed edits, in $W/e.cfg
fh_cfg() {
	local e=()
	for x in "$@"; do e+=(-e "$x"); done
	sed "${e[@]}" "$A" >"$W/e.cfg"
}
fh_cfg 's/^nif=4;/nif = 6 ;/' '$a mode4=1;\nmode5=1;   # a port ifs does not list' 's/^hugesize2=2G;/hugesize2="4097MB";  # quoted, then ;/'
t_run "HPCAP's nif counting more ports than ifs, keys for them, blanks around ';'" 0 ./install_hpcap.bash --check -c "$W/e.cfg" --module "$W/hpcap.ko"
t_grep "... nif: a warning, not a refusal" "warning: $W/e.cfg:20: nif=6: ignored: ifs lists 4 interface\\(s\\), and hpcap takes them from ifs" "$T_OUT"
t_grep "... mode4, mode5: a warning" "warning: $W/e.cfg: mode4, mode5: ignored: ifs lists 4 interface\\(s\\), and these are for ports it does not list \\(HPCAP's nif=6 ports; they stay with their driver\\)" "$T_OUT"
t_grep "... 4097MB rounded up to 2 MiB pages, with a note" "note: $W/e.cfg:[0-9]+: hugesize2=4097MB: rounded up to 4098 MiB \\(whole 2 MiB pages, as HPCAP did\\)" "$T_OUT"
t_grep "... and used" "bufmb=512,0,4098,512 " "$T_OUT"
fh_cfg 's/^pages0=131072;/pages0=87381;/' 's/^hugesize2=2G;/hugesize2=4096MB;/' 's/^pages3=131072;/pages3=131072; # 512 MiB/'
t_run "pages not a whole MiB (HPCAP's gen wrote 262144/3), hugesize in MB" 0 ./install_hpcap.bash --check -c "$W/e.cfg" --module "$W/hpcap.ko"
t_grep "... rounded up, with a note" "note: $W/e.cfg:[0-9]+: pages0=87381: 87381 pages of 4 KiB rounded up to 342 MiB \\(buffers are whole multiples of 1 MiB\\)" "$T_OUT"
t_grep "... buffers 342 MiB, 4 GiB, 512 MiB" "bufmb=342,0,4096,512 " "$T_OUT"
fh_cfg 's/^mode2=3;/mode2=2;/'
t_run "pages and hugesize both for a mode-2 port" 0 ./install_hpcap.bash --check -c "$W/e.cfg" --module "$W/hpcap.ko"
t_grep "... pages, with a note" "note: $W/e.cfg:[0-9]+: hugesize2=2G is not used: mode 2 takes its buffer from pages2 \\(hugesize is mode 3's, as in HPCAP\\)" "$T_OUT"
t_grep "... so 4 KiB rounded up to 1 MiB" "bufmb=512,0,1,512 " "$T_OUT"
fh_cfg 's/^ifs=.*/ifs=hpcap0 xgb1 hpcap3;/' 's/^nif=4;/nif=3;/' '/^[a-z]*3=/d'
t_run "ifs with a gap (hpcap3 as interface 2)" 0 ./install_hpcap.bash --check -c "$W/e.cfg" --module "$W/hpcap.ko"
t_grep "... a note says what it becomes" "note: ifs: hpcap3 is interface 2 in ifs, so it is captured as hpcap2 with its keys ending in 2 \\(HPCAP wanted ifs in port order, without gaps\\)" "$T_OUT"
t_grep "... hpcap3 is still port 3" "hpcap3 = 0000:83:00.1" "$T_OUT"
fh_cfg 's/^mode1=1;/mode1=2;/' 's/^core1=1;/core1=3;/'
t_run "xgb1 in mode 2" 0 ./install_hpcap.bash --check -c "$W/e.cfg" --module "$W/hpcap.ko"
t_grep "... the mode decides, with a note" "note: ifs: xgb1 is HPCAP's name for a port left to its driver, and mode1=2 captures it: the mode decides, as in HPCAP" "$T_OUT"
t_grep "... captured as hpcap1" "^   1 xgb1 \\(0000:05:00.1\\) +mode 2: hpcap1," "$T_OUT"

echo "--- from HPCAP: poll threads and their NIC's NUMA node"
fh_cfg 's/^core0=2;/core0=12;/'
t_run "--check with hpcap0's poll thread on node 1, its NIC on node 0" 0 ./install_hpcap.bash --check -c "$W/e.cfg" --module "$W/hpcap.ko"
t_grep "... warns, naming the key, the nodes and the cores to use" \
	"warning: $W/e.cfg:30: core0=12: hpcap0 \\(0000:05:00.0\\) is on NUMA node 0, and its poll thread\\(s\\) run on core\\(s\\) 12 of node 1: every frame would cross between the nodes; give it cores of node 0 \\(0-7\\), as gen-hpcap-config does" "$T_OUT"
fh_cfg 's/^nrxq=1;/nrxq=2;/' 's/^core0=2;/core0=7;/' 's/^core3=10;/core3=11;/'
t_run "--check with hpcap0's 2 queues on cores 7 and 8 (nodes 0 and 1)" 0 ./install_hpcap.bash --check -c "$W/e.cfg" --module "$W/hpcap.ko"
t_grep "... warns about the queue that crosses only" "core0=7: hpcap0 \\(0000:05:00.0\\) is on NUMA node 0, and its poll thread\\(s\\) run on core\\(s\\) 8 of node 1" "$T_OUT"
fs_smt 9 11
t_run "--check with hpcap2 and hpcap3 polling on two hyperthreads of one core" 0 ./install_hpcap.bash --check -c "$W/e.cfg" --module "$W/hpcap.ko"
t_grep "... warns" "warning: poll threads on cores 9 \\(interface 2 \\(hpcap2\\) queue 0\\) and 11 \\(interface 3 \\(hpcap3\\) queue 0\\) are hyperthreads of one physical core" "$T_OUT"
fh_machine "$W/ha"
fs_nic "" 0000:01:00.0 8086:10c9 igb 0 8
t_run "a machine with an 82576 before the 82599 ports" 1 ./install_hpcap.bash --check -c "$A" --module "$W/hpcap.ko"
t_grep "... warns that HPCAP did not count it" "warning: ifs: hpcap<N>/xgb<N> count this machine's 82576 and 82599 ports together, in PCI order; HPCAP counted only the ports its driver took" "$T_OUT"
t_grep "... hpcap0 is that 82576, which cannot run vel0=10000" "vel0=10000: the 82576 cannot run at 10000 Mb/s" "$T_OUT"
fh_machine "$W/ha"
t_eq "every chip hpcap drives counts in HPCAP's names" "" \
	"$(for k in "${!HPCAP_CHIPS[@]}"; do [ -n "${HPCAP_NAMING_IDS[$k]:-}" ] || echo "$k"; done)"

echo "--- from HPCAP: where params.cfg is read from"
T=$W/tree
mkdir -p "$T/driver" "$W/etc"
cp -r install_hpcap.bash scripts "$T/"
sed 's/^ifs=.*/ifs=hpcap0 xgb1;/; s/^nif=4;/nif=2;/; /^[a-z]*[23]=/d' "$A" >"$T/params.cfg"
echo 'capture_dir=/srv/from-tree;' >>"$T/params.cfg"
sed 's/^ifs=.*/ifs=hpcap2 hpcap3;/; s/^nif=4;/nif=2;/; /^[a-z]*[23]=/d' "$A" >"$W/etc/params.cfg"
echo 'capture_dir=/srv/from-etc;' >>"$W/etc/params.cfg"
t_run "from a source tree with a params.cfg at its root" 0 env HPCAP_ETC="$W/etc" "$T/install_hpcap.bash" --check --module "$W/hpcap.ko"
t_grep "... that file, and it says so" "^install_hpcap.bash: $T/params.cfg \\(the source tree's\\): 2 interface\\(s\\)$" "$T_OUT"
t_run "... hpcap-capture from the same tree reads it too" 0 env HPCAP_ETC="$W/etc" "$T/scripts/hpcap-capture.bash" -n 0_0
t_grep "... says so" "^hpcap-capture: reading $T/params.cfg \\(the source tree's\\)$" "$T_OUT"
t_grep "... and uses it" " 0 0 /srv/from-tree/hpcap0_0$" "$T_OUT"
t_run "-c overrides it" 0 env HPCAP_ETC="$W/etc" "$T/install_hpcap.bash" --check -c "$W/etc/params.cfg" --module "$W/hpcap.ko"
t_grep "... and says so" "^install_hpcap.bash: $W/etc/params.cfg \\(given with -c\\): 2 interface\\(s\\)$" "$T_OUT"
rm "$T/params.cfg"
t_run "a source tree without params.cfg: the installed one" 0 env HPCAP_ETC="$W/etc" "$T/install_hpcap.bash" --check --module "$W/hpcap.ko"
t_grep "... says which and why" "^install_hpcap.bash: $W/etc/params.cfg \\(the installed one; the source tree $T has no params.cfg\\): 2 interface\\(s\\)$" "$T_OUT"
t_run "... hpcap-postprocess too" 0 env HPCAP_ETC="$W/etc" "$T/scripts/hpcap-postprocess.bash" 0_0
t_grep "... says so" "^hpcap-postprocess: reading $W/etc/params.cfg \\(the installed one;" "$T_OUT"
t_run "neither" 1 env HPCAP_ETC="$W/none" "$T/install_hpcap.bash" --check --module "$W/hpcap.ko"
t_eq "... says where it looked and what to do" "install_hpcap.bash: $W/none/params.cfg: no such file (looked for $T/params.cfg (this source tree's) and $W/none/params.cfg: copy params.cfg.sample to one of them (or run gen-hpcap-config params.cfg), or give -c FILE)" "$T_OUT"
t_run "installed scripts (no source tree): /etc/hpcap" 1 env HPCAP_ETC="$W/none" HPCAP_LIB="$T/scripts/hpcap-lib.bash" \
	bash -c "mkdir -p '$W/inst/sbin' '$W/inst/share/hpcap' && cp '$T/install_hpcap.bash' '$W/inst/sbin/' && cp '$T/scripts/hpcap-lib.bash' '$W/inst/share/hpcap/' && HPCAP_LIB='$W/inst/share/hpcap/hpcap-lib.bash' '$W/inst/sbin/install_hpcap.bash' --check --module '$W/hpcap.ko'"
t_eq "... says what to do" "install_hpcap.bash: $W/none/params.cfg: no such file (copy $W/none/params.cfg.sample there and edit it (or run gen-hpcap-config), or give -c FILE)" "$T_OUT"

echo "--- from HPCAP: gen-hpcap-config, topology from hwloc"
# 16 CPUs (8 cores x 2 hyperthreads, siblings c and c+8) on 2 nodes; node
# 1's first core sits alone behind its L3 (a split L3 complex).
fs_init "$W/gx"
fs_cpus 0-3,8-11 4-7,12-15
for c in 0 1 2 3 4 5 6 7; do fs_smt "$c" $((c + 8)); done
fs_l3 0-3,8-11 4,12 5-7,13-15
fs_nic eth1 0000:03:00.0 8086:10fb ixgbe 1 8
fs_nic eth2 0000:03:00.1 8086:10fb ixgbe 1 8
fs_nic eth3 0000:00:19.0 8086:15b8 e1000e 0 1
fs_mem 33554432 16777216
fs_hwloc_xml "$W/gx.xml"
fh_env "$W/gx"
G=scripts/gen-hpcap-config.bash
if command -v lstopo-no-graphics >/dev/null; then
	t_run "hwloc reads the made-up machine" 0 lstopo-no-graphics -i "$W/gx.xml" --of console
	t_grep "... node 1's first core alone behind an L3" "L3 L#1 \\(8192KB\\) \\+ Core L#4" "$T_OUT"
	t_run "gen-hpcap-config -y -a 2 eth1, hwloc's topology (HWLOC_XMLFILE)" 0 env HWLOC_XMLFILE="$W/gx.xml" $G -y -a 2 -o "$W/g1.cfg" eth1
	t_grep "... says where the topology came from" "^# Machine: 16 CPUs, 8 physical cores, 2 NUMA node\\(s\\); topology from hwloc \\([0-9.]+, $W/gx.xml\\)\\.$" "$(cat "$W/g1.cfg")"
	t_eq "... poll thread on eth1's node, not behind the lone L3; capture programs sharing its L3" \
		"core0=5 capture_cores0=6,7" "$(grep -o '^core0=[0-9]*\|^capture_cores0=.*' "$W/g1.cfg" | paste -sd' ' -)"
	t_run "... install --check accepts it" 0 ./install_hpcap.bash --check -c "$W/g1.cfg" --module "$W/hpcap.ko"
	t_eq "... without a warning" "" "$(grep warning <<<"$T_OUT")"
else
	t_fail "gen-hpcap-config with hwloc" "lstopo-no-graphics is not installed (apt install hwloc-nox)"
fi
t_run "the same from sysfs (--topology sysfs: the caches are there too)" 0 $G -y -a 2 --topology sysfs -o "$W/g2.cfg" eth1
t_eq "... the same cores" "core0=5 capture_cores0=6,7" "$(grep -o '^core0=[0-9]*\|^capture_cores0=.*' "$W/g2.cfg" | paste -sd' ' -)"
t_run "-s 0 (no core kept for the system): eth3's interrupts" 0 $G -y -s 0 -a 0 eth3
t_grep "... not on CPU 0's core (0 and 8)" "^core0=1 " "$T_OUT"

echo "--- from HPCAP: gen-hpcap-config params.cfg (HPCAP's form)"
mkdir -p "$W/hf"
t_run "gen-hpcap-config -y params.cfg: which interfaces?" 2 bash -c "cd '$W/hf' && '$top/$G' -y params.cfg"
t_grep "... asks for them" "which interfaces\\? \\(give them as arguments, or run on a terminal\\)" "$T_OUT"
t_eq "... and writes nothing" "" "$(ls "$W/hf")"
t_run "gen-hpcap-config -y params.cfg eth1" 0 bash -c "cd '$W/hf' && '$top/$G' -y params.cfg eth1"
t_eq "... writes ./params.cfg" "gen-hpcap-config: wrote params.cfg; check it with: install_hpcap.bash --check -c params.cfg" "$T_OUT"
t_run "... which install --check accepts" 0 ./install_hpcap.bash --check -c "$W/hf/params.cfg" --module "$W/hpcap.ko"
t_run "gen-hpcap-config -y eth1 eht2 (a typo, not a file)" 1 $G -y eth1 eht2
t_eq "... says so" "gen-hpcap-config: eht2: no such network interface (ip link lists them); to write to a file of that name, give -o eht2" "$T_OUT"
t_run "gen-hpcap-config -y -o a.cfg b.cfg eth1: two outputs" 2 $G -y -o "$W/a.cfg" "$W/b.cfg" eth1
t_run "gen-hpcap-config -y hpcap0 hpcap1 (HPCAP's names)" 0 $G -y -a 0 -o "$W/hf/n.cfg" hpcap0 hpcap1
t_grep "... the 82599 ports, in PCI order" "interface 0: eth1 \\(0000:03:00.0, ixgbe, 82599\\).*interface 1: eth2 \\(0000:03:00.1, ixgbe, 82599\\)" "$(tr '\n' ' ' <"$W/hf/n.cfg")"
t_grep "... written as HPCAP's names" '^ifs="hpcap0 hpcap1"$' "$(cat "$W/hf/n.cfg")"
if command -v script >/dev/null; then
	mkdir -p "$W/hf2"
	t_run "gen-hpcap-config params.cfg on a terminal: it asks" 0 \
		bash -c "cd '$W/hf2' && printf 'eth1\\n\\n2\\n1\\n' | script -qec '$top/$G params.cfg' /dev/null"
	t_grep "... the ports" "eth1 +0000:03:00.0 ixgbe node 1 82599" "$T_OUT"
	t_eq "... not where to write" "" "$(grep 'Write the configuration to' <<<"$T_OUT")"
	t_grep "... and writes params.cfg with the answers (2 queues)" "^core0=4 .*capture_cores0=6,7$" "$(grep '^core0\|^capture_cores0' "$W/hf2/params.cfg" 2>/dev/null | paste -sd' ' -)"
fi

echo "--- from HPCAP: gen-hpcap-config, what hwloc sees and sysfs does not"
# 8 CPUs on 2 nodes whose hyperthreads are numbered side by side (4 and
# 5 are one core), and eth1 on node 1 by hwloc's tables, while sysfs (as
# in some VMs and containers) shows neither.
fs_init "$W/gy"
fs_cpus 0-3 4-7
for c in 0 2 4 6; do fs_smt "$c" $((c + 1)); done
fs_nic eth1 0000:03:00.0 8086:10fb ixgbe 1 8
fs_hwloc_xml "$W/gy.xml"
fs_cpus 0-3 4-7
echo -1 >"$W/gy/sys/devices/pci0000:00/0000:03:00.0/numa_node"
fh_env "$W/gy"
if command -v lstopo-no-graphics >/dev/null; then
	t_run "hwloc: -q 2 -a 0 eth1" 0 env HWLOC_XMLFILE="$W/gy.xml" $G -y -q 2 -a 0 eth1
	t_grep "... eth1 on node 1 (hwloc's PCI locality)" "interface 0: eth1 \\(0000:03:00.0, ixgbe, 82599\\) on NUMA node 1 \\(CPUs 4-7\\)" "$T_OUT"
	t_grep "... 2 poll threads on two physical cores (5 and 6, not the siblings 4 and 5)" "^core0=5 " "$T_OUT"
fi
t_run "sysfs: the same" 0 $G -y -q 2 -a 0 --topology sysfs eth1
t_grep "... sees no node for eth1" "eth1 \\(0000:03:00.0, ixgbe, 82599\\) on no particular NUMA node" "$T_OUT"
t_grep "... nor siblings" "^core0=1 " "$T_OUT"
t_run "auto on a made-up sysfs without HWLOC_XMLFILE: sysfs" 0 $G -y -q 2 -a 0 eth1
t_grep "... says so" "topology from sysfs\\.$" "$T_OUT"
mkdir -p "$W/nohw"
ln -s /usr/bin/* "$W/nohw/" 2>/dev/null
rm -f "$W/nohw"/lstopo* "$W/nohw"/hwloc*
t_run "--topology hwloc without hwloc installed" 0 env PATH="$W/nohw" HWLOC_XMLFILE="$W/gy.xml" $G -y -q 2 -a 0 --topology hwloc eth1
t_grep "... falls back to sysfs, and says why" "topology from sysfs \\(lstopo-no-graphics is not installed \\(apt install hwloc-nox\\)\\)\\.$" "$T_OUT"
t_grep "... with sysfs's answer" "^core0=1 " "$T_OUT"


echo "--- from HPCAP: parse-hpcap-log on a log whose first and last minutes are idle"
# HPCAP's monitor format; a minute of "0 0 0 0" before and after 30 s of
# 10 Gbps with 3 s of losses (tests/ops/fixtures/idle-ends.log).
P=scripts/parse-hpcap-log.bash
t_run "parse-hpcap-log idle-ends.log" 0 bash -c "cd '$F' && TZ=UTC '$top/$P' --no-plot idle-ends.log"
t_eq "... exactly the expected summary, timeline and HPCAP's periods" "$(cat "$F/idle-ends.expected")" "$T_OUT"
t_grep "... the idle minutes left out, and said so" "^trimmed: +60 idle line\\(s\\) at the start, 60 at the end" "$T_OUT"
t_grep "... the average is the traffic's (not diluted by the idle minutes)" "^rate: +average 10.000 Gbps, max 10.000 Gbps, min 10.000 Gbps$" "$T_OUT"
t_grep "... HPCAP's line for the losses" "^  At Wed Nov 15 00:01:10 UTC 2023 \\(ts 1700006470, elapsed 10 secs\\) losses \\(3 secs\\)\\. Lost 1500 frames\\. Received 3000000 frames, 30000\\.00 Mbits, 10\\.000 Gbps\\.$" "$T_OUT"
t_run "... --no-trim keeps them" 0 env TZ=UTC $P --no-plot --no-trim "$F/idle-ends.log"
t_grep "... and the average is diluted" "^rate: +average 2.000 Gbps, max 10.000 Gbps, min 0.000 Gbps$" "$T_OUT"
t_eq "... no trimmed line then" "" "$(grep '^trimmed' <<<"$T_OUT")"
t_run "... from standard input, the same" 0 bash -c "TZ=UTC '$top/$P' --no-plot - <'$F/idle-ends.log'"
t_eq "... the same numbers" "$(sed 1d "$F/idle-ends.expected")" "$(sed 1d <<<"$T_OUT")"
head -20 "$F/idle-ends.log" >"$W/idle.log"
t_run "a log that is idle throughout" 0 env TZ=UTC $P --no-plot "$W/idle.log"
t_grep "... is kept whole, and it says so" "^trimmed: +nothing: every line is idle" "$T_OUT"
t_grep "... 20 samples" "^samples: +20, every 1 s$" "$T_OUT"
if command -v gnuplot >/dev/null; then
	t_run "the plot of the trimmed log" 0 env TZ=UTC $P --png "$W/idle-ends.png" "$F/idle-ends.log"
	t_eq "... a PNG" PNG "$(head -c 4 "$W/idle-ends.png" 2>/dev/null | tail -c 3)"
fi

unset HPCAP_SYSFS HPCAP_PROCFS HPCAP_RUNDIR

[ "$fh_alone" = 0 ] || t_done
