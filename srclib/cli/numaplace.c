// SPDX-License-Identifier: BSD-3-Clause
/*
 * numaplace.c - see numaplace.h.  Nothing here runs per frame: one
 * decision at startup, then the kernel does the rest (pages are placed
 * when first touched, threads inherit the CPU list).
 */
#define _GNU_SOURCE
#include "cli/numaplace.h"
#include "cli/cli.h"
#include "hpcap.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef HPCAP_HAVE_LIBNUMA
#include <numa.h>
#include <numaif.h>
#endif

static const char *sysfs(void)
{
	const char *s = getenv("HPCAP_SYSFS");

	return s && *s ? s : "/sys";
}

/* The first line of a small file, without its newline; -1 if unreadable
 * or empty. */
static int read_line(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "re");
	size_t len;

	if (!f)
		return -1;
	if (!fgets(buf, (int)n, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	len = strcspn(buf, "\n");
	buf[len] = '\0';
	return len ? 0 : -1;
}

/* "nodeN" -> N; -1 for any other name. */
static int node_dir_number(const char *name)
{
	char *e;
	long v;

	if (strncmp(name, "node", 4) || !isdigit((unsigned char)name[4]))
		return -1;
	v = strtol(name + 4, &e, 10);
	return *e || v > 4095 ? -1 : (int)v;
}

static int node_exists(int node)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/devices/system/node", sysfs());
	if (stat(path, &st))
		return node == 0;	/* no node list (a kernel without NUMA) */
	snprintf(path, sizeof(path), "%s/devices/system/node/node%d",
		 sysfs(), node);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int numaplace_nodes(void)
{
	char path[512];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "%s/devices/system/node", sysfs());
	d = opendir(path);
	if (!d)
		return 1;
	while ((e = readdir(d)))
		n += node_dir_number(e->d_name) >= 0;
	closedir(d);
	return n ? n : 1;
}

int numaplace_parse(const char *what, const char *arg)
{
	char *e;
	long v;

	if (!strcmp(arg, "auto"))
		return NUMAPLACE_AUTO;
	if (!strcmp(arg, "off"))
		return NUMAPLACE_OFF;
	errno = 0;
	v = strtol(arg, &e, 10);
	if (e == arg || *e || errno || v < 0 || v > 4095)
		cli_usage_error("%s: '%s' is not a node number, 'auto' or 'off'",
				what, arg);
	if (!node_exists((int)v))
		cli_usage_error("%s: this machine has no NUMA node %ld (it has %d; see 'numactl --hardware')",
				what, v, numaplace_nodes());
	return (int)v;
}

void numaplace_usage(void)
{
	printf("      --numa-node N|auto|off  where buffers and threads go: NUMA node N,\n"
	       "                          auto (default) the node of the queue's NIC, or\n"
	       "                          off (where the kernel puts them)\n");
}

/* The "ifname" line of a producer's port file (hpcap-xdp writes one). */
static int port_file_ifname(const char *dir, unsigned adapter, char *name,
			    size_t n)
{
	char path[512], line[256];
	FILE *f;
	int found = -1;

	snprintf(path, sizeof(path), "%s/%s%u.port", dir, HPCAP_DEV_PREFIX,
		 adapter);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (found < 0 && fgets(line, sizeof(line), f)) {
		size_t len = strcspn(line, "\n");

		line[len] = '\0';
		if (!strncmp(line, "ifname ", 7) && line[7]) {
			snprintf(name, n, "%s", line + 7);
			found = 0;
		}
	}
	fclose(f);
	return found;
}

int numaplace_queue_ifname(unsigned adapter, unsigned queue, char *name,
			   size_t n)
{
	const char *dir = getenv("HPCAP_DEV_DIR");
	char path[512];
	struct stat st;

	/* A queue file made by a userspace producer (libhpcap opens it the
	 * same way, hpcap_open()). */
	snprintf(path, sizeof(path), "%s/%s%u_%u", dir && *dir ? dir : "/dev",
		 HPCAP_DEV_PREFIX, adapter, queue);
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return port_file_ifname(dir && *dir ? dir : "/dev", adapter,
					name, n);
	snprintf(path, sizeof(path), "%s/class/hpcap/%s%u_%u/ifname", sysfs(),
		 HPCAP_DEV_PREFIX, adapter, queue);
	return read_line(path, name, n);
}

int numaplace_nic_node(const char *ifname)
{
	char path[512], buf[32], *e;
	long v;

	if (!*ifname || strchr(ifname, '/'))
		return -1;
	snprintf(path, sizeof(path), "%s/class/net/%s/device/numa_node",
		 sysfs(), ifname);
	if (read_line(path, buf, sizeof(buf)) < 0)
		return -1;	/* no device: a virtual interface */
	v = strtol(buf, &e, 10);
	return *e || v < 0 || v > 4095 ? -1 : (int)v;
}

