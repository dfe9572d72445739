/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hpcap_priv.h - structures and functions shared inside the module.
 *
 * An adapter (hpcap_adapter.h) owns one queue per RX queue, and each
 * queue owns a capture buffer, the ring state that frames it, and the
 * character device /dev/hpcap_<adapter>_<q>.
 */
#ifndef HPCAP_PRIV_H
#define HPCAP_PRIV_H

#include <linux/cdev.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "hpcap.h"
#include "hpcap_ring.h"

/*
 * 64-bit kernels only: buffer sizes and stream positions are 64-bit and
 * the ring divides them (pos % size) as 64-bit kernels can, where a
 * 32-bit one would need div_u64 everywhere.  The module's own divisions
 * of 64-bit values use div_u64 already.
 */
#if BITS_PER_LONG != 64
#error "hpcap builds for 64-bit kernels only"
#endif

#define HPCAP_MAX_ADAPTERS	32
#define HPCAP_MAX_QUEUES	32
#define HPCAP_MINORS		(HPCAP_MAX_ADAPTERS * HPCAP_MAX_QUEUES)

/* ---- capture buffers (hpcap_buf.c) ---- */

/*
 * The memory behind one queue: an array of pages, mapped twice back to
 * back into kernel space (so a record that wraps is contiguous) and handed
 * to userspace page by page on fault.  How the pages are obtained is this
 * file's business alone (vmalloc-style pages today, hugepages later).
 */
struct hpcap_buf {
	u64 size;
	unsigned long npages;
	struct page **pages;
	u8 *data;		/* vmap of pages, twice */
	bool huge;		/* pages come in 2 MiB compound chunks */
};

int hpcap_buf_alloc(struct hpcap_buf *b, u64 size, int node, bool huge);
void hpcap_buf_free(struct hpcap_buf *b);

/* ---- queues (hpcap_queue.c) ---- */

struct hpcap_adapter;

struct hpcap_queue {
	struct hpcap_ring ring;		/* under lock */
	spinlock_t lock;		/* producer batches, listeners, acks */
	wait_queue_head_t wq;		/* listeners waiting for data */
	struct hpcap_buf buf;
	struct page *info_page;		/* struct hpcap_ring_info, mmap'ed */
	struct kref ref;		/* adapter + open files */
	struct hpcap_adapter *ad;	/* NULL once detached */
	struct device *dev;
	u32 adapter_id, index;
	bool dead;			/* detached: no new opens, drain */
};

extern struct class hpcap_class;
extern dev_t hpcap_devt;

int hpcap_queue_init(const struct attribute_group **class_groups,
		     const struct attribute_group **queue_groups);
void hpcap_queue_exit(void);
struct hpcap_queue *hpcap_queue_alloc(u64 buf_size, bool huge, int node);
int hpcap_queue_register(struct hpcap_queue *q, struct hpcap_adapter *ad,
			 u32 index, u64 file_size);
void hpcap_queue_kill(struct hpcap_queue *q);
void hpcap_queue_put(struct hpcap_queue *q);
struct hpcap_queue *hpcap_queue_get_minor(unsigned int minor);

/*
 * Producer side, for the capture sources: publish what was put (under the
 * lock) and say whether a listener waits for it; if so, call
 * hpcap_queue_wake() once the lock is dropped.
 */
static inline bool hpcap_queue_publish(struct hpcap_queue *q)
{
	/* Wait targets are the ring's (core/hpcap_ring.h): one-shot. */
	return hpcap_ring_publish(&q->ring) != 0;
}

static inline void hpcap_queue_wake(struct hpcap_queue *q)
{
	wake_up_interruptible_poll(&q->wq, EPOLLIN | EPOLLRDNORM);
}

/* ---- the module's parts, set up and torn down by hpcap_main.c ---- */

int hpcap_control_init(void);
void hpcap_control_exit(void);
int hpcap_control_attach(const char *req);
int hpcap_control_detach(const char *req);
int hpcap_generic_init(void);
void hpcap_generic_exit(void);
void hpcap_synth_init(void);
void hpcap_synth_exit(void);
int hpcap_native_init(void);
void hpcap_native_exit(void);

/* ---- character devices (hpcap_cdev.c) ---- */

int hpcap_cdev_init(void);
void hpcap_cdev_exit(void);

/* ---- sysfs (hpcap_sysfs.c) ---- */

extern const struct attribute_group *hpcap_queue_groups[];
extern const struct attribute_group *hpcap_class_groups[];

#endif /* HPCAP_PRIV_H */
