/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hpcap_fault.h - every allocation the module makes, through one door.
 *
 * In the shipped module these are the kernel's own calls, nothing more.
 * Built with HPCAP_FAULT_TEST=y (scripts/build-module.bash --fault-test,
 * for the VM tests only: Debian's kernels have no FAILSLAB, no
 * FAIL_PAGE_ALLOC and no kmemleak), each allocation is counted, the Nth
 * after fault_at=N is made to fail, and allocations and frees are
 * balanced in fault_outstanding (hpcap_fault.c), so that a test can make
 * every allocation of an attach, a probe or a queue fail in turn and see
 * that nothing leaks.
 */
#ifndef HPCAP_FAULT_H
#define HPCAP_FAULT_H

#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/etherdevice.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/stringify.h>
#include <linux/vmalloc.h>

#ifdef HPCAP_FAULT_TEST
#define HPCAP_SITE	__FILE__ ":" __stringify(__LINE__)
/* Counts an allocation; true: make it fail. */
bool hpcap_fault_fail(const char *site);
void hpcap_fault_got(void);
void hpcap_fault_put(void);
void hpcap_fault_dma_free(struct device *dev);
bool hpcap_fault_reset_fails(void);
u32 hpcap_fault_rx_bsize(u32 bsize);
#else
#define HPCAP_SITE	NULL
static inline bool hpcap_fault_fail(const char *site) { return false; }
static inline void hpcap_fault_got(void) { }
static inline void hpcap_fault_put(void) { }
static inline void hpcap_fault_dma_free(struct device *dev) { }
/* Test knobs: a reset in remove() that times out; the packet buffer
 * size the NIC is told. */
static inline bool hpcap_fault_reset_fails(void) { return false; }
static inline u32 hpcap_fault_rx_bsize(u32 bsize) { return bsize; }
#endif

/* A pointer (or ERR_PTR) the kernel gave: counted when it is one. */
static inline void *hpcap_got(void *p)
{
	if (!IS_ERR_OR_NULL(p))
		hpcap_fault_got();
	return p;
}

#define hpcap_kzalloc(n, gfp) \
	hpcap_got(hpcap_fault_fail(HPCAP_SITE) ? NULL : kzalloc(n, gfp))
#define hpcap_kmalloc(n, gfp) \
	hpcap_got(hpcap_fault_fail(HPCAP_SITE) ? NULL : kmalloc(n, gfp))
#define hpcap_kcalloc(n, size, gfp) \
	hpcap_got(hpcap_fault_fail(HPCAP_SITE) ? NULL : kcalloc(n, size, gfp))
#define hpcap_kstrdup(s, gfp) \
	((char *)hpcap_got(hpcap_fault_fail(HPCAP_SITE) ? NULL : kstrdup(s, gfp)))
#define hpcap_kvcalloc(n, size, gfp) \
	hpcap_got(hpcap_fault_fail(HPCAP_SITE) ? NULL : kvcalloc(n, size, gfp))
#define hpcap_kvmalloc_array(n, size, gfp) \
	hpcap_got(hpcap_fault_fail(HPCAP_SITE) ? NULL : \
		  kvmalloc_array(n, size, gfp))
#define hpcap_vzalloc(n) \
	hpcap_got(hpcap_fault_fail(HPCAP_SITE) ? NULL : vzalloc(n))
#define hpcap_alloc_pages_node(node, gfp, order) \
	((struct page *)hpcap_got(hpcap_fault_fail(HPCAP_SITE) ? NULL : \
				  alloc_pages_node(node, gfp, order)))
#define hpcap_vmap(pages, n, flags, prot) \
	hpcap_got(hpcap_fault_fail(HPCAP_SITE) ? NULL : \
		  vmap(pages, n, flags, prot))
#define hpcap_dma_alloc_coherent(dev, size, dma, gfp) \
	hpcap_got(hpcap_fault_fail(HPCAP_SITE) ? NULL : \
		  dma_alloc_coherent(dev, size, dma, gfp))
#define hpcap_device_create_with_groups(...) \
	((struct device *)hpcap_got(hpcap_fault_fail(HPCAP_SITE) ? \
				    ERR_PTR(-ENOMEM) : \
				    device_create_with_groups(__VA_ARGS__)))
#define hpcap_kthread_create_on_node(fn, data, node, ...) \
	((struct task_struct *)hpcap_got(hpcap_fault_fail(HPCAP_SITE) ? \
		ERR_PTR(-ENOMEM) : \
		kthread_create_on_node(fn, data, node, __VA_ARGS__)))
#define hpcap_alloc_netdev(size, name, assign, setup) \
	((struct net_device *)hpcap_got(hpcap_fault_fail(HPCAP_SITE) ? NULL : \
		alloc_netdev(size, name, assign, setup)))

static inline void hpcap_kfree(const void *p)
{
	if (p)
		hpcap_fault_put();
	kfree(p);
}

static inline void hpcap_kvfree(const void *p)
{
	if (p)
		hpcap_fault_put();
	kvfree(p);
}

static inline void hpcap_vfree(const void *p)
{
	if (p)
		hpcap_fault_put();
	vfree(p);
}

static inline void hpcap_put_page(struct page *p)
{
	hpcap_fault_put();
	put_page(p);
}

static inline void hpcap_vunmap(const void *p)
{
	hpcap_fault_put();
	vunmap(p);
}

static inline void hpcap_dma_free_coherent(struct device *dev, size_t size,
					   void *p, dma_addr_t dma)
{
	hpcap_fault_dma_free(dev);
	hpcap_fault_put();
	dma_free_coherent(dev, size, p, dma);
}

static inline void hpcap_device_destroy(struct class *cls, dev_t devt)
{
	hpcap_fault_put();
	device_destroy(cls, devt);
}

/* A thread from hpcap_kthread_create_on_node (or _run) ends. */
static inline int hpcap_kthread_stop(struct task_struct *t)
{
	hpcap_fault_put();
	return kthread_stop(t);
}

static inline void hpcap_free_netdev(struct net_device *dev)
{
	hpcap_fault_put();
	free_netdev(dev);
}

#endif /* HPCAP_FAULT_H */
