// SPDX-License-Identifier: BSD-3-Clause
/*
 * hpcap-flows - list the flows of a live hpcap queue or of RAW files:
 * libmgmon's 5-tuple flow records (IPv4/IPv6, VLAN-aware, one record per
 * direction or per conversation) as CSV or JSON lines, without writing C.
 *
 *   hpcap-flows [options] <adapter> <queue>
 *   hpcap-flows [options] --raw <file|dir>...
 *
 * Time is the frames' own, so a recording gives the records the live run
 * gave.  Records go to stdout (or -o FILE) as flows end; open flows are
 * flushed at the end of the input, on SIGINT or on SIGTERM.
 */
#define _GNU_SOURCE
#include "libmgmon.h"
#include "cli/cli.h"
#include "cli/mgsource.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS UINT64_C(1000000000)

static void usage(void)
{
	printf("Usage: %s [options] <adapter> <queue>\n"
	       "       %s [options] --raw <raw-file|dir>...\n"
	       "\n"
	       "Group the frames of a live hpcap queue (or of RAW files) into flows\n"
	       "(protocol, addresses, ports, VLAN ids) and print one record per flow\n"
	       "when it ends: first and last time, frames and bytes each way, TCP\n"
	       "flags, and why it ended (idle, active timeout, table full, end of\n"
	       "input).  Frames that are not IPv4/IPv6 are counted, not listed.\n"
	       "\n"
	       "Options:\n"
	       "  -F, --format FMT      csv (default) or json (one object per line)\n"
	       "  -b, --bidir           one record per conversation (the reverse\n"
	       "                        direction in the r* fields)\n"
	       "      --no-vlan         leave VLAN ids out of the flow key\n"
	       "  -I, --idle TIME       a flow ends after TIME without frames\n"
	       "                        (default 30s; units ns, us, ms, s, m, h)\n"
	       "  -A, --active TIME     a record is cut after TIME (default 30m; 0:\n"
	       "                        never)\n"
	       "  -m, --max-flows N     open flows kept (default 1048576); when full,\n"
	       "                        the least recently seen flow ends (evicted)\n"
	       "  -o, --output FILE     write the records to FILE (default stdout)\n"
	       "  -r, --raw             the operands are RAW files or directories\n"
	       "  -C, --cpu N           live: pin to CPU N\n"
	       "  -q, --quiet           no summary on stderr\n"
	       "  -h, --help            show this help\n"
	       "  -V, --version         show the version\n"
	       "\n"
	       "Live, it runs until SIGINT or SIGTERM (or until the queue goes away).\n"
	       "Exit status: 0 ok; 1 the input could not be read (or was damaged),\n"
	       "or the output could not be written; 2 usage.\n"
	       "\n"
	       "Examples:\n"
	       "  %s --raw /data/capture/ > flows.csv\n"
	       "  %s -b -F json -I 5s 0 1 | jq 'select(.bytes > 1e6)'\n",
	       cli_prog, cli_prog, cli_prog, cli_prog);
}

enum fmt { FMT_CSV, FMT_JSON };

struct out {
	FILE *f;
	enum fmt fmt;
	int error;		/* a write failed */
	uint64_t records;
};

static const char *end_name(uint8_t end)
{
	switch (end) {
	case MGMON_FLOW_IDLE: return "idle";
	case MGMON_FLOW_ACTIVE: return "active";
	case MGMON_FLOW_EVICTED: return "evicted";
	case MGMON_FLOW_FLUSH: return "flush";
	default: return "unknown";
	}
}

/* TCP flags as nfdump writes them ("CEUAPRSF", '.' for unset), the same
 * as the CSV form. */
static void fmt_flags(char *b, uint8_t fl)
{
	static const char letters[] = "CEUAPRSF";
	int i;

	for (i = 0; i < 8; i++)
		b[i] = fl & (0x80 >> i) ? letters[i] : '.';
	b[8] = 0;
}

static void json_record(FILE *f, const struct mgmon_flow *r)
{
	char src[64], dst[64], fl[9], rfl[9];

	mgmon_flow_src_str(&r->key, src, sizeof(src));
	mgmon_flow_dst_str(&r->key, dst, sizeof(dst));
	fmt_flags(fl, r->tcp_flags);
	fmt_flags(rfl, r->rtcp_flags);
	fprintf(f,
		"{\"first\":\"%" PRIu64 ".%09" PRIu64 "\",\"last\":\"%" PRIu64 ".%09" PRIu64
		"\",\"proto\":%u,\"src\":\"%s\",\"sport\":%u,\"dst\":\"%s\",\"dport\":%u"
		",\"vlan\":%u,\"vlan2\":%u,\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
		",\"rpackets\":%" PRIu64 ",\"rbytes\":%" PRIu64
		",\"tcp_flags\":\"%s\",\"rtcp_flags\":\"%s\",\"end\":\"%s\"}\n",
		r->first_ns / NS, r->first_ns % NS, r->last_ns / NS,
		r->last_ns % NS, r->key.proto, src, r->key.sport, dst,
		r->key.dport, r->key.vlan, r->key.vlan2, r->packets,
		r->bytes, r->rpackets, r->rbytes, fl, rfl, end_name(r->end));
}

