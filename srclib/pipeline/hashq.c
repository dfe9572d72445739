// SPDX-License-Identifier: BSD-3-Clause
/*
 * hashq.c - see hashq.h.  A ring of pieces under one mutex: the pieces are
 * large (up to the copier's 8 MiB writes), so a lock per piece costs
 * nothing next to hashing it.
 */
#define _GNU_SOURCE
#include "pipeline/hashq.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Pieces in flight: enough for the copier's windows (half the capture
 * buffer in 8 MiB writes) to go on while one piece is hashed. */
#define HASHQ_SLOTS 64u

struct piece {
	struct hpcap_sha256 *ctx;
	const void *p;
	size_t n;
	uint64_t pos;
};

struct hashq {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t more;	/* writer -> thread: a piece, or stop */
	pthread_cond_t less;	/* thread -> writer: room, or all done */
	struct piece ring[HASHQ_SLOTS];
	unsigned head, tail;	/* head: next to hash; tail: next free */
	int stop;
};

static void *run(void *arg)
{
	struct hashq *q = arg;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		struct piece pc;

		while (q->head == q->tail && !q->stop)
			pthread_cond_wait(&q->more, &q->mu);
		if (q->head == q->tail)
			break;
		pc = q->ring[q->head % HASHQ_SLOTS];
		pthread_mutex_unlock(&q->mu);
		hpcap_sha256_update(pc.ctx, pc.p, pc.n);
		pthread_mutex_lock(&q->mu);
		q->head++;
		pthread_cond_broadcast(&q->less);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

int hashq_open(struct hashq **qp, uint64_t cpus, char *errbuf)
{
	struct hashq *q = calloc(1, sizeof(*q));
	int err;

	*qp = NULL;
	if (!q) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->more, NULL);
	pthread_cond_init(&q->less, NULL);
	err = pthread_create(&q->th, NULL, run, q);
	if (err) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "cannot start the hashing thread: %s", strerror(err));
		pthread_cond_destroy(&q->less);
		pthread_cond_destroy(&q->more);
		pthread_mutex_destroy(&q->mu);
		free(q);
		return -err;
	}
	pthread_setname_np(q->th, "hpcap-sha256");
	if (cpus) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(__builtin_ctzll(cpus), &set);
		err = pthread_setaffinity_np(q->th, sizeof(set), &set);
		if (err) {
			snprintf(errbuf, HPCAP_ERRBUF_SIZE,
				 "cannot pin the hashing thread to CPU %d: %s",
				 __builtin_ctzll(cpus), strerror(err));
			hashq_close(q);
			return -err;
		}
	}
	*qp = q;
	return 0;
}

void hashq_add(struct hashq *q, struct hpcap_sha256 *ctx, const void *p,
	       size_t n, uint64_t pos)
{
	pthread_mutex_lock(&q->mu);
	while (q->tail - q->head == HASHQ_SLOTS)
		pthread_cond_wait(&q->less, &q->mu);
	q->ring[q->tail % HASHQ_SLOTS] = (struct piece){ ctx, p, n, pos };
	q->tail++;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->mu);
}

void hashq_wait(struct hashq *q)
{
	hashq_wait_upto(q, UINT64_MAX);
}

void hashq_wait_upto(struct hashq *q, uint64_t upto)
{
	pthread_mutex_lock(&q->mu);
	while (q->head != q->tail &&
	       q->ring[q->head % HASHQ_SLOTS].pos < upto)
		pthread_cond_wait(&q->less, &q->mu);
	pthread_mutex_unlock(&q->mu);
}

int hashq_pending(struct hashq *q, uint64_t *pos)
{
	int any;

	pthread_mutex_lock(&q->mu);
	any = q->head != q->tail;
	if (any)
		*pos = q->ring[q->head % HASHQ_SLOTS].pos;
	pthread_mutex_unlock(&q->mu);
	return any;
}

void hashq_close(struct hashq *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	q->stop = 1;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->th, NULL);
	pthread_cond_destroy(&q->less);
	pthread_cond_destroy(&q->more);
	pthread_mutex_destroy(&q->mu);
	free(q);
}
