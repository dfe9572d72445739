/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * capfmt.h - the bytes of pcap and pcapng files (file header, one record
 * per frame), shared by libhpcap's pcap writer and the capture pipeline.
 * Private to libhpcap.
 *
 * pcap: 24-byte file header, then a 16-byte header per frame.
 * pcapng: Section Header Block, one Interface Description Block carrying
 * if_tsresol = 9 (nanoseconds), then one Enhanced Packet Block per frame
 * (28 bytes of fields, data padded to 32 bits, trailing length).
 */
#ifndef HPCAP_CAPFMT_H
#define HPCAP_CAPFMT_H

#include <endian.h>
#include <stdint.h>
#include <string.h>

#include "libhpcap.h"

#define PCAP_MAGIC_USEC 0xa1b2c3d4u
#define PCAP_MAGIC_NSEC 0xa1b23c4du
#define PCAPNG_SHB 0x0a0d0d0au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_BYTE_ORDER 0x1a2b3c4du
#define PCAPNG_OPT_TSRESOL 9u
#define PCAPNG_OPT_END 0u
/* Largest file header (pcapng SHB + IDB). */
#define CAPFMT_HDR_MAX 64u

static inline void capfmt_put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static inline void capfmt_put16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, 2);
}

/* The file header into b (CAPFMT_HDR_MAX bytes), for frames of the given
 * link type (the number written in files); returns its length. */
static inline size_t capfmt_file_header_lt(uint8_t *b,
					   enum hpcap_pcap_format format,
					   uint32_t snaplen, uint32_t linktype)
{
	memset(b, 0, CAPFMT_HDR_MAX);
	if (format != HPCAP_PCAPNG) {
		capfmt_put32(b, format == HPCAP_PCAP_USEC ? PCAP_MAGIC_USEC
							  : PCAP_MAGIC_NSEC);
		capfmt_put16(b + 4, 2);
		capfmt_put16(b + 6, 4);
		/* thiszone, sigfigs: 0 */
		capfmt_put32(b + 16, snaplen);
		capfmt_put32(b + 20, linktype);
		return 24;
	}
	/* SHB: type, length, byte-order magic, version 1.0, section length
	 * -1 (unknown), no options, length again. */
	capfmt_put32(b, PCAPNG_SHB);
	capfmt_put32(b + 4, 28);
	capfmt_put32(b + 8, PCAPNG_BYTE_ORDER);
	capfmt_put16(b + 12, 1);
	capfmt_put16(b + 14, 0);
	memset(b + 16, 0xff, 8);
	capfmt_put32(b + 24, 28);
	/* IDB: linktype, reserved, snaplen, if_tsresol = 9, end. */
	capfmt_put32(b + 28, PCAPNG_IDB);
	capfmt_put32(b + 32, 32);
	capfmt_put16(b + 36, (uint16_t)linktype);
	capfmt_put32(b + 40, snaplen);
	capfmt_put16(b + 44, PCAPNG_OPT_TSRESOL);
	capfmt_put16(b + 46, 1);
	b[48] = 9;	/* 10^-9 s, value padded to 4 bytes */
	capfmt_put16(b + 52, PCAPNG_OPT_END);
	capfmt_put16(b + 54, 0);
	capfmt_put32(b + 56, 32);
	return 60;
}

/* The file header of Ethernet frames. */
static inline size_t capfmt_file_header(uint8_t *b,
					enum hpcap_pcap_format format,
					uint32_t snaplen)
{
	return capfmt_file_header_lt(b, format, snaplen,
				     HPCAP_LINKTYPE_ETHERNET);
}

/* Bytes of the record of a frame of caplen bytes. */
static inline size_t capfmt_record_len(enum hpcap_pcap_format format,
				       uint32_t caplen)
{
	if (format != HPCAP_PCAPNG)
		return 16 + (size_t)caplen;
	return 32 + (size_t)((caplen + 3) & ~3u);
}

/* The record into p (capfmt_record_len() bytes). */
static inline void capfmt_record(uint8_t *p, enum hpcap_pcap_format format,
				 uint32_t sec, uint32_t nsec, uint32_t caplen,
				 uint32_t len, const uint8_t *data)
{
	if (format != HPCAP_PCAPNG) {
		capfmt_put32(p, sec);
		capfmt_put32(p + 4, format == HPCAP_PCAP_USEC ? nsec / 1000
							       : nsec);
		capfmt_put32(p + 8, caplen);
		capfmt_put32(p + 12, len);
		memcpy(p + 16, data, caplen);
	} else {
		uint32_t padded = (caplen + 3) & ~3u;
		uint32_t total = 32 + padded;
		uint64_t ts = (uint64_t)sec * 1000000000u + nsec;

		capfmt_put32(p, PCAPNG_EPB);
		capfmt_put32(p + 4, total);
		capfmt_put32(p + 8, 0); /* interface 0 */
		capfmt_put32(p + 12, (uint32_t)(ts >> 32));
		capfmt_put32(p + 16, (uint32_t)ts);
		capfmt_put32(p + 20, caplen);
		capfmt_put32(p + 24, len);
		memcpy(p + 28, data, caplen);
		memset(p + 28 + caplen, 0, padded - caplen);
		capfmt_put32(p + 28 + padded, total);
	}
}

#endif /* HPCAP_CAPFMT_H */
