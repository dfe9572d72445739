// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_rxpoll.c - the native driver's poll+copy loop (driver/
 * hpcap_rxpoll.c) over a simulated descriptor ring: frames come out whole
 * and in order, each descriptor is re-armed with its own buffer, nothing
 * is taken before the NIC set DD, frames spanning descriptors (whole, up
 * to their last descriptor), frames longer than their buffer and frames
 * in error are dropped and counted, caplen cuts, duplicates are removed;
 * and the ring's arithmetic holds past 4 GiB of stream (HPCAP overflowed
 * above 2 GiB).
 */
#define _GNU_SOURCE
#include "check.h"
#include "hpcap_rxpoll.h"
#include "queue/dblmap.h"

#include <stdint.h>
#include <string.h>

#define NDESC 256u
#define BUF 2048u
#define MiB (1ull << 20)

static uint8_t bufs[NDESC * BUF] __attribute__((aligned(4096)));
static union hpcap_rx_desc desc[NDESC];
static uint8_t *chunk[NDESC * BUF / HPCAP_RX_CHUNK];
static u64 chunk_dma[NDESC * BUF / HPCAP_RX_CHUNK];

struct env {
	struct hpcap_rxq_core c;
	struct hpcap_ring r;
	struct hpcap_ring_info info;
	uint8_t *data;
	int l;
	uint64_t rpos;	/* consumer position */
};

static void env_init(struct env *e)
{
	unsigned k;

	memset(e, 0, sizeof(*e));
	for (k = 0; k < NDESC * BUF / HPCAP_RX_CHUNK; k++) {
		chunk[k] = bufs + (u64)k * HPCAP_RX_CHUNK;
		chunk_dma[k] = 0xabc00000ull + (u64)k * HPCAP_RX_CHUNK;
	}
	e->c.desc = desc;
	e->c.count = NDESC;
	e->c.buf_shift = 11;
	e->c.chunk_shift = 16 - 11;
	e->c.chunk = chunk;
	e->c.chunk_dma = chunk_dma;
	e->c.err_mask = HPCAP_RXD_ERR_RXE_82576;
	hpcap_rx_arm_all(&e->c);
	e->data = hpcap_dblmap_anon(4 * MiB);
	CHECK(e->data != NULL);
	hpcap_ring_init(&e->r, e->data, 4 * MiB, MiB, &e->info, 0, 0);
	e->l = hpcap_ring_listener_add(&e->r, HPCAP_MODE_LOSSLESS);
}

/* The "NIC": DMA a frame into descriptor i's buffer and write it back. */
static void nic_rx(unsigned i, uint32_t seq, uint16_t len, uint32_t status,
		   uint32_t hash)
{
	uint64_t addr = le64toh(desc[i].read.pkt_addr);
	uint8_t *buf = bufs + (addr - 0xabc00000ull);
	unsigned k;

	CHECK_EQ(addr, 0xabc00000ull + (u64)i * BUF);	/* armed with its own */
	CHECK_EQ(desc[i].read.hdr_addr, 0);
	memcpy(buf, &seq, 4);
	for (k = 4; k < len; k++)
		buf[k] = (uint8_t)(seq + k);
	desc[i].wb.rss_hash = htole32(hash);
	desc[i].wb.length = htole16(len);
	desc[i].wb.status_error = htole32(status);
}

/* Next frame the consumer finds (skipping paddings): its seq, caplen. */
static int next_frame(struct env *e, uint32_t *seq, uint16_t *caplen,
		      uint16_t *len)
{
	while (e->rpos < e->r.pos) {
		struct hpcap_raw_hdr h;
		const uint8_t *p = e->data + e->rpos % e->r.size;
		unsigned k;

		memcpy(&h, p, sizeof(h));
		e->rpos += 12 + le16toh(h.caplen);
		if (!h.sec && !h.nsec)
			continue;
		*caplen = le16toh(h.caplen);
		*len = le16toh(h.len);
		memcpy(seq, p + 12, 4);
		for (k = 4; k < *caplen; k++)
			if (p[12 + k] != (uint8_t)(*seq + k)) {
				CHECK(!"frame bytes intact");
				break;
			}
		return 1;
	}
	return 0;
}

