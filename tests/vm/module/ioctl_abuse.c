// SPDX-License-Identifier: BSD-3-Clause
/*
 * ioctl_abuse.c - bad callers against a queue device: thousands of ioctls
 * with random commands, random bytes and bad pointers must each fail with
 * EINVAL, EFAULT or ENOTTY (or succeed when they happen to be valid) and
 * change nothing; the mapping must be read-only in every way.
 *
 *   ioctl_abuse DEVICE ITERATIONS
 *
 * Prints one ok/fail line per property; exit 1 on any failure.
 */
#define _GNU_SOURCE
#include "hpcap.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

static void result(int ok, const char *what, const char *detail)
{
	printf("%s ioctl-abuse    %s%s%s\n", ok ? "ok  " : "fail", what,
	       ok ? "" : " - ", ok ? "" : detail);
	failures += !ok;
}

static uint64_t rnd(void)
{
	return (uint64_t)random() << 33 ^ (uint64_t)random() << 11 ^
	       (uint64_t)random();
}

int main(int argc, char **argv)
{
	static const unsigned long cmds[] = {
		HPCAP_IOC_INFO, HPCAP_IOC_ACK_WAIT, HPCAP_IOC_SET_MODE,
		HPCAP_IOC_QUEUE_STATS, HPCAP_IOC_LISTENER_STATS,
		HPCAP_IOC_ATTACH, HPCAP_IOC_DETACH,
	};
	struct hpcap_queue_stats s0, s1;
	struct hpcap_listener_stats l0, l1;
	struct hpcap_ring_info info;
	long iters, i, unexpected = 0, ok_calls = 0;
	uint8_t *buf, *ro;
	char detail[256];
	int fd, st;
	void *m;
	pid_t pid;

	if (argc != 3)
		return 2;
	iters = atol(argv[2]);
	/* Opened read-write, so a writable shared mapping is refused by the
	 * driver itself (on a read-only file the VFS refuses it first). */
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	srandom(12345);
	buf = aligned_alloc(4096, 8192);
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ioctl(fd, HPCAP_IOC_QUEUE_STATS, &s0);
	ioctl(fd, HPCAP_IOC_LISTENER_STATS, &l0);
	ioctl(fd, HPCAP_IOC_INFO, &info);

	for (i = 0; i < iters; i++) {
		unsigned long cmd;
		void *arg;
		int r, e;

		switch (random() % 4) {
		case 0: cmd = cmds[random() % 7]; break;
		case 1: cmd = _IOC(random() % 4, HPCAP_IOC_MAGIC, random() % 16,
				   random() % 200); break;
		case 2: cmd = (unsigned long)rnd() & 0xffffffff; break;
		default: cmd = cmds[random() % 7] ^ (1ul << (random() % 30)); break;
		}
		for (size_t k = 0; k < 8192; k++)
			buf[k] = (uint8_t)random();
		/* Never ask for a wait: random min_bytes could be valid. */
		if (cmd == HPCAP_IOC_ACK_WAIT)
			((struct hpcap_ack_wait *)buf)->timeout_ns = 0;
		switch (random() % 6) {
		case 0: arg = NULL; break;
		case 1: arg = (void *)(uintptr_t)(rnd() | 0xffff800000000000ull); break;
		case 2: arg = ro; break;
		case 3: arg = (void *)(uintptr_t)(random() % 4096); break;
		default: arg = buf; break;
		}
		r = ioctl(fd, cmd, arg);
		e = errno;
		if (r == 0) {
			ok_calls++;
			continue;
		}
		if (e != EINVAL && e != EFAULT && e != ENOTTY) {
			if (unexpected++ < 5)
				fprintf(stderr, "cmd %#lx arg %p: %s\n", cmd, arg,
					strerror(e));
		}
	}
	snprintf(detail, sizeof(detail), "%ld calls failed with something other than EINVAL/EFAULT/ENOTTY", unexpected);
	result(unexpected == 0, "random ioctls fail with EINVAL, EFAULT or ENOTTY", detail);
	printf("     ioctl-abuse    (%ld of %ld random calls were valid and succeeded)\n",
	       ok_calls, iters);

	ioctl(fd, HPCAP_IOC_QUEUE_STATS, &s1);
	ioctl(fd, HPCAP_IOC_LISTENER_STATS, &l1);
	s0.listeners = s1.listeners = 0;
	result(!memcmp(&s0, &s1, sizeof(s0)), "queue counters unchanged", "differ");
	snprintf(detail, sizeof(detail), "read_pos %llu -> %llu, acked %llu -> %llu",
		 (unsigned long long)l0.read_pos, (unsigned long long)l1.read_pos,
		 (unsigned long long)l0.acked_bytes, (unsigned long long)l1.acked_bytes);
	result(l0.read_pos == l1.read_pos && l0.acked_bytes == l1.acked_bytes,
	       "listener cursor unchanged", detail);

	/* The mapping is read-only, and stays so. */
	m = mmap(NULL, 4096 + info.buf_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	result(m == MAP_FAILED && errno == EPERM, "writable mapping refused (EPERM)",
	       m == MAP_FAILED ? strerror(errno) : "it was granted");
	m = mmap(NULL, 4096 + 2 * info.buf_size + 4096, PROT_READ, MAP_SHARED, fd, 0);
	result(m == MAP_FAILED && errno == EINVAL, "mapping beyond the buffer refused (EINVAL)",
	       m == MAP_FAILED ? strerror(errno) : "it was granted");
	m = mmap(NULL, 4096 + 2 * info.buf_size, PROT_READ, MAP_SHARED, fd, 0);
	result(m != MAP_FAILED, "read-only mapping granted", strerror(errno));
	if (m != MAP_FAILED) {
		st = mprotect(m, 4096, PROT_READ | PROT_WRITE);
		result(st < 0 && errno == EACCES, "mprotect to writable refused (EACCES)",
		       st < 0 ? strerror(errno) : "it was granted");
		pid = fork();
		if (pid == 0) {
			((volatile uint8_t *)m)[4096 + 100] = 1;
			_exit(0);
		}
		waitpid(pid, &st, 0);
		result(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
		       "writing to the mapping faults (SIGSEGV)", "the write went through");
		result(((const struct hpcap_ring_info *)m)->magic == HPCAP_ABI_MAGIC,
		       "info page readable through the mapping", "bad magic");
		munmap(m, 4096 + 2 * info.buf_size);
	}
	close(fd);
	return failures ? 1 : 0;
}
