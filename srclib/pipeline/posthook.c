// SPDX-License-Identifier: BSD-3-Clause
/*
 * posthook.c - run a command once for every finished capture file, never
 * holding the capture back: at most max_running hooks at once, at most
 * max_pending more waiting; beyond that a file's hook is skipped (and
 * counted).  Hooks are started with posix_spawn() (no fork of a large
 * process), in a process group of their own, and reaped without blocking.
 */
#define _GNU_SOURCE
#include "libhpcap_pipeline.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct job {
	struct hpcap_file_facts f;
	pid_t pid;
	double t0;
};

struct hpcap_hookq {
	char *script;		/* CMD "$@" */
	unsigned max_running, max_pending;
	int nice;
	struct job *run;	/* max_running slots, pid 0 = free */
	unsigned nrun;
	struct job *pend;	/* ring of max_pending */
	unsigned phead, npend;
	struct hpcap_hook_event *ev;	/* ring of finished hooks */
	unsigned ehead, nev, ev_cap;
	uint64_t started, ok, failed, skipped;
	char err[HPCAP_ERRBUF_SIZE];
};

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int hpcap_hookq_open(struct hpcap_hookq **qp, const struct hpcap_hook_opts *o,
		     char *errbuf)
{
	struct hpcap_hookq *q = calloc(1, sizeof(*q));
	size_t n;

	*qp = NULL;
	if (!q)
		goto oom;
	if (!o || !o->cmd || !*o->cmd) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "no hook command");
		free(q);
		return -EINVAL;
	}
	q->max_running = o->max_running ? o->max_running : 1;
	q->max_pending = o->max_pending ? o->max_pending : 16;
	q->nice = o->nice < 0 ? 0 : o->nice ? o->nice : 10;
	n = strlen(o->cmd) + 8;
	q->script = malloc(n);
	q->run = calloc(q->max_running, sizeof(*q->run));
	q->pend = calloc(q->max_pending, sizeof(*q->pend));
	q->ev_cap = q->max_running + q->max_pending + 16;
	q->ev = calloc(q->ev_cap, sizeof(*q->ev));
	if (!q->script || !q->run || !q->pend || !q->ev)
		goto oom;
	/* The path comes as "$1": appended to the command's words. */
	snprintf(q->script, n, "%s \"$@\"", o->cmd);
	*qp = q;
	return 0;
oom:
	snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
	hpcap_hookq_close(q);
	return -ENOMEM;
}

static void push_event(struct hpcap_hookq *q, const struct hpcap_hook_event *e)
{
	if (q->nev == q->ev_cap) {	/* nobody polls: drop the oldest */
		q->ehead = (q->ehead + 1) % q->ev_cap;
		q->nev--;
	}
	q->ev[(q->ehead + q->nev) % q->ev_cap] = *e;
	q->nev++;
}

