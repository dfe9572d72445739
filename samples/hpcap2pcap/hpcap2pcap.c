// SPDX-License-Identifier: BSD-3-Clause
/*
 * hpcap2pcap - stream a live hpcap queue (or RAW files) as pcap or pcapng,
 * to standard output by default, so that
 *
 *   hpcap2pcap 0 0 | tcpdump -r -
 *
 * shows the queue's traffic as it comes.  Frames come through libmgmon
 * (the same reader for live queues, pcap2hpcap replays and RAW files) and
 * keep their nanosecond stamps.  The output is buffered and flushed when
 * the queue is idle, at least every --flush-ms, or after every frame with
 * -U, so a reader at the other end of a pipe sees frames within that time.
 */
#define _GNU_SOURCE
#include "libmgmon.h"
#include "cli/cli.h"
#include "cli/mgsource.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OUT_BUF (1u << 20)
#define PCAP_MAGIC_USEC 0xa1b2c3d4u
#define PCAP_MAGIC_NSEC 0xa1b23c4du

static void usage(void)
{
	printf("Usage: %s [options] <adapter> <queue>\n"
	       "       %s [options] --raw <raw-file|dir>...\n"
	       "\n"
	       "Write the frames of a live hpcap queue (/dev/hpcap_<adapter>_<queue>, or\n"
	       "the directory in HPCAP_DEV_DIR, such as /dev/shm for a pcap2hpcap\n"
	       "replay), or of RAW files, as pcap or pcapng to standard output, so\n"
	       "that tcpdump -r - and tshark -r - can read a capture queue live.\n"
	       "Stops on SIGINT or SIGTERM, when the reader goes away, or when the\n"
	       "queue does.\n"
	       "\n"
	       "Input:\n"
	       "  -r, --raw             the operands are RAW files or directories\n"
	       "  -p, --path FILE       the queue's device or queue file, named\n"
	       "      --lossy           a lossy listener: never hold the queue back\n"
	       "  -C, --cpu N           pin to CPU N\n"
	       "\n"
	       "Output:\n"
	       "  -w, --write FILE      write FILE instead of standard output ('-')\n"
	       "      --nsec            pcap with nanosecond timestamps (default)\n"
	       "  -u, --usec            pcap with microsecond timestamps\n"
	       "  -n, --pcapng          pcapng with if_tsresol=9 (nanoseconds)\n"
	       "  -s, --snaplen N       cut frames to N bytes (default 65535)\n"
	       "  -U, --packet-buffered flush after every frame\n"
	       "  -F, --flush-ms MS     flush at least every MS milliseconds (default 100)\n"
	       "\n"
	       "Other options:\n"
	       "  -c, --count N         stop after N frames\n"
	       "  -d, --duration SEC    stop after SEC seconds\n"
	       "  -q, --quiet           no summary on stderr\n"
	       "  -h, --help            show this help\n"
	       "  -V, --version         show the version\n"
	       "\n"
	       "Exit status: 0 ok (also when interrupted, or when the reader closed the\n"
	       "pipe); 1 the queue could not be read, an input was damaged, or the\n"
	       "output failed; 2 usage.\n"
	       "\n"
	       "Examples:\n"
	       "  %s 0 0 | tcpdump -n -r -\n"
	       "  HPCAP_DEV_DIR=/dev/shm %s 0 0 | tshark -r -\n"
	       "  %s -c 1000 -w first.pcap 1 0\n"
	       "  %s --raw /data/capture/ | tcpdump -r - 'udp port 53'\n",
	       cli_prog, cli_prog, cli_prog, cli_prog, cli_prog, cli_prog);
}

/* ---- output ---- */

struct out {
	int fd;
	int format;		/* 0 ns pcap, 1 us pcap, 2 pcapng */
	uint8_t *buf;
	size_t fill;
	int epipe;		/* the reader went away */
	int err;		/* errno of a failed write */
	uint64_t bytes;
	const char *name;
};

static int out_flush(struct out *o)
{
	size_t done = 0;
	ssize_t n;

	while (done < o->fill && !o->epipe && !o->err) {
		n = write(o->fd, o->buf + done, o->fill - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EPIPE)
			o->epipe = 1;
		else if (n < 0)
			o->err = errno;
		else
			done += (size_t)n;
	}
	o->bytes += done;
	o->fill = 0;
	return o->epipe || o->err ? -1 : 0;
}

