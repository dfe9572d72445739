// SPDX-License-Identifier: BSD-3-Clause
/*
 * checkraw - validate hpcap RAW files record by record, and with -f repair
 * a file truncated the way a crash leaves one.
 *
 *   checkraw [-t min_ts] [-f] [options] <file|dir>...
 *
 * Only -f opens a file for writing; without it files are read only.
 */
#define _GNU_SOURCE
#include "libhpcap.h"
#include "hpcap_framing.h"
#include "hpcap_record.h"
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct opts {
	uint64_t min_ts;	/* ns since epoch; 0 = no check */
	uint64_t tolerance;	/* ns a timestamp may go back */
	uint32_t min_caplen, max_len;
	int fix, quiet;
	unsigned max_errors;
};

/* What one file's scan found. */
struct scan {
	const char *path;
	unsigned errors;	/* all errors, reported or not */
	int structural;		/* the record chain breaks (not fixable) */
	int truncated;		/* fixable: cut short, or zero-filled tail */
	uint64_t good_end;	/* offset just past the last whole record */
	uint64_t cut_off;	/* truncated: offset of the cut record */
	struct hpcap_rec cut_hdr;	/* its header, if complete */
	uint64_t cut_avail;	/* bytes of it after its header */
	uint64_t frames, bytes;
	uint64_t first_ts, last_ts;
};

static const struct opts *o;

