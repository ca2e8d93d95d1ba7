/* Network Service Header (RFC 8300), EtherType 0x894f (also its GRE protocol type).
 *
 *   0   2 3 4      10     16      24              32
 *  +---+-+-+--------+------+--------+--------------+
 *  |Ver|O|U|  TTL   |Length|U|U|U|U|MD type| next proto |
 *  +---+-+-+--------+------+--------+--------------+
 *  |  service path identifier (24)   | service index |
 *  |  context headers: Length * 4 - 8 bytes          |
 * Length counts the whole header in 4 byte words (at least 2). Next protocol: 1 IPv4,
 * 2 IPv6, 3 Ethernet, 4 NSH, 5 MPLS (RFC 8300 11.2.5). */
#include "proto/hdrget_int.h"
#include "wirekit/line.h"

enum { NSH_HLEN = 8 };

static const struct wk_field fields[] = {
    WK_F_BITS("nsh.version", NULL, "Version", 0, 2, 0xc000),
    {.name = "nsh.Obit",
     .title = "O Bit",
     .type = WK_FT_BOOL,
     .off = 0,
     .width = 2,
     .mask = 0x2000},
    WK_F_BITS("nsh.ttl", NULL, "Time to live", 0, 2, 0x0fc0),
    WK_F_BITS("nsh.length", NULL, "Length", 0, 2, 0x003f),
    WK_F_UINT("nsh.mdtype", NULL, "MD Type", 2, 1),
    WK_F_UINT("nsh.nextproto", NULL, "Next Protocol", 3, 1),
    WK_F_UINT("nsh.spi", NULL, "Service Path Identifier", 4, 3),
    WK_F_UINT("nsh.si", NULL, "Service Index", 7, 1),
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	uint16_t w = wk_rd_be16(r);
	wk_rd_u8(r);
	uint8_t np = wk_rd_u8(r);
	wk_rd_skip(r, 4);
	if (r->bad)
		return;
	size_t words = w & 0x3f;
	if (words < 2) {
		l->flags |= WK_LF_INVALID;
		l->why = "length shorter than the header";
		return;
	}
	if (!wk_rd_skip(r, words * 4 - NSH_HLEN))
		return;
	static const uint16_t types[] = {0, 0x0800, 0x86dd, 0x6558, 0x894f, 0x8847};
	if (np >= 1 && np < WK_ARRAY_SIZE(types))
		wk_next_set(next, WK_NS_ETHERTYPE, types[np]);
}

static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	const uint8_t *b = wk_layer_bytes(p, l, 0, NSH_HLEN);
	if (!b)
		return;
	wk_ob_puts(o->ob, "NSH, spi ");
	wk_ob_u64(o->ob, (uint32_t)b[4] << 16 | (uint32_t)b[5] << 8 | b[6]);
	wk_ob_puts(o->ob, ", si ");
	wk_ob_u64(o->ob, b[7]);
	if (layer_has_inner(p, l))
		wk_ob_puts(o->ob, ": ");
}

static const struct wk_bind binds[] = {
    {WK_NS_ETHERTYPE, 0x894f},
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_nsh = {
    .name = "nsh",
    .title = "Network Service Header",
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .min_hlen = NSH_HLEN,
};
