// SPDX-License-Identifier: BSD-3-Clause
/*
 * copier.c - the block copier: a capture queue's RAW stream to files,
 * whole aligned blocks at a time (libhpcap_pipeline.h, hpcap_copier_*).
 *
 * The producer frames the stream into file-size slices, each ending with a
 * padding record, so the copy never looks at frames: stream position P
 * goes to file offset P % file_size, blocks go from the read-only mapping
 * straight to disk with O_DIRECT, and only three small pieces go through
 * an aligned bounce buffer:
 *   - the start of a file that opens mid-stream: a padding record of
 *     hpcap_lead_pad() bytes keeps file offsets congruent to stream
 *     positions, then the stream up to the next aligned position;
 *   - the end of a file closed early (capture over, or a split): the
 *     unaligned tail and a padding record of hpcap_close_pad() bytes;
 *   - everything, when the first block is short of an aligned position.
 * With the pipeline's splits (split_ns, split_bytes) the record headers
 * are read (hpcap_record.h), never the frames, to find where files end.
 *
 * hpcap_layout (HPCAP's readers, which stop at the first padding record
 * whatever its place): a file that opens mid-stream starts with its first
 * frame instead of a leading padding.  Its file offsets are then not
 * congruent to stream positions, so its bytes go through the output's
 * aligned buffer (outfile_put(): one memcpy each) and it ends unaligned
 * when it runs to the end of its slice.  Files opening on an aligned
 * position (every file of HPCAP's copy after a listener's first) are
 * block copies as before.
 *
 * With --sha256 and workers, the blocks are hashed on a thread of their
 * own (hashq.h) while the copy goes on: the copy hands each block to it
 * before writing it, and acknowledges the stream only up to the oldest
 * block not yet hashed, so the bytes stay in the capture buffer until
 * then.  The bounce buffer's pieces (rare: a file's first and last bytes)
 * are hashed in the copy's thread once the queue is empty, and a file's
 * digest is taken when its last block is hashed.
 *
 * With an indexer (FILE.idx) and the capture buffer's size known, the
 * index is built from the capture buffer on a thread of its own (idxq.h):
 * the copy hands it the stream bytes of each file as it writes them, and
 * acknowledges the stream only up to the oldest bytes it still reads, but
 * never more than half the buffer behind the copy: past that the files
 * concerned go to the read-back indexer, so the index never costs the
 * capture a frame.  The index's check of the data file
 * (its first and last 4 KiB) is taken here from the bytes written.
 */
#define _GNU_SOURCE
#include "pipeline/filelife.h"
#include "pipeline/hashq.h"
#include "pipeline/idxq.h"
#include "file/capindex.h"
#include "hpcap_framing.h"
#include "hpcap_record.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ALIGN 4096u
#define MAX_WRITE (8u << 20)	/* release room to the producer often */
#define NSEC 1000000000ull

struct hpcap_copier {
	struct hpcap_copier_opts o;
	char *dir, *fmt;
	int discard;		/* no directory: count, write nothing */
	struct filelife fl;
	struct hashq *hq;	/* SHA-256 on its own thread; NULL: inline */
	struct idxq *iq;	/* FILE.idx from the buffer; NULL: read back */
	uint64_t index_hold;	/* the most it may keep the stream behind */
	uint8_t head4k[4096], tail4k[4096];	/* the open file's ends */
	size_t tail_n;
	/* the open file */
	int open;
	int shifted;		/* hpcap_layout, opened off a block boundary */
	uint64_t file_end;	/* stream position where it ends */
	uint64_t file_len;	/* bytes in it */
	/* stream */
	uint64_t pos;		/* written up to here */
	uint64_t next_rec;	/* next record start, for counting frames */
	const uint8_t *base;	/* window data */
	uint64_t base_pos;	/* stream position of base[0] */
	uint8_t *bounce;
	/* totals */
	uint64_t frames, bytes, files;
	/* the pipeline's splits */
	struct hpcap_split split;
	uint64_t scan;		/* next record to look at */
	uint64_t file_start;	/* stream position the scanned file starts at */
	time_t name_time;	/* time in the name of the next file */
	int close_reason;	/* why the open file will be closed */
	struct hpcap_file_facts cur;	/* of the frames scanned for it */
	char err[HPCAP_ERRBUF_SIZE];
};

