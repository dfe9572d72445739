// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * hpcap_rxpoll.c - see hpcap_rxpoll.h.
 */
#include "hpcap_rxpoll.h"

static inline u32 hpcap_rx_buf_off(const struct hpcap_rxq_core *c, u32 i)
{
	return (i & ((1u << c->chunk_shift) - 1)) << c->buf_shift;
}

static inline void hpcap_rx_arm(struct hpcap_rxq_core *c, u32 i)
{
	union hpcap_rx_desc *d = &c->desc[i];

	d->read.pkt_addr = cpu_to_le64(c->chunk_dma[i >> c->chunk_shift] +
				       hpcap_rx_buf_off(c, i));
	/* Clears the write-back status too, so DD reads 0 until the NIC
	 * writes this descriptor again. */
	d->read.hdr_addr = 0;
}

void hpcap_rx_arm_all(struct hpcap_rxq_core *c)
{
	u32 i;

	for (i = 0; i < c->count; i++)
		hpcap_rx_arm(c, i);
	c->next = 0;
	c->discard = false;
}

u32 hpcap_rx_clean(struct hpcap_rxq_core *c, struct hpcap_ring *r,
		   u32 budget, u32 caplen)
{
	u32 mask = c->count - 1, done = 0, i = c->next;
	u64 now = 0;

	while (done < budget) {
		union hpcap_rx_desc *d = &c->desc[i];
		u32 status = le32_to_cpu(READ_ONCE(d->wb.status_error));
		u32 len, cap, spin;
		const u8 *frame;
		u8 *dst;

		if (!(status & HPCAP_RXD_STAT_DD))
			break;
		if (!now || c->ts_per_frame)
			now = hpcap_now_ns();
		/* Read the rest of the descriptor only after seeing DD. */
		dma_rmb();
		len = le16_to_cpu(READ_ONCE(d->wb.length));
		/* Under emulation DD can show before the length does: never
		 * emit a record from a half-visible descriptor. */
		for (spin = 0; !len && spin < 1000; spin++) {
			dma_rmb();
			len = le16_to_cpu(READ_ONCE(d->wb.length));
		}
		frame = c->chunk[i >> c->chunk_shift] + hpcap_rx_buf_off(c, i);
		c->hw_bytes += len;
		if (unlikely(c->discard)) {
			/* The rest of a frame that spanned descriptors. */
			c->discard = !(status & HPCAP_RXD_STAT_EOP);
			goto rearm;
		}
		c->hw_frames++;
		if (unlikely(!(status & HPCAP_RXD_STAT_EOP))) {
			c->frag_frames++;
			c->discard = true;
		} else if (unlikely(len > (1u << c->buf_shift))) {
			/* The copy would read past this buffer. */
			c->bad_length_frames++;
		} else if (unlikely((status & c->err_mask) || !len)) {
			c->err_frames++;
		} else if (c->dup && hpcap_dup_check(c->dup,
						     le32_to_cpu(d->wb.rss_hash),
						     frame, len, now)) {
			r->stats.rx_frames++;
			r->stats.rx_bytes += len;
			r->stats.dup_frames++;
		} else {
			cap = len < caplen ? len : caplen;
			dst = hpcap_ring_put(r, hpcap_ns_sec(now),
					     hpcap_ns_nsec(now), cap, len);
			if (dst)
				memcpy(dst, frame, cap);
		}
rearm:
		hpcap_rx_arm(c, i);
		i = (i + 1) & mask;
		done++;
	}
	c->next = i;
	return done;
}
