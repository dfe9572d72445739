// SPDX-License-Identifier: BSD-3-Clause
/*
 * parse.c - mgmon_parse(): Ethernet, VLAN tags, IPv4/IPv6, transport
 * ports.  Every read is checked against caplen (frames are often cut by a
 * snap length), and nothing is assumed about alignment.
 */
#define _GNU_SOURCE
#include "mgmon_int.h"

#include <string.h>

#define ETH_HLEN	14u
#define ETH_P_IPV4	0x0800u
#define ETH_P_IPV6	0x86ddu
#define ETH_P_8021Q	0x8100u
#define ETH_P_8021AD	0x88a8u
#define ETH_P_QINQ1	0x9100u		/* pre-standard QinQ */
#define MAX_TAGS	8

#define IPPROTO_HOPOPTS_	0
#define IPPROTO_ICMP_		1
#define IPPROTO_TCP_		6
#define IPPROTO_UDP_		17
#define IPPROTO_ROUTING_	43
#define IPPROTO_FRAGMENT_	44
#define IPPROTO_AH_		51
#define IPPROTO_ICMPV6_		58
#define IPPROTO_NONE_		59
#define IPPROTO_DSTOPTS_	60
#define IPPROTO_SCTP_		132
#define IPPROTO_MH_		135
#define IPPROTO_UDPLITE_	136

static inline uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int is_tag(uint16_t type)
{
	return type == ETH_P_8021Q || type == ETH_P_8021AD ||
	       type == ETH_P_QINQ1;
}

/* IPv4 header at off.  Sets proto, frag, l4 offset and payload bound. */
static int parse_ipv4(const uint8_t *f, uint32_t caplen, uint32_t off,
		      struct mgmon_parsed *p, uint32_t *l4, uint32_t *l4_end)
{
	uint32_t ihl, total;
	uint16_t fragw;

	if (off + 20 > caplen || f[off] >> 4 != 4)
		return 0;
	ihl = (f[off] & 0x0fu) * 4u;
	if (ihl < 20 || off + ihl > caplen)
		return 0;
	total = be16(f + off + 2);
	p->family = 4;
	p->proto = f[off + 9];
	p->src = f + off + 12;
	p->dst = f + off + 16;
	p->l3_off = (uint16_t)off;
	fragw = be16(f + off + 6);
	if (fragw & 0x1fffu)
		p->frag = MGMON_FRAG_LATER;
	else if (fragw & 0x2000u)
		p->frag = MGMON_FRAG_FIRST;
	*l4 = off + ihl;
	/* Bytes of transport header + payload the IP header promises (a
	 * bad total length falls back to what was captured). */
	*l4_end = total >= ihl ? off + total : UINT32_MAX;
	return 1;
}

/* IPv6 header at off, then its extension headers. */
static int parse_ipv6(const uint8_t *f, uint32_t caplen, uint32_t off,
		      struct mgmon_parsed *p, uint32_t *l4, uint32_t *l4_end)
{
	uint32_t at = off + 40, n;
	uint8_t nh;
	int hops;

