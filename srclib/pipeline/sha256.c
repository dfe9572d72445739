// SPDX-License-Identifier: BSD-3-Clause
/*
 * sha256.c - SHA-256 as FIPS 180-4 section 6.2 defines it, in portable C,
 * plus the same compression function on the x86 SHA extensions (SHA-NI:
 * sha256rnds2 does two rounds, sha256msg1/msg2 the message schedule),
 * chosen at run time.  Used for the .sha256 sidecars of capture files, so
 * it runs over every byte written: the hardware path is ~5x faster.
 */
#define _GNU_SOURCE
#include "libhpcap_pipeline.h"

#include <endian.h>
#include <stdio.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_SHANI_CODE 1
#endif

/* FIPS 180-4 4.2.2: first 32 bits of the fractional parts of the cube
 * roots of the first 64 primes. */
static const uint32_t K[64] __attribute__((aligned(16))) = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

/* FIPS 180-4 6.2.2, one 64-byte block at a time. */
static void blocks_c(uint32_t h[8], const uint8_t *p, size_t nblocks)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh, t1, t2;
	unsigned i;

	while (nblocks--) {
		for (i = 0; i < 16; i++) {
			uint32_t v;

			memcpy(&v, p + 4 * i, 4);
			w[i] = be32toh(v);
		}
		for (i = 16; i < 64; i++) {
			uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^
				      (w[i - 15] >> 3);
			uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^
				      (w[i - 2] >> 10);

			w[i] = w[i - 16] + s0 + w[i - 7] + s1;
		}
		a = h[0], b = h[1], c = h[2], d = h[3];
		e = h[4], f = h[5], g = h[6], hh = h[7];
		for (i = 0; i < 64; i++) {
			t1 = hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
			     ((e & f) ^ (~e & g)) + K[i] + w[i];
			t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
			     ((a & b) ^ (a & c) ^ (b & c));
			hh = g, g = f, f = e, e = d + t1;
			d = c, c = b, b = a, a = t1 + t2;
		}
		h[0] += a, h[1] += b, h[2] += c, h[3] += d;
		h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
		p += 64;
	}
}

#ifdef HAVE_SHANI_CODE
/*
 * The SHA extensions keep the state as two vectors, ABEF and CDGH; each
 * sha256rnds2 does two rounds with two W+K words, so a group of four
 * rounds is two of them (the second with the upper words moved down).
 * msg1/msg2 compute W[16..63] four at a time, a group ahead of use.
 */
__attribute__((target("sha,sse4.1,ssse3")))
static void blocks_shani(uint32_t h[8], const uint8_t *p, size_t nblocks)
{
	const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bull,
					    0x0405060700010203ull);
	__m128i st0, st1, tmp, m, save0, save1, msg[4];
	unsigned g;

	tmp = _mm_loadu_si128((const __m128i *)&h[0]);	/* DCBA */
	st1 = _mm_loadu_si128((const __m128i *)&h[4]);	/* HGFE */
	tmp = _mm_shuffle_epi32(tmp, 0xb1);		/* CDAB */
	st1 = _mm_shuffle_epi32(st1, 0x1b);		/* EFGH */
	st0 = _mm_alignr_epi8(tmp, st1, 8);		/* ABEF */
	st1 = _mm_blend_epi16(st1, tmp, 0xf0);		/* CDGH */

	while (nblocks--) {
		save0 = st0;
		save1 = st1;
		for (g = 0; g < 16; g++) {
			if (g < 4)
				msg[g] = _mm_shuffle_epi8(
					_mm_loadu_si128((const __m128i *)(p + 16 * g)),
					mask);
			m = _mm_add_epi32(msg[g & 3],
					  _mm_load_si128((const __m128i *)&K[4 * g]));
			st1 = _mm_sha256rnds2_epu32(st1, st0, m);
			if (g >= 3 && g < 15) {
				/* W[4(g+1)..]: finish with the words of
				 * the last two groups. */
				tmp = _mm_alignr_epi8(msg[g & 3],
						      msg[(g + 3) & 3], 4);
				msg[(g + 1) & 3] =
					_mm_add_epi32(msg[(g + 1) & 3], tmp);
				msg[(g + 1) & 3] = _mm_sha256msg2_epu32(
					msg[(g + 1) & 3], msg[g & 3]);
			}
			m = _mm_shuffle_epi32(m, 0x0e);
			st0 = _mm_sha256rnds2_epu32(st0, st1, m);
			if (g >= 1 && g < 13)	/* start W[4(g+3)..] */
				msg[(g - 1) & 3] = _mm_sha256msg1_epu32(
					msg[(g - 1) & 3], msg[g & 3]);
		}
		st0 = _mm_add_epi32(st0, save0);
		st1 = _mm_add_epi32(st1, save1);
		p += 64;
	}

	tmp = _mm_shuffle_epi32(st0, 0x1b);		/* FEBA */
	st1 = _mm_shuffle_epi32(st1, 0xb1);		/* DCHG */
	st0 = _mm_blend_epi16(tmp, st1, 0xf0);		/* DCBA */
	st1 = _mm_alignr_epi8(st1, tmp, 8);		/* HGFE */
	_mm_storeu_si128((__m128i *)&h[0], st0);
	_mm_storeu_si128((__m128i *)&h[4], st1);
}

