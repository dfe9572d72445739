// SPDX-License-Identifier: BSD-3-Clause
/*
 * split.c - when a capture file ends: at the end of its time period (the
 * periods are aligned to the epoch, so 60 s files start on the minute),
 * or when the caller says the next frame would make it too big.  Pure
 * state, no I/O: hpcapdd's block copier and the per-frame pipeline share
 * it, and it is unit-tested on its own.
 */
#define _GNU_SOURCE
#include "libhpcap_pipeline.h"

#include <string.h>

void hpcap_split_init(struct hpcap_split *s, uint64_t period_ns)
{
	memset(s, 0, sizeof(*s));
	s->period_ns = period_ns;
}

static void set_period(struct hpcap_split *s, uint64_t ts)
{
	if (!s->period_ns) {
		s->start_ns = 0;
		s->end_ns = UINT64_MAX;
		return;
	}
	s->start_ns = ts - ts % s->period_ns;
	s->end_ns = s->start_ns + s->period_ns;
}

int hpcap_split_frame(struct hpcap_split *s, uint64_t ts, int too_big)
{
	if (!s->open) {
		s->open = 1;
		/* Never a period before the last file's: a frame stamped
		 * earlier than that goes into a new file of the same period
		 * (named after it), so files stay in capture order. */
		if (!s->period_ns || !s->end_ns || ts >= s->start_ns)
			set_period(s, ts);
		return 0;
	}
	if (ts >= s->end_ns) {
		set_period(s, ts);
		return HPCAP_CLOSE_TIME;
	}
	return too_big ? HPCAP_CLOSE_SIZE : 0;
}

void hpcap_split_closed(struct hpcap_split *s)
{
	s->open = 0;
}

int hpcap_split_idle(const struct hpcap_split *s, uint64_t now_ns,
		     uint64_t grace_ns)
{
	return s->open && s->period_ns && now_ns >= s->end_ns &&
	       now_ns - s->end_ns >= grace_ns;
}
