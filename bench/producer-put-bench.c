// SPDX-License-Identifier: BSD-3-Clause
/*
 * producer-put-bench - what one hpcap_producer_put() costs, the call
 * hpcap-xdp made for every frame before it wrote batches (producer-bench
 * compares it with the batched calls): 64-byte and 1500-byte frames into a
 * shared-memory queue with one listener attached (lossy, so it never
 * holds the producer back), in a tight loop on one core.  Printed next to
 * a plain memcpy of the same bytes, so the per-frame overhead of the call
 * (its lock, its checks) shows against the copy it has to do anyway.
 *
 *   producer-put-bench DIR        (DIR on a tmpfs, e.g. /dev/shm)
 */
#define _GNU_SOURCE
#include "libhpcap_live.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FRAMES 4000000u
#define RUNS 5

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static uint8_t frame[1500], sink[1 << 16];
	static const unsigned sizes[2] = { 64, 1500 };
	struct hpcap_producer_opts po = { .flags = HPCAP_PRODUCER_DROP };
	char path[512], errbuf[HPCAP_ERRBUF_SIZE];
	struct hpcap_producer *p;
	struct hpcap_handle *h;
	unsigned s, r, i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/hpcap_99_0", argv[1]);
	memset(frame, 0x5a, sizeof(frame));
	if (hpcap_producer_create(&p, path, &po, errbuf) ||
	    hpcap_open_path(&h, path, HPCAP_OPEN_LOSSY, errbuf)) {
		fprintf(stderr, "producer-put-bench: %s\n", errbuf);
		return 1;
	}
	printf("| frame bytes | hpcap_producer_put ns/frame | Mpps | memcpy ns/frame | put - memcpy ns |\n");
	printf("|---:|---:|---:|---:|---:|\n");
	for (s = 0; s < 2; s++) {
		double best_put = 1e9, best_cpy = 1e9, t;

		for (r = 0; r < RUNS; r++) {
			t = now_s();
			for (i = 0; i < FRAMES; i++)
				hpcap_producer_put(p, 1, i, sizes[s], sizes[s],
						   frame, 0);
			t = (now_s() - t) / FRAMES * 1e9;
			if (t < best_put)
				best_put = t;
			t = now_s();
			for (i = 0; i < FRAMES; i++) {
				memcpy(sink + (i * 1500u) % (sizeof(sink) - 1500),
				       frame, sizes[s]);
				__asm__ volatile("" ::: "memory");
			}
			t = (now_s() - t) / FRAMES * 1e9;
			if (t < best_cpy)
				best_cpy = t;
		}
		printf("| %u | %.1f | %.1f | %.1f | %.1f |\n", sizes[s], best_put,
		       1e3 / best_put, best_cpy, best_put - best_cpy);
	}
	hpcap_close(h);
	hpcap_producer_close(p);
	return 0;
}
