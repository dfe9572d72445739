/*
 * hpcap_82599.c - a test model of the Intel 82599 10 GbE controller for
 * QEMU, written for hpcap's VM tests (tests/vm/qemu/).
 *
 * Purpose: let the 82599 drivers (Linux's in-tree ixgbe, hpcap's native
 * poller) run against something that behaves like the datasheet says, with
 * QEMU's own dump of the wire as ground truth.  It is a test instrument,
 * not a product: it models what those drivers touch and logs the rest.
 * Section numbers refer to the Intel 82599 10 GbE Controller Datasheet,
 * rev. 3.x ("DS99").
 *
 * Modelled:
 *  - PCI function 8086:10FB (SFP+; property sfp=on, the default) or
 *    8086:10F7 (KX4 backplane, sfp=off), BAR0 128 KiB of CSRs, BAR4 MSI-X
 *    (64 vectors), capabilities at the 82599's offsets (PM 0x40, MSI 0x50,
 *    MSI-X 0x70, PCIe 0xA0; DS99 9.3).
 *  - BAR0 as a register file with the datasheet's offsets and reset
 *    values, including the 82598-compatible alias addresses the 82599 also
 *    decodes (RAL/RAH 0-15, SRRCTL/DCA_RXCTRL 0-15, MRQC, RETA, RSSRK,
 *    PSRTYPE, QPTC).  Registers that only tune hardware the model does not
 *    have (DCB arbiters, flow control thresholds, DCA, analog settings,
 *    flow director tables...) are stored and read back, with no effect;
 *    they are listed in ix_regs[] below.  Any other access is logged once
 *    per register and direction (qemu -d unimp) and behaves as storage
 *    reading 0, the reset value of every register met so far.
 *  - Reset (CTRL.RST / CTRL.LNK_RST, DS99 4.6.3.2): registers to their
 *    reset values, RAL0/RAH0 reloaded from the EEPROM, then EEC.ARD and
 *    RDRXCTL.DMAIDONE set after the EEPROM auto-read time (autoread-us).
 *    STATUS.GIO_MASTER_ENABLE clears while CTRL.GIO_DIS is set (5.2.5.3.2).
 *  - EEPROM (hpcap_82599_eeprom.c): EERD reads of an image with a valid
 *    checksum, the MAC address, an SFP+ init-sequence table, a firmware
 *    module (patch version, LESM off) and a PBA string.  No bit-banged
 *    EEPROM access, no EEPROM writes (EEWR is stored only).
 *  - SW/FW semaphores (SWSM, SW_FW_SYNC): SWSM.SMBI is set by the read that
 *    finds it clear, SWESMBI and SW_FW_SYNC's software bits are granted at
 *    once (no firmware contends); FWSM reports valid firmware, no
 *    manageability.
 *  - MDIO (MSCA/MSRWD): commands complete at once; no PHY answers (reads
 *    0xFFFF), as on an SFP+ or backplane port with no external PHY.
 *  - Link (AUTOC/AUTOC2/LINKS, DS99 8.2.3.22): the link comes up at 10 Gb/s
 *    link-train-us after it was (re)started (reset, AUTOC write with
 *    Restart_AN or a new LMS, TX laser on, QEMU link on) when AUTOC selects
 *    a mode the port and its partner share: 10G serial SFI for the SFP+
 *    port (SR module), KX4/KR (with or without AN) or 10G parallel for the
 *    KX4 port.  It goes down at once on `set_link ... off`, on TX laser
 *    off (ESDP.SDP3 as output = 1), on AUTOC2 link disable or an unusable
 *    LMS.  Each change sets EICR.LSC.  ANLP1 shows the AN state machine out
 *    of state 0 while the link is trained or up.
 *  - SFP+ module (hpcap_82599_sfp.c): a 10GBASE-SR module behind the
 *    bit-banged I2C lines of I2CCTL, answering at 0xA0 (SFF-8472 serial ID
 *    page); ESDP.SDP2 reads 1 (cage full).
 *  - Receive (hpcap_82599_rx.c, DS99 7.1): RXCTRL.RXEN, SECRXCTRL gate,
 *    L2 filters (RAR with AV, MTA, FCTRL UPE/MPE/BAM), VLAN filter (VFTA
 *    with VLNCTRL.VFE), frame size limits (HLREG0.JUMBOEN, MAXFRS), CRC
 *    strip (HLREG0.RXCRCSTRP; kept CRC is computed), RSS (MRQC, RETA,
 *    RSSRK, Toeplitz over IPv4/IPv6 and TCP/UDP ports), per-queue VLAN
 *    strip (RXDCTL.VME), 128 queues with RDBAL/RDBAH/RDLEN/RDH/RDT, SRRCTL
 *    buffer size, legacy and advanced one-buffer descriptors with
 *    write-back (length, DD/EOP, VP, RSS type and hash, packet type),
 *    frames over several descriptors.  A receive packet buffer (RXPBSIZE0
 *    bytes) holds frames for a queue without free descriptors; with
 *    SRRCTL.DROP_EN the frame is dropped and counted in QPRDC, without it
 *    it waits (blocking the buffer, as on hardware) and frames arriving to
 *    a full buffer are dropped and counted in MPC (EICR.RX_MISS).  The
 *    model never back-pressures QEMU's network layer.
 *  - Transmit (hpcap_82599_tx.c, DS99 7.2): DMATXCTL.TE, TXDCTL enable,
 *    legacy and advanced descriptors (context + data), IP/L4 checksum
 *    insertion, VLAN insertion, TCP segmentation, DD write-back on RS,
 *    head write-back (TDWBAL), HLREG0.LPBK loopback.
 *  - Statistics (DS99 8.2.3.23), clear on read: CRCERRS RLEC RUC ROC TPR
 *    TORL/H GPRC GORCL/H BPRC MPRC PRC64-1522 RXNFGPC RXNFGBC RXDGPC RXDGBC
 *    MPC QPRC QBRC QPRDC (per counter, mapped by RQSMR) GPTC GOTCL/H
 *    TPT MPTC BPTC PTC64-1522 QPTC QBTC (mapped by TQSM).  The 36-bit octet
 *    counters are cleared when their high dword is read.
 *  - Interrupts (DS99 7.3): MSI-X (IVAR, IVAR_MISC, EIMS/EIMC/EIAM/EICS
 *    and their _EX forms, EIAC auto-clear, GPIE.EIAME auto-mask), MSI and
 *    INTx (EICR clear on read, EIAM auto-mask on read).  Causes fire at
 *    once: EITR throttling is stored, not applied.
 *
 * Not modelled (stored or logged only): DCB, VMDq/SR-IOV and mailboxes,
 * flow director filtering (FDIRCTRL reports init done, commands complete,
 * nothing is steered), 5-tuple/EtherType/SYN filters, RSC, header split
 * and replication, checksum offload on receive (no IPCS/L4CS reported),
 * IPsec/LinkSec, FCoE, PTP time stamps, flow control and pause frames,
 * manageability, wake-up, bit-banged EEPROM and flash, interrupt
 * throttling and delays, multi-speed fiber, module hot-plug, the PCIe
 * extended capabilities (the test machine's bus is conventional PCI).
 *
 * This file is part of hpcap's test instruments, not of QEMU.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qemu/range.h"
#include "qapi/error.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/pcie.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "net/net.h"
#include "hpcap_82599.h"

#define IX_DEVICE_ID_SFP        0x10FB
#define IX_DEVICE_ID_KX4        0x10F7
#define IX_REVISION             0x01
#define IX_MSIX_BAR             4
#define IX_MSIX_PBA_OFFSET      0x2000

uint32_t ix_reg(Ix82599State *s, hwaddr off)
{
    return s->regs[off >> 2];
}

void ix_reg_set(Ix82599State *s, hwaddr off, uint32_t val)
{
    s->regs[off >> 2] = val;
}

/* Statistics counters wrap at 32 bits like the hardware's (DS99 8.2.3.23). */
void ix_stat_add(Ix82599State *s, hwaddr off, uint32_t n)
{
    s->regs[off >> 2] += n;
}

