// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_mgmon_live.c - libmgmon's online side, fed by a userspace producer
 * thread (a shared-memory queue found through HPCAP_DEV_DIR, as an
 * analyzer finds a pcap2hpcap replay):
 *  - mgmon_packet_online_loop() hands over every frame, intact and in
 *    order, and returns MGMON_END when the queue goes away;
 *  - the same frames recorded as RAW give the same flow records through
 *    the offline loop as live (develop offline, deploy live);
 *  - SIGINT and mgmon_break() from another thread stop a waiting loop,
 *    and the SIGINT disposition is put back;
 *  - CPU pinning, a bad CPU, mgmon_next()'s timeout, lossy handles.
 * Built with ASan/UBSan and with TSan.
 */
#define _GNU_SOURCE
#include "check.h"
#include "libmgmon.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MiB (1ull << 20)
#define ADAPTER 5
#define QUEUE 1

static char dir[256], qpath[300], rawdir[300];

/* Frame i: a UDP datagram of flow i % 37, with i in its payload. */
static uint32_t frame(uint8_t *b, uint64_t i)
{
	uint32_t n = 60 + (uint32_t)((i * 2654435761u) % 1400), k;

	memset(b, 0, 42);
	b[0] = 1;
	b[6] = 2;
	b[12] = 0x08;
	b[14] = 0x45;
	b[16] = (uint8_t)((n - 14) >> 8);
	b[17] = (uint8_t)(n - 14);
	b[23] = 17;
	b[26] = 10;
	b[29] = (uint8_t)(i % 37);
	b[30] = 10;
	b[33] = 1;
	b[34] = 0x30;
	b[35] = (uint8_t)(i % 37);
	b[37] = 53;
	b[38] = (uint8_t)((n - 34) >> 8);
	b[39] = (uint8_t)(n - 34);
	memcpy(b + 42, &i, 8);
	for (k = 50; k < n; k++)
		b[k] = (uint8_t)(i + k);
	return n;
}

static uint64_t stamp(uint64_t i)
{
	return 1700000000ull * 1000000000u + i * 1000 + 7;
}

struct prod {
	uint64_t frames;
	int keep_open;		/* do not close: the consumer is stopped */
	int may_drop;		/* the consumer may leave before the end */
	struct hpcap_producer *p;
	pthread_barrier_t *started;
};

static void *producer(void *arg)
{
	struct prod *a = arg;
	struct hpcap_producer_opts o = { .buf_size = MiB, .file_size = MiB,
					 .adapter = ADAPTER, .queue = QUEUE };
	char err[HPCAP_ERRBUF_SIZE];
	uint8_t b[2048];
	uint64_t i;
	int r;

	r = hpcap_producer_create(&a->p, qpath, &o, err);
	if (r < 0)
		fprintf(stderr, "create: %s\n", err);
	CHECK(r == 0);
	pthread_barrier_wait(a->started);
	if (r < 0)
		return NULL;
	CHECK(hpcap_producer_wait_listeners(a->p, 1, 10000) == 0);
	for (i = 0; i < a->frames; i++) {
		uint32_t n = frame(b, i);

		r = hpcap_producer_put(a->p, (uint32_t)(stamp(i) / 1000000000u),
				       (uint32_t)(stamp(i) % 1000000000u), n, n,
				       b, -1);
		CHECK(r == 1 || (a->may_drop && r == 0));
	}
	if (!a->keep_open) {
		hpcap_producer_close(a->p);
		a->p = NULL;
	}
	return NULL;
}

struct got {
	uint64_t n, bad;
	uint64_t stop_at;	/* mgmon_break() from the handler at frame n */
};

