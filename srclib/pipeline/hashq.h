/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hashq.h - SHA-256 on a thread beside the writer.  The writer hands over
 * (context, bytes) in file order and carries on writing; the thread
 * hashes them in the same order.  The bytes must stay where they are
 * until hashq_pending() no longer reports them (the block copier releases the capture buffer only up to
 * there, so a hash that falls behind holds frames in the capture buffer,
 * where the producer counts what it cannot store: back-pressure, never a
 * silent drop).  A full queue makes hashq_add() wait.
 * Private to libhpcap.
 */
#ifndef HPCAP_HASHQ_H
#define HPCAP_HASHQ_H

#include <stddef.h>
#include <stdint.h>

#include "libhpcap_pipeline.h"

struct hashq;

/* Start the thread, pinned to the first CPU of cpus (bit i: CPU i) when
 * cpus is not 0.  0 or a negative code (message in errbuf). */
int hashq_open(struct hashq **q, uint64_t cpus, char *errbuf);

/* Queue n bytes at p for ctx; pos: their stream position (the start). */
void hashq_add(struct hashq *q, struct hpcap_sha256 *ctx, const void *p,
	       size_t n, uint64_t pos);

/* Wait until everything queued is hashed. */
void hashq_wait(struct hashq *q);

/* Wait until every piece that starts before stream position upto is
 * hashed (pieces are queued in stream order). */
void hashq_wait_upto(struct hashq *q, uint64_t upto);

/* 1 with *pos the stream position of the oldest piece not yet hashed
 * (the bytes before it may be released), or 0 when all are hashed. */
int hashq_pending(struct hashq *q, uint64_t *pos);

/* Wait for the queue, stop the thread, free. */
void hashq_close(struct hashq *q);

#endif
