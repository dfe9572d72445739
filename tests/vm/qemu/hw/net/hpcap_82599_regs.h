/*
 * hpcap_82599_regs.h - register offsets and bits of the Intel 82599 10 GbE
 * controller used by the hpcap test model (tests/vm/qemu/hw/net/).
 *
 * Byte offsets into BAR0 and bit values, transcribed from the 82599
 * datasheet (rev. 3.x, "DS99"); each group names its section.  Where the
 * 82599 also decodes the older 82598 address of a register (DS99 8.2.2,
 * "alias" addresses, still used by Linux's ixgbe), both are listed; the
 * model keeps one copy of the register under its 82599 address.
 *
 * This file is part of hpcap's test instruments, not of QEMU.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HPCAP_82599_REGS_H
#define HPCAP_82599_REGS_H

#define IX_BAR0_SIZE            0x20000         /* 128 KiB of CSRs */
#define IX_MSIX_BAR_SIZE        0x4000          /* BAR4: MSI-X table + PBA */
#define IX_MSIX_VECTORS         64              /* DS99 7.3.1 */
#define IX_NUM_RXQ              128
#define IX_NUM_TXQ              128
#define IX_NUM_STATQ            16              /* per-queue stat counters */
#define IX_NUM_RAR              128
#define IX_NUM_PB               8               /* packet buffers */

/* DS99 8.2.3.1: general control */
#define IX_CTRL                 0x00000
#define IX_CTRL_GIO_DIS         0x00000004u     /* PCIe master disable */
#define IX_CTRL_LNK_RST         0x00000008u
#define IX_CTRL_RST             0x04000000u
#define IX_STATUS               0x00008
#define IX_STATUS_LAN_ID_SHIFT  2               /* bits 3:2 */
#define IX_STATUS_GIO           0x00080000u     /* PCIe master enable status */
#define IX_CTRL_EXT             0x00018
#define IX_CTRL_EXT_PFRSTD      0x00004000u
#define IX_CTRL_EXT_NS_DIS      0x00010000u
#define IX_CTRL_EXT_DRV_LOAD    0x10000000u
#define IX_ESDP                 0x00020         /* software-definable pins */
#define IX_ESDP_SDP2            0x00000004u     /* SFP+ cage full (input) */
#define IX_ESDP_SDP3            0x00000008u     /* SFP+ TX disable (output) */
#define IX_ESDP_SDP3_DIR        0x00000800u
#define IX_I2CCTL               0x00028         /* SFP+ bit-banged I2C */
#define IX_I2C_CLK_IN           0x00000001u
#define IX_I2C_CLK_OUT          0x00000002u
#define IX_I2C_DATA_IN          0x00000004u
#define IX_I2C_DATA_OUT         0x00000008u
#define IX_LEDCTL               0x00200

/* DS99 8.2.3.2: EEPROM / flash */
#define IX_EEC                  0x10010
#define IX_EEC_PRES             0x00000100u     /* EEPROM present */
#define IX_EEC_ARD              0x00000200u     /* auto-read done */
#define IX_EEC_ADDR_SIZE        0x00000400u     /* 16-bit addressing */
#define IX_EEC_SIZE_SHIFT       11              /* 2^(n+6) words */
#define IX_EERD                 0x10014
#define IX_EERD_START           0x00000001u
#define IX_EERD_DONE            0x00000002u
#define IX_EERD_ADDR_SHIFT      2
#define IX_EERD_DATA_SHIFT      16
#define IX_EEMNGCTL             0x10110

/* DS99 8.2.3.25 / 8.2.3.26: manageability, semaphores (SW/FW sync) */
#define IX_SWSM                 0x10140
#define IX_SWSM_SMBI            0x00000001u     /* read-to-set */
#define IX_SWSM_SWESMBI         0x00000002u
#define IX_FWSM                 0x10148
#define IX_FWSM_FW_VAL          0x00008000u
#define IX_FACTPS               0x10150
#define IX_GSSR                 0x10160         /* SW_FW_SYNC */
#define IX_GSSR_SW_MASK         0x0000001Fu     /* bits 4:0 software */
#define IX_GSSR_FW_MASK         0x000003E0u     /* bits 9:5 firmware */
#define IX_MMNGC                0x042D0
#define IX_MANC                 0x05820

