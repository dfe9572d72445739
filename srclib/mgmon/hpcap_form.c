// SPDX-License-Identifier: BSD-3-Clause
/*
 * hpcap_form.c - the packet loops for handlers written in HPCAP's form
 * (libpcap's struct pcap_pkthdr, microsecond time, see libmgmon.h): a
 * trampoline that hands each frame on with the header HPCAP filled in,
 * and keeps the frame's nanoseconds where mgmon_pcap_nsec() finds them.
 */
#define _DEFAULT_SOURCE		/* u_char & co. in <pcap/pcap.h> */
#define MGMON_NO_HPCAP_FORM	/* the real loops, not the _Generic names */
#include <pcap/pcap.h>
#include "libmgmon.h"

struct pcap_form {
	mgmon_pcap_handler handler;
	void *arg;
};

/* The frame being handled by this thread: its header, and its time. */
static _Thread_local const struct pcap_pkthdr *cur_hdr;
static _Thread_local uint32_t cur_nsec;

static void trampoline(const uint8_t *payload, const struct mgmon_pkthdr *h,
		       void *arg)
{
	const struct pcap_form *f = arg;
	struct pcap_pkthdr ph = {
		.ts = { .tv_sec = h->ts.tv_sec,
			.tv_usec = h->ts.tv_nsec / 1000 },
		.caplen = h->caplen,
		.len = h->len,
	};

	cur_hdr = &ph;
	cur_nsec = h->ts.tv_nsec;
	/* HPCAP's handler takes a writable pointer; the bytes stay
	 * read-only (the capture buffer's mapping), as documented. */
	f->handler((uint8_t *)(uintptr_t)payload, &ph, f->arg);
	cur_hdr = NULL;
}

int mgmon_packet_online_loop_pcap(int cpu, int adapter, int queue,
				  mgmon_pcap_handler handler, void *arg)
{
	struct pcap_form f = { handler, arg };

	return mgmon_packet_online_loop(cpu, adapter, queue, trampoline, &f);
}

int mgmon_packet_offline_loop_pcap(const char *const *paths, int npaths,
				   mgmon_pcap_handler handler, void *arg)
{
	struct pcap_form f = { handler, arg };

	return mgmon_packet_offline_loop(paths, npaths, trampoline, &f);
}

uint32_t mgmon_pcap_nsec(const struct pcap_pkthdr *h)
{
	if (h && h == cur_hdr)
		return cur_nsec;
	return h ? (uint32_t)h->ts.tv_usec * 1000u : 0;
}
