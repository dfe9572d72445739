// SPDX-License-Identifier: BSD-3-Clause
/*
 * port.c - an AF_XDP capture port from start to end: the checks first,
 * then the best XDP mode the driver and the caller allow (zero-copy,
 * native copy, generic), each step undone if a later one fails, so the
 * interface is either fully set up or left as it was.
 */
#define _GNU_SOURCE
#include "preflight.h"

#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const mode_names[HXDP_NMODES] = { "zc", "copy", "skb" };

const char *hxdp_mode_name(enum hxdp_mode m)
{
	return (unsigned)m < HXDP_NMODES ? mode_names[m] : "?";
}

int hxdp_parse_modes(const char *s)
{
	char buf[64], *tok, *save = NULL;
	int bits = 0;
	unsigned m;

	if (!s || !*s || strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (m = 0; m < HXDP_NMODES; m++)
			if (!strcmp(tok, mode_names[m]))
				break;
		if (m == HXDP_NMODES)
			return -EINVAL;
		bits |= (int)HXDP_ALLOW(m);
	}
	return bits ? bits : -EINVAL;
}

static int is_pow2(unsigned v)
{
	return v && !(v & (v - 1));
}

static int check_opts(const struct hxdp_opts *o, char *errbuf)
{
	unsigned i, j;

	if (!o->ifname || !*o->ifname || strlen(o->ifname) >= IF_NAMESIZE)
		return hxdp_err(errbuf, -EINVAL, "no interface name");
	if (!o->nqueues || o->nqueues > HXDP_MAX_QUEUES)
		return hxdp_err(errbuf, -EINVAL,
				"between 1 and %u queues per port",
				HXDP_MAX_QUEUES);
	for (i = 0; i < o->nqueues; i++)
		for (j = 0; j < i; j++)
			if (o->queues[i] == o->queues[j])
				return hxdp_err(errbuf, -EINVAL,
						"queue %u is given twice",
						o->queues[i]);
	if (o->frame_size && o->frame_size != 2048 && o->frame_size != 4096)
		return hxdp_err(errbuf, -EINVAL,
				"UMEM frames are 2048 or 4096 bytes");
	if (o->nframes && (!is_pow2(o->nframes) || o->nframes < 64))
		return hxdp_err(errbuf, -EINVAL,
				"UMEM frames per queue: a power of 2, at least 64");
	if (o->rx_size && (!is_pow2(o->rx_size) ||
			   o->rx_size > (o->nframes ? o->nframes :
					 HXDP_DEF_NFRAMES)))
		return hxdp_err(errbuf, -EINVAL,
				"RX ring size: a power of 2, at most the UMEM frames");
	return 0;
}

/* The checks that need no change to the interface. */
static int preflight(struct hxdp_port *p, const struct hxdp_opts *o,
		     char *errbuf)
{
	uint64_t need;
	int ipc_lock = 0, err;
	unsigned i;

	p->ifindex = (int)if_nametoindex(o->ifname);
	if (!p->ifindex)
		return hxdp_err(errbuf, -ENODEV,
				"no interface %s here (ip -br link lists them; a namespace's interfaces need ip netns exec)",
				o->ifname);
	err = hxdp_check_caps(&ipc_lock, errbuf);
	if (err)
		return err;
	err = hxdp_check_af_xdp(errbuf);
	if (err)
		return err;
	p->nic_queues = hxdp_rx_queues(o->ifname);
	for (i = 0; p->nic_queues > 0 && i < o->nqueues; i++)
		if (o->queues[i] >= (unsigned)p->nic_queues)
			return hxdp_err(errbuf, -EINVAL,
					"%s has %d RX queue%s (0..%d), not queue %u: capture fewer, or give it more (ethtool -L %s combined N, or rx N)",
					o->ifname, p->nic_queues,
					p->nic_queues == 1 ? "" : "s",
					p->nic_queues - 1, o->queues[i],
					o->ifname);
	need = (uint64_t)o->nqueues *
		(o->frame_size ? o->frame_size : HXDP_DEF_FRAME_SIZE) *
		(o->nframes ? o->nframes : HXDP_DEF_NFRAMES);
	err = hxdp_check_memlock(need, ipc_lock, errbuf);
	if (err)
		return err;
	p->numa_node = o->numa_node >= 0 ? o->numa_node :
		hxdp_nic_node(o->ifname);
	return 0;
}

static void close_queues(struct hxdp_port *p)
{
	unsigned i;

	for (i = 0; i < p->nqueues; i++)
		hxdp_queue_close(&p->q[i]);
	p->nqueues = 0;
}

/* Sockets for every queue in one mode; all or none. */
static int open_queues(struct hxdp_port *p, const struct hxdp_opts *o,
		       int zero_copy)
{
	unsigned i;
	int err;

	for (i = 0; i < o->nqueues; i++) {
		err = hxdp_queue_open(p, &p->q[i], o->queues[i], zero_copy, o);
		if (err) {
			close_queues(p);
			return err;
		}
		p->nqueues = i + 1;
	}
	for (i = 0; i < p->nqueues; i++) {
		err = hxdp_prog_add_socket(p, &p->q[i]);
		if (err) {
			close_queues(p);
			return err;
		}
	}
	return 0;
}

