/* SLIP as BSD's BPF captured it (LINKTYPE_SLIP 8): a 16-byte pseudo-header, then the
 * IP packet already decompressed.
 *
 *   0     1      2                                   16
 *  +-----+------+-----------------------------------+---------
 *  | dir | type | compressed header as received (14)| IP packet
 *  +-----+------+-----------------------------------+---------
 * dir 0 received, 1 sent; type's high nibble 0x40 plain IP, 0x70 uncompressed TCP, 0x80
 * Van Jacobson compressed TCP (RFC 1144), whose original header is kept in the next 14
 * bytes. https://www.tcpdump.org/linktypes/LINKTYPE_SLIP.html. tcpdump dissects the
 * packet by its version nibble; tshark shows the whole record as data. */
#include "proto/proto_int.h"
#include "wirekit/line.h"

enum { SLIP_HLEN = 16, SLIPDIR_IN = 0, SLIPDIR_OUT = 1 };

static const struct wk_vname dir_names[] = {
    {SLIPDIR_IN, "received"},
    {SLIPDIR_OUT, "sent"},
    {0, NULL},
};

static const struct wk_field fields[] = {
    {.name = "slip.direction",
     .title = "Direction",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 1,
     .names = dir_names},
    {.name = "slip.type",
     .title = "Link type",
     .type = WK_FT_UINT,
     .off = 1,
     .width = 1,
     .flags = WK_FF_HEX},
    {.name = "slip.chdr", .title = "Compressed header", .type = WK_FT_BYTES, .off = 2, .width = 14},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	(void)l;
	wk_rd_skip(r, SLIP_HLEN);
	uint8_t b0;
	if (r->bad || !wk_rd_peek_u8(r, 0, &b0))
		return;
	if (b0 >> 4 == 4)
		wk_next_set(next, WK_NS_ETHERTYPE, 0x0800);
	else if (b0 >> 4 == 6)
		wk_next_set(next, WK_NS_ETHERTYPE, 0x86dd);
}

static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	/* tcpdump -n has no SLIP prefix without -e; say so only when nothing follows. */
	if ((unsigned)(l - p->l) + 1 < p->nlayers)
		return;
	wk_ob_puts(o->ob, "SLIP, length ");
	wk_ob_u64(o->ob, l->len);
}

static const struct wk_bind binds[] = {
    {WK_NS_LINKTYPE, 8}, /* LINKTYPE_SLIP */
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_slip = {
    .name = "slip",
    .title = "Serial Line IP",
    .flags = WK_PF_LINK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .min_hlen = SLIP_HLEN,
};
