/*
 * hpcap_82599_rx.c - the receive path of the hpcap 82599 test model
 * (DS99 7.1): MAC checks, L2 and VLAN filters, RSS, the receive packet
 * buffer, descriptor rings and write-back, receive statistics.
 *
 * A frame from the wire goes through:
 *   1. the MAC: dropped unless the link is up and RXCTRL.RXEN is set;
 *      oversize frames (HLREG0.JUMBOEN, MAXFRS.MFS, +4 with a VLAN tag)
 *      count in ROC and RLEC;
 *   2. L2 filters (DS99 7.1.1): exact addresses (RAL/RAH with AV), the
 *      multicast table (MTA, MCSTCTRL), FCTRL.UPE/MPE/BAM; then the VLAN
 *      filter (VFTA) when VLNCTRL.VFE is set;
 *   3. queue selection: RSS (DS99 7.1.2.8) when MRQC selects it, else
 *      queue 0;
 *   4. the packet buffer (RXPBSIZE0 bytes).  No room: dropped, counted in
 *      MPC(0), EICR.RX_MISS;
 *   5. DMA, in arrival order, when descriptors are free; a frame for a
 *      queue without enough free descriptors is dropped and counted in
 *      QPRDC if SRRCTL.DROP_EN is set, else it waits and holds back every
 *      frame behind it (the packet buffer is one FIFO).
 *
 * This file is part of hpcap's test instruments, not of QEMU.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "hw/pci/pci_device.h"
#include "net/eth.h"
#include <zlib.h>
#include "hpcap_82599.h"

#define ETH_HDR         14
#define VLAN_TAG        4
#define FCS             4
#define MIN_FRAME       60      /* without FCS */

/* ------------------------------------------------------------------------
 * RSS: Toeplitz hash (DS99 7.1.2.8.1) and the redirection table
 * ------------------------------------------------------------------------ */

/* The hash of n input bytes with a 40-byte key: for every set input bit,
 * XOR in the 32 key bits starting at that bit's position. */
uint32_t ix_rss_toeplitz(const uint8_t *key, const uint8_t *in, size_t n)
{
    uint32_t hash = 0;
    uint32_t window = (uint32_t)key[0] << 24 | key[1] << 16 | key[2] << 8 |
                      key[3];
    size_t i;
    int b;

    for (i = 0; i < n; i++) {
        for (b = 7; b >= 0; b--) {
            if (in[i] & (1u << b)) {
                hash ^= window;
            }
            window <<= 1;
            if (i + 4 < 40 && (key[i + 4] & (1u << b))) {
                window |= 1;
            }
        }
    }
    return hash;
}

typedef struct IxParsed {
    size_t l3;                  /* offset of the IP header (0: none) */
    bool ipv4, ipv6;
    bool tcp, udp;              /* L4 header present and unfragmented */
    size_t l4;
} IxParsed;

static void ix_parse(const uint8_t *p, size_t len, size_t l2, IxParsed *r)
{
    uint16_t type;

    memset(r, 0, sizeof(*r));
    if (len < l2) {
        return;
    }
    type = lduw_be_p(p + l2 - 2);
    if (type == ETH_P_IP && len >= l2 + 20 && (p[l2] >> 4) == 4) {
        size_t ihl = (p[l2] & 0xF) * 4;
        uint16_t frag = lduw_be_p(p + l2 + 6);

        r->ipv4 = true;
        r->l3 = l2;
        if (ihl >= 20 && !(frag & 0x3FFF) && len >= l2 + ihl + 4) {
            r->l4 = l2 + ihl;
            r->tcp = p[l2 + 9] == IP_PROTO_TCP;
            r->udp = p[l2 + 9] == IP_PROTO_UDP;
        }
    } else if (type == ETH_P_IPV6 && len >= l2 + 40 && (p[l2] >> 4) == 6) {
        /* no extension headers are parsed: then the hash is IPv6-only */
        r->ipv6 = true;
        r->l3 = l2;
        if (len >= l2 + 44) {
            r->l4 = l2 + 40;
            r->tcp = p[l2 + 6] == IP_PROTO_TCP;
            r->udp = p[l2 + 6] == IP_PROTO_UDP;
        }
    }
}

