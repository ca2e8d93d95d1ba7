/* IEEE 802.2 Logical Link Control (ISO/IEC 8802-2 clause 3): the header under 802.3,
 * FDDI, 802.11, Token Ring and ATM LLC encapsulation.
 *
 *  +------+------+-----------------+---------
 *  | DSAP | SSAP | control (1 or 2)| information
 *  +------+------+-----------------+---------
 * The control field is one byte for unnumbered (U) frames (low bits 11) and two for
 * information (x0) and supervisory (01) frames. DSAP = SSAP = 0xAA announces a SNAP
 * header (RFC 1042); other SAPs name the payload directly (0x06 IP, 0x42 spanning tree,
 * 0xE0 IPX, 0xFE OSI). Only I and UI frames carry a payload to dissect. */
#include "proto/proto_int.h"
#include "wirekit/line.h"

enum {
	SAP_IP = 0x06,
	SAP_SNAP = 0xaa,
	SAP_IPX = 0xe0,
	CTRL_UI = 0x03,
};

static unsigned ctrl_len(uint8_t c)
{
	return (c & 3) == 3 ? 1 : 2;
}

static bool get_control(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	const uint8_t *b = wk_layer_bytes(p, l, 2, 1);
	if (idx || !b)
		return false;
	if (ctrl_len(b[0]) == 1) {
		v->u = b[0];
		return true;
	}
	b = wk_layer_bytes(p, l, 2, 2);
	if (!b)
		return false;
	/* ISO/IEC 8802-2: the first octet carries the low-order bits (N(S) / type). */
	v->u = (uint64_t)(b[1] << 8 | b[0]);
	return true;
}

static const struct wk_vname sap_names[] = {
    {0x00, "NULL LSAP"}, {0x06, "TCP/IP"},  {0x42, "Spanning Tree BPDU"}, {0xaa, "SNAP"},
    {0xe0, "NetWare"},   {0xf0, "NetBIOS"}, {0xfe, "ISO Network Layer"},  {0, NULL},
};

static const struct wk_field fields[] = {
    {.name = "llc.dsap",
     .title = "DSAP",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 1,
     .flags = WK_FF_HEX,
     .names = sap_names},
    {.name = "llc.ssap",
     .title = "SSAP",
     .type = WK_FT_UINT,
     .off = 1,
     .width = 1,
     .flags = WK_FF_HEX,
     .names = sap_names},
    {.name = "llc.control",
     .title = "Control field",
     .type = WK_FT_UINT,
     .width = 2,
     .flags = WK_FF_HEX,
     .get = get_control},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	(void)l;
	uint8_t dsap = wk_rd_u8(r);
	uint8_t ssap = wk_rd_u8(r);
	uint8_t c = wk_rd_u8(r);
	if (ctrl_len(c) == 2)
		wk_rd_u8(r);
	if (r->bad)
		return;
	/* Frames with an information field: I frames (low bit 0) and UI. */
	if ((c & 1) != 0 && (c & 0xef) != CTRL_UI) /* 0x10 is poll/final */
		return;
	if (dsap == SAP_SNAP && ssap == SAP_SNAP) {
		wk_next_set(next, WK_NS_PROTO, (uint32_t)wk_proto_index(&wk_proto_snap));
		return;
	}
	uint8_t sap = dsap & 0xfe; /* the low bit is individual/group */
	if (wk_proto_lookup(WK_NS_LLC, sap)) {
		wk_next_set(next, WK_NS_LLC, sap);
		return;
	}
	/* Network protocols that also have an EtherType are looked up there, so that
	 * their files need not know about LLC (RFC 1042 vs SAP 0x06). */
	if (sap == SAP_IP)
		wk_next_set(next, WK_NS_ETHERTYPE, 0x0800);
	else if (sap == SAP_IPX)
		wk_next_set(next, WK_NS_ETHERTYPE, 0x8137);
}

static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	/* tcpdump -n prints "LLC, dsap ..., ssap ..." only when it cannot name the payload. */
	if ((unsigned)(l - p->l) + 1 < p->nlayers)
		return;
	const uint8_t *b = wk_layer_bytes(p, l, 0, 3);
	if (!b)
		return;
	wk_ob_puts(o->ob, "LLC, dsap 0x");
	wk_ob_hex(o->ob, b[0], 2);
	wk_ob_puts(o->ob, ", ssap 0x");
	wk_ob_hex(o->ob, b[1], 2);
	wk_ob_puts(o->ob, ", ctrl 0x");
	wk_ob_hex(o->ob, b[2], 2);
	wk_ob_puts(o->ob, ", length ");
	wk_ob_u64(o->ob, l->len);
}

static const struct wk_bind binds[] = {
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_llc = {
    .name = "llc",
    .title = "Logical-Link Control",
    .flags = WK_PF_LINK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .min_hlen = 3,
};
