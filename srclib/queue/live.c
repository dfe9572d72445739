// SPDX-License-Identifier: BSD-3-Clause
/*
 * live.c - libhpcap's consumer side of a capture queue; see
 * libhpcap_live.h.  Frames are read straight from the read-only mapping;
 * acknowledging and waiting are the backend's (backend.h: the module's
 * character device, or a shared-memory queue), which this file never
 * tells apart.  A lossy reader settles every answer of the queue with
 * core/hpcap_cursor.h, so its loss counts are exact.
 */
#define _GNU_SOURCE
#include "libhpcap_live.h"
#include "queue/backend.h"
#include "hpcap_cursor.h"
#include "hpcap_record.h"

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Release consumed bytes to the producer at least this often.  A lossy
 * listener acknowledges more often, so that the queue's own counters
 * (which count from the acknowledged position) stay close to the exact
 * ones kept here. */
#define ACK_BATCH (4u << 20)
#define ACK_BATCH_LOSSY (256u << 10)

struct hpcap_handle {
	struct queue_open q;
	unsigned flags;
	uint64_t size;
	uint64_t win_end;		/* window from the last ack/wait */
	struct hpcap_reader rd;		/* cursor; rd.ack_pos: window start */
	uint64_t walk;			/* lossy windows: next record start */
	uint64_t last_rec;		/* frame last returned */
	int gone;
	char path[128];
	char err[HPCAP_ERRBUF_SIZE];
};

static int set_err(struct hpcap_handle *h, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int set_err(struct hpcap_handle *h, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->err, sizeof(h->err), fmt, ap);
	va_end(ap);
	return code;
}

int hpcap_open_path(struct hpcap_handle **out, const char *path,
		    unsigned flags, char *errbuf)
{
	struct hpcap_handle *h;
	struct stat st;
	int err;

	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		return -ENOMEM;
	}
	h->flags = flags;
	snprintf(h->path, sizeof(h->path), "%s", path);
	/* A regular file is a queue a userspace producer made. */
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		err = shm_queue_open(&h->q, path, flags, errbuf);
	else
		err = cdev_queue_open(&h->q, path, flags, errbuf);
	if (err) {
		free(h);
		return err;
	}
	h->size = h->q.info->buf_size;
	*out = h;
	return 0;
}

int hpcap_open(struct hpcap_handle **h, unsigned adapter, unsigned queue,
	       unsigned flags, char *errbuf)
{
	const char *dir = getenv("HPCAP_DEV_DIR");
	char path[128];

	snprintf(path, sizeof(path), "%s/%s%u_%u", dir && *dir ? dir : "/dev",
		 HPCAP_DEV_PREFIX, adapter, queue);
	return hpcap_open_path(h, path, flags, errbuf);
}

const struct hpcap_ring_info *hpcap_info(const struct hpcap_handle *h)
{
	return h->q.info;
}

/* Frames in the first `bytes` of the window, for a lossy window reader
 * (a self-counting backend needs them; torn headers only matter when the
 * queue overran the window, and then it ignores this ack anyway). */
static uint64_t window_frames(struct hpcap_handle *h, uint64_t bytes)
{
	uint64_t end = h->rd.ack_pos + bytes, n = 0, at;
	struct hpcap_raw_hdr hdr;

	if (h->walk < h->rd.ack_pos)
		h->walk = h->rd.ack_pos;
	for (at = h->walk; at < end; at += HPCAP_RAW_HDR_LEN +
					   le16toh(hdr.caplen)) {
		memcpy(&hdr, h->q.data + at % h->size, sizeof(hdr));
		n += hdr.sec || hdr.nsec;
	}
	h->walk = at;
	return n;
}

/* Acknowledge the bytes up to rd.pos (ack_frames frames of them), then
 * wait up to timeout_ms for min bytes. */
static int ack_wait(struct hpcap_handle *h, uint64_t ack_frames, uint64_t min,
		    int timeout_ms)
{
	struct hpcap_ack_wait aw = {
		.ack_bytes = h->rd.pos - h->rd.ack_pos,
		.min_bytes = min,
		.timeout_ns = timeout_ms < 0 ? UINT64_MAX
					     : (uint64_t)timeout_ms * 1000000u,
	};
	int err = h->q.ops->ack_wait(h->q.q, &aw, ack_frames);

	if (err)
		return set_err(h, err, "%s: acknowledge/wait failed: %s",
			       h->path, strerror(-err));
	/* The ack is applied from here on, whatever is returned.  A lossy
	 * reader lapped while it had read ahead of its last ack goes on
	 * from its cursor if that is past where the queue moved it (a
	 * record boundary of the same stream), not returning frames twice;
	 * frames it returned are not lost. */
	hpcap_reader_settle(&h->rd, ack_frames, aw.read_pos, aw.lost_bytes,
			    aw.lost_frames);
	h->win_end = aw.read_pos + aw.avail;
	if (h->rd.pos > h->win_end)	/* cannot be: the stream only grows */
		h->rd.pos = h->win_end;
	h->gone = !!(aw.flags & HPCAP_ACK_QUEUE_GONE);
	if (h->gone && !aw.avail)
		return set_err(h, -ENODEV, "%s: the queue is gone (%s) and everything in it was read",
			       h->path, h->q.ops->gone_why);
	return 0;
}

