// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_pcap_libpcap.c - what libhpcap's pcap/pcapng writer produces is read
 * back by libpcap itself (pcap_open_offline_with_tstamp_precision) with the
 * same times, lengths and bytes, in all three formats.
 */
#define _GNU_SOURCE
#include "check.h"
#include "libhpcap.h"

#include <pcap/pcap.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define N 3000

static uint8_t data[9100];

static uint32_t caplen_of(unsigned i)
{
	return i % 50 == 0 ? 0 : (i * 131) % 9019 + 1;
}

static void one_format(enum hpcap_pcap_format fmt, const char *path)
{
	char err[PCAP_ERRBUF_SIZE > HPCAP_ERRBUF_SIZE ? PCAP_ERRBUF_SIZE
						       : HPCAP_ERRBUF_SIZE];
	struct hpcap_pcap_writer *w;
	struct pcap_pkthdr *ph;
	const u_char *pd;
	unsigned i = 0;
	pcap_t *p;
	int st;

	CHECK(hpcap_pcap_open(&w, path, fmt, 9100, err) == 0);
	for (i = 0; i < N; i++)
		CHECK(hpcap_pcap_write(w, 1700000000u + i / 3,
				       (i * 333333337u) % 1000000000u,
				       caplen_of(i), caplen_of(i) + i % 3,
				       data + i % 64) == 0);
	CHECK(hpcap_pcap_close(w, err) == 0);

	p = pcap_open_offline_with_tstamp_precision(
		path,
		fmt == HPCAP_PCAP_USEC ? PCAP_TSTAMP_PRECISION_MICRO
				       : PCAP_TSTAMP_PRECISION_NANO,
		err);
	CHECK(p != NULL);
	if (!p)
		return;
	CHECK_EQ(pcap_datalink(p), DLT_EN10MB);
	CHECK_EQ(pcap_snapshot(p), 9100);
	for (i = 0; (st = pcap_next_ex(p, &ph, &pd)) == 1; i++) {
		uint32_t ns = (i * 333333337u) % 1000000000u;

		CHECK_EQ(ph->ts.tv_sec, 1700000000u + i / 3);
		CHECK_EQ(ph->ts.tv_usec,
			 fmt == HPCAP_PCAP_USEC ? ns / 1000 : ns);
		CHECK_EQ(ph->caplen, caplen_of(i));
		CHECK_EQ(ph->len, caplen_of(i) + i % 3);
		CHECK(!memcmp(pd, data + i % 64, ph->caplen));
	}
	CHECK_EQ(st, PCAP_ERROR_BREAK);
	CHECK_EQ(i, N);
	pcap_close(p);
	unlink(path);
}

int main(void)
{
	char path[] = "/tmp/hpcap-pcaptest.XXXXXX";
	int fd = mkstemp(path);
	size_t i;

	CHECK(fd >= 0);
	close(fd);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i ^ (i >> 8));
	one_format(HPCAP_PCAP_NSEC, path);
	one_format(HPCAP_PCAP_USEC, path);
	one_format(HPCAP_PCAPNG, path);
	return check_report("pcap writer read by libpcap");
}
