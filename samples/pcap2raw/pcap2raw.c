// SPDX-License-Identifier: BSD-3-Clause
/*
 * pcap2raw - convert a pcap or pcapng capture into hpcap RAW files framed
 * exactly as the kernel producer frames them (for replay and tests).
 *
 *   pcap2raw [options] <in.pcap|in.pcapng|-> <out.raw|outdir>
 */
#define _GNU_SOURCE
#include "libhpcap.h"
#include "cli/cli.h"
#include "cli/pcapin.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(void)
{
	printf("Usage: %s [options] <in.pcap|in.pcapng|-> <out.raw|out-dir>\n"
	       "\n"
	       "Convert a pcap or pcapng capture (read with libpcap, nanosecond\n"
	       "precision kept) into hpcap RAW files.  Frames are framed into files\n"
	       "exactly as the hpcap module frames its stream: a frame never crosses\n"
	       "a file, and each file ends with a padding record.\n"
	       "\n"
	       "If the output is an existing directory, files 000000.raw, 000001.raw,\n"
	       "... are created in it; otherwise the output is one file, and a capture\n"
	       "that needs more than one file is an error.  Every file but the last is\n"
	       "exactly the file size; the last ends right after its closing padding.\n"
	       "\n"
	       "Files are written under NAME.pending and renamed when the whole\n"
	       "capture is converted: a run that fails (bad input, full disk, SIGINT,\n"
	       "SIGTERM, SIGHUP) removes them and leaves nothing that looks complete.\n"
	       "\n"
	       "Options:\n"
	       "  -s, --file-size SIZE  size of each RAW file (default 2G); a multiple\n"
	       "                        of 4K; suffixes K, M, G\n"
	       "      --any-linktype    accept captures whose link type is not Ethernet\n"
	       "  -k, --keep-partial    on an error or a signal, keep the frames converted\n"
	       "                        so far in closed files (the exit status is still 1)\n"
	       "  -q, --quiet           no summary on stderr\n"
	       "  -h, --help            show this help\n"
	       "  -V, --version         show the version\n"
	       "\n"
	       "Frames longer than %u captured bytes are cut to that length (the RAW\n"
	       "header has 16-bit lengths); a frame stamped exactly 0.000000000 is\n"
	       "stored at 0.000000001, since an all-zero time marks padding.  A\n"
	       "sub-second field out of range (>= 1e6 us or 1e9 ns) is carried into\n"
	       "the seconds, and frames libpcap shortened to the file's snaplen (a\n"
	       "caplen above it) are noted.  All are counted in the summary.\n"
	       "\n"
	       "Examples:\n"
	       "  %s trace.pcap trace.raw\n"
	       "  mkdir raw && %s --file-size 64M big.pcapng raw/\n",
	       cli_prog, HPCAP_MAX_CAPLEN, cli_prog, cli_prog);
}

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

/* Catch sig to clean up, unless it was ignored (nohup, background jobs). */
static void catch_signal(int sig)
{
	struct sigaction sa, old;

	if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a read from a pipe ends at once. */
	sigaction(sig, &sa, NULL);
}

/*
 * The files of this run, written as NAME.pending: renamed to NAME when
 * the conversion succeeds, removed when it fails, so that no reader ever
 * takes a cut conversion for a complete one.
 */
struct pending {
	const char *target;
	int dir_mode;
	unsigned n;
	char (*names)[4200];	/* final names; NAME.pending on disk */
	char err[HPCAP_ERRBUF_SIZE];
};

static int create_pending(char *path, size_t n, unsigned index, void *arg)
{
	struct pending *pd = arg;
	char (*names)[4200];
	int fd;

	if (!pd->dir_mode && index > 0) {
		snprintf(pd->err, sizeof(pd->err),
			 "%s: the capture needs more than one RAW file of this size; give a directory as output or a larger --file-size",
			 pd->target);
		return -1;
	}
	names = realloc(pd->names, (index + 1) * sizeof(*names));
	if (!names) {
		snprintf(pd->err, sizeof(pd->err), "out of memory");
		return -1;
	}
	pd->names = names;
	if (pd->dir_mode)
		snprintf(names[index], sizeof(names[index]), "%s/%06u.raw",
			 pd->target, index);
	else
		snprintf(names[index], sizeof(names[index]), "%s", pd->target);
	snprintf(path, n, "%s.pending", names[index]);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_DIRECT,
		  0644);
	if (fd < 0 && errno == EINVAL) /* no O_DIRECT here (tmpfs) */
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(pd->err, sizeof(pd->err), "cannot create %s: %s", path,
			 strerror(errno));
		return -1;
	}
	pd->n = index + 1;
	return fd;
}

