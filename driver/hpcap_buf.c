// SPDX-License-Identifier: GPL-2.0
/*
 * hpcap_buf.c - capture buffer memory.
 *
 * Pages are allocated one by one (zeroed: the buffer is mapped to
 * userspace, which must never see stale kernel memory), then vmap'ed twice
 * in a row, so that data[i] and data[i + size] are the same byte and the
 * producer writes a record that wraps the end with one memcpy.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "hpcap_priv.h"

void hpcap_buf_free(struct hpcap_buf *b)
{
	unsigned long i;

	if (b->data)
		vunmap(b->data);
	b->data = NULL;
	if (b->pages) {
		/* put_page, not __free_page: a userspace mapping may still
		 * hold references and keeps its pages until it is unmapped. */
		for (i = 0; i < b->npages; i++)
			if (b->pages[i])
				put_page(b->pages[i]);
		kvfree(b->pages);
	}
	b->pages = NULL;
	b->npages = 0;
}

int hpcap_buf_alloc(struct hpcap_buf *b, u64 size, int node)
{
	struct page **twice;
	unsigned long i, n;

	if (!size || size % PAGE_SIZE)
		return -EINVAL;
	n = size >> PAGE_SHIFT;
	b->size = size;
	b->npages = n;
	b->data = NULL;
	b->pages = kvcalloc(n, sizeof(*b->pages), GFP_KERNEL);
	if (!b->pages)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		b->pages[i] = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO |
					       __GFP_NOWARN, 0);
		if (!b->pages[i])
			goto nomem;
		if (!(i % 4096))
			cond_resched();
	}
	twice = kvmalloc_array(2 * n, sizeof(*twice), GFP_KERNEL);
	if (!twice)
		goto nomem;
	memcpy(twice, b->pages, n * sizeof(*twice));
	memcpy(twice + n, b->pages, n * sizeof(*twice));
	b->data = vmap(twice, 2 * n, VM_MAP, PAGE_KERNEL);
	kvfree(twice);
	if (!b->data)
		goto nomem;
	return 0;
nomem:
	hpcap_buf_free(b);
	return -ENOMEM;
}
