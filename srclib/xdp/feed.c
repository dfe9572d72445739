// SPDX-License-Identifier: BSD-3-Clause
/*
 * feed.c - see feed.h.  The receive loop: peek a batch on the RX ring,
 * stamp its frames and write them into the hpcap queue in one call, give
 * the batch's chunks back on the fill ring; on an empty ring, kick the
 * kernel (busy poll or need-wakeup), and after idle_spin_us of nothing,
 * sleep in poll() so that an idle port costs no CPU.
 */
#define _GNU_SOURCE
#include "feed.h"

#include <errno.h>
#include <numa.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define BATCH 64u
/* How often the thread looks at the clock while busy (batches). */
#define CLOCK_EVERY 64u
#define PUBLISH_NS (100ull * 1000 * 1000)
/* After a stop, keep emptying the ring until it stayed empty this long
 * (redirects already under way land within a NAPI run). */
#define DRAIN_NS (20ull * 1000 * 1000)
#define DRAIN_MAX_NS (1000ull * 1000 * 1000)
#define IDLE_SLEEP_MS 10
/* Widest bracket of monotonic reads around a realtime read that gives a
 * usable CLOCK_REALTIME - CLOCK_MONOTONIC (a clock read takes ~20 ns). */
#define OFFSET_BRACKET_NS 20000ull

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * CLOCK_REALTIME - CLOCK_MONOTONIC: turns the program's bpf_ktime_get_ns()
 * into time of day.  Taken again every PUBLISH_NS, so a clock step is
 * followed within 0.1 s.  The realtime read is bracketed by two monotonic
 * ones; if this thread was preempted in between, the estimate is off by
 * up to the preemption (stamps would jump), so only a narrow bracket is
 * used, else *off is left as it was.
 */
static void realtime_offset(int64_t *off)
{
	uint64_t m0, r, m1, w, best_w = UINT64_MAX;
	int64_t best = 0;
	int i;

	for (i = 0; i < 8; i++) {
		m0 = clock_ns(CLOCK_MONOTONIC);
		r = clock_ns(CLOCK_REALTIME);
		m1 = clock_ns(CLOCK_MONOTONIC);
		w = m1 - m0;
		if (w < best_w) {
			best_w = w;
			best = (int64_t)(r - (m0 + w / 2));
		}
		if (w < OFFSET_BRACKET_NS / 4)
			break;
	}
	if (best_w < OFFSET_BRACKET_NS || !*off)
		*off = best;
}

static void publish(struct hxdp_feed *f)
{
	f->own.updated_ns = clock_ns(CLOCK_REALTIME);
	hpcap_producer_stats(f->p, &f->own.q);
	/* Sequence count: odd while writing; readers retry. */
	__atomic_add_fetch(&f->seq, 1, __ATOMIC_ACQ_REL);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(&f->pub, &f->own, sizeof(f->pub));
	__atomic_add_fetch(&f->seq, 1, __ATOMIC_RELEASE);
}

void hxdp_feed_read(struct hxdp_feed *f, struct hxdp_feed_stats *s)
{
	uint32_t a, b;

	do {
		a = __atomic_load_n(&f->seq, __ATOMIC_ACQUIRE);
		memcpy(s, &f->pub, sizeof(*s));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		b = __atomic_load_n(&f->seq, __ATOMIC_RELAXED);
	} while ((a & 1) || a != b);
}

/* The frame's stamp, ns since the epoch; the clock is read at most once
 * per batch, and only for frames without metadata. */
static uint64_t stamp(struct hxdp_feed *f, uint8_t *data, int64_t off,
		      uint64_t *now)
{
	const struct hpcap_xdp_meta *m = hxdp_meta(data);

	if (!m && !*now)
		*now = clock_ns(CLOCK_REALTIME);
	return hxdp_pick_stamp(m, off, *now, &f->own);
}

/*
 * One batch of n descriptors from idx, written into the hpcap queue with
 * one hpcap_producer_put_batch() call: one lock, one publication and one
 * wake-up check per batch instead of per frame.  In drop mode it never
 * waits, so it takes all n (stored, or dropped and counted).  0, or
 * negative on error.
 */
