// SPDX-License-Identifier: BSD-3-Clause
/*
 * raw_list.c - expand file and directory arguments into the ordered list
 * of files they stand for (filelist.h), and the RAW files' rules for it.
 */
#define _GNU_SOURCE
#include "libhpcap.h"
#include "file/filelist.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct list {
	char **v;
	int n, cap;
};

static int push(struct list *l, const char *path)
{
	if (l->n == l->cap) {
		int cap = l->cap ? 2 * l->cap : 64;
		char **v = realloc(l->v, (size_t)cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n] = strdup(path);
	return l->v[l->n++] ? 0 : -ENOMEM;
}

static int by_version(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

static int has_raw_suffix(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && !strcmp(name + n - 4, ".raw");
}

static int walk(const struct filelist_rules *r, struct list *l,
		const char *dir, char *errbuf, int depth)
{
	DIR *d;
	struct dirent *e;
	int err = 0;

	if (depth > 16) /* symlink loops */
		return 0;
	d = opendir(dir);
	if (!d) {
		err = errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot read directory %s: %s",
			 dir, strerror(err));
		return -err;
	}
	while (!err && (e = readdir(d))) {
		char path[4096];
		struct stat st;

		if (r->skip(e->d_name))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
		    (int)sizeof(path))
			continue;
		if (stat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			err = walk(r, l, path, errbuf, depth + 1);
		else if (S_ISREG(st.st_mode) && (!r->take || r->take(e->d_name)))
			err = push(l, path);
	}
	closedir(d);
	if (err == -ENOMEM)
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory listing %s",
			 dir);
	return err;
}

int filelist_expand(const struct filelist_rules *r,
		    const char *const *args, int nargs, char ***paths,
		    char *errbuf)
{
	struct list l = { 0 };
	int i, err = 0;

	*paths = NULL;
	for (i = 0; i < nargs && !err; i++) {
		struct stat st;

		if ((!r->dash_is_file || strcmp(args[i], "-")) &&
		    stat(args[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			int first = l.n;

			err = walk(r, &l, args[i], errbuf, 0);
			if (l.n > first)
				qsort(l.v + first, (size_t)(l.n - first),
				      sizeof(*l.v), by_version);
		} else {
			/* Files (missing ones too: the opener reports them). */
			err = push(&l, args[i]);
			if (err)
				snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		}
	}
	if (err) {
		hpcap_raw_list_free(l.v, l.n);
		return err;
	}
	*paths = l.v;
	return l.n;
}

static int hidden(const char *name)
{
	return name[0] == '.';
}

int hpcap_raw_list(const char *const *args, int nargs, char ***paths,
		   char *errbuf)
{
	static const struct filelist_rules raw = {
		.skip = hidden, .take = has_raw_suffix, .dash_is_file = 1,
	};

	return filelist_expand(&raw, args, nargs, paths, errbuf);
}

void hpcap_raw_list_free(char **paths, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}
