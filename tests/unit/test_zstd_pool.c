// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_zstd_pool.c - seekable zstd compressed by a pool of threads
 * (hpcap_zsk_opts.threads, srclib/pipeline/zpool.c):
 *  - the pool alone: frames come back in the order they went in, each
 *    the frame one context makes of its input, and it refuses a new
 *    buffer (zpool_full) once every slot holds a frame not yet taken
 *    (the bound that makes the writer wait instead of queueing forever);
 *  - the writer: the same input written with 0 (the writer's thread), 1,
 *    2 and 3 threads gives the same file byte for byte, through write()
 *    and through reserve()/commit(), with frames of 4 KiB (many frames in
 *    flight) and 64 KiB, and `zstd -d` gives back the input;
 *  - the per-frame pipeline: pcap (+ zstd with 0, 1 and 2 threads)
 *    with --sha256 in the writer's thread or on its own (workers 1,
 *    outfile's two buffers) gives the same files and sidecars, and
 *    sha256sum -c passes.
 * No assertion depends on how the threads are scheduled.
 * Needs the zstd and sha256sum commands.
 */
#define _GNU_SOURCE
#include "check.h"
#include "libhpcap_pipeline.h"
#include "pipeline/zpool.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

/* tmpfs: the files are fdatasync()ed, which a loaded disk makes slow */
static char dir[] = "/dev/shm/test_zstd_pool.XXXXXX";
static char errbuf[HPCAP_ERRBUF_SIZE];

static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
	return check_rnd(&rng);
}

/* Compressible but not trivial: runs of repeated and random bytes. */
static void fill(uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t run = 1 + rnd() % 200;
		uint8_t b = (uint8_t)rnd();
		int rep = rnd() % 2;

		for (; run && i < n; run--, i++)
			p[i] = rep ? b : (uint8_t)rnd();
	}
}

static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	CHECK(f != NULL);
	if (!f)
		return;
	CHECK(fwrite(p, 1, n, f) == n);
	fclose(f);
}

/* The pool alone: order, content, and the bound on frames in flight. */
static void test_pool(unsigned threads)
{
	enum { FRAME = 8192, N = 40 };
	static uint8_t in[N][FRAME];
	struct zpool *z;
	struct zpool_frame f;
	ZSTD_CCtx *c = ZSTD_createCCtx();
	uint8_t *ref = malloc(ZSTD_compressBound(FRAME));
	unsigned sent = 0, got = 0, held = 0;

	ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 1);
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1);
	for (unsigned i = 0; i < N; i++)
		fill(in[i], FRAME);
	CHECK(zpool_open(&z, threads, 0, 1, 1, FRAME, errbuf) == 0);
	if (!z)
		return;
	/* Fill every slot without taking anything: the pool says full, and
	 * it says so after as many frames as it has slots, whatever the
	 * workers have done meanwhile. */
	while (!zpool_full(z)) {
		uint8_t *b = zpool_next(z);
		size_t n = FRAME - sent * 7;

		memcpy(b, in[sent], n);
		zpool_submit(z, n);
		sent++;
		held++;
		CHECK(sent <= 2 * threads + 1);
	}
	CHECK(sent >= threads + 2);
	CHECK_EQ(zpool_in_flight(z), held);
	/* Then in and out, in step, taking the oldest frame each time. */
	while (got < N) {
		size_t want_d = FRAME - got * 7, rc;

		CHECK(zpool_take(z, 1, &f) == 1);
		CHECK(f.err == NULL);
		CHECK_EQ(f.d_size, want_d);
		rc = ZSTD_compress2(c, ref, ZSTD_compressBound(FRAME), in[got],
				    want_d);
		CHECK_EQ(f.c_size, rc);
		CHECK(f.data && memcmp(f.data, ref, rc) == 0);
		zpool_release(z);
		got++;
		if (sent < N && !zpool_full(z)) {
			uint8_t *b = zpool_next(z);
			size_t n = FRAME - sent * 7;

			memcpy(b, in[sent], n);
			zpool_submit(z, n);
			sent++;
		}
	}
	CHECK(zpool_take(z, 1, &f) == 0);	/* none left */
	CHECK_EQ(zpool_in_flight(z), 0);
	zpool_close(z);
	/* Closed with frames still in flight: nothing leaks, nothing hangs. */
	CHECK(zpool_open(&z, threads, 0, 3, 0, FRAME, errbuf) == 0);
	for (unsigned i = 0; z && i < 3 && !zpool_full(z); i++) {
		memcpy(zpool_next(z), in[i], FRAME);
		zpool_submit(z, FRAME);
	}
	zpool_close(z);
	CHECK(zpool_open(&z, 0, 0, 3, 0, FRAME, errbuf) == -EINVAL);
	ZSTD_freeCCtx(c);
	free(ref);
}

/* One file of data through the writer; by_units: reserve()/commit(). */
static void write_zsk(const char *path, const uint8_t *data, size_t n,
		      unsigned threads, uint32_t frame, int by_units)
{
	struct hpcap_zsk_opts o = { .level = 1, .frame_size = frame,
				    .threads = threads };
	struct hpcap_zsk_writer *w;
	size_t off = 0;
	uint64_t r = 12345;

	CHECK(hpcap_zsk_writer_open(&w, path, &o, errbuf) == 0);
	if (!w) {
		fprintf(stderr, "%s\n", errbuf);
		return;
	}
	while (off < n) {
		size_t c;

		r = r * 6364136223846793005ull + 1442695040888963407ull;
		c = 1 + (r >> 33) % 3000;	/* the same cuts every time */
		if (c > n - off)
			c = n - off;
		if (by_units) {
			uint8_t *p = hpcap_zsk_reserve(w, c);

			CHECK(p != NULL);
			if (!p)
				break;
			memcpy(p, data + off, c);
			hpcap_zsk_commit(w, c);
		} else {
			CHECK(hpcap_zsk_write(w, data + off, c) == 0);
		}
		off += c;
	}
	CHECK_EQ(hpcap_zsk_bytes_in(w), n);
	CHECK(hpcap_zsk_writer_close(w, errbuf) == 0);
}