static void handler(const uint8_t *p, const struct mgmon_pkthdr *h, void *arg)
{
	struct got *g = arg;
	uint8_t want[2048];
	uint32_t n = frame(want, g->n);

	if (h->caplen != n || h->len != n || memcmp(p, want, n) ||
	    (uint64_t)h->ts.tv_sec * 1000000000u + h->ts.tv_nsec != stamp(g->n))
		g->bad++;
	g->n++;
	if (g->stop_at && g->n == g->stop_at)
		mgmon_break();
}

static void start(pthread_t *t, struct prod *p, pthread_barrier_t *bar)
{
	pthread_barrier_init(bar, NULL, 2);
	p->started = bar;
	pthread_create(t, NULL, producer, p);
	pthread_barrier_wait(bar);
}

/* Every frame, then MGMON_END when the producer ends the queue. */
static void online_all(void)
{
	struct prod p = { .frames = 30000 };
	struct got g = { 0 };
	pthread_barrier_t bar;
	pthread_t t;
	int st;

	start(&t, &p, &bar);
	st = mgmon_packet_online_loop(0, ADAPTER, QUEUE, handler, &g);
	if (st < 0)
		fprintf(stderr, "online loop: %s\n", mgmon_loop_error());
	CHECK_EQ(st, MGMON_END);
	pthread_join(t, NULL);
	pthread_barrier_destroy(&bar);
	CHECK_EQ(g.n, p.frames);
	CHECK_EQ(g.bad, 0);
}

/* Live and recorded: the same flow records. */
struct recs {
	struct mgmon_flow f[64];
	int n;
};

static void keep(const struct mgmon_flow *f, void *arg)
{
	struct recs *r = arg;

	if (r->n < 64)
		r->f[r->n++] = *f;
}

static int by_port(const void *a, const void *b)
{
	const struct mgmon_flow *x = a, *y = b;

	return x->key.sport - y->key.sport;
}

static void live_equals_offline(void)
{
	struct hpcap_raw_writer_opts wo = { .file_size = MiB };
	struct prod p = { .frames = 20000 };
	static struct recs live, off;
	char err[HPCAP_ERRBUF_SIZE];
	struct hpcap_raw_writer *w;
	const char *args[1] = { rawdir };
	pthread_barrier_t bar;
	uint8_t b[2048];
	pthread_t t;
	uint64_t i;
	int k;

	CHECK(hpcap_raw_writer_open(&w, rawdir, &wo, err) == 0);
	for (i = 0; i < p.frames; i++) {
		uint32_t n = frame(b, i);

		CHECK(hpcap_raw_writer_put(w, (uint32_t)(stamp(i) / 1000000000u),
					   (uint32_t)(stamp(i) % 1000000000u),
					   n, n, b) == 0);
	}
	CHECK(hpcap_raw_writer_close(w, err) == 0);
	CHECK_EQ(mgmon_flow_offline_loop(args, 1, NULL, keep, &off), MGMON_END);
	start(&t, &p, &bar);
	CHECK_EQ(mgmon_flow_online_loop(-1, ADAPTER, QUEUE, NULL, keep, &live),
		 MGMON_END);
	pthread_join(t, NULL);
	pthread_barrier_destroy(&bar);
	CHECK_EQ(live.n, 37);
	CHECK_EQ(off.n, 37);
	qsort(live.f, (size_t)live.n, sizeof(live.f[0]), by_port);
	qsort(off.f, (size_t)off.n, sizeof(off.f[0]), by_port);
	for (k = 0; k < 37 && k < live.n && k < off.n; k++)
		CHECK(!memcmp(&live.f[k], &off.f[k], sizeof(live.f[k])));
}

/* A loop waiting on an idle queue stops on SIGINT and on mgmon_break()
 * from another thread; the handler stops it too. */
static void *poke(void *arg)
{
	int how = *(int *)arg;

	usleep(300000);
	if (how == 0)
		kill(getpid(), SIGINT);
	else
		mgmon_break();
	return NULL;
}

static int sigint_seen;

static void my_sigint(int s)
{
	(void)s;
	sigint_seen = 1;
}

