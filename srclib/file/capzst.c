// SPDX-License-Identifier: BSD-3-Clause
/*
 * capzst.c - see capzst.h.
 */
#define _GNU_SOURCE
#include "file/capzst.h"
#include "file/capscan.h"
#include "libhpcap_pipeline.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>

/* A plain stream larger than this once decompressed is refused rather
 * than mapped (it would be held whole). */
#define CAPZST_PLAIN_MAX (UINT64_C(64) << 30)

struct capzst {
	struct hpcap_zsk_reader *r;	/* NULL: a plain stream, whole in map */
	size_t map_len;			/* of cs->map */
	uint32_t first, end;		/* frames [first, end) are in the map */
	uint64_t lo, hi;		/* their content bytes */
	char damage[200];		/* plain: why the stream stopped early */
};

static size_t page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);

	return p > 0 ? (size_t)p : 4096;
}

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

/* Give back the memory of content bytes [lo, hi), whole pages only. */
static void give_back(struct capscan *cs, uint64_t lo, uint64_t hi)
{
	uint64_t pg = page_size(), a = lo / pg * pg, b = hi / pg * pg;

	if (b > a)
		madvise((void *)(cs->map + a), (size_t)(b - a), MADV_DONTNEED);
}

static int decompress_whole(struct capscan *cs, struct capzst *z,
			    const uint8_t *src, uint64_t n)
{
	ZSTD_DCtx *d = ZSTD_createDCtx();
	ZSTD_inBuffer in = { src, (size_t)n, 0 };
	unsigned long long hint = ZSTD_getFrameContentSize(src, (size_t)n);
	uint64_t cap = hint != ZSTD_CONTENTSIZE_UNKNOWN &&
		       hint != ZSTD_CONTENTSIZE_ERROR && hint < CAPZST_PLAIN_MAX
			       ? hint : n * 4;
	uint8_t *buf;
	size_t pos = 0, st = 1;

	if (!d) {
		snprintf(cs->err, sizeof(cs->err), "%s: out of memory", cs->path);
		return -ENOMEM;
	}
	cap = round_up(cap ? cap : 1, page_size());
	buf = mmap(NULL, (size_t)cap, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (buf == MAP_FAILED) {
		ZSTD_freeDCtx(d);
		snprintf(cs->err, sizeof(cs->err),
			 "%s: cannot map %" PRIu64 " bytes to decompress it into",
			 cs->path, cap);
		return -ENOMEM;
	}
	for (;;) {
		ZSTD_outBuffer out = { buf, (size_t)cap, pos };

		if (in.pos == in.size && (st == 0 || pos < cap))
			break;
		if (pos == cap) {
			uint64_t ncap = cap * 2;
			void *nb;

			if (ncap > CAPZST_PLAIN_MAX) {
				snprintf(z->damage, sizeof(z->damage),
					 "more than %" PRIu64 " GiB once decompressed; without a seek table it would be held whole: decompress it first (zstd -d)",
					 CAPZST_PLAIN_MAX >> 30);
				break;
			}
			nb = mremap(buf, (size_t)cap, (size_t)ncap, MREMAP_MAYMOVE);
			if (nb == MAP_FAILED) {
				snprintf(z->damage, sizeof(z->damage),
					 "out of memory after %zu bytes", pos);
				break;
			}
			buf = nb;
			cap = ncap;
			continue;
		}
		st = ZSTD_decompressStream(d, &out, &in);
		pos = out.pos;
		if (ZSTD_isError(st)) {
			snprintf(z->damage, sizeof(z->damage),
				 "zstd stream damaged near compressed offset %zu: %s",
				 in.pos, ZSTD_getErrorName(st));
			break;
		}
	}
	if (!z->damage[0] && st != 0)
		snprintf(z->damage, sizeof(z->damage),
			 "the zstd stream ends inside a frame (cut short)");
	ZSTD_freeDCtx(d);
	cs->map = buf;
	cs->size = pos;
	z->map_len = (size_t)cap;
	return 0;
}

int capzst_open(struct capscan *cs)
{
	char eb[HPCAP_ERRBUF_SIZE];
	const uint8_t *zmap = cs->map;
	uint64_t zsize = cs->size;
	struct capzst *z = calloc(1, sizeof(*z));
	int err;

	if (!z) {
		snprintf(cs->err, sizeof(cs->err), "%s: out of memory", cs->path);
		return -ENOMEM;
	}
	err = hpcap_zsk_reader_open(&z->r, cs->path, eb);
	if (err == HPCAP_ERR_FORMAT) {
		/* No seek table, or one that does not add up: the stream
		 * itself is still readable from its start. */
		err = decompress_whole(cs, z, zmap, zsize);
	} else if (!err) {
		uint64_t content = hpcap_zsk_size(z->r);
		void *m;

		z->map_len = (size_t)round_up(content ? content : 1, page_size());
		m = mmap(NULL, z->map_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (m == MAP_FAILED) {
			err = -ENOMEM;
			snprintf(cs->err, sizeof(cs->err),
				 "%s: cannot map %" PRIu64 " bytes of content",
				 cs->path, content);
		} else {
			cs->map = m;
			cs->size = content;
		}
	} else {
		snprintf(cs->err, sizeof(cs->err), "%s", eb);
	}
	if (err) {
		hpcap_zsk_reader_close(z->r);
		free(z);
		return err;
	}
	munmap((void *)zmap, zsize);
	cs->z = z;
	return 0;
}

int capzst_need(struct capscan *cs, uint64_t off, uint64_t len)
{
	struct capzst *z = cs->z;
	struct hpcap_zsk_frame f;
	uint64_t end;
	uint32_t i, n;

	if (!z->r || off >= cs->size)
		return 0;
	end = len < cs->size - off ? off + len : cs->size;
	if (off >= z->lo && end <= z->hi)
		return 0;
	i = hpcap_zsk_frame_at(z->r, off);
	n = hpcap_zsk_nframes(z->r);
	if (i >= n)
		return 0;
	hpcap_zsk_frame(z->r, i, &f);
	if (off < z->lo || off > z->hi) {
		/* A seek: start again at the frame off is in. */
		give_back(cs, z->lo, round_up(z->hi, page_size()));
		z->first = z->end = i;
		z->lo = z->hi = f.d_off;
	} else if (i > z->first) {
		/* Forward: the frames before off are done with.  The page
		 * frame i starts in stays (it holds part of frame i). */
		give_back(cs, z->lo, f.d_off);
		z->first = i;
		z->lo = f.d_off;
		if (z->end < i) {
			z->end = i;
			z->hi = f.d_off;
		}
	}
	while (z->hi < end && z->end < n) {
		int err;

		hpcap_zsk_frame(z->r, z->end, &f);
		err = hpcap_zsk_read_frame(z->r, z->end,
					   (uint8_t *)cs->map + f.d_off);
		if (err) {
			snprintf(cs->err, sizeof(cs->err),
				 "%s: damaged at offset %" PRIu64
				 " of its decompressed content: %s",
				 cs->path, f.d_off, hpcap_zsk_reader_geterr(z->r));
			return err < 0 ? err : -EBADMSG;
		}
		z->hi = f.d_off + f.d_size;
		z->end++;
	}
	return 0;
}

int capzst_damaged_end(struct capscan *cs)
{
	if (!cs->z || !cs->z->damage[0])
		return 0;
	snprintf(cs->err, sizeof(cs->err),
		 "%s: damaged at offset %" PRIu64 " of its decompressed content: %s",
		 cs->path, cs->size, cs->z->damage);
	return 1;
}

void capzst_close(struct capscan *cs)
{
	if (!cs->z)
		return;
	if (cs->map)
		munmap((void *)cs->map, cs->z->map_len);
	cs->map = NULL;
	hpcap_zsk_reader_close(cs->z->r);
	free(cs->z);
	cs->z = NULL;
}
