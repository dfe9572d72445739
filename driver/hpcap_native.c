// SPDX-License-Identifier: GPL-2.0
/*
 * hpcap_native.c - OS glue of the native polling driver: PCI binding,
 * per-queue DMA memory and poll threads, the hpcapN netdev.
 *
 * hpcap never claims a NIC by itself: its PCI id table is empty, so a port
 * is bound only when the user asks for it with
 *   echo hpcap > /sys/bus/pci/devices/<addr>/driver_override
 *   echo <addr> > /sys/bus/pci/drivers/<igb|ixgbe>/unbind
 *   echo <addr> > /sys/bus/pci/drivers_probe
 * (install_hpcap.bash does this from params.cfg) and probe() then checks
 * that the chip is one it drives.  Every other port keeps its driver.
 *
 * Per port, one kthread per RX queue, bound to its core, polls the
 * descriptor ring with no interrupts and copies frames into the queue's
 * capture buffer (hpcap_rxpoll.c).  The netdev hpcapN exists so that ip
 * link and ethtool show link, speed and counters; it transmits nothing.
 */
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/etherdevice.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <linux/vmalloc.h>

#include "hpcap_fault.h"
#include "hpcap_native.h"

/*
 * Per-port settings, indexed by adapter number (the N of hpcapN), as
 * install_hpcap.bash writes them from params.cfg before binding the ports.
 */
/* Read-only once loaded: probe() reads it without a lock, and a write
 * would free the string under it. */
static char *hpcap_ports;
module_param_named(ports, hpcap_ports, charp, 0444);
MODULE_PARM_DESC(ports,
		 "PCI addresses of the ports to drive, in adapter order: port i becomes hpcap<i> (e.g. \"0000:03:00.0,0000:03:00.1\")");

static int hpcap_nrxq[HPCAP_MAX_ADAPTERS];
module_param_array_named(nrxq, hpcap_nrxq, int, NULL, 0644);
MODULE_PARM_DESC(nrxq, "RX queues per port (RSS), by adapter number (default 1)");

static int hpcap_core[HPCAP_MAX_ADAPTERS] = {
	[0 ... HPCAP_MAX_ADAPTERS - 1] = -1
};
module_param_array_named(core, hpcap_core, int, NULL, 0644);
MODULE_PARM_DESC(core,
		 "Core of each port's queue 0 (queue q polls on core+q), by adapter number; -1 = the last core, counting down");

static int hpcap_vel[HPCAP_MAX_ADAPTERS];
module_param_array_named(vel, hpcap_vel, int, NULL, 0644);
MODULE_PARM_DESC(vel, "Link speed in Mb/s (0 = autonegotiate), by adapter number");

static int hpcap_caplen[HPCAP_MAX_ADAPTERS];
module_param_array_named(caplen, hpcap_caplen, int, NULL, 0644);
MODULE_PARM_DESC(caplen, "Bytes kept per frame (0 = whole frame), by adapter number");

static int hpcap_dup[HPCAP_MAX_ADAPTERS];
module_param_array_named(dup, hpcap_dup, int, NULL, 0644);
MODULE_PARM_DESC(dup, "Duplicate removal on (1) or off (0), by adapter number");

static int hpcap_bufmb[HPCAP_MAX_ADAPTERS];
module_param_array_named(bufmb, hpcap_bufmb, int, NULL, 0644);
MODULE_PARM_DESC(bufmb,
		 "Capture buffer per queue in MiB (0 = buf_size), by adapter number");

static int hpcap_huge[HPCAP_MAX_ADAPTERS];
module_param_array_named(huge, hpcap_huge, int, NULL, 0644);
MODULE_PARM_DESC(huge,
		 "Buffers in 2 MiB contiguous pages (HPCAP mode 3), by adapter number");

static int hpcap_jumbo[HPCAP_MAX_ADAPTERS];
module_param_array_named(jumbo, hpcap_jumbo, int, NULL, 0644);
MODULE_PARM_DESC(jumbo, "Accept jumbo frames (up to 9728 bytes), by adapter number");

static unsigned int hpcap_poll_idle_us;
module_param_named(poll_idle_us, hpcap_poll_idle_us, uint, 0644);
MODULE_PARM_DESC(poll_idle_us,
		 "Sleep this long when a poll finds nothing (0 = poll without sleeping, HPCAP's way)");

