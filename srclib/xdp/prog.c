// SPDX-License-Identifier: BSD-3-Clause
/*
 * prog.c - hpcap's XDP program on an interface: load one of the two
 * embedded objects (hpcap_xdp.bpf.c built with or without NIC stamps),
 * attach it through a BPF link held by this process or through libxdp's
 * dispatcher, put sockets in its map, detach it, and remove one that a
 * killed instance left behind.
 */
#define _GNU_SOURCE
#include "preflight.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <xdp/libxdp.h>

#ifndef BPF_F_XDP_DEV_BOUND_ONLY
#define BPF_F_XDP_DEV_BOUND_ONLY (1U << 6)	/* Linux 6.3 */
#endif
#define BPF_FS_MAGIC_NUMBER 0xcafe4a11

#define PROG_NAME "hpcap_xdp_rx"
#define MAP_NAME "hpcap_xsks"
#define DISPATCHER_NAME "xdp_dispatcher"

/* The objects the Makefile builds, embedded by objs.c. */
extern const unsigned char hxdp_obj_plain[], hxdp_obj_plain_end[];
extern const unsigned char hxdp_obj_nic_ts[], hxdp_obj_nic_ts_end[];

/* ---- libbpf's and libxdp's messages: kept for ours, never printed ---- */

static char lib_msg[400];
/* libxdp says why its dispatcher could not be used, then falls back. */
static char dispatcher_msg[400];

static int keep_message(const char *fmt, va_list ap)
{
	char line[sizeof(lib_msg)];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
		line[--n] = 0;
	/* The first message of an operation says why; later ones say
	 * what failed because of it. */
	if (n && !lib_msg[0])
		snprintf(lib_msg, sizeof(lib_msg), "%s",
			 strncmp(line, "libbpf: ", 8) ? line : line + 8);
	if (strstr(line, "ispatcher") && strstr(line, "failed"))
		snprintf(dispatcher_msg, sizeof(dispatcher_msg), "%s",
			 strncmp(line, "libxdp: ", 8) ? line : line + 8);
	return 0;
}

static int from_libbpf(enum libbpf_print_level level, const char *fmt,
		       va_list ap)
{
	return level == LIBBPF_DEBUG ? 0 : keep_message(fmt, ap);
}

static int from_libxdp(enum libxdp_print_level level, const char *fmt,
		       va_list ap)
{
	return level == LIBXDP_DEBUG ? 0 : keep_message(fmt, ap);
}

void hxdp_capture_lib_messages(void)
{
	libbpf_set_print(from_libbpf);
	libxdp_set_print(from_libxdp);
	lib_msg[0] = 0;
	dispatcher_msg[0] = 0;
}

const char *hxdp_lib_message(void)
{
	return lib_msg;
}

/* ---- who is on the interface ---- */

static int prog_name_by_id(__u32 id, char *name, size_t n)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id), err;

	name[0] = 0;
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (err)
		return err;
	snprintf(name, n, "%s", info.name);
	return 0;
}

/* The program attached in driver or generic mode: its id and name. */
static __u32 attached_prog(int ifindex, char *name, size_t n, int *skb)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	__u32 id;

	name[0] = 0;
	if (bpf_xdp_query(ifindex, 0, &q))
		return 0;
	id = q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id;
	*skb = !q.drv_prog_id && q.skb_prog_id;
	if (id)
		prog_name_by_id(id, name, n);
	return id;
}

static int port_busy(struct hxdp_port *p, int err)
{
	char name[32];
	int skb = 0;
	__u32 id = attached_prog(p->ifindex, name, sizeof(name), &skb);

	if (!id)
		return hxdp_err(p->err, err,
				"cannot attach the XDP program to %s: %s",
				p->ifname, strerror(-err));
	if (!strcmp(name, DISPATCHER_NAME))
		return hxdp_err(p->err, -EBUSY,
				"%s already runs XDP programs through libxdp's dispatcher (id %u): share the port with --attach dispatcher, or remove them (xdp-loader status %s; xdp-loader unload %s --all)",
				p->ifname, id, p->ifname, p->ifname);
	return hxdp_err(p->err, -EBUSY,
			"%s already has an XDP program (\"%s\", id %u, %s mode) from another tool: remove it (ip link set dev %s xdp off) or, if it was loaded with libxdp, share the port with --attach dispatcher",
			p->ifname, name, id, skb ? "generic" : "driver",
			p->ifname);
}