static void basic_and_errors(void)
{
	struct env e;
	uint32_t seq;
	uint16_t cap, len;
	unsigned i;

	env_init(&e);
	/* Nothing with DD clear is taken. */
	CHECK_EQ(hpcap_rx_clean(&e.c, &e.r, 64, 65535), 0);
	for (i = 0; i < 10; i++)
		nic_rx(i, 100 + i, (uint16_t)(60 + 100 * i),
		       HPCAP_RXD_STAT_DD | HPCAP_RXD_STAT_EOP, 0);
	/* A frame spanning two descriptors (2048 + 952 bytes): dropped
	 * whole, its tail is not a frame of its own. */
	nic_rx(10, 110, 2048, HPCAP_RXD_STAT_DD, 0);	/* no EOP */
	nic_rx(11, 111, 952, HPCAP_RXD_STAT_DD | HPCAP_RXD_STAT_EOP, 0);
	nic_rx(12, 112, 1500, HPCAP_RXD_STAT_DD | HPCAP_RXD_STAT_EOP |
	       HPCAP_RXD_ERR_RXE_82576, 0);
	/* On the 82576, bit 29 is a TCP/UDP checksum error: the frame is
	 * captured as it was received, not dropped. */
	nic_rx(13, 113, 70, HPCAP_RXD_STAT_DD | HPCAP_RXD_STAT_EOP |
	       HPCAP_RXD_ERR_RXE_82599, 0);
	CHECK_EQ(hpcap_rx_clean(&e.c, &e.r, 5, 65535), 5);	/* budget */
	CHECK_EQ(hpcap_rx_clean(&e.c, &e.r, 64, 65535), 9);
	CHECK_EQ(e.c.next, 14);
	CHECK_EQ(e.c.frag_frames, 1);
	CHECK_EQ(e.c.err_frames, 1);
	CHECK_EQ(e.c.hw_frames, 13);	/* frames, not descriptors */
	CHECK_EQ(e.r.stats.rx_frames, 11);
	hpcap_ring_publish(&e.r);
	for (i = 0; i < 10; i++) {
		CHECK(next_frame(&e, &seq, &cap, &len));
		CHECK_EQ(seq, 100 + i);
		CHECK_EQ(cap, 60 + 100 * i);
	}
	CHECK(next_frame(&e, &seq, &cap, &len));
	CHECK_EQ(seq, 113);
	CHECK(!next_frame(&e, &seq, &cap, &len));
	/* Re-armed: DD is gone from every consumed descriptor. */
	for (i = 0; i < 14; i++)
		CHECK(!(le32toh(desc[i].wb.status_error) & HPCAP_RXD_STAT_DD));
	/* caplen cuts, len is kept. */
	nic_rx(14, 114, 1000, HPCAP_RXD_STAT_DD | HPCAP_RXD_STAT_EOP, 0);
	CHECK_EQ(hpcap_rx_clean(&e.c, &e.r, 64, 64), 1);
	hpcap_ring_publish(&e.r);
	CHECK(next_frame(&e, &seq, &cap, &len));
	CHECK_EQ(cap, 64);
	CHECK_EQ(len, 1000);
	hpcap_dblunmap(e.data, 4 * MiB);
}

/*
 * Frames spanning descriptors, however many and wherever a poll stops,
 * leave no record; nor does a write-back length above the buffer (the
 * copy would read the next buffer, or past the last one).
 */