/* DS99 8.2.3.4: PCIe */
#define IX_GCR_EXT              0x11050

/* DS99 8.2.3.5: interrupts */
#define IX_EICR                 0x00800
#define IX_EICS                 0x00808
#define IX_EIAC                 0x00810
#define IX_EITR_LO(v)           (0x00820 + 4 * (v))     /* v = 0..23 */
#define IX_EITR_HI(v)           (0x12300 + 4 * ((v) - 24)) /* 24..63 */
#define IX_EIMS                 0x00880
#define IX_EIMC                 0x00888
#define IX_EIAM                 0x00890
#define IX_GPIE                 0x00898
#define IX_IVAR(i)              (0x00900 + 4 * (i))     /* 64 */
#define IX_IVAR_MISC            0x00A00
#define IX_EICS_EX(i)           (0x00A90 + 4 * (i))     /* 2 */
#define IX_EIMS_EX(i)           (0x00AA0 + 4 * (i))
#define IX_EIMC_EX(i)           (0x00AB0 + 4 * (i))
#define IX_EIAM_EX(i)           (0x00AD0 + 4 * (i))
#define IX_EICR_RTXQ            0x0000FFFFu
#define IX_EICR_FLOW_DIR        0x00010000u
#define IX_EICR_RX_MISS         0x00020000u
#define IX_EICR_LSC             0x00100000u
#define IX_EICR_OTHER_CAUSES    0x7FFF0000u
#define IX_EICR_OTHER           0x80000000u
#define IX_GPIE_MSIX_MODE       0x00000010u
#define IX_GPIE_OCD             0x00000020u
#define IX_GPIE_EIAME           0x40000000u
#define IX_IVAR_VALID           0x80u
#define IX_IVAR_VEC_MASK        0x3Fu

/* DS99 8.2.3.7: receive filtering, RSS */
#define IX_RXCSUM               0x05000
#define IX_RXCSUM_PCSD          0x00002000u     /* RSS hash in descriptor */
#define IX_RFCTL                0x05008
#define IX_FCTRL                0x05080
#define IX_FCTRL_SBP            0x00000002u
#define IX_FCTRL_MPE            0x00000100u
#define IX_FCTRL_UPE            0x00000200u
#define IX_FCTRL_BAM            0x00000400u
#define IX_VLNCTRL              0x05088
#define IX_VLNCTRL_VET_MASK     0x0000FFFFu
#define IX_VLNCTRL_VFE          0x40000000u
#define IX_MCSTCTRL             0x05090
#define IX_MCSTCTRL_MFE         0x00000004u
#define IX_MCSTCTRL_MO_MASK     0x00000003u
#define IX_MTA(i)               (0x05200 + 4 * (i))     /* 128 */
#define IX_RAL_ALIAS(i)         (0x05400 + 8 * (i))     /* entries 0-15 */
#define IX_RAL(i)               (0x0A200 + 8 * (i))     /* 128 */
#define IX_RAH(i)               (0x0A204 + 8 * (i))
#define IX_RAH_AV               0x80000000u
#define IX_PSRTYPE_ALIAS(i)     (0x05480 + 4 * (i))
#define IX_PSRTYPE(i)           (0x0EA00 + 4 * (i))     /* 64 */
#define IX_VFTA(i)              (0x0A000 + 4 * (i))     /* 128 */
#define IX_MRQC_ALIAS           0x05818
#define IX_MRQC                 0x0EC80
#define IX_MRQC_MRQE_MASK       0x0000000Fu
#define IX_MRQC_RSSEN           0x00000001u
#define IX_MRQC_IPV4_TCP        0x00010000u
#define IX_MRQC_IPV4            0x00020000u
#define IX_MRQC_IPV6            0x00100000u
#define IX_MRQC_IPV6_TCP        0x00200000u
#define IX_MRQC_IPV4_UDP        0x00400000u
#define IX_MRQC_IPV6_UDP        0x00800000u
#define IX_RETA_ALIAS(i)        (0x05C00 + 4 * (i))     /* 32 */
#define IX_RETA(i)              (0x0EB00 + 4 * (i))
#define IX_RSSRK_ALIAS(i)       (0x05C80 + 4 * (i))     /* 10 */
#define IX_RSSRK(i)             (0x0EB80 + 4 * (i))
#define IX_FDIRCTRL             0x0EE00
#define IX_FDIRCTRL_INIT_DONE   0x00000008u
#define IX_FDIRCMD              0x0EE2C
#define IX_FDIRCMD_CMD_MASK     0x00000003u