static void stopping(void)
{
	struct sigaction mine, before, after;
	int how;

	memset(&mine, 0, sizeof(mine));
	mine.sa_handler = my_sigint;
	sigemptyset(&mine.sa_mask);
	sigaction(SIGINT, &mine, NULL);
	for (how = 0; how < 3; how++) {
		struct prod p = { .frames = 1000, .keep_open = 1 };
		struct got g = { 0 };
		pthread_barrier_t bar;
		pthread_t t, k;

		if (how == 2) {
			g.stop_at = 500;
			p.may_drop = 1;
		}
		start(&t, &p, &bar);
		if (how < 2)
			pthread_create(&k, NULL, poke, &how);
		sigaction(SIGINT, NULL, &before);
		CHECK_EQ(mgmon_packet_online_loop(-1, ADAPTER, QUEUE, handler, &g),
			 MGMON_BREAK);
		sigaction(SIGINT, NULL, &after);
		CHECK(before.sa_handler == my_sigint);
		CHECK(after.sa_handler == my_sigint);	/* put back */
		if (how < 2)
			pthread_join(k, NULL);
		pthread_join(t, NULL);
		CHECK_EQ(g.n, how == 2 ? 500 : 1000);
		CHECK_EQ(g.bad, 0);
		hpcap_producer_close(p.p);
		pthread_barrier_destroy(&bar);
	}
	CHECK(!sigint_seen);	/* the loop took it, not us */
	signal(SIGINT, SIG_DFL);
}

static void handles(void)
{
	struct prod p = { .frames = 10, .keep_open = 1 };
	char err[HPCAP_ERRBUF_SIZE];
	struct mgmon_stats st;
	struct mgmon_pkthdr h;
	pthread_barrier_t bar;
	const uint8_t *d;
	struct mgmon *m;
	pthread_t t;
	int n = 0, r;

	CHECK_EQ(mgmon_pin_cpu(0), 0);
	CHECK_EQ(mgmon_pin_cpu(-1), -EINVAL);
	CHECK_EQ(mgmon_packet_online_loop(1 << 20, ADAPTER, QUEUE, handler, NULL),
		 -EINVAL);
	CHECK(strstr(mgmon_loop_error(), "CPU") != NULL);
	start(&t, &p, &bar);
	CHECK(mgmon_open_path(&m, qpath, MGMON_LOSSY, err) == 0);
	CHECK(mgmon_hpcap(m) != NULL);
	CHECK(mgmon_file(m, NULL) == NULL);
	while ((r = mgmon_next(m, &h, &d, 200)) == MGMON_FRAME) {
		CHECK(mgmon_frame_valid(m));
		n++;
	}
	CHECK_EQ(r, MGMON_TIMEOUT);	/* all read, the queue is idle */
	CHECK_EQ(n, 10);
	mgmon_get_stats(m, &st);
	CHECK_EQ(st.frames, 10);
	CHECK_EQ(st.lost_frames, 0);
	mgmon_breakloop(m);
	CHECK_EQ(mgmon_next(m, &h, &d, 200), MGMON_BREAK);
	pthread_join(t, NULL);
	hpcap_producer_close(p.p);
	CHECK_EQ(mgmon_next(m, &h, &d, 200), MGMON_END);
	mgmon_close(m);
	pthread_barrier_destroy(&bar);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/dev/shm/test-mgmon-live.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(qpath, sizeof(qpath), "%s/hpcap_%d_%d", dir, ADAPTER, QUEUE);
	snprintf(rawdir, sizeof(rawdir), "%s/raw", dir);
	if (mkdir(rawdir, 0700) < 0)
		perror("mkdir");
	setenv("HPCAP_DEV_DIR", dir, 1);
	online_all();
	live_equals_offline();
	stopping();
	handles();
	{
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		CHECK(system(cmd) == 0);
	}
	return check_report("test_mgmon_live");
}
