// SPDX-License-Identifier: BSD-3-Clause
/*
 * hpcap-extract - the frames of a capture tree in a time range that match
 * a libpcap filter, from every queue and port given, merged in time order
 * into one pcap (or pcapng, or RAW) file or stdout.
 *
 *   hpcap-extract [-b BEGIN] [-e END] [-f FILTER] [-o OUT|-] DIR|FILE...
 *
 * Each file's sidecar index (FILE.idx, hpcap-index) lets whole files be
 * skipped (time range, addresses, ports, protocols, VLANs) and, inside a
 * file, whole segments (time); files without a valid index are scanned,
 * with the same result.  The merge is a k-way merge on (time, file order);
 * a file is opened only when the merge reaches its first possible time,
 * so a long capture tree never has all its files open.
 */
#define _GNU_SOURCE
#include "cli/cli.h"
#include "file/capindex.h"
#include "file/capscan.h"
#include "file/idxfilter.h"
#include "libhpcap_pipeline.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NS UINT64_C(1000000000)

static void usage(void)
{
	printf("Usage: %s [options] DIR|FILE...\n"
	       "\n"
	       "Write every frame whose time is in [BEGIN, END) and that matches the\n"
	       "filter, from all the capture files given (directories are walked:\n"
	       "every queue and port of a capture tree), merged in time order (equal\n"
	       "times keep the order of the files), as a nanosecond pcap by default.\n"
	       "Reads hpcap's RAW files, pcap and pcapng, zstd-compressed or not\n"
	       "(seekable zstd, as hpcapdd --zstd writes it, is read frame by frame).\n"
	       "Sidecar indexes (FILE.idx, written by hpcapdd --index or hpcap-index)\n"
	       "let it skip files and seek inside them; files without one are\n"
	       "scanned, with the same result.\n"
	       "\n"
	       "Options:\n"
	       "  -b, --begin TIME      first time kept (default: the beginning)\n"
	       "  -e, --end TIME        first time no longer kept (default: the end)\n"
	       "  -f, --filter EXPR     libpcap filter, as tcpdump takes it\n"
	       "  -o, --output OUT      output file, or - for stdout (the default)\n"
	       "  -F, --format FMT      pcap (nanoseconds, default), pcap-us, pcapng,\n"
	       "                        or raw (OUT a file or a directory; not stdout)\n"
	       "      --no-index        ignore the indexes (scan every file)\n"
	       "  -q, --quiet           no progress and no summary on stderr\n"
	       "  -h, --help            show this help\n"
	       "  -V, --version         show the version\n"
	       "\n"
	       "TIME is Unix seconds with an optional fraction (1700000000.25), an ISO\n"
	       "8601 date and time (2026-12-06T10:00:00.5, local time unless it ends\n"
	       "in Z or +hh:mm), a time of day today (10:00, 10:00:30), or a time\n"
	       "relative to now (-5m, -90s, -2h).\n"
	       "\n"
	       "A damaged file is reported with its name and offset and the frames\n"
	       "before the damage are kept; a damaged or stale index is reported and\n"
	       "ignored.\n"
	       "Exit status: 0 ok; 1 a file or index was damaged or unreadable, or\n"
	       "the output could not be written; 2 usage.\n"
	       "\n"
	       "Examples:\n"
	       "  %s -b 10:00 -e 10:05 -f 'host 10.0.0.1' /data/capture | tshark -r -\n"
	       "  %s -b -5m -f 'tcp port 443' -o last5min.pcap /data/capture\n",
	       cli_prog, cli_prog, cli_prog);
}

/* ---- times ---------------------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

/* ".123" into nanoseconds; the number of characters read, or -1. */
static int parse_frac(const char *p, uint64_t *ns)
{
	uint64_t scale = NS / 10;
	int n = 0;

	*ns = 0;
	if (*p != '.' && *p != ',')
		return 0;
	for (p++, n = 1; isdigit((unsigned char)*p); p++, n++) {
		if (!scale)
			return -1;
		*ns += (uint64_t)(*p - '0') * scale;
		scale /= 10;
	}
	return n > 1 ? n : -1;
}

