/*
 * hpcap_82599_irq.c - the interrupt logic of the hpcap 82599 test model (DS99 7.3: EICR and its masks, IVAR mapping, MSI-X, MSI and INTx).
 *
 * This file is part of hpcap's test instruments, not of QEMU.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "net/net.h"
#include "hpcap_82599.h"

/* ------------------------------------------------------------------------
 * Interrupts (DS99 7.3)
 * ------------------------------------------------------------------------ */

bool ix_msix_mode(Ix82599State *s)
{
    return (ix_reg(s, IX_GPIE) & IX_GPIE_MSIX_MODE) &&
           msix_enabled(PCI_DEVICE(s));
}

uint32_t ix_eims(Ix82599State *s)
{
    return (ix_reg(s, IX_EIMS) & ~IX_EICR_RTXQ) |
           (uint32_t)(s->vec_mask & IX_EICR_RTXQ);
}

/* INTx / MSI: one line, asserted while an enabled cause is pending. */
void ix_update_line(Ix82599State *s)
{
    PCIDevice *d = PCI_DEVICE(s);
    bool level;

    if (ix_msix_mode(s)) {
        return;
    }
    level = (ix_reg(s, IX_EICR) & ix_eims(s)) != 0;
    if (msi_enabled(d)) {
        if (level && !s->intx_level) {
            msi_notify(d, 0);
        }
    } else {
        pci_set_irq(d, level);
    }
    s->intx_level = level;
}

/* MSI-X: send vector v if it has a cause and is enabled; then apply EIAC
 * (auto-clear; vectors 16-63 have no EICR bit and always clear) and EIAM
 * (auto-mask, with GPIE.EIAME). */
static void ix_msix_try(Ix82599State *s, unsigned v)
{
    uint64_t bit = 1ull << v;

    if (!(s->vec_cause & bit) || !(s->vec_mask & bit)) {
        return;
    }
    msix_notify(PCI_DEVICE(s), v);
    if (v >= 16 || (ix_reg(s, IX_EIAC) & (1u << v))) {
        s->vec_cause &= ~bit;
        if (v < 16) {
            ix_reg_set(s, IX_EICR, ix_reg(s, IX_EICR) & ~(1u << v));
        }
    }
    if ((ix_reg(s, IX_GPIE) & IX_GPIE_EIAME) && (s->vec_automask & bit)) {
        s->vec_mask &= ~bit;
    }
}

/* The "other causes" vector (IVAR_MISC entry 1) fires on newly set and
 * enabled causes in EICR[30:16]. */
static void ix_msix_other(Ix82599State *s, uint32_t fresh)
{
    uint32_t misc = (ix_reg(s, IX_IVAR_MISC) >> 8) & 0xFF;

    if (!(misc & IX_IVAR_VALID)) {
        return;
    }
    if (fresh & ix_reg(s, IX_EIMS) & IX_EICR_OTHER_CAUSES) {
        msix_notify(PCI_DEVICE(s), misc & IX_IVAR_VEC_MASK);
    }
}

void ix_set_vec_cause(Ix82599State *s, uint64_t causes)
{
    unsigned v;

    s->vec_cause |= causes;
    ix_reg_set(s, IX_EICR, ix_reg(s, IX_EICR) |
               (uint32_t)(causes & IX_EICR_RTXQ));
    for (v = 0; v < IX_MSIX_VECTORS; v++) {
        if (causes & (1ull << v)) {
            ix_msix_try(s, v);
        }
    }
}

/* A receive (tx = false) or transmit queue raised its cause: map it through
 * its IVAR entry (DS99 7.3.1.2: queue q uses byte 8 * tx + 16 * (q & 1) of
 * IVAR(q / 2); bit 7 = valid). */
void ix_queue_interrupt(Ix82599State *s, bool tx, unsigned q)
{
    uint32_t ent = ix_reg(s, IX_IVAR(q >> 1)) >> (16 * (q & 1) + 8 * tx);
    unsigned v;

    if (!(ent & IX_IVAR_VALID)) {
        return;
    }
    v = ent & IX_IVAR_VEC_MASK;
    if (ix_msix_mode(s)) {
        ix_set_vec_cause(s, 1ull << v);
    } else {
        ix_reg_set(s, IX_EICR, ix_reg(s, IX_EICR) | (1u << (v & 15)));
        ix_update_line(s);
    }
}

void ix_other_interrupt(Ix82599State *s, uint32_t cause)
{
    uint32_t fresh = cause & ~ix_reg(s, IX_EICR);

    ix_reg_set(s, IX_EICR, ix_reg(s, IX_EICR) | cause);
    if (ix_msix_mode(s)) {
        ix_msix_other(s, fresh);
    } else {
        ix_update_line(s);
    }
}

/* EIMS / EIMS_EX grew: pending causes that are now enabled fire. */
void ix_mask_grew(Ix82599State *s, uint64_t newvec, uint32_t newother)
{
    unsigned v;

    if (!ix_msix_mode(s)) {
        ix_update_line(s);
        return;
    }
    for (v = 0; v < IX_MSIX_VECTORS; v++) {
        if (newvec & (1ull << v)) {
            ix_msix_try(s, v);
        }
    }
    ix_msix_other(s, newother & ix_reg(s, IX_EICR));
}

/* EICR read: clears the queue causes and, unless GPIE.OCD, the others;
 * outside MSI-X mode it also auto-masks what EIAM names (DS99 7.3.1.4). */
uint32_t ix_eicr_read(Ix82599State *s)
{
    uint32_t v = ix_reg(s, IX_EICR);
    uint32_t clear = IX_EICR_RTXQ;

    if (!(ix_reg(s, IX_GPIE) & IX_GPIE_OCD)) {
        clear |= IX_EICR_OTHER_CAUSES;
    }
    ix_reg_set(s, IX_EICR, v & ~clear);
    s->vec_cause &= ~(uint64_t)(clear & IX_EICR_RTXQ);
    if (!ix_msix_mode(s) && v) {
        uint32_t am = ix_reg(s, IX_EIAM);

        ix_reg_set(s, IX_EIMS, ix_reg(s, IX_EIMS) & ~am);
        s->vec_mask &= ~(uint64_t)(am & IX_EICR_RTXQ);
        ix_update_line(s);
    }
    return v | (v ? IX_EICR_OTHER : 0);
}

