// SPDX-License-Identifier: GPL-2.0
/*
 * hpcap_adapter.c - the registry of adapters and of the sources that make
 * them: numbers, names, the life of an adapter from reservation to detach,
 * and the module's default sizes.  It calls sources only through their
 * ops; see hpcap_adapter.h.
 */
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/rtnetlink.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "hpcap_adapter.h"
#include "hpcap_fault.h"

DEFINE_MUTEX(hpcap_mutex);

static unsigned long hpcap_default_buf_size = 64ul << 20;
static unsigned long hpcap_default_file_size = HPCAP_DEFAULT_FILE_SIZE;

static u64 hpcap_ram_bytes(void)
{
	return (u64)totalram_pages() << PAGE_SHIFT;
}

/*
 * buf_size= and file_size= (at load or in /sys/module/hpcap/parameters):
 * a positive multiple of 1 MiB; a buffer no larger than the machine's
 * memory, a file no larger than HPCAP_MAX_FILE_SIZE.  Whether the buffers
 * of an adapter fit in the memory free at that moment is checked when
 * they are allocated.
 */
static int hpcap_size_param_set(const char *val, const struct kernel_param *kp)
{
	bool buf = kp->arg == &hpcap_default_buf_size;
	unsigned long v;
	int err = kstrtoul(val, 0, &v);

	if (err)
		return err;
	if (!v || v % HPCAP_BLOCK_SIZE) {
		pr_err("hpcap: %s=%lu is not a positive multiple of 1 MiB (1048576)\n",
		       kp->name, v);
		return -EINVAL;
	}
	if (buf && v > hpcap_ram_bytes()) {
		pr_err("hpcap: buf_size=%lu MiB is more than this machine's memory (%llu MiB)\n",
		       v >> 20, hpcap_ram_bytes() >> 20);
		return -EINVAL;
	}
	if (!buf && v > HPCAP_MAX_FILE_SIZE) {
		pr_err("hpcap: file_size=%lu MiB is above the largest file size, %llu MiB\n",
		       v >> 20, HPCAP_MAX_FILE_SIZE >> 20);
		return -EINVAL;
	}
	WRITE_ONCE(*(unsigned long *)kp->arg, v);
	return 0;
}

static const struct kernel_param_ops hpcap_size_param_ops = {
	.set = hpcap_size_param_set,
	.get = param_get_ulong,
};

module_param_cb(buf_size, &hpcap_size_param_ops, &hpcap_default_buf_size,
		0644);
MODULE_PARM_DESC(buf_size,
		 "Default capture buffer per queue, bytes (multiple of 1 MiB; default 64 MiB)");
module_param_cb(file_size, &hpcap_size_param_ops, &hpcap_default_file_size,
		0644);
MODULE_PARM_DESC(file_size,
		 "Default RAW file size the stream is framed into, bytes (multiple of 1 MiB, at most 1 TiB; default 2 GiB)");

/* Under hpcap_mutex. */
static struct hpcap_adapter *hpcap_adapters[HPCAP_MAX_ADAPTERS];
static LIST_HEAD(hpcap_sources);
/*
 * Set once unloading starts, before any adapter is detached: an attach
 * still on its way (a sysfs write waiting for the lock, a buffer being
 * allocated) must then fail, or its source would outlive the module.
 */
static bool hpcap_closing;

void hpcap_source_register(struct hpcap_source_ops *ops)
{
	mutex_lock(&hpcap_mutex);
	list_add_tail(&ops->node, &hpcap_sources);
	mutex_unlock(&hpcap_mutex);
}

void hpcap_source_unregister(struct hpcap_source_ops *ops)
{
	mutex_lock(&hpcap_mutex);
	list_del(&ops->node);
	mutex_unlock(&hpcap_mutex);
}

const struct hpcap_source_ops *hpcap_source_by_kind(const char *word)
{
	const struct hpcap_source_ops *ops, *found = NULL;

	mutex_lock(&hpcap_mutex);
	list_for_each_entry(ops, &hpcap_sources, node)
		if (ops->request_word && !strcmp(ops->request_word, word))
			found = ops;
	mutex_unlock(&hpcap_mutex);
	return found;
}

const struct hpcap_source_ops *hpcap_source_default(void)
{
	const struct hpcap_source_ops *ops, *found = NULL;

	mutex_lock(&hpcap_mutex);
	list_for_each_entry(ops, &hpcap_sources, node)
		if (ops->request_ifname)
			found = ops;
	mutex_unlock(&hpcap_mutex);
	return found;
}