static void test_writer(void)
{
	static const unsigned threads[] = { 1, 2, 3 };
	static const uint32_t frames[] = { 4096, 65536 };
	size_t n = 3000000;
	uint8_t *data = malloc(n);
	char orig[256], ref[256], path[256];

	fill(data, n);
	snprintf(orig, sizeof(orig), "%s/orig", dir);
	write_file(orig, data, n);
	for (unsigned fi = 0; fi < 2; fi++) {
		for (int units = 0; units < 2; units++) {
			snprintf(ref, sizeof(ref), "%s/ref-%u-%d.zst", dir,
				 frames[fi], units);
			write_zsk(ref, data, n, 0, frames[fi], units);
			CHECK(sh("zstd -q -d -c %s | cmp -s - %s", ref, orig) == 0);
			for (unsigned t = 0; t < 3; t++) {
				snprintf(path, sizeof(path), "%s/t%u-%u-%d.zst",
					 dir, threads[t], frames[fi], units);
				write_zsk(path, data, n, threads[t], frames[fi],
					  units);
				if (sh("cmp -s %s %s", ref, path)) {
					fprintf(stderr, "%s differs from %s\n",
						path, ref);
					CHECK(0);
				}
			}
		}
	}
	/* Empty and tiny files too. */
	snprintf(ref, sizeof(ref), "%s/empty0.zst", dir);
	snprintf(path, sizeof(path), "%s/empty2.zst", dir);
	write_zsk(ref, data, 0, 0, 4096, 0);
	write_zsk(path, data, 0, 2, 4096, 0);
	CHECK(sh("cmp -s %s %s", ref, path) == 0);
	snprintf(ref, sizeof(ref), "%s/one0.zst", dir);
	snprintf(path, sizeof(path), "%s/one2.zst", dir);
	write_zsk(ref, data, 1, 0, 4096, 0);
	write_zsk(path, data, 1, 2, 4096, 0);
	CHECK(sh("cmp -s %s %s", ref, path) == 0);
	free(data);
}

static int files_done[8];

static void on_file(void *arg, const struct hpcap_file_facts *f, int hook_err)
{
	(void)hook_err;
	if (f->sidecar[0])
		files_done[*(int *)arg]++;
}

/*
 * The per-frame pipeline, pcap with --sha256, compressed or not: zstd in
 * the writer's thread or by 2 threads, the hash in the writer's thread
 * (workers 0) or on its own (workers 1).  Every variant writes the same
 * files and sidecars as the first of its kind, and sha256sum -c passes.
 */
static void test_pipe(void)
{
	static const struct { int zstd; unsigned threads, workers; } v[] = {
		{ 1, 0, 0 }, { 1, 2, 0 }, { 1, 0, 1 }, { 1, 2, 1 }, { 1, 1, 1 },
		{ 0, 0, 0 }, { 0, 0, 1 },
	};
	uint8_t frame[1600];

	for (int k = 0; k < (int)(sizeof(v) / sizeof(v[0])); k++) {
		struct hpcap_pipe_opts o = {
			.format = HPCAP_OUT_PCAP, .zstd = v[k].zstd, .sha256 = 1,
			.zsk = { .level = 1, .frame_size = 16384,
				 .threads = v[k].threads },
			.workers = v[k].workers,
			.split_bytes = 1 << 20,
		};
		struct hpcap_pipe *p;
		char sub[300];
		int idx = k;

		snprintf(sub, sizeof(sub), "%s/pipe%d", dir, k);
		CHECK(sh("mkdir -p %s", sub) == 0);
		o.names.dir = sub;
		o.names.fmt = "cap-%{seq}";
		rng = 99;	/* the same frames every time */
		CHECK(hpcap_pipe_open(&p, &o, errbuf) == 0);
		if (!p)
			return;
		hpcap_pipe_on_file(p, on_file, &idx);
		for (unsigned i = 0; i < 5000; i++) {
			uint32_t len = 60 + (uint32_t)(rnd() % 1500);

			fill(frame, len);
			CHECK(hpcap_pipe_put(p, 1700000000 + i / 100, i * 1000,
					     len, len, frame) == 0);
		}
		CHECK(hpcap_pipe_close(p, errbuf) == 0);
		CHECK(files_done[k] >= 3);
		CHECK(sh("cd %s && sha256sum --quiet -c ./*.sha256", sub) == 0);
		if (v[k].zstd)
			CHECK(sh("for f in %s/*.zst; do zstd -q -t $f || exit 1; done",
				 sub) == 0);
		/* Same files, same sidecars (which name the file without its
		 * directory) as the first variant of its kind. */
		if (k != 0 && k != 5 &&
		    sh("diff -r %s/pipe%d %s", dir, v[k].zstd ? 0 : 5, sub)) {
			fprintf(stderr, "pipe%d differs\n", k);
			CHECK(0);
		}
	}
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_pool(1);
	test_pool(2);
	test_pool(4);
	test_writer();
	test_pipe();
	if (!check_failures)
		sh("rm -rf %s", dir);
	return check_report("zstd_pool");
}
