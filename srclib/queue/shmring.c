// SPDX-License-Identifier: BSD-3-Clause
/*
 * shmring.c - shared-memory capture queues: the userspace producer
 * (struct hpcap_producer, libhpcap_live.h) and the listener side that
 * live.c uses for a queue that is a regular file (shmring.h).
 *
 * The file holds what the module keeps for a queue: the info page, the
 * ring state of core/hpcap_ring.c (listener cursors included) and the
 * buffer.  Every operation the module does under its queue spinlock is
 * done here under a process-shared robust mutex in the file, calling the
 * very same ring functions, so framing, flow control and loss accounting
 * are the module's.  struct hpcap_ring holds two pointers (the buffer and
 * the info page); they are process-local, so whoever takes the lock points
 * them at its own mapping first (ctl_lock()).
 *
 * Waiting is on futexes in the file, never a busy loop: listeners sleep on
 * data_seq after leaving a wait target (as the module's wake_at), the
 * producer sleeps on room_seq when the slowest lossless listener is a
 * whole buffer behind (or while waiting for listeners) and is kicked by
 * the listeners' acknowledgements.  Sleeps are sliced (WAIT_SLICE_MS) so
 * that a peer killed without a word is noticed: the producer holds an OFD
 * lock on byte 0 of the file and each listener one on byte 1 + its slot,
 * and the kernel drops them when the process dies.
 *
 * Within one process every handle on the same file shares one mapping
 * (a small registry keyed by device and inode), so a producer thread and
 * listener threads synchronise through the same addresses (and
 * ThreadSanitizer sees them do it).
 */
#define _GNU_SOURCE
#include "libhpcap_live.h"
#include "queue/shmring.h"
#include "hpcap_ring.h"
#include "queue/dblmap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SHM_MAGIC	0x48505348u	/* "HPSH" */
#define SHM_VERSION	1u
#define SHM_CTL_OFF	4096u		/* the info page comes first */
#define SHM_PAGE	4096u
#define LOCK_PRODUCER	0		/* OFD lock bytes */
#define LOCK_SLOT(i)	(1 + (off_t)(i))
/* Longest sleep before looking for dead peers again. */
#define WAIT_SLICE_MS	100
/* The producer looks for dead listeners this often while it writes. */
#define REAP_EVERY_NS	(100ull * 1000 * 1000)
#define DEFAULT_BUF	(64ull << 20)

enum shm_state { SHM_READY = 1, SHM_GONE = 2 };

struct shm_ctl {
	/* Written once by the producer before the file gets its name. */
	uint32_t magic;
	uint32_t version;
	uint32_t ctl_size;	/* sizeof(struct shm_ctl) */
	uint32_t ring_size;	/* sizeof(struct hpcap_ring) */
	uint32_t mutex_size;	/* sizeof(pthread_mutex_t) */
	uint32_t ptr_size;	/* sizeof(void *): same ABI on both sides */
	uint32_t flags;		/* HPCAP_PRODUCER_* */
	int32_t producer_pid;	/* for messages */
	/* Under lock.  state is also read without it (atomically). */
	uint32_t state;		/* enum shm_state */
	uint32_t producer_waits; /* the producer sleeps on room_seq */
	/* Futex words: bumped, then woken, by whoever changes what the
	 * sleepers wait for. */
	uint32_t data_seq;	/* write_pos passed wake_at, or gone */
	uint32_t room_seq;	/* an ack, a listener came or went */
	uint64_t wake_at;	/* lowest wait target; U64_MAX: none */
	uint64_t wait_target[HPCAP_MAX_LISTENERS];	/* 0: not waiting */
	int32_t pid[HPCAP_MAX_LISTENERS];
	pthread_mutex_t lock;
	struct hpcap_ring ring;
};

HPCAP_STATIC_ASSERT(sizeof(struct hpcap_ring_info) <= SHM_CTL_OFF,
		    "the info page holds the ring info");

/* ------------------------------------------------------------------ */
/* Mappings, one per file per process                                   */
/* ------------------------------------------------------------------ */

struct shm_map {
	struct shm_map *next;
	dev_t dev;
	ino_t ino;
	int refs;
	uint8_t *head;		/* info page + control area, read-write */
	size_t head_len;	/* = info_size */
	uint8_t *data;		/* the buffer, twice */
	uint64_t size;
};

