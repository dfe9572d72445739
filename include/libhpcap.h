/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file libhpcap.h
 * @brief libhpcap: read and write hpcap RAW files, write pcap/pcapng, and
 * (see libhpcap_live.h) consume the capture buffers of the hpcap module.
 *
 * Conventions, as in libpcap: every object is an opaque handle; functions
 * return a non-negative value on success and a negative code on failure
 * (a negated errno value, or one of the HPCAP_ERR_* codes below); the
 * handle keeps a human-readable message about the last failure, read with
 * the matching *_geterr() call.  The library never prints, exits or aborts.
 * Constructors that fail before a handle exists write their message into a
 * caller buffer of HPCAP_ERRBUF_SIZE bytes.
 */
#ifndef LIBHPCAP_H
#define LIBHPCAP_H

#include <stddef.h>
#include <stdint.h>

#include "hpcap.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Size of every error-message buffer the library fills. */
#define HPCAP_ERRBUF_SIZE 256

/** Library-specific negative codes (errno values are used otherwise). */
enum hpcap_err {
	HPCAP_ERR_TRUNCATED = -1000, /**< a record is cut short by end of file */
	HPCAP_ERR_NOPAD = -1001,     /**< file ends without its closing padding */
	HPCAP_ERR_FORMAT = -1002,    /**< input is not in the expected format */
	HPCAP_ERR_TOOBIG = -1003,    /**< a frame cannot fit in a file */
};

/** A human-readable text for any negative code this library returns. */
const char *hpcap_strerror(int code);

/* ----------------------------------------------------------------------- */
/* Reading RAW files                                                        */
/* ----------------------------------------------------------------------- */

/** One record as the reader returns it (fields in host byte order). */
struct hpcap_raw_record {
	uint32_t sec;
	uint32_t nsec;
	uint16_t caplen;
	uint16_t len;
	const uint8_t *data; /**< caplen bytes, valid until the next call */
	uint64_t offset;     /**< file offset of the record's header */
};

/** Return values of hpcap_raw_next() besides the negative error codes. */
enum hpcap_raw_status {
	HPCAP_RAW_END = 0,     /**< the closing padding was read */
	HPCAP_RAW_FRAME = 1,   /**< *rec holds a frame */
	HPCAP_RAW_PADDING = 2, /**< *rec holds a padding record (only with
				    HPCAP_RAW_SHOW_PADDING) */
};

/** Flags for hpcap_raw_open(). */
enum hpcap_raw_flags {
	/** Return padding records as HPCAP_RAW_PADDING instead of skipping a
	 * leading one and ending at the closing one; reading then goes on
	 * until end of file (for validators). */
	HPCAP_RAW_SHOW_PADDING = 1,
};

struct hpcap_raw_reader;

/**
 * Open a RAW file for sequential reading in constant memory.
 * @param path  file name, or "-" for standard input
 * @param flags HPCAP_RAW_* flags
 * @param errbuf receives a message on failure (HPCAP_ERRBUF_SIZE bytes)
 * @return 0 and *out set, or a negative code
 */
int hpcap_raw_open(struct hpcap_raw_reader **out, const char *path,
		   unsigned flags, char *errbuf);

/**
 * Like hpcap_raw_open() on an already open descriptor, which stays open
 * after hpcap_raw_close(); name is used in messages.
 */
int hpcap_raw_fdopen(struct hpcap_raw_reader **out, int fd, const char *name,
		     unsigned flags, char *errbuf);

/**
 * Read the next record.
 * @return HPCAP_RAW_FRAME (or HPCAP_RAW_PADDING) with *rec filled;
 *   HPCAP_RAW_END after the closing padding; HPCAP_ERR_NOPAD when the file
 *   ends on a record boundary with no closing padding; HPCAP_ERR_TRUNCATED
 *   when end of file cuts a record; a negated errno on I/O errors.  After
 *   END or an error, further calls return the same value.
 */
int hpcap_raw_next(struct hpcap_raw_reader *r, struct hpcap_raw_record *rec);

/** Size of the file (0 when reading a pipe). */
uint64_t hpcap_raw_file_size(const struct hpcap_raw_reader *r);

/** File offset just past the last record returned (or the closing pad). */
uint64_t hpcap_raw_offset(const struct hpcap_raw_reader *r);

/** Bytes of the leading padding skipped at offset 0 (0 if none). */
uint32_t hpcap_raw_lead_padding(const struct hpcap_raw_reader *r);

/** Message about the last failure of this reader. */
const char *hpcap_raw_geterr(const struct hpcap_raw_reader *r);

/** Close the reader; NULL is accepted. */
void hpcap_raw_close(struct hpcap_raw_reader *r);