static void spanning_and_bad_length(void)
{
	const uint32_t eop = HPCAP_RXD_STAT_DD | HPCAP_RXD_STAT_EOP;
	struct env e;
	uint32_t seq;
	uint16_t cap, len;

	env_init(&e);
	nic_rx(0, 1, 100, eop, 0);
	nic_rx(1, 2, 2048, HPCAP_RXD_STAT_DD, 0);	/* 3 descriptors */
	nic_rx(2, 3, 2048, HPCAP_RXD_STAT_DD, 0);
	nic_rx(3, 4, 904, eop, 0);
	nic_rx(4, 5, 200, eop, 0);
	nic_rx(5, 6, 2048, HPCAP_RXD_STAT_DD, 0);	/* ends in the next poll */
	CHECK_EQ(hpcap_rx_clean(&e.c, &e.r, 64, 65535), 6);
	CHECK(e.c.discard);
	nic_rx(6, 7, 952, eop, 0);
	nic_rx(7, 8, 3000, eop, 0);		/* longer than its buffer */
	nic_rx(8, 9, BUF, eop, 0);		/* exactly the buffer */
	nic_rx(9, 10, 300, eop, 0);
	CHECK_EQ(hpcap_rx_clean(&e.c, &e.r, 64, 65535), 4);
	CHECK(!e.c.discard);
	CHECK_EQ(e.c.frag_frames, 2);
	CHECK_EQ(e.c.bad_length_frames, 1);
	CHECK_EQ(e.c.err_frames, 0);
	CHECK_EQ(e.c.hw_frames, 7);
	CHECK_EQ(e.r.stats.captured_frames, 4);
	hpcap_ring_publish(&e.r);
	CHECK(next_frame(&e, &seq, &cap, &len));
	CHECK_EQ(seq, 1);
	CHECK(next_frame(&e, &seq, &cap, &len));
	CHECK_EQ(seq, 5);
	CHECK(next_frame(&e, &seq, &cap, &len));
	CHECK_EQ(seq, 9);
	CHECK_EQ(len, BUF);
	CHECK(next_frame(&e, &seq, &cap, &len));
	CHECK_EQ(seq, 10);
	CHECK(!next_frame(&e, &seq, &cap, &len));
	/* A queue restart forgets a half-seen frame. */
	nic_rx(10, 11, 2048, HPCAP_RXD_STAT_DD, 0);
	CHECK_EQ(hpcap_rx_clean(&e.c, &e.r, 64, 65535), 1);
	hpcap_rx_arm_all(&e.c);
	nic_rx(0, 12, 100, eop, 0);
	CHECK_EQ(hpcap_rx_clean(&e.c, &e.r, 64, 65535), 1);
	CHECK_EQ(e.r.stats.captured_frames, 5);
	hpcap_dblunmap(e.data, 4 * MiB);
}

/* The ring goes round many times; every frame arrives once, in order. */
static void wrap(void)
{
	struct env e;
	struct hpcap_ack_wait aw;
	uint32_t seq, want = 0, sent = 0;
	uint16_t cap, len;
	unsigned round, i;

	env_init(&e);
	for (round = 0; round < 100; round++) {
		for (i = 0; i < 100; i++, sent++)
			nic_rx((e.c.next + i) % NDESC, sent,
			       (uint16_t)(60 + sent % 1400),
			       HPCAP_RXD_STAT_DD | HPCAP_RXD_STAT_EOP, 0);
		CHECK_EQ(hpcap_rx_clean(&e.c, &e.r, 1000, 65535), 100);
		hpcap_ring_publish(&e.r);
		while (next_frame(&e, &seq, &cap, &len))
			CHECK_EQ(seq, want++);
		hpcap_ring_ack(&e.r, e.l, e.rpos - e.r.lst[e.l].read_pos, &aw);
	}
	CHECK_EQ(want, 10000);
	hpcap_dblunmap(e.data, 4 * MiB);
}