void hpcap_adapter_cfg_init(struct hpcap_adapter_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->want_id = -1;
	cfg->node = NUMA_NO_NODE;
	cfg->buf_size = READ_ONCE(hpcap_default_buf_size);
	cfg->file_size = READ_ONCE(hpcap_default_file_size);
}

static const char *hpcap_adapter_strerror(int err)
{
	switch (err) {
	case -EEXIST:
		return "already captured (or the name is taken)";
	case -ENOMEM:
		return "not enough memory";
	case -EADDRINUSE:
		return "adapter number taken";
	case -ENOSPC:
		return "no free adapter number";
	case -ESHUTDOWN:
		return "the module is being unloaded";
	default:
		return "bad parameters";
	}
}

const char *hpcap_adapter_source_name(const struct hpcap_adapter *ad)
{
	return ad->ops->name(ad);
}

/* Any adapter, live or being set up, with this name.  hpcap_mutex held. */
static struct hpcap_adapter *hpcap_adapter_named(const char *name)
{
	int i;

	for (i = 0; i < HPCAP_MAX_ADAPTERS; i++)
		if (hpcap_adapters[i] && !strcmp(hpcap_adapters[i]->name, name))
			return hpcap_adapters[i];
	return NULL;
}

struct hpcap_adapter *hpcap_adapter_find(const char *name)
{
	struct hpcap_adapter *ad = hpcap_adapter_named(name);

	return ad && ad->state == HPCAP_AD_LIVE ? ad : NULL;
}

struct hpcap_adapter *hpcap_adapter_by_id(u32 id)
{
	struct hpcap_adapter *ad;

	if (id >= HPCAP_MAX_ADAPTERS)
		return NULL;
	ad = hpcap_adapters[id];
	return ad && ad->state == HPCAP_AD_LIVE ? ad : NULL;
}

/*
 * Follow a rename of what the adapter captures, unless another adapter
 * has that name: names stay unique, so a detach by name can only mean
 * one adapter.  The adapter keeps its old name then (and its number).
 */
void hpcap_adapter_rename(struct hpcap_adapter *ad, const char *name)
{
	struct hpcap_adapter *other = hpcap_adapter_named(name);

	if (other == ad)
		return;
	if (other) {
		pr_warn("hpcap: %s is now called %s, the name of adapter %u: adapter %u keeps the name %s\n",
			ad->name, name, other->id, ad->id, ad->name);
		return;
	}
	strscpy(ad->name, name, sizeof(ad->name));
}

static int hpcap_check_sizes(u64 buf_size, u64 file_size)
{
	if (!buf_size || !IS_ALIGNED(buf_size, HPCAP_BLOCK_SIZE)) {
		pr_err("hpcap: buffer size %llu is not a positive multiple of 1 MiB\n",
		       buf_size);
		return -EINVAL;
	}
	if (!file_size || !IS_ALIGNED(file_size, HPCAP_BLOCK_SIZE)) {
		pr_err("hpcap: file size %llu is not a positive multiple of 1 MiB\n",
		       file_size);
		return -EINVAL;
	}
	if (file_size > HPCAP_MAX_FILE_SIZE) {
		pr_err("hpcap: file size %llu MiB is above the largest, %llu MiB\n",
		       file_size >> 20, HPCAP_MAX_FILE_SIZE >> 20);
		return -EINVAL;
	}
	return 0;
}

/*
 * The buffers of an adapter must fit in the memory available now, less a
 * part kept for the rest of the system (1/32 of RAM, at least 64 MiB):
 * asking for more would only end in the OOM killer (allocations are made
 * to fail instead, but other processes would then find nothing left).
 */
static int hpcap_check_memory(const struct hpcap_adapter_cfg *cfg,
			      const char *name)
{
	u64 avail = (u64)si_mem_available() << PAGE_SHIFT;
	u64 keep = max_t(u64, hpcap_ram_bytes() >> 5, SZ_64M);
	u64 limit = avail > keep ? avail - keep : 0;
	u64 per_queue = div_u64(limit, cfg->nqueues);

	if (cfg->buf_size <= per_queue)
		return 0;
	pr_err("hpcap: %s %s: %u queue%s of %llu MiB do not fit in memory: at most %llu MiB per queue now (%llu MiB available, %llu MiB kept for the system); ask for a smaller buffer or fewer queues\n",
	       cfg->ops->what, name, cfg->nqueues,
	       cfg->nqueues == 1 ? "" : "s", cfg->buf_size >> 20,
	       per_queue >> 20, avail >> 20, keep >> 20);
	return -ENOMEM;
}

