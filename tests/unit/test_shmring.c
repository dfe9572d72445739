// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_shmring.c - shared-memory queues (libhpcap's userspace producer and
 * its listeners through the ordinary hpcap_open_path()/hpcap_next() API):
 * a producer thread and listener threads in one process, lossless ones
 * holding the producer back and lossy ones that never do, each checking
 * every byte and the order of every frame; then processes: a listener
 * killed with SIGKILL while the producer waits for it, and a producer
 * killed under its listeners.  Built with ASan/UBSan and with TSan (the
 * lapped-lossy case only without TSan: a lossy reader racing the producer
 * over bytes it is overwriting is the design, checked afterwards).
 */
#define _GNU_SOURCE
#include "check.h"
#include "libhpcap_live.h"
#include "queue/shm_layout.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifndef UNDER_TSAN
#define UNDER_TSAN 0
#endif

#define MiB (1ull << 20)

static char qpath[256];

/* Frame i: 8-byte sequence number, then bytes (i + k) & 0xff. */
static uint32_t size_of(uint64_t i)
{
	return (uint32_t)((i * 2654435761u) % 1500) + 60;
}

static void fill(uint8_t *b, uint64_t i)
{
	uint32_t n = size_of(i), k;

	memcpy(b, &i, 8);
	for (k = 8; k < n; k++)
		b[k] = (uint8_t)(i + k);
}

/* 1 if rec is frame i of the pattern, intact. */
static int is_frame(const struct hpcap_raw_record *rec, uint64_t *seq)
{
	uint32_t k;

	if (rec->caplen < 8)
		return 0;
	memcpy(seq, rec->data, 8);
	if (rec->caplen != size_of(*seq) || rec->len != rec->caplen + 4 ||
	    rec->sec != 1700000000u + (uint32_t)(*seq / 1000) ||
	    rec->nsec != (uint32_t)(*seq % 1000) * 1000 + 7)
		return 0;
	for (k = 8; k < rec->caplen; k++)
		if (rec->data[k] != (uint8_t)(*seq + k))
			return 0;
	return 1;
}

struct prod_arg {
	struct hpcap_producer *p;
	uint64_t frames;
	unsigned listeners;	/* wait for these first */
	int usleep_every;	/* pause 1 ms every N frames (0: never) */
	uint64_t stored;
};

static void *producer(void *arg)
{
	struct prod_arg *a = arg;
	uint8_t buf[2048];
	uint64_t i;
	int r;

	CHECK(hpcap_producer_wait_listeners(a->p, a->listeners, 10000) == 0);
	for (i = 0; i < a->frames; i++) {
		fill(buf, i);
		do {
			r = hpcap_producer_put(a->p, 1700000000u + (uint32_t)(i / 1000),
					       (uint32_t)(i % 1000) * 1000 + 7,
					       size_of(i), size_of(i) + 4, buf,
					       -1);
		} while (r == -EINTR);
		CHECK(r == 1);
		a->stored += r == 1;
		if (a->usleep_every && i % (uint64_t)a->usleep_every == 0)
			usleep(1000);
	}
	return NULL;
}

struct cons_arg {
	unsigned flags;
	int slow_us;		/* sleep this long every 256 frames */
	unsigned stall_seed;	/* or: stall at random points (0: never) */
	uint64_t seen, bad, dup, last;
	uint64_t lost, lapped;
	int end;		/* last hpcap_next() result */
	pthread_barrier_t *opened;
};

static void *consumer(void *arg)
{
	struct cons_arg *a = arg;
	char err[HPCAP_ERRBUF_SIZE];
	struct hpcap_raw_record rec;
	struct hpcap_handle *h;
	uint64_t seq, next = 0;
	int r;

	r = hpcap_open_path(&h, qpath, a->flags, err);
	if (r < 0)
		fprintf(stderr, "open: %s\n", err);
	CHECK(r == 0);
	pthread_barrier_wait(a->opened);
	if (r < 0)
		return NULL;
	while ((r = hpcap_next(h, &rec, 1000)) >= 0) {
		if (r == 0)
			continue;
		if (!is_frame(&rec, &seq)) {
			/* A lossy reader checks after use whether the
			 * producer overwrote the frame meanwhile. */
			if (!hpcap_frame_valid(h))
				a->lapped++;
			else
				a->bad++;
			continue;
		}
		if (!hpcap_frame_valid(h)) {
			a->lapped++;
			continue;
		}
		if (a->seen && seq < next)
			a->dup++;
		next = seq + 1;
		a->last = seq;
		a->seen++;
		if (a->slow_us && a->seen % 256 == 0)
			usleep((useconds_t)a->slow_us);
		/* Stalls right after taking a frame leave read frames
		 * unacknowledged while the producer laps us. */
		if (a->stall_seed && rand_r(&a->stall_seed) % 64 == 0)
			usleep((useconds_t)(rand_r(&a->stall_seed) % 3000));
	}
	a->end = r;
	a->lost = hpcap_lost_frames(h);
	hpcap_close(h);
	return NULL;
}