/* RSS type and hash of a frame, as MRQC's field enables say. */
static unsigned ix_rss(Ix82599State *s, const uint8_t *p, const IxParsed *ps,
                       uint32_t *hash)
{
    uint32_t mrqc = ix_reg(s, IX_MRQC);
    uint8_t key[40], in[36];
    size_t n = 0, alen;
    unsigned type;
    bool ports;
    int i;

    if (ps->ipv4) {
        if (ps->tcp && (mrqc & IX_MRQC_IPV4_TCP)) {
            type = IX_RSS_TYPE_IPV4_TCP;
        } else if (ps->udp && (mrqc & IX_MRQC_IPV4_UDP)) {
            type = IX_RSS_TYPE_IPV4_UDP;
        } else if (mrqc & IX_MRQC_IPV4) {
            type = IX_RSS_TYPE_IPV4;
        } else {
            return IX_RSS_TYPE_NONE;
        }
        alen = 4;
        memcpy(in, p + ps->l3 + 12, 8);
    } else if (ps->ipv6) {
        if (ps->tcp && (mrqc & IX_MRQC_IPV6_TCP)) {
            type = IX_RSS_TYPE_IPV6_TCP;
        } else if (ps->udp && (mrqc & IX_MRQC_IPV6_UDP)) {
            type = IX_RSS_TYPE_IPV6_UDP;
        } else if (mrqc & IX_MRQC_IPV6) {
            type = IX_RSS_TYPE_IPV6;
        } else {
            return IX_RSS_TYPE_NONE;
        }
        alen = 16;
        memcpy(in, p + ps->l3 + 8, 32);
    } else {
        return IX_RSS_TYPE_NONE;
    }
    n = 2 * alen;
    ports = type != IX_RSS_TYPE_IPV4 && type != IX_RSS_TYPE_IPV6;
    if (ports) {
        memcpy(in + n, p + ps->l4, 4);  /* source port, destination port */
        n += 4;
    }
    /* RSSRK(i) holds key bytes 4i..4i+3, the first in bits 7:0 */
    for (i = 0; i < 10; i++) {
        stl_le_p(key + 4 * i, ix_reg(s, IX_RSSRK(i)));
    }
    *hash = ix_rss_toeplitz(key, in, n);
    return type;
}

/* RETA: 128 entries of 4 bits, entry j in byte j % 4 of RETA(j / 4). */
static unsigned ix_reta_queue(Ix82599State *s, uint32_t hash)
{
    unsigned j = hash & 0x7F;

    return (ix_reg(s, IX_RETA(j / 4)) >> (8 * (j % 4))) & 0xF;
}

/* ------------------------------------------------------------------------
 * Filters (DS99 7.1.1)
 * ------------------------------------------------------------------------ */

static bool ix_rar_match(Ix82599State *s, const uint8_t *da)
{
    uint32_t lo = ldl_le_p(da), hi = lduw_le_p(da + 4);
    unsigned i;

    for (i = 0; i < IX_NUM_RAR; i++) {
        uint32_t rah = ix_reg(s, IX_RAH(i));

        if ((rah & IX_RAH_AV) && ix_reg(s, IX_RAL(i)) == lo &&
            (rah & 0xFFFF) == hi) {
            return true;
        }
    }
    return false;
}

/* The 12 bits of a multicast address MCSTCTRL.MO selects, index into the
 * 4096-bit MTA. */
static bool ix_mta_match(Ix82599State *s, const uint8_t *da)
{
    uint32_t ctl = ix_reg(s, IX_MCSTCTRL);
    unsigned shift = 4 - (ctl & IX_MCSTCTRL_MO_MASK);
    uint32_t v;

    if ((ctl & IX_MCSTCTRL_MO_MASK) == 3) {
        shift = 0;
    }
    if (!(ctl & IX_MCSTCTRL_MFE)) {
        return false;
    }
    v = ((da[4] >> shift) | (uint32_t)da[5] << (8 - shift)) & 0xFFF;
    return ix_reg(s, IX_MTA(v >> 5)) & (1u << (v & 31));
}

static bool ix_l2_accept(Ix82599State *s, const uint8_t *da)
{
    uint32_t fctrl = ix_reg(s, IX_FCTRL);
    static const uint8_t bcast[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };

    if (ix_rar_match(s, da)) {
        return true;
    }
    if (!memcmp(da, bcast, 6) && (fctrl & IX_FCTRL_BAM)) {
        return true;
    }
    if (da[0] & 1) {
        return (fctrl & IX_FCTRL_MPE) || ix_mta_match(s, da);
    }
    return fctrl & IX_FCTRL_UPE;
}