/* The environment of a hook: ours without HPCAP_FILE*, plus the facts. */
static char **make_env(const struct hpcap_file_facts *f, char *buf, size_t n)
{
	size_t nenv = 0, k = 0, i, j = 0;
	char **env;
	char first[32] = "", last[32] = "", period[32] = "";

	while (environ && environ[nenv])
		nenv++;
	env = calloc(nenv + 20, sizeof(*env));
	if (!env)
		return NULL;
	for (i = 0; i < nenv; i++)
		if (strncmp(environ[i], "HPCAP_FILE", 10) &&
		    strncmp(environ[i], "HPCAP_ADAPTER=", 14) &&
		    strncmp(environ[i], "HPCAP_QUEUE=", 12))
			env[j++] = environ[i];
	if (f->frames) {
		snprintf(first, sizeof(first), "%u.%09u", f->first_sec,
			 f->first_nsec);
		snprintf(last, sizeof(last), "%u.%09u", f->last_sec,
			 f->last_nsec);
	}
	if (f->period_start_ns)
		snprintf(period, sizeof(period), "%llu",
			 (unsigned long long)(f->period_start_ns / 1000000000u));
#define ADD(...)                                                         \
	do {                                                             \
		int r_ = snprintf(buf + k, n - k, __VA_ARGS__);          \
		if (r_ < 0 || (size_t)r_ >= n - k)                       \
			goto full;                                       \
		env[j++] = buf + k;                                      \
		k += (size_t)r_ + 1;                                     \
	} while (0)
	ADD("HPCAP_FILE=%s", f->path);
	ADD("HPCAP_FILE_BYTES=%llu", (unsigned long long)f->bytes);
	ADD("HPCAP_FILE_DATA_BYTES=%llu", (unsigned long long)f->data_bytes);
	ADD("HPCAP_FILE_FRAMES=%llu", (unsigned long long)f->frames);
	ADD("HPCAP_FILE_FIRST=%s", first);
	ADD("HPCAP_FILE_LAST=%s", last);
	ADD("HPCAP_FILE_PERIOD=%s", period);
	ADD("HPCAP_FILE_INDEX=%u", f->index);
	ADD("HPCAP_FILE_FORMAT=%s", hpcap_out_format_name(f->format));
	ADD("HPCAP_FILE_COMPRESSION=%s", f->zstd ? "zstd" : "none");
	ADD("HPCAP_FILE_SHA256=%s", f->sha256);
	ADD("HPCAP_FILE_SIDECAR=%s", f->sidecar);
	ADD("HPCAP_FILE_REASON=%s", hpcap_close_reason_name(f->reason));
	ADD("HPCAP_ADAPTER=%u", f->adapter);
	ADD("HPCAP_QUEUE=%u", f->queue);
#undef ADD
	env[j] = NULL;
	return env;
full:
	free(env);
	errno = E2BIG;
	return NULL;
}

static int spawn(struct hpcap_hookq *q, struct job *jb)
{
	char *argv[] = { "/bin/sh", "-c", q->script, "hpcap-post",
			 jb->f.path, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dflt;
	char *buf;
	char **env;
	int err;

	buf = malloc(4 * 4096 + 2048);
	env = buf ? make_env(&jb->f, buf, 4 * 4096 + 2048) : NULL;
	if (!env) {
		err = errno ? errno : ENOMEM;
		free(buf);
		return err;
	}
	sigemptyset(&none);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGINT);
	sigaddset(&dflt, SIGTERM);
	sigaddset(&dflt, SIGPIPE);
	sigaddset(&dflt, SIGCHLD);
	posix_spawnattr_init(&at);
	/* Own process group: a Ctrl-C meant for the capture does not kill
	 * the hooks it is about to wait for. */
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
				 POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dflt);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 2, 1);
	err = posix_spawn(&jb->pid, argv[0], &fa, &at, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	free(env);
	free(buf);
	if (err) {
		jb->pid = 0;
		return err;
	}
	/* Hooks yield the CPU to the capture: nice +10.  posix_spawn() has
	 * no attribute for it (and lowering our own priority around the
	 * call could not be undone without privileges), so it is set on the
	 * hook's process group right after the start: that reaches whatever
	 * the shell has started already, and what it starts later inherits
	 * it. */
	if (q->nice) {
		int prio = getpriority(PRIO_PROCESS, 0) + q->nice;

		setpriority(PRIO_PGRP, (id_t)jb->pid, prio > 19 ? 19 : prio);
	}
	jb->t0 = mono();
	q->started++;
	return 0;
}

static struct job *free_slot(struct hpcap_hookq *q)
{
	unsigned i;

	for (i = 0; i < q->max_running; i++)
		if (!q->run[i].pid)
			return &q->run[i];
	return NULL;
}

/* Start a job in a free slot; a failure becomes an event. */
static int start(struct hpcap_hookq *q, const struct hpcap_file_facts *f,
		 int report)
{
	struct job *jb = free_slot(q);
	int err;

	jb->f = *f;
	err = spawn(q, jb);
	if (!err) {
		q->nrun++;
		return 0;
	}
	q->failed++;
	snprintf(q->err, sizeof(q->err), "cannot start the hook for %s: %s",
		 f->path, strerror(err));
	if (report) {
		struct hpcap_hook_event e = { .spawn_errno = err, .status = 127 };

		snprintf(e.path, sizeof(e.path), "%s", f->path);
		push_event(q, &e);
	}
	return -err;
}

