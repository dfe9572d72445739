// SPDX-License-Identifier: GPL-2.0
/*
 * hpcap_ethtool.c - counters and ethtool for hpcapN ports: the NIC's
 * clear-on-read counters accumulated, driver info, link and speed (shown,
 * and set with `ethtool -s`), a dump of the receive registers
 * (`ethtool -d`), and `ethtool -S` counters: the capture's (HPCAP's
 * names), the NIC's own, and per-queue counters.
 */
#include <linux/ethtool.h>
#include <linux/linkmode.h>
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
	"rx_packets",		/* the standard names of the same two */
	"rx_bytes",
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
	port[6] = nic->stats.good_frames;
	port[7] = nic->stats.good_bytes;
	port[8] = nic->stats.missed;
	port[9] = nic->stats.no_buffer;
	port[10] = nic->stats.crc_errors;
	port[11] = nic->stats.length_errors;
	spin_unlock_bh(&nic->stats_lock);
	port[12] = frag;
	port[13] = badlen;
	port[14] = errs;
	port[15] = READ_ONCE(nic->tx_dropped);
}

/*
 * Link modes of the 82576's copper PHY: what it advertises when it
 * negotiates everything (its own default).  Forced links are full duplex
 * only.
 */
static void hpcap_copper_modes(unsigned long *m)
{
	linkmode_zero(m);
	linkmode_set_bit(ETHTOOL_LINK_MODE_10baseT_Half_BIT, m);
	linkmode_set_bit(ETHTOOL_LINK_MODE_10baseT_Full_BIT, m);
	linkmode_set_bit(ETHTOOL_LINK_MODE_100baseT_Half_BIT, m);
	linkmode_set_bit(ETHTOOL_LINK_MODE_100baseT_Full_BIT, m);
	linkmode_set_bit(ETHTOOL_LINK_MODE_1000baseT_Full_BIT, m);
}

static int hpcap_get_link_ksettings(struct net_device *dev,
				    struct ethtool_link_ksettings *ks)
{
	struct hpcap_nic *nic = to_nic(dev);
	u32 speed = nic->speed;

	ethtool_link_ksettings_zero_link_mode(ks, supported);
	ethtool_link_ksettings_zero_link_mode(ks, advertising);
	ks->base.speed = nic->link_up ? nic->link_mbps : SPEED_UNKNOWN;
	ks->base.duplex = nic->link_up ? DUPLEX_FULL : DUPLEX_UNKNOWN;
	ks->base.autoneg = AUTONEG_DISABLE;
	ks->base.port = PORT_OTHER;
	/* The 82599's serial link has no negotiation and no modes listed. */
	if (!nic->chip->autoneg)
		return 0;
	/* The 82576 negotiates except at forced 10/100 (e1_setup_link). */
	ks->base.port = PORT_TP;
	hpcap_copper_modes(ks->link_modes.supported);
	ethtool_link_ksettings_add_link_mode(ks, supported, Autoneg);
	ethtool_link_ksettings_add_link_mode(ks, supported, TP);
	if (speed == 10 || speed == 100)
		return 0;
	ks->base.autoneg = AUTONEG_ENABLE;
	if (speed == 1000)
		ethtool_link_ksettings_add_link_mode(ks, advertising,
						     1000baseT_Full);
	else
		hpcap_copper_modes(ks->link_modes.advertising);
	ethtool_link_ksettings_add_link_mode(ks, advertising, Autoneg);
	ethtool_link_ksettings_add_link_mode(ks, advertising, TP);
	return 0;
}

/*
 * The 82576's speed (nic->speed, as vel= gives it) for what ethtool asks:
 * forced 10 or 100 full duplex; 1000, which copper can not force, as
 * negotiation with 1000/full alone advertised; negotiation advertising
 * everything (or nothing said) or 1000/full alone.
 */
