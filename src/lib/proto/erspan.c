/* Cisco Encapsulated Remote SPAN, carried in GRE (draft-foschiano-erspan-03).
 * Type I: GRE type 0x88be without a sequence number, no ERSPAN header at all.
 * Type II (version 1): GRE type 0x88be, 8 bytes. Type III (version 2): GRE type 0x22eb,
 * 12 bytes plus 8 of platform data when O is set. An Ethernet frame follows.
 *
 *   0       4                16 19 21 22          32
 *  +-------+----------------+--+--+-+-------------+
 *  |  ver  |     VLAN       |COS|En|T| session id  |
 *  +-------+----------------+--+--+-+-------------+
 *  II:  reserved (12) | index (20)
 *  III: timestamp (32) | SGT (16) | P | FT (5) | HW id (6) | D | Gra (2) | O
 */
#include "proto/hdrget_int.h"
#include "wirekit/line.h"

enum {
	GRE_S = 0x1000,
	ERSPAN2_HLEN = 8,
	ERSPAN3_HLEN = 12,
	ERSPAN3_PLAT = 8,
};

static bool ver_is(const struct wk_pkt *p, const struct wk_layer *l, unsigned ver)
{
	struct wk_val v = {.type = WK_FT_UINT};
	return hdr_uint(p, l, 0, 2, 0xf000, &v) && v.u == ver;
}

/* get_<name>: a field at off/width/mask present in header version ver (0: 1 or 2). */
#define EGET(fn, ver, off, width, mask)                                                            \
	static bool fn(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,             \
	               struct wk_val *v)                                                           \
	{                                                                                          \
		if (idx || ((ver) && !ver_is(p, l, ver)))                                          \
			return false;                                                              \
		return hdr_uint(p, l, off, width, mask, v);                                        \
	}

EGET(get_version, 0, 0, 2, 0xf000)
EGET(get_vlan, 0, 0, 2, 0x0fff)
EGET(get_cos, 0, 2, 2, 0xe000)
EGET(get_encap, 1, 2, 2, 0x1800)
EGET(get_bso, 2, 2, 2, 0x1800)
EGET(get_trunc, 0, 2, 2, 0x0400)
EGET(get_spanid, 0, 2, 2, 0x03ff)
EGET(get_index, 1, 4, 4, 0x000fffff)
EGET(get_timestamp, 2, 4, 4, 0)
EGET(get_sgt, 2, 8, 2, 0)
EGET(get_p, 2, 10, 2, 0x8000)
EGET(get_ft, 2, 10, 2, 0x7c00)
EGET(get_hw, 2, 10, 2, 0x03f0)
EGET(get_dir, 2, 10, 2, 0x0008)
EGET(get_gra, 2, 10, 2, 0x0006)
EGET(get_o, 2, 10, 2, 0x0001)

#define EFIELD(nm, ti, fn)                                                                         \
	{                                                                                          \
		.name = nm, .title = ti, .type = WK_FT_UINT, .get = fn                             \
	}

static const struct wk_field fields[] = {
    EFIELD("erspan.version", "Version", get_version),
    EFIELD("erspan.vlan", "Vlan", get_vlan),
    EFIELD("erspan.cos", "COS", get_cos),
    EFIELD("erspan.encap", "Encap", get_encap),
    EFIELD("erspan.bso", "Bad/Short/Oversized", get_bso),
    EFIELD("erspan.truncated", "Truncated", get_trunc),
    EFIELD("erspan.spanid", "SpanID", get_spanid),
    EFIELD("erspan.index", "Index", get_index),
    EFIELD("erspan.timestamp", "Timestamp", get_timestamp),
    EFIELD("erspan.sgt", "Security Group Tag", get_sgt),
    EFIELD("erspan.p", "Frame Type Protocol", get_p),
    EFIELD("erspan.ft", "Frame Type", get_ft),
    EFIELD("erspan.hw", "Hardware ID", get_hw),
    {.name = "erspan.direction", .title = "Direction", .type = WK_FT_BOOL, .get = get_dir},
    EFIELD("erspan.gra", "Timestamp granularity", get_gra),
    EFIELD("erspan.o", "Optional Sub-header", get_o),
};

/* Type I has no header: GRE type 0x88be without the sequence number bit (tshark's rule). */
static bool type1(const struct wk_pkt *p, const struct wk_layer *l)
{
	unsigned i = layer_index(p, l);
	if (i == 0 || p->l[i - 1].proto != &wk_proto_gre)
		return false;
	const uint8_t *g = wk_layer_bytes(p, &p->l[i - 1], 0, 4);
	return g && (g[0] << 8 & GRE_S) == 0 && g[2] == 0x88 && g[3] == 0xbe;
}

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	if (type1(p, l)) {
		wk_next_set(next, WK_NS_ETHERTYPE, 0x6558);
		return;
	}
	uint16_t w0 = wk_rd_be16(r);
	if (r->bad)
		return;
	unsigned ver = w0 >> 12;
	if (ver == 1) {
		wk_rd_skip(r, ERSPAN2_HLEN - 2);
	} else if (ver == 2) {
		wk_rd_skip(r, ERSPAN3_HLEN - 4);
		uint16_t w5 = wk_rd_be16(r);
		if (!r->bad && (w5 & 1))
			wk_rd_skip(r, ERSPAN3_PLAT);
	} else {
		l->flags |= WK_LF_INVALID;
		l->why = "unknown version";
		return;
	}
	if (r->bad)
		return;
	wk_next_set(next, WK_NS_ETHERTYPE, 0x6558); /* an Ethernet frame */
}

static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	struct wk_val v = {.type = WK_FT_UINT};
	struct wk_ob *ob = o->ob;
	if (!get_version(p, l, 0, &v)) {
		wk_ob_puts(ob, "ERSPAN type I: ");
		return;
	}
	wk_ob_puts(ob, v.u == 1 ? "ERSPAN type II" : "ERSPAN type III");
	if (get_spanid(p, l, 0, &v)) {
		wk_ob_puts(ob, ", session ");
		wk_ob_u64(ob, v.u);
	}
	wk_ob_puts(ob, ": ");
}

const struct wk_proto wk_proto_erspan = {
    .name = "erspan",
    .title = "Encapsulated Remote Switch Port Analyzer",
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .dissect = dissect,
    .line = line,
    .min_hlen = ERSPAN2_HLEN,
};
