// SPDX-License-Identifier: BSD-3-Clause
/*
 * capindex.c - see capindex.h; the bytes are doc/index-format.md.
 */
#define _GNU_SOURCE
#include "file/capindex.h"
#include "file/capscan.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#define BITMAPS_LEN (32u + 512u + 8192u)

/* Bytes of a segment entry: version 3 adds the filter's place. */
static size_t seg_len(unsigned version)
{
	return version >= 3 ? 40u : 32u;
}

void capindex_init(struct capindex *ix)
{
	memset(ix, 0, sizeof(*ix));
}

void capindex_free(struct capindex *ix)
{
	free(ix->seg);
	free(ix->v4);
	free(ix->v6);
	free(ix->filt);
	free(ix->keys);
	capindex_init(ix);
}

uint32_t capindex_crc32(uint32_t crc, const void *p, size_t n)
{
	static uint32_t table[256];
	const uint8_t *b = p;
	size_t i;

	if (!table[1]) {
		for (uint32_t k = 0; k < 256; k++) {
			uint32_t c = k;

			for (int j = 0; j < 8; j++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[k] = c;
		}
	}
	crc = ~crc;
	for (i = 0; i < n; i++)
		crc = table[(crc ^ b[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* ---- building ------------------------------------------------------- */

static void set_bit(uint8_t *map, unsigned v)
{
	map[v / 8] |= (uint8_t)(1u << (v % 8));
}

static int get_bit(const uint8_t *map, unsigned v)
{
	return map[v / 8] >> (v % 8) & 1;
}

static int cmp4(const void *a, const void *b)
{
	return memcmp(a, b, 4);
}

static int cmp16(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

/* Sort a set and drop repeats; returns the new count. */
static uint32_t uniq(uint8_t *v, uint32_t n, size_t w,
		     int (*cmp)(const void *, const void *))
{
	uint32_t i, k = 0;

	if (!n)
		return 0;
	qsort(v, n, w, cmp);
	for (i = 1; i < n; i++)
		if (memcmp(v + (size_t)k * w, v + (size_t)i * w, w))
			memcpy(v + (size_t)++k * w, v + (size_t)i * w, w);
	return k + 1;
}

/*
 * Append an address to a set; when the buffer is full it is sorted and
 * deduplicated, and grown only if that freed less than half of it, so the
 * cost stays amortised O(log n) per frame.  Past max distinct addresses
 * the set is dropped for the overflow flag.
 */
static void set_add(struct capindex *ix, uint8_t **v, uint32_t *n,
		    uint32_t *cap, uint32_t *sorted, size_t w, uint32_t max,
		    uint32_t all_flag, const uint8_t *a,
		    int (*cmp)(const void *, const void *))
{
	if (ix->flags & all_flag)
		return;
	if (*n == *cap) {
		*n = uniq(*v, *n, w, cmp);
		*sorted = *n;
		if (*n > max) {
			free(*v);
			*v = NULL;
			*n = *cap = *sorted = 0;
			ix->flags |= all_flag;
			return;
		}
		if (*n >= *cap / 2) {
			uint32_t nc = *cap ? *cap * 2 : 256;
			uint8_t *nv = realloc(*v, (size_t)nc * w);

			if (!nv) {
				ix->err = -ENOMEM;
				return;
			}
			*v = nv;
			*cap = nc;
		}
	}
	memcpy(*v + (size_t)*n * w, a, w);
	(*n)++;
}

/* ---- the segments' address filters (version 3) ---------------------- */

/* The hash an address is filed under: XXH64, seed 0, of its bytes. */
static uint64_t addr_hash(const uint8_t *a, size_t n)
{
	return XXH64(a, n, 0);
}

/* Probe i of a hash in a filter of m bits (double hashing). */
static uint64_t probe(uint64_t h, unsigned i, uint64_t m)
{
	uint64_t h1 = (uint32_t)h, h2 = (uint32_t)(h >> 32) | 1u;

	return (h1 + (uint64_t)i * h2) % m;
}

static void key_add(struct capindex *ix, uint64_t h)
{
	if (ix->n_keys == ix->cap_keys) {
		uint32_t nc = ix->cap_keys ? ix->cap_keys * 2 : 256;
		uint64_t *nk = realloc(ix->keys, (size_t)nc * sizeof(*nk));

		if (!nk) {
			ix->err = -ENOMEM;
			return;
		}
		ix->keys = nk;
		ix->cap_keys = nc;
	}
	ix->keys[ix->n_keys++] = h;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The open segment's filter from the addresses seen in it: 10 bits per
 * distinct address (at least one word, so a segment without addresses
 * answers "no"), 7 probes. */
static void close_filter(struct capindex *ix, struct capindex_seg *s)
{
	uint32_t n = 0, i;
	uint64_t words, m;

	if (ix->n_keys) {
		qsort(ix->keys, ix->n_keys, sizeof(*ix->keys), cmp_u64);
		for (i = 0; i < ix->n_keys; i++)
			if (!i || ix->keys[i] != ix->keys[i - 1])
				ix->keys[n++] = ix->keys[i];
	}
	words = ((uint64_t)n * CAPINDEX_BLOOM_BITS + 63) / 64;
	if (!words)
		words = 1;
	ix->n_keys = 0;
	if (ix->n_filt + words > UINT32_MAX)
		return;		/* no filter: "maybe" for any address */
	if (ix->n_filt + words > ix->cap_filt) {
		uint64_t nc = ix->cap_filt ? ix->cap_filt * 2 : 1024;
		uint64_t *nf;

		while (nc < ix->n_filt + words)
			nc *= 2;
		nf = realloc(ix->filt, (size_t)nc * sizeof(*nf));
		if (!nf) {
			ix->err = -ENOMEM;
			return;
		}
		ix->filt = nf;
		ix->cap_filt = nc;
	}
	memset(ix->filt + ix->n_filt, 0, (size_t)words * 8);
	m = words * 64;
	for (i = 0; i < n; i++)
		for (unsigned k = 0; k < CAPINDEX_BLOOM_K; k++) {
			uint64_t b = probe(ix->keys[i], k, m);

			ix->filt[ix->n_filt + b / 64] |= UINT64_C(1) << (b % 64);
		}
	s->filt_off = (uint32_t)ix->n_filt;
	s->filt_words = (uint32_t)words;
	ix->n_filt += words;
}

int capindex_seg_may_have(const struct capindex *ix, uint32_t seg,
			  const uint8_t *a, size_t alen)
{
	const struct capindex_seg *s;
	uint64_t h, m;

	if (seg >= ix->n_seg || !ix->seg[seg].filt_words)
		return 1;
	s = &ix->seg[seg];
	h = addr_hash(a, alen);
	m = (uint64_t)s->filt_words * 64;
	for (unsigned k = 0; k < CAPINDEX_BLOOM_K; k++) {
		uint64_t b = probe(h, k, m);

		if (!(ix->filt[s->filt_off + b / 64] >> (b % 64) & 1))
			return 0;
	}
	return 1;
}

static void add_v4(struct capindex *ix, const uint8_t *a)
{
	key_add(ix, addr_hash(a, 4));
	set_add(ix, &ix->v4, &ix->n_v4, &ix->cap_v4, &ix->sorted_v4, 4,
		CAPINDEX_MAX_V4, CAPINDEX_F_V4_ALL, a, cmp4);
}

static void add_v6(struct capindex *ix, const uint8_t *a)
{
	key_add(ix, addr_hash(a, 16));
	set_add(ix, &ix->v6, &ix->n_v6, &ix->cap_v6, &ix->sorted_v6, 16,
		CAPINDEX_MAX_V6, CAPINDEX_F_V6_ALL, a, cmp16);
}

static unsigned be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static int is_l4_with_ports(unsigned proto)
{
	return proto == 6 || proto == 17 || proto == 132;
}

/* Ports at p (n bytes there), each as far as the frame holds it. */
static void add_ports(struct capindex *ix, const uint8_t *p, int64_t n)
{
	if (n >= 2)
		set_bit(ix->ports, be16(p));
	if (n >= 4)
		set_bit(ix->ports, be16(p + 2));
}

/*
 * Every field is recorded as far as the captured bytes reach, each on its
 * own, and more is recorded than libpcap's filters look at (ports at the
 * header length even when it is invalid, protocols all along the IPv6
 * header chain): a set may be larger than needed, never smaller, so the
 * answers have no false negatives.
 */
static void parse_ip4(struct capindex *ix, const uint8_t *p, int64_t n)
{
	unsigned ihl;

	if (n < 1)
		return;
	ihl = (p[0] & 0xfu) * 4;
	if (n >= 10)
		set_bit(ix->protos, p[9]);
	if (n >= 16)
		add_v4(ix, p + 12);
	if (n >= 20)
		add_v4(ix, p + 16);
	if (n >= 10 && is_l4_with_ports(p[9]) && n > ihl)
		add_ports(ix, p + ihl, n - ihl);
}

static void parse_ip6(struct capindex *ix, const uint8_t *p, int64_t n)
{
	int64_t o = 40;
	unsigned nh, hops;

	if (n < 7)
		return;
	nh = p[6];
	set_bit(ix->protos, nh);
	if (n >= 24)
		add_v6(ix, p + 8);
	if (n >= 40)
		add_v6(ix, p + 24);
	for (hops = 0; hops < 8; hops++) {
		int64_t len;

		if (nh != 0 && nh != 43 && nh != 60 && nh != 44 && nh != 51)
			break;
		if (n < o + 2)
			return;
		len = nh == 44 ? 8 : nh == 51 ? ((int64_t)p[o + 1] + 2) * 4
					      : ((int64_t)p[o + 1] + 1) * 8;
		nh = p[o];
		set_bit(ix->protos, nh);
		o += len;
	}
	if (is_l4_with_ports(nh) && n > o)
		add_ports(ix, p + o, n - o);
	/* libpcap's "port" on IPv6 reads right after the fixed header. */
	if (is_l4_with_ports(p[6]) && n > 40)
		add_ports(ix, p + 40, n - 40);
}

static void parse_frame(struct capindex *ix, const uint8_t *d, uint32_t caplen)
{
	int64_t o = 14;
	unsigned et, tags;

	if (caplen < 14)
		return;
	et = be16(d + 12);
	for (tags = 0; tags < 4 && (et == 0x8100 || et == 0x88a8 ||
				    et == 0x9100); tags++) {
		if (o + 4 > caplen)
			return;
		set_bit(ix->vlans, be16(d + o) & 0xfff);
		et = be16(d + o + 2);
		o += 4;
	}
	if (et == 0x0800) {
		parse_ip4(ix, d + o, caplen - o);
	} else if (et == 0x86dd) {
		parse_ip6(ix, d + o, caplen - o);
	} else if (et == 0x0806 || et == 0x8035) {
		/* "host X" matches ARP and RARP by their IPv4 addresses. */
		if (caplen - o >= 18)
			add_v4(ix, d + o + 14);
		if (caplen - o >= 28)
			add_v4(ix, d + o + 24);
	}
}

void capindex_add(struct capindex *ix, uint64_t off, uint64_t ts_ns,
		  const uint8_t *data, uint32_t caplen)
{
	struct capindex_seg *s = ix->n_seg ? &ix->seg[ix->n_seg - 1] : NULL;
	uint64_t span = 0;

	if (s)
		span = ts_ns > ix->seg_first_ns ? ts_ns - ix->seg_first_ns
						: ix->seg_first_ns - ts_ns;
	if (!s || ix->frames - s->frame >= CAPINDEX_SEG_FRAMES ||
	    (span >= CAPINDEX_SEG_NS && off - s->off >= CAPINDEX_SEG_BYTES)) {
		if (s)
			close_filter(ix, s);
		if (ix->n_seg == ix->cap_seg) {
			uint32_t nc = ix->cap_seg ? ix->cap_seg * 2 : 64;
			struct capindex_seg *ns = realloc(ix->seg,
							  nc * sizeof(*ns));

			if (!ns) {
				ix->err = -ENOMEM;
				return;
			}
			ix->seg = ns;
			ix->cap_seg = nc;
		}
		s = &ix->seg[ix->n_seg++];
		memset(s, 0, sizeof(*s));
		s->off = off;
		s->frame = ix->frames;
		s->min_ns = s->max_ns = ts_ns;
		ix->seg_first_ns = ts_ns;
	}
	if (ts_ns < s->min_ns)
		s->min_ns = ts_ns;
	if (ts_ns > s->max_ns)
		s->max_ns = ts_ns;
	if (!ix->frames || ts_ns < ix->first_ns)
		ix->first_ns = ts_ns;
	if (!ix->frames || ts_ns > ix->last_ns)
		ix->last_ns = ts_ns;
	ix->frames++;
	parse_frame(ix, data, caplen);
}

int capindex_finish(struct capindex *ix)
{
	if (ix->n_seg)
		close_filter(ix, &ix->seg[ix->n_seg - 1]);
	free(ix->keys);
	ix->keys = NULL;
	ix->n_keys = ix->cap_keys = 0;
	ix->n_v4 = uniq(ix->v4, ix->n_v4, 4, cmp4);
	ix->n_v6 = uniq(ix->v6, ix->n_v6, 16, cmp16);
	ix->sorted_v4 = ix->n_v4;
	ix->sorted_v6 = ix->n_v6;
	if (ix->n_v4 > CAPINDEX_MAX_V4) {
		free(ix->v4);
		ix->v4 = NULL;
		ix->n_v4 = ix->cap_v4 = ix->sorted_v4 = 0;
		ix->flags |= CAPINDEX_F_V4_ALL;
	}
	if (ix->n_v6 > CAPINDEX_MAX_V6) {
		free(ix->v6);
		ix->v6 = NULL;
		ix->n_v6 = ix->cap_v6 = ix->sorted_v6 = 0;
		ix->flags |= CAPINDEX_F_V6_ALL;
	}
	return ix->err;
}

int capindex_build(struct capindex *ix, const char *path, char *errbuf)
{
	struct capscan cs;
	struct capscan_frame f;
	uint64_t off;
	int r, err;

	capindex_init(ix);
	err = capscan_open(&cs, path, errbuf);
	if (err)
		return err;
	ix->fmt = cs.fmt;
	off = cs.start;
	while ((r = capscan_next(&cs, &off, &f)) > 0)
		capindex_add(ix, f.off, f.ts_ns, f.data, f.caplen);
	if (cs.z) {
		ix->flags |= CAPINDEX_F_ZSTD;
		/* Offsets are into the decompressed content; what the index
		 * is checked against (capindex_matches) is the file on disk. */
		char eb[HPCAP_ERRBUF_SIZE];

		err = capindex_data_check_file(path, &ix->data_size,
					       &ix->data_check, eb);
		if (err) {
			snprintf(errbuf, HPCAP_ERRBUF_SIZE, "%s", eb);
			capscan_close(&cs);
			capindex_free(ix);
			return err;
		}
	} else {
		ix->data_size = cs.size;
		ix->data_check = capindex_data_check(cs.map, cs.size);
	}
	if (r < 0) {
		ix->flags |= CAPINDEX_F_DAMAGED;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "%s", cs.err);
	}
	capscan_close(&cs);
	err = capindex_finish(ix);
	if (err) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "out of memory indexing %s", path);
		capindex_free(ix);
		return err;
	}
	return r < 0 ? 1 : 0;
}

/* ---- the bytes ------------------------------------------------------- */

static void put16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return le16toh(v);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

/* Version 2 adds the sets' CRC after the sets; version 3 the filters'
 * places in the segment entries, then the filters' word count and words
 * after the segment table. */
static uint64_t encoded_len(unsigned version, uint64_t n_seg, uint64_t n_v4,
			    uint64_t n_v6, uint64_t n_filt)
{
	return CAPINDEX_HDR_LEN + BITMAPS_LEN + n_seg * seg_len(version) +
	       n_v4 * 4 + n_v6 * 16 + 4 + (version >= 2 ? 4 : 0) +
	       (version >= 3 ? 8 + n_filt * 8 : 0);
}

/*
 * Where the parts start.  Version 1: bitmaps, segments, IPv4, IPv6, CRC.
 * Version 2: bitmaps, IPv4, IPv6, sets CRC, segments, CRC, so that a
 * reader asking only about addresses and ports stops before the segments.
 */
struct layout {
	size_t seg, v4, v6, sets_crc;	/* sets_crc: version 2 and later */
	size_t filt;	/* version 3: the filters' word count, then words */
};

static struct layout layout_of(unsigned version, uint64_t n_seg,
			       uint64_t n_v4, uint64_t n_v6)
{
	struct layout l;
	size_t o = CAPINDEX_HDR_LEN + BITMAPS_LEN;

	if (version >= 2) {
		l.v4 = o;
		l.v6 = l.v4 + (size_t)n_v4 * 4;
		l.sets_crc = l.v6 + (size_t)n_v6 * 16;
		l.seg = l.sets_crc + 4;
		l.filt = l.seg + (size_t)n_seg * seg_len(version);
	} else {
		l.filt = 0;
		l.seg = o;
		l.v4 = l.seg + (size_t)n_seg * seg_len(version);
		l.v6 = l.v4 + (size_t)n_v4 * 4;
		l.sets_crc = 0;
	}
	return l;
}

int capindex_encode(const struct capindex *ix, uint8_t **bufp, size_t *lenp)
{
	/* An index read from a file encodes back to the same version. */
	unsigned version = ix->version ? ix->version : CAPINDEX_VERSION;
	uint64_t n_filt = version >= 3 ? ix->n_filt : 0;
	size_t len = encoded_len(version, ix->n_seg, ix->n_v4, ix->n_v6, n_filt), o;
	struct layout l = layout_of(version, ix->n_seg, ix->n_v4, ix->n_v6);
	uint8_t *b = calloc(1, len);
	uint32_t i;

	*bufp = NULL;
	if (!b)
		return -ENOMEM;
	memcpy(b, CAPINDEX_MAGIC, 8);
	put16(b + 8, (uint16_t)version);
	put16(b + 10, CAPINDEX_HDR_LEN);
	put32(b + 12, ix->fmt);
	put32(b + 16, ix->flags);
	put32(b + 20, ix->n_seg);
	put32(b + 24, ix->n_v4);
	put32(b + 28, ix->n_v6);
	put64(b + 32, ix->data_size);
	put64(b + 40, ix->frames);
	put64(b + 48, ix->first_ns);
	put64(b + 56, ix->last_ns);
	put64(b + 64, CAPINDEX_SEG_NS);
	put32(b + 72, CAPINDEX_SEG_FRAMES);
	put64(b + 80, len);
	put64(b + 88, ix->data_check);
	put32(b + 76, capindex_header_crc(b));
	o = CAPINDEX_HDR_LEN;
	memcpy(b + o, ix->protos, 32);
	memcpy(b + o + 32, ix->vlans, 512);
	memcpy(b + o + 544, ix->ports, 8192);
	for (i = 0, o = l.seg; i < ix->n_seg; i++, o += seg_len(version)) {
		put64(b + o, ix->seg[i].off);
		put64(b + o + 8, ix->seg[i].frame);
		put64(b + o + 16, ix->seg[i].min_ns);
		put64(b + o + 24, ix->seg[i].max_ns);
		if (version >= 3) {
			put32(b + o + 32, ix->seg[i].filt_off);
			put32(b + o + 36, ix->seg[i].filt_words);
		}
	}
	if (version >= 3) {
		uint64_t w;

		put64(b + l.filt, n_filt);
		for (w = 0; w < n_filt; w++)
			put64(b + l.filt + 8 + w * 8, ix->filt[w]);
	}
	if (ix->n_v4)
		memcpy(b + l.v4, ix->v4, (size_t)ix->n_v4 * 4);
	if (ix->n_v6)
		memcpy(b + l.v6, ix->v6, (size_t)ix->n_v6 * 16);
	if (version >= 2)
		put32(b + l.sets_crc,
		      capindex_crc32(0, b + CAPINDEX_HDR_LEN,
				     l.sets_crc - CAPINDEX_HDR_LEN));
	o = len - 4;
	put32(b + o, capindex_crc32(0, b, o));
	*bufp = b;
	*lenp = len;
	return 0;
}

uint32_t capindex_header_crc(const uint8_t *hdr)
{
	return capindex_crc32(capindex_crc32(0, hdr, 76), hdr + 80,
			      CAPINDEX_HDR_LEN - 80);
}

static int bad(char *errbuf, const char *why)
{
	snprintf(errbuf, HPCAP_ERRBUF_SIZE, "%s", why);
	return -EINVAL;
}

static int strictly_sorted(const uint8_t *v, uint32_t n, size_t w)
{
	uint32_t i;

	for (i = 1; i < n; i++)
		if (memcmp(v + (i - 1) * w, v + i * w, w) >= 0)
			return 0;
	return 1;
}

/* Check the 96-byte header on its own; its version, or -EINVAL. */
static int check_header(const uint8_t *b, char *errbuf)
{
	unsigned v;

	if (memcmp(b, CAPINDEX_MAGIC, 8))
		return bad(errbuf, "not an hpcap index (bad magic)");
	v = get16(b + 8);
	if (v < 1 || v > CAPINDEX_VERSION) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "index version %u, this tool reads versions 1 to %u: rebuild it with hpcap-index",
			 v, CAPINDEX_VERSION);
		return -EINVAL;
	}
	if (get16(b + 10) != CAPINDEX_HDR_LEN || get64(b + 64) != CAPINDEX_SEG_NS ||
	    get32(b + 72) != CAPINDEX_SEG_FRAMES)
		return bad(errbuf, "bad header (length or segment rules)");
	if (get32(b + 76) != capindex_header_crc(b))
		return bad(errbuf, "header CRC mismatch (damaged)");
	return (int)v;
}

/* The header's fields into ix (checked by check_header()). */
static int header_fields(struct capindex *ix, const uint8_t *b, char *errbuf)
{
	ix->version = get16(b + 8);
	ix->fmt = get32(b + 12);
	ix->flags = get32(b + 16);
	ix->data_size = get64(b + 32);
	ix->data_check = get64(b + 88);
	ix->frames = get64(b + 40);
	ix->first_ns = get64(b + 48);
	ix->last_ns = get64(b + 56);
	if (ix->fmt < 1 || ix->fmt > 3)
		return bad(errbuf, "unknown data format");
	if (get32(b + 24) > CAPINDEX_MAX_V4 || get32(b + 28) > CAPINDEX_MAX_V6)
		return bad(errbuf, "address set larger than allowed");
	if (ix->frames ? ix->first_ns > ix->last_ns || !get32(b + 20)
		       : get32(b + 20) != 0)
		return bad(errbuf, "time range or segments do not match the frame count");
	return 0;
}

/* Bitmaps and address sets at their places in b (lengths checked). */
static int sets_fields(struct capindex *ix, const uint8_t *b,
		       const struct layout *l, uint32_t n_v4, uint32_t n_v6,
		       char *errbuf)
{
	size_t o = CAPINDEX_HDR_LEN;

	memcpy(ix->protos, b + o, 32);
	memcpy(ix->vlans, b + o + 32, 512);
	memcpy(ix->ports, b + o + 544, 8192);
	ix->v4 = malloc(n_v4 ? (size_t)n_v4 * 4 : 1);
	ix->v6 = malloc(n_v6 ? (size_t)n_v6 * 16 : 1);
	if (!ix->v4 || !ix->v6)
		return bad(errbuf, "out of memory");
	memcpy(ix->v4, b + l->v4, (size_t)n_v4 * 4);
	memcpy(ix->v6, b + l->v6, (size_t)n_v6 * 16);
	ix->n_v4 = ix->cap_v4 = ix->sorted_v4 = n_v4;
	ix->n_v6 = ix->cap_v6 = ix->sorted_v6 = n_v6;
	if (!strictly_sorted(ix->v4, n_v4, 4) ||
	    !strictly_sorted(ix->v6, n_v6, 16))
		return bad(errbuf, "address set not sorted");
	return 0;
}

int capindex_decode(struct capindex *ix, const uint8_t *b, size_t len,
		    char *errbuf)
{
	uint32_t n_seg, n_v4, n_v6, i;
	struct layout l;
	size_t o;
	int v, err;

	uint64_t n_filt = 0, w;

	capindex_init(ix);
	if (len < encoded_len(1, 0, 0, 0, 0))
		return bad(errbuf, "too short for an index");
	v = check_header(b, errbuf);
	if (v < 0)
		return v;
	n_seg = get32(b + 20);
	n_v4 = get32(b + 24);
	n_v6 = get32(b + 28);
	l = layout_of((unsigned)v, n_seg, n_v4, n_v6);
	if (v >= 3) {
		/* The filters' word count sits after the segment table. */
		if ((uint64_t)l.filt + 12 > len)
			return bad(errbuf, "length does not match its counts (cut or damaged)");
		n_filt = get64(b + l.filt);
		if (n_filt > len / 8)
			return bad(errbuf, "length does not match its counts (cut or damaged)");
	}
	if (get64(b + 80) != len ||
	    encoded_len((unsigned)v, n_seg, n_v4, n_v6, n_filt) != len)
		return bad(errbuf, "length does not match its counts (cut or damaged)");
	if (capindex_crc32(0, b, len - 4) != get32(b + len - 4))
		return bad(errbuf, "CRC mismatch (damaged)");
	if (v >= 2 && get32(b + l.sets_crc) !=
		      capindex_crc32(0, b + CAPINDEX_HDR_LEN,
				     l.sets_crc - CAPINDEX_HDR_LEN))
		return bad(errbuf, "sets CRC mismatch (damaged)");
	err = header_fields(ix, b, errbuf);
	if (!err)
		err = sets_fields(ix, b, &l, n_v4, n_v6, errbuf);
	if (err) {
		capindex_free(ix);
		return err;
	}
	ix->seg = calloc(n_seg ? n_seg : 1, sizeof(*ix->seg));
	ix->filt = malloc(n_filt ? (size_t)n_filt * 8 : 1);
	if (!ix->seg || !ix->filt) {
		capindex_free(ix);
		return bad(errbuf, "out of memory");
	}
	for (w = 0; w < n_filt; w++)
		ix->filt[w] = get64(b + l.filt + 8 + w * 8);
	ix->n_filt = ix->cap_filt = n_filt;
	ix->n_seg = ix->cap_seg = n_seg;
	for (i = 0, o = l.seg; i < n_seg; i++, o += seg_len((unsigned)v)) {
		struct capindex_seg *s = &ix->seg[i];

		s->off = get64(b + o);
		s->frame = get64(b + o + 8);
		s->min_ns = get64(b + o + 16);
		s->max_ns = get64(b + o + 24);
		if (v >= 3) {
			s->filt_off = get32(b + o + 32);
			s->filt_words = get32(b + o + 36);
		}
		if ((uint64_t)s->filt_off + s->filt_words > n_filt ||
		    (s->off >= ix->data_size && !(ix->flags & CAPINDEX_F_ZSTD)) ||
		    s->frame >= ix->frames ||
		    s->min_ns > s->max_ns || s->min_ns < ix->first_ns ||
		    s->max_ns > ix->last_ns ||
		    (i && (s->off <= s[-1].off || s->frame <= s[-1].frame)) ||
		    (!i && s->frame)) {
			capindex_free(ix);
			return bad(errbuf, "segment table out of order or out of bounds");
		}
	}
	return 0;
}

#define CHECK_SPAN 4096u

uint64_t capindex_data_check(const uint8_t *data, uint64_t size)
{
	size_t n = size < CHECK_SPAN ? (size_t)size : CHECK_SPAN;

	return (uint64_t)capindex_crc32(0, data + size - n, n) << 32 |
	       capindex_crc32(0, data, n);
}

int capindex_data_check_file(const char *path, uint64_t *size,
			     uint64_t *check, char *errbuf)
{
	uint8_t head[CHECK_SPAN], tail[CHECK_SPAN];
	struct stat st;
	size_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		err = -errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot read %s: %s", path,
			 strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	*size = (uint64_t)st.st_size;
	n = *size < CHECK_SPAN ? (size_t)*size : CHECK_SPAN;
	if (pread(fd, head, n, 0) != (ssize_t)n ||
	    pread(fd, tail, n, (off_t)(*size - n)) != (ssize_t)n) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot read %s", path);
		close(fd);
		return -EIO;
	}
	close(fd);
	*check = (uint64_t)capindex_crc32(0, tail, n) << 32 |
		 capindex_crc32(0, head, n);
	return 0;
}

int capindex_matches(const struct capindex *ix, const char *path,
		     char *errbuf)
{
	uint64_t size, check;
	int err = capindex_data_check_file(path, &size, &check, errbuf);

	if (err)
		return err;
	if (size != ix->data_size) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "made for a file of %" PRIu64 " bytes, %s has %" PRIu64,
			 ix->data_size, path, size);
		return -ESTALE;
	}
	if (check != ix->data_check) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "made for another file (%s's first or last bytes differ)",
			 path);
		return -ESTALE;
	}
	return 0;
}

