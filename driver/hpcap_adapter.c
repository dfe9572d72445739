// SPDX-License-Identifier: GPL-2.0
/*
 * hpcap_adapter.c - the registry of adapters and of the sources that make
 * them: numbers, names, the life of an adapter from reservation to detach,
 * and the module's default sizes.  It calls sources only through their
 * ops; see hpcap_adapter.h.
 */
#include <linux/moduleparam.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "hpcap_adapter.h"

DEFINE_MUTEX(hpcap_mutex);

static unsigned long hpcap_default_buf_size = 64ul << 20;
module_param_named(buf_size, hpcap_default_buf_size, ulong, 0644);
MODULE_PARM_DESC(buf_size,
		 "Default capture buffer per queue, bytes (multiple of 1 MiB; default 64 MiB)");

static unsigned long hpcap_default_file_size = HPCAP_DEFAULT_FILE_SIZE;
module_param_named(file_size, hpcap_default_file_size, ulong, 0644);
MODULE_PARM_DESC(file_size,
		 "Default RAW file size the stream is framed into, bytes (multiple of 1 MiB; default 2 GiB)");

/* Under hpcap_mutex. */
static struct hpcap_adapter *hpcap_adapters[HPCAP_MAX_ADAPTERS];
static LIST_HEAD(hpcap_sources);

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
		return "not enough memory for the buffers";
	case -EADDRINUSE:
		return "adapter number taken";
	case -ENOSPC:
		return "no free adapter number";
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

void hpcap_adapter_rename(struct hpcap_adapter *ad, const char *name)
{
	strscpy(ad->name, name, sizeof(ad->name));
}

static int hpcap_check_sizes(u64 buf_size, u64 file_size)
{
	if (!buf_size || buf_size % HPCAP_BLOCK_SIZE) {
		pr_err("hpcap: buffer size %llu is not a positive multiple of 1 MiB\n",
		       buf_size);
		return -EINVAL;
	}
	if (!file_size || file_size % HPCAP_BLOCK_SIZE) {
		pr_err("hpcap: file size %llu is not a positive multiple of 1 MiB\n",
		       file_size);
		return -EINVAL;
	}
	return 0;
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
	if (cfg->name[0] && hpcap_adapter_named(cfg->name)) {
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
	ad = kzalloc(sizeof(*ad), GFP_KERNEL);
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
	kfree(ad);
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
	kfree(ad);
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
	if (!ad && !kstrtou32(name, 10, &id))
		ad = hpcap_adapter_by_id(id);
	if (!ad)
		err = -ENOENT;
	else if (!ad->ops->user_detach)
		err = -EOPNOTSUPP;	/* a NIC port goes with its binding */
	else
		hpcap_adapter_detach(ad);
	mutex_unlock(&hpcap_mutex);
	rtnl_unlock();
	return err;
}


void hpcap_adapters_close(void)
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
