/* Cisco FabricPath (EtherType 0x8903): the outer Ethernet header's switch addresses are
 * followed, after the EtherType, by a 2-byte forwarding tag and TTL, then the original
 * Ethernet frame.
 *
 *  +-------------+-------+---------------------------
 *  | FTag (10)   |TTL (6)| inner Ethernet frame
 *  +-------------+-------+---------------------------
 * Cisco NX-OS FabricPath documentation; tshark's "cfp". */
#include "proto/proto_int.h"
#include "wirekit/line.h"

enum { CFP_HLEN = 2 };

static const struct wk_field fields[] = {
    WK_F_BITS("cfp.ftag", NULL, "FTag", 0, 2, 0xffc0),
    WK_F_BITS("cfp.ttl", NULL, "TTL", 0, 2, 0x003f),
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	(void)l;
	if (!wk_rd_skip(r, CFP_HLEN))
		return;
	wk_next_set(next, WK_NS_PROTO, (uint32_t)wk_proto_index(&wk_proto_eth));
}

static const struct wk_bind binds[] = {
    {WK_NS_ETHERTYPE, 0x8903},
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_cfp = {
    .name = "cfp",
    .title = "Cisco FabricPath",
    .flags = WK_PF_LINK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .min_hlen = CFP_HLEN,
};
