// SPDX-License-Identifier: BSD-3-Clause
/*
 * raw_reader.c - sequential RAW reader in constant memory.
 *
 * The file is read in 1 MiB chunks into one buffer; a record is handed out
 * as a pointer into it.  When fewer bytes than the next record remain in the
 * buffer, the remainder moves to the front and the buffer is refilled, so
 * the buffer needs room for one chunk plus one largest record.
 */
#define _GNU_SOURCE
#include "libhpcap.h"
#include "hpcap_record.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (1u << 20)
#define MAX_RECORD (HPCAP_RAW_HDR_LEN + 65535u)
#define BUF_SIZE (CHUNK + MAX_RECORD)

/* The codec's error statuses are this library's codes. */
_Static_assert((int)HPCAP_REC_CUT == (int)HPCAP_ERR_TRUNCATED &&
	       (int)HPCAP_REC_NOPAD == (int)HPCAP_ERR_NOPAD,
	       "hpcap_record.h and libhpcap.h agree on the codes");

struct hpcap_raw_reader {
	int fd;
	int own_fd;
	unsigned flags;
	int done;		/* sticky return value once finished */
	int eof;		/* read() returned 0 */
	uint8_t *buf;
	size_t pos;		/* next unread byte in buf */
	size_t fill;		/* valid bytes in buf */
	uint64_t buf_off;	/* file offset of buf[0] */
	uint64_t size;
	uint32_t lead_pad;
	char path[256];
	char err[HPCAP_ERRBUF_SIZE];
};

static int set_err(struct hpcap_raw_reader *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int set_err(struct hpcap_raw_reader *r, int code, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(r->err, sizeof(r->err), "%s: ", r->path);

	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(r->err))
		vsnprintf(r->err + n, sizeof(r->err) - (size_t)n, fmt, ap);
	va_end(ap);
	r->done = code;
	return code;
}

static int reader_new(struct hpcap_raw_reader **out, int fd, int own_fd,
		      const char *name, unsigned flags, char *errbuf)
{
	struct hpcap_raw_reader *r;
	struct stat st;
	int err;

	*out = NULL;
	if (fstat(fd, &st) < 0) {
		err = errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot read %s: %s", name,
			 strerror(err));
		if (own_fd)
			close(fd);
		return -err;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "%s is a directory, not a RAW file", name);
		if (own_fd)
			close(fd);
		return -EISDIR;
	}
	r = calloc(1, sizeof(*r));
	if (!r || !(r->buf = malloc(BUF_SIZE))) {
		free(r);
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "%s: out of memory", name);
		if (own_fd)
			close(fd);
		return -ENOMEM;
	}
	snprintf(r->path, sizeof(r->path), "%s", name);
	r->fd = fd;
	r->own_fd = own_fd;
	r->flags = flags;
	r->done = 1;
	if (S_ISREG(st.st_mode)) {
		r->size = (uint64_t)st.st_size;
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	}
	*out = r;
	return 0;
}

int hpcap_raw_open(struct hpcap_raw_reader **out, const char *path,
		   unsigned flags, char *errbuf)
{
	int fd;

	if (!strcmp(path, "-"))
		return reader_new(out, STDIN_FILENO, 0, "standard input", flags,
				  errbuf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		*out = NULL;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot open %s: %s", path,
			 strerror(err));
		return -err;
	}
	return reader_new(out, fd, 1, path, flags, errbuf);
}

int hpcap_raw_fdopen(struct hpcap_raw_reader **out, int fd, const char *name,
		     unsigned flags, char *errbuf)
{
	return reader_new(out, fd, 0, name, flags, errbuf);
}

/* Make at least `need` bytes available at r->pos unless end of file. */
static int refill(struct hpcap_raw_reader *r, size_t need)
{
	size_t have = r->fill - r->pos;

	memmove(r->buf, r->buf + r->pos, have);
	r->buf_off += r->pos;
	r->pos = 0;
	r->fill = have;
	while (r->fill < need && !r->eof) {
		size_t want = BUF_SIZE - r->fill;
		ssize_t n;

		if (want > CHUNK)
			want = CHUNK;
		n = read(r->fd, r->buf + r->fill, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return set_err(r, -errno, "read error at offset %llu: %s",
				       (unsigned long long)(r->buf_off + r->fill),
				       strerror(errno));
		if (n == 0)
			r->eof = 1;
		r->fill += (size_t)n;
	}
	return 0;
}

int hpcap_raw_next(struct hpcap_raw_reader *r, struct hpcap_raw_record *rec)
{
	for (;;) {
		struct hpcap_rec h;
		uint64_t off, left;
		int st;

		if (r->done <= 0)
			return r->done;
		/* The whole record in the buffer, or all that is left of the
		 * file: then the codec tells what it is. */
		left = r->fill - r->pos;
		if (left < HPCAP_RAW_HDR_LEN) {
			st = refill(r, HPCAP_RAW_HDR_LEN);
			if (st)
				return st;
			left = r->fill;
		}
		if (left >= HPCAP_RAW_HDR_LEN &&
		    left < hpcap_rec_size(r->buf + r->pos)) {
			st = refill(r, hpcap_rec_size(r->buf + r->pos));
			if (st)
				return st;
			left = r->fill;
		}
		off = r->buf_off + r->pos;
		st = hpcap_rec_next(r->buf + r->pos, off, left, r->lead_pad, &h);
		if (st < 0) {
			hpcap_rec_errmsg(r->err, sizeof(r->err), r->path, st, off,
					 left, &h);
			return r->done = st;
		}
		if (st == HPCAP_REC_END)
			return r->done = HPCAP_RAW_END;
		rec->sec = h.sec;
		rec->nsec = h.nsec;
		rec->caplen = h.caplen;
		rec->len = h.len;
		rec->offset = off;
		rec->data = r->buf + r->pos + HPCAP_RAW_HDR_LEN;
		r->pos += HPCAP_RAW_HDR_LEN + h.caplen;
		if (st == HPCAP_REC_FRAME)
			return HPCAP_RAW_FRAME;
		if (st == HPCAP_REC_LEAD)
			r->lead_pad = HPCAP_RAW_HDR_LEN + h.caplen;
		if (r->flags & HPCAP_RAW_SHOW_PADDING)
			return HPCAP_RAW_PADDING;
		if (st == HPCAP_REC_LEAD)
			continue;
		return r->done = HPCAP_RAW_END;
	}
}

uint64_t hpcap_raw_file_size(const struct hpcap_raw_reader *r)
{
	return r->size;
}

uint64_t hpcap_raw_offset(const struct hpcap_raw_reader *r)
{
	return r->buf_off + r->pos;
}

uint32_t hpcap_raw_lead_padding(const struct hpcap_raw_reader *r)
{
	return r->lead_pad;
}

const char *hpcap_raw_geterr(const struct hpcap_raw_reader *r)
{
	return r->err;
}

void hpcap_raw_close(struct hpcap_raw_reader *r)
{
	if (!r)
		return;
	if (r->own_fd && r->fd >= 0)
		close(r->fd);
	free(r->buf);
	free(r);
}
