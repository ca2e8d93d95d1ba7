/* Anything In Anything (AYIYA, SixXS draft-massar-v6ops-ayiya-02), UDP port 5072: IPv6
 * (or any IP protocol) tunnelled through NATs. tshark binds the port, so we do too.
 *
 *   0    4    8    12   16   20   24               32
 *  +----+----+----+----+----+----+----------------+
 *  |idln|idty|sgln|hash|auth| op | next header    |
 *  +----+----+----+----+----+----+----------------+
 *  |  epoch (32)                                  |
 *  |  identity (2^idlen bytes), signature (siglen * 4 bytes)
 * Only opcode 1 ("forward") carries a packet, of IP protocol "next header". */
#include "proto/hdrget_int.h"
#include "wirekit/line.h"

enum { AYIYA_HLEN = 8, AYIYA_FORWARD = 1 };

static const struct wk_field fields[] = {
    WK_F_BITS("ayiya.idlen", NULL, "Identity field length", 0, 1, 0xf0),
    WK_F_BITS("ayiya.idtype", NULL, "Identity field type", 0, 1, 0x0f),
    WK_F_BITS("ayiya.siglen", NULL, "Signature Length", 1, 1, 0xf0),
    WK_F_BITS("ayiya.hashmethod", NULL, "Hash method", 1, 1, 0x0f),
    WK_F_BITS("ayiya.authmethod", NULL, "Authentication method", 2, 1, 0xf0),
    WK_F_BITS("ayiya.opcode", NULL, "Operation Code", 2, 1, 0x0f),
    WK_F_UINT("ayiya.nextheader", NULL, "Next Header", 3, 1),
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	(void)l;
	uint8_t b0 = wk_rd_u8(r);
	uint8_t b1 = wk_rd_u8(r);
	uint8_t b2 = wk_rd_u8(r);
	uint8_t nh = wk_rd_u8(r);
	wk_rd_skip(r, 4);
	/* idlen is 4 bits: at most 2^15 identity bytes, checked by the cursor */
	wk_rd_skip(r, (size_t)1 << (b0 >> 4));
	wk_rd_skip(r, (size_t)(b1 >> 4) * 4);
	if (r->bad)
		return;
	if ((b2 & 0x0f) == AYIYA_FORWARD)
		wk_next_set(next, WK_NS_IPPROTO, nh);
}

static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	wk_ob_puts(o->ob, "AYIYA");
	if (layer_has_inner(p, l))
		wk_ob_puts(o->ob, ": ");
}

static const struct wk_bind binds[] = {
    {WK_NS_UDP, 5072},
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_ayiya = {
    .name = "ayiya",
    .title = "Anything in Anything Protocol",
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .min_hlen = AYIYA_HLEN,
};
