// SPDX-License-Identifier: GPL-2.0
/*
 * hpcap_hw_82599.c - what is particular to the Intel 82599 (ixgbe family,
 * X520): reset, link through AUTOC/LINKS, RX configuration, per-queue
 * registers.  One function per datasheet step; sections from the 82599
 * datasheet ("DS99").  Not verified on hardware here: QEMU has no model of
 * this chip; see doc/native.md for what is and is not verified.
 */
#include <linux/delay.h>
#include <linux/etherdevice.h>

#include "hpcap_native.h"
#include "hpcap_regs.h"

/* DS99 4.6.3.1: interrupts off (queue interrupts 16-63 live in _EX). */
static void ix_mask_irqs(struct hpcap_nic *nic)
{
	hpcap_wr(nic, IX_EIMC, ~0u);
	hpcap_wr(nic, IX_EIMC_EX(0), ~0u);
	hpcap_wr(nic, IX_EIMC_EX(1), ~0u);
	hpcap_rd(nic, IX_EICR);
}

/* DS99 4.6.3.2: global reset, then EEPROM and DMA init done (4.6.3). */
static int ix_reset(struct hpcap_nic *nic)
{
	ix_mask_irqs(nic);
	hpcap_wr(nic, IX_CTRL, hpcap_rd(nic, IX_CTRL) | IX_CTRL_RST |
		 IX_CTRL_LNK_RST);
	hpcap_flush(nic);
	usleep_range(1000, 2000);
	if (hpcap_wait_reg(nic, IX_CTRL, IX_CTRL_RST | IX_CTRL_LNK_RST, 0,
			   100000))
		return -ETIMEDOUT;
	msleep(50);
	ix_mask_irqs(nic);
	if (hpcap_wait_reg(nic, IX_EEC, IX_EEC_ARD, IX_EEC_ARD, 100000))
		dev_warn(&nic->pdev->dev, "EEPROM auto-read not done\n");
	if (hpcap_wait_reg(nic, IX_RDRXCTL, IX_RDRXCTL_DMAIDONE,
			   IX_RDRXCTL_DMAIDONE, 100000))
		return -ETIMEDOUT;
	return 0;
}

static void ix_read_mac(struct hpcap_nic *nic, u8 *mac)
{
	hpcap_read_mac(nic, IX_RAL0, mac);
}

/*
 * DS99 4.6.4: link.  SFP+ ports run 10G serial (LMS 3); vel=1000 selects
 * 1G without autonegotiation (LMS 0).  The EEPROM normally sets AUTOC
 * already; this only picks the mode and restarts the link.
 */
static int ix_setup_link(struct hpcap_nic *nic)
{
	u32 autoc = hpcap_rd(nic, IX_AUTOC) & ~IX_AUTOC_LMS_MASK;
	u32 lms = nic->speed == 1000 ? IX_AUTOC_LMS_1G_NO_AN
				     : IX_AUTOC_LMS_10G_SERIAL;

	hpcap_wr(nic, IX_AUTOC, autoc | lms << IX_AUTOC_LMS_SHIFT |
		 IX_AUTOC_AN_RESTART);
	return 0;
}

static bool ix_link_status(struct hpcap_nic *nic, u32 *mbps)
{
	u32 links = hpcap_rd(nic, IX_LINKS);

	if (links == ~0u)
		return false;
	switch (links & IX_LINKS_SPEED_MASK) {
	case IX_LINKS_SPEED_10G:
		*mbps = 10000;
		break;
	case IX_LINKS_SPEED_1G:
		*mbps = 1000;
		break;
	default:
		*mbps = 100;
		break;
	}
	return links & IX_LINKS_UP;
}

