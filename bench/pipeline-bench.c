// SPDX-License-Identifier: BSD-3-Clause
/*
 * pipeline-bench - the capture pipeline's costs on the host (part of
 * `make bench`, run by bench/pipeline-bench.bash):
 *
 *   pipeline-bench gen OUT.pcap MiB
 *       write a "realistic" nanosecond pcap: a mix, by bytes, of
 *       encrypted payloads (TLS/QUIC: random bytes), plain text (HTTP
 *       headers, DNS names, logs), pure TCP ACKs and small UDP (DNS, NTP),
 *       over 4096 flows with increasing sequence numbers and 10 GbE
 *       timestamps; what compresses is headers and text, not payloads.
 *   pipeline-bench zstd IN LEVEL [FRAME]
 *       compress IN in memory with the seekable writer (to /dev/null) and
 *       as one plain zstd stream at the same level, single-threaded; then
 *       time random 1500-byte reads through the seekable reader.
 *       Prints "key value" lines.
 *   pipeline-bench pipe IN.raw OUTDIR CONFIG
 *       feed the frames of a RAW file through hpcap_pipe (CONFIG: pcap,
 *       pcapng, raw, pcap+zstd1, pcap+zstd3, pcap+sha256, pcap+bpf,
 *       raw+split; "+tN" compresses on N zstd threads, e.g.
 *       pcap+zstd1+t2) and print seconds, frames and bytes.
 *   pipeline-bench copier IN.raw OUTDIR plain|sha256 WORKERS
 *       hpcapdd's block copier alone (no queue, no producer): the RAW file
 *       mapped as if it were the capture buffer, handed over in windows of
 *       32 MiB ending on records, written to OUTDIR with O_DIRECT, with or
 *       without --sha256 and its hashing thread; prints seconds and bytes.
 */
#define _GNU_SOURCE
#include "hpcap_record.h"
#include "libhpcap_pipeline.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rs = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return rs * 0x2545f4914f6cdd1dull;
}

static void be16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	be16(p, v >> 16);
	be16(p + 2, v & 0xffff);
}

static const char *const text[] = {
	"GET /api/v2/items?id=%u HTTP/1.1\r\nHost: shop.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nAccept: application/json\r\nCookie: session=%08x\r\n\r\n",
	"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %u\r\nCache-Control: no-cache\r\nX-Request-Id: %08x\r\n\r\n{\"items\":[{\"id\":1,\"name\":\"widget\",\"price\":9.99}]}",
	"<134>1 2026-11-22T10:00:%02u.000Z web%u nginx - - - 10.1.2.3 - - \"GET /index.html HTTP/1.1\" 200 5120 \"-\" \"curl/7.88\"\n",
};

struct flow {
	uint32_t src, dst, seq;
	uint16_t sport, dport;
	uint8_t kind;	/* 0 tls, 1 http, 2 dns, 3 syslog */
};

