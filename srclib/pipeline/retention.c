// SPDX-License-Identifier: BSD-3-Clause
/*
 * retention.c - delete the oldest finished capture files of a tree until
 * the limits hold (libhpcap_pipeline.h, hpcap_retention_*).  Runs in the
 * writer's thread right after a file is finished (filelife.c), so it sees
 * the tree between two files: a walk, a sort by age, and unlink()s.
 */
#define _GNU_SOURCE
#include "libhpcap_pipeline.h"
#include "file/capscan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define EVENTS 256
#define MARKER_PREFIX ".hpcap-newest-"

struct hpcap_retention {
	char dir[4096];
	char marker[4200];
	char stats[4096];	/* counters for hpcap-status; "" = none */
	unsigned adapter, queue;
	struct hpcap_retention_opts o;
	struct hpcap_retention_event ev[EVENTS];
	unsigned ev_head, ev_count;
	uint64_t files, bytes;
	uint64_t held;		/* deletions a reader's lock put off */
	int stuck;		/* the last run could not meet a limit */
};

struct entry {
	char *path;
	uint64_t bytes;		/* with sidecars */
	int64_t mtime_ns;
};

struct list {
	struct entry *v;
	size_t n, cap;
	char **protect;		/* newest files named by markers */
	size_t np, capp;
};

static const char *const sidecars[] = { ".sha256", ".idx" };

int hpcap_retention_any(const struct hpcap_retention_opts *o)
{
	return o && (o->keep_free_bytes || o->keep_free_pct || o->keep_size ||
		     o->keep_age_ns);
}

/*
 * The counters as "key value" lines (the layout of hpcap-xdp's .stats
 * files), through a rename so that hpcap-status and hpcap-prometheus never
 * read half of them.  Written in the thread that changes the counters.
 */
static int write_stats(const struct hpcap_retention *r, const char *state)
{
	char tmp[4200];
	FILE *f;

	if (!r->stats[0])
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", r->stats);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f, "pid %ld\nstate %s\nadapter %u\nqueue %u\ndir %s\n"
		"keep_free_bytes %llu\nkeep_free_pct %u\nkeep_size %llu\n"
		"keep_age_s %llu\nfiles_removed %llu\nbytes_removed %llu\n"
		"files_held %llu\nlimit_unmet %d\n",
		(long)getpid(), state, r->adapter, r->queue, r->dir,
		(unsigned long long)r->o.keep_free_bytes, r->o.keep_free_pct,
		(unsigned long long)r->o.keep_size,
		(unsigned long long)(r->o.keep_age_ns / 1000000000u),
		(unsigned long long)r->files, (unsigned long long)r->bytes,
		(unsigned long long)r->held, r->stuck);
	if (fclose(f) != 0 || rename(tmp, r->stats) < 0) {
		int err = -errno;

		unlink(tmp);
		return err;
	}
	return 0;
}

int hpcap_retention_open(struct hpcap_retention **rp, const char *dir,
			 unsigned adapter, unsigned queue,
			 const struct hpcap_retention_opts *o, char *errbuf)
{
	struct hpcap_retention *r = calloc(1, sizeof(*r));

	*rp = NULL;
	if (!r) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		return -ENOMEM;
	}
	if (o->keep_free_pct > 99) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "keep-free: %u%% is more than a file system can keep free",
			 o->keep_free_pct);
		free(r);
		return -EINVAL;
	}
	snprintf(r->dir, sizeof(r->dir), "%s", dir);
	snprintf(r->marker, sizeof(r->marker), "%s/" MARKER_PREFIX "%u_%u",
		 dir, adapter, queue);
	r->o = *o;
	r->o.stats_path = NULL;
	r->adapter = adapter;
	r->queue = queue;
	if (o->stats_path) {
		int err;

		if (snprintf(r->stats, sizeof(r->stats), "%s", o->stats_path) >=
		    (int)sizeof(r->stats)) {
			snprintf(errbuf, HPCAP_ERRBUF_SIZE,
				 "retention stats: the path is too long");
			free(r);
			return -ENAMETOOLONG;
		}
		err = write_stats(r, "running");
		if (err) {
			snprintf(errbuf, HPCAP_ERRBUF_SIZE,
				 "retention stats: cannot write %s: %s (does its directory exist?)",
				 r->stats, strerror(-err));
			free(r);
			return err;
		}
	}
	*rp = r;
	return 0;
}

