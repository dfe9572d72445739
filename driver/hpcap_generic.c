// SPDX-License-Identifier: GPL-2.0
/*
 * hpcap_generic.c - the generic source: capture any netdev through its
 * rx_handler hook, in mirror mode (frames go on up the stack) or drop mode
 * (frames are consumed here).  The RX queue is the skb's, the timestamp
 * the NIC's hardware stamp when the skb carries one, the clock otherwise.
 *
 * A VLAN tag the NIC (or the stack) took out of the frame is put back, so
 * the capture holds the frame as it was on the wire; GRO and LRO are turned
 * off while attached, since merged super-frames never were on the wire.
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/timekeeping.h>

#include "hpcap_adapter.h"
#include "hpcap_fault.h"

/* What the generic source keeps per adapter (ad->priv). */
struct hpcap_generic {
	struct net_device *netdev;	/* referenced */
	u32 mode;			/* HPCAP_ATTACH_MIRROR / _DROP */
	netdev_features_t gro_was_on;	/* GRO features to give back */
};

/* Copy up to left bytes of the frame, tag re-inserted, into dst. */
static void hpcap_copy_frame(u8 *dst, u32 left, struct sk_buff *skb,
			     const u8 *mac, u32 maclen)
{
	u32 n;

	if (skb_vlan_tag_present(skb) && maclen >= 2 * ETH_ALEN) {
		__be16 tag[2] = { skb->vlan_proto,
				  htons(skb_vlan_tag_get(skb)) };

		n = min_t(u32, left, 2 * ETH_ALEN);
		memcpy(dst, mac, n);
		dst += n;
		left -= n;
		mac += n;
		maclen -= n;
		n = min_t(u32, left, VLAN_HLEN);
		memcpy(dst, tag, n);
		dst += n;
		left -= n;
	}
	n = min(left, maclen);
	memcpy(dst, mac, n);
	dst += n;
	left -= n;
	n = min(left, skb->len);
	if (n && skb_copy_bits(skb, 0, dst, n))
		memset(dst, 0, n);	/* cannot happen: n <= skb->len */
}

static rx_handler_result_t hpcap_rx_handler(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct hpcap_adapter *ad = rcu_dereference(skb->dev->rx_handler_data);
	struct hpcap_generic *g = ad->priv;
	ktime_t hw = skb_hwtstamps(skb)->hwtstamp;
	u64 ns = hw ? ktime_to_ns(hw) : ktime_get_real_ns();
	const u8 *mac = skb_mac_header(skb);
	u32 maclen = skb->data > mac ? skb->data - mac : 0;
	u32 wire, caplen;
	struct hpcap_queue *q;
	bool wake;
	u8 *dst;

	/* The host's own multicast/broadcast looped back: not from the
	 * wire, and without its Ethernet header. */
	if (unlikely(skb->pkt_type == PACKET_LOOPBACK))
		return RX_HANDLER_PASS;
	q = ad->q[skb_rx_queue_recorded(skb) ?
		  skb_get_rx_queue(skb) % ad->nqueues : 0];
	wire = skb->len + maclen + (skb_vlan_tag_present(skb) ? VLAN_HLEN : 0);
	caplen = min3(wire, READ_ONCE(ad->caplen), HPCAP_MAX_CAPLEN);

	spin_lock(&q->lock);
	dst = hpcap_ring_put(&q->ring, hpcap_ns_sec(ns), hpcap_ns_nsec(ns),
			     caplen, wire);
	if (dst) {
		hpcap_copy_frame(dst, caplen, skb, mac, maclen);
		/* Cut by the format's limit, not by the user's caplen. */
		if (unlikely(caplen == HPCAP_MAX_CAPLEN && wire > caplen))
			q->ring.stats.oversize_frames++;
	}
	wake = hpcap_queue_publish(q);
	spin_unlock(&q->lock);
	if (wake)
		hpcap_queue_wake(q);

	if (g->mode == HPCAP_ATTACH_DROP) {
		consume_skb(skb);
		return RX_HANDLER_CONSUMED;
	}
	return RX_HANDLER_PASS;
}

/* Called with rtnl held. */
static void hpcap_gro_off(struct hpcap_generic *g)
{
	struct net_device *dev = g->netdev;

	/* LRO is turned off for good (as bridges do: it can not be made
	 * safe again behind the user's back); GRO is given back at detach. */
	g->gro_was_on = dev->wanted_features & (NETIF_F_GRO | NETIF_F_GRO_HW);
	dev->wanted_features &= ~(NETIF_F_GRO | NETIF_F_GRO_HW);
	netdev_update_features(dev);
	dev_disable_lro(dev);
}

