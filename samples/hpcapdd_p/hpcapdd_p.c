// SPDX-License-Identifier: BSD-3-Clause
/*
 * hpcapdd_p - the per-packet variant of hpcapdd: reads a capture queue
 * frame by frame (libhpcap's hpcap_next) and writes RAW files re-framed by
 * libhpcap's writer, optionally printing a line per frame.
 *
 *   hpcapdd_p [options] <adapter> <queue> <dir|null>
 *
 * Slower than hpcapdd's block copy; useful to see frames as they arrive
 * and as an example of the frame API.  With the pipeline options (split,
 * formats, zstd, sidecars, hooks, BPF filter: srclib/cli/pipecli.c) the
 * frames go through libhpcap's per-frame pipeline instead of the RAW
 * writer; the capture loop is the one hpcapdd uses for them.
 */
#define _GNU_SOURCE
#include "libhpcap_live.h"
#include "cli/cli.h"
#include "cli/numaplace.h"
#include "cli/pipecli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_now;

static void on_signal(int sig)
{
	(void)sig;
	stop_now = 1;
}

struct names {
	const char *dir;
	unsigned adapter, queue;
	time_t last;
};

/* The RAW writer's files, named as hpcapdd names them. */
static int create_file(char *path, size_t n, unsigned index, void *arg)
{
	struct names *nm = arg;
	char eb[HPCAP_ERRBUF_SIZE];
	int fd;

	(void)index;
	fd = hpcap_name_create_hpcap(path, n, nm->dir, nm->adapter, nm->queue,
				     &nm->last, 0, eb);
	if (fd < 0)
		cli_err("%s", eb);
	return fd;
}

static void dump(void *arg, const struct hpcap_raw_record *r)
{
	int hex = *(const int *)arg;
	uint32_t k;

	printf("%u.%09u %u %u", r->sec, r->nsec, r->caplen, r->len);
	for (k = 0; hex && k < r->caplen; k++)
		printf("%s%02x", k % 16 ? " " : "\n  ", r->data[k]);
	putchar('\n');
}

static void usage(void)
{
	printf("Usage: %s [options] <adapter> <queue> <dir|null>\n"
	       "\n"
	       "Read capture queue /dev/hpcap_<adapter>_<queue> frame by frame and\n"
	       "write RAW files (named as hpcapdd names them) in <dir>, or nothing\n"
	       "with 'null'.  SIGINT or SIGTERM closes the last file properly.\n"
	       "\n"
	       "Options:\n"
	       "  -p, --print             print \"sec.nsec caplen len\" per frame on stdout\n"
	       "  -x, --hex               with --print, also the frame bytes in hex\n"
	       "  -c, --count N           stop after N frames\n"
	       "  -d, --duration SECONDS  stop after this long\n"
	       "  -l, --lossy             never hold the producer back (count own loss)\n"
	       "  -q, --quiet             no summary on stderr\n"
	       "  -h, --help              show this help\n"
	       "  -V, --version           show the version\n", cli_prog);
	numaplace_usage();
	printf("\n");
	pipecli_usage();
	printf("\n"
	       "Exit status: 0 done; 1 an error stopped the capture; 2 usage.\n"
	       "\n"
	       "Examples:\n"
	       "  %s --print --count 10 0 0 null\n"
	       "  %s --print -f 'tcp port 80' --format pcapng --split-size 100M 0 0 /data\n",
	       cli_prog, cli_prog);
}

static int raw_sink(void *arg, const struct hpcap_raw_record *rec)
{
	struct hpcap_raw_writer *w = arg;

	if (hpcap_raw_writer_put(w, rec->sec, rec->nsec, rec->caplen, rec->len,
				 rec->data) < 0) {
		cli_err("%s", hpcap_raw_writer_geterr(w));
		return -1;
	}
	return 0;
}

