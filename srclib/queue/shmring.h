/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shmring.h - the listener side of a shared-memory queue, for live.c:
 * what the module's character device does (open = a listener slot, the
 * ACK_WAIT ioctl, the counters), done in userspace on a file made by a
 * struct hpcap_producer.  Private to libhpcap.
 *
 * File layout (all offsets page multiples):
 *   [0, 4096)                 struct hpcap_ring_info, as the module's page 0
 *   [4096, info_size)         struct shm_ctl (shmring.c): a process-shared
 *                             robust mutex, the ring state of the module's
 *                             producer routine (listener cursors included),
 *                             wait targets and futex words
 *   [info_size, +buf_size)    the buffer; every process maps it twice back
 *                             to back, like the module's mapping
 * Advisory OFD locks on the file mark who is alive: the producer holds
 * byte 0, the listener in slot i holds byte 1 + i.
 */
#ifndef HPCAP_SHMRING_H
#define HPCAP_SHMRING_H

#include "libhpcap_live.h"

struct shmring_listener;

/* Open path as a listener (lossy or lossless); message in errbuf. */
int shmring_listener_open(struct shmring_listener **out, const char *path,
			  int lossy, char *errbuf);

const struct hpcap_ring_info *
shmring_listener_info(const struct shmring_listener *l);
const uint8_t *shmring_listener_data(const struct shmring_listener *l);
int shmring_listener_fd(const struct shmring_listener *l);

/* HPCAP_IOC_ACK_WAIT's contract: 0 (ack applied) or a negated errno. */
int shmring_listener_ack_wait(struct shmring_listener *l,
			      struct hpcap_ack_wait *aw);

int shmring_listener_queue_stats(struct shmring_listener *l,
				 struct hpcap_queue_stats *s);
int shmring_listener_stats(struct shmring_listener *l,
			   struct hpcap_listener_stats *s);

void shmring_listener_close(struct shmring_listener *l);

#endif /* HPCAP_SHMRING_H */
