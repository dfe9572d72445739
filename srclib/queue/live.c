// SPDX-License-Identifier: BSD-3-Clause
/*
 * live.c - libhpcap's consumer side of a capture queue; see
 * libhpcap_live.h.  The cursor lives in the module: one ioctl acknowledges
 * and waits; frames are read straight from the read-only mapping.  A
 * queue that is a regular file is a shared-memory queue (shmring.c),
 * whose listener calls stand in for the ioctls; everything else here is
 * the same for both.
 */
#define _GNU_SOURCE
#include "libhpcap_live.h"
#include "queue/shmring.h"
#include "hpcap_record.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Release consumed bytes to the producer at least this often.  A lossy
 * listener acknowledges more often: the module charges it with every
 * overwritten frame past its acknowledged position, read or not. */
#define ACK_BATCH (4u << 20)
#define ACK_BATCH_LOSSY (256u << 10)

struct hpcap_handle {
	int fd;
	unsigned flags;
	const struct hpcap_ring_info *info;	/* mapped page 0 */
	const uint8_t *data;			/* buffer, mapped twice */
	void *map;
	size_t map_len;
	uint64_t size;
	uint64_t win_pos, win_end;	/* window from the last ack/wait */
	uint64_t pos;			/* next record (frame reading) */
	uint64_t last_rec;		/* frame last returned */
	uint64_t lost_frames, lost_bytes;
	int gone;
	struct shmring_listener *shm;	/* a shared-memory queue, or NULL */
	char path[128];
	char err[HPCAP_ERRBUF_SIZE];
};

static int set_err(struct hpcap_handle *h, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int set_err(struct hpcap_handle *h, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->err, sizeof(h->err), fmt, ap);
	va_end(ap);
	return code;
}

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

/* A shared-memory queue: same handle, listener calls of shmring.c. */
static int open_shm(struct hpcap_handle *h, const char *path, char *errbuf)
{
	int err = shmring_listener_open(&h->shm, path,
					!!(h->flags & HPCAP_OPEN_LOSSY), errbuf);

	if (err)
		return err;
	h->fd = shmring_listener_fd(h->shm);
	h->info = shmring_listener_info(h->shm);
	h->data = shmring_listener_data(h->shm);
	h->size = h->info->buf_size;
	return 0;
}

int hpcap_open_path(struct hpcap_handle **out, const char *path,
		    unsigned flags, char *errbuf)
{
	struct hpcap_ring_info info;
	struct hpcap_handle *h;
	struct stat st;
	int err;

	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		return -ENOMEM;
	}
	h->flags = flags;
	snprintf(h->path, sizeof(h->path), "%s", path);
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		err = open_shm(h, path, errbuf);
		if (err) {
			free(h);
			return err;
		}
		*out = h;
		return 0;
	}
	h->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (h->fd < 0) {
		err = errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot open %s: %s%s", path,
			 strerror(err), open_hint(err, path));
		free(h);
		return -err;
	}
	if (ioctl(h->fd, HPCAP_IOC_INFO, &info) < 0) {
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

		if (ioctl(h->fd, HPCAP_IOC_SET_MODE, &mode) < 0) {
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
	h->size = info.buf_size;
	h->map_len = info.info_size + 2 * info.buf_size;
	h->map = mmap(NULL, h->map_len, PROT_READ, MAP_SHARED, h->fd, 0);
	if (h->map == MAP_FAILED) {
		err = errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot map %s (%llu bytes): %s",
			 path, (unsigned long long)h->map_len, strerror(err));
		goto fail;
	}
	h->info = h->map;
	h->data = (const uint8_t *)h->map + info.info_size;
	*out = h;
	return 0;
fail:
	close(h->fd);
	free(h);
	return -err;
}

int hpcap_open(struct hpcap_handle **h, unsigned adapter, unsigned queue,
	       unsigned flags, char *errbuf)
{
	const char *dir = getenv("HPCAP_DEV_DIR");
	char path[128];

	snprintf(path, sizeof(path), "%s/%s%u_%u", dir && *dir ? dir : "/dev",
		 HPCAP_DEV_PREFIX, adapter, queue);
	return hpcap_open_path(h, path, flags, errbuf);
}

const struct hpcap_ring_info *hpcap_info(const struct hpcap_handle *h)
{
	return h->info;
}

static int ack_wait(struct hpcap_handle *h, uint64_t consumed, uint64_t min,
		    int timeout_ms)
{
	struct hpcap_ack_wait aw = {
		.ack_bytes = consumed,
		.min_bytes = min,
		.timeout_ns = timeout_ms < 0 ? UINT64_MAX
					     : (uint64_t)timeout_ms * 1000000u,
	};
	uint64_t cursor = h->pos;
	int err;

	if (h->shm)
		err = shmring_listener_ack_wait(h->shm, &aw);
	else
		err = ioctl(h->fd, HPCAP_IOC_ACK_WAIT, &aw) < 0 ? -errno : 0;
	if (err)
		return set_err(h, err, "%s: acknowledge/wait failed: %s",
			       h->path, strerror(-err));
	/* The ack is applied from here on, whatever is returned. */
	h->win_pos = aw.read_pos;
	h->win_end = aw.read_pos + aw.avail;
	h->pos = aw.read_pos;
	/*
	 * A lossy listener lapped while it had read ahead of its last ack
	 * was moved to the oldest intact record (lost_bytes > 0), which can
	 * be behind frames hpcap_next() already returned: go on from the
	 * cursor, a record boundary of the same stream, instead of
	 * returning them twice.
	 */
	if (aw.lost_bytes && cursor > aw.read_pos && cursor <= h->win_end)
		h->pos = cursor;
	h->lost_frames += aw.lost_frames;
	h->lost_bytes += aw.lost_bytes;
	h->gone = !!(aw.flags & HPCAP_ACK_QUEUE_GONE);
	if (h->gone && !aw.avail)
		return set_err(h, -ENODEV, "%s: the queue is gone (%s) and everything in it was read",
			       h->path, h->shm ? "its producer ended"
					       : "interface detached");
	return 0;
}