static int cerr(struct hpcap_copier *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int cerr(struct hpcap_copier *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return code;
}

int hpcap_copier_open(struct hpcap_copier **cp,
		      const struct hpcap_copier_opts *o, uint64_t pos,
		      char *errbuf)
{
	const struct hpcap_pipe_opts *po = &o->pipe;
	struct hpcap_copier *c;
	void *bounce;
	int err;

	*cp = NULL;
	if (!o->file_size || o->file_size % ALIGN) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "file size %llu is not a multiple of %u bytes",
			 (unsigned long long)o->file_size, ALIGN);
		return -EINVAL;
	}
	if (o->pipeline && (po->format != HPCAP_OUT_RAW || po->zstd)) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "the block copier writes RAW files only (other formats and compression need the per-frame pipeline)");
		return -EINVAL;
	}
	if (o->pipeline) {
		err = hpcap_name_check(po->names.fmt, errbuf);
		if (err)
			return err;
	}
	c = calloc(1, sizeof(*c));
	if (!c || posix_memalign(&bounce, ALIGN, 4 * ALIGN)) {
		free(c);
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		return -ENOMEM;
	}
	c->bounce = bounce;
	c->o = *o;
	c->dir = po->names.dir ? strdup(po->names.dir) : NULL;
	c->fmt = po->names.fmt ? strdup(po->names.fmt) : NULL;
	if ((po->names.dir && !c->dir) || (po->names.fmt && !c->fmt)) {
		hpcap_copier_close(c);
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		return -ENOMEM;
	}
	c->o.pipe.names.dir = c->dir;
	c->o.pipe.names.fmt = c->fmt;
	c->o.pipe.names.ext = ".raw";
	if (!o->pipeline) {	/* HPCAP's copy: no sidecars, no hooks */
		c->o.pipe.sha256 = 0;
		c->o.pipe.hooks = NULL;
		c->o.pipe.indexer = NULL;
		c->o.pipe.retention = NULL;
		c->o.pipe.split_ns = 0;
		c->o.pipe.split_bytes = 0;
	}
	c->discard = !c->dir;
	filelife_init(&c->fl, &c->o.pipe, !o->pipeline);
	if (c->o.pipe.sha256 && c->o.pipe.workers && !c->discard) {
		err = hashq_open(&c->hq, c->o.pipe.worker_cpus, errbuf);
		if (err) {
			hpcap_copier_close(c);
			return err;
		}
		c->fl.hash_outside = 1;
	}
	if (c->o.pipe.indexer && !c->discard && o->buffer_size) {
		err = idxq_open(&c->iq, c->o.pipe.indexer, errbuf);
		if (err) {
			hpcap_copier_close(c);
			return err;
		}
		c->fl.indexer = NULL;	/* not read back */
		c->index_hold = o->buffer_size / 2;
	}
	hpcap_split_init(&c->split, c->o.pipe.split_ns);
	c->close_reason = HPCAP_CLOSE_SLICE;
	c->pos = c->next_rec = c->scan = c->file_start = pos;
	*cp = c;
	return 0;
}

static const uint8_t *at(const struct hpcap_copier *c, uint64_t pos)
{
	return c->base + (pos - c->base_pos);
}

/* Count the frames whose records start before end (HPCAP's copy; with
 * the pipeline, scan_window() counts them). */
static void count_frames(struct hpcap_copier *c, uint64_t end)
{
	if (c->o.pipeline)
		return;
	while (c->next_rec < end) {
		const uint8_t *p = at(c, c->next_rec);

		c->frames += hpcap_rec_is_frame(p);
		c->next_rec += hpcap_rec_size(p);
	}
}

/* The first and last 4 KiB of the open file, for its index's check
 * (capindex_data_check()); called before file_len counts p. */
