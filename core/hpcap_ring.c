// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * hpcap_ring.c - the producer routine and listener cursors of one capture
 * buffer.  See hpcap_ring.h for the rules; this file is shared verbatim by
 * the kernel module and userspace.
 */
#include "hpcap_ring.h"
#include "hpcap_record.h"

int hpcap_ring_init(struct hpcap_ring *r, u8 *data, u64 size, u64 file_size,
		    struct hpcap_ring_info *info, u32 adapter, u32 queue)
{
	/* Masks, not %: a 64-bit division does not link on 32-bit. */
	if (!size || size & (HPCAP_BLOCK_SIZE - 1) || !file_size ||
	    file_size & (HPCAP_BLOCK_SIZE - 1))
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->data = data;
	r->size = size;
	r->file_size = file_size;
	r->info = info;
	r->limit = U64_MAX;
	r->wake_at = U64_MAX;
	r->froom = file_size;
	memset(info, 0, sizeof(*info));
	info->magic = HPCAP_ABI_MAGIC;
	info->version = HPCAP_ABI_VERSION;
	info->buf_size = size;
	info->file_size = file_size;
	info->block_size = HPCAP_BLOCK_SIZE;
	info->adapter = adapter;
	info->queue = queue;
	return 0;
}

/* Recompute how far the slowest lossless listener lets us write. */
static bool ring_room(struct hpcap_ring *r, u64 end)
{
	u64 min = U64_MAX;
	u32 i;

	for (i = 0; i < HPCAP_MAX_LISTENERS; i++) {
		const struct hpcap_listener *l = &r->lst[i];

		if (l->active && l->mode == HPCAP_MODE_LOSSLESS &&
		    l->read_pos < min)
			min = l->read_pos;
	}
	r->limit = min == U64_MAX ? U64_MAX : min + r->size;
	return end <= r->limit;
}

bool hpcap_ring_has_room(struct hpcap_ring *r, u32 caplen)
{
	u32 rec = HPCAP_RAW_HDR_LEN + caplen;
	u64 end = r->pos + hpcap_pad_for_room(r->froom, rec) + rec;

	return end <= r->limit || ring_room(r, end);
}

/* Tell readers that count their own losses where the tail is now. */
static void ring_tail_publish(struct hpcap_ring *r)
{
	struct hpcap_ring_tail *t = r->tail_pub;

	if (!t)
		return;
	/* The count is kept here: what readers see is never read back. */
	WRITE_ONCE(t->seq, ++r->tail_seq);
	smp_wmb();
	WRITE_ONCE(t->tail_rec, r->tail_rec);
	WRITE_ONCE(t->tail_frames, r->tail_frames);
	smp_wmb();
	WRITE_ONCE(t->seq, ++r->tail_seq);
}

/*
 * About to overwrite everything below tail: walk the oldest records out
 * of the buffer, charging each frame to every lossy listener that had not
 * acknowledged it yet.  The header read is of bytes the producer is about
 * to overwrite, so its cache miss is paid once either way.
 */
static void ring_retire(struct hpcap_ring *r, u64 tail)
{
	while (r->tail_rec < tail) {
		const struct hpcap_raw_hdr *h =
			(const void *)(r->data + r->tail_off);
		u32 i, rec = HPCAP_RAW_HDR_LEN + le16_to_cpu(h->caplen);

		if (h->sec || h->nsec) {
			r->tail_frames++;
			for (i = 0; i < HPCAP_MAX_LISTENERS; i++) {
				struct hpcap_listener *l = &r->lst[i];

				if (l->active && l->mode == HPCAP_MODE_LOSSY &&
				    l->read_pos <= r->tail_rec)
					l->lost_frames++;
			}
		}
		r->tail_rec += rec;
		/* Kept incrementally, as r->off: no 64-bit division. */
		r->tail_off += rec;
		if (r->tail_off >= r->size)
			r->tail_off -= r->size;
	}
	ring_tail_publish(r);
}