static struct hpcap_producer *make(uint64_t buf, uint64_t file, unsigned flags)
{
	struct hpcap_producer_opts o = {
		.buf_size = buf, .file_size = file, .adapter = 7, .queue = 3,
		.flags = flags,
	};
	char err[HPCAP_ERRBUF_SIZE];
	struct hpcap_producer *p;
	int r = hpcap_producer_create(&p, qpath, &o, err);

	if (r < 0)
		fprintf(stderr, "create: %s\n", err);
	CHECK(r == 0);
	return r == 0 ? p : NULL;
}

/* n listeners (flags, slowness) against one producer of `frames`. */
static void run_threads(uint64_t buf, uint64_t frames, int nc,
			struct cons_arg *ca, unsigned pflags)
{
	struct prod_arg pa = { .frames = frames, .listeners = (unsigned)nc };
	pthread_t pt, ct[4];
	pthread_barrier_t bar;
	int i;

	pa.p = make(buf, MiB, pflags);
	if (!pa.p)
		return;
	pthread_barrier_init(&bar, NULL, (unsigned)nc + 1);
	for (i = 0; i < nc; i++) {
		ca[i].opened = &bar;
		pthread_create(&ct[i], NULL, consumer, &ca[i]);
	}
	pthread_barrier_wait(&bar);
	pthread_create(&pt, NULL, producer, &pa);
	pthread_join(pt, NULL);
	CHECK_EQ(pa.stored, frames);
	hpcap_producer_close(pa.p);
	for (i = 0; i < nc; i++)
		pthread_join(ct[i], NULL);
	pthread_barrier_destroy(&bar);
	CHECK(access(qpath, F_OK) != 0);	/* the file is removed */
}

/* Lossless listeners see every frame, in order, and hold the producer
 * back through a buffer many times smaller than the stream. */
static void lossless(void)
{
	struct cons_arg ca[2] = { { .slow_us = 0 }, { .slow_us = 200 } };
	uint64_t n = UNDER_TSAN ? 20000 : 100000;
	int i;

	run_threads(MiB, n, 2, ca, 0);
	for (i = 0; i < 2; i++) {
		CHECK_EQ(ca[i].seen, n);
		CHECK_EQ(ca[i].bad, 0);
		CHECK_EQ(ca[i].dup, 0);
		CHECK_EQ(ca[i].last, n - 1);
		CHECK_EQ(ca[i].end, -ENODEV);
		CHECK_EQ(ca[i].lost, 0);
	}
}

/* A lossy listener that keeps up (buffer larger than the stream) sees
 * exactly what the lossless one sees. */
static void lossy_keeping_up(void)
{
	struct cons_arg ca[2] = { { .flags = 0 }, { .flags = HPCAP_OPEN_LOSSY } };
	uint64_t n = 20000;	/* ~16 MiB of records < 32 MiB buffer */
	int i;

	run_threads(32 * MiB, n, 2, ca, 0);
	for (i = 0; i < 2; i++) {
		CHECK_EQ(ca[i].seen, n);
		CHECK_EQ(ca[i].bad, 0);
		CHECK_EQ(ca[i].dup, 0);
		CHECK_EQ(ca[i].end, -ENODEV);
		CHECK_EQ(ca[i].lost, 0);
	}
}

/* A slow lossy listener is lapped: it never holds the producer back,
 * never returns a torn frame or one twice, and what it saw plus what it
 * was told it lost covers the stream. */
static void lossy_lapped(void)
{
	struct cons_arg ca[1] = { { .flags = HPCAP_OPEN_LOSSY, .slow_us = 2000 } };
	uint64_t n = 100000;

	run_threads(MiB, n, 1, ca, 0);
	CHECK_EQ(ca[0].bad, 0);
	CHECK_EQ(ca[0].dup, 0);
	CHECK(ca[0].seen < n);
	CHECK(ca[0].lost > 0);
	/* Exact (issue 11 item 5): every frame returned (intact or
	 * overtaken while in use) or counted lost, none both. */
	CHECK_EQ(ca[0].seen + ca[0].lapped + ca[0].lost, n);
	CHECK_EQ(ca[0].end, -ENODEV);
}

