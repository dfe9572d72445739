// SPDX-License-Identifier: BSD-3-Clause
/*
 * hpcapdd - copy a capture queue to RAW files, block by block, O_DIRECT.
 *
 *   hpcapdd [options] <adapter> <queue> <dir|null>
 *
 * The copy itself is libhpcap's block copier (hpcap_copier_*, in
 * srclib/pipeline/copier.c): whole aligned blocks from the read-only
 * mapping straight to disk, files named by their start time as HPCAP
 * named them, <dir>/<t - t % 1800>/<t>_hpcap<adapter>_<queue>.raw, or as
 * the pipeline options say.  The per-frame options (formats, zstd,
 * filters) go through the per-frame pipeline (srclib/cli/pipecli.c).
 * Here: the options, the wait loop, progress and the summary.  On
 * SIGINT/SIGTERM what is pending is written and the last file is closed
 * with a padding record of its own.
 */
#define _GNU_SOURCE
#include "libhpcap_live.h"
#include "cli/cli.h"
#include "cli/numaplace.h"
#include "cli/pipecli.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop_now;

/* What the summary needs. */
struct dd {
	struct hpcap_handle *h;
	uint64_t frames, bytes, files;
};

static void on_signal(int sig)
{
	(void)sig;
	stop_now = 1;
}

static void on_file(void *arg, const struct hpcap_file_facts *f, int hook_err)
{
	pipecli_file_done(arg, f, hook_err);
}

