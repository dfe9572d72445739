// SPDX-License-Identifier: BSD-3-Clause
/*
 * sha256.c - SHA-256 for the .sha256 sidecars of capture files, on
 * libcrypto (OpenSSL).  libhpcap had its own (portable C plus the x86 SHA
 * extensions); bench/hash-bench measured libcrypto's 1.6x faster on the
 * same bytes (bench/RESULTS.md, "hash-bench"), so the maintained one is used.
 *
 * The low-level SHA256_* calls, not EVP: the context lives in the caller's
 * struct (no allocation, so init cannot fail) and they run the same
 * assembly as EVP (SHA-NI where present); OPENSSL_API_COMPAT keeps them
 * without a deprecation warning.
 */
#define _GNU_SOURCE
#define OPENSSL_API_COMPAT 0x10100000L
#include "libhpcap_pipeline.h"

#include <openssl/sha.h>
#include <stdio.h>

_Static_assert(sizeof(SHA256_CTX) <= sizeof(((struct hpcap_sha256 *)0)->opaque),
	       "struct hpcap_sha256 too small for libcrypto's SHA256_CTX");
_Static_assert(_Alignof(SHA256_CTX) <= _Alignof(struct hpcap_sha256),
	       "struct hpcap_sha256 aligned less than SHA256_CTX");

static SHA256_CTX *ctx(struct hpcap_sha256 *s)
{
	return (SHA256_CTX *)(void *)s->opaque;
}

void hpcap_sha256_init(struct hpcap_sha256 *s)
{
	SHA256_Init(ctx(s));
}

void hpcap_sha256_update(struct hpcap_sha256 *s, const void *p, size_t n)
{
	if (n)
		SHA256_Update(ctx(s), p, n);
}

void hpcap_sha256_final(struct hpcap_sha256 *s, uint8_t out[32])
{
	SHA256_Final(out, ctx(s));
}

void hpcap_sha256_hex(const uint8_t d[32], char out[65])
{
	static const char hexd[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = hexd[d[i] >> 4];
		out[2 * i + 1] = hexd[d[i] & 15];
	}
	out[64] = '\0';
}
