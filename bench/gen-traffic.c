// SPDX-License-Identifier: BSD-3-Clause
/*
 * gen-traffic - write a deterministic IMIX capture as one hpcap RAW file
 * (through libhpcap's RAW writer) and, optionally, the same frames as a
 * nanosecond pcap (through libhpcap's pcap writer), for the benchmarks.
 *
 *   gen-traffic [-s MiB] [-p out.pcap] [-S seed] out.raw
 *
 * Traffic model (simple IMIX, 7:4:1 by count):
 *   - frame sizes 64, 594 and 1518 bytes (caplen == len, the bytes stored
 *     in the capture; FCS not included), in a fixed 12-slot cycle
 *     64 594 64 64 1518 64 594 64 64 594 64 594 : 7 x 64, 4 x 594,
 *     1 x 1518, i.e. 361.8 bytes per frame on average;
 *   - Ethernet II / IPv4 (valid header checksum, DF, TTL 64, increasing
 *     IP id) / UDP (checksum 0), one of 65536 flows per frame chosen by a
 *     seeded xorshift generator: varying MACs, 10.0.0.0/8 sources,
 *     192.168.0.0/16 destinations, ephemeral source ports and a handful of
 *     common destination ports; pseudo-random payload bytes;
 *   - timestamps start at 1700000000.000000000 and grow by the frame's
 *     10 Gb/s wire time (frame + 24 bytes of preamble, FCS and gap) plus
 *     0..255 ns of jitter: strictly increasing nanoseconds.
 *
 * The RAW file is framed exactly like one capture file of the module: it is
 * filled with frames until the next one would not fit with a closing
 * padding record, then padded to exactly the requested size (a multiple of
 * 1 MiB, so of the 4 KiB the format needs).  The writer does that framing
 * itself: it writes into a scratch directory <out.raw>.parts/, the frame
 * that does not fit goes on to 000001.raw (then deleted, and left out of
 * the pcap), and 000000.raw becomes out.raw.  Same seed, same size: same
 * bytes, on any machine.
 *
 * On stdout, one line: "frames=N caplen_bytes=B raw_bytes=R pcap_bytes=P".
 */
#define _GNU_SOURCE
#include "libhpcap.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define START_SEC 1700000000u
#define NFLOWS 65536u
#define PAYLOAD_POOL (64u << 10)

static const uint16_t imix_cycle[12] = {
	64, 594, 64, 64, 1518, 64, 594, 64, 64, 594, 64, 594,
};

static const uint16_t dports[8] = { 53, 123, 443, 4789, 5060, 8080, 161, 514 };

static uint64_t rng_state;

