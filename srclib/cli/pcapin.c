// SPDX-License-Identifier: BSD-3-Clause
/*
 * pcapin.c - see pcapin.h.
 */
#define _GNU_SOURCE
#include "cli/pcapin.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* The counting stream: the magic read ahead, then the descriptor. */
static ssize_t counted_read(void *cookie, char *buf, size_t n)
{
	struct pcapin *in = cookie;
	ssize_t got;

	if (in->peek_pos < in->peek_len) {
		size_t k = in->peek_len - in->peek_pos;

		if (k > n)
			k = n;
		memcpy(buf, in->peek + in->peek_pos, k);
		in->peek_pos += k;
		in->nread += k;
		return (ssize_t)k;
	}
	/* EINTR is passed on: a signal that should stop the tool must not
	 * leave it waiting on a pipe. */
	got = read(in->fd, buf, n);
	if (got > 0)
		in->nread += (uint64_t)got;
	return got;
}

/* Only ftell() is supported: the position is the bytes read so far. */
static int counted_seek(void *cookie, off64_t *off, int whence)
{
	struct pcapin *in = cookie;

	if (whence != SEEK_CUR || *off != 0) {
		errno = ESPIPE;
		return -1;
	}
	*off = (off64_t)in->nread;
	return 0;
}

static int counted_close(void *cookie)
{
	struct pcapin *in = cookie;

	return in->fd > STDIN_FILENO ? close(in->fd) : 0;
}

static uint32_t magic_of(const uint8_t *b)
{
	uint32_t le = (uint32_t)b[0] | (uint32_t)b[1] << 8 |
		      (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	uint32_t be = __builtin_bswap32(le);

	/* The magic is written in the writer's byte order. */
	if (be == 0xa1b2c3d4u || be == 0xa1b23c4du || be == 0xa1b2cd34u)
		return be;
	return le;
}

int pcapin_open(struct pcapin *in, const char *path, char *errbuf)
{
	static const cookie_io_functions_t io = {
		.read = counted_read,
		.seek = counted_seek,
		.close = counted_close,
	};
	int precision = PCAP_TSTAMP_PRECISION_NANO;
	ssize_t got;

	memset(in, 0, sizeof(*in));
	in->fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC)
				   : STDIN_FILENO;
	if (in->fd < 0) {
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s", strerror(errno));
		return -1;
	}
	while (in->peek_len < sizeof(in->peek)) {
		got = read(in->fd, in->peek + in->peek_len,
			   sizeof(in->peek) - in->peek_len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;	/* too short: libpcap says what is wrong */
		in->peek_len += (size_t)got;
	}
	in->frac_units = 1000000000u;
	if (in->peek_len == sizeof(in->peek)) {
		switch (magic_of(in->peek)) {
		case 0xa1b2c3d4u:	/* microseconds */
			precision = PCAP_TSTAMP_PRECISION_MICRO;
			in->frac_units = 1000000u;
			in->rec_hdr_len = 16;
			break;
		case 0xa1b2cd34u:	/* microseconds, longer record header */
			precision = PCAP_TSTAMP_PRECISION_MICRO;
			in->frac_units = 1000000u;
			in->rec_hdr_len = 24;
			break;
		case 0xa1b23c4du:	/* nanoseconds */
			in->rec_hdr_len = 16;
			break;
		default:		/* pcapng (or not a capture) */
			break;
		}
	}
	in->counted = fopencookie(in, "r", io);
	if (!in->counted) {
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s", strerror(errno));
		counted_close(in);
		return -1;
	}
	in->p = pcap_fopen_offline_with_tstamp_precision(in->counted, precision,
							 errbuf);
	if (!in->p) {
		fclose(in->counted);
		return -1;
	}
	return 0;
}

int pcapin_next(struct pcapin *in, struct pcap_pkthdr **ph,
		const u_char **data, int64_t *sec, uint32_t *nsec)
{
	long before = in->rec_hdr_len ? ftell(in->counted) : -1;
	int64_t s;
	uint64_t frac;
	int st;

	st = pcap_next_ex(in->p, ph, data);
	if (st != 1)
		return st == PCAP_ERROR_BREAK ? 0 : st;
	if (in->rec_hdr_len) {
		long after = before >= 0 ? ftell(in->counted) : -1;

		/* libpcap only ever shortens to the snaplen, and the record
		 * took its stored caplen in the file. */
		if (after >= 0 &&
		    (*ph)->caplen == (bpf_u_int32)pcap_snapshot(in->p) &&
		    (uint64_t)(after - before) > in->rec_hdr_len + (*ph)->caplen)
			in->snap_cut++;
		/* A classic pcap holds both fields as unsigned 32-bit
		 * numbers; libpcap passes them through as signed ones. */
		s = (int64_t)(uint32_t)(*ph)->ts.tv_sec;
		frac = (uint32_t)(*ph)->ts.tv_usec;
	} else {
		/* pcapng: libpcap computed both from one 64-bit count. */
		s = (int64_t)(*ph)->ts.tv_sec;
		if ((*ph)->ts.tv_usec < 0) {
			in->carried++;
			s -= 1;
			frac = (uint64_t)((*ph)->ts.tv_usec + 1000000000L);
		} else {
			frac = (uint64_t)(*ph)->ts.tv_usec;
		}
	}
	if (frac >= in->frac_units) {
		in->carried++;
		s += (int64_t)(frac / in->frac_units);
		frac %= in->frac_units;
	}
	*sec = s;
	*nsec = (uint32_t)(frac * (1000000000u / in->frac_units));
	return 1;
}

void pcapin_close(struct pcapin *in)
{
	if (in->p)
		pcap_close(in->p);	/* closes the stream and the file */
	in->p = NULL;
}