static void usage(void)
{
	printf("Usage: %s [options] <adapter> <queue> <dir|null>\n"
	       "\n"
	       "Copy capture queue /dev/hpcap_<adapter>_<queue> to RAW files in <dir>,\n"
	       "whole blocks at a time with O_DIRECT, a new file every file size (set by\n"
	       "the module), named <dir>/<t - t%%1800>/<t>_hpcap<adapter>_<queue>.raw\n"
	       "after their start time t.  'null' reads and discards (to measure).\n"
	       "SIGINT or SIGTERM writes what is pending and closes the last file with\n"
	       "a padding record, so every file passes checkraw.\n"
	       "\n"
	       "Options:\n"
	       "  -d, --duration SECONDS  stop after this long\n"
	       "  -n, --max-files N       stop after N complete files\n"
	       "      --no-direct         write through the page cache\n"
	       "      --hpcap-layout      start every RAW file with a frame, never with a\n"
	       "                          leading padding, so that HPCAP's raw2pcap and\n"
	       "                          checkraw read it (they stop at any padding); a\n"
	       "                          file opened mid-block (this listener joined a\n"
	       "                          running capture, or a split) is then copied\n"
	       "                          through a buffer, not block by block\n"
	       "  -i, --interval SECONDS  progress line every SECONDS (default 1; 0 = none)\n"
	       "  -q, --quiet             no progress, only the final summary\n"
	       "  -h, --help              show this help\n"
	       "  -V, --version           show the version\n", cli_prog);
	numaplace_usage();
	printf("\n");
	pipecli_usage();
	printf("\n"
	       "With none of them hpcapdd is HPCAP's block copier.  RAW output with\n"
	       "--split-time/-size, --name, --sha256 or --post keeps the block copy;\n"
	       "--format pcap|pcapng, --zstd and --filter handle every frame (the\n"
	       "per-frame path).\n"
	       "\n"
	       "Exit status: 0 done; 1 an error stopped the capture (every earlier file\n"
	       "is complete); 2 usage.\n"
	       "\n"
	       "Examples:\n"
	       "  %s 0 0 /data/capture\n"
	       "  %s --duration 60 0 1 null\n"
	       "  %s --split-time 60s --name '%%Y%%m%%d/%%H%%M%%S' --post 'gzip -k' 0 0 /data\n"
	       "  %s --format pcap --zstd --split-time 1m -f 'udp port 53' 0 0 /data/dns\n"
	       "\n"
	       "hpcapdd is always a lossless listener: what reaches the buffer reaches the\n"
	       "disk, or the module counts it as lost.  A slow analyzer beside it should\n"
	       "open its listener in lossy mode (hpcapdd_p --lossy, HPCAP_OPEN_LOSSY).\n",
	       cli_prog, cli_prog, cli_prog, cli_prog);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void report(struct dd *d, const struct hpcap_queue_stats *s0,
		   int final, double dt, uint64_t dframes, uint64_t dbytes)
{
	struct hpcap_queue_stats s;
	uint64_t lost;
	char b[32];

	if (hpcap_queue_stats(d->h, &s) < 0)
		memcpy(&s, s0, sizeof(s));
	/* Frames the module dropped because a lossless listener (this one
	 * or another) left no room, since we started. */
	lost = s.client_lost_frames - s0->client_lost_frames;
	if (!final) {
		fprintf(stderr, "%s: %.3f Gbit/s %.3f Mpps | %llu frames, %s, %llu files | lost %llu\n",
			cli_prog, dbytes * 8 / dt / 1e9, dframes / dt / 1e6,
			(unsigned long long)d->frames,
			cli_fmt_bytes(b, sizeof(b), d->bytes),
			(unsigned long long)d->files, (unsigned long long)lost);
		return;
	}
	fprintf(stderr, "%s: %llu frames received, %s in %llu file%s\n", cli_prog,
		(unsigned long long)d->frames, cli_fmt_bytes(b, sizeof(b), d->bytes),
		(unsigned long long)d->files, d->files == 1 ? "" : "s");
	fprintf(stderr, "%s: %llu frames lost (%.4f%%) because the buffer was full (a listener was too slow)\n",
		cli_prog, (unsigned long long)lost,
		d->frames + lost ? 100.0 * lost / (d->frames + lost) : 0.0);
}

/* The totals so far, for the progress lines and the summary. */
static void totals(struct dd *d, const struct hpcap_copier *cp)
{
	d->frames = hpcap_copier_frames(cp);
	d->bytes = hpcap_copier_bytes(cp);
	d->files = hpcap_copier_files(cp);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "max-files", required_argument, NULL, 'n' },
		{ "no-direct", no_argument, NULL, 'D' },
		{ "hpcap-layout", no_argument, NULL, 'H' },
		{ "interval", required_argument, NULL, 'i' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		NUMAPLACE_OPTION,
		PIPECLI_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct hpcap_copier_opts co = { .pipe.direct = 1 };
	struct hpcap_copier *cp = NULL;
	struct dd d = { 0 };
	struct pipecli pc;
	unsigned adapter, queue;
	const char *dir;
	int per_frame;
	uint64_t duration = 0, interval = 1, consumed = 0, max_files = 0;
	uint64_t last_frames = 0, last_bytes = 0, min_wait, file_size;
	struct hpcap_queue_stats s0;
	struct hpcap_window win;
	char errbuf[HPCAP_ERRBUF_SIZE];
	double t0, tlast;
	int c, quiet = 0, ret = 0, err, st = 0, numa = NUMAPLACE_AUTO;
	struct sigaction sa;

	cli_init(argv[0]);
	pipecli_init(&pc);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "d:n:i:qhV" PIPECLI_SHORT, opts,
				NULL)) != -1) {
		switch (c) {
		case 'd': duration = cli_parse_u64("--duration", optarg, 1u << 30); break;
		case 'n': max_files = cli_parse_u64("--max-files", optarg, UINT32_MAX); break;
		case 'D': co.pipe.direct = 0; break;
		case 'H': co.hpcap_layout = 1; break;
		case 'i': interval = cli_parse_u64("--interval", optarg, 86400); break;
		case 'q': quiet = 1; break;
		case NUMAPLACE_OPT: numa = numaplace_parse("--numa-node", optarg); break;
		case 'h': usage(); return 0;
		case 'V': printf("%s %s\n", cli_prog, HPCAP_VERSION); return 0;
		default: pipecli_other(&pc, c, argc, argv);
		}
	}
	pipecli_operands(&pc, argc, argv, optind, &adapter, &queue, &dir);
	per_frame = pc.any && pipecli_per_frame(&pc);
	pc.quiet = quiet;
	err = hpcap_open(&d.h, adapter, queue, 0, errbuf);
	if (err < 0) {
		cli_err("%s", errbuf);
		return 1;
	}
	/* Before any buffer or thread of the copy exists. */
	numaplace_apply(numa, adapter, queue, pc.po.worker_cpus, quiet);
	file_size = hpcap_info(d.h)->file_size;
	if (pc.any && pipecli_start(&pc, dir, adapter, queue, file_size,
				    co.pipe.direct, max_files, per_frame) < 0) {
		hpcap_close(d.h);
		return 1;
	}
	/* A block at a time, but never wait for more than half the buffer
	 * (the producer needs room too). */
	min_wait = hpcap_info(d.h)->buf_size / 2 < HPCAP_BLOCK_SIZE ?
		   hpcap_info(d.h)->buf_size / 2 : HPCAP_BLOCK_SIZE;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: end the wait */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (hpcap_queue_stats(d.h, &s0) < 0)
		memset(&s0, 0, sizeof(s0));
	t0 = tlast = now_s();
	if (!quiet)
		fprintf(stderr, "%s: capturing /dev/hpcap_%u_%u to %s (files of %s)\n",
			cli_prog, adapter, queue, dir ? dir : "nowhere (null)",
			cli_fmt_bytes(errbuf, sizeof(errbuf), file_size));

	if (per_frame) {
		struct pipecli_loop lo = {
			.duration = duration, .stop = &stop_now,
			.interval = quiet ? 0 : (unsigned)interval,
		};

		ret = pipecli_loop(&pc, d.h, &lo);
		if (lo.gone)
			cli_err("the interface went away; closing the last file");
		if (pipecli_finish(&pc) < 0)
			ret = 1;
		d.frames = lo.frames;
		d.bytes = lo.bytes;
		d.files = pc.files;
		report(&d, &s0, 1, 0, 0, 0);
		hpcap_close(d.h);
		return ret;
	}

	/* The block copy (libhpcap's copier), with the pipeline's names,
	 * splits, sidecars and hooks if any was asked for. */
	if (pc.any)
		co.pipe = pc.po;
	co.pipeline = pc.any;
	co.pipe.names.dir = dir;
	co.pipe.names.adapter = adapter;
	co.pipe.names.queue = queue;
	co.pipe.max_files = max_files;
	co.file_size = file_size;
	co.buffer_size = hpcap_info(d.h)->buf_size;
	err = hpcap_wait(d.h, 0, 0, 0, &win);
	if (!err && hpcap_copier_open(&cp, &co, win.pos, errbuf) < 0) {
		cli_err("%s", errbuf);
		hpcap_close(d.h);
		return 1;
	}
	if (cp && pc.any)
		hpcap_copier_on_file(cp, on_file, &pc);
	while (!err && !stop_now) {
		double t;

		err = hpcap_wait(d.h, consumed, min_wait, 200, &win);
		if (err)
			break;
		st = hpcap_copier_write(cp, win.data, win.pos, win.pos + win.len,
					0, win.len < min_wait);
		if (st < 0) {
			cli_err("%s", hpcap_copier_geterr(cp));
			ret = 1;
			break;
		}
		if (pc.any)
			pipecli_tick(&pc, 0);
		consumed = hpcap_copier_pos(cp) - win.pos;
		totals(&d, cp);
		if (win.gone) {
			cli_err("the interface went away; writing what is left");
			break;
		}
		t = now_s();
		if (!quiet && interval && t - tlast >= (double)interval) {
			report(&d, &s0, 0, t - tlast, d.frames - last_frames,
			       d.bytes - last_bytes);
			tlast = t;
			last_frames = d.frames;
			last_bytes = d.bytes;
		}
		if ((duration && t - t0 >= (double)duration) || st > 0)
			break;	/* st > 0: --max-files files are complete */
	}
	if (err && err != -ENODEV) {
		cli_err("%s", hpcap_geterr(d.h));
		ret = 1;
	}
	/* Write what is pending and close the last file properly.  After
	 * -ENODEV the last acknowledgement was applied and the queue is
	 * drained; otherwise acknowledge what was written and take the rest.
	 * After an error the open file is left as it is (see the message). */
	if (!ret && st == 0 && cp) {
		if (err != -ENODEV)
			err = hpcap_wait(d.h, consumed, 0, 0, &win);
		if (err == -ENODEV)
			win.len = 0, win.pos = hpcap_copier_pos(cp);
		if (err == 0 || err == -ENODEV) {
			if (hpcap_copier_write(cp, win.data, win.pos,
					       win.pos + win.len, 1, 0) < 0) {
				cli_err("%s", hpcap_copier_geterr(cp));
				ret = 1;
			}
		} else {
			cli_err("%s", hpcap_geterr(d.h));
			ret = 1;
		}
	}
	if (cp)
		totals(&d, cp);
	hpcap_copier_close(cp);
	if (pc.any && pipecli_finish(&pc) < 0)
		ret = 1;
	report(&d, &s0, 1, 0, 0, 0);
	hpcap_close(d.h);
	return ret;
}
