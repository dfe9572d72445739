// SPDX-License-Identifier: GPL-2.0
/*
 * hpcap_buf.c - capture buffer memory.
 *
 * Pages are allocated zeroed (the buffer is mapped to userspace, which must
 * never see stale kernel memory), either one by one or, for HPCAP's mode 3
 * ("huge"), in physically contiguous 2 MiB chunks (fewer, larger
 * allocations, reserved up front; the mappings themselves still use 4 KiB
 * pages, so this is not a TLB gain).  Then they are vmap'ed twice, so
 * that data[i] and data[i + size] are the same byte and the producer writes
 * a record that wraps the end with one memcpy.  Sizes are 64-bit all the
 * way: buffers above 4 GiB work (HPCAP overflowed above 2 GiB).
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "hpcap_fault.h"
#include "hpcap_priv.h"

#define HPCAP_HUGE_ORDER	9	/* 2 MiB with 4 KiB pages */
#define HPCAP_HUGE_PAGES	(1ul << HPCAP_HUGE_ORDER)

void hpcap_buf_free(struct hpcap_buf *b)
{
	unsigned long i, step = b->huge ? HPCAP_HUGE_PAGES : 1;

	if (b->data)
		hpcap_vunmap(b->data);
	b->data = NULL;
	if (b->pages) {
		/*
		 * put_page, not __free_pages: a userspace mapping may still
		 * hold references and keeps its pages until it is unmapped.
		 * A huge chunk is one compound page: its head carries them.
		 */
		for (i = 0; i < b->npages; i += step)
			if (b->pages[i])
				hpcap_put_page(b->pages[i]);
		hpcap_kvfree(b->pages);
	}
	b->pages = NULL;
	b->npages = 0;
}

/*
 * Allocations that fail rather than wake the OOM killer (which would kill
 * other processes for a buffer); the caller checked the size against the
 * memory available, so failing here is rare.
 */
#define HPCAP_BUF_GFP	(GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

static int hpcap_buf_fill(struct hpcap_buf *b, int node)
{
	gfp_t gfp = HPCAP_BUF_GFP | __GFP_ZERO;
	unsigned long i, j;

	for (i = 0; i < b->npages; i += b->huge ? HPCAP_HUGE_PAGES : 1) {
		struct page *p;

		if (!b->huge) {
			p = hpcap_alloc_pages_node(node, gfp, 0);
			if (!p)
				return -ENOMEM;
			b->pages[i] = p;
		} else {
			p = hpcap_alloc_pages_node(node, gfp | __GFP_COMP,
						   HPCAP_HUGE_ORDER);
			if (!p)
				return -ENOMEM;
			for (j = 0; j < HPCAP_HUGE_PAGES; j++)
				b->pages[i + j] = p + j;
		}
		if (!(i % 4096))
			cond_resched();
	}
	return 0;
}

int hpcap_buf_alloc(struct hpcap_buf *b, u64 size, int node, bool huge)
{
	struct page **twice;
	unsigned long n;

	if (!size || size % (huge ? HPCAP_HUGE_PAGES * PAGE_SIZE : PAGE_SIZE))
		return -EINVAL;
	n = size >> PAGE_SHIFT;
	b->size = size;
	b->npages = n;
	b->huge = huge;
	b->data = NULL;
	b->pages = hpcap_kvcalloc(n, sizeof(*b->pages), HPCAP_BUF_GFP);
	if (!b->pages)
		return -ENOMEM;
	if (hpcap_buf_fill(b, node))
		goto nomem;
	twice = hpcap_kvmalloc_array(2 * n, sizeof(*twice), HPCAP_BUF_GFP);
	if (!twice)
		goto nomem;
	memcpy(twice, b->pages, n * sizeof(*twice));
	memcpy(twice + n, b->pages, n * sizeof(*twice));
	b->data = hpcap_vmap(twice, 2 * n, VM_MAP, PAGE_KERNEL);
	hpcap_kvfree(twice);
	if (!b->data)
		goto nomem;
	return 0;
nomem:
	hpcap_buf_free(b);
	return -ENOMEM;
}
