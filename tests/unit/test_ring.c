// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_ring.c - the module's producer routine and listener cursors
 * (core/hpcap_ring.c, compiled here unchanged), single-threaded for exact
 * counts and multi-threaded for the ordering of the handoff.  Built with
 * ASan/UBSan by check-unit and with TSan by check-tsan.
 */
#define _GNU_SOURCE
#include "check.h"
#include "hpcap_ring.h"
#include "queue/dblmap.h"
#include "libhpcap.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define MiB (1ull << 20)

struct ctx {
	struct hpcap_ring r;
	struct hpcap_ring_info info;
	uint8_t *data;
	pthread_mutex_t lock;
	pthread_cond_t more;
	int done;
};

static void ctx_init(struct ctx *c, uint64_t size, uint64_t file_size)
{
	memset(c, 0, sizeof(*c));
	c->data = hpcap_dblmap_anon(size);
	CHECK(c->data != NULL);
	CHECK(hpcap_ring_init(&c->r, c->data, size, file_size, &c->info, 3,
			      1) == 0);
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->more, NULL);
}

static void ctx_fini(struct ctx *c)
{
	hpcap_dblunmap(c->data, c->r.size);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->more);
}

/* Frame i: 8-byte sequence number, then bytes (i + k) & 0xff. */
static uint32_t size_of(uint64_t i)
{
	return (uint32_t)((i * 2654435761u) % 1600) + 8;
}

static int put_frame(struct ctx *c, uint64_t i)
{
	uint32_t n = size_of(i), k;
	uint8_t *p = hpcap_ring_put(&c->r, 1700000000u + (uint32_t)(i >> 20),
				    (uint32_t)(i & 0xfffff) + 1, n, n + 4);

	if (!p)
		return 0;
	memcpy(p, &i, 8);
	for (k = 8; k < n; k++)
		p[k] = (uint8_t)(i + k);
	return 1;
}

/* Check a frame record at stream position pos; return its sequence. */
static uint64_t check_frame(const struct ctx *c, uint64_t pos)
{
	const uint8_t *p = c->data + pos % c->r.size;
	struct hpcap_raw_hdr h;
	uint64_t seq;
	uint32_t k;

	memcpy(&h, p, sizeof(h));
	memcpy(&seq, p + 12, 8);
	CHECK_EQ(le16toh(h.caplen), size_of(seq));
	CHECK_EQ(le16toh(h.len), size_of(seq) + 4);
	CHECK_EQ(le32toh(h.nsec), (seq & 0xfffff) + 1);
	for (k = 8; k < le16toh(h.caplen); k++)
		if (p[12 + k] != (uint8_t)(seq + k)) {
			CHECK(!"frame bytes intact");
			break;
		}
	return seq;
}

static uint32_t rec_len_at(const struct ctx *c, uint64_t pos, int *padding)
{
	struct hpcap_raw_hdr h;

	memcpy(&h, c->data + pos % c->r.size, sizeof(h));
	*padding = !h.sec && !h.nsec;
	return 12 + le16toh(h.caplen);
}

/* Every stream position that is a multiple of the file size starts a
 * record, and the padding before it ends exactly there. */
static void framing_matches_rule(void)
{
	struct ctx c;
	struct hpcap_ack_wait aw;
	uint64_t i, pos = 0, seq = 0;
	int l, pad;

	ctx_init(&c, MiB, MiB);
	l = hpcap_ring_listener_add(&c.r, HPCAP_MODE_LOSSLESS);
	CHECK(l >= 0);
	for (i = 0; i < 20000; i++) {
		uint64_t before = c.r.pos;
		uint32_t rec = 12 + size_of(i);

		CHECK(put_frame(&c, i));
		CHECK_EQ(c.r.pos, before + hpcap_pad_before(before, MiB, rec) + rec);
		hpcap_ring_publish(&c.r);
		CHECK_EQ(c.info.write_pos, c.r.pos);
		/* consume everything, walking records */
		while (pos < c.r.pos) {
			uint32_t n = rec_len_at(&c, pos, &pad);

			if (pad) {
				CHECK_EQ((pos + n) % MiB, 0);
			} else {
				CHECK_EQ(check_frame(&c, pos), seq);
				seq++;
			}
			pos += n;
		}
		CHECK_EQ(pos, c.r.pos);
		CHECK(hpcap_ring_ack(&c.r, l, c.r.pos - c.r.lst[l].read_pos, &aw) == 0);
	}
	CHECK_EQ(seq, 20000);
	CHECK_EQ(c.r.stats.client_lost_frames, 0);
	CHECK(c.r.pos > 10 * MiB);	/* wrapped many times */
	ctx_fini(&c);
}