	if (off + 40 > caplen || f[off] >> 4 != 6)
		return 0;
	p->family = 6;
	p->src = f + off + 8;
	p->dst = f + off + 24;
	p->l3_off = (uint16_t)off;
	*l4_end = at + be16(f + off + 4);
	nh = f[off + 6];
	for (hops = 0; hops < 16; hops++) {
		switch (nh) {
		case IPPROTO_HOPOPTS_:
		case IPPROTO_ROUTING_:
		case IPPROTO_DSTOPTS_:
		case IPPROTO_MH_:
			if (at + 8 > caplen)
				goto cut;
			n = 8u + f[at + 1] * 8u;
			nh = f[at];
			at += n;
			continue;
		case IPPROTO_AH_:
			if (at + 8 > caplen)
				goto cut;
			n = (f[at + 1] + 2u) * 4u;
			nh = f[at];
			at += n;
			continue;
		case IPPROTO_FRAGMENT_:
			if (at + 8 > caplen)
				goto cut;
			p->frag = be16(f + at + 2) & 0xfff8u ? MGMON_FRAG_LATER
							     : MGMON_FRAG_FIRST;
			/* Offset 0 and no more fragments: atomic. */
			if (!(be16(f + at + 2) & 1u) &&
			    p->frag == MGMON_FRAG_FIRST)
				p->frag = MGMON_FRAG_NONE;
			nh = f[at];
			at += 8;
			continue;
		default:
			break;
		}
		break;
	}
	p->proto = nh;
	*l4 = at;
	return 1;
cut:
	/* Extension headers cut by the snap length: the upper layer is
	 * unknown; report the last header type seen. */
	p->proto = nh;
	*l4 = caplen + 1;
	return 1;
}

int mgmon_parse(const uint8_t *f, uint32_t caplen, struct mgmon_parsed *p)
{
	uint32_t off = 12, l4 = 0, l4_end = 0, hl = 0;
	uint16_t type;
	int ok, tags = 0;

	memset(p, 0, sizeof(*p));
	if (caplen < ETH_HLEN)
		return 0;
	type = be16(f + 12);
	while (is_tag(type) && tags < MAX_TAGS) {
		if (off + 6 > caplen)
			return MGMON_L2;
		if (tags < 2)
			p->vlan[tags] = be16(f + off + 2) & 0x0fffu;
		tags++;
		off += 4;
		type = be16(f + off);
	}
	p->nvlan = (uint8_t)tags;
	p->ethertype = type;
	off += 2;
	if (type == ETH_P_IPV4)
		ok = parse_ipv4(f, caplen, off, p, &l4, &l4_end);
	else if (type == ETH_P_IPV6)
		ok = parse_ipv6(f, caplen, off, p, &l4, &l4_end);
	else
		ok = 0;
	if (!ok) {
		p->family = 0;
		p->l3_off = 0;
		return MGMON_L2;
	}
	if (p->frag == MGMON_FRAG_LATER || l4 > caplen)
		return MGMON_L3;
	switch (p->proto) {
	case IPPROTO_TCP_:
		if (l4 + 20 > caplen)
			return MGMON_L3;
		hl = (f[l4 + 12] >> 4) * 4u;
		if (hl < 20)
			return MGMON_L3;
		p->tcp_flags = f[l4 + 13];
		break;
	case IPPROTO_UDP_:
	case IPPROTO_UDPLITE_:
		if (l4 + 8 > caplen)
			return MGMON_L3;
		hl = 8;
		/* UDP says how long it is; trust it if it fits in IP. */
		if (p->proto == IPPROTO_UDP_ && be16(f + l4 + 4) >= 8 &&
		    l4 + be16(f + l4 + 4) <= l4_end)
			l4_end = l4 + be16(f + l4 + 4);
		break;
	case IPPROTO_SCTP_:
		if (l4 + 12 > caplen)
			return MGMON_L3;
		hl = 12;
		break;
	case IPPROTO_ICMP_:
	case IPPROTO_ICMPV6_:
		if (l4 + 4 > caplen)
			return MGMON_L3;
		p->l4_off = (uint16_t)l4;
		p->dport = (uint16_t)(f[l4] << 8 | f[l4 + 1]);
		return MGMON_L4;
	default:
		return MGMON_L3;
	}
	p->l4_off = (uint16_t)l4;
	p->sport = be16(f + l4);
	p->dport = be16(f + l4 + 2);
	if (l4 + hl <= caplen && l4 + hl <= 0xffffu) {
		p->payload_off = (uint16_t)(l4 + hl);
		if (l4_end == UINT32_MAX || l4_end < l4 + hl)
			l4_end = caplen;
		p->payload_len = l4_end - (l4 + hl);
	}
	return MGMON_L4;
}