/* HPCAP_PRODUCER_DROP: the module's behaviour, the slow lossless
 * listener loses frames and they are counted as client losses. */
static void drop_mode(void)
{
	char err[HPCAP_ERRBUF_SIZE];
	struct hpcap_queue_stats qs;
	struct hpcap_raw_record rec;
	struct hpcap_producer *p = make(MiB, MiB, HPCAP_PRODUCER_DROP);
	struct hpcap_handle *h;
	uint8_t buf[2048];
	uint64_t i, stored = 0, seen = 0, seq, prev = 0;
	int r;

	if (!p)
		return;
	/* No listener: discarded, counted as noclient. */
	fill(buf, 0);
	CHECK_EQ(hpcap_producer_put(p, 1700000000u, 7, size_of(0), size_of(0) + 4, buf, 0), 0);
	CHECK(hpcap_open_path(&h, qpath, 0, err) == 0);
	CHECK_EQ(hpcap_producer_listeners(p), 1);
	for (i = 0; i < 5000; i++) {	/* ~4 MiB into 1 MiB, nobody reads */
		fill(buf, i);
		r = hpcap_producer_put(p, 1700000000u + (uint32_t)(i / 1000),
				       (uint32_t)(i % 1000) * 1000 + 7, size_of(i),
				       size_of(i) + 4, buf, 0);
		CHECK(r == 0 || r == 1);
		stored += r == 1;
	}
	CHECK(stored < 5000);
	CHECK(hpcap_producer_stats(p, &qs) == 0);
	CHECK_EQ(qs.noclient_frames, 1);
	CHECK_EQ(qs.client_lost_frames, 5000 - stored);
	CHECK_EQ(qs.captured_frames, stored);
	CHECK_EQ(qs.listeners, 1);
	CHECK(hpcap_queue_stats(h, &qs) == 0);
	CHECK_EQ(qs.captured_frames, stored);
	CHECK_EQ(hpcap_info(h)->adapter, 7);
	CHECK_EQ(hpcap_info(h)->queue, 3);
	hpcap_producer_close(p);
	while ((r = hpcap_next(h, &rec, 100)) == 1) {
		CHECK(is_frame(&rec, &seq));
		CHECK(!seen || seq > prev);	/* gaps where frames were dropped */
		prev = seq;
		seen++;
	}
	CHECK_EQ(r, -ENODEV);
	CHECK_EQ(seen, stored);
	hpcap_close(h);
}

/* Errors: a second producer, a missing queue, a file that is not one,
 * a queue whose producer is gone. */
static void errors(void)
{
	char err[HPCAP_ERRBUF_SIZE], junk[256];
	struct hpcap_producer *p = make(MiB, MiB, 0), *q;
	struct hpcap_handle *h;
	FILE *f;

	if (!p)
		return;
	CHECK_EQ(hpcap_producer_create(&q, qpath, NULL, err), -EBUSY);
	CHECK(strstr(err, "another producer") != NULL);
	hpcap_producer_close(p);
	CHECK_EQ(hpcap_open_path(&h, qpath, 0, err), -ENOENT);
	snprintf(junk, sizeof(junk), "%s.junk", qpath);
	f = fopen(junk, "w");
	CHECK(f != NULL);
	if (f) {
		fputs("not a queue at all, but long enough? no.\n", f);
		fclose(f);
	}
	CHECK_EQ(hpcap_open_path(&h, junk, 0, err), -EPROTO);
	CHECK(strstr(err, "neither an hpcap device") != NULL);
	unlink(junk);
	{
		struct hpcap_producer_opts o = { .buf_size = MiB + 4096 };

		CHECK_EQ(hpcap_producer_create(&q, qpath, &o, err), -EINVAL);
	}
}

static pid_t spawn_listener(int slow_us, int pipefd)
{
	pid_t pid = fork();

	if (pid == 0) {
		char err[HPCAP_ERRBUF_SIZE];
		struct hpcap_raw_record rec;
		struct hpcap_handle *h;

		if (hpcap_open_path(&h, qpath, 0, err) < 0)
			_exit(3);
		if (write(pipefd, "x", 1) != 1)
			_exit(3);
		for (;;) {
			if (hpcap_next(h, &rec, 1000) < 0)
				_exit(0);
			usleep((useconds_t)slow_us);
		}
	}
	return pid;
}

/* A lossless listener killed with SIGKILL while the producer waits for
 * it: its slot is reclaimed and the producer goes on; a live listener
 * beside it sees everything. */
