/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * outfile.h - buffered output to a file or stdout in large blocks, with
 * O_DIRECT for regular files: on these machines buffered writes to disk
 * reach ~0.3 GB/s while aligned O_DIRECT writes reach ~1.3 GB/s.
 * Private to libhpcap.
 */
#ifndef HPCAP_OUTFILE_H
#define HPCAP_OUTFILE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "libhpcap.h"

#define OUTFILE_ALIGN 4096u
#define OUTFILE_BUF_SIZE (4u << 20)

struct outfile {
	int fd;
	int direct;		/* O_DIRECT currently set on fd */
	int own_fd;		/* fd was opened here (not stdout) */
	uint8_t *buf;		/* OUTFILE_ALIGN-aligned */
	size_t fill;
	uint64_t written;	/* bytes handed to the kernel */
	int failed;		/* a write failed: refuse further output */
	/* Optional (set after opening): every byte handed to the kernel goes
	 * to hash(), in order, so a digest is that of the file; and
	 * outfile_close() flushes the data to the disk before closing. */
	void (*hash)(void *ctx, const void *p, size_t n);
	void *hash_ctx;
	/* Optional, with hash: hash() only queues the bytes for another
	 * thread, and hash_wait(ctx, upto) returns once every byte before
	 * file offset upto is hashed.  The output then has two buffers: one
	 * is filled while the other's written bytes are hashed, and neither
	 * is reused or freed before its bytes are hashed.  (Bytes given to
	 * outfile_write() must stay until hashed too: the caller's duty.) */
	void (*hash_wait)(void *ctx, uint64_t upto);
	uint8_t *buf2;		/* the other buffer (with hash_wait) */
	int sync_on_close;
	char path[512];
	char err[HPCAP_ERRBUF_SIZE];
};

/* Create (truncate) path, or use stdout for "-". 0 or negative errno. */
int outfile_open(struct outfile *o, const char *path);

/* Use an open descriptor (closed by outfile_close); name for messages. */
int outfile_fdopen(struct outfile *o, int fd, const char *name);

/* Write out whatever can be written while keeping alignment. */
int outfile_drain(struct outfile *o);

/*
 * Room for n (<= OUTFILE_BUF_SIZE) contiguous bytes; returns where to put
 * them, or NULL after a write error (message in o->err).
 */
static inline uint8_t *outfile_reserve(struct outfile *o, size_t n)
{
	if (o->fill + n > OUTFILE_BUF_SIZE && outfile_drain(o) < 0)
		return NULL;
	return o->buf + o->fill;
}

static inline void outfile_commit(struct outfile *o, size_t n)
{
	o->fill += n;
}

/* Copy n bytes (any size) into the output. */
int outfile_put(struct outfile *o, const void *p, size_t n);

/*
 * Write n bytes straight from p, after what is buffered, without copying
 * them (the block copier's zero-copy path).  With O_DIRECT, p, n and the
 * file offset should be multiples of OUTFILE_ALIGN; a file system that
 * refuses carries on through the page cache.  0 or negative errno.
 */
int outfile_write(struct outfile *o, const void *p, size_t n);

/* Total bytes accepted so far (written + buffered). */
static inline uint64_t outfile_size(const struct outfile *o)
{
	return o->written + o->fill;
}

/* Write everything, close. 0 or negative errno (message in o->err). */
int outfile_close(struct outfile *o);

/* Close without caring about errors (cleanup after a failure). */
void outfile_abort(struct outfile *o);

#endif /* HPCAP_OUTFILE_H */
