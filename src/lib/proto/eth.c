/* Ethernet II and IEEE 802.3 frames (LINKTYPE_ETHERNET).
 *
 *   0                   6                  12      14
 *  +-------------------+-------------------+-------+---------
 *  | destination MAC   | source MAC        | type  | payload
 *  +-------------------+-------------------+-------+---------
 * type >= 0x0600: an EtherType (Ethernet II); type <= 1500: an 802.3 length, and
 * an 802.2 LLC header follows (IEEE 802.3 clause 3.2.6). */
#include "proto/build_int.h"
#include "proto/link_int.h"
#include "wirekit/line.h"

enum { ETH_HLEN = 14 };

static const struct wk_field fields[] = {
    {.name = "eth.dst",
     .title = "Destination",
     .type = WK_FT_MAC,
     .off = 0,
     .width = 6,
     .role = WK_ROLE_DST},
    {.name = "eth.src",
     .title = "Source",
     .type = WK_FT_MAC,
     .off = 6,
     .width = 6,
     .role = WK_ROLE_SRC},
    {.name = "eth.type",
     .title = "Type",
     .type = WK_FT_UINT,
     .off = 12,
     .width = 2,
     .flags = WK_FF_HEX},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	(void)l;
	if (!wk_rd_skip(r, 12))
		return;
	uint16_t type = wk_rd_be16(r);
	if (r->bad)
		return;
	eth_next(r, next, type);
}

void eth_next(struct wk_rd *r, struct wk_next *next, uint16_t type)
{
	if (type <= 1500) {
		wk_rd_clip(r, type); /* a short capture is for LLC to report */
		wk_next_set(next, WK_NS_PROTO, (uint32_t)wk_proto_index(&wk_proto_llc));
		return;
	}
	wk_next_set(next, WK_NS_ETHERTYPE, type);
}

static void line(struct wk_line *o, const struct wk_pkt *p, const struct wk_layer *l)
{
	(void)o;
	(void)p;
	(void)l;
	/* tcpdump -n prints nothing for Ethernet without -e. */
}

static const struct wk_bind binds[] = {
    {WK_NS_LINKTYPE, 1},       /* LINKTYPE_ETHERNET */
    {WK_NS_ETHERTYPE, 0x6558}, /* transparent Ethernet bridging (GRE, NVGRE) */
    {WK_NS_NONE, 0},
};

/* Encoder: broadcast destination, zero source (scapy's choice when nothing is known), type
 * from the next layer's EtherType binding or 0x9000 (loopback test) when none follows. */
static int encode(struct wk_build *b, unsigned i, struct wk_wr *w)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint32_t type = 0x9000;
	build_next_key(b, i, WK_NS_ETHERTYPE, &type);
	wk_wr_bytes(w, bcast, 6);
	wk_wr_zero(w, 6);
	wk_wr_be16(w, (uint16_t)type);
	return 0;
}

const struct wk_proto wk_proto_eth = {
    .name = "eth",
    .title = "Ethernet II",
    .flags = WK_PF_LINK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .line = line,
    .encode = encode,
    .min_hlen = ETH_HLEN,
};
