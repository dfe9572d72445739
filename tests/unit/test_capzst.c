// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_capzst.c - capture files read through zstd (file/capzst.c under
 * file/capscan.c): the same pcap content written plain, as a seekable
 * zstd file with small frames (records straddle frames: hpcap_zsk_write
 * cuts at exact sizes) and as a plain zstd stream must give the same
 * frames, offsets and bytes, from the start and from any record offset
 * (forward and backward seeks, as an index sends a reader); memory left
 * behind by a scan is given back (mincore); a damaged frame, a cut stream
 * and a file compressed twice are reported, with the frames before the
 * damage kept.
 */
#define _GNU_SOURCE
#include "check.h"
#include "file/capscan.h"
#include "libhpcap_pipeline.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>

#define FRAMES 6000
#define ZFRAME 4096u	/* small zstd frames: many of them, records cut */

static char dir[] = "/tmp/test_capzst.XXXXXX";
static uint8_t *content;
static size_t content_len;
static uint64_t offs[FRAMES];	/* record offset of each frame */
static uint64_t seed = 0x9e3779b97f4a7c15ull;

static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

/* A nanosecond pcap: frames of 14 to 9014 bytes, mostly small, with
 * bytes that compress a little (a counter and random). */
static void make_content(void)
{
	size_t cap = 24 + (size_t)FRAMES * (16 + 9014), o = 24;
	unsigned i;

	content = malloc(cap);
	put32(content, 0xa1b23c4d);
	content[4] = 2, content[5] = 0, content[6] = 4, content[7] = 0;
	memset(content + 8, 0, 8);
	put32(content + 16, 262144);
	put32(content + 20, 1);
	for (i = 0; i < FRAMES; i++) {
		uint64_t r = check_rnd(&seed);
		uint32_t len = r % 10 == 0 ? 14 + (uint32_t)(r >> 8) % 9001
					   : 60 + (uint32_t)(r >> 8) % 1455;
		uint32_t k;

		offs[i] = o;
		put32(content + o, 1700000000 + i / 1000);
		put32(content + o + 4, (i % 1000) * 1000000 + 7);
		put32(content + o + 8, len);
		put32(content + o + 12, len);
		o += 16;
		for (k = 0; k < len; k++)
			content[o + k] = k % 7 ? (uint8_t)(i + k)
					       : (uint8_t)check_rnd(&seed);
		o += len;
	}
	content_len = o;
}

static void write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0);
	CHECK(write(fd, p, n) == (ssize_t)n);
	close(fd);
}

static void *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	long l;

	fseek(f, 0, SEEK_END);
	l = ftell(f);
	rewind(f);
	b = malloc((size_t)l);
	CHECK(fread(b, 1, (size_t)l, f) == (size_t)l);
	fclose(f);
	*n = (size_t)l;
	return b;
}

/* Frame i as the plain file has it, against what capscan gave. */
static int same_frame(unsigned i, const struct capscan_frame *f)
{
	uint32_t len;

	memcpy(&len, content + offs[i] + 8, 4);
	len = le32toh(len);
	return f->off == offs[i] && f->caplen == len && f->len == len &&
	       f->ts_ns == (uint64_t)(1700000000 + i / 1000) * 1000000000u +
				   (i % 1000) * 1000000 + 7 &&
	       !memcmp(f->data, content + offs[i] + 16, len);
}

/* Every frame from the start; returns the count that matched in order. */
static unsigned scan_all(const char *path)
{
	char eb[HPCAP_ERRBUF_SIZE];
	struct capscan cs;
	struct capscan_frame f;
	uint64_t off;
	unsigned n = 0;
	int st;

	if (capscan_open(&cs, path, eb)) {
		fprintf(stderr, "%s\n", eb);
		return 0;
	}
	CHECK_EQ(cs.fmt, CAPSCAN_PCAP);
	CHECK_EQ(cs.size, content_len);
	off = cs.start;
	while ((st = capscan_next(&cs, &off, &f)) > 0 && n < FRAMES &&
	       same_frame(n, &f))
		n++;
	CHECK_EQ(st, 0);
	capscan_close(&cs);
	return n;
}

/* Jumps to record offsets in a random order (backward too), reading a
 * few frames from each, as hpcap-extract does from index segments. */
static void seeks(const char *path)
{
	char eb[HPCAP_ERRBUF_SIZE];
	struct capscan cs;
	struct capscan_frame f;
	unsigned j, k, bad = 0;

	CHECK(capscan_open(&cs, path, eb) == 0);
	for (j = 0; j < 300; j++) {
		unsigned i = (unsigned)(check_rnd(&seed) % FRAMES);
		uint64_t off = offs[i];

		for (k = 0; k < 5 && i + k < FRAMES; k++)
			if (capscan_next(&cs, &off, &f) != 1 ||
			    !same_frame(i + k, &f))
				bad++;
	}
	CHECK_EQ(bad, 0);
	capscan_close(&cs);
}

/* Pages of the content mapping in memory after a whole scan: a seekable
 * file keeps only the frames at the scan's end (a few zstd frames and
 * the largest record's span), not the content. */
