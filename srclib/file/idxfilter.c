// SPDX-License-Identifier: BSD-3-Clause
/*
 * idxfilter.c - see idxfilter.h.  A recursive-descent reader of the
 * and/or/not/parentheses structure of libpcap's grammar; each primitive
 * (the words between two operators) becomes one question or "maybe".
 */
#define _GNU_SOURCE
#include "file/idxfilter.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

enum node_kind { N_MAYBE, N_AND, N_OR, N_V4, N_V6, N_PORT, N_PROTO, N_VLAN };

struct node {
	enum node_kind kind;
	struct node *l, *r;
	uint8_t addr[16];
	unsigned prefix;
	unsigned lo, hi;	/* ports, protocol, VLAN id */
};

struct idxfilter {
	struct node *root;
	int useful;
};

#define MAX_TOK 256

struct reader {
	char *tok[MAX_TOK];
	int n, i;
	int error;
	int useful;
};

static struct node *mk(struct reader *rd, enum node_kind k)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n) {
		rd->error = -ENOMEM;
		return NULL;
	}
	n->kind = k;
	if (k != N_MAYBE && k != N_AND && k != N_OR)
		rd->useful = 1;
	return n;
}

static void node_free(struct node *n)
{
	if (!n)
		return;
	node_free(n->l);
	node_free(n->r);
	free(n);
}

static int is_op(const char *t)
{
	return !strcmp(t, "and") || !strcmp(t, "&&") || !strcmp(t, "or") ||
	       !strcmp(t, "||") || !strcmp(t, "not") || !strcmp(t, "!") ||
	       !strcmp(t, "(") || !strcmp(t, ")");
}

static const char *peek(struct reader *rd)
{
	return rd->i < rd->n ? rd->tok[rd->i] : NULL;
}

static int parse_num(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+')
		return 0;
	v = strtoul(s, &end, 0);
	if (*end || v > max)
		return 0;
	*out = (unsigned)v;
	return 1;
}

static int proto_number(const char *s, unsigned *p)
{
	static const struct { const char *name; unsigned num; } names[] = {
		{ "icmp", 1 }, { "igmp", 2 }, { "tcp", 6 }, { "udp", 17 },
		{ "icmp6", 58 }, { "sctp", 132 },
	};
	size_t i;

	if (*s == '\\')
		s++;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name)) {
			*p = names[i].num;
			return 1;
		}
	return parse_num(s, 255, p);
}

/* An address with an optional /prefix, IPv4 or IPv6. */
static struct node *addr_node(struct reader *rd, const char *s, int is_net)
{
	char buf[64], *slash;
	unsigned prefix;
	struct node *n;
	uint8_t a[16];

	if (strlen(s) >= sizeof(buf))
		return mk(rd, N_MAYBE);
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = 0;
	if (inet_pton(AF_INET, buf, a) == 1) {
		prefix = 32;
		if (slash && !parse_num(slash, 32, &prefix))
			return mk(rd, N_MAYBE);
		n = mk(rd, N_V4);
	} else if (inet_pton(AF_INET6, buf, a) == 1) {
		prefix = 128;
		if (slash && !parse_num(slash, 128, &prefix))
			return mk(rd, N_MAYBE);
		n = mk(rd, N_V6);
	} else {
		return mk(rd, N_MAYBE);	/* a name, "net 10.1", ... */
	}
	if (!is_net && slash) {
		node_free(n);
		return mk(rd, N_MAYBE);
	}
	if (n) {
		memcpy(n->addr, a, 16);
		n->prefix = prefix;
	}
	return n;
}

static struct node *join(struct reader *rd, enum node_kind k, struct node *l,
			 struct node *r)
{
	struct node *n;

	if (!l || !r) {
		node_free(l);
		node_free(r);
		return NULL;
	}
	n = mk(rd, k);
	if (!n) {
		node_free(l);
		node_free(r);
		return NULL;
	}
	n->l = l;
	n->r = r;
	return n;
}

/* One primitive: the words w[0..n). */
static struct node *primitive(struct reader *rd, char **w, int n)
{
	struct node *q = NULL, *p;
	unsigned v, lo, hi;
	int i = 0;