static bool hpcap_ts_per_frame;
module_param_named(ts_per_frame, hpcap_ts_per_frame, bool, 0644);
MODULE_PARM_DESC(ts_per_frame,
		 "Read the clock for every frame instead of once per poll batch (costs ~25 ns per frame)");

/* Adapter number for a port: its place in ports=, else -1 (lowest free). */
static int hpcap_port_number(struct pci_dev *pdev)
{
	const char *p = hpcap_ports, *name = pci_name(pdev);
	size_t len = strlen(name);
	int i = 0;

	while (p && *p && i < HPCAP_MAX_ADAPTERS) {
		if (!strncmp(p, name, len) && (p[len] == ',' || !p[len]))
			return i;
		p = strchr(p, ',');
		if (p)
			p++;
		i++;
	}
	return -1;
}

/* ---------------------------------------------------------------- poll */

static void hpcap_write_tail(struct hpcap_rxq *rxq)
{
	struct hpcap_rxq_core *c = &rxq->core;

	/* One behind the next descriptor to clean: RDT == RDH would tell
	 * the NIC the ring is empty. */
	rxq->nic->chip->write_tail(rxq->nic, rxq->index,
				   (c->next - 1) & (c->count - 1));
	rxq->since_tail = 0;
}

static int hpcap_rx_thread(void *arg)
{
	struct hpcap_rxq *rxq = arg;
	struct hpcap_nic *nic = rxq->nic;
	struct hpcap_queue *q = rxq->q;

	while (!kthread_should_stop()) {
		u32 caplen = READ_ONCE(nic->ad->caplen), n;
		bool wake;

		spin_lock_bh(&q->lock);
		n = hpcap_rx_clean(&rxq->core, &q->ring, HPCAP_NATIVE_BATCH,
				   caplen);
		wake = n && hpcap_queue_publish(q);
		spin_unlock_bh(&q->lock);
		if (wake)
			hpcap_queue_wake(q);
		rxq->polls++;
		if (n) {
			rxq->busy_polls++;
			rxq->since_tail += n;
			if (rxq->since_tail >= HPCAP_NATIVE_TAIL_BATCH)
				hpcap_write_tail(rxq);
		} else {
			/* Give back what was taken before going idle. */
			if (rxq->since_tail)
				hpcap_write_tail(rxq);
			u32 idle = READ_ONCE(hpcap_poll_idle_us);

			if (idle)
				usleep_range(idle, 2 * idle);
		}
		/* Keeps the soft-lockup watchdog, RCU and the rest of the
		 * system happy on the core this thread owns. */
		cond_resched();
	}
	return 0;
}

/* ------------------------------------------------------------- running */

/*
 * Core of queue q: core + q, or, with core -1, counting down from the last
 * core, past the cores other ports took that way (so two ports left at -1
 * never share a core).  Offline numbers fall back to the first online.
 *
 * The cores taken that way, by adapter number: [base, base + n) counted
 * down from the last core; a port gives its range back at remove, so
 * unbinding and binding a port again puts it where it was.
 */
static DEFINE_MUTEX(hpcap_auto_lock);
static u32 hpcap_auto_base[HPCAP_MAX_ADAPTERS];
static u32 hpcap_auto_n[HPCAP_MAX_ADAPTERS];

/* The lowest base where n cores overlap no other port's. */
static u32 hpcap_auto_take(u32 id, u32 n)
{
	u32 base = 0, i;
	bool moved;

	mutex_lock(&hpcap_auto_lock);
	do {
		moved = false;
		for (i = 0; i < HPCAP_MAX_ADAPTERS; i++) {
			if (!hpcap_auto_n[i] || base >= hpcap_auto_base[i] +
			    hpcap_auto_n[i] || hpcap_auto_base[i] >= base + n)
				continue;
			base = hpcap_auto_base[i] + hpcap_auto_n[i];
			moved = true;
		}
	} while (moved);
	hpcap_auto_base[id] = base;
	hpcap_auto_n[id] = n;
	mutex_unlock(&hpcap_auto_lock);
	return base;
}

static void hpcap_auto_give_back(u32 id)
{
	mutex_lock(&hpcap_auto_lock);
	hpcap_auto_n[id] = 0;
	mutex_unlock(&hpcap_auto_lock);
}

