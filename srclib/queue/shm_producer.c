// SPDX-License-Identifier: BSD-3-Clause
/*
 * shm_producer.c - the userspace producer of a shared-memory queue
 * (libhpcap_live.h): frames go through the module's own producer routine
 * (core/hpcap_ring.c) into a buffer in a file that listeners map
 * read-only.  The ring state is this process's alone (shm_producer.h);
 * listeners only publish, each in its own cursor page, how far they
 * acknowledged and what they wait for, and the producer takes those in
 * with the module's checks (hpcap_ring_ack(), hpcap_ring_arm()).
 *
 * Batches: hpcap_producer_reserve() takes the lock for the first frame
 * and hands out where to copy each one; hpcap_producer_commit() publishes
 * them all at once, wakes the listeners whose target was reached (a
 * message each, once per wait), and drops the lock.  put() is a batch of
 * one.  The lock is private to the process and only the listener desk
 * (shm_service.c) competes for it, when a listener comes or goes.
 *
 * Room: when the slowest lossless listener is a whole buffer behind, the
 * producer publishes what it has, says in the control page on whose
 * ack_seq it sleeps, and sleeps there (a futex in that listener's page);
 * the listener's next acknowledgement wakes it.
 */
#define _GNU_SOURCE
#include "queue/shm_producer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_BUF	(64ull << 20)
/* Longest sleep before looking again (a listener's page may go). */
#define WAIT_SLICE_MS	100

static int perr(struct hpcap_producer *p, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(struct hpcap_producer *p, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	return code;
}

/* -EBUSY if a live producer owns path. */
static int check_no_producer(const char *path, char *errbuf)
{
	struct shm_ctl hdr;
	int fd = open(path, O_RDONLY | O_CLOEXEC), busy;

	if (fd < 0)
		return 0;
	busy = shm_byte_held(fd, SHM_LOCK_PRODUCER);
	if (busy) {
		if (pread(fd, &hdr, sizeof(hdr), SHM_CTL_OFF) !=
		    (ssize_t)sizeof(hdr))
			hdr.producer_pid = 0;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "%s is being written by another producer (pid %d); stop it first or choose another adapter/queue",
			 path, hdr.producer_pid);
	}
	close(fd);
	return busy ? -EBUSY : 0;
}

static int init_shared(struct hpcap_producer *p,
		       const struct hpcap_producer_opts *o)
{
	struct shm_ctl *c = p->ctl;
	int err;

	err = hpcap_ring_init(&p->ring, p->map->data, o->buf_size,
			      o->file_size, p->info, o->adapter, o->queue);
	if (err)
		return err;
	p->info->info_size = SHM_INFO_SIZE;	/* the buffer's offset */
	memset(c, 0, sizeof(*c));
	c->ctl_size = sizeof(*c);
	c->cursor_size = sizeof(struct shm_cursor);
	c->msg_size = sizeof(struct shm_msg);
	c->flags = o->flags;
	c->producer_pid = (int32_t)getpid();
	c->version = SHM_VERSION;
	c->state = SHM_READY;
	/* Listeners then pay for the barrier when they arm (shm_layout.h). */
	p->membarrier = shm_membarrier_register() == 0;
	c->sync = p->membarrier ? SHM_SYNC_MEMBARRIER : SHM_SYNC_FENCE;
	p->ring.tail_pub = &c->tail;
	/* Nobody can open the file before it is renamed into place. */
	__atomic_store_n(&c->magic, SHM_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

/* The listening socket beside path, open to whoever may read the queue. */
static int listen_socket(struct hpcap_producer *p, mode_t mode, char *errbuf)
{
	struct sockaddr_un a;
	struct stat st;
	socklen_t len;
	int dirfd, err;

	err = shm_sock_addr(p->path, &a, &len, &dirfd);
	if (err) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "%s: no socket address for it: %s", p->path,
			 strerror(-err));
		return err;
	}
	snprintf(p->sock_path, sizeof(p->sock_path), "%s%s", p->path,
		 SHM_SOCK_SUFFIX);
	p->lsock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	unlink(p->sock_path);	/* a stale one: its producer is gone */
	if (p->lsock < 0 || bind(p->lsock, (struct sockaddr *)&a, len) < 0 ||
	    chmod(p->sock_path, (mode & 0444) >> 1 | (mode & 0444)) < 0 ||
	    stat(p->sock_path, &st) < 0 || listen(p->lsock, 64) < 0) {
		err = -errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "cannot make the listeners' socket %s: %s",
			 p->sock_path, strerror(-err));
		if (dirfd >= 0)
			close(dirfd);
		return err;
	}
	if (dirfd >= 0)
		close(dirfd);
	p->sock_dev = st.st_dev;
	p->sock_ino = st.st_ino;
	return 0;
}

