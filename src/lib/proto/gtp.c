/* GPRS Tunnelling Protocol, user plane version 1 (3GPP TS 29.281), UDP port 2152, and
 * the GTPv1-C header on port 2123 (TS 29.060).
 *
 *   0     3  4  5  6  7  8              16                              32
 *  +-----+--+--+--+--+--+--------------+-------------------------------+
 *  | ver |PT| *| E| S|PN| message type |  length (after these 8 bytes) |
 *  +-----+--+--+--+--+--+--------------+-------------------------------+
 *  |                 Tunnel Endpoint Identifier                        |
 *  +-------------------------------------+--------------+--------------+
 *  | sequence number (if E, S or PN)      | N-PDU number | next ext type|
 *  +-------------------------------------+--------------+--------------+
 * Extension headers (TS 29.281 5.2.1): length (4 byte units, never 0), content,
 * next type; type 0 ends the chain. A T-PDU (type 255) carries an IP packet, told
 * apart by its version nibble, as tshark does. */
#include "proto/hdrget_int.h"
#include "wirekit/line.h"

enum {
	GTP_HLEN = 8,
	GTP_OPT_LEN = 4,
	GTP_E = 0x04,
	GTP_S = 0x02,
	GTP_PN = 0x01,
	GTP_TPDU = 255,
	GTP_MAX_EXT = 32,
};

static bool has_opt(const struct wk_pkt *p, const struct wk_layer *l)
{
	struct wk_val v = {.type = WK_FT_UINT};
	return hdr_uint(p, l, 0, 1, GTP_E | GTP_S | GTP_PN, &v) && v.u;
}

static bool get_seq(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v)
{
	return idx == 0 && has_opt(p, l) && hdr_uint(p, l, 8, 2, 0, v);
}

/* tshark shows the N-PDU number only when PN says it is meaningful. */
static bool get_npdu(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                     struct wk_val *v)
{
	struct wk_val f = {.type = WK_FT_UINT};
	return idx == 0 && hdr_uint(p, l, 0, 1, GTP_PN, &f) && f.u && hdr_uint(p, l, 10, 1, 0, v);
}

/* Walk the extension header chain: occurrence idx's offset (its length byte). */
static bool ext_at(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx, size_t *off,
                   uint8_t *type)
{
	const uint8_t *h = wk_layer_bytes(p, l, 0, GTP_HLEN + GTP_OPT_LEN);
	if (!h || !(h[0] & GTP_E))
		return false;
	uint8_t t = h[11];
	size_t o = GTP_HLEN + GTP_OPT_LEN;
	for (unsigned k = 0; t != 0 && k < GTP_MAX_EXT; k++) {
		const uint8_t *b = wk_layer_bytes(p, l, o, 1);
		if (!b || b[0] == 0 || o + (size_t)b[0] * 4 > l->hlen)
			return false;
		if (k == idx) {
			*off = o;
			*type = t;
			return true;
		}
		o += (size_t)b[0] * 4;
		const uint8_t *nb = wk_layer_bytes(p, l, o - 1, 1);
		if (!nb)
			return false;
		t = nb[0];
	}
	return false;
}

static bool get_ext_len(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	size_t off;
	uint8_t t;
	return ext_at(p, l, idx, &off, &t) && hdr_uint(p, l, off, 1, 0, v);
}

/* The "next extension header type" fields: the one in the fixed header, then each
 * extension's trailing byte. */
static bool get_ext_next(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                         struct wk_val *v)
{
	struct wk_val f = {.type = WK_FT_UINT};
	if (!hdr_uint(p, l, 0, 1, GTP_E, &f) || !f.u)
		return false;
	if (idx == 0)
		return hdr_uint(p, l, 11, 1, 0, v);
	size_t off;
	uint8_t t;
	if (!ext_at(p, l, idx - 1, &off, &t))
		return false;
	const uint8_t *b = wk_layer_bytes(p, l, off, 1);
	return b && hdr_uint(p, l, off + (size_t)b[0] * 4 - 1, 1, 0, v);
}

static const struct wk_vname msg_names[] = {
    {1, "Echo request"},
    {2, "Echo response"},
    {16, "Create PDP context request"},
    {17, "Create PDP context response"},
    {26, "Error indication"},
    {254, "End marker"},
    {255, "T-PDU"},
    {0, NULL},
};

