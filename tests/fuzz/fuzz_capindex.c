// SPDX-License-Identifier: BSD-3-Clause
/*
 * fuzz_capindex.c - libFuzzer target for the capture index (FILE.idx,
 * doc/index-format.md) and what feeds it:
 *  - the bytes as an index, once as they are and once with their length
 *    and CRC fields made right (so the checks behind the CRC are reached):
 *    the decoder must refuse or accept, never crash; what it accepts must
 *    encode back to the same bytes;
 *  - the bytes as a capture file (RAW, pcap or pcapng): capscan must walk
 *    it inside the file, the index built from it must decode back to
 *    itself;
 *  - the bytes as an index file read for its sets alone
 *    (capindex_read_sets(), version 2's sets CRC): never a crash, and what
 *    it accepts from an index the full decoder accepts is the same sets;
 *  - the bytes as a filter expression, asked of both indexes.
 */
#define _GNU_SOURCE
#include "file/capindex.h"
#include "file/capscan.h"
#include "file/idxfilter.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned sink;

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Decode; if accepted, the encoding must give the same bytes back. */
static void round_trip(const uint8_t *b, size_t n, struct idxfilter *f)
{
	char eb[HPCAP_ERRBUF_SIZE];
	struct capindex ix;
	uint8_t *again;
	size_t len;

	if (capindex_decode(&ix, b, n, eb))
		return;
	if (capindex_encode(&ix, &again, &len))
		abort();
	if (len != n || memcmp(again, b, n))
		abort();
	free(again);
	sink += (unsigned)idxfilter_may_match(f, &ix);
	capindex_free(&ix);
}

static void as_capture(const uint8_t *data, size_t size, struct idxfilter *f)
{
	char path[64], eb[HPCAP_ERRBUF_SIZE];
	struct capindex ix;
	uint8_t *enc;
	size_t len;
	int fd = memfd_create("fuzz", 0), r;

	if (fd < 0)
		return;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = capindex_build(&ix, path, eb);
	close(fd);
	if (r < 0)
		return;
	if (ix.n_seg && !(ix.flags & CAPINDEX_F_ZSTD) &&
	    ix.seg[ix.n_seg - 1].off >= size)
		abort();
	if (capindex_encode(&ix, &enc, &len))
		abort();
	capindex_free(&ix);
	round_trip(enc, len, f);
	if (capindex_decode(&ix, enc, len, eb))
		abort();	/* what was built must be accepted */
	capindex_free(&ix);
	free(enc);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* The sets read from a file = the sets of the full decode, if both accept. */
static void sets_alone(const uint8_t *b, size_t n)
{
	char path[64], eb[HPCAP_ERRBUF_SIZE];
	struct capindex sets, full;
	int fd = memfd_create("fuzzidx", 0), rs, rf;

	if (fd < 0)
		return;
	if (write(fd, b, n) != (ssize_t)n) {
		close(fd);
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rs = capindex_read_sets(&sets, path, eb);
	close(fd);
	rf = capindex_decode(&full, b, n, eb);
	if (!rs && !rf &&
	    (sets.n_v4 != full.n_v4 || sets.n_v6 != full.n_v6 ||
	     sets.first_ns != full.first_ns || sets.last_ns != full.last_ns ||
	     memcmp(sets.ports, full.ports, sizeof(full.ports)) ||
	     memcmp(sets.v4, full.v4, (size_t)full.n_v4 * 4) ||
	     memcmp(sets.v6, full.v6, (size_t)full.n_v6 * 16)))
		abort();
	if (!rs)
		capindex_free(&sets);
	if (!rf)
		capindex_free(&full);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct idxfilter *f = NULL;
	char expr[256];
	size_t n = size < sizeof(expr) - 1 ? size : sizeof(expr) - 1;
	uint8_t *fixed;

	memcpy(expr, data, n);
	expr[n] = 0;
	if (idxfilter_parse(&f, expr))
		return 0;
	round_trip(data, size, f);
	if (size >= 96 + 4) {
		fixed = malloc(size);
		if (!fixed)
			abort();
		memcpy(fixed, data, size);
		put64(fixed + 80, size);
		if (fixed[8] == 2 && fixed[9] == 0) {
			/* version 2: the sets' own CRC too */
			uint64_t end = 96 + 8736 + 4 * (uint64_t)get32(fixed + 24) +
				       16 * (uint64_t)get32(fixed + 28);

			if (end + 8 <= size)
				put32(fixed + end,
				      capindex_crc32(0, fixed + 96, end - 96));
		}
		put32(fixed + 76, capindex_header_crc(fixed));
		put32(fixed + size - 4, capindex_crc32(0, fixed, size - 4));
		round_trip(fixed, size, f);
		sets_alone(fixed, size);
		free(fixed);
	}
	as_capture(data, size, f);
	idxfilter_free(f);
	return 0;
}
