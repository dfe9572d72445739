// SPDX-License-Identifier: BSD-3-Clause
/*
 * mgmon-bench - one timed pass of a packet loop over recorded frames, for
 * bench/run-mgmon-bench.bash:
 *
 *   mgmon-bench <case> <file>
 *
 * cases (each calls a handler once per frame):
 *   mgmon        libmgmon's offline loop over a RAW file
 *   mgmon-next   libmgmon's next-packet call over a RAW file
 *   mgmon-flows  libmgmon's offline loop feeding a flow table
 *   rawreader    libhpcap's buffered RAW reader (hpcap_raw_next())
 *   pcap         libpcap's pcap_loop() over a pcap file
 *   pcap-flows   pcap_loop() feeding the same flow table
 *
 * The handlers do the same work on both sides: count the frame, add its
 * wire length, and read the EtherType (two bytes of the frame, so the
 * frame's first cache line is touched as any analyzer would).
 * Prints one line: "case frames bytes seconds" (CLOCK_MONOTONIC around
 * the loop only: opening and closing are not timed).
 */
#define _GNU_SOURCE
#include "libmgmon.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct count {
	uint64_t frames, bytes, ipv4;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void mg_handler(const uint8_t *p, const struct mgmon_pkthdr *h,
		       void *arg)
{
	struct count *c = arg;

	c->frames++;
	c->bytes += h->len;
	c->ipv4 += h->caplen >= 14 && p[12] == 0x08 && p[13] == 0x00;
}

static void pcap_handler_(u_char *arg, const struct pcap_pkthdr *h,
			  const u_char *p)
{
	struct count *c = (struct count *)arg;

	c->frames++;
	c->bytes += h->len;
	c->ipv4 += h->caplen >= 14 && p[12] == 0x08 && p[13] == 0x00;
}

struct flowarg {
	struct mgmon_flows *t;
	struct count c;
};

static void mg_flow_handler(const uint8_t *p, const struct mgmon_pkthdr *h,
			    void *arg)
{
	struct flowarg *f = arg;

	f->c.frames++;
	f->c.bytes += h->len;
	mgmon_flows_add(f->t, p, h);
}

static void pcap_flow_handler(u_char *arg, const struct pcap_pkthdr *h,
			      const u_char *p)
{
	struct flowarg *f = (struct flowarg *)arg;
	struct mgmon_pkthdr mh = {
		.ts = { (uint32_t)h->ts.tv_sec, (uint32_t)h->ts.tv_usec },
		.caplen = h->caplen,
		.len = h->len,
	};

	f->c.frames++;
	f->c.bytes += h->len;
	mgmon_flows_add(f->t, p, &mh);
}

static void flow_sink(const struct mgmon_flow *f, void *arg)
{
	uint64_t *n = arg;

	*n += f->packets;
}

static int die(const char *what, const char *msg)
{
	fprintf(stderr, "mgmon-bench: %s: %s\n", what, msg);
	return 1;
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE > HPCAP_ERRBUF_SIZE ? PCAP_ERRBUF_SIZE
						       : HPCAP_ERRBUF_SIZE];
	const char *mode, *path;
	struct flowarg fa = { 0 };
	struct count c = { 0 };
	uint64_t flowed = 0;
	double t0, t1;
	int flows, st;

	if (argc != 3) {
		fprintf(stderr, "Usage: mgmon-bench <mgmon|mgmon-next|mgmon-flows|rawreader|pcap|pcap-flows> <file>\n");
		return 2;
	}
	mode = argv[1];
	path = argv[2];
	flows = strstr(mode, "flows") != NULL;
	if (flows && mgmon_flows_new(&fa.t, NULL, flow_sink, &flowed, err) < 0)
		return die("flows", err);
	if (!strncmp(mode, "mgmon", 5)) {
		const char *args[1] = { path };
		struct mgmon *m;

		if (mgmon_open_offline(&m, args, 1, 0, err) < 0)
			return die(path, err);
		t0 = now();
		if (!strcmp(mode, "mgmon-next")) {
			struct mgmon_pkthdr h;
			const uint8_t *p;

			while ((st = mgmon_next(m, &h, &p, 0)) == MGMON_FRAME)
				mg_handler(p, &h, &c);
		} else if (flows) {
			st = mgmon_loop(m, 0, mg_flow_handler, &fa);
		} else {
			st = mgmon_loop(m, 0, mg_handler, &c);
		}
		t1 = now();
		if (st != MGMON_END)
			return die(path, mgmon_geterr(m));
		mgmon_close(m);
	} else if (!strcmp(mode, "rawreader")) {
		struct hpcap_raw_reader *r;
		struct hpcap_raw_record rec;
		struct mgmon_pkthdr h;

		if (hpcap_raw_open(&r, path, 0, err) < 0)
			return die(path, err);
		t0 = now();
		while ((st = hpcap_raw_next(r, &rec)) == HPCAP_RAW_FRAME) {
			h.ts.tv_sec = rec.sec;
			h.ts.tv_nsec = rec.nsec;
			h.caplen = rec.caplen;
			h.len = rec.len;
			mg_handler(rec.data, &h, &c);
		}
		t1 = now();
		if (st != HPCAP_RAW_END)
			return die(path, hpcap_raw_geterr(r));
		hpcap_raw_close(r);
	} else if (!strncmp(mode, "pcap", 4)) {
		pcap_t *p = pcap_open_offline_with_tstamp_precision(
			path, PCAP_TSTAMP_PRECISION_NANO, err);

		if (!p)
			return die(path, err);
		t0 = now();
		st = flows ? pcap_loop(p, -1, pcap_flow_handler, (u_char *)&fa)
			   : pcap_loop(p, -1, pcap_handler_, (u_char *)&c);
		t1 = now();
		if (st < 0)
			return die(path, pcap_geterr(p));
		pcap_close(p);
	} else {
		return die(mode, "unknown case");
	}
	if (flows) {
		mgmon_flows_flush(fa.t);
		mgmon_flows_free(fa.t);
		c = fa.c;
		if (flowed != c.frames)
			fprintf(stderr, "mgmon-bench: flows hold %llu of %llu frames\n",
				(unsigned long long)flowed,
				(unsigned long long)c.frames);
	}
	printf("%s %llu %llu %.6f\n", mode, (unsigned long long)c.frames,
	       (unsigned long long)c.bytes, t1 - t0);
	return 0;
}
