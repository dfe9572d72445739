// SPDX-License-Identifier: BSD-3-Clause
/*
 * rxpoll-bench.c - the native driver's poll+copy loop (core/hpcap_rxpoll.c
 * and hpcap_ring.c, compiled unchanged) over a simulated descriptor ring.
 *
 * Hot-cache mode (the default): between timed passes a "NIC" writes the
 * write-back of every descriptor (DD|EOP, length, RSS hash), untimed; the
 * loop then takes the frames in batches of 64 (publish + listener ack per
 * batch).  Descriptors and frame buffers are in the polling core's own
 * cache: the upper bound of the loop, next to a plain memcpy of the same
 * frames measured in the same run.
 *
 * NIC-thread mode (--nic-thread, below): a second thread on another
 * core plays the NIC, writing frames and write-backs while the loop runs,
 * so every descriptor and every frame reaches the polling core from the
 * other core's cache, as DMA writes reach it from the LLC or memory.
 *
 *   rxpoll-bench [passes] [sizes...]     (default 2000 passes, 64 1500)
 *   rxpoll-bench --nic-thread [options] [sizes...]   (see --help)
 */
#define _GNU_SOURCE
#include "hpcap_rxpoll.h"
#include "queue/dblmap.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#define NDESC 4096u
#define BUFSZ 2048u
#define RING (256ull << 20)

#define IMIX_PERIOD 12

/* The frame lengths a run cycles through: one size, or the IMIX cycle. */
struct frame_sizes {
	int n;
	u16 len[IMIX_PERIOD];
	char name[16];
};

static int nic_main(int argc, char **argv);

static const u16 imix_cycle[IMIX_PERIOD] = {
	64, 594, 64, 64, 1518, 64, 594, 64, 64, 594, 64, 594
};

static int parse_size(const char *arg, struct frame_sizes *fs)
{
	char *end;
	unsigned long v;
	int i;

	if (!strcmp(arg, "imix")) {
		fs->n = IMIX_PERIOD;
		for (i = 0; i < IMIX_PERIOD; i++)
			fs->len[i] = imix_cycle[i];
		snprintf(fs->name, sizeof(fs->name), "IMIX");
		return 0;
	}
	v = strtoul(arg, &end, 10);
	if (*end || v < 14 || v > BUFSZ)
		return -1;
	fs->n = 1;
	fs->len[0] = (u16)v;
	snprintf(fs->name, sizeof(fs->name), "%lu", v);
	return 0;
}

