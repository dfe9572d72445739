/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pipeline_int.h - what the pipeline's pieces share inside libhpcap.
 */
#ifndef HPCAP_PIPELINE_INT_H
#define HPCAP_PIPELINE_INT_H

#include "libhpcap_pipeline.h"
#include "file/outfile.h"

/*
 * A seekable zstd writer that writes into o (which the caller opened and
 * closes: the hash and O_DIRECT of o apply to the compressed bytes).
 */
int zsk_writer_attach(struct hpcap_zsk_writer **w, struct outfile *o,
		      const struct hpcap_zsk_opts *opts, char *errbuf);
/* The last frame and the seek table into o, then free w (not o). */
int zsk_writer_finish(struct hpcap_zsk_writer *w, char *errbuf);
/* Free w after an error, writing nothing more. */
void zsk_writer_abort(struct hpcap_zsk_writer *w);

/*
 * What became of one file indexed elsewhere (idxq.c): counted as written
 * (err 0), skipped (-EAGAIN) or failed, and reported through
 * hpcap_indexer_poll() unless written (msg: why).
 */
void hpcap_indexer_note(struct hpcap_indexer *ix, const char *path, int err,
			const char *msg);

#endif
