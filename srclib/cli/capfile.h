/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * capfile.h - names of capture files as HPCAP's hpcapdd made them:
 *   <dir>/<t - t % 1800>/<t>_hpcap<adapter>_<queue>.raw
 * (a directory per half hour), shared by hpcapdd and hpcapdd_p.
 */
#ifndef HPCAP_CAPFILE_H
#define HPCAP_CAPFILE_H

#include <stddef.h>
#include <time.h>

/*
 * Create the next capture file exclusively (O_EXCL | extra_flags) and
 * return its descriptor, its name in path.  The time in the name is now,
 * or one second past *last if that is not later, so names never repeat
 * and sort in capture order; *last is updated.  On error prints a message
 * (prefixed with the program name) and returns -1.
 */
int capfile_create(char *path, size_t n, const char *dir, unsigned adapter,
		   unsigned queue, time_t *last, int extra_flags);

/*
 * The positional arguments every capture tool takes, HPCAP's way:
 * <adapter> <queue> <dir|null>.  *dir is NULL for "null"; a dir that is
 * not a directory is a usage error (exit 2).
 */
void capfile_parse_args(int argc, char **argv, int first, unsigned *adapter,
			unsigned *queue, const char **dir);

#endif
