// SPDX-License-Identifier: BSD-3-Clause
/*
 * pipecli.c - see pipecli.h.
 */
#define _GNU_SOURCE
#include "pipecli.h"
#include "cli.h"
#include "linktype.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#define NSEC 1000000000ull

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

void pipecli_init(struct pipecli *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->po.format = HPCAP_OUT_RAW;
	pc->post_timeout_s = 60;
	pc->ho.max_running = 1;
	pc->ho.max_pending = 16;
	pc->po.workers = 1;
	pc->zstd_threads = -1;
}

/* The CPUs this process may run on (its affinity), at least 1. */
static unsigned cpus_given(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) < 0 || !CPU_COUNT(&set))
		return 1;
	return (unsigned)CPU_COUNT(&set);
}

/* "0,2-3" -> bit mask of CPUs (0 to 63). */
static uint64_t parse_cpus(const char *what, const char *s)
{
	uint64_t mask = 0;
	const char *p = s;

	while (*p) {
		char *e;
		unsigned long a = strtoul(p, &e, 10), b = a;

		if (e == p || a > 63)
			break;
		if (*e == '-') {
			p = e + 1;
			b = strtoul(p, &e, 10);
			if (e == p || b > 63 || b < a)
				break;
		}
		for (; a <= b; a++)
			mask |= 1ull << a;
		if (!*e)
			return mask;
		if (*e != ',')
			break;
		p = e + 1;
	}
	cli_usage_error("%s: '%s' is not a list of CPUs 0 to 63 (like 1 or 0,2-3)",
			what, s);
	return 0;
}

/* "60", "60s", "500ms", "5m", "1h", "1d" -> nanoseconds. */
static uint64_t parse_duration(const char *what, const char *s)
{
	static const struct { const char *sfx; uint64_t mult; } units[] = {
		{ "", NSEC }, { "s", NSEC }, { "ms", NSEC / 1000 },
		{ "m", 60 * NSEC }, { "min", 60 * NSEC }, { "h", 3600 * NSEC },
		{ "d", 86400 * NSEC },
	};
	char num[32];
	size_t k = 0;
	unsigned i;
	uint64_t v;

	while (s[k] >= '0' && s[k] <= '9' && k + 1 < sizeof(num)) {
		num[k] = s[k];
		k++;
	}
	num[k] = 0;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(s + k, units[i].sfx))
			break;
	if (!k || i == sizeof(units) / sizeof(units[0]))
		cli_usage_error("%s: '%s' is not a duration (a whole number with s, ms, m, h or d)",
				what, s);
	v = cli_parse_u64(what, num, 366ull * 86400 * NSEC / units[i].mult);
	if (v * units[i].mult < NSEC / 1000)
		cli_usage_error("%s: '%s' is too short (at least 1ms)", what, s);
	return v * units[i].mult;
}

