/*
 * hpcap_82599_tx.c - the transmit path of the hpcap 82599 test model
 * (DS99 7.2): descriptor rings, legacy and advanced descriptors, the
 * offloads Linux's ixgbe asks for (IP and TCP/UDP checksum insertion,
 * VLAN insertion, TCP segmentation), DD write-back, head write-back and
 * transmit statistics.
 *
 * Not modelled: SCTP CRC offload, IPsec and FCoE offload, DCB arbitration,
 * pause frames, time stamps.  Frames sent while the link is down are
 * dropped (hardware would hold them); HLREG0.LPBK loops them back to the
 * receive path instead of the wire.
 *
 * This file is part of hpcap's test instruments, not of QEMU.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "hw/pci/pci_device.h"
#include "net/checksum.h"
#include "net/eth.h"
#include "hpcap_82599.h"

#define IX_TX_MAX_PKT   (256 * 1024)    /* TSO: up to 256 KiB per packet */

static void ix_tx_stats(Ix82599State *s, unsigned q, const uint8_t *p,
                        size_t len)
{
    size_t wire = len + 4;
    unsigned c = (ix_reg(s, IX_TQSM(q / 4)) >> (8 * (q % 4))) & 0xF;
    unsigned b = wire <= 64 ? 0 : wire <= 127 ? 1 : wire <= 255 ? 2 :
                 wire <= 511 ? 3 : wire <= 1023 ? 4 : 5;

    ix_stat_add(s, IX_GPTC, 1);
    s->gotc += wire;
    ix_stat_add(s, IX_TPT, 1);
    if (wire <= 1522) {
        ix_stat_add(s, IX_PTC64 + 4 * b, 1);
    }
    if (!memcmp(p, "\xff\xff\xff\xff\xff\xff", 6)) {
        ix_stat_add(s, IX_BPTC, 1);
    } else if (p[0] & 1) {
        ix_stat_add(s, IX_MPTC, 1);
    }
    ix_stat_add(s, IX_QPTC(c), 1);
    s->qbtc[c] += len;
}

static void ix_tx_out(Ix82599State *s, unsigned q, uint8_t *p, size_t len)
{
    NetClientState *nc = qemu_get_queue(s->nic);

    if (len < 60) {
        /* DS99 7.2.x: short frames are padded to 64 bytes on the wire */
        memset(p + len, 0, 60 - len);
        len = 60;
    }
    ix_tx_stats(s, q, p, len);
    if (ix_reg(s, IX_HLREG0) & IX_HLREG0_LPBK) {
        ix_receive(nc, p, len);
        return;
    }
    if (!s->link_up) {
        return;
    }
    qemu_send_packet(nc, p, len);
}

/* Ones' complement sum of [start, end) with the checksum field as the
 * driver left it (Linux puts the pseudo-header sum there), stored at
 * start + field. */
static void ix_l4_csum(uint8_t *p, size_t start, size_t end, size_t field,
                       bool udp)
{
    uint16_t c;

    if (end <= start || start + field + 2 > end) {
        return;
    }
    c = net_checksum_finish(net_checksum_add(end - start, p + start));
    if (udp && c == 0) {
        c = 0xFFFF;
    }
    stw_be_p(p + start + field, c);
}

static void ix_ip4_csum(uint8_t *p, size_t ip, size_t iplen)
{
    stw_be_p(p + ip + 10, 0);
    stw_be_p(p + ip + 10, net_raw_checksum(p + ip, iplen));
}

/* Pseudo-header sum (not complemented) for an L4 segment of l4len bytes. */
static uint16_t ix_pseudo(const uint8_t *p, size_t ip, bool v4, uint8_t proto,
                          uint32_t l4len)
{
    uint8_t ph[40];
    size_t n;

    if (v4) {
        memcpy(ph, p + ip + 12, 8);
        n = 8;
    } else {
        memcpy(ph, p + ip + 8, 32);
        n = 32;
    }
    return net_checksum_finish(net_checksum_add(n, ph) + proto + l4len) ^
           0xFFFF;
}

/* TCP segmentation (DS99 7.2.4): MSS-sized segments of the payload, each
 * with copied headers, IPv4 total length and ID, IPv6 payload length, TCP
 * sequence number and flags adjusted, checksums computed. */