static pthread_mutex_t maps_lock = PTHREAD_MUTEX_INITIALIZER;
static struct shm_map *maps;

static void map_free(struct shm_map *m)
{
	if (m->head && m->head != MAP_FAILED)
		munmap(m->head, m->head_len);
	hpcap_dblunmap(m->data, m->size);
	free(m);
}

/* The mapping of fd's file (size, info_size known valid), shared with
 * every other handle of this process on it.  NULL with errno set. */
static struct shm_map *map_get(int fd, const struct stat *st,
			       size_t info_size, uint64_t size, int prot)
{
	struct shm_map *m;
	int err;

	pthread_mutex_lock(&maps_lock);
	for (m = maps; m; m = m->next) {
		if (m->dev == st->st_dev && m->ino == st->st_ino) {
			m->refs++;
			pthread_mutex_unlock(&maps_lock);
			return m;
		}
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		pthread_mutex_unlock(&maps_lock);
		errno = ENOMEM;
		return NULL;
	}
	m->dev = st->st_dev;
	m->ino = st->st_ino;
	m->refs = 1;
	m->head_len = info_size;
	m->size = size;
	m->head = mmap(NULL, info_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, 0);
	if (m->head == MAP_FAILED)
		goto fail;
	m->data = hpcap_dblmap(fd, info_size, size, prot);
	if (!m->data)
		goto fail;
	m->next = maps;
	maps = m;
	pthread_mutex_unlock(&maps_lock);
	return m;
fail:
	err = errno;
	map_free(m);
	pthread_mutex_unlock(&maps_lock);
	errno = err;
	return NULL;
}

static void map_put(struct shm_map *m)
{
	struct shm_map **pp;

	if (!m)
		return;
	pthread_mutex_lock(&maps_lock);
	if (--m->refs == 0) {
		for (pp = &maps; *pp; pp = &(*pp)->next) {
			if (*pp == m) {
				*pp = m->next;
				break;
			}
		}
		map_free(m);
	}
	pthread_mutex_unlock(&maps_lock);
}

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */
/* ------------------------------------------------------------------ */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Deadline for a timeout in ms (-1: never), in now_ns() time. */
static uint64_t deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ? UINT64_MAX
			      : now_ns() + (uint64_t)timeout_ms * 1000000u;
}

/* Sleep while *word == val, at most min(deadline, one slice).  0 when
 * woken or the value had changed, -ETIMEDOUT, -EINTR (a signal). */
static int futex_sleep(uint32_t *word, uint32_t val, uint64_t deadline)
{
	uint64_t now = now_ns(), ns = (uint64_t)WAIT_SLICE_MS * 1000000u;
	struct timespec ts;

	if (now >= deadline)
		return -ETIMEDOUT;
	if (deadline - now < ns)
		ns = deadline - now;
	ts.tv_sec = (time_t)(ns / 1000000000u);
	ts.tv_nsec = (long)(ns % 1000000000u);
	/* Shared futex (no FUTEX_PRIVATE_FLAG): the word is in a file
	 * mapped by several processes. */
	if (syscall(SYS_futex, word, FUTEX_WAIT, val, &ts, NULL, 0) < 0) {
		if (errno == EINTR)
			return -EINTR;
		if (errno == ETIMEDOUT)
			return -ETIMEDOUT;
	}
	return 0;	/* woken, or EAGAIN: the value had changed */
}