/* Try each allowed mode, best first.  0, or the error that stopped. */
static int pick_mode(struct hxdp_port *p, const struct hxdp_opts *o,
		     unsigned modes)
{
	unsigned max_queue = 0, i;
	int no_native = 0, err = -EOPNOTSUPP, drv;
	enum hxdp_mode m;

	for (i = 0; i < o->nqueues; i++)
		if (o->queues[i] > max_queue)
			max_queue = o->queues[i];
	for (m = HXDP_MODE_ZC; m < HXDP_NMODES; m++) {
		if (!(modes & HXDP_ALLOW(m)))
			continue;
		drv = m != HXDP_MODE_SKB;
		if (drv && no_native)
			continue;
		if (p->prog_mode != (drv ? XDP_FLAGS_DRV_MODE :
				     XDP_FLAGS_SKB_MODE)) {
			hxdp_prog_detach(p);
			err = hxdp_prog_attach(p, drv, o->ts != HXDP_TS_KERNEL,
					       o->ts == HXDP_TS_NIC, max_queue);
			if (p->no_native) {
				no_native = 1;
				hxdp_note(p->notes, "%s", p->err);
				continue;
			}
			if (err)
				return err;
		}
		err = open_queues(p, o, m == HXDP_MODE_ZC);
		if (!err) {
			p->mode = m;
			return 0;
		}
		if (m == HXDP_MODE_ZC && err == -EOPNOTSUPP) {
			hxdp_note(p->notes, "%s", p->err);
			continue;
		}
		return err;
	}
	hxdp_prog_detach(p);
	return hxdp_err(p->err, -EOPNOTSUPP,
			"no XDP mode allowed by --xdp-mode works on %s (%s)%s",
			p->ifname, p->notes,
			modes & HXDP_ALLOW(HXDP_MODE_SKB) ? "" :
			": generic XDP (--xdp-mode zc,copy,skb) works on any interface, at about the speed of the hpcap module's generic source");
}

int hxdp_port_open(struct hxdp_port **out, const struct hxdp_opts *o,
		   char *errbuf)
{
	unsigned modes = o->modes ? o->modes :
		HXDP_ALLOW(HXDP_MODE_ZC) | HXDP_ALLOW(HXDP_MODE_COPY);
	struct hxdp_port *p;
	int err;

	*out = NULL;
	err = check_opts(o, errbuf);
	if (err)
		return err;
	p = calloc(1, sizeof(*p));
	if (!p)
		return hxdp_err(errbuf, -ENOMEM, "out of memory");
	p->link_fd = -1;
	p->xsks_map_fd = -1;
	p->lock_fd = -1;
	p->attach = o->attach;
	snprintf(p->ifname, sizeof(p->ifname), "%s", o->ifname);
	hxdp_capture_lib_messages();
	err = preflight(p, o, errbuf);
	if (err)
		goto fail;
	p->lock_fd = hxdp_lock_port(p->ifindex, p->ifname, errbuf);
	if (p->lock_fd < 0) {
		err = p->lock_fd;
		goto fail;
	}
	err = hxdp_prog_remove_stale(p->ifindex, p->ifname, p->notes, errbuf);
	if (err < 0)
		goto fail;
	err = pick_mode(p, o, modes);
	if (err) {
		snprintf(errbuf, HXDP_ERRBUF_SIZE, "%s", p->err);
		goto fail;
	}
	*out = p;
	return 0;
fail:
	hxdp_port_close(p);
	return err;
}

void hxdp_port_close(struct hxdp_port *p)
{
	if (!p)
		return;
	/* Sockets first: their map entries go with them, and frames pass
	 * to the stack until the program goes too. */
	close_queues(p);
	hxdp_prog_detach(p);
	if (p->lock_fd >= 0)
		close(p->lock_fd);
	free(p);
}

int hxdp_cleanup(const char *ifname, char *errbuf)
{
	char notes[HXDP_ERRBUF_SIZE] = "";
	int ifindex = (int)if_nametoindex(ifname), fd, err;

	if (!ifindex)
		return hxdp_err(errbuf, -ENODEV, "no interface %s here",
				ifname);
	hxdp_capture_lib_messages();
	fd = hxdp_lock_port(ifindex, ifname, errbuf);
	if (fd < 0)
		return fd;
	err = hxdp_prog_remove_stale(ifindex, ifname, notes, errbuf);
	close(fd);
	return err;
}

static uint64_t read_stat(const char *ifname, const char *name)
{
	char path[160];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", ifname,
		 name);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

int hxdp_nic_stats(const char *ifname, struct hxdp_nic_stats *s)
{
	s->rx_packets = read_stat(ifname, "rx_packets");
	s->rx_dropped = read_stat(ifname, "rx_dropped");
	s->rx_missed = read_stat(ifname, "rx_missed_errors") +
		read_stat(ifname, "rx_fifo_errors");
	return 0;
}
