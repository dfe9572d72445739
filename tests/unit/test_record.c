// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_record.c - the RAW record codec (hpcap_record.h): the bytes a
 * header is written as (golden, by hand), the zero-time rule, the caplen
 * clamp, and what the reading rules make of every kind of record and of
 * every way a file can end.
 */
#define _GNU_SOURCE
#include "check.h"
#include "hpcap_framing.h"
#include "hpcap_record.h"

#include <stdint.h>
#include <string.h>

static void encode(void)
{
	static const uint8_t golden[12] = {
		0x01, 0x02, 0x03, 0x04,		/* sec 0x04030201 */
		0x05, 0x06, 0x07, 0x08,		/* nsec 0x08070605 */
		0x3c, 0x00,			/* caplen 60 */
		0xea, 0x05,			/* len 1514 */
	};
	uint8_t b[12];
	struct hpcap_rec r;
	uint32_t caplen, len;

	hpcap_rec_put(b, 0x04030201u, 0x08070605u, 60, 1514);
	CHECK(!memcmp(b, golden, sizeof(b)));
	CHECK_EQ(hpcap_rec_size(b), 72);
	CHECK(hpcap_rec_is_frame(b));
	hpcap_rec_decode(b, &r);
	CHECK_EQ(r.sec, 0x04030201u);
	CHECK_EQ(r.nsec, 0x08070605u);
	CHECK_EQ(r.caplen, 60);
	CHECK_EQ(r.len, 1514);

	/* A frame at time zero never reads back as padding. */
	CHECK_EQ(hpcap_rec_nsec(0, 0), 1);
	CHECK_EQ(hpcap_rec_nsec(0, 5), 5);
	CHECK_EQ(hpcap_rec_nsec(7, 0), 0);
	hpcap_rec_put(b, 0, 0, 0, 0);
	CHECK(hpcap_rec_is_frame(b));
	hpcap_rec_decode(b, &r);
	CHECK_EQ(r.sec, 0);
	CHECK_EQ(r.nsec, 1);
	/* len is cut to 16 bits by the header write. */
	hpcap_rec_put(b, 1, 2, 100, 70000);
	hpcap_rec_decode(b, &r);
	CHECK_EQ(r.len, HPCAP_MAX_LEN);

	/* The clamp: caplen to HPCAP_MAX_CAPLEN, len to 16 bits and never
	 * below caplen; it says when it cut. */
	caplen = 60, len = 1514;
	CHECK_EQ(hpcap_rec_clamp(&caplen, &len), 0);
	CHECK_EQ(caplen, 60);
	CHECK_EQ(len, 1514);
	caplen = 100, len = 50;		/* not a cut, but len follows */
	CHECK_EQ(hpcap_rec_clamp(&caplen, &len), 0);
	CHECK_EQ(len, 100);
	caplen = 70000, len = 70000;
	CHECK_EQ(hpcap_rec_clamp(&caplen, &len), 1);
	CHECK_EQ(caplen, HPCAP_MAX_CAPLEN);
	CHECK_EQ(len, HPCAP_MAX_LEN);
	caplen = 100, len = 65536;
	CHECK_EQ(hpcap_rec_clamp(&caplen, &len), 1);
	CHECK_EQ(caplen, 100);
	CHECK_EQ(len, HPCAP_MAX_LEN);
}

static void decode(void)
{
	uint8_t f[64];
	struct hpcap_raw_hdr pad;
	struct hpcap_rec r;
	char msg[256];

	/* A frame of 20 bytes, whole or cut at every length. */
	hpcap_rec_put(f, 10, 20, 20, 60);
	CHECK_EQ(hpcap_rec_next(f, 100, 32, 0, &r), HPCAP_REC_FRAME);
	CHECK_EQ(hpcap_rec_next(f, 100, 64, 0, &r), HPCAP_REC_FRAME);
	CHECK_EQ(hpcap_rec_next(f, 100, 31, 0, &r), HPCAP_REC_CUT);
	CHECK_EQ(hpcap_rec_next(f, 100, 12, 0, &r), HPCAP_REC_CUT);
	CHECK_EQ(hpcap_rec_next(f, 100, 11, 0, &r), HPCAP_REC_CUT);
	CHECK_EQ(hpcap_rec_next(f, 100, 1, 0, &r), HPCAP_REC_CUT);
	/* Nothing left: no closing padding, unless the file was only its
	 * opening padding. */
	CHECK_EQ(hpcap_rec_next(f, 100, 0, 0, &r), HPCAP_REC_NOPAD);
	CHECK_EQ(hpcap_rec_next(f, 100, 0, 100, &r), HPCAP_REC_END);
	CHECK_EQ(hpcap_rec_next(f, 100, 0, 50, &r), HPCAP_REC_NOPAD);
	/* Padding opens the file at offset 0 and closes it elsewhere. */
	hpcap_padding_hdr(&pad, 32);
	memcpy(f, &pad, sizeof(pad));
	CHECK(!hpcap_rec_is_frame(f));
	CHECK_EQ(hpcap_rec_size(f), 32);
	CHECK_EQ(hpcap_rec_next(f, 0, 64, 0, &r), HPCAP_REC_LEAD);
	CHECK_EQ(hpcap_rec_next(f, 4096, 32, 0, &r), HPCAP_REC_CLOSE);
	CHECK_EQ(hpcap_rec_next(f, 4096, 31, 0, &r), HPCAP_REC_CUT);
	CHECK_EQ(r.caplen, 20);
	/* Sane headers: padding with caplen == len; frames with nsec below
	 * 1e9 and caplen not above len. */
	CHECK(hpcap_rec_sane(&r));
	r.len = 21;
	CHECK(!hpcap_rec_sane(&r));
	r = (struct hpcap_rec){ 1, 999999999, 60, 60 };
	CHECK(hpcap_rec_sane(&r));
	r.nsec = 1000000000;
	CHECK(!hpcap_rec_sane(&r));
	r = (struct hpcap_rec){ 1, 0, 61, 60 };
	CHECK(!hpcap_rec_sane(&r));

	/* One wording per error, with the file and the offset. */
	r.caplen = 20;
	CHECK_EQ(hpcap_rec_errmsg(msg, sizeof(msg), "f.raw", HPCAP_REC_NOPAD,
				  64, 0, &r), HPCAP_REC_NOPAD);
	CHECK(!strcmp(msg, "f.raw: ends at offset 64 without a closing padding record"));
	hpcap_rec_errmsg(msg, sizeof(msg), "f.raw", HPCAP_REC_CUT, 64, 5, &r);
	CHECK(!strcmp(msg, "f.raw: record header at offset 64 cut by end of file"));
	hpcap_rec_errmsg(msg, sizeof(msg), "f.raw", HPCAP_REC_CUT, 64, 20, &r);
	CHECK(!strcmp(msg, "f.raw: record at offset 64 (caplen 20) cut by end of file"));
}

int main(void)
{
	encode();
	decode();
	return check_report("record codec");
}
