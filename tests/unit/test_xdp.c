// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_xdp.c - the parts of srclib/xdp that need no kernel: the metadata
 * the XDP program leaves in front of a frame is found only with its magic,
 * and is used once (a stale struct in a reused chunk is never taken for a
 * new frame's); the choice of stamp (NIC, kernel clock, dequeue time) and
 * its counters; the parsing of --xdp-mode; the options refused before
 * anything is touched; the counter files' names (the module's, plus the
 * XDP ones) and the loss sum.  The rest runs on veth: tests/xdp/.
 */
#define _GNU_SOURCE
#include "check.h"
#include "xdp/feed.h"
#include "xdp/hxdp.h"
#include "xdp/statsfile.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_meta(void)
{
	uint8_t chunk[512];
	uint8_t *data = chunk + 256;	/* the frame, after the headroom */
	struct hpcap_xdp_meta *m = (struct hpcap_xdp_meta *)(void *)
		(data - sizeof(*m));
	const struct hpcap_xdp_meta *got;

	memset(chunk, 0, sizeof(chunk));
	CHECK(hxdp_meta(data) == NULL);	/* a driver that refused metadata */
	m->mono_ns = 123;
	m->magic = HPCAP_XDP_META_MAGIC;
	got = hxdp_meta(data);
	CHECK(got == m);
	CHECK_EQ(got->mono_ns, 123);
	/* Read once: the chunk's next frame must bring its own. */
	CHECK(hxdp_meta(data) == NULL);
	/* The struct ends where the frame starts. */
	CHECK_EQ((uint8_t *)(m + 1) - data, 0);
}

static void test_pick_stamp(void)
{
	const uint64_t s = 1000000000ull;
	struct hpcap_xdp_meta m = { 0 };
	struct hxdp_feed_stats st;
	int64_t off = (int64_t)(1700000000ull * s);	/* realtime - mono */

	memset(&st, 0, sizeof(st));
	/* No metadata: the dequeue time. */
	CHECK_EQ(hxdp_pick_stamp(NULL, off, 42, &st), 42);
	CHECK_EQ(st.ts_user, 1);
	/* Kernel clock: monotonic + offset. */
	m.mono_ns = 5 * s + 7;
	CHECK_EQ(hxdp_pick_stamp(&m, off, 42, &st), 1700000005ull * s + 7);
	CHECK_EQ(st.ts_kernel, 1);
	/* A NIC stamp close to the kernel's wins. */
	m.flags = HPCAP_XDP_META_NIC_TS;
	m.nic_ns = 1700000005ull * s + 7 - 300;
	CHECK_EQ(hxdp_pick_stamp(&m, off, 42, &st), m.nic_ns);
	CHECK_EQ(st.ts_nic, 1);
	m.nic_ns = 1700000005ull * s + 7 + HXDP_NIC_TS_SANE_NS - 1;
	CHECK_EQ(hxdp_pick_stamp(&m, off, 42, &st), m.nic_ns);
	CHECK_EQ(st.ts_nic, 2);
	/* 37 s ahead (a PHC in TAI): the kernel's, and counted. */
	m.nic_ns = 1700000042ull * s + 7;
	CHECK_EQ(hxdp_pick_stamp(&m, off, 42, &st), 1700000005ull * s + 7);
	CHECK_EQ(st.ts_nic_rejected, 1);
	CHECK_EQ(st.ts_kernel, 2);
	/* Far behind too. */
	m.nic_ns = 1;
	CHECK_EQ(hxdp_pick_stamp(&m, off, 42, &st), 1700000005ull * s + 7);
	CHECK_EQ(st.ts_nic_rejected, 2);
	/* The flag, not the value, says whether there is a NIC stamp. */
	m.flags = 0;
	m.nic_ns = 1700000005ull * s;
	CHECK_EQ(hxdp_pick_stamp(&m, off, 42, &st), 1700000005ull * s + 7);
	CHECK_EQ(st.ts_nic, 2);
}

static void test_modes(void)
{
	CHECK_EQ(hxdp_parse_modes("zc"), HXDP_ALLOW(HXDP_MODE_ZC));
	CHECK_EQ(hxdp_parse_modes("skb,zc"),
		 HXDP_ALLOW(HXDP_MODE_ZC) | HXDP_ALLOW(HXDP_MODE_SKB));
	CHECK_EQ(hxdp_parse_modes("zc,copy,skb"), 7);
	CHECK_EQ(hxdp_parse_modes("copy,copy"), HXDP_ALLOW(HXDP_MODE_COPY));
	CHECK(hxdp_parse_modes("") == -EINVAL);
	CHECK(hxdp_parse_modes("fast") == -EINVAL);
	CHECK_EQ(hxdp_parse_modes("zc,"), HXDP_ALLOW(HXDP_MODE_ZC));
	CHECK(hxdp_parse_modes("zc,native") == -EINVAL);
	CHECK(!strcmp(hxdp_mode_name(HXDP_MODE_COPY), "copy"));
}