static void dedup(void)
{
	static struct hpcap_dup d;
	struct env e;
	unsigned i, n = 0;

	env_init(&e);
	d.window_ns = HPCAP_DUP_WINDOW_NS;
	e.c.dup = &d;
	/* Frames 0..99, each tenth sent twice in a row; hashes as RSS would
	 * give them (the same for the same frame). */
	for (i = 0; i < 100; i++) {
		nic_rx(n++ % NDESC, i, 200, HPCAP_RXD_STAT_DD |
		       HPCAP_RXD_STAT_EOP, i * 2654435761u);
		if (i % 10 == 9)
			nic_rx(n++ % NDESC, i, 200, HPCAP_RXD_STAT_DD |
			       HPCAP_RXD_STAT_EOP, i * 2654435761u);
	}
	CHECK_EQ(hpcap_rx_clean(&e.c, &e.r, 1000, 65535), 110);
	CHECK_EQ(e.r.stats.dup_frames, 10);
	CHECK_EQ(e.r.stats.captured_frames, 100);
	/* Same length and first 70 bytes but a different tail: still a
	 * duplicate by HPCAP's rule; a different length is not. */
	nic_rx(n++ % NDESC, 5, 200, HPCAP_RXD_STAT_DD | HPCAP_RXD_STAT_EOP,
	       5 * 2654435761u);
	nic_rx(n++ % NDESC, 5, 201, HPCAP_RXD_STAT_DD | HPCAP_RXD_STAT_EOP,
	       5 * 2654435761u);
	CHECK_EQ(hpcap_rx_clean(&e.c, &e.r, 1000, 65535), 2);
	CHECK_EQ(e.r.stats.dup_frames, 11);
	CHECK_EQ(e.r.stats.captured_frames, 101);
	/* Frames the NIC did not hash fall back to hashing the bytes. */
	nic_rx(n++ % NDESC, 7777, 80, HPCAP_RXD_STAT_DD | HPCAP_RXD_STAT_EOP, 0);
	nic_rx(n++ % NDESC, 7777, 80, HPCAP_RXD_STAT_DD | HPCAP_RXD_STAT_EOP, 0);
	CHECK_EQ(hpcap_rx_clean(&e.c, &e.r, 1000, 65535), 2);
	CHECK_EQ(e.r.stats.dup_frames, 12);
	hpcap_dblunmap(e.data, 4 * MiB);
}

/*
 * A 6 GiB buffer (sparse memory: only what is written gets pages) whose
 * stream has already run past 2^31 and 2^32 bytes: positions, offsets and
 * file framing stay exact.
 */
static void beyond_4gib(void)
{
	uint64_t size = 6ull << 30, fs = 2ull << 30, start, p;
	uint8_t *data = hpcap_dblmap_anon(size);
	struct hpcap_ring r;
	struct hpcap_ring_info info;
	unsigned i;

	CHECK(data != NULL);
	if (!data)
		return;
	for (start = (1ull << 31) - 5000; start < (5ull << 30);
	     start += 1ull << 31) {
		hpcap_ring_init(&r, data, size, fs, &info, 0, 0);
		hpcap_ring_listener_add(&r, HPCAP_MODE_LOSSLESS);
		/* White box: as if this much had been written and read. */
		r.pos = r.lst[0].read_pos = start;
		r.off = start % size;
		r.froom = fs - start % fs;
		r.limit = start + size;
		for (i = 0; i < 20; i++) {
			uint8_t *dst = hpcap_ring_put(&r, 1, i + 1, 1000, 1000);

			CHECK(dst != NULL);
			if (dst)
				memset(dst, (int)i, 1000);
		}
		CHECK(r.pos > start + 20 * 1012);
		CHECK_EQ(r.off, r.pos % size);
		CHECK_EQ(r.froom, fs - r.pos % fs);
		/* Walk the records back from start. */
		for (p = start, i = 0; p < r.pos; ) {
			struct hpcap_raw_hdr h;

			memcpy(&h, data + p % size, sizeof(h));
			if (h.sec || h.nsec) {
				CHECK_EQ(le32toh(h.nsec), i + 1);
				CHECK_EQ(data[(p + 12 + 999) % size], i);
				i++;
			}
			p += 12 + le16toh(h.caplen);
		}
		CHECK_EQ(p, r.pos);
		CHECK_EQ(i, 20);
	}
	hpcap_dblunmap(data, size);
}

int main(void)
{
	basic_and_errors();
	spanning_and_bad_length();
	wrap();
	dedup();
	beyond_4gib();
	return check_report("native poll loop, dedup, rings past 4 GiB");
}