/* ------------------------------------------------------------------------
 * Statistics helpers
 * ------------------------------------------------------------------------ */

static void ix_size_bucket(Ix82599State *s, hwaddr base, size_t wire)
{
    unsigned b = wire <= 64 ? 0 : wire <= 127 ? 1 : wire <= 255 ? 2 :
                 wire <= 511 ? 3 : wire <= 1023 ? 4 : 5;

    if (wire <= 1522) {
        ix_stat_add(s, base + 4 * b, 1);
    }
}

/* Queue q counts into statistics counter RQSMR(q / 4) byte q % 4. */
static unsigned ix_rx_stat_index(Ix82599State *s, unsigned q)
{
    return (ix_reg(s, IX_RQSMR(q / 4)) >> (8 * (q % 4))) & 0xF;
}

/* ------------------------------------------------------------------------
 * Descriptors (DS99 7.1.5 legacy, 7.1.6 advanced)
 * ------------------------------------------------------------------------ */

static bool ix_rx_dma_allowed(Ix82599State *s)
{
    PCIDevice *d = PCI_DEVICE(s);

    return (pci_get_word(d->config + PCI_COMMAND) & PCI_COMMAND_MASTER) &&
           (ix_reg(s, IX_RXCTRL) & IX_RXCTRL_RXEN) &&
           !(ix_reg(s, IX_SECRXCTRL) & IX_SECRXCTRL_RX_DIS);
}

static size_t ix_rx_bufsize(Ix82599State *s, unsigned q)
{
    uint32_t kb = ix_reg(s, IX_SRRCTL(q)) & IX_SRRCTL_BSIZEPKT_MASK;

    return (kb ? kb : 2) * 1024;
}

/* Write frame f into queue q's ring; false if not enough free
 * descriptors (the ring is left untouched then). */
static bool ix_rx_dma(Ix82599State *s, unsigned q, IxRxFrame *f)
{
    PCIDevice *d = PCI_DEVICE(s);
    uint64_t base = (uint64_t)ix_reg(s, IX_RDBAH(q)) << 32 |
                    (ix_reg(s, IX_RDBAL(q)) & ~0x7Fu);
    uint32_t n = ix_reg(s, IX_RDLEN(q)) / 16;
    uint32_t head = ix_reg(s, IX_RDH(q)), tail = ix_reg(s, IX_RDT(q));
    uint32_t srrctl = ix_reg(s, IX_SRRCTL(q));
    uint32_t type = srrctl & IX_SRRCTL_DESCTYPE_MASK;
    size_t bsize = ix_rx_bufsize(s, q), done = 0;
    uint32_t need, avail, i;
    bool pcsd = ix_reg(s, IX_RXCSUM) & IX_RXCSUM_PCSD;

    if (n == 0 || head >= n || tail >= n) {
        return false;
    }
    avail = (tail + n - head) % n;
    need = (f->len + bsize - 1) / bsize;
    if (need == 0) {
        need = 1;
    }
    if (avail < need) {
        return false;
    }
    if (type != IX_SRRCTL_DESCTYPE_LEGACY && type != IX_SRRCTL_DESCTYPE_ADV) {
        qemu_log_mask(LOG_UNIMP, "hpcap-82599: SRRCTL(%u) descriptor type "
                      "0x%x not modelled, using advanced one-buffer\n",
                      q, type >> 25);
    }
    for (i = 0; i < need; i++) {
        uint64_t daddr = base + (uint64_t)head * 16;
        size_t chunk = MIN(bsize, f->len - done);
        bool last = i == need - 1;
        uint8_t desc[16];
        uint64_t buf;

        pci_dma_read(d, daddr, desc, 8);
        buf = ldq_le_p(desc);
        pci_dma_write(d, buf, f->data + done, chunk);
        done += chunk;
        memset(desc, 0, sizeof(desc));
        if (type == IX_SRRCTL_DESCTYPE_LEGACY) {
            /* length, checksum, status, errors, VLAN */
            stw_le_p(desc + 8, chunk);
            desc[12] = IX_RXD_STAT_DD | (last ? IX_RXD_STAT_EOP : 0) |
                       (f->vlan_stripped ? IX_RXD_STAT_VP : 0);
            stw_le_p(desc + 14, f->vlan);
            pci_dma_write(d, daddr + 8, desc + 8, 8);
        } else {
            /* packet info | RSS hash | status/error | length, VLAN;
             * the status dword (DD) is written last. */
            stl_le_p(desc + 0, f->pkt_info);
            stl_le_p(desc + 4, pcsd ? f->rss_hash : 0);
            stw_le_p(desc + 12, chunk);
            stw_le_p(desc + 14, f->vlan);
            pci_dma_write(d, daddr, desc, 8);
            pci_dma_write(d, daddr + 12, desc + 12, 4);
            stl_le_p(desc + 8, IX_RXD_STAT_DD |
                     (last ? IX_RXD_STAT_EOP : 0) |
                     (f->vlan_stripped ? IX_RXD_STAT_VP : 0));
            pci_dma_write(d, daddr + 8, desc + 8, 4);
        }
        head = (head + 1) % n;
    }
    ix_reg_set(s, IX_RDH(q), head);
    return true;
}

