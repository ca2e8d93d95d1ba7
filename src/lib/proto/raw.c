/* Raw IP: the packet starts with an IPv4 or IPv6 header and the version nibble says
 * which. LINKTYPE_RAW (101) and the DLT_RAW values old files carry (12, and 14 as written
 * on OpenBSD). https://www.tcpdump.org/linktypes/LINKTYPE_RAW.html. Like tshark, a
 * packet beginning ff 03 is PPP in HDLC framing (some Linux PPP drivers left it in).
 * LINKTYPE_IPV4 (228) and LINKTYPE_IPV6 (229) are bound by ip.c and ipv6.c directly.
 * The layer has no header of its own. */
#include "proto/link_int.h"
#include "wirekit/line.h"

static bool get_version(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                        struct wk_val *v)
{
	const uint8_t *b = wk_layer_bytes(p, l, 0, 1);
	if (idx || !b)
		return false;
	v->u = b[0] >> 4;
	return true;
}

static const struct wk_field fields[] = {
    {.name = "raw.version",
     .title = "IP version",
     .type = WK_FT_UINT,
     .width = 1,
     .flags = WK_FF_NOENC | WK_FF_HIDDEN,
     .get = get_version},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	uint8_t b0, b1;
	if (!wk_rd_peek_u8(r, 0, &b0))
		return;
	if (b0 == 0xff && wk_rd_peek_u8(r, 1, &b1) && b1 == 0x03) {
		wk_next_set(next, WK_NS_PROTO, (uint32_t)wk_proto_index(&wk_proto_ppp));
		return;
	}
	switch (b0 >> 4) {
	case 4:
		wk_next_set(next, WK_NS_ETHERTYPE, 0x0800);
		break;
	case 6:
		wk_next_set(next, WK_NS_ETHERTYPE, 0x86dd);
		break;
	default:
		l->flags |= WK_LF_INVALID;
		l->why = "IP version is neither 4 nor 6";
		break;
	}
}

static const struct wk_bind binds[] = {
    {WK_NS_LINKTYPE, 12},  /* DLT_RAW on most systems */
    {WK_NS_LINKTYPE, 14},  /* DLT_RAW on OpenBSD */
    {WK_NS_LINKTYPE, 101}, /* LINKTYPE_RAW */
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_raw = {
    .name = "raw",
    .title = "Raw packet data",
    .flags = WK_PF_LINK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
};
