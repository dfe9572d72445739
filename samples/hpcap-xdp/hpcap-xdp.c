// SPDX-License-Identifier: BSD-3-Clause
/*
 * hpcap-xdp - capture from any NIC with XDP into hpcap queues: one AF_XDP
 * socket per RX queue, each served by a thread pinned to its core, feeding
 * a shared-memory hpcap queue that hpcapdd, hpcapdd_p, hpcap2pcap,
 * libhpcap and libmgmon read exactly like a queue of the module.
 *
 *   hpcap-xdp [options] <interface>
 *
 * The queues are the files <dir>/hpcap_<adapter>_<queue> (/dev/shm by
 * default), linked from /dev/hpcap_<adapter>_<queue> so that
 * "hpcapdd <adapter> <queue> <dir>" finds them with no setting; their
 * counters are in <dir>/hpcap_<adapter>_<queue>.stats and
 * <dir>/hpcap_<adapter>.port.  Runs until SIGINT or SIGTERM (or
 * --duration); then the queues end (listeners read what is left, then
 * see them gone) and the interface is left as it was.  See doc/xdp.md.
 */
#define _GNU_SOURCE
#include "cli/cli.h"
#include "libhpcap_live.h"
#include "xdp/feed.h"
#include "xdp/hxdp.h"
#include "xdp/statsfile.h"

#include <errno.h>
#include <getopt.h>
#include <dirent.h>
#include <grp.h>
#include <numa.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEV_DIR "/dev"

static void usage(void)
{
	printf("Usage: %s [options] <interface>\n"
	       "\n"
	       "Capture from <interface> through AF_XDP into hpcap queues: one socket and\n"
	       "one thread, pinned to its core, per RX queue.  Each queue is the file\n"
	       "<dir>/hpcap_<adapter>_<queue>, linked from /dev/hpcap_<adapter>_<queue>,\n"
	       "which hpcapdd, hpcapdd_p, hpcap2pcap, libhpcap and libmgmon read like a\n"
	       "queue of the hpcap module (\"hpcapdd <adapter> <queue> <dir>\").  Counters,\n"
	       "with losses by cause (NIC, XDP, buffer), are in <dir>/hpcap_<adapter>.port\n"
	       "and <dir>/hpcap_<adapter>_<queue>.stats.  Runs until SIGINT or SIGTERM;\n"
	       "then the queues end and the interface is left as it was.\n"
	       "\n"
	       "Queues:\n"
	       "  -a, --adapter N       adapter number of the queues (default 0; must not be\n"
	       "                        one of the hpcap module's)\n"
	       "  -Q, --queues LIST     RX queues to capture, e.g. 0 or 0-3 or 0,2 (default:\n"
	       "                        all of the interface's)\n"
	       "  -c, --cores LIST      CPU of each queue's thread, in queue order (default:\n"
	       "                        the CPUs of the NIC's NUMA node, in turn)\n"
	       "  -D, --dir DIR         directory of the queue files (default: $HPCAP_DEV_DIR,\n"
	       "                        else /dev/shm)\n"
	       "      --no-dev-link     do not link the queues from /dev\n"
	       "  -b, --buf-size SIZE   buffer of each queue, a multiple of 1M (default 64M)\n"
	       "      --file-size SIZE  framing of the stream into files (default 2G)\n"
	       "  -m, --mode MODE       permissions of the queue files, octal (default 0660,\n"
	       "                        group hpcap if it exists)\n"
	       "  -s, --caplen N        bytes kept of each frame (default: all)\n"
	       "\n"
	       "XDP:\n"
	       "  -M, --xdp-mode LIST   modes allowed, best first: zc (zero-copy), copy\n"
	       "                        (native XDP, copy), skb (generic XDP: any NIC, slow)\n"
	       "                        (default zc,copy)\n"
	       "  -A, --attach HOW      link: the program is held by this process and goes\n"
	       "                        with it, however it ends (default); dispatcher: through\n"
	       "                        libxdp's dispatcher, beside other XDP programs (needs\n"
	       "                        bpffs; a killed run leaves it until the next run or\n"
	       "                        --cleanup)\n"
	       "  -T, --timestamp SRC   auto (the NIC's if the kernel and driver give them,\n"
	       "                        else the kernel clock; default), nic, or kernel\n"
	       "      --umem-frames N   UMEM frames per queue, a power of 2 (default 16384)\n"
	       "      --frame-size N    UMEM frame size, 2048 or 4096 (default 4096; frames\n"
	       "                        longer than it minus 256 are dropped by the kernel)\n"
	       "      --rx-ring N       RX ring entries, a power of 2 (default 8192, at most\n"
	       "                        half the UMEM frames)\n"
	       "      --no-busy-poll    do not ask for busy polling (SO_PREFER_BUSY_POLL)\n"
	       "      --busy-poll-usecs N  SO_BUSY_POLL (default 20)\n"
	       "      --busy-poll-budget N SO_BUSY_POLL_BUDGET (default 64)\n"
	       "      --idle-spin USECS poll an empty ring this long before sleeping\n"
	       "                        (default 100)\n"
	       "      --numa-node N     memory node (default: the NIC's)\n"
	       "      --cleanup         remove what a killed hpcap-xdp left on <interface>,\n"
	       "                        then exit\n"
	       "\n"
	       "Other options:\n"
	       "  -i, --interval SEC    update the counter files every SEC seconds (default 1)\n"
	       "  -d, --duration SEC    stop after SEC seconds\n"
	       "      --keep-stats      leave the counter files at the end (state stopped)\n"
	       "  -q, --quiet           no messages but errors\n"
	       "  -h, --help            show this help\n"
	       "  -V, --version         show the version\n"
	       "\n"
	       "Exit status: 0 ok (also when stopped by a signal); 1 the capture could not\n"
	       "start or a queue failed; 2 usage.\n"
	       "\n"
	       "Examples:\n"
	       "  %s -a 1 -c 2,3 eth1 &  hpcapdd 1 0 /data & hpcapdd 1 1 /data\n"
	       "  %s -M zc,copy,skb -Q 0 --attach dispatcher eth2\n"
	       "  %s --cleanup eth1\n",
	       cli_prog, cli_prog, cli_prog, cli_prog);
}

