// SPDX-License-Identifier: BSD-3-Clause
/*
 * test_pipeline.c - the capture pipeline's pieces on their own: SHA-256
 * against FIPS 180-4's examples (both code paths), XXH64 against the
 * checksums libzstd writes, the seekable zstd writer against the stock
 * `zstd -d` and its reader's random access, the split decision, file
 * names and atomic completion, the post-hook queue (exactly once per
 * file, bounded, never blocking), and the whole per-frame pipeline.
 * Needs the zstd and sha256sum commands.  Links with srclib/LIBS.
 */
#define _GNU_SOURCE
#include "check.h"
#include "libhpcap_pipeline.h"

#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

static char dir[] = "/tmp/hpcap-pipeline.XXXXXX";
static char errbuf[HPCAP_ERRBUF_SIZE];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int sh(const char *fmt, const char *a, const char *b)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd), fmt, a, b);
	return system(cmd);
}

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void)
{
	return check_rnd(&rng);
}

/* Half text-like, half random: compresses, but not to nothing. */
static void fill(uint8_t *p, size_t n)
{
	static const char words[] = "GET /index.html HTTP/1.1 Host: capture ";
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (i / 512) % 2 ? (uint8_t)rnd() : (uint8_t)words[i % 39];
}

static void digest_hex(const void *p, size_t n, char hex[65])
{
	struct hpcap_sha256 s;
	uint8_t d[32];

	hpcap_sha256_init(&s);
	hpcap_sha256_update(&s, p, n);
	hpcap_sha256_final(&s, d);
	hpcap_sha256_hex(d, hex);
}