static double frame_sizes_mean(const struct frame_sizes *fs)
{
	double s = 0;
	int i;

	for (i = 0; i < fs->n; i++)
		s += fs->len[i];
	return s / fs->n;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void nic_fill(union hpcap_rx_desc *d, const struct frame_sizes *fs)
{
	u32 i;

	for (i = 0; i < NDESC; i++) {
		d[i].wb.info = 0;
		d[i].wb.rss_hash = cpu_to_le32(i * 2654435761u);
		d[i].wb.length = cpu_to_le16(fs->len[i % fs->n]);
		d[i].wb.vlan = 0;
		d[i].wb.status_error = cpu_to_le32(HPCAP_RXD_STAT_DD |
						   HPCAP_RXD_STAT_EOP);
	}
}

/* One size in hot-cache mode: poll+copy and memcpy seconds per frame. */
static int hot_run(unsigned passes, const struct frame_sizes *fs, bool per_frame,
	    double *poll_ns, double *copy_ns)
{
	static union hpcap_rx_desc *desc;
	static u8 *bufs, *data;
	static u8 *chunk[NDESC * BUFSZ / HPCAP_RX_CHUNK];
	static u64 chunk_dma[NDESC * BUFSZ / HPCAP_RX_CHUNK];
	static struct hpcap_ring r;
	static struct hpcap_ring_info info;
	struct hpcap_rxq_core c;
	double t_poll = 0, t_copy = 0, t0;
	u64 frames = 0, off = 0, k;
	unsigned p;
	int l;

	if (!desc) {
		desc = aligned_alloc(4096, NDESC * 16);
		bufs = aligned_alloc(4096, (size_t)NDESC * BUFSZ);
		data = hpcap_dblmap_anon(RING);
		if (!desc || !bufs || !data)
			return -1;
		for (k = 0; k < NDESC * BUFSZ; k++)
			bufs[k] = (u8)k;
		for (k = 0; k < NDESC * BUFSZ / HPCAP_RX_CHUNK; k++) {
			chunk[k] = bufs + k * HPCAP_RX_CHUNK;
			chunk_dma[k] = 0x100000000ull + k * HPCAP_RX_CHUNK;
		}
		memset(data, 0, RING);
	}
	hpcap_ring_init(&r, data, RING, HPCAP_DEFAULT_FILE_SIZE, &info, 0, 0);
	l = hpcap_ring_listener_add(&r, HPCAP_MODE_LOSSLESS);
	memset(&c, 0, sizeof(c));
	c.desc = desc;
	c.count = NDESC;
	c.buf_shift = 11;	/* 2 KiB buffers, as the driver uses */
	c.chunk_shift = 16 - 11;
	c.chunk = chunk;
	c.chunk_dma = chunk_dma;
	c.err_mask = HPCAP_RXD_ERR_RXE_82576;
	c.ts_per_frame = per_frame;
	hpcap_rx_arm_all(&c);
	for (p = 0; p < passes; p++) {
		struct hpcap_ack_wait aw;
		u32 got = 0;

		nic_fill(desc, fs);
		t0 = now_s();
		while (got < NDESC) {
			got += hpcap_rx_clean(&c, &r, 64, 65535);
			hpcap_ring_publish(&r);
			hpcap_ring_ack(&r, l, r.pos - r.lst[l].read_pos, &aw);
		}
		t_poll += now_s() - t0;
		frames += got;
		/* the same bytes copied plainly, same destinations */
		t0 = now_s();
		for (k = 0; k < NDESC; k++) {
			u32 len = fs->len[k % fs->n];

			memcpy(data + off, bufs + k * BUFSZ, 12 + len);
			off += 12 + len;
			if (off >= RING)
				off -= RING;
		}
		t_copy += now_s() - t0;
	}
	if (r.stats.captured_frames != frames) {
		fprintf(stderr, "rxpoll-bench: captured %llu of %llu\n",
			(unsigned long long)r.stats.captured_frames,
			(unsigned long long)frames);
		return -1;
	}
	*poll_ns = t_poll / frames * 1e9;
	*copy_ns = t_copy / frames * 1e9;
	return 0;
}

/* ------------------------------------------------------------ NIC thread */

/*
 * The cross-core model.  Two threads on two cores share the descriptor
 * ring, the packet buffers and one "tail register":
 *
 * - the NIC thread owns the descriptors from its head up to the tail the
 *   driver last wrote (head == tail: none, as RDH == RDT on the chips).
 *   For each frame it reads the buffer address the driver armed, writes
 *   the frame there, then the write-back (hash, length, ...) and last the
 *   status with DD by a store-release: what the poll loop sees after DD
 *   is what a device's DMA would have made visible.  Frames come at a set
 *   rate, as on a wire that does not wait: when no descriptor is free the
 *   frame is lost and counted as an overrun (MPC / RNBC on the chips).
 *   Or flat out: the NIC then waits for descriptors, and counts how often
 *   it found the ring full (the loop, not the NIC, set the pace).
 * - the poll thread runs the driver's loop (driver/hpcap_native.c):
 *   hpcap_rx_clean() with a budget per call, publish, and the tail written
 *   (store-release, as writel orders the re-armed descriptors before it)
 *   every tail_every frames and whenever a poll finds nothing.  The capture
 *   ring's listener is acked after every batch (the consumer's cost is not
 *   in the figure), as in the hot-cache mode.
 *
 * Each thread notes when it was away from its loop longer than gap_us
 * (descheduled on a shared machine, or the VM's core taken): such a trial
 * says nothing about the code and is run again.
 */
#define NIC_BUFSZ 2048u
#define NIC_DMA_BASE 0x200000000ull

static inline u64 ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __rdtsc();
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000u + (u64)ts.tv_nsec;
#endif
}

static double tick_ns;	/* ns per tick */

static void calibrate_ticks(void)
{
	struct timespec d = { 0, 50 * 1000 * 1000 };
	double t0 = now_s();
	u64 k0 = ticks();

	nanosleep(&d, NULL);
	tick_ns = (now_s() - t0) * 1e9 / (double)(ticks() - k0);
}

struct nic_cfg {
	u32 ndesc, batch, tail_every;
	int cpu[2];		/* poll, NIC */
	bool rt;
	double ms;		/* trial length */
	double gap_us;		/* away longer: the trial was disturbed */
	unsigned passes;	/* hot-cache passes */
};

