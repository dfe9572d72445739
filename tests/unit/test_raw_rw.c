// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_raw_rw.c - the RAW writer and reader agree, byte for byte, and the
 * reader reports every way a file can be damaged with the right code.
 */
#define _GNU_SOURCE
#include "check.h"
#include "hpcap_framing.h"
#include "libhpcap.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/hpcap-rawrw.XXXXXX";
static uint8_t data[70000];

static void fill(void)
{
	size_t i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
}

static int open_reader(struct hpcap_raw_reader **r, const char *path,
		       unsigned flags)
{
	char err[HPCAP_ERRBUF_SIZE];
	int ret = hpcap_raw_open(r, path, flags, err);

	if (ret)
		fprintf(stderr, "%s\n", err);
	return ret;
}

static void write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0);
	CHECK(write(fd, p, n) == (ssize_t)n);
	close(fd);
}

/* Frames of many sizes through a directory of small files and back. */
static void round_trip_dir(void)
{
	struct hpcap_raw_writer_opts o = { .file_size = 16384 };
	char err[HPCAP_ERRBUF_SIZE], out[64], path[128];
	struct hpcap_raw_writer *w;
	unsigned i, n = 500, files, got = 0, f;

	snprintf(out, sizeof(out), "%s/d", dir);
	CHECK(mkdir(out, 0755) == 0);
	CHECK(hpcap_raw_writer_open(&w, out, &o, err) == 0);
	for (i = 0; i < n; i++)
		CHECK(hpcap_raw_writer_put(w, 1700000000 + i, i * 1000 + 1,
					   (i * 37) % 9001, (i * 37) % 9001 + 4,
					   data + i) == 0);
	files = hpcap_raw_writer_files(w);
	CHECK(files > 100);
	CHECK(hpcap_raw_writer_close(w, err) == 0);

	for (f = 0; f < files; f++) {
		struct hpcap_raw_reader *r;
		struct hpcap_raw_record rec;
		struct stat st;
		int s;

		snprintf(path, sizeof(path), "%s/%06u.raw", out, f);
		CHECK(stat(path, &st) == 0);
		/* All but the last file are exactly the file size. */
		if (f + 1 < files)
			CHECK_EQ(st.st_size, 16384);
		CHECK(open_reader(&r, path, 0) == 0);
		while ((s = hpcap_raw_next(r, &rec)) == HPCAP_RAW_FRAME) {
			uint32_t cl = (got * 37) % 9001;

			CHECK_EQ(rec.sec, 1700000000 + got);
			CHECK_EQ(rec.nsec, got * 1000 + 1);
			CHECK_EQ(rec.caplen, cl);
			CHECK_EQ(rec.len, cl + 4);
			CHECK(!memcmp(rec.data, data + got, cl));
			got++;
		}
		CHECK_EQ(s, HPCAP_RAW_END);
		CHECK_EQ(hpcap_raw_offset(r), (uint64_t)st.st_size);
		hpcap_raw_close(r);
	}
	CHECK_EQ(got, n);
}

static void limits(void)
{
	struct hpcap_raw_writer_opts o = { .file_size = 256 << 10 };
	char err[HPCAP_ERRBUF_SIZE], path[128];
	struct hpcap_raw_writer *w;
	struct hpcap_raw_reader *r;
	struct hpcap_raw_record rec;

	snprintf(path, sizeof(path), "%s/limits.raw", dir);
	CHECK(hpcap_raw_writer_open(&w, path, &o, err) == 0);
	CHECK(hpcap_raw_writer_put(w, 0, 0, 10, 10, data) == 0);
	CHECK(hpcap_raw_writer_put(w, 5, 5, 65535, 70000, data) == 0);
	CHECK(hpcap_raw_writer_put(w, 6, 6, HPCAP_MAX_CAPLEN, 65535, data) == 0);
	CHECK_EQ(hpcap_raw_writer_cut_frames(w), 1);
	CHECK(hpcap_raw_writer_close(w, err) == 0);

	CHECK(open_reader(&r, path, 0) == 0);
	CHECK_EQ(hpcap_raw_next(r, &rec), HPCAP_RAW_FRAME);
	CHECK_EQ(rec.sec, 0);
	CHECK_EQ(rec.nsec, 1);	/* time 0 would read as padding */
	CHECK_EQ(hpcap_raw_next(r, &rec), HPCAP_RAW_FRAME);
	CHECK_EQ(rec.caplen, HPCAP_MAX_CAPLEN);
	CHECK_EQ(rec.len, 65535);
	CHECK(!memcmp(rec.data, data, HPCAP_MAX_CAPLEN));
	CHECK_EQ(hpcap_raw_next(r, &rec), HPCAP_RAW_FRAME);
	CHECK_EQ(hpcap_raw_next(r, &rec), HPCAP_RAW_END);
	CHECK_EQ(hpcap_raw_next(r, &rec), HPCAP_RAW_END);	/* sticky */
	hpcap_raw_close(r);

	/* A single-file output that would need a second file fails. */
	o.file_size = 4096;
	CHECK(hpcap_raw_writer_open(&w, path, &o, err) == 0);
	CHECK(hpcap_raw_writer_put(w, 1, 1, 3000, 3000, data) == 0);
	CHECK_EQ(hpcap_raw_writer_put(w, 1, 2, 3000, 3000, data),
		 HPCAP_ERR_TOOBIG);
	CHECK(strstr(hpcap_raw_writer_geterr(w), "directory") != NULL);
	CHECK(hpcap_raw_writer_close(w, err) == 0);
	/* A frame that can never fit a file is refused, not split. */
	CHECK(hpcap_raw_writer_open(&w, path, &o, err) == 0);
	CHECK_EQ(hpcap_raw_writer_put(w, 1, 1, 4085, 4085, data),
		 HPCAP_ERR_TOOBIG);
	CHECK(hpcap_raw_writer_close(w, err) == 0);
	/* Bad file size. */
	o.file_size = 5000;
	CHECK_EQ(hpcap_raw_writer_open(&w, path, &o, err), -EINVAL);
}