	/* A protocol qualifier in front: tcp/udp/sctp narrow a port to
	 * that protocol; ip/ip6 add nothing the address does not say. */
	if (n >= 2 && (!strcmp(w[0], "tcp") || !strcmp(w[0], "udp") ||
		       !strcmp(w[0], "sctp"))) {
		proto_number(w[0], &v);
		q = mk(rd, N_PROTO);
		if (!q)
			return NULL;
		q->lo = v;
		i = 1;
	} else if (n >= 2 && (!strcmp(w[0], "ip") || !strcmp(w[0], "ip6"))) {
		i = 1;
	}
	if (n - i >= 2 && (!strcmp(w[i], "src") || !strcmp(w[i], "dst")))
		i++;
	if (n - i == 1 && i == 0 && proto_number(w[0], &v) &&
	    strspn(w[0], "0123456789") != strlen(w[0])) {
		/* "tcp", "udp", "icmp", ...: the protocol alone. */
		p = mk(rd, N_PROTO);
		if (p)
			p->lo = v;
		return p;
	}
	if (n - i == 2 && !strcmp(w[i], "host")) {
		p = addr_node(rd, w[i + 1], 0);
	} else if (n - i == 2 && !strcmp(w[i], "net")) {
		p = addr_node(rd, w[i + 1], 1);
	} else if (n - i == 2 && !strcmp(w[i], "port") &&
		   parse_num(w[i + 1], 65535, &v)) {
		p = mk(rd, N_PORT);
		if (p)
			p->lo = p->hi = v;
	} else if (n - i == 2 && !strcmp(w[i], "portrange") &&
		   sscanf(w[i + 1], "%u-%u", &lo, &hi) == 2 && lo <= hi &&
		   hi <= 65535) {
		p = mk(rd, N_PORT);
		if (p) {
			p->lo = lo;
			p->hi = hi;
		}
	} else if (n - i == 2 && !strcmp(w[i], "proto") &&
		   proto_number(w[i + 1], &v)) {
		p = mk(rd, N_PROTO);
		if (p)
			p->lo = v;
	} else if (n == 2 && !strcmp(w[0], "vlan") &&
		   parse_num(w[1], 4095, &v)) {
		p = mk(rd, N_VLAN);
		if (p)
			p->lo = v;
	} else {
		p = mk(rd, N_MAYBE);
	}
	return q ? join(rd, N_AND, q, p) : p;
}

static struct node *expr(struct reader *rd);

static struct node *unary(struct reader *rd)
{
	const char *t = peek(rd);
	struct node *n;
	int start;

	if (!t) {
		rd->error = -EINVAL;
		return NULL;
	}
	if (!strcmp(t, "not") || !strcmp(t, "!")) {
		rd->i++;
		n = unary(rd);
		/* A negation may match nearly anything: maybe. */
		node_free(n);
		return rd->error ? NULL : mk(rd, N_MAYBE);
	}
	if (!strcmp(t, "(")) {
		rd->i++;
		n = expr(rd);
		if (!peek(rd) || strcmp(peek(rd), ")")) {
			node_free(n);
			rd->error = -EINVAL;
			return NULL;
		}
		rd->i++;
		return n;
	}
	start = rd->i;
	while (peek(rd) && !is_op(peek(rd)))
		rd->i++;
	if (rd->i == start) {
		rd->error = -EINVAL;
		return NULL;
	}
	return primitive(rd, rd->tok + start, rd->i - start);
}

static struct node *and_expr(struct reader *rd)
{
	struct node *l = unary(rd);

	while (l && peek(rd) && (!strcmp(peek(rd), "and") ||
				 !strcmp(peek(rd), "&&"))) {
		rd->i++;
		l = join(rd, N_AND, l, unary(rd));
	}
	return l;
}

static struct node *expr(struct reader *rd)
{
	struct node *l = and_expr(rd);

	while (l && peek(rd) && (!strcmp(peek(rd), "or") ||
				 !strcmp(peek(rd), "||"))) {
		rd->i++;
		l = join(rd, N_OR, l, and_expr(rd));
	}
	return l;
}

/* Words split at white space (the operators have spaces around them by
 * then); -1 when there are too many to read. */
static int tokenize(struct reader *rd, char *s)
{
	char *save = NULL, *w;

	for (w = strtok_r(s, " \t\n", &save); w;
	     w = strtok_r(NULL, " \t\n", &save)) {
		if (rd->n == MAX_TOK)
			return -1;
		rd->tok[rd->n++] = w;
	}
	return 0;
}