void capindex_path(char *buf, size_t n, const char *data)
{
	snprintf(buf, n, "%s.idx", data);
}

int capindex_write(const struct capindex *ix, const char *path,
		   char *errbuf)
{
	char tmp[4200];
	uint8_t *b;
	size_t len, done = 0;
	int fd, err;

	if (capindex_encode(ix, &b, &len)) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		return -ENOMEM;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot create %s: %s", tmp,
			 strerror(-err));
		free(b);
		return err;
	}
	while (done < len) {
		ssize_t w = write(fd, b + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = w < 0 ? -errno : -EIO;
			snprintf(errbuf, HPCAP_ERRBUF_SIZE,
				 "writing %s failed: %s", tmp, strerror(-err));
			close(fd);
			unlink(tmp);
			free(b);
			return err;
		}
		done += (size_t)w;
	}
	free(b);
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		err = -errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot complete %s: %s",
			 path, strerror(-err));
		unlink(tmp);
		return err;
	}
	return 0;
}

int capindex_read(struct capindex *ix, const char *path, char *errbuf)
{
	char why[HPCAP_ERRBUF_SIZE];
	struct stat st;
	uint8_t *b;
	size_t done = 0;
	int fd, err;

	capindex_init(ix);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot open %s: %s", path,
			 strerror(-err));
		return err;
	}
	if (fstat(fd, &st) < 0 || st.st_size > (off_t)1 << 32) {
		close(fd);
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "%s: not a readable index",
			 path);
		return -EINVAL;
	}
	b = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!b) {
		close(fd);
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		return -ENOMEM;
	}
	while (done < (size_t)st.st_size) {
		ssize_t r = read(fd, b + done, (size_t)st.st_size - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		done += (size_t)r;
	}
	close(fd);
	err = capindex_decode(ix, b, done, why);
	free(b);
	if (err)
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "%s: %s", path, why);
	return err;
}

