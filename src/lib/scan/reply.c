/* Replies to scan probes reduced to the numbers the probe modules check: link header
 * (Ethernet with 802.1Q tags, Linux cooked v1/v2, raw IP), IPv4 (RFC 791), TCP, UDP and
 * ICMP (RFC 792) with the header an error quotes. Everything goes through the bounded
 * cursor; a short or impossible packet is simply not a reply. */
#include <netinet/in.h>
#include <string.h>

#include "scan/scan_int.h"
#include "wirekit/cursor.h"

enum {
	LT_ETHERNET = 1,
	LT_RAW = 101,
	LT_LINUX_SLL = 113,
	LT_IPV4 = 228,
	LT_IPV6 = 229,
	LT_LINUX_SLL2 = 276,
	ETH_IP = 0x0800,
	ETH_IP6 = 0x86dd,
	ETH_VLAN = 0x8100,
	ETH_QINQ = 0x88a8,
};

/* Position r at the IP header of version ver (4 or 6) under link type lt; false for
 * anything else. mac (may be NULL) gets the Ethernet source. Shared with reply6.c. */
bool scan_link_skip(struct wk_rd *r, uint32_t lt, unsigned ver, uint8_t mac[6])
{
	uint16_t et, want = ver == 6 ? ETH_IP6 : ETH_IP;
	switch (lt) {
	case LT_ETHERNET:
		wk_rd_skip(r, 6);
		if (mac)
			wk_rd_copy(r, mac, 6);
		else
			wk_rd_skip(r, 6);
		et = wk_rd_be16(r);
		for (int i = 0; i < 2 && (et == ETH_VLAN || et == ETH_QINQ); i++) {
			wk_rd_skip(r, 2);
			et = wk_rd_be16(r);
		}
		return !r->bad && et == want;
	case LT_LINUX_SLL:
		wk_rd_skip(r, 14);
		et = wk_rd_be16(r);
		return !r->bad && et == want;
	case LT_LINUX_SLL2:
		et = wk_rd_be16(r);
		wk_rd_skip(r, 18);
		return !r->bad && et == want;
	case LT_RAW: {
		uint8_t v;
		return wk_rd_peek_u8(r, 0, &v) && v >> 4 == ver;
	}
	case LT_IPV4:
		return ver == 4;
	case LT_IPV6:
		return ver == 6;
	default:
		return false;
	}
}

/* An IPv4 header: fills addresses, protocol, ttl and clips r to the datagram. False for
 * a non-first fragment, a bad version or header length. */
static bool ip4(struct wk_rd *r, uint32_t *src, uint32_t *dst, uint8_t *proto, uint8_t *ttl,
                bool quoted)
{
	uint8_t vi = wk_rd_u8(r);
	wk_rd_skip(r, 1);
	uint16_t tot = wk_rd_be16(r);
	wk_rd_skip(r, 2);
	uint16_t frag = wk_rd_be16(r);
	*ttl = wk_rd_u8(r);
	*proto = wk_rd_u8(r);
	wk_rd_skip(r, 2);
	*src = wk_rd_be32(r);
	*dst = wk_rd_be32(r);
	unsigned ihl = (vi & 0x0fu) * 4u;
	if (r->bad || vi >> 4 != 4 || ihl < 20 || tot < ihl || (frag & 0x1fffu))
		return false;
	if (!wk_rd_skip(r, ihl - 20))
		return false;
	/* a quoted datagram is cut after 8 bytes: its total length is the original's */
	if (!quoted)
		wk_rd_clip(r, tot - ihl);
	return true;
}

static void quoted(struct wk_rd *r, struct scan_reply *o)
{
	uint8_t ttl;
	if (!ip4(r, &o->q_src, &o->q_dst, &o->q_proto, &ttl, true))
		return;
	scan_quoted_l4(r, o, IPPROTO_ICMP);
}

/* The transport header an ICMP error quotes (r at it, o->q_proto set): ports and TCP
 * sequence, or the ICMP (icmp_proto) echo's type, id and sequence. Shared with reply6.c. */
void scan_quoted_l4(struct wk_rd *r, struct scan_reply *o, uint8_t icmp_proto)
{
	if (o->q_proto == IPPROTO_TCP || o->q_proto == IPPROTO_UDP) {
		o->q_sport = wk_rd_be16(r);
		o->q_dport = wk_rd_be16(r);
		if (o->q_proto == IPPROTO_TCP)
			o->q_seq = wk_rd_be32(r);
	} else if (o->q_proto == icmp_proto) {
		o->q_itype = wk_rd_u8(r);
		wk_rd_skip(r, 3);
		o->q_iid = wk_rd_be16(r);
		o->q_iseq = wk_rd_be16(r);
	} else {
		return;
	}
	o->quoted = !r->bad;
}

bool scan_parse(const uint8_t *p, size_t n, uint32_t lt, struct scan_reply *o)
{
	struct wk_rd r;
	memset(o, 0, sizeof(*o));
	wk_rd_init(&r, p, n);
	if (scan_parse_arp(p, n, lt, o) || scan_parse6(p, n, lt, o))
		return true;
	if (!scan_link_skip(&r, lt, 4, o->mac) ||
	    !ip4(&r, &o->src, &o->dst, &o->proto, &o->ttl, false))
		return false;
	o->l2src = lt == LT_ETHERNET;
	switch (o->proto) {
	case IPPROTO_TCP:
		o->sport = wk_rd_be16(&r);
		o->dport = wk_rd_be16(&r);
		o->seq = wk_rd_be32(&r);
		o->ack = wk_rd_be32(&r);
		wk_rd_skip(&r, 1);
		o->flags = wk_rd_u8(&r);
		break;
	case IPPROTO_UDP:
		o->sport = wk_rd_be16(&r);
		o->dport = wk_rd_be16(&r);
		break;
	case IPPROTO_ICMP:
		o->itype = wk_rd_u8(&r);
		o->icode = wk_rd_u8(&r);
		wk_rd_skip(&r, 2);
		if (o->itype == 3 || o->itype == 11 || o->itype == 12) {
			wk_rd_skip(&r, 4);
			if (!r.bad)
				quoted(&r, o);
		} else {
			o->iid = wk_rd_be16(&r);
			o->iseq = wk_rd_be16(&r);
		}
		break;
	default:
		return false;
	}
	return !r.bad;
}
