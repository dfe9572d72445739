/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hpcap_priv.h - structures and functions shared inside the module.
 *
 * An adapter is one captured interface (a netdev tapped by the generic
 * source, a synthetic generator, or later a NIC driven natively); it owns
 * one queue per RX queue, and each queue owns a capture buffer, the ring
 * state that frames it, and the character device /dev/hpcap_<adapter>_<q>.
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

struct hpcap_queue *hpcap_queue_create(struct hpcap_adapter *ad, u32 index,
				       u64 buf_size, u64 file_size, bool huge,
				       int node);
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

/* ---- adapters (hpcap_main.c) ---- */

enum hpcap_source {
	HPCAP_SRC_GENERIC,
	HPCAP_SRC_SYNTH,
	HPCAP_SRC_NATIVE,
};

struct hpcap_adapter {
	u32 id;
	enum hpcap_source kind;
	char name[IFNAMSIZ];
	u32 nqueues;
	u32 caplen;			/* READ_ONCE: changeable at runtime */
	struct hpcap_queue *q[HPCAP_MAX_QUEUES];

	/* generic source */
	struct net_device *netdev;
	u32 gen_mode;			/* HPCAP_ATTACH_MIRROR / _DROP */
	netdev_features_t gro_was_on;	/* GRO features to give back */

	/* native driver */
	void *nic;			/* struct hpcap_nic */

	/* synthetic source */
	struct task_struct *synth_task;
	u8 *synth_tmpl;			/* frame contents, allocated at start */
	u32 synth_sizes[8];
	u32 synth_nsizes;
	u64 synth_rate;			/* frames/s, 0 = as fast as possible */
	u64 synth_count;		/* frames to make, 0 = until detached */
};

extern struct mutex hpcap_mutex;
extern struct class hpcap_class;
extern dev_t hpcap_devt;
extern unsigned long hpcap_default_buf_size;
extern unsigned long hpcap_default_file_size;

struct hpcap_adapter *hpcap_adapter_new(int want_id, enum hpcap_source kind,
					const char *name, u32 nqueues,
					u64 buf_size, u64 file_size,
					u32 caplen, bool huge, int node);
int hpcap_adapter_free_id(void);
void hpcap_adapter_free(struct hpcap_adapter *ad);
struct hpcap_adapter *hpcap_adapter_find(const char *name);
struct hpcap_adapter *hpcap_adapter_by_id(u32 id);
const char *hpcap_source_name(const struct hpcap_adapter *ad);
const char *hpcap_adapter_strerror(int err);

/* ---- attach/detach requests (hpcap_control.c) ---- */

int hpcap_control_attach(const char *req);
int hpcap_control_detach(const char *req);
int hpcap_detach_adapter(struct hpcap_adapter *ad);
int hpcap_control_init(void);
void hpcap_control_exit(void);

/* ---- generic source (hpcap_generic.c) ---- */

int hpcap_generic_attach(const char *ifname, u32 mode, u32 caplen,
			 u64 buf_size, u64 file_size, u32 max_queues,
			 int want_id, u32 *id);
void hpcap_generic_detach(struct hpcap_adapter *ad);
int hpcap_generic_init(void);
void hpcap_generic_exit(void);

/* ---- synthetic source (hpcap_synth.c) ---- */

int hpcap_synth_start(struct hpcap_adapter *ad);
void hpcap_synth_stop(struct hpcap_adapter *ad);

/* ---- native driver (hpcap_native.c) ---- */

int hpcap_native_init(void);
void hpcap_native_exit(void);
int hpcap_native_set_dup(struct hpcap_adapter *ad, bool on);
bool hpcap_native_get_dup(struct hpcap_adapter *ad);

/* ---- character devices (hpcap_cdev.c) ---- */

int hpcap_cdev_init(void);
void hpcap_cdev_exit(void);

/* ---- sysfs (hpcap_sysfs.c) ---- */

extern const struct attribute_group *hpcap_queue_groups[];
extern const struct attribute_group *hpcap_class_groups[];

#endif /* HPCAP_PRIV_H */