static void ix_tx_tso(Ix82599State *s, unsigned q, uint8_t *p, size_t len,
                      const IxTxCtx *c)
{
    size_t maclen = (c->vlan_macip_lens >> 9) & 0x7F;
    size_t iplen = c->vlan_macip_lens & 0x1FF;
    size_t l4len = (c->mss_l4len_idx >> 8) & 0xFF;
    size_t mss = c->mss_l4len_idx >> 16;
    size_t hdr = maclen + iplen + l4len, off;
    bool v4 = c->type_tucmd & IX_TXCTX_IPV4;
    uint16_t ipid = 0;
    uint32_t seq;
    uint8_t *seg;

    if (mss == 0 || hdr >= len || l4len < 20 || iplen < 20) {
        qemu_log_mask(LOG_GUEST_ERROR, "hpcap-82599: bad TSO context "
                      "(mss %zu, headers %zu, length %zu)\n", mss, hdr, len);
        return;
    }
    seq = ldl_be_p(p + maclen + iplen + 4);
    if (v4) {
        ipid = lduw_be_p(p + maclen + 4);
    }
    seg = g_malloc(hdr + mss + 64);
    for (off = hdr; off < len; off += mss) {
        size_t pay = MIN(mss, len - off);
        bool first = off == hdr, last = off + pay >= len;
        uint8_t *tcp = seg + maclen + iplen;

        memcpy(seg, p, hdr);
        memcpy(seg + hdr, p + off, pay);
        if (v4) {
            stw_be_p(seg + maclen + 2, iplen + l4len + pay);
            stw_be_p(seg + maclen + 4, ipid++);
            ix_ip4_csum(seg, maclen, iplen);
        } else {
            stw_be_p(seg + maclen + 4, iplen - 40 + l4len + pay);
        }
        stl_be_p(tcp + 4, seq + (off - hdr));
        if (!last) {
            tcp[13] &= ~0x09;           /* FIN, PSH only in the last */
        }
        if (!first) {
            tcp[13] &= ~0x80;           /* CWR only in the first */
        }
        stw_be_p(tcp + 16, ix_pseudo(seg, maclen, v4, IP_PROTO_TCP,
                                     l4len + pay));
        ix_l4_csum(seg, maclen + iplen, hdr + pay, 16, false);
        ix_tx_out(s, q, seg, hdr + pay);
    }
    g_free(seg);
}

/* A complete packet from advanced descriptors: offloads, then the wire. */
static void ix_tx_adv_packet(Ix82599State *s, unsigned q, IxTxQueue *t)
{
    uint32_t cmd = t->first_cmd, olinfo = t->first_olinfo;
    const IxTxCtx *c = &t->ctx[(olinfo >> IX_TXD_IDX_SHIFT) & 1];
    uint8_t *p = t->pkt;
    size_t len = t->len;

    if (cmd & IX_TXD_CMD_VLE) {
        uint16_t vt = ix_reg(s, IX_DMATXCTL) >> 16;

        /* insert the context's VLAN tag after the MAC addresses */
        memmove(p + 16, p + 12, len - 12);
        stw_be_p(p + 12, vt ? vt : 0x8100);
        stw_be_p(p + 14, c->vlan_macip_lens >> 16);
        len += 4;
    }
    if (cmd & IX_TXD_CMD_TSE) {
        ix_tx_tso(s, q, p, len, c);
        return;
    }
    if (olinfo & (IX_TXD_POPTS_IXSM | IX_TXD_POPTS_TXSM)) {
        size_t maclen = (c->vlan_macip_lens >> 9) & 0x7F;
        size_t iplen = c->vlan_macip_lens & 0x1FF;
        unsigned l4t = (c->type_tucmd >> IX_TXCTX_L4T_SHIFT) & 3;

        if ((olinfo & IX_TXD_POPTS_IXSM) && (c->type_tucmd & IX_TXCTX_IPV4) &&
            maclen + iplen <= len) {
            ix_ip4_csum(p, maclen, iplen);
        }
        if (olinfo & IX_TXD_POPTS_TXSM) {
            if (l4t == 1) {
                ix_l4_csum(p, maclen + iplen, len, 16, false);
            } else if (l4t == 0) {
                ix_l4_csum(p, maclen + iplen, len, 6, true);
            } else {
                qemu_log_mask(LOG_UNIMP, "hpcap-82599: SCTP checksum "
                              "offload not modelled\n");
            }
        }
    }
    ix_tx_out(s, q, p, len);
}

static void ix_tx_legacy_packet(Ix82599State *s, unsigned q, IxTxQueue *t,
                                const uint8_t *d)
{
    uint8_t cso = d[10], cmd = d[11], css = d[13];
    uint8_t *p = t->pkt;
    size_t len = t->len;

    if ((cmd & 0x04) && cso + 2 <= len && css < len) {  /* IC */
        stw_be_p(p + cso, 0);
        stw_be_p(p + cso, net_raw_checksum(p + css, len - css));
    }
    if (cmd & 0x40) {                                   /* VLE */
        memmove(p + 16, p + 12, len - 12);
        stw_be_p(p + 12, 0x8100);
        stw_be_p(p + 14, lduw_le_p(d + 14));
        len += 4;
    }
    ix_tx_out(s, q, p, len);
}