static int write_batch(struct hxdp_feed *f, uint32_t idx, unsigned n,
		       int64_t off)
{
	struct hpcap_producer_frame fr[BATCH];
	uint32_t caplen_max = f->o.caplen ? f->o.caplen : UINT32_MAX;
	uint64_t now = 0, t;
	unsigned i;
	int st;

	for (i = 0; i < n; i++) {
		const struct xdp_desc *d = hxdp_rx_desc(f->q, idx + i);
		uint8_t *data = hxdp_frame(f->q, d->addr);

		t = stamp(f, data, off, &now);
		fr[i].sec = (uint32_t)(t / 1000000000u);
		fr[i].nsec = (uint32_t)(t % 1000000000u);
		fr[i].caplen = d->len < caplen_max ? d->len : caplen_max;
		fr[i].len = d->len;
		fr[i].data = data;
	}
	st = hpcap_producer_put_batch(f->p, fr, n, NULL, 0);
	if (st >= 0 && (unsigned)st == n)
		return 0;
	snprintf(f->err, sizeof(f->err),
		 "queue %u: cannot write into the hpcap queue (%d of %u frames taken): %s",
		 f->q->qid, st < 0 ? 0 : st, n, hpcap_producer_geterr(f->p));
	return st < 0 ? st : -EIO;
}

static void pin(struct hxdp_feed *f)
{
	cpu_set_t set;

	if (f->o.core >= 0) {
		CPU_ZERO(&set);
		CPU_SET(f->o.core, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	/* The hpcap buffer's pages are allocated as they are first
	 * written, by this thread: on the NIC's node. */
	if (f->o.numa_node >= 0 && numa_available() >= 0)
		numa_set_preferred(f->o.numa_node);
}

static void *feed_thread(void *arg)
{
	struct hxdp_feed *f = arg;
	uint64_t spin_ns = (uint64_t)(f->o.idle_spin_us ?
				      f->o.idle_spin_us : 100) * 1000;
	uint64_t next_publish, idle_since = 0, stop_since = 0, t;
	unsigned batches = 0, n;
	int64_t off = 0;
	uint32_t idx;
	int err = 0;

	pin(f);
	realtime_offset(&off);
	t = clock_ns(CLOCK_MONOTONIC);
	next_publish = t + PUBLISH_NS;
	for (;;) {
		n = hxdp_rx_peek(f->q, BATCH, &idx);
		if (n) {
			idle_since = 0;
			err = write_batch(f, idx, n, off);
			hxdp_rx_done(f->q, idx, n);
			if (err)
				break;
			if (++batches % CLOCK_EVERY)
				continue;
		} else {
			hxdp_rx_kick(f->q);
		}
		t = clock_ns(CLOCK_MONOTONIC);
		if (t >= next_publish) {
			realtime_offset(&off);
			publish(f);
			next_publish = t + PUBLISH_NS;
		}
		if (__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE)) {
			/* The sockets are out of the map: what is still
			 * coming lands within a NAPI run.  Bounded, in
			 * case they are not. */
			if (!stop_since)
				stop_since = t;
			if ((!n && t - stop_since >= DRAIN_NS) ||
			    t - stop_since >= DRAIN_MAX_NS)
				break;
			continue;
		}
		if (n)
			continue;
		if (!idle_since)
			idle_since = t;
		else if (t - idle_since >= spin_ns)
			hxdp_rx_wait(f->q, IDLE_SLEEP_MS);
	}
	f->own.running = 0;
	f->own.failed = !!err;
	publish(f);
	return NULL;
}

int hxdp_feed_start(struct hxdp_feed *f, struct hxdp_queue *q,
		    struct hpcap_producer *p, const struct hxdp_feed_opts *o)
{
	char name[16];
	int err;

	memset(f, 0, sizeof(*f));
	f->q = q;
	f->p = p;
	f->o = *o;
	f->own.running = 1;
	f->pub.running = 1;
	err = pthread_create(&f->thread, NULL, feed_thread, f);
	if (err) {
		snprintf(f->err, sizeof(f->err),
			 "queue %u: cannot start its thread: %s", q->qid,
			 strerror(err));
		return -err;
	}
	snprintf(name, sizeof(name), "hpcap-xdp/q%u", q->qid);
	pthread_setname_np(f->thread, name);
	f->started = 1;
	return 0;
}

void hxdp_feed_stop(struct hxdp_feed *f)
{
	if (!f->started)
		return;
	__atomic_store_n(&f->stop, 1, __ATOMIC_RELEASE);
	pthread_join(f->thread, NULL);
	f->started = 0;
}