int pipecli_parse(struct pipecli *pc, int c, const char *arg)
{
	int f;

	switch (c) {
	case PC_SPLIT_TIME:
		pc->po.split_ns = parse_duration("--split-time", arg);
		break;
	case PC_SPLIT_SIZE:
		pc->po.split_bytes = cli_parse_size("--split-size", arg);
		if (pc->po.split_bytes < (64u << 10))
			cli_usage_error("--split-size: '%s' is too small (at least 64K)",
					arg);
		break;
	case PC_NAME:
		pc->po.names.fmt = arg;
		break;
	case PC_LOCALTIME:
		pc->po.names.localtime = 1;
		break;
	case PC_FORMAT:
		f = hpcap_out_format_parse(arg);
		if (f < 0)
			cli_usage_error("--format: '%s' is not raw, pcap or pcapng", arg);
		pc->po.format = (enum hpcap_out_format)f;
		break;
	case PC_LINKTYPE:
		pc->po.linktype = cli_parse_linktype("--linktype", arg, NULL);
		break;
	case PC_ZSTD:
		pc->po.zstd = 1;
		if (arg) {
			uint64_t l = cli_parse_u64("--zstd", arg, 64);

			if (l < 1 || (int)l > ZSTD_maxCLevel())
				cli_usage_error("--zstd: level %s out of range (1 to %d)",
						arg, ZSTD_maxCLevel());
			pc->po.zsk.level = (int)l;
		}
		break;
	case PC_ZSTD_FRAME:
	{
		uint64_t v = cli_parse_size("--zstd-frame", arg);

		if (v < 4096 || v > HPCAP_ZSK_MAX_FRAME_SIZE)
			cli_usage_error("--zstd-frame: '%s' out of range (4K to 1G)",
					arg);
		pc->po.zsk.frame_size = (uint32_t)v;
		break;
	}
	case PC_ZSTD_THREADS:
		pc->zstd_threads = (int)cli_parse_u64("--zstd-threads", arg, 64);
		break;
	case PC_SHA256:
		pc->po.sha256 = 1;
		break;
	case PC_POST:
		pc->ho.cmd = arg;
		break;
	case PC_POST_JOBS:
		pc->ho.max_running = (unsigned)cli_parse_u64("--post-jobs", arg, 64);
		if (!pc->ho.max_running)
			cli_usage_error("--post-jobs: at least 1");
		break;
	case PC_POST_QUEUE:
		pc->ho.max_pending = (unsigned)cli_parse_u64("--post-queue", arg, 4096);
		if (!pc->ho.max_pending)
			cli_usage_error("--post-queue: at least 1");
		break;
	case PC_POST_TIMEOUT:
		pc->post_timeout_s = cli_parse_u64("--post-timeout", arg, 86400);
		break;
	case PC_WORKERS:
		pc->po.workers = (unsigned)cli_parse_u64("--workers", arg, 1);
		return 1;	/* how, not what: the plain copy stays plain */
	case PC_CORES:
		pc->po.worker_cpus = parse_cpus("--cores", arg);
		return 1;
	case PC_INDEX:
		pc->index = 1;
		break;
	case PC_INDEX_QUEUE:
		pc->io.max_pending = (unsigned)cli_parse_u64("--index-queue", arg, 4096);
		if (!pc->io.max_pending)
			cli_usage_error("--index-queue: at least 1");
		break;
	case PC_KEEP_FREE:
	{
		size_t n = strlen(arg);

		if (n > 1 && arg[n - 1] == '%') {
			char num[16];

			if (n > sizeof(num))
				cli_usage_error("--keep-free: '%s' is not a percentage or a size", arg);
			memcpy(num, arg, n - 1);
			num[n - 1] = 0;
			pc->ro.keep_free_pct = (unsigned)cli_parse_u64("--keep-free", num, 99);
			if (!pc->ro.keep_free_pct)
				cli_usage_error("--keep-free: 0%% keeps nothing free: leave the option out");
		} else {
			pc->ro.keep_free_bytes = cli_parse_size("--keep-free", arg);
			if (!pc->ro.keep_free_bytes)
				cli_usage_error("--keep-free: 0 keeps nothing free: leave the option out");
		}
		break;
	}
	case PC_KEEP_SIZE:
		pc->ro.keep_size = cli_parse_size("--keep-size", arg);
		if (pc->ro.keep_size < (1u << 20))
			cli_usage_error("--keep-size: '%s' is too small (at least 1M)", arg);
		break;
	case PC_KEEP_AGE:
		pc->ro.keep_age_ns = parse_duration("--keep-age", arg);
		break;
	case PC_RETENTION_STATS:
		if (!*arg)
			cli_usage_error("--retention-stats needs a file");
		pc->ro.stats_path = arg;
		break;
	case 'f':
		pc->filter = arg;
		break;
	default:
		return 0;
	}
	pc->any = 1;
	return 1;
}

void pipecli_other(struct pipecli *pc, int c, int argc, char **argv)
{
	if (!pipecli_parse(pc, c, optarg))
		cli_bad_option(argc, argv, optopt);
}

void pipecli_operands(struct pipecli *pc, int argc, char **argv, int first,
		      unsigned *adapter, unsigned *queue, const char **dir)
{
	struct stat st;

	if (argc - first != 3)
		cli_usage_error("need <adapter> <queue> <dir|null>");
	*adapter = (unsigned)cli_parse_u64("adapter", argv[first], 1023);
	*queue = (unsigned)cli_parse_u64("queue", argv[first + 1], 1023);
	*dir = strcmp(argv[first + 2], "null") ? argv[first + 2] : NULL;
	if (*dir && (stat(*dir, &st) < 0 || !S_ISDIR(st.st_mode)))
		cli_usage_error("%s is not a directory (create it first, or give 'null')",
				*dir);
	pipecli_check(pc, *dir);
}