static void killed_listener(void)
{
	struct cons_arg ca = { .flags = 0 };
	struct prod_arg pa = { .frames = 20000, .listeners = 2 };
	pthread_barrier_t bar;
	pthread_t pt, ct;
	int fds[2], st;
	char c;
	pid_t pid;

	pa.p = make(MiB, MiB, 0);
	if (!pa.p || pipe(fds) < 0)
		return;
	pid = spawn_listener(1000000, fds[1]);	/* reads one frame a second */
	CHECK(read(fds[0], &c, 1) == 1);
	pthread_barrier_init(&bar, NULL, 2);
	ca.opened = &bar;
	pthread_create(&ct, NULL, consumer, &ca);
	pthread_barrier_wait(&bar);
	pthread_create(&pt, NULL, producer, &pa);
	usleep(300000);		/* the producer is stuck behind the child */
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	pthread_join(pt, NULL);
	CHECK_EQ(pa.stored, pa.frames);
	CHECK_EQ(hpcap_producer_listeners(pa.p), 1);
	hpcap_producer_close(pa.p);
	pthread_join(ct, NULL);
	CHECK_EQ(ca.seen, pa.frames);
	CHECK_EQ(ca.bad, 0);
	pthread_barrier_destroy(&bar);
	close(fds[0]);
	close(fds[1]);
}

/* A producer killed with SIGKILL: its listener reads what was published,
 * then sees the queue gone instead of waiting for ever. */
static void killed_producer(void)
{
	char err[HPCAP_ERRBUF_SIZE];
	struct hpcap_raw_record rec;
	struct hpcap_handle *h = NULL;
	uint64_t seen = 0, seq;
	int fds[2], r, st;
	pid_t pid;
	char c;

	if (pipe(fds) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		struct hpcap_producer *p = make(MiB, MiB, 0);
		uint8_t buf[2048];
		uint64_t i;

		if (!p || write(fds[1], "x", 1) != 1)
			_exit(3);
		if (hpcap_producer_wait_listeners(p, 1, 10000) < 0)
			_exit(3);
		for (i = 0; i < 100; i++) {
			fill(buf, i);
			hpcap_producer_put(p, 1700000000u, (uint32_t)(i % 1000) * 1000 + 7,
					   size_of(i), size_of(i) + 4, buf, -1);
		}
		if (write(fds[1], "y", 1) != 1)
			_exit(3);
		pause();
		_exit(0);
	}
	CHECK(read(fds[0], &c, 1) == 1);
	CHECK(hpcap_open_path(&h, qpath, 0, err) == 0);
	CHECK(read(fds[0], &c, 1) == 1);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	if (!h)
		return;
	while ((r = hpcap_next(h, &rec, 2000)) == 1) {
		CHECK(is_frame(&rec, &seq));
		seen++;
	}
	CHECK_EQ(r, -ENODEV);
	CHECK_EQ(seen, 100);
	hpcap_close(h);
	/* The stale file: a listener is refused, a new producer takes over. */
	CHECK_EQ(hpcap_open_path(&h, qpath, 0, err), -ENODEV);
	CHECK(strstr(err, "producer is gone") != NULL);
	{
		struct hpcap_producer *p = make(MiB, MiB, 0);

		hpcap_producer_close(p);
	}
	close(fds[0]);
	close(fds[1]);
}

/* Lossy counts are exact for any pattern of stalls (issue 11 item 5):
 * returned + lost == produced, and the frames it missed are exactly the
 * gaps in what it returned. */
static void lossy_exact(void)
{
	unsigned seed;

	for (seed = 1; seed <= 3; seed++) {
		struct cons_arg ca[1] = { { .flags = HPCAP_OPEN_LOSSY,
					    .stall_seed = seed } };
		uint64_t n = 60000;

		run_threads(MiB, n, 1, ca, 0);
		CHECK_EQ(ca[0].bad, 0);
		CHECK_EQ(ca[0].dup, 0);
		CHECK(ca[0].lost > 0);
		CHECK_EQ(ca[0].seen + ca[0].lapped + ca[0].lost, n);
		CHECK_EQ(ca[0].end, -ENODEV);
	}
}

/* Batches: put_batch() and reserve()/commit() store every frame in order,
 * and a waiting listener is woken at most once per batch. */
struct batch_arg {
	struct hpcap_producer *p;
	uint64_t frames;
	unsigned batch;
	uint64_t stored;
};

