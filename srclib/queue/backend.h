/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * backend.h - the two kinds of live queue behind libhpcap_live.h, as a
 * small table of operations (libpcap's read_op/stats_op pattern): a
 * character device of the module (cdev.c) and a shared-memory queue made
 * by a userspace producer (shm_listener.c).  live.c opens one of them and
 * never asks which.  Private to libhpcap.
 */
#ifndef HPCAP_QUEUE_BACKEND_H
#define HPCAP_QUEUE_BACKEND_H

#include "libhpcap_live.h"

struct queue_ops {
	/* Says why a queue ended, for messages ("interface detached"). */
	const char *gone_why;
	/*
	 * HPCAP_IOC_ACK_WAIT's contract: 0 (the ack is applied, *aw filled)
	 * or a negated errno.  ack_frames: frames in the acknowledged
	 * bytes, for a backend that counts a lossy listener's losses by
	 * frame index (the module counts them itself and ignores it).
	 * lost_frames out: the frames the queue skipped at a resync, in
	 * [read_pos - lost_bytes, read_pos).
	 */
	int (*ack_wait)(void *q, struct hpcap_ack_wait *aw,
			uint64_t ack_frames);
	int (*queue_stats)(void *q, struct hpcap_queue_stats *s);
	int (*listener_stats)(void *q, struct hpcap_listener_stats *s);
	void (*close)(void *q);
};

/* What opening a queue hands to live.c. */
struct queue_open {
	const struct queue_ops *ops;
	void *q;
	int fd;					/* hpcap_fd() */
	const struct hpcap_ring_info *info;
	const uint8_t *data;			/* the buffer, mapped twice */
};

/* Open path as a listener (flags: HPCAP_OPEN_*); message in errbuf. */
int cdev_queue_open(struct queue_open *o, const char *path, unsigned flags,
		    char *errbuf);
int shm_queue_open(struct queue_open *o, const char *path, unsigned flags,
		   char *errbuf);

#endif
