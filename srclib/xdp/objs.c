// SPDX-License-Identifier: BSD-3-Clause
/*
 * objs.c - the two builds of hpcap_xdp.bpf.c, embedded in the tools so
 * that the program that runs is always the one built with them (no file to
 * find, none to mismatch).  The Makefile builds them into HXDP_BPF_DIR
 * with clang -target bpf and rebuilds this file when they change.
 */
#ifndef HXDP_BPF_DIR
#error "HXDP_BPF_DIR: the directory of the BPF objects (set by the Makefile)"
#endif

#define HXDP_EMBED(sym, file)                                   \
	".section .rodata\n"                                    \
	".balign 8\n"                                           \
	".globl " #sym "\n"                                     \
	#sym ":\n"                                              \
	".incbin \"" HXDP_BPF_DIR "/" file "\"\n"               \
	".globl " #sym "_end\n"                                 \
	#sym "_end:\n"                                          \
	".previous\n"

__asm__(HXDP_EMBED(hxdp_obj_plain, "hpcap_xdp.o")
	HXDP_EMBED(hxdp_obj_nic_ts, "hpcap_xdp_nic_ts.o"));