static void futex_bump(uint32_t *word)
{
	__atomic_add_fetch(word, 1, __ATOMIC_RELEASE);
	syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* An OFD lock of one byte: F_RDLCK, F_WRLCK or F_UNLCK.  0 or -errno. */
static int byte_lock(int fd, off_t byte, short type)
{
	struct flock fl = {
		.l_type = type,
		.l_whence = SEEK_SET,
		.l_start = byte,
		.l_len = 1,
	};

	return fcntl(fd, F_OFD_SETLK, &fl) < 0 ? -errno : 0;
}

/* Whether another open file description (another process, or another
 * handle) holds a lock on byte.  Errors count as held: never reclaim a
 * slot on a doubt. */
static int byte_held(int fd, off_t byte)
{
	struct flock fl = {
		.l_type = F_WRLCK,
		.l_whence = SEEK_SET,
		.l_start = byte,
		.l_len = 1,
	};

	if (fcntl(fd, F_OFD_GETLK, &fl) < 0)
		return 1;
	return fl.l_type != F_UNLCK;
}

static uint32_t load_state(struct shm_ctl *c)
{
	return __atomic_load_n(&c->state, __ATOMIC_ACQUIRE);
}

/*
 * Take the queue lock and point the ring at this process's mappings.  If
 * the last holder died while holding it, the ring is as it left it: every
 * listener step leaves it consistent, but a producer killed between
 * reserving and publishing leaves pos ahead of write_pos, so unless the
 * caller is the producer itself and the producer is gone, roll back to
 * what was published and end the queue.
 */
static int ctl_lock(struct shm_ctl *c, struct shm_map *m, int fd,
		    int producer)
{
	int e = pthread_mutex_lock(&c->lock);

	if (e && e != EOWNERDEAD)
		return -e;	/* ENOTRECOVERABLE: nothing to do but fail */
	c->ring.data = m->data;
	c->ring.info = (struct hpcap_ring_info *)m->head;
	if (e == EOWNERDEAD) {
		if (!producer && !byte_held(fd, LOCK_PRODUCER)) {
			c->ring.pos = __atomic_load_n(&c->ring.info->write_pos,
						      __ATOMIC_RELAXED);
			__atomic_store_n(&c->state, SHM_GONE, __ATOMIC_RELEASE);
		}
		pthread_mutex_consistent(&c->lock);
	}
	return 0;
}

static void ctl_unlock(struct shm_ctl *c)
{
	pthread_mutex_unlock(&c->lock);
}

/* Lowest wait target, as hpcap_queue_set_wait() keeps it.  Under lock. */
static void set_wait(struct shm_ctl *c, int idx, uint64_t target)
{
	uint64_t min = UINT64_MAX;
	unsigned i;

	c->wait_target[idx] = target;
	for (i = 0; i < HPCAP_MAX_LISTENERS; i++)
		if (c->wait_target[i] && c->wait_target[i] < min)
			min = c->wait_target[i];
	c->wake_at = min;
}

/* Wake the producer if it sleeps on room.  Under lock; returns whether
 * to futex_bump(&c->room_seq) once the lock is dropped. */
static int kick_producer(struct shm_ctl *c)
{
	if (!c->producer_waits)
		return 0;
	c->producer_waits = 0;
	return 1;
}

/* Reclaim the slots of listeners whose process is gone.  Under lock,
 * from a descriptor that holds no slot lock itself. */
static unsigned reap(struct shm_ctl *c, int fd)
{
	unsigned i, n = 0;

	for (i = 0; i < HPCAP_MAX_LISTENERS; i++) {
		if (!c->ring.lst[i].active || byte_held(fd, LOCK_SLOT(i)))
			continue;
		hpcap_ring_listener_del(&c->ring, (int)i);
		set_wait(c, (int)i, 0);
		c->pid[i] = 0;
		n++;
	}
	return n;
}

/* Read and check the layout of an open queue file.  0, or -errno with
 * errbuf set. */
static int check_layout(int fd, const char *path, struct stat *st,
			struct hpcap_ring_info *info, char *errbuf)
{
	struct shm_ctl hdr;

	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) ||
	    (uint64_t)st->st_size < SHM_CTL_OFF + sizeof(hdr) ||
	    pread(fd, info, sizeof(*info), 0) != (ssize_t)sizeof(*info) ||
	    pread(fd, &hdr, sizeof(hdr), SHM_CTL_OFF) != (ssize_t)sizeof(hdr)) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "%s is neither an hpcap device nor a queue made by pcap2hpcap (too short or unreadable)",
			 path);
		return -EPROTO;
	}
	if (info->magic != HPCAP_ABI_MAGIC || hdr.magic != SHM_MAGIC) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "%s is neither an hpcap device nor a queue made by pcap2hpcap (bad magic)",
			 path);
		return -EPROTO;
	}
	if (info->version != HPCAP_ABI_VERSION || hdr.version != SHM_VERSION ||
	    hdr.ctl_size != sizeof(hdr) ||
	    hdr.ring_size != sizeof(struct hpcap_ring) ||
	    hdr.mutex_size != sizeof(pthread_mutex_t) ||
	    hdr.ptr_size != sizeof(void *)) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "%s was made by another build of libhpcap (ABI %u, queue layout %u, %u-bit): use tools and libraries of the same build on both sides",
			 path, info->version, hdr.version, hdr.ptr_size * 8);
		return -EPROTO;
	}
	if (info->info_size < SHM_CTL_OFF + sizeof(hdr) ||
	    info->info_size % SHM_PAGE || !info->buf_size ||
	    info->buf_size % HPCAP_BLOCK_SIZE || !info->file_size ||
	    info->file_size % HPCAP_BLOCK_SIZE ||
	    (uint64_t)st->st_size != info->info_size + info->buf_size) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "%s has an impossible layout (info %u, buffer %llu, file %llu, size %llu bytes)",
			 path, info->info_size,
			 (unsigned long long)info->buf_size,
			 (unsigned long long)info->file_size,
			 (unsigned long long)st->st_size);
		return -EPROTO;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Listener side                                                        */
