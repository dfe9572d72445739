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
#include "hpcap_record.h"
#include "cli/capfile.h"
#include "cli/cli.h"
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

#define ALIGN 4096u
#define MAX_WRITE (8u << 20)	/* release room to the producer often */
#define NSEC 1000000000ull

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
	/* pipeline options (NULL: HPCAP's plain copy) */
	struct pipecli *pc;
	struct hpcap_split split;
	uint64_t scan;		/* next record to look at */
	uint64_t file_start;	/* stream position the scanned file starts at */
	time_t name_time;	/* time in the name of the next file */
	int close_reason;	/* why the open file will be closed */
	struct hpcap_file_facts cur;	/* of the file being written */
	struct hpcap_sha256 sha;
	unsigned seq;
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
	if (d->pc)
		return;		/* scan_window() counts them */
	while (d->next_rec < end) {
		const uint8_t *p = at(d, d->next_rec);

		d->frames += hpcap_rec_is_frame(p);
		d->next_rec += hpcap_rec_size(p);
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
			const char *sfx = d->pc ? HPCAP_PENDING_SUFFIX : "";

			cli_err("cannot write %s%s: %s; stopping.  Earlier files are complete; this one holds what was written before the error (close it with 'checkraw -f %s%s').",
				d->path, sfx,
				w < 0 ? strerror(errno) : "no progress",
				d->path, sfx);
			return -1;
		}
		if (d->pc && d->pc->po.sha256)
			hpcap_sha256_update(&d->sha, p, (size_t)w);
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
	if (d->pc) {
		char eb[HPCAP_ERRBUF_SIZE];

		d->fd = hpcap_pending_create(d->path, sizeof(d->path),
					     &d->pc->po.names, d->name_time,
					     d->seq, d->direct_ok ? O_DIRECT : 0,
					     eb);
		if (d->fd < 0) {
			cli_err("%s", eb);
			d->open = 0;
			return -1;
		}
		if (d->pc->po.sha256)
			hpcap_sha256_init(&d->sha);
		d->cur.index = d->seq++;
		return 0;
	}
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

/* Pipeline: the sidecar, the rename to the final name, the post hook. */
static int finish_file(struct dd *d)
{
	struct hpcap_file_facts *f = &d->cur;
	char eb[HPCAP_ERRBUF_SIZE];
	int hook_err = 0;

	snprintf(f->path, sizeof(f->path), "%s", d->path);
	f->bytes = f->data_bytes = d->file_len;
	f->adapter = d->adapter;
	f->queue = d->queue;
	f->format = HPCAP_OUT_RAW;
	f->reason = d->close_reason;
	if (d->pc->po.sha256) {
		uint8_t dg[32];

		hpcap_sha256_final(&d->sha, dg);
		hpcap_sha256_hex(dg, f->sha256);
		snprintf(f->sidecar, sizeof(f->sidecar), "%s.sha256", f->path);
	}
	if (hpcap_pending_commit(f->path, d->pc->po.sha256 ? f->sha256 : NULL,
				 eb) < 0) {
		cli_err("%s", eb);
		return -1;
	}
	if (d->pc->hooks)
		hook_err = hpcap_hookq_submit(d->pc->hooks, f);
	pipecli_file_done(d->pc, f, hook_err);
	return 0;
}

