/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * idxfilter.h - what a libpcap filter expression asks of a file's index:
 * the expression read as a tree of questions the index can answer (this
 * address or network, this port or range, this IP protocol, this VLAN),
 * joined by and/or.  Everything else (negation, names, byte offsets,
 * lengths, ...) is "maybe", and an expression it cannot read, or one with
 * a keyword that moves libpcap's offsets in ways the index does not follow
 * (mpls, pppoes, geneve, ...), is "maybe" as a whole.  So a file is
 * skipped only when no frame of it can match.  The frames themselves are
 * still matched by libpcap (pipeline/bpf.c).
 */
#ifndef HPCAP_IDXFILTER_H
#define HPCAP_IDXFILTER_H

#include "file/capindex.h"

struct idxfilter;

/* Read expr (NULL or "": matches everything); 0 or -ENOMEM. */
int idxfilter_parse(struct idxfilter **f, const char *expr);

/* 0 when no frame of the file the index describes can match, else 1. */
int idxfilter_may_match(const struct idxfilter *f, const struct capindex *ix);

/* The same for one segment of the file: whole addresses are also asked
 * of the segment's filter (index version 3; without one, as the file). */
int idxfilter_may_match_seg(const struct idxfilter *f,
			    const struct capindex *ix, uint32_t seg);

/* Whether the expression gives the index anything to check (for the
 * summary: "the filter cannot use the index"). */
int idxfilter_useful(const struct idxfilter *f);

void idxfilter_free(struct idxfilter *f);

#endif /* HPCAP_IDXFILTER_H */
