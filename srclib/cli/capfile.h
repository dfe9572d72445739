/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * capfile.h - the positional arguments of the capture tools, HPCAP's way
 * (<adapter> <queue> <dir|null>), shared by hpcapdd and hpcapdd_p.  The
 * files' names are libhpcap's (hpcap_name_create_hpcap()).
 */
#ifndef HPCAP_CAPFILE_H
#define HPCAP_CAPFILE_H

/*
 * The positional arguments every capture tool takes, HPCAP's way:
 * <adapter> <queue> <dir|null>.  *dir is NULL for "null"; a dir that is
 * not a directory is a usage error (exit 2).
 */
void capfile_parse_args(int argc, char **argv, int first, unsigned *adapter,
			unsigned *queue, const char **dir);

#endif
