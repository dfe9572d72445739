// SPDX-License-Identifier: BSD-3-Clause
/*
 * zpool.c - see zpool.h.  One mutex for the ring: a frame is ~1 MiB of
 * compression (milliseconds), so a lock per frame costs nothing.
 *
 * Ring positions only grow; slot i % nslots:
 *   [head, next_job)  handed to a worker (done or not)
 *   [next_job, sub)   submitted, waiting for a worker
 *   sub               being filled by the writer (after zpool_next())
 * head and the slot contents of [head, sub) are the writer's; sub,
 * next_job, done and stop change under the mutex.
 */
#define _GNU_SOURCE
#include "pipeline/zpool.h"
#include "libhpcap.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

struct slot {
	uint8_t *in, *out;
	size_t d_size, c_size;
	const char *err;
	int done;
};

struct worker {
	struct zpool *z;
	pthread_t th;
	ZSTD_CCtx *cctx;
	int started;
};

struct zpool {
	pthread_mutex_t mu;
	pthread_cond_t more;	/* writer -> workers: a frame, or stop */
	pthread_cond_t done;	/* worker -> writer: a frame is compressed */
	struct slot *slot;
	unsigned nslots;
	uint64_t head, next_job, sub;
	int stop;
	size_t in_cap, out_cap;
	struct worker *w;
	unsigned nthreads;
};

static void *run(void *arg)
{
	struct worker *wk = arg;
	struct zpool *z = wk->z;

	pthread_mutex_lock(&z->mu);
	for (;;) {
		struct slot *s;
		size_t c;

		while (z->next_job == z->sub && !z->stop)
			pthread_cond_wait(&z->more, &z->mu);
		if (z->next_job == z->sub)
			break;	/* stop, and nothing left */
		s = &z->slot[z->next_job++ % z->nslots];
		pthread_mutex_unlock(&z->mu);
		/* The same parameters in every context, and compress2 starts
		 * each frame from a fresh session: the bytes depend on the
		 * input only, not on which worker made them. */
		c = ZSTD_compress2(wk->cctx, s->out, z->out_cap, s->in, s->d_size);
		pthread_mutex_lock(&z->mu);
		if (ZSTD_isError(c))
			s->err = ZSTD_getErrorName(c);
		else
			s->c_size = c;
		s->done = 1;
		pthread_cond_broadcast(&z->done);
	}
	pthread_mutex_unlock(&z->mu);
	return NULL;
}

/* The k-th CPU (round robin) of a mask. */
static int nth_cpu(uint64_t cpus, unsigned k)
{
	unsigned n = (unsigned)__builtin_popcountll(cpus);

	k %= n;
	while (k--)
		cpus &= cpus - 1;
	return __builtin_ctzll(cpus);
}

static ZSTD_CCtx *new_cctx(int level, int checksums)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();

	if (c && (ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel,
						      level)) ||
		  ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag,
						      checksums)) ||
		  ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag,
						      1)))) {
		ZSTD_freeCCtx(c);
		return NULL;
	}
	return c;
}

