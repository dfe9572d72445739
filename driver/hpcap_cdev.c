// SPDX-License-Identifier: GPL-2.0
/*
 * hpcap_cdev.c - /dev/hpcap_<adapter>_<queue>: every open() is a listener
 * with its own cursor; mmap gives the ring info page and the buffer
 * (twice), read-only; one ioctl acknowledges consumed bytes and waits for
 * more; poll() works too.
 */
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "hpcap_compat.h"
#include "hpcap_priv.h"

struct hpcap_file {
	struct hpcap_queue *q;
	int idx;		/* listener slot in q->ring */
};

static struct cdev hpcap_cdev;

static int hpcap_open(struct inode *inode, struct file *file)
{
	struct hpcap_queue *q = hpcap_queue_get_minor(iminor(inode));
	struct hpcap_file *f;
	int idx;

	if (!q)
		return -ENODEV;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f) {
		hpcap_queue_put(q);
		return -ENOMEM;
	}
	spin_lock_bh(&q->lock);
	idx = q->dead ? -ENODEV
		      : hpcap_ring_listener_add(&q->ring, HPCAP_MODE_LOSSLESS);
	spin_unlock_bh(&q->lock);
	if (idx < 0) {
		kfree(f);
		hpcap_queue_put(q);
		return idx;
	}
	f->q = q;
	f->idx = idx;
	file->private_data = f;
	return stream_open(inode, file);
}

static int hpcap_release(struct inode *inode, struct file *file)
{
	struct hpcap_file *f = file->private_data;
	struct hpcap_queue *q = f->q;

	spin_lock_bh(&q->lock);
	hpcap_ring_listener_del(&q->ring, f->idx);	/* disarms it too */
	spin_unlock_bh(&q->lock);
	hpcap_queue_put(q);
	kfree(f);
	return 0;
}

/* Readable bytes, read without the lock (for wait conditions and poll). */
static u64 hpcap_file_avail(struct hpcap_file *f)
{
	struct hpcap_queue *q = f->q;
	u64 w = smp_load_acquire(&q->ring.info->write_pos);
	u64 p = READ_ONCE(q->ring.lst[f->idx].read_pos);

	return w > p ? w - p : 0;
}

/*
 * Stop sleeping: enough came, the queue is gone, or this listener's
 * target fired (for a poll() of the same listener, or an ack of another
 * thread moved the cursor): then look again and arm anew.
 */
static bool hpcap_file_ready(struct hpcap_file *f, u64 min)
{
	return hpcap_file_avail(f) >= min || READ_ONCE(f->q->dead) ||
	       !hpcap_ring_armed(&f->q->ring, f->idx);
}

static long hpcap_ioc_ack_wait(struct hpcap_file *f, void __user *arg)
{
	struct hpcap_queue *q = f->q;
	struct hpcap_ack_wait aw;
	bool gone, wait;
	long left;
	u64 jif;
	int err;

	if (copy_from_user(&aw, arg, sizeof(aw)))
		return -EFAULT;
	spin_lock_bh(&q->lock);
	/* "gone" is read with the ack, under the lock: a source publishes
	 * everything before its queue is marked dead, so it always comes
	 * with all that is left in avail. */
	gone = q->dead;
	err = hpcap_ring_ack_wait_begin(&q->ring, f->idx, &aw, gone, &wait);
	spin_unlock_bh(&q->lock);
	if (err)
		return err;

	jif = nsecs_to_jiffies64(aw.timeout_ns);
	left = jif >= MAX_SCHEDULE_TIMEOUT ? MAX_SCHEDULE_TIMEOUT
					   : (long)max_t(u64, jif, 1);
	while (wait) {
		/*
		 * A signal or the timeout ends the wait early with success:
		 * the ack is already applied, so letting the call restart
		 * would apply it twice.  The caller checks avail.
		 */
		left = wait_event_interruptible_timeout(q->wq,
				hpcap_file_ready(f, aw.min_bytes), left);
		spin_lock_bh(&q->lock);
		gone = q->dead;
		wait = hpcap_ring_ack_wait_again(&q->ring, f->idx, &aw,
						 aw.min_bytes, gone) &&
		       left > 0;
		spin_unlock_bh(&q->lock);
	}
	/* Success even when the queue is gone: the ack was applied, and an
	 * error would make the caller send it again.  avail 0 with this flag
	 * means drained. */
	aw.flags = gone ? HPCAP_ACK_QUEUE_GONE : 0;
	return copy_to_user(arg, &aw, sizeof(aw)) ? -EFAULT : 0;
}

