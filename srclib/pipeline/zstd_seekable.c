// SPDX-License-Identifier: BSD-3-Clause
/*
 * zstd_seekable.c - the zstd seekable format, written from its public
 * specification (zstd's contrib/seekable_format/
 * zstd_seekable_compression_format.md, version 0.1.0):
 *
 *   frame 0 | frame 1 | ... | seek table
 *
 * Each frame is an ordinary, independent zstd frame (libzstd compresses
 * it).  The seek table is a skippable frame, so any zstd decoder skips it
 * and `zstd -d` gives back the whole content:
 *
 *   u32 0x184D2A5E | u32 Frame_Size | entries | footer
 *   entry:  u32 Compressed_Size, u32 Decompressed_Size [, u32 Checksum]
 *   footer: u32 Number_Of_Frames, u8 Descriptor, u32 0x8F92EAB1
 *
 * All little-endian.  Frame_Size counts the bytes after itself (entries +
 * 9-byte footer).  Descriptor bit 7: entries carry checksums (the low 32
 * bits of XXH64 of the frame's content, seed 0); bits 6-2 reserved, must
 * be 0; bits 1-0 unused.  The checksum is the same value zstd puts at the
 * end of a frame compressed with its checksum flag, so the writer asks
 * libzstd for it and copies it into the table; the reader checks it with
 * XXH64 (file/zsk_reader.c, which reads the format).
 */
#define _GNU_SOURCE
#include "pipeline/pipeline_int.h"
#include "pipeline/zpool.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

/* ------------------------------------------------------------------ */
/* Writer                                                              */
/* ------------------------------------------------------------------ */

struct zsk_entry {
	uint32_t c_size, d_size, checksum;
};

struct hpcap_zsk_writer {
	struct outfile *out;
	struct outfile own;	/* when opened by path */
	int owns_out;
	ZSTD_CCtx *cctx;
	struct zpool *pool;	/* threads compress; NULL: this one does */
	uint8_t *in;		/* the frame being filled (the pool's slot) */
	size_t fill, cap;	/* cap >= frame_size + largest unit */
	uint32_t frame_size;
	uint8_t *cbuf;		/* when a frame's bound exceeds outfile's */
	size_t cbuf_cap;
	struct zsk_entry *tab;
	uint32_t n, tab_cap;
	uint64_t bytes_in, bytes_out;
	int checksums;
	int failed;
	char err[HPCAP_ERRBUF_SIZE];
};

static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static int wfail(struct hpcap_zsk_writer *w, int code, const char *what,
		 const char *detail)
{
	snprintf(w->err, sizeof(w->err), "%s%s", what, detail);
	w->failed = 1;
	return code;
}

/* One more seek-table entry. */
static int tab_add(struct hpcap_zsk_writer *w, size_t c, size_t d,
		   const uint8_t *frame)
{
	if (c > UINT32_MAX)
		return wfail(w, -EOVERFLOW, "frame too large", "");
	if (w->n == w->tab_cap) {
		uint32_t nc = w->tab_cap ? 2 * w->tab_cap : 256;
		struct zsk_entry *t = realloc(w->tab, nc * sizeof(*t));

		if (!t)
			return wfail(w, -ENOMEM, "out of memory", "");
		w->tab = t;
		w->tab_cap = nc;
	}
	w->tab[w->n].c_size = (uint32_t)c;
	w->tab[w->n].d_size = (uint32_t)d;
	/* With the checksum flag the frame ends with XXH64(content) & 0xffffffff. */
	w->tab[w->n].checksum = w->checksums ? get32(frame + c - 4) : 0;
	w->n++;
	w->bytes_out += c;
	return 0;
}

/* Compress the buffered input into one frame and write it, here. */
static int emit_here(struct hpcap_zsk_writer *w)
{
	size_t bound, c;
	uint8_t *dst;

	bound = ZSTD_compressBound(w->fill);
	/* Straight into the output buffer when it can hold the bound. */
	dst = bound <= OUTFILE_BUF_SIZE ? outfile_reserve(w->out, bound) : w->cbuf;
	if (!dst)
		return wfail(w, -EIO, "", w->out->err);
	c = ZSTD_compress2(w->cctx, dst, bound, w->in, w->fill);
	if (ZSTD_isError(c))
		return wfail(w, -EIO, "zstd: ", ZSTD_getErrorName(c));
	if (tab_add(w, c, w->fill, dst) < 0)
		return -EIO;
	if (dst == w->cbuf) {
		if (outfile_put(w->out, dst, c) < 0)
			return wfail(w, -EIO, "", w->out->err);
	} else {
		outfile_commit(w->out, c);
	}
	w->fill = 0;
	return 0;
}