int zpool_open(struct zpool **zp, unsigned threads, uint64_t cpus, int level,
	       int checksums, size_t in_cap, char *errbuf)
{
	struct zpool *z;
	unsigned i;
	int err;

	*zp = NULL;
	if (!threads) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "a zstd pool needs a thread");
		return -EINVAL;
	}
	z = calloc(1, sizeof(*z));
	if (!z)
		goto oom;
	pthread_mutex_init(&z->mu, NULL);
	pthread_cond_init(&z->more, NULL);
	pthread_cond_init(&z->done, NULL);
	z->in_cap = in_cap;
	z->out_cap = ZSTD_compressBound(in_cap);
	/* Every worker busy, one slot filling, one done waiting to be
	 * written; twice the workers when frames are small, so a frame that
	 * is slow to compress does not stall the others behind it. */
	z->nslots = in_cap <= (16u << 20) ? 2 * threads + 1 : threads + 2;
	z->slot = calloc(z->nslots, sizeof(*z->slot));
	z->w = calloc(threads, sizeof(*z->w));
	z->nthreads = threads;
	if (!z->slot || !z->w)
		goto oom;
	for (i = 0; i < z->nslots; i++) {
		z->slot[i].in = malloc(in_cap);
		z->slot[i].out = malloc(z->out_cap);
		if (!z->slot[i].in || !z->slot[i].out)
			goto oom;
	}
	for (i = 0; i < threads; i++) {
		struct worker *wk = &z->w[i];

		wk->z = z;
		wk->cctx = new_cctx(level, checksums);
		if (!wk->cctx) {
			snprintf(errbuf, HPCAP_ERRBUF_SIZE,
				 "zstd refused the parameters (level %d)", level);
			zpool_close(z);
			return -EINVAL;
		}
		err = pthread_create(&wk->th, NULL, run, wk);
		if (err) {
			snprintf(errbuf, HPCAP_ERRBUF_SIZE,
				 "cannot start zstd worker %u: %s", i, strerror(err));
			zpool_close(z);
			return -err;
		}
		wk->started = 1;
		pthread_setname_np(wk->th, "hpcap-zstd");
		if (cpus) {
			cpu_set_t set;
			int cpu = nth_cpu(cpus, i);

			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			err = pthread_setaffinity_np(wk->th, sizeof(set), &set);
			if (err) {
				snprintf(errbuf, HPCAP_ERRBUF_SIZE,
					 "cannot pin zstd worker %u to CPU %d: %s",
					 i, cpu, strerror(err));
				zpool_close(z);
				return -err;
			}
		}
	}
	*zp = z;
	return 0;
oom:
	snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
	zpool_close(z);
	return -ENOMEM;
}

int zpool_full(const struct zpool *z)
{
	return z->sub - z->head >= z->nslots;
}

uint8_t *zpool_next(struct zpool *z)
{
	return z->slot[z->sub % z->nslots].in;
}

void zpool_submit(struct zpool *z, size_t n)
{
	struct slot *s = &z->slot[z->sub % z->nslots];

	s->d_size = n;
	s->c_size = 0;
	s->err = NULL;
	pthread_mutex_lock(&z->mu);
	s->done = 0;
	z->sub++;
	pthread_cond_signal(&z->more);
	pthread_mutex_unlock(&z->mu);
}

int zpool_take(struct zpool *z, int wait, struct zpool_frame *f)
{
	struct slot *s = &z->slot[z->head % z->nslots];
	int ready;

	if (z->head == z->sub)
		return 0;
	pthread_mutex_lock(&z->mu);
	while (!s->done && wait)
		pthread_cond_wait(&z->done, &z->mu);
	ready = s->done;
	pthread_mutex_unlock(&z->mu);
	if (!ready)
		return 0;
	f->err = s->err;
	f->data = s->err ? NULL : s->out;
	f->c_size = s->c_size;
	f->d_size = s->d_size;
	return 1;
}

void zpool_release(struct zpool *z)
{
	z->head++;
}

unsigned zpool_in_flight(const struct zpool *z)
{
	return (unsigned)(z->sub - z->head);
}

void zpool_close(struct zpool *z)
{
	unsigned i;

	if (!z)
		return;
	pthread_mutex_lock(&z->mu);
	z->stop = 1;
	pthread_cond_broadcast(&z->more);
	pthread_mutex_unlock(&z->mu);
	for (i = 0; z->w && i < z->nthreads; i++) {
		if (z->w[i].started)
			pthread_join(z->w[i].th, NULL);
		ZSTD_freeCCtx(z->w[i].cctx);
	}
	for (i = 0; z->slot && i < z->nslots; i++) {
		free(z->slot[i].in);
		free(z->slot[i].out);
	}
	free(z->slot);
	free(z->w);
	pthread_cond_destroy(&z->done);
	pthread_cond_destroy(&z->more);
	pthread_mutex_destroy(&z->mu);
	free(z);
}
