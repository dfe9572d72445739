/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * hpcap_dedup.h - duplicate removal (HPCAP's "dup"): a frame is a
 * duplicate when a frame of the same length with the same first 70 bytes
 * was seen within the window, in the slot its hash selects (the NIC's RSS
 * hash; a hash of the first bytes when the NIC gave none).  One table per
 * RX queue: duplicates of a flow land on the same queue, so no locking.
 * Portable (module and userspace harness).
 */
#ifndef HPCAP_DEDUP_H
#define HPCAP_DEDUP_H

#include "hpcap_core_env.h"

#define HPCAP_DUP_SLOTS		32768u	/* power of two */
#define HPCAP_DUP_BYTES		70u
#define HPCAP_DUP_WINDOW_NS	2000000000ull	/* HPCAP's 2 s */

struct hpcap_dup_slot {
	u64 ts;
	u16 len;
	u8 head[HPCAP_DUP_BYTES];
};

struct hpcap_dup {
	u64 window_ns;
	struct hpcap_dup_slot slot[HPCAP_DUP_SLOTS];
};

/* FNV-1a over the bytes compared: a slot for frames the NIC did not hash. */
static inline u32 hpcap_dup_hash(const u8 *p, u32 n)
{
	u32 h = 2166136261u, i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* True if the frame is a duplicate (to be dropped); else remember it. */
static inline bool hpcap_dup_check(struct hpcap_dup *d, u32 hash,
				   const u8 *frame, u32 len, u64 now)
{
	u32 n = len < HPCAP_DUP_BYTES ? len : HPCAP_DUP_BYTES;
	struct hpcap_dup_slot *s;

	if (!hash)
		hash = hpcap_dup_hash(frame, n);
	s = &d->slot[hash & (HPCAP_DUP_SLOTS - 1)];
	if (s->len == len && now - s->ts <= d->window_ns &&
	    !memcmp(s->head, frame, n))
		return true;
	s->len = (u16)len;
	s->ts = now;
	memcpy(s->head, frame, n);
	return false;
}

#endif /* HPCAP_DEDUP_H */