struct nic_shared {
	union hpcap_rx_desc *desc;
	u8 *bufs;
	u8 **chunk;
	u64 *chunk_dma;
	u8 *data;
	u8 tmpl[NIC_BUFSZ];
};

static struct nic_shared sh;

struct trial {
	const struct nic_cfg *cfg;
	const struct frame_sizes *fs;
	double rate;		/* Mpps; 0: flat out */
	pthread_barrier_t start;
	struct hpcap_rxq_core c;
	struct hpcap_ring r;
	struct hpcap_ring_info info;
	int l;
	u32 tail __attribute__((aligned(64)));	/* RDT */
	int nic_done __attribute__((aligned(64)));
	u64 sent;		/* frames written, final once nic_done */
	/* NIC results */
	u64 offered, overruns, full_waits, nic_ticks, max_backlog;
	bool nic_gap;
	u64 nic_max_gap, poll_max_gap;	/* ticks */
	const char *err;
	/* poll results */
	u64 busy_ticks, polls, busy_polls, poll_ticks;
	bool poll_gap;
};

static void pin_self(const struct nic_cfg *cfg, int which)
{
	static int pin_warned, rt_warned;
	cpu_set_t set;
	struct sched_param sp = { .sched_priority = 1 };

	CPU_ZERO(&set);
	CPU_SET(cfg->cpu[which], &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) &&
	    !__atomic_exchange_n(&pin_warned, 1, __ATOMIC_RELAXED))
		fprintf(stderr, "rxpoll-bench: cannot pin a thread to core %d: running unpinned\n",
			cfg->cpu[which]);
	if (cfg->rt &&
	    pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) &&
	    !__atomic_exchange_n(&rt_warned, 1, __ATOMIC_RELAXED))
		fprintf(stderr, "rxpoll-bench: no SCHED_FIFO (needs root or CAP_SYS_NICE): running without --rt\n");
}

static void thread_setup(struct trial *t, int which)
{
	pin_self(t->cfg, which);
	pthread_barrier_wait(&t->start);
}

/* The hot-cache figure, on the poll loop's core with its priority. */
struct hot_args {
	const struct nic_cfg *cfg;
	const struct frame_sizes *fs;
	double poll_ns, copy_ns;
	int st;
};

static void *hot_thread(void *arg)
{
	struct hot_args *h = arg;

	pin_self(h->cfg, 0);
	h->st = hot_run(h->cfg->passes, h->fs, false, &h->poll_ns, &h->copy_ns);
	return NULL;
}

static int hot_pinned(const struct nic_cfg *cfg, const struct frame_sizes *fs,
		      double *poll_ns)
{
	struct hot_args h = { .cfg = cfg, .fs = fs, .st = -1 };
	pthread_t th;

	if (pthread_create(&th, NULL, hot_thread, &h))
		return -1;
	pthread_join(th, NULL);
	*poll_ns = h.poll_ns;
	return h.st;
}

/*
 * Away from the loop longer than this, a thread was descheduled (on a
 * shared machine, or its virtual core taken by the host): by default a
 * half the time the NIC takes to fill the ring at the set rate (a
 * shorter absence cannot overrun it alone: the loop must absorb it, as a
 * real core absorbs interrupts), 50 us flat out.
 */
static u64 gap_ticks(const struct trial *t)
{
	double us = t->cfg->gap_us;

	if (us <= 0)
		us = t->rate > 0 ? t->cfg->ndesc / t->rate / 2 : 50;
	return (u64)(us * 1e3 / tick_ns);
}

/* One frame into descriptor head's buffer, then its write-back. */
static int nic_write(struct trial *t, u32 head, u64 seq)
{
	union hpcap_rx_desc *d = &sh.desc[head];
	u64 addr = le64_to_cpu(READ_ONCE(d->read.pkt_addr));
	u32 len = t->fs->len[seq % (u64)t->fs->n];
	u8 *buf;

	if (addr != NIC_DMA_BASE + (u64)head * NIC_BUFSZ) {
		t->err = "a descriptor handed to the NIC was not armed with its own buffer";
		return -1;
	}
	buf = sh.bufs + (addr - NIC_DMA_BASE);
	memcpy(buf, sh.tmpl, len);
	memcpy(buf + 6, &seq, 6);	/* a different frame every time */
	WRITE_ONCE(d->wb.info, 0);
	WRITE_ONCE(d->wb.rss_hash, cpu_to_le32((u32)seq * 2654435761u));
	WRITE_ONCE(d->wb.length, cpu_to_le16((u16)len));
	WRITE_ONCE(d->wb.vlan, 0);
	__atomic_store_n(&d->wb.status_error,
			 cpu_to_le32(HPCAP_RXD_STAT_DD | HPCAP_RXD_STAT_EOP),
			 __ATOMIC_RELEASE);
	return 0;
}

