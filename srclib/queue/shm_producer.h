/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shm_producer.h - the producer of a shared-memory queue, private parts
 * shared by shm_producer.c (the public API: frames in, waits) and
 * shm_service.c (the thread that lets listeners in and out).  Private to
 * libhpcap.
 */
#ifndef HPCAP_SHM_PRODUCER_H
#define HPCAP_SHM_PRODUCER_H

#include "libhpcap_live.h"
#include "queue/shm_map.h"

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>

/* A listener as the producer knows it.  Under p->lock. */
struct shm_slot {
	int sock;			/* -1: free */
	const struct shm_cursor *cur;	/* its page, mapped read-only */
	uint32_t wait_seen;		/* wait_seq last taken in */
	int32_t pid;			/* for messages */
};

struct hpcap_producer {
	int fd;
	struct shm_map *map;
	struct shm_ctl *ctl;
	struct hpcap_ring_info *info;
	/*
	 * The ring is this process's alone: positions, cursors as the
	 * listeners acknowledged them (checked), wait targets.  lock covers
	 * it and the slots: the producer takes it for a batch of frames
	 * (hpcap_producer_reserve() to _commit()), the service thread to
	 * let a listener in or out.
	 */
	struct hpcap_ring ring;
	pthread_mutex_t lock;
	bool in_batch;
	/* What the producer wrote into the shared control page, kept here:
	 * it never reads back what others can write. */
	bool closing;			/* state is SHM_GONE */
	uint32_t waiting_for;		/* ctl->waiting_for */
	bool membarrier;		/* ctl->sync is SHM_SYNC_MEMBARRIER */
	struct shm_slot slot[HPCAP_MAX_LISTENERS];
	uint32_t slots;			/* bit i: slot i is a listener */
	uint32_t events;		/* futex: a listener came or went */
	unsigned flags;
	uint64_t cut_frames;
	/* The service thread. */
	int lsock;			/* listening socket */
	int stop[2];			/* a pipe: stop the thread */
	pthread_t thread;
	bool thread_started;
	dev_t dev, sock_dev;
	ino_t ino, sock_ino;
	char path[PATH_MAX];
	char sock_path[PATH_MAX];
	char err[HPCAP_ERRBUF_SIZE];
};

int shm_service_start(struct hpcap_producer *p);
void shm_service_stop(struct hpcap_producer *p);

/* Take in what the listeners acknowledged (lossless ones: they are what
 * room depends on).  Under lock. */
void shm_pull_acks(struct hpcap_producer *p);

#endif
