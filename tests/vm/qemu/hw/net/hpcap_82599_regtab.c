/*
 * hpcap_82599_regtab.c - what each dword of the hpcap 82599 model's BAR0
 * is: the registers the model knows with their datasheet reset values
 * (DS99 8.2.3), the 82598-compatible alias addresses (DS99 8.2.2), and the
 * log of accesses to anything else.
 *
 * Kinds:
 *   K_SPECIAL  behaviour in hpcap_82599.c (reads and/or writes do things)
 *   K_STORE    read/write storage; the model uses the value (RX/TX/link
 *              setup) or it tunes hardware the model does not have (then
 *              the entry says "no effect")
 *   K_STAT     statistics: read-only, cleared on read
 *   K_RO       constant: writes are ignored
 *   anything else: logged once per register and direction (qemu -d unimp)
 *              and kept as storage that reads 0 until written
 *
 * This file is part of hpcap's test instruments, not of QEMU.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "hpcap_82599.h"

typedef struct IxRegRange {
    uint32_t base;
    uint32_t count;
    uint32_t stride;
    uint32_t reset;
    uint8_t kind;
    uint32_t ro;                /* read-only bits (reserved, read as 0) */
} IxRegRange;

#define R(base, count, stride, reset, kind) { base, count, stride, reset, kind, 0 }
#define RM(base, count, stride, reset, kind, ro) \
    { base, count, stride, reset, kind, ro }
#define NOEFFECT K_STORE        /* stored, tunes hardware not modelled */