/* "0", "0-3", "0,2,5-6" into out[]; returns the count, exits on error. */
static unsigned parse_list(const char *what, const char *s, unsigned *out,
			   unsigned max_n, unsigned max_v)
{
	char buf[512], *tok, *save = NULL, *dash;
	unsigned n = 0, a, b, v;

	if (strlen(s) >= sizeof(buf))
		cli_usage_error("%s: list too long", what);
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		dash = strchr(tok, '-');
		if (dash)
			*dash = 0;
		a = (unsigned)cli_parse_u64(what, tok, max_v);
		b = dash ? (unsigned)cli_parse_u64(what, dash + 1, max_v) : a;
		if (b < a)
			cli_usage_error("%s: '%s-%s' is a range going down", what,
					tok, dash + 1);
		for (v = a; v <= b; v++) {
			if (n == max_n)
				cli_usage_error("%s: more than %u entries", what,
						max_n);
			out[n++] = v;
		}
	}
	if (!n)
		cli_usage_error("%s: '%s' is not a list such as 0-3 or 0,2", what,
				s);
	return n;
}

/* The CPUs of node (all online CPUs if none or unknown). */
static unsigned node_cpus(int node, unsigned *out, unsigned max)
{
	struct bitmask *bm = NULL;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned n = 0, c;

	if (node >= 0 && numa_available() >= 0) {
		bm = numa_allocate_cpumask();
		if (numa_node_to_cpus(node, bm)) {
			numa_free_cpumask(bm);
			bm = NULL;
		}
	}
	for (c = 0; c < (unsigned)(ncpu > 0 ? ncpu : 1) && n < max; c++)
		if (!bm || numa_bitmask_isbitset(bm, c))
			out[n++] = c;
	if (bm)
		numa_free_cpumask(bm);
	if (!n)
		out[n++] = 0;
	return n;
}

