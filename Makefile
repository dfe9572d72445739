# hpcap - top-level Makefile.
#
#   make               libraries, tools, and the module if kernel headers exist
#   make check         every test (unit, tools, fuzz smoke, VM tests of the module)
#   make check-unit    unit and tool tests, with ASan/UBSan
#   make check-vm      the module's tests inside QEMU guests, every kernel
#   make check-xdp     the AF_XDP source (hpcap-xdp) on veth pairs, as root
#   make bench         benchmarks, results in bench/RESULTS.md
#   make bench-compare REF=<commit>   hot paths vs a commit, one interleaved run
#   make demo          the main job end to end
#   make install       PREFIX=/usr/local DESTDIR= honoured
#
# Objects go to $(BUILD) (default build/), so sanitizer builds sit beside
# the normal one: BUILD=build-san SAN=1 (ASan+UBSan), BUILD=build-tsan
# SAN=thread (TSan), BUILD=build-fuzz SAN=fuzz CC=clang (libFuzzer).
#
# The floors (doc/architecture.md): include/ (the ABI) -> core/ (plain C
# that runs both in the kernel and here: ring, framing, poll loop, dedup)
# -> driver/ (the module, built by Kbuild) | srclib/ (libhpcap, libmgmon)
# -> samples/ (the tools).

VERSION    := 0.1.0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCDIR     ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man
DESTDIR    ?=
BUILD      ?= build
KVER       ?= $(shell uname -r)
KDIR       ?= /lib/modules/$(KVER)/build

CC         ?= cc
CFLAGS     ?= -O2 -g
# gcc's -Wformat-truncation is off (snprintf that may cut is intended);
# clang (the fuzz build) has no such warning.
NO_FMT_TRUNC := $(if $(filter fuzz,$(SAN)),,-Wno-format-truncation)
WARNINGS   := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
              -Wmissing-prototypes -Wpointer-arith -Wformat=2 -Wvla \
              $(NO_FMT_TRUNC)
CPPFLAGS   += -Iinclude -Icore -Isrclib -D_FILE_OFFSET_BITS=64 \
              -DHPCAP_VERSION=\"$(VERSION)\"
ifeq ($(SAN),1)
CFLAGS     += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=all
LDFLAGS    += -fsanitize=address,undefined
endif
ifeq ($(SAN),thread)
CFLAGS     += -O1 -fsanitize=thread -Wno-tsan
LDFLAGS    += -fsanitize=thread
endif
ifeq ($(SAN),fuzz)
CFLAGS     += -O1 -fsanitize=fuzzer-no-link,address,undefined \
              -fno-sanitize-recover=all
LDFLAGS    += -fsanitize=address,undefined
endif
# -fno-semantic-interposition: calls inside libhpcap stay direct (and
# inlinable) although the objects are position-independent.
ALL_CFLAGS  = $(WARNINGS) $(CFLAGS) -fPIC -fno-semantic-interposition -MMD -MP

PCAP_LIBS  := $(shell pkg-config --libs libpcap 2>/dev/null || echo -lpcap)

# libhpcap: srclib/{file,queue,pipeline}/*.c and the core floor (core/*.c,
# the same files the module builds: the userspace producer runs the
# module's ring code); libmgmon: srclib/mgmon/*.c, on top of libhpcap.
CORE_SRCS  := $(wildcard core/*.c)
LIB_SRCS   := $(wildcard srclib/file/*.c srclib/queue/*.c srclib/pipeline/*.c)
CLI_SRCS   := $(wildcard srclib/cli/*.c)
MGMON_SRCS := $(wildcard srclib/mgmon/*.c)
CORE_OBJS  := $(CORE_SRCS:%.c=$(BUILD)/%.o)
LIB_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/%.o) $(CORE_OBJS)
CLI_OBJS   := $(CLI_SRCS:%.c=$(BUILD)/%.o)
MGMON_OBJS := $(MGMON_SRCS:%.c=$(BUILD)/%.o)
SOVER      := 1
LIBA       := $(BUILD)/lib/libhpcap.a
LIBSO      := $(BUILD)/lib/libhpcap.so.$(SOVER)
MGMONA     := $(BUILD)/lib/libmgmon.a
CLIA       := $(BUILD)/lib/libhpcapcli.a
# Extra libraries libhpcap and libmgmon need (set by srclib/LIBS).
LIB_LIBS   := $(shell cat srclib/LIBS 2>/dev/null)

# Each tool: samples/<tool>/<tool>.c (+ <tool>.1 man page, tests/); extra
# link flags in samples/<tool>/LIBS.
TOOLS      := $(sort $(foreach d,$(wildcard samples/*/),$(if $(wildcard $(d)$(notdir $(d:/=)).c),$(notdir $(d:/=)))))
TOOL_BINS  := $(TOOLS:%=$(BUILD)/bin/%)
tool_libs   = $(shell cat samples/$(1)/LIBS 2>/dev/null)

