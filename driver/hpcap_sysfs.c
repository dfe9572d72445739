// SPDX-License-Identifier: GPL-2.0
/*
 * hpcap_sysfs.c - /sys/class/hpcap: attach, detach and the list of
 * adapters; per queue device (hpcap_N_Q) its identity, sizes, counters and
 * listeners, one value per file, for the monitors and status tools.
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "hpcap_compat.h"
#include "hpcap_adapter.h"

/* ---- class attributes ---- */

static ssize_t attach_store(HPCAP_CLASS_CONST struct class *c,
			    HPCAP_CLASS_CONST struct class_attribute *a,
			    const char *buf, size_t count)
{
	int ret;

	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	ret = hpcap_control_attach(buf);
	return ret < 0 ? ret : (ssize_t)count;
}

static ssize_t detach_store(HPCAP_CLASS_CONST struct class *c,
			    HPCAP_CLASS_CONST struct class_attribute *a,
			    const char *buf, size_t count)
{
	int ret;

	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	ret = hpcap_control_detach(buf);
	return ret < 0 ? ret : (ssize_t)count;
}

/* One line per adapter: id name source queues caplen. */
static ssize_t adapters_show(HPCAP_CLASS_CONST struct class *c,
			     HPCAP_CLASS_CONST struct class_attribute *a,
			     char *buf)
{
	ssize_t n = 0;
	u32 i;

	mutex_lock(&hpcap_mutex);
	for (i = 0; i < HPCAP_MAX_ADAPTERS; i++) {
		struct hpcap_adapter *ad = hpcap_adapter_by_id(i);

		if (ad)
			n += sysfs_emit_at(buf, n, "%u %s %s %u %u\n", ad->id,
					   ad->name, hpcap_adapter_source_name(ad),
					   ad->nqueues, READ_ONCE(ad->caplen));
	}
	mutex_unlock(&hpcap_mutex);
	return n;
}

static CLASS_ATTR_WO(attach);
static CLASS_ATTR_WO(detach);
static CLASS_ATTR_RO(adapters);

static struct attribute *hpcap_class_attrs[] = {
	&class_attr_attach.attr,
	&class_attr_detach.attr,
	&class_attr_adapters.attr,
	NULL,
};
static const struct attribute_group hpcap_class_group = {
	.attrs = hpcap_class_attrs,
};

const struct attribute_group *hpcap_class_groups[] = {
	&hpcap_class_group,
	NULL,
};

/* ---- queue device attributes ---- */

static struct hpcap_queue *to_queue(struct device *dev)
{
	return dev_get_drvdata(dev);
}

static ssize_t adapter_show(struct device *dev, struct device_attribute *a,
			    char *buf)
{
	return sysfs_emit(buf, "%u\n", to_queue(dev)->adapter_id);
}

static ssize_t queue_show(struct device *dev, struct device_attribute *a,
			  char *buf)
{
	return sysfs_emit(buf, "%u\n", to_queue(dev)->index);
}

/*
 * The adapter behind a queue.  No hpcap_mutex here: detach removes these
 * files (waiting for readers) while holding it.  q->ad stays valid while
 * a read runs, because the files go before the adapter does.
 */
static struct hpcap_adapter *to_adapter(struct device *dev)
{
	return READ_ONCE(to_queue(dev)->ad);
}

static ssize_t ifname_show(struct device *dev, struct device_attribute *a,
			   char *buf)
{
	struct hpcap_adapter *ad = to_adapter(dev);
	char name[IFNAMSIZ];

	/* a rename may be under way: copy, bounded */
	strscpy(name, ad ? ad->name : "", sizeof(name));
	return sysfs_emit(buf, "%s\n", name);
}

static ssize_t source_show(struct device *dev, struct device_attribute *a,
			   char *buf)
{
	struct hpcap_adapter *ad = to_adapter(dev);

	return sysfs_emit(buf, "%s\n", ad ? hpcap_adapter_source_name(ad) : "");
}

static ssize_t caplen_show(struct device *dev, struct device_attribute *a,
			   char *buf)
{
	struct hpcap_adapter *ad = to_adapter(dev);

	return sysfs_emit(buf, "%u\n", ad ? READ_ONCE(ad->caplen) : 0);
}

/* Runtime caplen change, for the whole adapter. */
static ssize_t caplen_store(struct device *dev, struct device_attribute *a,
			    const char *buf, size_t count)
{
	struct hpcap_adapter *ad = to_adapter(dev);
	u32 v;
	int err;

	/* Like attach and detach: root in a container without it may not. */
	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	err = kstrtou32(buf, 10, &v);
	if (err)
		return err;
	if (!v || v > HPCAP_MAX_CAPLEN)
		return -EINVAL;
	if (!ad || ad->ops->fixed_caplen)
		return -EOPNOTSUPP;	/* e.g. synthetic frames */
	WRITE_ONCE(ad->caplen, v);
	return count;
}

/* Duplicate removal (native ports), for the whole adapter, at runtime. */
static ssize_t dup_show(struct device *dev, struct device_attribute *a,
			char *buf)
{
	struct hpcap_adapter *ad = to_adapter(dev);

	return sysfs_emit(buf, "%d\n", ad && ad->ops->get_dup ?
			  ad->ops->get_dup(ad) : 0);
}

