/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hxdp.h - an AF_XDP capture port: hpcap's XDP program on an interface and
 * one AF_XDP socket (with its own UMEM, fill and RX rings) per RX queue,
 * set up in the best XDP mode the driver and the caller allow, and torn
 * down to leave the interface as it was.  Used by hpcap-xdp (which feeds
 * hpcap queues) and by the bare receive loop of the benchmark, so both
 * measure the same sockets.  See doc/xdp.md.
 *
 * Like the rest of srclib: nothing here prints, exits or aborts; calls
 * return 0 or a negated errno and leave a message (what went wrong and
 * what to do) in the port's or the caller's error buffer.  libbpf's and
 * libxdp's own messages are captured, never printed.
 *
 * Threads: hxdp_port_open() and hxdp_port_close() from one thread; each
 * queue's rings from one thread at a time (the queue's own).
 */
#ifndef HPCAP_HXDP_H
#define HPCAP_HXDP_H

#include <linux/if_xdp.h>
#include <net/if.h>
#include <stdint.h>
#include <xdp/xsk.h>

#include "hpcap_xdp_meta.h"

#define HXDP_ERRBUF_SIZE 512
#define HXDP_MAX_QUEUES 64
/* Defaults: 64 MiB of UMEM per queue, 16 ms of traffic at 1 Mpps for the
 * moments the queue's thread does not run. */
#define HXDP_DEF_FRAME_SIZE 4096u
#define HXDP_DEF_NFRAMES 16384u
#define HXDP_DEF_RX_SIZE 8192u

/* XDP modes, best first.  A mode is tried only if the caller allows it. */
enum hxdp_mode {
	HXDP_MODE_ZC = 0,	/* native XDP, zero-copy socket */
	HXDP_MODE_COPY = 1,	/* native XDP, socket in copy mode */
	HXDP_MODE_SKB = 2,	/* generic (SKB) XDP, copy mode */
	HXDP_NMODES
};
#define HXDP_ALLOW(m) (1u << (m))

/* How the program is attached. */
enum hxdp_attach {
	/* A BPF link held by this process: the kernel detaches the
	 * program when the process ends, however it ends (SIGKILL too);
	 * exclusive use of the interface's XDP hook. */
	HXDP_ATTACH_LINK = 0,
	/* libxdp's dispatcher (needs bpffs): other XDP programs keep
	 * running beside hpcap's; a killed process leaves the program in
	 * the dispatcher until the next run or hxdp_cleanup(). */
	HXDP_ATTACH_DISPATCHER = 1,
};

/* Where frame stamps come from. */
enum hxdp_ts {
	HXDP_TS_AUTO = 0,	/* the NIC's if the kernel and driver give
				   them, else the kernel clock */
	HXDP_TS_NIC = 1,	/* the NIC's, or fail */
	HXDP_TS_KERNEL = 2,	/* the kernel clock at XDP */
};

struct hxdp_opts {
	const char *ifname;
	unsigned nqueues;
	unsigned queues[HXDP_MAX_QUEUES];	/* RX queue numbers */
	unsigned modes;		/* HXDP_ALLOW() bits; 0: zc and copy */
	enum hxdp_attach attach;
	enum hxdp_ts ts;
	unsigned frame_size;	/* UMEM chunk: 2048 or 4096; 0: default */
	unsigned nframes;	/* chunks per queue, power of 2; 0: default */
	unsigned rx_size;	/* RX ring entries, power of 2; 0: default */
	int busy_poll;		/* try SO_PREFER_BUSY_POLL */
	unsigned busy_poll_usecs;	/* 0: 20 */
	unsigned busy_poll_budget;	/* 0: 64 */
	int numa_node;		/* memory node; -1: the NIC's */
};

/* One RX queue: its socket and rings.  The rings are used inline by the
 * receive loop (hxdp_rx_*() below). */
struct hxdp_queue {
	struct xsk_ring_cons rx;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp;	/* unused: no TX */
	uint8_t *umem_area;
	int fd;
	unsigned qid;
	unsigned frame_size;
	unsigned nframes;
	int busy_poll;		/* busy polling is in effect */
	/* private */
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	size_t umem_len;
	int numa_node;
};

struct hxdp_port {
	char ifname[IF_NAMESIZE];
	int ifindex;
	enum hxdp_mode mode;	/* the mode in use */
	enum hxdp_attach attach;
	int nic_ts;		/* the program asks the NIC for stamps */
	int numa_node;		/* where the memory is; -1 unknown */
	int nic_queues;		/* RX queues of the interface */
	unsigned nqueues;
	struct hxdp_queue q[HXDP_MAX_QUEUES];
	/* Why the better modes were not used, and other notes for the
	 * user ("zero-copy: the driver does not offer it; ..."). */
	char notes[HXDP_ERRBUF_SIZE];
	char err[HXDP_ERRBUF_SIZE];
	/* private */
	struct bpf_object *obj;
	int link_fd;		/* the BPF link, or -1 */
	struct xdp_program *xprog;
	int xsks_map_fd;
	int no_native;		/* the driver has no native XDP */
	unsigned prog_mode;	/* XDP_FLAGS_DRV_MODE or _SKB_MODE; 0 none */
	int lock_fd;
};

