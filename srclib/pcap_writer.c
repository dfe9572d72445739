// SPDX-License-Identifier: BSD-3-Clause
/*
 * pcap_writer.c - pcap (ns or us) and pcapng writer.
 *
 * pcap: 24-byte file header, then a 16-byte header per frame.
 * pcapng: Section Header Block, one Interface Description Block carrying
 * if_tsresol = 9 (nanoseconds), then one Enhanced Packet Block per frame
 * (28 bytes of fields, data padded to 32 bits, trailing length).
 */
#define _GNU_SOURCE
#include "libhpcap.h"
#include "outfile.h"

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCAP_MAGIC_USEC 0xa1b2c3d4u
#define PCAP_MAGIC_NSEC 0xa1b23c4du
#define PCAPNG_SHB 0x0a0d0d0au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_BYTE_ORDER 0x1a2b3c4du
#define PCAPNG_OPT_TSRESOL 9u
#define PCAPNG_OPT_END 0u

struct hpcap_pcap_writer {
	struct outfile out;
	enum hpcap_pcap_format format;
	char err[HPCAP_ERRBUF_SIZE];
};

static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void put16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, 2);
}

static int write_file_header(struct hpcap_pcap_writer *w, uint32_t snaplen)
{
	uint8_t b[64] = { 0 };
	size_t n;

	if (w->format != HPCAP_PCAPNG) {
		put32(b, w->format == HPCAP_PCAP_USEC ? PCAP_MAGIC_USEC
						      : PCAP_MAGIC_NSEC);
		put16(b + 4, 2);
		put16(b + 6, 4);
		/* thiszone, sigfigs: 0 */
		put32(b + 16, snaplen);
		put32(b + 20, HPCAP_LINKTYPE_ETHERNET);
		n = 24;
	} else {
		/* SHB: type, length, byte-order magic, version 1.0, section
		 * length -1 (unknown), no options, length again. */
		put32(b, PCAPNG_SHB);
		put32(b + 4, 28);
		put32(b + 8, PCAPNG_BYTE_ORDER);
		put16(b + 12, 1);
		put16(b + 14, 0);
		memset(b + 16, 0xff, 8);
		put32(b + 24, 28);
		/* IDB: linktype, reserved, snaplen, if_tsresol = 9, end. */
		put32(b + 28, PCAPNG_IDB);
		put32(b + 32, 32);
		put16(b + 36, HPCAP_LINKTYPE_ETHERNET);
		put32(b + 40, snaplen);
		put16(b + 44, PCAPNG_OPT_TSRESOL);
		put16(b + 46, 1);
		b[48] = 9;	/* 10^-9 s, value padded to 4 bytes */
		put16(b + 52, PCAPNG_OPT_END);
		put16(b + 54, 0);
		put32(b + 56, 32);
		n = 60;
	}
	return outfile_put(&w->out, b, n);
}

int hpcap_pcap_open(struct hpcap_pcap_writer **wp, const char *path,
		    enum hpcap_pcap_format format, uint32_t snaplen,
		    char *errbuf)
{
	struct hpcap_pcap_writer *w = calloc(1, sizeof(*w));
	int err;

	*wp = NULL;
	if (!w) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		return -ENOMEM;
	}
	w->format = format;
	err = outfile_open(&w->out, path);
	if (err) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "%s", w->out.err);
		free(w);
		return err;
	}
	if (write_file_header(w, snaplen ? snaplen : 65535) < 0) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "%s", w->out.err);
		outfile_abort(&w->out);
		free(w);
		return -EIO;
	}
	*wp = w;
	return 0;
}

int hpcap_pcap_write(struct hpcap_pcap_writer *w, uint32_t sec,
		     uint32_t nsec, uint32_t caplen, uint32_t len,
		     const uint8_t *data)
{
	uint8_t *p;

	if (w->format != HPCAP_PCAPNG) {
		p = outfile_reserve(&w->out, 16 + (size_t)caplen);
		if (!p)
			goto fail;
		put32(p, sec);
		put32(p + 4, w->format == HPCAP_PCAP_USEC ? nsec / 1000 : nsec);
		put32(p + 8, caplen);
		put32(p + 12, len);
		memcpy(p + 16, data, caplen);
		outfile_commit(&w->out, 16 + (size_t)caplen);
	} else {
		uint32_t padded = (caplen + 3) & ~3u;
		uint32_t total = 32 + padded;
		uint64_t ts = (uint64_t)sec * 1000000000u + nsec;

		p = outfile_reserve(&w->out, total);
		if (!p)
			goto fail;
		put32(p, PCAPNG_EPB);
		put32(p + 4, total);
		put32(p + 8, 0); /* interface 0 */
		put32(p + 12, (uint32_t)(ts >> 32));
		put32(p + 16, (uint32_t)ts);
		put32(p + 20, caplen);
		put32(p + 24, len);
		memcpy(p + 28, data, caplen);
		memset(p + 28 + caplen, 0, padded - caplen);
		put32(p + 28 + padded, total);
		outfile_commit(&w->out, total);
	}
	return 0;
fail:
	snprintf(w->err, sizeof(w->err), "%s", w->out.err);
	return -EIO;
}

uint64_t hpcap_pcap_bytes(const struct hpcap_pcap_writer *w)
{
	return outfile_size(&w->out);
}

int hpcap_pcap_close(struct hpcap_pcap_writer *w, char *errbuf)
{
	int err;

	if (!w)
		return 0;
	err = outfile_close(&w->out);
	if (err && errbuf)
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "%s", w->out.err);
	free(w);
	return err;
}

const char *hpcap_pcap_geterr(const struct hpcap_pcap_writer *w)
{
	return w->err;
}
