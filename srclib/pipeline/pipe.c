// SPDX-License-Identifier: BSD-3-Clause
/*
 * pipe.c - the per-frame capture pipeline: frames in, finished files out.
 *
 *   frame -> split decision -> encoder (RAW | pcap | pcapng)
 *         -> [seekable zstd, frames start on records] -> the file
 *            (filelife.h: "<name>.pending", O_DIRECT, SHA-256 here or
 *            on a thread of its own: hashq.h)
 *   file done -> fdatasync, sidecar, rename to <name>, callback, post hook
 */
#define _GNU_SOURCE
#include "pipeline/pipeline_int.h"
#include "pipeline/filelife.h"
#include "pipeline/hashq.h"
#include "file/capfmt.h"
#include "hpcap_framing.h"
#include "hpcap_record.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct hpcap_pipe {
	struct hpcap_pipe_opts o;
	char *dir, *fmt;
	char ext[32];
	struct hpcap_split split;
	struct filelife fl;		/* the open file, the files done */
	struct hpcap_zsk_writer *z;
	struct hashq *hq;		/* SHA-256 on its own thread, or NULL */
	struct hpcap_file_facts cur;	/* of the open file */
	uint64_t frames;
	char err[HPCAP_ERRBUF_SIZE];
};

int hpcap_pipe_open(struct hpcap_pipe **pp, const struct hpcap_pipe_opts *o,
		    char *errbuf)
{
	struct hpcap_pipe *p;
	int err;

	*pp = NULL;
	if (!o->names.dir) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "no output directory");
		return -EINVAL;
	}
	err = hpcap_name_check(o->names.fmt, errbuf);
	if (err)
		return err;
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		return -ENOMEM;
	}
	p->o = *o;
	p->dir = strdup(o->names.dir);
	p->fmt = o->names.fmt ? strdup(o->names.fmt) : NULL;
	if (!p->dir || (o->names.fmt && !p->fmt)) {
		hpcap_pipe_close(p, NULL);
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		return -ENOMEM;
	}
	p->o.names.dir = p->dir;
	p->o.names.fmt = p->fmt;
	snprintf(p->ext, sizeof(p->ext), ".%s%s", hpcap_out_format_name(o->format),
		 o->zstd ? ".zst" : "");
	p->o.names.ext = p->ext;
	if (!p->o.snaplen)
		p->o.snaplen = 65535;
	if (!p->o.idle_grace_ns)
		p->o.idle_grace_ns = 1000000000ull;
	if (o->format == HPCAP_OUT_RAW && p->o.raw_file_size &&
	    p->o.raw_file_size < 2 * HPCAP_RAW_HDR_LEN + HPCAP_MAX_CAPLEN)
		p->o.raw_file_size = 0;	/* too small to hold every frame */
	hpcap_split_init(&p->split, o->split_ns);
	filelife_init(&p->fl, &p->o, 0);
	/* The writer hands the file's bytes to the hashing thread and goes
	 * on; the output keeps them until they are hashed.  Same digest. */
	if (o->sha256 && o->workers) {
		err = hashq_open(&p->hq, o->worker_cpus, errbuf);
		if (err) {
			hpcap_pipe_close(p, NULL);
			return err;
		}
		p->fl.hq = p->hq;
	}
	*pp = p;
	return 0;
}

void hpcap_pipe_on_file(struct hpcap_pipe *p,
			void (*cb)(void *, const struct hpcap_file_facts *, int),
			void *arg)
{
	p->fl.cb = cb;
	p->fl.cb_arg = arg;
}

static int perr(struct hpcap_pipe *p, int code, const char *msg)
{
	snprintf(p->err, sizeof(p->err), "%s", msg);
	return code;
}

/* Room for n bytes of the (uncompressed) file, in one piece. */
static uint8_t *reserve(struct hpcap_pipe *p, size_t n)
{
	uint8_t *b = p->z ? hpcap_zsk_reserve(p->z, n)
			  : outfile_reserve(&p->fl.out, n);

	if (!b)
		perr(p, -EIO, p->z ? hpcap_zsk_writer_geterr(p->z) : p->fl.out.err);
	return b;
}

static void commit(struct hpcap_pipe *p, size_t n)
{
	if (p->z)
		hpcap_zsk_commit(p->z, n);
	else
		outfile_commit(&p->fl.out, n);
	p->cur.data_bytes += n;
}

static int open_file(struct hpcap_pipe *p, time_t t)
{
	char eb[HPCAP_ERRBUF_SIZE];
	int err;

	memset(&p->cur, 0, sizeof(p->cur));
	err = filelife_open(&p->fl, t);
	if (err)
		return perr(p, err, p->fl.err);
	if (p->o.zstd) {
		err = zsk_writer_attach(&p->z, &p->fl.out, &p->o.zsk, eb);
		if (err) {
			filelife_abort(&p->fl);
			return perr(p, err, eb);
		}
	}
	p->cur.format = p->o.format;
	p->cur.zstd = p->o.zstd;
	p->cur.period_start_ns = p->o.split_ns ? p->split.start_ns : 0;
	if (p->o.format != HPCAP_OUT_RAW) {
		enum hpcap_pcap_format f = p->o.format == HPCAP_OUT_PCAPNG
						   ? HPCAP_PCAPNG : HPCAP_PCAP_NSEC;
		uint8_t *b = reserve(p, CAPFMT_HDR_MAX);

		if (!b)
			return -EIO;
		commit(p, capfmt_file_header_lt(b, f, p->o.snaplen,
						p->o.linktype ? p->o.linktype
						: HPCAP_LINKTYPE_ETHERNET));
	}
	return 0;
}

