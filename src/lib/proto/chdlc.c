/* Cisco HDLC (LINKTYPE_C_HDLC 104; 112 in some old files): an HDLC address and control
 * byte and a 2-byte protocol that is an EtherType for network protocols.
 *
 *  +---------+---------+----------------+---------
 *  | address | control | protocol       | payload
 *  +---------+---------+----------------+---------
 * address 0x0f unicast, 0x8f broadcast (RFC 1547 section 4.3.1). Cisco's own values
 * (0x8035 SLARP, 0xfefe OSI over CLNS, 0x2000 CDP) may be bound in WK_NS_CHDLC; every
 * other value is looked up as an EtherType. */
#include "proto/proto_int.h"
#include "wirekit/line.h"

enum { CHDLC_HLEN = 4 };

static const struct wk_vname addr_names[] = {
    {0x0f, "Unicast"},
    {0x8f, "Multicast"},
    {0, NULL},
};

static const struct wk_field fields[] = {
    {.name = "chdlc.address",
     .title = "Address",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 1,
     .flags = WK_FF_HEX,
     .names = addr_names},
    {.name = "chdlc.control",
     .title = "Control",
     .type = WK_FT_UINT,
     .off = 1,
     .width = 1,
     .flags = WK_FF_HEX},
    {.name = "chdlc.protocol",
     .title = "Protocol",
     .type = WK_FT_UINT,
     .off = 2,
     .width = 2,
     .flags = WK_FF_HEX},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	(void)l;
	wk_rd_skip(r, 2);
	uint16_t proto = wk_rd_be16(r);
	if (r->bad)
		return;
	if (wk_proto_lookup(WK_NS_CHDLC, proto))
		wk_next_set(next, WK_NS_CHDLC, proto);
	else if (proto != 0x8035 && proto != 0xfefe && proto != 0x2000)
		wk_next_set(next, WK_NS_ETHERTYPE, proto);
	/* Cisco's own numbers are not EtherTypes (0x8035 is SLARP here, not RARP): without
	 * a dissector of our own they stay payload. */
}

static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	if ((unsigned)(l - p->l) + 1 < p->nlayers)
		return;
	const uint8_t *b = wk_layer_bytes(p, l, 0, CHDLC_HLEN);
	if (!b)
		return;
	wk_ob_puts(o->ob, "CHDLC, proto 0x");
	wk_ob_hex(o->ob, (unsigned)(b[2] << 8 | b[3]), 4);
	wk_ob_puts(o->ob, ", length ");
	wk_ob_u64(o->ob, l->len);
}

static const struct wk_bind binds[] = {
    {WK_NS_LINKTYPE, 104}, /* LINKTYPE_C_HDLC */
    {WK_NS_LINKTYPE, 112}, /* old files: DLT_CHDLC */
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_chdlc = {
    .name = "chdlc",
    .title = "Cisco HDLC",
    .flags = WK_PF_LINK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .min_hlen = CHDLC_HLEN,
};
