// SPDX-License-Identifier: BSD-3-Clause
/*
 * hpcapdd - copy a capture queue to RAW files, block by block, O_DIRECT.
 *
 *   hpcapdd [options] <adapter> <queue> <dir|null>
 *
 * The module already frames the stream into file-size slices (each ends
 * with a padding record), so the copy never parses frames: whole aligned
 * blocks go from the read-only mapping straight to disk.  Files are named
 * by their start time as HPCAP named them:
 *   <dir>/<t - t % 1800>/<t>_hpcap<adapter>_<queue>.raw
 * The first file may start mid-stream: a leading padding record keeps the
 * file offsets aligned with the stream.  On SIGINT/SIGTERM what is pending
 * is written and the last file is closed with a padding record of its own.
 */
#define _GNU_SOURCE
#include "libhpcap_live.h"
#include "hpcap_framing.h"
#include "cli/capfile.h"
#include "cli/cli.h"

#include <endian.h>
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

#define ALIGN 4096u
#define MAX_WRITE (8u << 20)	/* release room to the producer often */

static volatile sig_atomic_t stop_now;

struct dd {
	struct hpcap_handle *h;
	unsigned adapter, queue;
	const char *dir;	/* NULL: discard ("null") */
	uint64_t file_size;
	int direct_ok;		/* try O_DIRECT */
	uint64_t max_files;	/* 0: no limit */
	/* the open file */
	int open;
	int fd;
	int direct;
	char path[4096];
	uint64_t file_end;	/* stream position where it ends */
	uint64_t file_len;	/* bytes in it */
	time_t last_name;	/* names never repeat or go back */
	/* stream */
	uint64_t pos;		/* written up to here */
	uint64_t next_rec;	/* next record start, for counting frames */
	const uint8_t *base;	/* window data */
	uint64_t base_pos;	/* stream position of base[0] */
	uint8_t *bounce;
	/* totals */
	uint64_t frames, bytes, files;
};

static void on_signal(int sig)
{
	(void)sig;
	stop_now = 1;
}

static const uint8_t *at(const struct dd *d, uint64_t pos)
{
	return d->base + (pos - d->base_pos);
}

/* Count the frames whose records start before end. */
static void count_frames(struct dd *d, uint64_t end)
{
	while (d->next_rec < end) {
		struct hpcap_raw_hdr h;

		memcpy(&h, at(d, d->next_rec), sizeof(h));
		d->frames += h.sec || h.nsec;
		d->next_rec += HPCAP_RAW_HDR_LEN + le16toh(h.caplen);
	}
}

static int write_all(struct dd *d, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(d->fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EINVAL && d->direct) {
			/* File system refused O_DIRECT at write time. */
			d->direct = 0;
			fcntl(d->fd, F_SETFL, fcntl(d->fd, F_GETFL) & ~O_DIRECT);
			continue;
		}
		if (w <= 0) {
			cli_err("cannot write %s: %s; stopping.  Earlier files are complete; this one holds what was written before the error (close it with 'checkraw -f %s').",
				d->path, w < 0 ? strerror(errno) : "no progress",
				d->path);
			return -1;
		}
		p += w;
		n -= (size_t)w;
		d->file_len += (uint64_t)w;
		d->bytes += (uint64_t)w;
	}
	return 0;
}

static int open_file(struct dd *d)
{
	d->file_end = (d->pos / d->file_size + 1) * d->file_size;
	d->file_len = 0;
	d->open = 1;
	if (!d->dir)
		return 0;
	d->fd = capfile_create(d->path, sizeof(d->path), d->dir, d->adapter,
			       d->queue, &d->last_name,
			       d->direct_ok ? O_DIRECT : 0);
	if (d->fd < 0) {
		d->open = 0;
		return -1;
	}
	d->direct = d->direct_ok && (fcntl(d->fd, F_GETFL) & O_DIRECT);
	return 0;
}

static int close_file(struct dd *d)
{
	int err = 0;

	if (d->dir) {
		if (fdatasync(d->fd) < 0 || close(d->fd) < 0) {
			cli_err("cannot close %s: %s", d->path, strerror(errno));
			err = -1;
		}
	}
	d->fd = -1;
	d->open = 0;
	d->files++;
	return err;
}

