// SPDX-License-Identifier: BSD-3-Clause
/*
 * bpf.c - a libpcap filter expression applied to frames in userspace.
 * Compiled against a dead Ethernet handle, as tcpdump compiles it for an
 * Ethernet interface, and run with pcap_offline_filter() (libpcap's BPF
 * interpreter), so a frame matches here exactly when tcpdump -r would
 * keep it.  The kernel side is not involved.
 */
#define _GNU_SOURCE
#include "libhpcap_pipeline.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

struct hpcap_bpf {
	struct bpf_program prog;
};

int hpcap_bpf_compile(struct hpcap_bpf **fp, const char *expr,
		      uint32_t snaplen, char *errbuf)
{
	struct hpcap_bpf *f;
	pcap_t *dead;

	*fp = NULL;
	f = calloc(1, sizeof(*f));
	if (!f) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		return -ENOMEM;
	}
	dead = pcap_open_dead(DLT_EN10MB, snaplen ? (int)snaplen : 65535);
	if (!dead) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "libpcap: out of memory");
		free(f);
		return -ENOMEM;
	}
	if (pcap_compile(dead, &f->prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "bad filter '%s': %s", expr,
			 pcap_geterr(dead));
		pcap_close(dead);
		free(f);
		return -EINVAL;
	}
	pcap_close(dead);
	*fp = f;
	return 0;
}

int hpcap_bpf_match(const struct hpcap_bpf *f, const uint8_t *data,
		    uint32_t caplen, uint32_t len)
{
	struct pcap_pkthdr h = { .caplen = caplen, .len = len };

	return pcap_offline_filter(&f->prog, &h, data) != 0;
}

void hpcap_bpf_free(struct hpcap_bpf *f)
{
	if (!f)
		return;
	pcap_freecode(&f->prog);
	free(f);
}