struct capture {
	struct hxdp_opts xo;
	struct hxdp_port *port;
	unsigned adapter;
	const char *dir;
	int dev_link;
	struct hpcap_producer_opts po;
	uint32_t caplen;
	unsigned cores[HXDP_MAX_QUEUES];
	unsigned ncores;
	unsigned idle_spin_us;
	struct hpcap_producer *prod[HXDP_MAX_QUEUES];
	struct hxdp_feed feed[HXDP_MAX_QUEUES];
	int linked[HXDP_MAX_QUEUES];
	char qpath[HXDP_MAX_QUEUES][256];
	char spath[HXDP_MAX_QUEUES][256];
	char ppath[256];
	struct hxdp_nic_stats nic0;
	int quiet, keep_stats;
};

static void dev_link_path(char *buf, size_t n, unsigned adapter, unsigned q)
{
	snprintf(buf, n, DEV_DIR "/%s%u_%u", HPCAP_DEV_PREFIX, adapter, q);
}

/* Refuse before touching the interface if a queue name is the module's. */
static int check_dev_names(struct capture *c)
{
	char path[256];
	struct stat st;
	unsigned i;

	for (i = 0; c->dev_link && i < c->xo.nqueues; i++) {
		dev_link_path(path, sizeof(path), c->adapter, c->xo.queues[i]);
		if (lstat(path, &st))
			continue;
		if (S_ISCHR(st.st_mode)) {
			cli_err("%s is a queue of the hpcap module: give this capture another adapter number (--adapter; /sys/class/hpcap/adapters lists the module's)",
				path);
			return -1;
		}
		if (!S_ISLNK(st.st_mode)) {
			cli_err("%s exists and is not a link left by hpcap-xdp: remove it, or use --no-dev-link",
				path);
			return -1;
		}
	}
	return 0;
}

static void set_access(const char *path, unsigned mode)
{
	struct group *g = getgrnam("hpcap");

	/* Module queues belong to the group hpcap (udev rule): the same
	 * people may read these.  Not fatal: root can still read. */
	if (g && chown(path, (uid_t)-1, g->gr_gid)) {
		/* ignored */
	}
	/* The file was made under the umask. */
	if (chmod(path, mode)) {
		/* ignored */
	}
}

/* A "name value" line of a counter file, or NULL. */
static const char *file_value(char *buf, const char *name)
{
	size_t n = strlen(name);
	char *p;

	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, name, n) && p[n] == ' ')
			return p + n + 1;
	return NULL;
}

/*
 * The files a killed hpcap-xdp on ifname left in dir: its port file names
 * the interface, the adapter, the queues and a process that is gone.
 * Returns how many captures were cleaned up.
 */
static int remove_stale_files(const char *dir, const char *ifname)
{
	char path[512], buf[2048], link[256], target[256], lbuf[256], *q, *end;
	const char *v;
	unsigned adapter, qid;
	struct dirent *e;
	int found = 0, pid;
	ssize_t n;
	FILE *f;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, HPCAP_DEV_PREFIX, strlen(HPCAP_DEV_PREFIX)) ||
		    !strstr(e->d_name, ".port") || e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		n = (ssize_t)fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n > 0 ? n : 0] = 0;
		v = file_value(buf, "ifname");
		if (!v || strncmp(v, ifname, strlen(ifname)) ||
		    v[strlen(ifname)] != '\n')
			continue;
		/* A run that ended cleanly left these on purpose
		 * (--keep-stats); its queues are already gone. */
		v = file_value(buf, "state");
		if (v && !strncmp(v, "stopped\n", 8))
			continue;
		v = file_value(buf, "pid");
		pid = v ? atoi(v) : 0;
		if (pid <= 0 || kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		v = file_value(buf, "adapter");
		adapter = v ? (unsigned)atoi(v) : 0;
		v = file_value(buf, "queues");
		for (q = (char *)(v ? v : ""); *q >= '0' && *q <= '9'; q = end) {
			qid = (unsigned)strtoul(q, &end, 10);
			snprintf(target, sizeof(target), "%s/%s%u_%u", dir,
				 HPCAP_DEV_PREFIX, adapter, qid);
			dev_link_path(link, sizeof(link), adapter, qid);
			n = readlink(link, lbuf, sizeof(lbuf) - 1);
			if (n > 0 && (lbuf[n] = 0, !strcmp(lbuf, target)))
				unlink(link);
			unlink(target);
			strncat(target, ".stats", sizeof(target) - strlen(target) - 1);
			unlink(target);
			if (*end == ',')
				end++;
		}
		unlink(path);
		found++;
	}
	closedir(d);
	return found;
}