/* The driver has no XDP in this mode: pick_mode() tries the next. */
static int no_xdp_mode(struct hxdp_port *p, int drv, int err)
{
	p->no_native = drv;
	return hxdp_err(p->err, err, "the driver of %s has no %s XDP",
			p->ifname, drv ? "native (driver mode)" : "generic");
}

/* ---- loading ---- */

static struct bpf_object *open_obj(struct hxdp_port *p, int nic_ts,
				   unsigned max_queue)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo,
		    .object_name = nic_ts ? "hpcap_xdp_nic_ts" : "hpcap_xdp");
	const unsigned char *b = nic_ts ? hxdp_obj_nic_ts : hxdp_obj_plain;
	const unsigned char *e = nic_ts ? hxdp_obj_nic_ts_end :
		hxdp_obj_plain_end;
	struct bpf_object *obj;
	struct bpf_map *map;

	lib_msg[0] = 0;
	obj = bpf_object__open_mem(b, (size_t)(e - b), &oo);
	if (!obj) {
		hxdp_err(p->err, -errno, "cannot open the XDP program: %s",
			 hxdp_lib_message());
		return NULL;
	}
	map = bpf_object__find_map_by_name(obj, MAP_NAME);
	if (!map || bpf_map__set_max_entries(map, max_queue + 1)) {
		bpf_object__close(obj);
		hxdp_err(p->err, -EINVAL, "the XDP program has no map %s",
			 MAP_NAME);
		return NULL;
	}
	return obj;
}

static int attach_link(struct hxdp_port *p, int drv, int nic_ts,
		       unsigned max_queue)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo,
		    .flags = drv ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE);
	struct bpf_program *prog;
	int err, fd;

	p->obj = open_obj(p, nic_ts, max_queue);
	if (!p->obj)
		return -EINVAL;
	prog = bpf_object__find_program_by_name(p->obj, PROG_NAME);
	if (nic_ts) {
		/* The metadata kfuncs exist only in programs bound to the
		 * device they will run on. */
		bpf_program__set_ifindex(prog, (__u32)p->ifindex);
		bpf_program__set_flags(prog, bpf_program__flags(prog) |
				       BPF_F_XDP_DEV_BOUND_ONLY);
	}
	lib_msg[0] = 0;
	err = bpf_object__load(p->obj);
	if (err) {
		if (nic_ts)
			hxdp_err(p->err, err,
				 "no NIC stamps on %s: the program that asks for them does not load (%s); they need Linux 6.3+ and a driver with XDP RX metadata in native mode: use --timestamp auto or kernel",
				 p->ifname, lib_msg[0] ? lib_msg :
				 strerror(-err));
		else
			hxdp_err(p->err, err,
				 "cannot load the XDP program: %s",
				 lib_msg[0] ? lib_msg : strerror(-err));
		goto fail;
	}
	fd = bpf_link_create(bpf_program__fd(prog), p->ifindex, BPF_XDP, &lo);
	if (fd < 0) {
		err = -errno;
		if (err == -EBUSY || err == -EEXIST)
			port_busy(p, err);
		else if (err == -EOPNOTSUPP)
			no_xdp_mode(p, drv, err);
		else
			hxdp_err(p->err, err,
				 "cannot attach the XDP program to %s in %s mode: %s",
				 p->ifname, drv ? "driver" : "generic",
				 strerror(-err));
		goto fail;
	}
	p->link_fd = fd;
	p->xsks_map_fd = bpf_map__fd(bpf_object__find_map_by_name(p->obj,
								  MAP_NAME));
	return 0;
fail:
	bpf_object__close(p->obj);
	p->obj = NULL;
	return err;
}

static int have_bpffs(void)
{
	const char *dir = getenv("LIBXDP_BPFFS");
	struct statfs st;

	return !statfs(dir && *dir ? dir : "/sys/fs/bpf", &st) &&
		(unsigned long)st.f_type == BPF_FS_MAGIC_NUMBER;
}

