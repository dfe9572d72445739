// SPDX-License-Identifier: GPL-2.0
/*
 * hpcap_control.c - attach and detach capture sources: text requests (from
 * /sys/class/hpcap/attach, /sys/class/hpcap/detach and the attach= module
 * parameter) and the same through ioctls on /dev/hpcap_ctl.
 *
 *   attach: <ifname> [mirror|drop] [caplen=N] [bufsize=SIZE]
 *                    [filesize=SIZE] [queues=N] [adapter=N]
 *           synth <name> [sizes=64,1500,...] [rate=FPS] [count=N]
 *                    [bufsize=SIZE] [filesize=SIZE] [adapter=N]
 *   detach: <ifname|name|adapter-number>
 *
 * Lock order: rtnl, then hpcap_mutex.
 */
#include <linux/capability.h>
#include <linux/miscdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "hpcap_priv.h"

struct hpcap_req {
	char name[IFNAMSIZ];
	bool synth;
	bool net_opts;		/* an option only a network source takes */
	u32 mode, caplen, queues;
	int adapter;
	u64 buf_size, file_size;
	u32 sizes[8];
	u32 nsizes;
	u64 rate, count;
};

static int hpcap_parse_sizes(struct hpcap_req *r, char *v)
{
	char *tok;

	r->nsizes = 0;
	while ((tok = strsep(&v, ","))) {
		u32 n;

		if (r->nsizes == ARRAY_SIZE(r->sizes) || kstrtou32(tok, 10, &n) ||
		    n < 14 || n > HPCAP_MAX_CAPLEN)
			return -EINVAL;
		r->sizes[r->nsizes++] = n;
	}
	return r->nsizes ? 0 : -EINVAL;
}

/* Decimal bytes with an optional K, M or G (binary) suffix; never octal. */
static int hpcap_parse_size(char *v, u64 *out)
{
	size_t n = strlen(v);
	unsigned int shift = 0;
	int err;

	if (n && (v[n - 1] == 'K' || v[n - 1] == 'k'))
		shift = 10;
	else if (n && (v[n - 1] == 'M' || v[n - 1] == 'm'))
		shift = 20;
	else if (n && (v[n - 1] == 'G' || v[n - 1] == 'g'))
		shift = 30;
	if (shift)
		v[n - 1] = '\0';
	err = kstrtou64(v, 10, out);
	if (err || !*out || *out > (U64_MAX >> shift))
		return -EINVAL;
	*out <<= shift;
	return 0;
}

static int hpcap_parse_req(char *buf, struct hpcap_req *r)
{
	char *tok, *v;
	int err = 0;
	u32 id;

	memset(r, 0, sizeof(*r));
	r->adapter = -1;
	r->buf_size = READ_ONCE(hpcap_default_buf_size);
	r->file_size = READ_ONCE(hpcap_default_file_size);
	r->sizes[0] = 64;
	r->nsizes = 1;
	buf = strim(buf);
	tok = strsep(&buf, " \t");
	if (tok && !strcmp(tok, "synth")) {
		r->synth = true;
		tok = strsep(&buf, " \t");
	}
	if (!tok || !*tok || strlen(tok) >= IFNAMSIZ)
		return -EINVAL;
	strscpy(r->name, tok, sizeof(r->name));
	while (!err && (tok = strsep(&buf, " \t"))) {
		if (!*tok)
			continue;
		v = strchr(tok, '=');
		if (v)
			*v++ = '\0';
		if (!v && !strcmp(tok, "mirror")) {
			r->mode = HPCAP_ATTACH_MIRROR;
			r->net_opts = true;
		} else if (!v && !strcmp(tok, "drop")) {
			r->mode = HPCAP_ATTACH_DROP;
			r->net_opts = true;
		} else if (v && !strcmp(tok, "caplen")) {
			err = kstrtou32(v, 10, &r->caplen);
			if (!err && r->caplen > HPCAP_MAX_CAPLEN)
				err = -EINVAL;
			r->net_opts = true;
		} else if (v && !strcmp(tok, "queues")) {
			err = kstrtou32(v, 10, &r->queues);
			r->net_opts = true;
		} else if (v && !strcmp(tok, "adapter")) {
			err = kstrtou32(v, 10, &id);
			if (!err && id >= HPCAP_MAX_ADAPTERS)
				err = -EINVAL;
			r->adapter = id;
		} else if (v && !strcmp(tok, "bufsize")) {
			err = hpcap_parse_size(v, &r->buf_size);
		} else if (v && !strcmp(tok, "filesize")) {
			err = hpcap_parse_size(v, &r->file_size);
		} else if (v && r->synth && !strcmp(tok, "sizes")) {
			err = hpcap_parse_sizes(r, v);
		} else if (v && r->synth && !strcmp(tok, "rate")) {
			err = kstrtou64(v, 10, &r->rate);
		} else if (v && r->synth && !strcmp(tok, "count")) {
			err = kstrtou64(v, 10, &r->count);
		} else {
			err = -EINVAL;
		}
	}
	if (err) {
		pr_err("hpcap: bad request option '%s'\n", tok);
		return err;
	}
	if (r->synth && r->net_opts) {
		pr_err("hpcap: synthetic source %s takes sizes=, rate=, count=, bufsize=, filesize= and adapter= only\n",
		       r->name);
		return -EINVAL;
	}
	return 0;
}