/* The hpcap queue of the i-th socket, and its /dev link. */
static int open_queue(struct capture *c, unsigned i)
{
	unsigned qid = c->port->q[i].qid;
	char errbuf[HPCAP_ERRBUF_SIZE], link[256];
	struct hpcap_producer_opts po = c->po;
	int err;

	snprintf(c->qpath[i], sizeof(c->qpath[i]), "%s/%s%u_%u", c->dir,
		 HPCAP_DEV_PREFIX, c->adapter, qid);
	snprintf(c->spath[i], sizeof(c->spath[i]), "%s/%s%u_%u.stats", c->dir,
		 HPCAP_DEV_PREFIX, c->adapter, qid);
	po.adapter = c->adapter;
	po.queue = qid;
	/* Never wait for a listener: drop and count, as the module does. */
	po.flags |= HPCAP_PRODUCER_DROP;
	err = hpcap_producer_create(&c->prod[i], c->qpath[i], &po, errbuf);
	if (err) {
		cli_err("%s", errbuf);
		return err;
	}
	set_access(c->qpath[i], po.mode);
	if (!c->dev_link)
		return 0;
	dev_link_path(link, sizeof(link), c->adapter, qid);
	if (!strcmp(link, c->qpath[i]))
		return 0;
	unlink(link);	/* check_dev_names(): only an old link of ours */
	if (symlink(c->qpath[i], link)) {
		cli_err("cannot link %s to %s: %s (use --no-dev-link, and HPCAP_DEV_DIR=%s for the readers)",
			link, c->qpath[i], strerror(errno), c->dir);
		return -errno;
	}
	c->linked[i] = 1;
	return 0;
}

static void close_queue(struct capture *c, unsigned i)
{
	char link[256], target[256];
	ssize_t n;

	hpcap_producer_close(c->prod[i]);
	c->prod[i] = NULL;
	if (c->linked[i]) {
		dev_link_path(link, sizeof(link), c->adapter,
			      c->port->q[i].qid);
		/* Only if it is still ours. */
		n = readlink(link, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = 0;
			if (!strcmp(target, c->qpath[i]))
				unlink(link);
		}
		c->linked[i] = 0;
	}
}

static void nic_delta(const struct capture *c, struct hxdp_nic_stats *d)
{
	struct hxdp_nic_stats now;

	hxdp_nic_stats(c->port->ifname, &now);
	d->rx_packets = now.rx_packets - c->nic0.rx_packets;
	d->rx_dropped = now.rx_dropped - c->nic0.rx_dropped;
	d->rx_missed = now.rx_missed - c->nic0.rx_missed;
}

static void write_stats(struct capture *c, const char *state)
{
	struct hxdp_port_report pr = {
		.adapter = c->adapter, .caplen = c->caplen, .state = state,
	};
	struct hxdp_feed_stats fs;
	struct xdp_statistics xs;
	unsigned i;

	nic_delta(c, &pr.nic);
	hxdp_write_port_file(c->ppath, c->port, &pr);
	for (i = 0; i < c->port->nqueues; i++) {
		struct hxdp_queue_report qr = {
			.adapter = c->adapter, .core = c->feed[i].o.core,
			.state = state, .feed = &fs, .xdp = &xs,
		};
		const struct hpcap_ring_info *info = c->prod[i] ?
			hpcap_producer_info(c->prod[i]) : NULL;

		/* The feed thread moves write_pos: one atomic read. */
		if (info) {
			qr.buf_size = info->buf_size;
			qr.write_pos = __atomic_load_n(&info->write_pos,
						       __ATOMIC_RELAXED);
		}

		hxdp_feed_read(&c->feed[i], &fs);
		hxdp_queue_stats(&c->port->q[i], &xs);
		hxdp_write_queue_file(c->spath[i], c->port, &c->port->q[i],
				      &qr);
	}
}

