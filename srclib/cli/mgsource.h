/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mgsource.h - how the libmgmon tools open what they read: RAW files
 * (--raw), a queue file (--path), or the live queue <adapter> <queue>,
 * with SIGINT and SIGTERM stopping the loop and the reader pinned to
 * --cpu.  mgsource_open() for the handle API (hpcap2pcap, seqgap),
 * mgsource_loop() for the per-frame loops (microburst, hpcap-flows).
 * Tool-side: prints what went wrong.
 */
#ifndef HPCAP_MGSOURCE_H
#define HPCAP_MGSOURCE_H

#include "libmgmon.h"

struct mgsource {
	int raw;		/* the operands are RAW files or directories */
	const char *path;	/* a queue file (NULL: <adapter> <queue>) */
	int lossy;		/* live: a lossy listener */
	int cpu;		/* pin to this CPU (-1: no) */
};

/*
 * SIGINT and SIGTERM end mgmon's loops and waits (mgmon_break()); pin to
 * s->cpu; open the source the operands argv[first..argc) name (the tool
 * has checked their number).  NULL after printing why.
 */
struct mgmon *mgsource_open(const struct mgsource *s, int argc, char **argv,
			    int first);

/*
 * The same source through libmgmon's frame loops: handler(payload, hdr,
 * arg) per frame until the files end or a signal stops it (s->path is
 * not taken by the loops: the tool refuses it).  The loop's status (< 0
 * after printing mgmon_loop_error()).
 */
int mgsource_loop(const struct mgsource *s, int argc, char **argv, int first,
		  mgmon_packet_handler handler, void *arg);

/* The signal that stopped the loop (SIGINT, SIGTERM), or 0. */
int mgsource_stop_signal(void);

#endif