void pipecli_usage(void)
{
	printf("Pipeline options (any of them: files are written as NAME.pending and\n"
	       "renamed when complete; see doc/pipeline.md):\n"
	       "      --split-time DUR    a new file every DUR (60, 60s, 500ms, 5m, 1h, 1d),\n"
	       "                          on the clock: 60s files start on the minute\n"
	       "      --split-size SIZE   a new file before SIZE bytes (K, M, G; before\n"
	       "                          compression)\n"
	       "      --name FMT          file names: strftime(3) of the file's time plus\n"
	       "                          %%{adapter} %%{queue} %%{seq} %%{dir1800} %%s, '/' for\n"
	       "                          directories; the extension is added (default\n"
	       "                          HPCAP's '%%{dir1800}/%%s_hpcap%%{adapter}_%%{queue}')\n"
	       "      --localtime         FMT in local time (default UTC)\n"
	       "      --format FMT        raw (default), pcap (nanoseconds) or pcapng\n"
	       "      --linktype TYPE     pcap/pcapng: the frames' link type, a libpcap name\n"
	       "                          (EN10MB, RAW, ...) or number (default Ethernet)\n"
	       "      --zstd[=LEVEL]      compress, zstd seekable format (.zst; level 3)\n"
	       "      --zstd-frame SIZE   uncompressed bytes per zstd frame (default 1M)\n"
	       "      --zstd-threads N    threads compressing zstd frames beside the writer\n"
	       "                          (default: the CPUs of --cores, else those this\n"
	       "                          process may use; 0: in the writer's thread);\n"
	       "                          the same file whatever N\n"
	       "      --sha256            write FILE.sha256 (sha256sum -c format)\n"
	       "      --workers N         threads beside the writer: 1 (default) hashes\n"
	       "                          the SHA-256 on its own thread, 0 in the writer's\n"
	       "                          (same files and digests either way)\n"
	       "      --cores LIST        pin those threads to these CPUs (0,2-3)\n"
	       "      --post CMD          run 'CMD FILE' for every finished file, facts in\n"
	       "                          HPCAP_FILE_* variables; never blocks the capture\n"
	       "      --post-jobs N       hooks running at once (default 1)\n"
	       "      --post-queue N      hooks waiting to run; more are skipped (default 16)\n"
	       "      --post-timeout SEC  at the end, wait this long for hooks (default 60)\n"
	       "      --index             write FILE.idx for every finished file (for\n"
	       "                          hpcap-extract), in a thread that never delays\n"
	       "                          the capture\n"
	       "      --index-queue N     files waiting to be indexed; more are not\n"
	       "                          indexed, and reported (default 4)\n"
	       "      --keep-free PCT%%|SIZE after each file, delete the oldest files of\n"
	       "                          the directory until this much of the file\n"
	       "                          system is free (e.g. 10%%, 50G)\n"
	       "      --keep-size SIZE    ... until the capture files add up to at most SIZE\n"
	       "      --keep-age DUR      ... and every file older than DUR (e.g. 7d)\n"
	       "                          (never a file being written, the newest of a\n"
	       "                          queue, one a hook or a reader is on)\n"
	       "      --retention-stats FILE  keep the retention counters in FILE\n"
	       "                          (files and bytes removed, deletions put off\n"
	       "                          by a reader), for hpcap-status\n"
	       "  -f, --filter EXPR       keep only frames matching the libpcap filter EXPR\n");
}

int pipecli_per_frame(const struct pipecli *pc)
{
	return pc->po.format != HPCAP_OUT_RAW || pc->po.zstd || pc->filter;
}

/* Say now, before the queue is opened, that the counters could not be
 * written (the library writes them at every file). */
static void check_stats_dir(const char *path)
{
	char d[4096];
	char *slash;

	snprintf(d, sizeof(d), "%s", path);
	slash = strrchr(d, '/');
	if (!slash)
		snprintf(d, sizeof(d), ".");
	else if (slash == d)
		d[1] = 0;
	else
		*slash = 0;
	if (access(d, W_OK) < 0) {
		cli_err("--retention-stats: cannot write %s: %s (create its directory first)",
			path, strerror(errno));
		exit(1);
	}
}

