// SPDX-License-Identifier: BSD-3-Clause
/*
 * epoll_listener.c - wake-ups of a module queue (issue 11 item 8).
 *
 *   epoll_listener epoll ADAPTER QUEUE FRAMES READY_FILE
 *     A consumer that reads with timeout 0 until nothing is left (slowly:
 *     200 us per frame, so frames keep arriving while it reads), then
 *     sleeps in epoll_wait() on hpcap_fd().  Stops after FRAMES frames or
 *     3 s without any (30 s before the first).  Prints "frames N sleeps S wakeups W timeouts T"
 *     (W: the queue's wakeups counter over the run).
 *
 *   epoll_listener twothreads DEVICE READY_FILE
 *     Thread A poll()s the device; then thread B, on the same descriptor,
 *     does an ACK_WAIT that times out.  READY_FILE appears; one frame
 *     sent then must wake A.  Prints "woke MS" or "slept through".
 */
#define _GNU_SOURCE
#include "libhpcap_live.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static void touch(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f)
		fclose(f);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int run_epoll(unsigned adapter, unsigned queue, uint64_t want,
		     const char *ready)
{
	char err[HPCAP_ERRBUF_SIZE];
	struct epoll_event ev = { .events = EPOLLIN }, got;
	struct hpcap_queue_stats s0, s1;
	struct hpcap_raw_record rec;
	struct hpcap_handle *h;
	uint64_t frames = 0, sleeps = 0, timeouts = 0;
	int ep, r, n;

	if (hpcap_open(&h, adapter, queue, 0, err) < 0) {
		fprintf(stderr, "epoll_listener: %s\n", err);
		return 2;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, hpcap_fd(h), &ev) < 0 ||
	    hpcap_queue_stats(h, &s0) < 0) {
		perror("epoll_listener");
		return 2;
	}
	touch(ready);
	while (frames < want) {
		while ((r = hpcap_next(h, &rec, 0)) == 1) {
			frames++;
			usleep(200);
		}
		if (r < 0 || frames >= want)
			break;
		sleeps++;
		n = epoll_wait(ep, &got, 1, frames ? 3000 : 30000);
		if (n == 0) {
			timeouts++;
			break;
		}
	}
	hpcap_queue_stats(h, &s1);
	printf("frames %llu sleeps %llu wakeups %llu timeouts %llu\n",
	       (unsigned long long)frames, (unsigned long long)sleeps,
	       (unsigned long long)(s1.wakeups - s0.wakeups),
	       (unsigned long long)timeouts);
	hpcap_close(h);
	return 0;
}

struct shared {
	int fd;
	int polled;		/* A is about to poll() */
	pid_t tid;		/* A's thread id */
	int result;		/* A: 1 woke, 0 slept through */
	double woke_ms;
};

static void *poller(void *arg)
{
	struct shared *s = arg;
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	double t0;
	int n;

	s->tid = gettid();
	__atomic_store_n(&s->polled, 1, __ATOMIC_RELEASE);
	t0 = now_ms();
	n = poll(&p, 1, 30000);
	s->woke_ms = now_ms() - t0;
	/* poll() looks once more when its time is up: data found then was
	 * slept through, not woken for. */
	s->result = n == 1 && (p.revents & POLLIN) && s->woke_ms < 29000;
	return NULL;
}

/* Whether thread tid is blocked in poll()/ppoll() (waits up to 10 s). */
static int in_poll(pid_t tid)
{
	char path[64], line[64];
	int i;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	for (i = 0; i < 1000; i++) {
		FILE *f = fopen(path, "r");
		long nr = -1;

		if (f) {
			if (fgets(line, sizeof(line), f))
				nr = strtol(line, NULL, 10);
			fclose(f);
		}
		if (nr == 7 || nr == 271)	/* poll, ppoll (x86-64) */
			return 1;
		usleep(10000);
	}
	return 0;
}

static int run_twothreads(const char *dev, const char *ready)
{
	struct shared s = { 0 };
	struct hpcap_ack_wait aw;
	pthread_t t;

	s.fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (s.fd < 0) {
		perror(dev);
		return 2;
	}
	pthread_create(&t, NULL, poller, &s);
	while (!__atomic_load_n(&s.polled, __ATOMIC_ACQUIRE))
		usleep(1000);
	/* A must sleep in poll() (its target armed) before B waits. */
	if (!in_poll(s.tid)) {
		fprintf(stderr, "epoll_listener: the poller never got into poll()\n");
		return 2;
	}
	usleep(50000);
	memset(&aw, 0, sizeof(aw));
	aw.min_bytes = 1;
	aw.timeout_ns = 300000000;	/* B waits, nothing comes */
	if (ioctl(s.fd, HPCAP_IOC_ACK_WAIT, &aw) < 0 || aw.avail) {
		perror("ACK_WAIT");
		return 2;
	}
	touch(ready);		/* now one frame is sent */
	pthread_join(t, NULL);
	if (s.result)
		printf("woke %.0f\n", s.woke_ms);
	else
		printf("slept through (%.0f ms)\n", s.woke_ms);
	close(s.fd);
	return s.result ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "epoll"))
		return run_epoll((unsigned)atoi(argv[2]), (unsigned)atoi(argv[3]),
				 strtoull(argv[4], NULL, 10), argv[5]);
	if (argc == 4 && !strcmp(argv[1], "twothreads"))
		return run_twothreads(argv[2], argv[3]);
	fprintf(stderr, "usage: epoll_listener epoll ADAPTER QUEUE FRAMES READY | twothreads DEVICE READY\n");
	return 2;
}