static void keep_ends(struct hpcap_copier *c, const uint8_t *p, size_t n)
{
	size_t t = sizeof(c->tail4k), keep;

	if (c->file_len < sizeof(c->head4k)) {
		size_t h = sizeof(c->head4k) - c->file_len;

		memcpy(c->head4k + c->file_len, p, n < h ? n : h);
	}
	if (n >= t) {
		memcpy(c->tail4k, p + n - t, t);
		c->tail_n = t;
		return;
	}
	keep = c->tail_n < t - n ? c->tail_n : t - n;
	memmove(c->tail4k, c->tail4k + c->tail_n - keep, keep);
	memcpy(c->tail4k + keep, p, n);
	c->tail_n = keep + n;
}

static uint64_t ends_check(const struct hpcap_copier *c)
{
	size_t n = c->file_len < sizeof(c->head4k) ? (size_t)c->file_len
						   : sizeof(c->head4k);

	return (uint64_t)capindex_crc32(0, c->tail4k + c->tail_n - n, n) << 32 |
	       capindex_crc32(0, c->head4k, n);
}

/* The stream bytes [pos, pos + n) of the open file to the index. */
static void to_index(struct hpcap_copier *c, uint64_t pos, size_t n)
{
	if (c->iq)
		idxq_add(c->iq, at(c, pos), n, pos);
}

/* Append n bytes to the open file (aligned, but for its very end). */
static int put(struct hpcap_copier *c, const uint8_t *p, size_t n)
{
	if (c->hq && c->fl.open && c->fl.sha256) {
		if (p == c->bounce) {	/* reused at once: hash it now */
			hashq_wait(c->hq);
			hpcap_sha256_update(&c->fl.sha, p, n);
		} else {		/* p is at(c, c->pos) */
			hashq_add(c->hq, &c->fl.sha, p, n, c->pos);
		}
	}
	if (!c->discard && (c->shifted ? outfile_put(&c->fl.out, p, n)
				       : outfile_write(&c->fl.out, p, n)) < 0)
		return cerr(c, -EIO, "%s; stopping.  Earlier files are complete; this one holds what was written before the error (close it with 'checkraw -f %s%s').",
			    c->fl.out.err, c->fl.path,
			    filelife_pending_suffix(&c->fl));
	if (c->iq)
		keep_ends(c, p, n);
	c->file_len += n;
	c->bytes += n;
	return 0;
}

static int open_file(struct hpcap_copier *c)
{
	int err;

	c->file_end = (c->pos / c->o.file_size + 1) * c->o.file_size;
	c->file_len = 0;
	c->tail_n = 0;
	c->open = 1;
	c->shifted = c->o.hpcap_layout && c->pos % ALIGN;
	if (c->discard)
		return 0;
	err = filelife_open(&c->fl, c->name_time);
	if (err) {
		c->open = 0;
		return cerr(c, err, "%s", c->fl.err);
	}
	return 0;
}

static int close_file(struct hpcap_copier *c)
{
	int err = 0;

	c->open = 0;
	c->files++;
	if (c->hq)	/* the digest needs every block of the file */
		hashq_wait(c->hq);
	if (!c->discard) {
		c->cur.data_bytes = c->file_len;
		c->cur.format = HPCAP_OUT_RAW;
		c->cur.reason = c->close_reason;
		err = filelife_commit(&c->fl, &c->cur);
		if (err)
			cerr(c, err, "%s", c->fl.err);
		if (c->iq && err)
			idxq_forget(c->iq);
		else if (c->iq)
			idxq_end(c->iq, c->cur.path, c->file_len,
				 ends_check(c));
	}
	memset(&c->cur, 0, sizeof(c->cur));
	return err;
}

static size_t put_padding(uint8_t *p, uint32_t total)
{
	struct hpcap_raw_hdr h;

	hpcap_padding_hdr(&h, total);
	memcpy(p, &h, sizeof(h));
	memset(p + sizeof(h), 0, total - sizeof(h));
	return total;
}

/* The leading padding of a file whose first record is at stream position
 * pos: none in HPCAP's layout. */
static uint32_t lead_pad(const struct hpcap_copier *c, uint64_t pos)
{
	return c->o.hpcap_layout ? 0 : hpcap_lead_pad(pos, ALIGN);
}

static int max_files_done(const struct hpcap_copier *c)
{
	return c->o.pipe.max_files && c->files >= c->o.pipe.max_files;
}

