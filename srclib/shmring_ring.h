/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shmring_ring.h - the module's producer routine and listener cursors
 * (driver/hpcap_ring.[ch], used unchanged) as libhpcap's shared-memory
 * queues see them.  Private to libhpcap.
 *
 * The functions are renamed on the way in: tests and tools may link
 * driver/hpcap_ring.c themselves beside libhpcap (test_ring.c, the TSan
 * build of every threaded test), and two definitions of hpcap_ring_put()
 * would collide; the shmring_* names are also kept out of libhpcap.so's
 * exports, which are hpcap_* only.
 */
#ifndef HPCAP_SHMRING_RING_H
#define HPCAP_SHMRING_RING_H

#define hpcap_ring_init			shmring_ring_init
#define hpcap_ring_put			shmring_ring_put
#define hpcap_ring_listener_add		shmring_ring_listener_add
#define hpcap_ring_listener_del		shmring_ring_listener_del
#define hpcap_ring_listener_set_mode	shmring_ring_listener_set_mode
#define hpcap_ring_ack			shmring_ring_ack
#define hpcap_ring_listener_stats	shmring_ring_listener_stats
#define hpcap_ring_queue_stats		shmring_ring_queue_stats

#include "../driver/hpcap_ring.h"

#endif /* HPCAP_SHMRING_RING_H */
