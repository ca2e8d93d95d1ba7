/* Protocol Independent Multicast version 2 (RFC 7761 section 4.9), IP protocol 103 over
 * IPv4 and IPv6. Only the common header is decoded, and the Register message (4.9.3),
 * which tunnels a whole multicast IP packet to the rendezvous point.
 *
 *   0       4       8               16                              32
 *  +-------+-------+---------------+-------------------------------+
 *  |PIM ver| type  |   reserved    |           checksum            |
 *  +-------+-------+---------------+-------------------------------+
 *  Register: |B|N|  reserved (30)  | multicast data packet ...
 */
#include "proto/hdrget_int.h"
#include "wirekit/line.h"

enum { PIM_HLEN = 4, PIM_REGISTER = 1, PIM_REG_HLEN = 4 };

static const struct wk_vname type_names[] = {
    {0, "Hello"},         {1, "Register"},     {2, "Register Stop"},
    {3, "Join/Prune"},    {4, "Bootstrap"},    {5, "Assert"},
    {6, "Graft"},         {7, "Graft-ACK"},    {8, "Candidate RP Advertisement"},
    {9, "State-Refresh"}, {10, "DF Election"}, {0, NULL},
};

static const struct wk_field fields[] = {
    WK_F_BITS("pim.version", NULL, "Version", 0, 1, 0xf0),
    {.name = "pim.type",
     .title = "Type",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 1,
     .mask = 0x0f,
     .names = type_names},
    {.name = "pim.cksum",
     .title = "Checksum",
     .type = WK_FT_UINT,
     .off = 2,
     .width = 2,
     .flags = WK_FF_HEX | WK_FF_CSUM},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	uint8_t vt = wk_rd_u8(r);
	wk_rd_skip(r, 3);
	if (r->bad)
		return;
	if (vt >> 4 != 2) {
		l->flags |= WK_LF_INVALID;
		l->why = "unknown version";
		return;
	}
	if ((vt & 0xf) != PIM_REGISTER)
		return; /* other messages: not decoded */
	if (!wk_rd_skip(r, PIM_REG_HLEN))
		return;
	next_ip_by_version(r, next);
}

static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	const uint8_t *b = wk_layer_bytes(p, l, 0, 1);
	if (!b)
		return;
	struct wk_ob *ob = o->ob;
	wk_ob_puts(ob, "PIMv");
	wk_ob_u64(ob, b[0] >> 4);
	wk_ob_puts(ob, ", ");
	const char *nm = wk_vname_find(type_names, b[0] & 0xf);
	if (nm) {
		wk_ob_puts(ob, nm);
	} else {
		wk_ob_puts(ob, "type ");
		wk_ob_u64(ob, b[0] & 0xf);
	}
	wk_ob_puts(ob, ", length ");
	wk_ob_u64(ob, l->len);
	if (layer_has_inner(p, l))
		wk_ob_puts(ob, ": ");
}

static const struct wk_bind binds[] = {
    {WK_NS_IPPROTO, 103},
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_pim = {
    .name = "pim",
    .title = "Protocol Independent Multicast",
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .min_hlen = PIM_HLEN,
};
