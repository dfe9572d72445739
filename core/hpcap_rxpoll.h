/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * hpcap_rxpoll.h - the native driver's poll+copy loop over an advanced
 * RX descriptor ring, shared by both chips and portable, so that the very
 * code the kernel threads run can be measured in userspace over a
 * simulated ring (bench/rxpoll-bench.c).
 *
 * Each descriptor owns one packet buffer for good: the frame is copied
 * into the capture ring and the descriptor is re-armed with the same
 * buffer, so no buffer is ever allocated, mapped or freed while running.
 */
#ifndef HPCAP_RXPOLL_H
#define HPCAP_RXPOLL_H

#include "hpcap_desc.h"
#include "hpcap_dedup.h"
#include "hpcap_ring.h"

/*
 * Packet buffers come in chunks of HPCAP_RX_CHUNK bytes (small enough to be
 * allocated on a long-running machine, large enough to hold several
 * buffers); buffer i is at chunk i >> chunk_shift, offset
 * (i & chunk mask) << buf_shift.  Sizes are powers of two.
 */
#define HPCAP_RX_CHUNK		(64u << 10)

struct hpcap_rxq_core {
	union hpcap_rx_desc *desc;	/* count descriptors */
	u32 count;			/* power of two */
	u32 buf_shift;			/* buffer size = 1 << buf_shift */
	u32 chunk_shift;		/* buffers per chunk = 1 << chunk_shift */
	u8 **chunk;			/* virtual address of each chunk */
	u64 *chunk_dma;			/* bus address of each chunk */
	u32 next;			/* next descriptor to look at */
	bool ts_per_frame;		/* a clock read per frame, not per batch */
	u32 err_mask;			/* write-back error bits that drop */
	struct hpcap_dup *dup;		/* NULL: no duplicate removal */
	bool discard;			/* in a frame spanning descriptors */
	/* counters of this queue (the ring has the rest) */
	u64 frag_frames;		/* frames spanning descriptors: dropped */
	u64 err_frames;			/* frames the NIC flagged in error */
	u64 bad_length_frames;		/* length above the buffer: dropped */
	u64 hw_frames;			/* frames taken off the ring */
	u64 hw_bytes;			/* bytes the NIC wrote, every buffer */
};

/*
 * Take up to budget frames off the descriptor ring into the capture ring
 * (the caller holds the ring's lock and publishes afterwards), re-arming
 * every descriptor it consumes.  caplen: bytes kept per frame.
 *
 * Buffers are sized for the largest frame the NIC accepts, so a frame
 * that spans descriptors is not one of ours (a NIC set up otherwise): it
 * is dropped whole, every descriptor up to its end-of-packet one, and
 * counted once in frag_frames.  A write-back length above the buffer
 * (a device that lies) is never copied: dropped, counted in
 * bad_length_frames.
 *
 * Timestamps: by default the clock is read once per call, when the first
 * frame is found, and every frame found in that call gets that time.  A
 * clock read costs more than the rest of the per-frame work (~25 ns), and
 * frames found together were waiting together: a later read would not
 * tell when they arrived.  With ts_per_frame each frame gets its own read.  Returns
 * the number of descriptors consumed; the caller then writes the tail
 * register with (next - 1) mod count ("one behind": RDT == RDH would mean
 * an empty ring to the NIC).
 */
u32 hpcap_rx_clean(struct hpcap_rxq_core *c, struct hpcap_ring *r,
		   u32 budget, u32 caplen);

/* Arm every descriptor with its buffer (queue start). */
void hpcap_rx_arm_all(struct hpcap_rxq_core *c);

static inline u32 hpcap_rx_chunks(const struct hpcap_rxq_core *c)
{
	return c->count >> c->chunk_shift;
}

#endif /* HPCAP_RXPOLL_H */
