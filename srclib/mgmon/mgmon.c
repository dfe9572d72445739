// SPDX-License-Identifier: BSD-3-Clause
/*
 * mgmon.c - libmgmon's handles (live and offline), the next-packet and
 * loop calls, breaking, and HPCAP's convenience loops
 * mgmon_packet_online_loop() / mgmon_packet_offline_loop().
 *
 * Live frames come from libhpcap (hpcap_next(): zero-copy, batched
 * acknowledgements); offline frames from offline.c.  A handle does not
 * care which: the handler sees the same header and pointer either way.
 */
#define _GNU_SOURCE
#include "mgmon_int.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Live waits are cut into slices this long, so a break from another
 * thread (or a signal delivered to another thread) is seen promptly. */
#define LIVE_SLICE_MS 100

static _Thread_local char loop_err[HPCAP_ERRBUF_SIZE];

void mgmon_breakloop(struct mgmon *m)
{
	__atomic_store_n(&m->brk, 1, __ATOMIC_RELAXED);
}

const char *mgmon_loop_error(void)
{
	return loop_err;
}

int mgmon_pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return -EINVAL;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	/* pid 0: the calling thread. */
	return sched_setaffinity(0, sizeof(set), &set) < 0 ? -errno : 0;
}

static struct mgmon *mg_new(int live, unsigned flags, char *errbuf)
{
	struct mgmon *m = calloc(1, sizeof(*m));

	if (!m) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		return NULL;
	}
	m->live = live;
	m->flags = flags;
	m->cur = -1;
	m->f.fd = -1;
	m->gen = __atomic_load_n(&mgmon_int_break_gen, __ATOMIC_RELAXED);
	return m;
}

int mgmon_open_path(struct mgmon **out, const char *path, unsigned flags,
		    char *errbuf)
{
	struct mgmon *m;
	int err;

	*out = NULL;
	m = mg_new(1, flags, errbuf);
	if (!m)
		return -ENOMEM;
	err = hpcap_open_path(&m->h, path,
			      flags & MGMON_LOSSY ? HPCAP_OPEN_LOSSY : 0, errbuf);
	if (err < 0) {
		free(m);
		return err;
	}
	*out = m;
	return 0;
}

int mgmon_open_live(struct mgmon **out, unsigned adapter, unsigned queue,
		    unsigned flags, char *errbuf)
{
	struct mgmon *m;
	int err;

	*out = NULL;
	m = mg_new(1, flags, errbuf);
	if (!m)
		return -ENOMEM;
	err = hpcap_open(&m->h, adapter, queue,
			 flags & MGMON_LOSSY ? HPCAP_OPEN_LOSSY : 0, errbuf);
	if (err < 0) {
		free(m);
		return err;
	}
	*out = m;
	return 0;
}

int mgmon_open_offline(struct mgmon **out, const char *const *paths,
		       int npaths, unsigned flags, char *errbuf)
{
	struct mgmon *m;
	int n;

	*out = NULL;
	if (npaths <= 0) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "no RAW file or directory given");
		return -EINVAL;
	}
	m = mg_new(0, flags, errbuf);
	if (!m)
		return -ENOMEM;
	n = hpcap_raw_list(paths, npaths, &m->paths, errbuf);
	if (n < 0) {
		free(m);
		return n;
	}
	if (n == 0) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "no *.raw files found in the given directories");
		hpcap_raw_list_free(m->paths, n);
		free(m);
		return -ENOENT;
	}
	m->npaths = n;
	*out = m;
	return 0;
}

/* A live frame: 1 with *h, *payload; MGMON_TIMEOUT; MGMON_END; error. */
static int live_next(struct mgmon *m, struct mgmon_pkthdr *h,
		     const uint8_t **payload, int timeout_ms)
{
	struct hpcap_raw_record rec;
	int st = hpcap_next(m->h, &rec, timeout_ms);

	if (mg_likely(st == 1)) {
		h->ts.tv_sec = rec.sec;
		h->ts.tv_nsec = rec.nsec;
		h->caplen = rec.caplen;
		h->len = rec.len;
		*payload = rec.data;
		m->st.frames++;
		m->st.bytes += rec.caplen;
		m->st.wire_bytes += rec.len;
		return MGMON_FRAME;
	}
	if (st == 0)
		return MGMON_TIMEOUT;
	if (st == -ENODEV)
		return MGMON_END;	/* gone, and everything was read */
	return mgmon_int_err(m, st, "%s", hpcap_geterr(m->h));
}

int mgmon_next(struct mgmon *m, struct mgmon_pkthdr *h,
	       const uint8_t **payload, int timeout_ms)
{
	if (!m->live)
		return mgmon_int_off_next(m, h, payload);
	if (mg_broken(m))
		return MGMON_BREAK;
	return live_next(m, h, payload, timeout_ms);
}

int mgmon_loop(struct mgmon *m, long long count, mgmon_packet_handler handler,
	       void *arg)
{
	unsigned long long left = count > 0 ? (unsigned long long)count
					    : ~0ull;
	struct mgmon_pkthdr h;
	const uint8_t *payload;
	int st;

	if (!m->live)
		return mgmon_int_off_loop(m, count, handler, arg);
	while (left) {
		if (mg_broken(m))
			return MGMON_BREAK;
		st = live_next(m, &h, &payload, LIVE_SLICE_MS);
		if (st == MGMON_FRAME) {
			handler(payload, &h, arg);
			left--;
		} else if (st != MGMON_TIMEOUT) {
			return st;
		}
	}
	return MGMON_COUNT;
}

