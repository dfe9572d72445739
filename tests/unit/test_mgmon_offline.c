// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_mgmon_offline.c - libmgmon's offline reader sees exactly what
 * libhpcap's RAW reader sees: the same frames (times, lengths, bytes,
 * offsets) and the same errors with the same messages, over good files,
 * every kind of damaged file, directories, a pipe, and files large
 * enough for the reader to unmap as it goes (with its resident set
 * checked).  Also: the loop's count, break and resume rules, the
 * HPCAP-style loop, and mgmon_file().
 */
#define _GNU_SOURCE
#include "check.h"
#include "libmgmon.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MiB (1u << 20)

struct frame {
	uint32_t sec, nsec, caplen, len;
	uint64_t hash;
};

/* What a reader returned: frames, and the errors between them. */
struct view {
	struct frame *f;
	size_t n, cap;
	int err[64];
	char msg[64][HPCAP_ERRBUF_SIZE];
	size_t nerr;
	size_t err_at[64];	/* frame count when the error came */
};

static char dir[256];

static uint64_t fnv(const uint8_t *p, uint32_t n)
{
	uint64_t h = 1469598103934665603ull;
	uint32_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static void view_add(struct view *v, uint32_t sec, uint32_t nsec,
		     uint32_t caplen, uint32_t len, const uint8_t *data)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 1024;
		v->f = realloc(v->f, v->cap * sizeof(*v->f));
	}
	v->f[v->n++] = (struct frame){ sec, nsec, caplen, len, fnv(data, caplen) };
}

static void view_err(struct view *v, int code, const char *msg)
{
	if (v->nerr < 64) {
		v->err[v->nerr] = code;
		v->err_at[v->nerr] = v->n;
		snprintf(v->msg[v->nerr], sizeof(v->msg[0]), "%s", msg);
		v->nerr++;
	}
}

static void view_free(struct view *v)
{
	free(v->f);
	memset(v, 0, sizeof(*v));
}

/* The reference: hpcap_raw_list() + hpcap_raw_next() per file. */
static void ref_view(const char *const *args, int nargs, struct view *v)
{
	char err[HPCAP_ERRBUF_SIZE], **paths;
	struct hpcap_raw_record rec;
	struct hpcap_raw_reader *r;
	int n, i, st;

	n = hpcap_raw_list(args, nargs, &paths, err);
	CHECK(n >= 0);
	for (i = 0; i < n; i++) {
		st = hpcap_raw_open(&r, paths[i], 0, err);
		if (st < 0) {
			view_err(v, st, err);
			continue;
		}
		while ((st = hpcap_raw_next(r, &rec)) == HPCAP_RAW_FRAME)
			view_add(v, rec.sec, rec.nsec, rec.caplen, rec.len,
				 rec.data);
		if (st < 0)
			view_err(v, st, hpcap_raw_geterr(r));
		hpcap_raw_close(r);
	}
	hpcap_raw_list_free(paths, n);
}

/* libmgmon, one frame at a time. */
static void next_view(const char *const *args, int nargs, struct view *v)
{
	char err[HPCAP_ERRBUF_SIZE];
	struct mgmon_pkthdr h;
	const uint8_t *p;
	struct mgmon *m;
	int st;

	CHECK(mgmon_open_offline(&m, args, nargs, 0, err) == 0);
	while ((st = mgmon_next(m, &h, &p, 0)) != MGMON_END) {
		if (st == MGMON_FRAME)
			view_add(v, h.ts.tv_sec, h.ts.tv_nsec, h.caplen, h.len, p);
		else if (st < 0)
			view_err(v, st, mgmon_geterr(m));
		else
			CHECK(0);
	}
	CHECK_EQ(mgmon_next(m, &h, &p, 0), MGMON_END);	/* sticky */
	mgmon_close(m);
}

static void loop_handler(const uint8_t *p, const struct mgmon_pkthdr *h,
			 void *arg)
{
	view_add(arg, h->ts.tv_sec, h->ts.tv_nsec, h->caplen, h->len, p);
}

/* libmgmon's loop, called again after each error. */
static void loop_view(const char *const *args, int nargs, struct view *v)
{
	char err[HPCAP_ERRBUF_SIZE];
	struct mgmon *m;
	int st;

	CHECK(mgmon_open_offline(&m, args, nargs, 0, err) == 0);
	while ((st = mgmon_loop(m, -1, loop_handler, v)) != MGMON_END) {
		CHECK(st < 0);
		if (st >= 0)
			break;
		view_err(v, st, mgmon_geterr(m));
	}
	mgmon_close(m);
}

