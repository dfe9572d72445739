/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * qstats_text.h - a queue's counters as the module's sysfs shows them
 * (hpcap_sysfs.c's stats file, plus its buf_size and write_pos), for the
 * counter files userspace producers keep beside their shared-memory
 * queues (pcap2hpcap, hpcap-xdp): the ops scripts read both the same way.
 */
#ifndef HPCAP_QSTATS_TEXT_H
#define HPCAP_QSTATS_TEXT_H

#include <stdint.h>
#include <stdio.h>

#include "hpcap.h"

/* "name value" lines, the module's names in its order. */
void qstats_write_text(FILE *f, const struct hpcap_queue_stats *s,
		       uint64_t buf_size, uint64_t write_pos);

#endif
