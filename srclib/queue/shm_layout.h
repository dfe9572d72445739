/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shm_layout.h - what a shared-memory queue's producer and its listeners
 * share, and who may write what.  Private to libhpcap.
 *
 * The producer keeps the ring state (core/hpcap_ring.c: positions,
 * listener cursors, loss counters, wait targets) in its own memory; no
 * listener can touch it.  What listeners see:
 *
 *   the queue file (mode without write bits; listeners open it read-only)
 *     [0, 4096)          struct hpcap_ring_info, as the module's page 0
 *     [4096, 8192)       struct shm_ctl: layout checks, state, the tail
 *     [8192, +buf_size)  the buffer, mapped twice back to back
 *   the socket <queue>.sock (SOCK_SEQPACKET), one connection per listener:
 *     the listener says hello with its cursor page (a sealed memfd), the
 *     producer answers with its slot and start position, wakes it with a
 *     message when its wait target is reached, answers counter requests,
 *     and sees it go when the connection closes (killed or not)
 *   the cursor page, one per listener, written by that listener alone and
 *     read (mapped read-only) by the producer, which checks every value:
 *     where it acknowledged up to, and what it waits for
 *
 * The producer holds an OFD lock on byte 0 of the queue file while it
 * lives, so that a stale file is recognised.
 */
#ifndef HPCAP_SHM_LAYOUT_H
#define HPCAP_SHM_LAYOUT_H

#include "hpcap_ring.h"

#include <stdint.h>

#define SHM_MAGIC	0x48505348u	/* "HPSH" */
#define SHM_VERSION	2u
#define SHM_PAGE	4096u
#define SHM_CTL_OFF	4096u		/* after the info page */
#define SHM_INFO_SIZE	8192u		/* the buffer's offset */
#define SHM_LOCK_PRODUCER 0		/* OFD lock byte */
#define SHM_SOCK_SUFFIX	".sock"

enum shm_state { SHM_READY = 1, SHM_GONE = 2 };

/*
 * A listener arms a target (stores it) and then reads write_pos; the
 * producer publishes write_pos and then reads the targets: each side
 * needs a full barrier between its store and its load, or both may miss
 * the other.  A barrier per publication makes the producer wait for every
 * byte it just copied to leave its store buffer, so when the kernel
 * offers it the producer registers for membarrier(2) and the listener,
 * which arms only before it sleeps, pays for both with
 * MEMBARRIER_CMD_GLOBAL_EXPEDITED.
 */
enum shm_sync {
	SHM_SYNC_FENCE = 0,	/* both sides fence */
	SHM_SYNC_MEMBARRIER = 1,	/* the listener calls membarrier() */
};

/* Page 1 of the queue file: the producer's, read-only to listeners. */
struct shm_ctl {
	uint32_t magic;
	uint32_t version;
	uint32_t ctl_size;	/* sizeof(struct shm_ctl) */
	uint32_t cursor_size;	/* sizeof(struct shm_cursor) */
	uint32_t msg_size;	/* sizeof(struct shm_msg) */
	uint32_t flags;		/* HPCAP_PRODUCER_* */
	int32_t producer_pid;	/* for messages */
	uint32_t state;		/* enum shm_state; set after the last publish */
	/* The producer sleeps on this slot's ack_seq (slot + 1; 0: none):
	 * that listener wakes it after an ack. */
	uint32_t waiting_for;
	uint32_t sync;		/* enum shm_sync: how a listener's arm pairs
				 * with the producer's publication */
	/* Where lossy listeners resume, and the frames before it. */
	struct hpcap_ring_tail tail __attribute__((aligned(64)));
};

/* A listener's cursor page (a sealed memfd it passes to the producer). */
struct shm_cursor {
	uint64_t ack_pos;	/* acknowledged up to this stream position */
	uint32_t ack_seq;	/* bumped after each ack (a futex word) */
	uint32_t pad0;
	/* Its own cache line: written when the listener is about to wait. */
	uint64_t wait_target __attribute__((aligned(64)));
	uint32_t wait_seq;	/* bumped after wait_target is set */
	uint32_t pad1;
};

enum shm_op {
	SHM_OP_HELLO = 1,	/* listener -> producer, with the cursor fd */
	SHM_OP_STATS = 2,	/* listener -> producer; answer with stats */
	SHM_OP_WAKE = 3,	/* producer -> listener: a target was reached */
};

/* Every message, both ways (SOCK_SEQPACKET keeps them whole). */
struct shm_msg {
	uint32_t magic;		/* SHM_MAGIC */
	uint16_t version;	/* SHM_VERSION */
	uint16_t op;		/* enum shm_op */
	int32_t status;		/* answers: 0 or a negated errno */
	uint32_t mode;		/* hello: HPCAP_MODE_* */
	uint32_t idx;		/* hello answer: the slot, its id */
	uint32_t id;
	uint64_t start_pos;	/* hello answer: where it starts reading, */
	uint64_t start_frames;	/* the frames before that position, */
	uint64_t dev, ino;	/* and the queue file the producer writes */
	struct hpcap_queue_stats stats;	/* stats answer */
};

HPCAP_STATIC_ASSERT(sizeof(struct shm_ctl) <= SHM_PAGE,
		    "the control page holds struct shm_ctl");
HPCAP_STATIC_ASSERT(sizeof(struct shm_cursor) <= SHM_PAGE,
		    "a cursor is one page");
HPCAP_STATIC_ASSERT(SHM_CTL_OFF + SHM_PAGE == SHM_INFO_SIZE,
		    "the buffer follows the control page");

#endif
