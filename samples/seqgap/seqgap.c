// SPDX-License-Identifier: BSD-3-Clause
/*
 * seqgap - check the sequence numbers of UDP multicast market-data feeds:
 * per group (destination address and port), the sequence number at a
 * configurable offset of the UDP payload; every gap, duplicate, late
 * (reordered) datagram and sequence reset is reported with its capture
 * time, and a per-group summary tells how much is still missing.
 *
 *   seqgap [options] <adapter> <queue>
 *   seqgap [options] --raw <file|dir>...
 *
 * An example analyzer of libmgmon, on its handle API (mgmon_open_live()
 * or mgmon_open_offline(), then mgmon_loop()): same code live and on
 * recorded data; a damaged file is reported and the next one read.
 *
 * Per group a window of the last --window sequence numbers remembers
 * which arrived, so that a datagram below the next expected number is
 * told apart: seen before (a duplicate) or not (late: it fills a gap).
 */
#define _GNU_SOURCE
#include "libmgmon.h"
#include "cli/cli.h"
#include "cli/mgsource.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS 1000000000ull
#define HASH_SIZE 4096u
#define MAX_FILTERS 64

static void usage(void)
{
	printf("Usage: %s [options] <adapter> <queue>\n"
	       "       %s [options] --raw <raw-file|dir>...\n"
	       "\n"
	       "Check the sequence numbers of UDP multicast feeds (market data) in a\n"
	       "live hpcap queue or in RAW files.  A group is a destination address\n"
	       "and port; its sequence number is read from the UDP payload at --offset.\n"
	       "Each datagram should carry the next number (or, with --count-offset,\n"
	       "the number after the previous datagram's messages).  Reported, one line\n"
	       "each on stdout: gaps (numbers skipped), duplicates (a number seen\n"
	       "before), late datagrams (a skipped number arriving after later ones:\n"
	       "reordering, which fills the gap), early datagrams (a number below the\n"
	       "first one seen: sent before the capture joined, never missing) and\n"
	       "resets (a number far below the expected one: the feed restarted).\n"
	       "A summary per group goes to stderr.\n"
	       "\n"
	       "Sequence number:\n"
	       "  -o, --offset N        byte offset in the UDP payload (default 0)\n"
	       "  -z, --size N          its size: 2, 4 or 8 bytes (default 4)\n"
	       "  -e, --endian ORDER    big or little (default big)\n"
	       "      --count-offset N  a message count at byte N of the payload: the\n"
	       "                        next datagram starts at sequence + count\n"
	       "                        (MoldUDP64: --offset 10 --size 8 --count-offset 18)\n"
	       "      --count-size N    its size: 1, 2 or 4 bytes (default 2)\n"
	       "\n"
	       "Groups:\n"
	       "  -g, --group ADDR[:PORT]  check only this group (repeatable; IPv6 as\n"
	       "                        [ADDR]:PORT); default every multicast group\n"
	       "      --all-udp         also unicast destinations\n"
	       "      --by-source       a group is also its source address\n"
	       "  -w, --window N        sequence numbers remembered per group (default\n"
	       "                        65536); older ones count as a reset\n"
	       "\n"
	       "Input and output:\n"
	       "  -r, --raw             the operands are RAW files or directories\n"
	       "      --lossy           live: a lossy listener (never holds the queue back)\n"
	       "  -C, --cpu N           live: pin to CPU N\n"
	       "      --csv             events as CSV: time,group,event,expected,got,count\n"
	       "  -q, --quiet           no event lines, only the summary\n"
	       "  -h, --help            show this help\n"
	       "  -V, --version         show the version\n"
	       "\n"
	       "Exit status: 0 ok; 1 the input could not be read (or was damaged);\n"
	       "2 usage.\n"
	       "\n"
	       "Examples:\n"
	       "  %s -g 239.1.1.1:5000 -g 239.1.1.2:5000 0 0\n"
	       "  %s --offset 10 --size 8 --count-offset 18 --raw /data/itch/\n"
	       "  %s --endian little --csv --raw feed.raw > events.csv\n",
	       cli_prog, cli_prog, cli_prog, cli_prog, cli_prog);
}

struct filter {
	uint8_t family;
	uint8_t addr[16];
	uint16_t port;		/* 0: any */
};

