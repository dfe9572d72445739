// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * shmring_ring.c - driver/hpcap_ring.c, compiled into libhpcap for the
 * userspace producer (pcap2hpcap) and its listeners, under the names of
 * shmring_ring.h.  The code is the module's, byte for byte: replay and
 * live capture frame the stream and account for listeners identically.
 */
#include "shmring_ring.h"
#include "../driver/hpcap_ring.c"
