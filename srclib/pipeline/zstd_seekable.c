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
 * its own XXH64 (xxh64.c).
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

/* ------------------------------------------------------------------ */
/* Reader                                                              */
/* ------------------------------------------------------------------ */

struct hpcap_zsk_reader {
	int fd;
	uint64_t file_size, content;
	uint32_t n;
	struct hpcap_zsk_frame *f;
	int checksums;
	ZSTD_DCtx *dctx;
	uint8_t *cbuf, *dbuf;
	size_t cbuf_cap, dbuf_cap;
	int64_t cached;		/* frame in dbuf, or -1 */
	uint64_t decompressed;
	char err[HPCAP_ERRBUF_SIZE];
};

static int read_at(int fd, void *buf, size_t n, uint64_t off)
{
	uint8_t *p = buf;

	while (n) {
		ssize_t r = pread(fd, p, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return HPCAP_ERR_TRUNCATED;
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

void hpcap_zsk_reader_close(struct hpcap_zsk_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	ZSTD_freeDCtx(r->dctx);
	free(r->f);
	free(r->cbuf);
	free(r->dbuf);
	free(r);
}

int hpcap_zsk_reader_open(struct hpcap_zsk_reader **rp, const char *path,
			  char *errbuf)
{
	struct hpcap_zsk_reader *r = calloc(1, sizeof(*r));
	uint8_t foot[HPCAP_ZSK_FOOTER_SIZE], hdr[8], *tab = NULL;
	uint64_t tsize, c_off = 0, d_off = 0;
	uint32_t esz, i, max_d = 0, max_c = 0;
	struct stat st;
	int err;

	*rp = NULL;
	if (!r) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		return -ENOMEM;
	}
	r->cached = -1;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0 || fstat(r->fd, &st) < 0) {
		err = -errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot open %s: %s", path,
			 strerror(errno));
		goto fail;
	}
	r->file_size = (uint64_t)st.st_size;
	err = HPCAP_ERR_FORMAT;
	if (r->file_size < 8 + HPCAP_ZSK_FOOTER_SIZE ||
	    read_at(r->fd, foot, sizeof(foot), r->file_size - sizeof(foot)) ||
	    get32(foot + 5) != HPCAP_ZSK_SEEKABLE_MAGIC) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "%s: no seek table (not a seekable zstd file)", path);
		goto fail;
	}
	r->n = get32(foot);
	if (foot[4] & 0x7c) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "%s: seek table descriptor 0x%02x has reserved bits set",
			 path, foot[4]);
		goto fail;
	}
	r->checksums = !!(foot[4] & HPCAP_ZSK_CHECKSUM_FLAG);
	esz = r->checksums ? 12 : 8;
	tsize = 8 + (uint64_t)r->n * esz + HPCAP_ZSK_FOOTER_SIZE;
	if (tsize > r->file_size ||
	    read_at(r->fd, hdr, 8, r->file_size - tsize) ||
	    get32(hdr) != HPCAP_ZSK_SKIPPABLE_MAGIC ||
	    get32(hdr + 4) != tsize - 8) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "%s: damaged seek table (%u frames announced)", path,
			 r->n);
		goto fail;
	}
	r->f = calloc(r->n ? r->n : 1, sizeof(*r->f));
	tab = malloc(r->n ? (size_t)r->n * esz : 1);
	if (!r->f || !tab) {
		err = -ENOMEM;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		goto fail;
	}
	if (read_at(r->fd, tab, (size_t)r->n * esz, r->file_size - tsize + 8)) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "%s: cannot read the seek table",
			 path);
		goto fail;
	}
	for (i = 0; i < r->n; i++) {
		struct hpcap_zsk_frame *f = &r->f[i];

		f->c_off = c_off;
		f->d_off = d_off;
		f->c_size = get32(tab + (size_t)i * esz);
		f->d_size = get32(tab + (size_t)i * esz + 4);
		f->checksum = r->checksums ? get32(tab + (size_t)i * esz + 8) : 0;
		c_off += f->c_size;
		d_off += f->d_size;
		if (f->c_size > max_c)
			max_c = f->c_size;
		if (f->d_size > max_d)
			max_d = f->d_size;
	}
	if (c_off != r->file_size - tsize || max_d > HPCAP_ZSK_MAX_FRAME_SIZE ||
	    max_c > HPCAP_ZSK_MAX_FRAME_SIZE + (HPCAP_ZSK_MAX_FRAME_SIZE >> 7)) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "%s: the seek table's frames (%llu bytes) do not fill the file before it (%llu bytes)",
			 path, (unsigned long long)c_off,
			 (unsigned long long)(r->file_size - tsize));
		goto fail;
	}
	free(tab);
	tab = NULL;
	r->content = d_off;
	r->dctx = ZSTD_createDCtx();
	r->cbuf_cap = max_c ? max_c : 1;
	r->dbuf_cap = max_d ? max_d : 1;
	r->cbuf = malloc(r->cbuf_cap);
	r->dbuf = malloc(r->dbuf_cap);
	if (!r->dctx || !r->cbuf || !r->dbuf) {
		err = -ENOMEM;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		goto fail;
	}
	*rp = r;
	return 0;
