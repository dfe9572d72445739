// SPDX-License-Identifier: BSD-3-Clause
/*
 * pcap_writer.c - pcap (ns or us) and pcapng writer; the bytes of each
 * format are in capfmt.h (shared with the capture pipeline).
 */
#define _GNU_SOURCE
#include "libhpcap.h"
#include "file/capfmt.h"
#include "file/outfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hpcap_pcap_writer {
	struct outfile out;
	enum hpcap_pcap_format format;
	char err[HPCAP_ERRBUF_SIZE];
};

static int write_file_header(struct hpcap_pcap_writer *w, uint32_t snaplen,
			     uint32_t linktype)
{
	uint8_t b[CAPFMT_HDR_MAX];
	size_t n = capfmt_file_header_lt(b, w->format, snaplen, linktype);

	return outfile_put(&w->out, b, n);
}

int hpcap_pcap_open(struct hpcap_pcap_writer **wp, const char *path,
		    enum hpcap_pcap_format format, uint32_t snaplen,
		    char *errbuf)
{
	return hpcap_pcap_open_linktype(wp, path, format, snaplen,
					HPCAP_LINKTYPE_ETHERNET, errbuf);
}

int hpcap_pcap_open_linktype(struct hpcap_pcap_writer **wp, const char *path,
			     enum hpcap_pcap_format format, uint32_t snaplen,
			     uint32_t linktype, char *errbuf)
{
	struct hpcap_pcap_writer *w = calloc(1, sizeof(*w));
	int err;

	*wp = NULL;
	if (!w) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		return -ENOMEM;
	}
	w->format = format;
	err = outfile_open(&w->out, path);
	if (err) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "%s", w->out.err);
		free(w);
		return err;
	}
	if (linktype > 0xffff) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "link type %u does not fit in a capture file (at most 65535)",
			 linktype);
		outfile_abort(&w->out);
		free(w);
		return -EINVAL;
	}
	if (write_file_header(w, snaplen ? snaplen : 65535, linktype) < 0) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "%s", w->out.err);
		outfile_abort(&w->out);
		free(w);
		return -EIO;
	}
	*wp = w;
	return 0;
}

int hpcap_pcap_write(struct hpcap_pcap_writer *w, uint32_t sec,
		     uint32_t nsec, uint32_t caplen, uint32_t len,
		     const uint8_t *data)
{
	size_t n = capfmt_record_len(w->format, caplen);
	uint8_t *p = outfile_reserve(&w->out, n);

	if (!p) {
		snprintf(w->err, sizeof(w->err), "%s", w->out.err);
		return -EIO;
	}
	capfmt_record(p, w->format, sec, nsec, caplen, len, data);
	outfile_commit(&w->out, n);
	return 0;
}

uint64_t hpcap_pcap_bytes(const struct hpcap_pcap_writer *w)
{
	return outfile_size(&w->out);
}

int hpcap_pcap_close(struct hpcap_pcap_writer *w, char *errbuf)
{
	int err;

	if (!w)
		return 0;
	err = outfile_close(&w->out);
	if (err && errbuf)
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "%s", w->out.err);
	free(w);
	return err;
}

const char *hpcap_pcap_geterr(const struct hpcap_pcap_writer *w)
{
	return w->err;
}
