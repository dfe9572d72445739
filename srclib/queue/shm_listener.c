// SPDX-License-Identifier: BSD-3-Clause
/*
 * shm_listener.c - a listener of a shared-memory queue (backend.h): what
 * the module's character device does for a listener, done here on the
 * listener's own cursor.  See shm_layout.h for who writes what.
 *
 * The cursor rule (hpcap_cursor_ack()) is the module's.  A lossy
 * listener that is overrun moves to the tail the producer publishes and
 * counts the frames it skipped by frame index (frames before the tail
 * minus frames before its cursor): exact, with nothing to agree on with
 * the producer.  Waiting: the listener writes its target into its cursor
 * page and sleeps on its socket; the producer sends a message once the
 * target is reached, and the socket hangs up when the producer ends or
 * dies.
 */
#define _GNU_SOURCE
#include "queue/backend.h"
#include "queue/shm_map.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

/* How long a producer may take to answer a hello or a request. */
#define ANSWER_MS 5000
/* Longest sleep before looking at write_pos again. */
#define WAIT_SLICE_MS 100

struct shm_listener {
	int fd;				/* the queue file, read-only */
	int sock;			/* connection to the producer */
	int idx;
	uint32_t id;
	uint32_t mode;
	struct shm_map *map;
	const struct shm_ctl *ctl;
	const struct hpcap_ring_info *info;
	struct shm_cursor *cur;		/* ours, shared with the producer */
	uint64_t read_pos;
	uint64_t fidx;			/* frames before read_pos */
	uint64_t acked_bytes;
	uint64_t lost_frames, lost_bytes;	/* as the queue skipped them */
	int armed;			/* a wake message may be pending */
	uint64_t armed_at;		/* the target last armed */
	int hung_up;			/* the producer closed or died */
	char path[128];
};

static int send_msg(int sock, struct shm_msg *m, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	m->magic = SHM_MAGIC;
	m->version = SHM_VERSION;
	if (fd >= 0) {
		struct cmsghdr *c;

		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) != (ssize_t)sizeof(*m))
		return errno ? -errno : -EIO;
	return 0;
}

/* The answer to op, skipping wake messages.  0, -ENODEV (hung up),
 * -ETIMEDOUT, -EPROTO. */
static int recv_answer(struct shm_listener *l, int op, struct shm_msg *m)
{
	uint64_t deadline = shm_deadline(ANSWER_MS);
	struct pollfd p = { .fd = l->sock, .events = POLLIN };

	for (;;) {
		ssize_t n = recv(l->sock, m, sizeof(*m), MSG_DONTWAIT);
		uint64_t now;

		if (n == (ssize_t)sizeof(*m)) {
			if (m->magic != SHM_MAGIC || m->version != SHM_VERSION)
				return -EPROTO;
			if (m->op == op)
				return 0;
			continue;	/* a wake */
		}
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			l->hung_up = 1;
			return -ENODEV;
		}
		if (n > 0)
			return -EPROTO;
		now = shm_now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)((deadline - now) / 1000000u) + 1) < 0 &&
		    errno != EINTR)
			return -errno;
	}
}

/* Drop wake messages; notice a hang-up. */
static void drain_wakes(struct shm_listener *l)
{
	struct shm_msg m;
	ssize_t n;

	while ((n = recv(l->sock, &m, sizeof(m), MSG_DONTWAIT)) > 0)
		;
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		l->hung_up = 1;
	l->armed = 0;
}

/* Ask to be woken (a message) once write_pos reaches target.  A target
 * fires once: armed again only after its message was taken. */
static void arm(struct shm_listener *l, uint64_t target)
{
	if (l->armed && l->armed_at == target)
		return;
	__atomic_store_n(&l->cur->wait_target, target, __ATOMIC_RELAXED);
	__atomic_add_fetch(&l->cur->wait_seq, 1, __ATOMIC_RELEASE);
	/* Pairs with the producer's barrier between publishing write_pos
	 * and reading wait_seq: one of us sees the other (shm_layout.h). */
	if (__atomic_load_n(&l->ctl->sync, __ATOMIC_RELAXED) !=
	    SHM_SYNC_MEMBARRIER || shm_membarrier() < 0)
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	l->armed = 1;
	l->armed_at = target;
}