static long hpcap_ioctl(struct file *file, unsigned int cmd,
			unsigned long arg)
{
	struct hpcap_file *f = file->private_data;
	struct hpcap_queue *q = f->q;
	void __user *uarg = (void __user *)arg;
	union {
		struct hpcap_ring_info info;
		struct hpcap_queue_stats qs;
		struct hpcap_listener_stats ls;
	} u;
	u32 mode;
	int err;

	switch (cmd) {
	case HPCAP_IOC_ACK_WAIT:
		return hpcap_ioc_ack_wait(f, uarg);
	case HPCAP_IOC_INFO:
		spin_lock_bh(&q->lock);
		u.info = *q->ring.info;
		spin_unlock_bh(&q->lock);
		return copy_to_user(uarg, &u.info, sizeof(u.info)) ? -EFAULT : 0;
	case HPCAP_IOC_SET_MODE:
		if (get_user(mode, (u32 __user *)uarg))
			return -EFAULT;
		spin_lock_bh(&q->lock);
		err = hpcap_ring_listener_set_mode(&q->ring, f->idx, mode);
		spin_unlock_bh(&q->lock);
		return err;
	case HPCAP_IOC_QUEUE_STATS:
		spin_lock_bh(&q->lock);
		hpcap_ring_queue_stats(&q->ring, &u.qs);
		spin_unlock_bh(&q->lock);
		return copy_to_user(uarg, &u.qs, sizeof(u.qs)) ? -EFAULT : 0;
	case HPCAP_IOC_LISTENER_STATS:
		spin_lock_bh(&q->lock);
		hpcap_ring_listener_stats(&q->ring, f->idx, &u.ls);
		spin_unlock_bh(&q->lock);
		return copy_to_user(uarg, &u.ls, sizeof(u.ls)) ? -EFAULT : 0;
	default:
		return -ENOTTY;
	}
}

static __poll_t hpcap_poll(struct file *file, poll_table *wait)
{
	struct hpcap_file *f = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &f->q->wq, wait);
	if (hpcap_file_avail(f)) {
		mask |= EPOLLIN | EPOLLRDNORM;
	} else {
		/* Wake this poller at the next frame, once: the producer
		 * disarms the target when it fires, so a consumer that
		 * then reads without waiting costs it no more wake-ups. */
		spin_lock_bh(&f->q->lock);
		hpcap_ring_arm(&f->q->ring, f->idx,
			       f->q->ring.lst[f->idx].read_pos + 1);
		spin_unlock_bh(&f->q->lock);
		if (hpcap_file_avail(f))	/* raced with the producer */
			mask |= EPOLLIN | EPOLLRDNORM;
	}
	if (READ_ONCE(f->q->dead))
		mask |= EPOLLHUP;
	return mask;
}

/*
 * Page 0 is the ring info; pages 1.. are the buffer, twice.  The pages are
 * ordinary kernel pages, handed out with a reference so they outlive the
 * queue if a mapping does.
 */
static vm_fault_t hpcap_vm_fault(struct vm_fault *vmf)
{
	struct hpcap_file *f = vmf->vma->vm_private_data;
	struct hpcap_queue *q = f->q;
	pgoff_t off = vmf->pgoff;
	struct page *page;

	if (off == 0)
		page = q->info_page;
	else if (off - 1 < 2 * q->buf.npages)
		page = q->buf.pages[(off - 1) % q->buf.npages];
	else
		return VM_FAULT_SIGBUS;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct hpcap_vm_ops = {
	.fault = hpcap_vm_fault,
};

static int hpcap_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct hpcap_file *f = file->private_data;
	unsigned long pages = vma_pages(vma);

	if (vma->vm_pgoff > 1 + 2 * f->q->buf.npages ||
	    pages > 1 + 2 * f->q->buf.npages - vma->vm_pgoff)
		return -EINVAL;
	/* The buffer is the producer's: read-only, now and after mprotect. */
	if (vma->vm_flags & VM_WRITE)
		return -EPERM;
	hpcap_vm_flags_clear(vma, VM_MAYWRITE);
	hpcap_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &hpcap_vm_ops;
	vma->vm_private_data = f;
	return 0;
}

static const struct file_operations hpcap_fops = {
	.owner = THIS_MODULE,
	.open = hpcap_open,
	.release = hpcap_release,
	.unlocked_ioctl = hpcap_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.poll = hpcap_poll,
	.mmap = hpcap_mmap,
};

int hpcap_cdev_init(void)
{
	cdev_init(&hpcap_cdev, &hpcap_fops);
	hpcap_cdev.owner = THIS_MODULE;
	return cdev_add(&hpcap_cdev, hpcap_devt, HPCAP_MINORS);
}

void hpcap_cdev_exit(void)
{
	cdev_del(&hpcap_cdev);
}