static void event(struct hpcap_retention *r, const char *path,
		  uint64_t bytes, uint64_t age_s, const char *why, int stuck)
{
	struct hpcap_retention_event *e;

	if (r->ev_count == EVENTS)
		return;	/* the log is behind; the counters still count */
	e = &r->ev[(r->ev_head + r->ev_count++) % EVENTS];
	snprintf(e->path, sizeof(e->path), "%s", path);
	e->bytes = bytes;
	e->age_s = age_s;
	e->why = why;
	e->stuck = stuck;
}

int hpcap_retention_poll(struct hpcap_retention *r,
			 struct hpcap_retention_event *ev)
{
	if (!r->ev_count)
		return 0;
	*ev = r->ev[r->ev_head];
	r->ev_head = (r->ev_head + 1) % EVENTS;
	r->ev_count--;
	return 1;
}

void hpcap_retention_counts(const struct hpcap_retention *r, uint64_t *files,
			    uint64_t *bytes)
{
	*files = r->files;
	*bytes = r->bytes;
}

uint64_t hpcap_retention_held(const struct hpcap_retention *r)
{
	return r->held;
}

/* Write the marker naming this writer's newest file (through a rename, so
 * another writer never reads half of it). */
static void write_marker(struct hpcap_retention *r, const char *newest)
{
	char tmp[4300];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", r->marker);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "%s\n", newest);
	if (fclose(f) == 0)
		rename(tmp, r->marker);
	else
		unlink(tmp);
}

static int64_t ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static int push(struct list *l, const char *path, uint64_t bytes,
		int64_t mtime_ns)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;
		struct entry *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].path = strdup(path);
	if (!l->v[l->n].path)
		return -ENOMEM;
	l->v[l->n].bytes = bytes;
	l->v[l->n].mtime_ns = mtime_ns;
	l->n++;
	return 0;
}

static void read_marker(struct list *l, const char *path)
{
	char buf[4200];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f)) {
		n = strcspn(buf, "\n");
		buf[n] = 0;
		if (l->np == l->capp) {
			size_t cap = l->capp ? 2 * l->capp : 16;
			char **v = realloc(l->protect, cap * sizeof(*v));

			if (v) {
				l->protect = v;
				l->capp = cap;
			}
		}
		if (l->np < l->capp && (l->protect[l->np] = strdup(buf)))
			l->np++;
	}
	fclose(f);
}

static uint64_t sidecar_bytes(const char *path)
{
	char p[4200];
	struct stat st;
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < sizeof(sidecars) / sizeof(sidecars[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, sidecars[i]);
		if (stat(p, &st) == 0)
			n += (uint64_t)st.st_size;
	}
	return n;
}

static int walk(struct list *l, const char *dir, int depth)
{
	struct dirent *e;
	DIR *d;
	int err = 0;

	if (depth > 16)
		return 0;
	d = opendir(dir);
	if (!d)
		return 0;	/* vanished meanwhile (another writer's cleanup) */
	while (!err && (e = readdir(d))) {
		char path[4096];
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
		    (int)sizeof(path))
			continue;
		if (!strncmp(e->d_name, MARKER_PREFIX, strlen(MARKER_PREFIX)) &&
		    !strstr(e->d_name, ".tmp")) {
			read_marker(l, path);
			continue;
		}
		if (capscan_is_sidecar(e->d_name) || lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			err = walk(l, path, depth + 1);
		else if (S_ISREG(st.st_mode))
			err = push(l, path, (uint64_t)st.st_size + sidecar_bytes(path),
				   ns_of(&st.st_mtim));
	}
	closedir(d);
	return err;
}

static int oldest_first(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->mtime_ns != y->mtime_ns)
		return x->mtime_ns < y->mtime_ns ? -1 : 1;
	return strcmp(x->path, y->path);
}