/* The published tail, consistent (a sequence count).  A producer that
 * died while it wrote it leaves it odd: then nothing below write_pos is
 * sure, and the listener skips to the end. */
static void read_tail(const struct shm_listener *l, uint64_t *rec,
		      uint64_t *frames)
{
	const struct hpcap_ring_tail *t = &l->ctl->tail;
	unsigned spins = 0;
	uint32_t s;

	for (;;) {
		s = __atomic_load_n(&t->seq, __ATOMIC_ACQUIRE);
		if (s & 1) {
			if (++spins % 1024)
				continue;
			if (!shm_byte_held(l->fd, SHM_LOCK_PRODUCER)) {
				*frames = __atomic_load_n(&l->info->frames,
							  __ATOMIC_ACQUIRE);
				*rec = __atomic_load_n(&l->info->write_pos,
						       __ATOMIC_ACQUIRE);
				return;
			}
			sched_yield();
			continue;
		}
		*rec = __atomic_load_n(&t->tail_rec, __ATOMIC_RELAXED);
		*frames = __atomic_load_n(&t->tail_frames, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&t->seq, __ATOMIC_RELAXED) == s)
			return;
	}
}

static int is_gone(struct shm_listener *l)
{
	return l->hung_up ||
	       __atomic_load_n(&l->ctl->state, __ATOMIC_ACQUIRE) == SHM_GONE;
}

/*
 * Acknowledge ack bytes (ack_frames frames) on our cursor, as the module's
 * hpcap_ring_ack() does, and fill read_pos, avail, losses, *gone.  "Gone"
 * is read before write_pos: once seen, write_pos is final.
 */
static int step(struct shm_listener *l, uint64_t ack, uint64_t ack_frames,
		struct hpcap_ack_wait *aw, int *gone)
{
	uint64_t w, tail_pos, tail_rec = 0, tail_frames = 0, pos;
	int st;

