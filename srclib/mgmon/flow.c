// SPDX-License-Identifier: BSD-3-Clause
/*
 * flow.c - flow grouping: 5-tuple (plus VLAN) records with first/last
 * time, packets, bytes and the OR of TCP flags; idle and active timeouts;
 * a CSV writer; the flow versions of the HPCAP-style loops.
 *
 * The table: flow records live in a node array allocated once (indices
 * never move, pages are touched only as flows use them), found through an
 * open-addressing hash index of (hash, node) pairs with linear probing
 * and backward-shift deletion (no tombstones, so probes stay short however
 * many flows come and go).  The nodes are also on a list in order of use,
 * so idle flows gather at its head: expiring them costs one comparison per
 * frame, and a full table evicts the least recently used flow.
 *
 * Records are exact: a frame that comes idle_timeout or more after its
 * flow's previous one always starts a new record.  To keep the list cheap
 * (moving a node touches two more nodes, two cache misses per frame), a
 * node moves to the tail only when it last moved RELINK_DIV-th of the idle
 * timeout ago or more; a silent flow is then delivered at most that much
 * later than its timeout, never cut differently.
 *
 * With MGMON_FLOW_BIDIR the key is stored in a canonical order (the
 * smaller address/port end first) so both directions find the same node;
 * the node remembers which way its first frame went, and the record is
 * delivered with that side as src.
 */
#define _GNU_SOURCE
#include "mgmon_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define NIL UINT32_MAX
#define DEFAULT_IDLE (30ull * 1000000000u)
#define DEFAULT_ACTIVE (1800ull * 1000000000u)
#define DEFAULT_MAX (1u << 20)
#define RELINK_DIV 8

HPCAP_STATIC_ASSERT(sizeof(struct mgmon_flow_key) == 44,
		    "flow key is 44 packed bytes");

struct fnode {
	struct mgmon_flow_key key;
	uint32_t slot;		/* its entry in the index */
	uint32_t prev, next;	/* use list; next also links free nodes */
	uint8_t rev;		/* the first frame went key.dst -> key.src */
	uint8_t flags[2];	/* [0]: key.src -> key.dst, [1]: reverse */
	uint64_t first_ns, last_ns;
	uint64_t touch;		/* table clock at the last frame */
	uint64_t moved;		/* table clock at its last move to the tail */
	uint64_t pkts[2], bytes[2];
};

struct fslot {
	uint32_t hash;
	uint32_t node;		/* node index + 1; 0: empty */
};

struct mgmon_flows {
	struct mgmon_flow_opts o;
	mgmon_flow_handler handler;
	void *arg;
	struct fnode *nodes;
	struct fslot *slots;
	uint32_t mask;		/* index size - 1 */
	uint32_t free;		/* first free node (NIL: none) */
	uint32_t fresh;		/* nodes never used start here */
	uint64_t relink;	/* idle_timeout / RELINK_DIV */
	uint32_t head, tail;	/* use list: head = least recently used */
	uint64_t now;		/* latest frame time seen */
	struct mgmon_flow_stats st;
};

/*
 * Zeroed memory for the node array and the index: anonymous mappings
 * asking for transparent huge pages, since every frame makes one random
 * access to each (with 4 KiB pages the page walks cost as much as the
 * cache misses).  Pages are only touched as flows use them.
 */
#define HUGE_SZ (2ull << 20)

