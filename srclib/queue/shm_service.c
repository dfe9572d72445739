// SPDX-License-Identifier: BSD-3-Clause
/*
 * shm_service.c - the producer's listener desk: a thread that accepts
 * connections on the queue's socket, takes a listener in on its hello
 * (checking its cursor page), answers counter requests, and frees the
 * slot when the connection closes, however the listener ended.  Nothing a
 * listener sends is trusted: a malformed or late hello closes the
 * connection, a cursor page that could shrink (and so make the producer
 * fault) is refused.
 */
#define _GNU_SOURCE
#include "queue/shm_producer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_PENDING	16
#define HELLO_MS	5000	/* a connection has this long to say hello */

struct pending {
	int sock;
	uint64_t deadline;
};

static void reply(int sock, struct shm_msg *m)
{
	m->magic = SHM_MAGIC;
	m->version = SHM_VERSION;
	/* Never blocks: a listener that does not read its answers loses
	 * them, not the producer its time. */
	(void)!send(sock, m, sizeof(*m), MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* Receive one message and at most one descriptor.  Returns the bytes
 * read (0: closed), or -errno. */
static ssize_t recv_msg(int sock, struct shm_msg *m, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	ssize_t n;

	*fd = -1;
	n = recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		int *fds = (int *)CMSG_DATA(c), k, nfd;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (k = 0; k < nfd; k++) {
			int f;

			memcpy(&f, &fds[k], sizeof(f));
			if (*fd < 0 && k == 0)
				*fd = f;
			else
				close(f);	/* more than asked for */
		}
	}
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return -EPROTO;
	}
	return n;
}

/* Map a listener's cursor page read-only, if it is one that can not
 * shrink under us.  NULL on refusal. */
static const struct shm_cursor *map_cursor(int fd)
{
	struct stat st;
	int seals = fcntl(fd, F_GET_SEALS);

	if (seals < 0 || !(seals & F_SEAL_SHRINK) || fstat(fd, &st) < 0 ||
	    !S_ISREG(st.st_mode) || st.st_size < (off_t)SHM_PAGE)
		return NULL;
	return shm_page_get(fd, PROT_READ);
}

static void event(struct hpcap_producer *p)
{
	__atomic_add_fetch(&p->events, 1, __ATOMIC_RELEASE);
	shm_futex_wake(&p->events, 0);
}

/* A hello on a pending connection: 1 taken in (the socket is the slot's
 * now), 0 refused or broken (closed here). */
static int hello(struct hpcap_producer *p, int sock)
{
	struct shm_msg m;
	const struct shm_cursor *cur = NULL;
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	int fd, idx = -EPROTO;
	ssize_t n = recv_msg(sock, &m, &fd);

	if (n == -EAGAIN)
		return -1;	/* not yet: stays pending */
	if (n != (ssize_t)sizeof(m) || m.magic != SHM_MAGIC ||
	    m.version != SHM_VERSION || m.op != SHM_OP_HELLO ||
	    (m.mode != HPCAP_MODE_LOSSLESS && m.mode != HPCAP_MODE_LOSSY))
		goto refuse;
	cur = fd >= 0 ? map_cursor(fd) : NULL;
	if (!cur) {
		idx = -EPERM;
		goto refuse;
	}
	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) < 0)
		cr.pid = 0;
	pthread_mutex_lock(&p->lock);
	if (p->closing)
		idx = -ENODEV;
	else
		idx = hpcap_ring_listener_add(&p->ring, m.mode);
	if (idx >= 0) {
		struct shm_slot *s = &p->slot[idx];

		s->sock = sock;
		s->cur = cur;
		p->slots |= 1u << idx;
		s->pid = cr.pid;
		s->wait_seen = __atomic_load_n(&cur->wait_seq, __ATOMIC_ACQUIRE);
		memset(&m, 0, sizeof(m));
		m.op = SHM_OP_HELLO;
		m.idx = (uint32_t)idx;
		m.id = p->ring.lst[idx].id;
		/* The lock is free between batches: pos is published. */
		m.start_pos = p->ring.lst[idx].read_pos;
		m.start_frames = p->ring.frames;
		m.dev = (uint64_t)p->dev;
		m.ino = (uint64_t)p->ino;
		reply(sock, &m);
	}
	pthread_mutex_unlock(&p->lock);
	if (fd >= 0)
		close(fd);	/* the mapping stays */
	if (idx >= 0) {
		event(p);
		return 1;
	}
refuse:
	if (fd >= 0)
		close(fd);
	shm_page_put(cur);
	memset(&m, 0, sizeof(m));
	m.op = SHM_OP_HELLO;
	m.status = idx;
	reply(sock, &m);
	close(sock);
	return 0;
}

/* The listener in slot idx is gone (closed, killed, or misbehaved). */
static void drop_slot(struct hpcap_producer *p, int idx)
{
	struct shm_slot *s = &p->slot[idx];
	const struct shm_cursor *cur;

	pthread_mutex_lock(&p->lock);
	hpcap_ring_listener_del(&p->ring, idx);
	p->slots &= ~(1u << idx);
	cur = s->cur;
	/* The producer may sleep on its ack_seq: wake it before the page
	 * goes (it then finds the slot free and more room). */
	if (p->waiting_for == (uint32_t)idx + 1)
		shm_futex_wake((uint32_t *)&cur->ack_seq, 1);
	close(s->sock);
	s->sock = -1;
	s->cur = NULL;
	s->pid = 0;
	pthread_mutex_unlock(&p->lock);
	shm_page_put(cur);
	event(p);
}

