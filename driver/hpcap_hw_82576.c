// SPDX-License-Identifier: GPL-2.0
/*
 * hpcap_hw_82576.c - what is particular to the Intel 82576 (igb family):
 * reset, PHY link through MDIC, RX configuration, per-queue registers.
 * One function per datasheet step; sections cited where used ("DS76").
 * QEMU's igb device models this chip, so all of it runs in the VM tests.
 */
#include <linux/delay.h>
#include <linux/etherdevice.h>

#include "hpcap_native.h"
#include "hpcap_regs.h"

static void e1_mask_irqs(struct hpcap_nic *nic)
{
	/* DS76 8.8: this driver polls; no interrupt may ever fire. */
	hpcap_wr(nic, E1_IMC, ~0u);
	hpcap_wr(nic, E1_EIMC, ~0u);
	hpcap_rd(nic, E1_ICR);
}

/* DS76 4.3.1: software reset, then wait for the EEPROM auto-read. */
static int e1_reset(struct hpcap_nic *nic)
{
	e1_mask_irqs(nic);
	hpcap_wr(nic, E1_RCTL, 0);
	hpcap_wr(nic, E1_TCTL, E1_TCTL_PSP);
	hpcap_flush(nic);
	usleep_range(10000, 11000);
	hpcap_wr(nic, E1_CTRL, hpcap_rd(nic, E1_CTRL) | E1_CTRL_RST);
	usleep_range(1000, 2000);
	if (hpcap_wait_reg(nic, E1_CTRL, E1_CTRL_RST, 0, 10000))
		return -ETIMEDOUT;
	/* Boards without an EEPROM (and QEMU) never set AUTO_RD: a timeout
	 * here is expected, not an error. */
	hpcap_wait_reg(nic, E1_EECD, E1_EECD_AUTO_RD, E1_EECD_AUTO_RD, 10000);
	e1_mask_irqs(nic);
	return 0;
}

static void e1_read_mac(struct hpcap_nic *nic, u8 *mac)
{
	hpcap_read_mac(nic, E1_RAL0, mac);
}

/* DS76 8.2.4: write a PHY register through MDIC. */
static int e1_phy_write(struct hpcap_nic *nic, u32 reg, u16 val)
{
	u32 mdic = val | reg << E1_MDIC_REG_SHIFT |
		   E1_PHY_ADDR << E1_MDIC_PHY_SHIFT | E1_MDIC_OP_WRITE;
	int i;

	hpcap_wr(nic, E1_MDIC, mdic);
	for (i = 0; i < 1000; i++) {
		mdic = hpcap_rd(nic, E1_MDIC);
		if (mdic & E1_MDIC_READY)
			return mdic & E1_MDIC_ERROR ? -EIO : 0;
		udelay(5);
	}
	return -ETIMEDOUT;
}

/*
 * Link at the speed asked for (vel).  1000 Mb/s can not be forced on
 * copper: it is autonegotiated with only 1000FD advertised.  10/100 are
 * forced.  After a reset the link stays down until the PHY restarts
 * autonegotiation (seen on QEMU's model, where it takes ~0.5 s).
 */
static int e1_setup_link(struct hpcap_nic *nic)
{
	u32 ctrl = hpcap_rd(nic, E1_CTRL) | E1_CTRL_SLU;
	int err;

	ctrl &= ~(E1_CTRL_FRCSPD | E1_CTRL_FRCDPX | E1_CTRL_SPD_100 |
		  E1_CTRL_SPD_1000);
	if (nic->speed == 10 || nic->speed == 100) {
		ctrl |= E1_CTRL_FRCSPD | E1_CTRL_FRCDPX | E1_CTRL_FD |
			(nic->speed == 100 ? E1_CTRL_SPD_100 : 0);
		hpcap_wr(nic, E1_CTRL, ctrl);
		return e1_phy_write(nic, PHY_BMCR, PHY_BMCR_FULL_DUPLEX |
				    (nic->speed == 100 ? PHY_BMCR_SPEED_100 : 0));
	}
	hpcap_wr(nic, E1_CTRL, ctrl);
	if (nic->speed == 1000) {
		err = e1_phy_write(nic, PHY_1000T_CTRL, PHY_1000T_1000FD);
		if (!err)
			err = e1_phy_write(nic, PHY_ANAR, PHY_ANAR_SELECTOR);
		if (err)
			return err;
	}
	return e1_phy_write(nic, PHY_BMCR, PHY_BMCR_AN_EN |
			    PHY_BMCR_RESTART_AN | PHY_BMCR_FULL_DUPLEX |
			    PHY_BMCR_SPEED_1000);
}

static bool e1_link_status(struct hpcap_nic *nic, u32 *mbps)
{
	u32 st = hpcap_rd(nic, E1_STATUS);

	if (st == ~0u)		/* device gone */
		return false;
	*mbps = st & E1_STATUS_SPD_1000 ? 1000 :
		st & E1_STATUS_SPD_100 ? 100 : 10;
	return st & E1_STATUS_LU;
}

/* DS76 7.1.2.8, 8.10.9-11: RSS. */
static const struct hpcap_rss_regs e1_rss = {
	.rssrk = E1_RSSRK(0),
	.reta = E1_RETA(0),
	.rxcsum = E1_RXCSUM,
	.mrqc = E1_MRQC,
	.rxcsum_pcsd = E1_RXCSUM_PCSD,
	.mrqc_rss = E1_MRQC_RSS,
	.mrqc_hash = MRQC_HASH_ALL,
};

