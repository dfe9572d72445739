/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * hpcap_regs.h - the registers and bits of the Intel 82576 (E1_*) and
 * 82599 (IX_*) that the native RX-only polling driver touches, as byte
 * offsets into BAR0 and bit values.  Each group names the datasheet
 * section it comes from (82576 datasheet rev 2.x, "DS76"; 82599 datasheet
 * rev 3.x, "DS99"); tests/unit/test_regs.c checks every value against a
 * second transcription.  Plain #defines: portable, used by the tests too.
 */
#ifndef HPCAP_REGS_H
#define HPCAP_REGS_H

/* The one register shared code reads on both chips, at the same offset
 * (DS76 8.2.2, DS99 8.2.3.1.2): STATUS, read to flush posted writes. */
#define HPCAP_HW_STATUS		0x00008

/* RSS hash fields of MRQC, the same bits on both chips (DS76 8.10.9,
 * DS99 8.2.3.7.12). */
#define MRQC_HASH_IPV4_TCP	0x00010000u
#define MRQC_HASH_IPV4		0x00020000u
#define MRQC_HASH_IPV6		0x00100000u
#define MRQC_HASH_IPV6_TCP	0x00200000u
#define MRQC_HASH_IPV4_UDP	0x00400000u
#define MRQC_HASH_IPV6_UDP	0x00800000u
#define MRQC_HASH_ALL		(MRQC_HASH_IPV4_TCP | MRQC_HASH_IPV4 | \
				 MRQC_HASH_IPV6 | MRQC_HASH_IPV6_TCP | \
				 MRQC_HASH_IPV4_UDP | MRQC_HASH_IPV6_UDP)

/* ======================= Intel 82576 (igb family) ======================= */

/* DS76 8.2: device control and status */
#define E1_CTRL			0x00000
#define E1_CTRL_FD		0x00000001u
#define E1_CTRL_SLU		0x00000040u	/* set link up */
#define E1_CTRL_SPD_100		0x00000100u
#define E1_CTRL_SPD_1000	0x00000200u
#define E1_CTRL_FRCSPD		0x00000800u
#define E1_CTRL_FRCDPX		0x00001000u
#define E1_CTRL_RST		0x04000000u
#define E1_CTRL_VME		0x40000000u	/* VLAN strip (non-VMDq) */
#define E1_STATUS		0x00008
#define E1_STATUS_LU		0x00000002u
#define E1_STATUS_SPD_100	0x00000040u
#define E1_STATUS_SPD_1000	0x00000080u
#define E1_EECD			0x00010
#define E1_EECD_AUTO_RD		0x00000200u
#define E1_CTRL_EXT		0x00018

/* DS76 8.2.4: MDI control, PHY access (the PHY is at address 1) */
#define E1_MDIC			0x00020
#define E1_MDIC_REG_SHIFT	16
#define E1_MDIC_PHY_SHIFT	21
#define E1_MDIC_OP_WRITE	0x04000000u
#define E1_MDIC_OP_READ		0x08000000u
#define E1_MDIC_READY		0x10000000u
#define E1_MDIC_ERROR		0x40000000u
#define E1_PHY_ADDR		1
/* IEEE 802.3 clause 22 PHY registers (DS76 8.23) */
#define PHY_BMCR		0
#define PHY_BMCR_SPEED_1000	0x0040u
#define PHY_BMCR_FULL_DUPLEX	0x0100u
#define PHY_BMCR_RESTART_AN	0x0200u
#define PHY_BMCR_AN_EN		0x1000u
#define PHY_BMCR_SPEED_100	0x2000u
#define PHY_ANAR		4
#define PHY_ANAR_SELECTOR	0x0001u		/* IEEE 802.3 */
#define PHY_ANAR_100FD		0x0100u
#define PHY_1000T_CTRL		9
#define PHY_1000T_1000FD	0x0200u

/* DS76 8.8: interrupts (masked: this driver polls) */
#define E1_ICR			0x000C0
#define E1_IMC			0x000D8
#define E1_EIMC			0x01528
#define E1_TCTL			0x00400
#define E1_TCTL_PSP		0x00000008u

