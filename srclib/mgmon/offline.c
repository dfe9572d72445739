// SPDX-License-Identifier: BSD-3-Clause
/*
 * offline.c - libmgmon's RAW file reader: the frames of a list of files,
 * exactly as hpcap_raw_next() returns them (same frames, same end rules,
 * same errors and messages), but read in place from a mapping of each
 * file instead of copied out of it.
 *
 * Why it is fast.  A RAW record is 12 bytes of header in front of the
 * frame; the reader only needs the headers, and hands the handler a
 * pointer to the frame.  What costs is not copying but waiting: each
 * header's position depends on the previous one's caplen, so a plain walk
 * of a mapping waits a full memory latency per frame.  The reader
 * therefore prefetches the file linearly PF_DIST bytes ahead of the
 * record it is at (the hardware would not: the stride varies), which
 * turns the walk into a sequential stream.  The file is mapped 2 MiB
 * aligned with MADV_HUGEPAGE, so where the page cache holds large folios
 * one fault maps 2 MiB, and MADV_SEQUENTIAL for readahead when the file
 * is not cached.
 *
 * Resident memory stays bounded: every UNMAP_STEP the part of the file
 * already read is unmapped (the handler's pointer is only valid until it
 * returns, or until the next mgmon_next() call).
 */
#define _GNU_SOURCE
#include "mgmon_int.h"
#include "hpcap_record.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define HUGE_SZ		(2ull << 20)	/* mapping alignment */
#define PF_DIST		2048u		/* prefetch distance, bytes */
#define CACHE_LINE	64u
#define HOUSE_STEP	(2ull << 20)	/* housekeeping this often */
#define UNMAP_STEP	(8ull << 20)	/* give back this much at a time */
#define RA_AHEAD	(16ull << 20)	/* ask for readahead this far ahead */

static void file_reset(struct mg_file *f)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
}

void mgmon_int_off_close(struct mgmon *m)
{
	struct mg_file *f = &m->f;

	if (f->base && f->maplen > f->unmapped)
		munmap((void *)(f->base + f->unmapped), f->maplen - f->unmapped);
	if (f->rr)
		hpcap_raw_close(f->rr);
	if (f->fd >= 0)
		close(f->fd);
	file_reset(f);
}

