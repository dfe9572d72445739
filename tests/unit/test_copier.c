// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_copier.c - libhpcap's block copier (hpcap_copier_*) embedded in a
 * program of its own: a stream framed the way the producer frames it,
 * starting mid-stream, handed over in windows of random sizes, must come
 * out as complete RAW files holding every frame once, in order, byte for
 * byte; HPCAP's names and the pipeline's (size splits, sidecars, the
 * callback) both; files aligned for O_DIRECT; max_files honoured.
 */
#define _GNU_SOURCE
#include "check.h"
#include "hpcap_framing.h"
#include "hpcap_record.h"
#include "libhpcap.h"
#include "libhpcap_pipeline.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_SIZE (256u << 10)
#define START 123457u		/* first stream position: mid-stream */
#define NFRAMES 6000u

static uint8_t stream[START + 8 * FILE_SIZE];
static uint64_t stream_end;
static uint32_t caplens[NFRAMES];
static unsigned nframes;

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Frames from START on, framed into FILE_SIZE slices as the producer
 * does; frame i is stamped 1700000000 + i / 1000 s, its bytes are i's. */
static void produce(void)
{
	uint64_t pos = START;
	unsigned i;

	for (i = 0; i < NFRAMES; i++) {
		uint32_t caplen = 14 + (uint32_t)(rnd() % 1500);
		uint32_t rec = HPCAP_RAW_HDR_LEN + caplen;
		uint64_t pad = hpcap_pad_before(pos, FILE_SIZE, rec);

		if (pos + pad + rec > sizeof(stream))
			break;
		if (pad) {
			struct hpcap_raw_hdr h;

			hpcap_padding_hdr(&h, (uint32_t)pad);
			memcpy(stream + pos, &h, sizeof(h));
			memset(stream + pos + sizeof(h), 0, pad - sizeof(h));
			pos += pad;
		}
		hpcap_rec_put(stream + pos, 1700000000u + i / 1000,
			      (i % 1000) * 1000u, caplen, caplen);
		memset(stream + pos + HPCAP_RAW_HDR_LEN, (int)(i & 0xff), caplen);
		caplens[i] = caplen;
		pos += rec;
	}
	nframes = i;
	stream_end = pos;
}

/* Hand the stream to c in windows of random sizes, as a queue would. */
static int copy(struct hpcap_copier *c)
{
	uint64_t end = START, want = START;
	int st = 0;

	while (end < stream_end && st == 0) {
		want += rnd() % (3 * FILE_SIZE / 2);
		/* The window ends on a record boundary, as published. */
		while (end < stream_end &&
		       end + hpcap_rec_size(stream + end) <= want)
			end += hpcap_rec_size(stream + end);
		st = hpcap_copier_write(c, stream + hpcap_copier_pos(c),
					hpcap_copier_pos(c), end, 0, 0);
		CHECK(st >= 0);
	}
	if (st == 0)
		st = hpcap_copier_write(c, stream + hpcap_copier_pos(c),
					hpcap_copier_pos(c), stream_end, 1, 0);
	return st;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.raw below d, sorted (names sort in capture order). */
static unsigned list_raw(const char *d, char **out, unsigned max)
{
	char cmd[512];
	FILE *f;
	unsigned n = 0;
	char line[4096];

	snprintf(cmd, sizeof(cmd), "find %s -type f | sort", d);
	f = popen(cmd, "r");
	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		out[n++] = strdup(line);
	}
	pclose(f);
	qsort(out, n, sizeof(*out), by_name);
	return n;
}

/* The files hold frames first..first+count-1, each whole and in order. */
static unsigned check_files(char **paths, unsigned n, uint64_t max_size)
{
	unsigned i, next = 0;

	for (i = 0; i < n; i++) {
		struct hpcap_raw_reader *r;
		struct hpcap_raw_record rec;
		char eb[HPCAP_ERRBUF_SIZE];
		int st;

		if (!strstr(paths[i], ".raw") || strstr(paths[i], ".sha256"))
			continue;
		CHECK(hpcap_raw_open(&r, paths[i], 0, eb) == 0);
		CHECK_EQ(hpcap_raw_file_size(r) % 4096, 0);
		if (max_size)
			CHECK(hpcap_raw_file_size(r) <= max_size);
		while ((st = hpcap_raw_next(r, &rec)) == HPCAP_RAW_FRAME) {
			CHECK(next < nframes);
			if (next >= nframes)
				break;
			CHECK_EQ(rec.caplen, caplens[next]);
			CHECK_EQ(rec.data[0], next & 0xff);
			CHECK_EQ(rec.data[rec.caplen - 1], next & 0xff);
			next++;
		}
		CHECK_EQ(st, HPCAP_RAW_END);
		hpcap_raw_close(r);
	}
	return next;
}

