// SPDX-License-Identifier: BSD-3-Clause
/*
 * socket.c - one RX queue's AF_XDP socket: its UMEM on the chosen NUMA
 * node, the fill ring primed with every chunk, busy polling when the
 * kernel has it, and the calls of the receive loop that need the kernel.
 */
#define _GNU_SOURCE
#include "preflight.h"

#include <errno.h>
#include <numa.h>
#include <stdint.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SOL_XDP
#define SOL_XDP 283
#endif
#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL 69	/* Linux 5.11 */
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET 70	/* Linux 5.11 */
#endif

#define HUGE_2M (2ul << 20)

/*
 * The UMEM: anonymous memory aligned to 2 MiB and offered to transparent
 * huge pages, bound to the node.  Every frame lands in a chunk of its own,
 * so with 4 KiB pages the kernel's copy (and the reader) would take a TLB
 * miss every other frame; in 2 MiB pages, every 1000th.  The pages are
 * allocated, on the node, when the UMEM registration pins them.
 */
static void *umem_alloc(size_t len, int node)
{
	size_t span = len + HUGE_2M;
	uint8_t *a, *al;

	a = mmap(NULL, span, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		return NULL;
	al = (uint8_t *)(((uintptr_t)a + HUGE_2M - 1) & ~(HUGE_2M - 1));
	if (al > a)
		munmap(a, (size_t)(al - a));
	if (al + len < a + span)
		munmap(al + len, (size_t)(a + span - (al + len)));
	/* Not fatal: THP may be off ("never"); 4 KiB pages then. */
	madvise(al, len, MADV_HUGEPAGE);
	if (node >= 0 && numa_available() >= 0)
		numa_tonode_memory(al, len, node);
	return al;
}

static void umem_free(void *a, size_t len)
{
	if (a)
		munmap(a, len);
}

/*
 * Busy polling: this thread runs the driver's poll itself (recvfrom in
 * hxdp_rx_kick()), with SO_PREFER_BUSY_POLL keeping the interrupt path out
 * of its way.  Needs Linux 5.11; without it the queue relies on the
 * driver's interrupts and the need-wakeup flag.
 */
static int set_busy_poll(struct hxdp_queue *q, const struct hxdp_opts *o)
{
	int one = 1;
	int usecs = (int)(o->busy_poll_usecs ? o->busy_poll_usecs : 20);
	int budget = (int)(o->busy_poll_budget ? o->busy_poll_budget : 64);

	if (setsockopt(q->fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, &one,
		       sizeof(one)) ||
	    setsockopt(q->fd, SOL_SOCKET, SO_BUSY_POLL, &usecs,
		       sizeof(usecs)) ||
	    setsockopt(q->fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, &budget,
		       sizeof(budget)))
		return -errno;
	return 0;
}

int hxdp_queue_open(struct hxdp_port *p, struct hxdp_queue *q, unsigned qid,
		    int zero_copy, const struct hxdp_opts *o)
{
	struct xsk_umem_config uc = { 0 };
	struct xsk_socket_config sc = { 0 };
	uint32_t idx = 0, i;
	int err;

	memset(q, 0, sizeof(*q));
	q->fd = -1;
	q->qid = qid;
	q->frame_size = o->frame_size ? o->frame_size : HXDP_DEF_FRAME_SIZE;
	q->nframes = o->nframes ? o->nframes : HXDP_DEF_NFRAMES;
	q->numa_node = p->numa_node;
	q->umem_len = (size_t)q->frame_size * q->nframes;
	q->umem_area = umem_alloc(q->umem_len, q->numa_node);
	if (!q->umem_area)
		return hxdp_err(p->err, -ENOMEM,
				"cannot allocate the %zu KiB UMEM of queue %u",
				q->umem_len >> 10, qid);
	/* The fill ring can hold every chunk, so giving chunks back never
	 * waits. */
	uc.fill_size = q->nframes;
	uc.comp_size = 64;	/* the smallest: nothing is sent */
	uc.frame_size = q->frame_size;
	uc.frame_headroom = 0;
	err = xsk_umem__create(&q->umem, q->umem_area, q->umem_len, &q->fill,
			       &q->comp, &uc);
	if (err) {
		q->umem = NULL;
		if (err == -ENOBUFS || err == -ENOMEM || err == -EPERM)
			hxdp_err(p->err, err,
				 "cannot register the %zu KiB UMEM of queue %u (%s): the locked-memory limit is too low (the kernel counts every process of the user against it); raise it (ulimit -l, LimitMEMLOCK=) or grant CAP_IPC_LOCK",
				 q->umem_len >> 10, qid, strerror(-err));
		else
			hxdp_err(p->err, err,
				 "cannot register the UMEM of queue %u: %s",
				 qid, strerror(-err));
		goto fail;
	}
	sc.rx_size = o->rx_size ? o->rx_size :
		(q->nframes / 2 < HXDP_DEF_RX_SIZE ? q->nframes / 2 :
		 HXDP_DEF_RX_SIZE);
	sc.tx_size = 0;
	/* hpcap attaches its own program (prog.c). */
	sc.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;
	sc.bind_flags = (zero_copy ? XDP_ZEROCOPY : XDP_COPY) |
		XDP_USE_NEED_WAKEUP;
	err = xsk_socket__create(&q->xsk, p->ifname, qid, q->umem, &q->rx,
				 NULL, &sc);
	if (err) {
		q->xsk = NULL;
		if (err == -EBUSY)
			hxdp_err(p->err, err,
				 "queue %u of %s is already used by another AF_XDP socket: stop the program that owns it",
				 qid, p->ifname);
		else if (zero_copy && (err == -EOPNOTSUPP || err == -EINVAL))
			hxdp_err(p->err, -EOPNOTSUPP,
				 "the driver of %s offers no zero-copy AF_XDP",
				 p->ifname);
		else
			hxdp_err(p->err, err,
				 "cannot bind an AF_XDP socket to queue %u of %s in %s mode: %s",
				 qid, p->ifname, zero_copy ? "zero-copy" : "copy",
				 strerror(-err));
		goto fail;
	}
	q->fd = xsk_socket__fd(q->xsk);
	if (xsk_ring_prod__reserve(&q->fill, q->nframes, &idx) != q->nframes) {
		err = hxdp_err(p->err, -EIO, "the fill ring of queue %u is short",
			       qid);
		goto fail;
	}
	for (i = 0; i < q->nframes; i++)
		*xsk_ring_prod__fill_addr(&q->fill, idx + i) =
			(uint64_t)i * q->frame_size;
	xsk_ring_prod__submit(&q->fill, q->nframes);
	if (o->busy_poll) {
		err = set_busy_poll(q, o);
		q->busy_poll = !err;
		if (err && qid == o->queues[0])
			hxdp_note(p->notes,
				  "no busy polling (SO_PREFER_BUSY_POLL: %s; Linux 5.11+): need-wakeup instead",
				  strerror(-err));
	}
	return 0;
fail:
	hxdp_queue_close(q);
	return err;
}

void hxdp_queue_close(struct hxdp_queue *q)
{
	if (q->xsk)
		xsk_socket__delete(q->xsk);
	q->xsk = NULL;
	q->fd = -1;
	if (q->umem)
		xsk_umem__delete(q->umem);
	q->umem = NULL;
	umem_free(q->umem_area, q->umem_len);
	q->umem_area = NULL;
}

int hxdp_queue_stats(const struct hxdp_queue *q, struct xdp_statistics *s)
{
	socklen_t len = sizeof(*s);

	memset(s, 0, sizeof(*s));
	if (getsockopt(q->fd, SOL_XDP, XDP_STATISTICS, s, &len))
		return -errno;
	return 0;
}

void hxdp_rx_kick(struct hxdp_queue *q)
{
	if (q->busy_poll || xsk_ring_prod__needs_wakeup(&q->fill))
		recvfrom(q->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

void hxdp_rx_wait(struct hxdp_queue *q, int timeout_ms)
{
	struct pollfd pfd = { .fd = q->fd, .events = POLLIN };

	poll(&pfd, 1, timeout_ms);
}
