// SPDX-License-Identifier: GPL-2.0
/*
 * hpcap_queue.c - life of a capture queue: buffer, ring, device node; the
 * device class and numbers the nodes live in.
 *
 * A queue is referenced by its adapter and by every open file; the adapter
 * may go away (interface unplugged, detach) while files are open: the queue
 * is then marked dead, its node removed, its listeners woken to drain what
 * is left, and its memory freed when the last file closes.
 */
#include <linux/device.h>
#include <linux/slab.h>

#include "hpcap_adapter.h"
#include "hpcap_compat.h"
#include "hpcap_fault.h"

dev_t hpcap_devt;

static char *hpcap_devnode(HPCAP_DEVNODE_CONST struct device *dev,
			   umode_t *mode)
{
	/* Owner root, group set by a udev rule; nobody else. */
	if (mode)
		*mode = 0660;
	return NULL;
}

/* /sys/class/hpcap: the queue devices, and the class files (attach,
 * detach, adapters) given at load. */
struct class hpcap_class = {
	.name = "hpcap",
	HPCAP_CLASS_OWNER
	.devnode = hpcap_devnode,
};

/* The files of each queue device. */
static const struct attribute_group **hpcap_queue_attr_groups;

/* Queues by minor number, for open(). */
static DEFINE_MUTEX(hpcap_minor_lock);
static struct hpcap_queue *hpcap_minor_table[HPCAP_MINORS];

static void hpcap_queue_release(struct kref *ref)
{
	struct hpcap_queue *q = container_of(ref, struct hpcap_queue, ref);

	hpcap_buf_free(&q->buf);
	if (q->info_page)
		hpcap_put_page(q->info_page);
	hpcap_kfree(q);
}

void hpcap_queue_put(struct hpcap_queue *q)
{
	kref_put(&q->ref, hpcap_queue_release);
}

static unsigned int hpcap_minor(u32 adapter, u32 index)
{
	return adapter * HPCAP_MAX_QUEUES + index;
}

/*
 * A queue's memory, on the given NUMA node (the NIC's: its DMA and its
 * poll threads are there).  No lock needed: this can take long.
 */
struct hpcap_queue *hpcap_queue_alloc(u64 buf_size, bool huge, int node)
{
	struct hpcap_queue *q;
	int err;

	q = hpcap_kzalloc(sizeof(*q), GFP_KERNEL);
	if (!q)
		return ERR_PTR(-ENOMEM);
	kref_init(&q->ref);
	spin_lock_init(&q->lock);
	init_waitqueue_head(&q->wq);
	err = hpcap_buf_alloc(&q->buf, buf_size, node, huge);
	if (err)
		goto fail;
	q->info_page = hpcap_alloc_pages_node(NUMA_NO_NODE,
					      GFP_KERNEL | __GFP_ZERO, 0);
	err = -ENOMEM;
	if (!q->info_page)
		goto fail;
	return q;
fail:
	hpcap_queue_put(q);
	return ERR_PTR(err);
}

/*
 * Queue index of adapter ad: frame the stream, create the device node.
 * Called with hpcap_mutex held.  On failure the caller still holds q.
 */
int hpcap_queue_register(struct hpcap_queue *q, struct hpcap_adapter *ad,
			 u32 index, u64 file_size)
{
	unsigned int minor = hpcap_minor(ad->id, index);
	int err;

	q->ad = ad;
	q->adapter_id = ad->id;
	q->index = index;
	err = hpcap_ring_init(&q->ring, q->buf.data, q->buf.size, file_size,
			      page_address(q->info_page), ad->id, index);
	if (err)
		return err;
	q->ring.info->info_size = PAGE_SIZE;	/* the buffer's mmap offset */
	q->dev = hpcap_device_create_with_groups(&hpcap_class, NULL,
						 MKDEV(MAJOR(hpcap_devt), minor),
						 q, hpcap_queue_attr_groups,
						 "hpcap_%u_%u", ad->id, index);
	if (IS_ERR(q->dev)) {
		err = PTR_ERR(q->dev);
		q->dev = NULL;
		return err;
	}
	mutex_lock(&hpcap_minor_lock);
	hpcap_minor_table[minor] = q;
	mutex_unlock(&hpcap_minor_lock);
	return 0;
}

/* Called with hpcap_mutex held, after the source stopped producing. */
void hpcap_queue_kill(struct hpcap_queue *q)
{
	unsigned int minor = hpcap_minor(q->adapter_id, q->index);

	mutex_lock(&hpcap_minor_lock);
	hpcap_minor_table[minor] = NULL;
	mutex_unlock(&hpcap_minor_lock);
	hpcap_device_destroy(&hpcap_class, MKDEV(MAJOR(hpcap_devt), minor));
	spin_lock_bh(&q->lock);
	q->dead = true;
	q->ad = NULL;
	spin_unlock_bh(&q->lock);
	wake_up_interruptible_all(&q->wq);
	hpcap_queue_put(q);
}

/* A reference to the live queue behind a minor, or NULL. */
struct hpcap_queue *hpcap_queue_get_minor(unsigned int minor)
{
	struct hpcap_queue *q = NULL;

	if (minor >= HPCAP_MINORS)
		return NULL;
	mutex_lock(&hpcap_minor_lock);
	q = hpcap_minor_table[minor];
	if (q && !q->dead)
		kref_get(&q->ref);
	else
		q = NULL;
	mutex_unlock(&hpcap_minor_lock);
	return q;
}

/* The device numbers and the class, with their sysfs files, at load. */
int hpcap_queue_init(const struct attribute_group **class_groups,
		     const struct attribute_group **queue_groups)
{
	int err = alloc_chrdev_region(&hpcap_devt, 0, HPCAP_MINORS, "hpcap");

	if (err)
		return err;
	hpcap_class.class_groups = class_groups;
	hpcap_queue_attr_groups = queue_groups;
	err = class_register(&hpcap_class);
	if (err)
		unregister_chrdev_region(hpcap_devt, HPCAP_MINORS);
	return err;
}

void hpcap_queue_exit(void)
{
	class_unregister(&hpcap_class);
	unregister_chrdev_region(hpcap_devt, HPCAP_MINORS);
}
