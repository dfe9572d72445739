// SPDX-License-Identifier: BSD-3-Clause
/*
 * base.c - what the handle calls (mgmon.c) and the offline reader
 * (offline.c) both use: a handle's error message and the break
 * generation.  Here, so that neither of them calls the other back.
 */
#include "mgmon_int.h"

#include <stdio.h>

unsigned mgmon_int_break_gen;

int mgmon_int_err(struct mgmon *m, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->err, sizeof(m->err), fmt, ap);
	va_end(ap);
	return code;
}

void mgmon_break(void)
{
	/* A lock-free atomic: safe in a signal handler. */
	__atomic_add_fetch(&mgmon_int_break_gen, 1, __ATOMIC_RELAXED);
}