static int null_sink(void *arg, const struct hpcap_raw_record *rec)
{
	(void)arg;
	(void)rec;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "print", no_argument, NULL, 'p' },
		{ "hex", no_argument, NULL, 'x' },
		{ "count", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "lossy", no_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		NUMAPLACE_OPTION,
		PIPECLI_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct pipecli_loop lo = { .stop = &stop_now };
	struct pipecli pc;
	struct hpcap_raw_writer_opts wo = { 0 };
	struct hpcap_raw_writer *w = NULL;
	struct hpcap_queue_stats s0;
	struct hpcap_handle *h;
	struct names nm = { 0 };
	char errbuf[HPCAP_ERRBUF_SIZE], b[32];
	uint64_t count = 0, duration = 0;
	int c, print = 0, hex = 0, lossy = 0, quiet = 0, ret = 0;
	int numa = NUMAPLACE_AUTO;
	struct sigaction sa;

	cli_init(argv[0]);
	pipecli_init(&pc);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "pxc:d:lqhV" PIPECLI_SHORT, opts,
				NULL)) != -1) {
		switch (c) {
		case 'p': print = 1; break;
		case 'x': hex = 1; break;
		case 'c': count = cli_parse_u64("--count", optarg, UINT64_MAX); break;
		case 'd': duration = cli_parse_u64("--duration", optarg, 1u << 30); break;
		case 'l': lossy = 1; break;
		case 'q': quiet = 1; break;
		case NUMAPLACE_OPT: numa = numaplace_parse("--numa-node", optarg); break;
		case 'h': usage(); return 0;
		case 'V': printf("%s %s\n", cli_prog, HPCAP_VERSION); return 0;
		default: pipecli_other(&pc, c, argc, argv);
		}
	}
	pipecli_operands(&pc, argc, argv, optind, &nm.adapter, &nm.queue, &nm.dir);
	pc.quiet = quiet;
	if (hpcap_open(&h, nm.adapter, nm.queue, lossy ? HPCAP_OPEN_LOSSY : 0,
		       errbuf) < 0) {
		cli_err("%s", errbuf);
		return 1;
	}
	/* Before any buffer or thread of the pipeline or writer exists. */
	numaplace_apply(numa, nm.adapter, nm.queue, pc.po.worker_cpus, quiet);
	if (pc.any) {
		if (pipecli_start(&pc, nm.dir, nm.adapter, nm.queue,
				  hpcap_info(h)->file_size, 1, 0, 1) < 0) {
			hpcap_close(h);
			return 1;
		}
	} else if (nm.dir) {
		wo.file_size = hpcap_info(h)->file_size;
		wo.create = create_file;
		wo.create_arg = &nm;
		if (hpcap_raw_writer_open(&w, nm.dir, &wo, errbuf) < 0) {
			cli_err("%s", errbuf);
			hpcap_close(h);
			return 1;
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (hpcap_queue_stats(h, &s0) < 0)
		memset(&s0, 0, sizeof(s0));
	lo.count = count;
	lo.duration = duration;
	lo.lossy = lossy;
	if (!pc.any) {
		lo.sink = w ? raw_sink : null_sink;
		lo.sink_arg = w;
	}
	if (print) {
		lo.show = dump;
		lo.show_arg = &hex;
	}
	ret = pipecli_loop(&pc, h, &lo);
	if (pc.any && pipecli_finish(&pc) < 0)
		ret = 1;
	if (w && hpcap_raw_writer_close(w, errbuf) < 0) {
		cli_err("%s", errbuf);
		ret = 1;
	}
	if (!quiet) {
		struct hpcap_queue_stats s1;

		if (hpcap_queue_stats(h, &s1) < 0)
			s1 = s0;
		fprintf(stderr, "%s: %llu frames received (%s); lost: %llu because the buffer was full, %llu overwritten before this lossy listener read them\n",
			cli_prog, (unsigned long long)lo.frames,
			cli_fmt_bytes(b, sizeof(b), lo.bytes),
			(unsigned long long)(s1.client_lost_frames -
					     s0.client_lost_frames),
			(unsigned long long)hpcap_lost_frames(h));
	}
	hpcap_close(h);
	return ret;
}
