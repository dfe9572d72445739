/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * capzst.h - the content of a zstd-compressed capture file, as memory
 * capscan.c walks like any mapped file.  A seekable file (hpcapdd --zstd)
 * gets an address range as large as its content with nothing in it; the
 * frames a read needs are decompressed into place on demand, and the ones
 * the scan has left behind are given back, so memory stays at a few
 * frames whatever the file's size and an index's seek decompresses only
 * the frames it lands in.  A plain zstd stream (the zstd tool's) has no
 * table to seek by: it is decompressed whole when opened.  Private to
 * capscan.c.
 */
#ifndef HPCAP_CAPZST_H
#define HPCAP_CAPZST_H

#include <stdint.h>

struct capscan;

/* zstd's frame magic, as the first four bytes of a file read little-endian. */
#define CAPZST_MAGIC 0xfd2fb528u

/*
 * cs is open on a file that starts with zstd's magic, cs->map its
 * compressed bytes.  Replaces cs->map and cs->size by the content (cs->z
 * set; the compressed bytes unmapped).  0, or a negative code with cs->err
 * set.
 */
int capzst_open(struct capscan *cs);

/*
 * Make content bytes [off, off + len) (clipped to the content) readable
 * through cs->map.  Bytes before off may be given back: a caller keeps no
 * pointer to them.  0, or a negative code with cs->err set (a damaged
 * frame: the file and where).
 */
int capzst_need(struct capscan *cs, uint64_t off, uint64_t len);

/* A plain stream damaged after its content's end (cs->size): the reason
 * into cs->err and 1; else 0. */
int capzst_damaged_end(struct capscan *cs);

void capzst_close(struct capscan *cs);

#endif /* HPCAP_CAPZST_H */