	*gone = is_gone(l);
	w = __atomic_load_n(&l->info->write_pos, __ATOMIC_ACQUIRE);
	tail_pos = __atomic_load_n(&l->info->tail_pos, __ATOMIC_ACQUIRE);
	if (l->mode == HPCAP_MODE_LOSSY && l->read_pos < tail_pos)
		/* Published before tail_pos was raised: >= tail_pos. */
		read_tail(l, &tail_rec, &tail_frames);
	pos = l->read_pos;
	st = hpcap_cursor_ack(&pos, ack, w, l->mode, tail_pos, tail_rec);
	if (st < 0)
		return st;
	if (st) {
		aw->lost_bytes += pos - l->read_pos;
		aw->lost_frames += tail_frames > l->fidx ? tail_frames - l->fidx
							  : 0;
		l->lost_bytes += pos - l->read_pos;
		l->lost_frames += tail_frames > l->fidx ? tail_frames - l->fidx
							 : 0;
		l->fidx = tail_frames;
	} else {
		l->fidx += ack_frames;
		l->acked_bytes += ack;
	}
	if (pos != l->read_pos) {
		l->read_pos = pos;
		__atomic_store_n(&l->cur->ack_pos, pos, __ATOMIC_RELEASE);
		__atomic_add_fetch(&l->cur->ack_seq, 1, __ATOMIC_RELEASE);
		/* Pairs with the producer's fence between announcing that it
		 * sleeps on our ack_seq and reading ack_pos. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__atomic_load_n(&l->ctl->waiting_for, __ATOMIC_RELAXED) ==
		    (uint32_t)l->idx + 1)
			shm_futex_wake(&l->cur->ack_seq, 1);
	}
	aw->read_pos = l->read_pos;
	aw->avail = w > l->read_pos ? w - l->read_pos : 0;
	return 0;
}

/* Mirrors hpcap_ioc_ack_wait() in driver/hpcap_cdev.c. */
static int shm_ack_wait(void *q, struct hpcap_ack_wait *aw,
			uint64_t ack_frames)
{
	struct shm_listener *l = q;
	uint64_t min = aw->min_bytes, deadline, now;
	int err, gone;

	/* A wait for more than the buffer holds could never end. */
	if (aw->flags || min > l->info->buf_size)
		return -EINVAL;
	if (l->armed)
		drain_wakes(l);
	aw->lost_frames = aw->lost_bytes = 0;
	err = step(l, aw->ack_bytes, ack_frames, aw, &gone);
	if (err)
		return err;
	if (aw->avail < min && !gone && !aw->timeout_ns) {
		/* Not waiting now, but whoever polls hpcap_fd() next wants
		 * to hear when something comes. */
		arm(l, aw->read_pos + (min ? min : 1));
	} else if (aw->avail < min && !gone) {
		struct pollfd p = { .fd = l->sock, .events = POLLIN };

		deadline = aw->timeout_ns >= (UINT64_MAX >> 1) ? UINT64_MAX
			   : shm_now_ns() + aw->timeout_ns;
		for (;;) {
			/* Slices: a producer whose barrier failed us would
			 * delay a wake by one slice at most. */
			int ms = WAIT_SLICE_MS, n;

			arm(l, aw->read_pos + min);
			if (__atomic_load_n(&l->info->write_pos,
					    __ATOMIC_ACQUIRE) >=
			    aw->read_pos + min)
				break;
			if (deadline != UINT64_MAX) {
				now = shm_now_ns();
				if (now >= deadline)
					break;
				if (deadline - now < (uint64_t)ms * 1000000u)
					ms = (int)((deadline - now + 999999) /
						   1000000u);
			}
			n = poll(&p, 1, ms);
			/* A signal or the timeout ends the wait early with
			 * success, as in the module: the ack is applied. */
			if (n < 0)
				break;
			if (n == 0)
				continue;	/* a slice: look again */
			drain_wakes(l);
			if (l->hung_up || is_gone(l))
				break;
		}
		err = step(l, 0, 0, aw, &gone);
		if (err)
			return err;
	}
	aw->flags = gone ? HPCAP_ACK_QUEUE_GONE : 0;
	return 0;
}

static int shm_queue_stats(void *q, struct hpcap_queue_stats *s)
{
	struct shm_listener *l = q;
	struct shm_msg m;
	int err;

	memset(&m, 0, sizeof(m));
	m.op = SHM_OP_STATS;
	err = send_msg(l->sock, &m, -1);
	if (err)
		return err == -EPIPE || err == -ECONNRESET ? -ENODEV : err;
	err = recv_answer(l, SHM_OP_STATS, &m);
	if (err)
		return err;
	if (m.status)
		return m.status;
	*s = m.stats;
	return 0;
}

static int shm_listener_stats(void *q, struct hpcap_listener_stats *s)
{
	struct shm_listener *l = q;

	memset(s, 0, sizeof(*s));
	s->read_pos = l->read_pos;
	s->acked_bytes = l->acked_bytes;
	s->lost_frames = l->lost_frames;
	s->lost_bytes = l->lost_bytes;
	s->mode = l->mode;
	s->id = l->id;
	return 0;
}

static void shm_listener_close(void *q)
{
	struct shm_listener *l = q;

	/* The producer sees the connection close and frees the slot. */
	if (l->sock >= 0)
		close(l->sock);
	shm_page_put(l->cur);
	shm_map_put(l->map);
	if (l->fd >= 0)
		close(l->fd);
	free(l);
}

static const struct queue_ops shm_ops = {
	.gone_why = "its producer ended",
	.ack_wait = shm_ack_wait,
	.queue_stats = shm_queue_stats,
	.listener_stats = shm_listener_stats,
	.close = shm_listener_close,
};

/* Our cursor page: a memfd that can not shrink (the producer maps it). */
static int make_cursor(struct shm_listener *l)
{
	int fd = memfd_create("hpcap-cursor", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, SHM_PAGE) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	l->cur = shm_page_get(fd, PROT_READ | PROT_WRITE);
	if (!l->cur) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int connect_producer(struct shm_listener *l, const char *path)
{
	struct sockaddr_un a;
	char real[PATH_MAX];
	socklen_t len;
	int dirfd, err;

	/* The socket sits beside the queue file itself: a queue reached
	 * through a symlink (hpcap-xdp's /dev/hpcap_A_Q) has it beside the
	 * link's target, not beside the link. */
	if (realpath(path, real))
		path = real;
	err = shm_sock_addr(path, &a, &len, &dirfd);
	if (err)
		return err;
	l->sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (l->sock < 0)
		err = -errno;
	else if (connect(l->sock, (struct sockaddr *)&a, len) < 0)
		err = -errno;
	if (dirfd >= 0)
		close(dirfd);
	return err;
}

int shm_queue_open(struct queue_open *o, const char *path, unsigned flags,
		   char *errbuf)
{
	struct hpcap_ring_info info;
	struct shm_listener *l;
	struct shm_msg m;
	struct stat st;
	int err, memfd = -1;

	l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		return -ENOMEM;
	}
	l->sock = -1;
	l->idx = -1;
	l->mode = flags & HPCAP_OPEN_LOSSY ? HPCAP_MODE_LOSSY
					   : HPCAP_MODE_LOSSLESS;
	snprintf(l->path, sizeof(l->path), "%s", path);
	/* Read-only: a listener writes nothing but its own cursor page. */
	l->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (l->fd < 0) {
		err = -errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot open %s: %s%s", path,
			 strerror(-err), err == -EACCES ?
			 ": permission denied (the queue's mode, set by its producer, must let you read it)" : "");
		goto fail;
	}
	err = shm_check_layout(l->fd, path, &st, &info, errbuf);
	if (err)
		goto fail;
	if (!shm_byte_held(l->fd, SHM_LOCK_PRODUCER)) {
		err = -ENODEV;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "%s: its producer is gone (the replay ended or was killed); start pcap2hpcap again",
			 path);
		goto fail;
	}
	l->map = shm_map_get(l->fd, &st, info.buf_size, PROT_READ);
	if (!l->map) {
		err = -errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot map %s: %s", path,
			 strerror(-err));
		goto fail;
	}
	l->info = shm_map_info(l->map);
	l->ctl = shm_map_ctl(l->map);
	memfd = make_cursor(l);
	if (memfd < 0) {
		err = memfd;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "%s: cannot make a cursor page: %s", path,
			 strerror(-err));
		goto fail;
	}
	err = connect_producer(l, path);
	if (err) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "%s: cannot reach its producer (%s%s): %s", path, path,
			 SHM_SOCK_SUFFIX, strerror(-err));
		if (err == -ECONNREFUSED || err == -ENOENT)
			err = -ENODEV;
		goto fail;
	}
	memset(&m, 0, sizeof(m));
	m.op = SHM_OP_HELLO;
	m.mode = l->mode;
	err = send_msg(l->sock, &m, memfd);
	if (!err)
		err = recv_answer(l, SHM_OP_HELLO, &m);
	if (!err && m.status)
		err = m.status;
	if (!err && (m.dev != (uint64_t)st.st_dev || m.ino != (uint64_t)st.st_ino ||
		     m.idx >= HPCAP_MAX_LISTENERS))
		err = -EPROTO;
	if (err) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot open %s: %s%s", path,
			 strerror(-err),
			 err == -EBUSY ? ": every listener slot of this queue is taken" :
			 err == -ENODEV ? ": the queue is going away (its replay ended)" :
			 err == -EPROTO ? ": its socket answers for another queue or another build" : "");
		goto fail;
	}
	close(memfd);
	l->idx = (int)m.idx;
	l->id = m.id;
	l->read_pos = m.start_pos;
	l->fidx = m.start_frames;
	__atomic_store_n(&l->cur->ack_pos, l->read_pos, __ATOMIC_RELEASE);
	o->ops = &shm_ops;
	o->q = l;
	o->fd = l->sock;
	o->info = l->info;
	o->data = l->map->data;
	return 0;
fail:
	if (memfd >= 0)
		close(memfd);
	shm_listener_close(l);
	return err;
}