static void *batch_producer(void *arg)
{
	struct batch_arg *a = arg;
	static uint8_t bufs[64][2048];
	struct hpcap_producer_frame f[64];
	uint64_t i = 0;
	unsigned k, st;
	int r;

	CHECK(hpcap_producer_wait_listeners(a->p, 1, 10000) == 0);
	while (i < a->frames) {
		unsigned n = a->batch;

		if (n > a->frames - i)
			n = (unsigned)(a->frames - i);
		if (i / a->batch % 2) {
			/* reserve/commit, copying in place */
			for (k = 0; k < n; k++, i++) {
				uint8_t *dst;

				do {
					r = hpcap_producer_reserve(a->p,
						1700000000u + (uint32_t)(i / 1000),
						(uint32_t)(i % 1000) * 1000 + 7,
						size_of(i), size_of(i) + 4, &dst, -1);
				} while (r == -EINTR);
				CHECK(r == 1);
				if (r == 1) {
					fill(dst, i);
					a->stored++;
				}
			}
			CHECK(hpcap_producer_commit(a->p) == 0);
			continue;
		}
		for (k = 0; k < n; k++) {
			fill(bufs[k], i + k);
			f[k] = (struct hpcap_producer_frame){
				.sec = 1700000000u + (uint32_t)((i + k) / 1000),
				.nsec = (uint32_t)((i + k) % 1000) * 1000 + 7,
				.caplen = size_of(i + k),
				.len = size_of(i + k) + 4,
				.data = bufs[k],
			};
		}
		k = 0;
		while (k < n) {
			r = hpcap_producer_put_batch(a->p, f + k, n - k, &st, -1);
			if (r == -EINTR)
				continue;
			CHECK(r > 0);
			if (r <= 0)
				return NULL;
			a->stored += st;
			k += (unsigned)r;
		}
		i += n;
	}
	return NULL;
}

static void batches(void)
{
	struct cons_arg ca = { .flags = 0 };
	struct batch_arg ba = { .frames = 50000, .batch = 64 };
	struct hpcap_queue_stats qs;
	pthread_barrier_t bar;
	pthread_t pt, ct;

	ba.p = make(MiB, MiB, 0);
	if (!ba.p)
		return;
	pthread_barrier_init(&bar, NULL, 2);
	ca.opened = &bar;
	pthread_create(&ct, NULL, consumer, &ca);
	pthread_barrier_wait(&bar);
	pthread_create(&pt, NULL, batch_producer, &ba);
	pthread_join(pt, NULL);
	CHECK_EQ(ba.stored, ba.frames);
	CHECK(hpcap_producer_stats(ba.p, &qs) == 0);
	CHECK_EQ(qs.captured_frames, ba.frames);
	/* One wake-up check per batch: never more wakes than batches. */
	CHECK(qs.wakeups <= ba.frames / ba.batch + 1);
	hpcap_producer_close(ba.p);
	pthread_join(ct, NULL);
	CHECK_EQ(ca.seen, ba.frames);
	CHECK_EQ(ca.last, ba.frames - 1);
	CHECK_EQ(ca.bad, 0);
	CHECK_EQ(ca.dup, 0);
	CHECK_EQ(ca.end, -ENODEV);
	pthread_barrier_destroy(&bar);
}

/*
 * An epoll consumer (issue 11 item 8): it reads with timeout 0 until
 * nothing is left, then sleeps in epoll_wait() on hpcap_fd().  It must
 * get every frame without ever sleeping through one, and the producer
 * must wake it at most once per epoll_wait(), however long it reads.
 */
struct epoll_arg {
	int edge;
	uint64_t seen, sleeps, timeouts;
	pthread_barrier_t *opened;
};

static void *epoll_consumer(void *arg)
{
	struct epoll_arg *a = arg;
	char err[HPCAP_ERRBUF_SIZE];
	struct hpcap_raw_record rec;
	struct epoll_event ev = { .events = EPOLLIN }, got;
	struct hpcap_handle *h;
	uint64_t seq, next = 0;
	int ep, r, n;

	r = hpcap_open_path(&h, qpath, 0, err);
	CHECK(r == 0);
	pthread_barrier_wait(a->opened);
	if (r)
		return NULL;
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (a->edge)
		ev.events |= EPOLLET;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, hpcap_fd(h), &ev) == 0);
	for (;;) {
		while ((r = hpcap_next(h, &rec, 0)) == 1) {
			CHECK(is_frame(&rec, &seq));
			CHECK_EQ(seq, next);
			next = seq + 1;
			a->seen++;
		}
		if (r < 0)
			break;
		a->sleeps++;
		n = epoll_wait(ep, &got, 1, 2000);
		if (n == 0)
			a->timeouts++;
	}
	CHECK_EQ(r, -ENODEV);
	close(ep);
	hpcap_close(h);
	return NULL;
}