/* DS76 8.10: receive */
#define E1_RCTL			0x00100
#define E1_RCTL_EN		0x00000002u
#define E1_RCTL_UPE		0x00000008u	/* unicast promiscuous */
#define E1_RCTL_MPE		0x00000010u	/* multicast promiscuous */
#define E1_RCTL_LPE		0x00000020u	/* long packets (jumbo) */
#define E1_RCTL_BAM		0x00008000u	/* accept broadcast */
#define E1_RCTL_VFE		0x00040000u	/* VLAN filter */
#define E1_RCTL_SECRC		0x04000000u	/* strip CRC */
#define E1_RLPML		0x05004		/* max frame with LPE */
#define E1_RXCSUM		0x05000
#define E1_RXCSUM_PCSD		0x00002000u	/* RSS hash in descriptor */
#define E1_RAL0			0x05400
#define E1_RAH0			0x05404
#define E1_VMOLR(n)		(0x05AD0 + 4 * (n))
#define E1_VMOLR_STRVLAN	0x40000000u
/* DS76 8.10.9 and 7.1.2.8: multiple receive queues and RSS */
#define E1_MRQC			0x05818
#define E1_MRQC_RSS		0x00000002u
#define E1_RETA(i)		(0x05C00 + 4 * (i))	/* 32 x 4 byte entries */
#define E1_RSSRK(i)		(0x05C80 + 4 * (i))	/* 10 x 32 bits */
/* DS76 8.10.x: receive queue n (0-15), 0xC000 + 0x40 n */
#define E1_RXQ(n)		(0x0C000 + 0x40 * (n))
#define E1_RDBAL(n)		(E1_RXQ(n) + 0x00)
#define E1_RDBAH(n)		(E1_RXQ(n) + 0x04)
#define E1_RDLEN(n)		(E1_RXQ(n) + 0x08)
#define E1_SRRCTL(n)		(E1_RXQ(n) + 0x0C)
#define E1_RDH(n)		(E1_RXQ(n) + 0x10)
#define E1_RDT(n)		(E1_RXQ(n) + 0x18)
#define E1_RXDCTL(n)		(E1_RXQ(n) + 0x28)
#define E1_RQDPC(n)		(E1_RXQ(n) + 0x30)
#define E1_SRRCTL_BSIZEPKT_SHIFT 10		/* 1 KiB units, bits 6:0 */
#define E1_SRRCTL_DESC_ADV_ONEBUF 0x02000000u
#define E1_SRRCTL_DROP_EN	0x80000000u
#define E1_RXDCTL_PTHRESH(x)	((x) << 0)
#define E1_RXDCTL_HTHRESH(x)	((x) << 8)
#define E1_RXDCTL_WTHRESH(x)	((x) << 16)
#define E1_RXDCTL_ENABLE	0x02000000u

/* DS76 8.19: statistics (clear on read) */
#define E1_CRCERRS		0x04000
#define E1_MPC			0x04010
#define E1_RLEC			0x04040
#define E1_GPRC			0x04074
#define E1_GORCL		0x04088
#define E1_GORCH		0x0408C
#define E1_RNBC			0x040A0

/* ======================= Intel 82599 (ixgbe family) ===================== */

/* DS99 8.2.3.1: general control */
#define IX_CTRL			0x00000
#define IX_CTRL_LNK_RST		0x00000008u
#define IX_CTRL_RST		0x04000000u
#define IX_STATUS		0x00008
#define IX_CTRL_EXT		0x00018
#define IX_CTRL_EXT_NS_DIS	0x00010000u
#define IX_EEC			0x10010
#define IX_EEC_ARD		0x00000200u	/* EEPROM auto read done */

/* DS99 8.2.3.5: interrupts */
#define IX_EICR			0x00800
#define IX_EIMC			0x00888
#define IX_EIMC_EX(i)		(0x00AB0 + 4 * (i))