static int hpcap_copper_speed(struct net_device *dev,
			      const struct ethtool_link_ksettings *ks,
			      u32 *speed)
{
	__ETHTOOL_DECLARE_LINK_MODE_MASK(all);
	__ETHTOOL_DECLARE_LINK_MODE_MASK(adv);
	u32 want = ks->base.speed;

	if (ks->base.autoneg == AUTONEG_ENABLE) {
		hpcap_copper_modes(all);
		linkmode_and(adv, ks->link_modes.advertising, all);
		if (linkmode_empty(adv) || linkmode_equal(adv, all)) {
			*speed = 0;
			return 0;
		}
		linkmode_zero(all);
		linkmode_set_bit(ETHTOOL_LINK_MODE_1000baseT_Full_BIT, all);
		if (linkmode_equal(adv, all)) {
			*speed = 1000;
			return 0;
		}
		netdev_err(dev, "autonegotiation on the 82576 advertises every mode (10/100 half and full, 1000 full) or 1000baseT/Full alone\n");
		return -EINVAL;
	}
	if (ks->base.duplex != DUPLEX_FULL ||
	    (want != 10 && want != 100 && want != 1000)) {
		netdev_err(dev, "the 82576 forces 10, 100 or 1000 Mb/s at full duplex only (asked: speed %d, duplex %s)\n",
			   (int)want, ks->base.duplex == DUPLEX_HALF ? "half" :
			   ks->base.duplex == DUPLEX_FULL ? "full" : "unknown");
		return -EINVAL;
	}
	if (want == 1000)
		netdev_info(dev, "1000BASE-T can not be forced (802.3 clause 40 needs negotiation): negotiating with 1000/full alone advertised\n");
	*speed = want;
	return 0;
}

/* The 82599's SFP+ port: 10 Gb/s serial, full duplex, no negotiation. */
static int hpcap_serial_speed(struct net_device *dev,
			      const struct ethtool_link_ksettings *ks,
			      u32 *speed)
{
	if (ks->base.autoneg == AUTONEG_DISABLE &&
	    (ks->base.speed == SPEED_10000 ||
	     ks->base.speed == SPEED_UNKNOWN) &&
	    ks->base.duplex != DUPLEX_HALF) {
		*speed = SPEED_10000;
		return 0;
	}
	netdev_err(dev, "the 82599's SFP+ port runs at 10000 Mb/s, full duplex, autoneg off only (asked: speed %d, autoneg %s)\n",
		   (int)ks->base.speed,
		   ks->base.autoneg == AUTONEG_ENABLE ? "on" : "off");
	return -EINVAL;
}

/* ethtool -s: the new speed, remembered, and the link set up again. */
static int hpcap_set_link_ksettings(struct net_device *dev,
				    const struct ethtool_link_ksettings *ks)
{
	struct hpcap_nic *nic = to_nic(dev);
	u32 speed;
	int err;

	err = nic->chip->autoneg ? hpcap_copper_speed(dev, ks, &speed)
				 : hpcap_serial_speed(dev, ks, &speed);
	if (err)
		return err;
	mutex_lock(&nic->lock);
	nic->speed = speed;
	err = nic->chip->setup_link(nic);
	mutex_unlock(&nic->lock);
	if (err)
		netdev_err(dev, "link setup failed (%d)\n", err);
	else if (!nic->chip->autoneg || speed == 10 || speed == 100)
		netdev_info(dev, "link set: %u Mb/s, full duplex, autoneg off\n",
			    speed);
	else
		netdev_info(dev, "link set: autonegotiation, %s advertised\n",
			    speed ? "1000baseT/Full alone" : "every mode");
	return err;
}

/*
 * ethtool -d: the chip's receive and link registers, as (offset, value)
 * pairs of u32, so a dump says what it holds without a decoder.  None of
 * them clears on read.
 */
static int hpcap_get_regs_len(struct net_device *dev)
{
	return to_nic(dev)->chip->ndump_regs * 2 * sizeof(u32);
}

static void hpcap_get_regs(struct net_device *dev, struct ethtool_regs *regs,
			   void *p)
{
	struct hpcap_nic *nic = to_nic(dev);
	const struct hpcap_chip *chip = nic->chip;
	u32 *out = p, i;

	regs->version = 1;
	for (i = 0; i < chip->ndump_regs; i++) {
		*out++ = chip->dump_regs[i];
		*out++ = hpcap_rd(nic, chip->dump_regs[i]);
	}
}

const struct ethtool_ops hpcap_ethtool_ops = {
	.get_drvinfo = hpcap_get_drvinfo,
	.get_link = ethtool_op_get_link,
	.get_link_ksettings = hpcap_get_link_ksettings,
	.set_link_ksettings = hpcap_set_link_ksettings,
	.get_regs_len = hpcap_get_regs_len,
	.get_regs = hpcap_get_regs,
	.get_sset_count = hpcap_get_sset_count,
	.get_strings = hpcap_get_strings,
	.get_ethtool_stats = hpcap_get_stats,
};