/* Open path and read its header into b; the fd, or negative. */
static int open_header(const char *path, uint8_t *b, char *errbuf)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0) {
		err = -errno;
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "cannot open %s: %s", path,
			 strerror(-err));
		return err;
	}
	if (pread(fd, b, CAPINDEX_HDR_LEN, 0) != (ssize_t)CAPINDEX_HDR_LEN ||
	    check_header(b, errbuf) < 0) {
		/* The full read says exactly what is wrong. */
		struct capindex full;

		close(fd);
		if (!capindex_read(&full, path, errbuf)) {
			capindex_free(&full);
			snprintf(errbuf, HPCAP_ERRBUF_SIZE, "%s: bad header", path);
		}
		return -EINVAL;
	}
	return fd;
}

int capindex_read_header(struct capindex *ix, const char *path, char *errbuf)
{
	uint8_t b[CAPINDEX_HDR_LEN];
	char why[HPCAP_ERRBUF_SIZE];
	int fd, err;

	capindex_init(ix);
	fd = open_header(path, b, errbuf);
	if (fd < 0)
		return fd;
	close(fd);
	err = header_fields(ix, b, why);
	if (err)
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "%s: %s", path, why);
	return err;
}

int capindex_read_sets(struct capindex *ix, const char *path, char *errbuf)
{
	uint8_t h[CAPINDEX_HDR_LEN], *b;
	char why[HPCAP_ERRBUF_SIZE];
	uint32_t n_v4, n_v6;
	struct layout l;
	size_t len;
	int fd, err;

	capindex_init(ix);
	fd = open_header(path, h, errbuf);
	if (fd < 0)
		return fd;
	if (get16(h + 8) < 2) {
		close(fd);
		return capindex_read(ix, path, errbuf);
	}
	n_v4 = get32(h + 24);
	n_v6 = get32(h + 28);
	if (n_v4 > CAPINDEX_MAX_V4 || n_v6 > CAPINDEX_MAX_V6) {
		close(fd);
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "%s: address set larger than allowed", path);
		return -EINVAL;
	}
	/* The sets sit where version 2 put them in every later version. */
	l = layout_of(2, get32(h + 20), n_v4, n_v6);
	len = l.sets_crc + 4;
	b = malloc(len);
	if (!b) {
		close(fd);
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		return -ENOMEM;
	}
	memcpy(b, h, CAPINDEX_HDR_LEN);
	if (pread(fd, b + CAPINDEX_HDR_LEN, len - CAPINDEX_HDR_LEN,
		  CAPINDEX_HDR_LEN) != (ssize_t)(len - CAPINDEX_HDR_LEN))
		err = bad(why, "cut short (before the end of its sets)");
	else if (get32(b + l.sets_crc) !=
		 capindex_crc32(0, b + CAPINDEX_HDR_LEN,
				l.sets_crc - CAPINDEX_HDR_LEN))
		err = bad(why, "sets CRC mismatch (damaged)");
	else
		err = header_fields(ix, b, why);
	if (!err)
		err = sets_fields(ix, b, &l, n_v4, n_v6, why);
	close(fd);
	free(b);
	if (err) {
		capindex_free(ix);
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "%s: %s", path, why);
	}
	return err;
}