static void *big_alloc(size_t n)
{
	size_t len = (n + HUGE_SZ - 1) & ~(HUGE_SZ - 1);
	uint8_t *p = mmap(NULL, len + HUGE_SZ, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint8_t *a;

	if (p == MAP_FAILED)
		return NULL;
	a = (uint8_t *)(((uintptr_t)p + HUGE_SZ - 1) & ~(uintptr_t)(HUGE_SZ - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (p + HUGE_SZ > a)
		munmap(a + len, (size_t)(p + HUGE_SZ - a));
	madvise(a, len, MADV_HUGEPAGE);
	return a;
}

static void big_free(void *p, size_t n)
{
	if (p)
		munmap(p, (n + HUGE_SZ - 1) & ~(HUGE_SZ - 1));
}

int mgmon_flows_new(struct mgmon_flows **out, const struct mgmon_flow_opts *o,
		    mgmon_flow_handler handler, void *arg, char *errbuf)
{
	struct mgmon_flows *t;
	uint64_t size = 2;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(errbuf, HPCAP_ERRBUF_SIZE, "out of memory");
		return -ENOMEM;
	}
	if (o)
		t->o = *o;
	if (!t->o.idle_timeout_ns)
		t->o.idle_timeout_ns = DEFAULT_IDLE;
	if (!t->o.active_timeout_ns)
		t->o.active_timeout_ns = DEFAULT_ACTIVE;
	if (!t->o.max_flows)
		t->o.max_flows = DEFAULT_MAX;
	if (t->o.max_flows > (1u << 30)) {
		free(t);
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "at most 2^30 open flows, not %u", o->max_flows);
		return -EINVAL;
	}
	/* Index at most half full. */
	while (size < 2ull * t->o.max_flows)
		size <<= 1;
	t->mask = (uint32_t)(size - 1);
	t->nodes = big_alloc(t->o.max_flows * sizeof(*t->nodes));
	t->slots = big_alloc(size * sizeof(*t->slots));
	if (!t->nodes || !t->slots) {
		big_free(t->nodes, t->o.max_flows * sizeof(*t->nodes));
		big_free(t->slots, size * sizeof(*t->slots));
		free(t);
		snprintf(errbuf, HPCAP_ERRBUF_SIZE,
			 "out of memory for a table of %u flows", o->max_flows);
		return -ENOMEM;
	}
	t->free = NIL;
	t->fresh = 0;
	t->relink = t->o.idle_timeout_ns / RELINK_DIV;
	t->head = t->tail = NIL;
	t->handler = handler;
	t->arg = arg;
	*out = t;
	return 0;
}

void mgmon_flows_free(struct mgmon_flows *t)
{
	if (!t)
		return;
	big_free(t->nodes, t->o.max_flows * sizeof(*t->nodes));
	big_free(t->slots, ((size_t)t->mask + 1) * sizeof(*t->slots));
	free(t);
}

void mgmon_flows_get_stats(const struct mgmon_flows *t,
			   struct mgmon_flow_stats *s)
{
	*s = t->st;
}

static uint32_t key_hash(const struct mgmon_flow_key *k)
{
	uint64_t w[5], h = 0x243f6a8885a308d3ull;
	uint32_t last;
	int i;

	memcpy(w, k, sizeof(w));
	memcpy(&last, (const uint8_t *)k + sizeof(w), sizeof(last));
	for (i = 0; i < 5; i++) {
		h = (h ^ w[i]) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	h = (h ^ last) * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(h ^ h >> 32);
}

/* ---- use list ---- */

static void list_unlink(struct mgmon_flows *t, uint32_t n)
{
	struct fnode *f = &t->nodes[n];

	if (f->prev != NIL)
		t->nodes[f->prev].next = f->next;
	else
		t->head = f->next;
	if (f->next != NIL)
		t->nodes[f->next].prev = f->prev;
	else
		t->tail = f->prev;
}

static void list_append(struct mgmon_flows *t, uint32_t n)
{
	struct fnode *f = &t->nodes[n];

	f->prev = t->tail;
	f->next = NIL;
	if (t->tail != NIL)
		t->nodes[t->tail].next = n;
	else
		t->head = n;
	t->tail = n;
}

/* ---- index ---- */

/* Slot of key, or of the empty slot where it would go. */
static uint32_t index_find(const struct mgmon_flows *t,
			   const struct mgmon_flow_key *k, uint32_t hash)
{
	uint32_t i = hash & t->mask;

	for (;;) {
		const struct fslot *s = &t->slots[i];

		if (!s->node || (s->hash == hash &&
				 !memcmp(&t->nodes[s->node - 1].key, k,
					 sizeof(*k))))
			return i;
		i = (i + 1) & t->mask;
	}
}

/* Remove slot i; later entries of its cluster move back over it. */
static void index_del(struct mgmon_flows *t, uint32_t i)
{
	uint32_t j = i, home;

	for (;;) {
		j = (j + 1) & t->mask;
		if (!t->slots[j].node)
			break;
		home = t->slots[j].hash & t->mask;
		/* Entry j may fill the hole at i unless its home lies
		 * cyclically in (i, j]. */
		if ((i < j) ? (home <= i || home > j) : (home <= i && home > j)) {
			t->slots[i] = t->slots[j];
			t->nodes[t->slots[i].node - 1].slot = i;
			i = j;
		}
	}
	t->slots[i].node = 0;
}

/* ---- records ---- */

static void swap_ends(struct mgmon_flow_key *k)
{
	uint8_t a[16];
	uint16_t p;

	memcpy(a, k->src, 16);
	memcpy(k->src, k->dst, 16);
	memcpy(k->dst, a, 16);
	p = k->sport;
	k->sport = k->dport;
	k->dport = p;
}

static void deliver(struct mgmon_flows *t, const struct fnode *f, int end)
{
	struct mgmon_flow r;
	int d = f->rev;

	memset(&r, 0, sizeof(r));
	r.key = f->key;
	if (d)
		swap_ends(&r.key);
	r.first_ns = f->first_ns;
	r.last_ns = f->last_ns;
	r.packets = f->pkts[d];
	r.bytes = f->bytes[d];
	r.rpackets = f->pkts[!d];
	r.rbytes = f->bytes[!d];
	r.tcp_flags = f->flags[d];
	r.rtcp_flags = f->flags[!d];
	r.end = (uint8_t)end;
	t->st.exported++;
	if (t->handler)
		t->handler(&r, t->arg);
}

static void drop_node(struct mgmon_flows *t, uint32_t n)
{
	index_del(t, t->nodes[n].slot);
	list_unlink(t, n);
	t->nodes[n].next = t->free;
	t->free = n;
	t->st.open--;
}

void mgmon_flows_expire(struct mgmon_flows *t, uint64_t now_ns)
{
	if (now_ns > t->now)
		t->now = now_ns;
	while (t->head != NIL &&
	       t->now - t->nodes[t->head].touch >= t->o.idle_timeout_ns) {
		uint32_t n = t->head;

		deliver(t, &t->nodes[n], MGMON_FLOW_IDLE);
		drop_node(t, n);
	}
}

void mgmon_flows_flush(struct mgmon_flows *t)
{
	while (t->head != NIL) {
		uint32_t n = t->head;

		deliver(t, &t->nodes[n], MGMON_FLOW_FLUSH);
		drop_node(t, n);
	}
}

/* The key of a parsed frame; returns the direction (1: reversed into
 * canonical order). */
static int make_key(const struct mgmon_flows *t, const struct mgmon_parsed *p,
		    struct mgmon_flow_key *k)
{
	size_t alen = p->family == 4 ? 4 : 16;
	int c;

	memset(k, 0, sizeof(*k));
	k->family = p->family;
	k->proto = p->proto;
	memcpy(k->src, p->src, alen);
	memcpy(k->dst, p->dst, alen);
	k->sport = p->sport;
	k->dport = p->dport;
	if (!(t->o.flags & MGMON_FLOW_NO_VLAN)) {
		k->vlan = p->vlan[0];
		k->vlan2 = p->vlan[1];
	}
	if (!(t->o.flags & MGMON_FLOW_BIDIR))
		return 0;
	c = memcmp(k->src, k->dst, 16);
	if (c > 0 || (c == 0 && k->sport > k->dport)) {
		swap_ends(k);
		return 1;
	}
	return 0;
}

int mgmon_flows_add(struct mgmon_flows *t, const uint8_t *payload,
		    const struct mgmon_pkthdr *h)
{
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000u + h->ts.tv_nsec;
	struct mgmon_flow_key k;
	struct mgmon_parsed p;
	struct fnode *f;
	uint32_t hash, i, n;
	int dir;

	t->st.frames++;
	if (ts > t->now)
		t->now = ts;
	mgmon_flows_expire(t, t->now);
	if (mgmon_parse(payload, h->caplen, &p) < MGMON_L3) {
		t->st.other_frames++;
		return 0;
	}
	dir = make_key(t, &p, &k);
	hash = key_hash(&k);
	i = index_find(t, &k, hash);
	if (t->slots[i].node) {
		int end = 0;

		n = t->slots[i].node - 1;
		f = &t->nodes[n];
		/* Idle (not yet delivered: see RELINK_DIV) or open too long:
		 * cut the record; the flow goes on in a new one. */
		if (t->now - f->touch >= t->o.idle_timeout_ns)
			end = MGMON_FLOW_IDLE;
		else if (ts >= f->first_ns &&
			 ts - f->first_ns >= t->o.active_timeout_ns)
			end = MGMON_FLOW_ACTIVE;
		if (end) {
			deliver(t, f, end);
			memset(f->pkts, 0, sizeof(f->pkts));
			memset(f->bytes, 0, sizeof(f->bytes));
			memset(f->flags, 0, sizeof(f->flags));
			f->first_ns = f->last_ns = ts;
			t->st.created++;
		}
		if (t->now - f->moved >= t->relink) {
			list_unlink(t, n);
			list_append(t, n);
			f->moved = t->now;
		}
	} else {
		if (t->free == NIL && t->fresh == t->o.max_flows) {
			/* Full: the least recently seen flow makes room. */
			n = t->head;
			deliver(t, &t->nodes[n], MGMON_FLOW_EVICTED);
			t->st.evicted++;
			drop_node(t, n);
			i = index_find(t, &k, hash);	/* slots moved */
		}
		if (t->free != NIL) {
			n = t->free;
			t->free = t->nodes[n].next;
		} else {
			n = t->fresh++;
		}
		f = &t->nodes[n];
		memset(f, 0, sizeof(*f));
		f->key = k;
		f->rev = (uint8_t)dir;
		f->first_ns = f->last_ns = ts;
		f->slot = i;
		t->slots[i].hash = hash;
		t->slots[i].node = n + 1;
		t->st.created++;
		t->st.open++;
		list_append(t, n);
		f->moved = t->now;
	}
	f->touch = t->now;
	if (ts > f->last_ns)
		f->last_ns = ts;
	if (ts < f->first_ns)
		f->first_ns = ts;
	f->pkts[dir]++;
	f->bytes[dir] += h->len;
	f->flags[dir] |= p.tcp_flags;
	t->st.flow_frames++;
	return 1;
}

/* ---- text ---- */

static const char *addr_str(const uint8_t *a, int family, char *buf, size_t n)
{
	if (!inet_ntop(family == 4 ? AF_INET : AF_INET6, a, buf,
		       (socklen_t)n))
		snprintf(buf, n, "?");
	return buf;
}

const char *mgmon_flow_src_str(const struct mgmon_flow_key *k, char *buf,
			       size_t n)
{
	return addr_str(k->src, k->family, buf, n);
}

const char *mgmon_flow_dst_str(const struct mgmon_flow_key *k, char *buf,
			       size_t n)
{
	return addr_str(k->dst, k->family, buf, n);
}

static const char *flags_str(uint8_t fl, char *b)
{
	static const char names[] = "CEUAPRSF";
	int i;

	/* nfdump's order: CWR ECE URG ACK PSH RST SYN FIN. */
	for (i = 0; i < 8; i++)
		b[i] = fl & (0x80 >> i) ? names[i] : '.';
	b[8] = 0;
	return b;
}

static const char *end_str(int end)
{
	switch (end) {
	case MGMON_FLOW_IDLE: return "idle";
	case MGMON_FLOW_ACTIVE: return "active";
	case MGMON_FLOW_EVICTED: return "evicted";
	default: return "flush";
	}
}

int mgmon_flow_csv_header(FILE *out)
{
	fputs("first,last,proto,src,sport,dst,dport,vlan,vlan2,packets,bytes,rpackets,rbytes,tcp_flags,rtcp_flags,end\n",
	      out);
	return ferror(out) ? -EIO : 0;
}

int mgmon_flow_csv_write(FILE *out, const struct mgmon_flow *f)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], f1[9], f2[9];

	fprintf(out,
		"%" PRIu64 ".%09" PRIu64 ",%" PRIu64 ".%09" PRIu64
		",%u,%s,%u,%s,%u,%u,%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64
		",%" PRIu64 ",%s,%s,%s\n",
		f->first_ns / 1000000000u, f->first_ns % 1000000000u,
		f->last_ns / 1000000000u, f->last_ns % 1000000000u,
		f->key.proto, mgmon_flow_src_str(&f->key, s, sizeof(s)),
		f->key.sport, mgmon_flow_dst_str(&f->key, d, sizeof(d)),
		f->key.dport, f->key.vlan, f->key.vlan2, f->packets, f->bytes,
		f->rpackets, f->rbytes, flags_str(f->tcp_flags, f1),
		flags_str(f->rtcp_flags, f2), end_str(f->end));
	return ferror(out) ? -EIO : 0;
}