void pipecli_check(struct pipecli *pc, const char *dir)
{
	char eb[HPCAP_ERRBUF_SIZE];

	if (!pc->any)
		return;
	if (!dir)
		cli_usage_error("the pipeline options need a directory, not 'null'");
	if (hpcap_name_check(pc->po.names.fmt, eb) < 0)
		cli_usage_error("--name: %s", eb);
	if (pc->po.linktype && pc->po.format == HPCAP_OUT_RAW)
		cli_usage_error("--linktype needs --format pcap or pcapng: RAW files carry no link type");
	if (pc->po.linktype && pc->po.linktype != HPCAP_LINKTYPE_ETHERNET &&
	    pc->filter)
		cli_usage_error("--filter is compiled for Ethernet frames; it cannot be used with --linktype of another type");
	if (pc->filter && hpcap_bpf_compile(&pc->bpf, pc->filter, 65535, eb) < 0)
		cli_usage_error("--filter: %s", eb);
	if ((pc->ho.max_running != 1 || pc->ho.max_pending != 16) && !pc->ho.cmd)
		cli_usage_error("--post-jobs and --post-queue need --post");
	if (!pc->po.zstd && pc->po.zsk.frame_size)
		cli_usage_error("--zstd-frame needs --zstd");
	if (!pc->po.zstd && pc->zstd_threads >= 0)
		cli_usage_error("--zstd-threads needs --zstd");
	/* The pool's workers go on the CPUs given to the capture (--cores),
	 * one each; without --cores, as many as this process may use. */
	pc->po.zsk.threads = pc->zstd_threads >= 0 ? (unsigned)pc->zstd_threads
			   : pc->po.worker_cpus
			   ? (unsigned)__builtin_popcountll(pc->po.worker_cpus)
			   : cpus_given();
	pc->po.zsk.cpus = pc->po.worker_cpus;
	if (pc->io.max_pending && !pc->index)
		cli_usage_error("--index-queue needs --index");
	if (pc->ro.stats_path && !hpcap_retention_any(&pc->ro))
		cli_usage_error("--retention-stats counts what --keep-free, --keep-size or --keep-age delete: give one of them");
	if (pc->ro.stats_path)
		check_stats_dir(pc->ro.stats_path);
}

void pipecli_file_done(struct pipecli *pc, const struct hpcap_file_facts *f,
		       int hook_err)
{
	pc->files++;
	if (hook_err < 0)	/* queue full (skipped), or could not start */
		cli_err("%s", hpcap_hookq_geterr(pc->hooks));
	if (!pc->quiet)
		fprintf(stderr, "%s: file %s: %llu frames, %llu bytes (%s)\n",
			cli_prog, f->path, (unsigned long long)f->frames,
			(unsigned long long)f->bytes,
			hpcap_close_reason_name(f->reason));
}

static void on_file(void *arg, const struct hpcap_file_facts *f, int hook_err)
{
	pipecli_file_done(arg, f, hook_err);
}

int pipecli_start(struct pipecli *pc, const char *dir, unsigned adapter,
		  unsigned queue, uint64_t raw_file_size, int direct,
		  uint64_t max_files, int per_frame)
{
	char eb[HPCAP_ERRBUF_SIZE];

	pc->po.names.dir = dir;
	pc->po.names.adapter = adapter;
	pc->po.names.queue = queue;
	pc->po.raw_file_size = raw_file_size;
	pc->po.direct = direct;
	pc->po.max_files = max_files;
	if (pc->ho.cmd && hpcap_hookq_open(&pc->hooks, &pc->ho, eb) < 0) {
		cli_err("%s", eb);
		return -1;
	}
	pc->po.hooks = pc->hooks;
	if (pc->index && hpcap_indexer_open(&pc->indexer, &pc->io, eb) < 0) {
		cli_err("%s", eb);
		return -1;
	}
	pc->po.indexer = pc->indexer;
	if (hpcap_retention_any(&pc->ro) &&
	    hpcap_retention_open(&pc->retention, dir, adapter, queue, &pc->ro,
				 eb) < 0) {
		cli_err("%s", eb);
		return -1;
	}
	pc->po.retention = pc->retention;
	if (!per_frame) {
		pc->po.names.ext = ".raw";	/* hpcapdd's block copy */
		return 0;
	}
	if (hpcap_pipe_open(&pc->pipe, &pc->po, eb) < 0) {
		cli_err("%s", eb);
		return -1;
	}
	hpcap_pipe_on_file(pc->pipe, on_file, pc);
	return 0;
}

