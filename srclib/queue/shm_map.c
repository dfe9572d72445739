// SPDX-License-Identifier: BSD-3-Clause
/*
 * shm_map.c - see shm_map.h.
 */
#define _GNU_SOURCE
#include "queue/shm_map.h"
#include "queue/dblmap.h"
#include "libhpcap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t maps_lock = PTHREAD_MUTEX_INITIALIZER;
static struct shm_map *maps;

static void map_free(struct shm_map *m)
{
	if (m->head && m->head != MAP_FAILED)
		munmap(m->head, SHM_INFO_SIZE);
	hpcap_dblunmap(m->data, m->size);
	free(m);
}

struct shm_map *shm_map_get(int fd, const struct stat *st, uint64_t size,
			    int prot)
{
	struct shm_map *m;
	int err;

	pthread_mutex_lock(&maps_lock);
	for (m = maps; m; m = m->next) {
		if (m->dev == st->st_dev && m->ino == st->st_ino &&
		    (m->prot & prot) == prot) {
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
	m->prot = prot;
	m->size = size;
	m->head = mmap(NULL, SHM_INFO_SIZE, prot, MAP_SHARED, fd, 0);
	if (m->head == MAP_FAILED)
		goto fail;
	m->data = hpcap_dblmap(fd, SHM_INFO_SIZE, size, prot);
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

void shm_map_put(struct shm_map *m)
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

struct shm_page {
	struct shm_page *next;
	dev_t dev;
	ino_t ino;
	int refs;
	int prot;
	void *addr;
};

static struct shm_page *pages;

void *shm_page_get(int fd, int prot)
{
	struct shm_page *g;
	struct stat st;
	void *a;

	if (fstat(fd, &st) < 0)
		return NULL;
	pthread_mutex_lock(&maps_lock);
	for (g = pages; g; g = g->next) {
		if (g->dev == st.st_dev && g->ino == st.st_ino &&
		    (g->prot & prot) == prot) {
			g->refs++;
			pthread_mutex_unlock(&maps_lock);
			return g->addr;
		}
	}
	g = calloc(1, sizeof(*g));
	a = g ? mmap(NULL, SHM_PAGE, prot, MAP_SHARED, fd, 0) : MAP_FAILED;
	if (a == MAP_FAILED) {
		int err = g ? errno : ENOMEM;

		free(g);
		pthread_mutex_unlock(&maps_lock);
		errno = err;
		return NULL;
	}
	g->dev = st.st_dev;
	g->ino = st.st_ino;
	g->refs = 1;
	g->prot = prot;
	g->addr = a;
	g->next = pages;
	pages = g;
	pthread_mutex_unlock(&maps_lock);
	return a;
}

void shm_page_put(const void *page)
{
	struct shm_page **pp, *g;

	if (!page)
		return;
	pthread_mutex_lock(&maps_lock);
	for (pp = &pages; (g = *pp); pp = &g->next) {
		if (g->addr != page)
			continue;
		if (--g->refs == 0) {
			*pp = g->next;
			munmap(g->addr, SHM_PAGE);
			free(g);
		}
		break;
	}
	pthread_mutex_unlock(&maps_lock);
}

int shm_check_layout(int fd, const char *path, struct stat *st,
		     struct hpcap_ring_info *info, char *errbuf)
{
	struct shm_ctl hdr;

	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) ||
	    (uint64_t)st->st_size < SHM_INFO_SIZE ||
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
	    hdr.cursor_size != sizeof(struct shm_cursor) ||
	    hdr.msg_size != sizeof(struct shm_msg)) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "%s was made by another build of libhpcap (ABI %u, queue layout %u): use tools and libraries of the same build on both sides",
			 path, info->version, hdr.version);
		return -EPROTO;
	}
	if (info->info_size != SHM_INFO_SIZE || !info->buf_size ||
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

int shm_byte_lock(int fd, off_t byte, short type)
{
	struct flock fl = {
		.l_type = type,
		.l_whence = SEEK_SET,
		.l_start = byte,
		.l_len = 1,
	};

	return fcntl(fd, F_OFD_SETLK, &fl) < 0 ? -errno : 0;
}

int shm_byte_held(int fd, off_t byte)
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

uint64_t shm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t shm_deadline(int timeout_ms)
{
	return timeout_ms < 0 ? UINT64_MAX
			      : shm_now_ns() + (uint64_t)timeout_ms * 1000000u;
}

int shm_futex_wait(uint32_t *word, uint32_t val, uint64_t deadline,
		   unsigned slice_ms, int shared)
{
	uint64_t now = shm_now_ns(), ns = UINT64_MAX;
	struct timespec ts, *tp = NULL;
	int op = FUTEX_WAIT | (shared ? 0 : FUTEX_PRIVATE_FLAG);

	if (now >= deadline)
		return -ETIMEDOUT;
	if (deadline != UINT64_MAX)
		ns = deadline - now;
	if (slice_ms && ns > (uint64_t)slice_ms * 1000000u)
		ns = (uint64_t)slice_ms * 1000000u;
	if (ns != UINT64_MAX) {
		ts.tv_sec = (time_t)(ns / 1000000000u);
		ts.tv_nsec = (long)(ns % 1000000000u);
		tp = &ts;
	}
	if (syscall(SYS_futex, word, op, val, tp, NULL, 0) < 0) {
		if (errno == EINTR)
			return -EINTR;
		if (errno == ETIMEDOUT)
			return -ETIMEDOUT;
	}
	return 0;	/* woken, or EAGAIN: the value had changed */
}

void shm_futex_wake(uint32_t *word, int shared)
{
	syscall(SYS_futex, word, FUTEX_WAKE | (shared ? 0 : FUTEX_PRIVATE_FLAG),
		INT_MAX, NULL, NULL, 0);
}

int shm_membarrier_register(void)
{
	long cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);

	if (cmds < 0)
		return -errno;
	if (!(cmds & MEMBARRIER_CMD_GLOBAL_EXPEDITED) ||
	    !(cmds & MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED))
		return -ENOSYS;
	return syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED,
		       0, 0) < 0 ? -errno : 0;
}

int shm_membarrier(void)
{
	return syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0) < 0
	       ? -errno : 0;
}

int shm_sock_addr(const char *path, struct sockaddr_un *a, socklen_t *len,
		  int *dirfd)
{
	char dir[PATH_MAX];
	const char *base = strrchr(path, '/');
	int n;

	*dirfd = -1;
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	n = snprintf(a->sun_path, sizeof(a->sun_path), "%s%s", path,
		     SHM_SOCK_SUFFIX);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= sizeof(a->sun_path)) {
		/* Through the directory: /proc/self/fd/N/<name>.sock */
		if (!base) {
			snprintf(dir, sizeof(dir), ".");
			base = path;
		} else {
			if ((size_t)(base - path) >= sizeof(dir))
				return -ENAMETOOLONG;
			memcpy(dir, path, (size_t)(base - path));
			dir[base - path] = 0;
			if (!dir[0])
				snprintf(dir, sizeof(dir), "/");
			base++;
		}
		*dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (*dirfd < 0)
			return -errno;
		n = snprintf(a->sun_path, sizeof(a->sun_path),
			     "/proc/self/fd/%d/%s%s", *dirfd, base,
			     SHM_SOCK_SUFFIX);
		if (n < 0 || (size_t)n >= sizeof(a->sun_path)) {
			close(*dirfd);
			*dirfd = -1;
			return -ENAMETOOLONG;
		}
	}
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
			   strlen(a->sun_path) + 1);
	return 0;
}
