// SPDX-License-Identifier: BSD-3-Clause
/*
 * preflight.c - what hpcap-xdp checks before it touches the interface, so
 * that a missing capability, a low locked-memory limit, a queue the NIC
 * does not have or a second instance is a clear message, not a port left
 * half configured: the interface, the kernel's AF_XDP, capabilities,
 * RLIMIT_MEMLOCK, RX queue count, NUMA node, the per-interface lock.
 */
#define _GNU_SOURCE
#include "preflight.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef AF_XDP
#define AF_XDP 44
#endif

/* Capability numbers (linux/capability.h); CAP_BPF is 5.8+. */
#define CAP_NET_ADMIN_BIT 12
#define CAP_NET_RAW_BIT 13
#define CAP_IPC_LOCK_BIT 14
#define CAP_SYS_ADMIN_BIT 21
#define CAP_BPF_BIT 39

int hxdp_err(char *buf, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, HXDP_ERRBUF_SIZE, fmt, ap);
	va_end(ap);
	return code;
}

void hxdp_note(char *notes, const char *fmt, ...)
{
	size_t n = strlen(notes);
	va_list ap;

	if (n && n + 2 < HXDP_ERRBUF_SIZE) {
		strcpy(notes + n, "; ");
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(notes + n, HXDP_ERRBUF_SIZE - n, fmt, ap);
	va_end(ap);
}

/* The effective capability set, from /proc/self/status. */
static uint64_t cap_eff(void)
{
	char line[256];
	uint64_t v = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return ~0ull;	/* cannot tell: let the kernel say */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", (unsigned long long *)&v) == 1)
			break;
	fclose(f);
	return v;
}

static int has_cap(uint64_t eff, int bit)
{
	return !!(eff & (1ull << bit));
}

int hxdp_check_caps(int *ipc_lock, char *errbuf)
{
	uint64_t eff = cap_eff();
	char missing[128] = "";

	if (!has_cap(eff, CAP_NET_ADMIN_BIT))
		strcat(missing, " CAP_NET_ADMIN");
	if (!has_cap(eff, CAP_NET_RAW_BIT))
		strcat(missing, " CAP_NET_RAW");
	/* Kernels before 5.8 want CAP_SYS_ADMIN for BPF instead. */
	if (!has_cap(eff, CAP_BPF_BIT) && !has_cap(eff, CAP_SYS_ADMIN_BIT))
		strcat(missing, " CAP_BPF");
	*ipc_lock = has_cap(eff, CAP_IPC_LOCK_BIT);
	if (missing[0])
		return hxdp_err(errbuf, -EPERM,
				"missing capabilities:%s (XDP needs CAP_NET_ADMIN to attach, CAP_NET_RAW for AF_XDP sockets, CAP_BPF to load the program): run as root, or grant them: setcap cap_net_admin,cap_net_raw,cap_bpf,cap_ipc_lock+ep hpcap-xdp",
				missing);
	return 0;
}

int hxdp_check_af_xdp(char *errbuf)
{
	int fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		if (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT)
			return hxdp_err(errbuf, -EAFNOSUPPORT,
					"this kernel has no AF_XDP sockets (CONFIG_XDP_SOCKETS, Linux 4.18+): use the hpcap module's generic source (mode mirror or drop) on this port");
		if (errno == EPERM || errno == EACCES)
			return hxdp_err(errbuf, -EPERM,
					"not allowed to open an AF_XDP socket (CAP_NET_RAW): run as root or grant it with setcap");
		return hxdp_err(errbuf, -errno, "cannot open an AF_XDP socket: %s",
				strerror(errno));
	}
	close(fd);
	return 0;
}

int hxdp_check_memlock(uint64_t need, int ipc_lock, char *errbuf)
{
	struct rlimit rl;

	/* The kernel charges UMEM pages to RLIMIT_MEMLOCK unless the
	 * process has CAP_IPC_LOCK. */
	if (ipc_lock || getrlimit(RLIMIT_MEMLOCK, &rl) ||
	    rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return 0;
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? need : rl.rlim_max;
		if (setrlimit(RLIMIT_MEMLOCK, &rl) == 0)
			return 0;
	}
	return hxdp_err(errbuf, -ENOBUFS,
			"the UMEM needs %llu KiB of locked memory but RLIMIT_MEMLOCK allows %llu KiB: raise it (ulimit -l %llu, or LimitMEMLOCK=infinity in a systemd unit), grant CAP_IPC_LOCK, or use fewer/smaller buffers (--umem-frames)",
			(unsigned long long)(need >> 10),
			(unsigned long long)(rl.rlim_cur >> 10),
			(unsigned long long)((need + 1023) >> 10));
}

/* Count /sys/class/net/IF/queues/rx-N: the RX queues in use. */
int hxdp_rx_queues(const char *ifname)
{
	char path[128];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "rx-", 3))
			n++;
	closedir(d);
	return n;
}

int hxdp_nic_node(const char *ifname)
{
	char path[128];
	int node = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device/numa_node",
		 ifname);
	f = fopen(path, "re");
	if (!f)
		return -1;	/* a virtual device: no node */
	if (fscanf(f, "%d", &node) != 1)
		node = -1;
	fclose(f);
	return node;
}

/*
 * One hpcap-xdp per interface: an exclusive lock on a file named by the
 * network namespace and the interface index (names can change, and the
 * same name can exist in two namespaces).  The kernel drops it when the
 * process ends, however it ends.
 */
int hxdp_lock_port(int ifindex, const char *ifname, char *errbuf)
{
	char path[128], alt[128], pid[32] = "";
	struct stat ns;
	ssize_t n;
	int fd;

	if (stat("/proc/self/ns/net", &ns))
		ns.st_ino = 0;
	if (mkdir(HXDP_LOCK_DIR, 0755) && errno != EEXIST) {
		/* not root (capabilities only): the lock goes below */
	}
	snprintf(path, sizeof(path), HXDP_LOCK_DIR "/xdp-%llu-%d.lock",
		 (unsigned long long)ns.st_ino, ifindex);
	snprintf(alt, sizeof(alt), HXDP_LOCK_DIR_ALT "/.hpcap-xdp-%llu-%d.lock",
		 (unsigned long long)ns.st_ino, ifindex);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 && (errno == EACCES || errno == ENOENT || errno == EROFS)) {
		snprintf(path, sizeof(path), "%s", alt);
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	}
	if (fd < 0)
		return hxdp_err(errbuf, -errno,
				"cannot open the lock %s: %s (%s must be writable)",
				path, strerror(errno), HXDP_LOCK_DIR);
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = 0;
		pid[strcspn(pid, "\n")] = 0;
		close(fd);
		return hxdp_err(errbuf, -EBUSY,
				"%s is already captured by hpcap-xdp (pid %s): stop that one first (one instance per interface; it can capture several queues)",
				ifname, pid[0] ? pid : "unknown");
	}
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, strlen(pid), 0) < 0) {
		/* the pid is for messages only */
	}
	return fd;
}

/* Is another instance running on this interface?  (Lock, then let go.) */
int hxdp_port_locked(int ifindex)
{
	char buf[HXDP_ERRBUF_SIZE];
	int fd = hxdp_lock_port(ifindex, "", buf);

	if (fd == -EBUSY)
		return 1;
	if (fd >= 0)
		close(fd);
	return 0;
}