static void reap(struct hpcap_hookq *q)
{
	unsigned i;

	for (i = 0; i < q->max_running && q->nrun; i++) {
		struct job *jb = &q->run[i];
		struct hpcap_hook_event e = { 0 };
		int st;
		pid_t r;

		if (!jb->pid)
			continue;
		r = waitpid(jb->pid, &st, WNOHANG);
		if (r == 0 || (r < 0 && errno == EINTR))
			continue;
		e.pid = jb->pid;
		e.seconds = mono() - jb->t0;
		snprintf(e.path, sizeof(e.path), "%s", jb->f.path);
		if (r < 0) {		/* reaped elsewhere: unknown status */
			e.status = -1;
		} else if (WIFSIGNALED(st)) {
			e.signal = WTERMSIG(st);
			e.status = 128 + e.signal;
		} else {
			e.status = WEXITSTATUS(st);
		}
		if (e.status == 0)
			q->ok++;
		else
			q->failed++;
		push_event(q, &e);
		jb->pid = 0;
		q->nrun--;
	}
}

static void start_pending(struct hpcap_hookq *q)
{
	while (q->npend && q->nrun < q->max_running) {
		struct hpcap_file_facts f = q->pend[q->phead].f;

		q->phead = (q->phead + 1) % q->max_pending;
		q->npend--;
		start(q, &f, 1);
	}
}

int hpcap_hookq_submit(struct hpcap_hookq *q, const struct hpcap_file_facts *f)
{
	reap(q);
	start_pending(q);
	if (q->nrun < q->max_running && !q->npend)
		return start(q, f, 0);
	if (q->npend == q->max_pending) {
		q->skipped++;
		snprintf(q->err, sizeof(q->err),
			 "hook queue full (%u running, %u waiting): hook skipped for %s",
			 q->nrun, q->npend, f->path);
		return -EAGAIN;
	}
	q->pend[(q->phead + q->npend) % q->max_pending].f = *f;
	q->npend++;
	return 0;
}

int hpcap_hookq_poll(struct hpcap_hookq *q, struct hpcap_hook_event *ev)
{
	reap(q);
	start_pending(q);
	if (!q->nev)
		return 0;
	*ev = q->ev[q->ehead];
	q->ehead = (q->ehead + 1) % q->ev_cap;
	q->nev--;
	return 1;
}

int hpcap_hookq_drain(struct hpcap_hookq *q, int timeout_ms)
{
	double end = mono() + timeout_ms / 1000.0;

	for (;;) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		reap(q);
		start_pending(q);
		if (!q->nrun && !q->npend)
			return 0;
		if (mono() >= end)
			return (int)(q->nrun + q->npend);
		nanosleep(&ts, NULL);
	}
}

int hpcap_hookq_has(const struct hpcap_hookq *q, const char *path)
{
	unsigned i;

	for (i = 0; i < q->max_running; i++)
		if (q->run[i].pid && !strcmp(q->run[i].f.path, path))
			return 1;
	for (i = 0; i < q->npend; i++)
		if (!strcmp(q->pend[(q->phead + i) % q->max_pending].f.path, path))
			return 1;
	return 0;
}

unsigned hpcap_hookq_running(const struct hpcap_hookq *q)
{
	return q->nrun;
}

unsigned hpcap_hookq_pending(const struct hpcap_hookq *q)
{
	return q->npend;
}

void hpcap_hookq_counts(const struct hpcap_hookq *q, uint64_t *started,
			uint64_t *ok, uint64_t *failed, uint64_t *skipped)
{
	if (started)
		*started = q->started;
	if (ok)
		*ok = q->ok;
	if (failed)
		*failed = q->failed;
	if (skipped)
		*skipped = q->skipped;
}

const char *hpcap_hookq_geterr(const struct hpcap_hookq *q)
{
	return q->err;
}

void hpcap_hookq_close(struct hpcap_hookq *q)
{
	if (!q)
		return;
	free(q->script);
	free(q->run);
	free(q->pend);
	free(q->ev);
	free(q);
}