static void ix_rx_delivered(Ix82599State *s, unsigned q, IxRxFrame *f)
{
    unsigned c = ix_rx_stat_index(s, q);

    ix_stat_add(s, IX_QPRC(c), 1);
    s->qbrc[c] += f->len;
    ix_stat_add(s, IX_RXDGPC, 1);
    s->rxdgbc += f->len;
    ix_queue_interrupt(s, false, q);
}

static void ix_rx_dropped(Ix82599State *s, unsigned q)
{
    ix_stat_add(s, IX_QPRDC(ix_rx_stat_index(s, q)), 1);
}

/* Move frames from the packet buffer to the rings, in order. */
void ix_rx_drain(Ix82599State *s)
{
    IxRxFrame *f;

    while ((f = QSIMPLEQ_FIRST(&s->rx_pb)) != NULL) {
        unsigned q = f->queue;

        if (!ix_rx_dma_allowed(s)) {
            return;
        }
        if (!ix_queue_enabled(s, false, q)) {
            ix_rx_dropped(s, q);        /* a disabled queue takes nothing */
        } else if (ix_rx_dma(s, q, f)) {
            ix_rx_delivered(s, q, f);
        } else {
            /* No free descriptors: DROP_EN decides (DS99 8.2.3.8.7).  The
             * 82599 counts these drops per queue in QPRDC; its RNBC
             * registers, kept from the 82598, are not used for them. */
            if (!(ix_reg(s, IX_SRRCTL(q)) & IX_SRRCTL_DROP_EN)) {
                return;                 /* waits; so does everything behind */
            }
            ix_rx_dropped(s, q);
        }
        QSIMPLEQ_REMOVE_HEAD(&s->rx_pb, next);
        s->rx_pb_bytes -= f->len;
        g_free(f);
    }
}

void ix_rx_flush(Ix82599State *s)
{
    IxRxFrame *f;

    while ((f = QSIMPLEQ_FIRST(&s->rx_pb)) != NULL) {
        QSIMPLEQ_REMOVE_HEAD(&s->rx_pb, next);
        g_free(f);
    }
    s->rx_pb_bytes = 0;
}

/* ------------------------------------------------------------------------
 * From the wire
 * ------------------------------------------------------------------------ */