/* ------------------------------------------------------------------ */

struct shmring_listener {
	int fd;
	int idx;
	struct shm_map *map;
	struct shm_ctl *ctl;
	struct hpcap_ring_info *info;
	char path[128];
};

int shmring_listener_open(struct shmring_listener **out, const char *path,
			  int lossy, char *errbuf)
{
	struct hpcap_ring_info info;
	struct shmring_listener *l;
	struct shm_ctl *c;
	struct stat st;
	int err, idx, kick;

	*out = NULL;
	l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		return -ENOMEM;
	}
	l->idx = -1;
	snprintf(l->path, sizeof(l->path), "%s", path);
	/* Read-write: the lock, the cursors and the futex words are in the
	 * file.  The buffer itself is mapped read-only. */
	l->fd = open(path, O_RDWR | O_CLOEXEC);
	if (l->fd < 0) {
		err = errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot open %s: %s%s", path,
			 strerror(err), err == EACCES ?
			 " (a listener of a shared-memory queue needs read and write access to its file)" : "");
		free(l);
		return -err;
	}
	err = check_layout(l->fd, path, &st, &info, errbuf);
	if (err)
		goto fail;
	l->map = map_get(l->fd, &st, info.info_size, info.buf_size, PROT_READ);
	if (!l->map) {
		err = -errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot map %s (%llu bytes): %s",
			 path, (unsigned long long)st.st_size, strerror(-err));
		goto fail;
	}
	l->info = (struct hpcap_ring_info *)l->map->head;
	l->ctl = c = (struct shm_ctl *)(l->map->head + SHM_CTL_OFF);
	if (!byte_held(l->fd, LOCK_PRODUCER)) {
		err = -ENODEV;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "%s: its producer is gone (the replay ended or was killed); start pcap2hpcap again",
			 path);
		goto fail;
	}
	err = ctl_lock(c, l->map, l->fd, 0);
	if (err) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "%s: cannot lock the queue: %s",
			 path, strerror(-err));
		goto fail;
	}
	if (load_state(c) != SHM_READY) {
		ctl_unlock(c);
		err = -ENODEV;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "%s: the queue is going away (its replay ended)", path);
		goto fail;
	}
	idx = hpcap_ring_listener_add(&c->ring, lossy ? HPCAP_MODE_LOSSY
						      : HPCAP_MODE_LOSSLESS);
	if (idx == -EBUSY && reap(c, l->fd))
		idx = hpcap_ring_listener_add(&c->ring, lossy ?
					      HPCAP_MODE_LOSSY :
					      HPCAP_MODE_LOSSLESS);
	if (idx >= 0) {
		/* Taken before the lock is dropped, so the producer never
		 * sees an active slot without its lock. */
		err = byte_lock(l->fd, LOCK_SLOT(idx), F_RDLCK);
		if (err) {
			hpcap_ring_listener_del(&c->ring, idx);
			idx = err;
		} else {
			c->pid[idx] = (int32_t)getpid();
		}
	}
	kick = idx >= 0 && kick_producer(c);
	ctl_unlock(c);
	if (kick)
		futex_bump(&c->room_seq);
	if (idx < 0) {
		err = idx;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot open %s: %s%s", path,
			 strerror(-err), err == -EBUSY ?
			 ": every listener slot of this queue is taken" : "");
		goto fail;
	}
	l->idx = idx;
	*out = l;
	return 0;