/* Append bytes through the aligned bounce buffer (n small). */
static int bounce_write(struct dd *d, size_t n)
{
	if (!d->dir) {
		d->file_len += n;
		d->bytes += n;
		return 0;
	}
	return write_all(d, d->bounce, n);
}

static size_t put_padding(uint8_t *p, uint32_t total)
{
	struct hpcap_raw_hdr h;

	hpcap_padding_hdr(&h, total);
	memcpy(p, &h, sizeof(h));
	memset(p + sizeof(h), 0, total - sizeof(h));
	return total;
}

/*
 * Write the stream from d->pos up to w (a record boundary, or not, when
 * not final).  final: capture is over, close the open file early.
 */
static int write_upto(struct dd *d, uint64_t w, int final)
{
	while (d->pos < w || (final && d->open)) {
		uint64_t end, upto;

		if (!d->open && d->max_files && d->files >= d->max_files)
			return 0;
		if (!d->open && d->pos < w) {
			uint32_t lead = hpcap_lead_pad(d->pos, ALIGN);
			uint64_t a = (d->pos + ALIGN - 1) / ALIGN * ALIGN;
			size_t n;

			if (!final && lead && w < a)
				return 0;	/* wait for the first block */
			if (open_file(d) < 0)
				return -1;
			if (lead) {
				uint64_t e = w < a ? w : a;

				n = put_padding(d->bounce, lead);
				memcpy(d->bounce + n, at(d, d->pos), e - d->pos);
				n += e - d->pos;
				count_frames(d, e);
				d->pos = e;
				if (e < a)	/* final, and little data */
					n += put_padding(d->bounce + n,
							 hpcap_close_pad(n, ALIGN));
				if (bounce_write(d, n) < 0)
					return -1;
				if (e < a) {
					close_file(d);
					return 0;
				}
			}
		}
		if (!d->open)
			return 0;
		/* Whole aligned blocks, straight from the mapping. */
		end = w < d->file_end ? w : d->file_end;
		upto = end == d->file_end ? end
					   : d->pos + (end - d->pos) / ALIGN * ALIGN;
		while (d->pos < upto) {
			size_t n = upto - d->pos < MAX_WRITE ? upto - d->pos
							     : MAX_WRITE;

			if (d->dir && write_all(d, at(d, d->pos), n) < 0)
				return -1;
			if (!d->dir) {
				d->bytes += n;
				d->file_len += n;
			}
			d->pos += n;
			count_frames(d, d->pos);
		}
		if (d->pos == d->file_end) {
			if (close_file(d) < 0)
				return -1;
			continue;
		}
		if (!final)
			return 0;
		/* Capture over: the unaligned tail and an early padding. */
		{
			size_t n = w - d->pos;

			memcpy(d->bounce, at(d, d->pos), n);
			count_frames(d, w);
			d->pos = w;
			n += put_padding(d->bounce + n,
					 hpcap_close_pad(d->file_len + n, ALIGN));
			if (bounce_write(d, n) < 0)
				return -1;
			return close_file(d);
		}
	}
	return 0;
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
	       "  -i, --interval SECONDS  progress line every SECONDS (default 1; 0 = none)\n"
	       "  -q, --quiet             no progress, only the final summary\n"
	       "  -h, --help              show this help\n"
	       "  -V, --version           show the version\n"
	       "\n"
	       "Exit status: 0 done; 1 an error stopped the capture (every earlier file\n"
	       "is complete); 2 usage.\n"
	       "\n"
	       "Examples:\n"
	       "  %s 0 0 /data/capture\n"
	       "  %s --duration 60 0 1 null\n"
	       "\n"
	       "hpcapdd is always a lossless listener: what reaches the buffer reaches the\n"
	       "disk, or the module counts it as lost.  A slow analyzer beside it should\n"
	       "open its listener in lossy mode (hpcapdd_p --lossy, HPCAP_OPEN_LOSSY).\n",
	       cli_prog, cli_prog, cli_prog);
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "max-files", required_argument, NULL, 'n' },
		{ "no-direct", no_argument, NULL, 'D' },
		{ "interval", required_argument, NULL, 'i' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct dd d = { .fd = -1, .direct_ok = 1 };
	uint64_t duration = 0, interval = 1, consumed = 0;
	uint64_t last_frames = 0, last_bytes = 0, min_wait;
	struct hpcap_queue_stats s0;
	struct hpcap_window win;
	char errbuf[HPCAP_ERRBUF_SIZE];
	double t0, tlast;
	int c, quiet = 0, ret = 0, err;
	struct sigaction sa;
	void *bounce;

	cli_init(argv[0]);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "d:n:i:qhV", opts, NULL)) != -1) {
		switch (c) {
		case 'd': duration = cli_parse_u64("--duration", optarg, 1u << 30); break;
		case 'n': d.max_files = cli_parse_u64("--max-files", optarg, UINT32_MAX); break;
		case 'D': d.direct_ok = 0; break;
		case 'i': interval = cli_parse_u64("--interval", optarg, 86400); break;
		case 'q': quiet = 1; break;
		case 'h': usage(); return 0;
		case 'V': printf("%s %s\n", cli_prog, HPCAP_VERSION); return 0;
		default: cli_bad_option(argc, argv, optopt);
		}
	}
	if (argc - optind != 3)
		cli_usage_error("need <adapter> <queue> <dir|null>");
	d.adapter = (unsigned)cli_parse_u64("adapter", argv[optind], 1023);
	d.queue = (unsigned)cli_parse_u64("queue", argv[optind + 1], 1023);
	d.dir = strcmp(argv[optind + 2], "null") ? argv[optind + 2] : NULL;
	if (d.dir) {
		struct stat st;

		if (stat(d.dir, &st) < 0 || !S_ISDIR(st.st_mode))
			cli_usage_error("%s is not a directory (create it first, or give 'null')",
					d.dir);
	}
	if (posix_memalign(&bounce, ALIGN, 4 * ALIGN)) {
		cli_err("out of memory");
		return 1;
	}
	d.bounce = bounce;
	err = hpcap_open(&d.h, d.adapter, d.queue, 0, errbuf);
	if (err < 0) {
		cli_err("%s", errbuf);
		free(bounce);
		return 1;
	}
	d.file_size = hpcap_info(d.h)->file_size;
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
			cli_prog, d.adapter, d.queue, d.dir ? d.dir : "nowhere (null)",
			cli_fmt_bytes(errbuf, sizeof(errbuf), d.file_size));

	err = hpcap_wait(d.h, 0, 0, 0, &win);
	d.pos = d.next_rec = win.pos;
	while (!err && !stop_now) {
		double t;

		err = hpcap_wait(d.h, consumed, min_wait, 200, &win);
		if (err)
			break;
		d.base = win.data;
		d.base_pos = win.pos;
		if (write_upto(&d, win.pos + win.len, 0) < 0) {
			ret = 1;
			break;
		}
		consumed = d.pos - win.pos;
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
		if ((duration && t - t0 >= (double)duration) ||
		    (d.max_files && d.files >= d.max_files))
			break;
	}
	if (err && err != -ENODEV) {
		cli_err("%s", hpcap_geterr(d.h));
		ret = 1;
	}
	/* Write what is pending and close the last file properly.  After
	 * -ENODEV the last acknowledgement was applied and the queue is
	 * drained; otherwise acknowledge what was written and take the rest. */
	if (!ret && !(d.max_files && d.files >= d.max_files)) {
		if (err != -ENODEV)
			err = hpcap_wait(d.h, consumed, 0, 0, &win);
		if (err == -ENODEV)
			win.len = 0, win.pos = d.pos;
		if (err == 0 || err == -ENODEV) {
			d.base = win.data;
			d.base_pos = win.pos;
			if (write_upto(&d, win.pos + win.len, 1) < 0)
				ret = 1;
		} else {
			cli_err("%s", hpcap_geterr(d.h));
			ret = 1;
		}
	} else if (d.open && d.dir) {
		close(d.fd);	/* after an error: left as it is, see above */
	}
	report(&d, &s0, 1, 0, 0, 0);
	hpcap_close(d.h);
	free(bounce);
	return ret;
}
