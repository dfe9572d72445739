// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_framing.c - the framing rules (hpcap_framing.h) produce a stream in
 * which every file-size slice is one complete RAW file, for any sequence of
 * frame sizes, and the alignment paddings have the promised properties.
 * Each slice is read back with the library's reader.
 */
#define _GNU_SOURCE
#include "check.h"
#include "hpcap_framing.h"
#include "libhpcap.h"

#include <endian.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Produce `frames` records of random caplen into stream[], the way the
 * kernel producer does, and return the stream length. */
static uint64_t produce(uint8_t *stream, uint64_t cap, uint64_t file_size,
			unsigned frames, uint32_t max_caplen, unsigned seed,
			unsigned *placed)
{
	uint64_t pos = 0;
	unsigned i;

	srand(seed);
	*placed = 0;
	for (i = 0; i < frames; i++) {
		uint32_t caplen = (uint32_t)rand() % (max_caplen + 1);
		uint32_t rec = HPCAP_RAW_HDR_LEN + caplen;
		uint64_t pad;
		struct hpcap_raw_hdr h;

		if (i % 7 == 0)	/* often the largest, to hit the edges */
			caplen = max_caplen, rec = HPCAP_RAW_HDR_LEN + caplen;
		if (!hpcap_record_fits_file(file_size, rec))
			continue;
		pad = hpcap_pad_before(pos, file_size, rec);
		if (pos + pad + rec > cap)
			break;
		if (pad) {
			CHECK(pad >= HPCAP_RAW_HDR_LEN);
			CHECK(pad - HPCAP_RAW_HDR_LEN <= 0xffff);
			CHECK((pos + pad) % file_size == 0);
			hpcap_padding_hdr(&h, (uint32_t)pad);
			memcpy(stream + pos, &h, sizeof(h));
			memset(stream + pos + sizeof(h), 0xee, pad - sizeof(h));
			pos += pad;
		}
		h.sec = htole32(1000 + i);
		h.nsec = htole32(i);
		h.caplen = htole16((uint16_t)caplen);
		h.len = htole16((uint16_t)caplen);
		memcpy(stream + pos, &h, sizeof(h));
		memset(stream + pos + sizeof(h), (int)(i & 0xff), caplen);
		pos += rec;
		(*placed)++;
	}
	/* Close the last file early, as a consumer does when capture stops
	 * (a full-size padding could need more than 16 bits of length). */
	if (pos % file_size) {
		struct hpcap_raw_hdr h;

		hpcap_padding_hdr(&h, HPCAP_RAW_HDR_LEN);
		memcpy(stream + pos, &h, sizeof(h));
		pos += HPCAP_RAW_HDR_LEN;
	}
	return pos;
}

/* Read one slice as a file; return frames, check it ends exactly. */
static unsigned read_slice(const uint8_t *p, uint64_t n, unsigned *next_id)
{
	char err[HPCAP_ERRBUF_SIZE];
	struct hpcap_raw_reader *r;
	struct hpcap_raw_record rec;
	int fd = memfd_create("slice", 0), st;
	unsigned frames = 0;

	CHECK(fd >= 0);
	CHECK(write(fd, p, n) == (ssize_t)n);
	lseek(fd, 0, SEEK_SET);
	CHECK(hpcap_raw_fdopen(&r, fd, "slice", 0, err) == 0);
	while ((st = hpcap_raw_next(r, &rec)) == HPCAP_RAW_FRAME) {
		CHECK_EQ(rec.nsec, *next_id);	/* none lost, none repeated */
		CHECK(rec.caplen == 0 || rec.data[0] == (*next_id & 0xff));
		(*next_id)++;
		frames++;
	}
	CHECK_EQ(st, HPCAP_RAW_END);
	CHECK_EQ(hpcap_raw_offset(r), n);	/* padding reaches the end */
	hpcap_raw_close(r);
	close(fd);
	return frames;
}

static void stream_case(uint64_t file_size, uint32_t max_caplen,
			unsigned frames, unsigned seed)
{
	uint64_t cap = 64ull << 20, len, off;
	uint8_t *s = malloc(cap);
	unsigned placed, got = 0, id = 0;

	CHECK(s != NULL);
	len = produce(s, cap, file_size, frames, max_caplen, seed, &placed);
	for (off = 0; off < len; off += file_size) {
		uint64_t n = len - off < file_size ? len - off : file_size;

		got += read_slice(s + off, n, &id);
	}
	CHECK_EQ(got, placed);
	free(s);
}

static void exact_fill(void)
{
	/* A record that leaves exactly 12 bytes: closing padding of 0. */
	uint64_t fs = 4096;
	uint32_t rec = (uint32_t)fs - HPCAP_RAW_HDR_LEN;

	CHECK_EQ(hpcap_pad_before(0, fs, rec), 0);
	CHECK_EQ(hpcap_file_room(rec, fs), HPCAP_RAW_HDR_LEN);
	/* One more byte and it no longer fits an empty file. */
	CHECK(!hpcap_record_fits_file(fs, rec + 1));
	/* Any record after it pads the whole 12 bytes. */
	CHECK_EQ(hpcap_pad_before(rec, fs, HPCAP_RAW_HDR_LEN),
		 HPCAP_RAW_HDR_LEN);
	/* A record exactly filling the rest does not fit (no room for the
	 * padding header), so the file is closed first. */
	CHECK_EQ(hpcap_pad_before(100, fs, (uint32_t)fs - 100), fs - 100);
}

static void align_pads(void)
{
	uint64_t pos;

	for (pos = 0; pos < 3 * 4096; pos++) {
		uint32_t t = hpcap_lead_pad(pos, 4096);
		uint32_t c = hpcap_close_pad(pos, 4096);

		CHECK((t == 0) == (pos % 4096 == 0));
		CHECK(t == 0 || t >= HPCAP_RAW_HDR_LEN);
		CHECK((t + 4096 * 4 - pos) % 4096 == 0);
		CHECK(c >= HPCAP_RAW_HDR_LEN && c - HPCAP_RAW_HDR_LEN <= 0xffff);
		CHECK((pos + c) % 4096 == 0);
	}
}

int main(void)
{
	unsigned seed;

	exact_fill();
	align_pads();
	for (seed = 1; seed <= 20; seed++) {
		stream_case(4096, 200, 3000, seed);
		stream_case(8192, 4084, 2000, seed);	/* up to a full file */
		stream_case(128 << 10, HPCAP_MAX_CAPLEN, 600, seed);
		stream_case(1 << 20, 9000, 3000, seed);
	}
	/* Max caplen in the smallest file that holds it: worst padding. */
	stream_case(65536 + 4096, HPCAP_MAX_CAPLEN, 200, 99);
	return check_report("framing");
}
