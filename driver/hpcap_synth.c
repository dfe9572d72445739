// SPDX-License-Identifier: GPL-2.0
/*
 * hpcap_synth.c - the synthetic source: a kthread that fills a queue with
 * generated frames as fast as it can (or at a set rate), so the storage
 * path can be measured with no traffic at all.
 *
 * Frame n (size from the configured list, round robin): Ethernet header
 * 02:00:00:00:00:01 <- 02:00:00:00:5e:ad, ethertype 0x88b5 (local
 * experimental), then n as a little-endian u64, then the fixed pattern
 * byte k = k * 31 + 7, so the copy, not the generation, is what is
 * measured.  n counts frames offered, so a frame dropped for lack of room
 * shows as a gap.
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "hpcap_priv.h"

#define HPCAP_SYNTH_BATCH 64

static void hpcap_synth_template(u8 *t, u32 len)
{
	static const u8 hdr[14] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0x5e, 0xad,
				    0x88, 0xb5 };
	u32 k;

	memcpy(t, hdr, sizeof(hdr));
	for (k = sizeof(hdr); k < len; k++)
		t[k] = (u8)(k * 31 + 7);
}

static int hpcap_synth_thread(void *arg)
{
	struct hpcap_adapter *ad = arg;
	struct hpcap_queue *q = ad->q[0];
	u64 seq = 0, last_ns = 0, start = ktime_get_ns();
	const u8 *tmpl = ad->synth_tmpl;

	while (!kthread_should_stop()) {
		u32 i, batch = HPCAP_SYNTH_BATCH;
		bool wake;
		u64 now;

		if (ad->synth_count && seq >= ad->synth_count) {
			schedule_timeout_interruptible(HZ / 10);
			continue;
		}
		if (ad->synth_count && ad->synth_count - seq < batch)
			batch = ad->synth_count - seq;
		if (ad->synth_rate) {
			/* Sleep until frame seq is due. */
			u64 rate = ad->synth_rate;
			/* Split so seq * 1e9 can not overflow. */
			u64 due = start + div64_u64(seq, rate) * NSEC_PER_SEC +
				  div64_u64((seq % rate) * NSEC_PER_SEC, rate);

			now = ktime_get_ns();
			if (due > now + 50 * NSEC_PER_USEC) {
				usleep_range(div_u64(due - now, 1000),
					     div_u64(due - now, 1000) + 50);
				continue;
			}
			batch = 1;
		}
		now = ktime_get_real_ns();
		spin_lock_bh(&q->lock);
		for (i = 0; i < batch; i++, seq++) {
			u32 size = ad->synth_sizes[seq % ad->synth_nsizes];
			u8 *dst;

			/* Distinct, increasing stamps within a batch. */
			now = max(now, last_ns + 1);
			last_ns = now;
			dst = hpcap_ring_put(&q->ring,
					     (u32)div_u64(now, NSEC_PER_SEC),
					     (u32)(now % NSEC_PER_SEC), size,
					     size);
			if (!dst)
				continue;
			memcpy(dst, tmpl, size);
			if (size >= 22) {
				__le64 n = cpu_to_le64(seq);

				memcpy(dst + 14, &n, sizeof(n));
			}
		}
		wake = hpcap_queue_publish(q);
		spin_unlock_bh(&q->lock);
		if (wake)
			hpcap_queue_wake(q);
		cond_resched();
	}
	return 0;
}

int hpcap_synth_start(struct hpcap_adapter *ad)
{
	struct task_struct *t;

	ad->synth_tmpl = kmalloc(HPCAP_MAX_CAPLEN, GFP_KERNEL);
	if (!ad->synth_tmpl)
		return -ENOMEM;
	hpcap_synth_template(ad->synth_tmpl, HPCAP_MAX_CAPLEN);
	t = kthread_run(hpcap_synth_thread, ad, "hpcap_synth%u", ad->id);
	if (IS_ERR(t)) {
		kfree(ad->synth_tmpl);
		ad->synth_tmpl = NULL;
		return PTR_ERR(t);
	}
	ad->synth_task = t;
	return 0;
}

void hpcap_synth_stop(struct hpcap_adapter *ad)
{
	if (ad->synth_task)
		kthread_stop(ad->synth_task);
	ad->synth_task = NULL;
	kfree(ad->synth_tmpl);
	ad->synth_tmpl = NULL;
}
