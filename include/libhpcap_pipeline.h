/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file libhpcap_pipeline.h
 * @brief The capture pipeline of hpcapdd and hpcapdd_p: file splitting by
 * time and size, file naming with atomic completion (.pending + rename),
 * post-file hooks, pcap/pcapng/RAW output with zstd compression in the
 * seekable format, SHA-256 sidecars and userspace BPF filters.
 *
 * Every piece is usable on its own:
 *  - hpcap_sha256_*: SHA-256 (libcrypto's), for the sidecars;
 *  - hpcap_xxh64(): XXH64 (libxxhash's), the checksum of zstd frames and seek tables;
 *  - hpcap_zsk_*: the zstd seekable format (independent frames, then the
 *    seek table in a skippable frame) writer and random-access reader;
 *  - hpcap_bpf_*: a libpcap filter expression applied to frames;
 *  - hpcap_hookq_*: a bounded queue of commands run once per finished file;
 *  - hpcap_name_*, hpcap_pending_*: file names and atomic completion;
 *  - hpcap_split_*: the split decision, as a pure function of timestamps;
 *  - hpcap_pipe_*: all of it for a stream of frames;
 *  - hpcap_copier_*: RAW files from a capture queue's stream by whole
 *    blocks (hpcapdd), with the same naming, completion and hooks.
 *
 * Conventions of libhpcap.h: negative codes, a message per handle (or in a
 * caller's HPCAP_ERRBUF_SIZE buffer), the library never prints or exits.
 * Links with -lzstd -lpcap -lcrypto -lxxhash (srclib/LIBS).
 */
#ifndef LIBHPCAP_PIPELINE_H
#define LIBHPCAP_PIPELINE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "libhpcap.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ----------------------------------------------------------------------- */
/* SHA-256 and XXH64                                                        */
/* ----------------------------------------------------------------------- */

/** A SHA-256 computation in progress (may live on the stack); libcrypto's
 * context inside, opaque. */
struct hpcap_sha256 {
	union {
		uint64_t align;
		unsigned char opaque[128];
	};
};

void hpcap_sha256_init(struct hpcap_sha256 *s);
void hpcap_sha256_update(struct hpcap_sha256 *s, const void *p, size_t n);
/** Finish: 32 bytes of digest into out; s must be initialised again. */
void hpcap_sha256_final(struct hpcap_sha256 *s, uint8_t out[32]);
/** Lower-case hex of a digest, NUL-terminated (65 bytes). */
void hpcap_sha256_hex(const uint8_t digest[32], char out[65]);

/** XXH64 of n bytes (the checksum of zstd frames uses seed 0). */
uint64_t hpcap_xxh64(const void *p, size_t n, uint64_t seed);

/* ----------------------------------------------------------------------- */
/* zstd seekable format                                                     */
/* ----------------------------------------------------------------------- */

#define HPCAP_ZSK_SKIPPABLE_MAGIC 0x184D2A5Eu
#define HPCAP_ZSK_SEEKABLE_MAGIC 0x8F92EAB1u
#define HPCAP_ZSK_FOOTER_SIZE 9u
#define HPCAP_ZSK_CHECKSUM_FLAG 0x80u
/** Default decompressed size of a frame. */
#define HPCAP_ZSK_FRAME_SIZE (1u << 20)
/** Largest frame size accepted (the seek table's fields are 32-bit). */
#define HPCAP_ZSK_MAX_FRAME_SIZE (1u << 30)

/** Options of the seekable writer; zeroed fields mean the defaults. */
struct hpcap_zsk_opts {
	int level;		/**< zstd level; 0 = 3 */
	uint32_t frame_size;	/**< decompressed bytes per frame; 0 = 1 MiB */
	int no_checksums;	/**< no XXH64 in frames and seek table */
	/**
	 * Threads compressing frames beside the writer (frames are
	 * independent: N at once), written in order; 0: the writer's own
	 * thread.  The file is byte for byte the same either way.  When they
	 * fall behind, the writing call waits (the caller stops reading its
	 * source) instead of dropping or queueing without bound.
	 */
	unsigned threads;
	uint64_t cpus;		/**< pin them round robin: bit i = CPU i; 0: no */
};

struct hpcap_zsk_writer;

/** Create path (truncated), or "-" for standard output. */
int hpcap_zsk_writer_open(struct hpcap_zsk_writer **w, const char *path,
			  const struct hpcap_zsk_opts *opts, char *errbuf);

/** Append bytes; frames are cut every frame_size bytes exactly. */
int hpcap_zsk_write(struct hpcap_zsk_writer *w, const void *p, size_t n);

/**
 * Zero-copy append of one unit (a record) that must not straddle two
 * frames: the current frame is ended first if n bytes would not fit in
 * it.  Returns where to put the n bytes (NULL on error); then commit.
 * So a stream written this way has every frame start on a unit.
 */
uint8_t *hpcap_zsk_reserve(struct hpcap_zsk_writer *w, size_t n);
void hpcap_zsk_commit(struct hpcap_zsk_writer *w, size_t n);

/** End the current frame now (nothing happens if it is empty). */
int hpcap_zsk_end_frame(struct hpcap_zsk_writer *w);

uint64_t hpcap_zsk_bytes_in(const struct hpcap_zsk_writer *w);
/** Compressed bytes so far (seek table excluded until closed). */
uint64_t hpcap_zsk_bytes_out(const struct hpcap_zsk_writer *w);
uint32_t hpcap_zsk_frames(const struct hpcap_zsk_writer *w);

/** Last frame, seek table, flush, close, free; 0 or negative code. */
int hpcap_zsk_writer_close(struct hpcap_zsk_writer *w, char *errbuf);
const char *hpcap_zsk_writer_geterr(const struct hpcap_zsk_writer *w);

/** One frame as the seek table describes it. */
struct hpcap_zsk_frame {
	uint64_t c_off;		/**< offset of the frame in the file */
	uint64_t d_off;		/**< offset of its data in the content */
	uint32_t c_size;
	uint32_t d_size;
	uint32_t checksum;	/**< valid if the table has checksums */
};

struct hpcap_zsk_reader;

/**
 * Open a seekable file: reads and checks the seek table only (magic
 * numbers, reserved bits, sizes adding up to the file's size).
 * @return 0, or HPCAP_ERR_FORMAT (no or damaged seek table), -errno.
 */
int hpcap_zsk_reader_open(struct hpcap_zsk_reader **r, const char *path,
			  char *errbuf);
/** Decompressed size of the whole content. */
uint64_t hpcap_zsk_size(const struct hpcap_zsk_reader *r);
uint32_t hpcap_zsk_nframes(const struct hpcap_zsk_reader *r);
int hpcap_zsk_has_checksums(const struct hpcap_zsk_reader *r);
/** Frame i (i < nframes) into *f; 0 or -EINVAL. */
int hpcap_zsk_frame(const struct hpcap_zsk_reader *r, uint32_t i,
		    struct hpcap_zsk_frame *f);
/** Index of the frame holding content offset off (nframes if none). */
uint32_t hpcap_zsk_frame_at(const struct hpcap_zsk_reader *r, uint64_t off);
/**
 * Read content bytes [off, off + n) into buf, decompressing only the
 * frames that hold them (the last one decompressed is kept); checksums
 * are verified when the table has them.
 * @return bytes read (less than n only at the end of the content), or a
 *   negative code (HPCAP_ERR_FORMAT for a damaged frame).
 */
int64_t hpcap_zsk_pread(struct hpcap_zsk_reader *r, void *buf, size_t n,
			uint64_t off);
/**
 * Decompress frame i (i < nframes) whole into dst, which holds its
 * d_size bytes; the checksum is verified when the table has it.
 * @return 0, -EINVAL, HPCAP_ERR_FORMAT (damaged frame) or -errno.
 */
int hpcap_zsk_read_frame(struct hpcap_zsk_reader *r, uint32_t i, void *dst);
/** Frames decompressed so far (to show that reads stay local). */
uint64_t hpcap_zsk_decompressed_frames(const struct hpcap_zsk_reader *r);
const char *hpcap_zsk_reader_geterr(const struct hpcap_zsk_reader *r);
void hpcap_zsk_reader_close(struct hpcap_zsk_reader *r);

/* ----------------------------------------------------------------------- */
/* BPF filters                                                              */
/* ----------------------------------------------------------------------- */

struct hpcap_bpf;

/**
 * Compile a libpcap filter expression for Ethernet frames (as tcpdump
 * would for an Ethernet interface), optimised.
 * @return 0, or -EINVAL with libpcap's message in errbuf.
 */
int hpcap_bpf_compile(struct hpcap_bpf **f, const char *expr,
		      uint32_t snaplen, char *errbuf);
/** 1 if the frame matches, 0 if not. */
int hpcap_bpf_match(const struct hpcap_bpf *f, const uint8_t *data,
		    uint32_t caplen, uint32_t len);
void hpcap_bpf_free(struct hpcap_bpf *f);

/* ----------------------------------------------------------------------- */
/* What is known about a finished file                                      */
/* ----------------------------------------------------------------------- */

/** Output formats of the pipeline. */
enum hpcap_out_format {
	HPCAP_OUT_RAW = 0,
	HPCAP_OUT_PCAP = 1,	/**< pcap, nanosecond magic a1b23c4d */
	HPCAP_OUT_PCAPNG = 2,	/**< pcapng, if_tsresol = 9 */
};

const char *hpcap_out_format_name(enum hpcap_out_format f);
/** "raw", "pcap", "pcapng" -> format; -EINVAL otherwise. */
int hpcap_out_format_parse(const char *s);

/** Why a file was closed. */
enum hpcap_close_reason {
	HPCAP_CLOSE_TIME = 1,	/**< its time period ended */
	HPCAP_CLOSE_SIZE = 2,	/**< it reached the split size */
	HPCAP_CLOSE_SLICE = 3,	/**< RAW: the module's file size */
	HPCAP_CLOSE_END = 4,	/**< the capture ended (the last file) */
};

const char *hpcap_close_reason_name(int reason);

/** The facts of a finished file, as passed to post hooks. */
struct hpcap_file_facts {
	char path[4096];	/**< final name */
	char sidecar[4096];	/**< "" if none */
	char sha256[65];	/**< hex digest of the file, "" if none */
	uint64_t bytes;		/**< size on disk */
	uint64_t data_bytes;	/**< size before compression */
	uint64_t frames;
	uint32_t first_sec, first_nsec;	/**< first frame (if frames) */
	uint32_t last_sec, last_nsec;	/**< last frame (if frames) */
	uint64_t period_start_ns;	/**< time split: its period, else 0 */
	unsigned index;		/**< 0, 1, ... in this run */
	unsigned adapter, queue;
	enum hpcap_out_format format;
	int zstd;		/**< compressed (seekable zstd) */
	int reason;		/**< enum hpcap_close_reason */
};

/* ----------------------------------------------------------------------- */
/* Post hooks                                                               */
/* ----------------------------------------------------------------------- */

/** Options of a hook queue. */
struct hpcap_hook_opts {
	const char *cmd;	/**< run as /bin/sh -c 'CMD "$@"' with the path */
	unsigned max_running;	/**< concurrent hooks; 0 = 1 */
	unsigned max_pending;	/**< waiting to start; 0 = 16 */
	int nice;		/**< added to the hooks' nice value; 0 = 10,
				     negative = none (hooks yield the CPU to
				     the capture) */
};

/** A hook that ended (or could not start). */
struct hpcap_hook_event {
	char path[4096];
	int pid;
	int status;		/**< exit status, or 128 + signal number */
	int signal;		/**< the signal that ended it, else 0 */
	int spawn_errno;	/**< it could not be started (errno) */
	double seconds;		/**< how long it ran */
};

struct hpcap_hookq;

int hpcap_hookq_open(struct hpcap_hookq **q, const struct hpcap_hook_opts *o,
		     char *errbuf);
/**
 * Run the hook for a file, or queue it if max_running hooks run already.
 * Never blocks.  A command that cannot start is reported by the return
 * value only (no event).  The command's environment gets the facts (HPCAP_FILE,
 * HPCAP_FILE_BYTES, ... see doc/pipeline.md); its standard output goes to
 * the caller's standard error, it runs in a process group of its own
 * (a terminal's Ctrl-C does not reach it) and at a lower priority (nice).
 * @return 0; -EAGAIN when the queue is full (this file's hook is skipped
 *   and counted); another negative code if it could not be started.
 */
int hpcap_hookq_submit(struct hpcap_hookq *q, const struct hpcap_file_facts *f);
/**
 * Reap hooks that ended, start queued ones.  Fills *ev with one ended
 * hook and returns 1, or returns 0 when there is none; call until 0.
 */
int hpcap_hookq_poll(struct hpcap_hookq *q, struct hpcap_hook_event *ev);
/**
 * Wait up to timeout_ms for every queued and running hook to end (events
 * still come through hpcap_hookq_poll()).
 * @return hooks still running or queued when the time ran out (0: all done).
 */
int hpcap_hookq_drain(struct hpcap_hookq *q, int timeout_ms);
unsigned hpcap_hookq_running(const struct hpcap_hookq *q);
unsigned hpcap_hookq_pending(const struct hpcap_hookq *q);
/** Counters: hooks started, ended with status 0, failed, skipped. */
void hpcap_hookq_counts(const struct hpcap_hookq *q, uint64_t *started,
			uint64_t *ok, uint64_t *failed, uint64_t *skipped);
const char *hpcap_hookq_geterr(const struct hpcap_hookq *q);
/** Whether a hook for the file at path is running or waiting. */
int hpcap_hookq_has(const struct hpcap_hookq *q, const char *path);
/** Free the queue; hooks still running are left to run (not killed). */
void hpcap_hookq_close(struct hpcap_hookq *q);

/* ----------------------------------------------------------------------- */
/* Indexes of finished files                                                */
/* ----------------------------------------------------------------------- */

/*
 * A thread that writes FILE.idx (doc/index-format.md) for every finished
 * file handed to it, at the lowest CPU priority (SCHED_IDLE), so the
 * capture never waits for it: a file handed over while max_pending files
 * wait already is not indexed (counted, reported) - hpcap-index can index
 * it later.  It reads the file back (from the page cache, or from the disk
 * after O_DIRECT writes), except behind the block copier given the
 * buffer's size (hpcap_copier_opts.buffer_size), which indexes each file
 * from the capture buffer on a thread of its own and only reports here.
 */
struct hpcap_indexer;

/** Options of hpcap_indexer_open(). */
struct hpcap_indexer_opts {
	unsigned max_pending;	/**< files waiting; 0 = 4 */
};

/** What became of one file (hpcap_indexer_poll()). */
struct hpcap_index_event {
	char path[4096];	/**< the data file */
	int err;		/**< 0 written; -EAGAIN skipped (behind);
				     1 written, data damaged; < 0 failed */
	char msg[256];		/**< why, when err != 0 */
};

int hpcap_indexer_open(struct hpcap_indexer **ix,
		       const struct hpcap_indexer_opts *o, char *errbuf);
/** Hand a finished file over; never blocks.  0, or -EAGAIN when
 * max_pending files wait already (not indexed; an event says so). */
int hpcap_indexer_submit(struct hpcap_indexer *ix, const char *path);
/** One event (a file skipped, damaged, or whose index failed)
 * into *ev: 1, or 0 when there is none. */
int hpcap_indexer_poll(struct hpcap_indexer *ix, struct hpcap_index_event *ev);
/** Wait up to timeout_ms for the files handed over; returns how many are
 * still not done. */
unsigned hpcap_indexer_drain(struct hpcap_indexer *ix, int timeout_ms);
/** Counters: indexes written, files skipped (behind), failed. */
void hpcap_indexer_counts(const struct hpcap_indexer *ix, uint64_t *written,
			  uint64_t *skipped, uint64_t *failed);
/** Stop the thread (after the file it is on) and free. */
void hpcap_indexer_close(struct hpcap_indexer *ix);

/* ----------------------------------------------------------------------- */
/* Retention: the oldest files go when the limits are passed               */
/* ----------------------------------------------------------------------- */

/*
 * After every finished file, the oldest complete files of the capture
 * tree (by modification time, with their .sha256 and .idx sidecars) are
 * deleted until every limit holds.  Never deleted: a file still being
 * written (.pending, .tmp), the newest finished file of any queue writing
 * into the tree (each writer names its newest in a marker file,
 * DIR/.hpcap-newest-<adapter>_<queue>, so several writers sharing one
 * tree keep each other's), a file whose post hook is running or waiting,
 * and a file a reader holds (hpcap-extract and hpcap-index take a shared
 * flock(2) on what they read; a file that cannot be locked exclusively is
 * left for the next round).
 */
struct hpcap_retention;

/** Limits; 0 = no such limit. */
struct hpcap_retention_opts {
	uint64_t keep_free_bytes;	/**< keep this much free on the fs */
	unsigned keep_free_pct;		/**< or this percent of the fs */
	uint64_t keep_size;		/**< capture files in the tree, bytes */
	uint64_t keep_age_ns;		/**< files older than this go */
	/**
	 * NULL, or a file to keep the counters in ("key value" lines,
	 * rewritten after every round and at close with state stopped;
	 * hpcap-status and hpcap-prometheus read them).
	 */
	const char *stats_path;
};

/** One file deleted, or a limit that could not be met. */
struct hpcap_retention_event {
	char path[4096];
	uint64_t bytes;		/**< with its sidecars */
	uint64_t age_s;		/**< since its last modification */
	const char *why;	/**< "age", "size", "free space" */
	int stuck;		/**< 1: nothing more could be deleted (path "") */
};

int hpcap_retention_open(struct hpcap_retention **r, const char *dir,
			 unsigned adapter, unsigned queue,
			 const struct hpcap_retention_opts *o, char *errbuf);
/** Whether any limit is set. */
int hpcap_retention_any(const struct hpcap_retention_opts *o);
/**
 * Apply the limits now; newest is this writer's newest finished file
 * (kept, and named in the marker), hooks the writer's hook queue (may be
 * NULL).  Returns files deleted (events through hpcap_retention_poll()).
 */
int hpcap_retention_run(struct hpcap_retention *r, const char *newest,
			const struct hpcap_hookq *hooks);
int hpcap_retention_poll(struct hpcap_retention *r,
			 struct hpcap_retention_event *ev);
/** Files and bytes deleted so far. */
void hpcap_retention_counts(const struct hpcap_retention *r, uint64_t *files,
			    uint64_t *bytes);
/** Deletions put off because a reader held the file (counted per try). */
uint64_t hpcap_retention_held(const struct hpcap_retention *r);
/** Remove the marker, free. */
void hpcap_retention_close(struct hpcap_retention *r);

/* ----------------------------------------------------------------------- */
/* File names and atomic completion                                         */
/* ----------------------------------------------------------------------- */

/** Suffix of a file being written. */
#define HPCAP_PENDING_SUFFIX ".pending"

/** How files are named. */
struct hpcap_name_opts {
	const char *dir;	/**< output directory (must exist) */
	/**
	 * Name below dir, without extension: strftime(3) conversions of the
	 * file's time, plus %{adapter}, %{queue}, %{seq} (file number in the
	 * run, 6 digits), %{dir1800} (the time rounded down to 30 minutes,
	 * in seconds) and %s (seconds since the epoch).  '/' makes
	 * subdirectories.  NULL: HPCAP's "%{dir1800}/%s_hpcap%{adapter}_%{queue}".
	 */
	const char *fmt;
	const char *ext;	/**< appended, e.g. ".pcap.zst" */
	unsigned adapter, queue;
	int localtime;		/**< strftime in local time, not UTC */
};

/**
 * Check a name format (conversions known, no "..", not absolute).
 * @return 0 or -EINVAL with a message.
 */
int hpcap_name_check(const char *fmt, char *errbuf);

/** Expand o->fmt for time t and file number seq into out (no dir, no ext). */
int hpcap_name_expand(char *out, size_t n, const struct hpcap_name_opts *o,
		      time_t t, unsigned seq, char *errbuf);

/**
 * Create the file for time t: "<dir>/<name><ext>.pending" exclusively,
 * after creating subdirectories; if that name or its final name exists,
 * "_1", "_2", ... is added before the extension.  The final name goes to
 * final (n bytes).  flags: extra open(2) flags (O_DIRECT is set after
 * creation and dropped silently where refused).
 * @return the descriptor (O_WRONLY|O_CLOEXEC), or a negative code.
 */
int hpcap_pending_create(char *final, size_t n, const struct hpcap_name_opts *o,
			 time_t t, unsigned seq, int flags, char *errbuf);

/**
 * HPCAP's own names, as its hpcapdd made them: create
 * "<dir>/<t - t % 1800>/<t>_hpcap<adapter>_<queue>.raw" exclusively (and
 * its half-hour directory), t the current time, or one second past *last
 * if that is not later, so names never repeat and sort in capture order;
 * *last is updated.  The file has its final name from the start (no
 * ".pending").  flags as for hpcap_pending_create().
 * @return the descriptor (O_WRONLY|O_CLOEXEC), or a negative code.
 */
int hpcap_name_create_hpcap(char *path, size_t n, const char *dir,
			    unsigned adapter, unsigned queue, time_t *last,
			    int flags, char *errbuf);

/**
 * Complete a file whose pending name is final + ".pending": write the
 * sidecar first ("<final>.sha256" in sha256sum format, itself through a
 * pending name) when sha256_hex is given, then rename the file to final.
 * So a file under its final name is complete, and its sidecar is there.
 * @return 0 or a negative code.
 */
int hpcap_pending_commit(const char *final, const char *sha256_hex,
			 char *errbuf);

/* ----------------------------------------------------------------------- */
/* Split decision                                                           */
/* ----------------------------------------------------------------------- */

/** State of the split decision (all zero = no file yet). */
struct hpcap_split {
	uint64_t period_ns;	/**< 0: no time split */
	uint64_t start_ns;	/**< period of the open file */
	uint64_t end_ns;
	int open;		/**< a file with at least one frame is open */
};

void hpcap_split_init(struct hpcap_split *s, uint64_t period_ns);

/**
 * A frame stamped ts_ns is next.  too_big: the caller found that it would
 * take the open file past its size limit.  Periods are aligned to the
 * epoch (multiples of period_ns since 1970-01-01 00:00 UTC).  A frame
 * stamped before the open file's period (time went back) stays in it; one
 * that opens a file after hpcap_split_closed() never gets a period before
 * the last file's (so files named by period sort in capture order).
 * @return 0: the frame goes into the open file (or opens the first one:
 *   check ->open before); HPCAP_CLOSE_TIME or HPCAP_CLOSE_SIZE: close the
 *   open file first, the frame opens the next one.
 */
int hpcap_split_frame(struct hpcap_split *s, uint64_t ts_ns, int too_big);

/** The open file was closed for another reason (slice end, idle). */
void hpcap_split_closed(struct hpcap_split *s);

/** Whether the clock (now_ns) is past the open file's period + grace. */
int hpcap_split_idle(const struct hpcap_split *s, uint64_t now_ns,
		     uint64_t grace_ns);

/* ----------------------------------------------------------------------- */
/* The per-frame pipeline                                                   */
/* ----------------------------------------------------------------------- */

/** Options of hpcap_pipe_open(); zero fields mean the defaults. */
struct hpcap_pipe_opts {
	struct hpcap_name_opts names;	/**< ext is set from the format */
	enum hpcap_out_format format;
	uint32_t snaplen;		/**< pcap headers; 0 = 65535 */
	int zstd;			/**< compress (seekable zstd) */
	struct hpcap_zsk_opts zsk;
	int sha256;			/**< write <file>.sha256 */
	uint64_t split_ns;		/**< 0: no time split */
	uint64_t split_bytes;		/**< 0: no size split (uncompressed) */
	uint64_t raw_file_size;		/**< RAW: files never larger (0: none) */
	uint64_t idle_grace_ns;		/**< close a period this late; 0 = 1 s */
	int direct;			/**< try O_DIRECT */
	uint64_t max_files;		/**< 0: no limit (see hpcap_pipe_put) */
	struct hpcap_hookq *hooks;	/**< NULL: no hooks */
	/** pcap/pcapng: link type written (the number in files, e.g. 101
	 * raw IP); 0 = Ethernet. */
	uint32_t linktype;
	/**
	 * Threads beside the writer.  With sha256 and workers >= 1, the
	 * SHA-256 runs on its own thread over the same bytes while the
	 * writing goes on (one thread: a file's hash is serial): the block
	 * copier's blocks, the per-frame pipeline's output buffers (two of
	 * them, one filled while the other is hashed); 0: in the writer's
	 * thread.  Same files, same digests.  (zstd has its own threads:
	 * zsk.threads.)
	 */
	unsigned workers;
	uint64_t worker_cpus;		/**< pin them: bit i = CPU i; 0: no */
	struct hpcap_indexer *indexer;	/**< NULL: no FILE.idx */
	struct hpcap_retention *retention;	/**< NULL: keep every file */
};

struct hpcap_pipe;

int hpcap_pipe_open(struct hpcap_pipe **p, const struct hpcap_pipe_opts *o,
		    char *errbuf);
/**
 * Append a frame (split, encode, compress as configured).
 * @return 0; 1 if the frame would open file max_files + 1 (it is not
 *   written: the caller should stop); a negative code on error.
 */
int hpcap_pipe_put(struct hpcap_pipe *p, uint32_t sec, uint32_t nsec,
		   uint32_t caplen, uint32_t len, const uint8_t *data);
/**
 * Close the open file if the clock says its period is over (by more than
 * idle_grace_ns).  Call it only when the source is idle (no frame pending),
 * or a reader that lags would cut its periods short.
 */
int hpcap_pipe_tick(struct hpcap_pipe *p, uint64_t now_ns);
/** Close the open file now (reason HPCAP_CLOSE_*), if there is one. */
int hpcap_pipe_close_file(struct hpcap_pipe *p, int reason);
/** Files completed so far; frames and bytes written. */
unsigned hpcap_pipe_files(const struct hpcap_pipe *p);
uint64_t hpcap_pipe_frames(const struct hpcap_pipe *p);
uint64_t hpcap_pipe_bytes(const struct hpcap_pipe *p);
/**
 * Callback for every completed file (after the rename, before its hook);
 * for logging.
 */
void hpcap_pipe_on_file(struct hpcap_pipe *p,
			void (*cb)(void *arg, const struct hpcap_file_facts *f,
				   int hook_err),
			void *arg);
/** Close the last file (reason END), free; 0 or a negative code. */
int hpcap_pipe_close(struct hpcap_pipe *p, char *errbuf);
const char *hpcap_pipe_geterr(const struct hpcap_pipe *p);

/* ----------------------------------------------------------------------- */
/* The block copier                                                         */
/* ----------------------------------------------------------------------- */

/*
 * The engine of hpcapdd: a capture queue's RAW stream to files, whole
 * aligned blocks at a time, straight from the queue's mapping to the disk
 * (O_DIRECT), never copying or decoding a frame.  The producer has framed
 * the stream already (every file_size slice ends with a padding record),
 * so a file is a slice; a file that starts mid-stream opens with a padding
 * record that keeps its offsets aligned with the stream, and a file
 * closed early ends with one that makes its length a multiple of 4 KiB.
 *
 * Two ways of naming and completing files:
 *  - HPCAP's (pipeline == 0): hpcap_name_create_hpcap() names, each file
 *    created under its final name;
 *  - the pipeline's: names.fmt names, ".pending" until complete, then the
 *    SHA-256 sidecar, the rename, the callback and the post hook, as
 *    hpcap_pipe does; files also end where split_ns and split_bytes say
 *    (the record headers are read for that, the frames never).
 * Output formats other than RAW, compression and filters need every frame:
 * use hpcap_pipe for those.
 */

/** Options of hpcap_copier_open(); zero fields mean the defaults. */
struct hpcap_copier_opts {
	/**
	 * names (dir NULL: discard everything, to measure), direct, and
	 * max_files (stop after that many complete files; 0: no limit) are
	 * used in both ways; with pipeline set also sha256, split_ns,
	 * split_bytes and hooks.  format must be RAW and zstd 0.
	 */
	struct hpcap_pipe_opts pipe;
	int pipeline;		/**< the pipeline's names and completion */
	uint64_t file_size;	/**< the queue's (hpcap_ring_info.file_size) */
	/**
	 * The queue's buffer (hpcap_ring_info.buf_size).  With an indexer
	 * in pipe, known: the index is built from the buffer beside the
	 * copy, which may then keep up to half of it unacknowledged; 0:
	 * the indexer reads each file back.
	 */
	uint64_t buffer_size;
	/**
	 * HPCAP's layout: every file starts with a frame, never with a
	 * leading padding (HPCAP's raw2pcap and checkraw take any padding
	 * for the end of the file).  A file opening off a 4096-byte
	 * boundary of the stream (a listener joining mid-file, a split)
	 * then costs one memcpy per byte and may end unaligned.
	 */
	int hpcap_layout;
};

struct hpcap_copier;

/**
 * Start copying the stream at position pos (where the queue's window
 * starts: hpcap_wait() with nothing consumed).
 */
int hpcap_copier_open(struct hpcap_copier **c,
		      const struct hpcap_copier_opts *o, uint64_t pos,
		      char *errbuf);

/**
 * Write the stream up to position end.  base holds the stream from
 * base_pos (<= the position written up to) to at least end, as the window
 * of hpcap_wait() does.  Bytes of an incomplete first block, or of an
 * incomplete record at the end, may stay unwritten (hpcap_copier_pos()
 * says how far it went): give them again in the next window.
 * final: the capture is over; what is left is written and the last file
 * closed early.  idle: the source had nothing to read for a while, so a
 * time split may close the open file by the clock.
 * @return 0; 1 when max_files files are complete (stop); a negative code
 *   (message from hpcap_copier_geterr()): stop, the open file is left as
 *   written so far (checkraw -f closes it).
 */
int hpcap_copier_write(struct hpcap_copier *c, const uint8_t *base,
		       uint64_t base_pos, uint64_t end, int final, int idle);

/** Stream position written (and, with a hashing thread, hashed) up to:
 * what may be acknowledged.  With a hashing thread it may be behind what
 * was written: the next window starts there and holds bytes already
 * written, which the copier skips. */
uint64_t hpcap_copier_pos(const struct hpcap_copier *c);
/** Frames (padding excluded), bytes and files written so far. */
uint64_t hpcap_copier_frames(const struct hpcap_copier *c);
uint64_t hpcap_copier_bytes(const struct hpcap_copier *c);
uint64_t hpcap_copier_files(const struct hpcap_copier *c);
/** Callback for every completed file, as hpcap_pipe_on_file(). */
void hpcap_copier_on_file(struct hpcap_copier *c,
			  void (*cb)(void *arg,
				     const struct hpcap_file_facts *f,
				     int hook_err),
			  void *arg);
const char *hpcap_copier_geterr(const struct hpcap_copier *c);
/**
 * Free.  A file still open (hpcap_copier_write() failed, or was never
 * called with final) is closed as it is, not completed.
 */
void hpcap_copier_close(struct hpcap_copier *c);

#ifdef __cplusplus
}
#endif

#endif /* LIBHPCAP_PIPELINE_H */
