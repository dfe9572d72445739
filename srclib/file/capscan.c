// SPDX-License-Identifier: BSD-3-Clause
/*
 * capscan.c - see capscan.h.
 */
#define _GNU_SOURCE
#include "file/capscan.h"
#include "file/capfmt.h"
#include "file/capzst.h"
#include "file/filelist.h"
#include "hpcap_record.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* The largest frame a pcap or pcapng record may claim (libpcap's bound
 * for Ethernet); larger is a damaged record, not a frame. */
#define CAPSCAN_MAX_FRAME 262144u
#define PCAPNG_SPB 0x00000003u
/* The most a record can span from its first byte: what a zstd file must
 * have decompressed before one is read (capzst_need). */
#define CAPSCAN_RECORD_SPAN (CAPSCAN_MAX_FRAME + 64u)

const char *capscan_fmt_name(enum capscan_fmt fmt)
{
	switch (fmt) {
	case CAPSCAN_RAW: return "raw";
	case CAPSCAN_PCAP: return "pcap";
	case CAPSCAN_PCAPNG: return "pcapng";
	}
	return "unknown";
}

static uint32_t rd32(const struct capscan *cs, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	v = le32toh(v);
	return cs->swapped ? __builtin_bswap32(v) : v;
}

static uint16_t rd16(const struct capscan *cs, const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	v = le16toh(v);
	return cs->swapped ? __builtin_bswap16(v) : v;
}

static int damaged(struct capscan *cs, uint64_t off, const char *what)
{
	snprintf(cs->err, sizeof(cs->err), "%s: damaged at offset %" PRIu64
		 "%s: %s", cs->path, off,
		 cs->z ? " of its decompressed content" : "", what);
	return -EBADMSG;
}

/* Content [off, off + len) readable (only zstd files need the call). */
static int need(struct capscan *cs, uint64_t off, uint64_t len)
{
	return cs->z ? capzst_need(cs, off, len) : 0;
}

/* if_tsresol's byte into "ns per unit" or "units per ns". */
static void set_tsresol(struct capscan *cs, unsigned i, uint8_t v)
{
	uint64_t units_per_s = 1;
	unsigned k, e = v & 0x7f;

	if (v & 0x80) {
		units_per_s = e < 63 ? UINT64_C(1) << e : UINT64_C(1) << 62;
	} else {
		for (k = 0; k < e && k < 19; k++)
			units_per_s *= 10;
	}
	if (units_per_s <= HPCAP_NSEC_PER_SEC) {
		cs->if_unit_ns[i] = HPCAP_NSEC_PER_SEC / units_per_s;
		cs->if_div[i] = 1;
	} else {
		cs->if_unit_ns[i] = 1;
		cs->if_div[i] = units_per_s / HPCAP_NSEC_PER_SEC;
	}
}

static void read_idb(struct capscan *cs, const uint8_t *b, uint32_t blen)
{
	unsigned i = cs->n_if;
	uint32_t o = 16;

	if (i >= CAPSCAN_MAX_IF)
		return;
	cs->n_if++;
	set_tsresol(cs, i, 6);	/* microseconds unless said otherwise */
	while (o + 4 <= blen - 4) {
		uint16_t code = rd16(cs, b + o), len = rd16(cs, b + o + 2);

		if (code == PCAPNG_OPT_END || o + 4 + len > blen - 4)
			break;
		if (code == PCAPNG_OPT_TSRESOL && len >= 1)
			set_tsresol(cs, i, b[o + 4]);
		o += 4 + ((len + 3u) & ~3u);
	}
}

/* The blocks before the first packet: the section header and the
 * interfaces.  The first packet block is where frames start. */
