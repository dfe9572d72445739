// SPDX-License-Identifier: BSD-3-Clause
/*
 * cpu-gaps - how much of a CPU a busy thread pinned to it actually gets on
 * this machine: it spins for SECONDS reading the clock and adds up the
 * stretches longer than 0.5 ms between two reads (time the thread was not
 * running).  A capture thread pinned there loses the same time, during
 * which only its rings can absorb traffic; the AF_XDP benchmark prints it
 * beside its results.
 *
 *   cpu-gaps CPU [SECONDS]
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double secs = argc > 2 ? atof(argv[2]) : 2, t0, t, last, gap, off = 0,
	       max = 0;
	cpu_set_t set;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CPU [SECONDS]\n", argv[0]);
		return 2;
	}
	CPU_ZERO(&set);
	CPU_SET(atoi(argv[1]), &set);
	sched_setaffinity(0, sizeof(set), &set);
	t0 = last = now_s();
	while ((t = now_s()) - t0 < secs) {
		gap = t - last;
		if (gap > 0.0005) {
			off += gap;
			if (gap > max)
				max = gap;
		}
		last = t;
	}
	printf("a thread spinning on CPU %s ran %.0f%% of %.1f s; longest time off it: %.1f ms\n",
	       argv[1], 100 * (1 - off / secs), secs, max * 1e3);
	return 0;
}
