// SPDX-License-Identifier: BSD-3-Clause
/*
 * hpcap-index - build, check or show the sidecar index (FILE.idx,
 * doc/index-format.md) of capture files that already exist: hpcap's RAW
 * files, pcap and pcapng, from hpcap or any other tool, so hpcap-extract
 * can skip and seek in old captures too.
 *
 *   hpcap-index [options] FILE|DIR...
 */
#define _GNU_SOURCE
#include "cli/cli.h"
#include "file/capindex.h"
#include "file/capscan.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS UINT64_C(1000000000)

static void usage(void)
{
	printf("Usage: %s [options] FILE|DIR...\n"
	       "\n"
	       "Write FILE.idx beside every capture file given (directories are\n"
	       "walked): the file's time range and frame count, a table from time to\n"
	       "record offset (a segment at least every 1 ms of traffic or 4096\n"
	       "frames), and the IPv4/IPv6 addresses, ports, IP protocols and VLAN\n"
	       "ids its frames carry, for hpcap-extract to skip files and seek in\n"
	       "them.  Reads hpcap's RAW files, pcap and pcapng (any byte order,\n"
	       "micro- or nanoseconds), zstd-compressed or not.  An index that is already up to date (valid\n"
	       "and made for the file as it is now: size, first and last 4 KiB) is\n"
	       "kept.\n"
	       "\n"
	       "Options:\n"
	       "  -f, --force     rebuild every index, up to date or not\n"
	       "      --verify    write nothing: check that every index exists, is\n"
	       "                  whole (CRC) and says what rebuilding it would say\n"
	       "      --show      write nothing: print what each index holds\n"
	       "  -q, --quiet     no per-file lines, no summary\n"
	       "  -h, --help      show this help\n"
	       "  -V, --version   show the version\n"
	       "\n"
	       "Exit status: 0 ok; 1 a file could not be read or was damaged (its\n"
	       "index then covers the frames before the damage), an index could not\n"
	       "be written, or --verify found one missing, damaged or stale; 2 usage.\n"
	       "\n"
	       "Examples:\n"
	       "  %s /data/capture/\n"
	       "  %s --verify /data/capture/2026-12-06/\n",
	       cli_prog, cli_prog, cli_prog);
}

enum mode { M_BUILD, M_VERIFY, M_SHOW };

struct totals {
	unsigned files, built, kept, damaged, failed, bad_index;
};

static void show(const char *path, const struct capindex *ix)
{
	char a[32], b[32];
	unsigned i, n;

	printf("%s: %s%s, %" PRIu64 " frames, %s .. %s, %u segments, data %" PRIu64
	       " bytes%s\n", path, capscan_fmt_name(ix->fmt),
	       ix->flags & CAPINDEX_F_ZSTD ? " (zstd)" : "", ix->frames,
	       cli_fmt_ts(a, sizeof(a), (uint32_t)(ix->first_ns / NS),
			  (uint32_t)(ix->first_ns % NS)),
	       cli_fmt_ts(b, sizeof(b), (uint32_t)(ix->last_ns / NS),
			  (uint32_t)(ix->last_ns % NS)),
	       ix->n_seg, ix->data_size,
	       ix->flags & CAPINDEX_F_DAMAGED ? " (damaged: indexed up to the damage)" : "");
	printf("  first_ns %" PRIu64 " last_ns %" PRIu64 "\n", ix->first_ns,
	       ix->last_ns);
	if (ix->flags & CAPINDEX_F_V4_ALL)
		printf("  ipv4: more than %u (any)\n", CAPINDEX_MAX_V4);
	else
		printf("  ipv4: %u\n", ix->n_v4);
	if (ix->flags & CAPINDEX_F_V6_ALL)
		printf("  ipv6: more than %u (any)\n", CAPINDEX_MAX_V6);
	else
		printf("  ipv6: %u\n", ix->n_v6);
	printf("  protocols:");
	for (i = 0; i < 256; i++)
		if (capindex_has_proto(ix, (uint8_t)i))
			printf(" %u", i);
	printf("\n  vlans:");
	for (i = 0; i < 4096; i++)
		if (capindex_has_vlan(ix, (uint16_t)i))
			printf(" %u", i);
	for (i = n = 0; i < 65536; i++)
		n += (unsigned)capindex_has_port(ix, (uint16_t)i);
	printf("\n  ports: %u\n", n);
}