/* Finish the open file: closing padding (RAW), seek table (zstd), flush,
 * sidecar, rename, then the callback and the hook. */
static int close_file(struct hpcap_pipe *p, int reason)
{
	char eb[HPCAP_ERRBUF_SIZE];
	int err = 0;

	if (!p->fl.open)
		return 0;
	if (p->o.format == HPCAP_OUT_RAW) {
		uint8_t *b = reserve(p, HPCAP_RAW_HDR_LEN);
		struct hpcap_raw_hdr h;

		if (!b)
			err = -EIO;
		else {
			hpcap_padding_hdr(&h, HPCAP_RAW_HDR_LEN);
			memcpy(b, &h, sizeof(h));
			commit(p, HPCAP_RAW_HDR_LEN);
		}
	}
	if (p->z) {
		if (!err && zsk_writer_finish(p->z, eb) < 0)
			err = perr(p, -EIO, eb);
		else if (err)
			zsk_writer_abort(p->z);
		p->z = NULL;
	}
	if (err) {
		filelife_abort(&p->fl);
		return err;
	}
	p->cur.reason = reason;
	err = filelife_commit(&p->fl, &p->cur);
	if (err)
		return perr(p, err, p->fl.err);
	return 0;
}

int hpcap_pipe_close_file(struct hpcap_pipe *p, int reason)
{
	hpcap_split_closed(&p->split);
	return close_file(p, reason);
}

int hpcap_pipe_put(struct hpcap_pipe *p, uint32_t sec, uint32_t nsec,
		   uint32_t caplen, uint32_t len, const uint8_t *data)
{
	uint64_t ts = (uint64_t)sec * 1000000000u + nsec;
	enum hpcap_out_format fmt = p->o.format;
	size_t rec;
	int reason = 0, too_big = 0, slice = 0, err;
	uint8_t *b;

	if (fmt == HPCAP_OUT_RAW) {
		hpcap_rec_clamp(&caplen, &len);
		/* The file facts tell the time as the file has it. */
		nsec = hpcap_rec_nsec(sec, nsec);
		rec = HPCAP_RAW_HDR_LEN + caplen;
	} else {
		rec = capfmt_record_len(fmt == HPCAP_OUT_PCAPNG ? HPCAP_PCAPNG
							       : HPCAP_PCAP_NSEC,
					caplen);
	}
	if (p->fl.open) {
		/* RAW files end with a padding header: count it in. */
		uint64_t after = p->cur.data_bytes + rec +
				 (fmt == HPCAP_OUT_RAW ? HPCAP_RAW_HDR_LEN : 0);

		too_big = p->o.split_bytes && after > p->o.split_bytes;
		slice = fmt == HPCAP_OUT_RAW && p->o.raw_file_size &&
			after > p->o.raw_file_size;
	}
	reason = hpcap_split_frame(&p->split, ts, too_big || slice);
	if (reason) {
		if (reason == HPCAP_CLOSE_SIZE && !too_big)
			reason = HPCAP_CLOSE_SLICE;
		err = close_file(p, reason);
		if (err)
			return err;
	}
	if (!p->fl.open && p->o.max_files && p->fl.files >= p->o.max_files)
		return 1;	/* as many files as asked for: stop */
	if (!p->fl.open) {
		time_t t = p->o.split_ns ? (time_t)(p->split.start_ns / 1000000000u)
					 : (time_t)sec;

		err = open_file(p, t);
		if (err)
			return err;
	}
	b = reserve(p, rec);
	if (!b)
		return -EIO;
	if (fmt == HPCAP_OUT_RAW) {
		hpcap_rec_put(b, sec, nsec, caplen, len);
		memcpy(b + HPCAP_RAW_HDR_LEN, data, caplen);
	} else {
		capfmt_record(b, fmt == HPCAP_OUT_PCAPNG ? HPCAP_PCAPNG
							: HPCAP_PCAP_NSEC,
			      sec, nsec, caplen, len, data);
	}
	commit(p, rec);
	if (!p->cur.frames) {
		p->cur.first_sec = sec;
		p->cur.first_nsec = nsec;
	}
	p->cur.last_sec = sec;
	p->cur.last_nsec = nsec;
	p->cur.frames++;
	p->frames++;
	return 0;
}

int hpcap_pipe_tick(struct hpcap_pipe *p, uint64_t now_ns)
{
	if (!p->fl.open || !hpcap_split_idle(&p->split, now_ns, p->o.idle_grace_ns))
		return 0;
	return hpcap_pipe_close_file(p, HPCAP_CLOSE_TIME);
}

unsigned hpcap_pipe_files(const struct hpcap_pipe *p)
{
	return p->fl.files;
}

uint64_t hpcap_pipe_frames(const struct hpcap_pipe *p)
{
	return p->frames;
}

uint64_t hpcap_pipe_bytes(const struct hpcap_pipe *p)
{
	return p->fl.bytes + (p->fl.open ? outfile_size(&p->fl.out) : 0);
}

const char *hpcap_pipe_geterr(const struct hpcap_pipe *p)
{
	return p->err;
}

int hpcap_pipe_close(struct hpcap_pipe *p, char *errbuf)
{
	int err = 0;

	if (!p)
		return 0;
	if (p->fl.open) {
		err = close_file(p, HPCAP_CLOSE_END);
		if (err && errbuf)
			snprintf(errbuf, HPCAP_ERRBUF_SIZE, "%s", p->err);
	}
	if (p->fl.open) {		/* failed half-way: leave it pending */
		zsk_writer_abort(p->z);
		filelife_abort(&p->fl);
	}
	hashq_close(p->hq);	/* after the last file: nothing in flight */
	free(p->dir);
	free(p->fmt);
	free(p);
	return err;
}