/*
 * Check everything that can be checked first (kernel, capabilities,
 * locked memory, queue numbers, another instance), remove what a killed
 * instance left, attach the program and bind one socket per queue in the
 * best allowed mode.  On failure nothing is left behind.
 * @return 0; -EPERM (capabilities), -ENOMEM/-ENOBUFS (locked memory),
 *   -EINVAL (queues), -EBUSY (port in use), -EOPNOTSUPP (no allowed mode
 *   works), -EAFNOSUPPORT (no AF_XDP), ... with the message in errbuf.
 */
int hxdp_port_open(struct hxdp_port **p, const struct hxdp_opts *o,
		   char *errbuf);

/*
 * Take every socket out of the program's map: from now on frames go to the
 * stack (XDP_PASS), and what the sockets already hold can be drained and
 * counted before the port is closed.
 */
void hxdp_port_unplug(struct hxdp_port *p);

/* Close the sockets, detach the program, free everything.  NULL ok. */
void hxdp_port_close(struct hxdp_port *p);

/*
 * Remove an hpcap XDP program a killed instance left on ifname (dispatcher
 * or directly attached).  @return 1 removed, 0 nothing to remove,
 * -EBUSY another instance is running, negative on errors (message in
 * errbuf).
 */
int hxdp_cleanup(const char *ifname, char *errbuf);

/* The socket's XDP_STATISTICS. */
int hxdp_queue_stats(const struct hxdp_queue *q, struct xdp_statistics *s);

/* Loss counters of the interface (the driver's), since boot. */
struct hxdp_nic_stats {
	uint64_t rx_packets;
	uint64_t rx_dropped;	/* the driver dropped: no buffer, ... */
	uint64_t rx_missed;	/* rx_missed_errors + rx_fifo_errors */
};
int hxdp_nic_stats(const char *ifname, struct hxdp_nic_stats *s);

/* RX queues the interface has (/sys/class/net/IF/queues), or -errno. */
int hxdp_rx_queues(const char *ifname);

/* The NUMA node of the interface's device; -1 for none (virtual). */
int hxdp_nic_node(const char *ifname);

const char *hxdp_mode_name(enum hxdp_mode m);
/* Parse "zc,copy,skb" (any subset, any order) into HXDP_ALLOW() bits.
 * @return the bits, or -EINVAL. */
int hxdp_parse_modes(const char *s);

/* ---- the receive loop ---- */

/* Up to max descriptors ready on the RX ring; *idx for hxdp_rx_desc(). */
static inline unsigned hxdp_rx_peek(struct hxdp_queue *q, unsigned max,
				    uint32_t *idx)
{
	return xsk_ring_cons__peek(&q->rx, max, idx);
}

static inline const struct xdp_desc *hxdp_rx_desc(struct hxdp_queue *q,
						  uint32_t idx)
{
	return xsk_ring_cons__rx_desc(&q->rx, idx);
}

static inline uint8_t *hxdp_frame(struct hxdp_queue *q, uint64_t addr)
{
	return xsk_umem__get_data(q->umem_area, addr);
}

/*
 * The metadata the program left in front of the frame at data, or NULL
 * (the driver refused metadata).  Clears the magic, so the chunk's next
 * frame cannot be mistaken for this one.
 */
static inline const struct hpcap_xdp_meta *hxdp_meta(uint8_t *data)
{
	struct hpcap_xdp_meta *m = (struct hpcap_xdp_meta *)(void *)
		(data - sizeof(*m));

	if (m->magic != HPCAP_XDP_META_MAGIC)
		return NULL;
	m->magic = 0;
	return m;
}

/*
 * Give n chunks back to the kernel and release n RX descriptors starting
 * at idx.  The fill ring holds every chunk the RX ring does not, so the
 * reservation cannot fail.  In aligned mode the kernel rounds an address
 * down to its chunk, so a descriptor's address goes back as it is.
 */
static inline void hxdp_rx_done(struct hxdp_queue *q, uint32_t idx,
				 unsigned n)
{
	uint32_t fidx = 0;
	unsigned i;

	xsk_ring_prod__reserve(&q->fill, n, &fidx);
	for (i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&q->fill, fidx + i) =
			xsk_ring_cons__rx_desc(&q->rx, idx + i)->addr;
	xsk_ring_prod__submit(&q->fill, n);
	xsk_ring_cons__release(&q->rx, n);
}

/*
 * Nothing on the RX ring: let the kernel make progress.  With busy
 * polling, run the driver's poll from here (a non-blocking recvfrom);
 * otherwise wake the driver if it asked for it (need_wakeup).  Cheap
 * enough to call on every empty poll.
 */
void hxdp_rx_kick(struct hxdp_queue *q);

/* Sleep until frames come or timeout_ms pass (poll()); for idle queues. */
void hxdp_rx_wait(struct hxdp_queue *q, int timeout_ms);

#endif /* HPCAP_HXDP_H */