/* Write the pool's compressed frames, oldest first: those done already
 * (wait 0), the oldest one (wait 1, once), or all (wait 2). */
static int write_pooled(struct hpcap_zsk_writer *w, int wait)
{
	struct zpool_frame f;

	while (zpool_take(w->pool, wait != 0, &f)) {
		int err = 0;

		if (f.err)
			err = wfail(w, -EIO, "zstd: ", f.err);
		else if (tab_add(w, f.c_size, f.d_size, f.data) < 0)
			err = -EIO;
		else if (outfile_put(w->out, f.data, f.c_size) < 0)
			err = wfail(w, -EIO, "", w->out->err);
		zpool_release(w->pool);
		if (err)
			return err;
		if (wait == 1)
			break;
	}
	return 0;
}

/* Hand the buffered input to the pool, write what it has done, and take
 * the next buffer.  With every slot busy this waits for the oldest frame:
 * the caller takes no more frames from the capture buffer meanwhile. */
static int emit_pooled(struct hpcap_zsk_writer *w)
{
	int err;

	zpool_submit(w->pool, w->fill);
	w->fill = 0;
	err = write_pooled(w, 0);
	while (!err && zpool_full(w->pool))
		err = write_pooled(w, 1);
	if (err)
		return err;
	w->in = zpool_next(w->pool);
	return 0;
}

static int emit_frame(struct hpcap_zsk_writer *w)
{
	if (w->failed)
		return -EIO;
	if (!w->fill)
		return 0;
	return w->pool ? emit_pooled(w) : emit_here(w);
}

int zsk_writer_attach(struct hpcap_zsk_writer **wp, struct outfile *o,
		      const struct hpcap_zsk_opts *opts, char *errbuf)
{
	struct hpcap_zsk_writer *w;
	int level = opts && opts->level ? opts->level : 3;
	uint32_t fs = opts && opts->frame_size ? opts->frame_size
					       : HPCAP_ZSK_FRAME_SIZE;

	*wp = NULL;
	if (fs > HPCAP_ZSK_MAX_FRAME_SIZE || fs < 1024) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "zstd frame size %u out of range (1 KiB to 1 GiB)", fs);
		return -EINVAL;
	}
	if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel()) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "zstd level %d out of range (%d to %d)", level,
			 ZSTD_minCLevel(), ZSTD_maxCLevel());
		return -EINVAL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		goto oom;
	w->out = o;
	w->frame_size = fs;
	/* A unit given to reserve() may start a frame and be up to 64 KiB
	 * plus a record header over the frame size; keep room for that. */
	w->cap = (size_t)fs + (128u << 10);
	w->cctx = ZSTD_createCCtx();
	w->checksums = !(opts && opts->no_checksums);
	if (!w->cctx)
		goto oom;
	if (opts && opts->threads) {
		int err = zpool_open(&w->pool, opts->threads, opts->cpus, level,
				     w->checksums, w->cap, errbuf);

		if (err) {
			zsk_writer_abort(w);
			return err;
		}
		w->in = zpool_next(w->pool);
	} else {
		w->in = malloc(w->cap);
		if (!w->in)
			goto oom;
	}
	if (!w->pool && ZSTD_compressBound(w->cap) > OUTFILE_BUF_SIZE) {
		w->cbuf_cap = ZSTD_compressBound(w->cap);
		w->cbuf = malloc(w->cbuf_cap);
		if (!w->cbuf)
			goto oom;
	}
	if (ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel,
						level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag,
						w->checksums)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag,
						1))) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "zstd refused the parameters");
		zsk_writer_abort(w);
		return -EINVAL;
	}
	*wp = w;
	return 0;
oom:
	snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
	zsk_writer_abort(w);
	return -ENOMEM;
}

int hpcap_zsk_writer_open(struct hpcap_zsk_writer **wp, const char *path,
			  const struct hpcap_zsk_opts *opts, char *errbuf)
{
	struct outfile *o = malloc(sizeof(*o));
	int err;

	*wp = NULL;
	if (!o) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		return -ENOMEM;
	}
	err = outfile_open(o, path);
	if (err) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "%s", o->err);
		free(o);
		return err;
	}
	err = zsk_writer_attach(wp, o, opts, errbuf);
	if (err) {
		outfile_abort(o);
		free(o);
		return err;
	}
	/* The writer keeps its outfile inline: move it there. */
	(*wp)->own = *o;
	(*wp)->out = &(*wp)->own;
	(*wp)->owns_out = 1;
	free(o);
	return 0;
}