static void lossless_backpressure(void)
{
	struct ctx c;
	struct hpcap_ack_wait aw;
	uint64_t i, kept = 0;
	int l;

	ctx_init(&c, MiB, 4 * MiB);
	/* No listener: discarded, counted, nothing written. */
	for (i = 0; i < 100; i++)
		CHECK(!put_frame(&c, i));
	CHECK_EQ(c.r.stats.noclient_frames, 100);
	CHECK_EQ(c.r.pos, 0);
	l = hpcap_ring_listener_add(&c.r, HPCAP_MODE_LOSSLESS);
	for (i = 0; i < 5000; i++)
		kept += put_frame(&c, i);
	hpcap_ring_publish(&c.r);
	/* Never more than one buffer ahead of the reader. */
	CHECK(c.r.pos <= MiB);
	CHECK(c.r.pos > MiB - 1700);
	CHECK_EQ(c.r.stats.client_lost_frames, 5000 - kept);
	CHECK_EQ(c.r.stats.captured_frames, kept);
	/* Acknowledging more than is readable is refused. */
	CHECK_EQ(hpcap_ring_ack(&c.r, l, c.r.pos + 1, &aw), -EINVAL);
	CHECK_EQ(c.r.lst[l].read_pos, 0);
	/* Half acknowledged: room again. */
	CHECK(hpcap_ring_ack(&c.r, l, MiB / 2, &aw) == 0);
	CHECK_EQ(aw.read_pos, MiB / 2);
	CHECK_EQ(aw.avail, c.r.pos - MiB / 2);
	CHECK(put_frame(&c, 9999));
	ctx_fini(&c);
}

/* A lossy listener that never reads costs the lossless one nothing, and
 * is told exactly what it lost when it comes back. */
static void lossy_beside_lossless(void)
{
	struct ctx c;
	struct hpcap_ack_wait aw;
	uint64_t i, frames_after = 0, pos, old, first;
	int fast, slow, pad;

	ctx_init(&c, MiB, MiB);
	fast = hpcap_ring_listener_add(&c.r, HPCAP_MODE_LOSSLESS);
	slow = hpcap_ring_listener_add(&c.r, HPCAP_MODE_LOSSY);
	CHECK(fast >= 0 && slow >= 0 && fast != slow);
	for (i = 0; i < 10000; i++) {
		CHECK(put_frame(&c, i));
		hpcap_ring_publish(&c.r);
		CHECK(hpcap_ring_ack(&c.r, fast, c.r.pos - c.r.lst[fast].read_pos,
				     &aw) == 0);
	}
	CHECK_EQ(c.r.stats.client_lost_frames, 0);
	CHECK(c.r.pos > 5 * MiB);
	old = c.r.lst[slow].read_pos;
	CHECK_EQ(old, 0);
	CHECK(hpcap_ring_ack(&c.r, slow, 12345, &aw) == 0);
	CHECK(aw.read_pos >= c.info.tail_pos);
	CHECK(aw.read_pos <= c.info.tail_pos + 12 + 1608);
	CHECK_EQ(aw.lost_bytes, aw.read_pos - old);
	CHECK_EQ(aw.avail, c.r.pos - aw.read_pos);
	/* The resync point is a record start: the chain lands on write_pos,
	 * and lost + still readable frames = all frames. */
	first = aw.lost_frames;
	for (pos = aw.read_pos; pos < c.r.pos;) {
		uint32_t n = rec_len_at(&c, pos, &pad);

		if (!pad) {
			CHECK_EQ(check_frame(&c, pos), first + frames_after);
			frames_after++;
		}
		pos += n;
	}
	CHECK_EQ(pos, c.r.pos);
	CHECK_EQ(aw.lost_frames + frames_after, 10000);
	/* Reported once. */
	CHECK(hpcap_ring_ack(&c.r, slow, 0, &aw) == 0);
	CHECK_EQ(aw.lost_frames, 0);
	CHECK_EQ(aw.lost_bytes, 0);
	ctx_fini(&c);
}

