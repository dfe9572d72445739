#!/usr/bin/env bash
# test-hpcapdd-options.bash [BINDIR] - the pipeline options of hpcapdd and
# hpcapdd_p on the command line, without the module: what is refused is
# refused before the queue is opened, with exit status 2 and a message that
# names the option.  (The captures themselves are tested in the VM:
# tests/vm/module/pipeline-tests.bash.)
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
. "$root/tests/lib.sh"
t_init hpcapdd-opts
bin=${1:-$root/build/bin}
d=$T_TMP/out
mkdir -p "$d"
# No module here: a valid command line gets as far as opening the queue.
export HPCAP_DEV_DIR=$T_TMP/nodev

for tool in hpcapdd hpcapdd_p; do
	b=$bin/$tool
	t_run "$tool: --split-time without a unit is seconds" 1 "$b" --split-time 60 0 0 "$d"
	t_grep "$tool: ... and fails only at the queue" "hpcap_0_0|module" "$T_OUT"
	t_run "$tool: --split-time 500ms" 1 "$b" --split-time 500ms 0 0 "$d"
	t_run "$tool: --split-time with a bad unit" 2 "$b" --split-time 5y 0 0 "$d"
	t_grep "$tool: names the option" "--split-time" "$T_OUT"
	t_run "$tool: --split-size below 64K" 2 "$b" --split-size 1000 0 0 "$d"
	t_run "$tool: --name with %n" 2 "$b" --name 'a%n' 0 0 "$d"
	t_run "$tool: --name leaving the directory" 2 "$b" --name '../x' 0 0 "$d"
	t_run "$tool: --name with an unknown %{...}" 2 "$b" --name '%{nope}' 0 0 "$d"
	t_grep "$tool: says which" "nope" "$T_OUT"
	t_run "$tool: --format unknown" 2 "$b" --format erf 0 0 "$d"
	t_run "$tool: --zstd=0" 2 "$b" --zstd=0 0 0 "$d"
	t_run "$tool: --zstd=23" 2 "$b" --zstd=23 0 0 "$d"
	t_run "$tool: --zstd-frame without --zstd" 2 "$b" --zstd-frame 64K 0 0 "$d"
	t_run "$tool: --post-jobs without --post" 2 "$b" --post-jobs 2 0 0 "$d"
	t_run "$tool: a bad filter" 2 "$b" -f 'tcp port' 0 0 "$d"
	t_grep "$tool: libpcap's reason" "filter" "$T_OUT"
	t_run "$tool: --linktype unknown" 2 "$b" --format pcap --linktype nosuch 0 0 "$d"
	t_grep "$tool: --linktype error says what to give" "--linktype: 'nosuch' is not a link type libpcap knows" "$T_OUT"
	t_run "$tool: --linktype with RAW output" 2 "$b" --linktype RAW 0 0 "$d"
	t_grep "$tool: ... RAW carries none" "--linktype needs --format pcap or pcapng" "$T_OUT"
	t_run "$tool: --linktype RAW with a filter" 2 "$b" --format pcap --linktype RAW -f udp 0 0 "$d"
	t_run "$tool: --linktype 101 accepted" 1 "$b" --format pcapng --linktype 101 0 0 "$d"
	t_grep "$tool: ... up to the queue" "hpcap_0_0|module" "$T_OUT"
	t_run "$tool: pipeline options need a directory" 2 "$b" --sha256 0 0 null
	t_run "$tool: all of them together are accepted" 1 "$b" --split-time 1m --split-size 1G \
		--name '%Y/%m/%d/%H%M%S_%{queue}' --localtime --format pcapng --zstd=5 --zstd-frame 256K \
		--sha256 --post 'true' --post-jobs 2 --post-queue 4 --post-timeout 5 -f 'tcp or udp' 0 0 "$d"
	t_grep "$tool: ... up to the queue" "hpcap_0_0|module" "$T_OUT"
done
t_eq "nothing was written" "" "$(find "$d" -type f)"
t_done
