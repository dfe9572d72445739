// SPDX-License-Identifier: BSD-3-Clause
/*
 * xdp-gen - traffic for the AF_XDP benchmark: frames made in the kernel by
 * BPF_PROG_RUN in live-frames mode (bench/xdp_gen.bpf.c) and sent out of
 * one end of a veth pair, so they arrive on the other end at rates no
 * socket-based sender reaches on this machine.  64-byte or IMIX frames,
 * each with its sequence number; paced to a rate, or as fast as it goes.
 *
 *   xdp-gen -i IFACE -o OBJ [-s 64|594|1518|imix] [-r PPS] [-n FRAMES]
 *           [-c CPU] [-b BURST]
 *
 * Each BPF_PROG_RUN call sends BURST frames (default 4096) back to back;
 * calls are paced to the rate.  A call costs about a millisecond of
 * setup in the kernel here (a page pool per call), so small bursts cap
 * the rate; the receivers must absorb a burst.
 * Prints "sent N frames in T s: R pps" on stdout; N is what the program
 * ran on (its own counter), every one of them handed to the veth.
 * Needs Linux 5.18 (live frames) and root.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef BPF_F_TEST_XDP_LIVE_FRAMES
#define BPF_F_TEST_XDP_LIVE_FRAMES (1U << 1)
#endif

#define TEMPLATE_LEN 1518

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Ethernet / IPv4 / UDP, 1518 bytes; xdp_gen.bpf.c cuts it. */
static void make_template(uint8_t *f)
{
	static const uint8_t hdr[42] = {
		0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, 0x08, 0x00,
		0x45, 0, 0x05, 0xdc, 0, 0, 0x40, 0, 64, 17, 0, 0,
		10, 0, 0, 1, 10, 0, 0, 2,
		0x13, 0x89, 0x13, 0x89, 0x05, 0xc8, 0, 0,
	};
	unsigned i;

	memcpy(f, hdr, sizeof(hdr));
	for (i = sizeof(hdr); i < TEMPLATE_LEN; i++)
		f[i] = (uint8_t)(i * 7);
}

static int silent(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	return l == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"Usage: %s -i IFACE -o OBJ [-s 64|594|1518|imix] [-r PPS] [-n FRAMES] [-c CPU] [-b BURST]\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *ifname = NULL, *objpath = NULL, *size = "64";
	uint64_t rate = 0, count = 1000000, sent = 0, burst = 4096, t0, t1, due;
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *rodata, *bss;
	uint8_t frame[TEMPLATE_LEN];
	int c, cpu = -1, err, fd;
	unsigned ifindex;
	size_t rosz;
	struct {
		uint32_t out_ifindex;
		uint32_t frame_size;
	} *ro;

	while ((c = getopt(argc, argv, "i:o:s:r:n:c:b:")) != -1) {
		switch (c) {
		case 'i': ifname = optarg; break;
		case 'o': objpath = optarg; break;
		case 's': size = optarg; break;
		case 'r': rate = strtoull(optarg, NULL, 10); break;
		case 'n': count = strtoull(optarg, NULL, 10); break;
		case 'c': cpu = atoi(optarg); break;
		case 'b': burst = strtoull(optarg, NULL, 10); break;
		default: usage(argv[0]);
		}
	}
	if (!ifname || !objpath || !burst || burst > (1u << 30))
		usage(argv[0]);
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		fprintf(stderr, "xdp-gen: no interface %s\n", ifname);
		return 1;
	}
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	libbpf_set_print(silent);
	obj = bpf_object__open_file(objpath, NULL);
	if (!obj) {
		fprintf(stderr, "xdp-gen: cannot open %s\n", objpath);
		return 1;
	}
	rodata = bpf_object__find_map_by_name(obj, ".rodata");
	/* libbpf 1.1 returns it const; before load it may be written. */
	ro = rodata ? (void *)(uintptr_t)bpf_map__initial_value(rodata, &rosz) : NULL;
	if (!ro || rosz != sizeof(*ro)) {
		fprintf(stderr, "xdp-gen: %s has no configuration\n", objpath);
		return 1;
	}
	ro->out_ifindex = ifindex;
	ro->frame_size = strcmp(size, "imix") ? (uint32_t)atoi(size) : 0;
	if (ro->frame_size && (ro->frame_size < 60 || ro->frame_size > TEMPLATE_LEN)) {
		fprintf(stderr, "xdp-gen: frame size 60..1518 or imix\n");
		return 2;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "xdp-gen: cannot load %s: %s\n", objpath,
			strerror(-err));
		return 1;
	}
	prog = bpf_object__find_program_by_name(obj, "xdp_gen");
	fd = bpf_program__fd(prog);
	bss = bpf_object__find_map_by_name(obj, ".bss");
	make_template(frame);

	t0 = now_ns();
	due = t0;
	while (sent < count) {
		LIBBPF_OPTS(bpf_test_run_opts, o,
			    .data_in = frame,
			    .data_size_in = sizeof(frame),
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
			    .batch_size = 64);
		uint64_t n = count - sent < burst ? count - sent : burst;

		if (rate) {
			/* Spin to the batch's time: sleeping is too coarse
			 * at these rates. */
			while (now_ns() < due)
				;
			due += n * 1000000000ull / rate;
		}
		o.repeat = (int)n;
		err = bpf_prog_test_run_opts(fd, &o);
		if (err) {
			fprintf(stderr, "xdp-gen: BPF_PROG_RUN: %s (Linux 5.18+ needed)\n",
				strerror(-err));
			return 1;
		}
		sent += n;
	}
	t1 = now_ns();
	{
		uint32_t key = 0;
		uint64_t ran = 0;

		/* The program's own count: exactly what it sent. */
		if (bss && !bpf_map_lookup_elem(bpf_map__fd(bss), &key, &ran))
			sent = ran;
	}
	printf("sent %llu frames in %.3f s: %.0f pps\n",
	       (unsigned long long)sent, (double)(t1 - t0) / 1e9,
	       (double)sent * 1e9 / (double)(t1 - t0));
	bpf_object__close(obj);
	return 0;
}
