// SPDX-License-Identifier: BSD-3-Clause
/*
 * xdp-rxdrop - the ceiling of the AF_XDP benchmark: the same port as
 * hpcap-xdp (srclib/xdp: same program, same sockets, same mode and busy
 * polling), but each frame is only counted and its buffer given back,
 * never read, stamped or copied.  What hpcap-xdp adds on top of this is
 * the cost of capturing.
 *
 *   xdp-rxdrop [-c CPU] [-d SECONDS] [-M MODES] [-F UMEM_FRAMES]
 *              [-S FRAME_SIZE] [-R RX_RING] [--no-busy-poll] IFACE
 *
 * One queue (0).  Stops after SECONDS or on SIGINT/SIGTERM, then prints
 * "received N frames; xdp lost L (rx_dropped D, rx_ring_full F)".
 */
#define _GNU_SOURCE
#include "xdp/hxdp.h"

#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "no-busy-poll", no_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	struct hxdp_opts o = { .nqueues = 1, .busy_poll = 1, .numa_node = -1 };
	char errbuf[HXDP_ERRBUF_SIZE];
	struct xdp_statistics xs;
	struct hxdp_port *p;
	struct hxdp_queue *q;
	uint64_t frames = 0;
	double duration = 0, end;
	int c, cpu = -1, modes;
	unsigned n;
	uint32_t idx;

	while ((c = getopt_long(argc, argv, "c:d:M:F:R:S:", lo, NULL)) != -1) {
		switch (c) {
		case 'c': cpu = atoi(optarg); break;
		case 'd': duration = atof(optarg); break;
		case 'M':
			modes = hxdp_parse_modes(optarg);
			if (modes < 0) {
				fprintf(stderr, "xdp-rxdrop: bad -M %s\n", optarg);
				return 2;
			}
			o.modes = (unsigned)modes;
			break;
		case 'B': o.busy_poll = 0; break;
		case 'F': o.nframes = (unsigned)atoi(optarg); break;
		case 'R': o.rx_size = (unsigned)atoi(optarg); break;
		case 'S': o.frame_size = (unsigned)atoi(optarg); break;
		default:
			fprintf(stderr, "Usage: %s [-c CPU] [-d SECONDS] [-M MODES] [-F UMEM_FRAMES] [-S FRAME_SIZE] [-R RX_RING] [--no-busy-poll] IFACE\n",
				argv[0]);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "xdp-rxdrop: need the interface\n");
		return 2;
	}
	o.ifname = argv[optind];
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (hxdp_port_open(&p, &o, errbuf)) {
		fprintf(stderr, "xdp-rxdrop: %s\n", errbuf);
		return 1;
	}
	q = &p->q[0];
	fprintf(stderr, "xdp-rxdrop: %s, %s mode%s\n", p->ifname,
		hxdp_mode_name(p->mode), q->busy_poll ? ", busy poll" : "");
	end = duration > 0 ? now_s() + duration : 0;
	while (!stop) {
		n = hxdp_rx_peek(q, 64, &idx);
		if (n) {
			hxdp_rx_done(q, idx, n);
			frames += n;
			continue;
		}
		hxdp_rx_kick(q);
		if (end && now_s() >= end)
			break;
	}
	/* Count what is already on its way, as hpcap-xdp does. */
	hxdp_port_unplug(p);
	end = now_s() + 0.02;
	while (now_s() < end) {
		n = hxdp_rx_peek(q, 64, &idx);
		if (n) {
			hxdp_rx_done(q, idx, n);
			frames += n;
		} else {
			hxdp_rx_kick(q);
		}
	}
	hxdp_queue_stats(q, &xs);
	printf("received %llu frames; xdp lost %llu (rx_dropped %llu, rx_ring_full %llu)\n",
	       (unsigned long long)frames,
	       (unsigned long long)(xs.rx_dropped + xs.rx_ring_full +
				    xs.rx_invalid_descs),
	       (unsigned long long)xs.rx_dropped,
	       (unsigned long long)xs.rx_ring_full);
	hxdp_port_close(p);
	return 0;
}