/* Remove name if it is still the one we made (not a newer producer's). */
static void unlink_ours(const char *name, dev_t dev, ino_t ino)
{
	struct stat st;

	if (name[0] && stat(name, &st) == 0 && st.st_dev == dev &&
	    st.st_ino == ino)
		unlink(name);
}

static void destroy(struct hpcap_producer *p)
{
	shm_service_stop(p);
	if (p->lsock >= 0)
		close(p->lsock);
	if (p->sock_ino)
		unlink_ours(p->sock_path, p->sock_dev, p->sock_ino);
	shm_map_put(p->map);
	if (p->fd >= 0)
		close(p->fd);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

int hpcap_producer_create(struct hpcap_producer **out, const char *path,
			  const struct hpcap_producer_opts *opts,
			  char *errbuf)
{
	struct hpcap_producer_opts o = opts ? *opts :
		(struct hpcap_producer_opts){ 0 };
	char tmp[PATH_MAX];
	struct hpcap_producer *p;
	struct stat st;
	int err;

	*out = NULL;
	if (!o.buf_size)
		o.buf_size = DEFAULT_BUF;
	if (!o.file_size)
		o.file_size = HPCAP_DEFAULT_FILE_SIZE;
	if (!o.mode)
		o.mode = 0600;
	if (o.buf_size % HPCAP_BLOCK_SIZE || o.file_size % HPCAP_BLOCK_SIZE) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "buffer size %llu and file size %llu must be multiples of 1 MiB",
			 (unsigned long long)o.buf_size,
			 (unsigned long long)o.file_size);
		return -EINVAL;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid()) >=
	    (int)sizeof(tmp) - (int)sizeof(SHM_SOCK_SUFFIX)) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "path too long: %s", path);
		return -ENAMETOOLONG;
	}
	err = check_no_producer(path, errbuf);
	if (err)
		return err;
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&p->lock, NULL);
	p->lsock = -1;
	for (err = 0; err < (int)HPCAP_MAX_LISTENERS; err++)
		p->slot[err].sock = -1;
	snprintf(p->path, sizeof(p->path), "%s", path);
	p->flags = o.flags;
	/* No write bits: listeners open it read-only, and nobody but this
	 * descriptor can change (or truncate) what they read. */
	p->fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
		     (mode_t)o.mode & 0444);
	if (p->fd < 0) {
		err = -errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot create %s: %s", tmp,
			 strerror(-err));
		pthread_mutex_destroy(&p->lock);
		free(p);
		return err;
	}
	if (ftruncate(p->fd, (off_t)(SHM_INFO_SIZE + o.buf_size)) < 0 ||
	    fstat(p->fd, &st) < 0) {
		err = -errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot size %s to %llu bytes: %s",
			 tmp, (unsigned long long)(SHM_INFO_SIZE + o.buf_size),
			 strerror(-err));
		goto fail;
	}
	/* The lock that says "a producer is alive", for its lifetime. */
	err = shm_byte_lock(p->fd, SHM_LOCK_PRODUCER, F_WRLCK);
	if (err) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot lock %s: %s", tmp,
			 strerror(-err));
		goto fail;
	}
	p->map = shm_map_get(p->fd, &st, o.buf_size, PROT_READ | PROT_WRITE);
	if (!p->map) {
		err = -errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "cannot map %s (%llu bytes): %s%s", tmp,
			 (unsigned long long)(SHM_INFO_SIZE + o.buf_size),
			 strerror(-err), err == -ENOMEM || err == -ENOSPC ?
			 " (is the tmpfs big enough? try a smaller --buf-size)" : "");
		goto fail;
	}
	p->info = shm_map_info(p->map);
	p->ctl = shm_map_ctl(p->map);
	p->dev = st.st_dev;
	p->ino = st.st_ino;
	err = init_shared(p, &o);
	if (err) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot set up %s: %s", tmp,
			 strerror(-err));
		goto fail;
	}
	err = listen_socket(p, (mode_t)o.mode, errbuf);
	if (!err) {
		err = shm_service_start(p);
		if (err)
			snprintf(errbuf, HPCAP_ERRBUF_SIZE,
				 "cannot start the listener thread: %s",
				 strerror(-err));
	}
	if (err)
		goto fail;
	if (rename(tmp, path) < 0) {
		err = -errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot rename %s to %s: %s",
			 tmp, path, strerror(-err));
		goto fail;
	}
	*out = p;
	return 0;