static void epoll_consumers(void)
{
	int edge;

	for (edge = 0; edge < 2; edge++) {
		struct epoll_arg ea = { .edge = edge };
		struct prod_arg pa = { .frames = 20000, .listeners = 1,
				       .usleep_every = 500 };
		struct hpcap_queue_stats qs;
		pthread_barrier_t bar;
		pthread_t pt, ct;

		pa.p = make(4 * MiB, MiB, 0);
		if (!pa.p)
			return;
		pthread_barrier_init(&bar, NULL, 2);
		ea.opened = &bar;
		pthread_create(&ct, NULL, epoll_consumer, &ea);
		pthread_barrier_wait(&bar);
		pthread_create(&pt, NULL, producer, &pa);
		pthread_join(pt, NULL);
		CHECK(hpcap_producer_drain(pa.p, 10000) == 0);
		CHECK(hpcap_producer_stats(pa.p, &qs) == 0);
		hpcap_producer_close(pa.p);
		pthread_join(ct, NULL);
		pthread_barrier_destroy(&bar);
		CHECK_EQ(ea.seen, pa.frames);
		/* Never slept through data: every sleep ended by a wake
		 * (the producer pauses 1 ms now and then, far below 2 s). */
		CHECK_EQ(ea.timeouts, 0);
		/* A wake per sleep at most (plus the end). */
		CHECK(qs.wakeups <= ea.sleeps + 1);
		CHECK(qs.wakeups >= 1);
	}
}

/* ---- listeners that do not play by the rules (issue 11 item 11) ---- */

static int raw_connect(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s%s", qpath, SHM_SOCK_SUFFIX);
	if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(s);
		s = -1;
	}
	CHECK(s >= 0);
	return s;
}

static int raw_send(int s, uint16_t op, uint32_t mode, int fd)
{
	struct shm_msg m = { .magic = SHM_MAGIC, .version = SHM_VERSION,
			     .op = op, .mode = mode };
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(s, &mh, MSG_NOSIGNAL) == (ssize_t)sizeof(m) ? 0 : -errno;
}

/* The producer's answer to a hello: its status, or -EIO (hung up). */
static int raw_answer(int s, struct shm_msg *m)
{
	struct pollfd p = { .fd = s, .events = POLLIN };

	if (poll(&p, 1, 5000) != 1 || recv(s, m, sizeof(*m), 0) != (ssize_t)sizeof(*m))
		return -EIO;
	return m->status;
}

static int memfd_page(int seal)
{
	int fd = memfd_create("evil", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	CHECK(fd >= 0 && ftruncate(fd, SHM_PAGE) == 0);
	if (seal)
		CHECK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0);
	return fd;
}

/* Put n frames starting at sequence *i; returns how many were stored. */
static uint64_t put_n(struct hpcap_producer *p, uint64_t *i, uint64_t n,
		      int timeout_ms)
{
	uint8_t buf[2048];
	uint64_t k, stored = 0;
	int r;

	for (k = 0; k < n; k++, (*i)++) {
		fill(buf, *i);
		r = hpcap_producer_put(p, 1700000000u + (uint32_t)(*i / 1000),
				       (uint32_t)(*i % 1000) * 1000 + 7,
				       size_of(*i), size_of(*i) + 4, buf,
				       timeout_ms);
		if (r < 0)
			break;
		stored += r == 1;
	}
	return stored;
}

