/* SPDX-License-Identifier: (GPL-2.0 OR BSD-3-Clause) */
/*
 * hpcap.h - the ABI shared by the hpcap kernel module, libhpcap, libmgmon and
 * the tools: the RAW capture format, the buffer/file framing sizes, the
 * character-device ioctls and the structures they exchange.
 *
 * Everything here is fixed-width (__u32-style), little-endian on disk and
 * explicitly padded; the static asserts at the end are compiled by the module
 * and by every userspace object that includes this file, so both sides agree
 * on every size and offset.
 */
#ifndef HPCAP_H
#define HPCAP_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/stddef.h>
#include <linux/build_bug.h>
#define HPCAP_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#include <linux/types.h>
#include <linux/ioctl.h>
#include <stddef.h>
#define HPCAP_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/* ------------------------------------------------------------------------ */
/* RAW format                                                               */
/* ------------------------------------------------------------------------ */

/*
 * A RAW stream is a sequence of records, each a 12-byte header followed by
 * caplen bytes of frame data, with no alignment.  All fields little-endian.
 *
 * A record with sec == nsec == 0 is a padding record: caplen == len == number
 * of bytes that follow its header (possibly 0), contents meaningless.  The
 * producer closes every file-size slice of the stream with one, so each slice
 * is a complete file.  A padding record at offset 0 of a file opens it (used
 * when a consumer starts writing a file in the middle of the stream, to keep
 * O_DIRECT alignment); anywhere else a padding record closes the file and
 * nothing may follow it.
 */
struct hpcap_raw_hdr {
	__le32 sec;	/* seconds since the Unix epoch */
	__le32 nsec;	/* nanoseconds, < 1e9 */
	__le16 caplen;	/* bytes of the frame stored after this header */
	__le16 len;	/* bytes of the frame on the wire (clamped to 65535) */
} __attribute__((packed));

#define HPCAP_RAW_HDR_LEN	12u
#define HPCAP_NSEC_PER_SEC	1000000000u

/*
 * Largest caplen the producers write.  A frame is placed only if its record
 * plus a padding header fits in what is left of the file, so a closing
 * padding carries less than (record + 12) bytes; capping caplen here keeps
 * every padding length within the 16-bit field.  Readers accept up to 65535.
 */
#define HPCAP_MAX_CAPLEN	65523u
#define HPCAP_MAX_LEN		65535u

/* Framing sizes.  The consumer copies whole blocks; files are whole blocks. */
#define HPCAP_BLOCK_SIZE	(1u << 20)
#define HPCAP_DEFAULT_FILE_BLOCKS	2048u
#define HPCAP_DEFAULT_FILE_SIZE	\
	((__u64)HPCAP_DEFAULT_FILE_BLOCKS * HPCAP_BLOCK_SIZE)
/* Any file size that is a multiple of this is valid for the format. */
#define HPCAP_FILE_SIZE_ALIGN	4096u

/* ------------------------------------------------------------------------ */
/* Character devices /dev/hpcap_<adapter>_<queue>                           */
/* ------------------------------------------------------------------------ */

#define HPCAP_ABI_MAGIC		0x48504341u	/* "HPCA" */
#define HPCAP_ABI_VERSION	1u
#define HPCAP_DEV_PREFIX	"hpcap_"
#define HPCAP_MAX_LISTENERS	16u

/*
 * mmap layout of a queue device, read-only for userspace:
 *   [0, info_size)                  struct hpcap_ring_info (one page)
 *   [info_size, info_size + 2*buf)  the data buffer, mapped twice back to
 *                                   back so a record that wraps the end of
 *                                   the buffer is still contiguous.
 * Stream position P (a monotonic __u64 byte count) lives at buffer offset
 * P % buf_size.
 */
struct hpcap_ring_info {
	__u32 magic;		/* HPCAP_ABI_MAGIC */
	__u32 version;		/* HPCAP_ABI_VERSION */
	__u64 buf_size;		/* data buffer bytes, multiple of block_size */
	__u64 file_size;	/* framing: every file_size slice is a file */
	__u32 block_size;	/* HPCAP_BLOCK_SIZE */
	__u32 info_size;	/* mmap offset of the data buffer */
	__u32 adapter;		/* N of /dev/hpcap_N_Q */
	__u32 queue;		/* Q of /dev/hpcap_N_Q */
	/*
	 * Written by the producer only.  write_pos: end of the last published
	 * record (store-release after the record's bytes).  tail_pos: oldest
	 * stream position whose bytes are still intact; raised (then a write
	 * barrier) before any byte below buf_size behind it is overwritten, so
	 * a lossy reader that finds tail_pos above what it just read knows
	 * those bytes may be torn.
	 */
	__u64 write_pos;
	__u64 tail_pos;
	__u64 frames;		/* records published (paddings excluded) */
	__u64 reserved[8];
};

/* Listener modes (HPCAP_IOC_SET_MODE). */
#define HPCAP_MODE_LOSSLESS	0u	/* holds the producer back (default) */
#define HPCAP_MODE_LOSSY	1u	/* never holds it back; counts own loss */

/*
 * HPCAP_IOC_ACK_WAIT: acknowledge ack_bytes consumed from the listener's
 * cursor, then wait up to timeout_ns (0: do not wait) until at least
 * min_bytes are readable.  Returns in read_pos/avail where to read and how
 * much; lost_* are what this listener lost since the previous call (lossy
 * mode only: the cursor was moved past overwritten data).
 */
struct hpcap_ack_wait {
	__u64 ack_bytes;	/* in */
	__u64 min_bytes;	/* in */
	__u64 timeout_ns;	/* in */
	__u64 read_pos;		/* out: stream position of the cursor */
	__u64 avail;		/* out: bytes readable from read_pos */
	__u64 lost_frames;	/* out */
	__u64 lost_bytes;	/* out */
	__u64 flags;		/* in: 0; out: HPCAP_ACK_* */
};

