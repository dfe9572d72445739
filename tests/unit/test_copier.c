// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_copier.c - libhpcap's block copier (hpcap_copier_*) embedded in a
 * program of its own: a stream framed the way the producer frames it,
 * starting mid-stream, handed over in windows of random sizes, must come
 * out as complete RAW files holding every frame once, in order, byte for
 * byte; HPCAP's names and the pipeline's (size splits, sidecars, the
 * callback) both; files aligned for O_DIRECT; max_files honoured.  The
 * SHA-256 on its own thread (workers 1) gives the sidecars of the copy's
 * thread (workers 0), and both pass sha256sum -c.  In HPCAP's layout
 * (hpcap_layout) a reader that stops at the first padding record, as
 * HPCAP's raw2pcap does, sees every frame of every file.  With an
 * indexer and the buffer's size, each file's FILE.idx is built from the
 * stream beside the copy (pipeline/idxq.c) and equals, byte for byte, the
 * index hpcap-index builds by reading the file (capindex_build()); the
 * bytes the copier acknowledges are scribbled on at once, so an index
 * that read released bytes would differ.  With no room to hold the
 * stream back, files go unindexed, each counted, never a wrong index.
 */
#define _GNU_SOURCE
#include "check.h"
#include "file/capindex.h"
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
	return check_rnd(&rng);
}

/* Frames from START on, framed into FILE_SIZE slices as the producer
 * does; frame i is stamped 1700000000 + i / 1000 s, its bytes are i's. */