static int close_file(struct dd *d)
{
	int err = 0;

	if (d->dir) {
		if (fdatasync(d->fd) < 0 || close(d->fd) < 0) {
			cli_err("cannot close %s%s: %s", d->path,
				d->pc ? HPCAP_PENDING_SUFFIX : "", strerror(errno));
			err = -1;
		}
	}
	d->fd = -1;
	d->open = 0;
	d->files++;
	if (d->pc && d->dir && !err)
		err = finish_file(d);
	memset(&d->cur, 0, sizeof(d->cur));
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

/*
 * Pipeline: look at every record header from d->scan up to w (a record
 * boundary) and decide where files end: before a frame of a new time
 * period, before a frame that would take the file past --split-size, and
 * after the module's padding at the end of each slice.  Each file is
 * written and closed before the scan goes past its end, so the facts
 * gathered here (frames, first and last time) are those of the open file.
 */
static int scan_window(struct dd *d, uint64_t w)
{
	const struct hpcap_pipe_opts *po = &d->pc->po;

	while (d->scan < w) {
		struct hpcap_rec h;
		uint64_t p = d->scan, ts;
		uint32_t rec, sec, nsec;
		int why, was_open = d->split.open, too_big = 0;

		hpcap_rec_decode(at(d, p), &h);
		rec = HPCAP_RAW_HDR_LEN + h.caplen;
		sec = h.sec;
		nsec = h.nsec;
		if (!sec && !nsec) {
			/* The module's padding: its slice ends here. */
			d->scan = p + rec;
			d->close_reason = HPCAP_CLOSE_SLICE;
			if (write_upto(d, d->scan, 0) < 0)
				return -1;
			hpcap_split_closed(&d->split);
			d->file_start = d->scan;
			continue;
		}
		ts = (uint64_t)sec * NSEC + nsec;
		if (po->split_bytes && was_open) {
			/* The file's length after this record, with its
			 * leading padding and an early closing one. */
			uint64_t len = hpcap_lead_pad(d->file_start, ALIGN) +
				       (p + rec - d->file_start);

			too_big = len + hpcap_close_pad(len, ALIGN) >
				  po->split_bytes;
		}
		why = hpcap_split_frame(&d->split, ts, too_big);
		if (why) {
			d->close_reason = why;
			if (write_upto(d, p, 1) < 0)
				return -1;
			d->file_start = p;
		}
		if (why || !was_open) {	/* the first frame of a file */
			d->name_time = po->split_ns
				? (time_t)(d->split.start_ns / NSEC) : (time_t)sec;
			d->cur.period_start_ns = po->split_ns ? d->split.start_ns : 0;
		}
		if (!d->cur.frames) {
			d->cur.first_sec = sec;
			d->cur.first_nsec = nsec;
		}
		d->cur.last_sec = sec;
		d->cur.last_nsec = nsec;
		d->cur.frames++;
		d->frames++;
		d->scan = p + rec;
	}
	return 0;
}

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

/*
 * Write the stream up to w: HPCAP's copy, or with the pipeline's splits.
 * idle: the wait ended on its timeout (the queue is drained), so a period
 * the clock has ended can be closed without waiting for its next frame.
 */
static int process(struct dd *d, uint64_t w, int final, int idle)
{
	if (!d->pc)
		return write_upto(d, w, final);
	if (scan_window(d, w) < 0)
		return -1;
	if (!final && idle && hpcap_split_idle(&d->split, wall_ns(), NSEC)) {
		/* The period is over by the clock and no frame of the next
		 * one came: complete the file now, not at the next frame. */
		d->close_reason = HPCAP_CLOSE_TIME;
		if (write_upto(d, w, 1) < 0)
			return -1;
		hpcap_split_closed(&d->split);
		d->file_start = d->scan;
	}
	d->close_reason = final ? HPCAP_CLOSE_END : HPCAP_CLOSE_SLICE;
	return write_upto(d, w, final);
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
	       "\n", cli_prog);
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
		PIPECLI_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct dd d = { .fd = -1, .direct_ok = 1 };
	struct pipecli pc;
	int per_frame;
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
	pipecli_init(&pc);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "d:n:i:qhV" PIPECLI_SHORT, opts,
				NULL)) != -1) {
		switch (c) {
		case 'd': duration = cli_parse_u64("--duration", optarg, 1u << 30); break;
		case 'n': d.max_files = cli_parse_u64("--max-files", optarg, UINT32_MAX); break;
		case 'D': d.direct_ok = 0; break;
		case 'i': interval = cli_parse_u64("--interval", optarg, 86400); break;
		case 'q': quiet = 1; break;
		case 'h': usage(); return 0;
		case 'V': printf("%s %s\n", cli_prog, HPCAP_VERSION); return 0;
		default:
			if (!pipecli_parse(&pc, c, optarg))
				cli_bad_option(argc, argv, optopt);
		}
	}
	capfile_parse_args(argc, argv, optind, &d.adapter, &d.queue, &d.dir);
	pipecli_check(&pc, d.dir);
	per_frame = pc.any && pipecli_per_frame(&pc);
	pc.quiet = quiet;
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
	if (pc.any) {
		if (pipecli_start(&pc, d.dir, d.adapter, d.queue, d.file_size,
				  d.direct_ok, d.max_files, per_frame) < 0) {
			hpcap_close(d.h);
			free(bounce);
			return 1;
		}
		d.pc = &pc;
		hpcap_split_init(&d.split, pc.po.split_ns);
		d.close_reason = HPCAP_CLOSE_SLICE;
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
			cli_prog, d.adapter, d.queue, d.dir ? d.dir : "nowhere (null)",
			cli_fmt_bytes(errbuf, sizeof(errbuf), d.file_size));

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
		free(bounce);
		return ret;
	}
	err = hpcap_wait(d.h, 0, 0, 0, &win);
	d.pos = d.next_rec = d.scan = d.file_start = win.pos;
	while (!err && !stop_now) {
		double t;

		err = hpcap_wait(d.h, consumed, min_wait, 200, &win);
		if (err)
			break;
		d.base = win.data;
		d.base_pos = win.pos;
		if (process(&d, win.pos + win.len, 0,
			    win.len < min_wait) < 0) {
			ret = 1;
			break;
		}
		if (d.pc)
			pipecli_tick(&pc, 0);
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
			if (process(&d, win.pos + win.len, 1, 0) < 0)
				ret = 1;
		} else {
			cli_err("%s", hpcap_geterr(d.h));
			ret = 1;
		}
	} else if (d.open && d.dir) {
		close(d.fd);	/* after an error: left as it is, see above */
	}
	if (d.pc && pipecli_finish(&pc) < 0)
		ret = 1;
	report(&d, &s0, 1, 0, 0, 0);
	hpcap_close(d.h);
	free(bounce);
	return ret;
}