static void same_view(const char *what, const struct view *a,
		      const struct view *b)
{
	int before = check_failures, bad = 0;
	size_t i;

	CHECK_EQ(a->n, b->n);
	for (i = 0; i < a->n && i < b->n; i++)
		bad += !!memcmp(&a->f[i], &b->f[i], sizeof(a->f[i]));
	CHECK_EQ(bad, 0);
	CHECK_EQ(a->nerr, b->nerr);
	for (i = 0; i < a->nerr && i < b->nerr; i++) {
		CHECK_EQ(a->err[i], b->err[i]);
		CHECK_EQ(a->err_at[i], b->err_at[i]);
		if (strcmp(a->msg[i], b->msg[i]))
			fprintf(stderr, "%s: message '%s' != '%s'\n", what,
				a->msg[i], b->msg[i]);
		CHECK(!strcmp(a->msg[i], b->msg[i]));
	}
	if (check_failures != before)
		fprintf(stderr, "  (in %s)\n", what);
}

static void compare(const char *what, const char *const *args, int nargs,
		    size_t want_frames, size_t want_errs)
{
	struct view r = { 0 }, n = { 0 }, l = { 0 };

	ref_view(args, nargs, &r);
	next_view(args, nargs, &n);
	loop_view(args, nargs, &l);
	if (want_frames != (size_t)-1)
		CHECK_EQ(r.n, want_frames);
	CHECK_EQ(r.nerr, want_errs);
	same_view(what, &r, &n);
	same_view(what, &r, &l);
	view_free(&r);
	view_free(&n);
	view_free(&l);
}

/* Write frames of pseudo-random sizes into dir/name (a directory of
 * file_size files, 000000.raw ...).  Returns the frame count. */
static unsigned write_raw(const char *out, uint64_t file_size, unsigned n,
			  unsigned seed, uint32_t maxlen)
{
	struct hpcap_raw_writer_opts o = { .file_size = file_size };
	char err[HPCAP_ERRBUF_SIZE];
	struct hpcap_raw_writer *w;
	static uint8_t buf[65535];
	uint32_t x = seed | 1, i, k, len;

	CHECK(hpcap_raw_writer_open(&w, out, &o, err) == 0);
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		len = 14 + x % (maxlen - 13);
		for (k = 0; k < len; k++)
			buf[k] = (uint8_t)(i * 7 + k);
		CHECK(hpcap_raw_writer_put(w, 1700000000u + i / 1000,
					   (i % 1000) * 1000000u + 1, len,
					   len + (i & 3), buf) == 0);
	}
	CHECK(hpcap_raw_writer_close(w, err) == 0);
	return n;
}

/* Offset just past the first k records of a RAW image. */
static size_t rec_end(const uint8_t *b, int k)
{
	size_t off = 0;
	uint16_t cl;

	while (k-- > 0) {
		memcpy(&cl, b + off + 8, 2);
		off += 12 + cl;
	}
	return off;
}

static void path_of(char *p, size_t n, const char *name)
{
	snprintf(p, n, "%s/%s", dir, name);
}

static void write_bytes(const char *name, const void *b, size_t n)
{
	char p[512];
	FILE *f;

	path_of(p, sizeof(p), name);
	f = fopen(p, "wb");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK(fwrite(b, 1, n, f) == n);
	fclose(f);
}

static uint8_t *read_all(const char *p, size_t *n)
{
	FILE *f = fopen(p, "rb");
	uint8_t *b;
	long sz;

	CHECK(f != NULL);
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)sz + 64);
	CHECK(fread(b, 1, (size_t)sz, f) == (size_t)sz);
	fclose(f);
	*n = (size_t)sz;
	return b;
}