static ssize_t dup_store(struct device *dev, struct device_attribute *a,
			 const char *buf, size_t count)
{
	struct hpcap_adapter *ad = to_adapter(dev);
	bool on;
	int err;

	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	err = kstrtobool(buf, &on);
	if (err)
		return err;
	if (!ad || !ad->ops->set_dup)
		return -EOPNOTSUPP;	/* needs the NIC's RSS hash */
	err = ad->ops->set_dup(ad, on);
	return err ? err : (ssize_t)count;
}

static ssize_t buf_size_show(struct device *dev, struct device_attribute *a,
			     char *buf)
{
	return sysfs_emit(buf, "%llu\n", to_queue(dev)->ring.size);
}

static ssize_t file_size_show(struct device *dev, struct device_attribute *a,
			      char *buf)
{
	return sysfs_emit(buf, "%llu\n", to_queue(dev)->ring.file_size);
}

static ssize_t write_pos_show(struct device *dev, struct device_attribute *a,
			      char *buf)
{
	struct hpcap_queue *q = to_queue(dev);

	return sysfs_emit(buf, "%llu\n",
			  smp_load_acquire(&q->ring.info->write_pos));
}

/* "name value" per line, the names of struct hpcap_queue_stats. */
static ssize_t stats_show(struct device *dev, struct device_attribute *a,
			  char *buf)
{
	struct hpcap_queue *q = to_queue(dev);
	struct hpcap_queue_stats s;

	spin_lock_bh(&q->lock);
	hpcap_ring_queue_stats(&q->ring, &s);
	spin_unlock_bh(&q->lock);
	return sysfs_emit(buf,
			  "rx_frames %llu\nrx_bytes %llu\ncaptured_frames %llu\n"
			  "captured_bytes %llu\nclient_lost_frames %llu\n"
			  "client_lost_bytes %llu\nnoclient_frames %llu\n"
			  "noclient_bytes %llu\ndup_frames %llu\n"
			  "oversize_frames %llu\nlisteners %u\n",
			  s.rx_frames, s.rx_bytes, s.captured_frames,
			  s.captured_bytes, s.client_lost_frames,
			  s.client_lost_bytes, s.noclient_frames,
			  s.noclient_bytes, s.dup_frames, s.oversize_frames,
			  s.listeners);
}

/* "name value" per line: what only the queue's source counts. */
static ssize_t source_stats_show(struct device *dev,
				 struct device_attribute *a, char *buf)
{
	struct hpcap_queue *q = to_queue(dev);
	struct hpcap_adapter *ad = to_adapter(dev);
	struct hpcap_source_counter c[HPCAP_SOURCE_MAX_COUNTERS];
	ssize_t len = 0;
	u32 i, n;

	if (!ad || !ad->ops->stats)
		return 0;
	n = ad->ops->stats(ad, q->index, c, ARRAY_SIZE(c));
	for (i = 0; i < n; i++)
		len += sysfs_emit_at(buf, len, "%s %llu\n", c[i].name,
				     c[i].value);
	return len;
}

/* One line per listener: id mode read_pos acked lost_frames lost_bytes. */
static ssize_t listeners_show(struct device *dev, struct device_attribute *a,
			      char *buf)
{
	struct hpcap_queue *q = to_queue(dev);
	struct hpcap_listener_stats ls[HPCAP_MAX_LISTENERS];
	int i, n = 0;
	ssize_t len = 0;

	spin_lock_bh(&q->lock);
	for (i = 0; i < (int)HPCAP_MAX_LISTENERS; i++)
		if (q->ring.lst[i].active)
			hpcap_ring_listener_stats(&q->ring, i, &ls[n++]);
	spin_unlock_bh(&q->lock);
	for (i = 0; i < n; i++)
		len += sysfs_emit_at(buf, len, "%u %s %llu %llu %llu %llu\n",
				     ls[i].id, ls[i].mode == HPCAP_MODE_LOSSY ?
				     "lossy" : "lossless", ls[i].read_pos,
				     ls[i].acked_bytes, ls[i].lost_frames,
				     ls[i].lost_bytes);
	return len;
}

static DEVICE_ATTR_RO(adapter);
static DEVICE_ATTR_RO(queue);
static DEVICE_ATTR_RO(ifname);
static DEVICE_ATTR_RO(source);
static DEVICE_ATTR_RW(caplen);
static DEVICE_ATTR_RW(dup);
static DEVICE_ATTR_RO(buf_size);
static DEVICE_ATTR_RO(file_size);
static DEVICE_ATTR_RO(write_pos);
static DEVICE_ATTR_RO(stats);
static DEVICE_ATTR_RO(source_stats);
static DEVICE_ATTR_RO(listeners);

static struct attribute *hpcap_queue_attrs[] = {
	&dev_attr_adapter.attr,
	&dev_attr_queue.attr,
	&dev_attr_ifname.attr,
	&dev_attr_source.attr,
	&dev_attr_caplen.attr,
	&dev_attr_dup.attr,
	&dev_attr_buf_size.attr,
	&dev_attr_file_size.attr,
	&dev_attr_write_pos.attr,
	&dev_attr_stats.attr,
	&dev_attr_source_stats.attr,
	&dev_attr_listeners.attr,
	NULL,
};
static const struct attribute_group hpcap_queue_group = {
	.attrs = hpcap_queue_attrs,
};

const struct attribute_group *hpcap_queue_groups[] = {
	&hpcap_queue_group,
	NULL,
};