fail:
	map_put(l->map);
	close(l->fd);
	free(l);
	return err;
}

const struct hpcap_ring_info *
shmring_listener_info(const struct shmring_listener *l)
{
	return l->info;
}

const uint8_t *shmring_listener_data(const struct shmring_listener *l)
{
	return l->map->data;
}

int shmring_listener_fd(const struct shmring_listener *l)
{
	return l->fd;
}

/* The producer died without ending the queue: end it for everyone. */
static void mark_gone(struct shmring_listener *l)
{
	if (ctl_lock(l->ctl, l->map, l->fd, 0) == 0) {
		__atomic_store_n(&l->ctl->state, SHM_GONE, __ATOMIC_RELEASE);
		ctl_unlock(l->ctl);
	}
	futex_bump(&l->ctl->data_seq);
}

/* After a wait (or on finding the producer dead): stop waiting and read
 * the cursor again, with what was published meanwhile. */
static int refresh(struct shmring_listener *l, struct hpcap_ack_wait *aw,
		   int *gone)
{
	struct shm_ctl *c = l->ctl;
	struct hpcap_ack_wait now;
	int err = ctl_lock(c, l->map, l->fd, 0);

	if (err)
		return err;
	set_wait(c, l->idx, 0);
	hpcap_ring_ack(&c->ring, l->idx, 0, &now);
	*gone = load_state(c) == SHM_GONE;
	ctl_unlock(c);
	aw->read_pos = now.read_pos;
	aw->avail = now.avail;
	aw->lost_frames += now.lost_frames;
	aw->lost_bytes += now.lost_bytes;
	return 0;
}

/* Mirrors hpcap_ioc_ack_wait() in driver/hpcap_cdev.c. */
int shmring_listener_ack_wait(struct shmring_listener *l, struct hpcap_ack_wait *aw)
{
	struct shm_ctl *c = l->ctl;
	uint64_t deadline, target;
	int err, kick, gone;

	/* A wait for more than the buffer holds could never end. */
	if (aw->flags || aw->min_bytes > l->map->size)
		return -EINVAL;
	err = ctl_lock(c, l->map, l->fd, 0);
	if (err)
		return err;
	err = hpcap_ring_ack(&c->ring, l->idx, aw->ack_bytes, aw);
	/* Read with the ack: once gone is seen, pos is final, so an empty
	 * window with the flag really means drained. */
	gone = load_state(c) == SHM_GONE;
	if (!err && aw->avail < aw->min_bytes && aw->timeout_ns && !gone)
		set_wait(c, l->idx, aw->read_pos + aw->min_bytes);
	kick = !err && aw->ack_bytes && kick_producer(c);
	ctl_unlock(c);
	if (kick)
		futex_bump(&c->room_seq);
	if (err)
		return err;

	if (aw->avail < aw->min_bytes && !gone &&
	    !byte_held(l->fd, LOCK_PRODUCER)) {
		/* Killed: nothing more will come, but what it published
		 * after our ack is there to read. */
		mark_gone(l);
		err = refresh(l, aw, &gone);
		if (err)
			return err;
	}
	if (aw->avail < aw->min_bytes && aw->timeout_ns && !gone) {
		int armed = 1;	/* set_wait() was done with the ack */

		deadline = aw->timeout_ns >= (UINT64_MAX >> 1) ? UINT64_MAX
			   : now_ns() + aw->timeout_ns;
		target = aw->read_pos + aw->min_bytes;
		for (;;) {
			uint32_t seq = __atomic_load_n(&c->data_seq,
						       __ATOMIC_ACQUIRE);

			if (__atomic_load_n(&l->info->write_pos,
					    __ATOMIC_ACQUIRE) >= target ||
			    load_state(c) == SHM_GONE)
				break;
			if (!armed) {
				/* A wake disarms every waiter (the producer
				 * resets wake_at): ask again, then look
				 * again before sleeping. */
				err = ctl_lock(c, l->map, l->fd, 0);
				if (err)
					return err;
				set_wait(c, l->idx, target);
				ctl_unlock(c);
				armed = 1;
				continue;
			}
			err = futex_sleep(&c->data_seq, seq, deadline);
			if (!err)
				armed = 0;
			/* A signal or the timeout ends the wait early with
			 * success, as in the module: the ack is applied. */
			if (err == -EINTR || (err == -ETIMEDOUT &&
					      now_ns() >= deadline))
				break;
			if (err == -ETIMEDOUT &&
			    !byte_held(l->fd, LOCK_PRODUCER)) {
				mark_gone(l);
				break;
			}
		}
		err = refresh(l, aw, &gone);
		if (err)
			return err;
	}
	aw->flags = gone ? HPCAP_ACK_QUEUE_GONE : 0;
	return 0;
}

