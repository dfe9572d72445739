/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * feed.h - the engine of hpcap-xdp: one thread per RX queue, pinned to its
 * core, that takes frames off the queue's AF_XDP socket, stamps them and
 * writes them into an hpcap queue through libhpcap's public producer API
 * (the module's ring rules), then gives the chunks back to the kernel.
 *
 * The thread owns the socket's rings and the producer handle; others read
 * its counters through hxdp_feed_read() (a snapshot it publishes about
 * ten times a second and when it stops).
 */
#ifndef HPCAP_XDP_FEED_H
#define HPCAP_XDP_FEED_H

#include "hxdp.h"
#include "libhpcap_live.h"

#include <pthread.h>
#include <stdint.h>

struct hxdp_feed_opts {
	uint32_t caplen;	/* bytes kept per frame; 0: all */
	int core;		/* CPU to pin the thread to; -1: none */
	int numa_node;		/* preferred memory node; -1: none */
	unsigned idle_spin_us;	/* spin this long on an empty ring before
				   sleeping in poll(); 0: 100 */
};

/* What the thread publishes. */
struct hxdp_feed_stats {
	struct hpcap_queue_stats q;	/* the producer's counters */
	uint64_t ts_nic;	/* frames stamped by the NIC */
	uint64_t ts_kernel;	/* by the kernel clock at XDP */
	uint64_t ts_user;	/* here, at dequeue (no metadata) */
	uint64_t ts_nic_rejected; /* NIC stamps more than 1 s from the
				     kernel clock: kernel clock used */
	uint64_t updated_ns;	/* CLOCK_REALTIME of the snapshot */
	int running;		/* 0 once the thread has ended */
	int failed;		/* the thread stopped on an error */
};

struct hxdp_feed {
	struct hxdp_queue *q;
	struct hpcap_producer *p;
	struct hxdp_feed_opts o;
	pthread_t thread;
	int started;
	int stop;		/* atomic: set by hxdp_feed_stop() */
	char err[256];		/* why the thread failed */
	/* the published snapshot, under a sequence count */
	uint32_t seq;
	struct hxdp_feed_stats pub;
	/* the thread's own */
	struct hxdp_feed_stats own;
};

/* A NIC stamp this far from the kernel clock is not UTC (a PHC in TAI,
 * or free-running): the kernel clock is used for that frame. */
#define HXDP_NIC_TS_SANE_NS (1000ull * 1000 * 1000)

/*
 * The stamp of one frame, ns since the epoch: the NIC's if the program
 * got one and it is within HXDP_NIC_TS_SANE_NS of the kernel's, else the
 * kernel's (the program's CLOCK_MONOTONIC plus off = CLOCK_REALTIME -
 * CLOCK_MONOTONIC), else, with no metadata (m NULL), dequeue_ns.  Counts
 * the source in *s.
 */
static inline uint64_t hxdp_pick_stamp(const struct hpcap_xdp_meta *m,
				       int64_t off, uint64_t dequeue_ns,
				       struct hxdp_feed_stats *s)
{
	uint64_t kern, d;

	if (!m) {
		s->ts_user++;
		return dequeue_ns;
	}
	kern = m->mono_ns + (uint64_t)off;
	if (m->flags & HPCAP_XDP_META_NIC_TS) {
		d = m->nic_ns > kern ? m->nic_ns - kern : kern - m->nic_ns;
		if (d < HXDP_NIC_TS_SANE_NS) {
			s->ts_nic++;
			return m->nic_ns;
		}
		s->ts_nic_rejected++;
	}
	s->ts_kernel++;
	return kern;
}

/* Start the thread.  0, or a negated errno (err filled). */
int hxdp_feed_start(struct hxdp_feed *f, struct hxdp_queue *q,
		    struct hpcap_producer *p, const struct hxdp_feed_opts *o);

/*
 * Ask the thread to end and wait for it.  Take the sockets out of the XDP
 * program's map first (hxdp_port_unplug()): the thread then empties its
 * RX ring before it ends, so every frame the socket took is counted.
 */
void hxdp_feed_stop(struct hxdp_feed *f);

/* The latest snapshot. */
void hxdp_feed_read(struct hxdp_feed *f, struct hxdp_feed_stats *s);

#endif /* HPCAP_XDP_FEED_H */
