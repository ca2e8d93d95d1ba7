/* Juniper "MGC" capture header in front of Ethernet frames (LINKTYPE_JUNIPER_ETHER 178).
 *
 *  +-------------+-------+----------------------------------+---------
 *  | "MGC" (3)   | flags | [ext length (2) + extension TLVs] | frame
 *  +-------------+-------+----------------------------------+---------
 * https://www.tcpdump.org/linktypes/LINKTYPE_JUNIPER_ETHER.html (and tcpdump's
 * print-juniper.c). flags 0x80: extensions present; 0x01: direction (1 = in); 0x02: no
 * layer-2 header, in which case a 4-byte protocol word precedes the IP packet, whose
 * version nibble we follow instead. */
#include "proto/proto_int.h"
#include "wirekit/line.h"

enum {
	JUNIPER_HLEN = 4,
	JUNIPER_MAGIC = 0x4d4743, /* "MGC" */
	FLAG_EXT = 0x80,
	FLAG_NO_L2 = 0x02,
	AUX_EXT = 1,
};

static bool get_ext_len(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	const uint8_t *b = wk_layer_bytes(p, l, JUNIPER_HLEN, 2);
	if (idx || !b || !(l->aux & AUX_EXT))
		return false;
	v->u = (uint64_t)(b[0] << 8 | b[1]);
	return true;
}

static const struct wk_field fields[] = {
    {.name = "juniper.magic-number",
     .alias = "juniper.magic",
     .title = "Magic Number",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 3,
     .flags = WK_FF_HEX},
    {.name = "juniper.direction",
     .title = "Direction",
     .type = WK_FT_UINT,
     .off = 3,
     .width = 1,
     .flags = WK_FF_HEX,
     .mask = 0x01},
    {.name = "juniper.l2hdr",
     .title = "L2 header presence",
     .type = WK_FT_UINT,
     .off = 3,
     .width = 1,
     .flags = WK_FF_HEX,
     .mask = 0x02},
    {.name = "juniper.ext_total_len",
     .title = "Extension(s) Total length",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_NOENC,
     .get = get_ext_len},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	uint32_t magic = (uint32_t)wk_rd_u8(r) << 16;
	magic |= wk_rd_be16(r);
	uint8_t flags = wk_rd_u8(r);
	if (r->bad)
		return;
	if (magic != JUNIPER_MAGIC) {
		l->flags |= WK_LF_INVALID;
		l->why = "no MGC magic";
		return;
	}
	if (flags & FLAG_EXT) {
		l->aux |= AUX_EXT;
		uint16_t ext = wk_rd_be16(r);
		if (!wk_rd_skip(r, ext))
			return;
	}
	if (!(flags & FLAG_NO_L2)) {
		wk_next_set(next, WK_NS_PROTO, (uint32_t)wk_proto_index(&wk_proto_eth));
		return;
	}
	uint8_t b0;
	if (!wk_rd_skip(r, 4) || !wk_rd_peek_u8(r, 0, &b0))
		return;
	if (b0 >> 4 == 4)
		wk_next_set(next, WK_NS_ETHERTYPE, 0x0800);
	else if (b0 >> 4 == 6)
		wk_next_set(next, WK_NS_ETHERTYPE, 0x86dd);
}

static const struct wk_bind binds[] = {
    {WK_NS_LINKTYPE, 178}, /* LINKTYPE_JUNIPER_ETHER */
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_juniper = {
    .name = "juniper",
    .title = "Juniper",
    .flags = WK_PF_LINK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .min_hlen = JUNIPER_HLEN,
};
