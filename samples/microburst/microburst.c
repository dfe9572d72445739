// SPDX-License-Identifier: BSD-3-Clause
/*
 * microburst - find traffic bursts shorter than any counter would show:
 * the rate of a live queue (or of RAW files) per interval of capture time
 * (1 ms by default, down to 1 us), and every run of intervals above a
 * threshold reported as one burst with its start, end, size and peak.
 *
 *   microburst [options] <adapter> <queue>
 *   microburst [options] --raw <file|dir>...
 *
 * An example analyzer of libmgmon: the same handler runs under
 * mgmon_packet_online_loop() and mgmon_packet_offline_loop().  Time is the
 * frames' own (the capture's nanosecond stamps), so a recorded capture
 * gives the same bursts as the live run did.
 */
#define _GNU_SOURCE
#include "libmgmon.h"
#include "cli/cli.h"
#include "cli/mgsource.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NS 1000000000ull
/* Per frame on the wire besides what RAW's len counts: preamble and SFD
 * (8), FCS (4), minimum inter-frame gap (12). */
#define L1_OVERHEAD 24u

static void usage(void)
{
	printf("Usage: %s [options] <adapter> <queue>\n"
	       "       %s [options] --raw <raw-file|dir>...\n"
	       "\n"
	       "Measure the rate of a live hpcap queue (or of RAW files) per interval\n"
	       "of capture time and report every burst: a run of consecutive intervals\n"
	       "whose rate is above the threshold, with its start and end time, its\n"
	       "frames and bytes, and its mean and peak rate.  Rates count the frame\n"
	       "bytes on the wire (Ethernet header to payload, no FCS) unless --l1.\n"
	       "\n"
	       "Options:\n"
	       "  -i, --interval TIME   interval length (default 1ms): a number of\n"
	       "                        microseconds, or with a unit ns, us, ms or s\n"
	       "                        (at least 1us)\n"
	       "  -t, --threshold RATE  report intervals above RATE, in bps, Kbps, Mbps,\n"
	       "                        Gbps, or in pps, Kpps, Mpps (default 1Gbps)\n"
	       "      --l1              count the line rate: 24 more bytes per frame\n"
	       "                        (preamble, FCS, inter-frame gap)\n"
	       "  -a, --all             also print every interval that had traffic\n"
	       "      --csv             print CSV records instead of text\n"
	       "  -r, --raw             the operands are RAW files or directories\n"
	       "  -C, --cpu N           live: pin to CPU N\n"
	       "  -q, --quiet           no summary on stderr\n"
	       "  -h, --help            show this help\n"
	       "  -V, --version         show the version\n"
	       "\n"
	       "Stops on SIGINT or SIGTERM (live), and reports a burst still running.\n"
	       "Exit status: 0 ok; 1 the input could not be read (or was damaged);\n"
	       "2 usage.\n"
	       "\n"
	       "Examples:\n"
	       "  %s -i 100us -t 5Gbps 0 0\n"
	       "  %s --csv -t 800Kpps --raw /data/capture/2024-01-31/\n",
	       cli_prog, cli_prog, cli_prog, cli_prog);
}

struct burst {
	uint64_t first_bin, last_bin;
	uint64_t frames, bytes;
	uint64_t peak_bin;
	double peak_bps, peak_pps;
};

struct mb {
	uint64_t interval;	/* ns */
	double threshold;
	int pps;		/* the threshold is in frames per second */
	int l1, all, csv;
	/* the interval being counted */
	int have_bin;
	uint64_t bin, bin_frames, bin_bytes;
	/* the burst in progress */
	int in_burst;
	struct burst b;
	/* totals */
	uint64_t frames, bytes, first_ns, last_ns, bins, bursts;
	uint64_t burst_bins;
	double max_bps, max_pps;
	uint64_t max_bin;
};

static void fmt_ts(char *buf, size_t n, uint64_t ns, int csv)
{
	if (csv)
		snprintf(buf, n, "%llu.%09llu", (unsigned long long)(ns / NS),
			 (unsigned long long)(ns % NS));
	else
		cli_fmt_ts(buf, n, (uint32_t)(ns / NS), (uint32_t)(ns % NS));
}

static const char *fmt_rate(char *buf, size_t n, double bps)
{
	if (bps >= 1e9)
		snprintf(buf, n, "%.3f Gb/s", bps / 1e9);
	else if (bps >= 1e6)
		snprintf(buf, n, "%.3f Mb/s", bps / 1e6);
	else
		snprintf(buf, n, "%.3f Kb/s", bps / 1e3);
	return buf;
}

