/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * filelist.h - file and directory arguments expanded into an ordered list
 * of files: files as given (missing ones too: the opener reports them),
 * directories walked with their sub-directories, each directory's files
 * in version order.  What a walk takes is the caller's: hpcap_raw_list()
 * (RAW files) and capscan_list() (any capture file) differ only there.
 */
#ifndef HPCAP_FILELIST_H
#define HPCAP_FILELIST_H

struct filelist_rules {
	/* An entry of a walked directory (file or sub-directory) left out. */
	int (*skip)(const char *name);
	/* A regular file of a walked directory taken (NULL: every one). */
	int (*take)(const char *name);
	/* "-" is a file (standard input) even where a directory has that name. */
	int dash_is_file;
};

/* The count with *paths to free with hpcap_raw_list_free(), or a
 * negative code with errbuf (HPCAP_ERRBUF_SIZE) set. */
int filelist_expand(const struct filelist_rules *rules,
		    const char *const *args, int nargs, char ***paths,
		    char *errbuf);

#endif
