/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * hpcap_record.h - the RAW record codec: how one record is read from its
 * 12 header bytes and how one is written, as small pure functions shared
 * by the kernel producer and every userspace reader and writer (libhpcap's
 * file reader and writers, the live queue reader, libmgmon's mapped
 * reader, the per-frame pipeline, hpcapdd, checkraw).  Beside
 * hpcap_framing.h, which says where records go; this says what one is.
 *
 * The format (hpcap.h): a 12-byte little-endian header (sec, nsec,
 * caplen, len) then caplen bytes of frame, no alignment.  sec == nsec == 0
 * marks a padding record, whose caplen == len counts the bytes after its
 * header.  A padding record at offset 0 of a file opens it; anywhere else
 * it closes the file.
 */
#ifndef HPCAP_RECORD_H
#define HPCAP_RECORD_H

#include "hpcap.h"

#ifdef __KERNEL__
#include <asm/byteorder.h>
#define HPCAP_REC_LE16(x) le16_to_cpu(x)
#define HPCAP_REC_LE32(x) le32_to_cpu(x)
#define HPCAP_REC_TO_LE16(x) cpu_to_le16(x)
#define HPCAP_REC_TO_LE32(x) cpu_to_le32(x)
#else
/* The compiler's byte order, not <endian.h>: this header needs no
 * feature macro (le16toh() is not C11). */
#include <stdio.h>
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HPCAP_REC_LE16(x) ((__u16)(x))
#define HPCAP_REC_LE32(x) ((__u32)(x))
#define HPCAP_REC_TO_LE16(x) ((__le16)(x))
#define HPCAP_REC_TO_LE32(x) ((__le32)(x))
#else
#define HPCAP_REC_LE16(x) __builtin_bswap16(x)
#define HPCAP_REC_LE32(x) __builtin_bswap32(x)
#define HPCAP_REC_TO_LE16(x) ((__le16)__builtin_bswap16(x))
#define HPCAP_REC_TO_LE32(x) ((__le32)__builtin_bswap32(x))
#endif
#endif

/* ------------------------------------------------------------------------ */
/* Decoding                                                                 */
/* ------------------------------------------------------------------------ */

/* One record header in host byte order. */
struct hpcap_rec {
	__u32 sec;
	__u32 nsec;
	__u16 caplen;
	__u16 len;
};

/* Bytes of the record whose header starts at hdr, header included: the
 * step of a walk along the record chain. */
static inline __u32 hpcap_rec_size(const void *hdr)
{
	const struct hpcap_raw_hdr *h = hdr;

	return HPCAP_RAW_HDR_LEN + HPCAP_REC_LE16(h->caplen);
}

/* Whether the header at hdr is a frame's (a padding record's is zero
 * time); the byte order does not matter for a test against zero. */
static inline int hpcap_rec_is_frame(const void *hdr)
{
	const struct hpcap_raw_hdr *h = hdr;

	return (h->sec | h->nsec) != 0;
}

/* Decode the header at hdr into *r. */
static inline void hpcap_rec_decode(const void *hdr, struct hpcap_rec *r)
{
	const struct hpcap_raw_hdr *h = hdr;

	r->sec = HPCAP_REC_LE32(h->sec);
	r->nsec = HPCAP_REC_LE32(h->nsec);
	r->caplen = HPCAP_REC_LE16(h->caplen);
	r->len = HPCAP_REC_LE16(h->len);
}

/*
 * Whether a decoded header could have been written by a producer: a
 * padding record has caplen == len; a frame has nanoseconds below 1e9 and
 * caplen not above len.  What checkraw calls a corrupt, not a cut, file.
 */
static inline int hpcap_rec_sane(const struct hpcap_rec *r)
{
	if (!r->sec && !r->nsec)
		return r->caplen == r->len;
	return r->nsec < HPCAP_NSEC_PER_SEC && r->caplen <= r->len;
}

/* What the next record of a file is (hpcap_rec_next()). */
enum hpcap_rec_status {
	/* The end of a file that is only its opening padding: complete. */
	HPCAP_REC_END = 0,
	HPCAP_REC_FRAME = 1,	/* a frame */
	HPCAP_REC_LEAD = 2,	/* the padding that opens the file (offset 0) */
	HPCAP_REC_CLOSE = 3,	/* the closing padding: the file is complete */
	/* The file ends where a record header should start, with no
	 * closing padding (the values are libhpcap's codes for them). */
	HPCAP_REC_NOPAD = -1001,
	/* The record (its header, or its data) is cut by the end of file. */
	HPCAP_REC_CUT = -1000,
};