int64_t ix_now_ns(void)
{
    return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

/* ------------------------------------------------------------------------
 * Reset (DS99 4.6.3.2) and the ready handshakes
 * ------------------------------------------------------------------------ */

static void ix_load_mac_from_eeprom(Ix82599State *s)
{
    /* The LAN core 0 module (pointer in word 0x09) holds the MAC address
     * in its words 1-3, low byte first; hardware copies it to RAL0/RAH0. */
    uint16_t p = s->eeprom[0x09];
    uint32_t ral, rah;

    ral = s->eeprom[p + 1] | (uint32_t)s->eeprom[p + 2] << 16;
    rah = s->eeprom[p + 3] | IX_RAH_AV;
    ix_reg_set(s, IX_RAL(0), ral);
    ix_reg_set(s, IX_RAL(0) + 4, rah);
}

static void ix_ready_timer_cb(void *opaque)
{
    Ix82599State *s = opaque;

    ix_reg_set(s, IX_EEC, ix_reg(s, IX_EEC) | IX_EEC_ARD);
    ix_reg_set(s, IX_RDRXCTL, ix_reg(s, IX_RDRXCTL) | IX_RDRXCTL_DMAIDONE);
}

static void ix_reset(Ix82599State *s)
{
    unsigned i;

    timer_del(s->ready_timer);
    ix_rx_flush(s);
    ix_tx_reset(s);
    ix_regtab_reset(s->regs);

    /* EEPROM-loaded defaults: the MAC address, and the link setup of the
     * MAC module (10G serial SFI for the SFP+ port, KX4/KX AN for the
     * backplane port). */
    ix_load_mac_from_eeprom(s);
    if (s->sfp) {
        ix_reg_set(s, IX_AUTOC, IX_AUTOC_LMS_10G_SERIAL << IX_AUTOC_LMS_SHIFT);
        ix_reg_set(s, IX_AUTOC2, IX_AUTOC2_10G_SFI);
    } else {
        ix_reg_set(s, IX_AUTOC, IX_AUTOC_LMS_KX4_KX_KR << IX_AUTOC_LMS_SHIFT |
                   IX_AUTOC_KX4_SUPP | 0x40000000u /* KX */ |
                   1u << 7 /* 10G PMA KX4 */ | 1u << 9 /* 1G PMA KX */);
        ix_reg_set(s, IX_AUTOC2, 0);
    }
    ix_reg_set(s, IX_EEC, IX_EEC_PRES | IX_EEC_ADDR_SIZE |
               IX_EEPROM_SIZE_FIELD << IX_EEC_SIZE_SHIFT);

    s->an_restarted = false;
    s->vec_cause = 0;
    s->vec_mask = 0;
    s->vec_automask = 0;
    s->gorc = s->gotc = s->tor = s->rxnfgbc = s->rxdgbc = 0;
    memset(s->qbrc, 0, sizeof(s->qbrc));
    memset(s->qbtc, 0, sizeof(s->qbtc));
    for (i = 0; i < IX_NUM_RXQ; i++) {
        s->rxq_enable_at[i] = 0;
    }
    for (i = 0; i < IX_NUM_TXQ; i++) {
        s->txq_enable_at[i] = 0;
    }
    if (s->intx_level) {
        pci_set_irq(PCI_DEVICE(s), 0);
        s->intx_level = false;
    }
    ix_sfp_init(&s->sfp_mod, s->sfp);

    /* The EEPROM auto-read and the DMA init take a while after reset. */
    timer_mod(s->ready_timer,
              ix_now_ns() + (int64_t)s->autoread_us * SCALE_US);

    /* A reset takes the link down; it retrains with the defaults. */
    ix_link_update(s, true);
}

/* ------------------------------------------------------------------------
 * Queue enables follow the register with a delay (RXDCTL/TXDCTL.ENABLE
 * read back once the queue really is (not) running, DS99 4.6.7/4.6.8).
 * ------------------------------------------------------------------------ */

static int ix_rxq_of(hwaddr off)
{
    if (off >= IX_RXQ_BASE(0) && off < IX_RXQ_BASE(0) + 64 * 0x40) {
        return (off - IX_RXQ_BASE(0)) / 0x40;
    }
    if (off >= IX_RXQ_BASE(64) && off < IX_RXQ_BASE(64) + 64 * 0x40) {
        return 64 + (off - IX_RXQ_BASE(64)) / 0x40;
    }
    return -1;
}

bool ix_queue_enabled(Ix82599State *s, bool tx, unsigned q)
{
    uint32_t ctl = tx ? ix_reg(s, IX_TXDCTL(q)) : ix_reg(s, IX_RXDCTL(q));
    int64_t at = tx ? s->txq_enable_at[q] : s->rxq_enable_at[q];

    return (ctl & (tx ? IX_TXDCTL_ENABLE : IX_RXDCTL_ENABLE)) &&
           ix_now_ns() >= at;
}

static uint32_t ix_qctl_read(Ix82599State *s, bool tx, unsigned q)
{
    hwaddr off = tx ? IX_TXDCTL(q) : IX_RXDCTL(q);
    uint32_t en = tx ? IX_TXDCTL_ENABLE : IX_RXDCTL_ENABLE;
    int64_t at = tx ? s->txq_enable_at[q] : s->rxq_enable_at[q];
    uint32_t v = ix_reg(s, off);

    if (ix_now_ns() < at) {
        v ^= en;        /* the change requested has not happened yet */
    }
    return v;
}

static void ix_qctl_write(Ix82599State *s, bool tx, unsigned q, uint32_t val)
{
    hwaddr off = tx ? IX_TXDCTL(q) : IX_RXDCTL(q);
    uint32_t en = tx ? IX_TXDCTL_ENABLE : IX_RXDCTL_ENABLE;
    int64_t *at = tx ? &s->txq_enable_at[q] : &s->rxq_enable_at[q];

    /* SWFLSH (descriptor write-back flush) is self-clearing. A queue stops
     * taking work at once; ENABLE reads back the new state only after the
     * latency. */
    val &= ~(tx ? IX_TXDCTL_SWFLSH : IX_RXDCTL_SWFLSH);
    if ((ix_reg(s, off) ^ val) & en) {
        *at = ix_now_ns() + (int64_t)s->rxdctl_latency_us * SCALE_US;
    }
    ix_reg_set(s, off, val);
}

/* ------------------------------------------------------------------------
 * MMIO
 * ------------------------------------------------------------------------ */

static uint32_t ix_wide_read(uint64_t *ctr, bool high)
{
    uint32_t v;

    if (!high) {
        return (uint32_t)*ctr;
    }
    v = (uint32_t)(*ctr >> 32) & 0xF;    /* 36-bit counters */
    *ctr = 0;
    return v;
}

static uint64_t *ix_wide_counter(Ix82599State *s, hwaddr off, bool *high)
{
    unsigned i;

    *high = false;
    switch (off) {
    case IX_GORCH: *high = true; /* fall through */
    case IX_GORCL: return &s->gorc;
    case IX_GOTCH: *high = true; /* fall through */
    case IX_GOTCL: return &s->gotc;
    case IX_TORH: *high = true; /* fall through */
    case IX_TORL: return &s->tor;
    case IX_RXNFGBCH: *high = true; /* fall through */
    case IX_RXNFGBCL: return &s->rxnfgbc;
    case IX_RXDGBCH: *high = true; /* fall through */
    case IX_RXDGBCL: return &s->rxdgbc;
    }
    for (i = 0; i < IX_NUM_STATQ; i++) {
        if (off == IX_QBRC_L(i) || off == IX_QBRC_H(i)) {
            *high = off == IX_QBRC_H(i);
            return &s->qbrc[i];
        }
        if (off == IX_QBTC_L(i) || off == IX_QBTC_H(i)) {
            *high = off == IX_QBTC_H(i);
            return &s->qbtc[i];
        }
    }
    return NULL;
}

static uint32_t ix_read_special(Ix82599State *s, hwaddr off)
{
    PCIDevice *d = PCI_DEVICE(s);
    uint32_t v = ix_reg(s, off);
    uint64_t *wide;
    bool high;
    int q;

    switch (off) {
    case IX_CTRL:
        return v & ~(IX_CTRL_RST | IX_CTRL_LNK_RST);   /* self-clearing */
    case IX_STATUS:
        /* LAN ID 0 (function 0); master enable status (DS99 8.2.3.1.2) */
        if ((pci_get_word(d->config + PCI_COMMAND) & PCI_COMMAND_MASTER) &&
            !(ix_reg(s, IX_CTRL) & IX_CTRL_GIO_DIS)) {
            v |= IX_STATUS_GIO;
        }
        return v;
    case IX_ESDP:
        /* inputs: SDP2 = SFP+ cage full */
        if (s->sfp && s->sfp_mod.present && !(v & (IX_ESDP_SDP2 << 8))) {
            v |= IX_ESDP_SDP2;
        }
        return v;
    case IX_I2CCTL:
        return ix_sfp_i2cctl_read(&s->sfp_mod, v);
    case IX_EICR:
        return ix_eicr_read(s);
    case IX_EICS:
        return ix_reg(s, IX_EICR);      /* causes, without clearing */
    case IX_EIMS:
        return ix_eims(s);
    case IX_EIMC:
        return 0;
    case IX_EIAM:
        return (v & ~IX_EICR_RTXQ) | (uint32_t)(s->vec_automask & 0xFFFF);
    case IX_EICS_EX(0):
    case IX_EICS_EX(1):
        return (uint32_t)(s->vec_cause >> (off == IX_EICS_EX(1) ? 32 : 0));
    case IX_EIMS_EX(0):
    case IX_EIMS_EX(1):
        return (uint32_t)(s->vec_mask >> (off == IX_EIMS_EX(1) ? 32 : 0));
    case IX_EIMC_EX(0):
    case IX_EIMC_EX(1):
        return 0;
    case IX_EIAM_EX(0):
    case IX_EIAM_EX(1):
        return (uint32_t)(s->vec_automask >> (off == IX_EIAM_EX(1) ? 32 : 0));
    case IX_SWSM:
        /* SMBI: the read that finds it clear takes it (DS99 SWSM) */
        ix_reg_set(s, IX_SWSM, v | IX_SWSM_SMBI);
        return v;
    case IX_LINKS:
        return ix_links_read(s);
    case IX_ANLP1:
        /* the AN state machine leaves its reset state once restarted */
        return (s->an_restarted || s->link_up) ?
               2u << IX_ANLP1_AN_STATE_SHIFT : 0;
    case IX_FDIRCTRL:
        return v | IX_FDIRCTRL_INIT_DONE;
    case IX_SECRXSTAT:
        return (ix_reg(s, IX_SECRXCTRL) & IX_SECRXCTRL_RX_DIS) ?
               IX_SECRXSTAT_RDY : 0;
    case IX_SECTXSTAT:
        return IX_SECTXSTAT_RDY;
    }
    wide = ix_wide_counter(s, off, &high);
    if (wide) {
        return ix_wide_read(wide, high);
    }
    q = ix_rxq_of(off);
    if (q >= 0 && (off & 0x3F) == 0x28) {
        return ix_qctl_read(s, false, q);
    }
    if (off >= IX_TXQ_BASE(0) && off < IX_TXQ_BASE(IX_NUM_TXQ) &&
        (off & 0x3F) == 0x28) {
        return ix_qctl_read(s, true, (off - IX_TXQ_BASE(0)) / 0x40);
    }
    return v;
}

static void ix_mdio_command(Ix82599State *s, uint32_t val)
{
    unsigned op = (val >> IX_MSCA_OP_SHIFT) & 3;

    /* No PHY on the MDIO bus: reads return all ones. */
    if (op == 2 || op == 3) {
        ix_reg_set(s, IX_MSRWD, (ix_reg(s, IX_MSRWD) & 0xFFFF) | 0xFFFF0000u);
    }
    ix_reg_set(s, IX_MSCA, val & ~IX_MSCA_MDI_COMMAND);
}

static void ix_write_special(Ix82599State *s, hwaddr off, uint32_t val)
{
    uint32_t old = ix_reg(s, off);
    uint64_t grew;
    int q;

    switch (off) {
    case IX_CTRL:
        if (val & (IX_CTRL_RST | IX_CTRL_LNK_RST)) {
            ix_reset(s);
            return;
        }
        ix_reg_set(s, off, val);
        return;
    case IX_STATUS:
        return;
    case IX_ESDP:
        ix_reg_set(s, off, val);
        if (((old ^ val) & (IX_ESDP_SDP3 | IX_ESDP_SDP3_DIR)) && s->sfp) {
            ix_link_update(s, ix_laser_on(s));
        }
        return;
    case IX_I2CCTL:
        ix_reg_set(s, off, val & (IX_I2C_CLK_OUT | IX_I2C_DATA_OUT));
        ix_sfp_i2cctl_write(&s->sfp_mod, val);
        return;
    case IX_EEC:
        /* EE_REQ is granted at once; ARD/PRES/size are read-only */
        val &= 0x000000FFu;
        if (val & 0x40) {
            val |= 0x80;
        }
        ix_reg_set(s, off, (old & ~0xFFu) | val);
        return;
    case IX_EERD:
        if (val & IX_EERD_START) {
            uint32_t a = (val >> IX_EERD_ADDR_SHIFT) & 0x3FFF;
            uint16_t w = a < IX_EEPROM_WORDS ? s->eeprom[a] : 0xFFFF;

            ix_reg_set(s, off, (uint32_t)w << IX_EERD_DATA_SHIFT |
                       a << IX_EERD_ADDR_SHIFT | IX_EERD_DONE);
        }
        return;
    case IX_SWSM:
        ix_reg_set(s, off, val & (IX_SWSM_SMBI | IX_SWSM_SWESMBI));
        return;
    case IX_GSSR:
        /* No firmware: the software bits are granted as written. */
        ix_reg_set(s, off, val & IX_GSSR_SW_MASK);
        return;
    case IX_EICR:
        ix_reg_set(s, off, old & ~val);
        s->vec_cause &= ~(uint64_t)(val & IX_EICR_RTXQ);
        ix_update_line(s);
        return;
    case IX_EICS:
        if (ix_msix_mode(s)) {
            ix_set_vec_cause(s, val & IX_EICR_RTXQ);
            ix_other_interrupt(s, val & IX_EICR_OTHER_CAUSES);
        } else {
            ix_other_interrupt(s, val & ~IX_EICR_OTHER);
        }
        return;
    case IX_EICS_EX(0):
    case IX_EICS_EX(1):
        ix_set_vec_cause(s, (uint64_t)val << (off == IX_EICS_EX(1) ? 32 : 0));
        return;
    case IX_EIMS:
        grew = val & IX_EICR_RTXQ & ~s->vec_mask;
        s->vec_mask |= val & IX_EICR_RTXQ;
        ix_reg_set(s, off, old | (val & ~IX_EICR_RTXQ));
        ix_mask_grew(s, grew, val & ~old & ~IX_EICR_RTXQ);
        return;
    case IX_EIMC:
        s->vec_mask &= ~(uint64_t)(val & IX_EICR_RTXQ);
        ix_reg_set(s, IX_EIMS, ix_reg(s, IX_EIMS) & ~val);
        ix_update_line(s);
        return;
    case IX_EIAM:
        s->vec_automask = (s->vec_automask & ~0xFFFFull) | (val & 0xFFFF);
        ix_reg_set(s, off, val);
        return;
    case IX_EIMS_EX(0):
    case IX_EIMS_EX(1): {
        uint64_t bits = (uint64_t)val << (off == IX_EIMS_EX(1) ? 32 : 0);

        grew = bits & ~s->vec_mask;
        s->vec_mask |= bits;
        ix_mask_grew(s, grew, 0);
        return;
    }
    case IX_EIMC_EX(0):
    case IX_EIMC_EX(1):
        s->vec_mask &= ~((uint64_t)val << (off == IX_EIMC_EX(1) ? 32 : 0));
        ix_update_line(s);
        return;
    case IX_EIAM_EX(0):
    case IX_EIAM_EX(1): {
        unsigned sh = off == IX_EIAM_EX(1) ? 32 : 0;

        s->vec_automask = (s->vec_automask & ~(0xFFFFFFFFull << sh)) |
                          (uint64_t)val << sh;
        return;
    }
    case IX_MSCA:
        if (val & IX_MSCA_MDI_COMMAND) {
            ix_mdio_command(s, val);
        } else {
            ix_reg_set(s, off, val);
        }
        return;
    case IX_MSRWD:
        ix_reg_set(s, off, (old & 0xFFFF0000u) | (val & 0xFFFF));
        return;
    case IX_AUTOC: {
        bool restart = (val & IX_AUTOC_AN_RESTART) ||
                       ((old ^ val) & IX_AUTOC_LMS_MASK);

        ix_reg_set(s, off, val & ~IX_AUTOC_AN_RESTART);  /* self-clearing */
        s->an_restarted |= restart;
        ix_link_update(s, restart);
        return;
    }
    case IX_AUTOC2:
        ix_reg_set(s, off, val);
        ix_link_update(s, (old ^ val) != 0);
        return;
    case IX_LINKS:
    case IX_ANLP1:
    case IX_SECRXSTAT:
    case IX_SECTXSTAT:
        return;
    case IX_FDIRCTRL:
        ix_reg_set(s, off, val & ~IX_FDIRCTRL_INIT_DONE);
        return;
    case IX_FDIRCMD:
        /* commands complete at once (flow director not modelled) */
        ix_reg_set(s, off, val & ~IX_FDIRCMD_CMD_MASK);
        return;
    case IX_RDRXCTL:
        ix_reg_set(s, off, (val & ~IX_RDRXCTL_DMAIDONE) |
                   (old & IX_RDRXCTL_DMAIDONE));
        return;
    case IX_RXCTRL:
        ix_reg_set(s, off, val);
        if (val & IX_RXCTRL_RXEN) {
            ix_rx_drain(s);
        }
        return;
    case IX_DMATXCTL:
        ix_reg_set(s, off, val);
        if (val & IX_DMATXCTL_TE) {
            for (q = 0; q < IX_NUM_TXQ; q++) {
                ix_tx_kick(s, q);
            }
        }
        return;
    }
    if (ix_wide_counter(s, off, &(bool){false})) {
        return;                 /* statistics are read-only */
    }
    q = ix_rxq_of(off);
    if (q >= 0 && (off & 0x3F) == 0x28) {
        ix_qctl_write(s, false, q, val);
        ix_rx_drain(s);
        return;
    }
    if (q >= 0 && (off & 0x3F) == 0x18) {
        ix_reg_set(s, off, val & 0xFFFF);
        ix_rx_drain(s);
        return;
    }
    if (off >= IX_TXQ_BASE(0) && off < IX_TXQ_BASE(IX_NUM_TXQ)) {
        q = (off - IX_TXQ_BASE(0)) / 0x40;
        if ((off & 0x3F) == 0x28) {
            ix_qctl_write(s, true, q, val);
            ix_tx_kick(s, q);
            return;
        }
        if ((off & 0x3F) == 0x18) {
            ix_reg_set(s, off, val & 0xFFFF);
            ix_tx_kick(s, q);
            return;
        }
    }
    ix_reg_set(s, off, val);
}

static uint64_t ix_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    Ix82599State *s = opaque;
    hwaddr off = ix_regtab_canon(addr & ~3ull);
    uint32_t v;

    switch (ix_regtab_kind(off)) {
    case K_SPECIAL:
        return ix_read_special(s, off);
    case K_STAT:
        v = ix_reg(s, off);
        ix_reg_set(s, off, 0);
        return v;
    case K_UNKNOWN:
        v = ix_reg(s, off);
        ix_regtab_log_unimp(s, off, false, v);
        return v;
    default:
        return ix_reg(s, off);
    }
}