struct opts {
	uint32_t offset, size, count_off, count_size;
	int big, have_count, all_udp, by_source, csv, quiet;
	uint64_t window;	/* power of two */
	struct filter filters[MAX_FILTERS];
	int nfilters;
};

struct group {
	struct group *next;	/* hash chain */
	struct group *order;	/* in order of first datagram */
	uint8_t family;
	uint8_t dst[16], src[16];
	uint16_t port;
	char name[80];
	uint64_t expected, first_seq, high;
	uint64_t datagrams, short_dgrams;
	uint64_t gaps, missing, recovered, dups, late, resets;
	uint64_t early;		/* numbers below the first one seen, never
				   missing: sent before the capture joined */
	uint64_t *bits;		/* seen flags of [expected - window, expected) */
};

struct state {
	struct opts o;
	struct group *hash[HASH_SIZE];
	struct group *first, *last;
	uint64_t ngroups, udp, events;
	int oom;
};

/* ---- the window of seen sequence numbers ---- */

static int seen(const struct state *s, const struct group *g, uint64_t seq)
{
	uint64_t b = seq & (s->o.window - 1);

	return (int)(g->bits[b / 64] >> (b % 64) & 1);
}

static void mark(const struct state *s, struct group *g, uint64_t seq, int on)
{
	uint64_t b = seq & (s->o.window - 1);

	if (on)
		g->bits[b / 64] |= 1ull << (b % 64);
	else
		g->bits[b / 64] &= ~(1ull << (b % 64));
}

/* Move expected to e (> expected): numbers in between not seen yet. */
static void advance(const struct state *s, struct group *g, uint64_t e)
{
	uint64_t q;

	if (e - g->expected >= s->o.window)
		memset(g->bits, 0, s->o.window / 8);
	else
		for (q = g->expected; q < e; q++)
			mark(s, g, q, 0);
	g->expected = e;
}

/* ---- output ---- */

static void event(struct state *s, const struct group *g,
		  const struct mgmon_pkthdr *h, const char *what,
		  uint64_t expected, uint64_t got, uint64_t count)
{
	char t[40];

	s->events++;
	if (s->o.quiet)
		return;
	if (s->o.csv) {
		printf("%u.%09u,%s,%s,%llu,%llu,%llu\n", h->ts.tv_sec,
		       h->ts.tv_nsec, g->name, what,
		       (unsigned long long)expected, (unsigned long long)got,
		       (unsigned long long)count);
		return;
	}
	cli_fmt_ts(t, sizeof(t), h->ts.tv_sec, h->ts.tv_nsec);
	if (!strcmp(what, "gap"))
		printf("%s %s gap: expected %llu, got %llu: %llu missing\n", t,
		       g->name, (unsigned long long)expected,
		       (unsigned long long)got, (unsigned long long)count);
	else if (!strcmp(what, "dup"))
		printf("%s %s duplicate: %llu (expected %llu)\n", t, g->name,
		       (unsigned long long)got, (unsigned long long)expected);
	else if (!strcmp(what, "early"))
		printf("%s %s early: %llu arrived after %llu, before the first number seen (%llu)\n",
		       t, g->name, (unsigned long long)got,
		       (unsigned long long)expected,
		       (unsigned long long)g->first_seq);
	else if (!strcmp(what, "late"))
		printf("%s %s late: %llu arrived after %llu (%llu filled)\n", t,
		       g->name, (unsigned long long)got,
		       (unsigned long long)(expected - 1),
		       (unsigned long long)count);
	else
		printf("%s %s reset: expected %llu, got %llu\n", t, g->name,
		       (unsigned long long)expected, (unsigned long long)got);
}

/* ---- the check ---- */