fail:
	free(tab);
	hpcap_zsk_reader_close(r);
	return err;
}

uint64_t hpcap_zsk_size(const struct hpcap_zsk_reader *r)
{
	return r->content;
}

uint32_t hpcap_zsk_nframes(const struct hpcap_zsk_reader *r)
{
	return r->n;
}

int hpcap_zsk_has_checksums(const struct hpcap_zsk_reader *r)
{
	return r->checksums;
}

int hpcap_zsk_frame(const struct hpcap_zsk_reader *r, uint32_t i,
		    struct hpcap_zsk_frame *f)
{
	if (i >= r->n)
		return -EINVAL;
	*f = r->f[i];
	return 0;
}

uint32_t hpcap_zsk_frame_at(const struct hpcap_zsk_reader *r, uint64_t off)
{
	uint32_t lo = 0, hi = r->n;

	if (off >= r->content)
		return r->n;
	/* The last frame whose data starts at or before off and is not
	 * empty: binary search on d_off, then skip empty frames. */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (r->f[mid].d_off <= off)
			lo = mid;
		else
			hi = mid;
	}
	while (lo < r->n && r->f[lo].d_off + r->f[lo].d_size <= off)
		lo++;
	return lo;
}

static int load_frame(struct hpcap_zsk_reader *r, uint32_t i)
{
	const struct hpcap_zsk_frame *f = &r->f[i];
	size_t d;
	int err;

	if (r->cached == (int64_t)i)
		return 0;
	r->cached = -1;
	err = read_at(r->fd, r->cbuf, f->c_size, f->c_off);
	if (err) {
		snprintf(r->err, sizeof(r->err), "cannot read frame %u: %s", i,
			 hpcap_strerror(err));
		return err;
	}
	d = ZSTD_decompressDCtx(r->dctx, r->dbuf, f->d_size, r->cbuf, f->c_size);
	if (ZSTD_isError(d) || d != f->d_size) {
		snprintf(r->err, sizeof(r->err),
			 "frame %u (file offset %llu): %s", i,
			 (unsigned long long)f->c_off,
			 ZSTD_isError(d) ? ZSTD_getErrorName(d)
					 : "size differs from the seek table");
		return HPCAP_ERR_FORMAT;
	}
	if (r->checksums &&
	    (uint32_t)hpcap_xxh64(r->dbuf, d, 0) != f->checksum) {
		snprintf(r->err, sizeof(r->err),
			 "frame %u (file offset %llu): checksum mismatch", i,
			 (unsigned long long)f->c_off);
		return HPCAP_ERR_FORMAT;
	}
	r->cached = i;
	r->decompressed++;
	return 0;
}

int64_t hpcap_zsk_pread(struct hpcap_zsk_reader *r, void *buf, size_t n,
			uint64_t off)
{
	uint8_t *dst = buf;
	int64_t done = 0;
	uint32_t i = hpcap_zsk_frame_at(r, off);

	while (n && i < r->n && off < r->content) {
		const struct hpcap_zsk_frame *f = &r->f[i];
		uint64_t in = off - f->d_off;
		size_t c;
		int err;

		if (!f->d_size || in >= f->d_size) {
			i++;
			continue;
		}
		err = load_frame(r, i);
		if (err)
			return err;
		c = f->d_size - in < n ? (size_t)(f->d_size - in) : n;
		memcpy(dst, r->dbuf + in, c);
		dst += c;
		n -= c;
		off += c;
		done += (int64_t)c;
		i++;
	}
	return done;
}

uint64_t hpcap_zsk_decompressed_frames(const struct hpcap_zsk_reader *r)
{
	return r->decompressed;
}

const char *hpcap_zsk_reader_geterr(const struct hpcap_zsk_reader *r)
{
	return r->err;
}