static int is_protected(const struct list *l, const char *path,
			const char *newest, const struct hpcap_hookq *hooks)
{
	size_t i;

	if (!strcmp(path, newest))
		return 1;
	for (i = 0; i < l->np; i++)
		if (!strcmp(path, l->protect[i]))
			return 1;
	return hooks && hpcap_hookq_has(hooks, path);
}

/* Free bytes on the file system, and how many the limits want free. */
static void space(const struct hpcap_retention *r, uint64_t *avail,
		  uint64_t *want)
{
	struct statvfs vf;

	*avail = UINT64_MAX;
	*want = 0;
	if (statvfs(r->dir, &vf) < 0)
		return;
	*avail = (uint64_t)vf.f_bavail * vf.f_frsize;
	*want = r->o.keep_free_bytes;
	if (r->o.keep_free_pct) {
		uint64_t p = (uint64_t)vf.f_blocks * vf.f_frsize / 100 *
			     r->o.keep_free_pct;

		if (p > *want)
			*want = p;
	}
}

/*
 * Delete path and its sidecars if no reader holds it: a shared flock(2)
 * (taken by hpcap-extract and hpcap-index) makes the exclusive try fail.
 * 1 deleted, -1 a reader holds it, 0 already gone (or not ours to delete).
 */
static int delete_file(const char *path)
{
	char p[4200];
	size_t i;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return 0;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int held = errno == EWOULDBLOCK;

		close(fd);
		return held ? -1 : 0;
	}
	if (unlink(path) < 0) {
		close(fd);
		return 0;
	}
	close(fd);
	for (i = 0; i < sizeof(sidecars) / sizeof(sidecars[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, sidecars[i]);
		unlink(p);
	}
	return 1;
}

int hpcap_retention_run(struct hpcap_retention *r, const char *newest,
			const struct hpcap_hookq *hooks)
{
	struct list l = { 0 };
	struct timespec now;
	uint64_t total = 0, avail, want;
	const char *why;
	int deleted = 0, over = 0, gone;
	size_t i;

	write_marker(r, newest);
	if (walk(&l, r->dir, 0) == 0) {
		qsort(l.v, l.n, sizeof(*l.v), oldest_first);
		for (i = 0; i < l.n; i++)
			total += l.v[i].bytes;
		clock_gettime(CLOCK_REALTIME, &now);
		for (i = 0; i < l.n; i++) {
			struct entry *e = &l.v[i];
			int64_t age = ns_of(&now) - e->mtime_ns;

			space(r, &avail, &want);
			if (r->o.keep_age_ns && age > (int64_t)r->o.keep_age_ns)
				why = "age";
			else if (r->o.keep_size && total > r->o.keep_size)
				why = "size";
			else if (avail < want)
				why = "free space";
			else
				break;	/* oldest first: the rest are in limits */
			over = 1;
			if (is_protected(&l, e->path, newest, hooks))
				continue;
			gone = delete_file(e->path);
			if (gone < 0)
				r->held++;
			if (gone <= 0)
				continue;
			total -= e->bytes;
			r->files++;
			r->bytes += e->bytes;
			deleted++;
			event(r, e->path, e->bytes,
			      age > 0 ? (uint64_t)age / 1000000000u : 0, why, 0);
			over = 0;
		}
		space(r, &avail, &want);
		over = (r->o.keep_size && total > r->o.keep_size) ||
		       avail < want;
		if (over && !r->stuck)
			event(r, "", 0, 0,
			      r->o.keep_size && total > r->o.keep_size ? "size"
								   : "free space",
			      1);
		r->stuck = over;
	}
	write_stats(r, "running");
	for (i = 0; i < l.n; i++)
		free(l.v[i].path);
	free(l.v);
	for (i = 0; i < l.np; i++)
		free(l.protect[i]);
	free(l.protect);
	return deleted;
}

void hpcap_retention_close(struct hpcap_retention *r)
{
	if (!r)
		return;
	unlink(r->marker);
	/* Left behind on purpose: the totals of the run stay readable. */
	write_stats(r, "stopped");
	free(r);
}