int shmring_listener_queue_stats(struct shmring_listener *l,
				 struct hpcap_queue_stats *s)
{
	int err = ctl_lock(l->ctl, l->map, l->fd, 0);

	if (err)
		return err;
	hpcap_ring_queue_stats(&l->ctl->ring, s);
	ctl_unlock(l->ctl);
	return 0;
}

int shmring_listener_stats(struct shmring_listener *l,
			   struct hpcap_listener_stats *s)
{
	int err = ctl_lock(l->ctl, l->map, l->fd, 0);

	if (err)
		return err;
	hpcap_ring_listener_stats(&l->ctl->ring, l->idx, s);
	ctl_unlock(l->ctl);
	return 0;
}

void shmring_listener_close(struct shmring_listener *l)
{
	struct shm_ctl *c;
	int kick = 0;

	if (!l)
		return;
	c = l->ctl;
	if (ctl_lock(c, l->map, l->fd, 0) == 0) {
		set_wait(c, l->idx, 0);
		hpcap_ring_listener_del(&c->ring, l->idx);
		c->pid[l->idx] = 0;
		kick = kick_producer(c);	/* the limit may have grown */
		ctl_unlock(c);
	}
	if (kick)
		futex_bump(&c->room_seq);
	close(l->fd);	/* drops the slot lock, after the slot is free */
	map_put(l->map);
	free(l);
}

/* ------------------------------------------------------------------ */
/* Producer                                                             */
/* ------------------------------------------------------------------ */

struct hpcap_producer {
	int fd;
	struct shm_map *map;
	struct shm_ctl *ctl;
	struct hpcap_ring_info *info;
	unsigned flags;
	uint64_t cut_frames;
	uint64_t next_reap;	/* now_ns() of the next dead-listener scan */
	unsigned puts;
	dev_t dev;
	ino_t ino;
	char path[PATH_MAX];
	char err[HPCAP_ERRBUF_SIZE];
};

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
	busy = byte_held(fd, LOCK_PRODUCER);
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