/* A message from an attached listener. */
static void request(struct hpcap_producer *p, int idx)
{
	struct shm_msg m;
	int fd;
	ssize_t n = recv_msg(p->slot[idx].sock, &m, &fd);

	if (fd >= 0)
		close(fd);
	if (n == -EAGAIN || n == -EINTR)
		return;
	if (n != (ssize_t)sizeof(m) || m.magic != SHM_MAGIC ||
	    m.version != SHM_VERSION) {
		drop_slot(p, idx);	/* closed, or not speaking our tongue */
		return;
	}
	if (m.op == SHM_OP_STATS) {
		memset(&m, 0, sizeof(m));
		m.op = SHM_OP_STATS;
		pthread_mutex_lock(&p->lock);
		hpcap_ring_queue_stats(&p->ring, &m.stats);
		pthread_mutex_unlock(&p->lock);
		reply(p->slot[idx].sock, &m);
	}
}

static void *service(void *arg)
{
	struct hpcap_producer *p = arg;
	struct pollfd pf[2 + MAX_PENDING + HPCAP_MAX_LISTENERS];
	struct pending pend[MAX_PENDING];
	int slot_of[HPCAP_MAX_LISTENERS];
	int npend = 0, i;

	for (;;) {
		uint64_t now = shm_now_ns(), next = UINT64_MAX;
		int nf = 0, nslots = 0, ms, sock;

		pf[nf++] = (struct pollfd){ .fd = p->stop[0], .events = POLLIN };
		pf[nf++] = (struct pollfd){ .fd = p->lsock, .events = POLLIN };
		for (i = 0; i < npend; i++) {
			pf[nf++] = (struct pollfd){ .fd = pend[i].sock,
						    .events = POLLIN };
			if (pend[i].deadline < next)
				next = pend[i].deadline;
		}
		/* Only this thread adds or frees slots: no lock needed to
		 * read which are taken. */
		for (i = 0; i < (int)HPCAP_MAX_LISTENERS; i++) {
			if (p->slot[i].sock < 0)
				continue;
			slot_of[nslots++] = i;
			pf[nf++] = (struct pollfd){ .fd = p->slot[i].sock,
						    .events = POLLIN };
		}
		ms = next == UINT64_MAX ? -1 :
		     next <= now ? 0 : (int)((next - now) / 1000000u) + 1;
		if (poll(pf, (nfds_t)nf, ms) < 0 && errno != EINTR)
			continue;
		if (pf[0].revents)
			break;
		/* Attached listeners first (their fds come last). */
		for (i = 0; i < nslots; i++) {
			short ev = pf[2 + npend + i].revents;

			if (ev & (POLLHUP | POLLERR | POLLNVAL))
				drop_slot(p, slot_of[i]);
			else if (ev & POLLIN)
				request(p, slot_of[i]);
		}
		now = shm_now_ns();
		for (i = npend - 1; i >= 0; i--) {
			short ev = pf[2 + i].revents;
			int st = -1;

			if (ev & POLLIN)
				st = hello(p, pend[i].sock);
			else if (ev & (POLLHUP | POLLERR | POLLNVAL) ||
				 now >= pend[i].deadline)
				st = 0, close(pend[i].sock);
			if (st >= 0)
				pend[i] = pend[--npend];
		}
		if (pf[1].revents & POLLIN) {
			sock = accept4(p->lsock, NULL, NULL,
				       SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (sock >= 0 && npend < MAX_PENDING)
				pend[npend++] = (struct pending){
					.sock = sock,
					.deadline = now + HELLO_MS * 1000000ull,
				};
			else if (sock >= 0)
				close(sock);	/* too many at once */
		}
	}
	for (i = 0; i < npend; i++)
		close(pend[i].sock);
	return NULL;
}

int shm_service_start(struct hpcap_producer *p)
{
	int err;

	if (pipe2(p->stop, O_CLOEXEC) < 0)
		return -errno;
	err = pthread_create(&p->thread, NULL, service, p);
	if (err) {
		close(p->stop[0]);
		close(p->stop[1]);
		return -err;
	}
	p->thread_started = true;
	return 0;
}

void shm_service_stop(struct hpcap_producer *p)
{
	int i;

	if (p->thread_started) {
		(void)!write(p->stop[1], "x", 1);
		pthread_join(p->thread, NULL);
		close(p->stop[0]);
		close(p->stop[1]);
		p->thread_started = false;
	}
	/* Listeners see their connection hang up: the queue is gone. */
	for (i = 0; i < (int)HPCAP_MAX_LISTENERS; i++) {
		struct shm_slot *s = &p->slot[i];

		if (s->sock < 0)
			continue;
		close(s->sock);
		shm_page_put(s->cur);
		s->sock = -1;
		s->cur = NULL;
	}
}
