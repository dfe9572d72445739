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

#include "hpcap_adapter.h"
#include "hpcap_fault.h"

#define HPCAP_SYNTH_BATCH 64

/* What the synthetic source keeps per adapter (ad->priv). */
struct hpcap_synth {
	struct task_struct *task;
	u8 *tmpl;			/* frame contents */
	u32 sizes[HPCAP_SYNTH_MAX_SIZES];
	u32 nsizes;
	u64 rate;			/* frames/s, 0 = as fast as possible */
	u64 count;			/* frames to make, 0 = until detached */
	u64 made;			/* frames offered so far */
};

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
	struct hpcap_synth *sy = ad->priv;
	struct hpcap_queue *q = ad->q[0];
	u64 seq = 0, last_ns = 0, start = ktime_get_ns();
	const u8 *tmpl = sy->tmpl;

	while (!kthread_should_stop()) {
		u32 i, batch = HPCAP_SYNTH_BATCH;
		bool wake;
		u64 now;

		if (sy->count && seq >= sy->count) {
			schedule_timeout_interruptible(HZ / 10);
			continue;
		}
		if (sy->count && sy->count - seq < batch)
			batch = sy->count - seq;
		if (sy->rate) {
			/* Sleep until frame seq is due. */
			u64 rate = sy->rate;
			/* Split so seq * 1e9 can not overflow. */
			u64 rem, due;

			due = start + div64_u64_rem(seq, rate, &rem) * NSEC_PER_SEC +
			      div64_u64(rem * NSEC_PER_SEC, rate);

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
			u32 k, size;
			u8 *dst;

			div_u64_rem(seq, sy->nsizes, &k);
			size = sy->sizes[k];

			/* Distinct, increasing stamps within a batch. */
			now = max(now, last_ns + 1);
			last_ns = now;
			dst = hpcap_ring_put(&q->ring, hpcap_ns_sec(now),
					     hpcap_ns_nsec(now), size, size);
			if (!dst)
				continue;
			memcpy(dst, tmpl, size);
			if (size >= 22) {
				__le64 n = cpu_to_le64(seq);

				memcpy(dst + 14, &n, sizeof(n));
			}
		}
		WRITE_ONCE(sy->made, seq);
		wake = hpcap_queue_publish(q);
		spin_unlock_bh(&q->lock);
		if (wake)
			hpcap_queue_wake(q);
		cond_resched();
	}
	return 0;
}

static void hpcap_synth_free(struct hpcap_synth *sy)
{
	if (!sy)
		return;
	hpcap_kfree(sy->tmpl);
	hpcap_kfree(sy);
}

/* Before any lock: one queue, the frame template. */
static int hpcap_synth_prepare(struct hpcap_adapter_cfg *cfg)
{
	struct hpcap_synth *sy;

	sy = hpcap_kzalloc(sizeof(*sy), GFP_KERNEL);
	if (sy)
		sy->tmpl = hpcap_kmalloc(HPCAP_MAX_CAPLEN, GFP_KERNEL);
	if (!sy || !sy->tmpl) {
		pr_err("hpcap: no memory for synthetic source %s\n", cfg->name);
		hpcap_synth_free(sy);
		return -ENOMEM;
	}
	hpcap_synth_template(sy->tmpl, HPCAP_MAX_CAPLEN);
	memcpy(sy->sizes, cfg->sizes, sizeof(sy->sizes));
	sy->nsizes = cfg->nsizes;
	sy->rate = cfg->rate;
	sy->count = cfg->count;
	cfg->nqueues = 1;
	cfg->caplen = 0;
	cfg->priv = sy;
	return 0;
}

static void hpcap_synth_unprepare(struct hpcap_adapter_cfg *cfg)
{
	hpcap_synth_free(cfg->priv);
	cfg->priv = NULL;
}

/* Called with hpcap_mutex held. */
static int hpcap_synth_attach(struct hpcap_adapter *ad,
			      struct hpcap_adapter_cfg *cfg)
{
	struct hpcap_synth *sy = cfg->priv;
	struct task_struct *t;

	ad->priv = sy;
	t = hpcap_kthread_create_on_node(hpcap_synth_thread, ad, NUMA_NO_NODE,
					 "hpcap_synth%u", ad->id);
	if (IS_ERR(t)) {
		pr_err("hpcap: cannot start the thread of synthetic source %s (%ld)\n",
		       ad->name, PTR_ERR(t));
		ad->priv = NULL;
		return PTR_ERR(t);
	}
	sy->task = t;
	wake_up_process(t);
	cfg->priv = NULL;	/* the adapter's now */
	pr_info("hpcap: synthetic source %s is adapter %u\n", ad->name, ad->id);
	return 0;
}

/* Called with hpcap_mutex held. */
static void hpcap_synth_detach(struct hpcap_adapter *ad)
{
	struct hpcap_synth *sy = ad->priv;

	hpcap_kthread_stop(sy->task);
	hpcap_synth_free(sy);
	ad->priv = NULL;
}

static const char *hpcap_synth_name(const struct hpcap_adapter *ad)
{
	return "synthetic";
}

static u32 hpcap_synth_stats(struct hpcap_adapter *ad, u32 q,
			     struct hpcap_source_counter *c, u32 max)
{
	struct hpcap_synth *sy = ad->priv;

	if (!max)
		return 0;
	c[0].name = "made_frames";
	c[0].value = READ_ONCE(sy->made);
	return 1;
}

static struct hpcap_source_ops hpcap_synth_ops = {
	.what = "synthetic source",
	.request_word = "synth",
	.options = HPCAP_OPT_SIZES | HPCAP_OPT_RATE | HPCAP_OPT_COUNT,
	.options_help = "sizes=, rate=, count=, bufsize=, filesize= and adapter=",
	.user_detach = true,
	.fixed_caplen = true,
	.prepare = hpcap_synth_prepare,
	.unprepare = hpcap_synth_unprepare,
	.attach = hpcap_synth_attach,
	.detach = hpcap_synth_detach,
	.name = hpcap_synth_name,
	.stats = hpcap_synth_stats,
};

void hpcap_synth_init(void)
{
	hpcap_source_register(&hpcap_synth_ops);
}

void hpcap_synth_exit(void)
{
	hpcap_source_unregister(&hpcap_synth_ops);
}