static void hpcap_attach_failed(const struct hpcap_adapter_cfg *cfg,
				const char *name, int err)
{
	pr_err("hpcap: cannot attach %s %s: %s (%d)\n", cfg->ops->what, name,
	       hpcap_adapter_strerror(err), err);
}

/*
 * Take a number (cfg->want_id, or the lowest free one when negative) and
 * a name (cfg->name, or hpcapN when empty) for a new adapter.
 */
struct hpcap_adapter *hpcap_adapter_reserve(struct hpcap_adapter_cfg *cfg)
{
	struct hpcap_adapter *ad;
	int id = cfg->want_id, err = 0;

	mutex_lock(&hpcap_mutex);
	if (hpcap_closing) {
		err = -ESHUTDOWN;
	} else if (cfg->name[0] && hpcap_adapter_named(cfg->name)) {
		err = -EEXIST;
	} else if (id < 0) {
		for (id = 0; id < HPCAP_MAX_ADAPTERS; id++)
			if (!hpcap_adapters[id])
				break;
		if (id == HPCAP_MAX_ADAPTERS)
			err = -ENOSPC;
	} else if (id >= HPCAP_MAX_ADAPTERS) {
		err = -EINVAL;
	} else if (hpcap_adapters[id]) {
		err = -EADDRINUSE;
	}
	if (err)
		goto out;
	ad = hpcap_kzalloc(sizeof(*ad), GFP_KERNEL);
	if (!ad) {
		err = -ENOMEM;
		goto out;
	}
	ad->id = id;
	ad->ops = cfg->ops;
	ad->state = HPCAP_AD_RESERVED;
	if (cfg->name[0])
		strscpy(ad->name, cfg->name, sizeof(ad->name));
	else
		snprintf(ad->name, sizeof(ad->name), "hpcap%d", id);
	hpcap_adapters[id] = ad;
out:
	mutex_unlock(&hpcap_mutex);
	return err ? ERR_PTR(err) : ad;
}

void hpcap_adapter_abandon(struct hpcap_adapter *ad)
{
	mutex_lock(&hpcap_mutex);
	if (hpcap_adapters[ad->id] == ad)
		hpcap_adapters[ad->id] = NULL;
	mutex_unlock(&hpcap_mutex);
	hpcap_kfree(ad);
}

/* Queues of a failed start: registered ones killed, the others put. */
static void hpcap_adapter_drop_queues(struct hpcap_adapter *ad, u32 registered)
{
	u32 i;

	for (i = 0; i < HPCAP_MAX_QUEUES; i++) {
		if (!ad->q[i])
			continue;
		if (i < registered)
			hpcap_queue_kill(ad->q[i]);
		else
			hpcap_queue_put(ad->q[i]);
		ad->q[i] = NULL;
	}
}

/*
 * Allocate the queues of a reserved adapter (no lock held: this can take
 * long), then give them nodes and start the source.  Returns the adapter
 * number, or a negative errno with the adapter still reserved (undo with
 * hpcap_adapter_abandon).
 */
int hpcap_adapter_start(struct hpcap_adapter *ad,
			struct hpcap_adapter_cfg *cfg)
{
	const struct hpcap_source_ops *ops = ad->ops;
	u32 i, registered = 0;
	int err, id = ad->id;

	err = hpcap_check_sizes(cfg->buf_size, cfg->file_size);
	if (!err && (!cfg->nqueues || cfg->nqueues > HPCAP_MAX_QUEUES))
		err = -EINVAL;
	if (err)
		goto fail;
	err = hpcap_check_memory(cfg, ad->name);
	if (err)
		return err;
	ad->nqueues = cfg->nqueues;
	ad->caplen = cfg->caplen && cfg->caplen < HPCAP_MAX_CAPLEN ?
		     cfg->caplen : HPCAP_MAX_CAPLEN;
	for (i = 0; i < ad->nqueues; i++) {
		ad->q[i] = hpcap_queue_alloc(cfg->buf_size, cfg->huge,
					     cfg->node);
		if (IS_ERR(ad->q[i])) {
			err = PTR_ERR(ad->q[i]);
			ad->q[i] = NULL;
			goto fail;
		}
	}