/* Rename (keep) or remove (!keep) every file; 0, or -1 after a message. */
static int settle_pending(struct pending *pd, int keep)
{
	char tmp[4300];
	int ret = 0;

	for (unsigned i = 0; i < pd->n; i++) {
		snprintf(tmp, sizeof(tmp), "%s.pending", pd->names[i]);
		if (keep && rename(tmp, pd->names[i]) < 0) {
			cli_err("cannot rename %s to %s: %s", tmp, pd->names[i],
				strerror(errno));
			ret = -1;
		}
		if (!keep && unlink(tmp) < 0 && errno != ENOENT) {
			cli_err("cannot remove %s: %s", tmp, strerror(errno));
			ret = -1;
		}
	}
	return ret;
}

/* Directory or regular file: written under a .pending name first. */
static int use_pending(const char *out, struct pending *pd,
		       struct hpcap_raw_writer_opts *wo)
{
	struct stat st;

	if (!strcmp(out, "-"))
		return 0;
	if (stat(out, &st) == 0 && !S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return 0;	/* a FIFO or a device: no name to swap */
	pd->target = out;
	pd->dir_mode = stat(out, &st) == 0 && S_ISDIR(st.st_mode);
	if (pd->dir_mode) {
		char first[4200];

		/* Never overwrite (or leave behind, to be read as part of
		 * this capture) the files of an earlier run. */
		snprintf(first, sizeof(first), "%s/%06u.raw", out, 0);
		if (stat(first, &st) == 0) {
			cli_err("%s already holds RAW files (%s); use an empty directory",
				out, first);
			return -1;
		}
	}
	wo->create = create_pending;
	wo->create_arg = pd;
	return 0;
}

static const char *link_name(int dlt)
{
	const char *n = pcap_datalink_val_to_name(dlt);

	return n ? n : "unknown";
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file-size", required_argument, NULL, 's' },
		{ "any-linktype", no_argument, NULL, 'L' },
		{ "keep-partial", no_argument, NULL, 'k' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct hpcap_raw_writer_opts wo = { 0 };
	char errbuf[PCAP_ERRBUF_SIZE > HPCAP_ERRBUF_SIZE ? PCAP_ERRBUF_SIZE
							   : HPCAP_ERRBUF_SIZE];
	int quiet = 0, any_link = 0, keep_partial = 0, c, st = 0, ret = 0;
	int closed_ok, dlt;
	uint64_t frames = 0, zero_ts = 0, cut;
	struct pending pd = { 0 };
	struct hpcap_raw_writer *w;
	struct pcap_pkthdr *ph;
	const u_char *data;
	struct pcapin in;
	const char *inname, *out;
	unsigned files;

	cli_init(argv[0]);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "s:kqhV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			wo.file_size = cli_parse_size("--file-size", optarg);
			if (!wo.file_size || wo.file_size % HPCAP_FILE_SIZE_ALIGN)
				cli_usage_error("--file-size: %s is not a positive multiple of 4K",
						optarg);
			break;
		case 'L': any_link = 1; break;
		case 'k': keep_partial = 1; break;
		case 'q': quiet = 1; break;
		case 'h': usage(); return 0;
		case 'V': printf("%s %s\n", cli_prog, HPCAP_VERSION); return 0;
		default: cli_bad_option(argc, argv, optopt);
		}
	}
	if (argc - optind != 2)
		cli_usage_error("need exactly one input and one output");
	inname = argv[optind];
	out = argv[optind + 1];

