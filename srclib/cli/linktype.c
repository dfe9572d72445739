// SPDX-License-Identifier: BSD-3-Clause
/*
 * linktype.c - see linktype.h.
 */
#define _GNU_SOURCE
#include "cli/linktype.h"
#include "cli/cli.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The number libpcap writes in a file header for dlt. */
static long dlt_to_file(int dlt)
{
	pcap_t *dead = pcap_open_dead(dlt, 65535);
	unsigned char *hdr;
	long v = -1;
	char *buf = NULL;
	size_t n = 0;
	FILE *f;

	if (!dead)
		return -1;
	f = open_memstream(&buf, &n);
	if (f) {
		pcap_dumper_t *d = pcap_dump_fopen(dead, f);

		if (d) {
			pcap_dump_close(d);	/* closes f */
			hdr = (unsigned char *)buf;
			if (n >= 24) {
				uint32_t magic, lt;

				memcpy(&magic, hdr, 4);
				memcpy(&lt, hdr + 20, 4);
				v = magic == 0xa1b2c3d4u ? (long)lt
					: (long)__builtin_bswap32(lt);
			}
		} else {
			fclose(f);
		}
	}
	free(buf);
	pcap_close(dead);
	return v;
}

/* The DLT libpcap gives a file whose header holds linktype. */
static int file_to_dlt(uint32_t linktype)
{
	uint32_t hdr[6] = { 0xa1b2c3d4u, 2u | 4u << 16, 0, 0, 65535, linktype };
	char errbuf[PCAP_ERRBUF_SIZE];
	FILE *f = fmemopen(hdr, sizeof(hdr), "r");
	pcap_t *p;
	int dlt;

	if (!f)
		return -1;
	p = pcap_fopen_offline(f, errbuf);	/* closes f */
	if (!p)
		return -1;
	dlt = pcap_datalink(p);
	pcap_close(p);
	return dlt;
}

uint32_t cli_parse_linktype(const char *what, const char *s,
			    const char **name)
{
	const char *n = s, *known;
	long file;
	int dlt;

	if (*s >= '0' && *s <= '9') {
		file = (long)cli_parse_u64(what, s, 65535);
		dlt = file_to_dlt((uint32_t)file);
	} else {
		if (!strncasecmp(n, "DLT_", 4))
			n += 4;
		else if (!strncasecmp(n, "LINKTYPE_", 9))
			n += 9;
		dlt = pcap_datalink_name_to_val(n);
		file = dlt < 0 ? -1 : dlt_to_file(dlt);
	}
	known = dlt < 0 ? NULL : pcap_datalink_val_to_name(dlt);
	if (!known || file < 0)
		cli_usage_error("%s: '%s' is not a link type libpcap knows; give a name such as EN10MB, RAW, LINUX_SLL, LINUX_SLL2, IEEE802_11_RADIO, or the number written in pcap files (1 Ethernet, 101 raw IP, 113 Linux cooked)",
				what, s);
	if (name)
		*name = known;
	return (uint32_t)file;
}
