/* BSD loopback encapsulation: LINKTYPE_NULL (0), a 4-byte address family in the byte
 * order of the machine that wrote the capture, and LINKTYPE_LOOP (108, OpenBSD), the
 * same in network byte order.
 *
 *  +-----------------------------+---------
 *  | AF_* value (4 bytes)        | network-layer packet
 *  +-----------------------------+---------
 * https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html. AF_INET is 2 everywhere, AF_INET6
 * is 24 (NetBSD, OpenBSD, BSD/OS), 28 (FreeBSD, DragonFly) or 30 (Darwin). Like tshark, a
 * LINKTYPE_NULL header of any byte order is accepted (the value is small, so the zero
 * bytes tell), a value above 1500 is taken as an EtherType (some systems did that), and a
 * packet starting ff 03 is PPP in HDLC framing. */
#include "proto/link_int.h"
#include "wirekit/line.h"

enum {
	NULL_HLEN = 4,
	LINKTYPE_NULL = 0,
	LINKTYPE_LOOP = 108,
	AF_BSD_INET = 2,
	AF_BSD_INET6_BSD = 24,
	AF_BSD_INET6_FREEBSD = 28,
	AF_BSD_INET6_DARWIN = 30,
	ETH_MAX_LEN = 1500,
};

bool af_is_inet6(uint32_t af)
{
	return af == AF_BSD_INET6_BSD || af == AF_BSD_INET6_FREEBSD || af == AF_BSD_INET6_DARWIN ||
	       af == 10; /* Linux */
}

/* The header value whatever order it was written in (the heuristic tshark uses). */
static uint32_t family(uint32_t linktype, const uint8_t b[4])
{
	uint32_t be = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	if (linktype == LINKTYPE_LOOP)
		return be;
	uint32_t le = __builtin_bswap32(be);
	if (le & 0xffff0000) {
		/* IRIX / UNICOS: a 16-bit AF in the first two bytes, big-endian. */
		if (!(le & 0xff000000) && (le & 0x00ff0000) < 0x00060000)
			return le >> 16;
		return be;
	}
	if (!(le & 0xff) && (le & 0xff00) < 0x0600)
		return (le & 0xff00) >> 8; /* the same, byte-swapped */
	return le;
}

static bool get_val(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v, bool type)
{
	const uint8_t *b = wk_layer_bytes(p, l, 0, NULL_HLEN);
	if (idx || !b)
		return false;
	v->u = family(p->linktype, b);
	return type ? v->u > ETH_MAX_LEN : v->u <= ETH_MAX_LEN;
}

static bool get_family(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                       struct wk_val *v)
{
	return get_val(p, l, idx, v, false);
}

static bool get_type(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                     struct wk_val *v)
{
	return get_val(p, l, idx, v, true);
}

static const struct wk_vname family_names[] = {
    {2, "IP"},    {7, "OSI"},   {16, "Appletalk"}, {23, "Netware IPX/SPX"},
    {24, "IPv6"}, {28, "IPv6"}, {30, "IPv6"},      {0, NULL},
};

static const struct wk_field fields[] = {
    {.name = "null.family",
     .alias = "loop.family",
     .title = "Family",
     .type = WK_FT_UINT,
     .width = 4,
     .flags = WK_FF_NOENC,
     .get = get_family,
     .names = family_names},
    {.name = "null.type",
     .title = "Type",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_HEX | WK_FF_NOENC,
     .get = get_type},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)l;
	uint16_t w;
	if (p->linktype == LINKTYPE_NULL && wk_rd_peek_be16(r, 0, &w) && w == 0xff03) {
		wk_next_set(next, WK_NS_PROTO, (uint32_t)wk_proto_index(&wk_proto_ppp));
		return;
	}
	const uint8_t *b = wk_rd_bytes(r, NULL_HLEN);
	if (!b)
		return;
	uint32_t af = family(p->linktype, b);
	if (af > ETH_MAX_LEN) {
		wk_next_set(next, WK_NS_ETHERTYPE, af & 0xffff);
		return;
	}
	if (wk_proto_lookup(WK_NS_NULLFAM, af)) {
		wk_next_set(next, WK_NS_NULLFAM, af);
		return;
	}
	if (af == AF_BSD_INET)
		wk_next_set(next, WK_NS_ETHERTYPE, 0x0800);
	else if (af_is_inet6(af) && af != 10)
		wk_next_set(next, WK_NS_ETHERTYPE, 0x86dd);
}

static const struct wk_bind binds[] = {
    {WK_NS_LINKTYPE, LINKTYPE_NULL},
    {WK_NS_LINKTYPE, LINKTYPE_LOOP},
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_null = {
    .name = "null",
    .title = "Null/Loopback",
    .flags = WK_PF_LINK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .min_hlen = NULL_HLEN,
};