static int dispatcher_in_use(int ifindex)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	int yes;

	if (libxdp_get_error(mp))
		return 0;
	yes = !xdp_multiprog__is_legacy(mp);
	xdp_multiprog__close(mp);
	return yes;
}

static int attach_dispatcher(struct hxdp_port *p, int drv,
			     unsigned max_queue)
{
	enum xdp_attach_mode mode = drv ? XDP_MODE_NATIVE : XDP_MODE_SKB;
	long lerr;
	int err;

	/* Without bpffs libxdp would quietly attach the program alone,
	 * which is what --attach link does better. */
	if (!have_bpffs())
		return hxdp_err(p->err, -ENOENT,
				"--attach dispatcher needs a BPF file system for libxdp's dispatcher: mount -t bpf bpf /sys/fs/bpf");
	p->obj = open_obj(p, 0, max_queue);
	if (!p->obj)
		return -EINVAL;
	p->xprog = xdp_program__from_bpf_obj(p->obj, "xdp");
	lerr = libxdp_get_error(p->xprog);
	if (lerr) {
		p->xprog = NULL;
		err = hxdp_err(p->err, (int)lerr,
			       "libxdp cannot use the XDP program: %s",
			       hxdp_lib_message());
		goto fail;
	}
	lib_msg[0] = 0;
	err = xdp_program__attach(p->xprog, p->ifindex, mode, 0);
	if (err) {
		if (err == -EBUSY || err == -EEXIST)
			port_busy(p, err);
		else if (err == -EOPNOTSUPP)
			no_xdp_mode(p, drv, err);
		else
			hxdp_err(p->err, err,
				 "libxdp cannot attach the XDP program to %s in %s mode: %s",
				 p->ifname, drv ? "driver" : "generic",
				 hxdp_lib_message()[0] ? hxdp_lib_message() :
				 strerror(-err));
		goto fail;
	}
	if (!dispatcher_in_use(p->ifindex)) {
		/* libxdp fell back to attaching the program alone: no
		 * sharing, and no cleanup by the kernel either. */
		xdp_program__detach(p->xprog, p->ifindex, mode, 0);
		err = hxdp_err(p->err, -EOPNOTSUPP,
			       "libxdp cannot run its dispatcher with this kernel (%s), so no other XDP program could share %s: use --attach link",
			       dispatcher_msg[0] ? dispatcher_msg :
			       "no reason given", p->ifname);
		goto fail;
	}
	p->xsks_map_fd = bpf_map__fd(bpf_object__find_map_by_name(
		xdp_program__bpf_obj(p->xprog), MAP_NAME));
	return 0;
fail:
	xdp_program__close(p->xprog);
	p->xprog = NULL;
	bpf_object__close(p->obj);
	p->obj = NULL;
	return err;
}

/*
 * Attach in driver mode (drv) or generic mode.  With want_nic_ts, try the
 * program that asks the NIC for stamps first (link, driver mode only);
 * with need_nic_ts, fail rather than fall back to the kernel clock.
 */
int hxdp_prog_attach(struct hxdp_port *p, int drv, int want_nic_ts,
		     int need_nic_ts, unsigned max_queue)
{
	char why[HXDP_ERRBUF_SIZE];
	int err;

	p->nic_ts = 0;
	p->no_native = 0;
	if (want_nic_ts && drv && p->attach == HXDP_ATTACH_LINK) {
		err = attach_link(p, drv, 1, max_queue);
		if (!err) {
			p->nic_ts = 1;
			p->prog_mode = XDP_FLAGS_DRV_MODE;
			return 0;
		}
		/* Busy or no driver mode: the plain program would fail
		 * the same way. */
		if (err == -EBUSY || p->no_native || need_nic_ts)
			return err;
		snprintf(why, sizeof(why), "%s", p->err);
	} else if (need_nic_ts) {
		return hxdp_err(p->err, -EOPNOTSUPP,
				"NIC stamps need the program attached with --attach link in driver mode (libxdp's dispatcher cannot chain a device-bound program, generic XDP has no RX metadata)");
	} else {
		why[0] = 0;
	}
	err = p->attach == HXDP_ATTACH_LINK ?
		attach_link(p, drv, 0, max_queue) :
		attach_dispatcher(p, drv, max_queue);
	if (err)
		return err;
	p->prog_mode = drv ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
	if (want_nic_ts && why[0])
		hxdp_note(p->notes,
			  "timestamps: kernel clock (no NIC stamps: kernel 6.3+ with a driver that implements XDP RX metadata needed; %s)",
			  why);
	return 0;
}