static uint8_t *out_reserve(struct out *o, size_t n)
{
	if (o->fill + n > OUT_BUF && out_flush(o) < 0)
		return NULL;
	return o->buf + o->fill;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static int out_header(struct out *o, uint32_t snaplen)
{
	uint8_t *b = out_reserve(o, 64);

	if (!b)
		return -1;
	memset(b, 0, 64);
	if (o->format != 2) {
		put32(b, o->format == 1 ? PCAP_MAGIC_USEC : PCAP_MAGIC_NSEC);
		put16(b + 4, 2);
		put16(b + 6, 4);
		put32(b + 16, snaplen);
		put32(b + 20, 1);	/* Ethernet */
		o->fill += 24;
		return 0;
	}
	/* SHB: byte-order magic, version 1.0, unknown section length. */
	put32(b, 0x0a0d0d0a);
	put32(b + 4, 28);
	put32(b + 8, 0x1a2b3c4d);
	put16(b + 12, 1);
	memset(b + 16, 0xff, 8);
	put32(b + 24, 28);
	/* IDB: Ethernet, snaplen, if_tsresol = 9 (ns), end of options. */
	put32(b + 28, 1);
	put32(b + 32, 32);
	put16(b + 36, 1);
	put32(b + 40, snaplen);
	put16(b + 44, 9);
	put16(b + 46, 1);
	b[48] = 9;
	put32(b + 56, 32);
	o->fill += 60;
	return 0;
}

static int out_frame(struct out *o, const struct mgmon_pkthdr *h,
		     const uint8_t *data, uint32_t caplen)
{
	uint32_t pad = (4 - caplen % 4) % 4;
	uint64_t ns;
	uint8_t *b;

	if (o->format != 2) {
		b = out_reserve(o, 16 + caplen);
		if (!b)
			return -1;
		put32(b, h->ts.tv_sec);
		put32(b + 4, o->format == 1 ? h->ts.tv_nsec / 1000 : h->ts.tv_nsec);
		put32(b + 8, caplen);
		put32(b + 12, h->len);
		memcpy(b + 16, data, caplen);
		o->fill += 16 + caplen;
		return 0;
	}
	b = out_reserve(o, 32 + caplen + pad);
	if (!b)
		return -1;
	ns = (uint64_t)h->ts.tv_sec * 1000000000u + h->ts.tv_nsec;
	put32(b, 6);			/* EPB */
	put32(b + 4, 32 + caplen + pad);
	put32(b + 8, 0);		/* interface 0 */
	put32(b + 12, (uint32_t)(ns >> 32));
	put32(b + 16, (uint32_t)ns);
	put32(b + 20, caplen);
	put32(b + 24, h->len);
	memcpy(b + 28, data, caplen);
	memset(b + 28 + caplen, 0, pad);
	put32(b + 28 + caplen + pad, 32 + caplen + pad);
	o->fill += 32 + caplen + pad;
	return 0;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "raw", no_argument, NULL, 'r' },
		{ "path", required_argument, NULL, 'p' },
		{ "lossy", no_argument, NULL, 'L' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "write", required_argument, NULL, 'w' },
		{ "nsec", no_argument, NULL, 'N' },
		{ "usec", no_argument, NULL, 'u' },
		{ "pcapng", no_argument, NULL, 'n' },
		{ "snaplen", required_argument, NULL, 's' },
		{ "packet-buffered", no_argument, NULL, 'U' },
		{ "flush-ms", required_argument, NULL, 'F' },
		{ "count", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct mgsource src = { .cpu = -1 };
	const char *outname = "-";
	uint64_t count = UINT64_MAX, flush_ms = 100, duration_ms = 0;
	uint64_t last_flush, start, frames = 0, bytes = 0;
	int quiet = 0, pktbuf = 0, c, st;
	int failed = 0, damaged = 0, timeout;
	struct out o = { .fd = 1, .format = 0 };
	char b1[32];
	uint32_t snaplen = 65535;
	struct mgmon_stats ms;
	struct mgmon_pkthdr h;
	const uint8_t *data;
	struct mgmon *m;

	cli_init(argv[0]);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "rp:C:w:uns:UF:c:d:qhV", opts,
				NULL)) != -1) {
		switch (c) {
		case 'r': src.raw = 1; break;
		case 'p': src.path = optarg; break;
		case 'L': src.lossy = 1; break;
		case 'C': src.cpu = (int)cli_parse_u64("--cpu", optarg, 4095); break;
		case 'w': outname = optarg; break;
		case 'N': o.format = 0; break;
		case 'u': o.format = 1; break;
		case 'n': o.format = 2; break;
		case 's':
			snaplen = (uint32_t)cli_parse_u64("--snaplen", optarg,
							  UINT32_MAX);
			break;
		case 'U': pktbuf = 1; break;
		case 'F':
			flush_ms = cli_parse_u64("--flush-ms", optarg, 3600000);
			break;
		case 'c': count = cli_parse_u64("--count", optarg, UINT64_MAX); break;
		case 'd':
			duration_ms = cli_parse_u64("--duration", optarg,
						    100u * 365 * 86400) * 1000;
			break;
		case 'q': quiet = 1; break;
		case 'h': usage(); return 0;
		case 'V': printf("%s %s\n", cli_prog, HPCAP_VERSION); return 0;
		default: cli_bad_option(argc, argv, optopt);
		}
	}
	if (!snaplen)
		snaplen = 65535;
	if (src.raw && src.path)
		cli_usage_error("--raw and --path exclude each other");
	if (src.raw && argc == optind)
		cli_usage_error("--raw needs at least one RAW file or directory");
	if (!src.raw && !src.path && argc - optind != 2)
		cli_usage_error("need <adapter> <queue> (or --path FILE, or --raw FILES)");
	if (src.path && argc != optind)
		cli_usage_error("--path takes no other operands");
	if (strcmp(outname, "-")) {
		o.fd = open(outname, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (o.fd < 0) {
			cli_err("cannot create %s: %s", outname, strerror(errno));
			return 1;
		}
	} else if (isatty(1)) {
		cli_usage_error("standard output is a terminal: pipe it (| tcpdump -r -) or use -w FILE");
	}
	o.name = strcmp(outname, "-") ? outname : "standard output";
	o.buf = malloc(OUT_BUF);
	if (!o.buf) {
		cli_err("out of memory");
		return 1;
	}

	/* SIGINT/SIGTERM end the loop; a reader that goes away is EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	m = mgsource_open(&src, argc, argv, optind);
	if (!m)
		return 1;
	if (out_header(&o, snaplen) < 0 || (!src.raw && out_flush(&o) < 0))
		goto out;
	start = last_flush = mono_ms();
	/* Live waits end every 100 ms for the --duration check. */
	timeout = src.raw ? 0 : 100;
	while (frames < count) {
		st = mgmon_next(m, &h, &data, 0);
		if (st == MGMON_TIMEOUT) {
			/* Caught up with the queue: what is buffered goes
			 * out now, before waiting for more. */
			if (o.fill) {
				if (out_flush(&o) < 0)
					break;
				last_flush = mono_ms();
			}
			st = mgmon_next(m, &h, &data, timeout);
		}
		if (st == MGMON_FRAME) {
			if (out_frame(&o, &h, data,
				      h.caplen < snaplen ? h.caplen : snaplen) < 0)
				break;
			frames++;
			bytes += h.caplen;
			if (pktbuf && out_flush(&o) < 0)
				break;
			if (src.raw || (frames & 255))
				continue;
		} else if (st == MGMON_END || st == MGMON_BREAK) {
			break;
		} else if (st < 0) {
			cli_err("%s", mgmon_geterr(m));
			if (!src.raw) {
				failed = 1;
				break;
			}
			damaged = 1;	/* offline: go on with the next file */
			continue;
		}
		/* Live, busy queue: flush at least every flush_ms. */
		if (!src.raw && o.fill && mono_ms() - last_flush >= flush_ms) {
			if (out_flush(&o) < 0)
				break;
			last_flush = mono_ms();
		}
		if (duration_ms && mono_ms() - start >= duration_ms)
			break;
	}
out:
	if (!o.epipe && !o.err)
		out_flush(&o);
	if (o.err) {
		cli_err("cannot write %s: %s", o.name, strerror(o.err));
		failed = 1;
	}
	if (o.fd != 1 && close(o.fd) < 0 && !failed) {
		cli_err("cannot write %s: %s", o.name, strerror(errno));
		failed = 1;
	}
	mgmon_get_stats(m, &ms);
	if (!quiet) {
		fprintf(stderr, "%s: %llu frames (%s) written to %s", cli_prog,
			(unsigned long long)frames,
			cli_fmt_bytes(b1, sizeof(b1), bytes), o.name);
		if (src.lossy)
			fprintf(stderr, ", %llu lost (lossy listener)",
				(unsigned long long)ms.lost_frames);
		if (o.epipe)
			fprintf(stderr, "; the reader closed the pipe");
		if (mgsource_stop_signal())
			fprintf(stderr, "; stopped by %s",
				mgsource_stop_signal() == SIGINT ? "SIGINT"
								 : "SIGTERM");
		fputc('\n', stderr);
	}
	mgmon_close(m);
	free(o.buf);
	return failed || damaged ? 1 : 0;
}