# ---- AF_XDP source (hpcap-xdp; doc/xdp.md) ----------------------------------
# srclib/xdp/ (AF_XDP port over libxdp, libbpf, libnuma) as libhpcapxdp.a, and
# its XDP program built with clang's BPF target and embedded (objs.c).  Built
# only where those are installed (scripts/install-deps.bash); elsewhere the
# tools that need them are left out with a message.
.DEFAULT_GOAL := all
BPF_CLANG  ?= clang
XDP_TOOLS  := hpcap-xdp
XDP_OK     := $(shell pkg-config --exists libxdp libbpf 2>/dev/null && \
                [ -f /usr/include/numa.h ] && command -v $(BPF_CLANG) >/dev/null && echo 1)
ifeq ($(XDP_OK),1)
XDP_SRCS   := $(filter-out %.bpf.c,$(wildcard srclib/xdp/*.c))
XDP_OBJS   := $(XDP_SRCS:%.c=$(BUILD)/%.o)
XDPA       := $(BUILD)/lib/libhpcapxdp.a
# (libhpcapxdp sits on libhpcap: its queue files use libhpcap's writer)
XDP_LIBS   := $(XDPA) $(LIBA) $(shell pkg-config --libs libxdp libbpf) -lnuma -lpthread
BPF_OBJS   := $(BUILD)/bpf/hpcap_xdp.o $(BUILD)/bpf/hpcap_xdp_nic_ts.o
BPF_CFLAGS := -O2 -g -target bpf -std=gnu11 -Wall -Werror -Isrclib/xdp \
              -I/usr/include/$(shell cc -dumpmachine)

$(BUILD)/bpf/hpcap_xdp.o: srclib/xdp/hpcap_xdp.bpf.c srclib/xdp/hpcap_xdp_meta.h
	@mkdir -p $(@D)
	$(BPF_CLANG) $(BPF_CFLAGS) -c $< -o $@
$(BUILD)/bpf/hpcap_xdp_nic_ts.o: srclib/xdp/hpcap_xdp.bpf.c srclib/xdp/hpcap_xdp_meta.h
	@mkdir -p $(@D)
	$(BPF_CLANG) $(BPF_CFLAGS) -DHPCAP_XDP_NIC_TS -c $< -o $@
$(BUILD)/srclib/xdp/objs.o: $(BPF_OBJS)
$(BUILD)/srclib/xdp/objs.o: CPPFLAGS += -DHXDP_BPF_DIR=\"$(BUILD)/bpf\"
$(XDPA): $(XDP_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
$(XDP_TOOLS:%=$(BUILD)/bin/%): $(XDPA)
$(XDP_TOOLS:%=$(BUILD)/bin/%): TOOL_LDLIBS = $(XDP_LIBS)
libs: $(XDPA)
# Its unit test and benchmark programs (the test and bench rules below).
$(BUILD)/tests/test_xdp $(BUILD)/bench/xdp-rxdrop: $(XDPA)
$(BUILD)/tests/test_xdp $(BUILD)/bench/xdp-rxdrop: PROG_LDLIBS = $(XDP_LIBS)
$(BUILD)/bench/xdp-gen: $(BUILD)/bench/xdp_gen.o
$(BUILD)/bench/xdp-gen: PROG_LDLIBS = $(shell pkg-config --libs libbpf)
$(BUILD)/bench/xdp_gen.o: bench/xdp_gen.bpf.c
	@mkdir -p $(@D)
	$(BPF_CLANG) $(BPF_CFLAGS) -c $< -o $@
else
TOOLS      := $(filter-out $(XDP_TOOLS),$(TOOLS))
TOOL_BINS  := $(TOOLS:%=$(BUILD)/bin/%)
$(info hpcap: no libxdp, libbpf, libnuma or clang: $(XDP_TOOLS) not built (scripts/install-deps.bash installs them))
endif

# ---- NUMA placement (srclib/cli/numaplace.c) --------------------------------
# hpcapdd and hpcapdd_p put their buffers and threads on the NIC's node
# with libnuma; without it (no numa.h) they build and say nothing is placed.
NUMA_TOOLS := hpcapdd hpcapdd_p
ifeq ($(shell [ -f /usr/include/numa.h ] && echo 1),1)
NUMA_LIBS  := -lnuma
$(BUILD)/srclib/cli/numaplace.o: CPPFLAGS += -DHPCAP_HAVE_LIBNUMA
$(NUMA_TOOLS:%=$(BUILD)/bin/%): TOOL_LDLIBS = $(NUMA_LIBS)
else
$(info hpcap: no libnuma: $(NUMA_TOOLS) will not place buffers on the NIC's NUMA node (scripts/install-deps.bash installs it))
endif

all: libs tools module

MGMONSO    := $(BUILD)/lib/libmgmon.so.$(SOVER)
libs: $(LIBA) $(LIBSO) $(BUILD)/lib/hpcap.pc $(MGMONA) $(MGMONSO) \
      $(BUILD)/lib/mgmon.pc
tools: $(TOOL_BINS)

$(MGMONA): $(MGMON_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# libmgmon.so sits on libhpcap.so and exports mgmon_* only.
$(MGMONSO): $(MGMON_OBJS) $(LIBSO) srclib/mgmon/libmgmon.map
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,libmgmon.so.$(SOVER) \
	  -Wl,--version-script=srclib/mgmon/libmgmon.map $(if $(SAN),,-Wl,--no-undefined) \
	  $(LDFLAGS) -o $@ \
	  $(MGMON_OBJS) -L$(BUILD)/lib -lhpcap $(LIB_LIBS)
	ln -sf libmgmon.so.$(SOVER) $(BUILD)/lib/libmgmon.so

$(BUILD)/lib/mgmon.pc: srclib/mgmon/mgmon.pc.in Makefile
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCDIR@|$(INCDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(LIBA): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# The core floor's functions are linked in but not exported: the map made
# from srclib/libhpcap.map.in lists each of them as local.
$(BUILD)/lib/libhpcap.map: srclib/libhpcap.map.in $(CORE_OBJS)
	@mkdir -p $(@D)
	{ sed '/@CORE_LOCAL@/,$$d' $<; \
	  nm -g --defined-only $(CORE_OBJS) | awk 'NF == 3 { print "\t\t" $$3 ";" }' | sort -u; \
	  sed '1,/@CORE_LOCAL@/d' $<; } > $@

$(LIBSO): $(LIB_OBJS) $(BUILD)/lib/libhpcap.map
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,libhpcap.so.$(SOVER) \
	  -Wl,--version-script=$(BUILD)/lib/libhpcap.map $(LDFLAGS) -o $@ $(LIB_OBJS) \
	  $(LIB_LIBS)
	ln -sf libhpcap.so.$(SOVER) $(BUILD)/lib/libhpcap.so

$(CLIA): $(CLI_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/lib/hpcap.pc: srclib/hpcap.pc.in Makefile
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCDIR@|$(INCDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

# Objects are never removed as intermediates (a tool rebuilds only when
# its sources change).
.SECONDARY:

.SECONDEXPANSION:
$(BUILD)/bin/%: $$(BUILD)/samples/$$*/$$*.o $(CLIA) $(LIBA) $(if $(MGMON_SRCS),$(MGMONA))
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(CLIA) $(if $(MGMON_SRCS),$(MGMONA)) $(LIBA) \
	  $(call tool_libs,$*) $(LIB_LIBS) $(TOOL_LDLIBS)

# The module is built only where kernel headers exist (not needed for the
# userspace tools; CI builds it for every kernel in tests/vm).  Kbuild (at
# the top, so it reaches driver/, core/ and include/) decides what it holds;
# scripts/build-module.bash builds it out of tree, per kernel.
module:
	@if [ -d "$(KDIR)" ]; then scripts/build-module.bash $(KVER); \
	else echo "hpcap: no kernel headers at $(KDIR): module not built"; fi

# Unit tests: each tests/unit/test_X.c links the libraries like any program
# (static archives: only what it uses is pulled in); test_regs reads the
# driver's register header.  TSAN_TESTS run again under ThreadSanitizer
# (make BUILD=build-tsan SAN=thread tsan-tests).
UNIT_TESTS := $(filter-out $(if $(XDP_OK),,test_xdp),\
              $(notdir $(basename $(wildcard tests/unit/test_*.c))))
TSAN_TESTS := test_ring test_shmring test_mgmon_live test_copier test_zstd_pool
TEST_LIBS  := $(PCAP_LIBS) -lpthread $(LIB_LIBS)
# Tests and benchmarks: the base warnings (they printf through helpers).
TEST_WARNINGS := -std=c11 -Wall -Wextra -Werror $(NO_FMT_TRUNC)
unit-tests: $(UNIT_TESTS:%=$(BUILD)/tests/%)
tsan-tests: $(TSAN_TESTS:%=$(BUILD)/tests/%)
print-tsan-tests:
	@echo $(TSAN_TESTS)
$(BUILD)/tests/%: tests/unit/%.c $(MGMONA) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests/unit -Idriver $(TEST_WARNINGS) $(CFLAGS) -MMD -MP \
	  $(LDFLAGS) -o $@ $< $(MGMONA) $(LIBA) $(TEST_LIBS) $(PROG_LDLIBS)

# Benchmark programs (bench/*.c), built like the tests; bench/*.bash run them.
BENCH_PROGS := $(filter-out %.bpf $(if $(XDP_OK),,xdp-gen xdp-rxdrop),\
              $(notdir $(basename $(wildcard bench/*.c))))
bench-progs: $(BENCH_PROGS:%=$(BUILD)/bench/%)
$(BUILD)/bench/%: bench/%.c $(MGMONA) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(TEST_WARNINGS) $(CFLAGS) -MMD -MP $(LDFLAGS) -o $@ $< \
	  $(MGMONA) $(LIBA) $(TEST_LIBS) $(PROG_LDLIBS)

# libFuzzer targets (make BUILD=build-fuzz SAN=fuzz CC=clang fuzz-targets).
FUZZ_TARGETS := $(notdir $(basename $(wildcard tests/fuzz/fuzz_*.c)))
fuzz-targets: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)
$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(TEST_WARNINGS) $(CFLAGS) -fsanitize=fuzzer -o $@ $< \
	  $(LIBA) $(TEST_LIBS)

# Every suite runs even when an earlier one fails; the last line says
# "check: all passed" or names the suites that failed.
check:
	tests/run-all.bash unit fuzz vm ops xdp

check-unit:
	tests/run-unit.bash

check-fuzz:
	tests/fuzz/run-fuzz.bash

# The AF_XDP source on veth pairs in network namespaces (root; skipped with a
# message where the kernel or the build lacks AF_XDP).
check-xdp: tools
	tests/xdp/run-xdp-tests.bash $(CURDIR)/$(BUILD)/bin

check-vm:
	@if [ -x tests/vm/run-module-tests.bash ]; then tests/vm/run-module-tests.bash; \
	else echo "check-vm: no module tests yet"; fi

# The soak: 10 million frames through the native path on every kernel, an
# hour or more each; not part of check (tests/vm/soak/run-soak.bash --help).
soak:
	tests/vm/soak/run-soak.bash

bench: all
	bench/run-bench.bash
	bench/run-capture-bench.bash
	bench/run-mgmon-bench.bash
	bench/pipeline-bench.bash
	bench/workers-bench.bash
	bench/zstd-threads-bench.bash
	bench/xdp-bench.bash

# Regression check of the hot paths against a commit, one interleaved run.
bench-compare:
	bench/bench-compare.bash $(if $(RUNS),--runs $(RUNS)) $(REF)

demo: all
	scripts/demo.bash

# install / uninstall: PREFIX and DESTDIR honoured.  The module is not
# installed as a binary: DKMS builds it for every kernel (dkms.conf, sources
# in $(DKMSDIR)); install_hpcap.bash then finds it with modprobe.
OPS_SBIN   := install_hpcap.bash launch-hpcap-monitors stop-hpcap-monitors \
              hpcap-monitor monitorCPUs wake_standard_iface.bash \
              hugepages_mount hpcap-diag gen-hpcap-config hpcap-capture \
              hpcap-postprocess hpcap-mcast-join hpcap-prometheus
OPS_BIN    := hpcap-status parse-hpcap-log
OPS_UNITS  := $(notdir $(wildcard systemd/*.service systemd/*.timer))
OPS_MAN    := $(wildcard scripts/man/*.[158])
install uninstall: SBINDIR ?= $(PREFIX)/sbin
install uninstall: DATADIR ?= $(PREFIX)/share/hpcap
install uninstall: DOCDIR ?= $(PREFIX)/share/doc/hpcap
install uninstall: SYSCONFDIR ?= /etc
install uninstall: UNITDIR ?= $(PREFIX)/lib/systemd/system
install uninstall: UDEVDIR ?= /etc/udev/rules.d
install uninstall: DKMSDIR ?= /usr/src/hpcap-$(VERSION)
OPS_SED     = -e 's|@HPCAP_DATADIR@|$(DATADIR)|g' -e 's|@HPCAP_BINDIR@|$(BINDIR)|g' \
              -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' \
              -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g'

install: libs tools
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
	  $(DESTDIR)$(INCDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	  $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DATADIR) \
	  $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/hpcap $(DESTDIR)$(UNITDIR) \
	  $(DESTDIR)$(UDEVDIR) $(DESTDIR)$(DKMSDIR)/driver $(DESTDIR)$(DKMSDIR)/core \
	  $(DESTDIR)$(DKMSDIR)/include
	install -m 755 $(TOOL_BINS) $(DESTDIR)$(BINDIR)/
	$(MAKE) --no-print-directory install-libs
	install -m 644 $(foreach t,$(TOOLS),samples/$(t)/$(t).1) \
	  $(DESTDIR)$(MANDIR)/man1/
	@# Operations: scripts (without .bash, except the two HPCAP names),
	@# their library, systemd units, the configuration, udev, DKMS, docs.
	sed $(OPS_SED) scripts/hpcap-lib.bash > $(DESTDIR)$(DATADIR)/hpcap-lib.bash
	for s in $(OPS_SBIN); do src=scripts/$${s%.bash}.bash; \
	  [ -f $$src ] || src=$$s; \
	  sed $(OPS_SED) $$src > $(DESTDIR)$(SBINDIR)/$$s && \
	  chmod 755 $(DESTDIR)$(SBINDIR)/$$s || exit 1; done
	for s in $(OPS_BIN); do sed $(OPS_SED) scripts/$$s.bash > $(DESTDIR)$(BINDIR)/$$s && \
	  chmod 755 $(DESTDIR)$(BINDIR)/$$s || exit 1; done
	for u in $(OPS_UNITS); do sed $(OPS_SED) systemd/$$u > $(DESTDIR)$(UNITDIR)/$$u || exit 1; done
	for m in $(OPS_MAN); do sec=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$sec && \
	  sed $(OPS_SED) $$m > $(DESTDIR)$(MANDIR)/man$$sec/$${m##*/} || exit 1; done
	install -m 644 params.cfg.sample $(DESTDIR)$(SYSCONFDIR)/hpcap/params.cfg.sample
	[ -e $(DESTDIR)$(SYSCONFDIR)/hpcap/params.cfg ] || \
	  install -m 644 params.cfg.sample $(DESTDIR)$(SYSCONFDIR)/hpcap/params.cfg
	install -m 644 scripts/udev/99-hpcap.rules $(DESTDIR)$(UDEVDIR)/
	install -m 644 dkms.conf $(DESTDIR)$(DKMSDIR)/
	install -m 644 Kbuild $(DESTDIR)$(DKMSDIR)/
	# (not the allocation-failure test build's own file)
	install -m 644 $(filter-out driver/hpcap_fault.c,$(wildcard driver/*.c)) \
	  driver/*.h $(DESTDIR)$(DKMSDIR)/driver/
	install -m 644 core/*.c core/*.h $(DESTDIR)$(DKMSDIR)/core/
	install -m 644 include/*.h $(DESTDIR)$(DKMSDIR)/include/
	install -m 644 doc/operations.md doc/module.md params.cfg.sample $(DESTDIR)$(DOCDIR)/
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
	  getent group hpcap >/dev/null || groupadd --system hpcap; \
	  command -v udevadm >/dev/null && udevadm control --reload 2>/dev/null; \
	  command -v systemctl >/dev/null && systemctl daemon-reload 2>/dev/null; true; fi
	@echo "hpcap installed.  Module: dkms add hpcap/$(VERSION) && dkms install hpcap/$(VERSION)"
	@echo "Then edit $(SYSCONFDIR)/hpcap/params.cfg and: install_hpcap.bash --check; systemctl enable --now hpcap"

# install-libs: only what a program links against (libhpcap and libmgmon:
# .so, .a, pkg-config files, headers), as HPCAP's make install-libs did.
PUB_HEADERS := include/hpcap.h include/hpcap_framing.h include/hpcap_record.h \
	       include/libhpcap.h include/libhpcap_live.h include/libhpcap_pipeline.h include/libmgmon.h
install-libs: libs
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCDIR)
	install -m 644 $(LIBA) $(MGMONA) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(LIBSO) $(MGMONSO) $(DESTDIR)$(LIBDIR)/
	ln -sf libhpcap.so.$(SOVER) $(DESTDIR)$(LIBDIR)/libhpcap.so
	ln -sf libmgmon.so.$(SOVER) $(DESTDIR)$(LIBDIR)/libmgmon.so
	install -m 644 $(BUILD)/lib/hpcap.pc $(BUILD)/lib/mgmon.pc \
	  $(DESTDIR)$(LIBDIR)/pkgconfig/
	install -m 644 $(PUB_HEADERS) $(DESTDIR)$(INCDIR)/
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

# Leaves $(SYSCONFDIR)/hpcap/params.cfg (the user's) and the DKMS
# registration (dkms remove hpcap/$(VERSION) --all) alone.
uninstall:
	rm -f $(TOOLS:%=$(DESTDIR)$(BINDIR)/%) \
	  $(DESTDIR)$(LIBDIR)/libhpcap.* $(DESTDIR)$(LIBDIR)/pkgconfig/hpcap.pc \
	  $(DESTDIR)$(LIBDIR)/libmgmon.* $(DESTDIR)$(LIBDIR)/pkgconfig/mgmon.pc \
	  $(PUB_HEADERS:include/%=$(DESTDIR)$(INCDIR)/%) \
	  $(TOOLS:%=$(DESTDIR)$(MANDIR)/man1/%.1) \
	  $(OPS_SBIN:%=$(DESTDIR)$(SBINDIR)/%) $(OPS_BIN:%=$(DESTDIR)$(BINDIR)/%) \
	  $(OPS_UNITS:%=$(DESTDIR)$(UNITDIR)/%) \
	  $(foreach m,$(OPS_MAN),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m))) \
	  $(DESTDIR)$(SYSCONFDIR)/hpcap/params.cfg.sample \
	  $(DESTDIR)$(UDEVDIR)/99-hpcap.rules
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(DKMSDIR)

# Operations (install_hpcap.bash, monitors, status, units): host tests, then
# the VM tests on every kernel (tests/ops/run-ops-tests.bash --help).
check-ops:
	tests/ops/run-ops-tests.bash

.PHONY: check-ops

doxydoc:
	doxygen doc/Doxyfile

clean:
	rm -rf build build-san build-tsan build-fuzz doc/api

.PHONY: all libs tools module check check-unit check-fuzz check-vm check-xdp soak bench bench-compare \
	demo install uninstall doxydoc clean unit-tests tsan-tests print-tsan-tests \
	fuzz-targets bench-progs install-libs

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(MGMON_OBJS:.o=.d) $(XDP_OBJS:.o=.d) \
	 $(foreach t,$(TOOLS),$(BUILD)/samples/$(t)/$(t).d) $(UNIT_TESTS:%=$(BUILD)/tests/%.d) \
	 $(BENCH_PROGS:%=$(BUILD)/bench/%.d)