u8 *hpcap_ring_put(struct hpcap_ring *r, u32 sec, u32 nsec, u32 caplen,
		   u32 len)
{
	u32 rec = HPCAP_RAW_HDR_LEN + caplen;
	u64 pad, end;
	u8 *p;

	r->stats.rx_frames++;
	r->stats.rx_bytes += len;
	if (unlikely(!r->nactive)) {
		r->stats.noclient_frames++;
		r->stats.noclient_bytes += len;
		return NULL;
	}
	pad = hpcap_pad_for_room(r->froom, rec);
	end = r->pos + pad + rec;
	if (unlikely(end > r->limit) && !ring_room(r, end)) {
		r->stats.client_lost_frames++;
		r->stats.client_lost_bytes += len;
		return NULL;
	}
	if (end > r->size) {
		u64 tail = end - r->size;

		if (r->nlossy)
			ring_retire(r, tail);
		/* Lossy readers check tail_pos after reading: raise it
		 * before the bytes below it change. */
		WRITE_ONCE(r->info->tail_pos, tail);
		smp_wmb();
	}
	/* Thanks to the double mapping, p may run past data + size. */
	p = r->data + r->off;
	if (pad) {
		/* Close the file; zeros, so no stale bytes reach the disk. */
		hpcap_padding_hdr((struct hpcap_raw_hdr *)p, (u32)pad);
		memset(p + HPCAP_RAW_HDR_LEN, 0, pad - HPCAP_RAW_HDR_LEN);
		p += pad;
		r->froom = r->file_size;
	}
	hpcap_rec_put(p, sec, nsec, caplen, len);
	/* Kept incrementally: a 64-bit division per frame costs more than
	 * the rest of this function. */
	r->froom -= rec;
	r->off += pad + rec;
	if (r->off >= r->size)
		r->off -= r->size;
	r->pos = end;
	r->frames++;
	r->stats.captured_frames++;
	r->stats.captured_bytes += rec;
	return p + HPCAP_RAW_HDR_LEN;
}

/* Account for a listener that just became active at r->pos. */
static void ring_count_in(struct hpcap_ring *r, const struct hpcap_listener *l)
{
	if (l->mode == HPCAP_MODE_LOSSY) {
		/* The first lossy listener starts the walk of old records. */
		if (!r->nlossy++) {
			r->tail_rec = r->pos;
			r->tail_off = r->off;
			r->tail_frames = r->frames;
			ring_tail_publish(r);
		}
		return;
	}
	r->nlossless++;
	/* The cached limit may be "unlimited" (no lossless listener yet). */
	if (r->limit > l->read_pos + r->size)
		r->limit = l->read_pos + r->size;
}

int hpcap_ring_listener_add(struct hpcap_ring *r, u32 mode)
{
	int i;

	if (mode != HPCAP_MODE_LOSSLESS && mode != HPCAP_MODE_LOSSY)
		return -EINVAL;
	for (i = 0; i < (int)HPCAP_MAX_LISTENERS; i++) {
		struct hpcap_listener *l = &r->lst[i];

		if (l->active)
			continue;
		memset(l, 0, sizeof(*l));
		WRITE_ONCE(l->read_pos, r->pos);
		l->mode = mode;
		l->id = ++r->next_id;
		l->active = true;
		r->nactive++;
		ring_count_in(r, l);
		return i;
	}
	return -EBUSY;
}

void hpcap_ring_listener_del(struct hpcap_ring *r, int idx)
{
	struct hpcap_listener *l = &r->lst[idx];

	if (!l->active)
		return;
	/* wake_at may stay below what is left armed: the next fire
	 * recomputes it. */
	WRITE_ONCE(l->wake_target, 0);
	l->active = false;
	r->nactive--;
	if (l->mode == HPCAP_MODE_LOSSY)
		r->nlossy--;
	else
		r->nlossless--;
	/* The limit only grows when a listener goes: recomputed lazily. */
}

int hpcap_ring_listener_set_mode(struct hpcap_ring *r, int idx, u32 mode)
{
	struct hpcap_listener *l = &r->lst[idx];

	if (mode != HPCAP_MODE_LOSSLESS && mode != HPCAP_MODE_LOSSY)
		return -EINVAL;
	if (mode == l->mode)
		return 0;
	/* Restart from the current record start, as if just opened: a
	 * cursor in the middle of a record can not join the lossy walk. */
	hpcap_ring_listener_del(r, idx);
	WRITE_ONCE(l->read_pos, r->pos);
	l->mode = mode;
	l->active = true;
	r->nactive++;
	ring_count_in(r, l);
	return 0;
}

