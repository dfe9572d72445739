/*
 * hpcap_82599_link.c - the link of the hpcap 82599 test model (DS99 4.6.4, 8.2.3.22: AUTOC, AUTOC2, LINKS, the TX laser).
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
 * Link (DS99 4.6.4, 8.2.3.22)
 * ------------------------------------------------------------------------ */

bool ix_laser_on(Ix82599State *s)
{
    uint32_t esdp = ix_reg(s, IX_ESDP);

    return !s->sfp || !(esdp & IX_ESDP_SDP3_DIR) || !(esdp & IX_ESDP_SDP3);
}

/* Does AUTOC select a mode this port and its partner (an SR module on the
 * SFP+ port, a KX4/KR partner on the backplane port) can link in? */
static bool ix_mode_usable(Ix82599State *s)
{
    uint32_t autoc = ix_reg(s, IX_AUTOC);
    uint32_t lms = (autoc & IX_AUTOC_LMS_MASK) >> IX_AUTOC_LMS_SHIFT;

    if (ix_reg(s, IX_AUTOC2) & IX_AUTOC2_LINK_DISABLE) {
        return false;
    }
    if (s->sfp) {
        return lms == IX_AUTOC_LMS_10G_SERIAL &&
               (ix_reg(s, IX_AUTOC2) & IX_AUTOC2_10G_PMA_MASK) ==
               IX_AUTOC2_10G_SFI;
    }
    switch (lms) {
    case IX_AUTOC_LMS_10G_NO_AN:
        return true;
    case IX_AUTOC_LMS_KX4_KX_KR:
    case IX_AUTOC_LMS_KX4_KX_KR_1G_AN:
        return autoc & (IX_AUTOC_KX4_SUPP | IX_AUTOC_KR_SUPP);
    default:
        return false;
    }
}

static bool ix_link_possible(Ix82599State *s)
{
    NetClientState *nc = qemu_get_queue(s->nic);

    return !nc->link_down && ix_mode_usable(s) && ix_laser_on(s) &&
           (!s->sfp || s->sfp_mod.present);
}

static void ix_link_set(Ix82599State *s, bool up)
{
    if (s->link_up == up) {
        return;
    }
    s->link_up = up;
    ix_other_interrupt(s, IX_EICR_LSC);
    if (up) {
        ix_rx_drain(s);
    }
}

/* Something that retrains the link happened (or conditions changed):
 * down at once if impossible, else up after link_train_us. */
void ix_link_update(Ix82599State *s, bool restart)
{
    if (!ix_link_possible(s)) {
        timer_del(s->link_timer);
        s->link_training = false;
        ix_link_set(s, false);
        return;
    }
    if (restart) {
        ix_link_set(s, false);
        s->link_training = false;
    }
    if (!s->link_up && !s->link_training) {
        s->link_training = true;
        timer_mod(s->link_timer,
                  ix_now_ns() + (int64_t)s->link_train_us * SCALE_US);
    }
}

void ix_link_timer_cb(void *opaque)
{
    Ix82599State *s = opaque;

    s->link_training = false;
    ix_link_set(s, ix_link_possible(s));
}

uint32_t ix_links_read(Ix82599State *s)
{
    uint32_t lms;
    uint32_t v = 0;

    if (!s->link_up) {
        return 0;
    }
    v = IX_LINKS_UP | IX_LINKS_SPEED_10G;
    lms = (ix_reg(s, IX_AUTOC) & IX_AUTOC_LMS_MASK) >> IX_AUTOC_LMS_SHIFT;
    if (lms == IX_AUTOC_LMS_KX4_KX_KR || lms == IX_AUTOC_LMS_KX4_KX_KR_1G_AN) {
        v |= IX_LINKS_KX_AN_COMP;
    }
    return v;
}

void ix_set_link_status(NetClientState *nc)
{
    Ix82599State *s = qemu_get_nic_opaque(nc);

    ix_link_update(s, false);
}