static int open_pcapng(struct capscan *cs)
{
	uint64_t off = 0;

	if (cs->size < 28)
		return damaged(cs, 0, "pcapng section header cut short");
	if (!memcmp(cs->map + 8, "\x4d\x3c\x2b\x1a", 4))
		cs->swapped = 0;
	else if (!memcmp(cs->map + 8, "\x1a\x2b\x3c\x4d", 4))
		cs->swapped = 1;
	else
		return damaged(cs, 8, "bad pcapng byte-order magic");
	while (off + 12 <= cs->size) {
		uint32_t type, blen;
		int err = need(cs, off, 12);

		if (err)
			return err;
		type = rd32(cs, cs->map + off);
		blen = rd32(cs, cs->map + off + 4);
		if (blen < 12 || blen % 4 || blen > cs->size - off)
			return damaged(cs, off, "pcapng block length out of bounds");
		err = need(cs, off, blen);
		if (err)
			return err;
		if (type == PCAPNG_EPB || type == PCAPNG_SPB)
			break;
		if (type == PCAPNG_IDB && blen >= 20)
			read_idb(cs, cs->map + off, blen);
		off += blen;
	}
	cs->start = off;
	return 0;
}

static int open_raw(struct capscan *cs)
{
	struct hpcap_rec r;
	int st = hpcap_rec_next(cs->map, 0, cs->size, 0, &r);

	if (st == HPCAP_REC_LEAD)
		cs->lead_pad = HPCAP_RAW_HDR_LEN + r.caplen;
	else if (st == HPCAP_REC_CUT)
	{
		snprintf(cs->err, sizeof(cs->err),
			 "%s: not a RAW, pcap or pcapng file (too short for the first record its header announces)",
			 cs->path);
		return -EINVAL;
	}
	if (st >= 0 && !hpcap_rec_sane(&r)) {
		snprintf(cs->err, sizeof(cs->err),
			 "%s: not a RAW, pcap or pcapng file (its first record header makes no sense)",
			 cs->path);
		return -EINVAL;
	}
	cs->start = cs->lead_pad;
	return 0;
}

int capscan_open(struct capscan *cs, const char *path, char *errbuf)
{
	struct stat st;
	uint32_t magic = 0;
	int err;

	memset(cs, 0, sizeof(*cs));
	cs->path = path;
	cs->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (cs->fd < 0) {
		err = -errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot open %s: %s", path,
			 strerror(-err));
		return err;
	}
	if (fstat(cs->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "%s: not a regular file",
			 path);
		close(cs->fd);
		return -EINVAL;
	}
	cs->size = (uint64_t)st.st_size;
	if (cs->size < HPCAP_RAW_HDR_LEN) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "%s: %s (no capture file is that short)", path,
			 cs->size ? "too short" : "empty");
		close(cs->fd);
		return -EINVAL;
	}
	cs->map = mmap(NULL, cs->size, PROT_READ, MAP_SHARED, cs->fd, 0);
	if (cs->map == MAP_FAILED) {
		err = -errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot map %s: %s", path,
			 strerror(-err));
		close(cs->fd);
		cs->map = NULL;
		return err;
	}
	/* A shared lock for as long as the file is read: retention
	 * (pipeline/retention.c) deletes only what it can lock exclusively.
	 * Advisory; a file system without flock() just goes unprotected. */
	flock(cs->fd, LOCK_SH | LOCK_NB);
	madvise((void *)cs->map, cs->size, MADV_SEQUENTIAL);
	memcpy(&magic, cs->map, 4);
	magic = le32toh(magic);
	if (magic == CAPZST_MAGIC) {
		err = capzst_open(cs);
		if (!err)
			err = need(cs, 0, CAPSCAN_RECORD_SPAN);
		if (!err && cs->size < HPCAP_RAW_HDR_LEN) {
			if (!capzst_damaged_end(cs))
				snprintf(cs->err, sizeof(cs->err),
					 "%s: %" PRIu64 " bytes once decompressed (no capture file is that short)",
					 path, cs->size);
			err = -EINVAL;
		}
		if (!err) {
			memcpy(&magic, cs->map, 4);
			magic = le32toh(magic);
			if (magic == CAPZST_MAGIC) {
				snprintf(cs->err, sizeof(cs->err),
					 "%s: compressed twice: decompress it once first (zstd -d)",
					 path);
				err = -EINVAL;
			}
		}
		if (err) {
			snprintf(errbuf, HPCAP_ERRBUF_SIZE, "%s", cs->err);
			capscan_close(cs);
			return err;
		}
	}
	if (magic == PCAP_MAGIC_USEC || magic == PCAP_MAGIC_NSEC ||
	    __builtin_bswap32(magic) == PCAP_MAGIC_USEC ||
	    __builtin_bswap32(magic) == PCAP_MAGIC_NSEC) {
		cs->fmt = CAPSCAN_PCAP;
		cs->swapped = magic != PCAP_MAGIC_USEC && magic != PCAP_MAGIC_NSEC;
		cs->pcap_unit_ns = (magic == PCAP_MAGIC_USEC ||
				    __builtin_bswap32(magic) == PCAP_MAGIC_USEC)
					   ? 1000 : 1;
		cs->start = 24;
		err = cs->size < 24 ? damaged(cs, 0, "pcap header cut short") : 0;
	} else if (magic == PCAPNG_SHB) {
		cs->fmt = CAPSCAN_PCAPNG;
		err = open_pcapng(cs);
	} else {
		cs->fmt = CAPSCAN_RAW;
		err = open_raw(cs);
	}
	if (err) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "%s", cs->err);
		capscan_close(cs);
		return err;
	}
	return 0;
}

