/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hpcap_native.h - the native polling driver for Intel 82576 (igb family)
 * and 82599 (ixgbe family): one RX path for both, the differences between
 * the chips in a small table of operations (hpcap_hw_82576.c,
 * hpcap_hw_82599.c), register steps both take the same way in
 * hpcap_hw_common.c, the OS glue in hpcap_native.c and hpcap_ethtool.c.
 */
#ifndef HPCAP_NATIVE_H
#define HPCAP_NATIVE_H

#include <linux/netdevice.h>
#include <linux/pci.h>

#include "hpcap_adapter.h"
#include "hpcap_regs.h"
#include "hpcap_rxpoll.h"

#define HPCAP_NATIVE_DESCS	1024	/* per RX queue, power of two */
#define HPCAP_NATIVE_BATCH	64	/* descriptors per poll */
#define HPCAP_NATIVE_TAIL_BATCH	32	/* re-arm the NIC every so many */

struct hpcap_nic;

/* Counters read from the NIC (accumulated: both chips clear on read). */
struct hpcap_hw_stats {
	u64 good_frames;	/* GPRC */
	u64 good_bytes;		/* GORC */
	u64 missed;		/* MPC: no room in the NIC's packet buffer */
	u64 no_buffer;		/* RNBC: no descriptor (82576) */
	u64 crc_errors;		/* CRCERRS */
	u64 length_errors;	/* RLEC */
	u64 queue_drops[HPCAP_MAX_QUEUES];	/* RQDPC / QPRDC */
};

struct hpcap_chip {
	const char *name;
	const u16 *device_ids;	/* PCI device ids (vendor Intel), 0-ended */
	bool autoneg;		/* link negotiated (except forced 10/100) */
	u32 max_queues;
	u32 max_frame;		/* largest frame the RX path accepts */
	u32 rx_err_mask;	/* write-back error bits of a bad frame */
	int (*reset)(struct hpcap_nic *nic);
	void (*read_mac)(struct hpcap_nic *nic, u8 *mac);
	int (*setup_link)(struct hpcap_nic *nic);
	bool (*link_status)(struct hpcap_nic *nic, u32 *mbps);
	int (*init_rx)(struct hpcap_nic *nic);	/* filters, CRC, VLAN, RSS */
	int (*start_queue)(struct hpcap_nic *nic, u32 q);
	void (*enable_rx)(struct hpcap_nic *nic);	/* after every queue */
	void (*stop_rx)(struct hpcap_nic *nic);
	void (*write_tail)(struct hpcap_nic *nic, u32 q, u32 tail);
	void (*read_stats)(struct hpcap_nic *nic, struct hpcap_hw_stats *s);
};

extern const struct hpcap_chip hpcap_chip_82576;
extern const struct hpcap_chip hpcap_chip_82599;

struct hpcap_rxq {
	struct hpcap_rxq_core core;	/* hot: touched every poll */
	struct hpcap_queue *q;
	struct task_struct *thread;
	struct hpcap_nic *nic;
	u32 index;
	int cpu;
	u32 since_tail;			/* consumed since the last tail write */
	dma_addr_t desc_dma;
	u64 polls, busy_polls;
};

struct hpcap_nic {
	struct pci_dev *pdev;
	u8 __iomem *hw;
	const struct hpcap_chip *chip;
	struct net_device *netdev;
	struct hpcap_adapter *ad;
	u32 nrxq;
	u32 speed;			/* vel: 0 = autonegotiate, else Mb/s */
	u32 buf_size;			/* per descriptor */
	u32 rx_bsize;			/* told to the NIC: buf_size (but in
					 * the fault-test build) */
	bool jumbo;
	int first_cpu;			/* core of queue 0 (-1: automatic) */
	int auto_base;			/* cores taken from the top before us */
	bool running;			/* RX up, threads polling */
	bool removing;			/* remove() under way: no reconfiguring */
	bool link_up;
	u32 link_mbps;
	u64 tx_dropped;
	struct hpcap_hw_stats stats;	/* accumulated, under stats_lock */
	spinlock_t stats_lock;
	struct delayed_work housekeeping;	/* link state, counters */
	struct mutex lock;		/* open/stop, reconfiguration */
	struct hpcap_rxq rxq[HPCAP_MAX_QUEUES];
};

/* Register access; a vanished device reads as all ones. */
static inline u32 hpcap_rd(struct hpcap_nic *nic, u32 reg)
{
	return readl(nic->hw + reg);
}

static inline void hpcap_wr(struct hpcap_nic *nic, u32 reg, u32 val)
{
	writel(val, nic->hw + reg);
}

/* Posted writes reach the chip before this returns (a read of STATUS). */
static inline void hpcap_flush(struct hpcap_nic *nic)
{
	readl(nic->hw + HPCAP_HW_STATUS);
}

/* ---- hpcap_hw_common.c: steps both chips take, on their own registers */

/* Poll reg until (value & mask) == want, up to timeout_us; 0 or -ETIMEDOUT. */
int hpcap_wait_reg(struct hpcap_nic *nic, u32 reg, u32 mask, u32 want,
		   u32 timeout_us);
void hpcap_read_mac(struct hpcap_nic *nic, u32 ral, u8 *mac);

#define HPCAP_RSS_KEY_WORDS	10	/* 40-byte Toeplitz key */
#define HPCAP_RSS_RETA_REGS	32	/* 128 one-byte entries */

/* A chip's RSS registers: byte offsets of the first of each, and bits. */
struct hpcap_rss_regs {
	u32 rssrk, reta, rxcsum, mrqc;
	u32 rxcsum_pcsd;	/* hash into the descriptor */
	u32 mrqc_rss;		/* RSS on */
	u32 mrqc_hash;		/* the fields hashed */
};

void hpcap_setup_rss(struct hpcap_nic *nic, const struct hpcap_rss_regs *r);

/* ---- hpcap_ethtool.c */

void hpcap_nic_update_stats(struct hpcap_nic *nic);

extern const struct ethtool_ops hpcap_ethtool_ops;

#endif /* HPCAP_NATIVE_H */
