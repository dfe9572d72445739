// SPDX-License-Identifier: BSD-3-Clause
/*
 * names.c - capture file names from a format (strftime plus a few
 * conversions of hpcap's own), files created under "<name>.pending" and
 * renamed to <name> once complete, and their SHA-256 sidecars.
 */
#define _GNU_SOURCE
#include "libhpcap_pipeline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HPCAP_NAME_DEFAULT "%{dir1800}/%s_hpcap%{adapter}_%{queue}"

/* strftime conversions allowed: those of C11 and POSIX that print fields
 * of a time (no %n or %t: no newlines or tabs in names). */
static const char strftime_ok[] = "aAbBcCdDeFgGhHIjmMpRSTuUVwWxXyYzZ%";

static const char *const own_conv[] = {
	"adapter", "queue", "seq", "dir1800",
};

static int own_index(const char *p, size_t *len)
{
	const char *end;
	unsigned i;

	if (p[0] != '{')
		return -1;
	end = strchr(p, '}');
	if (!end)
		return -1;
	for (i = 0; i < sizeof(own_conv) / sizeof(own_conv[0]); i++)
		if ((size_t)(end - p - 1) == strlen(own_conv[i]) &&
		    !strncmp(p + 1, own_conv[i], strlen(own_conv[i]))) {
			*len = (size_t)(end - p) + 1;
			return (int)i;
		}
	return -1;
}

int hpcap_name_check(const char *fmt, char *errbuf)
{
	const char *p;
	size_t len;

	if (!fmt)
		return 0;
	if (!*fmt || fmt[0] == '/' || fmt[strlen(fmt) - 1] == '/') {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "name format '%s': must be a relative file name (no leading or trailing '/')",
			 fmt);
		return -EINVAL;
	}
	if (!strcmp(fmt, "..") || !strncmp(fmt, "../", 3) ||
	    strstr(fmt, "/../") ||
	    (strlen(fmt) >= 3 && !strcmp(fmt + strlen(fmt) - 3, "/.."))) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "name format '%s': '..' would leave the output directory",
			 fmt);
		return -EINVAL;
	}
	for (p = fmt; *p; p++) {
		if (*p != '%')
			continue;
		if (p[1] == '{') {
			if (own_index(p + 1, &len) < 0) {
				snprintf(errbuf, HPCAP_ERRBUF_SIZE,
					 "name format '%s': unknown conversion at '%.20s' (known: %%{adapter} %%{queue} %%{seq} %%{dir1800}, %%s and strftime's)",
					 fmt, p);
				return -EINVAL;
			}
			p += len;
			continue;
		}
		if (!p[1] || (p[1] != 's' && !strchr(strftime_ok, p[1]))) {
			snprintf(errbuf, HPCAP_ERRBUF_SIZE,
				 "name format '%s': unsupported conversion '%%%c'",
				 fmt, p[1] ? p[1] : ' ');
			return -EINVAL;
		}
		p++;
	}
	return 0;
}

int hpcap_name_expand(char *out, size_t n, const struct hpcap_name_opts *o,
		      time_t t, unsigned seq, char *errbuf)
{
	const char *fmt = o->fmt ? o->fmt : HPCAP_NAME_DEFAULT;
	char tf[1024];
	size_t k = 0, len;
	struct tm tm;
	const char *p;
	int idx;

	/* hpcap's own conversions become literal text, the rest is left to
	 * strftime(). */
	for (p = fmt; *p && k + 32 < sizeof(tf); p++) {
		if (*p == '%' && p[1] == 's') {
			k += (size_t)snprintf(tf + k, sizeof(tf) - k, "%lld",
					      (long long)t);
			p++;
		} else if (*p == '%' && (idx = own_index(p + 1, &len)) >= 0) {
			long long v = idx == 0 ? o->adapter : idx == 1 ? o->queue
				      : idx == 2 ? seq : (long long)(t - t % 1800);

			k += (size_t)snprintf(tf + k, sizeof(tf) - k,
					      idx == 2 ? "%06lld" : "%lld", v);
			p += len;
		} else if (*p == '%' && p[1]) {
			tf[k++] = *p++;
			tf[k++] = *p;
		} else {
			tf[k++] = *p;
		}
	}
	if (*p) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "name format too long");
		return -ENAMETOOLONG;
	}
	tf[k] = 0;
	if (o->localtime)
		localtime_r(&t, &tm);
	else
		gmtime_r(&t, &tm);
	/* The format is checked by hpcap_name_check(). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	len = strftime(out, n, tf, &tm);
#pragma GCC diagnostic pop
	if (len == 0) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "name format '%s' gives an empty or too long name", fmt);
		return -ENAMETOOLONG;
	}
	return 0;
}

/* mkdir -p of the directories in path after its first `keep` bytes. */
static int make_parents(char *path, size_t keep, char *errbuf)
{
	char *s;

	for (s = path + keep + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			int err = errno;

			snprintf(errbuf, HPCAP_ERRBUF_SIZE,
				 "cannot create directory %s: %s", path,
				 strerror(err));
			*s = '/';
			return -err;
		}
		*s = '/';
	}
	return 0;
}