/* Is cpu in a cpulist ("0-3,8,10-11")? */
static int in_cpulist(const char *s, unsigned cpu)
{
	while (*s) {
		char *e;
		unsigned long a = strtoul(s, &e, 10), b = a;

		if (e == s)
			return 0;
		if (*e == '-') {
			s = e + 1;
			b = strtoul(s, &e, 10);
			if (e == s)
				return 0;
		}
		if (cpu >= a && cpu <= b)
			return 1;
		if (*e != ',')
			return 0;
		s = e + 1;
	}
	return 0;
}

int numaplace_cpu_node(unsigned cpu)
{
	char path[512], list[4096];
	struct dirent *e;
	int node = -1;
	DIR *d;

	snprintf(path, sizeof(path), "%s/devices/system/node", sysfs());
	d = opendir(path);
	if (!d)
		return -1;
	while (node < 0 && (e = readdir(d))) {
		int k = node_dir_number(e->d_name);

		if (k < 0)
			continue;
		snprintf(path, sizeof(path), "%s/devices/system/node/node%d/cpulist",
			 sysfs(), k);
		if (read_line(path, list, sizeof(list)) == 0 &&
		    in_cpulist(list, cpu))
			node = k;
	}
	closedir(d);
	return node;
}

/* "where": what placed the buffers (into msg); the node placed on or -1. */
static int place(int node, char *msg, size_t n)
{
#ifdef HPCAP_HAVE_LIBNUMA
	const char *mem = "buffers on node", *cpu = "threads on its CPUs";
	cpu_set_t set;
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	int mode = MPOL_DEFAULT;

	if (numa_available() < 0) {
		snprintf(msg, n, "libnuma finds no NUMA support: nothing placed");
		return -1;
	}
	/* sysfs named a node the kernel does not offer (a made-up /sys in
	 * the tests, or a node gone offline): libnuma would refuse it. */
	if (node > numa_max_node() ||
	    !numa_bitmask_isbitset(numa_all_nodes_ptr, (unsigned)node)) {
		snprintf(msg, n, "the kernel offers no node %d: nothing placed",
			 node);
		return -1;
	}
	/* Pages come from the node when first touched, so this covers every
	 * buffer allocated from now on; a policy the caller set (numactl
	 * --membind/--preferred) wins. */
	if (get_mempolicy(&mode, NULL, 0, NULL, 0) == 0 && mode == MPOL_DEFAULT)
		numa_set_preferred(node);
	else
		mem = "buffers where the caller's memory policy (numactl?) puts them, not on node";
	/* Threads started later inherit the CPU list; worker threads pinned
	 * with --cores are set apart afterwards.  A CPU list the caller
	 * chose (taskset, numactl --cpunodebind) is kept. */
	if (sched_getaffinity(0, sizeof(set), &set) == 0 &&
	    online > 0 && CPU_COUNT(&set) < online)
		cpu = "threads on the CPUs the caller chose (taskset?)";
	else if (numa_run_on_node(node) < 0)
		cpu = "threads anywhere (libnuma could not run them there)";
	snprintf(msg, n, "%s %d, %s", mem, node, cpu);
	return node;
#else
	snprintf(msg, n, "built without libnuma: nothing placed on node %d (install libnuma-dev and rebuild)",
		 node);
	return -1;
#endif
}

int numaplace_apply(int want, unsigned adapter, unsigned queue,
		    uint64_t pinned_cpus, int quiet)
{
	char ifname[256] = "", why[320], msg[256];
	int node, placed;
	unsigned c;

	if (want == NUMAPLACE_OFF) {
		if (!quiet)
			cli_err("NUMA: off (--numa-node off): buffers and threads where the kernel puts them");
		return -1;
	}
	if (numaplace_nodes() <= 1) {
		if (!quiet)
			cli_err("NUMA: one node: nothing to place");
		return -1;
	}
	if (want >= 0) {
		node = want;
		snprintf(why, sizeof(why), "--numa-node %d", want);
	} else {
		if (numaplace_queue_ifname(adapter, queue, ifname,
					   sizeof(ifname)) < 0) {
			if (!quiet)
				cli_err("NUMA: queue %u_%u names no interface (a synthetic source or a replay): nothing placed (--numa-node N places on node N)",
					adapter, queue);
			return -1;
		}
		node = numaplace_nic_node(ifname);
		if (node < 0) {
			if (!quiet)
				cli_err("NUMA: %s has no NUMA node (a virtual device?): nothing placed (--numa-node N places on node N)",
					ifname);
			return -1;
		}
		snprintf(why, sizeof(why), "%s is on node %d", ifname, node);
	}
	for (c = 0; c < 64; c++) {
		int cn;

		if (!(pinned_cpus >> c & 1))
			continue;
		cn = numaplace_cpu_node(c);
		if (cn >= 0 && cn != node)
			cli_err("warning: --cores: CPU %u is on node %d, the buffers on node %d (%s): that thread reads them across nodes",
				c, cn, node, why);
	}
	placed = place(node, msg, sizeof(msg));
	if (!quiet)
		cli_err("NUMA: %s: %s", why, msg);
	return placed;
}