static void memory_given_back(const char *path)
{
	char eb[HPCAP_ERRBUF_SIZE];
	struct capscan cs;
	struct capscan_frame f;
	uint64_t off;
	long pg = sysconf(_SC_PAGESIZE);
	size_t pages, i, in = 0;
	unsigned char *v;

	CHECK(capscan_open(&cs, path, eb) == 0);
	off = cs.start;
	while (capscan_next(&cs, &off, &f) > 0)
		;
	pages = (cs.size + (size_t)pg - 1) / (size_t)pg;
	v = malloc(pages);
	CHECK(mincore((void *)cs.map, pages * (size_t)pg, v) == 0);
	for (i = 0; i < pages; i++)
		in += v[i] & 1;
	/* 262 KiB record span + a frame on each side, in pages */
	CHECK(in * (size_t)pg <= 262144 + 64 + 3 * ZFRAME + 2 * (size_t)pg);
	if (in * (size_t)pg > 262144 + 64 + 3 * ZFRAME + 2 * (size_t)pg)
		fprintf(stderr, "%zu of %zu pages resident\n", in, pages);
	free(v);
	capscan_close(&cs);
}

/* Frames before the damage equal the plain file's; then an error that
 * names the file and the decompressed offset (and the reason). */
static void damaged(const char *path, const char *why)
{
	char eb[HPCAP_ERRBUF_SIZE];
	struct capscan cs;
	struct capscan_frame f;
	uint64_t off;
	unsigned n = 0;
	int st;

	CHECK(capscan_open(&cs, path, eb) == 0);
	off = cs.start;
	while ((st = capscan_next(&cs, &off, &f)) > 0) {
		CHECK(n < FRAMES && same_frame(n, &f));
		n++;
	}
	CHECK(st < 0);
	CHECK(n > 100 && n < FRAMES);
	CHECK(strstr(cs.err, path) != NULL);
	CHECK(strstr(cs.err, "of its decompressed content") != NULL);
	CHECK(strstr(cs.err, why) != NULL);
	if (!strstr(cs.err, why))
		fprintf(stderr, "message: %s\n", cs.err);
	capscan_close(&cs);
}

int main(void)
{
	struct hpcap_zsk_opts zo = { .level = 1, .frame_size = ZFRAME };
	struct hpcap_zsk_writer *w;
	struct hpcap_zsk_reader *r;
	struct hpcap_zsk_frame zf;
	char eb[HPCAP_ERRBUF_SIZE], plain[64], seek[64], strm[64], bad[64],
	     cut[64], twice[64];
	uint8_t *z, *zz;
	size_t zn, zc;
	struct capscan cs;

	CHECK(mkdtemp(dir) != NULL);
	make_content();
	snprintf(plain, sizeof(plain), "%s/a.pcap", dir);
	snprintf(seek, sizeof(seek), "%s/a.pcap.zst", dir);
	snprintf(strm, sizeof(strm), "%s/s.pcap.zst", dir);
	snprintf(bad, sizeof(bad), "%s/bad.pcap.zst", dir);
	snprintf(cut, sizeof(cut), "%s/cut.pcap.zst", dir);
	snprintf(twice, sizeof(twice), "%s/twice.pcap.zst.zst", dir);
	write_file(plain, content, content_len);

	CHECK(hpcap_zsk_writer_open(&w, seek, &zo, eb) == 0);
	CHECK(hpcap_zsk_write(w, content, content_len) == 0);
	CHECK(hpcap_zsk_writer_close(w, eb) == 0);
	CHECK(hpcap_zsk_reader_open(&r, seek, eb) == 0);
	CHECK(hpcap_zsk_nframes(r) > 1000);

	/* A plain stream, as the zstd tool writes one. */
	zc = ZSTD_compressBound(content_len);
	z = malloc(zc);
	zn = ZSTD_compress(z, zc, content, content_len, 1);
	CHECK(!ZSTD_isError(zn));
	write_file(strm, z, zn);

	CHECK_EQ(scan_all(plain), FRAMES);
	CHECK_EQ(scan_all(seek), FRAMES);
	CHECK_EQ(scan_all(strm), FRAMES);
	seeks(seek);
	seeks(strm);
	memory_given_back(seek);

	/* A byte changed inside a frame in the middle: the checksum (or
	 * the decoder) catches it there. */
	{
		size_t n;
		uint8_t *b = read_file(seek, &n);

		CHECK(hpcap_zsk_frame(r, hpcap_zsk_nframes(r) / 2, &zf) == 0);
		b[zf.c_off + zf.c_size / 2] ^= 0x55;
		write_file(bad, b, n);
		free(b);
		damaged(bad, "frame");
	}
	/* A plain stream cut in the middle. */
	write_file(cut, z, zn / 2);
	damaged(cut, "cut short");
	/* Compressed twice. */
	zz = malloc(ZSTD_compressBound(zn));
	zc = ZSTD_compress(zz, ZSTD_compressBound(zn), z, zn, 1);
	write_file(twice, zz, zc);
	CHECK(capscan_open(&cs, twice, eb) < 0);
	CHECK(strstr(eb, "compressed twice") != NULL);

	hpcap_zsk_reader_close(r);
	free(z);
	free(zz);
	free(content);
	unlink(plain), unlink(seek), unlink(strm), unlink(bad), unlink(cut);
	unlink(twice);
	rmdir(dir);
	return check_report("test_capzst");
}