static int next_raw(struct capscan *cs, uint64_t *off, struct capscan_frame *f)
{
	for (;;) {
		uint64_t o = *off;
		struct hpcap_rec r;
		int st = need(cs, o, CAPSCAN_RECORD_SPAN);

		if (st)
			return st;
		if (o > cs->size)
			return damaged(cs, o, "offset past the end of the file");
		st = hpcap_rec_next(cs->map + o, o, cs->size - o, cs->lead_pad,
				    &r);
		switch (st) {
		case HPCAP_REC_FRAME:
			if (!hpcap_rec_sane(&r))
				return damaged(cs, o, "corrupt record header");
			f->off = o;
			f->ts_ns = (uint64_t)r.sec * HPCAP_NSEC_PER_SEC + r.nsec;
			f->caplen = r.caplen;
			f->len = r.len;
			f->data = cs->map + o + HPCAP_RAW_HDR_LEN;
			*off = o + HPCAP_RAW_HDR_LEN + r.caplen;
			return 1;
		case HPCAP_REC_LEAD:
			*off = o + HPCAP_RAW_HDR_LEN + r.caplen;
			continue;
		case HPCAP_REC_CUT:
			return damaged(cs, o, "record cut short by the end of the file");
		default:
			/* The closing padding, or a file that ends on a
			 * record boundary without one: every frame is whole. */
			return 0;
		}
	}
}

static int next_pcap(struct capscan *cs, uint64_t *off, struct capscan_frame *f)
{
	uint64_t o = *off;
	const uint8_t *p = cs->map + o;
	uint32_t caplen;
	int err = need(cs, o, CAPSCAN_RECORD_SPAN);

	if (err)
		return err;
	if (o == cs->size)
		return 0;
	if (o > cs->size || cs->size - o < 16)
		return damaged(cs, o, "record header cut short by the end of the file");
	caplen = rd32(cs, p + 8);
	if (caplen > CAPSCAN_MAX_FRAME)
		return damaged(cs, o, "record length out of bounds");
	if (cs->size - o - 16 < caplen)
		return damaged(cs, o, "record cut short by the end of the file");
	f->off = o;
	f->ts_ns = (uint64_t)rd32(cs, p) * HPCAP_NSEC_PER_SEC +
		   (uint64_t)rd32(cs, p + 4) * cs->pcap_unit_ns;
	f->caplen = caplen;
	f->len = rd32(cs, p + 12);
	f->data = p + 16;
	*off = o + 16 + caplen;
	return 1;
}

