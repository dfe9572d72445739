/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * capindex.h - the sidecar index of one capture file (FILE.idx; the
 * format is doc/index-format.md): its time range and frame count, a table
 * of segments (record offset, first frame, earliest and latest time; a new
 * segment at least every millisecond of traffic or every 4096 frames) and
 * the sets of IPv4/IPv6 addresses, L4 ports, IP protocols and VLAN ids its
 * frames carry, exact (sorted arrays and bitmaps), so "may this file hold
 * a frame matching X" never answers no wrongly.  Private to libhpcap and
 * its tools.
 */
#ifndef HPCAP_CAPINDEX_H
#define HPCAP_CAPINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "libhpcap.h"

#define CAPINDEX_MAGIC "HPCAPIDX"
#define CAPINDEX_VERSION 3	/* written; versions 1 and 2 are still read */
#define CAPINDEX_HDR_LEN 96u
#define CAPINDEX_SEG_NS UINT64_C(1000000)	/* 1 ms */
#define CAPINDEX_SEG_FRAMES 4096u
/* Version 2: a segment closes on time only once it holds this many bytes
 * of the data file (reading them costs less than a table entry does at
 * low rates, where the 1 ms rule made a segment of every frame or two). */
#define CAPINDEX_SEG_BYTES 65536u
/* Past these many distinct addresses the set is dropped and marked
 * "overflowed" (it then answers "maybe" for every address). */
#define CAPINDEX_MAX_V4 (1u << 20)
#define CAPINDEX_MAX_V6 (1u << 18)
/* Version 3: each segment's addresses in a Bloom filter of this many bits
 * per distinct address and CAPINDEX_BLOOM_K probes (about 1 % false
 * positives), so a host query reads only the segments that may hold it. */
#define CAPINDEX_BLOOM_BITS 10u
#define CAPINDEX_BLOOM_K 7u

#define CAPINDEX_F_V4_ALL 1u	/* the IPv4 set overflowed */
#define CAPINDEX_F_V6_ALL 2u	/* the IPv6 set overflowed */
#define CAPINDEX_F_DAMAGED 4u	/* the data file is damaged: indexed up to
				 * the damage (data_size is where) */
#define CAPINDEX_F_ZSTD 8u	/* the data file is zstd-compressed: segment
				 * offsets count in its decompressed content */

struct capindex_seg {
	uint64_t off;		/* record offset of its first frame */
	uint64_t frame;		/* number of its first frame (from 0) */
	uint64_t min_ns, max_ns;
	/* Version 3: its address filter, words [filt_off, filt_off +
	 * filt_words) of capindex.filt; 0 words: none (any address may be
	 * there). */
	uint32_t filt_off, filt_words;
};

struct capindex {
	uint32_t version;	/* as read; 0 (the current one) when built */
	uint32_t fmt;		/* enum capscan_fmt */
	uint32_t flags;
	uint64_t data_size;	/* size of the data file indexed */
	uint64_t data_check;	/* capindex_data_check() of that file */
	uint64_t frames;
	uint64_t first_ns, last_ns;	/* earliest and latest frame */
	uint8_t protos[32];	/* bitmaps: IP protocol numbers */
	uint8_t vlans[512];	/* VLAN ids (either tag) */
	uint8_t ports[8192];	/* TCP/UDP/SCTP ports, source or destination */
	struct capindex_seg *seg;
	uint32_t n_seg, cap_seg;
	uint8_t *v4;		/* sorted, 4 bytes each, network order */
	uint32_t n_v4, cap_v4, sorted_v4;
	uint8_t *v6;		/* sorted, 16 bytes each */
	uint32_t n_v6, cap_v6, sorted_v6;
	uint64_t *filt;		/* version 3: the segments' Bloom filters */
	uint64_t n_filt, cap_filt;	/* in 64-bit words */
	/* building */
	uint64_t seg_first_ns;
	uint64_t *keys;		/* hashes of the open segment's addresses */
	uint32_t n_keys, cap_keys;
	int err;		/* out of memory while adding */
};