static const struct wk_field fields[] = {
    {.name = "gtp.flags",
     .title = "Flags",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 1,
     .flags = WK_FF_HEX},
    WK_F_BITS("gtp.flags.version", NULL, "Version", 0, 1, 0xe0),
    WK_F_BITS("gtp.flags.payload", NULL, "Protocol type", 0, 1, 0x10),
    {.name = "gtp.flags.e",
     .title = "Is Next Extension Header present?",
     .type = WK_FT_BOOL,
     .off = 0,
     .width = 1,
     .mask = GTP_E},
    {.name = "gtp.flags.s",
     .title = "Is Sequence Number present?",
     .type = WK_FT_BOOL,
     .off = 0,
     .width = 1,
     .mask = GTP_S},
    {.name = "gtp.flags.pn",
     .title = "Is N-PDU number present?",
     .type = WK_FT_BOOL,
     .off = 0,
     .width = 1,
     .mask = GTP_PN},
    {.name = "gtp.message",
     .title = "Message Type",
     .type = WK_FT_UINT,
     .off = 1,
     .width = 1,
     .flags = WK_FF_HEX,
     .names = msg_names},
    {.name = "gtp.length",
     .title = "Length",
     .type = WK_FT_UINT,
     .off = 2,
     .width = 2,
     .flags = WK_FF_LEN},
    {.name = "gtp.teid",
     .title = "TEID",
     .type = WK_FT_UINT,
     .off = 4,
     .width = 4,
     .flags = WK_FF_HEX},
    {.name = "gtp.seq_number",
     .title = "Sequence number",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_HEX,
     .get = get_seq},
    {.name = "gtp.npdu_number",
     .title = "N-PDU Number",
     .type = WK_FT_UINT,
     .width = 1,
     .flags = WK_FF_HEX,
     .get = get_npdu},
    {.name = "gtp.ext_hdr.next",
     .title = "Next extension header type",
     .type = WK_FT_UINT,
     .width = 1,
     .flags = WK_FF_HEX,
     .get = get_ext_next},
    {.name = "gtp.ext_hdr.length",
     .title = "Extension header length",
     .type = WK_FT_UINT,
     .get = get_ext_len},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	uint8_t fl = wk_rd_u8(r);
	uint8_t type = wk_rd_u8(r);
	uint16_t len = wk_rd_be16(r);
	wk_rd_skip(r, 4);
	if (r->bad)
		return;
	if (fl >> 5 == 2) {
		/* GTPv2-C (TS 29.274 5.1): TEID if T, then sequence number and a spare byte;
		 * its information elements are not decoded. */
		wk_rd_skip(r, (fl & 0x08) ? 4 : 0);
		return;
	}
	if (fl >> 5 != 1) {
		l->flags |= WK_LF_INVALID;
		l->why = "unknown version";
		return;
	}
	if (!(fl & 0x10))
		return; /* PT 0 is GTP' (TS 32.295), whose records are not decoded */
	/* The length counts everything after the mandatory header, options included. */
	if (!(l->flags & WK_LF_QUOTED))
		wk_rd_clip(r, len);
	if (fl & (GTP_E | GTP_S | GTP_PN)) {
		wk_rd_skip(r, 3);
		uint8_t nt = wk_rd_u8(r);
		for (unsigned k = 0; (fl & GTP_E) && nt != 0 && !r->bad; k++) {
			if (k == GTP_MAX_EXT) {
				l->flags |= WK_LF_INVALID;
				l->why = "too many extension headers";
				return;
			}
			uint8_t elen = wk_rd_u8(r);
			if (r->bad)
				break;
			if (elen == 0) {
				l->flags |= WK_LF_INVALID;
				l->why = "extension header of length 0";
				return;
			}
			/* elen * 4 bytes in all: the length byte, content, next type */
			wk_rd_skip(r, (size_t)elen * 4 - 2);
			nt = wk_rd_u8(r);
		}
	}
	if (r->bad || type != GTP_TPDU)
		return;
	next_ip_by_version(r, next);
}

static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	const uint8_t *b = wk_layer_bytes(p, l, 0, GTP_HLEN);
	if (!b)
		return;
	struct wk_ob *ob = o->ob;
	wk_ob_puts(ob, "GTPv1-U ");
	const char *nm = wk_vname_find(msg_names, b[1]);
	if (nm) {
		wk_ob_puts(ob, nm);
	} else {
		wk_ob_puts(ob, "type ");
		wk_ob_u64(ob, b[1]);
	}
	wk_ob_puts(ob, " (teid ");
	wk_ob_u64(ob, (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7]);
	wk_ob_puts(ob, ", len ");
	wk_ob_u64(ob, (uint32_t)(b[2] << 8 | b[3]));
	wk_ob_puts(ob, layer_has_inner(p, l) ? "): " : ")");
}

static const struct wk_bind binds[] = {
    {WK_NS_UDP, 2123}, /* GTP-C */
    {WK_NS_UDP, 2152}, /* GTP-U */
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_gtp = {
    .name = "gtp",
    .title = "GPRS Tunneling Protocol",
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .min_hlen = GTP_HLEN,
};
