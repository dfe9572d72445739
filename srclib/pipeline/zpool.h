/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * zpool.h - zstd frames compressed by a pool of worker threads, handed
 * back in the order they were submitted.
 *
 * The seekable writer's frames are independent, so N threads can compress
 * N of them at once; each worker has its own ZSTD_CCtx with the same
 * parameters, and libzstd's output depends only on those and the input,
 * so the bytes are the same whichever thread compressed a frame and
 * however many there are.  A fixed ring of slots (an input buffer and an
 * output buffer each) bounds the memory: the writer fills the newest slot
 * while the workers compress the ones before it and the oldest done ones
 * wait to be written.  When every slot is busy (zpool_full()) the writer
 * waits for the oldest frame and writes it before it fills another: it
 * stops taking frames from the capture buffer meanwhile, where the
 * producer counts what it cannot store (back-pressure, never a drop
 * here).
 *
 * Only one thread (the writer) calls these functions.
 * Private to libhpcap.
 */
#ifndef HPCAP_ZPOOL_H
#define HPCAP_ZPOOL_H

#include <stddef.h>
#include <stdint.h>

struct zpool;

/* A compressed frame, oldest first (zpool_take()). */
struct zpool_frame {
	const uint8_t *data;	/* compressed bytes */
	size_t c_size;
	size_t d_size;		/* its content's size */
	const char *err;	/* libzstd refused it (data NULL) */
};

/*
 * Start threads workers, compressing at level with checksums (0/1) into
 * frames of up to in_cap bytes.  cpus: pin worker i to the i-th CPU of
 * the mask (round robin; 0: no pinning).  0 or a negative code (message in
 * errbuf).
 */
int zpool_open(struct zpool **z, unsigned threads, uint64_t cpus, int level,
	       int checksums, size_t in_cap, char *errbuf);

/* Whether every slot is taken: zpool_take(z, 1, ...) and write the oldest
 * frame out before zpool_next(). */
int zpool_full(const struct zpool *z);

/* The input buffer to fill next (in_cap bytes); not when zpool_full(). */
uint8_t *zpool_next(struct zpool *z);

/* The buffer from zpool_next() holds n bytes: compress it. */
void zpool_submit(struct zpool *z, size_t n);

/*
 * The oldest submitted frame, if it is compressed (wait: wait for it).
 * 1 with *f filled (valid until zpool_release()), 0 if none is ready (or
 * none is submitted).  Then zpool_release() before the next take.
 */
int zpool_take(struct zpool *z, int wait, struct zpool_frame *f);
void zpool_release(struct zpool *z);

/* Frames submitted and not yet released. */
unsigned zpool_in_flight(const struct zpool *z);

/* Stop the workers (after the frame each is on) and free. */
void zpool_close(struct zpool *z);

#endif
