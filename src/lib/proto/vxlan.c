/* Virtual eXtensible Local Area Network (RFC 7348), UDP port 4789, carrying an Ethernet
 * frame. The group based policy extension (draft-smith-vxlan-group-policy) uses the
 * reserved bits G, D, A and the 16 bits after the flags.
 *
 *   0       8              24              32
 *  +-+-+-+-+-+-+-+-+-------+--------------+
 *  |G|R|R|R|I|R|R|R| flags2 |  group policy |
 *  +---------------+-------+--------------+
 *  |        VNI (24)         | reserved (8) |
 *  +-------------------------+--------------+
 * tshark binds only 4789 (not Linux's old 8472), so do we. */
#include "proto/proto_int.h"
#include "wirekit/line.h"

enum { VXLAN_HLEN = 8, VXLAN_I = 0x0800 };

static const struct wk_field fields[] = {
    {.name = "vxlan.flags",
     .title = "Flags",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 2,
     .flags = WK_FF_HEX},
    {.name = "vxlan.flag_g",
     .title = "GBP Extension",
     .type = WK_FT_BOOL,
     .off = 0,
     .width = 2,
     .mask = 0x8000},
    {.name = "vxlan.flag_i",
     .title = "VXLAN Network ID (VNI)",
     .type = WK_FT_BOOL,
     .off = 0,
     .width = 2,
     .mask = VXLAN_I},
    {.name = "vxlan.flag_d",
     .title = "Don't Learn",
     .type = WK_FT_BOOL,
     .off = 0,
     .width = 2,
     .mask = 0x0040},
    {.name = "vxlan.flag_a",
     .title = "Policy Applied",
     .type = WK_FT_BOOL,
     .off = 0,
     .width = 2,
     .mask = 0x0008},
    {.name = "vxlan.flags_reserved",
     .title = "Reserved",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 2,
     .mask = 0x77b7,
     .flags = WK_FF_HIDDEN},
    WK_F_UINT("vxlan.gbp", NULL, "Group Policy ID", 2, 2),
    WK_F_UINT("vxlan.vni", NULL, "VXLAN Network Identifier (VNI)", 4, 3),
    WK_F_UINT("vxlan.reserved8", NULL, "Reserved", 7, 1),
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	(void)l;
	if (!wk_rd_skip(r, VXLAN_HLEN))
		return;
	/* tshark decodes the frame whatever the I flag says; so do we. */
	wk_next_set(next, WK_NS_ETHERTYPE, 0x6558);
}

static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	const uint8_t *b = wk_layer_bytes(p, l, 0, VXLAN_HLEN);
	if (!b)
		return;
	wk_ob_puts(o->ob, "VXLAN, flags [");
	wk_ob_puts(o->ob, b[0] & 0x08 ? "I" : ".");
	wk_ob_puts(o->ob, "] (0x");
	wk_ob_hex(o->ob, b[0], 2);
	wk_ob_puts(o->ob, "), vni ");
	wk_ob_u64(o->ob, (uint32_t)b[4] << 16 | (uint32_t)b[5] << 8 | b[6]);
	wk_ob_puts(o->ob, ": ");
}

static const struct wk_bind binds[] = {
    {WK_NS_UDP, 4789},
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_vxlan = {
    .name = "vxlan",
    .title = "Virtual eXtensible Local Area Network",
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .min_hlen = VXLAN_HLEN,
};