/* ---- questions --------------------------------------------------------- */

/* Whether a sorted set holds an entry whose first prefix bits are a's. */
static int set_has(const uint8_t *v, uint32_t n, size_t w, const uint8_t *a,
		   unsigned prefix)
{
	uint8_t lo[16], hi[16];
	uint32_t l = 0, h = n;
	unsigned i;

	if (prefix > w * 8)
		prefix = (unsigned)w * 8;
	for (i = 0; i < w; i++) {
		unsigned keep = prefix >= (i + 1) * 8 ? 8 : prefix > i * 8 ? prefix - i * 8 : 0;
		uint8_t mask = keep ? (uint8_t)(0xff00u >> keep) : 0;

		lo[i] = a[i] & mask;
		hi[i] = lo[i] | (uint8_t)~mask;
	}
	while (l < h) {		/* first entry >= lo */
		uint32_t m = l + (h - l) / 2;

		if (memcmp(v + (size_t)m * w, lo, w) < 0)
			l = m + 1;
		else
			h = m;
	}
	return l < n && memcmp(v + (size_t)l * w, hi, w) <= 0;
}

int capindex_has_v4(const struct capindex *ix, const uint8_t a[4],
		    unsigned prefix)
{
	if (ix->flags & CAPINDEX_F_V4_ALL)
		return 1;
	return set_has(ix->v4, ix->n_v4, 4, a, prefix);
}

int capindex_has_v6(const struct capindex *ix, const uint8_t a[16],
		    unsigned prefix)
{
	if (ix->flags & CAPINDEX_F_V6_ALL)
		return 1;
	return set_has(ix->v6, ix->n_v6, 16, a, prefix);
}

int capindex_has_port(const struct capindex *ix, uint16_t port)
{
	return get_bit(ix->ports, port);
}

int capindex_has_proto(const struct capindex *ix, uint8_t proto)
{
	return get_bit(ix->protos, proto);
}

int capindex_has_vlan(const struct capindex *ix, uint16_t vid)
{
	return get_bit(ix->vlans, vid & 0xfff);
}