static void empty_capture(void)
{
	char err[HPCAP_ERRBUF_SIZE], path[128];
	struct hpcap_raw_writer *w;
	struct hpcap_raw_reader *r;
	struct hpcap_raw_record rec;
	struct stat st;

	snprintf(path, sizeof(path), "%s/empty.raw", dir);
	CHECK(hpcap_raw_writer_open(&w, path, NULL, err) == 0);
	CHECK(hpcap_raw_writer_close(w, err) == 0);
	CHECK(stat(path, &st) == 0);
	CHECK_EQ(st.st_size, HPCAP_RAW_HDR_LEN);
	CHECK(open_reader(&r, path, 0) == 0);
	/* A lone padding both opens and closes the file: complete, empty. */
	CHECK_EQ(hpcap_raw_next(r, &rec), HPCAP_RAW_END);
	hpcap_raw_close(r);
}

/* Hand-made files: each damage gives its code, after the good frames. */
static void damage(void)
{
	uint8_t buf[256];
	struct hpcap_raw_hdr h = { htole32(7), htole32(9), htole16(20),
				   htole16(60) }, pad;
	struct hpcap_raw_reader *r;
	struct hpcap_raw_record rec;
	char path[128];
	size_t n;

	snprintf(path, sizeof(path), "%s/damaged.raw", dir);
	memcpy(buf, &h, 12);
	memset(buf + 12, 0xab, 20);
	/* frame + truncated second frame */
	memcpy(buf + 32, &h, 12);
	write_file(path, buf, 32 + 12 + 5);
	CHECK(open_reader(&r, path, 0) == 0);
	CHECK_EQ(hpcap_raw_next(r, &rec), HPCAP_RAW_FRAME);
	CHECK_EQ(hpcap_raw_next(r, &rec), HPCAP_ERR_TRUNCATED);
	CHECK(strstr(hpcap_raw_geterr(r), "offset 32") != NULL);
	hpcap_raw_close(r);
	/* frame + half a header */
	write_file(path, buf, 32 + 7);
	CHECK(open_reader(&r, path, 0) == 0);
	CHECK_EQ(hpcap_raw_next(r, &rec), HPCAP_RAW_FRAME);
	CHECK_EQ(hpcap_raw_next(r, &rec), HPCAP_ERR_TRUNCATED);
	hpcap_raw_close(r);
	/* frame, no padding */
	write_file(path, buf, 32);
	CHECK(open_reader(&r, path, 0) == 0);
	CHECK_EQ(hpcap_raw_next(r, &rec), HPCAP_RAW_FRAME);
	CHECK_EQ(hpcap_raw_next(r, &rec), HPCAP_ERR_NOPAD);
	hpcap_raw_close(r);
	/* leading padding of 20, frame, closing padding of 8 */
	hpcap_padding_hdr(&pad, 32);
	memcpy(buf, &pad, 12);
	memset(buf + 12, 0, 20);
	memcpy(buf + 32, &h, 12);
	memset(buf + 44, 0xcd, 20);
	hpcap_padding_hdr(&pad, 20);
	memcpy(buf + 64, &pad, 12);
	memset(buf + 76, 0, 8);
	n = 84;
	write_file(path, buf, n);
	CHECK(open_reader(&r, path, 0) == 0);
	CHECK_EQ(hpcap_raw_next(r, &rec), HPCAP_RAW_FRAME);
	CHECK_EQ(rec.offset, 32);
	CHECK_EQ(rec.data[0], 0xcd);
	CHECK_EQ(hpcap_raw_lead_padding(r), 32);
	CHECK_EQ(hpcap_raw_next(r, &rec), HPCAP_RAW_END);
	CHECK_EQ(hpcap_raw_offset(r), n);
	hpcap_raw_close(r);
	/* Same with SHOW_PADDING: both paddings come back. */
	CHECK(open_reader(&r, path, HPCAP_RAW_SHOW_PADDING) == 0);
	CHECK_EQ(hpcap_raw_next(r, &rec), HPCAP_RAW_PADDING);
	CHECK_EQ(hpcap_raw_next(r, &rec), HPCAP_RAW_FRAME);
	CHECK_EQ(hpcap_raw_next(r, &rec), HPCAP_RAW_PADDING);
	CHECK_EQ(rec.offset, 64);
	CHECK_EQ(hpcap_raw_next(r, &rec), HPCAP_ERR_NOPAD);	/* reads on */
	hpcap_raw_close(r);
	/* closing padding that claims more than the file holds */
	write_file(path, buf, n - 1);
	CHECK(open_reader(&r, path, 0) == 0);
	CHECK_EQ(hpcap_raw_next(r, &rec), HPCAP_RAW_FRAME);
	CHECK_EQ(hpcap_raw_next(r, &rec), HPCAP_ERR_TRUNCATED);
	hpcap_raw_close(r);
	/* missing file, directory */
	CHECK_EQ(open_reader(&r, "/nonexistent/x.raw", 0), -ENOENT);
	CHECK_EQ(open_reader(&r, dir, 0), -EISDIR);
}

