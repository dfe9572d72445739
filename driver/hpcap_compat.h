/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hpcap_compat.h - the kernel API differences between the kernels hpcap
 * builds against (Debian's 6.1 and 6.12 at least), in one place.
 */
#ifndef HPCAP_COMPAT_H
#define HPCAP_COMPAT_H

#include <linux/version.h>
#include <linux/mm.h>
#include <linux/device.h>

/* 6.3 made vma->vm_flags read-only behind helpers. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void hpcap_vm_flags_set(struct vm_area_struct *vma,
				      unsigned long flags)
{
	vma->vm_flags |= flags;
}

static inline void hpcap_vm_flags_clear(struct vm_area_struct *vma,
					unsigned long flags)
{
	vma->vm_flags &= ~flags;
}
#else
#define hpcap_vm_flags_set(vma, flags) vm_flags_set(vma, flags)
#define hpcap_vm_flags_clear(vma, flags) vm_flags_clear(vma, flags)
#endif

/* 6.2 made the devnode callback take a const device. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define HPCAP_DEVNODE_CONST
#else
#define HPCAP_DEVNODE_CONST const
#endif

/* 6.4 dropped struct class's owner field. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
#define HPCAP_CLASS_OWNER .owner = THIS_MODULE,
#else
#define HPCAP_CLASS_OWNER
#endif

/* 6.4 made class attribute callbacks take a const class. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
#define HPCAP_CLASS_CONST
#else
#define HPCAP_CLASS_CONST const
#endif

#endif /* HPCAP_COMPAT_H */