static int next_pcapng(struct capscan *cs, uint64_t *off,
		       struct capscan_frame *f)
{
	for (;;) {
		uint64_t o = *off;
		const uint8_t *p = cs->map + o;
		uint32_t type, blen, caplen, ifid;
		uint64_t ts;
		int err = need(cs, o, CAPSCAN_RECORD_SPAN);

		if (err)
			return err;
		if (o == cs->size)
			return 0;
		if (o > cs->size || cs->size - o < 12)
			return damaged(cs, o, "block header cut short by the end of the file");
		type = rd32(cs, p);
		blen = rd32(cs, p + 4);
		if (blen < 12 || blen % 4 || blen > cs->size - o)
			return damaged(cs, o, "pcapng block length out of bounds");
		*off = o + blen;
		if (type == PCAPNG_SPB && blen >= 16) {
			f->off = o;
			f->ts_ns = 0;	/* a Simple Packet Block has no time */
			f->len = rd32(cs, p + 8);
			f->caplen = f->len < blen - 16 ? f->len : blen - 16;
			f->data = p + 12;
			return 1;
		}
		if (type != PCAPNG_EPB)
			continue;
		if (blen < 32)
			return damaged(cs, o, "enhanced packet block too short");
		caplen = rd32(cs, p + 20);
		if (caplen > CAPSCAN_MAX_FRAME || caplen > blen - 32)
			return damaged(cs, o, "packet length out of bounds");
		ifid = rd32(cs, p + 8);
		ts = (uint64_t)rd32(cs, p + 12) << 32 | rd32(cs, p + 16);
		if (ifid < cs->n_if)
			ts = cs->if_div[ifid] > 1 ? ts / cs->if_div[ifid]
						  : ts * cs->if_unit_ns[ifid];
		else
			ts *= 1000;
		f->off = o;
		f->ts_ns = ts;
		f->caplen = caplen;
		f->len = rd32(cs, p + 24);
		f->data = p + 28;
		return 1;
	}
}

static int next_any(struct capscan *cs, uint64_t *off, struct capscan_frame *f)
{
	switch (cs->fmt) {
	case CAPSCAN_RAW: return next_raw(cs, off, f);
	case CAPSCAN_PCAP: return next_pcap(cs, off, f);
	case CAPSCAN_PCAPNG: return next_pcapng(cs, off, f);
	}
	return 0;
}

int capscan_next(struct capscan *cs, uint64_t *off, struct capscan_frame *f)
{
	int st = next_any(cs, off, f);

	/* A plain zstd stream that stopped early: its content ends there,
	 * and that, not a cut record, is what to report. */
	if (st <= 0 && cs->z && capzst_damaged_end(cs))
		return -EBADMSG;
	return st;
}

void capscan_will_read(struct capscan *cs, uint64_t off, uint64_t len)
{
	uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE), a, b;

	if (cs->z || !cs->map || off >= cs->size)
		return;
	if (!cs->sparse) {
		madvise((void *)cs->map, cs->size, MADV_RANDOM);
		cs->sparse = 1;
	}
	b = len < cs->size - off ? off + len : cs->size;
	a = off / pg * pg;
	madvise((void *)(cs->map + a), (size_t)(b - a), MADV_WILLNEED);
}

void capscan_close(struct capscan *cs)
{
	if (cs->z)
		capzst_close(cs);
	if (cs->map)
		munmap((void *)cs->map, cs->size);
	if (cs->fd >= 0)
		close(cs->fd);
	cs->map = NULL;
	cs->fd = -1;
}

/* ---- listing ------------------------------------------------------------ */

static int ends_with(const char *s, const char *sfx)
{
	size_t n = strlen(s), k = strlen(sfx);

	return n >= k && !strcmp(s + n - k, sfx);
}

int capscan_is_sidecar(const char *name)
{
	return name[0] == '.' || ends_with(name, ".idx") ||
	       ends_with(name, ".sha256") || ends_with(name, ".pending") ||
	       ends_with(name, ".tmp");
}

int capscan_list(const char *const *args, int nargs, char ***paths,
		 char *errbuf)
{
	static const struct filelist_rules any = { .skip = capscan_is_sidecar };

	return filelist_expand(&any, args, nargs, paths, errbuf);
}
