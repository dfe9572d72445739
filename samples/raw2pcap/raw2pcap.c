// SPDX-License-Identifier: BSD-3-Clause
/*
 * raw2pcap - convert hpcap RAW files to pcap (ns or us) or pcapng.
 *
 *   raw2pcap [options] <raw|dir>... <out.pcap|->
 *
 * HPCAP's command line (raw2pcap <raw> <out.pcap>) with long options on
 * top.  Writes exactly the named file; frames keep their nanosecond stamps.
 */
#define _GNU_SOURCE
#include "libhpcap.h"
#include "cli/cli.h"
#include "cli/linktype.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void usage(void)
{
	printf("Usage: %s [options] <raw-file|dir>... <output|->\n"
	       "\n"
	       "Convert hpcap RAW capture files to pcap or pcapng.  Directories are\n"
	       "read recursively, their *.raw files in name (= capture) order.  Each\n"
	       "file is read up to its closing padding record; a leading padding is\n"
	       "skipped.  The output is exactly the file named ('-' = standard output).\n"
	       "\n"
	       "Output format:\n"
	       "      --nsec            pcap with nanosecond timestamps (default;\n"
	       "                        magic a1b23c4d)\n"
	       "  -u, --usec            pcap with microsecond timestamps (magic a1b2c3d4)\n"
	       "  -n, --pcapng          pcapng with if_tsresol=9 (nanoseconds)\n"
	       "  -s, --snaplen N       cut frames to N bytes, and write N in the file\n"
	       "                        header (default 65535; wire lengths are kept)\n"
	       "  -l, --linktype TYPE   the link type to write: a libpcap name (EN10MB,\n"
	       "                        RAW, LINUX_SLL, ...) or the number in pcap files\n"
	       "                        (1, 101, 113, ...); default EN10MB (Ethernet).\n"
	       "                        RAW files carry none: give the one pcap2raw\n"
	       "                        --any-linktype reported\n"
	       "\n"
	       "Other options:\n"
	       "  -c, --count N         stop after N frames\n"
	       "  -q, --quiet           no per-file summary on stderr\n"
	       "  -h, --help            show this help\n"
	       "  -V, --version         show the version\n"
	       "\n"
	       "Exit status: 0 ok; 1 an input was damaged or unreadable (every complete\n"
	       "frame before the damage is still written) or the output failed; 2 usage.\n"
	       "\n"
	       "Examples:\n"
	       "  %s 1700000000_hpcap0_0.raw capture.pcap\n"
	       "  %s --pcapng /data/hpcap0_0/ - | tshark -r -\n",
	       cli_prog, cli_prog, cli_prog);
}

struct totals {
	uint64_t frames, bytes;
	uint32_t snaplen;	/* frames are cut to this */
	int files;		/* files read (opened) */
	int damaged;
};

/* Same file on both sides would destroy the capture being converted. */
static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int convert(const char *path, struct hpcap_pcap_writer *w,
		   struct totals *t, uint64_t limit, int quiet)
{
	struct hpcap_raw_reader *r;
	struct hpcap_raw_record rec;
	char errbuf[HPCAP_ERRBUF_SIZE], b1[40], b2[40], b3[32];
	uint64_t frames = 0, bytes = 0;
	uint32_t fs = 0, fn = 0, ls = 0, ln = 0;
	int st = 0;