int hpcap_zsk_write(struct hpcap_zsk_writer *w, const void *p, size_t n)
{
	const uint8_t *src = p;

	while (n) {
		size_t c = w->frame_size - w->fill;

		if (c > n)
			c = n;
		memcpy(w->in + w->fill, src, c);
		w->fill += c;
		w->bytes_in += c;
		src += c;
		n -= c;
		if (w->fill == w->frame_size && emit_frame(w) < 0)
			return -EIO;
	}
	return w->failed ? -EIO : 0;
}

uint8_t *hpcap_zsk_reserve(struct hpcap_zsk_writer *w, size_t n)
{
	if (n > w->cap) {
		wfail(w, -EINVAL, "unit larger than a frame", "");
		return NULL;
	}
	if (w->fill && w->fill + n > w->frame_size && emit_frame(w) < 0)
		return NULL;
	if (w->failed)
		return NULL;
	return w->in + w->fill;
}

void hpcap_zsk_commit(struct hpcap_zsk_writer *w, size_t n)
{
	w->fill += n;
	w->bytes_in += n;
}

int hpcap_zsk_end_frame(struct hpcap_zsk_writer *w)
{
	return emit_frame(w);
}

uint64_t hpcap_zsk_bytes_in(const struct hpcap_zsk_writer *w)
{
	return w->bytes_in;
}

uint64_t hpcap_zsk_bytes_out(const struct hpcap_zsk_writer *w)
{
	return w->bytes_out;
}

uint32_t hpcap_zsk_frames(const struct hpcap_zsk_writer *w)
{
	return w->n;
}

const char *hpcap_zsk_writer_geterr(const struct hpcap_zsk_writer *w)
{
	return w->err;
}

void zsk_writer_abort(struct hpcap_zsk_writer *w)
{
	if (!w)
		return;
	if (w->owns_out)
		outfile_abort(w->out);
	ZSTD_freeCCtx(w->cctx);
	if (w->pool)
		zpool_close(w->pool);	/* w->in is one of its buffers */
	else
		free(w->in);
	free(w->cbuf);
	free(w->tab);
	free(w);
}

static int write_seek_table(struct hpcap_zsk_writer *w)
{
	uint32_t esz = w->checksums ? 12 : 8, i;
	uint8_t b[12];

	put32(b, HPCAP_ZSK_SKIPPABLE_MAGIC);
	put32(b + 4, w->n * esz + HPCAP_ZSK_FOOTER_SIZE);
	if (outfile_put(w->out, b, 8) < 0)
		return -EIO;
	for (i = 0; i < w->n; i++) {
		put32(b, w->tab[i].c_size);
		put32(b + 4, w->tab[i].d_size);
		put32(b + 8, w->tab[i].checksum);
		if (outfile_put(w->out, b, esz) < 0)
			return -EIO;
	}
	put32(b, w->n);
	b[4] = w->checksums ? HPCAP_ZSK_CHECKSUM_FLAG : 0;
	put32(b + 5, HPCAP_ZSK_SEEKABLE_MAGIC);
	if (outfile_put(w->out, b, HPCAP_ZSK_FOOTER_SIZE) < 0)
		return -EIO;
	return 0;
}

int zsk_writer_finish(struct hpcap_zsk_writer *w, char *errbuf)
{
	int err = emit_frame(w);

	if (!err && w->pool)
		err = write_pooled(w, 2);

	if (!err && (w->n > (UINT32_MAX - 9) / 12 || write_seek_table(w) < 0))
		err = wfail(w, -EIO, "", w->out->err);
	if (err && errbuf)
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "%s", w->err);
	w->owns_out = 0;
	zsk_writer_abort(w);
	return err;
}

int hpcap_zsk_writer_close(struct hpcap_zsk_writer *w, char *errbuf)
{
	struct outfile *o;
	int err;

	if (!w)
		return 0;
	if (!w->owns_out) {
		zsk_writer_abort(w);
		return 0;
	}
	/* The outfile lives inside w: take it out before w is freed. */
	o = malloc(sizeof(*o));
	if (!o) {
		zsk_writer_abort(w);
		if (errbuf)
			snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		return -ENOMEM;
	}
	*o = w->own;
	w->out = o;
	err = zsk_writer_finish(w, errbuf);
	if (err) {
		outfile_abort(o);
	} else {
		err = outfile_close(o);
		if (err && errbuf)
			snprintf(errbuf, HPCAP_ERRBUF_SIZE, "%s", o->err);
	}
	free(o);
	return err;
}