int hpcap_pending_create(char *final, size_t n, const struct hpcap_name_opts *o,
			 time_t t, unsigned seq, int flags, char *errbuf)
{
	char name[1024], base[4096], pend[4200];
	struct stat st;
	unsigned k;
	int fd, err;

	err = hpcap_name_expand(name, sizeof(name), o, t, seq, errbuf);
	if (err)
		return err;
	for (k = 0; k < 10000; k++) {
		char sfx[16] = "";

		if (k)
			snprintf(sfx, sizeof(sfx), "_%u", k);
		if ((size_t)snprintf(base, sizeof(base), "%s/%s%s%s", o->dir,
				     name, sfx, o->ext ? o->ext : "") >=
			    sizeof(base) ||
		    strlen(base) >= n) {
			snprintf(errbuf, HPCAP_ERRBUF_SIZE, "file name too long: %s/%s",
				 o->dir, name);
			return -ENAMETOOLONG;
		}
		if (k == 0) {
			err = make_parents(base, strlen(o->dir), errbuf);
			if (err)
				return err;
		}
		if (lstat(base, &st) == 0)
			continue;	/* never replace a finished file */
		snprintf(pend, sizeof(pend), "%s" HPCAP_PENDING_SUFFIX, base);
		/* O_DIRECT afterwards: a file system without it would fail
		 * open() after creating the file, and O_EXCL would then take
		 * it for somebody else's. */
		fd = open(pend, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
				(flags & ~O_DIRECT), 0644);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0) {
			err = errno;
			snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot create %s: %s",
				 pend, strerror(err));
			return -err;
		}
		if (flags & O_DIRECT)
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_DIRECT);
		memcpy(final, base, strlen(base) + 1);
		return fd;
	}
	snprintf(errbuf, HPCAP_ERRBUF_SIZE, "no free file name for %s/%s%s",
		 o->dir, name, o->ext ? o->ext : "");
	return -EEXIST;
}

static int write_sidecar(const char *final, const char *hex, char *errbuf)
{
	char side[4200], pend[4300], line[4200];
	const char *base = strrchr(final, '/');
	size_t len;
	int fd, err = 0;

	base = base ? base + 1 : final;
	snprintf(side, sizeof(side), "%s.sha256", final);
	snprintf(pend, sizeof(pend), "%s" HPCAP_PENDING_SUFFIX, side);
	/* sha256sum's format: digest, two spaces, the name (relative to
	 * the file's directory: run `sha256sum -c` there). */
	len = (size_t)snprintf(line, sizeof(line), "%s  %s\n", hex, base);
	fd = open(pend, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, line, len) != (ssize_t)len)
		err = errno ? errno : EIO;
	if (fd >= 0 && close(fd) < 0 && !err)
		err = errno;
	if (!err && rename(pend, side) < 0)
		err = errno;
	if (err) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot write %s: %s", side,
			 strerror(err));
		unlink(pend);
		return -err;
	}
	return 0;
}

int hpcap_pending_commit(const char *final, const char *hex, char *errbuf)
{
	char pend[4200];
	int err;

	if (hex && *hex) {
		err = write_sidecar(final, hex, errbuf);
		if (err)
			return err;
	}
	snprintf(pend, sizeof(pend), "%s" HPCAP_PENDING_SUFFIX, final);
	if (rename(pend, final) < 0) {
		err = errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot rename %s: %s", pend,
			 strerror(err));
		return -err;
	}
	return 0;
}

int hpcap_name_create_hpcap(char *path, size_t n, const char *dir,
			    unsigned adapter, unsigned queue, time_t *last,
			    int flags, char *errbuf)
{
	time_t t = time(NULL);
	char sub[4096];
	int fd, tries, err;

	if (t <= *last)
		t = *last + 1;
	/* Bounded: a directory full of future names is an error, not a
	 * reason to spin. */
	for (tries = 0;; t++, tries++) {
		if (tries == 100000) {
			snprintf(errbuf, HPCAP_ERRBUF_SIZE,
				 "no free file name in %s after %d tries", dir,
				 tries);
			return -EEXIST;
		}
		snprintf(sub, sizeof(sub), "%s/%lld", dir,
			 (long long)(t - t % 1800));
		if (mkdir(sub, 0755) < 0 && errno != EEXIST) {
			err = errno;
			snprintf(errbuf, HPCAP_ERRBUF_SIZE,
				 "cannot create directory %s: %s", sub,
				 strerror(err));
			return -err;
		}
		snprintf(path, n, "%s/%lld_hpcap%u_%u.raw", sub, (long long)t,
			 adapter, queue);
		/* O_DIRECT afterwards, as in hpcap_pending_create(). */
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
				(flags & ~O_DIRECT), 0644);
		if (fd >= 0)
			break;
		if (errno != EEXIST) {
			err = errno;
			snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot create %s: %s",
				 path, strerror(err));
			return -err;
		}
	}
	if (flags & O_DIRECT)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_DIRECT); /* may fail */
	*last = t;
	return fd;
}