int mgmon_frame_valid(const struct mgmon *m)
{
	return m->live ? hpcap_frame_valid(m->h) : 1;
}

void mgmon_get_stats(const struct mgmon *m, struct mgmon_stats *s)
{
	*s = m->st;
	if (m->live) {
		s->lost_frames = hpcap_lost_frames(m->h);
		s->lost_bytes = hpcap_lost_bytes(m->h);
	}
}

const char *mgmon_file(const struct mgmon *m, uint64_t *offset)
{
	if (m->live || m->cur < 0 || m->cur >= m->npaths)
		return NULL;
	if (offset)
		*offset = m->f.rr ? hpcap_raw_offset(m->f.rr) : m->f.last;
	return m->paths[m->cur];
}

struct hpcap_handle *mgmon_hpcap(struct mgmon *m)
{
	return m->live ? m->h : NULL;
}

const char *mgmon_geterr(const struct mgmon *m)
{
	return m->err;
}

void mgmon_close(struct mgmon *m)
{
	if (!m)
		return;
	if (m->live) {
		hpcap_close(m->h);
	} else {
		mgmon_int_off_close(m);
		hpcap_raw_list_free(m->paths, m->npaths);
	}
	free(m);
}

/* ------------------------------------------------------------------ */
/* The HPCAP-style loops                                               */
/* ------------------------------------------------------------------ */

/* SIGINT stops the loops while at least one runs; the disposition found
 * when the first started is put back when the last ends. */
static pthread_mutex_t sig_lock = PTHREAD_MUTEX_INITIALIZER;
static int sig_users;
static struct sigaction sig_old;

static void on_sigint(int sig)
{
	(void)sig;
	mgmon_break();
}

static void sigint_take(void)
{
	struct sigaction sa;

	pthread_mutex_lock(&sig_lock);
	if (sig_users++ == 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sigint;
		sigemptyset(&sa.sa_mask);
		/* No SA_RESTART: a wait in progress ends at once. */
		sigaction(SIGINT, &sa, &sig_old);
	}
	pthread_mutex_unlock(&sig_lock);
}

static void sigint_give(void)
{
	pthread_mutex_lock(&sig_lock);
	if (--sig_users == 0)
		sigaction(SIGINT, &sig_old, NULL);
	pthread_mutex_unlock(&sig_lock);
}

void mgmon_int_set_loop_err(const char *msg)
{
	snprintf(loop_err, sizeof(loop_err), "%s", msg);
}

static int conv_fail(int code, const char *msg)
{
	mgmon_int_set_loop_err(msg);
	return code;
}

/* Run the loop on an open handle (NULL: opening failed with err). */
static int conv_run(struct mgmon *m, int err, const char *errbuf,
		    const struct mg_conv *c, unsigned gen)
{
	int st;

	if (!m) {
		sigint_give();
		return conv_fail(err, errbuf);
	}
	/* A SIGINT while opening counts. */
	m->gen = gen;
	loop_err[0] = 0;
	st = mgmon_loop(m, 0, c->handler, c->arg);
	if (st < 0)
		conv_fail(st, m->err);
	if (c->after)
		c->after(c->arg);
	mgmon_close(m);
	sigint_give();
	return st;
}

int mgmon_int_conv_online(int cpu, int adapter, int queue, const struct mg_conv *c)
{
	char errbuf[HPCAP_ERRBUF_SIZE];
	struct mgmon *m = NULL;
	unsigned gen;
	int err;

	if (adapter < 0 || queue < 0) {
		snprintf(errbuf, sizeof(errbuf), "bad adapter %d or queue %d",
			 adapter, queue);
		return conv_fail(-EINVAL, errbuf);
	}
	if (cpu >= 0) {
		err = mgmon_pin_cpu(cpu);
		if (err) {
			snprintf(errbuf, sizeof(errbuf),
				 "cannot pin the capture thread to CPU %d: %s",
				 cpu, strerror(-err));
			return conv_fail(err, errbuf);
		}
	}
	sigint_take();
	gen = __atomic_load_n(&mgmon_int_break_gen, __ATOMIC_RELAXED);
	err = mgmon_open_live(&m, (unsigned)adapter, (unsigned)queue, 0, errbuf);
	return conv_run(m, err, errbuf, c, gen);
}

int mgmon_int_conv_offline(const char *const *paths, int npaths,
			   const struct mg_conv *c)
{
	char errbuf[HPCAP_ERRBUF_SIZE];
	struct mgmon *m = NULL;
	unsigned gen;
	int err;

	sigint_take();
	gen = __atomic_load_n(&mgmon_int_break_gen, __ATOMIC_RELAXED);
	err = mgmon_open_offline(&m, paths, npaths, 0, errbuf);
	return conv_run(m, err, errbuf, c, gen);
}

int mgmon_packet_online_loop(int cpu, int adapter, int queue,
			     mgmon_packet_handler handler, void *arg)
{
	struct mg_conv c = { .handler = handler, .arg = arg };

	return mgmon_int_conv_online(cpu, adapter, queue, &c);
}

int mgmon_packet_offline_loop(const char *const *paths, int npaths,
			      mgmon_packet_handler handler, void *arg)
{
	struct mg_conv c = { .handler = handler, .arg = arg };

	return mgmon_int_conv_offline(paths, npaths, &c);
}
