#!/usr/bin/env bash
# test-hpcap-guide.bash [BINDIR] - code written the way HPCAP's User Guide
# uses libmgmon (tests/compat/hpcap_guide_example.c: a handler taking
# libpcap's struct pcap_pkthdr, passed unchanged to the mgmon loops) builds
# with -Werror and reads the right headers; it also builds against an
# installed tree (make install DESTDIR=...) with pkg-config only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bin=${1:-$top/build/bin}
build=$(dirname "$bin")
# shellcheck source=../lib.sh
. "$top/tests/lib.sh"
t_init hpcap-guide
cd "$T_TMP"
src=$here/hpcap_guide_example.c
fx=$top/tests/fixtures/small-16k

# 1. Against the source tree's headers and libraries, warnings as errors.
read -r -a extra <"$top/srclib/LIBS"
# Libraries built with ASan/UBSan (make check's build-san) need the same
# runtime in the program that links them, first in its library list.
san=()
if [ "$(nm "$build/lib/libhpcap.a" 2>/dev/null | grep -c ' U __asan_')" -gt 0 ]; then
	san=("-fsanitize=address,undefined")
fi
t_run "the guide's handler form builds with -Wall -Wextra -Werror (gnu11)" 0 \
	cc -std=gnu11 -Wall -Wextra -Werror -I"$top/include" -o ex "$src" \
	"$build/lib/libmgmon.a" "$build/lib/libhpcap.a" -lpcap -lpthread "${extra[@]}" "${san[@]}"
t_run "... and as strict C11" 0 \
	cc -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -I"$top/include" -o ex11 "$src" \
	"$build/lib/libmgmon.a" "$build/lib/libhpcap.a" -lpcap -lpthread "${extra[@]}" "${san[@]}"

# 2. Offline on a fixture: the headers it sees are the frames' own.
t_run "offline loop over a RAW directory" 0 ./ex offline "$fx"
got=$T_OUT
"$bin/raw2pcap" -q "$fx" all.pcap
want=$(tshark -r all.pcap -T fields -e frame.len -e frame.cap_len -e frame.time_epoch 2>/dev/null |
	awk 'NR == 1 { split($3, f, "."); first = f[1] "." substr(f[2], 1, 6); nsec = f[2] + 0 }
	     { n++; b += $1; c += $2; split($3, l, "."); last = l[1] "." substr(l[2], 1, 6) }
	     END { printf "frames %d bytes %d caplen %d first %s nsec %d last %s\n", n, b, c, first, nsec, last }')
t_eq "frames, lengths, microsecond time and the nanosecond extension = tshark's" "$want" "$got"

# 3. Against an installed tree, with pkg-config only.
make -s -C "$top" install-libs BUILD="$build" DESTDIR="$T_TMP/root" PREFIX=/usr/local >/dev/null
export PKG_CONFIG_SYSROOT_DIR=$T_TMP/root PKG_CONFIG_LIBDIR=$T_TMP/root/usr/local/lib/pkgconfig
for f in include/libmgmon.h include/libhpcap_pipeline.h lib/libmgmon.so lib/libmgmon.a lib/pkgconfig/mgmon.pc; do
	t_eq "install-libs installs $f" yes "$([ -e "$T_TMP/root/usr/local/$f" ] && echo yes || echo no)"
done
# shellcheck disable=SC2046 # pkg-config prints several flags
t_run "builds against the installed tree with pkg-config --cflags --libs mgmon" 0 \
	cc -std=gnu11 -Wall -Wextra -Werror $(pkg-config --cflags mgmon) -o exi "$src" $(pkg-config --libs mgmon) "${san[@]}"
t_run "... and runs with the installed shared libraries" 0 env LD_LIBRARY_PATH="$T_TMP/root/usr/local/lib" ./exi offline "$fx"
t_eq "... with the same result" "$got" "$T_OUT"
t_done
