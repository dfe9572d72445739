/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * linktype.h - the --linktype option of the tools that write pcap or
 * pcapng from RAW files, which carry no link type (raw2pcap, hpcap2pcap):
 * a libpcap name (EN10MB, RAW, LINUX_SLL, with or without DLT_) or the
 * number written in files (LINKTYPE_*, e.g. 101 for RAW).  libpcap itself
 * translates between its DLT_ values and the numbers in files, which differ
 * for a few types.
 */
#ifndef HPCAP_LINKTYPE_H
#define HPCAP_LINKTYPE_H

#include <stdint.h>

/*
 * The number to write in a file's header for s; exit(2) with a message
 * naming the option ("what") when s is not a link type libpcap knows.
 * *name (may be NULL) gets libpcap's name for it.
 */
uint32_t cli_parse_linktype(const char *what, const char *s,
			    const char **name);

#endif