/*
 * The reading rules of a RAW file, one record at a time.  p: the record at
 * file offset off, with left bytes of the file from there on (the caller
 * has made all of them readable, or the whole record); lead_pad: size of
 * the padding that opened the file (0: none), which a padding-only file
 * ends right after.  Fills *r when the header is whole.
 */
static inline int hpcap_rec_next(const void *p, __u64 off, __u64 left,
				 __u32 lead_pad, struct hpcap_rec *r)
{
	if (__builtin_expect(left < HPCAP_RAW_HDR_LEN, 0)) {
		if (left)
			return HPCAP_REC_CUT;
		/* A file that is only a padding record is complete. */
		return lead_pad && off == lead_pad ? HPCAP_REC_END
						   : HPCAP_REC_NOPAD;
	}
	hpcap_rec_decode(p, r);
	if (__builtin_expect(left - HPCAP_RAW_HDR_LEN < r->caplen, 0))
		return HPCAP_REC_CUT;
	if (__builtin_expect(r->sec || r->nsec, 1))
		return HPCAP_REC_FRAME;
	return off == 0 ? HPCAP_REC_LEAD : HPCAP_REC_CLOSE;
}

/* ------------------------------------------------------------------------ */
/* Encoding                                                                 */
/* ------------------------------------------------------------------------ */

/*
 * The clamp of a frame to what a record can hold: caplen at most
 * HPCAP_MAX_CAPLEN (so a closing padding always fits its 16-bit length),
 * len at most HPCAP_MAX_LEN and never below caplen.  Returns 1 if the
 * frame's caplen or len had to be cut, else 0.
 */
static inline int hpcap_rec_clamp(__u32 *caplen, __u32 *len)
{
	int cut = *caplen > HPCAP_MAX_CAPLEN || *len > HPCAP_MAX_LEN;

	if (*caplen > HPCAP_MAX_CAPLEN)
		*caplen = HPCAP_MAX_CAPLEN;
	if (*len > HPCAP_MAX_LEN)
		*len = HPCAP_MAX_LEN;
	if (*caplen > *len)
		*len = *caplen;
	return cut;
}

/*
 * The nanoseconds a frame stamped sec.nsec is written with: a frame
 * stamped 0.000000000 gets 0.000000001, as a zero time would read back
 * as padding.
 */
static inline __u32 hpcap_rec_nsec(__u32 sec, __u32 nsec)
{
	return __builtin_expect(!sec && !nsec, 0) ? 1 : nsec;
}

/*
 * Write the header of a frame at hdr (caplen at most HPCAP_MAX_CAPLEN;
 * len is cut to 16 bits here; the time as hpcap_rec_nsec() says).
 */
static inline void hpcap_rec_put(void *hdr, __u32 sec, __u32 nsec,
				 __u32 caplen, __u32 len)
{
	struct hpcap_raw_hdr *h = hdr;

	nsec = hpcap_rec_nsec(sec, nsec);
	h->sec = HPCAP_REC_TO_LE32(sec);
	h->nsec = HPCAP_REC_TO_LE32(nsec);
	h->caplen = HPCAP_REC_TO_LE16((__u16)caplen);
	h->len = HPCAP_REC_TO_LE16((__u16)(len > HPCAP_MAX_LEN ? HPCAP_MAX_LEN
							       : len));
}

#ifndef __KERNEL__
/*
 * The one wording of a reader's error at record offset off (status
 * HPCAP_REC_NOPAD or HPCAP_REC_CUT from hpcap_rec_next() with left bytes
 * left and header r), "name: " first, into buf.  Returns the status.
 */
static inline int hpcap_rec_errmsg(char *buf, size_t n, const char *name,
				   int status, __u64 off, __u64 left,
				   const struct hpcap_rec *r)
{
	if (status == HPCAP_REC_NOPAD)
		snprintf(buf, n, "%s: ends at offset %llu without a closing padding record",
			 name, (unsigned long long)off);
	else if (left < HPCAP_RAW_HDR_LEN)
		snprintf(buf, n, "%s: record header at offset %llu cut by end of file",
			 name, (unsigned long long)off);
	else
		snprintf(buf, n, "%s: record at offset %llu (caplen %u) cut by end of file",
			 name, (unsigned long long)off, r->caplen);
	return status;
}
#endif

#undef HPCAP_REC_LE16
#undef HPCAP_REC_LE32
#undef HPCAP_REC_TO_LE16
#undef HPCAP_REC_TO_LE32

#endif /* HPCAP_RECORD_H */
