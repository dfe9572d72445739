// SPDX-License-Identifier: BSD-3-Clause
/*
 * indexer.c - the thread that writes FILE.idx for finished capture files
 * (libhpcap_pipeline.h, hpcap_indexer_*).  The capture side only takes a
 * lock to put a path in a fixed ring; the index is built by reading the
 * file back (file/capindex.c) at SCHED_IDLE priority.
 */
#define _GNU_SOURCE
#include "libhpcap_pipeline.h"
#include "file/capindex.h"
#include "pipeline/pipeline_int.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EVENTS 64

struct hpcap_indexer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work, idle;
	unsigned max_pending;
	char (*paths)[4096];	/* ring of max_pending */
	unsigned head, count;	/* waiting */
	int busy;		/* the thread is on a file */
	int stop;
	struct hpcap_index_event ev[EVENTS];	/* ring of events */
	unsigned ev_head, ev_count;
	uint64_t written, skipped, failed, ev_lost;
};

/* Under the lock. */
static void push_event(struct hpcap_indexer *ix, const char *path, int err,
		       const char *msg)
{
	struct hpcap_index_event *e;

	if (ix->ev_count == EVENTS) {
		ix->ev_lost++;
		return;
	}
	e = &ix->ev[(ix->ev_head + ix->ev_count++) % EVENTS];
	snprintf(e->path, sizeof(e->path), "%s", path);
	e->err = err;
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
}

void hpcap_indexer_note(struct hpcap_indexer *ix, const char *path, int err,
			const char *msg)
{
	pthread_mutex_lock(&ix->lock);
	if (err == -EAGAIN)
		ix->skipped++;
	else if (err < 0)
		ix->failed++;
	else
		ix->written++;
	if (err)
		push_event(ix, path, err, msg);
	pthread_mutex_unlock(&ix->lock);
}

static void index_one(struct hpcap_indexer *ix, const char *path)
{
	char eb[HPCAP_ERRBUF_SIZE], ipath[4200];
	struct capindex ci;
	int r = capindex_build(&ci, path, eb);

	if (r >= 0) {
		char wb[HPCAP_ERRBUF_SIZE];

		capindex_path(ipath, sizeof(ipath), path);
		if (capindex_write(&ci, ipath, wb)) {
			snprintf(eb, sizeof(eb), "%s", wb);
			r = -EIO;
		}
		capindex_free(&ci);
	}
	hpcap_indexer_note(ix, path, r, eb);
}

static void *run(void *arg)
{
	struct hpcap_indexer *ix = arg;
	struct sched_param sp = { 0 };
	char path[4096];

	/* Only leftover CPU: the capture threads always come first. */
	pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp);
	pthread_mutex_lock(&ix->lock);
	for (;;) {
		while (!ix->count && !ix->stop)
			pthread_cond_wait(&ix->work, &ix->lock);
		if (ix->stop)
			break;
		memcpy(path, ix->paths[ix->head], sizeof(path));
		ix->head = (ix->head + 1) % ix->max_pending;
		ix->count--;
		ix->busy = 1;
		pthread_mutex_unlock(&ix->lock);
		index_one(ix, path);
		pthread_mutex_lock(&ix->lock);
		ix->busy = 0;
		pthread_cond_broadcast(&ix->idle);
	}
	pthread_mutex_unlock(&ix->lock);
	return NULL;
}

int hpcap_indexer_open(struct hpcap_indexer **ixp,
		       const struct hpcap_indexer_opts *o, char *errbuf)
{
	struct hpcap_indexer *ix = calloc(1, sizeof(*ix));
	int err;

	*ixp = NULL;
	if (!ix)
		goto nomem;
	ix->max_pending = o && o->max_pending ? o->max_pending : 4;
	ix->paths = calloc(ix->max_pending, sizeof(*ix->paths));
	if (!ix->paths) {
		free(ix);
		goto nomem;
	}
	pthread_mutex_init(&ix->lock, NULL);
	pthread_cond_init(&ix->work, NULL);
	pthread_cond_init(&ix->idle, NULL);
	err = pthread_create(&ix->thread, NULL, run, ix);
	if (err) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "cannot start the index thread: %s", strerror(err));
		free(ix->paths);
		free(ix);
		return -err;
	}
	*ixp = ix;
	return 0;
nomem:
	snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
	return -ENOMEM;
}

int hpcap_indexer_submit(struct hpcap_indexer *ix, const char *path)
{
	int ret = 0;

	pthread_mutex_lock(&ix->lock);
	if (ix->count == ix->max_pending) {
		ix->skipped++;
		push_event(ix, path, -EAGAIN,
			   "not indexed: the indexer is behind (run hpcap-index on it later)");
		ret = -EAGAIN;
	} else {
		snprintf(ix->paths[(ix->head + ix->count) % ix->max_pending],
			 sizeof(ix->paths[0]), "%s", path);
		ix->count++;
		pthread_cond_signal(&ix->work);
	}
	pthread_mutex_unlock(&ix->lock);
	return ret;
}

int hpcap_indexer_poll(struct hpcap_indexer *ix, struct hpcap_index_event *ev)
{
	int got = 0;

	pthread_mutex_lock(&ix->lock);
	if (ix->ev_count) {
		*ev = ix->ev[ix->ev_head];
		ix->ev_head = (ix->ev_head + 1) % EVENTS;
		ix->ev_count--;
		got = 1;
	}
	pthread_mutex_unlock(&ix->lock);
	return got;
}

unsigned hpcap_indexer_drain(struct hpcap_indexer *ix, int timeout_ms)
{
	struct timespec until;
	unsigned left;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&ix->lock);
	while ((ix->count || ix->busy) &&
	       pthread_cond_timedwait(&ix->idle, &ix->lock, &until) == 0)
		;
	left = ix->count + (unsigned)ix->busy;
	pthread_mutex_unlock(&ix->lock);
	return left;
}

void hpcap_indexer_counts(const struct hpcap_indexer *ix, uint64_t *written,
			  uint64_t *skipped, uint64_t *failed)
{
	struct hpcap_indexer *m = (struct hpcap_indexer *)ix;

	pthread_mutex_lock(&m->lock);
	*written = ix->written;
	*skipped = ix->skipped;
	*failed = ix->failed;
	pthread_mutex_unlock(&m->lock);
}

void hpcap_indexer_close(struct hpcap_indexer *ix)
{
	if (!ix)
		return;
	pthread_mutex_lock(&ix->lock);
	ix->stop = 1;
	pthread_cond_signal(&ix->work);
	pthread_mutex_unlock(&ix->lock);
	pthread_join(ix->thread, NULL);
	pthread_mutex_destroy(&ix->lock);
	pthread_cond_destroy(&ix->work);
	pthread_cond_destroy(&ix->idle);
	free(ix->paths);
	free(ix);
}