static void report_burst(struct mb *s)
{
	const struct burst *b = &s->b;
	uint64_t start = b->first_bin * s->interval;
	uint64_t end = (b->last_bin + 1) * s->interval;
	uint64_t nbins = b->last_bin - b->first_bin + 1;
	double secs = (double)(end - start) / 1e9;
	double mean = (double)b->bytes * 8 / secs;
	char t1[40], t2[40], t3[40], r1[32], r2[32], by[32];

	s->bursts++;
	s->burst_bins += nbins;
	fmt_ts(t1, sizeof(t1), start, s->csv);
	fmt_ts(t2, sizeof(t2), end, s->csv);
	fmt_ts(t3, sizeof(t3), b->peak_bin * s->interval, s->csv);
	if (s->csv) {
		printf("burst,%s,%s,%llu,%llu,%llu,%llu,%.0f,%.0f,%.0f,%s\n", t1,
		       t2, (unsigned long long)(end - start),
		       (unsigned long long)nbins,
		       (unsigned long long)b->frames,
		       (unsigned long long)b->bytes, mean, b->peak_bps,
		       b->peak_pps, t3);
		return;
	}
	printf("burst %llu: %s .. %s (%.3f us, %llu interval%s): %llu frames, %s, mean %s, peak %s (%.0f pps) at %s\n",
	       (unsigned long long)s->bursts, t1, t2, secs * 1e6,
	       (unsigned long long)nbins, nbins == 1 ? "" : "s",
	       (unsigned long long)b->frames,
	       cli_fmt_bytes(by, sizeof(by), b->bytes),
	       fmt_rate(r1, sizeof(r1), mean),
	       fmt_rate(r2, sizeof(r2), b->peak_bps), b->peak_pps, t3);
}

/* The interval s->bin is complete. */
static void close_bin(struct mb *s)
{
	double secs = (double)s->interval / 1e9;
	double bps = (double)s->bin_bytes * 8 / secs;
	double pps = (double)s->bin_frames / secs;
	int over = s->pps ? pps > s->threshold : bps > s->threshold;
	char t[40], r[32];

	s->bins++;
	if (bps > s->max_bps) {
		s->max_bps = bps;
		s->max_pps = pps;
		s->max_bin = s->bin;
	}
	if (s->all) {
		fmt_ts(t, sizeof(t), s->bin * s->interval, s->csv);
		if (s->csv)
			printf("interval,%s,%llu,%llu,%.0f,%.0f,%d\n", t,
			       (unsigned long long)s->bin_frames,
			       (unsigned long long)s->bin_bytes, bps, pps, over);
		else
			printf("%s  %12s  %10.0f pps  %6llu frames%s\n", t,
			       fmt_rate(r, sizeof(r), bps), pps,
			       (unsigned long long)s->bin_frames,
			       over ? "  *" : "");
	}
	if (!over) {
		if (s->in_burst)
			report_burst(s);
		s->in_burst = 0;
		return;
	}
	if (!s->in_burst) {
		memset(&s->b, 0, sizeof(s->b));
		s->b.first_bin = s->bin;
		s->in_burst = 1;
	}
	s->b.last_bin = s->bin;
	s->b.frames += s->bin_frames;
	s->b.bytes += s->bin_bytes;
	/* The peak is the busiest interval in the threshold's unit. */
	if (s->pps ? pps > s->b.peak_pps : bps > s->b.peak_bps) {
		s->b.peak_bps = bps;
		s->b.peak_pps = pps;
		s->b.peak_bin = s->bin;
	}
}

static void handler(const uint8_t *payload, const struct mgmon_pkthdr *h,
		    void *arg)
{
	struct mb *s = arg;
	uint64_t ns = (uint64_t)h->ts.tv_sec * NS + h->ts.tv_nsec;
	uint64_t bin = ns / s->interval, bytes = h->len;

	(void)payload;
	if (s->l1)
		bytes += L1_OVERHEAD;
	if (!s->frames)
		s->first_ns = ns;
	if (ns > s->last_ns)
		s->last_ns = ns;
	s->frames++;
	s->bytes += bytes;
	if (!s->have_bin) {
		s->have_bin = 1;
		s->bin = bin;
	} else if (bin > s->bin) {
		close_bin(s);
		/* Intervals without a frame between: the burst is over. */
		if (bin > s->bin + 1 && s->in_burst) {
			report_burst(s);
			s->in_burst = 0;
		}
		s->bin = bin;
		s->bin_frames = s->bin_bytes = 0;
	}
	/* A frame stamped earlier than the interval being counted (from
	 * another queue's clock) counts in it. */
	s->bin_frames++;
	s->bin_bytes += bytes;
}

static void finish(struct mb *s)
{
	if (s->have_bin)
		close_bin(s);
	if (s->in_burst)
		report_burst(s);
	s->in_burst = 0;
	s->have_bin = 0;
}