	if (ops->needs_rtnl)
		rtnl_lock();
	mutex_lock(&hpcap_mutex);
	if (hpcap_closing) {
		err = -ESHUTDOWN;
		hpcap_attach_failed(cfg, ad->name, err);
		goto fail_locked;
	}
	for (i = 0; i < ad->nqueues; i++, registered++) {
		err = hpcap_queue_register(ad->q[i], ad, i, cfg->file_size);
		if (err) {
			hpcap_attach_failed(cfg, ad->name, err);
			goto fail_locked;
		}
	}
	/* The source says why it fails. */
	err = ops->attach(ad, cfg);
	if (err)
		goto fail_locked;
	ad->state = HPCAP_AD_LIVE;
	mutex_unlock(&hpcap_mutex);
	if (ops->needs_rtnl)
		rtnl_unlock();
	return id;

fail_locked:
	hpcap_adapter_drop_queues(ad, registered);
	mutex_unlock(&hpcap_mutex);
	if (ops->needs_rtnl)
		rtnl_unlock();
	return err;
fail:
	hpcap_adapter_drop_queues(ad, 0);
	hpcap_attach_failed(cfg, ad->name, err);
	return err;
}

int hpcap_adapter_attach(struct hpcap_adapter_cfg *cfg)
{
	const struct hpcap_source_ops *ops = cfg->ops;
	struct hpcap_adapter *ad;
	int ret;

	ret = ops->prepare ? ops->prepare(cfg) : 0;
	if (ret)
		return ret;
	ad = hpcap_adapter_reserve(cfg);
	if (IS_ERR(ad)) {
		ret = PTR_ERR(ad);
		hpcap_attach_failed(cfg, cfg->name, ret);
		goto fail;
	}
	ret = hpcap_adapter_start(ad, cfg);
	if (ret < 0) {
		hpcap_adapter_abandon(ad);
		goto fail;
	}
	return ret;
fail:
	if (ops->unprepare)
		ops->unprepare(cfg);
	return ret;
}

void hpcap_adapter_detach(struct hpcap_adapter *ad)
{
	u32 i;

	ad->ops->detach(ad);
	pr_info("hpcap: adapter %u (%s) detached\n", ad->id, ad->name);
	for (i = 0; i < ad->nqueues; i++)
		if (ad->q[i])
			hpcap_queue_kill(ad->q[i]);
	if (hpcap_adapters[ad->id] == ad)
		hpcap_adapters[ad->id] = NULL;
	hpcap_kfree(ad);
}

int hpcap_adapter_detach_req(const char *text)
{
	struct hpcap_adapter *ad;
	char name[IFNAMSIZ];
	char buf[64], *p;
	int err = 0;
	u32 id;

	/* echo adds a newline: trim before judging the length */
	if (strscpy(buf, text, sizeof(buf)) < 0)
		return -EINVAL;
	p = strim(buf);
	if (strscpy(name, p, sizeof(name)) < 0)
		return -EINVAL;
	rtnl_lock();
	mutex_lock(&hpcap_mutex);
	ad = hpcap_adapter_find(name);
	if (!kstrtou32(name, 10, &id) && hpcap_adapter_by_id(id)) {
		/* "3" names an adapter and numbers another: say which. */
		if (ad && ad != hpcap_adapter_by_id(id)) {
			pr_err("hpcap: detach %s: adapter %u is named %s and adapter %u has that number; rename the interface first\n",
			       name, ad->id, name, id);
			err = -EINVAL;
			goto out;
		}
		ad = hpcap_adapter_by_id(id);
	}
	if (!ad)
		err = -ENOENT;
	else if (!ad->ops->user_detach)
		err = -EOPNOTSUPP;	/* a NIC port goes with its binding */
	else
		hpcap_adapter_detach(ad);
out:
	mutex_unlock(&hpcap_mutex);
	rtnl_unlock();
	return err;
}


/* Unloading: from now on no adapter starts (see hpcap_closing). */
void hpcap_adapters_close(void)
{
	mutex_lock(&hpcap_mutex);
	hpcap_closing = true;
	mutex_unlock(&hpcap_mutex);
}

/* Unloading, the gate closed: detach every adapter left. */
void hpcap_adapters_detach_all(void)
{
	int i;

	rtnl_lock();
	mutex_lock(&hpcap_mutex);
	for (i = 0; i < HPCAP_MAX_ADAPTERS; i++)
		if (hpcap_adapters[i] &&
		    hpcap_adapters[i]->state == HPCAP_AD_LIVE)
			hpcap_adapter_detach(hpcap_adapters[i]);
	mutex_unlock(&hpcap_mutex);
	rtnl_unlock();
}
