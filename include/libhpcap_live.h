/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file libhpcap_live.h
 * @brief Consume a live hpcap capture queue (/dev/hpcap_<adapter>_<queue>).
 *
 * Two ways to read, which can not be mixed on one handle:
 *  - blocks: hpcap_wait() hands out a window of the stream (a pointer to
 *    contiguous bytes even across the buffer's end) after acknowledging
 *    what the previous window's reader consumed; for copying to disk.
 *  - frames: hpcap_next() returns one frame at a time, zero-copy, resuming
 *    in the middle of a window; acknowledgements are batched.
 *
 * Listeners are lossless by default: the producer drops new frames (and
 * counts them) rather than overwrite what a listener has not read.  With
 * HPCAP_OPEN_LOSSY the listener never holds the producer back; when it
 * falls a whole buffer behind it skips to the oldest intact frame and the
 * frames it missed are counted (hpcap_next() never returns a torn frame).
 *
 * Return values follow libhpcap.h: negative codes, message per handle.
 *
 * Two kinds of queue behave the same through this API:
 *  - a character device /dev/hpcap_<adapter>_<queue> of the hpcap module;
 *  - a shared-memory queue: a regular file (by default
 *    /dev/shm/hpcap_<adapter>_<queue>) made by a userspace producer such
 *    as pcap2hpcap (see hpcap_producer_create() below), with a socket
 *    beside it (<file>.sock) through which listeners join.  It holds the
 *    same info page and buffer, framed by the module's own producer
 *    routine, with the same listener slots, lossless/lossy modes and flow
 *    control.  hpcap_open_path() on a regular file selects it; set
 *    HPCAP_DEV_DIR=/dev/shm for hpcap_open().
 *
 * Lossy listeners' counts are exact: frames returned by hpcap_next() +
 * hpcap_lost_frames() + frames still readable == frames produced since
 * the listener opened, whenever acknowledgements happen.
 */
#ifndef LIBHPCAP_LIVE_H
#define LIBHPCAP_LIVE_H

#include "libhpcap.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Flags for hpcap_open(). */
enum hpcap_open_flags {
	HPCAP_OPEN_LOSSY = 1, /**< never hold the producer back */
};

struct hpcap_handle;

/** A window of the stream returned by hpcap_wait(). */
struct hpcap_window {
	uint64_t pos;		/**< stream position of data[0] */
	uint64_t len;		/**< readable bytes */
	const uint8_t *data;	/**< contiguous, read-only */
	uint64_t lost_frames;	/**< lossy: frames missed since last call */
	uint64_t lost_bytes;	/**< lossy: bytes skipped since last call */
	int gone;		/**< the queue's source is gone: this window
				     is the last data there will be */
};

/**
 * Open queue `queue` of adapter `adapter` as a new listener.  The device
 * directory is /dev unless HPCAP_DEV_DIR says otherwise.
 * @return 0, or -ENOENT (no such device: is the module loaded?), -EACCES
 *   (not in the device's group), -EBUSY (all listener slots taken), ...
 */
int hpcap_open(struct hpcap_handle **h, unsigned adapter, unsigned queue,
	       unsigned flags, char *errbuf);

/** Same, naming the device file. */
int hpcap_open_path(struct hpcap_handle **h, const char *path,
		    unsigned flags, char *errbuf);

/** Buffer geometry and the producer's published counters. */
const struct hpcap_ring_info *hpcap_info(const struct hpcap_handle *h);

/**
 * Acknowledge `consumed` bytes of the previous window, then wait up to
 * timeout_ms (-1: for ever, 0: not at all) for at least min_bytes.
 * A signal ends the wait early.  Fills *win (len may be below min_bytes
 * after a timeout or signal; win->gone says the source went away and
 * this is the last data).  The acknowledgement is applied whenever the
 * call returns 0 or -ENODEV: never send it again.
 * @return 0; -ENODEV once the queue is gone and drained (*win empty);
 *   -EINVAL if consumed is more than the window held (*win zeroed).
 */
int hpcap_wait(struct hpcap_handle *h, uint64_t consumed, uint64_t min_bytes,
	       int timeout_ms, struct hpcap_window *win);

/**
 * The next frame, zero-copy: rec->data stays valid until the next call.
 * Padding records are skipped.
 * @return 1 with *rec filled; 0 when no frame came within timeout_ms;
 *   negative on error (-ENODEV: the queue is gone and drained).
 */
int hpcap_next(struct hpcap_handle *h, struct hpcap_raw_record *rec,
	       int timeout_ms);

/**
 * Lossy listeners: whether the frame last returned by hpcap_next() is
 * still intact (the producer may lap a listener that holds a frame for
 * longer than it takes to fill the whole buffer).  Always 1 if lossless.
 */
int hpcap_frame_valid(const struct hpcap_handle *h);

/** Frames and bytes this listener lost so far (lossy mode): frames the
 * producer overwrote before hpcap_next() returned them (a window reader's
 * frames count as read once it acknowledged them). */
uint64_t hpcap_lost_frames(const struct hpcap_handle *h);
uint64_t hpcap_lost_bytes(const struct hpcap_handle *h);

/** Counters of the whole queue and of this listener (lost_* are this
 * handle's exact counts, as hpcap_lost_frames()). */
int hpcap_queue_stats(struct hpcap_handle *h, struct hpcap_queue_stats *s);
int hpcap_listener_stats(struct hpcap_handle *h,
			 struct hpcap_listener_stats *s);

/**
 * A descriptor for poll()/select()/epoll: it becomes readable when data
 * came after a call found the queue empty.  Read until hpcap_next()
 * returns 0 (or hpcap_wait() an empty window) with timeout 0, then poll;
 * a readable descriptor may find nothing new (read again, then poll
 * again).  The module's device arms itself in poll(); a shared-memory
 * queue's descriptor is the listener's socket, armed by the call that
 * found the queue empty.  Waking a poller costs the producer one wake-up
 * per poll, however the listener reads meanwhile.  Never read from or
 * write to it.
 */
int hpcap_fd(const struct hpcap_handle *h);

const char *hpcap_geterr(const struct hpcap_handle *h);

/** Stop listening (acknowledges nothing more) and free the handle. */
void hpcap_close(struct hpcap_handle *h);

/* ----------------------------------------------------------------------- */
/* Userspace producer: a shared-memory queue (replay, tests)                */
/* ----------------------------------------------------------------------- */

/*
 * A producer creates a queue in a file (tmpfs: /dev/shm) and writes frames
 * into it through the module's producer routine (core/hpcap_ring.c);
 * listeners open the file with hpcap_open_path() and read it exactly as
 * they read a module queue.  One producer per file; the producer holds an
 * advisory lock on the file for its lifetime, so listeners notice a
 * producer that was killed (the queue then reads as gone), and the
 * producer notices listeners that ended in any way (their slots are
 * freed at once and stop holding it back).
 *
 * Listeners can not disturb the producer: the ring state lives in the
 * producer's memory, the file has no write permission, and what a
 * listener publishes (how far it read, what it waits for) is checked.
 * A thread of the producer lets listeners in and out.
 *
 * Frames go in one at a time (hpcap_producer_put(), published at once) or
 * in batches (hpcap_producer_put_batch(), or hpcap_producer_reserve() per
 * frame then one hpcap_producer_commit()), published and signalled once
 * per batch.  One thread produces; the other functions may be called from
 * that thread only, between batches.
 */
struct hpcap_producer;

/** Flags of struct hpcap_producer_opts. */
enum hpcap_producer_flags {
	/** Behave as the module does: a frame that does not fit because a
	 * lossless listener is behind is dropped and counted
	 * (client_lost_frames).  Without it the producer waits for room. */
	HPCAP_PRODUCER_DROP = 1,
};

/** Options of hpcap_producer_create(); zero fields take the defaults. */
struct hpcap_producer_opts {
	uint64_t buf_size;	/**< buffer bytes, multiple of 1 MiB; 64 MiB */
	uint64_t file_size;	/**< framing; HPCAP_DEFAULT_FILE_SIZE */
	unsigned adapter;	/**< reported in the info page */
	unsigned queue;
	unsigned mode;		/**< file permissions; 0600 */
	unsigned flags;		/**< HPCAP_PRODUCER_* */
};

/**
 * Create the queue file `path` (replacing a stale one left by a producer
 * that is gone) and become its producer.
 * @return 0; -EBUSY if another producer is running on path; -EINVAL for
 *   bad sizes; a negated errno otherwise, with the message in errbuf.
 */
int hpcap_producer_create(struct hpcap_producer **p, const char *path,
			  const struct hpcap_producer_opts *opts,
			  char *errbuf);

/**
 * Write one frame (caplen above HPCAP_MAX_CAPLEN is cut and counted).
 * Without HPCAP_PRODUCER_DROP, waits up to timeout_ms (-1: for ever) for
 * room when a lossless listener is a whole buffer behind.
 * @return 1 stored; 0 dropped and counted (no listener, or a slow one with
 *   HPCAP_PRODUCER_DROP), as the module would; -ETIMEDOUT or -EINTR (a
 *   signal came) while waiting for room: the frame was not written and
 *   not counted, call again; other negative codes are errors.
 */
int hpcap_producer_put(struct hpcap_producer *p, uint32_t sec, uint32_t nsec,
		       uint32_t caplen, uint32_t len, const uint8_t *data,
		       int timeout_ms);

/**
 * Reserve room for one frame and return in *dst where to copy its caplen
 * bytes (caplen above HPCAP_MAX_CAPLEN is cut, and counted: copy
 * HPCAP_MAX_CAPLEN then).  The frame becomes visible to listeners at
 * hpcap_producer_commit(), which must follow the last reserve of a batch
 * before any other producer call.  Waits for room as hpcap_producer_put()
 * does, after publishing what the batch holds so far.
 * @return 1 reserved; 0 dropped and counted (*dst NULL); -ETIMEDOUT,
 *   -EINTR or another negative code: nothing reserved, and the batch so
 *   far is committed.
 */
int hpcap_producer_reserve(struct hpcap_producer *p, uint32_t sec,
			   uint32_t nsec, uint32_t caplen, uint32_t len,
			   uint8_t **dst, int timeout_ms);

/** Publish every frame reserved since the last commit, wake the listeners
 * waiting for them (once per batch).  @return 0. */
int hpcap_producer_commit(struct hpcap_producer *p);

/** One frame of hpcap_producer_put_batch(). */
struct hpcap_producer_frame {
	uint32_t sec, nsec;
	uint32_t caplen, len;
	const uint8_t *data;
};

/**
 * Write n frames as one batch (one lock, one publication, one wake-up
 * check), waiting for room as hpcap_producer_put() does.
 * @return how many of the n frames were taken (stored or dropped and
 *   counted; *stored, if not NULL, says how many were stored); fewer
 *   than n only on an error (timeout, signal) after some were taken;
 *   the error itself (negative) when none was.
 */
int hpcap_producer_put_batch(struct hpcap_producer *p,
			     const struct hpcap_producer_frame *f, unsigned n,
			     unsigned *stored, int timeout_ms);

/**
 * Wait up to timeout_ms (-1: for ever) until at least n listeners are
 * attached.  @return 0, -ETIMEDOUT or -EINTR.
 */
int hpcap_producer_wait_listeners(struct hpcap_producer *p, unsigned n,
				  int timeout_ms);

/**
 * Wait up to timeout_ms until every lossless listener has acknowledged
 * everything written.  @return 0, -ETIMEDOUT or -EINTR.
 */
int hpcap_producer_drain(struct hpcap_producer *p, int timeout_ms);

/** Listeners attached now (killed ones are reclaimed first). */
unsigned hpcap_producer_listeners(struct hpcap_producer *p);

/** Counters of the queue, as hpcap_queue_stats() reports them. */
int hpcap_producer_stats(struct hpcap_producer *p,
			 struct hpcap_queue_stats *s);

/** Frames whose caplen was cut to HPCAP_MAX_CAPLEN. */
uint64_t hpcap_producer_cut_frames(const struct hpcap_producer *p);

const struct hpcap_ring_info *hpcap_producer_info(
	const struct hpcap_producer *p);
const char *hpcap_producer_geterr(const struct hpcap_producer *p);

/**
 * End the queue: listeners read what is left, then see it gone (-ENODEV
 * from hpcap_next(), HPCAP_ACK_QUEUE_GONE); the file is removed (they
 * keep their mappings).  NULL is accepted.
 */
void hpcap_producer_close(struct hpcap_producer *p);

#ifdef __cplusplus
}
#endif

#endif /* LIBHPCAP_LIVE_H */