/* Later entries win, so special registers may sit inside plain ranges. */
static const IxRegRange ix_regs[] = {
    /* 8.2.3.1 general control */
    R(IX_CTRL, 1, 4, 0, K_SPECIAL),
    R(IX_STATUS, 1, 4, 0, K_SPECIAL),
    R(IX_CTRL_EXT, 1, 4, 0, K_STORE),
    R(IX_ESDP, 1, 4, IX_ESDP_SDP3_DIR, K_SPECIAL),
    R(IX_I2CCTL, 1, 4, 0, K_SPECIAL),
    R(IX_LEDCTL, 1, 4, 0x00080604, NOEFFECT),
    R(0x00048, 1, 4, 0, NOEFFECT),                  /* FRTIMER */
    R(0x0004C, 1, 4, 0, NOEFFECT),                  /* TCPTIMER */
    /* 8.2.3.2 EEPROM / flash */
    R(IX_EEC, 1, 4, 0, K_SPECIAL),
    R(IX_EERD, 1, 4, 0, K_SPECIAL),
    R(0x1001C, 1, 4, 0, NOEFFECT),                  /* FLA: flash bit-bang */
    R(0x10114, 1, 4, 0, NOEFFECT),                  /* EEWR: writes ignored */
    R(0x1013C, 1, 4, 0, NOEFFECT),                  /* FLOP */
    R(IX_EEMNGCTL, 1, 4, 0, K_RO),
    /* 8.2.3.25-27 manageability, host interface, semaphores */
    R(IX_SWSM, 1, 4, 0, K_SPECIAL),
    R(IX_FWSM, 1, 4, IX_FWSM_FW_VAL, K_RO),
    R(IX_FACTPS, 1, 4, 0, K_RO),
    R(IX_GSSR, 1, 4, 0, K_SPECIAL),
    R(IX_MMNGC, 1, 4, 0, K_RO),
    R(IX_MANC, 1, 4, 0, NOEFFECT),
    R(0x05860, 1, 4, 0, NOEFFECT),                  /* MANC2H */
    R(0x15F00, 1, 4, 0, K_RO),                      /* HICR: no host i/f */
    R(0x15F0C, 1, 4, 0, NOEFFECT),                  /* FWSTS */
    /* 8.2.3.4 PCIe */
    R(0x11000, 1, 4, 0, NOEFFECT),                  /* GCR */
    R(IX_GCR_EXT, 1, 4, 0, NOEFFECT),
    R(0x11064, 1, 4, 0, K_RO),                      /* MREVID */
    R(0x11070, 1, 4, 0, NOEFFECT),                  /* DCA_ID */
    R(0x11074, 1, 4, 0, NOEFFECT),                  /* DCA_CTRL */
    /* 8.2.3.5 interrupts */
    R(IX_EICR, 1, 4, 0, K_SPECIAL),
    R(IX_EICS, 1, 4, 0, K_SPECIAL),
    R(IX_EIAC, 1, 4, 0, K_STORE),
    R(IX_EITR_LO(0), 24, 4, 0, NOEFFECT),           /* throttling: none */
    R(IX_EITR_HI(24), 40, 4, 0, NOEFFECT),
    R(IX_EIMS, 1, 4, 0, K_SPECIAL),
    R(IX_EIMC, 1, 4, 0, K_SPECIAL),
    R(IX_EIAM, 1, 4, 0, K_SPECIAL),
    R(0x00894, 1, 4, 0, NOEFFECT),                  /* EITRSEL (VFs) */
    R(IX_GPIE, 1, 4, 0, K_STORE),
    R(IX_IVAR(0), 64, 4, 0, K_STORE),
    R(IX_IVAR_MISC, 1, 4, 0, K_STORE),
    R(IX_EICS_EX(0), 2, 4, 0, K_SPECIAL),
    R(IX_EIMS_EX(0), 2, 4, 0, K_SPECIAL),
    R(IX_EIMC_EX(0), 2, 4, 0, K_SPECIAL),
    R(IX_EIAM_EX(0), 2, 4, 0, K_SPECIAL),
    /* 8.2.3.7 receive filters, RSS */
    R(IX_RXCSUM, 1, 4, 0, K_STORE),
    R(IX_RFCTL, 1, 4, 0, NOEFFECT),                 /* RSC, NFS filters */
    R(IX_FCTRL, 1, 4, 0, K_STORE),
    R(IX_VLNCTRL, 1, 4, 0x00008100, K_STORE),
    R(IX_MCSTCTRL, 1, 4, 0, K_STORE),
    R(IX_MTA(0), 128, 4, 0, K_STORE),
    R(IX_VFTA(0), 128, 4, 0, K_STORE),
    R(IX_RAL(0), IX_NUM_RAR, 8, 0, K_STORE),
    RM(IX_RAH(0), IX_NUM_RAR, 8, 0, K_STORE, 0x7FFC0000),
    R(0x0A600, 2 * IX_NUM_RAR, 4, 0, NOEFFECT),     /* MPSAR (pools) */
    R(IX_PSRTYPE(0), 64, 4, 0, NOEFFECT),           /* header split types */
    R(IX_RETA(0), 32, 4, 0, K_STORE),
    R(IX_RSSRK(0), 10, 4, 0, K_STORE),
    R(IX_MRQC, 1, 4, 0, K_STORE),
    R(0x05128, 8, 4, 0, NOEFFECT),                  /* ETQF: not filtered */
    R(0x0EC00, 8, 4, 0, NOEFFECT),                  /* ETQS */
    R(0x0E000, 128, 4, 0, NOEFFECT),                /* SAQF (5-tuple) */
    R(0x0E200, 128, 4, 0, NOEFFECT),                /* DAQF */
    R(0x0E400, 128, 4, 0, NOEFFECT),                /* SDPQF */
    R(0x0E600, 128, 4, 0, NOEFFECT),                /* FTQF */
    R(0x0E800, 128, 4, 0, NOEFFECT),                /* L34T_IMIR */
    R(0x0EC30, 1, 4, 0, NOEFFECT),                  /* SYNQF */
    R(0x0EC70, 1, 4, 0, NOEFFECT),                  /* RQTC */
    R(0x0EC90, 1, 4, 0, NOEFFECT),                  /* LLITHRESH */
    R(0x05A80, 8, 4, 0, NOEFFECT),                  /* IMIR */
    R(0x05AA0, 8, 4, 0, NOEFFECT),                  /* IMIREXT */
    R(0x05AC0, 1, 4, 0, NOEFFECT),                  /* IMIRVP */
    R(IX_FDIRCTRL, 1, 4, 0, K_SPECIAL),
    R(0x0EE04, 1, 4, 0, NOEFFECT),                  /* FDIRHASH */
    R(IX_FDIRCMD, 1, 4, 0, K_SPECIAL),
    R(0x0EE0C, 8, 4, 0, NOEFFECT),                  /* FDIR addresses, ports */
    R(0x0EE30, 10, 4, 0, NOEFFECT),                 /* FDIRFREE .. FDIRFSTAT */
    R(0x0EE68, 2, 4, 0, NOEFFECT),                  /* FDIRHKEY, FDIRSKEY */
    R(0x0EE70, 4, 4, 0, NOEFFECT),                  /* FDIR masks */
    /* 8.2.3.27 virtualization (VMDq, SR-IOV): pools not modelled */
    R(0x051B0, 1, 4, 0, NOEFFECT),                  /* PFVTCTL */
    R(0x08220, 1, 4, 0, NOEFFECT),                  /* PFDTXGSWC */
    R(0x0F000, 64, 4, 0, NOEFFECT),                 /* PFVML2FLT (VMOLR) */
    R(0x0F100, 64, 4, 0, NOEFFECT),                 /* PFVLVF */
    R(0x0F200, 128, 4, 0, NOEFFECT),                /* PFVLVFB */
    R(0x0F400, 128, 4, 0, NOEFFECT),                /* PFUTA */
    /* 8.2.3.26 time sync (PTP): no clock, no time stamps */
    R(0x05188, 1, 4, 0, NOEFFECT),                  /* TSYNCRXCTL */
    R(0x051E8, 1, 4, 0, K_RO),                      /* RXSTMPL */
    R(0x051A0, 3, 4, 0, K_RO),                      /* RXSATRL, RXSTMPH, RXSATRH */
    R(0x05120, 1, 4, 0, NOEFFECT),                  /* RXMTRL */
    R(0x08C00, 1, 4, 0, NOEFFECT),                  /* TSYNCTXCTL */
    R(0x08C04, 2, 4, 0, K_RO),                      /* TXSTMPL/H */
    R(0x08C0C, 2, 4, 0, NOEFFECT),                  /* SYSTIML/H: stopped */
    R(0x08C14, 3, 4, 0, NOEFFECT),                  /* TIMINCA, TIMADJL/H */
    R(0x08C20, 11, 4, 0, NOEFFECT),                 /* TSAUXC .. AUXSTMPH1 */
    R(0x08C58, 1, 4, 0, K_RO),                      /* SYSTIMR */
    /* 8.2.3.13-14 IPsec security associations (not modelled) */
    R(0x08900, 6, 4, 0, NOEFFECT),                  /* IPSTXIDX, SALT, KEY */
    R(0x08E00, 13, 4, 0, NOEFFECT),                 /* IPSRXIDX .. IPSRXMOD */
    /* 8.2.3.8 receive DMA */
    /* rings are 128-byte aligned and sized (DS99 8.2.3.8.1-3) */
    RM(IX_RDBAL(0), 64, 0x40, 0, K_STORE, 0x0000007F),
    R(IX_RDBAH(0), 64, 0x40, 0, K_STORE),
    RM(IX_RDLEN(0), 64, 0x40, 0, K_STORE, 0xFFF0007F),
    R(IX_DCA_RXCTRL(0), 64, 0x40, 0x00002200, NOEFFECT),
    RM(IX_RDH(0), 64, 0x40, 0, K_STORE, 0xFFFF0000),
    R(IX_SRRCTL(0), 64, 0x40, 0x00000402, K_STORE),
    R(IX_RDT(0), 64, 0x40, 0, K_SPECIAL),
    R(IX_RXDCTL(0), 64, 0x40, 0, K_SPECIAL),
    R(IX_RXQ_BASE(0) + 0x2C, 64, 0x40, 0, NOEFFECT),        /* RSCCTL */
    RM(IX_RDBAL(64), 64, 0x40, 0, K_STORE, 0x0000007F),
    R(IX_RDBAH(64), 64, 0x40, 0, K_STORE),
    RM(IX_RDLEN(64), 64, 0x40, 0, K_STORE, 0xFFF0007F),
    R(IX_DCA_RXCTRL(64), 64, 0x40, 0x00002200, NOEFFECT),
    RM(IX_RDH(64), 64, 0x40, 0, K_STORE, 0xFFFF0000),
    R(IX_SRRCTL(64), 64, 0x40, 0x00000402, K_STORE),
    R(IX_RDT(64), 64, 0x40, 0, K_SPECIAL),
    R(IX_RXDCTL(64), 64, 0x40, 0, K_SPECIAL),
    R(IX_RXQ_BASE(64) + 0x2C, 64, 0x40, 0, NOEFFECT),
    R(IX_RQSMR(0), 32, 4, 0, K_STORE),
    R(IX_RDRXCTL, 1, 4, 0, K_SPECIAL),
    R(0x02F04, 1, 4, 0, NOEFFECT),                  /* QDE (VF drop) */
    R(IX_RXCTRL, 1, 4, 0, K_SPECIAL),
    R(0x03028, 1, 4, 0, NOEFFECT),                  /* RSCDBU */
    R(IX_RXPBSIZE(0), 1, 4, 0x00080000, K_STORE),   /* 512 KiB */
    R(IX_RXPBSIZE(1), 7, 4, 0, K_STORE),
    /* 8.2.3.3 flow control: no pause frames are sent or honoured */
    R(0x03200, 4, 4, 0, NOEFFECT),                  /* FCTTV */
    RM(0x03220, 8, 4, 0, NOEFFECT, 0x7FF8000F),     /* FCRTL */
    RM(0x03260, 8, 4, 0, NOEFFECT, 0x7FF8000F),     /* FCRTH */
    R(0x03008, 1, 4, 0, NOEFFECT),                  /* PFCTOP */
    R(0x032A0, 1, 4, 0, NOEFFECT),                  /* FCRTV */
    R(0x03D00, 1, 4, 0, NOEFFECT),                  /* FCCFG */
    R(0x04294, 1, 4, 0, NOEFFECT),                  /* MFLCN */
    /* 8.2.3.9 transmit */
    RM(IX_TDBAL(0), 128, 0x40, 0, K_STORE, 0x0000007F),
    R(IX_TDBAH(0), 128, 0x40, 0, K_STORE),
    RM(IX_TDLEN(0), 128, 0x40, 0, K_STORE, 0xFFF0007F),
    R(IX_TXQ_BASE(0) + 0x0C, 128, 0x40, 0x00002200, NOEFFECT), /* DCA_TXCTRL */
    RM(IX_TDH(0), 128, 0x40, 0, K_STORE, 0xFFFF0000),
    R(IX_TDT(0), 128, 0x40, 0, K_SPECIAL),
    R(IX_TXDCTL(0), 128, 0x40, 0, K_SPECIAL),
    R(IX_TDWBAL(0), 128, 0x40, 0, K_STORE),
    R(IX_TDWBAH(0), 128, 0x40, 0, K_STORE),
    R(IX_DMATXCTL, 1, 4, 0, K_SPECIAL),
    R(0x04A88, 2, 4, 0, NOEFFECT),                  /* DTXTCPFLGL/H */
    R(0x08100, 1, 4, 0x00000010, NOEFFECT),         /* DTXMXSZRQ */
    R(0x08120, 1, 4, 0, NOEFFECT),                  /* MTQC */
    R(IX_TQSM(0), 32, 4, 0, K_STORE),
    R(0x0CC00, 1, 4, 0x000000A0, NOEFFECT),         /* TXPBSIZE0 160 KiB */
    R(0x0CC04, 7, 4, 0, NOEFFECT),
    R(0x04950, 8, 4, 0, NOEFFECT),                  /* TXPBTHRESH */
    /* 8.2.3.10 DCB: no arbitration or rate limiting */
    R(0x02430, 1, 4, 0, NOEFFECT),                  /* RTRPCS */
    R(0x02140, 8, 4, 0, NOEFFECT),                  /* RTRPT4C */
    R(0x03020, 1, 4, 0, NOEFFECT),                  /* RTRUP2TC */
    R(0x04900, 1, 4, 0, NOEFFECT),                  /* RTTDCS */
    R(0x04904, 1, 4, 0, NOEFFECT),                  /* RTTDQSEL */
    R(0x04908, 1, 4, 0, NOEFFECT),                  /* RTTDT1C */
    R(0x04910, 8, 4, 0, NOEFFECT),                  /* RTTDT2C */
    R(0x04984, 1, 4, 0, NOEFFECT),                  /* RTTBCNRC */
    R(0x0C800, 1, 4, 0, NOEFFECT),                  /* RTTUP2TC */
    R(0x0CD00, 1, 4, 0, NOEFFECT),                  /* RTTPCS */
    R(0x0CD20, 8, 4, 0, NOEFFECT),                  /* RTTPT2C */
    /* 8.2.3.12 security (IPsec engines not modelled) */
    R(0x08800, 1, 4, 0x00000005, NOEFFECT),         /* SECTXCTRL */
    R(IX_SECTXSTAT, 1, 4, 0, K_SPECIAL),
    R(0x08808, 1, 4, 0, NOEFFECT),                  /* SECTXBUFFAF */
    R(0x08810, 1, 4, 0x00001000, NOEFFECT),         /* SECTXMINIFG */
    R(IX_SECRXCTRL, 1, 4, 0, K_STORE),
    R(IX_SECRXSTAT, 1, 4, 0, K_SPECIAL),
    /* 8.2.3.22 MAC, link, MDIO */
    /* TX CRC, RX CRC strip, TX pad; the drivers set the rest */
    R(IX_HLREG0, 1, 4, 0x00000403, K_STORE),
    R(0x04244, 1, 4, 0, K_RO),                      /* HLREG1 */
    R(0x04248, 1, 4, 0, NOEFFECT),                  /* PAP */
    R(IX_MSCA, 1, 4, 0, K_SPECIAL),
    R(IX_MSRWD, 1, 4, 0, K_SPECIAL),
    R(IX_MAXFRS, 1, 4, 0x05EE0000, K_STORE),        /* MFS 1518 */
    R(0x04208, 1, 4, 0, NOEFFECT),                  /* PCS1GLCTL */
    R(0x04218, 1, 4, 0, NOEFFECT),                  /* PCS1GANA */
    R(0x0421C, 1, 4, 0, K_RO),                      /* PCS1GANLP */
    R(IX_AUTOC, 1, 4, 0, K_SPECIAL),
    R(IX_LINKS, 1, 4, 0, K_SPECIAL),
    R(IX_AUTOC2, 1, 4, 0, K_SPECIAL),
    R(0x042AC, 1, 4, 0, NOEFFECT),                  /* AUTOC3 */
    R(IX_ANLP1, 1, 4, 0, K_SPECIAL),
    R(0x042B4, 1, 4, 0, K_RO),                      /* ANLP2 */
    R(0x04324, 1, 4, 0, K_RO),                      /* LINKS2 */
    R(IX_CORECTL, 1, 4, 0, NOEFFECT),               /* analog settings */
    /* 8.2.3.24 wake-up (not modelled) */
    R(0x05800, 1, 4, 0, NOEFFECT),                  /* WUC */
    R(0x05808, 1, 4, 0, NOEFFECT),                  /* WUFC */
    R(0x05810, 1, 4, 0, NOEFFECT),                  /* WUS */
    /* 8.2.3.23 statistics */
    R(IX_CRCERRS, 1, 4, 0, K_STAT),
    R(IX_ILLERRC, 1, 4, 0, K_STAT),
    R(IX_ERRBC, 1, 4, 0, K_STAT),
    R(IX_MSPDC, 1, 4, 0, K_STAT),
    R(IX_MLFC, 1, 4, 0, K_STAT),
    R(IX_MRFC, 1, 4, 0, K_STAT),
    R(IX_RLEC, 1, 4, 0, K_STAT),
    R(0x03F00, 8, 4, 0, K_STAT),                    /* PXONTXC */
    R(0x03F20, 8, 4, 0, K_STAT),                    /* PXOFFTXC */
    R(0x03F60, 1, 4, 0, K_STAT),                    /* LXONTXC */
    R(0x03F68, 1, 4, 0, K_STAT),                    /* LXOFFTXC */
    R(0x03240, 8, 4, 0, K_STAT),                    /* PXON2OFFCNT */
    R(0x04140, 8, 4, 0, K_STAT),                    /* PXONRXCNT */
    R(0x04160, 8, 4, 0, K_STAT),                    /* PXOFFRXCNT */
    R(0x041A4, 1, 4, 0, K_STAT),                    /* LXONRXCNT */
    R(0x041A8, 1, 4, 0, K_STAT),                    /* LXOFFRXCNT */
    R(IX_PRC64, 6, 4, 0, K_STAT),                   /* PRC64 .. PRC1522 */
    R(IX_GPRC, 1, 4, 0, K_STAT),
    R(IX_BPRC, 1, 4, 0, K_STAT),
    R(IX_MPRC, 1, 4, 0, K_STAT),
    R(IX_GPTC, 1, 4, 0, K_STAT),
    R(IX_GORCL, 1, 4, 0, K_SPECIAL),
    R(IX_GORCH, 1, 4, 0, K_SPECIAL),
    R(IX_GOTCL, 1, 4, 0, K_SPECIAL),
    R(IX_GOTCH, 1, 4, 0, K_SPECIAL),
    R(IX_RUC, 1, 4, 0, K_STAT),
    R(IX_RFC, 1, 4, 0, K_STAT),
    R(IX_ROC, 1, 4, 0, K_STAT),
    R(IX_RJC, 1, 4, 0, K_STAT),
    R(0x040B4, 1, 4, 0, K_STAT),                    /* MNGPRC */
    R(0x040B8, 1, 4, 0, K_STAT),                    /* MNGPDC */
    R(0x0CF90, 1, 4, 0, K_STAT),                    /* MNGPTC */
    R(IX_TORL, 1, 4, 0, K_SPECIAL),
    R(IX_TORH, 1, 4, 0, K_SPECIAL),
    R(IX_TPR, 1, 4, 0, K_STAT),
    R(IX_TPT, 1, 4, 0, K_STAT),
    R(IX_PTC64, 6, 4, 0, K_STAT),                   /* PTC64 .. PTC1522 */
    R(IX_MPTC, 1, 4, 0, K_STAT),
    R(IX_BPTC, 1, 4, 0, K_STAT),
    R(0x04120, 1, 4, 0, K_STAT),                    /* XEC */
    R(0x08780, 1, 4, 0, K_STAT),                    /* SSVPC */
    R(IX_RXNFGPC, 1, 4, 0, K_STAT),
    R(IX_RXNFGBCL, 1, 4, 0, K_SPECIAL),
    R(IX_RXNFGBCH, 1, 4, 0, K_SPECIAL),
    R(IX_RXDGPC, 1, 4, 0, K_STAT),
    R(IX_RXDGBCL, 1, 4, 0, K_SPECIAL),
    R(IX_RXDGBCH, 1, 4, 0, K_SPECIAL),
    R(IX_MPC(0), 8, 4, 0, K_STAT),
    R(IX_RNBC(0), 8, 4, 0, K_STAT),                 /* 82598's; never counts */
    R(IX_QPRC(0), IX_NUM_STATQ, 0x40, 0, K_STAT),
    R(IX_QBRC_L(0), IX_NUM_STATQ, 0x40, 0, K_SPECIAL),
    R(IX_QBRC_H(0), IX_NUM_STATQ, 0x40, 0, K_SPECIAL),
    R(IX_QPRDC(0), IX_NUM_STATQ, 0x40, 0, K_STAT),
    R(IX_QPTC(0), IX_NUM_STATQ, 4, 0, K_STAT),
    R(IX_QBTC_L(0), IX_NUM_STATQ, 8, 0, K_SPECIAL),
    R(IX_QBTC_H(0), IX_NUM_STATQ, 8, 0, K_SPECIAL),
    R(0x0EE58, 1, 4, 0, K_STAT),                    /* FDIRMATCH */
    R(0x0EE5C, 1, 4, 0, K_STAT),                    /* FDIRMISS */
    R(0x05118, 1, 4, 0, K_STAT),                    /* FCCRC (FCoE) */
    R(0x0241C, 1, 4, 0, K_STAT),                    /* FCOERPDC */
    R(0x02428, 1, 4, 0, K_STAT),                    /* FCOEPRC */
    R(0x0242C, 1, 4, 0, K_STAT),                    /* FCOEDWRC */
    R(0x08784, 1, 4, 0, K_STAT),                    /* FCOEPTC */
    R(0x08788, 1, 4, 0, K_STAT),                    /* FCOEDWTC */
    R(0x087A0, 3, 4, 0, K_STAT),                    /* TXDGPC, TXDGBCL/H */
};

