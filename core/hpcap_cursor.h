/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * hpcap_cursor.h - the rules of a listener's cursor, as pure functions of
 * positions: what an acknowledgement does (hpcap_cursor_ack(), applied by
 * the module's ring under its lock and by a shared-memory listener on its
 * own cursor), and how a reader that hands out frames one at a time turns
 * what the queue reports into exact losses (struct hpcap_reader, libhpcap).
 *
 * Positions are stream byte counts.  A listener's cursor R is what it has
 * acknowledged.  A lossy listener whose R fell below tail_pos (bytes from
 * there on are being overwritten) is moved to tail_rec, the oldest record
 * still whole, and its acknowledgement is ignored: the queue then reports
 * the frames in [R, tail_rec) as overwritten.
 */
#ifndef HPCAP_CURSOR_H
#define HPCAP_CURSOR_H

#include "hpcap_core_env.h"
#include "hpcap.h"

/*
 * Apply an acknowledgement of ack bytes to the cursor *read_pos of a
 * stream published up to write_pos.  Returns 0 (applied), 1 (a lossy
 * cursor was overrun: moved to tail_rec, ack ignored) or -EINVAL (ack is
 * more than was readable; nothing changed).
 */
static inline int hpcap_cursor_ack(u64 *read_pos, u64 ack, u64 write_pos,
				   u32 mode, u64 tail_pos, u64 tail_rec)
{
	if (mode == HPCAP_MODE_LOSSY && *read_pos < tail_pos) {
		*read_pos = tail_rec;
		return 1;
	}
	if (ack > write_pos - *read_pos)
		return -EINVAL;
	*read_pos += ack;
	return 0;
}

/*
 * A reader's side of a cursor.  The queue counts a lossy listener's loss
 * from its acknowledged position, but a reader acknowledges in batches:
 * frames it already returned past its last acknowledgement would be
 * counted as lost too.  The reader knows which ones it returned, so it
 * settles every answer of the queue here and its counts are exact:
 * delivered + lost + still readable == produced, for any ack pattern.
 */
struct hpcap_reader {
	u64 ack_pos;		/* R: acknowledged, as the queue last said */
	u64 pos;		/* C: next record this reader reads (>= R) */
	u64 delivered;		/* frames handed out in [R, C) */
	u64 fidx;		/* frames the stream held before R */
	u64 lost_frames;	/* exact totals */
	u64 lost_bytes;
};

/*
 * The queue answered an acknowledgement (of the bytes up to some position,
 * holding ack_frames frames) with read_pos, lost_bytes and lost_frames (the frames it counts
 * overwritten in [read_pos - lost_bytes, read_pos): its resync skipped
 * them).  Update the reader; returns the frames newly lost.
 * The acknowledgement was applied unless the resync started at R itself.
 */
static inline u64 hpcap_reader_settle(struct hpcap_reader *rd,
				      u64 ack_frames, u64 read_pos,
				      u64 lost_bytes, u64 lost_frames)
{
	u64 from, dlv, fidx, keep, lost;

	if (!lost_bytes) {
		/* Applied, no overrun.  Frames delivered past the ack (a
		 * window reader acknowledges less than it read) stay. */
		rd->fidx += ack_frames;
		rd->delivered -= ack_frames < rd->delivered ? ack_frames
							    : rd->delivered;
		rd->ack_pos = read_pos;
		if (rd->pos < read_pos)
			rd->pos = read_pos;
		return 0;
	}
	from = read_pos - lost_bytes;
	if (from == rd->ack_pos) {
		/* Overrun before the ack counted: everything handed out
		 * since R was charged as lost by the queue. */
		dlv = rd->delivered;
		fidx = rd->fidx;
	} else {
		/* Applied, then overrun from the new position (a wait
		 * happened in between): nothing handed out past it. */
		dlv = rd->delivered > ack_frames ? rd->delivered - ack_frames
						 : 0;
		fidx = rd->fidx + ack_frames;
	}
	/* Of the frames charged, [from, read_pos), those handed out come
	 * first (a reader goes in order from `from`). */
	keep = dlv < lost_frames ? dlv : lost_frames;
	lost = lost_frames - keep;
	rd->lost_frames += lost;
	if (read_pos > rd->pos)
		rd->lost_bytes += read_pos - rd->pos;
	rd->fidx = fidx + lost_frames;
	rd->delivered = dlv - keep;
	rd->ack_pos = read_pos;
	if (rd->pos < read_pos)
		rd->pos = read_pos;
	return lost;
}

#endif /* HPCAP_CURSOR_H */