static void listeners_come_and_go(void)
{
	struct ctx c;
	struct hpcap_ack_wait aw;
	struct hpcap_listener_stats ls;
	struct hpcap_queue_stats qs;
	int l[HPCAP_MAX_LISTENERS], i, a, b;

	ctx_init(&c, 2 * MiB, MiB);
	for (i = 0; i < (int)HPCAP_MAX_LISTENERS; i++)
		CHECK((l[i] = hpcap_ring_listener_add(&c.r, HPCAP_MODE_LOSSLESS)) >= 0);
	CHECK_EQ(hpcap_ring_listener_add(&c.r, HPCAP_MODE_LOSSLESS), -EBUSY);
	CHECK_EQ(hpcap_ring_listener_add(&c.r, 7), -EINVAL);
	for (i = 1; i < (int)HPCAP_MAX_LISTENERS; i++)
		hpcap_ring_listener_del(&c.r, l[i]);
	for (i = 0; i < 300; i++)
		CHECK(put_frame(&c, (uint64_t)i));
	hpcap_ring_publish(&c.r);
	/* A listener closed in the middle of a block and reopened starts
	 * at the current write position, a record start. */
	CHECK(hpcap_ring_ack(&c.r, l[0], 1000, &aw) == 0);
	hpcap_ring_listener_del(&c.r, l[0]);
	a = hpcap_ring_listener_add(&c.r, HPCAP_MODE_LOSSLESS);
	CHECK_EQ(c.r.lst[a].read_pos, c.r.pos);
	b = hpcap_ring_listener_add(&c.r, HPCAP_MODE_LOSSLESS);
	CHECK(c.r.lst[b].id > c.r.lst[a].id);	/* ids never reused */
	/* Two listeners see the same bytes. */
	for (i = 300; i < 600; i++)
		CHECK(put_frame(&c, (uint64_t)i));
	hpcap_ring_publish(&c.r);
	CHECK_EQ(hpcap_ring_avail(&c.r, a), hpcap_ring_avail(&c.r, b));
	CHECK_EQ(c.r.lst[a].read_pos, c.r.lst[b].read_pos);
	CHECK_EQ(check_frame(&c, c.r.lst[a].read_pos), 300);
	/* Switching to lossy restarts from the write position. */
	CHECK(hpcap_ring_listener_set_mode(&c.r, b, HPCAP_MODE_LOSSY) == 0);
	CHECK_EQ(c.r.lst[b].read_pos, c.r.pos);
	CHECK_EQ(c.r.nlossy, 1);
	CHECK_EQ(c.r.nlossless, 1);
	CHECK_EQ(hpcap_ring_listener_set_mode(&c.r, b, 9), -EINVAL);
	hpcap_ring_listener_stats(&c.r, b, &ls);
	CHECK_EQ(ls.mode, HPCAP_MODE_LOSSY);
	hpcap_ring_queue_stats(&c.r, &qs);
	CHECK_EQ(qs.listeners, 2);
	CHECK_EQ(qs.captured_frames, 600);
	ctx_fini(&c);
}

/* Threads: one producer, two lossless readers reading without the lock,
 * as the module's listeners do through the mapping. */
#define TFRAMES 300000