	if (hpcap_raw_open(&r, path, 0, errbuf) < 0) {
		cli_err("%s", errbuf);
		t->damaged = 1;
		return 0;
	}
	t->files++;
	while (t->frames + frames < limit &&
	       (st = hpcap_raw_next(r, &rec)) == HPCAP_RAW_FRAME) {
		uint32_t caplen = rec.caplen < t->snaplen ? rec.caplen
							  : t->snaplen;

		if (hpcap_pcap_write(w, rec.sec, rec.nsec, caplen, rec.len,
				     rec.data) < 0) {
			cli_err("%s", hpcap_pcap_geterr(w));
			hpcap_raw_close(r);
			return -1;
		}
		if (!frames) {
			fs = rec.sec;
			fn = rec.nsec;
		}
		ls = rec.sec;
		ln = rec.nsec;
		frames++;
		bytes += rec.caplen;
	}
	if (t->frames + frames < limit && st < 0) {
		cli_err("%s (%llu complete frames before it were converted)",
			hpcap_raw_geterr(r), (unsigned long long)frames);
		t->damaged = 1;
	}
	if (!quiet) {
		if (frames)
			fprintf(stderr, "%s: %s: %llu frames, %s, %s .. %s\n",
				cli_prog, path, (unsigned long long)frames,
				cli_fmt_bytes(b3, sizeof(b3), bytes),
				cli_fmt_ts(b1, sizeof(b1), fs, fn),
				cli_fmt_ts(b2, sizeof(b2), ls, ln));
		else
			fprintf(stderr, "%s: %s: no frames\n", cli_prog, path);
	}
	t->frames += frames;
	t->bytes += bytes;
	hpcap_raw_close(r);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "nsec", no_argument, NULL, 'N' },
		{ "usec", no_argument, NULL, 'u' },
		{ "pcapng", no_argument, NULL, 'n' },
		{ "snaplen", required_argument, NULL, 's' },
		{ "linktype", required_argument, NULL, 'l' },
		{ "count", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	enum hpcap_pcap_format format = HPCAP_PCAP_NSEC;
	uint64_t limit = UINT64_MAX;
	uint32_t snaplen = 65535, linktype = HPCAP_LINKTYPE_ETHERNET;
	int quiet = 0, c, nfiles, i, failed = 0;
	struct hpcap_pcap_writer *w;
	char errbuf[HPCAP_ERRBUF_SIZE], b[32];
	struct totals t = { 0 };
	const char *out;
	char **files;

	cli_init(argv[0]);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "uns:l:c:qhV", opts, NULL)) != -1) {
		switch (c) {
		case 'N': format = HPCAP_PCAP_NSEC; break;
		case 'u': format = HPCAP_PCAP_USEC; break;
		case 'n': format = HPCAP_PCAPNG; break;
		case 's':
			snaplen = (uint32_t)cli_parse_u64("--snaplen", optarg,
							  UINT32_MAX);
			break;
		case 'l':
			linktype = cli_parse_linktype("--linktype", optarg, NULL);
			break;
		case 'c': limit = cli_parse_u64("--count", optarg, UINT64_MAX); break;
		case 'q': quiet = 1; break;
		case 'h': usage(); return 0;
		case 'V': printf("%s %s\n", cli_prog, HPCAP_VERSION); return 0;
		default: cli_bad_option(argc, argv, optopt);
		}
	}
	if (argc - optind < 2)
		cli_usage_error("need at least one input and the output file");
	out = argv[argc - 1];
	nfiles = hpcap_raw_list((const char *const *)argv + optind,
				argc - optind - 1, &files, errbuf);
	if (nfiles < 0) {
		cli_err("%s", errbuf);
		return 1;
	}
	if (nfiles == 0) {
		cli_err("no *.raw files found in the given directories");
		return 1;
	}
	for (i = 0; i < nfiles; i++) {
		if (strcmp(out, "-") && same_file(files[i], out)) {
			cli_err("output %s is also an input; refusing to overwrite it",
				out);
			hpcap_raw_list_free(files, nfiles);
			return 2;
		}
	}
	t.snaplen = snaplen ? snaplen : 65535;
	if (hpcap_pcap_open_linktype(&w, out, format, t.snaplen, linktype,
				     errbuf) < 0) {
		cli_err("%s", errbuf);
		hpcap_raw_list_free(files, nfiles);
		return 1;
	}
	for (i = 0; i < nfiles && t.frames < limit && !failed; i++)
		failed = convert(files[i], w, &t, limit, quiet) < 0;
	if (hpcap_pcap_close(w, errbuf) < 0) {
		cli_err("%s", errbuf);
		failed = 1;
	}
	if (!quiet && !failed)
		fprintf(stderr, "%s: %llu frames (%s) from %d file%s written to %s\n",
			cli_prog, (unsigned long long)t.frames,
			cli_fmt_bytes(b, sizeof(b), t.bytes), t.files,
			t.files == 1 ? "" : "s", strcmp(out, "-") ? out : "standard output");
	hpcap_raw_list_free(files, nfiles);
	return failed || t.damaged ? 1 : 0;
}