int idxfilter_parse(struct idxfilter **fp, const char *expr_s)
{
	static const char *const shifters[] = {
		"mpls", "pppoes", "pppoed", "geneve", "vxlan", "ether",
		"link", "llc", "ppp", "radio", "wlan", "arp", "rarp",
	};
	struct idxfilter *f = calloc(1, sizeof(*f));
	struct reader rd = { .n = 0 };
	char *spaced = NULL;
	size_t i, k = 0, len;

	*fp = NULL;
	if (!f)
		return -ENOMEM;
	*fp = f;
	if (!expr_s || !*expr_s)
		return 0;
	/* Spaces around the operator characters, so every word ends at a
	 * space (tokenize() then never splits inside one). */
	len = strlen(expr_s);
	spaced = malloc(3 * len + 1);
	if (!spaced)
		goto nomem;
	for (i = 0; i < len; i++) {
		char c = expr_s[i];

		if (c == '(' || c == ')' || (c == '!' && expr_s[i + 1] != '=')) {
			spaced[k++] = ' ';
			spaced[k++] = c;
			spaced[k++] = ' ';
		} else if ((c == '&' || c == '|') && expr_s[i + 1] == c) {
			spaced[k++] = ' ';
			spaced[k++] = c;
			spaced[k++] = c;
			spaced[k++] = ' ';
			i++;
		} else {
			spaced[k++] = c;
		}
	}
	spaced[k] = 0;
	if (tokenize(&rd, spaced) < 0)
		goto maybe;
	for (i = 0; i < (size_t)rd.n; i++)
		for (k = 0; k < sizeof(shifters) / sizeof(shifters[0]); k++)
			if (!strncmp(rd.tok[i], shifters[k], strlen(shifters[k])))
				goto maybe;
	f->root = expr(&rd);
	if (rd.error == -ENOMEM)
		goto nomem;
	if (rd.error || rd.i != rd.n) {
		node_free(f->root);
		f->root = NULL;
		goto maybe;
	}
	f->useful = rd.useful;
	free(spaced);
	return 0;
maybe:
	free(spaced);
	return 0;	/* root NULL: maybe for every file */
nomem:
	free(spaced);
	idxfilter_free(f);
	*fp = NULL;
	return -ENOMEM;
}

/* seg: the segment whose filter also answers for whole addresses, or
 * UINT32_MAX for the file alone.  The tree has no negation, so asking a
 * segment's filter on top of the file's sets only ever turns a "maybe"
 * into a "no" where the segment holds no such address. */
static int eval(const struct node *n, const struct capindex *ix, uint32_t seg)
{
	unsigned p;

	switch (n->kind) {
	case N_AND: return eval(n->l, ix, seg) && eval(n->r, ix, seg);
	case N_OR: return eval(n->l, ix, seg) || eval(n->r, ix, seg);
	case N_V4:
		return capindex_has_v4(ix, n->addr, n->prefix) &&
		       (seg == UINT32_MAX || n->prefix < 32 ||
			capindex_seg_may_have(ix, seg, n->addr, 4));
	case N_V6:
		return capindex_has_v6(ix, n->addr, n->prefix) &&
		       (seg == UINT32_MAX || n->prefix < 128 ||
			capindex_seg_may_have(ix, seg, n->addr, 16));
	case N_PROTO: return capindex_has_proto(ix, (uint8_t)n->lo);
	case N_VLAN: return capindex_has_vlan(ix, (uint16_t)n->lo);
	case N_PORT:
		for (p = n->lo; p <= n->hi; p++)
			if (capindex_has_port(ix, (uint16_t)p))
				return 1;
		return 0;
	case N_MAYBE: break;
	}
	return 1;
}

int idxfilter_may_match(const struct idxfilter *f, const struct capindex *ix)
{
	return !f || !f->root || eval(f->root, ix, UINT32_MAX);
}

int idxfilter_may_match_seg(const struct idxfilter *f,
			    const struct capindex *ix, uint32_t seg)
{
	return !f || !f->root || eval(f->root, ix, seg);
}

int idxfilter_useful(const struct idxfilter *f)
{
	return f && f->useful;
}

void idxfilter_free(struct idxfilter *f)
{
	if (!f)
		return;
	node_free(f->root);
	free(f);
}
