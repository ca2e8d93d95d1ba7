/* PPP over Ethernet (RFC 2516): discovery stage (EtherType 0x8863) and session stage
 * (0x8864, and LINKTYPE_PPP_ETHER 51 which starts here).
 *
 *   0    4    8        16               32               48
 *  +----+----+--------+----------------+----------------+---------
 *  |ver |type| code   | session id     | length         | payload
 *  +----+----+--------+----------------+----------------+---------
 * Session packets have code 0 and carry a PPP frame without address/control (section
 * 6); discovery packets (PADI 0x09, PADO 0x07, PADR 0x19, PADS 0x65, PADT 0xa7) carry
 * tags. length counts the payload; the rest of an Ethernet frame is padding. */
#include "proto/proto_int.h"
#include "wirekit/line.h"

enum { PPPOE_HLEN = 6, CODE_SESSION = 0 };

static const struct wk_vname code_names[] = {
    {0x00, "Session Data"},
    {0x07, "Active Discovery Offer (PADO)"},
    {0x09, "Active Discovery Initiation (PADI)"},
    {0x19, "Active Discovery Request (PADR)"},
    {0x65, "Active Discovery Session-confirmation (PADS)"},
    {0xa7, "Active Discovery Terminate (PADT)"},
    {0, NULL},
};

static const struct wk_vname code_short[] = {
    {0x07, "PADO"}, {0x09, "PADI"}, {0x19, "PADR"}, {0x65, "PADS"}, {0xa7, "PADT"}, {0, NULL},
};

static const struct wk_field fields[] = {
    WK_F_BITS("pppoe.version", NULL, "Version", 0, 1, 0xf0),
    WK_F_BITS("pppoe.type", NULL, "Type", 0, 1, 0x0f),
    {.name = "pppoe.code",
     .title = "Code",
     .type = WK_FT_UINT,
     .off = 1,
     .width = 1,
     .flags = WK_FF_HEX,
     .names = code_names},
    {.name = "pppoe.session_id",
     .title = "Session ID",
     .type = WK_FT_UINT,
     .off = 2,
     .width = 2,
     .flags = WK_FF_HEX},
    {.name = "pppoe.payload_length",
     .alias = "pppoe.len",
     .title = "Payload Length",
     .type = WK_FT_UINT,
     .off = 4,
     .width = 2,
     .flags = WK_FF_LEN},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	wk_rd_skip(r, 1);
	uint8_t code = wk_rd_u8(r);
	wk_rd_skip(r, 2);
	uint16_t len = wk_rd_be16(r);
	if (r->bad)
		return;
	wk_rd_clip(r, len); /* longer than captured: truncation, for PPP to report */
	if (code != CODE_SESSION)
		return;
	(void)l;
	wk_next_set(next, WK_NS_PROTO, (uint32_t)wk_proto_index(&wk_proto_ppp));
}

static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	const uint8_t *b = wk_layer_bytes(p, l, 0, PPPOE_HLEN);
	if (!b)
		return;
	wk_ob_puts(o->ob, "PPPoE ");
	const char *nm = wk_vname_find(code_short, b[1]);
	if (b[1] != CODE_SESSION) {
		if (nm) {
			wk_ob_puts(o->ob, nm);
		} else {
			wk_ob_puts(o->ob, "code 0x");
			wk_ob_hex(o->ob, b[1], 2);
		}
		wk_ob_puts(o->ob, ", length ");
		wk_ob_u64(o->ob, (unsigned)(b[4] << 8 | b[5]));
		return;
	}
	wk_ob_puts(o->ob, "[ses 0x");
	wk_ob_hex(o->ob, (unsigned)(b[2] << 8 | b[3]), 1);
	wk_ob_puts(o->ob, "] ");
}

static const struct wk_bind binds[] = {
    {WK_NS_LINKTYPE, 51},      /* LINKTYPE_PPP_ETHER */
    {WK_NS_ETHERTYPE, 0x8863}, /* discovery */
    {WK_NS_ETHERTYPE, 0x8864}, /* session */
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_pppoe = {
    .name = "pppoe",
    .title = "PPP-over-Ethernet",
    .flags = WK_PF_LINK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .min_hlen = PPPOE_HLEN,
};