ssize_t ix_receive(NetClientState *nc, const uint8_t *buf, size_t size)
{
    Ix82599State *s = qemu_get_nic_opaque(nc);
    uint8_t pad[MIN_FRAME];
    uint32_t vet = ix_reg(s, IX_VLNCTRL) & IX_VLNCTRL_VET_MASK;
    uint32_t hlreg0 = ix_reg(s, IX_HLREG0);
    size_t wire, max, l2 = ETH_HDR, pbsize;
    bool tagged, strip, keep_crc;
    uint16_t tci = 0;
    IxParsed ps;
    IxRxFrame *f;
    unsigned q = 0, rss_type = IX_RSS_TYPE_NONE, ptype = 0;
    uint32_t hash = 0;

    if (!s->link_up || !(ix_reg(s, IX_RXCTRL) & IX_RXCTRL_RXEN)) {
        return size;            /* no link / receiver off: not received */
    }
    if (size < MIN_FRAME) {
        /* QEMU peers may hand over unpadded frames; on a wire the sender's
         * MAC would have padded them. */
        memcpy(pad, buf, size);
        memset(pad + size, 0, MIN_FRAME - size);
        buf = pad;
        size = MIN_FRAME;
    }
    wire = size + FCS;
    ix_stat_add(s, IX_TPR, 1);
    s->tor += wire;

    tagged = lduw_be_p(buf + 12) == vet;
    if (tagged) {
        tci = lduw_be_p(buf + 14);
        l2 += VLAN_TAG;
    }
    max = (hlreg0 & IX_HLREG0_JUMBOEN) ?
          ix_reg(s, IX_MAXFRS) >> IX_MAXFRS_MFS_SHIFT : 1518;
    if (tagged) {
        max += VLAN_TAG;
    }
    if (wire > max || size > IX_MAX_FRAME) {
        ix_stat_add(s, IX_ROC, 1);
        ix_stat_add(s, IX_RLEC, 1);
        return size;
    }
    ix_stat_add(s, IX_RXNFGPC, 1);
    s->rxnfgbc += wire;

    if (!ix_l2_accept(s, buf)) {
        return size;
    }
    if (tagged && (ix_reg(s, IX_VLNCTRL) & IX_VLNCTRL_VFE)) {
        unsigned vid = tci & 0xFFF;

        if (!(ix_reg(s, IX_VFTA(vid >> 5)) & (1u << (vid & 31)))) {
            return size;
        }
    }

    ix_parse(buf, size, l2, &ps);
    if ((ix_reg(s, IX_MRQC) & IX_MRQC_MRQE_MASK) == IX_MRQC_RSSEN) {
        rss_type = ix_rss(s, buf, &ps, &hash);
        if (rss_type != IX_RSS_TYPE_NONE) {
            q = ix_reta_queue(s, hash);
        }
    } else if (ix_reg(s, IX_MRQC) & IX_MRQC_MRQE_MASK) {
        qemu_log_mask(LOG_UNIMP, "hpcap-82599: MRQC mode 0x%x not modelled,"
                      " frames go to queue 0\n",
                      ix_reg(s, IX_MRQC) & IX_MRQC_MRQE_MASK);
    }
    ptype = (ps.ipv4 ? IX_PTYPE_IPV4 : 0) | (ps.ipv6 ? IX_PTYPE_IPV6 : 0) |
            (ps.tcp ? IX_PTYPE_TCP : 0) | (ps.udp ? IX_PTYPE_UDP : 0);

    /* Statistics of good frames that passed the filters (DS99 8.2.3.23). */
    ix_stat_add(s, IX_GPRC, 1);
    s->gorc += wire;
    if (!memcmp(buf, "\xff\xff\xff\xff\xff\xff", 6)) {
        ix_stat_add(s, IX_BPRC, 1);
    } else if (buf[0] & 1) {
        ix_stat_add(s, IX_MPRC, 1);
    }
    ix_size_bucket(s, IX_PRC64, wire);

    strip = tagged && (ix_reg(s, IX_RXDCTL(q)) & IX_RXDCTL_VME);
    keep_crc = !(hlreg0 & IX_HLREG0_RXCRCSTRP);
    pbsize = ((ix_reg(s, IX_RXPBSIZE(0)) >> IX_RXPBSIZE_KB_SHIFT) & 0x3FF) *
             1024;
    f = g_malloc(sizeof(*f) + size + FCS);
    f->len = size - (strip ? VLAN_TAG : 0) + (keep_crc ? FCS : 0);
    if (s->rx_pb_bytes + f->len > pbsize) {
        g_free(f);
        ix_stat_add(s, IX_MPC(0), 1);
        ix_other_interrupt(s, IX_EICR_RX_MISS);
        return size;
    }
    if (strip) {
        memcpy(f->data, buf, 12);
        memcpy(f->data + 12, buf + 16, size - 16);
    } else {
        memcpy(f->data, buf, size);
    }
    if (keep_crc) {
        /* the FCS as it was on the wire */
        stl_le_p(f->data + f->len - FCS, crc32(0, buf, size));
    }
    f->queue = q;
    f->rss_hash = hash;
    f->pkt_info = rss_type | ptype << 4;
    f->vlan = strip ? tci : 0;
    f->vlan_stripped = strip;
    QSIMPLEQ_INSERT_TAIL(&s->rx_pb, f, next);
    s->rx_pb_bytes += f->len;
    ix_rx_drain(s);
    return size;
}
