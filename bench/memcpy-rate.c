// SPDX-License-Identifier: BSD-3-Clause
/*
 * memcpy-rate - the memory-copy ceiling of this machine, for the benchmark
 * table: copies a buffer much larger than the caches with memcpy() in
 * 1 MiB chunks (the size the RAW reader reads in) and prints the best of
 * several passes in GB/s (10^9 bytes of destination written per second).
 *
 *   memcpy-rate [MiB per buffer, default 128] [passes, default 5]
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHUNK (1u << 20)

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 128;
	int passes = argc > 2 ? atoi(argv[2]) : 5, p;
	size_t size, off;
	double best = 0;
	uint8_t *src, *dst;
	volatile uint8_t sink;

	if (mib == 0 || passes <= 0) {
		fprintf(stderr, "usage: %s [MiB] [passes]\n", argv[0]);
		return 2;
	}
	size = mib << 20;
	src = malloc(size);
	dst = malloc(size);
	if (!src || !dst) {
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		return 1;
	}
	/* Touch every page first, so page faults are not measured. */
	memset(src, 0x5a, size);
	memset(dst, 0, size);
	for (p = 0; p < passes; p++) {
		double t0 = now(), dt;

		for (off = 0; off < size; off += CHUNK)
			memcpy(dst + off, src + off, CHUNK);
		dt = now() - t0;
		if (dt > 0 && (double)size / dt / 1e9 > best)
			best = (double)size / dt / 1e9;
		src[p] ^= 1;	/* keep the compiler from merging passes */
	}
	sink = dst[size / 2];
	(void)sink;
	printf("%.2f\n", best);
	free(src);
	free(dst);
	return 0;
}
