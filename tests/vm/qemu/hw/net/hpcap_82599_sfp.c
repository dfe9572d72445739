/*
 * hpcap_82599_sfp.c - the SFP+ module of the hpcap 82599 test model: a
 * 10GBASE-SR module whose serial ID EEPROM (SFF-8472 page A0h, 2-wire
 * address 0xA0) is read over the bit-banged I2C lines of I2CCTL (DS99
 * 8.2.3.1.x: SCL/SDA out in bits 1/3, in in bits 0/2).
 *
 * The bus is open-drain: SDA reads low if either side pulls it low.  The
 * module follows the I2C protocol: START/STOP while SCL is high, data
 * sampled on SCL rising edges and changed while SCL is low, an ACK in the
 * ninth clock of every byte.  It answers only its own address; a read of
 * another device (0xA2, the diagnostics page, absent here: no DDM) is not
 * acknowledged.  No clock stretching.
 *
 * This file is part of hpcap's test instruments, not of QEMU.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "hpcap_82599.h"

#define SFP_ADDR_A0     0xA0

enum IxSfpState {
    SFP_IDLE,           /* waiting for START */
    SFP_RX,             /* receiving a byte from the host */
    SFP_ACK_OUT,        /* driving ACK in the 9th clock */
    SFP_TX,             /* sending a byte to the host */
    SFP_ACK_IN,         /* host drives ACK/NACK in the 9th clock */
};

/* SFF-8472 page A0h of a 10GBASE-SR module. */
static void sfp_fill_id(uint8_t *a0)
{
    static const char vendor[16] = "HPCAP EMULATED  ";
    static const char part[16] = "SFP-10G-SR-EMU  ";
    static const char rev[4] = "A   ";
    static const char serial[16] = "0000000000000001";
    static const char date[8] = "26120400";
    unsigned i;
    uint8_t sum;

    memset(a0, 0, IX_SFP_EEPROM_SIZE);
    a0[0] = 0x03;               /* identifier: SFP/SFP+ */
    a0[1] = 0x04;               /* extended identifier: serial ID */
    a0[2] = 0x07;               /* connector: LC */
    a0[3] = 0x10;               /* 10G compliance: 10GBASE-SR */
    a0[8] = 0x00;               /* not a direct-attach cable */
    a0[11] = 0x06;              /* encoding: 64B/66B */
    a0[12] = 0x67;              /* nominal rate: 10.3 Gb/s (100 MBd units) */
    a0[16] = 8;                 /* OM2 50 um: 80 m (10 m units) */
    a0[17] = 3;                 /* OM1 62.5 um: 30 m */
    memcpy(&a0[20], vendor, 16);
    a0[37] = 0x00;              /* vendor OUI: none (not an Intel module) */
    a0[38] = 0x00;
    a0[39] = 0x00;
    memcpy(&a0[40], part, 16);
    memcpy(&a0[56], rev, 4);
    a0[60] = 0x03;              /* wavelength 850 nm */
    a0[61] = 0x52;
    for (sum = 0, i = 0; i < 63; i++) {
        sum += a0[i];
    }
    a0[63] = sum;               /* CC_BASE */
    a0[65] = 0x1A;              /* TX_DISABLE, LOS implemented */
    memcpy(&a0[68], serial, 16);
    memcpy(&a0[84], date, 8);
    a0[92] = 0x00;              /* no digital diagnostics (no page A2h) */
    a0[94] = 0x00;
    for (sum = 0, i = 64; i < 95; i++) {
        sum += a0[i];
    }
    a0[95] = sum;               /* CC_EXT */
}

void ix_sfp_init(IxSfp *m, bool present)
{
    m->present = present;
    if (present) {
        sfp_fill_id(m->a0);
    }
    m->scl = true;
    m->sda_host = true;
    m->sda_dev = true;
    m->state = SFP_IDLE;
    m->bits = 0;
    m->shift = 0;
    m->reading = false;
    m->addressed = false;
    m->acked = false;
    m->offset = 0;
}

static bool sfp_sda(IxSfp *m)
{
    return m->sda_host && m->sda_dev;
}

uint32_t ix_sfp_i2cctl_read(IxSfp *m, uint32_t stored)
{
    uint32_t v = stored & (IX_I2C_CLK_OUT | IX_I2C_DATA_OUT);

    if (m->scl) {
        v |= IX_I2C_CLK_IN;
    }
    if (sfp_sda(m)) {
        v |= IX_I2C_DATA_IN;
    }
    return v;
}

static void sfp_load_tx(IxSfp *m)
{
    m->shift = m->a0[m->offset++];
    m->bits = 0;
    m->sda_dev = (m->shift & 0x80) != 0;
    m->state = SFP_TX;
}

/*
 * One write of I2CCTL.  SDA changes with SCL high are START/STOP; an SCL
 * rising edge samples, a falling edge lets the module move to the next bit.
 * The first byte after START is the address (bit 0 = read); in a write,
 * the next byte sets the EEPROM offset.
 */
void ix_sfp_i2cctl_write(IxSfp *m, uint32_t val)
{
    bool scl = (val & IX_I2C_CLK_OUT) != 0;
    bool sda = (val & IX_I2C_DATA_OUT) != 0;
    bool old_bus = sfp_sda(m);
    bool new_bus;

    if (!m->present) {
        m->scl = scl;
        m->sda_host = sda;
        return;
    }

    /* SDA first, with SCL as it was: START / STOP detection. */
    m->sda_host = sda;
    new_bus = sfp_sda(m);
    if (m->scl && old_bus != new_bus) {
        if (!new_bus) {                 /* START (or repeated START) */
            m->state = SFP_RX;
            m->bits = 0;
            m->shift = 0;
            m->reading = false;
            m->addressed = false;       /* the address byte follows */
            m->sda_dev = true;
        } else {                        /* STOP */
            m->state = SFP_IDLE;
            m->sda_dev = true;
        }
    }

    if (scl == m->scl) {
        return;
    }
    m->scl = scl;

    if (scl) {                          /* rising edge: sample */
        switch (m->state) {
        case SFP_RX:
            m->shift = m->shift << 1 | sfp_sda(m);
            m->bits++;
            break;
        case SFP_ACK_IN:
            m->acked = !sfp_sda(m);
            break;
        default:
            break;
        }
        return;
    }

    /* falling edge: the module updates SDA for the next clock */
    switch (m->state) {
    case SFP_RX:
        if (m->bits < 8) {
            break;
        }
        if (!m->addressed) {
            if ((m->shift & 0xFE) != SFP_ADDR_A0) {
                m->state = SFP_IDLE;    /* not us: no ACK */
                break;
            }
            m->reading = m->shift & 1;
            m->addressed = true;
        } else if (!m->reading) {
            m->offset = m->shift;       /* the byte address */
        }
        m->sda_dev = false;             /* ACK */
        m->state = SFP_ACK_OUT;
        break;
    case SFP_ACK_OUT:
        m->sda_dev = true;
        if (m->reading) {
            sfp_load_tx(m);
        } else {
            m->state = SFP_RX;
            m->bits = 0;
            m->shift = 0;
        }
        break;
    case SFP_TX:
        m->bits++;
        if (m->bits == 8) {
            m->sda_dev = true;          /* release for the host's ACK */
            m->state = SFP_ACK_IN;
        } else {
            m->sda_dev = (m->shift >> (7 - m->bits)) & 1;
        }
        break;
    case SFP_ACK_IN:
        if (m->acked) {
            sfp_load_tx(m);             /* sequential read */
        } else {
            m->state = SFP_IDLE;        /* NACK: wait for STOP */
        }
        break;
    default:
        break;
    }
}