struct reader {
	struct ctx *c;
	int idx;
	uint64_t seen;
};

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	struct ctx *c = rd->c;
	struct hpcap_ack_wait aw;
	uint64_t consumed = 0, expect = 0, pos, end;
	int pad;

	for (;;) {
		pthread_mutex_lock(&c->lock);
		CHECK(hpcap_ring_ack(&c->r, rd->idx, consumed, &aw) == 0);
		while (!aw.avail && !c->done) {
			pthread_cond_wait(&c->more, &c->lock);
			CHECK(hpcap_ring_ack(&c->r, rd->idx, 0, &aw) == 0);
		}
		pthread_mutex_unlock(&c->lock);
		if (!aw.avail)
			break;
		/* Outside the lock, as a consumer of the mapping. */
		end = smp_load_acquire(&c->info.write_pos);
		CHECK(end >= aw.read_pos + aw.avail);
		for (pos = aw.read_pos; pos < aw.read_pos + aw.avail;) {
			uint32_t n = rec_len_at(c, pos, &pad);

			if (!pad) {
				uint64_t seq = check_frame(c, pos);

				CHECK(seq >= expect);	/* drops only */
				expect = seq + 1;
				rd->seen++;
			}
			pos += n;
		}
		CHECK_EQ(pos, aw.read_pos + aw.avail);
		consumed = aw.avail;
	}
	return NULL;
}

static void threaded(void)
{
	struct ctx c;
	struct reader rd[2];
	pthread_t t[2];
	uint64_t i, lost;
	int k;

	ctx_init(&c, MiB, MiB);
	for (k = 0; k < 2; k++) {
		rd[k].c = &c;
		rd[k].seen = 0;
		rd[k].idx = hpcap_ring_listener_add(&c.r, HPCAP_MODE_LOSSLESS);
		pthread_create(&t[k], NULL, reader_main, &rd[k]);
	}
	for (i = 0; i < TFRAMES; i++) {
		pthread_mutex_lock(&c.lock);
		put_frame(&c, i);
		hpcap_ring_publish(&c.r);
		pthread_cond_broadcast(&c.more);
		pthread_mutex_unlock(&c.lock);
	}
	pthread_mutex_lock(&c.lock);
	c.done = 1;
	pthread_cond_broadcast(&c.more);
	pthread_mutex_unlock(&c.lock);
	for (k = 0; k < 2; k++)
		pthread_join(t[k], NULL);
	lost = c.r.stats.client_lost_frames;
	for (k = 0; k < 2; k++)
		CHECK_EQ(rd[k].seen + lost, TFRAMES);
	CHECK_EQ(c.r.stats.captured_frames + lost, TFRAMES);
	ctx_fini(&c);
}

/* Wake targets fire once, for the lowest first, and only the producer
 * disarms them: an ack without a wait leaves a poll()'s target alone, and
 * a target that fired costs nothing more (issue 11, item 8). */
