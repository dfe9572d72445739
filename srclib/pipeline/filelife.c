// SPDX-License-Identifier: BSD-3-Clause
/*
 * filelife.c - see filelife.h.
 */
#define _GNU_SOURCE
#include "pipeline/filelife.h"
#include "pipeline/hashq.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

static int ferr(struct filelife *fl, int code, const char *msg)
{
	snprintf(fl->err, sizeof(fl->err), "%s", msg);
	return code;
}

static void sha_update(void *ctx, const void *p, size_t n)
{
	hpcap_sha256_update(ctx, p, n);
}

/* Through the hashing thread: the output keeps the bytes until hashed
 * (outfile's hash_wait), the writer goes on meanwhile. */
static void sha_queue(void *ctx, const void *p, size_t n)
{
	struct filelife *fl = ctx;

	hashq_add(fl->hq, &fl->sha, p, n, fl->hash_pos);
	fl->hash_pos += n;
}

static void sha_wait(void *ctx, uint64_t upto)
{
	struct filelife *fl = ctx;

	hashq_wait_upto(fl->hq, upto);
}

void filelife_init(struct filelife *fl, const struct hpcap_pipe_opts *o,
		   int hpcap_names)
{
	memset(fl, 0, sizeof(*fl));
	fl->out.fd = -1;
	fl->names = o->names;
	fl->hpcap_names = hpcap_names;
	fl->sha256 = o->sha256;
	fl->direct = o->direct;
	fl->hooks = o->hooks;
	fl->indexer = o->indexer;
	fl->retention = o->retention;
}

const char *filelife_pending_suffix(const struct filelife *fl)
{
	return fl->hpcap_names ? "" : HPCAP_PENDING_SUFFIX;
}

int filelife_open(struct filelife *fl, time_t t)
{
	char eb[HPCAP_ERRBUF_SIZE], name[sizeof(fl->path) + 16];
	int flags = fl->direct ? O_DIRECT : 0, fd, err;

	if (fl->hpcap_names)
		fd = hpcap_name_create_hpcap(fl->path, sizeof(fl->path),
					     fl->names.dir, fl->names.adapter,
					     fl->names.queue, &fl->last_name,
					     flags, eb);
	else
		fd = hpcap_pending_create(fl->path, sizeof(fl->path),
					  &fl->names, t, fl->seq, flags, eb);
	if (fd < 0)
		return ferr(fl, fd, eb);
	snprintf(name, sizeof(name), "%s%s", fl->path,
		 filelife_pending_suffix(fl));
	err = outfile_fdopen(&fl->out, fd, name);
	if (err)
		return ferr(fl, err, fl->out.err);
	fl->out.sync_on_close = 1;
	if (fl->sha256) {
		hpcap_sha256_init(&fl->sha);
		if (fl->hq) {
			/* Positions restart with each file: the last file's
			 * pieces were all hashed when it was closed. */
			fl->hash_pos = 0;
			fl->out.hash = sha_queue;
			fl->out.hash_wait = sha_wait;
			fl->out.hash_ctx = fl;
		} else if (!fl->hash_outside) {
			fl->out.hash = sha_update;
			fl->out.hash_ctx = &fl->sha;
		}
	}
	fl->index = fl->seq++;
	fl->open = 1;
	return 0;
}

int filelife_commit(struct filelife *fl, struct hpcap_file_facts *f)
{
	char eb[HPCAP_ERRBUF_SIZE];
	int err, hook_err = 0;

	fl->open = 0;
	err = outfile_close(&fl->out);
	if (err)
		return ferr(fl, err, fl->out.err);
	snprintf(f->path, sizeof(f->path), "%s", fl->path);
	f->bytes = fl->out.written;
	f->index = fl->index;
	f->adapter = fl->names.adapter;
	f->queue = fl->names.queue;
	if (fl->sha256) {
		uint8_t d[32];

		hpcap_sha256_final(&fl->sha, d);
		hpcap_sha256_hex(d, f->sha256);
		snprintf(f->sidecar, sizeof(f->sidecar), "%s.sha256", f->path);
	}
	if (!fl->hpcap_names) {
		err = hpcap_pending_commit(f->path, fl->sha256 ? f->sha256
							       : NULL, eb);
		if (err)
			return ferr(fl, err, eb);
	}
	fl->files++;
	fl->bytes += f->bytes;
	/* Never waits: a file the indexer has no room for is skipped (and
	 * reported through hpcap_indexer_poll()). */
	if (fl->indexer)
		hpcap_indexer_submit(fl->indexer, f->path);
	if (fl->hooks)
		hook_err = hpcap_hookq_submit(fl->hooks, f);
	if (fl->cb)
		fl->cb(fl->cb_arg, f, hook_err);
	/* The file is complete and announced: make room for the next one
	 * (oldest files first; never this one, a .pending one, one whose
	 * hook is on, or one a reader holds). */
	if (fl->retention)
		hpcap_retention_run(fl->retention, f->path, fl->hooks);
	return 0;
}

void filelife_abort(struct filelife *fl)
{
	if (!fl->open)
		return;
	fl->open = 0;
	outfile_abort(&fl->out);
}
