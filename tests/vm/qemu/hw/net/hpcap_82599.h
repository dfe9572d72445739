/*
 * hpcap_82599.h - state and internal interfaces of the hpcap test model of
 * the Intel 82599 10 GbE controller (see hpcap_82599.c for what is modelled).
 *
 * This file is part of hpcap's test instruments, not of QEMU.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HPCAP_82599_H
#define HPCAP_82599_H

#include "hw/pci/pci_device.h"
#include "net/net.h"
#include "qemu/timer.h"
#include "hpcap_82599_regs.h"

#define TYPE_HPCAP_82599        "hpcap-82599"
OBJECT_DECLARE_SIMPLE_TYPE(Ix82599State, HPCAP_82599)

#define IX_NREGS                (IX_BAR0_SIZE / 4)
#define IX_EEPROM_SIZE_FIELD    6               /* EEC.EE_SIZE: 4096 words */
#define IX_EEPROM_WORDS         (1u << (IX_EEPROM_SIZE_FIELD + 6))
#define IX_MAX_FRAME            16384           /* largest frame accepted */
#define IX_SFP_EEPROM_SIZE      256

/* The SFP+ module's 2-wire (I2C) slave, driven by I2CCTL bit-banging. */
typedef struct IxSfp {
    bool present;
    uint8_t a0[IX_SFP_EEPROM_SIZE];     /* SFF-8472 page A0h (serial ID) */
    /* pin state as last written by the host (1 = released/high) */
    bool scl, sda_host;
    bool sda_dev;                       /* the module's open-drain output */
    int state;                          /* IxSfpState in hpcap_82599_sfp.c */
    int bits;                           /* bits shifted in the current byte */
    uint8_t shift;
    bool addressed;                     /* our address byte was received */
    bool reading;                       /* addressed for a read */
    bool acked;                         /* host ACKed the byte just sent */
    uint8_t offset;                     /* current byte address */
} IxSfp;

/* A frame held in the receive packet buffer until descriptors are free. */
typedef struct IxRxFrame {
    QSIMPLEQ_ENTRY(IxRxFrame) next;
    uint32_t queue;
    uint32_t rss_hash;
    uint16_t pkt_info;                  /* RSS type | packet type << 4 */
    uint16_t vlan;                      /* tag stripped into the descriptor */
    bool vlan_stripped;
    size_t len;                         /* bytes to DMA (CRC included if kept) */
    uint8_t data[];
} IxRxFrame;

/* TX context descriptor contents (two slots, DS99 7.2.3.2.3). */
typedef struct IxTxCtx {
    uint32_t vlan_macip_lens;
    uint32_t type_tucmd;
    uint32_t mss_l4len_idx;
} IxTxCtx;

typedef struct IxTxQueue {
    IxTxCtx ctx[2];
    uint8_t *pkt;                       /* frame being gathered */
    size_t len;
    uint32_t first_cmd;                 /* cmd_type_len of its first data desc */
    uint32_t first_olinfo;
    bool legacy;
} IxTxQueue;

struct Ix82599State {
    PCIDevice parent_obj;

    NICState *nic;
    NICConf conf;
    MemoryRegion mmio;
    MemoryRegion msix;

    /* properties */
    bool sfp;                   /* 8086:10FB SFP+ port; else 10F7 KX4 */
    uint32_t link_train_us;     /* link-up delay after (re)start */
    uint32_t rxdctl_latency_us; /* RXDCTL/TXDCTL.ENABLE follows writes */
    uint32_t autoread_us;       /* EEC.ARD / DMAIDONE after reset */

    uint32_t regs[IX_NREGS];
    uint16_t eeprom[IX_EEPROM_WORDS];
    IxSfp sfp_mod;

    /* link */
    bool link_up;               /* LINKS.UP as the host sees it */
    bool link_training;
    bool an_restarted;          /* AUTOC restarted since reset (ANLP1) */
    QEMUTimer *link_timer;

    /* reset handshakes: EEC.ARD, RDRXCTL.DMAIDONE */
    QEMUTimer *ready_timer;