/* RXEN changes only with the security block's RX path stopped. */
static void ix_set_rxen(struct hpcap_nic *nic, bool on)
{
	u32 rxctrl = hpcap_rd(nic, IX_RXCTRL);

	hpcap_wr(nic, IX_SECRXCTRL,
		 hpcap_rd(nic, IX_SECRXCTRL) | IX_SECRXCTRL_RX_DIS);
	hpcap_wait_reg(nic, IX_SECRXSTAT, IX_SECRXSTAT_RDY, IX_SECRXSTAT_RDY,
		       40000);
	hpcap_wr(nic, IX_RXCTRL, on ? rxctrl | IX_RXCTRL_RXEN
				    : rxctrl & ~IX_RXCTRL_RXEN);
	hpcap_wr(nic, IX_SECRXCTRL,
		 hpcap_rd(nic, IX_SECRXCTRL) & ~IX_SECRXCTRL_RX_DIS);
}

/* DS99 7.1.2.8, 8.2.3.7: RSS (4-bit queue indices: up to 16 queues). */
static const struct hpcap_rss_regs ix_rss = {
	.rssrk = IX_RSSRK(0),
	.reta = IX_RETA(0),
	.rxcsum = IX_RXCSUM,
	.mrqc = IX_MRQC,
	.rxcsum_pcsd = IX_RXCSUM_PCSD,
	.mrqc_rss = IX_MRQC_RSSEN,
	.mrqc_hash = MRQC_HASH_ALL,
};

static void ix_setup_rss(struct hpcap_nic *nic)
{
	u32 i;

	hpcap_setup_rss(nic, &ix_rss);
	/* Queue q counts into statistics counter q (QPRDC), 4 per RQSMR. */
	for (i = 0; i < 4; i++)
		hpcap_wr(nic, IX_RQSMR(i), (4 * i) | (4 * i + 1) << 8 |
			 (4 * i + 2) << 16 | (4 * i + 3) << 24);
}

/* DS99 4.6.7: receive initialization (RXEN last, in enable_rx). */
static int ix_init_rx(struct hpcap_nic *nic)
{
	u32 i, v;

	ix_set_rxen(nic, false);
	/* No DCB, no flow director: packet buffer 0 gets all 512 KB. */
	hpcap_wr(nic, IX_RXPBSIZE(0), IX_RXPBSIZE_512KB);
	for (i = 1; i < 8; i++)
		hpcap_wr(nic, IX_RXPBSIZE(i), 0);
	/* CRC stripping needs both bits (DS99 8.2.3.22.8, 8.2.3.8.8). */
	v = hpcap_rd(nic, IX_HLREG0) | IX_HLREG0_RXCRCSTRP;
	hpcap_wr(nic, IX_HLREG0, nic->jumbo ? v | IX_HLREG0_JUMBOEN
					    : v & ~IX_HLREG0_JUMBOEN);
	hpcap_wr(nic, IX_MAXFRS,
		 (nic->jumbo ? 9728u : 1522u) << IX_MAXFRS_SHIFT);
	v = hpcap_rd(nic, IX_RDRXCTL) & ~IX_RDRXCTL_RSCFRSTSIZE;
	hpcap_wr(nic, IX_RDRXCTL, v | IX_RDRXCTL_CRCSTRIP |
		 IX_RDRXCTL_RSCACKC | IX_RDRXCTL_FCOE_WRFIX);
	hpcap_wr(nic, IX_FCTRL, hpcap_rd(nic, IX_FCTRL) | IX_FCTRL_MPE |
		 IX_FCTRL_UPE | IX_FCTRL_BAM);
	hpcap_wr(nic, IX_VLNCTRL, hpcap_rd(nic, IX_VLNCTRL) & ~IX_VLNCTRL_VFE);
	/* "Last sentence of 4.6.7": no snooping. */
	hpcap_wr(nic, IX_CTRL_EXT,
		 hpcap_rd(nic, IX_CTRL_EXT) | IX_CTRL_EXT_NS_DIS);
	ix_setup_rss(nic);
	return 0;
}