static void check(struct state *s, struct group *g,
		  const struct mgmon_pkthdr *h, uint64_t seq, uint64_t n)
{
	uint64_t e = g->expected, q, end, filled, early;

	g->datagrams++;
	if (g->datagrams == 1) {
		g->first_seq = g->expected = e = seq;
		g->high = seq;
	}
	if (n == 0) {
		/* A heartbeat carries the next number and nothing else. */
		if (seq > e) {
			event(s, g, h, "gap", e, seq, seq - e);
			g->gaps++;
			g->missing += seq - e;
			advance(s, g, seq);
		}
		return;
	}
	end = seq + n;
	if (seq >= e) {
		if (seq > e) {
			event(s, g, h, "gap", e, seq, seq - e);
			g->gaps++;
			g->missing += seq - e;
		}
		advance(s, g, end);
		for (q = seq; q < end && q - seq < s->o.window; q++)
			mark(s, g, q, 1);
		g->high = end - 1;
		return;
	}
	if (e - seq > s->o.window) {
		/* Older than anything remembered: the feed started over. */
		event(s, g, h, "reset", e, seq, n);
		g->resets++;
		memset(g->bits, 0, s->o.window / 8);
		g->expected = end;
		for (q = seq; q < end && q - seq < s->o.window; q++)
			mark(s, g, q, 1);
		g->high = end - 1;
		return;
	}
	/* Below the next expected number, within the window.  A number not
	 * seen yet fills a gap (late), unless it is below the first number
	 * of the group: then it was never missing, it was sent before the
	 * capture joined the feed and overtaken by later ones (early). */
	filled = early = 0;
	for (q = seq; q < end && q < e; q++) {
		if (!seen(s, g, q)) {
			mark(s, g, q, 1);
			if (q < g->first_seq)
				early++;
			else
				filled++;
		}
	}
	if (filled) {
		event(s, g, h, "late", e, seq, filled);
		g->late++;
		g->recovered += filled;
	} else if (early) {
		event(s, g, h, "early", e, seq, early);
	} else {
		event(s, g, h, "dup", e, seq, n);
		g->dups++;
	}
	g->early += early;
	if (end > e) {		/* overlaps the next expected numbers */
		advance(s, g, end);
		for (q = e; q < end; q++)
			mark(s, g, q, 1);
		g->high = end - 1;
	}
}

static uint64_t read_uint(const uint8_t *p, uint32_t size, int big)
{
	uint64_t v = 0;
	uint32_t i;

	for (i = 0; i < size; i++)
		v |= (uint64_t)p[big ? i : size - 1 - i] << (8 * (size - 1 - i));
	return v;
}

static int is_multicast(const struct mgmon_parsed *p)
{
	return p->family == 4 ? (p->dst[0] & 0xf0) == 0xe0 : p->dst[0] == 0xff;
}

static int wanted(const struct opts *o, const struct mgmon_parsed *p)
{
	size_t alen = p->family == 4 ? 4 : 16;
	int i;

	if (!o->nfilters)
		return o->all_udp || is_multicast(p);
	for (i = 0; i < o->nfilters; i++) {
		const struct filter *f = &o->filters[i];

		if (f->family == p->family && !memcmp(f->addr, p->dst, alen) &&
		    (!f->port || f->port == p->dport))
			return 1;
	}
	return 0;
}

static struct group *group_of(struct state *s, const struct mgmon_parsed *p)
{
	size_t alen = p->family == 4 ? 4 : 16;
	uint8_t src[16] = { 0 }, dst[16] = { 0 };
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	uint32_t h = 2166136261u;
	struct group *g;
	size_t i;

	memcpy(dst, p->dst, alen);
	if (s->o.by_source)
		memcpy(src, p->src, alen);
	for (i = 0; i < 16; i++)
		h = (h ^ dst[i] ^ (uint32_t)src[i] << 8) * 16777619u;
	h = (h ^ p->dport) * 16777619u;
	h %= HASH_SIZE;
	for (g = s->hash[h]; g; g = g->next)
		if (g->family == p->family && g->port == p->dport &&
		    !memcmp(g->dst, dst, 16) && !memcmp(g->src, src, 16))
			return g;
	g = calloc(1, sizeof(*g));
	if (g)
		g->bits = calloc(s->o.window / 64, sizeof(uint64_t));
	if (!g || !g->bits) {
		free(g);
		s->oom = 1;
		return NULL;
	}
	g->family = p->family;
	g->port = p->dport;
	memcpy(g->dst, dst, 16);
	memcpy(g->src, src, 16);
	inet_ntop(p->family == 4 ? AF_INET : AF_INET6, dst, a, sizeof(a));
	if (s->o.by_source)
		inet_ntop(p->family == 4 ? AF_INET : AF_INET6, src, b, sizeof(b));
	snprintf(g->name, sizeof(g->name), "%s%s%s%s%s:%u",
		 s->o.by_source ? b : "", s->o.by_source ? ">" : "",
		 p->family == 6 ? "[" : "", a, p->family == 6 ? "]" : "",
		 p->dport);
	g->next = s->hash[h];
	s->hash[h] = g;
	if (s->last)
		s->last->order = g;
	else
		s->first = g;
	s->last = g;
	s->ngroups++;
	return g;
}