void mgmon_flow_csv_handler(const struct mgmon_flow *f, void *file)
{
	mgmon_flow_csv_write(file, f);
}

/* ---- loops ---- */

static void flow_frame(const uint8_t *payload, const struct mgmon_pkthdr *h,
		       void *arg)
{
	mgmon_flows_add(arg, payload, h);
}

static void flow_end(void *arg)
{
	mgmon_flows_flush(arg);
}

static int flow_loop(int online, int cpu, int adapter, int queue,
		     const char *const *paths, int npaths,
		     const struct mgmon_flow_opts *o,
		     mgmon_flow_handler handler, void *arg)
{
	char errbuf[HPCAP_ERRBUF_SIZE];
	struct mgmon_flows *t;
	struct mg_conv c;
	int st;

	st = mgmon_flows_new(&t, o, handler, arg, errbuf);
	if (st < 0) {
		mgmon_int_set_loop_err(errbuf);
		return st;
	}
	c.handler = flow_frame;
	c.arg = t;
	c.after = flow_end;
	st = online ? mgmon_int_conv_online(cpu, adapter, queue, &c)
		    : mgmon_int_conv_offline(paths, npaths, &c);
	mgmon_flows_free(t);
	return st;
}

int mgmon_flow_online_loop(int cpu, int adapter, int queue,
			   const struct mgmon_flow_opts *o,
			   mgmon_flow_handler handler, void *arg)
{
	return flow_loop(1, cpu, adapter, queue, NULL, 0, o, handler, arg);
}

int mgmon_flow_offline_loop(const char *const *paths, int npaths,
			    const struct mgmon_flow_opts *o,
			    mgmon_flow_handler handler, void *arg)
{
	return flow_loop(0, -1, 0, 0, paths, npaths, o, handler, arg);
}
