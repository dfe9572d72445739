// SPDX-License-Identifier: BSD-3-Clause
/*
 * qstats_text.c - see qstats_text.h.
 */
#include "qstats_text.h"

void qstats_write_text(FILE *f, const struct hpcap_queue_stats *s,
		       uint64_t buf_size, uint64_t write_pos)
{
	fprintf(f, "rx_frames %llu\nrx_bytes %llu\ncaptured_frames %llu\n"
		"captured_bytes %llu\nclient_lost_frames %llu\n"
		"client_lost_bytes %llu\nnoclient_frames %llu\n"
		"noclient_bytes %llu\ndup_frames %llu\n"
		"oversize_frames %llu\nlisteners %u\n"
		"buf_size %llu\nwrite_pos %llu\n",
		(unsigned long long)s->rx_frames,
		(unsigned long long)s->rx_bytes,
		(unsigned long long)s->captured_frames,
		(unsigned long long)s->captured_bytes,
		(unsigned long long)s->client_lost_frames,
		(unsigned long long)s->client_lost_bytes,
		(unsigned long long)s->noclient_frames,
		(unsigned long long)s->noclient_bytes,
		(unsigned long long)s->dup_frames,
		(unsigned long long)s->oversize_frames, s->listeners,
		(unsigned long long)buf_size, (unsigned long long)write_pos);
}
