/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * idxq.h - FILE.idx from the capture buffer, on a thread beside the block
 * copier.  The copier hands over each file's stream bytes (pointers into
 * the capture buffer, in stream order) as it writes them; the thread reads
 * the record headers and frames from there, so the file is never read
 * back from the disk.
 *
 * The bytes must stay in the capture buffer until idxq_pending() no longer
 * reports them, but the index must never hold the capture back: when it
 * falls further behind than the copier allows, the copier calls
 * idxq_drop_before(), and the files whose bytes are dropped go to the
 * read-back indexer (hpcap_indexer_submit(): indexed from the disk if it
 * has room, else counted as skipped and named).  So does a file whose
 * stream does not read as the producer writes it: the read-back indexer
 * reports the damage as hpcap-index would.
 * Private to libhpcap.
 */
#ifndef HPCAP_IDXQ_H
#define HPCAP_IDXQ_H

#include <stddef.h>
#include <stdint.h>

#include "libhpcap_pipeline.h"

struct idxq;

/* Start the thread; what becomes of each file is counted and reported by
 * ix (hpcap_indexer_counts(), hpcap_indexer_poll()).  0 or a negative
 * code (message in errbuf). */
int idxq_open(struct idxq **q, struct hpcap_indexer *ix, char *errbuf);

/* A file opens: its first stream byte, at stream position pos, lands at
 * file offset lead (after the copier's leading padding). */
void idxq_begin(struct idxq *q, uint64_t pos, uint64_t lead);

/* n stream bytes at p, from stream position pos, of the open file (in
 * stream order, no gap).  Never waits for the thread: with no room left
 * the pieces queued are dropped first. */
void idxq_add(struct idxq *q, const void *p, size_t n, uint64_t pos);

/* The open file is complete at path: size bytes, capindex_data_check()
 * check.  Never waits. */
void idxq_end(struct idxq *q, const char *path, uint64_t size,
	      uint64_t check);

/* The open file will not be completed (an error): forget it. */
void idxq_forget(struct idxq *q);

/* 1 with *pos the stream position of the oldest piece the thread still
 * needs, or 0 when it needs none. */
int idxq_pending(struct idxq *q, uint64_t *pos);

/* Give up the pieces that start before pos (their files get no index)
 * and return once the thread no longer reads them: at most the time of
 * one record. */
void idxq_drop_before(struct idxq *q, uint64_t pos);

/* Wait until the oldest piece is done, or ms milliseconds. */
void idxq_wait_progress(struct idxq *q, unsigned ms);

/* Index every file whose end was handed over, then stop and free. */
void idxq_close(struct idxq *q);

#endif