/* The source is gone (interface detached): nothing more will come after
 * the avail bytes returned; avail 0 means the queue is drained. */
#define HPCAP_ACK_QUEUE_GONE	1ull

/* Per-queue counters (HPCAP_IOC_QUEUE_STATS and sysfs). */
struct hpcap_queue_stats {
	__u64 rx_frames;	/* frames the source handed to the queue */
	__u64 rx_bytes;
	__u64 captured_frames;	/* frames written into the buffer */
	__u64 captured_bytes;	/* record bytes written (headers included) */
	__u64 client_lost_frames;  /* no room: a lossless listener was slow */
	__u64 client_lost_bytes;
	__u64 noclient_frames;	/* discarded: nobody was listening */
	__u64 noclient_bytes;
	__u64 dup_frames;	/* dropped as duplicates */
	__u64 oversize_frames;	/* caplen cut to HPCAP_MAX_CAPLEN */
	__u32 listeners;
	__u32 reserved0;
	__u64 wakeups;		/* times the producer woke waiting listeners */
	__u64 reserved[4];
};

/* Per-listener counters (HPCAP_IOC_LISTENER_STATS). */
struct hpcap_listener_stats {
	__u64 read_pos;
	__u64 acked_bytes;
	__u64 lost_frames;	/* lossy mode: overwritten before read */
	__u64 lost_bytes;
	__u32 mode;
	__u32 id;
	__u64 reserved[4];
};

/* Generic source control (ioctls on /dev/hpcap_ctl, CAP_NET_ADMIN). */
#define HPCAP_IFNAMSIZ		16u
#define HPCAP_ATTACH_MIRROR	0u	/* frames still go up the stack */
#define HPCAP_ATTACH_DROP	1u	/* frames are consumed */
struct hpcap_attach {
	char ifname[HPCAP_IFNAMSIZ];
	__u32 mode;		/* HPCAP_ATTACH_* */
	__u32 caplen;		/* 0: HPCAP_MAX_CAPLEN */
	__u32 adapter;		/* out: the adapter number assigned */
	__u32 reserved;
};

#define HPCAP_IOC_MAGIC		'h'
#define HPCAP_IOC_INFO		_IOR(HPCAP_IOC_MAGIC, 1, struct hpcap_ring_info)
#define HPCAP_IOC_ACK_WAIT	_IOWR(HPCAP_IOC_MAGIC, 2, struct hpcap_ack_wait)
#define HPCAP_IOC_SET_MODE	_IOW(HPCAP_IOC_MAGIC, 3, __u32)
#define HPCAP_IOC_QUEUE_STATS	_IOR(HPCAP_IOC_MAGIC, 4, struct hpcap_queue_stats)
#define HPCAP_IOC_LISTENER_STATS \
	_IOR(HPCAP_IOC_MAGIC, 5, struct hpcap_listener_stats)
#define HPCAP_IOC_ATTACH	_IOWR(HPCAP_IOC_MAGIC, 6, struct hpcap_attach)
#define HPCAP_IOC_DETACH	_IOW(HPCAP_IOC_MAGIC, 7, struct hpcap_attach)

/* ------------------------------------------------------------------------ */
/* Layout checks, compiled on both sides                                    */
/* ------------------------------------------------------------------------ */

HPCAP_STATIC_ASSERT(sizeof(struct hpcap_raw_hdr) == HPCAP_RAW_HDR_LEN,
		    "RAW header is 12 packed bytes");
HPCAP_STATIC_ASSERT(offsetof(struct hpcap_raw_hdr, nsec) == 4, "nsec at 4");
HPCAP_STATIC_ASSERT(offsetof(struct hpcap_raw_hdr, caplen) == 8,
		    "caplen at 8");
HPCAP_STATIC_ASSERT(offsetof(struct hpcap_raw_hdr, len) == 10, "len at 10");
HPCAP_STATIC_ASSERT(HPCAP_MAX_CAPLEN + 2 * HPCAP_RAW_HDR_LEN - 1 -
		    HPCAP_RAW_HDR_LEN <= 0xffff,
		    "a closing padding always fits its 16-bit length");
HPCAP_STATIC_ASSERT(HPCAP_BLOCK_SIZE % HPCAP_FILE_SIZE_ALIGN == 0,
		    "blocks are whole O_DIRECT units");
HPCAP_STATIC_ASSERT(sizeof(struct hpcap_ring_info) == 128,
		    "ring info is 128 bytes");
HPCAP_STATIC_ASSERT(offsetof(struct hpcap_ring_info, write_pos) == 40,
		    "write_pos at 40");
HPCAP_STATIC_ASSERT(offsetof(struct hpcap_ring_info, tail_pos) == 48,
		    "tail_pos at 48");
HPCAP_STATIC_ASSERT(sizeof(struct hpcap_ack_wait) == 64,
		    "ack_wait is 64 bytes");
HPCAP_STATIC_ASSERT(sizeof(struct hpcap_queue_stats) == 128,
		    "queue stats are 128 bytes");
HPCAP_STATIC_ASSERT(offsetof(struct hpcap_queue_stats, listeners) == 80,
		    "listeners at 80");
HPCAP_STATIC_ASSERT(offsetof(struct hpcap_queue_stats, wakeups) == 88,
		    "wakeups at 88");
HPCAP_STATIC_ASSERT(sizeof(struct hpcap_listener_stats) == 72,
		    "listener stats are 72 bytes");
HPCAP_STATIC_ASSERT(sizeof(struct hpcap_attach) == 32, "attach is 32 bytes");

#endif /* HPCAP_H */