/* "1ms", "100us", "250" (us), "2s", "500ns". */
static uint64_t parse_interval(const char *arg)
{
	static const struct { const char *unit; uint64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", NS },
	};
	char num[32];
	size_t n = strspn(arg, "0123456789");
	uint64_t mult = 1000, v;
	unsigned i;

	if (!n || n >= sizeof(num))
		cli_usage_error("--interval: '%s' is not a time such as 100us or 1ms",
				arg);
	memcpy(num, arg, n);
	num[n] = 0;
	if (arg[n]) {
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (!strcmp(arg + n, units[i].unit))
				break;
		if (i == sizeof(units) / sizeof(units[0]))
			cli_usage_error("--interval: unknown unit in '%s' (ns, us, ms or s)",
					arg);
		mult = units[i].ns;
	}
	v = cli_parse_u64("--interval", num, UINT64_MAX / NS) * mult;
	if (v < 1000 || v > 3600 * NS)
		cli_usage_error("--interval: %s is outside 1us .. 1h", arg);
	return v;
}

/* "5Gbps", "800Mbps", "1.5Mpps", "100000pps". */
static double parse_rate(const char *arg, int *pps)
{
	static const struct { const char *unit; double mult; int pps; } units[] = {
		{ "bps", 1, 0 }, { "kbps", 1e3, 0 }, { "mbps", 1e6, 0 },
		{ "gbps", 1e9, 0 }, { "tbps", 1e12, 0 }, { "pps", 1, 1 },
		{ "kpps", 1e3, 1 }, { "mpps", 1e6, 1 },
	};
	char *end;
	double v;
	unsigned i;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || !(v >= 0) || isinf(v) || *arg == '-')
		cli_usage_error("--threshold: '%s' is not a rate such as 5Gbps or 800Kpps",
				arg);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcasecmp(end, units[i].unit)) {
			*pps = units[i].pps;
			return v * units[i].mult;
		}
	}
	cli_usage_error("--threshold: '%s' needs a unit: bps, Kbps, Mbps, Gbps, Tbps, pps, Kpps or Mpps",
			arg);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "threshold", required_argument, NULL, 't' },
		{ "l1", no_argument, NULL, 'l' },
		{ "all", no_argument, NULL, 'a' },
		{ "csv", no_argument, NULL, 'c' },
		{ "raw", no_argument, NULL, 'r' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct mb s = { .interval = 1000000, .threshold = 1e9 };
	int raw = 0, quiet = 0, cpu = -1, c, st;
	char t[40], r1[32], r2[32], by[32];
	struct mgsource src = { .cpu = -1 };

	cli_init(argv[0]);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "i:t:arC:qhV", opts, NULL)) != -1) {
		switch (c) {
		case 'i': s.interval = parse_interval(optarg); break;
		case 't': s.threshold = parse_rate(optarg, &s.pps); break;
		case 'l': s.l1 = 1; break;
		case 'a': s.all = 1; break;
		case 'c': s.csv = 1; break;
		case 'r': raw = 1; break;
		case 'C': cpu = (int)cli_parse_u64("--cpu", optarg, 4095); break;
		case 'q': quiet = 1; break;
		case 'h': usage(); return 0;
		case 'V': printf("%s %s\n", cli_prog, HPCAP_VERSION); return 0;
		default: cli_bad_option(argc, argv, optopt);
		}
	}
	if (raw && argc == optind)
		cli_usage_error("--raw needs at least one RAW file or directory");
	if (!raw && argc - optind != 2)
		cli_usage_error("need <adapter> <queue>, or --raw with RAW files");
	if (s.csv) {
		printf("# burst,start,end,duration_ns,intervals,frames,bytes,mean_bps,peak_bps,peak_pps,peak_at\n");
		if (s.all)
			printf("# interval,start,frames,bytes,bps,pps,over\n");
	}
	src.raw = raw;
	src.cpu = cpu;
	st = mgsource_loop(&src, argc, argv, optind, handler, &s);
	finish(&s);
	fflush(stdout);
	if (!quiet) {
		double span = s.frames ? (double)(s.last_ns - s.first_ns) / 1e9 : 0;

		fprintf(stderr, "%s: %llu frames, %s over %.6f s; %llu interval%s of %.3f us with traffic",
			cli_prog, (unsigned long long)s.frames,
			cli_fmt_bytes(by, sizeof(by), s.bytes), span,
			(unsigned long long)s.bins, s.bins == 1 ? "" : "s",
			(double)s.interval / 1e3);
		if (s.bins) {
			fmt_ts(t, sizeof(t), s.max_bin * s.interval, 0);
			fprintf(stderr, "; busiest %s (%.0f pps) at %s",
				fmt_rate(r1, sizeof(r1), s.max_bps), s.max_pps, t);
		}
		if (s.pps)
			snprintf(r2, sizeof(r2), "%.0f pps", s.threshold);
		else
			fmt_rate(r2, sizeof(r2), s.threshold);
		fprintf(stderr, "; %llu burst%s above %s, %.3f us in bursts\n",
			(unsigned long long)s.bursts, s.bursts == 1 ? "" : "s",
			r2, (double)(s.burst_bins * s.interval) / 1e3);
	}
	return st < 0 ? 1 : 0;
}