fail:
	unlink(tmp);
	destroy(p);
	return err;
}

void shm_pull_acks(struct hpcap_producer *p)
{
	struct hpcap_ring *r = &p->ring;
	struct hpcap_ack_wait aw;
	int i;

	for (i = 0; i < (int)HPCAP_MAX_LISTENERS; i++) {
		const struct hpcap_listener *l = &r->lst[i];
		uint64_t a;

		if (!l->active || l->mode != HPCAP_MODE_LOSSLESS)
			continue;
		a = __atomic_load_n(&p->slot[i].cur->ack_pos, __ATOMIC_ACQUIRE);
		/* Only forward, and never past what was published: a
		 * listener can hold the producer back (as a slow one may)
		 * but never make it overwrite what another has not read. */
		if (a > l->read_pos && a <= r->pos)
			hpcap_ring_ack(r, i, a - l->read_pos, &aw);
	}
}

/* Take in the targets listeners armed since the last look. */
static void pull_waits(struct hpcap_producer *p)
{
	uint32_t m;

	for (m = p->slots; m; m &= m - 1) {
		int i = __builtin_ctz(m);
		struct shm_slot *s = &p->slot[i];
		uint32_t seq = __atomic_load_n(&s->cur->wait_seq,
					       __ATOMIC_ACQUIRE);

		if (seq == s->wait_seen)
			continue;
		s->wait_seen = seq;
		hpcap_ring_arm(&p->ring, i,
			       __atomic_load_n(&s->cur->wait_target,
					       __ATOMIC_RELAXED));
	}
}