static void wake_targets(void)
{
	struct ctx c;
	struct hpcap_ack_wait aw;
	int a, b, i;
	bool wait;

	ctx_init(&c, MiB, MiB);
	a = hpcap_ring_listener_add(&c.r, HPCAP_MODE_LOSSLESS);
	b = hpcap_ring_listener_add(&c.r, HPCAP_MODE_LOSSLESS);
	CHECK_EQ(hpcap_ring_publish(&c.r), 0);
	/* a polls (target: the next byte), b waits for 5000 bytes. */
	hpcap_ring_arm(&c.r, a, c.r.lst[a].read_pos + 1);
	memset(&aw, 0, sizeof(aw));
	aw.min_bytes = 5000;
	aw.timeout_ns = 1000000;
	CHECK(hpcap_ring_ack_wait_begin(&c.r, b, &aw, false, &wait) == 0);
	CHECK(wait);
	CHECK(hpcap_ring_armed(&c.r, a) && hpcap_ring_armed(&c.r, b));
	CHECK_EQ(c.r.wake_at, 1);
	/* a consumer that acks with timeout 0 does not touch its target */
	memset(&aw, 0, sizeof(aw));
	CHECK(hpcap_ring_ack_wait_begin(&c.r, a, &aw, false, &wait) == 0);
	CHECK(!wait);
	CHECK(hpcap_ring_armed(&c.r, a));
	CHECK(put_frame(&c, 0));
	CHECK_EQ(hpcap_ring_publish(&c.r), 1u << a);	/* a only */
	CHECK(!hpcap_ring_armed(&c.r, a) && hpcap_ring_armed(&c.r, b));
	CHECK_EQ(c.r.stats.wakeups, 1);
	/* Fired once: more frames wake nobody until b's target. */
	for (i = 1; c.r.pos < 5000; i++) {
		CHECK(put_frame(&c, (uint64_t)i));
		if (c.r.pos < 5000)
			CHECK_EQ(hpcap_ring_publish(&c.r), 0);
	}
	CHECK_EQ(hpcap_ring_publish(&c.r), 1u << b);
	CHECK_EQ(c.r.wake_at, UINT64_MAX);
	CHECK_EQ(c.r.stats.wakeups, 2);
	for (i = 0; i < 100; i++) {
		CHECK(put_frame(&c, 1000 + (uint64_t)i));
		CHECK_EQ(hpcap_ring_publish(&c.r), 0);
	}
	CHECK_EQ(c.r.stats.wakeups, 2);
	/* Armed twice: the lower target stays; a woken waiter whose data
	 * is not enough is armed again by ack_wait_again. */
	hpcap_ring_arm(&c.r, a, c.r.pos + 100000);
	hpcap_ring_arm(&c.r, a, c.r.pos + 10);
	hpcap_ring_arm(&c.r, a, c.r.pos + 500000);
	CHECK_EQ(c.r.lst[a].wake_target, c.r.pos + 10);
	memset(&aw, 0, sizeof(aw));
	CHECK(hpcap_ring_ack_wait_again(&c.r, b, &aw, c.r.pos + 1, false));
	CHECK(hpcap_ring_armed(&c.r, b));
	CHECK(!hpcap_ring_ack_wait_again(&c.r, b, &aw, 1, false));
	CHECK(hpcap_ring_ack_wait_again(&c.r, b, &aw, c.r.pos + 1, false));
	CHECK(!hpcap_ring_ack_wait_again(&c.r, b, &aw, c.r.pos + 1, true));
	/* A listener that goes is disarmed. */
	hpcap_ring_listener_del(&c.r, a);
	CHECK(!hpcap_ring_armed(&c.r, a));
	/* Requests the module refuses. */
	memset(&aw, 0, sizeof(aw));
	aw.min_bytes = MiB + 1;
	CHECK_EQ(hpcap_ring_ack_wait_begin(&c.r, b, &aw, false, &wait), -EINVAL);
	memset(&aw, 0, sizeof(aw));
	aw.flags = 1;
	CHECK_EQ(hpcap_ring_ack_wait_begin(&c.r, b, &aw, false, &wait), -EINVAL);
	ctx_fini(&c);
}

/* hpcap_ring_has_room() says what hpcap_ring_put() will do, and counts
 * nothing; the tail is published for readers that count their losses. */
static void room_and_tail(void)
{
	struct ctx c;
	struct hpcap_ring_tail tail = { 0 };
	struct hpcap_ack_wait aw;
	uint64_t i, before;
	int l, y;

	ctx_init(&c, MiB, MiB);
	c.r.tail_pub = &tail;
	l = hpcap_ring_listener_add(&c.r, HPCAP_MODE_LOSSLESS);
	for (i = 0; hpcap_ring_has_room(&c.r, size_of(i)); i++)
		CHECK(put_frame(&c, i));
	before = c.r.stats.client_lost_frames;
	CHECK_EQ(before, 0);
	CHECK(!put_frame(&c, i));
	CHECK_EQ(c.r.stats.client_lost_frames, 1);
	hpcap_ring_publish(&c.r);
	CHECK(hpcap_ring_ack(&c.r, l, c.r.pos - c.r.lst[l].read_pos, &aw) == 0);
	CHECK(hpcap_ring_has_room(&c.r, size_of(i)));
	/* A lossy listener starts the walk at the write position. */
	y = hpcap_ring_listener_add(&c.r, HPCAP_MODE_LOSSY);
	CHECK(y >= 0);
	CHECK_EQ(tail.tail_rec, c.r.pos);
	CHECK_EQ(tail.tail_frames, c.r.frames);
	CHECK_EQ(tail.seq % 2, 0);
	for (i = 0; i < 3000; i++) {
		CHECK(put_frame(&c, i));
		hpcap_ring_publish(&c.r);
		CHECK(hpcap_ring_ack(&c.r, l, c.r.pos - c.r.lst[l].read_pos, &aw) == 0);
		CHECK(tail.tail_rec >= c.info.tail_pos);
		CHECK_EQ(tail.tail_rec, c.r.tail_rec);
	}
	/* tail_frames counts the frames before tail_rec: those after it
	 * are still in the buffer. */
	{
		uint64_t pos = tail.tail_rec, n = 0;
		int pad;

		while (pos < c.r.pos) {
			pos += rec_len_at(&c, pos, &pad);
			n += !pad;
		}
		CHECK_EQ(pos, c.r.pos);
		CHECK_EQ(tail.tail_frames + n, c.r.frames);
	}
	ctx_fini(&c);
}

