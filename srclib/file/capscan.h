/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * capscan.h - walk the frames of one capture file, whatever hpcap wrote
 * it as (RAW, pcap, pcapng), from its start or from any record offset an
 * index gave.  The file is mapped read-only; a frame is a pointer into
 * the mapping, never a copy.  What the index writer (capindex.c) and
 * hpcap-extract share.  Private to libhpcap and its tools.
 *
 * Any of them compressed with zstd is read too (capzst.c): seekable files
 * (hpcapdd --zstd) frame by frame as the scan goes, with offsets into the
 * decompressed content; a plain zstd stream decompressed whole.
 *
 * RAW records are decoded by include/hpcap_record.h only.  pcap: both byte
 * orders, microsecond or nanosecond magic.  pcapng: one section, the
 * interfaces described before the first packet (if_tsresol honoured);
 * Enhanced and Simple Packet Blocks are frames, other blocks are skipped.
 */
#ifndef HPCAP_CAPSCAN_H
#define HPCAP_CAPSCAN_H

#include <stdint.h>

#include "libhpcap.h"

enum capscan_fmt {
	CAPSCAN_RAW = 1,
	CAPSCAN_PCAP = 2,
	CAPSCAN_PCAPNG = 3,
};

#define CAPSCAN_MAX_IF 16

struct capzst;

struct capscan {
	const char *path;
	int fd;
	const uint8_t *map;
	uint64_t size;		/* of the content (decompressed, for zstd) */
	struct capzst *z;	/* zstd-compressed: see capzst.h; else NULL */
	enum capscan_fmt fmt;
	uint64_t start;		/* offset of the first record */
	int swapped;		/* pcap/pcapng written big-endian */
	int sparse;		/* capscan_will_read() called: no read-ahead */
	uint32_t lead_pad;	/* RAW: size of the opening padding (0: none) */
	uint64_t pcap_unit_ns;	/* pcap: ns per timestamp fraction unit */
	uint64_t if_unit_ns[CAPSCAN_MAX_IF];	/* pcapng, per interface */
	uint64_t if_div[CAPSCAN_MAX_IF];	/* pcapng: units per ns (>1) */
	unsigned n_if;
	char err[HPCAP_ERRBUF_SIZE];
};

struct capscan_frame {
	uint64_t off;		/* offset of its record (in the content) */
	uint64_t ts_ns;		/* since the epoch */
	uint32_t caplen, len;
	const uint8_t *data;
};

/* Map the file (decompressing, see above) and read its header.  0, or a
 * negative code with errbuf naming the file and what is wrong. */
int capscan_open(struct capscan *cs, const char *path, char *errbuf);

/*
 * The frame whose record starts at *off (or the first record after
 * non-frame records from there); *off then moves past it.
 * Returns 1 with *f filled, 0 at the end of the file (a RAW file's
 * closing padding included), or a negative code when the file is damaged
 * there (cs->err names the file and the offset; nothing after it is
 * read).
 */
int capscan_next(struct capscan *cs, uint64_t *off, struct capscan_frame *f);

/*
 * The reader is about to jump to [off, off + len) (an index's segment):
 * ask for those bytes now, in one read, and from the first call on turn
 * the kernel's read-ahead off for the file (MADV_RANDOM), which would
 * otherwise read the gaps between segments too: the caller asks for
 * every range it will read.  A hint only; nothing for a zstd file (it
 * reads its own).
 */
void capscan_will_read(struct capscan *cs, uint64_t off, uint64_t len);

void capscan_close(struct capscan *cs);

const char *capscan_fmt_name(enum capscan_fmt fmt);

/*
 * Expand file and directory arguments into the capture files they stand
 * for: files as given; directories walked (sub-directories too, in
 * version order), taking every regular file but hidden ones, sidecars
 * (.idx, .sha256), files still being written (.pending) and temporaries
 * (.tmp).  Returns the count with *paths to free with
 * hpcap_raw_list_free(), or a negative code with errbuf set.
 */
int capscan_list(const char *const *args, int nargs, char ***paths,
		 char *errbuf);

/* Whether a file name is one capscan_list() leaves out of a directory. */
int capscan_is_sidecar(const char *name);

#endif /* HPCAP_CAPSCAN_H */