static void handler(const uint8_t *frame, const struct mgmon_pkthdr *h,
		    void *arg)
{
	struct state *s = arg;
	const struct opts *o = &s->o;
	struct mgmon_parsed p;
	uint64_t seq, n = 1;
	struct group *g;
	uint32_t at;

	if (mgmon_parse(frame, h->caplen, &p) != MGMON_L4 || p.proto != 17 ||
	    !p.payload_off || !wanted(o, &p))
		return;
	s->udp++;
	g = group_of(s, &p);
	if (!g)
		return;
	at = p.payload_off + o->offset;
	if (at + o->size > h->caplen || o->offset + o->size > p.payload_len ||
	    (o->have_count && (p.payload_off + o->count_off + o->count_size >
				       h->caplen ||
			       o->count_off + o->count_size > p.payload_len))) {
		g->short_dgrams++;
		return;
	}
	seq = read_uint(frame + at, o->size, o->big);
	if (o->have_count)
		n = read_uint(frame + p.payload_off + o->count_off,
			      o->count_size, o->big);
	check(s, g, h, seq, n);
}

static void summary(const struct state *s, FILE *out)
{
	const struct group *g;

	for (g = s->first; g; g = g->order) {
		fprintf(out,
			"%s: %s: %llu datagrams, sequence %llu..%llu; %llu gap%s (%llu missing, %llu late, %llu still missing), %llu duplicate%s, %llu reset%s",
			cli_prog, g->name, (unsigned long long)g->datagrams,
			(unsigned long long)g->first_seq,
			(unsigned long long)g->high,
			(unsigned long long)g->gaps, g->gaps == 1 ? "" : "s",
			(unsigned long long)g->missing,
			(unsigned long long)g->recovered,
			(unsigned long long)(g->missing > g->recovered ?
					     g->missing - g->recovered : 0),
			(unsigned long long)g->dups, g->dups == 1 ? "" : "s",
			(unsigned long long)g->resets,
			g->resets == 1 ? "" : "s");
		if (g->early)
			fprintf(out, ", %llu early (sent before the first number seen)",
				(unsigned long long)g->early);
		if (g->short_dgrams)
			fprintf(out, ", %llu too short to hold the sequence number",
				(unsigned long long)g->short_dgrams);
		fputc('\n', out);
	}
	fprintf(out, "%s: %llu group%s, %llu datagrams checked, %llu event%s\n",
		cli_prog, (unsigned long long)s->ngroups,
		s->ngroups == 1 ? "" : "s", (unsigned long long)s->udp,
		(unsigned long long)s->events, s->events == 1 ? "" : "s");
}