	catch_signal(SIGINT);
	catch_signal(SIGTERM);
	catch_signal(SIGHUP);
	if (pcapin_open(&in, inname, errbuf) < 0) {
		cli_err("cannot read %s: %s", inname, errbuf);
		return 1;
	}
	dlt = pcap_datalink(in.p);
	if (dlt != DLT_EN10MB && !any_link) {
		cli_err("%s has link type %s, but RAW files hold Ethernet frames; use --any-linktype to convert anyway",
			inname, link_name(dlt));
		pcapin_close(&in);
		return 1;
	}
	if (use_pending(out, &pd, &wo) < 0) {
		pcapin_close(&in);
		return 1;
	}
	if (hpcap_raw_writer_open(&w, out, &wo, errbuf) < 0) {
		cli_err("%s", errbuf);
		pcapin_close(&in);
		return 1;
	}
	while (!stop_sig) {
		int64_t sec;
		uint32_t nsec;

		st = pcapin_next(&in, &ph, &data, &sec, &nsec);
		if (st != 1)
			break;
		if (sec < 0 || sec > (int64_t)UINT32_MAX) {
			cli_err("%s: frame %llu has a time outside the RAW range (1970-2106)",
				inname, (unsigned long long)frames + 1);
			ret = 1;
			break;
		}
		zero_ts += !sec && !nsec;
		if (hpcap_raw_writer_put(w, (uint32_t)sec, nsec, ph->caplen,
					 ph->len, data) < 0) {
			cli_err("%s", pd.err[0] ? pd.err : hpcap_raw_writer_geterr(w));
			ret = 1;
			break;
		}
		frames++;
	}
	if (stop_sig) {
		cli_err("stopped by SIG%s after %llu frames",
			stop_sig == SIGINT ? "INT" : stop_sig == SIGTERM ? "TERM"
						   : "HUP",
			(unsigned long long)frames);
		ret = 1;
	} else if (st == PCAP_ERROR) {
		cli_err("%s: %s (after %llu frames)", inname,
			pcap_geterr(in.p), (unsigned long long)frames);
		ret = 1;
	}
	files = hpcap_raw_writer_files(w);
	cut = hpcap_raw_writer_cut_frames(w);
	closed_ok = hpcap_raw_writer_close(w, errbuf) == 0;
	if (!closed_ok) {
		cli_err("%s", pd.err[0] ? pd.err : errbuf);
		ret = 1;
	}
	if (settle_pending(&pd, closed_ok && (!ret || keep_partial)) < 0)
		ret = 1;
	if (ret && pd.n && !(closed_ok && keep_partial))
		cli_err("nothing written: the unfinished %s removed (--keep-partial keeps the frames converted before an error)",
			pd.dir_mode ? "files were" : "file was");
	else if (ret && keep_partial && closed_ok)
		cli_err("--keep-partial: the %llu frames converted before the error are kept in %s",
			(unsigned long long)frames, out);
	if (!quiet && (!ret || keep_partial || !pd.target)) {
		fprintf(stderr,
			"%s: %llu frames into %u file%s at %s (%llu cut to %u bytes, %llu with time 0 moved by 1 ns, %llu shortened to the snaplen by libpcap, %llu with a sub-second field out of range), link type %s\n",
			cli_prog, (unsigned long long)frames, files ? files : 1,
			files > 1 ? "s" : "", out,
			(unsigned long long)cut, HPCAP_MAX_CAPLEN,
			(unsigned long long)zero_ts,
			(unsigned long long)in.snap_cut,
			(unsigned long long)in.carried, link_name(dlt));
		if (in.snap_cut)
			cli_err("warning: %llu frames had more bytes stored than the file's snaplen of %d; libpcap shortened them to %d bytes (their wire length is kept)",
				(unsigned long long)in.snap_cut,
				pcap_snapshot(in.p), pcap_snapshot(in.p));
		if (in.carried)
			cli_err("warning: %llu frames had a sub-second field of a second or more; it was carried into the seconds (the file is damaged or was written by a broken writer)",
				(unsigned long long)in.carried);
	}
	pcapin_close(&in);
	free(pd.names);
	if (stop_sig) {
		/* Die of the signal, so that a calling shell or script sees
		 * it (and stops its loop on Ctrl-C). */
		signal(stop_sig, SIG_DFL);
		raise(stop_sig);
	}
	return ret;
}
