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

/** Frames and bytes this listener lost so far (lossy mode). */
uint64_t hpcap_lost_frames(const struct hpcap_handle *h);
uint64_t hpcap_lost_bytes(const struct hpcap_handle *h);

/** Counters of the whole queue and of this listener. */
int hpcap_queue_stats(struct hpcap_handle *h, struct hpcap_queue_stats *s);
int hpcap_listener_stats(struct hpcap_handle *h,
			 struct hpcap_listener_stats *s);

/** The device's file descriptor, for poll()/select(). */
int hpcap_fd(const struct hpcap_handle *h);

const char *hpcap_geterr(const struct hpcap_handle *h);

/** Stop listening (acknowledges nothing more) and free the handle. */
void hpcap_close(struct hpcap_handle *h);

#ifdef __cplusplus
}
#endif

#endif /* LIBHPCAP_LIVE_H */