void hxdp_prog_detach(struct hxdp_port *p)
{
	if (p->link_fd >= 0) {
		/* The last reference to the link: the kernel detaches. */
		close(p->link_fd);
		p->link_fd = -1;
	}
	if (p->xprog) {
		xdp_program__detach(p->xprog, p->ifindex,
				    p->prog_mode == XDP_FLAGS_SKB_MODE ?
				    XDP_MODE_SKB : XDP_MODE_NATIVE, 0);
		xdp_program__close(p->xprog);
		p->xprog = NULL;
	}
	if (p->obj) {
		bpf_object__close(p->obj);
		p->obj = NULL;
	}
	p->prog_mode = 0;
	p->xsks_map_fd = -1;
}

int hxdp_prog_add_socket(struct hxdp_port *p, struct hxdp_queue *q)
{
	__u32 key = q->qid;
	int fd = q->fd;

	if (bpf_map_update_elem(p->xsks_map_fd, &key, &fd, 0))
		return hxdp_err(p->err, -errno,
				"cannot put the socket of queue %u in the XDP program's map: %s",
				q->qid, strerror(errno));
	return 0;
}

void hxdp_port_unplug(struct hxdp_port *p)
{
	unsigned i;
	__u32 key;

	for (i = 0; i < p->nqueues && p->xsks_map_fd >= 0; i++) {
		key = p->q[i].qid;
		bpf_map_delete_elem(p->xsks_map_fd, &key);
	}
}

/* Remove hpcap's program from libxdp's dispatcher on ifindex. */
static int remove_from_dispatcher(int ifindex, char *errbuf)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *prog, *found = NULL;
	enum xdp_attach_mode mode;
	int err = 0;

	if (libxdp_get_error(mp))
		return 0;
	mode = xdp_multiprog__attach_mode(mp);
	for (prog = xdp_multiprog__next_prog(NULL, mp); prog;
	     prog = xdp_multiprog__next_prog(prog, mp))
		if (!strcmp(xdp_program__name(prog), PROG_NAME))
			found = prog;
	if (found) {
		err = xdp_program__detach(found, ifindex, mode, 0);
		if (err)
			hxdp_err(errbuf, err,
				 "cannot remove the hpcap program a killed hpcap-xdp left in libxdp's dispatcher: %s (try xdp-loader unload --all)",
				 hxdp_lib_message());
	}
	xdp_multiprog__close(mp);
	return err ? err : !!found;
}

/*
 * Called with the interface's lock held, so no live instance owns what is
 * found.  A program attached by a link cannot be stale (the kernel
 * detaches it with its last holder); one attached through the dispatcher,
 * or directly by libxdp when there was no bpffs, stays after a SIGKILL.
 */
int hxdp_prog_remove_stale(int ifindex, const char *ifname, char *notes,
			   char *errbuf)
{
	char name[32];
	int skb = 0, err;
	__u32 id = attached_prog(ifindex, name, sizeof(name), &skb);

	if (!id)
		return 0;
	if (!strcmp(name, DISPATCHER_NAME)) {
		err = remove_from_dispatcher(ifindex, errbuf);
		if (err > 0)
			hxdp_note(notes,
				  "removed the XDP program a killed hpcap-xdp left in the dispatcher on %s",
				  ifname);
		return err;
	}
	if (strcmp(name, PROG_NAME))
		return 0;
	err = bpf_xdp_detach(ifindex, skb ? XDP_FLAGS_SKB_MODE :
			     XDP_FLAGS_DRV_MODE, NULL);
	if (err == -EBUSY)
		return 0;	/* a link: some other live program's */
	if (err)
		return hxdp_err(errbuf, err,
				"cannot remove the XDP program a killed hpcap-xdp left on %s: %s (try ip link set dev %s xdp off)",
				ifname, strerror(-err), ifname);
	hxdp_note(notes, "removed the XDP program a killed hpcap-xdp left on %s",
		  ifname);
	return 1;
}