/* DS76 4.5.9: receive initialization (queues come after, RX enable last). */
static int e1_init_rx(struct hpcap_nic *nic)
{
	u32 i;

	hpcap_wr(nic, E1_RCTL, 0);
	/* Frames exactly as on the wire: no VLAN stripping anywhere (Linux
	 * turns it on by default: the VLAN-stripping bug HPCAP had). */
	hpcap_wr(nic, E1_CTRL, hpcap_rd(nic, E1_CTRL) & ~E1_CTRL_VME);
	for (i = 0; i < 8; i++)
		hpcap_wr(nic, E1_VMOLR(i),
			 hpcap_rd(nic, E1_VMOLR(i)) & ~E1_VMOLR_STRVLAN);
	hpcap_wr(nic, E1_RLPML, nic->jumbo ? 9728 : 1522);
	hpcap_setup_rss(nic, &e1_rss);
	return 0;
}

/* DS76 4.5.9 / 7.1.3: one queue with advanced one-buffer descriptors. */
static int e1_start_queue(struct hpcap_nic *nic, u32 q)
{
	struct hpcap_rxq *rxq = &nic->rxq[q];

	hpcap_wr(nic, E1_RXDCTL(q), 0);
	hpcap_wait_reg(nic, E1_RXDCTL(q), E1_RXDCTL_ENABLE, 0, 10000);
	hpcap_wr(nic, E1_RDBAL(q), lower_32_bits(rxq->desc_dma));
	hpcap_wr(nic, E1_RDBAH(q), upper_32_bits(rxq->desc_dma));
	hpcap_wr(nic, E1_RDLEN(q), rxq->core.count * sizeof(*rxq->core.desc));
	hpcap_wr(nic, E1_RDH(q), 0);
	hpcap_wr(nic, E1_RDT(q), 0);
	/* DROP_EN: a queue without descriptors drops (counted in RQDPC)
	 * instead of stalling the others. */
	hpcap_wr(nic, E1_SRRCTL(q),
		 (nic->rx_bsize >> E1_SRRCTL_BSIZEPKT_SHIFT) |
		 E1_SRRCTL_DESC_ADV_ONEBUF | E1_SRRCTL_DROP_EN);
	/* WTHRESH 1: write every descriptor back at once (no interrupt
	 * timer will flush a batch for a poller). */
	hpcap_wr(nic, E1_RXDCTL(q), E1_RXDCTL_PTHRESH(16) |
		 E1_RXDCTL_HTHRESH(8) | E1_RXDCTL_WTHRESH(1) |
		 E1_RXDCTL_ENABLE);
	if (hpcap_wait_reg(nic, E1_RXDCTL(q), E1_RXDCTL_ENABLE,
			   E1_RXDCTL_ENABLE, 10000))
		return -ETIMEDOUT;
	/* Every descriptor to the NIC: the tail stays one behind. */
	hpcap_wr(nic, E1_RDT(q), rxq->core.count - 1);
	return 0;
}

static void e1_enable_rx(struct hpcap_nic *nic)
{
	hpcap_wr(nic, E1_RCTL, E1_RCTL_EN | E1_RCTL_UPE | E1_RCTL_MPE |
		 E1_RCTL_BAM | E1_RCTL_SECRC | (nic->jumbo ? E1_RCTL_LPE : 0));
	hpcap_flush(nic);
}

static void e1_stop_rx(struct hpcap_nic *nic)
{
	u32 q;

	hpcap_wr(nic, E1_RCTL, 0);
	for (q = 0; q < nic->nrxq; q++)
		hpcap_wr(nic, E1_RXDCTL(q), 0);
	hpcap_flush(nic);
	usleep_range(1000, 2000);
}

static void e1_write_tail(struct hpcap_nic *nic, u32 q, u32 tail)
{
	hpcap_wr(nic, E1_RDT(q), tail);
}

/* DS76 8.19: all clear on read; reading GORCH clears the pair. */
static void e1_read_stats(struct hpcap_nic *nic, struct hpcap_hw_stats *s)
{
	u32 q;

	s->good_frames = hpcap_rd(nic, E1_GPRC);
	s->good_bytes = hpcap_rd(nic, E1_GORCL);
	s->good_bytes |= (u64)hpcap_rd(nic, E1_GORCH) << 32;
	s->missed = hpcap_rd(nic, E1_MPC);
	s->no_buffer = hpcap_rd(nic, E1_RNBC);
	s->crc_errors = hpcap_rd(nic, E1_CRCERRS);
	s->length_errors = hpcap_rd(nic, E1_RLEC);
	for (q = 0; q < nic->nrxq; q++)
		s->queue_drops[q] = hpcap_rd(nic, E1_RQDPC(q));
}

static_assert(E1_STATUS == HPCAP_HW_STATUS);

/* Copper ports only (link through the PHY): 82576, quad copper, ET2 quad
 * copper, NS copper.  Fiber/SerDes need link code this driver lacks. */
static const u16 e1_device_ids[] = { 0x10c9, 0x10e8, 0x1526, 0x150a, 0 };

const struct hpcap_chip hpcap_chip_82576 = {
	.name = "82576",
	.device_ids = e1_device_ids,
	.autoneg = true,
	.max_queues = 8,
	.max_frame = 9728,
	.rx_err_mask = HPCAP_RXD_ERR_RXE_82576,
	.reset = e1_reset,
	.read_mac = e1_read_mac,
	.setup_link = e1_setup_link,
	.link_status = e1_link_status,
	.init_rx = e1_init_rx,
	.start_queue = e1_start_queue,
	.enable_rx = e1_enable_rx,
	.stop_rx = e1_stop_rx,
	.write_tail = e1_write_tail,
	.read_stats = e1_read_stats,
};
