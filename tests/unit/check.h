/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * check.h - minimal assertions for the C unit tests: a failed check prints
 * file, line and the values, and the test exits 1 at the end.
 */
#ifndef HPCAP_CHECK_H
#define HPCAP_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int check_failures;

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: check failed: %s\n",       \
				__FILE__, __LINE__, #cond);                \
			check_failures++;                                  \
		}                                                          \
	} while (0)

#define CHECK_EQ(a, b)                                                     \
	do {                                                               \
		unsigned long long a_ = (unsigned long long)(a);           \
		unsigned long long b_ = (unsigned long long)(b);           \
		if (a_ != b_) {                                            \
			fprintf(stderr,                                    \
				"%s:%d: %s == %s failed: %llu != %llu\n",  \
				__FILE__, __LINE__, #a, #b, a_, b_);       \
			check_failures++;                                  \
		}                                                          \
	} while (0)

/* The tests' pseudo-random numbers: xorshift64 over the caller's state
 * (never 0), so a seed gives the same sequence on every run. */
static inline uint64_t check_rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static inline int check_report(const char *name)
{
	printf("%s %s\n", check_failures ? "fail" : "ok  ", name);
	return check_failures ? 1 : 0;
}

#endif
