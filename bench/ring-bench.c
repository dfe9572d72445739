// SPDX-License-Identifier: BSD-3-Clause
/*
 * ring-bench.c - the module's producer routine (core/hpcap_ring.c,
 * compiled here unchanged) in userspace: ns per frame and Mpps writing
 * frames of a given size into a 64 MiB double-mapped buffer with one
 * lossless listener that keeps up (acks every batch), next to a plain
 * memcpy of the same bytes to the same places measured in the same run.
 *
 *   ring-bench [frames] [sizes...]      (default 20000000 frames, 64 1500)
 */
#define _GNU_SOURCE
#include "hpcap_ring.h"
#include "queue/dblmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SIZE (64ull << 20)
#define BATCH 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static volatile uint64_t sink;

static double run_ring(uint8_t *data, uint64_t frames, uint32_t size,
		       const uint8_t *src)
{
	static struct hpcap_ring r;
	static struct hpcap_ring_info info;
	struct hpcap_ack_wait aw;
	uint64_t i;
	double t0;
	int l;

	hpcap_ring_init(&r, data, SIZE, HPCAP_DEFAULT_FILE_SIZE, &info, 0, 0);
	l = hpcap_ring_listener_add(&r, HPCAP_MODE_LOSSLESS);
	t0 = now();
	for (i = 0; i < frames; i++) {
		uint8_t *p = hpcap_ring_put(&r, 1700000000u, (uint32_t)i + 1,
					    size, size);

		if (p)
			memcpy(p, src + (i & 63), size);
		if ((i & (BATCH - 1)) == BATCH - 1) {
			hpcap_ring_publish(&r);
			hpcap_ring_ack(&r, l, r.pos - r.lst[l].read_pos, &aw);
		}
	}
	hpcap_ring_publish(&r);
	t0 = now() - t0;
	if (r.stats.captured_frames != frames)
		fprintf(stderr, "ring-bench: %llu of %llu frames captured!\n",
			(unsigned long long)r.stats.captured_frames,
			(unsigned long long)frames);
	return t0;
}

/* The same bytes (header + frame) to the same kind of places. */
static double run_memcpy(uint8_t *data, uint64_t frames, uint32_t size,
			 const uint8_t *src)
{
	uint64_t i, off = 0, rec = 12 + size;
	double t0 = now();

	for (i = 0; i < frames; i++) {
		memcpy(data + off, src + (i & 63), rec);
		off += rec;
		if (off >= SIZE)
			off -= SIZE;
	}
	sink += data[off];
	return now() - t0;
}

int main(int argc, char **argv)
{
	uint64_t frames = argc > 1 ? strtoull(argv[1], NULL, 10) : 20000000;
	static const uint32_t def_sizes[] = { 64, 1500 };
	uint8_t *data = hpcap_dblmap_anon(SIZE), *src = malloc(65600);
	int i, n = argc > 2 ? argc - 2 : 2;

	if (!data || !src)
		return 1;
	memset(src, 0x5a, 65600);
	memset(data, 0, SIZE);	/* fault the pages in before timing */
	printf("| frame bytes | producer ns/frame | producer Mpps | memcpy ns/frame | memcpy Mpps | producer / memcpy |\n");
	printf("|---:|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < n; i++) {
		uint32_t size = argc > 2 ? (uint32_t)atoi(argv[i + 2]) : def_sizes[i];
		uint64_t f = size > 512 ? frames / 4 : frames;
		double best_r = 1e9, best_m = 1e9;
		int k;

		for (k = 0; k < 5; k++) {
			double r = run_ring(data, f, size, src);
			double m = run_memcpy(data, f, size, src);

			best_r = r < best_r ? r : best_r;
			best_m = m < best_m ? m : best_m;
		}
		printf("| %u | %.2f | %.1f | %.2f | %.1f | %.2f |\n", size,
		       best_r / f * 1e9, f / best_r / 1e6, best_m / f * 1e9,
		       f / best_m / 1e6, best_r / best_m);
	}
	return 0;
}
