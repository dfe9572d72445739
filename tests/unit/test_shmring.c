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

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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
	CHECK(ca[0].seen + ca[0].lapped + ca[0].lost >= n);
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

int main(void)
{
	snprintf(qpath, sizeof(qpath), "/dev/shm/hpcap-test-shmring-%d",
		 (int)getpid());
	lossless();
	lossy_keeping_up();
	if (!UNDER_TSAN)
		lossy_lapped();
	drop_mode();
	errors();
	if (!UNDER_TSAN) {	/* fork() under TSan is not worth it */
		killed_listener();
		killed_producer();
	}
	unlink(qpath);
	return check_report("test_shmring");
}