static int cpu_has_shani(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	if (!(c & bit_SSSE3) || !(c & bit_SSE4_1))
		return 0;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return !!(b & (1u << 29));	/* CPUID.7.0:EBX.SHA */
}
#endif

/* -1: not decided yet; 0: portable; 1: SHA-NI. */
static int use_hw = -1;

int hpcap_sha256_hw(int mode)
{
#ifdef HAVE_SHANI_CODE
	if (mode == 0)
		use_hw = 0;
	else if (mode == 1 || use_hw < 0)
		use_hw = cpu_has_shani();
#else
	(void)mode;
	use_hw = 0;
#endif
	return use_hw;
}

static void blocks(uint32_t h[8], const uint8_t *p, size_t nblocks)
{
#ifdef HAVE_SHANI_CODE
	if (use_hw < 0)
		hpcap_sha256_hw(1);
	if (use_hw) {
		blocks_shani(h, p, nblocks);
		return;
	}
#endif
	blocks_c(h, p, nblocks);
}

void hpcap_sha256_init(struct hpcap_sha256 *s)
{
	/* FIPS 180-4 5.3.3 */
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(s->h, iv, sizeof(iv));
	s->bytes = 0;
	s->fill = 0;
}

void hpcap_sha256_update(struct hpcap_sha256 *s, const void *data, size_t n)
{
	const uint8_t *p = data;

	s->bytes += n;
	if (s->fill) {
		size_t c = 64 - s->fill < n ? 64 - s->fill : n;

		memcpy(s->buf + s->fill, p, c);
		s->fill += (uint32_t)c;
		p += c;
		n -= c;
		if (s->fill < 64)
			return;
		blocks(s->h, s->buf, 1);
		s->fill = 0;
	}
	if (n >= 64) {
		blocks(s->h, p, n / 64);
		p += n / 64 * 64;
		n %= 64;
	}
	memcpy(s->buf, p, n);
	s->fill = (uint32_t)n;
}

void hpcap_sha256_final(struct hpcap_sha256 *s, uint8_t out[32])
{
	uint64_t bits = htobe64(s->bytes * 8);
	unsigned i;

	/* FIPS 180-4 5.1.1: a 1 bit, zeros, the length in bits (64-bit BE). */
	s->buf[s->fill++] = 0x80;
	if (s->fill > 56) {
		memset(s->buf + s->fill, 0, 64 - s->fill);
		blocks(s->h, s->buf, 1);
		s->fill = 0;
	}
	memset(s->buf + s->fill, 0, 56 - s->fill);
	memcpy(s->buf + 56, &bits, 8);
	blocks(s->h, s->buf, 1);
	for (i = 0; i < 8; i++) {
		uint32_t v = htobe32(s->h[i]);

		memcpy(out + 4 * i, &v, 4);
	}
}

void hpcap_sha256_hex(const uint8_t d[32], char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = 0;
}
