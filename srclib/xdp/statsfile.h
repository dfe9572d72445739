/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * statsfile.h - the counters of an AF_XDP capture, in files beside its
 * queues, for hpcap-status, the monitors and the Prometheus export:
 *
 *   <dir>/hpcap_<A>.port      the port: interface, mode, NIC losses
 *   <dir>/hpcap_<A>_<Q>.stats one queue: the module's queue counters
 *                             (same names as /sys/class/hpcap/hpcap_A_Q/
 *                             stats), XDP losses, timestamp sources
 *
 * One "name value" pair per line, written whole (temporary file, then
 * rename), so a reader never sees half a file.  doc/xdp.md lists every
 * name.
 */
#ifndef HPCAP_XDP_STATSFILE_H
#define HPCAP_XDP_STATSFILE_H

#include "feed.h"
#include "hxdp.h"

/* What the port file says beyond the port itself. */
struct hxdp_port_report {
	unsigned adapter;
	uint32_t caplen;	/* 0: whole frames */
	const char *state;	/* "running" or "stopped" */
	struct hxdp_nic_stats nic;	/* since the capture started */
};

/* What a queue file says beyond the queue's counters. */
struct hxdp_queue_report {
	unsigned adapter;
	int core;
	const char *state;
	const struct hxdp_feed_stats *feed;
	const struct xdp_statistics *xdp;
	uint64_t buf_size;	/* the hpcap buffer of the queue */
	uint64_t write_pos;	/* its producer's stream position */
};

int hxdp_write_port_file(const char *path, const struct hxdp_port *p,
			 const struct hxdp_port_report *r);
int hxdp_write_queue_file(const char *path, const struct hxdp_port *p,
			  const struct hxdp_queue *q,
			  const struct hxdp_queue_report *r);

/* Frames lost in XDP: rx_dropped + rx_ring_full + rx_invalid_descs (the
 * fill-ring-empty count is how often the kernel found no free chunk: in
 * copy mode each such frame is also in rx_dropped). */
uint64_t hxdp_xdp_lost(const struct xdp_statistics *s);

#endif /* HPCAP_XDP_STATSFILE_H */
