#!/usr/bin/env bash
# demo-offline.bash - the storage half of the main job, with no VM.
#
# For machines without QEMU or kernel images: this shows the storage path
# on bundled sample traffic: a pcap is framed into RAW files exactly as the
# module frames its buffer, the files are validated, converted back and
# compared with the original, frame by frame.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--help" ]; then sed -n '2,7p' "$0"; exit 0; fi
bin=build/bin
[ -x $bin/raw2pcap ] || make -s libs tools
work=$(mktemp -d "${TMPDIR:-/tmp}/hpcap-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== 1. sample traffic: 20000 IMIX frames with nanosecond stamps"
python3 tests/tools/gen_pcap.py "$work/sample.pcap" --count 20000 --seed 42
capinfos -c -d -u "$work/sample.pcap" 2>/dev/null | sed 's/^/   /' || true

echo "== 2. framed into 1 MiB RAW files, as hpcap's buffer frames them"
mkdir "$work/raw"
$bin/pcap2raw --file-size 1M "$work/sample.pcap" "$work/raw"
find "$work/raw" -name '*.raw' -printf '   %f  %s bytes\n' | sort

echo "== 3. every record validated"
$bin/checkraw -q "$work/raw"

echo "== 4. converted back to nanosecond pcap and compared with the original"
$bin/raw2pcap -q "$work/raw" "$work/back.pcap"
if cmp "$work/sample.pcap" "$work/back.pcap"; then
	echo "   identical: $(tshark -r "$work/back.pcap" 2>/dev/null | wc -l) frames, byte for byte"
else
	echo "   DIFFERENT: the round trip lost or changed data" >&2
	exit 1
fi
tshark -r "$work/back.pcap" -c 3 -t ad 2>/dev/null | sed 's/^/   /'