static bool ix_tx_append(Ix82599State *s, IxTxQueue *t, uint64_t addr,
                         size_t n)
{
    if (t->len + n + 4 > IX_TX_MAX_PKT) {
        return false;
    }
    if (!t->pkt) {
        t->pkt = g_malloc(IX_TX_MAX_PKT + 64);
    }
    pci_dma_read(PCI_DEVICE(s), addr, t->pkt + t->len, n);
    t->len += n;
    return true;
}

/* Process queue q's descriptors from TDH up to TDT. */
void ix_tx_kick(Ix82599State *s, unsigned q)
{
    PCIDevice *d = PCI_DEVICE(s);
    IxTxQueue *t = &s->txq[q];
    uint64_t base = (uint64_t)ix_reg(s, IX_TDBAH(q)) << 32 |
                    (ix_reg(s, IX_TDBAL(q)) & ~0x7Fu);
    uint32_t n = ix_reg(s, IX_TDLEN(q)) / 16;
    uint32_t head = ix_reg(s, IX_TDH(q)), tail = ix_reg(s, IX_TDT(q));
    bool done_any = false;

    if (!(ix_reg(s, IX_DMATXCTL) & IX_DMATXCTL_TE) ||
        !ix_queue_enabled(s, true, q) || n == 0 || head >= n || tail >= n ||
        !(pci_get_word(d->config + PCI_COMMAND) & PCI_COMMAND_MASTER)) {
        return;
    }
    while (head != tail) {
        uint64_t daddr = base + (uint64_t)head * 16;
        uint8_t desc[16];
        uint32_t cmd, olinfo;
        bool rs, eop;

        pci_dma_read(d, daddr, desc, 16);
        cmd = ldl_le_p(desc + 8);
        olinfo = ldl_le_p(desc + 12);
        if (cmd & IX_TXD_CMD_DEXT) {
            unsigned dtyp = (cmd >> IX_TXD_DTYP_SHIFT) & 0xF;

            if (dtyp == IX_TXD_DTYP_CTXT) {
                IxTxCtx *c = &t->ctx[(ldl_le_p(desc + 12) >>
                                      IX_TXD_IDX_SHIFT) & 1];

                c->vlan_macip_lens = ldl_le_p(desc);
                c->type_tucmd = cmd;
                c->mss_l4len_idx = ldl_le_p(desc + 12);
                rs = cmd & IX_TXD_CMD_RS;
                eop = false;
            } else {
                if (t->len == 0) {
                    t->first_cmd = cmd;
                    t->first_olinfo = olinfo;
                }
                if (!ix_tx_append(s, t, ldq_le_p(desc), cmd & 0xFFFF)) {
                    qemu_log_mask(LOG_GUEST_ERROR, "hpcap-82599: TX packet "
                                  "over %d bytes dropped\n", IX_TX_MAX_PKT);
                    t->len = 0;
                }
                rs = cmd & IX_TXD_CMD_RS;
                eop = cmd & IX_TXD_CMD_EOP;
                if (eop && t->len) {
                    ix_tx_adv_packet(s, q, t);
                    t->len = 0;
                }
            }
            if (rs) {
                /* write-back: STA.DD in the last dword */
                stl_le_p(desc + 12, olinfo | IX_TXD_STAT_DD);
                pci_dma_write(d, daddr + 12, desc + 12, 4);
            }
        } else {
            uint8_t lcmd = desc[11];

            if (!ix_tx_append(s, t, ldq_le_p(desc), lduw_le_p(desc + 8))) {
                t->len = 0;
            }
            if ((lcmd & 0x01) && t->len) {              /* EOP */
                ix_tx_legacy_packet(s, q, t, desc);
                t->len = 0;
            }
            if (lcmd & 0x08) {                          /* RS */
                desc[12] |= 0x01;                       /* STA.DD */
                pci_dma_write(d, daddr + 12, desc + 12, 1);
            }
        }
        head = (head + 1) % n;
        done_any = true;
    }
    ix_reg_set(s, IX_TDH(q), head);
    if (!done_any) {
        return;
    }
    if (ix_reg(s, IX_TDWBAL(q)) & IX_TDWBAL_HEAD_WB_EN) {
        uint64_t wb = (uint64_t)ix_reg(s, IX_TDWBAH(q)) << 32 |
                      (ix_reg(s, IX_TDWBAL(q)) & ~3u);
        uint8_t h[4];

        stl_le_p(h, head);
        pci_dma_write(d, wb, h, 4);
    }
    ix_queue_interrupt(s, true, q);
}

void ix_tx_reset(Ix82599State *s)
{
    unsigned q;

    for (q = 0; q < IX_NUM_TXQ; q++) {
        g_free(s->txq[q].pkt);
        memset(&s->txq[q], 0, sizeof(s->txq[q]));
    }
}