/* Options refused before the interface is even looked up. */
static void test_bad_opts(void)
{
	char err[HXDP_ERRBUF_SIZE];
	struct hxdp_opts o = { .ifname = "eth0", .nqueues = 1,
			       .numa_node = -1 };
	struct hxdp_port *p = (struct hxdp_port *)1;

	o.nqueues = 0;
	CHECK(hxdp_port_open(&p, &o, err) == -EINVAL);
	CHECK(p == NULL);
	o.nqueues = 2;
	o.queues[0] = o.queues[1] = 3;
	CHECK(hxdp_port_open(&p, &o, err) == -EINVAL);
	CHECK(strstr(err, "queue 3 is given twice") != NULL);
	o.queues[1] = 4;
	o.frame_size = 3000;
	CHECK(hxdp_port_open(&p, &o, err) == -EINVAL);
	o.frame_size = 2048;
	o.nframes = 1000;
	CHECK(hxdp_port_open(&p, &o, err) == -EINVAL);
	o.nframes = 1024;
	o.rx_size = 2048;
	CHECK(hxdp_port_open(&p, &o, err) == -EINVAL);
	CHECK(strstr(err, "at most the UMEM frames") != NULL);
	o.rx_size = 0;
	o.ifname = "no-such-if0";
	CHECK(hxdp_port_open(&p, &o, err) == -ENODEV);
	CHECK(strstr(err, "no interface no-such-if0") != NULL);
}

/* Every counter name of the queue file, once. */
static void test_stats_file(void)
{
	static const char *const names[] = {
		"adapter", "ifname", "source", "xdp_mode", "attach",
		"timestamp", "numa_node", "pid", "state", "queue", "core",
		"busy_poll", "rx_frames", "rx_bytes", "captured_frames",
		"captured_bytes", "client_lost_frames", "client_lost_bytes",
		"noclient_frames", "noclient_bytes", "dup_frames",
		"oversize_frames", "listeners", "xdp_lost_frames",
		"xdp_rx_dropped", "xdp_rx_ring_full", "xdp_rx_invalid_descs",
		"xdp_rx_fill_ring_empty_descs", "ts_nic_frames",
		"ts_kernel_frames", "ts_user_frames", "ts_nic_rejected",
		"updated_ns",
	};
	char dir[] = "/tmp/test_xdp.XXXXXX", path[64], line[256], key[64];
	static struct hxdp_port port;
	struct hxdp_feed_stats fs = { .q = { .rx_frames = 10,
					     .captured_frames = 7,
					     .client_lost_frames = 2,
					     .noclient_frames = 1 } };
	struct xdp_statistics xs = { .rx_dropped = 3, .rx_ring_full = 4,
				     .rx_invalid_descs = 5,
				     .rx_fill_ring_empty_descs = 6 };
	struct hxdp_queue_report qr = { .adapter = 3, .core = 1,
					.state = "running", .feed = &fs,
					.xdp = &xs };
	unsigned seen[sizeof(names) / sizeof(names[0])] = { 0 }, i;
	unsigned long long v;
	FILE *f;

	CHECK_EQ(hxdp_xdp_lost(&xs), 12);
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/hpcap_3_0.stats", dir);
	snprintf(port.ifname, sizeof(port.ifname), "eth9");
	port.mode = HXDP_MODE_ZC;
	port.q[0].qid = 0;
	CHECK_EQ(hxdp_write_queue_file(path, &port, &port.q[0], &qr), 0);
	f = fopen(path, "r");
	CHECK(f != NULL);
	while (f && fgets(line, sizeof(line), f)) {
		CHECK(sscanf(line, "%63s", key) == 1);
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(key, names[i]))
				seen[i]++;
		if (!strcmp(key, "xdp_lost_frames") &&
		    sscanf(line, "%*s %llu", &v) == 1)
			CHECK_EQ(v, 12);
		if (!strcmp(key, "xdp_mode"))
			CHECK(!strcmp(line, "xdp_mode zc\n"));
		if (!strcmp(key, "captured_frames") &&
		    sscanf(line, "%*s %llu", &v) == 1)
			CHECK_EQ(v, 7);
	}
	if (f)
		fclose(f);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (seen[i] != 1) {
			fprintf(stderr, "%s: seen %u times\n", names[i], seen[i]);
			CHECK(0);
		}
	/* Written whole: no temporary file left beside it. */
	snprintf(path, sizeof(path), "%s/.hpcap_3_0.stats.tmp", dir);
	CHECK(access(path, F_OK) != 0);
	snprintf(path, sizeof(path), "%s/hpcap_3_0.stats", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	test_meta();
	test_pick_stamp();
	test_modes();
	test_bad_opts();
	test_stats_file();
	return check_report("test_xdp");
}