static void hostile_listeners(void)
{
	char err[HPCAP_ERRBUF_SIZE];
	struct hpcap_producer *p = make(MiB, MiB, 0);
	struct hpcap_raw_record rec;
	struct hpcap_handle *h;
	struct shm_cursor *cur;
	struct shm_msg m;
	uint64_t i = 0, seen = 0, seq, next = 0, pos;
	const struct hpcap_ring_info *info;
	int s_idle, s, fd, r, qfd;
	uint8_t *head;

	if (!p)
		return;
	info = hpcap_producer_info(p);
	/* The file offers no write access; listeners open it read-only. */
	{
		struct stat st;

		CHECK(stat(qpath, &st) == 0 && !(st.st_mode & 0222));
	}
	CHECK(hpcap_open_path(&h, qpath, 0, err) == 0);	/* honest */
	s_idle = raw_connect();			/* connects, says nothing */
	/* A hello without a page, with a page that could shrink, garbage. */
	s = raw_connect();
	CHECK(raw_send(s, SHM_OP_HELLO, HPCAP_MODE_LOSSLESS, -1) == 0);
	CHECK_EQ(raw_answer(s, &m), -EPERM);
	close(s);
	s = raw_connect();
	fd = memfd_page(0);
	CHECK(raw_send(s, SHM_OP_HELLO, HPCAP_MODE_LOSSLESS, fd) == 0);
	CHECK_EQ(raw_answer(s, &m), -EPERM);
	close(fd);
	close(s);
	s = raw_connect();
	fd = memfd_page(1);
	CHECK(raw_send(s, SHM_OP_HELLO, 77, fd) == 0);
	CHECK_EQ(raw_answer(s, &m), -EPROTO);
	close(fd);
	close(s);
	s = raw_connect();
	CHECK(raw_send(s, SHM_OP_STATS, 0, -1) == 0);	/* no hello first */
	CHECK_EQ(raw_answer(s, &m), -EPROTO);
	close(s);
	CHECK_EQ(hpcap_producer_listeners(p), 1);

	/* A lossless listener that claims to have read what was never
	 * written: the producer must not believe it (it would overwrite
	 * what the honest one has not read) - it holds the producer back
	 * like any slow listener, and frees it by leaving. */
	s = raw_connect();
	fd = memfd_page(1);
	cur = mmap(NULL, SHM_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(cur != MAP_FAILED);
	CHECK(raw_send(s, SHM_OP_HELLO, HPCAP_MODE_LOSSLESS, fd) == 0);
	CHECK_EQ(raw_answer(s, &m), 0);
	CHECK_EQ(hpcap_producer_listeners(p), 2);
	cur->ack_pos = UINT64_MAX - 5;
	cur->ack_seq++;
	cur->wait_target = 1;		/* wake me always */
	cur->wait_seq++;
	/* 1 MiB buffer: the honest reader reads meanwhile, the liar never
	 * really does, so the producer fills the buffer and times out. */
	CHECK(put_n(p, &i, 600, 100) == 600);
	while ((r = hpcap_next(h, &rec, 0)) == 1) {
		CHECK(is_frame(&rec, &seq));
		CHECK_EQ(seq, next);
		next = seq + 1;
		seen++;
	}
	{
		uint64_t before = i, got = put_n(p, &i, 5000, 200);

		CHECK(got < 5000);		/* held back ... */
		CHECK(i - before < 5000);	/* ... by timing out */
		CHECK(strstr(hpcap_producer_geterr(p), "no room") != NULL);
		cur->ack_pos = 12;		/* backwards: ignored too */
		cur->ack_seq++;
		CHECK_EQ(put_n(p, &i, 10, 50), 0);
	}
	/* It scribbles over the shared pages (it could only as root or as
	 * the producer's user; the producer's state is not there anyway). */
	qfd = open(qpath, O_RDWR);
	if (qfd >= 0) {
		head = mmap(NULL, SHM_INFO_SIZE, PROT_READ | PROT_WRITE,
			    MAP_SHARED, qfd, 0);
		CHECK(head != MAP_FAILED);
		pos = info->write_pos;
		memset(head + 64, 0xa5, SHM_INFO_SIZE - 64);
		/* The liar leaves: the producer goes on, writing where it
		 * was, and publishes the truth again. */
		close(s);
		munmap(cur, SHM_PAGE);
		close(fd);
		for (r = 0; r < 100 && hpcap_producer_listeners(p) != 1; r++)
			usleep(10000);
		CHECK_EQ(hpcap_producer_listeners(p), 1);
		CHECK(put_n(p, &i, 1, 1000) == 1);
		CHECK(info->write_pos > pos);
		{
			const uint8_t *rp = head;	/* unused */
			struct hpcap_raw_hdr hdr;
			uint8_t *data = mmap(NULL, MiB, PROT_READ, MAP_SHARED,
					     qfd, SHM_INFO_SIZE);

			(void)rp;
			CHECK(data != MAP_FAILED);
			/* The record at the old write position is the
			 * frame just put (pos % 1 MiB: no wrap needed,
			 * records never straddle when read from pos). */
			if (pos % MiB + 12 <= MiB) {
				memcpy(&hdr, data + pos % MiB, sizeof(hdr));
				if (!hdr.sec && !hdr.nsec)	/* file end */
					pos += 12 + le16toh(hdr.caplen);
			}
			if (pos % MiB + 12 <= MiB) {
				memcpy(&hdr, data + pos % MiB, sizeof(hdr));
				CHECK_EQ(le16toh(hdr.caplen), size_of(i - 1));
				CHECK_EQ(le32toh(hdr.nsec),
					 (uint32_t)((i - 1) % 1000) * 1000 + 7);
			}
			munmap(data, MiB);
		}
		munmap(head, SHM_INFO_SIZE);
		close(qfd);
	} else {
		close(s);
		munmap(cur, SHM_PAGE);
		close(fd);
	}
	/* A listener that sends garbage on its connection is dropped. */
	s = raw_connect();
	fd = memfd_page(1);
	CHECK(raw_send(s, SHM_OP_HELLO, HPCAP_MODE_LOSSY, fd) == 0);
	CHECK_EQ(raw_answer(s, &m), 0);
	close(fd);
	CHECK(send(s, "junk", 4, MSG_NOSIGNAL) == 4);
	for (r = 0; r < 100 && hpcap_producer_listeners(p) != 1; r++)
		usleep(10000);
	CHECK_EQ(hpcap_producer_listeners(p), 1);
	close(s);
	close(s_idle);
	hpcap_producer_close(p);
	hpcap_close(h);
}

/*
 * Holders killed at random points (issue 11 item 11): listeners killed
 * while they open, read or hold the producer back never leave a slot
 * taken or the producer stuck; a producer killed in the middle of a batch
 * leaves its listener every frame it published, intact, then "gone".
 */
static void random_kills(void)
{
	struct cons_arg ca = { .flags = 0 };
	struct prod_arg pa = { .frames = 40000, .listeners = 1 };
	unsigned seed = 7, k;
	pthread_barrier_t bar;
	pthread_t pt, ct;
	int fds[2], st;

	pa.p = make(MiB, MiB, 0);
	if (!pa.p || pipe(fds) < 0)
		return;
	pthread_barrier_init(&bar, NULL, 2);
	ca.opened = &bar;
	pthread_create(&ct, NULL, consumer, &ca);
	pthread_barrier_wait(&bar);
	pthread_create(&pt, NULL, producer, &pa);
	for (k = 0; k < 30; k++) {
		pid_t pid = spawn_listener(rand_r(&seed) % 2 ? 1000000 : 0, fds[1]);

		usleep(rand_r(&seed) % 20000);	/* opening, reading, ... */
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	pthread_join(pt, NULL);
	CHECK_EQ(pa.stored, pa.frames);
	for (k = 0; k < 100 && hpcap_producer_listeners(pa.p) != 1; k++)
		usleep(10000);
	CHECK_EQ(hpcap_producer_listeners(pa.p), 1);
	hpcap_producer_close(pa.p);
	pthread_join(ct, NULL);
	CHECK_EQ(ca.seen, pa.frames);
	CHECK_EQ(ca.bad, 0);
	CHECK_EQ(ca.dup, 0);
	pthread_barrier_destroy(&bar);
	close(fds[0]);
	close(fds[1]);

	for (k = 0; k < 8; k++) {
		char err[HPCAP_ERRBUF_SIZE], c;
		struct hpcap_raw_record rec;
		struct hpcap_handle *h = NULL;
		uint64_t seen = 0, seq;
		int r;
		pid_t pid;

		if (pipe(fds) < 0)
			return;
		pid = fork();
		if (pid == 0) {
			struct batch_arg ba = { .frames = UINT64_MAX / 2,
						.batch = 1 + k * 9 };

			ba.p = make(MiB, MiB, 0);
			if (!ba.p || write(fds[1], "x", 1) != 1)
				_exit(3);
			batch_producer(&ba);
			_exit(0);
		}
		CHECK(read(fds[0], &c, 1) == 1);
		CHECK(hpcap_open_path(&h, qpath, 0, err) == 0);
		usleep(rand_r(&seed) % 50000);
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		if (h) {
			while ((r = hpcap_next(h, &rec, 2000)) == 1) {
				CHECK(is_frame(&rec, &seq));
				CHECK_EQ(seq, seen);
				seen++;
			}
			CHECK_EQ(r, -ENODEV);
			CHECK_EQ(seen, hpcap_info(h)->frames);
			hpcap_close(h);
		}
		close(fds[0]);
		close(fds[1]);
	}
}

int main(void)
{
	snprintf(qpath, sizeof(qpath), "/dev/shm/hpcap-test-shmring-%d",
		 (int)getpid());
	lossless();
	lossy_keeping_up();
	if (!UNDER_TSAN) {
		lossy_lapped();
		lossy_exact();
	}
	batches();
	epoll_consumers();
	drop_mode();
	errors();
	hostile_listeners();
	if (!UNDER_TSAN) {	/* fork() under TSan is not worth it */
		killed_listener();
		killed_producer();
		random_kills();
	}
	unlink(qpath);
	return check_report("test_shmring");
}