/**
 * Expand command-line arguments into the list of RAW files to read, in
 * order: a file stands for itself, a directory for every "*.raw" file under
 * it, sorted by path in natural (version) order, which is capture order for
 * hpcapdd's time-named files.
 * @return number of files (>= 0) with *paths an array to free with
 *   hpcap_raw_list_free(), or a negative code with errbuf set.
 */
int hpcap_raw_list(const char *const *args, int nargs, char ***paths,
		   char *errbuf);
void hpcap_raw_list_free(char **paths, int n);

/* ----------------------------------------------------------------------- */
/* Writing RAW files                                                        */
/* ----------------------------------------------------------------------- */

struct hpcap_raw_writer;

/** Options of hpcap_raw_writer_open(). */
struct hpcap_raw_writer_opts {
	uint64_t file_size;  /**< framing; 0 = HPCAP_DEFAULT_FILE_SIZE */
	/** Optional: create file number `index` and return its descriptor
	 * (name in path), or -1; replaces the 000000.raw naming. */
	int (*create)(char *path, size_t n, unsigned index, void *arg);
	void *create_arg;
};

/**
 * Write a RAW stream framed into files of opts->file_size bytes.
 * @param out a directory (files 000000.raw, 000001.raw, ... are created in
 *   it) or, when it is not a directory, the single file to create; writing
 *   more than one file's worth to a single file fails with HPCAP_ERR_TOOBIG.
 */
int hpcap_raw_writer_open(struct hpcap_raw_writer **w, const char *out,
			  const struct hpcap_raw_writer_opts *opts,
			  char *errbuf);

/** Append one frame; caplen above HPCAP_MAX_CAPLEN is cut (and counted). */
int hpcap_raw_writer_put(struct hpcap_raw_writer *w, uint32_t sec,
			 uint32_t nsec, uint32_t caplen, uint32_t len,
			 const uint8_t *data);

/** Frames whose caplen or len had to be cut to fit the format. */
uint64_t hpcap_raw_writer_cut_frames(const struct hpcap_raw_writer *w);

/** Number of files written so far (including the open one). */
unsigned hpcap_raw_writer_files(const struct hpcap_raw_writer *w);

/** Close the last file with a padding record of its own (so the last
 * file is shorter than the file size: a padding record cannot span more
 * than 65535 bytes), flush, close and free the writer.  0 or a negative code, with the message in errbuf (may be NULL). */
int hpcap_raw_writer_close(struct hpcap_raw_writer *w, char *errbuf);

const char *hpcap_raw_writer_geterr(const struct hpcap_raw_writer *w);

/* ----------------------------------------------------------------------- */
/* Writing pcap and pcapng                                                  */
/* ----------------------------------------------------------------------- */

/** Output formats. */
enum hpcap_pcap_format {
	HPCAP_PCAP_NSEC = 0, /**< pcap, nanosecond magic a1b23c4d (default) */
	HPCAP_PCAP_USEC = 1, /**< pcap, microsecond magic a1b2c3d4 */
	HPCAP_PCAPNG = 2,    /**< pcapng, if_tsresol = 9 (nanoseconds) */
};

#define HPCAP_LINKTYPE_ETHERNET 1

struct hpcap_pcap_writer;

/**
 * Create a capture file.
 * @param path file to create (truncated if it exists), or "-" for stdout.
 *   Regular files are written with O_DIRECT in large aligned blocks where
 *   the file system allows it.
 */
int hpcap_pcap_open(struct hpcap_pcap_writer **w, const char *path,
		    enum hpcap_pcap_format format, uint32_t snaplen,
		    char *errbuf);

/**
 * hpcap_pcap_open() for frames of another link type than Ethernet: the
 * number written in files (LINKTYPE_*, e.g. 101 for raw IP), 0..65535.
 * RAW files carry no link type, so the caller says what the frames are.
 */
int hpcap_pcap_open_linktype(struct hpcap_pcap_writer **w, const char *path,
			     enum hpcap_pcap_format format, uint32_t snaplen,
			     uint32_t linktype, char *errbuf);

/** Append one frame. */
int hpcap_pcap_write(struct hpcap_pcap_writer *w, uint32_t sec,
		     uint32_t nsec, uint32_t caplen, uint32_t len,
		     const uint8_t *data);

/** Bytes written so far (file header included). */
uint64_t hpcap_pcap_bytes(const struct hpcap_pcap_writer *w);

/** Flush, close and free; 0 or a negative code with the message in errbuf
 * (may be NULL).  A failed flush loses data, so always check it. */
int hpcap_pcap_close(struct hpcap_pcap_writer *w, char *errbuf);

const char *hpcap_pcap_geterr(const struct hpcap_pcap_writer *w);

#ifdef __cplusplus
}
#endif

#endif /* LIBHPCAP_H */
