/* IEEE 802.1ah Provider Backbone Bridging I-TAG (EtherType 0x88e7; IEEE 802.1Q-2018
 * clause 9.7): service instance tag, then the customer's addresses and EtherType.
 *
 *  +---+---+---+---+--------------+----------+----------+---------------
 *  |PCP|DEI|UCA|res| I-SID (24)   | C-DA (6) | C-SA (6) | type / length
 *  +---+---+---+---+--------------+----------+----------+---------------  */
#include "proto/proto_int.h"
#include "proto/link_int.h"
#include "wirekit/line.h"

enum { PBB_HLEN = 18 };

static const struct wk_field fields[] = {
    WK_F_BITS("pbb.priority", "ieee8021ah.priority", "Priority", 0, 1, 0xe0),
    WK_F_BITS("pbb.drop", "ieee8021ah.drop", "DEI", 0, 1, 0x10),
    WK_F_BITS("pbb.nca", "ieee8021ah.nca", "UCA", 0, 1, 0x08),
    WK_F_BITS("pbb.isid", "ieee8021ah.isid", "I-SID", 0, 4, 0x00ffffff),
    {.name = "pbb.c_daddr",
     .alias = "ieee8021ah.c_daddr",
     .title = "C-Destination",
     .type = WK_FT_MAC,
     .off = 4,
     .width = 6,
     .role = WK_ROLE_DST},
    {.name = "pbb.c_saddr",
     .alias = "ieee8021ah.c_saddr",
     .title = "C-Source",
     .type = WK_FT_MAC,
     .off = 10,
     .width = 6,
     .role = WK_ROLE_SRC},
    {.name = "pbb.etype",
     .alias = "ieee8021ah.etype",
     .title = "Type",
     .type = WK_FT_UINT,
     .off = 16,
     .width = 2,
     .flags = WK_FF_HEX},
};

static void dissect(struct wk_pkt *p, struct wk_layer *l, struct wk_rd *r, struct wk_next *next)
{
	(void)p;
	(void)l;
	wk_rd_skip(r, 16);
	uint16_t type = wk_rd_be16(r);
	if (r->bad)
		return;
	eth_next(r, next, type);
}

static const struct wk_bind binds[] = {
    {WK_NS_ETHERTYPE, 0x88e7},
    {WK_NS_NONE, 0},
};

const struct wk_proto wk_proto_pbb = {
    .name = "pbb",
    .title = "IEEE 802.1ah Provider Backbone Bridging",
    .tshark = "ieee8021ah",
    .flags = WK_PF_LINK,
    .fields = fields,
    .nfields = WK_ARRAY_SIZE(fields),
    .binds = binds,
    .dissect = dissect,
    .min_hlen = PBB_HLEN,
};
