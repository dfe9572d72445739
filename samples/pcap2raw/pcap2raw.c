// SPDX-License-Identifier: BSD-3-Clause
/*
 * pcap2raw - convert a pcap or pcapng capture into hpcap RAW files framed
 * exactly as the kernel producer frames them (for replay and tests).
 *
 *   pcap2raw [options] <in.pcap|in.pcapng|-> <out.raw|outdir>
 */
#define _GNU_SOURCE
#include "libhpcap.h"
#include "cli/cli.h"

#include <getopt.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
	printf("Usage: %s [options] <in.pcap|in.pcapng|-> <out.raw|out-dir>\n"
	       "\n"
	       "Convert a pcap or pcapng capture (read with libpcap, nanosecond\n"
	       "precision kept) into hpcap RAW files.  Frames are framed into files\n"
	       "exactly as the hpcap module frames its stream: a frame never crosses\n"
	       "a file, and each file ends with a padding record.\n"
	       "\n"
	       "If the output is an existing directory, files 000000.raw, 000001.raw,\n"
	       "... are created in it; otherwise the output is one file, and a capture\n"
	       "that needs more than one file is an error.  Every file but the last is\n"
	       "exactly the file size; the last ends right after its closing padding.\n"
	       "\n"
	       "Options:\n"
	       "  -s, --file-size SIZE  size of each RAW file (default 2G); a multiple\n"
	       "                        of 4K; suffixes K, M, G\n"
	       "      --any-linktype    accept captures whose link type is not Ethernet\n"
	       "  -q, --quiet           no summary on stderr\n"
	       "  -h, --help            show this help\n"
	       "  -V, --version         show the version\n"
	       "\n"
	       "Frames longer than %u captured bytes are cut to that length (the RAW\n"
	       "header has 16-bit lengths); a frame stamped exactly 0.000000000 is\n"
	       "stored at 0.000000001, since an all-zero time marks padding.  Both are\n"
	       "counted in the summary.\n"
	       "\n"
	       "Examples:\n"
	       "  %s trace.pcap trace.raw\n"
	       "  mkdir raw && %s --file-size 64M big.pcapng raw/\n",
	       cli_prog, HPCAP_MAX_CAPLEN, cli_prog, cli_prog);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file-size", required_argument, NULL, 's' },
		{ "any-linktype", no_argument, NULL, 'L' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct hpcap_raw_writer_opts wo = { 0 };
	char errbuf[PCAP_ERRBUF_SIZE > HPCAP_ERRBUF_SIZE ? PCAP_ERRBUF_SIZE
							   : HPCAP_ERRBUF_SIZE];
	int quiet = 0, any_link = 0, c, st, ret = 0;
	uint64_t frames = 0, zero_ts = 0, cut;
	unsigned files;
	struct hpcap_raw_writer *w;
	struct pcap_pkthdr *ph;
	const u_char *data;
	pcap_t *p;

	cli_init(argv[0]);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "s:qhV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			wo.file_size = cli_parse_size("--file-size", optarg);
			if (!wo.file_size || wo.file_size % HPCAP_FILE_SIZE_ALIGN)
				cli_usage_error("--file-size: %s is not a positive multiple of 4K",
						optarg);
			break;
		case 'L': any_link = 1; break;
		case 'q': quiet = 1; break;
		case 'h': usage(); return 0;
		case 'V': printf("%s %s\n", cli_prog, HPCAP_VERSION); return 0;
		default: cli_bad_option(argc, argv, optopt);
		}
	}
	if (argc - optind != 2)
		cli_usage_error("need exactly one input and one output");

	p = pcap_open_offline_with_tstamp_precision(argv[optind],
						    PCAP_TSTAMP_PRECISION_NANO,
						    errbuf);
	if (!p) {
		cli_err("cannot read %s: %s", argv[optind], errbuf);
		return 1;
	}
	if (pcap_datalink(p) != DLT_EN10MB && !any_link) {
		cli_err("%s has link type %s, but RAW files hold Ethernet frames; use --any-linktype to convert anyway",
			argv[optind], pcap_datalink_val_to_name(pcap_datalink(p)) ?
			pcap_datalink_val_to_name(pcap_datalink(p)) : "unknown");
		pcap_close(p);
		return 1;
	}
	if (hpcap_raw_writer_open(&w, argv[optind + 1], &wo, errbuf) < 0) {
		cli_err("%s", errbuf);
		pcap_close(p);
		return 1;
	}
	while ((st = pcap_next_ex(p, &ph, &data)) == 1) {
		uint32_t sec = (uint32_t)ph->ts.tv_sec;
		uint32_t nsec = (uint32_t)ph->ts.tv_usec;

		if (ph->ts.tv_sec < 0 || ph->ts.tv_sec > (long)UINT32_MAX) {
			cli_err("%s: frame %llu has a time outside the RAW range (1970-2106)",
				argv[optind], (unsigned long long)frames + 1);
			ret = 1;
			break;
		}
		zero_ts += !sec && !nsec;
		if (hpcap_raw_writer_put(w, sec, nsec, ph->caplen, ph->len,
					 data) < 0) {
			cli_err("%s", hpcap_raw_writer_geterr(w));
			ret = 1;
			break;
		}
		frames++;
	}
	if (st == PCAP_ERROR) {
		cli_err("%s: %s (the %llu frames before it were converted)",
			argv[optind], pcap_geterr(p), (unsigned long long)frames);
		ret = 1;
	}
	files = hpcap_raw_writer_files(w);
	cut = hpcap_raw_writer_cut_frames(w);
	if (hpcap_raw_writer_close(w, errbuf) < 0) {
		cli_err("%s", errbuf);
		ret = 1;
	}
	if (!quiet)
		fprintf(stderr,
			"%s: %llu frames into %u file%s at %s (%llu cut to %u bytes, %llu with time 0 moved by 1 ns)\n",
			cli_prog, (unsigned long long)frames, files ? files : 1,
			files > 1 ? "s" : "", argv[optind + 1],
			(unsigned long long)cut, HPCAP_MAX_CAPLEN,
			(unsigned long long)zero_ts);
	pcap_close(p);
	return ret;
}
