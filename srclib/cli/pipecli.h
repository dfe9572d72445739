/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pipecli.h - the pipeline options of hpcapdd and hpcapdd_p (splitting,
 * naming, formats, zstd, SHA-256 sidecars, post hooks, BPF filter): one
 * option table, one parser, one help text, one per-frame capture loop and
 * one way of reporting files and hooks, and the operands (<adapter> <queue>
 * <dir|null>), shared by both tools.  Tool-side:
 * prints messages (prefixed with the program name) and exits on usage
 * errors.  The work itself is libhpcap's (libhpcap_pipeline.h).
 */
#ifndef HPCAP_PIPECLI_H
#define HPCAP_PIPECLI_H

#include <getopt.h>
#include <signal.h>
#include <stdint.h>

#include "libhpcap_live.h"
#include "libhpcap_pipeline.h"

/* getopt_long() codes of the pipeline's long options. */
enum {
	PC_SPLIT_TIME = 0x1000, PC_SPLIT_SIZE, PC_NAME, PC_LOCALTIME,
	PC_FORMAT, PC_ZSTD, PC_ZSTD_FRAME, PC_SHA256, PC_POST, PC_POST_JOBS,
	PC_POST_QUEUE, PC_POST_TIMEOUT, PC_LINKTYPE, PC_WORKERS, PC_CORES,
	PC_INDEX, PC_INDEX_QUEUE, PC_KEEP_FREE, PC_KEEP_SIZE, PC_KEEP_AGE,
	PC_ZSTD_THREADS,
	PC_RETENTION_STATS,
};

/* The entries to put in a tool's option table (before its terminator). */
#define PIPECLI_OPTIONS                                                   \
	{ "split-time", required_argument, NULL, PC_SPLIT_TIME },         \
	{ "split-size", required_argument, NULL, PC_SPLIT_SIZE },         \
	{ "name", required_argument, NULL, PC_NAME },                     \
	{ "localtime", no_argument, NULL, PC_LOCALTIME },                 \
	{ "format", required_argument, NULL, PC_FORMAT },                 \
	{ "linktype", required_argument, NULL, PC_LINKTYPE },             \
	{ "zstd", optional_argument, NULL, PC_ZSTD },                     \
	{ "zstd-frame", required_argument, NULL, PC_ZSTD_FRAME },         \
	{ "zstd-threads", required_argument, NULL, PC_ZSTD_THREADS },     \
	{ "sha256", no_argument, NULL, PC_SHA256 },                       \
	{ "post", required_argument, NULL, PC_POST },                     \
	{ "post-jobs", required_argument, NULL, PC_POST_JOBS },           \
	{ "post-queue", required_argument, NULL, PC_POST_QUEUE },         \
	{ "post-timeout", required_argument, NULL, PC_POST_TIMEOUT },     \
	{ "workers", required_argument, NULL, PC_WORKERS },               \
	{ "cores", required_argument, NULL, PC_CORES },                   \
	{ "index", no_argument, NULL, PC_INDEX },                         \
	{ "index-queue", required_argument, NULL, PC_INDEX_QUEUE },       \
	{ "keep-free", required_argument, NULL, PC_KEEP_FREE },           \
	{ "keep-size", required_argument, NULL, PC_KEEP_SIZE },           \
	{ "keep-age", required_argument, NULL, PC_KEEP_AGE },             \
	{ "retention-stats", required_argument, NULL, PC_RETENTION_STATS }, \
	{ "filter", required_argument, NULL, 'f' }

/* The short option letters the pipeline takes (for the optstring). */
#define PIPECLI_SHORT "f:"

struct pipecli {
	/* options */
	int any;			/* a pipeline option was given */
	struct hpcap_pipe_opts po;
	struct hpcap_hook_opts ho;
	int index;			/* --index */
	struct hpcap_indexer_opts io;
	struct hpcap_retention_opts ro;
	const char *filter;
	int zstd_threads;		/* --zstd-threads, -1: the cores given */
	uint64_t post_timeout_s;
	/* run time */
	struct hpcap_hookq *hooks;
	struct hpcap_indexer *indexer;
	struct hpcap_retention *retention;
	struct hpcap_pipe *pipe;
	struct hpcap_bpf *bpf;
	uint64_t filtered;		/* frames the filter dropped */
	unsigned files;			/* per-frame: files completed */
	uint64_t last_tick_ns;
	int quiet;
};

void pipecli_init(struct pipecli *pc);

/* Handle option c (with its argument); 1 if it was a pipeline option. */
int pipecli_parse(struct pipecli *pc, int c, const char *arg);

/* An option the tool does not take itself (getopt_long()'s default
 * case): a pipeline option, or a usage error (exit 2). */
void pipecli_other(struct pipecli *pc, int c, int argc, char **argv);

/*
 * The operands every capture tool takes, HPCAP's way: <adapter> <queue>
 * <dir|null> from argv[first..argc).  *dir is NULL for "null"; a dir that
 * is not a directory is a usage error (exit 2).  Then pipecli_check().
 */
void pipecli_operands(struct pipecli *pc, int argc, char **argv, int first,
		      unsigned *adapter, unsigned *queue, const char **dir);

/* The "Pipeline options" section of --help. */
void pipecli_usage(void);

/* Whether the options need the per-frame path (not RAW block copy). */
int pipecli_per_frame(const struct pipecli *pc);

/*
 * After parsing: dir is the output directory (NULL for "null"); refuses
 * (usage error, exit 2) what does not go together.  Compiles the filter.
 */
void pipecli_check(struct pipecli *pc, const char *dir);

/*
 * Start: the hook queue, and with per_frame the pipeline writing into dir
 * (raw_file_size: the queue's file size, for RAW output).  Prints the
 * reason and returns -1 on failure.
 */
int pipecli_start(struct pipecli *pc, const char *dir, unsigned adapter,
		  unsigned queue, uint64_t raw_file_size, int direct,
		  uint64_t max_files, int per_frame);

/* Report a finished file (a line unless quiet; a skipped hook always). */
void pipecli_file_done(struct pipecli *pc, const struct hpcap_file_facts *f,
		       int hook_err);

/* Log hooks that ended badly; when idle (the queue had nothing to read),
 * close a period the clock has ended (per-frame path).  Returns -1 if
 * closing a file failed (message printed). */
int pipecli_tick(struct pipecli *pc, int idle);

/*
 * End: close the last file (per-frame path), wait up to --post-timeout
 * for the hooks, print what they did.  Returns 0, or -1 if the last file
 * could not be completed.
 */
int pipecli_finish(struct pipecli *pc);

/* ---- the per-frame capture loop ---- */

struct pipecli_loop {
	uint64_t count;			/* stop after N frames kept (0: no) */
	uint64_t duration;		/* seconds (0: no limit) */
	int lossy;			/* copy, then check the frame */
	volatile sig_atomic_t *stop;
	/* Where kept frames go (the pipeline when NULL); < 0: error, stop
	 * (the sink printed why); > 0: stop, no error. */
	int (*sink)(void *arg, const struct hpcap_raw_record *rec);
	void *sink_arg;
	/* Called for every kept frame after the sink (NULL: none). */
	void (*show)(void *arg, const struct hpcap_raw_record *rec);
	void *show_arg;
	/* Progress line every interval seconds (0: none). */
	unsigned interval;
	/* out */
	uint64_t frames, bytes;		/* kept (filter passed, written) */
	int gone;			/* the queue's source went away */
};

/* Read frames until stopped; 0, or 1 if an error stopped it. */
int pipecli_loop(struct pipecli *pc, struct hpcap_handle *h,
		 struct pipecli_loop *lo);

#endif
