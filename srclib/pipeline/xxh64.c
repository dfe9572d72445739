// SPDX-License-Identifier: BSD-3-Clause
/*
 * xxh64.c - XXH64 (zstd's frame checksum is its low 32 bits; the seekable
 * format's per-frame checksum too), on libxxhash.  libhpcap had its own;
 * bench/hash-bench measured libxxhash's as fast or faster on the same bytes
 * (bench/RESULTS.md, "hash-bench"), so the maintained one is used.
 */
#include "libhpcap_pipeline.h"

#include <xxhash.h>

uint64_t hpcap_xxh64(const void *p, size_t n, uint64_t seed)
{
	return XXH64(p, n, seed);
}
