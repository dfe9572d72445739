// SPDX-License-Identifier: GPL-2.0
/*
 * hpcap_fault.c - the allocation-failure test build (HPCAP_FAULT_TEST=y,
 * never shipped): see hpcap_fault.h.  Its knobs are module parameters:
 *
 *   fault_at=N         fail the Nth allocation from now on (writing it
 *                      restarts the count; 0: count nothing; -1: count
 *                      and record where each allocation is made, fail
 *                      none)
 *   fault_seen         allocations counted since fault_at was written
 *   fault_plan         after fault_at=-1 and a command: the allocations
 *                      worth failing, "N N ...": the first and the last of
 *                      every run of allocations made at the same place
 *                      (failing page 2 of 256 takes the path that page 3
 *                      would), so a test can fail each in turn quickly
 *   fault_hit          1 once the Nth allocation was made to fail
 *   fault_outstanding  allocations not freed yet (every buffer page,
 *                      node, thread and DMA block counts one)
 *   fault_dma_live     DMA blocks freed while their device could still
 *                      write to them (bus mastering on): must stay 0
 *   test_reset_timeout the reset in remove() reports a timeout
 *   test_rx_bsize      packet buffer size told to the NIC (bytes, a
 *                      multiple of 1024; 0: the driver's own)
 */
#include <linux/atomic.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>

#include "hpcap_fault.h"

#define HPCAP_FAULT_SITES	8192

static atomic_t hpcap_fault_count = ATOMIC_INIT(0);
/* Where allocation i + 1 was made, with fault_at=-1. */
static const char *hpcap_fault_site[HPCAP_FAULT_SITES];
static atomic_long_t hpcap_fault_live = ATOMIC_LONG_INIT(0);
static atomic_t hpcap_fault_dma_live = ATOMIC_INIT(0);
static int hpcap_fault_at;
static int hpcap_fault_hit;

static int fault_at_set(const char *val, const struct kernel_param *kp)
{
	int err = param_set_int(val, kp);

	if (!err) {
		WRITE_ONCE(hpcap_fault_hit, 0);
		atomic_set(&hpcap_fault_count, 0);
	}
	return err;
}

static const struct kernel_param_ops fault_at_ops = {
	.set = fault_at_set,
	.get = param_get_int,
};
module_param_cb(fault_at, &fault_at_ops, &hpcap_fault_at, 0644);
MODULE_PARM_DESC(fault_at, "Test build: fail the Nth allocation from now on (0: none)");
module_param_named(fault_hit, hpcap_fault_hit, int, 0444);

static int fault_seen_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&hpcap_fault_count));
}

static const struct kernel_param_ops fault_seen_ops = {
	.get = fault_seen_get,
};
module_param_cb(fault_seen, &fault_seen_ops, NULL, 0444);

static int fault_outstanding_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&hpcap_fault_live));
}

static const struct kernel_param_ops fault_outstanding_ops = {
	.get = fault_outstanding_get,
};
module_param_cb(fault_outstanding, &fault_outstanding_ops, NULL, 0444);

static int fault_plan_get(char *buf, const struct kernel_param *kp)
{
	int n = min(atomic_read(&hpcap_fault_count), HPCAP_FAULT_SITES);
	const char **s = hpcap_fault_site;
	int i, len = 0;

	for (i = 0; i < n; i++) {
		if (i > 0 && i < n - 1 && s[i] == s[i - 1] && s[i] == s[i + 1])
			continue;
		if (len > PAGE_SIZE - 16)
			break;
		len += sysfs_emit_at(buf, len, "%d ", i + 1);
	}
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}

static const struct kernel_param_ops fault_plan_ops = {
	.get = fault_plan_get,
};
module_param_cb(fault_plan, &fault_plan_ops, NULL, 0444);

static int fault_dma_live_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&hpcap_fault_dma_live));
}

static const struct kernel_param_ops fault_dma_live_ops = {
	.get = fault_dma_live_get,
};
module_param_cb(fault_dma_live, &fault_dma_live_ops, NULL, 0444);

static bool hpcap_test_reset_timeout;
module_param_named(test_reset_timeout, hpcap_test_reset_timeout, bool, 0644);

static uint hpcap_test_rx_bsize;
module_param_named(test_rx_bsize, hpcap_test_rx_bsize, uint, 0644);

bool hpcap_fault_fail(const char *site)
{
	int at = READ_ONCE(hpcap_fault_at), n;

	if (!at)
		return false;
	n = atomic_inc_return(&hpcap_fault_count);
	if (at < 0) {
		if (n <= HPCAP_FAULT_SITES)
			hpcap_fault_site[n - 1] = site;
		return false;
	}
	if (n != at)
		return false;
	WRITE_ONCE(hpcap_fault_hit, 1);
	pr_info("hpcap-fault: allocation %d fails (%s)\n", at, site);
	return true;
}

void hpcap_fault_got(void)
{
	atomic_long_inc(&hpcap_fault_live);
}

void hpcap_fault_put(void)
{
	atomic_long_dec(&hpcap_fault_live);
}

/* DMA memory may go only once its device can not write to it any more. */
void hpcap_fault_dma_free(struct device *dev)
{
	u16 cmd = 0;

	if (!dev_is_pci(dev))
		return;
	pci_read_config_word(to_pci_dev(dev), PCI_COMMAND, &cmd);
	if (cmd & PCI_COMMAND_MASTER)
		atomic_inc(&hpcap_fault_dma_live);
}

bool hpcap_fault_reset_fails(void)
{
	return READ_ONCE(hpcap_test_reset_timeout);
}

u32 hpcap_fault_rx_bsize(u32 bsize)
{
	u32 t = READ_ONCE(hpcap_test_rx_bsize);

	return t ? t : bsize;
}
