// SPDX-License-Identifier: BSD-3-Clause
/*
 * zsk_reader.c - random access into a zstd seekable file (the format is
 * described in pipeline/zstd_seekable.c, which writes it): the seek table
 * read and checked once, then any frame decompressed on its own.  Here in
 * file/ because reading capture files (capscan.c) needs it and file/ sits
 * below pipeline/.  Frame checksums are the low 32 bits of XXH64
 * (libxxhash).
 */
#define _GNU_SOURCE
#include "libhpcap_pipeline.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

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

/* Frame i decompressed into dst (f->d_size bytes), checksum checked. */
static int frame_into(struct hpcap_zsk_reader *r, uint32_t i, uint8_t *dst)
{
	const struct hpcap_zsk_frame *f = &r->f[i];
	size_t d;
	int err;

	err = read_at(r->fd, r->cbuf, f->c_size, f->c_off);
	if (err) {
		snprintf(r->err, sizeof(r->err), "cannot read frame %u: %s", i,
			 hpcap_strerror(err));
		return err;
	}
	d = ZSTD_decompressDCtx(r->dctx, dst, f->d_size, r->cbuf, f->c_size);
	if (ZSTD_isError(d) || d != f->d_size) {
		snprintf(r->err, sizeof(r->err),
			 "frame %u (file offset %llu): %s", i,
			 (unsigned long long)f->c_off,
			 ZSTD_isError(d) ? ZSTD_getErrorName(d)
					 : "size differs from the seek table");
		return HPCAP_ERR_FORMAT;
	}
	if (r->checksums && (uint32_t)XXH64(dst, d, 0) != f->checksum) {
		snprintf(r->err, sizeof(r->err),
			 "frame %u (file offset %llu): checksum mismatch", i,
			 (unsigned long long)f->c_off);
		return HPCAP_ERR_FORMAT;
	}
	r->decompressed++;
	return 0;
}

static int load_frame(struct hpcap_zsk_reader *r, uint32_t i)
{
	int err;

	if (r->cached == (int64_t)i)
		return 0;
	r->cached = -1;
	err = frame_into(r, i, r->dbuf);
	if (!err)
		r->cached = i;
	return err;
}

int hpcap_zsk_read_frame(struct hpcap_zsk_reader *r, uint32_t i, void *dst)
{
	if (i >= r->n)
		return -EINVAL;
	if (r->cached == (int64_t)i) {
		memcpy(dst, r->dbuf, r->f[i].d_size);
		return 0;
	}
	return frame_into(r, i, dst);
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
