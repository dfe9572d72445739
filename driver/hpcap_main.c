// SPDX-License-Identifier: GPL-2.0
/*
 * hpcap_main.c - module entry: parameters, the device class and numbers,
 * and the registry of adapters.
 */
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "hpcap_compat.h"
#include "hpcap_priv.h"

DEFINE_MUTEX(hpcap_mutex);
dev_t hpcap_devt;

unsigned long hpcap_default_buf_size = 64ul << 20;
module_param_named(buf_size, hpcap_default_buf_size, ulong, 0644);
MODULE_PARM_DESC(buf_size,
		 "Default capture buffer per queue, bytes (multiple of 1 MiB; default 64 MiB)");

unsigned long hpcap_default_file_size = HPCAP_DEFAULT_FILE_SIZE;
module_param_named(file_size, hpcap_default_file_size, ulong, 0644);
MODULE_PARM_DESC(file_size,
		 "Default RAW file size the stream is framed into, bytes (multiple of 1 MiB; default 2 GiB)");

static char *hpcap_attach_param;
module_param_named(attach, hpcap_attach_param, charp, 0444);
MODULE_PARM_DESC(attach,
		 "Interfaces to capture at load, ';'-separated requests as written to /sys/class/hpcap/attach, e.g. \"eth1 mirror;eth2 drop caplen=128\"");

static struct hpcap_adapter *hpcap_adapters[HPCAP_MAX_ADAPTERS];

static char *hpcap_devnode(HPCAP_DEVNODE_CONST struct device *dev,
			   umode_t *mode)
{
	/* Owner root, group set by a udev rule; nobody else. */
	if (mode)
		*mode = 0660;
	return NULL;
}

struct class hpcap_class = {
	.name = "hpcap",
	HPCAP_CLASS_OWNER
	.devnode = hpcap_devnode,
	.class_groups = hpcap_class_groups,
};

const char *hpcap_adapter_strerror(int err)
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

const char *hpcap_source_name(const struct hpcap_adapter *ad)
{
	switch (ad->kind) {
	case HPCAP_SRC_GENERIC:
		return ad->gen_mode == HPCAP_ATTACH_DROP ? "generic-drop"
							 : "generic-mirror";
	case HPCAP_SRC_SYNTH:
		return "synthetic";
	case HPCAP_SRC_NATIVE:
		return "native";
	}
	return "unknown";
}

/* Called with hpcap_mutex held. */
struct hpcap_adapter *hpcap_adapter_find(const char *name)
{
	int i;

	for (i = 0; i < HPCAP_MAX_ADAPTERS; i++)
		if (hpcap_adapters[i] && !strcmp(hpcap_adapters[i]->name, name))
			return hpcap_adapters[i];
	return NULL;
}

/* Lowest free adapter number, or -1.  Called with hpcap_mutex held. */
int hpcap_adapter_free_id(void)
{
	int id;

	for (id = 0; id < HPCAP_MAX_ADAPTERS; id++)
		if (!hpcap_adapters[id])
			return id;
	return -1;
}

