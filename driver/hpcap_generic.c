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

#include "hpcap_priv.h"

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
	dst = hpcap_ring_put(&q->ring, (u32)div_u64(ns, NSEC_PER_SEC),
			     (u32)(ns % NSEC_PER_SEC), caplen, wire);
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

	if (ad->gen_mode == HPCAP_ATTACH_DROP) {
		consume_skb(skb);
		return RX_HANDLER_CONSUMED;
	}
	return RX_HANDLER_PASS;
}

/* Called with rtnl held. */
static void hpcap_gro_off(struct hpcap_adapter *ad)
{
	struct net_device *dev = ad->netdev;

	/* LRO is turned off for good (as bridges do: it can not be made
	 * safe again behind the user's back); GRO is given back at detach. */
	ad->gro_was_on = dev->wanted_features & (NETIF_F_GRO | NETIF_F_GRO_HW);
	dev->wanted_features &= ~(NETIF_F_GRO | NETIF_F_GRO_HW);
	netdev_update_features(dev);
	dev_disable_lro(dev);
}

int hpcap_generic_attach(const char *ifname, u32 mode, u32 caplen,
			 u64 buf_size, u64 file_size, u32 max_queues,
			 int want_id, u32 *id)
{
	struct hpcap_adapter *ad;
	struct net_device *dev;
	u32 nq;
	int err;

	if (mode > HPCAP_ATTACH_DROP)
		return -EINVAL;
	rtnl_lock();
	dev = __dev_get_by_name(&init_net, ifname);
	if (!dev) {
		pr_err("hpcap: no interface named %s\n", ifname);
		err = -ENODEV;
		goto out_rtnl;
	}
	if (dev->type != ARPHRD_ETHER) {
		pr_err("hpcap: %s is not an Ethernet interface; RAW files hold Ethernet frames\n",
		       ifname);
		err = -EINVAL;
		goto out_rtnl;
	}
	nq = dev->real_num_rx_queues;
	if (max_queues && nq > max_queues)
		nq = max_queues;
	if (nq > HPCAP_MAX_QUEUES)
		nq = HPCAP_MAX_QUEUES;
	mutex_lock(&hpcap_mutex);
	ad = hpcap_adapter_new(want_id, HPCAP_SRC_GENERIC, dev->name, nq,
			       buf_size, file_size, caplen, false,
			       dev_to_node(&dev->dev));
	if (IS_ERR(ad)) {
		err = PTR_ERR(ad);
		pr_err("hpcap: cannot capture %s: %s (%d)\n", ifname,
		       hpcap_adapter_strerror(err), err);
		goto out_mutex;
	}
	ad->netdev = dev;
	ad->gen_mode = mode;
	err = netdev_rx_handler_register(dev, hpcap_rx_handler, ad);
	if (err) {
		pr_err("hpcap: %s already has a receive handler (bridge, bond, macvlan or team port?)\n",
		       ifname);
		hpcap_adapter_free(ad);
		goto out_mutex;
	}
	dev_hold(dev);
	hpcap_gro_off(ad);
	*id = ad->id;
	pr_info("hpcap: capturing %s (%u RX queue%s, %s mode) as adapter %u\n",
		dev->name, nq, nq == 1 ? "" : "s",
		mode == HPCAP_ATTACH_DROP ? "drop" : "mirror", ad->id);
	err = 0;
out_mutex:
	mutex_unlock(&hpcap_mutex);
out_rtnl:
	rtnl_unlock();
	return err;
}

/* Called with rtnl and hpcap_mutex held. */
void hpcap_generic_detach(struct hpcap_adapter *ad)
{
	struct net_device *dev = ad->netdev;

	/* Waits for every running handler to finish (synchronize_net). */
	netdev_rx_handler_unregister(dev);
	if (ad->gro_was_on && dev->reg_state == NETREG_REGISTERED) {
		dev->wanted_features |= ad->gro_was_on;
		netdev_update_features(dev);
	}
	dev_put(dev);
	ad->netdev = NULL;
}

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
		ad = hpcap_adapter_by_id(i);
		if (!ad || ad->kind != HPCAP_SRC_GENERIC || ad->netdev != dev)
			continue;
		if (event == NETDEV_CHANGENAME) {
			/* Follow renames (udev), so detach by name works. */
			strscpy(ad->name, dev->name, sizeof(ad->name));
		} else {
			pr_info("hpcap: %s is going away\n", dev->name);
			hpcap_detach_adapter(ad);
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
	return register_netdevice_notifier(&hpcap_netdev_nb);
}

void hpcap_generic_exit(void)
{
	unregister_netdevice_notifier(&hpcap_netdev_nb);
}