int hpcap_wait(struct hpcap_handle *h, uint64_t consumed, uint64_t min_bytes,
	       int timeout_ms, struct hpcap_window *win)
{
	uint64_t lf = h->rd.lost_frames, lb = h->rd.lost_bytes, frames = 0;
	int err;

	if (consumed > h->win_end - h->rd.ack_pos) {
		memset(win, 0, sizeof(*win));
		return set_err(h, -EINVAL, "%s: acknowledge/wait failed: %s",
			       h->path, strerror(EINVAL));
	}
	if (h->flags & HPCAP_OPEN_LOSSY)
		frames = window_frames(h, consumed);
	/* A window reader's cursor is what it consumed; what it consumed
	 * of an overrun window is lost with it (delivered stays 0). */
	h->rd.pos = h->rd.ack_pos + consumed;
	err = ack_wait(h, frames, min_bytes, timeout_ms);
	if (err && err != -ENODEV) {
		h->rd.pos = h->rd.ack_pos;
		memset(win, 0, sizeof(*win));
		return err;
	}
	h->rd.pos = h->rd.ack_pos;
	win->pos = h->rd.ack_pos;
	win->len = h->win_end - h->rd.ack_pos;
	win->data = h->q.data + h->rd.ack_pos % h->size;
	win->lost_frames = h->rd.lost_frames - lf;
	win->lost_bytes = h->rd.lost_bytes - lb;
	win->gone = h->gone;
	return err;	/* 0, or -ENODEV with an empty, valid window */
}

/* Lossy readers: were the bytes from pos on overwritten while we read? */
static int overrun(const struct hpcap_handle *h, uint64_t pos)
{
	if (!(h->flags & HPCAP_OPEN_LOSSY))
		return 0;
	/* Order our reads of the record before the read of tail_pos; the
	 * producer raises tail_pos before it overwrites (hpcap_ring.c). */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&h->q.info->tail_pos, __ATOMIC_RELAXED) > pos;
}

int hpcap_next(struct hpcap_handle *h, struct hpcap_raw_record *rec,
	       int timeout_ms)
{
	int err;

	/* The frame returned last time is released now; give room back
	 * to the producer every ACK_BATCH bytes without waiting. */
	if (h->rd.pos - h->rd.ack_pos >= (h->flags & HPCAP_OPEN_LOSSY ?
					  ACK_BATCH_LOSSY : ACK_BATCH)) {
		err = ack_wait(h, h->rd.delivered, 0, 0);
		if (err)
			return err;
	}
	for (;;) {
		struct hpcap_rec hdr;
		uint64_t at = h->rd.pos, n;

		if (at >= h->win_end) {
			err = ack_wait(h, h->rd.delivered, 1, timeout_ms);
			if (err)
				return err;
			if (h->rd.pos >= h->win_end)
				return 0;
			continue;
		}
		hpcap_rec_decode(h->q.data + at % h->size, &hdr);
		n = HPCAP_RAW_HDR_LEN + hdr.caplen;
		if (overrun(h, at)) {
			/* Lapped: the queue moves us to the oldest intact
			 * record; what we returned is settled, not lost. */
			err = ack_wait(h, h->rd.delivered, 0, 0);
			if (err)
				return err;
			continue;
		}
		if (at + n > h->win_end)
			return set_err(h, -EIO, "%s: record at stream position %llu runs past the published data (module and library disagree?)",
				       h->path, (unsigned long long)at);
		h->rd.pos = at + n;
		if (!hdr.sec && !hdr.nsec)
			continue;	/* padding */
		h->rd.delivered++;
		rec->sec = hdr.sec;
		rec->nsec = hdr.nsec;
		rec->caplen = hdr.caplen;
		rec->len = hdr.len;
		rec->data = h->q.data + (at + HPCAP_RAW_HDR_LEN) % h->size;
		rec->offset = at;
		h->last_rec = at;
		return 1;
	}
}

int hpcap_frame_valid(const struct hpcap_handle *h)
{
	return !overrun(h, h->last_rec);
}

uint64_t hpcap_lost_frames(const struct hpcap_handle *h)
{
	return h->rd.lost_frames;
}

uint64_t hpcap_lost_bytes(const struct hpcap_handle *h)
{
	return h->rd.lost_bytes;
}

int hpcap_queue_stats(struct hpcap_handle *h, struct hpcap_queue_stats *s)
{
	int err = h->q.ops->queue_stats(h->q.q, s);

	return err ? set_err(h, err, "%s: cannot read queue counters: %s",
			     h->path, strerror(-err)) : 0;
}

int hpcap_listener_stats(struct hpcap_handle *h,
			 struct hpcap_listener_stats *s)
{
	int err = h->q.ops->listener_stats(h->q.q, s);

	if (err)
		return set_err(h, err, "%s: cannot read listener counters: %s",
			       h->path, strerror(-err));
	/* This handle's exact counts (the queue counts from the last
	 * acknowledgement, read frames included). */
	s->lost_frames = h->rd.lost_frames;
	s->lost_bytes = h->rd.lost_bytes;
	return 0;
}

int hpcap_fd(const struct hpcap_handle *h)
{
	return h->q.fd;
}

const char *hpcap_geterr(const struct hpcap_handle *h)
{
	return h->err;
}

void hpcap_close(struct hpcap_handle *h)
{
	if (!h)
		return;
	h->q.ops->close(h->q.q);
	free(h);
}
