// SPDX-License-Identifier: GPL-2.0
/*
 * hpcap_queue.c - life of a capture queue: buffer, ring, device node.
 *
 * A queue is referenced by its adapter and by every open file; the adapter
 * may go away (interface unplugged, detach) while files are open: the queue
 * is then marked dead, its node removed, its listeners woken to drain what
 * is left, and its memory freed when the last file closes.
 */
#include <linux/device.h>
#include <linux/slab.h>

#include "hpcap_priv.h"

/* Queues by minor number; hpcap_mutex protects it. */
static struct hpcap_queue *hpcap_minor_table[HPCAP_MINORS];

static void hpcap_queue_release(struct kref *ref)
{
	struct hpcap_queue *q = container_of(ref, struct hpcap_queue, ref);

	hpcap_buf_free(&q->buf);
	if (q->info_page)
		put_page(q->info_page);
	kfree(q);
}

void hpcap_queue_put(struct hpcap_queue *q)
{
	kref_put(&q->ref, hpcap_queue_release);
}

static unsigned int hpcap_minor(u32 adapter, u32 index)
{
	return adapter * HPCAP_MAX_QUEUES + index;
}

/* Called with hpcap_mutex held. */
struct hpcap_queue *hpcap_queue_create(struct hpcap_adapter *ad, u32 index,
				       u64 buf_size, u64 file_size, bool huge,
				       int node)
{
	unsigned int minor = hpcap_minor(ad->id, index);
	struct hpcap_queue *q;
	int err;

	q = kzalloc(sizeof(*q), GFP_KERNEL);
	if (!q)
		return ERR_PTR(-ENOMEM);
	kref_init(&q->ref);
	spin_lock_init(&q->lock);
	init_waitqueue_head(&q->wq);
	q->ad = ad;
	q->adapter_id = ad->id;
	q->index = index;
	/* On the NIC's node: its DMA and its poll threads are there. */
	err = hpcap_buf_alloc(&q->buf, buf_size, node, huge);
	if (err)
		goto fail;
	q->info_page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	err = -ENOMEM;
	if (!q->info_page)
		goto fail;
	err = hpcap_ring_init(&q->ring, q->buf.data, buf_size, file_size,
			      page_address(q->info_page), ad->id, index);
	if (err)
		goto fail;
	q->ring.info->info_size = PAGE_SIZE;	/* the buffer's mmap offset */
	q->dev = device_create_with_groups(&hpcap_class, NULL,
					   MKDEV(MAJOR(hpcap_devt), minor), q,
					   hpcap_queue_groups, "hpcap_%u_%u",
					   ad->id, index);
	if (IS_ERR(q->dev)) {
		err = PTR_ERR(q->dev);
		goto fail;
	}
	hpcap_minor_table[minor] = q;
	return q;
fail:
	hpcap_queue_put(q);
	return ERR_PTR(err);
}

/* Called with hpcap_mutex held, after the source stopped producing. */
void hpcap_queue_kill(struct hpcap_queue *q)
{
	unsigned int minor = hpcap_minor(q->adapter_id, q->index);

	hpcap_minor_table[minor] = NULL;
	device_destroy(&hpcap_class, MKDEV(MAJOR(hpcap_devt), minor));
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
	mutex_lock(&hpcap_mutex);
	q = hpcap_minor_table[minor];
	if (q && !q->dead)
		kref_get(&q->ref);
	else
		q = NULL;
	mutex_unlock(&hpcap_mutex);
	return q;
}
