// SPDX-License-Identifier: BSD-3-Clause
/*
 * pcap2hpcap - replay a pcap or pcapng capture into a shared-memory hpcap
 * queue, which every libhpcap/libmgmon consumer (hpcapdd, hpcap2pcap, the
 * analyzers, your own) reads exactly as it reads a live queue of the
 * module: same info page, same framing (the module's own producer
 * routine), same listeners and flow control.  No NIC, no module.
 *
 *   pcap2hpcap [options] <in.pcap|in.pcapng|-> [<adapter> <queue>]
 *
 * By default it waits for one listener, then replays as fast as the
 * slowest lossless listener reads (never dropping), marks the queue gone
 * and removes its file; listeners still read what is left, then see the
 * queue end.  --realtime/--speed pace the replay by the timestamps.
 */
#define _GNU_SOURCE
#include "libhpcap_live.h"
#include "cli/cli.h"
#include "cli/pcapin.h"
#include "queue/qstats_text.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void usage(void)
{
	printf("Usage: %s [options] <in.pcap|in.pcapng|-> [<adapter> <queue>]\n"
	       "\n"
	       "Replay a pcap or pcapng capture into a shared-memory hpcap queue, the\n"
	       "file /dev/shm/hpcap_<adapter>_<queue> (adapter and queue default to 0 0),\n"
	       "which libhpcap and libmgmon consumers read exactly like a live queue\n"
	       "of the hpcap module: point them at it with HPCAP_DEV_DIR=/dev/shm.\n"
	       "Timestamps are kept (nanosecond precision).  By default the replay\n"
	       "waits for one listener, never drops a frame (a slow lossless\n"
	       "listener holds it back) and ends the queue when the capture is done:\n"
	       "listeners read what is left, then see the queue gone.\n"
	       "\n"
	       "Queue:\n"
	       "  -D, --dir DIR         directory of the queue file (default: $HPCAP_DEV_DIR,\n"
	       "                        else /dev/shm)\n"
	       "  -o, --path FILE       the queue file itself\n"
	       "  -b, --buf-size SIZE   buffer size, a multiple of 1M (default 64M)\n"
	       "      --file-size SIZE  framing of the stream into files (default 2G)\n"
	       "  -m, --mode MODE       who may listen, octal (default 0600): read access to\n"
	       "                        the queue file (its write bits are never set) and\n"
	       "                        write access to its socket FILE.sock\n"
	       "\n"
	       "Replay:\n"
	       "  -l, --listeners N     wait for N listeners before replaying (default 1;\n"
	       "                        0 starts at once, frames then go nowhere)\n"
	       "      --drop            do as the module does: a frame that does not fit\n"
	       "                        because a lossless listener is behind is dropped\n"
	       "                        and counted (default: wait for room)\n"
	       "  -R, --realtime        pace frames by their timestamps\n"
	       "  -S, --speed X         pace at X times the recorded speed (implies -R)\n"
	       "  -L, --loop N          replay the capture N times (default 1; 0: until\n"
	       "                        interrupted); timestamps move on each round\n"
	       "      --drain           at the end, wait until every lossless listener\n"
	       "                        has read everything before ending the queue\n"
	       "      --any-linktype    accept captures whose link type is not Ethernet\n"
	       "\n"
	       "Other options:\n"
	       "  -q, --quiet           no messages but errors\n"
	       "  -h, --help            show this help\n"
	       "  -V, --version         show the version\n"
	       "\n"
	       "Exit status: 0 ok (also when interrupted); 1 the capture could not be\n"
	       "read or the queue could not be made; 2 usage.\n"
	       "\n"
	       "Examples:\n"
	       "  %s trace.pcap &  HPCAP_DEV_DIR=/dev/shm hpcap2pcap 0 0 | tcpdump -r -\n"
	       "  %s --realtime -l 2 feed.pcapng 1 0\n"
	       "  %s --loop 0 --speed 10 -b 256M trace.pcap\n",
	       cli_prog, cli_prog, cli_prog, cli_prog);
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Sleep until the monotonic time t (ns), or a signal. */
static void sleep_until(uint64_t t)
{
	struct timespec ts = {
		.tv_sec = (time_t)(t / 1000000000u),
		.tv_nsec = (long)(t % 1000000000u),
	};

	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/*
 * The queue's counters for the ops scripts (hpcap-status, the monitors,
 * the Prometheus export), which cannot ask a shared-memory queue without
 * joining it: <queue>.stats, "name value" lines with the module's names,
 * rewritten whole (a new file renamed over the old) every 100 ms, so a
 * rate the scripts take over half a second spans several rewrites, and
 * removed with the queue.  hpcap_producer_stats() publishes the open
 * batch, so only the replay's own thread may call it.
 */
#define STATSFILE_PERIOD_NS 100000000u

struct statsfile {
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	const char *input;
	unsigned adapter, queue;
	uint64_t next;		/* mono_ns() of the next rewrite */
};

static uint64_t mono_ns(void);

static void statsfile_write(struct statsfile *sf, struct hpcap_producer *p,
			    const char *state)
{
	const struct hpcap_ring_info *info = hpcap_producer_info(p);
	struct hpcap_queue_stats s;
	FILE *f;

	sf->next = mono_ns() + STATSFILE_PERIOD_NS;
	if (!sf->path[0] || hpcap_producer_stats(p, &s) < 0)
		return;
	f = fopen(sf->tmp, "we");
	if (!f)
		return;	/* the counters are a courtesy: never stop for them */
	fprintf(f, "source shm\nproducer pcap2hpcap\npid %d\nadapter %u\nqueue %u\n"
		"state %s\ninput %s\n", (int)getpid(), sf->adapter, sf->queue,
		state, sf->input);
	qstats_write_text(f, &s, info->buf_size,
			  __atomic_load_n(&info->write_pos, __ATOMIC_RELAXED));
	if (fclose(f) || rename(sf->tmp, sf->path))
		unlink(sf->tmp);
}

/* Rewrite the file when its period is over. */
static void statsfile_tick(struct statsfile *sf, struct hpcap_producer *p,
			   const char *state)
{
	if (mono_ns() >= sf->next)
		statsfile_write(sf, p, state);
}

struct replay {
	struct hpcap_producer *p;
	struct statsfile *sf;
	int realtime;
	double speed;
	uint64_t shift;		/* ns added to every stamp this round */
	uint64_t first_ts;	/* stamp of the first frame, ns */
	uint64_t start;		/* mono_ns() at the first frame */
	int have_first;
	uint64_t last_ts;	/* latest stamp seen (after shift) */
	uint64_t round_first;	/* stamp of this round's first frame */
	uint64_t round_frames;
	uint64_t frames, stored, dropped, bytes;
	uint64_t carried;	/* sub-second field out of range, normalised */
	uint64_t snap_cut;	/* shortened to the file's snaplen by libpcap */
};

/* One frame: pace, then put (waiting for room, never giving up unless
 * interrupted).  0 ok, 1 stopped, -1 error. */
static int replay_frame(struct replay *r, uint64_t ts, uint32_t caplen,
			uint32_t len, const uint8_t *data)
{
	int st;

	ts += r->shift;
	if (!r->round_frames++)
		r->round_first = ts;
	if (ts > r->last_ts)
		r->last_ts = ts;
	if (r->realtime) {
		uint64_t due, now;

		if (!r->have_first) {
			r->have_first = 1;
			r->first_ts = ts;
			r->start = mono_ns();
		}
		due = r->start + (uint64_t)((double)(ts > r->first_ts ?
						     ts - r->first_ts : 0) /
					    r->speed);
		now = mono_ns();
		/* Sleeping costs tens of microseconds: not for less. */
		if (due > now + 50000 && !stop)
			sleep_until(due);
	}
	if (!(r->frames & 255))
		statsfile_tick(r->sf, r->p, "running");
	for (;;) {
		if (stop)
			return 1;
		st = hpcap_producer_put(r->p, (uint32_t)(ts / 1000000000u),
					(uint32_t)(ts % 1000000000u), caplen,
					len, data, 200);
		if (st >= 0)
			break;
		if (st != -ETIMEDOUT && st != -EINTR) {
			cli_err("%s", hpcap_producer_geterr(r->p));
			return -1;
		}
		statsfile_tick(r->sf, r->p, "running");	/* held back by a listener */
	}
	r->frames++;
	r->bytes += caplen;
	if (st == 1)
		r->stored++;
	else
		r->dropped++;
	return 0;
}

/* One round over the capture.  0 ok, 1 stopped, -1 error. */
static int replay_round(struct replay *r, const char *in, int any_link)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *ph;
	const u_char *data;
	struct pcapin pin;
	uint64_t n = 0;
	int64_t sec;
	uint32_t nsec;
	int st = 0, ret = 0, dlt;

	/* Read as pcap2raw reads: the same time for every frame, also for
	 * a sub-second field out of range (see cli/pcapin.h). */
	if (pcapin_open(&pin, in, errbuf) < 0) {
		cli_err("cannot read %s: %s", in, errbuf);
		return -1;
	}
	dlt = pcap_datalink(pin.p);
	if (dlt != DLT_EN10MB && !any_link) {
		cli_err("%s has link type %s, but hpcap queues hold Ethernet frames; use --any-linktype to replay anyway",
			in, pcap_datalink_val_to_name(dlt) ?
			pcap_datalink_val_to_name(dlt) : "unknown");
		pcapin_close(&pin);
		return -1;
	}
	while (!ret && (st = pcapin_next(&pin, &ph, &data, &sec, &nsec)) == 1) {
		if (sec < 0 || sec > (int64_t)UINT32_MAX) {
			cli_err("%s: frame %llu has a time outside the RAW range (1970-2106)",
				in, (unsigned long long)n + 1);
			ret = -1;
			break;
		}
		ret = replay_frame(r, (uint64_t)sec * 1000000000u + nsec,
				   ph->caplen, ph->len, data);
		n++;
	}
	if (!ret && st == PCAP_ERROR) {
		if (stop) {
			ret = 1;	/* a signal ended a read from a pipe */
		} else {
			cli_err("%s: %s (the %llu frames before it were replayed)",
				in, pcap_geterr(pin.p), (unsigned long long)n);
			ret = -1;
		}
	}
	r->carried += pin.carried;
	r->snap_cut += pin.snap_cut;
	pcapin_close(&pin);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'D' },
		{ "path", required_argument, NULL, 'o' },
		{ "buf-size", required_argument, NULL, 'b' },
		{ "file-size", required_argument, NULL, 'f' },
		{ "mode", required_argument, NULL, 'm' },
		{ "listeners", required_argument, NULL, 'l' },
		{ "drop", no_argument, NULL, 'd' },
		{ "realtime", no_argument, NULL, 'R' },
		{ "speed", required_argument, NULL, 'S' },
		{ "loop", required_argument, NULL, 'L' },
		{ "drain", no_argument, NULL, 'N' },
		{ "any-linktype", no_argument, NULL, 'A' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct hpcap_producer_opts po = { 0 };
	struct replay r = { .speed = 1.0 };
	struct statsfile sf = { .path = "" };
	const char *dir = NULL, *path = NULL, *in;
	char qpath[4096], errbuf[HPCAP_ERRBUF_SIZE], b1[32], b2[32];
	uint64_t listeners = 1, loops = 1, round, span = 0;
	int quiet = 0, any_link = 0, drain = 0, c, st = 0, failed = 0;
	struct hpcap_queue_stats qs;
	struct sigaction sa;
	char *end;

	cli_init(argv[0]);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "D:o:b:m:l:RS:L:qhV", opts,
				NULL)) != -1) {
		switch (c) {
		case 'D': dir = optarg; break;
		case 'o': path = optarg; break;
		case 'b':
			po.buf_size = cli_parse_size("--buf-size", optarg);
			if (!po.buf_size || po.buf_size % HPCAP_BLOCK_SIZE)
				cli_usage_error("--buf-size: %s is not a positive multiple of 1M",
						optarg);
			break;
		case 'f':
			po.file_size = cli_parse_size("--file-size", optarg);
			if (!po.file_size || po.file_size % HPCAP_BLOCK_SIZE)
				cli_usage_error("--file-size: %s is not a positive multiple of 1M",
						optarg);
			break;
		case 'm':
			errno = 0;
			po.mode = (unsigned)strtoul(optarg, &end, 8);
			if (errno || *end || end == optarg || po.mode > 0777 ||
			    !po.mode)
				cli_usage_error("--mode: '%s' is not an octal file mode such as 0660",
						optarg);
			break;
		case 'l':
			listeners = cli_parse_u64("--listeners", optarg,
						  HPCAP_MAX_LISTENERS);
			break;
		case 'd': po.flags |= HPCAP_PRODUCER_DROP; break;
		case 'R': r.realtime = 1; break;
		case 'S':
			errno = 0;
			r.speed = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(r.speed > 0) ||
			    r.speed > 1e6)
				cli_usage_error("--speed: '%s' is not a factor above 0 (such as 0.5 or 10)",
						optarg);
			r.realtime = 1;
			break;
		case 'L': loops = cli_parse_u64("--loop", optarg, UINT32_MAX); break;
		case 'N': drain = 1; break;
		case 'A': any_link = 1; break;
		case 'q': quiet = 1; break;
		case 'h': usage(); return 0;
		case 'V': printf("%s %s\n", cli_prog, HPCAP_VERSION); return 0;
		default: cli_bad_option(argc, argv, optopt);
		}
	}
	if (argc - optind != 1 && argc - optind != 3)
		cli_usage_error("need the capture, and optionally <adapter> <queue>");
	in = argv[optind];
	if (argc - optind == 3) {
		po.adapter = (unsigned)cli_parse_u64("adapter", argv[optind + 1], 1023);
		po.queue = (unsigned)cli_parse_u64("queue", argv[optind + 2], 1023);
	}
	if (!strcmp(in, "-") && loops != 1)
		cli_usage_error("--loop needs a file: standard input can be read only once");
	if (path && dir)
		cli_usage_error("--path and --dir exclude each other");
	if (!path) {
		if (!dir)
			dir = getenv("HPCAP_DEV_DIR");
		if (!dir || !*dir)
			dir = "/dev/shm";
		snprintf(qpath, sizeof(qpath), "%s/%s%u_%u", dir,
			 HPCAP_DEV_PREFIX, po.adapter, po.queue);
		path = qpath;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: sleeps and waits end at once. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (hpcap_producer_create(&r.p, path, &po, errbuf) < 0) {
		cli_err("%s", errbuf);
		return 1;
	}
	r.sf = &sf;
	sf.input = strcmp(in, "-") ? in : "standard input";
	sf.adapter = po.adapter;
	sf.queue = po.queue;
	if (snprintf(sf.path, sizeof(sf.path), "%s.stats", path) >=
	    (int)sizeof(sf.path))
		sf.path[0] = 0;
	snprintf(sf.tmp, sizeof(sf.tmp), "%s.tmp", sf.path);
	statsfile_write(&sf, r.p, listeners ? "waiting" : "running");
	if (!quiet)
		fprintf(stderr, "%s: queue %s (%s buffer)%s\n", cli_prog, path,
			cli_fmt_bytes(b1, sizeof(b1), hpcap_producer_info(r.p)->buf_size),
			listeners ? "; waiting for listeners" : "");
	while (!stop && listeners) {
		st = hpcap_producer_wait_listeners(r.p, (unsigned)listeners, 200);
		statsfile_tick(&sf, r.p, "waiting");
		if (st == 0)
			break;
		if (st != -ETIMEDOUT && st != -EINTR) {
			cli_err("%s", hpcap_producer_geterr(r.p));
			failed = 1;
			break;
		}
	}
	for (round = 0; !stop && !failed && (!loops || round < loops); round++) {
		r.round_frames = 0;
		st = replay_round(&r, in, any_link);
		if (st < 0)
			failed = 1;
		if (st)
			break;
		/* The next round starts one microsecond after this one's
		 * last frame, keeping its own spacing. */
		if (!round)
			span = r.last_ts - r.round_first;
		r.shift += span + 1000;
	}
	while (drain && !stop && !failed) {
		st = hpcap_producer_drain(r.p, 200);
		statsfile_tick(&sf, r.p, "draining");
		if (st == 0)
			break;
		if (st != -ETIMEDOUT && st != -EINTR) {
			cli_err("%s", hpcap_producer_geterr(r.p));
			failed = 1;
		}
	}
	hpcap_producer_stats(r.p, &qs);
	if (!quiet) {
		fprintf(stderr,
			"%s: %llu frames (%s) replayed into %s: %llu stored, %llu dropped (%llu no listener, %llu slow listener), %llu cut to %u bytes; %u listener%s at the end%s\n",
			cli_prog, (unsigned long long)r.frames,
			cli_fmt_bytes(b2, sizeof(b2), r.bytes), path,
			(unsigned long long)r.stored,
			(unsigned long long)r.dropped,
			(unsigned long long)qs.noclient_frames,
			(unsigned long long)qs.client_lost_frames,
			(unsigned long long)hpcap_producer_cut_frames(r.p),
			HPCAP_MAX_CAPLEN, qs.listeners,
			qs.listeners == 1 ? "" : "s",
			stop ? " (interrupted)" : "");
		if (r.snap_cut)
			cli_err("warning: %llu frames had more bytes stored than the capture's snaplen; libpcap shortened them to it (their wire length is kept)",
				(unsigned long long)r.snap_cut);
		if (r.carried)
			cli_err("warning: %llu frames had a sub-second field of a second or more; it was carried into the seconds, as pcap2raw does (the capture is damaged or was written by a broken writer)",
				(unsigned long long)r.carried);
	}
	if (sf.path[0])	/* the queue goes: so do its counters */
		unlink(sf.path);
	hpcap_producer_close(r.p);
	return failed ? 1 : 0;
}
