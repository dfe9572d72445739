// SPDX-License-Identifier: BSD-3-Clause
/*
 * idxq.c - see idxq.h.  One ring of items under one mutex, as hashq.c: a
 * file's start, its stream pieces (up to the copier's 8 MiB writes), its
 * end.  The item the thread works on stays at the head of the ring until
 * it is done, so idxq_pending() reports its bytes as still needed.
 *
 * The walk reads the records as the file will hold them (file offset =
 * lead + stream position - the file's first position) with the rules of
 * capscan.c's RAW reader: a padding at file offset 0 opens the file, any
 * other padding closes it.  A record cut by the end of a piece is copied
 * whole into a carry buffer (pieces need not be adjacent in memory).
 */
#define _GNU_SOURCE
#include "pipeline/idxq.h"
#include "pipeline/pipeline_int.h"
#include "file/capindex.h"
#include "file/capscan.h"
#include "hpcap_record.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLOTS 256u
#define CARRY (HPCAP_RAW_HDR_LEN + 65535u)

enum { IT_BEGIN, IT_DATA, IT_END, IT_FORGET, IT_DROPPED };

struct item {
	int type;
	const uint8_t *p;
	size_t n;
	uint64_t pos;		/* BEGIN, DATA: stream position */
	uint64_t lead;		/* BEGIN */
	uint64_t size, check;	/* END */
	char *path;		/* END (malloc'ed; NULL: out of memory) */
};

/* What the thread knows of the file it indexes. */
enum { F_NONE, F_OPEN, F_CLOSED, F_DROPPED, F_BAD };

struct idxq {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t more;	/* copier -> thread: an item, a drop, stop */
	pthread_cond_t less;	/* thread -> copier: an item done */
	struct item ring[SLOTS];
	unsigned head, tail;
	int stop;
	_Atomic uint64_t drop_upto;	/* pieces before this: give up */
	_Atomic uint64_t at;	/* how far the thread is in the head piece */
	struct hpcap_indexer *report;
	/* the thread's own */
	struct capindex ci;
	int state;
	uint64_t start, lead;	/* the file's first stream position, lead */
	uint64_t rec;		/* stream position of the next record */
	uint8_t carry[CARRY];	/* its first carry_n bytes, when cut */
	uint32_t carry_n;
};

static void walk_record(struct idxq *q, const uint8_t *rec, uint64_t pos)
{
	struct hpcap_rec r;
	uint64_t off = q->lead + (pos - q->start);

	hpcap_rec_decode(rec, &r);
	if (!hpcap_rec_sane(&r)) {
		q->state = F_BAD;
		return;
	}
	if (!r.sec && !r.nsec) {
		if (off)	/* the closing padding: nothing after it */
			q->state = F_CLOSED;
		return;
	}
	capindex_add(&q->ci, off, (uint64_t)r.sec * HPCAP_NSEC_PER_SEC + r.nsec,
		     rec + HPCAP_RAW_HDR_LEN, r.caplen);
}

/* The records of one piece; 0 when dropped on the way. */
static int walk(struct idxq *q, const uint8_t *p, size_t n, uint64_t pos)
{
	size_t i = 0;

	if (q->state != F_OPEN)
		return 1;
	if (pos != q->rec + q->carry_n) {	/* not the stream: a gap */
		q->state = F_BAD;
		return 1;
	}
	while (i < n && q->state == F_OPEN) {
		size_t left = n - i, need;
		uint32_t sz;

		/* Checked per record: a drop waits for at most one. */
		if (atomic_load_explicit(&q->drop_upto, memory_order_acquire) >
		    pos)
			return 0;
		if (q->carry_n) {	/* complete the cut record */
			need = (q->carry_n < HPCAP_RAW_HDR_LEN
					? HPCAP_RAW_HDR_LEN
					: hpcap_rec_size(q->carry)) - q->carry_n;
			if (need > left)
				need = left;
			memcpy(q->carry + q->carry_n, p + i, need);
			q->carry_n += (uint32_t)need;
			i += need;
			atomic_store_explicit(&q->at, pos + i,
					      memory_order_release);
			if (q->carry_n >= HPCAP_RAW_HDR_LEN &&
			    q->carry_n == hpcap_rec_size(q->carry)) {
				walk_record(q, q->carry, q->rec);
				q->rec += q->carry_n;
				q->carry_n = 0;
			}
			continue;
		}
		if (left < HPCAP_RAW_HDR_LEN || left < hpcap_rec_size(p + i)) {
			memcpy(q->carry, p + i, left);
			q->carry_n = (uint32_t)left;
			atomic_store_explicit(&q->at, pos + n,
					      memory_order_release);
			break;
		}
		sz = hpcap_rec_size(p + i);
		walk_record(q, p + i, q->rec);
		q->rec += sz;
		i += sz;
		/* The bytes before here are no longer needed. */
		atomic_store_explicit(&q->at, pos + i, memory_order_release);
	}
	return 1;
}