/* DS99 8.2.3.8: receive DMA */
#define IX_RXQ_BASE(q)          ((q) < 64 ? 0x01000 + 0x40 * (q) : \
                                 0x0D000 + 0x40 * ((q) - 64))
#define IX_RDBAL(q)             (IX_RXQ_BASE(q) + 0x00)
#define IX_RDBAH(q)             (IX_RXQ_BASE(q) + 0x04)
#define IX_RDLEN(q)             (IX_RXQ_BASE(q) + 0x08)
#define IX_DCA_RXCTRL(q)        (IX_RXQ_BASE(q) + 0x0C)
#define IX_RDH(q)               (IX_RXQ_BASE(q) + 0x10)
#define IX_SRRCTL(q)            (IX_RXQ_BASE(q) + 0x14)
#define IX_RDT(q)               (IX_RXQ_BASE(q) + 0x18)
#define IX_RXDCTL(q)            (IX_RXQ_BASE(q) + 0x28)
#define IX_SRRCTL_ALIAS(q)      (0x02100 + 4 * (q))     /* queues 0-15 */
#define IX_DCA_RXCTRL_ALIAS(q)  (0x02200 + 4 * (q))
#define IX_SRRCTL_BSIZEPKT_MASK 0x0000007Fu     /* 1 KiB units */
#define IX_SRRCTL_DESCTYPE_MASK 0x0E000000u
#define IX_SRRCTL_DESCTYPE_LEGACY 0x00000000u
#define IX_SRRCTL_DESCTYPE_ADV  0x02000000u     /* advanced, one buffer */
#define IX_SRRCTL_DROP_EN       0x10000000u
#define IX_RXDCTL_ENABLE        0x02000000u
#define IX_RXDCTL_SWFLSH        0x04000000u
#define IX_RXDCTL_VME           0x40000000u     /* strip VLAN tag */
#define IX_RQSMR(i)             (0x02300 + 4 * (i))     /* 32 */
#define IX_RDRXCTL              0x02F00
#define IX_RDRXCTL_CRCSTRIP     0x00000002u
#define IX_RDRXCTL_DMAIDONE     0x00000008u
#define IX_RXCTRL               0x03000
#define IX_RXCTRL_RXEN          0x00000001u
#define IX_RXPBSIZE(i)          (0x03C00 + 4 * (i))
#define IX_RXPBSIZE_KB_SHIFT    10

/* DS99 8.2.3.9: transmit */
#define IX_DMATXCTL             0x04A80
#define IX_DMATXCTL_TE          0x00000001u
#define IX_TXQ_BASE(q)          (0x06000 + 0x40 * (q))
#define IX_TDBAL(q)             (IX_TXQ_BASE(q) + 0x00)
#define IX_TDBAH(q)             (IX_TXQ_BASE(q) + 0x04)
#define IX_TDLEN(q)             (IX_TXQ_BASE(q) + 0x08)
#define IX_TDH(q)               (IX_TXQ_BASE(q) + 0x10)
#define IX_TDT(q)               (IX_TXQ_BASE(q) + 0x18)
#define IX_TXDCTL(q)            (IX_TXQ_BASE(q) + 0x28)
#define IX_TDWBAL(q)            (IX_TXQ_BASE(q) + 0x38)
#define IX_TDWBAH(q)            (IX_TXQ_BASE(q) + 0x3C)
#define IX_TXDCTL_ENABLE        0x02000000u
#define IX_TXDCTL_SWFLSH        0x04000000u
#define IX_TDWBAL_HEAD_WB_EN    0x00000001u
#define IX_TQSM(i)              (0x08600 + 4 * (i))     /* 32 */