static int hpcap_pick_cpu(struct hpcap_nic *nic, u32 q)
{
	int n = nr_cpu_ids, c;

	if (nic->first_cpu < 0)
		c = n - 1 - nic->auto_base - (int)q;
	else
		c = nic->first_cpu + (int)q;
	c %= n;
	if (c < 0)
		c += n;
	return cpu_online(c) ? c : cpumask_first(cpu_online_mask);
}

static void hpcap_stop_threads(struct hpcap_nic *nic)
{
	u32 i;

	for (i = 0; i < nic->nrxq; i++) {
		if (nic->rxq[i].thread)
			hpcap_kthread_stop(nic->rxq[i].thread);
		nic->rxq[i].thread = NULL;
	}
}

static int hpcap_up(struct hpcap_nic *nic)
{
	int err;
	u32 i;

	err = nic->chip->init_rx(nic);
	if (err)
		return err;
	for (i = 0; i < nic->nrxq; i++) {
		struct hpcap_rxq *rxq = &nic->rxq[i];
		struct task_struct *t;

		hpcap_rx_arm_all(&rxq->core);
		rxq->core.ts_per_frame = READ_ONCE(hpcap_ts_per_frame);
		err = nic->chip->start_queue(nic, i);
		if (err)
			goto fail;
		rxq->cpu = hpcap_pick_cpu(nic, i);
		t = hpcap_kthread_create_on_node(hpcap_rx_thread, rxq,
						 cpu_to_node(rxq->cpu),
						 "hpcap%u_rx%u", nic->ad->id, i);
		if (IS_ERR(t)) {
			err = PTR_ERR(t);
			goto fail;
		}
		kthread_bind(t, rxq->cpu);
		rxq->thread = t;
	}
	nic->chip->enable_rx(nic);
	for (i = 0; i < nic->nrxq; i++)
		wake_up_process(nic->rxq[i].thread);
	nic->running = true;
	return 0;
fail:
	hpcap_stop_threads(nic);
	nic->chip->stop_rx(nic);
	return err;
}

static void hpcap_down(struct hpcap_nic *nic)
{
	if (!nic->running)
		return;
	hpcap_stop_threads(nic);
	nic->chip->stop_rx(nic);
	nic->running = false;
}

/* Link state and the NIC's clear-on-read counters, twice a second. */
static void hpcap_housekeeping(struct work_struct *work)
{
	struct hpcap_nic *nic = container_of(to_delayed_work(work),
					     struct hpcap_nic, housekeeping);
	u32 mbps = 0;
	bool up = nic->chip->link_status(nic, &mbps);

	if (up != nic->link_up || mbps != nic->link_mbps) {
		nic->link_up = up;
		nic->link_mbps = mbps;
		if (up) {
			netif_carrier_on(nic->netdev);
			netdev_info(nic->netdev, "link up, %u Mb/s\n", mbps);
		} else {
			netif_carrier_off(nic->netdev);
			netdev_info(nic->netdev, "link down\n");
		}
	}
	hpcap_nic_update_stats(nic);
	schedule_delayed_work(&nic->housekeeping, HZ / 2);
}

/* -------------------------------------------------------------- netdev */

static struct hpcap_nic *hpcap_netdev_nic(struct net_device *dev)
{
	return *(struct hpcap_nic **)netdev_priv(dev);
}

static int hpcap_ndo_open(struct net_device *dev)
{
	struct hpcap_nic *nic = hpcap_netdev_nic(dev);
	int err;

	mutex_lock(&nic->lock);
	err = hpcap_up(nic);
	mutex_unlock(&nic->lock);
	if (err)
		netdev_err(dev, "cannot start capturing: %d\n", err);
	return err;
}

static int hpcap_ndo_stop(struct net_device *dev)
{
	struct hpcap_nic *nic = hpcap_netdev_nic(dev);

	mutex_lock(&nic->lock);
	hpcap_down(nic);
	mutex_unlock(&nic->lock);
	return 0;
}

/* A capture port never transmits: anything handed to it is dropped and
 * counted, never queued (a TX hang resetting the NIC cost HPCAP frames). */
static netdev_tx_t hpcap_ndo_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct hpcap_nic *nic = hpcap_netdev_nic(dev);

	dev_kfree_skb_any(skb);
	WRITE_ONCE(nic->tx_dropped, nic->tx_dropped + 1);
	return NETDEV_TX_OK;
}

static void hpcap_ndo_stats(struct net_device *dev,
			    struct rtnl_link_stats64 *st)
{
	struct hpcap_nic *nic = hpcap_netdev_nic(dev);
	u32 i;

