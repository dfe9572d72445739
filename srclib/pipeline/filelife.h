/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * filelife.h - the life of one capture file, shared by the per-frame
 * pipeline (pipe.c) and the block copier (copier.c):
 *
 *   open     created under "<name>.pending" (or, HPCAP's way, under its
 *            final name), O_DIRECT where the file system takes it
 *   write    through fl->out (outfile.h), every byte hashed when asked
 *   commit   flushed to the disk (fdatasync) and closed; the SHA-256
 *            sidecar; the rename to <name>; the facts completed; the
 *            callback; the post hook
 *   abort    closed as it is, left under its pending name
 *
 * Private to libhpcap.
 */
#ifndef HPCAP_FILELIFE_H
#define HPCAP_FILELIFE_H

#include "file/outfile.h"
#include "libhpcap_pipeline.h"

struct filelife {
	/* settings (filelife_init) */
	struct hpcap_name_opts names;	/* dir NULL: no files at all */
	int hpcap_names;		/* HPCAP's names, no .pending */
	int sha256;
	int hash_outside;		/* the caller feeds fl->sha (hashq) */
	struct hashq *hq;		/* hash on this thread; NULL: inline */
	int direct;
	struct hpcap_hookq *hooks;
	struct hpcap_indexer *indexer;
	struct hpcap_retention *retention;
	void (*cb)(void *arg, const struct hpcap_file_facts *f, int hook_err);
	void *cb_arg;
	/* the open file */
	int open;
	struct outfile out;
	struct hpcap_sha256 sha;
	uint64_t hash_pos;		/* bytes queued to hq for this file */
	char path[4096];		/* final name */
	unsigned index;
	/* the run */
	unsigned seq;			/* files opened */
	unsigned files;			/* files committed */
	uint64_t bytes;			/* bytes of committed files */
	time_t last_name;		/* HPCAP's names never go back */
	char err[HPCAP_ERRBUF_SIZE];
};

/* Settings from the pipeline's options; hpcap_names: HPCAP's naming. */
void filelife_init(struct filelife *fl, const struct hpcap_pipe_opts *o,
		   int hpcap_names);

/* Create the next file, named for time t (HPCAP's names: the time now).
 * 0 or a negative code (message in fl->err). */
int filelife_open(struct filelife *fl, time_t t);

/* The name the open file has while it is written. */
const char *filelife_pending_suffix(const struct filelife *fl);

/*
 * Complete the open file: flush, close, sidecar, rename; then f (the
 * caller's facts: frames, times, period, format, reason, data_bytes) gets
 * the path, sidecar, digest, size on disk, index, adapter and queue, and
 * goes to the callback and the post hook.  0 or a negative code (message
 * in fl->err; the file is then left under its pending name).
 */
int filelife_commit(struct filelife *fl, struct hpcap_file_facts *f);

/* Close the open file as it is (after an error). */
void filelife_abort(struct filelife *fl);

#endif