static void produce(void)
{
	uint64_t pos = START;
	unsigned i;

	rng = 0x9e3779b97f4a7c15ull;	/* the same frames every run */
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

/* What the copier acknowledged goes back to the producer, which writes
 * over it: scribble on it, so that bytes released before they were
 * written and hashed show as a wrong file or a wrong digest. */
static void release(struct hpcap_copier *c, uint64_t *rel)
{
	uint64_t p = hpcap_copier_pos(c);

	CHECK(p >= *rel);
	memset(stream + *rel, 0xa5, p - *rel);
	*rel = p;
}

/* Hand the stream to c in windows of random sizes, as a queue would. */
static int copy(struct hpcap_copier *c)
{
	uint64_t end = START, want = START, rel = START;
	int st = 0;

	while (end < stream_end && st == 0) {
		want += rnd() % (3 * FILE_SIZE / 2);
		/* The window ends on a record boundary, as published. */
		while (end < stream_end &&
		       end + hpcap_rec_size(stream + end) <= want)
			end += hpcap_rec_size(stream + end);
		/* One reading of the position: with a thread beside the
		 * copy it moves on between two. */
		uint64_t p = hpcap_copier_pos(c);

		st = hpcap_copier_write(c, stream + p, p, end, 0, 0);
		CHECK(st >= 0);
		release(c, &rel);
	}
	if (st == 0) {
		uint64_t p = hpcap_copier_pos(c);

		st = hpcap_copier_write(c, stream + p, p, stream_end, 1, 0);
	}
	release(c, &rel);
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

static unsigned first_seen;	/* frames an HPCAP-era reader saw */

/*
 * Frames of the file at path as HPCAP's raw2pcap reads it: records from
 * offset 0 until the first padding record, wherever it is.  Each must be
 * frame next, next + 1, ...; returns how many there were.
 */
static unsigned hpcap_era_read(const char *path, unsigned next)
{
	static uint8_t buf[2 * FILE_SIZE];
	FILE *f = fopen(path, "rb");
	size_t size, off = 0;
	unsigned got = 0;
	struct hpcap_rec r;

	CHECK(f != NULL);
	if (!f)
		return 0;
	size = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	while (off + HPCAP_RAW_HDR_LEN <= size) {
		hpcap_rec_decode(buf + off, &r);
		if (!r.sec && !r.nsec)
			break;
		CHECK(next + got < nframes);
		if (next + got >= nframes)
			break;
		CHECK_EQ(r.caplen, caplens[next + got]);
		CHECK_EQ(buf[off + HPCAP_RAW_HDR_LEN], (next + got) & 0xff);
		off += hpcap_rec_size(buf + off);
		got++;
	}
	return got;
}

/* The files hold frames first..first+count-1, each whole and in order;
 * hpcap_layout: files may end unaligned, and an HPCAP-era reader sees
 * the same frames. */
static unsigned check_files(char **paths, unsigned n, uint64_t max_size,
			    int hpcap_layout)
{
	unsigned i, next = 0;

	for (i = 0; i < n; i++) {
		struct hpcap_raw_reader *r;
		struct hpcap_raw_record rec;
		char eb[HPCAP_ERRBUF_SIZE];
		unsigned old = 0, before;
		int st;

		if (!strstr(paths[i], ".raw") || strstr(paths[i], ".sha256"))
			continue;
		CHECK(hpcap_raw_open(&r, paths[i], 0, eb) == 0);
		if (!hpcap_layout)
			CHECK_EQ(hpcap_raw_file_size(r) % 4096, 0);
		if (max_size)
			CHECK(hpcap_raw_file_size(r) <= max_size);
		if (hpcap_layout)
			old = hpcap_era_read(paths[i], next);
		before = next;
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
		if (hpcap_layout) {	/* the same frames, none missed */
			CHECK_EQ(hpcap_raw_lead_padding(r), 0);
			CHECK(old > 0);
			CHECK_EQ(old, next - before);
			first_seen += old;
		}
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

/* Sidecars of the last pipeline run, all of them (sha256sum's lines). */
static char sidecars[2][64 << 10];

/* Every FILE.idx of the run = capindex_build() of its file; returns how
 * many there are. */
static unsigned check_indexes(char **paths, unsigned n)
{
	unsigned i, found = 0;

	for (i = 0; i < n; i++) {
		char ipath[4200], eb[HPCAP_ERRBUF_SIZE];
		struct capindex ci;
		uint8_t *want, *got;
		size_t wlen;
		long glen;
		FILE *f;

		if (!strstr(paths[i], ".raw") || strstr(paths[i], ".sha256") ||
		    strstr(paths[i], ".idx"))
			continue;
		capindex_path(ipath, sizeof(ipath), paths[i]);
		f = fopen(ipath, "rb");
		if (!f)
			continue;
		found++;
		CHECK(capindex_build(&ci, paths[i], eb) == 0);
		CHECK(capindex_encode(&ci, &want, &wlen) == 0);
		capindex_free(&ci);
		CHECK(fseek(f, 0, SEEK_END) == 0);
		glen = ftell(f);
		rewind(f);
		got = malloc((size_t)glen + 1);
		CHECK(got && fread(got, 1, (size_t)glen, f) == (size_t)glen);
		fclose(f);
		CHECK_EQ((size_t)glen, wlen);
		if ((size_t)glen == wlen)
			CHECK(!memcmp(got, want, wlen));
		free(got);
		free(want);
	}
	return found;
}

/* index: 0 none; 1 from the buffer, room to hold the whole stream (every
 * file indexed); 2 from the buffer with no room at all (files go
 * unindexed as the index falls behind, each counted). */
static void run_index(int pipeline, uint64_t split_bytes, uint64_t max_files,
		      unsigned workers, int hpcap_layout, int index)
{
	char d[] = "/tmp/hpcap-copier.XXXXXX", *paths[256];
	struct hpcap_copier_opts o = { .file_size = FILE_SIZE };
	struct hpcap_copier *c;
	struct hpcap_indexer *ix = NULL;
	char eb[HPCAP_ERRBUF_SIZE], cmd[256];
	unsigned n, i, got, raws = 0;
	int st;

	CHECK(mkdtemp(d) != NULL);
	produce();		/* copy() scribbles on what it released */
	o.pipeline = pipeline;
	o.pipe.names.dir = d;
	o.pipe.names.adapter = 3;
	o.pipe.names.queue = 1;
	o.pipe.names.fmt = pipeline ? "%{seq}" : NULL;
	o.pipe.sha256 = pipeline;
	o.pipe.split_bytes = split_bytes;
	o.pipe.max_files = max_files;
	o.pipe.direct = 1;
	o.pipe.workers = workers;
	o.hpcap_layout = hpcap_layout;
	files_seen = 0;
	first_seen = 0;
	if (index) {
		CHECK(hpcap_indexer_open(&ix, NULL, eb) == 0);
		o.pipe.indexer = ix;
		o.buffer_size = index == 1 ? sizeof(stream) * 4 : 1;
	}
	CHECK(hpcap_copier_open(&c, &o, START, eb) == 0);
	if (pipeline)
		hpcap_copier_on_file(c, on_file, NULL);
	st = copy(c);
	CHECK_EQ(st, max_files ? 1 : 0);
	if (index) {	/* every index is written before the copier goes */
		uint64_t written, skipped, failed;

		hpcap_copier_close(c);
		c = NULL;
		CHECK_EQ(hpcap_indexer_drain(ix, 10000), 0u);
		hpcap_indexer_counts(ix, &written, &skipped, &failed);
		n = list_raw(d, paths, 256);
		CHECK_EQ(check_indexes(paths, n), (unsigned)written);
		CHECK_EQ(failed, 0u);
		CHECK_EQ(written + skipped, (uint64_t)files_seen);
		if (index == 1)
			CHECK_EQ(skipped, 0u);
		printf("  index %d: %llu written, %llu skipped\n", index,
		       (unsigned long long)written,
		       (unsigned long long)skipped);
		hpcap_indexer_close(ix);
		for (i = 0; i < n; i++)
			free(paths[i]);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", d);
		CHECK(system(cmd) == 0);
		return;
	}
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
	got = check_files(paths, n, split_bytes, hpcap_layout);
	if (hpcap_layout)
		CHECK_EQ(first_seen, got);
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
	if (pipeline) {
		FILE *f;
		size_t got_bytes;

		snprintf(cmd, sizeof(cmd),
			 "cd %s && sha256sum --quiet -c *.sha256", d);
		CHECK(system(cmd) == 0);
		snprintf(cmd, sizeof(cmd), "cd %s && cat *.sha256", d);
		f = popen(cmd, "r");
		CHECK(f != NULL);
		got_bytes = fread(sidecars[workers], 1,
				  sizeof(sidecars[0]) - 1, f);
		sidecars[workers][got_bytes] = 0;
		CHECK(got_bytes > 64);
		pclose(f);
	}
	for (i = 0; i < n; i++)
		free(paths[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", d);
	CHECK(system(cmd) == 0);
}

static void run_layout(int pipeline, uint64_t split_bytes,
		       uint64_t max_files, unsigned workers, int hpcap_layout)
{
	run_index(pipeline, split_bytes, max_files, workers, hpcap_layout, 0);
}

static void run(int pipeline, uint64_t split_bytes, uint64_t max_files,
		unsigned workers)
{
	run_layout(pipeline, split_bytes, max_files, workers, 0);
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
	run(0, 0, 0, 0);		/* HPCAP's copy */
	run(1, 0, 0, 0);		/* pipeline names, sidecars */
	run(1, 0, 0, 1);		/* the same, hashing on a thread */
	CHECK(!strcmp(sidecars[0], sidecars[1]));
	run(1, 100u << 10, 0, 0);	/* and size splits */
	run(1, 100u << 10, 0, 1);
	CHECK(!strcmp(sidecars[0], sidecars[1]));
	run(0, 0, 2, 0);		/* --max-files 2 */
	run(1, 0, 2, 1);		/* with a hashing thread */
	/* HPCAP's layout: the first file (mid-stream) and every split one
	 * start with a frame. */
	run_layout(0, 0, 0, 0, 1);
	run_layout(1, 100u << 10, 0, 0, 1);
	run_layout(1, 100u << 10, 0, 1, 1);
	CHECK(!strcmp(sidecars[0], sidecars[1]));
	/* FILE.idx from the buffer: slices, size splits (files that open
	 * mid-slice, with a leading padding), HPCAP's layout (no padding),
	 * beside the hashing thread; then with no room to hold anything. */
	run_index(1, 0, 0, 0, 0, 1);
	run_index(1, 100u << 10, 0, 0, 0, 1);
	run_index(1, 100u << 10, 0, 1, 1, 1);
	run_index(1, 100u << 10, 0, 1, 0, 2);
	refused();
	return check_report("block copier");
}