static uint64_t parse_time(const char *what, const char *s)
{
	struct tm tm;
	const char *p;
	uint64_t frac = 0;
	long off_s = 0;
	int utc = 0, n;
	time_t t;

	if (!*s)
		cli_usage_error("%s: empty time", what);
	if (s[0] == '-') {
		uint64_t d = cli_parse_duration_ns(what, s + 1, NS, 0,
						   UINT64_C(100) * 365 * 24 * 3600 * NS);
		uint64_t now = now_ns();

		return d > now ? 0 : now - d;
	}
	if (strspn(s, "0123456789") == strlen(s) ||
	    (strchr(s, '.') && strspn(s, "0123456789.") == strlen(s)))
		return cli_parse_epoch_ns(what, s);
	memset(&tm, 0, sizeof(tm));
	if (strchr(s, '-')) {
		p = strptime(s, "%Y-%m-%d", &tm);
		if (p && (*p == 'T' || *p == ' ')) {
			const char *q = strptime(p + 1, "%H:%M", &tm);

			p = q;
			if (p && *p == ':')
				p = strptime(p, ":%S", &tm);
		}
	} else {
		time_t now = time(NULL);

		localtime_r(&now, &tm);
		p = strptime(s, "%H:%M", &tm);
		tm.tm_sec = 0;
		if (p && *p == ':')
			p = strptime(p, ":%S", &tm);
	}
	if (!p)
		goto bad;
	n = parse_frac(p, &frac);
	if (n < 0)
		goto bad;
	p += n;
	if (*p == 'Z' && !p[1]) {
		utc = 1;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':' &&
		   isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
		   isdigit((unsigned char)p[4]) && isdigit((unsigned char)p[5])) {
		utc = 1;
		off_s = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600L +
			((p[4] - '0') * 10 + (p[5] - '0')) * 60L;
		if (*p == '-')
			off_s = -off_s;
	} else if (*p) {
		goto bad;
	}
	tm.tm_isdst = -1;
	t = utc ? timegm(&tm) - off_s : mktime(&tm);
	if (t < 0)
		goto bad;
	return (uint64_t)t * NS + frac;
bad:
	cli_usage_error("%s: '%s' is not a time (Unix seconds, 2026-12-06T10:00:00[.frac][Z|+hh:mm], 10:00[:30] or -5m)",
			what, s);
}

/* ---- one input file ------------------------------------------------------- */

struct src {
	const char *path;
	unsigned order;
	int has_ix;
	struct capindex ix;
	int open, done;
	struct capscan cs;
	uint64_t off;
	uint32_t seg;		/* with an index: the segment off is in */
	uint32_t ahead;		/* segments before this one were asked for */
	struct capscan_frame f;	/* the next frame to write */
};

struct run {
	uint64_t begin, end;	/* [begin, end) */
	struct hpcap_bpf *bpf;
	struct idxfilter *ixf;
	int use_index, quiet;
	/* counts */
	unsigned files, skipped_time, skipped_filter, no_index, bad_index,
		 damaged, unreadable, opened;
	uint64_t scanned, written;
	uint64_t seg_skipped;	/* segments in the range the filter ruled out */
};

/* Whether segment i of the source's index can hold a frame of the range
 * that the filter takes (index version 3: its address filter). */
static int seg_in_range(const struct run *r, const struct capindex_seg *g)
{
	return g->max_ns >= r->begin && g->min_ns < r->end;
}

static int seg_filter_allows(const struct run *r, const struct src *s,
			     uint32_t i)
{
	return !s->ix.seg[i].filt_words || !idxfilter_useful(r->ixf) ||
	       idxfilter_may_match_seg(r->ixf, &s->ix, i);
}