	for (i = 0; i < nic->nrxq; i++) {
		struct hpcap_queue *q = nic->rxq[i].q;

		spin_lock_bh(&q->lock);
		/* Everything the port received; what was not captured is in
		 * rx_dropped. */
		st->rx_packets += q->ring.stats.rx_frames;
		st->rx_bytes += q->ring.stats.rx_bytes;
		st->rx_dropped += q->ring.stats.client_lost_frames +
				  q->ring.stats.noclient_frames +
				  q->ring.stats.dup_frames;
		spin_unlock_bh(&q->lock);
	}
	spin_lock_bh(&nic->stats_lock);
	st->rx_missed_errors = nic->stats.missed + nic->stats.no_buffer;
	st->rx_crc_errors = nic->stats.crc_errors;
	st->rx_length_errors = nic->stats.length_errors;
	spin_unlock_bh(&nic->stats_lock);
	st->tx_dropped = READ_ONCE(nic->tx_dropped);
}

static const struct net_device_ops hpcap_netdev_ops = {
	.ndo_open = hpcap_ndo_open,
	.ndo_stop = hpcap_ndo_stop,
	.ndo_start_xmit = hpcap_ndo_xmit,
	.ndo_get_stats64 = hpcap_ndo_stats,
};

/* ----------------------------------------------------------- PCI glue */

/* Receive memory of queue i: descriptors and packet buffers. */
static int hpcap_alloc_queue_mem(struct hpcap_nic *nic, u32 i)
{
	struct hpcap_rxq *rxq = &nic->rxq[i];
	struct hpcap_rxq_core *c = &rxq->core;
	struct device *dev = &nic->pdev->dev;
	u32 n, k;

	rxq->nic = nic;
	rxq->index = i;
	rxq->q = nic->ad->q[i];
	c->count = HPCAP_NATIVE_DESCS;
	c->err_mask = nic->chip->rx_err_mask;
	c->buf_shift = ilog2(nic->buf_size);
	c->chunk_shift = ilog2(HPCAP_RX_CHUNK) - c->buf_shift;
	c->desc = hpcap_dma_alloc_coherent(dev, c->count * sizeof(*c->desc),
					   &rxq->desc_dma, GFP_KERNEL);
	if (!c->desc)
		return -ENOMEM;
	n = hpcap_rx_chunks(c);
	c->chunk = hpcap_kcalloc(n, sizeof(*c->chunk), GFP_KERNEL);
	c->chunk_dma = hpcap_kcalloc(n, sizeof(*c->chunk_dma), GFP_KERNEL);
	if (!c->chunk || !c->chunk_dma)
		return -ENOMEM;
	/* Coherent buffers: nothing to sync per frame, and re-arming a
	 * descriptor is writing its address back. */
	for (k = 0; k < n; k++) {
		dma_addr_t dma;

		c->chunk[k] = hpcap_dma_alloc_coherent(dev, HPCAP_RX_CHUNK,
						       &dma, GFP_KERNEL);
		if (!c->chunk[k])
			return -ENOMEM;
		c->chunk_dma[k] = dma;
	}
	return 0;
}

/*
 * Everything hpcap_alloc_queue_mem() got for queue i, even half of it.
 * Only once the NIC can not write there any more (bus mastering off).
 */
static void hpcap_free_queue_mem(struct hpcap_nic *nic, u32 i)
{
	struct hpcap_rxq *rxq = &nic->rxq[i];
	struct hpcap_rxq_core *c = &rxq->core;
	struct device *dev = &nic->pdev->dev;
	u32 k;

	if (c->chunk) {
		for (k = 0; k < hpcap_rx_chunks(c); k++)
			if (c->chunk[k])
				hpcap_dma_free_coherent(dev, HPCAP_RX_CHUNK,
							c->chunk[k],
							c->chunk_dma[k]);
	}
	hpcap_kfree(c->chunk);
	hpcap_kfree(c->chunk_dma);
	c->chunk = NULL;
	c->chunk_dma = NULL;
	if (c->desc)
		hpcap_dma_free_coherent(dev, c->count * sizeof(*c->desc),
					c->desc, rxq->desc_dma);
	c->desc = NULL;
}

