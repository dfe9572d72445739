// SPDX-License-Identifier: BSD-3-Clause
/*
 * statsfile.c - see statsfile.h.
 */
#define _GNU_SOURCE
#include "statsfile.h"
#include "queue/qstats_text.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

uint64_t hxdp_xdp_lost(const struct xdp_statistics *s)
{
	return s->rx_dropped + s->rx_ring_full + s->rx_invalid_descs;
}

/* Open "<dir>/.<name>.tmp" for writing; *tmp gets its name. */
static FILE *open_tmp(const char *path, char *tmp, size_t n)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;

	snprintf(tmp, n, "%.*s.%s.tmp", dirlen, path, path + dirlen);
	return fopen(tmp, "we");
}

static int commit(FILE *f, const char *tmp, const char *path)
{
	int err = ferror(f);

	if (fclose(f) || err || rename(tmp, path)) {
		err = errno ? -errno : -EIO;
		unlink(tmp);
		return err;
	}
	return 0;
}

/* Everything a status line needs about the port, once. */
static void port_lines(FILE *f, const struct hxdp_port *p, unsigned adapter,
		       const char *state)
{
	fprintf(f, "adapter %u\nifname %s\nsource xdp\nxdp_mode %s\n"
		"attach %s\ntimestamp %s\nnuma_node %d\npid %d\nstate %s\n",
		adapter, p->ifname, hxdp_mode_name(p->mode),
		p->attach == HXDP_ATTACH_LINK ? "link" : "dispatcher",
		p->nic_ts ? "nic" : "kernel", p->numa_node, (int)getpid(),
		state);
}

int hxdp_write_port_file(const char *path, const struct hxdp_port *p,
			 const struct hxdp_port_report *r)
{
	char tmp[4200];
	unsigned i;
	FILE *f = open_tmp(path, tmp, sizeof(tmp));

	if (!f)
		return -errno;
	port_lines(f, p, r->adapter, r->state);
	fprintf(f, "queues ");
	for (i = 0; i < p->nqueues; i++)
		fprintf(f, "%s%u", i ? "," : "", p->q[i].qid);
	fprintf(f, "\ncaplen %u\nnic_queues %d\n"
		"nic_rx_packets %llu\nnic_rx_dropped %llu\nnic_rx_missed %llu\n"
		"notes %s\n",
		r->caplen ? r->caplen : HPCAP_MAX_CAPLEN, p->nic_queues,
		(unsigned long long)r->nic.rx_packets,
		(unsigned long long)r->nic.rx_dropped,
		(unsigned long long)r->nic.rx_missed,
		p->notes[0] ? p->notes : "-");
	return commit(f, tmp, path);
}

int hxdp_write_queue_file(const char *path, const struct hxdp_port *p,
			  const struct hxdp_queue *q,
			  const struct hxdp_queue_report *r)
{
	const struct hpcap_queue_stats *s = &r->feed->q;
	const struct xdp_statistics *x = r->xdp;
	char tmp[4200];
	FILE *f = open_tmp(path, tmp, sizeof(tmp));

	if (!f)
		return -errno;
	port_lines(f, p, r->adapter, r->state);
	fprintf(f, "queue %u\ncore %d\nbusy_poll %d\n", q->qid, r->core,
		q->busy_poll);
	/* The module's names and meanings (hpcap_sysfs.c stats). */
	qstats_write_text(f, s, r->buf_size, r->write_pos);
	fprintf(f, "xdp_lost_frames %llu\nxdp_rx_dropped %llu\n"
		"xdp_rx_ring_full %llu\nxdp_rx_invalid_descs %llu\n"
		"xdp_rx_fill_ring_empty_descs %llu\n",
		(unsigned long long)hxdp_xdp_lost(x),
		(unsigned long long)x->rx_dropped,
		(unsigned long long)x->rx_ring_full,
		(unsigned long long)x->rx_invalid_descs,
		(unsigned long long)x->rx_fill_ring_empty_descs);
	fprintf(f, "ts_nic_frames %llu\nts_kernel_frames %llu\n"
		"ts_user_frames %llu\nts_nic_rejected %llu\nupdated_ns %llu\n",
		(unsigned long long)r->feed->ts_nic,
		(unsigned long long)r->feed->ts_kernel,
		(unsigned long long)r->feed->ts_user,
		(unsigned long long)r->feed->ts_nic_rejected,
		(unsigned long long)r->feed->updated_ns);
	return commit(f, tmp, path);
}
