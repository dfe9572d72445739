// SPDX-License-Identifier: GPL-2.0
/*
 * hpcap_ethtool.c - counters and ethtool for hpcapN ports: the NIC's
 * clear-on-read counters accumulated, driver info, link and speed, and
 * `ethtool -S` counters: the capture's (HPCAP's names), the NIC's own
 * missed/no-buffer counters, and per-queue counters.
 */
#include <linux/ethtool.h>
#include <linux/pci.h>

#include "hpcap_native.h"

/* Add what the NIC counted since the last read (its counters clear on read). */
void hpcap_nic_update_stats(struct hpcap_nic *nic)
{
	struct hpcap_hw_stats s = { 0 };
	u32 i;

	nic->chip->read_stats(nic, &s);
	spin_lock_bh(&nic->stats_lock);
	nic->stats.good_frames += s.good_frames;
	nic->stats.good_bytes += s.good_bytes;
	nic->stats.missed += s.missed;
	nic->stats.no_buffer += s.no_buffer;
	nic->stats.crc_errors += s.crc_errors;
	nic->stats.length_errors += s.length_errors;
	for (i = 0; i < HPCAP_MAX_QUEUES; i++)
		nic->stats.queue_drops[i] += s.queue_drops[i];
	spin_unlock_bh(&nic->stats_lock);
}

static struct hpcap_nic *to_nic(struct net_device *dev)
{
	return *(struct hpcap_nic **)netdev_priv(dev);
}

static const char hpcap_port_stats[][ETH_GSTRING_LEN] = {
	"rx_hpcap_captured_frames",
	"rx_hpcap_client_lost_frames",
	"rx_hpcap_noclient_frames",
	"rx_hpcap_dup_frames",
	"rx_good_frames",
	"rx_good_bytes",
	"rx_missed_errors",
	"rx_no_buffer_count",
	"rx_crc_errors",
	"rx_length_errors",
	"rx_fragmented_dropped",
	"rx_bad_length_dropped",
	"rx_error_frames",
	"tx_dropped",
};

static const char hpcap_queue_stats_names[][ETH_GSTRING_LEN] = {
	"frames", "captured", "client_lost", "noclient", "dup", "nic_drops",
	"polls", "busy_polls",
};

#define HPCAP_NPORT ARRAY_SIZE(hpcap_port_stats)
#define HPCAP_NQUEUE ARRAY_SIZE(hpcap_queue_stats_names)

static void hpcap_get_drvinfo(struct net_device *dev,
			      struct ethtool_drvinfo *info)
{
	struct hpcap_nic *nic = to_nic(dev);

	strscpy(info->driver, "hpcap", sizeof(info->driver));
	strscpy(info->version, "0.1.0", sizeof(info->version));
	strscpy(info->bus_info, pci_name(nic->pdev), sizeof(info->bus_info));
	snprintf(info->fw_version, sizeof(info->fw_version), "%s",
		 nic->chip->name);
}

static int hpcap_get_sset_count(struct net_device *dev, int sset)
{
	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return HPCAP_NPORT + HPCAP_NQUEUE * to_nic(dev)->nrxq;
}

static void hpcap_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	u32 q, i;

	if (sset != ETH_SS_STATS)
		return;
	memcpy(data, hpcap_port_stats, sizeof(hpcap_port_stats));
	data += sizeof(hpcap_port_stats);
	for (q = 0; q < to_nic(dev)->nrxq; q++)
		for (i = 0; i < HPCAP_NQUEUE; i++)
			ethtool_sprintf(&data, "rxq%u_%s", q,
					hpcap_queue_stats_names[i]);
}

static void hpcap_get_stats(struct net_device *dev,
			    struct ethtool_stats *es, u64 *d)
{
	struct hpcap_nic *nic = to_nic(dev);
	u64 cap = 0, lost = 0, nocl = 0, dup = 0, frag = 0, badlen = 0;
	u64 errs = 0;
	u64 *port = d;
	u32 q;

	hpcap_nic_update_stats(nic);
	d += HPCAP_NPORT;
	for (q = 0; q < nic->nrxq; q++) {
		struct hpcap_rxq *rxq = &nic->rxq[q];
		struct hpcap_queue_stats s;

		spin_lock_bh(&rxq->q->lock);
		hpcap_ring_queue_stats(&rxq->q->ring, &s);
		frag += rxq->core.frag_frames;
		badlen += rxq->core.bad_length_frames;
		errs += rxq->core.err_frames;
		*d++ = rxq->core.hw_frames;
		spin_unlock_bh(&rxq->q->lock);
		*d++ = s.captured_frames;
		*d++ = s.client_lost_frames;
		*d++ = s.noclient_frames;
		*d++ = s.dup_frames;
		spin_lock_bh(&nic->stats_lock);
		*d++ = nic->stats.queue_drops[q];
		spin_unlock_bh(&nic->stats_lock);
		*d++ = READ_ONCE(rxq->polls);
		*d++ = READ_ONCE(rxq->busy_polls);
		cap += s.captured_frames;
		lost += s.client_lost_frames;
		nocl += s.noclient_frames;
		dup += s.dup_frames;
	}
	spin_lock_bh(&nic->stats_lock);
	port[0] = cap;
	port[1] = lost;
	port[2] = nocl;
	port[3] = dup;
	port[4] = nic->stats.good_frames;
	port[5] = nic->stats.good_bytes;
	port[6] = nic->stats.missed;
	port[7] = nic->stats.no_buffer;
	port[8] = nic->stats.crc_errors;
	port[9] = nic->stats.length_errors;
	spin_unlock_bh(&nic->stats_lock);
	port[10] = frag;
	port[11] = badlen;
	port[12] = errs;
	port[13] = READ_ONCE(nic->tx_dropped);
}

static int hpcap_get_link_ksettings(struct net_device *dev,
				    struct ethtool_link_ksettings *ks)
{
	struct hpcap_nic *nic = to_nic(dev);

	ethtool_link_ksettings_zero_link_mode(ks, supported);
	ethtool_link_ksettings_zero_link_mode(ks, advertising);
	ks->base.speed = nic->link_up ? nic->link_mbps : SPEED_UNKNOWN;
	ks->base.duplex = nic->link_up ? DUPLEX_FULL : DUPLEX_UNKNOWN;
	/* The 82576 negotiates except at forced 10/100; the 82599's serial
	 * link has no negotiation. */
	ks->base.autoneg = nic->chip->autoneg &&
			   nic->speed != 10 && nic->speed != 100 ?
			   AUTONEG_ENABLE : AUTONEG_DISABLE;
	ks->base.port = PORT_OTHER;
	return 0;
}

const struct ethtool_ops hpcap_ethtool_ops = {
	.get_drvinfo = hpcap_get_drvinfo,
	.get_link = ethtool_op_get_link,
	.get_link_ksettings = hpcap_get_link_ksettings,
	.get_sset_count = hpcap_get_sset_count,
	.get_strings = hpcap_get_strings,
	.get_ethtool_stats = hpcap_get_stats,
};
