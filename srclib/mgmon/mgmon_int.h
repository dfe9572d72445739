/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mgmon_int.h - what the parts of libmgmon share: the handle, the offline
 * reader's state and the break flags.  Private to libmgmon.
 */
#ifndef MGMON_INT_H
#define MGMON_INT_H

/* The library defines the loops themselves: no _Generic names here. */
#define MGMON_NO_HPCAP_FORM
#include "libmgmon.h"
#include "libhpcap_live.h"

#include <stdarg.h>

#define mg_likely(x) __builtin_expect(!!(x), 1)
#define mg_unlikely(x) __builtin_expect(!!(x), 0)

/* One RAW file being read.  Regular files are mapped whole (address space
 * only: pages come in as they are touched, and the part already read is
 * unmapped as the reader goes, so the resident set stays small); anything
 * else (standard input, a pipe, a file that cannot be mapped) goes through
 * libhpcap's buffered reader, whose results are the reference. */
struct mg_file {
	int fd;				/* -1: none, or read through rr */
	struct hpcap_raw_reader *rr;
	const uint8_t *base;		/* file offset 0, 2 MiB aligned */
	uint64_t size;			/* file size */
	uint64_t maplen;		/* bytes mapped from base */
	uint64_t unmapped;		/* [0, unmapped) given back */
	uint64_t pos;			/* next record */
	uint64_t last;			/* record last returned */
	uint64_t pf;			/* prefetched up to */
	uint64_t house;			/* next housekeeping position */
	uint64_t ra;			/* readahead requested up to */
	uint32_t lead_pad;
	int done;			/* 1 reading; END; or an error */
	const char *path;
};

struct mgmon {
	int live;
	unsigned flags;
	struct hpcap_handle *h;		/* live */
	/* offline */
	char **paths;
	int npaths;
	int cur;			/* index of f, -1 before the first */
	struct mg_file f;
	/* breaking */
	int brk;			/* mgmon_breakloop() */
	unsigned gen;			/* mgmon_break() generation seen */
	struct mgmon_stats st;
	char err[HPCAP_ERRBUF_SIZE];
};

/* Bumped by mgmon_break() and the loops' SIGINT handler. */
extern unsigned mgmon_int_break_gen;

/* Whether a break was asked for since m last looked; consumes it. */
static inline int mg_broken(struct mgmon *m)
{
	unsigned g = __atomic_load_n(&mgmon_int_break_gen, __ATOMIC_RELAXED);

	if (mg_likely(g == m->gen && !__atomic_load_n(&m->brk,
						       __ATOMIC_RELAXED)))
		return 0;
	m->gen = g;
	__atomic_store_n(&m->brk, 0, __ATOMIC_RELAXED);
	return 1;
}

int mgmon_int_err(struct mgmon *m, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* offline.c */
int mgmon_int_off_next(struct mgmon *m, struct mgmon_pkthdr *h,
		       const uint8_t **payload);
int mgmon_int_off_loop(struct mgmon *m, long long count,
		       mgmon_packet_handler handler, void *arg);
void mgmon_int_off_close(struct mgmon *m);

/* mgmon.c: run a loop the way the *_loop() conveniences do (CPU pinning,
 * SIGINT, thread-local error message). */
struct mg_conv {
	mgmon_packet_handler handler;
	void *arg;
	void (*after)(void *arg);	/* called once the loop ended */
};
void mgmon_int_set_loop_err(const char *msg);
int mgmon_int_conv_online(int cpu, int adapter, int queue, const struct mg_conv *c);
int mgmon_int_conv_offline(const char *const *paths, int npaths,
			   const struct mg_conv *c);

#endif /* MGMON_INT_H */