/* xorshift64*: fast, deterministic, good enough for traffic shapes. */
static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static void put16be(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t ip_checksum(const uint8_t *h, size_t n)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Per-flow addresses, derived from the flow number (no tables needed). */
static void build_headers(uint8_t *f, uint32_t flow, uint16_t frame_len,
			  uint16_t ip_id)
{
	uint32_t h = flow * 2654435761u; /* Knuth's multiplicative hash */
	uint8_t *ip = f + 14, *udp = f + 34;

	/* Ethernet: locally administered unicast MACs. */
	f[0] = 0x02; f[1] = 0x00;
	put32be(f + 2, 0x0a000000u | (h & 0xffffff));
	f[6] = 0x02; f[7] = 0x01;
	put32be(f + 8, 0x0b000000u | ((h >> 8) & 0xffffff));
	put16be(f + 12, 0x0800);

	/* IPv4, 20-byte header. */
	ip[0] = 0x45;
	ip[1] = 0;
	put16be(ip + 2, (uint16_t)(frame_len - 14));
	put16be(ip + 4, ip_id);
	put16be(ip + 6, 0x4000);	/* DF */
	ip[8] = 64;
	ip[9] = 17;			/* UDP */
	put16be(ip + 10, 0);
	put32be(ip + 12, 0x0a000000u | (flow * 40503u & 0xffffff));
	put32be(ip + 16, 0xc0a80000u | ((flow >> 4 ^ flow * 7u) & 0xffff));
	put16be(ip + 10, ip_checksum(ip, 20));

	/* UDP. */
	put16be(udp, (uint16_t)(32768u + (h >> 17 & 0x7fff)));
	put16be(udp + 2, dports[flow & 7]);
	put16be(udp + 4, (uint16_t)(frame_len - 34));
	put16be(udp + 6, 0);
}

static void usage(const char *prog, FILE *to)
{
	fprintf(to,
		"Usage: %s [-s MiB] [-p out.pcap] [-S seed] out.raw\n"
		"\n"
		"Write a deterministic IMIX capture (7:4:1 frames of 64/594/1518 bytes,\n"
		"Ethernet/IPv4/UDP, increasing nanosecond stamps) as one hpcap RAW file of\n"
		"exactly MiB mebibytes, and optionally the same frames as nanosecond pcap.\n"
		"\n"
		"  -s, --size MiB     RAW file size in MiB (default 2048, one file)\n"
		"  -p, --pcap FILE    also write the frames as nanosecond pcap\n"
		"  -S, --seed N       generator seed (default 1)\n"
		"  -h, --help         this help\n",
		prog);
}

static uint64_t parse_u64(const char *prog, const char *what, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-') {
		fprintf(stderr, "%s: bad %s '%s'\n", prog, what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "pcap", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prog = argv[0], *raw_path, *pcap_path = NULL;
	char parts[4096], part0[4200], part1[4200];
	uint64_t mib = 2048, seed = 1, file_size, pos = 0, frames = 0;
	uint64_t caplen_bytes = 0, ts, pcap_bytes = 0;
	struct hpcap_raw_writer_opts wo = { 0 };
	struct hpcap_raw_writer *rw;
	struct hpcap_pcap_writer *pw = NULL;
	char errbuf[HPCAP_ERRBUF_SIZE];
	uint8_t *pool, frame[1518];
	uint16_t ip_id = 0;
	unsigned slot = 0, nfiles;
	struct stat st;
	size_t i;
	int c, err;

	while ((c = getopt_long(argc, argv, "s:p:S:h", lopts, NULL)) != -1) {
		switch (c) {
		case 's': mib = parse_u64(prog, "size", optarg); break;
		case 'p': pcap_path = optarg; break;
		case 'S': seed = parse_u64(prog, "seed", optarg); break;
		case 'h': usage(prog, stdout); return 0;
		default: usage(prog, stderr); return 2;
		}
	}
	if (argc - optind != 1) {
		usage(prog, stderr);
		return 2;
	}
	if (mib < 1 || mib > (1u << 20)) {
		fprintf(stderr, "%s: size must be 1..1048576 MiB\n", prog);
		return 2;
	}
	raw_path = argv[optind];
	file_size = mib << 20;
	rng_state = seed * 0x9e3779b97f4a7c15ull + 0x1234567u;
	if (!rng_state)
		rng_state = 1;

	/* Payload bytes come from a pseudo-random pool, at varying offsets. */
	pool = malloc(PAYLOAD_POOL + sizeof(frame));
	if (!pool) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 1;
	}
	for (i = 0; i + 8 <= PAYLOAD_POOL + sizeof(frame); i += 8) {
		uint64_t v = rnd();

		memcpy(pool + i, &v, 8);
	}

	if ((size_t)snprintf(parts, sizeof(parts), "%s.parts", raw_path) >=
	    sizeof(parts)) {
		fprintf(stderr, "%s: output path too long\n", prog);
		return 2;
	}
	snprintf(part0, sizeof(part0), "%s/000000.raw", parts);
	snprintf(part1, sizeof(part1), "%s/000001.raw", parts);
	unlink(part0);
	unlink(part1);
	if (mkdir(parts, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "%s: cannot create %s: %s\n", prog, parts,
			strerror(errno));
		return 1;
	}
	wo.file_size = file_size;
	if (hpcap_raw_writer_open(&rw, parts, &wo, errbuf) < 0) {
		fprintf(stderr, "%s: %s\n", prog, errbuf);
		return 1;
	}
	if (pcap_path &&
	    hpcap_pcap_open(&pw, pcap_path, HPCAP_PCAP_NSEC, 65535, errbuf) < 0) {
		fprintf(stderr, "%s: %s\n", prog, errbuf);
		hpcap_raw_writer_close(rw, NULL);
		return 1;
	}

	ts = (uint64_t)START_SEC * HPCAP_NSEC_PER_SEC;
	for (;;) {
		uint16_t len = imix_cycle[slot];
		uint64_t r = rnd();
		uint32_t sec, nsec;

		/* The first frame that does not fit (with room for a closing
		 * padding) makes the writer pad and close the first file. */
		int last = pos + HPCAP_RAW_HDR_LEN + len + HPCAP_RAW_HDR_LEN >
			   file_size;

		slot = (slot + 1) % 12;
		memcpy(frame + 42, pool + (r >> 48) % PAYLOAD_POOL, len - 42u);
		build_headers(frame, (uint32_t)(r & (NFLOWS - 1)), len, ip_id++);
		sec = (uint32_t)(ts / HPCAP_NSEC_PER_SEC);
		nsec = (uint32_t)(ts % HPCAP_NSEC_PER_SEC);
		err = hpcap_raw_writer_put(rw, sec, nsec, len, len, frame);
		if (err < 0) {
			fprintf(stderr, "%s: %s\n", prog, hpcap_raw_writer_geterr(rw));
			return 1;
		}
		if (last)
			break;
		if (pw && hpcap_pcap_write(pw, sec, nsec, len, len, frame) < 0) {
			fprintf(stderr, "%s: %s\n", prog, hpcap_pcap_geterr(pw));
			return 1;
		}
		pos += HPCAP_RAW_HDR_LEN + len;
		frames++;
		caplen_bytes += len;
		/* 10 Gb/s: 0.8 ns per byte, 24 bytes of preamble+FCS+gap. */
		ts += ((uint64_t)len + 24) * 8 / 10 + (r >> 24 & 0xff);
	}
	free(pool);
	if (pw) {
		pcap_bytes = hpcap_pcap_bytes(pw);
		if (hpcap_pcap_close(pw, errbuf) < 0) {
			fprintf(stderr, "%s: %s\n", prog, errbuf);
			hpcap_raw_writer_close(rw, NULL);
			return 1;
		}
	}
	nfiles = hpcap_raw_writer_files(rw);
	if (hpcap_raw_writer_close(rw, errbuf) < 0) {
		fprintf(stderr, "%s: %s\n", prog, errbuf);
		return 1;
	}
	if (nfiles != 2 || stat(part0, &st) < 0 ||
	    (uint64_t)st.st_size != file_size) {
		fprintf(stderr, "%s: internal error: %s is not %llu bytes\n",
			prog, part0, (unsigned long long)file_size);
		return 1;
	}
	if (rename(part0, raw_path) < 0) {
		fprintf(stderr, "%s: cannot rename %s to %s: %s\n", prog, part0,
			raw_path, strerror(errno));
		return 1;
	}
	unlink(part1);
	rmdir(parts);
	printf("frames=%" PRIu64 " caplen_bytes=%" PRIu64 " raw_bytes=%" PRIu64
	       " pcap_bytes=%" PRIu64 "\n",
	       frames, caplen_bytes, file_size, pcap_bytes);
	return 0;
}