static void summary(struct capture *c)
{
	struct hxdp_nic_stats nic;
	struct hxdp_feed_stats fs;
	struct xdp_statistics xs;
	unsigned i;

	for (i = 0; i < c->port->nqueues; i++) {
		hxdp_feed_read(&c->feed[i], &fs);
		hxdp_queue_stats(&c->port->q[i], &xs);
		fprintf(stderr,
			"%s: queue %u: %llu frames received, %llu captured; lost: %llu in XDP (rx_dropped %llu, rx_ring_full %llu, invalid %llu), %llu slow listener, %llu no listener; stamps: %llu NIC, %llu kernel, %llu here\n",
			cli_prog, c->port->q[i].qid,
			(unsigned long long)fs.q.rx_frames,
			(unsigned long long)fs.q.captured_frames,
			(unsigned long long)hxdp_xdp_lost(&xs),
			(unsigned long long)xs.rx_dropped,
			(unsigned long long)xs.rx_ring_full,
			(unsigned long long)xs.rx_invalid_descs,
			(unsigned long long)fs.q.client_lost_frames,
			(unsigned long long)fs.q.noclient_frames,
			(unsigned long long)fs.ts_nic,
			(unsigned long long)fs.ts_kernel,
			(unsigned long long)fs.ts_user);
	}
	nic_delta(c, &nic);
	fprintf(stderr, "%s: %s: the NIC dropped %llu and missed %llu frames meanwhile\n",
		cli_prog, c->port->ifname, (unsigned long long)nic.rx_dropped,
		(unsigned long long)nic.rx_missed);
}

static void report_start(struct capture *c)
{
	struct hxdp_port *p = c->port;
	unsigned i;

	fprintf(stderr, "%s: %s: %s mode (%s), %s attach, stamps from the %s; adapter %u, queues",
		cli_prog, p->ifname, hxdp_mode_name(p->mode),
		p->mode == HXDP_MODE_ZC ? "native XDP, zero-copy" :
		p->mode == HXDP_MODE_COPY ? "native XDP, copy" :
		"generic XDP, copy",
		p->attach == HXDP_ATTACH_LINK ? "link" : "dispatcher",
		p->nic_ts ? "NIC where it gives them, else the kernel clock" :
		"kernel clock", c->adapter);
	for (i = 0; i < p->nqueues; i++)
		fprintf(stderr, " %u (core %d%s)", p->q[i].qid, c->feed[i].o.core,
			p->q[i].busy_poll ? ", busy poll" : "");
	fprintf(stderr, " in %s\n", c->dir);
	if (p->notes[0])
		fprintf(stderr, "%s: note: %s\n", cli_prog, p->notes);
}

/* Wait for a signal, the duration or a failed queue; write the counter
 * files every interval.  Signals are blocked in every thread and taken
 * here. */
static void run(struct capture *c, const sigset_t *sigs, double interval,
		double duration)
{
	struct timespec start, now, tick;
	struct hxdp_feed_stats fs;
	unsigned i;
	double left;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = interval;
		if (duration > 0) {
			double el = (double)(now.tv_sec - start.tv_sec) +
				(double)(now.tv_nsec - start.tv_nsec) / 1e9;

			if (el >= duration)
				return;
			if (duration - el < left)
				left = duration - el;
		}
		tick.tv_sec = (time_t)left;
		tick.tv_nsec = (long)((left - (double)tick.tv_sec) * 1e9);
		if (sigtimedwait(sigs, NULL, &tick) > 0)
			return;
		for (i = 0; i < c->port->nqueues; i++) {
			hxdp_feed_read(&c->feed[i], &fs);
			if (!fs.running) {
				cli_err("%s", c->feed[i].err);
				return;
			}
		}
		write_stats(c, "running");
	}
}

static void stop_all(struct capture *c, unsigned nfeeds, unsigned nqueues)
{
	unsigned i;

	/* Frames go to the stack from here; the threads drain what the
	 * sockets hold, so the final counts are complete. */
	hxdp_port_unplug(c->port);
	for (i = 0; i < nfeeds; i++)
		hxdp_feed_stop(&c->feed[i]);
	if (nfeeds == c->port->nqueues) {
		write_stats(c, "stopped");
		if (!c->quiet)
			summary(c);
	}
	for (i = 0; i < nqueues; i++) {
		close_queue(c, i);
		if (!c->keep_stats)
			unlink(c->spath[i]);
	}
	if (!c->keep_stats)
		unlink(c->ppath);
	hxdp_port_close(c->port);
	c->port = NULL;
}

