// SPDX-License-Identifier: GPL-2.0
/*
 * hpcap_main.c - loading and unloading: the module's parts in order, the
 * attach= requests at load.
 */
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "hpcap_adapter.h"
#include "hpcap_fault.h"

static char *hpcap_attach_param;
module_param_named(attach, hpcap_attach_param, charp, 0444);
MODULE_PARM_DESC(attach,
		 "Interfaces to capture at load, ';'-separated requests as written to /sys/class/hpcap/attach, e.g. \"eth1 mirror;eth2 drop caplen=128\"");

static void hpcap_attach_from_param(void)
{
	char *copy, *cur, *req;

	if (!hpcap_attach_param || !*hpcap_attach_param)
		return;
	copy = hpcap_kstrdup(hpcap_attach_param, GFP_KERNEL);
	if (!copy)
		return;
	cur = copy;
	while ((req = strsep(&cur, ";"))) {
		int ret = *req ? hpcap_control_attach(req) : 0;

		if (ret < 0)
			pr_err("hpcap: attach=\"%s\" failed (%d); see the message above\n",
			       req, ret);
	}
	hpcap_kfree(copy);
}

static int __init hpcap_init(void)
{
	struct hpcap_adapter_cfg cfg;
	int err;

	hpcap_adapter_cfg_init(&cfg);	/* for the defaults in the message */
	err = hpcap_queue_init(hpcap_class_groups, hpcap_queue_groups);
	if (err)
		return err;
	err = hpcap_cdev_init();
	if (err)
		goto err_queue;
	err = hpcap_control_init();
	if (err)
		goto err_cdev;
	err = hpcap_generic_init();
	if (err)
		goto err_control;
	hpcap_synth_init();
	err = hpcap_native_init();
	if (err)
		goto err_synth;
	hpcap_attach_from_param();
	pr_info("hpcap: loaded (ABI %u, default buffer %llu MiB per queue, files of %llu MiB)\n",
		HPCAP_ABI_VERSION, cfg.buf_size >> 20, cfg.file_size >> 20);
	return 0;
err_synth:
	hpcap_adapters_close();
	hpcap_adapters_detach_all();
	hpcap_synth_exit();
	hpcap_generic_exit();
err_control:
	hpcap_control_exit();
err_cdev:
	hpcap_cdev_exit();
err_queue:
	hpcap_queue_exit();
	return err;
}

static void __exit hpcap_exit(void)
{
	/*
	 * Requests may still arrive (a write to /sys/class/hpcap/attach
	 * waiting for the lock, a port being bound): from here on they fail,
	 * so nothing is left running when the module's code goes.
	 */
	hpcap_adapters_close();
	/* Native ports first: their remove() takes hpcap_mutex. */
	hpcap_native_exit();
	/* Open files hold the module, so no listener is left here; every
	 * source stops before its queues are freed. */
	hpcap_adapters_detach_all();
	hpcap_synth_exit();
	hpcap_generic_exit();
	hpcap_control_exit();
	hpcap_cdev_exit();
	hpcap_queue_exit();
	pr_info("hpcap: unloaded\n");
}

module_init(hpcap_init);
module_exit(hpcap_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hpcap: capture buffers for line-rate packet capture to disk");
MODULE_VERSION("0.1.0");