static void ix_mmio_write(void *opaque, hwaddr addr, uint64_t val64,
                          unsigned size)
{
    Ix82599State *s = opaque;
    hwaddr off = ix_regtab_canon(addr & ~3ull);
    uint32_t val = val64;

    switch (ix_regtab_kind(off)) {
    case K_SPECIAL:
        ix_write_special(s, off, val);
        return;
    case K_STAT:
    case K_RO:
        return;
    case K_UNKNOWN:
        ix_regtab_log_unimp(s, off, true, val);
        ix_reg_set(s, off, val);
        return;
    default:
        ix_reg_set(s, off, ix_regtab_merge(off, ix_reg(s, off), val));
        return;
    }
}

static const MemoryRegionOps ix_mmio_ops = {
    .read = ix_mmio_read,
    .write = ix_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

/* ------------------------------------------------------------------------
 * QEMU glue
 * ------------------------------------------------------------------------ */

static bool ix_can_receive(NetClientState *nc)
{
    /* Never back-pressure: the model drops and counts, as hardware does. */
    return true;
}

static NetClientInfo ix_net_info = {
    .type = NET_CLIENT_DRIVER_NIC,
    .size = sizeof(NICState),
    .can_receive = ix_can_receive,
    .receive = ix_receive,
    .link_status_changed = ix_set_link_status,
};

static void ix_write_config(PCIDevice *d, uint32_t addr, uint32_t val,
                            int len)
{
    Ix82599State *s = HPCAP_82599(d);

    pci_default_write_config(d, addr, val, len);
    /* Bus mastering (re)enabled: frames may now be delivered. */
    if (range_covers_byte(addr, len, PCI_COMMAND) &&
        (d->config[PCI_COMMAND] & PCI_COMMAND_MASTER)) {
        ix_rx_drain(s);
    }
}

static void ix_realize(PCIDevice *d, Error **errp)
{
    Ix82599State *s = HPCAP_82599(d);
    int ret;

    ix_regtab_init();
    d->config_write = ix_write_config;
    pci_config_set_device_id(d->config,
                             s->sfp ? IX_DEVICE_ID_SFP : IX_DEVICE_ID_KX4);
    d->config[PCI_CACHE_LINE_SIZE] = 0x10;
    d->config[PCI_INTERRUPT_PIN] = 1;

    memory_region_init_io(&s->mmio, OBJECT(s), &ix_mmio_ops, s,
                          "hpcap-82599-mmio", IX_BAR0_SIZE);
    pci_register_bar(d, 0, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->mmio);
    memory_region_init(&s->msix, OBJECT(s), "hpcap-82599-msix",
                       IX_MSIX_BAR_SIZE);
    pci_register_bar(d, IX_MSIX_BAR, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->msix);

    /* Capabilities where the 82599 has them (DS99 9.3.x). */
    if (pcie_endpoint_cap_init(d, 0xA0) < 0) {
        error_setg(errp, "hpcap-82599: cannot add the PCIe capability");
        return;
    }
    ret = msix_init(d, IX_MSIX_VECTORS, &s->msix, IX_MSIX_BAR, 0,
                    &s->msix, IX_MSIX_BAR, IX_MSIX_PBA_OFFSET, 0x70, errp);
    if (ret < 0) {
        return;
    }
    for (ret = 0; ret < IX_MSIX_VECTORS; ret++) {
        msix_vector_use(d, ret);
    }
    if (msi_init(d, 0x50, 1, true, true, errp) < 0) {
        return;
    }
    if (pci_pm_init(d, 0x40, errp) < 0) {
        return;
    }

    qemu_macaddr_default_if_unset(&s->conf.macaddr);
    s->nic = qemu_new_nic(&ix_net_info, &s->conf,
                          object_get_typename(OBJECT(s)), DEVICE(d)->id,
                          &DEVICE(d)->mem_reentrancy_guard, s);
    qemu_format_nic_info_str(qemu_get_queue(s->nic), s->conf.macaddr.a);

    QSIMPLEQ_INIT(&s->rx_pb);
    s->link_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, ix_link_timer_cb, s);
    s->ready_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, ix_ready_timer_cb, s);
    ix_eeprom_build(s);
}