static uint8_t ix_kind[IX_NREGS];
static uint32_t ix_reset_val[IX_NREGS];
static uint32_t ix_ro[IX_NREGS];

void ix_regtab_init(void)
{
    static bool done;
    size_t i, j;

    if (done) {
        return;
    }
    for (i = 0; i < ARRAY_SIZE(ix_regs); i++) {
        const IxRegRange *r = &ix_regs[i];

        for (j = 0; j < r->count; j++) {
            uint32_t off = r->base + j * r->stride;

            assert(off < IX_BAR0_SIZE && !(off & 3));
            ix_kind[off >> 2] = r->kind;
            ix_reset_val[off >> 2] = r->reset;
            ix_ro[off >> 2] = r->ro;
        }
    }
    done = true;
}

int ix_regtab_kind(hwaddr off)
{
    return ix_kind[off >> 2];
}

void ix_regtab_reset(uint32_t *regs)
{
    memcpy(regs, ix_reset_val, sizeof(ix_reset_val));
}

uint32_t ix_regtab_reset_value(hwaddr off)
{
    return ix_reset_val[off >> 2];
}

/* A write to storage: reserved bits keep reading 0 (DS99 8.2.3). */
uint32_t ix_regtab_merge(hwaddr off, uint32_t old, uint32_t val)
{
    uint32_t ro = ix_ro[off >> 2];

    return (old & ro) | (val & ~ro);
}