/* Reading from a pipe: no size, same records. */
static void pipe_input(void)
{
	struct hpcap_raw_hdr h = { htole32(1), htole32(2), htole16(3),
				   htole16(3) }, pad;
	char err[HPCAP_ERRBUF_SIZE];
	struct hpcap_raw_reader *r;
	struct hpcap_raw_record rec;
	uint8_t buf[64];
	int p[2];

	memcpy(buf, &h, 12);
	memcpy(buf + 12, "abc", 3);
	hpcap_padding_hdr(&pad, 12);
	memcpy(buf + 15, &pad, 12);
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], buf, 27) == 27);
	close(p[1]);
	CHECK(hpcap_raw_fdopen(&r, p[0], "pipe", 0, err) == 0);
	CHECK_EQ(hpcap_raw_file_size(r), 0);
	CHECK_EQ(hpcap_raw_next(r, &rec), HPCAP_RAW_FRAME);
	CHECK(!memcmp(rec.data, "abc", 3));
	CHECK_EQ(hpcap_raw_next(r, &rec), HPCAP_RAW_END);
	hpcap_raw_close(r);
	close(p[0]);
}

static void lists(void)
{
	char d[128], err[HPCAP_ERRBUF_SIZE], **v;
	const char *args[2];
	int n;

	snprintf(d, sizeof(d), "%s/list", dir);
	CHECK(mkdir(d, 0755) == 0);
	snprintf(d, sizeof(d), "%s/list/1700001800", dir);
	CHECK(mkdir(d, 0755) == 0);
	write_file(strcat(strcpy((char[256]){ 0 }, d), "/1700001801_hpcap0_0.raw"), "", 0);
	snprintf(d, sizeof(d), "%s/list/1700000000", dir);
	CHECK(mkdir(d, 0755) == 0);
	write_file(strcat(strcpy((char[256]){ 0 }, d), "/1700000900_hpcap0_0.raw"), "", 0);
	write_file(strcat(strcpy((char[256]){ 0 }, d), "/1700000005_hpcap0_0.raw"), "", 0);
	write_file(strcat(strcpy((char[256]){ 0 }, d), "/notes.txt"), "", 0);
	snprintf(d, sizeof(d), "%s/list", dir);
	args[0] = d;
	args[1] = "explicit.bin";
	n = hpcap_raw_list(args, 2, &v, err);
	CHECK_EQ(n, 4);
	if (n == 4) {
		CHECK(strstr(v[0], "/1700000000/1700000005_hpcap0_0.raw"));
		CHECK(strstr(v[1], "/1700000000/1700000900_hpcap0_0.raw"));
		CHECK(strstr(v[2], "/1700001800/1700001801_hpcap0_0.raw"));
		CHECK(!strcmp(v[3], "explicit.bin"));
	}
	hpcap_raw_list_free(v, n);
	args[0] = "/nonexistent-dir/";
	n = hpcap_raw_list(args, 1, &v, err);
	CHECK_EQ(n, 1);	/* not a directory: a file the opener reports */
	hpcap_raw_list_free(v, n);
}

int main(void)
{
	CHECK(mkdtemp(dir) != NULL);
	fill();
	round_trip_dir();
	limits();
	empty_capture();
	damage();
	pipe_input();
	lists();
	if (!check_failures) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		CHECK(system(cmd) == 0);
	}
	return check_report("raw reader/writer");
}
