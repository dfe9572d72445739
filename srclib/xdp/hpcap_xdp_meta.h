/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * hpcap_xdp_meta.h - what hpcap's XDP program leaves in front of every
 * frame it hands to an AF_XDP socket, read by the userspace source.  Shared
 * by the BPF program (hpcap_xdp.bpf.c) and srclib/xdp.
 *
 * The program grows the frame's metadata area (bpf_xdp_adjust_meta) by
 * sizeof(struct hpcap_xdp_meta) and fills it; AF_XDP copies or keeps the
 * metadata right in front of the frame in the UMEM, so the struct ends
 * exactly where the frame starts.  Nothing in the descriptor says how long
 * the metadata is, hence the magic in the last word: the reader checks it
 * and clears it before the chunk goes back to the fill ring, so a stale
 * struct from an earlier frame in the same chunk is never taken for this
 * frame's (a driver that refuses metadata leaves the area untouched).
 */
#ifndef HPCAP_XDP_META_H
#define HPCAP_XDP_META_H

#include <linux/types.h>

#define HPCAP_XDP_META_MAGIC	0x48584d31u	/* "HXM1" */

/* flags */
#define HPCAP_XDP_META_NIC_TS	1u	/* nic_ns holds the NIC's stamp */

struct hpcap_xdp_meta {
	__u64 nic_ns;	/* the NIC's receive stamp (its own clock), or 0 */
	__u64 mono_ns;	/* bpf_ktime_get_ns(): CLOCK_MONOTONIC at XDP */
	__u32 flags;	/* HPCAP_XDP_META_* */
	__u32 magic;	/* HPCAP_XDP_META_MAGIC, the last word */
};

/* bpf_xdp_adjust_meta() wants a multiple of 4, at most 32 bytes. */
_Static_assert(sizeof(struct hpcap_xdp_meta) == 24, "metadata is 24 bytes");

#endif /* HPCAP_XDP_META_H */