static unsigned files_seen;
static void on_file(void *arg, const struct hpcap_file_facts *f, int hook_err)
{
	struct stat st;

	(void)arg;
	CHECK_EQ(hook_err, 0);
	CHECK_EQ(f->index, files_seen);
	CHECK(stat(f->path, &st) == 0 && (uint64_t)st.st_size == f->bytes);
	CHECK(stat(f->sidecar, &st) == 0);
	CHECK(strlen(f->sha256) == 64);
	files_seen++;
}

static void run(int pipeline, uint64_t split_bytes, uint64_t max_files)
{
	char d[] = "/tmp/hpcap-copier.XXXXXX", *paths[256];
	struct hpcap_copier_opts o = { .file_size = FILE_SIZE };
	struct hpcap_copier *c;
	char eb[HPCAP_ERRBUF_SIZE], cmd[256];
	unsigned n, i, got, raws = 0;
	int st;

	CHECK(mkdtemp(d) != NULL);
	o.pipeline = pipeline;
	o.pipe.names.dir = d;
	o.pipe.names.adapter = 3;
	o.pipe.names.queue = 1;
	o.pipe.names.fmt = pipeline ? "%{seq}" : NULL;
	o.pipe.sha256 = pipeline;
	o.pipe.split_bytes = split_bytes;
	o.pipe.max_files = max_files;
	o.pipe.direct = 1;
	files_seen = 0;
	CHECK(hpcap_copier_open(&c, &o, START, eb) == 0);
	if (pipeline)
		hpcap_copier_on_file(c, on_file, NULL);
	st = copy(c);
	CHECK_EQ(st, max_files ? 1 : 0);
	n = list_raw(d, paths, 256);
	for (i = 0; i < n; i++) {
		CHECK(!strstr(paths[i], HPCAP_PENDING_SUFFIX));
		raws += !strstr(paths[i], ".sha256");
		if (!pipeline)	/* HPCAP's names */
			CHECK(strstr(paths[i], "_hpcap3_1.raw") != NULL);
	}
	CHECK_EQ(raws, hpcap_copier_files(c));
	if (pipeline)
		CHECK_EQ(files_seen, raws);
	got = check_files(paths, n, split_bytes);
	if (!max_files) {
		/* Every frame, once; as many files as slices, or more. */
		CHECK_EQ(got, nframes);
		CHECK_EQ(hpcap_copier_frames(c), nframes);
		CHECK(raws >= (stream_end - 1) / FILE_SIZE - START / FILE_SIZE + 1);
	} else {
		CHECK_EQ(raws, max_files);
		CHECK(got > 0 && got < nframes);
	}
	hpcap_copier_close(c);
	for (i = 0; i < n; i++)
		free(paths[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", d);
	CHECK(system(cmd) == 0);
}

static void refused(void)
{
	struct hpcap_copier_opts o = { .file_size = 1000 };
	struct hpcap_copier *c;
	char eb[HPCAP_ERRBUF_SIZE];

	CHECK(hpcap_copier_open(&c, &o, 0, eb) == -EINVAL);
	CHECK(strstr(eb, "file size") != NULL);
	o.file_size = FILE_SIZE;
	o.pipeline = 1;
	o.pipe.format = HPCAP_OUT_PCAP;
	CHECK(hpcap_copier_open(&c, &o, 0, eb) == -EINVAL);
	o.pipe.format = HPCAP_OUT_RAW;
	o.pipe.names.fmt = "../x";
	CHECK(hpcap_copier_open(&c, &o, 0, eb) == -EINVAL);
}

int main(void)
{
	produce();
	run(0, 0, 0);			/* HPCAP's copy */
	run(1, 0, 0);			/* pipeline names, sidecars */
	run(1, 100u << 10, 0);		/* and size splits */
	run(0, 0, 2);			/* --max-files 2 */
	refused();
	return check_report("block copier");
}