static int hpcap_native_set_dup(struct hpcap_adapter *ad, bool on)
{
	struct hpcap_nic *nic = ad->priv;
	int err = 0;
	u32 i;

	if (!nic)
		return -EOPNOTSUPP;
	mutex_lock(&nic->lock);
	if (nic->removing && on) {
		mutex_unlock(&nic->lock);
		return -ENODEV;
	}
	for (i = 0; i < nic->nrxq && !err; i++) {
		struct hpcap_rxq *rxq = &nic->rxq[i];
		struct hpcap_dup *d = rxq->core.dup;

		if (!rxq->q)	/* probe failed before the queue was set up */
			continue;
		if (on && !d) {
			d = hpcap_vzalloc(sizeof(*d));
			if (!d) {
				err = -ENOMEM;
				break;
			}
			d->window_ns = HPCAP_DUP_WINDOW_NS;
		}
		/* The poll thread reads dup under the queue lock. */
		spin_lock_bh(&rxq->q->lock);
		rxq->core.dup = on ? d : NULL;
		spin_unlock_bh(&rxq->q->lock);
		if (!on)
			hpcap_vfree(d);
	}
	mutex_unlock(&nic->lock);
	return err;
}

static bool hpcap_native_get_dup(struct hpcap_adapter *ad)
{
	struct hpcap_nic *nic = ad->priv;

	return nic && READ_ONCE(nic->rxq[0].core.dup);
}

/* Called with hpcap_mutex held: the port's NIC becomes the adapter's. */
static int hpcap_native_attach(struct hpcap_adapter *ad,
			       struct hpcap_adapter_cfg *cfg)
{
	ad->priv = cfg->priv;
	return 0;
}

/* Called with hpcap_mutex held, from remove() (the NIC is quiet). */
static void hpcap_native_detach(struct hpcap_adapter *ad)
{
	ad->priv = NULL;
}

static const char *hpcap_native_name(const struct hpcap_adapter *ad)
{
	return "native";
}

static u32 hpcap_native_stats(struct hpcap_adapter *ad, u32 q,
			      struct hpcap_source_counter *c, u32 max)
{
	struct hpcap_nic *nic = ad->priv;
	struct hpcap_rxq *rxq;
	u32 n = 0;

	if (!nic || q >= nic->nrxq || max < 8)
		return 0;
	rxq = &nic->rxq[q];
	spin_lock_bh(&rxq->q->lock);
	c[n].name = "hw_frames";
	c[n++].value = rxq->core.hw_frames;
	c[n].name = "hw_bytes";
	c[n++].value = rxq->core.hw_bytes;
	c[n].name = "frag_frames";
	c[n++].value = rxq->core.frag_frames;
	c[n].name = "err_frames";
	c[n++].value = rxq->core.err_frames;
	c[n].name = "bad_length_frames";
	c[n++].value = rxq->core.bad_length_frames;
	spin_unlock_bh(&rxq->q->lock);
	spin_lock_bh(&nic->stats_lock);
	c[n].name = "nic_drops";
	c[n++].value = nic->stats.queue_drops[q];
	spin_unlock_bh(&nic->stats_lock);
	c[n].name = "polls";
	c[n++].value = READ_ONCE(rxq->polls);
	c[n].name = "busy_polls";
	c[n++].value = READ_ONCE(rxq->busy_polls);
	return n;
}

static struct hpcap_source_ops hpcap_native_ops = {
	.what = "port",
	.attach = hpcap_native_attach,
	.detach = hpcap_native_detach,
	.name = hpcap_native_name,
	.stats = hpcap_native_stats,
	.set_dup = hpcap_native_set_dup,
	.get_dup = hpcap_native_get_dup,
};

/* The chip behind a PCI function, if it is one this driver brings up. */
static const struct hpcap_chip *hpcap_chip_of(struct pci_dev *pdev)
{
	static const struct hpcap_chip *const chips[] = {
		&hpcap_chip_82576, &hpcap_chip_82599,
	};
	const u16 *id;
	int i;

	if (pdev->vendor != PCI_VENDOR_ID_INTEL)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(chips); i++)
		for (id = chips[i]->device_ids; *id; id++)
			if (*id == pdev->device)
				return chips[i];
	return NULL;
}