/*
 * Write the stream from c->pos up to w (a record boundary, or not, when
 * not final).  final: capture is over, close the open file early.
 */
static int write_upto(struct hpcap_copier *c, uint64_t w, int final)
{
	int err;

	while (c->pos < w || (final && c->open)) {
		uint64_t end, upto;

		if (!c->open && max_files_done(c))
			return 0;
		if (!c->open && c->pos < w) {
			uint32_t lead = lead_pad(c, c->pos);
			uint64_t a = (c->pos + ALIGN - 1) / ALIGN * ALIGN;
			size_t n;

			if (!final && lead && w < a)
				return 0;	/* wait for the first block */
			err = open_file(c);
			if (err)
				return err;
			if (c->iq)
				idxq_begin(c->iq, c->pos, lead);
			if (lead) {
				uint64_t e = w < a ? w : a;

				n = put_padding(c->bounce, lead);
				memcpy(c->bounce + n, at(c, c->pos), e - c->pos);
				to_index(c, c->pos, e - c->pos);
				n += e - c->pos;
				count_frames(c, e);
				c->pos = e;
				if (e < a)	/* final, and little data */
					n += put_padding(c->bounce + n,
							 hpcap_close_pad(n, ALIGN));
				err = put(c, c->bounce, n);
				if (err)
					return err;
				if (e < a)
					return close_file(c);
			}
		}
		if (!c->open)
			return 0;
		/* Whole aligned blocks, straight from the mapping. */
		end = w < c->file_end ? w : c->file_end;
		upto = end == c->file_end ? end
					   : c->pos + (end - c->pos) / ALIGN * ALIGN;
		while (c->pos < upto) {
			size_t n = upto - c->pos < MAX_WRITE ? upto - c->pos
							     : MAX_WRITE;

			err = put(c, at(c, c->pos), n);
			if (err)
				return err;
			to_index(c, c->pos, n);
			c->pos += n;
			count_frames(c, c->pos);
		}
		if (c->pos == c->file_end) {
			err = close_file(c);
			if (err)
				return err;
			continue;
		}
		if (!final)
			return 0;
		/* Capture over: the unaligned tail and an early padding. */
		{
			size_t n = w - c->pos;

			memcpy(c->bounce, at(c, c->pos), n);
			to_index(c, c->pos, n);
			count_frames(c, w);
			c->pos = w;
			n += put_padding(c->bounce + n,
					 hpcap_close_pad(c->file_len + n, ALIGN));
			err = put(c, c->bounce, n);
			if (err)
				return err;
			return close_file(c);
		}
	}
	return 0;
}

/*
 * The pipeline's splits: look at every record header from c->scan up to w
 * (a record boundary) and decide where files end: before a frame of a new
 * time period, before a frame that would take the file past split_bytes,
 * and after the producer's padding at the end of each slice.  Each file
 * is written and closed before the scan goes past its end, so the facts
 * gathered here (frames, first and last time) are those of the open file.
 */
static int scan_window(struct hpcap_copier *c, uint64_t w)
{
	const struct hpcap_pipe_opts *po = &c->o.pipe;
	int err;

	while (c->scan < w) {
		struct hpcap_rec h;
		uint64_t p = c->scan, ts;
		uint32_t rec;
		int why, was_open = c->split.open, too_big = 0;

		hpcap_rec_decode(at(c, p), &h);
		rec = HPCAP_RAW_HDR_LEN + h.caplen;
		if (!h.sec && !h.nsec) {
			/* The producer's padding: its slice ends here. */
			c->scan = p + rec;
			c->close_reason = HPCAP_CLOSE_SLICE;
			err = write_upto(c, c->scan, 0);
			if (err)
				return err;
			hpcap_split_closed(&c->split);
			c->file_start = c->scan;
			continue;
		}
		ts = (uint64_t)h.sec * NSEC + h.nsec;
		if (po->split_bytes && was_open) {
			/* The file's length after this record, with its
			 * leading padding and an early closing one. */
			uint64_t len = lead_pad(c, c->file_start) +
				       (p + rec - c->file_start);

			too_big = len + hpcap_close_pad(len, ALIGN) >
				  po->split_bytes;
		}
		why = hpcap_split_frame(&c->split, ts, too_big);
		if (why) {
			c->close_reason = why;
			err = write_upto(c, p, 1);
			if (err)
				return err;
			c->file_start = p;
		}
		if (why || !was_open) {	/* the first frame of a file */
			c->name_time = po->split_ns
				? (time_t)(c->split.start_ns / NSEC) : (time_t)h.sec;
			c->cur.period_start_ns = po->split_ns ? c->split.start_ns : 0;
		}
		if (!c->cur.frames) {
			c->cur.first_sec = h.sec;
			c->cur.first_nsec = h.nsec;
		}
		c->cur.last_sec = h.sec;
		c->cur.last_nsec = h.nsec;
		c->cur.frames++;
		c->frames++;
		c->scan = p + rec;
	}
	return 0;
}

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

