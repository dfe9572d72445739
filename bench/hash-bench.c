// SPDX-License-Identifier: BSD-3-Clause
/*
 * hash-bench - the hashes of the capture pipeline against the maintained
 * libraries, in one run: libhpcap's SHA-256 and XXH64 calls (since the
 * measurement in bench/RESULTS.md, thin wrappers over libcrypto and
 * libxxhash) against libcrypto's SHA256_Update and EVP, and libxxhash's
 * XXH64 (shared library and inlined), over the same bytes in the chunk
 * sizes the pipeline uses.  A wrapper that costs something shows here.
 *
 *   hash-bench [MiB] [rounds]      (default 256 MiB, 5 rounds)
 *
 * Each case hashes MiB mebibytes twice: streamed from memory (a buffer of
 * that size, as a file written from the capture buffer) and from cache
 * (the same 1 MiB over and over, as a zstd frame just decompressed).
 * Prints a markdown table: best and median GB/s of each.  Every case's
 * digest is checked against the others'.
 */
#define _GNU_SOURCE
#define OPENSSL_API_COMPAT 0x10100000L	/* SHA256_Init() & co. */
#include "libhpcap_pipeline.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* libxxhash twice: the shared library's XXH64(), and the same code
 * inlined here (xxhash.h with XXH_INLINE_ALL: XXH64 is its own now). */
unsigned long long XXH64(const void *p, size_t n, unsigned long long seed);
static unsigned long long (*const lib_xxh64)(const void *, size_t,
					     unsigned long long) = XXH64;
#define XXH_INLINE_ALL

#include <xxhash.h>

#define CHUNK (1u << 20)	/* a write, a zstd frame */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t *buf;
static size_t len, span;	/* bytes hashed; bytes of buf they come from */
static uint8_t digest[32];
static uint64_t xsum;

static void sha_ours(void)
{
	struct hpcap_sha256 s;
	size_t off;

	hpcap_sha256_init(&s);
	for (off = 0; off < len; off += CHUNK)
		hpcap_sha256_update(&s, buf + off % span, CHUNK);
	hpcap_sha256_final(&s, digest);
}

static void sha_ossl(void)
{
	SHA256_CTX c;
	size_t off;

	SHA256_Init(&c);
	for (off = 0; off < len; off += CHUNK)
		SHA256_Update(&c, buf + off % span, CHUNK);
	SHA256_Final(digest, &c);
}

static void sha_evp(void)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	size_t off;

	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	for (off = 0; off < len; off += CHUNK)
		EVP_DigestUpdate(c, buf + off % span, CHUNK);
	EVP_DigestFinal_ex(c, digest, NULL);
	EVP_MD_CTX_free(c);
}

static void xxh_ours(void)
{
	size_t off;

	xsum = 0;
	for (off = 0; off < len; off += CHUNK)
		xsum ^= hpcap_xxh64(buf + off % span, CHUNK, 0);
}

static void xxh_lib(void)
{
	size_t off;

	xsum = 0;
	for (off = 0; off < len; off += CHUNK)
		xsum ^= lib_xxh64(buf + off % span, CHUNK, 0);
}

static void xxh_inline(void)
{
	size_t off;

	xsum = 0;
	for (off = 0; off < len; off += CHUNK)
		xsum ^= XXH64(buf + off % span, CHUNK, 0);	/* the inlined one */
}

struct kase {
	const char *name;
	void (*run)(void);
	int sha;		/* 1: SHA-256, 0: XXH64 */
	double t[64];
};

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct kase k[] = {
		{ "SHA-256 hpcap_sha256_* (libcrypto)", sha_ours, 1, { 0 } },
		{ "SHA-256 libcrypto SHA256_Update", sha_ossl, 1, { 0 } },
		{ "SHA-256 libcrypto EVP", sha_evp, 1, { 0 } },
		{ "XXH64 hpcap_xxh64 (libxxhash)", xxh_ours, 0, { 0 } },
		{ "XXH64 libxxhash", xxh_lib, 0, { 0 } },
		{ "XXH64 libxxhash, inlined (XXH_INLINE_ALL)", xxh_inline, 0, { 0 } },
	};
	unsigned nk = sizeof(k) / sizeof(k[0]), i, r;
	unsigned mib = argc > 1 ? (unsigned)atoi(argv[1]) : 256;
	unsigned rounds = argc > 2 ? (unsigned)atoi(argv[2]) : 5;
	uint8_t ref[32];
	uint64_t xref = 0;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: hash-bench [MiB] [rounds (1-64)]\n");
		return 0;
	}

	if (mib < 2 || !rounds || rounds > 64) {
		fprintf(stderr, "usage: hash-bench [MiB] [rounds (1-64)]\n");
		return 2;
	}
	len = (size_t)mib << 20;
	buf = malloc(len);
	if (!buf)
		return 1;
	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 2654435761u >> 13);
	for (span = len; span >= CHUNK; span = span == CHUNK ? 0 : CHUNK) {
		memset(k[0].t, 0, sizeof(k[0].t));
		for (r = 0; r < rounds; r++) {
			for (i = 0; i < nk; i++) {
				double t0 = now();

				k[i].run();
				k[i].t[r] = now() - t0;
				/* Same bytes, same digest, whoever computed it. */
				if (k[i].sha && !r && i == 0)
					memcpy(ref, digest, 32);
				else if (k[i].sha && memcmp(ref, digest, 32)) {
					fprintf(stderr, "%s: digest differs\n", k[i].name);
					return 1;
				}
				if (!k[i].sha && !r && i == 3)
					xref = xsum;
				else if (!k[i].sha && xsum != xref) {
					fprintf(stderr, "%s: checksum differs\n", k[i].name);
					return 1;
				}
			}
		}
		printf("\n%s:\n\n| hash | best GB/s | median GB/s |\n|---|---:|---:|\n",
		       span == len ? "Streamed from memory" : "From cache (1 MiB)");
		for (i = 0; i < nk; i++) {
			qsort(k[i].t, rounds, sizeof(double), cmp);
			printf("| %s | %.2f | %.2f |\n", k[i].name,
			       len / k[i].t[0] / 1e9,
			       len / k[i].t[rounds / 2] / 1e9);
		}
	}
	printf("\n%u MiB in 1 MiB updates, best and median of %u interleaved rounds.\n",
	       mib, rounds);
	return 0;
}