/* DS99 8.2.3.12: security block (RX path gate) */
#define IX_SECTXSTAT            0x08804
#define IX_SECTXSTAT_RDY        0x00000001u
#define IX_SECRXCTRL            0x08D00
#define IX_SECRXCTRL_RX_DIS     0x00000002u
#define IX_SECRXSTAT            0x08D04
#define IX_SECRXSTAT_RDY        0x00000001u

/* DS99 8.2.3.22: MAC, link, MDIO */
#define IX_HLREG0               0x04240
#define IX_HLREG0_RXCRCSTRP     0x00000002u
#define IX_HLREG0_JUMBOEN       0x00000004u
#define IX_HLREG0_LPBK          0x00008000u
#define IX_MSCA                 0x0425C
#define IX_MSCA_OP_SHIFT        26              /* 0 addr, 1 write, 3 read */
#define IX_MSCA_MDI_COMMAND     0x40000000u
#define IX_MSRWD                0x04260
#define IX_MAXFRS               0x04268         /* ixgbe: MHADD */
#define IX_MAXFRS_MFS_SHIFT     16
#define IX_AUTOC                0x042A0
#define IX_AUTOC_AN_RESTART     0x00001000u
#define IX_AUTOC_LMS_SHIFT      13
#define IX_AUTOC_LMS_MASK       (7u << IX_AUTOC_LMS_SHIFT)
#define IX_AUTOC_LMS_1G_NO_AN   0u
#define IX_AUTOC_LMS_10G_NO_AN  1u
#define IX_AUTOC_LMS_1G_AN      2u
#define IX_AUTOC_LMS_10G_SERIAL 3u
#define IX_AUTOC_LMS_KX4_KX_KR  4u
#define IX_AUTOC_LMS_KX4_KX_KR_1G_AN 6u
#define IX_AUTOC_KX4_SUPP       0x80000000u
#define IX_AUTOC_KR_SUPP        0x00010000u
#define IX_LINKS                0x042A4
#define IX_LINKS_KX_AN_COMP     0x80000000u
#define IX_LINKS_UP             0x40000000u
#define IX_LINKS_SPEED_10G      0x30000000u
#define IX_LINKS_SPEED_1G       0x20000000u
#define IX_AUTOC2               0x042A8
#define IX_AUTOC2_LINK_DISABLE  0x70000000u     /* bits 30:28 */
#define IX_AUTOC2_10G_PMA_MASK  0x00030000u
#define IX_AUTOC2_10G_SFI       0x00020000u     /* 10G PMA/PMD = SFI */
#define IX_ANLP1                0x042B0
#define IX_ANLP1_AN_STATE_SHIFT 16              /* bits 19:16 */
#define IX_CORECTL              0x14F00