/*
 * A lossy reader as libhpcap's hpcap_next() is one: it reads records in
 * order past its last acknowledgement, checks tail_pos after each header,
 * acknowledges now and then, and settles every answer of the queue with
 * hpcap_reader_settle().  delivered + lost + still readable == produced
 * must hold exactly whatever the pattern (issue 11, item 5: the queue
 * alone charges frames read but not yet acknowledged).
 */
struct lossy_rd {
	struct ctx *c;
	int idx;
	struct hpcap_reader rd;
	uint64_t win_end;
	uint64_t delivered, next_seq, gaps, queue_lost;
	int have_seq;
	uint64_t rng;
};

static uint64_t rnd(uint64_t *s)
{
	return check_rnd(s);
}

/* Acknowledge everything handed out; under the ring lock. */
static void lossy_ack(struct lossy_rd *x)
{
	struct hpcap_ack_wait aw;
	uint64_t ack = x->rd.pos - x->rd.ack_pos;

	CHECK(hpcap_ring_ack(&x->c->r, x->idx, ack, &aw) == 0);
	x->queue_lost += aw.lost_frames;
	hpcap_reader_settle(&x->rd, x->rd.delivered, aw.read_pos,
			    aw.lost_bytes, aw.lost_frames);
	x->win_end = aw.read_pos + aw.avail;
	CHECK(x->rd.pos <= x->win_end);
}

/* Read one record; 1 frame, 0 padding or nothing to read.  Under the ring
 * lock (the bytes a lossy reader races the producer for are not what is
 * tested here, and ThreadSanitizer would rightly object). */
static int lossy_read(struct lossy_rd *x)
{
	struct ctx *c = x->c;
	uint64_t at = x->rd.pos, seq;
	uint32_t n;
	int pad;

	if (at >= x->win_end) {
		lossy_ack(x);
		if (x->rd.pos >= x->win_end)
			return 0;
		at = x->rd.pos;
	}
	n = rec_len_at(c, at, &pad);
	if (c->info.tail_pos > at) {	/* lapped: the queue moves us on */
		lossy_ack(x);
		return 0;
	}
	x->rd.pos = at + n;
	if (pad)
		return 0;
	seq = check_frame(c, at);
	if (x->have_seq && seq != x->next_seq) {
		CHECK(seq > x->next_seq);
		x->gaps += seq - x->next_seq;
	}
	x->have_seq = 1;
	x->next_seq = seq + 1;
	x->rd.delivered++;
	x->delivered++;
	return 1;
}

static void lossy_start(struct lossy_rd *x, struct ctx *c, uint64_t seed)
{
	memset(x, 0, sizeof(*x));
	x->c = c;
	x->rng = seed;
	x->idx = hpcap_ring_listener_add(&c->r, HPCAP_MODE_LOSSY);
	CHECK(x->idx >= 0);
	x->rd.ack_pos = x->rd.pos = x->win_end = c->r.lst[x->idx].read_pos;
	/* Frame i carries sequence i: the first one this reader may see. */
	x->next_seq = c->r.frames;
	x->have_seq = 1;
}