static void on_record(const struct mgmon_flow *r, void *arg)
{
	struct out *o = arg;

	if (o->error)
		return;
	if (o->fmt == FMT_CSV) {
		if (mgmon_flow_csv_write(o->f, r) < 0)
			o->error = 1;
	} else {
		json_record(o->f, r);
		if (ferror(o->f))
			o->error = 1;
	}
	o->records++;
}

static void on_frame(const uint8_t *payload, const struct mgmon_pkthdr *h,
		     void *arg)
{
	mgmon_flows_add(arg, payload, h);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "bidir", no_argument, NULL, 'b' },
		{ "no-vlan", no_argument, NULL, 'N' },
		{ "idle", required_argument, NULL, 'I' },
		{ "active", required_argument, NULL, 'A' },
		{ "max-flows", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "raw", no_argument, NULL, 'r' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct mgmon_flow_opts fo = { 0 };
	struct mgmon_flow_stats st;
	struct mgmon_flows *table;
	char err[HPCAP_ERRBUF_SIZE];
	struct out o = { .f = stdout, .fmt = FMT_CSV };
	const char *outpath = NULL;
	int raw = 0, quiet = 0, cpu = -1, c, r;
	struct mgsource src = { .cpu = -1 };

	cli_init(argv[0]);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "F:bI:A:m:o:rC:qhV", opts, NULL)) != -1) {
		switch (c) {
		case 'F':
			if (!strcmp(optarg, "csv"))
				o.fmt = FMT_CSV;
			else if (!strcmp(optarg, "json"))
				o.fmt = FMT_JSON;
			else
				cli_usage_error("--format: '%s' is not csv or json", optarg);
			break;
		case 'b': fo.flags |= MGMON_FLOW_BIDIR; break;
		case 'N': fo.flags |= MGMON_FLOW_NO_VLAN; break;
		case 'I':
			fo.idle_timeout_ns = cli_parse_duration_ns("--idle", optarg,
								   NS, 1000, 24 * 3600 * NS);
			break;
		case 'A':
			fo.active_timeout_ns = cli_parse_duration_ns("--active", optarg,
								     NS, 0, 7 * 24 * 3600 * NS);
			if (!fo.active_timeout_ns)
				fo.active_timeout_ns = UINT64_MAX;
			break;
		case 'm':
			fo.max_flows = (uint32_t)cli_parse_u64("--max-flows", optarg, 1u << 28);
			if (!fo.max_flows)
				cli_usage_error("--max-flows: at least 1");
			break;
		case 'o': outpath = optarg; break;
		case 'r': raw = 1; break;
		case 'C': cpu = (int)cli_parse_u64("--cpu", optarg, 4095); break;
		case 'q': quiet = 1; break;
		case 'h': usage(); return 0;
		case 'V': printf("%s %s\n", cli_prog, HPCAP_VERSION); return 0;
		default: cli_bad_option(argc, argv, optopt);
		}
	}
	if (raw && optind >= argc)
		cli_usage_error("--raw needs at least one RAW file or directory");
	if (!raw && argc - optind != 2)
		cli_usage_error("give an adapter and a queue, or --raw and files");
	if (outpath) {
		o.f = fopen(outpath, "w");
		if (!o.f) {
			cli_err("cannot create %s: %s", outpath, strerror(errno));
			return 1;
		}
	}
	if (o.fmt == FMT_CSV && mgmon_flow_csv_header(o.f) < 0)
		o.error = 1;

	if (mgmon_flows_new(&table, &fo, on_record, &o, err) < 0) {
		cli_err("%s", err);
		return 1;
	}
	src.raw = raw;
	src.cpu = cpu;
	r = mgsource_loop(&src, argc, argv, optind, on_frame, table);
	mgmon_flows_flush(table);
	mgmon_flows_get_stats(table, &st);
	mgmon_flows_free(table);
	if (fflush(o.f) || ferror(o.f))
		o.error = 1;
	if (outpath && fclose(o.f))
		o.error = 1;
	if (o.error)
		cli_err("writing the records to %s failed", outpath ? outpath : "stdout");
	if (!quiet)
		fprintf(stderr,
			"%s: %" PRIu64 " frames, %" PRIu64 " in flows, %" PRIu64
			" not IP; %" PRIu64 " flow record%s, %" PRIu64
			" of them evicted (table full)\n",
			cli_prog, st.frames, st.flow_frames, st.other_frames,
			o.records, o.records == 1 ? "" : "s", st.evicted);
	return r < 0 || o.error ? 1 : 0;
}