void capindex_init(struct capindex *ix);
void capindex_free(struct capindex *ix);

/* Add one frame (its record offset, time and bytes) while building. */
void capindex_add(struct capindex *ix, uint64_t off, uint64_t ts_ns,
		  const uint8_t *data, uint32_t caplen);

/* Sort and deduplicate the sets; 0 or -ENOMEM. */
int capindex_finish(struct capindex *ix);

/*
 * Index the capture file at path (RAW, pcap or pcapng, or any of them
 * zstd-compressed: offsets then count in the decompressed content, and
 * data_size and data_check describe the compressed file).  A damaged file
 * is indexed up to the damage (CAPINDEX_F_DAMAGED), with the reason in
 * errbuf and a return of 1; 0 when whole; negative when it cannot be read.
 */
int capindex_build(struct capindex *ix, const char *path, char *errbuf);

/* The encoded index into a malloc'ed buffer; 0 or -ENOMEM. */
int capindex_encode(const struct capindex *ix, uint8_t **buf, size_t *len);

/* Decode and check (magic, version, lengths, CRC, sorted sets) an encoded
 * index; 0 or -EINVAL with the reason in errbuf. */
int capindex_decode(struct capindex *ix, const uint8_t *buf, size_t len,
		    char *errbuf);

/* Write to path (through path.tmp and a rename); read and decode. */
int capindex_write(const struct capindex *ix, const char *path,
		   char *errbuf);
int capindex_read(struct capindex *ix, const char *path, char *errbuf);

/*
 * What tells one data file from another of the same size (a copied or
 * replaced file): CRC-32 of its first 4 KiB in the low half, of its last
 * 4 KiB in the high half.  From a mapping, or read from a file.
 */
uint64_t capindex_data_check(const uint8_t *data, uint64_t size);
int capindex_data_check_file(const char *path, uint64_t *size,
			     uint64_t *check, char *errbuf);

/* Whether the index describes the data file at path as it is now: 0, or
 * -ESTALE with the reason in errbuf (or another negative code). */
int capindex_matches(const struct capindex *ix, const char *path,
		     char *errbuf);

/* The header alone (96 bytes, checked by its own CRC): time range, frame
 * count, data size and check, flags; no segments or sets.  Enough to skip
 * a file by time without reading the rest. */
int capindex_read_header(struct capindex *ix, const char *path, char *errbuf);
/* The header and the sets (bitmaps, addresses), no segments: enough to
 * answer the capindex_has_*() questions.  Version 2 keeps the sets before
 * the segment table under their own CRC, so this reads only them; for a
 * version 1 index it reads the whole file. */
int capindex_read_sets(struct capindex *ix, const char *path, char *errbuf);
uint32_t capindex_header_crc(const uint8_t *hdr);

/* The index path of a data file: "<data>.idx". */
void capindex_path(char *buf, size_t n, const char *data);

/* Whether the file may hold such a frame (1) or surely does not (0). */
int capindex_has_v4(const struct capindex *ix, const uint8_t a[4],
		    unsigned prefix);
int capindex_has_v6(const struct capindex *ix, const uint8_t a[16],
		    unsigned prefix);
int capindex_has_port(const struct capindex *ix, uint16_t port);
int capindex_has_proto(const struct capindex *ix, uint8_t proto);
int capindex_has_vlan(const struct capindex *ix, uint16_t vid);
/* Whether segment seg may hold a frame with this whole address (a /32 or
 * /128: the filter holds addresses, not prefixes), by its Bloom filter;
 * 1 when the segment has none.  Ask the file's sets first. */
int capindex_seg_may_have(const struct capindex *ix, uint32_t seg,
			  const uint8_t *a, size_t alen);

/* CRC-32 (IEEE 802.3, as zlib's crc32()). */
uint32_t capindex_crc32(uint32_t crc, const void *p, size_t n);

#endif /* HPCAP_CAPINDEX_H */