static void test_sha256(void)
{
	static const char *abc = "abc",
			  *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	uint8_t *big = malloc(1000000);
	char hex[65], ref[65];
	struct hpcap_sha256 s;
	size_t off = 0;
	uint8_t d[32];

	/* FIPS 180-4 / NIST examples. */
	memset(big, 'a', 1000000);
	digest_hex("", 0, hex);
	CHECK(!strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
	digest_hex(abc, 3, hex);
	CHECK(!strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	digest_hex(two, strlen(two), hex);
	CHECK(!strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
	digest_hex(big, 1000000, hex);
	CHECK(!strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
	/* Any chunking (empty updates too) gives the same digest. */
	fill(big, 1000000);
	digest_hex(big, 999999, ref);
	hpcap_sha256_init(&s);
	while (off < 999999) {
		size_t c = rnd() % 300;

		if (c > 999999 - off)
			c = 999999 - off;
		hpcap_sha256_update(&s, big + off, c);
		off += c;
	}
	hpcap_sha256_final(&s, d);
	hpcap_sha256_hex(d, hex);
	CHECK(!strcmp(hex, ref));
	free(big);
}

static void write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	CHECK(fd >= 0 && write(fd, p, n) == (ssize_t)n);
	close(fd);
}

static void test_xxh64(void)
{
	static const size_t lens[] = { 0, 1, 3, 4, 7, 8, 31, 32, 33, 63, 100,
				       1000, 100003 };
	uint8_t *in = malloc(100003), *out = malloc(ZSTD_compressBound(100003));
	ZSTD_CCtx *c = ZSTD_createCCtx();
	unsigned i;

	CHECK_EQ(hpcap_xxh64("", 0, 0), 0xEF46DB3751D8E999ull);
	fill(in, 100003);
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	/* zstd ends a frame with the low 32 bits of XXH64 of its content. */
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t n = ZSTD_compress2(c, out, ZSTD_compressBound(100003), in,
					  lens[i]);
		uint32_t tail;

		CHECK(!ZSTD_isError(n));
		memcpy(&tail, out + n - 4, 4);
		CHECK_EQ(le32toh(tail), (uint32_t)hpcap_xxh64(in, lens[i], 0));
	}
	/* All 64 bits, against the xxhsum command. */
	{
		char path[256], want[64];

		snprintf(path, sizeof(path), "%s/xxh.bin", dir);
		write_file(path, in, 100003);
		snprintf(want, sizeof(want), "%016llx",
			 (unsigned long long)hpcap_xxh64(in, 100003, 0));
		CHECK(sh("xxhsum -H1 %s | grep -q '^%s '", path, want) == 0);
	}
	ZSTD_freeCCtx(c);
	free(in);
	free(out);
}

static void test_zsk_one(size_t n, int by_units, int no_checksums)
{
	struct hpcap_zsk_opts o = { .level = 3, .frame_size = 64 << 10,
				    .no_checksums = no_checksums };
	struct hpcap_zsk_writer *w;
	struct hpcap_zsk_reader *r;
	char path[256], orig[256];
	uint8_t *data = malloc(n + 1), *buf = malloc(300000);
	size_t off = 0;
	unsigned i;

	fill(data, n);
	snprintf(path, sizeof(path), "%s/z-%zu-%d-%d.zst", dir, n, by_units,
		 no_checksums);
	snprintf(orig, sizeof(orig), "%s/z-%zu.orig", dir, n);
	write_file(orig, data, n);
	CHECK(hpcap_zsk_writer_open(&w, path, &o, errbuf) == 0);
	while (off < n) {
		size_t c = 1 + rnd() % 3000;

		if (c > n - off)
			c = n - off;
		if (by_units) {
			uint8_t *p = hpcap_zsk_reserve(w, c);

			CHECK(p != NULL);
			memcpy(p, data + off, c);
			hpcap_zsk_commit(w, c);
		} else {
			CHECK(hpcap_zsk_write(w, data + off, c) == 0);
		}
		off += c;
	}
	CHECK_EQ(hpcap_zsk_bytes_in(w), n);
	CHECK(hpcap_zsk_writer_close(w, errbuf) == 0);
	/* The stock tool gives back the exact original. */
	CHECK(sh("zstd -q -d -c %s | cmp -s - %s", path, orig) == 0);
	CHECK(hpcap_zsk_reader_open(&r, path, errbuf) == 0);
	if (!r) {
		fprintf(stderr, "%s\n", errbuf);
		return;
	}
	CHECK_EQ(hpcap_zsk_size(r), n);
	CHECK_EQ(hpcap_zsk_has_checksums(r), !no_checksums);
	for (i = 0; i < hpcap_zsk_nframes(r); i++) {
		struct hpcap_zsk_frame f;

		CHECK(hpcap_zsk_frame(r, i, &f) == 0);
		CHECK(f.d_size <= (64u << 10));
		if (!by_units && i + 1 < hpcap_zsk_nframes(r))
			CHECK_EQ(f.d_size, 64u << 10);
	}
	/* Random ranges, and a small read decompresses one frame only. */
	for (i = 0; i < 300 && n; i++) {
		uint64_t a = rnd() % n, len = rnd() % 200000;
		int64_t got = hpcap_zsk_pread(r, buf, len, a);
		uint64_t want = a + len > n ? n - a : len;

		CHECK_EQ(got, want);
		CHECK(got < 0 || memcmp(buf, data + a, (size_t)got) == 0);
	}
	if (n > 200000) {
		uint64_t before = hpcap_zsk_decompressed_frames(r);
		uint32_t fi = hpcap_zsk_frame_at(r, 150000);
		struct hpcap_zsk_frame f;

		hpcap_zsk_frame(r, fi == 0 ? 1 : fi - 1, &f);
		CHECK_EQ(hpcap_zsk_pread(r, buf, 10, f.d_off), 10);
		CHECK_EQ(hpcap_zsk_decompressed_frames(r) - before, 1);
		CHECK(memcmp(buf, data + f.d_off, 10) == 0);
	}
	CHECK_EQ(hpcap_zsk_pread(r, buf, 10, n), 0);
	hpcap_zsk_reader_close(r);
	free(data);
	free(buf);
}

static void corrupt(const char *path, int64_t where, uint8_t x)
{
	int fd = open(path, O_RDWR);
	struct stat st;
	uint8_t b;

	fstat(fd, &st);
	if (where < 0)
		where += st.st_size;
	pread(fd, &b, 1, where);
	b ^= x;
	pwrite(fd, &b, 1, where);
	close(fd);
}

static void test_zsk(void)
{
	struct hpcap_zsk_reader *r;
	char path[256];
	uint8_t buf[64];

	test_zsk_one(0, 0, 0);
	test_zsk_one(1, 0, 0);
	test_zsk_one(65536, 0, 0);
	test_zsk_one(1234567, 0, 0);
	test_zsk_one(1234567, 1, 0);
	test_zsk_one(777777, 0, 1);
	/* Damage is reported, never read as data. */
	snprintf(path, sizeof(path), "%s/z-1234567-0-0.zst", dir);
	corrupt(path, -1, 0x10);	/* seekable magic */
	CHECK_EQ(hpcap_zsk_reader_open(&r, path, errbuf), HPCAP_ERR_FORMAT);
	corrupt(path, -1, 0x10);
	corrupt(path, -5, 0x04);	/* a reserved descriptor bit */
	CHECK_EQ(hpcap_zsk_reader_open(&r, path, errbuf), HPCAP_ERR_FORMAT);
	corrupt(path, -5, 0x04);
	corrupt(path, 5000, 0xff);	/* inside frame 0 */
	CHECK(hpcap_zsk_reader_open(&r, path, errbuf) == 0);
	if (r) {
		CHECK(hpcap_zsk_pread(r, buf, 10, 100) < 0);
		CHECK_EQ(hpcap_zsk_pread(r, buf, 10, 700000), 10);
		hpcap_zsk_reader_close(r);
	}
	snprintf(path, sizeof(path), "%s/z-1234567.orig", dir);
	CHECK(hpcap_zsk_reader_open(&r, path, errbuf) == HPCAP_ERR_FORMAT);
}

static void test_split(void)
{
	const uint64_t S = 1000000000ull;
	struct hpcap_split s;

	hpcap_split_init(&s, 60 * S);
	CHECK_EQ(hpcap_split_frame(&s, 1700000005 * S, 0), 0);
	CHECK_EQ(s.start_ns, 1699999980 * S);	/* on the minute */
	CHECK_EQ(s.end_ns, 1700000040 * S);
	CHECK_EQ(hpcap_split_frame(&s, 1700000039 * S + 999999999, 0), 0);
	CHECK_EQ(hpcap_split_frame(&s, 1700000040 * S, 0), HPCAP_CLOSE_TIME);
	CHECK_EQ(s.start_ns, 1700000040 * S);
	CHECK_EQ(hpcap_split_frame(&s, 1700000001 * S, 0), 0);	/* went back */
	CHECK_EQ(hpcap_split_frame(&s, 1700000050 * S, 1), HPCAP_CLOSE_SIZE);
	CHECK_EQ(s.start_ns, 1700000040 * S);	/* same period */
	CHECK_EQ(hpcap_split_frame(&s, 1700000500 * S, 1), HPCAP_CLOSE_TIME);
	CHECK_EQ(s.start_ns, 1700000460 * S);	/* skips empty periods */
	CHECK(!hpcap_split_idle(&s, 1700000520 * S, S / 2));
	CHECK(hpcap_split_idle(&s, 1700000520 * S + S / 2, S / 2));
	hpcap_split_closed(&s);
	CHECK(!hpcap_split_idle(&s, 1800000000 * S, 0));
	CHECK_EQ(hpcap_split_frame(&s, 1700000600 * S, 1), 0);	/* new file */
	CHECK_EQ(s.start_ns, 1700000580 * S);
	/* After a close, a late frame never opens an earlier period. */
	hpcap_split_closed(&s);
	CHECK_EQ(hpcap_split_frame(&s, 1700000500 * S, 0), 0);
	CHECK_EQ(s.start_ns, 1700000580 * S);
	hpcap_split_closed(&s);
	CHECK_EQ(hpcap_split_frame(&s, 1700000700 * S, 0), 0);
	CHECK_EQ(s.start_ns, 1700000700 * S);
	hpcap_split_init(&s, 0);
	CHECK_EQ(hpcap_split_frame(&s, 5, 1), 0);
	CHECK_EQ(hpcap_split_frame(&s, UINT64_MAX - 1, 0), 0);
	CHECK_EQ(hpcap_split_frame(&s, 7, 1), HPCAP_CLOSE_SIZE);
	CHECK(!hpcap_split_idle(&s, UINT64_MAX, 0));
}

static void test_names(void)
{
	struct hpcap_name_opts o = { .dir = dir, .adapter = 1, .queue = 2,
				     .ext = ".pcap" };
	char out[512], f1[4096], f2[4096];
	int fd1, fd2;

	CHECK(hpcap_name_expand(out, sizeof(out), &o, 1700000000, 3, errbuf) == 0);
	CHECK(!strcmp(out, "1699999200/1700000000_hpcap1_2"));
	o.fmt = "%Y%m%d/%H%M%S_%{adapter}_%{queue}_%{seq}_%%";
	CHECK(hpcap_name_check(o.fmt, errbuf) == 0);
	CHECK(hpcap_name_expand(out, sizeof(out), &o, 1700000000, 3, errbuf) == 0);
	CHECK(!strcmp(out, "20231114/221320_1_2_000003_%"));
	CHECK(hpcap_name_check("a%n", errbuf) == -EINVAL);
	CHECK(hpcap_name_check("%{nope}", errbuf) == -EINVAL);
	CHECK(hpcap_name_check("/abs", errbuf) == -EINVAL);
	CHECK(hpcap_name_check("x/../../y", errbuf) == -EINVAL);
	CHECK(hpcap_name_check("..", errbuf) == -EINVAL);
	CHECK(hpcap_name_check("a%", errbuf) == -EINVAL);
	/* Same second twice: the second file gets _1, both pending. */
	o.fmt = "names/%H%M%S";
	fd1 = hpcap_pending_create(f1, sizeof(f1), &o, 1700000000, 0, 0, errbuf);
	fd2 = hpcap_pending_create(f2, sizeof(f2), &o, 1700000000, 1, 0, errbuf);
	CHECK(fd1 >= 0 && fd2 >= 0);
	snprintf(out, sizeof(out), "%s/names/221320.pcap", dir);
	CHECK(!strcmp(f1, out));
	snprintf(out, sizeof(out), "%s/names/221320_1.pcap", dir);
	CHECK(!strcmp(f2, out));
	CHECK(write(fd1, "hello\n", 6) == 6);
	close(fd1);
	close(fd2);
	CHECK(access(f1, F_OK) < 0);	/* not complete yet */
	CHECK(hpcap_pending_commit(f1, "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03", errbuf) == 0);
	CHECK(access(f1, F_OK) == 0);
	snprintf(out, sizeof(out), "%s/names", dir);
	CHECK(sh("cd %s && sha256sum --quiet -c 221320.pcap.sha256%s", out, "") == 0);
	CHECK(hpcap_pending_commit(f2, NULL, errbuf) == 0);
	/* A finished name is never reused. */
	fd1 = hpcap_pending_create(f1, sizeof(f1), &o, 1700000000, 2, 0, errbuf);
	snprintf(out, sizeof(out), "%s/names/221320_2.pcap", dir);
	CHECK(fd1 >= 0 && !strcmp(f1, out));
	close(fd1);
}

static int count_lines(const char *path, const char *needle)
{
	char line[8192];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += !needle || strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

static void test_hooks(void)
{
	struct hpcap_hook_opts ho = { 0 };
	struct hpcap_file_facts f = { .frames = 7, .bytes = 99,
				      .reason = HPCAP_CLOSE_TIME };
	struct hpcap_hookq *q;
	struct hpcap_hook_event ev;
	char cmd[1024], log[512], hook[512];
	uint64_t started, ok, failed, skipped;
	int i, events = 0, failures = 0, ret;
	double t0;

	snprintf(log, sizeof(log), "%s/hooks.log", dir);
	snprintf(hook, sizeof(hook), "%s/hook.sh", dir);
	{
		FILE *h = fopen(hook, "w");

		fprintf(h, "#!/bin/sh\n"
			   "[ \"$1\" = \"$HPCAP_FILE\" ] || exit 9\n"
			   "sleep \"${SLEEP:-0}\"\n"
			   "echo \"$1 frames=$HPCAP_FILE_FRAMES bytes=$HPCAP_FILE_BYTES reason=$HPCAP_FILE_REASON first=$HPCAP_FILE_FIRST nice=$(nice)\" >> %s\n"
			   "case \"$1\" in *fail*) exit 3;; esac\n", log);
		fclose(h);
	}
	/* Every file once, in order with one at a time. */
	snprintf(cmd, sizeof(cmd), "sh %s", hook);
	ho.cmd = cmd;
	CHECK(hpcap_hookq_open(&q, &ho, errbuf) == 0);
	for (i = 0; i < 5; i++) {
		snprintf(f.path, sizeof(f.path), "%s/file %d 'quoted'.pcap", dir, i);
		CHECK(hpcap_hookq_submit(q, &f) == 0);
	}
	snprintf(f.path, sizeof(f.path), "%s/fail.pcap", dir);
	CHECK(hpcap_hookq_submit(q, &f) == 0);
	CHECK(hpcap_hookq_drain(q, 10000) == 0);
	while (hpcap_hookq_poll(q, &ev)) {
		events++;
		failures += ev.status != 0;
		if (ev.status)
			CHECK_EQ(ev.status, 3);
	}
	CHECK_EQ(events, 6);
	CHECK_EQ(failures, 1);
	CHECK_EQ(count_lines(log, NULL), 6);
	CHECK_EQ(count_lines(log, "frames=7 bytes=99 reason=time first=0.000000000"), 6);
	CHECK_EQ(count_lines(log, "file 3 'quoted'.pcap"), 1);
	hpcap_hookq_counts(q, &started, &ok, &failed, &skipped);
	CHECK_EQ(started, 6);
	CHECK_EQ(ok, 5);
	CHECK_EQ(failed, 1);
	CHECK_EQ(skipped, 0);
	hpcap_hookq_close(q);

	/* A slow hook: 1 running + 2 waiting, the rest skipped, and the
	 * caller never waits. */
	setenv("SLEEP", "0.3", 1);
	unlink(log);
	ho.max_running = 1;
	ho.max_pending = 2;
	CHECK(hpcap_hookq_open(&q, &ho, errbuf) == 0);
	t0 = now_s();
	for (i = 0; i < 6; i++) {
		snprintf(f.path, sizeof(f.path), "%s/slow%d", dir, i);
		ret = hpcap_hookq_submit(q, &f);
		CHECK(ret == (i < 3 ? 0 : -EAGAIN));
	}
	CHECK(now_s() - t0 < 0.25);
	CHECK_EQ(hpcap_hookq_running(q), 1);
	CHECK_EQ(hpcap_hookq_pending(q), 2);
	/* A drain that times out says how many are left. */
	CHECK(hpcap_hookq_drain(q, 100) > 0);
	CHECK(hpcap_hookq_drain(q, 10000) == 0);
	hpcap_hookq_counts(q, &started, &ok, &failed, &skipped);
	CHECK_EQ(started, 3);
	CHECK_EQ(ok, 3);
	CHECK_EQ(skipped, 3);
	CHECK_EQ(count_lines(log, NULL), 3);
	{	/* hooks run 10 steps of nice below their caller (set just
		 * after they start; these slept 0.3 s first) */
		char want[32];
		int prio = getpriority(PRIO_PROCESS, 0) + 10;

		snprintf(want, sizeof(want), "nice=%d", prio > 19 ? 19 : prio);
		CHECK_EQ(count_lines(log, want), 3);
	}
	hpcap_hookq_close(q);
	unsetenv("SLEEP");

	/* A command that cannot run is reported by its status (127). */
	ho.cmd = "/nonexistent/hook";
	CHECK(hpcap_hookq_open(&q, &ho, errbuf) == 0);
	CHECK(hpcap_hookq_submit(q, &f) == 0);
	CHECK(hpcap_hookq_drain(q, 10000) == 0);
	CHECK(hpcap_hookq_poll(q, &ev) == 1 && ev.status == 127);
	hpcap_hookq_close(q);
}

/* Read back a pipeline's files (RAW or pcap, maybe .zst), checking each
 * frame against the generator; returns frames seen. */
struct gen {
	uint32_t sec, nsec, caplen;
};

static struct gen frames_in[20000];
static unsigned nframes_in;

static uint8_t frame_byte(unsigned i, unsigned k)
{
	return (uint8_t)(i * 31 + k);
}

static int load_file(const char *path, uint8_t **data, size_t *n)
{
	size_t len = strlen(path);

	if (len > 4 && !strcmp(path + len - 4, ".zst")) {
		struct hpcap_zsk_reader *r;

		if (hpcap_zsk_reader_open(&r, path, errbuf))
			return -1;
		*n = hpcap_zsk_size(r);
		*data = malloc(*n + 1);
		CHECK_EQ(hpcap_zsk_pread(r, *data, *n, 0), *n);
		hpcap_zsk_reader_close(r);
	} else {
		struct stat st;
		int fd = open(path, O_RDONLY);

		if (fd < 0 || fstat(fd, &st))
			return -1;
		*n = (size_t)st.st_size;
		*data = malloc(*n + 1);
		CHECK(read(fd, *data, *n) == (ssize_t)*n);
		close(fd);
	}
	return 0;
}

static unsigned check_file(const char *path, enum hpcap_out_format fmt,
			   unsigned next, uint64_t period_ns)
{
	uint8_t *d;
	size_t n, off;
	unsigned got = 0;
	uint64_t period = UINT64_MAX;
	uint32_t u32;

	if (load_file(path, &d, &n)) {
		CHECK(!"file readable");
		return 0;
	}
	off = fmt == HPCAP_OUT_RAW ? 0 : fmt == HPCAP_OUT_PCAP ? 24 : 60;
	if (fmt == HPCAP_OUT_PCAP) {
		memcpy(&u32, d, 4);
		CHECK_EQ(le32toh(u32), 0xa1b23c4du);
	}
	for (;;) {
		uint32_t sec, nsec, caplen, hl, k;

		if (fmt == HPCAP_OUT_RAW) {
			struct hpcap_raw_hdr h;

			if (off + 12 > n)
				break;
			memcpy(&h, d + off, 12);
			sec = le32toh(h.sec);
			nsec = le32toh(h.nsec);
			caplen = le16toh(h.caplen);
			hl = 12;
			if (!sec && !nsec) {	/* closing padding */
				CHECK_EQ(off + 12 + caplen, n);
				break;
			}
		} else if (fmt == HPCAP_OUT_PCAP) {
			if (off + 16 > n)
				break;
			memcpy(&sec, d + off, 4);
			memcpy(&nsec, d + off + 4, 4);
			memcpy(&caplen, d + off + 8, 4);
			hl = 16;
		} else {
			uint64_t ts;

			if (off + 32 > n)
				break;
			memcpy(&u32, d + off + 12, 4);
			ts = (uint64_t)u32 << 32;
			memcpy(&u32, d + off + 16, 4);
			ts |= u32;
			sec = (uint32_t)(ts / 1000000000u);
			nsec = (uint32_t)(ts % 1000000000u);
			memcpy(&caplen, d + off + 20, 4);
			hl = 28;
		}
		if (next + got >= nframes_in) {
			CHECK(!"more frames than written");
			break;
		}
		CHECK_EQ(sec, frames_in[next + got].sec);
		CHECK_EQ(nsec, frames_in[next + got].nsec);
		CHECK_EQ(caplen, frames_in[next + got].caplen);
		for (k = 0; k < caplen; k++)
			if (d[off + hl + k] != frame_byte(next + got, k)) {
				CHECK(!"frame bytes");
				break;
			}
		if (period_ns) {
			uint64_t ts = (uint64_t)sec * 1000000000u + nsec;

			if (period == UINT64_MAX)
				period = ts / period_ns;
			CHECK_EQ(ts / period_ns, period);
		}
		off += fmt == HPCAP_OUT_PCAPNG ? 32 + ((caplen + 3) & ~3u)
					       : hl + caplen;
		got++;
	}
	if (fmt != HPCAP_OUT_RAW)
		CHECK_EQ(off, n);
	free(d);
	return got;
}

static unsigned pipe_files;
static unsigned pipe_reasons[8];
static char pipe_names[64][4096];

static void on_file(void *arg, const struct hpcap_file_facts *f, int hook_err)
{
	(void)arg;
	CHECK_EQ(hook_err, 0);
	CHECK(access(f->path, F_OK) == 0);
	if (pipe_files < 64)
		snprintf(pipe_names[pipe_files], 4096, "%s", f->path);
	pipe_reasons[f->reason & 7]++;
	pipe_files++;
}

static void test_pipe_one(enum hpcap_out_format fmt, int zstd, uint64_t split_ns,
			  uint64_t split_bytes, const char *sub)
{
	struct hpcap_pipe_opts o = { 0 };
	struct hpcap_hook_opts ho = { 0 };
	struct hpcap_hookq *q;
	struct hpcap_pipe *p;
	char out[512], cmd[1024], log[600];
	uint8_t data[2000];
	unsigned i, k, seen = 0;

	snprintf(out, sizeof(out), "%s/%s", dir, sub);
	mkdir(out, 0755);
	snprintf(log, sizeof(log), "%s.hooks", out);
	snprintf(cmd, sizeof(cmd), "echo \"$HPCAP_FILE_FRAMES\" >> %s; echo >/dev/null", log);
	ho.cmd = cmd;
	ho.max_pending = 64;
	CHECK(hpcap_hookq_open(&q, &ho, errbuf) == 0);
	o.names.dir = out;
	o.names.fmt = "%H%M%S";
	o.format = fmt;
	o.zstd = zstd;
	o.zsk.frame_size = 16 << 10;
	o.sha256 = 1;
	o.split_ns = split_ns;
	o.split_bytes = split_bytes;
	o.raw_file_size = 1 << 20;
	o.hooks = q;
	CHECK(hpcap_pipe_open(&p, &o, errbuf) == 0);
	hpcap_pipe_on_file(p, on_file, NULL);
	pipe_files = 0;
	memset(pipe_reasons, 0, sizeof(pipe_reasons));
	for (i = 0; i < nframes_in; i++) {
		for (k = 0; k < frames_in[i].caplen; k++)
			data[k] = frame_byte(i, k);
		CHECK(hpcap_pipe_put(p, frames_in[i].sec, frames_in[i].nsec,
				     frames_in[i].caplen, frames_in[i].caplen + 4,
				     data) == 0);
	}
	CHECK(hpcap_pipe_close(p, errbuf) == 0);
	CHECK(hpcap_hookq_drain(q, 10000) == 0);
	hpcap_hookq_close(q);
	/* Files in creation order hold every frame once, in order; each
	 * is in its period; hooks ran once per file; sidecars verify. */
	CHECK(pipe_files > 1 && pipe_files <= 64);
	for (i = 0; i < pipe_files && i < 64; i++) {
		unsigned got = check_file(pipe_names[i], fmt, seen, split_ns);

		CHECK(got > 0);
		seen += got;
		if (split_bytes && !zstd) {
			struct stat st;

			CHECK(stat(pipe_names[i], &st) == 0 &&
			      (uint64_t)st.st_size <= split_bytes);
		}
	}
	CHECK_EQ(seen, nframes_in);
	CHECK_EQ(pipe_reasons[HPCAP_CLOSE_END], 1);
	CHECK_EQ(count_lines(log, NULL), pipe_files);
	CHECK(sh("cd %s && sha256sum --quiet -c *.sha256%s", out, "") == 0);
	CHECK(sh("test -z \"$(find %s -name '*.pending')\"%s", out, "") == 0);
	if (zstd)	/* the stock tool reads each file too */
		CHECK(sh("cd %s && for f in *.zst; do zstd -q -t \"$f\" || exit 1; done%s", out, "") == 0);
}

static void test_pipe(void)
{
	uint64_t t = 1700000000ull * 1000000000u + 999000000u;
	unsigned i;

	/* 12000 frames over ~3.6 s, 60-1514 bytes. */
	nframes_in = 12000;
	for (i = 0; i < nframes_in; i++) {
		t += 300000 + rnd() % 1000;
		frames_in[i].sec = (uint32_t)(t / 1000000000u);
		frames_in[i].nsec = (uint32_t)(t % 1000000000u);
		frames_in[i].caplen = 60 + (uint32_t)(rnd() % 1455);
	}
	test_pipe_one(HPCAP_OUT_RAW, 0, 1000000000ull, 0, "raw-1s");
	CHECK_EQ(pipe_reasons[HPCAP_CLOSE_TIME], 4);
	test_pipe_one(HPCAP_OUT_PCAP, 1, 1000000000ull, 0, "pcap-zst-1s");
	CHECK_EQ(pipe_files, 5);
	test_pipe_one(HPCAP_OUT_PCAPNG, 0, 0, 1 << 20, "pcapng-1M");
	CHECK(pipe_reasons[HPCAP_CLOSE_SIZE] >= 7);
	test_pipe_one(HPCAP_OUT_RAW, 1, 2000000000ull, 3 << 20, "raw-zst-2s-3M");
	test_pipe_one(HPCAP_OUT_RAW, 0, 0, 0, "raw-slices");
	CHECK(pipe_reasons[HPCAP_CLOSE_SLICE] >= 7);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_sha256();
	test_xxh64();
	test_zsk();
	test_split();
	test_names();
	test_hooks();
	test_pipe();
	if (!check_failures)
		sh("rm -rf %s%s", dir, "");
	else
		fprintf(stderr, "test files kept in %s\n", dir);
	return check_report("test_pipeline");
}