/* DS99 8.2.3.8: receive */
#define IX_RXCTRL		0x03000
#define IX_RXCTRL_RXEN		0x00000001u
#define IX_RDRXCTL		0x02F00
#define IX_RDRXCTL_CRCSTRIP	0x00000002u
#define IX_RDRXCTL_DMAIDONE	0x00000008u
#define IX_RDRXCTL_RSCFRSTSIZE	0x003E0000u
#define IX_RDRXCTL_RSCACKC	0x02000000u
#define IX_RDRXCTL_FCOE_WRFIX	0x04000000u
#define IX_RXPBSIZE(i)		(0x03C00 + 4 * (i))
#define IX_RXPBSIZE_512KB	0x00080000u
#define IX_HLREG0		0x04240
#define IX_HLREG0_RXCRCSTRP	0x00000002u
#define IX_HLREG0_JUMBOEN	0x00000004u
#define IX_MAXFRS		0x04268
#define IX_MAXFRS_SHIFT		16
#define IX_FCTRL		0x05080
#define IX_FCTRL_MPE		0x00000100u
#define IX_FCTRL_UPE		0x00000200u
#define IX_FCTRL_BAM		0x00000400u
#define IX_VLNCTRL		0x05088
#define IX_VLNCTRL_VFE		0x40000000u
#define IX_RXCSUM		0x05000
#define IX_RXCSUM_PCSD		0x00002000u
#define IX_RAL0			0x0A200
#define IX_RAH0			0x0A204
#define IX_SECRXCTRL		0x08D00
#define IX_SECRXCTRL_RX_DIS	0x00000002u
#define IX_SECRXSTAT		0x08D04
#define IX_SECRXSTAT_RDY	0x00000001u
/* DS99 8.2.3.7 / 7.1.2.8: RSS (82598-compatible addresses, which the
 * 82599 also decodes; its own are MRQC 0xEC80, RETA 0xEB00, RSSRK 0xEB80) */
#define IX_MRQC			0x05818
#define IX_MRQC_RSSEN		0x00000001u
#define IX_RETA(i)		(0x05C00 + 4 * (i))	/* 32 x 4 x 4-bit */
#define IX_RSSRK(i)		(0x05C80 + 4 * (i))
/* DS99 8.2.3.8: receive queue i (0-63), 0x1000 + 0x40 i */
#define IX_RXQ(i)		(0x01000 + 0x40 * (i))
#define IX_RDBAL(i)		(IX_RXQ(i) + 0x00)
#define IX_RDBAH(i)		(IX_RXQ(i) + 0x04)
#define IX_RDLEN(i)		(IX_RXQ(i) + 0x08)
#define IX_RDH(i)		(IX_RXQ(i) + 0x10)
#define IX_RDT(i)		(IX_RXQ(i) + 0x18)
#define IX_RXDCTL(i)		(IX_RXQ(i) + 0x28)
#define IX_RXDCTL_ENABLE	0x02000000u
#define IX_RXDCTL_VME		0x40000000u	/* VLAN strip, per queue */
#define IX_SRRCTL(i)		((i) < 16 ? 0x02100 + 4 * (i) : IX_RXQ(i) + 0x14)
#define IX_SRRCTL_DESC_ADV_ONEBUF 0x02000000u
#define IX_SRRCTL_DROP_EN	0x10000000u
#define IX_DCA_RXCTRL(i)	((i) < 16 ? 0x02200 + 4 * (i) : IX_RXQ(i) + 0x0C)
#define IX_DCA_RXCTRL_BIT12	0x00001000u	/* reserved, must be 0 (4.6.7) */
#define IX_RQSMR(i)		(0x02300 + 4 * (i))	/* queue -> counter */

/* DS99 8.2.3.22: link */
#define IX_AUTOC		0x042A0
#define IX_AUTOC_AN_RESTART	0x00001000u
#define IX_AUTOC_LMS_SHIFT	13
#define IX_AUTOC_LMS_MASK	(7u << IX_AUTOC_LMS_SHIFT)
#define IX_AUTOC_LMS_1G_NO_AN	0u
#define IX_AUTOC_LMS_10G_SERIAL	3u
#define IX_LINKS		0x042A4
#define IX_LINKS_UP		0x40000000u
#define IX_LINKS_SPEED_MASK	0x30000000u
#define IX_LINKS_SPEED_10G	0x30000000u
#define IX_LINKS_SPEED_1G	0x20000000u
#define IX_LINKS_SPEED_100	0x10000000u

/* DS99 8.2.3.23: statistics (clear on read) */
#define IX_CRCERRS		0x04000
#define IX_RLEC			0x04040
#define IX_GPRC			0x04074
#define IX_GORCL		0x04088
#define IX_GORCH		0x0408C
#define IX_MPC(i)		(0x03FA0 + 4 * (i))	/* per packet buffer */
#define IX_QPRDC(i)		(0x01430 + 0x40 * (i))	/* per counter */

#endif /* HPCAP_REGS_H */