    /* queue enables lag the register writes (DS99 8.2.3.8.6) */
    int64_t rxq_enable_at[IX_NUM_RXQ];
    int64_t txq_enable_at[IX_NUM_TXQ];

    /* interrupts (DS99 7.3) */
    uint64_t vec_cause;         /* MSI-X: pending cause per vector */
    uint64_t vec_mask;          /* MSI-X: EIMS_EX, 64 vectors */
    uint64_t vec_automask;      /* EIAM_EX */
    bool intx_level;            /* INTx / MSI line as last driven */

    /* receive packet buffer 0 (the only one used without DCB) */
    QSIMPLEQ_HEAD(, IxRxFrame) rx_pb;
    size_t rx_pb_bytes;

    IxTxQueue txq[IX_NUM_TXQ];

    /* wide octet counters: low dword read latches, high read clears */
    uint64_t gorc, gotc, tor, rxnfgbc, rxdgbc;
    uint64_t qbrc[IX_NUM_STATQ], qbtc[IX_NUM_STATQ];

    /* unimplemented-access log: one line per (offset, direction) */
    uint8_t unimp_seen[IX_NREGS];
};

/* hpcap_82599.c */
uint32_t ix_reg(Ix82599State *s, hwaddr off);
void ix_reg_set(Ix82599State *s, hwaddr off, uint32_t val);
void ix_stat_add(Ix82599State *s, hwaddr off, uint32_t n);
bool ix_queue_enabled(Ix82599State *s, bool tx, unsigned q);
int64_t ix_now_ns(void);

/* hpcap_82599_regtab.c */
enum { K_UNKNOWN = 0, K_STORE, K_STAT, K_RO, K_SPECIAL };
void ix_regtab_init(void);
int ix_regtab_kind(hwaddr off);
void ix_regtab_reset(uint32_t *regs);
uint32_t ix_regtab_reset_value(hwaddr off);
uint32_t ix_regtab_merge(hwaddr off, uint32_t old, uint32_t val);
hwaddr ix_regtab_canon(hwaddr addr);
void ix_regtab_log_unimp(Ix82599State *s, hwaddr off, bool write,
                         uint32_t val);

/* hpcap_82599_irq.c */
bool ix_msix_mode(Ix82599State *s);
uint32_t ix_eims(Ix82599State *s);
void ix_update_line(Ix82599State *s);
void ix_set_vec_cause(Ix82599State *s, uint64_t causes);
void ix_mask_grew(Ix82599State *s, uint64_t newvec, uint32_t newother);
uint32_t ix_eicr_read(Ix82599State *s);
void ix_queue_interrupt(Ix82599State *s, bool tx, unsigned q);
void ix_other_interrupt(Ix82599State *s, uint32_t cause);

/* hpcap_82599_link.c */
bool ix_laser_on(Ix82599State *s);
void ix_link_update(Ix82599State *s, bool restart);
void ix_link_timer_cb(void *opaque);
uint32_t ix_links_read(Ix82599State *s);
void ix_set_link_status(NetClientState *nc);

/* hpcap_82599_eeprom.c */
void ix_eeprom_build(Ix82599State *s);

/* hpcap_82599_sfp.c */
void ix_sfp_init(IxSfp *m, bool present);
uint32_t ix_sfp_i2cctl_read(IxSfp *m, uint32_t stored);
void ix_sfp_i2cctl_write(IxSfp *m, uint32_t val);

/* hpcap_82599_rx.c */
ssize_t ix_receive(NetClientState *nc, const uint8_t *buf, size_t size);
void ix_rx_drain(Ix82599State *s);
void ix_rx_flush(Ix82599State *s);
uint32_t ix_rss_toeplitz(const uint8_t *key, const uint8_t *in, size_t n);

/* hpcap_82599_tx.c */
void ix_tx_kick(Ix82599State *s, unsigned q);
void ix_tx_reset(Ix82599State *s);

#endif /* HPCAP_82599_H */