/* Map fd's size bytes at a 2 MiB aligned address.  NULL on failure. */
static const uint8_t *map_file(int fd, uint64_t size, uint64_t *maplen)
{
	uint64_t len = (size + 4095) & ~4095ull;
	uint8_t *res, *base;
	uintptr_t a;

	res = mmap(NULL, len + HUGE_SZ, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	if (res == MAP_FAILED)
		return NULL;
	a = ((uintptr_t)res + HUGE_SZ - 1) & ~(uintptr_t)(HUGE_SZ - 1);
	base = mmap((void *)a, len, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
	if (base == MAP_FAILED) {
		munmap(res, len + HUGE_SZ);
		return NULL;
	}
	/* Give back the slack around the file mapping. */
	if (base > res)
		munmap(res, (size_t)(base - res));
	if (res + len + HUGE_SZ > base + len)
		munmap(base + len, (size_t)(res + len + HUGE_SZ - (base + len)));
	/* Advice only: a kernel or file system without it reads the same. */
	madvise(base, len, MADV_HUGEPAGE);
	madvise(base, len, MADV_SEQUENTIAL);
	*maplen = len;
	return base;
}

/* Open file m->cur.  0, or a negative code (the file counts as bad). */
static int file_open(struct mgmon *m)
{
	struct mg_file *f = &m->f;
	const char *path = m->paths[m->cur];
	char errbuf[HPCAP_ERRBUF_SIZE];
	struct stat st;
	int err;

	file_reset(f);
	f->path = path;
	f->done = 1;
	m->st.files++;
	if (strcmp(path, "-")) {
		f->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (f->fd < 0) {
			err = -errno;
			m->st.bad_files++;
			f->done = err;
			return mgmon_int_err(m, err, "cannot open %s: %s", path,
					     strerror(-err));
		}
		if (fstat(f->fd, &st) == 0 && S_ISREG(st.st_mode)) {
			f->size = (uint64_t)st.st_size;
			if (!f->size)
				return 0;
			f->base = map_file(f->fd, f->size, &f->maplen);
			if (f->base) {
				f->house = 0;
				return 0;
			}
		}
		/* Not a mappable file: the buffered reader. */
		err = hpcap_raw_fdopen(&f->rr, f->fd, path, 0, errbuf);
	} else {
		err = hpcap_raw_open(&f->rr, path, 0, errbuf);
	}
	if (err < 0) {
		m->st.bad_files++;
		f->done = err;
		return mgmon_int_err(m, err, "%s", errbuf);
	}
	return 0;
}

/* Unmap what is behind, ask for readahead of what is ahead.  Every 2 MiB
 * only: kept out of the frame loop. */
static __attribute__((noinline, cold)) void housekeeping(struct mg_file *f)
{
	uint64_t behind = f->pos & ~(HUGE_SZ - 1), ahead;

	if (behind - f->unmapped >= UNMAP_STEP) {
		munmap((void *)(f->base + f->unmapped), behind - f->unmapped);
		f->unmapped = behind;
	}
	ahead = f->pos + RA_AHEAD;
	if (ahead > f->maplen)
		ahead = f->maplen;
	if (ahead > f->ra) {
		uint64_t from = f->ra > f->pos ? f->ra : f->pos & ~4095ull;

		madvise((void *)(f->base + from), ahead - from, MADV_WILLNEED);
		f->ra = ahead;
	}
	f->house = f->pos + HOUSE_STEP;
}

/* The file ended well (f->done: 1 reading, 0 ended, < 0 its error). */
static int file_end(struct mg_file *f)
{
	f->done = 0;
	return MGMON_END;
}

/* The file is bad: the codec's words for why, sticky in f->done. */
static __attribute__((noinline, cold)) int file_bad(struct mgmon *m, struct mg_file *f, int st,
		    const struct hpcap_rec *r)
{
	char msg[HPCAP_ERRBUF_SIZE];

	m->st.bad_files++;
	hpcap_rec_errmsg(msg, sizeof(msg), f->path, st, f->pos,
			 f->size - f->pos, r);
	return f->done = mgmon_int_err(m, st, "%s", msg);
}

/*
 * The next record of a mapped file: MGMON_FRAME with *h and *payload set,
 * MGMON_END after the closing padding, or an error (sticky in f->done).
 */
static inline __attribute__((always_inline)) int
map_next(struct mgmon *m, struct mg_file *f, struct mgmon_pkthdr *h,
	 const uint8_t **payload)
{
	for (;;) {
		uint64_t pos = f->pos, lim = pos + PF_DIST;
		const uint8_t *p = f->base + pos;
		struct hpcap_rec r;
		int st;

		if (mg_unlikely(pos >= f->house))
			housekeeping(f);
		if (lim > f->maplen)
			lim = f->maplen;
		while (f->pf < lim) {
			__builtin_prefetch(f->base + f->pf);
			f->pf += CACHE_LINE;
		}
		st = hpcap_rec_next(p, pos, f->size - pos, f->lead_pad, &r);
		if (mg_likely(st == HPCAP_REC_FRAME)) {
			f->pos = pos + HPCAP_RAW_HDR_LEN + r.caplen;
			h->ts.tv_sec = r.sec;
			h->ts.tv_nsec = r.nsec;
			h->caplen = r.caplen;
			h->len = r.len;
			*payload = p + HPCAP_RAW_HDR_LEN;
			f->last = pos;
			return MGMON_FRAME;
		}
		if (st < 0)
			return file_bad(m, f, st, &r);
		if (st == HPCAP_REC_END)
			return file_end(f);
		/* Padding: at offset 0 it opens the file, anywhere else it
		 * closes it and nothing after it is read. */
		f->pos = pos + HPCAP_RAW_HDR_LEN + r.caplen;
		if (st == HPCAP_REC_LEAD) {
			f->lead_pad = (uint32_t)f->pos;
			continue;
		}
		return file_end(f);
	}
}

/* The next record of the buffered reader, same results. */
static int rr_next(struct mgmon *m, struct mg_file *f, struct mgmon_pkthdr *h,
		   const uint8_t **payload)
{
	struct hpcap_raw_record rec;
	int st = hpcap_raw_next(f->rr, &rec);

	if (st == HPCAP_RAW_FRAME) {
		h->ts.tv_sec = rec.sec;
		h->ts.tv_nsec = rec.nsec;
		h->caplen = rec.caplen;
		h->len = rec.len;
		*payload = rec.data;
		f->last = rec.offset;
		return MGMON_FRAME;
	}
	if (st == HPCAP_RAW_END)
		return file_end(f);
	m->st.bad_files++;
	return f->done = mgmon_int_err(m, st, "%s", hpcap_raw_geterr(f->rr));
}

/* Make f a file with frames to read: MGMON_FRAME (ready), MGMON_END (no
 * more files) or the error of opening the next one. */
static int ensure_file(struct mgmon *m)
{
	while (m->f.done <= 0 || m->cur < 0) {
		if (m->cur >= 0)
			mgmon_int_off_close(m);
		if (m->cur + 1 >= m->npaths) {
			m->cur = m->npaths;
			return MGMON_END;
		}
		m->cur++;
		if (file_open(m) < 0)
			return m->f.done;	/* reported; next call goes on */
	}
	return MGMON_FRAME;
}

/* A frame was returned: the counters every frame adds to. */
static inline void count_frame(struct mgmon *m, const struct mgmon_pkthdr *h)
{
	m->st.frames++;
	m->st.bytes += h->caplen;
	m->st.wire_bytes += h->len;
}

int mgmon_int_off_next(struct mgmon *m, struct mgmon_pkthdr *h,
		       const uint8_t **payload)
{
	int st;

	for (;;) {
		st = ensure_file(m);
		if (st != MGMON_FRAME)
			return st;
		if (mg_broken(m))
			return MGMON_BREAK;
		st = m->f.rr ? rr_next(m, &m->f, h, payload)
			     : map_next(m, &m->f, h, payload);
		if (st == MGMON_FRAME) {
			count_frame(m, h);
			return st;
		}
		if (st < 0)
			return st;
		/* MGMON_END of this file: on to the next. */
	}
}

typedef int (*next_fn)(struct mgmon *m, struct mg_file *f,
		       struct mgmon_pkthdr *h, const uint8_t **payload);

/*
 * The frame loop over one file, written once for both readers: inlined
 * with next a constant, it is compiled once per reader, so the hot loop
 * of a mapped file holds map_next() itself (no call, no branch on the
 * kind of file per frame).  Returns the status that ended it (MGMON_FRAME
 * when *left ran out).
 */
static inline __attribute__((always_inline)) int
file_loop(struct mgmon *m, struct mg_file *f, unsigned long long *left,
	  mgmon_packet_handler handler, void *arg, next_fn next)
{
	struct mgmon_pkthdr h;
	const uint8_t *payload = NULL;
	int st = MGMON_FRAME;

	while (*left) {
		if (mg_broken(m))
			return MGMON_BREAK;
		st = next(m, f, &h, &payload);
		if (st != MGMON_FRAME)
			break;
		count_frame(m, &h);
		handler(payload, &h, arg);
		--*left;
	}
	return st;
}

int mgmon_int_off_loop(struct mgmon *m, long long count,
		       mgmon_packet_handler handler, void *arg)
{
	unsigned long long left = count > 0 ? (unsigned long long)count
					    : ~0ull;
	int st;

	while (left) {
		st = ensure_file(m);
		if (st != MGMON_FRAME)
			return st;
		/* The kind of file is looked at once per file. */
		st = m->f.rr ? file_loop(m, &m->f, &left, handler, arg, rr_next)
			     : file_loop(m, &m->f, &left, handler, arg, map_next);
		if (st == MGMON_BREAK)
			return st;
		if (!left)
			break;
		if (st < 0)
			return st;
	}
	return MGMON_COUNT;
}
