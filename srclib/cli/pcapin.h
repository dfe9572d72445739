/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcapin.h - read a pcap or pcapng capture with libpcap for the tools that
 * turn captures into RAW records (pcap2raw, pcap2hpcap), recovering two
 * things libpcap hides:
 *
 * - the sub-second field as the file holds it.  libpcap hands it over as
 *   a signed 32-bit value, and scales microseconds to nanoseconds in 32
 *   bits, so a field out of range (>= 1e6 us or 1e9 ns, as fuzzers and
 *   broken writers produce) comes out as a different, sometimes negative
 *   number.  Each classic pcap is opened in its own precision so the field
 *   is passed through, then normalised (carried into the seconds) and
 *   counted.  Both tools share this, so they give a frame the same time.
 * - frames libpcap shortened to the file's snaplen (a classic pcap record
 *   whose caplen is above the header's snaplen: libpcap keeps snaplen
 *   bytes and drops the rest without a word).  The input is read through
 *   a counting stream, so the bytes a record took in the file tell its
 *   stored caplen.
 */
#ifndef HPCAP_PCAPIN_H
#define HPCAP_PCAPIN_H

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

struct pcapin {
	pcap_t *p;
	uint64_t carried;	/* frames whose sub-second field was out of range */
	uint64_t snap_cut;	/* frames libpcap shortened to the snaplen */
	/* private */
	int fd;			/* the file or stdin, read by the stream below */
	FILE *counted;		/* what libpcap reads */
	uint64_t nread;		/* bytes taken from src */
	uint8_t peek[4];	/* the magic, read ahead, served first */
	size_t peek_len, peek_pos;
	unsigned rec_hdr_len;	/* classic pcap: record header bytes; 0 pcapng */
	uint32_t frac_units;	/* 1000000 or 1000000000 per second */
};

/*
 * Open path ("-" = standard input).  The struct must stay where it is
 * until pcapin_close().  0, or -1 with the reason in errbuf
 * (PCAP_ERRBUF_SIZE bytes).
 */
int pcapin_open(struct pcapin *in, const char *path, char *errbuf);

/*
 * Next frame: 1 with *ph, *data and the normalised time (sec may be
 * negative or above UINT32_MAX: the caller checks its own range), 0 at
 * the end, or PCAP_ERROR (message from pcap_geterr(in->p)).
 */
int pcapin_next(struct pcapin *in, struct pcap_pkthdr **ph,
		const u_char **data, int64_t *sec, uint32_t *nsec);

void pcapin_close(struct pcapin *in);

#endif