/* Whether the index at ipath is valid and made for data as it is now. */
static int up_to_date(const char *data, const char *ipath)
{
	char eb[HPCAP_ERRBUF_SIZE];
	struct capindex ix;
	int ok;

	if (capindex_read(&ix, ipath, eb))
		return 0;
	ok = !capindex_matches(&ix, data, eb);
	capindex_free(&ix);
	return ok;
}

static void one(const char *path, enum mode mode, int force, int quiet,
		struct totals *t)
{
	char eb[HPCAP_ERRBUF_SIZE], ipath[4200];
	struct capindex built, old;
	int r;

	t->files++;
	capindex_path(ipath, sizeof(ipath), path);
	if (mode == M_BUILD && !force && up_to_date(path, ipath)) {
		t->kept++;
		if (!quiet)
			printf("%s: up to date\n", ipath);
		return;
	}
	if (mode == M_SHOW) {
		if (capindex_read(&old, ipath, eb)) {
			cli_err("%s (build it with %s %s)", eb, cli_prog, path);
			t->bad_index++;
			return;
		}
		show(path, &old);
		capindex_free(&old);
		return;
	}
	r = capindex_build(&built, path, eb);
	if (r < 0) {
		cli_err("%s", eb);
		t->failed++;
		return;
	}
	if (r > 0) {
		cli_err("%s (the index covers the frames before it)", eb);
		t->damaged++;
	}
	if (mode == M_VERIFY) {
		uint8_t *want = NULL, *got = NULL;
		size_t nw = 0, ng = 0;

		if (capindex_read(&old, ipath, eb)) {
			cli_err("%s", eb);
			t->bad_index++;
		} else {
			if (capindex_encode(&built, &want, &nw) ||
			    capindex_encode(&old, &got, &ng) || nw != ng ||
			    memcmp(want, got, nw)) {
				cli_err("%s: stale: it does not describe %s as it is now (rebuild it with %s -f %s)",
					ipath, path, cli_prog, path);
				t->bad_index++;
			} else if (!quiet) {
				printf("%s: ok\n", ipath);
			}
			free(want);
			free(got);
			capindex_free(&old);
		}
		capindex_free(&built);
		return;
	}
	if (capindex_write(&built, ipath, eb)) {
		cli_err("%s", eb);
		t->failed++;
	} else {
		t->built++;
		if (!quiet)
			printf("%s: %" PRIu64 " frames, %u segments\n", ipath,
			       built.frames, built.n_seg);
	}
	capindex_free(&built);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "verify", no_argument, NULL, 'v' },
		{ "show", no_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char eb[HPCAP_ERRBUF_SIZE], **paths;
	enum mode mode = M_BUILD;
	struct totals t = { 0 };
	int force = 0, quiet = 0, c, n, i;

	cli_init(argv[0]);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "fqhV", opts, NULL)) != -1) {
		switch (c) {
		case 'f': force = 1; break;
		case 'v': mode = M_VERIFY; break;
		case 's': mode = M_SHOW; break;
		case 'q': quiet = 1; break;
		case 'h': usage(); return 0;
		case 'V': printf("%s %s\n", cli_prog, HPCAP_VERSION); return 0;
		default: cli_bad_option(argc, argv, optopt);
		}
	}
	if (optind >= argc)
		cli_usage_error("give at least one capture file or directory");
	n = capscan_list((const char *const *)(argv + optind), argc - optind,
			 &paths, eb);
	if (n < 0) {
		cli_err("%s", eb);
		return 1;
	}
	if (!n)
		cli_err("no capture files in %s%s", argv[optind],
			argc - optind > 1 ? " ..." : "");
	for (i = 0; i < n; i++)
		one(paths[i], mode, force, quiet, &t);
	hpcap_raw_list_free(paths, n);
	if (!quiet && mode == M_BUILD)
		fprintf(stderr,
			"%s: %u file%s: %u indexed, %u up to date, %u damaged, %u unreadable\n",
			cli_prog, t.files, t.files == 1 ? "" : "s", t.built,
			t.kept, t.damaged, t.failed);
	if (!quiet && mode == M_VERIFY)
		fprintf(stderr,
			"%s: %u file%s checked: %u bad or missing index%s, %u damaged, %u unreadable\n",
			cli_prog, t.files, t.files == 1 ? "" : "s", t.bad_index,
			t.bad_index == 1 ? "" : "es", t.damaged, t.failed);
	return !n || t.failed || t.damaged || t.bad_index ? 1 : 0;
}
