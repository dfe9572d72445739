/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * hpcap_desc.h - the advanced RX descriptor shared by the Intel 82576
 * (datasheet 7.1.5, "Advanced Receive Descriptors") and 82599 (datasheet
 * 7.1.6), 16 bytes, in its two shapes: what the driver writes (read
 * format) and what the NIC writes back.  Portable: used by the module and
 * by the userspace harness of the poll loop.
 */
#ifndef HPCAP_DESC_H
#define HPCAP_DESC_H

#include "hpcap_core_env.h"

union hpcap_rx_desc {
	struct {
		__le64 pkt_addr;	/* DMA address of the packet buffer */
		__le64 hdr_addr;	/* header buffer (unused: one-buffer) */
	} read;
	struct {
		__le32 info;		/* RSS type 3:0, packet type 16:4, ... */
		__le32 rss_hash;
		__le32 status_error;	/* extended status 19:0, errors 31:20 */
		__le16 length;		/* bytes written to the packet buffer */
		__le16 vlan;
	} wb;
};

/* Write-back status bits (both chips). */
#define HPCAP_RXD_STAT_DD	0x00000001u	/* descriptor done */
#define HPCAP_RXD_STAT_EOP	0x00000002u	/* end of packet */
/* The "frame received in error" bit differs: 82576 RXE is bit 31 (bit 29
 * is its TCP/UDP checksum error, which must not drop a frame); 82599
 * USE/RXE is bit 29.  The chip table gives the mask. */
#define HPCAP_RXD_ERR_RXE_82576	0x80000000u
#define HPCAP_RXD_ERR_RXE_82599	0x20000000u
#define HPCAP_RXD_RSS_TYPE_MASK	0x0000000fu

#ifndef __KERNEL__
_Static_assert(sizeof(union hpcap_rx_desc) == 16, "descriptor is 16 bytes");
#else
static_assert(sizeof(union hpcap_rx_desc) == 16);
#endif

#endif /* HPCAP_DESC_H */