/* The file is complete on the disk: its index, or why there is none. */
static void finish(struct idxq *q, const struct item *it)
{
	char eb[HPCAP_ERRBUF_SIZE], ipath[4200];
	int err;

	if (!it->path)
		return;	/* out of memory for its name: nothing to report to */
	if (q->state != F_OPEN && q->state != F_CLOSED) {
		/* Given up behind the capture (F_DROPPED), or not the
		 * stream as the producer writes it: the read-back indexer
		 * takes the file if it has room (else it counts and names
		 * it), and says what is wrong with a damaged one, as
		 * hpcap-index would. */
		hpcap_indexer_submit(q->report, it->path);
		return;
	}
	if (q->carry_n) {	/* a record cut by the end of the file */
		hpcap_indexer_submit(q->report, it->path);
		return;
	}
	q->ci.fmt = CAPSCAN_RAW;
	q->ci.data_size = it->size;
	q->ci.data_check = it->check;
	if (capindex_finish(&q->ci)) {
		snprintf(eb, sizeof(eb), "out of memory indexing %s", it->path);
		hpcap_indexer_note(q->report, it->path, -ENOMEM, eb);
		return;
	}
	capindex_path(ipath, sizeof(ipath), it->path);
	err = capindex_write(&q->ci, ipath, eb);
	hpcap_indexer_note(q->report, it->path, err ? -EIO : 0, eb);
}

static void reset(struct idxq *q, int state)
{
	capindex_free(&q->ci);
	capindex_init(&q->ci);
	q->state = state;
	q->carry_n = 0;
}

static void process(struct idxq *q, const struct item *it)
{
	switch (it->type) {
	case IT_BEGIN:
		reset(q, F_OPEN);
		q->start = q->rec = it->pos;
		q->lead = it->lead;
		break;
	case IT_DATA:
		atomic_store_explicit(&q->at, it->pos, memory_order_release);
		if (!walk(q, it->p, it->n, it->pos))
			q->state = F_DROPPED;
		break;
	case IT_END:
		finish(q, it);
		reset(q, F_NONE);
		break;
	case IT_DROPPED:	/* a piece given up while it waited */
		if (q->state != F_NONE)
			q->state = F_DROPPED;
		break;
	default:	/* IT_FORGET */
		reset(q, F_NONE);
		break;
	}
}

/* Under the lock: the item at the head is done. */
static void pop(struct idxq *q)
{
	free(q->ring[q->head % SLOTS].path);
	q->ring[q->head % SLOTS].path = NULL;
	q->head++;
	pthread_cond_broadcast(&q->less);
}

static void *run(void *arg)
{
	struct idxq *q = arg;
	struct sched_param sp = { 0 };

	/* Only leftover CPU, as the read-back indexer: the copy comes
	 * first, and an index that falls behind is dropped, not waited for. */
	pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp);
	pthread_mutex_lock(&q->mu);
	for (;;) {
		struct item it;

		while (q->head == q->tail && !q->stop)
			pthread_cond_wait(&q->more, &q->mu);
		if (q->head == q->tail)
			break;
		it = q->ring[q->head % SLOTS];
		if (it.type == IT_DATA &&
		    it.pos < atomic_load_explicit(&q->drop_upto,
						  memory_order_relaxed)) {
			if (q->state != F_NONE)
				q->state = F_DROPPED;
			pop(q);
			continue;
		}
		pthread_mutex_unlock(&q->mu);
		process(q, &it);
		pthread_mutex_lock(&q->mu);
		pop(q);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

int idxq_open(struct idxq **qp, struct hpcap_indexer *ix, char *errbuf)
{
	struct idxq *q = calloc(1, sizeof(*q));
	int err;

	*qp = NULL;
	if (!q) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		return -ENOMEM;
	}
	q->report = ix;
	capindex_init(&q->ci);
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->more, NULL);
	pthread_cond_init(&q->less, NULL);
	err = pthread_create(&q->th, NULL, run, q);
	if (err) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "cannot start the index thread: %s", strerror(err));
		pthread_cond_destroy(&q->less);
		pthread_cond_destroy(&q->more);
		pthread_mutex_destroy(&q->mu);
		free(q);
		return -err;
	}
	pthread_setname_np(q->th, "hpcap-index");
	*qp = q;
	return 0;
}

