/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dblmap.h - a buffer mapped twice back to back in userspace (a record
 * that wraps the end is still contiguous), the same layout the module
 * gives its capture buffers.  Private to libhpcap and its tests.
 */
#ifndef HPCAP_DBLMAP_H
#define HPCAP_DBLMAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Map fd's [offset, offset + size) twice, consecutively; size and offset
 * page multiples.  prot as for mmap.  Returns the base or NULL (errno).
 */
uint8_t *hpcap_dblmap(int fd, uint64_t offset, uint64_t size, int prot);

/* An anonymous (memfd) double-mapped buffer of size bytes, zeroed. */
uint8_t *hpcap_dblmap_anon(uint64_t size);

void hpcap_dblunmap(uint8_t *base, uint64_t size);

#endif