static int hpcap_attach_synth(struct hpcap_req *r)
{
	struct hpcap_adapter *ad;
	int err;

	mutex_lock(&hpcap_mutex);
	ad = hpcap_adapter_new(r->adapter, HPCAP_SRC_SYNTH, r->name, 1,
			       r->buf_size, r->file_size, 0, false, NUMA_NO_NODE);
	if (IS_ERR(ad)) {
		err = PTR_ERR(ad);
		pr_err("hpcap: cannot create synthetic source %s: %s (%d)\n",
		       r->name, hpcap_adapter_strerror(err), err);
		goto out;
	}
	memcpy(ad->synth_sizes, r->sizes, sizeof(r->sizes));
	ad->synth_nsizes = r->nsizes;
	ad->synth_rate = r->rate;
	ad->synth_count = r->count;
	err = hpcap_synth_start(ad);
	if (err)
		hpcap_adapter_free(ad);
	else
		pr_info("hpcap: synthetic source %s is adapter %u\n", ad->name,
			ad->id);
out:
	mutex_unlock(&hpcap_mutex);
	return err;
}

/* Attach by request text; returns the adapter number or a negative errno. */
int hpcap_control_attach(const char *req)
{
	struct hpcap_req r;
	u32 id;
	char *buf;
	int err;

	buf = kstrdup(req, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	err = hpcap_parse_req(buf, &r);
	kfree(buf);
	if (err)
		return err;
	if (r.synth)
		return hpcap_attach_synth(&r);
	err = hpcap_generic_attach(r.name, r.mode, r.caplen, r.buf_size,
				   r.file_size, r.queues, r.adapter, &id);
	return err ? err : (int)id;
}

/* Called with rtnl and hpcap_mutex held. */
int hpcap_detach_adapter(struct hpcap_adapter *ad)
{
	switch (ad->kind) {
	case HPCAP_SRC_GENERIC:
		hpcap_generic_detach(ad);
		break;
	case HPCAP_SRC_SYNTH:
		hpcap_synth_stop(ad);
		break;
	case HPCAP_SRC_NATIVE:
		/* A NIC port goes with its PCI binding (unbind it). */
		return -EOPNOTSUPP;
	}
	pr_info("hpcap: adapter %u (%s) detached\n", ad->id, ad->name);
	hpcap_adapter_free(ad);
	return 0;
}

int hpcap_control_detach(const char *req)
{
	struct hpcap_adapter *ad;
	char name[IFNAMSIZ];
	u32 id;
	int err;

	char buf[64], *p;

	/* echo adds a newline: trim before judging the length */
	if (strscpy(buf, req, sizeof(buf)) < 0)
		return -EINVAL;
	p = strim(buf);
	if (strscpy(name, p, sizeof(name)) < 0)
		return -EINVAL;
	rtnl_lock();
	mutex_lock(&hpcap_mutex);
	ad = hpcap_adapter_find(name);
	if (!ad && !kstrtou32(name, 10, &id))
		ad = hpcap_adapter_by_id(id);
	err = ad ? hpcap_detach_adapter(ad) : -ENOENT;
	mutex_unlock(&hpcap_mutex);
	rtnl_unlock();
	return err;
}

/* ---- /dev/hpcap_ctl ---- */

static long hpcap_ctl_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct hpcap_attach a;
	int err;

	if (cmd != HPCAP_IOC_ATTACH && cmd != HPCAP_IOC_DETACH)
		return -ENOTTY;
	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	if (copy_from_user(&a, (void __user *)arg, sizeof(a)))
		return -EFAULT;
	if (a.reserved || a.mode > HPCAP_ATTACH_DROP ||
	    strnlen(a.ifname, sizeof(a.ifname)) == sizeof(a.ifname) ||
	    !a.ifname[0])
		return -EINVAL;
	if (cmd == HPCAP_IOC_DETACH)
		return hpcap_control_detach(a.ifname);
	err = hpcap_generic_attach(a.ifname, a.mode, a.caplen,
				   READ_ONCE(hpcap_default_buf_size),
				   READ_ONCE(hpcap_default_file_size), 0, -1,
				   &a.adapter);
	if (err)
		return err;
	return copy_to_user((void __user *)arg, &a, sizeof(a)) ? -EFAULT : 0;
}

static const struct file_operations hpcap_ctl_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = hpcap_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice hpcap_ctl_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "hpcap_ctl",
	.fops = &hpcap_ctl_fops,
	.mode = 0600,
};

int hpcap_control_init(void)
{
	return misc_register(&hpcap_ctl_dev);
}

void hpcap_control_exit(void)
{
	misc_deregister(&hpcap_ctl_dev);
}
