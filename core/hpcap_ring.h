/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * hpcap_ring.h - one capture buffer: the producer routine every capture
 * source writes through, and the listener cursors that consume it.
 *
 * This file and hpcap_ring.c are plain C with no kernel dependencies beyond
 * hpcap_core_env.h, so the very same code runs in the module, in the
 * userspace replay producer, in the unit tests (under ThreadSanitizer) and
 * in the benchmark harness.
 *
 * Locking: every function here except the hpcap_ring_put() fast path's
 * callers' copy runs under the ring's lock, held by the glue (a spinlock in
 * the module, a mutex in userspace).  A producer takes the lock for a batch
 * of frames and publishes before dropping it, so whenever the lock is free
 * r->pos == info->write_pos.  Consumers read frame bytes without the lock;
 * what they may read is ordered by the store-release of write_pos.
 *
 * The buffer is mapped twice back to back (data[i] and data[i + size] are
 * the same byte), so a record that wraps the end of the buffer is still
 * written and read with one contiguous access.
 */
#ifndef HPCAP_RING_H
#define HPCAP_RING_H

#include "hpcap_core_env.h"
#include "hpcap.h"
#include "hpcap_framing.h"
#include "hpcap_cursor.h"

struct hpcap_listener {
	u64 read_pos;		/* stream position of the cursor (WRITE_ONCE:
				 * read without the lock by waiters) */
	u64 wake_target;	/* wake when write_pos reaches it; 0: none */
	u64 acked_bytes;
	u64 lost_frames;	/* lossy: frames overwritten before read */
	u64 lost_bytes;		/* lossy: bytes skipped at resync */
	u64 told_frames;	/* part of lost_* already returned by ack */
	u64 told_bytes;
	u32 mode;		/* HPCAP_MODE_* */
	u32 id;			/* increases with every open, never reused */
	bool active;
};

/*
 * Where the oldest whole record is and how many frames came before it,
 * for readers that count their own losses (a shared-memory listener):
 * written under a sequence count (odd while it changes), before tail_pos
 * is raised past the records it retires.
 */
struct hpcap_ring_tail {
	u32 seq;
	u32 pad;
	u64 tail_rec;
	u64 tail_frames;
};

struct hpcap_ring {
	/* Read-mostly. */
	u8 *data;		/* 2 * size addressable bytes (double map) */
	u64 size;
	u64 file_size;
	struct hpcap_ring_info *info;	/* the page userspace maps at 0 */
	u32 nactive, nlossless, nlossy;
	u32 next_id;
	struct hpcap_listener lst[HPCAP_MAX_LISTENERS];

	/* Producer state. */
	u64 pos;		/* end of the last record written */
	u64 off;		/* pos % size */
	u64 froom;		/* bytes left in the current file */
	u64 limit;		/* lossless listeners let us write below this */
	u64 tail_rec;		/* lossy: oldest record not yet overwritten */
	u64 tail_off;		/* tail_rec % size */
	u64 tail_frames;	/* frames before tail_rec */
	struct hpcap_ring_tail *tail_pub;	/* NULL, or published here */
	u32 tail_seq;		/* tail_pub's sequence count */
	u64 frames;		/* frames written (paddings excluded) */
	/*
	 * Waking a listener per frame would cost a context switch per
	 * frame: each waiting listener arms a target write position, and
	 * publishing wakes only past the lowest.  A target fires once:
	 * whoever waits arms again if what came is not enough, and nobody
	 * but the producer disarms it (so a poll() and an ACK_WAIT of the
	 * same listener never cancel each other).
	 */
	u64 wake_at;		/* lowest armed target; U64_MAX: none */
	struct hpcap_queue_stats stats;
};

/*
 * Set up a ring over data (2 * size addressable bytes), size a multiple of
 * HPCAP_BLOCK_SIZE, file_size a multiple of HPCAP_BLOCK_SIZE too.
 */
int hpcap_ring_init(struct hpcap_ring *r, u8 *data, u64 size, u64 file_size,
		    struct hpcap_ring_info *info, u32 adapter, u32 queue);