static int gen(const char *out, unsigned mib)
{
	static struct flow fl[4096];
	uint8_t f[1600];
	uint64_t t = 1700000000ull * 1000000000u, total = 0,
		 want = (uint64_t)mib << 20;
	struct hpcap_pcap_writer *w;
	char err[HPCAP_ERRBUF_SIZE];
	unsigned i;

	for (i = 0; i < 4096; i++) {
		fl[i].src = 0x0a000000u | (uint32_t)(rnd() & 0xffff);
		fl[i].dst = 0xc0a80000u | (uint32_t)(rnd() & 0xff);
		fl[i].sport = (uint16_t)(32768 + rnd() % 28000);
		fl[i].kind = (uint8_t)(rnd() % 100 < 70 ? 0 : rnd() % 3 + 1);
		fl[i].dport = fl[i].kind == 0 ? 443 : fl[i].kind == 1 ? 80
			      : fl[i].kind == 2 ? 53 : 514;
		fl[i].seq = (uint32_t)rnd();
	}
	if (hpcap_pcap_open(&w, out, HPCAP_PCAP_NSEC, 65535, err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	while (total < want) {
		struct flow *x = &fl[rnd() % 4096];
		unsigned len, pl = 0, hl = 14 + 20 + (x->kind == 0 || x->kind == 1 ? 32 : 8);
		int ack = x->kind <= 1 && rnd() % 3 == 0;

		memset(f, 0, hl);
		f[0] = 0x00, f[1] = 0x1b, f[2] = 0x21, f[5] = (uint8_t)(x->dst & 0xff);
		f[6] = 0x3c, f[7] = 0xfd, f[8] = 0xfe, f[11] = (uint8_t)(x->src & 0xff);
		be16(f + 12, 0x0800);
		if (ack)
			pl = 0;
		else if (x->kind == 0)
			pl = rnd() % 4 ? 1448 : 100 + (unsigned)(rnd() % 1300);
		else if (x->kind == 1)
			pl = (unsigned)snprintf((char *)f + hl, sizeof(f) - hl,
						text[rnd() % 2], (unsigned)(rnd() % 100000),
						(unsigned)rnd());
		else if (x->kind == 2) {	/* a DNS query or answer */
			static const char *const names[] = {
				"\x03" "www" "\x07" "example" "\x03" "com",
				"\x04" "mail" "\x06" "google" "\x03" "com",
				"\x03" "cdn" "\x0a" "cloudflare" "\x03" "net",
				"\x03" "api" "\x06" "github" "\x03" "com",
			};
			const char *nm = names[rnd() % 4];

			be16(f + hl, (unsigned)rnd());
			be16(f + hl + 2, rnd() % 2 ? 0x0100 : 0x8180);
			be16(f + hl + 4, 1);
			memcpy(f + hl + 12, nm, strlen(nm) + 1);
			pl = 12 + (unsigned)strlen(nm) + 5 + (unsigned)(rnd() % 2) * 16;
		} else
			pl = (unsigned)snprintf((char *)f + hl, sizeof(f) - hl,
						text[2], (unsigned)(rnd() % 60),
						(unsigned)(rnd() % 8));
		if (x->kind == 0 && !ack)
			for (i = 0; i < pl; i += 8) {
				uint64_t v = rnd();

				memcpy(f + hl + i, &v, 8);
			}
		len = hl + pl;
		if (len < 60)
			len = 60;
		/* IPv4 and TCP or UDP headers. */
		f[14] = 0x45;
		be16(f + 16, len - 14);
		be16(f + 18, (unsigned)rnd());
		f[20] = 0x40;
		f[22] = 64;
		f[23] = x->kind <= 1 ? 6 : 17;
		be32(f + 26, x->src);
		be32(f + 30, x->dst);
		be16(f + 24, (unsigned)rnd());	/* checksum: varies */
		be16(f + 34, x->sport);
		be16(f + 36, x->dport);
		if (x->kind <= 1) {
			be32(f + 38, x->seq);
			be32(f + 42, (uint32_t)rnd());
			f[46] = 0x80;
			f[47] = ack ? 0x10 : 0x18;
			be16(f + 48, 501);
			f[54] = 1, f[55] = 1, f[56] = 8, f[57] = 10;
			be32(f + 58, (uint32_t)(t / 1000000));
			x->seq += pl;
		} else {
			be16(f + 38, len - 34);
		}
		t += (uint64_t)(len + 24) * 8 / 10 + rnd() % 400;
		if (hpcap_pcap_write(w, (uint32_t)(t / 1000000000u),
				     (uint32_t)(t % 1000000000u), len, len, f) < 0)
			return 1;
		total += 16 + len;
	}
	return hpcap_pcap_close(w, err) < 0;
}

static uint8_t *map_file(const char *path, size_t *n)
{
	struct stat st;
	int fd = open(path, O_RDONLY);
	void *p;

	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(path);
		exit(1);
	}
	*n = (size_t)st.st_size;
	p = mmap(NULL, *n, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

static int zstd_bench(const char *in, int level, uint32_t frame)
{
	struct hpcap_zsk_opts o = { .level = level, .frame_size = frame };
	struct hpcap_zsk_writer *w;
	struct hpcap_zsk_reader *r;
	char err[HPCAP_ERRBUF_SIZE], tmp[] = "/dev/shm/pipeline-bench.XXXXXX";
	size_t n, off, cap;
	uint8_t *d = map_file(in, &n), *out, buf[1500];
	ZSTD_CCtx *c = ZSTD_createCCtx();
	double t0, t_seek, t_plain, t_rand, t_whole;
	size_t plain;
	unsigned i;
	int fd;

	fd = mkstemp(tmp);
	close(fd);
	/* Seekable, into a tmpfs file (what a reader then opens). */
	t0 = now();
	if (hpcap_zsk_writer_open(&w, tmp, &o, err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	for (off = 0; off < n; off += 65536)
		hpcap_zsk_write(w, d + off, n - off < 65536 ? n - off : 65536);
	if (hpcap_zsk_writer_close(w, err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	t_seek = now() - t0;
	/* Plain: one zstd stream, same level, one thread, in memory. */
	cap = ZSTD_compressBound(n);
	out = malloc(cap);
	ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	t0 = now();
	{
		ZSTD_outBuffer ob = { out, cap, 0 };
		ZSTD_inBuffer ib = { d, n, 0 };

		while (ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_end) != 0)
			;
		plain = ob.pos;
	}
	t_plain = now() - t0;
	/* Random reads: 1000 ranges of 1500 bytes through the seek table,
	 * against decompressing the plain stream whole (what a plain .zst
	 * needs to reach its middle, on average its half). */
	if (hpcap_zsk_reader_open(&r, tmp, err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	t0 = now();
	for (i = 0; i < 1000; i++)
		if (hpcap_zsk_pread(r, buf, sizeof(buf), rnd() % n) < 0)
			return 1;
	t_rand = (now() - t0) / 1000;
	{
		uint8_t *back = malloc(n);

		t0 = now();
		if (ZSTD_decompress(back, n, out, plain) != n)
			return 1;
		t_whole = now() - t0;
		free(back);
	}
	{
		struct stat st;

		stat(tmp, &st);
		printf("input_bytes %zu\n", n);
		printf("seek_bytes %lld\n", (long long)st.st_size);
		printf("seek_frames %u\n", hpcap_zsk_nframes(r));
		printf("seek_seconds %.4f\n", t_seek);
		printf("plain_bytes %zu\n", plain);
		printf("plain_seconds %.4f\n", t_plain);
		printf("random_read_ms %.3f\n", t_rand * 1e3);
		printf("whole_decompress_ms %.1f\n", t_whole * 1e3);
	}
	hpcap_zsk_reader_close(r);
	unlink(tmp);
	ZSTD_freeCCtx(c);
	free(out);
	return 0;
}

static int pipe_bench(const char *in, const char *dir, const char *cfg)
{
	struct hpcap_pipe_opts o = { 0 };
	struct hpcap_raw_reader *r;
	struct hpcap_raw_record rec;
	struct hpcap_pipe *p;
	struct hpcap_bpf *bpf = NULL;
	char err[HPCAP_ERRBUF_SIZE];
	uint64_t frames = 0, kept = 0;
	double t0, t;
	int st;

	o.names.dir = dir;
	o.names.fmt = "%{seq}";
	o.format = strncmp(cfg, "pcapng", 6) == 0 ? HPCAP_OUT_PCAPNG
		   : strncmp(cfg, "raw", 3) == 0 ? HPCAP_OUT_RAW : HPCAP_OUT_PCAP;
	o.split_bytes = 256ull << 20;
	if (strstr(cfg, "zstd1"))
		o.zstd = 1, o.zsk.level = 1;
	if (strstr(cfg, "zstd3"))
		o.zstd = 1, o.zsk.level = 3;
	if (strstr(cfg, "+t"))
		o.zsk.threads = (unsigned)atoi(strstr(cfg, "+t") + 2);
	if (strstr(cfg, "sha256"))
		o.sha256 = 1;
	if (strstr(cfg, "split"))
		o.split_ns = 10000000ull;	/* 10 ms of capture time */
	if (strstr(cfg, "bpf") &&
	    hpcap_bpf_compile(&bpf, "tcp or udp port 53", 65535, err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (hpcap_pipe_open(&p, &o, err) < 0 ||
	    hpcap_raw_open(&r, in, 0, err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	t0 = now();
	while ((st = hpcap_raw_next(r, &rec)) == HPCAP_RAW_FRAME) {
		frames++;
		if (bpf && !hpcap_bpf_match(bpf, rec.data, rec.caplen, rec.len))
			continue;
		kept++;
		if (hpcap_pipe_put(p, rec.sec, rec.nsec, rec.caplen, rec.len,
				   rec.data) < 0) {
			fprintf(stderr, "%s\n", hpcap_pipe_geterr(p));
			return 1;
		}
	}
	if (hpcap_pipe_close(p, err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	t = now() - t0;
	printf("%s seconds %.4f frames %llu kept %llu bytes %llu\n", cfg, t,
	       (unsigned long long)frames, (unsigned long long)kept,
	       (unsigned long long)hpcap_raw_file_size(r));
	hpcap_raw_close(r);
	hpcap_bpf_free(bpf);
	return 0;
}

static int copier_bench(const char *in, const char *dir, const char *how,
			unsigned workers)
{
	struct hpcap_copier_opts o = { .pipeline = 1 };
	struct hpcap_copier *c;
	char err[HPCAP_ERRBUF_SIZE];
	uint64_t end = 0;
	size_t n;
	uint8_t *m = map_file(in, &n);
	double t0, t;
	int st = 0;

	o.pipe.names.dir = dir;
	o.pipe.names.fmt = "%{seq}";
	o.pipe.direct = 1;
	o.pipe.sha256 = !strcmp(how, "sha256");
	o.pipe.workers = workers;
	/* The stream is the frames: a RAW file ends with a padding record
	 * of its own, which a producer puts only where a slice ends. */
	for (end = 0; end < n && hpcap_rec_is_frame(m + end);)
		end += hpcap_rec_size(m + end);
	n = end;
	end = 0;
	o.file_size = (n + (1u << 20)) & ~((uint64_t)(1u << 20) - 1);
	if (hpcap_copier_open(&c, &o, 0, err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	t0 = now();
	while (end < n && st == 0) {
		uint64_t want = end + (32u << 20);

		while (end < n && end + hpcap_rec_size(m + end) <= want)
			end += hpcap_rec_size(m + end);
		st = hpcap_copier_write(c, m, 0, end, 0, 0);
	}
	if (st == 0)
		st = hpcap_copier_write(c, m, 0, n, 1, 0);
	if (st < 0) {
		fprintf(stderr, "%s\n", hpcap_copier_geterr(c));
		return 1;
	}
	hpcap_copier_close(c);
	t = now() - t0;
	printf("copier-%s-w%u seconds %.4f bytes %zu\n", how, workers, t, n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "gen"))
		return gen(argv[2], (unsigned)atoi(argv[3]));
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "zstd"))
		return zstd_bench(argv[2], atoi(argv[3]),
				  argc == 5 ? (uint32_t)atoi(argv[4]) : 0);
	if (argc == 5 && !strcmp(argv[1], "pipe"))
		return pipe_bench(argv[2], argv[3], argv[4]);
	if (argc == 6 && !strcmp(argv[1], "copier"))
		return copier_bench(argv[2], argv[3], argv[4],
				    (unsigned)atoi(argv[5]));
	fprintf(stderr, "usage: pipeline-bench gen OUT.pcap MiB | zstd IN LEVEL [FRAME] | pipe IN.raw OUTDIR CONFIG | copier IN.raw OUTDIR plain|sha256 WORKERS\n");
	return 2;
}