static int ix_start_queue(struct hpcap_nic *nic, u32 q)
{
	struct hpcap_rxq *rxq = &nic->rxq[q];
	u32 rxdctl = hpcap_rd(nic, IX_RXDCTL(q)) & ~IX_RXDCTL_ENABLE;

	hpcap_wr(nic, IX_RXDCTL(q), rxdctl);
	hpcap_wait_reg(nic, IX_RXDCTL(q), IX_RXDCTL_ENABLE, 0, 10000);
	hpcap_wr(nic, IX_RDBAL(q), lower_32_bits(rxq->desc_dma));
	hpcap_wr(nic, IX_RDBAH(q), upper_32_bits(rxq->desc_dma));
	hpcap_wr(nic, IX_RDLEN(q), rxq->core.count * sizeof(*rxq->core.desc));
	hpcap_wr(nic, IX_RDH(q), 0);
	hpcap_wr(nic, IX_RDT(q), 0);
	/* DROP_EN: without it one full queue stalls them all. */
	hpcap_wr(nic, IX_SRRCTL(q), (nic->rx_bsize >> 10) |
		 IX_SRRCTL_DESC_ADV_ONEBUF | IX_SRRCTL_DROP_EN);
	hpcap_wr(nic, IX_DCA_RXCTRL(q),
		 hpcap_rd(nic, IX_DCA_RXCTRL(q)) & ~IX_DCA_RXCTRL_BIT12);
	/* Tags stay in the frame: VLAN stripping is per queue here. */
	rxdctl &= ~IX_RXDCTL_VME;
	hpcap_wr(nic, IX_RXDCTL(q), rxdctl | IX_RXDCTL_ENABLE);
	if (hpcap_wait_reg(nic, IX_RXDCTL(q), IX_RXDCTL_ENABLE,
			   IX_RXDCTL_ENABLE, 10000))
		return -ETIMEDOUT;
	hpcap_wr(nic, IX_RDT(q), rxq->core.count - 1);
	return 0;
}

static void ix_enable_rx(struct hpcap_nic *nic)
{
	ix_set_rxen(nic, true);
}

static void ix_stop_rx(struct hpcap_nic *nic)
{
	u32 q;

	ix_set_rxen(nic, false);
	for (q = 0; q < nic->nrxq; q++)
		hpcap_wr(nic, IX_RXDCTL(q),
			 hpcap_rd(nic, IX_RXDCTL(q)) & ~IX_RXDCTL_ENABLE);
	hpcap_flush(nic);
	usleep_range(1000, 2000);
}

static void ix_write_tail(struct hpcap_nic *nic, u32 q, u32 tail)
{
	hpcap_wr(nic, IX_RDT(q), tail);
}

static void ix_read_stats(struct hpcap_nic *nic, struct hpcap_hw_stats *s)
{
	u32 i;

	s->good_frames = hpcap_rd(nic, IX_GPRC);
	s->good_bytes = hpcap_rd(nic, IX_GORCL);
	s->good_bytes |= (u64)hpcap_rd(nic, IX_GORCH) << 32;
	for (i = 0; i < 8; i++)
		s->missed += hpcap_rd(nic, IX_MPC(i));
	s->crc_errors = hpcap_rd(nic, IX_CRCERRS);
	s->length_errors = hpcap_rd(nic, IX_RLEC);
	for (i = 0; i < nic->nrxq && i < 16; i++)
		s->queue_drops[i] = hpcap_rd(nic, IX_QPRDC(i));
}

static_assert(IX_STATUS == HPCAP_HW_STATUS);

/* SFP+ ports only (10G serial link): 82599 SFP+, SFP+ EM, SFP+ FCoE,
 * 82599EN SFP+, SFP+ SF2.  Backplane, CX4 and 10GBASE-T need link code
 * this driver lacks. */
static const u16 ix_device_ids[] = { 0x10fb, 0x1507, 0x1529, 0x1557, 0x154d, 0 };

const struct hpcap_chip hpcap_chip_82599 = {
	.name = "82599",
	.device_ids = ix_device_ids,
	.max_queues = 16,
	.max_frame = 9728,
	.rx_err_mask = HPCAP_RXD_ERR_RXE_82599,
	.reset = ix_reset,
	.read_mac = ix_read_mac,
	.setup_link = ix_setup_link,
	.link_status = ix_link_status,
	.init_rx = ix_init_rx,
	.start_queue = ix_start_queue,
	.enable_rx = ix_enable_rx,
	.stop_rx = ix_stop_rx,
	.write_tail = ix_write_tail,
	.read_stats = ix_read_stats,
};
