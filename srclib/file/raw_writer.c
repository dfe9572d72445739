// SPDX-License-Identifier: BSD-3-Clause
/*
 * raw_writer.c - write a RAW stream framed into files, following the same
 * framing rules as the kernel producer (hpcap_framing.h).
 */
#define _GNU_SOURCE
#include "libhpcap.h"
#include "hpcap_framing.h"
#include "hpcap_record.h"
#include "file/outfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct hpcap_raw_writer {
	struct outfile out;
	int open;		/* out holds an open file */
	int dir_mode;
	uint64_t file_size;
	uint64_t pos;		/* stream position */
	unsigned files;
	uint64_t cut;
	int (*create)(char *path, size_t n, unsigned index, void *arg);
	void *create_arg;
	char target[4096];
	char err[HPCAP_ERRBUF_SIZE];
};

static int open_next(struct hpcap_raw_writer *w)
{
	char path[4200];
	int err;

	if (!w->dir_mode && w->files > 0) {
		snprintf(w->err, sizeof(w->err),
			 "%s: the capture needs more than one file of %llu bytes; give a directory as output or a larger --file-size",
			 w->target, (unsigned long long)w->file_size);
		return HPCAP_ERR_TOOBIG;
	}
	if (w->create) {
		int fd = w->create(path, sizeof(path), w->files, w->create_arg);

		if (fd < 0) {
			snprintf(w->err, sizeof(w->err), "cannot create file %u",
				 w->files);
			return -EIO;
		}
		err = outfile_fdopen(&w->out, fd, path);
	} else {
		if (w->dir_mode)
			snprintf(path, sizeof(path), "%s/%06u.raw", w->target,
				 w->files);
		else
			snprintf(path, sizeof(path), "%s", w->target);
		err = outfile_open(&w->out, path);
	}
	if (err) {
		snprintf(w->err, sizeof(w->err), "%s", w->out.err);
		return err;
	}
	w->open = 1;
	w->files++;
	return 0;
}

/* Write a padding record of total bytes (header included), zero-filled. */
static int put_padding(struct hpcap_raw_writer *w, uint64_t total)
{
	struct hpcap_raw_hdr h;
	static const uint8_t zeros[4096];
	uint64_t left = total - HPCAP_RAW_HDR_LEN;

	hpcap_padding_hdr(&h, (uint32_t)total);
	if (outfile_put(&w->out, &h, sizeof(h)) < 0)
		goto fail;
	while (left) {
		size_t n = left < sizeof(zeros) ? (size_t)left : sizeof(zeros);

		if (outfile_put(&w->out, zeros, n) < 0)
			goto fail;
		left -= n;
	}
	w->pos += total;
	return 0;
fail:
	snprintf(w->err, sizeof(w->err), "%s", w->out.err);
	return -EIO;
}

static int close_file(struct hpcap_raw_writer *w)
{
	int err = outfile_close(&w->out);

	w->open = 0;
	if (err)
		snprintf(w->err, sizeof(w->err), "%s", w->out.err);
	return err;
}

int hpcap_raw_writer_open(struct hpcap_raw_writer **wp, const char *out,
			  const struct hpcap_raw_writer_opts *opts,
			  char *errbuf)
{
	struct hpcap_raw_writer *w;
	struct stat st;
	size_t n = strlen(out);

	*wp = NULL;
	w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		return -ENOMEM;
	}
	w->file_size = opts && opts->file_size ? opts->file_size
					       : HPCAP_DEFAULT_FILE_SIZE;
	if (w->file_size % HPCAP_FILE_SIZE_ALIGN) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "file size %llu is not a multiple of %u bytes",
			 (unsigned long long)w->file_size, HPCAP_FILE_SIZE_ALIGN);
		free(w);
		return -EINVAL;
	}
	if (n >= sizeof(w->target)) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "output path too long");
		free(w);
		return -ENAMETOOLONG;
	}
	memcpy(w->target, out, n + 1);
	w->create = opts ? opts->create : NULL;
	w->create_arg = opts ? opts->create_arg : NULL;
	w->dir_mode = stat(out, &st) == 0 && S_ISDIR(st.st_mode);
	if (w->create)
		w->dir_mode = 1;	/* any number of files */
	else if (w->dir_mode) {
		char first[4200];

		/* Never overwrite (or leave behind, to be read as part of this
		 * capture) the files of an earlier run. */
		snprintf(first, sizeof(first), "%s/%06u.raw", out, 0);
		if (stat(first, &st) == 0) {
			snprintf(errbuf, HPCAP_ERRBUF_SIZE,
				 "%s already holds RAW files (%s); use an empty directory",
				 out, first);
			free(w);
			return -EEXIST;
		}
	}
	*wp = w;
	return 0;
}

int hpcap_raw_writer_put(struct hpcap_raw_writer *w, uint32_t sec,
			 uint32_t nsec, uint32_t caplen, uint32_t len,
			 const uint8_t *data)
{
	uint32_t rec_len;
	uint64_t pad;
	uint8_t *p;
	int err;

	w->cut += hpcap_rec_clamp(&caplen, &len);
	rec_len = HPCAP_RAW_HDR_LEN + caplen;
	if (!hpcap_record_fits_file(w->file_size, rec_len)) {
		snprintf(w->err, sizeof(w->err),
			 "a frame of %u bytes does not fit in files of %llu bytes",
			 caplen, (unsigned long long)w->file_size);
		return HPCAP_ERR_TOOBIG;
	}

	pad = hpcap_pad_before(w->pos, w->file_size, rec_len);
	if (pad) {
		err = put_padding(w, pad);
		if (!err)
			err = close_file(w);
		if (err)
			return err;
	}
	if (!w->open) {
		err = open_next(w);
		if (err)
			return err;
	}
	p = outfile_reserve(&w->out, rec_len);
	if (!p) {
		snprintf(w->err, sizeof(w->err), "%s", w->out.err);
		return -EIO;
	}
	hpcap_rec_put(p, sec, nsec, caplen, len);
	memcpy(p + HPCAP_RAW_HDR_LEN, data, caplen);
	outfile_commit(&w->out, rec_len);
	w->pos += rec_len;
	return 0;
}

uint64_t hpcap_raw_writer_cut_frames(const struct hpcap_raw_writer *w)
{
	return w->cut;
}

unsigned hpcap_raw_writer_files(const struct hpcap_raw_writer *w)
{
	return w->files;
}

int hpcap_raw_writer_close(struct hpcap_raw_writer *w, char *errbuf)
{
	int err = 0;

	if (!w)
		return 0;
	if (!w->open && w->files == 0)
		err = open_next(w); /* no frames: still one valid, empty file */
	if (!err && w->open) {
		err = put_padding(w, HPCAP_RAW_HDR_LEN);
		if (!err)
			err = close_file(w);
	}
	if (w->open)
		outfile_abort(&w->out);
	if (err && errbuf)
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "%s", w->err);
	free(w);
	return err;
}

const char *hpcap_raw_writer_geterr(const struct hpcap_raw_writer *w)
{
	return w->err;
}