int hpcap_ring_ack(struct hpcap_ring *r, int idx, u64 ack,
		   struct hpcap_ack_wait *out)
{
	struct hpcap_listener *l = &r->lst[idx];
	u64 pos = l->read_pos;
	int st = hpcap_cursor_ack(&pos, ack, r->pos, l->mode,
				  r->info->tail_pos, r->tail_rec);

	if (st < 0)
		return st;
	if (st)		/* overrun: skipped to the oldest whole record */
		l->lost_bytes += pos - l->read_pos;
	else
		l->acked_bytes += ack;
	WRITE_ONCE(l->read_pos, pos);
	out->read_pos = l->read_pos;
	out->avail = r->pos - l->read_pos;
	out->lost_frames = l->lost_frames - l->told_frames;
	out->lost_bytes = l->lost_bytes - l->told_bytes;
	l->told_frames = l->lost_frames;
	l->told_bytes = l->lost_bytes;
	return 0;
}

void hpcap_ring_arm(struct hpcap_ring *r, int idx, u64 target)
{
	struct hpcap_listener *l = &r->lst[idx];

	if (!target || !l->active)
		return;
	if (!l->wake_target || target < l->wake_target)
		WRITE_ONCE(l->wake_target, target);
	if (target < r->wake_at)
		r->wake_at = target;
}

u32 hpcap_ring_fire(struct hpcap_ring *r)
{
	u64 min = U64_MAX;
	u32 i, fired = 0;

	for (i = 0; i < HPCAP_MAX_LISTENERS; i++) {
		struct hpcap_listener *l = &r->lst[i];
		u64 t = l->wake_target;

		if (!t)
			continue;
		if (t <= r->pos) {
			WRITE_ONCE(l->wake_target, 0);
			fired |= 1u << i;
		} else if (t < min) {
			min = t;
		}
	}
	r->wake_at = min;
	if (fired)
		r->stats.wakeups++;
	return fired;
}

int hpcap_ring_ack_wait_begin(struct hpcap_ring *r, int idx,
			      struct hpcap_ack_wait *aw, bool gone,
			      bool *wait)
{
	u64 min = aw->min_bytes, timeout = aw->timeout_ns;
	int err;

	*wait = false;
	/* A wait for more than the buffer holds could never end. */
	if (aw->flags || min > r->size)
		return -EINVAL;
	err = hpcap_ring_ack(r, idx, aw->ack_bytes, aw);
	if (err)
		return err;
	if (aw->avail < min && timeout && !gone) {
		hpcap_ring_arm(r, idx, aw->read_pos + min);
		*wait = true;
	}
	return 0;
}

bool hpcap_ring_ack_wait_again(struct hpcap_ring *r, int idx,
			       struct hpcap_ack_wait *aw, u64 min_bytes,
			       bool gone)
{
	struct hpcap_ack_wait now;

	hpcap_ring_ack(r, idx, 0, &now);
	aw->read_pos = now.read_pos;
	aw->avail = now.avail;
	aw->lost_frames += now.lost_frames;
	aw->lost_bytes += now.lost_bytes;
	if (gone || now.avail >= min_bytes)
		return false;
	hpcap_ring_arm(r, idx, now.read_pos + min_bytes);
	return true;
}

void hpcap_ring_listener_stats(const struct hpcap_ring *r, int idx,
			       struct hpcap_listener_stats *out)
{
	const struct hpcap_listener *l = &r->lst[idx];

	memset(out, 0, sizeof(*out));
	out->read_pos = l->read_pos;
	out->acked_bytes = l->acked_bytes;
	out->lost_frames = l->lost_frames;
	out->lost_bytes = l->lost_bytes;
	out->mode = l->mode;
	out->id = l->id;
}

void hpcap_ring_queue_stats(const struct hpcap_ring *r,
			    struct hpcap_queue_stats *out)
{
	*out = r->stats;
	out->listeners = r->nactive;
}