static int hpcap_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	const struct hpcap_chip *chip = hpcap_chip_of(pdev);
	struct hpcap_adapter_cfg cfg;
	struct hpcap_adapter *ad;
	struct net_device *netdev;
	struct hpcap_nic *nic;
	int err, num, i;
	u8 mac[ETH_ALEN];

	if (!chip) {
		dev_err(&pdev->dev, "hpcap drives copper Intel 82576 and SFP+ 82599 ports only (this is %04x:%04x); give it back to its driver\n",
			pdev->vendor, pdev->device);
		return -ENODEV;
	}
	err = pcim_enable_device(pdev);
	if (err)
		return err;
	err = pcim_iomap_regions(pdev, BIT(0), "hpcap");
	if (err)
		return err;
	err = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (err)
		return err;
	pci_set_master(pdev);

	nic = hpcap_kzalloc(sizeof(*nic), GFP_KERNEL);
	if (!nic) {
		dev_err(&pdev->dev, "no memory for the port's state\n");
		return -ENOMEM;
	}
	nic->pdev = pdev;
	nic->chip = chip;
	nic->hw = pcim_iomap_table(pdev)[0];
	mutex_init(&nic->lock);
	spin_lock_init(&nic->stats_lock);
	INIT_DELAYED_WORK(&nic->housekeeping, hpcap_housekeeping);

	/*
	 * Settings are indexed by adapter number: the port's place in ports=,
	 * or the lowest free number, taken before reading them.
	 */
	hpcap_adapter_cfg_init(&cfg);
	cfg.ops = &hpcap_native_ops;
	cfg.want_id = hpcap_port_number(pdev);
	ad = hpcap_adapter_reserve(&cfg);
	if (IS_ERR(ad)) {
		err = PTR_ERR(ad);
		dev_err(&pdev->dev, "cannot take adapter number %d: %d\n",
			cfg.want_id, err);
		goto err_nic;
	}
	num = ad->id;
	nic->nrxq = clamp_t(u32, hpcap_nrxq[num] > 0 ? hpcap_nrxq[num] : 1, 1,
			    min_t(u32, chip->max_queues, HPCAP_MAX_QUEUES));
	cfg.nqueues = nic->nrxq;
	if (hpcap_bufmb[num] > 0)
		cfg.buf_size = (u64)hpcap_bufmb[num] << 20;
	cfg.caplen = hpcap_caplen[num] > 0 ? hpcap_caplen[num] : 0;
	cfg.huge = hpcap_huge[num];
	cfg.node = dev_to_node(&pdev->dev);
	cfg.priv = nic;
	err = hpcap_adapter_start(ad, &cfg);
	if (err < 0) {
		dev_err(&pdev->dev, "cannot set up capture buffers: %d\n", err);
		hpcap_adapter_abandon(ad);
		goto err_nic;
	}
	nic->ad = ad;
	nic->speed = hpcap_vel[num] > 0 ? hpcap_vel[num] : 0;
	nic->first_cpu = hpcap_core[num];
	if (nic->first_cpu < 0)
		nic->auto_base = hpcap_auto_take(num, nic->nrxq);
	nic->jumbo = hpcap_jumbo[num];
	/* A power of two that holds the largest frame accepted. */
	nic->buf_size = nic->jumbo ? 16384 : 2048;
	nic->rx_bsize = hpcap_fault_rx_bsize(nic->buf_size);

	err = chip->reset(nic);
	if (err) {
		dev_err(&pdev->dev, "reset failed (%d)\n", err);
		goto err_adapter;
	}
	for (i = 0; i < nic->nrxq; i++) {
		err = hpcap_alloc_queue_mem(nic, i);
		if (err) {
			dev_err(&pdev->dev, "no memory for the descriptors and packet buffers of queue %d\n",
				i);
			goto err_mem;
		}
	}
	if (hpcap_dup[num]) {
		err = hpcap_native_set_dup(ad, true);
		if (err) {
			dev_err(&pdev->dev, "no memory for the duplicate tables\n");
			goto err_mem;
		}
	}
	/*
	 * Named hpcapN by the driver, and said so (a predictable name), so
	 * that udev's naming policy leaves it alone: params.cfg, the monitors
	 * and install_hpcap.bash know the port by that name.
	 */
	netdev = hpcap_alloc_netdev(sizeof(nic), ad->name, NET_NAME_PREDICTABLE,
				    ether_setup);
	if (!netdev) {
		err = -ENOMEM;
		dev_err(&pdev->dev, "no memory for the network interface\n");
		goto err_mem;
	}
	*(struct hpcap_nic **)netdev_priv(netdev) = nic;
	nic->netdev = netdev;
	chip->read_mac(nic, mac);
	eth_hw_addr_set(netdev, mac);
	netdev->netdev_ops = &hpcap_netdev_ops;
	netdev->ethtool_ops = &hpcap_ethtool_ops;
	netdev->min_mtu = ETH_MIN_MTU;
	/* What the receive path accepts (RLPML, MAXFRS): 1522 with a tag,
	 * or the jumbo size. */
	netdev->max_mtu = nic->jumbo ? chip->max_frame - ETH_HLEN - ETH_FCS_LEN
				     : ETH_DATA_LEN;
	SET_NETDEV_DEV(netdev, &pdev->dev);
	netif_carrier_off(netdev);
	err = chip->setup_link(nic);
	if (err)
		dev_warn(&pdev->dev, "link setup failed (%d); capture will wait for link\n",
			 err);
	err = register_netdev(netdev);
	if (err) {
		dev_err(&pdev->dev, "cannot register %s: %d\n", ad->name, err);
		goto err_netdev;
	}
	pci_set_drvdata(pdev, nic);
	schedule_delayed_work(&nic->housekeeping, HZ / 10);
	netdev_info(netdev, "%s port %s: adapter %u, %u RX queue%s, buffers of %llu MiB%s%s\n",
		    chip->name, pci_name(pdev), num, nic->nrxq,
		    nic->nrxq == 1 ? "" : "s", cfg.buf_size >> 20,
		    cfg.huge ? " (2 MiB pages)" : "",
		    hpcap_native_get_dup(ad) ? ", duplicate removal on" : "");
	return 0;