static void *nic_thread(void *arg)
{
	struct trial *t = arg;
	const struct nic_cfg *cfg = t->cfg;
	u32 mask = cfg->ndesc - 1, head = 0, tail, burst;
	u64 slot = 0, sent = 0, t0, prev, now, due, end;
	u64 gap = gap_ticks(t);
	double per_tick = t->rate * 1e6 * tick_ns / 1e9;
	u64 frames = t->rate > 0 ? (u64)(t->rate * 1e3 * cfg->ms) : U64_MAX;

	thread_setup(t, 1);
	tail = __atomic_load_n(&t->tail, __ATOMIC_ACQUIRE);
	t0 = prev = ticks();
	end = t0 + (u64)(cfg->ms * 1e6 / tick_ns);
	while (slot < frames) {
		now = ticks();
		if (now - prev > t->nic_max_gap)
			t->nic_max_gap = now - prev;
		if (now - prev > gap)
			t->nic_gap = true;
		if (t->rate > 0) {
			due = (u64)((double)(now - t0) * per_tick) + 1;
			if (due > frames)
				due = frames;
			if (due > slot && due - slot > t->max_backlog)
				t->max_backlog = due - slot;
		} else {
			if (now > end)
				break;
			due = slot + 32;
		}
		for (burst = 0; slot < due && burst < 32; burst++) {
			if (head == tail) {
				tail = __atomic_load_n(&t->tail, __ATOMIC_ACQUIRE);
				if (head == tail) {
					if (t->rate == 0) {
						t->full_waits++;
						break;
					}
					t->overruns++;	/* lost on the wire */
					slot++;
					continue;
				}
			}
			if (nic_write(t, head, slot))
				goto out;
			head = (head + 1) & mask;
			slot++;
			sent++;
		}
		prev = ticks();
	}
out:
	t->nic_ticks = ticks() - t0;
	t->offered = slot;
	t->sent = sent;
	__atomic_store_n(&t->nic_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *poll_thread(void *arg)
{
	struct trial *t = arg;
	const struct nic_cfg *cfg = t->cfg;
	struct hpcap_rxq_core *c = &t->c;
	u32 mask = cfg->ndesc - 1, since_tail = 0, n;
	u64 gap = gap_ticks(t), t0, prev, a;

	thread_setup(t, 0);
	t0 = prev = ticks();
	for (;;) {
		struct hpcap_ack_wait aw;

		a = ticks();
		if (a - prev > t->poll_max_gap)
			t->poll_max_gap = a - prev;
		if (a - prev > gap)
			t->poll_gap = true;
		n = hpcap_rx_clean(c, &t->r, cfg->batch, 65535);
		t->polls++;
		if (n) {
			hpcap_ring_publish(&t->r);
			hpcap_ring_ack(&t->r, t->l,
				       t->r.pos - t->r.lst[t->l].read_pos, &aw);
			since_tail += n;
			if (since_tail >= cfg->tail_every) {
				__atomic_store_n(&t->tail, (c->next - 1) & mask,
						 __ATOMIC_RELEASE);
				since_tail = 0;
			}
			prev = ticks();
			t->busy_ticks += prev - a;
			t->busy_polls++;
			continue;
		}
		/* Give back what was taken before going idle. */
		if (since_tail) {
			__atomic_store_n(&t->tail, (c->next - 1) & mask,
					 __ATOMIC_RELEASE);
			since_tail = 0;
		}
		prev = ticks();
		if (__atomic_load_n(&t->nic_done, __ATOMIC_ACQUIRE) &&
		    c->hw_frames == t->sent)
			break;
	}
	t->poll_ticks = prev - t0;
	return NULL;
}

/* One trial: 0, or -1 with t->err set. */
static int run_trial(struct trial *t)
{
	const struct nic_cfg *cfg = t->cfg;
	pthread_t th[2];
	struct timespec rest;

	memset(&t->c, 0, sizeof(t->c));
	t->c.desc = sh.desc;
	t->c.count = cfg->ndesc;
	t->c.buf_shift = 11;
	t->c.chunk_shift = 16 - 11;
	t->c.chunk = sh.chunk;
	t->c.chunk_dma = sh.chunk_dma;
	t->c.err_mask = HPCAP_RXD_ERR_RXE_82576;
	hpcap_rx_arm_all(&t->c);
	hpcap_ring_init(&t->r, sh.data, RING, HPCAP_DEFAULT_FILE_SIZE,
			&t->info, 0, 0);
	t->l = hpcap_ring_listener_add(&t->r, HPCAP_MODE_LOSSLESS);
	t->tail = cfg->ndesc - 1;	/* what the driver writes at start */
	t->nic_done = 0;
	t->sent = t->offered = t->overruns = t->full_waits = 0;
	t->max_backlog = t->busy_ticks = t->polls = t->busy_polls = 0;
	t->nic_gap = t->poll_gap = false;
	t->nic_max_gap = t->poll_max_gap = 0;
	t->err = NULL;
	pthread_barrier_init(&t->start, NULL, 2);
	if (pthread_create(&th[0], NULL, poll_thread, t) ||
	    pthread_create(&th[1], NULL, nic_thread, t)) {
		fprintf(stderr, "rxpoll-bench: cannot start the threads\n");
		exit(1);
	}
	pthread_join(th[1], NULL);
	pthread_join(th[0], NULL);
	pthread_barrier_destroy(&t->start);
	if (!t->err && t->r.stats.captured_frames != t->sent)
		t->err = "the capture ring does not hold every frame the NIC wrote";
	if (t->err) {
		fprintf(stderr, "rxpoll-bench: %s (sent %llu, captured %llu)\n",
			t->err, (unsigned long long)t->sent,
			(unsigned long long)t->r.stats.captured_frames);
		return -1;
	}
	/* Give the cores back to the machine for as long as we took them. */
	rest.tv_sec = 0;
	rest.tv_nsec = (long)(cfg->ms * 1e6);
	nanosleep(&rest, NULL);
	return 0;
}

static bool disturbed(const struct trial *t)
{
	return t->nic_gap || t->poll_gap;
}

static double busy_ns(const struct trial *t)
{
	return t->sent ? t->busy_ticks * tick_ns / t->sent : 0;
}

/* Mpps the NIC actually offered (first to last frame). */
static double offered_mpps(const struct trial *t)
{
	return t->nic_ticks ? t->offered / (t->nic_ticks * tick_ns) * 1e3 : 0;
}

#define MAX_ATTEMPTS 8
#define GOOD_TRIALS 3

/*
 * A rate passes when one undisturbed trial of up to GOOD_TRIALS saw no
 * overrun and the NIC kept the rate (noise only ever adds time: a trial
 * that passes shows the code can).  *best gets the passing trial.
 */
static int probe(struct trial *t, double rate, struct trial *best,
		 unsigned *wasted, bool *nic_limited)
{
	int att, good = 0;

	t->rate = rate;
	for (att = 0; att < MAX_ATTEMPTS && good < GOOD_TRIALS; att++) {
		if (run_trial(t))
			return -1;
		if (disturbed(t)) {
			(*wasted)++;
			continue;
		}
		good++;
		/* The NIC thread could not offer the rate. */
		if (offered_mpps(t) < 0.98 * rate) {
			*nic_limited = true;
			continue;
		}
		if (t->overruns == 0) {
			*best = *t;
			return 1;
		}
	}
	return 0;
}

static int nic_usage(FILE *f)
{
	fprintf(f,
"Usage: rxpoll-bench --nic-thread [options] [sizes...]\n"
"\n"
"A second thread on another core plays the NIC: it writes each frame into\n"
"the buffer the driver armed, then the descriptor's write-back with DD last\n"
"(store-release), and takes descriptors back from the tail the poll loop\n"
"writes.  The poll loop (core/hpcap_rxpoll.c, the driver's batch and tail\n"
"interval) runs on its own core.  For each size: the hot-cache figure of\n"
"the same loop, the flat-out rate (the NIC waits for descriptors), and the\n"
"highest rate with no overrun (a frame with no free descriptor is lost, as\n"
"MPC counts), searched over the rate; ns per frame is the poll core's busy\n"
"time per frame at that rate.\n"
"\n"
"Sizes: frame bytes (14..2048) or imix (7:4:1 of 64/594/1518); default\n"
"64 128 512 1518 imix.\n"
"\n"
"Options:\n"
"  --rate MPPS    one rate only (0: flat out) and the first size: a line of\n"
"                 key=value per undisturbed trial (for A/B runs), no search\n"
"  --trials N     with --rate: undisturbed trials to print (default 5)\n"
"  --ms MS        length of a trial (default 20)\n"
"  --desc N       descriptors (power of two, default 1024 as the driver)\n"
"  --batch N      descriptors per hpcap_rx_clean() call (default 64)\n"
"  --tail N       write the tail every N frames (default 32)\n"
"  --cpus P,N     cores of the poll loop and of the NIC (default 0,1)\n"
"  --rt           both threads SCHED_FIFO (root): trials are short and the\n"
"                 cores are given back between them\n"
"  --gap-us US    a thread away longer was descheduled: trial run again\n"
"                 (default: half the ring's fill time at the rate,\n"
"                 50 flat out)\n"
"  --passes N     hot-cache passes (default 200)\n");
	return f == stdout ? 0 : 2;
}

static double line_rate_10g(const struct frame_sizes *fs)
{
	/* Bytes on the wire per frame: the frame, preamble+SFD 8, gap 12. */
	return 10e9 / 8 / (frame_sizes_mean(fs) + 20) / 1e6;
}

static int nic_main(int argc, char **argv)
{
	static const char *defs[] = { "64", "128", "512", "1518", "imix" };
	struct nic_cfg cfg = {
		.ndesc = 1024, .batch = 64, .tail_every = 32,
		.cpu = { 0, 1 }, .ms = 20, .gap_us = 0, .passes = 200,
	};
	double one_rate = -1;
	unsigned ntrials = 5, k;
	struct frame_sizes fs[16];
	int nfs = 0, i;
	u64 nbuf;
	double load[2][3];

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return nic_usage(stdout);
		if (!strcmp(a, "--rt")) {
			cfg.rt = true;
			continue;
		}
		if (a[0] == '-' && a[1] == '-' && !v) {
			fprintf(stderr, "rxpoll-bench: %s needs a value (see --nic-thread --help)\n", a);
			return 2;
		}
		if (!strcmp(a, "--rate"))
			one_rate = atof(v);
		else if (!strcmp(a, "--trials"))
			ntrials = (unsigned)atoi(v);
		else if (!strcmp(a, "--ms"))
			cfg.ms = atof(v);
		else if (!strcmp(a, "--desc"))
			cfg.ndesc = (u32)atoi(v);
		else if (!strcmp(a, "--batch"))
			cfg.batch = (u32)atoi(v);
		else if (!strcmp(a, "--tail"))
			cfg.tail_every = (u32)atoi(v);
		else if (!strcmp(a, "--gap-us"))
			cfg.gap_us = atof(v);
		else if (!strcmp(a, "--passes"))
			cfg.passes = (unsigned)atoi(v);
		else if (!strcmp(a, "--cpus")) {
			if (sscanf(v, "%d,%d", &cfg.cpu[0], &cfg.cpu[1]) != 2) {
				fprintf(stderr, "rxpoll-bench: --cpus wants POLL,NIC (e.g. 0,1)\n");
				return 2;
			}
		} else if (a[0] == '-') {
			fprintf(stderr, "rxpoll-bench: unknown option '%s' (see --nic-thread --help)\n", a);
			return 2;
		} else {
			if (nfs == 16 || parse_size(a, &fs[nfs])) {
				fprintf(stderr, "rxpoll-bench: '%s' is not a frame size (14..2048 bytes, or imix; at most 16)\n", a);
				return 2;
			}
			nfs++;
			continue;
		}
		i++;
	}
	if (cfg.ndesc < 64 || cfg.ndesc > 65536 || (cfg.ndesc & (cfg.ndesc - 1)) ||
	    !cfg.batch || !cfg.tail_every || cfg.ms <= 0 || cfg.gap_us < 0 ||
	    !cfg.passes || !ntrials || one_rate > 1e3) {
		fprintf(stderr, "rxpoll-bench: bad option value (--desc: power of two 64..65536; others positive)\n");
		return 2;
	}
	if (!nfs)
		for (nfs = 0; nfs < 5; nfs++)
			parse_size(defs[nfs], &fs[nfs]);

	nbuf = (u64)cfg.ndesc * NIC_BUFSZ;
	sh.desc = aligned_alloc(4096, cfg.ndesc * 16);
	sh.bufs = aligned_alloc(4096, nbuf);
	sh.chunk = calloc(nbuf / HPCAP_RX_CHUNK, sizeof(*sh.chunk));
	sh.chunk_dma = calloc(nbuf / HPCAP_RX_CHUNK, sizeof(*sh.chunk_dma));
	sh.data = hpcap_dblmap_anon(RING);
	if (!sh.desc || !sh.bufs || !sh.chunk || !sh.chunk_dma || !sh.data) {
		fprintf(stderr, "rxpoll-bench: out of memory\n");
		return 1;
	}
	memset(sh.bufs, 0, nbuf);
	memset(sh.data, 0, RING);
	for (k = 0; k < sizeof(sh.tmpl); k++)
		sh.tmpl[k] = (u8)(k * 7 + 1);
	for (k = 0; k < nbuf / HPCAP_RX_CHUNK; k++) {
		sh.chunk[k] = sh.bufs + (u64)k * HPCAP_RX_CHUNK;
		sh.chunk_dma[k] = NIC_DMA_BASE + (u64)k * HPCAP_RX_CHUNK;
	}
	calibrate_ticks();

	if (one_rate >= 0) {
		static struct trial t;
		unsigned done = 0, att = 0;

		t.cfg = &cfg;
		t.fs = &fs[0];
		t.rate = one_rate;
		while (done < ntrials && att++ < 4 * ntrials) {
			if (run_trial(&t))
				return 1;
			if (getenv("RXPOLL_DEBUG"))
				fprintf(stderr, "trial: sent %llu overruns %llu max gap nic %.1f us poll %.1f us backlog %llu\n",
					(unsigned long long)t.sent, (unsigned long long)t.overruns,
					t.nic_max_gap * tick_ns / 1e3, t.poll_max_gap * tick_ns / 1e3,
					(unsigned long long)t.max_backlog);
			if (disturbed(&t))
				continue;
			done++;
			printf("size=%s rate=%.3f offered_mpps=%.3f sent=%llu overruns=%llu full_waits=%llu mpps=%.3f busy_ns_per_frame=%.3f busy_pct=%.1f frames_per_busy_poll=%.1f\n",
			       fs[0].name, one_rate, offered_mpps(&t),
			       (unsigned long long)t.sent,
			       (unsigned long long)t.overruns,
			       (unsigned long long)t.full_waits,
			       t.sent / (t.poll_ticks * tick_ns) * 1e3,
			       busy_ns(&t), 100.0 * t.busy_ticks / t.poll_ticks,
			       t.busy_polls ? (double)t.sent / t.busy_polls : 0);
		}
		if (!done) {
			fprintf(stderr, "rxpoll-bench: every trial was disturbed (a thread descheduled longer than --gap-us): the machine is too busy\n");
			return 3;
		}
		return 0;
	}

	if (getloadavg(load[0], 3) != 3)
		memset(load, 0, sizeof(load));
	printf("NIC thread on core %d, poll loop on core %d%s; %u descriptors, batch %u, tail every %u; trials of %.0f ms; tick %.3f ns\n\n",
	       cfg.cpu[1], cfg.cpu[0], cfg.rt ? " (SCHED_FIFO)" : "",
	       cfg.ndesc, cfg.batch, cfg.tail_every, cfg.ms, tick_ns);
	printf("| frame bytes | hot-cache ns/frame | hot-cache Mpps | flat-out Mpps | flat-out ring-full waits | max Mpps, no overrun | poll ns/frame at that rate | poll core busy | ns/frame cross-core / hot | 10 GbE Mpps | 10 GbE |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
	for (i = 0; i < nfs; i++) {
		static struct trial t, best, fo;
		double hot_ns, lo = 0, hi, fo_mpps = 0;
		unsigned wasted = 0, step, good = 0, att;
		bool nic_limited = false, found = false;
		int st;

		if (hot_pinned(&cfg, &fs[i], &hot_ns))
			return 1;
		t.cfg = &cfg;
		t.fs = &fs[i];
		/* Flat out: the best of GOOD_TRIALS undisturbed trials. */
		t.rate = 0;
		for (att = 0; att < MAX_ATTEMPTS && good < GOOD_TRIALS; att++) {
			double m;

			if (run_trial(&t))
				return 1;
			if (disturbed(&t)) {
				wasted++;
				continue;
			}
			good++;
			m = t.sent / (t.poll_ticks * tick_ns) * 1e3;
			if (m > fo_mpps) {
				fo_mpps = m;
				fo = t;
			}
		}
		if (!good) {
			printf("| %s | %.2f | %.1f | (every trial disturbed) | | | | | | %.2f | |\n",
			       fs[i].name, hot_ns, 1e3 / hot_ns, line_rate_10g(&fs[i]));
			continue;
		}
		/* Search: lo passes, hi is above what flat out gave. */
		hi = fo_mpps * 1.1;
		for (step = 0; step < 8; step++) {
			double mid = (lo + hi) / 2;

			st = probe(&t, mid, &best, &wasted, &nic_limited);
			if (st < 0)
				return 1;
			if (st) {
				lo = mid;
				found = true;
			} else {
				hi = mid;
			}
		}
		if (!found) {
			printf("| %s | %.2f | %.1f | %.2f | %llu | (none passed) | | | | %.2f | |\n",
			       fs[i].name, hot_ns, 1e3 / hot_ns, fo_mpps,
			       (unsigned long long)fo.full_waits, line_rate_10g(&fs[i]));
			continue;
		}
		printf("| %s | %.2f | %.1f | %.2f | %llu | %s%.2f | %.2f | %.0f%% | %.2f | %.2f | %s |\n",
		       fs[i].name, hot_ns, 1e3 / hot_ns, fo_mpps,
		       (unsigned long long)fo.full_waits,
		       nic_limited ? ">= " : "", lo, busy_ns(&best),
		       100.0 * best.busy_ticks / best.poll_ticks,
		       busy_ns(&best) / hot_ns, line_rate_10g(&fs[i]),
		       lo >= line_rate_10g(&fs[i]) ? "met" : "**missed**");
		if (nic_limited)
			printf("|  | (the NIC thread could not keep a higher rate: the bound is the NIC's) | | | | | | | | | |\n");
		fflush(stdout);
		fprintf(stderr, "rxpoll-bench: %s: %u disturbed trials run again\n",
			fs[i].name, wasted);
	}
	if (getloadavg(load[1], 3) != 3)
		memset(load[1], 0, sizeof(load[1]));
	printf("\nload average %.2f %.2f %.2f before, %.2f %.2f %.2f after\n",
	       load[0][0], load[0][1], load[0][2], load[1][0], load[1][1], load[1][2]);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned passes;
	struct frame_sizes fs;
	int nsz, s;

	if (argc > 1 && !strcmp(argv[1], "--nic-thread"))
		return nic_main(argc - 1, argv + 1);
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("Usage: rxpoll-bench [passes] [sizes...]  (hot-cache mode; default 2000 passes, 64 1500)\n"
		       "       rxpoll-bench --nic-thread --help   (a second thread plays the NIC)\n"
		       "A size is a frame length in bytes (14..2048) or 'imix' (7:4:1 of 64/594/1518).\n");
		return 0;
	}
	passes = argc > 1 ? (unsigned)atoi(argv[1]) : 2000;
	nsz = argc > 2 ? argc - 2 : 2;
	printf("| frame bytes | timestamps | poll+copy ns/frame | Mpps per core | memcpy ns/frame | memcpy Mpps | poll / memcpy |\n");
	printf("|---:|---|---:|---:|---:|---:|---:|\n");
	for (s = 0; s < 2 * nsz; s++) {
		const char *arg = argc > 2 ? argv[s / 2 + 2] : (s < 2 ? "64" : "1500");
		bool per_frame = s % 2;
		double pn, cn;

		if (parse_size(arg, &fs)) {
			fprintf(stderr, "rxpoll-bench: '%s' is not a frame size (14..2048 bytes, or imix)\n", arg);
			return 2;
		}
		if (hot_run(passes, &fs, per_frame, &pn, &cn))
			return 1;
		printf("| %s | %s | %.2f | %.1f | %.2f | %.1f | %.2f |\n", fs.name,
		       per_frame ? "per frame" : "per batch (default)",
		       pn, 1e3 / pn, cn, 1e3 / cn, pn / cn);
	}
	return 0;
}
