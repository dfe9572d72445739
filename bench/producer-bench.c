// SPDX-License-Identifier: BSD-3-Clause
/*
 * producer-bench.c - libhpcap's userspace producer (a shared-memory queue
 * in /dev/shm): ns per frame writing frames one by one with
 * hpcap_producer_put() against batches of hpcap_producer_put_batch() and
 * hpcap_producer_reserve()/commit(), measured in the same run, rounds
 * interleaved, best of 5.  One lossy listener is attached and never reads,
 * so the producer never waits: what is measured is its own cost (lock,
 * producer routine, copy, publication and wake-up check).
 *
 *   producer-bench [frames] [batch] [sizes...]   (default 4000000 64 64 1500)
 */
#define _GNU_SOURCE
#include "libhpcap_live.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

enum way { PUT, BATCH, RESERVE, NWAYS };
static const char *const names[NWAYS] = {
	"hpcap_producer_put() per frame",
	"hpcap_producer_put_batch()",
	"hpcap_producer_reserve() + one commit()",
};

static double run(struct hpcap_producer *p, enum way w, uint64_t frames,
		  uint32_t size, unsigned batch, const uint8_t *src)
{
	struct hpcap_producer_frame f[256];
	uint64_t i = 0;
	unsigned k;
	double t0;

	for (k = 0; k < batch; k++)
		f[k] = (struct hpcap_producer_frame){
			.sec = 1700000000u, .nsec = k + 1, .caplen = size,
			.len = size, .data = src + (k & 63),
		};
	t0 = now();
	switch (w) {
	case PUT:
		for (i = 0; i < frames; i++)
			hpcap_producer_put(p, 1700000000u, (uint32_t)i + 1, size,
					   size, src + (i & 63), -1);
		break;
	case BATCH:
		for (i = 0; i < frames; i += batch)
			hpcap_producer_put_batch(p, f, batch, NULL, -1);
		break;
	case RESERVE:
		for (i = 0; i < frames; i += batch) {
			for (k = 0; k < batch; k++) {
				uint8_t *dst;

				if (hpcap_producer_reserve(p, 1700000000u, k + 1,
							   size, size, &dst,
							   -1) == 1)
					memcpy(dst, src + (k & 63), size);
			}
			hpcap_producer_commit(p);
		}
		break;
	default:
		break;
	}
	return now() - t0;
}

int main(int argc, char **argv)
{
	uint64_t frames = argc > 1 ? strtoull(argv[1], NULL, 10) : 4000000;
	unsigned batch = argc > 2 ? (unsigned)atoi(argv[2]) : 64;
	static const uint32_t def_sizes[] = { 64, 1500 };
	int nsizes = argc > 3 ? argc - 3 : 2, i, k, w;
	struct hpcap_producer_opts o = { .buf_size = 64u << 20 };
	char path[128], err[HPCAP_ERRBUF_SIZE];
	struct hpcap_producer *p;
	struct hpcap_handle *h;
	uint8_t *src = malloc(65600);

	if (!src || !batch || batch > 256) {
		fprintf(stderr, "producer-bench: batch must be 1..256\n");
		return 1;
	}
	memset(src, 0x5a, 65600);
	snprintf(path, sizeof(path), "/dev/shm/hpcap-producer-bench-%d",
		 (int)getpid());
	if (hpcap_producer_create(&p, path, &o, err) < 0 ||
	    hpcap_open_path(&h, path, HPCAP_OPEN_LOSSY, err) < 0) {
		fprintf(stderr, "producer-bench: %s\n", err);
		return 1;
	}
	printf("| frame bytes | way | ns/frame | Mpps | / per-frame put |\n");
	printf("|---:|---|---:|---:|---:|\n");
	for (i = 0; i < nsizes; i++) {
		uint32_t size = argc > 3 ? (uint32_t)atoi(argv[i + 3]) : def_sizes[i];
		uint64_t f = size > 512 ? frames / 4 : frames;
		double best[NWAYS];

		for (w = 0; w < NWAYS; w++)
			best[w] = 1e9;
		run(p, PUT, f / 10, size, batch, src);	/* warm up */
		for (k = 0; k < 5; k++) {
			for (w = 0; w < NWAYS; w++) {
				double t = run(p, (enum way)w, f, size, batch, src);

				best[w] = t < best[w] ? t : best[w];
			}
		}
		for (w = 0; w < NWAYS; w++)
			printf("| %u | %s | %.1f | %.2f | %.2f |\n", size,
			       names[w], best[w] / f * 1e9, f / best[w] / 1e6,
			       best[w] / best[PUT]);
	}
	printf("\nBatches of %u frames; one lossy listener attached that never reads (the producer never waits).\n",
	       batch);
	hpcap_close(h);
	hpcap_producer_close(p);
	free(src);
	return 0;
}