static void parse_group(struct opts *o, const char *arg)
{
	char buf[80], *port = NULL, *addr = buf;
	struct filter *f;

	if (o->nfilters == MAX_FILTERS)
		cli_usage_error("--group: at most %d groups", MAX_FILTERS);
	f = &o->filters[o->nfilters++];
	memset(f, 0, sizeof(*f));
	if (snprintf(buf, sizeof(buf), "%s", arg) >= (int)sizeof(buf))
		cli_usage_error("--group: '%s' is too long", arg);
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');

		if (!close || (close[1] && close[1] != ':'))
			cli_usage_error("--group: '%s' is not [IPV6]:PORT", arg);
		*close = 0;
		addr = buf + 1;
		if (close[1] == ':')
			port = close + 2;
	} else if (strchr(buf, '.')) {
		port = strchr(buf, ':');
		if (port)
			*port++ = 0;
	}
	if (inet_pton(AF_INET, addr, f->addr) == 1)
		f->family = 4;
	else if (inet_pton(AF_INET6, addr, f->addr) == 1)
		f->family = 6;
	else
		cli_usage_error("--group: '%s' is not an address (ADDR, ADDR:PORT or [IPV6]:PORT)",
				arg);
	if (port)
		f->port = (uint16_t)cli_parse_u64("--group port", port, 65535);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "offset", required_argument, NULL, 'o' },
		{ "size", required_argument, NULL, 'z' },
		{ "endian", required_argument, NULL, 'e' },
		{ "count-offset", required_argument, NULL, 'O' },
		{ "count-size", required_argument, NULL, 'Z' },
		{ "group", required_argument, NULL, 'g' },
		{ "all-udp", no_argument, NULL, 'U' },
		{ "by-source", no_argument, NULL, 'S' },
		{ "window", required_argument, NULL, 'w' },
		{ "raw", no_argument, NULL, 'r' },
		{ "lossy", no_argument, NULL, 'L' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "csv", no_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static struct state s;
	struct opts *o = &s.o;
	struct mgsource src = { .cpu = -1 };
	int c, st, failed = 0;
	struct hpcap_queue_stats q0, q1;
	struct mgmon_stats ms;
	struct mgmon *m;

	o->size = 4;
	o->big = 1;
	o->count_size = 2;
	o->window = 65536;
	cli_init(argv[0]);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:z:e:g:w:rC:qhV", lopts,
				NULL)) != -1) {
		switch (c) {
		case 'o': o->offset = (uint32_t)cli_parse_u64("--offset", optarg, 65535); break;
		case 'z':
			o->size = (uint32_t)cli_parse_u64("--size", optarg, 8);
			if (o->size != 2 && o->size != 4 && o->size != 8)
				cli_usage_error("--size: %s is not 2, 4 or 8", optarg);
			break;
		case 'e':
			if (!strcmp(optarg, "big"))
				o->big = 1;
			else if (!strcmp(optarg, "little"))
				o->big = 0;
			else
				cli_usage_error("--endian: '%s' is not big or little", optarg);
			break;
		case 'O':
			o->count_off = (uint32_t)cli_parse_u64("--count-offset", optarg, 65535);
			o->have_count = 1;
			break;
		case 'Z':
			o->count_size = (uint32_t)cli_parse_u64("--count-size", optarg, 4);
			if (o->count_size != 1 && o->count_size != 2 && o->count_size != 4)
				cli_usage_error("--count-size: %s is not 1, 2 or 4", optarg);
			break;
		case 'g': parse_group(o, optarg); break;
		case 'U': o->all_udp = 1; break;
		case 'S': o->by_source = 1; break;
		case 'w':
			o->window = cli_parse_u64("--window", optarg, 1u << 30);
			if (o->window < 64 || (o->window & (o->window - 1)))
				cli_usage_error("--window: %s is not a power of two of at least 64",
						optarg);
			break;
		case 'r': src.raw = 1; break;
		case 'L': src.lossy = 1; break;
		case 'C': src.cpu = (int)cli_parse_u64("--cpu", optarg, 4095); break;
		case 'c': o->csv = 1; break;
		case 'q': o->quiet = 1; break;
		case 'h': usage(); return 0;
		case 'V': printf("%s %s\n", cli_prog, HPCAP_VERSION); return 0;
		default: cli_bad_option(argc, argv, optopt);
		}
	}
	if (src.raw && argc == optind)
		cli_usage_error("--raw needs at least one RAW file or directory");
	if (!src.raw && argc - optind != 2)
		cli_usage_error("need <adapter> <queue>, or --raw with RAW files");

	m = mgsource_open(&src, argc, argv, optind);
	if (!m)
		return 1;
	if (o->csv && !o->quiet)
		printf("time,group,event,expected,got,count\n");
	memset(&q0, 0, sizeof(q0));
	if (!src.raw)
		hpcap_queue_stats(mgmon_hpcap(m), &q0);
	while ((st = mgmon_loop(m, 0, handler, &s)) < 0) {
		cli_err("%s", mgmon_geterr(m));
		failed = 1;
		if (!src.raw)
			break;	/* offline: go on with the next file */
	}
	fflush(stdout);
	if (s.oom)
		cli_err("out of memory: some groups were not checked");
	summary(&s, stderr);
	mgmon_get_stats(m, &ms);
	if (!src.raw && hpcap_queue_stats(mgmon_hpcap(m), &q1) == 0) {
		uint64_t lost = q1.client_lost_frames - q0.client_lost_frames;

		if (lost || ms.lost_frames)
			fprintf(stderr, "%s: the capture itself lost frames meanwhile (%llu dropped by the queue for slow listeners, %llu missed by this lossy listener): some gaps may be the capture's, not the feed's\n",
				cli_prog, (unsigned long long)lost,
				(unsigned long long)ms.lost_frames);
	}
	mgmon_close(m);
	return failed || s.oom ? 1 : 0;
}