static int init_ctl(struct shm_ctl *c, struct shm_map *m,
		    const struct hpcap_producer_opts *o, size_t info_size)
{
	struct hpcap_ring_info *info = (struct hpcap_ring_info *)m->head;
	pthread_mutexattr_t a;
	int err;

	memset(c, 0, sizeof(*c));
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	err = pthread_mutex_init(&c->lock, &a);
	pthread_mutexattr_destroy(&a);
	if (err)
		return -err;
	err = hpcap_ring_init(&c->ring, m->data, o->buf_size, o->file_size,
			      info, o->adapter, o->queue);
	if (err)
		return err;
	info->info_size = (uint32_t)info_size;	/* the buffer's offset */
	c->wake_at = UINT64_MAX;
	c->flags = o->flags;
	c->producer_pid = (int32_t)getpid();
	c->ctl_size = sizeof(*c);
	c->ring_size = sizeof(struct hpcap_ring);
	c->mutex_size = sizeof(pthread_mutex_t);
	c->ptr_size = sizeof(void *);
	c->version = SHM_VERSION;
	c->state = SHM_READY;
	/* Readers check the magic first; nobody can open the file before
	 * it is renamed into place anyway. */
	__atomic_store_n(&c->magic, SHM_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

int hpcap_producer_create(struct hpcap_producer **out, const char *path,
			  const struct hpcap_producer_opts *opts,
			  char *errbuf)
{
	struct hpcap_producer_opts o = opts ? *opts :
		(struct hpcap_producer_opts){ 0 };
	size_t info_size = SHM_CTL_OFF + ((sizeof(struct shm_ctl) + SHM_PAGE - 1) /
				       SHM_PAGE) * SHM_PAGE;
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
	    (int)sizeof(tmp)) {
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
	snprintf(p->path, sizeof(p->path), "%s", path);
	p->flags = o.flags;
	p->fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, o.mode);
	if (p->fd < 0) {
		err = -errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot create %s: %s", tmp,
			 strerror(-err));
		free(p);
		return err;
	}
	if (ftruncate(p->fd, (off_t)(info_size + o.buf_size)) < 0 ||
	    fstat(p->fd, &st) < 0) {
		err = -errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot size %s to %llu bytes: %s",
			 tmp, (unsigned long long)(info_size + o.buf_size),
			 strerror(-err));
		goto fail;
	}
	/* The lock that says "a producer is alive", for its lifetime. */
	err = byte_lock(p->fd, LOCK_PRODUCER, F_WRLCK);
	if (err) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot lock %s: %s", tmp,
			 strerror(-err));
		goto fail;
	}
	p->map = map_get(p->fd, &st, info_size, o.buf_size,
			 PROT_READ | PROT_WRITE);
	if (!p->map) {
		err = -errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "cannot map %s (%llu bytes): %s%s", tmp,
			 (unsigned long long)(info_size + o.buf_size),
			 strerror(-err), err == -ENOMEM || err == -ENOSPC ?
			 " (is the tmpfs big enough? try a smaller --buf-size)" : "");
		goto fail;
	}
	p->info = (struct hpcap_ring_info *)p->map->head;
	p->ctl = (struct shm_ctl *)(p->map->head + SHM_CTL_OFF);
	err = init_ctl(p->ctl, p->map, &o, info_size);
	if (err) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot set up %s: %s", tmp,
			 strerror(-err));
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		err = -errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot rename %s to %s: %s",
			 tmp, path, strerror(-err));
		goto fail;
	}
	p->dev = st.st_dev;
	p->ino = st.st_ino;
	p->next_reap = now_ns() + REAP_EVERY_NS;
	*out = p;
	return 0;
fail:
	unlink(tmp);
	map_put(p->map);
	close(p->fd);
	free(p);
	return err;
}

static int plock(struct hpcap_producer *p)
{
	int err = ctl_lock(p->ctl, p->map, p->fd, 1);

	if (err)
		return perr(p, err, "%s: cannot lock the queue: %s", p->path,
			    strerror(-err));
	return 0;
}

/* Start sleeping on room_seq: returns the value to sleep on.  Under lock. */
static uint32_t producer_will_wait(struct shm_ctl *c)
{
	c->producer_waits = 1;
	return __atomic_load_n(&c->room_seq, __ATOMIC_ACQUIRE);
}

/* Whether a record of rec bytes can be written now without overtaking a
 * lossless listener: hpcap_ring_put()'s own test, done first so that a
 * frame that must wait is neither dropped nor counted.  Under lock. */
static int has_room(const struct hpcap_ring *r, uint32_t rec)
{
	uint64_t end = r->pos + hpcap_pad_for_room(r->froom, rec) + rec;
	uint64_t min = UINT64_MAX;
	unsigned i;

	for (i = 0; i < HPCAP_MAX_LISTENERS; i++) {
		const struct hpcap_listener *l = &r->lst[i];

		if (l->active && l->mode == HPCAP_MODE_LOSSLESS &&
		    l->read_pos < min)
			min = l->read_pos;
	}
	return min == UINT64_MAX || end <= min + r->size;
}