/* Drain after the producer stopped, then check the identity. */
static void lossy_finish(struct lossy_rd *x, uint64_t produced)
{
	for (;;) {
		lossy_read(x);
		if (x->rd.pos == x->c->r.pos && x->win_end == x->rd.pos)
			break;
	}
	lossy_ack(x);
	CHECK_EQ(x->delivered + x->rd.lost_frames, produced);
	CHECK_EQ(x->gaps, x->rd.lost_frames);
	/* The queue's own count includes what was read unacknowledged. */
	CHECK(x->queue_lost >= x->rd.lost_frames);
}

static void lossy_exact_counts(void)
{
	uint64_t seed, seq = 0, produced, steps;

	for (seed = 1; seed <= 40; seed++) {
		struct lossy_rd x;
		struct ctx c;

		ctx_init(&c, MiB, MiB);
		seq = 0;
		lossy_start(&x, &c, seed * 0x9e3779b97f4a7c15ull);
		for (steps = 0; steps < 2000; steps++) {
			uint64_t k, r = rnd(&x.rng);

			switch (r % 4) {
			case 0:	/* a burst */
				for (k = r >> 8 & 511; k; k--)
					put_frame(&c, seq++);
				hpcap_ring_publish(&c.r);
				break;
			case 1:	/* read a few, acknowledge when the batch
				 * says so (256 KiB, as libhpcap) */
			case 2:
				for (k = r >> 8 & 127; k; k--) {
					lossy_read(&x);
					if (x.rd.pos - x.rd.ack_pos >= (seed & 1 ? 256u << 10 : 4096u))
						lossy_ack(&x);
				}
				break;
			case 3:	/* acknowledge now */
				lossy_ack(&x);
				break;
			}
		}
		produced = c.r.frames;
		lossy_finish(&x, produced);
		ctx_fini(&c);
	}
}

/* The same with a producer thread and a reader thread (TSan). */
struct lossy_prod {
	struct ctx *c;
	uint64_t frames;
};

static void *lossy_producer(void *arg)
{
	struct lossy_prod *p = arg;
	struct ctx *c = p->c;
	uint64_t i;

	for (i = 0; i < p->frames; i++) {
		pthread_mutex_lock(&c->lock);
		put_frame(c, i);
		if (i % 8 == 7)
			hpcap_ring_publish(&c->r);
		pthread_mutex_unlock(&c->lock);
	}
	pthread_mutex_lock(&c->lock);
	hpcap_ring_publish(&c->r);
	c->done = 1;
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

static void lossy_exact_threaded(void)
{
	struct lossy_prod p;
	struct lossy_rd x;
	struct ctx c;
	pthread_t t;
	int done = 0, k;

	ctx_init(&c, MiB, MiB);
	lossy_start(&x, &c, 12345);
	p.c = &c;
	p.frames = 200000;
	pthread_create(&t, NULL, lossy_producer, &p);
	/* Let the producer get two rings ahead once, so the reader is
	 * lapped however the scheduler shares the two threads (a busy
	 * machine could otherwise let the reader keep up all along). */
	for (;;) {
		pthread_mutex_lock(&c.lock);
		done = c.done || c.r.pos - x.rd.pos > 2 * MiB;
		pthread_mutex_unlock(&c.lock);
		if (done)
			break;
		usleep(100);
	}
	done = 0;
	while (!done) {
		uint64_t r = rnd(&x.rng);

		pthread_mutex_lock(&c.lock);
		done = c.done;
		for (k = (int)(r & 63); k >= 0; k--)
			lossy_read(&x);
		if (r >> 8 & 1 || x.rd.pos - x.rd.ack_pos >= (256u << 10))
			lossy_ack(&x);
		pthread_mutex_unlock(&c.lock);
		if (r >> 9 & 1)
			usleep(r >> 10 & 255);
	}
	pthread_join(t, NULL);
	lossy_finish(&x, c.r.frames);
	CHECK(x.rd.lost_frames > 0);	/* it was lapped */
	ctx_fini(&c);
}

int main(void)
{
	wake_targets();
	room_and_tail();
	lossy_exact_counts();
	lossy_exact_threaded();
	framing_matches_rule();
	lossless_backpressure();
	lossy_beside_lossless();
	listeners_come_and_go();
	threaded();
	return check_report("ring producer and listeners");
}
