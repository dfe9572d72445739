// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_pipeline_bpf.c - the userspace BPF filter keeps exactly the frames
 * tcpdump keeps: a mixed capture (IPv4/IPv6, TCP/UDP/ICMP, ARP, VLAN,
 * frames cut by a snap length) goes through `tcpdump -r -w EXPR` and
 * through hpcap_bpf_match(), and the kept frames are compared one by one.
 * Needs tcpdump.
 */
#define _GNU_SOURCE
#include "check.h"
#include "libhpcap_pipeline.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define NF 3000

static uint8_t fr[NF][200];
static uint32_t caplen[NF], wirelen[NF];
static char errbuf[HPCAP_ERRBUF_SIZE];

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
	return (uint32_t)check_rnd(&rng);
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* One frame of a random kind; the frame number goes in its last bytes so
 * that no two frames are equal. */
static void make(unsigned i)
{
	uint8_t *f = fr[i], *l3;
	unsigned kind = rnd() % 7, l4 = rnd() % 3, n = 0;

	memset(f, 0, sizeof(fr[i]));
	f[0] = 0x02, f[5] = (uint8_t)(rnd() % 4);
	f[6] = 0x02, f[11] = (uint8_t)(rnd() % 4);
	l3 = f + 14;
	if (kind == 6) {		/* VLAN-tagged IPv4 */
		put16(f + 12, 0x8100);
		put16(f + 14, 100 + rnd() % 3);
		l3 = f + 18;
		kind = 0;
		put16(f + 16, 0x0800);
	}
	if (kind <= 2) {		/* IPv4 */
		if (l3 == f + 14)
			put16(f + 12, 0x0800);
		l3[0] = 0x45;
		put16(l3 + 2, 100);
		l3[8] = 64;
		l3[9] = l4 == 0 ? 6 : l4 == 1 ? 17 : 1;
		l3[12] = 10, l3[15] = (uint8_t)(rnd() % 4);
		l3[16] = 192, l3[17] = 168, l3[19] = (uint8_t)(rnd() % 4);
		if (l4 < 2) {
			put16(l3 + 20, 1000 + rnd() % 3);
			put16(l3 + 22, (unsigned[]){ 53, 80, 443, 8080 }[rnd() % 4]);
			if (l4 == 0)
				l3[33] = (uint8_t)(rnd() % 2 ? 0x02 : 0x10);
		} else {
			l3[20] = (uint8_t)(rnd() % 2 ? 8 : 0);	/* echo req/reply */
		}
		n = (unsigned)(l3 - f) + 100;
	} else if (kind <= 4) {		/* IPv6 */
		put16(f + 12, 0x86dd);
		l3[0] = 0x60;
		put16(l3 + 4, 60);
		l3[6] = l4 == 0 ? 6 : 17;
		l3[7] = 64;
		l3[8] = 0xfd, l3[23] = (uint8_t)(rnd() % 4);
		l3[24] = 0xfd, l3[39] = (uint8_t)(rnd() % 4);
		put16(l3 + 40, 2000);
		put16(l3 + 42, (unsigned[]){ 53, 80, 443, 8080 }[rnd() % 4]);
		n = 14 + 40 + 60;
	} else {			/* ARP */
		put16(f + 12, 0x0806);
		put16(f + 14, 1);
		put16(f + 16, 0x0800);
		f[18] = 6, f[19] = 4;
		put16(f + 20, 1 + rnd() % 2);
		f[28] = 10, f[31] = (uint8_t)(rnd() % 4);
		n = 60;
	}
	f[n - 2] = (uint8_t)(i >> 8);
	f[n - 1] = (uint8_t)i;
	wirelen[i] = n;
	/* Some frames cut short, as a capture with a snap length does. */
	caplen[i] = rnd() % 5 ? n : 34 + rnd() % (n - 34);
}

static int run_case(const char *dir, const char *expr)
{
	char cmd[1024], out[600], in[600];
	struct hpcap_bpf *f;
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p;
	unsigned i = 0, kept_here = 0, kept_there = 0, bad = 0;
	int r;

	snprintf(in, sizeof(in), "%s/in.pcap", dir);
	snprintf(out, sizeof(out), "%s/out.pcap", dir);
	snprintf(cmd, sizeof(cmd), "tcpdump -r %s -w %s '%s' 2>/dev/null", in,
		 out, expr);
	if (system(cmd) != 0) {
		fprintf(stderr, "tcpdump failed for '%s'\n", expr);
		return 1;
	}
	CHECK(hpcap_bpf_compile(&f, expr, 65535, errbuf) == 0);
	p = pcap_open_offline(out, errbuf);
	CHECK(p != NULL);
	if (!f || !p)
		return 1;
	/* Walk both: every frame tcpdump kept must be the next one we keep. */
	while ((r = pcap_next_ex(p, &h, &d)) == 1) {
		kept_there++;
		while (i < NF && !hpcap_bpf_match(f, fr[i], caplen[i], wirelen[i]))
			i++;
		if (i == NF || h->caplen != caplen[i] || h->len != wirelen[i] ||
		    memcmp(d, fr[i], caplen[i]))
			bad++;
		else
			kept_here++;
		i++;
	}
	for (; i < NF; i++)
		kept_here += hpcap_bpf_match(f, fr[i], caplen[i], wirelen[i]) &&
			     ++bad;
	printf("     filter %-40s tcpdump kept %4u, hpcap kept %4u%s\n", expr,
	       kept_there, kept_here, bad ? " MISMATCH" : "");
	CHECK_EQ(bad, 0);
	CHECK(kept_there > 0 || !strcmp(expr, "tcp[13] & 0x01 != 0"));
	pcap_close(p);
	hpcap_bpf_free(f);
	return 0;
}

int main(void)
{
	static const char *const exprs[] = {
		"tcp",
		"udp port 53",
		"host 10.0.0.1",
		"src net 10.0.0.0/30 and dst port 443",
		"icmp[icmptype] == icmp-echo",
		"vlan 101",
		"vlan and udp",
		"ip6 and tcp port 80",
		"arp",
		"ether src 02:00:00:00:00:02",
		"tcp[tcpflags] & tcp-syn != 0",
		"tcp[13] & 0x01 != 0",
		"greater 100",
		"less 80",
		"not ip and not ip6",
		"ip[9] == 17 or ip6[6] == 17",
	};
	char dir[] = "/tmp/hpcap-bpf.XXXXXX", path[600];
	struct hpcap_pcap_writer *w;
	struct hpcap_bpf *f;
	unsigned i;

	if (system("tcpdump --version >/dev/null 2>&1") != 0) {
		printf("skip test_pipeline_bpf (no tcpdump)\n");
		return 0;
	}
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/in.pcap", dir);
	CHECK(hpcap_pcap_open(&w, path, HPCAP_PCAP_USEC, 65535, errbuf) == 0);
	for (i = 0; i < NF; i++) {
		make(i);
		CHECK(hpcap_pcap_write(w, 1700000000 + i / 1000, (i % 1000) * 1000000,
				       caplen[i], wirelen[i], fr[i]) == 0);
	}
	CHECK(hpcap_pcap_close(w, errbuf) == 0);
	for (i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++)
		run_case(dir, exprs[i]);
	/* A bad expression is refused with libpcap's reason. */
	CHECK(hpcap_bpf_compile(&f, "tcp port", 65535, errbuf) == -EINVAL);
	CHECK(strstr(errbuf, "tcp port") != NULL);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (!check_failures && system(path)) {
	}
	return check_report("test_pipeline_bpf");
}