static void report(struct scan *s, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(struct scan *s, uint64_t off, const char *fmt, ...)
{
	va_list ap;

	if (s->errors++ >= o->max_errors) {
		if (s->errors == o->max_errors + 1)
			fprintf(stderr, "%s: %s: further errors not shown (--max-errors)\n",
				cli_prog, s->path);
		return;
	}
	fprintf(stderr, "%s: %s: offset %llu: ", cli_prog, s->path,
		(unsigned long long)off);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t ts_of(const struct hpcap_raw_record *r)
{
	return (uint64_t)r->sec * HPCAP_NSEC_PER_SEC + r->nsec;
}

/* Whether [from, size) of the file holds only zero bytes. */
static int zero_tail(const char *path, uint64_t from, uint64_t size)
{
	static uint8_t buf[1 << 16];
	int fd = open(path, O_RDONLY | O_CLOEXEC), zero = 1;

	if (fd < 0)
		return 0;
	while (zero && from < size) {
		ssize_t n = pread(fd, buf, sizeof(buf), (off_t)from);
		ssize_t i;

		if (n <= 0) {
			zero = 0;
			break;
		}
		for (i = 0; i < n; i++)
			if (buf[i]) {
				zero = 0;
				break;
			}
		from += (uint64_t)n;
	}
	close(fd);
	return zero;
}

static void check_frame(struct scan *s, const struct hpcap_raw_record *r,
			uint64_t *prev_ts)
{
	uint64_t ts = ts_of(r);

	if (r->nsec >= HPCAP_NSEC_PER_SEC)
		report(s, r->offset, "nanoseconds field %u is not below 1e9",
		       r->nsec);
	if (r->caplen > r->len)
		report(s, r->offset, "caplen %u is larger than len %u",
		       r->caplen, r->len);
	if (r->caplen < o->min_caplen)
		report(s, r->offset, "caplen %u is below the minimum %u",
		       r->caplen, o->min_caplen);
	if (r->len > o->max_len)
		report(s, r->offset, "len %u is above the maximum %u", r->len,
		       o->max_len);
	if (o->min_ts && ts < o->min_ts)
		report(s, r->offset, "timestamp %u.%09u is before the minimum %llu.%09llu",
		       r->sec, r->nsec,
		       (unsigned long long)(o->min_ts / HPCAP_NSEC_PER_SEC),
		       (unsigned long long)(o->min_ts % HPCAP_NSEC_PER_SEC));
	if (*prev_ts && ts + o->tolerance < *prev_ts)
		report(s, r->offset, "timestamp %u.%09u goes back %llu ns from the previous frame%s",
		       r->sec, r->nsec, (unsigned long long)(*prev_ts - ts),
		       s->frames ? "" : " (last frame of the previous file)");
	if (!s->frames)
		s->first_ts = ts;
	s->last_ts = ts;
	*prev_ts = ts;
	s->frames++;
	s->bytes += r->caplen;
	s->good_end = r->offset + HPCAP_RAW_HDR_LEN + r->caplen;
}

/*
 * Remember where the file was cut, and read the header found there to
 * salvage what is left of that frame.  A crash leaves a real header (or a
 * piece of one, or zeros) at the cut; a header that is not plausible means
 * the record chain broke earlier (corruption, not truncation), and cutting
 * the file there could throw captured frames away, so it is refused.
 */
static void note_cut(struct scan *s, uint64_t size)
{
	int fd = open(s->path, O_RDONLY | O_CLOEXEC);
	struct hpcap_rec *h = &s->cut_hdr;
	uint64_t sec, last = s->last_ts / HPCAP_NSEC_PER_SEC;
	struct hpcap_raw_hdr raw;
	int plausible = 1;

	s->truncated = 1;
	s->cut_off = s->good_end;
	s->cut_avail = 0;
	memset(h, 0, sizeof(*h));
	if (fd < 0)
		return;
	if (size >= s->cut_off + HPCAP_RAW_HDR_LEN &&
	    pread(fd, &raw, sizeof(raw), (off_t)s->cut_off) == (ssize_t)sizeof(raw)) {
		s->cut_avail = size - s->cut_off - HPCAP_RAW_HDR_LEN;
		hpcap_rec_decode(&raw, h);
		sec = h->sec;
		/* A cut padding record, or a frame of about the same time
		 * as the file's last one. */
		plausible = hpcap_rec_sane(h) &&
			    (!hpcap_rec_is_frame(&raw) || !s->frames ||
			     (sec + 86400 >= last && sec <= last + 86400));
	}
	close(fd);
	if (!plausible) {
		report(s, s->cut_off, "the bytes here do not look like a record header, so the file is corrupt rather than cut short; not repairable with -f");
		s->structural = 1;
	}
}

static void scan_file(struct scan *s, uint64_t *prev_ts)
{
	struct hpcap_raw_reader *r;
	struct hpcap_raw_record rec;
	char errbuf[HPCAP_ERRBUF_SIZE];
	uint64_t size;
	int st;

	if (hpcap_raw_open(&r, s->path, HPCAP_RAW_SHOW_PADDING, errbuf) < 0) {
		cli_err("%s", errbuf);
		s->errors++;
		s->structural = 1;
		return;
	}
	size = hpcap_raw_file_size(r);
	while ((st = hpcap_raw_next(r, &rec)) > 0) {
		uint64_t end = rec.offset + HPCAP_RAW_HDR_LEN + rec.caplen;

		if (st == HPCAP_RAW_FRAME) {
			check_frame(s, &rec, prev_ts);
			continue;
		}
		if (rec.caplen != rec.len) {
			report(s, rec.offset, "padding record with caplen %u != len %u",
			       rec.caplen, rec.len);
			s->structural = 1;
		}
		if (rec.offset == 0) {	/* leading padding opens the file */
			s->good_end = end;
			continue;
		}
		if (end < size) {
			if (rec.caplen == 0 && rec.len == 0 &&
			    zero_tail(s->path, end, size)) {
				report(s, rec.offset, "file ends in %llu zero bytes instead of a closing padding (cut short by a crash?)",
				       (unsigned long long)(size - rec.offset));
				note_cut(s, size);
			} else {
				report(s, end, "%llu bytes after the closing padding record",
				       (unsigned long long)(size - end));
				s->structural = 1;
			}
		}
		break;
	}
	if (st == HPCAP_ERR_TRUNCATED || st == HPCAP_ERR_NOPAD) {
		report(s, s->good_end, "%s", st == HPCAP_ERR_NOPAD ?
		       "file ends without a closing padding record (cut short?)" :
		       "last record cut short by end of file (cut short?)");
		note_cut(s, size);
	} else if (st < 0) {
		report(s, hpcap_raw_offset(r), "%s", hpcap_raw_geterr(r));
		s->structural = 1;
	}
	hpcap_raw_close(r);
}

/*
 * Close a truncated file: keep every whole record, keep what survived of
 * the cut frame when its header is sane (as a frame with a smaller caplen,
 * which the format allows), then write a closing padding.  The padding goes
 * where only a partial record or zeros were, so no captured frame is lost.
 */
static int repair(struct scan *s)
{
	const struct hpcap_rec *h = &s->cut_hdr;
	uint64_t at = s->cut_off, salvage = 0;
	struct hpcap_raw_hdr pad, cut;
	int fd, err = 0;

	if ((h->sec || h->nsec) && hpcap_rec_sane(h) &&
	    s->cut_avail >= 14 && s->cut_avail < h->caplen)
		salvage = s->cut_avail;
	fd = open(s->path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	if (salvage) {
		hpcap_rec_put(&cut, h->sec, h->nsec, (uint32_t)salvage, h->len);
		if (pwrite(fd, &cut, sizeof(cut), (off_t)at) != (ssize_t)sizeof(cut))
			goto fail;
		at += HPCAP_RAW_HDR_LEN + salvage;
	}
	hpcap_padding_hdr(&pad, HPCAP_RAW_HDR_LEN);
	if (pwrite(fd, &pad, sizeof(pad), (off_t)at) != (ssize_t)sizeof(pad) ||
	    ftruncate(fd, (off_t)(at + sizeof(pad))) < 0 || fsync(fd) < 0)
		goto fail;
	close(fd);
	s->frames += salvage != 0;
	fprintf(stderr, "%s: %s: repaired: closing padding written at offset %llu%s\n",
		cli_prog, s->path, (unsigned long long)at,
		salvage ? " (the cut frame kept with its surviving bytes)" : "");
	return 0;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	cli_err("%s: repair failed: %s", s->path, strerror(err));
	return -1;
}

/*
 * Files of one capture sequence share the part of their name after the
 * leading time ("1700000000_hpcap0_1.raw" -> "hpcap0_1.raw"); timestamps
 * must continue from one file of a sequence to the next.
 */
struct seq {
	char key[256];
	uint64_t last_ts;
};

static uint64_t *seq_ts(struct seq **seqs, size_t *n, const char *path)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	const char *p = base, *key = "";
	struct seq *v;
	size_t i;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p > base && *p == '_')
		key = p + 1;
	for (i = 0; i < *n; i++)
		if (!strcmp((*seqs)[i].key, key))
			return &(*seqs)[i].last_ts;
	v = realloc(*seqs, (*n + 1) * sizeof(*v));
	if (!v)
		return NULL;
	*seqs = v;
	memset(&v[*n], 0, sizeof(v[*n]));
	snprintf(v[*n].key, sizeof(v[*n].key), "%s", key);
	return &v[(*n)++].last_ts;
}

static const char *fmt_ns(char *buf, size_t n, uint64_t ns)
{
	return cli_fmt_ts(buf, n, (uint32_t)(ns / HPCAP_NSEC_PER_SEC),
			  (uint32_t)(ns % HPCAP_NSEC_PER_SEC));
}

static void usage(void)
{
	printf("Usage: %s [options] <raw-file|dir>...\n"
	       "\n"
	       "Check every record of hpcap RAW files: nanoseconds below 1e9, caplen not\n"
	       "above len, each record inside the file, a closing padding record with\n"
	       "caplen == len and nothing after it, timestamps not going backwards (also\n"
	       "from one file of a directory to the next of the same queue).  Jumbo\n"
	       "frames up to 65535 bytes are valid.  Each error is reported with its file\n"
	       "and offset.  Files are only read, unless --fix is given.\n"
	       "\n"
	       "Options:\n"
	       "  -t, --min-ts SECONDS   timestamps before this time are errors\n"
	       "                         (Unix seconds, fraction allowed)\n"
	       "  -f, --fix              repair files cut short (crash, full disk): keep\n"
	       "                         every whole frame and the surviving part of the\n"
	       "                         cut one, then close the file with a padding\n"
	       "                         record; other errors are never \"repaired\"\n"
	       "  -T, --tolerance NS     how far (ns) a timestamp may go back (default 0)\n"
	       "  -S, --strict           HPCAP's limits: caplen >= 60, len <= 1518\n"
	       "      --min-caplen N     caplen below N is an error\n"
	       "      --max-len N        len above N is an error\n"
	       "  -m, --max-errors N     errors shown per file (default 20)\n"
	       "  -q, --quiet            only errors and the final line\n"
	       "  -h, --help             show this help\n"
	       "  -V, --version          show the version\n"
	       "\n"
	       "Exit status: 0 all files valid (after --fix repairs); 1 errors remain;\n"
	       "2 usage.\n"
	       "\n"
	       "Examples:\n"
	       "  %s /data/capture/\n"
	       "  %s -t 1700000000 -f 1700000000_hpcap0_0.raw\n",
	       cli_prog, cli_prog, cli_prog);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "min-ts", required_argument, NULL, 't' },
		{ "fix", no_argument, NULL, 'f' },
		{ "tolerance", required_argument, NULL, 'T' },
		{ "strict", no_argument, NULL, 'S' },
		{ "min-caplen", required_argument, NULL, 'C' },
		{ "max-len", required_argument, NULL, 'L' },
		{ "max-errors", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static struct opts opts = { .max_len = 65535, .max_errors = 20 };
	uint64_t files = 0, frames = 0, bad_files = 0, errors = 0, fixed = 0;
	char errbuf[HPCAP_ERRBUF_SIZE], b1[40], b2[40];
	int c, a;

	cli_init(argv[0]);
	opterr = 0;
	o = &opts;
	while ((c = getopt_long(argc, argv, "t:fT:Sm:qhV", lopts, NULL)) != -1) {
		switch (c) {
		case 't': opts.min_ts = cli_parse_epoch_ns("--min-ts", optarg); break;
		case 'f': opts.fix = 1; break;
		case 'T': opts.tolerance = cli_parse_u64("--tolerance", optarg, UINT64_MAX / 2); break;
		case 'S': opts.min_caplen = 60; opts.max_len = 1518; break;
		case 'C': opts.min_caplen = (uint32_t)cli_parse_u64("--min-caplen", optarg, 65535); break;
		case 'L': opts.max_len = (uint32_t)cli_parse_u64("--max-len", optarg, 65535); break;
		case 'm': opts.max_errors = (unsigned)cli_parse_u64("--max-errors", optarg, 1000000); break;
		case 'q': opts.quiet = 1; break;
		case 'h': usage(); return 0;
		case 'V': printf("%s %s\n", cli_prog, HPCAP_VERSION); return 0;
		default: cli_bad_option(argc, argv, optopt);
		}
	}
	if (optind >= argc)
		cli_usage_error("no RAW file or directory given");
	for (a = optind; a < argc && opts.fix; a++)
		if (!strcmp(argv[a], "-"))
			cli_usage_error("--fix needs files: standard input can not be repaired");

	for (a = optind; a < argc; a++) {
		const char *arg = argv[a];
		struct seq *seqs = NULL;
		size_t nseq = 0;
		char **paths;
		int n, i;

		n = hpcap_raw_list(&arg, 1, &paths, errbuf);
		if (n < 0) {
			cli_err("%s", errbuf);
			bad_files++;
			continue;
		}
		if (n == 0)
			cli_err("%s: no *.raw files in this directory", arg);
		for (i = 0; i < n; i++) {
			struct scan s = { .path = paths[i] };
			uint64_t *prev = seq_ts(&seqs, &nseq, paths[i]);
			uint64_t dummy = 0;

			scan_file(&s, prev ? prev : &dummy);
			files++;
			frames += s.frames;
			if (opts.fix && s.truncated && !s.structural &&
			    repair(&s) == 0) {
				fixed++;
				s.errors--;	/* the truncation, now mended */
			} else if (s.truncated && !s.structural && !opts.fix) {
				cli_err("%s: run '%s -f %s' to close it and keep its frames",
					s.path, cli_prog, s.path);
			}
			if (s.errors) {
				bad_files++;
				errors += s.errors;
			}
			if (!opts.quiet && s.frames)
				fprintf(stderr, "%s: %s: %s, %llu frames, %s .. %s\n",
					cli_prog, s.path, s.errors ? "ERRORS" : "ok",
					(unsigned long long)s.frames,
					fmt_ns(b1, sizeof(b1), s.first_ts),
					fmt_ns(b2, sizeof(b2), s.last_ts));
			else if (!opts.quiet)
				fprintf(stderr, "%s: %s: %s, no frames\n", cli_prog,
					s.path, s.errors ? "ERRORS" : "ok");
		}
		free(seqs);
		hpcap_raw_list_free(paths, n);
	}
	fprintf(stderr, "%s: %llu file%s, %llu frames, %llu with errors (%llu errors)%s\n",
		cli_prog, (unsigned long long)files, files == 1 ? "" : "s",
		(unsigned long long)frames, (unsigned long long)bad_files,
		(unsigned long long)errors,
		fixed ? ", repaired files counted as valid" : "");
	if (fixed)
		fprintf(stderr, "%s: %llu file%s repaired\n", cli_prog,
			(unsigned long long)fixed, fixed == 1 ? "" : "s");
	return bad_files ? 1 : 0;
}
