// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_mgmon_flow.c - libmgmon's parser and flow table:
 *  - mgmon_parse() on hand-built frames: VLAN, QinQ, IPv4 options and
 *    fragments, IPv6 extension headers, ICMP, frames cut at every length;
 *  - the table against a reference model: idle expiry under churn (every
 *    delete shifts the index), active timeout, eviction when full;
 *  - a crafted capture (tests/tools/gen_mgmon.py flows) read from RAW
 *    files through mgmon_flow_offline_loop(): unidirectional records equal
 *    the generator's, and bidirectional ones equal tshark's conversation
 *    statistics (-z conv,udp and conv,tcp: frames and bytes each way, in
 *    tshark's own byte format).  Skipped, with a note, without python3 or
 *    tshark.
 */
#define _GNU_SOURCE
#include "check.h"
#include "libmgmon.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- frames ---- */

static size_t eth_hdr(uint8_t *b, const uint16_t *tags, int ntags,
		      uint16_t type)
{
	size_t o = 12;
	int i;

	memset(b, 0, 12);
	b[0] = 2;
	b[6] = 2;
	for (i = 0; i < ntags; i++) {
		b[o] = tags[2 * i] >> 8;
		b[o + 1] = tags[2 * i] & 0xff;
		b[o + 2] = tags[2 * i + 1] >> 8;
		b[o + 3] = tags[2 * i + 1] & 0xff;
		o += 4;
	}
	b[o] = type >> 8;
	b[o + 1] = type & 0xff;
	return o + 2;
}

static size_t ipv4_udp(uint8_t *b, size_t o, uint16_t sport, uint16_t dport,
		       size_t payload, int opts_words, uint16_t frag)
{
	size_t ihl = 20 + 4 * (size_t)opts_words, tot = ihl + 8 + payload;

	memset(b + o, 0, tot);
	b[o] = (uint8_t)(0x40 | (ihl / 4));
	b[o + 2] = (uint8_t)(tot >> 8);
	b[o + 3] = (uint8_t)tot;
	b[o + 6] = (uint8_t)(frag >> 8);
	b[o + 7] = (uint8_t)frag;
	b[o + 8] = 64;
	b[o + 9] = 17;
	b[o + 12] = 10;
	b[o + 15] = 1;
	b[o + 16] = 239;
	b[o + 19] = 7;
	o += ihl;
	b[o] = (uint8_t)(sport >> 8);
	b[o + 1] = (uint8_t)sport;
	b[o + 2] = (uint8_t)(dport >> 8);
	b[o + 3] = (uint8_t)dport;
	b[o + 4] = (uint8_t)((8 + payload) >> 8);
	b[o + 5] = (uint8_t)(8 + payload);
	return o + 8 + payload;
}

static void parser(void)
{
	static const uint16_t q[] = { 0x8100, 100 };
	static const uint16_t qinq[] = { 0x88a8, 200, 0x8100, 30 };
	struct mgmon_parsed p;
	uint8_t b[256];
	size_t n, cut;
	int r;

	/* Plain IPv4/UDP. */
	n = ipv4_udp(b, eth_hdr(b, NULL, 0, 0x0800), 1234, 5000, 40, 0, 0);
	CHECK_EQ(mgmon_parse(b, (uint32_t)n, &p), MGMON_L4);
	CHECK_EQ(p.family, 4);
	CHECK_EQ(p.proto, 17);
	CHECK_EQ(p.sport, 1234);
	CHECK_EQ(p.dport, 5000);
	CHECK_EQ(p.l3_off, 14);
	CHECK_EQ(p.l4_off, 34);
	CHECK_EQ(p.payload_off, 42);
	CHECK_EQ(p.payload_len, 40);
	CHECK_EQ(p.nvlan, 0);
	CHECK(p.src == b + 26 && p.dst == b + 30);
	/* 802.1Q, then QinQ with IPv4 options. */
	n = ipv4_udp(b, eth_hdr(b, q, 1, 0x0800), 1, 2, 10, 0, 0);
	CHECK_EQ(mgmon_parse(b, (uint32_t)n, &p), MGMON_L4);
	CHECK_EQ(p.nvlan, 1);
	CHECK_EQ(p.vlan[0], 100);
	CHECK_EQ(p.l3_off, 18);
	n = ipv4_udp(b, eth_hdr(b, qinq, 2, 0x0800), 1, 2, 10, 2, 0);
	CHECK_EQ(mgmon_parse(b, (uint32_t)n, &p), MGMON_L4);
	CHECK_EQ(p.nvlan, 2);
	CHECK_EQ(p.vlan[0], 200);
	CHECK_EQ(p.vlan[1], 30);
	CHECK_EQ(p.l4_off, 22 + 28);
	CHECK_EQ(p.payload_len, 10);
	/* Fragments: the first has ports, later ones do not. */
	n = ipv4_udp(b, eth_hdr(b, NULL, 0, 0x0800), 7, 8, 10, 0, 0x2000);
	CHECK_EQ(mgmon_parse(b, (uint32_t)n, &p), MGMON_L4);
	CHECK_EQ(p.frag, MGMON_FRAG_FIRST);
	n = ipv4_udp(b, eth_hdr(b, NULL, 0, 0x0800), 7, 8, 10, 0, 0x0010);
	CHECK_EQ(mgmon_parse(b, (uint32_t)n, &p), MGMON_L3);
	CHECK_EQ(p.frag, MGMON_FRAG_LATER);
	CHECK_EQ(p.sport, 0);
	/* Cut at every length: never past caplen (ASan), layer shrinks. */
	n = ipv4_udp(b, eth_hdr(b, qinq, 2, 0x0800), 1, 2, 10, 1, 0);
	for (cut = 0; cut <= n; cut++) {
		r = mgmon_parse(b, (uint32_t)cut, &p);
		CHECK(r == (cut < 14 ? 0 : cut < 22 + 24 ? MGMON_L2 :
			    cut < 22 + 24 + 8 ? MGMON_L3 : MGMON_L4));
	}
	/* IPv6: hop-by-hop + destination options, then TCP with flags. */
	{
		size_t o = eth_hdr(b, NULL, 0, 0x86dd);

		memset(b + o, 0, 40 + 8 + 16 + 20);
		b[o] = 0x60;
		b[o + 5] = 8 + 16 + 20;
		b[o + 6] = 0;		/* hop-by-hop */
		b[o + 8] = 0x20;	/* 2001:... */
		b[o + 24] = 0xff;
		b[o + 40] = 60;		/* next: destination options */
		b[o + 41] = 0;
		b[o + 48] = 6;		/* next: TCP */
		b[o + 49] = 1;		/* 16 bytes */
		b[o + 64] = 0x1f;
		b[o + 65] = 0x90;	/* sport 8080 */
		b[o + 67] = 22;
		b[o + 76] = 5 << 4;
		b[o + 77] = MGMON_TCP_SYN | MGMON_TCP_ACK;
		n = o + 40 + 8 + 16 + 20;
		CHECK_EQ(mgmon_parse(b, (uint32_t)n, &p), MGMON_L4);
		CHECK_EQ(p.family, 6);
		CHECK_EQ(p.proto, 6);
		CHECK_EQ(p.sport, 8080);
		CHECK_EQ(p.dport, 22);
		CHECK_EQ(p.tcp_flags, MGMON_TCP_SYN | MGMON_TCP_ACK);
		CHECK_EQ(p.l4_off, o + 64);
		CHECK_EQ(p.payload_len, 0);
		CHECK(p.dst[0] == 0xff);
		for (cut = 0; cut < n; cut++)
			(void)mgmon_parse(b, (uint32_t)cut, &p);
	}
	/* ARP is not IP. */
	n = eth_hdr(b, NULL, 0, 0x0806) + 28;
	CHECK_EQ(mgmon_parse(b, (uint32_t)n, &p), MGMON_L2);
	CHECK_EQ(p.family, 0);
	CHECK_EQ(p.ethertype, 0x0806);
}

/* ---- the table against a reference ---- */

#define NKEYS 3000

struct rec {
	uint16_t key;
	uint64_t first, last, packets, bytes;
	int end;
};

struct sink {
	struct rec *r;
	size_t n, cap;
};

static void collect(const struct mgmon_flow *f, void *arg)
{
	struct sink *s = arg;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 4096;
		s->r = realloc(s->r, s->cap * sizeof(*s->r));
	}
	s->r[s->n++] = (struct rec){ f->key.sport, f->first_ns, f->last_ns,
				     f->packets, f->bytes, f->end };
}

