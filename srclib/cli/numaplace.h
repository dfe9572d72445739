/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * numaplace.h - a capture program's buffers and threads on the NUMA node
 * of the NIC whose queue it reads (HPCAP's design: the copy never crosses
 * the interconnect).  The module already puts the capture buffer on the
 * NIC's node; this does the same for what the program allocates after
 * opening the queue (copy and write buffers, pipeline buffers, thread
 * stacks) and for the threads that touch them.
 *
 * Two halves: where to place (sysfs only: the queue's interface, its
 * device's numa_node, the node list, each CPU's node; all read below
 * $HPCAP_SYSFS, default /sys, so tests fake a machine as the operations
 * scripts' tests do) and placing it (libnuma: a preferred memory node for
 * the process and the node's CPUs for the calling thread, inherited by
 * the threads it starts later).  What the caller chose already (numactl,
 * taskset) is kept.  Built without libnuma, nothing is placed and the
 * startup line says so.  Linked into the tools only.
 */
#ifndef HPCAP_NUMAPLACE_H
#define HPCAP_NUMAPLACE_H

#include <stddef.h>
#include <stdint.h>

#define NUMAPLACE_AUTO	(-1)	/* the node of the queue's NIC (default) */
#define NUMAPLACE_OFF	(-2)	/* leave it all to the kernel */

/* The option, for a getopt_long() table (long only). */
#define NUMAPLACE_OPT	0x2000
#define NUMAPLACE_OPTION { "numa-node", required_argument, NULL, NUMAPLACE_OPT }

/* --numa-node N|auto|off -> a node, NUMAPLACE_AUTO or NUMAPLACE_OFF;
 * exit(2) naming the option on anything else. */
int numaplace_parse(const char *what, const char *arg);

/* The --help lines of --numa-node. */
void numaplace_usage(void);

/* Nodes the machine has (the nodeN directories of sysfs); 1 when sysfs
 * lists none. */
int numaplace_nodes(void);

/* The interface behind queue adapter/queue into name: the module's
 * <sysfs>/class/hpcap/hpcap_<a>_<q>/ifname or, for a queue file a
 * userspace producer made in $HPCAP_DEV_DIR, the "ifname" line of its
 * port file hpcap_<a>.port.  0, or -1 when there is none (a synthetic
 * source, a replay). */
int numaplace_queue_ifname(unsigned adapter, unsigned queue, char *name,
			   size_t n);

/* The NUMA node of an interface's device, or -1 (virtual device, or
 * firmware that tells none). */
int numaplace_nic_node(const char *ifname);

/* The node of a CPU (from the nodes' cpulist files), or -1. */
int numaplace_cpu_node(unsigned cpu);

/*
 * Decide and place for queue adapter/queue.  want: a node,
 * NUMAPLACE_AUTO or NUMAPLACE_OFF.  pinned_cpus: the CPUs (bit i: CPU i)
 * the user pinned worker threads to with --cores; a warning names each
 * one on another node.  Call after opening the queue and before
 * allocating buffers or starting threads.  One line saying where the
 * buffers went goes to stderr unless quiet (warnings always).  Returns
 * the node placed on, or -1 when nothing was placed.
 */
int numaplace_apply(int want, unsigned adapter, unsigned queue,
		    uint64_t pinned_cpus, int quiet);

#endif /* HPCAP_NUMAPLACE_H */
