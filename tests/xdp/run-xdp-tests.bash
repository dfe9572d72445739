#!/usr/bin/env bash
# run-xdp-tests.bash [BINDIR] - the AF_XDP source's tests on this machine,
# no VM: hpcap-xdp on veth pairs in network namespaces made (and removed)
# by each test.  Needs root and a kernel with AF_XDP; skips with a message
# otherwise (exit 0).  make check-xdp runs it; make check runs that.
#
#   test-capture.bash  capture = sent, byte for byte, per queue; the loss
#                      identity for every cause; /dev link; generic mode
#   test-faults.bash   SIGKILL, link flap, second instance, other XDP
#                      programs, leftovers, dispatcher, refusals
#   test-install.bash  mode0=xdp through install_hpcap.bash; hpcap-status,
#                      hpcap-prometheus, hpcap-monitor; --uninstall
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../../build/bin}
if [ "${1:-}" = --help ]; then sed -n '2,13p' "$0"; exit 0; fi
failed=()
for t in "$here"/test-*.bash; do
	st=0
	bash "$t" "$bin" || st=$?
	case $st in
	0) ;;
	4) echo "check-xdp: $(basename "$t") skipped (see the line above)" ;;
	*) failed+=("$(basename "$t")") ;;
	esac
done
if [ "${#failed[@]}" -ne 0 ]; then
	printf 'check-xdp: FAILED: %s\n' "${failed[@]}"
	exit 1
fi
echo "check-xdp: all passed"