/* The index may keep the stream unacknowledged up to index_hold behind the
 * copy; past that, give up the pieces it has not read (their files are
 * read back instead), so the producer's room never depends on the index
 * thread. */
static void hold_for_index(struct hpcap_copier *c)
{
	uint64_t q;

	if (c->iq && idxq_pending(c->iq, &q) && c->pos - q > c->index_hold)
		idxq_drop_before(c->iq, c->pos);
}

int hpcap_copier_write(struct hpcap_copier *c, const uint8_t *base,
		       uint64_t base_pos, uint64_t end, int final, int idle)
{
	uint64_t pos0 = c->pos;
	int err;

	c->base = base;
	c->base_pos = base_pos;
	if (end < c->pos)	/* acknowledged behind the copy (hashq) */
		end = c->pos;
	if (!c->o.pipeline) {
		err = write_upto(c, end, final);
		return err ? err : max_files_done(c);
	}
	err = scan_window(c, end);
	if (err)
		return err;
	if (!final && idle && hpcap_split_idle(&c->split, wall_ns(), NSEC)) {
		/* The period is over by the clock and no frame of the next
		 * one came: complete the file now, not at the next frame. */
		c->close_reason = HPCAP_CLOSE_TIME;
		err = write_upto(c, end, 1);
		if (err)
			return err;
		hpcap_split_closed(&c->split);
		c->file_start = c->scan;
	}
	c->close_reason = final ? HPCAP_CLOSE_END : HPCAP_CLOSE_SLICE;
	err = write_upto(c, end, final);
	/* Nothing new to copy, only hashing behind: wait for it here rather
	 * than come back at once for the same window (the bytes not yet
	 * hashed are not acknowledged, so the window is never empty). */
	if (!err && c->hq && c->pos == pos0)
		hashq_wait(c->hq);
	if (!err && c->iq && c->pos == pos0)	/* the same for the index */
		idxq_wait_progress(c->iq, 1);
	hold_for_index(c);
	return err ? err : max_files_done(c);
}

uint64_t hpcap_copier_pos(const struct hpcap_copier *c)
{
	uint64_t p = c->pos, q;

	if (c->hq && hashq_pending(c->hq, &q) && q < p)
		p = q;
	if (c->iq && idxq_pending(c->iq, &q) && q < p)
		p = q;
	return p;
}

uint64_t hpcap_copier_frames(const struct hpcap_copier *c)
{
	return c->frames;
}

uint64_t hpcap_copier_bytes(const struct hpcap_copier *c)
{
	return c->bytes;
}

uint64_t hpcap_copier_files(const struct hpcap_copier *c)
{
	return c->files;
}

void hpcap_copier_on_file(struct hpcap_copier *c,
			  void (*cb)(void *arg,
				     const struct hpcap_file_facts *f,
				     int hook_err),
			  void *arg)
{
	c->fl.cb = cb;
	c->fl.cb_arg = arg;
}

const char *hpcap_copier_geterr(const struct hpcap_copier *c)
{
	return c->err;
}

void hpcap_copier_close(struct hpcap_copier *c)
{
	if (!c)
		return;
	hashq_close(c->hq);	/* before the file and the window go */
	idxq_close(c->iq);
	filelife_abort(&c->fl);
	free(c->bounce);
	free(c->dir);
	free(c->fmt);
	free(c);
}