/* Called with hpcap_mutex held. */
struct hpcap_adapter *hpcap_adapter_by_id(u32 id)
{
	return id < HPCAP_MAX_ADAPTERS ? hpcap_adapters[id] : NULL;
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

/*
 * Create an adapter with its queues, numbered want_id (or the lowest free
 * number when want_id < 0), named name (or hpcapN when NULL).  Called with
 * hpcap_mutex held.
 */
struct hpcap_adapter *hpcap_adapter_new(int want_id, enum hpcap_source kind,
					const char *name, u32 nqueues,
					u64 buf_size, u64 file_size,
					u32 caplen, bool huge, int node)
{
	struct hpcap_adapter *ad;
	int id = want_id, err;
	u32 i;

	err = hpcap_check_sizes(buf_size, file_size);
	if (err)
		return ERR_PTR(err);
	if (!nqueues || nqueues > HPCAP_MAX_QUEUES)
		return ERR_PTR(-EINVAL);
	if (name && hpcap_adapter_find(name))
		return ERR_PTR(-EEXIST);
	if (id < 0) {
		id = hpcap_adapter_free_id();
		if (id < 0)
			return ERR_PTR(-ENOSPC);
	} else if (id >= HPCAP_MAX_ADAPTERS) {
		return ERR_PTR(-EINVAL);
	} else if (hpcap_adapters[id]) {
		return ERR_PTR(-EADDRINUSE);
	}
	ad = kzalloc(sizeof(*ad), GFP_KERNEL);
	if (!ad)
		return ERR_PTR(-ENOMEM);
	ad->id = id;
	ad->kind = kind;
	/* Native ports are named after their number: hpcapN. */
	if (name)
		strscpy(ad->name, name, sizeof(ad->name));
	else
		snprintf(ad->name, sizeof(ad->name), "hpcap%d", id);
	ad->nqueues = nqueues;
	ad->caplen = caplen && caplen < HPCAP_MAX_CAPLEN ? caplen
							  : HPCAP_MAX_CAPLEN;
	for (i = 0; i < nqueues; i++) {
		ad->q[i] = hpcap_queue_create(ad, i, buf_size, file_size, huge,
					      node);
		if (IS_ERR(ad->q[i])) {
			err = PTR_ERR(ad->q[i]);
			ad->q[i] = NULL;
			hpcap_adapter_free(ad);
			return ERR_PTR(err);
		}
	}
	hpcap_adapters[id] = ad;
	return ad;
}

/* The source must have stopped.  Called with hpcap_mutex held. */
void hpcap_adapter_free(struct hpcap_adapter *ad)
{
	u32 i;

	for (i = 0; i < ad->nqueues; i++)
		if (ad->q[i])
			hpcap_queue_kill(ad->q[i]);
	if (hpcap_adapters[ad->id] == ad)
		hpcap_adapters[ad->id] = NULL;
	kfree(ad);
}

static void hpcap_attach_from_param(void)
{
	char *copy, *cur, *req;

	if (!hpcap_attach_param || !*hpcap_attach_param)
		return;
	copy = kstrdup(hpcap_attach_param, GFP_KERNEL);
	if (!copy)
		return;
	cur = copy;
	while ((req = strsep(&cur, ";"))) {
		int ret = *req ? hpcap_control_attach(req) : 0;

		if (ret < 0)
			pr_err("hpcap: attach=\"%s\" failed (%d); see the message above\n",
			       req, ret);
	}
	kfree(copy);
}

static int __init hpcap_init(void)
{
	int err;

	err = alloc_chrdev_region(&hpcap_devt, 0, HPCAP_MINORS, "hpcap");
	if (err)
		return err;
	err = class_register(&hpcap_class);
	if (err)
		goto err_region;
	err = hpcap_cdev_init();
	if (err)
		goto err_class;
	err = hpcap_control_init();
	if (err)
		goto err_cdev;
	err = hpcap_generic_init();
	if (err)
		goto err_control;
	err = hpcap_native_init();
	if (err)
		goto err_generic;
	hpcap_attach_from_param();
	pr_info("hpcap: loaded (ABI %u, default buffer %lu MiB per queue, files of %lu MiB)\n",
		HPCAP_ABI_VERSION, hpcap_default_buf_size >> 20,
		hpcap_default_file_size >> 20);
	return 0;
err_generic:
	hpcap_generic_exit();
err_control:
	hpcap_control_exit();
err_cdev:
	hpcap_cdev_exit();
err_class:
	class_unregister(&hpcap_class);
err_region:
	unregister_chrdev_region(hpcap_devt, HPCAP_MINORS);
	return err;
}

static void __exit hpcap_exit(void)
{
	int i;

	/* Native ports first: their remove() takes rtnl and hpcap_mutex. */
	hpcap_native_exit();

	/* Open files hold the module, so no listener is left here; every
	 * source stops before its queues are freed.  Lock order everywhere:
	 * rtnl, then hpcap_mutex (the netdev notifier runs under rtnl). */
	rtnl_lock();
	mutex_lock(&hpcap_mutex);
	for (i = 0; i < HPCAP_MAX_ADAPTERS; i++)
		if (hpcap_adapters[i])
			hpcap_detach_adapter(hpcap_adapters[i]);
	mutex_unlock(&hpcap_mutex);
	rtnl_unlock();
	hpcap_generic_exit();
	hpcap_control_exit();
	hpcap_cdev_exit();
	class_unregister(&hpcap_class);
	unregister_chrdev_region(hpcap_devt, HPCAP_MINORS);
	pr_info("hpcap: unloaded\n");
}

module_init(hpcap_init);
module_exit(hpcap_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hpcap: capture buffers for line-rate packet capture to disk");
MODULE_VERSION("0.1.0");