static double parse_seconds(const char *what, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || end == s || !(v > 0) || v > 1e7)
		cli_usage_error("%s: '%s' is not a number of seconds above 0", what,
				s);
	return v;
}

static unsigned parse_pow2(const char *what, const char *s, unsigned max)
{
	unsigned v = (unsigned)cli_parse_u64(what, s, max);

	if (!v || (v & (v - 1)))
		cli_usage_error("%s: %s is not a power of 2", what, s);
	return v;
}

enum {
	OPT_NO_DEV_LINK = 256, OPT_FILE_SIZE, OPT_UMEM_FRAMES,
	OPT_FRAME_SIZE, OPT_RX_RING, OPT_NO_BUSY_POLL, OPT_BP_USECS,
	OPT_BP_BUDGET, OPT_IDLE_SPIN, OPT_NUMA_NODE, OPT_CLEANUP,
	OPT_KEEP_STATS,
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "adapter", required_argument, NULL, 'a' },
		{ "queues", required_argument, NULL, 'Q' },
		{ "cores", required_argument, NULL, 'c' },
		{ "dir", required_argument, NULL, 'D' },
		{ "no-dev-link", no_argument, NULL, OPT_NO_DEV_LINK },
		{ "buf-size", required_argument, NULL, 'b' },
		{ "file-size", required_argument, NULL, OPT_FILE_SIZE },
		{ "mode", required_argument, NULL, 'm' },
		{ "caplen", required_argument, NULL, 's' },
		{ "xdp-mode", required_argument, NULL, 'M' },
		{ "attach", required_argument, NULL, 'A' },
		{ "timestamp", required_argument, NULL, 'T' },
		{ "umem-frames", required_argument, NULL, OPT_UMEM_FRAMES },
		{ "frame-size", required_argument, NULL, OPT_FRAME_SIZE },
		{ "rx-ring", required_argument, NULL, OPT_RX_RING },
		{ "no-busy-poll", no_argument, NULL, OPT_NO_BUSY_POLL },
		{ "busy-poll-usecs", required_argument, NULL, OPT_BP_USECS },
		{ "busy-poll-budget", required_argument, NULL, OPT_BP_BUDGET },
		{ "idle-spin", required_argument, NULL, OPT_IDLE_SPIN },
		{ "numa-node", required_argument, NULL, OPT_NUMA_NODE },
		{ "cleanup", no_argument, NULL, OPT_CLEANUP },
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "keep-stats", no_argument, NULL, OPT_KEEP_STATS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static struct capture c;	/* large: not on the stack */
	char errbuf[HXDP_ERRBUF_SIZE];
	const char *cores_arg = NULL, *queues_arg = NULL, *ifname;
	double interval = 1, duration = 0;
	int cleanup = 0, opt, err, n;
	unsigned i, nfeeds = 0, nqueues = 0;
	sigset_t sigs;
	char *end;

	cli_init(argv[0]);
	c.dev_link = 1;
	c.xo.busy_poll = 1;
	c.xo.numa_node = -1;
	c.po.mode = 0660;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "a:Q:c:D:b:m:s:M:A:T:i:d:qhV",
				  opts, NULL)) != -1) {
		switch (opt) {
		case 'a': c.adapter = (unsigned)cli_parse_u64("--adapter", optarg, 1023); break;
		case 'Q': queues_arg = optarg; break;
		case 'c': cores_arg = optarg; break;
		case 'D': c.dir = optarg; break;
		case OPT_NO_DEV_LINK: c.dev_link = 0; break;
		case 'b':
			c.po.buf_size = cli_parse_size("--buf-size", optarg);
			if (!c.po.buf_size || c.po.buf_size % HPCAP_BLOCK_SIZE)
				cli_usage_error("--buf-size: %s is not a positive multiple of 1M",
						optarg);
			break;
		case OPT_FILE_SIZE:
			c.po.file_size = cli_parse_size("--file-size", optarg);
			if (!c.po.file_size || c.po.file_size % HPCAP_BLOCK_SIZE)
				cli_usage_error("--file-size: %s is not a positive multiple of 1M",
						optarg);
			break;
		case 'm':
			errno = 0;
			c.po.mode = (unsigned)strtoul(optarg, &end, 8);
			if (errno || *end || end == optarg || c.po.mode > 0777 ||
			    !c.po.mode)
				cli_usage_error("--mode: '%s' is not an octal file mode such as 0660",
						optarg);
			break;
		case 's':
			c.caplen = (uint32_t)cli_parse_u64("--caplen", optarg,
							   HPCAP_MAX_CAPLEN);
			if (c.caplen < 14)
				cli_usage_error("--caplen: keep at least the 14 bytes of the Ethernet header");
			break;
		case 'M':
			n = hxdp_parse_modes(optarg);
			if (n < 0)
				cli_usage_error("--xdp-mode: '%s' is not a list of zc, copy and skb",
						optarg);
			c.xo.modes = (unsigned)n;
			break;
		case 'A':
			if (!strcmp(optarg, "link"))
				c.xo.attach = HXDP_ATTACH_LINK;
			else if (!strcmp(optarg, "dispatcher"))
				c.xo.attach = HXDP_ATTACH_DISPATCHER;
			else
				cli_usage_error("--attach: '%s' is neither link nor dispatcher",
						optarg);
			break;
		case 'T':
			if (!strcmp(optarg, "auto"))
				c.xo.ts = HXDP_TS_AUTO;
			else if (!strcmp(optarg, "nic"))
				c.xo.ts = HXDP_TS_NIC;
			else if (!strcmp(optarg, "kernel"))
				c.xo.ts = HXDP_TS_KERNEL;
			else
				cli_usage_error("--timestamp: '%s' is not auto, nic or kernel",
						optarg);
			break;
		case OPT_UMEM_FRAMES:
			c.xo.nframes = parse_pow2("--umem-frames", optarg, 1u << 20);
			if (c.xo.nframes < 64)
				cli_usage_error("--umem-frames: at least 64");
			break;
		case OPT_FRAME_SIZE:
			c.xo.frame_size = (unsigned)cli_parse_u64("--frame-size", optarg, 4096);
			if (c.xo.frame_size != 2048 && c.xo.frame_size != 4096)
				cli_usage_error("--frame-size: 2048 or 4096");
			break;
		case OPT_RX_RING: c.xo.rx_size = parse_pow2("--rx-ring", optarg, 1u << 20); break;
		case OPT_NO_BUSY_POLL: c.xo.busy_poll = 0; break;
		case OPT_BP_USECS:
			c.xo.busy_poll_usecs = (unsigned)cli_parse_u64("--busy-poll-usecs", optarg, 1000000);
			break;
		case OPT_BP_BUDGET:
			c.xo.busy_poll_budget = (unsigned)cli_parse_u64("--busy-poll-budget", optarg, 65535);
			break;
		case OPT_IDLE_SPIN:
			c.idle_spin_us = (unsigned)cli_parse_u64("--idle-spin", optarg, 10000000);
			break;
		case OPT_NUMA_NODE:
			c.xo.numa_node = (int)cli_parse_u64("--numa-node", optarg, 1023);
			break;
		case OPT_CLEANUP: cleanup = 1; break;
		case 'i': interval = parse_seconds("--interval", optarg); break;
		case 'd': duration = parse_seconds("--duration", optarg); break;
		case OPT_KEEP_STATS: c.keep_stats = 1; break;
		case 'q': c.quiet = 1; break;
		case 'h': usage(); return 0;
		case 'V': printf("%s %s\n", cli_prog, HPCAP_VERSION); return 0;
		default: cli_bad_option(argc, argv, optopt);
		}
	}
	if (argc - optind != 1)
		cli_usage_error("need the interface to capture from");
	ifname = argv[optind];
	if (strlen(ifname) >= IF_NAMESIZE)
		cli_usage_error("'%s' is too long for an interface name", ifname);
	c.xo.ifname = ifname;
	c.idle_spin_us = c.idle_spin_us ? c.idle_spin_us : 100;
	if (c.xo.rx_size && c.xo.rx_size > (c.xo.nframes ? c.xo.nframes :
					    HXDP_DEF_NFRAMES))
		cli_usage_error("--rx-ring: at most --umem-frames");

	if (!c.dir) {
		c.dir = getenv("HPCAP_DEV_DIR");
		if (!c.dir || !*c.dir)
			c.dir = "/dev/shm";
	}
	if (cleanup) {
		err = hxdp_cleanup(ifname, errbuf);
		if (err == -ENODEV)
			err = 0;	/* gone: its files may still be here */
		if (err < 0) {
			cli_err("%s", errbuf);
			return 1;
		}
		n = remove_stale_files(c.dir, ifname);
		if (!c.quiet)
			fprintf(stderr, "%s: %s: %s; %d capture%s queue files removed\n",
				cli_prog, ifname, err ?
				"removed the XDP program a killed hpcap-xdp left" :
				"no XDP program of hpcap-xdp's was left", n,
				n == 1 ? "'s" : "s'");
		return 0;
	}

	if (queues_arg) {
		c.xo.nqueues = parse_list("--queues", queues_arg, c.xo.queues,
					  HXDP_MAX_QUEUES, 4095);
	} else {
		n = hxdp_rx_queues(ifname);
		if (n < 0) {
			cli_err("no interface %s here (ip -br link lists them; a namespace's interfaces need ip netns exec)",
				ifname);
			return 1;
		}
		c.xo.nqueues = n > (int)HXDP_MAX_QUEUES ? HXDP_MAX_QUEUES :
			(unsigned)(n ? n : 1);
		for (i = 0; i < c.xo.nqueues; i++)
			c.xo.queues[i] = i;
	}
	if (cores_arg)
		c.ncores = parse_list("--cores", cores_arg, c.cores,
				      HXDP_MAX_QUEUES, 4095);
	snprintf(c.ppath, sizeof(c.ppath), "%s/%s%u.port", c.dir,
		 HPCAP_DEV_PREFIX, c.adapter);
	if (check_dev_names(&c))
		return 1;

	/* Every thread inherits this mask; run() takes the signals.  A
	 * signal ignored when it comes would never be taken: shells start
	 * background jobs with SIGINT ignored, so SIGINT and SIGTERM are
	 * given their default back; an ignored SIGHUP (nohup) stays so. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	if (signal(SIGHUP, SIG_DFL) != SIG_IGN)
		sigaddset(&sigs, SIGHUP);
	else
		signal(SIGHUP, SIG_IGN);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	err = hxdp_port_open(&c.port, &c.xo, errbuf);
	if (err) {
		cli_err("%s", errbuf);
		return 1;
	}
	if (!c.ncores)
		c.ncores = node_cpus(c.port->numa_node, c.cores, HXDP_MAX_QUEUES);
	if (c.port->numa_node >= 0 && numa_available() >= 0)
		numa_set_preferred(c.port->numa_node);
	for (i = 0; i < c.port->nqueues; i++) {
		if (open_queue(&c, i))
			goto fail;
		nqueues = i + 1;
	}
	hxdp_nic_stats(c.port->ifname, &c.nic0);
	for (i = 0; i < c.port->nqueues; i++) {
		struct hxdp_feed_opts fo = {
			.caplen = c.caplen,
			.core = (int)c.cores[i % c.ncores],
			.numa_node = c.port->numa_node,
			.idle_spin_us = c.idle_spin_us,
		};

		if (hxdp_feed_start(&c.feed[i], &c.port->q[i], c.prod[i], &fo)) {
			cli_err("%s", c.feed[i].err);
			goto fail;
		}
		nfeeds = i + 1;
	}
	if (!c.quiet)
		report_start(&c);
	write_stats(&c, "running");
	run(&c, &sigs, interval, duration);
	for (i = 0; i < nfeeds; i++) {
		struct hxdp_feed_stats fs;

		hxdp_feed_read(&c.feed[i], &fs);
		if (fs.failed)
			err = 1;
	}
	stop_all(&c, nfeeds, nqueues);
	return err ? 1 : 0;
fail:
	stop_all(&c, nfeeds, nqueues);
	return 1;
}
