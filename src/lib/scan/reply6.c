/* IPv6 replies to scan probes reduced to the numbers the probe modules check: link header
 * (Ethernet with 802.1Q tags, Linux cooked v1/v2, raw IPv6), IPv6 (RFC 8200; extension
 * headers are not followed: replies to our probes carry none), TCP, UDP, ICMPv6 (RFC
 * 4443) with the packet an error quotes, and neighbour advertisements (RFC 4861 4.4) with
 * their target link-layer address option. Everything through the bounded cursor. */
#include <netinet/in.h>
#include <string.h>

#include "scan/scan_int.h"
#include "wirekit/cursor.h"

enum {
	LT_ETHERNET = 1,
	IP6_HLEN = 40,
	NH_ICMP6 = 58,
	ICMP6_UNREACH = 1,
	ICMP6_TOOBIG = 2,
	ICMP6_TIMXCEED = 3,
	ICMP6_PARAM = 4,
	ICMP6_NA = 136,
	ND_OPT_TLLA = 2,
};

/* The fixed header: addresses, next header, hop limit; r clipped to the payload unless the
 * header is quoted (then the packet was cut by the error). */
static bool ip6(struct wk_rd *r, uint8_t src[16], uint8_t dst[16], uint8_t *nh, uint8_t *hl,
                bool quoted)
{
	uint8_t v = wk_rd_u8(r);
	wk_rd_skip(r, 3);
	uint16_t plen = wk_rd_be16(r);
	*nh = wk_rd_u8(r);
	*hl = wk_rd_u8(r);
	wk_rd_copy(r, src, 16);
	wk_rd_copy(r, dst, 16);
	if (r->bad || v >> 4 != 6)
		return false;
	if (!quoted && !wk_rd_clip(r, plen))
		return false;
	return true;
}

static void quoted6(struct wk_rd *r, struct scan_reply *o)
{
	uint8_t hl;
	if (!ip6(r, o->q_src6, o->q_dst6, &o->q_proto, &hl, true))
		return;
	scan_quoted_l4(r, o, NH_ICMP6);
}

/* A neighbour advertisement: flags, target, options (RFC 4861 4.6, lengths in 8 bytes;
 * an option of length zero or past the end discards the packet). */
static bool na(struct wk_rd *r, struct scan_reply *o)
{
	wk_rd_skip(r, 4);
	if (!wk_rd_copy(r, o->tgt6, 16))
		return false;
	while (wk_rd_left(r) >= 2) {
		uint8_t type = wk_rd_u8(r), len = wk_rd_u8(r);
		if (!len || !wk_rd_need(r, (size_t)len * 8 - 2))
			return false; /* RFC 4861 4.6: a zero length is discarded */
		if (type == ND_OPT_TLLA && len == 1) {
			wk_rd_copy(r, o->mac, 6);
			break;
		}
		wk_rd_skip(r, (size_t)len * 8 - 2);
	}
	o->nd = true;
	return true;
}

bool scan_parse6(const uint8_t *p, size_t n, uint32_t lt, struct scan_reply *out)
{
	struct scan_reply o;
	struct wk_rd r;
	memset(&o, 0, sizeof(o));
	wk_rd_init(&r, p, n);
	if (!scan_link_skip(&r, lt, 6, o.mac) || !ip6(&r, o.src6, o.dst6, &o.proto, &o.ttl, false))
		return false;
	o.v6 = true;
	o.l2src = lt == LT_ETHERNET;
	switch (o.proto) {
	case IPPROTO_TCP:
		o.sport = wk_rd_be16(&r);
		o.dport = wk_rd_be16(&r);
		o.seq = wk_rd_be32(&r);
		o.ack = wk_rd_be32(&r);
		wk_rd_skip(&r, 1);
		o.flags = wk_rd_u8(&r);
		break;
	case IPPROTO_UDP:
		o.sport = wk_rd_be16(&r);
		o.dport = wk_rd_be16(&r);
		break;
	case NH_ICMP6:
		o.itype = wk_rd_u8(&r);
		o.icode = wk_rd_u8(&r);
		wk_rd_skip(&r, 2);
		if (o.itype == ICMP6_UNREACH || o.itype == ICMP6_TOOBIG ||
		    o.itype == ICMP6_TIMXCEED || o.itype == ICMP6_PARAM) {
			wk_rd_skip(&r, 4);
			if (!r.bad)
				quoted6(&r, &o);
		} else if (o.itype == ICMP6_NA) {
			if (!na(&r, &o))
				return false;
		} else {
			o.iid = wk_rd_be16(&r);
			o.iseq = wk_rd_be16(&r);
		}
		break;
	default:
		return false;
	}
	if (r.bad)
		return false;
	*out = o;
	return true;
}