static int seg_may_hold(const struct run *r, const struct src *s, uint32_t i)
{
	return seg_in_range(r, &s->ix.seg[i]) && seg_filter_allows(r, s, i);
}

/* seg_may_hold(), counting the segments of the range the filter rules out. */
static int seg_wanted(struct run *r, const struct src *s, uint32_t i)
{
	if (!seg_in_range(r, &s->ix.seg[i]))
		return 0;
	if (seg_filter_allows(r, s, i))
		return 1;
	r->seg_skipped++;
	return 0;
}

/* Segments read ahead: the wanted ones among the next this many. */
#define SEG_AHEAD 16u

/* Ask for the wanted segments among seg and the few after it, each in one
 * read: with an index the reads are sparse, and the kernel's read-ahead
 * (off from the first call, capscan_will_read) would read the gaps. */
static void read_ahead(const struct run *r, struct src *s, uint32_t seg)
{
	uint32_t i = seg > s->ahead ? seg : s->ahead;

	for (; i < s->ix.n_seg && i < seg + SEG_AHEAD; i++, s->ahead = i)
		if (i == seg || seg_may_hold(r, s, i))
			capscan_will_read(&s->cs, s->ix.seg[i].off,
					  i + 1 < s->ix.n_seg
						  ? s->ix.seg[i + 1].off - s->ix.seg[i].off
						  : s->cs.size - s->ix.seg[i].off);
}

/* Move off to the first segment at or after seg that can hold a frame of
 * the range; 0 if there is none. */
static int seek_segment(struct run *r, struct src *s, uint32_t seg)
{
	uint64_t filtered = r->seg_skipped;

	while (seg < s->ix.n_seg && !seg_wanted(r, s, seg))
		seg++;
	if (seg >= s->ix.n_seg)
		return 0;
	s->seg = seg;
	s->off = s->ix.seg[seg].off;
	/* Reads turn sparse once the filter jumps over segments; a time
	 * range alone reads one run of segments, which the kernel's
	 * sequential read-ahead serves best. */
	if (s->cs.sparse || r->seg_skipped != filtered)
		read_ahead(r, s, seg);
	return 1;
}

/*
 * Read the index beside a data file, if it is there and describes it.
 * The header (its own CRC) comes first: a file whose time range misses
 * the query is skipped on it alone (returns 1), without reading the
 * segments and sets.  Then, when the filter asks something of the sets,
 * the sets alone (a version 2 index keeps them before the segment table,
 * under their own CRC): a file they rule out is skipped (returns 2)
 * without reading its segments.
 */
static int load_index(struct run *r, struct src *s)
{
	char ipath[4200], eb[HPCAP_ERRBUF_SIZE];
	struct capindex hdr;

	capindex_path(ipath, sizeof(ipath), s->path);
	if (!r->use_index || access(ipath, F_OK)) {
		r->no_index++;
		return 0;
	}
	if (capindex_read_header(&hdr, ipath, eb)) {
		cli_err("%s: index ignored (rebuild it with hpcap-index -f)", eb);
		r->bad_index++;
		return 0;
	}
	if (capindex_matches(&hdr, s->path, eb)) {
		cli_err("%s: index ignored: %s (rebuild it with hpcap-index -f)",
			ipath, eb);
		r->bad_index++;
		return 0;
	}
	if (!hdr.frames || hdr.last_ns < r->begin || hdr.first_ns >= r->end)
		return 1;
	if (r->ixf && idxfilter_useful(r->ixf) && hdr.version >= 2) {
		struct capindex sets;

		if (capindex_read_sets(&sets, ipath, eb)) {
			cli_err("%s: index ignored (rebuild it with hpcap-index -f)", eb);
			r->bad_index++;
			return 0;
		}
		if (sets.data_size == hdr.data_size &&
		    sets.data_check == hdr.data_check &&
		    !idxfilter_may_match(r->ixf, &sets)) {
			capindex_free(&sets);
			return 2;
		}
		capindex_free(&sets);
	}
	if (capindex_read(&s->ix, ipath, eb)) {
		cli_err("%s: index ignored (rebuild it with hpcap-index -f)", eb);
		r->bad_index++;
		return 0;
	}
	if (s->ix.data_size != hdr.data_size ||
	    s->ix.data_check != hdr.data_check) {
		/* Replaced between the two reads: trust neither. */
		capindex_free(&s->ix);
		r->bad_index++;
		return 0;
	}
	s->has_ix = 1;
	return 0;
}

