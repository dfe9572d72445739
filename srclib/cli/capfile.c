// SPDX-License-Identifier: BSD-3-Clause
/*
 * capfile.c - see capfile.h.
 */
#define _GNU_SOURCE
#include "capfile.h"
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int capfile_create(char *path, size_t n, const char *dir, unsigned adapter,
		   unsigned queue, time_t *last, int extra_flags)
{
	time_t t = time(NULL);
	char sub[4096];
	int fd, tries;

	if (t <= *last)
		t = *last + 1;
	/* Bounded: a directory full of future names is an error, not a
	 * reason to spin. */
	for (tries = 0;; t++, tries++) {
		if (tries == 100000) {
			cli_err("no free file name in %s after %d tries", dir,
				tries);
			return -1;
		}
		snprintf(sub, sizeof(sub), "%s/%lld", dir,
			 (long long)(t - t % 1800));
		if (mkdir(sub, 0755) < 0 && errno != EEXIST) {
			cli_err("cannot create directory %s: %s", sub,
				strerror(errno));
			return -1;
		}
		snprintf(path, n, "%s/%lld_hpcap%u_%u.raw", sub, (long long)t,
			 adapter, queue);
		/* O_DIRECT is set afterwards: a file system without it fails
		 * open() only after creating the file, which O_EXCL would
		 * then take for somebody else's. */
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0)
			break;
		if (errno != EEXIST) {
			cli_err("cannot create %s: %s", path, strerror(errno));
			return -1;
		}
	}
	if (extra_flags & O_DIRECT)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_DIRECT); /* may fail */
	*last = t;
	return fd;
}

void capfile_parse_args(int argc, char **argv, int first, unsigned *adapter,
			unsigned *queue, const char **dir)
{
	struct stat st;

	if (argc - first != 3)
		cli_usage_error("need <adapter> <queue> <dir|null>");
	*adapter = (unsigned)cli_parse_u64("adapter", argv[first], 1023);
	*queue = (unsigned)cli_parse_u64("queue", argv[first + 1], 1023);
	*dir = strcmp(argv[first + 2], "null") ? argv[first + 2] : NULL;
	if (*dir && (stat(*dir, &st) < 0 || !S_ISDIR(st.st_mode)))
		cli_usage_error("%s is not a directory (create it first, or give 'null')",
				*dir);
}