/* Good files, directories and every kind of damage. */
static void views(void)
{
	char d1[512], d2[512], one[512], p[512];
	const char *args[8];
	uint8_t *b, pad[12 + 4] = { 0 };
	size_t n;

	path_of(d1, sizeof(d1), "multi");
	mkdir(d1, 0755);
	write_raw(d1, MiB, 6000, 1, 1514);		/* a few files */
	args[0] = d1;
	compare("directory of 1 MiB files", args, 1, 6000, 0);

	path_of(one, sizeof(one), "one.raw");
	write_raw(one, 64ull * MiB, 3000, 2, 9000);	/* jumbo frames */
	args[0] = one;
	compare("one file, jumbo frames", args, 1, 3000, 0);
	args[1] = d1;
	args[2] = one;
	compare("file, directory, file again", args, 3, 12000, 0);

	/* Damage, made from one.raw. */
	b = read_all(one, &n);
	if (!b)
		return;
	write_bytes("cut-hdr.raw", b, rec_end(b, 1) + 5);	/* header cut */
	write_bytes("cut-rec.raw", b, rec_end(b, 2) + 12 + 3);	/* record cut */
	write_bytes("empty.raw", b, 0);
	/* A file that ends on a record boundary without its padding. */
	write_bytes("nopad.raw", b, rec_end(b, 10));
	/* Leading padding, then frames and the closing padding; then junk
	 * after the closing padding. */
	{
		uint8_t *c = malloc(n + 16 + 100);

		pad[8] = 4;
		pad[10] = 4;
		memcpy(c, pad, 16);
		memcpy(c + 16, b, n);
		memcpy(c + 16 + n, "JUNK JUNK JUNK", 14);
		write_bytes("lead.raw", c, 16 + n + 14);
		free(c);
	}
	/* Only a leading padding: complete, no frames. */
	write_bytes("onlypad.raw", pad, 16);
	free(b);

	path_of(p, sizeof(p), "cut-hdr.raw");
	args[0] = p;
	compare("record header cut", args, 1, 1, 1);
	path_of(p, sizeof(p), "cut-rec.raw");
	compare("record cut", args, 1, 2, 1);
	{
		struct view r = { 0 };

		ref_view(args, 1, &r);
		CHECK(r.nerr == 1 && r.err[0] == HPCAP_ERR_TRUNCATED);
		view_free(&r);
	}
	path_of(p, sizeof(p), "empty.raw");
	compare("empty file", args, 1, 0, 1);
	path_of(p, sizeof(p), "nopad.raw");
	compare("no closing padding", args, 1, 10, 1);
	path_of(p, sizeof(p), "lead.raw");
	compare("leading padding, junk after the closing one", args, 1, 3000, 0);
	path_of(p, sizeof(p), "onlypad.raw");
	compare("only a leading padding", args, 1, 0, 0);

	/* Several damaged files in a row, between good ones: every frame
	 * before each error, and the next file after it. */
	{
		char a[6][512];

		path_of(a[0], 512, "cut-hdr.raw");
		snprintf(a[1], 512, "%s/000001.raw", d1);
		path_of(a[2], 512, "nopad.raw");
		path_of(a[3], 512, "no-such-file.raw");
		path_of(a[4], 512, "empty.raw");
		path_of(a[5], 512, "lead.raw");
		for (n = 0; n < 6; n++)
			args[n] = a[n];
		compare("damaged files between good ones", args, 6,
			(size_t)-1, 4);
	}
	/* A directory given, with subdirectories. */
	path_of(d2, sizeof(d2), "multi/sub");
	mkdir(d2, 0755);
	write_raw(d2, MiB, 500, 3, 200);
	args[0] = d1;
	compare("directory with a subdirectory", args, 1, 6500, 0);
}