/*
 * DS99 8.2.2: addresses the 82599 decodes for 82598 compatibility (Linux's
 * ixgbe uses several of them).  The model keeps each register once, under
 * its 82599 address.
 */
hwaddr ix_regtab_canon(hwaddr a)
{
    if (a >= IX_RAL_ALIAS(0) && a < IX_RAL_ALIAS(16)) {
        return IX_RAL(0) + (a - IX_RAL_ALIAS(0));
    }
    if (a >= IX_PSRTYPE_ALIAS(0) && a < IX_PSRTYPE_ALIAS(16)) {
        return IX_PSRTYPE(0) + (a - IX_PSRTYPE_ALIAS(0));
    }
    if (a >= IX_SRRCTL_ALIAS(0) && a < IX_SRRCTL_ALIAS(16)) {
        return IX_SRRCTL((a - IX_SRRCTL_ALIAS(0)) / 4);
    }
    if (a >= IX_DCA_RXCTRL_ALIAS(0) && a < IX_DCA_RXCTRL_ALIAS(16)) {
        return IX_DCA_RXCTRL((a - IX_DCA_RXCTRL_ALIAS(0)) / 4);
    }
    if (a == IX_MRQC_ALIAS) {
        return IX_MRQC;
    }
    if (a >= IX_RETA_ALIAS(0) && a < IX_RETA_ALIAS(32)) {
        return IX_RETA(0) + (a - IX_RETA_ALIAS(0));
    }
    if (a >= IX_RSSRK_ALIAS(0) && a < IX_RSSRK_ALIAS(10)) {
        return IX_RSSRK(0) + (a - IX_RSSRK_ALIAS(0));
    }
    if (a >= IX_TXQ_BASE(0) && a < IX_TXQ_BASE(16) && (a & 0x3F) == 0x30) {
        return IX_QPTC((a - IX_TXQ_BASE(0)) / 0x40);
    }
    return a;
}

void ix_regtab_log_unimp(Ix82599State *s, hwaddr off, bool write,
                         uint32_t val)
{
    uint8_t bit = write ? 2 : 1;

    if (s->unimp_seen[off >> 2] & bit) {
        return;
    }
    s->unimp_seen[off >> 2] |= bit;
    qemu_log_mask(LOG_UNIMP, "hpcap-82599: unimplemented register %s "
                  "0x%05" HWADDR_PRIx " value 0x%08x\n",
                  write ? "write" : "read", off, val);
}