static void ix_exit(PCIDevice *d)
{
    Ix82599State *s = HPCAP_82599(d);

    ix_rx_flush(s);
    ix_tx_reset(s);
    timer_free(s->link_timer);
    timer_free(s->ready_timer);
    qemu_del_nic(s->nic);
    msix_unuse_all_vectors(d);
    msix_uninit(d, &s->msix, &s->msix);
    msi_uninit(d);
}

static void ix_reset_hold(Object *obj, ResetType type)
{
    Ix82599State *s = HPCAP_82599(obj);

    ix_reset(s);
}

static const VMStateDescription ix_vmstate = {
    .name = TYPE_HPCAP_82599,
    .unmigratable = 1,
};

static const Property ix_properties[] = {
    DEFINE_NIC_PROPERTIES(Ix82599State, conf),
    DEFINE_PROP_BOOL("sfp", Ix82599State, sfp, true),
    DEFINE_PROP_UINT32("link-train-us", Ix82599State, link_train_us, 20000),
    DEFINE_PROP_UINT32("enable-latency-us", Ix82599State, rxdctl_latency_us,
                       50),
    DEFINE_PROP_UINT32("autoread-us", Ix82599State, autoread_us, 2000),
};

static void ix_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = ix_realize;
    k->exit = ix_exit;
    k->vendor_id = PCI_VENDOR_ID_INTEL;
    k->device_id = IX_DEVICE_ID_SFP;
    k->revision = IX_REVISION;
    k->class_id = PCI_CLASS_NETWORK_ETHERNET;
    rc->phases.hold = ix_reset_hold;
    dc->desc = "Intel 82599 10 GbE (hpcap test model)";
    dc->vmsd = &ix_vmstate;
    device_class_set_props(dc, ix_properties);
    set_bit(DEVICE_CATEGORY_NETWORK, dc->categories);
}

static const TypeInfo ix_type_info = {
    .name = TYPE_HPCAP_82599,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(Ix82599State),
    .class_init = ix_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void ix_register_types(void)
{
    type_register_static(&ix_type_info);
}

type_init(ix_register_types)