int hpcap_wait(struct hpcap_handle *h, uint64_t consumed, uint64_t min_bytes,
	       int timeout_ms, struct hpcap_window *win)
{
	uint64_t lf = h->lost_frames, lb = h->lost_bytes;
	int err = ack_wait(h, consumed, min_bytes, timeout_ms);

	if (err && err != -ENODEV) {
		memset(win, 0, sizeof(*win));
		return err;
	}
	win->pos = h->win_pos;
	win->len = h->win_end - h->win_pos;
	win->data = h->data + h->win_pos % h->size;
	win->lost_frames = h->lost_frames - lf;
	win->lost_bytes = h->lost_bytes - lb;
	win->gone = h->gone;
	return err;	/* 0, or -ENODEV with an empty, valid window */
}

/* Lossy readers: were the bytes from pos on overwritten while we read? */
static int overrun(const struct hpcap_handle *h, uint64_t pos)
{
	if (!(h->flags & HPCAP_OPEN_LOSSY))
		return 0;
	/* Order our reads of the record before the read of tail_pos; the
	 * producer raises tail_pos before it overwrites (hpcap_ring.c). */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&h->info->tail_pos, __ATOMIC_RELAXED) > pos;
}

int hpcap_next(struct hpcap_handle *h, struct hpcap_raw_record *rec,
	       int timeout_ms)
{
	int err;

	/* The frame returned last time is released now; give room back
	 * to the producer every ACK_BATCH bytes without waiting. */
	if (h->pos - h->win_pos >= (h->flags & HPCAP_OPEN_LOSSY ?
				    ACK_BATCH_LOSSY : ACK_BATCH)) {
		err = ack_wait(h, h->pos - h->win_pos, 0, 0);
		if (err)
			return err;
	}
	for (;;) {
		struct hpcap_rec hdr;
		uint64_t at = h->pos, n;

		if (at >= h->win_end) {
			err = ack_wait(h, h->pos - h->win_pos, 1, timeout_ms);
			if (err)
				return err;
			if (h->win_end == h->win_pos)
				return 0;
			continue;
		}
		hpcap_rec_decode(h->data + at % h->size, &hdr);
		n = HPCAP_RAW_HDR_LEN + hdr.caplen;
		if (overrun(h, at)) {
			/* Lapped: the module moves us to the oldest intact
			 * record and counts what we lost. */
			err = ack_wait(h, 0, 0, 0);
			if (err)
				return err;
			continue;
		}
		if (at + n > h->win_end)
			return set_err(h, -EIO, "%s: record at stream position %llu runs past the published data (module and library disagree?)",
				       h->path, (unsigned long long)at);
		h->pos = at + n;
		if (!hdr.sec && !hdr.nsec)
			continue;	/* padding */
		rec->sec = hdr.sec;
		rec->nsec = hdr.nsec;
		rec->caplen = hdr.caplen;
		rec->len = hdr.len;
		rec->data = h->data + (at + HPCAP_RAW_HDR_LEN) % h->size;
		rec->offset = at;
		h->last_rec = at;
		return 1;
	}
}

int hpcap_frame_valid(const struct hpcap_handle *h)
{
	return !overrun(h, h->last_rec);
}

uint64_t hpcap_lost_frames(const struct hpcap_handle *h)
{
	return h->lost_frames;
}

uint64_t hpcap_lost_bytes(const struct hpcap_handle *h)
{
	return h->lost_bytes;
}

int hpcap_queue_stats(struct hpcap_handle *h, struct hpcap_queue_stats *s)
{
	int err;

	if (h->shm) {
		err = shmring_listener_queue_stats(h->shm, s);
		return err ? set_err(h, err, "%s: cannot read queue counters: %s",
				     h->path, strerror(-err)) : 0;
	}
	if (ioctl(h->fd, HPCAP_IOC_QUEUE_STATS, s) < 0)
		return set_err(h, -errno, "%s: cannot read queue counters: %s",
			       h->path, strerror(errno));
	return 0;
}

int hpcap_listener_stats(struct hpcap_handle *h,
			 struct hpcap_listener_stats *s)
{
	int err;

	if (h->shm) {
		err = shmring_listener_stats(h->shm, s);
		return err ? set_err(h, err, "%s: cannot read listener counters: %s",
				     h->path, strerror(-err)) : 0;
	}
	if (ioctl(h->fd, HPCAP_IOC_LISTENER_STATS, s) < 0)
		return set_err(h, -errno, "%s: cannot read listener counters: %s",
			       h->path, strerror(errno));
	return 0;
}

int hpcap_fd(const struct hpcap_handle *h)
{
	return h->fd;
}

const char *hpcap_geterr(const struct hpcap_handle *h)
{
	return h->err;
}

void hpcap_close(struct hpcap_handle *h)
{
	if (!h)
		return;
	if (h->shm) {
		shmring_listener_close(h->shm);	/* closes h->fd */
		free(h);
		return;
	}
	if (h->map && h->map != MAP_FAILED)
		munmap(h->map, h->map_len);
	close(h->fd);
	free(h);
}