/* Before any lock: the interface, its queues and its node. */
static int hpcap_generic_prepare(struct hpcap_adapter_cfg *cfg)
{
	struct hpcap_generic *g;
	struct net_device *dev;
	u32 nq;

	if (cfg->mode > HPCAP_ATTACH_DROP)
		return -EINVAL;
	dev = dev_get_by_name(&init_net, cfg->name);
	if (!dev) {
		pr_err("hpcap: no interface named %s\n", cfg->name);
		return -ENODEV;
	}
	if (dev->type != ARPHRD_ETHER) {
		pr_err("hpcap: %s is not an Ethernet interface; RAW files hold Ethernet frames\n",
		       cfg->name);
		dev_put(dev);
		return -EINVAL;
	}
	g = hpcap_kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g) {
		pr_err("hpcap: no memory to capture %s\n", cfg->name);
		dev_put(dev);
		return -ENOMEM;
	}
	g->netdev = dev;
	g->mode = cfg->mode;
	nq = dev->real_num_rx_queues;
	if (cfg->max_queues && nq > cfg->max_queues)
		nq = cfg->max_queues;
	cfg->nqueues = min_t(u32, nq, HPCAP_MAX_QUEUES);
	cfg->node = dev_to_node(&dev->dev);
	cfg->priv = g;
	return 0;
}

static void hpcap_generic_unprepare(struct hpcap_adapter_cfg *cfg)
{
	struct hpcap_generic *g = cfg->priv;

	if (!g)
		return;
	dev_put(g->netdev);
	hpcap_kfree(g);
	cfg->priv = NULL;
}

/* Called with rtnl and hpcap_mutex held. */
static int hpcap_generic_attach(struct hpcap_adapter *ad,
				struct hpcap_adapter_cfg *cfg)
{
	struct hpcap_generic *g = cfg->priv;
	struct net_device *dev = g->netdev;
	int err;

	/* Going away since prepare() looked it up. */
	if (dev->reg_state != NETREG_REGISTERED) {
		pr_err("hpcap: no interface named %s\n", cfg->name);
		return -ENODEV;
	}
	ad->priv = g;
	err = netdev_rx_handler_register(dev, hpcap_rx_handler, ad);
	if (err) {
		pr_err("hpcap: %s already has a receive handler (bridge, bond, macvlan or team port?)\n",
		       dev->name);
		ad->priv = NULL;
		return err;
	}
	cfg->priv = NULL;	/* the adapter's now */
	if (strcmp(ad->name, dev->name))	/* renamed meanwhile */
		hpcap_adapter_rename(ad, dev->name);
	hpcap_gro_off(g);
	pr_info("hpcap: capturing %s (%u RX queue%s, %s mode) as adapter %u\n",
		dev->name, ad->nqueues, ad->nqueues == 1 ? "" : "s",
		g->mode == HPCAP_ATTACH_DROP ? "drop" : "mirror", ad->id);
	return 0;
}

/* Called with rtnl and hpcap_mutex held. */
static void hpcap_generic_detach(struct hpcap_adapter *ad)
{
	struct hpcap_generic *g = ad->priv;
	struct net_device *dev = g->netdev;

	/* Waits for every running handler to finish (synchronize_net). */
	netdev_rx_handler_unregister(dev);
	if (g->gro_was_on && dev->reg_state == NETREG_REGISTERED) {
		dev->wanted_features |= g->gro_was_on;
		netdev_update_features(dev);
	}
	dev_put(dev);
	hpcap_kfree(g);
	ad->priv = NULL;
}

static const char *hpcap_generic_name(const struct hpcap_adapter *ad)
{
	const struct hpcap_generic *g = ad->priv;

	return g->mode == HPCAP_ATTACH_DROP ? "generic-drop" : "generic-mirror";
}

static struct hpcap_source_ops hpcap_generic_ops = {
	.what = "interface",
	.request_ifname = true,
	.options = HPCAP_OPT_MODE | HPCAP_OPT_CAPLEN | HPCAP_OPT_QUEUES,
	.options_help = "mirror, drop, caplen=, queues=, bufsize=, filesize= and adapter=",
	.user_detach = true,
	.needs_rtnl = true,
	.prepare = hpcap_generic_prepare,
	.unprepare = hpcap_generic_unprepare,
	.attach = hpcap_generic_attach,
	.detach = hpcap_generic_detach,
	.name = hpcap_generic_name,
};

static int hpcap_netdev_event(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct hpcap_adapter *ad;
	u32 i;

	if (event != NETDEV_UNREGISTER && event != NETDEV_CHANGENAME)
		return NOTIFY_DONE;
	mutex_lock(&hpcap_mutex);
	for (i = 0; i < HPCAP_MAX_ADAPTERS; i++) {
		struct hpcap_generic *g;

		ad = hpcap_adapter_by_id(i);
		if (!ad || ad->ops != &hpcap_generic_ops)
			continue;
		g = ad->priv;
		if (g->netdev != dev)
			continue;
		if (event == NETDEV_CHANGENAME) {
			/* Follow renames (udev), so detach by name works. */
			hpcap_adapter_rename(ad, dev->name);
		} else {
			pr_info("hpcap: %s is going away\n", dev->name);
			hpcap_adapter_detach(ad);
		}
	}
	mutex_unlock(&hpcap_mutex);
	return NOTIFY_DONE;
}

static struct notifier_block hpcap_netdev_nb = {
	.notifier_call = hpcap_netdev_event,
};

int hpcap_generic_init(void)
{
	int err = register_netdevice_notifier(&hpcap_netdev_nb);

	if (!err)
		hpcap_source_register(&hpcap_generic_ops);
	return err;
}

void hpcap_generic_exit(void)
{
	hpcap_source_unregister(&hpcap_generic_ops);
	unregister_netdevice_notifier(&hpcap_netdev_nb);
}
