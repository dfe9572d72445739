/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shm_map.h - what both sides of a shared-memory queue need from the
 * system: the mappings of a queue file (one per file per process, so a
 * producer thread and listener threads synchronise through the same
 * addresses, which ThreadSanitizer can then check), the layout check,
 * OFD liveness locks, futex sleeps and the socket's address.  Private to
 * libhpcap.
 */
#ifndef HPCAP_SHM_MAP_H
#define HPCAP_SHM_MAP_H

#include "queue/shm_layout.h"

#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

struct shm_map {
	struct shm_map *next;
	dev_t dev;
	ino_t ino;
	int refs;
	int prot;		/* PROT_READ, or PROT_READ | PROT_WRITE */
	uint8_t *head;		/* info page + control page */
	uint8_t *data;		/* the buffer, twice */
	uint64_t size;
};

/*
 * The mapping of fd's file (layout already checked), shared with every
 * other handle of this process on the same file if it allows prot.  NULL
 * with errno set.
 */
struct shm_map *shm_map_get(int fd, const struct stat *st, uint64_t size,
			    int prot);
void shm_map_put(struct shm_map *m);

static inline struct hpcap_ring_info *shm_map_info(const struct shm_map *m)
{
	return (struct hpcap_ring_info *)m->head;
}

static inline struct shm_ctl *shm_map_ctl(const struct shm_map *m)
{
	return (struct shm_ctl *)(m->head + SHM_CTL_OFF);
}

/*
 * A listener's cursor page (SHM_PAGE bytes of fd), mapped once per process
 * as the queue files are: a listener and its producer in one process then
 * use the same addresses.  NULL with errno set.
 */
void *shm_page_get(int fd, int prot);
void shm_page_put(const void *page);

/* Read and check the layout of an open queue file: 0, or -EPROTO with
 * errbuf set (what the file is and what to do). */
int shm_check_layout(int fd, const char *path, struct stat *st,
		     struct hpcap_ring_info *info, char *errbuf);

/* An OFD lock of one byte: F_RDLCK, F_WRLCK or F_UNLCK.  0 or -errno. */
int shm_byte_lock(int fd, off_t byte, short type);
/* Whether another open file description holds a lock on byte (a doubt
 * counts as held). */
int shm_byte_held(int fd, off_t byte);

uint64_t shm_now_ns(void);
/* Deadline in shm_now_ns() time for a timeout in ms (-1: never). */
uint64_t shm_deadline(int timeout_ms);
/* Sleep while *word == val, at most until deadline and at most slice_ms
 * (0: no slice).  0 when woken or the value differs, -ETIMEDOUT, -EINTR.
 * shared: the word is in memory other processes map. */
int shm_futex_wait(uint32_t *word, uint32_t val, uint64_t deadline,
		   unsigned slice_ms, int shared);
void shm_futex_wake(uint32_t *word, int shared);

/* Register this process for MEMBARRIER_CMD_GLOBAL_EXPEDITED: 0 or -errno. */
int shm_membarrier_register(void);
/* A full barrier on every CPU running a registered process: 0 or -errno. */
int shm_membarrier(void);

/*
 * The address of the socket beside queue path.  A path too long for
 * sun_path is reached through the directory: *dirfd is then an open
 * descriptor of it (close it after bind/connect), else -1.  0 or -errno.
 */
int shm_sock_addr(const char *path, struct sockaddr_un *a, socklen_t *len,
		  int *dirfd);

#endif
