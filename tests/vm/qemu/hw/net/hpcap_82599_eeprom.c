/*
 * hpcap_82599_eeprom.c - the EEPROM image of the hpcap 82599 test model.
 *
 * Layout after the 82599 datasheet's EEPROM map (DS99 chapter 6): words
 * 0x00-0x02 control words, 0x03-0x0E pointers to hardware sections,
 * 0x0F the firmware module pointer, 0x15-0x16 the PBA number, 0x27/0x28
 * the alternate/SAN MAC pointers, 0x2B the SFP+ init-sequence table
 * pointer, 0x2C device capabilities, 0x3F the checksum: the 16-bit sum of
 * words 0x00-0x3F plus the words of every section pointed to by 0x03-0x0E
 * is 0xBABA.  Sections start with their length in words.
 *
 * The MAC address (qdev "mac") lives in the LAN core modules; the hardware
 * loads it into RAL0/RAH0 on every reset (hpcap_82599.c).
 *
 * This file is part of hpcap's test instruments, not of QEMU.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "hpcap_82599.h"

/* Where the model puts its sections (word addresses). */
#define EE_LAN_CORE0            0x0100
#define EE_LAN_CORE1            0x0110
#define EE_PBA_BLOCK            0x0120
#define EE_SFP_LIST             0x0130
#define EE_SFP_SEQ              0x0140
#define EE_FW_MODULE            0x0160
#define EE_FW_PATCH_CFG         0x0170

#define EE_CHECKSUM_WORD        0x3F
#define EE_CHECKSUM_SUM         0xBABA

static void ee_put_string(uint16_t *w, const char *str)
{
    size_t n = strlen(str), i;

    /* two characters per word, first one in the high byte */
    for (i = 0; i < n; i += 2) {
        uint16_t hi = (uint8_t)str[i];
        uint16_t lo = i + 1 < n ? (uint8_t)str[i + 1] : 0;

        *w++ = hi << 8 | lo;
    }
}

static uint16_t ee_checksum(const uint16_t *ee)
{
    uint16_t sum = 0;
    unsigned i, j;

    for (i = 0; i < EE_CHECKSUM_WORD; i++) {
        sum += ee[i];
    }
    for (i = 0x03; i < 0x0F; i++) {
        uint16_t p = ee[i], len;

        if (p == 0 || p == 0xFFFF) {
            continue;
        }
        len = ee[p];
        if (len == 0 || len == 0xFFFF) {
            continue;
        }
        for (j = p + 1; j <= p + len; j++) {
            sum += ee[j];
        }
    }
    return EE_CHECKSUM_SUM - sum;
}

void ix_eeprom_build(Ix82599State *s)
{
    uint16_t *ee = s->eeprom;
    const uint8_t *mac = s->conf.macaddr.a;
    unsigned i;

    memset(ee, 0xFF, sizeof(s->eeprom));
    for (i = 0; i < 0x40; i++) {
        ee[i] = 0;
    }

    /* Control words: signature 01b in word 0 bits 7:6, as a valid image. */
    ee[0x00] = 0x0040;
    ee[0x01] = 0x0000;
    ee[0x02] = 0x0000;

    /* Hardware section pointers: only the LAN core modules are present. */
    for (i = 0x03; i <= 0x0E; i++) {
        ee[i] = 0xFFFF;
    }
    ee[0x09] = EE_LAN_CORE0;
    ee[0x0A] = EE_LAN_CORE1;
    /* LAN core module: length, MAC address (low byte first in each word).
     * The second port's address is the first one + 1. */
    for (i = 0; i < 2; i++) {
        uint16_t *m = &ee[i ? EE_LAN_CORE1 : EE_LAN_CORE0];
        uint8_t last = mac[5] + i;

        m[0] = 3;
        m[1] = mac[0] | mac[1] << 8;
        m[2] = mac[2] | mac[3] << 8;
        m[3] = mac[4] | last << 8;
    }

    /* Firmware module (not in the checksum): no LESM parameters, a
     * pass-through patch configuration whose version word (+7) is 0x0006,
     * the level Linux's ixgbe expects of SFI parts. */
    ee[0x0F] = EE_FW_MODULE;
    ee[EE_FW_MODULE] = 8;
    ee[EE_FW_MODULE + 0x2] = 0x0000;            /* LESM parameters: none */
    ee[EE_FW_MODULE + 0x4] = EE_FW_PATCH_CFG;
    ee[EE_FW_PATCH_CFG] = 8;
    ee[EE_FW_PATCH_CFG + 0x7] = 0x0006;

    /* PBA number in the string format: 0xFAFA, pointer to a block of
     * (length in words, characters). */
    ee[0x15] = 0xFAFA;
    ee[0x16] = EE_PBA_BLOCK;
    ee[EE_PBA_BLOCK] = 6;
    ee_put_string(&ee[EE_PBA_BLOCK + 1], "HPCAP-EMU0");

    /* No alternate or SAN MAC addresses. */
    ee[0x27] = 0xFFFF;
    ee[0x28] = 0xFFFF;

    /* SFP+ init sequences (word 0x2B): after one header word, pairs of
     * (module type id, pointer to a sequence); 0xFFFF ends the list.  The
     * sequence (after its own header word) is written to CORECTL, 0xFFFF
     * ends it.  Ids as the drivers number them: 3/4 direct attach,
     * 5/6 SR/LR on core 0/1.  The analog settings are placeholders: the
     * model stores CORECTL and does nothing with it. */
    ee[0x2B] = EE_SFP_LIST;
    ee[EE_SFP_LIST + 0] = 0x0000;
    ee[EE_SFP_LIST + 1] = 3;
    ee[EE_SFP_LIST + 2] = EE_SFP_SEQ;
    ee[EE_SFP_LIST + 3] = 4;
    ee[EE_SFP_LIST + 4] = EE_SFP_SEQ;
    ee[EE_SFP_LIST + 5] = 5;
    ee[EE_SFP_LIST + 6] = EE_SFP_SEQ;
    ee[EE_SFP_LIST + 7] = 6;
    ee[EE_SFP_LIST + 8] = EE_SFP_SEQ;
    ee[EE_SFP_LIST + 9] = 0xFFFF;
    ee[EE_SFP_SEQ + 0] = 0x0000;
    ee[EE_SFP_SEQ + 1] = 0x0B00;
    ee[EE_SFP_SEQ + 2] = 0x0C00;
    ee[EE_SFP_SEQ + 3] = 0xFFFF;

    /* Device capabilities: any SFP+ module allowed (bit 0); no WoL. */
    ee[0x2C] = 0x0001;

    ee[EE_CHECKSUM_WORD] = ee_checksum(ee);
}