/*
 * Reserve room for one frame and write its record header (and the padding
 * that closes the current file, if the frame does not fit in it).  Returns
 * where the caller copies caplen bytes, or NULL when the frame is dropped
 * (no listener, or a lossless listener is too far behind), counted.  The
 * bytes become visible to listeners at the next hpcap_ring_publish().
 * caplen must be <= HPCAP_MAX_CAPLEN (callers cut first, and count it).
 */
u8 *hpcap_ring_put(struct hpcap_ring *r, u32 sec, u32 nsec, u32 caplen,
		   u32 len);

/*
 * Whether a record of caplen bytes fits now without overtaking a lossless
 * listener: hpcap_ring_put()'s own test, for a producer that waits for
 * room instead of dropping (nothing is counted).
 */
bool hpcap_ring_has_room(struct hpcap_ring *r, u32 caplen);

/* Make every record put so far visible to listeners (no wake-up). */
static inline void hpcap_ring_publish_pos(struct hpcap_ring *r)
{
	WRITE_ONCE(r->info->frames, r->frames);
	/* Pairs with the acquire in readers: the records' bytes (written
	 * before) are visible to whoever sees the new write_pos. */
	smp_store_release(&r->info->write_pos, r->pos);
}

u32 hpcap_ring_fire(struct hpcap_ring *r);

/* The listeners whose target the published position reached (a bit per
 * slot, disarmed now), or 0. */
static inline u32 hpcap_ring_wake_due(struct hpcap_ring *r)
{
	return unlikely(r->pos >= r->wake_at) ? hpcap_ring_fire(r) : 0;
}

/* Publish, and say whom to wake: non-zero means wake the waiters once
 * the lock is dropped. */
static inline u32 hpcap_ring_publish(struct hpcap_ring *r)
{
	hpcap_ring_publish_pos(r);
	return hpcap_ring_wake_due(r);
}

/* Listener idx wants a wake-up once write_pos reaches target (the lower
 * of this and a target already armed stays; 0 does nothing). */
void hpcap_ring_arm(struct hpcap_ring *r, int idx, u64 target);

/* Whether listener idx still has a target armed (read without the lock:
 * a waiter that finds its target fired looks again and re-arms). */
static inline bool hpcap_ring_armed(const struct hpcap_ring *r, int idx)
{
	return READ_ONCE(r->lst[idx].wake_target) != 0;
}

/* A new listener starts at the current write position (a record start). */
int hpcap_ring_listener_add(struct hpcap_ring *r, u32 mode);
void hpcap_ring_listener_del(struct hpcap_ring *r, int idx);
int hpcap_ring_listener_set_mode(struct hpcap_ring *r, int idx, u32 mode);

/*
 * Acknowledge ack bytes consumed by listener idx; a lossy listener that
 * was overrun is first moved to the oldest intact record.  Fills in
 * read_pos, avail and the losses not reported yet.  -EINVAL if ack is more
 * than was readable.
 */
int hpcap_ring_ack(struct hpcap_ring *r, int idx, u64 ack,
		   struct hpcap_ack_wait *out);

/*
 * HPCAP_IOC_ACK_WAIT's first half, under the lock: check the request,
 * acknowledge, and arm the listener's target if it is to wait.  Returns
 * 0, -EINVAL, and in *wait whether to sleep (then, after every wake-up,
 * hpcap_ring_ack_wait_again()).
 */
int hpcap_ring_ack_wait_begin(struct hpcap_ring *r, int idx,
			      struct hpcap_ack_wait *aw, bool gone,
			      bool *wait);

/*
 * After a wake-up, under the lock: read the cursor again into *aw (losses
 * added) and say whether to sleep once more (re-armed: what came is not
 * enough, and the queue is not gone).
 */
bool hpcap_ring_ack_wait_again(struct hpcap_ring *r, int idx,
			       struct hpcap_ack_wait *aw, u64 min_bytes,
			       bool gone);

/* Bytes readable by listener idx right now. */
static inline u64 hpcap_ring_avail(const struct hpcap_ring *r, int idx)
{
	u64 w = r->pos, p = r->lst[idx].read_pos;

	return w > p ? w - p : 0;
}

void hpcap_ring_listener_stats(const struct hpcap_ring *r, int idx,
			       struct hpcap_listener_stats *out);
void hpcap_ring_queue_stats(const struct hpcap_ring *r,
			    struct hpcap_queue_stats *out);

#endif /* HPCAP_RING_H */
