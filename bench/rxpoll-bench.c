// SPDX-License-Identifier: BSD-3-Clause
/*
 * rxpoll-bench.c - the native driver's poll+copy loop (driver/
 * hpcap_rxpoll.c and hpcap_ring.c, compiled unchanged) over a simulated
 * descriptor ring: ns per frame and Mpps on one core at 64 and 1500 bytes,
 * next to a plain memcpy of the same frames measured in the same run.
 *
 * Between timed passes a "NIC" writes the write-back of every descriptor
 * (DD|EOP, length, RSS hash), untimed, as the hardware would by DMA.  The
 * loop then takes the frames in batches of 64 (publish + listener ack per
 * batch, as the kernel thread does).  Frame buffers stay cache-warm here;
 * on a real NIC they arrive by DMA (into the LLC with Intel DDIO).
 *
 *   rxpoll-bench [passes] [sizes...]     (default 2000 passes, 64 1500)
 */
#define _GNU_SOURCE
#include "hpcap_rxpoll.h"
#include "queue/dblmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NDESC 4096u
#define BUFSZ 2048u
#define RING (256ull << 20)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void nic_fill(union hpcap_rx_desc *d, u32 len)
{
	u32 i;

	for (i = 0; i < NDESC; i++) {
		d[i].wb.info = 0;
		d[i].wb.rss_hash = cpu_to_le32(i * 2654435761u);
		d[i].wb.length = cpu_to_le16((u16)len);
		d[i].wb.vlan = 0;
		d[i].wb.status_error = cpu_to_le32(HPCAP_RXD_STAT_DD |
						   HPCAP_RXD_STAT_EOP);
	}
}

int main(int argc, char **argv)
{
	unsigned passes = argc > 1 ? (unsigned)atoi(argv[1]) : 2000, p, k;
	static const u32 def[] = { 64, 1500 };
	int nsz = argc > 2 ? argc - 2 : 2, s;
	union hpcap_rx_desc *desc = aligned_alloc(4096, NDESC * 16);
	u8 *bufs = aligned_alloc(4096, (size_t)NDESC * BUFSZ);
	u8 *chunk[NDESC * BUFSZ / HPCAP_RX_CHUNK];
	u64 chunk_dma[NDESC * BUFSZ / HPCAP_RX_CHUNK];
	u8 *data = hpcap_dblmap_anon(RING);
	static struct hpcap_ring r;
	static struct hpcap_ring_info info;
	struct hpcap_rxq_core c;

	if (!desc || !bufs || !data)
		return 1;
	for (k = 0; k < NDESC * BUFSZ; k++)
		bufs[k] = (u8)k;
	for (k = 0; k < NDESC * BUFSZ / HPCAP_RX_CHUNK; k++) {
		chunk[k] = bufs + (u64)k * HPCAP_RX_CHUNK;
		chunk_dma[k] = 0x100000000ull + (u64)k * HPCAP_RX_CHUNK;
	}
	memset(data, 0, RING);
	printf("| frame bytes | timestamps | poll+copy ns/frame | Mpps per core | memcpy ns/frame | memcpy Mpps | poll / memcpy |\n");
	printf("|---:|---|---:|---:|---:|---:|---:|\n");
	for (s = 0; s < 2 * nsz; s++) {
		u32 len = argc > 2 ? (u32)atoi(argv[s / 2 + 2]) : def[s / 2];
		bool per_frame = s % 2;
		double t_poll = 0, t_copy = 0, t0;
		u64 frames = 0, off = 0;
		int l;

		hpcap_ring_init(&r, data, RING, HPCAP_DEFAULT_FILE_SIZE, &info, 0, 0);
		l = hpcap_ring_listener_add(&r, HPCAP_MODE_LOSSLESS);
		memset(&c, 0, sizeof(c));
		c.desc = desc;
		c.count = NDESC;
		c.buf_shift = 11;	/* 2 KiB buffers, as the driver uses */
		c.chunk_shift = 16 - 11;
		c.chunk = chunk;
		c.chunk_dma = chunk_dma;
		c.err_mask = HPCAP_RXD_ERR_RXE_82576;
		c.ts_per_frame = per_frame;
		hpcap_rx_arm_all(&c);
		for (p = 0; p < passes; p++) {
			struct hpcap_ack_wait aw;
			u32 got = 0;

			nic_fill(desc, len);
			t0 = now_s();
			while (got < NDESC) {
				got += hpcap_rx_clean(&c, &r, 64, 65535);
				hpcap_ring_publish(&r);
				hpcap_ring_ack(&r, l, r.pos - r.lst[l].read_pos, &aw);
			}
			t_poll += now_s() - t0;
			frames += got;
			/* the same bytes copied plainly, same destinations */
			t0 = now_s();
			for (k = 0; k < NDESC; k++) {
				memcpy(data + off, bufs + (u64)k * BUFSZ, 12 + len);
				off += 12 + len;
				if (off >= RING)
					off -= RING;
			}
			t_copy += now_s() - t0;
		}
		if (r.stats.captured_frames != frames)
			fprintf(stderr, "rxpoll-bench: captured %llu of %llu\n",
				(unsigned long long)r.stats.captured_frames,
				(unsigned long long)frames);
		printf("| %u | %s | %.2f | %.1f | %.2f | %.1f | %.2f |\n", len,
		       per_frame ? "per frame" : "per batch (default)",
		       t_poll / frames * 1e9, frames / t_poll / 1e6,
		       t_copy / frames * 1e9, frames / t_copy / 1e6,
		       t_poll / t_copy);
	}
	return 0;
}