int hpcap_producer_put(struct hpcap_producer *p, uint32_t sec, uint32_t nsec,
		       uint32_t caplen, uint32_t len, const uint8_t *data,
		       int timeout_ms)
{
	struct shm_ctl *c = p->ctl;
	uint64_t deadline = 0;
	uint32_t seq;
	int err, wake;
	u8 *dst;

	if (caplen > HPCAP_MAX_CAPLEN) {
		caplen = HPCAP_MAX_CAPLEN;
		p->cut_frames++;
	}
	for (;;) {
		err = plock(p);
		if (err)
			return err;
		if ((++p->puts & 1023) == 0 && now_ns() >= p->next_reap) {
			reap(c, p->fd);
			p->next_reap = now_ns() + REAP_EVERY_NS;
		}
		if (!(p->flags & HPCAP_PRODUCER_DROP) && c->ring.nlossless &&
		    !has_room(&c->ring, HPCAP_RAW_HDR_LEN + caplen)) {
			seq = producer_will_wait(c);
			ctl_unlock(c);
			if (!deadline)
				deadline = deadline_of(timeout_ms);
			err = futex_sleep(&c->room_seq, seq, deadline);
			if (err == -EINTR)
				return perr(p, err, "%s: interrupted while waiting for a listener to make room",
					    p->path);
			if (err == -ETIMEDOUT) {
				if (now_ns() >= deadline)
					return perr(p, err, "%s: no room: a lossless listener is a whole buffer behind",
						    p->path);
				/* A slice ended: is the slow one alive? */
				err = plock(p);
				if (err)
					return err;
				reap(c, p->fd);
				ctl_unlock(c);
			}
			continue;
		}
		dst = hpcap_ring_put(&c->ring, sec, nsec, caplen, len);
		if (dst)
			memcpy(dst, data, caplen);
		hpcap_ring_publish(&c->ring);
		wake = c->ring.pos >= c->wake_at;
		/* One wake per wait, not one per frame: the sleepers
		 * re-arm (wait_armed()) if what came is not enough. */
		if (wake)
			c->wake_at = UINT64_MAX;
		ctl_unlock(c);
		if (wake)
			futex_bump(&c->data_seq);
		return dst ? 1 : 0;
	}
}

/* Sleep until cond(p) holds (checked under lock, after reaping). */
static int producer_wait(struct hpcap_producer *p, int timeout_ms,
			 int (*cond)(const struct shm_ctl *c, unsigned arg),
			 unsigned arg)
{
	uint64_t deadline = deadline_of(timeout_ms);
	struct shm_ctl *c = p->ctl;
	uint32_t seq;
	int err, ok;

	for (;;) {
		err = plock(p);
		if (err)
			return err;
		reap(c, p->fd);
		ok = cond(c, arg);
		seq = ok ? 0 : producer_will_wait(c);
		ctl_unlock(c);
		if (ok)
			return 0;
		err = futex_sleep(&c->room_seq, seq, deadline);
		if (err == -EINTR)
			return perr(p, err, "%s: interrupted", p->path);
		if (err == -ETIMEDOUT && now_ns() >= deadline)
			return perr(p, err, "%s: timed out", p->path);
	}
}

static int enough_listeners(const struct shm_ctl *c, unsigned n)
{
	return c->ring.nactive >= n;
}

static int all_read(const struct shm_ctl *c, unsigned unused)
{
	unsigned i;

	(void)unused;
	for (i = 0; i < HPCAP_MAX_LISTENERS; i++) {
		const struct hpcap_listener *l = &c->ring.lst[i];

		if (l->active && l->mode == HPCAP_MODE_LOSSLESS &&
		    l->read_pos < c->ring.pos)
			return 0;
	}
	return 1;
}

int hpcap_producer_wait_listeners(struct hpcap_producer *p, unsigned n,
				  int timeout_ms)
{
	return producer_wait(p, timeout_ms, enough_listeners, n);
}

int hpcap_producer_drain(struct hpcap_producer *p, int timeout_ms)
{
	return producer_wait(p, timeout_ms, all_read, 0);
}

unsigned hpcap_producer_listeners(struct hpcap_producer *p)
{
	unsigned n;

	if (plock(p))
		return 0;
	reap(p->ctl, p->fd);
	n = p->ctl->ring.nactive;
	ctl_unlock(p->ctl);
	return n;
}

int hpcap_producer_stats(struct hpcap_producer *p, struct hpcap_queue_stats *s)
{
	int err = plock(p);

	if (err)
		return err;
	hpcap_ring_queue_stats(&p->ctl->ring, s);
	ctl_unlock(p->ctl);
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
	struct stat st;

	if (!p)
		return;
	if (plock(p) == 0) {
		__atomic_store_n(&p->ctl->state, SHM_GONE, __ATOMIC_RELEASE);
		ctl_unlock(p->ctl);
	}
	futex_bump(&p->ctl->data_seq);
	/* Remove the name only if it is still ours (not a newer queue's). */
	if (stat(p->path, &st) == 0 && st.st_dev == p->dev &&
	    st.st_ino == p->ino)
		unlink(p->path);
	close(p->fd);
	map_put(p->map);
	free(p);
}