static void src_close(struct src *s)
{
	if (s->open)
		capscan_close(&s->cs);
	s->open = 0;
	s->done = 1;
	if (s->has_ix)
		capindex_free(&s->ix);
	s->has_ix = 0;
}

/*
 * Advance to the next frame to write; 1 if there is one (in s->f), 0 at
 * the end of the file (then closed).
 */
static int src_next(struct run *r, struct src *s)
{
	char eb[HPCAP_ERRBUF_SIZE];
	int st;

	if (s->done)
		return 0;
	if (!s->open) {
		if (capscan_open(&s->cs, s->path, eb)) {
			cli_err("%s", eb);
			r->unreadable++;
			src_close(s);
			return 0;
		}
		s->open = 1;
		r->opened++;
		if (s->has_ix && s->ix.fmt != (uint32_t)s->cs.fmt) {
			cli_err("%s.idx: index ignored: made for a %s file, %s is %s",
				s->path, capscan_fmt_name(s->ix.fmt), s->path,
				capscan_fmt_name(s->cs.fmt));
			capindex_free(&s->ix);
			s->has_ix = 0;
			r->bad_index++;
		}
		s->off = s->cs.start;
		if (s->has_ix && !seek_segment(r, s, 0)) {
			src_close(s);
			return 0;
		}
	}
	for (;;) {
		if (s->has_ix && s->seg + 1 < s->ix.n_seg &&
		    s->off >= s->ix.seg[s->seg + 1].off &&
		    !seek_segment(r, s, s->seg + 1)) {
			src_close(s);
			return 0;
		}
		st = capscan_next(&s->cs, &s->off, &s->f);
		if (st <= 0) {
			if (st < 0) {
				cli_err("%s (frames before it are kept)",
					s->cs.err);
				r->damaged++;
			}
			src_close(s);
			return 0;
		}
		r->scanned++;
		if (s->f.ts_ns < r->begin || s->f.ts_ns >= r->end)
			continue;
		if (r->bpf && !hpcap_bpf_match(r->bpf, s->f.data, s->f.caplen,
					       s->f.len))
			continue;
		return 1;
	}
}

/* ---- the merge ------------------------------------------------------------ */

/* A heap entry: the time of the source's next frame, or (not open yet) the
 * earliest time it can have. */
struct ent {
	uint64_t ts;
	struct src *s;
};

static int before(const struct ent *a, const struct ent *b)
{
	return a->ts < b->ts || (a->ts == b->ts && a->s->order < b->s->order);
}

static void heap_push(struct ent *h, unsigned *n, struct ent e)
{
	unsigned i = (*n)++;

	while (i && before(&e, &h[(i - 1) / 2])) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = e;
}

static struct ent heap_pop(struct ent *h, unsigned *n)
{
	struct ent top = h[0], last = h[--(*n)];
	unsigned i = 0;