static int by_key_time(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

static void add_frame(struct mgmon_flows *t, uint16_t key, uint64_t ns,
		      uint32_t len)
{
	uint8_t b[128];
	struct mgmon_pkthdr h;
	size_t n = ipv4_udp(b, eth_hdr(b, NULL, 0, 0x0800), key, 9, 10, 0, 0);

	h.ts.tv_sec = (uint32_t)(ns / 1000000000u);
	h.ts.tv_nsec = (uint32_t)(ns % 1000000000u);
	h.caplen = (uint32_t)n;
	h.len = len;
	CHECK_EQ(mgmon_flows_add(t, b, &h), 1);
}

static void churn(void)
{
	struct mgmon_flow_opts o = { .idle_timeout_ns = 50000,
				     .max_flows = 4096 };
	static uint64_t last[NKEYS], first[NKEYS], pk[NKEYS], by[NKEYS];
	struct sink s = { 0 }, ref = { 0 };
	char err[HPCAP_ERRBUF_SIZE];
	struct mgmon_flow_stats st;
	struct mgmon_flows *t;
	uint32_t x = 12345, i;
	uint64_t ns = 1700000000ull * 1000000000u;
	size_t k;
	int bad = 0;

	CHECK(mgmon_flows_new(&t, &o, collect, &s, err) == 0);
	for (i = 0; i < 200000; i++) {
		uint16_t key;
		uint32_t len;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		/* A few hot keys and a long tail, so flows come and go. */
		key = (uint16_t)(x % 8 < 3 ? x % 16 : x % NKEYS);
		len = 60 + x % 1400;
		ns += x % 97;
		add_frame(t, key, ns, len);
		/* Reference: a record ends when a flow's next frame comes
		 * idle_timeout or more after its last one. */
		if (pk[key] && ns - last[key] >= o.idle_timeout_ns) {
			collect(&(struct mgmon_flow){
				.key.sport = key, .first_ns = first[key],
				.last_ns = last[key], .packets = pk[key],
				.bytes = by[key] }, &ref);
			pk[key] = 0;
		}
		if (!pk[key]) {
			first[key] = ns;
			by[key] = 0;
		}
		pk[key]++;
		by[key] += len;
		last[key] = ns;
	}
	mgmon_flows_flush(t);
	for (i = 0; i < NKEYS; i++)
		if (pk[i])
			collect(&(struct mgmon_flow){
				.key.sport = (uint16_t)i, .first_ns = first[i],
				.last_ns = last[i], .packets = pk[i],
				.bytes = by[i] }, &ref);
	mgmon_flows_get_stats(t, &st);
	CHECK_EQ(st.frames, 200000);
	CHECK_EQ(st.flow_frames, 200000);
	CHECK_EQ(st.evicted, 0);
	CHECK_EQ(st.open, 0);
	CHECK_EQ(st.exported, s.n);
	CHECK_EQ(s.n, ref.n);
	qsort(s.r, s.n, sizeof(*s.r), by_key_time);
	qsort(ref.r, ref.n, sizeof(*ref.r), by_key_time);
	for (k = 0; k < s.n && k < ref.n; k++)
		bad += s.r[k].key != ref.r[k].key ||
		       s.r[k].first != ref.r[k].first ||
		       s.r[k].last != ref.r[k].last ||
		       s.r[k].packets != ref.r[k].packets ||
		       s.r[k].bytes != ref.r[k].bytes;
	CHECK_EQ(bad, 0);
	CHECK(s.n > 10000);	/* plenty of deletes happened */
	mgmon_flows_free(t);
	free(s.r);
	free(ref.r);
}

static void active_and_evict(void)
{
	struct mgmon_flow_opts o = { .idle_timeout_ns = 5000000000ull,
				     .active_timeout_ns = 3000000000ull };
	char err[HPCAP_ERRBUF_SIZE];
	struct mgmon_flow_stats st;
	struct sink s = { 0 };
	struct mgmon_flows *t;
	uint64_t ns = 1700000000ull * 1000000000u, sum = 0;
	size_t k;
	int i;

	/* One frame a second for 10 s: records cut every 3 s. */
	CHECK(mgmon_flows_new(&t, &o, collect, &s, err) == 0);
	for (i = 0; i < 10; i++)
		add_frame(t, 1, ns + (uint64_t)i * 1000000000u, 100);
	mgmon_flows_flush(t);
	CHECK_EQ(s.n, 4);
	for (k = 0; k < s.n; k++) {
		sum += s.r[k].packets;
		CHECK_EQ(s.r[k].packets, k < 3 ? 3 : 1);
		CHECK_EQ(s.r[k].end, k < 3 ? MGMON_FLOW_ACTIVE : MGMON_FLOW_FLUSH);
	}
	CHECK_EQ(sum, 10);
	mgmon_flows_free(t);

	/* Four slots, six flows in turn: the least recent is evicted. */
	s.n = 0;
	o.active_timeout_ns = 0;
	o.max_flows = 4;
	CHECK(mgmon_flows_new(&t, &o, collect, &s, err) == 0);
	for (i = 0; i < 60; i++)
		add_frame(t, (uint16_t)(i % 6), ns + (uint64_t)i, 100);
	mgmon_flows_get_stats(t, &st);
	CHECK_EQ(st.open, 4);
	CHECK_EQ(st.evicted, 56);
	mgmon_flows_flush(t);
	for (k = 0, sum = 0; k < s.n; k++)
		sum += s.r[k].packets;
	CHECK_EQ(sum, 60);
	CHECK_EQ(s.n, 60);
	mgmon_flows_free(t);
	free(s.r);
	o.max_flows = 1u << 31;
	CHECK(mgmon_flows_new(&t, &o, collect, &s, err) == -EINVAL);
}

/* ---- the crafted capture, against the generator and tshark ---- */

struct recs {
	struct mgmon_flow f[256];
	int n;
};

static void keep(const struct mgmon_flow *f, void *arg)
{
	struct recs *r = arg;

	if (r->n < 256)
		r->f[r->n++] = *f;
}

/* tshark's byte column: "N bytes" below 10000, then kB, MB, GB
 * (powers of 1000, truncated). */
static void tshark_bytes(char *b, size_t n, uint64_t v)
{
	static const char *units[] = { "bytes", "kB", "MB", "GB", "TB" };
	int u = 0;

	while (v >= 10000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(b, n, "%llu %s", (unsigned long long)v, units[u]);
}

static int run(const char *cmd)
{
	int st = system(cmd);

	return st == 0 ? 0 : -1;
}

static int pcap_to_raw(const char *in, const char *outdir)
{
	struct hpcap_raw_writer_opts o = { .file_size = 1u << 20 };
	char err[PCAP_ERRBUF_SIZE + HPCAP_ERRBUF_SIZE];
	struct hpcap_raw_writer *w;
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p;
	int n = 0;

	p = pcap_open_offline_with_tstamp_precision(in,
		PCAP_TSTAMP_PRECISION_NANO, err);
	if (!p)
		return -1;
	CHECK(hpcap_raw_writer_open(&w, outdir, &o, err) == 0);
	while (pcap_next_ex(p, &h, &d) == 1) {
		CHECK(hpcap_raw_writer_put(w, (uint32_t)h->ts.tv_sec,
					   (uint32_t)h->ts.tv_usec, h->caplen,
					   h->len, d) == 0);
		n++;
	}
	CHECK(hpcap_raw_writer_close(w, err) == 0);
	pcap_close(p);
	return n;
}

static void crafted(void)
{
	char dir[] = "/tmp/test-mgmon-flow.XXXXXX", cmd[1024], line[512];
	char pcap[256], exp[256], raw[256], src[64], dst[64];
	const char *gen = "tests/tools/gen_mgmon.py";
	struct mgmon_flow_opts bidir = { .flags = MGMON_FLOW_BIDIR };
	static struct recs uni, bi;
	const char *args[1];
	int i, matched = 0, lines = 0;
	FILE *f;

	if (access(gen, R_OK) || run("python3 -c 'import struct' 2>/dev/null") ||
	    run("command -v tshark >/dev/null 2>&1")) {
		printf("skip test_mgmon_flow: crafted capture (needs python3, tshark and the source tree as cwd)\n");
		return;
	}
	if (!mkdtemp(dir))
		return;
	snprintf(pcap, sizeof(pcap), "%s/flows.pcap", dir);
	snprintf(exp, sizeof(exp), "%s/flows.exp", dir);
	snprintf(raw, sizeof(raw), "%s/raw", dir);
	snprintf(cmd, sizeof(cmd), "python3 %s flows %s --expect %s && mkdir %s",
		 gen, pcap, exp, raw);
	CHECK(run(cmd) == 0);
	CHECK(pcap_to_raw(pcap, raw) > 0);
	args[0] = raw;

	/* Unidirectional records = the generator's expectation. */
	CHECK_EQ(mgmon_flow_offline_loop(args, 1, NULL, keep, &uni), MGMON_END);
	f = fopen(exp, "r");
	CHECK(f != NULL);
	while (f && fgets(line, sizeof(line), f)) {
		unsigned proto, sp, dp, v1, v2, fl;
		unsigned long long pk, by;

		if (sscanf(line, "%u %63s %u %63s %u %u %u %llu %llu %u", &proto,
			   src, &sp, dst, &dp, &v1, &v2, &pk, &by, &fl) != 10)
			continue;
		lines++;
		for (i = 0; i < uni.n; i++) {
			const struct mgmon_flow *r = &uni.f[i];
			char a[64], b[64];

			if (r->key.proto == proto && r->key.sport == sp &&
			    r->key.dport == dp && r->key.vlan == v1 &&
			    r->key.vlan2 == v2 &&
			    !strcmp(mgmon_flow_src_str(&r->key, a, sizeof(a)), src) &&
			    !strcmp(mgmon_flow_dst_str(&r->key, b, sizeof(b)), dst)) {
				CHECK_EQ(r->packets, pk);
				CHECK_EQ(r->bytes, by);
				CHECK_EQ(r->tcp_flags, fl);
				CHECK_EQ(r->end, MGMON_FLOW_FLUSH);
				matched++;
			}
		}
	}
	if (f)
		fclose(f);
	CHECK(lines > 10);
	CHECK_EQ(matched, lines);
	CHECK_EQ(uni.n, lines);

	/* Bidirectional records = tshark's conversations. */
	CHECK_EQ(mgmon_flow_offline_loop(args, 1, &bidir, keep, &bi), MGMON_END);
	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s -q -z conv,udp -z conv,tcp 2>/dev/null", pcap);
	f = popen(cmd, "r");
	CHECK(f != NULL);
	lines = matched = 0;
	while (f && fgets(line, sizeof(line), f)) {
		char a[80], b[80], arrow[8], u1[8], u2[8];
		unsigned long long f1, b1, f2, b2;
		char *ca, *cb;

		if (sscanf(line, "%79s %7s %79s %llu %llu %7s %llu %llu %7s", a,
			   arrow, b, &f1, &b1, u1, &f2, &b2, u2) != 9 ||
		    strcmp(arrow, "<->"))
			continue;
		lines++;
		ca = strrchr(a, ':');
		cb = strrchr(b, ':');
		if (!ca || !cb)
			continue;
		*ca++ = 0;
		*cb++ = 0;
		for (i = 0; i < bi.n; i++) {
			const struct mgmon_flow *r = &bi.f[i];
			char s1[64], s2[64], want[32], got[32];

			if (r->key.proto == 1 ||
			    strcmp(mgmon_flow_src_str(&r->key, s1, sizeof(s1)), a) ||
			    strcmp(mgmon_flow_dst_str(&r->key, s2, sizeof(s2)), b) ||
			    r->key.sport != atoi(ca) || r->key.dport != atoi(cb))
				continue;
			/* tshark: "<-" is B to A, "->" A to B. */
			CHECK_EQ(r->rpackets, f1);
			CHECK_EQ(r->packets, f2);
			snprintf(got, sizeof(got), "%llu %s", b1, u1);
			tshark_bytes(want, sizeof(want), r->rbytes);
			CHECK(!strcmp(want, got));
			snprintf(got, sizeof(got), "%llu %s", b2, u2);
			tshark_bytes(want, sizeof(want), r->bytes);
			CHECK(!strcmp(want, got));
			matched++;
		}
	}
	if (f)
		pclose(f);
	CHECK(lines >= 9);
	CHECK_EQ(matched, lines);
	/* Every bidirectional record but ICMP is one of tshark's. */
	CHECK_EQ(bi.n, lines + 1);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(run(cmd) == 0);
}

static void csv(void)
{
	struct mgmon_flow f;
	char buf[512] = { 0 };
	FILE *m = fmemopen(buf, sizeof(buf), "w");

	memset(&f, 0, sizeof(f));
	f.key.family = 6;
	f.key.proto = 6;
	f.key.src[0] = 0x20;
	f.key.src[1] = 0x01;
	f.key.src[15] = 1;
	f.key.dst[0] = 0xff;
	f.key.dst[15] = 2;
	f.key.sport = 80;
	f.key.dport = 1234;
	f.key.vlan = 7;
	f.first_ns = 1700000000123456789ull;
	f.last_ns = 1700000001000000001ull;
	f.packets = 3;
	f.bytes = 300;
	f.rpackets = 1;
	f.rbytes = 60;
	f.tcp_flags = MGMON_TCP_SYN | MGMON_TCP_ACK | MGMON_TCP_FIN;
	f.end = MGMON_FLOW_IDLE;
	CHECK(mgmon_flow_csv_header(m) == 0);
	CHECK(mgmon_flow_csv_write(m, &f) == 0);
	fclose(m);
	CHECK(!strcmp(buf,
		      "first,last,proto,src,sport,dst,dport,vlan,vlan2,packets,bytes,rpackets,rbytes,tcp_flags,rtcp_flags,end\n"
		      "1700000000.123456789,1700000001.000000001,6,2001::1,80,ff00::2,1234,7,0,3,300,1,60,...A..SF,........,idle\n"));
}

int main(void)
{
	parser();
	churn();
	active_and_evict();
	csv();
	crafted();
	return check_report("test_mgmon_flow");
}