/* Standard input through a pipe: the buffered reader stands in. */
static void pipe_input(void)
{
	char one[512];
	struct view r = { 0 }, v = { 0 };
	const char *args[1] = { "-" };
	int fds[2], saved;
	pid_t pid;

	path_of(one, sizeof(one), "one.raw");
	args[0] = one;
	ref_view(args, 1, &r);
	CHECK(pipe(fds) == 0);
	pid = fork();
	if (pid == 0) {
		char cmd[600];

		close(fds[0]);
		dup2(fds[1], 1);
		snprintf(cmd, sizeof(cmd), "cat %s", one);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	saved = dup(0);
	dup2(fds[0], 0);
	close(fds[0]);
	args[0] = "-";
	loop_view(args, 1, &v);
	dup2(saved, 0);
	close(saved);
	waitpid(pid, NULL, 0);
	same_view("standard input", &r, &v);
	view_free(&r);
	view_free(&v);
}

/* Large file: the reader unmaps as it goes. */
static long rss_file_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "RssFile: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

struct big {
	unsigned long long frames;
	long max_rss;
	long rss0;
};

static void big_handler(const uint8_t *p, const struct mgmon_pkthdr *h,
			void *arg)
{
	struct big *b = arg;
	long r;

	(void)p;
	(void)h;
	if (++b->frames % 20000 == 0) {
		r = rss_file_kb() - b->rss0;
		if (r > b->max_rss)
			b->max_rss = r;
	}
}

static void large_file(void)
{
	char big[512];
	const char *args[1];
	struct view r = { 0 }, l = { 0 };
	struct big b = { 0 };
	char err[HPCAP_ERRBUF_SIZE];
	struct mgmon *m;

	path_of(big, sizeof(big), "big.raw");
	write_raw(big, 256ull * MiB, 200000, 4, 1514);	/* ~150 MiB */
	args[0] = big;
	ref_view(args, 1, &r);
	loop_view(args, 1, &l);
	CHECK_EQ(r.n, 200000);
	same_view("large file", &r, &l);
	view_free(&r);
	view_free(&l);
	b.rss0 = rss_file_kb();
	CHECK(mgmon_open_offline(&m, args, 1, 0, err) == 0);
	CHECK_EQ(mgmon_loop(m, 0, big_handler, &b), MGMON_END);
	mgmon_close(m);
	CHECK_EQ(b.frames, 200000);
	/* The file is ~150 MiB; what stays mapped is a few MiB. */
	if (b.max_rss > 40 * 1024)
		fprintf(stderr, "RssFile grew by %ld KiB\n", b.max_rss);
	CHECK(b.max_rss <= 40 * 1024);
	unlink(big);
}

/* count, breakloop, resume, mgmon_break(), the HPCAP-style loop. */
struct brk {
	struct mgmon *m;
	unsigned long long n, at;
	int global;
};

static void brk_handler(const uint8_t *p, const struct mgmon_pkthdr *h,
			void *arg)
{
	struct brk *b = arg;

	(void)p;
	(void)h;
	if (++b->n == b->at) {
		if (b->global)
			mgmon_break();
		else
			mgmon_breakloop(b->m);
	}
}

static void loop_rules(void)
{
	char d1[512], err[HPCAP_ERRBUF_SIZE];
	const char *args[1];
	struct mgmon_stats st;
	struct mgmon_pkthdr h;
	struct brk b = { 0 };
	const uint8_t *p;
	const char *f;
	uint64_t off;

	path_of(d1, sizeof(d1), "multi");
	args[0] = d1;
	CHECK(mgmon_open_offline(&b.m, args, 1, 0, err) == 0);
	CHECK(mgmon_file(b.m, NULL) == NULL);
	CHECK_EQ(mgmon_loop(b.m, 100, brk_handler, &b), MGMON_COUNT);
	CHECK_EQ(b.n, 100);
	b.at = 250;
	CHECK_EQ(mgmon_loop(b.m, 0, brk_handler, &b), MGMON_BREAK);
	CHECK_EQ(b.n, 250);
	/* Resumes right after the frame that broke. */
	CHECK_EQ(mgmon_next(b.m, &h, &p, 0), MGMON_FRAME);
	CHECK_EQ(h.ts.tv_nsec, 250 * 1000000u + 1);
	f = mgmon_file(b.m, &off);
	CHECK(f && strstr(f, "000000.raw"));
	b.n = 251;
	b.at = 1000;
	b.global = 1;
	CHECK_EQ(mgmon_loop(b.m, 0, brk_handler, &b), MGMON_BREAK);
	CHECK_EQ(b.n, 1000);
	CHECK_EQ(mgmon_loop(b.m, 0, brk_handler, &b), MGMON_END);
	CHECK_EQ(b.n, 6500);
	mgmon_get_stats(b.m, &st);
	CHECK_EQ(st.frames, 6500);
	CHECK(st.files >= 6);
	CHECK_EQ(st.bad_files, 0);
	mgmon_close(b.m);

	/* The HPCAP-style loop: END, and a break from the handler. */
	memset(&b, 0, sizeof(b));
	CHECK_EQ(mgmon_packet_offline_loop(args, 1, brk_handler, &b), MGMON_END);
	CHECK_EQ(b.n, 6500);
	memset(&b, 0, sizeof(b));
	b.at = 10;
	b.global = 1;
	CHECK_EQ(mgmon_packet_offline_loop(args, 1, brk_handler, &b), MGMON_BREAK);
	CHECK_EQ(b.n, 10);
	{
		char missing[512];
		const char *a2[1] = { missing };

		path_of(missing, sizeof(missing), "nothing-here.raw");
		CHECK_EQ(mgmon_packet_offline_loop(a2, 1, brk_handler, &b), -ENOENT);
		CHECK(strstr(mgmon_loop_error(), "cannot open") != NULL);
	}
	CHECK_EQ(mgmon_open_offline(&b.m, args, 0, 0, err), -EINVAL);
	CHECK_EQ(mgmon_packet_online_loop(-1, 99, 99, brk_handler, &b), -ENOENT);
	CHECK(strstr(mgmon_loop_error(), "hpcap_99_99") != NULL);
}

static void rm_rf(const char *p)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", p);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/test-mgmon-offline.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	setenv("HPCAP_DEV_DIR", dir, 1);
	views();
	pipe_input();
	large_file();
	loop_rules();
	rm_rf(dir);
	return check_report("test_mgmon_offline");
}