static void log_hooks(struct pipecli *pc)
{
	struct hpcap_hook_event ev;

	while (pc->hooks && hpcap_hookq_poll(pc->hooks, &ev)) {
		if (ev.spawn_errno)
			cli_err("post hook for %s could not start: %s", ev.path,
				strerror(ev.spawn_errno));
		else if (ev.signal)
			cli_err("post hook for %s killed by signal %d after %.1f s",
				ev.path, ev.signal, ev.seconds);
		else if (ev.status)
			cli_err("post hook for %s failed (exit status %d) after %.1f s",
				ev.path, ev.status, ev.seconds);
	}
}

static void log_indexes(struct pipecli *pc)
{
	struct hpcap_index_event ev;

	while (pc->indexer && hpcap_indexer_poll(pc->indexer, &ev))
		cli_err("index of %s: %s", ev.path, ev.msg);
}

static void log_retention(struct pipecli *pc)
{
	struct hpcap_retention_event ev;
	char sz[32];

	while (pc->retention && hpcap_retention_poll(pc->retention, &ev)) {
		if (ev.stuck)
			cli_err("retention: the %s limit is not met and nothing more can be deleted (the newest file of each queue, files being written or read, and files with a hook running are kept)",
				ev.why);
		else
			fprintf(stderr, "%s: retention: deleted %s (%s, %llu s old; %s limit)\n",
				cli_prog, ev.path, cli_fmt_bytes(sz, sizeof(sz), ev.bytes),
				(unsigned long long)ev.age_s, ev.why);
	}
}

int pipecli_tick(struct pipecli *pc, int idle)
{
	log_hooks(pc);
	log_indexes(pc);
	log_retention(pc);
	if (idle && pc->pipe &&
	    hpcap_pipe_tick(pc->pipe, now_ns(CLOCK_REALTIME)) < 0) {
		cli_err("%s; stopping", hpcap_pipe_geterr(pc->pipe));
		return -1;
	}
	return 0;
}

int pipecli_finish(struct pipecli *pc)
{
	char eb[HPCAP_ERRBUF_SIZE];
	uint64_t started, ok, failed, skipped;
	int ret = 0, left;

	if (pc->pipe) {
		if (hpcap_pipe_close(pc->pipe, eb) < 0) {
			cli_err("%s (the last file is left under its .pending name)",
				eb);
			ret = -1;
		}
		pc->pipe = NULL;
	}
	if (pc->retention) {
		uint64_t files, bytes;
		char sz[32];

		log_retention(pc);
		hpcap_retention_counts(pc->retention, &files, &bytes);
		fprintf(stderr, "%s: retention: %llu files deleted (%s)\n", cli_prog,
			(unsigned long long)files, cli_fmt_bytes(sz, sizeof(sz), bytes));
		if (hpcap_retention_held(pc->retention))
			fprintf(stderr, "%s: retention: %llu deletions put off while a reader held the file\n",
				cli_prog,
				(unsigned long long)hpcap_retention_held(pc->retention));
		hpcap_retention_close(pc->retention);
		pc->retention = NULL;
	}
	if (pc->indexer) {
		uint64_t written, iskipped, ifailed;
		unsigned ileft = hpcap_indexer_drain(pc->indexer,
						     (int)(pc->post_timeout_s * 1000));

		log_indexes(pc);
		hpcap_indexer_counts(pc->indexer, &written, &iskipped, &ifailed);
		if (ileft)
			cli_err("%u files still waiting for their index after %llu s: not indexed (run hpcap-index on them)",
				ileft, (unsigned long long)pc->post_timeout_s);
		if (!pc->quiet || iskipped || ifailed || ileft)
			fprintf(stderr, "%s: indexes: %llu written, %llu skipped (indexer behind), %llu failed\n",
				cli_prog, (unsigned long long)written,
				(unsigned long long)iskipped,
				(unsigned long long)ifailed);
		hpcap_indexer_close(pc->indexer);
		pc->indexer = NULL;
	}
	if (pc->hooks) {
		left = hpcap_hookq_drain(pc->hooks, (int)(pc->post_timeout_s * 1000));
		log_hooks(pc);
		hpcap_hookq_counts(pc->hooks, &started, &ok, &failed, &skipped);
		if (left)
			cli_err("%d post hooks still running or waiting after %llu s: left running, not waited for",
				left, (unsigned long long)pc->post_timeout_s);
		fprintf(stderr, "%s: post hooks: %llu run, %llu failed, %llu skipped (queue full)%s\n",
			cli_prog, (unsigned long long)started,
			(unsigned long long)failed, (unsigned long long)skipped,
			left ? ", some still running" : "");
		hpcap_hookq_close(pc->hooks);
		pc->hooks = NULL;
	}
	if (pc->bpf) {
		if (!pc->quiet || pc->filtered)
			fprintf(stderr, "%s: filter '%s' dropped %llu frames\n",
				cli_prog, pc->filter,
				(unsigned long long)pc->filtered);
		hpcap_bpf_free(pc->bpf);
		pc->bpf = NULL;
	}
	return ret;
}

