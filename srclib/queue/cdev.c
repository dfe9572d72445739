// SPDX-License-Identifier: BSD-3-Clause
/*
 * cdev.c - a live queue of the hpcap module, /dev/hpcap_<adapter>_<queue>:
 * the cursor lives in the module, one ioctl acknowledges and waits, the
 * buffer is mapped read-only.  See backend.h.
 */
#define _GNU_SOURCE
#include "queue/backend.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

struct cdev_queue {
	int fd;
	void *map;
	size_t map_len;
};

static const char *open_hint(int err, const char *path)
{
	switch (err) {
	case ENOENT:
		/* Not the module's directory: maybe a replay's queue file. */
		if (strncmp(path, "/dev/", 5) || !strncmp(path, "/dev/shm/", 9))
			return ": no such device or queue file (a module queue needs the hpcap module loaded and the interface attached; a replay needs pcap2hpcap running on the same directory, adapter and queue)";
		return ": no such device (is the hpcap module loaded and the interface attached? see install_hpcap.bash and /sys/class/hpcap/adapters)";
	case EACCES:
	case EPERM:
		return ": permission denied (the device's group, set by the hpcap udev rule, must include you)";
	case EBUSY:
		return ": every listener slot of this queue is taken";
	case ENODEV:
		return ": the queue is going away";
	default:
		return "";
	}
}

static int cdev_ack_wait(void *q, struct hpcap_ack_wait *aw,
			 uint64_t ack_frames)
{
	struct cdev_queue *c = q;

	(void)ack_frames;	/* the module counts losses itself */
	return ioctl(c->fd, HPCAP_IOC_ACK_WAIT, aw) < 0 ? -errno : 0;
}

static int cdev_queue_stats(void *q, struct hpcap_queue_stats *s)
{
	struct cdev_queue *c = q;

	return ioctl(c->fd, HPCAP_IOC_QUEUE_STATS, s) < 0 ? -errno : 0;
}

static int cdev_listener_stats(void *q, struct hpcap_listener_stats *s)
{
	struct cdev_queue *c = q;

	return ioctl(c->fd, HPCAP_IOC_LISTENER_STATS, s) < 0 ? -errno : 0;
}

static void cdev_close(void *q)
{
	struct cdev_queue *c = q;

	if (c->map && c->map != MAP_FAILED)
		munmap(c->map, c->map_len);
	close(c->fd);
	free(c);
}

static const struct queue_ops cdev_ops = {
	.gone_why = "interface detached",
	.ack_wait = cdev_ack_wait,
	.queue_stats = cdev_queue_stats,
	.listener_stats = cdev_listener_stats,
	.close = cdev_close,
};

int cdev_queue_open(struct queue_open *o, const char *path, unsigned flags,
		    char *errbuf)
{
	struct hpcap_ring_info info;
	struct cdev_queue *c;
	int err;

	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		return -ENOMEM;
	}
	c->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0) {
		err = errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot open %s: %s%s", path,
			 strerror(err), open_hint(err, path));
		free(c);
		return -err;
	}
	if (ioctl(c->fd, HPCAP_IOC_INFO, &info) < 0) {
		err = errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "%s is not an hpcap queue device: %s", path,
			 strerror(err));
		goto fail;
	}
	if (info.magic != HPCAP_ABI_MAGIC || info.version != HPCAP_ABI_VERSION) {
		err = EPROTO;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "%s speaks ABI version %u, this library %u: rebuild and reload the module and the tools together",
			 path, info.version, HPCAP_ABI_VERSION);
		goto fail;
	}
	if ((flags & HPCAP_OPEN_LOSSY)) {
		uint32_t mode = HPCAP_MODE_LOSSY;

		if (ioctl(c->fd, HPCAP_IOC_SET_MODE, &mode) < 0) {
			err = errno;
			snprintf(errbuf, HPCAP_ERRBUF_SIZE,
				 "%s: cannot switch to lossy mode: %s", path,
				 strerror(err));
			goto fail;
		}
	}
	if (info.info_size < sizeof(info) || info.info_size % 4096 ||
	    !info.buf_size || info.buf_size % HPCAP_BLOCK_SIZE ||
	    !info.file_size || info.file_size % HPCAP_BLOCK_SIZE) {
		err = EPROTO;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "%s reports an impossible layout (info %u, buffer %llu, file %llu bytes)",
			 path, info.info_size, (unsigned long long)info.buf_size,
			 (unsigned long long)info.file_size);
		goto fail;
	}
	c->map_len = info.info_size + 2 * info.buf_size;
	c->map = mmap(NULL, c->map_len, PROT_READ, MAP_SHARED, c->fd, 0);
	if (c->map == MAP_FAILED) {
		err = errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot map %s (%llu bytes): %s",
			 path, (unsigned long long)c->map_len, strerror(err));
		goto fail;
	}
	o->ops = &cdev_ops;
	o->q = c;
	o->fd = c->fd;
	o->info = c->map;
	o->data = (const uint8_t *)c->map + info.info_size;
	return 0;
fail:
	close(c->fd);
	free(c);
	return -err;
}