err_netdev:
	hpcap_free_netdev(netdev);
err_mem:
	/* Receive was never enabled, but the memory goes only once the
	 * NIC can not write to it. */
	chip->reset(nic);
	pci_clear_master(pdev);
	hpcap_native_set_dup(ad, false);
	for (i = 0; i < nic->nrxq; i++)
		hpcap_free_queue_mem(nic, i);
err_adapter:
	if (nic->first_cpu < 0)
		hpcap_auto_give_back(num);
	mutex_lock(&hpcap_mutex);
	hpcap_adapter_detach(ad);
	mutex_unlock(&hpcap_mutex);
err_nic:
	hpcap_kfree(nic);
	return err;
}

static void hpcap_remove(struct pci_dev *pdev)
{
	struct hpcap_nic *nic = pci_get_drvdata(pdev);
	struct hpcap_adapter *ad = nic->ad;
	u32 i, num = ad->id;
	int err;

	mutex_lock(&nic->lock);
	nic->removing = true;	/* no dup table may appear from now on */
	mutex_unlock(&nic->lock);
	/* The carrier work touches the netdev: stop it first. */
	cancel_delayed_work_sync(&nic->housekeeping);
	/* Stops the poll threads (ndo_stop) if the port is up. */
	unregister_netdev(nic->netdev);
	/* Quiesce the NIC, and whatever the reset did, take away its right
	 * to write to memory: its receive memory goes next. */
	err = nic->chip->reset(nic);
	if (!err && hpcap_fault_reset_fails())
		err = -ETIMEDOUT;
	if (err)
		dev_err(&pdev->dev, "reset failed (%d); bus mastering turned off before the receive memory is freed\n",
			err);
	pci_clear_master(pdev);
	hpcap_native_set_dup(ad, false);
	for (i = 0; i < nic->nrxq; i++)
		hpcap_free_queue_mem(nic, i);
	if (nic->first_cpu < 0)
		hpcap_auto_give_back(num);
	mutex_lock(&hpcap_mutex);
	hpcap_adapter_detach(ad);
	mutex_unlock(&hpcap_mutex);
	hpcap_free_netdev(nic->netdev);
	hpcap_kfree(nic);
}

/* Empty: hpcap binds only ports whose driver_override names it. */
static const struct pci_device_id hpcap_pci_ids[] = {
	{ 0, }
};

static struct pci_driver hpcap_pci_driver = {
	.name = "hpcap",
	.id_table = hpcap_pci_ids,
	.probe = hpcap_probe,
	.remove = hpcap_remove,
};

int hpcap_native_init(void)
{
	hpcap_source_register(&hpcap_native_ops);
	return pci_register_driver(&hpcap_pci_driver);
}

void hpcap_native_exit(void)
{
	pci_unregister_driver(&hpcap_pci_driver);
	hpcap_source_unregister(&hpcap_native_ops);
}
