/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * hpcap_core_env.h - what hpcap_ring.c needs from its environment: the
 * kernel's own definitions in the module, C11/GCC equivalents in userspace.
 */
#ifndef HPCAP_RING_COMPAT_H
#define HPCAP_RING_COMPAT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/compiler.h>
#include <asm/barrier.h>
#include <asm/byteorder.h>
#else
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* htole32 and friends */
#endif
#include <endian.h>
#include <errno.h>
#include <linux/types.h>
#include <time.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define smp_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define smp_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define smp_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define cpu_to_le16(x) htole16(x)
#define cpu_to_le32(x) htole32(x)
#define le16_to_cpu(x) le16toh(x)
#define le32_to_cpu(x) le32toh(x)
#define U64_MAX UINT64_MAX
#define dma_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define cpu_to_le64(x) htole64(x)
#define le64_to_cpu(x) le64toh(x)

static inline u64 hpcap_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (u64)ts.tv_sec * 1000000000u + (u64)ts.tv_nsec;
}

static inline u32 hpcap_ns_sec(u64 ns)
{
	return (u32)(ns / 1000000000u);
}

static inline u32 hpcap_ns_nsec(u64 ns)
{
	return (u32)(ns % 1000000000u);
}
#endif

#ifdef __KERNEL__
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <linux/math64.h>
/* Wall-clock nanoseconds, cheap and safe in any context. */
static inline u64 hpcap_now_ns(void)
{
	return ktime_get_real_ns();
}

/* Split with div_u64: a plain 64-bit division does not link everywhere. */
static inline u32 hpcap_ns_sec(u64 ns)
{
	u32 rem;

	return (u32)div_u64_rem(ns, NSEC_PER_SEC, &rem);
}

static inline u32 hpcap_ns_nsec(u64 ns)
{
	u32 rem;

	div_u64_rem(ns, NSEC_PER_SEC, &rem);
	return rem;
}
#endif

#endif /* HPCAP_RING_COMPAT_H */
