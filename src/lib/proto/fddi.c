/* FDDI frames (LINKTYPE_FDDI 10; ANSI X3.139 / ISO 9314-2).
 *
 *  +----+-------------------+-------------------+---------
 *  | FC | destination (6)   | source (6)        | LLC ...
 *  +----+-------------------+-------------------+---------
 * Frame control 0x50-0x57 (asynchronous) and 0xd0-0xd7 (synchronous) are LLC frames;
 * others are SMT and MAC frames, not dissected. libpcap stores the addresses as they are
 * on the ring, each byte bit-reversed relative to the canonical (Ethernet) form, so the
 * address fields reverse them, which is what tshark shows. */
#include "proto/proto_int.h"
#include "wirekit/line.h"

enum { FDDI_HLEN = 13, FC_CLF_MASK = 0xf0, FC_LLC_ASYNC = 0x50, FC_LLC_SYNC = 0xd0 };

static uint8_t bitrev(uint8_t b)
{
	b = (uint8_t)((b & 0xf0) >> 4 | (b & 0x0f) << 4);
	b = (uint8_t)((b & 0xcc) >> 2 | (b & 0x33) << 2);
	return (uint8_t)((b & 0xaa) >> 1 | (b & 0x55) << 1);
}

static bool get_addr(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                     struct wk_val *v, unsigned off)
{
	const uint8_t *b = wk_layer_bytes(p, l, off, 6);
	if (idx || !b)
		return false;
	for (unsigned i = 0; i < 6; i++)
		v->buf[i] = bitrev(b[i]);
	v->p = v->buf;
	v->n = 6;
	return true;
}

static bool get_dst(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v)
{
	return get_addr(p, l, idx, v, 1);
}

static bool get_src(const struct wk_pkt *p, const struct wk_layer *l, unsigned idx,
                    struct wk_val *v)
{
	return get_addr(p, l, idx, v, 7);
}

static const struct wk_field fields[] = {
    {.name = "fddi.fc",
     .title = "Frame Control",
     .type = WK_FT_UINT,
     .off = 0,
     .width = 1,
     .flags = WK_FF_HEX},
    {.name = "fddi.dst",
     .title = "Destination",
     .type = WK_FT_MAC,
     .width = 6,
     .flags = WK_FF_NOENC,
     .role = WK_ROLE_DST,
     .get = get_dst},
    {.name = "fddi.src",
     .title = "Source",
     .type = WK_FT_MAC,
     .width = 6,
     .flags = WK_FF_NOENC,
     .role = WK_ROLE_SRC,
     .get = get_src},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	(void)l;
	uint8_t fc = wk_rd_u8(r);
	wk_rd_skip(r, 12);
	if (r->bad)
		return;
	uint8_t clf = fc & FC_CLF_MASK;
	if (clf == FC_LLC_ASYNC || clf == FC_LLC_SYNC)
		wk_next_set(next, WK_NS_PROTO, (uint32_t)wk_proto_index(&wk_proto_llc));
}

static const struct wk_bind binds[] = {
    {WK_NS_LINKTYPE, 10}, /* LINKTYPE_FDDI */
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_fddi = {
    .name = "fddi",
    .title = "Fiber Distributed Data Interface",
    .flags = WK_PF_LINK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .min_hlen = FDDI_HLEN,
};