/* Publish what was reserved and wake whom it concerns.  Under lock. */
static void publish(struct hpcap_producer *p)
{
	struct shm_msg m;
	uint32_t fired;
	int i;

	hpcap_ring_publish_pos(&p->ring);
	/* Pairs with the barrier in the listener's arm(): either it sees
	 * the new write_pos, or we see its target.  With membarrier the
	 * listener's call makes this point a full barrier. */
	if (p->membarrier)
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
	else
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	pull_waits(p);
	fired = hpcap_ring_wake_due(&p->ring);
	if (!fired)
		return;
	memset(&m, 0, sizeof(m));
	m.magic = SHM_MAGIC;
	m.version = SHM_VERSION;
	m.op = SHM_OP_WAKE;
	for (i = 0; i < (int)HPCAP_MAX_LISTENERS; i++)
		if (fired & (1u << i) && p->slot[i].sock >= 0)
			(void)!send(p->slot[i].sock, &m, sizeof(m),
				    MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* The lossless listener furthest behind (-1: none behind pos - slack). */
static int slowest(const struct hpcap_ring *r, uint64_t below)
{
	uint64_t min = UINT64_MAX;
	int i, idx = -1;

	for (i = 0; i < (int)HPCAP_MAX_LISTENERS; i++) {
		const struct hpcap_listener *l = &r->lst[i];

		if (l->active && l->mode == HPCAP_MODE_LOSSLESS &&
		    l->read_pos < below && l->read_pos < min) {
			min = l->read_pos;
			idx = i;
		}
	}
	return idx;
}

/*
 * Sleep until done(p) or the deadline: on the ack_seq of the slowest
 * lossless listener, or on p->events if there is none.  Called and
 * returns with the lock held.  0 when done, -ETIMEDOUT, -EINTR.
 */
static int wait_locked(struct hpcap_producer *p, uint64_t deadline,
		       int (*done)(struct hpcap_producer *p, void *arg),
		       void *arg, int on_events)
{
	for (;;) {
		uint32_t *word, seq;
		int idx, shared, err;

		shm_pull_acks(p);
		if (done(p, arg))
			return 0;
		idx = on_events ? -1 : slowest(&p->ring, p->ring.pos);
		if (idx >= 0) {
			word = (uint32_t *)&p->slot[idx].cur->ack_seq;
			shared = 1;
			p->waiting_for = (uint32_t)idx + 1;
			__atomic_store_n(&p->ctl->waiting_for, p->waiting_for,
					 __ATOMIC_RELAXED);
			seq = __atomic_load_n(word, __ATOMIC_ACQUIRE);
			/* Pairs with the listener's fence after its ack:
			 * it sees that we wait, or we see its ack. */
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			shm_pull_acks(p);
			if (done(p, arg)) {
				p->waiting_for = 0;
				__atomic_store_n(&p->ctl->waiting_for, 0,
						 __ATOMIC_RELAXED);
				return 0;
			}
		} else {
			word = &p->events;
			shared = 0;
			seq = __atomic_load_n(word, __ATOMIC_ACQUIRE);
		}
		pthread_mutex_unlock(&p->lock);
		err = shm_futex_wait(word, seq, deadline, WAIT_SLICE_MS, shared);
		pthread_mutex_lock(&p->lock);
		p->waiting_for = 0;
		__atomic_store_n(&p->ctl->waiting_for, 0, __ATOMIC_RELAXED);
		if (err == -EINTR)
			return err;
		if (err == -ETIMEDOUT && shm_now_ns() >= deadline)
			return done(p, arg) ? 0 : err;
	}
}

static int room_for(struct hpcap_producer *p, void *arg)
{
	uint32_t caplen = *(uint32_t *)arg;

	return !p->ring.nlossless || hpcap_ring_has_room(&p->ring, caplen);
}

static void end_batch(struct hpcap_producer *p)
{
	if (!p->in_batch)
		return;
	publish(p);
	p->in_batch = false;
	pthread_mutex_unlock(&p->lock);
}

int hpcap_producer_reserve(struct hpcap_producer *p, uint32_t sec,
			   uint32_t nsec, uint32_t caplen, uint32_t len,
			   uint8_t **dst, int timeout_ms)
{
	int err;

	*dst = NULL;
	if (caplen > HPCAP_MAX_CAPLEN) {
		caplen = HPCAP_MAX_CAPLEN;
		p->cut_frames++;
	}
	if (!p->in_batch) {
		pthread_mutex_lock(&p->lock);
		p->in_batch = true;
	}
	if (p->ring.nlossless && !hpcap_ring_has_room(&p->ring, caplen)) {
		/* Maybe they acknowledged meanwhile. */
		shm_pull_acks(p);
		if (!(p->flags & HPCAP_PRODUCER_DROP) &&
		    !hpcap_ring_has_room(&p->ring, caplen)) {
			/* Listeners can only make room for what they see. */
			publish(p);
			err = wait_locked(p, shm_deadline(timeout_ms), room_for,
					  &caplen, 0);
			if (err) {
				end_batch(p);
				return perr(p, err, err == -EINTR ?
					    "%s: interrupted while waiting for a listener to make room" :
					    "%s: no room: a lossless listener is a whole buffer behind",
					    p->path);
			}
		}
	}
	/* Dropped (and counted) when nobody listens, or in drop mode. */
	*dst = hpcap_ring_put(&p->ring, sec, nsec, caplen, len);
	return *dst ? 1 : 0;
}

int hpcap_producer_commit(struct hpcap_producer *p)
{
	end_batch(p);
	return 0;
}

int hpcap_producer_put(struct hpcap_producer *p, uint32_t sec, uint32_t nsec,
		       uint32_t caplen, uint32_t len, const uint8_t *data,
		       int timeout_ms)
{
	uint8_t *dst;
	int st = hpcap_producer_reserve(p, sec, nsec, caplen, len, &dst,
					timeout_ms);

	if (st == 1)
		memcpy(dst, data, caplen > HPCAP_MAX_CAPLEN ? HPCAP_MAX_CAPLEN
							    : caplen);
	end_batch(p);
	return st;
}

int hpcap_producer_put_batch(struct hpcap_producer *p,
			     const struct hpcap_producer_frame *f, unsigned n,
			     unsigned *stored, int timeout_ms)
{
	unsigned i, kept = 0;
	uint8_t *dst;
	int st = 0;

	for (i = 0; i < n; i++) {
		uint32_t cl = f[i].caplen > HPCAP_MAX_CAPLEN ? HPCAP_MAX_CAPLEN
							     : f[i].caplen;

		st = hpcap_producer_reserve(p, f[i].sec, f[i].nsec, f[i].caplen,
					    f[i].len, &dst, timeout_ms);
		if (st < 0)
			break;
		if (st == 1) {
			memcpy(dst, f[i].data, cl);
			kept++;
		}
	}
	end_batch(p);
	if (stored)
		*stored = kept;
	return i ? (int)i : st;
}

static int enough_listeners(struct hpcap_producer *p, void *arg)
{
	return p->ring.nactive >= *(unsigned *)arg;
}

static int all_read(struct hpcap_producer *p, void *arg)
{
	(void)arg;
	return slowest(&p->ring, p->ring.pos) < 0;
}

static int producer_wait(struct hpcap_producer *p, int timeout_ms,
			 int (*done)(struct hpcap_producer *p, void *arg),
			 void *arg, int on_events)
{
	int err;

	end_batch(p);
	pthread_mutex_lock(&p->lock);
	err = wait_locked(p, shm_deadline(timeout_ms), done, arg, on_events);
	pthread_mutex_unlock(&p->lock);
	if (err)
		return perr(p, err, "%s: %s", p->path,
			    err == -EINTR ? "interrupted" : "timed out");
	return 0;
}

int hpcap_producer_wait_listeners(struct hpcap_producer *p, unsigned n,
				  int timeout_ms)
{
	return producer_wait(p, timeout_ms, enough_listeners, &n, 1);
}

int hpcap_producer_drain(struct hpcap_producer *p, int timeout_ms)
{
	return producer_wait(p, timeout_ms, all_read, NULL, 0);
}

unsigned hpcap_producer_listeners(struct hpcap_producer *p)
{
	unsigned n;

	end_batch(p);
	pthread_mutex_lock(&p->lock);
	n = p->ring.nactive;
	pthread_mutex_unlock(&p->lock);
	return n;
}

int hpcap_producer_stats(struct hpcap_producer *p, struct hpcap_queue_stats *s)
{
	end_batch(p);
	pthread_mutex_lock(&p->lock);
	hpcap_ring_queue_stats(&p->ring, s);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

uint64_t hpcap_producer_cut_frames(const struct hpcap_producer *p)
{
	return p->cut_frames;
}

const struct hpcap_ring_info *hpcap_producer_info(
	const struct hpcap_producer *p)
{
	return p->info;
}

const char *hpcap_producer_geterr(const struct hpcap_producer *p)
{
	return p->err;
}

void hpcap_producer_close(struct hpcap_producer *p)
{
	if (!p)
		return;
	end_batch(p);
	pthread_mutex_lock(&p->lock);
	/* After the last publish: a listener that sees it has all. */
	p->closing = true;
	__atomic_store_n(&p->ctl->state, SHM_GONE, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&p->lock);
	/* Stop the desk, hang up on every listener (they wake, drain, and
	 * see the queue gone), remove the names if still ours. */
	shm_service_stop(p);
	unlink_ours(p->path, p->dev, p->ino);
	destroy(p);
}
