/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * hpcap_framing.h - the file-framing rules of the RAW stream, as pure
 * functions, shared by every producer (kernel capture sources, pcap2raw,
 * the replay tool) and every consumer that opens or closes files itself
 * (hpcapdd, checkraw -f).  One copy of the rules, so they cannot drift.
 *
 * The rule: a record of rec_len bytes is placed at stream position pos only
 * if it and one more padding header fit in what is left of the current
 * file; otherwise the rest of the file becomes one padding record and the
 * record opens the next file.  So a file never ends without a padding
 * record, and a padding record never needs more than 16 bits of length.
 */
#ifndef HPCAP_FRAMING_H
#define HPCAP_FRAMING_H

#include "hpcap.h"

#ifdef __KERNEL__
#include <asm/byteorder.h>
#else
#include <endian.h>
#endif

/* Bytes left in the file that stream position pos falls in (1..file_size). */
static inline __u64 hpcap_file_room(__u64 pos, __u64 file_size)
{
	return file_size - pos % file_size;
}

/*
 * Bytes of padding (header included) to write before a record of rec_len
 * bytes, at stream position pos or with room bytes left in the file: 0 when the record fits in the current file, otherwise all
 * that is left of the file (always >= HPCAP_RAW_HDR_LEN, because no record
 * is ever placed without leaving room for a padding header).
 */
static inline __u64 hpcap_pad_for_room(__u64 room, __u32 rec_len)
{
	return (__u64)rec_len + HPCAP_RAW_HDR_LEN <= room ? 0 : room;
}

static inline __u64 hpcap_pad_before(__u64 pos, __u64 file_size,
				     __u32 rec_len)
{
	return hpcap_pad_for_room(hpcap_file_room(pos, file_size), rec_len);
}

/* Whether a record of rec_len bytes fits in a file at all. */
static inline int hpcap_record_fits_file(__u64 file_size, __u32 rec_len)
{
	return (__u64)rec_len + HPCAP_RAW_HDR_LEN <= file_size;
}

/* Fill the header of a padding record that spans total bytes (>= 12). */
static inline void hpcap_padding_hdr(struct hpcap_raw_hdr *h, __u32 total)
{
	__u16 payload = (__u16)(total - HPCAP_RAW_HDR_LEN);

	h->sec = 0;
	h->nsec = 0;
#ifdef __KERNEL__
	h->caplen = cpu_to_le16(payload);
	h->len = cpu_to_le16(payload);
#else
	h->caplen = (__le16)htole16(payload);
	h->len = (__le16)htole16(payload);
#endif
}

/*
 * Size (header included) of the padding that opens a file whose first
 * record is at stream position pos, so that every later stream position p
 * sits at a file offset congruent to p modulo align (O_DIRECT writes can
 * then go straight from the buffer).  0 when pos is already aligned.
 */
static inline __u32 hpcap_lead_pad(__u64 pos, __u32 align)
{
	__u32 r = (__u32)(pos % align);

	if (r == 0)
		return 0;
	return r >= HPCAP_RAW_HDR_LEN ? r : r + align;
}

/*
 * Size (header included) of the padding that closes a file of file_len
 * bytes early (capture stopped, or the consumer splits files itself) so
 * that the file length becomes a multiple of align.
 */
static inline __u32 hpcap_close_pad(__u64 file_len, __u32 align)
{
	__u32 t = align - (__u32)(file_len % align);

	return t >= HPCAP_RAW_HDR_LEN ? t : t + align;
}

#endif /* HPCAP_FRAMING_H */
