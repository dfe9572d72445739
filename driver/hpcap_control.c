// SPDX-License-Identifier: GPL-2.0
/*
 * hpcap_control.c - the ways in for attach and detach requests: text (from
 * /sys/class/hpcap/attach, /sys/class/hpcap/detach and the attach= module
 * parameter) and ioctls on /dev/hpcap_ctl.  Each becomes a struct
 * hpcap_adapter_cfg for the adapter registry (hpcap_adapter.c); what a
 * source does with it is the source's business.
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

#include "hpcap_adapter.h"
#include "hpcap_fault.h"

static int hpcap_parse_sizes(struct hpcap_adapter_cfg *cfg, char *v)
{
	char *tok;

	cfg->nsizes = 0;
	while ((tok = strsep(&v, ","))) {
		u32 n;

		if (cfg->nsizes == ARRAY_SIZE(cfg->sizes) ||
		    kstrtou32(tok, 10, &n) || n < 14 || n > HPCAP_MAX_CAPLEN)
			return -EINVAL;
		cfg->sizes[cfg->nsizes++] = n;
	}
	return cfg->nsizes ? 0 : -EINVAL;
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

/*
 * One option word (v: what follows '=', or NULL).  Sets the HPCAP_OPT_*
 * bit of what it was in *seen; -ENOENT for a word no source takes.
 */
static int hpcap_parse_option(struct hpcap_adapter_cfg *cfg, char *tok,
			      char *v, u32 *seen)
{
	u32 id;
	int err;

	if (!v && !strcmp(tok, "mirror")) {
		cfg->mode = HPCAP_ATTACH_MIRROR;
		*seen |= HPCAP_OPT_MODE;
	} else if (!v && !strcmp(tok, "drop")) {
		cfg->mode = HPCAP_ATTACH_DROP;
		*seen |= HPCAP_OPT_MODE;
	} else if (v && !strcmp(tok, "caplen")) {
		err = kstrtou32(v, 10, &cfg->caplen);
		if (!err && cfg->caplen > HPCAP_MAX_CAPLEN)
			err = -EINVAL;
		*seen |= HPCAP_OPT_CAPLEN;
		return err;
	} else if (v && !strcmp(tok, "queues")) {
		*seen |= HPCAP_OPT_QUEUES;
		return kstrtou32(v, 10, &cfg->max_queues);
	} else if (v && !strcmp(tok, "adapter")) {
		err = kstrtou32(v, 10, &id);
		if (!err && id >= HPCAP_MAX_ADAPTERS)
			err = -EINVAL;
		cfg->want_id = id;
		return err;
	} else if (v && !strcmp(tok, "bufsize")) {
		return hpcap_parse_size(v, &cfg->buf_size);
	} else if (v && !strcmp(tok, "filesize")) {
		return hpcap_parse_size(v, &cfg->file_size);
	} else if (v && !strcmp(tok, "sizes")) {
		*seen |= HPCAP_OPT_SIZES;
		return hpcap_parse_sizes(cfg, v);
	} else if (v && !strcmp(tok, "rate")) {
		*seen |= HPCAP_OPT_RATE;
		return kstrtou64(v, 10, &cfg->rate);
	} else if (v && !strcmp(tok, "count")) {
		*seen |= HPCAP_OPT_COUNT;
		return kstrtou64(v, 10, &cfg->count);
	} else {
		return -ENOENT;
	}
	return 0;
}

/*
 * A request into cfg:
 *   [<source word>] <name> [option...]
 * where a source word ("synth") picks that source, and a request without
 * one names an interface.
 */
static int hpcap_parse_req(char *buf, struct hpcap_adapter_cfg *cfg)
{
	u32 seen = 0;
	char *tok, *v;
	int err = 0;

	hpcap_adapter_cfg_init(cfg);
	buf = strim(buf);
	tok = strsep(&buf, " \t");
	cfg->ops = tok ? hpcap_source_by_kind(tok) : NULL;
	if (cfg->ops)
		tok = strsep(&buf, " \t");
	else
		cfg->ops = hpcap_source_default();
	if (!cfg->ops || !tok || !*tok || strlen(tok) >= IFNAMSIZ)
		return -EINVAL;
	strscpy(cfg->name, tok, sizeof(cfg->name));
	/* Synthetic frames start with the template's 14-byte header. */
	cfg->sizes[0] = 64;
	cfg->nsizes = 1;
	while (!err && (tok = strsep(&buf, " \t"))) {
		if (!*tok)
			continue;
		v = strchr(tok, '=');
		if (v)
			*v++ = '\0';
		err = hpcap_parse_option(cfg, tok, v, &seen);
	}
	if (err) {
		pr_err("hpcap: bad request option '%s'\n", tok);
		return err == -ENOENT ? -EINVAL : err;
	}
	if (seen & ~cfg->ops->options) {
		pr_err("hpcap: %s %s takes %s only\n", cfg->ops->what,
		       cfg->name, cfg->ops->options_help);
		return -EINVAL;
	}
	return 0;
}

/* Attach by request text; returns the adapter number or a negative errno. */
int hpcap_control_attach(const char *req)
{
	struct hpcap_adapter_cfg cfg;
	char *buf;
	int err;

	buf = hpcap_kstrdup(req, GFP_KERNEL);
	if (!buf) {
		pr_err("hpcap: no memory to read the request\n");
		return -ENOMEM;
	}
	err = hpcap_parse_req(buf, &cfg);
	hpcap_kfree(buf);
	if (err)
		return err;
	return hpcap_adapter_attach(&cfg);
}

int hpcap_control_detach(const char *req)
{
	return hpcap_adapter_detach_req(req);
}

/* ---- /dev/hpcap_ctl ---- */

static long hpcap_ctl_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct hpcap_adapter_cfg cfg;
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
	hpcap_adapter_cfg_init(&cfg);
	cfg.ops = hpcap_source_default();
	if (!cfg.ops)
		return -ENODEV;
	strscpy(cfg.name, a.ifname, sizeof(cfg.name));
	cfg.mode = a.mode;
	cfg.caplen = a.caplen;
	err = hpcap_adapter_attach(&cfg);
	if (err < 0)
		return err;
	a.adapter = err;
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
