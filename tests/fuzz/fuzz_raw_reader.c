// SPDX-License-Identifier: BSD-3-Clause
/*
 * fuzz_raw_reader.c - libFuzzer target for the RAW reader: any bytes, read
 * in both modes, must end in a documented status, never crash, never hand
 * out a record outside the file, and never go backwards.
 */
#define _GNU_SOURCE
#include "libhpcap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned sink;

static void read_all(int fd, size_t size, unsigned flags)
{
	char err[HPCAP_ERRBUF_SIZE];
	struct hpcap_raw_reader *r;
	struct hpcap_raw_record rec;
	uint64_t last = 0;
	int st, n = 0;

	lseek(fd, 0, SEEK_SET);
	if (hpcap_raw_fdopen(&r, fd, "fuzz", flags, err) < 0)
		abort();
	while ((st = hpcap_raw_next(r, &rec)) > 0) {
		if (n++ && rec.offset <= last)
			abort();	/* never stands still or goes back */
		if (rec.offset + 12 + rec.caplen > size)
			abort();	/* a record inside the file */
		/* touch both ends of the data so ASan checks the pointer */
		if (rec.caplen)
			sink += rec.data[0] + rec.data[rec.caplen - 1];
		last = rec.offset;
	}
	if (st != HPCAP_RAW_END && st != HPCAP_ERR_TRUNCATED &&
	    st != HPCAP_ERR_NOPAD)
		abort();
	if (hpcap_raw_next(r, &rec) != st)	/* sticky */
		abort();
	if (st < 0 && !hpcap_raw_geterr(r)[0])
		abort();	/* every failure has a message */
	if (hpcap_raw_offset(r) > size)
		abort();
	hpcap_raw_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;

	if (fd < 0)
		fd = memfd_create("fuzz", 0);
	if (fd < 0 || ftruncate(fd, 0) < 0 ||
	    pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	read_all(fd, size, 0);
	read_all(fd, size, HPCAP_RAW_SHOW_PADDING);
	return 0;
}
