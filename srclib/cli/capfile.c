// SPDX-License-Identifier: BSD-3-Clause
/*
 * capfile.c - see capfile.h.
 */
#define _GNU_SOURCE
#include "capfile.h"
#include "cli.h"

#include <string.h>
#include <sys/stat.h>

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
