// SPDX-License-Identifier: BSD-3-Clause
/*
 * dblmap.c - see dblmap.h.  Reserve 2 * size of address space, then map
 * the same file range over each half with MAP_FIXED.
 */
#define _GNU_SOURCE
#include "queue/dblmap.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

uint8_t *hpcap_dblmap(int fd, uint64_t offset, uint64_t size, int prot)
{
	uint8_t *base, *a, *b;
	int err;

	base = mmap(NULL, 2 * size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	a = mmap(base, size, prot, MAP_SHARED | MAP_FIXED, fd, (off_t)offset);
	b = a == MAP_FAILED ? MAP_FAILED
			    : mmap(base + size, size, prot, MAP_SHARED | MAP_FIXED,
				   fd, (off_t)offset);
	if (b == MAP_FAILED) {
		err = errno;
		munmap(base, 2 * size);
		errno = err;
		return NULL;
	}
	return base;
}

uint8_t *hpcap_dblmap_anon(uint64_t size)
{
	int fd = memfd_create("hpcap-ring", MFD_CLOEXEC), err;
	uint8_t *p;

	if (fd < 0)
		return NULL;
	if (ftruncate(fd, (off_t)size) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return NULL;
	}
	p = hpcap_dblmap(fd, 0, size, PROT_READ | PROT_WRITE);
	err = errno;
	close(fd);	/* the mappings keep the memory */
	errno = err;
	return p;
}

void hpcap_dblunmap(uint8_t *base, uint64_t size)
{
	if (base)
		munmap(base, 2 * size);
}