/* Under the lock: whether the thread may be reading a piece before pos
 * (only the head item is ever read outside the lock). */
static int reads_before(const struct idxq *q, uint64_t pos)
{
	const struct item *it = &q->ring[q->head % SLOTS];

	return q->head != q->tail && it->type == IT_DATA && it->pos < pos;
}

/* The pieces before pos that wait are marked dropped here; the one the
 * thread is on, if any, it gives up at its next record. */
static void drop_locked(struct idxq *q, uint64_t pos)
{
	if (pos > atomic_load_explicit(&q->drop_upto, memory_order_relaxed))
		atomic_store_explicit(&q->drop_upto, pos, memory_order_release);
	for (unsigned i = q->head; i != q->tail; i++) {
		struct item *it = &q->ring[i % SLOTS];

		if (i != q->head && it->type == IT_DATA && it->pos < pos)
			it->type = IT_DROPPED;
	}
	pthread_cond_signal(&q->more);
	while (reads_before(q, pos))
		pthread_cond_wait(&q->less, &q->mu);
}

static void push(struct idxq *q, const struct item *it)
{
	pthread_mutex_lock(&q->mu);
	if (q->tail - q->head == SLOTS && it->type == IT_DATA)
		drop_locked(q, it->pos);	/* far behind: give up */
	while (q->tail - q->head == SLOTS)	/* files' starts and ends */
		pthread_cond_wait(&q->less, &q->mu);
	q->ring[q->tail % SLOTS] = *it;
	q->tail++;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->mu);
}

void idxq_begin(struct idxq *q, uint64_t pos, uint64_t lead)
{
	push(q, &(struct item){ .type = IT_BEGIN, .pos = pos, .lead = lead });
}

void idxq_add(struct idxq *q, const void *p, size_t n, uint64_t pos)
{
	if (n)
		push(q, &(struct item){ .type = IT_DATA, .p = p, .n = n,
					.pos = pos });
}

void idxq_end(struct idxq *q, const char *path, uint64_t size,
	      uint64_t check)
{
	push(q, &(struct item){ .type = IT_END, .path = strdup(path),
				.size = size, .check = check });
}

void idxq_forget(struct idxq *q)
{
	push(q, &(struct item){ .type = IT_FORGET });
}

int idxq_pending(struct idxq *q, uint64_t *pos)
{
	int any = 0;

	pthread_mutex_lock(&q->mu);
	for (unsigned i = q->head; i != q->tail; i++) {
		const struct item *it = &q->ring[i % SLOTS];

		if (it->type != IT_DATA)
			continue;
		*pos = it->pos;
		if (i == q->head) {	/* the thread may be part way in */
			uint64_t at = atomic_load_explicit(&q->at,
						memory_order_acquire);

			if (at > it->pos && at <= it->pos + it->n)
				*pos = at;
		}
		any = 1;
		break;
	}
	pthread_mutex_unlock(&q->mu);
	return any;
}

void idxq_drop_before(struct idxq *q, uint64_t pos)
{
	pthread_mutex_lock(&q->mu);
	drop_locked(q, pos);
	pthread_mutex_unlock(&q->mu);
}

void idxq_wait_progress(struct idxq *q, unsigned ms)
{
	struct timespec until;
	unsigned h;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += (long)ms * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&q->mu);
	h = q->head;
	while (q->head == h && q->head != q->tail &&
	       pthread_cond_timedwait(&q->less, &q->mu, &until) == 0)
		;
	pthread_mutex_unlock(&q->mu);
}

void idxq_close(struct idxq *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	q->stop = 1;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->th, NULL);
	capindex_free(&q->ci);
	pthread_cond_destroy(&q->less);
	pthread_cond_destroy(&q->more);
	pthread_mutex_destroy(&q->mu);
	free(q);
}