static int pipe_sink(void *arg, const struct hpcap_raw_record *r)
{
	struct pipecli *pc = arg;

	int err = hpcap_pipe_put(pc->pipe, r->sec, r->nsec, r->caplen, r->len,
				 r->data);

	if (err < 0) {
		cli_err("%s; stopping", hpcap_pipe_geterr(pc->pipe));
		return -1;
	}
	return err;	/* 1: --max-files reached */
}

int pipecli_loop(struct pipecli *pc, struct hpcap_handle *h,
		 struct pipecli_loop *lo)
{
	static uint8_t copy[65536];
	uint64_t t0 = now_ns(CLOCK_MONOTONIC), tlast = t0, lframes = 0, lbytes = 0;
	int (*sink)(void *, const struct hpcap_raw_record *) =
		lo->sink ? lo->sink : pipe_sink;
	void *sink_arg = lo->sink ? lo->sink_arg : pc;
	unsigned since = 0;
	int ret = 0, st;

	while (!*lo->stop && (!lo->count || lo->frames < lo->count)) {
		struct hpcap_raw_record rec;
		int idle;

		st = hpcap_next(h, &rec, 200);
		idle = st == 0;
		if (st < 0) {
			if (st != -ENODEV) {
				cli_err("%s", hpcap_geterr(h));
				ret = 1;
			} else {
				lo->gone = 1;
			}
			break;
		}
		if (st > 0 && lo->lossy) {
			/* The producer may lap a lossy listener: copy, then
			 * keep the frame only if it was still intact. */
			memcpy(copy, rec.data, rec.caplen);
			if (!hpcap_frame_valid(h))
				st = 0;
			rec.data = copy;
		}
		if (st > 0 && pc && pc->bpf &&
		    !hpcap_bpf_match(pc->bpf, rec.data, rec.caplen, rec.len)) {
			pc->filtered++;
			st = 0;
		}
		if (st > 0) {
			int r = sink(sink_arg, &rec);

			if (r < 0)
				ret = 1;
			if (r)
				break;
			if (lo->show)
				lo->show(lo->show_arg, &rec);
			lo->frames++;
			lo->bytes += rec.caplen;
		}
		/* The clock is read every 1024 frames, or when idle. */
		if (st > 0 && ++since < 1024)
			continue;
		since = 0;
		{
			uint64_t t = now_ns(CLOCK_MONOTONIC);

			if (pc && pipecli_tick(pc, idle) < 0) {
				ret = 1;
				break;
			}
			if (lo->interval && t - tlast >= lo->interval * NSEC) {
				double dt = (double)(t - tlast) / 1e9;
				char b[32];

				fprintf(stderr, "%s: %.3f Gbit/s %.3f Mpps | %llu frames, %s, %u files\n",
					cli_prog,
					(double)(lo->bytes - lbytes) * 8 / dt / 1e9,
					(double)(lo->frames - lframes) / dt / 1e6,
					(unsigned long long)lo->frames,
					cli_fmt_bytes(b, sizeof(b), lo->bytes),
					pc && pc->pipe ? hpcap_pipe_files(pc->pipe) : 0);
				tlast = t;
				lframes = lo->frames;
				lbytes = lo->bytes;
			}
			if (lo->duration && t - t0 >= lo->duration * NSEC)
				break;
		}
	}
	return ret;
}
