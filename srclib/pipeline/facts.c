// SPDX-License-Identifier: BSD-3-Clause
/*
 * facts.c - the words for the facts of a finished file (output formats,
 * why a file was closed), used by the pipeline, the block copier and the
 * post hooks' environment.  It calls no other part of the library, so
 * the hooks and the writers both depend on it and not on each other.
 */
#include "libhpcap_pipeline.h"

#include <errno.h>
#include <string.h>

const char *hpcap_out_format_name(enum hpcap_out_format f)
{
	return f == HPCAP_OUT_PCAP ? "pcap" : f == HPCAP_OUT_PCAPNG ? "pcapng"
								    : "raw";
}

int hpcap_out_format_parse(const char *s)
{
	if (!strcmp(s, "raw"))
		return HPCAP_OUT_RAW;
	if (!strcmp(s, "pcap"))
		return HPCAP_OUT_PCAP;
	if (!strcmp(s, "pcapng"))
		return HPCAP_OUT_PCAPNG;
	return -EINVAL;
}

const char *hpcap_close_reason_name(int reason)
{
	switch (reason) {
	case HPCAP_CLOSE_TIME: return "time";
	case HPCAP_CLOSE_SIZE: return "size";
	case HPCAP_CLOSE_SLICE: return "slice";
	case HPCAP_CLOSE_END: return "end";
	default: return "unknown";
	}
}
