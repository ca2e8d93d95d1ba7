/* IP Authentication Header (RFC 4302), IP protocol 51. It authenticates but does not
 * encrypt, so the next header is dissected (as tshark and tcpdump do).
 *
 *   0                   1                   2                   3
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  | Next Header   |  Payload Len  |          RESERVED             |
 *  |                 Security Parameters Index (SPI)               |
 *  |                    Sequence Number Field                      |
 *  |                Integrity Check Value-ICV (variable)           |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Payload Len is the header length in 32-bit words minus 2 (RFC 4302 2.2). */
#include "proto/proto_int.h"
#include "wirekit/line.h"

enum { AH_FIXED = 12 };

static bool get_icv(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v)
{
	if (idx || l->hlen <= AH_FIXED)
		return false;
	v->p = wk_layer_bytes(p, l, AH_FIXED, l->hlen - AH_FIXED);
	v->n = l->hlen - AH_FIXED;
	return v->p != NULL;
}

static const struct wk_field fields[] = {
    WK_F_UINT("ah.nh", "ah.next_header", "Next Header", 0, 1),
    WK_F_UINT("ah.len", "ah.length", "Length", 1, 1),
    {.name = "ah.spi",
     .title = "SPI",
     .type = WK_FT_UINT,
     .off = 4,
     .width = 4,
     .flags = WK_FF_HEX},
    WK_F_UINT("ah.seq", "ah.sequence", "Sequence", 8, 4),
    {.name = "ah.icv", .title = "ICV", .type = WK_FT_BYTES, .flags = WK_FF_NOENC, .get = get_icv},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	uint8_t nh = wk_rd_u8(r);
	uint8_t plen = wk_rd_u8(r);
	wk_rd_skip(r, AH_FIXED - 2);
	if (r->bad)
		return;
	size_t hl = ((size_t)plen + 2) * 4;
	if (hl < AH_FIXED) {
		l->flags |= WK_LF_INVALID;
		l->why = "header length < 12";
		return;
	}
	wk_rd_skip(r, hl - AH_FIXED);
	if (r->bad)
		return;
	wk_next_set(next, WK_NS_IPPROTO, nh);
}

/* tcpdump: "AH(spi=0x00000100,seq=0x3): " before the protected payload. */
static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	const uint8_t *h = wk_layer_bytes(p, l, 0, AH_FIXED);
	if (l->flags & WK_LF_QUOTED)
		return;
	wk_line_flush_addrs(o);
	wk_ob_puts(o->ob, "AH(");
	if (h) {
		wk_ob_puts(o->ob, "spi=0x");
		wk_ob_hex(o->ob,
		          (uint64_t)h[4] << 24 | (uint64_t)h[5] << 16 | (uint64_t)h[6] << 8 | h[7],
		          8);
		wk_ob_puts(o->ob, ",seq=0x");
		wk_ob_hex(
		    o->ob,
		    (uint64_t)h[8] << 24 | (uint64_t)h[9] << 16 | (uint64_t)h[10] << 8 | h[11], 1);
	}
	wk_ob_puts(o->ob, "): ");
}

static const struct wk_bind binds[] = {
    {WK_NS_IPPROTO, 51},
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_ah = {
    .name = "ah",
    .title = "Authentication Header",
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .min_hlen = AH_FIXED,
};
