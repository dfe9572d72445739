// SPDX-License-Identifier: BSD-3-Clause
/*
 * outfile.c - see outfile.h.
 */
#define _GNU_SOURCE
#include "file/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(struct outfile *o, int err, const char *what)
{
	snprintf(o->err, sizeof(o->err), "%s %s: %s", what, o->path,
		 strerror(err));
	o->failed = 1;
	return -err;
}

int outfile_fdopen(struct outfile *o, int fd, const char *name)
{
	struct stat st;
	void *buf;
	int err;

	memset(o, 0, sizeof(*o));
	snprintf(o->path, sizeof(o->path), "%s", name);
	err = posix_memalign(&buf, OUTFILE_ALIGN, OUTFILE_BUF_SIZE);
	if (err) {
		close(fd);
		return fail(o, err, "cannot allocate a buffer for");
	}
	o->buf = buf;
	o->fd = fd;
	o->own_fd = 1;
	o->direct = (fcntl(fd, F_GETFL) & O_DIRECT) && !fstat(fd, &st) &&
		    S_ISREG(st.st_mode);
	return 0;
}

int outfile_open(struct outfile *o, const char *path)
{
	void *buf;
	int err;

	memset(o, 0, sizeof(*o));
	snprintf(o->path, sizeof(o->path), "%s",
		 strcmp(path, "-") ? path : "standard output");
	err = posix_memalign(&buf, OUTFILE_ALIGN, OUTFILE_BUF_SIZE);
	if (err)
		return fail(o, err, "cannot allocate a buffer for");
	o->buf = buf;

	if (!strcmp(path, "-")) {
		o->fd = STDOUT_FILENO;
		return 0;
	}
	o->own_fd = 1;
	o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_DIRECT,
		     0644);
	if (o->fd >= 0) {
		struct stat st;

		/* O_DIRECT only pays off (and only behaves) on regular files. */
		o->direct = !fstat(o->fd, &st) && S_ISREG(st.st_mode);
		if (!o->direct)
			fcntl(o->fd, F_SETFL,
			      fcntl(o->fd, F_GETFL) & ~O_DIRECT);
		return 0;
	}
	if (errno == EINVAL) /* file system without O_DIRECT (tmpfs) */
		o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			     0644);
	if (o->fd < 0) {
		err = errno;
		free(o->buf);
		o->buf = NULL;
		return fail(o, err, "cannot create");
	}
	return 0;
}

static int write_all(struct outfile *o, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(o->fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EINVAL && o->direct) {
			/* Some file systems accept O_DIRECT at open and refuse
			 * it at write time: carry on buffered. */
			o->direct = 0;
			fcntl(o->fd, F_SETFL, fcntl(o->fd, F_GETFL) & ~O_DIRECT);
			continue;
		}
		if (w < 0)
			return fail(o, errno, "cannot write");
		if (w == 0)
			return fail(o, EIO, "cannot write");
		if (o->hash)
			o->hash(o->hash_ctx, p, (size_t)w);
		p += w;
		n -= (size_t)w;
		o->written += (uint64_t)w;
	}
	return 0;
}

/* With hash_wait: carry the unwritten rest over to the other buffer
 * (whose bytes, all before start, must be hashed first) and fill that
 * one, so the bytes just written stay put while they are hashed. */
static int swap_buffers(struct outfile *o, size_t n, uint64_t start)
{
	uint8_t *t;

	if (!o->buf2) {
		void *b;
		int err = posix_memalign(&b, OUTFILE_ALIGN, OUTFILE_BUF_SIZE);

		if (err)
			return fail(o, err, "cannot allocate a buffer for");
		o->buf2 = b;
	}
	o->hash_wait(o->hash_ctx, start);
	memcpy(o->buf2, o->buf + n, o->fill - n);
	t = o->buf;
	o->buf = o->buf2;
	o->buf2 = t;
	return 0;
}

int outfile_drain(struct outfile *o)
{
	size_t n = o->fill;
	uint64_t start = o->written;
	int err;

	if (o->failed)
		return -EIO;
	/* With O_DIRECT only whole aligned units can go; keep the rest. */
	if (o->direct)
		n -= n % OUTFILE_ALIGN;
	err = write_all(o, o->buf, n);
	if (err)
		return err;
	if (n && o->hash && o->hash_wait) {
		err = swap_buffers(o, n, start);
		if (err)
			return err;
	} else {
		memmove(o->buf, o->buf + n, o->fill - n);
	}
	o->fill -= n;
	return 0;
}

/* Before the buffers go: every byte queued for hashing is hashed. */
static void free_buffers(struct outfile *o)
{
	if (o->hash && o->hash_wait)
		o->hash_wait(o->hash_ctx, UINT64_MAX);
	free(o->buf);
	free(o->buf2);
	o->buf = o->buf2 = NULL;
}

int outfile_put(struct outfile *o, const void *p, size_t n)
{
	const uint8_t *src = p;

	while (n) {
		size_t room = OUTFILE_BUF_SIZE - o->fill;
		size_t c = n < room ? n : room;

		memcpy(o->buf + o->fill, src, c);
		o->fill += c;
		src += c;
		n -= c;
		if (n && outfile_drain(o) < 0)
			return -EIO;
	}
	return 0;
}

int outfile_write(struct outfile *o, const void *p, size_t n)
{
	int err;

	if (o->failed)
		return -EIO;
	err = outfile_drain(o);
	if (err)
		return err;
	if (o->fill)	/* an unaligned rest: keep the order of the bytes */
		return outfile_put(o, p, n);
	return write_all(o, p, n);
}

int outfile_close(struct outfile *o)
{
	int err = outfile_drain(o);

	/* The unaligned tail goes out through the page cache. */
	if (!err && o->fill && o->direct) {
		o->direct = 0;
		fcntl(o->fd, F_SETFL, fcntl(o->fd, F_GETFL) & ~O_DIRECT);
		err = outfile_drain(o);
	}
	if (!err && o->sync_on_close && fdatasync(o->fd) < 0 && errno != EINVAL)
		err = fail(o, errno, "cannot flush");
	if (o->own_fd && close(o->fd) < 0 && !err)
		err = fail(o, errno, "cannot close");
	o->fd = -1;
	free_buffers(o);
	return err;
}

void outfile_abort(struct outfile *o)
{
	if (o->own_fd && o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	free_buffers(o);
}