	for (;;) {
		unsigned c = 2 * i + 1;

		if (c >= *n)
			break;
		if (c + 1 < *n && before(&h[c + 1], &h[c]))
			c++;
		if (!before(&h[c], &last))
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = last;
	return top;
}

/* ---- output ---------------------------------------------------------------- */

enum ofmt { O_PCAP, O_PCAP_US, O_PCAPNG, O_RAW };

struct out {
	enum ofmt fmt;
	struct hpcap_pcap_writer *pw;
	struct hpcap_raw_writer *rw;
};

static int out_put(struct out *o, const struct capscan_frame *f)
{
	uint32_t sec = (uint32_t)(f->ts_ns / NS), nsec = (uint32_t)(f->ts_ns % NS);

	if (o->fmt == O_RAW)
		return hpcap_raw_writer_put(o->rw, sec, nsec, f->caplen, f->len,
					    f->data);
	return hpcap_pcap_write(o->pw, sec, nsec, f->caplen, f->len, f->data);
}

static void progress(const struct run *r, unsigned done, unsigned n)
{
	static uint64_t last;
	uint64_t t = now_ns();

	if (r->quiet || !isatty(2) || t - last < NS)
		return;
	last = t;
	fprintf(stderr, "\r%s: %u/%u files, %" PRIu64 " frames scanned, %" PRIu64
		" written ", cli_prog, done, n, r->scanned, r->written);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "begin", required_argument, NULL, 'b' },
		{ "end", required_argument, NULL, 'e' },
		{ "filter", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'F' },
		{ "no-index", no_argument, NULL, 'N' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct run r = { .begin = 0, .end = UINT64_MAX, .use_index = 1 };
	struct out o = { .fmt = O_PCAP };
	const char *outpath = "-", *filter = NULL;
	char eb[HPCAP_ERRBUF_SIZE], **paths;
	struct rlimit nofile;
	struct src *srcs;
	struct ent *heap;
	unsigned nh = 0, closed = 0;
	int c, n, i, werr = 0, err;

	cli_init(argv[0]);
	/* Every file of the merge holds a descriptor (for its reader's lock)
	 * while it is read: as many as the system allows. */
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	opterr = 0;
	while ((c = getopt_long(argc, argv, "b:e:f:o:F:qhV", opts, NULL)) != -1) {
		switch (c) {
		case 'b': r.begin = parse_time("--begin", optarg); break;
		case 'e': r.end = parse_time("--end", optarg); break;
		case 'f': filter = optarg; break;
		case 'o': outpath = optarg; break;
		case 'F':
			if (!strcmp(optarg, "pcap"))
				o.fmt = O_PCAP;
			else if (!strcmp(optarg, "pcap-us"))
				o.fmt = O_PCAP_US;
			else if (!strcmp(optarg, "pcapng"))
				o.fmt = O_PCAPNG;
			else if (!strcmp(optarg, "raw"))
				o.fmt = O_RAW;
			else
				cli_usage_error("--format: '%s' is not pcap, pcap-us, pcapng or raw",
						optarg);
			break;
		case 'N': r.use_index = 0; break;
		case 'q': r.quiet = 1; break;
		case 'h': usage(); return 0;
		case 'V': printf("%s %s\n", cli_prog, HPCAP_VERSION); return 0;
		default: cli_bad_option(argc, argv, optopt);
		}
	}
	if (optind >= argc)
		cli_usage_error("give at least one capture directory or file");
	if (r.end <= r.begin)
		cli_usage_error("--end must come after --begin");
	if (o.fmt == O_RAW && !strcmp(outpath, "-"))
		cli_usage_error("--format raw writes files: give -o FILE or -o DIR");
	if (filter && hpcap_bpf_compile(&r.bpf, filter, 65535, eb) < 0)
		cli_usage_error("%s", eb);
	if (idxfilter_parse(&r.ixf, filter)) {
		cli_err("out of memory");
		return 1;
	}
	n = capscan_list((const char *const *)(argv + optind), argc - optind,
			 &paths, eb);
	if (n <= 0) {
		if (n < 0)
			cli_err("%s", eb);
		else
			cli_err("no capture files in %s%s", argv[optind],
				argc - optind > 1 ? " ..." : "");
		hpcap_raw_list_free(paths, n > 0 ? n : 0);
		hpcap_bpf_free(r.bpf);
		idxfilter_free(r.ixf);
		return 1;
	}
	srcs = calloc((size_t)n, sizeof(*srcs));
	heap = calloc((size_t)n, sizeof(*heap));
	if (!srcs || !heap) {
		cli_err("out of memory");
		return 1;
	}
	/* The files that can hold a frame, each in the heap at the earliest
	 * time it can have (its index's, or the range's start). */
	for (i = 0; i < n; i++) {
		struct src *s = &srcs[i];
		uint64_t first;

		s->path = paths[i];
		s->order = (unsigned)i;
		r.files++;
		first = r.begin;
		switch (load_index(&r, s)) {
		case 1:
			r.skipped_time++;
			src_close(s);
			continue;
		case 2:
			r.skipped_filter++;
			src_close(s);
			continue;
		}
		if (s->has_ix) {
			if (!idxfilter_may_match(r.ixf, &s->ix)) {
				r.skipped_filter++;
				src_close(s);
				continue;
			}
			if (s->ix.first_ns > first)
				first = s->ix.first_ns;
		}
		heap_push(heap, &nh, (struct ent){ .ts = first, .s = s });
	}
	if (o.fmt == O_RAW)
		err = hpcap_raw_writer_open(&o.rw, outpath, NULL, eb);
	else
		err = hpcap_pcap_open(&o.pw, outpath,
				      o.fmt == O_PCAPNG ? HPCAP_PCAPNG
				      : o.fmt == O_PCAP_US ? HPCAP_PCAP_USEC
							   : HPCAP_PCAP_NSEC,
				      65535, eb);
	if (err) {
		cli_err("%s", eb);
		werr = 1;
		nh = 0;
	}
	while (nh) {
		struct ent e = heap_pop(heap, &nh);
		struct src *s = e.s;

		if (s->open && !werr) {
			/* Its frame is the earliest of all: write it. */
			if (out_put(&o, &s->f) < 0) {
				werr = 1;
				cli_err("writing %s failed: %s", outpath,
					o.fmt == O_RAW ? hpcap_raw_writer_geterr(o.rw)
						       : hpcap_pcap_geterr(o.pw));
			}
			r.written++;
		}
		if (!werr && src_next(&r, s))
			heap_push(heap, &nh, (struct ent){ .ts = s->f.ts_ns, .s = s });
		else
			closed++;
		if (werr)
			src_close(s);
		progress(&r, closed, (unsigned)n);
	}
	if (o.rw)
		err = hpcap_raw_writer_close(o.rw, eb);
	else if (o.pw)
		err = hpcap_pcap_close(o.pw, eb);
	if (err && !werr) {
		cli_err("%s", eb);
		werr = 1;
	}
	if (!r.quiet) {
		if (isatty(2))
			fprintf(stderr, "\r");
		fprintf(stderr,
			"%s: %u file%s considered, %u skipped by index (%u time, %u filter), %" PRIu64
			" segment%s skipped by filter, %u without index, %u bad index%s, %u damaged, %u unreadable; %"
			PRIu64 " frames scanned, %" PRIu64 " written\n",
			cli_prog, r.files, r.files == 1 ? "" : "s",
			r.skipped_time + r.skipped_filter, r.skipped_time,
			r.skipped_filter, r.seg_skipped,
			r.seg_skipped == 1 ? "" : "s", r.no_index, r.bad_index,
			r.bad_index == 1 ? "" : "es", r.damaged, r.unreadable,
			r.scanned, r.written);
	}
	for (i = 0; i < n; i++)
		src_close(&srcs[i]);
	free(srcs);
	free(heap);
	hpcap_raw_list_free(paths, n);
	hpcap_bpf_free(r.bpf);
	idxfilter_free(r.ixf);
	return werr || r.damaged || r.unreadable || r.bad_index ? 1 : 0;
}