/* DS99 8.2.3.23: statistics (clear on read) */
#define IX_CRCERRS              0x04000
#define IX_ILLERRC              0x04004
#define IX_ERRBC                0x04008
#define IX_MSPDC                0x04010
#define IX_MLFC                 0x04034
#define IX_MRFC                 0x04038
#define IX_RLEC                 0x04040
#define IX_PRC64                0x0405C         /* .. PRC1522 0x04070 */
#define IX_GPRC                 0x04074
#define IX_BPRC                 0x04078
#define IX_MPRC                 0x0407C
#define IX_GPTC                 0x04080
#define IX_GORCL                0x04088
#define IX_GORCH                0x0408C
#define IX_GOTCL                0x04090
#define IX_GOTCH                0x04094
#define IX_RUC                  0x040A4
#define IX_RFC                  0x040A8
#define IX_ROC                  0x040AC
#define IX_RJC                  0x040B0
#define IX_TORL                 0x040C0
#define IX_TORH                 0x040C4
#define IX_TPR                  0x040D0
#define IX_TPT                  0x040D4
#define IX_PTC64                0x040D8         /* .. PTC1522 0x040EC */
#define IX_MPTC                 0x040F0
#define IX_BPTC                 0x040F4
#define IX_RXNFGPC              0x041B0
#define IX_RXNFGBCL             0x041B4
#define IX_RXNFGBCH             0x041B8
#define IX_RXDGPC               0x02F50
#define IX_RXDGBCL              0x02F54
#define IX_RXDGBCH              0x02F58
#define IX_MPC(i)               (0x03FA0 + 4 * (i))     /* per packet buffer */
#define IX_RNBC(i)              (0x03FC0 + 4 * (i))
#define IX_QPRC(i)              (0x01030 + 0x40 * (i))  /* per stat counter */
#define IX_QBRC_L(i)            (0x01034 + 0x40 * (i))
#define IX_QBRC_H(i)            (0x01038 + 0x40 * (i))
#define IX_QPRDC(i)             (0x01430 + 0x40 * (i))
#define IX_QPTC(i)              (0x08680 + 4 * (i))
#define IX_QPTC_ALIAS(i)        (0x06030 + 0x40 * (i))
#define IX_QBTC_L(i)            (0x08700 + 8 * (i))
#define IX_QBTC_H(i)            (0x08704 + 8 * (i))

/* DS99 7.1.5 / 7.1.6: receive descriptors (16 bytes) */
#define IX_RXD_STAT_DD          0x00000001u
#define IX_RXD_STAT_EOP         0x00000002u
#define IX_RXD_STAT_VP          0x00000008u
#define IX_RXD_ERR_RXE          0x20000000u     /* advanced, bit 29 */
#define IX_RSS_TYPE_NONE        0x0
#define IX_RSS_TYPE_IPV4_TCP    0x1
#define IX_RSS_TYPE_IPV4        0x2
#define IX_RSS_TYPE_IPV6_TCP    0x3
#define IX_RSS_TYPE_IPV6        0x5
#define IX_RSS_TYPE_IPV4_UDP    0x7
#define IX_RSS_TYPE_IPV6_UDP    0x8
/* packet type field (bits 16:4 of the first dword) */
#define IX_PTYPE_IPV4           0x001
#define IX_PTYPE_IPV6           0x004
#define IX_PTYPE_TCP            0x010
#define IX_PTYPE_UDP            0x020

/* DS99 7.2.3: transmit descriptors (16 bytes) */
#define IX_TXD_CMD_EOP          0x01000000u     /* in cmd_type_len */
#define IX_TXD_CMD_IFCS         0x02000000u
#define IX_TXD_CMD_RS           0x08000000u
#define IX_TXD_CMD_DEXT         0x20000000u
#define IX_TXD_CMD_VLE          0x40000000u
#define IX_TXD_CMD_TSE          0x80000000u
#define IX_TXD_DTYP_SHIFT       20
#define IX_TXD_DTYP_CTXT        0x2
#define IX_TXD_DTYP_DATA        0x3
#define IX_TXD_STAT_DD          0x00000001u
#define IX_TXD_POPTS_IXSM       0x00000100u     /* olinfo bit 8 */
#define IX_TXD_POPTS_TXSM       0x00000200u     /* olinfo bit 9 */
#define IX_TXD_IDX_SHIFT        4               /* olinfo / mss_l4len */
#define IX_TXD_PAYLEN_SHIFT     14
#define IX_TXCTX_L4T_SHIFT      11              /* type_tucmd: 0 UDP 1 TCP */
#define IX_TXCTX_IPV4           0x00000400u

#endif /* HPCAP_82599_REGS_H */
